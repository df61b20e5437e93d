/* nackgen: gaps become requests, arrivals end them, retries are paced, and old or hopeless
 * losses are given up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sfu/nackgen.h"

static void a_gap_is_asked_for_once_then_again_after_the_interval(void **state)
{
    (void)state;
    struct nackgen g = {0};
    uint16_t out[16];
    assert_false(nackgen_received(&g, 100, 0));
    assert_int_equal(nackgen_deadline(&g), INT64_MAX);
    assert_false(nackgen_received(&g, 101, 10));
    assert_false(nackgen_received(&g, 104, 20)); /* 102 and 103 lost */
    assert_int_equal(nackgen_deadline(&g), 20);
    assert_int_equal(nackgen_due(&g, 20, out, 16), 2);
    assert_true((out[0] == 102 && out[1] == 103) || (out[0] == 103 && out[1] == 102));
    assert_int_equal(nackgen_due(&g, 30, out, 16), 0); /* not again so soon */
    assert_int_equal(nackgen_deadline(&g), 20 + NACKGEN_RETRY_MS);
    assert_true(nackgen_received(&g, 103, 35)); /* a retransmission */
    assert_int_equal(nackgen_due(&g, 20 + NACKGEN_RETRY_MS, out, 16), 1);
    assert_int_equal(out[0], 102);
    assert_int_equal(g.recovered, 1);
    assert_false(nackgen_received(&g, 103, 70)); /* a duplicate changes nothing */
    assert_int_equal(g.count, 1);
}

static void tries_and_age_are_bounded(void **state)
{
    (void)state;
    struct nackgen g = {0};
    uint16_t out[4];
    nackgen_received(&g, 10, 0);
    nackgen_received(&g, 12, 0);
    int asked = 0;
    for (int64_t t = 0; t < 2000; t += 10)
        asked += (int)nackgen_due(&g, t, out, 4);
    assert_int_equal(asked, NACKGEN_TRIES);
    assert_int_equal(g.count, 0);
    assert_int_equal(g.given_up, 1);

    nackgen_received(&g, 14, 5000); /* 13 lost, never asked until too late */
    assert_int_equal(nackgen_due(&g, 5000 + NACKGEN_GIVE_UP_MS + 1, out, 4), 0);
    assert_int_equal(g.given_up, 2);
}

static void a_huge_jump_is_a_restart_and_the_table_stays_bounded(void **state)
{
    (void)state;
    struct nackgen g = {0};
    uint16_t out[NACKGEN_SLOTS];
    nackgen_received(&g, 1000, 0);
    nackgen_received(&g, 1000 + NACKGEN_MAX_GAP + 1, 0);
    assert_int_equal(g.count, 0);
    /* many gaps of 50: the table keeps the newest NACKGEN_SLOTS */
    int64_t s = 5000;
    nackgen_received(&g, s, 0);
    for (int i = 0; i < 10; i++) {
        s += 51;
        nackgen_received(&g, s, 0);
    }
    assert_int_equal(g.count, NACKGEN_SLOTS);
    size_t n = nackgen_due(&g, 0, out, NACKGEN_SLOTS);
    assert_int_equal(n, NACKGEN_SLOTS);
    for (size_t i = 0; i < n; i++)
        assert_true((uint16_t)(out[i] - (uint16_t)(s - 400)) < 400); /* only recent ones */
    /* sequence numbers wrap through the extended numbering */
    struct nackgen w = {0};
    nackgen_received(&w, 65535, 0);
    nackgen_received(&w, 65537, 0);
    assert_int_equal(nackgen_due(&w, 0, out, 4), 1);
    assert_int_equal(out[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_gap_is_asked_for_once_then_again_after_the_interval),
        cmocka_unit_test(tries_and_age_are_bounded),
        cmocka_unit_test(a_huge_jump_is_a_restart_and_the_table_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

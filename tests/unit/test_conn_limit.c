/* conn_limit: the per-address and total bounds, trusted proxies counted in the total
 * only, IPv6 counted by /64, and the table staying right under heavy churn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/cidr.h"
#include "core/rand.h"
#include "net/conn_limit.h"

static void addr(const char *text, uint8_t out[16])
{
    assert_int_equal(cidr_address(text, out), 0);
}

static void v4(uint32_t n, uint8_t out[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(out, mapped, 12);
    out[12] = (uint8_t)(n >> 24);
    out[13] = (uint8_t)(n >> 16);
    out[14] = (uint8_t)(n >> 8);
    out[15] = (uint8_t)n;
}

static void one_address_is_held_to_its_limit_and_others_are_not(void **state)
{
    (void)state;
    struct conn_limit *l = conn_limit_new(3, 100);
    uint8_t a[16], b[16];
    addr("192.0.2.1", a);
    addr("192.0.2.2", b);
    for (int i = 0; i < 3; i++)
        assert_int_equal(conn_limit_admit(l, a, 0), CONN_ADMIT);
    assert_int_equal(conn_limit_admit(l, a, 0), CONN_REFUSE_ADDRESS);
    assert_int_equal(conn_limit_count(l, a), 3); /* a refusal counts nothing */
    assert_int_equal(conn_limit_admit(l, b, 0), CONN_ADMIT);
    conn_limit_release(l, a, 0);
    assert_int_equal(conn_limit_admit(l, a, 0), CONN_ADMIT);
    assert_int_equal(conn_limit_total(l), 4);
    conn_limit_free(l);
}

static void the_total_bounds_everyone_and_a_proxy_counts_only_there(void **state)
{
    (void)state;
    struct conn_limit *l = conn_limit_new(2, 5);
    uint8_t proxy[16], a[16];
    addr("10.0.0.1", proxy);
    addr("192.0.2.1", a);
    for (int i = 0; i < 4; i++) /* past the per-address 2: exempt */
        assert_int_equal(conn_limit_admit(l, proxy, 1), CONN_ADMIT);
    assert_int_equal(conn_limit_count(l, proxy), 0);
    assert_int_equal(conn_limit_admit(l, a, 0), CONN_ADMIT);
    assert_int_equal(conn_limit_admit(l, a, 0), CONN_REFUSE_TOTAL);
    assert_int_equal(conn_limit_admit(l, proxy, 1), CONN_REFUSE_TOTAL);
    conn_limit_release(l, proxy, 1);
    assert_int_equal(conn_limit_admit(l, a, 0), CONN_ADMIT);
    assert_int_equal(conn_limit_count(l, a), 2);
    conn_limit_free(l);
}

static void ipv6_counts_by_its_64(void **state)
{
    (void)state;
    struct conn_limit *l = conn_limit_new(2, 100);
    uint8_t x[16], y[16], z[16];
    addr("2001:db8:1:2::1", x);
    addr("2001:db8:1:2:ffff::9", y); /* same /64 */
    addr("2001:db8:1:3::1", z);      /* the next /64 */
    assert_int_equal(conn_limit_admit(l, x, 0), CONN_ADMIT);
    assert_int_equal(conn_limit_admit(l, y, 0), CONN_ADMIT);
    assert_int_equal(conn_limit_admit(l, x, 0), CONN_REFUSE_ADDRESS);
    assert_int_equal(conn_limit_admit(l, z, 0), CONN_ADMIT);
    /* IPv4 is the whole address, not its /64 (which would be every IPv4 at once) */
    uint8_t a[16], b[16];
    addr("192.0.2.1", a);
    addr("192.0.2.2", b);
    assert_int_equal(conn_limit_admit(l, a, 0), CONN_ADMIT);
    assert_int_equal(conn_limit_admit(l, a, 0), CONN_ADMIT);
    assert_int_equal(conn_limit_admit(l, b, 0), CONN_ADMIT);
    conn_limit_free(l);
}

/* Many addresses in and out, in an order that makes long probe runs and removals from
 * their middle: every count stays what a plain array says it is. */
static void counts_survive_churn(void **state)
{
    (void)state;
    enum { N = 3000 };
    static long model[N];
    memset(model, 0, sizeof model);
    struct conn_limit *l = conn_limit_new(4, 1000000);
    uint32_t seed = 12345;
    long total = 0;
    for (int step = 0; step < 200000; step++) {
        seed = seed * 1103515245u + 12345u;
        int i = (int)((seed >> 8) % N);
        uint8_t a[16];
        v4(0xc0000000u + (uint32_t)i * 7919u, a);
        int release = (seed >> 4) & 1;
        if (release && model[i] > 0) {
            conn_limit_release(l, a, 0);
            model[i]--;
            total--;
        } else {
            enum conn_verdict v = conn_limit_admit(l, a, 0);
            assert_int_equal(v, model[i] < 4 ? CONN_ADMIT : CONN_REFUSE_ADDRESS);
            if (v == CONN_ADMIT) {
                model[i]++;
                total++;
            }
        }
        if (step % 997 == 0)
            for (int k = 0; k < N; k += 37) {
                uint8_t b[16];
                v4(0xc0000000u + (uint32_t)k * 7919u, b);
                assert_int_equal(conn_limit_count(l, b), model[k]);
            }
    }
    assert_int_equal(conn_limit_total(l), total);
    for (int i = 0; i < N; i++) {
        uint8_t a[16];
        v4(0xc0000000u + (uint32_t)i * 7919u, a);
        assert_int_equal(conn_limit_count(l, a), model[i]);
        while (model[i]-- > 0)
            conn_limit_release(l, a, 0);
    }
    assert_int_equal(conn_limit_total(l), 0);
    conn_limit_free(l);
}

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_address_is_held_to_its_limit_and_others_are_not),
        cmocka_unit_test(the_total_bounds_everyone_and_a_proxy_counts_only_there),
        cmocka_unit_test(ipv6_counts_by_its_64),
        cmocka_unit_test(counts_survive_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

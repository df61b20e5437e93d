/* twccfb: feedback reports every packet since the last report, lost ones as not received,
 * with arrival times the parser reads back; it is paced, and survives wraps and jumps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sfu/rtcp.h"
#include "sfu/twccfb.h"

static uint8_t buf[4096];

/* Writes the due feedback and reads it back: how many packets it covers, from base. */
static size_t write_and_read(struct twccfb *t, int64_t now, uint16_t *base, int64_t *arrivals,
                             enum rtcp_twcc_status *status)
{
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(twccfb_write(t, now, &w, 1, 2), 1);
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, buf, w.len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    assert_int_equal(rtcp_kind(&p), RTCP_KIND_TWCC);
    struct rtcp_twcc fb;
    assert_int_equal(rtcp_parse_twcc(&p, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 1);
    assert_int_equal(fb.media_ssrc, 2);
    *base = fb.base_seq;
    struct rtcp_twcc_iter ti;
    struct rtcp_twcc_packet tp;
    rtcp_twcc_iter_init(&ti, &fb);
    size_t n = 0;
    while (rtcp_twcc_next(&ti, &tp) == 1) {
        arrivals[n] = tp.arrival_us;
        status[n] = tp.status;
        n++;
    }
    return n;
}

static void reports_arrivals_and_losses(void **state)
{
    (void)state;
    struct twccfb t = {0};
    assert_int_equal(twccfb_deadline(&t), INT64_MAX);
    int64_t at = 5000000;
    for (uint16_t s = 100; s < 110; s++) {
        if (s == 104 || s == 105)
            continue; /* lost */
        twccfb_record(&t, s, at + (s - 100) * 1000);
    }
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(twccfb_write(&t, 50, &w, 1, 2), 0); /* paced from the last (time 0) */
    uint16_t base;
    int64_t arr[64];
    enum rtcp_twcc_status st[64];
    size_t n = write_and_read(&t, 100, &base, arr, st);
    assert_int_equal(base, 100);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) {
        if (i == 4 || i == 5) {
            assert_int_equal(st[i], RTCP_TWCC_NOT_RECEIVED);
            continue;
        }
        assert_int_not_equal(st[i], RTCP_TWCC_NOT_RECEIVED);
        /* deltas are exact to 250 µs; the reference time is rounded to 64 ms */
        assert_int_equal(arr[i] - arr[0], (int64_t)i * 1000);
    }
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(twccfb_write(&t, 300, &w, 1, 2), 0); /* nothing new */
    assert_int_equal(twccfb_deadline(&t), INT64_MAX);
    /* a late packet already reported as lost changes nothing; the next report starts after */
    twccfb_record(&t, 104, at + 20000);
    twccfb_record(&t, 110, at + 21000);
    n = write_and_read(&t, 300, &base, arr, st);
    assert_int_equal(base, 110);
    assert_int_equal(n, 1);
}

static void wraps_and_jumps(void **state)
{
    (void)state;
    struct twccfb t = {0};
    uint16_t base;
    int64_t arr[TWCCFB_WINDOW];
    enum rtcp_twcc_status st[TWCCFB_WINDOW];
    twccfb_record(&t, 65534, 1000);
    twccfb_record(&t, 65535, 2000);
    twccfb_record(&t, 1, 4000); /* 0 lost across the wrap */
    size_t n = write_and_read(&t, 100, &base, arr, st);
    assert_int_equal(base, 65534);
    assert_int_equal(n, 4);
    assert_int_equal(st[2], RTCP_TWCC_NOT_RECEIVED);
    /* a jump past the window: only the newest window is reported */
    twccfb_record(&t, 5000, 10000);
    n = write_and_read(&t, 200, &base, arr, st);
    assert_true(n <= TWCCFB_WINDOW);
    assert_int_equal((uint16_t)(base + n - 1), 5000);
    assert_int_not_equal(st[n - 1], RTCP_TWCC_NOT_RECEIVED);
}

/* Two arrivals in one window more than 8 s apart (a stall, a clock jump) do not fit one
 * report's deltas: that report is dropped, and feedback goes on with the next packets
 * instead of stopping for good. */
static void a_report_that_cannot_be_written_is_dropped(void **state)
{
    (void)state;
    struct twccfb t = {0};
    struct rtcp_writer w;
    twccfb_record(&t, 1, 1000000);
    twccfb_record(&t, 2, 1000000 + 9 * 1000000); /* 9 s later, same window */
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(twccfb_write(&t, 10000, &w, 1, 2), -EINVAL);
    assert_int_equal(twccfb_deadline(&t), INT64_MAX); /* nothing pending any more */
    twccfb_record(&t, 3, 10100000);
    twccfb_record(&t, 4, 10110000);
    uint16_t base;
    int64_t arrivals[8];
    enum rtcp_twcc_status status[8];
    assert_int_equal(write_and_read(&t, 10200, &base, arrivals, status), 2);
    assert_int_equal(base, 3); /* afresh from the next packet */
    assert_int_equal(arrivals[1] - arrivals[0], 10000);
}

/* The window keeps the low 32 bits of each arrival time (µs) and reads them back against
 * the newest: a receiver clock crossing 2^32 µs (71.6 minutes) reports the same deltas. */
static void arrivals_across_32_bits(void **state)
{
    (void)state;
    struct twccfb t = {0};
    const int64_t at = (1ll << 32) - 2500; /* the third packet crosses it */
    for (uint16_t s = 10; s < 16; s++)
        if (s != 12)
            twccfb_record(&t, s, at + (s - 10) * 1000);
    uint16_t base;
    int64_t arr[16];
    enum rtcp_twcc_status st[16];
    size_t n = write_and_read(&t, 100, &base, arr, st);
    assert_int_equal(base, 10);
    assert_int_equal(n, 6);
    assert_int_equal(st[2], RTCP_TWCC_NOT_RECEIVED);
    for (size_t i = 0; i < n; i++)
        if (i != 2)
            assert_int_equal(arr[i] - arr[0], (int64_t)i * 1000);
    /* the report's reference time is the first arrival's, not its low 32 bits */
    assert_true(arr[0] > at - 64000 && arr[0] <= at);
}

/* Reported slots are free: a window later, a lost packet in the same slot as a reported one
 * is reported lost, not as the old arrival; so are packets a jump skipped. */
static void reported_slots_are_free(void **state)
{
    (void)state;
    struct twccfb t = {0};
    uint16_t base;
    int64_t arr[TWCCFB_WINDOW];
    enum rtcp_twcc_status st[TWCCFB_WINDOW];
    twccfb_record(&t, 0, 1000);
    twccfb_record(&t, 1, 2000);
    assert_int_equal(write_and_read(&t, 100, &base, arr, st), 2);
    for (uint16_t s = 2; s <= TWCCFB_WINDOW + 1; s++)
        if (s != TWCCFB_WINDOW) /* lost: the slot packet 0 had */
            twccfb_record(&t, s, 3000 + s);
    size_t n = write_and_read(&t, 200, &base, arr, st);
    assert_int_equal(base, 2);
    assert_int_equal(n, TWCCFB_WINDOW);
    assert_int_equal(st[TWCCFB_WINDOW - 2], RTCP_TWCC_NOT_RECEIVED);
    assert_int_not_equal(st[TWCCFB_WINDOW - 1], RTCP_TWCC_NOT_RECEIVED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_report_that_cannot_be_written_is_dropped),
        cmocka_unit_test(reports_arrivals_and_losses),
        cmocka_unit_test(wraps_and_jumps),
        cmocka_unit_test(arrivals_across_32_bits),
        cmocka_unit_test(reported_slots_are_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* sfu/rtp_cache: packets come back byte for byte by sequence number, never once older than
 * the window or written over by newer ones, across the ring's end and the 16-bit wrap;
 * the window follows the round trip; a resize keeps the newest packets that fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sfu/rtp_cache.h"

/* A packet whose bytes say which it is: len bytes of (seq + i). */
static size_t fill(uint8_t *buf, uint16_t seq, size_t len)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seq + i);
    return len;
}

/* The cache gives back packet seq at now, and it is the one put with len bytes. */
static bool gives(struct rtp_cache *c, uint16_t seq, int64_t now, size_t len)
{
    uint8_t want[RTP_CACHE_PACKET_MAX];
    fill(want, seq, len);
    size_t got_len = 0;
    const uint8_t *got = rtp_cache_get(c, seq, now, &got_len);
    return got && got_len == len && memcmp(got, want, len) == 0;
}

static void put(struct rtp_cache *c, uint16_t seq, size_t len, int64_t now)
{
    uint8_t buf[RTP_CACHE_PACKET_MAX];
    assert_true(rtp_cache_put(c, seq, buf, fill(buf, seq, len), now));
}

static void packets_come_back_by_their_length(void **state)
{
    (void)state;
    struct rtp_cache *c = rtp_cache_new();
    put(c, 10, 1200, 0);
    put(c, 11, 90, 1);
    put(c, 12, 1500, 2);
    size_t len;
    assert_true(gives(c, 11, 5, 90));
    assert_true(gives(c, 10, 5, 1200));
    assert_true(gives(c, 12, 5, 1500));
    assert_null(rtp_cache_get(c, 13, 5, &len)); /* never came */
    assert_null(rtp_cache_get(c, (uint16_t)(10 + RTP_CACHE_SLOTS), 5, &len)); /* same slot */
    assert_true(rtp_cache_holds(c, 10));
    assert_false(rtp_cache_holds(c, 13));
    uint8_t big[RTP_CACHE_PACKET_MAX + 1] = {0};
    assert_false(rtp_cache_put(c, 14, big, sizeof big, 3));
    assert_false(rtp_cache_put(c, 14, big, 0, 3));
    assert_false(rtp_cache_holds(c, 14));
    rtp_cache_free(c);
}

/* Stale retransmissions are worse than none: past the window, nothing, even though the
 * bytes are still there. */
static void nothing_older_than_the_window(void **state)
{
    (void)state;
    struct rtp_cache *c = rtp_cache_new();
    put(c, 1, 1000, 1000);
    size_t len;
    assert_non_null(rtp_cache_get(c, 1, 1000 + RTP_CACHE_FLOOR_MS, &len));
    assert_null(rtp_cache_get(c, 1, 1000 + RTP_CACHE_FLOOR_MS + 1, &len));
    assert_true(rtp_cache_holds(c, 1)); /* it came, all the same (RTX duplicates) */
    /* a longer round trip widens the window */
    rtp_cache_tune(c, 0, rtp_cache_window_ms(200));
    assert_non_null(rtp_cache_get(c, 1, 1000 + 600, &len));
    assert_null(rtp_cache_get(c, 1, 1000 + 601, &len));
    rtp_cache_free(c);
}

static void the_window_follows_the_round_trip_within_bounds(void **state)
{
    (void)state;
    assert_int_equal(rtp_cache_window_ms(-1), RTP_CACHE_FLOOR_MS);
    assert_int_equal(rtp_cache_window_ms(0), RTP_CACHE_FLOOR_MS);
    assert_int_equal(rtp_cache_window_ms(20), RTP_CACHE_FLOOR_MS);
    assert_int_equal(rtp_cache_window_ms(150), 150 * RTP_CACHE_RTT_FACTOR);
    assert_int_equal(rtp_cache_window_ms(2000), RTP_CACHE_CAP_MS);
    assert_int_equal(rtp_cache_window_ms(INT32_MAX), RTP_CACHE_CAP_MS);
}

/* Round and round the ring (and through the 16-bit wrap): the newest packets are there
 * byte for byte, those written over are gone, whatever their slot says. */
static void the_ring_keeps_the_newest_across_its_end_and_the_wrap(void **state)
{
    (void)state;
    struct rtp_cache *c = rtp_cache_new();
    uint16_t seq = 65000;
    size_t lens[5] = {1200, 700, 1500, 33, 1100};
    for (int i = 0; i < 3000; i++, seq++) {
        put(c, seq, lens[i % 5], i);
        /* the last few always fit (their sizes sum below the ring's) */
        for (uint16_t back = 0; back < 30 && back <= i; back++) {
            uint16_t s = (uint16_t)(seq - back);
            assert_true(gives(c, s, i, lens[(i - back) % 5]));
        }
        /* more than a ring ago: written over (the slot may still name it) */
        if (i >= 100)
            assert_false(rtp_cache_holds(c, (uint16_t)(seq - 100)));
    }
    rtp_cache_free(c);
}

/* The ring follows the bitrate: it grows (keeping what it held) and shrinks (keeping the
 * newest that fit), and a bitrate that does not change much does not resize it. */
static void tuning_sizes_the_ring_and_keeps_the_newest(void **state)
{
    (void)state;
    struct rtp_cache *c = rtp_cache_new();
    assert_int_equal(c->cap, RTP_CACHE_START_BYTES);
    for (uint16_t s = 0; s < 30; s++)
        put(c, s, 1200, s);
    /* 4 Mbit/s over 300 ms, half again, and an eighth more */
    rtp_cache_tune(c, 4000000, 300);
    assert_true(c->cap >= 253125 && c->cap <= 253125 + 4096);
    uint32_t grown = c->cap;
    size_t len;
    for (uint16_t s = 0; s < 30; s++) /* all still there */
        assert_true(gives(c, s, 40, 1200));
    for (uint16_t s = 30; s < 200; s++)
        put(c, s, 1200, s);
    rtp_cache_tune(c, 2500000, 300); /* a little less: as it is */
    assert_int_equal(c->cap, grown);
    /* far less: shrinks to what it needs (300 kbit/s × 300 ms × 1.5 = 16,875 bytes), the
     * newest kept, the rest gone */
    rtp_cache_tune(c, 300000, 300);
    assert_int_equal(c->cap, 20480);
    size_t fit = 20480 / 1200;
    for (uint16_t s = 0; s < 200; s++) {
        if (s >= 200 - fit)
            assert_true(gives(c, s, 200, 1200));
        else
            assert_null(rtp_cache_get(c, s, 200, &len));
    }
    /* and goes on as a ring of its new size */
    for (uint16_t s = 200; s < 300; s++) {
        put(c, s, 1200, s);
        assert_true(gives(c, s, s, 1200));
        assert_true(gives(c, (uint16_t)(s - 10), s, 1200));
    }
    /* never more than the bound */
    rtp_cache_tune(c, UINT32_MAX, RTP_CACHE_CAP_MS);
    assert_int_equal(c->cap, RTP_CACHE_MAX_BYTES);
    /* nor less: a slow layer's ring still holds a few packets */
    rtp_cache_tune(c, 1000, RTP_CACHE_FLOOR_MS);
    assert_int_equal(c->cap, RTP_CACHE_MIN_BYTES);
    rtp_cache_free(c);
}

static void clear_forgets_everything(void **state)
{
    (void)state;
    struct rtp_cache *c = rtp_cache_new();
    put(c, 5, 100, 0);
    rtp_cache_clear(c);
    size_t len;
    assert_null(rtp_cache_get(c, 5, 0, &len));
    assert_false(rtp_cache_holds(c, 5));
    put(c, 5, 200, 1);
    assert_true(gives(c, 5, 1, 200));
    rtp_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(packets_come_back_by_their_length),
        cmocka_unit_test(nothing_older_than_the_window),
        cmocka_unit_test(the_window_follows_the_round_trip_within_bounds),
        cmocka_unit_test(the_ring_keeps_the_newest_across_its_end_and_the_wrap),
        cmocka_unit_test(tuning_sizes_the_ring_and_keeps_the_newest),
        cmocka_unit_test(clear_forgets_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

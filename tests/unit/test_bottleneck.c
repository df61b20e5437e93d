/* bench/bottleneck: a simulated downlink delivers at its capacity, in order, and drops what
 * would wait longer than its queue allows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../bench/bottleneck.h"

static struct bottleneck b;

static void init(uint64_t bps, int64_t max_queue_us)
{
    b = (struct bottleneck){.capacity_bps = bps, .max_queue_us = max_queue_us};
}

static void an_idle_link_only_adds_the_time_to_send(void **state)
{
    (void)state;
    init(1000000, 200000); /* 1 Mbit/s: 1,250 bytes take 10 ms */
    assert_true(bottleneck_push(&b, 1000000, 1250, 7, 42));
    struct bottleneck_pkt p;
    assert_false(bottleneck_pop(&b, 1009999, &p));
    assert_true(bottleneck_pop(&b, 1010000, &p));
    assert_int_equal(p.arrival_us, 1010000);
    assert_int_equal(p.seq, 7);
    assert_int_equal(p.tag, 42);
    assert_int_equal(p.bytes, 1250);
    /* long after, the link is idle again: no queue left over */
    assert_true(bottleneck_push(&b, 2000000, 125, 8, 0));
    assert_true(bottleneck_pop(&b, 2001000, &p));
    assert_int_equal(p.arrival_us, 2001000);
}

static void a_burst_queues_at_the_capacity(void **state)
{
    (void)state;
    init(1000000, 200000);
    for (uint16_t i = 0; i < 10; i++) /* ten 10-ms packets at once */
        assert_true(bottleneck_push(&b, 0, 1250, i, 0));
    struct bottleneck_pkt p;
    for (uint16_t i = 0; i < 10; i++) {
        assert_true(bottleneck_pop(&b, 1000000, &p));
        assert_int_equal(p.seq, i);
        assert_int_equal(p.arrival_us, (int64_t)(i + 1) * 10000);
    }
    assert_false(bottleneck_pop(&b, 1000000, &p));
}

static void over_capacity_the_queue_is_capped_and_the_rest_dropped(void **state)
{
    (void)state;
    init(1000000, 200000);
    /* 2 Mbit/s offered into 1 Mbit/s for 2 s: a 10-ms packet every 5 ms */
    uint64_t queued = 0;
    int64_t worst_delay = 0;
    struct bottleneck_pkt p;
    for (int64_t t = 0; t < 2000000; t += 5000) {
        queued += bottleneck_push(&b, t, 1250, 0, (uint32_t)t);
        while (bottleneck_pop(&b, t, &p)) {
            int64_t delay = p.arrival_us - (int64_t)p.tag;
            if (delay > worst_delay)
                worst_delay = delay;
        }
    }
    /* about half goes through (what 1 Mbit/s carries in 2 s plus the 200-ms queue) */
    assert_in_range(queued, 215, 225);
    assert_int_equal(b.dropped, 400 - queued);
    /* the queue never holds a packet more than its cap plus its own sending time */
    assert_in_range(worst_delay, 190000, 210000);
}

static void a_full_ring_drops(void **state)
{
    (void)state;
    init(1000, 1000000000); /* a very slow link with a very long queue: the ring limits */
    for (size_t i = 0; i < BOTTLENECK_SLOTS; i++)
        assert_true(bottleneck_push(&b, 0, 1, 0, 0));
    assert_false(bottleneck_push(&b, 0, 1, 0, 0));
    assert_int_equal(b.dropped, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_idle_link_only_adds_the_time_to_send),
        cmocka_unit_test(a_burst_queues_at_the_capacity),
        cmocka_unit_test(over_capacity_the_queue_is_capped_and_the_rest_dropped),
        cmocka_unit_test(a_full_ring_drops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

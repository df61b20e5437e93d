/* timer_heap: the earliest deadline is always on top; moving a deadline earlier or later
 * and removing any node keep that; every index names its node's slot; and many random
 * operations agree with a plain scan of the same deadlines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "sfu/timer_heap.h"

static void insert_and_peek(void **state)
{
    (void)state;
    struct timer_heap h;
    timer_heap_init(&h);
    assert_null(timer_heap_peek(&h));
    assert_true(timer_heap_next(&h) == INT64_MAX);
    struct timer_node a, b, c;
    timer_node_init(&a);
    timer_node_init(&b);
    timer_node_init(&c);
    assert_false(timer_node_queued(&a));
    timer_heap_set(&h, &a, 300);
    timer_heap_set(&h, &b, 100);
    timer_heap_set(&h, &c, 200);
    assert_true(timer_node_queued(&a));
    assert_ptr_equal(timer_heap_peek(&h), &b);
    assert_true(timer_heap_next(&h) == 100);
    assert_true(timer_heap_valid(&h));

    timer_heap_set(&h, &a, 50); /* earlier: to the top */
    assert_ptr_equal(timer_heap_peek(&h), &a);
    timer_heap_set(&h, &a, 400); /* later: below the others */
    assert_ptr_equal(timer_heap_peek(&h), &b);
    timer_heap_set(&h, &b, 250);
    assert_ptr_equal(timer_heap_peek(&h), &c);
    timer_heap_set(&h, &c, 200); /* unchanged */
    assert_ptr_equal(timer_heap_peek(&h), &c);

    timer_heap_remove(&h, &c);
    assert_false(timer_node_queued(&c));
    assert_ptr_equal(timer_heap_peek(&h), &b);
    timer_heap_remove(&h, &c); /* not in: nothing happens */
    assert_int_equal(h.count, 2);
    timer_heap_remove(&h, &b);
    timer_heap_remove(&h, &a);
    assert_null(timer_heap_peek(&h));
    assert_true(timer_heap_next(&h) == INT64_MAX);

    timer_heap_set(&h, &a, INT64_MAX); /* no timer at all still files */
    assert_ptr_equal(timer_heap_peek(&h), &a);
    timer_heap_free(&h);
    assert_false(timer_node_queued(&a)); /* freeing lets go of the nodes */
}

/* Removing the last node, the top, and a middle node whose replacement must go up. */
static void remove_anywhere(void **state)
{
    (void)state;
    struct timer_heap h;
    timer_heap_init(&h);
    struct timer_node n[7];
    /* a heap where the last node (deadline 3) is smaller than the removed node's
     * subtree on the other side: it must sift up into its new place */
    int64_t d[7] = {1, 100, 2, 101, 102, 3, 4};
    for (int i = 0; i < 7; i++) {
        timer_node_init(&n[i]);
        timer_heap_set(&h, &n[i], d[i]);
    }
    timer_heap_remove(&h, &n[3]); /* deadline 101, below 100 */
    assert_true(timer_heap_valid(&h));
    timer_heap_remove(&h, &n[0]); /* the top */
    assert_ptr_equal(timer_heap_peek(&h), &n[2]);
    timer_heap_remove(&h, &n[h.items[h.count - 1] - n]); /* the last */
    assert_true(timer_heap_valid(&h));
    assert_int_equal(h.count, 4);
    timer_heap_free(&h);
}

#define NODES 300

/* Random sets (earlier, later, fresh), removals and pops of the top against an array
 * scanned in full, with ties. */
static void random_against_scan(void **state)
{
    (void)state;
    srand(12345);
    struct timer_heap h;
    timer_heap_init(&h);
    static struct timer_node n[NODES];
    static bool in[NODES];
    static int64_t want[NODES];
    for (int i = 0; i < NODES; i++)
        timer_node_init(&n[i]);
    for (int op = 0; op < 60000; op++) {
        int i = rand() % NODES;
        int what = rand() % 10;
        if (what < 6) {
            want[i] = rand() % 1000; /* few values: many ties */
            in[i] = true;
            timer_heap_set(&h, &n[i], want[i]);
        } else if (what < 8) {
            in[i] = false;
            timer_heap_remove(&h, &n[i]);
        } else if (h.count) { /* the worker's way: take the top, file it later */
            struct timer_node *top = timer_heap_peek(&h);
            int t = (int)(top - n);
            want[t] += 1 + rand() % 50;
            timer_heap_set(&h, top, want[t]);
        }
        int64_t min = INT64_MAX;
        size_t queued = 0;
        for (int k = 0; k < NODES; k++) {
            assert_int_equal(timer_node_queued(&n[k]), in[k]);
            if (in[k]) {
                queued++;
                assert_true(n[k].deadline == want[k]);
                if (want[k] < min)
                    min = want[k];
            }
        }
        assert_int_equal(h.count, queued);
        assert_true(timer_heap_next(&h) == min);
        if (queued)
            assert_true(timer_heap_peek(&h)->deadline == min);
        assert_true(timer_heap_valid(&h));
    }
    /* draining it gives the deadlines in order */
    int64_t last = INT64_MIN;
    while (h.count) {
        struct timer_node *top = timer_heap_peek(&h);
        assert_true(top->deadline >= last);
        last = top->deadline;
        timer_heap_remove(&h, top);
    }
    timer_heap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(insert_and_peek),
        cmocka_unit_test(remove_anywhere),
        cmocka_unit_test(random_against_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

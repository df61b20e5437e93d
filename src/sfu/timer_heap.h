/* A binary min-heap of deadlines, for the worker's per-peer timers.
 *
 * The node lives inside its owner (intrusive) and keeps its own position in the heap, so
 * moving a deadline earlier or later, or removing it, is O(log n) without a search; the
 * earliest deadline is O(1). Ties come out in no particular order. The array grows on
 * insertion only (a peer being added, not a packet); updates and removals never allocate.
 * Debug builds check the heap's invariants after every change. */
#ifndef CONFIDE_SFU_TIMER_HEAP_H
#define CONFIDE_SFU_TIMER_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMER_HEAP_NONE SIZE_MAX /* a node's index when it is in no heap */

struct timer_node {
    int64_t deadline;
    size_t index; /* its slot in the heap, or TIMER_HEAP_NONE */
};

struct timer_heap {
    struct timer_node **items;
    size_t count, cap;
};

void timer_heap_init(struct timer_heap *h);
/* Frees the array; the nodes are their owners'. */
void timer_heap_free(struct timer_heap *h);
/* A node in no heap yet. */
void timer_node_init(struct timer_node *n);
bool timer_node_queued(const struct timer_node *n);

/* Files the node at `deadline`: inserts it, or moves it if it is already in. */
void timer_heap_set(struct timer_heap *h, struct timer_node *n, int64_t deadline);
/* Takes the node out; a node in no heap is left as it is. */
void timer_heap_remove(struct timer_heap *h, struct timer_node *n);
/* The node with the earliest deadline, or NULL when empty. */
struct timer_node *timer_heap_peek(const struct timer_heap *h);
/* The earliest deadline, or INT64_MAX when empty. */
int64_t timer_heap_next(const struct timer_heap *h);
/* Every parent no later than its children and every node's index its slot (tests; the
 * debug build asserts it after each change). */
bool timer_heap_valid(const struct timer_heap *h);

#endif

#include "sfu/timer_heap.h"

#include <assert.h>
#include <stdlib.h>

#include "core/xalloc.h"

void timer_heap_init(struct timer_heap *h)
{
    *h = (struct timer_heap){0};
}

void timer_heap_free(struct timer_heap *h)
{
    for (size_t i = 0; i < h->count; i++)
        h->items[i]->index = TIMER_HEAP_NONE;
    free(h->items);
    *h = (struct timer_heap){0};
}

void timer_node_init(struct timer_node *n)
{
    *n = (struct timer_node){.deadline = INT64_MAX, .index = TIMER_HEAP_NONE};
}

bool timer_node_queued(const struct timer_node *n)
{
    return n->index != TIMER_HEAP_NONE;
}

static void place(struct timer_heap *h, size_t i, struct timer_node *n)
{
    h->items[i] = n;
    n->index = i;
}

static void sift_up(struct timer_heap *h, size_t i)
{
    struct timer_node *n = h->items[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->items[parent]->deadline <= n->deadline)
            break;
        place(h, i, h->items[parent]);
        i = parent;
    }
    place(h, i, n);
}

static void sift_down(struct timer_heap *h, size_t i)
{
    struct timer_node *n = h->items[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->count)
            break;
        if (child + 1 < h->count && h->items[child + 1]->deadline < h->items[child]->deadline)
            child++;
        if (n->deadline <= h->items[child]->deadline)
            break;
        place(h, i, h->items[child]);
        i = child;
    }
    place(h, i, n);
}

bool timer_heap_valid(const struct timer_heap *h)
{
    for (size_t i = 0; i < h->count; i++) {
        if (h->items[i]->index != i)
            return false;
        if (i > 0 && h->items[(i - 1) / 2]->deadline > h->items[i]->deadline)
            return false;
    }
    return true;
}

void timer_heap_set(struct timer_heap *h, struct timer_node *n, int64_t deadline)
{
    if (n->index == TIMER_HEAP_NONE) {
        if (h->count == h->cap) {
            h->cap = h->cap ? 2 * h->cap : 16;
            h->items = xrealloc(h->items, h->cap * sizeof *h->items);
        }
        n->deadline = deadline;
        place(h, h->count++, n);
        sift_up(h, n->index);
    } else {
        assert(n->index < h->count && h->items[n->index] == n);
        int64_t was = n->deadline;
        n->deadline = deadline;
        if (deadline < was)
            sift_up(h, n->index);
        else if (deadline > was)
            sift_down(h, n->index);
    }
    assert(timer_heap_valid(h));
}

void timer_heap_remove(struct timer_heap *h, struct timer_node *n)
{
    if (n->index == TIMER_HEAP_NONE)
        return;
    size_t i = n->index;
    assert(i < h->count && h->items[i] == n);
    n->index = TIMER_HEAP_NONE;
    struct timer_node *last = h->items[--h->count];
    if (last != n) {
        /* the last node fills the hole; it may belong above or below it */
        place(h, i, last);
        if (i > 0 && h->items[(i - 1) / 2]->deadline > last->deadline)
            sift_up(h, i);
        else
            sift_down(h, i);
    }
    assert(timer_heap_valid(h));
}

struct timer_node *timer_heap_peek(const struct timer_heap *h)
{
    return h->count ? h->items[0] : NULL;
}

int64_t timer_heap_next(const struct timer_heap *h)
{
    return h->count ? h->items[0]->deadline : INT64_MAX;
}

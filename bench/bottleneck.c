#include "bottleneck.h"

#include <assert.h>

bool bottleneck_push(struct bottleneck *b, int64_t now_us, uint32_t bytes, uint16_t seq,
                     uint32_t tag)
{
    assert(b->capacity_bps > 0);
    int64_t start = b->busy_until_us > now_us ? b->busy_until_us : now_us;
    /* the queue delay this packet would see before its first bit goes out */
    if (start - now_us > b->max_queue_us || b->count == BOTTLENECK_SLOTS) {
        b->dropped++;
        return false;
    }
    int64_t serialise_us = (int64_t)((uint64_t)bytes * 8 * 1000000 / b->capacity_bps);
    b->busy_until_us = start + serialise_us;
    struct bottleneck_pkt *p = &b->ring[(b->head + b->count) & (BOTTLENECK_SLOTS - 1)];
    *p = (struct bottleneck_pkt){
        .arrival_us = b->busy_until_us, .bytes = bytes, .tag = tag, .seq = seq};
    b->count++;
    return true;
}

bool bottleneck_pop(struct bottleneck *b, int64_t now_us, struct bottleneck_pkt *out)
{
    if (b->count == 0 || b->ring[b->head].arrival_us > now_us)
        return false;
    *out = b->ring[b->head];
    b->head = (b->head + 1) & (BOTTLENECK_SLOTS - 1);
    b->count--;
    return true;
}

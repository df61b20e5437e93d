/* bottleneck: a simulated downlink of fixed capacity in front of one subscriber, sans-I/O,
 * for the load generator. Packets leave the server at once; here they queue as they would
 * behind a slower link: each arrives when the link has finished sending everything before
 * it, at capacity_bps, and a packet that would wait more than max_queue_us is dropped, as a
 * router's tail-drop queue does. What it says arrived, and when, is what the subscriber's
 * transport-cc feedback reports, so the server's bandwidth estimate sees the capacity.
 *
 * Deterministic: arrival = max(real arrival, previous simulated arrival + bits / capacity).
 * Time is passed in (µs). The queue is a ring of BOTTLENECK_SLOTS; a packet that finds it
 * full is dropped too. No allocation. */
#ifndef CONFIDE_BENCH_BOTTLENECK_H
#define CONFIDE_BENCH_BOTTLENECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOTTLENECK_SLOTS 2048 /* a power of two */

struct bottleneck_pkt {
    int64_t arrival_us; /* when the last bit is through the link */
    uint32_t bytes;
    uint32_t tag; /* the caller's: what the packet was */
    uint16_t seq; /* the caller's: its transport-wide number */
};

/* Zero-initialise, then set capacity_bps (> 0) and max_queue_us. */
struct bottleneck {
    uint64_t capacity_bps;
    int64_t max_queue_us;
    int64_t busy_until_us; /* the link is sending until then */
    struct bottleneck_pkt ring[BOTTLENECK_SLOTS];
    size_t head, count;
    uint64_t dropped;
};

/* A packet of `bytes` reaches the link at now_us. True if it is queued; false if dropped
 * (it would wait over max_queue_us, or the ring is full). */
bool bottleneck_push(struct bottleneck *b, int64_t now_us, uint32_t bytes, uint16_t seq,
                     uint32_t tag);
/* The next packet that has arrived by now_us, oldest first: true with *out, else false. */
bool bottleneck_pop(struct bottleneck *b, int64_t now_us, struct bottleneck_pkt *out);

#endif

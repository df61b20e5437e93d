/* rtp_cache: the recent packets of one video source, kept so that a subscriber's NACK can be
 * answered, sans-I/O. Packets are stored by their actual length in a byte ring, with an
 * index by sequence number (seq mod RTP_CACHE_SLOTS) for O(1) lookups.
 *
 * What is kept is bounded twice:
 *  - by time: a packet older than the window is never served (a retransmission that comes
 *    after the receiver gave up on it only takes bandwidth). The window is what a NACK can
 *    still usefully ask for: RTP_CACHE_RTT_FACTOR round trips (the loss is noticed, asked
 *    for, answered, and asked for once more if the answer was lost), at least
 *    RTP_CACHE_FLOOR_MS, at most RTP_CACHE_CAP_MS (rtp_cache_window_ms);
 *  - by bytes: the ring holds the source's bitrate × the window and half as much again (a
 *    keyframe is a burst above the mean), clamped to [RTP_CACHE_MIN_BYTES,
 *    RTP_CACHE_MAX_BYTES]. When a burst outgrows it, the oldest packets go first: the
 *    keyframe's own, the newest, stay;
 *  - by count: RTP_CACHE_SLOTS packets; more in one window (small packets, or a high
 *    bitrate) shortens it.
 *
 * The ring is allocated by rtp_cache_new and resized only by rtp_cache_tune, which the
 * caller runs from a timer, never per packet: put and get never allocate. A resize keeps
 * the newest packets that fit. */
#ifndef CONFIDE_SFU_RTP_CACHE_H
#define CONFIDE_SFU_RTP_CACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_CACHE_SLOTS 512 /* packets one window may hold (a power of two): 1 s of 5 Mbit/s */
#define RTP_CACHE_PACKET_MAX 1500
#define RTP_CACHE_RTT_FACTOR 3
#define RTP_CACHE_FLOOR_MS 300
#define RTP_CACHE_CAP_MS 1000
#define RTP_CACHE_START_BYTES (64 * 1024) /* before the bitrate is known: a first keyframe */
#define RTP_CACHE_MIN_BYTES (16 * 1024)   /* a simulcast layer of 100 kbit/s needs less */
#define RTP_CACHE_MAX_BYTES (4 * 1024 * 1024) /* 1 s of 20 Mbit/s, and half again */

struct rtp_cache_slot {
    int64_t at_ms; /* when it was put */
    uint32_t pos;  /* where its bytes start in the stream of bytes written (mod 2^32) */
    uint16_t seq;
    uint16_t len; /* 0: empty */
};

struct rtp_cache {
    uint8_t *ring;
    uint32_t cap;     /* bytes of ring */
    uint32_t head;    /* the next write's offset in ring */
    uint32_t written; /* bytes written so far, the room skipped at the end included (mod 2^32) */
    uint32_t window_ms;
    bool any;
    uint16_t newest; /* the highest sequence number put (once any) */
    struct rtp_cache_slot slot[RTP_CACHE_SLOTS];
};

/* An empty cache of RTP_CACHE_START_BYTES and a window of RTP_CACHE_FLOOR_MS. */
struct rtp_cache *rtp_cache_new(void);
void rtp_cache_free(struct rtp_cache *c);
/* Forgets every packet (a new SSRC reuses the sequence numbers). */
void rtp_cache_clear(struct rtp_cache *c);

/* The window for the largest round trip among those who may ask (rtt_ms < 0: unknown). */
uint32_t rtp_cache_window_ms(int32_t rtt_ms);
/* Sets the window and sizes the ring for bitrate_bps over it (0: not known yet, the size
 * stays). Grows at once, with room to spare so that a slowly rising bitrate does not
 * reallocate every time; shrinks only below half of the size. Allocates: timer path only. */
void rtp_cache_tune(struct rtp_cache *c, uint32_t bitrate_bps, uint32_t window_ms);

/* Keeps a copy of one packet. False: not kept (empty, or over RTP_CACHE_PACKET_MAX). */
bool rtp_cache_put(struct rtp_cache *c, uint16_t seq, const uint8_t *data, size_t len,
                   int64_t now_ms);
/* The packet with this sequence number if it is held and within the window, else NULL.
 * Valid until the next put, tune or clear. */
uint8_t *rtp_cache_get(struct rtp_cache *c, uint16_t seq, int64_t now_ms, size_t *len);
/* Whether the packet came (is still held), whatever its age. */
bool rtp_cache_holds(const struct rtp_cache *c, uint16_t seq);

#endif

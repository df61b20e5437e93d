#include "sfu/rtp_cache.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

_Static_assert((RTP_CACHE_SLOTS & (RTP_CACHE_SLOTS - 1)) == 0, "slots: a power of two");
_Static_assert(RTP_CACHE_SLOTS <= 32768, "a window of sequence numbers must stay unambiguous");
_Static_assert(RTP_CACHE_MIN_BYTES >= 8 * RTP_CACHE_PACKET_MAX, "a ring holds several packets");
_Static_assert(RTP_CACHE_START_BYTES >= RTP_CACHE_MIN_BYTES && RTP_CACHE_START_BYTES % 4096 == 0,
               "a start within the bounds");

static struct rtp_cache_slot *slot_of(struct rtp_cache *c, uint16_t seq)
{
    return &c->slot[seq & (RTP_CACHE_SLOTS - 1)];
}

/* The slot holds this packet and its bytes were not written over since. The ring is
 * written in order, so a packet put at pos is intact until the stream has moved a whole
 * ring past it. */
static bool intact(const struct rtp_cache *c, const struct rtp_cache_slot *s, uint16_t seq)
{
    return s->len && s->seq == seq && (uint32_t)(c->written - s->pos) <= c->cap;
}

/* Where an intact slot's bytes are in the ring. */
static uint32_t offset_of(const struct rtp_cache *c, const struct rtp_cache_slot *s)
{
    uint32_t back = c->written - s->pos;
    assert(back > 0 && back <= c->cap);
    return back <= c->head ? c->head - back : c->head + c->cap - back;
}

struct rtp_cache *rtp_cache_new(void)
{
    struct rtp_cache *c = xcalloc(1, sizeof *c);
    c->cap = RTP_CACHE_START_BYTES;
    c->ring = xmalloc(c->cap);
    c->window_ms = RTP_CACHE_FLOOR_MS;
    return c;
}

void rtp_cache_free(struct rtp_cache *c)
{
    if (!c)
        return;
    free(c->ring);
    free(c);
}

void rtp_cache_clear(struct rtp_cache *c)
{
    memset(c->slot, 0, sizeof c->slot);
    c->any = false;
    c->head = 0;
}

uint32_t rtp_cache_window_ms(int32_t rtt_ms)
{
    if (rtt_ms < 0)
        return RTP_CACHE_FLOOR_MS;
    uint64_t w = (uint64_t)rtt_ms * RTP_CACHE_RTT_FACTOR;
    if (w < RTP_CACHE_FLOOR_MS)
        return RTP_CACHE_FLOOR_MS;
    return w > RTP_CACHE_CAP_MS ? RTP_CACHE_CAP_MS : (uint32_t)w;
}

/* A ring of cap bytes holding the newest packets that fit, in sequence order. */
static void resize(struct rtp_cache *c, uint32_t cap)
{
    assert(cap >= RTP_CACHE_MIN_BYTES && cap <= RTP_CACHE_MAX_BYTES);
    uint8_t *ring = xmalloc(cap);
    /* back from the newest: the oldest sequence number whose packets all fit */
    uint32_t used = 0;
    uint16_t span = 0; /* the packets kept are newest - span .. newest */
    for (uint32_t i = 0; c->any && i < RTP_CACHE_SLOTS; i++) {
        uint16_t seq = (uint16_t)(c->newest - i);
        const struct rtp_cache_slot *s = slot_of(c, seq);
        if (!intact(c, s, seq))
            continue;
        if (used + s->len > cap)
            break;
        used += s->len;
        span = (uint16_t)i;
    }
    uint32_t at = 0, base = c->written;
    for (uint32_t i = 0; i < RTP_CACHE_SLOTS; i++) {
        struct rtp_cache_slot *s = &c->slot[i];
        bool kept = c->any && intact(c, s, s->seq) && (uint16_t)(c->newest - s->seq) <= span;
        if (!kept)
            s->len = 0;
    }
    /* oldest first, so that the ring's order stays the order of age */
    for (uint32_t i = 0; c->any && i <= span; i++) {
        uint16_t seq = (uint16_t)(c->newest - span + i);
        struct rtp_cache_slot *s = slot_of(c, seq);
        if (!s->len || s->seq != seq)
            continue;
        memcpy(ring + at, c->ring + offset_of(c, s), s->len);
        s->pos = base + at;
        at += s->len;
    }
    assert(at == used);
    free(c->ring);
    c->ring = ring;
    c->cap = cap;
    c->head = at == cap ? 0 : at;
    c->written = base + at;
}

void rtp_cache_tune(struct rtp_cache *c, uint32_t bitrate_bps, uint32_t window_ms)
{
    assert(window_ms > 0);
    c->window_ms = window_ms;
    if (!bitrate_bps)
        return;
    uint64_t want = (uint64_t)bitrate_bps / 8 * window_ms / 1000 * 3 / 2;
    if (want < RTP_CACHE_MIN_BYTES)
        want = RTP_CACHE_MIN_BYTES;
    if (want > c->cap) {
        want += want / 8; /* headroom: a bitrate rising by little steps regrows rarely */
    } else if (want >= c->cap / 2) {
        return;
    }
    want = (want + 4095) & ~(uint64_t)4095;
    if (want > RTP_CACHE_MAX_BYTES)
        want = RTP_CACHE_MAX_BYTES;
    if (want != c->cap)
        resize(c, (uint32_t)want);
}

bool rtp_cache_put(struct rtp_cache *c, uint16_t seq, const uint8_t *data, size_t len,
                   int64_t now_ms)
{
    if (len == 0 || len > RTP_CACHE_PACKET_MAX)
        return false;
    assert(c->head <= c->cap && len <= c->cap);
    if (c->cap - c->head < len) {
        /* no packet is split across the end: skip what is left there */
        c->written += c->cap - c->head;
        c->head = 0;
    }
    memcpy(c->ring + c->head, data, len);
    struct rtp_cache_slot *s = slot_of(c, seq);
    s->at_ms = now_ms;
    s->pos = c->written;
    s->seq = seq;
    s->len = (uint16_t)len;
    c->head += (uint32_t)len;
    c->written += (uint32_t)len;
    if (!c->any || (int16_t)(seq - c->newest) > 0)
        c->newest = seq;
    c->any = true;
    return true;
}

uint8_t *rtp_cache_get(struct rtp_cache *c, uint16_t seq, int64_t now_ms, size_t *len)
{
    struct rtp_cache_slot *s = slot_of(c, seq);
    if (!intact(c, s, seq) || now_ms - s->at_ms > (int64_t)c->window_ms)
        return NULL;
    uint32_t off = offset_of(c, s);
    assert(off + s->len <= c->cap);
    *len = s->len;
    return c->ring + off;
}

bool rtp_cache_holds(const struct rtp_cache *c, uint16_t seq)
{
    return intact(c, &c->slot[seq & (RTP_CACHE_SLOTS - 1)], seq);
}

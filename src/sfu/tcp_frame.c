#include "sfu/tcp_frame.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

void tcp_frame_reader_init(struct tcp_frame_reader *r)
{
    r->start = r->end = 0;
}

uint8_t *tcp_frame_space(struct tcp_frame_reader *r, size_t *cap)
{
    assert(r->start <= r->end && r->end <= sizeof r->buf);
    /* the buffer holds two largest frames: once half is used up, what is unread (less than
     * one frame, or tcp_frame_next would have taken it) moves to the front */
    if (r->start > 0 && (r->start == r->end || r->end > sizeof r->buf / 2)) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    *cap = sizeof r->buf - r->end;
    return r->buf + r->end;
}

void tcp_frame_wrote(struct tcp_frame_reader *r, size_t n)
{
    assert(n <= sizeof r->buf - r->end);
    r->end += n;
}

size_t tcp_frame_feed(struct tcp_frame_reader *r, const uint8_t *data, size_t len)
{
    size_t cap;
    uint8_t *p = tcp_frame_space(r, &cap);
    size_t n = len < cap ? len : cap;
    memcpy(p, data, n);
    tcp_frame_wrote(r, n);
    return n;
}

int tcp_frame_next(struct tcp_frame_reader *r, uint8_t **pkt, size_t *len)
{
    for (;;) {
        size_t have = r->end - r->start;
        if (have < TCP_FRAME_HEADER)
            return 0;
        const uint8_t *h = r->buf + r->start;
        size_t n = (size_t)h[0] << 8 | h[1];
        if (n > TCP_FRAME_PACKET_MAX)
            return -EMSGSIZE;
        if (have < TCP_FRAME_HEADER + n)
            return 0;
        r->start += TCP_FRAME_HEADER + n;
        if (n == 0)
            continue; /* nothing to hand out; RFC 4571 does not forbid it */
        *pkt = r->buf + r->start - n;
        *len = n;
        return 1;
    }
}

void tcp_frame_queue_init(struct tcp_frame_queue *q, uint8_t *buf, size_t cap)
{
    *q = (struct tcp_frame_queue){.buf = buf, .cap = cap};
}

int tcp_frame_push(struct tcp_frame_queue *q, const uint8_t *pkt, size_t len)
{
    assert(q->start <= q->end && q->end <= q->cap);
    if (len == 0 || len > TCP_FRAME_WRITE_MAX)
        return -EMSGSIZE;
    size_t need = TCP_FRAME_HEADER + len;
    if (q->end - q->start + need > q->cap)
        return -ENOBUFS;
    if (q->cap - q->end < need) {
        memmove(q->buf, q->buf + q->start, q->end - q->start);
        q->end -= q->start;
        q->start = 0;
    }
    q->buf[q->end] = (uint8_t)(len >> 8);
    q->buf[q->end + 1] = (uint8_t)len;
    memcpy(q->buf + q->end + TCP_FRAME_HEADER, pkt, len);
    q->end += need;
    return 0;
}

const uint8_t *tcp_frame_pending(const struct tcp_frame_queue *q, size_t *len)
{
    *len = q->end - q->start;
    return q->buf + q->start;
}

void tcp_frame_consumed(struct tcp_frame_queue *q, size_t n)
{
    assert(n <= q->end - q->start);
    q->start += n;
    if (q->start == q->end)
        q->start = q->end = 0;
}

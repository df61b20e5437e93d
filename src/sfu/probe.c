#include "sfu/probe.h"

#include <assert.h>
#include <string.h>

#include "sfu/rtp.h"

#define HEADER 12
#define EXTENSION 8 /* 0xBEDE, length 1, then id/len, two bytes of number, one of padding */

void probe_pacer_start(struct probe_pacer *p, uint32_t rate_bps, uint32_t bytes, int64_t now_us)
{
    p->active = rate_bps > 0 && bytes > 0;
    p->rate_bps = rate_bps;
    p->left = bytes;
    p->last_us = now_us;
    p->budget = 0;
}

size_t probe_pacer_due(struct probe_pacer *p, int64_t now_us)
{
    if (!p->active)
        return 0;
    if (p->left <= 0) {
        p->active = false;
        return 0;
    }
    if (now_us > p->last_us) {
        p->budget += (double)(now_us - p->last_us) * p->rate_bps / 8e6;
        p->last_us = now_us;
    }
    /* a tick that came late does not send the backlog in one burst */
    double cap = (double)p->rate_bps * (2 * PROBE_TICK_US) / 8e6;
    if (p->budget > cap)
        p->budget = cap;
    if (p->budget < 1)
        return 0;
    double due = p->budget < (double)p->left ? p->budget : (double)p->left;
    return (size_t)due;
}

void probe_pacer_sent(struct probe_pacer *p, size_t bytes)
{
    if (!p->active)
        return;
    p->left -= (int64_t)bytes;
    p->budget -= (double)bytes;
    if (p->left <= 0)
        p->active = false;
}

int64_t probe_pacer_deadline(const struct probe_pacer *p)
{
    return p->active ? p->last_us + PROBE_TICK_US : INT64_MAX;
}

size_t probe_padding_write(uint8_t *buf, size_t cap, uint8_t pt, uint32_t ssrc, uint16_t seq,
                           uint32_t ts, uint8_t twcc_id, uint16_t twcc_seq, size_t padding)
{
    assert(padding >= 1 && padding <= PROBE_PADDING_MAX);
    assert(twcc_id >= 1 && twcc_id <= 14);
    size_t len = HEADER + EXTENSION + padding;
    if (cap < len)
        return 0;
    memset(buf, 0, len);
    buf[0] = 0x80 | 0x20 | 0x10; /* version 2, padding, extension */
    buf[1] = pt & 0x7f;
    uint8_t *x = buf + HEADER;
    x[0] = 0xBE; /* one-byte elements (RFC 8285) … */
    x[1] = 0xDE;
    x[3] = 1;                           /* … one 32-bit word of them: */
    x[4] = (uint8_t)(twcc_id << 4 | 1); /* the transport-wide number, two bytes */
    buf[len - 1] = (uint8_t)padding;    /* RFC 3550: the last octet counts the padding */
    struct rtp_packet p;
    int rc = rtp_parse(&p, buf, len);
    assert(rc == 0 && p.payload_len == 0);
    (void)rc;
    rtp_set_seq(&p, seq);
    rtp_set_timestamp(&p, ts);
    rtp_set_ssrc(&p, ssrc);
    rc = rtp_ext_set_twcc_seq(&p, twcc_id, twcc_seq);
    assert(rc == 0);
    return len;
}

/* Fuzzes RTP parsing, the extension walk, every in-place rewrite, the VP8 and H.264 payload
 * readers and the rewriter. The first byte picks ids and a remapping; the rest is the packet,
 * copied to a buffer of exactly its size so any read past it is caught. A view must stay
 * inside the packet, and a rewrite must leave a packet that parses to the same layout. The
 * same bytes, read as (SSRC, sequence, timestamp) triples, drive a rewriter, whose output
 * must never step backwards or leave a gap at a switch. The payload is also read as RED
 * (RFC 2198) and either kept with its blocks renumbered or unwrapped to its primary. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/rtp.h"
#include "sfu/vp8_rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void same_layout(const struct rtp_packet *a, uint8_t *buf, size_t len)
{
    struct rtp_packet b;
    check(rtp_parse(&b, buf, len) == 0);
    check(b.header_len == a->header_len && b.payload_len == a->payload_len &&
          b.padding_len == a->padding_len && b.ext_len == a->ext_len);
}

static void red(uint8_t sel, uint8_t *buf, size_t len);

static void packet(uint8_t sel, uint8_t *buf, size_t len)
{
    struct rtp_packet p;
    if (rtp_parse(&p, buf, len) != 0)
        return;
    check(p.header_len + p.payload_len + p.padding_len == len);
    check(p.payload == buf + p.header_len);
    check(!p.ext || (p.ext >= buf + 16 && p.ext + p.ext_len <= buf + p.header_len));

    /* every element lies inside the block */
    size_t pos = 0;
    struct rtp_ext e;
    int rc;
    while ((rc = rtp_ext_next(&p, &pos, &e)) > 0) {
        check(e.data >= p.ext && e.data + e.len <= p.ext + p.ext_len);
        check(pos <= p.ext_len);
    }
    uint8_t id = (uint8_t)(sel & 0x0f);
    const char *s;
    size_t n;
    uint32_t abs;
    uint16_t twcc;
    bool voice;
    uint8_t level;
    if (rtp_ext_string(&p, id, &s, &n) == 0)
        check((const uint8_t *)s >= p.ext && (const uint8_t *)s + n <= p.ext + p.ext_len);
    rtp_ext_abs_send_time(&p, id, &abs);
    rtp_ext_twcc_seq(&p, (uint8_t)(id + 1), &twcc);
    rtp_ext_audio_level(&p, (uint8_t)(id + 2), &voice, &level);
    rtp_ext_find(&p, sel, &e);

    /* rewrites keep the layout */
    rtp_set_ssrc(&p, 0x01020304);
    rtp_set_seq(&p, (uint16_t)(p.seq + 1));
    rtp_set_timestamp(&p, p.timestamp + 960);
    rtp_set_payload_type(&p, (uint8_t)(sel & 0x7f));
    rtp_set_marker(&p, sel & 0x80);
    rtp_ext_set_twcc_seq(&p, id, 0xBEEF);
    rtp_ext_set_abs_send_time(&p, id, 0x123456);
    if (rtp_ext_find(&p, id, &e) == 0) {
        uint8_t value[255];
        memset(value, sel, sizeof value);
        check(rtp_ext_rewrite(&p, id, value, e.len) == 0);
    }
    same_layout(&p, buf, len);
    uint8_t map[256];
    for (int i = 0; i < 256; i++)
        map[i] = (uint8_t)((i * (sel | 1) + (sel >> 4)) & (sel & 0x40 ? 0xff : 0x0f));
    uint8_t before[2048];
    size_t keep = len < sizeof before ? len : sizeof before;
    memcpy(before, buf, keep);
    rc = rtp_ext_remap(&p, map);
    if (rc < 0)
        check(memcmp(before, buf, keep) == 0); /* a refused remap changes nothing */
    same_layout(&p, buf, len);
    rtp_ext_erase(&p, id);
    same_layout(&p, buf, len);
    check(rtp_ext_find(&p, id, &e) != 0 || id == 0);

    struct rtp_vp8 v;
    if (rtp_vp8_parse(p.payload, p.payload_len, &v) == 0) {
        check(v.descriptor_len <= p.payload_len);
        if (rtp_vp8_set_picture_id(p.payload, p.payload_len, (uint16_t)(sel * 257)) == 0) {
            struct rtp_vp8 w;
            check(rtp_vp8_parse(p.payload, p.payload_len, &w) == 0);
            check(w.descriptor_len == v.descriptor_len);
        }
        rtp_vp8_set_tl0picidx(p.payload, p.payload_len, sel);
        /* the switch rewrite: in place, the same layout, twice across a switch */
        struct vp8_rewriter vr = {.started = true, .have_pid = true, .have_tl0 = true,
                                  .out_pid = (uint16_t)(sel * 131), .out_tl0 = sel};
        for (int k = 0; k < 2; k++) {
            if (k)
                vp8_rewriter_switch(&vr);
            check(vp8_rewriter_apply(&vr, p.payload, p.payload_len) == 0);
            struct rtp_vp8 w;
            check(rtp_vp8_parse(p.payload, p.payload_len, &w) == 0);
            check(w.descriptor_len == v.descriptor_len && w.keyframe == v.keyframe);
        }
    } else {
        struct vp8_rewriter vr = {0};
        check(vp8_rewriter_apply(&vr, p.payload, p.payload_len) == -EBADMSG);
    }
    rtp_h264_is_keyframe(p.payload, p.payload_len);

    /* to RTX and back is the identity; buf has no spare room, so wrap in a bigger copy */
    uint8_t *big = malloc(len + 2);
    memcpy(big, buf, len);
    rtp_rebase(&p, big);
    uint16_t seq = p.seq;
    uint8_t pt = p.payload_type;
    uint32_t ssrc = p.ssrc;
    check(rtp_rtx_wrap(&p, len + 1, 97, 9, 1) == -ENOSPC);
    check(rtp_rtx_wrap(&p, len + 2, 97, 9, 1) == 0);
    same_layout(&p, big, len + 2);
    check(rtp_rtx_unwrap(&p, pt, ssrc) == 0 && p.seq == seq);
    check(memcmp(big, buf, len) == 0);
    free(big);
    red(sel, buf, len);
}

/* The payload read as RED (RFC 2198): the primary lies inside it; keeping RED renumbers in
 * place, unwrapping leaves a packet of the primary alone; a refusal changes nothing. */
static void red(uint8_t sel, uint8_t *buf, size_t len)
{
    struct rtp_packet p;
    if (rtp_parse(&p, buf, len) != 0)
        return;
    struct rtp_red_block b;
    size_t n;
    uint8_t *before = malloc(len);
    memcpy(before, buf, len);
    int rc = rtp_red_primary(p.payload, p.payload_len, &b, &n);
    if (rc < 0) {
        check(rtp_red_forward(&p, 0, 111) == rc && rtp_red_forward(&p, 63, 111) == rc);
        check(memcmp(before, buf, len) == 0);
        free(before);
        return;
    }
    check(b.offset >= 1 + 4 * n && b.offset + b.len == p.payload_len);
    if (sel & 1) {
        check(rtp_red_forward(&p, 63, (uint8_t)(sel >> 1)) == 0);
        same_layout(&p, buf, len);
        struct rtp_red_block c;
        check(rtp_red_primary(p.payload, p.payload_len, &c, NULL) == 0);
        check(c.offset == b.offset && c.len == b.len && c.pt == (sel >> 1));
    } else {
        const uint8_t *primary = before + p.header_len + b.offset;
        rc = rtp_red_forward(&p, 0, 111);
        check(rc == (b.len ? 0 : -ENODATA));
        if (rc == 0) {
            struct rtp_packet q;
            check(rtp_parse(&q, buf, p.len) == 0 && q.payload_len == b.len && !q.padding);
            check(q.payload_type == 111 && memcmp(q.payload, primary, b.len) == 0);
        }
    }
    free(before);
}

static void rewriter(const uint8_t *data, size_t size)
{
    struct rtp_rewriter rw = {.out_ssrc = 1, .clock_rate = 90000};
    int64_t now = 0, prev_max = 0;
    uint32_t prev_ssrc = 0;
    bool started = false;
    for (size_t i = 0; i + 7 <= size; i += 7) {
        uint32_t ssrc = data[i] & 3;
        if (data[i] & 4)
            rtp_rewriter_restart(&rw);
        bool switching = !started || ssrc != prev_ssrc || (data[i] & 4);
        uint16_t seq = (uint16_t)(data[i + 1] << 8 | data[i + 2]);
        uint32_t ts = (uint32_t)data[i + 3] << 24 | (uint32_t)data[i + 4] << 16 |
                      (uint32_t)data[i + 5] << 8 | data[i + 6];
        now += data[i] >> 3;
        uint16_t out_seq, in_seq;
        uint32_t out_ts;
        if (rtp_rewriter_map(&rw, ssrc, seq, ts, now, &out_seq, &out_ts) < 0) {
            check(!switching);
            continue;
        }
        check(rw.out_max >= prev_max);
        if (switching && started)
            check(rw.out_max == prev_max + 1 && out_seq == (uint16_t)(prev_max + 1));
        if (rtp_rewriter_unmap_seq(&rw, out_seq, &in_seq) == 0 && !switching)
            check(in_seq == seq);
        prev_max = rw.out_max;
        prev_ssrc = ssrc;
        started = true;
    }
    struct rtp_seq s = {0};
    int64_t max = 0;
    for (size_t i = 0; i + 2 <= size; i += 2) {
        int64_t x = rtp_seq_unwrap(&s, (uint16_t)(data[i] << 8 | data[i + 1]));
        if (i)
            check(x > max - 32769 && x < max + 32768);
        max = s.max;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t *buf = malloc(size - 1 ? size - 1 : 1);
    memcpy(buf, data + 1, size - 1);
    packet(data[0], buf, size - 1);
    free(buf);
    rewriter(data, size);
    return 0;
}

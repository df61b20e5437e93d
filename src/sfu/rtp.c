#include "sfu/rtp.h"

#include <errno.h>
#include <string.h>

static uint16_t get16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

int rtp_parse(struct rtp_packet *p, uint8_t *data, size_t len)
{
    memset(p, 0, sizeof *p);
    if (len < RTP_HEADER_BYTES || data[0] >> 6 != 2)
        return -EBADMSG;
    p->data = data;
    p->len = len;
    p->padding = data[0] & 0x20;
    p->extension = data[0] & 0x10;
    p->csrc_count = data[0] & 0x0f;
    p->marker = data[1] & 0x80;
    p->payload_type = data[1] & 0x7f;
    p->seq = get16(data + 2);
    p->timestamp = get32(data + 4);
    p->ssrc = get32(data + 8);

    size_t off = RTP_HEADER_BYTES + 4 * (size_t)p->csrc_count;
    if (off > len)
        return -EBADMSG;
    if (p->extension) {
        if (len - off < 4)
            return -EBADMSG;
        p->ext_profile = get16(data + off);
        size_t ext_len = 4 * (size_t)get16(data + off + 2);
        if (len - off - 4 < ext_len)
            return -EBADMSG;
        p->ext = data + off + 4;
        p->ext_len = ext_len;
        off += 4 + ext_len;
    }
    p->header_len = off;
    size_t pad = 0;
    if (p->padding) {
        /* the count includes itself, so 0 is not a count (RFC 3550 §5.1) */
        pad = data[len - 1];
        if (pad == 0 || pad > len - off)
            return -EBADMSG;
    }
    p->padding_len = (uint8_t)pad;
    p->payload = data + off;
    p->payload_len = len - off - pad;
    return 0;
}

void rtp_rebase(struct rtp_packet *p, uint8_t *copy)
{
    if (p->ext)
        p->ext = copy + (p->ext - p->data);
    p->payload = copy + (p->payload - p->data);
    p->data = copy;
}

/* Header bytes before an element's value: 1 in the one-byte form, 2 in the two-byte form,
 * 0 for a profile we cannot read. */
static size_t element_header(const struct rtp_packet *p)
{
    if (!p->ext)
        return 0;
    if (p->ext_profile == RTP_PROFILE_ONE_BYTE)
        return 1;
    if ((p->ext_profile & RTP_PROFILE_TWO_BYTE_MASK) == RTP_PROFILE_TWO_BYTE)
        return 2;
    return 0;
}

int rtp_ext_next(const struct rtp_packet *p, size_t *pos, struct rtp_ext *out)
{
    size_t form = element_header(p);
    if (!form)
        return 0;
    const uint8_t *e = p->ext;
    size_t n = p->ext_len;
    while (*pos < n) {
        size_t at = *pos;
        if (e[at] == 0) { /* padding between or after elements */
            *pos = at + 1;
            continue;
        }
        size_t vlen;
        uint8_t id;
        if (form == 1) {
            id = e[at] >> 4;
            vlen = (size_t)(e[at] & 0x0f) + 1;
            if (id == 15) { /* reserved: stop reading here (RFC 8285 §4.2) */
                *pos = n;
                return 0;
            }
            if (id == 0) { /* a non-zero byte with id 0 is not an element either */
                *pos = at + 1;
                continue;
            }
        } else {
            if (n - at < 2)
                return -EBADMSG;
            id = e[at];
            vlen = e[at + 1];
        }
        if (n - at - form < vlen)
            return -EBADMSG;
        out->id = id;
        out->len = (uint8_t)vlen;
        out->data = p->ext + at + form;
        *pos = at + form + vlen;
        return 1;
    }
    return 0;
}

int rtp_ext_find(const struct rtp_packet *p, uint8_t id, struct rtp_ext *out)
{
    size_t pos = 0;
    int rc;
    while ((rc = rtp_ext_next(p, &pos, out)) > 0) {
        if (out->id == id)
            return 0;
    }
    return rc < 0 ? rc : -ENOENT;
}

int rtp_ext_string(const struct rtp_packet *p, uint8_t id, const char **s, size_t *len)
{
    struct rtp_ext e;
    int rc = rtp_ext_find(p, id, &e);
    if (rc < 0)
        return rc;
    if (e.len == 0)
        return -EBADMSG;
    *s = (const char *)e.data;
    *len = e.len;
    return 0;
}

int rtp_ext_abs_send_time(const struct rtp_packet *p, uint8_t id, uint32_t *value)
{
    struct rtp_ext e;
    int rc = rtp_ext_find(p, id, &e);
    if (rc < 0)
        return rc;
    if (e.len != 3)
        return -EBADMSG;
    *value = (uint32_t)e.data[0] << 16 | (uint32_t)e.data[1] << 8 | e.data[2];
    return 0;
}

int rtp_ext_twcc_seq(const struct rtp_packet *p, uint8_t id, uint16_t *seq)
{
    struct rtp_ext e;
    int rc = rtp_ext_find(p, id, &e);
    if (rc < 0)
        return rc;
    /* 2 bytes, or 4 in the -02 variant that adds a feedback request after the number */
    if (e.len < 2)
        return -EBADMSG;
    *seq = get16(e.data);
    return 0;
}

int rtp_ext_audio_level(const struct rtp_packet *p, uint8_t id, bool *voice, uint8_t *level)
{
    struct rtp_ext e;
    int rc = rtp_ext_find(p, id, &e);
    if (rc < 0)
        return rc;
    /* one byte; a few senders pad the element to 4, so read only the first */
    if (e.len < 1)
        return -EBADMSG;
    *voice = e.data[0] & 0x80;
    *level = e.data[0] & 0x7f;
    return 0;
}

void rtp_set_ssrc(struct rtp_packet *p, uint32_t ssrc)
{
    put32(p->data + 8, ssrc);
    p->ssrc = ssrc;
}

void rtp_set_seq(struct rtp_packet *p, uint16_t seq)
{
    put16(p->data + 2, seq);
    p->seq = seq;
}

void rtp_set_timestamp(struct rtp_packet *p, uint32_t ts)
{
    put32(p->data + 4, ts);
    p->timestamp = ts;
}

void rtp_set_payload_type(struct rtp_packet *p, uint8_t pt)
{
    p->data[1] = (uint8_t)((p->data[1] & 0x80) | (pt & 0x7f));
    p->payload_type = pt & 0x7f;
}

void rtp_set_marker(struct rtp_packet *p, bool marker)
{
    p->data[1] = (uint8_t)((p->data[1] & 0x7f) | (marker ? 0x80 : 0));
    p->marker = marker;
}

int rtp_ext_rewrite(struct rtp_packet *p, uint8_t id, const void *value, size_t len)
{
    struct rtp_ext e;
    int rc = rtp_ext_find(p, id, &e);
    if (rc < 0)
        return rc;
    if (e.len != len)
        return -EINVAL;
    memcpy(e.data, value, len);
    return 0;
}

int rtp_ext_set_abs_send_time(struct rtp_packet *p, uint8_t id, uint32_t value)
{
    uint8_t v[3] = {(uint8_t)(value >> 16), (uint8_t)(value >> 8), (uint8_t)value};
    return rtp_ext_rewrite(p, id, v, sizeof v);
}

int rtp_ext_set_twcc_seq(struct rtp_packet *p, uint8_t id, uint16_t seq)
{
    struct rtp_ext e;
    int rc = rtp_ext_find(p, id, &e);
    if (rc < 0)
        return rc;
    if (e.len < 2)
        return -EINVAL;
    put16(e.data, seq);
    return 0;
}

int rtp_ext_remap(struct rtp_packet *p, const uint8_t map[256])
{
    size_t form = element_header(p);
    if (!form)
        return 0;
    /* check everything first so a failure leaves the packet as it was */
    size_t pos = 0;
    struct rtp_ext e;
    int rc;
    while ((rc = rtp_ext_next(p, &pos, &e)) > 0) {
        if (form == 1 && map[e.id] > 14)
            return -EINVAL;
    }
    if (rc < 0)
        return rc;
    pos = 0;
    while (rtp_ext_next(p, &pos, &e) > 0) {
        uint8_t *head = e.data - form;
        uint8_t to = map[e.id];
        if (to == 0)
            memset(head, 0, form + e.len);
        else if (form == 1)
            head[0] = (uint8_t)(to << 4 | (head[0] & 0x0f));
        else
            head[0] = to;
    }
    return 0;
}

int rtp_ext_erase(struct rtp_packet *p, uint8_t id)
{
    size_t form = element_header(p);
    size_t pos = 0;
    struct rtp_ext e;
    int rc, found = 0;
    while ((rc = rtp_ext_next(p, &pos, &e)) > 0) {
        if (e.id == id) {
            memset(e.data - form, 0, form + e.len);
            found = 1;
        }
    }
    if (rc < 0)
        return rc;
    return found ? 0 : -ENOENT;
}

int rtp_rtx_unwrap(struct rtp_packet *p, uint8_t pt, uint32_t ssrc)
{
    if (p->payload_len < 2)
        return -EBADMSG;
    uint16_t osn = get16(p->payload);
    /* the padding moves with the payload so the count stays the last byte */
    memmove(p->payload, p->payload + 2, p->payload_len - 2 + p->padding_len);
    p->len -= 2;
    p->payload_len -= 2;
    rtp_set_seq(p, osn);
    rtp_set_payload_type(p, pt);
    rtp_set_ssrc(p, ssrc);
    return 0;
}

int rtp_rtx_wrap(struct rtp_packet *p, size_t cap, uint8_t rtx_pt, uint32_t rtx_ssrc,
                 uint16_t rtx_seq)
{
    if (cap < p->len || cap - p->len < 2)
        return -ENOSPC;
    memmove(p->payload + 2, p->payload, p->payload_len + p->padding_len);
    put16(p->payload, p->seq);
    p->len += 2;
    p->payload_len += 2;
    rtp_set_seq(p, rtx_seq);
    rtp_set_payload_type(p, rtx_pt);
    rtp_set_ssrc(p, rtx_ssrc);
    return 0;
}

/* ---- redundant audio (RFC 2198) ---- */

int rtp_red_primary(const uint8_t *payload, size_t len, struct rtp_red_block *primary,
                    size_t *redundant)
{
    size_t pos = 0, blocks_len = 0, n = 0;
    /* the headers: 4 bytes while F is set, then the primary's one byte */
    for (;;) {
        if (pos >= len)
            return -EBADMSG;
        if (!(payload[pos] & 0x80))
            break;
        if (len - pos < 4)
            return -EBADMSG;
        blocks_len += (size_t)(payload[pos + 2] & 0x03) << 8 | payload[pos + 3];
        pos += 4;
        n++;
    }
    uint8_t pt = payload[pos] & 0x7f;
    pos++;
    if (len - pos < blocks_len)
        return -EBADMSG; /* the redundant blocks run past the payload */
    primary->pt = pt;
    primary->offset = pos + blocks_len;
    primary->len = len - primary->offset;
    if (redundant)
        *redundant = n;
    return 0;
}

int rtp_red_unwrap(struct rtp_packet *p)
{
    struct rtp_red_block b;
    int rc = rtp_red_primary(p->payload, p->payload_len, &b, NULL);
    if (rc < 0)
        return rc;
    if (b.len == 0)
        return -ENODATA;
    memmove(p->payload, p->payload + b.offset, b.len);
    /* the padding is left behind: the packet ends with the primary block */
    p->data[0] &= (uint8_t)~0x20;
    p->padding = false;
    p->padding_len = 0;
    p->payload_len = b.len;
    p->len = p->header_len + b.len;
    rtp_set_payload_type(p, b.pt);
    return 0;
}

int rtp_red_set_block_pt(struct rtp_packet *p, uint8_t pt)
{
    struct rtp_red_block b;
    int rc = rtp_red_primary(p->payload, p->payload_len, &b, NULL);
    if (rc < 0)
        return rc;
    /* checked above: every header lies before the primary's one byte */
    for (size_t pos = 0;; pos += 4) {
        p->payload[pos] = (uint8_t)((p->payload[pos] & 0x80) | (pt & 0x7f));
        if (!(p->payload[pos] & 0x80))
            break;
    }
    return 0;
}

int rtp_red_forward(struct rtp_packet *p, uint8_t red_pt, uint8_t inner_pt)
{
    int rc = red_pt ? rtp_red_set_block_pt(p, inner_pt) : rtp_red_unwrap(p);
    if (rc == 0)
        rtp_set_payload_type(p, red_pt ? red_pt : inner_pt);
    return rc;
}

int64_t rtp_seq_peek(const struct rtp_seq *s, uint16_t seq)
{
    if (!s->started)
        return seq;
    /* the signed 16-bit distance from the highest seen picks the nearest candidate */
    int16_t delta = (int16_t)(uint16_t)(seq - (uint16_t)s->max);
    return s->max + delta;
}

int64_t rtp_seq_unwrap(struct rtp_seq *s, uint16_t seq)
{
    int64_t ext = rtp_seq_peek(s, seq);
    if (!s->started || ext > s->max)
        s->max = ext;
    s->started = true;
    return ext;
}

/* Clock ticks for elapsed wall time, at least one so two frames never share a timestamp
 * across a switch. Elapsed time is capped (~35 min) so the product fits 64 bits. */
static uint32_t ticks_since(uint32_t clock_rate, int64_t from_us, int64_t now_us)
{
    if (now_us <= from_us || clock_rate == 0)
        return 1;
    uint64_t elapsed = (uint64_t)(now_us - from_us);
    if (elapsed > ((uint64_t)1 << 31))
        elapsed = (uint64_t)1 << 31;
    uint64_t ticks = elapsed * clock_rate / 1000000;
    return ticks ? (uint32_t)ticks : 1;
}

int rtp_rewriter_map(struct rtp_rewriter *rw, uint32_t ssrc, uint16_t seq, uint32_t ts,
                     int64_t now_us, uint16_t *out_seq, uint32_t *out_ts)
{
    int64_t in_ext;
    if (!rw->started || ssrc != rw->in_ssrc || rw->switch_next) {
        memset(&rw->in_seq, 0, sizeof rw->in_seq);
        in_ext = rtp_seq_unwrap(&rw->in_seq, seq);
        rw->in_ssrc = ssrc;
        rw->in_first = in_ext;
        rw->switch_next = false;
        if (!rw->started) {
            /* the first source keeps its own numbers: nothing to be continuous with yet */
            rw->seq_offset = 0;
            rw->ts_offset = 0;
            rw->out_max = in_ext;
            rw->out_max_ts = ts;
        } else {
            int64_t next = rw->out_max + 1;
            uint32_t next_ts =
                rw->out_max_ts + ticks_since(rw->clock_rate, rw->out_max_at_us, now_us);
            rw->seq_offset = next - in_ext;
            rw->ts_offset = next_ts - ts;
            rw->out_max = next;
            rw->out_max_ts = next_ts;
        }
        rw->out_max_at_us = now_us;
        rw->started = true;
    } else {
        in_ext = rtp_seq_unwrap(&rw->in_seq, seq);
        if (in_ext < rw->in_first)
            return -ESTALE;
    }
    int64_t out_ext = in_ext + rw->seq_offset;
    uint32_t out_t = ts + rw->ts_offset;
    if (out_ext > rw->out_max) {
        rw->out_max = out_ext;
        rw->out_max_ts = out_t;
        rw->out_max_at_us = now_us;
    }
    *out_seq = (uint16_t)out_ext;
    *out_ts = out_t;
    return 0;
}

int rtp_rewriter_apply(struct rtp_rewriter *rw, struct rtp_packet *p, int64_t now_us)
{
    uint16_t seq;
    uint32_t ts;
    int rc = rtp_rewriter_map(rw, p->ssrc, p->seq, p->timestamp, now_us, &seq, &ts);
    if (rc < 0)
        return rc;
    rtp_set_ssrc(p, rw->out_ssrc);
    rtp_set_seq(p, seq);
    rtp_set_timestamp(p, ts);
    return 0;
}

void rtp_rewriter_restart(struct rtp_rewriter *rw)
{
    rw->switch_next = true;
}

int rtp_rewriter_unmap_seq(const struct rtp_rewriter *rw, uint16_t out_seq, uint16_t *in_seq)
{
    if (!rw->started)
        return -ENOENT;
    int16_t delta = (int16_t)(uint16_t)(out_seq - (uint16_t)rw->out_max);
    int64_t in_ext = rw->out_max + delta - rw->seq_offset;
    if (in_ext < rw->in_first || in_ext > rw->in_seq.max)
        return -ENOENT;
    *in_seq = (uint16_t)in_ext;
    return 0;
}

/* Walks the descriptor; returns its length or -EBADMSG, and where the picture id and
 * TL0PICIDX bytes are (0 when absent: offset 0 is always the first byte, never a field). */
static int vp8_descriptor(const uint8_t *b, size_t len, struct rtp_vp8 *v, size_t *pid_at,
                          size_t *tl0_at)
{
    memset(v, 0, sizeof *v);
    *pid_at = *tl0_at = 0;
    if (len < 1)
        return -EBADMSG;
    size_t off = 1;
    v->non_reference = b[0] & 0x20;
    v->start = b[0] & 0x10;
    v->partition = b[0] & 0x07;
    if (b[0] & 0x80) {
        if (len < 2)
            return -EBADMSG;
        uint8_t x = b[1];
        off = 2;
        if (x & 0x80) {
            if (off >= len)
                return -EBADMSG;
            v->has_picture_id = true;
            *pid_at = off;
            if (b[off] & 0x80) {
                if (len - off < 2)
                    return -EBADMSG;
                v->picture_id_15bit = true;
                v->picture_id = (uint16_t)((b[off] & 0x7f) << 8 | b[off + 1]);
                off += 2;
            } else {
                v->picture_id = b[off] & 0x7f;
                off += 1;
            }
        }
        if (x & 0x40) {
            if (off >= len)
                return -EBADMSG;
            v->has_tl0picidx = true;
            *tl0_at = off;
            v->tl0picidx = b[off++];
        }
        if (x & 0x30) { /* T or K: one shared byte */
            if (off >= len)
                return -EBADMSG;
            v->has_tid = x & 0x20;
            v->has_keyidx = x & 0x10;
            if (v->has_tid) {
                v->tid = b[off] >> 6;
                v->layer_sync = b[off] & 0x20;
            }
            if (v->has_keyidx)
                v->keyidx = b[off] & 0x1f;
            off++;
        }
    }
    v->descriptor_len = off;
    return 0;
}

int rtp_vp8_parse(const uint8_t *payload, size_t len, struct rtp_vp8 *out)
{
    size_t pid_at, tl0_at;
    int rc = vp8_descriptor(payload, len, out, &pid_at, &tl0_at);
    if (rc < 0)
        return rc;
    size_t off = out->descriptor_len;
    out->frame_start = out->start && out->partition == 0;
    if (out->frame_start && len > off) {
        const uint8_t *h = payload + off;
        out->keyframe = !(h[0] & 0x01); /* P: 0 for a key frame (RFC 6386 §9.1) */
        /* a key frame's header: 3-byte frame tag, start code 9d 01 2a, 14-bit sizes */
        if (out->keyframe && len - off >= 10 && h[3] == 0x9d && h[4] == 0x01 && h[5] == 0x2a) {
            out->width = (uint16_t)((h[6] | h[7] << 8) & 0x3fff);
            out->height = (uint16_t)((h[8] | h[9] << 8) & 0x3fff);
        }
    }
    return 0;
}

int rtp_vp8_set_picture_id(uint8_t *payload, size_t len, uint16_t picture_id)
{
    struct rtp_vp8 v;
    size_t pid_at, tl0_at;
    int rc = vp8_descriptor(payload, len, &v, &pid_at, &tl0_at);
    if (rc < 0)
        return rc;
    if (!v.has_picture_id)
        return -ENOENT;
    if (v.picture_id_15bit) {
        payload[pid_at] = (uint8_t)(0x80 | ((picture_id >> 8) & 0x7f));
        payload[pid_at + 1] = (uint8_t)picture_id;
    } else {
        payload[pid_at] = picture_id & 0x7f;
    }
    return 0;
}

int rtp_vp8_set_tl0picidx(uint8_t *payload, size_t len, uint8_t tl0picidx)
{
    struct rtp_vp8 v;
    size_t pid_at, tl0_at;
    int rc = vp8_descriptor(payload, len, &v, &pid_at, &tl0_at);
    if (rc < 0)
        return rc;
    if (!v.has_tl0picidx)
        return -ENOENT;
    payload[tl0_at] = tl0picidx;
    return 0;
}

static bool h264_starts_decoding(uint8_t nal_type)
{
    return nal_type == 5 || nal_type == 7; /* IDR slice, sequence parameter set */
}

bool rtp_h264_is_keyframe(const uint8_t *payload, size_t len)
{
    if (len < 1)
        return false;
    uint8_t type = payload[0] & 0x1f;
    if (type >= 1 && type <= 23)
        return h264_starts_decoding(type);
    if (type == 24) { /* STAP-A: 16-bit size, NAL unit, … */
        size_t off = 1;
        while (len - off >= 2) {
            size_t size = get16(payload + off);
            off += 2;
            if (size == 0 || size > len - off)
                return false;
            if (h264_starts_decoding(payload[off] & 0x1f))
                return true;
            off += size;
        }
        return false;
    }
    if (type == 28) /* FU-A: only the first fragment says what it starts */
        return len >= 2 && (payload[1] & 0x80) && h264_starts_decoding(payload[1] & 0x1f);
    return false;
}

#include "sfu/rtcp.h"

#include <errno.h>
#include <string.h>

static uint16_t get16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get24(const uint8_t *b)
{
    return (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
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

static void put24(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 16);
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

static int32_t sign24(uint32_t v)
{
    return (v & 0x800000) ? (int32_t)v - 0x1000000 : (int32_t)v;
}

bool rtcp_is_rtcp(const uint8_t *data, size_t len)
{
    return len >= 2 && data[1] >= 192 && data[1] <= 223;
}

void rtcp_iter_init(struct rtcp_iter *it, const uint8_t *data, size_t len)
{
    it->data = data;
    it->len = len;
    it->pos = 0;
    it->failed = false;
}

int rtcp_iter_next(struct rtcp_iter *it, struct rtcp_packet *out)
{
    if (it->failed)
        return -EBADMSG;
    if (it->pos >= it->len)
        return 0;
    const uint8_t *h = it->data + it->pos;
    size_t left = it->len - it->pos;
    if (left < 4 || h[0] >> 6 != 2)
        goto bad;
    size_t plen = ((size_t)get16(h + 2) + 1) * 4;
    if (plen > left)
        goto bad;
    size_t pad = 0;
    if (h[0] & 0x20) {
        pad = h[plen - 1];
        if (pad == 0 || pad > plen - 4)
            goto bad;
    }
    out->type = h[1];
    out->count = h[0] & 0x1f;
    out->data = h;
    out->len = plen;
    out->body = h + 4;
    out->body_len = plen - 4 - pad;
    it->pos += plen;
    return 1;
bad:
    it->failed = true;
    return -EBADMSG;
}

enum rtcp_kind rtcp_kind(const struct rtcp_packet *p)
{
    switch (p->type) {
    case RTCP_SR:
        return RTCP_KIND_SR;
    case RTCP_RR:
        return RTCP_KIND_RR;
    case RTCP_SDES:
        return RTCP_KIND_SDES;
    case RTCP_BYE:
        return RTCP_KIND_BYE;
    case RTCP_RTPFB:
        if (p->count == 1)
            return RTCP_KIND_NACK;
        if (p->count == 15)
            return RTCP_KIND_TWCC;
        return RTCP_KIND_OTHER;
    case RTCP_PSFB:
        if (p->count == 1)
            return RTCP_KIND_PLI;
        if (p->count == 4)
            return RTCP_KIND_FIR;
        if (p->count == 15 && p->body_len >= 12 && memcmp(p->body + 8, "REMB", 4) == 0)
            return RTCP_KIND_REMB;
        return RTCP_KIND_OTHER;
    default:
        return RTCP_KIND_OTHER;
    }
}

static void read_report(const uint8_t *b, struct rtcp_report_block *r)
{
    r->ssrc = get32(b);
    r->fraction_lost = b[4];
    r->cumulative_lost = sign24(get24(b + 5));
    r->highest_seq = get32(b + 8);
    r->jitter = get32(b + 12);
    r->lsr = get32(b + 16);
    r->dlsr = get32(b + 20);
}

int rtcp_parse_sr(const struct rtcp_packet *p, struct rtcp_sr *out)
{
    if (p->type != RTCP_SR)
        return -EPROTO;
    size_t need = 24 + 24 * (size_t)p->count;
    if (p->body_len < need)
        return -EBADMSG;
    const uint8_t *b = p->body;
    out->ssrc = get32(b);
    out->ntp = (uint64_t)get32(b + 4) << 32 | get32(b + 8);
    out->rtp_timestamp = get32(b + 12);
    out->packet_count = get32(b + 16);
    out->octet_count = get32(b + 20);
    out->report_count = p->count;
    for (size_t i = 0; i < p->count; i++)
        read_report(b + 24 + 24 * i, &out->reports[i]);
    return 0; /* profile-specific extensions after the blocks are skipped */
}

int rtcp_parse_rr(const struct rtcp_packet *p, struct rtcp_rr *out)
{
    if (p->type != RTCP_RR)
        return -EPROTO;
    size_t need = 4 + 24 * (size_t)p->count;
    if (p->body_len < need)
        return -EBADMSG;
    out->ssrc = get32(p->body);
    out->report_count = p->count;
    for (size_t i = 0; i < p->count; i++)
        read_report(p->body + 4 + 24 * i, &out->reports[i]);
    return 0;
}

int rtcp_parse_bye(const struct rtcp_packet *p, struct rtcp_bye *out)
{
    if (p->type != RTCP_BYE)
        return -EPROTO;
    size_t off = 4 * (size_t)p->count;
    if (p->body_len < off)
        return -EBADMSG;
    out->ssrc_count = p->count;
    for (size_t i = 0; i < p->count; i++)
        out->ssrcs[i] = get32(p->body + 4 * i);
    out->reason = NULL;
    out->reason_len = 0;
    if (p->body_len > off) { /* optional: length octet and text, then zero padding */
        size_t n = p->body[off];
        if (n > p->body_len - off - 1)
            return -EBADMSG;
        if (n) {
            out->reason = p->body + off + 1;
            out->reason_len = n;
        }
    }
    return 0;
}

int rtcp_parse_fb(const struct rtcp_packet *p, struct rtcp_fb *out)
{
    if (p->type != RTCP_RTPFB && p->type != RTCP_PSFB)
        return -EPROTO;
    if (p->body_len < 8)
        return -EBADMSG;
    out->sender_ssrc = get32(p->body);
    out->media_ssrc = get32(p->body + 4);
    out->fci = p->body + 8;
    out->fci_len = p->body_len - 8;
    return 0;
}

/* The feedback header of a packet that must be of this kind: -EPROTO if it is another. */
static int parse_fb_of(const struct rtcp_packet *p, enum rtcp_kind kind, struct rtcp_fb *out)
{
    if (rtcp_kind(p) != kind)
        return -EPROTO;
    return rtcp_parse_fb(p, out);
}

int rtcp_parse_pli(const struct rtcp_packet *p, struct rtcp_fb *out)
{
    return parse_fb_of(p, RTCP_KIND_PLI, out); /* no FCI (RFC 4585 §6.3.1); extra bytes are ignored */
}

int rtcp_parse_nack(const struct rtcp_packet *p, struct rtcp_fb *out)
{
    int rc = parse_fb_of(p, RTCP_KIND_NACK, out);
    if (rc < 0)
        return rc;
    if (out->fci_len < 4 || out->fci_len % 4)
        return -EBADMSG;
    return 0;
}

size_t rtcp_nack_lost(const struct rtcp_fb *nack, uint16_t *lost, size_t cap)
{
    size_t n = 0;
    for (size_t off = 0; off + 4 <= nack->fci_len && n < cap; off += 4) {
        uint16_t pid = get16(nack->fci + off);
        uint16_t blp = get16(nack->fci + off + 2);
        lost[n++] = pid;
        /* bit i of the BLP: pid + i + 1 is lost too */
        for (unsigned i = 0; i < 16 && n < cap; i++) {
            if (blp & (1u << i))
                lost[n++] = (uint16_t)(pid + i + 1);
        }
    }
    return n;
}

int rtcp_parse_fir(const struct rtcp_packet *p, struct rtcp_fb *out)
{
    int rc = parse_fb_of(p, RTCP_KIND_FIR, out);
    if (rc < 0)
        return rc;
    if (out->fci_len < 8 || out->fci_len % 8)
        return -EBADMSG;
    return 0;
}

size_t rtcp_fir_count(const struct rtcp_fb *fir)
{
    return fir->fci_len / 8;
}

void rtcp_fir_entry(const struct rtcp_fb *fir, size_t i, uint32_t *ssrc, uint8_t *seq_nr)
{
    *ssrc = get32(fir->fci + 8 * i);
    *seq_nr = fir->fci[8 * i + 4];
}

int rtcp_parse_remb(const struct rtcp_packet *p, struct rtcp_remb *out)
{
    struct rtcp_fb fb;
    int rc = parse_fb_of(p, RTCP_KIND_REMB, &fb);
    if (rc < 0)
        return rc;
    /* "REMB", number of SSRCs, 6-bit exponent and 18-bit mantissa, the SSRCs */
    if (fb.fci_len < 8)
        return -EBADMSG;
    uint8_t num = fb.fci[4];
    if (fb.fci_len - 8 < 4 * (size_t)num)
        return -EBADMSG;
    unsigned exp = fb.fci[5] >> 2;
    uint64_t mantissa = get24(fb.fci + 5) & 0x3ffff;
    out->sender_ssrc = fb.sender_ssrc;
    out->bitrate = exp > 64 - 18 && mantissa >> (64 - exp) ? UINT64_MAX : mantissa << exp;
    out->ssrc_count = num;
    out->ssrcs = fb.fci + 8;
    return 0;
}

uint32_t rtcp_remb_ssrc(const struct rtcp_remb *r, size_t i)
{
    return get32(r->ssrcs + 4 * i);
}

/* Status chunks (draft §3.1.3, §3.1.4): a run-length chunk is 0, a 2-bit symbol and a
 * 13-bit run; a status vector is 1, a symbol-size bit, then 14 one-bit or 7 two-bit
 * symbols. How many symbols a chunk holds, and the k-th of them. */
static size_t chunk_symbols(uint16_t c)
{
    if (!(c & 0x8000))
        return c & 0x1fff;
    return (c & 0x4000) ? 7 : 14;
}

static unsigned chunk_symbol(uint16_t c, size_t k)
{
    if (!(c & 0x8000))
        return (c >> 13) & 3;
    if (c & 0x4000)
        return (c >> (12 - 2 * k)) & 3;
    return (c >> (13 - k)) & 1;
}

int rtcp_parse_twcc(const struct rtcp_packet *p, struct rtcp_twcc *out)
{
    struct rtcp_fb fb;
    int rc = parse_fb_of(p, RTCP_KIND_TWCC, &fb);
    if (rc < 0)
        return rc;
    if (fb.fci_len < 8)
        return -EBADMSG;
    out->sender_ssrc = fb.sender_ssrc;
    out->media_ssrc = fb.media_ssrc;
    out->base_seq = get16(fb.fci);
    out->status_count = get16(fb.fci + 2);
    out->reference_time = sign24(get24(fb.fci + 4));
    out->fb_count = fb.fci[7];
    if (out->status_count == 0)
        return -EBADMSG;
    const uint8_t *chunks = fb.fci + 8;
    size_t avail = fb.fci_len - 8;
    size_t covered = 0, off = 0, delta_bytes = 0;
    while (covered < out->status_count) {
        if (avail - off < 2)
            return -EBADMSG;
        uint16_t c = get16(chunks + off);
        off += 2;
        size_t n = chunk_symbols(c);
        if (n > out->status_count - covered)
            n = out->status_count - covered; /* the last chunk may hold more than needed */
        for (size_t k = 0; k < n; k++) {
            unsigned s = chunk_symbol(c, k);
            if (s == 3)
                return -EBADMSG; /* reserved */
            delta_bytes += s;    /* symbol 1: one byte, symbol 2: two */
            if (!(c & 0x8000)) { /* a run: every symbol is the same */
                delta_bytes += s * (n - 1);
                break;
            }
        }
        covered += n;
    }
    if (avail - off < delta_bytes)
        return -EBADMSG;
    out->chunks = chunks;
    out->chunk_bytes = off;
    out->deltas = chunks + off;
    out->delta_bytes = delta_bytes;
    return 0;
}

void rtcp_twcc_iter_init(struct rtcp_twcc_iter *it, const struct rtcp_twcc *fb)
{
    memset(it, 0, sizeof *it);
    it->fb = fb;
    it->arrival_us = (int64_t)fb->reference_time * 64000;
}

int rtcp_twcc_next(struct rtcp_twcc_iter *it, struct rtcp_twcc_packet *out)
{
    const struct rtcp_twcc *fb = it->fb;
    if (it->index >= fb->status_count)
        return 0;
    uint16_t c;
    for (;;) { /* parsing checked that the chunks cover status_count: this stays inside */
        if (it->chunk_off + 2 > fb->chunk_bytes)
            return 0;
        c = get16(fb->chunks + it->chunk_off);
        if (it->in_chunk < chunk_symbols(c))
            break;
        it->chunk_off += 2;
        it->in_chunk = 0;
    }
    unsigned s = chunk_symbol(c, it->in_chunk++);
    out->seq = (uint16_t)(fb->base_seq + it->index);
    out->status = (enum rtcp_twcc_status)s;
    out->delta_us = 0;
    if (s == RTCP_TWCC_SMALL_DELTA && it->delta_off + 1 <= fb->delta_bytes) {
        out->delta_us = fb->deltas[it->delta_off] * 250;
        it->delta_off += 1;
    } else if (s == RTCP_TWCC_LARGE_DELTA && it->delta_off + 2 <= fb->delta_bytes) {
        out->delta_us = (int16_t)get16(fb->deltas + it->delta_off) * 250;
        it->delta_off += 2;
    }
    it->arrival_us += out->delta_us;
    out->arrival_us = s == RTCP_TWCC_NOT_RECEIVED ? -1 : it->arrival_us;
    it->index++;
    return 1;
}

void rtcp_writer_init(struct rtcp_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
}

/* Room for a packet of `bytes` (a multiple of 4) with its header written; NULL if full. */
static uint8_t *begin(struct rtcp_writer *w, size_t bytes, uint8_t count, uint8_t type)
{
    if (bytes > w->cap - w->len || bytes / 4 - 1 > 0xffff)
        return NULL;
    uint8_t *h = w->buf + w->len;
    h[0] = (uint8_t)(0x80 | (count & 0x1f));
    h[1] = type;
    put16(h + 2, (uint16_t)(bytes / 4 - 1));
    return h;
}

static void write_report(uint8_t *b, const struct rtcp_report_block *r)
{
    put32(b, r->ssrc);
    b[4] = r->fraction_lost;
    put24(b + 5, (uint32_t)r->cumulative_lost & 0xffffff);
    put32(b + 8, r->highest_seq);
    put32(b + 12, r->jitter);
    put32(b + 16, r->lsr);
    put32(b + 20, r->dlsr);
}

int rtcp_write_sr(struct rtcp_writer *w, const struct rtcp_sr *sr)
{
    if (sr->report_count > RTCP_MAX_REPORTS)
        return -EINVAL;
    size_t bytes = 28 + 24 * (size_t)sr->report_count;
    uint8_t *h = begin(w, bytes, sr->report_count, RTCP_SR);
    if (!h)
        return -ENOSPC;
    put32(h + 4, sr->ssrc);
    put32(h + 8, (uint32_t)(sr->ntp >> 32));
    put32(h + 12, (uint32_t)sr->ntp);
    put32(h + 16, sr->rtp_timestamp);
    put32(h + 20, sr->packet_count);
    put32(h + 24, sr->octet_count);
    for (size_t i = 0; i < sr->report_count; i++)
        write_report(h + 28 + 24 * i, &sr->reports[i]);
    w->len += bytes;
    return 0;
}

int rtcp_write_rr(struct rtcp_writer *w, const struct rtcp_rr *rr)
{
    if (rr->report_count > RTCP_MAX_REPORTS)
        return -EINVAL;
    size_t bytes = 8 + 24 * (size_t)rr->report_count;
    uint8_t *h = begin(w, bytes, rr->report_count, RTCP_RR);
    if (!h)
        return -ENOSPC;
    put32(h + 4, rr->ssrc);
    for (size_t i = 0; i < rr->report_count; i++)
        write_report(h + 8 + 24 * i, &rr->reports[i]);
    w->len += bytes;
    return 0;
}

int rtcp_write_sdes_cname(struct rtcp_writer *w, uint32_t ssrc, const char *cname)
{
    size_t n = strlen(cname);
    if (n == 0 || n > 255)
        return -EINVAL;
    /* SSRC, CNAME item (type 1, length, text), then a null octet ends the item list and
     * pads the chunk to 32 bits (RFC 3550 §6.5) */
    size_t bytes = (4 + 4 + 2 + n + 1 + 3) & ~(size_t)3;
    uint8_t *h = begin(w, bytes, 1, RTCP_SDES);
    if (!h)
        return -ENOSPC;
    put32(h + 4, ssrc);
    h[8] = 1;
    h[9] = (uint8_t)n;
    memcpy(h + 10, cname, n);
    memset(h + 10 + n, 0, bytes - 10 - n);
    w->len += bytes;
    return 0;
}

/* Greedy PID + BLP packing: a pair takes the next number as its PID and every later
 * number within 16 after it. Runs once to count, once to write. */
static size_t nack_pairs(const uint16_t *lost, size_t count, uint8_t *out)
{
    size_t pairs = 0, i = 0;
    while (i < count) {
        uint16_t pid = lost[i++];
        uint16_t blp = 0;
        while (i < count) {
            uint16_t d = (uint16_t)(lost[i] - pid);
            if (d == 0) { /* a repeat of the PID */
                i++;
                continue;
            }
            if (d > 16)
                break;
            blp |= (uint16_t)(1u << (d - 1));
            i++;
        }
        if (out) {
            put16(out + 4 * pairs, pid);
            put16(out + 4 * pairs + 2, blp);
        }
        pairs++;
    }
    return pairs;
}

int rtcp_write_nack(struct rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc,
                    const uint16_t *lost, size_t count)
{
    if (count == 0)
        return -EINVAL;
    size_t pairs = nack_pairs(lost, count, NULL);
    if (pairs > (w->cap - w->len) / 4)
        return -ENOSPC;
    size_t bytes = 12 + 4 * pairs;
    uint8_t *h = begin(w, bytes, 1, RTCP_RTPFB);
    if (!h)
        return -ENOSPC;
    put32(h + 4, sender_ssrc);
    put32(h + 8, media_ssrc);
    nack_pairs(lost, count, h + 12);
    w->len += bytes;
    return 0;
}

int rtcp_write_pli(struct rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc)
{
    uint8_t *h = begin(w, 12, 1, RTCP_PSFB);
    if (!h)
        return -ENOSPC;
    put32(h + 4, sender_ssrc);
    put32(h + 8, media_ssrc);
    w->len += 12;
    return 0;
}

int rtcp_write_fir(struct rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq_nr)
{
    uint8_t *h = begin(w, 20, 4, RTCP_PSFB);
    if (!h)
        return -ENOSPC;
    put32(h + 4, sender_ssrc);
    put32(h + 8, 0); /* RFC 5104 §4.3.1.2: the media SSRC is in the FCI, this is unused */
    put32(h + 12, media_ssrc);
    h[16] = seq_nr;
    h[17] = h[18] = h[19] = 0;
    w->len += 20;
    return 0;
}

/* The symbol for packet i and its delta in 250 µs ticks, moving *reported (the arrival
 * time the receiver will reconstruct) on, so rounding errors do not accumulate. */
static int twcc_symbol(const int64_t *arrival_us, size_t i, int64_t *reported, int32_t *ticks)
{
    if (arrival_us[i] < 0)
        return RTCP_TWCC_NOT_RECEIVED;
    int64_t d = arrival_us[i] - *reported;
    int64_t t = d >= 0 ? (d + 125) / 250 : -((-d + 125) / 250);
    if (t < INT16_MIN || t > INT16_MAX)
        return -EINVAL;
    *reported += t * 250;
    *ticks = (int32_t)t;
    return t >= 0 && t <= 255 ? RTCP_TWCC_SMALL_DELTA : RTCP_TWCC_LARGE_DELTA;
}

int rtcp_write_twcc(struct rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc,
                    uint16_t base_seq, uint8_t fb_count, const int64_t *arrival_us, size_t count)
{
    if (count == 0 || count > 0xffff)
        return -EINVAL;
    int64_t ref = 0;
    for (size_t i = 0; i < count; i++) {
        if (arrival_us[i] >= 0) {
            ref = arrival_us[i] / 64000;
            break;
        }
    }
    uint8_t *h = w->buf + w->len;
    size_t room = w->cap - w->len, off = 20;
    if (room < off)
        return -ENOSPC;

    /* status chunks: a run-length chunk for 7 or more equal symbols (or for all that is
     * left), otherwise a vector, one-bit when its 14 symbols need no two-byte delta */
    int64_t reported = ref * 64000;
    int32_t ticks;
    size_t i = 0;
    while (i < count) {
        int64_t t = reported;
        int first = twcc_symbol(arrival_us, i, &t, &ticks);
        if (first < 0)
            return first;
        size_t run = 1;
        int64_t after_run = t;
        while (i + run < count && run < 0x1fff) {
            int s = twcc_symbol(arrival_us, i + run, &t, &ticks);
            if (s < 0)
                return s;
            if (s != first)
                break;
            after_run = t;
            run++;
        }
        uint16_t chunk;
        size_t used;
        if (run >= 7 || i + run == count) {
            chunk = (uint16_t)(first << 13 | run);
            used = run;
            reported = after_run;
        } else {
            t = reported;
            bool two_bit = false;
            for (size_t k = 0; k < 14 && i + k < count; k++) {
                int s = twcc_symbol(arrival_us, i + k, &t, &ticks);
                if (s < 0)
                    return s;
                if (s == RTCP_TWCC_LARGE_DELTA)
                    two_bit = true;
            }
            size_t width = two_bit ? 7 : 14;
            chunk = two_bit ? 0xc000 : 0x8000;
            used = 0;
            for (size_t k = 0; k < width && i + k < count; k++, used++) {
                int s = twcc_symbol(arrival_us, i + k, &reported, &ticks);
                chunk |= (uint16_t)(two_bit ? s << (12 - 2 * k) : s << (13 - k));
            }
        }
        if (room - off < 2)
            return -ENOSPC;
        put16(h + off, chunk);
        off += 2;
        i += used;
    }

    /* receive deltas, in the same order */
    reported = ref * 64000;
    for (i = 0; i < count; i++) {
        int s = twcc_symbol(arrival_us, i, &reported, &ticks);
        if (s == RTCP_TWCC_SMALL_DELTA) {
            if (room - off < 1)
                return -ENOSPC;
            h[off++] = (uint8_t)ticks;
        } else if (s == RTCP_TWCC_LARGE_DELTA) {
            if (room - off < 2)
                return -ENOSPC;
            put16(h + off, (uint16_t)(int16_t)ticks);
            off += 2;
        }
    }
    /* zero padding to 32 bits inside the packet, as the draft's layout has it */
    while (off % 4) {
        if (room - off < 1)
            return -ENOSPC;
        h[off++] = 0;
    }
    if (off / 4 - 1 > 0xffff)
        return -ENOSPC;
    h[0] = 0x80 | 15;
    h[1] = RTCP_RTPFB;
    put16(h + 2, (uint16_t)(off / 4 - 1));
    put32(h + 4, sender_ssrc);
    put32(h + 8, media_ssrc);
    put16(h + 12, base_seq);
    put16(h + 14, (uint16_t)count);
    put24(h + 16, (uint32_t)ref & 0xffffff);
    h[19] = fb_count;
    w->len += off;
    return 0;
}

/* rtcp: RTCP compound packets (RFC 3550 §6) as zero-copy views, the feedback messages the
 * SFU acts on (RFC 4585 generic NACK and PLI, RFC 5104 FIR, REMB, and transport-wide
 * congestion control feedback from draft-holmer-rmcat-transport-wide-cc-extensions-01),
 * and writers for what the SFU sends (SR, RR, SDES CNAME, NACK, PLI, FIR, TWCC).
 *
 * Packet path: nothing allocates. Input is plaintext (SRTCP already removed); every length
 * is checked before it is read. Reduced-size RTCP (RFC 5506) is fine: a compound need not
 * start with SR/RR. Returns are 0 or a negative errno: -EBADMSG malformed, -EPROTO a
 * well-formed packet of another type than the parser's, -ENOSPC for a writer out of room
 * (the writer's length is then unchanged). */
#ifndef CONFIDE_SFU_RTCP_H
#define CONFIDE_SFU_RTCP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    RTCP_SR = 200,
    RTCP_RR = 201,
    RTCP_SDES = 202,
    RTCP_BYE = 203,
    RTCP_APP = 204,
    RTCP_RTPFB = 205, /* transport-layer feedback: FMT 1 NACK, 15 TWCC */
    RTCP_PSFB = 206,  /* payload-specific feedback: FMT 1 PLI, 4 FIR, 15 REMB */
    RTCP_XR = 207,
};

/* What a packet is, from its type and FMT; REMB also needs its "REMB" identifier. */
enum rtcp_kind {
    RTCP_KIND_OTHER,
    RTCP_KIND_SR,
    RTCP_KIND_RR,
    RTCP_KIND_SDES,
    RTCP_KIND_BYE,
    RTCP_KIND_NACK,
    RTCP_KIND_TWCC,
    RTCP_KIND_PLI,
    RTCP_KIND_FIR,
    RTCP_KIND_REMB,
};

/* RFC 5761 §4 / RFC 7983: with rtcp-mux, a packet whose second byte is 192–223 (RTP payload
 * types 64–95 with the marker bit, which WebRTC does not use) is RTCP. */
bool rtcp_is_rtcp(const uint8_t *data, size_t len);

/* One packet of a compound. */
struct rtcp_packet {
    uint8_t type;  /* RTCP_SR … */
    uint8_t count; /* the 5-bit field: report count, source count or FMT */
    const uint8_t *data;
    size_t len; /* the whole packet, header and padding included */
    const uint8_t *body;
    size_t body_len; /* after the 4-byte header, padding excluded */
};

struct rtcp_iter {
    const uint8_t *data;
    size_t len, pos;
    bool failed;
};

void rtcp_iter_init(struct rtcp_iter *it, const uint8_t *data, size_t len);
/* 1 with *out filled, 0 at the end, -EBADMSG (and every later call too) when a header
 * is not version 2 or its length runs past the compound. */
int rtcp_iter_next(struct rtcp_iter *it, struct rtcp_packet *out);
enum rtcp_kind rtcp_kind(const struct rtcp_packet *p);

struct rtcp_report_block {
    uint32_t ssrc;           /* the source this block is about */
    uint8_t fraction_lost;   /* /256, since the last report */
    int32_t cumulative_lost; /* 24-bit signed: duplicates can make it negative */
    uint32_t highest_seq;    /* extended highest sequence number received */
    uint32_t jitter;
    uint32_t lsr;  /* middle 32 bits of the last SR's NTP time */
    uint32_t dlsr; /* since that SR, 1/65536 s */
};

#define RTCP_MAX_REPORTS 31

struct rtcp_sr {
    uint32_t ssrc;
    uint64_t ntp;           /* 32.32 fixed-point seconds since 1900 */
    uint32_t rtp_timestamp; /* the same instant on the media clock */
    uint32_t packet_count, octet_count;
    uint8_t report_count;
    struct rtcp_report_block reports[RTCP_MAX_REPORTS];
};

struct rtcp_rr {
    uint32_t ssrc;
    uint8_t report_count;
    struct rtcp_report_block reports[RTCP_MAX_REPORTS];
};

struct rtcp_bye {
    uint8_t ssrc_count;
    uint32_t ssrcs[31];
    const uint8_t *reason; /* not NUL-terminated; NULL when absent */
    size_t reason_len;
};

/* The common feedback header (RFC 4585 §6.1) and the FCI after it. */
struct rtcp_fb {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci;
    size_t fci_len;
};

int rtcp_parse_sr(const struct rtcp_packet *p, struct rtcp_sr *out);
int rtcp_parse_rr(const struct rtcp_packet *p, struct rtcp_rr *out);
int rtcp_parse_bye(const struct rtcp_packet *p, struct rtcp_bye *out);
/* Any RTPFB or PSFB packet: the two SSRCs and the FCI. A PLI is exactly this. */
int rtcp_parse_fb(const struct rtcp_packet *p, struct rtcp_fb *out);
int rtcp_parse_pli(const struct rtcp_packet *p, struct rtcp_fb *out);

/* Generic NACK (RFC 4585 §6.2.1): at least one PID + BLP pair. */
int rtcp_parse_nack(const struct rtcp_packet *p, struct rtcp_fb *out);
/* The lost sequence numbers, in FCI order, at most cap of them (a NACK can name 17 per
 * 4 bytes; the cap is what the caller is willing to answer). Returns how many it wrote. */
size_t rtcp_nack_lost(const struct rtcp_fb *nack, uint16_t *lost, size_t cap);

/* FIR (RFC 5104 §4.3.1): entries of (SSRC, command sequence number). */
int rtcp_parse_fir(const struct rtcp_packet *p, struct rtcp_fb *out);
size_t rtcp_fir_count(const struct rtcp_fb *fir);
void rtcp_fir_entry(const struct rtcp_fb *fir, size_t i, uint32_t *ssrc, uint8_t *seq_nr);

/* REMB (draft-alvestrand-rmcat-remb): the receiver's estimate for the listed SSRCs. */
struct rtcp_remb {
    uint32_t sender_ssrc;
    uint64_t bitrate; /* bits per second; saturates rather than wraps */
    uint8_t ssrc_count;
    const uint8_t *ssrcs; /* ssrc_count big-endian 32-bit values */
};

int rtcp_parse_remb(const struct rtcp_packet *p, struct rtcp_remb *out);
uint32_t rtcp_remb_ssrc(const struct rtcp_remb *r, size_t i);

/* Transport-wide congestion control feedback. Parsing checks the whole packet (the status
 * chunks cover the status count, the receive deltas fit), so iterating cannot fail. */
struct rtcp_twcc {
    uint32_t sender_ssrc, media_ssrc;
    uint16_t base_seq;
    uint16_t status_count;
    int32_t reference_time; /* 24-bit signed, multiples of 64 ms */
    uint8_t fb_count;       /* feedback packet count, to spot lost feedback */
    const uint8_t *chunks;  /* the status chunks */
    size_t chunk_bytes;
    const uint8_t *deltas; /* the receive deltas */
    size_t delta_bytes;
};

int rtcp_parse_twcc(const struct rtcp_packet *p, struct rtcp_twcc *out);

enum rtcp_twcc_status {
    RTCP_TWCC_NOT_RECEIVED = 0,
    RTCP_TWCC_SMALL_DELTA = 1, /* received, 1-byte delta 0 … 63.75 ms */
    RTCP_TWCC_LARGE_DELTA = 2, /* received, 2-byte signed delta */
};

struct rtcp_twcc_packet {
    uint16_t seq;
    enum rtcp_twcc_status status;
    int32_t delta_us;   /* from the previous received packet (or the reference time) */
    int64_t arrival_us; /* reference time + deltas so far; on the receiver's clock */
};

struct rtcp_twcc_iter {
    const struct rtcp_twcc *fb;
    size_t index;     /* packets reported so far */
    size_t chunk_off; /* current chunk */
    size_t in_chunk;  /* symbols of the current chunk used */
    size_t delta_off;
    int64_t arrival_us;
};

void rtcp_twcc_iter_init(struct rtcp_twcc_iter *it, const struct rtcp_twcc *fb);
/* 1 with the next packet (in sequence order, lost ones included), 0 after the last. */
int rtcp_twcc_next(struct rtcp_twcc_iter *it, struct rtcp_twcc_packet *out);

/* Writers append whole packets to a caller buffer, building a compound. */
struct rtcp_writer {
    uint8_t *buf;
    size_t cap, len;
};

void rtcp_writer_init(struct rtcp_writer *w, uint8_t *buf, size_t cap);
/* reports[] as many as report_count (≤ 31) */
int rtcp_write_sr(struct rtcp_writer *w, const struct rtcp_sr *sr);
int rtcp_write_rr(struct rtcp_writer *w, const struct rtcp_rr *rr);
/* One chunk with a CNAME (1–255 bytes), which a full compound needs (RFC 3550 §6.1). */
int rtcp_write_sdes_cname(struct rtcp_writer *w, uint32_t ssrc, const char *cname);
/* Packs the lost numbers into PID + BLP pairs. Any order works; ascending order packs
 * tightest. -EINVAL for none. */
int rtcp_write_nack(struct rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc,
                    const uint16_t *lost, size_t count);
int rtcp_write_pli(struct rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc);
/* seq_nr goes up by one for each new request (RFC 5104 §4.3.1.2); the caller keeps it. */
int rtcp_write_fir(struct rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc,
                   uint8_t seq_nr);

/* TWCC feedback for `count` consecutive transport sequence numbers starting at base_seq.
 * arrival_us[i] < 0 marks seq base_seq + i as not received. The reference time is the
 * first received arrival rounded down to 64 ms; deltas are rounded to 250 µs, carrying the
 * rounding error forward so it does not add up. -EINVAL for count 0 or over 65535, or a
 * delta (after the first received packet) outside ±8.19 s; -ENOSPC if it does not fit. */
int rtcp_write_twcc(struct rtcp_writer *w, uint32_t sender_ssrc, uint32_t media_ssrc,
                    uint16_t base_seq, uint8_t fb_count, const int64_t *arrival_us, size_t count);

#endif

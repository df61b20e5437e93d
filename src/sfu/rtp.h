/* rtp: RTP packets (RFC 3550) and their header extensions (RFC 8285) as zero-copy views
 * over the caller's buffer, the in-place rewrites forwarding needs, a 16 → 64-bit sequence
 * unwrapper, the per-subscriber rewriter that keeps an outgoing stream continuous when its
 * source changes, and the VP8 (RFC 7741) and H.264 (RFC 6184) payload facts the SFU acts
 * on. Opus payloads are opaque; the RED (RFC 2198) wrapping around them is read and
 * rewritten.
 *
 * This is the packet path: nothing here allocates, reads a clock or logs. Every length is
 * checked before a byte is read; a view never points outside [data, data + len). Returns
 * are 0 or a negative errno: -EBADMSG for a malformed packet, -ENOENT for an absent
 * extension, -EINVAL for a value that does not fit where it has to go. The view refers to
 * the caller's bytes (SRTP already removed): it is valid while they live and are changed
 * only through these functions. */
#ifndef CONFIDE_SFU_RTP_H
#define CONFIDE_SFU_RTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_HEADER_BYTES 12
#define RTP_PROFILE_ONE_BYTE 0xBEDE /* RFC 8285 §4.2 */
#define RTP_PROFILE_TWO_BYTE 0x1000 /* RFC 8285 §4.3; the low 4 bits are app bits */
#define RTP_PROFILE_TWO_BYTE_MASK 0xFFF0

struct rtp_packet {
    uint8_t *data; /* the whole packet */
    size_t len;
    bool padding, extension, marker;
    uint8_t csrc_count;
    uint8_t payload_type;
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    /* the header extension block (RFC 3550 §5.3.1), when `extension` is set: its profile
     * (0xBEDE, 0x100X, or anything else, which we carry but cannot read) and the bytes
     * after its 4-byte header */
    uint16_t ext_profile;
    uint8_t *ext;
    size_t ext_len;
    size_t header_len;  /* 12 + CSRCs + extension block: where the payload starts */
    uint8_t *payload;   /* after the header, before the padding */
    size_t payload_len; /* 0 for a padding-only packet (bandwidth probes) */
    uint8_t padding_len;
};

/* Parses data[0..len) as an RTP packet: version 2, CSRCs, extension block and padding all
 * within len. The payload type is not checked against the RTCP range: demultiplex first
 * (rtcp_is_rtcp). */
int rtp_parse(struct rtp_packet *p, uint8_t *data, size_t len);
/* Points a parsed view at a byte-for-byte copy of its packet (e.g. the per-subscriber
 * output buffer), without parsing again. */
void rtp_rebase(struct rtp_packet *p, uint8_t *copy);

/* One header extension element. `data` points into the packet, so it can be rewritten. */
struct rtp_ext {
    uint8_t id;
    uint8_t len;
    uint8_t *data;
};

/* Walks the elements: *pos starts at 0. Returns 1 with *out filled, 0 at the end, or
 * -EBADMSG for an element that runs past the block. Padding is skipped; in the one-byte
 * form id 15 ends the walk (RFC 8285 §4.2). An unknown profile has no elements. */
int rtp_ext_next(const struct rtp_packet *p, size_t *pos, struct rtp_ext *out);
/* The first element with this id (1–14 one-byte, 1–255 two-byte): 0, -ENOENT, -EBADMSG. */
int rtp_ext_find(const struct rtp_packet *p, uint8_t id, struct rtp_ext *out);

/* Typed reads of the extensions confide negotiates, given the id from the SDP. */
/* sdes:mid, sdes:rtp-stream-id, sdes:repaired-rtp-stream-id: 1–255 bytes of text */
int rtp_ext_string(const struct rtp_packet *p, uint8_t id, const char **s, size_t *len);
/* abs-send-time: 24 bits, 6.18 fixed-point seconds */
int rtp_ext_abs_send_time(const struct rtp_packet *p, uint8_t id, uint32_t *value);
/* transport-wide-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01): 16 bits */
int rtp_ext_twcc_seq(const struct rtp_packet *p, uint8_t id, uint16_t *seq);
/* ssrc-audio-level (RFC 6464): voice activity flag and level in -dBov (0 loud … 127) */
int rtp_ext_audio_level(const struct rtp_packet *p, uint8_t id, bool *voice, uint8_t *level);

/* In-place rewrites for forwarding. They change the bytes and the view together. */
void rtp_set_ssrc(struct rtp_packet *p, uint32_t ssrc);
void rtp_set_seq(struct rtp_packet *p, uint16_t seq);
void rtp_set_timestamp(struct rtp_packet *p, uint32_t ts);
void rtp_set_payload_type(struct rtp_packet *p, uint8_t pt); /* keeps the marker bit */
void rtp_set_marker(struct rtp_packet *p, bool marker);
/* Overwrites an element's value; len must equal the element's length (-EINVAL). */
int rtp_ext_rewrite(struct rtp_packet *p, uint8_t id, const void *value, size_t len);
int rtp_ext_set_abs_send_time(struct rtp_packet *p, uint8_t id, uint32_t value);
int rtp_ext_set_twcc_seq(struct rtp_packet *p, uint8_t id, uint16_t seq);
/* Renumbers every element at once, map[id] being its new id (publisher's numbering →
 * subscriber's), so two ids can swap; map[id] == 0 erases the element. Nothing changes on
 * -EINVAL (a new id that does not fit the form: 15+ in the one-byte form) or -EBADMSG. */
int rtp_ext_remap(struct rtp_packet *p, const uint8_t map[256]);
/* Turns every element with this id into padding, which receivers skip (RFC 8285 §4.2,
 * §4.3): how to drop an extension the subscriber did not negotiate without moving bytes. */
int rtp_ext_erase(struct rtp_packet *p, uint8_t id);

/* Retransmission packets (RFC 4588): the payload starts with the original sequence number.
 * Unwrap turns a publisher's RTX packet back into the original in place (the payload moves
 * 2 bytes down), with the original stream's payload type and SSRC. Wrap turns a packet into
 * an RTX packet for a subscriber; it needs 2 bytes of room after the packet (cap is the
 * buffer's size): -ENOSPC otherwise. */
int rtp_rtx_unwrap(struct rtp_packet *p, uint8_t pt, uint32_t ssrc);
int rtp_rtx_wrap(struct rtp_packet *p, size_t cap, uint8_t rtx_pt, uint32_t rtx_ssrc,
                 uint16_t rtx_seq);

/* Redundant audio (RFC 2198): the payload is a list of block headers, then the blocks in
 * that order, the newest (the primary) last. A redundant block's header is 4 bytes (F set,
 * its payload type, a 14-bit timestamp offset back from the packet's, a 10-bit length);
 * the primary's is one byte (F clear, its payload type), its length the rest. Opus senders
 * repeat the last frame or two this way, so one lost packet costs no audio. */
struct rtp_red_block {
    uint8_t pt;
    size_t offset, len; /* within the payload */
};
/* Checks the whole payload (every header and block inside it) and says where the primary
 * block is, and how many redundant ones come before it (redundant may be NULL). */
int rtp_red_primary(const uint8_t *payload, size_t len, struct rtp_red_block *primary,
                    size_t *redundant);
/* Turns the packet into its primary block alone, in place (the block moves down to the
 * payload's start, the padding goes), with the primary's payload type: for a receiver that
 * did not take RED. -ENODATA for an empty primary. */
int rtp_red_unwrap(struct rtp_packet *p);
/* Sets every block's payload type (the publisher's Opus number → the subscriber's). */
int rtp_red_set_block_pt(struct rtp_packet *p, uint8_t pt);
/* A RED packet for one subscriber: red_pt != 0, it stays RED at red_pt with its blocks at
 * inner_pt; red_pt 0 (the subscriber did not take RED), it becomes its primary at
 * inner_pt. Nothing changes on an error. */
int rtp_red_forward(struct rtp_packet *p, uint8_t red_pt, uint8_t inner_pt);

/* Extends 16-bit sequence numbers to 64 bits, taking each as the value nearest the highest
 * seen so far, so reordering and loss of up to 32767 packets either way come out right.
 * Zero-initialise. A packet older than the first one seen, across a wrap, is negative. */
struct rtp_seq {
    int64_t max; /* highest extended sequence number seen */
    bool started;
};

int64_t rtp_seq_unwrap(struct rtp_seq *s, uint16_t seq);
/* Extends without recording: what rtp_seq_unwrap would return, for a number seen in
 * feedback (a NACK) rather than in a packet. */
int64_t rtp_seq_peek(const struct rtp_seq *s, uint16_t seq);

/* Maps one incoming stream onto one outgoing SSRC with continuous sequence numbers and
 * timestamps. The incoming stream may change its source (another simulcast layer, the same
 * person after a rejoin): the outgoing sequence then carries on at the next number and the
 * timestamp moves on by the wall-clock time that passed, so the receiver sees neither a gap
 * to NACK nor a jump backwards. The caller decides which packets to hand over (the chosen
 * layer only, and a switch only at a keyframe); a packet from another SSRC than the last is
 * taken as a switch. Zero-initialise, set out_ssrc and clock_rate (Hz). */
struct rtp_rewriter {
    uint32_t out_ssrc;
    uint32_t clock_rate;
    bool started;     /* a packet has gone out */
    bool switch_next; /* the next packet starts a new source even if its SSRC is the same */
    uint32_t in_ssrc; /* the source being followed */
    struct rtp_seq in_seq;
    int64_t in_first;   /* the source's first forwarded packet (extended) */
    int64_t seq_offset; /* out = in + seq_offset, extended */
    uint32_t ts_offset; /* out = in + ts_offset, mod 2^32 */
    int64_t out_max;    /* highest outgoing extended sequence number */
    uint32_t out_max_ts;
    int64_t out_max_at_us; /* when the packet with out_max went out */
};

/* Maps a packet's (ssrc, seq, ts) at now_us. Returns 0 with *out_seq and *out_ts to send,
 * or -ESTALE for a late packet of the current source from before the point it was first
 * forwarded: sending it would reuse an outgoing number, so it is dropped. */
int rtp_rewriter_map(struct rtp_rewriter *rw, uint32_t ssrc, uint16_t seq, uint32_t ts,
                     int64_t now_us, uint16_t *out_seq, uint32_t *out_ts);
/* Maps and rewrites the packet in place (SSRC, sequence, timestamp). */
int rtp_rewriter_apply(struct rtp_rewriter *rw, struct rtp_packet *p, int64_t now_us);
/* The next packet starts a new source even if the SSRC is unchanged (a publisher that
 * restarted its numbering under the same SSRC). */
void rtp_rewriter_restart(struct rtp_rewriter *rw);
/* The incoming sequence number a subscriber's NACK of out_seq refers to, for answering it
 * from the retransmission cache: 0, or -ENOENT if it was from an earlier source. */
int rtp_rewriter_unmap_seq(const struct rtp_rewriter *rw, uint16_t out_seq, uint16_t *in_seq);

/* The VP8 payload descriptor (RFC 7741 §4.2) and, on the first packet of a frame, the
 * keyframe bit and size from the VP8 payload header (RFC 6386 §9.1). */
struct rtp_vp8 {
    bool non_reference;    /* N */
    bool start;            /* S: first packet of a partition */
    uint8_t partition;     /* PID */
    bool has_picture_id;   /* I */
    bool picture_id_15bit; /* M */
    uint16_t picture_id;
    bool has_tl0picidx; /* L */
    uint8_t tl0picidx;
    bool has_tid; /* T */
    uint8_t tid;
    bool layer_sync; /* Y */
    bool has_keyidx; /* K */
    uint8_t keyidx;
    size_t descriptor_len;  /* the VP8 payload starts here */
    bool frame_start;       /* S and PID 0: the payload header follows */
    bool keyframe;          /* frame_start and the header's P bit is 0 */
    uint16_t width, height; /* of a keyframe, when the packet holds them; else 0 */
};

int rtp_vp8_parse(const uint8_t *payload, size_t len, struct rtp_vp8 *out);
/* Rewrite the picture id / TL0PICIDX in place, keeping the descriptor's 7- or 15-bit form
 * (a 7-bit id keeps the low 7 bits). -ENOENT if the descriptor has no such field. */
int rtp_vp8_set_picture_id(uint8_t *payload, size_t len, uint16_t picture_id);
int rtp_vp8_set_tl0picidx(uint8_t *payload, size_t len, uint8_t tl0picidx);

/* Whether an H.264 RTP payload (single NAL, STAP-A or the first FU-A fragment) carries an
 * IDR slice or a sequence parameter set: where a subscriber can start decoding. */
bool rtp_h264_is_keyframe(const uint8_t *payload, size_t len);

#endif

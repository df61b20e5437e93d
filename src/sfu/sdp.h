/* sdp: session descriptions (RFC 4566, 8866) as WebRTC uses them (JSEP RFC 8829, BUNDLE
 * RFC 8843, Unified Plan, simulcast RFC 8853 with RIDs RFC 8851).
 *
 * Three jobs. sdp_parse turns any offer or answer into a struct, every string and array
 * in the caller's arena. sdp_answer answers a client's offer on its publish transport:
 * ICE-lite, a host candidate per address (sdp_local: host, then more_hosts), DTLS passive,
 * rtcp-mux, BUNDLE, receiving Opus (asking for DTX and in-band FEC, and RED around it when
 * offered), VP8 and H.264 constrained baseline with the payload types and extension ids the
 * offer chose.
 * sdp_offer writes the server's offer on a client's subscribe transport (one sendonly
 * section per forwarded track, our SSRCs and msid) and sdp_accept_answer checks the
 * client's answer to it. Both negotiations say what was agreed in a struct sdp_negotiated,
 * which is what the forwarding code reads.
 *
 * Input comes from the network: sdp_parse rejects NUL and control bytes, caps the size and
 * every count, and checks every number, so every string it returns is safe to echo. Errors
 * are -EINVAL (bad input, with err->code and err->message for the /ws client) or -ENOSPC
 * (over a limit, likewise explained); err may be NULL. No I/O. */
#ifndef CONFIDE_SFU_SDP_H
#define CONFIDE_SFU_SDP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"

#define SDP_MAX_BYTES 65536
#define SDP_MAX_MEDIA 128

/* What went wrong, for a person: the code is snake_case for the /ws error message. */
struct sdp_error {
    const char *code; /* sdp_malformed, sdp_too_large, sdp_no_media, sdp_not_bundled,
                       * sdp_no_rtcp_mux, sdp_no_ice_credentials, sdp_no_fingerprint,
                       * sdp_unsupported_fingerprint, sdp_setup_conflict,
                       * sdp_unsupported_transport, sdp_no_common_codec,
                       * sdp_answer_mismatch, sdp_invalid_argument */
    char message[200];
};

enum sdp_kind { SDP_AUDIO, SDP_VIDEO, SDP_APPLICATION, SDP_OTHER };
enum sdp_direction { SDP_SENDRECV, SDP_SENDONLY, SDP_RECVONLY, SDP_INACTIVE };
enum sdp_setup {
    SDP_SETUP_NONE,
    SDP_SETUP_ACTPASS,
    SDP_SETUP_ACTIVE,
    SDP_SETUP_PASSIVE,
    SDP_SETUP_HOLDCONN
};

/* a=rtcp-fb values we recognise; others are ignored */
enum {
    SDP_FB_NACK = 1 << 0,
    SDP_FB_PLI = 1 << 1,  /* nack pli */
    SDP_FB_FIR = 1 << 2,  /* ccm fir */
    SDP_FB_TWCC = 1 << 3, /* transport-cc */
    SDP_FB_REMB = 1 << 4, /* goog-remb */
};

struct sdp_codec {
    uint8_t pt;
    const char *name;    /* from a=rtpmap, as written; NULL without one */
    uint32_t clock_rate; /* 0 without a=rtpmap */
    uint8_t channels;    /* 0 when not given */
    const char *fmtp;    /* the a=fmtp parameters as written; NULL without one */
    int apt;             /* rtx: the payload type it repairs (fmtp apt=); else -1 */
    unsigned feedback;   /* SDP_FB_* */
};

struct sdp_extmap {
    uint8_t id; /* 1–255 */
    enum sdp_direction direction;
    const char *uri;
};

struct sdp_rid {
    const char *id;
    bool send;          /* "send" (else "recv"), from the describing side's view */
    const char *params; /* restrictions as written (pt=, max-width=, …); NULL if none */
};

/* a=simulcast, flattened: each RID with its stream (alternatives share a stream). */
struct sdp_simulcast_rid {
    const char *rid;
    bool paused; /* "~" */
    unsigned stream;
};

struct sdp_ssrc {
    uint32_t ssrc;
    const char *cname; /* NULL if not given */
    const char *msid;  /* the a=ssrc msid value as written */
};

struct sdp_ssrc_group {
    const char *semantics; /* FID (ssrc, rtx ssrc), SIM, … */
    uint32_t *ssrcs;
    size_t count;
};

struct sdp_media {
    enum sdp_kind kind;
    const char *kind_name; /* as written on the m= line */
    uint16_t port;
    const char *proto;
    bool rtp;             /* an RTP profile: the formats are payload types */
    const char **formats; /* as written on the m= line */
    size_t format_count;
    struct sdp_codec *codecs; /* RTP: one per format, in the m= line's order */
    size_t codec_count;
    const char *mid; /* NULL if none */
    enum sdp_direction direction;
    /* the section's own values, or the session's when it has none */
    const char *ice_ufrag, *ice_pwd;
    const char *fingerprint_alg; /* lower case: "sha-256" */
    const char *fingerprint;     /* "AB:CD:…" as written */
    enum sdp_setup setup;
    bool rtcp_mux, rtcp_rsize, bundle_only, extmap_allow_mixed;
    const char *msid_stream, *msid_track; /* a=msid; either may be NULL */
    struct sdp_extmap *extmaps;
    size_t extmap_count;
    struct sdp_rid *rids;
    size_t rid_count;
    struct sdp_simulcast_rid *simulcast_send, *simulcast_recv;
    size_t simulcast_send_count, simulcast_recv_count;
    struct sdp_ssrc *ssrcs;
    size_t ssrc_count;
    struct sdp_ssrc_group *ssrc_groups;
    size_t ssrc_group_count;
    size_t candidate_count; /* a=candidate lines: counted, not kept (ICE-lite needs none) */
};

struct sdp_session {
    uint64_t session_id, session_version; /* from o= */
    bool ice_lite, extmap_allow_mixed;
    const char **bundle; /* the mids of the first a=group:BUNDLE, in order */
    size_t bundle_count;
    struct sdp_media *media;
    size_t media_count;
};

/* Parses text[0..len) (CRLF or LF lines). *out and everything in it live in a. */
int sdp_parse(struct arena *a, const char *text, size_t len, struct sdp_session **out,
              struct sdp_error *err);

const struct sdp_codec *sdp_media_codec(const struct sdp_media *m, uint8_t pt);
/* The id a=extmap gives this URI in the section, or 0. */
uint8_t sdp_media_extmap_id(const struct sdp_media *m, const char *uri);
/* One key=value of an fmtp string ("a=1;b=2", spaces allowed after ';'): true with the
 * value (not NUL-terminated) if the key is there. */
bool sdp_fmtp_param(const char *fmtp, const char *key, const char **value, size_t *len);
/* "AB:CD:…" → bytes, for comparing with the DTLS peer certificate's digest. */
int sdp_fingerprint_decode(const char *text, uint8_t *out, size_t cap, size_t *len);

/* The header extensions confide negotiates, by what the forwarding code calls them. */
enum sdp_ext {
    SDP_EXT_MID,
    SDP_EXT_ABS_SEND_TIME,
    SDP_EXT_TWCC,
    SDP_EXT_AUDIO_LEVEL,
    SDP_EXT_RID,
    SDP_EXT_REPAIRED_RID,
    SDP_EXT_COUNT
};

#define SDP_URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define SDP_URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
#define SDP_URI_TWCC "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define SDP_URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define SDP_URI_RID "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
#define SDP_URI_REPAIRED_RID "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"

const char *sdp_ext_uri(enum sdp_ext ext);

enum sdp_codec_id { SDP_CODEC_NONE, SDP_CODEC_OPUS, SDP_CODEC_VP8, SDP_CODEC_H264 };

/* A codec both sides agreed on, with the numbers used on the wire. */
struct sdp_choice {
    enum sdp_codec_id codec;
    uint8_t pt;
    int rtx_pt;        /* -1 without retransmission */
    int red_pt;        /* audio: RED (RFC 2198) around it, sent in its place; -1 without */
    unsigned feedback; /* SDP_FB_* both sides have */
};

struct sdp_negotiated_media {
    const struct sdp_media *remote; /* the section as the client wrote it */
    const char *mid;
    enum sdp_kind kind;
    bool accepted;                /* false: rejected (port 0) */
    enum sdp_direction direction; /* ours */
    struct sdp_choice codecs[2];  /* in preference order: the sender uses the first */
    size_t codec_count;
    uint8_t ext_id[SDP_EXT_COUNT]; /* 0: not negotiated */
};

struct sdp_negotiated {
    /* the client's ICE credentials and DTLS fingerprint (of the BUNDLE transport) */
    const char *remote_ufrag, *remote_pwd;
    const char *remote_fingerprint_alg, *remote_fingerprint;
    struct sdp_negotiated_media *media; /* one per m-section, in order */
    size_t media_count;
};

/* Our side of a transport. */
struct sdp_local {
    const char *ice_ufrag, *ice_pwd;
    const char *fingerprint_alg; /* "sha-256" */
    const char *fingerprint;     /* "AB:CD:…" */
    const char *host;            /* the candidate's address, IPv4 or IPv6 */
    const char *const *more_hosts; /* further addresses (a LAN and a public one), each its */
    size_t more_host_count;        /* own host candidate of lower priority; at most 8 */
    uint16_t port;
    bool tcp; /* each address also as a passive ICE-TCP candidate on port (RFC 6544), lower */
    uint64_t session_id, session_version;
};

enum { SDP_PREFER_H264 = 1 << 0 }; /* answer flags: H.264 first (a Safari-heavy room) */

/* Answers a client's offer for its publish transport into out (appended) and *neg. We
 * receive: sections the client sends on are answered recvonly, others inactive; data
 * channels and already rejected sections are rejected. An audio or video section the
 * client sends on with no codec we take is an error (sdp_no_common_codec), as are missing
 * ICE credentials or fingerprint, a section outside the BUNDLE group, no rtcp-mux, or a
 * client that insists on being the DTLS server. */
int sdp_answer(struct arena *a, const struct sdp_session *offer, const struct sdp_local *local,
               unsigned flags, struct buf *out, struct sdp_negotiated **neg, struct sdp_error *err);

/* The payload types and extension ids of the server's offers: fixed, so forwarding maps
 * every publisher onto the same numbers. */
enum {
    SDP_PT_OPUS = 111,
    SDP_PT_RED = 63, /* redundant Opus: the number Chromium gives it */
    SDP_PT_VP8 = 96,
    SDP_PT_VP8_RTX = 97,
    SDP_PT_H264 = 102,
    SDP_PT_H264_RTX = 103,
    SDP_ID_AUDIO_LEVEL = 1,
    SDP_ID_ABS_SEND_TIME = 2,
    SDP_ID_TWCC = 3,
};

/* One forwarded track on a subscribe transport. A track that has gone keeps its section
 * (Unified Plan sections are never removed), inactive and still bundled, so the transport
 * stays up even when nobody else is left. */
struct sdp_track {
    const char *mid;         /* unique on this transport: "0", "1", … */
    enum sdp_kind kind;      /* SDP_AUDIO or SDP_VIDEO */
    enum sdp_codec_id codec; /* what the publisher sends */
    uint32_t ssrc, rtx_ssrc; /* ours; rtx_ssrc 0 for none (audio has none) */
    const char *stream_id;   /* msid: the publisher's stream (one per person) */
    const char *track_id;
    const char *cname;
    bool active; /* false: the track has gone */
};

/* The server's offer for a subscribe transport: DTLS actpass (the client will choose
 * active), ICE-lite, a host candidate for local->host and one for each of
 * local->more_hosts (media_public_ip may list several addresses), in falling priority. */
int sdp_offer(const struct sdp_local *local, const struct sdp_track *tracks, size_t count,
              struct buf *out, struct sdp_error *err);
/* Checks the client's answer to sdp_offer(tracks) and says what it agreed to. */
int sdp_accept_answer(struct arena *a, const struct sdp_session *answer,
                      const struct sdp_track *tracks, size_t count, struct sdp_negotiated **neg,
                      struct sdp_error *err);

#endif

/* router: what one media worker forwards to whom, sans-I/O. Plain RTP and RTCP come in
 * (SRTP already removed by the peer) with the time; packets for other transports come out
 * through the caller's sink, ready to be protected and sent; a change of the active
 * speaker comes out the same way (the sink's speaker callback). No sockets, no clock, no
 * locks, no allocation on the packet path.
 *
 * A participant of a room has up to two transports here: a publish port (what they send:
 * one audio source, and one video source or up to ROUTER_LAYERS simulcast layers) and a
 * subscribe port (what they receive: one track per (publisher, kind) the signalling put in
 * their subscribe offer). For every track the
 * router keeps an outgoing SSRC with its own sequence numbers and timestamps
 * (rtp_rewriter, rtp.h), so a publisher who rejoins or restarts its encoder reaches every
 * subscriber as one continuous stream. Payload types and header extension ids are mapped
 * from what the publisher negotiated to the fixed numbers of the subscribe offers
 * (sdp.h SDP_PT_* / SDP_ID_*); extensions subscribers did not get are erased. Audio a
 * publisher sends as RED (RFC 2198, redundant Opus) goes on as RED to subscribers who took
 * it and as its primary Opus frame alone to those who did not (rtp.h rtp_red_forward).
 *
 * Video: a subscriber starts a track at a keyframe; until then the router asks the
 * publisher for one (PLI, at most every ROUTER_PLI_INTERVAL_MS per source), and a
 * subscriber's own PLI or FIR is passed on the same way. The recent packets of every video
 * source are kept (rtp_cache.h: for a window of a few round trips, the largest any of the
 * room's subscribers has, in a ring sized by the source's bitrate), so a subscriber's NACK
 * is answered from the cache, rewritten the same way as the original; what a publisher's packets lose on the way in is asked for
 * again (nackgen.h) and its RTX answers forwarded. Once a second the router sends a sender
 * report for every track it sends and a receiver report for every source it receives, and
 * every TWCCFB_INTERVAL_MS (100 ms) transport-wide congestion control feedback to
 * publishers that negotiated it (twccfb.h), from which their browsers estimate the
 * bandwidth they may use.
 *
 * Simulcast: a publisher may send its video as up to ROUTER_LAYERS layers (RFC 8853), told
 * apart by their RID (RFC 8851: the rtp-stream-id element on the first packets, then their
 * SSRC; RTX by repaired-rtp-stream-id, then its SSRC). Each layer is a source of its own
 * (cache, NACKs, receiver reports, keyframe requests, measured bitrate). A subscriber still
 * gets one track per publisher: every SIMULCAST_INTERVAL_MS the router decides, per
 * subscriber, which layer each of their video tracks carries or whether it pauses
 * (simulcast.h: their bandwidth estimate after audio, and the size at which their page
 * shows the tile, router_set_view), asks the wanted layer for a keyframe and switches only
 * at one, keeping sequence numbers, timestamps (rtp_rewriter) and VP8 picture ids
 * (vp8_rewrite.h) continuous. A pause or resume is told through sink->video_paused. Per
 * publisher, the layers nobody receives or waits for (the lowest is always kept) are told
 * through sink->layers, so the publisher stops encoding them.
 *
 * The host's "mute" and "stop video" hold at the router: router_set_media stops forwarding
 * a participant's audio or video until they turn it back on.
 *
 * Active speaker: the RFC 6464 audio level of each publisher's packets, averaged over
 * ROUTER_SPEAKER_WINDOW_MS; the loudest voice above a floor for two windows running becomes
 * the room's speaker, told through sink->speaker (participant 0: the speaker left).
 *
 * Connection quality: every ROUTER_QUALITY_INTERVAL_MS the router sums up, per participant
 * of a room, what it saw of their link over that window (sink->quality): on the way in, the
 * share of their RTP that never came (before any repair) and the RFC 3550 interarrival
 * jitter of their audio; on the way out, from their receiver reports about what the router
 * sent them, the share of the packets it sent that did not arrive (losses the publisher's
 * own link caused are not theirs, so they are not counted), their audio jitter beyond the
 * publisher's, and the round trip from the LSR/DLSR of those reports. Video's jitter is left
 * out both ways: a frame leaves as a paced burst of packets with one timestamp, which the
 * RFC 3550 formula takes for jitter. */
#ifndef CONFIDE_SFU_ROUTER_H
#define CONFIDE_SFU_ROUTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTER_PLI_INTERVAL_MS 500
#define ROUTER_REPORT_INTERVAL_MS 1000
#define ROUTER_SPEAKER_WINDOW_MS 500
#define ROUTER_QUALITY_INTERVAL_MS 2000
#define ROUTER_MAX_PTS 8
#define ROUTER_MAX_TRACKS 64
#define ROUTER_LAYERS 3   /* simulcast layers of one publisher's video */
#define ROUTER_RID_MAX 16 /* bytes of a RID, with its NUL */
#define ROUTER_RATE_WINDOW_MS 1000 /* layers' bitrates are measured over this */
#define ROUTER_LAYER_MISSING_MS 2000 /* a layer switched on that sends nothing this long is missing */
#define ROUTER_LAYER_STALL_MS 600    /* a layer that came and stopped this long is missing */

enum router_kind { ROUTER_AUDIO = 0, ROUTER_VIDEO = 1 };
enum router_codec { ROUTER_OPUS = 1, ROUTER_VP8, ROUTER_H264 };

/* One payload type a publisher negotiated. */
struct router_pt {
    uint8_t pt;
    enum router_kind kind;
    enum router_codec codec;
    bool rtx;          /* an RTX payload type: it repairs apt */
    uint8_t apt;       /* for rtx: the payload type it repairs */
    bool red;          /* audio: RED (RFC 2198) around the codec's frames */
};

struct router_publish_params {
    uint64_t room;
    uint32_t participant;
    struct router_pt pts[ROUTER_MAX_PTS];
    size_t pt_count;
    uint8_t audio_level_id; /* the publisher's extension id, 0: not negotiated */
    uint8_t twcc_id;        /* transport-wide-cc's id: the router then sends feedback */
    /* simulcast: the layers' RIDs, lowest first (rid_count 0: one stream, no RIDs), and
     * the ids of the rtp-stream-id and repaired-rtp-stream-id elements */
    char rids[ROUTER_LAYERS][ROUTER_RID_MAX];
    size_t rid_count;
    uint8_t rid_id, repaired_rid_id;
};

/* One forwarded track on a subscribe port. */
struct router_track {
    uint32_t publisher; /* participant */
    enum router_kind kind;
    enum router_codec codec; /* what the subscriber accepted; packets of another codec are dropped */
    uint32_t ssrc;           /* ours, as in the subscribe offer */
    uint8_t pt;              /* the subscribe offer's payload type */
    bool audio_level;        /* the subscriber takes ssrc-audio-level at SDP_ID_AUDIO_LEVEL */
    uint32_t rtx_ssrc;       /* video: retransmissions go as RTX (RFC 4588) on this SSRC … */
    uint8_t rtx_pt;          /* … with this payload type; rtx_ssrc 0: on the track's own SSRC */
    uint8_t red_pt;          /* audio: RED goes out as RED at this type; 0: its primary only */
    const char *cname;       /* for SDES; copied */
};

struct router_port; /* a transport as the router files it */

/* One participant's link over the last quality window. Either direction may be missing:
 * up (nothing published), down (no receiver report yet); a window with neither is not
 * reported. */
struct router_quality {
    bool up, down;               /* which half was measured */
    uint16_t loss_up_permille;   /* of the packets they sent, lost on the way in */
    uint16_t loss_down_permille; /* of the packets sent to them, lost on the way out */
    uint32_t jitter_up_ms, jitter_down_ms;
    int32_t rtt_ms; /* the last round trip measured, -1: none yet */
    uint32_t estimate_kbps; /* what the SFU may send them (their feedback); 0: none yet */
    bool video_paused;      /* some video to them is paused: their link cannot carry it */
};

/* Where the router's output goes. */
struct router_sink {
    /* A buffer of *cap bytes to build one packet in, or NULL (the send queue is full). */
    uint8_t *(*buffer)(void *arg, size_t *cap);
    /* Sends buf[0..len) (taken from buffer()) to the port's transport. */
    void (*send)(void *arg, void *port_user, uint8_t *buf, size_t len, bool rtcp);
    /* The room's active speaker changed (participant 0: nobody). */
    void (*speaker)(void *arg, uint64_t room, uint32_t participant);
    /* A participant's link over the last ROUTER_QUALITY_INTERVAL_MS; may be NULL. */
    void (*quality)(void *arg, uint64_t room, uint32_t participant, const struct router_quality *q);
    /* Video from publisher to subscriber paused (their bandwidth cannot carry it) or
     * resumed; may be NULL. */
    void (*video_paused)(void *arg, uint64_t room, uint32_t subscriber, uint32_t publisher,
                         bool paused);
    /* Which of a simulcast publisher's layers anyone receives (bit i: layer i, lowest
     * first; layer 0 always): the others may stop. Told on a change; may be NULL. */
    void (*layers)(void *arg, uint64_t room, uint32_t publisher, unsigned active);
    void *arg;
};

struct router_stats {
    uint64_t rtp_in, rtcp_in, forwarded;
    uint64_t drop_unknown_pt, drop_muted, drop_malformed, drop_stale, drop_no_buffer;
    uint64_t waiting_keyframe; /* video held back until a subscriber's first keyframe */
    uint64_t keyframes;
    uint64_t pli_sent, pli_received;
    uint64_t nack_received, nack_recovered, nack_missed; /* per lost packet named */
    uint64_t nack_over_budget; /* not answered: the subscriber's link is full (rtx_budget.h) */
    uint64_t nack_sent;     /* packets asked of publishers again */
    uint64_t nack_repaired; /* of those, the ones that came */
    uint64_t rtx_in, rtx_duplicate; /* RTX from publishers; of those, repeats (probes) */
    uint64_t sr_sent, rr_sent, twcc_sent;
    uint64_t twcc_received; /* subscribers' transport-cc reports read into their estimates */
    uint64_t probes, padding_sent; /* probe clusters sent subscribers, padding packets in them */
    uint64_t speaker_changes;
    uint64_t quality_reports;
    uint64_t red_forwarded, red_unwrapped; /* RED sent as RED / as its primary Opus alone */
    uint64_t drop_unknown_layer; /* simulcast media whose RID was never seen */
    uint64_t layer_switches;     /* a track moved to another layer, at its keyframe */
    uint64_t layer_switch_waits; /* switches decided (each waits for a keyframe) */
    uint64_t video_pauses, video_resumes; /* audio first: video stopped / back */
    uint64_t layer_changes;      /* a publisher told another set of layers */
};

struct router;

struct router *router_new(uint32_t seed);
void router_free(struct router *r);
const struct router_stats *router_stats(const struct router *r);

/* user is handed back to sink->send. */
struct router_port *router_add_publisher(struct router *r, const struct router_publish_params *p,
                                         void *user);
struct router_port *router_add_subscriber(struct router *r, uint64_t room, uint32_t participant,
                                          void *user);
void router_remove(struct router *r, struct router_port *port);
bool router_port_publishes(const struct router_port *port);
/* Replaces a subscribe port's tracks. A track whose SSRC was there before keeps its
 * rewriter; a new one waits for a keyframe. -EINVAL: too many, or not a subscribe port. */
int router_set_tracks(struct router *r, struct router_port *port, const struct router_track *t,
                      size_t count);
/* What a participant may send into the room: the host's mute / stop video. */
void router_set_media(struct router *r, uint64_t room, uint32_t participant, bool audio,
                      bool video);
/* The size (device pixels) at which subscriber's page shows publisher's video: the layer
 * sent is never larger than needed (0 × 0: not known). */
void router_set_view(struct router *r, uint64_t room, uint32_t subscriber, uint32_t publisher,
                     uint16_t width, uint16_t height);
/* The port's transport is up: media may be sent to it (a new subscriber asks for keyframes). */
void router_port_ready(struct router *r, struct router_port *port, int64_t now_ms,
                       const struct router_sink *sink);

/* Plain RTP / RTCP that arrived on a port, in the caller's buffer (which the router may
 * change). */
void router_on_rtp(struct router *r, struct router_port *from, uint8_t *data, size_t len,
                   int64_t now_ms, const struct router_sink *sink);
void router_on_rtcp(struct router *r, struct router_port *from, const uint8_t *data, size_t len,
                    int64_t now_ms, const struct router_sink *sink);
/* Reports, keyframe requests, the active speaker. Returns the next deadline. */
int64_t router_tick(struct router *r, int64_t now_ms, const struct router_sink *sink);

#endif

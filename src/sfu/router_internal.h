/* router_internal: what router.c (forwarding), router_rtcp.c (the RTCP the router sends and
 * reads, the quality windows) and router_layers.c (simulcast layer choice) share. Not for
 * use outside the router. */
#ifndef CONFIDE_SFU_ROUTER_INTERNAL_H
#define CONFIDE_SFU_ROUTER_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>

#include "sfu/bwe.h"
#include "sfu/nackgen.h"
#include "sfu/probe.h"
#include "sfu/router.h"
#include "sfu/rtcp.h"
#include "sfu/rtp.h"
#include "sfu/rtp_cache.h"
#include "sfu/rtx_budget.h"
#include "sfu/simulcast.h"
#include "sfu/twcc_parse.h"
#include "sfu/twccfb.h"
#include "sfu/vp8_rewrite.h"

#define NTP_UNIX_OFFSET 2208988800ULL

/* A publisher's sources: audio, then one per video layer, lowest first. */
#define SRC_AUDIO 0
#define SRC_VIDEO(layer) (1 + (layer))
#define SRC_COUNT (1 + ROUTER_LAYERS)

/* One incoming stream of a publisher. */
struct source {
    uint32_t ssrc; /* 0: nothing received yet */
    uint32_t rtx_ssrc; /* its retransmissions' SSRC, once a repaired RID named it */
    struct rtp_seq seq;
    int64_t first_ext;
    uint64_t received;
    uint64_t expected_prior, received_prior; /* at the last receiver report */
    uint32_t sr_mid;                         /* middle 32 bits of the last SR's NTP time */
    int64_t sr_at_ms;
    int64_t pli_at_ms;
    bool pli_pending;
    struct nackgen *nack;    /* video only: what was lost on the way in */
    struct rtp_cache *cache; /* video only: for NACKs */
    /* RFC 3550 §6.4.1 interarrival jitter, in 1/16 units of the media clock */
    uint32_t jitter_q4;
    int32_t transit; /* of the last packet: arrival minus RTP timestamp, media clock */
    bool have_transit;
    uint64_t q_expected_prior, q_received_prior; /* at the last quality window */
    /* video: the bitrate (smoothed over rate windows; 0: nothing came in the last) and
     * the size of the last keyframe, for the layer choice */
    uint64_t rate_bytes;
    int64_t last_at_ms; /* the last media packet */
    uint32_t bitrate_bps;
    uint16_t width, height;
};

struct track {
    struct router_track t;
    char cname[64];
    struct rtp_rewriter rw;
    struct vp8_rewriter vp8;
    bool started; /* video: a keyframe has gone out; audio: always */
    bool resync;  /* the source paused (muted): continue without a gap */
    uint16_t rtx_seq;
    uint64_t packets, octets;
    uint32_t last_ts;
    int64_t last_at_ms;
    /* the subscriber's last receiver report about this track, and our count then */
    bool rr_seen;
    uint32_t rr_highest;
    int32_t rr_lost;
    uint64_t rr_packets;
    /* video: the layer forwarded (valid once started), the one wanted (SIMULCAST_PAUSED:
     * none), and the choice's state */
    int layer, target;
    struct simulcast_track sc;
};

struct room;

/* A publish port's parts (sources, feedback) and a subscribe port's (tracks) are allocated
 * only for the kind of port that uses them: a port is kept per transport, and most of it
 * would otherwise be arrays the other kind never touches. */
struct router_port {
    struct room *room;
    bool publisher;
    uint32_t participant;
    void *user;
    uint32_t rtcp_ssrc; /* ours, for the RTCP we send on this transport */
    int64_t report_at_ms;
    bool ready;
    /* publisher */
    struct router_pt pts[ROUTER_MAX_PTS];
    size_t pt_count;
    uint8_t audio_level_id, twcc_id;
    struct twccfb *twcc;
    uint8_t map_level[256], map_none[256]; /* extension ids: publisher's → subscriber's */
    struct source *src; /* SRC_COUNT of them */
    size_t layer_count; /* video sources: the RIDs', or 1 */
    char rids[ROUTER_LAYERS][ROUTER_RID_MAX];
    uint8_t rid_id, repaired_rid_id;
    unsigned layers_told; /* the active layers last told (sink->layers) … */
    int64_t layer_on_at_ms[ROUTER_LAYERS]; /* … and when each was last told on */
    bool allowed[2];
    uint32_t loud_sum, loud_n;
    /* subscriber */
    struct track *tracks; /* track_count of them */
    size_t track_count;
    /* this quality window, from their receiver reports: packets we sent them, packets
     * they got (either may run a few ahead of the other across windows), the worst
     * jitter of ours they reported */
    bool q_reported;
    int64_t q_sent, q_got;
    uint32_t q_jitter_ms;
    int32_t rtt_ms; /* the last round trip measured, -1: none */
    /* what we send them carries transport-wide numbers (the publisher's transport-cc
     * element, renumbered); their feedback on those drives this estimate */
    struct bwe *bwe;
    uint16_t twcc_next;
    struct rtx_budget rtx_budget; /* what their retransmissions may take of the estimate */
    struct probe_pacer prober;    /* the probe cluster under way, if any (probe.h) */
    struct router_port *prev, *next;
};

struct media_state {
    uint32_t participant;
    bool audio, video;
};

/* The tile size a subscriber's page shows a publisher at (router_set_view). */
struct view {
    uint32_t subscriber, publisher;
    uint16_t width, height;
};

struct room {
    uint64_t id;
    struct router_port *ports;
    struct media_state *media;
    size_t media_count, media_cap;
    struct view *views;
    size_t view_count, view_cap;
    uint32_t speaker, candidate;
    int streak;
    int64_t speaker_at_ms;
    int64_t quality_at_ms;
    int64_t layers_at_ms, rate_at_ms;
    int64_t cache_at_ms; /* the NACK caches last sized */
    struct room *next;
};

struct router {
    struct room *rooms;
    uint32_t ssrc_state;
    struct router_stats stats;
    struct twcc_report twcc_scratch; /* one subscriber's feedback, read in place */
};

static inline uint32_t clock_rate(enum router_kind kind)
{
    return kind == ROUTER_AUDIO ? 48000 : 90000;
}

static inline enum router_kind src_kind(int k)
{
    return k == SRC_AUDIO ? ROUTER_AUDIO : ROUTER_VIDEO;
}

static inline uint64_t ntp_of(int64_t now_ms)
{
    uint64_t secs = (uint64_t)(now_ms / 1000) + NTP_UNIX_OFFSET;
    uint64_t frac = ((uint64_t)(now_ms % 1000) << 32) / 1000;
    return (secs << 32) | frac;
}

/* router.c */
struct router_port *router_publisher_of(struct room *rm, uint32_t participant);
struct track *router_track_by_ssrc(struct router_port *sub, uint32_t ssrc);
uint32_t router_jitter_ms(const struct source *s, enum router_kind kind);
size_t router_build_for(struct router *r, const struct router_port *pub, struct router_port *sub,
                        struct track *t, const struct rtp_packet *pk, uint8_t *buf, size_t cap,
                        int64_t now, uint32_t *out_ts);
/* Asks publisher's video layer for a keyframe (not if the host stopped their video). */
void router_request_keyframe(struct router *r, struct room *rm, uint32_t publisher, int layer,
                             int64_t now, const struct router_sink *sink);
/* A video track waiting for a keyframe: to start, or to switch to its target layer. */
bool router_track_waits(const struct router_port *sub, const struct track *t);

/* router_rtcp.c */
void router_send_pli(struct router *r, struct router_port *pub, int layer, int64_t now,
                     const struct router_sink *sink);
void router_send_nacks(struct router *r, struct router_port *pub, int layer, int64_t now,
                       const struct router_sink *sink);
void router_send_reports(struct router *r, struct router_port *p, int64_t now,
                         const struct router_sink *sink);
void router_send_twcc(struct router *r, struct router_port *pub, int64_t now,
                      const struct router_sink *sink);
void router_quality_window(struct router *r, struct room *rm, const struct router_sink *sink);

/* router_layers.c */
/* Every SIMULCAST_INTERVAL_MS: the layers' bitrates, each subscriber's choice, and the
 * publishers' active layers. */
void router_layers_tick(struct router *r, struct room *rm, int64_t now,
                        const struct router_sink *sink);
/* One subscriber's choice now (their transport just came up, or their tracks changed). */
void router_layers_decide(struct router *r, struct router_port *sub, int64_t now,
                          const struct router_sink *sink);
void router_views_free(struct room *rm);

#endif

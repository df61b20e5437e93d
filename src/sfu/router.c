#include "sfu/router.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sfu/nackgen.h"
#include "sfu/rtcp.h"
#include "sfu/rtp.h"
#include "sfu/sdp.h"
#include "sfu/bwe.h"
#include "sfu/rtpsec.h"
#include "sfu/probe.h"
#include "sfu/rtx_budget.h"
#include "sfu/twcc_parse.h"
#include "sfu/twccfb.h"

#define NACK_ANSWER_MAX 64        /* lost packets answered from one NACK */
#define SPEAKER_FLOOR 40          /* mean loudness (127 - dBov, silence 0) to count as speech */
#define SPEAKER_STREAK 2          /* windows a new speaker must lead */
#define NTP_UNIX_OFFSET 2208988800ULL

struct cache_entry {
    bool used;
    uint16_t seq;
    uint16_t len;
    uint8_t data[ROUTER_CACHE_BYTES];
};

/* One incoming stream of a publisher. */
struct source {
    uint32_t ssrc; /* 0: nothing received yet */
    struct rtp_seq seq;
    int64_t first_ext;
    uint64_t received;
    uint64_t expected_prior, received_prior; /* at the last receiver report */
    uint32_t sr_mid;                         /* middle 32 bits of the last SR's NTP time */
    int64_t sr_at_ms;
    int64_t pli_at_ms;
    bool pli_pending;
    struct nackgen nack;       /* video: what was lost on the way in */
    struct cache_entry *cache; /* video only */
    /* RFC 3550 §6.4.1 interarrival jitter, in 1/16 units of the media clock */
    uint32_t jitter_q4;
    int32_t transit; /* of the last packet: arrival minus RTP timestamp, media clock */
    bool have_transit;
    uint64_t q_expected_prior, q_received_prior; /* at the last quality window */
};

struct track {
    struct router_track t;
    char cname[64];
    struct rtp_rewriter rw;
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
};

struct room;

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
    struct twccfb twcc;
    uint8_t map_level[256], map_none[256]; /* extension ids: publisher's → subscriber's */
    struct source src[2];
    bool allowed[2];
    uint32_t loud_sum, loud_n;
    /* subscriber */
    struct track tracks[ROUTER_MAX_TRACKS];
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

struct room {
    uint64_t id;
    struct router_port *ports;
    struct media_state *media;
    size_t media_count, media_cap;
    uint32_t speaker, candidate;
    int streak;
    int64_t speaker_at_ms;
    int64_t quality_at_ms;
    struct room *next;
};

struct router {
    struct room *rooms;
    uint32_t ssrc_state;
    struct router_stats stats;
    struct twcc_report twcc_scratch; /* one subscriber's feedback, read in place */
};

/* ---- small things ---- */

static uint32_t next_ssrc(struct router *r)
{
    /* xorshift32: only has to differ between ports, not be secret */
    uint32_t x = r->ssrc_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    r->ssrc_state = x;
    return x ? x : 1;
}

static uint64_t ntp_of(int64_t now_ms)
{
    uint64_t secs = (uint64_t)(now_ms / 1000) + NTP_UNIX_OFFSET;
    uint64_t frac = ((uint64_t)(now_ms % 1000) << 32) / 1000;
    return (secs << 32) | frac;
}

static uint32_t clock_rate(enum router_kind kind)
{
    return kind == ROUTER_AUDIO ? 48000 : 90000;
}

struct router *router_new(uint32_t seed)
{
    struct router *r = xcalloc(1, sizeof *r);
    r->ssrc_state = seed ? seed : 0x9e3779b9u;
    return r;
}

const struct router_stats *router_stats(const struct router *r)
{
    return &r->stats;
}

static struct room *room_get(struct router *r, uint64_t id)
{
    for (struct room *rm = r->rooms; rm; rm = rm->next)
        if (rm->id == id)
            return rm;
    struct room *rm = xcalloc(1, sizeof *rm);
    rm->id = id;
    rm->next = r->rooms;
    r->rooms = rm;
    return rm;
}

static void room_drop_if_empty(struct router *r, struct room *rm)
{
    if (rm->ports)
        return;
    for (struct room **pp = &r->rooms; *pp; pp = &(*pp)->next) {
        if (*pp == rm) {
            *pp = rm->next;
            break;
        }
    }
    free(rm->media);
    free(rm);
}

static struct media_state *media_find(struct room *rm, uint32_t participant)
{
    for (size_t i = 0; i < rm->media_count; i++)
        if (rm->media[i].participant == participant)
            return &rm->media[i];
    return NULL;
}

static void port_link(struct room *rm, struct router_port *p)
{
    p->room = rm;
    p->next = rm->ports;
    if (rm->ports)
        rm->ports->prev = p;
    rm->ports = p;
}

void router_free(struct router *r)
{
    if (!r)
        return;
    while (r->rooms) {
        struct room *rm = r->rooms;
        r->rooms = rm->next;
        for (struct router_port *p = rm->ports, *next; p; p = next) {
            next = p->next;
            free(p->src[ROUTER_VIDEO].cache);
            free(p->bwe);
            free(p);
        }
        free(rm->media);
        free(rm);
    }
    free(r);
}

struct router_port *router_add_publisher(struct router *r, const struct router_publish_params *pp,
                                         void *user)
{
    if (pp->pt_count > ROUTER_MAX_PTS)
        return NULL;
    struct router_port *p = xcalloc(1, sizeof *p);
    p->publisher = true;
    p->participant = pp->participant;
    p->user = user;
    p->rtcp_ssrc = next_ssrc(r);
    memcpy(p->pts, pp->pts, pp->pt_count * sizeof pp->pts[0]);
    p->pt_count = pp->pt_count;
    p->audio_level_id = pp->audio_level_id;
    p->twcc_id = pp->twcc_id;
    if (pp->audio_level_id)
        p->map_level[pp->audio_level_id] = SDP_ID_AUDIO_LEVEL;
    /* kept, under the id every subscribe offer gives it, and renumbered per subscriber */
    if (pp->twcc_id)
        p->map_level[pp->twcc_id] = p->map_none[pp->twcc_id] = SDP_ID_TWCC;
    p->src[ROUTER_VIDEO].cache = xcalloc(ROUTER_CACHE, sizeof(struct cache_entry));
    struct room *rm = room_get(r, pp->room);
    struct media_state *ms = media_find(rm, pp->participant);
    p->allowed[ROUTER_AUDIO] = ms ? ms->audio : true;
    p->allowed[ROUTER_VIDEO] = ms ? ms->video : true;
    /* a rejoin may restart the numbering under the same SSRCs, which the rewriters would
     * take for late or far-ahead packets: start each track afresh at the next number */
    for (struct router_port *sub = rm->ports; sub; sub = sub->next)
        for (size_t i = 0; !sub->publisher && i < sub->track_count; i++)
            if (sub->tracks[i].t.publisher == pp->participant)
                sub->tracks[i].resync = true;
    port_link(rm, p);
    return p;
}

struct router_port *router_add_subscriber(struct router *r, uint64_t room, uint32_t participant,
                                          void *user)
{
    struct router_port *p = xcalloc(1, sizeof *p);
    p->participant = participant;
    p->user = user;
    p->rtcp_ssrc = next_ssrc(r);
    p->rtt_ms = -1;
    p->bwe = xmalloc(sizeof *p->bwe);
    bwe_init(p->bwe, NULL);
    port_link(room_get(r, room), p);
    return p;
}

void router_remove(struct router *r, struct router_port *p)
{
    if (!p)
        return;
    struct room *rm = p->room;
    if (p->prev)
        p->prev->next = p->next;
    else
        rm->ports = p->next;
    if (p->next)
        p->next->prev = p->prev;
    free(p->src[ROUTER_VIDEO].cache);
    free(p->bwe);
    free(p);
    room_drop_if_empty(r, rm);
}

bool router_port_publishes(const struct router_port *p)
{
    return p->publisher;
}

int router_set_tracks(struct router *r, struct router_port *p, const struct router_track *t,
                      size_t count)
{
    (void)r;
    if (p->publisher || count > ROUTER_MAX_TRACKS)
        return -EINVAL;
    struct track next[ROUTER_MAX_TRACKS];
    for (size_t i = 0; i < count; i++) {
        struct track *n = &next[i];
        memset(n, 0, sizeof *n);
        for (size_t k = 0; k < p->track_count; k++) {
            if (p->tracks[k].t.ssrc == t[i].ssrc) {
                *n = p->tracks[k];
                break;
            }
        }
        n->t = t[i];
        if (t[i].cname) {
            size_t len = strlen(t[i].cname);
            if (len >= sizeof n->cname)
                len = sizeof n->cname - 1;
            memcpy(n->cname, t[i].cname, len);
            n->cname[len] = 0;
        } else {
            n->cname[0] = 0;
        }
        n->t.cname = NULL;
        if (!n->rw.out_ssrc) {
            n->rw.out_ssrc = t[i].ssrc;
            n->rw.clock_rate = clock_rate(t[i].kind);
            n->started = t[i].kind == ROUTER_AUDIO;
        }
    }
    assert(count <= ROUTER_MAX_TRACKS);
    memcpy(p->tracks, next, count * sizeof next[0]);
    p->track_count = count;
    return 0;
}

static struct router_port *publisher_of(struct room *rm, uint32_t participant)
{
    for (struct router_port *p = rm->ports; p; p = p->next)
        if (p->publisher && p->participant == participant)
            return p;
    return NULL;
}

/* ---- RTCP we send ---- */

/* A send buffer with a writer over it, or NULL when the send queue is full (counted). */
static uint8_t *rtcp_begin(struct router *r, const struct router_sink *sink, struct rtcp_writer *w)
{
    size_t cap;
    uint8_t *buf = sink->buffer(sink->arg, &cap);
    if (!buf) {
        r->stats.drop_no_buffer++;
        return NULL;
    }
    rtcp_writer_init(w, buf, cap);
    return buf;
}

static void send_pli(struct router *r, struct router_port *pub, int64_t now,
                     const struct router_sink *sink)
{
    struct source *s = &pub->src[ROUTER_VIDEO];
    if (!s->ssrc || !pub->ready) {
        s->pli_pending = true;
        return;
    }
    if (now - s->pli_at_ms < ROUTER_PLI_INTERVAL_MS && s->pli_at_ms) {
        s->pli_pending = true;
        return;
    }
    struct rtcp_writer w;
    uint8_t *buf = rtcp_begin(r, sink, &w);
    if (!buf) {
        s->pli_pending = true;
        return;
    }
    if (rtcp_write_pli(&w, pub->rtcp_ssrc, s->ssrc) < 0)
        return;
    s->pli_at_ms = now;
    s->pli_pending = false;
    r->stats.pli_sent++;
    sink->send(sink->arg, pub->user, buf, w.len, true);
}

static void request_keyframe(struct router *r, struct room *rm, uint32_t publisher, int64_t now,
                             const struct router_sink *sink)
{
    struct router_port *pub = publisher_of(rm, publisher);
    /* video the host stopped is not forwarded: a keyframe now would be thrown away */
    if (pub && pub->allowed[ROUTER_VIDEO])
        send_pli(r, pub, now, sink);
}

/* A video track still to start. Never one of the subscriber's own: forward() sends a
 * participant nothing of theirs, so that track would ask for keyframes forever. */
static bool track_waits(const struct router_port *sub, const struct track *t)
{
    return t->t.kind == ROUTER_VIDEO && !t->started && t->t.publisher != sub->participant;
}

void router_port_ready(struct router *r, struct router_port *p, int64_t now,
                       const struct router_sink *sink)
{
    p->ready = true;
    if (p->publisher) {
        if (p->src[ROUTER_VIDEO].pli_pending)
            send_pli(r, p, now, sink);
        return;
    }
    for (size_t i = 0; i < p->track_count; i++)
        if (track_waits(p, &p->tracks[i]))
            request_keyframe(r, p->room, p->tracks[i].t.publisher, now, sink);
}

void router_set_media(struct router *r, uint64_t room, uint32_t participant, bool audio,
                      bool video)
{
    struct room *rm = room_get(r, room);
    struct media_state *ms = media_find(rm, participant);
    if (!ms) {
        if (rm->media_count == rm->media_cap) {
            rm->media_cap = rm->media_cap ? 2 * rm->media_cap : 8;
            rm->media = xrealloc(rm->media, rm->media_cap * sizeof *rm->media);
        }
        ms = &rm->media[rm->media_count++];
        ms->participant = participant;
    }
    ms->audio = audio;
    ms->video = video;
    bool allowed[2] = {audio, video};
    for (struct router_port *p = rm->ports; p; p = p->next) {
        if (p->publisher && p->participant == participant) {
            p->allowed[0] = audio;
            p->allowed[1] = video;
        }
        if (p->publisher)
            continue;
        /* when forwarding resumes, subscribers continue without a gap to NACK, and video
         * waits for a keyframe */
        for (size_t i = 0; i < p->track_count; i++) {
            struct track *t = &p->tracks[i];
            if (t->t.publisher == participant && allowed[t->t.kind] == false)
                t->resync = true;
        }
    }
    if (!rm->ports)
        room_drop_if_empty(r, rm);
}

/* ---- forwarding ---- */

static const struct router_pt *pt_find(const struct router_port *p, uint8_t pt)
{
    for (size_t i = 0; i < p->pt_count; i++)
        if (p->pts[i].pt == pt)
            return &p->pts[i];
    return NULL;
}

static bool is_keyframe_start(enum router_codec codec, const struct rtp_packet *pk)
{
    if (codec == ROUTER_VP8) {
        struct rtp_vp8 v;
        return rtp_vp8_parse(pk->payload, pk->payload_len, &v) == 0 && v.keyframe;
    }
    if (codec == ROUTER_H264)
        return rtp_h264_is_keyframe(pk->payload, pk->payload_len);
    return false;
}

/* Copies a publisher's packet into a buffer for one track and rewrites it for that
 * subscriber. Returns the length, or 0 when it is not to be sent. */
static size_t build_for(struct router *r, const struct router_port *pub,
                        struct router_port *sub, struct track *t, const struct rtp_packet *pk,
                        uint8_t *buf, size_t cap, int64_t now, uint32_t *out_ts)
{
    if (pk->len > cap) {
        r->stats.drop_no_buffer++;
        return 0;
    }
    memcpy(buf, pk->data, pk->len);
    struct rtp_packet out = *pk;
    rtp_rebase(&out, buf);
    const struct router_pt *in = pt_find(pub, pk->payload_type);
    if (!in || !in->red) {
        rtp_set_payload_type(&out, t->t.pt);
    } else if (rtp_red_forward(&out, t->t.red_pt, t->t.pt) < 0) {
        r->stats.drop_malformed++; /* or an empty primary: nothing to play */
        return 0;
    } else if (t->t.red_pt) {
        r->stats.red_forwarded++;
    } else {
        r->stats.red_unwrapped++;
    }
    if (out.extension &&
        rtp_ext_remap(&out, t->t.audio_level ? pub->map_level : pub->map_none) < 0) {
        r->stats.drop_malformed++;
        return 0;
    }
    if (rtp_rewriter_apply(&t->rw, &out, now * 1000) < 0) {
        r->stats.drop_stale++;
        return 0;
    }
    assert(out.len <= cap && out.data == buf); /* rewritten in place, never grown */
    /* the subscriber's own transport-wide number, and the estimator told it left (the
     * size with what SRTP adds at most, about as it goes on the wire) */
    if (sub->bwe && rtp_ext_set_twcc_seq(&out, SDP_ID_TWCC, sub->twcc_next) == 0) {
        bwe_on_sent(sub->bwe, sub->twcc_next++, out.len + RTPSEC_RTP_OVERHEAD_MAX, now * 1000);
        probe_pacer_sent(&sub->prober, out.len + RTPSEC_RTP_OVERHEAD_MAX);
    }
    *out_ts = out.timestamp;
    return out.len;
}

static void forward(struct router *r, struct router_port *pub, enum router_kind kind,
                    enum router_codec codec, const struct rtp_packet *pk, bool keyframe,
                    int64_t now, const struct router_sink *sink)
{
    for (struct router_port *sub = pub->room->ports; sub; sub = sub->next) {
        if (sub->publisher || !sub->ready || sub->participant == pub->participant)
            continue;
        for (size_t i = 0; i < sub->track_count; i++) {
            struct track *t = &sub->tracks[i];
            if (t->t.publisher != pub->participant || t->t.kind != kind || t->t.codec != codec)
                continue;
            if (t->resync) {
                rtp_rewriter_restart(&t->rw);
                t->resync = false;
                if (kind == ROUTER_VIDEO)
                    t->started = false;
            }
            /* a new source (encoder restart, another SSRC after a rejoin) can only be
             * joined at a keyframe: its deltas refer to frames the subscriber never had */
            if (kind == ROUTER_VIDEO && t->started && t->rw.started && t->rw.in_ssrc != pk->ssrc)
                t->started = false;
            if (!t->started) {
                if (!keyframe) {
                    r->stats.waiting_keyframe++;
                    send_pli(r, pub, now, sink);
                    continue;
                }
                t->started = true;
            }
            size_t cap;
            uint8_t *buf = sink->buffer(sink->arg, &cap);
            if (!buf) {
                r->stats.drop_no_buffer++;
                continue;
            }
            uint32_t ts;
            size_t len = build_for(r, pub, sub, t, pk, buf, cap, now, &ts);
            if (!len)
                continue;
            t->packets++;
            t->octets += pk->payload_len;
            t->last_ts = ts;
            t->last_at_ms = now;
            r->stats.forwarded++;
            sink->send(sink->arg, sub->user, buf, len, false);
        }
    }
}

static void cache_put(struct source *s, const struct rtp_packet *pk)
{
    if (pk->len > ROUTER_CACHE_BYTES)
        return;
    struct cache_entry *e = &s->cache[pk->seq & (ROUTER_CACHE - 1)];
    e->used = true;
    e->seq = pk->seq;
    e->len = (uint16_t)pk->len;
    memcpy(e->data, pk->data, pk->len);
}

static void new_source(struct source *s, uint32_t ssrc)
{
    struct cache_entry *cache = s->cache;
    memset(s, 0, sizeof *s);
    s->cache = cache;
    s->ssrc = ssrc;
    if (cache)
        for (size_t i = 0; i < ROUTER_CACHE; i++)
            cache[i].used = false;
}

/* RFC 3550 §6.4.1 and A.8: the jitter estimate moves by 1/16 of each new transit difference.
 * A jump of more than a second (a paused encoder, a clock reset) is no jitter: it is capped. */
static void note_transit(struct source *s, enum router_kind kind, uint32_t rtp_ts, int64_t now)
{
    uint32_t rate = clock_rate(kind);
    uint32_t arrival = (uint32_t)((uint64_t)now * rate / 1000);
    int32_t transit = (int32_t)(arrival - rtp_ts);
    if (s->have_transit) {
        int64_t d = (int64_t)transit - s->transit;
        uint32_t ad = (uint32_t)(d < 0 ? -d : d);
        if (ad > rate)
            ad = rate;
        s->jitter_q4 += ad - ((s->jitter_q4 + 8) >> 4);
    }
    s->transit = transit;
    s->have_transit = true;
}

static uint32_t jitter_ms(const struct source *s, enum router_kind kind)
{
    return (uint32_t)((uint64_t)(s->jitter_q4 >> 4) * 1000 / clock_rate(kind));
}

static void note_audio_level(struct router_port *pub, const struct rtp_packet *pk)
{
    bool voice;
    uint8_t level;
    if (!pub->audio_level_id || rtp_ext_audio_level(pk, pub->audio_level_id, &voice, &level) < 0)
        return;
    pub->loud_sum += voice ? 127u - level : 0u;
    pub->loud_n++;
}

/* Asks the publisher again for the video packets that did not arrive (RFC 4585 NACK). */
static void send_nacks(struct router *r, struct router_port *pub, int64_t now,
                       const struct router_sink *sink)
{
    struct source *s = &pub->src[ROUTER_VIDEO];
    if (!s->ssrc || !pub->ready || s->nack.count == 0)
        return;
    uint16_t lost[64];
    size_t n = nackgen_due(&s->nack, now, lost, 64);
    if (n == 0)
        return;
    struct rtcp_writer w;
    uint8_t *buf = rtcp_begin(r, sink, &w);
    if (!buf)
        return;
    if (rtcp_write_nack(&w, pub->rtcp_ssrc, s->ssrc, lost, n) < 0)
        return;
    r->stats.nack_sent += n;
    sink->send(sink->arg, pub->user, buf, w.len, true);
}

void router_on_rtp(struct router *r, struct router_port *from, uint8_t *data, size_t len,
                   int64_t now, const struct router_sink *sink)
{
    if (!from->publisher)
        return; /* subscribers send no media */
    struct rtp_packet pk;
    if (rtp_parse(&pk, data, len) < 0) {
        r->stats.drop_malformed++;
        return;
    }
    r->stats.rtp_in++;
    uint16_t twcc_seq;
    if (from->twcc_id && rtp_ext_twcc_seq(&pk, from->twcc_id, &twcc_seq) == 0)
        twccfb_record(&from->twcc, twcc_seq, now * 1000);
    const struct router_pt *pt = pt_find(from, pk.payload_type);
    if (!pt) {
        r->stats.drop_unknown_pt++;
        return;
    }
    bool repaired = pt->rtx;
    if (pt->rtx) {
        const struct router_pt *orig = pt_find(from, pt->apt);
        struct source *s = orig ? &from->src[orig->kind] : NULL;
        if (!orig || !s->ssrc || pk.payload_len < 2)
            return; /* padding probes come on RTX: nothing to forward */
        if (rtp_rtx_unwrap(&pk, orig->pt, s->ssrc) < 0) {
            r->stats.drop_malformed++;
            return;
        }
        r->stats.rtx_in++;
        const struct cache_entry *e = s->cache ? &s->cache[pk.seq & (ROUTER_CACHE - 1)] : NULL;
        if (e && e->used && e->seq == pk.seq) {
            /* a bandwidth probe repeating what already came: subscribers have it */
            r->stats.rtx_duplicate++;
            return;
        }
        pt = orig;
    }
    struct source *s = &from->src[pt->kind];
    if (pk.ssrc != s->ssrc)
        new_source(s, pk.ssrc);
    int64_t ext = rtp_seq_unwrap(&s->seq, pk.seq);
    if (s->received == 0)
        s->first_ext = ext;
    if (!repaired) {
        s->received++; /* RFC 3550 counts what came on the media SSRC itself */
        note_transit(s, pt->kind, pk.timestamp, now);
    }
    if (pt->kind == ROUTER_AUDIO)
        note_audio_level(from, &pk);
    if (!from->allowed[pt->kind]) {
        r->stats.drop_muted++;
        return;
    }
    if (pt->kind == ROUTER_VIDEO) {
        if (nackgen_received(&s->nack, ext, now))
            r->stats.nack_repaired++;
        send_nacks(r, from, now, sink);
    }
    bool keyframe = false;
    if (pt->kind == ROUTER_VIDEO) {
        cache_put(s, &pk);
        keyframe = is_keyframe_start(pt->codec, &pk);
        if (keyframe) {
            r->stats.keyframes++;
            /* what a pending request asked for; a track still waiting asks again */
            s->pli_pending = false;
        }
    }
    forward(r, from, pt->kind, pt->codec, &pk, keyframe, now, sink);
}

/* ---- RTCP we receive ---- */

static struct track *track_by_ssrc(struct router_port *sub, uint32_t ssrc)
{
    for (size_t i = 0; i < sub->track_count; i++)
        if (sub->tracks[i].t.ssrc == ssrc)
            return &sub->tracks[i];
    return NULL;
}

static void answer_nack(struct router *r, struct router_port *sub, const struct rtcp_fb *fb,
                        int64_t now, const struct router_sink *sink)
{
    struct track *t = track_by_ssrc(sub, fb->media_ssrc);
    uint16_t lost[NACK_ANSWER_MAX];
    size_t n = rtcp_nack_lost(fb, lost, NACK_ANSWER_MAX);
    r->stats.nack_received += n;
    struct router_port *pub = t ? publisher_of(sub->room, t->t.publisher) : NULL;
    struct source *s = pub ? &pub->src[t->t.kind] : NULL;
    if (!s || !s->cache) {
        r->stats.nack_missed += n;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint16_t in_seq;
        struct cache_entry *e = NULL;
        if (rtp_rewriter_unmap_seq(&t->rw, lost[i], &in_seq) == 0) {
            e = &s->cache[in_seq & (ROUTER_CACHE - 1)];
            if (!e->used || e->seq != in_seq)
                e = NULL;
        }
        struct rtp_packet pk;
        if (!e || rtp_parse(&pk, e->data, e->len) < 0 || pk.ssrc != t->rw.in_ssrc) {
            r->stats.nack_missed++;
            continue;
        }
        /* a link too full to carry the media drops what it is resent too: within budget only
         * (the estimate counts once their feedback has acknowledged something) */
        uint32_t estimate = sub->bwe && bwe_acked_bps(sub->bwe) ? bwe_estimate_bps(sub->bwe) : 0;
        if (!rtx_budget_take(&sub->rtx_budget, estimate, e->len + RTPSEC_RTP_OVERHEAD_MAX,
                             now * 1000)) {
            r->stats.nack_over_budget++;
            continue;
        }
        size_t cap;
        uint8_t *buf = sink->buffer(sink->arg, &cap);
        if (!buf) {
            r->stats.drop_no_buffer++;
            return;
        }
        uint32_t ts;
        size_t len = build_for(r, pub, sub, t, &pk, buf, cap, now, &ts);
        if (len && t->t.rtx_ssrc) {
            /* its own SSRC and numbering, so the SRTP index is never used twice */
            struct rtp_packet out;
            if (rtp_parse(&out, buf, len) < 0 ||
                rtp_rtx_wrap(&out, cap, t->t.rtx_pt, t->t.rtx_ssrc, t->rtx_seq++) < 0)
                len = 0;
            else
                len = out.len;
        }
        if (!len) {
            r->stats.nack_missed++;
            continue;
        }
        r->stats.nack_recovered++;
        sink->send(sink->arg, sub->user, buf, len, false);
    }
}

/* A subscriber's receiver report about one of our tracks, for the quality window: how many
 * of the packets we sent since their last report they got (a gap the publisher's own link
 * left is in neither count), their jitter beyond what came in, and the round trip. */
static void note_report(struct router_port *sub, struct track *t, const struct rtcp_report_block *b,
                        int64_t now)
{
    if (t->rr_seen) {
        uint32_t expected = b->highest_seq - t->rr_highest;
        int64_t got = (int64_t)expected - ((int64_t)b->cumulative_lost - t->rr_lost);
        int64_t sent = (int64_t)(t->packets - t->rr_packets);
        /* a report from before the last (reordered), or a restarted receiver: skip it */
        if (expected < 0x8000u && got >= 0) {
            sub->q_sent += sent;
            sub->q_got += got;
        }
    }
    t->rr_seen = true;
    t->rr_highest = b->highest_seq;
    t->rr_lost = b->cumulative_lost;
    t->rr_packets = t->packets;

    sub->q_reported = true;
    if (t->t.kind == ROUTER_AUDIO) { /* as on the way in: video's bursts are no jitter */
        uint32_t jitter = (uint32_t)((uint64_t)b->jitter * 1000 / clock_rate(ROUTER_AUDIO));
        struct router_port *pub = publisher_of(sub->room, t->t.publisher);
        uint32_t inherited = pub ? jitter_ms(&pub->src[ROUTER_AUDIO], ROUTER_AUDIO) : 0;
        jitter = jitter > inherited ? jitter - inherited : 0;
        if (jitter > sub->q_jitter_ms)
            sub->q_jitter_ms = jitter;
    }

    if (b->lsr) {
        /* RFC 3550 §6.4.1: now - LSR - DLSR, in 1/65536 s, on our own clock */
        uint32_t mid = (uint32_t)(ntp_of(now) >> 16);
        uint32_t rtt = mid - b->lsr - b->dlsr;
        if (rtt < 0x80000000u) {
            sub->rtt_ms = (int32_t)(((uint64_t)rtt * 1000) >> 16);
            if (sub->bwe)
                bwe_on_rtt(sub->bwe, (int64_t)sub->rtt_ms * 1000);
        }
    }
}

static void note_reports(struct router_port *sub, const struct rtcp_report_block *blocks,
                         size_t count, int64_t now)
{
    for (size_t i = 0; i < count; i++) {
        struct track *t = track_by_ssrc(sub, blocks[i].ssrc);
        if (t)
            note_report(sub, t, &blocks[i], now);
    }
}

void router_on_rtcp(struct router *r, struct router_port *from, const uint8_t *data, size_t len,
                    int64_t now, const struct router_sink *sink)
{
    r->stats.rtcp_in++;
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, data, len);
    int rc;
    while ((rc = rtcp_iter_next(&it, &p)) == 1) {
        enum rtcp_kind kind = rtcp_kind(&p);
        struct rtcp_fb fb;
        if (from->publisher) {
            struct rtcp_sr sr;
            if (kind == RTCP_KIND_SR && rtcp_parse_sr(&p, &sr) == 0) {
                for (int k = 0; k < 2; k++) {
                    if (from->src[k].ssrc == sr.ssrc) {
                        from->src[k].sr_mid = (uint32_t)(sr.ntp >> 16);
                        from->src[k].sr_at_ms = now;
                    }
                }
            }
            continue;
        }
        struct rtcp_rr rr;
        struct rtcp_sr sr;
        if (kind == RTCP_KIND_RR && rtcp_parse_rr(&p, &rr) == 0) {
            note_reports(from, rr.reports, rr.report_count, now);
        } else if (kind == RTCP_KIND_SR && rtcp_parse_sr(&p, &sr) == 0) {
            note_reports(from, sr.reports, sr.report_count, now);
        } else if ((kind == RTCP_KIND_PLI && rtcp_parse_pli(&p, &fb) == 0) ||
                   (kind == RTCP_KIND_FIR && rtcp_parse_fir(&p, &fb) == 0)) {
            uint32_t ssrc = fb.media_ssrc;
            if (kind == RTCP_KIND_FIR && rtcp_fir_count(&fb) > 0) {
                uint8_t seq_nr;
                rtcp_fir_entry(&fb, 0, &ssrc, &seq_nr);
            }
            struct track *t = track_by_ssrc(from, ssrc);
            r->stats.pli_received++;
            if (t && t->t.kind == ROUTER_VIDEO)
                request_keyframe(r, from->room, t->t.publisher, now, sink);
        } else if (kind == RTCP_KIND_NACK && rtcp_parse_nack(&p, &fb) == 0) {
            answer_nack(r, from, &fb, now, sink);
        } else if (kind == RTCP_KIND_TWCC && from->bwe &&
                   twcc_parse(&p, &r->twcc_scratch) == 0) {
            r->stats.twcc_received++;
            bwe_on_feedback(from->bwe, &r->twcc_scratch, now * 1000);
        }
    }
    if (rc < 0)
        r->stats.drop_malformed++;
}

/* ---- timers ---- */

static void send_reports(struct router *r, struct router_port *p, int64_t now,
                         const struct router_sink *sink)
{
    struct rtcp_writer w;
    uint8_t *buf = rtcp_begin(r, sink, &w);
    if (!buf)
        return;
    if (p->publisher) {
        struct rtcp_rr rr = {.ssrc = p->rtcp_ssrc};
        for (int k = 0; k < 2; k++) {
            struct source *s = &p->src[k];
            if (!s->ssrc || !s->received)
                continue;
            uint64_t expected = (uint64_t)(s->seq.max - s->first_ext + 1);
            uint64_t exp_int = expected - s->expected_prior;
            uint64_t rec_int = s->received - s->received_prior;
            s->expected_prior = expected;
            s->received_prior = s->received;
            int64_t lost_int = (int64_t)exp_int - (int64_t)rec_int;
            int64_t cumulative = (int64_t)expected - (int64_t)s->received;
            struct rtcp_report_block *b = &rr.reports[rr.report_count++];
            b->ssrc = s->ssrc;
            b->fraction_lost =
                exp_int && lost_int > 0 ? (uint8_t)((lost_int << 8) / (int64_t)exp_int) : 0;
            b->cumulative_lost = cumulative > 0x7fffff ? 0x7fffff
                                 : cumulative < -0x800000 ? -0x800000
                                                          : (int32_t)cumulative;
            b->highest_seq = (uint32_t)s->seq.max;
            b->jitter = s->jitter_q4 >> 4;
            b->lsr = s->sr_mid;
            b->dlsr = s->sr_at_ms ? (uint32_t)(((now - s->sr_at_ms) * 65536) / 1000) : 0;
        }
        if (rr.report_count == 0 || rtcp_write_rr(&w, &rr) < 0)
            return;
        r->stats.rr_sent++;
    } else {
        uint64_t ntp = ntp_of(now);
        const char *cname = NULL;
        uint32_t first = 0;
        for (size_t i = 0; i < p->track_count; i++) {
            struct track *t = &p->tracks[i];
            if (!t->packets)
                continue;
            uint32_t rate = clock_rate(t->t.kind);
            struct rtcp_sr sr = {
                .ssrc = t->t.ssrc,
                .ntp = ntp,
                .rtp_timestamp = t->last_ts + (uint32_t)((now - t->last_at_ms) * rate / 1000),
                .packet_count = (uint32_t)t->packets,
                .octet_count = (uint32_t)t->octets,
            };
            if (rtcp_write_sr(&w, &sr) < 0) {
                /* full (dozens of tracks): send this compound, go on in a new one */
                if (w.len == 0)
                    break;
                if (cname)
                    (void)rtcp_write_sdes_cname(&w, first, cname);
                sink->send(sink->arg, p->user, buf, w.len, true);
                cname = NULL;
                if (!(buf = rtcp_begin(r, sink, &w)) || rtcp_write_sr(&w, &sr) < 0)
                    return;
            }
            r->stats.sr_sent++;
            if (!cname && t->cname[0]) {
                cname = t->cname;
                first = t->t.ssrc;
            }
        }
        if (w.len == 0)
            return;
        if (cname)
            (void)rtcp_write_sdes_cname(&w, first, cname);
    }
    sink->send(sink->arg, p->user, buf, w.len, true);
}

/* Transport-wide feedback: what arrived when, for the publisher's bandwidth estimate. */
static void send_twcc(struct router *r, struct router_port *pub, int64_t now,
                      const struct router_sink *sink)
{
    if (!pub->twcc_id || twccfb_deadline(&pub->twcc) > now)
        return;
    uint32_t media = pub->src[ROUTER_VIDEO].ssrc ? pub->src[ROUTER_VIDEO].ssrc
                                                 : pub->src[ROUTER_AUDIO].ssrc;
    struct rtcp_writer w;
    uint8_t *buf = rtcp_begin(r, sink, &w);
    if (!buf)
        return;
    if (twccfb_write(&pub->twcc, now, &w, pub->rtcp_ssrc, media) != 1)
        return;
    r->stats.twcc_sent++;
    sink->send(sink->arg, pub->user, buf, w.len, true);
}

static void speaker_window(struct router *r, struct room *rm, const struct router_sink *sink)
{
    uint32_t best = 0, best_loud = 0;
    for (struct router_port *p = rm->ports; p; p = p->next) {
        if (!p->publisher)
            continue;
        uint32_t loud = p->loud_n ? p->loud_sum / p->loud_n : 0;
        p->loud_sum = p->loud_n = 0;
        if (p->allowed[ROUTER_AUDIO] && loud >= SPEAKER_FLOOR && loud > best_loud) {
            best_loud = loud;
            best = p->participant;
        }
    }
    if (rm->speaker && !publisher_of(rm, rm->speaker)) {
        /* the speaker left: nobody, until someone else speaks */
        rm->speaker = 0;
        r->stats.speaker_changes++;
        if (sink->speaker)
            sink->speaker(sink->arg, rm->id, 0);
    }
    if (!best || best == rm->speaker) {
        rm->streak = 0;
        return;
    }
    if (best == rm->candidate)
        rm->streak++;
    else {
        rm->candidate = best;
        rm->streak = 1;
    }
    if (rm->streak >= SPEAKER_STREAK) {
        rm->speaker = best;
        rm->streak = 0;
        r->stats.speaker_changes++;
        if (sink->speaker)
            sink->speaker(sink->arg, rm->id, best);
    }
}

/* What a publish port saw come in since the last window. */
static void quality_up(struct router_port *pub, struct router_quality *q)
{
    uint64_t expected_sum = 0;
    int64_t lost_sum = 0;
    for (int k = 0; k < 2; k++) {
        struct source *s = &pub->src[k];
        if (!s->ssrc || !s->received)
            continue;
        uint64_t expected = (uint64_t)(s->seq.max - s->first_ext + 1);
        uint64_t exp_int = expected - s->q_expected_prior;
        uint64_t rec_int = s->received - s->q_received_prior;
        s->q_expected_prior = expected;
        s->q_received_prior = s->received;
        if (exp_int == 0)
            continue; /* stopped: its jitter is old news */
        expected_sum += exp_int;
        lost_sum += (int64_t)exp_int - (int64_t)rec_int;
        /* audio's only: a video frame goes out as a burst of packets with one timestamp,
         * paced over tens of ms, which the RFC 3550 formula takes for jitter */
        if (k == ROUTER_AUDIO)
            q->jitter_up_ms = jitter_ms(s, ROUTER_AUDIO);
    }
    if (expected_sum == 0)
        return;
    q->up = true;
    q->loss_up_permille = lost_sum > 0 ? (uint16_t)((uint64_t)lost_sum * 1000 / expected_sum) : 0;
}

/* What a subscribe port's receiver reports said since the last window. */
static void quality_down(struct router_port *sub, struct router_quality *q)
{
    if (sub->rtt_ms >= 0)
        q->rtt_ms = sub->rtt_ms;
    /* only once their feedback has acknowledged something: before, it is our guess */
    if (sub->bwe && bwe_acked_bps(sub->bwe) > 0)
        q->estimate_kbps = bwe_estimate_bps(sub->bwe) / 1000;
    if (!sub->q_reported)
        return;
    q->down = true;
    int64_t lost = sub->q_sent - sub->q_got;
    q->loss_down_permille = sub->q_sent > 0 && lost > 0 ? (uint16_t)(lost * 1000 / sub->q_sent) : 0;
    q->jitter_down_ms = sub->q_jitter_ms;
    sub->q_reported = false;
    sub->q_sent = sub->q_got = 0;
    sub->q_jitter_ms = 0;
}

/* One summary per participant (their publish and subscribe ports together). */
static void quality_window(struct router *r, struct room *rm, const struct router_sink *sink)
{
    for (struct router_port *p = rm->ports; p; p = p->next) {
        bool seen = false;
        for (struct router_port *o = rm->ports; o != p && !seen; o = o->next)
            seen = o->participant == p->participant;
        if (seen)
            continue;
        struct router_quality q = {.rtt_ms = -1};
        for (struct router_port *o = p; o; o = o->next) {
            if (o->participant != p->participant)
                continue;
            if (o->publisher)
                quality_up(o, &q);
            else
                quality_down(o, &q);
        }
        assert(q.loss_up_permille <= 1000 && q.loss_down_permille <= 1000);
        if (!q.up && !q.down && !q.estimate_kbps)
            continue;
        r->stats.quality_reports++;
        if (sink->quality)
            sink->quality(sink->arg, rm->id, p->participant, &q);
    }
}

/* Padding goes on the RTX stream of a video track that is under way (the browser knows
 * that SSRC from the offer and has seen its media). */
static struct track *padding_track(struct router_port *sub)
{
    for (size_t i = 0; i < sub->track_count; i++) {
        struct track *t = &sub->tracks[i];
        if (t->t.kind == ROUTER_VIDEO && t->t.rtx_ssrc && t->started && t->packets)
            return t;
    }
    return NULL;
}

/* A probe cluster the estimator asks for, topped up with padding at its pace. Returns when
 * to come back, in ms (INT64_MAX: nothing under way). */
static int64_t send_probe(struct router *r, struct router_port *sub, int64_t now,
                          const struct router_sink *sink)
{
    int64_t now_us = now * 1000;
    struct track *t = padding_track(sub);
    if (!t || !sub->bwe)
        return INT64_MAX;
    if (!sub->prober.active) {
        struct bwe_probe want;
        if (!bwe_probe_wanted(sub->bwe, now_us, &want))
            return INT64_MAX;
        probe_pacer_start(&sub->prober, want.bitrate_bps, want.bytes, now_us);
        r->stats.probes++;
    }
    size_t due = probe_pacer_due(&sub->prober, now_us);
    const size_t overhead = 20 + RTPSEC_RTP_OVERHEAD_MAX; /* header, extension, SRTP */
    while (due > overhead) {
        size_t padding = due - overhead > PROBE_PADDING_MAX ? PROBE_PADDING_MAX : due - overhead;
        size_t cap;
        uint8_t *buf = sink->buffer(sink->arg, &cap);
        if (!buf) {
            r->stats.drop_no_buffer++;
            break;
        }
        uint16_t twcc = sub->twcc_next++;
        size_t len = probe_padding_write(buf, cap, t->t.rtx_pt, t->t.rtx_ssrc, t->rtx_seq++,
                                         t->last_ts, SDP_ID_TWCC, twcc, padding);
        if (!len)
            break;
        size_t wire = len + RTPSEC_RTP_OVERHEAD_MAX;
        bwe_on_sent(sub->bwe, twcc, wire, now_us);
        probe_pacer_sent(&sub->prober, wire);
        r->stats.padding_sent++;
        sink->send(sink->arg, sub->user, buf, len, false);
        due = due > wire ? due - wire : 0;
    }
    int64_t at = probe_pacer_deadline(&sub->prober);
    return at == INT64_MAX ? at : (at + 999) / 1000;
}

int64_t router_tick(struct router *r, int64_t now, const struct router_sink *sink)
{
    int64_t next = now + ROUTER_SPEAKER_WINDOW_MS;
    for (struct room *rm = r->rooms; rm; rm = rm->next) {
        if (now - rm->speaker_at_ms >= ROUTER_SPEAKER_WINDOW_MS) {
            rm->speaker_at_ms = now;
            speaker_window(r, rm, sink);
        }
        if (now - rm->quality_at_ms >= ROUTER_QUALITY_INTERVAL_MS) {
            rm->quality_at_ms = now;
            quality_window(r, rm, sink);
        }
        for (struct router_port *p = rm->ports; p; p = p->next) {
            if (!p->ready)
                continue;
            if (p->publisher && p->src[ROUTER_VIDEO].pli_pending)
                send_pli(r, p, now, sink);
            if (p->publisher) {
                /* retries of what is still missing, paced by nackgen */
                send_nacks(r, p, now, sink);
                send_twcc(r, p, now, sink);
                int64_t due = nackgen_deadline(&p->src[ROUTER_VIDEO].nack);
                int64_t fb = twccfb_deadline(&p->twcc);
                if (fb < due)
                    due = fb;
                if (due < next)
                    next = due > now ? due : now + 1;
            }
            if (!p->publisher) {
                int64_t probe_at = send_probe(r, p, now, sink);
                if (probe_at < next)
                    next = probe_at > now ? probe_at : now + 1;
                /* a keyframe that never came (lost, or asked for too early): ask again */
                for (size_t i = 0; i < p->track_count; i++)
                    if (track_waits(p, &p->tracks[i]))
                        request_keyframe(r, rm, p->tracks[i].t.publisher, now, sink);
            }
            if (now - p->report_at_ms >= ROUTER_REPORT_INTERVAL_MS) {
                p->report_at_ms = now;
                send_reports(r, p, now, sink);
            }
        }
    }
    return next;
}

#include "sfu/router.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sfu/router_internal.h"
#include "sfu/probe.h"
#include "sfu/rtpsec.h"
#include "sfu/sdp.h"

#define SPEAKER_FLOOR 40          /* mean loudness (127 - dBov, silence 0) to count as speech */
#define SPEAKER_STREAK 2          /* windows a new speaker must lead */

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
    router_views_free(rm);
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

static void port_free(struct router_port *p)
{
    for (int k = 0; p->src && k < SRC_COUNT; k++) {
        rtp_cache_free(p->src[k].cache);
        free(p->src[k].nack);
    }
    free(p->src);
    free(p->twcc);
    free(p->tracks);
    free(p->bwe);
    free(p);
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
            port_free(p);
        }
        router_views_free(rm);
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
    p->src = xcalloc(SRC_COUNT, sizeof *p->src);
    p->twcc = xcalloc(1, sizeof *p->twcc);
    memcpy(p->pts, pp->pts, pp->pt_count * sizeof pp->pts[0]);
    p->pt_count = pp->pt_count;
    p->audio_level_id = pp->audio_level_id;
    p->twcc_id = pp->twcc_id;
    if (pp->audio_level_id)
        p->map_level[pp->audio_level_id] = SDP_ID_AUDIO_LEVEL;
    /* kept, under the id every subscribe offer gives it, and renumbered per subscriber */
    if (pp->twcc_id)
        p->map_level[pp->twcc_id] = p->map_none[pp->twcc_id] = SDP_ID_TWCC;
    size_t rids = pp->rid_count <= ROUTER_LAYERS ? pp->rid_count : ROUTER_LAYERS;
    p->layer_count = rids > 1 ? rids : 1;
    for (size_t l = 0; l < rids; l++) {
        memcpy(p->rids[l], pp->rids[l], ROUTER_RID_MAX);
        p->rids[l][ROUTER_RID_MAX - 1] = 0;
    }
    p->rid_id = rids > 1 ? pp->rid_id : 0;
    p->repaired_rid_id = rids > 1 ? pp->repaired_rid_id : 0;
    p->layers_told = (1u << p->layer_count) - 1; /* the page starts with every layer on */
    /* audio is not repaired, and only the layers the publisher sends are: the others
     * have neither a NACK generator nor a cache */
    for (size_t l = 0; l < p->layer_count; l++) {
        p->src[SRC_VIDEO(l)].cache = rtp_cache_new();
        p->src[SRC_VIDEO(l)].nack = xcalloc(1, sizeof *p->src[SRC_VIDEO(l)].nack);
    }
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
    port_free(p);
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
    struct track *next = count ? xcalloc(count, sizeof *next) : NULL;
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
            n->layer = n->target = 0;
        }
    }
    assert(count <= ROUTER_MAX_TRACKS);
    free(p->tracks);
    p->tracks = next;
    p->track_count = count;
    return 0;
}

struct router_port *router_publisher_of(struct room *rm, uint32_t participant)
{
    for (struct router_port *p = rm->ports; p; p = p->next)
        if (p->publisher && p->participant == participant)
            return p;
    return NULL;
}

/* ---- keyframes ---- */

void router_request_keyframe(struct router *r, struct room *rm, uint32_t publisher, int layer,
                             int64_t now, const struct router_sink *sink)
{
    struct router_port *pub = router_publisher_of(rm, publisher);
    /* video the host stopped is not forwarded: a keyframe now would be thrown away */
    if (pub && pub->allowed[ROUTER_VIDEO] && layer >= 0 && (size_t)layer < pub->layer_count)
        router_send_pli(r, pub, layer, now, sink);
}

/* Never one of the subscriber's own: forward() sends a participant nothing of theirs, so
 * that track would ask for keyframes forever. A paused track waits for nothing. */
bool router_track_waits(const struct router_port *sub, const struct track *t)
{
    return t->t.kind == ROUTER_VIDEO && t->t.publisher != sub->participant &&
           t->target != SIMULCAST_PAUSED && (!t->started || t->layer != t->target);
}

void router_port_ready(struct router *r, struct router_port *p, int64_t now,
                       const struct router_sink *sink)
{
    p->ready = true;
    if (p->publisher) {
        for (size_t l = 0; l < p->layer_count; l++)
            if (p->src[SRC_VIDEO(l)].pli_pending)
                router_send_pli(r, p, (int)l, now, sink);
        return;
    }
    /* the first layers chosen before the first packet, so a track starts on the right one */
    router_layers_decide(r, p, now, sink);
    for (size_t i = 0; i < p->track_count; i++)
        if (router_track_waits(p, &p->tracks[i]))
            router_request_keyframe(r, p->room, p->tracks[i].t.publisher, p->tracks[i].target,
                                    now, sink);
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

void router_set_view(struct router *r, uint64_t room, uint32_t subscriber, uint32_t publisher,
                     uint16_t width, uint16_t height)
{
    struct room *rm = room_get(r, room);
    struct view *v = NULL;
    for (size_t i = 0; i < rm->view_count && !v; i++)
        if (rm->views[i].subscriber == subscriber && rm->views[i].publisher == publisher)
            v = &rm->views[i];
    if (!v) {
        if (rm->view_count == rm->view_cap) {
            rm->view_cap = rm->view_cap ? 2 * rm->view_cap : 8;
            rm->views = xrealloc(rm->views, rm->view_cap * sizeof *rm->views);
        }
        v = &rm->views[rm->view_count++];
        v->subscriber = subscriber;
        v->publisher = publisher;
    }
    v->width = width;
    v->height = height;
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

/* A keyframe's first packet; a VP8 one also tells the layer's size. */
static bool is_keyframe_start(enum router_codec codec, const struct rtp_packet *pk,
                              struct source *s)
{
    if (codec == ROUTER_VP8) {
        struct rtp_vp8 v;
        if (rtp_vp8_parse(pk->payload, pk->payload_len, &v) < 0 || !v.keyframe)
            return false;
        if (v.width && v.height) {
            s->width = v.width;
            s->height = v.height;
        }
        return true;
    }
    if (codec == ROUTER_H264)
        return rtp_h264_is_keyframe(pk->payload, pk->payload_len);
    return false;
}

/* Copies a publisher's packet into a buffer for one track and rewrites it for that
 * subscriber. Returns the length, or 0 when it is not to be sent. */
size_t router_build_for(struct router *r, const struct router_port *pub, struct router_port *sub,
                        struct track *t, const struct rtp_packet *pk, uint8_t *buf, size_t cap,
                        int64_t now, uint32_t *out_ts)
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
    /* picture ids continue across layer switches (a NACK's answer carries the same) */
    if (t->t.codec == ROUTER_VP8 && t->t.kind == ROUTER_VIDEO &&
        vp8_rewriter_apply(&t->vp8, out.payload, out.payload_len) < 0) {
        r->stats.drop_malformed++;
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

/* Whether a video packet of this layer goes to the track now: its current layer, or the
 * layer it waits for at a keyframe (then the track starts or switches to it). */
static bool take_layer(struct router *r, struct router_port *pub, struct track *t, int layer,
                       uint32_t ssrc, bool keyframe, int64_t now, const struct router_sink *sink)
{
    if (t->target == SIMULCAST_PAUSED)
        return false; /* audio first: this subscriber's link cannot carry it */
    /* a new source (encoder restart, another SSRC after a rejoin) can only be joined at a
     * keyframe: its deltas refer to frames the subscriber never had */
    if (t->started && layer == t->layer && t->rw.started && t->rw.in_ssrc != ssrc)
        t->started = false;
    if (t->started && layer == t->layer)
        return true;
    if (layer != t->target)
        return false; /* another layer, or the old one while it still waits */
    if (!keyframe) {
        if (!t->started) {
            r->stats.waiting_keyframe++;
            router_send_pli(r, pub, layer, now, sink);
        }
        return false;
    }
    if (t->started)
        r->stats.layer_switches++;
    t->started = true;
    t->layer = layer;
    vp8_rewriter_switch(&t->vp8);
    return true;
}

static void forward(struct router *r, struct router_port *pub, enum router_kind kind,
                    enum router_codec codec, int layer, const struct rtp_packet *pk,
                    bool keyframe, int64_t now, const struct router_sink *sink)
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
            if (kind == ROUTER_VIDEO &&
                !take_layer(r, pub, t, layer, pk->ssrc, keyframe, now, sink))
                continue;
            size_t cap;
            uint8_t *buf = sink->buffer(sink->arg, &cap);
            if (!buf) {
                r->stats.drop_no_buffer++;
                continue;
            }
            uint32_t ts;
            size_t len = router_build_for(r, pub, sub, t, pk, buf, cap, now, &ts);
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

static void new_source(struct source *s, uint32_t ssrc)
{
    struct rtp_cache *cache = s->cache;
    struct nackgen *nack = s->nack;
    memset(s, 0, sizeof *s);
    s->cache = cache;
    s->nack = nack;
    s->ssrc = ssrc;
    if (cache)
        rtp_cache_clear(cache);
    if (nack)
        memset(nack, 0, sizeof *nack);
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

uint32_t router_jitter_ms(const struct source *s, enum router_kind kind)
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

/* The layer a RID names, or -1. */
static int layer_named(const struct router_port *pub, const char *rid, size_t len)
{
    for (size_t l = 0; l < pub->layer_count; l++)
        if (strlen(pub->rids[l]) == len && memcmp(pub->rids[l], rid, len) == 0)
            return (int)l;
    return -1;
}

/* Which source a packet (rtx: a retransmission, still wrapped) belongs to: audio's, or a
 * video layer's by its SSRC, else by the RID the packet names (RFC 8852: the first packets
 * of a stream carry it), which files the SSRC under that layer. -1: a simulcast packet of
 * no known layer. Without simulcast, video has one source whatever its SSRC. */
static int source_of(struct router_port *pub, enum router_kind kind, const struct rtp_packet *pk,
                     bool rtx)
{
    if (kind == ROUTER_AUDIO)
        return SRC_AUDIO;
    if (pub->layer_count == 1 && !pub->rid_id)
        return SRC_VIDEO(0);
    for (size_t l = 0; l < pub->layer_count; l++) {
        const struct source *s = &pub->src[SRC_VIDEO(l)];
        if (rtx ? s->rtx_ssrc == pk->ssrc : s->ssrc == pk->ssrc && s->ssrc)
            return SRC_VIDEO(l);
    }
    const char *rid;
    size_t len;
    uint8_t id = rtx ? pub->repaired_rid_id : pub->rid_id;
    if (!id || rtp_ext_string(pk, id, &rid, &len) < 0)
        return -1;
    int l = layer_named(pub, rid, len);
    if (l < 0)
        return -1;
    if (rtx)
        pub->src[SRC_VIDEO(l)].rtx_ssrc = pk->ssrc;
    return SRC_VIDEO(l); /* a new SSRC for a layer: the caller starts it afresh */
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
        twccfb_record(from->twcc, twcc_seq, now * 1000);
    const struct router_pt *pt = pt_find(from, pk.payload_type);
    if (!pt) {
        r->stats.drop_unknown_pt++;
        return;
    }
    bool repaired = pt->rtx;
    if (pt->rtx) {
        const struct router_pt *orig = pt_find(from, pt->apt);
        int k = orig ? source_of(from, orig->kind, &pk, true) : -1;
        struct source *s = k >= 0 ? &from->src[k] : NULL;
        if (!s || !s->ssrc || pk.payload_len < 2)
            return; /* padding probes come on RTX: nothing to forward */
        if (rtp_rtx_unwrap(&pk, orig->pt, s->ssrc) < 0) {
            r->stats.drop_malformed++;
            return;
        }
        r->stats.rtx_in++;
        if (s->cache && rtp_cache_holds(s->cache, pk.seq)) {
            /* a bandwidth probe repeating what already came: subscribers have it */
            r->stats.rtx_duplicate++;
            return;
        }
        pt = orig;
    }
    int k = source_of(from, pt->kind, &pk, false);
    if (k < 0) {
        r->stats.drop_unknown_layer++;
        return;
    }
    struct source *s = &from->src[k];
    if (pk.ssrc != s->ssrc)
        new_source(s, pk.ssrc);
    int64_t ext = rtp_seq_unwrap(&s->seq, pk.seq);
    if (s->received == 0)
        s->first_ext = ext;
    if (!repaired) {
        s->received++; /* RFC 3550 counts what came on the media SSRC itself */
        s->rate_bytes += pk.len;
        s->last_at_ms = now;
        note_transit(s, pt->kind, pk.timestamp, now);
    }
    if (pt->kind == ROUTER_AUDIO)
        note_audio_level(from, &pk);
    if (!from->allowed[pt->kind]) {
        r->stats.drop_muted++;
        return;
    }
    int layer = k - SRC_VIDEO(0);
    if (pt->kind == ROUTER_VIDEO) {
        assert(s->nack && s->cache); /* a video source is one of the layers set up */
        if (nackgen_received(s->nack, ext, now))
            r->stats.nack_repaired++;
        router_send_nacks(r, from, layer, now, sink);
    }
    bool keyframe = false;
    if (pt->kind == ROUTER_VIDEO) {
        rtp_cache_put(s->cache, pk.seq, pk.data, pk.len, now);
        keyframe = is_keyframe_start(pt->codec, &pk, s);
        if (keyframe) {
            r->stats.keyframes++;
            /* what a pending request asked for; a track still waiting asks again */
            s->pli_pending = false;
        }
    }
    forward(r, from, pt->kind, pt->codec, layer, &pk, keyframe, now, sink);
}

/* ---- RTCP we receive ---- */

struct track *router_track_by_ssrc(struct router_port *sub, uint32_t ssrc)
{
    for (size_t i = 0; i < sub->track_count; i++)
        if (sub->tracks[i].t.ssrc == ssrc)
            return &sub->tracks[i];
    return NULL;
}

/* ---- timers ---- */

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
    if (rm->speaker && !router_publisher_of(rm, rm->speaker)) {
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

/* Padding goes on the RTX stream of a video track that has carried media (the browser
 * knows that SSRC from the offer and has seen the track's media); a paused one will do:
 * probing is how the room to resume it is found. */
static struct track *padding_track(struct router_port *sub)
{
    for (size_t i = 0; i < sub->track_count; i++) {
        struct track *t = &sub->tracks[i];
        if (t->t.kind == ROUTER_VIDEO && t->t.rtx_ssrc && t->packets)
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

/* Sizes the room's NACK caches. Any subscriber of the room may ask for any publisher's
 * packets again, so every cache keeps the window the slowest of them needs: one round trip
 * each is measured (their receiver reports), not one per pair. */
static void tune_caches(struct room *rm)
{
    int32_t rtt = -1;
    for (const struct router_port *p = rm->ports; p; p = p->next)
        if (!p->publisher && p->rtt_ms > rtt)
            rtt = p->rtt_ms;
    uint32_t window = rtp_cache_window_ms(rtt);
    for (struct router_port *p = rm->ports; p; p = p->next)
        for (size_t l = 0; p->publisher && l < p->layer_count; l++) {
            struct source *s = &p->src[SRC_VIDEO(l)];
            rtp_cache_tune(s->cache, s->bitrate_bps, window);
        }
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
            router_quality_window(r, rm, sink);
        }
        router_layers_tick(r, rm, now, sink);
        if (now - rm->cache_at_ms >= ROUTER_RATE_WINDOW_MS) {
            rm->cache_at_ms = now; /* the bitrates are measured as often */
            tune_caches(rm);
        }
        for (struct router_port *p = rm->ports; p; p = p->next) {
            if (!p->ready)
                continue;
            if (p->publisher) {
                int64_t due = twccfb_deadline(p->twcc);
                for (size_t l = 0; l < p->layer_count; l++) {
                    if (p->src[SRC_VIDEO(l)].pli_pending)
                        router_send_pli(r, p, (int)l, now, sink);
                    /* retries of what is still missing, paced by nackgen */
                    router_send_nacks(r, p, (int)l, now, sink);
                    int64_t nack = nackgen_deadline(p->src[SRC_VIDEO(l)].nack);
                    if (nack < due)
                        due = nack;
                }
                router_send_twcc(r, p, now, sink);
                if (due < next)
                    next = due > now ? due : now + 1;
            }
            if (!p->publisher) {
                int64_t probe_at = send_probe(r, p, now, sink);
                if (probe_at < next)
                    next = probe_at > now ? probe_at : now + 1;
                /* a keyframe that never came (lost, or asked for too early), or one a
                 * switch waits for: ask again */
                for (size_t i = 0; i < p->track_count; i++)
                    if (router_track_waits(p, &p->tracks[i]))
                        router_request_keyframe(r, rm, p->tracks[i].t.publisher,
                                                p->tracks[i].target, now, sink);
            }
            if (now - p->report_at_ms >= ROUTER_REPORT_INTERVAL_MS) {
                p->report_at_ms = now;
                router_send_reports(r, p, now, sink);
            }
        }
    }
    if (next > now + SIMULCAST_INTERVAL_MS)
        next = now + SIMULCAST_INTERVAL_MS;
    return next;
}

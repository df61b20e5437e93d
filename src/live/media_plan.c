#include "live/media_plan.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "sfu/limits.h"
#include "sfu/peer.h"
#include "sfu/sdp.h"

#define PEER_SEQ_BITS 24 /* a plan's peer ids: room_id << 24 | a sequence number */

struct sub_track {
    int publisher, gen;
    enum router_kind kind;
    enum router_codec codec;
    uint32_t ssrc, rtx_ssrc;
    char mid[8];
    char stream_id[40], track_id[48];
    bool active;
    bool screen; /* the publisher's shared screen, not their camera */
};

struct member {
    int id;
    uint64_t conn;
    bool present;    /* seen in this sync */
    bool audio_only; /* receives audio alone (the room's word) */
    /* publish transport */
    uint64_t pub_peer;
    int pub_gen;
    bool pub_audio, pub_video;
    enum router_codec pub_video_codec;
    char pub_rids[ROUTER_LAYERS][ROUTER_RID_MAX]; /* simulcast layers, lowest first */
    size_t pub_rid_count;
    char pub_fingerprint[256]; /* "<alg> <value>" of the offer, for ICE restarts */
    uint64_t pub_session;
    int pub_version;
    /* a shared screen: a publish transport of its own ("a shared screen" below) */
    bool may_share;
    uint64_t screen_peer;
    int screen_gen;
    enum router_codec screen_codec;
    /* subscribe transport */
    uint64_t sub_peer;
    char sub_ufrag[16], sub_pwd[40];
    uint64_t sub_session;
    /* grown as others appear (a room of 4 has 6 of the 56 a transport may hold) */
    struct sub_track *tracks;
    size_t track_count, track_cap;
    size_t offered_count; /* the tracks the pending offer was written for */
    bool offered_active[MEDIA_SUB_MAX_TRACKS];
    int version;
    bool pending, dirty, reset;
    bool ice_restart;    /* the next offer renews the ICE credentials on the same transport */
    bool awaiting_ufrag; /* the answer to that offer brings the browser's new ufrag */
};

struct media_plan {
    uint64_t room_id;
    const struct media_local *local;
    struct media_counters *n;
    media_rand_fn *rand;
    uint64_t peer_seq;
    struct member members[MEETING_MAX_PEOPLE];
    size_t count;
    bool loopback; /* a check room: its one person receives their own media back */
};

/* ---- plumbing ---- */

static void send_error(struct live_effects *fx, uint64_t conn, const char *code,
                       const char *message)
{
    live_fx_error(fx, conn, code, message);
}

/* ICE credentials from [a-zA-Z0-9] only: base64url's '-' and '_' are not ice-chars. */
static void ice_credential(struct media_plan *p, char *out, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t bytes[64];
    assert(len < sizeof bytes);
    p->rand(bytes, len);
    for (size_t i = 0; i < len; i++)
        out[i] = alphabet[bytes[i] % 62]; /* the bias of 256 % 62 is irrelevant here */
    out[len] = 0;
}

static uint32_t random_ssrc(struct media_plan *p)
{
    uint32_t x = 0;
    while (x == 0)
        p->rand(&x, sizeof x);
    return x;
}

static uint64_t random_session(struct media_plan *p)
{
    uint64_t x;
    p->rand(&x, sizeof x);
    return x >> 2; /* o= session ids are at most 63 bits */
}

static struct member *member_find(struct media_plan *p, int id)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->members[i].id == id)
            return &p->members[i];
    return NULL;
}

static void local_of(const struct media_plan *p, const char *ufrag, const char *pwd,
                     uint64_t session, int version, struct sdp_local *out)
{
    *out = (struct sdp_local){
        .ice_ufrag = ufrag,
        .ice_pwd = pwd,
        .fingerprint_alg = p->local->fingerprint_alg,
        .fingerprint = p->local->fingerprint,
        .host = p->local->public_ip,
        .more_hosts = p->local->more_ips,
        .more_host_count = p->local->more_ip_count,
        .port = p->local->port,
        .tcp = p->local->tcp,
        .session_id = session,
        .session_version = (uint64_t)version,
    };
}

static void remove_peer(struct live_effects *fx, uint64_t *peer)
{
    if (!*peer)
        return;
    live_fx_media(fx, LIVE_MEDIA_REMOVE_PEER)->peer_id = *peer;
    *peer = 0;
}

static void drop_transports(struct member *mb, struct live_effects *fx)
{
    remove_peer(fx, &mb->pub_peer);
    remove_peer(fx, &mb->sub_peer);
    remove_peer(fx, &mb->screen_peer);
}

static void screen_end(struct member *mb, const char *why, struct live_effects *fx);
static void screen_publish(struct media_plan *p, struct member *mb, const char *text,
                           struct live_effects *fx);

/* A member's state gone, as after memset, its tracks freed. */
static void member_clear(struct member *mb)
{
    free(mb->tracks);
    memset(mb, 0, sizeof *mb);
}

/* ---- subscriptions ---- */

/* A fresh subscribe transport: new credentials, no tracks, the next offer says reset. */
static void subscription_new(struct media_plan *p, struct member *mb)
{
    ice_credential(p, mb->sub_ufrag, 8);
    ice_credential(p, mb->sub_pwd, 24);
    mb->sub_session = random_session(p);
    mb->track_count = 0;
    mb->pending = false;
    mb->reset = true;
    mb->dirty = true;
    mb->ice_restart = mb->awaiting_ufrag = false;
}

/* The old transport goes (lost, refused, or out of SSRCs) and a fresh one replaces it. */
static void subscription_reset(struct media_plan *p, struct member *mb, struct live_effects *fx)
{
    remove_peer(fx, &mb->sub_peer);
    subscription_new(p, mb);
    p->n->subscribe_resets++;
}

static bool wants(const struct member *pub, enum router_kind kind, bool screen)
{
    if (screen)
        return pub->present && pub->screen_peer;
    return pub->present && pub->pub_peer &&
           (kind == ROUTER_AUDIO ? pub->pub_audio : pub->pub_video);
}

/* What sub receives of pub: what pub sends, and no video (a screen is video) for someone
 * on audio only. */
static bool receives(const struct member *sub, const struct member *pub, enum router_kind kind,
                     bool screen)
{
    return wants(pub, kind, screen) && !(kind == ROUTER_VIDEO && sub->audio_only);
}

static size_t ssrcs_of(const struct member *mb)
{
    size_t ssrcs = 0;
    for (size_t i = 0; i < mb->track_count; i++)
        ssrcs += mb->tracks[i].rtx_ssrc ? 2 : 1;
    return ssrcs;
}

/* Makes mb's tracks what the meeting publishes now; marks it dirty when that changed. */
static void subscription_update(struct media_plan *p, struct member *mb, struct live_effects *fx)
{
    if (!mb->sub_ufrag[0])
        subscription_new(p, mb); /* the first: credentials before any track */
    for (size_t i = 0; i < mb->track_count; i++) {
        struct sub_track *t = &mb->tracks[i];
        if (!t->active)
            continue;
        struct member *pub = member_find(p, t->publisher);
        if (!pub || !receives(mb, pub, t->kind, t->screen) ||
            (t->screen ? pub->screen_gen : pub->pub_gen) != t->gen) {
            t->active = false;
            mb->dirty = true;
        }
    }
    for (size_t k = 0; k < p->count; k++) {
        struct member *pub = &p->members[k];
        if (pub == mb && !p->loopback)
            continue; /* nobody receives their own media, but in a check room */
        /* audio, camera, then the screen: a video section of its own */
        for (int kind = ROUTER_AUDIO; kind <= ROUTER_VIDEO + 1; kind++) {
            bool screen = kind > ROUTER_VIDEO;
            enum router_kind rk = screen ? ROUTER_VIDEO : (enum router_kind)kind;
            int gen = screen ? pub->screen_gen : pub->pub_gen;
            if (!receives(mb, pub, rk, screen))
                continue;
            bool have = false;
            for (size_t i = 0; i < mb->track_count && !have; i++) {
                const struct sub_track *t = &mb->tracks[i];
                have = t->active && t->publisher == pub->id && t->gen == gen && t->kind == rk &&
                       t->screen == screen;
            }
            if (have)
                continue;
            if (mb->track_count == MEDIA_SUB_MAX_TRACKS || ssrcs_of(mb) + 2 > MEDIA_SUB_MAX_SSRCS) {
                /* the meeting's size (MEETING_MAX_PEOPLE) keeps what is live within one
                 * transport, so a fresh one always has room */
                assert(!(mb->reset && !mb->sub_peer));
                /* the transport is used up: start a new one with what is live now */
                subscription_reset(p, mb, fx);
                subscription_update(p, mb, fx);
                return;
            }
            if (mb->track_count == mb->track_cap) {
                size_t cap = mb->track_cap ? 2 * mb->track_cap : 8;
                mb->track_cap = cap < MEDIA_SUB_MAX_TRACKS ? cap : MEDIA_SUB_MAX_TRACKS;
                mb->tracks = xrealloc(mb->tracks, mb->track_cap * sizeof *mb->tracks);
            }
            assert(mb->track_count < mb->track_cap);
            struct sub_track *t = &mb->tracks[mb->track_count];
            memset(t, 0, sizeof *t);
            t->publisher = pub->id;
            t->gen = gen;
            t->kind = rk;
            t->screen = screen;
            t->codec = rk == ROUTER_AUDIO ? ROUTER_OPUS
                       : screen           ? pub->screen_codec
                                          : pub->pub_video_codec;
            t->ssrc = random_ssrc(p);
            t->rtx_ssrc = rk == ROUTER_VIDEO ? random_ssrc(p) : 0;
            snprintf(t->mid, sizeof t->mid, "%zu", mb->track_count);
            snprintf(t->stream_id, sizeof t->stream_id, "%c%d-%d", screen ? 's' : 'p', pub->id,
                     gen);
            snprintf(t->track_id, sizeof t->track_id, "%s-%d-%d",
                     screen               ? "screen"
                     : rk == ROUTER_AUDIO ? "audio"
                                          : "video",
                     pub->id, gen);
            t->active = true;
            mb->track_count++;
            mb->dirty = true;
        }
    }
    assert(ssrcs_of(mb) <= MEDIA_SUB_MAX_SSRCS);
}

static enum sdp_codec_id sdp_codec_of(enum router_codec c)
{
    return c == ROUTER_OPUS ? SDP_CODEC_OPUS : c == ROUTER_H264 ? SDP_CODEC_H264 : SDP_CODEC_VP8;
}

static void sdp_tracks_of(const struct member *mb, size_t count, const bool *active,
                          struct sdp_track *out)
{
    for (size_t i = 0; i < count; i++) {
        const struct sub_track *t = &mb->tracks[i];
        out[i] = (struct sdp_track){
            .mid = t->mid,
            .kind = t->kind == ROUTER_AUDIO ? SDP_AUDIO : SDP_VIDEO,
            .codec = sdp_codec_of(t->codec),
            .ssrc = t->ssrc,
            .rtx_ssrc = t->rtx_ssrc,
            .stream_id = t->stream_id,
            .track_id = t->track_id,
            .cname = "confide",
            .active = active ? active[i] : t->active,
        };
    }
}

/* ICE restart in place (RFC 8445 §9): our credentials are renewed with the offer that
 * carries them, and the worker takes them at once (the browser checks with them only once
 * it has the offer); the browser's new ufrag follows with its answer. */
static void subscription_renew_ice(struct media_plan *p, struct member *mb, struct live_effects *fx)
{
    ice_credential(p, mb->sub_ufrag, 8);
    ice_credential(p, mb->sub_pwd, 24);
    struct live_media_cmd *c = live_fx_media(fx, LIVE_MEDIA_RESTART_ICE);
    c->peer_id = mb->sub_peer;
    c->local_ufrag = xstrdup(mb->sub_ufrag);
    c->local_pwd = xstrdup(mb->sub_pwd);
    mb->awaiting_ufrag = true;
}

static void send_offer(struct media_plan *p, struct member *mb, struct live_effects *fx)
{
    if (mb->pending || !mb->dirty || !mb->conn)
        return;
    if (mb->track_count == 0) {
        mb->dirty = false; /* nobody publishes yet: nothing to offer */
        return;
    }
    if (mb->ice_restart && mb->sub_peer)
        subscription_renew_ice(p, mb, fx);
    mb->ice_restart = false;
    struct sdp_track tracks[MEDIA_SUB_MAX_TRACKS];
    sdp_tracks_of(mb, mb->track_count, NULL, tracks);
    struct sdp_local local;
    local_of(p, mb->sub_ufrag, mb->sub_pwd, mb->sub_session, mb->version + 1, &local);
    struct buf sdp = {0};
    struct sdp_error err = {0};
    if (sdp_offer(&local, tracks, mb->track_count, &sdp, &err) < 0) {
        log_error("media", "room=%" PRIu64 ": subscribe offer failed: %s", p->room_id, err.code);
        buf_free(&sdp);
        return;
    }
    mb->version++;
    mb->pending = true;
    mb->dirty = false;
    mb->offered_count = mb->track_count;
    for (size_t i = 0; i < mb->track_count; i++)
        mb->offered_active[i] = mb->tracks[i].active;
    json_t *list = json_array();
    for (size_t i = 0; i < mb->track_count; i++) {
        const struct sub_track *t = &mb->tracks[i];
        if (!t->active)
            continue;
        json_t *entry = json_pack("{s:s,s:i,s:s}", "mid", t->mid, "participant", t->publisher,
                                  "kind", t->kind == ROUTER_AUDIO ? "audio" : "video");
        if (t->screen)
            json_object_set_new(entry, "source", json_string("screen"));
        json_array_append_new(list, entry);
    }
    live_fx_send(fx, mb->conn,
                 json_pack("{s:s,s:s%,s:i,s:b,s:o}", "type", "subscribe_offer", "sdp", sdp.data,
                           sdp.len, "version", mb->version, "reset", mb->reset, "tracks", list));
    mb->reset = false;
    p->n->subscribe_offers++;
    buf_free(&sdp);
}

static void plan_update(struct media_plan *p, struct live_effects *fx)
{
    for (size_t i = 0; i < p->count; i++)
        subscription_update(p, &p->members[i], fx);
    for (size_t i = 0; i < p->count; i++)
        send_offer(p, &p->members[i], fx);
}

/* ---- the meeting's people ---- */

struct media_plan *media_plan_new(uint64_t room_id, const struct media_local *local,
                                  struct media_counters *counters, media_rand_fn *rand)
{
    assert(local && counters && rand);
    assert(room_id < (UINT64_C(1) << (64 - PEER_SEQ_BITS)));
    struct media_plan *p = xcalloc(1, sizeof *p);
    p->room_id = room_id;
    p->local = local;
    p->n = counters;
    p->rand = rand;
    return p;
}

void media_plan_loopback(struct media_plan *p)
{
    assert(p->count == 0); /* decided before anyone arrives */
    p->loopback = true;
}

bool media_plan_is_loopback(const struct media_plan *p)
{
    return p->loopback;
}

void media_plan_free(struct media_plan *p, struct live_effects *fx)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++) {
        drop_transports(&p->members[i], fx);
        member_clear(&p->members[i]);
    }
    free(p);
}

void media_plan_sync(struct media_plan *p, const struct media_person *people, size_t count,
                     struct live_effects *fx)
{
    assert(count <= MEETING_MAX_PEOPLE);
    assert(!p->loopback || count <= 1); /* a check room is one person's */
    for (size_t i = 0; i < p->count; i++)
        p->members[i].present = false;
    for (size_t k = 0; k < count; k++) {
        struct member *mb = member_find(p, people[k].id);
        if (mb && mb->conn != people[k].conn) {
            /* the same person on a new connection: their page starts over */
            drop_transports(mb, fx);
            member_clear(mb);
        }
        if (!mb) {
            assert(p->count < MEETING_MAX_PEOPLE);
            mb = &p->members[p->count++];
            memset(mb, 0, sizeof *mb);
        }
        mb->id = people[k].id;
        mb->conn = people[k].conn;
        mb->present = true;
        mb->audio_only = people[k].audio_only;
        mb->may_share = people[k].may_share;
        if (mb->screen_peer && !mb->may_share)
            screen_end(mb, "The host has stopped letting clients share their screen.", fx);
    }
    for (size_t i = 0; i < p->count;) {
        if (p->members[i].present) {
            i++;
            continue;
        }
        drop_transports(&p->members[i], fx);
        member_clear(&p->members[i]);
        p->members[i] = p->members[--p->count];
    }
    plan_update(p, fx);
}

static void fingerprint_of(const struct sdp_negotiated *neg, char *out, size_t cap)
{
    snprintf(out, cap, "%s %s", neg->remote_fingerprint_alg, neg->remote_fingerprint);
}

/* A new transport for what the remote SDP said, as an ADD_PEER effect; its id, or 0 with err
 * set (`what`: "offer" or "answer", for the sentence). */
static uint64_t add_peer(struct media_plan *p, int participant, bool publish,
                         const struct router_publish_params *pp, const char *ufrag, const char *pwd,
                         const struct sdp_negotiated *neg, const char *what, struct sdp_error *err,
                         struct live_effects *fx)
{
    char fingerprint[256];
    fingerprint_of(neg, fingerprint, sizeof fingerprint);
    if (peer_params_check(ufrag, pwd, neg->remote_ufrag, fingerprint) < 0) {
        err->code = "sdp_no_ice_credentials";
        snprintf(err->message, sizeof err->message,
                 "The %s's ICE credentials or fingerprint cannot be used.", what);
        return 0;
    }
    assert(p->peer_seq + 1 < (UINT64_C(1) << PEER_SEQ_BITS));
    uint64_t id = p->room_id << PEER_SEQ_BITS | ++p->peer_seq;
    struct live_media_cmd *c = live_fx_media(fx, LIVE_MEDIA_ADD_PEER);
    c->peer_id = id;
    /* the router forwards nobody's media to their own ports: in a check room the
     * receiving port stands for a viewer of one's own, so it gets it like anyone else's */
    c->participant = publish || !p->loopback ? participant : MEDIA_LOOPBACK_VIEWER(participant);
    c->publish = publish;
    if (pp)
        c->publish_params = *pp;
    c->local_ufrag = xstrdup(ufrag);
    c->local_pwd = xstrdup(pwd);
    c->remote_ufrag = neg->remote_ufrag ? xstrdup(neg->remote_ufrag) : NULL;
    c->remote_fingerprint = xstrdup(fingerprint);
    return id;
}

/* ---- publish ---- */

static enum router_codec router_codec_of(enum sdp_codec_id c)
{
    return c == SDP_CODEC_OPUS ? ROUTER_OPUS : c == SDP_CODEC_H264 ? ROUTER_H264 : ROUTER_VP8;
}

/* The simulcast layers the answer receives (sdp_answer: the offer's a=simulcast send RIDs
 * that it declared, when the rtp-stream-id extension was agreed), lowest first as the page
 * lists them. */
static void simulcast_params(const struct sdp_negotiated_media *nm,
                             struct router_publish_params *pp)
{
    const struct sdp_media *m = nm->remote;
    if (!nm->ext_id[SDP_EXT_RID])
        return;
    for (size_t i = 0; i < m->simulcast_send_count && pp->rid_count < ROUTER_LAYERS; i++) {
        const char *rid = m->simulcast_send[i].rid;
        bool declared = false;
        for (size_t k = 0; k < m->rid_count; k++)
            declared |= m->rids[k].send && strcmp(m->rids[k].id, rid) == 0;
        if (!declared || strlen(rid) >= ROUTER_RID_MAX)
            continue;
        strcpy(pp->rids[pp->rid_count++], rid);
    }
    if (pp->rid_count < 2) {
        pp->rid_count = 0; /* one layer is no simulcast */
        return;
    }
    pp->rid_id = nm->ext_id[SDP_EXT_RID];
    pp->repaired_rid_id = nm->ext_id[SDP_EXT_REPAIRED_RID];
}

/* What the publisher's answer agreed to, for the router. False when it sends nothing. */
static bool publish_params(const struct sdp_negotiated *neg, struct router_publish_params *pp,
                           bool *audio, bool *video, enum router_codec *video_codec)
{
    memset(pp, 0, sizeof *pp);
    *audio = *video = false;
    *video_codec = ROUTER_VP8;
    for (size_t i = 0; i < neg->media_count; i++) {
        const struct sdp_negotiated_media *nm = &neg->media[i];
        if (!nm->accepted || nm->direction != SDP_RECVONLY || nm->codec_count == 0)
            continue;
        enum router_kind kind;
        if (nm->kind == SDP_AUDIO && !*audio) {
            kind = ROUTER_AUDIO;
            *audio = true;
            pp->audio_level_id = nm->ext_id[SDP_EXT_AUDIO_LEVEL];
        } else if (nm->kind == SDP_VIDEO && !*video) {
            kind = ROUTER_VIDEO;
            *video = true;
            *video_codec = router_codec_of(nm->codecs[0].codec);
            simulcast_params(nm, pp);
        } else {
            continue; /* one camera and one microphone per person */
        }
        if (nm->ext_id[SDP_EXT_TWCC])
            pp->twcc_id = nm->ext_id[SDP_EXT_TWCC]; /* one transport: one id for all */
        for (size_t c = 0; c < nm->codec_count && pp->pt_count + 2 <= ROUTER_MAX_PTS; c++) {
            const struct sdp_choice *ch = &nm->codecs[c];
            pp->pts[pp->pt_count++] =
                (struct router_pt){.pt = ch->pt, .kind = kind, .codec = router_codec_of(ch->codec)};
            if (ch->red_pt >= 0) /* audio has no rtx: the two fit */
                pp->pts[pp->pt_count++] = (struct router_pt){
                    .pt = (uint8_t)ch->red_pt, .kind = kind, .codec = ROUTER_OPUS, .red = true};
            if (ch->rtx_pt >= 0)
                pp->pts[pp->pt_count++] = (struct router_pt){.pt = (uint8_t)ch->rtx_pt,
                                                             .kind = kind,
                                                             .codec = router_codec_of(ch->codec),
                                                             .rtx = true,
                                                             .apt = ch->pt};
        }
    }
    return *audio || *video;
}

/* An offer with new ICE credentials on the publish transport (the page's network changed,
 * pc.restartIce()): the same peer, DTLS session, SRTP keys and router state; only the ICE
 * credentials change, ours too (RFC 8445 §9). An offer from another connection (another
 * fingerprint), or with no transport left, gets publish_lost: the page publishes afresh. */
static void publish_ice_restart(struct media_plan *p, struct member *mb, const char *text,
                                struct live_effects *fx)
{
    struct arena a = {0};
    struct sdp_session *offer;
    struct sdp_negotiated *neg = NULL;
    struct sdp_error err = {0};
    struct buf answer = {0};
    char ufrag[16], pwd[40], fingerprint[256];
    ice_credential(p, ufrag, 8);
    ice_credential(p, pwd, 24);
    struct sdp_local local;
    local_of(p, ufrag, pwd, mb->pub_session, mb->pub_version + 1, &local);
    int rc = sdp_parse(&a, text, strlen(text), &offer, &err);
    if (rc == 0)
        rc = sdp_answer(&a, offer, &local, 0, &answer, &neg, &err);
    if (rc == 0)
        fingerprint_of(neg, fingerprint, sizeof fingerprint);
    if (rc < 0) {
        p->n->publish_refused++;
        send_error(fx, mb->conn, err.code ? err.code : "sdp_malformed",
                   err.message[0] ? err.message : "The offer could not be used.");
    } else if (!mb->pub_peer || strcmp(fingerprint, mb->pub_fingerprint) != 0 ||
               peer_params_check(ufrag, pwd, neg->remote_ufrag, fingerprint) < 0) {
        live_fx_send(fx, mb->conn, json_pack("{s:s}", "type", "publish_lost"));
    } else {
        struct live_media_cmd *c = live_fx_media(fx, LIVE_MEDIA_RESTART_ICE);
        c->peer_id = mb->pub_peer;
        c->participant = mb->id;
        c->local_ufrag = xstrdup(ufrag);
        c->local_pwd = xstrdup(pwd);
        c->remote_ufrag = xstrdup(neg->remote_ufrag);
        mb->pub_version++;
        p->n->publish_answered++;
        live_fx_send(
            fx, mb->conn,
            json_pack("{s:s,s:s%}", "type", "publish_answer", "sdp", answer.data, answer.len));
    }
    buf_free(&answer);
    arena_free(&a);
}

/* A publish offer and this node's answer to it (camera or screen): fresh ICE credentials,
 * what was agreed, and what the publisher sends. */
struct publish_offer {
    struct arena a;
    struct buf answer;
    struct sdp_negotiated *neg;
    struct sdp_error err;
    char ufrag[16], pwd[40];
    struct sdp_local local;
    struct router_publish_params pp;
    bool audio, video;
    enum router_codec codec;
};

/* Parses and answers text. 0, or -errno with po->err set; -ENOMSG (err left for the caller's
 * own words) when the answer agrees on nothing to receive. */
static int publish_offer_answer(struct media_plan *p, const char *text, struct publish_offer *po)
{
    ice_credential(p, po->ufrag, 8);
    ice_credential(p, po->pwd, 24);
    local_of(p, po->ufrag, po->pwd, random_session(p), 1, &po->local);
    struct sdp_session *offer;
    int rc = sdp_parse(&po->a, text, strlen(text), &offer, &po->err);
    if (rc == 0)
        rc = sdp_answer(&po->a, offer, &po->local, 0, &po->answer, &po->neg, &po->err);
    po->codec = ROUTER_VP8;
    if (rc == 0 && !publish_params(po->neg, &po->pp, &po->audio, &po->video, &po->codec))
        rc = -ENOMSG;
    return rc;
}

/* Tells the publisher: the answer (with source, for a screen), or why not; frees po. */
static void publish_offer_reply(struct media_plan *p, struct member *mb, int rc,
                                struct publish_offer *po, const char *source,
                                struct live_effects *fx)
{
    if (rc < 0) {
        p->n->publish_refused++;
        send_error(fx, mb->conn, po->err.code ? po->err.code : "sdp_malformed",
                   po->err.message[0] ? po->err.message : "The offer could not be used.");
    } else {
        p->n->publish_answered++;
        json_t *m = json_pack("{s:s,s:s%}", "type", "publish_answer", "sdp", po->answer.data,
                              po->answer.len);
        if (source)
            json_object_set_new(m, "source", json_string(source));
        live_fx_send(fx, mb->conn, m);
        plan_update(p, fx);
    }
    buf_free(&po->answer);
    arena_free(&po->a);
}

void media_plan_publish(struct media_plan *p, int participant, bool audio_allowed,
                        bool video_allowed, const json_t *msg, struct live_effects *fx)
{
    struct member *mb = member_find(p, participant);
    if (!mb)
        return; /* not admitted and connected: the table let nobody else through */
    const char *text = json_string_value(json_object_get(msg, "sdp"));
    if (!text) {
        send_error(fx, mb->conn, "invalid_field", "publish needs the offer in \"sdp\".");
        return;
    }
    const char *source = json_string_value(json_object_get(msg, "source"));
    if (source && strcmp(source, "screen") == 0) {
        screen_publish(p, mb, text, fx);
        return;
    }
    if (source && strcmp(source, "camera") != 0) {
        send_error(fx, mb->conn, "invalid_field",
                   "publish's \"source\" is \"camera\" (the default) or \"screen\".");
        return;
    }
    if (json_is_true(json_object_get(msg, "ice_restart"))) {
        publish_ice_restart(p, mb, text, fx);
        return;
    }
    struct publish_offer po = {0};
    int rc = publish_offer_answer(p, text, &po);
    if (rc == -ENOMSG) {
        po.err.code = "sdp_no_media";
        snprintf(po.err.message, sizeof po.err.message,
                 "The offer sends neither audio nor video that can be received.");
    }
    if (rc == 0) {
        uint64_t id =
            add_peer(p, participant, true, &po.pp, po.ufrag, po.pwd, po.neg, "offer", &po.err, fx);
        if (id == 0) {
            rc = -EINVAL;
        } else {
            remove_peer(fx, &mb->pub_peer);
            mb->pub_peer = id;
            fingerprint_of(po.neg, mb->pub_fingerprint, sizeof mb->pub_fingerprint);
            mb->pub_session = po.local.session_id;
            mb->pub_version = 1;
            mb->pub_gen++;
            /* the router forgets what a participant may send while they have no port, and
             * commands run in order: the host's mute holds from the first packet */
            struct live_media_cmd *c = live_fx_media(fx, LIVE_MEDIA_ALLOW);
            c->participant = participant;
            c->audio = audio_allowed;
            c->video = video_allowed;
            mb->pub_audio = po.audio;
            mb->pub_video = po.video;
            mb->pub_video_codec = po.codec;
            memcpy(mb->pub_rids, po.pp.rids, sizeof mb->pub_rids);
            mb->pub_rid_count = po.pp.rid_count;
        }
    }
    publish_offer_reply(p, mb, rc, &po, NULL, fx);
}

/* ---- a shared screen ---- */

/* Its own publish transport, known to the router as another participant
 * (MEDIA_SCREEN_SOURCE): one video stream, no simulcast, reaching everyone else as a video
 * section of its own. One at a time per meeting: a second sharer is refused (screen_busy)
 * rather than cutting off the first mid-sentence. Who may share is the room's word
 * (media_person.may_share), checked here at publish and at every sync. */
static void screen_end(struct member *mb, const char *why, struct live_effects *fx)
{
    if (!mb->screen_peer)
        return;
    live_fx_media(fx, LIVE_MEDIA_REMOVE_PEER)->peer_id = mb->screen_peer;
    mb->screen_peer = 0;
    if (why)
        live_fx_send(fx, mb->conn,
                     json_pack("{s:s,s:s}", "type", "screen_stopped", "message", why));
}

static void screen_publish(struct media_plan *p, struct member *mb, const char *text,
                           struct live_effects *fx)
{
    if (!mb->may_share) {
        p->n->publish_refused++;
        send_error(fx, mb->conn, "screen_not_allowed",
                   "The host has not let clients share their screen in this session.");
        return;
    }
    for (size_t i = 0; i < p->count; i++) {
        if (&p->members[i] != mb && p->members[i].screen_peer) {
            p->n->publish_refused++;
            send_error(fx, mb->conn, "screen_busy",
                       "Someone else is sharing their screen. Only one screen can be shared at "
                       "a time; try again when they stop.");
            return;
        }
    }
    struct publish_offer po = {0};
    int rc = publish_offer_answer(p, text, &po);
    if (rc == -ENOMSG || (rc == 0 && (po.audio || !po.video))) {
        rc = -EINVAL;
        po.err.code = "sdp_no_media";
        snprintf(po.err.message, sizeof po.err.message,
                 "A screen share sends one video section and nothing else.");
    }
    if (rc == 0) {
        po.pp.rid_count = 0; /* one stream: a screen is not sent in layers */
        po.pp.rid_id = po.pp.repaired_rid_id = 0;
        uint64_t id = add_peer(p, (int)MEDIA_SCREEN_SOURCE(mb->id), true, &po.pp, po.ufrag, po.pwd,
                               po.neg, "offer", &po.err, fx);
        if (id == 0) {
            rc = -EINVAL;
        } else {
            screen_end(mb, NULL, fx); /* their own earlier share, replaced */
            mb->screen_peer = id;
            mb->screen_gen++;
            mb->screen_codec = po.codec;
        }
    }
    publish_offer_reply(p, mb, rc, &po, "screen", fx);
}

void media_plan_screen_stop(struct media_plan *p, int participant, struct live_effects *fx)
{
    struct member *mb = member_find(p, participant);
    if (!mb || !mb->screen_peer)
        return; /* stopped already: a stop crossing a revocation is no error */
    screen_end(mb, NULL, fx);
    plan_update(p, fx);
}

int media_plan_screen_sharer(const struct media_plan *p)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->members[i].screen_peer)
            return p->members[i].id;
    return 0;
}

/* ---- subscribe answers ---- */

void media_plan_subscribe_answer(struct media_plan *p, int participant, const json_t *msg,
                                 struct live_effects *fx)
{
    struct member *mb = member_find(p, participant);
    if (!mb)
        return;
    const char *text = json_string_value(json_object_get(msg, "sdp"));
    json_t *version = json_object_get(msg, "version");
    if (!text || !json_is_integer(version)) {
        send_error(fx, mb->conn, "invalid_field",
                   "subscribe_answer needs \"sdp\" and the offer's \"version\".");
        return;
    }
    if (!mb->pending || json_integer_value(version) != mb->version) {
        send_error(fx, mb->conn, "stale_answer",
                   "This answers an offer that is no longer current.");
        return;
    }
    struct arena a = {0};
    struct sdp_session *answer;
    struct sdp_negotiated *neg = NULL;
    struct sdp_error err = {0};
    struct sdp_track tracks[MEDIA_SUB_MAX_TRACKS];
    sdp_tracks_of(mb, mb->offered_count, mb->offered_active, tracks);
    int rc = sdp_parse(&a, text, strlen(text), &answer, &err);
    if (rc == 0)
        rc = sdp_accept_answer(&a, answer, tracks, mb->offered_count, &neg, &err);
    if (rc == 0 && !mb->sub_peer) {
        mb->sub_peer = add_peer(p, participant, false, NULL, mb->sub_ufrag, mb->sub_pwd, neg,
                                "answer", &err, fx);
        if (!mb->sub_peer)
            rc = -EINVAL;
    }
    mb->pending = false;
    if (rc < 0) {
        p->n->subscribe_refused++;
        send_error(fx, mb->conn, err.code ? err.code : "sdp_malformed",
                   err.message[0] ? err.message : "The answer could not be used.");
        /* start over on a fresh transport rather than leave the page without video */
        subscription_reset(p, mb, fx);
        subscription_update(p, mb, fx);
        send_offer(p, mb, fx);
        arena_free(&a);
        return;
    }
    p->n->subscribe_answers++;
    if (mb->awaiting_ufrag && neg->remote_ufrag) {
        struct live_media_cmd *r = live_fx_media(fx, LIVE_MEDIA_RESTART_ICE);
        r->peer_id = mb->sub_peer;
        r->remote_ufrag = xstrdup(neg->remote_ufrag);
    }
    mb->awaiting_ufrag = false;
    struct live_media_cmd *c = live_fx_media(fx, LIVE_MEDIA_SET_TRACKS);
    c->peer_id = mb->sub_peer;
    c->participant = participant;
    c->tracks = xcalloc(mb->offered_count ? mb->offered_count : 1, sizeof *c->tracks);
    for (size_t i = 0; i < mb->offered_count; i++) {
        const struct sdp_negotiated_media *nm = &neg->media[i];
        if (!nm->accepted || nm->direction != SDP_SENDONLY)
            continue;
        const struct sub_track *t = &mb->tracks[i];
        c->tracks[c->track_count++] = (struct router_track){
            .publisher = t->screen ? MEDIA_SCREEN_SOURCE(t->publisher) : (uint32_t)t->publisher,
            .kind = t->kind,
            .codec = t->codec,
            .ssrc = t->ssrc,
            .pt = nm->codecs[0].pt,
            .audio_level = nm->ext_id[SDP_EXT_AUDIO_LEVEL] != 0,
            .rtx_ssrc = nm->codecs[0].rtx_pt >= 0 ? t->rtx_ssrc : 0,
            .rtx_pt = nm->codecs[0].rtx_pt >= 0 ? (uint8_t)nm->codecs[0].rtx_pt : 0,
            .red_pt = nm->codecs[0].red_pt >= 0 ? (uint8_t)nm->codecs[0].red_pt : 0,
            .cname = "confide",
        };
    }
    arena_free(&a);
    send_offer(p, mb, fx); /* what changed while the offer was out */
}

void media_plan_subscribe_restart(struct media_plan *p, int participant, struct live_effects *fx)
{
    struct member *mb = member_find(p, participant);
    if (!mb || !mb->sub_peer)
        return; /* nothing to restart: the first offer is still on its way */
    subscription_reset(p, mb, fx);
    subscription_update(p, mb, fx);
    send_offer(p, mb, fx);
}

void media_plan_subscribe_ice_restart(struct media_plan *p, int participant,
                                      struct live_effects *fx)
{
    struct member *mb = member_find(p, participant);
    if (!mb || !mb->sub_peer)
        return; /* nothing to restart: the first offer is still on its way */
    mb->ice_restart = true;
    mb->dirty = true;
    send_offer(p, mb, fx); /* or, with an offer out, right after its answer */
}

/* ---- worker events ---- */

bool media_plan_peer_closed(struct media_plan *p, uint64_t peer_id, struct live_effects *fx)
{
    struct member *mb = NULL;
    for (size_t i = 0; i < p->count && !mb; i++)
        if (peer_id && (p->members[i].pub_peer == peer_id || p->members[i].sub_peer == peer_id ||
                        p->members[i].screen_peer == peer_id))
            mb = &p->members[i];
    if (!mb)
        return false;
    p->n->transports_lost++;
    if (mb->screen_peer == peer_id) {
        mb->screen_peer = 0; /* the worker has freed it already */
        live_fx_send(fx, mb->conn,
                     json_pack("{s:s,s:s}", "type", "screen_stopped", "message",
                               "Your screen share lost its connection and has stopped."));
    } else if (mb->pub_peer == peer_id) {
        /* the page publishes again on a new transport when it sees this */
        mb->pub_peer = 0;
        mb->pub_audio = mb->pub_video = false;
        live_fx_send(fx, mb->conn, json_pack("{s:s}", "type", "publish_lost"));
    } else {
        mb->sub_peer = 0;
        subscription_reset(p, mb, fx);
    }
    plan_update(p, fx);
    return true;
}

void media_plan_speaker(struct media_plan *p, int participant, struct live_effects *fx)
{
    for (size_t i = 0; i < p->count; i++)
        live_fx_send(fx, p->members[i].conn,
                     json_pack("{s:s,s:i}", "type", "active_speaker", "participant", participant));
}

/* ---- simulcast ---- */

#define VIEW_MAX_PIXELS 16384 /* a tile's side, in device pixels */

void media_plan_view(struct media_plan *p, int participant, const json_t *msg,
                     struct live_effects *fx)
{
    struct member *mb = member_find(p, participant);
    if (!mb)
        return;
    json_t *who = json_object_get(msg, "participant"), *w = json_object_get(msg, "width"),
           *h = json_object_get(msg, "height");
    if (!json_is_integer(who) || !json_is_integer(w) || !json_is_integer(h) ||
        json_integer_value(who) <= 0 || json_integer_value(who) > INT_MAX ||
        json_integer_value(w) < 0 || json_integer_value(w) > VIEW_MAX_PIXELS ||
        json_integer_value(h) < 0 || json_integer_value(h) > VIEW_MAX_PIXELS) {
        char message[128];
        snprintf(message, sizeof message,
                 "view needs \"participant\", and \"width\" and \"height\" in pixels "
                 "(0 to %d).",
                 VIEW_MAX_PIXELS);
        send_error(fx, mb->conn, "invalid_field", message);
        return;
    }
    struct live_media_cmd *c = live_fx_media(fx, LIVE_MEDIA_VIEW);
    c->participant = participant;
    c->publisher = (int)json_integer_value(who);
    c->width = (uint16_t)json_integer_value(w);
    c->height = (uint16_t)json_integer_value(h);
}

void media_plan_video_paused(struct media_plan *p, int subscriber, int publisher, bool paused,
                             struct live_effects *fx)
{
    struct member *mb = member_find(p, subscriber);
    if (!mb)
        return;
    bool screen = publisher >= (int)MEDIA_SCREEN_SOURCE(0);
    json_t *msg = json_pack("{s:s,s:i,s:b,s:s}", "type", "video_paused", "participant",
                            screen ? publisher - (int)MEDIA_SCREEN_SOURCE(0) : publisher, "paused",
                            paused, "reason", "bandwidth");
    if (screen)
        json_object_set_new(msg, "source", json_string("screen"));
    live_fx_send(fx, mb->conn, msg);
}

void media_plan_layers(struct media_plan *p, int publisher, unsigned active,
                       struct live_effects *fx)
{
    struct member *mb = member_find(p, publisher);
    if (!mb || mb->pub_rid_count < 2)
        return;
    json_t *list = json_array();
    for (size_t i = 0; i < mb->pub_rid_count; i++)
        if (active & (1u << i))
            json_array_append_new(list, json_string(mb->pub_rids[i]));
    live_fx_send(fx, mb->conn, json_pack("{s:s,s:o}", "type", "layers", "active", list));
}

uint64_t media_plan_publish_peer(const struct media_plan *p, int participant)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->members[i].id == participant)
            return p->members[i].pub_peer;
    return 0;
}

uint64_t media_plan_subscribe_peer(const struct media_plan *p, int participant)
{
    for (size_t i = 0; i < p->count; i++)
        if (p->members[i].id == participant)
            return p->members[i].sub_peer;
    return 0;
}

size_t media_plan_people(const struct media_plan *p)
{
    return p->count;
}

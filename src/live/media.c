#include "live/media.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "sfu/dtls.h"
#include "sfu/sdp.h"
#include "sfu/worker.h"

/* Sections on one subscribe transport before it is replaced by a fresh one: its SRTP
 * context has 64 SSRC slots (PEER_SRTP_STREAMS) and a sent SSRC is never reused. */
#define MAX_TRACKS 56
#define MAX_SSRCS 60 /* of PEER_SRTP_STREAMS (64): a video track takes two (media and RTX) */
#define EVENTS_BATCH 256

struct sub_track {
    int publisher, gen;
    enum router_kind kind;
    enum router_codec codec;
    uint32_t ssrc, rtx_ssrc;
    char mid[8];
    char stream_id[40], track_id[48];
    bool active;
};

struct member {
    int id;
    uint64_t conn;
    bool audio, video;
    bool present; /* seen in this sync */
    /* publish transport */
    uint64_t pub_peer;
    int pub_gen;
    bool pub_audio, pub_video;
    enum router_codec pub_video_codec;
    /* subscribe transport */
    uint64_t sub_peer;
    char sub_ufrag[16], sub_pwd[40];
    uint64_t sub_session;
    struct sub_track tracks[MAX_TRACKS];
    size_t track_count;
    size_t offered_count; /* the tracks the pending offer was written for */
    bool offered_active[MAX_TRACKS];
    int version;
    bool pending, dirty, reset;
};

struct mroom {
    uint64_t id;
    size_t worker;
    struct member *members;
    size_t count, cap;
};

struct counters {
    uint64_t publish_answered, publish_refused;
    uint64_t subscribe_offers, subscribe_answers, subscribe_refused, subscribe_resets;
    uint64_t transports_lost;
};

struct live_media {
    const struct config *cfg;
    struct live_media_io io;
    struct dtls_identity *identity;
    struct worker **workers;
    size_t worker_count;
    size_t *rooms_per_worker;
    struct mroom **rooms;
    size_t room_count, room_cap;
    uint64_t next_peer_id;
    char public_ip[64];          /* the first of media_public_ip: the c= line */
    char more_ips[8][64];        /* the others: further candidates */
    const char *more_ip_ptrs[8];
    size_t more_ip_count;
    char fingerprint_alg[16];
    const char *fingerprint; /* into the identity's "alg HEX" */
    struct counters n;
};

/* ---- plumbing ---- */

static void send_json(struct live_media *m, uint64_t conn, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (text && conn)
        m->io.send(m->io.arg, conn, text, strlen(text));
    free(text);
}

static void send_error(struct live_media *m, uint64_t conn, const char *code, const char *message)
{
    send_json(m, conn,
              json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", message));
}

/* ICE credentials from [a-zA-Z0-9] only: base64url's '-' and '_' are not ice-chars. */
static void ice_credential(char *out, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t bytes[64];
    rand_bytes(bytes, len);
    for (size_t i = 0; i < len; i++)
        out[i] = alphabet[bytes[i] % 62]; /* the bias of 256 % 62 is irrelevant here */
    out[len] = 0;
}

static uint32_t random_ssrc(void)
{
    uint32_t x = 0;
    while (x == 0)
        rand_bytes(&x, sizeof x);
    return x;
}

static struct mroom *room_find(struct live_media *m, uint64_t id)
{
    for (size_t i = 0; i < m->room_count; i++)
        if (m->rooms[i]->id == id)
            return m->rooms[i];
    return NULL;
}

static struct mroom *room_get(struct live_media *m, uint64_t id)
{
    struct mroom *r = room_find(m, id);
    if (r)
        return r;
    r = xcalloc(1, sizeof *r);
    r->id = id;
    size_t best = 0; /* the least busy worker takes the room */
    for (size_t i = 1; i < m->worker_count; i++)
        if (m->rooms_per_worker[i] < m->rooms_per_worker[best])
            best = i;
    r->worker = best;
    m->rooms_per_worker[best]++;
    if (m->room_count == m->room_cap) {
        m->room_cap = m->room_cap ? 2 * m->room_cap : 8;
        m->rooms = xrealloc(m->rooms, m->room_cap * sizeof *m->rooms);
    }
    m->rooms[m->room_count++] = r;
    return r;
}

static struct worker *worker_of(struct live_media *m, const struct mroom *r)
{
    return m->workers[r->worker];
}

static struct member *member_find(struct mroom *r, int id)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->members[i].id == id)
            return &r->members[i];
    return NULL;
}

static void local_of(struct live_media *m, const struct mroom *r, const char *ufrag,
                     const char *pwd, uint64_t session, int version, struct sdp_local *out)
{
    *out = (struct sdp_local){
        .ice_ufrag = ufrag,
        .ice_pwd = pwd,
        .fingerprint_alg = m->fingerprint_alg,
        .fingerprint = m->fingerprint,
        .host = m->public_ip,
        .more_hosts = m->more_ip_ptrs,
        .more_host_count = m->more_ip_count,
        .port = worker_port(worker_of(m, r)),
        .session_id = session,
        .session_version = (uint64_t)version,
    };
}

static void drop_transports(struct live_media *m, struct mroom *r, struct member *mb)
{
    if (mb->pub_peer)
        worker_remove_peer(worker_of(m, r), mb->pub_peer);
    if (mb->sub_peer)
        worker_remove_peer(worker_of(m, r), mb->sub_peer);
    mb->pub_peer = mb->sub_peer = 0;
}

/* ---- subscriptions ---- */

/* A fresh subscribe transport: new credentials, no tracks, the next offer says reset. */
static void subscription_new(struct member *mb)
{
    ice_credential(mb->sub_ufrag, 8);
    ice_credential(mb->sub_pwd, 24);
    rand_bytes(&mb->sub_session, sizeof mb->sub_session);
    mb->sub_session >>= 2; /* o= session ids are at most 63 bits */
    mb->track_count = 0;
    mb->pending = false;
    mb->reset = true;
    mb->dirty = true;
}

/* The old transport goes (lost, refused, or out of SSRCs) and a fresh one replaces it. */
static void subscription_reset(struct live_media *m, struct mroom *r, struct member *mb)
{
    if (mb->sub_peer)
        worker_remove_peer(worker_of(m, r), mb->sub_peer);
    mb->sub_peer = 0;
    subscription_new(mb);
    m->n.subscribe_resets++;
}

static bool wants(const struct member *pub, enum router_kind kind)
{
    return pub->present && pub->pub_peer && (kind == ROUTER_AUDIO ? pub->pub_audio : pub->pub_video);
}

/* Makes mb's tracks what the room publishes now; marks it dirty when that changed. */
static void subscription_update(struct live_media *m, struct mroom *r, struct member *mb)
{
    if (!mb->sub_ufrag[0])
        subscription_new(mb); /* the first: credentials before any track */
    for (size_t i = 0; i < mb->track_count; i++) {
        struct sub_track *t = &mb->tracks[i];
        if (!t->active)
            continue;
        struct member *pub = member_find(r, t->publisher);
        if (!pub || !wants(pub, t->kind) || pub->pub_gen != t->gen) {
            t->active = false;
            mb->dirty = true;
        }
    }
    for (size_t k = 0; k < r->count; k++) {
        struct member *pub = &r->members[k];
        if (pub == mb)
            continue;
        for (int kind = ROUTER_AUDIO; kind <= ROUTER_VIDEO; kind++) {
            if (!wants(pub, (enum router_kind)kind))
                continue;
            bool have = false;
            for (size_t i = 0; i < mb->track_count && !have; i++) {
                const struct sub_track *t = &mb->tracks[i];
                have = t->active && t->publisher == pub->id && t->gen == pub->pub_gen &&
                       t->kind == (enum router_kind)kind;
            }
            if (have)
                continue;
            size_t ssrcs = 0;
            for (size_t i = 0; i < mb->track_count; i++)
                ssrcs += mb->tracks[i].rtx_ssrc ? 2 : 1;
            if (mb->track_count == MAX_TRACKS || ssrcs + 2 > MAX_SSRCS) {
                if (mb->reset && !mb->sub_peer)
                    return; /* more live tracks than one transport takes */
                /* the transport is used up: start a new one with what is live now */
                subscription_reset(m, r, mb);
                subscription_update(m, r, mb);
                return;
            }
            struct sub_track *t = &mb->tracks[mb->track_count];
            memset(t, 0, sizeof *t);
            t->publisher = pub->id;
            t->gen = pub->pub_gen;
            t->kind = (enum router_kind)kind;
            t->codec = kind == ROUTER_AUDIO ? ROUTER_OPUS : pub->pub_video_codec;
            t->ssrc = random_ssrc();
            t->rtx_ssrc = kind == ROUTER_VIDEO ? random_ssrc() : 0;
            snprintf(t->mid, sizeof t->mid, "%zu", mb->track_count);
            snprintf(t->stream_id, sizeof t->stream_id, "p%d-%d", pub->id, pub->pub_gen);
            snprintf(t->track_id, sizeof t->track_id, "%s-%d-%d",
                     kind == ROUTER_AUDIO ? "audio" : "video", pub->id, pub->pub_gen);
            t->active = true;
            mb->track_count++;
            mb->dirty = true;
        }
    }
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

static void send_offer(struct live_media *m, struct mroom *r, struct member *mb)
{
    if (mb->pending || !mb->dirty || !mb->conn)
        return;
    if (mb->track_count == 0) {
        mb->dirty = false; /* nobody publishes yet: nothing to offer */
        return;
    }
    struct sdp_track tracks[MAX_TRACKS];
    sdp_tracks_of(mb, mb->track_count, NULL, tracks);
    struct sdp_local local;
    local_of(m, r, mb->sub_ufrag, mb->sub_pwd, mb->sub_session, mb->version + 1, &local);
    struct buf sdp = {0};
    struct sdp_error err = {0};
    if (sdp_offer(&local, tracks, mb->track_count, &sdp, &err) < 0) {
        log_error("media", "room=%" PRIu64 ": subscribe offer failed: %s", r->id, err.code);
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
        if (t->active)
            json_array_append_new(list, json_pack("{s:s,s:i,s:s}", "mid", t->mid, "participant",
                                                  t->publisher, "kind",
                                                  t->kind == ROUTER_AUDIO ? "audio" : "video"));
    }
    send_json(m, mb->conn,
              json_pack("{s:s,s:s%,s:i,s:b,s:o}", "type", "subscribe_offer", "sdp", sdp.data,
                        sdp.len, "version", mb->version, "reset", mb->reset, "tracks", list));
    mb->reset = false;
    m->n.subscribe_offers++;
    buf_free(&sdp);
}

static void room_update(struct live_media *m, struct mroom *r)
{
    for (size_t i = 0; i < r->count; i++)
        subscription_update(m, r, &r->members[i]);
    for (size_t i = 0; i < r->count; i++)
        send_offer(m, r, &r->members[i]);
}

/* ---- the room's members ---- */

static void room_free_at(struct live_media *m, size_t index)
{
    struct mroom *r = m->rooms[index];
    for (size_t i = 0; i < r->count; i++)
        drop_transports(m, r, &r->members[i]);
    m->rooms_per_worker[r->worker]--;
    free(r->members);
    free(r);
    m->rooms[index] = m->rooms[--m->room_count];
}

void live_media_close_room(struct live_media *m, uint64_t room)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->room_count; i++) {
        if (m->rooms[i]->id == room) {
            room_free_at(m, i);
            return;
        }
    }
}

void live_media_sync(struct live_media *m, uint64_t room, const struct live_room_member *members,
                     size_t count)
{
    if (!m)
        return;
    struct mroom *r = count ? room_get(m, room) : room_find(m, room);
    if (!r)
        return;
    for (size_t i = 0; i < r->count; i++)
        r->members[i].present = false;
    for (size_t k = 0; k < count; k++) {
        const struct live_room_member *lm = &members[k];
        struct member *mb = member_find(r, lm->id);
        if (mb && mb->conn != lm->conn) {
            /* the same person on a new connection: their page starts over */
            drop_transports(m, r, mb);
            int id = mb->id;
            memset(mb, 0, sizeof *mb);
            mb->id = id;
            mb->conn = lm->conn;
            mb->audio = !lm->audio; /* forces the media command below */
        }
        if (!mb) {
            if (r->count == r->cap) {
                r->cap = r->cap ? 2 * r->cap : 8;
                r->members = xrealloc(r->members, r->cap * sizeof *r->members);
            }
            mb = &r->members[r->count++];
            memset(mb, 0, sizeof *mb);
            mb->id = lm->id;
            mb->conn = lm->conn;
            mb->audio = !lm->audio;
        }
        mb->present = true;
        if (mb->audio != (lm->audio != 0) || mb->video != (lm->video != 0)) {
            mb->audio = lm->audio != 0;
            mb->video = lm->video != 0;
            worker_set_media(worker_of(m, r), r->id, (uint32_t)mb->id, mb->audio, mb->video);
        }
    }
    for (size_t i = 0; i < r->count;) {
        if (r->members[i].present) {
            i++;
            continue;
        }
        drop_transports(m, r, &r->members[i]);
        r->members[i] = r->members[--r->count];
    }
    if (r->count == 0) {
        for (size_t i = 0; i < m->room_count; i++)
            if (m->rooms[i] == r)
                room_free_at(m, i);
        return;
    }
    room_update(m, r);
}

/* Hands the worker a new transport for what the remote SDP said; its id, or 0 with err set
 * (`what`: "offer" or "answer", for the sentence). */
static uint64_t add_peer(struct live_media *m, struct mroom *r, int participant,
                         enum worker_role role, const struct router_publish_params *pp,
                         const char *ufrag, const char *pwd, const struct sdp_negotiated *neg,
                         const char *what, struct sdp_error *err)
{
    char fingerprint[256];
    snprintf(fingerprint, sizeof fingerprint, "%s %s", neg->remote_fingerprint_alg,
             neg->remote_fingerprint);
    uint64_t id = ++m->next_peer_id;
    struct worker_peer_params wp = {
        .peer_id = id,
        .room_id = r->id,
        .participant = (uint32_t)participant,
        .role = role,
        .publish = pp,
        .local_ufrag = ufrag,
        .local_pwd = pwd,
        .remote_ufrag = neg->remote_ufrag,
        .remote_fingerprint = fingerprint,
    };
    if (worker_add_peer(worker_of(m, r), &wp) == 0)
        return id;
    err->code = "sdp_no_ice_credentials";
    snprintf(err->message, sizeof err->message,
             "The %s's ICE credentials or fingerprint cannot be used.", what);
    return 0;
}

/* ---- publish ---- */

static enum router_codec router_codec_of(enum sdp_codec_id c)
{
    return c == SDP_CODEC_OPUS ? ROUTER_OPUS : c == SDP_CODEC_H264 ? ROUTER_H264 : ROUTER_VP8;
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
        } else {
            continue; /* one camera and one microphone per person */
        }
        if (nm->ext_id[SDP_EXT_TWCC])
            pp->twcc_id = nm->ext_id[SDP_EXT_TWCC]; /* one transport: one id for all */
        for (size_t c = 0; c < nm->codec_count && pp->pt_count + 2 <= ROUTER_MAX_PTS; c++) {
            const struct sdp_choice *ch = &nm->codecs[c];
            pp->pts[pp->pt_count++] = (struct router_pt){
                .pt = ch->pt, .kind = kind, .codec = router_codec_of(ch->codec)};
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

void live_media_publish(struct live_media *m, uint64_t room, int participant, const json_t *msg)
{
    struct mroom *r = m ? room_find(m, room) : NULL;
    struct member *mb = r ? member_find(r, participant) : NULL;
    if (!mb)
        return;
    const char *text = json_string_value(json_object_get(msg, "sdp"));
    if (!text) {
        send_error(m, mb->conn, "invalid_field", "publish needs the offer in \"sdp\".");
        return;
    }
    struct arena a = {0};
    struct sdp_session *offer;
    struct sdp_negotiated *neg = NULL;
    struct sdp_error err = {0};
    struct buf answer = {0};
    char ufrag[16], pwd[40];
    ice_credential(ufrag, 8);
    ice_credential(pwd, 24);
    uint64_t session;
    rand_bytes(&session, sizeof session);
    struct sdp_local local;
    local_of(m, r, ufrag, pwd, session >> 2, 1, &local);
    int rc = sdp_parse(&a, text, strlen(text), &offer, &err);
    if (rc == 0)
        rc = sdp_answer(&a, offer, &local, 0, &answer, &neg, &err);
    struct router_publish_params pp;
    bool audio = false, video = false;
    enum router_codec video_codec = ROUTER_VP8;
    if (rc == 0 && !publish_params(neg, &pp, &audio, &video, &video_codec)) {
        rc = -EINVAL;
        err.code = "sdp_no_media";
        snprintf(err.message, sizeof err.message,
                 "The offer sends neither audio nor video that can be received.");
    }
    if (rc == 0) {
        uint64_t id = add_peer(m, r, participant, WORKER_PUBLISH, &pp, ufrag, pwd, neg, "offer",
                               &err);
        if (id == 0) {
            rc = -EINVAL;
        } else {
            if (mb->pub_peer)
                worker_remove_peer(worker_of(m, r), mb->pub_peer);
            mb->pub_peer = id;
            mb->pub_gen++;
            /* the router forgets what a participant may send while they have no port, and
             * commands run in order: the host's mute holds from the first packet */
            worker_set_media(worker_of(m, r), r->id, (uint32_t)participant, mb->audio, mb->video);
            mb->pub_audio = audio;
            mb->pub_video = video;
            mb->pub_video_codec = video_codec;
        }
    }
    if (rc < 0) {
        m->n.publish_refused++;
        send_error(m, mb->conn, err.code ? err.code : "sdp_malformed",
                   err.message[0] ? err.message : "The offer could not be used.");
    } else {
        m->n.publish_answered++;
        send_json(m, mb->conn, json_pack("{s:s,s:s%}", "type", "publish_answer", "sdp",
                                         answer.data, answer.len));
        room_update(m, r);
    }
    buf_free(&answer);
    arena_free(&a);
}

/* ---- subscribe answers ---- */

void live_media_subscribe_answer(struct live_media *m, uint64_t room, int participant,
                                 const json_t *msg)
{
    struct mroom *r = m ? room_find(m, room) : NULL;
    struct member *mb = r ? member_find(r, participant) : NULL;
    if (!mb)
        return;
    const char *text = json_string_value(json_object_get(msg, "sdp"));
    json_t *version = json_object_get(msg, "version");
    if (!text || !json_is_integer(version)) {
        send_error(m, mb->conn, "invalid_field",
                   "subscribe_answer needs \"sdp\" and the offer's \"version\".");
        return;
    }
    if (!mb->pending || json_integer_value(version) != mb->version) {
        send_error(m, mb->conn, "stale_answer", "This answers an offer that is no longer current.");
        return;
    }
    struct arena a = {0};
    struct sdp_session *answer;
    struct sdp_negotiated *neg = NULL;
    struct sdp_error err = {0};
    struct sdp_track tracks[MAX_TRACKS];
    sdp_tracks_of(mb, mb->offered_count, mb->offered_active, tracks);
    int rc = sdp_parse(&a, text, strlen(text), &answer, &err);
    if (rc == 0)
        rc = sdp_accept_answer(&a, answer, tracks, mb->offered_count, &neg, &err);
    if (rc == 0 && !mb->sub_peer) {
        mb->sub_peer = add_peer(m, r, participant, WORKER_SUBSCRIBE, NULL, mb->sub_ufrag,
                                mb->sub_pwd, neg, "answer", &err);
        if (!mb->sub_peer)
            rc = -EINVAL;
    }
    mb->pending = false;
    if (rc < 0) {
        m->n.subscribe_refused++;
        send_error(m, mb->conn, err.code ? err.code : "sdp_malformed",
                   err.message[0] ? err.message : "The answer could not be used.");
        /* start over on a fresh transport rather than leave the page without video */
        subscription_reset(m, r, mb);
        subscription_update(m, r, mb);
        send_offer(m, r, mb);
        arena_free(&a);
        return;
    }
    m->n.subscribe_answers++;
    struct router_track rt[MAX_TRACKS];
    size_t n = 0;
    for (size_t i = 0; i < mb->offered_count; i++) {
        const struct sdp_negotiated_media *nm = &neg->media[i];
        if (!nm->accepted || nm->direction != SDP_SENDONLY)
            continue;
        const struct sub_track *t = &mb->tracks[i];
        rt[n++] = (struct router_track){
            .publisher = (uint32_t)t->publisher,
            .kind = t->kind,
            .codec = t->codec,
            .ssrc = t->ssrc,
            .pt = nm->codecs[0].pt,
            .audio_level = nm->ext_id[SDP_EXT_AUDIO_LEVEL] != 0,
            .rtx_ssrc = nm->codecs[0].rtx_pt >= 0 ? t->rtx_ssrc : 0,
            .rtx_pt = nm->codecs[0].rtx_pt >= 0 ? (uint8_t)nm->codecs[0].rtx_pt : 0,
            .cname = "confide",
        };
    }
    worker_set_tracks(worker_of(m, r), mb->sub_peer, rt, n);
    arena_free(&a);
    send_offer(m, r, mb); /* what changed while the offer was out */
}

void live_media_subscribe_restart(struct live_media *m, uint64_t room, int participant)
{
    struct mroom *r = m ? room_find(m, room) : NULL;
    struct member *mb = r ? member_find(r, participant) : NULL;
    if (!mb || !mb->sub_peer)
        return; /* nothing to restart: the first offer is still on its way */
    subscription_reset(m, r, mb);
    subscription_update(m, r, mb);
    send_offer(m, r, mb);
}

/* ---- worker events ---- */

static bool find_peer(struct live_media *m, uint64_t peer_id, struct mroom **room,
                      struct member **member)
{
    for (size_t i = 0; i < m->room_count; i++) {
        struct mroom *r = m->rooms[i];
        for (size_t k = 0; k < r->count; k++) {
            struct member *mb = &r->members[k];
            if (mb->pub_peer == peer_id || mb->sub_peer == peer_id) {
                *room = r;
                *member = mb;
                return true;
            }
        }
    }
    return false;
}

static void on_event(struct live_media *m, const struct worker_event *ev)
{
    struct mroom *r;
    struct member *mb;
    if (ev->type == WORKER_EV_SPEAKER) {
        r = room_find(m, ev->room_id);
        for (size_t i = 0; r && i < r->count; i++)
            send_json(m, r->members[i].conn,
                      json_pack("{s:s,s:i}", "type", "active_speaker", "participant",
                                (int)ev->participant));
        return;
    }
    if (ev->type != WORKER_EV_CLOSED || !find_peer(m, ev->peer_id, &r, &mb))
        return;
    m->n.transports_lost++;
    if (mb->pub_peer == ev->peer_id) {
        /* the page publishes again on a new transport when it sees this */
        mb->pub_peer = 0;
        mb->pub_audio = mb->pub_video = false;
        send_json(m, mb->conn, json_pack("{s:s}", "type", "publish_lost"));
    } else {
        mb->sub_peer = 0;
        subscription_reset(m, r, mb);
    }
    room_update(m, r);
}

void live_media_poll(struct live_media *m)
{
    if (!m)
        return;
    struct worker_event evs[EVENTS_BATCH];
    for (size_t w = 0; w < m->worker_count; w++) {
        size_t n;
        while ((n = worker_poll_events(m->workers[w], evs, EVENTS_BATCH)) > 0)
            for (size_t i = 0; i < n; i++)
                on_event(m, &evs[i]);
    }
}

/* ---- metrics ---- */

void live_media_metrics(struct live_media *m, struct buf *out)
{
    if (!m)
        return;
    for (int c = 0; c < WORKER_COUNTER_COUNT; c++) {
        uint64_t sum = 0;
        for (size_t w = 0; w < m->worker_count; w++)
            sum += worker_counter(m->workers[w], (enum worker_counter)c);
        buf_printf(out, "confide_media_%s_total %" PRIu64 "\n",
                   worker_counter_name((enum worker_counter)c), sum);
    }
    /* summed field by field: the struct is counters only */
    _Static_assert(sizeof(struct router_stats) % sizeof(uint64_t) == 0,
                   "router_stats holds uint64_t counters only");
    struct router_stats total = {0}, one;
    for (size_t w = 0; w < m->worker_count; w++) {
        worker_router_stats(m->workers[w], &one);
        uint64_t *t = (uint64_t *)&total;
        const uint64_t *o = (const uint64_t *)&one;
        for (size_t i = 0; i < sizeof total / sizeof(uint64_t); i++)
            t[i] += o[i];
    }
#define STAT(name) buf_printf(out, "confide_media_" #name "_total %" PRIu64 "\n", total.name)
    STAT(rtp_in);
    STAT(rtcp_in);
    STAT(forwarded);
    STAT(drop_unknown_pt);
    STAT(drop_muted);
    STAT(drop_malformed);
    STAT(drop_stale);
    STAT(drop_no_buffer);
    STAT(waiting_keyframe);
    STAT(keyframes);
    STAT(pli_sent);
    STAT(pli_received);
    STAT(nack_received);
    STAT(nack_recovered);
    STAT(nack_missed);
    STAT(nack_sent);
    STAT(nack_repaired);
    STAT(rtx_in);
    STAT(rtx_duplicate);
    STAT(sr_sent);
    STAT(rr_sent);
    STAT(twcc_sent);
    STAT(speaker_changes);
#undef STAT
#define COUNT(name) buf_printf(out, "confide_media_" #name "_total %" PRIu64 "\n", m->n.name)
    COUNT(publish_answered);
    COUNT(publish_refused);
    COUNT(subscribe_offers);
    COUNT(subscribe_answers);
    COUNT(subscribe_refused);
    COUNT(subscribe_resets);
    COUNT(transports_lost);
#undef COUNT
    size_t rooms = m->room_count;
    buf_printf(out, "confide_media_rooms %zu\nconfide_media_workers %zu\n", rooms,
               m->worker_count);
}

/* ---- life cycle ---- */

struct live_media *live_media_start(const struct config *cfg, struct live_media_io io,
                                    struct buf *err)
{
    struct live_media *m = xcalloc(1, sizeof *m);
    m->cfg = cfg;
    m->io = io;
    /* "a, b, c": the first address and up to 8 more */
    const char *p = cfg->media_public_ip;
    for (size_t n = 0; *p; n++) {
        p += strspn(p, ", ");
        size_t len = strcspn(p, ", ");
        if (len == 0)
            break;
        char *dst = n == 0 ? m->public_ip : m->more_ips[n - 1];
        if (len >= sizeof m->public_ip || n > 8) {
            buf_printf(err, "media_public_ip takes up to 9 addresses, each shorter than 64");
            free(m);
            return NULL;
        }
        memcpy(dst, p, len);
        dst[len] = 0;
        uint8_t addr[16];
        if (inet_pton(AF_INET, dst, addr) != 1 && inet_pton(AF_INET6, dst, addr) != 1) {
            buf_printf(err, "media_public_ip: \"%s\" is not an IPv4 or IPv6 address", dst);
            free(m);
            return NULL;
        }
        if (n > 0) {
            m->more_ip_ptrs[n - 1] = dst;
            m->more_ip_count = n;
        }
        p += len;
    }
    if (!m->public_ip[0]) {
        buf_printf(err, "media_public_ip is not an address");
        free(m);
        return NULL;
    }
    if (dtls_identity_new(clock_wall_ms(), &m->identity) < 0) {
        buf_printf(err, "the DTLS certificate could not be made");
        free(m);
        return NULL;
    }
    const char *fp = dtls_identity_fingerprint(m->identity);
    size_t alg_len = strcspn(fp, " ");
    snprintf(m->fingerprint_alg, sizeof m->fingerprint_alg, "%.*s", (int)alg_len, fp);
    m->fingerprint = fp + alg_len + 1;
    long n = cfg->media_workers;
    if (n <= 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1)
            n = 1;
    }
    m->workers = xcalloc((size_t)n, sizeof *m->workers);
    m->rooms_per_worker = xcalloc((size_t)n, sizeof *m->rooms_per_worker);
    for (long i = 0; i < n; i++) {
        struct worker_config wc = {
            .bind_ip = cfg->media_bind,
            .port = cfg->media_port ? (uint16_t)(cfg->media_port + i) : 0,
            .identity = m->identity,
        };
        int rc = worker_start(&wc, &m->workers[i]);
        if (rc < 0) {
            buf_printf(err, "media worker %ld cannot use %s:%ld: %s", i, cfg->media_bind,
                       cfg->media_port ? cfg->media_port + i : 0, strerror(-rc));
            m->worker_count = (size_t)i;
            live_media_stop(m);
            return NULL;
        }
        m->worker_count = (size_t)i + 1;
    }
    if (m->more_ip_count)
        log_info("media", "%zu media worker(s) on %s, announcing %s and %zu more address(es)",
                 m->worker_count, cfg->media_bind, m->public_ip, m->more_ip_count);
    else
        log_info("media", "%zu media worker(s) on %s, announcing %s", m->worker_count,
                 cfg->media_bind, m->public_ip);
    return m;
}

void live_media_stop(struct live_media *m)
{
    if (!m)
        return;
    while (m->room_count)
        room_free_at(m, 0);
    free(m->rooms);
    for (size_t i = 0; i < m->worker_count; i++)
        worker_stop(m->workers[i]);
    free(m->workers);
    free(m->rooms_per_worker);
    dtls_identity_free(m->identity);
    free(m);
}

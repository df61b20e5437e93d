#include "live/service_internal.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/links.h"
#include "auth/login.h"
#include "auth/throttle.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/turn_cred.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "live/handlers.h"
#include "live/media.h"
#include "live/meeting.h"
#include "live/protocol.h"
#include "practice/charging.h"
#include "sfu/limits.h"

/* ---- plumbing ---- */

void svc_send_json(struct live_service *svc, uint64_t conn, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (text)
        svc->io.send(svc->io.arg, conn, text, strlen(text));
    free(text);
}

void svc_send_error(struct live_service *svc, uint64_t conn, const char *code, const char *message)
{
    svc_send_json(svc, conn,
                  json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", message));
}

void svc_refuse(struct live_service *svc, uint64_t conn, const char *code, const char *message,
                json_t *extra)
{
    json_t *msg =
        json_pack("{s:s,s:s,s:s}", "type", "join_refused", "code", code, "message", message);
    if (extra) {
        json_object_update(msg, extra);
        json_decref(extra);
    }
    svc_send_json(svc, conn, msg);
}

struct live_conn *svc_find_conn(struct live_service *svc, uint64_t id)
{
    for (size_t i = 0; i < svc->conn_count; i++)
        if (svc->conns[i].id == id)
            return &svc->conns[i];
    return NULL;
}

/* What a meeting asked to keep across a restart: who was admitted (or is gone for good),
 * the lock, and, once it ended, none of it. */
static int store_meeting_state(struct live_service *svc, int64_t occurrence_id,
                               const struct live_effects *fx)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < fx->admission_count; i++) {
        const struct live_admission *a = &fx->admissions[i];
        if (a->gone) {
            rc = store_admitted_clear(svc->store, occurrence_id, a->client_id, a->user_id);
            continue;
        }
        struct store_admitted row = {a->client_id, a->user_id, a->participant, a->role,
                                     a->name,      {0},        a->admitted_at};
        memcpy(row.key_hash, a->key_hash, sizeof row.key_hash);
        rc = store_admitted_set(svc->store, occurrence_id, &row);
    }
    if (rc == 0 && fx->lock_changed)
        rc = store_meeting_lock_set(svc->store, occurrence_id, fx->lock_changed > 0,
                                    fx->lock_changed_at);
    /* ended for everyone: nobody comes back by key, and the names need not stay */
    if (rc == 0 && fx->ended_at)
        rc = store_meeting_state_delete(svc->store, occurrence_id);
    return rc;
}

/* Writes the rooms' attendance records, who was turned away (or let knock again) and what
 * the meeting keeps across a restart, in one transaction; a failure loses a record, never
 * the meeting. */
static void store_records(struct live_service *svc, const struct room_entry *re,
                          const struct live_effects *fx)
{
    if (fx->record_count == 0 && fx->turned_away_count == 0 && fx->admission_count == 0 &&
        !fx->lock_changed && !fx->ended_at)
        return;
    int rc = store_begin(svc->store);
    for (size_t i = 0; rc == 0 && i < fx->record_count; i++) {
        const struct live_attendance *a = &fx->records[i];
        rc = store_attendance_add(svc->store, re->occurrence_id, a->client_id, a->user_id, a->event,
                                  a->at);
    }
    for (size_t i = 0; rc == 0 && i < fx->turned_away_count; i++) {
        const struct live_turn_away *t = &fx->turned_away[i];
        rc = store_turned_away_set(svc->store, re->occurrence_id, t->client_id, t->user_id, t->what,
                                   t->at);
    }
    if (rc == 0)
        rc = store_meeting_state(svc, re->occurrence_id, fx);
    if (rc == 0)
        rc = store_commit(svc->store);
    if (rc < 0) {
        store_rollback(svc->store);
        log_warn("live", "occurrence=%lld: attendance could not be written",
                 (long long)re->occurrence_id);
    }
}

/* Tells every node's dashboards how many wait for the meeting, when that changed. */
void svc_tell_waiting(struct live_service *svc, struct room_entry *re, int force)
{
    int n = (int)live_room_waiting(meeting_room(re->meeting));
    if ((n == re->waiting_told && !force) || re->staff_count == 0)
        return;
    struct store_event e = {.kind = STORE_EVENT_WAITING,
                            .occurrence_id = re->occurrence_id,
                            .series_id = re->series_id,
                            .count = n,
                            .staff_count = re->staff_count};
    memcpy(e.staff, re->staff, sizeof e.staff);
    if (store_event_send(svc->store, &e) == 0)
        re->waiting_told = n;
}

/* Someone about to be told `admitted` gets audio and video: first, fresh credentials for
 * the practice's TURN server (when turn_uris names one), so the page's RTCPeerConnections
 * can relay through it where UDP to the media port does not get through. Fresh on every
 * admission, a return after a dropped connection included. The user name's id is random,
 * never who the person is (the TURN server logs it); nothing here is logged. The expiry is
 * read from the wall clock, not the meeting's `now`: the TURN server compares it with its
 * own. */
void svc_send_ice_servers(struct live_service *svc, uint64_t conn, long ttl)
{
    const struct config *cfg = svc->cfg;
    if (cfg->turn_uri_count == 0)
        return;
    char id[24];
    rand_token(id, sizeof id, 12); /* base64url: no ':' */
    struct turn_cred cred;
    if (turn_cred_make(cfg->turn_secret, clock_wall_ms() / 1000, ttl, id, &cred) < 0)
        return; /* config_finish checked the secret: not reached */
    json_t *urls = json_array();
    for (int i = 0; i < cfg->turn_uri_count; i++)
        json_array_append_new(urls, json_string(cfg->turn_uri_list[i]));
    svc_send_json(svc, conn,
                  json_pack("{s:s,s:[{s:o,s:s,s:s}]}", "type", "ice_servers", "ice_servers", "urls",
                            urls, "username", cred.username, "credential", cred.password));
    sodium_memzero(&cred, sizeof cred);
}

/* live/room.c's `admitted` (json_pack keeps the order of the keys: "type" comes first) */
static bool is_admitted(const char *text)
{
    static const char prefix[] = "{\"type\":\"admitted\"";
    return strncmp(text, prefix, sizeof prefix - 1) == 0;
}

/* Carries out what a meeting decided, in order: messages, the attendance records and the
 * meeting's end (one transaction), the media commands, then the connections to close. */
void svc_carry_out(struct live_service *svc, struct room_entry *re, struct live_effects *fx)
{
    for (size_t i = 0; i < fx->send_count; i++) {
        if (is_admitted(fx->sends[i].text))
            svc_send_ice_servers(svc, fx->sends[i].conn, svc->cfg->turn_ttl);
        svc->io.send(svc->io.arg, fx->sends[i].conn, fx->sends[i].text, strlen(fx->sends[i].text));
    }
    store_records(svc, re, fx);
    svc_store_checkins(svc, re, fx);
    if (fx->ended_at && store_occurrence_end(svc->store, re->occurrence_id, fx->ended_at) < 0)
        /* the links still open until its end time: a loss of comfort, not of data */
        log_warn("live", "occurrence=%lld: its end could not be written",
                 (long long)re->occurrence_id);
    else if (fx->ended_at &&
             charging_occurrence_id(svc->store, svc->cfg, re->occurrence_id, fx->ended_at) < 0)
        /* the mail thread's tick makes them within a minute */
        log_warn("live", "occurrence=%lld: its charges wait for the next look",
                 (long long)re->occurrence_id);
    if (svc->media) /* without media the room's ALLOW commands have nobody to reach */
        live_media_apply(svc->media, (uint64_t)re->occurrence_id, fx->media, fx->media_count);
    for (size_t i = 0; i < fx->close_count; i++) {
        struct live_conn *c = svc_find_conn(svc, fx->closes[i]);
        if (c)
            c->room = NULL;
        svc->io.close(svc->io.arg, fx->closes[i]);
    }
    live_effects_clear(fx);
}

/* carry_out, and the dashboards hear of a change in who waits */
void svc_apply(struct live_service *svc, struct room_entry *re, struct live_effects *fx)
{
    svc_carry_out(svc, re, fx);
    svc_tell_waiting(svc, re, 0);
}

/* ---- rooms ---- */

static struct room_entry *find_room(struct live_service *svc, int64_t occurrence_id)
{
    for (size_t i = 0; i < svc->room_count; i++)
        if (svc->rooms[i]->occurrence_id == occurrence_id)
            return svc->rooms[i];
    return NULL;
}

static int setting(const char *settings_json, const char *key)
{
    json_t *s = json_loads(settings_json ? settings_json : "{}", 0, NULL);
    json_t *v = json_object_get(s, key);
    int on = !v || json_is_true(v); /* every setting is on unless turned off */
    json_decref(s);
    return on;
}

/* Tells a meeting just opened who was turned away from it before (the server restarted,
 * or the meeting closed while empty and opened again). */
static void restore_turned_away(struct live_service *svc, struct meeting *m, int64_t occurrence_id)
{
    struct arena a = {0};
    struct store_turned_away *list;
    size_t n;
    if (store_turned_away_list(svc->store, &a, occurrence_id, &list, &n) < 0) {
        log_warn("live", "occurrence=%lld: who was turned away could not be read",
                 (long long)occurrence_id);
        n = 0;
    }
    struct live_room_turned_away *out = arena_alloc(&a, (n + 1) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        struct store_client client;
        struct store_user user;
        if (list[i].client_id && store_client_get(svc->store, &a, list[i].client_id, &client) == 0)
            name = client.name;
        else if (list[i].user_id && store_user_by_id(svc->store, &a, list[i].user_id, &user) == 0)
            name = user.name;
        out[i] = (struct live_room_turned_away){
            .who = {list[i].client_id ? LIVE_CLIENT : LIVE_COHOST, list[i].user_id,
                    list[i].client_id, name},
            .removed = strcmp(list[i].what, "removed") == 0,
            .at = list[i].at,
        };
    }
    live_room_set_turned_away(meeting_room(m), out, n);
    arena_free(&a);
}

/* Brings back what a meeting kept before a restart: who had been admitted (they rejoin
 * by key, straight in) and the lock. Hosts are among them: their sign-in finds the same
 * participant again, so nobody is there twice. */
static void restore_state(struct live_service *svc, struct meeting *m, int64_t occurrence_id)
{
    struct arena a = {0};
    struct store_admitted *list;
    size_t n;
    int locked = 0;
    if (store_admitted_list(svc->store, &a, occurrence_id, &list, &n) < 0 ||
        store_meeting_locked(svc->store, occurrence_id, &locked) < 0) {
        log_warn("live", "occurrence=%lld: the meeting's state could not be read",
                 (long long)occurrence_id);
        n = 0;
    }
    struct live_room_admitted *out = arena_alloc(&a, (n + 1) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        enum live_role role = strcmp(list[i].role, "host") == 0     ? LIVE_HOST
                              : strcmp(list[i].role, "cohost") == 0 ? LIVE_COHOST
                                                                    : LIVE_CLIENT;
        out[i] = (struct live_room_admitted){
            .who = {role, list[i].user_id, list[i].client_id, list[i].name},
            .participant = list[i].participant,
            .admitted_at = list[i].admitted_at,
        };
        memcpy(out[i].key_hash, list[i].key_hash, sizeof out[i].key_hash);
    }
    live_room_restore(meeting_room(m), locked, out, n);
    if (n || locked)
        log_info("live", "occurrence=%lld: meeting restored (%zu admitted, %s)",
                 (long long)occurrence_id, n, locked ? "locked" : "unlocked");
    arena_free(&a);
}

/* Who hears how many wait: the session's therapist and its group's co-facilitators. */
static void room_staff(struct live_service *svc, const struct store_series *se,
                       struct room_entry *re)
{
    re->staff[re->staff_count++] = se->therapist_id;
    struct arena a = {0};
    int64_t *ids;
    size_t n = 0;
    if (se->group_id && store_group_facilitators(svc->store, &a, se->group_id, &ids, &n) < 0) {
        log_warn("live", "series=%lld: the co-facilitators could not be read", (long long)se->id);
        n = 0;
    }
    for (size_t i = 0; i < n && re->staff_count < STORE_EVENT_STAFF_MAX; i++)
        re->staff[re->staff_count++] = ids[i];
    arena_free(&a);
}

/* Opens the occurrence's meeting here, once this node holds its lease: 0 with *out,
 * -EBUSY when another node carries it (*elsewhere says where), or a store error. */
static int open_room(struct live_service *svc, const struct store_series *se,
                     const struct store_occurrence *o, int64_t now, struct room_entry **out,
                     struct store_lease_holder *elsewhere)
{
    struct room_entry *re = find_room(svc, o->id);
    if (re) {
        *out = re;
        return 0;
    }
    int rc = store_lease_claim(svc->store, o->id, svc->cfg->node_id, svc->cfg->node_url, now,
                               now + LEASE_TTL_MS, elsewhere);
    if (rc == -EAGAIN) /* released just now by its holder: free for this node */
        rc = store_lease_claim(svc->store, o->id, svc->cfg->node_id, svc->cfg->node_url, now,
                               now + LEASE_TTL_MS, elsewhere);
    if (rc < 0) {
        if (rc != -EBUSY)
            log_warn("live", "occurrence=%lld: the meeting's lease could not be claimed",
                     (long long)o->id);
        return rc == -EBUSY ? rc : -EIO;
    }
    struct live_room_settings s = {
        .occurrence_id = o->id,
        .ends_at = o->ends_at,
        .waiting_room = setting(se->settings, "waiting_room"),
        .chat = setting(se->settings, "chat"),
        .host_video = setting(se->settings, "host_video"),
        .participant_video = setting(se->settings, "participant_video"),
        .title = se->title,
    };
    re = xcalloc(1, sizeof *re);
    re->occurrence_id = o->id;
    re->series_id = se->id;
    re->group_id = se->group_id;
    re->ends_at = o->ends_at;
    re->waiting_told = -1;
    room_staff(svc, se, re);
    const struct media_local *local =
        svc->media ? live_media_pin(svc->media, (uint64_t)o->id) : NULL;
    re->meeting =
        meeting_new(&s, local, svc->media ? live_media_counters(svc->media) : NULL, rand_bytes);
    restore_state(svc, re->meeting, o->id); /* first: those kept keep their ids */
    restore_turned_away(svc, re->meeting, o->id);
    if (svc->room_count == svc->room_cap) {
        svc->room_cap = svc->room_cap ? svc->room_cap * 2 : 8;
        svc->rooms = xrealloc(svc->rooms, svc->room_cap * sizeof *svc->rooms);
    }
    svc->rooms[svc->room_count++] = re;
    log_info("live", "occurrence=%lld: meeting opened", (long long)o->id);
    *out = re;
    return 0;
}

/* The page is sent to the node carrying its meeting (it reconnects there and repeats
 * what it asked), or told this server cannot answer now. */
static void refuse_elsewhere(struct live_service *svc, uint64_t conn, int rc,
                             const struct store_lease_holder *elsewhere)
{
    if (rc == -EBUSY)
        svc_send_json(svc, conn,
                      json_pack("{s:s,s:s}", "type", "moved", "url", elsewhere->node_url));
    else
        svc_send_error(svc, conn, "unavailable", "The server cannot open this meeting right now.");
}

/* ---- links ---- */

struct link {
    int host;
    struct store_series series;
    struct store_client client; /* for a client's link */
    struct store_user therapist;
    struct store_group group; /* for a group session */
    int has_group;
};

static int resolve_link(struct live_service *svc, struct arena *a, const char *token,
                        struct link *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(token);
    if (n < 16 || n > 64)
        return -ENOENT;
    uint8_t hash[32];
    link_token_hash(token, hash);
    struct store_invite inv;
    int rc = store_invite_by_token_hash(svc->store, a, hash, &inv);
    if (rc == 0) {
        /* revoked, the client archived, or no longer a member of the group: like a link
         * that never was (it reveals nothing) */
        int current;
        rc = store_invite_current(svc->store, inv.id, &current);
        if (rc == 0 && !current)
            return -ENOENT;
        if (rc == 0)
            rc = store_series_get(svc->store, a, inv.series_id, &out->series);
        if (rc == 0)
            rc = store_client_get(svc->store, a, inv.client_id, &out->client);
    } else if (rc == -ENOENT) {
        rc = store_series_by_host_token_hash(svc->store, a, hash, &out->series);
        out->host = 1;
    }
    if (rc == 0)
        rc = store_user_by_id(svc->store, a, out->series.therapist_id, &out->therapist);
    if (rc == 0 && out->series.group_id) {
        rc = store_group_get(svc->store, a, out->series.group_id, &out->group);
        out->has_group = rc == 0;
        if (rc == -ENOENT)
            rc = 0;
    }
    return rc;
}

/* The occurrence that can be joined now, or why none can. */
static const char *pick_occurrence(struct live_service *svc, struct arena *a, int64_t series_id,
                                   int64_t now, struct store_occurrence *out, int64_t *opens_at)
{
    struct store_occurrence *occ;
    size_t n;
    int64_t early = (int64_t)svc->cfg->join_early_minutes * 60000;
    *opens_at = 0;
    if (store_occurrence_list(svc->store, a, series_id, &occ, &n) < 0)
        return "error";
    for (size_t i = 0; i < n; i++) {
        if (occ[i].cancelled_at || occ[i].ended_at || occ[i].ends_at <= now)
            continue;
        *out = occ[i];
        if (occ[i].starts_at - early <= now)
            return "open";
        if (!*opens_at || occ[i].starts_at - early < *opens_at)
            *opens_at = occ[i].starts_at - early;
    }
    return *opens_at ? "too_early" : "over";
}

static int guess_wait(struct live_service *svc, const struct live_conn *c, int64_t now,
                      const char *token, char link_key[80])
{
    char addr_key[THROTTLE_KEY_MAX];
    throttle_address_key("join-addr", c->peer, addr_key);
    uint8_t h[8];
    crypto_generichash(h, sizeof h, (const uint8_t *)token, strlen(token), NULL, 0);
    memcpy(link_key, "join-link:", 10);
    sodium_bin2hex(link_key + 10, 70, h, sizeof h);
    int64_t w1 = throttle_wait_ms(svc->guesses, addr_key, now);
    int64_t w2 = throttle_wait_ms(svc->guesses, link_key, now);
    int64_t w = w1 > w2 ? w1 : w2;
    return (int)((w + 999) / 1000);
}

static void guessed_wrong(struct live_service *svc, const struct live_conn *c, int64_t now,
                          const char *link_key)
{
    char addr_key[THROTTLE_KEY_MAX];
    throttle_address_key("join-addr", c->peer, addr_key);
    throttle_failure(svc->guesses, addr_key, now);
    if (link_key)
        throttle_failure(svc->guesses, link_key, now);
}

static void refuse_not_right(struct live_service *svc, uint64_t conn)
{
    svc_refuse(svc, conn, "invalid",
               "This link or meeting password is not right. Please check the email with your "
               "invitation.",
               NULL);
}

static int refuse_unjoinable(struct live_service *svc, uint64_t conn, const struct link *l,
                             const char *status, int64_t opens_at)
{
    if (l->series.cancelled_at) {
        svc_refuse(svc, conn, "cancelled", "This session has been cancelled.", NULL);
        return -1;
    }
    if (strcmp(status, "too_early") == 0) {
        char message[160];
        long minutes = svc->cfg->join_early_minutes;
        snprintf(message, sizeof message,
                 "It is too early to join. The session opens %ld minutes before it starts.",
                 minutes);
        svc_refuse(svc, conn, "too_early", message,
                   json_pack("{s:I}", "opens_at", (json_int_t)opens_at));
        return -1;
    }
    if (strcmp(status, "over") == 0) {
        svc_refuse(svc, conn, "over", "This session is over.", NULL);
        return -1;
    }
    if (strcmp(status, "open") != 0) {
        svc_send_error(svc, conn, "unavailable", "The server cannot look this up right now.");
        return -1;
    }
    return 0;
}

/* ---- messages before joining ---- */

/* Why staff_role found no role: nobody signed in on this connection, or someone who is not
 * this session's therapist, co-facilitator or an admin. */
enum { STAFF_NOT_SIGNED_IN = -2, STAFF_NOT_STAFF = -1 };

static int staff_role(struct live_service *svc, struct arena *a, const struct live_conn *c,
                      const struct store_series *se, int64_t now, struct store_user *user);

static json_t *preview_json(struct live_service *svc, const char *role, const char *name,
                            const char *title, const struct store_occurrence *o, const char *status,
                            int64_t opens_at, int requires_password)
{
    json_t *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "type", "preview", "role", role,
                            "name", name, "title", title, "practice_name", svc->cfg->practice_name,
                            "status", status, "requires_password", requires_password);
    if (o->id) { /* with nothing left to join there are no times to show */
        json_object_set_new(out, "starts_at", json_integer(o->starts_at));
        json_object_set_new(out, "ends_at", json_integer(o->ends_at));
        json_object_set_new(
            out, "opens_at",
            json_integer(strcmp(status, "too_early") == 0
                             ? opens_at
                             : o->starts_at - (int64_t)svc->cfg->join_early_minutes * 60000));
    }
    return out;
}

/* The session a signed-in therapist or co-facilitator names by id, and their role in it;
 * answers join_refused and returns -1 when they have none. */
static int staff_session(struct live_service *svc, struct arena *a, const struct live_conn *c,
                         const json_t *msg, int64_t now, struct store_series *se,
                         struct store_user *user)
{
    json_t *sid = json_object_get(msg, "session_id");
    int role = STAFF_NOT_STAFF;
    if (json_is_integer(sid) && store_series_get(svc->store, a, json_integer_value(sid), se) == 0)
        role = staff_role(svc, a, c, se, now, user);
    if (role == STAFF_NOT_SIGNED_IN) /* the page sends them to sign in, and back */
        svc_refuse(svc, c->id, "sign_in_required",
                   "Sign in first, as this session's therapist or a co-facilitator.",
                   json_pack("{s:I}", "session_id", (json_int_t)se->id));
    else if (role < 0)
        svc_refuse(svc, c->id, "invalid",
                   "Sign in first, as this session's therapist or a co-facilitator.", NULL);
    return role;
}

/* A signed-in therapist or co-facilitator looking at /m/<session id>. */
static void preview_staff(struct live_service *svc, struct live_conn *c, const json_t *msg,
                          int64_t now, struct arena *a)
{
    struct store_series se;
    struct store_user user;
    int role = staff_session(svc, a, c, msg, now, &se, &user);
    if (role < 0)
        return;
    if (se.cancelled_at) {
        svc_refuse(svc, c->id, "cancelled", "This session has been cancelled.", NULL);
        return;
    }
    struct store_occurrence o = {0};
    int64_t opens_at;
    const char *status = pick_occurrence(svc, a, se.id, now, &o, &opens_at);
    svc_send_json(svc, c->id,
                  preview_json(svc, role == LIVE_HOST ? "host" : "cohost", user.name, se.title, &o,
                               status, opens_at, 0));
}

/* A host link does not make its holder the host: the signed-in therapist of the session (or
 * a co-facilitator or an admin) hosts, as from the dashboard, through by_session (the
 * preview or the join by session id); anyone else is sent to sign in. */
static void host_by_link(struct live_service *svc, struct arena *a, struct live_conn *c,
                         const struct link *l, int64_t now,
                         void (*by_session)(struct live_service *, struct live_conn *,
                                            const json_t *, int64_t, struct arena *))
{
    struct store_user user;
    if (staff_role(svc, a, c, &l->series, now, &user) < 0) {
        svc_refuse(svc, c->id, "sign_in_required", "Please sign in to host this session.",
                   json_pack("{s:I}", "session_id", (json_int_t)l->series.id));
        return;
    }
    json_t *by_id = json_pack("{s:I}", "session_id", (json_int_t)l->series.id);
    by_session(svc, c, by_id, now, a);
    json_decref(by_id);
}

void live_service_on_preview(struct live_service *svc, struct live_conn *c, const json_t *msg,
                             int64_t now)
{
    if (json_object_get(msg, "session_id")) {
        struct arena staff = {0};
        preview_staff(svc, c, msg, now, &staff);
        arena_free(&staff);
        return;
    }
    const char *token = json_string_value(json_object_get(msg, "token"));
    char link_key[80];
    int wait = guess_wait(svc, c, now, token ? token : "", link_key);
    if (wait > 0) {
        svc_refuse(svc, c->id, "throttled", "Too many attempts. Please wait and try again.",
                   json_pack("{s:i}", "retry_after", wait));
        return;
    }
    struct arena a = {0};
    struct link l;
    if (!token || resolve_link(svc, &a, token, &l) < 0) {
        guessed_wrong(svc, c, now, NULL);
        refuse_not_right(svc, c->id);
        arena_free(&a);
        return;
    }
    if (l.host) {
        host_by_link(svc, &a, c, &l, now, preview_staff);
        arena_free(&a);
        return;
    }
    struct store_occurrence o = {0};
    int64_t opens_at;
    const char *status = pick_occurrence(svc, &a, l.series.id, now, &o, &opens_at);
    if (l.series.cancelled_at) {
        svc_refuse(svc, c->id, "cancelled", "This session has been cancelled.", NULL);
        arena_free(&a);
        return;
    }
    /* before the meeting password a client's link shows the practice and the time only:
     * their name, the group and its agreement come after it (join answers
     * agreement_required with the agreement once the password is right) */
    int password = setting(l.series.settings, "require_password");
    json_t *out = preview_json(svc, "client", password ? "" : l.client.name, "Your appointment", &o,
                               status, opens_at, password);
    if (l.has_group && !password) {
        json_object_set_new(out, "agreement", json_string(l.group.agreement));
        json_object_set_new(out, "agreement_version", json_integer(l.group.agreement_version));
    }
    svc_send_json(svc, c->id, out);
    arena_free(&a);
}

static void joined(struct live_service *svc, struct live_conn *c, struct room_entry *re, int id,
                   enum live_role role, const char *key, struct live_effects *fx)
{
    svc_send_json(svc, c->id,
                  json_pack("{s:s,s:i,s:s,s:s}", "type", "joined", "participant", id, "role",
                            role == LIVE_HOST     ? "host"
                            : role == LIVE_COHOST ? "cohost"
                                                  : "client",
                            "rejoin_key", key));
    c->room = re;
    svc_apply(svc, re, fx);
}

static void refuse_room(struct live_service *svc, uint64_t conn, int rc)
{
    if (rc == LIVE_LOCKED)
        svc_refuse(svc, conn, "locked",
                   "The therapist has locked this session; nobody new can join.", NULL);
    else if (rc == LIVE_REMOVED)
        svc_refuse(svc, conn, "removed", "You cannot rejoin this session.", NULL);
    else if (rc == LIVE_DENIED)
        svc_refuse(svc, conn, "denied", "Your therapist has not let you in to this session.", NULL);
    else if (rc == LIVE_ENDED)
        svc_refuse(svc, conn, "ended", "This session has ended.", NULL);
    else if (rc == LIVE_FULL)
        svc_refuse(svc, conn, "full", "This session is full.", NULL);
    else
        svc_refuse(svc, conn, "unknown_key", "Please join again with your link.", NULL);
}

/* A signed-in therapist joining by session id: its therapist, a co-facilitator, or an
 * admin. Returns the role, or -1 (refused). */
/* The practitioner signed in on this connection (its upgrade request's cookie): 0, or -1
 * when nobody is, or their sign-in has ended. */
int svc_signed_in_user(struct live_service *svc, struct arena *a, const struct live_conn *c,
                       int64_t now, struct store_user *user)
{
    const char *value;
    int len = c->cookie ? cookie_find(c->cookie, login_cookie_name(svc->https), &value) : -1;
    if (len <= 0)
        return -1;
    uint8_t hash[32];
    login_token_hash(value, (size_t)len, hash);
    struct store_login login;
    if (store_login_get(svc->store, hash, &login) < 0 ||
        login_check(&login, now, svc->cfg->idle_timeout * 1000) != LOGIN_VALID ||
        store_user_by_id(svc->store, a, login.user_id, user) < 0)
        return -1;
    return 0;
}

static int staff_role(struct live_service *svc, struct arena *a, const struct live_conn *c,
                      const struct store_series *se, int64_t now, struct store_user *user)
{
    if (svc_signed_in_user(svc, a, c, now, user) < 0)
        return STAFF_NOT_SIGNED_IN;
    if (user->id == se->therapist_id)
        return LIVE_HOST;
    if (se->group_id) {
        int64_t *ids;
        size_t n;
        if (store_group_facilitators(svc->store, a, se->group_id, &ids, &n) == 0)
            for (size_t i = 0; i < n; i++)
                if (ids[i] == user->id)
                    return LIVE_COHOST;
    }
    return STAFF_NOT_STAFF; /* an administrator hosts only their own and co-facilitated */
}

static void join_as_staff(struct live_service *svc, struct live_conn *c, const json_t *msg,
                          int64_t now, struct arena *a)
{
    struct store_series se;
    struct store_user user;
    int role = staff_session(svc, a, c, msg, now, &se, &user);
    if (role < 0)
        return;
    struct store_occurrence o = {0};
    int64_t opens_at;
    struct link l = {.host = 1, .series = se};
    const char *status = pick_occurrence(svc, a, se.id, now, &o, &opens_at);
    if (refuse_unjoinable(svc, c->id, &l, status, opens_at) < 0)
        return;
    struct room_entry *re;
    struct store_lease_holder elsewhere;
    int rc = open_room(svc, &se, &o, now, &re, &elsewhere);
    if (rc < 0) {
        refuse_elsewhere(svc, c->id, rc, &elsewhere);
        return;
    }
    struct live_identity who = {role, user.id, 0, user.name};
    char key[32];
    rand_token(key, sizeof key, 18);
    struct live_effects fx = {0};
    int id = meeting_join(re->meeting, now, c->id, &who, key, &fx);
    if (id < 0) {
        live_effects_clear(&fx);
        refuse_room(svc, c->id, id);
        return;
    }
    joined(svc, c, re, id, role, key, &fx);
}

void live_service_on_join(struct live_service *svc, struct live_conn *c, const json_t *msg,
                          int64_t now)
{
    struct arena a = {0};
    if (json_object_get(msg, "session_id")) {
        join_as_staff(svc, c, msg, now, &a);
        goto out;
    }
    const char *token = json_string_value(json_object_get(msg, "token"));
    const char *password = json_string_value(json_object_get(msg, "password"));
    const char *name = json_string_value(json_object_get(msg, "name"));
    if (name && *name && !text_length_ok(name, 1, LIMIT_DISPLAY_NAME)) {
        svc_refuse(svc, c->id, "invalid_name",
                   "Please give a name of at most " LIMIT_TEXT(LIMIT_DISPLAY_NAME) " characters.",
                   NULL);
        goto out;
    }
    char link_key[80];
    int wait = guess_wait(svc, c, now, token ? token : "", link_key);
    if (wait > 0) {
        svc_refuse(svc, c->id, "throttled", "Too many attempts. Please wait and try again.",
                   json_pack("{s:i}", "retry_after", wait));
        goto out;
    }
    struct link l;
    if (!token || resolve_link(svc, &a, token, &l) < 0) {
        guessed_wrong(svc, c, now, NULL);
        refuse_not_right(svc, c->id);
        goto out;
    }
    if (l.host) {
        host_by_link(svc, &a, c, &l, now, join_as_staff);
        goto out;
    }
    struct store_occurrence o = {0};
    int64_t opens_at;
    const char *status = pick_occurrence(svc, &a, l.series.id, now, &o, &opens_at);
    if (refuse_unjoinable(svc, c->id, &l, status, opens_at) < 0)
        goto out;
    struct room_entry *re;
    struct store_lease_holder elsewhere;
    int rc = open_room(svc, &l.series, &o, now, &re, &elsewhere);
    if (rc < 0) {
        refuse_elsewhere(svc, c->id, rc, &elsewhere);
        goto out;
    }
    struct live_effects fx = {0};
    assert(!l.host); /* a host link went the signed-in way above */
    if (setting(l.series.settings, "require_password")) {
        size_t n = password ? strlen(password) : 0;
        if (n != strlen(o.password) || sodium_memcmp(password, o.password, n) != 0) {
            guessed_wrong(svc, c, now, link_key);
            meeting_password_failure(re->meeting, now, &fx);
            svc_apply(svc, re, &fx);
            refuse_not_right(svc, c->id);
            goto out;
        }
    }
    if (l.has_group) {
        if (!json_is_true(json_object_get(msg, "agree"))) {
            svc_refuse(svc, c->id, "agreement_required",
                       "Please read and accept the group agreement first.",
                       json_pack("{s:s,s:i}", "agreement", l.group.agreement, "agreement_version",
                                 l.group.agreement_version));
            goto out;
        }
        if (store_agreement_accept(svc->store, l.client.id, l.group.id, l.group.agreement_version,
                                   now) < 0) {
            svc_send_error(svc, c->id, "unavailable", "The server cannot record that right now.");
            goto out;
        }
    }
    if (name && !*name)
        name = NULL; /* no name typed: the one the practice knows */
    /* a client may not appear as the practice's therapist (checked after the password, so
     * it tells nobody the therapist's name) */
    if (name && (utf8_same_name(name, l.therapist.name) || utf8_same_name(name, "therapist") ||
                 utf8_same_name(name, "co-facilitator") || utf8_same_name(name, "host"))) {
        svc_refuse(svc, c->id, "invalid_name", "Please join with your own name.", NULL);
        goto out;
    }
    struct live_identity who = {LIVE_CLIENT, 0, l.client.id, name ? name : l.client.name};
    char key[32];
    rand_token(key, sizeof key, 18);
    int id = meeting_join(re->meeting, now, c->id, &who, key, &fx);
    if (id < 0) {
        live_effects_clear(&fx);
        refuse_room(svc, c->id, id);
        goto out;
    }
    joined(svc, c, re, id, who.role, key, &fx);
    if (c->room == re) /* still here (not closed by what joining did) */
        svc_ask_checkins(svc, re, c->id, l.client.id, re->group_id);
    if (c->room == re)
        svc_ask_location(svc, re, c->id, l.client.id, now);
out:
    arena_free(&a);
}

/* The meeting a rejoin key was given for when no open meeting here knows it: confide
 * restarted, or the node that carried it died, and the meeting kept who had been admitted.
 * Opened again while it can still be joined: 0 with *out, -ENOENT when the key opens
 * nothing, or open_room's -EBUSY (carried by another node: *elsewhere) or -EIO. */
static int reopen_by_key(struct live_service *svc, struct arena *a, const char *key, int64_t now,
                         struct room_entry **out, struct store_lease_holder *elsewhere)
{
    uint8_t hash[LIVE_KEY_HASH_BYTES];
    live_key_hash(key, hash);
    int64_t occurrence_id;
    struct store_occurrence o;
    struct store_series se;
    if (store_admitted_by_key_hash(svc->store, hash, &occurrence_id) < 0 ||
        store_occurrence_get(svc->store, a, occurrence_id, &o) < 0 ||
        store_series_get(svc->store, a, o.series_id, &se) < 0)
        return -ENOENT;
    /* as long as an open meeting would have let them back (a session running over) */
    if (se.cancelled_at || o.cancelled_at || o.ended_at ||
        o.ends_at + ROOM_KEEP_AFTER_END_MS <= now) {
        /* over (the server was down when it ended): the key opens nothing, and what was
         * kept to resume it goes */
        if (store_meeting_state_delete(svc->store, occurrence_id) < 0)
            log_warn("live", "occurrence=%lld: the meeting's state could not be deleted",
                     (long long)occurrence_id);
        return -ENOENT;
    }
    return open_room(svc, &se, &o, now, out, elsewhere);
}

static int rejoin_room(struct live_service *svc, struct live_conn *c, struct room_entry *re,
                       const char *key, int64_t now)
{
    struct live_effects fx = {0};
    int id = meeting_rejoin(re->meeting, now, c->id, key, &fx);
    if (id == LIVE_UNKNOWN_KEY) {
        assert(fx.send_count == 0 && fx.media_count == 0); /* not this meeting's key */
        live_effects_clear(&fx);
        return id;
    }
    if (id < 0) {
        live_effects_clear(&fx);
        refuse_room(svc, c->id, id);
        return id;
    }
    svc_send_json(svc, c->id,
                  json_pack("{s:s,s:i,s:s,s:s}", "type", "joined", "participant", id, "role",
                            live_room_role(meeting_room(re->meeting), id), "rejoin_key", key));
    c->room = re;
    svc_apply(svc, re, &fx);
    int64_t client_id = live_room_client_id(meeting_room(re->meeting), id);
    if (client_id && c->room == re) /* a reload: what is still unanswered is asked again */
        svc_ask_checkins(svc, re, c->id, client_id, re->group_id);
    if (client_id && c->room == re) /* asked again, prefilled: the latest answer wins */
        svc_ask_location(svc, re, c->id, client_id, now);
    return id;
}

void live_service_on_rejoin(struct live_service *svc, struct live_conn *c, const json_t *msg,
                            int64_t now)
{
    const char *key = json_string_value(json_object_get(msg, "key"));
    if (!key) {
        svc_send_error(svc, c->id, "invalid_field", "rejoin needs the key from the first join.");
        return;
    }
    for (size_t i = 0; i < svc->room_count; i++)
        if (rejoin_room(svc, c, svc->rooms[i], key, now) != LIVE_UNKNOWN_KEY)
            return;
    struct arena a = {0};
    struct room_entry *re = NULL;
    struct store_lease_holder elsewhere;
    int rc = *key ? reopen_by_key(svc, &a, key, now, &re, &elsewhere) : -ENOENT;
    arena_free(&a);
    if (rc == -EBUSY || rc == -EIO)
        refuse_elsewhere(svc, c->id, rc, &elsewhere);
    else if (rc < 0 || rejoin_room(svc, c, re, key, now) == LIVE_UNKNOWN_KEY)
        refuse_room(svc, c->id, LIVE_UNKNOWN_KEY);
}

void live_service_revoke(struct live_service *svc, int64_t client_id, int64_t user_id, int64_t now)
{
    /* a disabled account's dashboards hear no more */
    for (size_t i = 0; user_id && i < svc->conn_count; i++)
        if (svc->conns[i].watching_user == user_id) {
            svc->conns[i].watching_user = 0;
            svc->io.close(svc->io.arg, svc->conns[i].id);
        }
    for (size_t i = 0; i < svc->room_count; i++) {
        struct live_effects fx = {0};
        meeting_revoke(svc->rooms[i]->meeting, now, client_id, user_id, &fx);
        svc_apply(svc, svc->rooms[i], &fx);
    }
}

/* ---- the connection's life ---- */

struct live_service *live_service_new(const struct config *cfg, struct store *store, int https,
                                      struct live_io io, struct live_media *media)
{
    struct live_service *svc = xcalloc(1, sizeof *svc);
    svc->media = media;
    svc->cfg = cfg;
    svc->store = store;
    svc->https = https;
    svc->io = io;
    /* 5 free wrong guesses per link, 20 per address, then doubling waits */
    svc->guesses = throttle_new(4096, 5, 1000, 15 * 60 * 1000);
    /* connection tests: CHECK_FREE_PER_ADDRESS in 10 minutes, then waits from 30 s (the
     * throttle blocks after the failure past its free ones: that is the last test let in) */
    svc->check_rate = throttle_new(1024, CHECK_FREE_PER_ADDRESS - 1, 30 * 1000, 10 * 60 * 1000);
    if (store_events_listen(store) < 0)
        log_warn("live", "events from other nodes cannot be heard (the database is not "
                         "answering); tried again when it does");
    return svc;
}

void live_service_free(struct live_service *svc)
{
    if (!svc)
        return;
    /* stopping on purpose: another node may take these meetings at once, not in 10 s */
    if (svc->room_count && store_lease_release(svc->store, 0, svc->cfg->node_id) < 0)
        log_warn("live", "the meetings' leases could not be given up");
    for (size_t i = 0; i < svc->conn_count; i++)
        free(svc->conns[i].cookie);
    free(svc->conns);
    for (size_t i = 0; i < svc->room_count; i++) {
        struct live_effects fx = {0};
        meeting_free(svc->rooms[i]->meeting, &fx);
        live_effects_clear(&fx); /* the workers stop with the server */
        free(svc->rooms[i]);
    }
    free(svc->rooms);
    for (size_t i = 0; i < svc->check_count; i++) {
        struct live_effects fx = {0};
        media_plan_free(svc->checks[i].plan, &fx);
        live_effects_clear(&fx); /* the workers stop with the server */
    }
    throttle_free(svc->check_rate);
    throttle_free(svc->guesses);
    free(svc);
}

void live_service_open(struct live_service *svc, uint64_t conn, const char *cookie,
                       const char *peer, int64_t now)
{
    if (svc->conn_count == svc->conn_cap) {
        svc->conn_cap = svc->conn_cap ? svc->conn_cap * 2 : 16;
        svc->conns = xrealloc(svc->conns, svc->conn_cap * sizeof *svc->conns);
    }
    struct live_conn *c = &svc->conns[svc->conn_count++];
    memset(c, 0, sizeof *c);
    c->id = conn;
    snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "?");
    c->cookie = cookie ? xstrdup(cookie) : NULL;
    c->tokens = RATE_BURST;
    c->refilled_at = now;
}

void live_service_close(struct live_service *svc, uint64_t conn, int64_t now)
{
    struct live_conn *c = svc_find_conn(svc, conn);
    if (!c)
        return;
    if (c->room) {
        struct live_effects fx = {0};
        meeting_disconnect(c->room->meeting, now, conn, &fx);
        svc_apply(svc, c->room, &fx);
    }
    struct check_room *cr = svc_find_check(svc, conn);
    if (cr)
        svc_check_end(svc, (size_t)(cr - svc->checks), false);
    free(c->cookie);
    *c = svc->conns[--svc->conn_count];
}

static int within_rate(struct live_conn *c, int64_t now)
{
    c->tokens += (double)(now - c->refilled_at) * RATE_PER_SECOND / 1000.0;
    if (c->tokens > RATE_BURST)
        c->tokens = RATE_BURST;
    c->refilled_at = now;
    if (c->tokens < 1)
        return 0;
    c->tokens -= 1;
    return 1;
}

void live_service_too_large(struct live_service *svc, uint64_t conn)
{
    struct buf out = {0};
    live_protocol_too_large(&out);
    svc->io.send(svc->io.arg, conn, out.data, out.len);
    buf_free(&out);
}

void live_service_on_hello(struct live_service *svc, struct live_conn *c, const json_t *msg,
                           int64_t now)
{
    svc_send_json(
        svc, c->id,
        json_pack("{s:s,s:s,s:i}", "type", "welcome", "protocol", "confide.v1", "version", 1));
}

void live_service_on_ping(struct live_service *svc, struct live_conn *c, const json_t *msg,
                          int64_t now)
{
    svc_send_json(svc, c->id, json_pack("{s:s}", "type", "pong"));
}

void live_service_message(struct live_service *svc, uint64_t conn, const char *data, size_t len,
                          int64_t now)
{
    struct live_conn *c = svc_find_conn(svc, conn);
    if (!c)
        return;
    if (!within_rate(c, now)) {
        svc_send_error(svc, conn, "slow_down", "Too many messages; some were dropped.");
        return;
    }
    json_t *msg = live_protocol_parse(data, len);
    if (!msg) {
        svc_send_error(svc, conn, "malformed_message",
                       "Messages must be JSON objects with a string field \"type\".");
        return;
    }
    struct room_entry *re = c->room;
    int from = 0;
    struct check_room *cr = svc_find_check(svc, conn);
    enum live_sender who = re   ? meeting_sender(re->meeting, conn, &from)
                           : cr ? LIVE_SENDER_CHECKING
                                : LIVE_SENDER_OUTSIDE;
    struct live_effects fx = {0};
    const struct live_message *def =
        live_message_check(json_string_value(json_object_get(msg, "type")), who, conn, &fx);
    if (def && def->service) {
        def->service(svc, c, msg, now);
    } else if (def && cr) {
        svc_check_message(svc, cr, def->type, msg, &fx);
    } else if (def) {
        assert(re); /* only the outside's messages are the service's */
        meeting_handle(re->meeting, now, from, def, msg, &fx);
    }
    if (re)
        svc_apply(svc, re, &fx);
    else {
        for (size_t i = 0; i < fx.send_count; i++)
            svc->io.send(svc->io.arg, conn, fx.sends[i].text, strlen(fx.sends[i].text));
        live_effects_clear(&fx);
    }
    json_decref(msg);
}

/* A worker's report goes to the meeting whose room it names or whose transport it was. */
static void on_worker_event(struct live_service *svc, const struct worker_event *ev, int64_t now)
{
    if (svc_check_worker_event(svc, ev))
        return;
    for (size_t i = 0; i < svc->room_count; i++) {
        struct room_entry *re = svc->rooms[i];
        struct live_effects fx = {0};
        bool mine;
        if (ev->type == WORKER_EV_SPEAKER) {
            mine = (uint64_t)re->occurrence_id == ev->room_id;
            if (mine)
                meeting_speaker(re->meeting, (int)ev->participant, &fx);
        } else if (ev->type == WORKER_EV_CLOSED) {
            mine = meeting_peer_closed(re->meeting, ev->peer_id, &fx);
        } else if (ev->type == WORKER_EV_QUALITY) {
            mine = (uint64_t)re->occurrence_id == ev->room_id;
            struct quality_reading reading = {.loss_permille = ev->quality.loss_permille,
                                              .jitter_ms = ev->quality.jitter_ms,
                                              .rtt_ms = ev->quality.rtt_ms,
                                              .estimate_kbps = ev->quality.estimate_kbps,
                                              .video_paused = ev->quality.video_paused};
            if (mine)
                meeting_quality(re->meeting, now, (int)ev->participant, &reading, &fx);
        } else if (ev->type == WORKER_EV_VIDEO_PAUSED) {
            mine = (uint64_t)re->occurrence_id == ev->room_id;
            if (mine)
                meeting_video_paused(re->meeting, (int)ev->participant, (int)ev->publisher,
                                     ev->paused, &fx);
        } else if (ev->type == WORKER_EV_LAYERS) {
            mine = (uint64_t)re->occurrence_id == ev->room_id;
            if (mine)
                meeting_layers(re->meeting, (int)ev->participant, ev->layers, &fx);
        } else {
            return; /* a transport up: nothing to do */
        }
        svc_apply(svc, re, &fx);
        if (mine)
            return;
    }
}

/* What was kept to resume meetings that are over, once an hour and at the first tick:
 * a meeting closed here deletes its own, this finds those whose server died with them. */
#define STATE_SWEEP_EVERY_MS (60 * 60 * 1000)
static void sweep_meeting_state(struct live_service *svc, int64_t now)
{
    if (svc->state_swept_at && now - svc->state_swept_at < STATE_SWEEP_EVERY_MS)
        return;
    svc->state_swept_at = now;
    if (store_meeting_state_sweep(svc->store, now - ROOM_KEEP_AFTER_END_MS) < 0 ||
        store_lease_sweep(svc->store, now - ROOM_KEEP_AFTER_END_MS) < 0)
        log_warn("live", "the state of meetings that are over could not be deleted");
}

/* Takes room i out of this node: its connections let go of it, its media and memory go.
 * What the meeting keeps in the store stays unless it is over (the node that carries it
 * next brings it back from there). */
void svc_drop_room(struct live_service *svc, size_t i)
{
    struct room_entry *re = svc->rooms[i];
    struct live_effects fx = {0};
    for (size_t k = 0; k < svc->conn_count; k++)
        if (svc->conns[k].room == re)
            svc->conns[k].room = NULL;
    meeting_free(re->meeting, &fx);
    svc_carry_out(svc, re, &fx); /* the meeting is gone: nothing to tell of it */
    if (svc->media)
        live_media_unpin(svc->media, (uint64_t)re->occurrence_id);
    free(re);
    svc->rooms[i] = svc->rooms[--svc->room_count];
}

void live_service_tick(struct live_service *svc, int64_t now)
{
    sweep_meeting_state(svc, now);
    svc_renew_leases(svc, now);
    svc_send_throttle_changes(svc);
    svc_check_watchers(svc, now);
    svc_poll_events(svc, now);
    if (svc->media) {
        struct worker_event evs[256];
        size_t n;
        while ((n = live_media_poll(svc->media, evs, 256)) > 0)
            for (size_t i = 0; i < n; i++)
                on_worker_event(svc, &evs[i], now);
    }
    svc_check_tick(svc, now);
    for (size_t i = 0; i < svc->room_count;) {
        struct room_entry *re = svc->rooms[i];
        struct live_room *room = meeting_room(re->meeting);
        struct live_effects fx = {0};
        meeting_tick(re->meeting, now, &fx);
        svc_apply(svc, re, &fx);
        int finished = live_room_ended(room) || now > re->ends_at + ROOM_KEEP_AFTER_END_MS;
        if (finished && live_room_connected(room) == 0) {
            log_info("live", "occurrence=%lld: meeting closed", (long long)re->occurrence_id);
            /* over: nobody comes back to it by key (attendance keeps who came), and no node
             * needs to carry it */
            if (store_meeting_state_delete(svc->store, re->occurrence_id) < 0 ||
                store_lease_release(svc->store, re->occurrence_id, svc->cfg->node_id) < 0)
                log_warn("live", "occurrence=%lld: the meeting's state could not be deleted",
                         (long long)re->occurrence_id);
            svc_drop_room(svc, i);
            continue;
        }
        i++;
    }
}

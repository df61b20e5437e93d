#include "live/room.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "live/location.h"
#include "live/messages.h"
#include "practice/checkins.h"
#include "sfu/limits.h"

#define MAX_PARTICIPANTS MEETING_MAX_PEOPLE
#define PASSWORD_ALERT_AFTER 10
#define MAX_TURN_SECONDS 600

enum state { WAITING, ADMITTED, GONE };

struct participant {
    int id;
    enum live_role role;
    int64_t user_id, client_id;
    char name[LIMIT_NAME * 4 + 1]; /* up to LIMIT_NAME characters of UTF-8 */
    /* the rejoin key, as its hash only: after a restart the room is told no more (all
     * zero: no key, only their link brings them) */
    uint8_t key_hash[LIVE_KEY_HASH_BYTES];
    enum state state;
    uint64_t conn; /* 0: not connected */
    int64_t waiting_since, admitted_at;
    int audio, video;
    int audio_only; /* their own choice for a weak link: no video either way, kept on rejoin */
    int hand;
    int64_t hand_at;
    int removed, denied;
    int64_t turned_away_at;
    int revoked;             /* their access ended (live_room_revoke): no rejoin by key */
    unsigned checkins_asked; /* measures asked and not yet answered (practice/checkins.h) */
    int checkins_done;       /* answered all they were asked here: the hosts' list says so */
    int risk_answer;         /* their PHQ-9 item 9 answer when above 0, for hosts who come */
    int64_t risk_at;         /* when they gave it (0: no risk alert) */
    /* where they said they are (live_room_set_location), for the hosts only */
    int located;
    struct live_location where;
    int licence_flagged; /* the therapist holds no licence there (or they did not say) */
};

struct live_room {
    struct live_room_settings s;
    char title[LIMIT_TITLE * 4 + 1];
    struct participant *p;
    size_t n;
    int next_id;
    int locked, ended, spotlight;
    int clients_share; /* the host lets clients share their screen */
    int64_t ended_at;
    int password_failures, password_alerted;
    /* the check-in round */
    int round_active;
    int *order;
    size_t order_len, current;
    int64_t turn_ms, turn_ends_at;
};

/* ---- effects ---- */

static void emit(struct live_effects *fx, uint64_t conn, json_t *msg)
{
    live_fx_send(fx, conn, msg);
}

static void close_conn(struct live_effects *fx, uint64_t conn)
{
    live_fx_close(fx, conn);
}

static void record(struct live_effects *fx, const struct participant *p, const char *event,
                   int64_t now)
{
    live_fx_record(fx, p->client_id, p->user_id, event, now);
}

/* Someone admitted, to keep (their key as a hash) so a restarted meeting lets them back. */
static void keep_admission(struct live_effects *fx, const struct participant *p)
{
    assert(p->state == ADMITTED && p->admitted_at);
    if (!sodium_is_zero(p->key_hash, sizeof p->key_hash))
        live_fx_admission(fx, p->client_id, p->user_id, p->id,
                          p->role == LIVE_HOST     ? "host"
                          : p->role == LIVE_COHOST ? "cohost"
                                                   : "client",
                          p->name, p->key_hash, p->admitted_at);
}

static void error_to(struct live_effects *fx, uint64_t conn, const char *code, const char *message)
{
    live_fx_error(fx, conn, code, message);
}

/* Their camera may reach others: on, and not audio only. */
static int sends_video(const struct participant *p)
{
    return p->video && !p->audio_only;
}

/* What the router lets this person send changed: the room is the one owner of that. */
static void allow(struct live_effects *fx, const struct participant *p)
{
    struct live_media_cmd *c = live_fx_media(fx, LIVE_MEDIA_ALLOW);
    c->participant = p->id;
    c->audio = p->audio != 0;
    c->video = sends_video(p) != 0;
}

/* ---- lookups ---- */

static int is_host(const struct participant *p)
{
    return p->role == LIVE_HOST || p->role == LIVE_COHOST;
}

static struct participant *by_conn(struct live_room *r, uint64_t conn)
{
    for (size_t i = 0; conn && i < r->n; i++)
        if (r->p[i].conn == conn)
            return &r->p[i];
    return NULL;
}

static struct participant *by_id(struct live_room *r, int id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->p[i].id == id)
            return &r->p[i];
    return NULL;
}

static struct participant *by_identity(struct live_room *r, const struct live_identity *who)
{
    for (size_t i = 0; i < r->n; i++) {
        struct participant *p = &r->p[i];
        if (who->role == LIVE_CLIENT ? p->role == LIVE_CLIENT && p->client_id == who->client_id
                                     : p->role != LIVE_CLIENT && p->user_id == who->user_id)
            return p;
    }
    return NULL;
}

static const char *role_name(enum live_role role)
{
    return role == LIVE_HOST ? "host" : role == LIVE_COHOST ? "cohost" : "client";
}

/* ---- what people see ---- */

static json_t *person_json(const struct participant *p)
{
    return json_pack("{s:i,s:s,s:s,s:b,s:b,s:b,s:b,s:b}", "id", p->id, "name", p->name, "role",
                     role_name(p->role), "connected", p->conn != 0, "audio", p->audio, "video",
                     p->video, "audio_only", p->audio_only, "hand", p->hand);
}

static json_t *round_json(const struct live_room *r)
{
    if (!r->round_active)
        return json_null();
    json_t *order = json_array();
    for (size_t i = 0; i < r->order_len; i++)
        json_array_append_new(order, json_integer(r->order[i]));
    return json_pack("{s:o,s:i,s:I}", "order", order, "current",
                     r->current < r->order_len ? r->order[r->current] : 0, "turn_ends_at",
                     (json_int_t)r->turn_ends_at);
}

static void to_admitted(struct live_room *r, struct live_effects *fx, json_t *msg, int hosts_only)
{
    for (size_t i = 0; i < r->n; i++) {
        struct participant *p = &r->p[i];
        if (p->state == ADMITTED && p->conn && (!hosts_only || is_host(p)))
            emit(fx, p->conn, json_incref(msg));
    }
    json_decref(msg);
}

static void broadcast_room(struct live_room *r, struct live_effects *fx)
{
    json_t *people = json_array();
    for (size_t i = 0; i < r->n; i++)
        if (r->p[i].state == ADMITTED)
            json_array_append_new(people, person_json(&r->p[i]));
    to_admitted(r, fx,
                json_pack("{s:s,s:o,s:b,s:o,s:o,s:b}", "type", "room", "participants", people,
                          "locked", r->locked, "spotlight",
                          r->spotlight ? json_integer(r->spotlight) : json_null(), "round",
                          round_json(r), "clients_share", r->clients_share),
                0);
}

/* Where a client said they are, for hosts: the jurisdiction, at home or not, and the
 * warning when the therapist's licence does not cover it; with the address for
 * emergencies when `emergency`. null before they answered. */
static json_t *location_json(const struct participant *p, int emergency)
{
    if (!p->located)
        return json_null();
    const struct jurisdiction *j =
        p->where.jurisdiction[0] ? jurisdiction_find(p->where.jurisdiction) : NULL;
    char buf[160];
    const char *warning =
        live_location_warning(p->where.jurisdiction, p->name, p->licence_flagged, buf, sizeof buf);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:o}", "jurisdiction", p->where.jurisdiction, "jurisdiction_name",
                  j ? j->name : "", "place", client_location_name(p->where.place), "warning",
                  warning ? json_string(warning) : json_null());
    if (emergency)
        json_object_set_new(o, "emergency",
                            p->where.emergency[0] ? json_string(p->where.emergency) : json_null());
    return o;
}

/* Only hosts see who is waiting: a group's members never see each other there. */
static void send_waiting_list(struct live_room *r, struct live_effects *fx)
{
    json_t *people = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct participant *p = &r->p[i];
        if (p->state == WAITING)
            json_array_append_new(people,
                                  json_pack("{s:i,s:s,s:I,s:b,s:o}", "id", p->id, "name", p->name,
                                            "since", (json_int_t)p->waiting_since, "checkin_done",
                                            p->checkins_done, "location", location_json(p, 0)));
    }
    to_admitted(r, fx, json_pack("{s:s,s:o}", "type", "waiting_list", "people", people), 1);
}

static void send_hands(struct live_room *r, struct live_effects *fx)
{
    /* the queue in the order hands went up */
    json_t *queue = json_array();
    int64_t last = -1;
    for (;;) {
        const struct participant *next = NULL;
        for (size_t i = 0; i < r->n; i++) {
            const struct participant *p = &r->p[i];
            if (p->state == ADMITTED && p->hand && p->hand_at > last &&
                (!next || p->hand_at < next->hand_at))
                next = p;
        }
        if (!next)
            break;
        json_array_append_new(queue, json_pack("{s:i,s:s}", "id", next->id, "name", next->name));
        last = next->hand_at;
    }
    to_admitted(r, fx, json_pack("{s:s,s:o}", "type", "hands", "queue", queue), 1);
}

/* Who is turned away from this meeting (removed or denied), so a host can let them knock
 * again. Only hosts see it. */
static size_t turned_away_count(const struct live_room *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->p[i].removed || r->p[i].denied;
    return n;
}

static void send_turned_away(struct live_room *r, struct live_effects *fx)
{
    json_t *people = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct participant *p = &r->p[i];
        if (p->removed || p->denied)
            json_array_append_new(
                people,
                json_pack("{s:i,s:s,s:o,s:s,s:I}", "id", p->id, "name", p->name, "client_id",
                          p->role == LIVE_CLIENT ? json_integer(p->client_id) : json_null(), "what",
                          p->removed ? "removed" : "denied", "at", (json_int_t)p->turned_away_at));
    }
    to_admitted(r, fx, json_pack("{s:s,s:o}", "type", "turned_away", "people", people), 1);
}

/* Where each client who answered said they are, with their address for emergencies: for
 * the hosts only, never another client. */
static size_t located_count(const struct live_room *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->p[i].located;
    return n;
}

static void send_locations(struct live_room *r, struct live_effects *fx)
{
    json_t *people = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct participant *p = &r->p[i];
        if (!p->located)
            continue;
        json_t *o = location_json(p, 1);
        json_object_set_new(o, "id", json_integer(p->id));
        json_object_set_new(o, "name", json_string(p->name));
        json_array_append_new(people, o);
    }
    to_admitted(r, fx, json_pack("{s:s,s:o}", "type", "locations", "people", people), 1);
}

/* What a host who arrives sees besides the room: who waits, whose hand is up, who was
 * turned away (when anyone was), and where clients said they are (when any did). */
static void send_host_lists(struct live_room *r, struct live_effects *fx)
{
    send_waiting_list(r, fx);
    if (located_count(r))
        send_locations(r, fx);
    send_hands(r, fx);
    if (turned_away_count(r))
        send_turned_away(r, fx);
}

static size_t hosts_connected(const struct live_room *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->p[i].state == ADMITTED && r->p[i].conn && is_host(&r->p[i]);
    return n;
}

/* ---- life of a room ---- */

struct live_room *live_room_new(const struct live_room_settings *settings)
{
    struct live_room *r = xcalloc(1, sizeof *r);
    r->s = *settings;
    snprintf(r->title, sizeof r->title, "%s", settings->title ? settings->title : "");
    r->s.title = r->title;
    r->p = xcalloc(MAX_PARTICIPANTS, sizeof *r->p);
    r->order = xcalloc(MAX_PARTICIPANTS, sizeof *r->order);
    return r;
}

void live_room_free(struct live_room *r)
{
    if (!r)
        return;
    free(r->p);
    free(r->order);
    free(r);
}

int live_room_ended(const struct live_room *r)
{
    return r->ended != 0;
}

int64_t live_room_ended_at(const struct live_room *r)
{
    return r->ended_at;
}

int live_room_has_conn(const struct live_room *r, uint64_t conn)
{
    for (size_t i = 0; conn && i < r->n; i++)
        if (r->p[i].conn == conn)
            return 1;
    return 0;
}

size_t live_room_connected(const struct live_room *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->p[i].conn != 0;
    return n;
}

size_t live_room_waiting(const struct live_room *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->p[i].state == WAITING && r->p[i].conn != 0;
    return n;
}

size_t live_room_members(const struct live_room *r, struct live_room_member *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct participant *p = &r->p[i];
        if (p->state != ADMITTED || !p->conn || r->ended)
            continue;
        if (n < cap)
            out[n] = (struct live_room_member){.id = p->id,
                                               .conn = p->conn,
                                               .name = p->name,
                                               .audio = p->audio,
                                               .video = sends_video(p),
                                               .audio_only = p->audio_only,
                                               .may_share = is_host(p) || r->clients_share};
        n++;
    }
    return n;
}

int live_room_member_get(const struct live_room *r, int participant, struct live_room_member *out)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct participant *p = &r->p[i];
        if (p->id != participant)
            continue;
        if (p->state != ADMITTED || !p->conn || r->ended)
            return -1;
        *out = (struct live_room_member){.id = p->id,
                                         .conn = p->conn,
                                         .name = p->name,
                                         .audio = p->audio,
                                         .video = sends_video(p),
                                         .audio_only = p->audio_only,
                                         .may_share = is_host(p) || r->clients_share};
        return 0;
    }
    return -1;
}

const char *live_room_role(const struct live_room *r, int participant)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->p[i].id == participant)
            return role_name(r->p[i].role);
    return "client";
}

void live_key_hash(const char *key, uint8_t hash[LIVE_KEY_HASH_BYTES])
{
    crypto_generichash(hash, LIVE_KEY_HASH_BYTES, (const uint8_t *)key, strlen(key), NULL, 0);
}

/* A client's PHQ-9 item 9 answer above 0: for the hosts only, never the other members. */
static json_t *risk_alert_json(const struct participant *client)
{
    assert(client->role == LIVE_CLIENT && client->risk_at);
    return json_pack("{s:s,s:i,s:s,s:s,s:i,s:I}", "type", "risk_alert", "participant", client->id,
                     "name", client->name, "measure", "phq9", "answer", client->risk_answer, "at",
                     (json_int_t)client->risk_at);
}

static void send_admitted(struct live_room *r, struct participant *p, struct live_effects *fx)
{
    emit(fx, p->conn,
         json_pack("{s:s,s:{s:i,s:s,s:s},s:s,s:b}", "type", "admitted", "you", "id", p->id, "name",
                   p->name, "role", role_name(p->role), "title", r->title, "chat", r->s.chat));
    /* a host arriving (or back) sees the risk alerts raised in this meeting so far */
    for (size_t i = 0; is_host(p) && i < r->n; i++)
        if (r->p[i].risk_at)
            emit(fx, p->conn, risk_alert_json(&r->p[i]));
}

static void admit(struct live_room *r, struct participant *p, int64_t now, struct live_effects *fx)
{
    p->state = ADMITTED;
    p->admitted_at = now;
    record(fx, p, "admitted", now);
    keep_admission(fx, p);
    send_admitted(r, p, fx);
}

/* Someone admitted before comes back: straight in, and the hosts see the return. */
static void bring_back(struct live_room *r, struct participant *p, uint64_t conn, int64_t now,
                       int new_key, struct live_effects *fx)
{
    if (p->conn && p->conn != conn) {
        emit(fx, p->conn,
             json_pack("{s:s,s:s}", "type", "replaced", "message",
                       "You joined this session from another window, so this one has left."));
        close_conn(fx, p->conn);
    }
    p->conn = conn;
    p->state = ADMITTED;
    p->hand = 0;
    record(fx, p, "returned", now);
    if (new_key) /* a join by link gave out a new key: the one kept gives way to it */
        keep_admission(fx, p);
    send_admitted(r, p, fx);
    broadcast_room(r, fx);
    if (is_host(p))
        send_host_lists(r, fx);
}

static void put_in_waiting_room(struct live_room *r, struct participant *p, uint64_t conn,
                                int64_t now, struct live_effects *fx)
{
    p->conn = conn;
    if (p->state != WAITING)
        p->waiting_since = now;
    p->state = WAITING;
    emit(fx, conn,
         json_pack("{s:s,s:i,s:s}", "type", "waiting", "you", p->id, "message",
                   "Your therapist will let you in shortly."));
    to_admitted(
        r, fx, json_pack("{s:s,s:i,s:s}", "type", "arrival", "participant", p->id, "name", p->name),
        1);
    send_waiting_list(r, fx);
}

/* Someone the room has not seen before; the caller has checked there is room. */
static struct participant *new_participant(struct live_room *r, const struct live_identity *who,
                                           const char *key)
{
    assert(r->n < MAX_PARTICIPANTS);
    struct participant *p = &r->p[r->n++];
    memset(p, 0, sizeof *p);
    p->id = ++r->next_id;
    p->state = GONE; /* not in the waiting room or the session yet */
    p->role = who->role;
    p->user_id = who->user_id;
    p->client_id = who->client_id;
    p->audio = 1;
    /* the session's settings say whose camera starts on; each person can start theirs */
    p->video = who->role == LIVE_CLIENT ? r->s.participant_video : r->s.host_video;
    if (key)
        live_key_hash(key, p->key_hash);
    return p;
}

void live_room_restore(struct live_room *r, int locked, const struct live_room_admitted *list,
                       size_t n)
{
    assert(r->n == 0 && r->next_id == 0); /* a room just made: nobody has an id yet */
    int max_id = 0;
    r->locked = locked != 0;
    for (size_t i = 0; i < n && r->n < MAX_PARTICIPANTS; i++) {
        const struct live_room_admitted *a = &list[i];
        if (a->participant <= 0 || a->admitted_at <= 0 || by_id(r, a->participant) ||
            by_identity(r, &a->who) || sodium_is_zero(a->key_hash, sizeof a->key_hash))
            continue; /* not what the room wrote: better left out than let in twice */
        struct participant *p = new_participant(r, &a->who, NULL);
        p->id = a->participant;
        memcpy(p->key_hash, a->key_hash, sizeof p->key_hash);
        p->admitted_at = a->admitted_at; /* they come straight back (bring_back) */
        assert(p->state == GONE && !p->conn);
        snprintf(p->name, sizeof p->name, "%s",
                 a->who.name && *a->who.name ? a->who.name : "Guest");
        if (p->id > max_id)
            max_id = p->id;
    }
    r->next_id = max_id; /* new people get ids after those kept */
}

void live_room_set_turned_away(struct live_room *r, const struct live_room_turned_away *list,
                               size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct live_identity *who = &list[i].who;
        if (who->role == LIVE_HOST) /* the therapist is never turned away */
            continue;
        struct participant *p = by_identity(r, who);
        if (!p) {
            if (r->n == MAX_PARTICIPANTS)
                return;
            p = new_participant(r, who, NULL); /* no key: only their link brings them */
            snprintf(p->name, sizeof p->name, "%s", who->name && *who->name ? who->name : "Guest");
        }
        if (p->state != GONE)
            continue; /* here now: what happens in this room decides */
        p->removed = list[i].removed != 0;
        p->denied = !p->removed;
        p->turned_away_at = list[i].at;
    }
}

int live_room_join(struct live_room *r, int64_t now, uint64_t conn, const struct live_identity *who,
                   const char *fresh_key, struct live_effects *fx)
{
    if (r->ended)
        return LIVE_ENDED;
    struct participant *p = by_identity(r, who);
    if (p && p->removed)
        return LIVE_REMOVED;
    if (p && p->denied)
        return LIVE_DENIED;
    if (p)
        p->revoked = 0; /* a join is by a link the service found valid */
    if (p && fresh_key)
        live_key_hash(fresh_key, p->key_hash); /* the key this join gives out */
    if (p && p->admitted_at) {
        bring_back(r, p, conn, now, fresh_key != NULL, fx);
        return p->id;
    }
    if (!p) {
        if (r->locked && who->role == LIVE_CLIENT)
            return LIVE_LOCKED;
        if (r->n == MAX_PARTICIPANTS)
            return LIVE_FULL;
        p = new_participant(r, who, fresh_key);
        record(fx, p, "joined", now);
    } else if (r->locked && who->role == LIVE_CLIENT) {
        return LIVE_LOCKED; /* knocked before, never admitted, and now it is locked */
    } else if (p->conn && p->conn != conn) {
        close_conn(fx, p->conn); /* a second window while waiting: the newest one waits */
    }
    /* the name as others will see it, with no control or bidi characters to hide behind (a
     * rejoin passes the name the room already has) */
    if (who->name != p->name && (!who->name || !utf8_valid(who->name) ||
                                 utf8_clean_name(who->name, p->name, sizeof p->name) == 0))
        snprintf(p->name, sizeof p->name, "Guest");
    if (who->role != LIVE_CLIENT || !r->s.waiting_room) {
        p->conn = conn;
        admit(r, p, now, fx);
        broadcast_room(r, fx);
        if (is_host(p))
            send_host_lists(r, fx);
        return p->id;
    }
    put_in_waiting_room(r, p, conn, now, fx);
    return p->id;
}

int live_room_rejoin(struct live_room *r, int64_t now, uint64_t conn, const char *key,
                     struct live_effects *fx)
{
    if (!key || !*key)
        return LIVE_UNKNOWN_KEY;
    uint8_t hash[LIVE_KEY_HASH_BYTES];
    live_key_hash(key, hash);
    /* the key first: a key of another meeting is not this ended one's to refuse */
    for (size_t i = 0; i < r->n; i++) {
        struct participant *p = &r->p[i];
        if (sodium_is_zero(p->key_hash, sizeof p->key_hash) ||
            sodium_memcmp(p->key_hash, hash, sizeof hash) != 0)
            continue;
        if (r->ended)
            return LIVE_ENDED;
        if (p->revoked)
            return LIVE_REMOVED;
        struct live_identity who = {p->role, p->user_id, p->client_id, p->name};
        return live_room_join(r, now, conn, &who, NULL, fx);
    }
    return LIVE_UNKNOWN_KEY;
}

void live_room_disconnect(struct live_room *r, int64_t now, uint64_t conn, struct live_effects *fx)
{
    struct participant *p = by_conn(r, conn);
    if (!p)
        return;
    p->conn = 0;
    if (p->state == ADMITTED) {
        p->hand = 0;
        record(fx, p, "dropped", now);
        broadcast_room(r, fx);
        send_hands(r, fx);
    } else if (p->state == WAITING) {
        p->state = GONE;
        record(fx, p, "left", now);
        send_waiting_list(r, fx);
    }
}

void live_room_password_failure(struct live_room *r, int64_t now, struct live_effects *fx)
{
    (void)now;
    if (++r->password_failures < PASSWORD_ALERT_AFTER || r->password_alerted)
        return;
    r->password_alerted = 1;
    to_admitted(r, fx,
                json_pack("{s:s,s:i,s:s}", "type", "password_alert", "failures",
                          r->password_failures, "message",
                          "Someone has entered a wrong meeting password 10 times. Consider "
                          "locking the meeting."),
                1);
}

/* ---- the check-in round ---- */

static void round_advance(struct live_room *r, int64_t now)
{
    r->current++;
    if (r->current >= r->order_len) {
        r->round_active = 0;
        return;
    }
    r->turn_ends_at = r->turn_ms ? now + r->turn_ms : 0;
}

int64_t live_room_tick(struct live_room *r, int64_t now, struct live_effects *fx)
{
    if (r->round_active && r->turn_ends_at && now >= r->turn_ends_at) {
        round_advance(r, now);
        broadcast_room(r, fx);
    }
    return r->round_active && r->turn_ends_at ? r->turn_ends_at : 0;
}

static int read_target(struct live_room *r, struct live_effects *fx, uint64_t conn,
                       const json_t *msg, struct participant **out)
{
    json_t *id = json_object_get(msg, "participant");
    *out = json_is_integer(id) ? by_id(r, (int)json_integer_value(id)) : NULL;
    if (!*out) {
        error_to(fx, conn, "no_such_participant", "There is nobody with that id here.");
        return -1;
    }
    return 0;
}

static int read_admitted_target(struct live_room *r, struct live_effects *fx, uint64_t conn,
                                const json_t *msg, struct participant **out)
{
    if (read_target(r, fx, conn, msg, out) < 0)
        return -1;
    if ((*out)->state != ADMITTED) {
        error_to(fx, conn, "not_in_session", "That person is not in the session.");
        return -1;
    }
    return 0;
}

static void start_round(struct live_room *r, int64_t now, uint64_t conn, const json_t *msg,
                        struct live_effects *fx)
{
    json_t *order = json_object_get(msg, "order");
    json_t *turn = json_object_get(msg, "turn_seconds");
    if (turn && (!json_is_integer(turn) || json_integer_value(turn) < 0 ||
                 json_integer_value(turn) > MAX_TURN_SECONDS)) {
        error_to(fx, conn, "invalid_field", "turn_seconds must be 0 to 600.");
        return;
    }
    size_t n = 0;
    if (order) {
        size_t i;
        json_t *item;
        if (!json_is_array(order) || json_array_size(order) > MAX_PARTICIPANTS) {
            error_to(fx, conn, "invalid_field", "order must be a list of participant ids.");
            return;
        }
        json_array_foreach(order, i, item)
        {
            struct participant *p =
                json_is_integer(item) ? by_id(r, (int)json_integer_value(item)) : NULL;
            if (!p || p->state != ADMITTED) {
                error_to(fx, conn, "no_such_participant",
                         "The order names someone who is not in the session.");
                return;
            }
            r->order[n++] = p->id;
        }
    } else {
        /* clients in the order they came in */
        for (size_t i = 0; i < r->n; i++)
            if (r->p[i].state == ADMITTED && r->p[i].role == LIVE_CLIENT)
                r->order[n++] = r->p[i].id;
    }
    if (n == 0) {
        error_to(fx, conn, "nobody_to_call", "There is nobody to call on.");
        return;
    }
    r->order_len = n;
    r->current = 0;
    r->round_active = 1;
    r->turn_ms = turn ? json_integer_value(turn) * 1000 : 0;
    r->turn_ends_at = r->turn_ms ? now + r->turn_ms : 0;
    broadcast_room(r, fx);
}

/* ---- messages (live/messages.c names these handlers and checks the sender first) ---- */

/* The sender, whom the table has already let through. */
static struct participant *sender(struct live_room *r, int from)
{
    struct participant *p = by_id(r, from);
    assert(p && p->conn && p->state != GONE);
    return p;
}

void live_room_on_admit(struct live_room *r, int64_t now, int from, const json_t *msg,
                        struct live_effects *fx)
{
    uint64_t conn = sender(r, from)->conn;
    struct participant *t;
    if (read_target(r, fx, conn, msg, &t) < 0)
        return;
    if (t->state == ADMITTED)
        error_to(fx, conn, "already_admitted", "That person is in the session already.");
    else if (t->state != WAITING)
        error_to(fx, conn, "not_waiting", "That person is no longer waiting.");
    else {
        admit(r, t, now, fx);
        broadcast_room(r, fx);
        send_waiting_list(r, fx);
    }
}

void live_room_on_admit_all(struct live_room *r, int64_t now, int from, const json_t *msg,
                            struct live_effects *fx)
{
    int any = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->p[i].state == WAITING) {
            admit(r, &r->p[i], now, fx);
            any = 1;
        }
    if (any) {
        broadcast_room(r, fx);
        send_waiting_list(r, fx);
    }
}

void live_room_on_deny(struct live_room *r, int64_t now, int from, const json_t *msg,
                       struct live_effects *fx)
{
    uint64_t conn = sender(r, from)->conn;
    struct participant *t;
    if (read_target(r, fx, conn, msg, &t) < 0)
        return;
    if (t->state != WAITING) {
        error_to(fx, conn, "not_waiting", "That person is no longer waiting.");
        return;
    }
    t->state = GONE;
    t->denied = 1;
    t->turned_away_at = now;
    record(fx, t, "denied", now);
    live_fx_turn_away(fx, t->client_id, t->user_id, "denied", now);
    emit(fx, t->conn,
         json_pack("{s:s,s:s}", "type", "denied", "message",
                   "Your therapist could not let you in to this session. If you think this "
                   "is a mistake, please contact them."));
    close_conn(fx, t->conn);
    t->conn = 0;
    send_waiting_list(r, fx);
    send_turned_away(r, fx);
}

void live_room_on_waiting_message(struct live_room *r, int64_t now, int from, const json_t *msg,
                                  struct live_effects *fx)
{
    uint64_t conn = sender(r, from)->conn;
    const char *text = json_string_value(json_object_get(msg, "text"));
    if (!text || !text_length_ok(text, 1, LIMIT_WAITING_MESSAGE)) {
        error_to(fx, conn, "invalid_field",
                 "The message must be 1 to " LIMIT_TEXT(LIMIT_WAITING_MESSAGE) " characters.");
        return;
    }
    for (size_t i = 0; i < r->n; i++)
        if (r->p[i].state == WAITING)
            emit(fx, r->p[i].conn, json_pack("{s:s,s:s}", "type", "waiting_message", "text", text));
}

static void hold_media(struct live_room *r, int from, const json_t *msg, int audio,
                       struct live_effects *fx)
{
    struct participant *t;
    if (read_admitted_target(r, fx, sender(r, from)->conn, msg, &t) < 0)
        return;
    if (audio)
        t->audio = 0;
    else
        t->video = 0;
    allow(fx, t);
    emit(fx, t->conn,
         json_pack("{s:s}", "type", audio ? "muted_by_host" : "video_stopped_by_host"));
    broadcast_room(r, fx);
}

void live_room_on_mute(struct live_room *r, int64_t now, int from, const json_t *msg,
                       struct live_effects *fx)
{
    hold_media(r, from, msg, 1, fx);
}

void live_room_on_stop_video(struct live_room *r, int64_t now, int from, const json_t *msg,
                             struct live_effects *fx)
{
    hold_media(r, from, msg, 0, fx);
}

void live_room_on_remove(struct live_room *r, int64_t now, int from, const json_t *msg,
                         struct live_effects *fx)
{
    struct participant *self = sender(r, from);
    struct participant *t;
    if (read_target(r, fx, self->conn, msg, &t) < 0)
        return;
    if (t == self || t->role == LIVE_HOST) {
        error_to(fx, self->conn, "not_allowed", "The therapist cannot be removed.");
        return;
    }
    int was_waiting = t->state == WAITING;
    t->state = GONE;
    t->removed = 1;
    t->denied = 0;
    t->turned_away_at = now;
    t->hand = 0;
    record(fx, t, "removed", now);
    live_fx_turn_away(fx, t->client_id, t->user_id, "removed", now);
    live_fx_admission_gone(fx, t->client_id, t->user_id);
    emit(fx, t->conn,
         json_pack("{s:s,s:s}", "type", "removed", "message",
                   "You have been removed from this session."));
    close_conn(fx, t->conn);
    t->conn = 0;
    if (r->spotlight == t->id)
        r->spotlight = 0;
    broadcast_room(r, fx);
    if (was_waiting)
        send_waiting_list(r, fx);
    send_turned_away(r, fx);
}

void live_room_revoke(struct live_room *r, int64_t now, int64_t client_id, int64_t user_id,
                      struct live_effects *fx)
{
    assert((client_id > 0) != (user_id > 0));
    struct live_identity who = {client_id ? LIVE_CLIENT : LIVE_COHOST, user_id, client_id, NULL};
    struct participant *p = by_identity(r, &who);
    if (!p || p->revoked)
        return;
    p->revoked = 1;
    p->admitted_at = 0; /* with a new link they knock like someone new */
    live_fx_admission_gone(fx, p->client_id, p->user_id);
    if (p->state == GONE && !p->conn)
        return; /* not here: only their key stops working */
    int was_waiting = p->state == WAITING;
    p->state = GONE;
    p->hand = 0;
    record(fx, p, "removed", now);
    if (p->conn) {
        emit(fx, p->conn,
             json_pack("{s:s,s:s}", "type", "removed", "message",
                       client_id ? "This session is no longer open to you. If you think this "
                                   "is a mistake, please contact your therapist."
                                 : "Your account was disabled, so you have left this session."));
        close_conn(fx, p->conn);
        p->conn = 0;
    }
    if (r->spotlight == p->id)
        r->spotlight = 0;
    broadcast_room(r, fx);
    send_hands(r, fx);
    if (was_waiting)
        send_waiting_list(r, fx);
}

/* A host lets someone removed or denied knock again: they come back through the waiting
 * room (when it is on), not straight in. Named by participant id, or by client id. */
void live_room_on_let_knock(struct live_room *r, int64_t now, int from, const json_t *msg,
                            struct live_effects *fx)
{
    uint64_t conn = sender(r, from)->conn;
    json_t *client = json_object_get(msg, "client_id");
    struct participant *t = NULL;
    if (json_object_get(msg, "participant")) {
        if (read_target(r, fx, conn, msg, &t) < 0)
            return;
    } else if (json_is_integer(client) && json_integer_value(client) > 0) {
        struct live_identity who = {LIVE_CLIENT, 0, json_integer_value(client), NULL};
        t = by_identity(r, &who);
    } else {
        error_to(fx, conn, "invalid_field", "let_knock needs a participant or a client_id.");
        return;
    }
    if (!t || !(t->removed || t->denied)) {
        error_to(fx, conn, "not_turned_away",
                 "That person was not removed from or denied entry to this session.");
        return;
    }
    assert(t->state == GONE && !t->conn);
    t->removed = t->denied = 0;
    t->admitted_at = 0; /* they knock like someone new */
    t->turned_away_at = 0;
    live_fx_turn_away(fx, t->client_id, t->user_id, NULL, now);
    send_turned_away(r, fx);
}

void live_room_on_lock(struct live_room *r, int64_t now, int from, const json_t *msg,
                       struct live_effects *fx)
{
    r->locked = 1;
    fx->lock_changed = 1;
    fx->lock_changed_at = now;
    broadcast_room(r, fx);
}

void live_room_on_unlock(struct live_room *r, int64_t now, int from, const json_t *msg,
                         struct live_effects *fx)
{
    r->locked = 0;
    fx->lock_changed = -1;
    fx->lock_changed_at = now;
    broadcast_room(r, fx);
}

void live_room_on_end(struct live_room *r, int64_t now, int from, const json_t *msg,
                      struct live_effects *fx)
{
    r->ended = 1;
    r->ended_at = now;
    fx->ended_at = now;
    for (size_t i = 0; i < r->n; i++) {
        struct participant *p = &r->p[i];
        if (!p->conn)
            continue;
        emit(fx, p->conn,
             json_pack("{s:s,s:s}", "type", "ended", "message",
                       "The session has ended. Thank you for coming."));
        if (p->state == ADMITTED)
            record(fx, p, "left", now);
        close_conn(fx, p->conn);
        p->conn = 0;
        p->state = GONE;
    }
}

void live_room_on_spotlight(struct live_room *r, int64_t now, int from, const json_t *msg,
                            struct live_effects *fx)
{
    json_t *id = json_object_get(msg, "participant");
    if (json_is_null(id) || !id) {
        r->spotlight = 0;
    } else {
        struct participant *t;
        if (read_admitted_target(r, fx, sender(r, from)->conn, msg, &t) < 0)
            return;
        r->spotlight = t->id;
    }
    broadcast_room(r, fx);
}

void live_room_on_round_start(struct live_room *r, int64_t now, int from, const json_t *msg,
                              struct live_effects *fx)
{
    start_round(r, now, sender(r, from)->conn, msg, fx);
}

void live_room_on_round_next(struct live_room *r, int64_t now, int from, const json_t *msg,
                             struct live_effects *fx)
{
    if (!r->round_active) {
        error_to(fx, sender(r, from)->conn, "no_round", "No check-in round is running.");
        return;
    }
    round_advance(r, now);
    broadcast_room(r, fx);
}

void live_room_on_round_stop(struct live_room *r, int64_t now, int from, const json_t *msg,
                             struct live_effects *fx)
{
    r->round_active = 0;
    broadcast_room(r, fx);
}

void live_room_on_lower_hand(struct live_room *r, int64_t now, int from, const json_t *msg,
                             struct live_effects *fx)
{
    struct participant *t;
    if (read_admitted_target(r, fx, sender(r, from)->conn, msg, &t) < 0)
        return;
    t->hand = 0;
    broadcast_room(r, fx);
    send_hands(r, fx);
}

void live_room_on_media(struct live_room *r, int64_t now, int from, const json_t *msg,
                        struct live_effects *fx)
{
    struct participant *self = sender(r, from);
    json_t *audio = json_object_get(msg, "audio");
    json_t *video = json_object_get(msg, "video");
    if ((audio && !json_is_boolean(audio)) || (video && !json_is_boolean(video))) {
        error_to(fx, self->conn, "invalid_field", "audio and video must be true or false.");
        return;
    }
    /* only the person turns their own microphone back on */
    if (audio)
        self->audio = json_is_true(audio);
    if (video)
        self->video = json_is_true(video);
    allow(fx, self);
    broadcast_room(r, fx);
}

/* Audio only: the person's own choice for a weak connection. The router stops their video
 * and the media plan leaves everyone's video out of what they receive; it lasts until they
 * turn it off, across a dropped connection. Someone waiting may choose it before coming in. */
void live_room_on_audio_only(struct live_room *r, int64_t now, int from, const json_t *msg,
                             struct live_effects *fx)
{
    struct participant *self = sender(r, from);
    json_t *on = json_object_get(msg, "on");
    if (!json_is_boolean(on)) {
        error_to(fx, self->conn, "invalid_field", "on must be true or false.");
        return;
    }
    self->audio_only = json_is_true(on);
    if (self->state != ADMITTED)
        return; /* the room learns it with them when they are let in */
    allow(fx, self);
    broadcast_room(r, fx);
}

/* "Let clients share": the meeting's media plan reads it through live_room_members, and
 * stops a client's share when it is turned off. */
void live_room_on_clients_share(struct live_room *r, int64_t now, int from, const json_t *msg,
                                struct live_effects *fx)
{
    json_t *on = json_object_get(msg, "on");
    if (!json_is_boolean(on)) {
        error_to(fx, sender(r, from)->conn, "invalid_field", "on must be true or false.");
        return;
    }
    r->clients_share = json_is_true(on);
    broadcast_room(r, fx);
}

void live_room_on_hand(struct live_room *r, int64_t now, int from, const json_t *msg,
                       struct live_effects *fx)
{
    struct participant *self = sender(r, from);
    json_t *raised = json_object_get(msg, "raised");
    if (!json_is_boolean(raised)) {
        error_to(fx, self->conn, "invalid_field", "raised must be true or false.");
        return;
    }
    if (json_is_true(raised) && !self->hand)
        self->hand_at = now;
    self->hand = json_is_true(raised);
    broadcast_room(r, fx);
    send_hands(r, fx);
}

void live_room_on_chat(struct live_room *r, int64_t now, int from, const json_t *msg,
                       struct live_effects *fx)
{
    struct participant *self = sender(r, from);
    const char *to = json_string_value(json_object_get(msg, "to"));
    const char *text = json_string_value(json_object_get(msg, "text"));
    if (!to || (strcmp(to, "everyone") != 0 && strcmp(to, "hosts") != 0)) {
        error_to(fx, self->conn, "invalid_field", "\"to\" must be \"everyone\" or \"hosts\".");
        return;
    }
    if (!text || !text_length_ok(text, 1, LIMIT_CHAT)) {
        error_to(fx, self->conn, "invalid_field",
                 "A chat message is 1 to " LIMIT_TEXT(LIMIT_CHAT) " characters.");
        return;
    }
    int everyone = strcmp(to, "everyone") == 0;
    if (everyone && !r->s.chat && !is_host(self)) {
        error_to(fx, self->conn, "chat_off",
                 "Chat to everyone is off in this session; you can still write to your "
                 "therapist.");
        return;
    }
    json_t *out = json_pack("{s:s,s:{s:i,s:s},s:s,s:s,s:I}", "type", "chat", "from", "id", self->id,
                            "name", self->name, "to", to, "text", text, "at", (json_int_t)now);
    if (everyone) {
        to_admitted(r, fx, out, 0);
        return;
    }
    /* private to the therapist: the hosts, and the sender sees their own message */
    if (!is_host(self))
        emit(fx, self->conn, json_incref(out));
    to_admitted(r, fx, out, 1);
}

void live_room_on_support(struct live_room *r, int64_t now, int from, const json_t *msg,
                          struct live_effects *fx)
{
    struct participant *self = sender(r, from);
    size_t hosts = hosts_connected(r);
    to_admitted(r, fx,
                json_pack("{s:s,s:i,s:s,s:I}", "type", "support_request", "participant", self->id,
                          "name", self->name, "at", (json_int_t)now),
                1);
    emit(fx, self->conn,
         json_pack("{s:s,s:s}", "type", "support_sent", "message",
                   hosts ? "Your therapist has been told, privately. Nobody else sees this."
                         : "Your therapist is not connected right now. If you are in danger, "
                           "call your local emergency number."));
}

void live_room_checkins_asked(struct live_room *r, uint64_t conn, unsigned due, unsigned answered,
                              struct live_effects *fx)
{
    assert((due & ~CHECKINS_ALL) == 0 && (answered & ~CHECKINS_ALL) == 0);
    struct participant *p = by_conn(r, conn);
    if (!p || p->role != LIVE_CLIENT)
        return;
    p->checkins_asked = due;
    int done = !due && (answered || p->checkins_done);
    if (done != p->checkins_done) {
        p->checkins_done = done;
        if (p->state == WAITING)
            send_waiting_list(r, fx);
    }
}

void live_room_set_location(struct live_room *r, uint64_t conn, const struct live_location *where,
                            int flagged, struct live_effects *fx)
{
    struct participant *p = by_conn(r, conn);
    if (!p || p->role != LIVE_CLIENT)
        return;
    assert(strlen(where->jurisdiction) < sizeof where->jurisdiction &&
           strlen(where->emergency) < sizeof where->emergency);
    p->located = 1;
    p->where = *where;
    p->licence_flagged = flagged != 0;
    if (p->state == WAITING)
        send_waiting_list(r, fx);
    send_locations(r, fx);
}

int64_t live_room_client_id(const struct live_room *r, int participant)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->p[i].id == participant)
            return r->p[i].role == LIVE_CLIENT ? r->p[i].client_id : 0;
    return 0;
}

/* {"type":"checkin_answer","measure":"phq9","answers":[0,1,...],"word":"calm"}: scored,
 * handed to the service to keep, and a PHQ-9 item 9 above 0 goes to the hosts at once. */
void live_room_on_checkin_answer(struct live_room *r, int64_t now, int from, const json_t *msg,
                                 struct live_effects *fx)
{
    struct participant *self = sender(r, from);
    const char *name = json_string_value(json_object_get(msg, "measure"));
    int kind = name ? measure_from_name(name) : -1;
    if (self->role != LIVE_CLIENT || kind < 0 || !(self->checkins_asked & (1u << kind))) {
        error_to(fx, self->conn, "not_asked",
                 "That check-in was not asked of you, or is answered.");
        return;
    }
    const json_t *list = json_object_get(msg, "answers");
    int answers[MEASURES_MAX_ITEMS];
    size_t n = json_array_size(list);
    struct measure_result result;
    int fits = json_is_array(list) && n == measure_items((enum measure_kind)kind);
    for (size_t i = 0; fits && i < n; i++) {
        const json_t *v = json_array_get(list, i);
        fits = json_is_integer(v) && json_integer_value(v) >= 0 &&
               json_integer_value(v) <= measure_item_max((enum measure_kind)kind);
        if (fits)
            answers[i] = (int)json_integer_value(v);
    }
    if (!fits || measure_score((enum measure_kind)kind, answers, n, &result) < 0) {
        error_to(fx, self->conn, "invalid_field", "Please answer every question.");
        return;
    }
    const json_t *word = json_object_get(msg, "word");
    const char *w = json_string_value(word);
    if (word && !json_is_null(word) &&
        (kind != MEASURE_MOOD || !w || !text_length_ok(w, 0, LIMIT_MOOD_WORD))) {
        error_to(fx, self->conn, "invalid_field",
                 "The word for a feeling is at most " LIMIT_TEXT(LIMIT_MOOD_WORD) " characters.");
        return;
    }
    self->checkins_asked &= ~(1u << kind);
    struct live_checkin *c = live_fx_checkin(fx);
    c->client_id = self->client_id;
    c->measure = kind;
    memcpy(c->answers, answers, n * sizeof answers[0]);
    c->answer_count = n;
    c->word = w && *w ? xstrdup(w) : NULL;
    c->total = result.total;
    c->band = result.band;
    c->risk = result.risk;
    c->at = now;
    emit(fx, self->conn, json_pack("{s:s,s:s}", "type", "checkin_saved", "measure", name));
    if (!self->checkins_asked) {
        /* only that it is done, never scores: those are for the dashboard */
        self->checkins_done = 1;
        if (self->state == WAITING)
            send_waiting_list(r, fx);
    }
    if (result.risk) {
        self->risk_answer = answers[8];
        self->risk_at = now;
        to_admitted(r, fx, risk_alert_json(self), 1);
    }
}

void live_room_on_leave(struct live_room *r, int64_t now, int from, const json_t *msg,
                        struct live_effects *fx)
{
    struct participant *self = sender(r, from);
    /* gone from the room; having been admitted, they may come straight back */
    int was_admitted = self->state == ADMITTED;
    self->state = GONE;
    record(fx, self, "left", now);
    close_conn(fx, self->conn);
    self->conn = 0;
    self->hand = 0;
    if (was_admitted) {
        broadcast_room(r, fx);
        send_hands(r, fx);
    } else {
        send_waiting_list(r, fx);
    }
}

enum live_sender live_room_sender(const struct live_room *r, uint64_t conn, int *participant)
{
    *participant = 0;
    for (size_t i = 0; conn && i < r->n; i++) {
        const struct participant *p = &r->p[i];
        if (p->conn != conn)
            continue;
        assert(p->state != GONE); /* a connection is let go when its person leaves */
        *participant = p->id;
        if (p->state == WAITING)
            return LIVE_SENDER_WAITING;
        return p->role == LIVE_HOST     ? LIVE_SENDER_HOST
               : p->role == LIVE_COHOST ? LIVE_SENDER_COHOST
                                        : LIVE_SENDER_CLIENT;
    }
    return LIVE_SENDER_OUTSIDE;
}

void live_room_message(struct live_room *r, int64_t now, uint64_t conn, const json_t *msg,
                       struct live_effects *fx)
{
    int from;
    enum live_sender who = live_room_sender(r, conn, &from);
    const struct live_message *m =
        live_message_check(json_string_value(json_object_get(msg, "type")), who, conn, fx);
    if (m && m->room)
        m->room(r, now, from, msg, fx);
    else if (m)
        error_to(fx, conn, "no_media", "This server carries no audio or video.");
}

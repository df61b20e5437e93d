#include "live/meeting.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sfu/limits.h"

/* One person's connection quality, and whom it was last told to. */
struct quality_entry {
    int participant;
    struct quality_state state;
    uint64_t told; /* audience_mark() when last sent; 0: never */
    uint32_t told_estimate_kbps; /* the estimate last sent; 0: none */
};

struct meeting {
    int64_t occurrence_id;
    struct live_room *room;
    struct media_plan *media; /* NULL: no audio or video */
    struct quality_entry *quality;
    size_t quality_count, quality_cap;
};

struct meeting *meeting_new(const struct live_room_settings *settings,
                            const struct media_local *media, struct media_counters *counters,
                            media_rand_fn *rand)
{
    assert(settings->occurrence_id > 0);
    struct meeting *m = xcalloc(1, sizeof *m);
    m->occurrence_id = settings->occurrence_id;
    m->room = live_room_new(settings);
    if (media)
        m->media = media_plan_new((uint64_t)settings->occurrence_id, media, counters, rand);
    return m;
}

void meeting_free(struct meeting *m, struct live_effects *fx)
{
    if (!m)
        return;
    media_plan_free(m->media, fx);
    live_room_free(m->room);
    free(m->quality);
    free(m);
}

int64_t meeting_occurrence(const struct meeting *m)
{
    return m->occurrence_id;
}

struct live_room *meeting_room(struct meeting *m)
{
    return m->room;
}

const struct live_room *meeting_room_const(const struct meeting *m)
{
    return m->room;
}

const struct media_plan *meeting_media(const struct meeting *m)
{
    return m->media;
}

/* The media plan follows the room: who is admitted and connected gets transports. */
static void sync(struct meeting *m, struct live_effects *fx)
{
    if (!m->media)
        return;
    struct live_room_member members[MEETING_MAX_PEOPLE];
    size_t n = live_room_members(m->room, members, MEETING_MAX_PEOPLE);
    assert(n <= MEETING_MAX_PEOPLE);
    struct media_person people[MEETING_MAX_PEOPLE];
    for (size_t i = 0; i < n; i++)
        people[i] = (struct media_person){members[i].id, members[i].conn, members[i].audio_only,
                                          members[i].may_share != 0};
    media_plan_sync(m->media, people, n, fx);
}

int meeting_join(struct meeting *m, int64_t now, uint64_t conn, const struct live_identity *who,
                 const char *fresh_key, struct live_effects *fx)
{
    int id = live_room_join(m->room, now, conn, who, fresh_key, fx);
    if (id > 0) /* a refusal changes nobody's media */
        sync(m, fx);
    return id;
}

int meeting_rejoin(struct meeting *m, int64_t now, uint64_t conn, const char *key,
                   struct live_effects *fx)
{
    int id = live_room_rejoin(m->room, now, conn, key, fx);
    if (id > 0)
        sync(m, fx);
    return id;
}

void meeting_revoke(struct meeting *m, int64_t now, int64_t client_id, int64_t user_id,
                    struct live_effects *fx)
{
    live_room_revoke(m->room, now, client_id, user_id, fx);
    sync(m, fx);
}

void meeting_disconnect(struct meeting *m, int64_t now, uint64_t conn, struct live_effects *fx)
{
    live_room_disconnect(m->room, now, conn, fx);
    sync(m, fx);
}

int64_t meeting_tick(struct meeting *m, int64_t now, struct live_effects *fx)
{
    int64_t next = live_room_tick(m->room, now, fx);
    sync(m, fx);
    return next;
}

void meeting_password_failure(struct meeting *m, int64_t now, struct live_effects *fx)
{
    live_room_password_failure(m->room, now, fx);
}

enum live_sender meeting_sender(const struct meeting *m, uint64_t conn, int *participant)
{
    return live_room_sender(m->room, conn, participant);
}

void meeting_handle(struct meeting *m, int64_t now, int from, const struct live_message *def,
                    const json_t *msg, struct live_effects *fx)
{
    assert(def && !def->service && from > 0);
    if (def->room)
        def->room(m->room, now, from, msg, fx);
    else
        def->meeting(m, now, from, msg, fx);
    sync(m, fx);
}

void meeting_message(struct meeting *m, int64_t now, uint64_t conn, const json_t *msg,
                     struct live_effects *fx)
{
    int from;
    enum live_sender who = live_room_sender(m->room, conn, &from);
    const struct live_message *def =
        live_message_check(json_string_value(json_object_get(msg, "type")), who, conn, fx);
    if (def && def->service)
        live_fx_error(fx, conn, "not_here", "The service answers this, not a meeting.");
    else if (def)
        meeting_handle(m, now, from, def, msg, fx);
}

bool meeting_peer_closed(struct meeting *m, uint64_t peer_id, struct live_effects *fx)
{
    return m->media && media_plan_peer_closed(m->media, peer_id, fx);
}

void meeting_speaker(struct meeting *m, int participant, struct live_effects *fx)
{
    if (m->media)
        media_plan_speaker(m->media, participant, fx);
}

void meeting_video_paused(struct meeting *m, int subscriber, int publisher, bool paused,
                          struct live_effects *fx)
{
    if (m->media)
        media_plan_video_paused(m->media, subscriber, publisher, paused, fx);
}

void meeting_layers(struct meeting *m, int publisher, unsigned active, struct live_effects *fx)
{
    if (m->media)
        media_plan_layers(m->media, publisher, active, fx);
}

/* ---- connection quality ---- */

static bool sees_everyones_quality(const struct meeting *m, int participant)
{
    const char *role = live_room_role(m->room, participant);
    return strcmp(role, "host") == 0 || strcmp(role, "cohost") == 0;
}

/* Who is told `participant`'s level: they themselves, and the therapist and co-facilitators.
 * Clients are not told each other's. */
static bool in_audience(const struct meeting *m, int participant, int member)
{
    return member == participant || sees_everyones_quality(m, member);
}

/* A mark of the audience's connections: when someone in it reconnects or a host arrives,
 * it changes, and the level is told again to everyone in it (telling twice is harmless). */
static uint64_t audience_mark(const struct meeting *m, int participant,
                              const struct live_room_member *members, size_t n)
{
    uint64_t mark = 1469598103934665603ULL; /* FNV-1a over the connection ids */
    for (size_t i = 0; i < n; i++) {
        if (!in_audience(m, participant, members[i].id))
            continue;
        mark ^= members[i].conn;
        mark *= 1099511628211ULL;
    }
    return mark ? mark : 1;
}

/* The entry for participant, made if need be; those who left are dropped first. */
static struct quality_entry *quality_entry(struct meeting *m, int participant)
{
    struct live_room_member member;
    size_t kept = 0;
    struct quality_entry *found = NULL;
    for (size_t i = 0; i < m->quality_count; i++) {
        if (live_room_member_get(m->room, m->quality[i].participant, &member) < 0)
            continue;
        m->quality[kept] = m->quality[i];
        if (m->quality[kept].participant == participant)
            found = &m->quality[kept];
        kept++;
    }
    m->quality_count = kept;
    if (found)
        return found;
    if (m->quality_count == m->quality_cap) {
        m->quality_cap = m->quality_cap ? 2 * m->quality_cap : 8;
        m->quality = xrealloc(m->quality, m->quality_cap * sizeof *m->quality);
    }
    found = &m->quality[m->quality_count++];
    *found = (struct quality_entry){.participant = participant};
    return found;
}

void meeting_quality(struct meeting *m, int64_t now, int participant,
                     const struct quality_reading *reading, struct live_effects *fx)
{
    struct live_room_member member;
    if (live_room_member_get(m->room, participant, &member) < 0)
        return; /* gone, or not admitted: nobody to tell */
    struct quality_entry *e = quality_entry(m, participant);
    bool changed = quality_update(&e->state, reading, now);
    size_t n = live_room_members(m->room, NULL, 0);
    struct live_room_member *members = xcalloc(n ? n : 1, sizeof *members);
    n = live_room_members(m->room, members, n);
    uint64_t mark = audience_mark(m, participant, members, n);
    /* the estimate is told again when it moved by a quarter or more */
    uint32_t est = reading->estimate_kbps, told = e->told_estimate_kbps;
    bool moved = est && (!told || (est > told ? est - told : told - est) * 4 >= told);
    if (changed || mark != e->told || moved) {
        e->told = mark;
        if (est)
            e->told_estimate_kbps = est;
        for (size_t i = 0; i < n; i++) {
            if (!in_audience(m, participant, members[i].id))
                continue;
            json_t *msg = json_pack("{s:s,s:i,s:s}", "type", "quality", "participant",
                                    participant, "level", quality_name(e->state.level));
            if (e->told_estimate_kbps)
                json_object_set_new(msg, "estimate_kbps", json_integer(e->told_estimate_kbps));
            live_fx_send(fx, members[i].conn, msg);
        }
    }
    free(members);
}

const char *meeting_quality_level(const struct meeting *m, int participant)
{
    for (size_t i = 0; i < m->quality_count; i++)
        if (m->quality[i].participant == participant)
            return quality_name(m->quality[i].state.level);
    return quality_name(QUALITY_UNKNOWN);
}

/* ---- audio and video ---- */

/* The sender is admitted (the table says so); without media the server says it has none. */
static bool has_media(struct meeting *m, int from, struct live_room_member *sender,
                      struct live_effects *fx)
{
    int rc = live_room_member_get(m->room, from, sender);
    assert(rc == 0);
    (void)rc;
    if (m->media)
        return true;
    live_fx_error(fx, sender->conn, "no_media", "This server carries no audio or video.");
    return false;
}

void meeting_on_publish(struct meeting *m, int64_t now, int from, const json_t *msg,
                        struct live_effects *fx)
{
    struct live_room_member self;
    /* what the room allows now goes with the new transport; the plan keeps no copy */
    if (has_media(m, from, &self, fx))
        media_plan_publish(m->media, from, self.audio != 0, self.video != 0, msg, fx);
}

void meeting_on_screen_stop(struct meeting *m, int64_t now, int from, const json_t *msg,
                            struct live_effects *fx)
{
    struct live_room_member self;
    if (has_media(m, from, &self, fx))
        media_plan_screen_stop(m->media, from, fx);
}

void meeting_on_subscribe_answer(struct meeting *m, int64_t now, int from, const json_t *msg,
                                 struct live_effects *fx)
{
    struct live_room_member self;
    if (has_media(m, from, &self, fx))
        media_plan_subscribe_answer(m->media, from, msg, fx);
}

void meeting_on_view(struct meeting *m, int64_t now, int from, const json_t *msg,
                     struct live_effects *fx)
{
    struct live_room_member self;
    if (has_media(m, from, &self, fx))
        media_plan_view(m->media, from, msg, fx);
}

void meeting_on_subscribe_restart(struct meeting *m, int64_t now, int from, const json_t *msg,
                                  struct live_effects *fx)
{
    struct live_room_member self;
    if (!has_media(m, from, &self, fx))
        return;
    if (json_is_true(json_object_get(msg, "ice_restart")))
        media_plan_subscribe_ice_restart(m->media, from, fx);
    else
        media_plan_subscribe_restart(m->media, from, fx);
}

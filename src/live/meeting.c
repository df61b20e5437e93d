#include "live/meeting.h"

#include <assert.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "sfu/limits.h"

struct meeting {
    int64_t occurrence_id;
    struct live_room *room;
    struct media_plan *media; /* NULL: no audio or video */
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
        people[i] = (struct media_person){members[i].id, members[i].conn};
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

void meeting_on_subscribe_answer(struct meeting *m, int64_t now, int from, const json_t *msg,
                                 struct live_effects *fx)
{
    struct live_room_member self;
    if (has_media(m, from, &self, fx))
        media_plan_subscribe_answer(m->media, from, msg, fx);
}

void meeting_on_subscribe_restart(struct meeting *m, int64_t now, int from, const json_t *msg,
                                  struct live_effects *fx)
{
    struct live_room_member self;
    if (has_media(m, from, &self, fx))
        media_plan_subscribe_restart(m->media, from, fx);
}

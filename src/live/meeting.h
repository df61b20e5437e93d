/* meeting: one occurrence of a session while it is live, sans I/O. It owns the room (the
 * waiting room, admissions, host controls: live/room.c) and the meeting's media plan (who
 * publishes, who receives what: live/media_plan.c), and keeps them in step: after every
 * event the plan follows who the room has admitted and connected, and what the room allows
 * each person to send (the one place that says who is muted) reaches the router as a
 * command. Events, messages and time go in; effects come out (live/effects.h) for the
 * service thread to carry out. It opens no socket, reads no clock and calls no store. */
#ifndef CONFIDE_LIVE_MEETING_H
#define CONFIDE_LIVE_MEETING_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "live/effects.h"
#include "live/media_plan.h"
#include "live/messages.h"
#include "live/quality.h"
#include "live/room.h"

struct meeting;

/* media: NULL for a meeting without audio or video (the server runs none). */
struct meeting *meeting_new(const struct live_room_settings *settings,
                            const struct media_local *media, struct media_counters *counters,
                            media_rand_fn *rand);
/* Frees it; the transports it had go (effects). */
void meeting_free(struct meeting *m, struct live_effects *fx);

int64_t meeting_occurrence(const struct meeting *m);
/* The room, for what the service asks of it (keys, roles, who is connected). */
struct live_room *meeting_room(struct meeting *m);
const struct live_room *meeting_room_const(const struct meeting *m);
/* The media plan, for invariants in tests; NULL without media. */
const struct media_plan *meeting_media(const struct meeting *m);

/* As live_room_join / live_room_rejoin / live_room_disconnect / live_room_tick /
 * live_room_password_failure, with the media plan kept in step. */
int meeting_join(struct meeting *m, int64_t now, uint64_t conn, const struct live_identity *who,
                 const char *fresh_key, struct live_effects *fx);
/* live_room_revoke, and the media plan follows. */
void meeting_revoke(struct meeting *m, int64_t now, int64_t client_id, int64_t user_id,
                    struct live_effects *fx);
int meeting_rejoin(struct meeting *m, int64_t now, uint64_t conn, const char *key,
                   struct live_effects *fx);
void meeting_disconnect(struct meeting *m, int64_t now, uint64_t conn, struct live_effects *fx);
int64_t meeting_tick(struct meeting *m, int64_t now, struct live_effects *fx);
void meeting_password_failure(struct meeting *m, int64_t now, struct live_effects *fx);

/* Who conn is in this meeting (LIVE_SENDER_OUTSIDE: not here). */
enum live_sender meeting_sender(const struct meeting *m, uint64_t conn, int *participant);
/* A message the table let through (live_message_check) from participant `from`, handed
 * to its room or meeting handler; the media plan then follows the room. */
void meeting_handle(struct meeting *m, int64_t now, int from, const struct live_message *def,
                    const json_t *msg, struct live_effects *fx);
/* The same with the check done here, for a meeting driven on its own (tests, fuzzing);
 * the service's own messages (hello, join…) get an error. */
void meeting_message(struct meeting *m, int64_t now, uint64_t conn, const json_t *msg,
                     struct live_effects *fx);

/* What the meeting's media worker reported. False when the peer is not this meeting's. */
bool meeting_peer_closed(struct meeting *m, uint64_t peer_id, struct live_effects *fx);
void meeting_speaker(struct meeting *m, int participant, struct live_effects *fx);
/* The worker's reading of participant's connection (live/quality.h). When their level
 * changes, {"type":"quality","participant":N,"level":"good|fair|poor"} goes to them and to
 * the therapist and co-facilitators; to those who were not there when it was last told
 * (a host arriving, anyone reconnecting), it goes at the next reading. */
void meeting_quality(struct meeting *m, int64_t now, int participant,
                     const struct quality_reading *reading, struct live_effects *fx);
/* The worker paused (or resumed) publisher's video to subscriber to keep their audio
 * clear: {"type":"video_paused","participant":publisher,"paused":…,"reason":"bandwidth"} goes
 * to the subscriber. */
void meeting_video_paused(struct meeting *m, int subscriber, int publisher, bool paused,
                          struct live_effects *fx);
/* Which of publisher's simulcast layers anyone receives (bit i: layer i):
 * {"type":"layers","active":[RIDs]} goes to the publisher. */
void meeting_layers(struct meeting *m, int publisher, unsigned active, struct live_effects *fx);
/* The level last worked out for participant ("unknown": none), for tests. */
const char *meeting_quality_level(const struct meeting *m, int participant);

/* The media handlers in the message table. */
live_meeting_handler meeting_on_publish, meeting_on_subscribe_answer, meeting_on_subscribe_restart,
    meeting_on_view, meeting_on_screen_stop;

#endif

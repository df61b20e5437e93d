/* media: the meetings' audio and video, as the service thread sees them. It starts the
 * media workers (sfu/worker.h), pins each room to one of them, answers a participant's
 * publish offer, writes the subscribe offers (one per participant, renegotiated as people
 * publish, leave and come back), checks their answers, and turns what the room says (who
 * is admitted and connected, who the host muted) into worker commands. SDP travels over
 * /ws as JSON messages that this module writes; it never touches a socket.
 *
 * Only people admitted to the meeting and connected get transports: someone in the
 * waiting room, removed, or gone has none, so they receive no media and none of theirs
 * is forwarded. */
#ifndef CONFIDE_LIVE_MEDIA_H
#define CONFIDE_LIVE_MEDIA_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "live/room.h"

struct live_media;

struct live_media_io {
    void (*send)(void *arg, uint64_t conn, const char *text, size_t len);
    void *arg;
};

/* Starts the workers. NULL with a sentence in err when a socket cannot be bound. */
struct live_media *live_media_start(const struct config *cfg, struct live_media_io io,
                                    struct buf *err);
void live_media_stop(struct live_media *m);

/* The room's members (admitted and connected, live_room_members) changed, or may have:
 * transports of people who left are dropped, subscribe offers go out to whoever needs one,
 * and the host's mute and stop video reach the worker. */
void live_media_sync(struct live_media *m, uint64_t room, const struct live_room_member *members,
                     size_t count);
/* The room is over: everything of it goes. */
void live_media_close_room(struct live_media *m, uint64_t room);

/* {"type":"publish","sdp":…} and {"type":"subscribe_answer","sdp":…,"version":n} from a
 * member (the caller checked they are one). Answers go to the member's connection. */
void live_media_publish(struct live_media *m, uint64_t room, int participant, const json_t *msg);
void live_media_subscribe_answer(struct live_media *m, uint64_t room, int participant,
                                 const json_t *msg);

/* {"type":"subscribe_restart"}: the page's receiving connection failed (a network change):
 * the old transport goes and an offer for a fresh one (reset) comes at once. */
void live_media_subscribe_restart(struct live_media *m, uint64_t room, int participant);

/* Collects what the workers reported (the active speaker, transports gone). */
void live_media_poll(struct live_media *m);

/* The media counters, in the Prometheus text format. */
void live_media_metrics(struct live_media *m, struct buf *out);

#endif

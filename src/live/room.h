/* room: one meeting (one occurrence of a session) as a pure state machine. Events come in
 * with the time (a join, a message, a dropped connection, a tick) and effects come out:
 * JSON messages for connections, attendance records to store, connections to close, and
 * the next deadline. No sockets, no clock, no store: tests drive every path directly.
 *
 * People are "participants" with a room-local id. Hosts (the therapist) and co-hosts
 * (co-facilitators) are admitted at once and never locked out; clients wait in the waiting
 * room (when it is on) until a host admits them. Someone who was admitted and drops comes
 * straight back in when they return, during a lock too; someone removed cannot return to
 * this meeting, nor can someone denied knock again, until a host lets them knock again
 * (let_knock). Who was turned away is kept (an effect) so a restarted meeting is told of it
 * (live_room_set_turned_away); so are who was admitted and the lock (effects, and
 * live_room_restore), so people come straight back after a restart too. Rejoin keys are
 * held as hashes only. Chat is held here only for delivery: nothing is kept or logged. */
#ifndef CONFIDE_LIVE_ROOM_H
#define CONFIDE_LIVE_ROOM_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "live/effects.h"
#include "live/messages.h"

enum live_role { LIVE_HOST, LIVE_COHOST, LIVE_CLIENT };

struct live_identity {
    enum live_role role;
    int64_t user_id;   /* hosts and co-hosts */
    int64_t client_id; /* clients */
    const char *name;
};

struct live_room_settings {
    int64_t occurrence_id;
    int64_t ends_at;       /* ms */
    int waiting_room;      /* clients wait for a host */
    int chat;              /* chat to everyone allowed (private to hosts always is) */
    int host_video;        /* the therapist and co-facilitators join with the camera on */
    int participant_video; /* clients join with the camera on (else off until they start it) */
    const char *title;     /* shown to those admitted */
};

struct live_room;

struct live_room *live_room_new(const struct live_room_settings *settings);
void live_room_free(struct live_room *r);

/* Why a join is refused (the caller answers "join_refused" with a sentence). */
enum live_refusal {
    LIVE_OK = 0,
    LIVE_LOCKED = -1,
    LIVE_REMOVED = -2,
    LIVE_ENDED = -3,
    LIVE_FULL = -4,
    LIVE_UNKNOWN_KEY = -5, /* a rejoin key this room does not know: ask for the password */
    LIVE_DENIED = -6,      /* a host turned them away from the waiting room */
};

/* Someone turned away from this meeting earlier (before a restart): removed, or denied. */
struct live_room_turned_away {
    struct live_identity who;
    int removed; /* else denied */
    int64_t at;
};
/* Tells a room just opened who was turned away from its meeting (the store keeps them):
 * they are refused as if it had happened in this room. Emits nothing. */
void live_room_set_turned_away(struct live_room *r, const struct live_room_turned_away *list,
                               size_t n);

/* Someone admitted to this meeting before a restart, as the store kept them. */
struct live_room_admitted {
    struct live_identity who;
    int participant; /* their id then, and again */
    uint8_t key_hash[LIVE_KEY_HASH_BYTES];
    int64_t admitted_at;
};
/* Tells a room just made (nobody in it yet) what its meeting was before a restart: the
 * lock, and who had been admitted: their rejoin key lets them straight back in, with their
 * id and role. Call before live_room_set_turned_away. Emits nothing. */
void live_room_restore(struct live_room *r, int locked, const struct live_room_admitted *list,
                       size_t n);
/* The hash a rejoin key is known by (BLAKE2b): the room and the store keep no other. */
void live_key_hash(const char *key, uint8_t hash[LIVE_KEY_HASH_BYTES]);

/* A person arrives on connection `conn`. Returns their participant id (> 0) or a refusal.
 * fresh_key: a new random key (from the caller: the room draws no randomness) that lets
 * the person back in without the password when their connection drops; the room keeps its
 * hash, replacing any key of theirs before (the caller hands the key out). */
int live_room_join(struct live_room *r, int64_t now, uint64_t conn, const struct live_identity *who,
                   const char *fresh_key, struct live_effects *fx);
/* "host", "cohost" or "client". */
const char *live_room_role(const struct live_room *r, int participant);
/* The same person coming back with the key from their earlier join. */
/* Someone's access ended while the meeting runs: a client's link (removed from the group,
 * their record archived; client_id), or a practitioner's account (disabled; user_id, the
 * other 0). They leave at once, told why, and their rejoin key stops working; a new valid
 * join lets them in again (through the waiting room). Nothing when they are not here. */
void live_room_revoke(struct live_room *r, int64_t now, int64_t client_id, int64_t user_id,
                      struct live_effects *fx);
int live_room_rejoin(struct live_room *r, int64_t now, uint64_t conn, const char *key,
                     struct live_effects *fx);
/* Who is on conn (and their participant id), for live_message_check. */
enum live_sender live_room_sender(const struct live_room *r, uint64_t conn, int *participant);
/* A message from conn, checked against the table and handed to its room handler. Messages
 * the meeting handles (audio and video) get "no_media": a room alone carries none. Used
 * where a room runs without its meeting (tests, fuzzing). */
void live_room_message(struct live_room *r, int64_t now, uint64_t conn, const json_t *msg,
                       struct live_effects *fx);

/* The room's handlers in the message table (live/messages.c); the sender is checked. */
live_room_handler live_room_on_leave, live_room_on_media, live_room_on_audio_only,
    live_room_on_hand, live_room_on_chat,
    live_room_on_support, live_room_on_admit, live_room_on_admit_all, live_room_on_deny,
    live_room_on_waiting_message, live_room_on_mute, live_room_on_stop_video, live_room_on_remove,
    live_room_on_lock, live_room_on_unlock, live_room_on_end, live_room_on_spotlight,
    live_room_on_round_start, live_room_on_round_next, live_room_on_round_stop,
    live_room_on_lower_hand, live_room_on_let_knock, live_room_on_clients_share,
    live_room_on_checkin_answer;
/* The service asked the client on conn the check-in measures in `due` (a
 * practice/checkins.h set): the room takes one answer to each of those, and no other.
 * `answered`: what they answered for this occurrence before (here, or on the messages
 * page); with nothing due and something answered, the hosts' waiting list says their
 * check-in is done. Nothing for a host. */
void live_room_checkins_asked(struct live_room *r, uint64_t conn, unsigned due, unsigned answered,
                              struct live_effects *fx);
/* The client on conn said where they are (live/location.h: the service checked the message,
 * kept the answer and checked the therapist's licence there: flagged when not covered or
 * not said). The hosts see it, never another client: their waiting list gives each waiting
 * client's place and the licence warning, and `locations` every client's answer with the
 * address for emergencies, now and whenever a host arrives. The latest answer wins.
 * Nothing for a host. */
struct live_location;
void live_room_set_location(struct live_room *r, uint64_t conn, const struct live_location *where,
                            int flagged, struct live_effects *fx);
/* The client a participant is (0 for a host, or nobody by that id). */
int64_t live_room_client_id(const struct live_room *r, int participant);
/* The connection is gone. */
void live_room_disconnect(struct live_room *r, int64_t now, uint64_t conn, struct live_effects *fx);
/* Runs what is due (a check-in turn ending); returns the next deadline or 0. */
int64_t live_room_tick(struct live_room *r, int64_t now, struct live_effects *fx);
/* A wrong password for this meeting: after 10, the hosts are told (once). */
void live_room_password_failure(struct live_room *r, int64_t now, struct live_effects *fx);

int live_room_ended(const struct live_room *r);
int64_t live_room_ended_at(const struct live_room *r);
int live_room_has_conn(const struct live_room *r, uint64_t conn);
size_t live_room_connected(const struct live_room *r); /* connections still open */
size_t live_room_waiting(const struct live_room *r);   /* in the waiting room, connected */

/* Someone admitted and connected, for the media plane. */
struct live_room_member {
    int id;
    uint64_t conn;
    const char *name;
    int audio, video; /* what the room lets them send */
    int audio_only;   /* they receive no video either */
    int may_share;    /* their screen: hosts always, clients when the host lets them */
};
/* Fills up to cap; returns how many there are. */
size_t live_room_members(const struct live_room *r, struct live_room_member *out, size_t cap);
/* The member (admitted and connected) with this id: 0, or -1 when there is none. */
int live_room_member_get(const struct live_room *r, int participant, struct live_room_member *out);

#endif

/* messages: the one table of /ws messages. Each type names who may send it and the one
 * handler that takes it: the service (before joining: hello, ping, preview, join, rejoin,
 * check),
 * the room (live/room.c: the waiting room, host controls, chat, hands…) or the meeting
 * (live/meeting.c: audio and video; in a check room the service's check room takes the same
 * media messages, live/service.c). live/service.c looks a message up here and checks the
 * sender before any handler runs, so a message someone may not send gets the same error
 * wherever it would have gone (live_message_refusal). */
#ifndef CONFIDE_LIVE_MESSAGES_H
#define CONFIDE_LIVE_MESSAGES_H
#include <jansson.h>
#include <stdint.h>

struct live_service;
struct live_conn;
struct live_room;
struct meeting;
struct live_effects;

/* Who sends: one bit each, so a message's `may` is a set of them. */
enum live_sender {
    LIVE_SENDER_OUTSIDE = 1 << 0, /* has not joined a meeting on this connection */
    LIVE_SENDER_WAITING = 1 << 1, /* in the waiting room */
    LIVE_SENDER_CLIENT = 1 << 2,  /* admitted, a client */
    LIVE_SENDER_COHOST = 1 << 3,  /* admitted, a co-facilitator */
    LIVE_SENDER_HOST = 1 << 4,    /* admitted, the therapist */
    /* in a check room (a connection test): publishes and receives itself, nothing more */
    LIVE_SENDER_CHECKING = 1 << 5,
};
#define LIVE_SENDER_LAST LIVE_SENDER_CHECKING

#define LIVE_MAY_HOSTS (LIVE_SENDER_HOST | LIVE_SENDER_COHOST)
#define LIVE_MAY_ADMITTED (LIVE_MAY_HOSTS | LIVE_SENDER_CLIENT)
#define LIVE_MAY_JOINED (LIVE_MAY_ADMITTED | LIVE_SENDER_WAITING)
#define LIVE_MAY_ANYONE (LIVE_MAY_JOINED | LIVE_SENDER_OUTSIDE | LIVE_SENDER_CHECKING)
/* audio and video: those admitted, and a connection testing itself in a check room */
#define LIVE_MAY_MEDIA (LIVE_MAY_ADMITTED | LIVE_SENDER_CHECKING)

typedef void live_service_handler(struct live_service *svc, struct live_conn *c, const json_t *msg,
                                  int64_t now);
/* from: the sender's participant id in that room or meeting. */
typedef void live_room_handler(struct live_room *r, int64_t now, int from, const json_t *msg,
                               struct live_effects *fx);
typedef void live_meeting_handler(struct meeting *m, int64_t now, int from, const json_t *msg,
                                  struct live_effects *fx);

struct live_message {
    const char *type;
    unsigned may; /* enum live_sender bits */
    /* exactly one of these */
    live_service_handler *service;
    live_room_handler *room;
    live_meeting_handler *meeting;
};

/* The entry for type, or NULL (unknown). */
const struct live_message *live_message_find(const char *type);
/* 1 when sender may send m. */
int live_message_allowed(const struct live_message *m, enum live_sender sender);
/* The error for a sender who may not send m: a code and a sentence for a person. */
void live_message_refusal(const struct live_message *m, enum live_sender sender, const char **code,
                          const char **message);
/* The entry for type when sender may send it; otherwise NULL, with the error for conn put
 * in fx ("unknown_type", or live_message_refusal's). The one check every sender passes. */
const struct live_message *live_message_check(const char *type, enum live_sender sender,
                                              uint64_t conn, struct live_effects *fx);
/* Every entry, for tests: *count entries. */
const struct live_message *live_message_table(size_t *count);

#endif

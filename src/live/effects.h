/* effects: what the meeting's sans-I/O parts (live/room.c, live/media_plan.c,
 * live/meeting.c) ask the service thread to do. They fill one of these; live/service.c
 * carries it out in order (messages, store writes, media commands, closes) and clears it.
 * Nothing in here is done by the parts that produce it. */
#ifndef CONFIDE_LIVE_EFFECTS_H
#define CONFIDE_LIVE_EFFECTS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/router.h"

/* A JSON message for one connection. */
struct live_send {
    uint64_t conn;
    char *text; /* owned by the effects */
};

/* An attendance record to store. */
struct live_attendance {
    int64_t client_id, user_id;
    const char *event; /* joined admitted denied dropped returned left removed */
    int64_t at;
};

/* Someone turned away from this meeting, to keep across reconnects and restarts: removed
 * or denied, or (what NULL) let knock again. */
struct live_turn_away {
    int64_t client_id, user_id;
    const char *what; /* "removed", "denied" or NULL */
    int64_t at;
};

#define LIVE_KEY_HASH_BYTES 32

/* Someone admitted, to let back in by their rejoin key after a restart (kept as a hash
 * only); or (gone) no longer: removed, or their access ended. */
struct live_admission {
    int64_t client_id, user_id;
    int participant;
    const char *role; /* "host", "cohost" or "client" */
    char *name;       /* owned */
    uint8_t key_hash[LIVE_KEY_HASH_BYTES];
    int64_t admitted_at;
    bool gone;
};

/* A client's answers to a check-in measure (practice/measures.h), scored, to store sealed
 * and, for a PHQ-9 item 9 above 0, to raise an alert for their practitioner. */
struct live_checkin {
    int64_t client_id;
    int measure; /* enum measure_kind */
    int answers[9];
    size_t answer_count;
    char *word; /* owned; the mood word, or NULL */
    int total;
    const char *band; /* static; NULL for mood */
    bool risk;
    int64_t at;
};

/* A command for the meeting's media worker (sfu/worker.h). */
enum live_media_op {
    LIVE_MEDIA_ADD_PEER,    /* a new transport: peer_id, participant, role, credentials */
    LIVE_MEDIA_REMOVE_PEER, /* peer_id */
    LIVE_MEDIA_SET_TRACKS,  /* peer_id: a subscribe transport's tracks */
    LIVE_MEDIA_ALLOW,       /* participant: what the router lets them send (the host's mute) */
    LIVE_MEDIA_RESTART_ICE, /* peer_id: new credentials in place (local NULL: remote only) */
    LIVE_MEDIA_VIEW,        /* participant sees publisher's tile at width × height */
};

struct live_media_cmd {
    enum live_media_op op;
    uint64_t peer_id;
    int participant;
    /* ADD_PEER */
    bool publish; /* a publish transport (else subscribe) */
    struct router_publish_params publish_params;
    char *local_ufrag, *local_pwd, *remote_ufrag, *remote_fingerprint; /* owned */
    /* SET_TRACKS */
    struct router_track *tracks; /* owned */
    size_t track_count;
    /* ALLOW */
    bool audio, video;
    /* VIEW */
    int publisher;
    uint16_t width, height;
};

struct live_effects {
    struct live_send *sends;
    size_t send_count, send_cap;
    struct live_attendance *records;
    size_t record_count, record_cap;
    struct live_turn_away *turned_away;
    size_t turned_away_count, turned_away_cap;
    struct live_admission *admissions;
    size_t admission_count, admission_cap;
    int lock_changed; /* 1 locked, -1 unlocked, 0 unchanged: to keep across restarts */
    int64_t lock_changed_at;
    struct live_media_cmd *media;
    size_t media_count, media_cap;
    uint64_t *closes;
    size_t close_count, close_cap;
    int64_t ended_at; /* the meeting ended at this time: store it (0: nothing to store) */
    struct live_checkin *checkins;
    size_t checkin_count, checkin_cap;
};

void live_effects_clear(struct live_effects *fx); /* frees and empties */

/* Queues msg (takes the reference) for conn; nothing for conn 0. */
void live_fx_send(struct live_effects *fx, uint64_t conn, json_t *msg);
/* {"type":"error","code":…,"message":…} */
void live_fx_error(struct live_effects *fx, uint64_t conn, const char *code, const char *message);
void live_fx_close(struct live_effects *fx, uint64_t conn);
void live_fx_record(struct live_effects *fx, int64_t client_id, int64_t user_id, const char *event,
                    int64_t at);
void live_fx_turn_away(struct live_effects *fx, int64_t client_id, int64_t user_id,
                       const char *what, int64_t at);
/* name is copied; key_hash NULL for gone. */
void live_fx_admission(struct live_effects *fx, int64_t client_id, int64_t user_id, int participant,
                       const char *role, const char *name, const uint8_t *key_hash,
                       int64_t admitted_at);
void live_fx_admission_gone(struct live_effects *fx, int64_t client_id, int64_t user_id);
/* A zeroed check-in, appended (its word set by the caller: owned). */
struct live_checkin *live_fx_checkin(struct live_effects *fx);
/* A zeroed command of this kind, appended. */
struct live_media_cmd *live_fx_media(struct live_effects *fx, enum live_media_op op);

#endif

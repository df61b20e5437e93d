#include "live/messages.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "live/effects.h"
#include "live/handlers.h"
#include "live/meeting.h"
#include "live/room.h"

static const struct live_message table[] = {
    /* the connection */
    {"hello", LIVE_MAY_ANYONE, .service = live_service_on_hello},
    {"ping", LIVE_MAY_ANYONE, .service = live_service_on_ping},
    /* before joining */
    {"preview", LIVE_SENDER_OUTSIDE, .service = live_service_on_preview},
    {"join", LIVE_SENDER_OUTSIDE, .service = live_service_on_join},
    {"rejoin", LIVE_SENDER_OUTSIDE, .service = live_service_on_rejoin},
    /* a signed-in practitioner's dashboard, told who waits for their meetings */
    {"watch", LIVE_SENDER_OUTSIDE, .service = live_service_on_watch},
    /* a connection test through the media server (a second one is refused by the service) */
    {"check", LIVE_SENDER_OUTSIDE | LIVE_SENDER_CHECKING, .service = live_service_on_check},
    /* everyone in the meeting */
    {"leave", LIVE_MAY_JOINED, .room = live_room_on_leave},
    {"media", LIVE_MAY_ADMITTED, .room = live_room_on_media},
    {"audio_only", LIVE_MAY_JOINED, .room = live_room_on_audio_only},
    {"hand", LIVE_MAY_ADMITTED, .room = live_room_on_hand},
    {"chat", LIVE_MAY_ADMITTED, .room = live_room_on_chat},
    {"support", LIVE_MAY_ADMITTED, .room = live_room_on_support},
    /* a client's check-in answers, while waiting or once in (hosts get "not_asked") */
    {"checkin_answer", LIVE_MAY_JOINED, .room = live_room_on_checkin_answer},
    /* where a client is right now, while waiting or once in (hosts get "not_asked") */
    {"location", LIVE_MAY_JOINED, .service = live_service_on_location},
    /* audio and video */
    {"publish", LIVE_MAY_MEDIA, .meeting = meeting_on_publish},
    {"subscribe_answer", LIVE_MAY_MEDIA, .meeting = meeting_on_subscribe_answer},
    {"subscribe_restart", LIVE_MAY_MEDIA, .meeting = meeting_on_subscribe_restart},
    {"view", LIVE_MAY_MEDIA, .meeting = meeting_on_view},
    {"screen_stop", LIVE_MAY_ADMITTED, .meeting = meeting_on_screen_stop},
    /* the therapist and co-facilitators */
    {"admit", LIVE_MAY_HOSTS, .room = live_room_on_admit},
    {"admit_all", LIVE_MAY_HOSTS, .room = live_room_on_admit_all},
    {"deny", LIVE_MAY_HOSTS, .room = live_room_on_deny},
    {"waiting_message", LIVE_MAY_HOSTS, .room = live_room_on_waiting_message},
    {"mute", LIVE_MAY_HOSTS, .room = live_room_on_mute},
    {"stop_video", LIVE_MAY_HOSTS, .room = live_room_on_stop_video},
    {"remove", LIVE_MAY_HOSTS, .room = live_room_on_remove},
    {"lock", LIVE_MAY_HOSTS, .room = live_room_on_lock},
    {"unlock", LIVE_MAY_HOSTS, .room = live_room_on_unlock},
    {"end", LIVE_MAY_HOSTS, .room = live_room_on_end},
    {"spotlight", LIVE_MAY_HOSTS, .room = live_room_on_spotlight},
    {"round_start", LIVE_MAY_HOSTS, .room = live_room_on_round_start},
    {"round_next", LIVE_MAY_HOSTS, .room = live_room_on_round_next},
    {"round_stop", LIVE_MAY_HOSTS, .room = live_room_on_round_stop},
    {"lower_hand", LIVE_MAY_HOSTS, .room = live_room_on_lower_hand},
    {"let_knock", LIVE_MAY_HOSTS, .room = live_room_on_let_knock},
    {"clients_share", LIVE_MAY_HOSTS, .room = live_room_on_clients_share},
};

const struct live_message *live_message_find(const char *type)
{
    for (size_t i = 0; type && i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].type, type) == 0)
            return &table[i];
    return NULL;
}

const struct live_message *live_message_table(size_t *count)
{
    *count = sizeof table / sizeof table[0];
    return table;
}

int live_message_allowed(const struct live_message *m, enum live_sender sender)
{
    assert(m && (!!m->service + !!m->room + !!m->meeting) == 1);
    return (m->may & (unsigned)sender) != 0;
}

void live_message_refusal(const struct live_message *m, enum live_sender sender, const char **code,
                          const char **message)
{
    assert(!live_message_allowed(m, sender));
    if (sender == LIVE_SENDER_CHECKING) {
        *code = "checking";
        *message = "This connection is testing your connection; it cannot join a session.";
    } else if (sender == LIVE_SENDER_OUTSIDE) {
        *code = "not_joined";
        *message = "Join the session first.";
    } else if ((m->may & LIVE_MAY_JOINED) == 0) { /* for before joining */
        *code = "already_joined";
        *message = "This connection has joined already.";
    } else if (sender == LIVE_SENDER_WAITING) {
        *code = "waiting";
        *message = "You are in the waiting room; your therapist will let you in shortly.";
    } else {
        *code = "not_allowed";
        *message = "Only the therapist can do that.";
    }
}

const struct live_message *live_message_check(const char *type, enum live_sender sender,
                                              uint64_t conn, struct live_effects *fx)
{
    const struct live_message *m = live_message_find(type);
    if (!m) {
        live_fx_error(fx, conn, "unknown_type", "This message type is not known.");
        return NULL;
    }
    if (!live_message_allowed(m, sender)) {
        const char *code, *message;
        live_message_refusal(m, sender, &code, &message);
        live_fx_error(fx, conn, code, message);
        return NULL;
    }
    return m;
}

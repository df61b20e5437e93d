/* Fuzzes one whole meeting (room and media plan) with scripts of joins, rejoins, drops,
 * /ws messages (host controls, audio only, chat, publish offers, subscribe answers to the
 * offers it sent) and worker reports, from five people, and checks after every step what must
 * always hold: nobody in the waiting room receives media, the room's state or another person's
 * name; transports are made only for people admitted and connected; the plan follows the
 * room; and someone removed or denied never gets back into this meeting (in the session
 * or the waiting room) unless a host let them knock again (let_knock); a screen is shared
 * only by someone who may (a host, or a client once a host lets clients share), and by one
 * person at a time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/meeting_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEOPLE 5
#define PEERS 64

static const struct live_identity people[PEOPLE] = {
    {LIVE_HOST, 1, 0, "Name0"},    {LIVE_COHOST, 2, 0, "Name1"},  {LIVE_CLIENT, 0, 10, "Name2"},
    {LIVE_CLIENT, 0, 11, "Name3"}, {LIVE_CLIENT, 0, 12, "Name4"},
};

struct state {
    struct meeting *m;
    struct live_effects fx;
    uint64_t conn[PEOPLE]; /* 0: not connected */
    int id[PEOPLE];        /* participant id once joined */
    char key[PEOPLE][32];
    int removed[PEOPLE]; /* removed or denied, and not let knock again since */
    uint64_t next_conn;
    uint64_t peers[PEERS];
    size_t peer_count;
    char *last_offer[PEOPLE];
    uint64_t screens[PEERS]; /* screen transports made and not removed or lost */
    size_t screen_count;
};

static void screen_gone(struct state *s, uint64_t peer)
{
    for (size_t i = 0; i < s->screen_count; i++)
        if (s->screens[i] == peer)
            s->screens[i] = s->screens[--s->screen_count];
}

static int person_of(const struct state *s, uint64_t conn)
{
    for (int i = 0; i < PEOPLE; i++)
        if (s->conn[i] == conn && conn)
            return i;
    return -1;
}

static int person_by_identity(int64_t client_id, int64_t user_id)
{
    for (int i = 0; i < PEOPLE; i++)
        if (client_id ? people[i].client_id == client_id : people[i].user_id == user_id)
            return i;
    return -1;
}

static void check(struct state *s)
{
    const struct live_room *room = meeting_room_const(s->m);
    for (size_t i = 0; i < s->fx.send_count; i++) {
        int who = person_of(s, s->fx.sends[i].conn);
        int participant;
        if (who < 0 ||
            meeting_sender(s->m, s->fx.sends[i].conn, &participant) != LIVE_SENDER_WAITING)
            continue;
        json_t *msg = json_loads(s->fx.sends[i].text, 0, NULL);
        const char *type = json_string_value(json_object_get(msg, "type"));
        static const char *const never[] = {
            "room",           "chat",         "hands",   "subscribe_offer", "publish_answer",
            "active_speaker", "waiting_list", "arrival", "support_request", "admitted"};
        for (size_t k = 0; k < sizeof never / sizeof never[0]; k++)
            if (strcmp(type, never[k]) == 0)
                abort(); /* the waiting room saw the meeting */
        for (int other = 0; other < PEOPLE; other++)
            if (other != who && strstr(s->fx.sends[i].text, people[other].name))
                abort(); /* the waiting room learnt another person's name */
        json_decref(msg);
    }
    for (size_t i = 0; i < s->fx.media_count; i++) {
        const struct live_media_cmd *c = &s->fx.media[i];
        struct live_room_member member;
        if (c->op == LIVE_MEDIA_ADD_PEER && (uint32_t)c->participant >= MEDIA_SCREEN_SOURCE(0)) {
            int sharer = c->participant - (int)MEDIA_SCREEN_SOURCE(0);
            if (!c->publish || live_room_member_get(room, sharer, &member) < 0 || !member.may_share)
                abort(); /* a screen from someone who may not share it */
            if (s->screen_count < PEERS)
                s->screens[s->screen_count++] = c->peer_id;
            if (s->peer_count < PEERS)
                s->peers[s->peer_count++] = c->peer_id;
        } else if (c->op == LIVE_MEDIA_REMOVE_PEER) {
            screen_gone(s, c->peer_id);
        } else if (c->op == LIVE_MEDIA_ADD_PEER) {
            if (live_room_member_get(room, c->participant, &member) < 0)
                abort(); /* a transport for someone not admitted and connected */
            if (s->peer_count < PEERS)
                s->peers[s->peer_count++] = c->peer_id;
        }
    }
    if (s->screen_count > 1)
        abort(); /* two screens at once */
    struct live_room_member members[32];
    if (media_plan_people(meeting_media(s->m)) != live_room_members(room, members, 32))
        abort(); /* the plan does not follow the room */
    /* who is turned away follows what the store is told */
    for (size_t i = 0; i < s->fx.turned_away_count; i++) {
        const struct live_turn_away *t = &s->fx.turned_away[i];
        int who = person_by_identity(t->client_id, t->user_id);
        if (who < 0 || who == 0)
            abort(); /* someone unknown, or the therapist, turned away */
        s->removed[who] = t->what != NULL;
    }
    for (size_t i = 0; i < s->fx.send_count; i++) {
        int who = person_of(s, s->fx.sends[i].conn);
        if (who >= 0 &&
            (strstr(s->fx.sends[i].text, "\"type\":\"removed\"") ||
             strstr(s->fx.sends[i].text, "\"type\":\"denied\"")) &&
            !s->removed[who])
            abort(); /* told they are out, but the store is not */
        if (who >= 0 && strstr(s->fx.sends[i].text, "\"type\":\"subscribe_offer\"")) {
            json_t *msg = json_loads(s->fx.sends[i].text, 0, NULL);
            free(s->last_offer[who]);
            s->last_offer[who] =
                fixture_subscribe_answer(json_string_value(json_object_get(msg, "sdp")));
            json_t *v = json_object_get(msg, "version");
            if (s->last_offer[who]) {
                /* keep the version with the answer: "<version>\n<sdp>" */
                char *both;
                if (asprintf(&both, "%lld\n%s", (long long)json_integer_value(v),
                             s->last_offer[who]) < 0)
                    abort();
                free(s->last_offer[who]);
                s->last_offer[who] = both;
            }
            json_decref(msg);
        }
    }
    /* closed connections are gone for the room too */
    for (size_t i = 0; i < s->fx.close_count; i++) {
        int who = person_of(s, s->fx.closes[i]);
        if (who >= 0)
            s->conn[who] = 0;
    }
    live_effects_clear(&s->fx);
}

static void message(struct state *s, int who, uint8_t op, uint8_t arg, int64_t now)
{
    if (!s->conn[who])
        return;
    int target = 1 + arg % 6;
    json_t *msg;
    switch (op % 14) {
    case 0:
        msg = json_pack("{s:s,s:i}", "type", "admit", "participant", target);
        break;
    case 1:
        msg = json_pack("{s:s}", "type", "admit_all");
        break;
    case 2:
        msg = json_pack("{s:s,s:i}", "type", "deny", "participant", target);
        break;
    case 3:
        msg = json_pack("{s:s,s:i}", "type", "remove", "participant", target);
        break;
    case 4:
        msg = json_pack("{s:s,s:i}", "type", "mute", "participant", target);
        break;
    case 5:
        if (arg & 2)
            msg = json_pack("{s:s,s:b}", "type", "audio_only", "on", arg & 1);
        else
            msg = json_pack("{s:s,s:b}", "type", "media", "audio", arg & 1);
        break;
    case 6:
        msg = json_pack("{s:s,s:s,s:s}", "type", "chat", "to", arg & 1 ? "everyone" : "hosts",
                        "text", "hi");
        break;
    case 7:
        if (arg & 4)
            msg = json_pack("{s:s,s:s,s:s}", "type", "publish", "source", "screen", "sdp",
                            arg & 8 ? fixture_publish_offer : fixture_screen_offer);
        else
            msg = json_pack("{s:s,s:s}", "type", "publish", "sdp", fixture_publish_offer);
        break;
    case 8: {
        const char *ans = s->last_offer[who];
        if (!ans)
            return;
        const char *nl = strchr(ans, '\n');
        msg = json_pack("{s:s,s:s,s:I}", "type", "subscribe_answer", "sdp", nl + 1, "version",
                        (json_int_t)atoll(ans));
        break;
    }
    case 9:
        msg = json_pack("{s:s}", "type", "subscribe_restart");
        break;
    case 10:
        msg = json_pack("{s:s}", "type", "leave");
        break;
    case 11:
        if (arg & 4)
            msg = json_pack("{s:s,s:b}", "type", "clients_share", "on", arg & 1);
        else if (arg & 2)
            msg = json_pack("{s:s}", "type", "screen_stop");
        else
            msg = json_pack("{s:s}", "type", arg & 1 ? "lock" : "unlock");
        break;
    case 12:
        msg = json_pack("{s:s}", "type", arg % 16 == 0 ? "end" : "hand");
        break;
    default:
        if (arg & 2)
            msg = json_pack("{s:s,s:i}", "type", "stop_video", "participant", target);
        else if (arg & 1)
            msg = json_pack("{s:s,s:i}", "type", "let_knock", "participant", target);
        else
            msg = json_pack("{s:s,s:i}", "type", "let_knock", "client_id", 10 + arg / 4 % 4);
        break;
    }
    meeting_message(s->m, now, s->conn[who], msg, &s->fx);
    json_decref(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state s = {0};
    struct media_counters counters = {0};
    struct live_room_settings settings = {.host_video = 1,
                                          .participant_video = 1,
                                          .occurrence_id = 3,
                                          .ends_at = INT64_MAX / 2,
                                          .waiting_room = 1,
                                          .chat = 1,
                                          .title = "t"};
    s.m = meeting_new(&settings, &fixture_local, &counters, fixture_rand);
    s.next_conn = 100;
    int64_t now = 1000;
    for (size_t i = 0; i + 3 <= size && i < 3 * 200; i += 3) {
        int who = data[i] % PEOPLE;
        uint8_t op = data[i + 1], arg = data[i + 2];
        now += arg;
        switch (data[i] / PEOPLE % 6) {
        case 0: { /* a join on a new connection (a second window replaces the first) */
            char key[32];
            snprintf(key, sizeof key, "key-%d-abcdefghijklmnop", who);
            uint64_t conn = ++s.next_conn;
            int id = meeting_join(s.m, now, conn, &people[who], key, &s.fx);
            if (s.removed[who] && id > 0)
                abort(); /* removed or denied, and back in */
            if (id > 0) {
                if (s.conn[who] && s.conn[who] != conn)
                    s.conn[who] = 0;
                s.conn[who] = conn;
                s.id[who] = id;
            }
            break;
        }
        case 1: /* the connection drops */
            if (s.conn[who]) {
                meeting_disconnect(s.m, now, s.conn[who], &s.fx);
                s.conn[who] = 0;
            }
            break;
        case 2: { /* back with the key */
            char key[32];
            snprintf(key, sizeof key, "key-%d-abcdefghijklmnop", who);
            if (s.conn[who])
                break;
            uint64_t conn = ++s.next_conn;
            int id = meeting_rejoin(s.m, now, conn, key, &s.fx);
            if (s.removed[who] && id > 0)
                abort();
            if (id > 0)
                s.conn[who] = conn;
            break;
        }
        case 3: /* a worker reports a transport gone */
            if (s.peer_count) {
                uint64_t peer = s.peers[arg % s.peer_count];
                if (meeting_peer_closed(s.m, peer, &s.fx))
                    screen_gone(&s, peer); /* the worker freed it: no REMOVE_PEER comes */
            }
            break;
        case 4:
            meeting_tick(s.m, now, &s.fx);
            meeting_speaker(s.m, arg % 6, &s.fx);
            break;
        default:
            message(&s, who, op, arg, now);
            break;
        }
        check(&s);
    }
    meeting_free(s.m, &s.fx);
    live_effects_clear(&s.fx);
    for (int i = 0; i < PEOPLE; i++)
        free(s.last_offer[i]);
    return 0;
}

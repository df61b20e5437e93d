/* live/meeting: one meeting's room and media plan driven by scripted scenarios, asserting
 * the exact effects: who is told what, which media commands go to the worker, and what
 * nobody gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../support/meeting_fixture.h"
#include "sfu/limits.h"

enum { HOST = 1, ANA = 2, BO = 3 }; /* connection numbers */

static const struct live_identity therapist = {LIVE_HOST, 1, 0, "Dr Lee"};
static const struct live_identity ana = {LIVE_CLIENT, 0, 10, "Ana"};
static const struct live_identity bo = {LIVE_CLIENT, 0, 11, "Bo"};

struct fixture {
    struct meeting *m;
    struct live_effects fx;
    struct media_counters n;
    int64_t now;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct live_room_settings s = {.host_video = 1,
                                   .participant_video = 1,
                                   .occurrence_id = 7,
                                   .ends_at = 10000000,
                                   .waiting_room = 1,
                                   .chat = 1,
                                   .title = "Group"};
    f->m = meeting_new(&s, &fixture_local, &f->n, fixture_rand);
    f->now = 1000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    live_effects_clear(&f->fx);
    meeting_free(f->m, &f->fx);
    live_effects_clear(&f->fx);
    free(f);
    return 0;
}

/* ---- what came out ---- */

/* The last message of this type for conn in the effects, or NULL (a new reference). */
static json_t *sent(struct fixture *f, uint64_t conn, const char *type)
{
    json_t *found = NULL;
    for (size_t i = 0; i < f->fx.send_count; i++) {
        if (f->fx.sends[i].conn != conn)
            continue;
        json_t *m = json_loads(f->fx.sends[i].text, 0, NULL);
        if (strcmp(json_string_value(json_object_get(m, "type")), type) == 0) {
            json_decref(found);
            found = m;
        } else {
            json_decref(m);
        }
    }
    return found;
}

static int got(struct fixture *f, uint64_t conn, const char *type)
{
    json_t *m = sent(f, conn, type);
    json_decref(m);
    return m != NULL;
}

static const char *error_code(struct fixture *f, uint64_t conn)
{
    static char code[64];
    json_t *e = sent(f, conn, "error");
    snprintf(code, sizeof code, "%s", e ? json_string_value(json_object_get(e, "code")) : "");
    json_decref(e);
    return code;
}

static size_t cmds(struct fixture *f, enum live_media_op op)
{
    size_t n = 0;
    for (size_t i = 0; i < f->fx.media_count; i++)
        n += f->fx.media[i].op == op;
    return n;
}

static const struct live_media_cmd *cmd(struct fixture *f, enum live_media_op op)
{
    for (size_t i = 0; i < f->fx.media_count; i++)
        if (f->fx.media[i].op == op)
            return &f->fx.media[i];
    return NULL;
}

/* ---- what goes in (each step starts with empty effects) ---- */

static int join(struct fixture *f, uint64_t conn, const struct live_identity *who)
{
    live_effects_clear(&f->fx);
    char key[32];
    snprintf(key, sizeof key, "key-%llu-abcdefghijkl", (unsigned long long)conn);
    return meeting_join(f->m, f->now, conn, who, key, &f->fx);
}

static void say(struct fixture *f, uint64_t conn, const char *text)
{
    live_effects_clear(&f->fx);
    json_t *msg = json_loads(text, 0, NULL);
    assert_non_null(msg);
    meeting_message(f->m, f->now, conn, msg, &f->fx);
    json_decref(msg);
}

static void publish(struct fixture *f, uint64_t conn)
{
    json_t *msg = json_pack("{s:s,s:s}", "type", "publish", "sdp", fixture_publish_offer);
    live_effects_clear(&f->fx);
    meeting_message(f->m, f->now, conn, msg, &f->fx);
    json_decref(msg);
}

/* Answers the subscribe offer conn got in the last step. */
static void answer(struct fixture *f, uint64_t conn)
{
    json_t *offer = sent(f, conn, "subscribe_offer");
    assert_non_null(offer);
    char *sdp = fixture_subscribe_answer(json_string_value(json_object_get(offer, "sdp")));
    assert_non_null(sdp);
    json_t *msg = json_pack("{s:s,s:s,s:O}", "type", "subscribe_answer", "sdp", sdp, "version",
                            json_object_get(offer, "version"));
    live_effects_clear(&f->fx);
    meeting_message(f->m, f->now, conn, msg, &f->fx);
    json_decref(msg);
    json_decref(offer);
    free(sdp);
}

/* The tracks in conn's last subscribe offer: "participant:kind" joined by spaces. */
static const char *offered(struct fixture *f, uint64_t conn, int *reset)
{
    static char out[256];
    out[0] = 0;
    json_t *offer = sent(f, conn, "subscribe_offer");
    assert_non_null(offer);
    *reset = json_is_true(json_object_get(offer, "reset"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(offer, "tracks"), i, t)
    {
        char one[32];
        snprintf(one, sizeof one, "%s%d:%s", i ? " " : "",
                 (int)json_integer_value(json_object_get(t, "participant")),
                 json_string_value(json_object_get(t, "kind")));
        strcat(out, one);
    }
    json_decref(offer);
    return out;
}

/* Every message of the last step, in order: "conn:type" joined by spaces. */
static const char *sends(struct fixture *f)
{
    static char out[1024];
    out[0] = 0;
    for (size_t i = 0; i < f->fx.send_count; i++) {
        json_t *m = json_loads(f->fx.sends[i].text, 0, NULL);
        char one[64];
        snprintf(one, sizeof one, "%s%llu:%s", i ? " " : "",
                 (unsigned long long)f->fx.sends[i].conn,
                 json_string_value(json_object_get(m, "type")));
        strcat(out, one);
        json_decref(m);
    }
    return out;
}

/* Every media command of the last step, in order: "op:participant" joined by spaces. */
static const char *commands(struct fixture *f)
{
    static const char *const ops[] = {"add", "remove", "tracks", "allow", "restart"};
    static char out[512];
    out[0] = 0;
    for (size_t i = 0; i < f->fx.media_count; i++) {
        char one[32];
        snprintf(one, sizeof one, "%s%s:%d", i ? " " : "", ops[f->fx.media[i].op],
                 f->fx.media[i].participant);
        strcat(out, one);
    }
    return out;
}

/* ---- scenarios ---- */

/* Each step of a one-to-one session, with everything it causes and nothing else. */
static void every_effect_of_a_session_in_order(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(join(f, HOST, &therapist), 1);
    assert_string_equal(sends(f), "1:admitted 1:room 1:waiting_list 1:hands");
    assert_string_equal(commands(f), "");
    assert_int_equal(f->fx.record_count, 2); /* joined, admitted */

    assert_int_equal(join(f, ANA, &ana), 2);
    assert_string_equal(sends(f), "2:waiting 1:arrival 1:waiting_list");
    assert_string_equal(commands(f), "");
    assert_int_equal(f->fx.record_count, 1); /* joined */

    publish(f, HOST);
    assert_string_equal(sends(f), "1:publish_answer");
    assert_string_equal(commands(f), "add:1 allow:1");

    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    assert_string_equal(sends(f), "2:admitted 1:room 2:room 1:waiting_list 2:subscribe_offer");
    assert_string_equal(commands(f), "");
    assert_int_equal(f->fx.record_count, 1);
    assert_string_equal(f->fx.records[0].event, "admitted");
    assert_int_equal(f->fx.records[0].client_id, 10);

    answer(f, ANA);
    assert_string_equal(sends(f), "");
    assert_string_equal(commands(f), "add:2 tracks:2");

    publish(f, ANA);
    assert_string_equal(sends(f), "2:publish_answer 1:subscribe_offer");
    assert_string_equal(commands(f), "add:2 allow:2");
    answer(f, HOST);
    assert_string_equal(commands(f), "add:1 tracks:1");

    say(f, HOST, "{\"type\":\"mute\",\"participant\":2}");
    assert_string_equal(sends(f), "2:muted_by_host 1:room 2:room");
    assert_string_equal(commands(f), "allow:2");

    live_effects_clear(&f->fx);
    meeting_disconnect(f->m, f->now, ANA, &f->fx);
    assert_string_equal(sends(f), "1:room 1:hands 1:subscribe_offer");
    assert_string_equal(commands(f), "remove:0 remove:0");
    assert_int_equal(f->fx.record_count, 1);
    assert_string_equal(f->fx.records[0].event, "dropped");

    live_effects_clear(&f->fx);
    assert_int_equal(meeting_rejoin(f->m, f->now, 9, "key-2-abcdefghijkl", &f->fx), 2);
    assert_string_equal(sends(f), "9:admitted 1:room 9:room 9:subscribe_offer");
    assert_string_equal(commands(f), "");

    say(f, HOST, "{\"type\":\"end\"}");
    assert_string_equal(sends(f), "1:ended 9:ended");
    assert_string_equal(commands(f), "remove:0 remove:0");
    assert_int_equal(f->fx.close_count, 2);
    assert_int_equal(f->fx.ended_at, f->now);
}

static void the_waiting_room_gets_no_media(void **state)
{
    struct fixture *f = *state;
    int host = join(f, HOST, &therapist);
    assert_int_equal(host, 1);
    publish(f, HOST);
    assert_true(got(f, HOST, "publish_answer"));
    assert_int_equal(cmds(f, LIVE_MEDIA_ADD_PEER), 1);
    assert_true(cmd(f, LIVE_MEDIA_ADD_PEER)->publish);
    /* Ana waits: no transport, no offer, and her own publish is refused in words */
    int a = join(f, ANA, &ana);
    assert_int_equal(a, 2);
    assert_true(got(f, ANA, "waiting"));
    assert_false(got(f, ANA, "subscribe_offer"));
    assert_int_equal(f->fx.media_count, 0);
    publish(f, ANA);
    assert_string_equal(error_code(f, ANA), "waiting");
    assert_int_equal(f->fx.media_count, 0);
    assert_int_equal(f->n.publish_answered, 1);
    /* admitted: an offer with the therapist's audio and video, on a fresh transport */
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    assert_true(got(f, ANA, "admitted"));
    int reset;
    assert_string_equal(offered(f, ANA, &reset), "1:audio 1:video");
    assert_true(reset);
    assert_false(got(f, HOST, "subscribe_offer")); /* nobody else publishes yet */
}

static void publish_subscribe_and_renegotiate(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    publish(f, HOST);
    const struct live_media_cmd *add = cmd(f, LIVE_MEDIA_ADD_PEER);
    assert_non_null(add);
    assert_int_equal(add->participant, 1);
    assert_string_equal(add->remote_ufrag, "Xq3h");
    assert_int_equal(add->publish_params.pt_count, 3); /* Opus, VP8 and its RTX */
    /* the room's allowance goes with every new publish transport */
    const struct live_media_cmd *allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_non_null(allow);
    assert_true(allow->audio && allow->video);
    int reset;
    assert_string_equal(offered(f, ANA, &reset), "1:audio 1:video");
    answer(f, ANA);
    assert_int_equal(cmds(f, LIVE_MEDIA_ADD_PEER), 1);
    assert_false(cmd(f, LIVE_MEDIA_ADD_PEER)->publish);
    const struct live_media_cmd *tracks = cmd(f, LIVE_MEDIA_SET_TRACKS);
    assert_non_null(tracks);
    assert_int_equal(tracks->track_count, 2);
    assert_int_not_equal(tracks->tracks[1].rtx_ssrc, 0); /* video repaired as RTX */
    assert_int_equal(f->n.subscribe_answers, 1);
    /* Ana publishes: the therapist gets an offer; Ana's own offer is not renegotiated */
    publish(f, ANA);
    assert_string_equal(offered(f, HOST, &reset), "2:audio 2:video");
    assert_false(got(f, ANA, "subscribe_offer"));
    answer(f, HOST);
    /* Bo comes in: he gets both; nobody else's offer changes (he does not publish) */
    join(f, BO, &bo);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":3}");
    assert_string_equal(offered(f, BO, &reset), "1:audio 1:video 2:audio 2:video");
    assert_false(got(f, ANA, "subscribe_offer"));
    /* an answer to an offer that is not current */
    json_t *stale =
        json_pack("{s:s,s:s,s:i}", "type", "subscribe_answer", "sdp", "v=0", "version", 99);
    live_effects_clear(&f->fx);
    meeting_message(f->m, f->now, BO, stale, &f->fx);
    json_decref(stale);
    assert_string_equal(error_code(f, BO), "stale_answer");
    /* the therapist leaves: her transports go, and Ana's tracks of her go inactive */
    say(f, HOST, "{\"type\":\"leave\"}");
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 2);
    assert_string_equal(offered(f, ANA, &reset), "");
    assert_false(reset);
}

static void the_host_mutes_and_the_room_owns_it(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    publish(f, ANA);
    say(f, HOST, "{\"type\":\"mute\",\"participant\":2}");
    assert_true(got(f, ANA, "muted_by_host"));
    const struct live_media_cmd *allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_non_null(allow);
    assert_int_equal(allow->participant, 2);
    assert_false(allow->audio);
    assert_true(allow->video);
    /* a new publish transport carries the mute along: the plan asks the room */
    publish(f, ANA);
    allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_non_null(allow);
    assert_false(allow->audio);
    /* only Ana turns her microphone back on */
    say(f, HOST, "{\"type\":\"media\",\"audio\":true}");
    allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_int_equal(allow->participant, 1); /* that was the therapist's own */
    say(f, ANA, "{\"type\":\"media\",\"audio\":true}");
    allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_int_equal(allow->participant, 2);
    assert_true(allow->audio);
    /* a client cannot mute anyone */
    say(f, ANA, "{\"type\":\"mute\",\"participant\":1}");
    assert_string_equal(error_code(f, ANA), "not_allowed");
    assert_int_equal(f->fx.media_count, 0);
}

/* Whether conn's last room message says participant is on audio only. */
static int audio_only_in_room(struct fixture *f, uint64_t conn, int participant)
{
    json_t *room = sent(f, conn, "room");
    assert_non_null(room);
    int on = -1;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(room, "participants"), i, p)
    {
        if (json_integer_value(json_object_get(p, "id")) == participant)
            on = json_is_true(json_object_get(p, "audio_only"));
    }
    json_decref(room);
    assert_int_not_equal(on, -1);
    return on;
}

/* Audio only is the person's own: the room keeps it next to them (across a dropped
 * connection), the router stops their video, and what they receive leaves video out. */
static void audio_only_sends_and_receives_no_video(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    publish(f, HOST);
    answer(f, ANA);
    publish(f, ANA);
    answer(f, HOST);

    say(f, ANA, "{\"type\":\"audio_only\",\"on\":true}");
    assert_true(audio_only_in_room(f, HOST, 2));
    assert_true(audio_only_in_room(f, ANA, 2));
    const struct live_media_cmd *allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_non_null(allow);
    assert_int_equal(allow->participant, 2);
    assert_true(allow->audio);
    assert_false(allow->video);
    int reset;
    assert_string_equal(offered(f, ANA, &reset), "1:audio"); /* the video section goes */
    assert_false(reset);
    assert_false(got(f, HOST, "subscribe_offer")); /* the router holds Ana's video */
    answer(f, ANA);
    assert_int_equal(cmd(f, LIVE_MEDIA_SET_TRACKS)->track_count, 1);

    /* her camera being "on" does not let video through while she is on audio only */
    say(f, ANA, "{\"type\":\"media\",\"video\":true}");
    assert_false(cmd(f, LIVE_MEDIA_ALLOW)->video);

    /* dropped and back: still audio only, and so is her new publish transport */
    live_effects_clear(&f->fx);
    meeting_disconnect(f->m, f->now, ANA, &f->fx);
    live_effects_clear(&f->fx);
    assert_int_equal(meeting_rejoin(f->m, f->now, 9, "key-2-abcdefghijkl", &f->fx), 2);
    assert_string_equal(offered(f, 9, &reset), "1:audio");
    assert_true(audio_only_in_room(f, 9, 2));
    answer(f, 9);
    publish(f, 9);
    assert_false(cmd(f, LIVE_MEDIA_ALLOW)->video);

    /* off: her video goes out again, and she is offered the therapist's */
    say(f, 9, "{\"type\":\"audio_only\",\"on\":false}");
    allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_non_null(allow);
    assert_true(allow->video);
    assert_false(audio_only_in_room(f, HOST, 2));
    assert_string_equal(offered(f, 9, &reset), "1:audio 1:video");

    say(f, 9, "{\"type\":\"audio_only\",\"on\":\"yes\"}");
    assert_string_equal(error_code(f, 9), "invalid_field");

    /* chosen in the waiting room: the first offer after admission has no video */
    join(f, BO, &bo);
    say(f, BO, "{\"type\":\"audio_only\",\"on\":true}");
    assert_int_equal(f->fx.send_count, 0);
    assert_int_equal(f->fx.media_count, 0);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":3}");
    assert_string_equal(offered(f, BO, &reset), "1:audio 2:audio");
    assert_true(audio_only_in_room(f, HOST, 3));
}

/* How many of conn's offered tracks are participant's audio and video. */
static int offers_both(struct fixture *f, uint64_t conn, int participant, int *reset)
{
    char want[32];
    snprintf(want, sizeof want, "%d:audio %d:video", participant, participant);
    const char *got_tracks = offered(f, conn, reset);
    return strstr(got_tracks, want) != NULL;
}

/* Seven clients publish, then come and go on new connections thirty times: the therapist's
 * subscription grows with each (its tracks are kept as they are needed, up to the 56 one
 * transport holds), and when one transport is used up a fresh one carries everyone then
 * present. */
static void many_people_come_and_go(void **state)
{
    struct fixture *f = *state;
    enum { CLIENTS = 7, ROUNDS = 30 };
    struct live_identity who[CLIENTS];
    uint64_t conn[CLIENTS];
    int id[CLIENTS];
    char key[CLIENTS][32];
    join(f, HOST, &therapist);
    publish(f, HOST);
    for (int k = 0; k < CLIENTS; k++) {
        who[k] = (struct live_identity){LIVE_CLIENT, 0, 20 + k, "Client"};
        conn[k] = 10 + (uint64_t)k;
        snprintf(key[k], sizeof key[k], "key-%llu-abcdefghijkl", (unsigned long long)conn[k]);
        id[k] = join(f, conn[k], &who[k]);
        assert_true(id[k] > 1);
        char admit[64];
        snprintf(admit, sizeof admit, "{\"type\":\"admit\",\"participant\":%d}", id[k]);
        say(f, HOST, admit);
        publish(f, conn[k]);
        int reset;
        assert_true(offers_both(f, HOST, id[k], &reset));
        answer(f, HOST);
    }
    int resets = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int k = round % CLIENTS, reset;
        live_effects_clear(&f->fx);
        meeting_disconnect(f->m, f->now, conn[k], &f->fx);
        if (got(f, HOST, "subscribe_offer"))
            answer(f, HOST);
        conn[k] = 100 + (uint64_t)round;
        live_effects_clear(&f->fx);
        assert_int_equal(meeting_rejoin(f->m, f->now, conn[k], key[k], &f->fx), id[k]);
        publish(f, conn[k]);
        assert_true(offers_both(f, HOST, id[k], &reset));
        resets += reset;
        answer(f, HOST);
    }
    /* 14 tracks, then 2 more each round: 74 would not fit one transport */
    assert_true(resets >= 1);
    live_effects_clear(&f->fx);
    meeting_disconnect(f->m, f->now, conn[0], &f->fx);
    int reset;
    for (int k = 1; k < CLIENTS; k++)
        assert_true(offers_both(f, HOST, id[k], &reset));
}

static void a_dropped_person_returns_with_a_fresh_transport(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    publish(f, HOST);
    answer(f, ANA);
    publish(f, ANA);
    uint64_t old_pub = 0;
    for (size_t i = 0; i < f->fx.media_count; i++)
        if (f->fx.media[i].op == LIVE_MEDIA_ADD_PEER)
            old_pub = f->fx.media[i].peer_id;
    assert_int_not_equal(old_pub, 0);
    /* her connection drops: both her transports go at once */
    live_effects_clear(&f->fx);
    meeting_disconnect(f->m, f->now, ANA, &f->fx);
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 2);
    /* back with her key on a new connection: straight in, and a fresh offer */
    live_effects_clear(&f->fx);
    assert_int_equal(meeting_rejoin(f->m, f->now, 9, "key-2-abcdefghijkl", &f->fx), 2);
    assert_true(got(f, 9, "admitted"));
    int reset;
    assert_string_equal(offered(f, 9, &reset), "1:audio 1:video");
    assert_true(reset);
    /* her old transport's loss, reported late, changes nothing */
    live_effects_clear(&f->fx);
    assert_false(meeting_peer_closed(f->m, old_pub, &f->fx));
    assert_int_equal(f->fx.send_count, 0);
}

static void transports_lost_and_restarted(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    publish(f, HOST);
    uint64_t pub = cmd(f, LIVE_MEDIA_ADD_PEER)->peer_id;
    answer(f, ANA);
    uint64_t sub = cmd(f, LIVE_MEDIA_ADD_PEER)->peer_id;
    assert_int_not_equal(pub, sub);
    /* the therapist's publish transport is lost: she is told, Ana's tracks go inactive */
    live_effects_clear(&f->fx);
    assert_true(meeting_peer_closed(f->m, pub, &f->fx));
    assert_true(got(f, HOST, "publish_lost"));
    int reset;
    assert_string_equal(offered(f, ANA, &reset), "");
    /* Ana's page asks for a fresh receiving transport: the old one goes */
    answer(f, ANA);
    say(f, ANA, "{\"type\":\"subscribe_restart\"}");
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 1);
    assert_int_equal(cmd(f, LIVE_MEDIA_REMOVE_PEER)->peer_id, sub);
    assert_int_equal(f->n.transports_lost, 1);
    assert_int_equal(f->n.subscribe_resets, 1);
}

/* The first ice-ufrag in an SDP. */
static const char *ufrag_in(const char *sdp)
{
    static char out[64];
    const char *u = strstr(sdp, "a=ice-ufrag:");
    assert_non_null(u);
    u += strlen("a=ice-ufrag:");
    size_t n = strcspn(u, "\r\n");
    assert_true(n < sizeof out);
    memcpy(out, u, n);
    out[n] = 0;
    return out;
}

static char *replaced(const char *text, const char *from, const char *to)
{
    assert_int_equal(strlen(from), strlen(to));
    char *s = strdup(text);
    for (char *p = strstr(s, from); p; p = strstr(p, from))
        memcpy(p, to, strlen(to));
    return s;
}

/* A network change: both transports restart ICE in place. The publish offer with
 * "ice_restart" gets an answer with new credentials of ours and the worker a restart of the
 * same peer; subscribe_restart with "ice_restart" gets an offer on the same transport with
 * new credentials, and its answer the browser's new ufrag. No transport comes or goes. */
static void ice_restarts_keep_the_transports(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    publish(f, HOST);
    uint64_t pub = cmd(f, LIVE_MEDIA_ADD_PEER)->peer_id;
    json_t *first = sent(f, HOST, "publish_answer");
    char first_ufrag[64];
    snprintf(first_ufrag, sizeof first_ufrag, "%s",
             ufrag_in(json_string_value(json_object_get(first, "sdp"))));
    json_decref(first);
    json_t *offer = sent(f, ANA, "subscribe_offer");
    char sub_ufrag[64];
    snprintf(sub_ufrag, sizeof sub_ufrag, "%s",
             ufrag_in(json_string_value(json_object_get(offer, "sdp"))));
    json_decref(offer);
    answer(f, ANA);
    uint64_t sub = cmd(f, LIVE_MEDIA_ADD_PEER)->peer_id;

    char *text = replaced(fixture_publish_offer, "Xq3h", "Rn7w");
    json_t *msg = json_pack("{s:s,s:s,s:b}", "type", "publish", "sdp", text, "ice_restart", 1);
    live_effects_clear(&f->fx);
    meeting_message(f->m, f->now, HOST, msg, &f->fx);
    json_decref(msg);
    assert_string_equal(sends(f), "1:publish_answer");
    assert_string_equal(commands(f), "restart:1");
    const struct live_media_cmd *r = cmd(f, LIVE_MEDIA_RESTART_ICE);
    assert_int_equal(r->peer_id, pub);
    assert_string_equal(r->remote_ufrag, "Rn7w");
    json_t *again = sent(f, HOST, "publish_answer");
    const char *sdp = json_string_value(json_object_get(again, "sdp"));
    assert_string_equal(ufrag_in(sdp), r->local_ufrag);
    assert_string_not_equal(r->local_ufrag, first_ufrag);
    json_decref(again);

    /* a restart offer from another connection (another fingerprint): publish afresh */
    char *other = replaced(text, "8F:14:2C", "FE:DC:BA");
    msg = json_pack("{s:s,s:s,s:b}", "type", "publish", "sdp", other, "ice_restart", 1);
    live_effects_clear(&f->fx);
    meeting_message(f->m, f->now, HOST, msg, &f->fx);
    json_decref(msg);
    assert_string_equal(sends(f), "1:publish_lost");
    assert_string_equal(commands(f), "");
    free(other);
    free(text);

    say(f, ANA, "{\"type\":\"subscribe_restart\",\"ice_restart\":true}");
    assert_string_equal(commands(f), "restart:0");
    r = cmd(f, LIVE_MEDIA_RESTART_ICE);
    assert_int_equal(r->peer_id, sub);
    assert_null(r->remote_ufrag);
    offer = sent(f, ANA, "subscribe_offer");
    assert_false(json_is_true(json_object_get(offer, "reset")));
    assert_string_equal(ufrag_in(json_string_value(json_object_get(offer, "sdp"))), r->local_ufrag);
    assert_string_not_equal(r->local_ufrag, sub_ufrag);
    json_decref(offer);
    answer(f, ANA);
    assert_int_equal(cmds(f, LIVE_MEDIA_ADD_PEER), 0);
    r = cmd(f, LIVE_MEDIA_RESTART_ICE);
    assert_non_null(r);
    assert_null(r->local_ufrag);
    assert_string_equal(r->remote_ufrag, "Zk9a");
    assert_int_equal(f->n.subscribe_resets, 0);
    assert_int_equal(f->n.transports_lost, 0);
}

static void bad_offers_get_words_not_transports(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    say(f, HOST, "{\"type\":\"publish\"}");
    assert_string_equal(error_code(f, HOST), "invalid_field");
    say(f, HOST, "{\"type\":\"publish\",\"sdp\":\"garbage\"}");
    assert_true(strncmp(error_code(f, HOST), "sdp_", 4) == 0);
    assert_int_equal(f->fx.media_count, 0);
    assert_int_equal(f->n.publish_refused, 1); /* the SDP one; a missing field is not an offer */
}

static void ending_removes_every_transport(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    publish(f, HOST);
    answer(f, ANA);
    say(f, HOST, "{\"type\":\"end\"}");
    assert_int_equal(f->fx.ended_at, f->now);
    assert_true(got(f, ANA, "ended"));
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 2);
    assert_int_equal(f->fx.close_count, 2);
    assert_int_equal(join(f, ANA, &ana), LIVE_ENDED);
}

static void cameras_start_off_when_the_session_says_so(void **state)
{
    struct fixture *f = *state;
    meeting_free(f->m, &f->fx);
    live_effects_clear(&f->fx);
    struct live_room_settings s = {.occurrence_id = 9,
                                   .ends_at = 10000000,
                                   .host_video = 1,
                                   .participant_video = 0,
                                   .title = "Quiet"};
    f->m = meeting_new(&s, &fixture_local, &f->n, fixture_rand);
    join(f, HOST, &therapist);
    join(f, ANA, &ana); /* no waiting room here */
    json_t *room = sent(f, HOST, "room");
    assert_non_null(room);
    json_t *people = json_object_get(room, "participants");
    assert_true(json_is_true(json_object_get(json_array_get(people, 0), "video")));
    assert_true(json_is_false(json_object_get(json_array_get(people, 1), "video")));
    json_decref(room);
    /* her camera's packets stop at the router until she starts it */
    publish(f, ANA);
    const struct live_media_cmd *allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_true(allow->audio);
    assert_false(allow->video);
    say(f, ANA, "{\"type\":\"media\",\"video\":true}");
    allow = cmd(f, LIVE_MEDIA_ALLOW);
    assert_int_equal(allow->participant, 2);
    assert_true(allow->video);
}

static void a_meeting_without_media_says_so(void **state)
{
    struct live_room_settings s = {.host_video = 1,
                                   .participant_video = 1,
                                   .occurrence_id = 8,
                                   .ends_at = 1000000,
                                   .title = "x"};
    struct meeting *m = meeting_new(&s, NULL, NULL, fixture_rand);
    struct live_effects fx = {0};
    assert_int_equal(meeting_join(m, 1, HOST, &therapist, "k-abcdefghijklmnop", &fx), 1);
    live_effects_clear(&fx);
    json_t *msg = json_pack("{s:s,s:s}", "type", "publish", "sdp", fixture_publish_offer);
    meeting_message(m, 1, HOST, msg, &fx);
    json_decref(msg);
    assert_int_equal(fx.send_count, 1);
    assert_non_null(strstr(fx.sends[0].text, "\"no_media\""));
    assert_int_equal(fx.media_count, 0);
    live_effects_clear(&fx);
    meeting_free(m, &fx);
    live_effects_clear(&fx);
}

/* After a restart: the meeting is made anew and told what it kept; a kept rejoin key goes
 * straight in (and gets its media like any return), an unknown key is refused with nothing
 * sent, and the lock holds for someone new. */
static void a_restored_meeting_lets_kept_keys_straight_in(void **state)
{
    struct fixture *f = *state;
    struct live_room_admitted kept[] = {{therapist, 1, {0}, 900}, {ana, 2, {0}, 950}};
    live_key_hash("host-key-abcdefghijkl", kept[0].key_hash);
    live_key_hash("ana-key-abcdefghijkl", kept[1].key_hash);
    live_room_restore(meeting_room(f->m), 1, kept, 2);
    live_effects_clear(&f->fx);
    assert_int_equal(meeting_rejoin(f->m, f->now, HOST, "host-key-abcdefghijkl", &f->fx), 1);
    assert_true(got(f, HOST, "admitted"));
    live_effects_clear(&f->fx);
    assert_int_equal(meeting_rejoin(f->m, f->now, ANA, "ana-key-abcdefghijkl", &f->fx), 2);
    assert_true(got(f, ANA, "admitted"));
    assert_false(got(f, ANA, "waiting"));
    assert_true(got(f, HOST, "room"));
    live_effects_clear(&f->fx);
    assert_int_equal(meeting_rejoin(f->m, f->now, BO, "bo-key-abcdefghijkl", &f->fx),
                     LIVE_UNKNOWN_KEY);
    assert_int_equal(f->fx.send_count + f->fx.media_count, 0);
    assert_int_equal(join(f, BO, &bo), LIVE_LOCKED);
    struct live_room_member member;
    assert_int_equal(live_room_member_get(meeting_room(f->m), 2, &member), 0);
    assert_int_equal(member.conn, ANA);
}

/* ---- connection quality ---- */

static struct quality_reading reading(uint32_t loss_permille, uint32_t jitter_ms, int32_t rtt_ms)
{
    return (struct quality_reading){.loss_permille = loss_permille, .jitter_ms = jitter_ms,
                                    .rtt_ms = rtt_ms};
}

static enum quality_level level_of(uint32_t loss_permille, uint32_t jitter_ms, int32_t rtt_ms)
{
    struct quality_reading r = reading(loss_permille, jitter_ms, rtt_ms);
    return quality_classify(&r);
}

static void quality_thresholds(void **state)
{
    (void)state;
    assert_int_equal(level_of(0, 0, -1), QUALITY_GOOD); /* no round trip yet: good */
    assert_int_equal(level_of(19, 29, 199), QUALITY_GOOD);
    /* good needs all three below; one at the line is fair */
    assert_int_equal(level_of(20, 0, 0), QUALITY_FAIR);
    assert_int_equal(level_of(0, 30, 0), QUALITY_FAIR);
    assert_int_equal(level_of(0, 0, 200), QUALITY_FAIR);
    assert_int_equal(level_of(80, 80, 500), QUALITY_FAIR);
    /* poor needs one above */
    assert_int_equal(level_of(81, 0, 0), QUALITY_POOR);
    assert_int_equal(level_of(0, 81, 0), QUALITY_POOR);
    assert_int_equal(level_of(0, 0, 501), QUALITY_POOR);
    assert_int_equal(level_of(1000, 1000, 5000), QUALITY_POOR);
    /* the bandwidth estimate is told, not weighed: with no camera on it stays near audio's */
    struct quality_reading r = reading(0, 0, 50);
    r.estimate_kbps = 60;
    assert_int_equal(quality_classify(&r), QUALITY_GOOD);
    /* but a link that got some video paused is poor, clean as the SFU keeps it */
    r.video_paused = true;
    assert_int_equal(quality_classify(&r), QUALITY_POOR);
    assert_string_equal(quality_name(QUALITY_GOOD), "good");
    assert_string_equal(quality_name(QUALITY_FAIR), "fair");
    assert_string_equal(quality_name(QUALITY_POOR), "poor");
    assert_string_equal(quality_name(QUALITY_UNKNOWN), "unknown");
}

static bool update(struct quality_state *s, uint32_t loss_permille, int64_t now)
{
    struct quality_reading r = reading(loss_permille, 0, 50);
    return quality_update(s, &r, now);
}

static void quality_hysteresis(void **state)
{
    (void)state;
    struct quality_state s = {0};
    assert_int_equal(s.level, QUALITY_UNKNOWN);
    /* the first reading is taken as it is */
    assert_true(update(&s, 0, 0));
    assert_int_equal(s.level, QUALITY_GOOD);
    assert_false(update(&s, 0, 2000));
    /* worse: at once, straight to poor */
    assert_true(update(&s, 120, 4000));
    assert_int_equal(s.level, QUALITY_POOR);
    /* better: only after 6 s of better readings, and only as far as the worst of them */
    assert_false(update(&s, 0, 6000));
    assert_false(update(&s, 50, 8000)); /* fair */
    assert_false(update(&s, 0, 10000));
    assert_true(update(&s, 0, 12000));
    assert_int_equal(s.level, QUALITY_FAIR);
    /* a reading as bad as the level breaks the better spell: the 6 s start again */
    assert_false(update(&s, 0, 14000));
    assert_false(update(&s, 50, 16000));
    assert_false(update(&s, 0, 18000));
    assert_false(update(&s, 0, 20000));
    assert_false(update(&s, 0, 22000));
    assert_true(update(&s, 0, 24000));
    assert_int_equal(s.level, QUALITY_GOOD);
    /* a link that flickers between good and fair shows fair, steadily */
    assert_true(update(&s, 50, 26000));
    for (int64_t t = 28000; t < 60000; t += 4000) {
        assert_false(update(&s, 0, t));
        assert_false(update(&s, 50, t + 2000));
        assert_int_equal(s.level, QUALITY_FAIR);
    }
}

static void tell_quality(struct fixture *f, int participant, uint32_t loss_permille)
{
    live_effects_clear(&f->fx);
    struct quality_reading r = reading(loss_permille, 5, 40);
    meeting_quality(f->m, f->now, participant, &r, &f->fx);
}

static const char *level_sent(struct fixture *f, uint64_t conn, int *participant)
{
    static char level[16];
    json_t *q = sent(f, conn, "quality");
    assert_non_null(q);
    *participant = (int)json_integer_value(json_object_get(q, "participant"));
    snprintf(level, sizeof level, "%s", json_string_value(json_object_get(q, "level")));
    json_decref(q);
    return level;
}

static void quality_goes_to_the_person_and_the_hosts(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(join(f, HOST, &therapist), 1);
    assert_int_equal(join(f, ANA, &ana), 2);
    assert_int_equal(join(f, BO, &bo), 3);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    say(f, HOST, "{\"type\":\"admit\",\"participant\":3}");

    /* Ana's link is poor: she and the therapist are told, Bo is not */
    tell_quality(f, 2, 120);
    assert_string_equal(sends(f), "1:quality 2:quality");
    int who;
    assert_string_equal(level_sent(f, HOST, &who), "poor");
    assert_int_equal(who, 2);
    assert_string_equal(level_sent(f, ANA, &who), "poor");
    assert_string_equal(meeting_quality_level(f->m, 2), "poor");
    /* the same again: nothing new to say */
    tell_quality(f, 2, 120);
    assert_string_equal(sends(f), "");
    /* Bo's is good: he and the therapist */
    tell_quality(f, 3, 0);
    assert_string_equal(sends(f), "1:quality 3:quality");
    /* the therapist's own: only the therapist */
    tell_quality(f, 1, 0);
    assert_string_equal(sends(f), "1:quality");

    /* Ana comes back on another connection: at the next reading she is told again, though
     * her level did not change */
    live_effects_clear(&f->fx);
    meeting_disconnect(f->m, f->now, ANA, &f->fx);
    tell_quality(f, 2, 120); /* not connected: nobody to tell */
    assert_string_equal(sends(f), "");
    live_effects_clear(&f->fx);
    assert_int_equal(meeting_rejoin(f->m, f->now, 9, "key-2-abcdefghijkl", &f->fx), 2);
    tell_quality(f, 2, 120);
    assert_string_equal(sends(f), "1:quality 9:quality");
    assert_string_equal(level_sent(f, 9, &who), "poor");

    /* better for 6 s: good, told once */
    tell_quality(f, 2, 0);
    f->now += 2000;
    tell_quality(f, 2, 0);
    f->now += 2000;
    tell_quality(f, 2, 0);
    assert_string_equal(sends(f), "");
    f->now += 2000;
    tell_quality(f, 2, 0);
    assert_string_equal(sends(f), "1:quality 9:quality");
    assert_string_equal(level_sent(f, 9, &who), "good");

    /* someone in the waiting room has no level to tell */
    static const struct live_identity cy = {LIVE_CLIENT, 0, 12, "Cy"};
    assert_int_equal(join(f, 4, &cy), 4);
    tell_quality(f, 4, 120);
    assert_string_equal(sends(f), "");
    assert_string_equal(meeting_quality_level(f->m, 4), "unknown");

    /* the SFU's bandwidth estimate for Bo goes beside his level, and again when it moved by
     * a quarter or more */
    struct quality_reading r = reading(0, 5, 40);
    r.estimate_kbps = 1000;
    live_effects_clear(&f->fx);
    meeting_quality(f->m, f->now, 3, &r, &f->fx);
    assert_string_equal(sends(f), "1:quality 3:quality");
    json_t *q = sent(f, BO, "quality");
    assert_int_equal(json_integer_value(json_object_get(q, "estimate_kbps")), 1000);
    json_decref(q);
    r.estimate_kbps = 800; /* a fifth less: not worth a message */
    live_effects_clear(&f->fx);
    meeting_quality(f->m, f->now, 3, &r, &f->fx);
    assert_string_equal(sends(f), "");
    r.estimate_kbps = 700; /* 30 % less than what was told */
    live_effects_clear(&f->fx);
    meeting_quality(f->m, f->now, 3, &r, &f->fx);
    assert_string_equal(sends(f), "1:quality 3:quality");
    q = sent(f, HOST, "quality");
    assert_int_equal(json_integer_value(json_object_get(q, "estimate_kbps")), 700);
    assert_string_equal(json_string_value(json_object_get(q, "level")), "good");
    json_decref(q);
}

/* ---- check rooms: one's own media looped back, and only there ---- */

/* One person publishes in a plan of their own; the subscribe offer they get, if any, and
 * the media commands that follow its answer, with fx left holding the answer's effects. */
static json_t *alone_in_a_plan(struct media_plan *p, struct live_effects *fx)
{
    struct media_person me = {.id = 1, .conn = 9};
    media_plan_sync(p, &me, 1, fx);
    live_effects_clear(fx);
    json_t *msg = json_pack("{s:s,s:s}", "type", "publish", "sdp", fixture_publish_offer);
    media_plan_publish(p, 1, true, true, msg, fx);
    json_decref(msg);
    json_t *offer = NULL;
    for (size_t i = 0; i < fx->send_count; i++) {
        json_t *m = json_loads(fx->sends[i].text, 0, NULL);
        if (strcmp(json_string_value(json_object_get(m, "type")), "subscribe_offer") == 0) {
            json_decref(offer);
            offer = m;
        } else {
            json_decref(m);
        }
    }
    if (!offer)
        return NULL;
    char *sdp = fixture_subscribe_answer(json_string_value(json_object_get(offer, "sdp")));
    assert_non_null(sdp);
    msg = json_pack("{s:s,s:s,s:O}", "type", "subscribe_answer", "sdp", sdp, "version",
                    json_object_get(offer, "version"));
    live_effects_clear(fx);
    media_plan_subscribe_answer(p, 1, msg, fx);
    json_decref(msg);
    free(sdp);
    return offer;
}

/* Simulcast: the publish answer receives the offer's RIDs and the router is told them lowest
 * first; the page's tile sizes reach the worker; the router's layer and pause reports reach
 * the right person as messages. */
static void simulcast_view_layers_and_pauses(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    size_t len = strlen(fixture_publish_offer);
    const char *layers = "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
                         "a=extmap:5 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
                         "a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\n"
                         "a=simulcast:send q;h;f\r\n";
    char *offer = malloc(len + strlen(layers) + 1);
    memcpy(offer, fixture_publish_offer, len);
    strcpy(offer + len, layers); /* the video section is the last */
    json_t *msg = json_pack("{s:s,s:s}", "type", "publish", "sdp", offer);
    live_effects_clear(&f->fx);
    meeting_message(f->m, f->now, HOST, msg, &f->fx);
    json_decref(msg);
    free(offer);
    const struct live_media_cmd *add = cmd(f, LIVE_MEDIA_ADD_PEER);
    assert_non_null(add);
    assert_int_equal(add->publish_params.rid_count, 3);
    assert_string_equal(add->publish_params.rids[0], "q");
    assert_string_equal(add->publish_params.rids[2], "f");
    assert_int_equal(add->publish_params.rid_id, 4);
    assert_int_equal(add->publish_params.repaired_rid_id, 5);
    json_t *answer = sent(f, HOST, "publish_answer");
    const char *sdp = json_string_value(json_object_get(answer, "sdp"));
    assert_non_null(strstr(sdp, "a=rid:h recv\r\n"));
    assert_non_null(strstr(sdp, "a=simulcast:recv q;h;f\r\n"));
    json_decref(answer);

    /* the client's page shows the therapist's tile at 320 × 180 */
    say(f, ANA, "{\"type\":\"view\",\"participant\":1,\"width\":320,\"height\":180}");
    const struct live_media_cmd *view = cmd(f, LIVE_MEDIA_VIEW);
    assert_non_null(view);
    assert_int_equal(view->participant, 2);
    assert_int_equal(view->publisher, 1);
    assert_int_equal(view->width, 320);
    assert_int_equal(view->height, 180);
    say(f, ANA, "{\"type\":\"view\",\"participant\":1,\"width\":-4,\"height\":180}");
    assert_null(cmd(f, LIVE_MEDIA_VIEW));
    json_t *err = sent(f, ANA, "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "invalid_field");
    json_decref(err);

    /* nobody receives the top layer: the therapist is told to send q and h */
    live_effects_clear(&f->fx);
    meeting_layers(f->m, 1, 0x3, &f->fx);
    json_t *told = sent(f, HOST, "layers");
    assert_non_null(told);
    json_t *active = json_object_get(told, "active");
    assert_int_equal(json_array_size(active), 2);
    assert_string_equal(json_string_value(json_array_get(active, 0)), "q");
    assert_string_equal(json_string_value(json_array_get(active, 1)), "h");
    json_decref(told);
    assert_false(got(f, ANA, "layers"));

    /* the client's link cannot carry the therapist's video: paused to her, then back */
    live_effects_clear(&f->fx);
    meeting_video_paused(f->m, 2, 1, true, &f->fx);
    json_t *p = sent(f, ANA, "video_paused");
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "participant")), 1);
    assert_true(json_is_true(json_object_get(p, "paused")));
    assert_string_equal(json_string_value(json_object_get(p, "reason")), "bandwidth");
    json_decref(p);
    assert_false(got(f, HOST, "video_paused"));
    live_effects_clear(&f->fx);
    meeting_video_paused(f->m, 2, 1, false, &f->fx);
    p = sent(f, ANA, "video_paused");
    assert_true(json_is_false(json_object_get(p, "paused")));
    json_decref(p);

    /* one stream, no layers to tell about */
    publish(f, ANA);
    assert_int_equal(cmd(f, LIVE_MEDIA_ADD_PEER)->publish_params.rid_count, 0);
    live_effects_clear(&f->fx);
    meeting_layers(f->m, 2, 0x1, &f->fx);
    assert_false(got(f, ANA, "layers"));
}

static void own_media_comes_back_only_in_a_check_room(void **state)
{
    struct media_counters n = {0};
    struct live_effects fx = {0};
    /* a meeting's plan: someone alone publishes and is offered nothing of their own */
    struct media_plan *meeting = media_plan_new(7, &fixture_local, &n, fixture_rand);
    assert_false(media_plan_is_loopback(meeting));
    assert_null(alone_in_a_plan(meeting, &fx));
    assert_int_equal(media_plan_subscribe_peer(meeting, 1), 0);
    live_effects_clear(&fx);
    media_plan_free(meeting, &fx);
    live_effects_clear(&fx);

    /* a check room's: their own audio and video are offered back */
    struct media_plan *check = media_plan_new(8, &fixture_local, &n, fixture_rand);
    media_plan_loopback(check);
    assert_true(media_plan_is_loopback(check));
    json_t *offer = alone_in_a_plan(check, &fx);
    assert_non_null(offer);
    json_t *tracks = json_object_get(offer, "tracks");
    assert_int_equal(json_array_size(tracks), 2);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(
            json_integer_value(json_object_get(json_array_get(tracks, i), "participant")), 1);
    json_decref(offer);
    /* the receiving port is the router's viewer of one's own, the publishing port oneself:
     * the router's rule (nothing of yours to your own ports) stays as it is */
    const struct live_media_cmd *add = NULL, *set = NULL;
    for (size_t i = 0; i < fx.media_count; i++) {
        if (fx.media[i].op == LIVE_MEDIA_ADD_PEER)
            add = &fx.media[i];
        if (fx.media[i].op == LIVE_MEDIA_SET_TRACKS)
            set = &fx.media[i];
    }
    assert_non_null(add);
    assert_false(add->publish);
    assert_int_equal(add->participant, MEDIA_LOOPBACK_VIEWER(1));
    assert_non_null(set);
    assert_int_equal(set->track_count, 2);
    for (size_t i = 0; i < set->track_count; i++)
        assert_int_equal(set->tracks[i].publisher, 1);
    assert_int_not_equal(media_plan_subscribe_peer(check, 1), 0);
    assert_int_not_equal(media_plan_publish_peer(check, 1), 0);
    /* it ends: both transports go */
    live_effects_clear(&fx);
    media_plan_free(check, &fx);
    size_t removed = 0;
    for (size_t i = 0; i < fx.media_count; i++)
        removed += fx.media[i].op == LIVE_MEDIA_REMOVE_PEER;
    assert_int_equal(removed, 2);
    live_effects_clear(&fx);
}

/* ---- a shared screen ---- */

/* Answers the subscribe offers a and b got in the last step (each answer clears the step's
 * effects, so both are read first). */
static void answer_two(struct fixture *f, uint64_t a, uint64_t b)
{
    json_t *offers[2] = {sent(f, a, "subscribe_offer"), sent(f, b, "subscribe_offer")};
    uint64_t conns[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        assert_non_null(offers[i]);
        char *sdp = fixture_subscribe_answer(json_string_value(json_object_get(offers[i], "sdp")));
        assert_non_null(sdp);
        json_t *msg = json_pack("{s:s,s:s,s:O}", "type", "subscribe_answer", "sdp", sdp, "version",
                                json_object_get(offers[i], "version"));
        live_effects_clear(&f->fx);
        meeting_message(f->m, f->now, conns[i], msg, &f->fx);
        json_decref(msg);
        json_decref(offers[i]);
        free(sdp);
    }
}

static void share_screen(struct fixture *f, uint64_t conn)
{
    json_t *msg = json_pack("{s:s,s:s,s:s}", "type", "publish", "source", "screen", "sdp",
                            fixture_screen_offer);
    live_effects_clear(&f->fx);
    meeting_message(f->m, f->now, conn, msg, &f->fx);
    json_decref(msg);
}

/* The sources in conn's last subscribe offer: "participant:kind[:screen]" by spaces. */
static const char *sources_offered(struct fixture *f, uint64_t conn)
{
    static char out[256];
    out[0] = 0;
    json_t *offer = sent(f, conn, "subscribe_offer");
    assert_non_null(offer);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(offer, "tracks"), i, t)
    {
        const char *source = json_string_value(json_object_get(t, "source"));
        char one[48];
        snprintf(one, sizeof one, "%s%d:%s%s%s", i ? " " : "",
                 (int)json_integer_value(json_object_get(t, "participant")),
                 json_string_value(json_object_get(t, "kind")), source ? ":" : "",
                 source ? source : "");
        strcat(out, one);
    }
    json_decref(offer);
    return out;
}

/* The host shares; clients may only when the host lets them; one screen at a time; a stop,
 * a revocation or a lost transport takes the source away from everyone. */
static void screens_are_shared_one_at_a_time_as_the_host_allows(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    join(f, BO, &bo);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    publish(f, HOST);
    answer_two(f, ANA, BO);

    /* the therapist shares: a transport of its own, known to the router as another source */
    share_screen(f, HOST);
    const struct live_media_cmd *add = cmd(f, LIVE_MEDIA_ADD_PEER);
    assert_non_null(add);
    assert_true(add->publish);
    assert_int_equal((uint32_t)add->participant, MEDIA_SCREEN_SOURCE(1));
    assert_int_equal(add->publish_params.rid_count, 0);
    assert_int_equal(add->publish_params.pt_count, 2);    /* VP8 and its RTX */
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 0); /* the camera's transport stays */
    json_t *pa = sent(f, HOST, "publish_answer");
    assert_non_null(pa);
    assert_string_equal(json_string_value(json_object_get(pa, "source")), "screen");
    json_decref(pa);
    uint64_t screen_peer = add->peer_id;
    assert_int_equal(media_plan_screen_sharer(meeting_media(f->m)), 1);
    assert_string_equal(sources_offered(f, ANA), "1:audio 1:video 1:video:screen");
    assert_string_equal(sources_offered(f, BO), "1:audio 1:video 1:video:screen");
    assert_false(got(f, HOST, "subscribe_offer")); /* not their own */
    json_t *bo_offer = sent(f, BO, "subscribe_offer");
    answer(f, ANA);
    const struct live_media_cmd *tracks = cmd(f, LIVE_MEDIA_SET_TRACKS);
    assert_non_null(tracks);
    assert_int_equal(tracks->track_count, 3);
    assert_int_equal(tracks->tracks[1].publisher, 1);
    assert_int_equal(tracks->tracks[2].publisher, MEDIA_SCREEN_SOURCE(1));
    assert_int_equal(tracks->tracks[2].kind, ROUTER_VIDEO);
    live_effects_clear(&f->fx);
    live_fx_send(&f->fx, BO, bo_offer); /* Bo answers his offer of that step */
    answer(f, BO);

    /* a client may not share until the host lets them */
    share_screen(f, ANA);
    assert_string_equal(error_code(f, ANA), "screen_not_allowed");
    assert_int_equal(cmds(f, LIVE_MEDIA_ADD_PEER), 0);
    say(f, ANA, "{\"type\":\"clients_share\",\"on\":true}");
    assert_string_equal(error_code(f, ANA), "not_allowed");
    say(f, HOST, "{\"type\":\"clients_share\",\"on\":\"yes\"}");
    assert_string_equal(error_code(f, HOST), "invalid_field");
    say(f, HOST, "{\"type\":\"clients_share\",\"on\":true}");
    json_t *room = sent(f, ANA, "room");
    assert_non_null(room);
    assert_true(json_is_true(json_object_get(room, "clients_share")));
    json_decref(room);
    /* allowed now, but the therapist's screen is still up: one at a time */
    share_screen(f, ANA);
    assert_string_equal(error_code(f, ANA), "screen_busy");
    assert_int_equal(cmds(f, LIVE_MEDIA_ADD_PEER), 0);

    /* the therapist stops: the source goes for everyone */
    say(f, HOST, "{\"type\":\"screen_stop\"}");
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 1);
    assert_int_equal(cmd(f, LIVE_MEDIA_REMOVE_PEER)->peer_id, screen_peer);
    assert_string_equal(sources_offered(f, ANA), "1:audio 1:video");
    assert_string_equal(sources_offered(f, BO), "1:audio 1:video");
    assert_int_equal(media_plan_screen_sharer(meeting_media(f->m)), 0);
    answer_two(f, ANA, BO);
    say(f, HOST, "{\"type\":\"screen_stop\"}"); /* again: nothing, no error */
    assert_string_equal(sends(f), "");

    /* Ana shares: the therapist and Bo get it; Ana does not get her own */
    share_screen(f, ANA);
    add = cmd(f, LIVE_MEDIA_ADD_PEER);
    assert_non_null(add);
    assert_int_equal((uint32_t)add->participant, MEDIA_SCREEN_SOURCE(2));
    assert_string_equal(sources_offered(f, HOST), "2:video:screen");
    assert_string_equal(sources_offered(f, BO), "1:audio 1:video 2:video:screen");
    assert_false(got(f, ANA, "subscribe_offer"));
    answer_two(f, HOST, BO);
    /* a video_paused about her screen names her, with the source */
    live_effects_clear(&f->fx);
    meeting_video_paused(f->m, 3, (int)MEDIA_SCREEN_SOURCE(2), true, &f->fx);
    json_t *vp = sent(f, BO, "video_paused");
    assert_non_null(vp);
    assert_int_equal(json_integer_value(json_object_get(vp, "participant")), 2);
    assert_string_equal(json_string_value(json_object_get(vp, "source")), "screen");
    json_decref(vp);

    /* the host takes the permission back: her share ends, and she is told why */
    say(f, HOST, "{\"type\":\"clients_share\",\"on\":false}");
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 1);
    json_t *stopped = sent(f, ANA, "screen_stopped");
    assert_non_null(stopped);
    assert_non_null(strstr(json_string_value(json_object_get(stopped, "message")), "stopped"));
    json_decref(stopped);
    assert_string_equal(sources_offered(f, BO), "1:audio 1:video");
    answer_two(f, BO, HOST);

    /* the worker loses the therapist's screen transport: gone for everyone, she is told */
    share_screen(f, HOST);
    screen_peer = cmd(f, LIVE_MEDIA_ADD_PEER)->peer_id;
    answer_two(f, ANA, BO);
    live_effects_clear(&f->fx);
    assert_true(meeting_peer_closed(f->m, screen_peer, &f->fx));
    assert_true(got(f, HOST, "screen_stopped"));
    assert_string_equal(sources_offered(f, ANA), "1:audio 1:video");
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 0); /* the worker freed it already */

    /* an offer with audio is no screen share; a source of another name is refused */
    const char *audio_too = fixture_publish_offer;
    json_t *msg =
        json_pack("{s:s,s:s,s:s}", "type", "publish", "source", "screen", "sdp", audio_too);
    live_effects_clear(&f->fx);
    meeting_message(f->m, f->now, HOST, msg, &f->fx);
    json_decref(msg);
    assert_string_equal(error_code(f, HOST), "sdp_no_media");
    say(f, HOST, "{\"type\":\"publish\",\"source\":\"window\",\"sdp\":\"v=0\"}");
    assert_string_equal(error_code(f, HOST), "invalid_field");

    /* sharing, then leaving: the screen's transport goes with the others */
    share_screen(f, HOST);
    say(f, HOST, "{\"type\":\"leave\"}");
    assert_int_equal(cmds(f, LIVE_MEDIA_REMOVE_PEER), 3);
}

/* A full meeting (MEETING_MAX_PEOPLE, everyone publishing) with a screen shared: each
 * subscriber's fresh transport carries everyone's audio and video and the screen. */
static void a_full_meeting_has_room_for_a_screen(void **state)
{
    struct fixture *f = *state;
    enum { CLIENTS = MEETING_MAX_PEOPLE - 1 };
    static struct live_identity who[CLIENTS];
    join(f, HOST, &therapist);
    publish(f, HOST);
    for (int k = 0; k < CLIENTS; k++) {
        who[k] = (struct live_identity){LIVE_CLIENT, 0, 40 + k, "Client"};
        int id = join(f, 10 + (uint64_t)k, &who[k]);
        assert_true(id > 1);
        char admit[64];
        snprintf(admit, sizeof admit, "{\"type\":\"admit\",\"participant\":%d}", id);
        say(f, HOST, admit);
        publish(f, 10 + (uint64_t)k);
    }
    share_screen(f, HOST);
    assert_non_null(cmd(f, LIVE_MEDIA_ADD_PEER));
    /* the last client comes back on a new connection: a fresh transport with all of it */
    uint64_t last = 10 + CLIENTS - 1;
    char key[32];
    snprintf(key, sizeof key, "key-%llu-abcdefghijkl", (unsigned long long)last);
    live_effects_clear(&f->fx);
    meeting_disconnect(f->m, f->now, last, &f->fx);
    live_effects_clear(&f->fx);
    assert_true(meeting_rejoin(f->m, f->now, 99, key, &f->fx) > 1);
    json_t *offer = sent(f, 99, "subscribe_offer");
    assert_non_null(offer);
    assert_int_equal(json_array_size(json_object_get(offer, "tracks")),
                     2 * (MEETING_MAX_PEOPLE - 1) + 1);
    json_decref(offer);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(every_effect_of_a_session_in_order),
        T(the_waiting_room_gets_no_media),
        T(publish_subscribe_and_renegotiate),
        T(the_host_mutes_and_the_room_owns_it),
        T(a_dropped_person_returns_with_a_fresh_transport),
        T(many_people_come_and_go),
        T(audio_only_sends_and_receives_no_video),
        T(transports_lost_and_restarted),
        T(bad_offers_get_words_not_transports),
        T(ice_restarts_keep_the_transports),
        T(ending_removes_every_transport),
        T(cameras_start_off_when_the_session_says_so),
        T(a_restored_meeting_lets_kept_keys_straight_in),
        cmocka_unit_test(a_meeting_without_media_says_so),
        cmocka_unit_test(quality_thresholds),
        cmocka_unit_test(quality_hysteresis),
        T(quality_goes_to_the_person_and_the_hosts),
        cmocka_unit_test(own_media_comes_back_only_in_a_check_room),
        T(simulcast_view_layers_and_pauses),
        T(screens_are_shared_one_at_a_time_as_the_host_allows),
        T(a_full_meeting_has_room_for_a_screen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* live/room: the meeting state machine driven directly, every path and the races the
 * issue names: admit while the person leaves, two hosts admitting the same person,
 * rejoin during lock. Connections are plain numbers; time is passed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live/location.h"
#include "live/room.h"

enum { HOST = 1, COHOST = 2, ANA = 11, BO = 12, CY = 13, ANA2 = 21 };

static struct live_identity therapist = {LIVE_HOST, 1, 0, "Dr Ada"};
static struct live_identity cofacilitator = {LIVE_COHOST, 2, 0, "Dr Bea"};
static struct live_identity ana = {LIVE_CLIENT, 0, 101, "Ana"};
static struct live_identity bo = {LIVE_CLIENT, 0, 102, "Bo"};
static struct live_identity cy = {LIVE_CLIENT, 0, 103, "Cy"};

struct fixture {
    struct live_room *room;
    struct live_effects fx;
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
    f->room = live_room_new(&s);
    f->now = 1000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    live_effects_clear(&f->fx);
    live_room_free(f->room);
    free(f);
    return 0;
}

/* How many messages of `type` went to conn in the last call's effects. */
static int sent(struct fixture *f, uint64_t conn, const char *type)
{
    int n = 0;
    for (size_t i = 0; i < f->fx.send_count; i++) {
        if (f->fx.sends[i].conn != conn)
            continue;
        json_t *m = json_loads(f->fx.sends[i].text, 0, NULL);
        n += m && strcmp(json_string_value(json_object_get(m, "type")), type) == 0;
        json_decref(m);
    }
    return n;
}

/* The last message of `type` to conn (caller decrefs), or NULL. */
static json_t *last(struct fixture *f, uint64_t conn, const char *type)
{
    json_t *found = NULL;
    for (size_t i = 0; i < f->fx.send_count; i++) {
        if (f->fx.sends[i].conn != conn)
            continue;
        json_t *m = json_loads(f->fx.sends[i].text, 0, NULL);
        if (m && strcmp(json_string_value(json_object_get(m, "type")), type) == 0) {
            json_decref(found);
            found = m;
        } else {
            json_decref(m);
        }
    }
    return found;
}

static int recorded(struct fixture *f, const char *event)
{
    int n = 0;
    for (size_t i = 0; i < f->fx.record_count; i++)
        n += strcmp(f->fx.records[i].event, event) == 0;
    return n;
}

static int closed(struct fixture *f, uint64_t conn)
{
    for (size_t i = 0; i < f->fx.close_count; i++)
        if (f->fx.closes[i] == conn)
            return 1;
    return 0;
}

static int join(struct fixture *f, uint64_t conn, const struct live_identity *who)
{
    live_effects_clear(&f->fx);
    char key[16];
    snprintf(key, sizeof key, "key-%llu", (unsigned long long)conn);
    return live_room_join(f->room, f->now, conn, who, key, &f->fx);
}

static void say(struct fixture *f, uint64_t conn, const char *json)
{
    live_effects_clear(&f->fx);
    json_t *m = json_loads(json, 0, NULL);
    assert_non_null(m);
    live_room_message(f->room, f->now, conn, m, &f->fx);
    json_decref(m);
}

static void drop(struct fixture *f, uint64_t conn)
{
    live_effects_clear(&f->fx);
    live_room_disconnect(f->room, f->now, conn, &f->fx);
}

static int waiting_count(struct fixture *f, uint64_t host_conn)
{
    json_t *w = last(f, host_conn, "waiting_list");
    int n = w ? (int)json_array_size(json_object_get(w, "people")) : -1;
    json_decref(w);
    return n;
}

static int in_room(struct fixture *f, uint64_t conn, int id)
{
    json_t *room = last(f, conn, "room");
    int found = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(room, "participants"), i, p) found |=
        json_integer_value(json_object_get(p, "id")) == id;
    json_decref(room);
    return found;
}

static void waiting_room_admit_one_and_all(void **state)
{
    struct fixture *f = *state;
    assert_true(join(f, HOST, &therapist) > 0);
    assert_int_equal(sent(f, HOST, "admitted"), 1);
    assert_int_equal(recorded(f, "admitted"), 1);

    int a = join(f, ANA, &ana);
    assert_true(a > 0);
    json_t *w = last(f, ANA, "waiting");
    assert_string_equal(json_string_value(json_object_get(w, "message")),
                        "Your therapist will let you in shortly.");
    json_decref(w);
    assert_int_equal(sent(f, HOST, "arrival"), 1);
    assert_int_equal(waiting_count(f, HOST), 1);
    json_t *wl = last(f, HOST, "waiting_list");
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(wl, "people"), 0), "since")),
                     1000);
    json_decref(wl);
    assert_int_equal(sent(f, ANA, "room"), 0); /* nothing about anyone else */

    f->now += 5000;
    int b = join(f, BO, &bo);
    /* Ana, waiting, hears nothing of Bo: the waiting room is private */
    assert_int_equal(sent(f, ANA, "arrival") + sent(f, ANA, "waiting_list"), 0);
    assert_int_equal(waiting_count(f, HOST), 2);

    char msg[64];
    snprintf(msg, sizeof msg, "{\"type\":\"admit\",\"participant\":%d}", a);
    say(f, HOST, msg);
    assert_int_equal(sent(f, ANA, "admitted"), 1);
    assert_true(in_room(f, HOST, a));
    assert_int_equal(waiting_count(f, HOST), 1);

    join(f, CY, &cy);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    assert_int_equal(sent(f, BO, "admitted"), 1);
    assert_int_equal(sent(f, CY, "admitted"), 1);
    assert_int_equal(recorded(f, "admitted"), 2);
    assert_int_equal(waiting_count(f, HOST), 0);
    assert_true(in_room(f, ANA, b));
}

static void deny_and_waiting_message(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    join(f, BO, &bo);
    say(f, HOST, "{\"type\":\"waiting_message\",\"text\":\"Running 5 minutes late, sorry.\"}");
    assert_int_equal(sent(f, ANA, "waiting_message"), 1);
    assert_int_equal(sent(f, BO, "waiting_message"), 1);
    char msg[64];
    snprintf(msg, sizeof msg, "{\"type\":\"deny\",\"participant\":%d}", a);
    say(f, HOST, msg);
    assert_int_equal(sent(f, ANA, "denied"), 1);
    assert_true(closed(f, ANA));
    assert_int_equal(recorded(f, "denied"), 1);
    assert_int_equal(waiting_count(f, HOST), 1);
}

static void admit_while_the_person_leaves(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    drop(f, ANA); /* gave up waiting */
    assert_int_equal(recorded(f, "left"), 1);
    assert_int_equal(waiting_count(f, HOST), 0);
    char msg[64];
    snprintf(msg, sizeof msg, "{\"type\":\"admit\",\"participant\":%d}", a);
    say(f, HOST, msg);
    json_t *e = last(f, HOST, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "not_waiting");
    json_decref(e);
    assert_int_equal(recorded(f, "admitted"), 0);
    /* when Ana tries again she waits again */
    assert_int_equal(join(f, ANA2, &ana), a);
    assert_int_equal(sent(f, ANA2, "waiting"), 1);
}

static void two_hosts_admit_the_same_person(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, COHOST, &cofacilitator);
    assert_int_equal(sent(f, COHOST, "admitted"), 1); /* co-hosts never wait */
    int a = join(f, ANA, &ana);
    assert_int_equal(sent(f, COHOST, "arrival"), 1);
    char msg[64];
    snprintf(msg, sizeof msg, "{\"type\":\"admit\",\"participant\":%d}", a);
    say(f, HOST, msg);
    assert_int_equal(recorded(f, "admitted"), 1);
    say(f, COHOST, msg);
    assert_int_equal(recorded(f, "admitted"), 0);
    json_t *e = last(f, COHOST, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "already_admitted");
    json_decref(e);
    assert_int_equal(sent(f, ANA, "admitted"), 0);
}

static void rejoin_without_readmission_even_when_locked(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    drop(f, ANA);
    assert_int_equal(recorded(f, "dropped"), 1);
    json_t *room = last(f, HOST, "room");
    json_t *p = json_array_get(json_object_get(room, "participants"), 1);
    assert_false(json_is_true(json_object_get(p, "connected"))); /* the host sees the drop */
    json_decref(room);
    say(f, HOST, "{\"type\":\"lock\"}");
    /* a new client cannot get in while it is locked */
    assert_int_equal(join(f, BO, &bo), LIVE_LOCKED);
    /* Ana comes back with her key: straight in, no waiting room, lock or not */
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, ANA2, "key-11", &f->fx), a);
    assert_int_equal(sent(f, ANA2, "admitted"), 1);
    assert_int_equal(sent(f, ANA2, "waiting"), 0);
    assert_int_equal(recorded(f, "returned"), 1);
    assert_true(in_room(f, HOST, a));
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, 99, "no-such-key", &f->fx),
                     LIVE_UNKNOWN_KEY);
    /* the host is never locked out either */
    drop(f, HOST);
    assert_true(join(f, HOST + 100, &therapist) > 0);
    assert_int_equal(sent(f, HOST + 100, "admitted"), 1);
    assert_int_equal(sent(f, HOST + 100, "waiting_list"), 1);
}

static void coming_back_to_the_waiting_room_keeps_the_name(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    say(f, ANA, "{\"type\":\"leave\"}");
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, ANA2, "key-11", &f->fx), a);
    json_t *arrival = last(f, HOST, "arrival");
    assert_string_equal(json_string_value(json_object_get(arrival, "name")), "Ana");
    json_decref(arrival);
    assert_string_equal(live_room_role(f->room, a), "client");
}

static void a_second_window_replaces_the_first(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    join(f, ANA2, &ana);
    assert_int_equal(sent(f, ANA, "replaced"), 1);
    assert_true(closed(f, ANA));
    assert_int_equal(sent(f, ANA2, "admitted"), 1);
    assert_true(live_room_has_conn(f->room, ANA2));
}

static void host_controls(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    int b = join(f, BO, &bo);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    char msg[80];
    snprintf(msg, sizeof msg, "{\"type\":\"mute\",\"participant\":%d}", a);
    say(f, HOST, msg);
    assert_int_equal(sent(f, ANA, "muted_by_host"), 1);
    json_t *room = last(f, BO, "room");
    assert_false(json_is_true(
        json_object_get(json_array_get(json_object_get(room, "participants"), 1), "audio")));
    json_decref(room);
    /* only Ana can turn her microphone back on */
    snprintf(msg, sizeof msg, "{\"type\":\"media\",\"audio\":true}");
    say(f, ANA, msg);
    room = last(f, HOST, "room");
    assert_true(json_is_true(
        json_object_get(json_array_get(json_object_get(room, "participants"), 1), "audio")));
    json_decref(room);
    snprintf(msg, sizeof msg, "{\"type\":\"stop_video\",\"participant\":%d}", b);
    say(f, HOST, msg);
    assert_int_equal(sent(f, BO, "video_stopped_by_host"), 1);
    snprintf(msg, sizeof msg, "{\"type\":\"spotlight\",\"participant\":%d}", b);
    say(f, HOST, msg);
    room = last(f, ANA, "room");
    assert_int_equal(json_integer_value(json_object_get(room, "spotlight")), b);
    json_decref(room);

    snprintf(msg, sizeof msg, "{\"type\":\"remove\",\"participant\":%d}", b);
    say(f, HOST, msg);
    assert_int_equal(sent(f, BO, "removed"), 1);
    assert_true(closed(f, BO));
    assert_int_equal(recorded(f, "removed"), 1);
    room = last(f, HOST, "room");
    assert_int_equal(json_is_null(json_object_get(room, "spotlight")), 1);
    json_decref(room);
    /* removed: the link stops working for this meeting */
    assert_int_equal(join(f, BO + 100, &bo), LIVE_REMOVED);
    /* nobody removes the therapist */
    say(f, ANA, "{\"type\":\"remove\",\"participant\":1}");
    json_t *e = last(f, ANA, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "not_allowed");
    json_decref(e);
}

static void clients_cannot_send_host_commands(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    join(f, BO, &bo);
    /* still waiting: nothing but leaving */
    say(f, ANA, "{\"type\":\"admit_all\"}");
    json_t *e = last(f, ANA, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "waiting");
    json_decref(e);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    const char *commands[] = {"{\"type\":\"admit_all\"}", "{\"type\":\"lock\"}",
                              "{\"type\":\"end\"}", "{\"type\":\"mute\",\"participant\":3}",
                              "{\"type\":\"round_start\"}"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        say(f, ANA, commands[i]);
        e = last(f, ANA, "error");
        assert_non_null(e);
        assert_string_equal(json_string_value(json_object_get(e, "code")), "not_allowed");
        json_decref(e);
        assert_int_equal(f->fx.close_count, 0);
        assert_int_equal(sent(f, BO, "room"), 0);
    }
    say(f, ANA, "{\"type\":\"dance\"}");
    e = last(f, ANA, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "unknown_type");
    json_decref(e);
    assert_false(live_room_ended(f->room));
}

static void chat_private_and_support_reach_only_hosts(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, COHOST, &cofacilitator);
    join(f, ANA, &ana);
    join(f, BO, &bo);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    say(f, ANA, "{\"type\":\"chat\",\"to\":\"everyone\",\"text\":\"hello all\"}");
    assert_int_equal(sent(f, BO, "chat") + sent(f, HOST, "chat") + sent(f, ANA, "chat"), 3);
    say(f, ANA, "{\"type\":\"chat\",\"to\":\"hosts\",\"text\":\"just for you\"}");
    assert_int_equal(sent(f, HOST, "chat"), 1);
    assert_int_equal(sent(f, COHOST, "chat"), 1);
    assert_int_equal(sent(f, ANA, "chat"), 1); /* her own copy */
    assert_int_equal(sent(f, BO, "chat"), 0);
    say(f, ANA, "{\"type\":\"support\"}");
    assert_int_equal(sent(f, HOST, "support_request"), 1);
    assert_int_equal(sent(f, COHOST, "support_request"), 1);
    assert_int_equal(sent(f, BO, "support_request"), 0);
    json_t *ack = last(f, ANA, "support_sent");
    assert_non_null(strstr(json_string_value(json_object_get(ack, "message")), "privately"));
    json_decref(ack);
    /* nothing of it is recorded */
    assert_int_equal(f->fx.record_count, 0);
    say(f, ANA, "{\"type\":\"chat\",\"to\":\"Bo\",\"text\":\"x\"}");
    assert_int_equal(sent(f, ANA, "error"), 1);
    drop(f, HOST);
    drop(f, COHOST);
    say(f, BO, "{\"type\":\"support\"}");
    ack = last(f, BO, "support_sent");
    assert_non_null(strstr(json_string_value(json_object_get(ack, "message")), "emergency"));
    json_decref(ack);
}

static void chat_off_still_lets_clients_write_to_the_therapist(void **state)
{
    struct fixture *f = *state;
    live_room_free(f->room);
    struct live_room_settings s = {
        .host_video = 1, .participant_video = 1, .occurrence_id = 8, .waiting_room = 0, .chat = 0};
    f->room = live_room_new(&s);
    join(f, HOST, &therapist);
    assert_true(join(f, ANA, &ana) > 0);
    assert_int_equal(sent(f, ANA, "admitted"), 1); /* no waiting room in this session */
    say(f, ANA, "{\"type\":\"chat\",\"to\":\"everyone\",\"text\":\"hi\"}");
    json_t *e = last(f, ANA, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "chat_off");
    json_decref(e);
    say(f, ANA, "{\"type\":\"chat\",\"to\":\"hosts\",\"text\":\"hi\"}");
    assert_int_equal(sent(f, HOST, "chat"), 1);
}

static void hands_and_a_timed_check_in_round(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    int b = join(f, BO, &bo);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    f->now = 2000;
    say(f, BO, "{\"type\":\"hand\",\"raised\":true}");
    f->now = 3000;
    say(f, ANA, "{\"type\":\"hand\",\"raised\":true}");
    json_t *h = last(f, HOST, "hands");
    json_t *q = json_object_get(h, "queue");
    assert_int_equal(json_array_size(q), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(q, 0), "id")), b);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(q, 1), "id")), a);
    json_decref(h);
    assert_int_equal(sent(f, BO, "hands"), 0); /* the queue is the host's */
    char msg[80];
    snprintf(msg, sizeof msg, "{\"type\":\"lower_hand\",\"participant\":%d}", b);
    say(f, HOST, msg);
    h = last(f, HOST, "hands");
    assert_int_equal(json_array_size(json_object_get(h, "queue")), 1);
    json_decref(h);

    say(f, HOST, "{\"type\":\"round_start\",\"turn_seconds\":60}");
    json_t *room = last(f, ANA, "room");
    json_t *round = json_object_get(room, "round");
    assert_int_equal(json_integer_value(json_object_get(round, "current")), a);
    assert_int_equal(json_integer_value(json_object_get(round, "turn_ends_at")), 63000);
    json_decref(room);
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_tick(f->room, 62999, &f->fx), 63000);
    assert_int_equal(f->fx.send_count, 0);
    assert_int_equal(live_room_tick(f->room, 63000, &f->fx), 123000);
    room = last(f, BO, "room");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(room, "round"), "current")),
                     b);
    json_decref(room);
    say(f, HOST, "{\"type\":\"round_next\"}");
    room = last(f, HOST, "room");
    assert_true(json_is_null(json_object_get(room, "round"))); /* everyone has spoken */
    json_decref(room);
    say(f, HOST, "{\"type\":\"round_next\"}");
    assert_int_equal(sent(f, HOST, "error"), 1);
    say(f, HOST, "{\"type\":\"round_start\",\"order\":[99]}");
    assert_int_equal(sent(f, HOST, "error"), 1);
}

static void end_for_all(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    join(f, BO, &bo);
    say(f, HOST, "{\"type\":\"admit\",\"participant\":2}");
    say(f, HOST, "{\"type\":\"end\"}");
    assert_int_equal(sent(f, HOST, "ended") + sent(f, ANA, "ended") + sent(f, BO, "ended"), 3);
    assert_true(closed(f, HOST) && closed(f, ANA) && closed(f, BO));
    assert_int_equal(recorded(f, "left"), 2); /* those in the session */
    assert_true(live_room_ended(f->room));
    assert_int_equal(join(f, 50, &ana), LIVE_ENDED);
    /* Ana's key says ended; a key this room never gave is another meeting's to answer */
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, 51, "key-11", &f->fx), LIVE_ENDED);
    assert_int_equal(live_room_rejoin(f->room, f->now, 52, "key-of-another-room", &f->fx),
                     LIVE_UNKNOWN_KEY);
    assert_int_equal(live_room_connected(f->room), 0);
}

static void password_guessing_alerts_the_host_once(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    for (int i = 0; i < 9; i++) {
        live_effects_clear(&f->fx);
        live_room_password_failure(f->room, f->now, &f->fx);
        assert_int_equal(sent(f, HOST, "password_alert"), 0);
    }
    live_effects_clear(&f->fx);
    live_room_password_failure(f->room, f->now, &f->fx);
    assert_int_equal(sent(f, HOST, "password_alert"), 1);
    live_effects_clear(&f->fx);
    live_room_password_failure(f->room, f->now, &f->fx);
    assert_int_equal(sent(f, HOST, "password_alert"), 0);
}

static void leaving_and_coming_back(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    say(f, ANA, "{\"type\":\"leave\"}");
    assert_int_equal(recorded(f, "left"), 1);
    assert_false(in_room(f, HOST, a));
    assert_true(closed(f, ANA));
    assert_int_equal(join(f, ANA2, &ana), a);
    assert_int_equal(sent(f, ANA2, "admitted"), 1); /* straight back in */
}

/* What the store holds for the room's meeting: which person, and what. */
static int turned_away(struct fixture *f, int64_t client_id, const char **what)
{
    int n = 0;
    for (size_t i = 0; i < f->fx.turned_away_count; i++)
        if (f->fx.turned_away[i].client_id == client_id) {
            *what = f->fx.turned_away[i].what;
            n++;
        }
    return n;
}

/* The hosts' list of who is turned away: its size, and the `what` of participant id. */
static size_t turned_away_list(struct fixture *f, uint64_t host, int id, const char **what)
{
    json_t *m = last(f, host, "turned_away");
    assert_non_null(m);
    json_t *people = json_object_get(m, "people"), *p;
    size_t i, n = json_array_size(people);
    *what = NULL;
    json_array_foreach(people, i, p)
    {
        if (json_integer_value(json_object_get(p, "id")) == id)
            *what = strcmp(json_string_value(json_object_get(p, "what")), "removed") == 0
                        ? "removed"
                        : "denied";
    }
    json_decref(m);
    return n;
}

static void denied_stays_denied_until_let_knock(void **state)
{
    struct fixture *f = *state;
    const char *what;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    char msg[80];
    snprintf(msg, sizeof msg, "{\"type\":\"deny\",\"participant\":%d}", a);
    say(f, HOST, msg);
    assert_int_equal(turned_away(f, ana.client_id, &what), 1);
    assert_string_equal(what, "denied");
    assert_int_equal(turned_away_list(f, HOST, a, &what), 1);
    assert_string_equal(what, "denied");
    /* knocking again, from another window or with the key, is refused */
    assert_int_equal(join(f, ANA2, &ana), LIVE_DENIED);
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, ANA2, "key-11", &f->fx), LIVE_DENIED);
    /* only hosts may let them knock; someone not turned away is an error */
    join(f, BO, &bo);
    say(f, BO, "{\"type\":\"let_knock\",\"client_id\":101}");
    json_t *e = last(f, BO, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "waiting");
    json_decref(e);
    say(f, HOST, "{\"type\":\"let_knock\",\"client_id\":102}");
    e = last(f, HOST, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "not_turned_away");
    json_decref(e);
    say(f, HOST, "{\"type\":\"let_knock\"}");
    e = last(f, HOST, "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "invalid_field");
    json_decref(e);
    say(f, HOST, "{\"type\":\"let_knock\",\"client_id\":101}");
    assert_int_equal(turned_away(f, ana.client_id, &what), 1);
    assert_null(what); /* the store forgets it */
    assert_int_equal(turned_away_list(f, HOST, a, &what), 0);
    assert_int_equal(join(f, ANA2, &ana), a);
    assert_int_equal(sent(f, ANA2, "waiting"), 1);
}

static void removed_and_let_knock_by_participant(void **state)
{
    struct fixture *f = *state;
    const char *what;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    char msg[80];
    snprintf(msg, sizeof msg, "{\"type\":\"remove\",\"participant\":%d}", a);
    say(f, HOST, msg);
    assert_int_equal(turned_away(f, ana.client_id, &what), 1);
    assert_string_equal(what, "removed");
    assert_int_equal(turned_away_list(f, HOST, a, &what), 1);
    assert_string_equal(what, "removed");
    assert_int_equal(join(f, ANA2, &ana), LIVE_REMOVED);
    snprintf(msg, sizeof msg, "{\"type\":\"let_knock\",\"participant\":%d}", a);
    say(f, HOST, msg);
    assert_int_equal(turned_away_list(f, HOST, a, &what), 0);
    /* they knock again: the waiting room, not straight back in */
    assert_int_equal(join(f, ANA2, &ana), a);
    assert_int_equal(sent(f, ANA2, "waiting"), 1);
    assert_int_equal(sent(f, ANA2, "admitted"), 0);
}

/* Removed from the group (or archived) while the meeting runs: out at once, told why, the
 * rejoin key dead; a new valid link later knocks like someone new. */
static void a_revoked_client_leaves_and_cannot_rejoin_by_key(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    int a = join(f, ANA, &ana);
    int b = join(f, BO, &bo);
    say(f, HOST, "{\"type\":\"admit_all\"}");
    live_effects_clear(&f->fx);
    live_room_revoke(f->room, f->now, ana.client_id, 0, &f->fx);
    assert_int_equal(sent(f, ANA, "removed"), 1);
    assert_true(closed(f, ANA));
    assert_int_equal(recorded(f, "removed"), 1);
    assert_false(in_room(f, HOST, a));
    assert_true(in_room(f, HOST, b));
    /* not a host's removal: nothing to let knock again */
    const char *what;
    assert_int_equal(turned_away(f, ana.client_id, &what), 0);
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, ANA2, "key-11", &f->fx), LIVE_REMOVED);
    /* revoking again, or someone not here, changes nothing */
    live_effects_clear(&f->fx);
    live_room_revoke(f->room, f->now, ana.client_id, 0, &f->fx);
    live_room_revoke(f->room, f->now, 999, 0, &f->fx);
    assert_int_equal(f->fx.send_count, 0);
    /* a new link the service found valid: the waiting room */
    assert_int_equal(join(f, ANA2, &ana), a);
    assert_int_equal(sent(f, ANA2, "waiting"), 1);
    assert_int_equal(sent(f, ANA2, "admitted"), 0);
    /* a co-facilitator whose account is disabled leaves too; the therapist stays */
    join(f, COHOST, &cofacilitator);
    live_effects_clear(&f->fx);
    live_room_revoke(f->room, f->now, 0, cofacilitator.user_id, &f->fx);
    assert_int_equal(sent(f, COHOST, "removed"), 1);
    assert_true(closed(f, COHOST));
    assert_false(closed(f, HOST));
}

static void a_room_told_of_earlier_removals_refuses_them(void **state)
{
    struct fixture *f = *state;
    const char *what;
    struct live_identity bea = cofacilitator;
    struct live_room_turned_away earlier[] = {
        {ana, 1, 500},
        {bo, 0, 600},
        {bea, 1, 700},
        {therapist, 1, 800}, /* never: the therapist cannot be turned away */
    };
    live_room_set_turned_away(f->room, earlier, 4);
    assert_int_equal(join(f, ANA, &ana), LIVE_REMOVED);
    assert_int_equal(f->fx.send_count + f->fx.record_count + f->fx.turned_away_count, 0);
    assert_int_equal(join(f, BO, &bo), LIVE_DENIED);
    assert_int_equal(join(f, COHOST, &cofacilitator), LIVE_REMOVED);
    assert_int_equal(join(f, CY, &cy), 4); /* anyone else is as before */
    int t = join(f, HOST, &therapist);
    assert_true(t > 0);
    assert_int_equal(sent(f, HOST, "admitted"), 1);
    /* the therapist, arriving, sees whom they may let knock again */
    assert_int_equal(turned_away_list(f, HOST, 1, &what), 3);
    assert_string_equal(what, "removed");
    json_t *m = last(f, HOST, "turned_away");
    json_t *first = json_array_get(json_object_get(m, "people"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "Ana");
    assert_int_equal(json_integer_value(json_object_get(first, "client_id")), 101);
    assert_int_equal(json_integer_value(json_object_get(first, "at")), 500);
    json_decref(m);
    say(f, HOST, "{\"type\":\"let_knock\",\"client_id\":101}");
    assert_int_equal(turned_away_list(f, HOST, 1, &what), 2);
    assert_int_equal(join(f, ANA2, &ana), 1);
    assert_int_equal(sent(f, ANA2, "waiting"), 1);
}

/* The admission effect kept for this person, or NULL. */
static const struct live_admission *admission(struct fixture *f, int64_t client_id, int64_t user_id)
{
    for (size_t i = 0; i < f->fx.admission_count; i++)
        if (f->fx.admissions[i].client_id == client_id && f->fx.admissions[i].user_id == user_id)
            return &f->fx.admissions[i];
    return NULL;
}

/* What a restart needs comes out as effects: who was admitted (their key as a hash only),
 * who is gone for good, the lock. */
static void admissions_and_the_lock_are_kept(void **state)
{
    struct fixture *f = *state;
    uint8_t hash[LIVE_KEY_HASH_BYTES];
    int h = join(f, HOST, &therapist);
    const struct live_admission *k = admission(f, 0, therapist.user_id);
    assert_non_null(k);
    assert_false(k->gone);
    assert_int_equal(k->participant, h);
    assert_string_equal(k->role, "host");
    assert_string_equal(k->name, "Dr Ada");
    live_key_hash("key-1", hash);
    assert_memory_equal(k->key_hash, hash, sizeof hash);
    int a = join(f, ANA, &ana);
    assert_null(admission(f, ana.client_id, 0)); /* waiting is not admitted */
    char admit[64];
    snprintf(admit, sizeof admit, "{\"type\":\"admit\",\"participant\":%d}", a);
    say(f, HOST, admit);
    k = admission(f, ana.client_id, 0);
    assert_non_null(k);
    assert_string_equal(k->role, "client");
    assert_int_equal(k->participant, a);
    assert_int_equal(k->admitted_at, f->now);
    live_key_hash("key-11", hash);
    assert_memory_equal(k->key_hash, hash, sizeof hash);
    say(f, HOST, "{\"type\":\"lock\"}");
    assert_int_equal(f->fx.lock_changed, 1);
    assert_int_equal(f->fx.lock_changed_at, f->now);
    char remove[64];
    snprintf(remove, sizeof remove, "{\"type\":\"remove\",\"participant\":%d}", a);
    say(f, HOST, remove);
    k = admission(f, ana.client_id, 0);
    assert_non_null(k);
    assert_true(k->gone);
    say(f, HOST, "{\"type\":\"unlock\"}");
    assert_int_equal(f->fx.lock_changed, -1);
    say(f, HOST, "{\"type\":\"hand\",\"raised\":true}");
    assert_int_equal(f->fx.lock_changed, 0);
    assert_int_equal(f->fx.admission_count, 0);
}

/* A room made after a restart and told what its meeting kept: the kept keys let their
 * people straight in with the id and role they had, anything else is unknown, the lock
 * holds, and the therapist signing in again is the same participant, not a second one. */
static void a_restored_room_lets_kept_keys_straight_in(void **state)
{
    struct fixture *f = *state;
    struct live_room_admitted kept[] = {
        {therapist, 1, {0}, 900},
        {ana, 3, {0}, 950},
        {bo, 3, {0}, 960}, /* the same id twice: not what the room wrote, left out */
    };
    live_key_hash("host-key", kept[0].key_hash);
    live_key_hash("ana-key", kept[1].key_hash);
    live_key_hash("bo-key", kept[2].key_hash);
    live_room_restore(f->room, 1, kept, 3);
    struct live_room_turned_away earlier[] = {{cy, 1, 970}};
    live_room_set_turned_away(f->room, earlier, 1);
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, ANA, "ana-key", &f->fx), 3);
    assert_int_equal(sent(f, ANA, "admitted"), 1);
    assert_int_equal(sent(f, ANA, "waiting"), 0);
    assert_int_equal(recorded(f, "returned"), 1);
    assert_int_equal(f->fx.admission_count, 0); /* the same key: nothing new to keep */
    json_t *m = last(f, ANA, "admitted");
    assert_string_equal(json_string_value(json_object_get(json_object_get(m, "you"), "role")),
                        "client");
    json_decref(m);
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, BO, "bo-key", &f->fx), LIVE_UNKNOWN_KEY);
    assert_int_equal(live_room_rejoin(f->room, f->now, BO, "ana-key-", &f->fx), LIVE_UNKNOWN_KEY);
    assert_int_equal(live_room_rejoin(f->room, f->now, BO, "", &f->fx), LIVE_UNKNOWN_KEY);
    assert_int_equal(f->fx.send_count, 0);
    /* the lock holds for someone new, the removal for Cy */
    assert_int_equal(join(f, BO, &bo), LIVE_LOCKED);
    assert_int_equal(join(f, CY, &cy), LIVE_REMOVED);
    /* the therapist signs in again: the same participant, host, once in the room */
    assert_int_equal(join(f, HOST, &therapist), 1);
    m = last(f, HOST, "room");
    assert_non_null(m);
    assert_true(json_is_true(json_object_get(m, "locked")));
    json_t *people = json_object_get(m, "participants");
    assert_int_equal(json_array_size(people), 2);
    int hosts = 0;
    size_t i;
    json_t *p;
    json_array_foreach(people, i, p) hosts +=
        strcmp(json_string_value(json_object_get(p, "role")), "host") == 0;
    assert_int_equal(hosts, 1);
    json_decref(m);
    /* signing in gave out a new key: the kept one gives way to it */
    assert_non_null(admission(f, 0, therapist.user_id));
    live_effects_clear(&f->fx);
    assert_int_equal(live_room_rejoin(f->room, f->now, 77, "host-key", &f->fx), LIVE_UNKNOWN_KEY);
    /* someone new gets an id after those kept */
    say(f, HOST, "{\"type\":\"unlock\"}");
    int b = join(f, BO, &bo);
    assert_true(b > 3);
    assert_int_equal(sent(f, BO, "waiting"), 1);
}

static const char *error_code(struct fixture *f, uint64_t conn)
{
    static char code[32];
    json_t *e = last(f, conn, "error");
    snprintf(code, sizeof code, "%s", e ? json_string_value(json_object_get(e, "code")) : "");
    json_decref(e);
    return code;
}

/* A waiting client's PHQ-9 with item 9 above 0: scored and handed on to keep, and the
 * alert naming her reaches the therapist and the co-facilitator at once, never another
 * client (waiting or admitted); a host who arrives later is told too. */
static void a_risk_alert_reaches_hosts_only(void **state)
{
    struct fixture *f = *state;
    join(f, COHOST, &cofacilitator);
    join(f, BO, &bo);
    say(f, COHOST, "{\"type\":\"admit_all\"}");
    int ana_id = join(f, ANA, &ana); /* waits */
    join(f, CY, &cy);                /* waits too */
    assert_int_equal(live_room_client_id(f->room, ana_id), 101);
    assert_int_equal(live_room_client_id(f->room, 1), 0);      /* the co-facilitator */
    live_room_checkins_asked(f->room, ANA, 1u << 0 | 1u << 2, 0, &f->fx); /* phq9, mood */
    say(f, ANA,
        "{\"type\":\"checkin_answer\",\"measure\":\"phq9\","
        "\"answers\":[1,1,2,0,1,0,1,0,2]}");
    assert_int_equal(f->fx.checkin_count, 1);
    assert_int_equal(f->fx.checkins[0].client_id, 101);
    assert_int_equal(f->fx.checkins[0].total, 8);
    assert_string_equal(f->fx.checkins[0].band, "mild");
    assert_true(f->fx.checkins[0].risk);
    assert_int_equal(sent(f, ANA, "checkin_saved"), 1);
    assert_int_equal(sent(f, COHOST, "risk_alert"), 1);
    json_t *alert = last(f, COHOST, "risk_alert");
    assert_string_equal(json_string_value(json_object_get(alert, "name")), "Ana");
    assert_int_equal(json_integer_value(json_object_get(alert, "answer")), 2);
    json_decref(alert);
    for (size_t i = 0; i < f->fx.send_count; i++) {
        assert_true(f->fx.sends[i].conn == COHOST || f->fx.sends[i].conn == ANA);
        if (f->fx.sends[i].conn == ANA)
            assert_null(strstr(f->fx.sends[i].text, "risk"));
    }
    /* the therapist arrives: told at once; Bo, coming back, is not */
    join(f, HOST, &therapist);
    assert_int_equal(sent(f, HOST, "risk_alert"), 1);
    drop(f, BO);
    join(f, BO, &bo);
    assert_int_equal(sent(f, BO, "risk_alert"), 0);
    /* a mood with its word, no alert; all she was asked is answered: the hosts' waiting
     * list says so (and nothing of the scores), nobody else's */
    say(f, ANA,
        "{\"type\":\"checkin_answer\",\"measure\":\"mood\",\"answers\":[6],"
        "\"word\":\"hopeful\"}");
    assert_int_equal(f->fx.checkin_count, 1);
    assert_string_equal(f->fx.checkins[0].word, "hopeful");
    assert_null(f->fx.checkins[0].band);
    assert_int_equal(sent(f, HOST, "risk_alert") + sent(f, COHOST, "risk_alert"), 0);
    assert_int_equal(sent(f, ANA, "waiting_list") + sent(f, CY, "waiting_list"), 0);
    json_t *list = last(f, HOST, "waiting_list");
    json_t *people = json_object_get(list, "people");
    assert_int_equal(json_array_size(people), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *person = json_array_get(people, i);
        int is_ana = strcmp(json_string_value(json_object_get(person, "name")), "Ana") == 0;
        assert_int_equal(json_is_true(json_object_get(person, "checkin_done")), is_ana);
        assert_null(json_object_get(person, "total"));
    }
    json_decref(list);
}

/* Where a client said they are goes to the hosts only: their waiting list gives the place
 * and the licence warning (flagged only), `locations` the address for emergencies, and a
 * host who arrives later is told; no client ever receives any of it. */
static void locate(struct fixture *f, uint64_t conn, const char *key, enum client_location place,
                   const char *emergency, int flagged)
{
    live_effects_clear(&f->fx);
    struct live_location where = {.place = place};
    snprintf(where.jurisdiction, sizeof where.jurisdiction, "%s", key);
    snprintf(where.emergency, sizeof where.emergency, "%s", emergency);
    live_room_set_location(f->room, conn, &where, flagged, &f->fx);
}

static json_t *person_named(json_t *msg, const char *name)
{
    json_t *people = json_object_get(msg, "people"), *p;
    size_t i;
    json_array_foreach(people, i, p)
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
            return p;
    return NULL;
}

static void a_location_reaches_hosts_only(void **state)
{
    struct fixture *f = *state;
    join(f, COHOST, &cofacilitator);
    join(f, ANA, &ana); /* waits */
    join(f, BO, &bo);   /* waits too */
    json_t *list = last(f, COHOST, "waiting_list");
    assert_true(json_is_null(json_object_get(person_named(list, "Ana"), "location")));
    json_decref(list);

    locate(f, ANA, "US-CA", CLIENT_AT_HOME, "12 Oak Street, Sacramento", 0);
    locate(f, BO, "US-NV", CLIENT_NOT_AT_HOME, "", 1);
    assert_int_equal(sent(f, COHOST, "waiting_list"), 1);
    assert_int_equal(sent(f, COHOST, "locations"), 1);
    assert_int_equal(sent(f, ANA, "waiting_list") + sent(f, ANA, "locations"), 0);
    assert_int_equal(sent(f, BO, "waiting_list") + sent(f, BO, "locations"), 0);
    list = last(f, COHOST, "waiting_list");
    json_t *a = json_object_get(person_named(list, "Ana"), "location");
    json_t *b = json_object_get(person_named(list, "Bo"), "location");
    assert_string_equal(json_string_value(json_object_get(a, "jurisdiction_name")), "California");
    assert_string_equal(json_string_value(json_object_get(a, "place")), "home");
    assert_true(json_is_null(json_object_get(a, "warning")));
    assert_null(json_object_get(a, "emergency")); /* the waiting list carries no address */
    assert_string_equal(json_string_value(json_object_get(b, "place")), "not_home");
    assert_string_equal(json_string_value(json_object_get(b, "warning")),
                        "No licence recorded for Nevada on this date.");
    json_decref(list);

    /* the therapist arrives: the addresses at once */
    join(f, HOST, &therapist);
    assert_int_equal(sent(f, HOST, "locations"), 1);
    json_t *where = last(f, HOST, "locations");
    assert_string_equal(
        json_string_value(json_object_get(person_named(where, "Ana"), "emergency")),
        "12 Oak Street, Sacramento");
    assert_true(json_is_null(json_object_get(person_named(where, "Bo"), "emergency")));
    json_decref(where);

    /* both let in; Ana answers again (a rejoin asks again): the latest wins, and says so */
    say(f, HOST, "{\"type\":\"admit_all\"}");
    locate(f, ANA, "", CLIENT_LOCATION_UNKNOWN, "", 1);
    assert_int_equal(sent(f, HOST, "locations") + sent(f, COHOST, "locations"), 2);
    assert_int_equal(sent(f, HOST, "waiting_list"), 0); /* nobody waits */
    where = last(f, HOST, "locations");
    json_t *now = person_named(where, "Ana");
    assert_string_equal(json_string_value(json_object_get(now, "warning")),
                        "Ana did not say where they are.");
    assert_true(json_is_null(json_object_get(now, "emergency")));
    json_decref(where);
    for (size_t i = 0; i < f->fx.send_count; i++)
        assert_true(f->fx.sends[i].conn == HOST || f->fx.sends[i].conn == COHOST);

    /* Bo, back after a dropped connection, is told nothing of it; a host is nothing to locate */
    drop(f, BO);
    join(f, BO, &bo);
    assert_int_equal(sent(f, BO, "locations"), 0);
    for (size_t i = 0; i < f->fx.send_count; i++)
        if (f->fx.sends[i].conn == BO)
            assert_null(strstr(f->fx.sends[i].text, "Oak"));
    locate(f, HOST, "US-CA", CLIENT_AT_HOME, "x", 0);
    assert_int_equal(f->fx.send_count, 0);
}

/* A client who answered everything before joining (on the messages page) is asked nothing,
 * and the hosts' waiting list says so at once; one who answered nothing is not done. */
static void a_check_in_answered_before_is_done_on_joining(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, CY, &cy); /* waits; nothing chosen, nothing answered */
    live_effects_clear(&f->fx);
    live_room_checkins_asked(f->room, CY, 0, 0, &f->fx);
    assert_int_equal(sent(f, HOST, "waiting_list"), 0);
    join(f, ANA, &ana); /* waits */
    live_effects_clear(&f->fx);
    live_room_checkins_asked(f->room, ANA, 0, 1u << 2, &f->fx); /* mood, answered before */
    assert_int_equal(sent(f, ANA, "waiting_list") + sent(f, CY, "waiting_list"), 0);
    json_t *list = last(f, HOST, "waiting_list");
    assert_non_null(list);
    json_t *people = json_object_get(list, "people");
    assert_int_equal(json_array_size(people), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *person = json_array_get(people, i);
        int is_ana = strcmp(json_string_value(json_object_get(person, "name")), "Ana") == 0;
        assert_int_equal(json_is_true(json_object_get(person, "checkin_done")), is_ana);
    }
    json_decref(list);
    /* and it is not asked: an answer now is refused */
    say(f, ANA, "{\"type\":\"checkin_answer\",\"measure\":\"mood\",\"answers\":[5]}");
    assert_string_equal(error_code(f, ANA), "not_asked");
}

/* Answers only to what was asked, once each, whole and in range; hosts have none to give. */
static void checkin_answers_are_asked_once_and_checked(void **state)
{
    struct fixture *f = *state;
    join(f, HOST, &therapist);
    join(f, ANA, &ana);
    live_room_checkins_asked(f->room, ANA, 1u << 1, 0, &f->fx); /* gad7 */
    say(f, ANA,
        "{\"type\":\"checkin_answer\",\"measure\":\"phq9\","
        "\"answers\":[0,0,0,0,0,0,0,0,0]}");
    assert_string_equal(error_code(f, ANA), "not_asked");
    say(f, ANA, "{\"type\":\"checkin_answer\",\"measure\":\"gad7\",\"answers\":[0,0,0]}");
    assert_string_equal(error_code(f, ANA), "invalid_field");
    say(f, ANA,
        "{\"type\":\"checkin_answer\",\"measure\":\"gad7\","
        "\"answers\":[0,0,0,0,0,0,4]}");
    assert_string_equal(error_code(f, ANA), "invalid_field");
    say(f, ANA,
        "{\"type\":\"checkin_answer\",\"measure\":\"gad7\","
        "\"answers\":[0,0,0,0,0,0,\"3\"]}");
    assert_string_equal(error_code(f, ANA), "invalid_field");
    say(f, ANA,
        "{\"type\":\"checkin_answer\",\"measure\":\"gad7\","
        "\"answers\":[3,3,3,3,3,0,0],\"word\":\"x\"}");
    assert_string_equal(error_code(f, ANA), "invalid_field"); /* a word is for mood only */
    assert_int_equal(f->fx.checkin_count, 0);
    say(f, ANA,
        "{\"type\":\"checkin_answer\",\"measure\":\"gad7\","
        "\"answers\":[3,3,3,3,3,0,0]}");
    assert_int_equal(f->fx.checkin_count, 1);
    assert_string_equal(f->fx.checkins[0].band, "severe");
    assert_false(f->fx.checkins[0].risk);
    assert_int_equal(sent(f, HOST, "risk_alert"), 0);
    say(f, ANA,
        "{\"type\":\"checkin_answer\",\"measure\":\"gad7\","
        "\"answers\":[3,3,3,3,3,0,0]}");
    assert_string_equal(error_code(f, ANA), "not_asked");
    assert_int_equal(f->fx.checkin_count, 0);
    live_room_checkins_asked(f->room, HOST, 1u << 0, 0, &f->fx); /* nothing for a host */
    say(f, HOST,
        "{\"type\":\"checkin_answer\",\"measure\":\"phq9\","
        "\"answers\":[0,0,0,0,0,0,0,0,1]}");
    assert_string_equal(error_code(f, HOST), "not_asked");
    assert_int_equal(f->fx.checkin_count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(waiting_room_admit_one_and_all, setup, teardown),
        cmocka_unit_test_setup_teardown(deny_and_waiting_message, setup, teardown),
        cmocka_unit_test_setup_teardown(admit_while_the_person_leaves, setup, teardown),
        cmocka_unit_test_setup_teardown(two_hosts_admit_the_same_person, setup, teardown),
        cmocka_unit_test_setup_teardown(rejoin_without_readmission_even_when_locked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(coming_back_to_the_waiting_room_keeps_the_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_second_window_replaces_the_first, setup, teardown),
        cmocka_unit_test_setup_teardown(host_controls, setup, teardown),
        cmocka_unit_test_setup_teardown(clients_cannot_send_host_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(chat_private_and_support_reach_only_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(chat_off_still_lets_clients_write_to_the_therapist, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hands_and_a_timed_check_in_round, setup, teardown),
        cmocka_unit_test_setup_teardown(end_for_all, setup, teardown),
        cmocka_unit_test_setup_teardown(password_guessing_alerts_the_host_once, setup, teardown),
        cmocka_unit_test_setup_teardown(leaving_and_coming_back, setup, teardown),
        cmocka_unit_test_setup_teardown(denied_stays_denied_until_let_knock, setup, teardown),
        cmocka_unit_test_setup_teardown(removed_and_let_knock_by_participant, setup, teardown),
        cmocka_unit_test_setup_teardown(a_revoked_client_leaves_and_cannot_rejoin_by_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(admissions_and_the_lock_are_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(a_restored_room_lets_kept_keys_straight_in, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_room_told_of_earlier_removals_refuses_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_risk_alert_reaches_hosts_only, setup, teardown),
        cmocka_unit_test_setup_teardown(a_location_reaches_hosts_only, setup, teardown),
        cmocka_unit_test_setup_teardown(a_check_in_answered_before_is_done_on_joining, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(checkin_answers_are_asked_once_and_checked, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

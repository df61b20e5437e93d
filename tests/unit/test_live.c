/* live/protocol and live/messages: what counts as a message, and the one table of who may
 * send what, with the same refusal wherever a message would have gone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "live/effects.h"
#include "live/messages.h"
#include "live/protocol.h"

static void parsing(void **state)
{
    static const char *const bad[] = {"not json", "[1,2]", "{\"type\":7}", "{}", "",
                                      "{\"type\":\"ping\",\"type\":\"x\"}", "\"ping\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(live_protocol_parse(bad[i], strlen(bad[i])));
    json_t *m = live_protocol_parse("{\"type\":\"ping\",\"x\":1}", 21);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "type")), "ping");
    json_decref(m);
    struct buf out = {0};
    live_protocol_too_large(&out);
    assert_non_null(strstr(out.data, "\"code\":\"message_too_large\""));
    buf_free(&out);
}

static void every_entry_has_one_handler(void **state)
{
    size_t n;
    const struct live_message *t = live_message_table(&n);
    assert_true(n >= 25);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(!!t[i].service + !!t[i].room + !!t[i].meeting, 1);
        assert_true(t[i].may != 0);
        assert_ptr_equal(live_message_find(t[i].type), &t[i]); /* no type twice */
        /* the service's handlers run outside a meeting; the others only inside one, or
         * (the media messages only) in a check room */
        if (!t[i].service)
            assert_false(t[i].may & LIVE_SENDER_OUTSIDE);
        if (!t[i].service && (t[i].may & LIVE_SENDER_CHECKING))
            assert_non_null(t[i].meeting);
    }
    assert_null(live_message_find("teleport"));
    assert_null(live_message_find(NULL));
}

/* The code each sender gets for each message, from the table's one check. */
static const char *verdict(const char *type, enum live_sender who)
{
    static char code[64];
    struct live_effects fx = {0};
    const struct live_message *m = live_message_check(type, who, 7, &fx);
    if (m) {
        assert_int_equal(fx.send_count, 0);
        return "ok";
    }
    assert_int_equal(fx.send_count, 1);
    assert_int_equal(fx.sends[0].conn, 7);
    json_t *e = json_loads(fx.sends[0].text, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(e, "type")), "error");
    assert_non_null(json_string_value(json_object_get(e, "message")));
    snprintf(code, sizeof code, "%s", json_string_value(json_object_get(e, "code")));
    json_decref(e);
    live_effects_clear(&fx);
    return code;
}

static void who_may_send_what(void **state)
{
    static const struct {
        const char *type;
        const char *outside, *waiting, *client, *cohost, *host, *checking;
    } cases[] = {
        {"ping", "ok", "ok", "ok", "ok", "ok", "ok"},
        {"hello", "ok", "ok", "ok", "ok", "ok", "ok"},
        {"join", "ok", "already_joined", "already_joined", "already_joined", "already_joined",
         "checking"},
        {"rejoin", "ok", "already_joined", "already_joined", "already_joined", "already_joined",
         "checking"},
        {"preview", "ok", "already_joined", "already_joined", "already_joined", "already_joined",
         "checking"},
        {"watch", "ok", "already_joined", "already_joined", "already_joined", "already_joined",
         "checking"},
        /* a second check on a connection testing already: the service refuses it in words */
        {"check", "ok", "already_joined", "already_joined", "already_joined", "already_joined",
         "ok"},
        {"leave", "not_joined", "ok", "ok", "ok", "ok", "checking"},
        {"chat", "not_joined", "waiting", "ok", "ok", "ok", "checking"},
        {"publish", "not_joined", "waiting", "ok", "ok", "ok", "ok"},
        {"subscribe_answer", "not_joined", "waiting", "ok", "ok", "ok", "ok"},
        {"subscribe_restart", "not_joined", "waiting", "ok", "ok", "ok", "ok"},
        {"admit", "not_joined", "waiting", "not_allowed", "ok", "ok", "checking"},
        {"mute", "not_joined", "waiting", "not_allowed", "ok", "ok", "checking"},
        {"end", "not_joined", "waiting", "not_allowed", "ok", "ok", "checking"},
        /* while waiting too; the room refuses a host's (none is asked of them) */
        {"checkin_answer", "not_joined", "ok", "ok", "ok", "ok", "checking"},
        /* where a client is: while waiting too; the service refuses a host's */
        {"location", "not_joined", "ok", "ok", "ok", "ok", "checking"},
        {"teleport", "unknown_type", "unknown_type", "unknown_type", "unknown_type",
         "unknown_type", "unknown_type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(verdict(cases[i].type, LIVE_SENDER_OUTSIDE), cases[i].outside);
        assert_string_equal(verdict(cases[i].type, LIVE_SENDER_WAITING), cases[i].waiting);
        assert_string_equal(verdict(cases[i].type, LIVE_SENDER_CLIENT), cases[i].client);
        assert_string_equal(verdict(cases[i].type, LIVE_SENDER_COHOST), cases[i].cohost);
        assert_string_equal(verdict(cases[i].type, LIVE_SENDER_HOST), cases[i].host);
        assert_string_equal(verdict(cases[i].type, LIVE_SENDER_CHECKING), cases[i].checking);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parsing),
        cmocka_unit_test(every_entry_has_one_handler),
        cmocka_unit_test(who_may_send_what),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

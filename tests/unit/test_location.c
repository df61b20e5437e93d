/* live/location: the client's answer to "Where are you right now?" as the meeting socket
 * brings it, checked and in its stored form; and the hosts' licence warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "live/location.h"

static int parse(const char *text, struct live_location *out, const char **message)
{
    json_t *msg = json_loads(text, JSON_ALLOW_NUL, NULL);
    assert_non_null(msg);
    *message = NULL;
    int rc = live_location_parse(msg, out, message);
    json_decref(msg);
    if (rc == 0)
        assert_null(*message);
    else
        assert_non_null(*message);
    return rc;
}

static void an_answer_is_kept_in_its_stored_form(void **state)
{
    (void)state;
    struct live_location l;
    const char *m;
    assert_int_equal(parse("{\"type\":\"location\",\"jurisdiction\":\"us-ca\",\"place\":\"home\","
                           "\"emergency\":\"  12 Oak   Street,\\u200b Sacramento \"}",
                           &l, &m),
                     0);
    assert_string_equal(l.jurisdiction, "US-CA");
    assert_int_equal(l.place, CLIENT_AT_HOME);
    /* spaces run together, invisible characters dropped, nothing at the ends */
    assert_string_equal(l.emergency, "12 Oak Street, Sacramento");
    assert_int_equal(
        parse("{\"type\":\"location\",\"jurisdiction\":\"GB\",\"place\":\"not_home\"}", &l, &m), 0);
    assert_string_equal(l.jurisdiction, "GB");
    assert_int_equal(l.place, CLIENT_NOT_AT_HOME);
    assert_string_equal(l.emergency, "");
}

static void saying_nothing_is_an_answer(void **state)
{
    (void)state;
    struct live_location l;
    const char *m;
    assert_int_equal(parse("{\"type\":\"location\"}", &l, &m), 0);
    assert_string_equal(l.jurisdiction, "");
    assert_int_equal(l.place, CLIENT_LOCATION_UNKNOWN);
    assert_string_equal(l.emergency, "");
    assert_int_equal(parse("{\"type\":\"location\",\"jurisdiction\":\"\",\"place\":null,"
                           "\"emergency\":\"   \"}",
                           &l, &m),
                     0);
    assert_string_equal(l.jurisdiction, "");
    assert_int_equal(l.place, CLIENT_LOCATION_UNKNOWN);
    assert_string_equal(l.emergency, "");
    assert_int_equal(
        parse("{\"type\":\"location\",\"place\":\"unknown\",\"jurisdiction\":null}", &l, &m), 0);
    assert_int_equal(l.place, CLIENT_LOCATION_UNKNOWN);
}

static void what_does_not_fit_is_refused_with_words(void **state)
{
    (void)state;
    struct live_location l;
    const char *m;
    static const char *const bad[] = {
        "{\"jurisdiction\":\"US-XX\"}",        /* no such state */
        "{\"jurisdiction\":\"California\"}",   /* a name, not a key */
        "{\"jurisdiction\":\"US-CA \"}",       /* not the key */
        "{\"jurisdiction\":7}",                /* not a string */
        "{\"jurisdiction\":\"US\\u0000-CA\"}", /* a NUL inside */
        "{\"place\":\"garden\"}",              /* not a place */
        "{\"place\":\"HOME\"}",                /* places are as written */
        "{\"place\":true}",
        "{\"emergency\":[]}",
        "{\"emergency\":\"12 Oak\\nStreet\"}", /* a line break */
        "{\"emergency\":\"12 Oak\\tStreet\"}", /* a tab */
        "{\"emergency\":\"12 Oak\\u007fStreet\"}",
        "{\"emergency\":\"12 Oak\\u0085Street\"}", /* a C1 control */
        "{\"emergency\":\"12 Oak\\u0000Street\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i], &l, &m), -EINVAL);
    }
    assert_int_equal(parse("{\"place\":\"garden\"}", &l, &m), -EINVAL);
    assert_string_equal(m, "Please say whether you are at home, or leave it empty.");
    assert_int_equal(parse("{\"jurisdiction\":\"Narnia\"}", &l, &m), -EINVAL);
    assert_string_equal(m, "Please choose where you are from the list, or leave it empty.");
}

static void an_address_is_at_most_300_characters(void **state)
{
    (void)state;
    struct live_location l;
    const char *m;
    /* 300 characters of three bytes each: kept whole */
    char text[2000], field[1000];
    size_t used = 0;
    for (int i = 0; i < 300; i++)
        used += (size_t)snprintf(field + used, sizeof field - used, "\xe2\x82\xac"); /* € */
    snprintf(text, sizeof text, "{\"emergency\":\"%s\"}", field);
    assert_int_equal(parse(text, &l, &m), 0);
    assert_int_equal(strlen(l.emergency), 900);
    snprintf(text, sizeof text, "{\"emergency\":\"%sx\"}", field);
    assert_int_equal(parse(text, &l, &m), -EINVAL);
    assert_string_equal(m, "The address is at most 300 characters.");
}

static void the_warning_names_the_place_or_says_nothing_was_said(void **state)
{
    (void)state;
    char buf[160];
    assert_null(live_location_warning("US-CA", "Ana", 0, buf, sizeof buf));
    assert_string_equal(live_location_warning("US-NV", "Bo", 1, buf, sizeof buf),
                        "No licence recorded for Nevada on this date.");
    assert_string_equal(live_location_warning("", "Bo", 1, buf, sizeof buf),
                        "Bo did not say where they are.");
    assert_string_equal(live_location_warning(NULL, "", 1, buf, sizeof buf),
                        "The client did not say where they are.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_answer_is_kept_in_its_stored_form),
        cmocka_unit_test(saying_nothing_is_an_answer),
        cmocka_unit_test(what_does_not_fit_is_refused_with_words),
        cmocka_unit_test(an_address_is_at_most_300_characters),
        cmocka_unit_test(the_warning_names_the_place_or_says_nothing_was_said),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

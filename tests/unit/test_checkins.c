/* Which measures a client is asked before a session: the choice that applies (their own
 * for one-to-one sessions, the group's for group sessions), less what they answered for
 * the occurrence already; and the comma lists the choices are kept as. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "practice/checkins.h"

#define PHQ9 (1u << MEASURE_PHQ9)
#define GAD7 (1u << MEASURE_GAD7)
#define MOOD (1u << MEASURE_MOOD)

static void lists_parse_and_format_both_ways(void **state)
{
    (void)state;
    unsigned set = 99;
    assert_int_equal(checkins_parse("", &set), 0);
    assert_int_equal(set, 0);
    assert_int_equal(checkins_parse("mood,phq9", &set), 0);
    assert_int_equal(set, PHQ9 | MOOD);
    char out[32];
    assert_string_equal(checkins_format(set, out, sizeof out), "phq9,mood");
    assert_string_equal(checkins_format(CHECKINS_ALL, out, sizeof out), "phq9,gad7,mood");
    assert_string_equal(checkins_format(0, out, sizeof out), "");
    assert_int_equal(checkins_parse("gad7", &set), 0);
    assert_int_equal(set, GAD7);
}

static void lists_that_do_not_fit_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"phq",  "phq9,", ",phq9",     "phq9,,gad7",      "phq9,phq9",
                                      "PHQ9", "phq9 ", "moodiness", "gad7,mood,phq9,x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned set = 7;
        assert_int_equal(checkins_parse(bad[i], &set), -EINVAL);
        assert_int_equal(set, 7); /* untouched */
    }
}

static void one_to_one_sessions_ask_the_clients_choice(void **state)
{
    (void)state;
    assert_int_equal(checkins_due(0, PHQ9 | MOOD, GAD7, 0), PHQ9 | MOOD);
    /* no choice of their own: nothing, whatever their groups ask */
    assert_int_equal(checkins_due(0, 0, CHECKINS_ALL, 0), 0);
}

static void group_sessions_ask_the_groups_choice(void **state)
{
    (void)state;
    assert_int_equal(checkins_due(1, PHQ9 | MOOD, GAD7, 0), GAD7);
    assert_int_equal(checkins_due(1, CHECKINS_ALL, 0, 0), 0);
}

static void what_was_answered_is_not_asked_again(void **state)
{
    (void)state;
    assert_int_equal(checkins_due(0, CHECKINS_ALL, 0, PHQ9), GAD7 | MOOD);
    assert_int_equal(checkins_due(1, 0, PHQ9 | GAD7, PHQ9 | GAD7 | MOOD), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_parse_and_format_both_ways),
        cmocka_unit_test(lists_that_do_not_fit_are_refused),
        cmocka_unit_test(one_to_one_sessions_ask_the_clients_choice),
        cmocka_unit_test(group_sessions_ask_the_groups_choice),
        cmocka_unit_test(what_was_answered_is_not_asked_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

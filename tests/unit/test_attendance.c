/* Attendance at one occurrence from the meeting's records: on time, late at and past the
 * 10-minute edge, left early at and past its edge, a drop and a return, waited and not let
 * in, the meeting ended early for everyone, and the nudge after two no-shows in a row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "practice/attendance.h"

#define MIN (60 * 1000)
#define START ((int64_t)1800000000000)
#define END (START + 50 * MIN)

#define R(ev, ms) ((struct attendance_record){(ev), (ms)})
#define CLASSIFY(recs) attendance_classify((recs), sizeof(recs) / sizeof((recs)[0]), START, END, 0)

static void names_and_events(void **state)
{
    (void)state;
    assert_string_equal(attendance_status_name(ATTENDANCE_ATTENDED), "attended");
    assert_string_equal(attendance_status_name(ATTENDANCE_LATE), "late");
    assert_string_equal(attendance_status_name(ATTENDANCE_LEFT_EARLY), "left_early");
    assert_string_equal(attendance_status_name(ATTENDANCE_NO_SHOW), "no_show");
    assert_int_equal(attendance_event_parse("joined"), ATT_JOINED);
    assert_int_equal(attendance_event_parse("returned"), ATT_RETURNED);
    assert_int_equal(attendance_event_parse("removed"), ATT_REMOVED);
    assert_int_equal(attendance_event_parse("came"), -1);
    assert_int_equal(attendance_event_parse(""), -1);
}

static void on_time_and_late_at_the_edge(void **state)
{
    (void)state;
    /* early, stayed to the end */
    struct attendance_record early[] = {R(ATT_JOINED, START - 3 * MIN),
                                        R(ATT_ADMITTED, START - 3 * MIN), R(ATT_LEFT, END)};
    assert_int_equal(CLASSIFY(early), ATTENDANCE_ATTENDED);
    /* exactly 10 minutes after the start is still on time */
    struct attendance_record edge[] = {R(ATT_JOINED, START + 10 * MIN),
                                       R(ATT_ADMITTED, START + 10 * MIN), R(ATT_LEFT, END)};
    assert_int_equal(CLASSIFY(edge), ATTENDANCE_ATTENDED);
    /* one millisecond more is late */
    struct attendance_record late[] = {R(ATT_JOINED, START + 10 * MIN + 1),
                                       R(ATT_ADMITTED, START + 10 * MIN + 1), R(ATT_LEFT, END)};
    assert_int_equal(CLASSIFY(late), ATTENDANCE_LATE);
    /* knocked on time, let in late by the practitioner: on time */
    struct attendance_record waited[] = {R(ATT_JOINED, START + 2 * MIN),
                                         R(ATT_ADMITTED, START + 25 * MIN), R(ATT_LEFT, END)};
    assert_int_equal(CLASSIFY(waited), ATTENDANCE_ATTENDED);
    /* still in when the records end (the meeting was never closed): attended */
    struct attendance_record stayed[] = {R(ATT_JOINED, START), R(ATT_ADMITTED, START)};
    assert_int_equal(CLASSIFY(stayed), ATTENDANCE_ATTENDED);
}

static void left_early_at_the_edge(void **state)
{
    (void)state;
    /* left exactly 10 minutes before the end: not early */
    struct attendance_record edge[] = {R(ATT_JOINED, START), R(ATT_ADMITTED, START),
                                       R(ATT_LEFT, END - 10 * MIN)};
    assert_int_equal(CLASSIFY(edge), ATTENDANCE_ATTENDED);
    /* one millisecond sooner: early */
    struct attendance_record early[] = {R(ATT_JOINED, START), R(ATT_ADMITTED, START),
                                        R(ATT_LEFT, END - 10 * MIN - 1)};
    assert_int_equal(CLASSIFY(early), ATTENDANCE_LEFT_EARLY);
    /* a drop never followed by a return counts as leaving */
    struct attendance_record dropped[] = {R(ATT_JOINED, START), R(ATT_ADMITTED, START),
                                          R(ATT_DROPPED, START + 20 * MIN)};
    assert_int_equal(CLASSIFY(dropped), ATTENDANCE_LEFT_EARLY);
    /* removed by the practitioner half-way */
    struct attendance_record removed[] = {R(ATT_JOINED, START), R(ATT_ADMITTED, START),
                                          R(ATT_REMOVED, START + 25 * MIN)};
    assert_int_equal(CLASSIFY(removed), ATTENDANCE_LEFT_EARLY);
    /* late and left early: left early */
    struct attendance_record both[] = {R(ATT_JOINED, START + 20 * MIN),
                                       R(ATT_ADMITTED, START + 20 * MIN),
                                       R(ATT_LEFT, START + 30 * MIN)};
    assert_int_equal(CLASSIFY(both), ATTENDANCE_LEFT_EARLY);
}

static void rejoin_is_not_leaving(void **state)
{
    (void)state;
    /* dropped, came back, stayed */
    struct attendance_record back[] = {R(ATT_JOINED, START), R(ATT_ADMITTED, START),
                                       R(ATT_DROPPED, START + 5 * MIN),
                                       R(ATT_RETURNED, START + 7 * MIN), R(ATT_LEFT, END)};
    assert_int_equal(CLASSIFY(back), ATTENDANCE_ATTENDED);
    /* left, came back, left again near the end: only the last leaving counts */
    struct attendance_record twice[] = {R(ATT_JOINED, START),
                                        R(ATT_ADMITTED, START),
                                        R(ATT_LEFT, START + 5 * MIN),
                                        R(ATT_JOINED, START + 6 * MIN),
                                        R(ATT_RETURNED, START + 6 * MIN),
                                        R(ATT_LEFT, END - 5 * MIN)};
    assert_int_equal(CLASSIFY(twice), ATTENDANCE_ATTENDED);
    /* a rejoin does not make them late: the first knock is their arrival */
    struct attendance_record rejoin_late[] = {
        R(ATT_JOINED, START + MIN),        R(ATT_ADMITTED, START + MIN),
        R(ATT_DROPPED, START + 2 * MIN),   R(ATT_JOINED, START + 30 * MIN),
        R(ATT_RETURNED, START + 30 * MIN), R(ATT_LEFT, END)};
    assert_int_equal(CLASSIFY(rejoin_late), ATTENDANCE_ATTENDED);
}

static void no_show_in_each_way(void **state)
{
    (void)state;
    assert_int_equal(attendance_classify(NULL, 0, START, END, 0), ATTENDANCE_NO_SHOW);
    /* waited and was never let in */
    struct attendance_record waited[] = {R(ATT_JOINED, START), R(ATT_LEFT, START + 15 * MIN)};
    assert_int_equal(CLASSIFY(waited), ATTENDANCE_NO_SHOW);
    /* turned away at the door */
    struct attendance_record denied[] = {R(ATT_JOINED, START), R(ATT_DENIED, START + MIN)};
    assert_int_equal(CLASSIFY(denied), ATTENDANCE_NO_SHOW);
}

static void ended_early_for_everyone_is_not_leaving_early(void **state)
{
    (void)state;
    int64_t ended = START + 20 * MIN;
    struct attendance_record recs[] = {R(ATT_JOINED, START), R(ATT_ADMITTED, START),
                                       R(ATT_LEFT, ended)};
    assert_int_equal(attendance_classify(recs, 3, START, END, ended), ATTENDANCE_ATTENDED);
    /* but leaving well before that end still is */
    struct attendance_record before[] = {R(ATT_JOINED, START), R(ATT_ADMITTED, START),
                                         R(ATT_LEFT, START + 5 * MIN)};
    assert_int_equal(attendance_classify(before, 3, START, END, ended), ATTENDANCE_LEFT_EARLY);
    /* an end after the scheduled one changes nothing */
    assert_int_equal(attendance_classify(before, 3, START, END, END + 30 * MIN),
                     ATTENDANCE_LEFT_EARLY);
}

static void two_no_shows_in_a_row_nudge(void **state)
{
    (void)state;
    enum attendance_status one[] = {ATTENDANCE_ATTENDED, ATTENDANCE_NO_SHOW};
    assert_int_equal(attendance_missed_in_a_row(one, 2), 1);
    assert_false(attendance_nudge(one, 2));
    enum attendance_status two[] = {ATTENDANCE_ATTENDED, ATTENDANCE_NO_SHOW, ATTENDANCE_NO_SHOW};
    assert_int_equal(attendance_missed_in_a_row(two, 3), 2);
    assert_true(attendance_nudge(two, 3));
    /* two, but not the latest: they came since */
    enum attendance_status since[] = {ATTENDANCE_NO_SHOW, ATTENDANCE_NO_SHOW, ATTENDANCE_LATE};
    assert_int_equal(attendance_missed_in_a_row(since, 3), 0);
    assert_false(attendance_nudge(since, 3));
    /* a left-early between them breaks the run */
    enum attendance_status broken[] = {ATTENDANCE_NO_SHOW, ATTENDANCE_LEFT_EARLY,
                                       ATTENDANCE_NO_SHOW};
    assert_false(attendance_nudge(broken, 3));
    enum attendance_status three[] = {ATTENDANCE_NO_SHOW, ATTENDANCE_NO_SHOW, ATTENDANCE_NO_SHOW};
    assert_int_equal(attendance_missed_in_a_row(three, 3), 3);
    assert_true(attendance_nudge(three, 3));
    assert_false(attendance_nudge(NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_and_events),
        cmocka_unit_test(on_time_and_late_at_the_edge),
        cmocka_unit_test(left_early_at_the_edge),
        cmocka_unit_test(rejoin_is_not_leaving),
        cmocka_unit_test(no_show_in_each_way),
        cmocka_unit_test(ended_early_for_everyone_is_not_leaving_early),
        cmocka_unit_test(two_no_shows_in_a_row_nudge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

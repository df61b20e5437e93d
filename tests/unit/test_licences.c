/* Licences: civil dates, licensed directly on and after the expiry day, through a compact
 * (a member, a home licence, the compact's own dates at their edges), occurrences flagged,
 * and the 60- and 14-day reminders at their edges, never both, none after expiry. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "practice/licences.h"

static int32_t day(const char *text)
{
    int32_t d = -1;
    assert_int_equal(civil_date_parse(text, &d), 0);
    return d;
}

static void civil_dates(void **state)
{
    (void)state;
    assert_int_equal(day("1970-01-01"), 0);
    assert_int_equal(day("1970-01-02"), 1);
    assert_int_equal(day("1969-12-31"), -1);
    assert_int_equal(day("2000-03-01") - day("2000-02-28"), 2); /* 2000 is leap */
    assert_int_equal(day("2100-03-01") - day("2100-02-28"), 1); /* 2100 is not */
    assert_int_equal(day("2027-01-01") - day("2026-01-01"), 365);
    assert_int_equal(day("2028-12-31") - day("2028-01-01"), 365); /* leap year */

    char out[CIVIL_DATE_LEN];
    civil_date_format(day("2024-02-29"), out);
    assert_string_equal(out, "2024-02-29");
    civil_date_format(0, out);
    assert_string_equal(out, "1970-01-01");
    civil_date_format(day("2026-12-31") + 1, out);
    assert_string_equal(out, "2027-01-01");

    static const char *const bad[] = {
        "2026-02-29", "2100-02-29", "2026-13-01",  "2026-00-10", "2026-04-31",
        "2026-01-00", "2026-1-01",  "26-01-01",    "2026/01/01", "2026-01-01T00:00",
        "",           "2026-01-0a", " 2026-01-01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t d = 77;
        assert_int_equal(civil_date_parse(bad[i], &d), -EINVAL);
        assert_int_equal(d, 77);
    }
    int32_t d = 77;
    assert_int_equal(civil_date_parse(NULL, &d), -EINVAL);
    /* from its parts */
    assert_int_equal(civil_date_make(2028, 2, 29, &d), 0);
    assert_int_equal(d, day("2028-02-29"));
    d = 77;
    assert_int_equal(civil_date_make(2027, 2, 29, &d), -EINVAL);
    assert_int_equal(civil_date_make(2027, 12, 32, &d), -EINVAL);
    assert_int_equal(civil_date_make(10000, 1, 1, &d), -EINVAL);
    assert_int_equal(civil_date_make(-1, 1, 1, &d), -EINVAL);
    assert_int_equal(d, 77);
}

static void licensed_directly_through_the_expiry_day(void **state)
{
    (void)state;
    const struct licence mine[] = {
        {"US-CA", "Psychologist", "PSY 12345", day("2027-03-31")},
        {"GB", "Practitioner psychologist", "PYL01234", day("2026-06-30")},
    };
    size_t which = 99;
    assert_int_equal(licensed_in(mine, 2, NULL, 0, "US-CA", day("2027-03-31"), &which),
                     LICENCE_DIRECT);
    assert_int_equal(which, 0);
    /* the day after the expiry: not licensed, and which is left alone */
    which = 99;
    assert_int_equal(licensed_in(mine, 2, NULL, 0, "US-CA", day("2027-04-01"), &which),
                     LICENCE_NOT_COVERED);
    assert_int_equal(which, 99);
    assert_int_equal(licensed_in(mine, 2, NULL, 0, "GB", day("2026-01-15"), &which),
                     LICENCE_DIRECT);
    assert_int_equal(which, 1);
    /* elsewhere */
    assert_int_equal(licensed_in(mine, 2, NULL, 0, "US-NV", day("2026-01-15"), NULL),
                     LICENCE_NOT_COVERED);
    assert_int_equal(licensed_in(mine, 2, NULL, 0, "US", day("2026-01-15"), NULL),
                     LICENCE_NOT_COVERED);
    assert_int_equal(licensed_in(NULL, 0, NULL, 0, "US-CA", day("2026-01-15"), NULL),
                     LICENCE_NOT_COVERED);
    /* a renewed licence next to the lapsed one */
    const struct licence renewed[] = {
        {"US-NY", "LCSW", "1", day("2025-12-31")},
        {"US-NY", "LCSW", "1", day("2027-12-31")},
    };
    assert_int_equal(licensed_in(renewed, 2, NULL, 0, "US-NY", day("2026-05-01"), &which),
                     LICENCE_DIRECT);
    assert_int_equal(which, 1);
}

static const char *const psypact_members[] = {"US-AZ", "US-CO", "US-NV", "US-TX"};

static void licensed_through_a_compact(void **state)
{
    (void)state;
    const struct licence_compact compacts[] = {
        {"PSYPACT", psypact_members, 4, day("2026-01-01"), LICENCE_OPEN_END},
    };
    const struct licence home_az[] = {{"US-AZ", "Psychologist", "PSY-1", day("2027-06-30")}};
    size_t which = 99;
    /* a member, with a home licence in another member */
    assert_int_equal(licensed_in(home_az, 1, compacts, 1, "US-NV", day("2026-03-01"), &which),
                     LICENCE_THROUGH_COMPACT);
    assert_int_equal(which, 0);
    /* the home state itself is direct, not through the compact */
    assert_int_equal(licensed_in(home_az, 1, compacts, 1, "US-AZ", day("2026-03-01"), &which),
                     LICENCE_DIRECT);
    /* not a member */
    assert_int_equal(licensed_in(home_az, 1, compacts, 1, "US-CA", day("2026-03-01"), NULL),
                     LICENCE_NOT_COVERED);
    /* the day before the practice relies on it, and its first day */
    assert_int_equal(licensed_in(home_az, 1, compacts, 1, "US-NV", day("2025-12-31"), NULL),
                     LICENCE_NOT_COVERED);
    assert_int_equal(licensed_in(home_az, 1, compacts, 1, "US-NV", day("2026-01-01"), NULL),
                     LICENCE_THROUGH_COMPACT);
    /* the home licence lapsed: the compact gives nothing */
    assert_int_equal(licensed_in(home_az, 1, compacts, 1, "US-NV", day("2027-06-30"), NULL),
                     LICENCE_THROUGH_COMPACT);
    assert_int_equal(licensed_in(home_az, 1, compacts, 1, "US-NV", day("2027-07-01"), NULL),
                     LICENCE_NOT_COVERED);
    /* a lapsed licence where the client is does not stand in the compact's way */
    const struct licence lapsed_nv[] = {
        {"US-NV", "Psychologist", "PSY-9", day("2025-12-31")},
        {"US-AZ", "Psychologist", "PSY-1", day("2027-06-30")},
    };
    assert_int_equal(licensed_in(lapsed_nv, 2, compacts, 1, "US-NV", day("2026-03-01"), &which),
                     LICENCE_THROUGH_COMPACT);
    assert_int_equal(which, 0);
    /* a home licence outside the compact gives nothing */
    const struct licence home_ca[] = {{"US-CA", "Psychologist", "PSY-2", day("2030-01-01")}};
    assert_int_equal(licensed_in(home_ca, 1, compacts, 1, "US-NV", day("2026-03-01"), NULL),
                     LICENCE_NOT_COVERED);
    /* an ended compact: covered through its last day, not after */
    const struct licence_compact ended[] = {
        {"OTHER", psypact_members, 2, day("2025-01-01"), LICENCE_OPEN_END},
        {"PSYPACT", psypact_members, 4, day("2026-01-01"), day("2026-08-31")},
    };
    assert_int_equal(licensed_in(home_az, 1, ended, 2, "US-TX", day("2026-08-31"), &which),
                     LICENCE_THROUGH_COMPACT);
    assert_int_equal(which, 1); /* TX is not in the first's two members */
    assert_int_equal(licensed_in(home_az, 1, ended, 2, "US-TX", day("2026-09-01"), NULL),
                     LICENCE_NOT_COVERED);
    /* CO is in the first, which has no end */
    assert_int_equal(licensed_in(home_az, 1, ended, 2, "US-CO", day("2026-09-01"), &which),
                     LICENCE_THROUGH_COMPACT);
    assert_int_equal(which, 0);
}

static void occurrences_flagged(void **state)
{
    (void)state;
    const struct licence_compact compacts[] = {
        {"PSYPACT", psypact_members, 4, day("2026-01-01"), LICENCE_OPEN_END},
    };
    const struct licence mine[] = {{"US-AZ", "Psychologist", "PSY-1", day("2026-12-31")}};
    assert_false(licence_occurrence_flagged(mine, 1, compacts, 1, "US-AZ", day("2026-12-31")));
    assert_true(licence_occurrence_flagged(mine, 1, compacts, 1, "US-AZ", day("2027-01-01")));
    assert_false(licence_occurrence_flagged(mine, 1, compacts, 1, "US-TX", day("2026-05-05")));
    assert_true(licence_occurrence_flagged(mine, 1, compacts, 1, "US-TX", day("2027-01-01")));
    assert_true(licence_occurrence_flagged(mine, 1, compacts, 1, "GB", day("2026-05-05")));
    /* the client did not say where they were */
    assert_true(licence_occurrence_flagged(mine, 1, compacts, 1, NULL, day("2026-05-05")));
    assert_true(licence_occurrence_flagged(mine, 1, compacts, 1, "", day("2026-05-05")));
}

static void reminders_at_60_and_14_days(void **state)
{
    (void)state;
    const int32_t exp = day("2026-09-30");
    /* 61 days before: nothing yet; exactly 60: the first */
    assert_int_equal(licence_reminder_due(exp, exp - 61, 0), LICENCE_REMIND_NONE);
    assert_int_equal(licence_reminder_due(exp, exp - 60, 0), LICENCE_REMIND_60);
    assert_int_equal(day("2026-09-30") - day("2026-08-01"), 60);
    assert_int_equal(licence_reminder_due(exp, day("2026-08-01"), 0), LICENCE_REMIND_60);
    /* sent: not again */
    assert_int_equal(licence_reminder_due(exp, exp - 59, LICENCE_SENT_60), LICENCE_REMIND_NONE);
    assert_int_equal(licence_reminder_due(exp, exp - 15, LICENCE_SENT_60), LICENCE_REMIND_NONE);
    /* missed (the server was down): still due later, up to 15 days before */
    assert_int_equal(licence_reminder_due(exp, exp - 15, 0), LICENCE_REMIND_60);
    /* exactly 14: the second */
    assert_int_equal(licence_reminder_due(exp, exp - 14, LICENCE_SENT_60), LICENCE_REMIND_14);
    /* never both: the 60-day one never went, at 14 only the 14-day one */
    assert_int_equal(licence_reminder_due(exp, exp - 14, 0), LICENCE_REMIND_14);
    assert_int_equal(licence_reminder_due(exp, exp - 3, LICENCE_SENT_14), LICENCE_REMIND_NONE);
    assert_int_equal(licence_reminder_due(exp, exp - 3, LICENCE_SENT_60 | LICENCE_SENT_14),
                     LICENCE_REMIND_NONE);
    /* the expiry day itself: still valid, a missed 14-day reminder goes */
    assert_int_equal(licence_reminder_due(exp, exp, LICENCE_SENT_60), LICENCE_REMIND_14);
    /* after the expiry: none */
    assert_int_equal(licence_reminder_due(exp, exp + 1, 0), LICENCE_REMIND_NONE);
    assert_int_equal(licence_reminder_due(exp, exp + 1, LICENCE_SENT_60), LICENCE_REMIND_NONE);
    assert_int_equal(licence_reminder_due(exp, exp + 400, 0), LICENCE_REMIND_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(civil_dates),
        cmocka_unit_test(licensed_directly_through_the_expiry_day),
        cmocka_unit_test(licensed_through_a_compact),
        cmocka_unit_test(occurrences_flagged),
        cmocka_unit_test(reminders_at_60_and_14_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

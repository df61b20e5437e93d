/* The retention rule: a held record goes at the first midnight (UTC) after the same date
 * retention_years later, never a moment before; 29 February; and the purge's cutoff agrees
 * with the rule for every record date around it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "practice/retention.h"

#define DAY INT64_C(86400000)
/* 2019-03-14T09:30:00Z, 2020-02-29T00:00:00Z, 2027-03-01T00:00:00Z (as ms) */
#define MAR_14_2019_0930 INT64_C(1552555800000)
#define FEB_29_2020 INT64_C(1582934400000)
#define MAR_01_2027 INT64_C(1803859200000)

static void a_hold_ends_at_midnight_after_the_same_date_years_later(void **state)
{
    (void)state;
    /* 2026-03-14 is day 20526: the hold ends as 2026-03-15 begins */
    int64_t end = INT64_C(20527) * DAY;
    assert_int_equal(retention_held_until(MAR_14_2019_0930, 7), end);
    assert_false(retention_due(MAR_14_2019_0930, 7, end - 1));
    assert_true(retention_due(MAR_14_2019_0930, 7, end));
    /* the first and the last moment of a day are held the same */
    int64_t midnight = MAR_14_2019_0930 - (9 * 3600 + 1800) * INT64_C(1000);
    assert_int_equal(retention_held_until(midnight, 7), end);
    assert_int_equal(retention_held_until(midnight + DAY - 1, 7), end);
    assert_int_equal(retention_held_until(midnight + DAY, 7), end + DAY);
    /* no retention at all: gone the next day */
    assert_int_equal(retention_held_until(midnight, 0), midnight + DAY);
}

static void the_29th_of_february_counts_as_the_28th_in_a_common_year(void **state)
{
    (void)state;
    /* 2020-02-29 + 7 years: 2027-02-28, held until 2027-03-01 begins */
    assert_int_equal(retention_held_until(FEB_29_2020, 7), MAR_01_2027);
    assert_int_equal(retention_held_until(FEB_29_2020 - DAY, 7), MAR_01_2027); /* the 28th */
    assert_int_equal(retention_held_until(FEB_29_2020 + DAY, 7), MAR_01_2027 + DAY);
    /* 4 years later is a leap year: the 29th stays the 29th (2024-03-01 begins) */
    assert_int_equal(retention_held_until(FEB_29_2020, 4), MAR_01_2027 - INT64_C(1095) * DAY);
}

/* The purge deletes rows dated before retention_cutoff(now): that is the rule itself, for
 * every record date in a span around the cutoff and "now" at many times of many days
 * (29 February ones among them). */
static void the_cutoff_agrees_with_the_rule_around_it(void **state)
{
    (void)state;
    static const int years[] = {0, 1, 4, 7, 10};
    for (size_t y = 0; y < sizeof years / sizeof years[0]; y++)
        for (int64_t day = 0; day < 3 * 366; day += 1) {
            int64_t now = FEB_29_2020 + INT64_C(5) * 366 * DAY + day * DAY + (day % 7) * 3600000;
            int64_t cut = retention_cutoff(now, years[y]);
            for (int64_t t = cut - 3 * DAY; t < cut + 3 * DAY; t += DAY / 4) {
                assert_int_equal(retention_due(t, years[y], now), t < cut);
                assert_int_equal(retention_due(t + DAY / 4 - 1, years[y], now),
                                 t + DAY / 4 - 1 < cut);
            }
            assert_true(retention_due(cut - 1, years[y], now));
            assert_false(retention_due(cut, years[y], now));
        }
}

static void times_before_1970_work_too(void **state)
{
    (void)state;
    /* 1969-12-31T23:00Z is on 31 December: held until 1971-01-01 begins */
    assert_int_equal(retention_held_until(-3600000, 1), INT64_C(365) * DAY);
    assert_true(retention_due(-3600000, 1, INT64_C(365) * DAY));
    assert_false(retention_due(-3600000, 1, INT64_C(365) * DAY - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_hold_ends_at_midnight_after_the_same_date_years_later),
        cmocka_unit_test(the_29th_of_february_counts_as_the_28th_in_a_common_year),
        cmocka_unit_test(the_cutoff_agrees_with_the_rule_around_it),
        cmocka_unit_test(times_before_1970_work_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

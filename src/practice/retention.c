/* retention: the rule of when a held record may go (retention.h). */
#include "practice/retention.h"

#include <assert.h>

#define DAY_MS INT64_C(86400000)

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (the usual era
 * arithmetic: 400-year eras of 146097 days, years starting in March). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = era * 400 + yoe + (*m <= 2);
}

static int leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The day `years` after day z, 29 February becoming 28 February in a common year. */
static int64_t same_date_later(int64_t z, int years)
{
    int64_t y;
    int m, d;
    civil_from_days(z, &y, &m, &d);
    y += years;
    if (m == 2 && d == 29 && !leap(y))
        d = 28;
    return days_from_civil(y, m, d);
}

int64_t retention_held_until(int64_t record_ms, int years)
{
    assert(years >= 0 && years <= RETENTION_YEARS_MAX);
    int64_t day = floor_div(record_ms, DAY_MS);
    return (same_date_later(day, years) + 1) * DAY_MS;
}

int retention_due(int64_t record_ms, int years, int64_t now_ms)
{
    return now_ms >= retention_held_until(record_ms, years);
}

/* held_until(t) <= now exactly when same_date_later(day(t)) < day(now). same_date_later
 * never decreases, so the due days are those before the first day D with
 * same_date_later(D) >= day(now): the same date `years` earlier, or, for 29 February when
 * that year has none, 1 March (28 February of that year still maps before it). */
int64_t retention_cutoff(int64_t now_ms, int years)
{
    assert(years >= 0 && years <= RETENTION_YEARS_MAX);
    int64_t today = floor_div(now_ms, DAY_MS);
    int64_t y;
    int m, d;
    civil_from_days(today, &y, &m, &d);
    y -= years;
    int64_t first;
    if (m == 2 && d == 29 && !leap(y))
        first = days_from_civil(y, 3, 1);
    else
        first = days_from_civil(y, m, d);
    return first * DAY_MS;
}

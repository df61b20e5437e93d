/* retention: the rule of when a held record may go (retention.h). */
#include "practice/retention.h"

#include <assert.h>

#include "core/calendar.h"

#define DAY_MS INT64_C(86400000)

/* The day `years` after day z, 29 February becoming 28 February in a common year. */
static int64_t same_date_later(int64_t z, int years)
{
    int64_t y;
    int m, d;
    calendar_civil_from_days(z, &y, &m, &d);
    y += years;
    if (m == 2 && d == 29 && !calendar_is_leap(y))
        d = 28;
    return calendar_days_from_civil(y, m, d);
}

int64_t retention_held_until(int64_t record_ms, int years)
{
    assert(years >= 0 && years <= RETENTION_YEARS_MAX);
    int64_t day = calendar_floor_div(record_ms, DAY_MS);
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
    int64_t today = calendar_floor_div(now_ms, DAY_MS);
    int64_t y;
    int m, d;
    calendar_civil_from_days(today, &y, &m, &d);
    y -= years;
    int64_t first;
    if (m == 2 && d == 29 && !calendar_is_leap(y))
        first = calendar_days_from_civil(y, 3, 1);
    else
        first = calendar_days_from_civil(y, m, d);
    return first * DAY_MS;
}

#include "practice/schedule.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libical/ical.h>

#include "core/calendar.h"
#include "core/tz.h"

#define DAY_S 86400

/* Fills the date part of *l from a day number (0 = 1970-01-01). */
static void civil_from_days(int64_t z, struct sched_local *l)
{
    int64_t year;
    calendar_civil_from_days(z, &year, &l->month, &l->day);
    l->year = (int)year;
}

/* Seconds since the epoch read as wall time "in UTC": a local time's position on a line
 * without zone, which minus the zone's offset is the instant. */
static int64_t naive_from_local(const struct sched_local *l)
{
    return calendar_days_from_civil(l->year, l->month, l->day) * DAY_S + l->hour * 3600 +
           l->minute * 60 + l->second;
}

static void local_from_naive(int64_t s, struct sched_local *l)
{
    int64_t days = calendar_floor_div(s, DAY_S);
    int64_t sod = s - days * DAY_S;
    civil_from_days(days, l);
    l->hour = (int)(sod / 3600);
    l->minute = (int)(sod / 60 % 60);
    l->second = (int)(sod % 60);
}

static int date_time_valid(int64_t y, int mo, int d, int h, int mi, int s)
{
    return mo >= 1 && mo <= 12 && d >= 1 && d <= calendar_days_in_month(y, mo) && h >= 0 &&
           h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}

static int local_valid(const struct sched_local *l)
{
    return l->year >= SCHED_YEAR_MIN && l->year <= SCHED_YEAR_MAX &&
           date_time_valid(l->year, l->month, l->day, l->hour, l->minute, l->second);
}

/* Instants whose UTC year is within SCHED_YEAR_MIN..SCHED_YEAR_MAX. Compared in ms so that a
 * huge argument cannot overflow anything. */
static int instant_valid(int64_t utc_ms)
{
    int64_t lo = calendar_days_from_civil(SCHED_YEAR_MIN, 1, 1) * DAY_S * 1000;
    int64_t hi = calendar_days_from_civil(SCHED_YEAR_MAX + 1, 1, 1) * DAY_S * 1000;
    return utc_ms >= lo && utc_ms < hi;
}

/* ---- zones ---- */

/* The zone's UTC offset in seconds at an instant (whole seconds since the epoch). */
static int offset_at(icaltimezone *z, int64_t utc_s)
{
    struct sched_local l;
    local_from_naive(utc_s, &l);
    struct icaltimetype t = icaltime_null_time();
    t.year = l.year;
    t.month = l.month;
    t.day = l.day;
    t.hour = l.hour;
    t.minute = l.minute;
    t.second = l.second;
    t.zone = icaltimezone_get_utc_timezone();
    return icaltimezone_get_utc_offset_of_utc_time(z, &t, NULL);
}

/* Wall time → instant in seconds. The rule for the two odd cases is RFC 5545's (3.3.5), so
 * invitations mean the same to calendar programs: a time in the spring gap is read with the
 * offset from before the gap, which lands after it (02:30 Berlin → 01:30Z = 03:30 CEST), and
 * a time that happens twice is its first occurrence. libical's own
 * icaltime_as_timet_with_zone does neither: it reads a gap time with the offset from after
 * the gap (02:30 → 00:30Z = 01:30 CET, an hour early) and takes the second, standard-time
 * occurrence of an autumn time. So solve it here: an instant u is a reading of the
 * wall time L when u + offset(u) == L. Offsets change at most once within a day either side
 * (true of every zone in use), so the only candidate offsets are the one before (a day
 * earlier) and the one after (a day later).
 *  - ordinary time: exactly one candidate fits;
 *  - autumn overlap: both fit, and L - before is the earlier (before > after);
 *  - spring gap: neither fits, and L - before read with the new offset is L + gap, which is
 *    "moved forward by the gap". */
static int64_t utc_s_from_local(icaltimezone *z, const struct sched_local *l)
{
    int64_t naive = naive_from_local(l);
    int before = offset_at(z, naive - DAY_S);
    int after = offset_at(z, naive + DAY_S);
    if (offset_at(z, naive - before) == before)
        return naive - before;
    if (offset_at(z, naive - after) == after)
        return naive - after;
    return naive - before;
}

int sched_local_from_utc(const char *tz, int64_t utc_ms, struct sched_local *out)
{
    icaltimezone *z = tz_ical_zone(tz);
    if (!z || !out || !instant_valid(utc_ms))
        return -EINVAL;
    int64_t s = calendar_floor_div(utc_ms, 1000);
    local_from_naive(s + offset_at(z, s), out);
    return 0;
}

int sched_civil_day(const char *tz, int64_t utc_ms, int32_t *day)
{
    struct sched_local local;
    if (sched_local_from_utc(tz, utc_ms, &local) < 0)
        return -EINVAL;
    *day = (int32_t)calendar_days_from_civil(local.year, local.month, local.day);
    return 0;
}

int sched_utc_from_local(const char *tz, const struct sched_local *local, int64_t *utc_ms)
{
    icaltimezone *z = tz_ical_zone(tz);
    if (!z || !local || !utc_ms || !local_valid(local))
        return -EINVAL;
    *utc_ms = utc_s_from_local(z, local) * 1000;
    return 0;
}

/* ---- RFC 3339 ---- */

/* Exactly n ASCII digits. */
static int parse_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int sched_parse_rfc3339(const char *s, int64_t *utc_ms)
{
    if (!s || !utc_ms)
        return -EINVAL;
    int y, mo, d, h, mi, sec;
    /* YYYY-MM-DDTHH:MM:SS is 19 bytes; strnlen keeps the fixed-position reads below in bounds */
    if (strnlen(s, 19) < 19 || parse_digits(s, 4, &y) || s[4] != '-' ||
        parse_digits(s + 5, 2, &mo) || s[7] != '-' || parse_digits(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != 't') || parse_digits(s + 11, 2, &h) || s[13] != ':' ||
        parse_digits(s + 14, 2, &mi) || s[16] != ':' || parse_digits(s + 17, 2, &sec))
        return -EINVAL;
    if (!date_time_valid(y, mo, d, h, mi, sec))
        return -EINVAL;
    const char *p = s + 19;
    int frac_ms = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++) {
            if (n >= 9)
                return -EINVAL;
            if (n < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
        }
        if (n == 0)
            return -EINVAL;
        for (; n < 3; n++)
            frac_ms *= 10;
    }
    int offset_s;
    if (*p == 'Z' || *p == 'z') {
        offset_s = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (strnlen(p, 6) < 6 || parse_digits(p + 1, 2, &oh) || p[3] != ':' ||
            parse_digits(p + 4, 2, &om))
            return -EINVAL;
        if (om > 59 || oh * 60 + om > 14 * 60)
            return -EINVAL;
        offset_s = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -EINVAL;
    }
    if (*p != '\0')
        return -EINVAL;
    struct sched_local l = {y, mo, d, h, mi, sec};
    int64_t utc_s = naive_from_local(&l) - offset_s;
    /* the instant itself must lie in the years the rest of the module handles, so what is
     * accepted here can always be written back (sched_format_rfc3339_utc) and read again */
    static const struct sched_local first = {SCHED_YEAR_MIN, 1, 1, 0, 0, 0};
    static const struct sched_local after = {SCHED_YEAR_MAX + 1, 1, 1, 0, 0, 0};
    if (utc_s < naive_from_local(&first) || utc_s >= naive_from_local(&after))
        return -EINVAL;
    *utc_ms = utc_s * 1000 + frac_ms;
    return 0;
}

void sched_format_rfc3339_utc(int64_t utc_ms, char out[32])
{
    struct sched_local l;
    local_from_naive(calendar_floor_div(utc_ms, 1000), &l);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", l.year, l.month, l.day, l.hour, l.minute,
             l.second);
}

int sched_format_rfc3339_local(const char *tz, int64_t utc_ms, char out[40])
{
    icaltimezone *z = tz_ical_zone(tz);
    if (!z || !out || !instant_valid(utc_ms))
        return -EINVAL;
    int64_t s = calendar_floor_div(utc_ms, 1000);
    int off = offset_at(z, s);
    if (off % 60 != 0) {
        sched_format_rfc3339_utc(utc_ms, out);
        return 0;
    }
    struct sched_local l;
    local_from_naive(s + off, &l);
    int a = off < 0 ? -off : off;
    snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", l.year, l.month, l.day, l.hour,
             l.minute, l.second, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    return 0;
}

/* ---- recurrence ---- */

int sched_expand(const struct sched_rule *rule, int64_t *starts_utc, int max)
{
    if (!rule || max < 0 || (max > 0 && !starts_utc))
        return -EINVAL;
    icaltimezone *z = tz_ical_zone(rule->tz);
    if (!z || !local_valid(&rule->first))
        return -EINVAL;
    int64_t first_s = utc_s_from_local(z, &rule->first);
    if (rule->freq == SCHED_ONCE) {
        if (max == 0)
            return 0;
        starts_utc[0] = first_s * 1000;
        return 1;
    }
    if (rule->freq != SCHED_WEEKLY || (rule->interval != 1 && rule->interval != 2) ||
        rule->count < 0 || rule->count > SCHED_MAX_OCCURRENCES ||
        (rule->count > 0) == (rule->until_utc != 0) ||
        (rule->count == 0 && rule->until_utc < first_s * 1000))
        return -EINVAL;

    /* Step over local dates and convert each: the wall time is what stays fixed. */
    int64_t day0 = calendar_days_from_civil(rule->first.year, rule->first.month, rule->first.day);
    int n = 0;
    for (int k = 0; rule->count == 0 || k < rule->count; k++) {
        struct sched_local l = rule->first;
        civil_from_days(day0 + (int64_t)7 * rule->interval * k, &l);
        if (l.year > SCHED_YEAR_MAX)
            return -EINVAL;
        int64_t start_ms = utc_s_from_local(z, &l) * 1000;
        if (rule->count == 0 && start_ms > rule->until_utc)
            break;
        if (k == SCHED_MAX_OCCURRENCES) /* reached only with until */
            return -E2BIG;
        if (n < max)
            starts_utc[n++] = start_ms;
    }
    return n;
}

void sched_rrule_string(const struct sched_rule *rule, char out[128])
{
    out[0] = '\0';
    if (!rule || rule->freq != SCHED_WEEKLY || sched_expand(rule, NULL, 0) < 0)
        return;
    if (rule->count > 0) {
        snprintf(out, 128, "FREQ=WEEKLY;INTERVAL=%d;COUNT=%d", rule->interval, rule->count);
        return;
    }
    /* Whole seconds rounding down keeps "at or before until" exact: occurrences start on
     * whole seconds. */
    struct sched_local u;
    local_from_naive(calendar_floor_div(rule->until_utc, 1000), &u);
    snprintf(out, 128, "FREQ=WEEKLY;INTERVAL=%d;UNTIL=%04d%02d%02dT%02d%02d%02dZ", rule->interval,
             u.year, u.month, u.day, u.hour, u.minute, u.second);
}

/* ---- for people ---- */

int sched_format_human(const char *tz, int64_t utc_ms, char out[64])
{
    static const char *const weekdays[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                            "Thursday", "Friday", "Saturday"};
    static const char *const months[12] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
    struct sched_local l;
    if (!out || sched_local_from_utc(tz, utc_ms, &l) < 0)
        return -EINVAL;
    int64_t days = calendar_days_from_civil(l.year, l.month, l.day);
    int wd = (int)(days + 4 - calendar_floor_div(days + 4, 7) * 7); /* 1970-01-01 was a Thursday */
    snprintf(out, 64, "%s %d %s %d, %02d:%02d", weekdays[wd], l.day, months[l.month - 1], l.year,
             l.hour, l.minute);
    return 0;
}

int sched_overlaps(int64_t a_start, int64_t a_end, int64_t b_start, int64_t b_end)
{
    return a_start < a_end && b_start < b_end && a_start < b_end && b_start < a_end;
}

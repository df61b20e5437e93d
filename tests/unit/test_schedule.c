/* schedule: zones, RFC 3339, wall time ↔ UTC across DST (gaps and overlaps), weekly series,
 * RRULE strings, human dates, overlaps. Expected instants were worked out independently with
 * `TZ=<zone> date -d ...` (GNU date over the system tz database), not with this code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include <libical/ical.h>

#include "core/tz.h"
#include "practice/schedule.h"

#define BERLIN "Europe/Berlin"
#define NEW_YORK "America/New_York"

static void assert_utc(int64_t ms, const char *want)
{
    char s[32];
    sched_format_rfc3339_utc(ms, s);
    assert_string_equal(s, want);
}

static void assert_local(const char *tz, int64_t ms, const char *want)
{
    char s[40];
    assert_int_equal(sched_format_rfc3339_local(tz, ms, s), 0);
    assert_string_equal(s, want);
}

static int64_t from_local(const char *tz, int y, int mo, int d, int h, int mi)
{
    struct sched_local l = {y, mo, d, h, mi, 0};
    int64_t ms = 0;
    assert_int_equal(sched_utc_from_local(tz, &l, &ms), 0);
    return ms;
}

static void zones(void **state)
{
    assert_true(tz_valid(BERLIN));
    assert_true(tz_valid(NEW_YORK));
    assert_true(tz_valid("UTC"));
    assert_true(tz_valid("America/Argentina/Buenos_Aires"));
    assert_true(tz_valid("America/Port-au-Prince"));
    assert_true(tz_valid("Etc/GMT+5"));
    assert_true(tz_valid("US/Eastern")); /* not in zone.tab; libical loads the file */
    assert_false(tz_valid("Mars/Olympus"));
    assert_false(tz_valid(""));
    assert_false(tz_valid(NULL));
    assert_false(tz_valid("../etc/passwd"));
    assert_false(tz_valid("../../../../etc/passwd"));
    assert_false(tz_valid("/etc/localtime"));
    assert_false(tz_valid("Europe/Berlin/x"));
    assert_false(tz_valid("Europe/../Europe/Berlin"));
    assert_false(tz_valid("Europe//Berlin"));
    assert_false(tz_valid("Europe/Berlin/"));
    assert_false(tz_valid("europe/berlin"));
    assert_false(tz_valid("Europe"));     /* a directory */
    assert_false(tz_valid("posixrules")); /* files of the database, not zones */
    assert_false(tz_valid("zone.tab"));
    assert_false(tz_valid("Europe/Berlin "));
    char longname[200];
    memset(longname, 'A', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(tz_valid(longname));

    struct sched_local l;
    assert_int_equal(sched_local_from_utc("Mars/Olympus", 0, &l), -EINVAL);
    int64_t ms;
    struct sched_local noon = {2026, 3, 20, 12, 0, 0};
    assert_int_equal(sched_utc_from_local("../etc/passwd", &noon, &ms), -EINVAL);
    char out[64];
    assert_int_equal(sched_format_human("", 0, out), -EINVAL);
}

static void rfc3339_good(void **state)
{
    int64_t ms = 0;
    assert_int_equal(sched_parse_rfc3339("2026-03-20T17:00:00Z", &ms), 0);
    assert_true(ms == 1774026000000);
    assert_int_equal(sched_parse_rfc3339("2026-03-20T18:00:00+01:00", &ms), 0);
    assert_true(ms == 1774026000000);
    assert_int_equal(sched_parse_rfc3339("2026-03-20T12:00:00-05:00", &ms), 0);
    assert_true(ms == 1774026000000);
    assert_int_equal(sched_parse_rfc3339("2026-03-21T07:00:00+14:00", &ms), 0);
    assert_true(ms == 1774026000000);
    assert_int_equal(sched_parse_rfc3339("2026-03-20T03:00:00-14:00", &ms), 0);
    assert_true(ms == 1774026000000);
    assert_int_equal(sched_parse_rfc3339("2026-03-20T22:30:00+05:30", &ms), 0);
    assert_true(ms == 1774026000000);
    assert_int_equal(sched_parse_rfc3339("2026-03-20T17:00:00-00:00", &ms), 0);
    assert_true(ms == 1774026000000);
    /* fractional seconds: kept to the millisecond, rounding down */
    assert_int_equal(sched_parse_rfc3339("2026-03-20T17:00:00.5Z", &ms), 0);
    assert_true(ms == 1774026000500);
    assert_int_equal(sched_parse_rfc3339("2026-03-20T17:00:00.123456789Z", &ms), 0);
    assert_true(ms == 1774026000123);
    assert_int_equal(sched_parse_rfc3339("2026-03-20T18:00:00.25+01:00", &ms), 0);
    assert_true(ms == 1774026000250);
    assert_int_equal(sched_parse_rfc3339("2026-03-20t17:00:00.999z", &ms), 0); /* RFC 3339 5.6 */
    assert_true(ms == 1774026000999);
    assert_int_equal(sched_parse_rfc3339("2024-02-29T00:00:00Z", &ms), 0); /* leap year */
    assert_true(ms == 1709164800000);
    assert_int_equal(sched_parse_rfc3339("2000-02-29T00:00:00Z", &ms), 0); /* 400-year rule */
    assert_int_equal(sched_parse_rfc3339("1970-01-01T00:00:00Z", &ms), 0);
    assert_true(ms == 0);
    assert_int_equal(sched_parse_rfc3339("1969-12-31T23:59:59.999Z", &ms), 0);
    assert_true(ms == -1);
    assert_int_equal(sched_parse_rfc3339("2026-12-31T23:59:59Z", &ms), 0);
    assert_true(ms == 1798761599000);
    /* the first and the last instant of the years handled */
    assert_int_equal(sched_parse_rfc3339("1900-01-01T00:00:00Z", &ms), 0);
    assert_int_equal(sched_parse_rfc3339("2500-12-31T23:59:59.999Z", &ms), 0);
}

static void rfc3339_bad(void **state)
{
    static const char *const bad[] = {
        "2026-03-20T17:00:00",             /* no offset */
        "2026-13-20T17:00:00Z",            /* month 13 */
        "2026-00-20T17:00:00Z",            /* month 0 */
        "2026-04-31T17:00:00Z",            /* 31 April */
        "2027-02-29T17:00:00Z",            /* 2027 is no leap year */
        "1900-02-29T17:00:00Z",            /* nor 1900 */
        "2026-03-00T17:00:00Z",            /* day 0 */
        "2026-03-20T24:00:00Z",            /* hour 24 */
        "2026-03-20T17:60:00Z",            /* minute 60 */
        "2026-03-20T17:00:60Z",            /* no leap seconds */
        "garbage",                         /* not a date */
        "",                                /* empty */
        "2026-03-20T17:00:00Zjunk",        /* trailing junk */
        "2026-03-20T17:00:00Z ",           /* trailing space */
        "2026-03-20T17:00:00+01:00x",      /* junk after an offset */
        "2026-03-20T17:00:00+15:00",       /* offset beyond ±14:00 */
        "2026-03-20T17:00:00+14:01",       /* a minute beyond */
        "2026-03-20T17:00:00-14:30",       /* beyond, westward */
        "2026-03-20T17:00:00+01:60",       /* offset minute 60 */
        "2026-03-20T17:00:00+0100",        /* no colon */
        "2026-03-20T17:00:00+01",          /* no offset minutes */
        "2026-03-20T17:00:00+01:0",        /* one-digit offset minute */
        "2026-03-20 17:00:00Z",            /* space, not T */
        "2026-3-20T17:00:00Z",             /* one-digit month */
        "26-03-20T17:00:00Z",              /* two-digit year */
        "2026-03-20T17:00Z",               /* no seconds */
        "2026-03-20T17:00:00.Z",           /* no fraction digits */
        "2026-03-20T17:00:00.1234567890Z", /* more than nine */
        "2026-03-20T17:00:00,5Z",          /* decimal comma */
        "+2026-03-20T17:00:00Z",           /* signed year */
        "2026-03-20T17:00:0aZ",            /* letter in a field */
        "0000-01-01T01:00:00+01:08",       /* before the years handled (found by fuzzing) */
        "1900-01-01T00:00:00+00:01",       /* a minute before them, in UTC */
        "2501-01-01T00:00:00Z",            /* after them */
        "2026",                            /* a prefix */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        if (sched_parse_rfc3339(bad[i], &ms) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(ms == 42);
    }
    int64_t ms;
    assert_int_equal(sched_parse_rfc3339(NULL, &ms), -EINVAL);
    /* an embedded NUL ends the string: what follows is not read */
    assert_int_equal(sched_parse_rfc3339("2026-03-20T17:00:00\0Z", &ms), -EINVAL);
}

static void formats(void **state)
{
    assert_utc(1774026000000, "2026-03-20T17:00:00Z");
    assert_utc(1774026000999, "2026-03-20T17:00:00Z");
    assert_utc(0, "1970-01-01T00:00:00Z");
    assert_utc(-1, "1969-12-31T23:59:59Z");
    assert_utc(1709164800000, "2024-02-29T00:00:00Z");

    assert_local(BERLIN, 1774026000000, "2026-03-20T18:00:00+01:00");
    assert_local(BERLIN, 1775232000000, "2026-04-03T18:00:00+02:00");
    assert_local(NEW_YORK, 1772751600000, "2026-03-05T18:00:00-05:00");
    assert_local(NEW_YORK, 1773352800000, "2026-03-12T18:00:00-04:00");
    assert_local("Asia/Kolkata", 1774026000000, "2026-03-20T22:30:00+05:30");
    assert_local("UTC", 1774026000000, "2026-03-20T17:00:00+00:00");
    /* Liberia kept -0:44:30 until 1972: not expressible in RFC 3339, so UTC */
    assert_local("Africa/Monrovia", 0, "1970-01-01T00:00:00Z");
    /* round trip through the parser */
    int64_t ms;
    assert_int_equal(sched_parse_rfc3339("2026-04-03T18:00:00+02:00", &ms), 0);
    assert_true(ms == 1775232000000);

    char h[64];
    assert_int_equal(sched_format_human(BERLIN, 1774026000000, h), 0);
    assert_string_equal(h, "Friday 20 March 2026, 18:00");
    assert_int_equal(sched_format_human(NEW_YORK, 1772751600000, h), 0);
    assert_string_equal(h, "Thursday 5 March 2026, 18:00");
    assert_int_equal(sched_format_human(BERLIN, 1792888200000, h), 0);
    assert_string_equal(h, "Sunday 25 October 2026, 02:30");
    assert_int_equal(sched_format_human("UTC", 0, h), 0);
    assert_string_equal(h, "Thursday 1 January 1970, 00:00");
    assert_int_equal(sched_format_human("Pacific/Kiritimati", 1798761599000, h), 0);
    assert_string_equal(h, "Friday 1 January 2027, 13:59");

    /* outside SCHED_YEAR_MIN..SCHED_YEAR_MAX */
    char l[40];
    assert_int_equal(sched_format_rfc3339_local(BERLIN, INT64_MAX, l), -EINVAL);
    assert_int_equal(sched_format_human(BERLIN, INT64_MIN, h), -EINVAL);
    assert_utc(INT64_MAX, "292278994-08-17T07:12:55Z"); /* no overflow, no truncation */
}

static void local_and_utc(void **state)
{
    struct sched_local l;
    assert_int_equal(sched_local_from_utc(BERLIN, 1774026000000, &l), 0);
    assert_int_equal(l.year, 2026);
    assert_int_equal(l.month, 3);
    assert_int_equal(l.day, 20);
    assert_int_equal(l.hour, 18);
    assert_int_equal(l.minute, 0);
    assert_int_equal(l.second, 0);
    assert_int_equal(sched_local_from_utc(NEW_YORK, 1774026000000, &l), 0);
    assert_int_equal(l.hour, 13); /* New York is already on EDT on 20 March */

    assert_true(from_local(BERLIN, 2026, 3, 20, 18, 0) == 1774026000000);
    assert_true(from_local(BERLIN, 2026, 4, 3, 18, 0) == 1775232000000);
    assert_true(from_local(NEW_YORK, 2026, 3, 5, 18, 0) == 1772751600000);

    /* bad wall times */
    int64_t ms;
    struct sched_local bad[] = {
        {2026, 2, 29, 12, 0, 0}, {2026, 4, 31, 12, 0, 0},  {2026, 13, 1, 12, 0, 0},
        {2026, 3, 20, 24, 0, 0}, {2026, 3, 20, 12, 60, 0}, {2026, 3, 20, 12, 0, 60},
        {2026, 3, 20, -1, 0, 0}, {1899, 12, 31, 12, 0, 0}, {2501, 1, 1, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sched_utc_from_local(BERLIN, &bad[i], &ms), -EINVAL);
    /* far ahead, DST still applies (libical stops at 2583; confide at 2500) */
    assert_int_equal(sched_local_from_utc(BERLIN, 16725225600000, &l), 0); /* 2500-01-01Z */
    assert_int_equal(l.hour, 1);
    int64_t summer = from_local(BERLIN, 2500, 7, 1, 12, 0);
    assert_utc(summer, "2500-07-01T10:00:00Z");
}

static void gap_and_overlap(void **state)
{
    /* Berlin, 29 March 2026: 02:00 CET → 03:00 CEST. 02:30 does not exist; it moves forward
     * by the gap to 03:30 CEST = 01:30Z. */
    int64_t t = from_local(BERLIN, 2026, 3, 29, 2, 30);
    assert_true(t == 1774747800000);
    assert_local(BERLIN, t, "2026-03-29T03:30:00+02:00");
    assert_true(from_local(BERLIN, 2026, 3, 29, 2, 0) == from_local(BERLIN, 2026, 3, 29, 3, 0));
    assert_utc(from_local(BERLIN, 2026, 3, 29, 1, 59), "2026-03-29T00:59:00Z");
    assert_utc(from_local(BERLIN, 2026, 3, 29, 3, 0), "2026-03-29T01:00:00Z");
    /* Berlin, 25 October 2026: 03:00 CEST → 02:00 CET. 02:30 happens twice; the earlier
     * (CEST, 00:30Z) wins. */
    t = from_local(BERLIN, 2026, 10, 25, 2, 30);
    assert_true(t == 1792888200000);
    assert_local(BERLIN, t, "2026-10-25T02:30:00+02:00");
    assert_utc(from_local(BERLIN, 2026, 10, 25, 2, 0), "2026-10-25T00:00:00Z");
    assert_utc(from_local(BERLIN, 2026, 10, 25, 1, 59), "2026-10-24T23:59:00Z");
    assert_utc(from_local(BERLIN, 2026, 10, 25, 3, 0), "2026-10-25T02:00:00Z");

    /* New York: 8 March 2026 02:30 does not exist → 03:30 EDT = 07:30Z; 1 November 01:30
     * happens twice → EDT, 05:30Z. */
    t = from_local(NEW_YORK, 2026, 3, 8, 2, 30);
    assert_true(t == 1772955000000);
    assert_local(NEW_YORK, t, "2026-03-08T03:30:00-04:00");
    t = from_local(NEW_YORK, 2026, 11, 1, 1, 30);
    assert_true(t == 1793511000000);
    assert_local(NEW_YORK, t, "2026-11-01T01:30:00-04:00");

    /* RFC 5545 3.3.5's own examples */
    assert_utc(from_local(NEW_YORK, 2007, 11, 4, 1, 30), "2007-11-04T05:30:00Z");
    assert_utc(from_local(NEW_YORK, 2007, 3, 11, 2, 30), "2007-03-11T07:30:00Z");

    /* Lord Howe Island changes by half an hour, and in the other hemisphere's seasons:
     * 4 October 2026 02:00 → 02:30, 5 April 2026 02:00 → 01:30. */
    assert_utc(from_local("Australia/Lord_Howe", 2026, 10, 4, 2, 15), "2026-10-03T15:45:00Z");
    assert_utc(from_local("Australia/Lord_Howe", 2026, 4, 5, 1, 45), "2026-04-04T14:45:00Z");

    /* Every 5 minutes across both 2026 changes: UTC → local → UTC gives the instant back,
     * except the second pass through the autumn hour, which maps to the first. */
    const char *tzs[] = {BERLIN, NEW_YORK, "Australia/Lord_Howe"};
    int64_t ranges[][2] = {{1772900000000, 1772990000000}, {1774700000000, 1774800000000},
                           {1775300000000, 1775360000000}, {1791000000000, 1791100000000},
                           {1792850000000, 1792950000000}, {1793470000000, 1793560000000}};
    for (size_t z = 0; z < 3; z++) {
        for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
            for (int64_t u = ranges[r][0]; u < ranges[r][1]; u += 300000) {
                struct sched_local l;
                int64_t back;
                assert_int_equal(sched_local_from_utc(tzs[z], u, &l), 0);
                assert_int_equal(sched_utc_from_local(tzs[z], &l, &back), 0);
                if (back != u) {
                    /* the earlier reading of the same wall time */
                    struct sched_local l2;
                    assert_true(back < u && u - back <= 3600000);
                    assert_int_equal(sched_local_from_utc(tzs[z], back, &l2), 0);
                    assert_memory_equal(&l, &l2, sizeof l);
                }
            }
        }
    }
}

static void check_series(const struct sched_rule *r, const int64_t *want, int n)
{
    int64_t got[SCHED_MAX_OCCURRENCES];
    assert_int_equal(sched_expand(r, got, SCHED_MAX_OCCURRENCES), n);
    for (int i = 0; i < n; i++) {
        if (got[i] != want[i] * 1000) {
            char g[32], w[32];
            sched_format_rfc3339_utc(got[i], g);
            sched_format_rfc3339_utc(want[i] * 1000, w);
            fail_msg("occurrence %d: got %s, want %s", i, g, w);
        }
    }
}

static void weekly_across_dst(void **state)
{
    /* Friday 18:00 Berlin: 17:00Z in winter, 16:00Z in summer (from 29 March), 17:00Z again
     * after 25 October. */
    struct sched_rule spring = {BERLIN, {2026, 3, 20, 18, 0, 0}, SCHED_WEEKLY, 1, 3, 0};
    int64_t spring_want[] = {1774026000, 1774630800, 1775232000};
    check_series(&spring, spring_want, 3);
    struct sched_rule autumn = {BERLIN, {2026, 10, 16, 18, 0, 0}, SCHED_WEEKLY, 1, 3, 0};
    int64_t autumn_want[] = {1792166400, 1792771200, 1793379600};
    check_series(&autumn, autumn_want, 3);

    /* the whole season in one series: always 18:00 local */
    struct sched_rule year = {BERLIN, {2026, 3, 20, 18, 0, 0}, SCHED_WEEKLY, 1, 33, 0};
    int64_t s[33];
    assert_int_equal(sched_expand(&year, s, 33), 33);
    for (int i = 0; i < 33; i++) {
        struct sched_local l;
        assert_int_equal(sched_local_from_utc(BERLIN, s[i], &l), 0);
        assert_int_equal(l.hour, 18);
        assert_int_equal(l.minute, 0);
        if (i > 0)
            assert_true(s[i] - s[i - 1] == 7 * 86400000LL ||
                        s[i] - s[i - 1] == 7 * 86400000LL - 3600000 ||
                        s[i] - s[i - 1] == 7 * 86400000LL + 3600000);
    }
    assert_utc(s[0], "2026-03-20T17:00:00Z");
    assert_utc(s[1], "2026-03-27T17:00:00Z");
    assert_utc(s[2], "2026-04-03T16:00:00Z");
    assert_utc(s[31], "2026-10-23T16:00:00Z");
    assert_utc(s[32], "2026-10-30T17:00:00Z");

    /* Thursday 18:00 New York: 23:00Z in winter, 22:00Z from 8 March to 1 November. */
    struct sched_rule ny_spring = {NEW_YORK, {2026, 3, 5, 18, 0, 0}, SCHED_WEEKLY, 1, 2, 0};
    int64_t ny_spring_want[] = {1772751600, 1773352800};
    check_series(&ny_spring, ny_spring_want, 2);
    struct sched_rule ny_autumn = {NEW_YORK, {2026, 10, 29, 18, 0, 0}, SCHED_WEEKLY, 1, 2, 0};
    int64_t ny_autumn_want[] = {1793311200, 1793919600};
    check_series(&ny_autumn, ny_autumn_want, 2);

    /* weekly on Sunday 02:30 Berlin: on 29 March that time does not exist → 03:30 CEST */
    struct sched_rule sunday = {BERLIN, {2026, 3, 22, 2, 30, 0}, SCHED_WEEKLY, 1, 3, 0};
    int64_t sunday_want[] = {1774143000, 1774747800, 1775349000};
    check_series(&sunday, sunday_want, 3);
    assert_utc(sunday_want[2] * 1000, "2026-04-05T00:30:00Z");
}

static void interval_count_until(void **state)
{
    /* every other Friday */
    struct sched_rule r = {BERLIN, {2026, 3, 20, 18, 0, 0}, SCHED_WEEKLY, 2, 4, 0};
    int64_t s[SCHED_MAX_OCCURRENCES];
    assert_int_equal(sched_expand(&r, s, SCHED_MAX_OCCURRENCES), 4);
    assert_utc(s[0], "2026-03-20T17:00:00Z");
    assert_utc(s[1], "2026-04-03T16:00:00Z");
    assert_utc(s[2], "2026-04-17T16:00:00Z");
    assert_utc(s[3], "2026-05-01T16:00:00Z");
    /* a short buffer gets the first ones */
    assert_int_equal(sched_expand(&r, s, 2), 2);
    assert_utc(s[1], "2026-04-03T16:00:00Z");
    assert_int_equal(sched_expand(&r, NULL, 0), 0);
    assert_int_equal(sched_expand(&r, NULL, 1), -EINVAL);
    assert_int_equal(sched_expand(&r, s, -1), -EINVAL);

    /* until is inclusive */
    r.interval = 1;
    r.count = 0;
    r.until_utc = 1775232000000; /* 2026-04-03T16:00:00Z, the third */
    assert_int_equal(sched_expand(&r, s, SCHED_MAX_OCCURRENCES), 3);
    assert_true(s[2] == 1775232000000);
    r.until_utc = 1775232000000 - 1;
    assert_int_equal(sched_expand(&r, s, SCHED_MAX_OCCURRENCES), 2);
    r.until_utc = 1774026000000; /* exactly the first */
    assert_int_equal(sched_expand(&r, s, SCHED_MAX_OCCURRENCES), 1);
    r.until_utc = 1774026000000 - 1; /* before the first */
    assert_int_equal(sched_expand(&r, s, SCHED_MAX_OCCURRENCES), -EINVAL);
    r.interval = 2;
    r.until_utc = 1775232000000;
    assert_int_equal(sched_expand(&r, s, SCHED_MAX_OCCURRENCES), 2);

    /* the cap: 200 Fridays from 2 January 2026 end on 26 October 2029 (16:00Z) */
    struct sched_rule cap = {BERLIN, {2026, 1, 2, 18, 0, 0}, SCHED_WEEKLY, 1, 200, 0};
    assert_int_equal(sched_expand(&cap, s, SCHED_MAX_OCCURRENCES), 200);
    assert_true(s[199] == 1887724800000);
    cap.count = 201;
    assert_int_equal(sched_expand(&cap, s, SCHED_MAX_OCCURRENCES), -EINVAL);
    cap.count = 0;
    cap.until_utc = 1887724800000;
    assert_int_equal(sched_expand(&cap, s, SCHED_MAX_OCCURRENCES), 200);
    assert_true(s[199] == 1887724800000);
    cap.until_utc = 1888333200000 - 1; /* just before the 201st (2 November 2029, 17:00Z) */
    assert_int_equal(sched_expand(&cap, s, SCHED_MAX_OCCURRENCES), 200);
    cap.until_utc = 1888333200000;
    assert_int_equal(sched_expand(&cap, s, SCHED_MAX_OCCURRENCES), -E2BIG);
    cap.until_utc = 1893456000000; /* 2030-01-01 */
    assert_int_equal(sched_expand(&cap, s, SCHED_MAX_OCCURRENCES), -E2BIG);
    cap.interval = 2; /* half as many fit */
    assert_int_equal(sched_expand(&cap, s, SCHED_MAX_OCCURRENCES), 105);

    /* bad rules */
    struct sched_rule ok = {BERLIN, {2026, 3, 20, 18, 0, 0}, SCHED_WEEKLY, 1, 3, 0};
    struct sched_rule b;
    b = ok, b.interval = 0;
    assert_int_equal(sched_expand(&b, s, 10), -EINVAL);
    b = ok, b.interval = 3;
    assert_int_equal(sched_expand(&b, s, 10), -EINVAL);
    b = ok, b.count = 0; /* neither count nor until */
    assert_int_equal(sched_expand(&b, s, 10), -EINVAL);
    b = ok, b.until_utc = 1893456000000; /* both */
    assert_int_equal(sched_expand(&b, s, 10), -EINVAL);
    b = ok, b.count = -1;
    assert_int_equal(sched_expand(&b, s, 10), -EINVAL);
    b = ok, b.tz = "Mars/Olympus";
    assert_int_equal(sched_expand(&b, s, 10), -EINVAL);
    b = ok, b.first.day = 31, b.first.month = 4;
    assert_int_equal(sched_expand(&b, s, 10), -EINVAL);
    b = ok, b.freq = (enum sched_freq)7;
    assert_int_equal(sched_expand(&b, s, 10), -EINVAL);
    assert_int_equal(sched_expand(NULL, s, 10), -EINVAL);

    /* once: just the first; count, interval and until do not matter */
    struct sched_rule once = {BERLIN, {2026, 3, 29, 2, 30, 0}, SCHED_ONCE, 0, 0, 0};
    assert_int_equal(sched_expand(&once, s, 10), 1);
    assert_true(s[0] == 1774747800000); /* the gap rule applies here too */
    assert_int_equal(sched_expand(&once, s, 0), 0);
}

static void rrule_strings(void **state)
{
    char out[128];
    struct sched_rule r = {BERLIN, {2026, 3, 20, 18, 0, 0}, SCHED_WEEKLY, 2, 10, 0};
    sched_rrule_string(&r, out);
    assert_string_equal(out, "FREQ=WEEKLY;INTERVAL=2;COUNT=10");
    r.interval = 1;
    r.count = 0;
    r.until_utc = 1780329600000; /* 2026-06-01T16:00:00Z */
    sched_rrule_string(&r, out);
    assert_string_equal(out, "FREQ=WEEKLY;INTERVAL=1;UNTIL=20260601T160000Z");
    r.until_utc += 999; /* occurrences start on whole seconds: rounding down changes nothing */
    sched_rrule_string(&r, out);
    assert_string_equal(out, "FREQ=WEEKLY;INTERVAL=1;UNTIL=20260601T160000Z");

    struct sched_rule once = {BERLIN, {2026, 3, 20, 18, 0, 0}, SCHED_ONCE, 0, 0, 0};
    strcpy(out, "x");
    sched_rrule_string(&once, out);
    assert_string_equal(out, "");
    struct sched_rule bad = {BERLIN, {2026, 3, 20, 18, 0, 0}, SCHED_WEEKLY, 3, 10, 0};
    strcpy(out, "x");
    sched_rrule_string(&bad, out);
    assert_string_equal(out, "");
    bad.interval = 1, bad.count = 201;
    sched_rrule_string(&bad, out);
    assert_string_equal(out, "");
}

/* Another iCalendar reader (libical itself) expanding DTSTART;TZID + our RRULE must land on
 * the same wall times as sched_expand. */
static void rrule_agrees_with_libical(const struct sched_rule *r)
{
    char rrule[128];
    sched_rrule_string(r, rrule);
    int64_t ours[SCHED_MAX_OCCURRENCES];
    int n = sched_expand(r, ours, SCHED_MAX_OCCURRENCES);
    assert_true(n > 0);

    struct icalrecurrencetype recur = icalrecurrencetype_from_string(rrule);
    assert_int_equal(recur.freq, ICAL_WEEKLY_RECURRENCE);
    struct icaltimetype start = icaltime_null_time();
    start.year = r->first.year;
    start.month = r->first.month;
    start.day = r->first.day;
    start.hour = r->first.hour;
    start.minute = r->first.minute;
    start.second = r->first.second;
    start.zone = icaltimezone_get_builtin_timezone(r->tz);
    icalrecur_iterator *it = icalrecur_iterator_new(recur, start);
    assert_non_null(it);
    int i = 0;
    for (struct icaltimetype t = icalrecur_iterator_next(it); !icaltime_is_null_time(t);
         t = icalrecur_iterator_next(it), i++) {
        assert_true(i < n);
        struct sched_local l;
        assert_int_equal(sched_local_from_utc(r->tz, ours[i], &l), 0);
        assert_int_equal(t.year, l.year);
        assert_int_equal(t.month, l.month);
        assert_int_equal(t.day, l.day);
        assert_int_equal(t.hour, l.hour);
        assert_int_equal(t.minute, l.minute);
    }
    icalrecur_iterator_free(it);
    assert_int_equal(i, n);
}

static void rrule_matches_libical(void **state)
{
    struct sched_rule r = {BERLIN, {2026, 3, 20, 18, 0, 0}, SCHED_WEEKLY, 1, 33, 0};
    rrule_agrees_with_libical(&r);
    r.interval = 2;
    r.count = 0;
    r.until_utc = 1793379600000; /* 2026-10-30T17:00:00Z */
    rrule_agrees_with_libical(&r);
    struct sched_rule ny = {NEW_YORK, {2026, 1, 1, 9, 15, 0}, SCHED_WEEKLY, 1, 0, 1798761599000};
    rrule_agrees_with_libical(&ny);
}

static void overlaps(void **state)
{
    assert_true(sched_overlaps(0, 10, 5, 15));
    assert_true(sched_overlaps(5, 15, 0, 10));
    assert_true(sched_overlaps(0, 10, 2, 3)); /* inside */
    assert_true(sched_overlaps(2, 3, 0, 10));
    assert_true(sched_overlaps(0, 10, 0, 10)); /* same */
    assert_true(sched_overlaps(0, 10, 9, 11));
    assert_false(sched_overlaps(0, 10, 10, 20)); /* touching */
    assert_false(sched_overlaps(10, 20, 0, 10));
    assert_false(sched_overlaps(0, 10, 11, 20));
    assert_false(sched_overlaps(5, 5, 0, 10)); /* empty */
    assert_false(sched_overlaps(0, 10, 5, 5));
    assert_false(sched_overlaps(10, 0, 0, 10)); /* reversed */
    /* a 50-minute session at 18:00 and one at 18:50 */
    assert_false(sched_overlaps(1774026000000, 1774029000000, 1774029000000, 1774032000000));
    assert_true(sched_overlaps(1774026000000, 1774029000000, 1774028999999, 1774032000000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zones),
        cmocka_unit_test(rfc3339_good),
        cmocka_unit_test(rfc3339_bad),
        cmocka_unit_test(formats),
        cmocka_unit_test(local_and_utc),
        cmocka_unit_test(gap_and_overlap),
        cmocka_unit_test(weekly_across_dst),
        cmocka_unit_test(interval_count_until),
        cmocka_unit_test(rrule_strings),
        cmocka_unit_test(rrule_matches_libical),
        cmocka_unit_test(overlaps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

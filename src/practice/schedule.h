/* schedule: time-zone-correct times for appointments. Sans-I/O: never reads the clock (the
 * caller passes instants in) and opens no socket; zones come from the system tz database
 * through libical, never from hand-made offsets, and no process-global TZ/localtime is used,
 * so every function is safe on any thread.
 *
 * Instants are int64 milliseconds since the Unix epoch, UTC. Zones are IANA names
 * ("Europe/Berlin"). Functions that take a zone accept instants and wall times whose year is
 * within SCHED_YEAR_MIN..SCHED_YEAR_MAX (libical stops applying DST rules in 2583) and
 * return -EINVAL outside it or for an unknown zone.
 *
 * A recurring appointment keeps its LOCAL wall time: a weekly 18:00 in Berlin is 17:00Z in
 * winter and 16:00Z in summer. Local times that do not exist (the spring-forward gap) move
 * forward by the gap; local times that happen twice (autumn) mean the earlier instant. That
 * is how RFC 5545 (3.3.5) reads DTSTART;TZID, so calendar programs agree with confide. */
#ifndef CONFIDE_PRACTICE_SCHEDULE_H
#define CONFIDE_PRACTICE_SCHEDULE_H
#include <stdint.h>

#define SCHED_YEAR_MIN 1900
#define SCHED_YEAR_MAX 2500

struct sched_local { /* wall-clock time in some zone */
    int year, month, day, hour, minute, second;
};

/* Zone names and libical zones: core/tz.h (tz_valid, tz_ical_zone). */

/* Strict RFC 3339 with an offset or Z: "2026-03-20T18:00:00+01:00", "2026-03-20T17:00:00Z",
 * optional fractional seconds (1 to 9 digits, kept to the millisecond, rounding down);
 * lower-case 't' and 'z' are accepted as the RFC allows. Every field is range-checked
 * (month 1-12, day valid for the month incl. leap years, hour 0-23, minute and second 0-59
 * (no leap second), offset within ±14:00), and the instant must fall within the years
 * SCHED_YEAR_MIN..SCHED_YEAR_MAX in UTC. Returns 0 or -EINVAL. */
int sched_parse_rfc3339(const char *s, int64_t *utc_ms);
/* "2026-03-20T17:00:00Z" (whole seconds, rounding down). */
void sched_format_rfc3339_utc(int64_t utc_ms, char out[32]);
/* The same instant as local time with its offset, e.g. "2026-03-20T18:00:00+01:00". An
 * offset that is not whole minutes (local mean time before ~1972 in a few zones) cannot be
 * written in RFC 3339; the instant is then written in UTC with Z. Returns 0 or -EINVAL. */
int sched_format_rfc3339_local(const char *tz, int64_t utc_ms, char out[40]);

/* The wall time in tz at an instant (whole seconds, rounding down). Returns 0 or -EINVAL. */
int sched_local_from_utc(const char *tz, int64_t utc_ms, struct sched_local *out);
/* The civil date in tz at an instant, as a day number (core/calendar.h): the date of a
 * session, a charge or a payment as the people concerned count days. 0 or -EINVAL. */
int sched_civil_day(const char *tz, int64_t utc_ms, int32_t *day);
/* Local wall time → UTC. A local time that does not exist (spring-forward gap, e.g. 02:30 on
 * the last Sunday of March in Europe/Berlin) moves forward by the gap (→ 03:30 local); an
 * ambiguous one (autumn, happens twice) takes the earlier instant. Returns 0 or -EINVAL
 * (unknown zone, a field out of range, a day the month does not have). */
int sched_utc_from_local(const char *tz, const struct sched_local *local, int64_t *utc_ms);

enum sched_freq { SCHED_ONCE, SCHED_WEEKLY };

struct sched_rule {
    const char *tz;
    struct sched_local first; /* local wall time of the first occurrence */
    enum sched_freq freq;
    int interval;      /* 1 or 2 (weeks); ignored for SCHED_ONCE */
    int count;         /* > 0: this many occurrences; 0: use until */
    int64_t until_utc; /* with count == 0: occurrences starting at or before this instant;
                          0 means unset (so count and until cannot both be given) */
};

#define SCHED_MAX_OCCURRENCES 200

/* Expands the rule into UTC start instants, in order: each occurrence keeps the same LOCAL
 * wall time (a weekly 18:00 Europe/Berlin stays 18:00 local across DST); an occurrence that
 * falls in a gap moves forward by the gap, as sched_utc_from_local does. SCHED_ONCE gives
 * the first occurrence alone (count and until are ignored). Returns the number written,
 * at most max (a smaller buffer gets the first max), or -EINVAL for a bad rule (unknown
 * zone, bad first time, interval not 1 or 2, neither or both of count and until, count
 * above SCHED_MAX_OCCURRENCES, until before the first start, max < 0) or -E2BIG when until
 * would give more than SCHED_MAX_OCCURRENCES. */
int sched_expand(const struct sched_rule *rule, int64_t *starts_utc, int max);
/* The RRULE value for iCalendar (to go with DTSTART;TZID=<tz>:<first>):
 * "FREQ=WEEKLY;INTERVAL=2;COUNT=10" or "FREQ=WEEKLY;INTERVAL=1;UNTIL=20260601T160000Z"
 * (UNTIL in UTC, as RFC 5545 requires with a TZID). Empty for SCHED_ONCE and for a rule
 * sched_expand refuses. */
void sched_rrule_string(const struct sched_rule *rule, char out[128]);

/* For people, in the zone: "Friday 20 March 2026, 18:00" (English, 24-hour). Returns 0 or
 * -EINVAL. */
int sched_format_human(const char *tz, int64_t utc_ms, char out[64]);

/* Does [a_start, a_end) overlap [b_start, b_end)? Touching intervals do not; an empty or
 * reversed interval overlaps nothing. */
int sched_overlaps(int64_t a_start, int64_t a_end, int64_t b_start, int64_t b_end);

#endif

/* licences: whether a practitioner may see a client where the client is, on a given day,
 * and when to remind them that a licence runs out. Sans I/O: licences, compacts and dates
 * in; an answer out.
 *
 * Dates are civil dates in the practice's time zone ("YYYY-MM-DD"), held as a day number
 * (days since 1970-01-01, proleptic Gregorian). The caller turns an occurrence's start
 * (ms) into the date in the practice's zone (sched_local_from_utc, then civil_date_make);
 * a licence is about days, not instants.
 *
 *  - A licence is valid up to and including its expiry date: a session on the expiry day
 *    is covered, a session the day after is not.
 *  - A compact (e.g. PSYPACT) is data the practice enters: a name, its member
 *    jurisdictions, and the dates the practice relies on it from and until, both included
 *    (until may be open). It covers a jurisdiction on a day when that day is in its dates,
 *    the jurisdiction is a member, and the practitioner holds a licence valid that day in
 *    another member (their home licence; a compact gives nothing without one — an
 *    expired licence in the client's own jurisdiction does not stop it).
 *  - licensed_in: directly when a licence of the practitioner's for that jurisdiction is
 *    valid that day (this wins over a compact); else through a compact; else not.
 *    Jurisdictions are compared as stored keys (jurisdictions.h).
 *  - An occurrence is flagged unless the practitioner is licensed (either way) where the
 *    client said they were, on the occurrence's date; a client who said nothing is flagged
 *    too (nothing is let through silently).
 *  - Reminders: one at 60 days before expiry and one at 14 (days = expiry − today). On a
 *    day with 15 to 60 days left the 60-day one is due if neither was sent; with 0 to 14
 *    days left the 14-day one is due if it was not sent — and then the 60-day one, if it
 *    never went, is not sent at all (never both, the nearer one wins). None after the
 *    expiry day; on the expiry day itself the 14-day one is still due if it never went.
 *    Whoever stores the sent marks clears them when the expiry date changes (a renewal). */
#ifndef CONFIDE_PRACTICE_LICENCES_H
#define CONFIDE_PRACTICE_LICENCES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LICENCE_REMIND_FIRST_DAYS 60
#define LICENCE_REMIND_LAST_DAYS 14
/* a compact relied on with no end date */
#define LICENCE_OPEN_END INT32_MAX
/* "YYYY-MM-DD" and its NUL */
#define CIVIL_DATE_LEN 11

struct licence {
    const char *jurisdiction; /* stored key: "US-CA", "GB" */
    const char *type;         /* "Psychologist", "LCSW"... (shown, not compared) */
    const char *number;
    int32_t expires; /* day number, the last day it is valid */
};

struct licence_compact {
    const char *name;           /* "PSYPACT" */
    const char *const *members; /* stored keys */
    size_t n_members;
    int32_t valid_from;  /* day number, included */
    int32_t valid_until; /* day number, included; LICENCE_OPEN_END for none */
};

enum licence_cover {
    LICENCE_NOT_COVERED,
    LICENCE_DIRECT,
    LICENCE_THROUGH_COMPACT,
};

enum licence_reminder {
    LICENCE_REMIND_NONE,
    LICENCE_REMIND_60,
    LICENCE_REMIND_14,
};

/* which reminders already went, or-ed */
#define LICENCE_SENT_60 1u
#define LICENCE_SENT_14 2u

/* "YYYY-MM-DD" (exactly that: four-digit year, a real month and day) to its day number:
 * 0, or -EINVAL (out left untouched). */
int civil_date_parse(const char *text, int32_t *out);
/* The day number of a date given by its parts (a session's start in the practice's zone,
 * from sched_local_from_utc): 0, or -EINVAL (out left untouched) for no such date or a
 * year outside 0-9999. */
int civil_date_make(int year, int month, int day, int32_t *out);
/* A day number as "YYYY-MM-DD" (years 0000-9999). */
void civil_date_format(int32_t day, char out[CIVIL_DATE_LEN]);

/* How the practitioner with licences[0..nl) is licensed in a jurisdiction on a day, given
 * the compacts[0..nc) the practice relies on. which, when not NULL, gets the index of the
 * licence (direct) or of the compact (through one) that covers; untouched when none. */
enum licence_cover licensed_in(const struct licence *licences, size_t nl,
                               const struct licence_compact *compacts, size_t nc,
                               const char *jurisdiction, int32_t day, size_t *which);

/* Whether an occurrence on day, the client having said they were in jurisdiction (NULL or
 * "" when they did not say), is flagged: the practitioner is not licensed there that day. */
bool licence_occurrence_flagged(const struct licence *licences, size_t nl,
                                const struct licence_compact *compacts, size_t nc,
                                const char *jurisdiction, int32_t day);

/* The reminder to send today for a licence expiring on expires, given the reminders
 * already sent (LICENCE_SENT_* or-ed). */
enum licence_reminder licence_reminder_due(int32_t expires, int32_t today, unsigned sent);

#endif

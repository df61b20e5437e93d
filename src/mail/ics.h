/* ics: iCalendar invitations (RFC 5545, iTIP RFC 5546) for session series, built with
 * libical 3. Sans-I/O: every time comes in as an argument (ms since the Unix epoch, UTC).
 *
 * The series is one VEVENT with DTSTART/DTEND in the practice's zone (TZID=<IANA name>),
 * an optional RRULE and EXDATEs, followed by one VEVENT per moved occurrence (same UID,
 * RECURRENCE-ID). The VCALENDAR carries a VTIMEZONE for the zone, trimmed to the rules in
 * force from the first date it mentions on. The zone "UTC" (or "GMT") is written as UTC
 * times ("…Z") with no TZID and no VTIMEZONE. */
#ifndef CONFIDE_MAIL_ICS_H
#define CONFIDE_MAIL_ICS_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum ics_method { ICS_REQUEST, ICS_CANCEL };

/* One occurrence moved: the one that would start at recurrence_id_utc now runs
 * start_utc..end_utc. */
struct ics_override {
    int64_t recurrence_id_utc;
    int64_t start_utc;
    int64_t end_utc;
};

struct ics_event {
    const char *uid;            /* stable per series, e.g. "7f3a…@confide"; required */
    int sequence;               /* >= 0, rises with every change */
    int64_t dtstamp_utc;        /* "now", passed in */
    const char *tz;             /* IANA zone, e.g. "Europe/Berlin"; required */
    int64_t start_utc, end_utc; /* the first occurrence; end > start */
    const char *rrule;          /* NULL or e.g. "FREQ=WEEKLY;INTERVAL=1;COUNT=10" */
    const int64_t *exdates_utc; /* cancelled occurrences (their original starts) */
    size_t exdate_count;
    const struct ics_override *overrides;
    size_t override_count;
    /* Text: UTF-8. NULL leaves the property out. CRLF and CR become LF; other control
     * characters except TAB are dropped. */
    const char *summary;     /* e.g. "Appointment with Harbour Counselling" */
    const char *description; /* plain text, may hold newlines */
    const char *location;    /* the personal join URL */
    /* Names: NULL, or UTF-8 without control characters. Emails: required, by core/email's
     * rule (email_check): plain ASCII name@host.domain, nothing a mailto: URI would escape. */
    const char *organizer_name, *organizer_email; /* ORGANIZER;CN=…:mailto:… */
    const char *attendee_name, *attendee_email;   /* ATTENDEE;CN=…;ROLE=…:mailto:… */
};

/* Appends a complete VCALENDAR (PRODID "-//confide//confide//EN", VERSION 2.0, METHOD) to
 * out, lines folded at 75 octets and ended by CRLF.
 * ICS_REQUEST: the series and its overrides, STATUS:CONFIRMED.
 * ICS_CANCEL: METHOD:CANCEL and the series VEVENT (same UID, the given SEQUENCE) with
 * STATUS:CANCELLED, which cancels every occurrence; overrides are not repeated.
 * (To cancel one occurrence, send a REQUEST with a higher SEQUENCE and an EXDATE.)
 * Returns 0, or -EINVAL (and appends nothing) for an unknown zone, a missing uid, an
 * email that breaks core/email's rule, end <= start, an unparsable RRULE or one whose
 * UNTIL is not a UTC date-time, EXDATEs or overrides without an RRULE, invalid UTF-8, or a
 * control character in a name or uid. */
int ics_build(const struct ics_event *ev, enum ics_method method, struct buf *out);

#endif

/* tz: IANA time-zone names and the libical zone behind each, for every module that needs a
 * zone (practice/schedule for times, mail/ics for the VTIMEZONE of an invitation). Zones
 * come from the system tz database through libical, never from hand-made offsets, and no
 * process-global TZ/localtime is used, so both functions are safe on any thread. */
#ifndef CONFIDE_CORE_TZ_H
#define CONFIDE_CORE_TZ_H

#define TZ_NAME_MAX 64 /* longest accepted zone name, in bytes; IANA's longest is 32 */

/* 1 if tz is an IANA zone name the system knows ("Europe/Berlin", "UTC"), else 0. The name
 * is checked before libical sees it (libical turns unknown names into file paths under
 * /usr/share/zoneinfo): each '/'-separated part starts with an upper-case letter and holds
 * only letters, digits, '_', '+' and '-', so "", "../etc/passwd", "posixrules" and
 * "zone.tab" are refused. */
int tz_valid(const char *tz);

/* The libical zone for an accepted name, fully loaded, or NULL. Code that needs a zone from
 * libical takes it from here, never from icaltimezone_get_builtin_timezone directly:
 * libical 3.0 neither locks its zone list against concurrent look-ups nor against a zone
 * loading lazily while another thread looks one up, and this function serialises both.
 * The zone lives as long as the process. */
struct _icaltimezone;
struct _icaltimezone *tz_ical_zone(const char *tz);

#endif

#include "core/tz.h"

#include <pthread.h>
#include <string.h>

#include <libical/ical.h>

/* libical 3.0 is not safe to use for zones from several threads as it stands:
 *  - icaltimezone_get_builtin_timezone searches its global zone array without a lock, and
 *    appends zones that are not in zone.tab ("US/Eastern") to it without a lock, so a
 *    concurrent search can read a freed chunk list;
 *  - a zone's data is loaded lazily, on first use (any offset query), and loading frees and
 *    replaces zone->location, the very string that search compares against.
 * So every lookup goes through this lock, and the zone is loaded before the lock is let go.
 * After that a zone only changes in its expanded DST table, which libical guards itself.
 * Zones live until icaltimezone_free_builtin_timezones, which confide never calls. */
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;

/* IANA names are '/'-separated parts that start with an upper-case letter and hold letters,
 * digits, '_', '+' and '-' ("America/Port-au-Prince", "Etc/GMT+5"). libical turns a name
 * it does not list into a path under /usr/share/zoneinfo, so this is also what keeps "..",
 * absolute paths and the database's own files ("posixrules", "zone.tab") out. */
static int zone_name_ok(const char *tz)
{
    if (!tz)
        return 0;
    size_t len = strnlen(tz, TZ_NAME_MAX + 1);
    if (len == 0 || len > TZ_NAME_MAX)
        return 0;
    int part_start = 1;
    for (size_t i = 0; i < len; i++) {
        char c = tz[i];
        if (part_start) {
            if (c < 'A' || c > 'Z')
                return 0;
            part_start = 0;
        } else if (c == '/') {
            part_start = 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '+' || c == '-')) {
            return 0;
        }
    }
    return !part_start; /* no trailing '/' */
}

icaltimezone *tz_ical_zone(const char *tz)
{
    if (!zone_name_ok(tz))
        return NULL;
    pthread_mutex_lock(&zone_lock);
    icaltimezone *z = icaltimezone_get_builtin_timezone(tz);
    if (z)
        icaltimezone_get_component(z); /* loads it now, under the lock */
    pthread_mutex_unlock(&zone_lock);
    return z;
}

int tz_valid(const char *tz)
{
    return tz_ical_zone(tz) != NULL;
}

/* attendance: one client's status at one occurrence (see attendance.h for the rules). */
#include "practice/attendance.h"

#include <assert.h>
#include <string.h>

static const char *const status_names[] = {
    [ATTENDANCE_ATTENDED] = "attended",
    [ATTENDANCE_LATE] = "late",
    [ATTENDANCE_LEFT_EARLY] = "left_early",
    [ATTENDANCE_NO_SHOW] = "no_show",
};

static const char *const event_names[] = {
    [ATT_JOINED] = "joined",   [ATT_ADMITTED] = "admitted", [ATT_RETURNED] = "returned",
    [ATT_DENIED] = "denied",   [ATT_DROPPED] = "dropped",   [ATT_LEFT] = "left",
    [ATT_REMOVED] = "removed",
};

const char *attendance_status_name(enum attendance_status s)
{
    assert((unsigned)s <= ATTENDANCE_NO_SHOW);
    return status_names[s];
}

int attendance_event_parse(const char *name)
{
    for (size_t i = 0; i < sizeof event_names / sizeof event_names[0]; i++)
        if (strcmp(name, event_names[i]) == 0)
            return (int)i;
    return -1;
}

enum attendance_status attendance_classify(const struct attendance_record *records, size_t n,
                                           int64_t starts_at, int64_t ends_at, int64_t ended_at)
{
    assert(ends_at >= starts_at);
    int64_t first_knock = -1, gone_at = -1;
    int admitted = 0, inside = 0;
    for (size_t i = 0; i < n; i++) {
        const struct attendance_record *r = &records[i];
        switch (r->event) {
        case ATT_JOINED:
            if (first_knock < 0)
                first_knock = r->at;
            break;
        case ATT_ADMITTED:
        case ATT_RETURNED:
            if (first_knock < 0) /* a record written without its knock: in is arrival */
                first_knock = r->at;
            admitted = 1;
            inside = 1;
            gone_at = -1;
            break;
        case ATT_DROPPED:
        case ATT_LEFT:
        case ATT_REMOVED:
            if (inside) {
                inside = 0;
                gone_at = r->at;
            }
            break;
        case ATT_DENIED:
            break;
        }
    }
    if (!admitted)
        return ATTENDANCE_NO_SHOW;
    /* the meeting ended for everyone sooner: that is its end */
    int64_t end = ended_at > 0 && ended_at < ends_at ? ended_at : ends_at;
    if (!inside && gone_at >= 0 && gone_at < end - ATTENDANCE_GRACE_MS)
        return ATTENDANCE_LEFT_EARLY;
    if (first_knock > starts_at + ATTENDANCE_GRACE_MS)
        return ATTENDANCE_LATE;
    return ATTENDANCE_ATTENDED;
}

size_t attendance_missed_in_a_row(const enum attendance_status *statuses, size_t n)
{
    size_t k = 0;
    while (k < n && statuses[n - 1 - k] == ATTENDANCE_NO_SHOW)
        k++;
    return k;
}

int attendance_nudge(const enum attendance_status *statuses, size_t n)
{
    return attendance_missed_in_a_row(statuses, n) >= ATTENDANCE_NUDGE_AFTER;
}

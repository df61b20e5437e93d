/* attendance: whether a client came to one occurrence of a session, from the meeting's
 * records of them. Sans I/O: their events and the occurrence's times in, a status out.
 *
 * The events are those the meeting writes (store/store.h, struct store_attendance):
 * joined (knocked: the waiting room, or straight in), admitted, returned (back after a
 * drop), denied, dropped (connection lost), left, removed.
 *
 *  - no-show: never admitted (never came, waited and was not let in, or was turned away).
 *  - late: admitted, and first joined more than ATTENDANCE_GRACE_MS after the start (at
 *    exactly 10 minutes it is on time). A client let in late from the waiting room was on
 *    time: what counts is when they knocked.
 *  - left early: admitted, and their last time in the meeting ended (left, dropped or
 *    removed, with no return after it) more than ATTENDANCE_GRACE_MS before the end. The
 *    end is the occurrence's, or when the practitioner ended the meeting for everyone if
 *    that was sooner, so ending a session early is never the client leaving early.
 *    Leaving early and coming back is not leaving early. Late and left early both: left
 *    early (what they missed at the end is the larger part).
 *  - attended: otherwise.
 *
 * The attendance rate counts attended and late over the occurrences counted. */
#ifndef CONFIDE_PRACTICE_ATTENDANCE_H
#define CONFIDE_PRACTICE_ATTENDANCE_H
#include <stddef.h>
#include <stdint.h>

#define ATTENDANCE_GRACE_MS (10 * 60 * 1000)
/* no-shows in a row, the latest ones, after which the practitioner is told */
#define ATTENDANCE_NUDGE_AFTER 2

enum attendance_status {
    ATTENDANCE_ATTENDED,
    ATTENDANCE_LATE,
    ATTENDANCE_LEFT_EARLY,
    ATTENDANCE_NO_SHOW,
};

enum attendance_event {
    ATT_JOINED,
    ATT_ADMITTED,
    ATT_RETURNED,
    ATT_DENIED,
    ATT_DROPPED,
    ATT_LEFT,
    ATT_REMOVED,
};

struct attendance_record {
    enum attendance_event event;
    int64_t at; /* ms */
};

/* "attended", "late", "left_early", "no_show" */
const char *attendance_status_name(enum attendance_status s);
/* The event a meeting record's name stands for; -1 for a name that is none. */
int attendance_event_parse(const char *name);

/* One client's records of one occurrence, in time order (ties in the order written).
 * ended_at: when the meeting was ended for everyone, 0 if it was not. */
enum attendance_status attendance_classify(const struct attendance_record *records, size_t n,
                                           int64_t starts_at, int64_t ends_at, int64_t ended_at);

/* How many of the latest statuses (statuses[0..n) oldest first) are no-shows in a row. */
size_t attendance_missed_in_a_row(const enum attendance_status *statuses, size_t n);
/* 1 when the practitioner should hear of it: at least ATTENDANCE_NUDGE_AFTER in a row. */
int attendance_nudge(const enum attendance_status *statuses, size_t n);

#endif

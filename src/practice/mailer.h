/* mailer: the mail a session causes. It reads the series, its occurrences, invites,
 * clients, therapist and group from the store, writes one message per invitee (text +
 * iCalendar), and queues them in the outbox, inside the caller's transaction. Runs on
 * the service thread (create, reschedule, cancel) and on the mail thread (reminders). */
#ifndef CONFIDE_PRACTICE_MAILER_H
#define CONFIDE_PRACTICE_MAILER_H
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "mail/compose.h"
#include "store/store.h"

enum mailer_kind {
    MAILER_INVITE,   /* a new series: links, password, what to prepare, the agreement */
    MAILER_UPDATE,   /* the schedule changed (rescheduled or cancelled occurrences) */
    MAILER_CANCEL,   /* the whole series is cancelled */
    MAILER_REMINDER, /* before one occurrence: its meeting id and password */
};

/* Queues `kind` for every invitee of the series; focus_occurrence_id names the occurrence
 * a reminder is about (0 otherwise). Returns how many mails were queued, or -errno. */
int mailer_queue(struct store *s, struct arena *a, const struct config *cfg, enum mailer_kind kind,
                 int64_t series_id, int64_t focus_occurrence_id, int64_t now);

/* Queues the invitation again for one invitee of the series (the therapist resends it: the
 * mail was lost or deleted): their link, the next meeting's password, the calendar.
 * Returns 1 when queued, 0 when client_id is no current invitee or nothing is left to
 * come, or -errno. */
int mailer_queue_invite_to(struct store *s, struct arena *a, const struct config *cfg,
                           int64_t series_id, int64_t client_id, int64_t now);

/* The reminder pass, for the mail thread's tick: for every reminder offset, queues the
 * reminders that came due, each once, in one transaction. ctx is the config. Several
 * nodes on one database run it one at a time; a node finding another at it skips. */
void mailer_reminders_tick(void *ctx, struct store *s, struct arena *a, int64_t now);

/* Queues a "find a time" mail to every member a poll asks: the candidate times in the
 * member's own time zone and their personal poll link "<public_url>/p/<token>"; no
 * calendar. Returns how many mails were queued, or -errno. */
int mailer_queue_poll(struct store *s, struct arena *a, const struct config *cfg, int64_t poll_id,
                      int64_t now);

/* Composes one message to one person and queues it; `who` and who_id name them in a log
 * line by kind and id only ("client", 12). calendar may be NULL; expires_at is when the
 * mail is no use any more (0: never), a pending one then fails unsent. Returns 1 when queued, 0
 * when the message could not be composed (logged), or -errno from the store. */
int mailer_queue_to(struct store *s, const struct config *cfg, const char *kind,
                    const char *to_name, const char *to_email, const char *who, int64_t who_id,
                    const char *subject, const char *text, const struct mail_attachment *calendar,
                    int64_t expires_at, int64_t now);

#endif

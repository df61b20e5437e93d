/* licence_mail: the reminders that a practitioner's licence runs out (60 and 14 days
 * before, practice/licences.h's rule), run from the mail thread's tick once a day per node,
 * and the words the dashboard's licence flags give.
 *
 * "Today" for the reminders is the date in UTC: a reminder may go up to a day before or
 * after the date in the practitioner's own zone; the mail names the expiry date, not a day
 * count the zone would change. Each reminder is queued in the outbox and marked sent in
 * one transaction, under the reminders' lock (store_reminders_try_lock), so several nodes
 * send it once. The mail names the licence only: never a client. */
#ifndef CONFIDE_PRACTICE_LICENCE_MAIL_H
#define CONFIDE_PRACTICE_LICENCE_MAIL_H
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "store/store.h"

/* the most licences one reminder pass looks at (the rest wait for the next day's) */
#define LICENCE_REMINDERS_MAX 500

/* The UTC day number of an instant (ms). */
int32_t licence_utc_day(int64_t now_ms);

/* The reminder's subject (into subject, size bytes) and text (appended to text) for
 * licence l of practitioner `name`, today being `today`. Sans I/O. */
void licence_reminder_write(const struct config *cfg, const char *name,
                            const struct store_licence *l, int32_t today, char *subject,
                            size_t size, struct buf *text);

/* Why a session on day, the client having said they were in jurisdiction (a key, "" or
 * NULL: not said), is flagged, given the practitioner's licences held[0..n): "The client
 * did not say where they were"; "Your licence in California expired on 2027-01-31" when
 * a licence there ran out before day (the latest such); else "No licence or compact
 * covers Nevada". Sans I/O. */
void licence_flag_reason(const struct store_licence *held, size_t n, const char *jurisdiction,
                         int32_t day, char *out, size_t size);

/* One reminder pass now: every licence with a reminder due gets its mail, marked sent in
 * the same transaction. *queued counts the mails. 0, -EBUSY when another node holds the
 * reminders' lock, or -errno from the store. */
int licence_reminders_run(const struct config *cfg, struct store *s, struct arena *a, int64_t now,
                          int *queued);
/* The mail thread's call: licence_reminders_run at most once a day on this node (the first
 * at the first tick after a start); tried again next tick when it failed or was busy. */
void licence_reminders_tick(const struct config *cfg, struct store *s, struct arena *a,
                            int64_t now);

#endif

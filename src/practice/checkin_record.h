/* checkin_record: the check-ins a client owes for an occurrence, and keeping one they
 * answered, read from and written to the store. The one place both ways of answering use:
 * the meeting's waiting room (live/service_checkins.c) and the secure-messaging page
 * (api/messaging.c), so a measure answered on one is not asked again on the other, and an
 * answer is kept, audited and raises its alert the same way wherever it was given.
 *
 * The messaging page answers for the client's next occurrence: the first (by start) not
 * cancelled and not ended, one-to-one or of a group they are in, that is in progress or
 * starts within CHECKINS_AHEAD_MS (store_client_next_occurrence). Further ahead, nothing is
 * asked yet: the answers are about the last two weeks, so they belong close to the
 * session. */
#ifndef CONFIDE_PRACTICE_CHECKIN_RECORD_H
#define CONFIDE_PRACTICE_CHECKIN_RECORD_H
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "practice/measures.h"
#include "store/store.h"

#define CHECKINS_AHEAD_MS (72LL * 3600 * 1000)

/* The measures due from the client for the occurrence (group_id 0: a one-to-one session):
 * practice/checkins.h's checkins_due over the choice that applies and what the client
 * answered for it already (into *answered, when not NULL). 0 with *due 0 when nothing was
 * chosen; -EIO when a kept choice or answer does not read. */
int checkins_due_for(struct store *s, struct arena *a, int64_t client_id, int64_t group_id,
                     int64_t occurrence_id, unsigned *due, unsigned *answered);

/* The occurrence a check-in answered away from the meeting is for, and what is due for it:
 * -ENOENT when the client has no occurrence within CHECKINS_AHEAD_MS of now. */
int checkins_next(struct store *s, struct arena *a, int64_t client_id, int64_t now,
                  struct store_next_occurrence *occ, unsigned *due);

/* One scored answer to keep. */
struct checkin_record {
    int64_t client_id, occurrence_id;
    int64_t therapist_id; /* the session's therapist: who a risk alert is for */
    enum measure_kind measure;
    const int *answers;
    size_t answer_count;
    const char *word; /* the mood word, or NULL */
    struct measure_result result;
    int64_t at;
    const char *source; /* the client's address for the audit, or NULL */
};

/* Keeps it inside the caller's transaction: the answers (and word) sealed, audited as
 * "checkin.answer"; a risk raises an alert for the therapist, audited as
 * "care_alert.raise". *alert_id 0 when none was raised. -EEXIST when the client answered
 * this measure for the occurrence already. */
int checkin_record(struct store *s, const struct checkin_record *k, int64_t *checkin_id,
                   int64_t *alert_id);

#endif

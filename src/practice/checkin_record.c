#include "practice/checkin_record.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>

#include "practice/checkins.h"

int checkins_due_for(struct store *s, struct arena *a, int64_t client_id, int64_t group_id,
                     int64_t occurrence_id, unsigned *due, unsigned *answered_out)
{
    char *chosen = NULL, *answered = NULL;
    unsigned set = 0, done = 0;
    *due = 0;
    if (answered_out)
        *answered_out = 0;
    int rc = store_checkin_choice_get(s, a, group_id ? 0 : client_id, group_id, &chosen);
    if (rc == -ENOENT)
        return 0; /* nothing chosen */
    if (rc == 0)
        rc = store_checkin_answered(s, a, occurrence_id, client_id, &answered);
    if (rc < 0)
        return rc;
    if (checkins_parse(chosen, &set) < 0 || checkins_parse(answered, &done) < 0)
        return -EIO;
    *due = checkins_due(group_id != 0, group_id ? 0 : set, group_id ? set : 0, done);
    if (answered_out)
        *answered_out = done;
    return 0;
}

int checkins_next(struct store *s, struct arena *a, int64_t client_id, int64_t now,
                  struct store_next_occurrence *occ, unsigned *due)
{
    *due = 0;
    int rc = store_client_next_occurrence(s, client_id, now, now + CHECKINS_AHEAD_MS, occ);
    if (rc < 0)
        return rc;
    return checkins_due_for(s, a, client_id, occ->group_id, occ->occurrence_id, due, NULL);
}

static int audit(struct store *s, const struct checkin_record *k, const char *action,
                 int64_t subject)
{
    struct store_audit_entry e = {
        .at = k->at, .action = action, .subject_id = subject, .source = k->source};
    return store_audit_append(s, &e);
}

int checkin_record(struct store *s, const struct checkin_record *k, int64_t *checkin_id,
                   int64_t *alert_id)
{
    assert(k->client_id > 0 && k->answer_count <= MEASURES_MAX_ITEMS);
    assert(!k->result.risk || k->therapist_id > 0);
    char answers[MEASURES_MAX_ITEMS * 4 + 1];
    size_t used = 0;
    answers[0] = '\0';
    for (size_t i = 0; i < k->answer_count; i++)
        used += (size_t)snprintf(answers + used, sizeof answers - used, "%s%d", i ? "," : "",
                                 k->answers[i]);
    struct store_checkin row = {.client_id = k->client_id,
                                .occurrence_id = k->occurrence_id,
                                .measure = measure_name(k->measure),
                                .total = k->result.total,
                                .band = k->result.band,
                                .risk = k->result.risk,
                                .answers = answers,
                                .word = k->word,
                                .answered_at = k->at};
    *checkin_id = 0;
    *alert_id = 0;
    int rc = store_checkin_add(s, &row, checkin_id);
    if (rc == 0)
        rc = audit(s, k, "checkin.answer", *checkin_id);
    if (rc == 0 && k->result.risk)
        rc = store_care_alert_add(s, k->client_id, k->therapist_id, *checkin_id, k->occurrence_id,
                                  k->at, alert_id);
    if (rc == 0 && k->result.risk)
        rc = audit(s, k, "care_alert.raise", *alert_id);
    return rc;
}

/* The service's side of check-ins: asking a client who joins the measures due for the
 * occurrence, and keeping what the room scored (live/room.c, live_room_on_checkin_answer):
 * the answers sealed, a risk alert for the practitioner, both audited. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "live/room.h"
#include "live/service_internal.h"
#include "practice/checkins.h"

void svc_ask_checkins(struct live_service *svc, struct room_entry *re, uint64_t conn,
                      int64_t client_id, int64_t group_id)
{
    struct arena a = {0};
    char *chosen = NULL, *answered = NULL;
    unsigned set = 0, done = 0;
    int rc = store_checkin_choice_get(svc->store, &a, group_id ? 0 : client_id, group_id, &chosen);
    if (rc == -ENOENT)
        goto out; /* nothing chosen */
    if (rc < 0 || checkins_parse(chosen, &set) < 0 ||
        store_checkin_answered(svc->store, &a, re->occurrence_id, client_id, &answered) < 0 ||
        checkins_parse(answered, &done) < 0) {
        /* the session matters more: asked nothing this time */
        log_warn("live", "occurrence=%lld: the check-ins due could not be read",
                 (long long)re->occurrence_id);
        goto out;
    }
    unsigned due = checkins_due(group_id != 0, group_id ? 0 : set, group_id ? set : 0, done);
    if (!due)
        goto out;
    live_room_checkins_asked(meeting_room(re->meeting), conn, due);
    json_t *list = json_array();
    for (int k = 0; k < MEASURE_KINDS; k++)
        if (due & (1u << k))
            json_array_append_new(list, json_string(measure_name((enum measure_kind)k)));
    svc_send_json(
        svc, conn,
        json_pack("{s:s,s:o,s:s}", "type", "checkin", "measures", list, "notice", MEASURES_NOTICE));
out:
    arena_free(&a);
}

static int store_one(struct live_service *svc, const struct room_entry *re,
                     const struct live_checkin *k)
{
    char answers[MEASURES_MAX_ITEMS * 4 + 1];
    size_t used = 0;
    for (size_t i = 0; i < k->answer_count; i++)
        used += (size_t)snprintf(answers + used, sizeof answers - used, "%s%d", i ? "," : "",
                                 k->answers[i]);
    struct store_checkin row = {.client_id = k->client_id,
                                .occurrence_id = re->occurrence_id,
                                .measure = measure_name((enum measure_kind)k->measure),
                                .total = k->total,
                                .band = k->band,
                                .risk = k->risk,
                                .answers = answers,
                                .word = k->word,
                                .answered_at = k->at};
    int64_t id = 0, alert = 0;
    int rc = store_checkin_add(svc->store, &row, &id);
    if (rc == 0)
        rc = store_audit(svc->store, 0, "checkin.answer", id, k->at);
    /* the session's therapist: the client's practitioner */
    if (rc == 0 && k->risk)
        rc = store_care_alert_add(svc->store, k->client_id, re->staff[0], id, re->occurrence_id,
                                  k->at, &alert);
    if (rc == 0 && k->risk)
        rc = store_audit(svc->store, 0, "care_alert.raise", alert, k->at);
    return rc;
}

void svc_store_checkins(struct live_service *svc, const struct room_entry *re,
                        const struct live_effects *fx)
{
    for (size_t i = 0; i < fx->checkin_count; i++) {
        int rc = store_begin(svc->store);
        if (rc == 0)
            rc = store_one(svc, re, &fx->checkins[i]);
        if (rc == 0)
            rc = store_commit(svc->store);
        if (rc < 0) {
            store_rollback(svc->store);
            log_warn("live", "occurrence=%lld: a check-in could not be written (%d)",
                     (long long)re->occurrence_id, rc);
        }
    }
}

/* The service's side of check-ins: asking a client who joins the measures due for the
 * occurrence, and keeping what the room scored (live/room.c, live_room_on_checkin_answer):
 * the answers sealed, a risk alert for the practitioner, both audited. */
#include <string.h>

#include "core/log.h"
#include "live/room.h"
#include "live/service_internal.h"
#include "practice/checkin_record.h"

void svc_ask_checkins(struct live_service *svc, struct room_entry *re, uint64_t conn,
                      int64_t client_id, int64_t group_id)
{
    struct arena a = {0};
    unsigned due = 0, answered = 0;
    if (checkins_due_for(svc->store, &a, client_id, group_id, re->occurrence_id, &due,
                         &answered) < 0) {
        /* the session matters more: asked nothing this time */
        log_warn("live", "occurrence=%lld: the check-ins due could not be read",
                 (long long)re->occurrence_id);
        goto out;
    }
    struct live_effects fx = {0};
    live_room_checkins_asked(meeting_room(re->meeting), conn, due, answered, &fx);
    svc_apply(svc, re, &fx);
    if (!due)
        goto out;
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
    /* the session's therapist: the client's practitioner */
    struct checkin_record row = {.client_id = k->client_id,
                                 .occurrence_id = re->occurrence_id,
                                 .therapist_id = re->staff[0],
                                 .measure = (enum measure_kind)k->measure,
                                 .answers = k->answers,
                                 .answer_count = k->answer_count,
                                 .word = k->word,
                                 .result = {.total = k->total, .band = k->band, .risk = k->risk},
                                 .at = k->at};
    int64_t id = 0, alert = 0;
    return checkin_record(svc->store, &row, &id, &alert);
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

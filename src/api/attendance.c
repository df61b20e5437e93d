/* GET /api/v1/sessions/{id}/attendance: who joined, waited, was admitted or turned away,
 * dropped, came back, left or was removed, and when — per occurrence, from the meetings'
 * records. Reading it is audited like any record about clients. */
#include <errno.h>

#include "api/routes.h"
#include "practice/schedule.h"

void sessions_attendance(struct api_call *call)
{
    struct store *st = call->ctx->store;
    struct store_series se;
    int rc = store_series_get(st, &call->arena, call->params[0], &se);
    if (rc == 0 && !api_may_act_for(call, se.therapist_id))
        rc = -ENOENT;
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    struct store_occurrence *occ;
    struct store_attendance *records;
    size_t nocc, nrec;
    if (store_occurrence_list(st, &call->arena, se.id, &occ, &nocc) < 0 ||
        store_attendance_list(st, &call->arena, se.id, &records, &nrec) < 0 ||
        api_audit(call, "attendance.read", se.id) < 0) {
        api_store_error(call, -EIO, "session");
        return;
    }
    json_t *occurrences = json_array();
    for (size_t i = 0; i < nocc; i++) {
        json_t *events = json_array();
        for (size_t k = 0; k < nrec; k++) {
            if (records[k].occurrence_id != occ[i].id)
                continue;
            char at[32];
            sched_format_rfc3339_utc(records[k].at, at);
            json_t *e = json_pack("{s:s,s:s}", "event", records[k].event, "at", at);
            if (records[k].client_id)
                json_object_set_new(e, "client_id", json_integer(records[k].client_id));
            else
                json_object_set_new(e, "user_id", json_integer(records[k].user_id));
            json_array_append_new(events, e);
        }
        char start[32];
        sched_format_rfc3339_utc(occ[i].starts_at, start);
        json_array_append_new(occurrences,
                              json_pack("{s:I,s:s,s:o}", "occurrence_id", (json_int_t)occ[i].id,
                                        "starts_at", start, "events", events));
    }
    api_json(call, 200,
             json_pack("{s:I,s:o}", "session_id", (json_int_t)se.id, "occurrences", occurrences));
}

/* The service's side of "Where are you right now?" (docs/BILLING.md, "Where the client
 * is"): a client who joins is asked, prefilled with their last answer (sent to their own
 * connection only); their answer (live/location.h) is kept for the occurrence, sealed and
 * audited, the therapist's licence is checked there (practice/licence_check.h), and the
 * room tells the hosts (live_room_set_location). Logs hold ids only, never a place or an
 * address. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "live/handlers.h"
#include "live/location.h"
#include "live/room.h"
#include "live/service_internal.h"
#include "practice/licence_check.h"

/* Whether the session's therapist (the series') holds no licence covering where the client
 * said they are, on the occurrence's date in the series' time zone. A check that cannot be
 * made is flagged: the host is warned rather than told nothing. */
static int licence_flagged(struct live_service *svc, const struct room_entry *re,
                           const char *jurisdiction)
{
    struct arena a = {0};
    struct store_occurrence o;
    struct store_series se;
    struct licence_check check;
    int flagged = 1;
    if (store_occurrence_get(svc->store, &a, re->occurrence_id, &o) == 0 &&
        store_series_get(svc->store, &a, o.series_id, &se) == 0 &&
        licence_check(svc->store, &a, se.therapist_id, jurisdiction, o.starts_at, se.time_zone,
                      &check) == 0)
        flagged = check.flagged;
    else
        log_warn("live", "occurrence=%lld: the licence check could not be made",
                 (long long)re->occurrence_id);
    arena_free(&a);
    return flagged;
}

/* Tells the room (and so the hosts) what the client said, with the licence check. */
static void tell_room(struct live_service *svc, struct room_entry *re, uint64_t conn,
                      const struct live_location *where)
{
    struct live_effects fx = {0};
    live_room_set_location(meeting_room(re->meeting), conn, where,
                           licence_flagged(svc, re, where->jurisdiction), &fx);
    svc_apply(svc, re, &fx);
}

/* the connection is still in the meeting (not closed by what joining did) */
static int c_still_here(struct live_service *svc, const struct room_entry *re, uint64_t conn)
{
    const struct live_conn *c = svc_find_conn(svc, conn);
    return c && c->room == re;
}

static json_t *answer_json(const struct store_session_location *l)
{
    return json_pack("{s:s,s:s,s:s}", "jurisdiction", l->jurisdiction, "place", l->place,
                     "emergency", l->emergency ? l->emergency : "");
}

void svc_ask_location(struct live_service *svc, struct room_entry *re, uint64_t conn,
                      int64_t client_id, int64_t now)
{
    struct arena a = {0};
    struct store_session_location l;
    json_t *prefill = json_null();
    int rc = store_session_location_get(svc->store, &a, re->occurrence_id, client_id, &l);
    if (rc == 0) {
        /* answered for this occurrence before (a reload, a restart): the hosts see it again */
        struct live_location where = {.place = CLIENT_LOCATION_UNKNOWN};
        int place = client_location_parse(l.place);
        if (place >= 0)
            where.place = (enum client_location)place;
        if (jurisdiction_normalise(l.jurisdiction, where.jurisdiction) < 0)
            where.jurisdiction[0] = '\0';
        snprintf(where.emergency, sizeof where.emergency, "%s", l.emergency ? l.emergency : "");
        tell_room(svc, re, conn, &where);
    } else if (rc == -ENOENT) {
        rc = store_session_location_last(svc->store, &a, client_id, &l);
    }
    if (rc == 0) {
        json_decref(prefill);
        prefill = answer_json(&l);
        if (store_audit(svc->store, 0, "session_location.read", client_id, now) < 0)
            log_warn("live", "occurrence=%lld: a read could not be audited",
                     (long long)re->occurrence_id);
    } else if (rc != -ENOENT) {
        log_warn("live", "occurrence=%lld: the last location could not be read",
                 (long long)re->occurrence_id);
    }
    arena_free(&a);
    if (c_still_here(svc, re, conn))
        svc_send_json(svc, conn, json_pack("{s:s,s:o}", "type", "location_ask", "last", prefill));
    else
        json_decref(prefill);
}

/* {"type":"location","jurisdiction":"US-CA","place":"home","emergency":"…"} from a client,
 * waiting or admitted: kept for the occurrence (the latest answer wins), and the hosts told. */
void live_service_on_location(struct live_service *svc, struct live_conn *c, const json_t *msg,
                              int64_t now)
{
    struct room_entry *re = c->room;
    assert(re); /* the table lets only those who joined send it */
    int from = 0;
    meeting_sender(re->meeting, c->id, &from);
    int64_t client_id = live_room_client_id(meeting_room(re->meeting), from);
    if (!client_id) {
        svc_send_error(svc, c->id, "not_asked", "Only clients are asked where they are.");
        return;
    }
    struct live_location where;
    const char *message;
    if (live_location_parse(msg, &where, &message) < 0) {
        svc_send_error(svc, c->id, "invalid_field", message);
        return;
    }
    struct store_session_location row = {
        .occurrence_id = re->occurrence_id,
        .client_id = client_id,
        .place = client_location_name(where.place),
        .jurisdiction = where.jurisdiction,
        .emergency = where.emergency[0] ? where.emergency : NULL,
        .answered_at = now,
    };
    int rc = store_begin(svc->store);
    if (rc == 0)
        rc = store_session_location_put(svc->store, &row);
    if (rc == 0) {
        struct store_audit_entry e = {.at = now,
                                      .action = "session_location.answer",
                                      .subject_id = row.id,
                                      .source = c->peer[0] ? c->peer : NULL};
        rc = store_audit_append(svc->store, &e);
    }
    if (rc == 0)
        rc = store_commit(svc->store);
    if (rc < 0) {
        store_rollback(svc->store);
        log_warn("live", "occurrence=%lld: where a client is could not be written (%d)",
                 (long long)re->occurrence_id, rc);
        svc_send_error(svc, c->id, "unavailable",
                       "Your answer could not be saved just now. Please try again.");
        return;
    }
    svc_send_json(svc, c->id, json_pack("{s:s}", "type", "location_saved"));
    tell_room(svc, re, c->id, &where);
}

/* GET /api/v1/sessions/{id}/attendance: who joined, waited, was admitted or turned away,
 * dropped, came back, left or was removed, and when — per occurrence, from the meetings'
 * records. Reading it is audited like any record about clients. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "practice/attendance.h"
#include "practice/charging.h"
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

/* ---- attendance over time: each client's status at each past occurrence ----
 * An occurrence counts once it is over (its end has passed, or the meeting was ended for
 * everyone) and was not cancelled. A client is counted at a one-to-one session's
 * occurrences, and at a group's from when they joined the group. */

struct attended {
    int64_t client_id, series_id, group_id, occurrence_id;
    int64_t starts_at, ends_at;
    const char *title;
    enum attendance_status status;
};

struct attended_list {
    struct attended *items;
    size_t n, cap;
};

static void attended_push(struct arena *a, struct attended_list *l, const struct attended *x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        struct attended *items = arena_alloc(a, cap * sizeof *items);
        if (l->n)
            memcpy(items, l->items, l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = *x;
}

/* Every counted (client, occurrence) of `series` for the clients of `members` (group
 * sessions) and `clients` (one-to-one sessions), appended to out. */
static int collect(struct api_call *call, const struct store_series *series, size_t nseries,
                   const struct store_membership *members, size_t nmembers, const int64_t *clients,
                   size_t nclients, struct attended_list *out)
{
    struct store *st = call->ctx->store;
    int64_t now = call->req->now;
    for (size_t s = 0; s < nseries; s++) {
        const struct store_series *se = &series[s];
        int wanted = 0;
        for (size_t m = 0; m < nmembers && !wanted; m++)
            wanted = se->group_id && members[m].group_id == se->group_id;
        for (size_t c = 0; c < nclients && !wanted; c++)
            wanted = se->client_id && clients[c] == se->client_id;
        if (!wanted)
            continue;
        struct store_occurrence *occ;
        struct store_attendance *records;
        size_t nocc, nrec;
        if (store_occurrence_list(st, &call->arena, se->id, &occ, &nocc) < 0 ||
            store_attendance_list(st, &call->arena, se->id, &records, &nrec) < 0)
            return -EIO;
        struct attendance_record *scratch =
            arena_alloc(&call->arena, (nrec ? nrec : 1) * sizeof *scratch);
        for (size_t i = 0; i < nocc; i++) {
            const struct store_occurrence *o = &occ[i];
            if (o->cancelled_at || !occurrence_over(o, now))
                continue;
            struct attended x = {.series_id = se->id,
                                 .group_id = se->group_id,
                                 .occurrence_id = o->id,
                                 .starts_at = o->starts_at,
                                 .ends_at = o->ends_at,
                                 .title = se->title};
            if (se->client_id) {
                for (size_t c = 0; c < nclients; c++) {
                    if (clients[c] != se->client_id)
                        continue;
                    x.client_id = se->client_id;
                    x.status = occurrence_status_of(o, x.client_id, records, nrec, scratch);
                    attended_push(&call->arena, out, &x);
                }
                continue;
            }
            /* members who were in the group when it began (or ended, held before its time) */
            for (size_t m = 0; m < nmembers; m++) {
                if (members[m].group_id != se->group_id ||
                    !occurrence_expects_member(o, &members[m]))
                    continue;
                x.client_id = members[m].client_id;
                x.status = occurrence_status_of(o, x.client_id, records, nrec, scratch);
                attended_push(&call->arena, out, &x);
            }
        }
    }
    return 0;
}

static int by_start(const void *pa, const void *pb)
{
    const struct attended *a = pa, *b = pb;
    if (a->starts_at != b->starts_at)
        return a->starts_at < b->starts_at ? -1 : 1;
    return a->occurrence_id < b->occurrence_id ? -1 : a->occurrence_id > b->occurrence_id;
}

struct tally {
    int counts[ATTENDANCE_NO_SHOW + 1];
    int held;
    size_t missed_in_a_row;
};

/* The client's rows (sorted by start) tallied. */
static void tally_of(struct arena *a, const struct attended_list *l, int64_t client_id,
                     struct tally *t)
{
    memset(t, 0, sizeof *t);
    enum attendance_status *seq = arena_alloc(a, (l->n ? l->n : 1) * sizeof *seq);
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i].client_id != client_id)
            continue;
        t->counts[l->items[i].status]++;
        seq[t->held++] = l->items[i].status;
    }
    t->missed_in_a_row = attendance_missed_in_a_row(seq, (size_t)t->held);
}

static json_t *tally_json(const struct tally *t)
{
    int came = t->counts[ATTENDANCE_ATTENDED] + t->counts[ATTENDANCE_LATE];
    return json_pack("{s:i,s:i,s:i,s:i,s:i,s:o,s:i}", "held", t->held, "attended",
                     t->counts[ATTENDANCE_ATTENDED], "late", t->counts[ATTENDANCE_LATE],
                     "left_early", t->counts[ATTENDANCE_LEFT_EARLY], "no_show",
                     t->counts[ATTENDANCE_NO_SHOW], "rate",
                     t->held ? json_real((double)came / t->held) : json_null(), "missed_in_a_row",
                     (int)t->missed_in_a_row);
}

void client_attendance(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    struct store *st = call->ctx->store;
    struct store_series *series;
    struct store_membership *members;
    size_t nseries, nmembers;
    struct attended_list rows = {0};
    if (store_series_list(st, &call->arena, c.therapist_id, &series, &nseries) < 0 ||
        store_memberships_of_client(st, &call->arena, c.id, &members, &nmembers) < 0 ||
        collect(call, series, nseries, members, nmembers, &c.id, 1, &rows) < 0 ||
        api_audit(call, "attendance.client_read", c.id) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    if (rows.n)
        qsort(rows.items, rows.n, sizeof *rows.items, by_start);
    json_t *list = json_array();
    for (size_t i = 0; i < rows.n; i++) {
        const struct attended *x = &rows.items[i];
        char start[32], end[32];
        sched_format_rfc3339_utc(x->starts_at, start);
        sched_format_rfc3339_utc(x->ends_at, end);
        json_t *j =
            json_pack("{s:I,s:I,s:s,s:s,s:s,s:s}", "session_id", (json_int_t)x->series_id,
                      "occurrence_id", (json_int_t)x->occurrence_id, "title", x->title, "starts_at",
                      start, "ends_at", end, "status", attendance_status_name(x->status));
        json_object_set_new(j, "group_id", x->group_id ? json_integer(x->group_id) : json_null());
        json_array_append_new(list, j);
    }
    struct tally t;
    tally_of(&call->arena, &rows, c.id, &t);
    api_json(call, 200,
             json_pack("{s:I,s:o,s:o}", "client_id", (json_int_t)c.id, "occurrences", list,
                       "summary", tally_json(&t)));
}

/* A member's latest score on each measure they answered (PHQ-9, GAD-7, mood, in the order
 * first answered); null when they never answered a check-in. */
static int last_scores(struct api_call *call, int64_t client_id, json_t **out)
{
    struct store_checkin *answers;
    size_t n;
    int rc = store_checkin_list(call->ctx->store, &call->arena, client_id, &answers, &n);
    if (rc < 0)
        return rc;
    *out = json_null();
    if (!n)
        return 0;
    json_t *latest = json_array();
    /* oldest first: a later answer to a measure replaces the one before */
    for (size_t i = 0; i < n; i++) {
        const struct store_checkin *a = &answers[i];
        char at[32];
        sched_format_rfc3339_utc(a->answered_at, at);
        json_t *score = json_pack("{s:s,s:i,s:s?,s:s}", "measure", a->measure, "total", a->total,
                                  "band", a->band, "answered_at", at);
        size_t k;
        json_t *had;
        json_array_foreach(latest, k, had)
        {
            if (strcmp(json_string_value(json_object_get(had, "measure")), a->measure) == 0)
                break;
        }
        if (k < json_array_size(latest))
            json_array_set_new(latest, k, score);
        else
            json_array_append_new(latest, score);
    }
    json_decref(*out);
    *out = latest;
    return 0;
}

void group_roster(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 0, &g) < 0)
        return;
    struct store *st = call->ctx->store;
    struct store_series *all;
    struct store_membership *members;
    size_t nall, nmembers;
    struct attended_list rows = {0};
    if (store_series_list(st, &call->arena, g.therapist_id, &all, &nall) < 0 ||
        store_memberships_of_group(st, &call->arena, g.id, &members, &nmembers) < 0 ||
        collect(call, all, nall, members, nmembers, NULL, 0, &rows) < 0 ||
        api_audit(call, "group.roster_read", g.id) < 0) {
        api_store_error(call, -EIO, "group");
        return;
    }
    if (rows.n)
        qsort(rows.items, rows.n, sizeof *rows.items, by_start);
    json_t *list = json_array();
    for (size_t m = 0; m < nmembers; m++) {
        struct store_client c;
        if (store_client_get(st, &call->arena, members[m].client_id, &c) < 0) {
            json_decref(list);
            api_store_error(call, -EIO, "group");
            return;
        }
        struct tally t;
        tally_of(&call->arena, &rows, c.id, &t);
        char since[32];
        sched_format_rfc3339_utc(members[m].added_at, since);
        json_t *j = json_pack("{s:I,s:s,s:s,s:o}", "client_id", (json_int_t)c.id, "name", c.name,
                              "member_since", since, "attendance", tally_json(&t));
        json_t *scores;
        if (last_scores(call, c.id, &scores) < 0) {
            json_decref(j);
            json_decref(list);
            api_store_error(call, -EIO, "group");
            return;
        }
        json_object_set_new(j, "last_scores", scores);
        json_array_append_new(list, j);
    }
    api_json(call, 200, json_pack("{s:I,s:o}", "group_id", (json_int_t)g.id, "members", list));
}

/* The practitioner's clients who missed the latest ATTENDANCE_NUDGE_AFTER or more sessions
 * in a row, for the dashboard. */
void attendance_nudges(struct api_call *call)
{
    struct store *st = call->ctx->store;
    struct store_client *clients;
    struct store_series *series;
    struct store_group *groups;
    size_t nclients, nseries, ngroups;
    if (store_client_list(st, &call->arena, call->user.id, &clients, &nclients) < 0 ||
        store_series_list(st, &call->arena, call->user.id, &series, &nseries) < 0 ||
        store_group_list(st, &call->arena, call->user.id, &groups, &ngroups) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    int64_t *ids = arena_alloc(&call->arena, (nclients ? nclients : 1) * sizeof *ids);
    for (size_t i = 0; i < nclients; i++)
        ids[i] = clients[i].id;
    struct attended_list rows = {0};
    for (size_t g = 0; g < ngroups; g++) {
        struct store_membership *members;
        size_t nmembers;
        if (groups[g].therapist_id != call->user.id)
            continue; /* a co-facilitated group's members are another's clients */
        if (store_memberships_of_group(st, &call->arena, groups[g].id, &members, &nmembers) < 0 ||
            collect(call, series, nseries, members, nmembers, NULL, 0, &rows) < 0) {
            api_store_error(call, -EIO, "client");
            return;
        }
    }
    if (collect(call, series, nseries, NULL, 0, ids, nclients, &rows) < 0 ||
        api_audit(call, "attendance.nudges_read", 0) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    if (rows.n)
        qsort(rows.items, rows.n, sizeof *rows.items, by_start);
    json_t *list = json_array();
    for (size_t i = 0; i < nclients; i++) {
        struct tally t;
        tally_of(&call->arena, &rows, clients[i].id, &t);
        if (t.missed_in_a_row < ATTENDANCE_NUDGE_AFTER)
            continue;
        /* the latest occurrence missed: a nudge dismissed stays dismissed until another */
        int64_t latest = 0;
        for (size_t k = 0; k < rows.n; k++)
            if (rows.items[k].client_id == clients[i].id)
                latest = rows.items[k].occurrence_id;
        json_array_append_new(list, json_pack("{s:I,s:s,s:i,s:I}", "client_id",
                                              (json_int_t)clients[i].id, "name", clients[i].name,
                                              "missed_in_a_row", (int)t.missed_in_a_row,
                                              "latest_occurrence_id", (json_int_t)latest));
    }
    api_json(call, 200, json_pack("{s:o}", "nudges", list));
}

/* Sessions: a one-off or weekly series with a client or a group, its occurrences (each
 * with a meeting id and password), a personal link per invitee, and the mail that goes
 * with creating, rescheduling and cancelling. Times are DST-correct: the series keeps its
 * local wall time in its time zone (practice/schedule.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "api/sessions.h"
#include "auth/links.h"
#include "core/limits.h"
#include "core/rand.h"
#include "practice/charging.h"
#include "practice/mailer.h"
#include "practice/schedule.h"

#define MAX_CONFLICTS_SHOWN 20
#define PASSWORD_ALPHABET "abcdefghjkmnpqrstuvwxyz23456789" /* no 0/o, 1/l/i to confuse */

static void new_meeting_id(char out[11])
{
    uint64_t r;
    rand_bytes(&r, sizeof r);
    snprintf(out, 11, "%010llu", (unsigned long long)(1000000000ULL + r % 9000000000ULL));
}

static void new_password(char out[9])
{
    uint8_t r[8];
    rand_bytes(r, sizeof r);
    for (int i = 0; i < 8; i++)
        out[i] = PASSWORD_ALPHABET[r[i] % (sizeof PASSWORD_ALPHABET - 1)];
    out[8] = '\0';
}

static const char *status_of(int64_t cancelled_at)
{
    return cancelled_at ? "cancelled" : "scheduled";
}

/* {"freq":"weekly","interval":1,"count":10} from "FREQ=WEEKLY;INTERVAL=1;COUNT=10". */
static json_t *recurrence_json(const char *rrule)
{
    if (!rrule || !*rrule)
        return json_null();
    json_t *r = json_pack("{s:s}", "freq", "weekly");
    const char *p;
    if ((p = strstr(rrule, "INTERVAL=")))
        json_object_set_new(r, "interval", json_integer(atoi(p + 9)));
    if ((p = strstr(rrule, "COUNT=")))
        json_object_set_new(r, "count", json_integer(atoi(p + 6)));
    if ((p = strstr(rrule, "UNTIL=")) && strlen(p + 6) >= 16) {
        char until[32];
        snprintf(until, sizeof until, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", p + 6, p + 10, p + 12,
                 p + 15, p + 17, p + 19);
        json_object_set_new(r, "until", json_string(until));
    }
    return r;
}

static json_t *occurrence_json(const struct store_occurrence *o)
{
    char start[32], end[32], original[32];
    sched_format_rfc3339_utc(o->starts_at, start);
    sched_format_rfc3339_utc(o->ends_at, end);
    sched_format_rfc3339_utc(o->original_start, original);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)o->id, "starts_at", start,
                     "ends_at", end, "original_start", original, "meeting_id", o->meeting_id,
                     "password", o->password, "status", status_of(o->cancelled_at));
}

/* The page where a signed-in therapist or co-facilitator joins the session. */
static char *meeting_path(struct arena *a, const char *public_url, int64_t series_id)
{
    char path[48];
    snprintf(path, sizeof path, "/m/%lld", (long long)series_id);
    return link_url(a, public_url, "", path);
}

int sessions_json(struct api_call *call, int64_t series_id, json_t **out)
{
    struct store *st = call->ctx->store;
    struct store_series se;
    struct store_occurrence *occ;
    struct store_invite *inv;
    size_t nocc, ninv;
    int rc = store_series_get(st, &call->arena, series_id, &se);
    if (rc == 0)
        rc = store_occurrence_list(st, &call->arena, series_id, &occ, &nocc);
    if (rc == 0)
        rc = store_invite_list(st, &call->arena, series_id, &inv, &ninv);
    if (rc < 0)
        return api_store_error(call, rc, "session");
    json_t *occurrences = json_array();
    const struct store_occurrence *next = NULL;
    for (size_t i = 0; i < nocc; i++) {
        json_array_append_new(occurrences, occurrence_json(&occ[i]));
        if (!next && !occ[i].cancelled_at && occ[i].ends_at > call->req->now)
            next = &occ[i];
    }
    if (!next && nocc)
        next = &occ[0];
    /* a client's personal link is a credential: the therapist and admins see it, a
     * co-facilitator sees who is invited but never the link */
    bool links = api_may_act_for(call, se.therapist_id);
    json_t *invites = json_array();
    for (size_t i = 0; i < ninv; i++) {
        if (inv[i].revoked_at)
            continue;
        json_t *invite = json_pack("{s:I}", "client_id", (json_int_t)inv[i].client_id);
        if (links)
            json_object_set_new(invite, "url",
                                json_string(link_url(&call->arena, call->ctx->cfg->public_url,
                                                     "/j/", inv[i].token)));
        json_array_append_new(invites, invite);
    }
    json_t *settings = json_loads(se.settings, 0, NULL);
    *out =
        json_pack("{s:I,s:s,s:I,s:o,s:o,s:s,s:i,s:o,s:o,s:s,s:s?,s:s?,s:s?,s:o,s:o}", "id",
                  (json_int_t)se.id, "title", se.title, "therapist_id", (json_int_t)se.therapist_id,
                  "client_id", se.client_id ? json_integer(se.client_id) : json_null(), "group_id",
                  se.group_id ? json_integer(se.group_id) : json_null(), "time_zone", se.time_zone,
                  "duration_minutes", se.duration_minutes, "recurrence", recurrence_json(se.rrule),
                  "settings", settings ? settings : json_object(), "status",
                  status_of(se.cancelled_at), "meeting_id", next ? next->meeting_id : NULL,
                  "password", next ? next->password : NULL, "host_url",
                  /* the therapist's own link; it hosts only for her signed-in browser (anyone else
                   * is sent to sign in), so it is no bearer credential. Co-facilitators and admins
                   * use meeting_url. */
                  call->user.id == se.therapist_id
                      ? link_url(&call->arena, call->ctx->cfg->public_url, "/j/", se.host_token)
                      : NULL,
                  "invites", invites, "occurrences", occurrences);
    json_object_set_new(*out, "meeting_url",
                        json_string(meeting_path(&call->arena, call->ctx->cfg->public_url, se.id)));
    return 0;
}

static void answer_session(struct api_call *call, int status, int64_t series_id)
{
    json_t *j;
    if (sessions_json(call, series_id, &j) == 0)
        api_json(call, status, json_pack("{s:o}", "session", j));
}

/* 409 with the sessions in the way, unless the caller allowed overlaps. Returns -1 when
 * answered. skip_series: occurrences of this series do not count (being replaced). */
static int check_overlaps(struct api_call *call, int64_t therapist_id, const int64_t *starts,
                          int count, int duration_minutes, int64_t skip_occurrence)
{
    json_t *conflicts = json_array();
    for (int i = 0; i < count && json_array_size(conflicts) < MAX_CONFLICTS_SHOWN; i++) {
        struct store_occurrence *hits;
        size_t n;
        int64_t end = starts[i] + (int64_t)duration_minutes * 60000;
        if (store_occurrence_overlapping(call->ctx->store, &call->arena, therapist_id, starts[i],
                                         end, &hits, &n) < 0) {
            json_decref(conflicts);
            return api_store_error(call, -EIO, "session");
        }
        for (size_t k = 0; k < n && json_array_size(conflicts) < MAX_CONFLICTS_SHOWN; k++) {
            if (hits[k].id == skip_occurrence)
                continue;
            char s[32], e[32];
            sched_format_rfc3339_utc(hits[k].starts_at, s);
            sched_format_rfc3339_utc(hits[k].ends_at, e);
            json_array_append_new(conflicts,
                                  json_pack("{s:I,s:I,s:s,s:s}", "session_id",
                                            (json_int_t)hits[k].series_id, "occurrence_id",
                                            (json_int_t)hits[k].id, "starts_at", s, "ends_at", e));
        }
    }
    if (json_array_size(conflicts) == 0) {
        json_decref(conflicts);
        return 0;
    }
    api_error_with(call, 409, "overlap",
                   "This overlaps other sessions of yours. Choose another time, or set "
                   "\"allow_overlap\": true.",
                   json_pack("{s:o}", "conflicts", conflicts));
    return -1;
}

/* Inserts the series, its occurrences and its invites. */
static int create_series(struct api_call *call, const struct series_spec *spec,
                         const int64_t *invitees, size_t ninvitees, int64_t *series_id)
{
    struct store *st = call->ctx->store;
    char rrule[128], host_token[LINK_TOKEN_CHARS + 1], uid[96], uid_random[32];
    sched_rrule_string(&spec->rule, rrule);
    rand_token(uid_random, sizeof uid_random, 18);
    const char *host = strstr(call->ctx->cfg->public_url, "://");
    host = host ? host + 3 : call->ctx->cfg->public_url;
    snprintf(uid, sizeof uid, "%s@%.*s", uid_random, (int)strcspn(host, ":/"), host);
    struct store_series se = {
        .therapist_id = spec->therapist_id,
        .client_id = spec->client_id,
        .group_id = spec->group_id,
        .title = (char *)spec->title,
        .time_zone = (char *)spec->time_zone,
        .duration_minutes = spec->duration_minutes,
        .rrule = rrule,
        .settings = (char *)spec->settings,
        .ics_uid = uid,
        .created_at = call->req->now,
        .host_token = host_token,
    };
    link_token_new(host_token, se.host_token_hash);
    int rc = store_series_insert(st, &se, series_id);
    for (int i = 0; rc == 0 && i < spec->count; i++) {
        char meeting_id[11], password[9];
        new_password(password);
        struct store_occurrence o = {
            .series_id = *series_id,
            .therapist_id = spec->therapist_id,
            .original_start = spec->starts[i],
            .starts_at = spec->starts[i],
            .ends_at = spec->starts[i] + (int64_t)spec->duration_minutes * 60000,
            .meeting_id = meeting_id,
            .password = password,
        };
        int64_t id;
        int tries = 0;
        do { /* ten digits are plenty, but two sessions may still draw the same */
            new_meeting_id(meeting_id);
            rc = store_occurrence_insert(st, &o, &id);
        } while (rc == -EEXIST && ++tries < 8);
    }
    for (size_t i = 0; rc == 0 && i < ninvitees; i++) {
        char token[LINK_TOKEN_CHARS + 1];
        struct store_invite inv = {.series_id = *series_id,
                                   .client_id = invitees[i],
                                   .token = token,
                                   .created_at = call->req->now};
        link_token_new(token, inv.token_hash);
        int64_t id;
        rc = store_invite_insert(st, &inv, &id);
    }
    if (rc == 0)
        rc = api_audit(call, "session.create", *series_id);
    return rc;
}

/* Mail, then a word to the mail thread once the transaction has committed. */
static int queue_mail(struct api_call *call, enum mailer_kind kind, int64_t series_id)
{
    int rc = mailer_queue(call->ctx->store, &call->arena, call->ctx->cfg, kind, series_id, 0,
                          call->req->now);
    if (rc < 0)
        return api_store_error(call, rc, "session");
    if (rc > 0)
        call->ctx->mail_queued = 1;
    return 0;
}

/* The repetition, if any. starts_at is NULL when the start itself was wrong: then an end
 * date cannot be compared with it. Problems are recorded (api_field_error). */
static int read_recurrence(struct api_call *call, const int64_t *starts_at, struct sched_rule *rule)
{
    json_t *r = json_object_get(call->body, "recurrence");
    rule->freq = SCHED_ONCE;
    rule->interval = 1;
    rule->count = 1;
    if (!r || json_is_null(r))
        return 0;
    if (!json_is_object(r)) {
        api_field_error(call, "invalid_field", "recurrence", "Choose how the session repeats.");
        return -1;
    }
    const char *freq = json_string_value(json_object_get(r, "freq"));
    if (!freq || strcmp(freq, "weekly") != 0) {
        api_field_error(call, "invalid_field", "recurrence", "Sessions can repeat weekly only.");
        return -1;
    }
    json_t *interval = json_object_get(r, "interval");
    json_t *count = json_object_get(r, "count");
    json_t *until = json_object_get(r, "until");
    if (interval && (!json_is_integer(interval) || json_integer_value(interval) < 1 ||
                     json_integer_value(interval) > 2)) {
        api_field_error(call, "invalid_field", "recurrence",
                        "Choose every week or every other week.");
        return -1;
    }
    if (!count == !until) {
        api_field_error(call, "recurrence_without_end", "recurrence",
                        "Choose when the repeating sessions end: after a number of sessions, "
                        "or on a date.");
        return -1;
    }
    rule->freq = SCHED_WEEKLY;
    rule->interval = interval ? (int)json_integer_value(interval) : 1;
    rule->count = 0;
    if (count) {
        if (!json_is_integer(count) || json_integer_value(count) < 1 ||
            json_integer_value(count) > SCHED_MAX_OCCURRENCES) {
            api_field_error(call, "invalid_field", "recurrence", "Choose from 1 to 200 sessions.");
            return -1;
        }
        rule->count = (int)json_integer_value(count);
    } else if (!json_is_string(until) ||
               sched_parse_rfc3339(json_string_value(until), &rule->until_utc) < 0) {
        api_field_error(call, "invalid_field", "recurrence",
                        "Choose the date the repeating sessions end.");
        return -1;
    } else if (starts_at && rule->until_utc < *starts_at) {
        api_field_error(call, "ends_before_start", "recurrence",
                        "The repeating sessions end before the first one.");
        return -1;
    }
    return 0;
}

int sessions_read_settings(struct api_call *call, const char **out)
{
    static const char *const keys[] = {"waiting_room", "require_password", "host_video",
                                       "participant_video", "chat"};
    json_t *settings = json_object();
    int bad = 0;
    *out = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int v;
        if (api_field_bool(call, keys[i], 1, &v) < 0)
            bad = 1; /* and the others are checked too */
        else
            json_object_set_new(settings, keys[i], json_boolean(v));
    }
    if (!bad) {
        char *text = json_dumps(settings, JSON_COMPACT);
        *out = arena_strdup(&call->arena, text);
        free(text);
    }
    json_decref(settings);
    return bad ? -1 : 0;
}

/* Exactly one of client_id and group_id. */
static int read_client_or_group(struct api_call *call, struct series_spec *spec)
{
    int64_t client_id, group_id;
    int bad = api_field_int(call, "client_id", 1, INT64_MAX, 0, &client_id) < 0;
    bad |= api_field_int(call, "group_id", 1, INT64_MAX, 0, &group_id) < 0;
    if (bad)
        return -1;
    if (!client_id == !group_id) {
        api_field_error(call, "client_or_group", "client_id",
                        "Choose a client for a one-to-one session, or a group for a group "
                        "session.");
        return -1;
    }
    spec->client_id = client_id;
    spec->group_id = group_id;
    return 0;
}

/* Who gets a link: the client, or the group's members (checking the capacity). */
static int load_invitees(struct api_call *call, const struct series_spec *spec, int64_t **ids,
                         size_t *n)
{
    if (spec->client_id) {
        struct store_client c;
        if (api_load_client(call, spec->client_id, &c) < 0)
            return -1;
        *ids = arena_alloc(&call->arena, sizeof **ids);
        (*ids)[0] = spec->client_id;
        *n = 1;
        return 0;
    }
    struct store_group g;
    if (api_load_group(call, spec->group_id, 1, &g) < 0)
        return -1;
    if (store_group_members(call->ctx->store, &call->arena, spec->group_id, ids, n) < 0)
        return api_store_error(call, -EIO, "group");
    if ((int)*n > g.capacity) {
        char message[160];
        snprintf(message, sizeof message,
                 "The group has %zu members but room for %d. Raise its capacity or remove "
                 "members first.",
                 *n, g.capacity);
        api_error(call, 409, "group_over_capacity", message);
        return -1;
    }
    return 0;
}

/* starts_at plus either duration_minutes or ends_at. Problems are recorded
 * (api_field_error); *starts_at is set only when it returns 0. */
static int read_times(struct api_call *call, int64_t *starts_at, int *duration, int def)
{
    const char *start_text, *end_text;
    int64_t start = 0, minutes;
    int bad = 0, start_ok = 0;
    if (api_field_string(call, "starts_at", 1, 64, &start_text, NULL) < 0) {
        bad = 1;
    } else if (sched_parse_rfc3339(start_text, &start) < 0) {
        api_field_error(call, "invalid_field", "starts_at", "Choose a start date and time.");
        bad = 1;
    } else {
        start_ok = 1;
    }
    int64_t ends_at = 0;
    bad |= api_field_optional_string(call, "ends_at", 1, 64, &end_text) < 0;
    if (end_text && sched_parse_rfc3339(end_text, &ends_at) < 0) {
        api_field_error(call, "invalid_field", "ends_at", "Choose an end date and time.");
        bad = 1;
        end_text = NULL;
    }
    bad |= api_field_int(call, "duration_minutes", 5, 480, def, &minutes) < 0;
    if (end_text) { /* given and a time: it sets the length */
        if (start_ok && ends_at <= start) {
            api_field_error(call, "ends_before_start", "ends_at",
                            "The session ends before it starts.");
            bad = 1;
        } else if (start_ok) {
            minutes = (ends_at - start) / 60000;
            if (minutes < 5 || minutes > 480) {
                api_field_error(call, "invalid_field", "ends_at",
                                "A session lasts 5 minutes to 8 hours.");
                bad = 1;
            }
        }
    }
    if (bad)
        return -1;
    *starts_at = start;
    *duration = (int)minutes;
    return 0;
}

int sessions_create_for(struct api_call *call, struct series_spec *spec, int64_t starts_at,
                        int allow_overlap, int64_t *series_id)
{
    int64_t *invitees;
    size_t ninvitees;
    if (load_invitees(call, spec, &invitees, &ninvitees) < 0)
        return -1;
    spec->rule.tz = spec->time_zone;
    if (sched_local_from_utc(spec->time_zone, starts_at, &spec->rule.first) < 0) {
        api_field_error(call, "invalid_field", "starts_at", "Choose a start date and time.");
        return -1;
    }
    spec->starts = arena_alloc(&call->arena, SCHED_MAX_OCCURRENCES * sizeof *spec->starts);
    spec->count = sched_expand(&spec->rule, spec->starts, SCHED_MAX_OCCURRENCES);
    if (spec->count == -E2BIG) {
        api_field_error(call, "too_many_occurrences", "recurrence",
                        "That recurrence makes more than 200 sessions; choose an earlier end.");
        return -1;
    }
    if (spec->count <= 0) {
        api_field_error(call, "invalid_field", "recurrence", "The recurrence makes no sessions.");
        return -1;
    }
    if (!allow_overlap && check_overlaps(call, spec->therapist_id, spec->starts, spec->count,
                                         spec->duration_minutes, 0) < 0)
        return -1;
    int rc = create_series(call, spec, invitees, ninvitees, series_id);
    if (rc < 0)
        return api_store_error(call, rc, "session");
    return queue_mail(call, MAILER_INVITE, *series_id);
}

void sessions_create(struct api_call *call)
{
    struct series_spec spec = {.therapist_id = call->user.id};
    int64_t starts_at = 0;
    int allow_overlap;
    /* every field is checked, then the problems answered together; nothing is used
     * before (a failed field's value is not set) */
    api_field_string(call, "title", 1, LIMIT_TITLE, &spec.title, NULL);
    api_field_time_zone(call, "time_zone", &spec.time_zone);
    int times_ok = read_times(call, &starts_at, &spec.duration_minutes, 50) == 0;
    read_recurrence(call, times_ok ? &starts_at : NULL, &spec.rule);
    sessions_read_settings(call, &spec.settings);
    api_field_bool(call, "allow_overlap", 0, &allow_overlap);
    read_client_or_group(call, &spec);
    if (api_fields_failed(call))
        return;
    int64_t series_id;
    if (sessions_create_for(call, &spec, starts_at, allow_overlap, &series_id) < 0)
        return;
    answer_session(call, 201, series_id);
}

/* Co-facilitators of a group may read its sessions (to join them); only the therapist and
 * admins change them. */
static int is_cofacilitator(struct api_call *call, const struct store_series *se)
{
    int64_t *ids;
    size_t n;
    if (!se->group_id ||
        store_group_facilitators(call->ctx->store, &call->arena, se->group_id, &ids, &n) < 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] == call->user.id)
            return 1;
    return 0;
}

static int load_series(struct api_call *call, int64_t id, int write, struct store_series *out)
{
    int rc = store_series_get(call->ctx->store, &call->arena, id, out);
    if (rc == 0 && !api_may_act_for(call, out->therapist_id) &&
        (write || !is_cofacilitator(call, out)))
        rc = -ENOENT;
    return rc < 0 ? api_store_error(call, rc, "session") : 0;
}

void sessions_list(struct api_call *call)
{
    struct store_series *series;
    size_t n;
    int64_t who = call->user.id;
    /* invitees' names and links are in it: a read of each, written once */
    if (store_series_list(call->ctx->store, &call->arena, who, &series, &n) < 0 ||
        api_audit(call, "session.list", 0) < 0) {
        api_store_error(call, -EIO, "session");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j;
        if (sessions_json(call, series[i].id, &j) < 0) {
            json_decref(list);
            return;
        }
        json_array_append_new(list, j);
    }
    api_json(call, 200, json_pack("{s:o}", "sessions", list));
}

void sessions_get(struct api_call *call)
{
    struct store_series se;
    if (load_series(call, call->params[0], 0, &se) < 0)
        return;
    if (api_audit(call, "session.read", se.id) < 0) {
        api_store_error(call, -EIO, "session");
        return;
    }
    answer_session(call, 200, se.id);
}

/* The occurrence {id} of series {id}, not cancelled. */
static int load_occurrence(struct api_call *call, struct store_series *se,
                           struct store_occurrence *o)
{
    if (load_series(call, call->params[0], 1, se) < 0)
        return -1;
    int rc = store_occurrence_get(call->ctx->store, &call->arena, call->params[1], o);
    if (rc == 0 && o->series_id != se->id)
        rc = -ENOENT;
    if (rc < 0)
        return api_store_error(call, rc, "occurrence");
    if (o->cancelled_at || se->cancelled_at) {
        api_error(call, 409, "cancelled", "This session is cancelled already.");
        return -1;
    }
    return 0;
}

static int read_scope(struct api_call *call, int *following)
{
    const char *scope;
    *following = 0;
    if (api_field_optional_string(call, "scope", 1, 16, &scope) < 0)
        return -1;
    if (scope && strcmp(scope, "this") != 0 && strcmp(scope, "following") != 0) {
        api_field_error(call, "invalid_field", "scope",
                        "Choose this session only, or this and all later ones.");
        return -1;
    }
    *following = scope && strcmp(scope, "following") == 0;
    return 0;
}

/* Ends the series' rule before `from` and cancels `from` and every later occurrence.
 * *left says how many occurrences remain (not cancelled) before it. */
static int truncate_series(struct api_call *call, struct store_series *se,
                           const struct store_occurrence *from, int *moved, int *left)
{
    struct store_occurrence *occ;
    size_t n;
    int rc = store_occurrence_list(call->ctx->store, &call->arena, se->id, &occ, &n);
    *moved = *left = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (occ[i].original_start < from->original_start) {
            *left += !occ[i].cancelled_at;
            continue;
        }
        (*moved)++;
        if (!occ[i].cancelled_at) {
            occ[i].cancelled_at = call->req->now;
            rc = store_occurrence_update(call->ctx->store, &occ[i]);
        }
    }
    if (rc < 0)
        return rc;
    struct sched_rule rule = {.tz = se->time_zone,
                              .freq = SCHED_WEEKLY,
                              .interval = strstr(se->rrule, "INTERVAL=2") ? 2 : 1,
                              .until_utc = from->original_start - 1000};
    char rrule[128];
    sched_rrule_string(&rule, rrule);
    se->rrule = arena_strdup(&call->arena, rrule);
    se->sequence++;
    if (*left == 0)
        se->cancelled_at = call->req->now;
    return store_series_update(call->ctx->store, se);
}

/* After a change: the series' invitees get an update, or a cancellation when nothing
 * is left of it. */
static int announce(struct api_call *call, const struct store_series *se)
{
    return queue_mail(call, se->cancelled_at ? MAILER_CANCEL : MAILER_UPDATE, se->id);
}

void occurrence_reschedule(struct api_call *call)
{
    struct store_series se;
    struct store_occurrence o;
    int following, allow_overlap;
    int64_t starts_at;
    int duration;
    if (load_occurrence(call, &se, &o) < 0)
        return;
    read_scope(call, &following);
    read_times(call, &starts_at, &duration, se.duration_minutes);
    api_field_bool(call, "allow_overlap", 0, &allow_overlap);
    if (api_fields_failed(call))
        return;
    struct store *st = call->ctx->store;
    if (!following || !se.rrule[0]) {
        if (!allow_overlap &&
            check_overlaps(call, se.therapist_id, &starts_at, 1, duration, o.id) < 0)
            return;
        o.starts_at = starts_at;
        o.ends_at = starts_at + (int64_t)duration * 60000;
        se.sequence++;
        int rc = store_occurrence_update(st, &o);
        if (rc == 0)
            rc = store_series_update(st, &se);
        if (rc == 0)
            rc = api_audit(call, "session.reschedule", se.id);
        if (rc < 0) {
            api_store_error(call, rc, "session");
            return;
        }
        if (queue_mail(call, MAILER_UPDATE, se.id) == 0)
            answer_session(call, 200, se.id);
        return;
    }
    /* this and following: the old series ends before this occurrence and a new series
     * (a new calendar entry, new links) carries on at the new time */
    int moved, left;
    int rc = truncate_series(call, &se, &o, &moved, &left);
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    struct series_spec spec = {
        .therapist_id = se.therapist_id,
        .client_id = se.client_id,
        .group_id = se.group_id,
        .title = se.title,
        .time_zone = se.time_zone,
        .settings = se.settings,
        .duration_minutes = duration,
        .rule = {.tz = se.time_zone,
                 .freq = SCHED_WEEKLY,
                 .interval = strstr(se.rrule, "INTERVAL=2") ? 2 : 1,
                 .count = moved},
    };
    sched_local_from_utc(se.time_zone, starts_at, &spec.rule.first);
    spec.starts = arena_alloc(&call->arena, SCHED_MAX_OCCURRENCES * sizeof *spec.starts);
    spec.count = sched_expand(&spec.rule, spec.starts, SCHED_MAX_OCCURRENCES);
    if (spec.count <= 0) {
        api_field_error(call, "invalid_field", "starts_at", "The new times make no sessions.");
        return;
    }
    if (!allow_overlap && check_overlaps(call, spec.therapist_id, spec.starts, spec.count,
                                         spec.duration_minutes, 0) < 0)
        return;
    struct store_invite *inv;
    size_t ninv;
    if (store_invite_list(st, &call->arena, se.id, &inv, &ninv) < 0) {
        api_store_error(call, -EIO, "session");
        return;
    }
    int64_t *invitees = arena_alloc(&call->arena, (ninv + 1) * sizeof *invitees);
    size_t n = 0;
    for (size_t i = 0; i < ninv; i++) {
        /* only those the link is still for: a member removed or a client archived since
         * is not invited again */
        int current;
        if (store_invite_current(st, inv[i].id, &current) < 0) {
            api_store_error(call, -EIO, "session");
            return;
        }
        if (current)
            invitees[n++] = inv[i].client_id;
    }
    int64_t new_id;
    rc = create_series(call, &spec, invitees, n, &new_id);
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    if (announce(call, &se) < 0 || queue_mail(call, MAILER_INVITE, new_id) < 0)
        return;
    json_t *now_json, *before_json;
    if (sessions_json(call, new_id, &now_json) < 0)
        return;
    if (sessions_json(call, se.id, &before_json) < 0) {
        json_decref(now_json);
        return;
    }
    api_json(call, 200, json_pack("{s:o,s:o}", "session", now_json, "previous", before_json));
}

void occurrence_cancel(struct api_call *call)
{
    struct store_series se;
    struct store_occurrence o;
    int following;
    if (load_occurrence(call, &se, &o) < 0 || read_scope(call, &following) < 0)
        return;
    /* who cancelled: a late cancellation by the client may bring a fee (practice/fees.h) */
    const char *by;
    if (api_field_optional_string(call, "by", 1, 16, &by) < 0)
        return;
    if (by && strcmp(by, "client") != 0 && strcmp(by, "practice") != 0) {
        api_field_error(call, "invalid_field", "by",
                        "Say who cancelled: the client or the practice.");
        api_fields_failed(call);
        return;
    }
    int by_client = by && strcmp(by, "client") == 0;
    struct store *st = call->ctx->store;
    int rc;
    if (following && se.rrule[0]) {
        int moved, left;
        rc = truncate_series(call, &se, &o, &moved, &left);
    } else {
        o.cancelled_at = call->req->now;
        rc = store_occurrence_update(st, &o);
        struct store_occurrence *occ;
        size_t n;
        int left = 0;
        if (rc == 0)
            rc = store_occurrence_list(st, &call->arena, se.id, &occ, &n);
        for (size_t i = 0; rc == 0 && i < n; i++)
            left += !occ[i].cancelled_at;
        se.sequence++;
        if (rc == 0 && left == 0)
            se.cancelled_at = call->req->now;
        if (rc == 0)
            rc = store_series_update(st, &se);
        if (rc == 0)
            rc = store_occurrence_cancelled_by_set(st, o.id, by_client ? "client" : "practice");
        int made = 0;
        if (rc == 0 && by_client)
            rc = charging_occurrence(st, &call->arena, call->ctx->cfg, &o, call->req->now, &made);
    }
    if (rc == 0)
        rc = api_audit(call, "session.cancel_occurrence", o.id);
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    if (announce(call, &se) == 0)
        answer_session(call, 200, se.id);
}

/* The invitation again, to one invitee: a client who lost or deleted the mail. Only the
 * therapist (or whoever may act for them) sends it; the link and password are unchanged. */
void invite_resend(struct api_call *call)
{
    struct store_series se;
    if (load_series(call, call->params[0], 1, &se) < 0)
        return;
    if (se.cancelled_at) {
        api_error(call, 409, "cancelled", "This session is cancelled.");
        return;
    }
    int rc = mailer_queue_invite_to(call->ctx->store, &call->arena, call->ctx->cfg, se.id,
                                    call->params[1], call->req->now);
    if (rc == 0) {
        api_error(call, 404, "not_found",
                  "That client is not invited to this session, or it has no session left to come.");
        return;
    }
    if (rc > 0)
        rc = api_audit(call, "session.invite_resend", se.id);
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    call->ctx->mail_queued = 1;
    api_json(call, 202, json_pack("{s:b}", "queued", 1));
}

void sessions_cancel(struct api_call *call)
{
    struct store_series se;
    if (load_series(call, call->params[0], 1, &se) < 0)
        return;
    if (se.cancelled_at) {
        api_error(call, 409, "cancelled", "This session is cancelled already.");
        return;
    }
    struct store *st = call->ctx->store;
    struct store_occurrence *occ;
    size_t n;
    int rc = store_occurrence_list(st, &call->arena, se.id, &occ, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        /* what has happened stays as it was */
        if (occ[i].cancelled_at || occ[i].ends_at <= call->req->now)
            continue;
        occ[i].cancelled_at = call->req->now;
        rc = store_occurrence_update(st, &occ[i]);
    }
    se.sequence++;
    se.cancelled_at = call->req->now;
    if (rc == 0)
        rc = store_series_update(st, &se);
    if (rc == 0)
        rc = api_audit(call, "session.cancel", se.id);
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    if (queue_mail(call, MAILER_CANCEL, se.id) == 0)
        answer_session(call, 200, se.id);
}

/* Practitioners' licences and the practice's interstate compacts (docs/BILLING.md): each
 * practitioner keeps their own licences (jurisdiction, type, number, expiry); the practice's
 * administrators keep the compacts it relies on; the jurisdictions for the pages' pickers;
 * and the dashboard's licence flags — sessions ahead where the practitioner will not be
 * licensed where the client last said they were, and sessions of the last 90 days where a
 * client was somewhere not covered, or said nothing. Every change is audited, and so is
 * each read of the flags (client names and where they were). */
#include <errno.h>
#include <string.h>

#include "api/routes.h"
#include "core/buf.h"
#include "practice/jurisdictions.h"
#include "practice/licence_check.h"
#include "practice/licence_mail.h"
#include "practice/licences.h"

#define LICENCE_KIND_MAX 80
#define LICENCE_NUMBER_MAX 40
#define COMPACT_NAME_MAX 80
#define COMPACT_MEMBERS_MIN 2
#define COMPACT_MEMBERS_MAX 60
#define FLAG_DAYS 90
#define FLAG_SESSIONS_MAX 200 /* each way: the query is bounded, the list stays readable */
#define DAY_MS ((int64_t)24 * 60 * 60 * 1000)

static json_t *jurisdiction_json(const char *key)
{
    const struct jurisdiction *j = jurisdiction_find(key);
    return json_pack("{s:s,s:s}", "key", key, "name", j ? j->name : key);
}

void jurisdictions_list(struct api_call *call)
{
    json_t *states = json_array(), *countries = json_array();
    size_t n;
    const struct jurisdiction *t = jurisdictions_us_states(&n);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(states, json_pack("{s:s,s:s}", "key", t[i].key, "name", t[i].name));
    t = jurisdictions_countries(&n);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(countries,
                              json_pack("{s:s,s:s}", "key", t[i].key, "name", t[i].name));
    /* the same for everyone, changed only by a new release */
    call->resp->cache_control = "public, max-age=86400";
    api_json(call, 200, json_pack("{s:o,s:o}", "us_states", states, "countries", countries));
}

/* ---- a practitioner's own licences ---- */

static json_t *licence_json(const struct store_licence *l, int32_t today)
{
    char expires[CIVIL_DATE_LEN];
    civil_date_format(l->expires_on, expires);
    json_t *j = jurisdiction_json(l->jurisdiction);
    json_t *out =
        json_pack("{s:I,s:s,s:o,s:s,s:s,s:s,s:I}", "id", (json_int_t)l->id, "jurisdiction",
                  l->jurisdiction, "jurisdiction_name", json_incref(json_object_get(j, "name")),
                  "kind", l->kind, "number", l->number, "expires_on", expires, "days_left",
                  (json_int_t)((int64_t)l->expires_on - today));
    json_decref(j);
    return out;
}

/* A date field "YYYY-MM-DD": 0 with *day, -1 recorded. Absent: missing unless optional
 * (then *present 0). */
static int field_date(struct api_call *call, const char *key, int optional, int32_t *day,
                      int *present)
{
    json_t *v = json_object_get(call->body, key);
    if (present)
        *present = v != NULL;
    if (!v && optional)
        return 0;
    if (!v) {
        api_field_missing(call, key);
        return -1;
    }
    if (!json_is_string(v) || civil_date_parse(json_string_value(v), day) < 0) {
        api_field_error(call, "invalid_field", key, "Give a date as YYYY-MM-DD.");
        return -1;
    }
    return 0;
}

/* The jurisdiction field, in its stored form into out. */
static int field_jurisdiction(struct api_call *call, const char *key,
                              char out[JURISDICTION_KEY_MAX])
{
    const char *text;
    if (api_field_string(call, key, 1, 16, &text, NULL) < 0)
        return -1;
    if (jurisdiction_normalise(text, out) < 0) {
        api_field_error(call, "invalid_field", key, "Choose a state or country from the list.");
        return -1;
    }
    return 0;
}

void account_licences_list(struct api_call *call)
{
    struct store_licence *held;
    size_t n;
    int rc = store_licence_list_user(call->ctx->store, &call->arena, call->user.id, &held, &n);
    if (rc < 0) {
        api_store_error(call, rc, "licence");
        return;
    }
    int32_t today = licence_utc_day(call->req->now);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, licence_json(&held[i], today));
    api_json(call, 200, json_pack("{s:o}", "licences", list));
}

void account_licences_create(struct api_call *call)
{
    char key[JURISDICTION_KEY_MAX];
    struct store_licence l = {.user_id = call->user.id, .created_at = call->req->now};
    field_jurisdiction(call, "jurisdiction", key);
    api_field_string(call, "kind", 1, LICENCE_KIND_MAX, &l.kind, NULL);
    api_field_string(call, "number", 1, LICENCE_NUMBER_MAX, &l.number, NULL);
    field_date(call, "expires_on", 0, &l.expires_on, NULL);
    if (api_fields_failed(call))
        return;
    l.jurisdiction = key;
    int rc = store_licence_insert(call->ctx->store, &l);
    if (rc == 0)
        rc = api_audit(call, "licence.add", l.id);
    if (rc < 0) {
        api_store_error(call, rc, "licence");
        return;
    }
    api_json(call, 201,
             json_pack("{s:o}", "licence", licence_json(&l, licence_utc_day(call->req->now))));
}

/* The caller's own licence {id}: 0, or -1 answered (404 for anyone else's). */
static int own_licence(struct api_call *call, struct store_licence *out)
{
    int rc = store_licence_get(call->ctx->store, &call->arena, call->params[0], out);
    if (rc == 0 && out->user_id != call->user.id)
        rc = -ENOENT;
    return rc < 0 ? api_store_error(call, rc, "licence") : 0;
}

void account_licences_update(struct api_call *call)
{
    const char *kind, *number;
    int32_t expires = 0;
    int has_expiry = 0;
    api_field_optional_string(call, "kind", 1, LICENCE_KIND_MAX, &kind);
    api_field_optional_string(call, "number", 1, LICENCE_NUMBER_MAX, &number);
    field_date(call, "expires_on", 1, &expires, &has_expiry);
    if (api_fields_failed(call))
        return;
    if (!kind && !number && !has_expiry) {
        api_nothing_to_change(call);
        return;
    }
    struct store_licence l;
    if (own_licence(call, &l) < 0)
        return;
    if (kind)
        l.kind = kind;
    if (number)
        l.number = number;
    if (has_expiry && expires != l.expires_on) {
        l.expires_on = expires;
        l.reminders_sent = 0; /* as the store does: a renewal starts afresh */
    }
    int rc = store_licence_update(call->ctx->store, &l);
    if (rc == 0)
        rc = api_audit(call, "licence.update", l.id);
    if (rc < 0) {
        api_store_error(call, rc, "licence");
        return;
    }
    api_json(call, 200,
             json_pack("{s:o}", "licence", licence_json(&l, licence_utc_day(call->req->now))));
}

void account_licences_delete(struct api_call *call)
{
    struct store_licence l;
    if (own_licence(call, &l) < 0)
        return;
    int rc = store_licence_remove(call->ctx->store, l.id, call->req->now);
    if (rc == 0)
        rc = api_audit(call, "licence.remove", l.id);
    if (rc < 0) {
        api_store_error(call, rc, "licence");
        return;
    }
    api_no_content(call);
}

/* ---- the practice's compacts (administrators) ---- */

static json_t *compact_json(struct arena *a, const struct store_compact *k)
{
    char from[CIVIL_DATE_LEN], until[CIVIL_DATE_LEN];
    civil_date_format(k->valid_from, from);
    json_t *members = json_array();
    const char *p = k->members;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len > 0)
            json_array_append_new(members, jurisdiction_json(arena_strndup(a, p, len)));
        p += len + (p[len] == ',');
    }
    json_t *j = json_pack("{s:I,s:s,s:o,s:s}", "id", (json_int_t)k->id, "name", k->name, "members",
                          members, "valid_from", from);
    if (k->valid_until == LICENCE_OPEN_END)
        json_object_set_new(j, "valid_until", json_null());
    else {
        civil_date_format(k->valid_until, until);
        json_object_set_new(j, "valid_until", json_string(until));
    }
    return j;
}

/* "members": 2 to 60 keys, each a jurisdiction, none twice; stored comma-separated in the
 * arena. 0, or -1 recorded. */
static int field_members(struct api_call *call, const char **out)
{
    *out = NULL;
    json_t *v = json_object_get(call->body, "members");
    if (!v) {
        api_field_missing(call, "members");
        return -1;
    }
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    if (!json_is_array(v) || n < COMPACT_MEMBERS_MIN || n > COMPACT_MEMBERS_MAX) {
        api_field_error(call, "invalid_field", "members",
                        "Choose from 2 to 60 states or countries the compact covers.");
        return -1;
    }
    char *joined = arena_alloc(&call->arena, n * JURISDICTION_KEY_MAX + 1);
    joined[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(v, i);
        char key[JURISDICTION_KEY_MAX], quoted[JURISDICTION_KEY_MAX + 2];
        if (!json_is_string(item) || jurisdiction_normalise(json_string_value(item), key) < 0) {
            api_field_error(call, "invalid_field", "members",
                            "Each member must be a state or country from the list.");
            return -1;
        }
        /* ",US-CA," against ",US-CAL,": compare whole keys */
        snprintf(quoted, sizeof quoted, "%s,", key);
        size_t used = strlen(joined);
        for (const char *p = joined; *p;) {
            size_t len = strcspn(p, ",");
            if (len == strlen(key) && strncmp(p, key, len) == 0) {
                api_field_error(call, "invalid_field", "members",
                                "Each state or country may be listed once.");
                return -1;
            }
            p += len + (p[len] == ',');
        }
        memcpy(joined + used, quoted, strlen(quoted) + 1);
    }
    joined[strlen(joined) - 1] = '\0'; /* the last comma */
    *out = joined;
    return 0;
}

/* "valid_until": absent (*present 0), null (open), or a date. */
static int field_until(struct api_call *call, int32_t *until, int *present)
{
    json_t *v = json_object_get(call->body, "valid_until");
    *present = v != NULL;
    *until = LICENCE_OPEN_END;
    if (!v || json_is_null(v))
        return 0;
    return field_date(call, "valid_until", 1, until, NULL);
}

void compacts_list(struct api_call *call)
{
    struct store_compact *relied;
    size_t n;
    int rc = store_compact_list(call->ctx->store, &call->arena, &relied, &n);
    if (rc < 0) {
        api_store_error(call, rc, "compact");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, compact_json(&call->arena, &relied[i]));
    api_json(call, 200, json_pack("{s:o}", "compacts", list));
}

static int dates_in_order(struct api_call *call, const struct store_compact *k)
{
    if (k->valid_until < k->valid_from) {
        api_error(call, 400, "invalid_dates", "The end date comes before the start date.");
        return -1;
    }
    return 0;
}

void compacts_create(struct api_call *call)
{
    struct store_compact k = {0};
    int present;
    api_field_string(call, "name", 1, COMPACT_NAME_MAX, &k.name, NULL);
    field_members(call, &k.members);
    field_date(call, "valid_from", 0, &k.valid_from, NULL);
    field_until(call, &k.valid_until, &present);
    if (api_fields_failed(call) || dates_in_order(call, &k) < 0)
        return;
    int rc = store_compact_insert(call->ctx->store, &k, call->req->now);
    if (rc == 0)
        rc = api_audit(call, "compact.add", k.id);
    if (rc < 0) {
        api_store_error(call, rc, "compact");
        return;
    }
    api_json(call, 201, json_pack("{s:o}", "compact", compact_json(&call->arena, &k)));
}

void compacts_update(struct api_call *call)
{
    const char *name = NULL, *members = NULL;
    int32_t from = 0, until;
    int has_from = 0, has_until = 0;
    api_field_optional_string(call, "name", 1, COMPACT_NAME_MAX, &name);
    if (json_object_get(call->body, "members"))
        field_members(call, &members);
    field_date(call, "valid_from", 1, &from, &has_from);
    field_until(call, &until, &has_until);
    if (api_fields_failed(call))
        return;
    if (!name && !members && !has_from && !has_until) {
        api_nothing_to_change(call);
        return;
    }
    struct store_compact k;
    int rc = store_compact_get(call->ctx->store, &call->arena, call->params[0], &k);
    if (rc < 0) {
        api_store_error(call, rc, "compact");
        return;
    }
    if (name)
        k.name = name;
    if (members)
        k.members = members;
    if (has_from)
        k.valid_from = from;
    if (has_until)
        k.valid_until = until;
    if (dates_in_order(call, &k) < 0)
        return;
    rc = store_compact_update(call->ctx->store, &k);
    if (rc == 0)
        rc = api_audit(call, "compact.update", k.id);
    if (rc < 0) {
        api_store_error(call, rc, "compact");
        return;
    }
    api_json(call, 200, json_pack("{s:o}", "compact", compact_json(&call->arena, &k)));
}

void compacts_delete(struct api_call *call)
{
    int rc = store_compact_remove(call->ctx->store, call->params[0], call->req->now);
    if (rc == 0)
        rc = api_audit(call, "compact.remove", call->params[0]);
    if (rc < 0) {
        api_store_error(call, rc, "compact");
        return;
    }
    api_no_content(call);
}

/* ---- the dashboard's flags ---- */

/* One session's flag, when there is one: 1 appended, 0 none, or -errno. */
static int flag_one(struct api_call *call, const struct store_licence_session *x,
                    const char *jurisdiction, const struct store_licence *held, size_t nheld,
                    int ahead, json_t *list)
{
    struct store *s = call->ctx->store;
    struct licence_check check;
    int rc = licence_check(s, &call->arena, call->user.id, jurisdiction, x->starts_at, x->time_zone,
                           &check);
    if (rc == -EINVAL)
        return 0; /* a series in a zone this system no longer knows: nothing to say */
    if (rc < 0)
        return rc;
    if (!check.flagged)
        return 0;
    struct store_client c;
    rc = store_client_get(s, &call->arena, x->client_id, &c);
    if (rc == -ENOENT)
        return 0; /* archived or erased since */
    if (rc < 0)
        return rc;
    char reason[160];
    licence_flag_reason(held, nheld, jurisdiction, check.day, reason, sizeof reason);
    json_t *f =
        json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:s}", "occurrence_id", (json_int_t)x->occurrence_id,
                  "series_id", (json_int_t)x->series_id, "starts_at", (json_int_t)x->starts_at,
                  "client_id", (json_int_t)x->client_id, "client_name", c.name, "when",
                  ahead ? "ahead" : "past", "reason", reason);
    if (jurisdiction && jurisdiction[0]) {
        json_t *j = jurisdiction_json(jurisdiction);
        json_object_set_new(f, "jurisdiction", json_incref(json_object_get(j, "key")));
        json_object_set_new(f, "jurisdiction_name", json_incref(json_object_get(j, "name")));
        json_decref(j);
    } else {
        json_object_set_new(f, "jurisdiction", json_null());
        json_object_set_new(f, "jurisdiction_name", json_null());
    }
    json_array_append_new(list, f);
    return 1;
}

void licence_flags(struct api_call *call)
{
    struct store *s = call->ctx->store;
    int64_t now = call->req->now;
    struct store_licence *held;
    struct store_licence_session *ahead, *past;
    size_t nheld, nahead, npast;
    int rc = store_licence_list_user(s, &call->arena, call->user.id, &held, &nheld);
    if (rc == 0)
        rc = store_licence_sessions(s, &call->arena, call->user.id, now, now + FLAG_DAYS * DAY_MS,
                                    0, FLAG_SESSIONS_MAX, &ahead, &nahead);
    if (rc == 0)
        rc = store_licence_sessions(s, &call->arena, call->user.id, now - FLAG_DAYS * DAY_MS, now,
                                    1, FLAG_SESSIONS_MAX, &past, &npast);
    json_t *flags = json_array();
    /* ahead: where the client last said they were */
    for (size_t i = 0; rc >= 0 && i < nahead; i++) {
        struct store_session_location last;
        rc = store_session_location_last(s, &call->arena, ahead[i].client_id, &last);
        if (rc == -ENOENT) {
            rc = 0; /* never said: nothing to go by before the session */
            continue;
        }
        if (rc == 0)
            rc = flag_one(call, &ahead[i], last.jurisdiction, held, nheld, 1, flags);
    }
    /* past: where they said they were that time, or that they said nothing */
    for (size_t i = 0; rc >= 0 && i < npast; i++) {
        struct store_session_location at;
        rc = store_session_location_get(s, &call->arena, past[i].occurrence_id, past[i].client_id,
                                        &at);
        const char *where = rc == 0 ? at.jurisdiction : "";
        if (rc == -ENOENT || rc == 0)
            rc = flag_one(call, &past[i], where, held, nheld, 0, flags);
    }
    if (rc >= 0)
        rc = api_audit(call, "licence.flags", 0);
    if (rc < 0) {
        json_decref(flags);
        api_store_error(call, rc == -ENOENT ? -EIO : rc, "licence");
        return;
    }
    int32_t today = licence_utc_day(now);
    json_t *expiring = json_array();
    for (size_t i = 0; i < nheld; i++)
        if ((int64_t)held[i].expires_on - today <= LICENCE_REMIND_FIRST_DAYS)
            json_array_append_new(expiring, licence_json(&held[i], today));
    api_json(call, 200, json_pack("{s:o,s:o}", "flags", flags, "licences", expiring));
}

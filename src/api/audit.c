/* GET /api/v1/audit: the audit log for administrators, newest first, filtered by who
 * (actor), what (action), which record (subject) and when (since, until: RFC 3339), paged by
 * `before` (the oldest id of the page before). Reading it is itself written to the log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "practice/schedule.h"

#define AUDIT_PAGE_DEFAULT 50
#define AUDIT_PAGE_MAX 200

/* A positive whole number from the query, or 0 when absent; -1 after answering 400. */
static int query_id(struct api_call *call, const char *name, int64_t max, int64_t *out)
{
    char v[24];
    int rc = api_query_param(call, name, v, sizeof v);
    *out = 0;
    if (rc <= 0)
        return rc;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < 1 || n > max) {
        char message[160];
        snprintf(message, sizeof message, "\"%s\" must be a whole number from 1 to %lld.", name,
                 (long long)max);
        api_field_error(call, "invalid_field", name, message);
        return -1;
    }
    *out = n;
    return 0;
}

static int query_time(struct api_call *call, const char *name, int64_t *out)
{
    char v[64];
    int rc = api_query_param(call, name, v, sizeof v);
    *out = 0;
    if (rc <= 0)
        return rc;
    if (sched_parse_rfc3339(v, out) < 0) {
        char message[160];
        snprintf(message, sizeof message, "\"%s\" must be a time like 2027-03-01T18:00:00+01:00.",
                 name);
        api_field_error(call, "invalid_field", name, message);
        return -1;
    }
    return 0;
}

static int query_action(struct api_call *call, char out[64])
{
    int rc = api_query_param(call, "action", out, 64);
    if (rc <= 0)
        return rc;
    for (const char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '.' || *p == '_')) {
            api_field_error(call, "invalid_field", "action",
                            "\"action\" is a name like client.read: lower-case letters, dots "
                            "and underscores.");
            return -1;
        }
    return 0;
}

void audit_list(struct api_call *call)
{
    struct store_audit_filter f = {.limit = AUDIT_PAGE_DEFAULT};
    char action[64];
    int64_t limit;
    if (query_id(call, "actor", INT64_MAX, &f.actor_user_id) < 0 ||
        query_id(call, "subject", INT64_MAX, &f.subject_id) < 0 ||
        query_id(call, "before", INT64_MAX, &f.before_id) < 0 ||
        query_id(call, "limit", AUDIT_PAGE_MAX, &limit) < 0 ||
        query_time(call, "since", &f.since) < 0 || query_time(call, "until", &f.until) < 0 ||
        query_action(call, action) < 0)
        return;
    if (limit)
        f.limit = (int)limit;
    f.action = action[0] ? action : NULL;
    struct store *st = call->ctx->store;
    struct store_audit_entry *entries;
    size_t n;
    if (store_audit_list(st, &call->arena, &f, &entries, &n) < 0 ||
        api_audit(call, "audit.read", 0) < 0) {
        api_store_error(call, -EIO, "audit log");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct store_audit_entry *e = &entries[i];
        char at[32];
        sched_format_rfc3339_utc(e->at, at);
        json_t *j =
            json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)e->id, "at", at, "action",
                      e->action ? e->action : "", "outcome", e->outcome ? e->outcome : "ok");
        json_object_set_new(j, "actor_user_id",
                            e->actor_user_id ? json_integer(e->actor_user_id) : json_null());
        json_object_set_new(j, "subject_id",
                            e->subject_id ? json_integer(e->subject_id) : json_null());
        json_object_set_new(j, "source", e->source ? json_string(e->source) : json_null());
        json_array_append_new(list, j);
    }
    /* a full page may have more behind it */
    json_t *next = n == (size_t)f.limit ? json_integer(entries[n - 1].id) : json_null();
    api_json(call, 200, json_pack("{s:o,s:o}", "entries", list, "next_before", next));
}

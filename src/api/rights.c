/* Client rights: a copy of every record held about a client (JSON, or a readable page with
 * ?format=html), and erasure with the practice's retention hold. Both walk the registry of
 * store/client_records.c; nothing here names a table.
 *
 * Who: the client's own practitioner. An administrator answering a request for a copy
 * while the practitioner is away uses emergency access first (a read, like the record
 * itself: docs/SECURITY.md); erasure, which cannot be undone, is the practitioner's alone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/clock.h"
#include "core/html.h"
#include "practice/purge.h"
#include "practice/schedule.h"

static const char *held_name(enum store_record_class held)
{
    switch (held) {
    case STORE_RECORD_CONTACT:
        return "contact";
    case STORE_RECORD_KEEP_UNTIL_RETENTION:
        return "kept_until_retention_ends";
    case STORE_RECORD_ERASE_AT_ONCE:
        return "erased_at_once";
    case STORE_RECORD_APPEND_ONLY:
        return "kept_in_the_audit_log";
    }
    return "";
}

static json_t *field_json(const struct store_record_field *f)
{
    char when[32];
    switch (f->type) {
    case STORE_FIELD_NULL:
        return json_null();
    case STORE_FIELD_INT:
        return json_integer((json_int_t)f->i);
    case STORE_FIELD_TIME:
        clock_format_rfc3339(f->i, when);
        return json_string(when);
    case STORE_FIELD_TEXT:
        break;
    }
    /* a value stored as a JSON object (the emergency contact) is one in the copy */
    if (f->text[0] == '{') {
        json_t *v = json_loads(f->text, 0, NULL);
        if (v)
            return v;
    }
    return json_string(f->text);
}

static json_t *records_json(const struct api_call *call, const struct store_rights_client *c,
                            const struct store_record_set *sets, size_t n)
{
    json_t *records = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct store_record_set *set = &sets[i];
        json_t *rows = json_array();
        for (size_t r = 0; r < set->count; r++) {
            json_t *row = json_object();
            const struct store_record_field *f = &set->fields[r * (size_t)set->field_count];
            for (int k = 0; k < set->field_count; k++)
                json_object_set_new(row, f[k].name, field_json(&f[k]));
            json_array_append_new(rows, row);
        }
        json_array_append_new(records,
                              json_pack("{s:s,s:s,s:s,s:o}", "kind", set->kind, "title", set->title,
                                        "kept", held_name(set->held), "rows", rows));
    }
    char now[32];
    clock_format_rfc3339(call->req->now, now);
    return json_pack("{s:I,s:s,s:s,s:I,s:o}", "client_id", (json_int_t)c->id, "practice",
                     call->ctx->cfg->practice_name, "exported_at", now, "retention_years",
                     (json_int_t)call->ctx->cfg->retention_years, "records", records);
}

/* ---- the readable copy ---- */

/* "created_at" reads "Created at" */
static void html_label(struct buf *b, const char *name)
{
    char label[64];
    snprintf(label, sizeof label, "%s", name);
    for (char *p = label; *p; p++)
        if (*p == '_')
            *p = ' ';
    if (label[0] >= 'a' && label[0] <= 'z')
        label[0] = (char)(label[0] - 'a' + 'A');
    html_escape(b, label);
}

static void html_when(struct buf *b, const char *tz, int64_t ms)
{
    char when[64];
    if (sched_format_human(tz, ms, when) < 0)
        clock_format_rfc3339(ms, when);
    html_escape(b, when);
}

static void html_field(struct buf *b, const char *tz, const struct store_record_field *f)
{
    char number[32];
    switch (f->type) {
    case STORE_FIELD_NULL:
        buf_puts(b, "—");
        return;
    case STORE_FIELD_INT:
        snprintf(number, sizeof number, "%lld", (long long)f->i);
        buf_puts(b, number);
        return;
    case STORE_FIELD_TIME:
        html_when(b, tz, f->i);
        return;
    case STORE_FIELD_TEXT:
        break;
    }
    json_t *v = f->text[0] == '{' ? json_loads(f->text, 0, NULL) : NULL;
    if (!json_is_object(v)) { /* plain words */
        html_escape(b, f->text);
        json_decref(v);
        return;
    }
    const char *key;
    json_t *item;
    const char *sep = "";
    json_object_foreach(v, key, item)
    {
        if (!json_is_string(item))
            continue;
        buf_puts(b, sep);
        html_label(b, key);
        buf_puts(b, ": ");
        html_escape(b, json_string_value(item));
        sep = "; ";
    }
    json_decref(v);
}

static void records_html(const struct api_call *call, const struct store_rights_client *c,
                         const struct store_record_set *sets, size_t n, struct buf *b)
{
    const char *tz = c->time_zone ? c->time_zone : "UTC";
    buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>Records held about ");
    html_escape(b, c->name ? c->name : "");
    buf_puts(b, "</title><link rel=\"stylesheet\" href=\"/css/tokens.css\">"
                "<link rel=\"stylesheet\" href=\"/css/records.css\"></head>\n<body><main>"
                "<h1>Records held about ");
    html_escape(b, c->name ? c->name : "");
    buf_puts(b, "</h1>\n<p class=\"about\">Everything ");
    html_escape(b, call->ctx->cfg->practice_name);
    buf_puts(b, " holds about this client, as of ");
    html_when(b, tz, call->req->now);
    buf_puts(b, ". Times are in ");
    html_escape(b, tz);
    buf_puts(b, ". To keep a paper copy, use your browser's Print.</p>\n");
    for (size_t i = 0; i < n; i++) {
        const struct store_record_set *set = &sets[i];
        buf_printf(b, "<section id=\"%s\"><h2>", set->kind);
        html_escape(b, set->title);
        buf_puts(b, "</h2>\n");
        if (set->count == 0) {
            buf_puts(b, "<p class=\"none\">None.</p></section>\n");
            continue;
        }
        buf_puts(b, "<table><thead><tr>");
        for (int k = 0; k < set->field_count; k++) {
            buf_puts(b, "<th scope=\"col\">");
            html_label(b, set->fields[k].name);
            buf_puts(b, "</th>");
        }
        buf_puts(b, "</tr></thead><tbody>\n");
        for (size_t r = 0; r < set->count; r++) {
            const struct store_record_field *f = &set->fields[r * (size_t)set->field_count];
            buf_puts(b, "<tr>");
            for (int k = 0; k < set->field_count; k++) {
                buf_puts(b, "<td>");
                html_field(b, tz, &f[k]);
                buf_puts(b, "</td>");
            }
            buf_puts(b, "</tr>\n");
        }
        buf_puts(b, "</tbody></table></section>\n");
    }
    buf_puts(b, "</main></body></html>\n");
}

/* ---- the routes ---- */

/* An Accept that asks for HTML before JSON (a browser opening the address). */
static int accepts_html_first(const char *accept)
{
    const char *html = accept ? strstr(accept, "text/html") : NULL;
    const char *json = accept ? strstr(accept, "application/json") : NULL;
    return html && (!json || html < json);
}

/* The client, when the signed-in person may see them (the practitioner; for a copy also an
 * administrator holding emergency access, *emergency then 1). Answers otherwise. */
static int load(struct api_call *call, int copy, struct store_rights_client *c, int *emergency)
{
    *emergency = 0;
    int rc = store_rights_client_get(call->ctx->store, &call->arena, call->params[0], c);
    if (rc == 0 && !api_may_act_for(call, c->therapist_id)) {
        struct store_client sc = {.id = c->id, .therapist_id = c->therapist_id};
        int granted = copy ? emergency_grant_active(call, &sc) : 0;
        if (granted < 0)
            return -1;
        if (!granted && copy && call->user.role == STORE_ROLE_ADMIN) {
            emergency_required(call);
            return -1;
        }
        if (!granted)
            rc = -ENOENT; /* whether it is another practitioner's is not theirs to know */
        *emergency = granted;
    }
    return rc < 0 ? api_store_error(call, rc, "client") : 0;
}

void rights_export(struct api_call *call)
{
    char format[8] = "";
    if (api_query_param(call, "format", format, sizeof format) < 0)
        return;
    int html = strcmp(format, "html") == 0 || (!format[0] && accepts_html_first(call->req->accept));
    if (format[0] && !html && strcmp(format, "json") != 0) {
        api_error(call, 400, "invalid_field", "format is json or html.");
        return;
    }
    struct store_rights_client c;
    int emergency;
    if (load(call, 1, &c, &emergency) < 0)
        return;
    struct store_record_set *sets;
    size_t n;
    int rc = store_client_records(call->ctx->store, &call->arena, c.id, !emergency, &sets, &n);
    if (rc == 0)
        rc = api_audit(call, emergency ? "client.emergency_export" : "client.export", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    if (!html) {
        api_json(call, 200, records_json(call, &c, sets, n));
        return;
    }
    struct api_response *resp = call->resp;
    resp->status = 200;
    resp->content_type = "text/html; charset=utf-8";
    buf_reset(&resp->body);
    records_html(call, &c, sets, n, &resp->body);
}

/* What erasing would do, for the page to say before anyone types the name. */
void rights_erase_preview(struct api_call *call)
{
    struct store_rights_client c;
    int emergency;
    if (load(call, 0, &c, &emergency) < 0)
        return;
    struct store_retention r =
        purge_retention((int)call->ctx->cfg->retention_years, call->req->now);
    struct store_erase_preview *p;
    size_t n;
    int rc = store_client_erase_preview(call->ctx->store, &call->arena, c.id, &r, &p, &n);
    if (rc == 0)
        rc = api_audit(call, "client.erase_preview", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    json_t *kinds = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *k = json_pack("{s:s,s:s,s:s,s:I}", "kind", p[i].kind, "title", p[i].title, "kept",
                              held_name(p[i].held), "rows", (json_int_t)p[i].rows);
        if (p[i].held == STORE_RECORD_KEEP_UNTIL_RETENTION) {
            char until[32];
            clock_format_rfc3339(p[i].held_until, until);
            json_object_set_new(k, "rows_held", json_integer((json_int_t)p[i].kept));
            json_object_set_new(k, "held_until", p[i].kept ? json_string(until) : json_null());
        }
        json_array_append_new(kinds, k);
    }
    api_json(call, 200,
             json_pack("{s:I,s:I,s:o}", "client_id", (json_int_t)c.id, "retention_years",
                       (json_int_t)call->ctx->cfg->retention_years, "records", kinds));
}

void rights_erase(struct api_call *call)
{
    int confirm = 0;
    api_field_bool(call, "confirm", 0, &confirm);
    if (api_fields_failed(call))
        return;
    if (!confirm) {
        api_field_error(call, "confirmation_required", "confirm",
                        "Erasing a client cannot be undone: send \"confirm\": true.");
        api_fields_failed(call);
        return;
    }
    struct store_rights_client c;
    int emergency;
    if (load(call, 0, &c, &emergency) < 0)
        return;
    struct store_retention r =
        purge_retention((int)call->ctx->cfg->retention_years, call->req->now);
    int64_t erased;
    struct store_record_hold *holds;
    size_t n;
    int rc = store_client_erase(call->ctx->store, &call->arena, c.id, &r, call->req->now, &erased,
                                &holds, &n);
    if (rc == 0)
        rc = api_audit(call, "client.erase", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    /* their meetings let them go, on every node */
    api_access_revoked(call, c.id, 0);
    json_t *held = json_array();
    for (size_t i = 0; i < n; i++) {
        char until[32];
        clock_format_rfc3339(holds[i].held_until, until);
        json_array_append_new(held, json_pack("{s:s,s:I,s:s}", "kind", holds[i].kind, "rows",
                                              (json_int_t)holds[i].rows, "held_until", until));
    }
    api_json(call, 200,
             json_pack("{s:{s:I,s:I,s:o}}", "erased", "client_id", (json_int_t)c.id, "rows_deleted",
                       (json_int_t)erased, "held", held));
}

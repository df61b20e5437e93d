/* Emergency ("break-glass") access. A practitioner's clients are theirs alone, the
 * practice's administrators included: an administrator sees another practitioner's client
 * only after giving a reason, for EMERGENCY_ACCESS_MINUTES, read-only. Each opening is
 * written to the audit log, mailed to the owning practitioner (without the client's name
 * or the reason: mail leaves the server) and shown on their dashboard with the reason. */
#include <errno.h>
#include <string.h>

#include "api/routes.h"
#include "core/clock.h"
#include "core/limits.h"
#include "practice/team_mail.h"

#define EMERGENCY_ACCESS_MINUTES 60
#define EMERGENCY_REASON_MIN 10   /* characters: a reason, not "x" */
#define EMERGENCY_HISTORY_DAYS 90 /* what a practitioner's dashboard lists */

int emergency_grant_active(struct api_call *call, const struct store_client *c)
{
    if (call->user.role != STORE_ROLE_ADMIN || c->therapist_id == call->user.id)
        return 0;
    int rc = store_emergency_active(call->ctx->store, c->id, call->user.id, call->req->now);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0) {
        api_store_error(call, -EIO, "client");
        return -1;
    }
    return 1;
}

void emergency_required(struct api_call *call)
{
    api_error(call, 403, "emergency_access_required",
              "This client is another practitioner's. To open their record, use emergency "
              "access and give the reason; the practitioner will be told.");
}

/* A name for each practitioner id, looked up once per id. */
static const char *user_name(struct api_call *call, int64_t id)
{
    struct store_user u;
    return store_user_by_id(call->ctx->store, &call->arena, id, &u) == 0 ? u.name : NULL;
}

void emergency_roster(struct api_call *call)
{
    struct store_client *clients;
    size_t n;
    /* only names and whose they are: enough to find the client in an emergency */
    if (store_client_list(call->ctx->store, &call->arena, 0, &clients, &n) < 0 ||
        api_audit(call, "client.roster", 0) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    json_t *list = json_array();
    int64_t last_id = 0;
    const char *last_name = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct store_client *c = &clients[i];
        if (c->therapist_id == call->user.id)
            continue;
        if (c->therapist_id != last_id) {
            last_id = c->therapist_id;
            last_name = user_name(call, last_id);
        }
        json_t *j = json_pack("{s:I,s:s,s:I}", "id", (json_int_t)c->id, "name", c->name,
                              "therapist_id", (json_int_t)c->therapist_id);
        json_object_set_new(j, "therapist_name", last_name ? json_string(last_name) : json_null());
        json_array_append_new(list, j);
    }
    api_json(call, 200, json_pack("{s:o}", "clients", list));
}

void emergency_open(struct api_call *call)
{
    const char *reason;
    if (api_field_string(call, "reason", 1, LIMIT_REASON, &reason, NULL) < 0)
        return;
    if (!text_length_ok(reason, EMERGENCY_REASON_MIN, LIMIT_REASON)) {
        api_field_error(call, "invalid_field", "reason",
                        "Please say why, in at least " LIMIT_TEXT(
                            EMERGENCY_REASON_MIN) " characters: the practitioner will read it.");
        return;
    }
    struct store *st = call->ctx->store;
    struct store_client c;
    int rc = store_client_get(st, &call->arena, call->params[0], &c);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    if (c.therapist_id == call->user.id) {
        api_error(call, 409, "own_client",
                  "This client is yours: open their record as usual, no reason needed.");
        return;
    }
    int64_t now = call->req->now;
    struct store_emergency e = {.client_id = c.id,
                                .admin_user_id = call->user.id,
                                .therapist_user_id = c.therapist_id,
                                .reason = (char *)reason,
                                .opened_at = now,
                                .expires_at = now + EMERGENCY_ACCESS_MINUTES * 60 * 1000};
    int64_t id;
    rc = store_emergency_open(st, &e, &id);
    if (rc == 0)
        rc = api_audit(call, "client.emergency_access", c.id);
    if (rc == 0)
        rc = team_mail_emergency_notice(st, &call->arena, call->ctx->cfg, c.therapist_id, now, now);
    if (rc < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    if (rc > 0)
        call->ctx->mail_queued = 1; /* the mail thread wakes once this commits */
    char expires[32];
    clock_format_rfc3339(e.expires_at, expires);
    api_json(call, 201,
             json_pack("{s:o,s:{s:s}}", "client", api_client_json(&c), "emergency_access",
                       "expires_at", expires));
}

void emergency_mine(struct api_call *call)
{
    struct store *st = call->ctx->store;
    int64_t since = call->req->now - (int64_t)EMERGENCY_HISTORY_DAYS * 24 * 60 * 60 * 1000;
    struct store_emergency *list;
    size_t n;
    if (store_emergency_for_therapist(st, &call->arena, call->user.id, since, &list, &n) < 0 ||
        store_emergency_seen(st, call->user.id, call->req->now) < 0) {
        api_store_error(call, -EIO, "emergency access");
        return;
    }
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct store_emergency *e = &list[i];
        char opened[32], expires[32];
        clock_format_rfc3339(e->opened_at, opened);
        clock_format_rfc3339(e->expires_at, expires);
        const char *admin = user_name(call, e->admin_user_id);
        json_t *j = json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:s,s:b}", "id", (json_int_t)e->id,
                              "client_id", (json_int_t)e->client_id, "client_name", e->client_name,
                              "admin_id", (json_int_t)e->admin_user_id, "reason", e->reason,
                              "opened_at", opened, "expires_at", expires, "new", e->seen_at == 0);
        json_object_set_new(j, "admin_name", admin ? json_string(admin) : json_null());
        json_array_append_new(out, j);
    }
    api_json(call, 200, json_pack("{s:o}", "emergency_access", out));
}

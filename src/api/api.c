#include "api/api.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/routes.h"
#include "api/static_files.h"
#include "auth/account.h"
#include "auth/links.h"
#include "auth/login.h"
#include "auth/origin.h"
#include "auth/throttle.h"
#include "core/cidr.h"
#include "core/email.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/tz.h"
#include "practice/licences.h"

/* the content-security-policy first: a response may replace it (api_response) */
const struct api_header api_security_headers[] = {
    {"content-security-policy:", "default-src 'self'; frame-ancestors 'none'"},
    {"x-content-type-options:", "nosniff"},
    {"referrer-policy:", "no-referrer"},
};
const int api_security_header_count = 3;

void api_ctx_init(struct api_ctx *ctx, const struct config *cfg, struct store *store, int https)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = cfg;
    ctx->store = store;
    ctx->https = https;
    /* an account gets 5 free tries, an address (perhaps a whole practice behind one NAT) 20 */
    ctx->account_throttle = throttle_new(4096, 5, 1000, 15 * 60 * 1000);
    ctx->address_throttle = throttle_new(4096, 20, 1000, 15 * 60 * 1000);
    int64_t users = 0;
    if (store_user_count(store, &users) == 0 && users == 0)
        rand_token(ctx->setup_token, sizeof ctx->setup_token, 24);
}

void api_ctx_free(struct api_ctx *ctx)
{
    throttle_free(ctx->account_throttle);
    throttle_free(ctx->address_throttle);
}

void api_response_free(struct api_response *resp)
{
    buf_free(&resp->body);
}

void api_add_header(struct api_response *resp, const char *name, const char *fmt, ...)
{
    if (resp->header_count >= API_MAX_HEADERS)
        return;
    resp->headers[resp->header_count].name = name;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(resp->headers[resp->header_count].value,
              sizeof resp->headers[resp->header_count].value, fmt, ap);
    va_end(ap);
    resp->header_count++;
}

void api_json(struct api_call *call, int status, json_t *json)
{
    struct api_response *resp = call->resp;
    char *text = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    resp->status = status;
    resp->content_type = "application/json";
    buf_reset(&resp->body);
    buf_puts(&resp->body, text ? text : "{}");
    free(text);
}

void api_error(struct api_call *call, int status, const char *code, const char *message)
{
    api_json(call, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

void api_no_content(struct api_call *call)
{
    call->resp->status = 204;
    call->resp->content_type = NULL;
    buf_reset(&call->resp->body);
}

int api_audit_as(struct api_call *call, int64_t actor_user_id, const char *action,
                 int64_t subject_id, const char *outcome)
{
    struct store_audit_entry e = {.at = call->req->now,
                                  .actor_user_id = actor_user_id,
                                  .action = action,
                                  .subject_id = subject_id,
                                  .source =
                                      call->req->peer && *call->req->peer ? call->req->peer : NULL,
                                  .outcome = outcome};
    return store_audit_append(call->ctx->store, &e);
}

int api_audit(struct api_call *call, const char *action, int64_t subject_id)
{
    return api_audit_as(call, call->signed_in ? call->user.id : 0, action, subject_id, NULL);
}

int api_audit_alone(struct api_call *call, int64_t actor_user_id, const char *action,
                    int64_t subject_id, const char *outcome)
{
    struct store *st = call->ctx->store;
    if (store_begin(st) < 0)
        return -EIO;
    if (api_audit_as(call, actor_user_id, action, subject_id, outcome) < 0 ||
        store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    return 0;
}

void api_access_revoked(struct api_call *call, int64_t client_id, int64_t user_id)
{
    struct api_ctx *ctx = call->ctx;
    assert((client_id > 0) != (user_id > 0));
    /* one request ends one person's access today; the bound keeps a future loop honest */
    assert(ctx->revoked_count < (int)(sizeof ctx->revoked / sizeof ctx->revoked[0]));
    ctx->revoked[ctx->revoked_count].client_id = client_id;
    ctx->revoked[ctx->revoked_count].user_id = user_id;
    ctx->revoked_count++;
}

int api_query_param(struct api_call *call, const char *name, char *out, size_t size)
{
    size_t len = strlen(name);
    for (const char *p = call->req->query; p && *p; p += strlen(p) + 1) {
        size_t n = strlen(p);
        if (n > len && strncmp(p, name, len) == 0 && p[len] == '=') {
            size_t v = n - len - 1;
            if (v >= size) {
                char message[160];
                snprintf(message, sizeof message, "The query parameter \"%s\" is too long.", name);
                api_field_error(call, "invalid_field", name, message);
                api_fields_failed(call);
                return -1;
            }
            memcpy(out, p + len + 1, v);
            out[v] = 0;
            return 1;
        }
    }
    out[0] = 0;
    return 0;
}

int api_query_days(struct api_call *call, int32_t max_span, const char *span_words, int32_t *from,
                   int32_t *to)
{
    char from_text[16], to_text[16];
    if (api_query_param(call, "from", from_text, sizeof from_text) < 0 ||
        api_query_param(call, "to", to_text, sizeof to_text) < 0)
        return -1;
    int bad = 0;
    if (civil_date_parse(from_text, from) < 0) {
        api_field_error(call, "invalid_field", "from", "Enter the first day as YYYY-MM-DD.");
        bad = 1;
    }
    if (civil_date_parse(to_text, to) < 0) {
        api_field_error(call, "invalid_field", "to", "Enter the last day as YYYY-MM-DD.");
        bad = 1;
    }
    if (!bad && (*to < *from || *to - *from > max_span)) {
        char message[160];
        snprintf(message, sizeof message, "The last day must be on or after the first, %s.",
                 span_words);
        api_field_error(call, "invalid_field", "to", message);
    }
    return api_fields_failed(call) ? -1 : 0;
}

void api_nothing_to_change(struct api_call *call)
{
    api_error(call, 400, "missing_field", "Nothing to change: give at least one field.");
}

/* What a field is, in the words of the form that asks for it: "Enter a name." The one
 * place a body field's name becomes words; a field not listed is "a value". */
static const struct {
    const char *key, *verb, *noun;
} field_words[] = {
    {"name", "Enter", "a name"},
    {"email", "Enter", "an email address"},
    {"phone", "Enter", "a phone number"},
    {"time_zone", "Choose", "a time zone"},
    {"title", "Enter", "a title"},
    {"description", "Enter", "a description"},
    {"agreement", "Enter", "the group agreement"},
    {"capacity", "Enter", "how many people may join"},
    {"password", "Enter", "a password"},
    {"current_password", "Enter", "your current password"},
    {"new_password", "Enter", "a new password"},
    {"code", "Enter", "the code"},
    {"reason", "Enter", "a reason"},
    {"role", "Choose", "a role"},
    {"starts_at", "Choose", "a start time"},
    {"ends_at", "Choose", "an end time"},
    {"duration_minutes", "Choose", "a length in minutes"},
    {"client_id", "Choose", "a client"},
    {"group_id", "Choose", "a group"},
    {"user_id", "Choose", "a person"},
    {"slot_id", "Choose", "a time"},
    {"setup_token", "Open", "the setup link confide printed"},
    {"token", "Open", "the link from your email"},
    {"body", "Write", "your message"},
    {"note", "Write", "your availability note"},
};

static void field_words_of(const char *key, const char **verb, const char **noun)
{
    *verb = "Enter";
    *noun = "a value";
    for (size_t i = 0; i < sizeof field_words / sizeof field_words[0]; i++)
        if (strcmp(field_words[i].key, key) == 0) {
            *verb = field_words[i].verb;
            *noun = field_words[i].noun;
            return;
        }
}

void api_field_error(struct api_call *call, const char *code, const char *field,
                     const char *message)
{
    assert(code && field && message);
    for (int i = 0; i < call->field_error_count; i++)
        if (strcmp(call->field_errors[i].field, field) == 0)
            return; /* the first problem of a field is the one to fix first */
    /* a handler checks a fixed list of fields: more than the bound is a bug in one */
    assert(call->field_error_count < API_MAX_FIELD_ERRORS);
    if (call->field_error_count >= API_MAX_FIELD_ERRORS)
        return;
    struct api_field_problem *p = &call->field_errors[call->field_error_count];
    p->code = arena_strdup(&call->arena, code);
    p->field = arena_strdup(&call->arena, field);
    p->message = arena_strdup(&call->arena, message);
    if (!p->code || !p->field || !p->message) { /* out of memory: say something still */
        p->code = "invalid_field";
        p->field = "";
        p->message = "Please check what you entered.";
    }
    call->field_error_count++;
}

int api_fields_failed(struct api_call *call)
{
    if (call->field_error_count == 0)
        return 0;
    json_t *errors = json_array();
    for (int i = 0; i < call->field_error_count; i++) {
        const struct api_field_problem *p = &call->field_errors[i];
        json_array_append_new(errors, json_pack("{s:s,s:s,s:s}", "code", p->code, "field", p->field,
                                                "message", p->message));
    }
    const struct api_field_problem *first = &call->field_errors[0];
    api_json(call, 400,
             json_pack("{s:{s:s,s:s,s:s},s:o}", "error", "code", first->code, "message",
                       first->message, "field", first->field, "errors", errors));
    return 1;
}

void api_field_missing(struct api_call *call, const char *field)
{
    const char *verb, *noun;
    char message[160];
    field_words_of(field, &verb, &noun);
    snprintf(message, sizeof message, "%s %s.", verb, noun);
    api_field_error(call, "missing_field", field, message);
}

int api_field_string(struct api_call *call, const char *key, size_t min, size_t max,
                     const char **out, size_t *len)
{
    json_t *v = json_object_get(call->body, key);
    *out = NULL;
    if (len)
        *len = 0;
    if (!v) {
        api_field_missing(call, key);
        return -1;
    }
    if (!json_is_string(v) || !text_length_ok(json_string_value(v), min, max)) {
        const char *verb, *noun;
        char message[200];
        field_words_of(key, &verb, &noun);
        if (json_is_string(v) && json_string_length(v) == 0 && min > 0)
            snprintf(message, sizeof message, "%s %s.", verb, noun); /* left empty */
        else if (min == 0)
            snprintf(message, sizeof message, "Keep %s to %zu characters or fewer.", noun, max);
        else if (min == 1)
            snprintf(message, sizeof message, "%s %s (up to %zu characters).", verb, noun, max);
        else
            snprintf(message, sizeof message, "%s %s of %zu to %zu characters.", verb, noun, min,
                     max);
        api_field_error(call, "invalid_field", key, message);
        return -1;
    }
    *out = json_string_value(v);
    if (len)
        *len = json_string_length(v);
    return 0;
}

int api_field_name(struct api_call *call, const char *key, const char **out)
{
    if (api_field_string(call, key, 1, LIMIT_NAME, out, NULL) < 0)
        return -1;
    if (!account_name_valid(*out)) {
        *out = NULL;
        api_field_error(call, "invalid_field", key,
                        "Enter a name of up to " LIMIT_TEXT(LIMIT_NAME)
                        " letters, without line breaks or control characters.");
        return -1;
    }
    return 0;
}

int api_field_optional_string(struct api_call *call, const char *key, size_t min, size_t max,
                              const char **out)
{
    json_t *v = json_object_get(call->body, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    return api_field_string(call, key, min, max, out, NULL);
}

int api_field_int(struct api_call *call, const char *key, int64_t min, int64_t max, int64_t def,
                  int64_t *out)
{
    json_t *v = json_object_get(call->body, key);
    *out = def;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        const char *verb, *noun;
        char message[160];
        field_words_of(key, &verb, &noun);
        if (max == INT64_MAX) /* a record's id: the person picked it from a list */
            snprintf(message, sizeof message, "%s %s from the list.", verb, noun);
        else
            snprintf(message, sizeof message, "%s %s: a whole number from %lld to %lld.", verb,
                     noun, (long long)min, (long long)max);
        api_field_error(call, "invalid_field", key, message);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

int api_field_bool(struct api_call *call, const char *key, int def, int *out)
{
    json_t *v = json_object_get(call->body, key);
    *out = def;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        api_field_error(call, "invalid_field", key, "Choose yes or no.");
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

int api_field_time_zone(struct api_call *call, const char *key, const char **out)
{
    if (api_field_string(call, key, 1, 64, out, NULL) < 0)
        return -1;
    if (!tz_valid(*out)) {
        *out = NULL;
        api_field_error(call, "unknown_time_zone", key,
                        "This server does not know that time zone. Choose one from the list, "
                        "such as Europe/Berlin or America/New_York.");
        return -1;
    }
    return 0;
}

int api_field_email(struct api_call *call, const char *key, const char **out)
{
    json_t *v = json_object_get(call->body, key);
    if (!json_is_string(v)) /* records missing_field or invalid_field */
        return api_field_string(call, key, 1, LIMIT_EMAIL, out, NULL);
    *out = json_string_value(v);
    enum email_problem problem = email_check(*out);
    if (problem != EMAIL_OK) {
        *out = NULL;
        api_field_error(call, "invalid_email", key, email_problem_message(problem));
        return -1;
    }
    return 0;
}

void api_error_with(struct api_call *call, int status, const char *code, const char *message,
                    json_t *extra)
{
    json_t *error = json_pack("{s:s,s:s}", "code", code, "message", message);
    json_object_update(error, extra);
    json_decref(extra);
    api_json(call, status, json_pack("{s:o}", "error", error));
}

void api_too_many(struct api_call *call, int64_t wait_ms)
{
    long seconds = (long)((wait_ms + 999) / 1000);
    char message[160];
    snprintf(message, sizeof message, "Too many attempts. Please wait %ld second%s and try again.",
             seconds, seconds == 1 ? "" : "s");
    api_add_header(call->resp, "retry-after:", "%ld", seconds);
    api_error(call, 429, "too_many_attempts", message);
}

int api_address_may_try(struct api_call *call, const char *what, char *key)
{
    throttle_address_key(what, call->req->peer, key);
    int64_t wait = throttle_wait_ms(call->ctx->address_throttle, key, call->req->now);
    if (wait > 0) {
        api_too_many(call, wait);
        return -1;
    }
    return 0;
}

int api_link_token(struct api_call *call, const char *what, uint8_t hash[32], char *key)
{
    const char *token;
    if (api_field_string(call, "token", 1, LINK_TOKEN_FIELD_MAX, &token, NULL) < 0 ||
        api_address_may_try(call, what, key) < 0)
        return -1;
    link_token_hash(token, hash);
    return 0;
}

int api_may_act_for(const struct api_call *call, int64_t therapist_id)
{
    return call->signed_in && call->user.id == therapist_id;
}

void api_storage_full(struct api_call *call)
{
    call->resp->header_count = 0;
    api_add_header(call->resp, "retry-after:", "%d", API_STORAGE_FULL_RETRY_AFTER);
    api_error(call, 503, "storage_full",
              "The server's disk is full, so nothing can be saved right now. What you see "
              "can still be read; please try saving again later.");
}

int api_store_error(struct api_call *call, int rc, const char *what)
{
    if (rc == -ENOSPC) {
        api_storage_full(call);
    } else if (rc == -ENOENT) {
        char message[160];
        snprintf(message, sizeof message, "There is no such %s.", what);
        api_error(call, 404, "not_found", message);
    } else {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
    }
    return -1;
}

json_t *api_user_json(const struct store_user *u)
{
    return json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)u->id, "name", u->name, "email",
                     u->email, "role", store_role_name(u->role));
}

/* Matches a path against a route pattern, collecting {id} segments. */
static int path_matches(const char *pattern, const char *path, int64_t params[API_MAX_PARAMS])
{
    int n = 0;
    while (*pattern && *path) {
        if (strncmp(pattern, "{id}", 4) == 0) {
            if (n >= API_MAX_PARAMS || !isdigit((unsigned char)*path))
                return 0;
            int64_t v = 0;
            while (isdigit((unsigned char)*path)) {
                if (v > (INT64_MAX - 9) / 10)
                    return 0;
                v = v * 10 + (*path++ - '0');
            }
            params[n++] = v;
            pattern += 4;
            continue;
        }
        if (*pattern++ != *path++)
            return 0;
    }
    return *pattern == '\0' && *path == '\0';
}

static int content_type_is_json(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Finds who is signed in. Returns 0 when nobody is or the cookie is stale (then *why
 * says so), -EIO when the store failed. */
/* writes: inside the request's transaction, so a refused request undoes them; the slow
 * routes run outside one and only read (a refused sign-in must write nothing). */
static int resolve_login(struct api_call *call, int activity, int writes, const char **why)
{
    const struct api_request *req = call->req;
    const char *token = NULL;
    int len =
        req->cookie ? cookie_find(req->cookie, login_cookie_name(call->ctx->https), &token) : -1;
    *why = NULL;
    if (len <= 0)
        return 0;
    uint8_t hash[32];
    login_token_hash(token, (size_t)len, hash);
    struct store_login login;
    int rc = store_login_get(call->ctx->store, hash, &login);
    if (rc == -ENOENT) {
        *why = "stale";
        return 0;
    }
    if (rc < 0)
        return rc;
    enum login_state state = login_check(&login, req->now, call->ctx->cfg->idle_timeout * 1000);
    if (state != LOGIN_VALID) {
        *why = state == LOGIN_IDLE ? "idle" : "expired";
        return writes && store_login_delete(call->ctx->store, hash) < 0 ? -EIO : 0;
    }
    rc = store_user_by_id(call->ctx->store, &call->arena, login.user_id, &call->user);
    if (rc == -ENOENT) {
        *why = "stale";
        return 0;
    }
    if (rc < 0 ||
        (activity && writes &&
         login_touch_due(&login, req->now, call->ctx->cfg->idle_timeout * 1000) &&
         store_login_touch(call->ctx->store, hash, req->now) < 0))
        return -EIO;
    call->login = login;
    call->signed_in = 1;
    return 0;
}

static void answer_not_signed_in(struct api_call *call, const char *why)
{
    struct buf cookie = {0};
    if (why) {
        login_cookie_header(&cookie, call->ctx->https, NULL, 0);
        api_add_header(call->resp, "set-cookie:", "%s", cookie.data);
        buf_free(&cookie);
    }
    if (why && strcmp(why, "idle") == 0) {
        char message[160];
        long seconds = call->ctx->cfg->idle_timeout;
        long amount = seconds % 60 == 0 ? seconds / 60 : seconds;
        snprintf(message, sizeof message,
                 "You were signed out after %ld %s%s without activity. Please sign in again.",
                 amount, seconds % 60 == 0 ? "minute" : "second", amount == 1 ? "" : "s");
        api_error(call, 401, "session_expired", message);
    } else if (why && strcmp(why, "expired") == 0) {
        api_error(call, 401, "session_expired", "Your sign-in has ended. Please sign in again.");
    } else {
        api_error(call, 401, "not_signed_in", "Please sign in first.");
    }
}

static const struct route *find_route(struct api_call *call, char allow[64])
{
    const struct api_request *req = call->req;
    const struct route *found = NULL;
    allow[0] = '\0';
    for (int i = 0; i < api_route_count; i++) {
        int64_t params[API_MAX_PARAMS] = {0};
        if (!path_matches(api_routes[i].pattern, req->path, params))
            continue;
        if (strlen(allow) + 8 < 64) {
            if (allow[0])
                strcat(allow, ", ");
            strcat(allow, api_routes[i].method);
        }
        if (!found && strcmp(api_routes[i].method, req->method) == 0) {
            found = &api_routes[i];
            memcpy(call->params, params, sizeof params);
        }
    }
    return found;
}

/* Everything before the handler: method, origin, size, type, JSON, transaction, sign-in.
 * Returns 0 when the handler may run; otherwise the response is already made. */
static int prepare(struct api_call *call, const struct route **route_out, int *in_txn)
{
    const struct api_request *req = call->req;
    char allow[64];
    const struct route *route = find_route(call, allow);
    if (!route) {
        if (allow[0]) {
            call->resp->route = "method_not_allowed";
            api_add_header(call->resp, "allow:", "%s", allow);
            api_error(call, 405, "method_not_allowed", "This method is not allowed here.");
        } else {
            call->resp->route = "not_found";
            api_error(call, 404, "not_found", "There is nothing at this address.");
        }
        return -1;
    }
    *route_out = route;
    call->resp->route = route->pattern;
    if (!origin_allowed(req->method, req->origin, req->sec_fetch_site,
                        call->ctx->cfg->public_url)) {
        api_error(call, 403, "cross_origin", "Requests from other sites are not accepted.");
        return -1;
    }
    if (req->length_required) {
        api_error(call, 411, "length_required", "Send the request body with a Content-Length.");
        return -1;
    }
    if (req->body_too_large) {
        api_error(call, 413, "body_too_large", "The request body is too large.");
        return -1;
    }
    if (route->body == BODY_JSON) {
        if (!content_type_is_json(req->content_type)) {
            api_error(call, 415, "unsupported_media_type",
                      "Send the request body as JSON (Content-Type: application/json).");
            return -1;
        }
        json_error_t jerr;
        call->body =
            json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!call->body) {
            char message[200];
            snprintf(message, sizeof message, "The request body is not valid JSON: %s.", jerr.text);
            api_error(call, 400, "malformed_json", message);
            return -1;
        }
        if (!json_is_object(call->body)) {
            api_error(call, 400, "malformed_json", "The request body must be a JSON object.");
            return -1;
        }
    }
    /* slow routes hash passwords first and then open their own short transaction, so no
     * database lock is held through the hashing */
    if (!api_is_slow(req->method, route->pattern)) {
        if (store_begin(call->ctx->store) < 0) {
            api_error(call, 503, "store_unavailable", "The database is not available right now.");
            return -1;
        }
        *in_txn = 1;
    }
    const char *why = NULL;
    if (resolve_login(call, route->access != ACCESS_SIGNED_IN_QUIET, *in_txn, &why) < 0) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return -1;
    }
    if (route->access != ACCESS_PUBLIC && !call->signed_in) {
        answer_not_signed_in(call, why);
        return -1;
    }
    if (route->access == ACCESS_ADMIN && call->user.role != STORE_ROLE_ADMIN) {
        api_error(call, 403, "forbidden", "Only an administrator may do this.");
        return -1;
    }
    return 0;
}

int api_is_slow(const char *method, const char *path)
{
    for (int i = 0; i < api_route_count; i++) {
        if (strcmp(api_routes[i].method, method) != 0 || strcmp(api_routes[i].pattern, path) != 0)
            continue;
        for (int k = 0; k < api_slow_handler_count; k++)
            if (api_routes[i].handler == api_slow_handlers[k])
                return 1;
    }
    return 0;
}

void api_answer_busy(const struct api_request *req, struct api_response *resp, int retry_after)
{
    struct api_call call = {.req = req, .resp = resp};
    resp->status = 0;
    resp->header_count = 0;
    resp->cache_control = "no-store";
    resp->route = NULL;
    for (int i = 0; i < api_route_count && !resp->route; i++) /* the log names the pattern */
        if (strcmp(api_routes[i].method, req->method) == 0 &&
            strcmp(api_routes[i].pattern, req->path) == 0)
            resp->route = api_routes[i].pattern;
    api_add_header(resp, "retry-after:", "%d", retry_after);
    api_error(&call, 503, "server_busy",
              "The server is busy checking other sign-ins. Please try again in a moment.");
}

static int is_api_path(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
           strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0;
}

/* /metrics answers loopback and the metrics_allow ranges; to anyone else it does not exist.
 * It looks at the client's address (req->peer: through trusted_proxies), not the TCP peer:
 * behind a proxy on the same host every TCP peer is loopback, so the TCP peer would open
 * /metrics to the whole internet. A forwarding header is believed only from a trusted
 * proxy, so this is no easier to forge than the TCP peer; without trusted_proxies the two
 * are the same. */
static int metrics_peer_allowed(const struct config *cfg, const struct api_request *req)
{
    if (strcmp(req->path, "/metrics") != 0)
        return 1;
    return cidr_is_loopback(req->peer) || cidr_list_contains(&cfg->metrics_allow_list, req->peer);
}

/* Ends the request's transaction: COMMIT when the answer is a success, ROLLBACK otherwise.
 * A read (a handler that wrote nothing) whose only write was the sign-in's last activity
 * keeps its answer when the disk is full: the data it read is what is stored, and the
 * activity not saved only brings the idle sign-out sooner. */
static void finish_transaction(struct api_call *call, int handler_wrote)
{
    struct api_ctx *ctx = call->ctx;
    struct api_response *resp = call->resp;
    if (resp->status >= 400) {
        store_rollback(ctx->store);
        return;
    }
    int rc = store_commit(ctx->store);
    if (rc == 0) {
        if (ctx->mail_queued && ctx->on_mail_committed)
            ctx->on_mail_committed(ctx->on_mail_arg);
        for (int i = 0; i < ctx->revoked_count; i++) {
            struct store_event e = {.kind = STORE_EVENT_REVOKED,
                                    .client_id = ctx->revoked[i].client_id,
                                    .user_id = ctx->revoked[i].user_id};
            if (store_event_send(ctx->store, &e) < 0)
                /* committed: the change stands, and a meeting checks access at each join */
                log_warn("api", "req=%llu: the meetings could not be told of ended access",
                         (unsigned long long)call->req->id);
        }
        return;
    }
    store_rollback(ctx->store);
    if (rc == -ENOSPC && !handler_wrote)
        return;
    resp->header_count = 0; /* e.g. no cookie for a sign-in that was not saved */
    api_store_error(call, rc, "record");
}

void api_handle(struct api_ctx *ctx, const struct api_request *req, struct api_response *resp)
{
    struct api_call call = {.ctx = ctx, .req = req, .resp = resp};
    resp->status = 0;
    resp->header_count = 0;
    resp->cache_control = "no-store";
    /* /metrics to a peer it does not answer is any path confide does not have */
    if (!is_api_path(req->path) || !metrics_peer_allowed(ctx->cfg, req)) {
        static_files_serve(ctx->cfg->web_dir, req, resp);
        return;
    }
    const struct route *route = NULL;
    int in_txn = 0, handler_wrote = 0;
    int64_t refused_before = store_space_refusals(ctx->store);
    if (prepare(&call, &route, &in_txn) == 0) {
        assert(route && route->handler && resp->status == 0); /* nothing answered yet */
        int64_t written_before = store_rows_written(ctx->store);
        route->handler(&call);
        handler_wrote = store_rows_written(ctx->store) != written_before;
        /* A field error stops the request: a handler that found one answers it (or returns
         * and it is answered here); one that went on to answer success would keep half a
         * form, so it is a bug, and in a build without asserts the answer is still the 400,
         * whose transaction is rolled back below. */
        if (call.field_error_count > 0 && resp->status < 400) {
            assert(resp->status == 0);
            api_fields_failed(&call);
        }
    }
    if (resp->status == 0)
        api_error(&call, 500, "internal_error", "Something went wrong on the server.");
    if (in_txn)
        finish_transaction(&call, handler_wrote);
    ctx->mail_queued = 0;
    ctx->revoked_count = 0;
    /* The one place a full disk becomes the answer, whichever store call met it and however
     * the handler answered that: a write refused during this request, and not a read that
     * stands, is 503 storage_full. */
    int refused = store_space_refusals(ctx->store) != refused_before;
    if (refused && resp->status >= 400)
        api_storage_full(&call);
    assert(resp->status >= 200 && resp->status < 600);
    /* the store logs a full disk once per burst; every request would flood the log */
    if (resp->status >= 500 && !refused)
        log_warn("api", "req=%llu %s %s answered %d", (unsigned long long)req->id, req->method,
                 resp->route ? resp->route : "?", resp->status);
    json_decref(call.body);
    arena_free(&call.arena);
}

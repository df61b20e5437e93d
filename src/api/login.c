/* Sign-in, sign-out and "who am I". Unknown email and wrong password get the same answer
 * after the same work; repeated failures slow down per account and per address. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/throttle.h"
#include "core/buf.h"
#include "core/email.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/metrics.h"

int login_start(struct api_call *call, int64_t user_id)
{
    struct api_ctx *ctx = call->ctx;
    const struct config *cfg = ctx->cfg;
    char token[LOGIN_TOKEN_CHARS + 1];
    login_token_new(token);
    struct store_login login = {
        .user_id = user_id,
        .created_at = call->req->now,
        .last_seen_at = call->req->now,
        .expires_at = call->req->now + cfg->session_lifetime * 1000,
    };
    login_token_hash(token, LOGIN_TOKEN_CHARS, login.token_hash);
    /* sweeping here keeps the table small without a timer */
    if (store_login_delete_expired(ctx->store, call->req->now, cfg->idle_timeout * 1000) < 0 ||
        store_login_insert(ctx->store, &login) < 0 ||
        api_audit_as(call, user_id, "login.start", user_id, NULL) < 0) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return -1;
    }
    struct buf cookie = {0};
    login_cookie_header(&cookie, ctx->https, token, cfg->session_lifetime);
    api_add_header(call->resp, "set-cookie:", "%s", cookie.data);
    sodium_memzero(cookie.data, cookie.len);
    sodium_memzero(token, sizeof token);
    buf_free(&cookie);
    call->login = login;
    return 0;
}

/* Throttle keys never hold the email itself; they hash the form the store looks it up in. */
static void account_key(const char *email, char key[72])
{
    uint8_t h[16];
    struct buf norm = {0};
    email_normalise(email, &norm);
    crypto_generichash(h, sizeof h, (const uint8_t *)norm.data, norm.len, NULL, 0);
    buf_free(&norm);
    memcpy(key, "acct:", 5);
    sodium_bin2hex(key + 5, 72 - 5, h, sizeof h);
}

/* How long the sign-in has left: the page schedules its automatic sign-out from this. */
json_t *signin_json(struct api_call *call, int64_t last_activity)
{
    const struct config *cfg = call->ctx->cfg;
    int64_t now = call->req->now;
    int64_t idle_left = last_activity + cfg->idle_timeout * 1000 - now;
    int64_t lifetime_left = call->login.expires_at - now;
    if (idle_left > lifetime_left)
        idle_left = lifetime_left;
    return json_pack("{s:I,s:I,s:I}", "idle_timeout_seconds", (json_int_t)cfg->idle_timeout,
                     "idle_remaining_seconds", (json_int_t)(idle_left > 0 ? idle_left / 1000 : 0),
                     "expires_in_seconds",
                     (json_int_t)(lifetime_left > 0 ? lifetime_left / 1000 : 0));
}

void login_create(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const struct api_request *req = call->req;
    const char *email, *password;
    size_t password_len;
    if (api_field_string(call, "email", 1, LIMIT_EMAIL, &email, NULL) < 0 ||
        api_field_string(call, "password", 1, PASSWORD_MAX_BYTES, &password, &password_len) < 0)
        return;
    char acct[72], addr[THROTTLE_KEY_MAX];
    account_key(email, acct);
    throttle_address_key("addr", req->peer, addr);
    int64_t wait = throttle_wait_ms(ctx->account_throttle, acct, req->now);
    int64_t wait_addr = throttle_wait_ms(ctx->address_throttle, addr, req->now);
    if (wait_addr > wait)
        wait = wait_addr;
    if (wait > 0) {
        api_too_many(call, wait);
        return;
    }
    struct store_user user = {0};
    int rc = store_user_by_email(ctx->store, &call->arena, email, &user);
    if (rc < 0 && rc != -ENOENT) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return;
    }
    int ok = 0;
    if (rc == 0 && user.password_hash[0]) /* "": invited, no password chosen yet */
        ok = password_verify(user.password_hash, password, password_len) == 0;
    else
        password_verify_dummy(password, password_len);
    if (!ok) {
        throttle_failure(ctx->account_throttle, acct, req->now);
        throttle_failure(ctx->address_throttle, addr, req->now);
        metrics_login_failure();
        /* who tried is unknown: the entry names the account tried, when there is one */
        if (api_audit_alone(call, 0, "login.failed", rc == 0 ? user.id : 0, "refused") < 0)
            log_warn("api", "a failed sign-in could not be written to the audit log");
        api_error(call, 401, "invalid_credentials",
                  "The email address or the password is not right.");
        return;
    }
    throttle_success(ctx->account_throttle, acct);
    /* said only to someone who knows the password */
    if (user.disabled_at) {
        api_error(call, 403, "account_disabled",
                  "This account is disabled. Please ask your practice's administrator.");
        return;
    }
    /* the verification above held no lock (this route runs outside the per-request
     * transaction, see api_slow_handlers); the writes go in one short transaction */
    if (store_begin(ctx->store) < 0) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return;
    }
    /* an account with two-step sign-in (or one that must set it up) gets a pending
     * cookie and finishes in api/mfa.c */
    int second = mfa_after_password(call, &user);
    if (second < 0 || (second == 0 && login_start(call, user.id) < 0) ||
        store_commit(ctx->store) < 0) {
        store_rollback(ctx->store);
        call->resp->header_count = 0; /* no cookie for a sign-in that was not saved */
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return;
    }
    if (second)
        return;
    api_json(call, 200,
             json_pack("{s:o,s:o}", "user", api_user_json(&user), "session",
                       signin_json(call, call->req->now)));
}

void login_delete(struct api_call *call)
{
    if (call->signed_in && (store_login_delete(call->ctx->store, call->login.token_hash) < 0 ||
                            api_audit(call, "login.end", call->user.id) < 0)) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return;
    }
    struct buf cookie = {0};
    login_cookie_header(&cookie, call->ctx->https, NULL, 0);
    api_add_header(call->resp, "set-cookie:", "%s", cookie.data);
    buf_free(&cookie);
    api_no_content(call);
}

void me_get(struct api_call *call)
{
    api_json(call, 200,
             json_pack("{s:o,s:o}", "user", api_user_json(&call->user), "session",
                       signin_json(call, call->req->now)));
}

void signin_get(struct api_call *call)
{
    api_json(call, 200, json_pack("{s:o}", "session", signin_json(call, call->login.last_seen_at)));
}

/* Two-step sign-in: TOTP enrolment, the second step of a sign-in, and recovery codes.
 *
 * After the right password, an account with a confirmed TOTP secret gets
 * {"mfa_required": true} and a pending cookie (mfa_cookie_name, 5 minutes, only its hash
 * stored) instead of a sign-in; POST /api/v1/login/mfa with a code from the app or a
 * recovery code turns it into one. An account that must use two-step sign-in (the
 * require_mfa setting) but has no secret yet gets {"mfa_enrolment_required": true}: its
 * pending cookie lets it use the two enrolment routes only, and the confirmation signs it
 * in. Wrong codes count against the account (by id) and the address like wrong passwords. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/qr.h"
#include "auth/throttle.h"
#include "auth/totp.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/metrics.h"

#define RECOVERY_CODES 10

static void store_down(struct api_call *call)
{
    api_error(call, 503, "store_unavailable", "The database is not available right now.");
}

int mfa_required_for(const struct config *cfg, enum store_role role)
{
    if (strcmp(cfg->require_mfa, "all") == 0)
        return 1;
    if (strcmp(cfg->require_mfa, "admins") == 0)
        return role == STORE_ROLE_ADMIN;
    return 0;
}

static void clear_pending_cookie(struct api_call *call)
{
    struct buf cookie = {0};
    mfa_cookie_header(&cookie, call->ctx->https, NULL, 0);
    api_add_header(call->resp, "set-cookie:", "%s", cookie.data);
    buf_free(&cookie);
}

int mfa_after_password(struct api_call *call, const struct store_user *user)
{
    struct api_ctx *ctx = call->ctx;
    struct store_totp totp = {0};
    int rc = store_totp_get(ctx->store, &call->arena, user->id, &totp);
    if (rc < 0 && rc != -ENOENT)
        return -1;
    int enrolled = rc == 0 && totp.confirmed_at != 0;
    if (!enrolled && !mfa_required_for(ctx->cfg, user->role))
        return 0;
    char token[LOGIN_TOKEN_CHARS + 1];
    uint8_t hash[32], none[32] = {0};
    login_token_new(token);
    login_token_hash(token, LOGIN_TOKEN_CHARS, hash);
    int64_t now = call->req->now;
    /* sweeping here keeps the table small without a timer */
    if (store_mfa_pending_delete(ctx->store, none, now) < 0 ||
        store_mfa_pending_insert(ctx->store, hash, user->id,
                                 enrolled ? STORE_MFA_VERIFY : STORE_MFA_ENROL,
                                 now + MFA_PENDING_SECONDS * 1000) < 0) {
        sodium_memzero(token, sizeof token);
        return -1;
    }
    struct buf cookie = {0};
    mfa_cookie_header(&cookie, ctx->https, token, MFA_PENDING_SECONDS);
    api_add_header(call->resp, "set-cookie:", "%s", cookie.data);
    sodium_memzero(cookie.data, cookie.len);
    sodium_memzero(token, sizeof token);
    buf_free(&cookie);
    api_json(call, 200,
             json_pack("{s:b}", enrolled ? "mfa_required" : "mfa_enrolment_required", 1));
    return 1;
}

/* The sign-in waiting for its second step that this request's cookie names. 0, or -ENOENT
 * (no cookie, unknown or expired), or -EIO. */
static int pending_get(struct api_call *call, uint8_t hash[32], int64_t *user_id,
                       enum store_mfa_purpose *purpose)
{
    const char *token = NULL;
    const char *cookie = call->req->cookie;
    int len = cookie ? cookie_find(cookie, mfa_cookie_name(call->ctx->https), &token) : -1;
    if (len <= 0)
        return -ENOENT;
    login_token_hash(token, (size_t)len, hash);
    int rc = store_mfa_pending_get(call->ctx->store, hash, call->req->now, user_id, purpose);
    return rc == -ENOENT ? -ENOENT : rc < 0 ? -EIO : 0;
}

void api_throttle_keys(struct api_call *call, const char *prefix, int64_t user_id, char acct[72],
                       char addr[THROTTLE_KEY_MAX])
{
    snprintf(acct, 72, "%s:%lld", prefix, (long long)user_id);
    throttle_address_key("addr", call->req->peer, addr);
}

int api_throttled(struct api_call *call, const char *acct, const char *addr)
{
    int64_t wait = throttle_wait_ms(call->ctx->account_throttle, acct, call->req->now);
    int64_t wait_addr = throttle_wait_ms(call->ctx->address_throttle, addr, call->req->now);
    if (wait_addr > wait)
        wait = wait_addr;
    if (wait > 0) {
        api_too_many(call, wait);
        return 1;
    }
    return 0;
}

void api_throttle_failure(struct api_call *call, const char *acct, const char *addr)
{
    throttle_failure(call->ctx->account_throttle, acct, call->req->now);
    throttle_failure(call->ctx->address_throttle, addr, call->req->now);
    metrics_login_failure();
}

/* Checks a 6-digit code against a secret, moving *last_step on a match. */
static int code_matches(const struct store_totp *t, const char *code, int64_t now_ms, int64_t *step)
{
    uint8_t key[64];
    int n = base32_decode(t->secret, key, sizeof key);
    if (n <= 0)
        return 0;
    *step = t->last_step;
    int ok = totp_verify(key, (size_t)n, code, now_ms / 1000, step) == 0;
    sodium_memzero(key, sizeof key);
    return ok;
}

void login_mfa(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const char *code;
    if (api_field_string(call, "code", 1, LIMIT_MFA_CODE, &code, NULL) < 0)
        return;
    uint8_t hash[32];
    int64_t user_id = 0;
    enum store_mfa_purpose purpose;
    int rc = pending_get(call, hash, &user_id, &purpose);
    if (rc == -EIO)
        return store_down(call);
    if (rc < 0) {
        clear_pending_cookie(call);
        api_error(call, 401, "mfa_not_pending",
                  "This sign-in has expired. Please enter your email address and password again.");
        return;
    }
    if (purpose == STORE_MFA_ENROL) {
        api_error(call, 409, "mfa_enrolment_required",
                  "Set up two-step sign-in first: this account has no authenticator app yet.");
        return;
    }
    char acct[72], addr[THROTTLE_KEY_MAX];
    api_throttle_keys(call, "mfa", user_id, acct, addr);
    if (api_throttled(call, acct, addr))
        return;
    /* like the password route, this runs outside the request's transaction, so a wrong
     * code can still be written to the audit log */
    if (store_begin(ctx->store) < 0)
        return store_down(call);
    struct store_user user = {0};
    struct store_totp totp = {0};
    rc = store_user_by_id(ctx->store, &call->arena, user_id, &user);
    if (rc == 0) {
        /* none: removed (confide admin reset-mfa) since the password; only a recovery
         * code could match, and there are none either */
        rc = store_totp_get(ctx->store, &call->arena, user_id, &totp);
        if (rc == -ENOENT)
            rc = 0;
    }
    if (rc < 0) {
        store_rollback(ctx->store);
        return store_down(call);
    }
    int64_t step = 0;
    int used_recovery = 0, ok = 0;
    if (totp.confirmed_at && code_matches(&totp, code, call->req->now, &step)) {
        rc = store_totp_use(ctx->store, user_id, step);
        ok = rc == 0;
    } else {
        rc = store_recovery_use(ctx->store, user_id, code, call->req->now);
        ok = used_recovery = rc == 0;
    }
    if (rc < 0 && rc != -ENOENT) {
        store_rollback(ctx->store);
        return store_down(call);
    }
    if (!ok) {
        if (api_audit_as(call, 0, "login.mfa_failed", user_id, "refused") < 0 ||
            store_commit(ctx->store) < 0) {
            store_rollback(ctx->store);
            return store_down(call);
        }
        api_throttle_failure(call, acct, addr);
        api_error(call, 401, "invalid_code", "That code is not right. Please try again.");
        return;
    }
    int64_t left = 0;
    if (store_mfa_pending_delete(ctx->store, hash, call->req->now) < 0 ||
        login_start(call, user_id) < 0 ||
        (used_recovery &&
         (store_recovery_left(ctx->store, user_id, &left) < 0 ||
          api_audit_as(call, user_id, "mfa.used_recovery_code", user_id, NULL) < 0)) ||
        store_commit(ctx->store) < 0) {
        store_rollback(ctx->store);
        call->resp->header_count = 0; /* no cookie for a sign-in that was not saved */
        return store_down(call);
    }
    throttle_success(ctx->account_throttle, acct);
    clear_pending_cookie(call);
    json_t *body = json_pack("{s:o,s:o}", "user", api_user_json(&user), "session",
                             signin_json(call, call->req->now));
    if (used_recovery)
        json_object_set_new(body, "recovery_codes_left", json_integer(left));
    api_json(call, 200, body);
}

/* Who may enrol: the signed-in practitioner, or a sign-in waiting for its enrolment.
 * 0 with *user filled (and hash, *pending set for the latter); -1 when answered. */
static int enrolling_user(struct api_call *call, struct store_user *user, uint8_t hash[32],
                          int *pending)
{
    *pending = 0;
    if (call->signed_in) {
        *user = call->user;
        return 0;
    }
    int64_t user_id = 0;
    enum store_mfa_purpose purpose;
    int rc = pending_get(call, hash, &user_id, &purpose);
    if (rc == -EIO) {
        store_down(call);
        return -1;
    }
    if (rc < 0 || purpose != STORE_MFA_ENROL) {
        api_error(call, 401, "not_signed_in", "Please sign in first.");
        return -1;
    }
    rc = store_user_by_id(call->ctx->store, &call->arena, user_id, user);
    if (rc < 0) {
        if (rc == -ENOENT)
            api_error(call, 401, "not_signed_in", "Please sign in first.");
        else
            store_down(call);
        return -1;
    }
    *pending = 1;
    return 0;
}

void mfa_get(struct api_call *call)
{
    struct store_totp totp = {0};
    int64_t left = 0;
    int rc = store_totp_get(call->ctx->store, &call->arena, call->user.id, &totp);
    if ((rc < 0 && rc != -ENOENT) ||
        store_recovery_left(call->ctx->store, call->user.id, &left) < 0)
        return store_down(call);
    api_json(call, 200,
             json_pack("{s:b,s:b,s:I}", "totp", rc == 0 && totp.confirmed_at != 0, "required",
                       mfa_required_for(call->ctx->cfg, call->user.role), "recovery_codes_left",
                       (json_int_t)left));
}

void mfa_totp_enrol(struct api_call *call)
{
    struct store_user user = {0};
    uint8_t hash[32];
    int pending = 0;
    if (enrolling_user(call, &user, hash, &pending) < 0)
        return;
    struct store_totp totp = {0};
    int rc = store_totp_get(call->ctx->store, &call->arena, user.id, &totp);
    if (rc < 0 && rc != -ENOENT)
        return store_down(call);
    if (rc == 0 && totp.confirmed_at) {
        api_error(call, 409, "mfa_already_enrolled",
                  "Two-step sign-in is already set up for this account.");
        return;
    }
    uint8_t key[TOTP_SECRET_BYTES];
    char secret[TOTP_SECRET_CHARS + 1];
    randombytes_buf(key, sizeof key);
    base32_encode(key, sizeof key, 0, secret, sizeof secret);
    sodium_memzero(key, sizeof key);
    if (store_totp_set(call->ctx->store, user.id, secret, call->req->now) < 0) {
        sodium_memzero(secret, sizeof secret);
        return store_down(call);
    }
    /* the label is the practitioner's name, not the email address: the phone's app list
     * then shows no address, and the name tells two accounts of one practice apart */
    struct buf uri = {0}, svg = {0};
    int width = 0;
    totp_uri(&uri, call->ctx->cfg->practice_name, user.name, secret);
    if (qr_svg(uri.data, &svg, &width) < 0) {
        buf_free(&uri);
        sodium_memzero(secret, sizeof secret);
        api_error(call, 500, "internal_error", "The QR code could not be made.");
        return;
    }
    api_json(
        call, 200,
        json_pack("{s:s,s:s,s:s}", "secret", secret, "otpauth_uri", uri.data, "qr_svg", svg.data));
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(uri.data, uri.len);
    buf_free(&uri);
    buf_free(&svg);
}

/* 4 groups of 4 base32 characters would be 80 bits; 3 groups (60 bits) are plenty for a
 * code that is tried online, throttled, against a keyed hash */
static void recovery_code_new(char out[16])
{
    uint8_t raw[8];
    char b32[16];
    randombytes_buf(raw, sizeof raw);
    base32_encode(raw, sizeof raw, 0, b32, sizeof b32);
    snprintf(out, 16, "%.4s-%.4s-%.4s", b32, b32 + 4, b32 + 8);
    sodium_memzero(raw, sizeof raw);
}

void mfa_totp_confirm(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const char *code;
    if (api_field_string(call, "code", 1, LIMIT_MFA_CODE, &code, NULL) < 0)
        return;
    struct store_user user = {0};
    uint8_t hash[32];
    int pending = 0;
    if (enrolling_user(call, &user, hash, &pending) < 0)
        return;
    struct store_totp totp = {0};
    int rc = store_totp_get(ctx->store, &call->arena, user.id, &totp);
    if (rc < 0 && rc != -ENOENT)
        return store_down(call);
    if (rc == -ENOENT || totp.confirmed_at) {
        api_error(call, 409, rc == 0 ? "mfa_already_enrolled" : "mfa_not_started",
                  rc == 0 ? "Two-step sign-in is already set up for this account."
                          : "Start setting up two-step sign-in first.");
        return;
    }
    char acct[72], addr[THROTTLE_KEY_MAX];
    api_throttle_keys(call, "mfa", user.id, acct, addr);
    if (api_throttled(call, acct, addr))
        return;
    int64_t step = 0;
    if (!code_matches(&totp, code, call->req->now, &step)) {
        api_throttle_failure(call, acct, addr);
        api_field_error(call, "invalid_code", "code",
                        "That code is not right. Check the time on your phone and try again.");
        return;
    }
    char codes[RECOVERY_CODES][16];
    const char *list[RECOVERY_CODES];
    json_t *out = json_array();
    for (int i = 0; i < RECOVERY_CODES; i++) {
        recovery_code_new(codes[i]);
        list[i] = codes[i];
        json_array_append_new(out, json_string(codes[i]));
    }
    rc = store_totp_confirm(ctx->store, user.id, step, call->req->now);
    if (rc == 0)
        rc = store_recovery_replace(ctx->store, user.id, list, RECOVERY_CODES, call->req->now);
    sodium_memzero(codes, sizeof codes);
    if (rc == 0 && pending) {
        rc = store_mfa_pending_delete(ctx->store, hash, call->req->now);
        if (rc == 0 && login_start(call, user.id) < 0)
            rc = -EIO;
        call->user = user;
        call->signed_in = rc == 0;
    }
    if (rc == 0)
        rc = api_audit(call, "mfa.enrolled", user.id);
    if (rc < 0) {
        json_decref(out);
        call->resp->header_count = 0;
        return store_down(call);
    }
    throttle_success(ctx->account_throttle, acct);
    json_t *body = json_pack("{s:o}", "recovery_codes", out);
    if (pending) {
        clear_pending_cookie(call);
        json_object_set_new(body, "user", api_user_json(&user));
        json_object_set_new(body, "session", signin_json(call, call->req->now));
    }
    api_json(call, 200, body);
}

/* ---- self-service: remove, new recovery codes ---- */

/* The signed-in practitioner's confirmed secret, and the throttle keys a wrong code counts
 * against: 0, or -1 answered (409 when there is no secret, 429 while they must wait). */
static int own_totp(struct api_call *call, struct store_totp *totp, char acct[72],
                    char addr[THROTTLE_KEY_MAX])
{
    int rc = store_totp_get(call->ctx->store, &call->arena, call->user.id, totp);
    if (rc < 0 && rc != -ENOENT) {
        store_down(call);
        return -1;
    }
    if (rc == -ENOENT || !totp->confirmed_at) {
        api_error(call, 409, "mfa_not_enrolled", "Two-step sign-in is not set up for you.");
        return -1;
    }
    api_throttle_keys(call, "mfa", call->user.id, acct, addr);
    return api_throttled(call, acct, addr) ? -1 : 0;
}

/* Slow (argon2id for the password): on the offload thread, outside the request's
 * transaction. The password and a code (from the app, or a recovery code) are both asked,
 * so neither a cookie left open nor a stolen phone alone can turn it off. */
void mfa_remove(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const char *password, *code;
    size_t password_len;
    if (api_field_string(call, "password", 1, PASSWORD_MAX_BYTES, &password, &password_len) < 0 ||
        api_field_string(call, "code", 1, LIMIT_MFA_CODE, &code, NULL) < 0)
        return;
    if (mfa_required_for(ctx->cfg, call->user.role)) {
        api_error(call, 409, "mfa_required",
                  "Your practice requires two-step sign-in for your account; it cannot be "
                  "turned off.");
        return;
    }
    struct store_totp totp = {0};
    char acct[72], addr[THROTTLE_KEY_MAX];
    if (own_totp(call, &totp, acct, addr) < 0)
        return;
    if (password_verify(call->user.password_hash, password, password_len) != 0) {
        api_throttle_failure(call, acct, addr);
        api_field_error(call, "wrong_password", "password", "Your password is not right.");
        return;
    }
    if (store_begin(ctx->store) < 0)
        return store_down(call);
    int64_t step = 0;
    int rc;
    if (code_matches(&totp, code, call->req->now, &step))
        rc = store_totp_use(ctx->store, call->user.id, step);
    else
        rc = store_recovery_use(ctx->store, call->user.id, code, call->req->now);
    if (rc == -ENOENT) {
        store_rollback(ctx->store);
        api_throttle_failure(call, acct, addr);
        api_field_error(call, "invalid_code", "code", "That code is not right. Please try again.");
        return;
    }
    if (rc < 0 || store_totp_delete(ctx->store, call->user.id) < 0 ||
        api_audit(call, "mfa.removed", call->user.id) < 0 || store_commit(ctx->store) < 0) {
        store_rollback(ctx->store);
        return store_down(call);
    }
    throttle_success(ctx->account_throttle, acct);
    api_no_content(call);
}

/* A fresh set of recovery codes replaces the old (lost, or mostly used) set; a code from
 * the app proves the phone is at hand. */
void mfa_recovery_renew(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const char *code;
    if (api_field_string(call, "code", 1, LIMIT_MFA_CODE, &code, NULL) < 0)
        return;
    struct store_totp totp = {0};
    char acct[72], addr[THROTTLE_KEY_MAX];
    if (own_totp(call, &totp, acct, addr) < 0)
        return;
    int64_t step = 0;
    int rc = code_matches(&totp, code, call->req->now, &step)
                 ? store_totp_use(ctx->store, call->user.id, step)
                 : -ENOENT;
    if (rc == -ENOENT) {
        api_throttle_failure(call, acct, addr);
        api_field_error(call, "invalid_code", "code",
                        "That code is not right. Enter the code your app shows now.");
        return;
    }
    if (rc < 0)
        return store_down(call);
    char codes[RECOVERY_CODES][16];
    const char *list[RECOVERY_CODES];
    json_t *out = json_array();
    for (int i = 0; i < RECOVERY_CODES; i++) {
        recovery_code_new(codes[i]);
        list[i] = codes[i];
        json_array_append_new(out, json_string(codes[i]));
    }
    rc = store_recovery_replace(ctx->store, call->user.id, list, RECOVERY_CODES, call->req->now);
    sodium_memzero(codes, sizeof codes);
    if (rc < 0 || api_audit(call, "mfa.recovery_codes_renewed", call->user.id) < 0) {
        json_decref(out);
        return store_down(call);
    }
    throttle_success(ctx->account_throttle, acct);
    api_json(call, 200, json_pack("{s:o}", "recovery_codes", out));
}

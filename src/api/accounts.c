/* The account lifecycle: a practitioner changes their password and signs out everywhere;
 * an administrator lists the practice's accounts, invites practitioners (a one-time link,
 * mailed and shown once), changes roles, disables and enables accounts and resets their
 * two-step sign-in; an invited practitioner sets a password through the link.
 *
 * The rules (the last administrator stays, a disabled account's sign-ins end) are
 * auth/account.c's, shared with `confide admin`. Every change is in the audit log. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "auth/account.h"
#include "auth/links.h"
#include "auth/login.h"
#include "auth/password.h"
#include "auth/throttle.h"
#include "core/limits.h"
#include "core/rand.h"
#include "practice/schedule.h"
#include "practice/team_mail.h"

#define INVITATION_DAYS 7
#define INVITATION_TOKEN_BYTES 16 /* 128 bits, like personal links */

static void store_down(struct api_call *call)
{
    api_error(call, 503, "store_unavailable", "The database is not available right now.");
}

/* ---- the signed-in practitioner's own account ---- */

/* Slow (two argon2id): runs on the offload thread, outside the request's transaction, and
 * opens its own once the hashing is done. */
void me_password(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const char *current, *fresh, *reason = NULL;
    size_t current_len, fresh_len;
    api_field_string(call, "current_password", 1, PASSWORD_MAX_BYTES, &current, &current_len);
    if (api_field_string(call, "new_password", 1, PASSWORD_MAX_BYTES, &fresh, &fresh_len) == 0 &&
        password_check_policy(fresh, fresh_len, &reason) < 0)
        api_field_error(call, "weak_password", "new_password", reason);
    if (api_fields_failed(call))
        return;
    /* a cookie left on a shared computer must not become a way to guess the password */
    char acct[72], addr[THROTTLE_KEY_MAX];
    api_throttle_keys(call, "password", call->user.id, acct, addr);
    if (api_throttled(call, acct, addr))
        return;
    if (password_verify(call->user.password_hash, current, current_len) != 0) {
        api_throttle_failure(call, acct, addr);
        api_field_error(call, "wrong_password", "current_password",
                        "Your current password is not right.");
        api_fields_failed(call);
        return;
    }
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(fresh, fresh_len, hash) < 0)
        return store_down(call);
    if (store_begin(ctx->store) < 0)
        return store_down(call);
    /* the other sign-ins end: whoever knew the old password is signed out there */
    if (store_user_set_password(ctx->store, call->user.id, hash) < 0 ||
        store_login_delete_user(ctx->store, call->user.id, call->login.token_hash) < 0 ||
        api_audit(call, "password.change", call->user.id) < 0 || store_commit(ctx->store) < 0) {
        store_rollback(ctx->store);
        sodium_memzero(hash, sizeof hash);
        return store_down(call);
    }
    sodium_memzero(hash, sizeof hash);
    throttle_success(ctx->account_throttle, acct);
    api_no_content(call);
}

void me_sign_out_everywhere(struct api_call *call)
{
    if (store_login_delete_user(call->ctx->store, call->user.id, NULL) < 0 ||
        api_audit(call, "login.end_all", call->user.id) < 0)
        return store_down(call);
    struct buf cookie = {0};
    login_cookie_header(&cookie, call->ctx->https, NULL, 0);
    api_add_header(call->resp, "set-cookie:", "%s", cookie.data);
    buf_free(&cookie);
    api_no_content(call);
}

/* ---- administrators: the practice's accounts ---- */

static json_t *team_member_json(struct api_call *call, const struct store_user *u)
{
    struct store_totp totp = {0};
    int rc = store_totp_get(call->ctx->store, &call->arena, u->id, &totp);
    if (rc < 0 && rc != -ENOENT)
        return NULL;
    json_t *j = api_user_json(u);
    json_object_set_new(j, "status", json_string(account_status(u)));
    json_object_set_new(j, "mfa", json_boolean(rc == 0 && totp.confirmed_at != 0));
    return j;
}

static void answer_member(struct api_call *call, int status, int64_t id)
{
    struct store_user u;
    int rc = store_user_by_id(call->ctx->store, &call->arena, id, &u);
    json_t *j = rc == 0 ? team_member_json(call, &u) : NULL;
    if (!j)
        return store_down(call);
    api_json(call, status, json_pack("{s:o}", "user", j));
}

/* The answer to a refused account change (auth/account.h). */
static void account_refused(struct api_call *call, int rc, const char *reason)
{
    if (rc == ACCOUNT_NOT_FOUND)
        api_error(call, 404, "not_found", reason);
    else if (rc == ACCOUNT_LAST_ADMIN)
        api_error(call, 409, "last_admin", reason);
    else
        store_down(call);
}

void users_list(struct api_call *call)
{
    struct store_user *users;
    size_t n;
    if (store_user_list(call->ctx->store, &call->arena, &users, &n) < 0)
        return store_down(call);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = team_member_json(call, &users[i]);
        if (!j) {
            json_decref(list);
            return store_down(call);
        }
        json_array_append_new(list, j);
    }
    api_json(call, 200, json_pack("{s:o}", "users", list));
}

static int field_role(struct api_call *call, enum store_role *role)
{
    const char *name;
    if (api_field_string(call, "role", 1, 16, &name, NULL) < 0)
        return -1;
    if (store_role_parse(name, role) < 0) {
        api_field_error(call, "invalid_field", "role",
                        "Choose a role: administrator or therapist.");
        return -1;
    }
    return 0;
}

static void email_taken(struct api_call *call, const char *reason)
{
    api_error_with(call, 409, "email_taken", reason, json_pack("{s:s}", "field", "email"));
}

/* A new account without a password, or one invited before that never set it: a fresh
 * link replaces the old one. 0 with *id, or -1 answered. */
static int invited_account(struct api_call *call, const char *name, const char *email,
                           enum store_role role, int64_t *id)
{
    struct store *st = call->ctx->store;
    struct store_user existing;
    int rc = store_user_by_email(st, &call->arena, email, &existing);
    if (rc == 0) {
        if (strcmp(account_status(&existing), "invited") != 0) {
            email_taken(call, "An account with this email address exists already.");
            return -1;
        }
        *id = existing.id;
        return 0;
    }
    if (rc != -ENOENT) {
        store_down(call);
        return -1;
    }
    const char *reason = NULL;
    rc = account_insert(st, name, email, "", role, call->user.id, call->req->now, id, &reason);
    if (rc < 0) {
        if (rc == ACCOUNT_STORE_FAILED)
            store_down(call);
        else
            email_taken(call, reason);
        return -1;
    }
    return 0;
}

void users_invite(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const char *name, *email;
    enum store_role role;
    /* every field checked, every problem answered at once */
    api_field_name(call, "name", &name);
    api_field_email(call, "email", &email);
    field_role(call, &role);
    if (api_fields_failed(call))
        return;
    int64_t id = 0;
    if (invited_account(call, name, email, role, &id) < 0)
        return;
    struct store_user invited;
    char token[48], url[sizeof ctx->cfg->public_url + 64];
    rand_token(token, sizeof token, INVITATION_TOKEN_BYTES);
    team_invitation_url(ctx->cfg, token, url, sizeof url);
    int64_t now = call->req->now, expires = now + INVITATION_DAYS * 24LL * 3600 * 1000;
    int rc = store_invitation_insert(ctx->store, token, id, call->user.id, now, expires);
    if (rc == 0)
        rc = store_user_by_id(ctx->store, &call->arena, id, &invited);
    if (rc == 0)
        rc = team_mail_invitation(ctx->store, ctx->cfg, &invited, url, expires, now);
    if (rc >= 0)
        rc = api_audit(call, "account.invite", id);
    json_t *member = rc >= 0 ? team_member_json(call, &invited) : NULL;
    sodium_memzero(token, sizeof token);
    if (!member) {
        sodium_memzero(url, sizeof url);
        return store_down(call);
    }
    ctx->mail_queued = 1; /* the mail thread wakes once this commits */
    char at[32];
    sched_format_rfc3339_utc(expires, at);
    /* the link once, so the administrator can also hand it over in person */
    api_json(
        call, 201,
        json_pack("{s:o,s:{s:s,s:s}}", "user", member, "invitation", "url", url, "expires_at", at));
    sodium_memzero(url, sizeof url);
}

void users_update(struct api_call *call)
{
    enum store_role role;
    if (field_role(call, &role) < 0)
        return;
    const char *reason = NULL;
    int rc = account_set_role(call->ctx->store, call->params[0], role, &reason);
    if (rc < 0 && rc != ACCOUNT_UNCHANGED)
        return account_refused(call, rc, reason);
    if (rc == 0 && api_audit(call, "account.role", call->params[0]) < 0)
        return store_down(call);
    answer_member(call, 200, call->params[0]);
}

static void set_disabled(struct api_call *call, int disabled)
{
    const char *reason = NULL;
    int rc =
        account_set_disabled(call->ctx->store, call->params[0], disabled, call->req->now, &reason);
    if (rc == ACCOUNT_UNCHANGED) {
        api_error(call, 409, disabled ? "already_disabled" : "not_disabled", reason);
        return;
    }
    if (rc < 0)
        return account_refused(call, rc, reason);
    if (api_audit(call, disabled ? "account.disable" : "account.enable", call->params[0]) < 0)
        return store_down(call);
    if (disabled) /* and out of any meeting they are in */
        api_access_revoked(call, 0, call->params[0]);
    answer_member(call, 200, call->params[0]);
}

void users_disable(struct api_call *call)
{
    set_disabled(call, 1);
}

void users_enable(struct api_call *call)
{
    set_disabled(call, 0);
}

void users_reset_mfa(struct api_call *call)
{
    struct store_user u;
    int rc = store_user_by_id(call->ctx->store, &call->arena, call->params[0], &u);
    if (rc < 0) {
        api_store_error(call, rc, "account");
        return;
    }
    rc = store_totp_delete(call->ctx->store, u.id);
    if (rc == -ENOENT) {
        api_error(call, 409, "mfa_not_enrolled", "This account has no two-step sign-in.");
        return;
    }
    if (rc < 0 || api_audit(call, "mfa.reset", u.id) < 0)
        return store_down(call);
    api_no_content(call);
}

/* ---- the invited practitioner: public, the link's token is the key ---- */

/* The account an invitation that still works is for: 0, or -1 answered (404 unknown or
 * withdrawn, 410 used or expired). */
static int load_invitation(struct api_call *call, const char *token, struct store_user *out)
{
    struct store_invitation inv;
    int rc = store_invitation_get(call->ctx->store, token, &inv);
    if (rc == 0)
        rc = store_user_by_id(call->ctx->store, &call->arena, inv.user_id, out);
    if (rc == -ENOENT || (rc == 0 && out->disabled_at)) {
        api_error(call, 404, "not_found",
                  "This invitation link is not valid. Ask your practice's administrator for "
                  "a new one.");
        return -1;
    }
    if (rc < 0) {
        store_down(call);
        return -1;
    }
    if (inv.used_at || strcmp(account_status(out), "invited") != 0) {
        api_error(call, 410, "invitation_used",
                  "This invitation has been used already. Please sign in with your password.");
        return -1;
    }
    if (inv.expires_at <= call->req->now) {
        api_error(call, 410, "invitation_expired",
                  "This invitation has expired. Ask your practice's administrator for a new "
                  "one.");
        return -1;
    }
    return 0;
}

void invitation_lookup(struct api_call *call)
{
    const char *token;
    struct store_user u;
    if (api_field_string(call, "token", 1, LINK_TOKEN_FIELD_MAX, &token, NULL) < 0 ||
        load_invitation(call, token, &u) < 0)
        return;
    api_json(call, 200,
             json_pack("{s:s,s:s,s:s}", "name", u.name, "email", u.email, "practice_name",
                       call->ctx->cfg->practice_name));
}

/* Slow (argon2id): on the offload thread, outside the request's transaction; the link is
 * checked before the hashing and used, once, in the transaction that sets the password. */
void invitation_accept(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const char *token, *password, *reason = NULL;
    size_t password_len;
    struct store_user u;
    api_field_string(call, "token", 1, LINK_TOKEN_FIELD_MAX, &token, NULL);
    if (api_field_string(call, "password", 1, PASSWORD_MAX_BYTES, &password, &password_len) == 0 &&
        password_check_policy(password, password_len, &reason) < 0)
        api_field_error(call, "weak_password", "password", reason);
    if (api_fields_failed(call) || load_invitation(call, token, &u) < 0)
        return;
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(password, password_len, hash) < 0)
        return store_down(call);
    if (store_begin(ctx->store) < 0)
        return store_down(call);
    int rc = store_invitation_use(ctx->store, token, call->req->now);
    if (rc == 0)
        rc = store_user_set_password(ctx->store, u.id, hash);
    if (rc == 0)
        rc = api_audit(call, "invitation.accept", u.id);
    sodium_memzero(hash, sizeof hash);
    if (rc == 0 && store_commit(ctx->store) == 0) {
        api_json(call, 200, json_pack("{s:s}", "email", u.email));
        return;
    }
    store_rollback(ctx->store);
    if (rc == -ENOENT) /* another request used it while this one hashed */
        api_error(call, 410, "invitation_used",
                  "This invitation has been used already. Please sign in with your password.");
    else
        store_down(call);
}

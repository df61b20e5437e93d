/* First-run setup: the first account, made from the link the server prints at start.
 * Only while no account exists (409 after), and only with that link's token, so a server
 * reachable from the internet cannot be claimed by whoever finds it first. Both are checked
 * before the password is hashed, and wrong tokens slow down per address as sign-ins do, so
 * setup requests cannot keep the offload thread hashing while sign-ins wait. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "auth/account.h"
#include "auth/password.h"
#include "auth/throttle.h"
#include "core/limits.h"

void setup_status(struct api_call *call)
{
    int64_t users = 0;
    if (store_user_count(call->ctx->store, &users) < 0) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return;
    }
    api_json(call, 200, json_pack("{s:b}", "setup_required", users == 0));
}

static int token_matches(const char *expected, const char *given)
{
    size_t n = strlen(expected);
    return n > 0 && strlen(given) == n && sodium_memcmp(expected, given, n) == 0;
}

/* Only while no account exists, only with the printed token: answers and returns -1
 * otherwise. Checked before the hashing, and again in the transaction that inserts. */
static int may_set_up(struct api_call *call, const char *token)
{
    struct api_ctx *ctx = call->ctx;
    int64_t users = 0;
    if (store_user_count(ctx->store, &users) < 0) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return -1;
    }
    if (users > 0) {
        api_error(call, 409, "already_set_up",
                  "This server has been set up already. Please sign in.");
        return -1;
    }
    if (!token_matches(ctx->setup_token, token)) {
        api_error(call, 403, "invalid_setup_token",
                  "This setup link is not valid. Use the link the server printed when it "
                  "started.");
        return -1;
    }
    return 0;
}

/* Inside one transaction: only while no account exists, only with the printed token. */
static void create_first_account(struct api_call *call, const char *token, const char *name,
                                 const char *email, const char *hash)
{
    struct api_ctx *ctx = call->ctx;
    if (may_set_up(call, token) < 0)
        return;
    const char *reason = NULL;
    int64_t id = 0;
    int rc = account_insert(ctx->store, name, email, hash, STORE_ROLE_ADMIN, 0, call->req->now, &id,
                            &reason);
    if (rc < 0) {
        api_error(call, rc == ACCOUNT_STORE_FAILED ? 503 : 400,
                  rc == ACCOUNT_STORE_FAILED ? "store_unavailable" : "invalid_field", reason);
        return;
    }
    if (login_start(call, id) < 0)
        return;
    if (store_user_by_id(ctx->store, &call->arena, id, &call->user) < 0) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return;
    }
    call->signed_in = 1;
    api_json(call, 201,
             json_pack("{s:o,s:o}", "user", api_user_json(&call->user), "session",
                       signin_json(call, call->req->now)));
}

void setup_create(struct api_call *call)
{
    struct api_ctx *ctx = call->ctx;
    const char *token, *name, *email, *password;
    size_t password_len;
    const char *weak = NULL;
    /* every field checked, every problem answered at once (the password's policy too: it
     * tells nothing about the setup token) */
    api_field_string(call, "setup_token", 1, 128, &token, NULL);
    api_field_name(call, "name", &name);
    api_field_email(call, "email", &email);
    if (api_field_string(call, "password", 1, PASSWORD_MAX_BYTES, &password, &password_len) == 0 &&
        password_check_policy(password, password_len, &weak) < 0)
        api_field_error(call, "weak_password", "password", weak);
    if (api_fields_failed(call))
        return;
    char addr[THROTTLE_KEY_MAX];
    if (api_address_may_try(call, "setup", addr) < 0)
        return;
    /* the quick checks, then the slow part, holding no database lock (this route runs off
     * the service thread and outside the per-request transaction: see api_slow_handlers) */
    const char *reason = NULL;
    int rc = account_check(name, email, password, password_len, &reason);
    if (rc < 0) {
        api_error(call, 400,
                  rc == ACCOUNT_WEAK_PASSWORD   ? "weak_password"
                  : rc == ACCOUNT_INVALID_EMAIL ? "invalid_email"
                                                : "invalid_field",
                  reason);
        return;
    }
    if (may_set_up(call, token) < 0) {
        if (call->resp->status == 403)
            throttle_failure(ctx->address_throttle, addr, call->req->now);
        return;
    }
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(password, password_len, hash) < 0) {
        api_error(call, 503, "store_unavailable", "The server could not hash the password.");
        return;
    }
    if (store_begin(ctx->store) < 0) {
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
        return;
    }
    create_first_account(call, token, name, email, hash);
    if (call->resp->status < 400 && store_commit(ctx->store) == 0)
        return;
    store_rollback(ctx->store);
    if (call->resp->status < 400) {
        call->resp->header_count = 0; /* no cookie for a sign-in that was not saved */
        api_error(call, 503, "store_unavailable", "The database is not available right now.");
    }
}

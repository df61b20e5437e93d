#include "auth/account.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "auth/password.h"
#include "core/email.h"
#include "core/limits.h"

int account_name_valid(const char *name)
{
    if (!text_length_ok(name, 1, LIMIT_NAME))
        return 0;
    int visible = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return 0;
        if (*p != ' ')
            visible = 1;
    }
    return visible;
}

int account_check(const char *name, const char *email, const char *password, size_t password_len,
                  const char **reason)
{
    if (!account_name_valid(name)) {
        *reason = "Please give a name of 1 to " LIMIT_TEXT(LIMIT_NAME) " characters.";
        return ACCOUNT_INVALID_NAME;
    }
    enum email_problem problem = email_check(email);
    if (problem != EMAIL_OK) {
        *reason = email_problem_message(problem);
        return ACCOUNT_INVALID_EMAIL;
    }
    if (password_check_policy(password, password_len, reason) < 0)
        return ACCOUNT_WEAK_PASSWORD;
    return ACCOUNT_OK;
}

int account_prepare(const char *name, const char *email, const char *password, size_t password_len,
                    char hash[PASSWORD_HASH_MAX], const char **reason)
{
    int rc = account_check(name, email, password, password_len, reason);
    if (rc != ACCOUNT_OK)
        return rc;
    if (password_hash(password, password_len, hash) < 0) {
        *reason = "The server could not hash the password.";
        return ACCOUNT_STORE_FAILED;
    }
    return ACCOUNT_OK;
}

int account_insert(struct store *s, const char *name, const char *email, const char *hash,
                   enum store_role role, int64_t actor, int64_t now, int64_t *id,
                   const char **reason)
{
    struct store_user u = {
        .name = (char *)name,
        .email = (char *)email,
        .role = role,
        .password_hash = (char *)hash,
        .created_at = now,
    };
    int rc = store_user_insert(s, &u, id);
    if (rc == -EEXIST) {
        *reason = "An account with this email address exists already.";
        return ACCOUNT_EMAIL_TAKEN;
    }
    if (rc < 0 || store_audit(s, actor, "account.create", *id, now) < 0) {
        *reason = "The database could not save the account.";
        return ACCOUNT_STORE_FAILED;
    }
    return ACCOUNT_OK;
}

int account_create(struct store *s, const char *name, const char *email, const char *password,
                   size_t password_len, enum store_role role, int64_t actor, int64_t now,
                   int64_t *id, const char **reason)
{
    char hash[PASSWORD_HASH_MAX];
    int rc = account_prepare(name, email, password, password_len, hash, reason);
    if (rc == ACCOUNT_OK)
        rc = account_insert(s, name, email, hash, role, actor, now, id, reason);
    return rc;
}

const char *account_status(const struct store_user *u)
{
    if (u->disabled_at)
        return "disabled";
    return u->password_hash && u->password_hash[0] ? "active" : "invited";
}

static int is_active_admin(const struct store_user *u)
{
    return u->role == STORE_ROLE_ADMIN && strcmp(account_status(u), "active") == 0;
}

/* The rule, written once: taking u out of the administrators who can sign in (disabling
 * or demoting) must leave at least one. *last is 1 when it would not. */
static int would_be_last_admin(struct store *s, const struct store_user *u, int *last)
{
    *last = 0;
    if (!is_active_admin(u))
        return 0;
    int64_t admins = 0;
    if (store_admins_active(s, &admins) < 0)
        return -EIO;
    assert(admins >= 1); /* u is one */
    *last = admins <= 1;
    return 0;
}

/* After a change the rule allowed, the practice still has an administrator. */
static void assert_an_admin_remains(struct store *s)
{
    int64_t admins = 0;
    int rc = store_admins_active(s, &admins);
    assert(rc < 0 || admins >= 1);
    (void)rc;
    (void)admins;
}

/* Loads the account for a change and applies the rule when the change takes it out of the
 * administrators who can sign in. */
static int load_for_change(struct store *s, struct arena *a, int64_t user_id, int takes_out,
                           struct store_user *u, const char **reason)
{
    int rc = store_user_by_id(s, a, user_id, u);
    if (rc == -ENOENT) {
        *reason = "There is no such account.";
        return ACCOUNT_NOT_FOUND;
    }
    int last = 0;
    if (rc < 0 || (takes_out && would_be_last_admin(s, u, &last) < 0)) {
        *reason = "The database is not available right now.";
        return ACCOUNT_STORE_FAILED;
    }
    if (last) {
        *reason = "This is the practice's last administrator who can sign in. Make another "
                  "account an administrator first.";
        return ACCOUNT_LAST_ADMIN;
    }
    return ACCOUNT_OK;
}

int account_set_disabled(struct store *s, int64_t user_id, int disabled, int64_t now,
                         const char **reason)
{
    struct arena a = {0};
    struct store_user u;
    int rc = load_for_change(s, &a, user_id, disabled, &u, reason);
    int was_admin = rc == ACCOUNT_OK && is_active_admin(&u);
    if (rc == ACCOUNT_OK && (u.disabled_at != 0) == (disabled != 0)) {
        *reason = disabled ? "This account is disabled already." : "This account is not disabled.";
        rc = ACCOUNT_UNCHANGED;
    }
    arena_free(&a);
    if (rc != ACCOUNT_OK)
        return rc;
    assert(now > 0);
    if (store_user_set_disabled(s, user_id, disabled ? now : 0) < 0 ||
        (disabled && store_login_delete_user(s, user_id, NULL) < 0)) {
        *reason = "The database could not save the change.";
        return ACCOUNT_STORE_FAILED;
    }
    if (was_admin)
        assert_an_admin_remains(s);
    return ACCOUNT_OK;
}

int account_set_role(struct store *s, int64_t user_id, enum store_role role, const char **reason)
{
    struct arena a = {0};
    struct store_user u;
    int rc = load_for_change(s, &a, user_id, role != STORE_ROLE_ADMIN, &u, reason);
    int was_admin = rc == ACCOUNT_OK && is_active_admin(&u);
    if (rc == ACCOUNT_OK && u.role == role) {
        *reason = "The account has this role already.";
        rc = ACCOUNT_UNCHANGED;
    }
    arena_free(&a);
    if (rc != ACCOUNT_OK)
        return rc;
    if (store_user_set_role(s, user_id, role) < 0) {
        *reason = "The database could not save the change.";
        return ACCOUNT_STORE_FAILED;
    }
    if (was_admin)
        assert_an_admin_remains(s);
    return ACCOUNT_OK;
}

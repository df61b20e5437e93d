#include "auth/account.h"

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

int account_check(const char *name, const char *email, const char *password,
                  size_t password_len, const char **reason)
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

int account_prepare(const char *name, const char *email, const char *password,
                    size_t password_len, char hash[PASSWORD_HASH_MAX], const char **reason)
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

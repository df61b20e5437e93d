/* account: creating a practitioner account, shared by the first-run page and
 * `confide admin create-user`, and changing one (disable, enable, role), shared by the
 * API and `confide admin disable|enable`, so both apply the same rules. The one rule of
 * the lifecycle: the practice always keeps an administrator who can sign in. */
#ifndef CONFIDE_AUTH_ACCOUNT_H
#define CONFIDE_AUTH_ACCOUNT_H
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum account_error {
    ACCOUNT_OK = 0,
    ACCOUNT_INVALID_NAME = -1,
    ACCOUNT_INVALID_EMAIL = -2,
    ACCOUNT_WEAK_PASSWORD = -3,
    ACCOUNT_EMAIL_TAKEN = -4,
    ACCOUNT_STORE_FAILED = -5,
    ACCOUNT_NOT_FOUND = -6,
    ACCOUNT_LAST_ADMIN = -7, /* it would leave no administrator who can sign in */
    ACCOUNT_UNCHANGED = -8,  /* it is so already */
};

int account_name_valid(const char *name);

/* Checks the name, the email and the password policy; quick, no hashing, no store. */
int account_check(const char *name, const char *email, const char *password, size_t password_len,
                  const char **reason);
/* account_check, then hashes the password (the slow
 * part, ~0.1 s: hold no database lock around it). No store. */
int account_prepare(const char *name, const char *email, const char *password, size_t password_len,
                    char hash[128], const char **reason);
/* Inserts and audits an account prepared by account_prepare (actor 0: nobody signed in).
 * Runs inside the caller's transaction. */
int account_insert(struct store *s, const char *name, const char *email, const char *hash,
                   enum store_role role, int64_t actor, int64_t now, int64_t *id,
                   const char **reason);
/* account_prepare then account_insert. On failure *reason is a sentence for a person. */
int account_create(struct store *s, const char *name, const char *email, const char *password,
                   size_t password_len, enum store_role role, int64_t actor, int64_t now,
                   int64_t *id, const char **reason);

/* Disables (disabled 1) or enables an account. Disabling ends its sign-ins (and those
 * waiting for a second step) in the same transaction; the sign-in look-up refuses a
 * disabled account's cookie anyway. Refuses ACCOUNT_LAST_ADMIN. No audit: the caller
 * writes it with its source. Inside the caller's transaction. */
int account_set_disabled(struct store *s, int64_t user_id, int disabled, int64_t now,
                         const char **reason);
/* Changes an account's role; demoting the last administrator is ACCOUNT_LAST_ADMIN. */
int account_set_role(struct store *s, int64_t user_id, enum store_role role, const char **reason);
/* "active", "invited" (no password set yet) or "disabled". */
const char *account_status(const struct store_user *u);

#endif

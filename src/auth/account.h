/* account: creating a practitioner account, shared by the first-run page and
 * `confide admin create-user`, so both apply the same rules. */
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
};

int account_name_valid(const char *name);

/* Checks the name, the email and the password policy; quick, no hashing, no store. */
int account_check(const char *name, const char *email, const char *password,
                  size_t password_len, const char **reason);
/* account_check, then hashes the password (the slow
 * part, ~0.1 s: hold no database lock around it). No store. */
int account_prepare(const char *name, const char *email, const char *password,
                    size_t password_len, char hash[128], const char **reason);
/* Inserts and audits an account prepared by account_prepare (actor 0: nobody signed in).
 * Runs inside the caller's transaction. */
int account_insert(struct store *s, const char *name, const char *email, const char *hash,
                   enum store_role role, int64_t actor, int64_t now, int64_t *id,
                   const char **reason);
/* account_prepare then account_insert. On failure *reason is a sentence for a person. */
int account_create(struct store *s, const char *name, const char *email, const char *password,
                   size_t password_len, enum store_role role, int64_t actor, int64_t now,
                   int64_t *id, const char **reason);

#endif

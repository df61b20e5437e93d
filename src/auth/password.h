/* password: the practitioner password policy and argon2id hashing (libsodium). */
#ifndef CONFIDE_AUTH_PASSWORD_H
#define CONFIDE_AUTH_PASSWORD_H
#include <stddef.h>

#define PASSWORD_MIN_CHARS 12
#define PASSWORD_MAX_BYTES 1024
#define PASSWORD_HASH_MAX 128

/* Returns 0 when the password may be used, else -1 and a sentence for a person. */
int password_check_policy(const char *pw, size_t len, const char **reason);
/* Returns 0, or -1 when hashing could not get its memory. */
int password_hash(const char *pw, size_t len, char out[PASSWORD_HASH_MAX]);
/* Returns 0 when pw matches hash. */
int password_verify(const char *hash, const char *pw, size_t len);
/* Spends the same time as a verify that fails, for sign-ins naming an unknown email. */
void password_verify_dummy(const char *pw, size_t len);

#endif

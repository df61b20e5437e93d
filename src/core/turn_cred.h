/* turn_cred: short-lived credentials for the practice's TURN server (coturn), by the TURN
 * REST scheme its use-auth-secret checks: the user name is "<expiry>:<id>", the expiry in
 * Unix seconds, and the password is base64(HMAC-SHA1(secret, user name)). coturn shares the
 * secret (static-auth-secret) and so needs no list of users; it refuses a name whose
 * expiry has passed. Sans-I/O: the caller gives the time and the id. */
#ifndef CONFIDE_CORE_TURN_CRED_H
#define CONFIDE_CORE_TURN_CRED_H
#include <stdint.h>

#define TURN_CRED_ID_MAX 40

struct turn_cred {
    char username[24 + TURN_CRED_ID_MAX]; /* "<expiry>:<id>" */
    char password[32];                    /* base64 of a 20-byte HMAC-SHA1: 28 characters */
};

/* Credentials valid until now + ttl seconds. id says nothing about the person (a random
 * token): it is what the TURN server logs. Returns 0, or -1 when id is empty, longer than
 * TURN_CRED_ID_MAX or holds a ':', or the secret is empty. */
int turn_cred_make(const char *secret, int64_t now, long ttl, const char *id,
                   struct turn_cred *out);

#endif

/* login: sign-in tokens, the cookie that carries them, and when a sign-in ends.
 * The cookie holds 256 random bits; the store keeps only their BLAKE2b hash, so a copy
 * of the database lets nobody sign in. */
#ifndef CONFIDE_AUTH_LOGIN_H
#define CONFIDE_AUTH_LOGIN_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/store.h"

#define LOGIN_TOKEN_CHARS 43 /* 32 bytes in unpadded base64url */

enum login_state { LOGIN_VALID, LOGIN_IDLE, LOGIN_EXPIRED };

void login_token_new(char out[LOGIN_TOKEN_CHARS + 1]);
void login_token_hash(const char *token, size_t len, uint8_t out[32]);
enum login_state login_check(const struct store_login *l, int64_t now, int64_t idle_ms);
/* Whether a request now should record the sign-in's activity (a write): not on every
 * request, only once last_seen_at is older than an eighth of the idle timeout (at most
 * 30 s), so a busy dashboard costs reads. A sign-in may thus end up to that much before
 * idle_ms of true idleness, never after. */
int login_touch_due(const struct store_login *l, int64_t now, int64_t idle_ms);

/* The cookie's name: "__Host-confide_session" when browsers reach confide over https
 * (config.https: its own TLS, or an https public_url behind a proxy; the browser then
 * insists on Secure, Path=/ and no Domain), "confide_session" on plain HTTP. */
const char *login_cookie_name(int https);
/* A Set-Cookie value that stores the token, or (token NULL) one that deletes it. */
void login_cookie_header(struct buf *out, int https, const char *token, int64_t max_age_s);
/* The cookie of a sign-in waiting for its second step (5 minutes): "__Host-confide_mfa"
 * over https, "confide_mfa" on plain HTTP. It signs nobody in; it only lets
 * POST /api/v1/login/mfa (or, for an enrolment, the TOTP enrolment routes) finish. */
#define MFA_PENDING_SECONDS 300
const char *mfa_cookie_name(int https);
void mfa_cookie_header(struct buf *out, int https, const char *token, int64_t max_age_s);
/* Finds a cookie's value in a Cookie header. Returns its length, or -1 when absent. */
int cookie_find(const char *header, const char *name, const char **value);

#endif

/* totp: one-time codes from an authenticator app (RFC 6238 over RFC 4226: HMAC-SHA-1,
 * 6 digits, 30-second steps), base32 (RFC 4648) for the secret, and the otpauth:// URI the
 * apps read from a QR code. Sans-I/O: the caller passes the time and keeps the last step
 * used, so a code is never accepted twice. */
#ifndef CONFIDE_AUTH_TOTP_H
#define CONFIDE_AUTH_TOTP_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define TOTP_SECRET_BYTES 20 /* 160 bits, as RFC 4226 recommends */
#define TOTP_STEP_SECONDS 30
#define TOTP_DIGITS 6
#define TOTP_SECRET_CHARS 32 /* base32 of 20 bytes, no padding */

/* RFC 4648 base32 of len bytes into out (NUL-terminated), '=' padding when pad. Returns the
 * length written, or -1 when out is too small. */
int base32_encode(const uint8_t *in, size_t len, int pad, char *out, size_t out_size);
/* Decodes base32, case-insensitive, ignoring padding, spaces and '-'. Returns the bytes
 * written, or -1 on a character outside the alphabet, a bad length or out too small. */
int base32_decode(const char *in, uint8_t *out, size_t out_size);

/* RFC 4226 HOTP: the code for counter, `digits` (6..8) long. */
uint32_t hotp(const uint8_t *key, size_t key_len, uint64_t counter, int digits);
/* The step a time (seconds since the epoch) falls in. */
int64_t totp_step(int64_t unix_seconds);

/* Checks a typed code (6 digits; spaces ignored) against the steps now-1, now and now+1,
 * refusing any step at or before *last_step. On a match returns 0 and sets *last_step to
 * the step that matched; otherwise -1. */
int totp_verify(const uint8_t *key, size_t key_len, const char *code, int64_t unix_seconds,
                int64_t *last_step);

/* otpauth://totp/ISSUER:LABEL?secret=…&issuer=ISSUER&algorithm=SHA1&digits=6&period=30,
 * issuer and label percent-encoded; label NULL or empty gives the issuer alone. */
void totp_uri(struct buf *out, const char *issuer, const char *label, const char *secret_b32);

#endif

/* Shared by sfu/sdp.c (parsing) and sfu/sdp_negotiate.c (answers and offers) only. */
#ifndef CONFIDE_SFU_SDP_INTERNAL_H
#define CONFIDE_SFU_SDP_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>

#include "sfu/sdp.h"

#define MAX_TOKEN 256
#define MAX_ID 32 /* mid, rid, msid parts */

/* Fills err (when given) and returns rc. */
int sdp_fail(struct sdp_error *err, int rc, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool sdp_is_hex(char c);
int sdp_hex_value(char c);
/* An RFC 4566 token of 1 to max characters. */
bool sdp_is_token(const char *s, size_t max);
/* ice-chars (RFC 8839), min to max of them. */
bool sdp_is_ice(const char *s, size_t min, size_t max);
/* "AB:CD:…": hex pairs separated by colons. */
bool sdp_valid_fingerprint(const char *s);

#endif

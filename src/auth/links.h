/* links: personal links. A link carries 128 random bits; the store keeps their hash (for
 * look-ups) and a sealed copy (so the therapist can see the link again). "/j/" links open
 * a meeting, "/p/" links a find-a-time poll. */
#ifndef CONFIDE_AUTH_LINKS_H
#define CONFIDE_AUTH_LINKS_H
#include <stdint.h>

#include "core/arena.h"

#define LINK_TOKEN_CHARS 22 /* 16 bytes in unpadded base64url */
/* the most a request may send as a link's token: longer is refused before any look-up */
#define LINK_TOKEN_FIELD_MAX 64

void link_token_new(char out[LINK_TOKEN_CHARS + 1], uint8_t hash[32]);
void link_token_hash(const char *token, uint8_t hash[32]);
/* "<public_url><prefix><token>", e.g. prefix "/j/". */
char *link_url(struct arena *a, const char *public_url, const char *prefix, const char *token);

#endif

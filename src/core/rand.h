/* rand: cryptographic randomness (libsodium) and the tokens made from it. */
#ifndef CONFIDE_CORE_RAND_H
#define CONFIDE_CORE_RAND_H
#include <stddef.h>

/* Must run once before any other confide code uses randomness or libsodium. */
int rand_init(void);
void rand_bytes(void *out, size_t n);
/* Writes `nbytes` random bytes as unpadded base64url into out (needs 4*nbytes/3 + 2 bytes). */
void rand_token(char *out, size_t out_size, size_t nbytes);

#endif

#include "auth/links.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/rand.h"

void link_token_new(char out[LINK_TOKEN_CHARS + 1], uint8_t hash[32])
{
    rand_token(out, LINK_TOKEN_CHARS + 1, 16);
    link_token_hash(out, hash);
}

void link_token_hash(const char *token, uint8_t hash[32])
{
    crypto_generichash(hash, 32, (const uint8_t *)token, strlen(token), NULL, 0);
}

char *link_url(struct arena *a, const char *public_url, const char *prefix, const char *token)
{
    size_t n = strlen(public_url) + strlen(prefix) + strlen(token) + 1;
    char *url = arena_alloc(a, n);
    snprintf(url, n, "%s%s%s", public_url, prefix, token);
    return url;
}

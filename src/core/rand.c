#include "core/rand.h"

#include <sodium.h>

#include "core/xalloc.h"
#include <stdlib.h>

int rand_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void rand_bytes(void *out, size_t n)
{
    randombytes_buf(out, n);
}

void rand_token(char *out, size_t out_size, size_t nbytes)
{
    unsigned char *raw = xmalloc(nbytes);
    randombytes_buf(raw, nbytes);
    sodium_bin2base64(out, out_size, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, nbytes);
    free(raw);
}

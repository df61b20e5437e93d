#include "core/seal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES

struct seal {
    uint8_t box_key[32];
    uint8_t index_key[32];
};

struct seal *seal_new_from_key(const uint8_t key[32])
{
    struct seal *s = sodium_malloc(sizeof *s);
    if (!s)
        abort();
    crypto_kdf_derive_from_key(s->box_key, sizeof s->box_key, 1, "confseal", key);
    crypto_kdf_derive_from_key(s->index_key, sizeof s->index_key, 2, "confseal", key);
    return s;
}

static int read_key(const char *path, uint8_t key[32])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, key, 32);
    close(fd);
    return n == 32 ? 0 : -EINVAL;
}

static int create_key(const char *path, uint8_t key[32])
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    randombytes_buf(key, 32);
    int rc = 0;
    if (write(fd, key, 32) != 32 || fsync(fd) != 0)
        rc = -EIO;
    close(fd);
    return rc;
}

int seal_load(const char *data_dir, struct seal **out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/secret.key", data_dir);
    uint8_t key[32];
    int rc = read_key(path, key);
    if (rc == -ENOENT)
        rc = create_key(path, key);
    if (rc == -EEXIST) /* another process made it between our two calls */
        rc = read_key(path, key);
    if (rc < 0)
        return rc;
    *out = seal_new_from_key(key);
    sodium_memzero(key, sizeof key);
    return 0;
}

void seal_free(struct seal *s)
{
    if (s)
        sodium_free(s);
}

/* What a version-1 box is bound to: its version, its column and its row. */
static size_t row_ad(const char *column, int64_t row, uint8_t *ad, size_t cap)
{
    size_t n = strlen(column);
    assert(row > 0 && n + 10 <= cap);
    ad[0] = SEAL_VERSION;
    memcpy(ad + 1, column, n);
    ad[1 + n] = 0;
    for (int i = 0; i < 8; i++)
        ad[2 + n + i] = (uint8_t)((uint64_t)row >> (56 - 8 * i));
    return n + 10;
}

void seal_box(const struct seal *s, const char *column, int64_t row, const void *plain, size_t len,
              struct buf *out)
{
    uint8_t ad[SEAL_COLUMN_MAX + 10];
    size_t ad_len = row_ad(column, row, ad, sizeof ad);
    buf_reset(out);
    uint8_t *box = xmalloc(1 + NONCE_BYTES + len + TAG_BYTES);
    box[0] = SEAL_VERSION;
    randombytes_buf(box + 1, NONCE_BYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + 1 + NONCE_BYTES, &clen, plain, len, ad, ad_len,
                                               NULL, box + 1, s->box_key);
    buf_append(out, box, 1 + NONCE_BYTES + (size_t)clen);
    free(box);
}

/* nonce || ciphertext || tag, opened with ad */
static int open_box(const struct seal *s, const uint8_t *ad, size_t ad_len, const uint8_t *b,
                    size_t len, struct buf *out)
{
    buf_reset(out);
    if (len < NONCE_BYTES + TAG_BYTES)
        return -1;
    size_t plain_len = len - NONCE_BYTES - TAG_BYTES;
    uint8_t *plain = xmalloc(plain_len + 1);
    unsigned long long mlen = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
        plain, &mlen, NULL, b + NONCE_BYTES, len - NONCE_BYTES, ad, ad_len, b, s->box_key);
    if (rc == 0)
        buf_append(out, plain, (size_t)mlen);
    sodium_memzero(plain, plain_len + 1);
    free(plain);
    return rc == 0 ? 0 : -1;
}

int seal_unbox(const struct seal *s, const char *column, int64_t row, const void *box, size_t len,
               struct buf *out)
{
    const uint8_t *b = box;
    if (len < 1 || b[0] != SEAL_VERSION || row <= 0) {
        buf_reset(out);
        return -1;
    }
    uint8_t ad[SEAL_COLUMN_MAX + 10];
    size_t ad_len = row_ad(column, row, ad, sizeof ad);
    return open_box(s, ad, ad_len, b + 1, len - 1, out);
}

int seal_unbox_v0(const struct seal *s, const char *column, const void *box, size_t len,
                  struct buf *out)
{
    return open_box(s, (const uint8_t *)column, strlen(column), box, len, out);
}

void seal_index(const struct seal *s, const char *column, const void *data, size_t len,
                uint8_t out[SEAL_INDEX_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, s->index_key, sizeof s->index_key, SEAL_INDEX_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)column, strlen(column) + 1);
    crypto_generichash_update(&st, data, len);
    crypto_generichash_final(&st, out, SEAL_INDEX_BYTES);
}

#include "core/seal.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/xalloc.h"

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEY_ID_BYTES 4

struct box_key {
    uint32_t id;
    uint8_t key[32];
};

/* What changes while the server runs: the keys, read again from the file under the lock. */
struct ring {
    pthread_mutex_t lock;
    uint8_t index_key[32]; /* fixed for the seal's life */
    int count;
    struct box_key keys[KEYFILE_MAX_KEYS]; /* ascending ids; the last seals */
    struct stat seen;                      /* the file as it was last read */
    int last_error;                        /* said once, not at every value */
};

/* A seal is const for its users; the ring it points to is what a reload changes. */
struct seal {
    struct ring *ring;
    char *path; /* NULL: fixed keys */
};

static void ring_set_keys(struct ring *r, const struct keyfile *kf)
{
    assert(kf->count >= 1 && kf->count <= KEYFILE_MAX_KEYS);
    sodium_memzero(r->keys, sizeof r->keys);
    for (int i = 0; i < kf->count; i++) {
        r->keys[i].id = kf->keys[i].id;
        crypto_kdf_derive_from_key(r->keys[i].key, sizeof r->keys[i].key, KEYFILE_SUBKEY_BOX,
                                   KEYFILE_KDF_CONTEXT, kf->keys[i].key);
    }
    r->count = kf->count;
}

static struct seal *seal_new(const struct keyfile *kf, const char *path)
{
    struct seal *s = xcalloc(1, sizeof *s);
    s->ring = sodium_malloc(sizeof *s->ring);
    if (!s->ring)
        abort();
    memset(s->ring, 0, sizeof *s->ring);
    pthread_mutex_init(&s->ring->lock, NULL);
    memcpy(s->ring->index_key, kf->index_key, sizeof s->ring->index_key);
    ring_set_keys(s->ring, kf);
    s->path = path ? xstrdup(path) : NULL;
    return s;
}

struct seal *seal_new_from_keyfile(const struct keyfile *kf)
{
    return seal_new(kf, NULL);
}

struct seal *seal_new_from_key(const uint8_t key[32])
{
    struct keyfile kf;
    keyfile_from_raw(key, &kf);
    struct seal *s = seal_new(&kf, NULL);
    keyfile_wipe(&kf);
    return s;
}

int seal_load(const char *key_file, struct seal **out)
{
    struct keyfile kf;
    struct stat st;
    int rc = keyfile_read(key_file, &kf, &st);
    if (rc == -ENOENT) {
        rc = keyfile_create(key_file);
        if (rc == 0 || rc == -EEXIST) /* made now, or by another process meanwhile */
            rc = keyfile_read(key_file, &kf, &st);
    }
    if (rc < 0)
        return rc;
    *out = seal_new(&kf, key_file);
    (*out)->ring->seen = st;
    keyfile_wipe(&kf);
    return 0;
}

void seal_free(struct seal *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->ring->lock);
    sodium_free(s->ring); /* zeroes it */
    free(s->path);
    free(s);
}

/* ---- reading the key file again ---- */

static int same_file(const struct stat *a, const struct stat *b)
{
    /* rotate-key renames a new file in (another inode); the mode is compared too, as a chmod
     * within one clock tick leaves ctime as it was */
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mode == b->st_mode && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int reload_failed(const struct seal *s, int rc, const char *why)
{
    if (rc != s->ring->last_error)
        log_error("seal", "the key file %s %s (%s); the keys loaded before stay in use", s->path,
                  why, strerror(-rc));
    s->ring->last_error = rc;
    return rc;
}

/* Called with the lock held. A file that changed but cannot be used is not read again until
 * it changes once more (a chmod does), so a broken file costs one stat per seal, not a read. */
static int reload_locked(const struct seal *s, int force)
{
    struct ring *r = s->ring;
    if (!s->path)
        return 0;
    struct stat looked, now;
    if (!force) {
        if (stat(s->path, &looked) < 0)
            return reload_failed(s, -errno, "cannot be looked at");
        if (same_file(&looked, &r->seen))
            return 0;
    }
    struct keyfile kf;
    int rc = keyfile_read(s->path, &kf, &now);
    if (rc == 0 && sodium_memcmp(kf.index_key, r->index_key, sizeof r->index_key) != 0)
        rc = -EKEYREJECTED;
    if (rc < 0) {
        keyfile_wipe(&kf);
        if (!force)
            r->seen = looked;
        return reload_failed(s, rc,
                             rc == -EKEYREJECTED ? "has another index key (another data's key?)"
                                                 : "cannot be read again");
    }
    uint32_t before = r->keys[r->count - 1].id;
    ring_set_keys(r, &kf);
    r->seen = now;
    r->last_error = 0;
    if (r->keys[r->count - 1].id != before)
        log_info("seal", "the key file was read again: key %u seals from now on, %d key(s) known",
                 (unsigned)r->keys[r->count - 1].id, r->count);
    keyfile_wipe(&kf);
    return 1;
}

int seal_reload(const struct seal *s, int force)
{
    pthread_mutex_lock(&s->ring->lock);
    int rc = reload_locked(s, force);
    pthread_mutex_unlock(&s->ring->lock);
    return rc;
}

uint32_t seal_newest_key_id(const struct seal *s)
{
    pthread_mutex_lock(&s->ring->lock);
    uint32_t id = s->ring->keys[s->ring->count - 1].id;
    pthread_mutex_unlock(&s->ring->lock);
    return id;
}

static int find_key(const struct ring *r, uint32_t id, struct box_key *out)
{
    for (int i = 0; i < r->count; i++)
        if (r->keys[i].id == id) {
            *out = r->keys[i];
            return 0;
        }
    return -1;
}

/* Copies the sealing key with this id (0: the newest, after checking the file) into *out.
 * An id this seal does not know makes it look at the file once. Returns 0 or -1. */
static int key_for(const struct seal *s, uint32_t id, struct box_key *out)
{
    struct ring *r = s->ring;
    int rc = 0;
    pthread_mutex_lock(&r->lock);
    if (id == 0) {
        reload_locked(s, 0);
        *out = r->keys[r->count - 1];
    } else {
        rc = find_key(r, id, out);
        if (rc < 0 && reload_locked(s, 0) > 0)
            rc = find_key(r, id, out);
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

/* ---- boxes ---- */

/* What a box is bound to: its version, key id (version 2), column and row. */
static size_t row_ad(int version, uint32_t key_id, const char *column, int64_t row, uint8_t *ad,
                     size_t cap)
{
    size_t n = strlen(column), at = 0;
    assert(row > 0 && n + 14 <= cap);
    ad[at++] = (uint8_t)version;
    if (version == SEAL_VERSION)
        for (int i = 0; i < KEY_ID_BYTES; i++)
            ad[at++] = (uint8_t)(key_id >> (24 - 8 * i));
    memcpy(ad + at, column, n);
    at += n;
    ad[at++] = 0;
    for (int i = 0; i < 8; i++)
        ad[at++] = (uint8_t)((uint64_t)row >> (56 - 8 * i));
    return at;
}

void seal_box(const struct seal *s, const char *column, int64_t row, const void *plain, size_t len,
              struct buf *out)
{
    struct box_key k;
    int rc = key_for(s, 0, &k);
    assert(rc == 0); /* a seal always has a newest key */
    (void)rc;
    uint8_t ad[SEAL_COLUMN_MAX + 14];
    size_t ad_len = row_ad(SEAL_VERSION, k.id, column, row, ad, sizeof ad);
    const size_t head = 1 + KEY_ID_BYTES;
    buf_reset(out);
    uint8_t *box = xmalloc(head + NONCE_BYTES + len + TAG_BYTES);
    memcpy(box, ad, head); /* the version and key id, as bound */
    randombytes_buf(box + head, NONCE_BYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + head + NONCE_BYTES, &clen, plain, len, ad,
                                               ad_len, NULL, box + head, k.key);
    sodium_memzero(&k, sizeof k);
    buf_append(out, box, head + NONCE_BYTES + (size_t)clen);
    free(box);
}

/* nonce || ciphertext || tag, opened with ad */
static int open_box(const uint8_t key[32], const uint8_t *ad, size_t ad_len, const uint8_t *b,
                    size_t len, struct buf *out)
{
    buf_reset(out);
    if (len < NONCE_BYTES + TAG_BYTES)
        return -1;
    size_t plain_len = len - NONCE_BYTES - TAG_BYTES;
    uint8_t *plain = xmalloc(plain_len + 1);
    unsigned long long mlen = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL, b + NONCE_BYTES,
                                                        len - NONCE_BYTES, ad, ad_len, b, key);
    if (rc == 0)
        buf_append(out, plain, (size_t)mlen);
    sodium_memzero(plain, plain_len + 1);
    free(plain);
    return rc == 0 ? 0 : -1;
}

uint32_t seal_box_key_id(const void *box, size_t len)
{
    const uint8_t *b = box;
    if (len >= 1 && b[0] == SEAL_VERSION_NO_KEY_ID)
        return 1;
    if (len < 1 + KEY_ID_BYTES || b[0] != SEAL_VERSION)
        return 0;
    return (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
}

int seal_unbox(const struct seal *s, const char *column, int64_t row, const void *box, size_t len,
               struct buf *out)
{
    const uint8_t *b = box;
    uint32_t id = seal_box_key_id(box, len);
    struct box_key k;
    if (id == 0 || row <= 0 || key_for(s, id, &k) < 0) {
        buf_reset(out);
        return -1;
    }
    uint8_t ad[SEAL_COLUMN_MAX + 14];
    size_t ad_len = row_ad(b[0], id, column, row, ad, sizeof ad);
    size_t head = b[0] == SEAL_VERSION ? 1 + KEY_ID_BYTES : 1;
    int rc = open_box(k.key, ad, ad_len, b + head, len - head, out);
    sodium_memzero(&k, sizeof k);
    return rc;
}

int seal_unbox_v0(const struct seal *s, const char *column, const void *box, size_t len,
                  struct buf *out)
{
    struct box_key k;
    if (key_for(s, 1, &k) < 0) {
        buf_reset(out);
        return -1;
    }
    int rc = open_box(k.key, (const uint8_t *)column, strlen(column), box, len, out);
    sodium_memzero(&k, sizeof k);
    return rc;
}

void seal_index(const struct seal *s, const char *column, const void *data, size_t len,
                uint8_t out[SEAL_INDEX_BYTES])
{
    /* the index key never changes after the seal is made: no lock */
    crypto_generichash_state st;
    crypto_generichash_init(&st, s->ring->index_key, sizeof s->ring->index_key, SEAL_INDEX_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)column, strlen(column) + 1);
    crypto_generichash_update(&st, data, len);
    crypto_generichash_final(&st, out, SEAL_INDEX_BYTES);
}

/* ---- changing the key file ---- */

/* Reads the file as it is now, checks it is this seal's, lets change() alter it, writes it
 * and reads it back. Under the lock, so two threads of one process do not interleave. */
static int rewrite(const struct seal *s,
                   int (*change)(const struct seal *s, struct keyfile *kf, void *arg), void *arg)
{
    if (!s->path)
        return -EINVAL;
    struct ring *r = s->ring;
    struct keyfile kf;
    struct stat st;
    pthread_mutex_lock(&r->lock);
    int rc = keyfile_read(s->path, &kf, &st);
    if (rc == 0 && sodium_memcmp(kf.index_key, r->index_key, sizeof r->index_key) != 0)
        rc = -EKEYREJECTED;
    if (rc == 0)
        rc = change(s, &kf, arg);
    if (rc == 0)
        rc = keyfile_write(s->path, &kf);
    if (rc == 0)
        rc = reload_locked(s, 1) < 0 ? -EIO : 0;
    pthread_mutex_unlock(&r->lock);
    keyfile_wipe(&kf);
    return rc;
}

static int add_key(const struct seal *s, struct keyfile *kf, void *arg)
{
    (void)s;
    return keyfile_add_key(kf, arg);
}

int seal_add_key(const struct seal *s, uint32_t *new_id)
{
    return rewrite(s, add_key, new_id);
}

static int keep_newest(const struct seal *s, struct keyfile *kf, void *arg)
{
    /* the caller checked the database against this seal's newest key: the file's must be it */
    if (kf->keys[kf->count - 1].id != s->ring->keys[s->ring->count - 1].id)
        return -ESTALE;
    *(int *)arg = kf->count - 1;
    keyfile_keep_newest(kf);
    return 0;
}

int seal_retire_older_keys(const struct seal *s, int *retired)
{
    *retired = 0;
    return rewrite(s, keep_newest, retired);
}

#include "core/keyfile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER "confide-keys 1"

void keyfile_wipe(struct keyfile *kf)
{
    sodium_memzero(kf, sizeof *kf);
}

void keyfile_from_raw(const uint8_t key[KEYFILE_KEY_BYTES], struct keyfile *out)
{
    keyfile_wipe(out);
    crypto_kdf_derive_from_key(out->index_key, sizeof out->index_key, KEYFILE_SUBKEY_INDEX,
                               KEYFILE_KDF_CONTEXT, key);
    out->count = 1;
    out->keys[0].id = 1;
    memcpy(out->keys[0].key, key, KEYFILE_KEY_BYTES);
}

/* One line's "<64 hex digits>" into out; the whole rest of the line must be it. */
static int parse_hex_key(const char *hex, size_t len, uint8_t out[KEYFILE_KEY_BYTES])
{
    size_t bin_len = 0;
    if (len != 2 * KEYFILE_KEY_BYTES)
        return -EINVAL;
    if (sodium_hex2bin(out, KEYFILE_KEY_BYTES, hex, len, NULL, &bin_len, NULL) != 0 ||
        bin_len != KEYFILE_KEY_BYTES)
        return -EINVAL;
    return 0;
}

static int parse_line(const char *line, size_t len, struct keyfile *out, int *has_index)
{
    if (len > 6 && memcmp(line, "index ", 6) == 0) {
        if (*has_index)
            return -EINVAL;
        *has_index = 1;
        return parse_hex_key(line + 6, len - 6, out->index_key);
    }
    if (len < 4 || memcmp(line, "key ", 4) != 0)
        return -EINVAL;
    uint64_t id = 0;
    size_t i = 4;
    while (i < len && line[i] >= '0' && line[i] <= '9' && id <= UINT32_MAX)
        id = id * 10 + (uint64_t)(line[i++] - '0');
    if (i == 4 || i >= len || line[i] != ' ' || id == 0 || id > UINT32_MAX)
        return -EINVAL;
    if (out->count == KEYFILE_MAX_KEYS ||
        (out->count > 0 && out->keys[out->count - 1].id >= id)) /* ascending, no repeats */
        return -EINVAL;
    struct keyfile_key *k = &out->keys[out->count];
    k->id = (uint32_t)id;
    if (parse_hex_key(line + i + 1, len - i - 1, k->key) < 0)
        return -EINVAL;
    out->count++;
    return 0;
}

int keyfile_parse(const uint8_t *data, size_t len, struct keyfile *out)
{
    keyfile_wipe(out);
    if (len == KEYFILE_KEY_BYTES) {
        keyfile_from_raw(data, out);
        return 0;
    }
    const char *p = (const char *)data, *end = p + len;
    int seen_header = 0, has_index = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        size_t n = (size_t)(line_end - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        int rc = 0;
        if (n == 0 || p[0] == '#')
            rc = 0;
        else if (seen_header)
            rc = parse_line(p, n, out, &has_index);
        else if (n == strlen(HEADER) && memcmp(p, HEADER, n) == 0)
            seen_header = 1;
        else
            rc = -EINVAL;
        if (rc < 0) {
            keyfile_wipe(out);
            return -EINVAL;
        }
        p = line_end + (nl ? 1 : 0);
    }
    if (!seen_header || !has_index || out->count == 0) {
        keyfile_wipe(out);
        return -EINVAL;
    }
    return 0;
}

static void put_hex(struct buf *out, const uint8_t key[KEYFILE_KEY_BYTES])
{
    char hex[2 * KEYFILE_KEY_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, key, KEYFILE_KEY_BYTES);
    buf_puts(out, hex);
    sodium_memzero(hex, sizeof hex);
}

void keyfile_format(const struct keyfile *kf, struct buf *out)
{
    assert(kf->count >= 1 && kf->count <= KEYFILE_MAX_KEYS);
    buf_reset(out);
    buf_puts(out, HEADER
             "\n"
             "# confide's keys. Keep this file private (mode 0600) and apart from the\n"
             "# backups; keep a copy of every key you retire with the backups it opens.\n"
             "# The last key seals; older ones open what they sealed until it is re-sealed.\n"
             "# The index key keys look-ups and the audit chain and is never rotated.\n"
             "index ");
    put_hex(out, kf->index_key);
    buf_puts(out, "\n");
    for (int i = 0; i < kf->count; i++) {
        buf_printf(out, "key %u ", (unsigned)kf->keys[i].id);
        put_hex(out, kf->keys[i].key);
        buf_puts(out, "\n");
    }
}

int keyfile_add_key(struct keyfile *kf, uint32_t *new_id)
{
    assert(kf->count >= 1);
    const struct keyfile_key *last = &kf->keys[kf->count - 1];
    if (kf->count == KEYFILE_MAX_KEYS || last->id == UINT32_MAX)
        return -ENOSPC;
    struct keyfile_key *k = &kf->keys[kf->count++];
    k->id = last->id + 1;
    randombytes_buf(k->key, sizeof k->key);
    *new_id = k->id;
    return 0;
}

void keyfile_keep_newest(struct keyfile *kf)
{
    assert(kf->count >= 1);
    if (kf->count == 1)
        return;
    kf->keys[0] = kf->keys[kf->count - 1];
    sodium_memzero(&kf->keys[1], sizeof kf->keys[0] * (size_t)(kf->count - 1));
    kf->count = 1;
}

const struct keyfile_key *keyfile_find(const struct keyfile *kf, uint32_t id)
{
    for (int i = 0; i < kf->count; i++)
        if (kf->keys[i].id == id)
            return &kf->keys[i];
    return NULL;
}

/* The one rule: whoever else could read the key may have copied it. */
static int mode_private(mode_t mode)
{
    return (mode & 077) == 0;
}

int keyfile_check_private(const char *path, unsigned *mode)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    *mode = (unsigned)(st.st_mode & 07777);
    return mode_private(st.st_mode) ? 0 : -EPERM;
}

int keyfile_read(const char *path, struct keyfile *out, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int rc = 0;
    uint8_t *data = sodium_malloc(KEYFILE_MAX_BYTES);
    if (!data)
        abort();
    size_t len = 0;
    if (fstat(fd, st) < 0)
        rc = -errno;
    else if (!S_ISREG(st->st_mode))
        rc = -EINVAL;
    else if (!mode_private(st->st_mode))
        rc = -EPERM;
    while (rc == 0 && len < KEYFILE_MAX_BYTES) {
        ssize_t n = read(fd, data + len, KEYFILE_MAX_BYTES - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = -errno;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (rc == 0 && len == KEYFILE_MAX_BYTES)
        rc = -EFBIG;
    if (rc == 0)
        rc = keyfile_parse(data, len, out);
    sodium_free(data); /* zeroes it */
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int keyfile_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    uint8_t key[KEYFILE_KEY_BYTES];
    randombytes_buf(key, sizeof key);
    int rc = write_all(fd, key, sizeof key);
    if (rc == 0 && fsync(fd) != 0)
        rc = -EIO;
    sodium_memzero(key, sizeof key);
    close(fd);
    if (rc < 0)
        unlink(path);
    return rc;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int keyfile_write(const char *path, const struct keyfile *kf)
{
    char dir[4096], tmp[4096 + 32];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return -ENAMETOOLONG;
    char *d = dirname(dir);
    snprintf(tmp, sizeof tmp, "%s/.confide-key-XXXXXX", d);
    int fd = mkstemp(tmp); /* 0600 */
    if (fd < 0)
        return -errno;
    struct stat old;
    int rc = 0;
    mode_t mode = 0600;
    if (stat(path, &old) == 0) {
        if ((old.st_mode & 0200) == 0)
            mode = 0400;
        /* the server reads it as its owner: a rotation run as root must not take it away */
        if ((old.st_uid != geteuid() || old.st_gid != getegid()) &&
            fchown(fd, old.st_uid, old.st_gid) < 0)
            rc = -errno;
    }
    struct buf text = {0};
    keyfile_format(kf, &text);
    if (rc == 0)
        rc = write_all(fd, text.data, text.len);
    sodium_memzero(text.data, text.len);
    buf_free(&text);
    if (rc == 0 && fchmod(fd, mode) < 0)
        rc = -errno;
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    close(fd);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir(d);
}

/* keyfile: the file that holds confide's keys (key_file, by default <data_dir>/secret.key).
 *
 * Two formats are read:
 * - 32 raw bytes (every key file before key ids): key 1, its index key derived from it.
 * - text, written by `confide admin rotate-key`:
 *       confide-keys 1
 *       index <64 hex digits>
 *       key 1 <64 hex digits>
 *       key 2 <64 hex digits>
 *   Lines starting with '#' and blank lines are ignored; key ids ascend and the last one
 *   seals. The index key (keyed hashes for look-ups and the audit chain) is stored as it
 *   is, not derived from any key line, so retiring a key never changes it.
 *
 * A key file must be private: no group or other permission bits (keyfile_check_private,
 * the one rule every reader and the CLI apply). confide only reads an existing key file
 * (a systemd credential is read-only); keyfile_write replaces it atomically. */
#ifndef CONFIDE_CORE_KEYFILE_H
#define CONFIDE_CORE_KEYFILE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/buf.h"

#define KEYFILE_KEY_BYTES 32
#define KEYFILE_MAX_KEYS 64
#define KEYFILE_MAX_BYTES 16384
/* what the keys are derived with (crypto_kdf): the box key from every key, the index key
 * from key 1 of a raw file */
#define KEYFILE_KDF_CONTEXT "confseal"
#define KEYFILE_SUBKEY_BOX 1
#define KEYFILE_SUBKEY_INDEX 2

struct keyfile_key {
    uint32_t id; /* >= 1 */
    uint8_t key[KEYFILE_KEY_BYTES];
};

struct keyfile {
    uint8_t index_key[KEYFILE_KEY_BYTES];
    int count;                                 /* >= 1 once parsed */
    struct keyfile_key keys[KEYFILE_MAX_KEYS]; /* ascending ids; the last seals */
};

/* Parses a key file's bytes. Returns 0, or -EINVAL (nothing said about the contents). */
int keyfile_parse(const uint8_t *data, size_t len, struct keyfile *out);
/* The text format of kf. */
void keyfile_format(const struct keyfile *kf, struct buf *out);
/* A key file holding one key, as a raw file of `key` reads. */
void keyfile_from_raw(const uint8_t key[KEYFILE_KEY_BYTES], struct keyfile *out);
/* Adds a random key with the next id; -ENOSPC when full. */
int keyfile_add_key(struct keyfile *kf, uint32_t *new_id);
/* Keeps only the newest key (the index key stays). */
void keyfile_keep_newest(struct keyfile *kf);
const struct keyfile_key *keyfile_find(const struct keyfile *kf, uint32_t id);
void keyfile_wipe(struct keyfile *kf);

/* 0 when the file's mode has no group or other bits; -EPERM (with *mode) otherwise;
 * -errno when it cannot be looked at (-ENOENT: absent). */
int keyfile_check_private(const char *path, unsigned *mode);
/* Reads and parses path, refusing one that is not private (-EPERM). st gets what the
 * file was when read (for noticing a change later). */
int keyfile_read(const char *path, struct keyfile *out, struct stat *st);
/* Makes a new raw key file at path (O_EXCL, 0600); -EEXIST when one appeared meanwhile. */
int keyfile_create(const char *path);
/* Replaces path atomically: a temporary file in the same directory, mode 0600 (0400 when
 * the old file was), the old file's owner, fsync, rename, fsync of the directory. */
int keyfile_write(const char *path, const struct keyfile *kf);

#endif

/* seal: sensitive columns are sealed before they reach the store.
 * The keys live in the key file (core/keyfile.h; key_file, by default
 * <data_dir>/secret.key): one or more numbered keys, the newest of which seals, and an index
 * key (keyed BLAKE2b, so sealed values such as emails can still be looked up by equality,
 * and the audit chain) that rotation never changes. Each key gives a sealing key
 * (XChaCha20-Poly1305).
 *
 * A box (version 2) is 0x02 || key id (4 bytes, big-endian) || nonce || ciphertext || tag,
 * and its associated data is 0x02 || key id || column || NUL || the row's id (8 bytes,
 * big-endian): a sealed value opens only in the column and the row it was sealed for, so it
 * can be neither moved to another column nor copied to another row of the same column.
 * Version 1 (before key ids) is 0x01 || nonce || ciphertext || tag with associated data
 * 0x01 || column || NUL || row, and opens with key 1. Version 0 (before rows were bound)
 * was nonce || ciphertext || tag bound to the column name only; seal_unbox_v0 opens it for
 * the store's one-time upgrade and nothing else.
 *
 * One seal is shared by the server's threads. Its key set changes only by reading the key
 * file again (thread-safe, under its lock): sealing first checks (one stat) whether the
 * file changed, so a key `confide admin rotate-key` added is used from the next value on;
 * a box naming a key id this seal does not know makes it check too before it gives up. */
#ifndef CONFIDE_CORE_SEAL_H
#define CONFIDE_CORE_SEAL_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/keyfile.h"

#define SEAL_INDEX_BYTES 32

struct seal;

/* Loads the key file at key_file, creating it (a raw key, mode 0600) when absent; an
 * existing one is only read. Returns 0 or -errno (-EPERM: not private, -EINVAL: not a
 * key file). */
int seal_load(const char *key_file, struct seal **out);
/* A seal with fixed keys and no file, for tests and fuzzing: key 1 = key, as a raw file. */
struct seal *seal_new_from_key(const uint8_t key[32]);
struct seal *seal_new_from_keyfile(const struct keyfile *kf);
void seal_free(struct seal *s);

#define SEAL_VERSION 2
#define SEAL_VERSION_NO_KEY_ID 1
#define SEAL_COLUMN_MAX 64 /* "table.column" labels are shorter */

/* out = a version-2 box with the newest key, for this column of row `row` (> 0) */
void seal_box(const struct seal *s, const char *column, int64_t row, const void *plain, size_t len,
              struct buf *out);
/* Returns 0, or -1 when the box was not sealed by a key of this seal for this column and row. */
int seal_unbox(const struct seal *s, const char *column, int64_t row, const void *box, size_t len,
               struct buf *out);
/* Opens a version-0 box (column only, key 1): for the store's upgrade of old databases. */
int seal_unbox_v0(const struct seal *s, const char *column, const void *box, size_t len,
                  struct buf *out);
void seal_index(const struct seal *s, const char *column, const void *data, size_t len,
                uint8_t out[SEAL_INDEX_BYTES]);

/* The key id a box names (version 1: 1), or 0 when it is no version-1 or -2 box. */
uint32_t seal_box_key_id(const void *box, size_t len);
/* The id of the key this seal seals with now. */
uint32_t seal_newest_key_id(const struct seal *s);
/* Reads the key file again when it changed since (force: in any case, as on SIGHUP).
 * Returns 1 when it was read, 0 when unchanged or there is no file, -errno when it could
 * not be read or its index key differs (the keys loaded before stay). */
int seal_reload(const struct seal *s, int force);
/* Adds a new key to the key file (written atomically) and seals with it from now on. */
int seal_add_key(const struct seal *s, uint32_t *new_id);
/* Removes every key but the newest from the key file. The caller has checked that nothing
 * sealed with them remains. -ESTALE when the file's newest key is not this seal's. */
int seal_retire_older_keys(const struct seal *s, int *retired);

#endif

/* seal: sensitive columns are sealed before they reach the store.
 * One 256-bit master key lives in <data_dir>/secret.key (mode 0600, made on first start);
 * from it come a sealing key (XChaCha20-Poly1305) and an index key (keyed BLAKE2b, so sealed
 * values such as emails can still be looked up by equality). Back the key up with the data.
 *
 * A box (version 1) is SEAL_VERSION || nonce || ciphertext || tag, and its associated data
 * is SEAL_VERSION || column || NUL || the row's id (8 bytes, big-endian): a sealed value
 * opens only in the column and the row it was sealed for, so it can be neither moved to
 * another column nor copied to another row of the same column. Version 0 (before) was
 * nonce || ciphertext || tag bound to the column name only; seal_unbox_v0 opens it for the
 * store's one-time upgrade and nothing else. */
#ifndef CONFIDE_CORE_SEAL_H
#define CONFIDE_CORE_SEAL_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define SEAL_INDEX_BYTES 32

struct seal;

/* Loads the key file, creating it when absent. Returns 0 or -errno. */
int seal_load(const char *data_dir, struct seal **out);
/* A seal with a fixed key, for tests and fuzzing. */
struct seal *seal_new_from_key(const uint8_t key[32]);
void seal_free(struct seal *s);

#define SEAL_VERSION 1
#define SEAL_COLUMN_MAX 64 /* "table.column" labels are shorter */

/* out = SEAL_VERSION || nonce || ciphertext || tag, for this column of row `row` (> 0) */
void seal_box(const struct seal *s, const char *column, int64_t row, const void *plain, size_t len,
              struct buf *out);
/* Returns 0, or -1 when the box was not sealed by this key for this column and row. */
int seal_unbox(const struct seal *s, const char *column, int64_t row, const void *box, size_t len,
               struct buf *out);
/* Opens a version-0 box (column only): for the store's upgrade of old databases. */
int seal_unbox_v0(const struct seal *s, const char *column, const void *box, size_t len,
                  struct buf *out);
void seal_index(const struct seal *s, const char *column, const void *data, size_t len,
                uint8_t out[SEAL_INDEX_BYTES]);

#endif

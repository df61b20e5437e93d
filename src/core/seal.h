/* seal: sensitive columns are sealed before they reach the store.
 * One 256-bit master key lives in <data_dir>/secret.key (mode 0600, made on first start);
 * from it come a sealing key (XChaCha20-Poly1305, the column name as associated data, so a
 * sealed value cannot be moved to another column) and an index key (keyed BLAKE2b, so sealed
 * values such as emails can still be looked up by equality). Back the key up with the data. */
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

/* out = nonce || ciphertext || tag */
void seal_box(const struct seal *s, const char *column, const void *plain, size_t len,
              struct buf *out);
/* Returns 0, or -1 when the box was not sealed by this key for this column. */
int seal_unbox(const struct seal *s, const char *column, const void *box, size_t len,
               struct buf *out);
void seal_index(const struct seal *s, const char *column, const void *data, size_t len,
                uint8_t out[SEAL_INDEX_BYTES]);

#endif

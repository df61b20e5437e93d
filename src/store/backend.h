/* backend: what a database backend implements for store.c. Rows carry sealed columns
 * as opaque blobs and the equality index of sealed lookups; a backend never sees
 * a plain name or email. */
#ifndef CONFIDE_STORE_BACKEND_H
#define CONFIDE_STORE_BACKEND_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/store.h"

struct store_user_row {
    int64_t id;
    uint8_t email_index[32];
    struct buf email_sealed;
    struct buf name_sealed;
    char role[16];
    char *password_hash;
    int64_t created_at;
};

struct store_backend {
    const char *name;
    int (*open)(const char *location, void **db);
    void (*close)(void *db);
    int (*migrate)(void *db, int *applied, int *version);
    int (*backup)(void *db, const char *path);
    int (*ping)(void *db);
    int (*begin)(void *db);
    int (*commit)(void *db);
    void (*rollback)(void *db);
    int (*user_count)(void *db, int64_t *count);
    int (*user_insert)(void *db, const struct store_user_row *row, int64_t *id);
    /* by index when email_index is given, else by id */
    int (*user_get)(void *db, const uint8_t *email_index, int64_t id, struct store_user_row *out);
    int (*login_insert)(void *db, const struct store_login *l);
    int (*login_get)(void *db, const uint8_t token_hash[32], struct store_login *out);
    int (*login_touch)(void *db, const uint8_t token_hash[32], int64_t now);
    int (*login_delete)(void *db, const uint8_t token_hash[32]);
    int (*login_delete_expired)(void *db, int64_t now, int64_t idle_ms);
    int (*audit)(void *db, int64_t actor, const char *action, int64_t subject, int64_t now);
};

extern const struct store_backend store_sqlite_backend;

#endif

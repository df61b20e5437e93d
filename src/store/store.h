/* store: everything confide keeps. Callers see plain values; this layer seals the
 * sensitive columns (core/seal.h) and times every call (core/metrics.h), then hands
 * rows to a backend (sqlite.c now, pg.c later) through struct store_backend.
 * Every function returns 0 or a negative errno-style code:
 *   -ENOENT not found, -EEXIST unique value taken, -EIO the database failed. */
#ifndef CONFIDE_STORE_STORE_H
#define CONFIDE_STORE_STORE_H
#include <stdint.h>

#include "core/seal.h"

struct store;

enum store_role { STORE_ROLE_ADMIN, STORE_ROLE_THERAPIST };

struct store_user {
    int64_t id;
    char *name;
    char *email; /* normalised: trimmed, lower case */
    enum store_role role;
    char *password_hash;
    int64_t created_at; /* ms since the epoch, like every time in the store */
};

struct store_login {
    uint8_t token_hash[32];
    int64_t user_id;
    int64_t created_at;
    int64_t last_seen_at;
    int64_t expires_at;
};

/* url: "sqlite:/path/to/file.db" (PostgreSQL URLs come with pg.c). The seal is borrowed. */
int store_open(const char *url, const struct seal *seal, struct store **out);
void store_close(struct store *s);
/* Applies every pending migration in one transaction; *applied says how many. */
int store_migrate(struct store *s, int *applied, int *version);
int store_backup(struct store *s, const char *path);
int store_ping(struct store *s);

/* One transaction per request: begin takes the write lock at once. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

const char *store_role_name(enum store_role role);
int store_role_parse(const char *name, enum store_role *out);

int store_user_count(struct store *s, int64_t *count);
int store_user_insert(struct store *s, const struct store_user *u, int64_t *id);
int store_user_by_email(struct store *s, const char *email, struct store_user *out);
int store_user_by_id(struct store *s, int64_t id, struct store_user *out);
void store_user_clear(struct store_user *u);

int store_login_insert(struct store *s, const struct store_login *l);
int store_login_get(struct store *s, const uint8_t token_hash[32], struct store_login *out);
int store_login_touch(struct store *s, const uint8_t token_hash[32], int64_t now);
int store_login_delete(struct store *s, const uint8_t token_hash[32]);
int store_login_delete_expired(struct store *s, int64_t now, int64_t idle_ms);

/* Appends to the audit log: who (0 for nobody signed in), what, and an id it concerns. */
int store_audit(struct store *s, int64_t actor_user_id, const char *action, int64_t subject_id,
                int64_t now);

#endif

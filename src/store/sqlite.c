/* The SQLite backend: WAL, foreign keys, a busy timeout, synchronous=FULL (a therapist's
 * data survives a power cut, not only a crash), and prepared statements kept for the life
 * of the connection. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/backend.h"
#include "store/migrations.h"

enum stmt_id {
    ST_USER_COUNT,
    ST_USER_INSERT,
    ST_USER_BY_INDEX,
    ST_USER_BY_ID,
    ST_LOGIN_INSERT,
    ST_LOGIN_GET,
    ST_LOGIN_TOUCH,
    ST_LOGIN_DELETE,
    ST_LOGIN_DELETE_EXPIRED,
    ST_AUDIT,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_USER_COUNT] = "SELECT count(*) FROM users",
    [ST_USER_INSERT] = "INSERT INTO users (email_index, email_sealed, name_sealed, role,"
                       " password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_USER_BY_INDEX] = "SELECT id, email_index, email_sealed, name_sealed, role,"
                         " password_hash, created_at FROM users WHERE email_index = ?1",
    [ST_USER_BY_ID] = "SELECT id, email_index, email_sealed, name_sealed, role,"
                      " password_hash, created_at FROM users WHERE id = ?1",
    [ST_LOGIN_INSERT] = "INSERT INTO login_sessions (token_hash, user_id, created_at,"
                        " last_seen_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_LOGIN_GET] = "SELECT user_id, created_at, last_seen_at, expires_at"
                     " FROM login_sessions WHERE token_hash = ?1",
    [ST_LOGIN_TOUCH] = "UPDATE login_sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
    [ST_LOGIN_DELETE] = "DELETE FROM login_sessions WHERE token_hash = ?1",
    [ST_LOGIN_DELETE_EXPIRED] = "DELETE FROM login_sessions"
                                " WHERE expires_at <= ?1 OR last_seen_at + ?2 <= ?1",
    [ST_AUDIT] = "INSERT INTO audit_log (at, actor_user_id, action, subject_id)"
                 " VALUES (?1, ?2, ?3, ?4)",
};

struct sqlite_db {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
};

static int fail(struct sqlite_db *d, const char *what)
{
    log_error("store", "sqlite %s: %s", what, sqlite3_errmsg(d->db));
    return -EIO;
}

static int exec_sql(struct sqlite_db *d, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("store", "sqlite exec: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return -EIO;
    }
    return 0;
}

/* Prepared lazily: statements on tables a pending migration creates cannot be prepared
 * before the migration has run. */
static sqlite3_stmt *stmt(struct sqlite_db *d, enum stmt_id id)
{
    if (!d->stmt[id] &&
        sqlite3_prepare_v3(d->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &d->stmt[id],
                           NULL) != SQLITE_OK) {
        fail(d, "prepare");
        return NULL;
    }
    sqlite3_reset(d->stmt[id]);
    sqlite3_clear_bindings(d->stmt[id]);
    return d->stmt[id];
}

static int sq_open(const char *location, void **out)
{
    struct sqlite_db *d = xcalloc(1, sizeof *d);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(location, &d->db, flags, NULL) != SQLITE_OK) {
        log_error("store", "cannot open the database: %s",
                  d->db ? sqlite3_errmsg(d->db) : "out of memory");
        sqlite3_close(d->db);
        free(d);
        return -EIO;
    }
    sqlite3_busy_timeout(d->db, 5000);
    sqlite3_extended_result_codes(d->db, 1);
    if (exec_sql(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;") < 0) {
        sqlite3_close(d->db);
        free(d);
        return -EIO;
    }
    *out = d;
    return 0;
}

static void sq_close(void *db)
{
    struct sqlite_db *d = db;
    if (!d)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(d->stmt[i]);
    sqlite3_close(d->db);
    free(d);
}

static int user_version(struct sqlite_db *d, int *version)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return fail(d, "user_version");
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -EIO;
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

static int sq_migrate(void *db, int *applied, int *version)
{
    struct sqlite_db *d = db;
    *applied = 0;
    if (exec_sql(d, "BEGIN IMMEDIATE") < 0)
        return -EIO;
    int current = 0;
    if (user_version(d, &current) < 0)
        goto fail;
    for (int i = 0; i < store_migration_count; i++) {
        const struct store_migration *m = &store_migrations[i];
        if (m->version <= current)
            continue;
        if (exec_sql(d, m->sql) < 0) {
            log_error("store", "migration %d (%s) failed", m->version, m->name);
            goto fail;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", m->version);
        if (exec_sql(d, pragma) < 0)
            goto fail;
        current = m->version;
        (*applied)++;
    }
    if (exec_sql(d, "COMMIT") < 0)
        goto fail;
    *version = current;
    return 0;
fail:
    exec_sql(d, "ROLLBACK");
    *applied = 0;
    return -EIO;
}

static int sq_backup(void *db, const char *path)
{
    struct sqlite_db *d = db;
    sqlite3 *dest = NULL;
    if (sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        log_error("store", "backup: cannot create the file: %s", sqlite3_errmsg(dest));
        sqlite3_close(dest);
        return -EIO;
    }
    sqlite3_backup *b = sqlite3_backup_init(dest, "main", d->db, "main");
    int rc = -EIO;
    if (b) {
        int step;
        /* copy in slices so a running server is never blocked for long */
        while ((step = sqlite3_backup_step(b, 256)) == SQLITE_OK || step == SQLITE_BUSY ||
               step == SQLITE_LOCKED)
            sqlite3_sleep(step == SQLITE_OK ? 0 : 50);
        if (sqlite3_backup_finish(b) == SQLITE_OK && step == SQLITE_DONE)
            rc = 0;
    }
    if (rc < 0)
        log_error("store", "backup failed: %s", sqlite3_errmsg(dest));
    sqlite3_close(dest);
    return rc;
}

static int sq_ping(void *db)
{
    struct sqlite_db *d = db;
    int64_t n;
    sqlite3_stmt *st = stmt(d, ST_USER_COUNT);
    if (!st || sqlite3_step(st) != SQLITE_ROW)
        return fail(d, "ping");
    n = sqlite3_column_int64(st, 0);
    (void)n;
    sqlite3_reset(st);
    return 0;
}

static int sq_begin(void *db)
{
    return exec_sql(db, "BEGIN IMMEDIATE");
}

static int sq_commit(void *db)
{
    return exec_sql(db, "COMMIT");
}

static void sq_rollback(void *db)
{
    struct sqlite_db *d = db;
    if (!sqlite3_get_autocommit(d->db))
        exec_sql(d, "ROLLBACK");
}

/* Runs a statement that returns no rows. */
static int step_done(struct sqlite_db *d, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return -EEXIST;
    return fail(d, what);
}

static int sq_user_count(void *db, int64_t *count)
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, ST_USER_COUNT);
    if (!st || sqlite3_step(st) != SQLITE_ROW)
        return fail(d, "user_count");
    *count = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

static int sq_user_insert(void *db, const struct store_user_row *r, int64_t *id)
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, ST_USER_INSERT);
    if (!st)
        return -EIO;
    sqlite3_bind_blob(st, 1, r->email_index, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, r->email_sealed.data, (int)r->email_sealed.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, r->name_sealed.data, (int)r->name_sealed.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, r->created_at);
    int rc = step_done(d, st, "user_insert");
    if (rc == 0)
        *id = sqlite3_last_insert_rowid(d->db);
    return rc;
}

static void column_buf(sqlite3_stmt *st, int col, struct buf *out)
{
    buf_reset(out);
    const void *p = sqlite3_column_blob(st, col);
    buf_append(out, p ? p : "", (size_t)sqlite3_column_bytes(st, col));
}

static int sq_user_get(void *db, const uint8_t *email_index, int64_t id,
                       struct store_user_row *out)
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, email_index ? ST_USER_BY_INDEX : ST_USER_BY_ID);
    if (!st)
        return -EIO;
    if (email_index)
        sqlite3_bind_blob(st, 1, email_index, 32, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return -ENOENT;
    }
    if (rc != SQLITE_ROW)
        return fail(d, "user_get");
    out->id = sqlite3_column_int64(st, 0);
    if (sqlite3_column_bytes(st, 1) == 32)
        memcpy(out->email_index, sqlite3_column_blob(st, 1), 32);
    column_buf(st, 2, &out->email_sealed);
    column_buf(st, 3, &out->name_sealed);
    snprintf(out->role, sizeof out->role, "%s", (const char *)sqlite3_column_text(st, 4));
    out->password_hash = xstrdup((const char *)sqlite3_column_text(st, 5));
    out->created_at = sqlite3_column_int64(st, 6);
    sqlite3_reset(st);
    return 0;
}

static int sq_login_insert(void *db, const struct store_login *l)
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, ST_LOGIN_INSERT);
    if (!st)
        return -EIO;
    sqlite3_bind_blob(st, 1, l->token_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, l->user_id);
    sqlite3_bind_int64(st, 3, l->created_at);
    sqlite3_bind_int64(st, 4, l->last_seen_at);
    sqlite3_bind_int64(st, 5, l->expires_at);
    return step_done(d, st, "login_insert");
}

static int sq_login_get(void *db, const uint8_t token_hash[32], struct store_login *out)
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, ST_LOGIN_GET);
    if (!st)
        return -EIO;
    sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return -ENOENT;
    }
    if (rc != SQLITE_ROW)
        return fail(d, "login_get");
    memcpy(out->token_hash, token_hash, 32);
    out->user_id = sqlite3_column_int64(st, 0);
    out->created_at = sqlite3_column_int64(st, 1);
    out->last_seen_at = sqlite3_column_int64(st, 2);
    out->expires_at = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    return 0;
}

static int sq_login_touch(void *db, const uint8_t token_hash[32], int64_t now)
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, ST_LOGIN_TOUCH);
    if (!st)
        return -EIO;
    sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return step_done(d, st, "login_touch");
}

static int sq_login_delete(void *db, const uint8_t token_hash[32])
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, ST_LOGIN_DELETE);
    if (!st)
        return -EIO;
    sqlite3_bind_blob(st, 1, token_hash, 32, SQLITE_STATIC);
    return step_done(d, st, "login_delete");
}

static int sq_login_delete_expired(void *db, int64_t now, int64_t idle_ms)
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, ST_LOGIN_DELETE_EXPIRED);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, idle_ms);
    return step_done(d, st, "login_delete_expired");
}

static int sq_audit(void *db, int64_t actor, const char *action, int64_t subject, int64_t now)
{
    struct sqlite_db *d = db;
    sqlite3_stmt *st = stmt(d, ST_AUDIT);
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, now);
    if (actor > 0)
        sqlite3_bind_int64(st, 2, actor);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    if (subject > 0)
        sqlite3_bind_int64(st, 4, subject);
    return step_done(d, st, "audit");
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .backup = sq_backup,
    .ping = sq_ping,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .user_count = sq_user_count,
    .user_insert = sq_user_insert,
    .user_get = sq_user_get,
    .login_insert = sq_login_insert,
    .login_get = sq_login_get,
    .login_touch = sq_login_touch,
    .login_delete = sq_login_delete,
    .login_delete_expired = sq_login_delete_expired,
    .audit = sq_audit,
};

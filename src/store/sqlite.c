/* The SQLite backend: WAL, foreign keys, a busy timeout, synchronous=FULL (a therapist's
 * data survives a power cut, not only a crash), and prepared statements kept for the life
 * of the connection. */
#include <assert.h>
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/backend.h"
#include "store/migrations.h"

struct sqlite_db {
    sqlite3 *db;
    sqlite3_stmt *stmt[STORE_STMT_CACHE];
    /* BEGIN succeeded and neither COMMIT nor ROLLBACK has ended it yet */
    int in_txn;
    /* SQLite rolled the open transaction back by itself (it may, after SQLITE_FULL or an
     * I/O error): the error that did it, answered to every statement until the caller's
     * ROLLBACK, so nothing after it runs in autocommit outside the request's transaction */
    int lost_rc;
};

int store_sqlite_errno(int rc, int sys_errno)
{
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return -EEXIST;
    if ((rc & 0xff) == SQLITE_FULL)
        return -ENOSPC;
    /* a write, a truncate or the shared-memory index growing can meet a full disk as an
     * I/O error; the system's errno tells it from a failing disk */
    if ((rc & 0xff) == SQLITE_IOERR &&
        (sys_errno == ENOSPC || sys_errno == EDQUOT || sys_errno == EFBIG))
        return -ENOSPC;
    return -EIO;
}

static int fail_rc(struct sqlite_db *d, int rc, const char *what)
{
    int err = store_sqlite_errno(rc, sqlite3_system_errno(d->db));
    /* a full disk is logged once per burst by the store, not once per statement */
    if (err == -EIO)
        log_error("store", "sqlite %s: %s (code %d, errno %d)", what, sqlite3_errmsg(d->db), rc,
                  sqlite3_system_errno(d->db));
    return err;
}

static int fail(struct sqlite_db *d, const char *what)
{
    return fail_rc(d, sqlite3_extended_errcode(d->db), what);
}

/* After a failure inside a transaction: did SQLite roll it back already? */
static void note_lost_transaction(struct sqlite_db *d, int err)
{
    if (d->in_txn && !d->lost_rc && sqlite3_get_autocommit(d->db))
        d->lost_rc = err;
}

static int exec_sql(struct sqlite_db *d, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(d->db, sql, NULL, NULL, &msg);
    sqlite3_free(msg);
    if (rc == SQLITE_OK)
        return 0;
    return fail_rc(d, sqlite3_extended_errcode(d->db), "exec");
}

/* Prepared on first use and kept: statements on tables a pending migration creates
 * cannot be prepared before the migration has run. */
static sqlite3_stmt *stmt(struct sqlite_db *d, int id, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (id >= 0 && id < STORE_STMT_CACHE && d->stmt[id]) {
        st = d->stmt[id];
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fail(d, "prepare");
        return NULL;
    }
    if (id >= 0 && id < STORE_STMT_CACHE)
        d->stmt[id] = st;
    return st;
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
    for (int i = 0; i < STORE_STMT_CACHE; i++)
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

static int sq_begin(void *db)
{
    struct sqlite_db *d = db;
    assert(!d->in_txn); /* one transaction at a time per connection */
    d->lost_rc = 0;
    int rc = exec_sql(d, "BEGIN IMMEDIATE");
    d->in_txn = rc == 0;
    return rc;
}

/* A failed COMMIT leaves the transaction open or rolled back (SQLite decides); the caller
 * calls rollback either way. */
static int sq_commit(void *db)
{
    struct sqlite_db *d = db;
    if (d->lost_rc)
        return d->lost_rc;
    int rc = exec_sql(d, "COMMIT");
    if (rc == 0)
        d->in_txn = 0;
    else
        note_lost_transaction(d, rc);
    return rc;
}

static void sq_rollback(void *db)
{
    struct sqlite_db *d = db;
    if (!sqlite3_get_autocommit(d->db))
        exec_sql(d, "ROLLBACK");
    d->in_txn = 0;
    d->lost_rc = 0;
}

static int bind_params(sqlite3_stmt *st, const struct store_value *params, int nparams)
{
    for (int i = 0; i < nparams; i++) {
        char name[16];
        snprintf(name, sizeof name, "$%d", i + 1);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0)
            continue; /* a parameter this statement does not use */
        const struct store_value *v = &params[i];
        int rc = SQLITE_OK;
        switch (v->type) {
        case SV_NULL:
            rc = sqlite3_bind_null(st, idx);
            break;
        case SV_INT:
            rc = sqlite3_bind_int64(st, idx, v->i);
            break;
        case SV_TEXT:
            rc = sqlite3_bind_text(st, idx, v->p, -1, SQLITE_STATIC);
            break;
        case SV_BLOB:
            rc = sqlite3_bind_blob(st, idx, v->p ? v->p : "", (int)v->len, SQLITE_STATIC);
            break;
        }
        if (rc != SQLITE_OK)
            return -1;
    }
    return 0;
}

#define MAX_COLUMNS 24

static void read_row(sqlite3_stmt *st, struct store_value *cols, int n)
{
    for (int i = 0; i < n; i++) {
        struct store_value *v = &cols[i];
        memset(v, 0, sizeof *v);
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL:
            v->type = SV_NULL;
            break;
        case SQLITE_INTEGER:
        case SQLITE_FLOAT:
            v->type = SV_INT;
            v->i = sqlite3_column_int64(st, i);
            break;
        case SQLITE_TEXT:
            v->type = SV_TEXT;
            v->p = sqlite3_column_text(st, i);
            v->len = (size_t)sqlite3_column_bytes(st, i);
            break;
        default:
            v->type = SV_BLOB;
            v->p = sqlite3_column_blob(st, i);
            v->len = (size_t)sqlite3_column_bytes(st, i);
            break;
        }
    }
}

static int sq_query(void *db, int id, const char *sql, const struct store_value *params,
                    int nparams, store_row_fn on_row, void *ctx, int64_t *changes)
{
    struct sqlite_db *d = db;
    if (changes)
        *changes = 0;
    if (d->lost_rc)
        return d->lost_rc;
    sqlite3_stmt *st = stmt(d, id, sql);
    if (!st)
        return -EIO;
    if (bind_params(st, params, nparams) < 0) {
        sqlite3_reset(st);
        return fail(d, "bind");
    }
    int ncols = sqlite3_column_count(st);
    assert(ncols <= MAX_COLUMNS); /* the widest statement in the query table fits */
    if (ncols > MAX_COLUMNS)
        ncols = MAX_COLUMNS;
    struct store_value cols[MAX_COLUMNS];
    int rc;
    int stopped = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (stopped || !on_row)
            continue; /* run a RETURNING statement to completion */
        read_row(st, cols, ncols);
        stopped = on_row(ctx, cols, ncols) != 0;
    }
    int result = 0;
    if (rc != SQLITE_DONE) {
        result = rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY
                     ? -EEXIST
                     : fail_rc(d, rc, "query");
        note_lost_transaction(d, result);
    } else if (changes && !sqlite3_stmt_readonly(st)) {
        *changes = sqlite3_changes64(d->db); /* a SELECT would report the last write's */
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (id < 0 || id >= STORE_STMT_CACHE)
        sqlite3_finalize(st);
    return result;
}

/* One SQLite file has one writer at a time (BEGIN IMMEDIATE): nothing more to take. */
static int sq_try_lock(void *db, int64_t key)
{
    (void)db;
    (void)key;
    return 1;
}

static void sq_unlock(void *db, int64_t key)
{
    (void)db;
    (void)key;
}

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .backup = sq_backup,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .query = sq_query,
    .try_lock = sq_try_lock,
    .unlock = sq_unlock,
};

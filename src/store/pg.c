/* The PostgreSQL backend (libpq): one connection per store (each thread opens its own),
 * statements prepared on first use and kept by query id, results in binary, and the
 * connection made again with a growing pause when the server went away. Writers are
 * serialized as SQLite's BEGIN IMMEDIATE serializes them (store_next_id relies on it):
 * every transaction takes one advisory lock first. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/backend.h"
#include "store/dialect.h"
#include "store/migrations.h"

/* The advisory lock every transaction holds: one number for confide's writers ("cnfd"). */
#define PG_WRITER_LOCK "1668179556"
/* The channel of events between nodes (store/events.c). */
#define PG_EVENTS_CHANNEL "confide_events"
/* The default bound on one statement; database_url's `options` replaces it. */
#define PG_STATEMENT_TIMEOUT "-c statement_timeout=10s"
/* Seconds a connection may take to be made. */
#define PG_CONNECT_TIMEOUT "5"
/* The pause before the next try to connect again: doubled per failure, up to the max. */
#define PG_BACKOFF_FIRST_MS 100
#define PG_BACKOFF_MAX_MS 5000
#define MAX_COLUMNS 24

/* Type OIDs (pg_type.h is for the server; these numbers are fixed by PostgreSQL). */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_NAME = 19,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_UNKNOWN = 705,
    OID_BPCHAR = 1042,
    OID_VARCHAR = 1043,
};

struct pg_db {
    PGconn *conn;
    /* statement i is prepared as "q<i>" on this connection; forgotten when it is made
     * again, since prepared statements die with the server's session */
    unsigned char prepared[STORE_STMT_CACHE];
    int in_txn;
    /* the failure that ended the open transaction: PostgreSQL refuses everything after
     * it until ROLLBACK, and the store expects every statement to fail as that one did */
    int lost_rc;
    int64_t retry_at_ms; /* while the connection is down: no try before this */
    int backoff_ms;
    int listening; /* LISTEN again on each new connection */
    int holding_node; /* take node_key's lock again on each new connection */
    int64_t node_key;
};

static int64_t now_ms(void)
{
    return clock_mono_us() / 1000;
}

/* SQLSTATE to the store's errors. Only the primary message is logged: the detail may
 * quote a row's values. */
static int result_error(struct pg_db *d, const PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "23505") == 0)
        return -EEXIST;
    if (state && strcmp(state, "53100") == 0)
        return -ENOSPC;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQstatus(d->conn) == CONNECTION_BAD ? "the connection was lost" : "no result";
    log_error("store", "postgresql %s: %s (SQLSTATE %s)", what, msg, state ? state : "none");
    return -EIO;
}

/* libpq's message made one log line: its lines (one per address tried, when a host name
 * has several) joined by "; ", the final newline dropped, at most 500 bytes. */
#define ONE_LINE_MAX 512
static const char *one_line(const char *msg, char out[ONE_LINE_MAX])
{
    size_t n = 0;
    for (const char *p = msg; *p && n < ONE_LINE_MAX - 3; p++) {
        if (*p != '\n') {
            out[n++] = *p;
        } else if (p[1] != '\0') {
            out[n++] = ';';
            out[n++] = ' ';
        }
    }
    out[n] = '\0';
    return out;
}

static int exec_sql(struct pg_db *d, const char *sql, const char *what);
static int try_node_lock(struct pg_db *d, int64_t key);

static void forget_prepared(struct pg_db *d)
{
    memset(d->prepared, 0, sizeof d->prepared);
}

/* The connection is usable, or made again when its pause is over. A server that
 * restarted is found out by the statement that fails; that one answers -EIO (the
 * request 503), and the next one after the pause connects again. */
static int connection_ready(struct pg_db *d)
{
    if (PQstatus(d->conn) == CONNECTION_OK)
        return 0;
    int64_t now = now_ms();
    if (now < d->retry_at_ms)
        return -EIO;
    PQreset(d->conn);
    forget_prepared(d);
    if (PQstatus(d->conn) == CONNECTION_OK) {
        log_info("store", "postgresql: connected again");
        d->backoff_ms = 0;
        if (d->listening && exec_sql(d, "LISTEN " PG_EVENTS_CHANNEL, "listen") < 0)
            return -EIO;
        if (d->holding_node && try_node_lock(d, d->node_key) == 0)
            log_error("store", "another process took this node's lock while the database "
                               "was away: two nodes share a node_id");
        return 0;
    }
    d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : PG_BACKOFF_FIRST_MS;
    if (d->backoff_ms > PG_BACKOFF_MAX_MS)
        d->backoff_ms = PG_BACKOFF_MAX_MS;
    d->retry_at_ms = now + d->backoff_ms;
    const char *msg = PQerrorMessage(d->conn);
    char line[ONE_LINE_MAX];
    log_warn("store", "postgresql: cannot connect again (%s); next try in %d ms",
             one_line(msg, line), d->backoff_ms);
    return -EIO;
}

/* Runs SQL with no parameters (several statements may be in it). */
static int exec_sql(struct pg_db *d, const char *sql, const char *what)
{
    PGresult *res = PQexec(d->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : result_error(d, res, what);
    PQclear(res);
    return rc;
}

/* Notices (CREATE TABLE IF NOT EXISTS skipping, a WARNING) go to the log, not to stderr
 * bare. Set on the connection object, so it holds across PQreset. */
static void log_notice(void *arg, const char *msg)
{
    (void)arg;
    char line[ONE_LINE_MAX];
    log_debug("store", "postgresql: %s", one_line(msg, line));
}

static int pg_open(const char *location, void **out)
{
    /* the defaults before the URL: database_url's own `options` or `connect_timeout`
     * replace them. A bounded connect: the service thread waits on it when it reconnects. */
    const char *keys[] = {"options", "connect_timeout", "application_name", "dbname", NULL};
    const char *values[] = {PG_STATEMENT_TIMEOUT, PG_CONNECT_TIMEOUT, "confide", location, NULL};
    PGconn *conn = PQconnectdbParams(keys, values, 1);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        /* libpq's message names the host and the reason, never the password */
        const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
        char line[ONE_LINE_MAX];
        log_error("store", "cannot connect to postgresql: %s", one_line(msg, line));
        PQfinish(conn);
        return -EIO;
    }
    PQsetNoticeProcessor(conn, log_notice, NULL);
    struct pg_db *d = xcalloc(1, sizeof *d);
    d->conn = conn;
    *out = d;
    return 0;
}

static void pg_close(void *db)
{
    struct pg_db *d = db;
    if (!d)
        return;
    PQfinish(d->conn);
    free(d);
}

/* ---- migrations: the version is a one-row table, PRAGMA user_version being SQLite's ---- */

static int schema_version(struct pg_db *d, int *version)
{
    int rc = exec_sql(d,
                      "CREATE TABLE IF NOT EXISTS confide_schema (version INTEGER NOT NULL);"
                      " INSERT INTO confide_schema SELECT 0"
                      " WHERE NOT EXISTS (SELECT 1 FROM confide_schema)",
                      "schema version");
    if (rc < 0)
        return rc;
    PGresult *res = PQexec(d->conn, "SELECT version FROM confide_schema");
    rc = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
             ? 0
             : result_error(d, res, "schema version");
    if (rc == 0)
        *version = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc;
}

static int pg_migrate(void *db, int *applied, int *version)
{
    struct pg_db *d = db;
    *applied = 0;
    if (connection_ready(d) < 0)
        return -EIO;
    /* two servers starting at once: the second waits, then finds nothing to do */
    if (exec_sql(d, "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITER_LOCK ")", "migrate") < 0)
        return -EIO;
    int current = 0;
    if (schema_version(d, &current) < 0)
        goto fail;
    for (int i = 0; i < store_migration_count; i++) {
        const struct store_migration *m = &store_migrations[i];
        if (m->version <= current)
            continue;
        struct buf sql = {0};
        if (!m->pg_sql)
            store_sql_for_postgresql(m->sql, &sql);
        int rc = exec_sql(d, m->pg_sql ? m->pg_sql : sql.data, "migration");
        buf_free(&sql);
        if (rc < 0) {
            log_error("store", "migration %d (%s) failed", m->version, m->name);
            goto fail;
        }
        char set[64];
        snprintf(set, sizeof set, "UPDATE confide_schema SET version = %d", m->version);
        if (exec_sql(d, set, "schema version") < 0)
            goto fail;
        current = m->version;
        (*applied)++;
    }
    if (exec_sql(d, "COMMIT", "migrate") < 0)
        goto fail;
    *version = current;
    return 0;
fail:
    exec_sql(d, "ROLLBACK", "migrate");
    *applied = 0;
    return -EIO;
}

/* A PostgreSQL database is copied with its own tools (pg_dump), which the command tells
 * the administrator. */
static int pg_backup(void *db, const char *path)
{
    (void)db;
    (void)path;
    return -ENOTSUP;
}

/* ---- transactions ---- */

static int begin_once(struct pg_db *d)
{
    return exec_sql(d, "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITER_LOCK ")", "begin");
}

static int pg_begin(void *db)
{
    struct pg_db *d = db;
    assert(!d->in_txn); /* one transaction at a time per connection */
    d->lost_rc = 0;
    if (connection_ready(d) < 0)
        return -EIO;
    int rc = begin_once(d);
    /* the server restarted since the last statement: nothing was written yet, so the
     * transaction may begin on a new connection at once */
    if (rc < 0 && PQstatus(d->conn) == CONNECTION_BAD && connection_ready(d) == 0)
        rc = begin_once(d);
    if (rc < 0 && PQstatus(d->conn) == CONNECTION_OK &&
        PQtransactionStatus(d->conn) != PQTRANS_IDLE)
        exec_sql(d, "ROLLBACK", "begin");
    d->in_txn = rc == 0;
    return rc;
}

/* COMMIT of a transaction PostgreSQL already aborted answers "ROLLBACK", not an error. */
static int pg_commit(void *db)
{
    struct pg_db *d = db;
    assert(d->in_txn);
    if (d->lost_rc)
        return d->lost_rc;
    PGresult *res = PQexec(d->conn, "COMMIT");
    int rc;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = result_error(d, res, "commit");
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc = result_error(d, NULL, "commit rolled back");
    else
        rc = 0;
    PQclear(res);
    if (rc == 0)
        d->in_txn = 0;
    else
        d->lost_rc = rc;
    return rc;
}

static void pg_rollback(void *db)
{
    struct pg_db *d = db;
    if (PQstatus(d->conn) == CONNECTION_OK && PQtransactionStatus(d->conn) != PQTRANS_IDLE)
        exec_sql(d, "ROLLBACK", "rollback");
    d->in_txn = 0;
    d->lost_rc = 0;
}

/* ---- statements ---- */

static int is_write(const char *sql)
{
    return strncasecmp(sql, "INSERT", 6) == 0 || strncasecmp(sql, "UPDATE", 6) == 0 ||
           strncasecmp(sql, "DELETE", 6) == 0;
}

struct params {
    const char *values[STORE_MAX_PARAMS];
    int lengths[STORE_MAX_PARAMS];
    int formats[STORE_MAX_PARAMS];
    Oid types[STORE_MAX_PARAMS];
    char ints[STORE_MAX_PARAMS][24];
};

/* Integers go as decimal text, so the server reads them as whatever type the statement
 * gave the parameter; blobs in binary; text as text. */
static void encode_params(struct params *p, const struct store_value *params, int n)
{
    assert(n <= STORE_MAX_PARAMS);
    for (int i = 0; i < n; i++) {
        const struct store_value *v = &params[i];
        p->values[i] = NULL;
        p->lengths[i] = 0;
        p->formats[i] = 0;
        p->types[i] = 0;
        switch (v->type) {
        case SV_NULL:
            break;
        case SV_INT:
            snprintf(p->ints[i], sizeof p->ints[i], "%" PRId64, v->i);
            p->values[i] = p->ints[i];
            p->types[i] = OID_INT8;
            break;
        case SV_TEXT:
            p->values[i] = v->p;
            break;
        case SV_BLOB:
            p->values[i] = v->p ? v->p : "";
            p->lengths[i] = (int)v->len;
            p->formats[i] = 1;
            p->types[i] = OID_BYTEA;
            break;
        }
    }
}

static uint64_t be_uint(const unsigned char *b, int len)
{
    uint64_t x = 0;
    for (int i = 0; i < len; i++)
        x = x << 8 | b[i];
    return x;
}

/* One column of a binary result to a store value; -1 for a type the store never reads. */
static int decode(const PGresult *res, int row, int col, struct store_value *v)
{
    memset(v, 0, sizeof *v);
    if (PQgetisnull(res, row, col)) {
        v->type = SV_NULL;
        return 0;
    }
    const unsigned char *b = (const unsigned char *)PQgetvalue(res, row, col);
    int len = PQgetlength(res, row, col);
    switch (PQftype(res, col)) {
    case OID_INT8:
    case OID_INT4:
    case OID_INT2:
        if (len != 8 && len != 4 && len != 2)
            return -1;
        v->type = SV_INT;
        v->i = len == 8   ? (int64_t)be_uint(b, 8)
               : len == 4 ? (int64_t)(int32_t)(uint32_t)be_uint(b, 4)
                          : (int64_t)(int16_t)(uint16_t)be_uint(b, 2);
        return 0;
    case OID_BOOL:
        v->type = SV_INT;
        v->i = len == 1 && b[0] != 0;
        return 0;
    case OID_TEXT:
    case OID_VARCHAR:
    case OID_BPCHAR:
    case OID_NAME:
    case OID_UNKNOWN:
        v->type = SV_TEXT; /* libpq ends every value with a NUL */
        v->p = b;
        v->len = (size_t)len;
        return 0;
    case OID_BYTEA:
        v->type = SV_BLOB;
        v->p = b;
        v->len = (size_t)len;
        return 0;
    default:
        return -1;
    }
}

/* Prepared on first use: statements on tables a pending migration creates cannot be
 * prepared before it ran. Statements outside the table (id -1) run unnamed. */
static int prepare(struct pg_db *d, int id, const char *sql, const struct params *p, int n,
                   char name[16])
{
    name[0] = '\0';
    if (id >= 0 && id < STORE_STMT_CACHE) {
        snprintf(name, 16, "q%d", id);
        if (d->prepared[id])
            return 0;
    }
    struct buf text = {0};
    PGresult *res = PQprepare(d->conn, name, store_query_for_postgresql(sql, &text), n, p->types);
    buf_free(&text);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : result_error(d, res, "prepare");
    PQclear(res);
    if (rc == 0 && name[0])
        d->prepared[id] = 1;
    return rc;
}

static int run(struct pg_db *d, int id, const char *sql, const struct store_value *params,
               int nparams, store_row_fn on_row, void *ctx, int64_t *changes)
{
    struct params p;
    encode_params(&p, params, nparams);
    char name[16];
    int rc = prepare(d, id, sql, &p, nparams, name);
    if (rc < 0)
        return rc;
    PGresult *res = PQexecPrepared(d->conn, name, nparams, p.values, p.lengths, p.formats, 1);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = result_error(d, res, "query");
        PQclear(res);
        return rc;
    }
    int ncols = PQnfields(res);
    assert(ncols <= MAX_COLUMNS); /* the widest statement in the query table fits */
    struct store_value cols[MAX_COLUMNS];
    int rows = on_row ? PQntuples(res) : 0;
    for (int r = 0; r < rows && rc == 0; r++) {
        for (int c = 0; c < ncols && rc == 0; c++)
            if (decode(res, r, c, &cols[c]) < 0) {
                log_error("store",
                          "postgresql: column %d has type %u, which the store never "
                          "reads",
                          c, (unsigned)PQftype(res, c));
                rc = -EIO;
            }
        if (rc == 0 && on_row(ctx, cols, ncols) != 0)
            break;
    }
    /* a SELECT reports the rows it read; the store counts only rows written */
    const char *tuples = PQcmdTuples(res);
    if (rc == 0 && changes && strncmp(PQcmdStatus(res), "SELECT", 6) != 0 && *tuples)
        *changes = strtoll(tuples, NULL, 10);
    PQclear(res);
    return rc;
}

/* Inside a transaction a failed statement aborts it all in PostgreSQL, where SQLite only
 * undoes the statement. The store goes on after a duplicate (-EEXIST: a meeting id drawn
 * twice, a reminder marked already), so each write there runs under a savepoint that
 * undoes just it. */
static int pg_query(void *db, int id, const char *sql, const struct store_value *params,
                    int nparams, store_row_fn on_row, void *ctx, int64_t *changes)
{
    struct pg_db *d = db;
    if (changes)
        *changes = 0;
    if (d->lost_rc)
        return d->lost_rc;
    if (!d->in_txn && connection_ready(d) < 0)
        return -EIO;
    int guard = d->in_txn && is_write(sql);
    int rc = guard ? exec_sql(d, "SAVEPOINT confide_statement", "savepoint") : 0;
    if (rc == 0)
        rc = run(d, id, sql, params, nparams, on_row, ctx, changes);
    if (guard && rc == -EEXIST)
        rc = exec_sql(d, "ROLLBACK TO SAVEPOINT confide_statement", "savepoint") < 0 ? -EIO
                                                                                     : -EEXIST;
    else if (guard && rc == 0)
        rc = exec_sql(d, "RELEASE SAVEPOINT confide_statement", "savepoint");
    if (rc < 0 && rc != -EEXIST && d->in_txn)
        d->lost_rc = rc;
    return rc;
}

/* ---- session-level advisory locks: which nodes are alive, work one node at a time ---- */

/* One boolean-returning statement on a lock: 1 true, 0 false, -EIO. */
static int lock_query(struct pg_db *d, const char *sql, int64_t key)
{
    char text[24];
    snprintf(text, sizeof text, "%" PRId64, key);
    const char *values[] = {text};
    PGresult *res = PQexecParams(d->conn, sql, 1, NULL, values, NULL, NULL, 0);
    int rc;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    else
        rc = result_error(d, res, "advisory lock");
    PQclear(res);
    return rc;
}

static int try_node_lock(struct pg_db *d, int64_t key)
{
    return lock_query(d, "SELECT pg_try_advisory_lock($1::bigint)", key);
}

static int pg_hold_node(void *db, int64_t key)
{
    struct pg_db *d = db;
    assert(!d->in_txn);
    if (connection_ready(d) < 0)
        return -EIO;
    int rc = try_node_lock(d, key);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -EBUSY;
    d->holding_node = 1;
    d->node_key = key;
    return 0;
}

/* Session-level, not transaction-level: every transaction already holds the writer lock
 * (PG_WRITER_LOCK), so a lock taken inside one would serialize nothing more. Taken before
 * the work's transaction, it lets a node see that another is at the work and skip it; and
 * asked of another node's lock (and given back at once), it tells whether that node is
 * alive. */
static int pg_try_lock(void *db, int64_t key)
{
    struct pg_db *d = db;
    if (!d->in_txn && connection_ready(d) < 0)
        return -EIO;
    assert(!(d->holding_node && key == d->node_key)); /* this session holds it already */
    return try_node_lock(d, key);
}

/* A connection lost meanwhile lost its lock with it: nothing to undo then. */
static void pg_unlock(void *db, int64_t key)
{
    struct pg_db *d = db;
    if (PQstatus(d->conn) != CONNECTION_OK)
        return;
    lock_query(d, "SELECT pg_advisory_unlock($1::bigint)", key);
}

/* ---- events between nodes ---- */

static int pg_listen(void *db)
{
    struct pg_db *d = db;
    assert(!d->in_txn);
    d->listening = 1; /* from now on, and on every connection made again */
    if (connection_ready(d) < 0)
        return -EIO;
    return exec_sql(d, "LISTEN " PG_EVENTS_CHANNEL, "listen");
}

static int pg_notify(void *db, const char *payload)
{
    struct pg_db *d = db;
    if (!d->in_txn && connection_ready(d) < 0)
        return -EIO;
    const char *values[] = {payload};
    PGresult *res = PQexecParams(d->conn, "SELECT pg_notify('" PG_EVENTS_CHANNEL "', $1)", 1,
                                 NULL, values, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : result_error(d, res, "notify");
    PQclear(res);
    return rc;
}

/* What arrived on the connection so far, read without waiting for more. A connection
 * found lost is made again (after its pause): events sent meanwhile are missed. */
static int pg_poll_events(void *db, void (*fn)(void *ctx, const char *payload), void *ctx)
{
    struct pg_db *d = db;
    if (d->in_txn)
        return 0;
    if (connection_ready(d) < 0)
        return -EIO;
    if (!PQconsumeInput(d->conn)) {
        const char *msg = PQerrorMessage(d->conn);
        char line[ONE_LINE_MAX];
        log_warn("store", "postgresql: events could not be read (%s)", one_line(msg, line));
        return -EIO;
    }
    PGnotify *n;
    while ((n = PQnotifies(d->conn)) != NULL) {
        fn(ctx, n->extra);
        PQfreemem(n);
    }
    return 0;
}

const struct store_backend store_pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .migrate = pg_migrate,
    .backup = pg_backup,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .query = pg_query,
    .hold_node = pg_hold_node,
    .try_lock = pg_try_lock,
    .unlock = pg_unlock,
    .listen = pg_listen,
    .notify = pg_notify,
    .poll_events = pg_poll_events,
};

/* The database a unit test's store runs on: SQLite in the test's own directory, or, when
 * CONFIDE_TEST_DATABASE_URL names a PostgreSQL cluster (tests/CMakeLists.txt: the *_pg
 * runs, on the cluster tests/support/pg-cluster started), a database made fresh for the
 * test there and dropped after it. Also the few raw reads and writes tests make behind
 * the store's back, as someone with the database but not the key could, on either.
 * Header-only, like the other support files. */
#ifndef CONFIDE_TESTS_TEST_DB_H
#define CONFIDE_TESTS_TEST_DB_H
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct test_db {
    char url[600];  /* what store_open takes */
    char path[300]; /* SQLite: the file */
    char name[64];  /* PostgreSQL: the database made for the test */
    PGconn *raw;    /* PostgreSQL: the connection behind the store's back, kept */
};

/* The cluster's maintenance database, postgresql:///postgres?host=DIR&user=postgres; NULL
 * when the tests run on SQLite. */
static inline const char *test_db_cluster(void)
{
    const char *url = getenv("CONFIDE_TEST_DATABASE_URL");
    return url && *url ? url : NULL;
}

static inline int test_db_is_pg(void)
{
    return test_db_cluster() != NULL;
}

/* Runs sql on the cluster's maintenance database; 0 or -1. */
static inline int test_db_admin(const char *sql)
{
    PGconn *c = PQconnectdb(test_db_cluster());
    int rc = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *res = PQexec(c, sql);
        rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
        if (rc < 0)
            fprintf(stderr, "test_db: %s: %s", sql, PQerrorMessage(c));
        PQclear(res);
    } else {
        fprintf(stderr, "test_db: cannot reach the test cluster: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return rc;
}

/* A new, empty database called `file` (in dir for SQLite). 0 or -1. */
static inline int test_db_create(struct test_db *db, const char *dir, const char *file)
{
    static int made;
    memset(db, 0, sizeof *db);
    const char *cluster = test_db_cluster();
    if (!cluster) {
        snprintf(db->path, sizeof db->path, "%s/%s", dir, file);
        snprintf(db->url, sizeof db->url, "sqlite:%s", db->path);
        return 0;
    }
    snprintf(db->name, sizeof db->name, "confide_test_%ld_%d", (long)getpid(), ++made);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db->name);
    if (test_db_admin(sql) < 0)
        return -1;
    /* the cluster's URL with its database replaced: postgresql:///NAME?host=… */
    const char *query = strchr(cluster, '?');
    const char *slash = query ? query : cluster + strlen(cluster);
    while (slash > cluster && *slash != '/')
        slash--;
    snprintf(db->url, sizeof db->url, "%.*s/%s%s", (int)(slash - cluster), cluster, db->name,
             query ? query : "");
    return 0;
}

/* The kept raw connection (a digest of every table asks thousands of times). */
static inline PGconn *test_db_pg(struct test_db *db)
{
    if (db->raw && PQstatus(db->raw) == CONNECTION_OK)
        return db->raw;
    PQfinish(db->raw);
    db->raw = PQconnectdb(db->url);
    return PQstatus(db->raw) == CONNECTION_OK ? db->raw : NULL;
}

/* Closes the kept raw connection (each thread that reads raw keeps its own copy of db). */
static inline void test_db_disconnect(struct test_db *db)
{
    PQfinish(db->raw);
    db->raw = NULL;
}

static inline void test_db_drop(struct test_db *db)
{
    test_db_disconnect(db);
    if (!db->name[0])
        return;
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
    test_db_admin(sql);
    db->name[0] = '\0';
}

/* ---- behind the store's back ---- */

/* One raw result: the first column of the first row. */
struct test_db_value {
    int rows;  /* how many rows the statement gave */
    int null;  /* that column was NULL */
    int64_t i; /* as an integer */
    int blob;  /* it is a blob (BLOB, BYTEA) */
    char b[512];
    size_t len;      /* its bytes, cut at sizeof b */
    int64_t changes; /* rows the last statement changed */
};

/* Runs sql (on SQLite, several statements may be in it; on PostgreSQL too when there is no
 * blob), with an optional blob as $1. Returns 0, or -1 when the database refused it. */
static inline int test_db_raw(struct test_db *db, const char *sql, const void *blob,
                              size_t blob_len, struct test_db_value *out)
{
    struct test_db_value v = {0};
    int rc = -1;
    if (!db->name[0]) {
        sqlite3 *raw = NULL;
        if (sqlite3_open_v2(db->path, &raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
            sqlite3_close(raw);
            return -1;
        }
        sqlite3_busy_timeout(raw, 5000); /* a store's thread may be writing */
        const char *tail = sql;
        rc = 0;
        while (rc == 0 && tail && *tail) {
            sqlite3_stmt *st = NULL;
            if (sqlite3_prepare_v2(raw, tail, -1, &st, &tail) != SQLITE_OK) {
                rc = -1;
                break;
            }
            if (!st)
                break; /* only white space was left */
            if (blob)
                sqlite3_bind_blob(st, 1, blob, (int)blob_len, SQLITE_STATIC);
            int step;
            while ((step = sqlite3_step(st)) == SQLITE_ROW) {
                if (v.rows++ > 0)
                    continue;
                v.null = sqlite3_column_type(st, 0) == SQLITE_NULL;
                v.blob = sqlite3_column_type(st, 0) == SQLITE_BLOB;
                v.i = sqlite3_column_int64(st, 0);
                v.len = (size_t)sqlite3_column_bytes(st, 0);
                const void *p = sqlite3_column_blob(st, 0);
                if (p)
                    memcpy(v.b, p, v.len < sizeof v.b ? v.len : sizeof v.b);
            }
            rc = step == SQLITE_DONE ? 0 : -1;
            v.changes = sqlite3_changes(raw);
            sqlite3_finalize(st);
        }
        sqlite3_close(raw);
    } else {
        PGconn *c = test_db_pg(db);
        if (!c)
            return -1;
        PGresult *res;
        if (blob) {
            const char *values[] = {blob};
            int lengths[] = {(int)blob_len}, formats[] = {1};
            res = PQexecParams(c, sql, 1, NULL, values, lengths, formats, 1);
        } else {
            res = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 1);
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            if (state && strcmp(state, "42601") == 0) {
                PQclear(res); /* several statements: the simple protocol, text results */
                res = PQexec(c, sql);
            }
        }
        ExecStatusType st = PQresultStatus(res);
        rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
        if (rc == 0 && PQntuples(res) > 0 && PQnfields(res) > 0) {
            v.rows = PQntuples(res);
            v.null = PQgetisnull(res, 0, 0);
            Oid type = PQftype(res, 0);
            const unsigned char *p = (const unsigned char *)PQgetvalue(res, 0, 0);
            v.len = (size_t)PQgetlength(res, 0, 0);
            v.blob = type == 17;
            if (PQfformat(res, 0) == 0)
                v.i = strtoll((const char *)p, NULL, 10);
            else if (type == 20 || type == 23)
                for (size_t k = 0; k < v.len; k++)
                    v.i = (int64_t)((uint64_t)v.i << 8 | p[k]);
            if (type == 23)
                v.i = (int32_t)v.i;
            memcpy(v.b, p, v.len < sizeof v.b ? v.len : sizeof v.b);
        }
        if (rc == 0 && *PQcmdTuples(res))
            v.changes = strtoll(PQcmdTuples(res), NULL, 10);
        PQclear(res);
    }
    if (out)
        *out = v;
    return rc;
}

/* PostgreSQL only: calls fn with the first column of every row of sql, as text. */
static inline int test_db_pg_each(struct test_db *db, const char *sql,
                                  void (*fn)(void *ctx, const char *text, int len), void *ctx)
{
    PGconn *c = test_db_pg(db);
    int rc = -1;
    if (c) {
        PGresult *res = PQexec(c, sql);
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
            rc = 0;
            for (int r = 0; r < PQntuples(res); r++)
                fn(ctx, PQgetvalue(res, r, 0), PQgetlength(res, r, 0));
        }
        PQclear(res);
    }
    return rc;
}

/* A blob literal in the backend's SQL: X'0a1b' or '\x0a1b'::bytea. */
static inline const char *test_db_blob_literal(const char *hex, char *out, size_t size)
{
    if (test_db_is_pg())
        snprintf(out, size, "'\\x%s'::bytea", hex);
    else
        snprintf(out, size, "X'%s'", hex);
    return out;
}

/* DROP TRIGGER names the table on PostgreSQL only. */
static inline const char *test_db_drop_trigger(const char *trigger, const char *table, char *out,
                                               size_t size)
{
    if (test_db_is_pg())
        snprintf(out, size, "DROP TRIGGER %s ON %s;", trigger, table);
    else
        snprintf(out, size, "DROP TRIGGER %s;", trigger);
    return out;
}

#endif

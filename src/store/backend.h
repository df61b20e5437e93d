/* backend: what a database backend implements for the store. The interface is narrow on
 * purpose: lifecycle, migrations, backup, transactions, and one generic `query` that runs
 * a statement from the store's query table (queries.c) with typed parameters and hands
 * back typed rows. The SQL in that table is the portable subset both SQLite and
 * PostgreSQL accept ($1-style parameters, RETURNING). A backend never sees a plain name
 * or email: sealed columns arrive as opaque blobs. */
#ifndef CONFIDE_STORE_BACKEND_H
#define CONFIDE_STORE_BACKEND_H
#include <stddef.h>
#include <stdint.h>

/* A backend may keep a prepared statement per query id below this; queries.c asserts at
 * compile time that its query table fits. */
#define STORE_STMT_CACHE 320
/* The most parameters one statement binds (a backend's arrays are this long). An INSERT per
 * row takes one per column, so it is also the widest table `confide migrate-data` copies. */
#define STORE_MAX_PARAMS 24

enum store_type { SV_NULL, SV_INT, SV_TEXT, SV_BLOB };

struct store_value {
    enum store_type type;
    int64_t i;
    const void *p; /* SV_TEXT (NUL-terminated) and SV_BLOB */
    size_t len;
};

/* Called once per result row with its ncols columns; the values are valid only during
 * the call. Returning non-zero stops the query early. */
typedef int (*store_row_fn)(void *ctx, const struct store_value *cols, int ncols);

struct store_backend {
    const char *name;
    int (*open)(const char *location, void **db);
    void (*close)(void *db);
    int (*migrate)(void *db, int *applied, int *version);
    int (*backup)(void *db, const char *path);
    int (*begin)(void *db);
    int (*commit)(void *db);
    void (*rollback)(void *db);
    /* begin, commit and query return 0, -ENOSPC when the disk (or a file size limit) is
     * full, -EIO for any other failure; after a failed statement or commit the caller
     * rolls back, and until then every statement fails as the one that ended it. */
    /* Runs statement `id` (its text is `sql`; a backend may cache it by id).
     * Returns 0, -EEXIST on a unique or primary key violation, -ENOSPC or -EIO otherwise.
     * *changes (may be NULL) gets the number of rows a write changed; 0 for a read. */
    int (*query)(void *db, int id, const char *sql, const struct store_value *params, int nparams,
                 store_row_fn on_row, void *ctx, int64_t *changes);
    /* Session-level locks (PostgreSQL: advisory locks the server drops with the connection).
     * try_lock takes the lock named `key` for this connection when no other connection
     * holds it: 1 taken, 0 held elsewhere, -EIO; held until unlock or until the connection
     * is lost. Used for work one node at a time does (the reminder pass: skip it this
     * round on 0) and to ask whether a node is alive (its lock held elsewhere; given back at
     * once). SQLite answers 1: its writer lock serializes such work already, and its one
     * process is the one node. */
    int (*try_lock)(void *db, int64_t key);
    void (*unlock)(void *db, int64_t key);
    /* Which node this connection stands for while it lives: takes the node's lock (again
     * after each reconnection): 0, -EBUSY when another connection holds it. NULL on SQLite,
     * whose one process is the one node (and whose try_lock cannot tell a node dead). */
    int (*hold_node)(void *db, int64_t key);
    /* Events every node sharing the database hears (PostgreSQL's LISTEN/NOTIFY). NULL on
     * a backend whose database one process has to itself (SQLite): store/events.c hands
     * its events over within the process. listen makes this connection hear them (again
     * after each reconnection); notify sends one, at the commit of the open transaction or
     * at once outside one; poll_events calls fn for each one heard, without waiting. */
    int (*listen)(void *db);
    int (*notify)(void *db, const char *payload);
    int (*poll_events)(void *db, void (*fn)(void *ctx, const char *payload), void *ctx);
};

extern const struct store_backend store_sqlite_backend;
/* PostgreSQL (store/pg.c): backup answers -ENOTSUP (the administrator uses pg_dump). */
extern const struct store_backend store_pg_backend;

/* The SQLite backend's reading of a failure: an (extended) result code and the system's
 * errno (sqlite3_system_errno) to -EEXIST, -ENOSPC or -EIO. */
int store_sqlite_errno(int rc, int sys_errno);

#endif

/* The store's core: opening and closing, migrations, backup, transactions, the runner
 * every domain file hands its statements to, and the sealing helpers. The domains:
 * accounts.c, practice.c, polls.c, meetings.c, mail.c. */
#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "store/internal.h"

/* ---- writes refused for want of space: one log line per burst (space.c) ---- */

static void space_log(struct store *s, enum store_space_event event, int64_t now_ms)
{
    const struct store_space *sp = &s->space;
    long long refused = (long long)(sp->refused - s->burst_refused);
    long long seconds = (long long)((now_ms - sp->since_ms) / 1000);
    switch (event) {
    case STORE_SPACE_QUIET:
        break;
    case STORE_SPACE_FULL:
        log_error("store", "the disk is full: writes are refused (503 storage_full) until "
                           "space returns; reads go on");
        break;
    case STORE_SPACE_STILL_FULL:
        log_error("store", "the disk is still full: %lld write(s) refused in %llds", refused,
                  seconds);
        break;
    case STORE_SPACE_BACK:
        log_info("store", "space is back: writes go through again after %lld refused in %llds",
                 refused, seconds);
        break;
    }
}

/* Every result of a write that reaches the database comes through here. */
static int space_note(struct store *s, int rc, int wrote)
{
    int64_t now_ms = clock_mono_us() / 1000;
    if (rc == -ENOSPC) {
        if (!s->space.full)
            s->burst_refused = s->space.refused;
        space_log(s, store_space_refused(&s->space, now_ms), now_ms);
    } else if (rc == 0 && wrote) {
        space_log(s, store_space_wrote(&s->space, now_ms), now_ms);
    }
    return rc;
}

int64_t store_space_refusals(const struct store *s)
{
    return s->space.refused;
}

int64_t store_rows_written(const struct store *s)
{
    return s->rows_written;
}

/* ---- the runner ---- */

int store_run(struct store *s, enum query q, const struct store_value *params, int n,
              store_row_fn fn, void *ctx, int64_t *changes)
{
    assert((unsigned)q < Q_COUNT && store_query_sql[q]);
    assert(n == 0 || params);
    int64_t t0 = clock_mono_us();
    int64_t changed = 0;
    int rc = s->be->query(s->db, (int)q, store_query_sql[q], params, n, fn, ctx, &changed);
    metrics_store_call(clock_mono_us() - t0, rc < 0 && rc != -EEXIST);
    assert(changed >= 0);
    if (rc == 0)
        s->rows_written += changed;
    if (changes)
        *changes = changed;
    /* inside a transaction only its COMMIT says whether the writes reached the disk */
    space_note(s, rc, rc == 0 && changed > 0 && !s->in_txn);
    return rc;
}

int store_run_change(struct store *s, enum query q, const struct store_value *params, int n)
{
    int64_t changes = 0;
    int rc = store_run(s, q, params, n, NULL, NULL, &changes);
    return rc < 0 ? rc : changes == 0 ? -ENOENT : 0;
}

int store_first_int(void *ctx, const struct store_value *cols, int n)
{
    assert(n == 1);
    *(int64_t *)ctx = col_int(&cols[0]);
    return 1;
}

/* ---- sealing ---- */

int store_next_id(struct store *s, enum query q, int64_t *id)
{
    *id = 0;
    int rc = store_run(s, q, NULL, 0, store_first_int, id, NULL);
    assert(rc < 0 || *id > 0);
    return rc;
}

void store_seal_text(const struct store *s, const char *column, int64_t row, const char *plain,
                     struct buf *out)
{
    buf_reset(out);
    if (plain)
        seal_box(s->seal, column, row, plain, strlen(plain), out);
}

char *store_col_unseal(const struct store *s, struct arena *a, const char *column, int64_t row,
                       const struct store_value *c, int *bad)
{
    assert(bad);
    if (c->type == SV_NULL)
        return NULL;
    struct buf plain = {0};
    char *out = NULL;
    if (seal_unbox(s->seal, column, row, c->p, c->len, &plain) == 0)
        out = arena_strndup(a, plain.data ? plain.data : "", plain.len);
    else
        *bad = 1;
    buf_free(&plain);
    return out;
}

static int rows_collect(void *ctx, const struct store_value *cols, int n)
{
    struct rows *r = ctx;
    assert(r->a && r->size > 0 && r->read);
    r->items = arena_grow(r->a, r->items, r->size, &r->cap, r->count + 1);
    void *item = (char *)r->items + r->count * r->size;
    r->read(r, item, cols, n);
    r->count++;
    return 0;
}

int store_run_rows(struct store *s, enum query q, const struct store_value *params, int n,
                   struct rows *r)
{
    r->s = s;
    int rc = store_run(s, q, params, n, rows_collect, r, NULL);
    if (rc == 0 && r->bad)
        rc = -EIO;
    return rc;
}

int store_run_one(struct store *s, struct arena *a, enum query q, const struct store_value *params,
                  int n, size_t size, store_read_fn read, void *out)
{
    struct rows r = {.a = a, .size = size, .read = read};
    int rc = store_run_rows(s, q, params, n, &r);
    if (rc < 0)
        return rc;
    if (r.count == 0)
        return -ENOENT;
    assert(r.count == 1); /* every look-up is by a primary or unique key */
    memcpy(out, r.items, size);
    return 0;
}

/* ---- lifecycle ---- */

int store_open(const char *url, const struct seal *seal, struct store **out)
{
    assert(url && seal && out);
    const struct store_backend *be = NULL;
    const char *location = NULL;
    if (strncmp(url, "sqlite:", 7) == 0) {
        be = &store_sqlite_backend;
        location = url + 7;
    } else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        be = &store_pg_backend; /* libpq reads the whole URL */
        location = url;
    }
    if (!be)
        return -EINVAL;
    void *db = NULL;
    int rc = be->open(location, &db);
    if (rc < 0)
        return rc;
    struct store *s = xcalloc(1, sizeof *s);
    s->be = be;
    s->db = db;
    s->seal = seal;
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    store_events_closing(s);
    s->be->close(s->db);
    free(s);
}

/* ---- the upgrade of values sealed before they were bound to their row ---- */

struct old_value {
    int64_t id;
    void *box;
    size_t len;
};

struct old_values {
    struct arena *a;
    struct old_value *items;
    size_t count, cap;
};

static int collect_value(void *ctx, const struct store_value *cols, int n)
{
    struct old_values *v = ctx;
    assert(n == 2 && cols[0].type == SV_INT);
    v->items = arena_grow(v->a, v->items, sizeof *v->items, &v->cap, v->count + 1);
    struct old_value *o = &v->items[v->count++];
    o->id = cols[0].i;
    o->len = cols[1].len;
    o->box = arena_memdup(v->a, cols[1].p ? cols[1].p : "", cols[1].len);
    return 0;
}

/* Re-seals one column's version-0 values for their rows. Returns how many, or -EBADMSG
 * when a value opens neither way (*bad gets how many), -EIO when the database fails. */
static int upgrade_column(struct store *s, struct arena *a, const struct store_sealed_column *col,
                          int *bad)
{
    char select[200], update[200];
    snprintf(select, sizeof select, "SELECT %s, %s FROM %s WHERE %s IS NOT NULL ORDER BY %s",
             col->id_column, col->column, col->table, col->column, col->id_column);
    snprintf(update, sizeof update, "UPDATE %s SET %s = $2 WHERE %s = $1", col->table, col->column,
             col->id_column);
    struct old_values v = {.a = a};
    /* id -1: run once, not kept in the statement cache */
    int rc = s->be->query(s->db, -1, select, NULL, 0, collect_value, &v, NULL);
    if (rc < 0)
        return rc;
    int resealed = 0;
    struct buf plain = {0}, box = {0};
    for (size_t i = 0; i < v.count && rc == 0; i++) {
        const struct old_value *o = &v.items[i];
        if (seal_unbox(s->seal, col->label, o->id, o->box, o->len, &plain) == 0)
            continue; /* written since, for its row */
        if (seal_unbox_v0(s->seal, col->label, o->box, o->len, &plain) < 0) {
            (*bad)++;
            continue;
        }
        seal_box(s->seal, col->label, o->id, plain.data ? plain.data : "", plain.len, &box);
        struct store_value p[] = {P_INT(o->id), P_BUF(box)};
        int64_t changes = 0;
        rc = s->be->query(s->db, -1, update, p, 2, NULL, NULL, &changes);
        assert(rc < 0 || changes == 1);
        resealed++;
    }
    if (plain.data)
        sodium_memzero(plain.data, plain.len);
    buf_free(&plain);
    buf_free(&box);
    if (rc < 0)
        return rc;
    if (*bad)
        log_error("store", "%d value(s) of %s do not open with the key file", *bad, col->label);
    return *bad ? -EBADMSG : resealed;
}

/* Migration 7 (007_seal_rows.sql) leaves a row in seal_upgrade: the values sealed before
 * (version 0, bound to their column only) are re-sealed for their rows, all in one
 * transaction that also empties seal_upgrade, so it happens once and a crash half-way
 * leaves nothing half done. After it, nothing opens a version-0 value. */
static int upgrade_seals(struct store *s)
{
    if (s->be->begin(s->db) < 0)
        return -EIO;
    int64_t pending = 0;
    int rc = store_run(s, Q_SEAL_UPGRADE_PENDING, NULL, 0, store_first_int, &pending, NULL);
    int total = 0, bad = 0;
    struct arena a = {0};
    for (int i = 0; rc == 0 && pending > 0 && i < store_sealed_column_count; i++) {
        int n = upgrade_column(s, &a, &store_sealed_columns[i], &bad);
        if (n < 0 && n != -EBADMSG)
            rc = n;
        else if (n > 0)
            total += n;
    }
    arena_free(&a);
    if (rc == 0 && bad)
        rc = -EBADMSG;
    if (rc == 0 && pending > 0)
        rc = store_run(s, Q_SEAL_UPGRADE_DONE, NULL, 0, NULL, NULL, NULL);
    if (rc < 0 || s->be->commit(s->db) < 0) {
        s->be->rollback(s->db);
        return rc < 0 ? rc : -EIO;
    }
    if (total)
        log_info("store", "re-sealed %d value(s), each now bound to its row", total);
    return 0;
}

int store_migrate(struct store *s, int *applied, int *version)
{
    int rc = s->be->migrate(s->db, applied, version);
    if (rc == 0)
        rc = upgrade_seals(s);
    if (rc == 0 && *applied > 0 && *version >= 8) { /* 008_audit_chain */
        rc = store_begin(s);
        if (rc == 0)
            rc = store_audit_chain_existing(s);
        if (rc == 0)
            rc = store_commit(s);
        else
            store_rollback(s);
    }
    return rc;
}

int store_backup(struct store *s, const char *path)
{
    return s->be->backup(s->db, path);
}

int store_ping(struct store *s)
{
    return store_run(s, Q_PING, NULL, 0, NULL, NULL, NULL);
}

int store_begin(struct store *s)
{
    int rc = space_note(s, s->be->begin(s->db), 0);
    s->in_txn = rc == 0;
    s->written_at_begin = s->rows_written;
    return rc;
}

int store_commit(struct store *s)
{
    assert(s->in_txn);
    int rc = s->be->commit(s->db);
    if (rc == 0)
        s->in_txn = 0;
    return space_note(s, rc, s->rows_written > s->written_at_begin);
}

void store_rollback(struct store *s)
{
    s->be->rollback(s->db);
    s->in_txn = 0;
}

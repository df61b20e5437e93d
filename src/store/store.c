/* The store's core: opening and closing, migrations, backup, transactions, the runner
 * every domain file hands its statements to, and the sealing helpers. The domains:
 * accounts.c, practice.c, polls.c, meetings.c, mail.c. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "store/internal.h"

/* ---- the runner ---- */

int store_run(struct store *s, enum query q, const struct store_value *params, int n,
              store_row_fn fn, void *ctx, int64_t *changes)
{
    assert((unsigned)q < Q_COUNT && store_query_sql[q]);
    assert(n == 0 || params);
    int64_t t0 = clock_mono_us();
    int rc = s->be->query(s->db, (int)q, store_query_sql[q], params, n, fn, ctx, changes);
    metrics_store_call(clock_mono_us() - t0, rc < 0 && rc != -EEXIST);
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

void store_seal_text(const struct store *s, const char *column, const char *plain, struct buf *out)
{
    buf_reset(out);
    if (plain)
        seal_box(s->seal, column, plain, strlen(plain), out);
}

char *store_col_unseal(const struct store *s, struct arena *a, const char *column,
                       const struct store_value *c, int *bad)
{
    assert(bad);
    if (c->type == SV_NULL)
        return NULL;
    struct buf plain = {0};
    char *out = NULL;
    if (seal_unbox(s->seal, column, c->p, c->len, &plain) == 0)
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
    s->be->close(s->db);
    free(s);
}

int store_migrate(struct store *s, int *applied, int *version)
{
    int rc = s->be->migrate(s->db, applied, version);
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
    return s->be->begin(s->db);
}

int store_commit(struct store *s)
{
    return s->be->commit(s->db);
}

void store_rollback(struct store *s)
{
    s->be->rollback(s->db);
}

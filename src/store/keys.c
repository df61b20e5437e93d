/* Key rotation: sealing every sealed value again with the newest key, in batches that are
 * each a write transaction of their own (so a running server's requests go on between
 * them), and the scan that says whether an older key still seals anything. The columns
 * walked are store_sealed_columns (queries.c). */
#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/internal.h"

struct sealed_row {
    int64_t id;
    void *box;
    size_t len;
};

struct batch {
    struct arena *a;
    struct sealed_row *items;
    size_t count, cap;
};

static int collect_row(void *ctx, const struct store_value *cols, int n)
{
    struct batch *b = ctx;
    assert(n == 2 && cols[0].type == SV_INT && cols[1].type == SV_BLOB);
    b->items = arena_grow(b->a, b->items, sizeof *b->items, &b->cap, b->count + 1);
    struct sealed_row *r = &b->items[b->count++];
    r->id = cols[0].i;
    r->len = cols[1].len;
    r->box = arena_memdup(b->a, cols[1].p ? cols[1].p : "", cols[1].len);
    return 0;
}

/* One batch of one column: the next `limit` rows after *after, each value not sealed with
 * the newest key sealed again with it. Runs inside the caller's transaction. */
static int reseal_batch(struct store *s, const struct store_sealed_column *col, int limit,
                        int64_t *after, size_t *rows, struct store_reseal_counts *out)
{
    char select[300], update[200];
    snprintf(select, sizeof select,
             "SELECT %s, %s FROM %s WHERE %s IS NOT NULL AND %s > $1 ORDER BY %s LIMIT $2",
             col->id_column, col->column, col->table, col->column, col->id_column, col->id_column);
    snprintf(update, sizeof update, "UPDATE %s SET %s = $2 WHERE %s = $1", col->table, col->column,
             col->id_column);
    struct arena a = {0};
    struct batch b = {.a = &a};
    struct store_value params[] = {P_INT(*after), P_INT(limit)};
    /* id -1: not kept in the statement cache */
    int rc = s->be->query(s->db, -1, select, params, 2, collect_row, &b, NULL);
    struct buf plain = {0}, box = {0};
    for (size_t i = 0; rc == 0 && i < b.count; i++) {
        const struct sealed_row *r = &b.items[i];
        *after = r->id;
        out->values++;
        uint32_t newest = seal_newest_key_id(s->seal);
        if (seal_box_key_id(r->box, r->len) == newest)
            continue;
        if (seal_unbox(s->seal, col->label, r->id, r->box, r->len, &plain) < 0) {
            out->bad++; /* left as it is; the caller says so */
            continue;
        }
        seal_box(s->seal, col->label, r->id, plain.data ? plain.data : "", plain.len, &box);
        sodium_memzero(plain.data, plain.len);
        struct store_value p[] = {P_INT(r->id), P_BUF(box)};
        int64_t changes = 0;
        rc = s->be->query(s->db, -1, update, p, 2, NULL, NULL, &changes);
        assert(rc < 0 || changes == 1); /* the row was read in this transaction */
        out->resealed++;
    }
    *rows = b.count;
    buf_free(&plain);
    buf_free(&box);
    arena_free(&a);
    return rc;
}

int store_reseal(struct store *s, int batch, struct store_reseal_counts *out)
{
    assert(batch > 0);
    for (int c = 0; c < store_sealed_column_count; c++) {
        const struct store_sealed_column *col = &store_sealed_columns[c];
        int64_t after = 0;
        size_t rows = (size_t)batch;
        while (rows == (size_t)batch) {
            int rc = store_begin(s);
            if (rc == 0)
                rc = reseal_batch(s, col, batch, &after, &rows, out);
            if (rc == 0)
                rc = store_commit(s);
            if (rc < 0) {
                store_rollback(s);
                return -EIO;
            }
            out->batches++;
        }
    }
    if (out->bad)
        log_error("store",
                  "%lld sealed value(s) open with no key of the key file; left as they are",
                  (long long)out->bad);
    return out->bad ? -EBADMSG : 0;
}

/* ---- which keys seal what ---- */

struct usage {
    struct store_key_use *uses;
    int cap, *n;
    int full;
};

static int count_use(void *ctx, const struct store_value *cols, int n)
{
    struct usage *u = ctx;
    assert(n == 1);
    uint32_t id = cols[0].type == SV_BLOB ? seal_box_key_id(cols[0].p, cols[0].len) : 0;
    int i = 0;
    while (i < *u->n && u->uses[i].key_id < id)
        i++;
    if (i < *u->n && u->uses[i].key_id == id) {
        u->uses[i].values++;
        return 0;
    }
    if (*u->n == u->cap) {
        u->full = 1;
        return 0;
    }
    memmove(&u->uses[i + 1], &u->uses[i], sizeof u->uses[0] * (size_t)(*u->n - i));
    u->uses[i] = (struct store_key_use){.key_id = id, .values = 1};
    (*u->n)++;
    return 0;
}

int store_seal_usage(struct store *s, struct store_key_use *uses, int cap, int *n)
{
    assert(cap > 0);
    *n = 0;
    struct usage u = {.uses = uses, .cap = cap, .n = n};
    for (int c = 0; c < store_sealed_column_count; c++) {
        const struct store_sealed_column *col = &store_sealed_columns[c];
        char select[200];
        /* the version and key id only, not whole messages */
        snprintf(select, sizeof select, "SELECT substr(%s, 1, 5) FROM %s WHERE %s IS NOT NULL",
                 col->column, col->table, col->column);
        int rc = s->be->query(s->db, -1, select, NULL, 0, count_use, &u, NULL);
        if (rc < 0)
            return rc;
    }
    return u.full ? -E2BIG : 0;
}

int store_keys_retire(struct store *s, int64_t now, int64_t *still_sealed, int *retired)
{
    *still_sealed = 0;
    *retired = 0;
    struct store_key_use uses[STORE_KEY_USES_MAX];
    int n = 0;
    /* the scan and the key file's change under one write lock: nothing can be sealed with an
     * older key between them, and a server writing afterwards finds the new file first */
    int rc = store_begin(s);
    if (rc == 0)
        rc = store_seal_usage(s, uses, STORE_KEY_USES_MAX, &n);
    uint32_t newest = seal_newest_key_id(s->seal);
    for (int i = 0; rc == 0 && i < n; i++)
        if (uses[i].key_id != newest)
            *still_sealed += uses[i].values;
    if (rc == 0 && *still_sealed > 0)
        rc = -EBUSY;
    if (rc == 0)
        rc = store_audit(s, 0, "key.retired", newest, now);
    if (rc == 0)
        rc = seal_retire_older_keys(s->seal, retired);
    if (rc == 0)
        rc = store_commit(s);
    if (rc < 0)
        store_rollback(s);
    return rc;
}

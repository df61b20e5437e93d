/* The audit log as a hash chain. An entry's hash covers the previous entry's hash and every
 * field of its own, each length-prefixed so no two entries serialise alike; the hash is
 * keyed (seal_index: the index key, which key rotation keeps), so someone who can write the
 * database but not read the key cannot forge a chain that verifies. Truncation at the end is what
 * the chain alone cannot show: the head is logged once an hour (main.c) for that. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "store/internal.h"

#define AUDIT_DOMAIN "audit_log.chain"

static void put_field(struct buf *b, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    buf_printf(b, "%zu:%s|", n, text ? text : "");
}

static void entry_hash(const struct store *s, const uint8_t prev[STORE_AUDIT_HASH_BYTES],
                       const struct store_audit_entry *e, uint8_t out[STORE_AUDIT_HASH_BYTES])
{
    struct buf b = {0};
    buf_append(&b, prev, STORE_AUDIT_HASH_BYTES);
    buf_printf(&b, "%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|", e->id, e->at,
               e->actor_user_id, e->subject_id);
    put_field(&b, e->action);
    put_field(&b, e->source);
    put_field(&b, e->outcome ? e->outcome : "ok");
    _Static_assert(STORE_AUDIT_HASH_BYTES == SEAL_INDEX_BYTES, "the chain uses the index hash");
    seal_index(s->seal, AUDIT_DOMAIN, b.data, b.len, out);
    buf_free(&b);
}

struct last {
    int64_t id;
    uint8_t hash[STORE_AUDIT_HASH_BYTES];
    int hashed;
};

static int read_last(void *ctx, const struct store_value *c, int n)
{
    assert(n == 2);
    struct last *l = ctx;
    l->id = col_int(&c[0]);
    l->hashed = c[1].type == SV_BLOB && c[1].len == STORE_AUDIT_HASH_BYTES;
    if (l->hashed)
        memcpy(l->hash, c[1].p, STORE_AUDIT_HASH_BYTES);
    return 0;
}

int store_audit_head(struct store *s, int64_t *id, uint8_t head[STORE_AUDIT_HASH_BYTES])
{
    struct last l = {0};
    int rc = store_run(s, Q_AUDIT_LAST, NULL, 0, read_last, &l, NULL);
    *id = l.id;
    memcpy(head, l.hash, STORE_AUDIT_HASH_BYTES);
    return rc;
}

int store_audit_append(struct store *s, struct store_audit_entry *e)
{
    assert(e->action && *e->action);
    struct last l = {0};
    int rc = store_run(s, Q_AUDIT_LAST, NULL, 0, read_last, &l, NULL);
    if (rc < 0)
        return rc;
    if (l.id && !l.hashed) /* edited: keep recording; store_audit_verify names the entry */
        log_error("store", "audit: entry %" PRId64 " has no hash; the chain is broken", l.id);
    e->id = l.id + 1;
    entry_hash(s, l.hash, e, e->hash);
    struct store_value p[] = {P_INT(e->id),
                              P_INT(e->at),
                              P_ID(e->actor_user_id),
                              P_TEXT(e->action),
                              P_ID(e->subject_id),
                              P_TEXT(e->source),
                              P_TEXT(e->outcome ? e->outcome : "ok"),
                              P_BLOB(e->hash, STORE_AUDIT_HASH_BYTES)};
    return store_run(s, Q_AUDIT, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_audit(struct store *s, int64_t actor_user_id, const char *action, int64_t subject_id,
                int64_t now)
{
    struct store_audit_entry e = {
        .at = now, .actor_user_id = actor_user_id, .action = action, .subject_id = subject_id};
    return store_audit_append(s, &e);
}

/* ---- reading ---- */

static int read_entry(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_audit_entry *e = item;
    e->id = col_int(&c[0]);
    e->at = col_int(&c[1]);
    e->actor_user_id = col_int(&c[2]);
    e->action = col_text(r->a, &c[3]);
    e->subject_id = col_int(&c[4]);
    e->source = col_text(r->a, &c[5]);
    e->outcome = col_text(r->a, &c[6]);
    if (c[7].type == SV_BLOB && c[7].len == STORE_AUDIT_HASH_BYTES)
        memcpy(e->hash, c[7].p, STORE_AUDIT_HASH_BYTES);
    else
        memset(e->hash, 0, STORE_AUDIT_HASH_BYTES); /* no hash: verify names it */
    return 0;
}

int store_audit_list(struct store *s, struct arena *a, const struct store_audit_filter *f,
                     struct store_audit_entry **out, size_t *count)
{
    assert(f->limit >= 1 && f->limit <= 200);
    struct rows r = {.a = a, .size = sizeof **out, .read = read_entry};
    struct store_value p[] = {P_ID(f->actor_user_id),
                              P_TEXT(f->action),
                              P_ID(f->subject_id),
                              f->since ? P_INT(f->since) : P_NULL,
                              f->until ? P_INT(f->until) : P_NULL,
                              P_ID(f->before_id),
                              P_INT(f->limit)};
    int rc = store_run_rows(s, Q_AUDIT_LIST, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* The walk: each entry in id order must hash from the one before it. */
struct walk {
    const struct store *s;
    struct arena scratch;
    uint8_t prev[STORE_AUDIT_HASH_BYTES];
    int64_t count, bad_id;
};

static int walk_row(void *ctx, const struct store_value *c, int n)
{
    struct walk *w = ctx;
    if (w->bad_id)
        return 0;
    struct rows r = {.a = &w->scratch};
    struct store_audit_entry e;
    read_entry(&r, &e, c, n);
    uint8_t want[STORE_AUDIT_HASH_BYTES];
    entry_hash(w->s, w->prev, &e, want);
    w->count++;
    /* ids only grow by one: a deleted entry shows as a gap even before its hash is checked */
    if (e.id != w->count || c[7].type != SV_BLOB || c[7].len != STORE_AUDIT_HASH_BYTES ||
        sodium_memcmp(want, e.hash, STORE_AUDIT_HASH_BYTES) != 0) {
        w->bad_id = e.id;
        return 0;
    }
    memcpy(w->prev, e.hash, STORE_AUDIT_HASH_BYTES);
    arena_free(&w->scratch);
    return 0;
}

int store_audit_verify(struct store *s, int64_t *count, int64_t *bad_id,
                       uint8_t head[STORE_AUDIT_HASH_BYTES])
{
    struct walk w = {.s = s};
    int rc = store_run(s, Q_AUDIT_ALL, NULL, 0, walk_row, &w, NULL);
    arena_free(&w.scratch);
    *count = w.count;
    *bad_id = w.bad_id;
    memcpy(head, w.prev, STORE_AUDIT_HASH_BYTES);
    if (rc < 0)
        return rc;
    return w.bad_id ? -EBADMSG : 0;
}

/* Entries written before the chain existed get their hashes once, in order, right after the
 * migration that added them; from then on a missing hash is a broken chain. */
int store_audit_chain_existing(struct store *s)
{
    int64_t hashed = 0;
    int rc = store_run(s, Q_AUDIT_HASHED, NULL, 0, store_first_int, &hashed, NULL);
    if (rc < 0 || hashed > 0)
        return rc;
    struct walk w = {.s = s};
    struct arena a = {0};
    struct rows r = {.a = &a, .size = sizeof(struct store_audit_entry), .read = read_entry};
    rc = store_run_rows(s, Q_AUDIT_ALL, NULL, 0, &r);
    const struct store_audit_entry *all = r.items;
    for (size_t i = 0; rc == 0 && i < r.count; i++) {
        struct store_audit_entry e = all[i];
        entry_hash(s, w.prev, &e, e.hash);
        struct store_value p[] = {P_INT(e.id), P_BLOB(e.hash, STORE_AUDIT_HASH_BYTES)};
        rc = store_run_change(s, Q_AUDIT_SET_HASH, p, NPARAMS(p));
        memcpy(w.prev, e.hash, STORE_AUDIT_HASH_BYTES);
    }
    arena_free(&a);
    return rc;
}

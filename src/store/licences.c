/* Licences and compacts kept and read, the licence reminders due and the sessions the
 * licence flags look at (store.h). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>

#include "store/internal.h"

/* day numbers are stored as integers; anything outside int32 is not a date written here */
static int32_t col_day(const struct store_value *c, int32_t if_null)
{
    if (c->type == SV_NULL)
        return if_null;
    int64_t v = col_int(c);
    return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

static int read_licence(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_licence *l = item;
    l->id = col_int(&c[0]);
    l->user_id = col_int(&c[1]);
    l->jurisdiction = col_text(r->a, &c[2]);
    l->kind = col_text(r->a, &c[3]);
    l->number = col_text(r->a, &c[4]);
    l->expires_on = col_day(&c[5], 0);
    l->reminders_sent = (unsigned)col_int(&c[6]);
    l->created_at = col_int(&c[7]);
    return 0;
}

static int read_compact(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 6);
    struct store_compact *k = item;
    k->id = col_int(&c[0]);
    k->name = col_text(r->a, &c[1]);
    k->members = col_text(r->a, &c[2]);
    k->valid_from = col_day(&c[3], 0);
    k->valid_until = col_day(&c[4], INT32_MAX);
    k->created_at = col_int(&c[5]);
    return 0;
}

int store_licence_list_user(struct store *s, struct arena *a, int64_t user_id,
                            struct store_licence **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_licence};
    struct store_value p[] = {P_INT(user_id)};
    int rc = store_run_rows(s, Q_LICENCES_OF_USER, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_compact_list(struct store *s, struct arena *a, struct store_compact **out,
                       size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_compact};
    int rc = store_run_rows(s, Q_COMPACTS_ACTIVE, NULL, 0, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_licence_insert(struct store *s, struct store_licence *l)
{
    assert(l->user_id > 0 && l->jurisdiction && l->kind && l->number);
    struct store_value p[] = {P_INT(l->user_id), P_TEXT(l->jurisdiction), P_TEXT(l->kind),
                              P_TEXT(l->number), P_INT(l->expires_on),    P_INT(l->created_at)};
    l->reminders_sent = 0;
    return store_run(s, Q_LICENCE_INSERT, p, NPARAMS(p), store_first_int, &l->id, NULL);
}

int store_licence_get(struct store *s, struct arena *a, int64_t id, struct store_licence *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_LICENCE_GET, p, NPARAMS(p), sizeof *out, read_licence, out);
}

int store_licence_update(struct store *s, const struct store_licence *l)
{
    assert(l->id > 0 && l->kind && l->number);
    struct store_value p[] = {P_INT(l->id), P_TEXT(l->kind), P_TEXT(l->number),
                              P_INT(l->expires_on)};
    return store_run_change(s, Q_LICENCE_UPDATE, p, NPARAMS(p));
}

int store_licence_remove(struct store *s, int64_t id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now)};
    return store_run_change(s, Q_LICENCE_REMOVE, p, NPARAMS(p));
}

int store_licence_mark_sent(struct store *s, int64_t id, int32_t expires_on, unsigned sent)
{
    struct store_value p[] = {P_INT(id), P_INT(expires_on), P_INT(sent)};
    return store_run_change(s, Q_LICENCE_MARK_SENT, p, NPARAMS(p));
}

int store_licences_expiring(struct store *s, struct arena *a, int32_t first, int32_t last,
                            int limit, struct store_licence **out, size_t *count)
{
    assert(limit > 0);
    struct rows r = {.a = a, .size = sizeof **out, .read = read_licence};
    struct store_value p[] = {P_INT(first), P_INT(last), P_INT(limit)};
    int rc = store_run_rows(s, Q_LICENCES_EXPIRING, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_compact_insert(struct store *s, struct store_compact *k, int64_t now)
{
    assert(k->name && k->members);
    k->created_at = now;
    struct store_value p[] = {P_TEXT(k->name), P_TEXT(k->members), P_INT(k->valid_from),
                              k->valid_until == INT32_MAX ? P_NULL : P_INT(k->valid_until),
                              P_INT(now)};
    return store_run(s, Q_COMPACT_INSERT, p, NPARAMS(p), store_first_int, &k->id, NULL);
}

int store_compact_get(struct store *s, struct arena *a, int64_t id, struct store_compact *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_COMPACT_GET, p, NPARAMS(p), sizeof *out, read_compact, out);
}

int store_compact_update(struct store *s, const struct store_compact *k)
{
    assert(k->id > 0 && k->name && k->members);
    struct store_value p[] = {P_INT(k->id), P_TEXT(k->name), P_TEXT(k->members),
                              P_INT(k->valid_from),
                              k->valid_until == INT32_MAX ? P_NULL : P_INT(k->valid_until)};
    return store_run_change(s, Q_COMPACT_UPDATE, p, NPARAMS(p));
}

int store_compact_remove(struct store *s, int64_t id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now)};
    return store_run_change(s, Q_COMPACT_REMOVE, p, NPARAMS(p));
}

static int read_session(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 5);
    struct store_licence_session *x = item;
    x->occurrence_id = col_int(&c[0]);
    x->series_id = col_int(&c[1]);
    x->starts_at = col_int(&c[2]);
    x->time_zone = col_text(r->a, &c[3]);
    x->client_id = col_int(&c[4]);
    return 0;
}

int store_licence_sessions(struct store *s, struct arena *a, int64_t therapist_id, int64_t from,
                           int64_t to, int past, int limit, struct store_licence_session **out,
                           size_t *count)
{
    assert(therapist_id > 0 && from <= to && limit > 0);
    struct rows r = {.a = a, .size = sizeof **out, .read = read_session};
    struct store_value p[] = {P_INT(therapist_id), P_INT(from), P_INT(to), P_INT(limit)};
    int rc = store_run_rows(s, past ? Q_LICENCE_SESSIONS_PAST : Q_LICENCE_SESSIONS_AHEAD, p,
                            NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

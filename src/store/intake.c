/* Attendance over time (since when each client is in each group) and group intake: a
 * group's interest link and the waitlist its public form fills. Every word a person wrote
 * (name, contact, times, answers) and the practitioner's questions are sealed for their
 * row. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "store/internal.h"

static int read_membership(struct rows *r, void *item, const struct store_value *c, int n)
{
    (void)r;
    assert(n == 3);
    struct store_membership *m = item;
    m->group_id = col_int(&c[0]);
    m->client_id = col_int(&c[1]);
    m->added_at = col_int(&c[2]);
    return 0;
}

static int memberships(struct store *s, struct arena *a, enum query q, int64_t id,
                       struct store_membership **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_membership};
    struct store_value p[] = {P_INT(id)};
    int rc = store_run_rows(s, q, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_memberships_of_client(struct store *s, struct arena *a, int64_t client_id,
                                struct store_membership **out, size_t *count)
{
    return memberships(s, a, Q_MEMBERSHIPS_OF_CLIENT, client_id, out, count);
}

int store_memberships_of_group(struct store *s, struct arena *a, int64_t group_id,
                               struct store_membership **out, size_t *count)
{
    return memberships(s, a, Q_MEMBERSHIPS_OF_GROUP, group_id, out, count);
}

/* ---- interest links ---- */

int store_interest_close(struct store *s, int64_t group_id, int64_t now, int64_t *closed)
{
    struct store_value p[] = {P_INT(group_id), P_INT(now)};
    return store_run(s, Q_INTEREST_CLOSE, p, NPARAMS(p), NULL, NULL, closed);
}

int store_interest_insert(struct store *s, const struct store_interest_link *l, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_INTEREST_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf token = {0}, questions = {0};
    store_seal_text(s, "interest_links.token", row, l->token, &token);
    store_seal_text(s, "interest_links.questions", row, l->questions, &questions);
    struct store_value p[] = {P_INT(row),          P_INT(l->group_id), P_BLOB(l->token_hash, 32),
                              P_BUF(token),        P_BUF(questions),   P_INT(l->created_by),
                              P_INT(l->created_at)};
    rc = store_run(s, Q_INTEREST_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&token);
    buf_free(&questions);
    return rc;
}

static int read_interest(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_interest_link *l = item;
    l->id = col_int(&c[0]);
    l->group_id = col_int(&c[1]);
    if (c[2].type == SV_BLOB && c[2].len == 32)
        memcpy(l->token_hash, c[2].p, 32);
    l->token = store_col_unseal(r->s, r->a, "interest_links.token", l->id, &c[3], &r->bad);
    l->questions = store_col_unseal(r->s, r->a, "interest_links.questions", l->id, &c[4], &r->bad);
    l->created_by = col_int(&c[5]);
    l->created_at = col_int(&c[6]);
    l->closed_at = col_int(&c[7]);
    return 0;
}

int store_interest_open(struct store *s, struct arena *a, int64_t group_id,
                        struct store_interest_link *out)
{
    struct store_value p[] = {P_INT(group_id)};
    return store_run_one(s, a, Q_INTEREST_OPEN, p, 1, sizeof *out, read_interest, out);
}

int store_interest_by_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                                 struct store_interest_link *out)
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return store_run_one(s, a, Q_INTEREST_BY_HASH, p, 1, sizeof *out, read_interest, out);
}

/* ---- the waitlist ---- */

int store_waitlist_insert(struct store *s, const struct store_waitlist_entry *w, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_WAITLIST_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf name = {0}, contact = {0}, times = {0}, answers = {0};
    store_seal_text(s, "waitlist_entries.name", row, w->name, &name);
    store_seal_text(s, "waitlist_entries.contact", row, w->contact, &contact);
    store_seal_text(s, "waitlist_entries.times", row, w->times, &times);
    store_seal_text(s, "waitlist_entries.answers", row, w->answers, &answers);
    struct store_value p[] = {P_INT(row),     P_INT(w->group_id),  P_INT(w->link_id),
                              P_BUF(name),    P_BUF(contact),      P_BUF(times),
                              P_BUF(answers), P_INT(w->created_at)};
    rc = store_run(s, Q_WAITLIST_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&name);
    buf_free(&contact);
    buf_free(&times);
    buf_free(&answers);
    return rc;
}

static int read_waitlist(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_waitlist_entry *w = item;
    w->id = col_int(&c[0]);
    w->group_id = col_int(&c[1]);
    w->link_id = col_int(&c[2]);
    w->name = store_col_unseal(r->s, r->a, "waitlist_entries.name", w->id, &c[3], &r->bad);
    w->contact = store_col_unseal(r->s, r->a, "waitlist_entries.contact", w->id, &c[4], &r->bad);
    w->times = store_col_unseal(r->s, r->a, "waitlist_entries.times", w->id, &c[5], &r->bad);
    w->answers = store_col_unseal(r->s, r->a, "waitlist_entries.answers", w->id, &c[6], &r->bad);
    w->created_at = col_int(&c[7]);
    return 0;
}

int store_waitlist_list(struct store *s, struct arena *a, int64_t group_id,
                        struct store_waitlist_entry **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_waitlist};
    struct store_value p[] = {P_INT(group_id)};
    int rc = store_run_rows(s, Q_WAITLIST_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_waitlist_get(struct store *s, struct arena *a, int64_t id,
                       struct store_waitlist_entry *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_WAITLIST_GET, p, 1, sizeof *out, read_waitlist, out);
}

int store_waitlist_delete(struct store *s, int64_t id)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_change(s, Q_WAITLIST_DELETE, p, NPARAMS(p));
}

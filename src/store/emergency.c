/* Emergency access: the grants an administrator opened on another practitioner's client,
 * each with its reason sealed for its row. */
#include <assert.h>
#include <errno.h>

#include "store/internal.h"

int store_emergency_open(struct store *s, const struct store_emergency *e, int64_t *id)
{
    assert(e->client_id > 0 && e->admin_user_id > 0 && e->therapist_user_id > 0);
    assert(e->admin_user_id != e->therapist_user_id); /* one's own clients need no grant */
    assert(e->expires_at > e->opened_at && e->reason && e->reason[0]);
    int64_t row = 0;
    int rc = store_next_id(s, Q_EMERGENCY_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf reason = {0};
    store_seal_text(s, "emergency_access.reason", row, e->reason, &reason);
    struct store_value p[] = {
        P_INT(row),    P_INT(e->client_id), P_INT(e->admin_user_id), P_INT(e->therapist_user_id),
        P_BUF(reason), P_INT(e->opened_at), P_INT(e->expires_at)};
    rc = store_run(s, Q_EMERGENCY_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&reason);
    return rc;
}

int store_emergency_active(struct store *s, int64_t client_id, int64_t admin_user_id, int64_t now)
{
    int64_t count = 0;
    struct store_value p[] = {P_INT(client_id), P_INT(admin_user_id), P_INT(now)};
    int rc = store_run(s, Q_EMERGENCY_ACTIVE, p, NPARAMS(p), store_first_int, &count, NULL);
    if (rc < 0)
        return rc;
    return count > 0 ? 0 : -ENOENT;
}

static int read_emergency(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 9);
    struct store_emergency *e = item;
    e->id = col_int(&c[0]);
    e->client_id = col_int(&c[1]);
    e->admin_user_id = col_int(&c[2]);
    e->therapist_user_id = col_int(&c[3]);
    e->reason = store_col_unseal(r->s, r->a, "emergency_access.reason", e->id, &c[4], &r->bad);
    e->opened_at = col_int(&c[5]);
    e->expires_at = col_int(&c[6]);
    e->seen_at = col_int(&c[7]);
    e->client_name = store_col_unseal(r->s, r->a, "clients.name", e->client_id, &c[8], &r->bad);
    return 0;
}

int store_emergency_for_therapist(struct store *s, struct arena *a, int64_t therapist_id,
                                  int64_t since, struct store_emergency **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_emergency};
    struct store_value p[] = {P_INT(therapist_id), P_INT(since)};
    int rc = store_run_rows(s, Q_EMERGENCY_FOR_THERAPIST, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_emergency_seen(struct store *s, int64_t therapist_id, int64_t now)
{
    struct store_value p[] = {P_INT(therapist_id), P_INT(now)};
    return store_run(s, Q_EMERGENCY_SEEN, p, NPARAMS(p), NULL, NULL, NULL);
}

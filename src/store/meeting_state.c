/* A live meeting's state, kept so the meeting comes back after confide restarts: the lock
 * (a row while locked) and who had been admitted (their rejoin key as a hash only, their
 * name sealed for its row). */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "store/internal.h"

static int valid_role(const char *role)
{
    return role && (strcmp(role, "host") == 0 || strcmp(role, "cohost") == 0 ||
                    strcmp(role, "client") == 0);
}

int store_admitted_clear(struct store *s, int64_t occurrence_id, int64_t client_id, int64_t user_id)
{
    assert((client_id > 0) != (user_id > 0));
    struct store_value p[] = {P_INT(occurrence_id), P_INT(client_id), P_INT(user_id)};
    return store_run(s, Q_ADMITTED_CLEAR, p, NPARAMS(p), NULL, NULL, NULL);
}

/* One row per person: the earlier one goes first (inside the caller's transaction). */
int store_admitted_set(struct store *s, int64_t occurrence_id, const struct store_admitted *a)
{
    assert((a->client_id > 0) != (a->user_id > 0));
    assert(a->participant > 0 && a->name);
    if (!valid_role(a->role))
        return -EINVAL; /* the table's CHECK would refuse it too, less clearly */
    int rc = store_admitted_clear(s, occurrence_id, a->client_id, a->user_id);
    int64_t row = 0;
    if (rc == 0)
        rc = store_next_id(s, Q_ADMITTED_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf name = {0};
    store_seal_text(s, "meeting_admitted.name", row, a->name, &name);
    int64_t id = 0;
    struct store_value p[] = {P_INT(row),         P_INT(occurrence_id),    P_INT(a->participant),
                              P_ID(a->client_id), P_ID(a->user_id),        P_TEXT(a->role),
                              P_BUF(name),        P_BLOB(a->key_hash, 32), P_INT(a->admitted_at)};
    rc = store_run(s, Q_ADMITTED_ADD, p, NPARAMS(p), store_first_int, &id, NULL);
    assert(rc < 0 || id == row);
    buf_free(&name);
    return rc;
}

static int read_admitted(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_admitted *a = item;
    int64_t row = col_int(&c[0]);
    a->participant = (int)col_int(&c[1]);
    a->client_id = col_int(&c[2]);
    a->user_id = col_int(&c[3]);
    a->role = col_text(r->a, &c[4]);
    a->name = store_col_unseal(r->s, r->a, "meeting_admitted.name", row, &c[5], &r->bad);
    if (c[6].type == SV_BLOB && c[6].len == sizeof a->key_hash)
        memcpy(a->key_hash, c[6].p, sizeof a->key_hash);
    else
        r->bad = 1; /* the column is NOT NULL and 32 bytes: the row is not what we wrote */
    a->admitted_at = col_int(&c[7]);
    return 0;
}

int store_admitted_list(struct store *s, struct arena *a, int64_t occurrence_id,
                        struct store_admitted **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_admitted};
    struct store_value p[] = {P_INT(occurrence_id)};
    int rc = store_run_rows(s, Q_ADMITTED_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_admitted_by_key_hash(struct store *s, const uint8_t key_hash[32], int64_t *occurrence_id)
{
    *occurrence_id = 0;
    struct store_value p[] = {P_BLOB(key_hash, 32)};
    int rc = store_run(s, Q_ADMITTED_BY_KEY, p, 1, store_first_int, occurrence_id, NULL);
    if (rc < 0)
        return rc;
    return *occurrence_id > 0 ? 0 : -ENOENT;
}

int store_meeting_lock_set(struct store *s, int64_t occurrence_id, int locked, int64_t at)
{
    struct store_value key[] = {P_INT(occurrence_id)};
    int rc = store_run(s, Q_MEETING_LOCK_CLEAR, key, 1, NULL, NULL, NULL);
    if (rc < 0 || !locked)
        return rc;
    struct store_value p[] = {P_INT(occurrence_id), P_INT(at)};
    return store_run(s, Q_MEETING_LOCK_ADD, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_meeting_locked(struct store *s, int64_t occurrence_id, int *locked)
{
    int64_t n = 0;
    struct store_value p[] = {P_INT(occurrence_id)};
    int rc = store_run(s, Q_MEETING_LOCKED, p, 1, store_first_int, &n, NULL);
    *locked = n > 0;
    return rc;
}

int store_meeting_state_sweep(struct store *s, int64_t ended_before)
{
    struct store_value p[] = {P_INT(ended_before)};
    int rc = store_run(s, Q_ADMITTED_SWEEP, p, 1, NULL, NULL, NULL);
    if (rc == 0)
        rc = store_run(s, Q_MEETING_LOCKS_SWEEP, p, 1, NULL, NULL, NULL);
    return rc;
}

int store_meeting_state_delete(struct store *s, int64_t occurrence_id)
{
    struct store_value p[] = {P_INT(occurrence_id)};
    int rc = store_run(s, Q_ADMITTED_DELETE_ALL, p, 1, NULL, NULL, NULL);
    if (rc == 0)
        rc = store_run(s, Q_MEETING_LOCK_CLEAR, p, 1, NULL, NULL, NULL);
    return rc;
}

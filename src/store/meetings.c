/* Meetings: look-ups by link, agreement acceptances, attendance, and ending a meeting
 * for everyone. */
#include <assert.h>
#include <string.h>

#include "store/internal.h"

int store_invite_by_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                               struct store_invite *out)
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return store_run_one(s, a, Q_INVITE_BY_HASH, p, 1, sizeof *out, store_read_invite, out);
}

int store_series_by_host_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                                    struct store_series *out)
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return store_run_one(s, a, Q_SERIES_BY_HOST_HASH, p, 1, sizeof *out, store_read_series, out);
}

int store_agreement_accept(struct store *s, int64_t client_id, int64_t group_id, int version,
                           int64_t now)
{
    struct store_value p[] = {P_INT(client_id), P_INT(group_id), P_INT(version), P_INT(now)};
    return store_run(s, Q_AGREEMENT_ACCEPT, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_agreement_accepted(struct store *s, int64_t client_id, int64_t group_id, int version,
                             int *accepted)
{
    int64_t n = 0;
    struct store_value p[] = {P_INT(client_id), P_INT(group_id), P_INT(version)};
    int rc = store_run(s, Q_AGREEMENT_ACCEPTED, p, NPARAMS(p), store_first_int, &n, NULL);
    *accepted = n > 0;
    return rc;
}

int store_attendance_add(struct store *s, int64_t occurrence_id, int64_t client_id, int64_t user_id,
                         const char *event, int64_t at)
{
    struct store_value p[] = {P_INT(occurrence_id), P_ID(client_id), P_ID(user_id), P_TEXT(event),
                              P_INT(at)};
    return store_run(s, Q_ATTENDANCE_ADD, p, NPARAMS(p), NULL, NULL, NULL);
}

static int read_attendance(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 5);
    struct store_attendance *at = item;
    at->occurrence_id = col_int(&c[0]);
    at->client_id = col_int(&c[1]);
    at->user_id = col_int(&c[2]);
    at->event = col_text(r->a, &c[3]);
    at->at = col_int(&c[4]);
    return 0;
}

int store_attendance_list(struct store *s, struct arena *a, int64_t series_id,
                          struct store_attendance **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_attendance};
    struct store_value p[] = {P_INT(series_id)};
    int rc = store_run_rows(s, Q_ATTENDANCE_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* Ending a meeting that has ended already changes nothing and is not an error. */
int store_occurrence_end(struct store *s, int64_t occurrence_id, int64_t now)
{
    struct store_value p[] = {P_INT(occurrence_id), P_INT(now)};
    return store_run(s, Q_OCC_END, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_turned_away_set(struct store *s, int64_t occurrence_id, int64_t client_id,
                          int64_t user_id, const char *what, int64_t at)
{
    assert((client_id > 0) != (user_id > 0));
    assert(!what || strcmp(what, "removed") == 0 || strcmp(what, "denied") == 0);
    struct store_value key[] = {P_INT(occurrence_id), P_INT(client_id), P_INT(user_id)};
    int rc = store_run(s, Q_TURNED_AWAY_CLEAR, key, NPARAMS(key), NULL, NULL, NULL);
    if (rc < 0 || !what)
        return rc;
    struct store_value p[] = {P_INT(occurrence_id), P_ID(client_id), P_ID(user_id), P_TEXT(what),
                              P_INT(at)};
    return store_run(s, Q_TURNED_AWAY_ADD, p, NPARAMS(p), NULL, NULL, NULL);
}

static int read_turned_away(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 4);
    struct store_turned_away *t = item;
    t->client_id = col_int(&c[0]);
    t->user_id = col_int(&c[1]);
    t->what = col_text(r->a, &c[2]);
    t->at = col_int(&c[3]);
    return 0;
}

int store_turned_away_list(struct store *s, struct arena *a, int64_t occurrence_id,
                           struct store_turned_away **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_turned_away};
    struct store_value p[] = {P_INT(occurrence_id)};
    int rc = store_run_rows(s, Q_TURNED_AWAY_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* Check-ins: the measures chosen for a client or a group, the answers (sealed for their
 * row, with the mood word) and the risk alerts they raise. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "store/internal.h"

int store_checkin_choice_set(struct store *s, int64_t client_id, int64_t group_id,
                             const char *measures, int64_t now)
{
    assert((client_id > 0) != (group_id > 0) && measures);
    struct store_value p[] = {P_INT(client_id ? client_id : group_id), P_TEXT(measures),
                              P_INT(now)};
    return store_run(s, client_id ? Q_CHECKIN_CHOICE_SET_CLIENT : Q_CHECKIN_CHOICE_SET_GROUP, p,
                     NPARAMS(p), NULL, NULL, NULL);
}

static int read_text(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 1);
    *(char **)item = col_text(r->a, &c[0]);
    return 0;
}

int store_checkin_choice_get(struct store *s, struct arena *a, int64_t client_id, int64_t group_id,
                             char **measures)
{
    assert((client_id > 0) != (group_id > 0));
    struct store_value p[] = {P_INT(client_id ? client_id : group_id)};
    return store_run_one(s, a, client_id ? Q_CHECKIN_CHOICE_CLIENT : Q_CHECKIN_CHOICE_GROUP, p, 1,
                         sizeof *measures, read_text, measures);
}

int store_checkin_add(struct store *s, const struct store_checkin *c, int64_t *id)
{
    assert(c->client_id > 0 && c->measure && c->answers);
    int64_t row = 0;
    int rc = store_next_id(s, Q_CHECKIN_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf answers = {0}, word = {0};
    store_seal_text(s, "checkins.answers", row, c->answers, &answers);
    store_seal_text(s, "checkins.word", row, c->word, &word);
    struct store_value p[] = {P_INT(row),           P_INT(c->client_id), P_ID(c->occurrence_id),
                              P_TEXT(c->measure),   P_INT(c->total),     P_TEXT(c->band),
                              P_INT(c->risk != 0),  P_BUF(answers),      P_BUF(word),
                              P_INT(c->answered_at)};
    rc = store_run(s, Q_CHECKIN_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&answers);
    buf_free(&word);
    return rc;
}

int store_checkin_answered(struct store *s, struct arena *a, int64_t occurrence_id,
                           int64_t client_id, char **measures)
{
    struct rows r = {.a = a, .size = sizeof(char *), .read = read_text};
    struct store_value p[] = {P_INT(occurrence_id), P_INT(client_id)};
    int rc = store_run_rows(s, Q_CHECKIN_ANSWERED, p, NPARAMS(p), &r);
    if (rc < 0)
        return rc;
    size_t len = 0;
    for (size_t i = 0; i < r.count; i++)
        len += strlen(((char **)r.items)[i]) + 1;
    char *out = arena_alloc(a, len + 1);
    out[0] = '\0';
    for (size_t i = 0; i < r.count; i++) {
        if (i)
            strcat(out, ",");
        strcat(out, ((char **)r.items)[i]);
    }
    *measures = out;
    return 0;
}

static int read_checkin(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 10);
    struct store_checkin *k = item;
    k->id = col_int(&c[0]);
    k->client_id = col_int(&c[1]);
    k->occurrence_id = col_int(&c[2]);
    k->measure = col_text(r->a, &c[3]);
    k->total = (int)col_int(&c[4]);
    k->band = col_text(r->a, &c[5]);
    k->risk = col_int(&c[6]) != 0;
    k->answers = store_col_unseal(r->s, r->a, "checkins.answers", k->id, &c[7], &r->bad);
    k->word = store_col_unseal(r->s, r->a, "checkins.word", k->id, &c[8], &r->bad);
    k->answered_at = col_int(&c[9]);
    return 0;
}

int store_checkin_list(struct store *s, struct arena *a, int64_t client_id,
                       struct store_checkin **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_checkin};
    struct store_value p[] = {P_INT(client_id)};
    int rc = store_run_rows(s, Q_CHECKIN_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_care_alert_add(struct store *s, int64_t client_id, int64_t therapist_id,
                         int64_t checkin_id, int64_t occurrence_id, int64_t at, int64_t *id)
{
    struct store_value p[] = {P_INT(client_id), P_INT(therapist_id), P_INT(checkin_id),
                              P_ID(occurrence_id), P_INT(at)};
    return store_run(s, Q_CARE_ALERT_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
}

static int read_alert(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 7);
    struct store_care_alert *al = item;
    al->id = col_int(&c[0]);
    al->client_id = col_int(&c[1]);
    al->checkin_id = col_int(&c[2]);
    al->occurrence_id = col_int(&c[3]);
    al->raised_at = col_int(&c[4]);
    al->client_name = store_col_unseal(r->s, r->a, "clients.name", al->client_id, &c[5], &r->bad);
    al->measure = col_text(r->a, &c[6]);
    al->seen_at = al->seen_by = 0;
    al->seen_by_name = NULL;
    return 0;
}

int store_care_alert_open(struct store *s, struct arena *a, int64_t therapist_id,
                          struct store_care_alert **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_alert};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = store_run_rows(s, Q_CARE_ALERT_OPEN, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_care_alert_seen(struct store *s, int64_t id, int64_t therapist_id, int64_t seen_by,
                          int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(therapist_id), P_INT(now), P_INT(seen_by)};
    return store_run_change(s, Q_CARE_ALERT_SEEN, p, NPARAMS(p));
}

static int read_next(void *ctx, const struct store_value *c, int n)
{
    assert(n == 6);
    struct store_next_occurrence *o = ctx;
    o->occurrence_id = col_int(&c[0]);
    o->series_id = col_int(&c[1]);
    o->therapist_id = col_int(&c[2]);
    o->group_id = col_int(&c[3]);
    o->starts_at = col_int(&c[4]);
    o->ends_at = col_int(&c[5]);
    return 1; /* the first is the one */
}

int store_client_next_occurrence(struct store *s, int64_t client_id, int64_t from, int64_t until,
                                 struct store_next_occurrence *out)
{
    assert(client_id > 0 && from <= until);
    memset(out, 0, sizeof *out);
    struct store_value p[] = {P_INT(client_id), P_INT(from), P_INT(until)};
    int rc = store_run(s, Q_CLIENT_NEXT_OCCURRENCE, p, NPARAMS(p), read_next, out, NULL);
    if (rc == 0 && out->occurrence_id == 0)
        return -ENOENT;
    return rc;
}

static int read_seen_alert(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 10);
    struct store_care_alert *al = item;
    read_alert(r, item, c, 7);
    al->seen_at = col_int(&c[7]);
    al->seen_by = col_int(&c[8]);
    al->seen_by_name = store_col_unseal(r->s, r->a, "users.name", al->seen_by, &c[9], &r->bad);
    return 0;
}

int store_care_alert_seen_by_others(struct store *s, struct arena *a, int64_t therapist_id,
                                    int64_t since, struct store_care_alert **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_seen_alert};
    struct store_value p[] = {P_INT(therapist_id), P_INT(since)};
    int rc = store_run_rows(s, Q_CARE_ALERT_SEEN_BY_OTHERS, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

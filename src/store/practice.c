/* A therapist's practice: clients, groups with their members and co-facilitators,
 * sessions (a series and its occurrences) and their personal links. */
#include <assert.h>
#include <string.h>

#include "store/internal.h"

/* ---- clients ---- */

int store_client_insert(struct store *s, const struct store_client *c, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_CLIENT_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf name = {0}, email = {0}, phone = {0}, emergency = {0};
    store_seal_text(s, "clients.name", row, c->name, &name);
    store_seal_text(s, "clients.email", row, c->email, &email);
    store_seal_text(s, "clients.phone", row, c->phone, &phone);
    store_seal_text(s, "clients.emergency", row, c->emergency, &emergency);
    struct store_value p[] = {P_INT(c->therapist_id), P_BUF(name),      P_BUF(email),
                              P_BUF(phone),           P_BUF(emergency), P_TEXT(c->time_zone),
                              P_INT(c->created_at),   P_INT(row)};
    rc = store_run(s, Q_CLIENT_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&name);
    buf_free(&email);
    buf_free(&phone);
    buf_free(&emergency);
    return rc;
}

static int read_client(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_client *cl = item;
    cl->id = col_int(&c[0]);
    cl->therapist_id = col_int(&c[1]);
    cl->name = store_col_unseal(r->s, r->a, "clients.name", cl->id, &c[2], &r->bad);
    cl->email = store_col_unseal(r->s, r->a, "clients.email", cl->id, &c[3], &r->bad);
    cl->phone = store_col_unseal(r->s, r->a, "clients.phone", cl->id, &c[4], &r->bad);
    cl->emergency = store_col_unseal(r->s, r->a, "clients.emergency", cl->id, &c[5], &r->bad);
    cl->time_zone = col_text(r->a, &c[6]);
    cl->created_at = col_int(&c[7]);
    return 0;
}

int store_client_get(struct store *s, struct arena *a, int64_t id, struct store_client *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_CLIENT_GET, p, 1, sizeof *out, read_client, out);
}

int store_client_update(struct store *s, const struct store_client *c)
{
    struct buf name = {0}, email = {0}, phone = {0}, emergency = {0};
    store_seal_text(s, "clients.name", c->id, c->name, &name);
    store_seal_text(s, "clients.email", c->id, c->email, &email);
    store_seal_text(s, "clients.phone", c->id, c->phone, &phone);
    store_seal_text(s, "clients.emergency", c->id, c->emergency, &emergency);
    struct store_value p[] = {P_INT(c->id), P_BUF(name),      P_BUF(email),
                              P_BUF(phone), P_BUF(emergency), P_TEXT(c->time_zone)};
    int rc = store_run_change(s, Q_CLIENT_UPDATE, p, NPARAMS(p));
    buf_free(&name);
    buf_free(&email);
    buf_free(&phone);
    buf_free(&emergency);
    return rc;
}

int store_client_archive(struct store *s, int64_t id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now)};
    return store_run_change(s, Q_CLIENT_ARCHIVE, p, NPARAMS(p));
}

int store_client_list(struct store *s, struct arena *a, int64_t therapist_id,
                      struct store_client **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_client};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = store_run_rows(s, Q_CLIENT_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* ---- groups ---- */

static void seal_group(struct store *s, const struct store_group *g, int64_t row, struct buf box[3])
{
    store_seal_text(s, "groups.name", row, g->name, &box[0]);
    store_seal_text(s, "groups.description", row, g->description ? g->description : "", &box[1]);
    store_seal_text(s, "groups.agreement", row, g->agreement, &box[2]);
}

int store_group_insert(struct store *s, const struct store_group *g, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_GROUP_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf box[3] = {{0}};
    seal_group(s, g, row, box);
    struct store_value p[] = {
        P_INT(g->therapist_id),      P_BUF(box[0]),      P_BUF(box[1]),        P_BUF(box[2]),
        P_INT(g->agreement_version), P_INT(g->capacity), P_INT(g->created_at), P_INT(row)};
    rc = store_run(s, Q_GROUP_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    for (int i = 0; i < 3; i++)
        buf_free(&box[i]);
    return rc;
}

static int read_group(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_group *g = item;
    g->id = col_int(&c[0]);
    g->therapist_id = col_int(&c[1]);
    g->name = store_col_unseal(r->s, r->a, "groups.name", g->id, &c[2], &r->bad);
    g->description = store_col_unseal(r->s, r->a, "groups.description", g->id, &c[3], &r->bad);
    g->agreement = store_col_unseal(r->s, r->a, "groups.agreement", g->id, &c[4], &r->bad);
    g->agreement_version = (int)col_int(&c[5]);
    g->capacity = (int)col_int(&c[6]);
    g->created_at = col_int(&c[7]);
    return 0;
}

int store_group_get(struct store *s, struct arena *a, int64_t id, struct store_group *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_GROUP_GET, p, 1, sizeof *out, read_group, out);
}

int store_group_update(struct store *s, const struct store_group *g)
{
    struct buf box[3] = {{0}};
    seal_group(s, g, g->id, box);
    struct store_value p[] = {
        P_INT(g->id),      P_BUF(box[0]), P_BUF(box[1]), P_BUF(box[2]), P_INT(g->agreement_version),
        P_INT(g->capacity)};
    int rc = store_run_change(s, Q_GROUP_UPDATE, p, NPARAMS(p));
    for (int i = 0; i < 3; i++)
        buf_free(&box[i]);
    return rc;
}

int store_group_archive(struct store *s, int64_t id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now)};
    return store_run_change(s, Q_GROUP_ARCHIVE, p, NPARAMS(p));
}

int store_group_list(struct store *s, struct arena *a, int64_t therapist_id,
                     struct store_group **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_group};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = store_run_rows(s, Q_GROUP_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

static int read_id(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 1);
    *(int64_t *)item = col_int(&c[0]);
    return 0;
}

static int run_ids(struct store *s, struct arena *a, enum query q, int64_t key, int64_t **ids,
                   size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **ids, .read = read_id};
    struct store_value p[] = {P_INT(key)};
    int rc = store_run_rows(s, q, p, 1, &r);
    *ids = r.items;
    *count = r.count;
    return rc;
}

int store_group_member_add(struct store *s, int64_t group_id, int64_t client_id, int64_t now)
{
    struct store_value p[] = {P_INT(group_id), P_INT(client_id), P_INT(now)};
    return store_run(s, Q_MEMBER_ADD, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_group_member_remove(struct store *s, int64_t group_id, int64_t client_id)
{
    struct store_value p[] = {P_INT(group_id), P_INT(client_id)};
    return store_run_change(s, Q_MEMBER_REMOVE, p, NPARAMS(p));
}

int store_group_members(struct store *s, struct arena *a, int64_t group_id, int64_t **client_ids,
                        size_t *count)
{
    return run_ids(s, a, Q_MEMBERS, group_id, client_ids, count);
}

int store_group_facilitator_add(struct store *s, int64_t group_id, int64_t user_id)
{
    struct store_value p[] = {P_INT(group_id), P_INT(user_id)};
    return store_run(s, Q_FACILITATOR_ADD, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_group_facilitator_remove(struct store *s, int64_t group_id, int64_t user_id)
{
    struct store_value p[] = {P_INT(group_id), P_INT(user_id)};
    return store_run_change(s, Q_FACILITATOR_REMOVE, p, NPARAMS(p));
}

int store_group_facilitators(struct store *s, struct arena *a, int64_t group_id, int64_t **user_ids,
                             size_t *count)
{
    return run_ids(s, a, Q_FACILITATORS, group_id, user_ids, count);
}

/* ---- series, occurrences, invites ---- */

int store_series_insert(struct store *s, const struct store_series *se, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_SERIES_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf title = {0}, host = {0};
    store_seal_text(s, "series.title", row, se->title, &title);
    store_seal_text(s, "series.host_token", row, se->host_token, &host);
    struct store_value p[] = {P_INT(se->therapist_id),
                              P_ID(se->client_id),
                              P_ID(se->group_id),
                              P_BUF(title),
                              P_TEXT(se->time_zone),
                              P_INT(se->duration_minutes),
                              P_TEXT(se->rrule),
                              P_TEXT(se->settings),
                              P_TEXT(se->ics_uid),
                              P_INT(se->sequence),
                              P_BLOB(se->host_token_hash, 32),
                              P_BUF(host),
                              P_INT(se->created_at),
                              P_INT(row)};
    rc = store_run(s, Q_SERIES_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&title);
    buf_free(&host);
    return rc;
}

int store_read_series(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 15);
    struct store_series *se = item;
    se->id = col_int(&c[0]);
    se->therapist_id = col_int(&c[1]);
    se->client_id = col_int(&c[2]);
    se->group_id = col_int(&c[3]);
    se->title = store_col_unseal(r->s, r->a, "series.title", se->id, &c[4], &r->bad);
    se->time_zone = col_text(r->a, &c[5]);
    se->duration_minutes = (int)col_int(&c[6]);
    se->rrule = col_text(r->a, &c[7]);
    se->settings = col_text(r->a, &c[8]);
    se->ics_uid = col_text(r->a, &c[9]);
    se->sequence = (int)col_int(&c[10]);
    if (c[11].type == SV_BLOB && c[11].len == 32)
        memcpy(se->host_token_hash, c[11].p, 32);
    se->host_token = store_col_unseal(r->s, r->a, "series.host_token", se->id, &c[12], &r->bad);
    se->created_at = col_int(&c[13]);
    se->cancelled_at = col_int(&c[14]);
    return 0;
}

int store_series_get(struct store *s, struct arena *a, int64_t id, struct store_series *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_SERIES_GET, p, 1, sizeof *out, store_read_series, out);
}

int store_series_update(struct store *s, const struct store_series *se)
{
    struct store_value p[] = {P_INT(se->id), P_INT(se->sequence), P_TEXT(se->rrule),
                              P_ID(se->cancelled_at)};
    return store_run_change(s, Q_SERIES_UPDATE, p, NPARAMS(p));
}

int store_series_list(struct store *s, struct arena *a, int64_t therapist_id,
                      struct store_series **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = store_read_series};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = store_run_rows(s, Q_SERIES_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_occurrence_insert(struct store *s, const struct store_occurrence *o, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_OCC_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf password = {0};
    store_seal_text(s, "occurrences.password", row, o->password, &password);
    struct store_value p[] = {
        P_INT(o->series_id), P_INT(o->therapist_id), P_INT(o->original_start), P_INT(o->starts_at),
        P_INT(o->ends_at),   P_TEXT(o->meeting_id),  P_BUF(password),          P_INT(row)};
    rc = store_run(s, Q_OCC_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&password);
    return rc;
}

int store_read_occurrence(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 10);
    struct store_occurrence *o = item;
    o->id = col_int(&c[0]);
    o->series_id = col_int(&c[1]);
    o->therapist_id = col_int(&c[2]);
    o->original_start = col_int(&c[3]);
    o->starts_at = col_int(&c[4]);
    o->ends_at = col_int(&c[5]);
    o->cancelled_at = col_int(&c[6]);
    o->meeting_id = col_text(r->a, &c[7]);
    o->password = store_col_unseal(r->s, r->a, "occurrences.password", o->id, &c[8], &r->bad);
    o->ended_at = col_int(&c[9]);
    return 0;
}

int store_occurrence_get(struct store *s, struct arena *a, int64_t id, struct store_occurrence *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_OCC_GET, p, 1, sizeof *out, store_read_occurrence, out);
}

int store_occurrence_update(struct store *s, const struct store_occurrence *o)
{
    struct store_value p[] = {P_INT(o->id), P_INT(o->starts_at), P_INT(o->ends_at),
                              P_ID(o->cancelled_at)};
    return store_run_change(s, Q_OCC_UPDATE, p, NPARAMS(p));
}

int store_occurrence_rows(struct store *s, struct arena *a, enum query q,
                          const struct store_value *p, int n, struct store_occurrence **out,
                          size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = store_read_occurrence};
    int rc = store_run_rows(s, q, p, n, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_occurrence_list(struct store *s, struct arena *a, int64_t series_id,
                          struct store_occurrence **out, size_t *count)
{
    struct store_value p[] = {P_INT(series_id)};
    return store_occurrence_rows(s, a, Q_OCC_LIST, p, 1, out, count);
}

int store_occurrence_overlapping(struct store *s, struct arena *a, int64_t therapist_id,
                                 int64_t start, int64_t end, struct store_occurrence **out,
                                 size_t *count)
{
    struct store_value p[] = {P_INT(therapist_id), P_INT(start), P_INT(end)};
    return store_occurrence_rows(s, a, Q_OCC_OVERLAP, p, NPARAMS(p), out, count);
}

int store_invite_insert(struct store *s, const struct store_invite *inv, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_INVITE_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf token = {0};
    store_seal_text(s, "invites.token", row, inv->token, &token);
    struct store_value p[] = {P_INT(inv->series_id),       P_INT(inv->client_id),
                              P_BLOB(inv->token_hash, 32), P_BUF(token),
                              P_INT(inv->created_at),      P_INT(row)};
    rc = store_run(s, Q_INVITE_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&token);
    return rc;
}

int store_read_invite(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 7);
    struct store_invite *inv = item;
    inv->id = col_int(&c[0]);
    inv->series_id = col_int(&c[1]);
    inv->client_id = col_int(&c[2]);
    if (c[3].type == SV_BLOB && c[3].len == 32)
        memcpy(inv->token_hash, c[3].p, 32);
    inv->token = store_col_unseal(r->s, r->a, "invites.token", inv->id, &c[4], &r->bad);
    inv->created_at = col_int(&c[5]);
    inv->revoked_at = col_int(&c[6]);
    return 0;
}

int store_invite_list(struct store *s, struct arena *a, int64_t series_id,
                      struct store_invite **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = store_read_invite};
    struct store_value p[] = {P_INT(series_id)};
    int rc = store_run_rows(s, Q_INVITE_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_invites_revoke(struct store *s, int64_t client_id, int64_t group_id, int64_t now,
                         int64_t *revoked)
{
    int64_t changes = 0;
    struct store_value p[] = {P_INT(client_id), P_INT(group_id), P_INT(now)};
    int rc = store_run(s, Q_INVITES_REVOKE, p, NPARAMS(p), NULL, NULL, &changes);
    if (revoked)
        *revoked = rc < 0 ? 0 : changes;
    return rc;
}

int store_invite_current(struct store *s, int64_t invite_id, int *current)
{
    int64_t n = 0;
    struct store_value p[] = {P_INT(invite_id)};
    int rc = store_run(s, Q_INVITE_CURRENT, p, NPARAMS(p), store_first_int, &n, NULL);
    *current = rc == 0 && n > 0;
    return rc;
}

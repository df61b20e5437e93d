/* Private notes and their addenda: the body sealed for its row, a signed note never
 * changed by any statement here (store.h). */
#include <assert.h>
#include <errno.h>

#include "store/internal.h"

int store_note_insert(struct store *s, const struct store_note *n, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_NOTE_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf body = {0};
    store_seal_text(s, "notes.body", row, n->body, &body);
    struct store_value p[] = {P_INT(row),         P_INT(n->occurrence_id), P_INT(n->series_id),
                              P_ID(n->client_id), P_INT(n->author_id),     P_TEXT(n->template_name),
                              P_BUF(body),        P_INT(n->created_at)};
    rc = store_run(s, Q_NOTE_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&body);
    return rc;
}

static int read_note(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 13);
    struct store_note *no = item;
    no->id = col_int(&c[0]);
    no->occurrence_id = col_int(&c[1]);
    no->series_id = col_int(&c[2]);
    no->client_id = col_int(&c[3]);
    no->author_id = col_int(&c[4]);
    no->template_name = col_text(r->a, &c[5]);
    no->body = store_col_unseal(r->s, r->a, "notes.body", no->id, &c[6], &r->bad);
    no->version = col_int(&c[7]);
    no->created_at = col_int(&c[8]);
    no->updated_at = col_int(&c[9]);
    no->signed_by = col_int(&c[10]);
    no->signed_at = col_int(&c[11]);
    no->starts_at = col_int(&c[12]);
    return 0;
}

int store_note_get(struct store *s, struct arena *a, int64_t id, struct store_note *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_NOTE_GET, p, 1, sizeof *out, read_note, out);
}

int store_note_for(struct store *s, int64_t occurrence_id, int64_t client_id, int64_t *id)
{
    *id = 0;
    struct store_value p[] = {P_INT(occurrence_id), P_INT(client_id)};
    int rc = store_run(s, Q_NOTE_FOR, p, NPARAMS(p), store_first_int, id, NULL);
    return rc < 0 ? rc : *id ? 0 : -ENOENT;
}

static int note_rows(struct store *s, struct arena *a, enum query q, int64_t key,
                     struct store_note **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_note};
    struct store_value p[] = {P_INT(key)};
    int rc = store_run_rows(s, q, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_note_list_occurrence(struct store *s, struct arena *a, int64_t occurrence_id,
                               struct store_note **out, size_t *count)
{
    return note_rows(s, a, Q_NOTE_LIST_OCC, occurrence_id, out, count);
}

int store_note_list_client(struct store *s, struct arena *a, int64_t client_id,
                           struct store_note **out, size_t *count)
{
    return note_rows(s, a, Q_NOTE_LIST_CLIENT, client_id, out, count);
}

int store_note_update(struct store *s, int64_t id, int64_t version, const char *body, int64_t now)
{
    struct buf box = {0};
    store_seal_text(s, "notes.body", id, body, &box);
    struct store_value p[] = {P_INT(id), P_INT(version), P_BUF(box), P_INT(now)};
    int rc = store_run_change(s, Q_NOTE_UPDATE, p, NPARAMS(p));
    buf_free(&box);
    return rc;
}

int store_note_sign(struct store *s, int64_t id, int64_t version, int64_t user_id, int64_t now)
{
    assert(now != 0);
    struct store_value p[] = {P_INT(id), P_INT(version), P_INT(user_id), P_INT(now)};
    return store_run_change(s, Q_NOTE_SIGN, p, NPARAMS(p));
}

int store_note_addendum_insert(struct store *s, const struct store_note_addendum *ad, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_ADDENDUM_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf body = {0};
    store_seal_text(s, "note_addenda.body", row, ad->body, &body);
    struct store_value p[] = {P_INT(row), P_INT(ad->note_id), P_INT(ad->author_id), P_BUF(body),
                              P_INT(ad->created_at)};
    *id = 0;
    rc = store_run(s, Q_ADDENDUM_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    buf_free(&body);
    if (rc == 0 && *id == 0)
        return -ENOENT; /* no such note, or a draft */
    assert(rc < 0 || *id == row);
    return rc;
}

static int read_addendum(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 5);
    struct store_note_addendum *ad = item;
    ad->id = col_int(&c[0]);
    ad->note_id = col_int(&c[1]);
    ad->author_id = col_int(&c[2]);
    ad->body = store_col_unseal(r->s, r->a, "note_addenda.body", ad->id, &c[3], &r->bad);
    ad->created_at = col_int(&c[4]);
    return 0;
}

int store_note_addenda(struct store *s, struct arena *a, int64_t note_id,
                       struct store_note_addendum **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_addendum};
    struct store_value p[] = {P_INT(note_id)};
    int rc = store_run_rows(s, Q_ADDENDUM_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

static int read_one_id(struct rows *r, void *item, const struct store_value *c, int n)
{
    (void)r;
    assert(n == 1);
    *(int64_t *)item = col_int(&c[0]);
    return 0;
}

int store_occurrence_admitted_clients(struct store *s, struct arena *a, int64_t occurrence_id,
                                      int64_t **client_ids, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **client_ids, .read = read_one_id};
    struct store_value p[] = {P_INT(occurrence_id)};
    int rc = store_run_rows(s, Q_OCC_ADMITTED_CLIENTS, p, 1, &r);
    *client_ids = r.items;
    *count = r.count;
    return rc;
}

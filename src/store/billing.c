/* Billing's storage (store.h): services, a client's fee terms and insurance details,
 * charges and payments. Insurance, diagnoses, a waiver's reason and a payment's reference
 * are sealed for their row; the charge per (occurrence, client) is unique in the schema. */
#include <assert.h>
#include <errno.h>

#include "store/internal.h"

/* ---- services ---- */

int store_service_count(struct store *s, int64_t *count)
{
    *count = 0;
    return store_run(s, Q_SERVICE_COUNT, NULL, 0, store_first_int, count, NULL);
}

int store_service_insert(struct store *s, const struct store_service *sv, int64_t *id)
{
    *id = 0;
    struct store_value p[] = {P_TEXT(sv->cpt),       P_TEXT(sv->description),
                              P_INT(sv->fee_cents),  P_INT(sv->duration_minutes),
                              P_INT(sv->created_at), P_ID(sv->archived_at)};
    return store_run(s, Q_SERVICE_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
}

static int read_service(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 7);
    struct store_service *sv = item;
    sv->id = col_int(&c[0]);
    sv->cpt = col_text(r->a, &c[1]);
    sv->description = col_text(r->a, &c[2]);
    sv->fee_cents = col_int(&c[3]);
    sv->duration_minutes = (int)col_int(&c[4]);
    sv->created_at = col_int(&c[5]);
    sv->archived_at = col_int(&c[6]);
    return 0;
}

int store_service_get(struct store *s, struct arena *a, int64_t id, struct store_service *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_SERVICE_GET, p, 1, sizeof *out, read_service, out);
}

int store_service_list(struct store *s, struct arena *a, struct store_service **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_service};
    int rc = store_run_rows(s, Q_SERVICE_LIST, NULL, 0, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_service_update(struct store *s, const struct store_service *sv)
{
    struct store_value p[] = {P_INT(sv->id),
                              P_TEXT(sv->cpt),
                              P_TEXT(sv->description),
                              P_INT(sv->fee_cents),
                              P_INT(sv->duration_minutes),
                              P_ID(sv->archived_at)};
    return store_run_change(s, Q_SERVICE_UPDATE, p, NPARAMS(p));
}

int store_series_service_get(struct store *s, int64_t series_id, int64_t *service_id)
{
    *service_id = -1;
    struct store_value p[] = {P_INT(series_id)};
    int rc = store_run(s, Q_SERIES_SERVICE_GET, p, 1, store_first_int, service_id, NULL);
    if (rc == 0 && *service_id < 0) {
        *service_id = 0;
        return -ENOENT;
    }
    return rc;
}

int store_series_service_set(struct store *s, int64_t series_id, int64_t service_id)
{
    struct store_value p[] = {P_INT(series_id), P_ID(service_id)};
    return store_run_change(s, Q_SERIES_SERVICE_SET, p, NPARAMS(p));
}

/* ---- a client's fee terms ---- */

int store_client_fee_set(struct store *s, const struct store_client_fee *f)
{
    struct store_value p[] = {P_INT(f->client_id), P_INT(f->service_id), P_INT(f->fee_cents),
                              P_INT(f->updated_at)};
    return store_run(s, Q_CLIENT_FEE_SET, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_client_fee_remove(struct store *s, int64_t client_id, int64_t service_id)
{
    struct store_value p[] = {P_INT(client_id), P_INT(service_id)};
    return store_run_change(s, Q_CLIENT_FEE_REMOVE, p, NPARAMS(p));
}

static int read_fee(struct rows *r, void *item, const struct store_value *c, int n)
{
    (void)r;
    assert(n == 4);
    struct store_client_fee *f = item;
    f->client_id = col_int(&c[0]);
    f->service_id = col_int(&c[1]);
    f->fee_cents = col_int(&c[2]);
    f->updated_at = col_int(&c[3]);
    return 0;
}

int store_client_fees(struct store *s, struct arena *a, int64_t client_id,
                      struct store_client_fee **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_fee};
    struct store_value p[] = {P_INT(client_id)};
    int rc = store_run_rows(s, Q_CLIENT_FEES, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

static int read_billing(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 6);
    struct store_client_billing *b = item;
    b->client_id = col_int(&c[0]);
    b->scale_kind = col_text(r->a, &c[1]);
    b->scale_value = col_int(&c[2]);
    b->insurance =
        store_col_unseal(r->s, r->a, "client_billing.insurance", b->client_id, &c[3], &r->bad);
    b->diagnoses =
        store_col_unseal(r->s, r->a, "client_billing.diagnoses", b->client_id, &c[4], &r->bad);
    b->updated_at = col_int(&c[5]);
    return 0;
}

int store_client_billing_get(struct store *s, struct arena *a, int64_t client_id,
                             struct store_client_billing *out)
{
    struct store_value p[] = {P_INT(client_id)};
    return store_run_one(s, a, Q_CLIENT_BILLING_GET, p, 1, sizeof *out, read_billing, out);
}

int store_client_billing_put(struct store *s, const struct store_client_billing *b)
{
    assert(b->scale_kind);
    struct buf insurance = {0}, diagnoses = {0};
    store_seal_text(s, "client_billing.insurance", b->client_id, b->insurance, &insurance);
    store_seal_text(s, "client_billing.diagnoses", b->client_id, b->diagnoses, &diagnoses);
    struct store_value p[] = {P_INT(b->client_id), P_TEXT(b->scale_kind), P_INT(b->scale_value),
                              P_BUF(insurance),    P_BUF(diagnoses),      P_INT(b->updated_at)};
    int rc = store_run(s, Q_CLIENT_BILLING_PUT, p, NPARAMS(p), NULL, NULL, NULL);
    buf_free(&insurance);
    buf_free(&diagnoses);
    return rc;
}

/* ---- charges ---- */

int store_charge_insert(struct store *s, const struct store_charge *c, int64_t *id)
{
    assert(c->units >= 1 && c->amount_cents >= 0);
    *id = 0;
    struct store_value p[] = {P_INT(c->client_id),    P_INT(c->occurrence_id),
                              P_INT(c->therapist_id), P_ID(c->service_id),
                              P_TEXT(c->kind),        P_INT(c->service_at),
                              P_TEXT(c->cpt),         P_TEXT(c->description),
                              P_TEXT(c->modifier),    P_TEXT(c->place_of_service),
                              P_INT(c->units),        P_INT(c->amount_cents),
                              P_INT(c->created_at)};
    int rc = store_run(s, Q_CHARGE_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    if (rc == 0 && *id == 0)
        return -EEXIST; /* the (occurrence, client) has its charge */
    return rc;
}

static int read_charge(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 17);
    struct store_charge *ch = item;
    ch->id = col_int(&c[0]);
    ch->client_id = col_int(&c[1]);
    ch->occurrence_id = col_int(&c[2]);
    ch->therapist_id = col_int(&c[3]);
    ch->service_id = col_int(&c[4]);
    ch->kind = col_text(r->a, &c[5]);
    ch->service_at = col_int(&c[6]);
    ch->cpt = col_text(r->a, &c[7]);
    ch->description = col_text(r->a, &c[8]);
    ch->modifier = col_text(r->a, &c[9]);
    ch->place_of_service = col_text(r->a, &c[10]);
    ch->units = (int)col_int(&c[11]);
    ch->amount_cents = col_int(&c[12]);
    ch->created_at = col_int(&c[13]);
    ch->waived_at = col_int(&c[14]);
    ch->waived_by = col_int(&c[15]);
    ch->waived_reason =
        store_col_unseal(r->s, r->a, "charges.waived_reason", ch->id, &c[16], &r->bad);
    return 0;
}

int store_charge_get(struct store *s, struct arena *a, int64_t id, struct store_charge *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_CHARGE_GET, p, 1, sizeof *out, read_charge, out);
}

int store_charge_exists(struct store *s, int64_t occurrence_id, int64_t client_id)
{
    int64_t n = 0;
    struct store_value p[] = {P_INT(occurrence_id), P_INT(client_id)};
    int rc = store_run(s, Q_CHARGE_EXISTS, p, NPARAMS(p), store_first_int, &n, NULL);
    return rc < 0 ? rc : n > 0;
}

static int charge_rows(struct store *s, struct arena *a, enum query q, const struct store_value *p,
                       int n, struct store_charge **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_charge};
    int rc = store_run_rows(s, q, p, n, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_charges_of_client(struct store *s, struct arena *a, int64_t client_id,
                            struct store_charge **out, size_t *count)
{
    struct store_value p[] = {P_INT(client_id)};
    return charge_rows(s, a, Q_CHARGES_OF_CLIENT, p, 1, out, count);
}

int store_charges_between(struct store *s, struct arena *a, int64_t from, int64_t to,
                          int64_t therapist_id, struct store_charge **out, size_t *count)
{
    struct store_value p[] = {P_INT(from), P_INT(to), P_INT(therapist_id)};
    return charge_rows(s, a, Q_CHARGES_BETWEEN, p, NPARAMS(p), out, count);
}

int store_charge_waive(struct store *s, int64_t id, int64_t user_id, const char *reason,
                       int64_t now)
{
    assert(reason && now != 0);
    struct buf box = {0};
    store_seal_text(s, "charges.waived_reason", id, reason, &box);
    struct store_value p[] = {P_INT(id), P_INT(now), P_ID(user_id), P_BUF(box)};
    int rc = store_run_change(s, Q_CHARGE_WAIVE, p, NPARAMS(p));
    buf_free(&box);
    return rc;
}

/* ---- payments ---- */

int store_payment_insert(struct store *s, const struct store_payment *pay, int64_t *id)
{
    assert(pay->amount_cents > 0 && pay->method);
    int64_t row = 0;
    int rc = store_next_id(s, Q_PAYMENT_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf ref = {0};
    store_seal_text(s, "payments.reference", row, pay->reference, &ref);
    struct store_value p[] = {P_INT(row),
                              P_INT(pay->client_id),
                              P_TEXT(pay->method),
                              P_BUF(ref),
                              P_INT(pay->amount_cents),
                              P_INT(pay->received_on),
                              P_INT(pay->recorded_by),
                              P_INT(pay->created_at)};
    *id = 0;
    rc = store_run(s, Q_PAYMENT_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&ref);
    return rc;
}

static int read_payment(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_payment *p = item;
    p->id = col_int(&c[0]);
    p->client_id = col_int(&c[1]);
    p->method = col_text(r->a, &c[2]);
    p->reference = store_col_unseal(r->s, r->a, "payments.reference", p->id, &c[3], &r->bad);
    p->amount_cents = col_int(&c[4]);
    p->received_on = col_int(&c[5]);
    p->recorded_by = col_int(&c[6]);
    p->created_at = col_int(&c[7]);
    return 0;
}

static int payment_rows(struct store *s, struct arena *a, enum query q, const struct store_value *p,
                        int n, struct store_payment **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_payment};
    int rc = store_run_rows(s, q, p, n, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_payments_of_client(struct store *s, struct arena *a, int64_t client_id,
                             struct store_payment **out, size_t *count)
{
    struct store_value p[] = {P_INT(client_id)};
    return payment_rows(s, a, Q_PAYMENTS_OF_CLIENT, p, 1, out, count);
}

int store_payments_between(struct store *s, struct arena *a, int64_t from_day, int64_t to_day,
                           int64_t therapist_id, struct store_payment **out, size_t *count)
{
    struct store_value p[] = {P_INT(from_day), P_INT(to_day), P_INT(therapist_id)};
    return payment_rows(s, a, Q_PAYMENTS_BETWEEN, p, NPARAMS(p), out, count);
}

/* ---- occurrences: who cancelled, which may bring charges ---- */

int store_occurrence_cancelled_by_set(struct store *s, int64_t occurrence_id, const char *by)
{
    assert(by);
    struct store_value p[] = {P_INT(occurrence_id), P_TEXT(by)};
    return store_run_change(s, Q_OCC_CANCELLED_BY_SET, p, NPARAMS(p));
}

struct text_ctx {
    struct arena *a;
    char *text;
};

static int first_text(void *ctx, const struct store_value *cols, int n)
{
    assert(n == 1);
    struct text_ctx *t = ctx;
    t->text = col_text(t->a, &cols[0]);
    return 1;
}

int store_occurrence_cancelled_by_client(struct store *s, int64_t occurrence_id, int *client)
{
    *client = 0;
    struct arena a = {0};
    struct text_ctx t = {&a, NULL};
    struct store_value p[] = {P_INT(occurrence_id)};
    int rc = store_run(s, Q_OCC_CANCELLED_BY_GET, p, 1, first_text, &t, NULL);
    if (rc == 0 && !t.text)
        rc = -ENOENT;
    if (rc == 0)
        *client = t.text[0] == 'c';
    arena_free(&a);
    return rc;
}

int store_occurrences_to_charge(struct store *s, struct arena *a, int64_t now, int64_t since,
                                struct store_occurrence **out, size_t *count)
{
    struct store_value p[] = {P_INT(now), P_INT(since)};
    return store_occurrence_rows(s, a, Q_OCC_TO_CHARGE, p, NPARAMS(p), out, count);
}

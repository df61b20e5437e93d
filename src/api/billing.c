/* Billing's endpoints (docs/BILLING.md): the practice's services (administrators change
 * them), the diagnosis picker, a client's fee terms and insurance details, their charges,
 * waivers and payments, and the accountant's CSV. A client's billing is theirs like any
 * record about them: their practitioner's (api_load_client), audited under client.*. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/calendar.h"
#include "core/limits.h"
#include "practice/charging.h"
#include "practice/codes.h"
#include "practice/fees.h"
#include "practice/ledger.h"
#include "practice/licences.h"
#include "practice/money.h"

#define SERVICE_DESCRIPTION_MAX 200
#define INSURANCE_FIELD_MAX 200
#define DIAGNOSES_MAX 12
#define CLIENT_FEES_MAX 50
#define ICD10_RESULTS_MAX 50
#define EXPORT_DAYS_MAX 3700 /* about ten years */

/* ---- services ---- */

/* The body has a value (not null) for key. */
static int present(struct api_call *call, const char *key)
{
    json_t *v = json_object_get(call->body, key);
    return v && !json_is_null(v);
}

static json_t *service_json(const struct store_service *sv)
{
    return json_pack("{s:I,s:s,s:s,s:I,s:i,s:b}", "id", (json_int_t)sv->id, "cpt", sv->cpt,
                     "description", sv->description, "fee_cents", (json_int_t)sv->fee_cents,
                     "duration_minutes", sv->duration_minutes, "archived", sv->archived_at != 0);
}

void services_list(struct api_call *call)
{
    struct store_service *list;
    size_t n;
    if (store_service_list(call->ctx->store, &call->arena, &list, &n) < 0) {
        api_store_error(call, -EIO, "service");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, service_json(&list[i]));
    api_json(call, 200,
             json_pack("{s:o,s:s}", "services", arr, "currency", call->ctx->cfg->billing_currency));
}

/* The fields of a service in the body onto sv; patch: absent fields keep their value. */
static int read_service(struct api_call *call, struct store_service *sv, int patch)
{
    const char *cpt = NULL, *description = NULL;
    int64_t fee = sv->fee_cents, minutes = sv->duration_minutes;
    int archived = sv->archived_at != 0;
    if (!patch || json_object_get(call->body, "cpt")) {
        if (api_field_string(call, "cpt", 5, 5, &cpt, NULL) == 0 && !cpt_valid(cpt)) {
            api_field_error(call, "invalid_field", "cpt",
                            "Enter the CPT code: exactly five digits, e.g. 90834.");
            cpt = NULL;
        }
    }
    if (!patch || json_object_get(call->body, "description"))
        api_field_string(call, "description", 1, SERVICE_DESCRIPTION_MAX, &description, NULL);
    if (!patch && !present(call, "fee_cents"))
        api_field_missing(call, "fee_cents");
    api_field_int(call, "fee_cents", 0, FEE_MAX_CENTS, fee, &fee);
    if (!patch && !present(call, "duration_minutes"))
        api_field_missing(call, "duration_minutes");
    api_field_int(call, "duration_minutes", 1, FEE_DURATION_MAX_MIN, minutes, &minutes);
    if (patch)
        api_field_bool(call, "archived", archived, &archived);
    if (api_fields_failed(call))
        return -1;
    if (cpt)
        sv->cpt = (char *)cpt;
    if (description)
        sv->description = (char *)description;
    sv->fee_cents = fee;
    sv->duration_minutes = (int)minutes;
    if (!archived)
        sv->archived_at = 0;
    else if (!sv->archived_at)
        sv->archived_at = call->req->now;
    return 0;
}

void services_create(struct api_call *call)
{
    struct store_service sv = {.created_at = call->req->now};
    if (read_service(call, &sv, 0) < 0)
        return;
    int rc = store_service_insert(call->ctx->store, &sv, &sv.id);
    if (rc == 0)
        rc = api_audit(call, "service.create", sv.id);
    if (rc < 0) {
        api_store_error(call, rc, "service");
        return;
    }
    api_json(call, 201, json_pack("{s:o}", "service", service_json(&sv)));
}

void services_update(struct api_call *call)
{
    struct store_service sv;
    int rc = store_service_get(call->ctx->store, &call->arena, call->params[0], &sv);
    if (rc < 0) {
        api_store_error(call, rc, "service");
        return;
    }
    if (!json_object_get(call->body, "cpt") && !json_object_get(call->body, "description") &&
        !json_object_get(call->body, "fee_cents") &&
        !json_object_get(call->body, "duration_minutes") &&
        !json_object_get(call->body, "archived")) {
        api_nothing_to_change(call);
        return;
    }
    if (read_service(call, &sv, 1) < 0)
        return;
    rc = store_service_update(call->ctx->store, &sv);
    if (rc == 0)
        rc = api_audit(call, "service.update", sv.id);
    if (rc < 0) {
        api_store_error(call, rc, "service");
        return;
    }
    api_json(call, 200, json_pack("{s:o}", "service", service_json(&sv)));
}

/* GET /api/v1/codes/icd10?q=: the built-in list's matches, and what q is as a code. */
void icd10_list(struct api_call *call)
{
    char q[101];
    if (api_query_param(call, "q", q, sizeof q) < 0)
        return;
    const struct icd10_entry *found[ICD10_RESULTS_MAX];
    size_t total = icd10_search(q, found, ICD10_RESULTS_MAX);
    size_t n = total < ICD10_RESULTS_MAX ? total : ICD10_RESULTS_MAX;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:s,s:s}", "code", found[i]->code, "title", found[i]->title));
    char code[ICD10_CODE_MAX];
    json_t *typed = icd10_normalise(q, code) == 0 ? json_string(code) : json_null();
    api_json(call, 200,
             json_pack("{s:o,s:I,s:o}", "codes", arr, "total", (json_int_t)total, "typed", typed));
}

/* GET /api/v1/sessions/{id}/service: {session_id, service_id} (0: chosen by rule). */
void session_service_get(struct api_call *call)
{
    struct store *st = call->ctx->store;
    struct store_series se;
    int rc = store_series_get(st, &call->arena, call->params[0], &se);
    if (rc == 0 && !api_may_act_for(call, se.therapist_id))
        rc = -ENOENT;
    int64_t id = 0;
    if (rc == 0)
        rc = store_series_service_get(st, se.id, &id);
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    api_json(call, 200, json_pack("{s:I,s:I}", "session_id", (json_int_t)se.id, "service_id",
                                  (json_int_t)id));
}

/* PUT /api/v1/sessions/{id}/service {"service_id"}: the service a session's charges bill
 * (0 or null: chosen by rule, practice/codes.h cpt_by_rule). Its therapist's to set. */
void session_service_set(struct api_call *call)
{
    struct store *st = call->ctx->store;
    struct store_series se;
    int rc = store_series_get(st, &call->arena, call->params[0], &se);
    if (rc == 0 && !api_may_act_for(call, se.therapist_id))
        rc = -ENOENT;
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    int64_t id;
    if (api_field_int(call, "service_id", 0, INT64_MAX, 0, &id) == 0 && id > 0) {
        struct store_service sv;
        if (store_service_get(st, &call->arena, id, &sv) < 0 || sv.archived_at)
            api_field_error(call, "invalid_field", "service_id",
                            "Choose a service the practice offers from the list.");
    }
    if (api_fields_failed(call))
        return;
    rc = store_series_service_set(st, se.id, id);
    if (rc == 0)
        rc = api_audit(call, "session.service_set", se.id);
    if (rc < 0) {
        api_store_error(call, rc, "session");
        return;
    }
    api_json(call, 200,
             json_pack("{s:I,s:I}", "session_id", (json_int_t)se.id, "service_id", (json_int_t)id));
}

/* ---- a client's fee terms and insurance details ---- */

static const char *const insurance_keys[] = {"payer", "member_id", "group_id", "subscriber",
                                             "relationship"};
#define INSURANCE_KEYS (sizeof insurance_keys / sizeof insurance_keys[0])

static json_t *billing_json(const struct store_client_fee *fees, size_t nfees,
                            const struct store_client_billing *b)
{
    json_t *fee_list = json_array();
    for (size_t i = 0; i < nfees; i++)
        json_array_append_new(fee_list,
                              json_pack("{s:I,s:I}", "service_id", (json_int_t)fees[i].service_id,
                                        "fee_cents", (json_int_t)fees[i].fee_cents));
    json_t *insurance = b && b->insurance ? json_loads(b->insurance, 0, NULL) : NULL;
    json_t *diagnoses = b && b->diagnoses ? json_loads(b->diagnoses, 0, NULL) : NULL;
    if (!insurance)
        insurance = json_object();
    for (size_t k = 0; k < INSURANCE_KEYS; k++)
        if (!json_is_string(json_object_get(insurance, insurance_keys[k])))
            json_object_set_new(insurance, insurance_keys[k], json_string(""));
    if (!json_is_array(diagnoses)) {
        json_decref(diagnoses);
        diagnoses = json_array();
    }
    json_t *codes = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(diagnoses, i, d)
    {
        const struct icd10_entry *e = icd10_lookup(json_string_value(d));
        json_array_append_new(codes, json_pack("{s:O,s:s}", "code", d, "title", e ? e->title : ""));
    }
    json_t *out = json_pack("{s:{s:s,s:I},s:o,s:o,s:o,s:o}", "scale", "kind",
                            b && b->scale_kind ? b->scale_kind : "none", "value",
                            (json_int_t)(b ? b->scale_value : 0), "fees", fee_list, "insurance",
                            insurance, "diagnoses", diagnoses, "diagnosis_titles", codes);
    return out;
}

static int load_billing(struct api_call *call, int64_t client_id, struct store_client_fee **fees,
                        size_t *nfees, struct store_client_billing *b, int *have)
{
    struct store *st = call->ctx->store;
    int rc = store_client_fees(st, &call->arena, client_id, fees, nfees);
    *have = 0;
    if (rc == 0) {
        rc = store_client_billing_get(st, &call->arena, client_id, b);
        *have = rc == 0;
        if (rc == -ENOENT)
            rc = 0;
    }
    return rc;
}

void client_billing_get(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    struct store_client_fee *fees;
    size_t nfees;
    struct store_client_billing b;
    int have;
    int rc = load_billing(call, c.id, &fees, &nfees, &b, &have);
    if (rc == 0)
        rc = api_audit(call, "client.billing_read", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    json_t *out = billing_json(fees, nfees, have ? &b : NULL);
    json_object_set_new(out, "currency", json_string(call->ctx->cfg->billing_currency));
    api_json(call, 200, out);
}

/* The scale in the body (absent: kept). */
static void read_scale(struct api_call *call, struct store_client_billing *b)
{
    json_t *scale = json_object_get(call->body, "scale");
    if (!scale || json_is_null(scale))
        return;
    json_t *kind = json_object_get(scale, "kind");
    json_t *value = json_object_get(scale, "value");
    const char *k = json_string_value(kind);
    if (!json_is_object(scale) || !k ||
        (strcmp(k, "none") != 0 && strcmp(k, "percent") != 0 && strcmp(k, "fixed") != 0)) {
        api_field_error(call, "invalid_field", "scale",
                        "Choose no sliding scale, a percentage of the fee, or a fixed amount.");
        return;
    }
    int64_t v = json_is_integer(value) ? json_integer_value(value) : -1;
    if (strcmp(k, "none") == 0)
        v = 0;
    else if (strcmp(k, "percent") == 0 && (v < 0 || v > 100)) {
        api_field_error(call, "invalid_field", "scale",
                        "Enter the percentage of the fee the client pays: a whole number from 0 "
                        "to 100.");
        return;
    } else if (strcmp(k, "fixed") == 0 && (v < 0 || v > FEE_MAX_CENTS)) {
        api_field_error(call, "invalid_field", "scale",
                        "Enter the amount the client pays, 0 or more.");
        return;
    }
    b->scale_kind = (char *)k;
    b->scale_value = v;
}

/* The fees in the body (absent: NULL, kept); *n their count. */
static struct store_client_fee *read_fees(struct api_call *call, int64_t client_id, size_t *n)
{
    *n = 0;
    json_t *fees = json_object_get(call->body, "fees");
    if (!fees || json_is_null(fees))
        return NULL;
    if (!json_is_array(fees) || json_array_size(fees) > CLIENT_FEES_MAX) {
        api_field_error(call, "invalid_field", "fees",
                        "Give the client's own fees as a list of services and amounts.");
        return NULL;
    }
    struct store_client_fee *out =
        arena_alloc(&call->arena, (json_array_size(fees) + 1) * sizeof *out);
    size_t i;
    json_t *f;
    json_array_foreach(fees, i, f)
    {
        json_t *sid = json_object_get(f, "service_id");
        json_t *cents = json_object_get(f, "fee_cents");
        int64_t id = json_is_integer(sid) ? json_integer_value(sid) : -1;
        int64_t fee = json_is_integer(cents) ? json_integer_value(cents) : -1;
        struct store_service sv;
        int known = id == FEE_ALL_SERVICES;
        if (id > 0)
            known = store_service_get(call->ctx->store, &call->arena, id, &sv) == 0;
        if (!known) {
            api_field_error(call, "invalid_field", "fees",
                            "Choose each fee's service from the list.");
            return NULL;
        }
        if (fee < 0 || fee > FEE_MAX_CENTS) {
            api_field_error(call, "invalid_field", "fees",
                            "Enter each fee as an amount of 0 or more.");
            return NULL;
        }
        for (size_t k = 0; k < *n; k++)
            if (out[k].service_id == id) {
                api_field_error(call, "invalid_field", "fees",
                                "Give the client one fee for each service at most.");
                return NULL;
            }
        out[(*n)++] = (struct store_client_fee){client_id, id, fee, call->req->now};
    }
    return out;
}

/* The insurance details in the body as JSON text (absent: kept; null: none). */
static void read_insurance(struct api_call *call, struct store_client_billing *b)
{
    json_t *ins = json_object_get(call->body, "insurance");
    if (!ins)
        return;
    if (json_is_null(ins)) {
        b->insurance = NULL;
        return;
    }
    if (!json_is_object(ins)) {
        api_field_error(call, "invalid_field", "insurance",
                        "Give the insurance details: payer, member id, group id, subscriber "
                        "and relationship.");
        return;
    }
    json_t *clean = json_object();
    int any = 0;
    for (size_t k = 0; k < INSURANCE_KEYS; k++) {
        json_t *v = json_object_get(ins, insurance_keys[k]);
        const char *text = json_is_string(v)       ? json_string_value(v)
                           : v && !json_is_null(v) ? NULL
                                                   : "";
        if (!text || (text[0] && !text_length_ok(text, 1, INSURANCE_FIELD_MAX))) {
            char message[160];
            snprintf(message, sizeof message,
                     "Each insurance detail is text of at most %d characters.",
                     INSURANCE_FIELD_MAX);
            api_field_error(call, "invalid_field", "insurance", message);
            json_decref(clean);
            return;
        }
        any |= text[0] != '\0';
        json_object_set_new(clean, insurance_keys[k], json_string(text));
    }
    char *text = any ? json_dumps(clean, JSON_COMPACT) : NULL;
    json_decref(clean);
    b->insurance = text ? arena_strdup(&call->arena, text) : NULL;
    free(text);
}

/* The diagnosis codes in the body, normalised, as JSON text (absent: kept). */
static void read_diagnoses(struct api_call *call, struct store_client_billing *b)
{
    json_t *list = json_object_get(call->body, "diagnoses");
    if (!list)
        return;
    if (json_is_null(list)) {
        b->diagnoses = NULL;
        return;
    }
    if (!json_is_array(list) || json_array_size(list) > DIAGNOSES_MAX) {
        api_field_error(call, "invalid_field", "diagnoses",
                        "Give at most " LIMIT_TEXT(DIAGNOSES_MAX) " diagnosis codes.");
        return;
    }
    json_t *clean = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d)
    {
        char code[ICD10_CODE_MAX];
        if (!json_is_string(d) || icd10_normalise(json_string_value(d), code) < 0) {
            char message[200];
            snprintf(message, sizeof message,
                     "\"%.20s\" is not an ICD-10-CM code: a letter, a digit, a letter or digit, "
                     "then optionally a dot and up to four more, e.g. F43.10.",
                     json_is_string(d) ? json_string_value(d) : "");
            api_field_error(call, "invalid_field", "diagnoses", message);
            json_decref(clean);
            return;
        }
        size_t k;
        json_t *seen;
        int dup = 0;
        json_array_foreach(clean, k, seen) dup |= strcmp(json_string_value(seen), code) == 0;
        if (!dup)
            json_array_append_new(clean, json_string(code));
    }
    char *text = json_array_size(clean) ? json_dumps(clean, JSON_COMPACT) : NULL;
    json_decref(clean);
    b->diagnoses = text ? arena_strdup(&call->arena, text) : NULL;
    free(text);
}

void client_billing_put(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    struct store_client_fee *old_fees;
    size_t n_old;
    struct store_client_billing b;
    int have;
    int rc = load_billing(call, c.id, &old_fees, &n_old, &b, &have);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    if (!have)
        b = (struct store_client_billing){.client_id = c.id, .scale_kind = "none"};
    read_scale(call, &b);
    size_t n_new;
    struct store_client_fee *new_fees = read_fees(call, c.id, &n_new);
    read_insurance(call, &b);
    read_diagnoses(call, &b);
    if (api_fields_failed(call))
        return;
    struct fee_terms terms;
    if (charging_terms(&call->arena, new_fees ? new_fees : old_fees, new_fees ? n_new : n_old, &b,
                       &terms) < 0) {
        api_field_error(call, "invalid_field", "scale", "These fee terms are out of range.");
        api_fields_failed(call);
        return;
    }
    struct store *st = call->ctx->store;
    b.client_id = c.id;
    b.updated_at = call->req->now;
    rc = store_client_billing_put(st, &b);
    if (new_fees) {
        for (size_t i = 0; rc == 0 && i < n_old; i++) {
            int kept = 0;
            for (size_t k = 0; k < n_new; k++)
                kept |= new_fees[k].service_id == old_fees[i].service_id;
            if (!kept)
                rc = store_client_fee_remove(st, c.id, old_fees[i].service_id);
        }
        for (size_t k = 0; rc == 0 && k < n_new; k++)
            rc = store_client_fee_set(st, &new_fees[k]);
    }
    if (rc == 0)
        rc = api_audit(call, "client.billing_update", c.id);
    struct store_client_fee *fees = NULL;
    size_t nfees = 0;
    if (rc == 0)
        rc = load_billing(call, c.id, &fees, &nfees, &b, &have);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    json_t *out = billing_json(fees, nfees, &b);
    json_object_set_new(out, "currency", json_string(call->ctx->cfg->billing_currency));
    api_json(call, 200, out);
}

/* ---- charges, payments and the balance ---- */

static void day_text(int64_t day, char out[CIVIL_DATE_LEN])
{
    civil_date_format((int32_t)day, out);
}

static json_t *charge_json(const struct charging_account *acct, size_t i, const char *time_zone)
{
    const struct store_charge *c = &acct->charges[i];
    char day[CIVIL_DATE_LEN];
    day_text(charging_client_day(c->service_at, time_zone), day);
    json_t *j = json_pack(
        "{s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:I,s:s}", "id", (json_int_t)c->id,
        "occurrence_id", (json_int_t)c->occurrence_id, "service_at", (json_int_t)c->service_at,
        "service_date", day, "kind", c->kind, "cpt", c->cpt, "description", c->description,
        "modifier", c->modifier, "place_of_service", c->place_of_service, "units", c->units,
        "amount_cents", (json_int_t)c->amount_cents, "paid_cents",
        (json_int_t)acct->ledger[i].paid_cents, "state", ledger_state_name(acct->state[i]));
    if (c->waived_at)
        json_object_set_new(j, "waived_reason",
                            json_string(c->waived_reason ? c->waived_reason : ""));
    return j;
}

static json_t *payment_json(const struct charging_account *acct, size_t j)
{
    const struct store_payment *p = &acct->payments[j];
    char day[CIVIL_DATE_LEN];
    day_text(p->received_on, day);
    return json_pack("{s:I,s:s,s:I,s:s,s:s,s:I}", "id", (json_int_t)p->id, "method", p->method,
                     "amount_cents", (json_int_t)p->amount_cents, "received_on", day, "reference",
                     p->reference ? p->reference : "", "allocated_cents",
                     (json_int_t)acct->payment_ledger[j].allocated_cents);
}

static json_t *account_json(const struct charging_account *acct, const char *currency,
                            const char *time_zone)
{
    json_t *charges = json_array(), *payments = json_array();
    for (size_t i = 0; i < acct->n_charges; i++)
        json_array_append_new(charges, charge_json(acct, i, time_zone));
    for (size_t j = 0; j < acct->n_payments; j++)
        json_array_append_new(payments, payment_json(acct, j));
    const struct ledger_balance *b = &acct->balance;
    return json_pack("{s:o,s:o,s:{s:I,s:I,s:I,s:I,s:I,s:I},s:s}", "charges", charges, "payments",
                     payments, "balance", "charged", (json_int_t)b->charged, "paid",
                     (json_int_t)b->paid, "waived", (json_int_t)b->waived, "balance",
                     (json_int_t)b->balance, "owed", (json_int_t)b->owed, "credit",
                     (json_int_t)b->credit, "currency", currency);
}

/* The client's account; dates of service in their time zone. */
static void answer_account(struct api_call *call, int status, const struct store_client *c)
{
    struct charging_account acct;
    int rc = charging_account(call->ctx->store, &call->arena, c->id, &acct);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    api_json(call, status, account_json(&acct, call->ctx->cfg->billing_currency, c->time_zone));
}

void client_charges_list(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    if (api_audit(call, "client.charges_read", c.id) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    answer_account(call, 200, &c);
}

void charge_waive(struct api_call *call)
{
    struct store *st = call->ctx->store;
    struct store_charge ch;
    struct store_client c;
    int rc = store_charge_get(st, &call->arena, call->params[0], &ch);
    if (rc < 0) {
        api_store_error(call, rc, "charge");
        return;
    }
    if (api_load_client(call, ch.client_id, &c) < 0)
        return;
    const char *reason;
    if (api_field_string(call, "reason", 1, LEDGER_REASON_MAX, &reason, NULL) < 0) {
        api_fields_failed(call);
        return;
    }
    struct charging_account acct;
    rc = charging_account(st, &call->arena, c.id, &acct);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    long i = charging_account_find(&acct, ch.id);
    if (i < 0 || ledger_waive(&acct.ledger[i], reason) < 0) {
        api_error(call, 409, "not_open",
                  "Only an open charge can be waived: not one with anything paid on it, and not "
                  "one waived already.");
        return;
    }
    rc = store_charge_waive(st, ch.id, call->user.id, reason, call->req->now);
    if (rc == 0)
        rc = api_audit(call, "client.charge_waive", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "charge");
        return;
    }
    answer_account(call, 200, &c);
}

void client_payment_add(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    const char *method, *received, *reference;
    int64_t amount;
    int32_t day = 0;
    if (api_field_string(call, "method", 1, 32, &method, NULL) == 0 &&
        ledger_method_parse(method) < 0)
        api_field_error(call, "invalid_field", "method",
                        "Choose how it was paid: cash, cheque, card terminal, bank transfer or "
                        "insurance.");
    if (!present(call, "amount_cents"))
        api_field_missing(call, "amount_cents");
    api_field_int(call, "amount_cents", 1, FEE_MAX_CENTS, 0, &amount);
    if (api_field_string(call, "received_on", 10, 10, &received, NULL) == 0 &&
        civil_date_parse(received, &day) < 0)
        api_field_error(call, "invalid_field", "received_on",
                        "Enter the day it was received as YYYY-MM-DD.");
    else if (received && day > calendar_floor_div(call->req->now, CHARGING_DAY_MS) + 1)
        api_field_error(call, "invalid_field", "received_on",
                        "A payment cannot be received on a day still to come.");
    api_field_optional_string(call, "reference", 0, LEDGER_REFERENCE_MAX, &reference);
    if (api_fields_failed(call))
        return;
    struct store_payment p = {.client_id = c.id,
                              .method = (char *)method,
                              .reference = reference && reference[0] ? (char *)reference : NULL,
                              .amount_cents = amount,
                              .received_on = day,
                              .recorded_by = call->user.id,
                              .created_at = call->req->now};
    int rc = store_payment_insert(call->ctx->store, &p, &p.id);
    if (rc == 0)
        rc = api_audit(call, "client.payment_add", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    answer_account(call, 201, &c);
}

/* ---- the accountant's CSV ---- */

/* One CSV cell (RFC 4180): a cell a spreadsheet would read as a formula (=, +, -, @, a tab
 * or a carriage return first) gets a ' before it; a cell with a comma, a quote or a line
 * break is quoted, its quotes doubled. */
static void csv_cell(struct buf *out, const char *text, int last)
{
    if (!text)
        text = "";
    int formula = strchr("=+-@\t\r", text[0]) != NULL && text[0] != '\0';
    int quote = formula || strpbrk(text, ",\"\r\n") != NULL;
    if (quote)
        buf_append(out, "\"", 1);
    if (formula)
        buf_append(out, "'", 1);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            buf_append(out, "\"\"", 2);
        else
            buf_append(out, p, 1);
    }
    if (quote)
        buf_append(out, "\"", 1);
    buf_append(out, last ? "\r\n" : ",", last ? 2 : 1);
}

static void csv_row(struct buf *out, const char *const cells[9])
{
    for (int i = 0; i < 9; i++)
        csv_cell(out, cells[i], i == 8);
}

struct export_client {
    int64_t id;
    const char *name;
    struct charging_account acct;
    int have_acct;
};

static struct export_client *export_client(struct api_call *call, struct export_client *list,
                                           size_t *n, size_t cap, int64_t id)
{
    for (size_t i = 0; i < *n; i++)
        if (list[i].id == id)
            return &list[i];
    if (*n == cap)
        return NULL;
    struct export_client *x = &list[(*n)++];
    x->id = id;
    struct store_client c;
    if (store_client_get(call->ctx->store, &call->arena, id, &c) == 0)
        x->name = c.name;
    else {
        char *name = arena_alloc(&call->arena, 40);
        snprintf(name, 40, "client %lld", (long long)id);
        x->name = name;
    }
    x->have_acct = charging_account(call->ctx->store, &call->arena, id, &x->acct) == 0;
    return x;
}

void billing_export(struct api_call *call)
{
    int32_t from = 0, to = 0;
    if (api_query_days(call, EXPORT_DAYS_MAX, "at most ten years later", &from, &to) < 0)
        return;
    int64_t therapist = call->user.role == STORE_ROLE_ADMIN ? 0 : call->user.id;
    struct store *st = call->ctx->store;
    struct store_charge *charges;
    struct store_payment *payments;
    size_t nc, np;
    int rc = store_charges_between(st, &call->arena, (int64_t)from * CHARGING_DAY_MS,
                                   ((int64_t)to + 1) * CHARGING_DAY_MS, therapist, &charges, &nc);
    if (rc == 0)
        rc = store_payments_between(st, &call->arena, from, to, therapist, &payments, &np);
    if (rc == 0)
        rc = api_audit(call, "billing.export", 0);
    if (rc < 0) {
        api_store_error(call, rc, "billing");
        return;
    }
    size_t cap = nc + np + 1, nclients = 0;
    struct export_client *clients = arena_alloc(&call->arena, cap * sizeof *clients);
    struct api_response *resp = call->resp;
    buf_reset(&resp->body);
    const char *head[9] = {"date",
                           "type",
                           "client",
                           "service_or_method",
                           "cpt",
                           "modifier",
                           "place_of_service",
                           "amount",
                           "reference_or_state"};
    csv_row(&resp->body, head);
    size_t i = 0, j = 0;
    while (i < nc || j < np) {
        int64_t charge_day =
            i < nc ? calendar_floor_div(charges[i].service_at, CHARGING_DAY_MS) : INT64_MAX;
        int64_t payment_day = j < np ? payments[j].received_on : INT64_MAX;
        char day[CIVIL_DATE_LEN], amount[MONEY_TEXT_MAX];
        if (charge_day <= payment_day) {
            const struct store_charge *c = &charges[i++];
            struct export_client *x = export_client(call, clients, &nclients, cap, c->client_id);
            const char *state = c->waived_at ? "waived" : "";
            if (x && x->have_acct) {
                long k = charging_account_find(&x->acct, c->id);
                if (k >= 0)
                    state = ledger_state_name(x->acct.state[k]);
            }
            day_text(charge_day, day);
            money_plain(c->amount_cents, amount);
            char type[32];
            snprintf(type, sizeof type, "charge (%s)", c->kind);
            const char *row[9] = {day,    type,        x ? x->name : "",    c->description,
                                  c->cpt, c->modifier, c->place_of_service, amount,
                                  state};
            csv_row(&resp->body, row);
        } else {
            const struct store_payment *p = &payments[j++];
            struct export_client *x = export_client(call, clients, &nclients, cap, p->client_id);
            day_text(payment_day, day);
            money_plain(p->amount_cents, amount);
            const char *row[9] = {day,       "payment", x ? x->name : "",
                                  p->method, "",        "",
                                  "",        amount,    p->reference ? p->reference : ""};
            csv_row(&resp->body, row);
        }
    }
    resp->status = 200;
    resp->content_type = "text/csv; charset=utf-8";
    char from_text[CIVIL_DATE_LEN], to_text[CIVIL_DATE_LEN];
    civil_date_format(from, from_text);
    civil_date_format(to, to_text);
    api_add_header(resp,
                   "content-disposition:", "attachment; filename=\"confide-billing-%s-to-%s.csv\"",
                   from_text, to_text);
}

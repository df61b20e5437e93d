/* A client's superbill for a period and monthly statement (practice/billing_doc.h), filled
 * from storage and served as a printable page or as a PDF made here:
 *   GET /api/v1/clients/{id}/superbill?from=YYYY-MM-DD&to=YYYY-MM-DD
 *   GET /api/v1/clients/{id}/statement?month=YYYY-MM
 * The form is the Accept header's (application/pdf or text/html), or format=pdf|html, which
 * a link can carry where it cannot set a header. Dates of service are in the client's own
 * time zone, as every date the client is shown. PDFs are drawn on the offload thread, one
 * at a time. */
#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/calendar.h"
#include "practice/billing_doc.h"
#include "practice/charging.h"
#include "practice/codes.h"
#include "practice/jurisdictions.h"
#include "practice/licence_check.h"
#include "practice/licences.h"

/* A superbill is for a month, a quarter, a year: its last day at most this many after its
 * first. */
#define DOC_SPAN_MAX_DAYS 365

enum doc_form { DOC_HTML, DOC_PDF };

/* Which form the caller asked for; -1 when answered (a bad format). */
static int doc_form(struct api_call *call, enum doc_form *form)
{
    char format[8] = "";
    if (api_query_param(call, "format", format, sizeof format) < 0)
        return -1;
    if (strcmp(format, "pdf") == 0 || strcmp(format, "html") == 0) {
        *form = format[0] == 'p' ? DOC_PDF : DOC_HTML;
        return 0;
    }
    if (format[0]) {
        api_error(call, 400, "invalid_field", "format is pdf or html.");
        return -1;
    }
    /* application/pdf named before text/html (or alone) asks for the PDF */
    const char *accept = call->req->accept;
    const char *pdf = accept ? strstr(accept, "application/pdf") : NULL;
    const char *html = accept ? strstr(accept, "text/html") : NULL;
    *form = pdf && (!html || pdf < html) ? DOC_PDF : DOC_HTML;
    return 0;
}

static char *day_text(struct arena *a, int32_t day)
{
    char *out = arena_alloc(a, CIVIL_DATE_LEN);
    civil_date_format(day, out);
    return out;
}

static const char *json_text(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* The insurance and diagnoses of the client, when any were written. */
static int fill_insurance(struct api_call *call, int64_t client_id, struct billing_doc *d)
{
    struct store_client_billing b;
    int rc = store_client_billing_get(call->ctx->store, &call->arena, client_id, &b);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0)
        return rc;
    json_t *ins = b.insurance ? json_loads(b.insurance, 0, NULL) : NULL;
    if (json_is_object(ins)) {
        d->insurance.payer = arena_strdup(&call->arena, json_text(ins, "payer"));
        d->insurance.member_id = arena_strdup(&call->arena, json_text(ins, "member_id"));
        d->insurance.group_id = arena_strdup(&call->arena, json_text(ins, "group_id"));
        d->insurance.subscriber = arena_strdup(&call->arena, json_text(ins, "subscriber"));
        d->insurance.relationship = arena_strdup(&call->arena, json_text(ins, "relationship"));
    }
    json_decref(ins);
    json_t *codes = b.diagnoses ? json_loads(b.diagnoses, 0, NULL) : NULL;
    size_t n = json_is_array(codes) ? json_array_size(codes) : 0;
    if (n > BILLING_DOC_DIAGNOSES_MAX)
        n = BILLING_DOC_DIAGNOSES_MAX;
    struct billing_diagnosis *dx = arena_alloc(&call->arena, (n ? n : 1) * sizeof *dx);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const char *code = json_string_value(json_array_get(codes, i));
        if (!code)
            continue;
        const struct icd10_entry *known = icd10_lookup(code);
        dx[kept++] = (struct billing_diagnosis){arena_strdup(&call->arena, code),
                                                known ? known->title : ""};
    }
    json_decref(codes);
    d->diagnoses = dx;
    d->n_diagnoses = kept;
    return 0;
}

/* The practice's, the practitioner's and the client's parts of the document. */
static int fill_parties(struct api_call *call, const struct store_client *c, struct billing_doc *d)
{
    const struct config *cfg = call->ctx->cfg;
    d->currency = cfg->billing_currency;
    d->practice.name = cfg->practice_name;
    d->practice.address = cfg->practice_address;
    d->practice.npi = cfg->practice_npi;
    d->practice.tax_id = cfg->practice_tax_id;
    d->practice.pay_online_url = cfg->pay_online_url;
    d->client.name = c->name;
    d->client.email = c->email;
    d->generated = day_text(&call->arena, charging_client_day(call->req->now, c->time_zone));

    struct store_user u;
    int rc = store_user_by_id(call->ctx->store, &call->arena, c->therapist_id, &u);
    if (rc < 0)
        return rc;
    d->practitioner.name = u.name;
    struct store_licence *held;
    size_t n;
    rc = store_licence_list_user(call->ctx->store, &call->arena, c->therapist_id, &held, &n);
    if (rc < 0)
        return rc;
    if (n > BILLING_DOC_LICENCES_MAX)
        n = BILLING_DOC_LICENCES_MAX;
    struct billing_licence *lic = arena_alloc(&call->arena, (n ? n : 1) * sizeof *lic);
    for (size_t i = 0; i < n; i++) {
        const struct jurisdiction *j = jurisdiction_find(held[i].jurisdiction);
        lic[i] = (struct billing_licence){held[i].kind, held[i].number,
                                          j ? j->name : held[i].jurisdiction};
    }
    d->practitioner.licences = lic;
    d->practitioner.n_licences = n;
    return fill_insurance(call, c->id, d);
}

static enum billing_line_kind line_kind(const char *kind)
{
    if (strcmp(kind, "no_show") == 0)
        return BILLING_LINE_NO_SHOW;
    if (strcmp(kind, "late_cancel") == 0)
        return BILLING_LINE_LATE_CANCEL;
    return BILLING_LINE_SESSION;
}

/* The account's charges dated from..to as lines, and for a statement what was owed before
 * from and the payments received from..to. */
static void fill_account(struct api_call *call, const struct charging_account *acct,
                         const char *time_zone, int32_t from, int32_t to, struct billing_doc *d)
{
    struct billing_line *lines =
        arena_alloc(&call->arena, (acct->n_charges ? acct->n_charges : 1) * sizeof *lines);
    size_t n = 0;
    int64_t forward = 0;
    for (size_t i = 0; i < acct->n_charges; i++) {
        const struct store_charge *c = &acct->charges[i];
        int32_t day = charging_client_day(c->service_at, time_zone);
        if (day < from) {
            forward += c->waived_at ? 0 : c->amount_cents;
            continue;
        }
        if (day > to)
            continue;
        enum billing_line_kind kind = line_kind(c->kind);
        int session = kind == BILLING_LINE_SESSION;
        assert(c->units >= 1);
        lines[n++] = (struct billing_line){
            .kind = kind,
            .date = day_text(&call->arena, day),
            .cpt = session ? c->cpt : "",
            .description = session ? c->description : "",
            .modifier = session ? c->modifier : "",
            .place_of_service = session ? c->place_of_service : "",
            .pointers = "",
            .units = c->units,
            .fee_cents = c->amount_cents / c->units,
            .paid_cents = acct->ledger[i].paid_cents,
            .waived = c->waived_at != 0,
        };
    }
    d->lines = lines;
    d->n_lines = n;
    if (d->kind != BILLING_STATEMENT)
        return;
    struct billing_payment *pays =
        arena_alloc(&call->arena, (acct->n_payments ? acct->n_payments : 1) * sizeof *pays);
    size_t np = 0;
    for (size_t j = 0; j < acct->n_payments; j++) {
        const struct store_payment *p = &acct->payments[j];
        if (p->received_on < from) {
            forward -= p->amount_cents;
            continue;
        }
        if (p->received_on > to)
            continue;
        int method = ledger_method_parse(p->method);
        pays[np++] = (struct billing_payment){
            .date = day_text(&call->arena, (int32_t)p->received_on),
            .method = method < 0 ? LEDGER_CASH : (enum ledger_method)method,
            .reference = p->reference ? p->reference : "",
            .amount_cents = p->amount_cents,
        };
    }
    d->payments = pays;
    d->n_payments = np;
    d->forward_cents = forward;
}

static void answer_document(struct api_call *call, const struct store_client *c,
                            struct billing_doc *d, int32_t from, int32_t to, enum doc_form form,
                            const char *action)
{
    d->from = day_text(&call->arena, from);
    d->to = day_text(&call->arena, to);
    struct charging_account acct;
    int rc = fill_parties(call, c, d);
    if (rc == 0)
        rc = charging_account(call->ctx->store, &call->arena, c->id, &acct);
    if (rc == 0)
        rc = api_audit(call, action, c->id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    fill_account(call, &acct, c->time_zone, from, to, d);
    struct api_response *resp = call->resp;
    buf_reset(&resp->body);
    rc = form == DOC_PDF ? billing_doc_pdf(d, &resp->body) : billing_doc_html(d, &resp->body);
    if (rc < 0) {
        /* what storage holds broke the document's rules (a setting, a name too long) */
        api_error(call, 422, "document_unavailable",
                  "This document cannot be made from what is recorded; check the practice's "
                  "billing settings and the client's details.");
        return;
    }
    resp->status = 200;
    resp->content_type = form == DOC_PDF ? "application/pdf" : "text/html; charset=utf-8";
    resp->cache_control = "no-store";
    /* the page is whole in itself (it can be saved and printed as it is): its one inline
     * style may apply; nothing may load or run */
    resp->content_security_policy = "default-src 'none'; style-src 'unsafe-inline'; "
                                    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
    api_add_header(resp, "content-disposition:", "%s; filename=\"%s-%s-to-%s.%s\"",
                   form == DOC_PDF ? "attachment" : "inline",
                   d->kind == BILLING_SUPERBILL ? "superbill" : "statement", d->from, d->to,
                   form == DOC_PDF ? "pdf" : "html");
}

void client_superbill(struct api_call *call)
{
    enum doc_form form;
    if (doc_form(call, &form) < 0)
        return;
    int32_t from = 0, to = 0;
    if (api_query_days(call, DOC_SPAN_MAX_DAYS, "at most a year later", &from, &to) < 0)
        return;
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    struct billing_doc d = {.kind = BILLING_SUPERBILL};
    answer_document(call, &c, &d, from, to, form, "client.superbill");
}

void client_statement(struct api_call *call)
{
    enum doc_form form;
    if (doc_form(call, &form) < 0)
        return;
    char month[16] = "";
    if (api_query_param(call, "month", month, sizeof month) < 0)
        return;
    int year = 0, mon = 0;
    char rest;
    int32_t from = 0, to = 0;
    if (strlen(month) != 7 || sscanf(month, "%4d-%2d%c", &year, &mon, &rest) != 2 ||
        civil_date_make(year, mon, 1, &from) < 0 ||
        civil_date_make(year, mon, calendar_days_in_month(year, mon), &to) < 0) {
        api_field_error(call, "invalid_field", "month", "Enter the month as YYYY-MM.");
        api_fields_failed(call);
        return;
    }
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    struct billing_doc d = {.kind = BILLING_STATEMENT};
    answer_document(call, &c, &d, from, to, form, "client.statement");
}

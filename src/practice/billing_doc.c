/* billing_doc: the model's rules and totals, and the HTML page (billing_doc.h). The PDF is
 * drawn in billing_pdf.c from the same checks, words and totals. */
#include "practice/billing_doc.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/html.h"
#include "core/limits.h"
#include "core/xalloc.h"
#include "practice/codes.h"
#include "practice/fees.h"
#include "practice/licences.h"
#include "practice/money.h"

#define DAY_MS ((int64_t)24 * 60 * 60 * 1000)

static const char *const method_words[] = {
    [LEDGER_CASH] = "Cash",
    [LEDGER_CHEQUE] = "Cheque",
    [LEDGER_CARD_TERMINAL] = "Card terminal",
    [LEDGER_BANK_TRANSFER] = "Bank transfer",
    [LEDGER_INSURANCE] = "Insurance payment",
};

const char *billing_doc_title(enum billing_doc_kind kind)
{
    assert(kind == BILLING_SUPERBILL || kind == BILLING_STATEMENT);
    return kind == BILLING_SUPERBILL ? "Superbill" : "Statement";
}

const char *billing_method_words(enum ledger_method m)
{
    assert((unsigned)m < LEDGER_METHODS);
    return method_words[m];
}

const char *billing_line_service(const struct billing_line *l)
{
    switch (l->kind) {
    case BILLING_LINE_NO_SHOW:
        return "No-show fee";
    case BILLING_LINE_LATE_CANCEL:
        return "Late-cancellation fee";
    case BILLING_LINE_SESSION:
        break;
    }
    if (l->description && l->description[0])
        return l->description;
    const struct cpt_service *seed = cpt_seed_lookup(l->cpt);
    return seed ? seed->description : "";
}

static bool given(const char *s)
{
    return s && s[0];
}

void billing_line_pointers(const struct billing_doc *d, const struct billing_line *l,
                           char out[BILLING_POINTERS_TEXT])
{
    char letters[BILLING_DOC_POINTERS_MAX + 1] = "";
    if (l->kind == BILLING_LINE_SESSION) {
        if (given(l->pointers)) {
            assert(strlen(l->pointers) <= BILLING_DOC_POINTERS_MAX);
            strcpy(letters, l->pointers);
        } else {
            size_t n = d->n_diagnoses < BILLING_DOC_POINTERS_MAX ? d->n_diagnoses
                                                                 : BILLING_DOC_POINTERS_MAX;
            for (size_t i = 0; i < n; i++)
                letters[i] = (char)('A' + i);
            letters[n] = '\0';
        }
    }
    char *p = out;
    for (const char *c = letters; *c; c++) {
        if (c != letters) {
            *p++ = ',';
            *p++ = ' ';
        }
        *p++ = *c;
    }
    *p = '\0';
    assert((size_t)(p - out) < BILLING_POINTERS_TEXT);
}

/* ---- the model's rules ---- */

static bool text_ok(const char *s)
{
    return !s || text_length_ok(s, 0, BILLING_DOC_TEXT_MAX);
}

static bool required(const char *s)
{
    return given(s) && text_ok(s);
}

static bool date_ok(const char *s, int32_t *day)
{
    return s && civil_date_parse(s, day) == 0;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return s[n] == '\0';
}

static bool modifier_ok(const char *s)
{
    if (!given(s))
        return true;
    for (size_t i = 0; i < 2; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    return s[2] == '\0';
}

static bool pointers_ok(const char *s, size_t n_diagnoses)
{
    if (!given(s))
        return true;
    size_t len = strlen(s);
    if (len > BILLING_DOC_POINTERS_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 'A' || (size_t)(s[i] - 'A') >= n_diagnoses)
            return false;
        if (memchr(s, s[i], i))
            return false; /* twice */
    }
    return true;
}

static bool in_period(const char *date, int32_t from, int32_t to, int32_t *day)
{
    return date_ok(date, day) && *day >= from && *day <= to;
}

static bool parties_ok(const struct billing_doc *d)
{
    const char *texts[] = {
        d->practice.address,     d->practice.npi,           d->practice.tax_id,
        d->practitioner.npi,     d->client.address,         d->client.email,
        d->insurance.payer,      d->insurance.member_id,    d->insurance.group_id,
        d->insurance.subscriber, d->insurance.relationship,
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (!text_ok(texts[i]))
            return false;
    if (!required(d->practice.name) || !required(d->practitioner.name) || !required(d->client.name))
        return false;
    const char *url = d->practice.pay_online_url;
    if (given(url) &&
        (!text_ok(url) || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)))
        return false;
    if (d->practitioner.n_licences > BILLING_DOC_LICENCES_MAX ||
        (d->practitioner.n_licences && !d->practitioner.licences))
        return false;
    for (size_t i = 0; i < d->practitioner.n_licences; i++) {
        const struct billing_licence *l = &d->practitioner.licences[i];
        if (!text_ok(l->type) || !text_ok(l->number) || !text_ok(l->jurisdiction) ||
            !(given(l->type) || given(l->number)))
            return false;
    }
    return true;
}

static bool diagnoses_ok(const struct billing_doc *d)
{
    if (d->n_diagnoses > BILLING_DOC_DIAGNOSES_MAX || (d->n_diagnoses && !d->diagnoses))
        return false;
    for (size_t i = 0; i < d->n_diagnoses; i++) {
        const struct billing_diagnosis *x = &d->diagnoses[i];
        char code[ICD10_CODE_MAX];
        if (!x->code || icd10_normalise(x->code, code) < 0 || strcmp(code, x->code) != 0 ||
            !text_ok(x->title))
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->diagnoses[j].code, x->code) == 0)
                return false;
    }
    return true;
}

static bool line_ok(const struct billing_doc *d, const struct billing_line *l, int32_t from,
                    int32_t to, int32_t *day)
{
    if (!in_period(l->date, from, to, day) || !text_ok(l->description))
        return false;
    if (l->waived && l->paid_cents != 0)
        return false; /* only an open charge is waived */
    switch (l->kind) {
    case BILLING_LINE_SESSION:
        return cpt_valid(l->cpt) && modifier_ok(l->modifier) && l->place_of_service &&
               digits(l->place_of_service, 2) && pointers_ok(l->pointers, d->n_diagnoses);
    case BILLING_LINE_NO_SHOW:
    case BILLING_LINE_LATE_CANCEL:
        return !given(l->cpt) && !given(l->modifier) && !given(l->place_of_service) &&
               !given(l->pointers);
    }
    return false;
}

static bool payments_ok(const struct billing_doc *d, int32_t from, int32_t to, int64_t *sum)
{
    if (d->kind == BILLING_SUPERBILL)
        return d->n_payments == 0 && d->forward_cents == 0;
    if (d->n_payments > BILLING_DOC_PAYMENTS_MAX || (d->n_payments && !d->payments) ||
        d->forward_cents < -BILLING_DOC_FORWARD_MAX || d->forward_cents > BILLING_DOC_FORWARD_MAX)
        return false;
    for (size_t i = 0; i < d->n_payments; i++) {
        const struct billing_payment *p = &d->payments[i];
        int32_t day;
        if (!in_period(p->date, from, to, &day) || (unsigned)p->method >= LEDGER_METHODS ||
            p->amount_cents < 1 || p->amount_cents > FEE_MAX_CENTS ||
            (p->reference && !text_length_ok(p->reference, 0, LEDGER_REFERENCE_MAX)))
            return false;
        *sum += p->amount_cents;
    }
    return true;
}

int billing_doc_check(const struct billing_doc *d, struct superbill_line *lines,
                      struct billing_doc_totals *out)
{
    int32_t from, to, day;
    if (!d || (d->kind != BILLING_SUPERBILL && d->kind != BILLING_STATEMENT) || !d->currency ||
        !money_currency_valid(d->currency) || !date_ok(d->generated, &day) ||
        !date_ok(d->from, &from) || !date_ok(d->to, &to) || from > to || !parties_ok(d) ||
        !diagnoses_ok(d) || d->n_lines > BILLING_DOC_LINES_MAX || (d->n_lines && !d->lines))
        return -EINVAL;
    int64_t payments = 0;
    if (!payments_ok(d, from, to, &payments))
        return -EINVAL;

    struct superbill_line *work = xcalloc(d->n_lines ? d->n_lines : 1, sizeof *work);
    int rc = 0;
    for (size_t i = 0; i < d->n_lines && rc == 0; i++) {
        const struct billing_line *l = &d->lines[i];
        if (!line_ok(d, l, from, to, &day)) {
            rc = -EINVAL;
            break;
        }
        work[i] = (struct superbill_line){
            .service_date = (int64_t)day * DAY_MS,
            .cpt = l->kind == BILLING_LINE_SESSION ? l->cpt : "",
            .modifier = given(l->modifier) ? l->modifier : "",
            .place_of_service = given(l->place_of_service) ? l->place_of_service : "",
            .units = l->units,
            .fee_cents = l->fee_cents,
            .paid_cents = l->paid_cents,
        };
    }
    struct superbill_totals sums;
    if (rc == 0)
        rc = ledger_superbill(work, d->n_lines, &sums);
    if (rc < 0) {
        free(work);
        return -EINVAL;
    }
    struct billing_doc_totals t = {
        .charged = sums.charged,
        .paid = sums.paid,
        .forward = d->forward_cents,
        .payments = payments,
    };
    for (size_t i = 0; i < d->n_lines; i++)
        if (d->lines[i].waived)
            t.waived += work[i].amount_cents;
    /* ledger_superbill's balance counts a waived line as owed (it is charged, nothing paid);
     * the ledger's balance is charged - paid - waived */
    t.balance = sums.balance - t.waived;
    t.due =
        d->kind == BILLING_STATEMENT ? t.forward + t.charged - t.waived - t.payments : t.balance;
    assert(t.balance == t.charged - t.paid - t.waived);
    if (lines)
        memcpy(lines, work, d->n_lines * sizeof *work);
    if (out)
        *out = t;
    free(work);
    return 0;
}

/* ---- the HTML page ---- */

/* Colours are tokens.css's light theme (a document is printed on paper, and saved on its
 * own, so it carries its style rather than linking the app's). */
static const char page_style[] =
    "@page{margin:0.5in}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:#f5f6f3;color:#1d2a2e;"
    "font:15px/1.45 \"DejaVu Sans\",system-ui,-apple-system,\"Segoe UI\",sans-serif}"
    "main{max-width:62rem;margin:1.5rem auto;background:#fff;border:1px solid #d5dcd9;"
    "border-radius:8px;padding:1.5rem}"
    "h1{font-size:1.35rem;margin:0 0 .25rem;color:#2f5d62}"
    "h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:#4a5a5f;"
    "margin:0 0 .35rem}"
    "p{margin:0 0 .2rem}"
    "a{color:#234649}"
    ".top{display:flex;flex-wrap:wrap;justify-content:space-between;gap:1rem;"
    "border-bottom:2px solid #2f5d62;padding-bottom:1rem}"
    ".kind{font-size:1.35rem;font-weight:bold;margin:0 0 .25rem}"
    ".parties{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));"
    "gap:1rem 1.5rem;margin:1rem 0}.parties section{margin:0}"
    "section{margin:1.25rem 0}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .75rem;margin:0}"
    "dt{color:#4a5a5f}dd{margin:0;overflow-wrap:anywhere}"
    "ul.plain,ol.dx{list-style:none;padding:0;margin:0}"
    "ol.dx li{display:flex;gap:.6rem;padding:.15rem 0}"
    ".ptr{font-weight:bold;min-width:1.2rem}.code{font-weight:bold;min-width:4.5rem}"
    ".muted{color:#4a5a5f}"
    "table{width:100%;border-collapse:collapse;font-size:.85rem}"
    "th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #d5dcd9;"
    "vertical-align:top}"
    "th{color:#4a5a5f;font-weight:600;border-bottom:2px solid #d5dcd9}"
    "thead{display:table-header-group}tr{break-inside:avoid}"
    ".num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    ".nw{white-space:nowrap}"
    ".tag{display:inline-block;margin-left:.35rem;padding:0 .35rem;font-size:.75rem;"
    "border:1px solid #d5dcd9;border-radius:4px;background:#f5f6f3;color:#1d2a2e}"
    ".totals{margin:1rem 0 0 auto;max-width:22rem}"
    ".totals dl{grid-template-columns:1fr auto;column-gap:0}.totals dd{text-align:right;"
    "padding-left:1rem;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".totals .due{font-weight:bold;border-top:2px solid #2f5d62;padding-top:.3rem}"
    ".pay{margin-top:1rem;padding:.6rem .8rem;background:#eaf2f1;border-radius:6px}"
    "@media print{body{background:#fff;font-size:10pt}"
    "main{border:0;border-radius:0;margin:0;padding:0;max-width:none}"
    ".pay{border:1px solid #d5dcd9}}"
    "@media (max-width:40rem){body{font-size:14px}"
    "main{margin:0;border:0;border-radius:0;padding:1rem}"
    "table.rows thead{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0 0 0 0)}"
    "table.rows,table.rows tbody,table.rows tr,table.rows td{display:block;width:100%}"
    "table.rows tr{border-bottom:1px solid #d5dcd9;padding:.4rem 0}"
    "table.rows td{border:0;padding:.1rem 0;display:flex;justify-content:space-between;"
    "gap:1rem;text-align:right}"
    "table.rows td:empty{display:none}"
    "table.rows td::before{content:attr(data-label);color:#4a5a5f;text-align:left;"
    "font-weight:600}}";

/* text with its '\n's as line breaks */
static void html_lines(struct buf *b, const char *s)
{
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        char *line = xmalloc(len + 1);
        memcpy(line, s, len);
        line[len] = '\0';
        html_escape(b, line);
        free(line);
        if (!nl)
            break;
        buf_puts(b, "<br>");
        s = nl + 1;
    }
}

static void html_money(struct buf *b, int64_t cents, const char *currency)
{
    char text[MONEY_TEXT_MAX];
    money_format(cents, currency, text);
    html_escape(b, text);
}

static void html_field(struct buf *b, const char *label, const char *value)
{
    if (!given(value))
        return;
    buf_puts(b, "<dt>");
    html_escape(b, label);
    buf_puts(b, "</dt><dd>");
    html_escape(b, value);
    buf_puts(b, "</dd>");
}

static void html_cell(struct buf *b, const char *label, const char *cls, const char *text)
{
    buf_printf(b, "<td data-label=\"%s\"%s%s%s>", label, cls ? " class=\"" : "", cls ? cls : "",
               cls ? "\"" : "");
    html_escape(b, text);
    buf_puts(b, "</td>");
}

static void html_money_cell(struct buf *b, const char *label, int64_t cents, const char *currency)
{
    char text[MONEY_TEXT_MAX];
    money_format(cents, currency, text);
    html_cell(b, label, "num", text);
}

static bool has_insurance(const struct billing_doc *d)
{
    return given(d->insurance.payer) || given(d->insurance.member_id) ||
           given(d->insurance.group_id) || given(d->insurance.subscriber) ||
           given(d->insurance.relationship);
}

static void html_head(const struct billing_doc *d, struct buf *b)
{
    buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>");
    html_escape(b, billing_doc_title(d->kind));
    buf_puts(b, " \xe2\x80\x94 "); /* an em dash */
    html_escape(b, d->client.name);
    buf_puts(b, ", ");
    html_escape(b, d->from);
    buf_puts(b, " to ");
    html_escape(b, d->to);
    buf_printf(b, "</title><style>%s</style></head>\n<body><main>\n", page_style);
}

static void html_parties(const struct billing_doc *d, struct buf *b)
{
    buf_puts(b, "<header class=\"top\"><div><h1>");
    html_escape(b, d->practice.name);
    buf_puts(b, "</h1>");
    if (given(d->practice.address)) {
        buf_puts(b, "<p>");
        html_lines(b, d->practice.address);
        buf_puts(b, "</p>");
    }
    buf_puts(b, "<dl>");
    html_field(b, "NPI", d->practice.npi);
    html_field(b, "Tax ID", d->practice.tax_id);
    buf_puts(b, "</dl></div>\n<div><p class=\"kind\">");
    html_escape(b, billing_doc_title(d->kind));
    buf_puts(b, "</p><dl>");
    html_field(b, "Date", d->generated);
    buf_puts(b, "<dt>Period</dt><dd>");
    html_escape(b, d->from);
    buf_puts(b, " to ");
    html_escape(b, d->to);
    buf_puts(b, "</dd></dl></div></header>\n<div class=\"parties\">");

    buf_puts(b, "<section aria-labelledby=\"h-client\"><h2 id=\"h-client\">Client</h2><p>");
    html_escape(b, d->client.name);
    buf_puts(b, "</p>");
    if (given(d->client.address)) {
        buf_puts(b, "<p>");
        html_lines(b, d->client.address);
        buf_puts(b, "</p>");
    }
    if (given(d->client.email)) {
        buf_puts(b, "<p>");
        html_escape(b, d->client.email);
        buf_puts(b, "</p>");
    }
    buf_puts(b, "</section>\n");

    buf_puts(b, "<section aria-labelledby=\"h-practitioner\"><h2 id=\"h-practitioner\">"
                "Practitioner</h2><p>");
    html_escape(b, d->practitioner.name);
    buf_puts(b, "</p>");
    if (given(d->practitioner.npi)) {
        buf_puts(b, "<p>NPI ");
        html_escape(b, d->practitioner.npi);
        buf_puts(b, "</p>");
    }
    if (d->practitioner.n_licences) {
        buf_puts(b, "<ul class=\"plain\" aria-label=\"Licences\">");
        for (size_t i = 0; i < d->practitioner.n_licences; i++) {
            const struct billing_licence *l = &d->practitioner.licences[i];
            buf_puts(b, "<li>");
            html_escape(b, l->type);
            if (given(l->type) && given(l->number))
                buf_puts(b, " ");
            html_escape(b, l->number);
            if (given(l->jurisdiction)) {
                buf_puts(b, ", ");
                html_escape(b, l->jurisdiction);
            }
            buf_puts(b, "</li>");
        }
        buf_puts(b, "</ul>");
    }
    buf_puts(b, "</section>\n");

    if (d->kind == BILLING_SUPERBILL && has_insurance(d)) {
        buf_puts(b, "<section aria-labelledby=\"h-insurance\"><h2 id=\"h-insurance\">"
                    "Insurance</h2><dl>");
        html_field(b, "Payer", d->insurance.payer);
        html_field(b, "Member ID", d->insurance.member_id);
        html_field(b, "Group ID", d->insurance.group_id);
        html_field(b, "Subscriber", d->insurance.subscriber);
        html_field(b, "Relationship", d->insurance.relationship);
        buf_puts(b, "</dl></section>\n");
    }
    buf_puts(b, "</div>\n");
}

static void html_diagnoses(const struct billing_doc *d, struct buf *b)
{
    if (!d->n_diagnoses)
        return;
    buf_puts(b, "<section aria-labelledby=\"h-dx\"><h2 id=\"h-dx\">Diagnoses (ICD-10-CM)</h2>"
                "<ol class=\"dx\">");
    for (size_t i = 0; i < d->n_diagnoses; i++) {
        buf_printf(b, "<li><span class=\"ptr\">%c</span><span class=\"code\">", (char)('A' + i));
        html_escape(b, d->diagnoses[i].code);
        buf_puts(b, "</span><span>");
        html_escape(b, d->diagnoses[i].title);
        buf_puts(b, "</span></li>");
    }
    buf_puts(b, "</ol></section>\n");
}

static void html_lines_table(const struct billing_doc *d, const struct superbill_line *w,
                             struct buf *b)
{
    bool sb = d->kind == BILLING_SUPERBILL;
    buf_puts(b, "<section aria-labelledby=\"h-lines\"><h2 id=\"h-lines\">Services</h2>");
    if (!d->n_lines) {
        buf_puts(b, "<p class=\"muted\">No services in this period.</p></section>\n");
        return;
    }
    buf_puts(b, "<table class=\"rows\"><thead><tr><th scope=\"col\">Date</th>"
                "<th scope=\"col\">CPT</th><th scope=\"col\">Service</th>");
    if (sb)
        buf_puts(b, "<th scope=\"col\"><abbr title=\"Modifier\">Mod.</abbr></th>"
                    "<th scope=\"col\"><abbr title=\"Place of service\">POS</abbr></th>"
                    "<th scope=\"col\"><abbr title=\"Diagnosis pointer\">Dx</abbr></th>"
                    "<th scope=\"col\" class=\"num\">Units</th>"
                    "<th scope=\"col\" class=\"num\">Fee</th>");
    buf_puts(b, "<th scope=\"col\" class=\"num\">Amount</th><th scope=\"col\" class=\"num\">"
                "Paid</th><th scope=\"col\" class=\"num\">Balance</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < d->n_lines; i++) {
        const struct billing_line *l = &d->lines[i];
        buf_puts(b, "<tr>");
        html_cell(b, "Date", "nw", l->date);
        html_cell(b, "CPT", NULL, l->kind == BILLING_LINE_SESSION ? l->cpt : "");
        buf_puts(b, "<td data-label=\"Service\"><span>");
        html_escape(b, billing_line_service(l));
        if (l->waived)
            buf_puts(b, "<span class=\"tag\">Waived</span>");
        buf_puts(b, "</span></td>");
        if (sb) {
            char ptr[BILLING_POINTERS_TEXT], units[16];
            billing_line_pointers(d, l, ptr);
            snprintf(units, sizeof units, "%d", l->units);
            html_cell(b, "Modifier", NULL, given(l->modifier) ? l->modifier : "");
            html_cell(b, "Place of service", NULL,
                      given(l->place_of_service) ? l->place_of_service : "");
            html_cell(b, "Diagnosis pointer", "nw", ptr);
            html_cell(b, "Units", "num", units);
            html_money_cell(b, "Fee", l->fee_cents, d->currency);
        }
        html_money_cell(b, "Amount", w[i].amount_cents, d->currency);
        html_money_cell(b, "Paid", w[i].paid_cents, d->currency);
        html_money_cell(b, "Balance", l->waived ? 0 : w[i].balance_cents, d->currency);
        buf_puts(b, "</tr>\n");
    }
    buf_puts(b, "</tbody></table></section>\n");
}

static void html_payments(const struct billing_doc *d, struct buf *b)
{
    buf_puts(b, "<section aria-labelledby=\"h-payments\"><h2 id=\"h-payments\">Payments "
                "received</h2>");
    if (!d->n_payments) {
        buf_puts(b, "<p class=\"muted\">No payments in this period.</p></section>\n");
        return;
    }
    buf_puts(b, "<table class=\"rows\"><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">"
                "Method</th><th scope=\"col\">Reference</th><th scope=\"col\" class=\"num\">"
                "Amount</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < d->n_payments; i++) {
        const struct billing_payment *p = &d->payments[i];
        buf_puts(b, "<tr>");
        html_cell(b, "Date", "nw", p->date);
        html_cell(b, "Method", NULL, billing_method_words(p->method));
        html_cell(b, "Reference", NULL, p->reference ? p->reference : "");
        html_money_cell(b, "Amount", p->amount_cents, d->currency);
        buf_puts(b, "</tr>\n");
    }
    buf_puts(b, "</tbody></table></section>\n");
}

static void html_total(struct buf *b, const char *label, int64_t cents, const char *currency,
                       bool due)
{
    buf_printf(b, "<dt%s>", due ? " class=\"due\"" : "");
    html_escape(b, label);
    buf_printf(b, "</dt><dd%s>", due ? " class=\"due\"" : "");
    html_money(b, cents, currency);
    buf_puts(b, "</dd>");
}

static void html_totals(const struct billing_doc *d, const struct billing_doc_totals *t,
                        struct buf *b)
{
    buf_puts(b, "<section class=\"totals\" aria-labelledby=\"h-totals\"><h2 id=\"h-totals\">"
                "Totals</h2><dl>");
    if (d->kind == BILLING_SUPERBILL) {
        html_total(b, "Charged", t->charged, d->currency, false);
        if (t->waived)
            html_total(b, "Waived", -t->waived, d->currency, false);
        html_total(b, "Paid", -t->paid, d->currency, false);
        html_total(b, "Balance", t->balance, d->currency, true);
    } else {
        html_total(b, "Balance brought forward", t->forward, d->currency, false);
        html_total(b, "Charges", t->charged, d->currency, false);
        if (t->waived)
            html_total(b, "Waived", -t->waived, d->currency, false);
        html_total(b, "Payments received", -t->payments, d->currency, false);
        html_total(b, "Balance due", t->due, d->currency, true);
    }
    buf_puts(b, "</dl></section>\n");
    if (d->kind == BILLING_STATEMENT && given(d->practice.pay_online_url)) {
        buf_puts(b, "<p class=\"pay\">Pay online: <a href=\"");
        html_escape(b, d->practice.pay_online_url);
        buf_puts(b, "\">");
        html_escape(b, d->practice.pay_online_url);
        buf_puts(b, "</a></p>\n");
    }
}

int billing_doc_html(const struct billing_doc *d, struct buf *out)
{
    assert(out);
    struct billing_doc_totals t;
    if (!d || d->n_lines > BILLING_DOC_LINES_MAX)
        return -EINVAL;
    struct superbill_line *w = xcalloc(d->n_lines ? d->n_lines : 1, sizeof *w);
    if (billing_doc_check(d, w, &t) < 0) {
        free(w);
        return -EINVAL;
    }
    html_head(d, out);
    html_parties(d, out);
    if (d->kind == BILLING_SUPERBILL)
        html_diagnoses(d, out);
    html_lines_table(d, w, out);
    if (d->kind == BILLING_STATEMENT)
        html_payments(d, out);
    html_totals(d, &t, out);
    buf_puts(out, "</main></body></html>\n");
    free(w);
    return 0;
}

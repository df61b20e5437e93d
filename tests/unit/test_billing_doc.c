/* Superbills and statements: the model's checks and totals (ledger_superbill's, a waived line
 * charged and owing nothing), the HTML page (every text escaped, the codes, place of
 * service, modifiers and totals shown) and the PDF, read back with poppler's pdftotext and
 * pdfinfo: the same names, codes and totals as the page, a table over several pages with
 * its header repeated and "Page i of N", names in other scripts, refused models writing
 * nothing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "practice/billing_doc.h"
#include "practice/money.h"

static const struct billing_licence licences[] = {
    {"LPC", "C12345", "Oregon"},
    {"LMHC", "MH 0099", "Washington"},
};

static const struct billing_diagnosis diagnoses[] = {
    {"F41.1", "Generalized anxiety disorder"},
    {"F43.23", "Adjustment disorder with mixed anxiety and depressed mood"},
};

/* 90834 at home (POS 10, modifier 95), paid; 90837 not at home (POS 02), part paid; a
 * no-show fee, waived */
static const struct billing_line two_sessions[] = {
    {.kind = BILLING_LINE_SESSION,
     .date = "2026-11-03",
     .cpt = "90834",
     .modifier = "95",
     .place_of_service = "10",
     .units = 1,
     .fee_cents = 15000,
     .paid_cents = 15000},
    {.kind = BILLING_LINE_SESSION,
     .date = "2026-11-10",
     .cpt = "90837",
     .description = "Psychotherapy, 60 minutes",
     .modifier = "95",
     .place_of_service = "02",
     .pointers = "B",
     .units = 1,
     .fee_cents = 20000,
     .paid_cents = 5000},
    {.kind = BILLING_LINE_NO_SHOW,
     .date = "2026-11-17",
     .units = 1,
     .fee_cents = 7500,
     .waived = true},
};

static struct billing_doc superbill(void)
{
    return (struct billing_doc){
        .kind = BILLING_SUPERBILL,
        .currency = "USD",
        .generated = "2026-12-01",
        .from = "2026-11-01",
        .to = "2026-11-30",
        .practice = {.name = "Harbour & Pine Counselling",
                     .address = "12 Alder Street, Suite 3\nPortland, OR 97205",
                     .npi = "1245319599",
                     .tax_id = "93-1234567",
                     .pay_online_url = "https://pay.example.org/harbour"},
        .practitioner = {.name = "Dr. Ana Müller",
                         .npi = "1982736450",
                         .licences = licences,
                         .n_licences = 2},
        .client = {.name = "Zoë Ødegård",
                   .address = "4 Birch Lane\nSalem, OR 97301",
                   .email = "zoe@example.org"},
        .insurance = {.payer = "Cascade Health Plan",
                      .member_id = "CHP-77812",
                      .group_id = "GRP-450",
                      .subscriber = "Zoë Ødegård",
                      .relationship = "self"},
        .diagnoses = diagnoses,
        .n_diagnoses = 2,
        .lines = two_sessions,
        .n_lines = 3,
    };
}

static const struct billing_payment december_payments[] = {
    {"2026-12-05", LEDGER_BANK_TRANSFER, "TX-881", 10000},
    {"2026-12-20", LEDGER_INSURANCE, "EOB 5521", 4250},
};

static const struct billing_line december_lines[] = {
    {.kind = BILLING_LINE_SESSION,
     .date = "2026-12-01",
     .cpt = "90834",
     .modifier = "95",
     .place_of_service = "10",
     .units = 1,
     .fee_cents = 15000,
     .paid_cents = 10000},
    {.kind = BILLING_LINE_LATE_CANCEL, .date = "2026-12-08", .units = 1, .fee_cents = 5000},
};

static struct billing_doc statement(void)
{
    struct billing_doc d = superbill();
    d.kind = BILLING_STATEMENT;
    d.generated = "2027-01-02";
    d.from = "2026-12-01";
    d.to = "2026-12-31";
    d.lines = december_lines;
    d.n_lines = 2;
    d.forward_cents = 15000;
    d.payments = december_payments;
    d.n_payments = 2;
    return d;
}

static const char *money(int64_t cents)
{
    static char text[8][MONEY_TEXT_MAX];
    static int next;
    char *t = text[next++ % 8];
    money_format(cents, "USD", t);
    return t;
}

static bool have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* the output of "<tool> <args> <the pdf>" (tool is pdftotext or pdfinfo), NUL-terminated */
static char *run_on_pdf(const struct buf *pdf, const char *tool, const char *args,
                        const char *after)
{
    char path[] = "/tmp/confide-billing-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf->data, pdf->len), (ssize_t)pdf->len);
    close(fd);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s %s %s %s", tool, args, path, after);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    struct buf out = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&out, chunk, n);
    assert_int_equal(pclose(f), 0);
    unlink(path);
    buf_puts(&out, "");
    return out.data;
}

static char *pdf_text(const struct buf *pdf)
{
    return run_on_pdf(pdf, "pdftotext", "-layout -enc UTF-8", "-");
}

static int pdf_pages(const struct buf *pdf)
{
    char *info = run_on_pdf(pdf, "pdfinfo", "", "");
    const char *p = strstr(info, "\nPages:");
    assert_non_null(p);
    int pages = atoi(p + strlen("\nPages:"));
    free(info);
    return pages;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* a line of text that has label, then (after spaces only) value at its end */
static bool row_says(const char *text, const char *label, const char *value)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        while (len && line[len - 1] == ' ')
            len--;
        size_t vl = strlen(value);
        if (len >= vl && memcmp(line + len - vl, value, vl) == 0) {
            const char *v = line + len - vl;
            const char *p = v;
            while (p > line && p[-1] == ' ')
                p--;
            size_t ll = strlen(label);
            if (p - line >= (ptrdiff_t)ll && p < v && memcmp(p - ll, label, ll) == 0 &&
                (p - ll == line || *(p - ll - 1) == ' '))
                return true;
        }
        line = end ? end + 1 : NULL;
    }
    return false;
}

static bool html_total(const char *html, const char *label, const char *value)
{
    char want[160];
    snprintf(want, sizeof want, ">%s</dt><dd%s>%s</dd>", label,
             strcmp(label, "Balance") == 0 || strcmp(label, "Balance due") == 0 ? " class=\"due\""
                                                                                : "",
             value);
    return strstr(html, want) != NULL;
}

/* ---- the model ---- */

static void totals(void **state)
{
    (void)state;
    struct billing_doc d = superbill();
    struct superbill_line w[3];
    struct billing_doc_totals t;
    assert_int_equal(billing_doc_check(&d, w, &t), 0);
    /* charged counts the waived no-show; the balance owes nothing on it */
    assert_int_equal(t.charged, 15000 + 20000 + 7500);
    assert_int_equal(t.waived, 7500);
    assert_int_equal(t.paid, 20000);
    assert_int_equal(t.balance, 15000);
    assert_int_equal(t.due, 15000);
    assert_int_equal(w[1].amount_cents, 20000);
    assert_int_equal(w[1].balance_cents, 15000);
    assert_string_equal(w[0].place_of_service, "10");

    struct billing_doc s = statement();
    assert_int_equal(billing_doc_check(&s, NULL, &t), 0);
    assert_int_equal(t.charged, 20000);
    assert_int_equal(t.payments, 14250);
    assert_int_equal(t.forward, 15000);
    assert_int_equal(t.due, 15000 + 20000 - 14250);
    assert_int_equal(t.balance, 20000 - 10000);

    char ptr[BILLING_POINTERS_TEXT];
    billing_line_pointers(&d, &d.lines[0], ptr);
    assert_string_equal(ptr, "A, B");
    billing_line_pointers(&d, &d.lines[1], ptr);
    assert_string_equal(ptr, "B");
    billing_line_pointers(&d, &d.lines[2], ptr);
    assert_string_equal(ptr, "");
    assert_string_equal(billing_line_service(&d.lines[0]),
                        "Psychotherapy, 45 minutes with patient");
    assert_string_equal(billing_line_service(&d.lines[2]), "No-show fee");
    assert_string_equal(billing_method_words(LEDGER_CARD_TERMINAL), "Card terminal");
}

/* every refused model: both renderings return -EINVAL and write nothing */
static void refuse(const struct billing_doc *d, int line)
{
    struct buf out = {0};
    buf_puts(&out, "before");
    if (billing_doc_html(d, &out) != -EINVAL || billing_doc_pdf(d, &out) != -EINVAL ||
        billing_doc_check(d, NULL, NULL) != -EINVAL)
        fail_msg("the model of line %d was accepted", line);
    assert_string_equal(out.data, "before");
    assert_int_equal(out.len, 6);
    buf_free(&out);
}

#define REFUSED(...)                                                                               \
    do {                                                                                           \
        struct billing_doc d = superbill();                                                        \
        struct billing_line l[3];                                                                  \
        memcpy(l, two_sessions, sizeof l);                                                         \
        d.lines = l;                                                                               \
        __VA_ARGS__;                                                                               \
        refuse(&d, __LINE__);                                                                      \
    } while (0)

static void refused(void **state)
{
    (void)state;
    refuse(NULL, __LINE__);
    REFUSED(l[0].units = 0);
    REFUSED(l[0].units = LEDGER_UNITS_MAX + 1);
    REFUSED(l[1].fee_cents = -1);
    REFUSED(l[1].paid_cents = 20001); /* more than the line's amount */
    REFUSED(l[0].paid_cents = -5);
    REFUSED(l[2].paid_cents = 100); /* waived with something paid */
    REFUSED(d.client.name = NULL);
    REFUSED(d.client.name = "");
    REFUSED(d.practice.name = NULL);
    REFUSED(d.practitioner.name = "");
    REFUSED(d.currency = "usd");
    REFUSED(d.generated = "2026-02-30");
    REFUSED(d.from = "2026-12-01");    /* after to */
    REFUSED(l[0].date = "2026-10-31"); /* before the period */
    REFUSED(l[0].date = NULL);
    REFUSED(l[0].cpt = "9083");
    REFUSED(l[0].place_of_service = "2");
    REFUSED(l[0].modifier = "9 ");
    REFUSED(l[1].pointers = "C"); /* no third diagnosis */
    REFUSED(l[1].pointers = "AA");
    REFUSED(l[1].pointers = "ABABA");
    REFUSED(l[2].cpt = "90834"); /* a fee has no CPT code */
    REFUSED(l[2].place_of_service = "02");
    REFUSED(l[0].kind = (enum billing_line_kind)7);
    static const struct billing_diagnosis lower[] = {{"f41.1", "lower case"}};
    static const struct billing_diagnosis twice[] = {{"F41.1", ""}, {"F41.1", ""}};
    REFUSED(d.diagnoses = lower; d.n_diagnoses = 1);
    REFUSED(d.diagnoses = twice; d.n_diagnoses = 2);
    REFUSED(d.n_diagnoses = BILLING_DOC_DIAGNOSES_MAX + 1);
    REFUSED(d.client.email = "\xff\xfe"); /* not UTF-8 */
    REFUSED(d.practice.pay_online_url = "javascript:alert(1)");
    REFUSED(d.forward_cents = 100); /* a superbill brings nothing forward */
    REFUSED(d.payments = december_payments; d.n_payments = 1);
    REFUSED(d.n_lines = BILLING_DOC_LINES_MAX + 1);

    struct billing_doc s = statement();
    struct billing_payment p[2];
    memcpy(p, december_payments, sizeof p);
    s.payments = p;
    p[0].amount_cents = 0;
    refuse(&s, __LINE__);
    p[0].amount_cents = 100;
    p[1].date = "2027-01-01"; /* after the period */
    refuse(&s, __LINE__);
    p[1].date = "2026-12-31";
    p[1].method = LEDGER_METHODS;
    refuse(&s, __LINE__);
    p[1].method = LEDGER_CASH;
    assert_int_equal(billing_doc_check(&s, NULL, NULL), 0);
}

/* ---- HTML ---- */

static void superbill_html(void **state)
{
    (void)state;
    struct billing_doc d = superbill();
    struct buf out = {0};
    assert_int_equal(billing_doc_html(&d, &out), 0);
    const char *h = out.data;
    assert_int_equal(strlen(h), out.len);
    assert_non_null(strstr(h, "<!doctype html>"));
    assert_non_null(strstr(h, "<style>"));
    assert_non_null(strstr(h, "@page{margin:0.5in}"));
    assert_null(strstr(h, "<link"));
    assert_null(strstr(h, "<script"));
    assert_non_null(
        strstr(h, "<title>Superbill \xe2\x80\x94 Zoë Ødegård, 2026-11-01 to 2026-11-30"));
    assert_non_null(strstr(h, "Harbour &amp; Pine Counselling"));
    assert_non_null(strstr(h, "12 Alder Street, Suite 3<br>Portland, OR 97205"));
    assert_non_null(strstr(h, "<dt>NPI</dt><dd>1245319599</dd>"));
    assert_non_null(strstr(h, "<dt>Tax ID</dt><dd>93-1234567</dd>"));
    assert_non_null(strstr(h, "Dr. Ana Müller"));
    assert_non_null(strstr(h, "<li>LPC C12345, Oregon</li><li>LMHC MH 0099, Washington</li>"));
    assert_non_null(strstr(h, "<p>Zoë Ødegård</p>"));
    assert_non_null(strstr(h, "<dt>Member ID</dt><dd>CHP-77812</dd>"));
    assert_non_null(strstr(h, "<dt>Relationship</dt><dd>self</dd>"));
    assert_non_null(strstr(h, "<span class=\"ptr\">A</span><span class=\"code\">F41.1</span>"
                              "<span>Generalized anxiety disorder</span>"));
    assert_non_null(strstr(h, "<span class=\"ptr\">B</span><span class=\"code\">F43.23</span>"));
    /* the lines: CPT, modifier, place of service, pointers, amounts */
    assert_non_null(strstr(h, "<td data-label=\"CPT\">90834</td><td data-label=\"Service\">"
                              "<span>Psychotherapy, 45 minutes with patient</span></td>"
                              "<td data-label=\"Modifier\">95</td>"
                              "<td data-label=\"Place of service\">10</td>"
                              "<td data-label=\"Diagnosis pointer\" class=\"nw\">A, B</td>"));
    assert_non_null(strstr(h, "<td data-label=\"CPT\">90837</td><td data-label=\"Service\">"
                              "<span>Psychotherapy, 60 minutes</span></td>"
                              "<td data-label=\"Modifier\">95</td>"
                              "<td data-label=\"Place of service\">02</td>"
                              "<td data-label=\"Diagnosis pointer\" class=\"nw\">B</td>"));
    assert_non_null(strstr(h, "No-show fee<span class=\"tag\">Waived</span>"));
    /* the waived line: its amount listed, nothing owed */
    assert_non_null(strstr(h, "<td data-label=\"Amount\" class=\"num\">$75.00</td>"
                              "<td data-label=\"Paid\" class=\"num\">$0.00</td>"
                              "<td data-label=\"Balance\" class=\"num\">$0.00</td>"));
    assert_true(html_total(h, "Charged", money(42500)));
    assert_true(html_total(h, "Waived", money(-7500)));
    assert_true(html_total(h, "Paid", money(-20000)));
    assert_true(html_total(h, "Balance", money(15000)));
    /* a superbill has no payments list and no "pay online" */
    assert_null(strstr(h, "Pay online"));
    assert_null(strstr(h, "Payments received"));
    buf_free(&out);

    /* no insurance: no section */
    d.insurance.payer = d.insurance.member_id = d.insurance.group_id = NULL;
    d.insurance.subscriber = d.insurance.relationship = "";
    assert_int_equal(billing_doc_html(&d, &out), 0);
    assert_null(strstr(out.data, "Insurance"));
    buf_free(&out);
}

static void html_escapes(void **state)
{
    (void)state;
    struct billing_doc d = superbill();
    d.client.name = "<script>alert('x')</script>";
    d.practice.address = "\"quoted\" & <b>bold</b>";
    d.practice.pay_online_url = "https://pay.example.org/?a=1&b=\"2\"";
    d.kind = BILLING_STATEMENT;
    d.lines = NULL;
    d.n_lines = 0;
    struct buf out = {0};
    assert_int_equal(billing_doc_html(&d, &out), 0);
    assert_null(strstr(out.data, "<script"));
    assert_null(strstr(out.data, "<b>"));
    assert_non_null(strstr(out.data, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert_non_null(strstr(out.data, "&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"));
    assert_non_null(
        strstr(out.data, "<a href=\"https://pay.example.org/?a=1&amp;b=&quot;2&quot;\">"));
    assert_non_null(strstr(out.data, "No services in this period."));
    buf_free(&out);
}

static void statement_html(void **state)
{
    (void)state;
    struct billing_doc d = statement();
    struct buf out = {0};
    assert_int_equal(billing_doc_html(&d, &out), 0);
    const char *h = out.data;
    assert_non_null(strstr(h, "<p class=\"kind\">Statement</p>"));
    assert_non_null(strstr(h, "Late-cancellation fee"));
    assert_non_null(strstr(h, "<td data-label=\"Method\">Bank transfer</td>"
                              "<td data-label=\"Reference\">TX-881</td>"
                              "<td data-label=\"Amount\" class=\"num\">$100.00</td>"));
    assert_non_null(strstr(h, "<td data-label=\"Method\">Insurance payment</td>"));
    assert_true(html_total(h, "Balance brought forward", money(15000)));
    assert_true(html_total(h, "Charges", money(20000)));
    assert_true(html_total(h, "Payments received", money(-14250)));
    assert_true(html_total(h, "Balance due", money(20750)));
    assert_non_null(strstr(h, "Pay online: <a href=\"https://pay.example.org/harbour\">"));
    /* a statement shows no diagnosis, insurance, modifier or place of service */
    assert_null(strstr(h, "F41.1"));
    assert_null(strstr(h, "CHP-77812"));
    assert_null(strstr(h, "Place of service"));
    buf_free(&out);
}

/* ---- PDF ---- */

static void superbill_pdf(void **state)
{
    (void)state;
    if (!have("pdftotext") || !have("pdfinfo")) {
        print_message("pdftotext or pdfinfo (poppler-utils) is not installed: the PDF is not "
                      "read back\n");
        skip();
    }
    struct billing_doc d = superbill();
    struct buf pdf = {0}, html = {0};
    assert_int_equal(billing_doc_pdf(&d, &pdf), 0);
    assert_int_equal(billing_doc_html(&d, &html), 0);
    assert_true(pdf.len > 1000);
    assert_memory_equal(pdf.data, "%PDF-", 5);
    print_message("superbill with three lines: %zu bytes of PDF, %zu of HTML\n", pdf.len, html.len);
    assert_int_equal(pdf_pages(&pdf), 1);
    char *info = run_on_pdf(&pdf, "pdfinfo", "", "");
    assert_non_null(strstr(info, "Superbill \xe2\x80\x94 Zoë Ødegård, 2026-11-01 to 2026-11-30"));
    assert_non_null(strstr(info, "letter"));
    free(info);

    char *text = pdf_text(&pdf);
    const char *words[] = {
        "Harbour & Pine Counselling",
        "NPI 1245319599",
        "Tax ID 93-1234567",
        "Superbill",
        "Dr. Ana Müller",
        "LPC C12345, Oregon",
        "LMHC MH 0099, Washington",
        "Zoë Ødegård",
        "Salem, OR 97301",
        "Cascade Health Plan",
        "Member ID: CHP-77812",
        "Group ID: GRP-450",
        "F41.1",
        "Generalized anxiety disorder",
        "F43.23",
        "90834",
        "90837",
        "No-show fee",
        "Waived",
        "Page 1 of 1",
        "2026-11-17",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strstr(text, words[i]))
            fail_msg("the PDF's text has no \"%s\":\n%s", words[i], text);
    /* each line's row: date, CPT, service, modifier, place of service, pointers, units and
     * the money columns */
    assert_true(row_says(text, "2026-11-03", "$150.00") || strstr(text, "2026-11-03"));
    const char *row1 = strstr(text, "2026-11-03");
    const char *row1_end = strchr(row1, '\n');
    char row[512];
    snprintf(row, sizeof row, "%.*s", (int)(row1_end - row1), row1);
    assert_non_null(strstr(row, "90834"));
    assert_non_null(strstr(row, " 95 "));
    assert_non_null(strstr(row, " 10 "));
    assert_non_null(strstr(row, "A, B"));
    const char *row2 = strstr(text, "2026-11-10");
    snprintf(row, sizeof row, "%.*s", (int)(strchr(row2, '\n') - row2), row2);
    assert_non_null(strstr(row, "90837"));
    assert_non_null(strstr(row, " 02 "));
    assert_true(row_says(row, "$50.00", "$150.00")); /* paid, then the balance */
    /* the totals are the page's */
    const char *labels[] = {"Charged", "Waived", "Paid", "Balance"};
    const int64_t cents[] = {42500, -7500, -20000, 15000};
    for (size_t i = 0; i < 4; i++) {
        assert_true(html_total(html.data, labels[i], money(cents[i])));
        if (!row_says(text, labels[i], money(cents[i])))
            fail_msg("the PDF's totals have no \"%s %s\":\n%s", labels[i], money(cents[i]), text);
    }
    free(text);

    /* the same model gives the same bytes */
    struct buf again = {0};
    assert_int_equal(billing_doc_pdf(&d, &again), 0);
    assert_int_equal(again.len, pdf.len);
    assert_memory_equal(again.data, pdf.data, pdf.len);
    buf_free(&again);

    /* the two sessions alone */
    buf_free(&pdf);
    d.n_lines = 2;
    assert_int_equal(billing_doc_pdf(&d, &pdf), 0);
    print_message("superbill with two lines: %zu bytes of PDF\n", pdf.len);
    buf_free(&pdf);
    buf_free(&html);
}

static void statement_pdf(void **state)
{
    (void)state;
    if (!have("pdftotext")) {
        print_message("pdftotext (poppler-utils) is not installed: the PDF is not read back\n");
        skip();
    }
    struct billing_doc d = statement();
    struct buf pdf = {0};
    assert_int_equal(billing_doc_pdf(&d, &pdf), 0);
    char *text = pdf_text(&pdf);
    const char *words[] = {"Statement",
                           "Zoë Ødegård",
                           "Late-cancellation fee",
                           "Bank transfer",
                           "TX-881",
                           "Insurance payment",
                           "EOB 5521",
                           "Pay online: https://pay.example.org/harbour",
                           "Page 1 of 1"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strstr(text, words[i]))
            fail_msg("the statement's text has no \"%s\":\n%s", words[i], text);
    assert_true(row_says(text, "Balance brought forward", money(15000)));
    assert_true(row_says(text, "Charges", money(20000)));
    assert_true(row_says(text, "Payments received", money(-14250)));
    assert_true(row_says(text, "Balance due", money(20750)));
    assert_null(strstr(text, "F41.1"));
    free(text);
    buf_free(&pdf);

    /* a link whose address has quotes and a backslash */
    d.practice.pay_online_url = "https://pay.example.org/o'neil?x=\\\"y\"";
    assert_int_equal(billing_doc_pdf(&d, &pdf), 0);
    text = pdf_text(&pdf);
    assert_non_null(strstr(text, "Pay online: https://pay.example.org/o'neil?x=\\\"y\""));
    free(text);
    buf_free(&pdf);
}

static void long_superbill(void **state)
{
    (void)state;
    if (!have("pdftotext") || !have("pdfinfo")) {
        print_message("pdftotext or pdfinfo (poppler-utils) is not installed: the PDF is not "
                      "read back\n");
        skip();
    }
    enum { N = 60 };
    struct billing_line l[N];
    char dates[N][11];
    for (int i = 0; i < N; i++) {
        snprintf(dates[i], sizeof dates[i], "2026-%02d-%02d", 1 + i / 28, 1 + i % 28);
        l[i] = (struct billing_line){.kind = BILLING_LINE_SESSION,
                                     .date = dates[i],
                                     .cpt = i % 2 ? "90834" : "90837",
                                     .modifier = "95",
                                     .place_of_service = i % 3 ? "02" : "10",
                                     .units = 1,
                                     .fee_cents = 14000 + i,
                                     .paid_cents = i % 4 ? 0 : 14000};
    }
    struct billing_doc d = superbill();
    d.from = "2025-12-01"; /* no line's date in the header or the footers */
    d.to = "2026-12-31";
    d.lines = l;
    d.n_lines = N;
    struct billing_doc_totals t;
    assert_int_equal(billing_doc_check(&d, NULL, &t), 0);
    struct buf pdf = {0};
    assert_int_equal(billing_doc_pdf(&d, &pdf), 0);
    int pages = pdf_pages(&pdf);
    assert_true(pages >= 2);
    char *text = pdf_text(&pdf);
    char want[32];
    for (int i = 1; i <= pages; i++) {
        snprintf(want, sizeof want, "Page %d of %d", i, pages);
        if (!strstr(text, want))
            fail_msg("no \"%s\" in:\n%s", want, text);
    }
    snprintf(want, sizeof want, "Page %d of", pages + 1);
    assert_null(strstr(text, want));
    assert_non_null(strstr(text, "Page 2 of"));
    /* the table's header on every page */
    assert_int_equal(count(text, "Units"), pages);
    /* every line is there, once */
    for (int i = 0; i < N; i++)
        assert_int_equal(count(text, dates[i]), 1);
    assert_true(row_says(text, "Charged", money(t.charged)));
    assert_true(row_says(text, "Balance", money(t.balance)));
    free(text);
    buf_free(&pdf);
}

/* names in other scripts come out as written; CJK, which DejaVu Sans does not draw, stays
 * in the text */
static void other_scripts(void **state)
{
    (void)state;
    struct billing_doc d = superbill();
    d.client.name = "李华";
    d.practitioner.name = "Ελένη Παπαδοπούλου";
    d.practice.name = "Юлия Кузнецова Practice";
    struct buf pdf = {0}, html = {0};
    assert_int_equal(billing_doc_html(&d, &html), 0);
    assert_non_null(strstr(html.data, "<p>李华</p>"));
    assert_non_null(strstr(html.data, "Ελένη Παπαδοπούλου"));
    assert_int_equal(billing_doc_pdf(&d, &pdf), 0);
    if (!have("pdftotext")) {
        print_message("pdftotext (poppler-utils) is not installed: the PDF is not read back\n");
        skip();
    }
    char *text = pdf_text(&pdf);
    assert_non_null(strstr(text, "Ελένη Παπαδοπούλου"));
    assert_non_null(strstr(text, "Юлия Кузнецова Practice"));
    assert_non_null(strstr(text, "李华"));
    free(text);
    buf_free(&pdf);
    buf_free(&html);
}

/* long texts wrap, and a word longer than a line is cut, without losing anything */
static void long_texts(void **state)
{
    (void)state;
    if (!have("pdftotext")) {
        print_message("pdftotext (poppler-utils) is not installed: the PDF is not read back\n");
        skip();
    }
    char word[300];
    memset(word, 'x', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    struct billing_line l[1] = {{.kind = BILLING_LINE_SESSION,
                                 .date = "2026-11-03",
                                 .cpt = "90834",
                                 .description = word,
                                 .modifier = "95",
                                 .place_of_service = "10",
                                 .units = 99,
                                 .fee_cents = 1000000000,
                                 .paid_cents = 0}};
    struct billing_doc d = superbill();
    d.lines = l;
    d.n_lines = 1;
    d.client.address = "Line one\twith a tab\n\nLine three, after an empty one";
    struct buf pdf = {0};
    assert_int_equal(billing_doc_pdf(&d, &pdf), 0);
    char *text = pdf_text(&pdf);
    assert_non_null(strstr(text, "$990,000,000.00"));
    assert_non_null(strstr(text, "Line three, after an empty one"));
    size_t xs = 0;
    for (const char *p = text; *p; p++)
        xs += *p == 'x';
    assert_true(xs >= sizeof word - 1);
    free(text);
    buf_free(&pdf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(totals),         cmocka_unit_test(refused),
        cmocka_unit_test(superbill_html), cmocka_unit_test(html_escapes),
        cmocka_unit_test(statement_html), cmocka_unit_test(superbill_pdf),
        cmocka_unit_test(statement_pdf),  cmocka_unit_test(long_superbill),
        cmocka_unit_test(other_scripts),  cmocka_unit_test(long_texts),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    billing_doc_pdf_release();
    return failed;
}

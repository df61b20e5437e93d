/* billing_doc: a client's superbill for a period, and a statement, as one printable HTML
 * page (billing_doc_html) and as a PDF (billing_doc_pdf, drawn with cairo, US Letter,
 * DejaVu Sans). Sans I/O: a plain model in, bytes appended to a buf out; the caller fills
 * the model from storage and serves the bytes. Every date is a civil date "YYYY-MM-DD"
 * given by the caller (the generated day too), so the same model gives the same bytes.
 *
 * Strings are UTF-8; NULL and "" both mean "not given" for an optional one. Amounts are
 * integer cents in d->currency.
 *
 * The lines' amounts and the totals come from ledger_superbill (ledger.h): a line is
 * units x fee per unit, less what was paid on it. A waived line keeps its amount (it was
 * charged, and waived: ledger.h) and owes 0, so, as for a client's balance,
 *     charged = every line's amount, waived ones included
 *     waived  = the waived lines' amounts
 *     balance = charged - paid - waived.
 * A statement adds what was owed before the period and the payments received in it:
 *     due = forward + charged - waived - payments.
 * (A line's paid is what the ledger allocated to that charge, from any payment; a
 * statement's payments are the payments received in the period, whatever they paid.)
 *
 * A model is valid (billing_doc_check) when:
 *  - every string is valid UTF-8 of at most BILLING_DOC_TEXT_MAX characters;
 *  - currency is an ISO 4217 code (money_currency_valid); generated, from and to are real
 *    dates with from <= to; practice and client names and the practitioner's name are
 *    given; pay_online_url, when given, starts with https:// or http://;
 *  - at most BILLING_DOC_DIAGNOSES_MAX diagnoses, each a code in stored form
 *    (icd10_normalise leaves it as it is), no code twice; the title may be empty;
 *  - every line's date is in from..to; units 1..LEDGER_UNITS_MAX, fee 0..FEE_MAX_CENTS,
 *    paid 0..units x fee (ledger_superbill's rules); a waived line has nothing paid (only
 *    an open charge is waived); a session has a CPT code (cpt_valid), a place of service of
 *    two digits and a modifier of "" or two letters or digits, and its diagnosis pointers
 *    ("" for the first four diagnoses, else 1 to 4 distinct letters naming diagnoses:
 *    "A" is the first) ; a no-show or late-cancellation fee has no CPT code, modifier,
 *    place of service or pointer;
 *  - a statement's payments are dated in from..to, with a known method, an amount
 *    1..FEE_MAX_CENTS and a reference of at most LEDGER_REFERENCE_MAX characters; forward
 *    is within +-BILLING_DOC_FORWARD_MAX; a superbill has no payments and forward 0;
 *  - at most BILLING_DOC_LINES_MAX lines, BILLING_DOC_PAYMENTS_MAX payments and
 *    BILLING_DOC_LICENCES_MAX licences. */
#ifndef CONFIDE_PRACTICE_BILLING_DOC_H
#define CONFIDE_PRACTICE_BILLING_DOC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "practice/ledger.h"

#define BILLING_DOC_TEXT_MAX 2000
#define BILLING_DOC_DIAGNOSES_MAX 12
#define BILLING_DOC_LINES_MAX 2000
#define BILLING_DOC_PAYMENTS_MAX 2000
#define BILLING_DOC_LICENCES_MAX 20
#define BILLING_DOC_POINTERS_MAX 4
#define BILLING_DOC_FORWARD_MAX ((int64_t)1000000000000000) /* 10,000,000,000,000.00 */

enum billing_doc_kind {
    BILLING_SUPERBILL,
    BILLING_STATEMENT,
};

enum billing_line_kind {
    BILLING_LINE_SESSION,
    BILLING_LINE_NO_SHOW,     /* "No-show fee" */
    BILLING_LINE_LATE_CANCEL, /* "Late-cancellation fee" */
};

struct billing_licence {
    const char *type;         /* "LPC" */
    const char *number;       /* "C12345" */
    const char *jurisdiction; /* its name as printed: "Oregon" */
};

struct billing_diagnosis {
    const char *code;  /* stored form: "F41.1" */
    const char *title; /* may be empty */
};

struct billing_line {
    enum billing_line_kind kind;
    const char *date;             /* "YYYY-MM-DD", the date of service */
    const char *cpt;              /* a session's "90834"; none for a fee */
    const char *description;      /* a session's service; empty: the seed service's words */
    const char *modifier;         /* "95" or empty */
    const char *place_of_service; /* "02", "10" */
    const char *pointers;         /* "AB"; empty: the first four diagnoses */
    int units;                    /* 1..LEDGER_UNITS_MAX */
    int64_t fee_cents;            /* per unit */
    int64_t paid_cents;           /* allocated to this charge */
    bool waived;                  /* listed, owes 0 */
};

struct billing_payment {
    const char *date; /* "YYYY-MM-DD", received */
    enum ledger_method method;
    const char *reference; /* optional */
    int64_t amount_cents;  /* > 0 */
};

struct billing_doc {
    enum billing_doc_kind kind;
    const char *currency;  /* "USD" */
    const char *generated; /* "YYYY-MM-DD" printed as the document's date */
    const char *from;      /* the period, both days included */
    const char *to;
    struct {
        const char *name;
        const char *address; /* lines separated by '\n' */
        const char *npi;
        const char *tax_id;
        const char *pay_online_url; /* a statement says "Pay online: <url>" */
    } practice;
    struct {
        const char *name;
        const char *npi; /* the individual NPI, optional */
        const struct billing_licence *licences;
        size_t n_licences;
    } practitioner;
    struct {
        const char *name;
        const char *address; /* lines separated by '\n' */
        const char *email;
    } client;
    struct {
        const char *payer;
        const char *member_id;
        const char *group_id;
        const char *subscriber;
        const char *relationship; /* the client to the subscriber: "self", "child" */
    } insurance;                  /* all empty: no insurance section */
    const struct billing_diagnosis *diagnoses;
    size_t n_diagnoses;
    const struct billing_line *lines;
    size_t n_lines;
    /* a statement's */
    int64_t forward_cents; /* owed before from (negative: a credit) */
    const struct billing_payment *payments;
    size_t n_payments;
};

struct billing_doc_totals {
    int64_t charged;  /* every line's amount, waived ones included */
    int64_t waived;   /* the waived lines' amounts */
    int64_t paid;     /* paid on the lines */
    int64_t balance;  /* charged - paid - waived: what the lines still owe */
    int64_t forward;  /* a statement's: owed before the period */
    int64_t payments; /* a statement's: received in the period */
    int64_t due;      /* a statement's: forward + charged - waived - payments; a superbill's:
                         its balance */
};

/* 0 when the model is valid (above), with each line as ledger_superbill works it out into
 * lines[0..d->n_lines) and the totals into out (either may be NULL); -EINVAL, nothing
 * written, when not. Both renderings check the model with it, once. */
int billing_doc_check(const struct billing_doc *d, struct superbill_line *lines,
                      struct billing_doc_totals *out);

/* The document as one standalone HTML page (inline style, nothing loaded from anywhere)
 * appended to out. 0, or -EINVAL with nothing appended when the model is invalid. */
int billing_doc_html(const struct billing_doc *d, struct buf *out);

/* The document as a PDF appended to out. 0; -EINVAL with nothing appended when the model
 * is invalid; -ENOMEM (nothing appended) when cairo fails. */
int billing_doc_pdf(const struct billing_doc *d, struct buf *out);

/* Frees what cairo and fontconfig keep for the life of the process (the fonts found, their
 * caches), so that a leak checker finds nothing at exit: call once, after the last PDF, with
 * no other thread drawing. A PDF made afterwards starts them again. */
void billing_doc_pdf_release(void);

/* Words both renderings print. */
const char *billing_doc_title(enum billing_doc_kind kind); /* "Superbill", "Statement" */
const char *billing_method_words(enum ledger_method m);    /* "Bank transfer" */
/* What a line of a valid model says it is: a session's description (or its seed
 * service's, or ""), "No-show fee", "Late-cancellation fee". */
const char *billing_line_service(const struct billing_line *l);
/* A session's diagnosis pointers as printed ("A, B"; "" for a fee or no diagnoses). */
#define BILLING_POINTERS_TEXT (BILLING_DOC_POINTERS_MAX * 3)
void billing_line_pointers(const struct billing_doc *d, const struct billing_line *l,
                           char out[BILLING_POINTERS_TEXT]);

#endif

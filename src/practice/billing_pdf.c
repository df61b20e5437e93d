/* billing_pdf: a superbill or statement drawn with cairo into a PDF (billing_doc.h).
 *
 * US Letter, DejaVu Sans (cairo's "toy" font selection through fontconfig), text drawn as
 * text so it can be searched and copied. Layout works top to bottom with a cursor; whatever
 * does not fit goes on a new page, where the table being drawn repeats its header. Each page
 * ends with "Page i of N": the document is laid out twice, the first time only to count
 * the pages (the layout does not depend on N). */
#include "practice/billing_doc.h"

#include <assert.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "practice/money.h"

#define PAGE_W 612.0 /* US Letter, points */
#define PAGE_H 792.0
#define MARGIN 36.0
#define CONTENT_W (PAGE_W - 2 * MARGIN)
#define TOP MARGIN
#define BOTTOM (PAGE_H - MARGIN - 18.0) /* the footer below */
#define GAP 12.0                        /* between columns and between blocks */
#define CELL_PAD 8.0                    /* between table columns */
#define FONT "DejaVu Sans"

/* tokens.css's light theme */
#define C_TEXT 0x1d2a2e
#define C_MUTED 0x4a5a5f
#define C_BRAND 0x2f5d62
#define C_LINE 0xd5dcd9

enum style {
    S_TEXT,  /* 9 pt */
    S_BOLD,  /* 9 pt bold */
    S_MUTED, /* 9 pt, muted */
    S_HEAD,  /* a block's heading: 7.5 pt bold, muted */
    S_CELL,  /* a table's cell: 8 pt */
    S_CELLB, /* a table's header, a waived tag: 8 pt bold */
    S_TITLE, /* the practice's name and the document's kind: 15 pt bold */
    S_FOOT,  /* the footer: 7.5 pt, muted */
};

static const struct {
    double size, lead;
    int bold;
    unsigned colour;
} styles[] = {
    [S_TEXT] = {9, 12, 0, C_TEXT},    [S_BOLD] = {9, 12, 1, C_TEXT},
    [S_MUTED] = {9, 12, 0, C_MUTED},  [S_HEAD] = {7.5, 12, 1, C_MUTED},
    [S_CELL] = {8, 10.5, 0, C_TEXT},  [S_CELLB] = {8, 10.5, 1, C_TEXT},
    [S_TITLE] = {15, 19, 1, C_BRAND}, [S_FOOT] = {7.5, 10, 0, C_MUTED},
};

struct line {
    char *text;
    enum style style;
};

struct lines {
    struct line *v;
    size_t n, cap;
};

enum align { LEFT, RIGHT };

struct column {
    const char *label;
    enum align align;
    double x, w;
};

#define COLUMNS_MAX 11

struct table {
    struct column col[COLUMNS_MAX];
    size_t n;
};

struct pdf {
    cairo_t *cr;
    const struct billing_doc *d;
    const struct superbill_line *w;
    const struct billing_doc_totals *t;
    int page;                   /* 1.. */
    int pages;                  /* 0 while counting */
    double y;                   /* the top of the next line */
    const struct table *repeat; /* the table whose header a new page repeats */
};

static bool given(const char *s)
{
    return s && s[0];
}

static void set_style(cairo_t *cr, enum style s)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           styles[s].bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, styles[s].size);
    unsigned c = styles[s].colour;
    cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0,
                         (c & 0xff) / 255.0);
}

static void set_colour(cairo_t *cr, unsigned c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0,
                         (c & 0xff) / 255.0);
}

/* the advance of s[0..len) in the current font */
static double width_n(cairo_t *cr, const char *s, size_t len)
{
    char stack[256];
    char *t = len < sizeof stack ? stack : xmalloc(len + 1);
    memcpy(t, s, len);
    t[len] = '\0';
    cairo_text_extents_t e;
    cairo_text_extents(cr, t, &e);
    if (t != stack)
        free(t);
    return e.x_advance;
}

static double width(cairo_t *cr, const char *s)
{
    return width_n(cr, s, strlen(s));
}

static void push(struct lines *ls, const char *s, size_t len, enum style st)
{
    if (ls->n == ls->cap) {
        ls->cap = ls->cap ? ls->cap * 2 : 8;
        struct line *v = xcalloc(ls->cap, sizeof *v);
        if (ls->n)
            memcpy(v, ls->v, ls->n * sizeof *v);
        free(ls->v);
        ls->v = v;
    }
    char *t = xmalloc(len + 1);
    memcpy(t, s, len);
    t[len] = '\0';
    /* controls (a tab, a stray CR) print as spaces */
    for (char *c = t; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
    ls->v[ls->n++] = (struct line){t, st};
}

static void lines_free(struct lines *ls)
{
    for (size_t i = 0; i < ls->n; i++)
        free(ls->v[i].text);
    free(ls->v);
    *ls = (struct lines){0};
}

/* the length of the UTF-8 character at s */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    for (size_t i = 1; i < n; i++)
        if (!s[i])
            return i;
    return n;
}

/* text broken into lines of at most maxw in style st: at '\n', then at spaces, and inside a
 * word only when the word alone is wider than a line */
static void wrap(cairo_t *cr, struct lines *ls, const char *text, enum style st, double maxw)
{
    if (!given(text))
        return;
    set_style(cr, st);
    const char *s = text;
    for (;;) {
        const char *end = strchr(s, '\n');
        if (!end)
            end = s + strlen(s);
        const char *p = s;
        do {
            while (p < end && *p == ' ')
                p++;
            size_t fit = 0; /* the longest prefix ending at a word's end that fits */
            const char *q = p;
            while (q < end) {
                const char *word_end = q;
                while (word_end < end && *word_end != ' ')
                    word_end++;
                if (width_n(cr, p, (size_t)(word_end - p)) > maxw)
                    break;
                fit = (size_t)(word_end - p);
                q = word_end;
                while (q < end && *q == ' ')
                    q++;
            }
            if (!fit && p < end) { /* a word wider than the line: as many characters as fit */
                size_t n = char_len(p);
                while (p + n < end && p[n] != ' ' && width_n(cr, p, n + char_len(p + n)) <= maxw)
                    n += char_len(p + n);
                fit = n;
            }
            push(ls, p, fit, st);
            p += fit;
            while (p < end && *p == ' ')
                p++;
        } while (p < end);
        if (!*end)
            break;
        s = end + 1;
    }
}

static void text_at(cairo_t *cr, double x, double y, enum style st, const char *s)
{
    set_style(cr, st);
    cairo_move_to(cr, x, y + styles[st].lead * 0.78);
    cairo_show_text(cr, s);
}

static void text_right(cairo_t *cr, double xr, double y, enum style st, const char *s)
{
    set_style(cr, st);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, xr - e.x_advance, y + styles[st].lead * 0.78);
    cairo_show_text(cr, s);
}

static void rule(cairo_t *cr, double y, double w, unsigned colour)
{
    set_colour(cr, colour);
    cairo_set_line_width(cr, w);
    cairo_move_to(cr, MARGIN, y);
    cairo_line_to(cr, PAGE_W - MARGIN, y);
    cairo_stroke(cr);
}

/* ---- pages ---- */

static void footer(struct pdf *p)
{
    cairo_t *cr = p->cr;
    char page[64];
    snprintf(page, sizeof page, "Page %d of %d", p->page, p->pages ? p->pages : 1);
    double y = PAGE_H - MARGIN - styles[S_FOOT].lead;
    rule(cr, y - 4, 0.5, C_LINE);
    text_right(cr, PAGE_W - MARGIN, y, S_FOOT, page);
    set_style(cr, S_FOOT);
    double room = CONTENT_W - width(cr, page) - GAP;
    struct buf what = {0};
    buf_printf(&what, "%s \xe2\x80\x94 ", billing_doc_title(p->d->kind));
    buf_puts(&what, p->d->client.name);
    buf_printf(&what, " \xe2\x80\x94 %s to %s", p->d->from, p->d->to);
    struct lines ls = {0};
    wrap(cr, &ls, what.data, S_FOOT, room);
    text_at(cr, MARGIN, y, S_FOOT, ls.v[0].text);
    lines_free(&ls);
    buf_free(&what);
}

static void table_header(struct pdf *p, const struct table *t);

static void next_page(struct pdf *p)
{
    footer(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = TOP;
    if (p->repeat)
        table_header(p, p->repeat);
}

/* room for h more points on this page, or a new page */
static void ensure(struct pdf *p, double h)
{
    if (p->y + h > BOTTOM && p->y > TOP + (p->repeat ? 30 : 0))
        next_page(p);
}

/* columns of lines side by side, row by row (a long block goes on over pages) */
static void draw_columns(struct pdf *p, struct lines *cols, const double *x, const double *w,
                         const enum align *align, size_t n)
{
    size_t rows = 0;
    for (size_t c = 0; c < n; c++)
        rows = cols[c].n > rows ? cols[c].n : rows;
    for (size_t r = 0; r < rows; r++) {
        double lead = 0;
        for (size_t c = 0; c < n; c++)
            if (r < cols[c].n && styles[cols[c].v[r].style].lead > lead)
                lead = styles[cols[c].v[r].style].lead;
        ensure(p, lead);
        for (size_t c = 0; c < n; c++) {
            if (r >= cols[c].n)
                continue;
            const struct line *l = &cols[c].v[r];
            if (align[c] == RIGHT)
                text_right(p->cr, x[c] + w[c], p->y, l->style, l->text);
            else
                text_at(p->cr, x[c], p->y, l->style, l->text);
        }
        p->y += lead;
    }
}

/* ---- the blocks ---- */

static void block_top(struct pdf *p)
{
    const struct billing_doc *d = p->d;
    cairo_t *cr = p->cr;
    const double right_w = 170;
    const double left_w = CONTENT_W - right_w - GAP;
    struct lines cols[2] = {{0}};
    wrap(cr, &cols[0], d->practice.name, S_TITLE, left_w);
    wrap(cr, &cols[0], d->practice.address, S_TEXT, left_w);
    if (given(d->practice.npi)) {
        struct buf b = {0};
        buf_printf(&b, "NPI %s", d->practice.npi);
        wrap(cr, &cols[0], b.data, S_TEXT, left_w);
        buf_free(&b);
    }
    if (given(d->practice.tax_id)) {
        struct buf b = {0};
        buf_printf(&b, "Tax ID %s", d->practice.tax_id);
        wrap(cr, &cols[0], b.data, S_TEXT, left_w);
        buf_free(&b);
    }
    wrap(cr, &cols[1], billing_doc_title(d->kind), S_TITLE, right_w);
    struct buf b = {0};
    buf_printf(&b, "Date %s", d->generated);
    wrap(cr, &cols[1], b.data, S_TEXT, right_w);
    buf_reset(&b);
    buf_printf(&b, "Period %s to %s", d->from, d->to);
    wrap(cr, &cols[1], b.data, S_TEXT, right_w);
    buf_free(&b);
    const double x[2] = {MARGIN, MARGIN + left_w + GAP}, w[2] = {left_w, right_w};
    const enum align al[2] = {LEFT, RIGHT};
    draw_columns(p, cols, x, w, al, 2);
    lines_free(&cols[0]);
    lines_free(&cols[1]);
    p->y += 6;
    rule(cr, p->y, 1.5, C_BRAND);
    p->y += GAP;
}

static void field(cairo_t *cr, struct lines *ls, const char *label, const char *value, double w)
{
    if (!given(value))
        return;
    struct buf b = {0};
    buf_printf(&b, "%s: ", label);
    buf_puts(&b, value);
    wrap(cr, ls, b.data, S_TEXT, w);
    buf_free(&b);
}

static void block_parties(struct pdf *p)
{
    const struct billing_doc *d = p->d;
    cairo_t *cr = p->cr;
    bool insurance = d->kind == BILLING_SUPERBILL &&
                     (given(d->insurance.payer) || given(d->insurance.member_id) ||
                      given(d->insurance.group_id) || given(d->insurance.subscriber) ||
                      given(d->insurance.relationship));
    size_t n = insurance ? 3 : 2;
    double cw = (CONTENT_W - (double)(n - 1) * GAP) / (double)n;
    struct lines cols[3] = {{0}};

    wrap(cr, &cols[0], "CLIENT", S_HEAD, cw);
    wrap(cr, &cols[0], d->client.name, S_BOLD, cw);
    wrap(cr, &cols[0], d->client.address, S_TEXT, cw);
    wrap(cr, &cols[0], d->client.email, S_TEXT, cw);

    wrap(cr, &cols[1], "PRACTITIONER", S_HEAD, cw);
    wrap(cr, &cols[1], d->practitioner.name, S_BOLD, cw);
    field(cr, &cols[1], "NPI", d->practitioner.npi, cw);
    for (size_t i = 0; i < d->practitioner.n_licences; i++) {
        const struct billing_licence *l = &d->practitioner.licences[i];
        struct buf b = {0};
        buf_puts(&b, given(l->type) ? l->type : "");
        if (given(l->type) && given(l->number))
            buf_puts(&b, " ");
        buf_puts(&b, given(l->number) ? l->number : "");
        if (given(l->jurisdiction)) {
            buf_puts(&b, ", ");
            buf_puts(&b, l->jurisdiction);
        }
        wrap(cr, &cols[1], b.data, S_TEXT, cw);
        buf_free(&b);
    }

    if (insurance) {
        wrap(cr, &cols[2], "INSURANCE", S_HEAD, cw);
        field(cr, &cols[2], "Payer", d->insurance.payer, cw);
        field(cr, &cols[2], "Member ID", d->insurance.member_id, cw);
        field(cr, &cols[2], "Group ID", d->insurance.group_id, cw);
        field(cr, &cols[2], "Subscriber", d->insurance.subscriber, cw);
        field(cr, &cols[2], "Relationship", d->insurance.relationship, cw);
    }
    double x[3], w[3];
    enum align al[3] = {LEFT, LEFT, LEFT};
    for (size_t i = 0; i < n; i++) {
        x[i] = MARGIN + (double)i * (cw + GAP);
        w[i] = cw;
    }
    draw_columns(p, cols, x, w, al, n);
    for (size_t i = 0; i < n; i++)
        lines_free(&cols[i]);
    p->y += GAP;
}

static void heading(struct pdf *p, const char *text, double keep)
{
    ensure(p, styles[S_HEAD].lead + keep);
    text_at(p->cr, MARGIN, p->y, S_HEAD, text);
    p->y += styles[S_HEAD].lead + 2;
}

static void block_diagnoses(struct pdf *p)
{
    const struct billing_doc *d = p->d;
    if (d->kind != BILLING_SUPERBILL || !d->n_diagnoses)
        return;
    cairo_t *cr = p->cr;
    heading(p, "DIAGNOSES (ICD-10-CM)", styles[S_TEXT].lead);
    set_style(cr, S_BOLD);
    const double ptr_w = 16, code_w = width(cr, "W00.0000") + GAP;
    const double title_w = CONTENT_W - ptr_w - code_w;
    for (size_t i = 0; i < d->n_diagnoses; i++) {
        struct lines cols[3] = {{0}};
        char ptr[2] = {(char)('A' + i), '\0'};
        wrap(cr, &cols[0], ptr, S_BOLD, ptr_w);
        wrap(cr, &cols[1], d->diagnoses[i].code, S_BOLD, code_w);
        wrap(cr, &cols[2], d->diagnoses[i].title, S_TEXT, title_w);
        const double x[3] = {MARGIN, MARGIN + ptr_w, MARGIN + ptr_w + code_w};
        const double w[3] = {ptr_w, code_w, title_w};
        const enum align al[3] = {LEFT, LEFT, LEFT};
        draw_columns(p, cols, x, w, al, 3);
        for (size_t c = 0; c < 3; c++)
            lines_free(&cols[c]);
    }
    p->y += GAP;
}

static void table_header(struct pdf *p, const struct table *t)
{
    double lead = styles[S_CELLB].lead;
    for (size_t c = 0; c < t->n; c++) {
        const struct column *col = &t->col[c];
        if (col->align == RIGHT)
            text_right(p->cr, col->x + col->w, p->y, S_CELLB, col->label);
        else
            text_at(p->cr, col->x, p->y, S_CELLB, col->label);
    }
    p->y += lead + 2;
    rule(p->cr, p->y, 1, C_LINE);
    p->y += 3;
}

/* the table's columns laid out: each as wide as its widest cell, the one at flex taking
 * what is left */
static void table_layout(cairo_t *cr, struct table *t, size_t flex, double *widest)
{
    set_style(cr, S_CELLB);
    double fixed = 0;
    for (size_t c = 0; c < t->n; c++) {
        double hw = width(cr, t->col[c].label);
        t->col[c].w = widest[c] > hw ? widest[c] : hw;
        if (c != flex)
            fixed += t->col[c].w;
    }
    double rest = CONTENT_W - fixed - CELL_PAD * (double)(t->n - 1);
    t->col[flex].w = rest > 40 ? rest : 40;
    double x = MARGIN;
    for (size_t c = 0; c < t->n; c++) {
        t->col[c].x = x;
        x += t->col[c].w + CELL_PAD;
    }
}

/* a row of cells (cells[c] may hold several lines) */
static void table_row(struct pdf *p, const struct table *t, struct lines *cells)
{
    size_t rows = 1;
    for (size_t c = 0; c < t->n; c++)
        rows = cells[c].n > rows ? cells[c].n : rows;
    double lead = styles[S_CELL].lead;
    ensure(p, (double)rows * lead + 4);
    for (size_t c = 0; c < t->n; c++)
        for (size_t r = 0; r < cells[c].n; r++) {
            const struct line *l = &cells[c].v[r];
            double y = p->y + (double)r * lead;
            if (t->col[c].align == RIGHT)
                text_right(p->cr, t->col[c].x + t->col[c].w, y, l->style, l->text);
            else
                text_at(p->cr, t->col[c].x, y, l->style, l->text);
        }
    p->y += (double)rows * lead + 2;
    rule(p->cr, p->y, 0.5, C_LINE);
    p->y += 2;
}

enum { L_DATE, L_CPT, L_SERVICE, L_MOD, L_POS, L_DX, L_UNITS, L_FEE, L_AMOUNT, L_PAID, L_BAL };

/* a line's cells, each as one string (the service is wrapped later); NULL for a column the
 * statement does not have */
static void line_cells(const struct pdf *p, size_t i, char cells[][MONEY_TEXT_MAX + 8],
                       const char **service)
{
    const struct billing_doc *d = p->d;
    const struct billing_line *l = &d->lines[i];
    snprintf(cells[L_DATE], MONEY_TEXT_MAX, "%s", l->date);
    snprintf(cells[L_CPT], MONEY_TEXT_MAX, "%s", l->kind == BILLING_LINE_SESSION ? l->cpt : "");
    cells[L_SERVICE][0] = '\0';
    *service = billing_line_service(l);
    snprintf(cells[L_MOD], MONEY_TEXT_MAX, "%s", given(l->modifier) ? l->modifier : "");
    snprintf(cells[L_POS], MONEY_TEXT_MAX, "%s",
             given(l->place_of_service) ? l->place_of_service : "");
    billing_line_pointers(d, l, cells[L_DX]);
    snprintf(cells[L_UNITS], MONEY_TEXT_MAX, "%d", l->units);
    money_format(l->fee_cents, d->currency, cells[L_FEE]);
    money_format(p->w[i].amount_cents, d->currency, cells[L_AMOUNT]);
    money_format(p->w[i].paid_cents, d->currency, cells[L_PAID]);
    money_format(l->waived ? 0 : p->w[i].balance_cents, d->currency, cells[L_BAL]);
}

static void block_lines(struct pdf *p)
{
    const struct billing_doc *d = p->d;
    cairo_t *cr = p->cr;
    bool sb = d->kind == BILLING_SUPERBILL;
    heading(p, "SERVICES", 40);
    if (!d->n_lines) {
        text_at(cr, MARGIN, p->y, S_MUTED, "No services in this period.");
        p->y += styles[S_MUTED].lead + GAP;
        return;
    }
    /* the superbill's columns, or the statement's (date, CPT, service, amount, paid,
     * balance) */
    static const struct column all[] = {
        [L_DATE] = {"Date", LEFT, 0, 0},       [L_CPT] = {"CPT", LEFT, 0, 0},
        [L_SERVICE] = {"Service", LEFT, 0, 0}, [L_MOD] = {"Mod.", LEFT, 0, 0},
        [L_POS] = {"POS", LEFT, 0, 0},         [L_DX] = {"Dx", LEFT, 0, 0},
        [L_UNITS] = {"Units", RIGHT, 0, 0},    [L_FEE] = {"Fee", RIGHT, 0, 0},
        [L_AMOUNT] = {"Amount", RIGHT, 0, 0},  [L_PAID] = {"Paid", RIGHT, 0, 0},
        [L_BAL] = {"Balance", RIGHT, 0, 0},
    };
    static const size_t sb_cols[] = {L_DATE,  L_CPT, L_SERVICE, L_MOD,  L_POS, L_DX,
                                     L_UNITS, L_FEE, L_AMOUNT,  L_PAID, L_BAL};
    static const size_t st_cols[] = {L_DATE, L_CPT, L_SERVICE, L_AMOUNT, L_PAID, L_BAL};
    const size_t *which = sb ? sb_cols : st_cols;
    size_t n = sb ? sizeof sb_cols / sizeof sb_cols[0] : sizeof st_cols / sizeof st_cols[0];
    struct table t = {.n = n};
    for (size_t c = 0; c < n; c++)
        t.col[c] = all[which[c]];
    size_t flex = 2; /* the service, in both */
    assert(which[flex] == L_SERVICE);

    double widest[COLUMNS_MAX] = {0};
    set_style(cr, S_CELL);
    for (size_t i = 0; i < d->n_lines; i++) {
        char cells[COLUMNS_MAX][MONEY_TEXT_MAX + 8];
        const char *service;
        line_cells(p, i, cells, &service);
        for (size_t c = 0; c < n; c++) {
            double cw = width(cr, cells[which[c]]);
            widest[c] = cw > widest[c] ? cw : widest[c];
        }
    }
    table_layout(cr, &t, flex, widest);

    table_header(p, &t);
    p->repeat = &t;
    for (size_t i = 0; i < d->n_lines; i++) {
        char cells[COLUMNS_MAX][MONEY_TEXT_MAX + 8];
        const char *service;
        line_cells(p, i, cells, &service);
        struct lines row[COLUMNS_MAX] = {{0}};
        for (size_t c = 0; c < n; c++) {
            if (which[c] == L_SERVICE) {
                wrap(cr, &row[c], service, S_CELL, t.col[c].w);
                if (d->lines[i].waived)
                    wrap(cr, &row[c], "Waived", S_CELLB, t.col[c].w);
            } else if (cells[which[c]][0]) {
                push(&row[c], cells[which[c]], strlen(cells[which[c]]), S_CELL);
            }
        }
        table_row(p, &t, row);
        for (size_t c = 0; c < n; c++)
            lines_free(&row[c]);
    }
    p->repeat = NULL;
    p->y += GAP;
}

static void block_payments(struct pdf *p)
{
    const struct billing_doc *d = p->d;
    if (d->kind != BILLING_STATEMENT)
        return;
    cairo_t *cr = p->cr;
    heading(p, "PAYMENTS RECEIVED", 40);
    if (!d->n_payments) {
        text_at(cr, MARGIN, p->y, S_MUTED, "No payments in this period.");
        p->y += styles[S_MUTED].lead + GAP;
        return;
    }
    struct table t = {.n = 4,
                      .col = {{"Date", LEFT, 0, 0},
                              {"Method", LEFT, 0, 0},
                              {"Reference", LEFT, 0, 0},
                              {"Amount", RIGHT, 0, 0}}};
    double widest[COLUMNS_MAX] = {0};
    set_style(cr, S_CELL);
    for (size_t i = 0; i < d->n_payments; i++) {
        char amount[MONEY_TEXT_MAX];
        money_format(d->payments[i].amount_cents, d->currency, amount);
        double w[3] = {width(cr, d->payments[i].date),
                       width(cr, billing_method_words(d->payments[i].method)), width(cr, amount)};
        widest[0] = w[0] > widest[0] ? w[0] : widest[0];
        widest[1] = w[1] > widest[1] ? w[1] : widest[1];
        widest[3] = w[2] > widest[3] ? w[2] : widest[3];
    }
    table_layout(cr, &t, 2, widest);
    table_header(p, &t);
    p->repeat = &t;
    for (size_t i = 0; i < d->n_payments; i++) {
        const struct billing_payment *pay = &d->payments[i];
        char amount[MONEY_TEXT_MAX];
        money_format(pay->amount_cents, d->currency, amount);
        struct lines row[4] = {{0}};
        push(&row[0], pay->date, strlen(pay->date), S_CELL);
        const char *m = billing_method_words(pay->method);
        push(&row[1], m, strlen(m), S_CELL);
        wrap(cr, &row[2], pay->reference, S_CELL, t.col[2].w);
        push(&row[3], amount, strlen(amount), S_CELL);
        table_row(p, &t, row);
        for (size_t c = 0; c < 4; c++)
            lines_free(&row[c]);
    }
    p->repeat = NULL;
    p->y += GAP;
}

static void total_row(struct pdf *p, double x, const char *label, int64_t cents, bool due)
{
    char money[MONEY_TEXT_MAX];
    money_format(cents, p->d->currency, money);
    enum style st = due ? S_BOLD : S_TEXT;
    if (due) {
        set_colour(p->cr, C_BRAND);
        cairo_set_line_width(p->cr, 1.5);
        cairo_move_to(p->cr, x, p->y + 1);
        cairo_line_to(p->cr, PAGE_W - MARGIN, p->y + 1);
        cairo_stroke(p->cr);
        p->y += 4;
    }
    text_at(p->cr, x, p->y, st, label);
    text_right(p->cr, PAGE_W - MARGIN, p->y, st, money);
    p->y += styles[st].lead;
}

static void block_totals(struct pdf *p)
{
    const struct billing_doc *d = p->d;
    const struct billing_doc_totals *t = p->t;
    const double x = PAGE_W - MARGIN - 230;
    ensure(p, 6 * styles[S_TEXT].lead + 10);
    text_at(p->cr, x, p->y, S_HEAD, "TOTALS");
    p->y += styles[S_HEAD].lead + 2;
    if (d->kind == BILLING_SUPERBILL) {
        total_row(p, x, "Charged", t->charged, false);
        if (t->waived)
            total_row(p, x, "Waived", -t->waived, false);
        total_row(p, x, "Paid", -t->paid, false);
        total_row(p, x, "Balance", t->balance, true);
    } else {
        total_row(p, x, "Balance brought forward", t->forward, false);
        total_row(p, x, "Charges", t->charged, false);
        if (t->waived)
            total_row(p, x, "Waived", -t->waived, false);
        total_row(p, x, "Payments received", -t->payments, false);
        total_row(p, x, "Balance due", t->due, true);
    }
    p->y += GAP;
    if (d->kind == BILLING_STATEMENT && given(d->practice.pay_online_url)) {
        struct buf b = {0};
        buf_puts(&b, "Pay online: ");
        buf_puts(&b, d->practice.pay_online_url);
        struct lines ls = {0};
        wrap(p->cr, &ls, b.data, S_BOLD, CONTENT_W);
        ensure(p, (double)ls.n * styles[S_BOLD].lead);
        /* a link in the PDF too: cairo's attribute string, quotes and backslashes escaped */
        struct buf link = {0};
        buf_puts(&link, "uri='");
        for (const char *c = d->practice.pay_online_url; *c; c++) {
            if (*c == '\'' || *c == '\\')
                buf_puts(&link, "\\");
            buf_append(&link, c, 1);
        }
        buf_puts(&link, "'");
        cairo_tag_begin(p->cr, CAIRO_TAG_LINK, link.data);
        double x0[1] = {MARGIN}, w0[1] = {CONTENT_W};
        enum align al[1] = {LEFT};
        draw_columns(p, &ls, x0, w0, al, 1);
        cairo_tag_end(p->cr, CAIRO_TAG_LINK);
        lines_free(&ls);
        buf_free(&link);
        buf_free(&b);
    }
}

/* ---- the surface ---- */

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    buf_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t to_nowhere(void *closure, const unsigned char *data, unsigned int len)
{
    return CAIRO_STATUS_SUCCESS;
}

/* One rendering: into out (NULL: nowhere), with pages as the page count the footers say
 * (0: not known yet). Returns the pages drawn, or -ENOMEM. */
static int render(const struct billing_doc *d, const struct superbill_line *w,
                  const struct billing_doc_totals *t, int pages, struct buf *out)
{
    cairo_surface_t *surface =
        cairo_pdf_surface_create_for_stream(out ? to_buf : to_nowhere, out, PAGE_W, PAGE_H);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return -ENOMEM;
    }
    struct buf title = {0};
    buf_printf(&title, "%s \xe2\x80\x94 ", billing_doc_title(d->kind));
    buf_puts(&title, d->client.name);
    buf_printf(&title, ", %s to %s", d->from, d->to);
    char created[32];
    snprintf(created, sizeof created, "%sT00:00:00Z", d->generated);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.data);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, d->practice.name);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "confide");
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created);
    buf_free(&title);

    cairo_t *cr = cairo_create(surface);
    struct pdf p = {.cr = cr, .d = d, .w = w, .t = t, .page = 1, .pages = pages, .y = TOP};
    block_top(&p);
    block_parties(&p);
    block_diagnoses(&p);
    block_lines(&p);
    block_payments(&p);
    block_totals(&p);
    footer(&p);
    cairo_show_page(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    return st == CAIRO_STATUS_SUCCESS ? p.page : -ENOMEM;
}

int billing_doc_pdf(const struct billing_doc *d, struct buf *out)
{
    assert(out);
    if (!d || d->n_lines > BILLING_DOC_LINES_MAX)
        return -EINVAL;
    struct superbill_line *w = xcalloc(d->n_lines ? d->n_lines : 1, sizeof *w);
    struct billing_doc_totals t;
    if (billing_doc_check(d, w, &t) < 0) {
        free(w);
        return -EINVAL;
    }
    int pages = render(d, w, &t, 0, NULL);
    struct buf pdf = {0};
    int drawn = pages > 0 ? render(d, w, &t, pages, &pdf) : pages;
    free(w);
    if (drawn < 0) {
        buf_free(&pdf);
        return -ENOMEM;
    }
    assert(drawn == pages); /* the layout does not depend on the page count */
    buf_append(out, pdf.data, pdf.len);
    buf_free(&pdf);
    return 0;
}

void billing_doc_pdf_release(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

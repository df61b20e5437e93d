/* compose: messages taken apart again (headers unfolded, encoded-words, MIME parts,
 * base64 and quoted-printable decoded) and compared with what went in; header injection
 * refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/rand.h"
#include "mail/compose.h"

#define T_DATE 1774026000000LL /* Fri, 20 Mar 2026 17:00:00 +0000 */

static const char CALENDAR[] = "BEGIN:VCALENDAR\r\n"
                               "METHOD:REQUEST\r\n"
                               "BEGIN:VEVENT\r\n"
                               "SUMMARY:Termin mit Praxis M\xc3\xbcller\r\n"
                               "END:VEVENT\r\n"
                               "END:VCALENDAR\r\n";

static const char TEXT[] =
    "Hello Ada,\n"
    "\n"
    "your appointment is on Friday. Gr\xc3\xbc\xc3\x9f"
    "e \xe2\x80\x93 see you then!\n"
    "Join: https://care.example/j/abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n"
    ".\n"
    "From here on, a = sign, a trailing space \n"
    "and a tab\t\r\n"
    "windows line\rold mac line\n"
    "-- \n"
    "--=_confide_mixed_7c1e\n"
    "Harbour Counselling";

/* TEXT with every line end as CRLF */
static const char TEXT_CRLF[] =
    "Hello Ada,\r\n"
    "\r\n"
    "your appointment is on Friday. Gr\xc3\xbc\xc3\x9f"
    "e \xe2\x80\x93 see you then!\r\n"
    "Join: "
    "https://care.example/j/abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n"
    ".\r\n"
    "From here on, a = sign, a trailing space \r\n"
    "and a tab\t\r\n"
    "windows line\r\nold mac line\r\n"
    "-- \r\n"
    "--=_confide_mixed_7c1e\r\n"
    "Harbour Counselling";

static const struct mail_attachment cal = {
    .filename = "invite.ics",
    .content_type = "text/calendar; charset=utf-8; method=REQUEST",
    .data = CALENDAR,
    .len = sizeof CALENDAR - 1,
};

static struct mail_message message(void)
{
    return (struct mail_message){
        .from_name = "Harbour Counselling",
        .from_email = "no-reply@care.example",
        .to_name = "Ada Lovelace",
        .to_email = "ada@example.org",
        .subject = "Your appointment",
        .message_id = "k3j4abc@care.example",
        .date_utc = T_DATE,
        .text = TEXT,
        .calendar = &cal,
    };
}

/* ---- taking a message apart ---- */

static void assert_lines_ok(const char *s, size_t len, size_t max)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r') {
            assert_true(i + 1 < len && s[i + 1] == '\n');
            if (i - start > max)
                fail_msg("line of %zu octets: %.*s", i - start, (int)(i - start), s + start);
            start = i + 2;
            i++;
        } else {
            assert_true(s[i] != '\n');
            assert_true(s[i] != '\0');
        }
    }
    assert_true(len - start <= max);
}

/* Headers end at the first empty line. */
static size_t header_len(const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");
    assert_non_null(end);
    return (size_t)(end - msg) + 2;
}

/* The unfolded value of a header field in [h, h+hlen), into out. */
static bool header(const char *h, size_t hlen, const char *name, struct buf *out)
{
    buf_reset(out);
    size_t n = strlen(name);
    for (size_t i = 0; i < hlen;) {
        const char *line = h + i;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *p = line + n + 1;
            while (*p == ' ')
                p++;
            for (; p < h + hlen; p++) {
                if (p[0] == '\r' && p[1] == '\n') {
                    if (p[2] != ' ' && p[2] != '\t')
                        return true;
                    p++; /* unfold: drop the CRLF, keep the whitespace */
                    continue;
                }
                buf_append(out, p, 1);
            }
            return true;
        }
        const char *eol = strstr(line, "\r\n");
        assert_non_null(eol);
        i = (size_t)(eol - h) + 2;
    }
    return false;
}

static void base64_decode(const char *s, size_t len, struct buf *out)
{
    buf_reset(out);
    unsigned char *bin = malloc(len + 1);
    size_t bin_len;
    assert_int_equal(sodium_base642bin(bin, len + 1, s, len, "\r\n", &bin_len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    buf_append(out, bin, bin_len);
    free(bin);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    fail_msg("bad hex digit %c", c);
    return 0;
}

static void qp_decode(const char *s, size_t len, struct buf *out)
{
    buf_reset(out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '=') {
            buf_append(out, s + i, 1);
        } else if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2; /* soft line break */
        } else {
            assert_true(i + 2 < len);
            char c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            buf_append(out, &c, 1);
            i += 2;
        }
    }
}

/* Decodes a header value made of "=?UTF-8?B?…?=" words and plain text (RFC 2047:
 * whitespace between two encoded-words is dropped). */
static void decode_words(const char *v, struct buf *out)
{
    buf_reset(out);
    struct buf bin = {0};
    bool last_encoded = false;
    const char *p = v;
    while (*p) {
        size_t ws = strspn(p, " \t");
        const char *word = p + ws;
        if (strncmp(word, "=?UTF-8?B?", 10) == 0) {
            const char *end = strstr(word + 10, "?=");
            assert_non_null(end);
            assert_true(end - word + 2 <= 75);
            if (!last_encoded)
                buf_append(out, p, ws);
            base64_decode(word + 10, (size_t)(end - word - 10), &bin);
            buf_append(out, bin.data, bin.len);
            p = end + 2;
            last_encoded = true;
        } else {
            size_t n = ws + strcspn(word, " \t");
            buf_append(out, p, n);
            p += n;
            last_encoded = false;
        }
    }
    buf_free(&bin);
}

/* The parameter `name` of a header value ("…; name="value"") */
static void param(const char *v, const char *name, struct buf *out)
{
    buf_reset(out);
    char key[64];
    snprintf(key, sizeof key, "; %s=\"", name);
    const char *p = strstr(v, key);
    assert_non_null(p);
    p += strlen(key);
    const char *end = strchr(p, '"');
    assert_non_null(end);
    buf_append(out, p, (size_t)(end - p));
}

struct part {
    const char *start; /* headers of the part */
    size_t len;
};

/* The body parts of a multipart body between "--boundary" delimiters. Returns the count. */
static int split(const char *body, size_t len, const char *boundary, struct part *parts, int max)
{
    char delim[128];
    snprintf(delim, sizeof delim, "--%s", boundary);
    size_t dlen = strlen(delim);
    const char *end = body + len;
    const char *p = body;
    /* the first delimiter may open the body; later ones follow a CRLF */
    const char *d = strncmp(p, delim, dlen) == 0 ? p : NULL;
    if (!d) {
        char with_crlf[132];
        snprintf(with_crlf, sizeof with_crlf, "\r\n%s", delim);
        d = strstr(p, with_crlf);
        assert_non_null(d);
        d += 2;
    }
    int n = 0;
    for (;;) {
        const char *after = d + dlen;
        if (after + 2 <= end && after[0] == '-' && after[1] == '-')
            return n; /* close delimiter */
        assert_memory_equal(after, "\r\n", 2);
        const char *content = after + 2;
        char with_crlf[132];
        snprintf(with_crlf, sizeof with_crlf, "\r\n%s", delim);
        const char *next = strstr(content, with_crlf);
        assert_non_null(next);
        assert_true(n < max);
        parts[n].start = content;
        parts[n].len = (size_t)(next - content);
        n++;
        d = next + 2;
    }
}

/* A part's headers and decoded content. */
static void open_part(const struct part *pt, struct buf *headers, struct buf *content)
{
    const char *sep = strstr(pt->start, "\r\n\r\n");
    assert_non_null(sep);
    assert_true(sep < pt->start + pt->len || (size_t)(sep - pt->start) == pt->len);
    buf_reset(headers);
    buf_append(headers, pt->start, (size_t)(sep - pt->start) + 2);
    const char *body = sep + 4;
    size_t blen = pt->len - (size_t)(body - pt->start);
    struct buf cte = {0};
    assert_true(header(headers->data, headers->len, "Content-Transfer-Encoding", &cte));
    if (strcmp(cte.data, "base64") == 0)
        base64_decode(body, blen, content);
    else if (strcmp(cte.data, "quoted-printable") == 0)
        qp_decode(body, blen, content);
    else
        fail_msg("unexpected encoding %s", cte.data);
    buf_free(&cte);
}

/* ---- tests ---- */

static void invitation_parts(void **state)
{
    struct mail_message m = message();
    struct buf b = {0}, v = {0}, ph = {0}, pc = {0}, x = {0};
    assert_int_equal(mail_compose(&m, &b), 0);
    assert_int_equal(strlen(b.data), b.len);
    assert_lines_ok(b.data, b.len, 998);
    size_t hlen = header_len(b.data);
    assert_lines_ok(b.data, hlen - 2, 78);

    assert_true(header(b.data, hlen, "Date", &v));
    assert_string_equal(v.data, "Fri, 20 Mar 2026 17:00:00 +0000");
    assert_true(header(b.data, hlen, "From", &v));
    assert_string_equal(v.data, "\"Harbour Counselling\" <no-reply@care.example>");
    assert_true(header(b.data, hlen, "To", &v));
    assert_string_equal(v.data, "\"Ada Lovelace\" <ada@example.org>");
    assert_true(header(b.data, hlen, "Message-ID", &v));
    assert_string_equal(v.data, "<k3j4abc@care.example>");
    assert_true(header(b.data, hlen, "Subject", &v));
    assert_string_equal(v.data, "Your appointment");
    assert_true(header(b.data, hlen, "MIME-Version", &v));
    assert_string_equal(v.data, "1.0");
    assert_true(header(b.data, hlen, "Content-Type", &v));
    assert_true(strncmp(v.data, "multipart/mixed;", 16) == 0);

    /* multipart/mixed: the alternative, then the attachment */
    struct buf boundary = {0};
    param(v.data, "boundary", &boundary);
    struct part mixed[4];
    assert_int_equal(split(b.data + hlen + 2, b.len - hlen - 2, boundary.data, mixed, 4), 2);
    /* nothing but an optional CRLF after the close delimiter */
    char close[140];
    snprintf(close, sizeof close, "\r\n--%s--\r\n", boundary.data);
    assert_string_equal(b.data + b.len - strlen(close), close);

    const char *sep = strstr(mixed[0].start, "\r\n\r\n");
    buf_reset(&ph);
    buf_append(&ph, mixed[0].start, (size_t)(sep - mixed[0].start) + 2);
    assert_true(header(ph.data, ph.len, "Content-Type", &v));
    assert_true(strncmp(v.data, "multipart/alternative;", 22) == 0);
    struct buf alt_boundary = {0};
    param(v.data, "boundary", &alt_boundary);
    assert_string_not_equal(alt_boundary.data, boundary.data);
    const char *alt_body = sep + 4;
    struct part alt[4];
    assert_int_equal(split(alt_body, mixed[0].len - (size_t)(alt_body - mixed[0].start),
                           alt_boundary.data, alt, 4),
                     2);

    open_part(&alt[0], &ph, &pc);
    assert_true(header(ph.data, ph.len, "Content-Type", &v));
    assert_string_equal(v.data, "text/plain; charset=utf-8");
    assert_string_equal(pc.data, TEXT_CRLF);
    assert_int_equal(pc.len, strlen(TEXT_CRLF));
    /* quoted-printable lines stay within 76, and "=" only starts an escape */
    assert_lines_ok(alt[0].start, alt[0].len, 998);

    open_part(&alt[1], &ph, &pc);
    assert_true(header(ph.data, ph.len, "Content-Type", &v));
    assert_string_equal(v.data, "text/calendar; charset=utf-8; method=REQUEST");
    assert_int_equal(pc.len, sizeof CALENDAR - 1);
    assert_memory_equal(pc.data, CALENDAR, pc.len);
    assert_false(header(ph.data, ph.len, "Content-Disposition", &v));

    open_part(&mixed[1], &ph, &pc);
    assert_true(header(ph.data, ph.len, "Content-Type", &v));
    assert_string_equal(v.data, "application/ics; name=\"invite.ics\"");
    assert_true(header(ph.data, ph.len, "Content-Disposition", &v));
    assert_string_equal(v.data, "attachment; filename=\"invite.ics\"");
    assert_int_equal(pc.len, sizeof CALENDAR - 1);
    assert_memory_equal(pc.data, CALENDAR, pc.len);

    /* the body's lines: quoted-printable within 76 */
    const char *qp = strstr(alt[0].start, "\r\n\r\n") + 4;
    assert_lines_ok(qp, alt[0].len - (size_t)(qp - alt[0].start), 76);
    /* the line "." and "From " at a line start are encoded */
    assert_non_null(strstr(qp, "\r\n=2E\r\n"));
    assert_non_null(strstr(qp, "\r\n=46rom here"));
    assert_non_null(strstr(qp, "space=20\r\n"));
    assert_non_null(strstr(qp, "tab=09\r\n"));

    buf_free(&b);
    buf_free(&v);
    buf_free(&ph);
    buf_free(&pc);
    buf_free(&x);
    buf_free(&boundary);
    buf_free(&alt_boundary);
}

static void plain_message(void **state)
{
    struct mail_message m = message();
    m.calendar = NULL;
    m.to_name = NULL;
    struct buf b = {0}, v = {0}, pc = {0};
    assert_int_equal(mail_compose(&m, &b), 0);
    assert_lines_ok(b.data, b.len, 998);
    size_t hlen = header_len(b.data);
    assert_true(header(b.data, hlen, "To", &v));
    assert_string_equal(v.data, "ada@example.org");
    assert_true(header(b.data, hlen, "Content-Type", &v));
    assert_string_equal(v.data, "text/plain; charset=utf-8");
    assert_true(header(b.data, hlen, "Content-Transfer-Encoding", &v));
    assert_string_equal(v.data, "quoted-printable");
    assert_null(strstr(b.data, "multipart"));
    qp_decode(b.data + hlen + 2, b.len - hlen - 2, &pc);
    /* the message ends with a line end: one is added after the text's last line */
    assert_int_equal(pc.len, strlen(TEXT_CRLF) + 2);
    assert_memory_equal(pc.data, TEXT_CRLF, strlen(TEXT_CRLF));
    assert_string_equal(pc.data + strlen(TEXT_CRLF), "\r\n");

    /* a text that ends with a line end gets no second one */
    m.text = "one line\n";
    buf_reset(&b);
    assert_int_equal(mail_compose(&m, &b), 0);
    hlen = header_len(b.data);
    assert_string_equal(b.data + hlen + 2, "one line\r\n");

    /* an empty body */
    m.text = "";
    buf_reset(&b);
    assert_int_equal(mail_compose(&m, &b), 0);
    assert_string_equal(b.data + b.len - 4, "\r\n\r\n");
    buf_free(&b);
    buf_free(&v);
    buf_free(&pc);
}

static void encoded_words(void **state)
{
    struct mail_message m = message();
    struct buf b = {0}, v = {0}, d = {0};

    m.subject = "Termin mit Praxis M\xc3\xbcller";
    m.from_name = "Praxis M\xc3\xbcller";
    m.to_name = "Smith, John \"JJ\" \\o/";
    assert_int_equal(mail_compose(&m, &b), 0);
    size_t hlen = header_len(b.data);
    assert_lines_ok(b.data, hlen - 2, 76);
    assert_true(header(b.data, hlen, "Subject", &v));
    assert_true(strncmp(v.data, "=?UTF-8?B?", 10) == 0);
    for (const char *p = v.data; *p; p++)
        assert_true((unsigned char)*p < 0x80);
    decode_words(v.data, &d);
    assert_string_equal(d.data, m.subject);
    assert_true(header(b.data, hlen, "From", &v));
    const char *lt = strstr(v.data, " <no-reply@care.example>");
    assert_non_null(lt);
    assert_string_equal(lt, " <no-reply@care.example>");
    buf_reset(&d);
    struct buf name = {0};
    buf_append(&name, v.data, (size_t)(lt - v.data));
    decode_words(name.data, &d);
    assert_string_equal(d.data, m.from_name);
    assert_true(header(b.data, hlen, "To", &v));
    assert_string_equal(v.data, "\"Smith, John \\\"JJ\\\" \\\\o/\" <ada@example.org>");

    /* long subjects: many encoded-words, no line over 76, every character intact */
    char lng[400] = "";
    for (int i = 0; i < 60; i++)
        strcat(lng, i % 3 ? "\xc3\xa4" : (i % 5 ? "\xe2\x82\xac" : "\xf0\x9f\x98\x80 "));
    m.subject = lng;
    m.from_name = lng;
    buf_reset(&b);
    assert_int_equal(mail_compose(&m, &b), 0);
    hlen = header_len(b.data);
    assert_lines_ok(b.data, hlen - 2, 76);
    assert_true(header(b.data, hlen, "Subject", &v));
    decode_words(v.data, &d);
    assert_string_equal(d.data, lng);

    /* long ASCII subjects fold at spaces and unfold to the original */
    const char *ascii = "Your appointments with Harbour Counselling have been moved to a new "
                        "time, please check the attached invitation and the link inside it";
    m.subject = ascii;
    buf_reset(&b);
    assert_int_equal(mail_compose(&m, &b), 0);
    hlen = header_len(b.data);
    assert_lines_ok(b.data, hlen - 2, 78);
    assert_true(header(b.data, hlen, "Subject", &v));
    assert_string_equal(v.data, ascii);

    /* what plain text cannot carry unchanged is encoded: "=?", double or edge spaces, TAB */
    const char *odd[] = {"=?UTF-8?B?SGk=?=", "two  spaces", " leading", "trailing ", "a\tb", "x"};
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        m.subject = odd[i];
        buf_reset(&b);
        assert_int_equal(mail_compose(&m, &b), 0);
        hlen = header_len(b.data);
        assert_true(header(b.data, hlen, "Subject", &v));
        decode_words(v.data, &d);
        assert_string_equal(d.data, odd[i]);
    }

    buf_free(&b);
    buf_free(&v);
    buf_free(&d);
    buf_free(&name);
}

static void refusals(void **state)
{
    struct buf b = {0};
    struct mail_message m;
    struct mail_attachment a;
#define REFUSED(change)                                                                            \
    do {                                                                                           \
        m = message();                                                                             \
        a = cal;                                                                                   \
        m.calendar = &a;                                                                           \
        change;                                                                                    \
        assert_int_equal(mail_compose(&m, &b), -EINVAL);                                           \
        assert_int_equal(b.len, 0);                                                                \
    } while (0)
    REFUSED(m.subject = "Hello\r\nBcc: victim@example.org");
    REFUSED(m.subject = "Hello\nBcc: victim@example.org");
    REFUSED(m.subject = "Hello\rthere");
    REFUSED(m.subject = "bell\x07");
    REFUSED(m.subject = "bad \xc3\x28 utf-8");
    REFUSED(m.from_name = "Harbour\r\nBcc: victim@example.org");
    REFUSED(m.to_name = "Ada\nLovelace");
    REFUSED(m.to_name = "Ada\tLovelace");
    REFUSED(m.from_email = "no-reply@care.example\r\nBcc: victim@example.org");
    REFUSED(m.to_email = "ada@example.org\n");
    REFUSED(m.to_email = "Ada <ada@example.org>");
    REFUSED(m.to_email = "<ada@example.org>");
    REFUSED(m.to_email = "\"ada lovelace\"@example.org");
    REFUSED(m.to_email = "ada@[192.0.2.1]");
    REFUSED(m.to_email = "ada@example.org, eve@example.org");
    REFUSED(m.to_email = "ada..l@example.org");
    REFUSED(m.to_email = ".ada@example.org");
    REFUSED(m.to_email = "ada@-example.org");
    REFUSED(m.to_email = "ada@example..org");
    REFUSED(m.to_email = "ada@");
    REFUSED(m.to_email = "@example.org");
    REFUSED(m.to_email = "ad\xc3\xa4@example.org");
    REFUSED(m.to_email = NULL);
    REFUSED(m.from_email = "");
    REFUSED(m.message_id = NULL);
    REFUSED(m.message_id = "<abc@care.example>");
    REFUSED(m.message_id = "abc@care.example>\r\nBcc: x@y.z");
    REFUSED(m.message_id = "no-at-sign");
    REFUSED(m.text = "bad \xff utf-8");
    REFUSED(m.date_utc = -1);
    REFUSED(m.date_utc = 253402300800000LL);
    REFUSED(a.content_type = "text/calendar\r\nBcc: x@y.z");
    REFUSED(a.content_type = NULL);
    REFUSED(a.filename = "in\"vite.ics");
    REFUSED(a.filename = "invite\r\n.ics");
    REFUSED(a.data = NULL);
#undef REFUSED
    assert_int_equal(mail_compose(NULL, &b), -EINVAL);
    m = message();
    assert_int_equal(mail_compose(&m, NULL), -EINVAL);
    buf_free(&b);
}

static void message_ids(void **state)
{
    char a[128], b[128];
    mail_message_id_new("care.example", a);
    mail_message_id_new("care.example", b);
    assert_string_not_equal(a, b);
    assert_int_equal(strlen(a), 32 + strlen("@care.example"));
    assert_string_equal(a + 32, "@care.example");
    struct mail_message m = message();
    m.message_id = a;
    struct buf out = {0};
    assert_int_equal(mail_compose(&m, &out), 0); /* it is accepted as a Message-ID */
    buf_free(&out);

    mail_message_id_new("bad domain\r\n", a);
    assert_string_equal(a + 32, "@confide.invalid");
    mail_message_id_new(NULL, a);
    assert_string_equal(a + 32, "@confide.invalid");
    char longd[200];
    memset(longd, 'a', sizeof longd - 1);
    longd[sizeof longd - 1] = '\0';
    mail_message_id_new(longd, a);
    assert_string_equal(a + 32, "@confide.invalid");
}

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invitation_parts), cmocka_unit_test(plain_message),
        cmocka_unit_test(encoded_words),    cmocka_unit_test(refusals),
        cmocka_unit_test(message_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "mail/compose.h"

#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/email.h"
#include "core/rand.h"
#include "core/utf8.h"

/* Header lines are folded at 78 octets (RFC 5322 §2.1.1); a line holding encoded-words
 * stays within 76 (RFC 2047 §2). */
#define LINE_SOFT 78
#define LINE_EW 76
#define EW_PREFIX "=?UTF-8?B?"
#define EW_OVERHEAD (sizeof EW_PREFIX - 1 + 2)
/* "=_" never occurs in quoted-printable or base64 output, so these cannot collide with a
 * body; neither is a prefix of the other. */
#define BOUNDARY_MIXED "=_confide_mixed_7c1e"
#define BOUNDARY_ALT "=_confide_alt_7c1e"

/* UTF-8, no controls except (if allowed) TAB. Rejects CR and LF: no header injection. */
static bool header_text_ok(const char *s, bool tab_ok)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && !(tab_ok && *p == '\t')) || *p == 0x7f)
            return false;
    return utf8_valid(s);
}

/* msg-id without brackets: dot-atom-text "@" dot-atom-text. */
static bool message_id_ok(const char *id)
{
    if (!id)
        return false;
    size_t n = strlen(id);
    const char *at = strchr(id, '@');
    if (n > 250 || !at || strchr(at + 1, '@'))
        return false;
    size_t left = (size_t)(at - id);
    return email_dot_atom_ok(id, left, false) && email_dot_atom_ok(at + 1, n - left - 1, false);
}

/* A MIME parameter value we put in quotes, or a Content-Type line we copy as is. */
static bool ascii_printable(const char *s, const char *forbidden)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p >= 0x7f || strchr(forbidden, *p))
            return false;
    return true;
}

/* ---- header writing with folding ---- */

struct hdr {
    struct buf *out;
    size_t col;
    bool fresh; /* nothing written after "Name:" yet: no folding before the first token */
};

static void hdr_begin(struct hdr *h, struct buf *out, const char *name)
{
    h->out = out;
    buf_printf(out, "%s:", name);
    h->col = strlen(name) + 1;
    h->fresh = true;
}

/* A token that must not be split, after a space that becomes a fold when the line
 * would pass `limit`. */
static void hdr_token(struct hdr *h, const char *tok, size_t n, size_t limit)
{
    if (!h->fresh && h->col + 1 + n > limit) {
        buf_puts(h->out, "\r\n");
        h->col = 0;
    }
    buf_puts(h->out, " ");
    buf_append(h->out, tok, n);
    h->col += 1 + n;
    h->fresh = false;
}

static void hdr_end(struct hdr *h)
{
    buf_puts(h->out, "\r\n");
}

/* s as RFC 2047 B encoded-words, each ≤ 75 characters, split between UTF-8 characters,
 * every line ≤ 76. Whitespace between adjacent encoded-words is dropped by decoders. */
static void hdr_encoded(struct hdr *h, const char *s)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        size_t used = h->col + 1 + EW_OVERHEAD;
        size_t max = used < LINE_EW ? (LINE_EW - used) / 4 * 3 : 0;
        if (max > 45)
            max = 45; /* 60 base64 characters: the word stays under 75 */
        size_t n = len - i < max ? len - i : max;
        while (n > 0 && i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
            n--;
        if (n == 0) { /* no room left on this line */
            buf_puts(h->out, "\r\n");
            h->col = 0;
            h->fresh = false;
            continue;
        }
        char word[EW_OVERHEAD + 64 + 1];
        memcpy(word, EW_PREFIX, sizeof EW_PREFIX - 1);
        sodium_bin2base64(word + sizeof EW_PREFIX - 1, 64 + 1, (const unsigned char *)s + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        strcat(word, "?=");
        hdr_token(h, word, strlen(word), LINE_EW);
        i += n;
    }
}

/* Printable ASCII that reads the same unencoded: words of ≤ 70 characters with single
 * spaces between them, and no "=?" a decoder could take for an encoded-word. */
static bool plain_words(const char *s)
{
    size_t word = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ') {
            if (word == 0 || p[1] == ' ' || p[1] == '\0')
                return false;
            word = 0;
        } else if (*p < 0x21 || *p > 0x7e || ++word > 70) {
            return false;
        }
    }
    return strstr(s, "=?") == NULL;
}

static void hdr_unstructured(struct hdr *h, const char *s)
{
    if (!plain_words(s)) {
        hdr_encoded(h, s);
        return;
    }
    while (*s) {
        size_t n = strcspn(s, " ");
        hdr_token(h, s, n, LINE_SOFT);
        s += n + (s[n] == ' ');
    }
}

/* name-addr, or a bare addr-spec when there is no name. */
static void hdr_mailbox(struct buf *out, const char *field, const char *name, const char *email)
{
    struct hdr h;
    hdr_begin(&h, out, field);
    if (!name || !*name) {
        hdr_token(&h, email, strlen(email), LINE_SOFT);
        hdr_end(&h);
        return;
    }
    bool quotable = strlen(name) <= 60 && strstr(name, "=?") == NULL;
    for (const unsigned char *p = (const unsigned char *)name; *p && quotable; p++)
        quotable = *p >= 0x20 && *p < 0x7f;
    if (quotable) {
        char q[2 * 60 + 3], *o = q;
        *o++ = '"';
        for (const char *p = name; *p; p++) {
            if (*p == '"' || *p == '\\')
                *o++ = '\\';
            *o++ = *p;
        }
        *o++ = '"';
        hdr_token(&h, q, (size_t)(o - q), LINE_SOFT);
    } else {
        hdr_encoded(&h, name);
    }
    char addr[LIMIT_EMAIL + 3];
    int n = snprintf(addr, sizeof addr, "<%s>", email);
    hdr_token(&h, addr, (size_t)n, LINE_SOFT);
    hdr_end(&h);
}

static bool format_date(int64_t ms, char out[40])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (ms < 0 || ms >= 253402300800000LL) /* 10000-01-01 */
        return false;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return false;
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return true;
}

/* ---- bodies ---- */

/* Quoted-printable (RFC 2045 §6.7) of UTF-8 text: any line end becomes a hard CRLF,
 * encoded lines stay ≤ 76. Also encodes "." and "From " at the start of a line, which
 * SMTP servers and mbox files treat specially. */
static void qp_body(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\r' || c == '\n') {
            if (c == '\r' && p[1] == '\n')
                p++;
            buf_puts(out, "\r\n");
            col = 0;
            continue;
        }
        bool line_end = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end);
        /* a soft break "=" needs the 76th column, unless this is the line's last token */
        if (col + (literal ? 1 : 3) > (line_end ? 76u : 75u)) {
            buf_puts(out, "=\r\n");
            col = 0;
        }
        if (col == 0 && (c == '.' || (c == 'F' && strncmp(p, "From ", 5) == 0)))
            literal = false;
        char tok[3] = {(char)c};
        size_t n = 1;
        if (!literal) {
            tok[0] = '=', tok[1] = hex[c >> 4], tok[2] = hex[c & 15];
            n = 3;
        }
        buf_append(out, tok, n);
        col += n;
    }
}

/* base64 in lines of 76, CRLF between them (none after the last). */
static void base64_body(struct buf *out, const char *data, size_t len)
{
    char line[76 + 1];
    for (size_t off = 0; off < len; off += 57) {
        size_t n = len - off < 57 ? len - off : 57;
        sodium_bin2base64(line, sizeof line, (const unsigned char *)data + off, n,
                          sodium_base64_VARIANT_ORIGINAL);
        if (off)
            buf_puts(out, "\r\n");
        buf_puts(out, line);
    }
}

static void text_part(struct buf *out, const char *text)
{
    buf_puts(out, "Content-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n"
                  "\r\n");
    qp_body(out, text);
}

static int validate(const struct mail_message *m)
{
    if (email_check(m->from_email) || email_check(m->to_email) || !message_id_ok(m->message_id))
        return -EINVAL;
    if ((m->from_name && !header_text_ok(m->from_name, false)) ||
        (m->to_name && !header_text_ok(m->to_name, false)) ||
        (m->subject && !header_text_ok(m->subject, true)) || (m->text && !utf8_valid(m->text)))
        return -EINVAL;
    const struct mail_attachment *cal = m->calendar;
    if (cal) {
        if (!cal->content_type || !*cal->content_type || strlen(cal->content_type) > 200 ||
            !ascii_printable(cal->content_type, "") || (cal->len && !cal->data))
            return -EINVAL;
        if (cal->filename && (!*cal->filename || strlen(cal->filename) > 100 ||
                              !ascii_printable(cal->filename, "\"\\")))
            return -EINVAL;
    }
    return 0;
}

int mail_compose(const struct mail_message *m, struct buf *out)
{
    char date[40];
    if (!m || !out || validate(m) < 0 || !format_date(m->date_utc, date))
        return -EINVAL;

    struct hdr h;
    buf_printf(out, "Date: %s\r\n", date);
    hdr_mailbox(out, "From", m->from_name, m->from_email);
    hdr_mailbox(out, "To", m->to_name, m->to_email);
    buf_printf(out, "Message-ID: <%s>\r\n", m->message_id);
    hdr_begin(&h, out, "Subject");
    hdr_unstructured(&h, m->subject ? m->subject : "");
    hdr_end(&h);
    buf_puts(out, "MIME-Version: 1.0\r\n"
                  "Auto-Submitted: auto-generated\r\n");

    const char *text = m->text ? m->text : "";
    const struct mail_attachment *cal = m->calendar;
    if (!cal) {
        text_part(out, text);
        size_t n = strlen(text);
        if (n && text[n - 1] != '\n' && text[n - 1] != '\r')
            buf_puts(out, "\r\n"); /* the message ends with a line end, as SMTP wants */
        return 0;
    }
    const char *filename = cal->filename ? cal->filename : "invite.ics";
    buf_puts(out, "Content-Type: multipart/mixed; boundary=\"" BOUNDARY_MIXED "\"\r\n"
                  "\r\n"
                  "--" BOUNDARY_MIXED "\r\n"
                  "Content-Type: multipart/alternative; boundary=\"" BOUNDARY_ALT "\"\r\n"
                  "\r\n"
                  "--" BOUNDARY_ALT "\r\n");
    text_part(out, text);
    buf_printf(out,
               "\r\n--" BOUNDARY_ALT "\r\n"
               "Content-Type: %s\r\n"
               "Content-Transfer-Encoding: base64\r\n"
               "\r\n",
               cal->content_type);
    base64_body(out, cal->data, cal->len);
    buf_printf(out,
               "\r\n--" BOUNDARY_ALT "--\r\n"
               "\r\n--" BOUNDARY_MIXED "\r\n"
               "Content-Type: application/ics; name=\"%s\"\r\n"
               "Content-Disposition: attachment; filename=\"%s\"\r\n"
               "Content-Transfer-Encoding: base64\r\n"
               "\r\n",
               filename, filename);
    base64_body(out, cal->data, cal->len);
    buf_puts(out, "\r\n--" BOUNDARY_MIXED "--\r\n");
    return 0;
}

void mail_message_id_new(const char *domain, char out[128])
{
    char token[24 * 4 / 3 + 2];
    rand_token(token, sizeof token, 24);
    if (!domain || strlen(domain) + strlen(token) + 2 > 128 ||
        !email_host_ok(domain, strlen(domain)))
        domain = "confide.invalid";
    snprintf(out, 128, "%s@%s", token, domain);
}

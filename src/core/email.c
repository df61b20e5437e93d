#include "core/email.h"

#include <stdbool.h>
#include <string.h>

#define LOCAL_MAX 64 /* RFC 5321 4.5.3.1.1 */
#define LABEL_MAX 63

/* atext (RFC 5322 3.2.3); for an address without % ? #, which would change a mailto: URI */
static bool atext(unsigned char c, bool mailto)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr(mailto ? "!$&'*+-/=^_`{|}~" : "!#$%&'*+-/=?^_`{|}~", c));
}

bool email_dot_atom_ok(const char *s, size_t n, bool mailto)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return false;
        } else if (!atext((unsigned char)s[i], mailto)) {
            return false;
        }
    }
    return true;
}

bool email_host_ok(const char *s, size_t n)
{
    if (n == 0 || n > 253)
        return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   (c == '-' && label > 0)) {
            if (++label > LABEL_MAX)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && s[n - 1] != '-';
}

enum email_problem email_check(const char *s)
{
    if (!s || !*s)
        return EMAIL_EMPTY;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
        if (*p >= 0x80)
            return EMAIL_NOT_ASCII;
    if (n > LIMIT_EMAIL)
        return EMAIL_TOO_LONG;
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@'))
        return EMAIL_NO_AT;
    size_t local = (size_t)(at - s);
    if (local > LOCAL_MAX)
        return EMAIL_TOO_LONG;
    if (!email_dot_atom_ok(s, local, true))
        return EMAIL_LOCAL_PART;
    /* a host name with at least one dot */
    if (!email_host_ok(at + 1, n - local - 1) || !memchr(at + 1, '.', n - local - 1))
        return EMAIL_DOMAIN;
    return EMAIL_OK;
}

const char *email_problem_message(enum email_problem problem)
{
    switch (problem) {
    case EMAIL_OK:
        return "";
    case EMAIL_EMPTY:
    case EMAIL_NO_AT:
        return "Please give a valid email address. It has the form name@example.org, with one @.";
    case EMAIL_TOO_LONG:
        return "Please give a valid email address. An address can have at most 254 characters, "
               "and at most 64 before the @.";
    case EMAIL_NOT_ASCII:
        return "Please give a valid email address. confide can only send mail to addresses "
               "written in plain ASCII letters, digits and punctuation, without accented "
               "letters such as ë or other scripts.";
    case EMAIL_LOCAL_PART:
        return "Please give a valid email address. Before the @ it can hold letters, digits, "
               "single dots and ! $ & ' * + - / = ^ _ ` { | } ~, but no spaces or other "
               "characters.";
    case EMAIL_DOMAIN:
        return "Please give a valid email address. After the @ comes a domain such as "
               "example.org: letters, digits and hyphens, with at least one dot.";
    }
    return "Please give a valid email address.";
}

void email_normalise(const char *s, struct buf *out)
{
    buf_reset(out);
    buf_puts(out, "");
    while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
        n--;
    for (size_t i = 0; i < n; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + ('a' - 'A')) : s[i];
        buf_append(out, &c, 1);
    }
}

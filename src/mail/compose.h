/* compose: one RFC 5322 / MIME message, as bytes ready for SMTP. Sans-I/O: the date comes
 * in as an argument (ms since the Unix epoch, UTC).
 *
 * Without a calendar the message is one text/plain part. With one it is
 *   multipart/mixed
 *     multipart/alternative
 *       text/plain; charset=utf-8            quoted-printable
 *       <calendar->content_type>             base64   (the invitation mail clients show)
 *     application/ics; name="invite.ics"     base64   (Content-Disposition: attachment)
 * the way the big calendar services send invitations. Lines end in CRLF; header lines are
 * folded to 78 octets where they can be, and no line exceeds 998. */
#ifndef CONFIDE_MAIL_COMPOSE_H
#define CONFIDE_MAIL_COMPOSE_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct mail_attachment {
    const char *filename;     /* NULL for "invite.ics"; printable ASCII without "\ */
    const char *content_type; /* e.g. "text/calendar; charset=utf-8; method=REQUEST" */
    const char *data;
    size_t len;
};

struct mail_message {
    /* Names: NULL or UTF-8 without control characters; quoted, or RFC 2047 encoded-words
     * (UTF-8, B) when not plain ASCII. Emails: required, by core/email's
     * rule (email_check): a plain ASCII addr-spec, no quoted local parts or literals. */
    const char *from_name, *from_email; /* "Harbour Counselling" <no-reply@care.example> */
    const char *to_name, *to_email;
    const char *subject;    /* UTF-8, TAB the only control allowed; encoded-words when needed */
    const char *message_id; /* without brackets: "k3j4…@care.example"; the composer adds <> */
    int64_t date_utc;       /* Date: "Fri, 20 Mar 2026 17:00:00 +0000" */
    const char *text;       /* UTF-8 plain text body; any line ends, sent as CRLF */
    const struct mail_attachment *calendar; /* optional, see above */
};

/* Appends the whole message (headers, blank line, body) to out; it ends with CRLF (a
 * single-part text without a final line end gets one). Returns 0, or -EINVAL
 * (and appends nothing) when a header value holds CR, LF or another control character, an
 * email or the message id is not plain, a text is not valid UTF-8, or the date is outside
 * the years 1970–9999. */
int mail_compose(const struct mail_message *m, struct buf *out);

/* A new Message-ID without brackets: 24 random bytes in base64url, "@", domain. A domain
 * that is not a plain host name (or too long for 128 bytes) becomes "confide.invalid". */
void mail_message_id_new(const char *domain, char out[128]);

#endif

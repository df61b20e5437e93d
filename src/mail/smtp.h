/* smtp: sends ONE prepared RFC 5322 message to ONE recipient through libcurl.
 *
 * The message must already be complete (headers, blank line, body) with CRLF line ends;
 * curl dot-stuffs lines that begin with "." and adds the final "." line.
 *
 * smtp_send opens a connection, sends, and closes it (QUIT). A session does the same for
 * several mails in turn over one connection, and lets the caller record each outcome BEFORE
 * the connection moves on or is closed: the outbox marks a mail sent right after the
 * server's 250 and before QUIT, so the time in which a crash makes it send a mail twice is
 * the length of one database commit, not of a round trip. A session belongs to one thread
 * at a time; any number of threads may each use their own.
 *
 * TLS: an smtps:// URL is TLS from the first byte; with smtp:// the starttls setting says
 * whether to upgrade: "require" (the configured default: fail the send, before MAIL FROM,
 * when it cannot; CURLUSESSL_ALL), "auto" when the server offers STARTTLS (CURLUSESSL_TRY),
 * "off" (CURLUSESSL_NONE). Certificates are always verified against the system's CAs.
 * Note that "auto" with a user and password sends them in the clear to a server (or to
 * someone in the path) that does not offer STARTTLS: use "require" or smtps:// with a
 * password on anything but a loopback relay. */
#ifndef CONFIDE_MAIL_SMTP_H
#define CONFIDE_MAIL_SMTP_H
#include <stddef.h>

#define SMTP_ERR_MAX 160

struct smtp_settings {
    const char *url;      /* smtp://host:port or smtps://host:port */
    const char *from;     /* envelope sender (MAIL FROM) */
    const char *user;     /* NULL or "": no AUTH */
    const char *password; /* NULL or "" with a user: empty password */
    const char *starttls; /* "auto" | "require" | "off"; anything else counts as "require" */
    long timeout_seconds; /* the whole exchange; <= 0: 60. Connecting gets at most 15 s. */
};

enum smtp_result {
    SMTP_SENT = 0,
    SMTP_RETRY = -1,    /* connection failed, timeout, TLS or login trouble, 4xx: try later */
    SMTP_REJECTED = -2, /* 5xx to the mail itself (e.g. 550 user unknown): permanent */
};

/* Call once at process start, before any thread is started (curl_global_init). Safe to call
 * again: later calls do nothing. Returns 0, or -1 when libcurl could not initialise. */
int smtp_global_init(void);

/* Sends `message` (len bytes) from s->from to `to`. err gets a short reason for logs and the
 * outbox's last_error (curl's error text and the SMTP reply code; never the recipient or
 * any part of the message), "" on success.
 *
 * A 5xx reply to RCPT TO, DATA or the message itself (550 user unknown, 552 too big, 554
 * refused as spam) is permanent: SMTP_REJECTED. A 5xx to the greeting, EHLO, STARTTLS, AUTH
 * (535) or MAIL FROM says the server or confide's SMTP settings are wrong, not the mail, so
 * the mail waits for them to be fixed: SMTP_RETRY, like every other failure.
 *
 * A recipient with control characters, spaces, '<', '>' or no '@' is refused without
 * connecting (SMTP_REJECTED), so no address can inject SMTP commands; such a sender (the
 * practice's configuration, not the mail's fault) gives SMTP_RETRY. */
enum smtp_result smtp_send(const struct smtp_settings *s, const char *to, const char *message,
                           size_t len, char err[SMTP_ERR_MAX]);

struct smtp_session;
/* Connects lazily, at the first send. The settings are copied. Returns 0, or -1 when libcurl
 * cannot be set up. */
int smtp_session_open(const struct smtp_settings *s, struct smtp_session **out);
/* Like smtp_send, over the session's connection (opened again when it was closed, e.g.
 * after a failure). The connection stays open afterwards. */
enum smtp_result smtp_session_send(struct smtp_session *ss, const char *to, const char *message,
                                   size_t len, char err[SMTP_ERR_MAX]);
/* QUIT (when connected), close, free. NULL is a no-op. */
void smtp_session_close(struct smtp_session *ss);

#endif

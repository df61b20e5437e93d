/* smtp: one message to one recipient per send, over a libcurl easy handle that a session
 * keeps (with its connection) until it is closed. */
#include "mail/smtp.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/email.h"
#include "core/xalloc.h"

#define SMTP_CONNECT_TIMEOUT 15L
#define SMTP_DEFAULT_TIMEOUT 60L

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_result = CURLE_FAILED_INIT;

static void global_init(void)
{
    init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int smtp_global_init(void)
{
    pthread_once(&init_once, global_init);
    return init_result == CURLE_OK ? 0 : -1;
}

struct upload {
    const char *p;
    size_t left;
};

static size_t read_cb(char *out, size_t size, size_t nitems, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nitems;
    if (n > u->left)
        n = u->left;
    memcpy(out, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* Which command the last reply answered, so that a 5xx can be told apart: refusing the mail
 * (RCPT, DATA, or the reply after the data) is permanent; refusing the session (greeting,
 * EHLO, STARTTLS, AUTH) or the sender (MAIL FROM: smtp_from is configuration) is retried. */
enum stage { STAGE_SESSION, STAGE_MAIL, STAGE_RCPT, STAGE_DATA, STAGE_BODY };

/* curl hands every command it sends to this callback (CURLOPT_VERBOSE routes them here
 * instead of stderr). Only the verb is looked at; nothing is kept or logged. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
    enum stage *stage = ud;
    if (type == CURLINFO_DATA_OUT) {
        *stage = STAGE_BODY;
    } else if (type == CURLINFO_HEADER_OUT && size >= 4) {
        if (strncasecmp(data, "MAIL", 4) == 0)
            *stage = STAGE_MAIL;
        else if (strncasecmp(data, "RCPT", 4) == 0)
            *stage = STAGE_RCPT;
        else if (strncasecmp(data, "DATA", 4) == 0)
            *stage = STAGE_DATA;
        else if (strncasecmp(data, "QUIT", 4) == 0 || strncasecmp(data, "RSET", 4) == 0)
            ; /* sent after a failure: keep the stage that failed */
        else
            *stage = STAGE_SESSION;
    }
    return 0;
}

static long use_ssl(const char *starttls)
{
    if (starttls && strcmp(starttls, "auto") == 0)
        return (long)CURLUSESSL_TRY;
    if (starttls && strcmp(starttls, "off") == 0)
        return (long)CURLUSESSL_NONE;
    return (long)CURLUSESSL_ALL;
}

struct smtp_session {
    CURL *h;
    bool from_ok;
    struct curl_slist *rcpt;
    struct upload up;
    enum stage stage;
    char curl_err[CURL_ERROR_SIZE];
};

int smtp_session_open(const struct smtp_settings *s, struct smtp_session **out)
{
    *out = NULL;
    if (smtp_global_init() < 0)
        return -1;
    struct smtp_session *ss = xcalloc(1, sizeof *ss);
    ss->h = curl_easy_init();
    if (!ss->h) {
        free(ss);
        return -1;
    }
    /* core/email's rule: plain ASCII (no SMTPUTF8), nothing that could end the command */
    ss->from_ok = email_check(s->from) == EMAIL_OK;
    long timeout = s->timeout_seconds > 0 ? s->timeout_seconds : SMTP_DEFAULT_TIMEOUT;
    long connect_timeout = timeout < SMTP_CONNECT_TIMEOUT ? timeout : SMTP_CONNECT_TIMEOUT;
    CURL *h = ss->h;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    /* libcurl copies every string option: the settings need not outlive this call */
    SET(CURLOPT_URL, s->url ? s->url : "");
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, ss->curl_err);
    SET(CURLOPT_CONNECTTIMEOUT, connect_timeout);
    SET(CURLOPT_TIMEOUT, timeout);
    SET(CURLOPT_USE_SSL, use_ssl(s->starttls));
    SET(CURLOPT_MAIL_FROM, s->from ? s->from : "");
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_READFUNCTION, read_cb);
    SET(CURLOPT_READDATA, &ss->up);
    SET(CURLOPT_VERBOSE, 1L);
    SET(CURLOPT_DEBUGFUNCTION, debug_cb);
    SET(CURLOPT_DEBUGDATA, &ss->stage);
    if (s->user && *s->user) {
        SET(CURLOPT_USERNAME, s->user);
        SET(CURLOPT_PASSWORD, s->password ? s->password : "");
    }
#undef SET
    if (rc != CURLE_OK) {
        curl_easy_cleanup(h);
        free(ss);
        return -1;
    }
    *out = ss;
    return 0;
}

enum smtp_result smtp_session_send(struct smtp_session *ss, const char *to, const char *message,
                                   size_t len, char err[SMTP_ERR_MAX])
{
    err[0] = '\0';
    if (!ss->from_ok) {
        snprintf(err, SMTP_ERR_MAX, "smtp_from is not a usable address");
        return SMTP_RETRY;
    }
    if (email_check(to) != EMAIL_OK) {
        snprintf(err, SMTP_ERR_MAX, "recipient is not a usable address");
        return SMTP_REJECTED;
    }
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    if (!rcpt) {
        snprintf(err, SMTP_ERR_MAX, "out of memory");
        return SMTP_RETRY;
    }
    ss->up = (struct upload){.p = message, .left = len};
    ss->stage = STAGE_SESSION;
    ss->curl_err[0] = '\0';
    CURLcode rc = curl_easy_setopt(ss->h, CURLOPT_MAIL_RCPT, rcpt);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(ss->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    /* the previous list is no longer referenced once the new one is set */
    curl_slist_free_all(ss->rcpt);
    ss->rcpt = rcpt;
    if (rc == CURLE_OK)
        rc = curl_easy_perform(ss->h);
    if (rc == CURLE_OK)
        return SMTP_SENT;

    long code = 0;
    curl_easy_getinfo(ss->h, CURLINFO_RESPONSE_CODE, &code);
    /* curl's messages carry codes, hosts and ports, never the envelope; make sure of it */
    const char *text =
        ss->curl_err[0] && !strstr(ss->curl_err, to) ? ss->curl_err : curl_easy_strerror(rc);
    if (code > 0)
        snprintf(err, SMTP_ERR_MAX, "curl %d: %.110s (smtp %ld)", (int)rc, text, code);
    else
        snprintf(err, SMTP_ERR_MAX, "curl %d: %.110s", (int)rc, text);

    int mail_refused =
        ss->stage == STAGE_RCPT || ss->stage == STAGE_DATA || ss->stage == STAGE_BODY;
    if (code >= 500 && code < 600 && mail_refused && rc != CURLE_LOGIN_DENIED &&
        rc != CURLE_USE_SSL_FAILED)
        return SMTP_REJECTED;
    return SMTP_RETRY;
}

void smtp_session_close(struct smtp_session *ss)
{
    if (!ss)
        return;
    curl_easy_cleanup(ss->h); /* QUIT, when a connection is open */
    curl_slist_free_all(ss->rcpt);
    free(ss);
}

enum smtp_result smtp_send(const struct smtp_settings *s, const char *to, const char *message,
                           size_t len, char err[SMTP_ERR_MAX])
{
    err[0] = '\0';
    if (!s->url || !*s->url) {
        snprintf(err, SMTP_ERR_MAX, "no smtp_url configured");
        return SMTP_RETRY;
    }
    struct smtp_session *ss;
    if (smtp_session_open(s, &ss) < 0) {
        snprintf(err, SMTP_ERR_MAX, "libcurl failed to initialise");
        return SMTP_RETRY;
    }
    enum smtp_result r = smtp_session_send(ss, to, message, len, err);
    smtp_session_close(ss);
    return r;
}

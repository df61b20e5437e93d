/* sms: hands one text message to the practice's SMS provider through an HTTP webhook
 * (sms_webhook_url): the outbox row's JSON body {"to","text"} POSTed as application/json.
 * The mail thread sends these rows (kind "sms") like mail, with the same retries. */
#ifndef CONFIDE_MAIL_SMS_H
#define CONFIDE_MAIL_SMS_H
#include <stddef.h>

#include "mail/smtp.h"

/* POSTs body (len bytes) to url within timeout_seconds. A 2xx answer is SMTP_SENT; a 4xx
 * other than 408 and 429 (the provider refuses this message) SMTP_REJECTED; anything else
 * (no connection, a timeout, 408, 429, 5xx) SMTP_RETRY. err gets curl's error text or the
 * status, never the number or the text. */
enum smtp_result sms_post(const char *url, const char *body, size_t len, long timeout_seconds,
                          char err[SMTP_ERR_MAX]);
/* The outcome for an HTTP status, as above (sans I/O, for the tests). */
enum smtp_result sms_outcome(long status);

#endif

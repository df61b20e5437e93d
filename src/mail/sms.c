#include "mail/sms.h"

#include <curl/curl.h>
#include <stdio.h>

enum smtp_result sms_outcome(long status)
{
    if (status >= 200 && status < 300)
        return SMTP_SENT;
    if (status >= 400 && status < 500 && status != 408 && status != 429)
        return SMTP_REJECTED;
    return SMTP_RETRY;
}

/* The provider's answer is not kept: it may echo the number or the text. */
static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

enum smtp_result sms_post(const char *url, const char *body, size_t len, long timeout_seconds,
                          char err[SMTP_ERR_MAX])
{
    err[0] = '\0';
    if (smtp_global_init() < 0) {
        snprintf(err, SMTP_ERR_MAX, "libcurl failed to initialise");
        return SMTP_RETRY;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(err, SMTP_ERR_MAX, "libcurl failed to initialise");
        return SMTP_RETRY;
    }
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char curl_err[CURL_ERROR_SIZE] = "";
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_POSTFIELDS, body);
    SET(CURLOPT_POSTFIELDSIZE, (long)len);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_TIMEOUT, timeout_seconds > 0 ? timeout_seconds : 60L);
    SET(CURLOPT_CONNECTTIMEOUT, 15L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_WRITEFUNCTION, discard);
    SET(CURLOPT_ERRORBUFFER, curl_err);
#undef SET
    enum smtp_result result = SMTP_RETRY;
    if (rc == CURLE_OK)
        rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        snprintf(err, SMTP_ERR_MAX, "webhook: %s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
    } else {
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        result = sms_outcome(status);
        if (result != SMTP_SENT)
            snprintf(err, SMTP_ERR_MAX, "webhook answered HTTP %ld", status);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    return result;
}

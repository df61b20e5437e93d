/* api: turns one HTTP request into one response. No sockets here: net/http.c fills a
 * struct api_request from the wire, calls api_handle, and writes the response back.
 * That keeps every endpoint testable (tests/unit/test_api.c) and fuzzable
 * (tests/fuzz/fuzz_api.c) without a network. */
#ifndef CONFIDE_API_API_H
#define CONFIDE_API_API_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "store/store.h"

struct throttle;

/* What lives as long as the server: shared by every request on the service thread. */
struct api_ctx {
    const struct config *cfg;
    struct store *store;
    struct throttle *account_throttle;
    struct throttle *address_throttle;
    int https; /* browsers reach confide over https (config.https) */
    char setup_token[48]; /* empty once an account exists */
    int mail_queued;      /* set by a handler that queued mail; see on_mail_committed */
    /* Called after a commit that queued mail, so the mail thread sends it now. */
    void (*on_mail_committed)(void *arg);
    void *on_mail_arg;
    /* Whose access a handler ended (api_access_revoked): after the commit each goes out
     * as an event (store_event_send) to every node, whose meetings let them go. */
    struct {
        int64_t client_id, user_id; /* one is 0 */
    } revoked[8];
    int revoked_count;
};

struct api_request {
    uint64_t id;          /* for log lines */
    int64_t now;          /* wall clock, ms: the handlers never read the clock */
    const char *method;   /* "GET", "POST", ... */
    const char *path;     /* without the query string */
    const char *query;    /* "a=1\0b=2\0\0": each pair decoded and NUL-ended, the list ended
                           * by an empty one; NULL when there is none */
    const char *content_type, *cookie, *origin, *sec_fetch_site; /* NULL when absent */
    const char *accept;   /* NULL when absent; read by routes that answer HTML too */
    const char *peer;     /* the client's address: the TCP peer, or behind trusted_proxies
                           * what they forwarded (core/client_addr.h) */
    const char *body;
    size_t body_len;
    int body_too_large;   /* the body went past max_body_bytes and was not kept */
    int length_required;  /* the body came chunked, without a length: not read */
};

#define API_MAX_HEADERS 4

struct api_response {
    int status;
    const char *content_type;
    const char *cache_control;
    /* replaces the default content-security-policy (api_security_headers[0]); NULL: that */
    const char *content_security_policy;
    const char *route; /* what the log line names instead of the path, which may hold a token */
    struct {
        const char *name;
        char value[320];
    } headers[API_MAX_HEADERS];
    int header_count;
    struct buf body;
};

void api_ctx_init(struct api_ctx *ctx, const struct config *cfg, struct store *store, int https);
void api_ctx_free(struct api_ctx *ctx);
void api_handle(struct api_ctx *ctx, const struct api_request *req, struct api_response *resp);
/* Is this a request to run on the offload thread (api/offload.h)? */
int api_is_slow(const char *method, const char *path);
/* The answer to a slow request the offload thread has no room for: 503 server_busy with
 * Retry-After: retry_after seconds. */
void api_answer_busy(const struct api_request *req, struct api_response *resp,
                     int retry_after);
void api_response_free(struct api_response *resp);

/* What a 503 storage_full asks a client to wait, in seconds: space comes back when
 * someone frees it, not in a moment, and a page retrying faster only fills the log. */
#define API_STORAGE_FULL_RETRY_AFTER 30

/* The headers every response carries, whatever produced it; and when browsers reach
 * confide over https (api_ctx.https), Strict-Transport-Security with this value. */
#define API_HSTS "max-age=31536000"
struct api_header {
    const char *name, *value;
};
extern const struct api_header api_security_headers[];
extern const int api_security_header_count;

#endif

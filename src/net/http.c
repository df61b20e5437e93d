/* HTTP on libwebsockets: collect a request (method, path, the few headers confide reads,
 * the body up to max_body_bytes), hand it to api_handle, write the answer back. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/offload.h"
#include "core/client_addr.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "net/internal.h"

#define CHUNK 16384

struct http_conn {
    unsigned long long id;
    char method[8];
    char *path, *query, *content_type, *cookie, *origin, *sec_fetch_site;
    char *accept;
    char peer[CLIENT_ADDR_MAX]; /* the client: through trusted proxies, core/client_addr.h */
    struct buf body;
    int body_too_large;
    int length_required;
    int close_after; /* the body was not read: the connection cannot be reused */
    int64_t started_us;
    struct api_response resp;
    size_t sent;
    int dispatched;
    int responding;
    struct lws *wsi;
    int waiting; /* handed to the offload thread; the answer comes back by request id */
    /* the declared body must be in by body_timeout after the headers: libwebsockets only
     * bounds the gap between two pieces, so a client trickling a byte at a time would
     * otherwise hold the connection for as long as it likes */
    lws_sorted_usec_list_t body_deadline;
    int body_deadline_set;
};

size_t net_http_conn_size(void)
{
    return sizeof(struct http_conn);
}

static struct net_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static void forget_waiting(struct net_server *srv, struct http_conn *c)
{
    for (size_t i = 0; i < srv->waiting_count; i++)
        if (srv->waiting[i] == c) {
            srv->waiting[i] = srv->waiting[--srv->waiting_count];
            return;
        }
}

static void cancel_body_deadline(struct net_server *srv, struct http_conn *c)
{
    if (!c->body_deadline_set)
        return;
    lws_sul_schedule(srv->lws, 0, &c->body_deadline, NULL, LWS_SET_TIMER_USEC_CANCEL);
    c->body_deadline_set = 0;
}

static void conn_reset(struct net_server *srv, struct http_conn *c)
{
    if (srv)
        cancel_body_deadline(srv, c);
    assert(!c->body_deadline_set);
    if (c->waiting && srv) {
        /* nobody will read the answer: a request still queued is dropped before its
         * hashing; one in hand finishes, and its answer finds no connection */
        forget_waiting(srv, c);
        if (srv->offload)
            api_offload_cancel(srv->offload, c->id);
    }
    if (c->responding && srv)
        srv->responses_in_flight--;
    free(c->path);
    free(c->query);
    free(c->content_type);
    free(c->cookie);
    free(c->origin);
    free(c->sec_fetch_site);
    free(c->accept);
    buf_free(&c->body);
    api_response_free(&c->resp);
    memset(c, 0, sizeof *c);
}

static char *copy_header(struct lws *wsi, enum lws_token_indexes h)
{
    int n = lws_hdr_total_length(wsi, h);
    if (n <= 0)
        return NULL;
    char *v = xmalloc((size_t)n + 1);
    if (lws_hdr_copy(wsi, v, n + 1, h) < 0) {
        free(v);
        return NULL;
    }
    return v;
}

/* The query's name=value pairs, each decoded by libwebsockets and ended by a NUL, the list
 * ended by an empty one ("a=1\0b=2\0\0"), or NULL when there are none. Not joined into one
 * string: libwebsockets joins them with ',', and a decoded value may hold ',' or '&'. */
static char *copy_query(struct lws *wsi)
{
    int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
    if (total <= 0)
        return NULL;
    /* each pair's length plus its NUL is at most the total plus one a pair, and the end */
    size_t cap = 2 * (size_t)total + 2, used = 0;
    char *q = xmalloc(cap);
    for (int i = 0;; i++) {
        int n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0)
            break;
        assert(used + (size_t)n + 2 <= cap);
        if (lws_hdr_copy_fragment(wsi, q + used, (int)(cap - used), WSI_TOKEN_HTTP_URI_ARGS, i) < 0)
            break;
        used += (size_t)n + 1;
    }
    q[used] = 0;
    return q;
}

static char *copy_custom_header(struct lws *wsi, const char *name)
{
    int n = lws_hdr_custom_length(wsi, name, (int)strlen(name));
    if (n <= 0)
        return NULL;
    char *v = xmalloc((size_t)n + 1);
    if (lws_hdr_custom_copy(wsi, v, n + 1, name, (int)strlen(name)) < 0) {
        free(v);
        return NULL;
    }
    return v;
}

void net_client_address(struct lws *wsi, const struct config *cfg, char *out, size_t out_size)
{
    char tcp_peer[CLIENT_ADDR_MAX] = "";
    lws_get_peer_simple(wsi, tcp_peer, sizeof tcp_peer);
    if (cfg->trusted_proxies_list.count == 0) {
        snprintf(out, out_size, "%s", tcp_peer);
        return;
    }
    char *forwarded = copy_custom_header(wsi, "forwarded:");
    char *xff = copy_header(wsi, WSI_TOKEN_X_FORWARDED_FOR);
    client_address(tcp_peer, forwarded, xff, &cfg->trusted_proxies_list, out, out_size);
    free(forwarded);
    free(xff);
}

static const struct {
    enum lws_token_indexes token;
    const char *name;
} methods[] = {
    {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
    {WSI_TOKEN_PUT_URI, "PUT"},       {WSI_TOKEN_PATCH_URI, "PATCH"},
    {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
    {WSI_TOKEN_HEAD_URI, "HEAD"},
};

static int write_headers(struct lws *wsi, struct http_conn *c)
{
    struct api_response *r = &c->resp;
    unsigned char buf[LWS_PRE + 4096];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    int head = strcmp(c->method, "HEAD") == 0;
    if (lws_add_http_common_headers(
            wsi, (unsigned)r->status, r->content_type,
            r->status == 204 ? LWS_ILLEGAL_HTTP_CONTENT_LEN : (lws_filepos_t)r->body.len, &p, end))
        return -1;
    if (server_of(wsi)->api->https && /* browsers then keep to https for a year */
        lws_add_http_header_by_name(wsi, (const unsigned char *)"strict-transport-security:",
                                    (const unsigned char *)API_HSTS, (int)strlen(API_HSTS), &p,
                                    end))
        return -1;
    for (int i = 0; i < api_security_header_count; i++) {
        const char *value = api_security_headers[i].value;
        if (i == 0 && r->content_security_policy)
            value = r->content_security_policy;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)api_security_headers[i].name,
                                        (const unsigned char *)value, (int)strlen(value), &p, end))
            return -1;
    }
    if (r->cache_control &&
        lws_add_http_header_by_name(
            wsi, (const unsigned char *)"cache-control:", (const unsigned char *)r->cache_control,
            (int)strlen(r->cache_control), &p, end))
        return -1;
    for (int i = 0; i < r->header_count; i++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)r->headers[i].name,
                                        (const unsigned char *)r->headers[i].value,
                                        (int)strlen(r->headers[i].value), &p, end))
            return -1;
    if (c->close_after && lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                                      (const unsigned char *)"close", 5, &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    if (head)
        buf_reset(&r->body);
    return 0;
}

static int answer(struct lws *wsi, struct http_conn *c);
static int answer_complete(struct lws *wsi, const struct http_conn *c);
static int finish_response(struct lws *wsi, struct http_conn *c);

/* Runs the request through the API (inline, or on the offload thread for the slow ones)
 * and starts the response. */
static int dispatch(struct lws *wsi, struct http_conn *c)
{
    struct net_server *srv = server_of(wsi);
    c->dispatched = 1;
    struct api_request req = {
        .id = c->id,
        .now = clock_wall_ms(),
        .method = c->method,
        .path = c->path ? c->path : "/",
        .query = c->query,
        .content_type = c->content_type,
        .cookie = c->cookie,
        .origin = c->origin,
        .sec_fetch_site = c->sec_fetch_site,
        .accept = c->accept,
        .peer = c->peer,
        .body = c->body.data,
        .body_len = c->body.len,
        .body_too_large = c->body_too_large,
        .length_required = c->length_required,
    };
    c->responding = 1;
    srv->responses_in_flight++;
    if (srv->offload && !req.body_too_large && !req.length_required &&
        api_is_slow(req.method, req.path)) {
        if (api_offload_submit(srv->offload, c->id, &req, &c->resp) < 0)
            return answer(wsi, c); /* full: 503 with Retry-After at once */
        c->waiting = 1;
        c->wsi = wsi;
        if (srv->waiting_count == srv->waiting_cap) {
            srv->waiting_cap = srv->waiting_cap ? srv->waiting_cap * 2 : 16;
            srv->waiting = xrealloc(srv->waiting, srv->waiting_cap * sizeof *srv->waiting);
        }
        srv->waiting[srv->waiting_count++] = c;
        return 0;
    }
    api_handle(srv->api, &req, &c->resp);
    if (answer(wsi, c) < 0)
        return -1;
    /* an answer without a body (204, HEAD) is complete once its headers are written */
    return answer_complete(wsi, c) ? finish_response(wsi, c) : 0;
}

/* Writes the answer's headers and starts its body. */
static int answer(struct lws *wsi, struct http_conn *c)
{
    metrics_http_response(c->resp.status);
    log_info("http", "req=%llu %s %s %d %.1fms", c->id, c->method,
             c->resp.route ? c->resp.route : "-", c->resp.status,
             (double)(clock_mono_us() - c->started_us) / 1000.0);
    if (write_headers(wsi, c) < 0)
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int write_body(struct lws *wsi, struct http_conn *c)
{
    unsigned char buf[LWS_PRE + CHUNK];
    size_t left = c->resp.body.len - c->sent;
    size_t n = left < CHUNK ? left : CHUNK;
    int last = n == left;
    memcpy(buf + LWS_PRE, c->resp.body.data + c->sent, n);
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    c->sent += n;
    lws_callback_on_writable(wsi);
    return 0;
}

/* lws keeps what the kernel did not take and calls WRITEABLE again only once that is
 * sent: so the response counts as in flight until then, and shutdown waits for it. */
static int finish_response(struct lws *wsi, struct http_conn *c)
{
    int close_after = c->close_after;
    conn_reset(server_of(wsi), c);
    return close_after || lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Is the whole answer with the kernel, so the transaction may end now? It must end before
 * the client, holding the whole answer, sends its next request on this connection: while
 * it has not, libwebsockets 4.1 takes those bytes for the end of the last request's body,
 * keeps them unread and services them again and again without polling, and the loop
 * serves nobody (seen with keep-alive POSTs, one after another). A connection to be
 * closed keeps the old way: one WRITEABLE later. */
static int answer_complete(struct lws *wsi, const struct http_conn *c)
{
    return c->responding && !c->waiting && !c->close_after && c->sent == c->resp.body.len &&
           !lws_partial_buffered(wsi);
}

static void on_body_deadline(lws_sorted_usec_list_t *sul)
{
    struct http_conn *c = lws_container_of(sul, struct http_conn, body_deadline);
    c->body_deadline_set = 0;
    metrics_request_timed_out();
    log_info("http", "req=%llu: body not in after body_timeout, connection closed", c->id);
    /* closed on the loop's next turn, not from inside its timer list */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_HTTP_CONTENT, LWS_TO_KILL_ASYNC);
}

static int begin_request(struct lws *wsi, struct http_conn *c, const char *uri)
{
    struct net_server *srv = server_of(wsi);
    conn_reset(srv, c);
    c->id = ++srv->next_request_id;
    c->wsi = wsi;
    c->started_us = clock_mono_us();
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, methods[i].token) > 0)
            strcpy(c->method, methods[i].name);
    if (!c->method[0])
        strcpy(c->method, "GET");
    c->path = xstrdup(uri && *uri ? uri : "/");
    c->content_type = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
    c->query = copy_query(wsi);
    c->cookie = copy_header(wsi, WSI_TOKEN_HTTP_COOKIE);
    c->origin = copy_header(wsi, WSI_TOKEN_ORIGIN);
    c->sec_fetch_site = copy_custom_header(wsi, "sec-fetch-site:");
    c->accept = copy_header(wsi, WSI_TOKEN_HTTP_ACCEPT);
    net_client_address(wsi, srv->cfg, c->peer, sizeof c->peer);

    char *length = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    int chunked = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    long long declared = length ? atoll(length) : 0;
    free(length);
    if (chunked) {
        /* libwebsockets 4.1 cannot read a chunked request body; browsers send lengths */
        c->length_required = 1;
        c->close_after = 1;
        return dispatch(wsi, c);
    }
    if (declared > srv->cfg->max_body_bytes) {
        /* answer at once rather than read what will be thrown away */
        c->body_too_large = 1;
        c->close_after = 1;
        return dispatch(wsi, c);
    }
    if (declared > 0) { /* wait for LWS_CALLBACK_HTTP_BODY_COMPLETION */
        lws_sul_schedule(srv->lws, 0, &c->body_deadline, on_body_deadline,
                         (lws_usec_t)srv->cfg->body_timeout * LWS_US_PER_SEC);
        c->body_deadline_set = 1;
        return 0;
    }
    return dispatch(wsi, c);
}

/* Answers whose requests went to the offload thread. */
static void collect_offloaded(struct net_server *srv)
{
    uint64_t id;
    struct api_response resp;
    while (srv->offload && api_offload_take(srv->offload, &id, &resp)) {
        struct http_conn *c = NULL;
        for (size_t i = 0; i < srv->waiting_count && !c; i++)
            if (srv->waiting[i]->id == id)
                c = srv->waiting[i];
        if (!c) { /* the connection closed meanwhile */
            api_response_free(&resp);
            continue;
        }
        forget_waiting(srv, c);
        c->waiting = 0;
        api_response_free(&c->resp);
        c->resp = resp;
        if (answer(c->wsi, c) < 0)
            lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    }
}

int net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len)
{
    struct http_conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return begin_request(wsi, c, in);
    case LWS_CALLBACK_HTTP_BODY:
        if (!c->body_too_large) {
            if (c->body.len + len > (size_t)server_of(wsi)->cfg->max_body_bytes) {
                c->body_too_large = 1;
                buf_free(&c->body);
            } else {
                buf_append(&c->body, in, len);
            }
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        /* also comes for "Content-Length: 0", after that request was answered */
        if (!c->method[0] || c->dispatched)
            return 0;
        cancel_body_deadline(server_of(wsi), c);
        return dispatch(wsi, c);
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return wsi && server_of(wsi)->stop_requested ? -1 : 0;
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        return net_conn_admit(server_of(wsi), wsi);
    case LWS_CALLBACK_WSI_DESTROY:
        /* comes here (protocols[0]) for every connection, WebSockets included; user is
         * the http_conn only while the connection is still HTTP's */
        if (c && lws_get_protocol(wsi) && lws_get_protocol(wsi)->callback == net_http_callback)
            conn_reset(server_of(wsi), c);
        net_conn_release(server_of(wsi), wsi);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        collect_offloaded(lws_context_user(lws_get_context(wsi)));
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!c->responding || c->waiting)
            return 0;
        if (c->sent == c->resp.body.len)
            return finish_response(wsi, c);
        if (write_body(wsi, c) < 0)
            return -1;
        return answer_complete(wsi, c) ? finish_response(wsi, c) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (c)
            conn_reset(server_of(wsi), c);
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* a WebSocket that named no subprotocol (or an unknown one) lands here: refuse it */
        return -1;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

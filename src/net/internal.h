/* Shared by the files of net/ only. */
#ifndef CONFIDE_NET_INTERNAL_H
#define CONFIDE_NET_INTERNAL_H
#include <libwebsockets.h>
#include <signal.h>

#include "api/api.h"
#include "core/config.h"

#include "net/server.h"

struct ws_conn;
struct http_conn;
struct api_offload;

struct net_server {
    struct lws_context *lws;
    const struct config *cfg;
    struct api_ctx *api;
    struct net_ws_handler ws_handler; /* all NULL until net_server_set_ws */
    volatile sig_atomic_t stop_requested;
    int responses_in_flight;
    unsigned long long next_request_id;
    /* WebSocket connections by number, for live/service.c's replies */
    struct ws_conn **ws;
    size_t ws_count, ws_cap;
    uint64_t next_ws_id;
    lws_sorted_usec_list_t tick; /* the meetings' timers */
    /* requests handed to the offload thread, waiting for their answers */
    struct api_offload *offload;
    struct http_conn **waiting;
    size_t waiting_count, waiting_cap;
    /* TCP connections held, in all and per address (net/conn_limit.h) */
    struct conn_limit *limits;
    long max_connections;
    int64_t refusals_logged_ms; /* refusals are logged at most once a second */
    unsigned long refusals_unlogged;
};

int net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);
int net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);
size_t net_http_conn_size(void);
/* The client's address for an HTTP request or a WebSocket upgrade: the TCP peer, or,
 * when that is one of trusted_proxies, what its X-Forwarded-For / Forwarded says
 * (core/client_addr.h). Every throttle counts by this. */
void net_client_address(struct lws *wsi, const struct config *cfg, char *out, size_t out_size);
size_t net_ws_conn_size(void);
/* A connection accepted (LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED): counted, or -1 to
 * close it at once. Every connection admitted is released once, at LWS_CALLBACK_WSI_DESTROY,
 * whatever protocol it ended on. */
int net_conn_admit(struct net_server *s, struct lws *wsi);
void net_conn_release(struct net_server *s, struct lws *wsi);

#endif

/* Shared by the files of net/ only. */
#ifndef CONFIDE_NET_INTERNAL_H
#define CONFIDE_NET_INTERNAL_H
#include <libwebsockets.h>
#include <signal.h>

#include "api/api.h"
#include "core/config.h"

struct net_server {
    struct lws_context *lws;
    const struct config *cfg;
    struct api_ctx *api;
    volatile sig_atomic_t stop_requested;
    int responses_in_flight;
    unsigned long long next_request_id;
};

int net_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);
int net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);
size_t net_http_conn_size(void);
size_t net_ws_conn_size(void);

#endif

/* server: the one HTTP(S) port: static files, the JSON API, and WebSockets on /ws
 * (subprotocol "confide.v1"). The only module that includes libwebsockets.h is net/.
 * Runs on the service thread; net_server_request_stop is safe from a signal handler. */
#ifndef CONFIDE_NET_SERVER_H
#define CONFIDE_NET_SERVER_H

#include "api/api.h"
#include "core/config.h"

#include <stddef.h>
#include <stdint.h>

struct net_server;

/* Who takes the WebSocket connections (numbered here) and the 250 ms tick; main.c hands
 * the meetings' service in. Called on the service thread. */
struct net_ws_handler {
    void (*open)(void *arg, uint64_t conn, const char *cookie, const char *peer, int64_t now);
    void (*message)(void *arg, uint64_t conn, const char *data, size_t len, int64_t now);
    void (*too_large)(void *arg, uint64_t conn); /* a message over max_message_bytes */
    void (*close)(void *arg, uint64_t conn, int64_t now);
    void (*tick)(void *arg, int64_t now);
    void *arg;
    size_t max_message_bytes;
};

int net_server_new(const struct config *cfg, struct api_ctx *api, struct net_server **out);
/* Serves until a stop is requested, then stops accepting, lets responses in flight
 * finish (up to shutdown_grace seconds) and closes every connection. */
int net_server_run(struct net_server *s);
void net_server_request_stop(struct net_server *s);
/* Slow requests (sign-in, setup) go to this thread from now on; NULL: run them inline.
 * Clear it before stopping the offload thread. */
struct api_offload;
void net_server_set_offload(struct net_server *s, struct api_offload *offload);
/* Wakes the service loop from another thread (the offload thread's answers are ready). */
void net_server_wake(void *server);
void net_server_free(struct net_server *s);
/* Set once, before net_server_run. */
void net_server_set_ws(struct net_server *s, const struct net_ws_handler *handler);
/* The handler's replies, queued and written in order; close after what was sent. server:
 * the struct net_server. */
void net_ws_send(void *server, uint64_t conn, const char *text, size_t len);
void net_ws_close(void *server, uint64_t conn);

#endif

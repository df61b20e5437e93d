/* server: the one HTTP(S) port: static files, the JSON API, and WebSockets on /ws
 * (subprotocol "confide.v1"). The only module that includes libwebsockets.h is net/.
 * Runs on the service thread; net_server_request_stop is safe from a signal handler. */
#ifndef CONFIDE_NET_SERVER_H
#define CONFIDE_NET_SERVER_H

#include "api/api.h"
#include "core/config.h"

struct net_server;

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

#endif

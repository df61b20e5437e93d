/* service: the meetings of this server, on the service thread. It binds WebSocket
 * connections (numbered by net/ws.c) to rooms (live/room.c): it resolves personal links
 * and passwords against the store, throttles guessing, records agreement acceptance and
 * attendance, and carries out the rooms' effects through the I/O callbacks net/ws.c
 * gives it. It never touches a socket itself. */
#ifndef CONFIDE_LIVE_SERVICE_H
#define CONFIDE_LIVE_SERVICE_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "store/store.h"

struct throttle;

struct live_io {
    void (*send)(void *arg, uint64_t conn, const char *text, size_t len);
    void (*close)(void *arg, uint64_t conn); /* after what was sent to it */
    void *arg;
};

struct live_service;

struct live_media;

/* media may be NULL (no audio or video: the tests of signalling alone). */
struct live_service *live_service_new(const struct config *cfg, struct store *store, int https,
                                      struct live_io io, struct live_media *media);
void live_service_free(struct live_service *svc);

/* cookie: the upgrade request's Cookie header (a signed-in therapist), may be NULL.
 * peer: the client's address, what the join throttle counts by (net/ws.c has looked
 * through trusted proxies already: core/client_addr.h). */
void live_service_open(struct live_service *svc, uint64_t conn, const char *cookie,
                       const char *peer, int64_t now);
void live_service_message(struct live_service *svc, uint64_t conn, const char *data, size_t len,
                          int64_t now);
void live_service_too_large(struct live_service *svc, uint64_t conn);
void live_service_close(struct live_service *svc, uint64_t conn, int64_t now);
/* Runs timers (check-in turns, closing finished rooms) and collects the media workers'
 * reports. */
void live_service_tick(struct live_service *svc, int64_t now);
/* Someone's access ended (the API committed a client's removal from a group or the
 * archiving of their record: client_id; a practitioner's account disabled: user_id): they
 * leave every meeting they are in. */
void live_service_revoke(struct live_service *svc, int64_t client_id, int64_t user_id, int64_t now);
/* This node's gauges for /metrics (Prometheus text): its name, the meetings it carries
 * (the leases it holds), who is connected and who waits. On the service thread. */
void live_service_metrics(const struct live_service *svc, struct buf *out);
/* The node's throttles are shared with the other nodes from now on: the service's own
 * (wrong join links and passwords, "join") and `others`, each shared already
 * (throttle_share) under a name of its own. secret is the same on every node. */
#define LIVE_SHARED_THROTTLES 4
void live_service_share_throttles(struct live_service *svc, const uint8_t secret[32],
                                  struct throttle *const *others, size_t count);

#endif

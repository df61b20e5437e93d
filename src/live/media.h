/* media: the media workers as the service thread sees them, the I/O edge of the meetings'
 * audio and video. It starts the workers (sfu/worker.h), pins each meeting to the least busy
 * one, carries out the commands a meeting's media plan (live/media_plan.h) produced, hands
 * back what the workers reported, and renders the media counters for /metrics. It decides
 * nothing about who receives what: that is the plan's. */
#ifndef CONFIDE_LIVE_MEDIA_H
#define CONFIDE_LIVE_MEDIA_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "live/effects.h"
#include "live/media_plan.h"
#include "sfu/worker.h"

struct live_media;

/* Starts the workers. NULL with a sentence in err that says what went wrong (the port is in
 * use, the address is not this machine's, the certificate could not be made). */
struct live_media *live_media_start(const struct config *cfg, struct buf *err);
void live_media_stop(struct live_media *m);

/* Pins room to a worker (once; later calls return the same) and returns what its SDP says. */
const struct media_local *live_media_pin(struct live_media *m, uint64_t room);
/* The room is gone: its worker counts one room fewer. */
void live_media_unpin(struct live_media *m, uint64_t room);
/* The UDP ports the workers listen on, lowest and highest (worker i has the i-th). */
void live_media_ports(const struct live_media *m, uint16_t *first, uint16_t *last);
/* The signalling counters the plans add to. */
struct media_counters *live_media_counters(struct live_media *m);

/* Carries out a plan's commands on the room's worker, in order. */
void live_media_apply(struct live_media *m, uint64_t room, const struct live_media_cmd *cmds,
                      size_t count);
/* Takes up to cap events the workers reported (transports gone, the active speaker). */
size_t live_media_poll(struct live_media *m, struct worker_event *out, size_t cap);

/* The media counters, in the Prometheus text format. */
void live_media_metrics(struct live_media *m, struct buf *out);

#endif

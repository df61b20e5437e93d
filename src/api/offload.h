/* offload: the API requests that are slow on purpose (sign-in and first-run setup spend
 * ~0.1–0.25 s in argon2id) run on a worker thread with its own store connection, so the
 * service thread keeps serving meetings meanwhile. net/http.c hands a request over with
 * api_offload_submit and collects the answer with api_offload_take after the wake
 * callback (which must be safe from another thread, such as lws_cancel_service). */
#ifndef CONFIDE_API_OFFLOAD_H
#define CONFIDE_API_OFFLOAD_H
#include <stdint.h>

#include "api/api.h"
#include "core/seal.h"

struct api_offload;

/* main: the service thread's context, whose throttles (thread-safe) and setup token
 * the worker shares. store_url: the worker's own connection. */
int api_offload_start(const struct api_ctx *main, const char *store_url,
                      const struct seal *seal, void (*wake)(void *arg), void *wake_arg,
                      struct api_offload **out);
/* Finishes the request in hand, drops the queued ones, joins and frees. */
void api_offload_stop(struct api_offload *o);

/* Copies the request (every string and the body) and queues it under `id`. */
void api_offload_submit(struct api_offload *o, uint64_t id, const struct api_request *req);
/* One answered request: 1 with *id and *resp filled (the caller frees resp), 0 when none. */
int api_offload_take(struct api_offload *o, uint64_t *id, struct api_response *resp);

#endif

/* offload: the API requests that are slow on purpose (sign-in and first-run setup spend
 * ~0.1–0.25 s in argon2id) run on a worker thread with its own store connection, so the
 * service thread keeps serving meetings meanwhile. net/http.c hands a request over with
 * api_offload_submit and collects the answer with api_offload_take after the wake
 * callback (which must be safe from another thread, such as lws_cancel_service).
 *
 * The thread holds at most API_OFFLOAD_MAX_JOBS requests (queued, in hand, or answered and
 * not yet taken); past that, submit answers 503 at once. A request whose connection closed
 * is cancelled, so the thread never hashes a password for an answer nobody will read. */
#ifndef CONFIDE_API_OFFLOAD_H
#define CONFIDE_API_OFFLOAD_H
#include <stdint.h>

#include "api/api.h"
#include "core/seal.h"

struct api_offload;

/* 16 sign-ins are 2–4 s of argon2id one after another: a browser that waits longer than
 * that is better told to come back (503, Retry-After) than queued, and a flood of sign-ins
 * or setups then costs a bounded amount of memory and delays a real one by seconds at most. */
#define API_OFFLOAD_MAX_JOBS 16
/* What the 503 asks a client to wait, in seconds: a slot frees every ~0.1–0.25 s. */
#define API_OFFLOAD_RETRY_AFTER 1

/* main: the service thread's context, whose throttles (thread-safe) and setup token
 * the worker shares. store_url: the worker's own connection. */
int api_offload_start(const struct api_ctx *main, const char *store_url,
                      const struct seal *seal, void (*wake)(void *arg), void *wake_arg,
                      struct api_offload **out);
/* Finishes the request in hand, drops the queued ones, joins and frees. */
void api_offload_stop(struct api_offload *o);

/* Copies the request (every string and the body) and queues it under `id`: returns 0.
 * When the thread holds API_OFFLOAD_MAX_JOBS already, queues nothing, fills *busy with the
 * 503 answer (Retry-After, a JSON error) and returns -1. */
int api_offload_submit(struct api_offload *o, uint64_t id, const struct api_request *req,
                       struct api_response *busy);
/* The connection of request `id` closed: drops it if it is still queued, or its answer if
 * it is waiting to be taken, and returns 1; 0 when it is in hand (its answer, when taken,
 * finds nobody) or unknown. */
int api_offload_cancel(struct api_offload *o, uint64_t id);
/* One answered request: 1 with *id and *resp filled (the caller frees resp), 0 when none. */
int api_offload_take(struct api_offload *o, uint64_t *id, struct api_response *resp);

#endif

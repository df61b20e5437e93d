/* metrics: process-wide counters, safe to bump from any thread, rendered in the
 * Prometheus text format for GET /metrics. */
#ifndef CONFIDE_CORE_METRICS_H
#define CONFIDE_CORE_METRICS_H
#include <stdint.h>

#include "core/buf.h"

void metrics_http_response(int status);
void metrics_websocket_opened(void);
void metrics_websocket_closed(void);
/* A TCP connection turned away at accept (connection limits), one closed because its
 * request's body did not arrive in time (slow headers are libwebsockets' to close, and
 * it does not say), a WebSocket closed because it left too many replies unread. */
void metrics_connection_refused(void);
void metrics_request_timed_out(void);
void metrics_websocket_overflow(void);
void metrics_store_call(int64_t elapsed_us, int failed);
void metrics_login_failure(void);
/* One argon2id computation (a hash or a verification): the slow, costly step of sign-in
 * and setup. The count lets the tests see that a refused request did not pay for one. */
void metrics_password_hash(void);
uint64_t metrics_password_hashes(void);
void metrics_render(struct buf *out);
/* One more source rendered after these (the media plane's counters), called on the thread
 * that renders; NULL removes it. Set it and clear it on that thread. */
void metrics_set_extra(void (*render)(void *arg, struct buf *out), void *arg);

#endif

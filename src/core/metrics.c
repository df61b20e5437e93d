#include "core/metrics.h"

#include <stdatomic.h>

/* store latency buckets, in microseconds */
static const int64_t store_bounds_us[] = {100, 500, 1000, 5000, 20000, 100000, 500000};
#define STORE_BUCKETS (sizeof store_bounds_us / sizeof store_bounds_us[0])

static struct {
    atomic_uint_fast64_t http_by_class[6]; /* index = status / 100 */
    atomic_uint_fast64_t http_errors;
    atomic_int_fast64_t websockets_open;
    atomic_uint_fast64_t websockets_total;
    atomic_uint_fast64_t connections_refused;
    atomic_uint_fast64_t requests_timed_out;
    atomic_uint_fast64_t websocket_overflows;
    atomic_uint_fast64_t store_calls;
    atomic_uint_fast64_t store_failures;
    atomic_uint_fast64_t store_us_sum;
    atomic_uint_fast64_t store_buckets[STORE_BUCKETS];
    atomic_uint_fast64_t login_failures;
    atomic_uint_fast64_t password_hashes;
} m;

void metrics_http_response(int status)
{
    int cls = status / 100;
    if (cls < 1 || cls > 5)
        cls = 5;
    atomic_fetch_add(&m.http_by_class[cls], 1);
    if (status >= 400)
        atomic_fetch_add(&m.http_errors, 1);
}

void metrics_websocket_opened(void)
{
    atomic_fetch_add(&m.websockets_open, 1);
    atomic_fetch_add(&m.websockets_total, 1);
}

void metrics_websocket_closed(void)
{
    atomic_fetch_sub(&m.websockets_open, 1);
}

void metrics_connection_refused(void)
{
    atomic_fetch_add(&m.connections_refused, 1);
}

void metrics_request_timed_out(void)
{
    atomic_fetch_add(&m.requests_timed_out, 1);
}

void metrics_websocket_overflow(void)
{
    atomic_fetch_add(&m.websocket_overflows, 1);
}

void metrics_store_call(int64_t elapsed_us, int failed)
{
    if (elapsed_us < 0)
        elapsed_us = 0;
    atomic_fetch_add(&m.store_calls, 1);
    atomic_fetch_add(&m.store_us_sum, (uint64_t)elapsed_us);
    if (failed)
        atomic_fetch_add(&m.store_failures, 1);
    for (unsigned i = 0; i < STORE_BUCKETS; i++)
        if (elapsed_us <= store_bounds_us[i])
            atomic_fetch_add(&m.store_buckets[i], 1);
}

void metrics_login_failure(void)
{
    atomic_fetch_add(&m.login_failures, 1);
}

void metrics_password_hash(void)
{
    atomic_fetch_add(&m.password_hashes, 1);
}

uint64_t metrics_password_hashes(void)
{
    return atomic_load(&m.password_hashes);
}

static void (*extra_render)(void *arg, struct buf *out);
static void *extra_arg;

void metrics_set_extra(void (*render)(void *arg, struct buf *out), void *arg)
{
    extra_render = render;
    extra_arg = arg;
}

void metrics_render(struct buf *out)
{
    buf_puts(out, "# HELP confide_http_requests_total HTTP responses sent, by status class.\n"
                  "# TYPE confide_http_requests_total counter\n");
    for (int cls = 1; cls <= 5; cls++)
        buf_printf(out, "confide_http_requests_total{class=\"%dxx\"} %llu\n", cls,
                   (unsigned long long)atomic_load(&m.http_by_class[cls]));
    buf_printf(out,
               "# HELP confide_http_errors_total HTTP responses with status 400 or above.\n"
               "# TYPE confide_http_errors_total counter\n"
               "confide_http_errors_total %llu\n",
               (unsigned long long)atomic_load(&m.http_errors));
    buf_printf(out,
               "# HELP confide_websockets_open WebSocket connections open now.\n"
               "# TYPE confide_websockets_open gauge\n"
               "confide_websockets_open %lld\n"
               "# HELP confide_websockets_total WebSocket connections accepted.\n"
               "# TYPE confide_websockets_total counter\n"
               "confide_websockets_total %llu\n",
               (long long)atomic_load(&m.websockets_open),
               (unsigned long long)atomic_load(&m.websockets_total));
    buf_printf(out,
               "# HELP confide_connections_refused_total TCP connections closed at accept "
               "(max_connections, max_connections_per_address).\n"
               "# TYPE confide_connections_refused_total counter\n"
               "confide_connections_refused_total %llu\n"
               "# HELP confide_requests_timed_out_total Connections closed because a request's "
               "body did not arrive within body_timeout.\n"
               "# TYPE confide_requests_timed_out_total counter\n"
               "confide_requests_timed_out_total %llu\n"
               "# HELP confide_websocket_send_overflows_total WebSockets closed for leaving more "
               "than ws_send_queue_bytes unread.\n"
               "# TYPE confide_websocket_send_overflows_total counter\n"
               "confide_websocket_send_overflows_total %llu\n",
               (unsigned long long)atomic_load(&m.connections_refused),
               (unsigned long long)atomic_load(&m.requests_timed_out),
               (unsigned long long)atomic_load(&m.websocket_overflows));
    buf_puts(out, "# HELP confide_store_latency_seconds Time spent in store calls.\n"
                  "# TYPE confide_store_latency_seconds histogram\n");
    for (unsigned i = 0; i < STORE_BUCKETS; i++)
        buf_printf(out, "confide_store_latency_seconds_bucket{le=\"%g\"} %llu\n",
                   (double)store_bounds_us[i] / 1e6,
                   (unsigned long long)atomic_load(&m.store_buckets[i]));
    unsigned long long calls = atomic_load(&m.store_calls);
    buf_printf(out,
               "confide_store_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
               "confide_store_latency_seconds_sum %.6f\n"
               "confide_store_latency_seconds_count %llu\n"
               "# HELP confide_store_failures_total Store calls that failed.\n"
               "# TYPE confide_store_failures_total counter\n"
               "confide_store_failures_total %llu\n"
               "# HELP confide_login_failures_total Sign-in attempts refused.\n"
               "# TYPE confide_login_failures_total counter\n"
               "confide_login_failures_total %llu\n"
               "# HELP confide_password_hashes_total Passwords hashed or verified (argon2id).\n"
               "# TYPE confide_password_hashes_total counter\n"
               "confide_password_hashes_total %llu\n",
               calls, (double)atomic_load(&m.store_us_sum) / 1e6, calls,
               (unsigned long long)atomic_load(&m.store_failures),
               (unsigned long long)atomic_load(&m.login_failures),
               (unsigned long long)atomic_load(&m.password_hashes));
    if (extra_render)
        extra_render(extra_arg, out);
}

#include "net/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "net/internal.h"

static struct lws_protocols protocols[] = {
    /* the first protocol gets every plain HTTP request */
    {"http", net_http_callback, 0, 0, 0, NULL, 0},
    {"confide.v1", net_ws_callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* WebSockets idle 20 s get a ping; 50 s without an answer and they are closed */
static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = 20,
    .secs_since_valid_hangup = 50,
};

static void lws_log_emit(int level, const char *line)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    log_write(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "lws", "%.*s", (int)n, line);
}

#define TICK_US (250 * 1000)

static void on_tick(lws_sorted_usec_list_t *sul)
{
    struct net_server *s = lws_container_of(sul, struct net_server, tick);
    if (s->ws_handler.tick)
        s->ws_handler.tick(s->ws_handler.arg, clock_wall_ms());
    lws_sul_schedule(s->lws, 0, &s->tick, on_tick, TICK_US);
}

int net_server_new(const struct config *cfg, struct api_ctx *api, struct net_server **out)
{
    struct net_server *s = xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->api = api;
    protocols[0].per_session_data_size = net_http_conn_size();
    protocols[1].per_session_data_size = net_ws_conn_size();

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = cfg->listen_port;
    info.iface = cfg->listen_host;
    info.protocols = protocols;
    info.user = s;
    info.alpn = "http/1.1";
    info.vhost_name = "confide";
    info.retry_and_idle_policy = &idle_policy;
    info.timeout_secs = 30;
    info.keepalive_timeout = 30;
    info.max_http_header_data = 8192;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 * (strchr(cfg->listen_host, ':') == NULL);
    if (cfg->tls_cert[0]) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cfg->tls_cert;
        info.ssl_private_key_filepath = cfg->tls_key;
    }
    s->lws = lws_create_context(&info);
    if (!s->lws) {
        log_error("net", "cannot listen on %s (in use, or a bad address or TLS file?)",
                  cfg->listen);
        free(s);
        return -EIO;
    }
    lws_sul_schedule(s->lws, 0, &s->tick, on_tick, TICK_US);
    *out = s;
    return 0;
}

void net_server_set_ws(struct net_server *s, const struct net_ws_handler *handler)
{
    s->ws_handler = *handler;
}

void net_server_set_offload(struct net_server *s, struct api_offload *offload)
{
    s->offload = offload;
}

void net_server_wake(void *server)
{
    lws_cancel_service(((struct net_server *)server)->lws);
}

void net_server_request_stop(struct net_server *s)
{
    s->stop_requested = 1;
    lws_cancel_service(s->lws);
}

int net_server_run(struct net_server *s)
{
    while (!s->stop_requested)
        if (lws_service(s->lws, 0) < 0)
            return -EIO;
    /* from here on net_http_callback turns new connections away */
    log_info("net", "stopping: no new connections, finishing %d response(s)",
             s->responses_in_flight);
    int64_t deadline = clock_mono_ms() + s->cfg->shutdown_grace * 1000;
    while (s->responses_in_flight > 0 && clock_mono_ms() < deadline)
        lws_service(s->lws, 0);
    return 0;
}

void net_server_free(struct net_server *s)
{
    if (!s)
        return;
    lws_sul_schedule(s->lws, 0, &s->tick, NULL, LWS_SET_TIMER_USEC_CANCEL);
    lws_context_destroy(s->lws);
    free(s->ws);
    free(s->waiting);
    free(s);
}

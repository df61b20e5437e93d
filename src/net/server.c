#include "net/server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "net/conn_limit.h"
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

/* File descriptors kept for everything but client connections: the databases and their
 * journals, the media workers' sockets and wake-ups, SMTP, static files, the listener. */
#define FD_RESERVE 128
/* Soft open-file limit asked for at start, when the hard limit allows it. */
#define FD_WANTED 65536

/* Raises the soft open-file limit toward the hard one (Debian starts at 1024, which 1,000
 * WebSockets would exhaust) and returns it. libwebsockets sizes its tables from it, so
 * this runs before the context is made. */
static long open_file_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 1024;
    rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_WANTED ? FD_WANTED : rl.rlim_max;
    if (rl.rlim_cur < want) {
        struct rlimit raised = {want, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl.rlim_cur = want;
    }
    return rl.rlim_cur == RLIM_INFINITY ? FD_WANTED : (long)rl.rlim_cur;
}

/* max_connections, or what the open-file limit leaves; never more than it leaves. */
static long connection_cap(const struct config *cfg)
{
    long fds = open_file_limit();
    long room = fds > 2 * FD_RESERVE ? fds - FD_RESERVE : fds / 2;
    if (cfg->max_connections == 0)
        return room;
    if (cfg->max_connections > room) {
        log_warn("net",
                 "max_connections %ld is more than the open-file limit (%ld) allows; "
                 "using %ld (raise LimitNOFILE / ulimit -n)",
                 cfg->max_connections, fds, room);
        return room;
    }
    return cfg->max_connections;
}

/* What one admitted connection was counted as, kept on its wsi until it is destroyed. */
struct conn_tag {
    uint8_t addr[16];
    int exempt;
};

static int peer_address(struct lws *wsi, uint8_t out[16])
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = lws_get_socket_fd(wsi);
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        memcpy(out, mapped, 12);
        memcpy(out + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        return 0;
    }
    if (ss.ss_family == AF_INET6) {
        memcpy(out, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        return 0;
    }
    return -1;
}

static int is_trusted_proxy(const struct config *cfg, const uint8_t addr[16])
{
    for (int i = 0; i < cfg->trusted_proxies_list.count; i++)
        if (cidr_contains(&cfg->trusted_proxies_list.items[i], addr))
            return 1;
    return 0;
}

static void log_refusal(struct net_server *s, enum conn_verdict v)
{
    metrics_connection_refused();
    s->refusals_unlogged++;
    int64_t now = clock_mono_ms();
    if (now - s->refusals_logged_ms < 1000)
        return;
    /* no address in the log: the count and the reason are what an operator acts on */
    log_warn("net", "refused %lu connection(s): %s (%ld open)", s->refusals_unlogged,
             conn_verdict_name(v), conn_limit_total(s->limits));
    s->refusals_logged_ms = now;
    s->refusals_unlogged = 0;
}

int net_conn_admit(struct net_server *s, struct lws *wsi)
{
    uint8_t addr[16];
    if (peer_address(wsi, addr) < 0)
        return -1;
    /* a trusted proxy carries many clients: it is held to the total only */
    int exempt = is_trusted_proxy(s->cfg, addr);
    enum conn_verdict v = conn_limit_admit(s->limits, addr, exempt);
    if (v != CONN_ADMIT) {
        log_refusal(s, v);
        return -1;
    }
    struct conn_tag *tag = xmalloc(sizeof *tag);
    memcpy(tag->addr, addr, 16);
    tag->exempt = exempt;
    assert(lws_get_opaque_user_data(wsi) == NULL);
    lws_set_opaque_user_data(wsi, tag);
    return 0;
}

void net_conn_release(struct net_server *s, struct lws *wsi)
{
    struct conn_tag *tag = lws_get_opaque_user_data(wsi);
    if (!tag)
        return; /* the listener, or a connection refused at admission */
    conn_limit_release(s->limits, tag->addr, tag->exempt);
    lws_set_opaque_user_data(wsi, NULL);
    free(tag);
}

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
    s->max_connections = connection_cap(cfg);
    s->limits = conn_limit_new(cfg->max_connections_per_address, s->max_connections);
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
    /* A request's headers must arrive in full within header_timeout of the connection's
     * start, or of a kept-alive connection's next first byte (libwebsockets holds a header
     * table that long, then closes); the body's total is net/http.c's body_timeout, and
     * no gap in it may pass timeout_secs. */
    info.timeout_secs_ah_idle = (unsigned int)cfg->header_timeout;
    info.timeout_secs = (unsigned int)cfg->body_timeout;
    info.keepalive_timeout = (int)cfg->keepalive_timeout;
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
        conn_limit_free(s->limits);
        free(s);
        return -EIO;
    }
    lws_sul_schedule(s->lws, 0, &s->tick, on_tick, TICK_US);
    log_info("net",
             "connections: at most %ld, %ld per address; headers %lds, bodies %lds, "
             "idle keep-alive %lds",
             s->max_connections, cfg->max_connections_per_address, cfg->header_timeout,
             cfg->body_timeout, cfg->keepalive_timeout);
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
    assert(conn_limit_total(s->limits) == 0); /* every connection was released */
    conn_limit_free(s->limits);
    free(s->ws);
    free(s->waiting);
    free(s);
}

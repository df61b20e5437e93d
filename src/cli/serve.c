/* `confide serve`: builds the server's parts, hands each what it uses, runs until a
 * signal, and takes them down in the reverse order. */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/offload.h"
#include "auth/throttle.h"
#include "cli/cli.h"
#include "core/seal.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "live/media.h"
#include "live/protocol.h"
#include "live/service.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "net/server.h"
#include "practice/billing_doc.h"
#include "practice/mailer.h"
#include "practice/purge.h"

static void wake_mail(void *worker)
{
    mail_worker_wake(worker);
}

static struct net_server *running_server;

/* /ws connections go to the meetings' service: net/ numbers them, live/ decides. */
static void ws_open(void *arg, uint64_t conn, const char *cookie, const char *peer, int64_t now)
{
    live_service_open(arg, conn, cookie, peer, now);
}

static void ws_message(void *arg, uint64_t conn, const char *data, size_t len, int64_t now)
{
    live_service_message(arg, conn, data, len, now);
}

static void ws_too_large(void *arg, uint64_t conn)
{
    live_service_too_large(arg, conn);
}

static void ws_close(void *arg, uint64_t conn, int64_t now)
{
    live_service_close(arg, conn, now);
}

/* The audit log's head, logged at start and once an hour, so that entries cut off the end
 * of the log show against an earlier line (verify-audit prints the head to compare). */
#define AUDIT_HEAD_EVERY_MS (60 * 60 * 1000)
static struct store *audit_store;
static int64_t audit_head_logged_at;

static void log_audit_head(int64_t now)
{
    int64_t id;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    char hex[65];
    if (store_audit_head(audit_store, &id, head) < 0)
        return;
    cli_audit_head_hex(head, hex);
    log_info("audit", "audit head id=%lld hash=%s", (long long)id, hex);
    audit_head_logged_at = now;
}

/* SIGHUP reads the key file again at the next tick (sealing already notices a changed file
 * by itself; this is for an admin who wants to be sure, or a file changed in place). */
static volatile sig_atomic_t key_reload_asked;
static const struct seal *running_seal;

static void ws_tick(void *arg, int64_t now)
{
    live_service_tick(arg, now);
    if (key_reload_asked && running_seal) {
        key_reload_asked = 0;
        if (seal_reload(running_seal, 1) > 0)
            log_info("main", "SIGHUP: the key file was read again; key %u seals",
                     (unsigned)seal_newest_key_id(running_seal));
    }
    if (now - audit_head_logged_at >= AUDIT_HEAD_EVERY_MS)
        log_audit_head(now);
}

struct node_parts {
    struct live_media *media;
    struct live_service *live;
    struct store *store;
};

/* The practice's outbox, the same from every node: what waits, what is being sent, what
 * failed for good. A count that cannot be read is left out rather than shown as 0. */
static void render_outbox_metrics(struct store *store, struct buf *out)
{
    static const struct {
        enum store_mail_state state;
        const char *name;
    } gauges[] = {{MAIL_PENDING, "pending"}, {MAIL_SENDING, "sending"}, {MAIL_FAILED, "failed"}};
    for (size_t i = 0; i < sizeof gauges / sizeof gauges[0]; i++) {
        int64_t n;
        if (store_mail_count(store, gauges[i].state, &n) == 0)
            buf_printf(out, "confide_outbox_%s %lld\n", gauges[i].name, (long long)n);
    }
}

static void render_node_metrics(void *arg, struct buf *out)
{
    const struct node_parts *parts = arg;
    live_media_metrics(parts->media, out);
    if (parts->live)
        live_service_metrics(parts->live, out);
    render_outbox_metrics(parts->store, out);
}

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        key_reload_asked = 1;
        return;
    }
    if (running_server)
        net_server_request_stop(running_server);
}

int cli_serve(struct cli *cli)
{
    struct seal *seal;
    struct store *store;
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    /* the service thread's connection stands for this node: two nodes under one name
     * would take each other's meetings and mail */
    int held = store_node_hold(store, cli->cfg.node_id);
    if (held < 0) {
        if (held == -EBUSY)
            fprintf(stderr,
                    "confide: node_id \"%s\" is in use by another running confide on this "
                    "database; give each node its own node_id\n",
                    cli->cfg.node_id);
        else
            fprintf(stderr, "confide: the database did not answer; try again\n");
        cli_close_data(seal, store);
        return 1;
    }
    char url[1200];
    cli_store_url(&cli->cfg, url);
    struct mail_worker *mail = NULL;
    struct mail_worker_options mail_options = {
        .cfg = &cli->cfg,
        .store_url = url,
        .seal = seal,
        .tick = purge_and_reminders_tick,
        .tick_ctx = &cli->cfg,
    };
    if (smtp_global_init() < 0 || mail_worker_start(&mail_options, &mail) < 0) {
        fprintf(stderr, "confide: the mail thread could not start\n");
        cli_close_data(seal, store);
        return 1;
    }
    if (!cli->cfg.smtp_url[0])
        log_warn("main", "smtp_url is not set: invitations and reminders wait in the outbox");
    struct api_ctx api;
    api_ctx_init(&api, &cli->cfg, store, cli->cfg.https);
    api.on_mail_committed = wake_mail;
    api.on_mail_arg = mail;
    /* everything is built here and handed to what uses it: media workers, the HTTP(S)
     * server, the meetings' service between them */
    struct buf err = {0};
    struct live_media *media = live_media_start(&cli->cfg, &err);
    struct net_server *server = NULL;
    if (!media)
        fprintf(stderr, "confide: %s\n", err.data ? err.data : "media cannot start");
    buf_free(&err);
    if (!media || net_server_new(&cli->cfg, &api, &server) < 0) {
        live_media_stop(media);
        mail_worker_stop(mail);
        api_ctx_free(&api);
        cli_close_data(seal, store);
        return 1;
    }
    struct node_parts parts = {.media = media, .store = store};
    metrics_set_extra(render_node_metrics, &parts);
    audit_store = store;
    log_audit_head(clock_wall_ms());
    struct live_service *live = live_service_new(
        &cli->cfg, store, api.https, (struct live_io){net_ws_send, net_ws_close, server}, media);
    parts.live = live;
    /* the throttles count the failures of every node (the secret, from the key file, is
     * the same on all; it keys the hash that stands for an address or an account) */
    uint8_t throttle_secret[SEAL_INDEX_BYTES];
    seal_index(seal, "throttle.secret", "confide", 7, throttle_secret);
    throttle_share(api.account_throttle, "sign-in-account", throttle_secret);
    throttle_share(api.address_throttle, "sign-in-address", throttle_secret);
    struct throttle *const shared[] = {api.account_throttle, api.address_throttle};
    live_service_share_throttles(live, throttle_secret, shared, 2);
    sodium_memzero(throttle_secret, sizeof throttle_secret);
    net_server_set_ws(server,
                      &(struct net_ws_handler){.open = ws_open,
                                               .message = ws_message,
                                               .too_large = ws_too_large,
                                               .close = ws_close,
                                               .tick = ws_tick,
                                               .arg = live,
                                               .max_message_bytes = LIVE_MAX_MESSAGE_BYTES});
    /* sign-ins and setup (argon2id) run beside the service thread, not on it */
    struct api_offload *offload = NULL;
    if (api_offload_start(&api, url, seal, net_server_wake, server, &offload) == 0)
        net_server_set_offload(server, offload);
    else
        log_warn("main", "the sign-in thread could not start; sign-ins run inline");
    running_server = server;
    running_seal = seal;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    printf("confide: listening on %s\n", cli->cfg.public_url);
    if (api.setup_token[0])
        printf("confide: no account yet. Open this link to create the first one:\n"
               "    %s/setup#%s\n",
               cli->cfg.public_url, api.setup_token);
    fflush(stdout);
    log_info("main", "serving on %s, data in %s", cli->cfg.listen, cli->cfg.data_dir);

    int rc = net_server_run(server);
    running_server = NULL;
    running_seal = NULL;
    net_server_set_offload(server, NULL);
    api_offload_stop(offload);
    net_server_free(server); /* closes the WebSockets: the service hears of each */
    metrics_set_extra(NULL, NULL);
    live_service_free(live);
    live_media_stop(media);
    mail_worker_stop(mail); /* finishes the mail it is sending */
    api_ctx_free(&api);
    cli_close_data(seal, store);
    billing_doc_pdf_release(); /* the fonts cairo kept for the PDFs drawn */
    log_info("main", "stopped");
    return rc < 0 ? 1 : 0;
}

#include "core/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/email.h"

#ifndef CONFIDE_WEB_DIR
#define CONFIDE_WEB_DIR "web"
#endif

enum option_type { OPT_STRING, OPT_LONG };

struct option_def {
    const char *key;
    enum option_type type;
    size_t offset;
    size_t size; /* for strings */
    const char *def;
    long min, max;
    const char *help;
};

#define STR(field, def, help)                                                              \
    {#field, OPT_STRING, offsetof(struct config, field), sizeof(((struct config *)0)->field), \
     def, 0, 0, help}
#define NUM(field, def, lo, hi, help)                                                      \
    {#field, OPT_LONG, offsetof(struct config, field), 0, def, lo, hi, help}

static const struct option_def options[] = {
    STR(listen, "127.0.0.1:8080", "address and port for HTTP(S), the API and WebSockets"),
    STR(data_dir, "./var", "directory for the database (and the key file, unless key_file says)"),
    STR(database_url, "",
        "postgresql://user@host/db?sslmode=verify-full for PostgreSQL (empty: SQLite, "
        "data_dir/confide.db)"),
    STR(key_file, "",
        "file holding the sealing keys, private (0600); may be a read-only systemd credential; "
        "unset: data_dir/secret.key"),
    STR(web_dir, CONFIDE_WEB_DIR, "directory of the web client's files"),
    STR(tls_cert, "", "PEM certificate chain; with tls_key, serve HTTPS"),
    STR(tls_key, "", "PEM private key for tls_cert"),
    STR(public_url, "", "URL browsers use to reach confide (default: from listen)"),
    STR(node_id, "",
        "this node's name among several sharing one PostgreSQL database (default: the host name)"),
    STR(node_url, "",
        "URL that reaches this node alone through the proxy, same origin as public_url, e.g. "
        "https://video.example.org/node/a (default: public_url)"),
    STR(log_level, "info", "debug, info, warn or error"),
    STR(practice_name, "confide", "the practice's name, shown to clients"),
    NUM(idle_timeout, "900", 1, 86400, "seconds without activity before a sign-in ends"),
    STR(require_mfa, "admins", "who must use two-step sign-in: admins, all, or off"),
    NUM(session_lifetime, "43200", 60, 604800, "seconds a sign-in lasts at most"),
    NUM(max_body_bytes, "65536", 1024, 16777216, "largest request body accepted (bytes)"),
    NUM(shutdown_grace, "5", 0, 120, "seconds to finish in-flight responses on shutdown"),
    STR(smtp_url, "", "SMTP server for mail, smtp://host:port (empty: mail waits in the outbox)"),
    STR(smtp_from, "", "From address of confide's mail (default: no-reply@ the public host)"),
    STR(smtp_user, "", "SMTP user name, if the server wants one"),
    STR(smtp_password, "", "SMTP password"),
    STR(smtp_starttls, "require", "STARTTLS on smtp://: require (mail waits without it), auto (when offered), off (plain)"),
    NUM(mail_retry_seconds, "30", 1, 3600, "first retry of a failed mail; doubles each time"),
    NUM(mail_poll_seconds, "15", 1, 600, "how often due mail and reminders are looked for"),
    STR(reminders, "1440,60", "reminder mails, in minutes before each session"),
    NUM(join_early_minutes, "15", 0, 120, "how early before the start a link lets people in"),
    NUM(media_workers, "0", 0, 64, "media threads, each with its own UDP socket (0: one per core)"),
    NUM(media_port, "0", 0, 65535, "first UDP port for media; worker i uses media_port + i (0: any)"),
    NUM(media_tcp_connections, "64", 0, 65534,
        "ICE-TCP connections each media worker holds, on TCP at the media port (0: UDP only)"),
    STR(media_bind, "", "IPv4 address the media sockets bind (default: listen's address)"),
    STR(media_public_ip, "", "address(es) browsers reach media on, comma-separated (default: media_bind)"),
    STR(metrics_allow, "",
        "addresses or CIDR ranges besides loopback that may read /metrics, comma-separated"),
    STR(trusted_proxies, "",
        "reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For/Forwarded is believed"),
    NUM(max_connections, "0", 0, 1000000,
        "TCP connections held at once; more are closed at accept (0: the open-file limit less 128)"),
    NUM(max_connections_per_address, "200", 1, 1000000,
        "TCP connections from one address (an IPv6 /64) at once; trusted_proxies are exempt"),
    NUM(header_timeout, "10", 1, 300, "seconds a request's headers may take to arrive; then closed"),
    NUM(body_timeout, "30", 1, 3600, "seconds a request's body may take to arrive; then closed"),
    NUM(keepalive_timeout, "20", 1, 3600, "seconds an idle HTTP connection is kept between requests"),
    NUM(ws_send_queue_bytes, "1048576", 16384, 67108864,
        "bytes of replies a WebSocket may leave unread before it is closed"),
    STR(turn_uris, "",
        "the practice's TURN server, comma-separated, e.g. "
        "turn:turn.example.org:3478?transport=udp, turns:turn.example.org:443?transport=tcp "
        "(empty: pages get no TURN server)"),
    STR(turn_secret, "",
        "the TURN server's shared secret (coturn's static-auth-secret), at least 16 characters; "
        "needed with turn_uris"),
    NUM(turn_ttl, "14400", 600, 86400,
        "seconds the TURN credentials given to a page at admission last; longer than the longest "
        "session, because the TURN server ends a relay when they expire"),
    STR(sms_webhook_url, "",
        "http(s) URL of the practice's SMS provider: a new secure message is POSTed there as "
        "JSON {\"to\",\"text\"} for clients with a phone number (empty: no SMS)"),
    STR(crisis_resources,
        "If you are in danger or might harm yourself, call your local emergency number now.",
        "what to do in a crisis, shown to clients wherever they write a message, e.g. \"In the "
        "US call or text 988. In the UK call 116 123.\""),
    NUM(retention_years, "7", 0, 100,
        "years an erased client's clinical records are kept, from each record's date"),
    STR(billing_currency, "USD", "the practice's currency, an ISO 4217 code such as USD, EUR, GBP"),
    NUM(late_cancel_hours, "24", 0, 336,
        "hours before a session within which a client's cancellation is late (0: never late)"),
    STR(late_cancel_fee, "0.00", "fee for a late cancellation by the client, e.g. 50.00 (0: none)"),
    STR(no_show_fee, "0.00", "fee when a client does not come to a session, e.g. 75.00 (0: none)"),
    STR(practice_npi, "", "the practice's National Provider Identifier, 10 digits (superbills)"),
    STR(practice_tax_id, "", "the practice's tax id (EIN), NN-NNNNNNN (superbills)"),
    STR(practice_address, "", "the practice's postal address, as superbills and statements print it"),
    STR(pay_online_url, "",
        "https:// address of the practice's own payment page, shown on statements (empty: none)"),
};
#define OPTION_COUNT (sizeof options / sizeof options[0])

/* A node's name goes in lease rows and logs: short, and plain enough to read in both. */
static int node_id_ok(const char *id)
{
    if (id[0] == '\0')
        return 0;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return 0;
    return 1;
}

/* scheme://host[:port] of an absolute URL: its length, 0 when it has none. */
static size_t origin_length(const char *url)
{
    const char *host = strstr(url, "://");
    if (!host || (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0))
        return 0;
    host += 3;
    return (size_t)(host - url) + strcspn(host, "/?#");
}

/* node_id defaults to the host name; node_url to public_url. node_url must share
 * public_url's origin: the sign-in cookie and the WebSocket's Origin check are per origin,
 * so a page redirected to another node must stay on its origin (a path on the proxy). */
static int finish_node(struct config *c, struct buf *err)
{
    if (c->node_id[0] == '\0') {
        char host[256] = "";
        if (gethostname(host, sizeof host - 1) < 0 || !node_id_ok(host))
            snprintf(host, sizeof host, "node");
        snprintf(c->node_id, sizeof c->node_id, "%.*s", (int)sizeof c->node_id - 1, host);
    }
    if (!node_id_ok(c->node_id)) {
        buf_printf(err, "node_id may hold only letters, digits, '.', '-' and '_'");
        return -1;
    }
    if (c->node_url[0] == '\0')
        snprintf(c->node_url, sizeof c->node_url, "%s", c->public_url);
    size_t n = strlen(c->node_url);
    while (n > 0 && c->node_url[n - 1] == '/')
        c->node_url[--n] = '\0';
    size_t origin = origin_length(c->public_url);
    if (origin == 0 || origin_length(c->node_url) != origin ||
        strncasecmp(c->node_url, c->public_url, origin) != 0) {
        buf_printf(err, "node_url must be on public_url's origin (%.*s), e.g. %.*s/node/%s",
                   (int)origin, c->public_url, (int)origin, c->public_url, c->node_id);
        return -1;
    }
    return 0;
}

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < OPTION_COUNT; i++)
        config_set_flag(c, options[i].key, options[i].def, NULL);
}

static const struct option_def *find_option(const char *key)
{
    char norm[64];
    size_t n = strlen(key);
    if (n >= sizeof norm)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        norm[i] = key[i] == '-' ? '_' : (char)tolower((unsigned char)key[i]);
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (strcmp(options[i].key, norm) == 0)
            return &options[i];
    return NULL;
}

int config_is_flag(const char *flag)
{
    return find_option(flag) != NULL;
}

static int set_option(struct config *c, const struct option_def *o, const char *value,
                      const char *origin, struct buf *err)
{
    char *field = (char *)c + o->offset;
    if (o->type == OPT_STRING) {
        if (strlen(value) >= o->size) {
            if (err)
                buf_printf(err, "%s: %s is too long", origin, o->key);
            return -1;
        }
        strcpy(field, value);
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end != '\0' || v < o->min || v > o->max) {
        if (err)
            buf_printf(err, "%s: %s must be a whole number from %ld to %ld", origin, o->key,
                       o->min, o->max);
        return -1;
    }
    *(long *)field = v;
    return 0;
}

int config_set_flag(struct config *c, const char *flag, const char *value, struct buf *err)
{
    const struct option_def *o = find_option(flag);
    if (!o) {
        if (err)
            buf_printf(err, "unknown setting --%s", flag);
        return -1;
    }
    return set_option(c, o, value, "command line", err);
}

struct ini_ctx {
    struct config *c;
    struct buf *err;
    int failed;
};

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *ctx = user;
    const struct option_def *o = find_option(name);
    if (!o) {
        buf_printf(ctx->err, "config file: unknown setting '%s'", name);
        ctx->failed = 1;
        return 0;
    }
    if (set_option(ctx->c, o, value, "config file", ctx->err) < 0) {
        ctx->failed = 1;
        return 0;
    }
    return 1;
}

int config_load_file(struct config *c, const char *path, struct buf *err)
{
    struct ini_ctx ctx = {c, err, 0};
    int rc = ini_parse(path, on_ini_entry, &ctx);
    if (ctx.failed)
        return -1;
    if (rc == -1) {
        buf_printf(err, "config file %s: %s", path, strerror(errno));
        return -1;
    }
    if (rc != 0) {
        buf_printf(err, "config file %s: syntax error on line %d", path, rc);
        return -1;
    }
    return 0;
}

int config_apply_env(struct config *c, struct buf *err)
{
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        char name[80] = "CONFIDE_";
        size_t n = strlen(name);
        for (const char *k = options[i].key; *k && n < sizeof name - 1; k++)
            name[n++] = (char)toupper((unsigned char)*k);
        name[n] = '\0';
        const char *v = getenv(name);
        if (v && set_option(c, &options[i], v, name, err) < 0)
            return -1;
    }
    return 0;
}

/* media_bind must be an IPv4 literal; media_public_ip is "a, b, c": up to
 * CONFIG_MEDIA_ADDRESSES IPv4 or IPv6 literals, the first preferred. */
static int media_addresses(struct config *c, struct buf *err)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, c->media_bind, &v4) != 1) {
        buf_printf(err, "media_bind: \"%s\" is not an IPv4 address", c->media_bind);
        return -1;
    }
    c->media_address_count = 0;
    for (const char *p = c->media_public_ip;;) {
        p += strspn(p, ", ");
        size_t len = strcspn(p, ", ");
        if (len == 0)
            break;
        if (c->media_address_count == CONFIG_MEDIA_ADDRESSES ||
            len >= sizeof c->media_addresses[0]) {
            buf_printf(err, "media_public_ip takes up to %d addresses", CONFIG_MEDIA_ADDRESSES);
            return -1;
        }
        char *dst = c->media_addresses[c->media_address_count];
        memcpy(dst, p, len);
        dst[len] = 0;
        uint8_t addr[16];
        if (inet_pton(AF_INET, dst, addr) != 1 && inet_pton(AF_INET6, dst, addr) != 1) {
            buf_printf(err, "media_public_ip: \"%s\" is not an IPv4 or IPv6 address", dst);
            return -1;
        }
        c->media_address_count++;
        p += len;
    }
    if (c->media_address_count == 0) {
        buf_printf(err, "media_public_ip names no address");
        return -1;
    }
    return 0;
}

/* The host of a TURN URI: a name (letters, digits, '-', '.'), an IPv4 address, or an
 * IPv6 address in brackets. Returns its length, 0 when there is none. */
static size_t turn_host_length(const char *host)
{
    if (host[0] == '[') {
        size_t n = strcspn(host, "]");
        char v6[64];
        if (host[n] != ']' || n - 1 >= sizeof v6)
            return 0;
        memcpy(v6, host + 1, n - 1);
        v6[n - 1] = '\0';
        uint8_t addr[16];
        return inet_pton(AF_INET6, v6, addr) == 1 ? n + 1 : 0;
    }
    size_t n = 0;
    while (isalnum((unsigned char)host[n]) || host[n] == '-' || host[n] == '.')
        n++;
    return n;
}

/* One URI as RFC 7065 has it and browsers take it: turn:HOST[:PORT][?transport=udp|tcp],
 * turns:HOST[:PORT][?transport=tcp] (TLS; no browser speaks TURN over DTLS). */
static int turn_uri_check(const char *uri, struct buf *err)
{
    const char *p;
    int tls = 0;
    if (strncmp(uri, "turn:", 5) == 0) {
        p = uri + 5;
    } else if (strncmp(uri, "turns:", 6) == 0) {
        p = uri + 6;
        tls = 1;
    } else {
        buf_printf(err, "turn_uris: \"%s\" must begin with turn: or turns:", uri);
        return -1;
    }
    size_t host = turn_host_length(p);
    if (host == 0) {
        buf_printf(err, "turn_uris: \"%s\" names no host (turn:HOST[:PORT][?transport=udp|tcp])",
                   uri);
        return -1;
    }
    p += host;
    if (*p == ':') {
        char *end = NULL;
        errno = 0;
        long port = strtol(p + 1, &end, 10);
        if (errno || end == p + 1 || !isdigit((unsigned char)p[1]) || port < 1 || port > 65535) {
            buf_printf(err, "turn_uris: \"%s\": the port must be 1 to 65535", uri);
            return -1;
        }
        p = end;
    }
    if (*p == '\0')
        return 0;
    if (strcmp(p, "?transport=tcp") == 0 || (!tls && strcmp(p, "?transport=udp") == 0))
        return 0;
    buf_printf(err,
               "turn_uris: \"%s\": after the host and port only ?transport=udp or ?transport=tcp "
               "may follow (turns: is TLS, over TCP only)",
               uri);
    return -1;
}

/* turn_uris is "a, b": up to CONFIG_TURN_URIS URIs, each checked; turn_secret goes with it. */
static int turn_settings(struct config *c, struct buf *err)
{
    c->turn_uri_count = 0;
    for (const char *p = c->turn_uris;;) {
        p += strspn(p, ", ");
        size_t len = strcspn(p, ", ");
        if (len == 0)
            break;
        if (c->turn_uri_count == CONFIG_TURN_URIS || len >= sizeof c->turn_uri_list[0]) {
            buf_printf(err, "turn_uris takes up to %d URIs of up to %zu characters",
                       CONFIG_TURN_URIS, sizeof c->turn_uri_list[0] - 1);
            return -1;
        }
        char *dst = c->turn_uri_list[c->turn_uri_count];
        memcpy(dst, p, len);
        dst[len] = '\0';
        if (turn_uri_check(dst, err) < 0)
            return -1;
        c->turn_uri_count++;
        p += len;
    }
    if (c->turn_uri_count > 0 && c->turn_secret[0] == '\0') {
        buf_printf(err, "turn_uris needs turn_secret: the TURN server's static-auth-secret");
        return -1;
    }
    if (c->turn_uri_count == 0 && c->turn_secret[0] != '\0') {
        buf_printf(err, "turn_secret is set but turn_uris names no TURN server");
        return -1;
    }
    /* the credentials are HMACs of a known user name: a short secret falls to guessing */
    if (c->turn_secret[0] != '\0' && strlen(c->turn_secret) < 16) {
        buf_printf(err, "turn_secret must be at least 16 characters (e.g. openssl rand -hex 32)");
        return -1;
    }
    return 0;
}

int config_finish(struct config *c, struct buf *err)
{
    const char *colon = strrchr(c->listen, ':');
    if (!colon || colon == c->listen || (size_t)(colon - c->listen) >= sizeof c->listen_host) {
        buf_printf(err, "listen must be ADDR:PORT, e.g. 127.0.0.1:8080");
        return -1;
    }
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535) {
        buf_printf(err, "listen: the port must be 1 to 65535");
        return -1;
    }
    memcpy(c->listen_host, c->listen, (size_t)(colon - c->listen));
    c->listen_host[colon - c->listen] = '\0';
    c->listen_port = (int)port;
    if ((c->tls_cert[0] != '\0') != (c->tls_key[0] != '\0')) {
        buf_printf(err, "tls_cert and tls_key must be set together");
        return -1;
    }
    if (c->sms_webhook_url[0] != '\0' && strncmp(c->sms_webhook_url, "https://", 8) != 0 &&
        strncmp(c->sms_webhook_url, "http://", 7) != 0) {
        buf_printf(err, "sms_webhook_url must be an http:// or https:// URL");
        return -1;
    }
    if (c->media_bind[0] == '\0') {
        const char *host = strcmp(c->listen_host, "localhost") == 0 ? "127.0.0.1" : c->listen_host;
        snprintf(c->media_bind, sizeof c->media_bind, "%s", host);
    }
    if (c->media_public_ip[0] == '\0') {
        if (strcmp(c->media_bind, "0.0.0.0") == 0) {
            buf_printf(err, "media_public_ip must be set when media_bind is 0.0.0.0");
            return -1;
        }
        snprintf(c->media_public_ip, sizeof c->media_public_ip, "%s", c->media_bind);
    }
    if (media_addresses(c, err) < 0)
        return -1;
    if (turn_settings(c, err) < 0)
        return -1;
    struct buf problem = {0};
    if (cidr_list_parse(c->metrics_allow, &c->metrics_allow_list, &problem) < 0) {
        buf_printf(err, "metrics_allow: %s; give IPv4 or IPv6 addresses or ranges, e.g. "
                        "10.0.0.0/8, fd00::/8",
                   problem.data);
        buf_free(&problem);
        return -1;
    }
    if (cidr_list_parse(c->trusted_proxies, &c->trusted_proxies_list, &problem) < 0) {
        buf_printf(err, "trusted_proxies: %s; give the proxies' IPv4 or IPv6 addresses or "
                        "ranges, e.g. 127.0.0.1, 10.0.0.0/8",
                   problem.data);
        buf_free(&problem);
        return -1;
    }
    if (c->media_port > 0 && c->media_port + (c->media_workers ? c->media_workers : 1) - 1 > 65535) {
        buf_printf(err, "media_port + media_workers must stay within 65535");
        return -1;
    }
    if (c->key_file[0] == '\0')
        snprintf(c->key_file, sizeof c->key_file, "%s/secret.key", c->data_dir);
    if (c->public_url[0] == '\0')
        snprintf(c->public_url, sizeof c->public_url, "%s://%s:%d",
                 c->tls_cert[0] ? "https" : "http", c->listen_host, c->listen_port);
    size_t n = strlen(c->public_url);
    while (n > 0 && c->public_url[n - 1] == '/')
        c->public_url[--n] = '\0';
    c->https = c->tls_cert[0] != '\0' || strncasecmp(c->public_url, "https://", 8) == 0;
    if (finish_node(c, err) < 0)
        return -1;
    if (strcmp(c->smtp_starttls, "auto") != 0 && strcmp(c->smtp_starttls, "require") != 0 &&
        strcmp(c->smtp_starttls, "off") != 0) {
        buf_printf(err, "smtp_starttls must be auto, require or off");
        return -1;
    }
    if (strcmp(c->require_mfa, "admins") != 0 && strcmp(c->require_mfa, "all") != 0 &&
        strcmp(c->require_mfa, "off") != 0) {
        buf_printf(err, "require_mfa must be admins, all or off");
        return -1;
    }
    if (c->smtp_from[0] == '\0') {
        const char *host = strstr(c->public_url, "://");
        host = host ? host + 3 : c->public_url;
        size_t host_len = strcspn(host, ":/");
        snprintf(c->smtp_from, sizeof c->smtp_from, "no-reply@%.*s", (int)host_len, host);
    }
    enum email_problem from_problem = email_check(c->smtp_from);
    if (from_problem != EMAIL_OK) {
        const char *why = from_problem == EMAIL_NOT_ASCII ? "not plain ASCII"
                          : from_problem == EMAIL_DOMAIN  ? "no host name with a dot after the @"
                                                          : "not a plain name@domain";
        buf_printf(err,
                   "smtp_from \"%s\" is not an address confide can send from (%s); set "
                   "smtp_from to one such as no-reply@example.org",
                   c->smtp_from, why);
        return -1;
    }
    /* a password must not cross the network in the clear */
    const char *smtp_host = strstr(c->smtp_url, "://");
    smtp_host = smtp_host ? smtp_host + 3 : "";
    int smtp_local = strncmp(smtp_host, "127.", 4) == 0 || strncmp(smtp_host, "localhost", 9) == 0 ||
                     strncmp(smtp_host, "[::1]", 5) == 0;
    if (c->smtp_user[0] && !smtp_local && strncmp(c->smtp_url, "smtps://", 8) != 0 &&
        strcmp(c->smtp_starttls, "require") != 0) {
        buf_printf(err, "with smtp_user set, use an smtps:// URL or smtp_starttls = require, so "
                        "the password is never sent in the clear");
        return -1;
    }
    int minutes = 0, count = 0;
    for (const char *p = c->reminders; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            minutes = minutes * 10 + (*p - '0');
            if (minutes > 10080) {
                buf_printf(err, "reminders: each must be at most 10080 minutes (a week)");
                return -1;
            }
        } else if (*p == ',' && minutes > 0 && count < 8) {
            minutes = 0;
            count++;
        } else if (*p != ' ') {
            buf_printf(err, "reminders must be minutes separated by commas, e.g. 1440,60");
            return -1;
        }
    }
    return 0;
}

void config_print_help(FILE *out)
{
    fprintf(out, "Settings (flag / environment variable / INI key, default):\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        const struct option_def *o = &options[i];
        char flag[64], env[64];
        size_t n = 0;
        for (const char *k = o->key; *k; k++)
            flag[n++] = *k == '_' ? '-' : *k;
        flag[n] = '\0';
        n = 0;
        for (const char *k = o->key; *k; k++)
            env[n++] = (char)toupper((unsigned char)*k);
        env[n] = '\0';
        fprintf(out, "  --%-18s CONFIDE_%-18s %s\n      %s (default: %s)\n", flag, env, o->key,
                o->help, o->def[0] ? o->def : "unset");
    }
}

int config_reminder_minutes(const struct config *c, int out[8])
{
    int n = 0;
    const char *p = c->reminders;
    while (*p && n < 8) {
        char *end = NULL;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (v > 0)
            out[n++] = (int)v;
        p = end;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return n;
}

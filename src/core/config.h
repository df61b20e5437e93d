/* config: every setting has one entry in a table (config.c) that gives its INI key,
 * its environment variable (CONFIDE_<KEY>), its command-line flag (--key-with-dashes),
 * its default and its help text. Precedence: default < INI file < environment < flag. */
#ifndef CONFIDE_CORE_CONFIG_H
#define CONFIDE_CORE_CONFIG_H
#include <stdio.h>

#include "core/buf.h"
#include "core/cidr.h"

struct config {
    char listen[128];     /* ADDR:PORT */
    char data_dir[1024];
    char database_url[1024]; /* postgresql://…; empty: SQLite in data_dir */
    char key_file[1100]; /* the keys (core/keyfile.h); default data_dir/secret.key */
    char web_dir[1024];
    char tls_cert[1024];
    char tls_key[1024];
    char public_url[256]; /* how browsers reach confide; derived from listen when empty */
    char node_id[64];     /* this node among several on one database; default: host name */
    char node_url[256];   /* reaches this node alone (a path on the proxy); default: public_url */
    char log_level[16];
    char practice_name[128];
    char require_mfa[8];  /* "admins", "all", "off": who must use two-step sign-in */
    long idle_timeout;    /* seconds without a request before a login session ends */
    long session_lifetime;/* seconds a login session lasts at most */
    long max_body_bytes;
    long shutdown_grace;  /* seconds to finish in-flight responses on SIGTERM */
    char smtp_url[256];   /* smtp://host:port or smtps://host:port; empty: mail stays queued */
    char smtp_from[256];  /* the From address of every mail */
    char smtp_user[128];
    char smtp_password[256];
    char smtp_starttls[16]; /* "require" (the default), "auto" (when offered), "off" */
    long mail_retry_seconds; /* first retry after a failed send; doubles each time, up to 1 h */
    long mail_poll_seconds;  /* how often the mail thread looks for due mail and reminders */
    char reminders[64];      /* minutes before each session, comma-separated: "1440,60" */
    long join_early_minutes; /* how long before the start a link lets people in */
    long media_workers;      /* 0: one per core */
    long media_port;         /* first UDP port; 0: any */
    long media_tcp_connections; /* ICE-TCP on the same port numbers, per worker; 0: off */
    char media_bind[64];     /* IPv4 the media sockets bind; default: listen's host */
    char media_public_ip[256]; /* what the SDP announces, comma-separated: each address a
                                * host candidate, the first also the c= line */
    char metrics_allow[512];   /* CIDRs besides loopback that may read /metrics, comma-separated */
    char trusted_proxies[512]; /* CIDRs of reverse proxies whose forwarding headers are believed */
    long max_connections;      /* TCP connections held at once; 0: from the open-file limit */
    long max_connections_per_address; /* from one address (an IPv6 /64); proxies exempt */
    long header_timeout;       /* seconds for a request's headers to arrive in full */
    long body_timeout;         /* seconds for a request's declared body to arrive in full */
    long keepalive_timeout;    /* seconds an idle HTTP connection is kept between requests */
    long ws_send_queue_bytes;  /* a WebSocket whose unsent replies pass this is closed */
    char turn_uris[1024];      /* turn:/turns: URIs of the practice's TURN server, comma-separated */
    char turn_secret[256];     /* coturn's static-auth-secret: signs the credentials; never logged */
    long turn_ttl;             /* seconds the TURN credentials handed to a page last */
    char sms_webhook_url[512]; /* http(s) URL the SMS notifications are POSTed to; empty: none */
    char crisis_resources[1024]; /* shown wherever a client writes a message */
    long retention_years;      /* an erased client's clinical records are kept this long */
    /* billing (docs/BILLING.md); checked, and the amounts parsed, by charging_config_finish
     * (practice/charging.h) */
    char billing_currency[8];  /* ISO 4217, e.g. "USD" */
    long late_cancel_hours;    /* a client's cancellation less than this before the start is late */
    char late_cancel_fee[32];  /* "0.00": none */
    char no_show_fee[32];      /* "0.00": none */
    char practice_npi[16];     /* "" or a 10-digit NPI */
    char practice_tax_id[16];  /* "" or "NN-NNNNNNN" */
    char practice_address[1204]; /* free text, at most 300 characters */
    char pay_online_url[512];  /* "" or an https:// URL of the practice's own payment page */

    /* derived by config_finish */
    char listen_host[64];
    int listen_port;
#define CONFIG_MEDIA_ADDRESSES 9
    char media_addresses[CONFIG_MEDIA_ADDRESSES][64]; /* media_public_ip, checked, in order */
    int media_address_count;                          /* at least 1 */
    struct cidr_list metrics_allow_list;              /* metrics_allow, parsed */
    struct cidr_list trusted_proxies_list;            /* trusted_proxies, parsed */
#define CONFIG_TURN_URIS 4
    char turn_uri_list[CONFIG_TURN_URIS][256]; /* turn_uris, checked, in order */
    int turn_uri_count;                        /* 0: no TURN server, nothing handed out */
    /* Browsers reach confide over https: its own TLS, or public_url is https (a proxy
     * ends TLS). The one place that decides the cookie's Secure and __Host- and HSTS. */
    int https;
    /* billing, derived by charging_config_finish */
    long long late_cancel_cents, no_show_cents;
};

void config_defaults(struct config *c);
/* Each returns 0, or -1 with a message for a person in err. */
int config_load_file(struct config *c, const char *path, struct buf *err);
int config_apply_env(struct config *c, struct buf *err);
/* flag without the leading dashes, e.g. "data-dir" */
int config_set_flag(struct config *c, const char *flag, const char *value, struct buf *err);
int config_is_flag(const char *flag);
int config_finish(struct config *c, struct buf *err);
void config_print_help(FILE *out);
/* The reminder offsets in minutes, from the checked `reminders` setting; returns how many. */
int config_reminder_minutes(const struct config *c, int out[8]);

#endif

/* confide: the command line. `confide serve` runs the server; the other subcommands
 * are the practice admin's tools for the same data directory. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/offload.h"
#include "auth/account.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/rand.h"
#include "core/seal.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "live/media.h"
#include "live/protocol.h"
#include "live/service.h"
#include "net/server.h"
#include "practice/mailer.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fprintf(out,
            "confide %s: a self-hosted teletherapy server\n\n"
            "Usage:\n"
            "  confide serve [SETTINGS]            run the server\n"
            "  confide migrate [SETTINGS]          apply pending database migrations\n"
            "  confide backup FILE [SETTINGS]      copy the database to FILE while it runs\n"
            "  confide admin create-user --name NAME --email EMAIL [--role admin|therapist]\n"
            "                                      add an account; the password is read from\n"
            "                                      the first line of standard input\n"
            "  confide admin reset-mfa --email EMAIL [SETTINGS]\n"
            "                                      remove an account's two-step sign-in (a\n"
            "                                      lost phone and lost recovery codes)\n"
            "  confide admin verify-audit [SETTINGS]\n"
            "                                      check the audit log's hash chain; exits 0\n"
            "                                      when intact, 1 naming the first bad entry\n"
            "  confide --help | --version\n\n"
            "  --config FILE                       read settings from an INI file "
            "(CONFIDE_CONFIG)\n",
            CONFIDE_VERSION);
    config_print_help(out);
}

/* Settings and the subcommand's own options, from argv. */
struct cli {
    struct config cfg;
    const char *positional;
    const char *name, *email, *role;
};

static int parse_cli(int argc, char **argv, int first, struct cli *cli)
{
    struct buf err = {0};
    config_defaults(&cli->cfg);
    const char *config_file = getenv("CONFIDE_CONFIG");
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_file = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            config_file = argv[i] + 9;
    if (config_file && config_load_file(&cli->cfg, config_file, &err) < 0)
        goto fail;
    if (config_apply_env(&cli->cfg, &err) < 0)
        goto fail;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            if (cli->positional) {
                buf_printf(&err, "unexpected argument '%s'", arg);
                goto fail;
            }
            cli->positional = arg;
            continue;
        }
        char flag[64];
        const char *eq = strchr(arg, '=');
        const char *value;
        size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (n >= sizeof flag) {
            buf_printf(&err, "unknown option '%s'", arg);
            goto fail;
        }
        memcpy(flag, arg + 2, n);
        flag[n] = '\0';
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            buf_printf(&err, "--%s needs a value", flag);
            goto fail;
        }
        if (strcmp(flag, "config") == 0)
            continue;
        if (strcmp(flag, "name") == 0)
            cli->name = value;
        else if (strcmp(flag, "email") == 0)
            cli->email = value;
        else if (strcmp(flag, "role") == 0)
            cli->role = value;
        else if (config_set_flag(&cli->cfg, flag, value, &err) < 0)
            goto fail;
    }
    if (config_finish(&cli->cfg, &err) < 0)
        goto fail;
    enum log_level level;
    if (log_level_parse(cli->cfg.log_level, &level) < 0) {
        buf_printf(&err, "log_level must be debug, info, warn or error");
        goto fail;
    }
    log_set_level(level);
    return 0;
fail:
    fprintf(stderr, "confide: %s\nconfide --help lists the settings.\n", err.data);
    buf_free(&err);
    return -1;
}

/* Opens the data directory: its key, its database, migrated to the current schema. */
static void store_url(const struct config *cfg, char url[1200])
{
    snprintf(url, 1200, "sqlite:%s/confide.db", cfg->data_dir);
}

/* Every file directly in the data directory but secret.key: the database, its WAL and
 * SHM, copies an admin put there. Wider than 0600 is made 0600, with a log line. */
static void data_files_private(const char *dir, int dfd)
{
    int fd = dup(dfd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        log_warn("store", "cannot list the data directory %s: %s", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, "secret.key") == 0)
            continue;
        /* no symbolic links followed, no FIFO waited on */
        int f = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (f < 0)
            continue;
        struct stat st;
        if (fstat(f, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
            if (fchmod(f, 0600) == 0)
                log_warn("store", "%s/%s was mode %04o; now 0600", dir, e->d_name,
                         (unsigned)(st.st_mode & 07777));
            else
                log_warn("store", "%s/%s is mode %04o and cannot be made 0600: %s", dir, e->d_name,
                         (unsigned)(st.st_mode & 07777), strerror(errno));
        }
        close(f);
    }
    closedir(d);
}

/* The data directory is its owner's alone, made so at every start: the directory 0700,
 * its files 0600. A secret.key that others could read or write is refused, not fixed: it
 * may have been copied, and only the admin can judge that. Returns 0 or -1 (said on
 * stderr). */
static int data_dir_private(const char *dir)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "confide: cannot create the data directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (dfd < 0 || fstat(dfd, &st) < 0) {
        fprintf(stderr, "confide: cannot open the data directory %s: %s\n", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        return -1;
    }
    assert(S_ISDIR(st.st_mode)); /* O_DIRECTORY */
    if ((st.st_mode & 077) != 0) {
        if (fchmod(dfd, 0700) == 0)
            log_warn("store", "the data directory %s was mode %04o; now 0700", dir,
                     (unsigned)(st.st_mode & 07777));
        else
            log_warn("store", "the data directory %s is mode %04o and cannot be made 0700: %s", dir,
                     (unsigned)(st.st_mode & 07777), strerror(errno));
    }
    if (fstatat(dfd, "secret.key", &st, 0) == 0 && (st.st_mode & 077) != 0) {
        fprintf(stderr,
                "confide: %s/secret.key is mode %04o: other users of this machine can read or "
                "change the key that seals names, contacts and links. If someone may have "
                "copied it, treat the sealed data as exposed. Make it private, then start "
                "again:\n  chmod 600 %s/secret.key\n",
                dir, (unsigned)(st.st_mode & 07777), dir);
        close(dfd);
        return -1;
    }
    data_files_private(dir, dfd);
    close(dfd);
    return 0;
}

static int open_data(const struct config *cfg, struct seal **seal, struct store **store)
{
    if (data_dir_private(cfg->data_dir) < 0)
        return -1;
    int rc = seal_load(cfg->data_dir, seal);
    if (rc < 0) {
        fprintf(stderr, "confide: cannot read or create %s/secret.key: %s\n", cfg->data_dir,
                strerror(-rc));
        return -1;
    }
    char url[1200];
    store_url(cfg, url);
    if (store_open(url, *seal, store) < 0) {
        fprintf(stderr, "confide: cannot open the database in %s\n", cfg->data_dir);
        seal_free(*seal);
        return -1;
    }
    int applied = 0, version = 0;
    rc = store_migrate(*store, &applied, &version);
    if (rc == -EBADMSG) {
        fprintf(stderr,
                "confide: sealed values in %s/confide.db do not open with %s/secret.key; is it "
                "this database's key? Nothing was changed\n",
                cfg->data_dir, cfg->data_dir);
        store_close(*store);
        seal_free(*seal);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "confide: the database migration failed; nothing was changed\n");
        store_close(*store);
        seal_free(*seal);
        return -1;
    }
    if (applied)
        log_info("store", "applied %d migration(s), schema version %d", applied, version);
    return 0;
}

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

/* The audit log's head as hex, for the log line and verify-audit. */
static void audit_head_hex(const uint8_t head[STORE_AUDIT_HASH_BYTES], char out[65])
{
    sodium_bin2hex(out, 65, head, STORE_AUDIT_HASH_BYTES);
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
    audit_head_hex(head, hex);
    log_info("audit", "audit head id=%lld hash=%s", (long long)id, hex);
    audit_head_logged_at = now;
}

static void ws_tick(void *arg, int64_t now)
{
    live_service_tick(arg, now);
    if (now - audit_head_logged_at >= AUDIT_HEAD_EVERY_MS)
        log_audit_head(now);
}

static void render_media_metrics(void *arg, struct buf *out)
{
    live_media_metrics(arg, out);
}

static void on_signal(int sig)
{
    (void)sig;
    if (running_server)
        net_server_request_stop(running_server);
}

static int cmd_serve(struct cli *cli)
{
    struct seal *seal;
    struct store *store;
    if (open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    char url[1200];
    store_url(&cli->cfg, url);
    struct mail_worker *mail = NULL;
    struct mail_worker_options mail_options = {
        .cfg = &cli->cfg,
        .store_url = url,
        .seal = seal,
        .tick = mailer_reminders_tick,
        .tick_ctx = &cli->cfg,
    };
    if (smtp_global_init() < 0 || mail_worker_start(&mail_options, &mail) < 0) {
        fprintf(stderr, "confide: the mail thread could not start\n");
        store_close(store);
        seal_free(seal);
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
        store_close(store);
        seal_free(seal);
        return 1;
    }
    metrics_set_extra(render_media_metrics, media);
    audit_store = store;
    log_audit_head(clock_wall_ms());
    struct live_service *live = live_service_new(
        &cli->cfg, store, api.https, (struct live_io){net_ws_send, net_ws_close, server}, media);
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
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
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
    net_server_set_offload(server, NULL);
    api_offload_stop(offload);
    net_server_free(server); /* closes the WebSockets: the service hears of each */
    live_service_free(live);
    metrics_set_extra(NULL, NULL);
    live_media_stop(media);
    mail_worker_stop(mail); /* finishes the mail it is sending */
    api_ctx_free(&api);
    store_close(store);
    seal_free(seal);
    log_info("main", "stopped");
    return rc < 0 ? 1 : 0;
}

static int cmd_migrate(struct cli *cli)
{
    struct seal *seal;
    struct store *store;
    if (open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    printf("confide: the database in %s is up to date\n", cli->cfg.data_dir);
    store_close(store);
    seal_free(seal);
    return 0;
}

static int cmd_verify_audit(struct cli *cli)
{
    struct seal *seal;
    struct store *store;
    if (open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    int64_t count = 0, bad = 0;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    int rc = store_audit_verify(store, &count, &bad, head);
    char hex[65];
    audit_head_hex(head, hex);
    if (rc == 0)
        printf("confide: the audit log is intact: %lld entries, head %s\n"
               "confide: compare the head with the last \"audit head\" line in the server's log;\n"
               "         entries cut off the end show only there\n",
               (long long)count, hex);
    else if (rc == -EBADMSG)
        fprintf(stderr,
                "confide: the audit log was changed: entry %lld does not follow from the one "
                "before it (edited, inserted, or one before it deleted)\n",
                (long long)bad);
    else
        fprintf(stderr, "confide: the audit log could not be read\n");
    store_close(store);
    seal_free(seal);
    return rc == 0 ? 0 : 1;
}

static int cmd_backup(struct cli *cli)
{
    if (!cli->positional) {
        fprintf(stderr, "confide: backup needs a file name: confide backup FILE\n");
        return 2;
    }
    if (access(cli->positional, F_OK) == 0) {
        fprintf(stderr, "confide: %s exists already; choose a new file name\n", cli->positional);
        return 1;
    }
    struct seal *seal;
    struct store *store;
    if (open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    int rc = store_backup(store, cli->positional);
    if (rc == 0 && chmod(cli->positional, 0600) < 0) /* made under umask 077; said once more */
        log_warn("store", "cannot make %s mode 0600: %s", cli->positional, strerror(errno));
    store_close(store);
    seal_free(seal);
    if (rc < 0) {
        fprintf(stderr, "confide: the backup failed\n");
        return 1;
    }
    printf("confide: database copied to %s. Keep %s/secret.key with it: without the key the "
           "sealed data cannot be read.\n",
           cli->positional, cli->cfg.data_dir);
    return 0;
}

static int cmd_create_user(struct cli *cli)
{
    enum store_role role = STORE_ROLE_THERAPIST;
    if (!cli->name || !cli->email) {
        fprintf(stderr, "confide: admin create-user needs --name and --email\n");
        return 2;
    }
    if (cli->role && store_role_parse(cli->role, &role) < 0) {
        fprintf(stderr, "confide: --role must be admin or therapist\n");
        return 2;
    }
    char password[1100];
    if (isatty(STDIN_FILENO))
        fprintf(stderr, "Password (at least 12 characters): ");
    if (!fgets(password, sizeof password, stdin)) {
        fprintf(stderr, "confide: no password on standard input\n");
        return 2;
    }
    password[strcspn(password, "\r\n")] = '\0';

    struct seal *seal;
    struct store *store;
    if (open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    int64_t users = 0, id = 0;
    const char *reason = "The database is not available.";
    int rc = store_begin(store);
    if (rc == 0)
        rc = store_user_count(store, &users);
    if (rc == 0) /* the first account administers the practice, whatever was asked */
        rc = account_create(store, cli->name, cli->email, password, strlen(password),
                            users == 0 ? STORE_ROLE_ADMIN : role, 0, clock_wall_ms(), &id, &reason);
    if (rc == 0)
        rc = store_commit(store);
    else
        store_rollback(store);
    memset(password, 0, sizeof password);
    store_close(store);
    seal_free(seal);
    if (rc != 0) {
        fprintf(stderr, "confide: %s\n", reason);
        return 1;
    }
    printf("confide: account %lld created (%s)\n", (long long)id,
           store_role_name(users == 0 ? STORE_ROLE_ADMIN : role));
    return 0;
}

static int cmd_reset_mfa(struct cli *cli)
{
    if (!cli->email || cli->name || cli->role || cli->positional) {
        fprintf(stderr, "confide: admin reset-mfa needs --email (and nothing else)\n");
        return 2;
    }
    struct seal *seal;
    struct store *store;
    if (open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    struct arena a = {0};
    struct store_user user = {0};
    int rc = store_begin(store);
    if (rc == 0)
        rc = store_user_by_email(store, &a, cli->email, &user);
    if (rc == 0)
        rc = store_totp_delete(store, user.id);
    if (rc == 0)
        rc = store_audit(store, 0, "mfa.reset", user.id, clock_wall_ms());
    if (rc == 0)
        rc = store_commit(store);
    else
        store_rollback(store);
    arena_free(&a);
    store_close(store);
    seal_free(seal);
    if (rc == -ENOENT) {
        fprintf(stderr, "confide: no account with that email address has two-step sign-in\n");
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "confide: the database is not available\n");
        return 1;
    }
    printf("confide: two-step sign-in removed for account %lld; it signs in with its password "
           "(and, where require_mfa asks for it, sets up an app again)\n",
           (long long)user.id);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("confide %s\n", CONFIDE_VERSION);
        return 0;
    }
    umask(077); /* the database, its WAL, the key and backups: the owner's alone */
    if (rand_init() < 0) {
        fprintf(stderr, "confide: libsodium could not start\n");
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
    }
    struct cli cli = {0};
    const char *cmd = argv[1];
    int first = 2;
    if (strcmp(cmd, "admin") == 0) {
        if (argc < 3 ||
            (strcmp(argv[2], "create-user") != 0 && strcmp(argv[2], "verify-audit") != 0 &&
             strcmp(argv[2], "reset-mfa") != 0)) {
            fprintf(stderr,
                    "confide: admin knows three commands: create-user, reset-mfa, verify-audit\n");
            return 2;
        }
        first = 3;
    }
    if (strcmp(cmd, "serve") != 0 && strcmp(cmd, "migrate") != 0 && strcmp(cmd, "backup") != 0 &&
        strcmp(cmd, "admin") != 0) {
        fprintf(stderr, "confide: unknown command '%s'; see confide --help\n", cmd);
        return 2;
    }
    if (parse_cli(argc, argv, first, &cli) < 0)
        return 2;
    if (strcmp(cmd, "serve") == 0)
        return cli.positional ? 2 : cmd_serve(&cli);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&cli);
    if (strcmp(cmd, "backup") == 0)
        return cmd_backup(&cli);
    if (strcmp(argv[2], "verify-audit") == 0)
        return cli.positional ? 2 : cmd_verify_audit(&cli);
    if (strcmp(argv[2], "reset-mfa") == 0)
        return cmd_reset_mfa(&cli);
    return cmd_create_user(&cli);
}

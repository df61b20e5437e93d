/* confide: the command line. `confide serve` runs the server; the other subcommands
 * are the practice admin's tools for the same data directory. Each subcommand is one row
 * of the table below: its words, what it does, and the function that does it. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/rand.h"
#include "practice/charging.h"

static int cmd_migrate(struct cli *cli);
static int cmd_backup(struct cli *cli);

static const struct command {
    const char *words; /* "serve", "admin reset-mfa" */
    const char *args;  /* after the words, for --help */
    const char *help;
    int (*run)(struct cli *cli);
    int takes_file; /* one positional argument */
} commands[] = {
    {"serve", "[SETTINGS]", "run the server", cli_serve, 0},
    {"migrate", "[SETTINGS]", "apply pending database migrations", cmd_migrate, 0},
    {"backup", "FILE [SETTINGS]", "copy the database to FILE while it runs", cmd_backup, 1},
    {"migrate-data", "--to postgresql://… [SETTINGS]",
     "copy the SQLite practice in data_dir into an empty PostgreSQL database, then compare "
     "the row counts and verify the audit log there",
     cli_migrate_data, 0},
    {"admin create-user", "--name NAME --email EMAIL [--role admin|therapist]",
     "add an account; the password is read from the first line of standard input",
     cli_admin_create_user, 0},
    {"admin reset-mfa", "--email EMAIL [SETTINGS]",
     "remove an account's two-step sign-in (a lost phone and lost recovery codes)",
     cli_admin_reset_mfa, 0},
    {"admin users", "[SETTINGS]",
     "list the accounts: id, role, status (active, invited, disabled), two-step sign-in",
     cli_admin_users, 0},
    {"admin disable", "--email EMAIL [SETTINGS]",
     "disable an account: its sign-ins end at once (not the last administrator)", cli_admin_disable,
     0},
    {"admin enable", "--email EMAIL [SETTINGS]", "let a disabled account sign in again",
     cli_admin_enable, 0},
    {"admin rotate-key", "[--add-only | --reseal | --retire] [SETTINGS]",
     "add a new key to key_file and seal everything again with it while the server runs; "
     "--add-only: only add it (a server that reads the key at start: restart, then --reseal); "
     "--reseal: seal again with the newest key; --retire: drop older keys once nothing needs "
     "them",
     cli_admin_rotate_key, 0},
    {"admin verify-audit", "[SETTINGS]",
     "check the audit log's hash chain; exits 0 when intact, 1 naming the first bad entry",
     cli_admin_verify_audit, 0},
    {"admin purge", "[--as-of 2033-01-01T00:00:00Z] [SETTINGS]",
     "let go of erased clients' records whose retention has ended now (the server does it "
     "daily); --as-of runs it as at another time, for tests: a later one lets records go early",
     cli_admin_purge, 0},
};
enum { COMMAND_COUNT = sizeof commands / sizeof commands[0] };

static void usage(FILE *out)
{
    fprintf(out, "confide %s: a self-hosted teletherapy server\n\nUsage:\n", CONFIDE_VERSION);
    for (int i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  confide %s %s\n      %s\n", commands[i].words, commands[i].args,
                commands[i].help);
    fprintf(out, "  confide --help | --version\n\n"
                 "  --config FILE                       read settings from an INI file "
                 "(CONFIDE_CONFIG)\n");
    config_print_help(out);
}

/* The row whose words start argv[1..]; *used is how many argv entries they took. */
static const struct command *command_find(int argc, char **argv, int *used)
{
    for (int i = 0; i < COMMAND_COUNT; i++) {
        const char *w = commands[i].words;
        int n = 1;
        int at = 1;
        while (at < argc) {
            size_t len = strcspn(w, " ");
            if (strlen(argv[at]) != len || strncmp(argv[at], w, len) != 0)
                break;
            at++;
            if (w[len] == '\0') {
                *used = n;
                return &commands[i];
            }
            w += len + 1;
            n++;
        }
    }
    return NULL;
}

/* The options that take no value; 1 when arg (without "--") was one. */
static int cli_switch(struct cli *cli, const char *arg)
{
    static const struct {
        const char *name;
        size_t offset;
    } switches[] = {
        {"add-only", offsetof(struct cli, add_only)},
        {"reseal", offsetof(struct cli, reseal)},
        {"retire", offsetof(struct cli, retire)},
    };
    for (size_t i = 0; i < sizeof switches / sizeof switches[0]; i++)
        if (strcmp(arg, switches[i].name) == 0) {
            *(int *)((char *)cli + switches[i].offset) = 1;
            return 1;
        }
    return 0;
}

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
        if (cli_switch(cli, arg + 2))
            continue;
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
        else if (strcmp(flag, "to") == 0)
            cli->to = value;
        else if (strcmp(flag, "as-of") == 0)
            cli->as_of = value;
        else if (config_set_flag(&cli->cfg, flag, value, &err) < 0)
            goto fail;
    }
    if (config_finish(&cli->cfg, &err) < 0 || charging_config_finish(&cli->cfg, &err) < 0)
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

static int cmd_migrate(struct cli *cli)
{
    struct seal *seal;
    struct store *store;
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    if (cli->cfg.database_url[0]) /* never the URL: it may hold the password */
        printf("confide: the PostgreSQL database (database_url) is up to date\n");
    else
        printf("confide: the database in %s is up to date\n", cli->cfg.data_dir);
    cli_close_data(seal, store);
    return 0;
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
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    int rc = store_backup(store, cli->positional);
    if (rc == -ENOTSUP) {
        cli_close_data(seal, store);
        fprintf(stderr,
                "confide: the database is PostgreSQL (database_url): copy it with "
                "pg_dump, e.g. pg_dump --format=custom --file=%s DBNAME. Its names, "
                "contacts and links stay sealed; it opens only with the key file %s: "
                "keep the key safe and apart from the backups.\n",
                cli->positional, cli->cfg.key_file);
        return 1;
    }
    if (rc == 0 && chmod(cli->positional, 0600) < 0) /* made under umask 077; said once more */
        log_warn("store", "cannot make %s mode 0600: %s", cli->positional, strerror(errno));
    cli_close_data(seal, store);
    if (rc < 0) {
        fprintf(stderr, "confide: the backup failed\n");
        return 1;
    }
    printf("confide: database copied to %s; its names, contacts and links stay sealed. It "
           "opens only with the key file %s (or, after a key rotation, the retired key that "
           "sealed it): keep the key safe and apart from the backups.\n",
           cli->positional, cli->cfg.key_file);
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
    int used = 0;
    const struct command *command = command_find(argc, argv, &used);
    if (!command) {
        fprintf(stderr, "confide: unknown command '%s%s%s'; see confide --help\n", argv[1],
                argc > 2 && strcmp(argv[1], "admin") == 0 ? " " : "",
                argc > 2 && strcmp(argv[1], "admin") == 0 ? argv[2] : "");
        return 2;
    }
    struct cli cli = {0};
    if (parse_cli(argc, argv, 1 + used, &cli) < 0)
        return 2;
    if ((cli.add_only || cli.reseal || cli.retire) && command->run != cli_admin_rotate_key) {
        fprintf(stderr, "confide: --add-only, --reseal and --retire belong to admin rotate-key\n");
        return 2;
    }
    if (cli.positional && !command->takes_file) {
        fprintf(stderr, "confide: unexpected argument '%s'; see confide --help\n", cli.positional);
        return 2;
    }
    return command->run(&cli);
}

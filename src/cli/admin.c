/* `confide admin ...`: the practice admin's tools on the data directory, used with the
 * server stopped or running (SQLite's WAL lets both write). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/account.h"
#include "cli/cli.h"
#include "core/arena.h"
#include "core/clock.h"
#include "practice/purge.h"
#include "practice/schedule.h"

int cli_admin_verify_audit(struct cli *cli)
{
    struct seal *seal;
    struct store *store;
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    int64_t count = 0, bad = 0;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    int rc = store_audit_verify(store, &count, &bad, head);
    char hex[65];
    cli_audit_head_hex(head, hex);
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
    cli_close_data(seal, store);
    return rc == 0 ? 0 : 1;
}

int cli_admin_create_user(struct cli *cli)
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
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
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
    cli_close_data(seal, store);
    if (rc != 0) {
        fprintf(stderr, "confide: %s\n", reason);
        return 1;
    }
    printf("confide: account %lld created (%s)\n", (long long)id,
           store_role_name(users == 0 ? STORE_ROLE_ADMIN : role));
    return 0;
}

int cli_admin_reset_mfa(struct cli *cli)
{
    if (!cli->email || cli->name || cli->role || cli->positional) {
        fprintf(stderr, "confide: admin reset-mfa needs --email (and nothing else)\n");
        return 2;
    }
    struct seal *seal;
    struct store *store;
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
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
    cli_close_data(seal, store);
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

/* The accounts, one a line: the admin's own terminal, so names and addresses are shown;
 * nothing here goes to the server's log. */
int cli_admin_users(struct cli *cli)
{
    if (cli->name || cli->email || cli->role || cli->positional) {
        fprintf(stderr, "confide: admin users takes no options but the settings\n");
        return 2;
    }
    struct seal *seal;
    struct store *store;
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    struct arena a = {0};
    struct store_user *users = NULL;
    size_t n = 0;
    int rc = store_user_list(store, &a, &users, &n);
    if (rc == 0)
        printf("%-6s %-9s %-8s %-3s %s\n", "ID", "ROLE", "STATUS", "MFA", "NAME <EMAIL>");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct store_totp totp = {0};
        int has = store_totp_get(store, &a, users[i].id, &totp);
        if (has < 0 && has != -ENOENT) {
            rc = has;
            break;
        }
        printf("%-6lld %-9s %-8s %-3s %s <%s>\n", (long long)users[i].id,
               store_role_name(users[i].role), account_status(&users[i]),
               has == 0 && totp.confirmed_at ? "yes" : "no", users[i].name, users[i].email);
    }
    arena_free(&a);
    cli_close_data(seal, store);
    if (rc < 0) {
        fprintf(stderr, "confide: the database is not available\n");
        return 1;
    }
    return 0;
}

/* disable (1) or enable (0) the account with --email, by the rules the API applies */
static int set_disabled(struct cli *cli, int disabled)
{
    const char *what = disabled ? "disable" : "enable";
    if (!cli->email || cli->name || cli->role || cli->positional) {
        fprintf(stderr, "confide: admin %s needs --email (and nothing else)\n", what);
        return 2;
    }
    struct seal *seal;
    struct store *store;
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    struct arena a = {0};
    struct store_user user = {0};
    const char *reason = "The database is not available.";
    int64_t now = clock_wall_ms();
    int rc = store_begin(store);
    if (rc == 0) {
        rc = store_user_by_email(store, &a, cli->email, &user);
        if (rc == -ENOENT)
            reason = "There is no account with that email address.";
    }
    if (rc == 0)
        rc = account_set_disabled(store, user.id, disabled, now, &reason);
    if (rc == 0)
        rc = store_audit(store, 0, disabled ? "account.disable" : "account.enable", user.id, now);
    if (rc == 0)
        rc = store_commit(store);
    else
        store_rollback(store);
    /* on PostgreSQL the running nodes hear it and take the account out of its meetings;
     * on SQLite the server is another process that does not hear it (the account's
     * sign-ins have ended, so it cannot join again) */
    if (rc == 0 && disabled) {
        struct store_event e = {.kind = STORE_EVENT_REVOKED, .user_id = user.id};
        if (store_event_send(store, &e) < 0)
            fprintf(stderr, "confide: the running servers could not be told; the account "
                            "leaves any meeting it is in when that meeting checks again\n");
    }
    arena_free(&a);
    cli_close_data(seal, store);
    if (rc < 0) {
        fprintf(stderr, "confide: %s\n", reason);
        return 1;
    }
    if (disabled)
        printf("confide: account %lld disabled; its sign-ins have ended\n", (long long)user.id);
    else
        printf("confide: account %lld enabled; it can sign in again\n", (long long)user.id);
    return 0;
}

int cli_admin_disable(struct cli *cli)
{
    return set_disabled(cli, 1);
}

int cli_admin_enable(struct cli *cli)
{
    return set_disabled(cli, 0);
}

/* The retention purge the server runs daily, now (or as at --as-of, for tests). */
int cli_admin_purge(struct cli *cli)
{
    if (cli->email || cli->name || cli->role || cli->positional) {
        fprintf(stderr, "confide: admin purge takes only --as-of and settings\n");
        return 2;
    }
    int64_t now = clock_wall_ms();
    if (cli->as_of && sched_parse_rfc3339(cli->as_of, &now) < 0) {
        fprintf(stderr, "confide: --as-of must be a time like 2033-01-01T00:00:00Z\n");
        return 2;
    }
    struct seal *seal;
    struct store *store;
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    int64_t rows = 0, clients = 0;
    int rc = purge_run(store, (int)cli->cfg.retention_years, now, &rows, &clients);
    cli_close_data(seal, store);
    if (rc == -EBUSY) {
        fprintf(stderr, "confide: a server is running the purge right now; try again later\n");
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "confide: the database is not available\n");
        return 1;
    }
    printf("confide: %lld held record(s) and %lld erased client(s) let go\n", (long long)rows,
           (long long)clients);
    return 0;
}

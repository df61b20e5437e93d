/* The command line's shared parts: the parsed settings and options, the data directory
 * opened the same way by every subcommand, and the subcommands themselves (one file each
 * group: serve.c, admin.c, keys.c, migrate.c). */
#ifndef CONFIDE_CLI_H
#define CONFIDE_CLI_H

#include <stdint.h>

#include "core/config.h"
#include "core/seal.h"
#include "store/store.h"

/* Settings and the subcommand's own options, from argv. */
struct cli {
    struct config cfg;
    const char *positional;
    const char *name, *email, *role;
    int add_only, reseal, retire; /* admin rotate-key's switches */
    const char *to;               /* migrate-data's target: a PostgreSQL URL */
    const char *as_of;            /* admin purge: the time it runs as (RFC 3339) */
};

/* The data directory made private, its key loaded and its database open and migrated.
 * Returns 0, or -1 after saying why on stderr. cli_close_data undoes it. */
int cli_open_data(const struct config *cfg, struct seal **seal, struct store **store);
void cli_close_data(struct seal *seal, struct store *store);
/* The database's address in the data directory. */
void cli_store_url(const struct config *cfg, char url[1200]);
/* The audit log's head as hex, for the server's log line and verify-audit. */
void cli_audit_head_hex(const uint8_t head[STORE_AUDIT_HASH_BYTES], char out[65]);

int cli_serve(struct cli *cli);
int cli_admin_create_user(struct cli *cli);
int cli_admin_reset_mfa(struct cli *cli);
int cli_admin_users(struct cli *cli);
int cli_admin_disable(struct cli *cli);
int cli_admin_enable(struct cli *cli);
int cli_admin_verify_audit(struct cli *cli);
int cli_admin_rotate_key(struct cli *cli);
int cli_admin_purge(struct cli *cli);
int cli_migrate_data(struct cli *cli);

#endif

/* `confide admin rotate-key`: a new key in key_file, every sealed value sealed again with it
 * in batches while the server runs, and (--retire) the older keys dropped once nothing
 * needs them. The server notices the new file by itself (core/seal.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/clock.h"

/* A value the running server sealed with the old key between the file's change and its
 * next seal is caught by another pass; more than this many means it is not reading the
 * file (a systemd credential is a copy made at start). */
#define RESEAL_PASSES 3

static int audit(struct store *store, const char *action, uint32_t key_id)
{
    int rc = store_begin(store);
    if (rc == 0)
        rc = store_audit(store, 0, action, key_id, clock_wall_ms());
    if (rc == 0)
        rc = store_commit(store);
    else
        store_rollback(store);
    return rc;
}

static void print_usage(struct store *store)
{
    struct store_key_use uses[STORE_KEY_USES_MAX];
    int n = 0;
    if (store_seal_usage(store, uses, STORE_KEY_USES_MAX, &n) < 0)
        return;
    for (int i = 0; i < n; i++)
        if (uses[i].key_id)
            printf("confide:   key %u seals %lld value(s)\n", (unsigned)uses[i].key_id,
                   (long long)uses[i].values);
        else
            printf("confide:   %lld value(s) are no sealed box\n", (long long)uses[i].values);
}

/* Values sealed with a key other than the newest. */
static int64_t older_values(struct store *store, uint32_t newest)
{
    struct store_key_use uses[STORE_KEY_USES_MAX];
    int n = 0;
    if (store_seal_usage(store, uses, STORE_KEY_USES_MAX, &n) < 0)
        return -1;
    int64_t older = 0;
    for (int i = 0; i < n; i++)
        if (uses[i].key_id != newest)
            older += uses[i].values;
    return older;
}

static int add_key(const struct cli *cli, struct seal *seal, struct store *store)
{
    uint32_t id = 0;
    int rc = seal_add_key(seal, &id);
    if (rc == -EACCES || rc == -EROFS || rc == -EPERM) {
        fprintf(stderr,
                "confide: the key file %s cannot be replaced (%s). A systemd credential is a "
                "read-only copy made at start: run rotate-key --add-only with --key-file naming "
                "the file it is loaded from, restart confide, then rotate-key --reseal\n",
                cli->cfg.key_file, strerror(-rc));
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "confide: cannot add a key to %s: %s\n", cli->cfg.key_file,
                rc == -EKEYREJECTED ? "it is no longer this data's key file" : strerror(-rc));
        return -1;
    }
    if (audit(store, "key.added", id) < 0)
        fprintf(stderr, "confide: key %u added, but the audit log could not record it\n",
                (unsigned)id);
    printf("confide: key %u added to %s; it seals from now on\n"
           "confide: backups made before now open only with the older key(s): keep a copy of "
           "the key file as it was with them, apart from the backups\n",
           (unsigned)id, cli->cfg.key_file);
    return 0;
}

static int reseal(struct seal *seal, struct store *store)
{
    uint32_t newest = seal_newest_key_id(seal);
    struct store_reseal_counts counts = {0};
    int rc = 0;
    int64_t older = 0;
    for (int pass = 0; pass < RESEAL_PASSES; pass++) {
        rc = store_reseal(store, STORE_RESEAL_BATCH, &counts);
        newest = seal_newest_key_id(seal);
        older = rc == 0 ? older_values(store, newest) : -1;
        if (older <= 0)
            break;
    }
    printf("confide: %lld sealed value(s) looked at, %lld sealed again with key %u, in %lld "
           "batch(es) of up to %d rows\n",
           (long long)counts.values, (long long)counts.resealed, (unsigned)newest,
           (long long)counts.batches, STORE_RESEAL_BATCH);
    print_usage(store);
    if (rc == -EBADMSG) {
        fprintf(stderr,
                "confide: %lld value(s) open with no key of the key file; they were left "
                "as they are\n",
                (long long)counts.bad);
        return -1;
    }
    if (rc < 0 || older < 0) {
        fprintf(stderr, "confide: the database failed; run rotate-key --reseal again to finish\n");
        return -1;
    }
    if (audit(store, "key.resealed", newest) < 0)
        fprintf(stderr, "confide: the audit log could not record the re-sealing\n");
    if (older > 0) {
        fprintf(stderr,
                "confide: %lld value(s) are still sealed with an older key: the server still "
                "seals with it (it reads a systemd credential only at start). Restart it, then "
                "run rotate-key --reseal\n",
                (long long)older);
        return -1;
    }
    printf("confide: everything is sealed with key %u; rotate-key --retire drops the older "
           "key(s) from the key file\n",
           (unsigned)newest);
    return 0;
}

static int retire(const struct cli *cli, struct store *store)
{
    int64_t still = 0;
    int retired = 0;
    int rc = store_keys_retire(store, clock_wall_ms(), &still, &retired);
    if (rc == -EBUSY) {
        fprintf(stderr,
                "confide: %lld value(s) are still sealed with an older key; nothing was retired. "
                "Run rotate-key --reseal first\n",
                (long long)still);
        print_usage(store);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "confide: the key file %s was not changed: %s\n", cli->cfg.key_file,
                rc == -ESTALE ? "its newest key changed meanwhile; run rotate-key --reseal"
                              : strerror(-rc));
        return -1;
    }
    printf("confide: %d older key(s) removed from %s; nothing in the database needed them. "
           "Backups made before the rotation still do: keep the copy you made with them\n",
           retired, cli->cfg.key_file);
    return 0;
}

int cli_admin_rotate_key(struct cli *cli)
{
    if (cli->add_only + cli->reseal + cli->retire > 1 || cli->name || cli->email || cli->role) {
        fprintf(stderr, "confide: admin rotate-key takes one of --add-only, --reseal, --retire\n");
        return 2;
    }
    struct seal *seal;
    struct store *store;
    if (cli_open_data(&cli->cfg, &seal, &store) < 0)
        return 1;
    int rc = 0;
    if (cli->retire)
        rc = retire(cli, store);
    else if (cli->reseal)
        rc = reseal(seal, store);
    else {
        rc = add_key(cli, seal, store);
        if (rc == 0 && cli->add_only)
            printf("confide: restart confide so it reads the new key, then run "
                   "rotate-key --reseal\n");
        else if (rc == 0)
            rc = reseal(seal, store);
    }
    cli_close_data(seal, store);
    return rc < 0 ? 1 : 0;
}

/* Opening the data directory, the same for every subcommand: private modes, the key,
 * the database migrated to the current schema. */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/keyfile.h"
#include "core/log.h"
#include "practice/charging.h"

void cli_store_url(const struct config *cfg, char url[1200])
{
    if (cfg->database_url[0])
        snprintf(url, 1200, "%s", cfg->database_url);
    else
        snprintf(url, 1200, "sqlite:%s/confide.db", cfg->data_dir);
}

/* Where the database is, for messages: the SQLite file, or only that it is PostgreSQL
 * (the URL may hold a password, which no message or log line shows). */
static const char *database_place(const struct config *cfg, char out[1100])
{
    if (cfg->database_url[0])
        snprintf(out, 1100, "the PostgreSQL database database_url names");
    else
        snprintf(out, 1100, "%s/confide.db", cfg->data_dir);
    return out;
}

/* Every file directly in the data directory but the key file: the database, its WAL and
 * SHM, copies an admin put there. Wider than 0600 is made 0600, with a log line. (The key
 * file is never changed: it may be read-only, and a loose one is refused, not fixed.) */
static void data_files_private(const char *dir, int dfd, const struct stat *key)
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
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        /* no symbolic links followed, no FIFO waited on */
        int f = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (f < 0)
            continue;
        struct stat st;
        int is_key =
            fstat(f, &st) == 0 && key && st.st_dev == key->st_dev && st.st_ino == key->st_ino;
        if (!is_key && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
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

/* The one refusal of a key file others could read or write (core/keyfile.h has the rule):
 * it is not fixed, since it may have been copied, and only the admin can judge that. The
 * same for key_file in the data directory or elsewhere. Returns 0 (private or absent) or
 * -1 (said on stderr). */
static int key_file_private(const char *path)
{
    unsigned mode = 0;
    int rc = keyfile_check_private(path, &mode);
    if (rc == -EPERM) {
        fprintf(stderr,
                "confide: the key file %s is mode %04o: other users of this machine can read or "
                "change the key that seals names, contacts and links. If someone may have "
                "copied it, treat the sealed data as exposed. Make it private, then start "
                "again:\n  chmod 600 %s\n",
                path, mode, path);
        return -1;
    }
    if (rc < 0 && rc != -ENOENT) {
        fprintf(stderr, "confide: cannot look at the key file %s: %s\n", path, strerror(-rc));
        return -1;
    }
    return 0;
}

/* The data directory is its owner's alone, made so at every start: the directory 0700,
 * its files 0600. Returns 0 or -1 (said on stderr). */
static int data_dir_private(const char *dir, const char *key_file)
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
    struct stat key;
    data_files_private(dir, dfd, stat(key_file, &key) == 0 ? &key : NULL);
    close(dfd);
    return 0;
}

int cli_open_data(const struct config *cfg, struct seal **seal, struct store **store)
{
    if (key_file_private(cfg->key_file) < 0 || data_dir_private(cfg->data_dir, cfg->key_file) < 0)
        return -1;
    int rc = seal_load(cfg->key_file, seal);
    if (rc < 0) {
        fprintf(stderr, "confide: cannot %s the key file %s: %s\n",
                rc == -EINVAL ? "use" : "read or create", cfg->key_file,
                rc == -EINVAL ? "it is neither 32 raw bytes nor confide's key list"
                              : strerror(-rc));
        return -1;
    }
    char url[1200];
    cli_store_url(cfg, url);
    char place[1100];
    int open_rc = store_open(url, *seal, store);
    sodium_memzero(url, sizeof url); /* it may hold the database's password */
    if (open_rc == -EINVAL) {
        fprintf(stderr, "confide: database_url must begin with postgresql:// or postgres://\n");
        seal_free(*seal);
        return -1;
    }
    if (open_rc < 0) {
        fprintf(stderr, "confide: cannot open %s\n", database_place(cfg, place));
        seal_free(*seal);
        return -1;
    }
    int applied = 0, version = 0;
    rc = store_migrate(*store, &applied, &version);
    if (rc == -EBADMSG) {
        fprintf(stderr,
                "confide: sealed values in %s do not open with the key file %s; is "
                "it this database's key? Nothing was changed\n",
                database_place(cfg, place), cfg->key_file);
        cli_close_data(*seal, *store);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "confide: the database migration failed; nothing was changed\n");
        cli_close_data(*seal, *store);
        return -1;
    }
    if (applied)
        log_info("store", "applied %d migration(s), schema version %d", applied, version);
    /* a new practice's services, once (practice/charging.h) */
    int seeded = 0;
    if (charging_seed_services(*store, clock_wall_ms(), &seeded) < 0) {
        fprintf(stderr, "confide: the practice's services could not be written\n");
        cli_close_data(*seal, *store);
        return -1;
    }
    if (seeded)
        log_info("store", "the practice's services: %d added from the common codes", seeded);
    return 0;
}

void cli_close_data(struct seal *seal, struct store *store)
{
    store_close(store);
    seal_free(seal);
}

void cli_audit_head_hex(const uint8_t head[STORE_AUDIT_HASH_BYTES], char out[65])
{
    sodium_bin2hex(out, 65, head, STORE_AUDIT_HASH_BYTES);
}

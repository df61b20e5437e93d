/* store: a backend through store.h: migrations, transactions, backup, and every
 * domain (accounts, clients, groups, sessions, meetings, the outbox, reminders, polls),
 * with the sealed columns checked in the raw database. Each test gets a fresh data
 * directory and database: SQLite, or PostgreSQL when CONFIDE_TEST_DATABASE_URL names a test
 * cluster (unit_store_pg; tests/support/test_db.h). The few tests of SQLite itself (its
 * full-disk handling, its file copy) say so and are skipped there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/rand.h"
#include "core/seal.h"
#include "practice/charging.h"
#include "practice/checkin_record.h"
#include "practice/retention.h"
#include "store/client_records.h"
#include "store/dialect.h"
#include "store/migrations.h"
#include "store/internal.h"
#include "store/store.h"
#include "practice/licence_check.h"
#include "practice/licence_mail.h"
#include "../support/full_disk.h"
#include "../support/test_db.h"

struct fixture {
    char dir[64];
    struct test_db db;
    struct seal *seal;
    struct store *store;
    struct arena arena;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/confide-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    if (test_db_create(&f->db, f->dir, "confide.db") < 0)
        return -1;
    uint8_t key[32] = {1, 2, 3};
    f->seal = seal_new_from_key(key);
    if (store_open(f->db.url, f->seal, &f->store) < 0)
        return -1;
    int applied, version;
    if (store_migrate(f->store, &applied, &version) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    full_disk_end(); /* whatever a failed test left */
    store_close(f->store);
    test_db_drop(&f->db);
    seal_free(f->seal);
    arena_free(&f->arena);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* ---- behind the store's back: a separate connection, as someone with the database but
 * not the key (tests/support/test_db.h) ---- */

/* The first column of the first row of `sql`; -1 for NULL. */
static int64_t raw_int(struct fixture *f, const char *sql)
{
    struct test_db_value v;
    if (test_db_raw(&f->db, sql, NULL, 0, &v) < 0)
        fail_msg("%s failed", sql);
    assert_true(v.rows > 0);
    return v.null ? -1 : v.i;
}

static int raw_count(struct fixture *f, const char *sql)
{
    return (int)raw_int(f, sql);
}

/* Whether the blob that `sql` reads (one row, one column, never empty) holds `plain`. */
static int raw_blob_holds(struct fixture *f, const char *sql, const char *plain)
{
    struct test_db_value v;
    if (test_db_raw(&f->db, sql, NULL, 0, &v) < 0)
        fail_msg("%s failed", sql);
    assert_true(v.rows > 0);
    assert_true(v.blob);
    assert_true(v.len > strlen(plain) && v.len <= sizeof v.b); /* a box is longer */
    return memmem(v.b, v.len, plain, strlen(plain)) != NULL;
}

/* Runs one statement that changes one row; blob (may be NULL) is its $1. */
static void raw_exec_blob(struct fixture *f, const char *sql, const void *blob, size_t len)
{
    struct test_db_value v;
    if (test_db_raw(&f->db, sql, blob, len, &v) < 0)
        fail_msg("%s failed", sql);
    assert_int_equal(v.changes, 1);
}

static void raw_exec(struct fixture *f, const char *sql)
{
    raw_exec_blob(f, sql, NULL, 0);
}

/* Runs sql; refused: whether the database must refuse it. */
static void raw_exec_expect(struct fixture *f, const char *sql, int refused)
{
    int rc = test_db_raw(&f->db, sql, NULL, 0, NULL);
    if (refused)
        assert_int_equal(rc, -1);
    else if (rc < 0)
        fail_msg("%s failed", sql);
}

static int64_t add_user(struct store *s, const char *email, enum store_role role)
{
    struct store_user u = {.name = "Dr Ada Byron",
                           .email = (char *)email,
                           .role = role,
                           .password_hash = "$argon2id$fake",
                           .created_at = 1000};
    int64_t id = 0;
    assert_int_equal(store_user_insert(s, &u, &id), 0);
    assert_true(id > 0);
    return id;
}

static void accounts_are_listed_disabled_and_their_sign_ins_end(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    struct store_user u = {.name = "Invited",
                           .email = "ivy@example.org",
                           .role = STORE_ROLE_ADMIN,
                           .password_hash = "",
                           .created_at = 1000};
    int64_t ivy = 0;
    assert_int_equal(store_user_insert(f->store, &u, &ivy), 0);
    int64_t admins = 0;
    assert_int_equal(store_admins_active(f->store, &admins), 0);
    assert_int_equal(admins, 1); /* an invited admin without a password does not count */

    struct store_user *list;
    size_t n;
    assert_int_equal(store_user_list(f->store, &f->arena, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].id, ada);
    assert_string_equal(list[1].email, "bob@example.org");
    assert_string_equal(list[2].password_hash, "");
    assert_int_equal(list[1].disabled_at, 0);

    assert_int_equal(store_user_set_role(f->store, bob, STORE_ROLE_ADMIN), 0);
    assert_int_equal(store_admins_active(f->store, &admins), 0);
    assert_int_equal(admins, 2);
    assert_int_equal(store_user_set_role(f->store, 999, STORE_ROLE_ADMIN), -ENOENT);
    assert_int_equal(store_user_set_password(f->store, ivy, "$argon2id$other"), 0);
    assert_int_equal(store_admins_active(f->store, &admins), 0);
    assert_int_equal(admins, 3);

    /* three sign-ins of Bob's and one of Ada's: all of Bob's but one end, then all */
    for (uint8_t i = 1; i <= 4; i++) {
        struct store_login l = {.user_id = i == 4 ? ada : bob,
                                .created_at = 1,
                                .last_seen_at = 1,
                                .expires_at = 1000000};
        memset(l.token_hash, i, 32);
        assert_int_equal(store_login_insert(f->store, &l), 0);
    }
    uint8_t keep[32], gone[32], adas[32];
    memset(keep, 1, 32);
    memset(gone, 2, 32);
    memset(adas, 4, 32);
    assert_int_equal(store_mfa_pending_insert(f->store, gone, bob, STORE_MFA_VERIFY, 1000000), 0);
    struct store_login got;
    assert_int_equal(store_login_delete_user(f->store, bob, keep), 0);
    assert_int_equal(store_login_get(f->store, keep, &got), 0);
    assert_int_equal(store_login_get(f->store, gone, &got), -ENOENT);
    int64_t who;
    enum store_mfa_purpose purpose;
    assert_int_equal(store_mfa_pending_get(f->store, gone, 1, &who, &purpose), -ENOENT);

    /* a disabled account's sign-in is not found, and found again once enabled */
    assert_int_equal(store_user_set_disabled(f->store, bob, 5000), 0);
    assert_int_equal(store_login_get(f->store, keep, &got), -ENOENT);
    assert_int_equal(store_user_by_id(f->store, &f->arena, bob, &u), 0);
    assert_int_equal(u.disabled_at, 5000);
    assert_int_equal(store_admins_active(f->store, &admins), 0);
    assert_int_equal(admins, 2);
    assert_int_equal(store_user_set_disabled(f->store, bob, 0), 0);
    assert_int_equal(store_login_get(f->store, keep, &got), 0);
    assert_int_equal(store_login_delete_user(f->store, bob, NULL), 0);
    assert_int_equal(store_login_get(f->store, keep, &got), -ENOENT);
    assert_int_equal(store_login_get(f->store, adas, &got), 0);
}

static void invitations_are_one_time_and_kept_as_keyed_hashes(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    int64_t tom = add_user(f->store, "tom@example.org", STORE_ROLE_THERAPIST);
    const char *token = "abcdefghijklmnopqrstuv";
    assert_int_equal(store_invitation_insert(f->store, token, tom, ada, 1000, 2000), 0);
    struct store_invitation inv;
    assert_int_equal(store_invitation_get(f->store, token, &inv), 0);
    assert_int_equal(inv.user_id, tom);
    assert_int_equal(inv.expires_at, 2000);
    assert_int_equal(inv.used_at, 0);
    assert_int_equal(store_invitation_get(f->store, "abcdefghijklmnopqrstuw", &inv), -ENOENT);
    /* expired at its expiry, used once */
    assert_int_equal(store_invitation_use(f->store, token, 2000), -ENOENT);
    assert_int_equal(store_invitation_use(f->store, token, 1500), 0);
    assert_int_equal(store_invitation_use(f->store, token, 1600), -ENOENT);
    assert_int_equal(store_invitation_get(f->store, token, &inv), 0);
    assert_int_equal(inv.used_at, 1500);
    /* a new one replaces the unused ones */
    assert_int_equal(store_invitation_insert(f->store, "first-token", tom, ada, 3000, 9000), 0);
    assert_int_equal(store_invitation_insert(f->store, "second-token", tom, ada, 3000, 9000), 0);
    assert_int_equal(store_invitation_get(f->store, "first-token", &inv), -ENOENT);
    assert_int_equal(store_invitation_get(f->store, "second-token", &inv), 0);
    /* the file holds neither the token nor its plain hash */
    uint8_t plain[32];
    crypto_generichash(plain, 32, (const uint8_t *)token, strlen(token), NULL, 0);
    struct test_db_value v;
    assert_int_equal(test_db_raw(&f->db, "SELECT count(*) FROM user_invitations", NULL, 0, &v), 0);
    assert_int_equal(v.i, 2);
    const char *each[] = {"SELECT token_hash FROM user_invitations ORDER BY created_at LIMIT 1",
                          "SELECT token_hash FROM user_invitations ORDER BY created_at DESC"
                          " LIMIT 1"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(test_db_raw(&f->db, each[i], NULL, 0, &v), 0);
        assert_int_equal(v.len, 32);
        assert_memory_not_equal(v.b, plain, 32);
    }
}

static void migrations_are_idempotent(void **state)
{
    struct fixture *f = *state;
    int applied = -1, version = 0;
    assert_int_equal(store_migrate(f->store, &applied, &version), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(version, store_migrations[store_migration_count - 1].version);
    assert_int_equal(store_ping(f->store), 0);
    assert_int_equal(store_open("mysql://nope", f->seal, &(struct store *){NULL}), -EINVAL);
}

static void users_are_sealed_and_found_by_email(void **state)
{
    struct fixture *f = *state;
    int64_t n = -1;
    assert_int_equal(store_user_count(f->store, &n), 0);
    assert_int_equal(n, 0);
    int64_t id = add_user(f->store, "  Ada@Example.ORG ", STORE_ROLE_ADMIN);
    assert_int_equal(store_user_count(f->store, &n), 0);
    assert_int_equal(n, 1);

    struct store_user u;
    assert_int_equal(store_user_by_email(f->store, &f->arena, "ada@example.org", &u), 0);
    assert_int_equal(u.id, id);
    assert_string_equal(u.name, "Dr Ada Byron");
    assert_string_equal(u.email, "ada@example.org");
    assert_int_equal(u.role, STORE_ROLE_ADMIN);
    assert_string_equal(u.password_hash, "$argon2id$fake");
    assert_int_equal(store_user_by_email(f->store, &f->arena, "ADA@EXAMPLE.ORG", &u), 0);
    assert_int_equal(store_user_by_email(f->store, &f->arena, "bob@example.org", &u), -ENOENT);
    assert_int_equal(store_user_by_id(f->store, &f->arena, id + 1, &u), -ENOENT);

    struct store_user dup = {.name = "Other",
                             .email = "ADA@example.org",
                             .role = STORE_ROLE_THERAPIST,
                             .password_hash = "x"};
    int64_t dup_id;
    assert_int_equal(store_user_insert(f->store, &dup, &dup_id), -EEXIST);

    /* the database file never holds the name or the email in the clear */
    assert_false(raw_blob_holds(f, "SELECT email_sealed FROM users", "ada@"));
    assert_false(raw_blob_holds(f, "SELECT name_sealed FROM users", "Ada"));
}

static void a_different_key_cannot_read_users(void **state)
{
    struct fixture *f = *state;
    add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    uint8_t key[32] = {9};
    struct seal *other = seal_new_from_key(key);
    struct store *s2;
    assert_int_equal(store_open(f->db.url, other, &s2), 0);
    struct store_user u;
    assert_int_equal(store_user_by_id(s2, &f->arena, 1, &u), -EIO);
    store_close(s2);
    seal_free(other);
}

static void login_sessions(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    struct store_login l = {
        .user_id = uid, .created_at = 100, .last_seen_at = 100, .expires_at = 10000};
    memset(l.token_hash, 0xAB, 32);
    assert_int_equal(store_login_insert(f->store, &l), 0);
    assert_int_equal(store_login_insert(f->store, &l), -EEXIST);
    struct store_login got;
    assert_int_equal(store_login_get(f->store, l.token_hash, &got), 0);
    assert_int_equal(got.user_id, uid);
    assert_int_equal(got.expires_at, 10000);
    assert_int_equal(store_login_touch(f->store, l.token_hash, 500), 0);
    assert_int_equal(store_login_get(f->store, l.token_hash, &got), 0);
    assert_int_equal(got.last_seen_at, 500);

    struct store_login idle = l;
    memset(idle.token_hash, 0xCD, 32);
    idle.last_seen_at = 0;
    assert_int_equal(store_login_insert(f->store, &idle), 0);
    /* at 600 with 300 ms idle allowed: the idle one (last seen 0) goes, the fresh one stays */
    assert_int_equal(store_login_delete_expired(f->store, 600, 300), 0);
    assert_int_equal(store_login_get(f->store, idle.token_hash, &got), -ENOENT);
    assert_int_equal(store_login_get(f->store, l.token_hash, &got), 0);
    assert_int_equal(store_login_delete(f->store, l.token_hash), 0);
    assert_int_equal(store_login_get(f->store, l.token_hash, &got), -ENOENT);
}

static void rollback_discards_and_commit_keeps(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_begin(f->store), 0);
    add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    store_rollback(f->store);
    int64_t n = -1;
    assert_int_equal(store_user_count(f->store, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_begin(f->store), 0);
    add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    assert_int_equal(store_audit(f->store, 1, "account.create", 1, 5), 0);
    assert_int_equal(store_commit(f->store), 0);
    assert_int_equal(store_user_count(f->store, &n), 0);
    assert_int_equal(n, 1);
}

/* A duplicate is refused on its own: the transaction goes on (PostgreSQL would abort all of
 * it; the backend undoes just the statement), and what came before it is committed. */
static void a_duplicate_inside_a_transaction_leaves_it_going(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_begin(f->store), 0);
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    struct store_user dup = {.name = "Other",
                             .email = "ada@example.org",
                             .role = STORE_ROLE_THERAPIST,
                             .password_hash = "x"};
    int64_t dup_id;
    assert_int_equal(store_user_insert(f->store, &dup, &dup_id), -EEXIST);
    add_user(f->store, "bo@example.org", STORE_ROLE_THERAPIST);
    assert_int_equal(store_audit(f->store, ada, "account.create", ada, 5), 0);
    assert_int_equal(store_commit(f->store), 0);
    int64_t n = -1;
    assert_int_equal(store_user_count(f->store, &n), 0);
    assert_int_equal(n, 2);
}

/* Ends the store's server session behind its back, as a PostgreSQL restart does. */
static void end_store_sessions(struct fixture *f)
{
    struct test_db_value v;
    assert_int_equal(test_db_raw(&f->db,
                                 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                 " WHERE datname = current_database()"
                                 " AND application_name = 'confide'",
                                 NULL, 0, &v),
                     0);
    assert_int_equal(v.i, 1);
    for (int i = 0; i < 500; i++) { /* the signal is asynchronous: wait until it is gone */
        assert_int_equal(test_db_raw(&f->db,
                                     "SELECT count(*) FROM pg_stat_activity"
                                     " WHERE datname = current_database()"
                                     " AND application_name = 'confide'",
                                     NULL, 0, &v),
                         0);
        if (v.i == 0)
            return;
        usleep(10000);
    }
    fail_msg("the store's session did not end");
}

struct second_writer {
    struct store *s;
    atomic_int began;
};

static void *second_writer_run(void *arg)
{
    struct second_writer *w = arg;
    assert_int_equal(store_begin(w->s), 0);
    atomic_store(&w->began, 1);
    add_user(w->s, "bo@example.org", STORE_ROLE_THERAPIST);
    assert_int_equal(store_commit(w->s), 0);
    return NULL;
}

/* A transaction waits for the one before it (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
 * advisory lock), so the id store_next_id reads is still free when the INSERT comes. */
static void writers_take_turns(void **state)
{
    struct fixture *f = *state;
    struct second_writer w = {0};
    assert_int_equal(store_open(f->db.url, f->seal, &w.s), 0);
    assert_int_equal(store_begin(f->store), 0);
    int64_t next = 0;
    assert_int_equal(store_next_id(f->store, Q_USER_NEXT_ID, &next), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, second_writer_run, &w), 0);
    usleep(300000);
    assert_int_equal(atomic_load(&w.began), 0);
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    assert_int_equal(ada, next);
    assert_int_equal(store_commit(f->store), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(atomic_load(&w.began), 1);
    store_close(w.s);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM users"), 2);
}

/* PostgreSQL went away: the statement that finds out fails (the API answers 503), the
 * next connects again with its prepared statements made anew; a transaction cut off
 * writes nothing; a transaction's BEGIN on a lost connection connects again at once. */
static void a_lost_connection_fails_once_and_comes_back(void **state)
{
    struct fixture *f = *state;
    if (!test_db_is_pg()) {
        printf("skipped on SQLite: the connection is a file\n");
        skip();
    }
    int64_t n = -1;
    assert_int_equal(store_user_count(f->store, &n), 0); /* prepared on this session */
    end_store_sessions(f);
    assert_int_equal(store_user_count(f->store, &n), -EIO);
    assert_int_equal(store_user_count(f->store, &n), 0);
    assert_int_equal(n, 0);

    assert_int_equal(store_begin(f->store), 0);
    add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    end_store_sessions(f);
    assert_int_equal(store_audit(f->store, 1, "account.create", 1, 5), -EIO);
    assert_int_equal(store_commit(f->store), -EIO);
    store_rollback(f->store);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM users"), 0);

    assert_int_equal(store_user_count(f->store, &n), 0); /* connected again */
    end_store_sessions(f);
    assert_int_equal(store_begin(f->store), 0);
    add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    assert_int_equal(store_commit(f->store), 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM users"), 1);
}

static void backup_is_a_readable_copy(void **state)
{
    struct fixture *f = *state;
    add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    char path[160];
    snprintf(path, sizeof path, "%s/backup.db", f->dir);
    if (test_db_is_pg()) { /* copied with pg_dump, which `confide backup` says */
        assert_int_equal(store_backup(f->store, path), -ENOTSUP);
        return;
    }
    assert_int_equal(store_backup(f->store, path), 0);
    char url[200];
    snprintf(url, sizeof url, "sqlite:%s", path);
    struct store *copy;
    assert_int_equal(store_open(url, f->seal, &copy), 0);
    struct store_user u;
    assert_int_equal(store_user_by_email(copy, &f->arena, "ada@example.org", &u), 0);
    assert_string_equal(u.name, "Dr Ada Byron");
    store_close(copy);
    assert_int_equal(store_backup(f->store, "/nonexistent-dir/backup.db"), -EIO);
}

static void ping_needs_the_schema_and_data_outlives_close(void **state)
{
    struct fixture *f = *state;
    struct test_db db;
    assert_int_equal(test_db_create(&db, f->dir, "fresh.db"), 0);
    const char *url = db.url;
    struct store *fresh;
    assert_int_equal(store_open(url, f->seal, &fresh), 0);
    assert_int_equal(store_ping(fresh), -EIO); /* no tables before the migrations */
    int applied = 0, version = 0;
    assert_int_equal(store_migrate(fresh, &applied, &version), 0);
    assert_int_equal(applied, store_migration_count);
    assert_int_equal(store_ping(fresh), 0);
    add_user(fresh, "ada@example.org", STORE_ROLE_ADMIN);
    store_close(fresh);
    store_close(NULL); /* like free() */

    assert_int_equal(store_open(url, f->seal, &fresh), 0);
    int64_t n = 0;
    assert_int_equal(store_user_count(fresh, &n), 0);
    assert_int_equal(n, 1);
    store_close(fresh);
    test_db_drop(&db);
}

/* ---- helpers for the tests below ---- */

static int64_t add_client(struct store *s, int64_t therapist_id, const char *name)
{
    struct store_client c = {.therapist_id = therapist_id,
                             .name = (char *)name,
                             .email = "client@example.org",
                             .time_zone = "Europe/Berlin",
                             .created_at = 2000};
    int64_t id = 0;
    assert_int_equal(store_client_insert(s, &c, &id), 0);
    assert_true(id > 0);
    return id;
}

static int64_t add_group(struct store *s, int64_t therapist_id, const char *name)
{
    struct store_group g = {.therapist_id = therapist_id,
                            .name = (char *)name,
                            .description = "Weekly",
                            .agreement = "We keep it here.",
                            .agreement_version = 1,
                            .capacity = 8,
                            .created_at = 3000};
    int64_t id = 0;
    assert_int_equal(store_group_insert(s, &g, &id), 0);
    assert_true(id > 0);
    return id;
}

static void a_sealed_value_copied_to_another_row_does_not_open(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bo = add_user(f->store, "bo@example.org", STORE_ROLE_THERAPIST);
    int64_t one = add_client(f->store, ada, "Client One");
    int64_t two = add_client(f->store, ada, "Client Two");
    int64_t g1 = add_group(f->store, ada, "Group One");
    int64_t g2 = add_group(f->store, ada, "Group Two");
    struct store_client c;
    struct store_group g;
    struct store_user u;
    assert_int_equal(store_client_get(f->store, &f->arena, two, &c), 0);
    assert_string_equal(c.name, "Client Two");

    /* client one's sealed name, written over client two's: same column, another row */
    char sql[200];
    snprintf(sql, sizeof sql,
             "UPDATE clients SET name_sealed = (SELECT name_sealed FROM clients WHERE id = %lld)"
             " WHERE id = %lld",
             (long long)one, (long long)two);
    raw_exec(f, sql);
    memset(&c, 0, sizeof c);
    assert_int_equal(store_client_get(f->store, &f->arena, two, &c), -EIO);
    assert_true(c.name == NULL || strcmp(c.name, "Client One") != 0);
    /* the row it came from still opens */
    assert_int_equal(store_client_get(f->store, &f->arena, one, &c), 0);
    assert_string_equal(c.name, "Client One");
    /* a list with that row in it fails as a whole rather than show the wrong name */
    struct store_client *list = NULL;
    size_t count = 0;
    assert_int_equal(store_client_list(f->store, &f->arena, ada, &list, &count), -EIO);

    /* the same for a group's agreement and an account's email */
    snprintf(sql, sizeof sql,
             "UPDATE therapy_groups SET agreement_sealed = (SELECT agreement_sealed FROM"
             " therapy_groups WHERE id = %lld) WHERE id = %lld",
             (long long)g1, (long long)g2);
    raw_exec(f, sql);
    assert_int_equal(store_group_get(f->store, &f->arena, g2, &g), -EIO);
    assert_int_equal(store_group_get(f->store, &f->arena, g1, &g), 0);
    snprintf(sql, sizeof sql,
             "UPDATE users SET email_sealed = (SELECT email_sealed FROM users WHERE id = %lld)"
             " WHERE id = %lld",
             (long long)ada, (long long)bo);
    raw_exec(f, sql);
    assert_int_equal(store_user_by_id(f->store, &f->arena, bo, &u), -EIO);
    assert_int_equal(store_user_by_id(f->store, &f->arena, ada, &u), 0);
    assert_string_equal(u.email, "ada@example.org");
}

/* TOTP secrets are sealed for their row; a step is used once; recovery codes are kept as
 * keyed hashes, used once; a pending sign-in lasts until its time. */
static void mfa_secrets_codes_and_pending_sign_ins(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    int64_t bo = add_user(f->store, "bo@example.org", STORE_ROLE_THERAPIST);
    struct store_totp t;
    assert_int_equal(store_totp_get(f->store, &f->arena, ada, &t), -ENOENT);
    assert_int_equal(store_totp_set(f->store, ada, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 5), 0);
    assert_int_equal(store_totp_set(f->store, bo, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 5), 0);
    assert_int_equal(store_totp_get(f->store, &f->arena, ada, &t), 0);
    assert_string_equal(t.secret, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    assert_int_equal(t.confirmed_at, 0);
    /* not confirmed: no code counts at sign-in */
    assert_int_equal(store_totp_use(f->store, ada, 10), -ENOENT);
    assert_int_equal(store_totp_confirm(f->store, ada, 10, 7), 0);
    assert_int_equal(store_totp_confirm(f->store, ada, 11, 7), -ENOENT); /* once */
    assert_int_equal(store_totp_use(f->store, ada, 10), -ENOENT);        /* the same step */
    assert_int_equal(store_totp_use(f->store, ada, 11), 0);
    assert_int_equal(store_totp_get(f->store, &f->arena, ada, &t), 0);
    assert_int_equal(t.confirmed_at, 7);
    assert_int_equal(t.last_step, 11);

    /* ada's secret over bo's row does not open */
    char sql[200];
    snprintf(sql, sizeof sql,
             "UPDATE mfa_totp SET secret_sealed = (SELECT secret_sealed FROM mfa_totp"
             " WHERE user_id = %lld) WHERE user_id = %lld",
             (long long)ada, (long long)bo);
    raw_exec(f, sql);
    assert_int_equal(store_totp_get(f->store, &f->arena, bo, &t), -EIO);

    const char *codes[] = {"AAAA-BBBB-CCCC", "DDDD-EEEE-FFFF"};
    assert_int_equal(store_recovery_replace(f->store, ada, codes, 2, 9), 0);
    int64_t left = 0;
    assert_int_equal(store_recovery_left(f->store, ada, &left), 0);
    assert_int_equal(left, 2);
    assert_int_equal(store_recovery_use(f->store, bo, "AAAA-BBBB-CCCC", 10), -ENOENT);
    assert_int_equal(store_recovery_use(f->store, ada, "aaaa bbbb cccc", 10), 0);
    assert_int_equal(store_recovery_use(f->store, ada, "AAAA-BBBB-CCCC", 11), -ENOENT);
    assert_int_equal(store_recovery_left(f->store, ada, &left), 0);
    assert_int_equal(left, 1);
    /* new codes replace the old ones */
    const char *fresh[] = {"GGGG-HHHH-JJJJ"};
    assert_int_equal(store_recovery_replace(f->store, ada, fresh, 1, 12), 0);
    assert_int_equal(store_recovery_use(f->store, ada, "DDDD-EEEE-FFFF", 13), -ENOENT);
    assert_int_equal(store_recovery_use(f->store, ada, "GGGG-HHHH-JJJJ", 13), 0);

    uint8_t h1[32] = {1}, h2[32] = {2};
    int64_t user = 0;
    enum store_mfa_purpose purpose;
    assert_int_equal(store_mfa_pending_insert(f->store, h1, ada, STORE_MFA_VERIFY, 1000), 0);
    assert_int_equal(store_mfa_pending_insert(f->store, h2, bo, STORE_MFA_ENROL, 2000), 0);
    assert_int_equal(store_mfa_pending_get(f->store, h1, 999, &user, &purpose), 0);
    assert_int_equal(user, ada);
    assert_int_equal(purpose, STORE_MFA_VERIFY);
    assert_int_equal(store_mfa_pending_get(f->store, h1, 1000, &user, &purpose), -ENOENT);
    assert_int_equal(store_mfa_pending_get(f->store, h2, 1000, &user, &purpose), 0);
    assert_int_equal(purpose, STORE_MFA_ENROL);
    /* deleting one sweeps the expired too */
    assert_int_equal(store_mfa_pending_delete(f->store, h2, 1500), 0);
    assert_int_equal(store_mfa_pending_get(f->store, h2, 1000, &user, &purpose), -ENOENT);
    assert_int_equal(store_mfa_pending_get(f->store, h1, 0, &user, &purpose), -ENOENT);
}

/* Writes `plain` as confide sealed it before version 1 (nonce || ciphertext || tag, the
 * column's label as associated data) into table.column of row id. */
static void raw_write_v0(struct fixture *f, const char *label, const char *table,
                         const char *column, int64_t id, const char *plain)
{
    uint8_t master[32] = {1, 2, 3}, key[32], box[24 + 64 + 16];
    size_t len = strlen(plain);
    assert_true(len <= 64);
    crypto_kdf_derive_from_key(key, sizeof key, 1, "confseal", master);
    do /* a nonce that begins like a version byte would make the counts below flaky */
        randombytes_buf(box, 24);
    while (box[0] == 1 || box[0] == 2);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + 24, &clen, (const uint8_t *)plain, len,
                                               (const uint8_t *)label, strlen(label), NULL, box,
                                               key);
    char sql[512];
    snprintf(sql, sizeof sql, "UPDATE %s SET %s = $1 WHERE id = %lld", table, column,
             (long long)id);
    raw_exec_blob(f, sql, box, 24 + (size_t)clen);
}

static void values_sealed_before_rows_were_bound_are_resealed_once(void **state)
{
    struct fixture *f = *state;
    /* a fresh database has nothing to upgrade and says so at once */
    assert_int_equal(raw_count(f, "SELECT count(*) FROM seal_upgrade"), 0);
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t one = add_client(f->store, ada, "Client One");
    int64_t two = add_client(f->store, ada, "Client Two");
    int64_t group = add_group(f->store, ada, "Group");

    /* a database from before: version-0 values, and migration 7's row asking to upgrade */
    raw_write_v0(f, "clients.name", "clients", "name_sealed", one, "Old One");
    raw_write_v0(f, "clients.email", "clients", "email_sealed", one, "one@example.org");
    raw_write_v0(f, "clients.name", "clients", "name_sealed", two, "Old Two");
    raw_write_v0(f, "groups.agreement", "therapy_groups", "agreement_sealed", group, "Old rule");
    raw_exec(f, "INSERT INTO seal_upgrade (from_version) VALUES (0)");
    /* reads never open version 0 */
    struct store_client c;
    assert_int_equal(store_client_get(f->store, &f->arena, one, &c), -EIO);

    /* with another key the upgrade refuses, and changes nothing */
    uint8_t other_key[32] = {9};
    struct seal *other = seal_new_from_key(other_key);
    struct store *wrong;
    assert_int_equal(store_open(f->db.url, other, &wrong), 0);
    int applied = -1, version = 0;
    assert_int_equal(store_migrate(wrong, &applied, &version), -EBADMSG);
    store_close(wrong);
    seal_free(other);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM seal_upgrade"), 1);
    char sql[300], v2[32];
    test_db_blob_literal("02", v2, sizeof v2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM clients WHERE substr(name_sealed, 1, 1) = %s",
             v2);
    assert_int_equal(raw_count(f, sql), 0);

    /* with the right key every old value is sealed again for its row, once */
    assert_int_equal(store_migrate(f->store, &applied, &version), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM seal_upgrade"), 0);
    assert_int_equal(store_client_get(f->store, &f->arena, one, &c), 0);
    assert_string_equal(c.name, "Old One");
    assert_string_equal(c.email, "one@example.org");
    assert_int_equal(store_client_get(f->store, &f->arena, two, &c), 0);
    assert_string_equal(c.name, "Old Two");
    struct store_group g;
    assert_int_equal(store_group_get(f->store, &f->arena, group, &g), 0);
    assert_string_equal(g.agreement, "Old rule");
    assert_string_equal(g.name, "Group"); /* already bound to its row: left as it was */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM clients WHERE substr(name_sealed, 1, 1) <> %s"
             " OR substr(email_sealed, 1, 1) <> %s",
             v2, v2);
    assert_int_equal(raw_count(f, sql), 0);
    /* the upgraded values are bound to their rows like any other */
    snprintf(sql, sizeof sql,
             "UPDATE clients SET name_sealed = (SELECT name_sealed FROM clients WHERE id = %lld)"
             " WHERE id = %lld",
             (long long)one, (long long)two);
    raw_exec(f, sql);
    assert_int_equal(store_client_get(f->store, &f->arena, two, &c), -EIO);

    /* a version-0 value put in afterwards is never upgraded nor opened */
    raw_write_v0(f, "clients.name", "clients", "name_sealed", two, "Planted");
    assert_int_equal(store_migrate(f->store, &applied, &version), 0);
    assert_int_equal(store_client_get(f->store, &f->arena, two, &c), -EIO);
}

/* Writes `plain` as confide sealed it before key ids (version 1, key 1 = the fixture's):
 * 0x01 || nonce || ciphertext || tag, bound to label and row id. */
static void raw_write_v1(struct fixture *f, const char *label, const char *table,
                         const char *column, int64_t id, const char *plain)
{
    uint8_t master[32] = {1, 2, 3}, key[32], box[1 + 24 + 64 + 16], ad[80];
    size_t len = strlen(plain), n = strlen(label);
    assert_true(len <= 64 && n + 10 <= sizeof ad);
    crypto_kdf_derive_from_key(key, sizeof key, 1, "confseal", master);
    ad[0] = 1;
    memcpy(ad + 1, label, n);
    ad[1 + n] = 0;
    for (int i = 0; i < 8; i++)
        ad[2 + n + i] = (uint8_t)((uint64_t)id >> (56 - 8 * i));
    box[0] = 1;
    randombytes_buf(box + 1, 24);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + 25, &clen, (const uint8_t *)plain, len, ad,
                                               n + 10, NULL, box + 1, key);
    char sql[600];
    snprintf(sql, sizeof sql, "UPDATE %s SET %s = $1 WHERE id = %lld", table, column,
             (long long)id);
    raw_exec_blob(f, sql, box, 25 + (size_t)clen);
}

static int64_t uses_of(struct store *s, uint32_t key_id)
{
    struct store_key_use uses[STORE_KEY_USES_MAX];
    int n = 0;
    assert_int_equal(store_seal_usage(s, uses, STORE_KEY_USES_MAX, &n), 0);
    for (int i = 0; i < n; i++)
        if (uses[i].key_id == key_id)
            return uses[i].values;
    return 0;
}

/* Key rotation as the CLI and a running server see it: two connections, each with its own
 * seal loaded from the same key file (the fixture's key, as a raw file). The CLI adds key 2
 * and seals everything again in batches; the server, which never reloaded by hand, reads
 * every value (a key id it does not know makes it read the file), finds users by their
 * email's index, accepts a recovery code, finds a sign-in by its token's hash, and its
 * audit chain still verifies: the index key did not change. Retiring key 1 is refused while
 * anything is sealed with it, version-1 values included. */
static void keys_rotate_in_batches_while_a_server_reads(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    enum { CLIENTS = 450 }; /* three batches of 200 */
    int64_t first = 0, last = 0;
    for (int i = 0; i < CLIENTS; i++) {
        char name[32];
        snprintf(name, sizeof name, "Client %d", i);
        last = add_client(f->store, ada, name);
        first = first ? first : last;
    }
    raw_write_v1(f, "clients.phone", "clients", "phone_sealed", first, "555-0101");
    assert_int_equal(store_totp_set(f->store, ada, "JBSWY3DPEHPK3PXP", 10), 0);
    const char *codes[] = {"aaaa-bbbb-cccc", "dddd-eeee-ffff"};
    assert_int_equal(store_recovery_replace(f->store, ada, codes, 2, 10), 0);
    struct store_login login = {.token_hash = {7, 7, 7},
                                .user_id = ada,
                                .created_at = 10,
                                .last_seen_at = 10,
                                .expires_at = 1000000};
    assert_int_equal(store_login_insert(f->store, &login), 0);
    assert_int_equal(store_audit(f->store, ada, "client.read", first, 11), 0);

    char key_path[128];
    snprintf(key_path, sizeof key_path, "%s/secret.key", f->dir);
    FILE *kf = fopen(key_path, "wb");
    uint8_t master[32] = {1, 2, 3};
    assert_int_equal(fwrite(master, 1, 32, kf), 32);
    fclose(kf);
    assert_int_equal(chmod(key_path, 0644), 0);
    struct seal *cli_seal, *server_seal;
    assert_int_equal(seal_load(key_path, &cli_seal), -EPERM); /* others could read it */
    assert_int_equal(chmod(key_path, 0600), 0);
    assert_int_equal(seal_load(key_path, &cli_seal), 0);
    assert_int_equal(seal_load(key_path, &server_seal), 0);
    struct store *cli, *server;
    assert_int_equal(store_open(f->db.url, cli_seal, &cli), 0);
    assert_int_equal(store_open(f->db.url, server_seal, &server), 0);
    const int64_t sealed = uses_of(cli, 1);
    assert_true(sealed >= 2 * CLIENTS + 4); /* names, emails, the user's, TOTP, one phone */
    assert_int_equal(uses_of(cli, 1), sealed);

    uint32_t id = 0;
    assert_int_equal(seal_add_key(cli_seal, &id), 0);
    assert_int_equal(id, 2);
    int64_t still = 0;
    int retired = -1;
    assert_int_equal(store_keys_retire(cli, 20, &still, &retired), -EBUSY);
    assert_int_equal(still, sealed);
    assert_int_equal(retired, 0);

    struct store_reseal_counts counts = {0};
    assert_int_equal(store_reseal(cli, STORE_RESEAL_BATCH, &counts), 0);
    assert_int_equal(counts.resealed, sealed);
    assert_int_equal(counts.values, sealed);
    assert_int_equal(counts.bad, 0);
    assert_true(counts.batches >= 3 + (int64_t)store_sealed_column_count - 1);
    assert_int_equal(uses_of(cli, 1), 0);
    assert_int_equal(uses_of(cli, 2), sealed);
    char sql[200], key2[32];
    test_db_blob_literal("0200000002", key2, sizeof key2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM clients WHERE substr(name_sealed, 1, 5) <> %s",
             key2);
    assert_int_equal(raw_count(f, sql), 0);
    /* a second pass finds nothing to do */
    struct store_reseal_counts again = {0};
    assert_int_equal(store_reseal(cli, STORE_RESEAL_BATCH, &again), 0);
    assert_int_equal(again.resealed, 0);

    /* the server, which loaded key 1 only, reads what key 2 sealed */
    struct arena a = {0};
    struct store_client c;
    assert_int_equal(store_client_get(server, &a, first, &c), 0);
    assert_string_equal(c.name, "Client 0");
    assert_string_equal(c.phone, "555-0101"); /* was version 1 */
    assert_int_equal(store_client_get(server, &a, last, &c), 0);
    struct store_user u;
    assert_int_equal(store_user_by_email(server, &a, "ada@example.org", &u), 0);
    assert_int_equal(u.id, ada);
    assert_string_equal(u.name, "Dr Ada Byron");
    struct store_totp totp;
    assert_int_equal(store_totp_get(server, &a, ada, &totp), 0);
    assert_string_equal(totp.secret, "JBSWY3DPEHPK3PXP");
    assert_int_equal(store_recovery_use(server, ada, "AAAA BBBB CCCC", 30), 0);
    struct store_login found;
    assert_int_equal(store_login_get(server, login.token_hash, &found), 0);
    assert_int_equal(found.user_id, ada);
    assert_int_equal(store_audit(server, ada, "client.read", last, 31), 0);
    int64_t entries = 0, bad = 0;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    assert_int_equal(store_audit_verify(server, &entries, &bad, head), 0);
    assert_int_equal(entries, 2);
    /* and seals what it writes with key 2 */
    int64_t newer = add_client(server, ada, "Client new");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM clients WHERE id = %lld AND substr(name_sealed, 1, 5) = %s",
             (long long)newer, key2);
    assert_int_equal(raw_count(f, sql), 1);

    /* a version-1 value put back (an old copy) holds key 1 in use again */
    raw_write_v1(f, "clients.phone", "clients", "phone_sealed", last, "555-0199");
    assert_int_equal(store_keys_retire(cli, 40, &still, &retired), -EBUSY);
    assert_int_equal(still, 1);
    assert_int_equal(store_reseal(cli, STORE_RESEAL_BATCH, &counts), 0);
    assert_int_equal(store_keys_retire(cli, 41, &still, &retired), 0);
    assert_int_equal(retired, 1);
    assert_int_equal(still, 0);
    /* key 1 is gone from the file; the server follows, and everything still opens */
    assert_int_equal(seal_reload(server_seal, 1), 1);
    assert_int_equal(store_client_get(server, &a, last, &c), 0);
    assert_string_equal(c.phone, "555-0199");
    assert_int_equal(store_user_by_email(server, &a, "ada@example.org", &u), 0);
    assert_int_equal(store_recovery_use(server, ada, "dddd-eeee-ffff", 50), 0);
    assert_int_equal(store_audit_verify(server, &entries, &bad, head), 0);
    assert_int_equal(entries, 3); /* key.retired is in the chain */
    /* a value sealed with the retired key no longer opens */
    raw_write_v1(f, "clients.phone", "clients", "phone_sealed", last, "555-0100");
    assert_int_equal(store_client_get(server, &a, last, &c), -EIO);

    arena_free(&a);
    store_close(cli);
    store_close(server);
    seal_free(cli_seal);
    seal_free(server_seal);
}

/* A series for a client (group_id 0) or a group (client_id 0); `tag` makes its ics uid and
 * host token unique. */
static int64_t add_series(struct store *s, int64_t therapist_id, int64_t client_id,
                          int64_t group_id, int tag)
{
    char uid[32], token[32];
    snprintf(uid, sizeof uid, "uid-%d@confide", tag);
    snprintf(token, sizeof token, "host-token-%d", tag);
    struct store_series se = {.therapist_id = therapist_id,
                              .client_id = client_id,
                              .group_id = group_id,
                              .title = "Session",
                              .time_zone = "UTC",
                              .duration_minutes = 50,
                              .rrule = "",
                              .settings = "{}",
                              .ics_uid = uid,
                              .sequence = 0,
                              .host_token = token,
                              .created_at = 4000};
    memset(se.host_token_hash, tag, 32);
    int64_t id = 0;
    assert_int_equal(store_series_insert(s, &se, &id), 0);
    assert_true(id > 0);
    return id;
}

static int64_t add_occurrence(struct store *s, int64_t series_id, int64_t therapist_id,
                              int64_t start, int64_t end, const char *meeting_id)
{
    struct store_occurrence o = {.series_id = series_id,
                                 .therapist_id = therapist_id,
                                 .original_start = start,
                                 .starts_at = start,
                                 .ends_at = end,
                                 .meeting_id = (char *)meeting_id,
                                 .password = "secret"};
    int64_t id = 0;
    assert_int_equal(store_occurrence_insert(s, &o, &id), 0);
    assert_true(id > 0);
    return id;
}

/* ---- names ---- */

static void roles_and_answers_round_trip_their_names(void **state)
{
    (void)state;
    enum store_role role;
    assert_string_equal(store_role_name(STORE_ROLE_ADMIN), "admin");
    assert_string_equal(store_role_name(STORE_ROLE_THERAPIST), "therapist");
    assert_int_equal(store_role_parse("therapist", &role), 0);
    assert_int_equal(role, STORE_ROLE_THERAPIST);
    assert_int_equal(store_role_parse("admin", &role), 0);
    assert_int_equal(role, STORE_ROLE_ADMIN);
    assert_int_equal(store_role_parse("Admin", &role), -EINVAL);
    assert_int_equal(store_role_parse("", &role), -EINVAL);

    enum store_answer answer;
    const enum store_answer all[] = {STORE_ANSWER_YES, STORE_ANSWER_MAYBE, STORE_ANSWER_NO};
    const char *names[] = {"yes", "maybe", "no"};
    for (int i = 0; i < 3; i++) {
        assert_string_equal(store_answer_name(all[i]), names[i]);
        assert_int_equal(store_answer_parse(names[i], &answer), 0);
        assert_int_equal(answer, all[i]);
    }
    assert_int_equal(store_answer_parse("perhaps", &answer), -EINVAL);
}

static void audit_records_who_did_what(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    assert_int_equal(store_audit(f->store, uid, "client.create", 42, 7000), 0);
    assert_int_equal(store_audit(f->store, 0, "login.failed", 0, 7001), 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM audit_log"), 2);
    assert_int_equal(raw_int(f, "SELECT actor_user_id FROM audit_log WHERE action ="
                                " 'client.create' AND subject_id = 42 AND at = 7000"),
                     uid);
    /* 0 means nobody: stored as NULL, not as user 0 */
    assert_int_equal(raw_int(f, "SELECT actor_user_id FROM audit_log WHERE at = 7001"), -1);
    assert_int_equal(raw_int(f, "SELECT subject_id FROM audit_log WHERE at = 7001"), -1);
}

/* ---- the audit chain ---- */

/* Drops the trigger that keeps audit_log append-only for `what` (update or delete). */
static void drop_append_only(struct fixture *f, const char *what)
{
    char trigger[64], sql[128];
    snprintf(trigger, sizeof trigger, "audit_log_append_only_%s", what);
    raw_exec_expect(f, test_db_drop_trigger(trigger, "audit_log", sql, sizeof sql), 0);
}

/* Five entries, two people, two kinds, with sources and outcomes. */
static void five_entries(struct fixture *f)
{
    for (int i = 1; i <= 5; i++) {
        struct store_audit_entry e = {.at = 1000 * i,
                                      .actor_user_id = i % 2 ? 7 : 8,
                                      .action = i % 2 ? "client.read" : "signin.failed",
                                      .subject_id = 40 + i,
                                      .source = "203.0.113.9",
                                      .outcome = i == 4 ? "refused" : NULL};
        assert_int_equal(store_audit_append(f->store, &e), 0);
        assert_int_equal(e.id, i);
    }
}

static void audit_chain_verifies_and_lists(void **state)
{
    struct fixture *f = *state;
    int64_t count = -1, bad = -1, head_id = 0;
    uint8_t head[STORE_AUDIT_HASH_BYTES], newest[STORE_AUDIT_HASH_BYTES];
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), 0); /* empty */
    assert_int_equal(count, 0);
    five_entries(f);
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), 0);
    assert_int_equal(count, 5);
    assert_int_equal(bad, 0);
    assert_int_equal(store_audit_head(f->store, &head_id, newest), 0);
    assert_int_equal(head_id, 5);
    assert_memory_equal(head, newest, sizeof head);
    /* the same entries under another key do not verify: the chain is keyed */
    uint8_t other_key[32] = {9};
    struct seal *other = seal_new_from_key(other_key);
    struct store *s2;
    assert_int_equal(store_open(f->db.url, other, &s2), 0);
    assert_int_equal(store_audit_verify(s2, &count, &bad, head), -EBADMSG);
    assert_int_equal(bad, 1);
    store_close(s2);
    seal_free(other);
    /* newest first, filtered, paged */
    struct store_audit_entry *list;
    size_t n;
    struct store_audit_filter all = {.limit = 200};
    assert_int_equal(store_audit_list(f->store, &f->arena, &all, &list, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(list[0].id, 5);
    assert_string_equal(list[1].outcome, "refused");
    assert_string_equal(list[0].source, "203.0.113.9");
    struct store_audit_filter by = {.actor_user_id = 7, .action = "client.read", .limit = 2};
    assert_int_equal(store_audit_list(f->store, &f->arena, &by, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, 5);
    assert_int_equal(list[1].id, 3);
    by.before_id = 3;
    assert_int_equal(store_audit_list(f->store, &f->arena, &by, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, 1);
    struct store_audit_filter window = {.since = 2000, .until = 4000, .subject_id = 43, .limit = 9};
    assert_int_equal(store_audit_list(f->store, &f->arena, &window, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].at, 3000);
    /* the table refuses changes and deletions */
    raw_exec_expect(f, "UPDATE audit_log SET action = 'x' WHERE id = 2", 1);
    raw_exec_expect(f, "DELETE FROM audit_log WHERE id = 5", 1);
}

static void audit_chain_names_an_edited_entry(void **state)
{
    struct fixture *f = *state;
    five_entries(f);
    drop_append_only(f, "update");
    raw_exec_expect(f, "UPDATE audit_log SET outcome = 'ok' WHERE id = 4", 0);
    int64_t count, bad;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), -EBADMSG);
    assert_int_equal(bad, 4);
}

static void audit_chain_names_a_deleted_or_moved_entry(void **state)
{
    struct fixture *f = *state;
    five_entries(f);
    drop_append_only(f, "delete");
    raw_exec_expect(f, "DELETE FROM audit_log WHERE id = 2", 0);
    int64_t count, bad;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), -EBADMSG);
    assert_int_equal(bad, 3);
    /* two entries swapped (ids and all): the first of them no longer follows */
    drop_append_only(f, "update");
    raw_exec_expect(f, "UPDATE audit_log SET id = 2 WHERE id = 3", 0);
    raw_exec_expect(f, "UPDATE audit_log SET id = 3 WHERE id = 4", 0);
    raw_exec_expect(f, "UPDATE audit_log SET id = 4 WHERE id = 5", 0);
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), -EBADMSG);
    assert_int_equal(bad, 2);
}

static void audit_chain_covers_entries_made_before_it(void **state)
{
    struct fixture *f = *state;
    five_entries(f);
    /* as a log written before the chain existed: no hashes */
    drop_append_only(f, "update");
    raw_exec_expect(f, "UPDATE audit_log SET record_hash = NULL", 0);
    int64_t count, bad;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), -EBADMSG);
    assert_int_equal(store_audit_chain_existing(f->store), 0);
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), 0);
    assert_int_equal(count, 5);
    /* once any entry has a hash, a missing one is never filled in again */
    raw_exec_expect(f, "UPDATE audit_log SET record_hash = NULL WHERE id = 3", 0);
    assert_int_equal(store_audit_chain_existing(f->store), 0);
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), -EBADMSG);
    assert_int_equal(bad, 3);
}

/* ---- clients ---- */

static void clients_round_trip_sealed(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    struct store_client c = {.therapist_id = uid,
                             .name = "Grace Hopper",
                             .email = "grace@example.org",
                             .phone = "+49 30 1234567",
                             .emergency = "{\"name\":\"Kim\"}",
                             .time_zone = "Europe/Berlin",
                             .created_at = 2000};
    int64_t id = 0;
    assert_int_equal(store_client_insert(f->store, &c, &id), 0);
    struct store_client got;
    assert_int_equal(store_client_get(f->store, &f->arena, id, &got), 0);
    assert_int_equal(got.id, id);
    assert_int_equal(got.therapist_id, uid);
    assert_string_equal(got.name, "Grace Hopper");
    assert_string_equal(got.email, "grace@example.org");
    assert_string_equal(got.phone, "+49 30 1234567");
    assert_string_equal(got.emergency, "{\"name\":\"Kim\"}");
    assert_string_equal(got.time_zone, "Europe/Berlin");
    assert_int_equal(got.created_at, 2000);
    assert_int_equal(store_client_get(f->store, &f->arena, id + 1, &got), -ENOENT);

    /* optional fields stay NULL */
    int64_t bare = add_client(f->store, uid, "Alan Turing");
    assert_int_equal(store_client_get(f->store, &f->arena, bare, &got), 0);
    assert_null(got.phone);
    assert_null(got.emergency);

    assert_false(raw_blob_holds(f, "SELECT name_sealed FROM clients WHERE id = 1", "Grace"));
    assert_false(raw_blob_holds(f, "SELECT email_sealed FROM clients WHERE id = 1", "grace@"));
    assert_false(raw_blob_holds(f, "SELECT phone_sealed FROM clients WHERE id = 1", "1234567"));
    assert_false(raw_blob_holds(f, "SELECT emergency_sealed FROM clients WHERE id = 1", "Kim"));
}

static void clients_update_list_and_archive(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t c1 = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, bob, "Two");
    int64_t c3 = add_client(f->store, ada, "Three");

    struct store_client up = {.id = c1,
                              .name = "One Renamed",
                              .email = "new@example.org",
                              .phone = "+1 555",
                              .time_zone = "America/New_York"};
    assert_int_equal(store_client_update(f->store, &up), 0);
    struct store_client got;
    assert_int_equal(store_client_get(f->store, &f->arena, c1, &got), 0);
    assert_string_equal(got.name, "One Renamed");
    assert_string_equal(got.email, "new@example.org");
    assert_string_equal(got.phone, "+1 555");
    assert_null(got.emergency);
    assert_string_equal(got.time_zone, "America/New_York");
    assert_int_equal(got.therapist_id, ada); /* not changed by an update */
    up.id = c3 + 100;
    assert_int_equal(store_client_update(f->store, &up), -ENOENT);

    struct store_client *list;
    size_t n;
    assert_int_equal(store_client_list(f->store, &f->arena, ada, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, c1);
    assert_int_equal(list[1].id, c3);
    assert_string_equal(list[1].name, "Three");
    assert_int_equal(store_client_list(f->store, &f->arena, 0, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[1].id, c2);

    assert_int_equal(store_client_archive(f->store, c1, 9000), 0);
    assert_int_equal(store_client_archive(f->store, c1, 9001), -ENOENT);
    assert_int_equal(store_client_get(f->store, &f->arena, c1, &got), -ENOENT);
    up.id = c1;
    assert_int_equal(store_client_update(f->store, &up), -ENOENT);
    assert_int_equal(store_client_list(f->store, &f->arena, ada, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, c3);
    assert_int_equal(raw_int(f, "SELECT archived_at FROM clients WHERE id = 1"), 9000);
}

/* ---- groups ---- */

static void groups_round_trip_update_and_archive(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t gid = add_group(f->store, ada, "Tuesday circle");
    struct store_group g;
    assert_int_equal(store_group_get(f->store, &f->arena, gid, &g), 0);
    assert_int_equal(g.id, gid);
    assert_int_equal(g.therapist_id, ada);
    assert_string_equal(g.name, "Tuesday circle");
    assert_string_equal(g.description, "Weekly");
    assert_string_equal(g.agreement, "We keep it here.");
    assert_int_equal(g.agreement_version, 1);
    assert_int_equal(g.capacity, 8);
    assert_int_equal(g.created_at, 3000);
    assert_int_equal(store_group_get(f->store, &f->arena, gid + 1, &g), -ENOENT);
    assert_false(raw_blob_holds(f, "SELECT name_sealed FROM therapy_groups", "Tuesday"));
    assert_false(raw_blob_holds(f, "SELECT agreement_sealed FROM therapy_groups", "keep it"));

    /* a group without a description reads back an empty one */
    struct store_group bare = {.therapist_id = ada,
                               .name = "Bare",
                               .agreement = "A",
                               .agreement_version = 1,
                               .capacity = 2};
    int64_t bare_id;
    assert_int_equal(store_group_insert(f->store, &bare, &bare_id), 0);
    assert_int_equal(store_group_get(f->store, &f->arena, bare_id, &g), 0);
    assert_string_equal(g.description, "");

    struct store_group up = {.id = gid,
                             .name = "Thursday circle",
                             .description = "Moved",
                             .agreement = "New words",
                             .agreement_version = 2,
                             .capacity = 10};
    assert_int_equal(store_group_update(f->store, &up), 0);
    assert_int_equal(store_group_get(f->store, &f->arena, gid, &g), 0);
    assert_string_equal(g.name, "Thursday circle");
    assert_string_equal(g.description, "Moved");
    assert_string_equal(g.agreement, "New words");
    assert_int_equal(g.agreement_version, 2);
    assert_int_equal(g.capacity, 10);

    assert_int_equal(store_group_archive(f->store, gid, 9000), 0);
    assert_int_equal(store_group_archive(f->store, gid, 9000), -ENOENT);
    assert_int_equal(store_group_get(f->store, &f->arena, gid, &g), -ENOENT);
    assert_int_equal(store_group_update(f->store, &up), -ENOENT);
}

static void groups_list_includes_co_facilitated(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t g1 = add_group(f->store, ada, "Ada's");
    int64_t g2 = add_group(f->store, bob, "Bob's");
    int64_t g3 = add_group(f->store, bob, "Bob's other");

    struct store_group *list;
    size_t n;
    assert_int_equal(store_group_list(f->store, &f->arena, ada, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, g1);

    assert_int_equal(store_group_facilitator_add(f->store, g3, ada), 0);
    assert_int_equal(store_group_facilitator_add(f->store, g3, ada), -EEXIST);
    assert_int_equal(store_group_list(f->store, &f->arena, ada, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, g1);
    assert_int_equal(list[1].id, g3);
    assert_string_equal(list[1].name, "Bob's other");

    assert_int_equal(store_group_list(f->store, &f->arena, 0, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[1].id, g2);
    assert_int_equal(store_group_archive(f->store, g2, 9000), 0);
    assert_int_equal(store_group_list(f->store, &f->arena, 0, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[1].id, g3);
}

static void group_members_and_facilitators(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t cat = add_user(f->store, "cat@example.org", STORE_ROLE_THERAPIST);
    int64_t gid = add_group(f->store, ada, "Circle");
    int64_t c1 = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, ada, "Two");
    int64_t c3 = add_client(f->store, ada, "Three");

    int64_t *ids;
    size_t n;
    assert_int_equal(store_group_members(f->store, &f->arena, gid, &ids, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_group_member_add(f->store, gid, c3, 100), 0);
    assert_int_equal(store_group_member_add(f->store, gid, c1, 101), 0);
    assert_int_equal(store_group_member_add(f->store, gid, c2, 102), 0);
    assert_int_equal(store_group_member_add(f->store, gid, c1, 103), -EEXIST);
    assert_int_equal(store_group_members(f->store, &f->arena, gid, &ids, &n), 0);
    assert_int_equal(n, 3); /* ordered by client id */
    assert_int_equal(ids[0], c1);
    assert_int_equal(ids[1], c2);
    assert_int_equal(ids[2], c3);

    assert_int_equal(store_group_member_remove(f->store, gid, c2), 0);
    assert_int_equal(store_group_member_remove(f->store, gid, c2), -ENOENT);
    /* an archived client is no longer a member */
    assert_int_equal(store_client_archive(f->store, c3, 200), 0);
    assert_int_equal(store_group_members(f->store, &f->arena, gid, &ids, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], c1);

    assert_int_equal(store_group_facilitator_add(f->store, gid, cat), 0);
    assert_int_equal(store_group_facilitator_add(f->store, gid, bob), 0);
    assert_int_equal(store_group_facilitators(f->store, &f->arena, gid, &ids, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], bob);
    assert_int_equal(ids[1], cat);
    assert_int_equal(store_group_facilitator_remove(f->store, gid, bob), 0);
    assert_int_equal(store_group_facilitator_remove(f->store, gid, bob), -ENOENT);
    assert_int_equal(store_group_facilitators(f->store, &f->arena, gid, &ids, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], cat);
}

/* ---- series, occurrences, invites ---- */

static void series_round_trip_update_and_host_token(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    struct store_series se = {.therapist_id = ada,
                              .client_id = cid,
                              .title = "Intake",
                              .time_zone = "Europe/Berlin",
                              .duration_minutes = 50,
                              .rrule = "FREQ=WEEKLY",
                              .settings = "{\"waiting_room\":true}",
                              .ics_uid = "abc@confide",
                              .sequence = 3,
                              .host_token = "the-host-token",
                              .created_at = 4000};
    memset(se.host_token_hash, 0x5A, 32);
    int64_t id = 0;
    assert_int_equal(store_series_insert(f->store, &se, &id), 0);
    struct store_series got;
    assert_int_equal(store_series_get(f->store, &f->arena, id, &got), 0);
    assert_int_equal(got.id, id);
    assert_int_equal(got.therapist_id, ada);
    assert_int_equal(got.client_id, cid);
    assert_int_equal(got.group_id, 0);
    assert_string_equal(got.title, "Intake");
    assert_string_equal(got.time_zone, "Europe/Berlin");
    assert_int_equal(got.duration_minutes, 50);
    assert_string_equal(got.rrule, "FREQ=WEEKLY");
    assert_string_equal(got.settings, "{\"waiting_room\":true}");
    assert_string_equal(got.ics_uid, "abc@confide");
    assert_int_equal(got.sequence, 3);
    assert_memory_equal(got.host_token_hash, se.host_token_hash, 32);
    assert_string_equal(got.host_token, "the-host-token");
    assert_int_equal(got.created_at, 4000);
    assert_int_equal(got.cancelled_at, 0);
    assert_int_equal(store_series_get(f->store, &f->arena, id + 1, &got), -ENOENT);
    assert_false(raw_blob_holds(f, "SELECT title_sealed FROM series", "Intake"));
    assert_false(raw_blob_holds(f, "SELECT host_token_sealed FROM series", "host-token"));
    /* the ics uid is unique */
    memset(se.host_token_hash, 0x5B, 32);
    assert_int_equal(store_series_insert(f->store, &se, &(int64_t){0}), -EEXIST);

    struct store_series by_host;
    uint8_t hash[32];
    memset(hash, 0x5A, 32);
    assert_int_equal(store_series_by_host_token_hash(f->store, &f->arena, hash, &by_host), 0);
    assert_int_equal(by_host.id, id);
    assert_string_equal(by_host.host_token, "the-host-token");
    memset(hash, 0x5C, 32);
    assert_int_equal(store_series_by_host_token_hash(f->store, &f->arena, hash, &by_host), -ENOENT);

    got.sequence = 4;
    got.rrule = "";
    got.cancelled_at = 8000;
    got.title = "ignored";
    assert_int_equal(store_series_update(f->store, &got), 0);
    assert_int_equal(store_series_get(f->store, &f->arena, id, &got), 0);
    assert_int_equal(got.sequence, 4);
    assert_string_equal(got.rrule, "");
    assert_int_equal(got.cancelled_at, 8000);
    assert_string_equal(got.title, "Intake"); /* only sequence, rrule and cancelled_at */
    got.id = id + 1;
    assert_int_equal(store_series_update(f->store, &got), -ENOENT);
}

static void series_list_includes_co_facilitated_groups(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t gid = add_group(f->store, bob, "Bob's group");
    int64_t s1 = add_series(f->store, ada, cid, 0, 1);
    int64_t s2 = add_series(f->store, bob, 0, gid, 2);

    struct store_series *list;
    size_t n;
    assert_int_equal(store_series_list(f->store, &f->arena, ada, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, s1);
    assert_int_equal(store_group_facilitator_add(f->store, gid, ada), 0);
    assert_int_equal(store_series_list(f->store, &f->arena, ada, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, s1);
    assert_int_equal(list[1].id, s2);
    assert_int_equal(list[1].group_id, gid);
    assert_int_equal(store_series_list(f->store, &f->arena, bob, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, s2);
    assert_int_equal(store_series_list(f->store, &f->arena, 0, &list, &n), 0);
    assert_int_equal(n, 2);
}

static void occurrences_round_trip_and_update(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t sid = add_series(f->store, ada, add_client(f->store, ada, "One"), 0, 1);
    int64_t oid = add_occurrence(f->store, sid, ada, 10000, 13000, "1234567890");
    struct store_occurrence o;
    assert_int_equal(store_occurrence_get(f->store, &f->arena, oid, &o), 0);
    assert_int_equal(o.id, oid);
    assert_int_equal(o.series_id, sid);
    assert_int_equal(o.therapist_id, ada);
    assert_int_equal(o.original_start, 10000);
    assert_int_equal(o.starts_at, 10000);
    assert_int_equal(o.ends_at, 13000);
    assert_int_equal(o.cancelled_at, 0);
    assert_int_equal(o.ended_at, 0);
    assert_string_equal(o.meeting_id, "1234567890");
    assert_string_equal(o.password, "secret");
    assert_false(raw_blob_holds(f, "SELECT password_sealed FROM occurrences", "secret"));
    assert_int_equal(store_occurrence_get(f->store, &f->arena, oid + 1, &o), -ENOENT);

    /* a meeting id is unique: the caller draws another */
    struct store_occurrence dup = o;
    dup.original_start = 20000;
    assert_int_equal(store_occurrence_insert(f->store, &dup, &(int64_t){0}), -EEXIST);

    o.starts_at = 11000;
    o.ends_at = 14000;
    o.cancelled_at = 500;
    o.original_start = 1; /* not written */
    assert_int_equal(store_occurrence_update(f->store, &o), 0);
    assert_int_equal(store_occurrence_get(f->store, &f->arena, oid, &o), 0);
    assert_int_equal(o.starts_at, 11000);
    assert_int_equal(o.ends_at, 14000);
    assert_int_equal(o.cancelled_at, 500);
    assert_int_equal(o.original_start, 10000);
    o.cancelled_at = 0; /* uncancelled */
    assert_int_equal(store_occurrence_update(f->store, &o), 0);
    assert_int_equal(store_occurrence_get(f->store, &f->arena, oid, &o), 0);
    assert_int_equal(o.cancelled_at, 0);
    o.id = oid + 1;
    assert_int_equal(store_occurrence_update(f->store, &o), -ENOENT);
}

static void occurrences_list_in_slot_order_and_overlap(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t sid = add_series(f->store, ada, cid, 0, 1);
    int64_t other = add_series(f->store, bob, add_client(f->store, bob, "Two"), 0, 2);
    int64_t late = add_occurrence(f->store, sid, ada, 30000, 33000, "0000000003");
    int64_t early = add_occurrence(f->store, sid, ada, 10000, 13000, "0000000001");
    int64_t mid = add_occurrence(f->store, sid, ada, 20000, 23000, "0000000002");
    add_occurrence(f->store, other, bob, 20000, 23000, "0000000004");

    struct store_occurrence *list;
    size_t n;
    assert_int_equal(store_occurrence_list(f->store, &f->arena, sid, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].id, early);
    assert_int_equal(list[1].id, mid);
    assert_int_equal(list[2].id, late);
    assert_string_equal(list[2].meeting_id, "0000000003");
    assert_int_equal(store_occurrence_list(f->store, &f->arena, sid + 100, &list, &n), 0);
    assert_int_equal(n, 0);

    /* [start, end) is half open: touching at either end is no overlap */
    assert_int_equal(
        store_occurrence_overlapping(f->store, &f->arena, ada, 13000, 20000, &list, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(
        store_occurrence_overlapping(f->store, &f->arena, ada, 12000, 31000, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].id, early); /* by start time */
    assert_int_equal(list[2].id, late);
    /* cancelled ones do not count, nor do other therapists' */
    struct store_occurrence o;
    assert_int_equal(store_occurrence_get(f->store, &f->arena, mid, &o), 0);
    o.cancelled_at = 1;
    assert_int_equal(store_occurrence_update(f->store, &o), 0);
    assert_int_equal(
        store_occurrence_overlapping(f->store, &f->arena, ada, 19000, 24000, &list, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(
        store_occurrence_overlapping(f->store, &f->arena, bob, 19000, 24000, &list, &n), 0);
    assert_int_equal(n, 1);
}

static void invites_list_and_look_up_by_token(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t gid = add_group(f->store, ada, "Circle");
    int64_t c1 = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, ada, "Two");
    int64_t sid = add_series(f->store, ada, 0, gid, 1);

    struct store_invite inv = {
        .series_id = sid, .client_id = c2, .token = "token-two", .created_at = 5000};
    memset(inv.token_hash, 0x22, 32);
    int64_t i2 = 0, i1 = 0;
    assert_int_equal(store_invite_insert(f->store, &inv, &i2), 0);
    assert_true(i2 > 0);
    /* one link per client and series */
    memset(inv.token_hash, 0x23, 32);
    assert_int_equal(store_invite_insert(f->store, &inv, &(int64_t){0}), -EEXIST);
    inv.client_id = c1;
    inv.token = "token-one";
    memset(inv.token_hash, 0x11, 32);
    assert_int_equal(store_invite_insert(f->store, &inv, &i1), 0);
    assert_false(raw_blob_holds(f, "SELECT token_sealed FROM invites LIMIT 1", "token-"));

    struct store_invite *list;
    size_t n;
    assert_int_equal(store_invite_list(f->store, &f->arena, sid, &list, &n), 0);
    assert_int_equal(n, 2); /* ordered by client */
    assert_int_equal(list[0].id, i1);
    assert_int_equal(list[0].client_id, c1);
    assert_string_equal(list[0].token, "token-one");
    assert_int_equal(list[1].id, i2);
    assert_string_equal(list[1].token, "token-two");
    assert_int_equal(list[1].series_id, sid);
    assert_int_equal(list[1].created_at, 5000);
    assert_int_equal(list[1].revoked_at, 0);
    uint8_t want[32];
    memset(want, 0x22, 32);
    assert_memory_equal(list[1].token_hash, want, 32);

    struct store_invite got;
    assert_int_equal(store_invite_by_token_hash(f->store, &f->arena, want, &got), 0);
    assert_int_equal(got.id, i2);
    assert_int_equal(got.client_id, c2);
    assert_string_equal(got.token, "token-two");
    memset(want, 0x23, 32);
    assert_int_equal(store_invite_by_token_hash(f->store, &f->arena, want, &got), -ENOENT);
}

static int64_t add_invite(struct store *s, int64_t series_id, int64_t client_id, int tag)
{
    struct store_invite inv = {
        .series_id = series_id, .client_id = client_id, .token = "token", .created_at = 5000};
    memset(inv.token_hash, tag, 32);
    int64_t id = 0;
    assert_int_equal(store_invite_insert(s, &inv, &id), 0);
    return id;
}

static int invite_current(struct store *s, int64_t invite_id)
{
    int current = -1;
    assert_int_equal(store_invite_current(s, invite_id, &current), 0);
    return current;
}

static void invites_stop_when_a_member_leaves_or_a_client_is_archived(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t gid = add_group(f->store, ada, "Circle");
    int64_t other = add_group(f->store, ada, "Other");
    int64_t c1 = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, ada, "Two");
    assert_int_equal(store_group_member_add(f->store, gid, c1, 100), 0);
    assert_int_equal(store_group_member_add(f->store, gid, c2, 100), 0);
    assert_int_equal(store_group_member_add(f->store, other, c1, 100), 0);
    int64_t past = add_series(f->store, ada, 0, gid, 1); /* its one meeting is over */
    add_occurrence(f->store, past, ada, 1000, 2000, "0000000001");
    int64_t next = add_series(f->store, ada, 0, gid, 2);
    add_occurrence(f->store, next, ada, 1000, 2000, "0000000002");
    add_occurrence(f->store, next, ada, 90000, 93000, "0000000003");
    int64_t elsewhere = add_series(f->store, ada, 0, other, 3);
    add_occurrence(f->store, elsewhere, ada, 90000, 93000, "0000000004");
    int64_t own = add_series(f->store, ada, c1, 0, 4); /* one-to-one */
    add_occurrence(f->store, own, ada, 90000, 93000, "0000000005");
    int64_t i_past = add_invite(f->store, past, c1, 0x31);
    int64_t i_next = add_invite(f->store, next, c1, 0x32);
    int64_t i_else = add_invite(f->store, elsewhere, c1, 0x33);
    int64_t i_own = add_invite(f->store, own, c1, 0x34);
    int64_t i_two = add_invite(f->store, next, c2, 0x35);
    assert_int_equal(invite_current(f->store, i_next), 1);
    assert_int_equal(invite_current(f->store, i_own), 1);
    assert_int_equal(invite_current(f->store, i_next + 100), 0); /* no such invite */

    /* out of the group: not a member any more, even before anything is revoked */
    assert_int_equal(store_group_member_remove(f->store, gid, c1), 0);
    assert_int_equal(invite_current(f->store, i_next), 0);
    assert_int_equal(invite_current(f->store, i_else), 1);
    assert_int_equal(invite_current(f->store, i_two), 1);
    /* the group's sessions to come lose the link; the past one and other groups' keep it */
    int64_t revoked = -1;
    assert_int_equal(store_invites_revoke(f->store, c1, gid, 50000, &revoked), 0);
    assert_int_equal(revoked, 1);
    struct store_invite *list;
    size_t n;
    assert_int_equal(store_invite_list(f->store, &f->arena, next, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].client_id, c1);
    assert_int_equal(list[0].revoked_at, 50000);
    assert_int_equal(list[1].revoked_at, 0); /* the other member's */
    assert_int_equal(store_invite_list(f->store, &f->arena, past, &list, &n), 0);
    assert_int_equal(list[0].revoked_at, 0);
    /* back in the group, a revoked link stays revoked */
    assert_int_equal(store_group_member_add(f->store, gid, c1, 60000), 0);
    assert_int_equal(invite_current(f->store, i_next), 0);
    assert_int_equal(invite_current(f->store, i_past), 1);

    /* archived: no link is for them any more, and every one to come is revoked */
    assert_int_equal(store_client_archive(f->store, c1, 70000), 0);
    assert_int_equal(invite_current(f->store, i_own), 0);
    assert_int_equal(invite_current(f->store, i_else), 0);
    assert_int_equal(store_invites_revoke(f->store, c1, 0, 70000, &revoked), 0);
    assert_int_equal(revoked, 2); /* the other group's and the one-to-one */
    assert_int_equal(store_invite_list(f->store, &f->arena, own, &list, &n), 0);
    assert_int_equal(list[0].revoked_at, 70000);
    assert_int_equal(store_invites_revoke(f->store, c1, 0, 70000, &revoked), 0);
    assert_int_equal(revoked, 0);
    assert_int_equal(invite_current(f->store, i_two), 1);
}

/* ---- secure messaging ---- */

static void messages_threads_announcements_and_first_reads(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t c1 = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, ada, "Two");
    int64_t gid = add_group(f->store, ada, "Circle");
    assert_int_equal(store_group_member_add(f->store, gid, c1, 100), 0);
    struct store_message m = {.client_id = c1, .author_user_id = ada, .body = "See you Tuesday.",
                              .created_at = 1000};
    int64_t first, reply, note;
    assert_int_equal(store_message_insert(f->store, &m, &first), 0);
    m = (struct store_message){.client_id = c1, .body = "Thank you.", .created_at = 2000};
    assert_int_equal(store_message_insert(f->store, &m, &reply), 0);
    m = (struct store_message){.group_id = gid, .author_user_id = ada, .body = "No group next week.",
                               .created_at = 3000};
    assert_int_equal(store_message_insert(f->store, &m, &note), 0);
    /* sealed for its row: the words are not in the table */
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT body_sealed FROM messages WHERE id = %lld", (long long)first);
    assert_false(raw_blob_holds(f, sql, "Tuesday"));

    struct store_message *list;
    size_t n;
    assert_int_equal(store_message_thread(f->store, &f->arena, c1, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].body, "See you Tuesday.");
    assert_int_equal(list[0].author_user_id, ada);
    assert_int_equal(list[1].author_user_id, 0);
    assert_int_equal(list[0].read_at + list[1].read_at, 0);
    assert_int_equal(store_message_thread(f->store, &f->arena, c2, &list, &n), 0);
    assert_int_equal(n, 0);

    /* the practitioner has one message to read */
    struct store_unread *u;
    assert_int_equal(store_message_unread(f->store, &f->arena, ada, &u, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(u[0].client_id, c1);
    assert_int_equal(u[0].count, 1);

    /* the client reads: the practitioner's message and the announcement, once */
    assert_int_equal(store_message_mark_read(f->store, c1, 1, 5000), 0);
    assert_int_equal(store_message_mark_read(f->store, c1, 1, 9000), 0);
    assert_int_equal(store_message_thread(f->store, &f->arena, c1, &list, &n), 0);
    assert_int_equal(list[0].read_at, 5000);
    assert_int_equal(list[1].read_at, 0);
    assert_int_equal(store_message_announcements(f->store, &f->arena, gid, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].body, "No group next week.");
    assert_int_equal(list[0].reads, 1);
    assert_int_equal(store_message_announcements_for(f->store, &f->arena, c1, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].read_at, 5000);
    assert_int_equal(store_message_announcements_for(f->store, &f->arena, c2, &list, &n), 0);
    assert_int_equal(n, 0);

    /* the practitioner reads */
    assert_int_equal(store_message_mark_read(f->store, c1, 0, 6000), 0);
    assert_int_equal(store_message_thread(f->store, &f->arena, c1, &list, &n), 0);
    assert_int_equal(list[1].read_at, 6000);
    assert_int_equal(store_message_unread(f->store, &f->arena, ada, &u, &n), 0);
    assert_int_equal(n, 0);

    /* out of the group: its announcements are not theirs any more */
    assert_int_equal(store_group_member_remove(f->store, gid, c1), 0);
    assert_int_equal(store_message_announcements_for(f->store, &f->arena, c1, &list, &n), 0);
    assert_int_equal(n, 0);
}

static void inbox_links_are_one_time_and_sign_ins_end(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t c1 = add_client(f->store, ada, "One");
    uint8_t link[32], device[32], other[32];
    memset(link, 0x41, sizeof link);
    memset(device, 0x42, sizeof device);
    memset(other, 0x43, sizeof other);
    assert_int_equal(store_inbox_link_insert(f->store, link, c1, 1000, 1000 + 900000), 0);
    int64_t client = 0, expires = 0, used = -1;
    assert_int_equal(store_inbox_link_get(f->store, link, &client, &expires, &used), 0);
    assert_int_equal(client, c1);
    assert_int_equal(expires, 901000);
    assert_int_equal(used, 0);
    assert_int_equal(store_inbox_link_get(f->store, other, &client, &expires, &used), -ENOENT);
    assert_int_equal(store_inbox_link_use(f->store, link, 2000), 0);
    assert_int_equal(store_inbox_link_use(f->store, link, 3000), -ENOENT); /* once */
    assert_int_equal(store_inbox_link_get(f->store, link, &client, &expires, &used), 0);
    assert_int_equal(used, 2000);
    /* only the hash is kept */
    assert_int_equal(raw_count(f, "SELECT count(*) FROM inbox_links"), 1);

    assert_int_equal(store_inbox_signin_insert(f->store, device, c1, 2000, 100000), 0);
    assert_int_equal(store_inbox_signin_insert(f->store, other, c1, 2000, 100000), 0);
    assert_int_equal(store_inbox_signin_get(f->store, device, 50000, &client), 0);
    assert_int_equal(client, c1);
    assert_int_equal(store_inbox_signin_get(f->store, device, 100000, &client), -ENOENT);
    int64_t count = 0;
    assert_int_equal(store_inbox_signin_count(f->store, c1, 50000, &count), 0);
    assert_int_equal(count, 2);
    /* signing one device out leaves the other */
    assert_int_equal(store_inbox_signin_delete(f->store, device), 0);
    assert_int_equal(store_inbox_signin_get(f->store, device, 50000, &client), -ENOENT);
    assert_int_equal(store_inbox_signin_get(f->store, other, 50000, &client), 0);
    /* archived: no sign-in and no link of theirs is found any more */
    uint8_t fresh[32];
    memset(fresh, 0x44, sizeof fresh);
    assert_int_equal(store_inbox_link_insert(f->store, fresh, c1, 4000, 4000 + 900000), 0);
    assert_int_equal(store_client_archive(f->store, c1, 60000), 0);
    assert_int_equal(store_inbox_signin_get(f->store, other, 60001, &client), -ENOENT);
    assert_int_equal(store_inbox_link_get(f->store, fresh, &client, &expires, &used), -ENOENT);
    /* the practitioner ends them all: the rows go */
    int64_t ended = 0;
    assert_int_equal(store_inbox_end(f->store, c1, &ended), 0);
    assert_int_equal(ended, 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM inbox_signins"), 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM inbox_links"), 0);
}

static void availability_notes_are_sealed_set_and_removed(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    char *note = (char *)"x";
    assert_int_equal(store_availability_get(f->store, &f->arena, ada, &note), 0);
    assert_null(note);
    assert_int_equal(store_availability_set(f->store, ada, "I reply within two days.", 100), 0);
    assert_int_equal(store_availability_set(f->store, ada, "I reply within a day.", 200), 0);
    assert_int_equal(store_availability_get(f->store, &f->arena, ada, &note), 0);
    assert_string_equal(note, "I reply within a day.");
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT note_sealed FROM availability_notes WHERE user_id = %lld",
             (long long)ada);
    assert_false(raw_blob_holds(f, sql, "within"));
    assert_int_equal(store_availability_set(f->store, ada, "", 300), 0);
    assert_int_equal(store_availability_get(f->store, &f->arena, ada, &note), 0);
    assert_null(note);
}

/* ---- meetings ---- */

static void agreements_are_accepted_per_version(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t gid = add_group(f->store, ada, "Circle");
    int64_t c1 = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, ada, "Two");
    int accepted = -1;
    assert_int_equal(store_agreement_accepted(f->store, c1, gid, 1, &accepted), 0);
    assert_int_equal(accepted, 0);
    assert_int_equal(store_agreement_accept(f->store, c1, gid, 1, 6000), 0);
    assert_int_equal(store_agreement_accepted(f->store, c1, gid, 1, &accepted), 0);
    assert_int_equal(accepted, 1);
    /* a new wording needs a new acceptance; another client has not accepted */
    assert_int_equal(store_agreement_accepted(f->store, c1, gid, 2, &accepted), 0);
    assert_int_equal(accepted, 0);
    assert_int_equal(store_agreement_accepted(f->store, c2, gid, 1, &accepted), 0);
    assert_int_equal(accepted, 0);
    assert_int_equal(raw_int(f, "SELECT accepted_at FROM agreement_acceptances"), 6000);
}

static void attendance_in_time_order_and_meeting_end(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t sid = add_series(f->store, ada, cid, 0, 1);
    int64_t o1 = add_occurrence(f->store, sid, ada, 10000, 13000, "0000000001");
    int64_t o2 = add_occurrence(f->store, sid, ada, 20000, 23000, "0000000002");

    assert_int_equal(store_attendance_add(f->store, o2, cid, 0, "joined", 20100), 0);
    assert_int_equal(store_attendance_add(f->store, o1, 0, ada, "joined", 10000), 0);
    assert_int_equal(store_attendance_add(f->store, o1, cid, 0, "admitted", 10050), 0);
    assert_int_equal(store_attendance_add(f->store, o1, cid, 0, "left", 10050), 0);
    /* not an event the schema knows */
    assert_int_equal(store_attendance_add(f->store, o1, cid, 0, "danced", 10060), -EIO);

    struct store_attendance *list;
    size_t n;
    assert_int_equal(store_attendance_list(f->store, &f->arena, sid, &list, &n), 0);
    assert_int_equal(n, 4);
    assert_int_equal(list[0].occurrence_id, o1);
    assert_int_equal(list[0].user_id, ada);
    assert_int_equal(list[0].client_id, 0);
    assert_string_equal(list[0].event, "joined");
    assert_int_equal(list[0].at, 10000);
    assert_string_equal(list[1].event, "admitted"); /* same time: in the order written */
    assert_string_equal(list[2].event, "left");
    assert_int_equal(list[2].client_id, cid);
    assert_int_equal(list[3].occurrence_id, o2);
    assert_int_equal(list[3].at, 20100);
    assert_int_equal(store_attendance_list(f->store, &f->arena, sid + 1, &list, &n), 0);
    assert_int_equal(n, 0);

    struct store_occurrence o;
    assert_int_equal(store_occurrence_end(f->store, o1, 12000), 0);
    assert_int_equal(store_occurrence_get(f->store, &f->arena, o1, &o), 0);
    assert_int_equal(o.ended_at, 12000);
    /* ending it again keeps the first time */
    assert_int_equal(store_occurrence_end(f->store, o1, 12500), 0);
    assert_int_equal(store_occurrence_get(f->store, &f->arena, o1, &o), 0);
    assert_int_equal(o.ended_at, 12000);
    assert_int_equal(store_occurrence_get(f->store, &f->arena, o2, &o), 0);
    assert_int_equal(o.ended_at, 0);
}

static void notes_are_sealed_signed_once_and_take_addenda(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t other = add_client(f->store, ada, "Two");
    int64_t sid = add_series(f->store, ada, cid, 0, 1);
    int64_t o1 = add_occurrence(f->store, sid, ada, 10000, 13000, "0000000001");
    int64_t o2 = add_occurrence(f->store, sid, ada, 20000, 23000, "0000000002");

    const char *body = "{\"subjective\":\"feels the lighthouse keeper is watching\"}";
    struct store_note n = {.occurrence_id = o1, .series_id = sid, .client_id = cid,
                           .author_id = ada, .template_name = "soap", .body = (char *)body,
                           .created_at = 11000};
    int64_t id1, id2, gid, found;
    assert_int_equal(store_note_insert(f->store, &n, &id1), 0);
    n.occurrence_id = o2;
    n.created_at = 21000;
    assert_int_equal(store_note_insert(f->store, &n, &id2), 0);
    /* the group note of an occurrence: client 0 */
    n.client_id = 0;
    n.template_name = "free";
    assert_int_equal(store_note_insert(f->store, &n, &gid), 0);
    assert_int_equal(store_note_for(f->store, o1, cid, &found), 0);
    assert_int_equal(found, id1);
    assert_int_equal(store_note_for(f->store, o2, 0, &found), 0);
    assert_int_equal(found, gid);
    assert_int_equal(store_note_for(f->store, o1, 0, &found), -ENOENT);
    assert_int_equal(store_note_for(f->store, o1, other, &found), -ENOENT);

    struct store_note got;
    assert_int_equal(store_note_get(f->store, &f->arena, id1, &got), 0);
    assert_string_equal(got.body, body);
    assert_string_equal(got.template_name, "soap");
    assert_int_equal(got.client_id, cid);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.signed_at, 0);
    assert_int_equal(got.starts_at, 10000);

    /* newest occurrence first */
    struct store_note *list;
    size_t count;
    assert_int_equal(store_note_list_client(f->store, &f->arena, cid, &list, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(list[0].id, id2);
    assert_int_equal(list[1].id, id1);
    assert_int_equal(store_note_list_occurrence(f->store, &f->arena, o2, &list, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(list[0].id, gid); /* the group's first */

    /* a draft changes at its version only */
    assert_int_equal(store_note_update(f->store, id1, 1, "{\"plan\":\"walk\"}", 12000), 0);
    assert_int_equal(store_note_update(f->store, id1, 1, "{\"plan\":\"run\"}", 12001),
                     -ENOENT);
    /* no addendum to a draft */
    struct store_note_addendum ad = {
        .note_id = id1, .author_id = ada, .body = "later", .created_at = 1};
    int64_t aid;
    assert_int_equal(store_note_addendum_insert(f->store, &ad, &aid), -ENOENT);
    assert_int_equal(store_note_sign(f->store, id1, 1, ada, 13000), -ENOENT);
    assert_int_equal(store_note_sign(f->store, id1, 2, ada, 13000), 0);
    assert_int_equal(store_note_get(f->store, &f->arena, id1, &got), 0);
    assert_string_equal(got.body, "{\"plan\":\"walk\"}");
    assert_int_equal(got.version, 3);
    assert_int_equal(got.signed_by, ada);
    assert_int_equal(got.signed_at, 13000);
    /* signed: no statement changes it, nor signs it again */
    assert_int_equal(store_note_update(f->store, id1, 3, "{}", 14000), -ENOENT);
    assert_int_equal(store_note_sign(f->store, id1, 3, ada, 14000), -ENOENT);
    ad.created_at = 15000;
    assert_int_equal(store_note_addendum_insert(f->store, &ad, &aid), 0);
    ad.body = "and a second thought";
    ad.created_at = 16000;
    int64_t aid2;
    assert_int_equal(store_note_addendum_insert(f->store, &ad, &aid2), 0);
    struct store_note_addendum *adds;
    assert_int_equal(store_note_addenda(f->store, &f->arena, id1, &adds, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(adds[0].id, aid);
    assert_string_equal(adds[0].body, "later");
    assert_int_equal(adds[0].author_id, ada);
    assert_string_equal(adds[1].body, "and a second thought");
    assert_int_equal(adds[1].created_at, 16000);
    assert_int_equal(store_note_addenda(f->store, &f->arena, id2, &adds, &count), 0);
    assert_int_equal(count, 0);

    /* who was let into a meeting */
    assert_int_equal(store_attendance_add(f->store, o1, cid, 0, "joined", 10000), 0);
    assert_int_equal(store_attendance_add(f->store, o1, other, 0, "joined", 10000), 0);
    assert_int_equal(store_attendance_add(f->store, o1, cid, 0, "admitted", 10010), 0);
    assert_int_equal(store_attendance_add(f->store, o1, cid, 0, "left", 10020), 0);
    assert_int_equal(store_attendance_add(f->store, o1, cid, 0, "admitted", 10030), 0);
    assert_int_equal(store_attendance_add(f->store, o1, 0, ada, "admitted", 10000), 0);
    int64_t *ids;
    assert_int_equal(store_occurrence_admitted_clients(f->store, &f->arena, o1, &ids, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(ids[0], cid);
}

static void turned_away_is_set_replaced_and_cleared(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, ada, "Two");
    int64_t sid = add_series(f->store, ada, cid, 0, 1);
    int64_t o1 = add_occurrence(f->store, sid, ada, 10000, 13000, "0000000001");
    int64_t o2 = add_occurrence(f->store, sid, ada, 20000, 23000, "0000000002");

    struct store_turned_away *list;
    size_t n;
    assert_int_equal(store_turned_away_list(f->store, &f->arena, o1, &list, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_turned_away_set(f->store, o1, cid, 0, "denied", 10100), 0);
    assert_int_equal(store_turned_away_set(f->store, o1, 0, bob, "removed", 10200), 0);
    assert_int_equal(store_turned_away_set(f->store, o1, c2, 0, "removed", 10300), 0);
    assert_int_equal(store_turned_away_set(f->store, o2, cid, 0, "removed", 20100), 0);
    /* denied, let knock again, then removed: one row, the latest */
    assert_int_equal(store_turned_away_set(f->store, o1, cid, 0, "removed", 10400), 0);
    assert_int_equal(store_turned_away_list(f->store, &f->arena, o1, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].user_id, bob);
    assert_int_equal(list[0].client_id, 0);
    assert_string_equal(list[0].what, "removed");
    assert_int_equal(list[0].at, 10200);
    assert_int_equal(list[1].client_id, c2);
    assert_int_equal(list[2].client_id, cid);
    assert_string_equal(list[2].what, "removed");
    assert_int_equal(list[2].at, 10400);
    /* let knock again: gone from this meeting only */
    assert_int_equal(store_turned_away_set(f->store, o1, cid, 0, NULL, 10500), 0);
    assert_int_equal(store_turned_away_set(f->store, o1, 0, bob, NULL, 10500), 0);
    assert_int_equal(store_turned_away_set(f->store, o1, 0, bob, NULL, 10600), 0); /* again */
    assert_int_equal(store_turned_away_list(f->store, &f->arena, o1, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].client_id, c2);
    assert_int_equal(store_turned_away_list(f->store, &f->arena, o2, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].client_id, cid);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM turned_away"), 2);
}

/* ---- a live meeting's state ---- */

/* Who was admitted and the lock, kept per occurrence: one row per person (the latest),
 * the name sealed for its row, the key as its hash; found again by the hash; gone when
 * cleared or when the meeting is over. */
struct heard_events {
    struct store_event e[8];
    int n;
};

static void hear(void *ctx, const char *payload)
{
    struct heard_events *h = ctx;
    assert_true(h->n < 8);
    assert_int_equal(store_event_parse(payload, &h->e[h->n++]), 0);
}

/* What one node tells the others comes out as it went in, to a second connection (on
 * PostgreSQL another session of the same database; on SQLite the queue in the process). */
static void events_reach_the_store_that_listens(void **state)
{
    struct fixture *f = *state;
    struct store *listener;
    assert_int_equal(store_open(f->db.url, f->seal, &listener), 0);
    assert_int_equal(store_events_listen(listener), 0);
    struct store_event revoked = {.kind = STORE_EVENT_REVOKED, .client_id = 42};
    struct store_event waiting = {.kind = STORE_EVENT_WAITING, .occurrence_id = 7, .series_id = 3,
                                  .count = 2, .staff = {11, 12, 9223372036854775807LL},
                                  .staff_count = 3};
    struct store_event asked = {.kind = STORE_EVENT_WAITING_ASKED};
    struct store_event throttled = {.kind = STORE_EVENT_THROTTLE, .node = "node-2.east",
                                    .throttle = "sign-in-address", .failed = 1,
                                    .digest = {0xde, 0xad, 0, 0xff}};
    assert_int_equal(store_event_send(f->store, &revoked), 0);
    assert_int_equal(store_event_send(f->store, &waiting), 0);
    assert_int_equal(store_event_send(f->store, &asked), 0);
    assert_int_equal(store_event_send(f->store, &throttled), 0);
    struct heard_events h = {0};
    for (int tries = 0; h.n < 4 && tries < 200; tries++) { /* NOTIFY is not instant */
        assert_int_equal(store_events_poll(listener, hear, &h), 0);
        if (h.n < 4)
            usleep(10000);
    }
    assert_int_equal(h.n, 4);
    assert_int_equal(h.e[3].kind, STORE_EVENT_THROTTLE);
    assert_string_equal(h.e[3].node, "node-2.east");
    assert_string_equal(h.e[3].throttle, "sign-in-address");
    assert_true(h.e[3].failed);
    assert_memory_equal(h.e[3].digest, throttled.digest, sizeof throttled.digest);
    assert_int_equal(h.e[0].kind, STORE_EVENT_REVOKED);
    assert_int_equal(h.e[0].client_id, 42);
    assert_int_equal(h.e[0].user_id, 0);
    assert_int_equal(h.e[1].kind, STORE_EVENT_WAITING);
    assert_int_equal(h.e[1].occurrence_id, 7);
    assert_int_equal(h.e[1].series_id, 3);
    assert_int_equal(h.e[1].count, 2);
    assert_int_equal(h.e[1].staff_count, 3);
    assert_int_equal(h.e[1].staff[2], 9223372036854775807LL);
    assert_int_equal(h.e[2].kind, STORE_EVENT_WAITING_ASKED);
    /* heard once */
    h.n = 0;
    assert_int_equal(store_events_poll(listener, hear, &h), 0);
    assert_int_equal(h.n, 0);
    store_close(listener);

    /* text that is not an event is refused, whatever its shape */
    static const char *const bad[] = {
        "", "revoked", "revoked 1", "revoked 1 1", "revoked 0 0", "revoked -1 0", "revoked 1 0 ",
        "revoked 99999999999999999999 0", "waiting 1 2 3", "waiting 1 2 3 ", "waiting 0 2 3 4",
        "waiting 1 2 3 4,", "waiting 1 2 3 1,2,3,4,5,6,7,8,9", "waiting 1 2 1001 4",
        "waiting? ", "Waiting?", "revoked 1 0\n", "throttle a join f", "throttle a join x 00",
        "throttle a join f 0011223344556677889900aabbccddeeff",
        "throttle a join f 00112233445566778899aabbccddeeZZ", "throttle a/b join f 00",
        "throttle  join f 00112233445566778899aabbccddeeff",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct store_event e;
        if (store_event_parse(bad[i], &e) != -EINVAL)
            fail_msg("\"%s\" was read as an event", bad[i]);
    }
}

/* Two nodes and one meeting: the first to claim carries it until its lease runs out
 * unrenewed; the other is told where it is meanwhile. */
static void a_meeting_lease_is_held_by_one_node_at_a_time(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t sid = add_series(f->store, ada, cid, 0, 1);
    int64_t o1 = add_occurrence(f->store, sid, ada, 10000, 13000, "0000000001");
    int64_t o2 = add_occurrence(f->store, sid, ada, 20000, 23000, "0000000002");
    const char *url_a = "https://v.example.org/node/a", *url_b = "https://v.example.org/node/b";
    struct store_lease_holder h;
    /* both nodes alive all along (on PostgreSQL a node is alive while its lock is held) */
    struct store *nodes;
    assert_int_equal(store_open(f->db.url, f->seal, &nodes), 0);
    assert_int_equal(store_node_hold(nodes, "a"), 0);
    assert_int_equal(store_node_hold(nodes, "b"), 0);

    assert_int_equal(store_lease_claim(f->store, o1, "a", url_a, 1000, 11000, &h), 0);
    /* b, while a's lease runs: refused, and told where the meeting is */
    assert_int_equal(store_lease_claim(f->store, o1, "b", url_b, 5000, 15000, &h), -EBUSY);
    assert_string_equal(h.node_id, "a");
    assert_string_equal(h.node_url, url_a);
    assert_int_equal(h.expires_at, 11000);
    /* a again (it reopened the meeting): still a's, extended */
    assert_int_equal(store_lease_claim(f->store, o1, "a", url_a, 6000, 16000, &h), 0);
    assert_int_equal(store_lease_claim(f->store, o2, "b", url_b, 6000, 16000, &h), 0);

    /* a renews what it holds, and only that */
    int64_t *held;
    size_t n;
    assert_int_equal(store_lease_renew(f->store, &f->arena, "a", 19000, &held, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(held[0], o1);
    /* a stops renewing: at its expiry b takes the meeting over */
    assert_int_equal(store_lease_claim(f->store, o1, "b", url_b, 18999, 29000, &h), -EBUSY);
    assert_int_equal(store_lease_claim(f->store, o1, "b", url_b, 19000, 29000, &h), 0);
    assert_int_equal(store_lease_renew(f->store, &f->arena, "a", 30000, &held, &n), 0);
    assert_int_equal(n, 0); /* a learns it lost the meeting */
    assert_int_equal(store_lease_renew(f->store, &f->arena, "b", 30000, &held, &n), 0);
    assert_int_equal(n, 2);

    /* releasing: one meeting, then all of a node's; only its own */
    assert_int_equal(store_lease_release(f->store, o1, "a"), 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM meeting_leases"), 2);
    assert_int_equal(store_lease_release(f->store, o1, "b"), 0);
    assert_int_equal(store_lease_claim(f->store, o1, "a", url_a, 31000, 41000, &h), 0);
    assert_int_equal(store_lease_release(f->store, 0, "b"), 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM meeting_leases"), 1);
    /* the sweep takes leases long expired */
    assert_int_equal(store_lease_sweep(f->store, 40999), 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM meeting_leases"), 1);
    assert_int_equal(store_lease_sweep(f->store, 41000), 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM meeting_leases"), 0);
    store_close(nodes);
}

/* A node that dies lets go of its meetings at once on PostgreSQL (its connection's lock
 * goes with it); on SQLite, one process, only the lease's time decides. Two processes
 * under one node_id are refused. */
static void a_dead_nodes_meetings_are_taken_over(void **state)
{
    struct fixture *f = *state;
    int pg = strncmp(f->db.url, "postgres", 8) == 0;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t sid = add_series(f->store, ada, cid, 0, 1);
    int64_t o1 = add_occurrence(f->store, sid, ada, 10000, 13000, "0000000001");
    struct store *node_a;
    assert_int_equal(store_open(f->db.url, f->seal, &node_a), 0);
    assert_int_equal(store_node_hold(node_a, "a"), 0);
    assert_int_equal(store_node_hold(f->store, "b"), 0);
    struct store *again;
    assert_int_equal(store_open(f->db.url, f->seal, &again), 0);
    assert_int_equal(store_node_hold(again, "a"), pg ? -EBUSY : 0);
    store_close(again);

    struct store_lease_holder h;
    assert_int_equal(store_lease_claim(node_a, o1, "a", "https://v.example.org/node/a", 1000,
                                       11000, &h), 0);
    assert_int_equal(store_lease_claim(f->store, o1, "b", "https://v.example.org/node/b", 2000,
                                       12000, &h), -EBUSY);
    store_close(node_a); /* a dies: its connection closes */
    int rc = -EBUSY;
    for (int tries = 0; rc == -EBUSY && tries < 100; tries++) {
        rc = store_lease_claim(f->store, o1, "b", "https://v.example.org/node/b", 2000, 12000, &h);
        if (rc == -EBUSY && pg)
            usleep(10000); /* the server notices the closed connection */
        else if (rc == -EBUSY)
            break;
    }
    assert_int_equal(rc, pg ? 0 : -EBUSY);
    assert_string_equal(h.node_id, "a"); /* who held it (before the take-over) */
}

static void meeting_state_is_kept_found_and_deleted(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, ada, "Two");
    int64_t sid = add_series(f->store, ada, cid, 0, 1);
    int64_t o1 = add_occurrence(f->store, sid, ada, 10000, 13000, "0000000001");
    int64_t o2 = add_occurrence(f->store, sid, ada, 20000, 23000, "0000000002");

    struct store_admitted host = {0, ada, 1, "host", "Dr Ada", {0}, 10050};
    struct store_admitted one = {cid, 0, 2, "client", "Quiet Name", {0}, 10100};
    struct store_admitted two = {c2, 0, 3, "client", "Two", {0}, 10200};
    memset(host.key_hash, 1, 32);
    memset(one.key_hash, 2, 32);
    memset(two.key_hash, 3, 32);
    assert_int_equal(store_admitted_set(f->store, o1, &host), 0);
    assert_int_equal(store_admitted_set(f->store, o1, &one), 0);
    assert_int_equal(store_admitted_set(f->store, o1, &two), 0);
    /* One back with a new key: still one row, the new key */
    memset(one.key_hash, 4, 32);
    one.admitted_at = 10300;
    assert_int_equal(store_admitted_set(f->store, o1, &one), 0);
    struct store_admitted *list;
    size_t n;
    assert_int_equal(store_admitted_list(f->store, &f->arena, o1, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[0].participant, 1);
    assert_int_equal(list[0].user_id, ada);
    assert_int_equal(list[0].client_id, 0);
    assert_string_equal(list[0].role, "host");
    assert_string_equal(list[1].name, "Quiet Name");
    assert_int_equal(list[1].client_id, cid);
    assert_int_equal(list[1].admitted_at, 10300);
    assert_memory_equal(list[1].key_hash, one.key_hash, 32);
    assert_false(raw_blob_holds(f, "SELECT name_sealed FROM meeting_admitted WHERE participant = 2",
                                "Quiet Name"));
    int64_t occ;
    assert_int_equal(store_admitted_by_key_hash(f->store, one.key_hash, &occ), 0);
    assert_int_equal(occ, o1);
    uint8_t old[32];
    memset(old, 2, 32); /* the key One had before */
    assert_int_equal(store_admitted_by_key_hash(f->store, old, &occ), -ENOENT);
    /* the lock, per occurrence */
    int locked = -1;
    assert_int_equal(store_meeting_locked(f->store, o1, &locked), 0);
    assert_int_equal(locked, 0);
    assert_int_equal(store_meeting_lock_set(f->store, o1, 1, 10400), 0);
    assert_int_equal(store_meeting_lock_set(f->store, o1, 1, 10500), 0); /* again */
    assert_int_equal(store_meeting_locked(f->store, o1, &locked), 0);
    assert_int_equal(locked, 1);
    assert_int_equal(store_meeting_locked(f->store, o2, &locked), 0);
    assert_int_equal(locked, 0);
    assert_int_equal(store_meeting_lock_set(f->store, o1, 0, 10600), 0);
    assert_int_equal(store_meeting_locked(f->store, o1, &locked), 0);
    assert_int_equal(locked, 0);
    /* removed: gone from this meeting only */
    memset(two.key_hash, 5, 32);
    assert_int_equal(store_admitted_set(f->store, o2, &two), 0);
    assert_int_equal(store_admitted_clear(f->store, o1, c2, 0), 0);
    assert_int_equal(store_admitted_list(f->store, &f->arena, o1, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_admitted_list(f->store, &f->arena, o2, &list, &n), 0);
    assert_int_equal(n, 1);
    /* over: nothing of it stays */
    assert_int_equal(store_meeting_lock_set(f->store, o1, 1, 10700), 0);
    assert_int_equal(store_meeting_state_delete(f->store, o1), 0);
    assert_int_equal(store_admitted_list(f->store, &f->arena, o1, &list, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_meeting_locked(f->store, o1, &locked), 0);
    assert_int_equal(locked, 0);
    assert_int_equal(store_admitted_by_key_hash(f->store, one.key_hash, &occ), -ENOENT);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM meeting_admitted"), 1);
    /* the sweep: o2 (ends at 23000) goes once it is over, not before */
    assert_int_equal(store_meeting_lock_set(f->store, o2, 1, 20500), 0);
    assert_int_equal(store_meeting_state_sweep(f->store, 22999), 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM meeting_admitted"), 1);
    assert_int_equal(store_meeting_state_sweep(f->store, 23000), 0);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM meeting_admitted"), 0);
    assert_int_equal(store_meeting_locked(f->store, o2, &locked), 0);
    assert_int_equal(locked, 0);
}

/* ---- the outbox ---- */

#define LEASE 90000 /* how long a claim holds in these tests */

static int64_t add_mail(struct store *s, const char *message_id, int64_t created_at)
{
    const char *message = "Subject: Your session\r\n\r\nSee you on Tuesday.\r\n";
    struct store_mail m = {.message_id = (char *)message_id,
                           .kind = "invite",
                           .recipient = "grace@example.org",
                           .message = (char *)message,
                           .message_len = strlen(message),
                           .created_at = created_at};
    int64_t id = 0;
    assert_int_equal(store_mail_insert(s, &m, &id), 0);
    assert_true(id > 0);
    return id;
}

static int64_t mail_count(struct store *s, enum store_mail_state state)
{
    int64_t n = -1;
    assert_int_equal(store_mail_count(s, state, &n), 0);
    return n;
}

static void mail_is_claimed_oldest_first_and_sealed(void **state)
{
    struct fixture *f = *state;
    int64_t m2 = add_mail(f->store, "m2@confide", 200);
    int64_t m1 = add_mail(f->store, "m1@confide", 100);
    int64_t m3 = add_mail(f->store, "m3@confide", 300);
    assert_int_equal(store_mail_insert(f->store,
                                       &(struct store_mail){.message_id = "m1@confide",
                                                            .kind = "invite",
                                                            .recipient = "x@example.org",
                                                            .message = "x",
                                                            .message_len = 1},
                                       &(int64_t){0}),
                     -EEXIST);
    assert_int_equal(mail_count(f->store, MAIL_PENDING), 3);
    assert_int_equal(mail_count(f->store, MAIL_SENDING), 0);
    assert_false(raw_blob_holds(f, "SELECT recipient_sealed FROM outbox LIMIT 1", "grace@"));
    assert_false(raw_blob_holds(f, "SELECT message_sealed FROM outbox LIMIT 1", "Tuesday"));

    /* nothing is due before it was written */
    struct store_mail *list;
    size_t n;
    assert_int_equal(store_mail_claim(f->store, &f->arena, 99, 10, "n1", 99 + LEASE, &list, &n), 0);
    assert_int_equal(n, 0);
    /* at 250 two are due; at most one is taken, the oldest */
    assert_int_equal(store_mail_claim(f->store, &f->arena, 250, 1, "n1", 250 + LEASE, &list, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, m1);
    assert_string_equal(list[0].message_id, "m1@confide");
    assert_string_equal(list[0].kind, "invite");
    assert_string_equal(list[0].recipient, "grace@example.org");
    assert_string_equal(list[0].message, "Subject: Your session\r\n\r\nSee you on Tuesday.\r\n");
    assert_int_equal(list[0].message_len, strlen(list[0].message));
    assert_int_equal(list[0].state, MAIL_SENDING);
    assert_int_equal(list[0].attempts, 1);
    assert_int_equal(list[0].created_at, 100);
    assert_int_equal(list[0].sent_at, 0);
    assert_int_equal(mail_count(f->store, MAIL_PENDING), 2);
    assert_int_equal(mail_count(f->store, MAIL_SENDING), 1);
    assert_int_equal(store_mail_claim(f->store, &f->arena, 250, 10, "n1", 250 + LEASE, &list, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, m2);
    /* claimed ones are not claimed again */
    assert_int_equal(store_mail_claim(f->store, &f->arena, 1000, 10, "n1", 1000 + LEASE, &list, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, m3);
    assert_int_equal(mail_count(f->store, MAIL_SENDING), 3);
}

static void mail_is_sent_retried_failed_and_recovered(void **state)
{
    struct fixture *f = *state;
    int64_t a = add_mail(f->store, "a@confide", 100);
    int64_t b = add_mail(f->store, "b@confide", 100);
    int64_t c = add_mail(f->store, "c@confide", 100);
    int64_t d = add_mail(f->store, "d@confide", 100);
    struct store_mail *list;
    size_t n;
    assert_int_equal(store_mail_claim(f->store, &f->arena, 100, 10, "n1", 100 + LEASE, &list, &n),
                     0);
    assert_int_equal(n, 4);

    assert_int_equal(store_mail_sent(f->store, a, 150), 0);
    assert_int_equal(raw_int(f, "SELECT sent_at FROM outbox WHERE message_id = 'a@confide'"), 150);
    /* only the claim's holder turns it back or fails it */
    assert_int_equal(store_mail_retry(f->store, b, "n2", 500, "421 try later"), -ENOENT);
    assert_int_equal(store_mail_fail(f->store, c, "n2", "550 no such user"), -ENOENT);
    assert_int_equal(store_mail_retry(f->store, b, "n1", 500, "421 try later"), 0);
    assert_int_equal(store_mail_fail(f->store, c, "n1", "550 no such user"), 0);
    assert_int_equal(store_mail_fail(f->store, c, "n1", "again"), -ENOENT); /* not sending */
    assert_int_equal(raw_int(f, "SELECT count(*) FROM outbox WHERE last_error ="
                                " '550 no such user' AND message_id = 'c@confide'"),
                     1);
    assert_int_equal(mail_count(f->store, MAIL_SENT), 1);
    assert_int_equal(mail_count(f->store, MAIL_PENDING), 1);
    assert_int_equal(mail_count(f->store, MAIL_FAILED), 1);
    assert_int_equal(mail_count(f->store, MAIL_SENDING), 1);
    assert_int_equal(store_mail_sent(f->store, d + 1, 150), -ENOENT);
    assert_int_equal(store_mail_retry(f->store, d + 1, "n1", 150, "x"), -ENOENT);
    assert_int_equal(store_mail_fail(f->store, d + 1, "n1", "x"), -ENOENT);

    /* the retried mail waits for its next attempt, then counts a second one */
    assert_int_equal(store_mail_claim(f->store, &f->arena, 499, 10, "n1", 499 + LEASE, &list, &n),
                     0);
    assert_int_equal(n, 0);
    assert_int_equal(store_mail_claim(f->store, &f->arena, 500, 10, "n1", 500 + LEASE, &list, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, b);
    assert_int_equal(list[0].attempts, 2);
    assert_int_equal(list[0].next_attempt_at, 500);

    /* after a crash, the two left sending (b and d) go back to pending */
    int64_t recovered = -1;
    assert_int_equal(store_mail_recover(f->store, "n1", &recovered), 0);
    assert_int_equal(recovered, 2);
    assert_int_equal(mail_count(f->store, MAIL_SENDING), 0);
    assert_int_equal(mail_count(f->store, MAIL_PENDING), 2);
    assert_int_equal(store_mail_recover(f->store, "n1", &recovered), 0);
    assert_int_equal(recovered, 0);
}

static int64_t mail_state_is(struct fixture *f, int64_t id, const char *state)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE id = %lld AND state = '%s'",
             (long long)id, state);
    return raw_int(f, sql);
}

/* Three nodes on one database: n1 restarts, n2 is sending, n3 died mid-send. */
static void mail_claims_belong_to_their_node(void **state)
{
    struct fixture *f = *state;
    int64_t m1 = add_mail(f->store, "n1@confide", 100);
    int64_t m2 = add_mail(f->store, "n2@confide", 110);
    int64_t m3 = add_mail(f->store, "n3@confide", 120);
    int64_t old = add_mail(f->store, "old@confide", 130);
    struct store_mail *list;
    size_t n;
    assert_int_equal(store_mail_claim(f->store, &f->arena, 1000, 1, "n1", 1000 + LEASE, &list, &n),
                     0);
    assert_true(n == 1 && list[0].id == m1);
    assert_int_equal(store_mail_claim(f->store, &f->arena, 1000, 1, "n2", 5000 + LEASE, &list, &n),
                     0);
    assert_true(n == 1 && list[0].id == m2);
    assert_int_equal(store_mail_claim(f->store, &f->arena, 1000, 1, "n3", 2000, &list, &n), 0);
    assert_true(n == 1 && list[0].id == m3);
    /* a row left sending before claims had owners (migration 016) */
    raw_exec(f, "UPDATE outbox SET state = 'sending' WHERE message_id = 'old@confide'");
    assert_int_equal(raw_int(f, "SELECT count(*) FROM outbox WHERE claimed_by = 'n2'"
                                " AND claim_expires_at = 95000"),
                     1);

    /* n1 starts again: only its own claim goes back to pending */
    int64_t changed = -1;
    assert_int_equal(store_mail_recover(f->store, "n1", &changed), 0);
    assert_int_equal(changed, 1);
    assert_int_equal(mail_state_is(f, m1, "pending"), 1);
    assert_int_equal(mail_state_is(f, m2, "sending"), 1);
    assert_int_equal(mail_state_is(f, m3, "sending"), 1);

    /* n3's claim has lapsed at 2000; the node holds no more than what is still its own */
    int held = -1;
    assert_int_equal(store_mail_hold(f->store, "n3", m3, 2000, 2000 + LEASE, &held), 0);
    assert_int_equal(held, 0);
    assert_int_equal(store_mail_hold(f->store, "n1", m2, 2000, 2000 + LEASE, &held), 0);
    assert_int_equal(held, 0); /* another node's */
    assert_int_equal(store_mail_hold(f->store, "n2", m2, 2000, 2000 + LEASE, &held), 0);
    assert_int_equal(held, 1);
    assert_int_equal(raw_int(f, "SELECT claim_expires_at FROM outbox WHERE message_id ="
                                " 'n2@confide'"),
                     2000 + LEASE);

    /* any node's next claim: the lapsed claim and the ownerless one go back, the live
     * one stays n2's */
    assert_int_equal(store_mail_release(f->store, 2000, &changed), 0);
    assert_int_equal(changed, 2);
    assert_int_equal(mail_state_is(f, m3, "pending"), 1);
    assert_int_equal(mail_state_is(f, old, "pending"), 1);
    assert_int_equal(mail_state_is(f, m2, "sending"), 1);
    assert_int_equal(raw_int(f, "SELECT count(*) FROM outbox WHERE claimed_by IS NOT NULL"), 1);
    assert_int_equal(store_mail_claim(f->store, &f->arena, 2000, 10, "n1", 2000 + LEASE, &list, &n),
                     0);
    assert_int_equal(n, 3); /* m1, m3, old; never m2 */
    for (size_t i = 0; i < n; i++)
        assert_true(list[i].id != m2);
    assert_int_equal(store_mail_release(f->store, 2000 + LEASE - 1, &changed), 0);
    assert_int_equal(changed, 0);
    assert_int_equal(store_mail_recover(f->store, "n3", &changed), 0);
    assert_int_equal(changed, 0); /* n3 starting again finds nothing of its own */
}

/* The reminder pass's lock: one connection at a time on PostgreSQL; always on SQLite. */
static void reminders_lock_is_taken_by_one_node(void **state)
{
    struct fixture *f = *state;
    struct store *other;
    assert_int_equal(store_open(f->db.url, f->seal, &other), 0);
    assert_int_equal(store_reminders_try_lock(f->store), 1);
    assert_int_equal(store_reminders_try_lock(other), test_db_is_pg() ? 0 : 1);
    if (!test_db_is_pg())
        store_reminders_unlock(other);
    store_reminders_unlock(f->store);
    assert_int_equal(store_reminders_try_lock(other), 1);
    assert_int_equal(store_reminders_try_lock(f->store), test_db_is_pg() ? 0 : 1);
    store_reminders_unlock(other);
    store_close(other);
    /* a node that dies holding it (its connection goes) leaves it to the others */
    assert_int_equal(store_reminders_try_lock(f->store), 1);
    store_reminders_unlock(f->store);
    if (!test_db_is_pg())
        store_reminders_unlock(f->store);
}

/* ---- reminders ---- */

static void reminders_are_due_once_per_offset(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t sid = add_series(f->store, ada, add_client(f->store, ada, "One"), 0, 1);
    const int64_t hour = 3600000, now = 1000000;
    int64_t soon = add_occurrence(f->store, sid, ada, now + hour / 2, now + hour, "0000000001");
    int64_t edge = add_occurrence(f->store, sid, ada, now + hour, now + 2 * hour, "0000000002");
    add_occurrence(f->store, sid, ada, now + hour + 1, now + 2 * hour, "0000000003");
    add_occurrence(f->store, sid, ada, now, now + hour, "0000000004"); /* begun */
    int64_t cancelled =
        add_occurrence(f->store, sid, ada, now + hour / 4, now + hour, "0000000005");
    struct store_occurrence o;
    assert_int_equal(store_occurrence_get(f->store, &f->arena, cancelled, &o), 0);
    o.cancelled_at = 1;
    assert_int_equal(store_occurrence_update(f->store, &o), 0);

    struct store_occurrence *list;
    size_t n;
    assert_int_equal(store_reminders_due(f->store, &f->arena, now, 60, &list, &n), 0);
    assert_int_equal(n, 2); /* by start: within the hour, not begun, not cancelled */
    assert_int_equal(list[0].id, soon);
    assert_int_equal(list[1].id, edge);
    assert_string_equal(list[1].password, "secret");

    assert_int_equal(store_reminder_mark(f->store, soon, 60, now), 0);
    assert_int_equal(store_reminder_mark(f->store, soon, 60, now), -EEXIST);
    assert_int_equal(store_reminders_due(f->store, &f->arena, now, 60, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, edge);
    /* another offset is reminded of separately */
    assert_int_equal(store_reminders_due(f->store, &f->arena, now, 45, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, soon);

    /* a cancelled series has no reminders */
    struct store_series se;
    assert_int_equal(store_series_get(f->store, &f->arena, sid, &se), 0);
    se.cancelled_at = 5;
    assert_int_equal(store_series_update(f->store, &se), 0);
    assert_int_equal(store_reminders_due(f->store, &f->arena, now, 60, &list, &n), 0);
    assert_int_equal(n, 0);
}

/* ---- polls ---- */

static int64_t add_poll(struct store *s, int64_t therapist_id, int64_t group_id, const char *title)
{
    struct store_poll p = {.therapist_id = therapist_id,
                           .group_id = group_id,
                           .title = (char *)title,
                           .time_zone = "Europe/Berlin",
                           .duration_minutes = 90,
                           .created_at = 7000};
    int64_t id = 0;
    assert_int_equal(store_poll_insert(s, &p, &id), 0);
    assert_true(id > 0);
    return id;
}

static void polls_round_trip_list_and_close(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t ga = add_group(f->store, ada, "Ada's");
    int64_t gb = add_group(f->store, bob, "Bob's");
    int64_t p1 = add_poll(f->store, ada, ga, "Autumn block");
    int64_t p2 = add_poll(f->store, bob, gb, "Bob's block");
    int64_t p3 = add_poll(f->store, ada, ga, "Winter block");

    struct store_poll p;
    assert_int_equal(store_poll_get(f->store, &f->arena, p1, &p), 0);
    assert_int_equal(p.id, p1);
    assert_int_equal(p.therapist_id, ada);
    assert_int_equal(p.group_id, ga);
    assert_string_equal(p.title, "Autumn block");
    assert_string_equal(p.time_zone, "Europe/Berlin");
    assert_int_equal(p.duration_minutes, 90);
    assert_int_equal(p.created_at, 7000);
    assert_int_equal(p.closed_at, 0);
    assert_int_equal(p.session_id, 0);
    assert_int_equal(store_poll_get(f->store, &f->arena, p3 + 1, &p), -ENOENT);
    assert_false(raw_blob_holds(f, "SELECT title_sealed FROM polls WHERE id = 1", "Autumn"));

    struct store_poll *list;
    size_t n;
    assert_int_equal(store_poll_list(f->store, &f->arena, ada, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, p1);
    assert_int_equal(list[1].id, p3);
    assert_string_equal(list[1].title, "Winter block");
    assert_int_equal(store_poll_list(f->store, &f->arena, 0, &list, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(list[1].id, p2);

    int64_t sid = add_series(f->store, ada, 0, ga, 1);
    assert_int_equal(store_poll_close(f->store, p1, sid, 8000), 0);
    assert_int_equal(store_poll_close(f->store, p1, sid, 8001), -ENOENT);
    assert_int_equal(store_poll_close(f->store, p3 + 1, sid, 8001), -ENOENT);
    assert_int_equal(store_poll_get(f->store, &f->arena, p1, &p), 0);
    assert_int_equal(p.closed_at, 8000);
    assert_int_equal(p.session_id, sid);
    /* closed without a session: session_id stays 0 */
    assert_int_equal(store_poll_close(f->store, p3, 0, 8002), 0);
    assert_int_equal(store_poll_get(f->store, &f->arena, p3, &p), 0);
    assert_int_equal(p.closed_at, 8002);
    assert_int_equal(p.session_id, 0);
}

static void poll_slots_invites_and_answers(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t gid = add_group(f->store, ada, "Circle");
    int64_t c1 = add_client(f->store, ada, "One");
    int64_t c2 = add_client(f->store, ada, "Two");
    int64_t pid = add_poll(f->store, ada, gid, "Block");
    int64_t other = add_poll(f->store, ada, gid, "Other");

    int64_t late = 0, early = 0, other_slot = 0;
    assert_int_equal(store_poll_slot_insert(f->store, pid, 50000, &late), 0);
    assert_int_equal(store_poll_slot_insert(f->store, pid, 40000, &early), 0);
    assert_int_equal(store_poll_slot_insert(f->store, pid, 50000, &(int64_t){0}), -EEXIST);
    assert_int_equal(store_poll_slot_insert(f->store, other, 50000, &other_slot), 0);
    assert_true(late > 0 && early > 0 && other_slot > 0);
    struct store_poll_slot *slots;
    size_t n;
    assert_int_equal(store_poll_slot_list(f->store, &f->arena, pid, &slots, &n), 0);
    assert_int_equal(n, 2); /* by start */
    assert_int_equal(slots[0].id, early);
    assert_int_equal(slots[0].poll_id, pid);
    assert_int_equal(slots[0].starts_at, 40000);
    assert_int_equal(slots[1].id, late);
    assert_int_equal(slots[1].starts_at, 50000);

    struct store_poll_invite inv = {
        .poll_id = pid, .client_id = c2, .token = "poll-two", .created_at = 7100};
    memset(inv.token_hash, 0x42, 32);
    int64_t i2 = 0, i1 = 0;
    assert_int_equal(store_poll_invite_insert(f->store, &inv, &i2), 0);
    memset(inv.token_hash, 0x43, 32);
    assert_int_equal(store_poll_invite_insert(f->store, &inv, &(int64_t){0}), -EEXIST);
    inv.client_id = c1;
    inv.token = "poll-one";
    memset(inv.token_hash, 0x41, 32);
    assert_int_equal(store_poll_invite_insert(f->store, &inv, &i1), 0);
    assert_false(raw_blob_holds(f, "SELECT token_sealed FROM poll_invites LIMIT 1", "poll-"));

    struct store_poll_invite *invites;
    assert_int_equal(store_poll_invite_list(f->store, &f->arena, pid, &invites, &n), 0);
    assert_int_equal(n, 2); /* by client */
    assert_int_equal(invites[0].id, i1);
    assert_int_equal(invites[0].client_id, c1);
    assert_string_equal(invites[0].token, "poll-one");
    assert_int_equal(invites[1].id, i2);
    assert_string_equal(invites[1].token, "poll-two");
    assert_int_equal(invites[1].poll_id, pid);
    assert_int_equal(invites[1].created_at, 7100);
    assert_int_equal(store_poll_invite_list(f->store, &f->arena, other, &invites, &n), 0);
    assert_int_equal(n, 0);

    uint8_t hash[32];
    memset(hash, 0x42, 32);
    struct store_poll_invite got;
    assert_int_equal(store_poll_invite_by_token_hash(f->store, &f->arena, hash, &got), 0);
    assert_int_equal(got.id, i2);
    assert_int_equal(got.client_id, c2);
    assert_memory_equal(got.token_hash, hash, 32);
    assert_string_equal(got.token, "poll-two");
    memset(hash, 0x43, 32);
    assert_int_equal(store_poll_invite_by_token_hash(f->store, &f->arena, hash, &got), -ENOENT);

    struct store_poll_answer ans = {
        .invite_id = i2, .slot_id = late, .answer = STORE_ANSWER_MAYBE, .answered_at = 7200};
    assert_int_equal(store_poll_answer_set(f->store, &ans), 0);
    ans.slot_id = early;
    ans.answer = STORE_ANSWER_NO;
    assert_int_equal(store_poll_answer_set(f->store, &ans), 0);
    ans.invite_id = i1;
    ans.answer = STORE_ANSWER_YES;
    assert_int_equal(store_poll_answer_set(f->store, &ans), 0);
    /* answering again changes the answer */
    ans.invite_id = i2;
    ans.slot_id = late;
    ans.answer = STORE_ANSWER_YES;
    ans.answered_at = 7300;
    assert_int_equal(store_poll_answer_set(f->store, &ans), 0);

    struct store_poll_answer *answers;
    assert_int_equal(store_poll_answer_list(f->store, &f->arena, pid, &answers, &n), 0);
    assert_int_equal(n, 3); /* by invite, then slot */
    /* ids rise in the order rows were written: i2 before i1, late before early */
    assert_true(i2 < i1 && late < early);
    assert_int_equal(answers[0].invite_id, i2);
    assert_int_equal(answers[0].slot_id, late);
    assert_int_equal(answers[0].answer, STORE_ANSWER_YES);
    assert_int_equal(answers[0].answered_at, 7300);
    assert_int_equal(answers[1].invite_id, i2);
    assert_int_equal(answers[1].slot_id, early);
    assert_int_equal(answers[1].answer, STORE_ANSWER_NO);
    assert_int_equal(answers[2].invite_id, i1);
    assert_int_equal(answers[2].slot_id, early);
    assert_int_equal(answers[2].answer, STORE_ANSWER_YES);
    assert_int_equal(store_poll_answer_list(f->store, &f->arena, other, &answers, &n), 0);
    assert_int_equal(n, 0);
}

/* ---- a full disk ---- */

/* ---- client rights: the registry, export, erasure, the purge ---- */

#define DAY INT64_C(86400000)

static int64_t add_client_at(struct store *s, int64_t therapist_id, const char *name,
                             const char *email)
{
    struct store_client c = {.therapist_id = therapist_id,
                             .name = (char *)name,
                             .email = (char *)email,
                             .phone = "+49 30 1234567",
                             .time_zone = "Europe/Berlin",
                             .created_at = 2000};
    int64_t id = 0;
    assert_int_equal(store_client_insert(s, &c, &id), 0);
    return id;
}

static void add_mail_to(struct store *s, const char *message_id, const char *to)
{
    struct store_mail m = {.message_id = (char *)message_id,
                           .kind = "invite",
                           .recipient = (char *)to,
                           .message = "Subject: hello\r\n\r\nhi\r\n",
                           .message_len = 21,
                           .created_at = 3000};
    int64_t id;
    assert_int_equal(store_mail_insert(s, &m, &id), 0);
}

static const struct store_record_set *set_of(const struct store_record_set *sets, size_t n,
                                             const char *kind)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sets[i].kind, kind) == 0)
            return &sets[i];
    fail_msg("no %s in the export", kind);
    return NULL;
}

static const char *field_text(const struct store_record_set *set, size_t row, const char *name)
{
    const struct store_record_field *f = &set->fields[row * (size_t)set->field_count];
    for (int i = 0; i < set->field_count; i++)
        if (strcmp(f[i].name, name) == 0)
            return f[i].type == STORE_FIELD_TEXT ? f[i].text : NULL;
    fail_msg("no field %s in %s", name, set->kind);
    return NULL;
}

static void registry_names_sealed_columns_key_rotation_knows(void **state)
{
    (void)state;
    for (int k = 0; k < client_record_count; k++) {
        const struct client_record_kind *kind = &client_records[k];
        assert_non_null(kind->table);
        assert_true(kind->rows || kind->match_column);
        if (kind->held == STORE_RECORD_KEEP_UNTIL_RETENTION)
            assert_non_null(kind->time);
        for (int c = 0; c < CLIENT_RECORD_COLUMNS && kind->columns[c].name; c++) {
            const char *label = kind->columns[c].sealed;
            if (kind->columns[c].value != CR_SEALED)
                continue;
            int known = 0;
            for (int i = 0; i < store_sealed_column_count; i++)
                known |= strcmp(store_sealed_columns[i].label, label) == 0;
            assert_true(known);
            assert_non_null(kind->columns[c].sealed_for);
        }
    }
}

static void clients_are_exported_erased_with_a_hold_and_purged(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->store;
    int64_t ada = add_user(s, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t one = add_client_at(s, ada, "Robin One", "robin@example.org");
    int64_t two = add_client_at(s, ada, "Sasha Two", "sasha@example.org");
    int64_t gid = add_group(s, ada, "Thursday circle");
    assert_int_equal(store_group_member_add(s, gid, one, 100), 0);
    assert_int_equal(store_group_member_add(s, gid, two, 100), 0);
    assert_int_equal(store_agreement_accept(s, one, gid, 1, 6000), 0);
    /* a meeting of the group long ago, one 400 days in, and a one-to-one then too */
    int64_t gs = add_series(s, ada, 0, gid, 1);
    int64_t old = add_occurrence(s, gs, ada, 10 * DAY, 10 * DAY + 3600000, "0000000001");
    int64_t recent = add_occurrence(s, gs, ada, 400 * DAY, 400 * DAY + 3600000, "0000000002");
    int64_t own = add_series(s, ada, one, 0, 2);
    int64_t own_meeting = add_occurrence(s, own, ada, 401 * DAY, 401 * DAY + 3600000, "0000000003");
    assert_int_equal(store_attendance_add(s, old, one, 0, "joined", 10 * DAY + 5), 0);
    assert_int_equal(store_attendance_add(s, recent, one, 0, "joined", 400 * DAY + 5), 0);
    assert_int_equal(store_attendance_add(s, recent, two, 0, "joined", 400 * DAY + 6), 0);
    assert_int_equal(store_attendance_add(s, own_meeting, one, 0, "joined", 401 * DAY + 5), 0);
    assert_int_equal(store_attendance_add(s, own_meeting, 0, ada, "joined", 401 * DAY + 4), 0);
    add_invite(s, gs, one, 0x41);
    add_invite(s, gs, two, 0x42);
    add_invite(s, own, one, 0x43);
    add_mail_to(s, "m1@confide", "robin@example.org");
    add_mail_to(s, "m2@confide", "sasha@example.org");
    assert_int_equal(store_audit(s, ada, "client.read", one, 7000), 0);
    assert_int_equal(store_audit(s, ada, "client.read", two, 7001), 0);

    /* the copy: every kind of record about Robin, and nothing of Sasha */
    struct store_record_set *sets;
    size_t n;
    assert_int_equal(store_client_records(s, &f->arena, one, 1, &sets, &n), 0);
    const struct store_record_set *contact = set_of(sets, n, "contact");
    assert_int_equal(contact->count, 1);
    assert_string_equal(field_text(contact, 0, "name"), "Robin One");
    assert_string_equal(field_text(contact, 0, "email"), "robin@example.org");
    const struct store_record_set *groups = set_of(sets, n, "group_memberships");
    assert_int_equal(groups->count, 1);
    assert_string_equal(field_text(groups, 0, "group"), "Thursday circle");
    assert_int_equal(set_of(sets, n, "agreements")->count, 1);
    assert_int_equal(set_of(sets, n, "attendance")->count, 3);
    assert_int_equal(set_of(sets, n, "session_links")->count, 2);
    assert_int_equal(set_of(sets, n, "mail")->count, 1);
    assert_int_equal(set_of(sets, n, "meetings")->count, 1);
    assert_int_equal(set_of(sets, n, "sessions")->count, 1);
    assert_int_equal(set_of(sets, n, "audit")->count, 1);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(sets[i].title); /* the bookkeeping rows are not in it */
        for (size_t k = 0; k < sets[i].count * (size_t)sets[i].field_count; k++) {
            const char *text = sets[i].fields[k].text;
            assert_true(!text || (!strstr(text, "Sasha") && !strstr(text, "sasha@")));
        }
    }

    /* erased on day 500 with one year's retention: the old meeting's records go, the
     * recent ones are held; contact, links and mail go at once */
    struct store_retention r = {.years = 1,
                                .cutoff = retention_cutoff(500 * DAY, 1),
                                .held_until = retention_held_until};
    struct store_erase_preview *preview;
    size_t np;
    assert_int_equal(store_client_erase_preview(s, &f->arena, one, &r, &preview, &np), 0);
    int previewed = 0;
    for (size_t i = 0; i < np; i++) {
        if (strcmp(preview[i].kind, "attendance") == 0) {
            assert_int_equal(preview[i].rows, 3);
            assert_int_equal(preview[i].kept, 2);
            assert_int_equal(preview[i].held_until, retention_held_until(401 * DAY, 1));
            previewed++;
        }
        if (strcmp(preview[i].kind, "mail") == 0) {
            assert_int_equal(preview[i].rows, 1);
            previewed++;
        }
    }
    assert_int_equal(previewed, 2);
    int64_t erased;
    struct store_record_hold *holds;
    size_t nh;
    assert_int_equal(store_client_erase(s, &f->arena, one, &r, 500 * DAY, &erased, &holds, &nh),
                     0);
    assert_true(erased >= 6); /* membership, 2 links, mail, old attendance, agreement */
    assert_int_equal(raw_count(f, "SELECT count(*) FROM group_members"), 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM invites"), 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM outbox"), 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM agreement_acceptances"), 0);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM clients WHERE id = %lld AND phone_sealed IS NULL"
             " AND erased_at = %lld AND archived_at IS NOT NULL",
             (long long)one, (long long)(500 * DAY));
    assert_int_equal(raw_count(f, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM attendance WHERE client_id = %lld",
             (long long)one);
    assert_int_equal(raw_count(f, sql), 2);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM series WHERE id = %lld AND cancelled_at = %lld",
             (long long)own, (long long)(500 * DAY));
    assert_int_equal(raw_count(f, sql), 1);
    /* the holds, each from its newest record */
    struct store_record_hold *listed;
    size_t nl;
    assert_int_equal(store_record_holds(s, &f->arena, one, &listed, &nl), 0);
    assert_int_equal(nl, nh);
    int found = 0;
    for (size_t i = 0; i < nl; i++)
        if (strcmp(listed[i].kind, "attendance") == 0) {
            assert_int_equal(listed[i].held_until, retention_held_until(401 * DAY, 1));
            found = 1;
        }
    assert_true(found);
    struct store_client gone;
    assert_int_equal(store_client_get(s, &f->arena, one, &gone), -ENOENT);
    struct store_rights_client rc;
    assert_int_equal(store_rights_client_get(s, &f->arena, one, &rc), -ENOENT);
    assert_int_equal(store_client_erase(s, &f->arena, one, &r, 500 * DAY, &erased, &holds, &nh),
                     -ENOENT);
    struct store_client *left;
    assert_int_equal(store_client_list(s, &f->arena, ada, &left, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(left[0].id, two);

    /* the purge: nothing before the hold ends, everything of Robin after it */
    int64_t rows, clients;
    r = (struct store_retention){.years = 1,
                                 .cutoff = retention_cutoff(700 * DAY, 1),
                                 .held_until = retention_held_until};
    assert_int_equal(store_records_purge(s, &r, &rows, &clients), 0);
    assert_int_equal(rows, 0);
    assert_int_equal(clients, 0);
    r.cutoff = retention_cutoff(800 * DAY, 1);
    assert_int_equal(store_records_purge(s, &r, &rows, &clients), 0);
    assert_true(rows >= 5); /* attendance x3, the meeting, the session */
    assert_int_equal(clients, 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM clients WHERE id = %lld", (long long)one);
    assert_int_equal(raw_count(f, sql), 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM record_holds"), 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM series"), 1);
    /* Sasha's records are all there; the audit log is as it was */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM attendance WHERE client_id = %lld",
             (long long)two);
    assert_int_equal(raw_count(f, sql), 1);
    assert_int_equal(store_client_records(s, &f->arena, two, 1, &sets, &n), 0);
    assert_int_equal(set_of(sets, n, "mail")->count, 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM audit_log"), 2);
}

static void assert_integrity_ok(struct fixture *f)
{
    sqlite3 *raw;
    assert_int_equal(sqlite3_open_v2(f->db.path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(raw);
}

static void sqlite_failures_map_to_errno(void **state)
{
    (void)state;
    assert_int_equal(store_sqlite_errno(SQLITE_FULL, 0), -ENOSPC);
    /* a full disk met as an I/O error: writing the WAL, growing the shared-memory index */
    assert_int_equal(store_sqlite_errno(SQLITE_IOERR_WRITE, ENOSPC), -ENOSPC);
    assert_int_equal(store_sqlite_errno(SQLITE_IOERR_SHMSIZE, ENOSPC), -ENOSPC);
    assert_int_equal(store_sqlite_errno(SQLITE_IOERR_TRUNCATE, EFBIG), -ENOSPC);
    assert_int_equal(store_sqlite_errno(SQLITE_IOERR_FSYNC, EDQUOT), -ENOSPC);
    /* a failing disk is not a full one */
    assert_int_equal(store_sqlite_errno(SQLITE_IOERR_WRITE, EIO), -EIO);
    assert_int_equal(store_sqlite_errno(SQLITE_IOERR_READ, 0), -EIO);
    assert_int_equal(store_sqlite_errno(SQLITE_CORRUPT, 0), -EIO);
    assert_int_equal(store_sqlite_errno(SQLITE_BUSY, 0), -EIO);
    assert_int_equal(store_sqlite_errno(SQLITE_CONSTRAINT_UNIQUE, 0), -EEXIST);
    assert_int_equal(store_sqlite_errno(SQLITE_CONSTRAINT_PRIMARYKEY, 0), -EEXIST);
    assert_int_equal(store_sqlite_errno(SQLITE_CONSTRAINT_FOREIGNKEY, 0), -EIO);
}

static void a_burst_of_refusals_is_reported_once(void **state)
{
    (void)state;
    struct store_space sp = {0};
    assert_int_equal(store_space_wrote(&sp, 0), STORE_SPACE_QUIET);
    assert_int_equal(store_space_refused(&sp, 1000), STORE_SPACE_FULL);
    for (int i = 1; i <= 100; i++)
        assert_int_equal(store_space_refused(&sp, 1000 + i), STORE_SPACE_QUIET);
    /* an hour on, a reminder; then quiet again */
    assert_int_equal(store_space_refused(&sp, 1000 + STORE_SPACE_REPORT_MS),
                     STORE_SPACE_STILL_FULL);
    assert_int_equal(store_space_refused(&sp, 1001 + STORE_SPACE_REPORT_MS), STORE_SPACE_QUIET);
    assert_int_equal(sp.since_ms, 1000);
    assert_int_equal(store_space_wrote(&sp, 2000 + STORE_SPACE_REPORT_MS), STORE_SPACE_BACK);
    assert_int_equal(store_space_wrote(&sp, 2001 + STORE_SPACE_REPORT_MS), STORE_SPACE_QUIET);
    assert_int_equal(sp.refused, 103);
    /* the next one starts a new burst */
    assert_int_equal(store_space_refused(&sp, 5000 + STORE_SPACE_REPORT_MS), STORE_SPACE_FULL);
    assert_int_equal(sp.since_ms, 5000 + STORE_SPACE_REPORT_MS);
}

static int64_t audit_entries(struct fixture *f)
{
    int64_t count = 0, bad = 0;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    assert_int_equal(store_audit_verify(f->store, &count, &bad, head), 0);
    assert_int_equal(bad, 0);
    return count;
}

/* One transaction of 20 audit entries, committed or rolled back whole. */
static int audit_burst(struct fixture *f, int64_t user, int64_t at)
{
    int rc = store_begin(f->store);
    if (rc < 0)
        return rc;
    for (int k = 0; rc == 0 && k < 20; k++)
        rc = store_audit(f->store, user, "client.read", k + 1, at);
    if (rc == 0)
        rc = store_commit(f->store);
    if (rc < 0)
        store_rollback(f->store);
    return rc;
}

/* The full disk below is a SQLite VFS (tests/support/full_disk.h); PostgreSQL's is its
 * server's to meet, and its SQLSTATE 53100 is -ENOSPC like SQLITE_FULL. */
static int sqlite_only(const char *test)
{
    if (!test_db_is_pg())
        return 0;
    printf("skipped on PostgreSQL: %s tests SQLite's own full-disk handling\n", test);
    return 1;
}

static void a_full_disk_refuses_whole_transactions_and_recovers(void **state)
{
    if (sqlite_only(__func__))
        skip();
    struct fixture *f = *state;
    int64_t user = add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    int64_t before = audit_entries(f);
    full_disk_begin();
    int rc = 0, committed = 0;
    for (int i = 0; i < 2000 && rc == 0; i++)
        if ((rc = audit_burst(f, user, 1000 + i)) == 0)
            committed++;
    assert_int_equal(rc, -ENOSPC);
    assert_int_equal(store_space_refusals(f->store), 1);
    /* reads go on; the refused transaction left no entry and no break in the chain */
    struct store_user u;
    assert_int_equal(store_user_by_id(f->store, &f->arena, user, &u), 0);
    assert_int_equal(audit_entries(f), before + 20 * committed);
    /* still full: refused again, the connection is not stuck in a half transaction */
    assert_int_equal(audit_burst(f, user, 5000), -ENOSPC);
    assert_int_equal(store_space_refusals(f->store), 2);

    full_disk_end();
    assert_int_equal(audit_burst(f, user, 6000), 0);
    assert_int_equal(audit_entries(f), before + 20 * (committed + 1));
    assert_int_equal(store_space_refusals(f->store), 2);
    assert_false(f->store->space.full);

    assert_integrity_ok(f);
}

/* Mails n .. n+count-1 of 32 KiB each in one transaction, committed or rolled back whole. */
static int big_mails(struct fixture *f, int n, int count, const char *payload)
{
    int rc = store_begin(f->store);
    for (int i = n; rc == 0 && i < n + count; i++) {
        char mid[48];
        snprintf(mid, sizeof mid, "%d@big", i);
        struct store_mail m = {.message_id = mid,
                               .kind = "invite",
                               .recipient = "grace@example.org",
                               .message = (char *)payload,
                               .message_len = strlen(payload),
                               .created_at = i};
        int64_t id = 0;
        rc = store_mail_insert(f->store, &m, &id);
    }
    if (rc == 0)
        rc = store_commit(f->store);
    if (rc < 0)
        store_rollback(f->store);
    return rc;
}

/* After a checkpoint SQLite writes the WAL from its start again, so on a full disk commits
 * that fit in it still go through; the next checkpoint (at 1000 pages) cannot grow the
 * database file and fails, the WAL is kept, and the commit that would grow it is refused.
 * Nothing committed is lost and the database stays whole. */
static void a_checkpoint_on_a_full_disk_leaves_the_database_whole(void **state)
{
    if (sqlite_only(__func__))
        skip();
    struct fixture *f = *state;
    size_t size = 32 * 1024;
    char *payload = malloc(size + 1);
    memset(payload, 'x', size);
    payload[size] = 0;
    /* one transaction of ~1500 pages: the WAL file grows past the checkpoint's 1000, the
     * checkpoint after it copies everything, and the next write starts the WAL over */
    int n = 170;
    assert_int_equal(big_mails(f, 0, n, payload), 0);
    assert_int_equal(big_mails(f, n++, 1, payload), 0);

    full_disk_begin();
    int fitted = 0, rc;
    while ((rc = big_mails(f, n, 1, payload)) == 0) {
        n++;
        fitted++;
        assert_true(fitted < 1000);
    }
    assert_int_equal(rc, -ENOSPC);
    assert_true(fitted > 110); /* past the checkpoint at 1000 pages */
    assert_int_equal(mail_count(f->store, MAIL_PENDING), n);

    full_disk_end();
    assert_int_equal(big_mails(f, n++, 1, payload), 0);
    assert_int_equal(mail_count(f->store, MAIL_PENDING), n);
    assert_integrity_ok(f);
    free(payload);
}

/* A migration as PostgreSQL runs it: the three type rules on whole words, nothing in
 * comments or strings, nothing else changed. */
static void migrations_read_as_postgresql(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, b BLOB);",
         "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
         "at BIGINT NOT NULL, b BYTEA);"},
        {"x INTEGER -- an INTEGER and a BLOB\ny BLOB",
         "x BIGINT -- an INTEGER and a BLOB\ny BYTEA"},
        {"DEFAULT 'INTEGER BLOB', c INTEGER", "DEFAULT 'INTEGER BLOB', c BIGINT"},
        {"DEFAULT 'it''s INTEGER', INTEGERS BLOBS my_INTEGER integer",
         "DEFAULT 'it''s INTEGER', INTEGERS BLOBS my_INTEGER integer"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf out = {0};
        store_sql_for_postgresql(cases[i].in, &out);
        if (strcmp(out.data ? out.data : "", cases[i].out) != 0)
            fail_msg("%s\n gave %s\n want %s", cases[i].in, out.data ? out.data : "", cases[i].out);
        buf_free(&out);
    }
    /* a PG_ONLY clause: a comment to SQLite, the clause to PostgreSQL */
    {
        const char *plain = "SELECT 1 FROM t";
        struct buf scratch = {0};
        assert_ptr_equal(store_query_for_postgresql(plain, &scratch), plain);
        const char *q = "SELECT id FROM t LIMIT 1 " PG_ONLY("FOR UPDATE SKIP LOCKED") ") x";
        assert_string_equal(store_query_for_postgresql(q, &scratch),
                            "SELECT id FROM t LIMIT 1 FOR UPDATE SKIP LOCKED) x");
        buf_free(&scratch);
    }
    /* every shipped migration reads without a leftover SQLite type name */
    for (int m = 0; m < store_migration_count; m++) {
        if (store_migrations[m].pg_sql)
            continue;
        struct buf out = {0};
        store_sql_for_postgresql(store_migrations[m].sql, &out);
        for (const char *line = out.data; line && *line;) {
            size_t n = strcspn(line, "\n");
            const char *dash = strstr(line, "--");
            size_t code = dash && (size_t)(dash - line) < n ? (size_t)(dash - line) : n;
            char text[512];
            snprintf(text, sizeof text, "%.*s", (int)(code < 511 ? code : 511), line);
            if (strstr(text, " BLOB") || strstr(text, " INTEGER"))
                fail_msg("migration %d: %s", store_migrations[m].version, text);
            line += n + (line[n] == '\n');
        }
        buf_free(&out);
    }
}

/* ---- check-ins and risk alerts ---- */

static void checkins_choices_answers_and_alerts(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t grace = add_client(f->store, ada, "Grace Hopper");
    int64_t group = add_group(f->store, ada, "Tuesday group");
    int64_t se = add_series(f->store, ada, grace, 0, 1);
    int64_t occ = add_occurrence(f->store, se, ada, 10000, 20000, "m-checkins");

    char *measures = NULL;
    assert_int_equal(store_checkin_choice_get(f->store, &f->arena, grace, 0, &measures), -ENOENT);
    assert_int_equal(store_checkin_choice_set(f->store, grace, 0, "phq9", 100), 0);
    assert_int_equal(store_checkin_choice_set(f->store, grace, 0, "phq9,mood", 200), 0);
    assert_int_equal(store_checkin_choice_set(f->store, 0, group, "gad7", 200), 0);
    assert_int_equal(store_checkin_choice_get(f->store, &f->arena, grace, 0, &measures), 0);
    assert_string_equal(measures, "phq9,mood");
    assert_int_equal(store_checkin_choice_get(f->store, &f->arena, 0, group, &measures), 0);
    assert_string_equal(measures, "gad7");

    struct store_checkin phq = {.client_id = grace,
                                .occurrence_id = occ,
                                .measure = "phq9",
                                .total = 8,
                                .band = "mild",
                                .risk = 1,
                                .answers = "1,1,2,0,1,0,1,0,2",
                                .answered_at = 15000};
    struct store_checkin mood = {.client_id = grace,
                                 .occurrence_id = occ,
                                 .measure = "mood",
                                 .total = 6,
                                 .answers = "6",
                                 .word = "wistfulness",
                                 .answered_at = 15001};
    int64_t id1 = 0, id2 = 0, alert = 0;
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(store_checkin_add(f->store, &phq, &id1), 0);
    assert_int_equal(store_checkin_add(f->store, &mood, &id2), 0);
    assert_int_equal(store_care_alert_add(f->store, grace, ada, id1, occ, 15000, &alert), 0);
    assert_int_equal(store_commit(f->store), 0);
    /* once per occurrence and measure */
    int64_t again = 0;
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(store_checkin_add(f->store, &phq, &again), -EEXIST);
    store_rollback(f->store);

    char *answered = NULL;
    assert_int_equal(store_checkin_answered(f->store, &f->arena, occ, grace, &answered), 0);
    assert_true(strcmp(answered, "phq9,mood") == 0 || strcmp(answered, "mood,phq9") == 0);
    assert_int_equal(store_checkin_answered(f->store, &f->arena, occ + 1, grace, &answered), 0);
    assert_string_equal(answered, "");

    struct store_checkin *list;
    size_t n;
    assert_int_equal(store_checkin_list(f->store, &f->arena, grace, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].measure, "phq9");
    assert_string_equal(list[0].answers, "1,1,2,0,1,0,1,0,2");
    assert_string_equal(list[0].band, "mild");
    assert_true(list[0].risk);
    assert_null(list[0].word);
    assert_string_equal(list[1].word, "wistfulness");
    assert_null(list[1].band);
    assert_int_equal(list[1].occurrence_id, occ);
    assert_false(raw_blob_holds(f, "SELECT word_sealed FROM checkins WHERE measure = 'mood'",
                                "wistful"));
    assert_false(raw_blob_holds(f, "SELECT answers_sealed FROM checkins WHERE measure = 'phq9'",
                                "1,1,2"));

    struct store_care_alert *alerts;
    assert_int_equal(store_care_alert_open(f->store, &f->arena, bob, &alerts, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_care_alert_open(f->store, &f->arena, ada, &alerts, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(alerts[0].id, alert);
    assert_string_equal(alerts[0].client_name, "Grace Hopper");
    assert_string_equal(alerts[0].measure, "phq9");
    assert_int_equal(alerts[0].raised_at, 15000);
    /* seen by its practitioner only, once */
    assert_int_equal(store_care_alert_seen(f->store, alert, bob, bob, 16000), -ENOENT);
    assert_int_equal(store_care_alert_seen(f->store, alert, ada, ada, 16000), 0);
    assert_int_equal(store_care_alert_seen(f->store, alert, ada, ada, 16001), -ENOENT);
    assert_int_equal(store_care_alert_open(f->store, &f->arena, ada, &alerts, &n), 0);
    assert_int_equal(n, 0);

    /* in a group session: its co-facilitator sees it too, and "seen" by one is seen by all;
     * a co-facilitator of another group sees neither it nor the one-to-one alerts */
    int64_t cat = add_user(f->store, "cat@example.org", STORE_ROLE_THERAPIST);
    int64_t other = add_group(f->store, ada, "Thursday group");
    assert_int_equal(store_group_facilitator_add(f->store, group, bob), 0);
    assert_int_equal(store_group_facilitator_add(f->store, other, cat), 0);
    int64_t group_se = add_series(f->store, ada, 0, group, 2);
    int64_t group_occ = add_occurrence(f->store, group_se, ada, 30000, 40000, "m-checkins-group");
    struct store_checkin in_group = phq;
    in_group.occurrence_id = group_occ;
    in_group.answered_at = 35000;
    int64_t id3 = 0, group_alert = 0, own_alert = 0;
    assert_int_equal(store_checkin_add(f->store, &in_group, &id3), 0);
    assert_int_equal(store_care_alert_add(f->store, grace, ada, id3, group_occ, 35000, &group_alert),
                     0);
    assert_int_equal(store_care_alert_add(f->store, grace, ada, id1, occ, 35001, &own_alert), 0);
    assert_int_equal(store_care_alert_open(f->store, &f->arena, ada, &alerts, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_care_alert_open(f->store, &f->arena, bob, &alerts, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(alerts[0].id, group_alert);
    assert_string_equal(alerts[0].client_name, "Grace Hopper");
    assert_int_equal(alerts[0].occurrence_id, group_occ);
    assert_int_equal(store_care_alert_open(f->store, &f->arena, cat, &alerts, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_care_alert_seen(f->store, group_alert, cat, cat, 36000), -ENOENT);
    assert_int_equal(store_care_alert_seen(f->store, own_alert, bob, bob, 36000), -ENOENT);
    assert_int_equal(store_care_alert_seen(f->store, group_alert, bob, bob, 36000), 0);
    assert_int_equal(store_care_alert_seen(f->store, group_alert, ada, ada, 36001), -ENOENT);
    assert_int_equal(store_care_alert_open(f->store, &f->arena, ada, &alerts, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(alerts[0].id, own_alert);
    assert_int_equal(store_care_alert_open(f->store, &f->arena, bob, &alerts, &n), 0);
    assert_int_equal(n, 0);
    /* who saw it, for the others who see it */
    assert_int_equal(store_care_alert_seen_by_others(f->store, &f->arena, ada, 30000, &alerts, &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(alerts[0].id, group_alert);
    assert_int_equal(alerts[0].seen_by, bob);
    assert_int_equal(alerts[0].seen_at, 36000);
    assert_string_equal(alerts[0].seen_by_name, "Dr Ada Byron"); /* add_user's name */
    assert_string_equal(alerts[0].client_name, "Grace Hopper");
    assert_int_equal(store_care_alert_seen_by_others(f->store, &f->arena, ada, 36001, &alerts, &n),
                     0);
    assert_int_equal(n, 0);
    assert_int_equal(store_care_alert_seen_by_others(f->store, &f->arena, bob, 0, &alerts, &n), 0);
    assert_int_equal(n, 0); /* his own */
    assert_int_equal(store_care_alert_seen_by_others(f->store, &f->arena, cat, 0, &alerts, &n), 0);
    assert_int_equal(n, 0);
    /* once no longer a co-facilitator, no longer shown */
    assert_int_equal(store_group_facilitator_remove(f->store, group, bob), 0);
    int64_t later = 0;
    assert_int_equal(store_care_alert_add(f->store, grace, ada, id3, group_occ, 37000, &later), 0);
    assert_int_equal(store_care_alert_open(f->store, &f->arena, bob, &alerts, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_care_alert_seen(f->store, later, bob, bob, 37001), -ENOENT);
    assert_int_equal(store_care_alert_seen(f->store, later, ada, ada, 37002), 0);
    assert_int_equal(store_care_alert_seen_by_others(f->store, &f->arena, bob, 0, &alerts, &n), 0);
    assert_int_equal(n, 0);
}

/* A check-in from the messaging page is for the client's next occurrence within
 * CHECKINS_AHEAD_MS (or in progress): one-to-one or of a group they are still in, not
 * cancelled or ended, their link not revoked. What is due for it is what the waiting room
 * would ask, and an answer kept from either way is not due again on the other. */
static void checkins_are_for_the_next_occurrence_and_asked_once(void **state)
{
    struct fixture *f = *state;
    const int64_t H = 3600 * 1000, now = 1000 * H;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t grace = add_client(f->store, ada, "Grace Hopper");
    int64_t alan = add_client(f->store, ada, "Alan Turing");
    int64_t group = add_group(f->store, bob, "Circle");
    assert_int_equal(store_group_member_add(f->store, group, grace, 100), 0);
    int64_t own = add_series(f->store, ada, grace, 0, 1);
    int64_t circle = add_series(f->store, bob, 0, group, 2);
    int64_t alans = add_series(f->store, ada, alan, 0, 3);
    add_invite(f->store, own, grace, 0x41);
    int64_t in_circle = add_invite(f->store, circle, grace, 0x42);
    add_invite(f->store, alans, alan, 0x43);
    add_occurrence(f->store, own, ada, now - 26 * H, now - 25 * H, "0000000101"); /* over */
    int64_t ended = add_occurrence(f->store, own, ada, now - H / 2, now + H / 2, "0000000102");
    int64_t cancelled = add_occurrence(f->store, own, ada, now + H, now + 2 * H, "0000000103");
    int64_t tomorrow = add_occurrence(f->store, own, ada, now + 24 * H, now + 25 * H, "0000000104");
    int64_t group_day =
        add_occurrence(f->store, circle, bob, now + 30 * H, now + 31 * H, "0000000105");
    add_occurrence(f->store, own, ada, now + 80 * H, now + 81 * H, "0000000106"); /* too far */
    add_occurrence(f->store, alans, ada, now + 2 * H, now + 3 * H, "0000000107"); /* not hers */
    struct store_occurrence o;
    assert_int_equal(store_occurrence_get(f->store, &f->arena, cancelled, &o), 0);
    o.cancelled_at = now - H;
    assert_int_equal(store_occurrence_update(f->store, &o), 0);

    /* in progress counts: the one that started half an hour ago, until it is ended */
    struct store_next_occurrence next;
    assert_int_equal(
        store_client_next_occurrence(f->store, grace, now, now + CHECKINS_AHEAD_MS, &next), 0);
    assert_int_equal(next.occurrence_id, ended);
    assert_int_equal(store_occurrence_end(f->store, ended, now), 0);
    assert_int_equal(
        store_client_next_occurrence(f->store, grace, now, now + CHECKINS_AHEAD_MS, &next), 0);
    assert_int_equal(next.occurrence_id, tomorrow);
    assert_int_equal(next.group_id, 0);
    assert_int_equal(next.therapist_id, ada);
    assert_int_equal(next.starts_at, now + 24 * H);

    /* the choice that applies: hers for one-to-one, the group's for the group's */
    unsigned due = 99;
    assert_int_equal(checkins_next(f->store, &f->arena, grace, now, &next, &due), 0);
    assert_int_equal(due, 0); /* nothing chosen yet */
    assert_int_equal(store_checkin_choice_set(f->store, grace, 0, "phq9,mood", now), 0);
    assert_int_equal(store_checkin_choice_set(f->store, 0, group, "gad7", now), 0);
    assert_int_equal(checkins_next(f->store, &f->arena, grace, now, &next, &due), 0);
    assert_int_equal(due, (1u << MEASURE_PHQ9) | (1u << MEASURE_MOOD));

    /* answered from the messages page: kept, audited, a risk alert for the therapist */
    const int phq[9] = {1, 1, 2, 0, 1, 0, 1, 0, 1};
    struct checkin_record row = {.client_id = grace,
                                 .occurrence_id = next.occurrence_id,
                                 .therapist_id = next.therapist_id,
                                 .measure = MEASURE_PHQ9,
                                 .answers = phq,
                                 .answer_count = 9,
                                 .at = now + 5};
    assert_int_equal(measure_score(MEASURE_PHQ9, phq, 9, &row.result), 0);
    int64_t id = 0, alert = 0;
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(checkin_record(f->store, &row, &id, &alert), 0);
    assert_int_equal(store_commit(f->store), 0);
    assert_true(id > 0 && alert > 0);
    struct store_care_alert *alerts;
    size_t n;
    assert_int_equal(store_care_alert_open(f->store, &f->arena, ada, &alerts, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(alerts[0].checkin_id, id);
    assert_int_equal(alerts[0].occurrence_id, tomorrow);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM audit_log WHERE action IN"
                                  " ('checkin.answer', 'care_alert.raise')"),
                     2);
    /* not asked again, here or in the waiting room; a second answer is refused */
    assert_int_equal(checkins_next(f->store, &f->arena, grace, now, &next, &due), 0);
    assert_int_equal(due, 1u << MEASURE_MOOD);
    assert_int_equal(checkins_due_for(f->store, &f->arena, grace, 0, tomorrow, &due, NULL), 0);
    assert_int_equal(due, 1u << MEASURE_MOOD);
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(checkin_record(f->store, &row, &id, &alert), -EEXIST);
    store_rollback(f->store);

    /* tomorrow's cancelled: the group's session is next, with the group's choice */
    assert_int_equal(store_occurrence_get(f->store, &f->arena, tomorrow, &o), 0);
    o.cancelled_at = now;
    assert_int_equal(store_occurrence_update(f->store, &o), 0);
    assert_int_equal(checkins_next(f->store, &f->arena, grace, now, &next, &due), 0);
    assert_int_equal(next.occurrence_id, group_day);
    assert_int_equal(next.group_id, group);
    assert_int_equal(next.therapist_id, bob);
    assert_int_equal(due, 1u << MEASURE_GAD7);
    /* out of the group (or her link revoked): nothing within 72 hours */
    assert_int_equal(store_group_member_remove(f->store, group, grace), 0);
    assert_int_equal(checkins_next(f->store, &f->arena, grace, now, &next, &due), -ENOENT);
    assert_int_equal(store_group_member_add(f->store, group, grace, now), 0);
    assert_int_equal(store_client_next_occurrence(f->store, grace, now, now + 72 * H, &next), 0);
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE invites SET revoked_at = 1 WHERE id = %lld",
             (long long)in_circle);
    raw_exec(f, sql);
    assert_int_equal(store_client_next_occurrence(f->store, grace, now, now + 72 * H, &next),
                     -ENOENT);
    /* the one 80 hours ahead comes within reach later */
    assert_int_equal(
        store_client_next_occurrence(f->store, grace, now + 10 * H, now + 82 * H, &next), 0);
    assert_int_equal(next.starts_at, now + 80 * H);
    assert_int_equal(store_client_next_occurrence(f->store, alan, now, now + 72 * H, &next), 0);
    assert_int_equal(next.starts_at, now + 2 * H);
}

/* A group's interest link (one open at a time, found by its token's hash, sealed) and its
 * waitlist (every word sealed, oldest first, deleted one by one); members since when. */
static void interest_links_and_the_waitlist(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t gid = add_group(f->store, ada, "Circle");
    int64_t other = add_group(f->store, ada, "Other");
    int64_t c1 = add_client(f->store, ada, "One");
    assert_int_equal(store_group_member_add(f->store, gid, c1, 4000), 0);
    struct store_membership *ms;
    size_t n;
    assert_int_equal(store_memberships_of_client(f->store, &f->arena, c1, &ms, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ms[0].group_id, gid);
    assert_int_equal(ms[0].added_at, 4000);
    assert_int_equal(store_memberships_of_group(f->store, &f->arena, gid, &ms, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ms[0].client_id, c1);
    assert_int_equal(store_memberships_of_group(f->store, &f->arena, other, &ms, &n), 0);
    assert_int_equal(n, 0);

    struct store_interest_link got;
    assert_int_equal(store_interest_open(f->store, &f->arena, gid, &got), -ENOENT);
    struct store_interest_link l = {.group_id = gid,
                                    .created_by = ada,
                                    .token = "tok-first",
                                    .questions = "[\"What brings you here?\"]",
                                    .created_at = 5000};
    memset(l.token_hash, 1, sizeof l.token_hash);
    int64_t first = 0, second = 0;
    assert_int_equal(store_interest_insert(f->store, &l, &first), 0);
    assert_int_equal(store_interest_open(f->store, &f->arena, gid, &got), 0);
    assert_int_equal(got.id, first);
    assert_string_equal(got.token, "tok-first");
    assert_string_equal(got.questions, "[\"What brings you here?\"]");
    assert_int_equal(got.closed_at, 0);
    assert_false(raw_blob_holds(f, "SELECT questions_sealed FROM interest_links", "brings"));
    assert_false(raw_blob_holds(f, "SELECT token_sealed FROM interest_links", "tok-first"));
    /* a second link: the first closes */
    int64_t closed = 0;
    assert_int_equal(store_interest_close(f->store, gid, 6000, &closed), 0);
    assert_int_equal(closed, 1);
    l.token = "tok-second";
    memset(l.token_hash, 2, sizeof l.token_hash);
    assert_int_equal(store_interest_insert(f->store, &l, &second), 0);
    assert_int_equal(store_interest_open(f->store, &f->arena, gid, &got), 0);
    assert_int_equal(got.id, second);
    uint8_t hash[32];
    memset(hash, 1, sizeof hash);
    assert_int_equal(store_interest_by_token_hash(f->store, &f->arena, hash, &got), 0);
    assert_int_equal(got.id, first);
    assert_int_equal(got.closed_at, 6000);
    memset(hash, 3, sizeof hash);
    assert_int_equal(store_interest_by_token_hash(f->store, &f->arena, hash, &got), -ENOENT);
    assert_int_equal(store_interest_close(f->store, other, 6000, &closed), 0);
    assert_int_equal(closed, 0);

    struct store_waitlist_entry w = {.group_id = gid,
                                     .link_id = second,
                                     .name = "Robin Vale",
                                     .contact = "{\"email\":\"robin@example.org\"}",
                                     .times = "{\"parts\":[\"weekends\"],\"note\":\"\"}",
                                     .answers = "[{\"question\":\"Why?\",\"answer\":\"Lighthouse\"}]",
                                     .created_at = 7000};
    int64_t e1 = 0, e2 = 0;
    assert_int_equal(store_waitlist_insert(f->store, &w, &e1), 0);
    w.name = "Sam Reed";
    w.created_at = 8000;
    assert_int_equal(store_waitlist_insert(f->store, &w, &e2), 0);
    struct store_waitlist_entry *list;
    assert_int_equal(store_waitlist_list(f->store, &f->arena, gid, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].id, e1);
    assert_string_equal(list[0].name, "Robin Vale");
    assert_string_equal(list[0].answers, "[{\"question\":\"Why?\",\"answer\":\"Lighthouse\"}]");
    assert_string_equal(list[1].name, "Sam Reed");
    assert_false(raw_blob_holds(f, "SELECT name_sealed FROM waitlist_entries WHERE id = 1", "Robin"));
    assert_false(raw_blob_holds(f, "SELECT contact_sealed FROM waitlist_entries WHERE id = 1",
                                "robin@"));
    assert_false(raw_blob_holds(f, "SELECT times_sealed FROM waitlist_entries WHERE id = 1",
                                "weekends"));
    assert_false(raw_blob_holds(f, "SELECT answers_sealed FROM waitlist_entries WHERE id = 1",
                                "Lighthouse"));
    struct store_waitlist_entry one;
    assert_int_equal(store_waitlist_get(f->store, &f->arena, e2, &one), 0);
    assert_string_equal(one.contact, "{\"email\":\"robin@example.org\"}");
    assert_int_equal(store_waitlist_delete(f->store, e1), 0);
    assert_int_equal(store_waitlist_delete(f->store, e1), -ENOENT);
    assert_int_equal(store_waitlist_get(f->store, &f->arena, e1, &one), -ENOENT);
    assert_int_equal(store_waitlist_list(f->store, &f->arena, gid, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_waitlist_list(f->store, &f->arena, other, &list, &n), 0);
    assert_int_equal(n, 0);
}

/* ---- billing (billing.c) and the charges occurrences bring (practice/charging.c) ---- */

static void billing_services_fees_charges_and_payments(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->store;
    int64_t ada = add_user(s, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(s, "bob@example.org", STORE_ROLE_THERAPIST);
    int64_t c1 = add_client(s, ada, "One");
    int64_t c2 = add_client(s, bob, "Two");
    /* services: seeded once, listed with archived ones, updated */
    int seeded = 0;
    assert_int_equal(charging_seed_services(s, 1000, &seeded), 0);
    assert_int_equal(seeded, 7);
    assert_int_equal(charging_seed_services(s, 2000, &seeded), 0);
    assert_int_equal(seeded, 0);
    struct store_service *list;
    size_t n;
    assert_int_equal(store_service_list(s, &f->arena, &list, &n), 0);
    assert_int_equal(n, 7);
    assert_string_equal(list[0].cpt, "90791");
    struct store_service sv = list[2]; /* 90834 */
    assert_string_equal(sv.cpt, "90834");
    sv.fee_cents = 15000;
    sv.archived_at = 3000;
    assert_int_equal(store_service_update(s, &sv), 0);
    struct store_service got;
    assert_int_equal(store_service_get(s, &f->arena, sv.id, &got), 0);
    assert_int_equal(got.fee_cents, 15000);
    assert_int_equal(got.archived_at, 3000);
    sv.archived_at = 0;
    assert_int_equal(store_service_update(s, &sv), 0);
    /* a series' service */
    int64_t se = add_series(s, ada, c1, 0, 1);
    int64_t service_id = -1;
    assert_int_equal(store_series_service_get(s, se, &service_id), 0);
    assert_int_equal(service_id, 0);
    assert_int_equal(store_series_service_set(s, se, sv.id), 0);
    assert_int_equal(store_series_service_get(s, se, &service_id), 0);
    assert_int_equal(service_id, sv.id);
    /* fee terms */
    struct store_client_fee fee = {c1, 0, 12000, 5000};
    assert_int_equal(store_client_fee_set(s, &fee), 0);
    fee.fee_cents = 11000;
    assert_int_equal(store_client_fee_set(s, &fee), 0); /* replaces */
    fee.service_id = sv.id;
    fee.fee_cents = 9000;
    assert_int_equal(store_client_fee_set(s, &fee), 0);
    struct store_client_fee *fees;
    assert_int_equal(store_client_fees(s, &f->arena, c1, &fees, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(fees[0].service_id, 0);
    assert_int_equal(fees[0].fee_cents, 11000);
    assert_int_equal(store_client_fee_remove(s, c1, sv.id), 0);
    assert_int_equal(store_client_fee_remove(s, c1, sv.id), -ENOENT);
    struct store_client_billing b;
    assert_int_equal(store_client_billing_get(s, &f->arena, c1, &b), -ENOENT);
    b = (struct store_client_billing){.client_id = c1,
                                      .scale_kind = "percent",
                                      .scale_value = 60,
                                      .insurance = "{\"payer\":\"Aetna\"}",
                                      .diagnoses = "[\"F43.10\"]",
                                      .updated_at = 6000};
    assert_int_equal(store_client_billing_put(s, &b), 0);
    b.scale_value = 50;
    assert_int_equal(store_client_billing_put(s, &b), 0);
    assert_int_equal(store_client_billing_get(s, &f->arena, c1, &b), 0);
    assert_int_equal(b.scale_value, 50);
    assert_string_equal(b.insurance, "{\"payer\":\"Aetna\"}");
    assert_string_equal(b.diagnoses, "[\"F43.10\"]");
    assert_false(raw_blob_holds(f, "SELECT insurance_sealed FROM client_billing", "Aetna"));
    assert_false(raw_blob_holds(f, "SELECT diagnoses_sealed FROM client_billing", "F43"));
    /* one charge per (occurrence, client) */
    int64_t occ = add_occurrence(s, se, ada, 100000, 100000 + 45 * 60000, "1111111111");
    struct store_charge ch = {.client_id = c1,
                              .occurrence_id = occ,
                              .therapist_id = ada,
                              .service_id = sv.id,
                              .kind = "session",
                              .service_at = 100000,
                              .cpt = "90834",
                              .description = "Psychotherapy",
                              .modifier = "95",
                              .place_of_service = "10",
                              .units = 1,
                              .amount_cents = 7500,
                              .created_at = 200000};
    int64_t cid = 0, again = 0;
    assert_int_equal(store_charge_exists(s, occ, c1), 0);
    assert_int_equal(store_charge_insert(s, &ch, &cid), 0);
    assert_true(cid > 0);
    assert_int_equal(store_charge_exists(s, occ, c1), 1);
    ch.amount_cents = 9999;
    assert_int_equal(store_charge_insert(s, &ch, &again), -EEXIST);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM charges"), 1);
    struct store_charge gotc;
    assert_int_equal(store_charge_get(s, &f->arena, cid, &gotc), 0);
    assert_int_equal(gotc.amount_cents, 7500);
    assert_string_equal(gotc.place_of_service, "10");
    assert_null(gotc.waived_reason);
    assert_int_equal(store_charge_waive(s, cid, ada, "Hardship this month.", 300000), 0);
    assert_int_equal(store_charge_waive(s, cid, ada, "Again.", 300001), -ENOENT);
    assert_int_equal(store_charge_get(s, &f->arena, cid, &gotc), 0);
    assert_int_equal(gotc.waived_at, 300000);
    assert_string_equal(gotc.waived_reason, "Hardship this month.");
    assert_false(raw_blob_holds(f, "SELECT waived_reason_sealed FROM charges", "Hardship"));
    struct store_charge *charges;
    assert_int_equal(store_charges_of_client(s, &f->arena, c1, &charges, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_charges_between(s, &f->arena, 0, 100001, ada, &charges, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_charges_between(s, &f->arena, 0, 100001, bob, &charges, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_charges_between(s, &f->arena, 100001, 200000, 0, &charges, &n), 0);
    assert_int_equal(n, 0);
    /* payments */
    struct store_payment p = {.client_id = c1,
                              .method = "cheque",
                              .reference = "No. 1042",
                              .amount_cents = 5000,
                              .received_on = 20000,
                              .recorded_by = ada,
                              .created_at = 400000};
    int64_t pid = 0;
    assert_int_equal(store_payment_insert(s, &p, &pid), 0);
    p.client_id = c2;
    p.reference = NULL;
    p.received_on = 20005;
    assert_int_equal(store_payment_insert(s, &p, &pid), 0);
    struct store_payment *pays;
    assert_int_equal(store_payments_of_client(s, &f->arena, c1, &pays, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(pays[0].reference, "No. 1042");
    assert_string_equal(pays[0].method, "cheque");
    assert_false(raw_blob_holds(f, "SELECT reference_sealed FROM payments WHERE client_id = 1",
                                "1042"));
    assert_int_equal(store_payments_between(s, &f->arena, 20000, 20005, 0, &pays, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(store_payments_between(s, &f->arena, 20000, 20005, bob, &pays, &n), 0);
    assert_int_equal(n, 1);
    assert_null(pays[0].reference);
    /* the account: the waived charge owes nothing, the payment is credit */
    struct charging_account acct;
    assert_int_equal(charging_account(s, &f->arena, c1, &acct), 0);
    assert_int_equal(acct.n_charges, 1);
    assert_int_equal(acct.state[0], LEDGER_WAIVED);
    assert_int_equal(acct.balance.charged, 7500);
    assert_int_equal(acct.balance.waived, 7500);
    assert_int_equal(acct.balance.credit, 5000);
    assert_int_equal(acct.balance.balance, -5000);
    /* who cancelled */
    int by_client = -1;
    assert_int_equal(store_occurrence_cancelled_by_client(s, occ, &by_client), 0);
    assert_int_equal(by_client, 0);
    assert_int_equal(store_occurrence_cancelled_by_set(s, occ, "client"), 0);
    assert_int_equal(store_occurrence_cancelled_by_client(s, occ, &by_client), 0);
    assert_int_equal(by_client, 1);
}

/* A config with a no-show fee of 40.00 and a 24-hour late-cancellation fee of 30.00. */
static struct config billing_config(void)
{
    struct config cfg;
    config_defaults(&cfg);
    snprintf(cfg.no_show_fee, sizeof cfg.no_show_fee, "40.00");
    snprintf(cfg.late_cancel_fee, sizeof cfg.late_cancel_fee, "30");
    struct buf err = {0};
    assert_int_equal(charging_config_finish(&cfg, &err), 0);
    buf_free(&err);
    assert_int_equal(cfg.no_show_cents, 4000);
    assert_int_equal(cfg.late_cancel_cents, 3000);
    return cfg;
}

static void occurrences_bring_one_charge_per_client(void **state)
{
    struct fixture *f = *state;
    struct store *s = f->store;
    struct config cfg = billing_config();
    int seeded;
    assert_int_equal(charging_seed_services(s, 1000, &seeded), 0);
    struct store_service *list;
    size_t n;
    assert_int_equal(store_service_list(s, &f->arena, &list, &n), 0);
    size_t nservices = n;
    for (size_t i = 0; i < n; i++) { /* fees for the codes chosen by rule */
        list[i].fee_cents = strcmp(list[i].cpt, "90853") == 0 ? 6000 : 15000;
        assert_int_equal(store_service_update(s, &list[i]), 0);
    }
    int64_t ada = add_user(s, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t c1 = add_client(s, ada, "One"), c2 = add_client(s, ada, "Two"),
            c3 = add_client(s, ada, "Three");
    int64_t h = 3600 * 1000;
    int64_t start = 100 * 24 * h;
    /* one-to-one, 45 minutes, attended, at 60 % of the client's own 120.00 */
    int64_t se = add_series(s, ada, c1, 0, 1);
    int64_t occ = add_occurrence(s, se, ada, start, start + 45 * 60000, "1000000001");
    struct store_client_fee fee = {c1, 0, 12000, 1};
    assert_int_equal(store_client_fee_set(s, &fee), 0);
    struct store_client_billing b = {.client_id = c1, .scale_kind = "percent", .scale_value = 60,
                                     .updated_at = 1};
    assert_int_equal(store_client_billing_put(s, &b), 0);
    assert_int_equal(store_attendance_add(s, occ, c1, 0, "joined", start), 0);
    assert_int_equal(store_attendance_add(s, occ, c1, 0, "admitted", start + 1000), 0);
    struct store_occurrence o;
    assert_int_equal(store_occurrence_get(s, &f->arena, occ, &o), 0);
    int made = -1;
    /* not over yet: nothing */
    assert_int_equal(charging_occurrence(s, &f->arena, &cfg, &o, start + 10 * 60000, &made), 0);
    assert_int_equal(made, 0);
    /* they said they were at home: place of service 10 */
    struct store_session_location loc = {.occurrence_id = occ, .client_id = c1, .place = "home",
                                         .jurisdiction = "US-CA", .answered_at = start};
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_session_location_put(s, &loc), 0);
    assert_int_equal(store_commit(s), 0);
    int64_t later = start + 2 * h;
    assert_int_equal(charging_tick(&cfg, s, &f->arena, later), 1);
    assert_int_equal(charging_tick(&cfg, s, &f->arena, later + 1000), 0); /* never twice */
    assert_int_equal(charging_occurrence(s, &f->arena, &cfg, &o, later, &made), 0);
    assert_int_equal(made, 0);
    struct store_charge *ch;
    assert_int_equal(store_charges_of_client(s, &f->arena, c1, &ch, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ch[0].kind, "session");
    assert_string_equal(ch[0].cpt, "90834"); /* 45 minutes, by rule */
    assert_int_equal(ch[0].amount_cents, 7200);
    assert_string_equal(ch[0].modifier, "95");
    assert_string_equal(ch[0].place_of_service, "10");
    assert_int_equal(ch[0].units, 1);
    assert_int_equal(ch[0].service_at, start);
    /* a group: c2 came, c3 did not (no-show fee), a member added after it began is not
     * expected */
    int64_t gid = add_group(s, ada, "Circle");
    assert_int_equal(store_group_member_add(s, gid, c2, 1000), 0);
    assert_int_equal(store_group_member_add(s, gid, c3, 1000), 0);
    int64_t gse = add_series(s, ada, 0, gid, 2);
    int64_t gocc = add_occurrence(s, gse, ada, start + 3 * h, start + 4 * h, "1000000002");
    assert_int_equal(store_attendance_add(s, gocc, c2, 0, "joined", start + 3 * h), 0);
    assert_int_equal(store_attendance_add(s, gocc, c2, 0, "admitted", start + 3 * h), 0);
    assert_int_equal(charging_tick(&cfg, s, &f->arena, start + 5 * h), 2);
    assert_int_equal(store_charges_of_client(s, &f->arena, c2, &ch, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ch[0].cpt, "90853");
    assert_int_equal(ch[0].amount_cents, 6000);
    assert_int_equal(store_charges_of_client(s, &f->arena, c3, &ch, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ch[0].kind, "no_show");
    assert_int_equal(ch[0].amount_cents, 4000);
    assert_string_equal(ch[0].place_of_service, "02"); /* said nothing */
    /* cancelled by the client 2 hours before: the late-cancellation fee; by the practice:
     * nothing */
    int64_t late = add_occurrence(s, se, ada, start + 48 * h, start + 49 * h, "1000000003");
    int64_t practice = add_occurrence(s, se, ada, start + 72 * h, start + 73 * h, "1000000004");
    assert_int_equal(store_occurrence_get(s, &f->arena, late, &o), 0);
    o.cancelled_at = start + 46 * h;
    assert_int_equal(store_occurrence_update(s, &o), 0);
    assert_int_equal(store_occurrence_cancelled_by_set(s, late, "client"), 0);
    assert_int_equal(store_occurrence_get(s, &f->arena, practice, &o), 0);
    o.cancelled_at = start + 71 * h;
    assert_int_equal(store_occurrence_update(s, &o), 0);
    assert_int_equal(store_occurrence_cancelled_by_set(s, practice, "practice"), 0);
    assert_int_equal(charging_tick(&cfg, s, &f->arena, start + 47 * h), 0); /* not begun */
    assert_int_equal(charging_tick(&cfg, s, &f->arena, start + 50 * h), 1);
    assert_int_equal(charging_tick(&cfg, s, &f->arena, start + 80 * h), 0);
    assert_int_equal(store_charges_of_client(s, &f->arena, c1, &ch, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ch[1].kind, "late_cancel");
    assert_int_equal(ch[1].amount_cents, 3000);
    /* a series with its own service bills that one, whatever its length */
    int64_t intake = 0;
    for (size_t i = 0; i < nservices; i++)
        if (strcmp(list[i].cpt, "90791") == 0)
            intake = list[i].id;
    assert_true(intake > 0);
    int64_t se2 = add_series(s, ada, c2, 0, 3);
    assert_int_equal(store_series_service_set(s, se2, intake), 0);
    int64_t occ2 = add_occurrence(s, se2, ada, start + 6 * h, start + 6 * h + 30 * 60000,
                                  "1000000006");
    assert_int_equal(store_attendance_add(s, occ2, c2, 0, "joined", start + 6 * h), 0);
    assert_int_equal(store_attendance_add(s, occ2, c2, 0, "admitted", start + 6 * h), 0);
    assert_int_equal(charging_tick(&cfg, s, &f->arena, start + 51 * h), 1);
    assert_int_equal(store_charges_of_client(s, &f->arena, c2, &ch, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ch[1].cpt, "90791");
    assert_int_equal(ch[1].service_id, intake);
    assert_int_equal(ch[1].amount_cents, 15000);
    /* older than the look-back: not looked at */
    int64_t old = add_occurrence(s, se, ada, start + 100 * h, start + 101 * h, "1000000005");
    (void)old;
    assert_int_equal(charging_tick(&cfg, s, &f->arena,
                                   start + 100 * h + (CHARGING_LOOKBACK_DAYS + 1) * 24 * h),
                     0);
}

/* Where a client said they were: replaced in place for the same occurrence, sealed, the
 * latest for the prefill; licences and compacts as the licence rule reads them. */
static void session_locations_licences_and_compacts(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t cid = add_client(f->store, ada, "One");
    int64_t sid = add_series(f->store, ada, cid, 0, 1);
    int64_t o1 = add_occurrence(f->store, sid, ada, 10000, 13000, "0000000001");
    int64_t o2 = add_occurrence(f->store, sid, ada, 20000, 23000, "0000000002");
    struct arena a = {0};
    struct store_session_location got;
    assert_int_equal(store_session_location_get(f->store, &a, o1, cid, &got), -ENOENT);
    assert_int_equal(store_session_location_last(f->store, &a, cid, &got), -ENOENT);

    struct store_session_location l = {.occurrence_id = o1, .client_id = cid, .place = "home",
                                       .jurisdiction = "US-CA",
                                       .emergency = "12 Harbour Lane, Morro Bay",
                                       .answered_at = 10500};
    assert_int_equal(store_begin(f->store), 0);
    assert_int_equal(store_session_location_put(f->store, &l), 0);
    int64_t first = l.id;
    /* answered again at a rejoin: the same row, the new answer */
    l.id = 0;
    l.place = "not_home";
    l.jurisdiction = "US-NV";
    l.emergency = NULL;
    l.answered_at = 10900;
    assert_int_equal(store_session_location_put(f->store, &l), 0);
    assert_int_equal(l.id, first);
    struct store_session_location l2 = {.occurrence_id = o2, .client_id = cid, .place = "home",
                                        .jurisdiction = "GB", .emergency = "Flat 2, Leith",
                                        .answered_at = 20100};
    assert_int_equal(store_session_location_put(f->store, &l2), 0);
    assert_true(l2.id != first);
    assert_int_equal(store_commit(f->store), 0);

    assert_int_equal(store_session_location_get(f->store, &a, o1, cid, &got), 0);
    assert_string_equal(got.place, "not_home");
    assert_string_equal(got.jurisdiction, "US-NV");
    assert_null(got.emergency);
    assert_int_equal(got.answered_at, 10900);
    assert_int_equal(store_session_location_last(f->store, &a, cid, &got), 0);
    assert_int_equal(got.occurrence_id, o2);
    assert_string_equal(got.emergency, "Flat 2, Leith");
    assert_int_equal(raw_count(f, "SELECT count(*) FROM session_locations"), 2);

    char sql[400];
    snprintf(sql, sizeof sql,
             "INSERT INTO licences (id, user_id, jurisdiction, kind, number, expires_on,"
             " reminders_sent, created_at) VALUES (1, %lld, 'US-CA', 'Psychologist', 'PSY1',"
             " 20000, 1, 5), (2, %lld, 'US-AZ', 'Psychologist', 'AZ9', 20100, 0, 6),"
             " (3, %lld, 'US-NV', 'LCSW', 'N3', 20000, 0, 7)",
             (long long)ada, (long long)ada, (long long)ada);
    raw_exec_expect(f, sql, 0);
    raw_exec(f, "UPDATE licences SET removed_at = 9 WHERE id = 3");
    raw_exec_expect(f,
                    "INSERT INTO compacts (id, name, members, valid_from, valid_until,"
                    " created_at) VALUES (1, 'PSYPACT', 'US-AZ,US-NV', 19000, NULL, 5),"
                    " (2, 'Gone', 'US-TX', 19000, 19500, 6)",
                    0);
    raw_exec(f, "UPDATE compacts SET removed_at = 9 WHERE id = 2");
    struct store_licence *lic;
    size_t nl;
    assert_int_equal(store_licence_list_user(f->store, &a, ada, &lic, &nl), 0);
    assert_int_equal(nl, 2);
    assert_string_equal(lic[0].jurisdiction, "US-AZ");
    assert_string_equal(lic[1].number, "PSY1");
    assert_int_equal(lic[1].expires_on, 20000);
    assert_int_equal(lic[1].reminders_sent, 1);
    struct store_compact *k;
    size_t nk;
    assert_int_equal(store_compact_list(f->store, &a, &k, &nk), 0);
    assert_int_equal(nk, 1);
    assert_string_equal(k[0].members, "US-AZ,US-NV");
    assert_int_equal(k[0].valid_until, INT32_MAX);

    /* the rule over what is stored: a session on day 20000 (noon UTC) */
    const int64_t day_ms = (int64_t)86400000;
    struct licence_check c;
    assert_int_equal(licence_check(f->store, &a, ada, "US-CA", 20000 * day_ms + day_ms / 2, "UTC",
                                   &c),
                     0);
    assert_int_equal(c.day, 20000);
    assert_int_equal(c.cover, LICENCE_DIRECT);
    assert_false(c.flagged);
    assert_string_equal(c.covered_by, "Psychologist PSY1");
    /* the day after the Californian licence's last day; in Los Angeles it is still day 20000 */
    assert_int_equal(licence_check(f->store, &a, ada, "US-CA", 20001 * day_ms + 3600000, "UTC", &c),
                     0);
    assert_true(c.flagged);
    assert_null(c.covered_by);
    assert_int_equal(licence_check(f->store, &a, ada, "US-CA", 20001 * day_ms + 3600000,
                                   "America/Los_Angeles", &c),
                     0);
    assert_int_equal(c.day, 20000);
    assert_false(c.flagged);
    /* Nevada through the compact (the removed Nevada licence counts for nothing) */
    assert_int_equal(licence_check(f->store, &a, ada, "US-NV", 20050 * day_ms, "UTC", &c), 0);
    assert_int_equal(c.cover, LICENCE_THROUGH_COMPACT);
    assert_string_equal(c.covered_by, "PSYPACT");
    /* Texas's compact was removed; nothing said is flagged too */
    assert_int_equal(licence_check(f->store, &a, ada, "US-TX", 19200 * day_ms, "UTC", &c), 0);
    assert_true(c.flagged);
    assert_int_equal(licence_check(f->store, &a, ada, "", 19200 * day_ms, "UTC", &c), 0);
    assert_true(c.flagged);
    assert_int_equal(licence_check(f->store, &a, ada, "US-CA", 0, "Not/AZone", &c), -EINVAL);
    arena_free(&a);
}

/* Licences written: a new expiry date clears the reminders sent, a mark for an old date is
 * refused, removed ones go from every list; compacts written; the licences whose reminders
 * may be due; the sessions the licence flags look at. */
static void licences_compacts_reminders_and_sessions_to_flag(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    int64_t bob = add_user(f->store, "bob@example.org", STORE_ROLE_THERAPIST);
    struct arena a = {0};
    struct store_licence l = {.user_id = ada, .jurisdiction = "US-CA", .kind = "Psychologist",
                              .number = "PSY1", .expires_on = 20010, .reminders_sent = 3,
                              .created_at = 5};
    assert_int_equal(store_licence_insert(f->store, &l), 0);
    assert_true(l.id > 0);
    assert_int_equal(l.reminders_sent, 0);
    struct store_licence other = {.user_id = bob, .jurisdiction = "GB", .kind = "Counsellor",
                                  .number = "B7", .expires_on = 20050, .created_at = 6};
    assert_int_equal(store_licence_insert(f->store, &other), 0);
    struct store_licence got;
    assert_int_equal(store_licence_get(f->store, &a, l.id, &got), 0);
    assert_string_equal(got.number, "PSY1");
    assert_int_equal(got.expires_on, 20010);
    assert_int_equal(got.reminders_sent, 0);

    /* a reminder marked for the date it was about; not for another */
    assert_int_equal(store_licence_mark_sent(f->store, l.id, 20010, LICENCE_SENT_60), 0);
    assert_int_equal(store_licence_mark_sent(f->store, l.id, 20011, 3), -ENOENT);
    assert_int_equal(store_licence_get(f->store, &a, l.id, &got), 0);
    assert_int_equal(got.reminders_sent, LICENCE_SENT_60);
    /* another number, the same date: the marks stay */
    got.number = "PSY1-A";
    assert_int_equal(store_licence_update(f->store, &got), 0);
    assert_int_equal(store_licence_get(f->store, &a, l.id, &got), 0);
    assert_string_equal(got.number, "PSY1-A");
    assert_int_equal(got.reminders_sent, LICENCE_SENT_60);
    /* renewed: a new date clears them */
    got.expires_on = 20400;
    assert_int_equal(store_licence_update(f->store, &got), 0);
    assert_int_equal(store_licence_get(f->store, &a, l.id, &got), 0);
    assert_int_equal(got.expires_on, 20400);
    assert_int_equal(got.reminders_sent, 0);

    /* due for a reminder: expiring in the window, of accounts not disabled */
    struct store_licence *due;
    size_t n;
    assert_int_equal(store_licences_expiring(f->store, &a, 20000, 20060, 10, &due, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(due[0].id, other.id);
    assert_int_equal(store_licences_expiring(f->store, &a, 20000, 20400, 10, &due, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(due[0].id, other.id); /* soonest first */
    assert_int_equal(store_licences_expiring(f->store, &a, 20000, 20400, 1, &due, &n), 0);
    assert_int_equal(n, 1);
    char sql[120];
    snprintf(sql, sizeof sql, "UPDATE users SET disabled_at = 7 WHERE id = %lld", (long long)bob);
    raw_exec(f, sql);
    assert_int_equal(store_licences_expiring(f->store, &a, 20000, 20400, 10, &due, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(due[0].id, l.id);

    /* removed: gone from the lists and not changed any more */
    assert_int_equal(store_licence_remove(f->store, l.id, 50), 0);
    assert_int_equal(store_licence_remove(f->store, l.id, 51), -ENOENT);
    assert_int_equal(store_licence_get(f->store, &a, l.id, &got), -ENOENT);
    assert_int_equal(store_licence_update(f->store, &l), -ENOENT);
    assert_int_equal(store_licence_mark_sent(f->store, l.id, l.expires_on, 1), -ENOENT);
    struct store_licence *held;
    assert_int_equal(store_licence_list_user(f->store, &a, ada, &held, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_licences_expiring(f->store, &a, 0, INT32_MAX, 10, &due, &n), 0);
    assert_int_equal(n, 0);

    /* compacts: open-ended, then given an end, then removed */
    struct store_compact k = {.name = "PSYPACT", .members = "US-AZ,US-CO", .valid_from = 19000,
                              .valid_until = INT32_MAX};
    assert_int_equal(store_compact_insert(f->store, &k, 8), 0);
    assert_true(k.id > 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM compacts WHERE valid_until IS NULL"), 1);
    struct store_compact kg;
    assert_int_equal(store_compact_get(f->store, &a, k.id, &kg), 0);
    assert_int_equal(kg.valid_until, INT32_MAX);
    assert_int_equal(kg.created_at, 8);
    kg.members = "US-AZ,US-CO,US-NV";
    kg.valid_until = 21000;
    assert_int_equal(store_compact_update(f->store, &kg), 0);
    struct store_compact *list;
    assert_int_equal(store_compact_list(f->store, &a, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].members, "US-AZ,US-CO,US-NV");
    assert_int_equal(list[0].valid_until, 21000);
    assert_int_equal(store_compact_remove(f->store, k.id, 9), 0);
    assert_int_equal(store_compact_get(f->store, &a, k.id, &kg), -ENOENT);
    assert_int_equal(store_compact_update(f->store, &k), -ENOENT);
    assert_int_equal(store_compact_list(f->store, &a, &list, &n), 0);
    assert_int_equal(n, 0);

    /* the sessions: a one-to-one, a group of two, a cancelled one, Bob's */
    int64_t one = add_client(f->store, ada, "One");
    int64_t m1 = add_client(f->store, ada, "Member One");
    int64_t m2 = add_client(f->store, ada, "Member Two");
    int64_t g = add_group(f->store, ada, "Group");
    assert_int_equal(store_group_member_add(f->store, g, m1, 10), 0);
    assert_int_equal(store_group_member_add(f->store, g, m2, 10), 0);
    int64_t s1 = add_series(f->store, ada, one, 0, 1);
    int64_t s2 = add_series(f->store, ada, 0, g, 2);
    int64_t s3 = add_series(f->store, bob, add_client(f->store, bob, "Bob's"), 0, 3);
    int64_t o_past = add_occurrence(f->store, s1, ada, 1000, 2000, "0000000001");
    int64_t o_next = add_occurrence(f->store, s1, ada, 5000, 6000, "0000000002");
    int64_t o_group = add_occurrence(f->store, s2, ada, 7000, 8000, "0000000003");
    int64_t o_off = add_occurrence(f->store, s1, ada, 9000, 9500, "0000000004");
    add_occurrence(f->store, s3, bob, 5000, 6000, "0000000005");
    int64_t o_gpast = add_occurrence(f->store, s2, ada, 1500, 2500, "0000000006");
    raw_exec(f, "UPDATE occurrences SET cancelled_at = 10 WHERE meeting_id = '0000000004'");
    (void)o_off;
    struct store_licence_session *ss;
    assert_int_equal(store_licence_sessions(f->store, &a, ada, 3000, 10000, 0, 50, &ss, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ss[0].occurrence_id, o_next);
    assert_int_equal(ss[0].client_id, one);
    assert_int_equal(ss[0].series_id, s1);
    assert_string_equal(ss[0].time_zone, "UTC");
    assert_int_equal(ss[1].occurrence_id, o_group);
    assert_int_equal(ss[1].client_id, m1);
    assert_int_equal(ss[2].client_id, m2);
    assert_int_equal(store_licence_sessions(f->store, &a, ada, 3000, 10000, 0, 2, &ss, &n), 0);
    assert_int_equal(n, 2); /* bounded */
    /* before: who was let in, or said where they were (once each) */
    assert_int_equal(store_licence_sessions(f->store, &a, ada, 0, 3000, 1, 50, &ss, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_attendance_add(f->store, o_past, one, 0, "joined", 1000), 0);
    assert_int_equal(store_attendance_add(f->store, o_past, one, 0, "admitted", 1001), 0);
    assert_int_equal(store_attendance_add(f->store, o_gpast, m2, 0, "denied", 1501), 0);
    assert_int_equal(store_begin(f->store), 0);
    struct store_session_location here = {.occurrence_id = o_past, .client_id = one,
                                          .place = "home", .jurisdiction = "US-NV",
                                          .answered_at = 1000};
    assert_int_equal(store_session_location_put(f->store, &here), 0);
    struct store_session_location there = {.occurrence_id = o_gpast, .client_id = m1,
                                           .place = "home", .jurisdiction = "GB",
                                           .answered_at = 1500};
    assert_int_equal(store_session_location_put(f->store, &there), 0);
    assert_int_equal(store_commit(f->store), 0);
    assert_int_equal(store_licence_sessions(f->store, &a, ada, 0, 3000, 1, 50, &ss, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ss[0].occurrence_id, o_past);
    assert_int_equal(ss[0].client_id, one);
    assert_int_equal(ss[1].occurrence_id, o_gpast);
    assert_int_equal(ss[1].client_id, m1);
    arena_free(&a);
}

/* The reminder pass: one mail for a licence with a reminder due, marked sent in the same
 * transaction; a second pass sends nothing; a renewal starts afresh. */
static void licence_reminders_go_once(void **state)
{
    struct fixture *f = *state;
    int64_t ada = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    struct config cfg;
    config_defaults(&cfg);
    snprintf(cfg.public_url, sizeof cfg.public_url, "https://confide.example.org");
    snprintf(cfg.practice_name, sizeof cfg.practice_name, "Harbour Practice");
    snprintf(cfg.smtp_from, sizeof cfg.smtp_from, "practice@example.org");
    const int64_t day_ms = (int64_t)86400000;
    int64_t now = 20000 * day_ms + 3600000;
    struct store_licence soon = {.user_id = ada, .jurisdiction = "US-CA", .kind = "Psychologist",
                                 .number = "PSY1", .expires_on = 20010, .created_at = 5};
    struct store_licence later = {.user_id = ada, .jurisdiction = "GB", .kind = "Counsellor",
                                  .number = "G2", .expires_on = 20100, .created_at = 5};
    assert_int_equal(store_licence_insert(f->store, &soon), 0);
    assert_int_equal(store_licence_insert(f->store, &later), 0);
    struct arena a = {0};
    int queued = -1;
    assert_int_equal(licence_reminders_run(&cfg, f->store, &a, now, &queued), 0);
    assert_int_equal(queued, 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM outbox WHERE kind = 'licence_reminder'"),
                     1);
    struct store_licence got;
    assert_int_equal(store_licence_get(f->store, &a, soon.id, &got), 0);
    assert_int_equal(got.reminders_sent, LICENCE_SENT_14);
    assert_int_equal(licence_reminders_run(&cfg, f->store, &a, now + 600000, &queued), 0);
    assert_int_equal(queued, 0);
    /* 60 days before the later one */
    assert_int_equal(licence_reminders_run(&cfg, f->store, &a, now + 40 * day_ms, &queued), 0);
    assert_int_equal(queued, 1);
    assert_int_equal(store_licence_get(f->store, &a, later.id, &got), 0);
    assert_int_equal(got.reminders_sent, LICENCE_SENT_60);
    /* renewed to a date 14 days on: reminded again */
    got.expires_on = 20054;
    assert_int_equal(store_licence_update(f->store, &got), 0);
    assert_int_equal(licence_reminders_run(&cfg, f->store, &a, now + 40 * day_ms, &queued), 0);
    assert_int_equal(queued, 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM outbox WHERE kind = 'licence_reminder'"),
                     3);
    /* the mail names the licence, never a client */
    struct buf text = {0};
    char subject[200];
    licence_reminder_write(&cfg, "Dr Ada Byron", &soon, 20000, subject, sizeof subject, &text);
    assert_string_equal(subject, "Your licence in California expires on 2024-10-14");
    assert_non_null(strstr(text.data, "Your Psychologist licence in California (number PSY1) "
                                      "expires on 2024-10-14, in 10 days."));
    assert_non_null(strstr(text.data, "https://confide.example.org/dashboard"));
    buf_free(&text);
    char reason[160];
    licence_flag_reason(&soon, 1, "US-CA", 20011, reason, sizeof reason);
    assert_string_equal(reason, "Your licence in California expired on 2024-10-14");
    licence_flag_reason(&soon, 1, "US-CA", 20010, reason, sizeof reason);
    assert_string_equal(reason, "No licence or compact covers California");
    licence_flag_reason(&soon, 1, "US-NV", 20011, reason, sizeof reason);
    assert_string_equal(reason, "No licence or compact covers Nevada");
    licence_flag_reason(&soon, 1, "", 20011, reason, sizeof reason);
    assert_string_equal(reason, "The client did not say where they were");
    assert_int_equal(licence_utc_day(now), 20000);
    assert_int_equal(licence_utc_day(-1), -1);
    arena_free(&a);
}

int main(void)
{
    rand_init();
    if (full_disk_install() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrations_are_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(accounts_are_listed_disabled_and_their_sign_ins_end, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(invitations_are_one_time_and_kept_as_keyed_hashes, setup,
                                        teardown),
        cmocka_unit_test(sqlite_failures_map_to_errno),
        cmocka_unit_test(migrations_read_as_postgresql),
        cmocka_unit_test(a_burst_of_refusals_is_reported_once),
        cmocka_unit_test_setup_teardown(a_full_disk_refuses_whole_transactions_and_recovers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_checkpoint_on_a_full_disk_leaves_the_database_whole,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(users_are_sealed_and_found_by_email, setup, teardown),
        cmocka_unit_test_setup_teardown(messages_threads_announcements_and_first_reads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(inbox_links_are_one_time_and_sign_ins_end, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(availability_notes_are_sealed_set_and_removed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(keys_rotate_in_batches_while_a_server_reads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_different_key_cannot_read_users, setup, teardown),
        cmocka_unit_test_setup_teardown(mfa_secrets_codes_and_pending_sign_ins, setup, teardown),
        cmocka_unit_test_setup_teardown(a_sealed_value_copied_to_another_row_does_not_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(values_sealed_before_rows_were_bound_are_resealed_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(login_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_discards_and_commit_keeps, setup, teardown),
        cmocka_unit_test_setup_teardown(a_duplicate_inside_a_transaction_leaves_it_going, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_lost_connection_fails_once_and_comes_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(writers_take_turns, setup, teardown),
        cmocka_unit_test_setup_teardown(backup_is_a_readable_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(ping_needs_the_schema_and_data_outlives_close, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(roles_and_answers_round_trip_their_names, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_records_who_did_what, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_chain_verifies_and_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_chain_names_an_edited_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_chain_names_a_deleted_or_moved_entry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(audit_chain_covers_entries_made_before_it, setup, teardown),
        cmocka_unit_test_setup_teardown(clients_round_trip_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(clients_update_list_and_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(groups_round_trip_update_and_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(groups_list_includes_co_facilitated, setup, teardown),
        cmocka_unit_test_setup_teardown(group_members_and_facilitators, setup, teardown),
        cmocka_unit_test_setup_teardown(series_round_trip_update_and_host_token, setup, teardown),
        cmocka_unit_test_setup_teardown(series_list_includes_co_facilitated_groups, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(occurrences_round_trip_and_update, setup, teardown),
        cmocka_unit_test_setup_teardown(occurrences_list_in_slot_order_and_overlap, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(invites_list_and_look_up_by_token, setup, teardown),
        cmocka_unit_test_setup_teardown(invites_stop_when_a_member_leaves_or_a_client_is_archived,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(agreements_are_accepted_per_version, setup, teardown),
        cmocka_unit_test_setup_teardown(attendance_in_time_order_and_meeting_end, setup, teardown),
        cmocka_unit_test_setup_teardown(turned_away_is_set_replaced_and_cleared, setup, teardown),
        cmocka_unit_test_setup_teardown(meeting_state_is_kept_found_and_deleted, setup, teardown),
        cmocka_unit_test_setup_teardown(a_meeting_lease_is_held_by_one_node_at_a_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(events_reach_the_store_that_listens, setup, teardown),
        cmocka_unit_test_setup_teardown(a_dead_nodes_meetings_are_taken_over, setup, teardown),
        cmocka_unit_test_setup_teardown(mail_is_claimed_oldest_first_and_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(mail_is_sent_retried_failed_and_recovered, setup, teardown),
        cmocka_unit_test_setup_teardown(mail_claims_belong_to_their_node, setup, teardown),
        cmocka_unit_test_setup_teardown(reminders_lock_is_taken_by_one_node, setup, teardown),
        cmocka_unit_test_setup_teardown(reminders_are_due_once_per_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(polls_round_trip_list_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(poll_slots_invites_and_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(notes_are_sealed_signed_once_and_take_addenda, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(checkins_choices_answers_and_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(checkins_are_for_the_next_occurrence_and_asked_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(interest_links_and_the_waitlist, setup, teardown),
        cmocka_unit_test(registry_names_sealed_columns_key_rotation_knows),
        cmocka_unit_test_setup_teardown(clients_are_exported_erased_with_a_hold_and_purged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(billing_services_fees_charges_and_payments, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(occurrences_bring_one_charge_per_client, setup, teardown),
        cmocka_unit_test_setup_teardown(session_locations_licences_and_compacts, setup, teardown),
        cmocka_unit_test_setup_teardown(licences_compacts_reminders_and_sessions_to_flag, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(licence_reminders_go_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

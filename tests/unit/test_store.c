/* store: SQLite backend through store.h: migrations, sealed users, login sessions,
 * transactions, backup. Each test gets a fresh data directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/seal.h"
#include "store/migrations.h"
#include "store/store.h"

struct fixture {
    char dir[64];
    char db_path[128];
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
    snprintf(f->db_path, sizeof f->db_path, "%s/confide.db", f->dir);
    uint8_t key[32] = {1, 2, 3};
    f->seal = seal_new_from_key(key);
    char url[160];
    snprintf(url, sizeof url, "sqlite:%s", f->db_path);
    if (store_open(url, f->seal, &f->store) < 0)
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
    store_close(f->store);
    seal_free(f->seal);
    arena_free(&f->arena);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int64_t add_user(struct store *s, const char *email, enum store_role role)
{
    struct store_user u = {.name = "Dr Ada Byron", .email = (char *)email, .role = role,
                           .password_hash = "$argon2id$fake", .created_at = 1000};
    int64_t id = 0;
    assert_int_equal(store_user_insert(s, &u, &id), 0);
    assert_true(id > 0);
    return id;
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

    struct store_user dup = {.name = "Other", .email = "ADA@example.org",
                             .role = STORE_ROLE_THERAPIST, .password_hash = "x"};
    int64_t dup_id;
    assert_int_equal(store_user_insert(f->store, &dup, &dup_id), -EEXIST);

    /* the database file never holds the name or the email in the clear */
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(f->db_path, &raw), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(raw,
                                        "SELECT count(*) FROM users WHERE instr(email_sealed,"
                                        " 'ada@') OR instr(name_sealed, 'Ada')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
}

static void a_different_key_cannot_read_users(void **state)
{
    struct fixture *f = *state;
    add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    uint8_t key[32] = {9};
    struct seal *other = seal_new_from_key(key);
    char url[160];
    snprintf(url, sizeof url, "sqlite:%s", f->db_path);
    struct store *s2;
    assert_int_equal(store_open(url, other, &s2), 0);
    struct store_user u;
    assert_int_equal(store_user_by_id(s2, &f->arena, 1, &u), -EIO);
    store_close(s2);
    seal_free(other);
}

static void login_sessions(void **state)
{
    struct fixture *f = *state;
    int64_t uid = add_user(f->store, "ada@example.org", STORE_ROLE_THERAPIST);
    struct store_login l = {.user_id = uid, .created_at = 100, .last_seen_at = 100,
                            .expires_at = 10000};
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

static void backup_is_a_readable_copy(void **state)
{
    struct fixture *f = *state;
    add_user(f->store, "ada@example.org", STORE_ROLE_ADMIN);
    char path[160];
    snprintf(path, sizeof path, "%s/backup.db", f->dir);
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

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrations_are_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(users_are_sealed_and_found_by_email, setup, teardown),
        cmocka_unit_test_setup_teardown(a_different_key_cannot_read_users, setup, teardown),
        cmocka_unit_test_setup_teardown(login_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_discards_and_commit_keeps, setup, teardown),
        cmocka_unit_test_setup_teardown(backup_is_a_readable_copy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* `confide migrate-data --to postgresql://…`: a practice on SQLite (data_dir/confide.db)
 * moved up to PostgreSQL. The target must be empty; the migrations make its schema through
 * the PostgreSQL backend, then every table is copied row for row in one transaction.
 * Sealed columns are blobs to this copy: they go across byte for byte, and the same key
 * file opens them (nothing is unsealed). Afterwards the row counts of both sides are
 * compared table by table and the audit chain is verified on PostgreSQL.
 *
 * The list of tables is read from the source's schema (sqlite_master), ordered so that
 * every table comes after the tables its foreign keys name; only the migrations'
 * bookkeeping is left out. Both databases are reached through the store's backends
 * (store/backend.h) with statements made here: a one-shot tool, not part of the store. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "store/backend.h"
#include "store/migrations.h"

#define MAX_TABLES 64
#define NAME_MAX_LEN 64
/* an INSERT per row binds one parameter per column */
#define MAX_COLUMNS STORE_MAX_PARAMS

/* Tables the migrations keep for themselves: the target has its own from migrating. */
static const char *const bookkeeping_tables[] = {"seal_upgrade", "confide_schema"};

struct table {
    char name[NAME_MAX_LEN];
    char columns[MAX_COLUMNS][NAME_MAX_LEN];
    int ncolumns;
    int refs[MAX_TABLES]; /* indexes of the tables its foreign keys name */
    int nrefs;
    int64_t rows_source, rows_target;
};

struct schema {
    struct table tables[MAX_TABLES];
    int count;
};

struct names {
    char (*items)[NAME_MAX_LEN];
    int count, cap;
    int bad; /* a name that is not a plain lower-case identifier, or too many */
};

/* Names from the schema go into SQL text, so only plain identifiers are accepted. */
static int plain_identifier(const char *s, size_t len)
{
    if (len == 0 || len >= NAME_MAX_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (i > 0 && s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static int collect_name(void *ctx, const struct store_value *cols, int n)
{
    struct names *names = ctx;
    assert(n >= 1);
    if (cols[0].type != SV_TEXT || !plain_identifier(cols[0].p, cols[0].len) ||
        names->count == names->cap) {
        names->bad = 1;
        return 1;
    }
    memcpy(names->items[names->count], cols[0].p, cols[0].len);
    names->items[names->count][cols[0].len] = '\0';
    names->count++;
    return 0;
}

static int first_int(void *ctx, const struct store_value *cols, int n)
{
    assert(n >= 1);
    *(int64_t *)ctx = cols[0].type == SV_INT ? cols[0].i : 0;
    return 1;
}

/* A statement outside the store's query table: id -1, run once and not kept. */
static int run(const struct store_backend *be, void *db, const char *sql,
               const struct store_value *params, int n, store_row_fn fn, void *ctx)
{
    return be->query(db, -1, sql, params, n, fn, ctx, NULL);
}

static int run_names(const struct store_backend *be, void *db, const char *sql, const char *arg,
                     char (*items)[NAME_MAX_LEN], int cap, int *count)
{
    struct names names = {.items = items, .cap = cap};
    struct store_value p[] = {{.type = SV_TEXT, .p = arg}};
    int rc = run(be, db, sql, p, arg ? 1 : 0, collect_name, &names);
    *count = names.count;
    return rc < 0 ? rc : names.bad ? -E2BIG : 0;
}

static int is_bookkeeping(const char *name)
{
    for (size_t i = 0; i < sizeof bookkeeping_tables / sizeof bookkeeping_tables[0]; i++)
        if (strcmp(name, bookkeeping_tables[i]) == 0)
            return 1;
    return 0;
}

static int table_index(const struct schema *sc, const char *name)
{
    for (int i = 0; i < sc->count; i++)
        if (strcmp(sc->tables[i].name, name) == 0)
            return i;
    return -1;
}

/* Puts the tables in an order where each follows every table it refers to (PostgreSQL
 * checks a foreign key at each INSERT). -ELOOP when the references go round. */
static int order_by_references(struct schema *sc)
{
    static struct table sorted[MAX_TABLES];
    int placed[MAX_TABLES] = {0}, position[MAX_TABLES];
    int n = 0;
    while (n < sc->count) {
        int progress = 0;
        for (int i = 0; i < sc->count; i++) {
            if (placed[i])
                continue;
            int ready = 1;
            for (int r = 0; r < sc->tables[i].nrefs; r++)
                if (sc->tables[i].refs[r] != i && !placed[sc->tables[i].refs[r]])
                    ready = 0;
            if (!ready)
                continue;
            placed[i] = 1;
            position[n++] = i;
            progress = 1;
        }
        if (!progress)
            return -ELOOP;
    }
    for (int i = 0; i < n; i++)
        sorted[i] = sc->tables[position[i]];
    memcpy(sc->tables, sorted, sizeof(struct table) * (size_t)n);
    return 0; /* refs now hold stale indexes; nothing reads them after this */
}

/* The source's tables, their columns and the order to copy them in. Says why on stderr. */
static int read_schema(void *src, struct schema *sc)
{
    const struct store_backend *be = &store_sqlite_backend;
    static char names[MAX_TABLES][NAME_MAX_LEN];
    int count = 0;
    int rc = run_names(be, src,
                       "SELECT name FROM sqlite_master WHERE type = 'table'"
                       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                       NULL, names, MAX_TABLES, &count);
    for (int i = 0; rc == 0 && i < count; i++)
        if (!is_bookkeeping(names[i]))
            snprintf(sc->tables[sc->count++].name, NAME_MAX_LEN, "%.*s", NAME_MAX_LEN - 1,
                     names[i]);
    for (int i = 0; rc == 0 && i < sc->count; i++) {
        struct table *t = &sc->tables[i];
        rc = run_names(be, src, "SELECT name FROM pragma_table_info($1) ORDER BY cid", t->name,
                       t->columns, MAX_COLUMNS, &t->ncolumns);
        static char refs[MAX_TABLES][NAME_MAX_LEN];
        int nrefs = 0;
        if (rc == 0)
            rc = run_names(be, src, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)",
                           t->name, refs, MAX_TABLES, &nrefs);
        for (int r = 0; rc == 0 && r < nrefs; r++) {
            int at = table_index(sc, refs[r]);
            if (at >= 0) /* a reference to bookkeeping would need no row of it */
                t->refs[t->nrefs++] = at;
        }
    }
    if (rc == -E2BIG) {
        fprintf(stderr,
                "confide: the SQLite database has a table with more than %d columns, "
                "more than %d tables, or a name this copy does not expect; nothing "
                "was written\n",
                MAX_COLUMNS, MAX_TABLES);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "confide: cannot read the SQLite database's schema; nothing was written\n");
        return -1;
    }
    if (order_by_references(sc) < 0) {
        fprintf(stderr, "confide: the tables' foreign keys refer to one another in a circle; "
                        "nothing was written\n");
        return -1;
    }
    return 0;
}

static int count_rows(const struct store_backend *be, void *db, const char *table, int64_t *rows)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    *rows = -1;
    return run(be, db, sql, NULL, 0, first_int, rows);
}

/* 0 when no table of the list holds a row in the target (a table the target lacks holds
 * none), 1 when one does (named on stderr), -EIO. */
static int target_holds_data(void *tgt, const struct schema *sc)
{
    const struct store_backend *be = &store_pg_backend;
    for (int i = 0; i < sc->count; i++) {
        int64_t exists = 0, rows = 0;
        struct store_value p[] = {{.type = SV_TEXT, .p = sc->tables[i].name}};
        int rc = run(be, tgt, "SELECT to_regclass($1) IS NOT NULL", p, 1, first_int, &exists);
        if (rc == 0 && exists)
            rc = count_rows(be, tgt, sc->tables[i].name, &rows);
        if (rc < 0)
            return rc;
        if (rows > 0) {
            fprintf(stderr,
                    "confide: the PostgreSQL database already holds a practice (%s has %lld "
                    "row(s)); migrate-data copies only into an empty database (createdb a new "
                    "one). Nothing was written\n",
                    sc->tables[i].name, (long long)rows);
            return 1;
        }
    }
    return 0;
}

static int schema_version_sqlite(void *src, int64_t *version)
{
    *version = -1;
    return run(&store_sqlite_backend, src, "PRAGMA user_version", NULL, 0, first_int, version);
}

static int schema_version_pg(void *tgt, int64_t *version)
{
    *version = -1;
    return run(&store_pg_backend, tgt, "SELECT version::int8 FROM confide_schema", NULL, 0,
               first_int, version);
}

/* ---- the copy ---- */

struct copy {
    void *tgt;
    const char *insert;
    int ncolumns;
    int64_t rows;
    int rc;
};

static int copy_row(void *ctx, const struct store_value *cols, int n)
{
    struct copy *c = ctx;
    assert(n == c->ncolumns);
    int64_t changes = 0;
    c->rc = store_pg_backend.query(c->tgt, -1, c->insert, cols, n, NULL, NULL, &changes);
    if (c->rc == 0 && changes != 1)
        c->rc = -EIO;
    if (c->rc < 0)
        return 1;
    c->rows++;
    return 0;
}

static int copy_table(void *src, void *tgt, struct table *t)
{
    struct buf select = {0}, insert = {0};
    buf_puts(&select, "SELECT ");
    buf_printf(&insert, "INSERT INTO %s (", t->name);
    for (int i = 0; i < t->ncolumns; i++) {
        buf_printf(&select, "%s%s", i ? ", " : "", t->columns[i]);
        buf_printf(&insert, "%s%s", i ? ", " : "", t->columns[i]);
    }
    /* in rowid order: the order the rows were written in */
    buf_printf(&select, " FROM %s ORDER BY rowid", t->name);
    buf_puts(&insert, ") VALUES (");
    for (int i = 0; i < t->ncolumns; i++)
        buf_printf(&insert, "%s$%d", i ? ", " : "", i + 1);
    buf_puts(&insert, ")");
    struct copy c = {.tgt = tgt, .insert = insert.data, .ncolumns = t->ncolumns};
    int rc = run(&store_sqlite_backend, src, select.data, NULL, 0, copy_row, &c);
    if (rc == 0)
        rc = c.rc;
    if (rc < 0)
        fprintf(stderr, "confide: copying %s failed after %lld row(s)\n", t->name,
                (long long)c.rows);
    buf_free(&select);
    buf_free(&insert);
    return rc;
}

struct identity {
    char tables[MAX_TABLES][NAME_MAX_LEN];
    char columns[MAX_TABLES][NAME_MAX_LEN];
    int count;
    int bad;
};

static int collect_identity(void *ctx, const struct store_value *cols, int n)
{
    struct identity *id = ctx;
    assert(n == 2);
    if (id->count == MAX_TABLES || cols[0].type != SV_TEXT || cols[1].type != SV_TEXT ||
        !plain_identifier(cols[0].p, cols[0].len) || !plain_identifier(cols[1].p, cols[1].len)) {
        id->bad = 1;
        return 1;
    }
    snprintf(id->tables[id->count], NAME_MAX_LEN, "%s", (const char *)cols[0].p);
    snprintf(id->columns[id->count], NAME_MAX_LEN, "%s", (const char *)cols[1].p);
    id->count++;
    return 0;
}

/* The rows came with their ids; an INSERT that leaves the id to PostgreSQL (attendance,
 * poll slots…) takes the identity's next value, which must come after them. */
static int identities_past_copied_ids(void *tgt)
{
    const struct store_backend *be = &store_pg_backend;
    static struct identity id;
    memset(&id, 0, sizeof id);
    int rc = run(be, tgt,
                 "SELECT table_name::text, column_name::text FROM information_schema.columns"
                 " WHERE table_schema = current_schema() AND is_identity = 'YES'",
                 NULL, 0, collect_identity, &id);
    if (rc == 0 && id.bad)
        rc = -E2BIG;
    for (int i = 0; rc == 0 && i < id.count; i++) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce(max(%s), 0) + 1,"
                 " false) FROM %s",
                 id.tables[i], id.columns[i], id.columns[i], id.tables[i]);
        int64_t next = 0;
        rc = run(be, tgt, sql, NULL, 0, first_int, &next);
    }
    if (rc < 0)
        fprintf(stderr, "confide: cannot set the identity columns' next values\n");
    return rc;
}

/* Every table in one transaction on the target, which is checked empty again inside it
 * (its writer lock held). 0, 1 when the target holds data, -1 on failure. */
static int copy_all(void *src, void *tgt, struct schema *sc)
{
    if (store_pg_backend.begin(tgt) < 0) {
        fprintf(stderr, "confide: cannot begin a transaction on PostgreSQL\n");
        return -1;
    }
    int rc = target_holds_data(tgt, sc);
    for (int i = 0; rc == 0 && i < sc->count; i++)
        rc = copy_table(src, tgt, &sc->tables[i]);
    if (rc == 0)
        rc = identities_past_copied_ids(tgt);
    if (rc == 0 && store_pg_backend.commit(tgt) < 0) {
        fprintf(stderr, "confide: the transaction on PostgreSQL did not commit\n");
        rc = -1;
    }
    if (rc != 0)
        store_pg_backend.rollback(tgt);
    return rc == 0 ? 0 : rc == 1 ? 1 : -1;
}

/* ---- checks after the copy ---- */

/* Prints name, rows in the source, rows in the target; 0 when every count matches. */
static int compare_counts(void *src, void *tgt, struct schema *sc)
{
    int mismatches = 0;
    printf("%-24s %12s %12s\n", "table", "rows source", "rows target");
    for (int i = 0; i < sc->count; i++) {
        struct table *t = &sc->tables[i];
        if (count_rows(&store_sqlite_backend, src, t->name, &t->rows_source) < 0 ||
            count_rows(&store_pg_backend, tgt, t->name, &t->rows_target) < 0)
            t->rows_source = -1; /* printed as a mismatch */
        int same = t->rows_source >= 0 && t->rows_source == t->rows_target;
        mismatches += !same;
        printf("%-24s %12lld %12lld%s\n", t->name, (long long)t->rows_source,
               (long long)t->rows_target, same ? "" : "  DIFFERENT");
    }
    return mismatches ? -1 : 0;
}

/* The chain verified on PostgreSQL, ending at the same head as the source's. */
static int compare_audit(struct store *source, struct store *target)
{
    int64_t n_src = 0, n_tgt = 0, bad = 0;
    uint8_t head_src[STORE_AUDIT_HASH_BYTES], head_tgt[STORE_AUDIT_HASH_BYTES];
    int rc_src = store_audit_verify(source, &n_src, &bad, head_src);
    int rc_tgt = store_audit_verify(target, &n_tgt, &bad, head_tgt);
    char hex[65];
    cli_audit_head_hex(head_tgt, hex);
    if (rc_tgt == -EBADMSG) {
        fprintf(stderr,
                "confide: the audit log on PostgreSQL does not verify: entry %lld does "
                "not follow from the one before it\n",
                (long long)bad);
        return -1;
    }
    if (rc_tgt < 0) {
        fprintf(stderr, "confide: the audit log on PostgreSQL could not be read\n");
        return -1;
    }
    if (rc_src == 0 && (n_src != n_tgt || memcmp(head_src, head_tgt, sizeof head_src) != 0)) {
        fprintf(stderr,
                "confide: the audit log on PostgreSQL verifies but differs from the "
                "source's (%lld entries against %lld)\n",
                (long long)n_tgt, (long long)n_src);
        return -1;
    }
    printf("audit log on PostgreSQL: intact, %lld entries, head %s%s\n", (long long)n_tgt, hex,
           rc_src == 0 ? " (the source's head)" : " (the source's chain itself did not verify)");
    return 0;
}

/* The URL with its password (user:password@, or password=…) replaced by PASSWORD. */
static void url_without_password(const char *url, struct buf *out)
{
    const char *rest = strstr(url, "://");
    rest = rest ? rest + 3 : url;
    size_t authority = strcspn(rest, "/?");
    const char *at = memchr(rest, '@', authority);
    const char *colon = at ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
    if (colon) {
        buf_append(out, url, (size_t)(colon + 1 - url));
        buf_puts(out, "PASSWORD");
        url = at;
    }
    const char *p = url;
    const char *key;
    while ((key = strstr(p, "password=")) != NULL) {
        if (key > url && key[-1] != '?' && key[-1] != '&') {
            buf_append(out, p, (size_t)(key + 9 - p));
            p = key + 9;
            continue;
        }
        buf_append(out, p, (size_t)(key + 9 - p));
        buf_puts(out, "PASSWORD");
        p = key + 9 + strcspn(key + 9, "&");
    }
    buf_puts(out, p);
}

/* ---- the command ---- */

static int check_arguments(const struct cli *cli)
{
    if (!cli->to || !cli->to[0]) {
        fprintf(stderr, "confide: migrate-data needs --to postgresql://…, the empty PostgreSQL "
                        "database to copy the practice into\n");
        return -1;
    }
    if (strncmp(cli->to, "postgresql://", 13) != 0 && strncmp(cli->to, "postgres://", 11) != 0) {
        fprintf(stderr, "confide: --to must be a PostgreSQL URL, beginning with postgresql:// "
                        "or postgres://\n");
        return -1;
    }
    if (cli->cfg.database_url[0]) {
        fprintf(stderr, "confide: database_url is set, so this practice is on PostgreSQL "
                        "already; migrate-data copies the SQLite database in data_dir (unset "
                        "database_url to name it)\n");
        return -1;
    }
    return 0;
}

/* The source's schema must be this binary's: the target is migrated to it. */
static int check_source_version(void *src)
{
    int64_t have = 0;
    int want = store_migrations[store_migration_count - 1].version;
    if (schema_version_sqlite(src, &have) < 0) {
        fprintf(stderr, "confide: cannot read the SQLite database's schema version\n");
        return -1;
    }
    if (have < want) {
        fprintf(stderr,
                "confide: the SQLite database is at schema version %lld and this confide "
                "at %d: run `confide migrate` first (with the same settings), then "
                "migrate-data. Nothing was written\n",
                (long long)have, want);
        return -1;
    }
    if (have > want) {
        fprintf(stderr,
                "confide: the SQLite database is at schema version %lld, newer than this "
                "confide's %d: use the confide that wrote it. Nothing was written\n",
                (long long)have, want);
        return -1;
    }
    return 0;
}

/* The target's schema made by the migrations through the PostgreSQL backend, at this
 * binary's version. */
static int migrate_target(const char *url, const struct seal *seal, void *tgt,
                          struct store **target)
{
    if (store_open(url, seal, target) < 0) {
        fprintf(stderr, "confide: cannot connect to the PostgreSQL database --to names\n");
        return -1;
    }
    int applied = 0, version = 0;
    if (store_migrate(*target, &applied, &version) < 0) {
        fprintf(stderr, "confide: the migrations failed on PostgreSQL; nothing was changed "
                        "there\n");
        return -1;
    }
    int64_t have = 0;
    int want = store_migrations[store_migration_count - 1].version;
    if (schema_version_pg(tgt, &have) < 0 || have != want) {
        fprintf(stderr,
                "confide: the PostgreSQL database is at schema version %lld, not this "
                "confide's %d. Nothing was copied\n",
                (long long)have, want);
        return -1;
    }
    printf("PostgreSQL schema: version %d (%d migration(s) applied now)\n", want, applied);
    return 0;
}

struct run_state {
    void *src, *tgt; /* the backends' own connections, for the copy */
    struct seal *seal;
    struct store *source, *target; /* the store's, for the audit chain */
    struct schema schema;
};

static int migrate_data(const struct cli *cli, struct run_state *st)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/confide.db", cli->cfg.data_dir);
    if (access(path, F_OK) < 0) { /* opening would make an empty one */
        fprintf(stderr, "confide: there is no SQLite database at %s (see --data-dir)\n", path);
        return 1;
    }
    if (store_sqlite_backend.open(path, &st->src) < 0) {
        fprintf(stderr, "confide: cannot open %s\n", path);
        return 1;
    }
    if (check_source_version(st->src) < 0 || read_schema(st->src, &st->schema) < 0)
        return 1;
    /* the key checks, and the store the source's chain is verified through */
    struct seal *seal;
    struct store *source;
    if (cli_open_data(&cli->cfg, &seal, &source) < 0)
        return 1;
    st->seal = seal;
    st->source = source;
    if (store_pg_backend.open(cli->to, &st->tgt) < 0) {
        fprintf(stderr, "confide: cannot connect to the PostgreSQL database --to names; nothing "
                        "was written\n");
        return 1;
    }
    /* before the migrations write anything; checked again inside the copy's transaction */
    int held = target_holds_data(st->tgt, &st->schema);
    if (held != 0) {
        if (held < 0)
            fprintf(stderr, "confide: cannot read the PostgreSQL database\n");
        return 1;
    }
    if (migrate_target(cli->to, st->seal, st->tgt, &st->target) < 0)
        return 1;
    /* the source's write lock: nothing changes it between the copy and the counts */
    if (store_sqlite_backend.begin(st->src) < 0) {
        fprintf(stderr, "confide: the SQLite database is busy; stop confide first\n");
        return 1;
    }
    int rc = copy_all(st->src, st->tgt, &st->schema);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "confide: nothing was copied (the PostgreSQL database keeps only "
                            "the schema the migrations made)\n");
        return 1;
    }
    int counts = compare_counts(st->src, st->tgt, &st->schema);
    store_sqlite_backend.rollback(st->src); /* it only read */
    int audit = compare_audit(st->source, st->target);
    if (counts < 0 || audit < 0) {
        fprintf(stderr, "confide: the copy does not match the source; keep using SQLite and "
                        "drop this PostgreSQL database\n");
        return 1;
    }
    struct buf shown = {0};
    url_without_password(cli->to, &shown);
    printf("confide: the practice is on PostgreSQL now. Set database_url = %s in the config "
           "(the same key_file), then start confide\n",
           shown.data);
    buf_free(&shown);
    return 0;
}

int cli_migrate_data(struct cli *cli)
{
    if (check_arguments(cli) < 0)
        return 2;
    static struct run_state st; /* the schema is large for the stack */
    memset(&st, 0, sizeof st);
    int rc = migrate_data(cli, &st);
    if (st.src)
        store_sqlite_backend.rollback(st.src);
    store_sqlite_backend.close(st.src);
    store_pg_backend.close(st.tgt);
    store_close(st.target);
    if (st.seal)
        cli_close_data(st.seal, st.source);
    return rc;
}

/* migrations: src/store/migrations/NNN_name.sql, compiled in by cmake/embed_migrations.cmake.
 * A migration is never edited once it has shipped; change the schema with a new file.
 * The SQL is written once, with SQLite's type names; the PostgreSQL backend runs it through
 * store/dialect.h (INTEGER, BLOB and the rowid alias become PostgreSQL's). Where that is not
 * enough (triggers: SQLite's RAISE against PL/pgSQL), the same migration as PostgreSQL runs
 * it sits beside it as NNN_name.pg.sql, with the reason at its top, and PostgreSQL runs
 * that one instead. */
#ifndef CONFIDE_STORE_MIGRATIONS_H
#define CONFIDE_STORE_MIGRATIONS_H

struct store_migration {
    int version;
    const char *name;
    const char *sql;
    const char *pg_sql; /* NNN_name.pg.sql, or NULL: PostgreSQL runs sql through dialect.h */
};

extern const struct store_migration store_migrations[];
extern const int store_migration_count;

#endif

/* migrations: src/store/migrations/NNN_name.sql, compiled in by cmake/embed_migrations.cmake.
 * A migration is never edited once it has shipped; change the schema with a new file. */
#ifndef CONFIDE_STORE_MIGRATIONS_H
#define CONFIDE_STORE_MIGRATIONS_H

struct store_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct store_migration store_migrations[];
extern const int store_migration_count;

#endif

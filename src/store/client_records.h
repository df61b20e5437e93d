/* The registry of everything held about a client: one entry a kind of record, saying where
 * its rows are, how the client's are found, what the export shows of them (the sealed
 * columns marked) and what erasure does with them. Export, erasure and the retention purge
 * (client_records.c) walk it and nothing else, so a table that holds something about a
 * client is one entry here — and a table missing here is one the erasure cannot finish
 * (its rows keep the client row, whose foreign keys they hold, until it is added).
 *
 * Order matters: erasure and the purge delete in the registry's order, so a table whose
 * rows refer to another's (by a foreign key) comes before it. */
#ifndef CONFIDE_STORE_CLIENT_RECORDS_H
#define CONFIDE_STORE_CLIENT_RECORDS_H
#include "store/store.h"

enum client_record_value {
    CR_PLAIN,  /* a number or text as stored */
    CR_TIME,   /* ms since the epoch: a date in the export */
    CR_SEALED, /* sealed under `sealed` (a store_sealed_columns label) for row `sealed_for` */
};

struct client_record_column {
    const char *name; /* its key in the export */
    const char *sql;  /* an expression over the entry's FROM (the table is "t") */
    enum client_record_value value;
    const char *sealed;     /* CR_SEALED: the label its values are sealed under */
    const char *sealed_for; /* CR_SEALED: an expression giving the row id they are sealed for */
};

#define CLIENT_RECORD_COLUMNS 8

struct client_record_kind {
    const char *kind;  /* the key in the export and in record_holds, e.g. "attendance" */
    const char *title; /* the heading in the readable copy; NULL: rows that go with the
                        * client's records but say nothing about them (not exported) */
    const char *table; /* rows are erased from here; called "t" in every SQL below */
    const char *from;  /* what the export reads, joining t to what names its rows; NULL: the
                        * table alone */
    const char *rows;  /* the client's rows: a condition over t, $1 the client's id; NULL
                        * with match_sealed */
    /* Rows found by a sealed column equal to the client's email instead (mail waiting for
     * them: the outbox keeps no client id): that column of t, its label, and t's id. */
    const char *match_column, *match_label;
    const char *time; /* KEEP_UNTIL_RETENTION: the date retention counts from, over t */
    enum store_record_class held;
    /* read by the client's practitioner (and a group's co-facilitators) only: a copy an
     * administrator makes under emergency access leaves them out (private notes) */
    int practitioner_only;
    /* KEEP_UNTIL_RETENTION: what else erasure does to the kept rows ($1 the client, $2 now),
     * e.g. cancelling the meetings to come; NULL: nothing */
    const char *at_erasure;
    struct client_record_column columns[CLIENT_RECORD_COLUMNS];
};

extern const struct client_record_kind client_records[];
extern const int client_record_count;

#endif

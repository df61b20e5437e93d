/* Client rights over the registry of everything held about a client: the export, the
 * erasure with its retention hold, and the daily purge. The registry (client_records[]) is
 * the one place that knows the tables; the code below walks it without a word about any.
 * Its statements are built from the registry's SQL fragments (never from input: the only
 * values are parameters) and run outside the statement cache, as key rotation's are. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "store/client_records.h"
#include "store/internal.h"

/* ---- the registry ---- */

#define SEALED(n, expr, label, row)                                                                \
    {                                                                                              \
        n, expr, CR_SEALED, label, row                                                             \
    }
#define PLAIN(n, expr)                                                                             \
    {                                                                                              \
        n, expr, CR_PLAIN, NULL, NULL                                                              \
    }
#define TIME(n, expr)                                                                              \
    {                                                                                              \
        n, expr, CR_TIME, NULL, NULL                                                               \
    }

/* the meetings of the client's one-to-one sessions, and a meeting's start (retention of
 * what happened in a meeting counts from the meeting) */
#define OWN_MEETINGS                                                                               \
    "SELECT o.id FROM occurrences o JOIN series s ON s.id = o.series_id WHERE s.client_id = $1"
#define MEETING_START "(SELECT o.starts_at FROM occurrences o WHERE o.id = t.occurrence_id)"

const struct client_record_kind client_records[] = {
    {.kind = "contact",
     .title = "Contact details",
     .table = "clients",
     .rows = "t.id = $1",
     .held = STORE_RECORD_CONTACT,
     .columns = {SEALED("name", "t.name_sealed", "clients.name", "t.id"),
                 SEALED("email", "t.email_sealed", "clients.email", "t.id"),
                 SEALED("phone", "t.phone_sealed", "clients.phone", "t.id"),
                 SEALED("emergency_contact", "t.emergency_sealed", "clients.emergency", "t.id"),
                 PLAIN("time_zone", "t.time_zone"), TIME("created_at", "t.created_at"),
                 TIME("archived_at", "t.archived_at")}},
    /* a group's name, never its other members */
    {.kind = "group_memberships",
     .title = "Group memberships",
     .table = "group_members",
     .from = "group_members t JOIN therapy_groups g ON g.id = t.group_id",
     .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {SEALED("group", "g.name_sealed", "groups.name", "g.id"),
                 TIME("added_at", "t.added_at")}},
    {.kind = "agreements",
     .title = "Group agreements accepted",
     .table = "agreement_acceptances",
     .from = "agreement_acceptances t JOIN therapy_groups g ON g.id = t.group_id",
     .rows = "t.client_id = $1",
     .time = "t.accepted_at",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {SEALED("group", "g.name_sealed", "groups.name", "g.id"),
                 PLAIN("version", "t.version"), TIME("accepted_at", "t.accepted_at")}},
    {.kind = "poll_answers",
     .title = "Answers to \"find a time\" polls",
     .table = "poll_answers",
     .from = "poll_answers t JOIN poll_invites i ON i.id = t.invite_id"
             " JOIN polls p ON p.id = i.poll_id JOIN poll_slots sl ON sl.id = t.slot_id",
     .rows = "t.invite_id IN (SELECT id FROM poll_invites WHERE client_id = $1)",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {SEALED("poll", "p.title_sealed", "polls.title", "p.id"),
                 TIME("time_offered", "sl.starts_at"), PLAIN("answer", "t.answer"),
                 TIME("answered_at", "t.answered_at")}},
    /* links: when and for what, never the token */
    {.kind = "poll_links",
     .title = "Links to \"find a time\" polls",
     .table = "poll_invites",
     .from = "poll_invites t JOIN polls p ON p.id = t.poll_id",
     .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {SEALED("poll", "p.title_sealed", "polls.title", "p.id"),
                 TIME("created_at", "t.created_at")}},
    {.kind = "session_links",
     .title = "Personal links to sessions",
     .table = "invites",
     .from = "invites t JOIN series s ON s.id = t.series_id",
     .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {SEALED("session", "s.title_sealed", "series.title", "s.id"),
                 TIME("created_at", "t.created_at"), TIME("revoked_at", "t.revoked_at")}},
    /* what mail was written to them (not its text: it holds their links) */
    {.kind = "mail",
     .title = "Mail sent or waiting to be sent",
     .table = "outbox",
     .match_column = "recipient_sealed",
     .match_label = "outbox.recipient",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {PLAIN("kind", "t.kind"), PLAIN("state", "t.state"),
                 TIME("created_at", "t.created_at"), TIME("sent_at", "t.sent_at")}},
    /* a live meeting's state: who is in it under which name */
    {.kind = "meeting_admissions",
     .title = "Admissions to meetings in progress",
     .table = "meeting_admitted",
     .from = "meeting_admitted t JOIN occurrences o ON o.id = t.occurrence_id",
     .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {TIME("meeting", "o.starts_at"),
                 SEALED("name_shown", "t.name_sealed", "meeting_admitted.name", "t.id"),
                 TIME("admitted_at", "t.admitted_at")}},
    {.kind = "attendance",
     .title = "Attendance",
     .table = "attendance",
     .from = "attendance t JOIN occurrences o ON o.id = t.occurrence_id"
             " JOIN series s ON s.id = o.series_id",
     .rows = "t.client_id = $1",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {SEALED("session", "s.title_sealed", "series.title", "s.id"),
                 TIME("meeting", "o.starts_at"), PLAIN("event", "t.event"), TIME("at", "t.at")}},
    {.kind = "turned_away",
     .title = "Removed from or not let into a meeting",
     .table = "turned_away",
     .from = "turned_away t JOIN occurrences o ON o.id = t.occurrence_id",
     .rows = "t.client_id = $1",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {TIME("meeting", "o.starts_at"), PLAIN("what", "t.what"), TIME("at", "t.at")}},
    {.kind = "emergency_access",
     .title = "Emergency access to this record",
     .table = "emergency_access",
     .from = "emergency_access t LEFT JOIN users u ON u.id = t.admin_user_id",
     .rows = "t.client_id = $1",
     .time = "t.opened_at",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {SEALED("opened_by", "u.name_sealed", "users.name", "u.id"),
                 SEALED("reason", "t.reason_sealed", "emergency_access.reason", "t.id"),
                 TIME("opened_at", "t.opened_at"), TIME("until", "t.expires_at")}},
    /* check-ins: a risk alert refers to its answers, the answers to their meeting */
    {.kind = "risk_alerts",
     .title = "Risk alerts raised by a check-in",
     .table = "care_alerts",
     .rows = "t.client_id = $1",
     /* held as long as the answers it refers to, so it never outlives them */
     .time = "(SELECT c.answered_at FROM checkins c WHERE c.id = t.checkin_id)",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {TIME("raised_at", "t.raised_at"), TIME("seen_at", "t.seen_at")}},
    {.kind = "checkins",
     .title = "Check-in answers",
     .table = "checkins",
     .from = "checkins t LEFT JOIN occurrences o ON o.id = t.occurrence_id",
     .rows = "t.client_id = $1",
     .time = "t.answered_at",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {PLAIN("measure", "t.measure"), PLAIN("total", "t.total"),
                 PLAIN("band", "t.band"), PLAIN("risk", "t.risk"),
                 SEALED("answers", "t.answers_sealed", "checkins.answers", "t.id"),
                 SEALED("word", "t.word_sealed", "checkins.word", "t.id"),
                 TIME("meeting", "o.starts_at"), TIME("answered_at", "t.answered_at")}},
    {.kind = "checkins_chosen",
     .title = "Check-ins chosen for them",
     .table = "checkin_choices",
     .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {PLAIN("measures", "t.measures"), TIME("chosen_at", "t.updated_at")}},
    /* private notes: an addendum refers to its note, a note to its meeting */
    {.kind = "note_addenda",
     .title = "Addenda to session notes",
     .table = "note_addenda",
     .from = "note_addenda t LEFT JOIN users u ON u.id = t.author_id",
     .rows = "t.note_id IN (SELECT id FROM notes WHERE client_id = $1)",
     /* held as long as its note, however much later it was written */
     .time = "(SELECT o.starts_at FROM notes n JOIN occurrences o ON o.id = n.occurrence_id"
             " WHERE n.id = t.note_id)",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .practitioner_only = 1,
     .columns = {PLAIN("note", "t.note_id"), SEALED("by", "u.name_sealed", "users.name", "u.id"),
                 SEALED("text", "t.body_sealed", "note_addenda.body", "t.id"),
                 TIME("at", "t.created_at")}},
    {.kind = "notes",
     .title = "Session notes",
     .table = "notes",
     .from = "notes t JOIN occurrences o ON o.id = t.occurrence_id"
             " LEFT JOIN users u ON u.id = t.author_id",
     .rows = "t.client_id = $1",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .practitioner_only = 1,
     .columns = {PLAIN("note", "t.id"), TIME("meeting", "o.starts_at"),
                 PLAIN("template", "t.template"),
                 SEALED("sections", "t.body_sealed", "notes.body", "t.id"),
                 SEALED("by", "u.name_sealed", "users.name", "u.id"),
                 TIME("updated_at", "t.updated_at"), TIME("signed_at", "t.signed_at")}},
    /* secure messages: their thread (a group's announcements are the group's; what they
     * read of them is theirs) and the ways into it */
    {.kind = "messages",
     .title = "Secure messages",
     .table = "messages",
     .from = "messages t LEFT JOIN users u ON u.id = t.author_user_id",
     .rows = "t.client_id = $1",
     .time = "t.created_at",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {SEALED("from_practitioner", "u.name_sealed", "users.name", "u.id"),
                 SEALED("text", "t.body_sealed", "messages.body", "t.id"),
                 TIME("sent_at", "t.created_at"), TIME("read_at", "t.read_at")}},
    {.kind = "announcements_read",
     .title = "Group announcements read",
     .table = "announcement_reads",
     .from = "announcement_reads t JOIN messages m ON m.id = t.message_id",
     .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {TIME("announced_at", "m.created_at"), TIME("read_at", "t.read_at")}},
    {.kind = "message_links", .table = "inbox_links", .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE},
    {.kind = "message_sign_ins",
     .title = "Devices signed in to secure messages",
     .table = "inbox_signins",
     .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {TIME("signed_in_at", "t.created_at"), TIME("until", "t.expires_at")}},
    /* billing: their fee terms, insurance details, charges and payments (billing.c); a
     * charge refers to its meeting, so these come before the meetings */
    {.kind = "fees",
     .title = "Their own fees",
     .table = "client_fees",
     .rows = "t.client_id = $1",
     .held = STORE_RECORD_ERASE_AT_ONCE,
     .columns = {PLAIN("service", "t.service_id"), PLAIN("fee_cents", "t.fee_cents"),
                 TIME("updated_at", "t.updated_at")}},
    {.kind = "billing",
     .title = "Sliding scale and insurance details",
     .table = "client_billing",
     .rows = "t.client_id = $1",
     .time = "t.updated_at",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {PLAIN("scale", "t.scale_kind"), PLAIN("scale_value", "t.scale_value"),
                 SEALED("insurance", "t.insurance_sealed", "client_billing.insurance",
                        "t.client_id"),
                 SEALED("diagnoses", "t.diagnoses_sealed", "client_billing.diagnoses",
                        "t.client_id"),
                 TIME("updated_at", "t.updated_at")}},
    {.kind = "charges",
     .title = "Charges",
     .table = "charges",
     .rows = "t.client_id = $1",
     .time = "t.service_at",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {TIME("service_at", "t.service_at"), PLAIN("kind", "t.kind"),
                 PLAIN("cpt", "t.cpt"), PLAIN("place_of_service", "t.place_of_service"),
                 PLAIN("amount_cents", "t.amount_cents"), TIME("waived_at", "t.waived_at"),
                 SEALED("waived_reason", "t.waived_reason_sealed", "charges.waived_reason",
                        "t.id")}},
    {.kind = "payments",
     .title = "Payments",
     .table = "payments",
     .rows = "t.client_id = $1",
     .time = "t.created_at",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {PLAIN("method", "t.method"), PLAIN("amount_cents", "t.amount_cents"),
                 PLAIN("received_on_day", "t.received_on"),
                 SEALED("reference", "t.reference_sealed", "payments.reference", "t.id"),
                 TIME("recorded_at", "t.created_at")}},
    /* the rest of the client's one-to-one meetings: the practitioner's side of them and
     * the meetings' bookkeeping, kept and let go with the meetings */
    {.kind = "own_meetings_attendance",
     .table = "attendance",
     .rows = "t.occurrence_id IN (" OWN_MEETINGS ")",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION},
    {.kind = "own_meetings_turned_away",
     .table = "turned_away",
     .rows = "t.occurrence_id IN (" OWN_MEETINGS ")",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION},
    {.kind = "own_meetings_admitted",
     .table = "meeting_admitted",
     .rows = "t.occurrence_id IN (" OWN_MEETINGS ")",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION},
    {.kind = "own_meetings_reminders",
     .table = "reminders_sent",
     .rows = "t.occurrence_id IN (" OWN_MEETINGS ")",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION},
    {.kind = "own_meetings_locks",
     .table = "meeting_locks",
     .rows = "t.occurrence_id IN (" OWN_MEETINGS ")",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION},
    {.kind = "own_meetings_leases",
     .table = "meeting_leases",
     .rows = "t.occurrence_id IN (" OWN_MEETINGS ")",
     .time = MEETING_START,
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION},
    {.kind = "meetings",
     .title = "One-to-one meetings",
     .table = "occurrences",
     .rows = "t.series_id IN (SELECT id FROM series WHERE client_id = $1)",
     .time = "t.starts_at",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .columns = {TIME("starts_at", "t.starts_at"), TIME("ends_at", "t.ends_at"),
                 TIME("cancelled_at", "t.cancelled_at")}},
    /* a session's hold counts from its last meeting, so it never goes before them */
    {.kind = "sessions",
     .title = "One-to-one sessions",
     .table = "series",
     .rows = "t.client_id = $1",
     .time = "COALESCE((SELECT max(o.starts_at) FROM occurrences o WHERE o.series_id = t.id),"
             " t.created_at)",
     .held = STORE_RECORD_KEEP_UNTIL_RETENTION,
     .at_erasure = "UPDATE series SET cancelled_at = $2 WHERE client_id = $1"
                   " AND cancelled_at IS NULL",
     .columns = {SEALED("title", "t.title_sealed", "series.title", "t.id"),
                 PLAIN("time_zone", "t.time_zone"), PLAIN("duration_minutes", "t.duration_minutes"),
                 TIME("created_at", "t.created_at"), TIME("cancelled_at", "t.cancelled_at")}},
    /* who read or changed their record, and when: the log is append-only, never erased */
    {.kind = "audit",
     .title = "Who looked at or changed this record",
     .table = "audit_log",
     .from = "audit_log t LEFT JOIN users u ON u.id = t.actor_user_id",
     .rows = "t.subject_id = $1 AND t.action LIKE 'client.%'",
     .held = STORE_RECORD_APPEND_ONLY,
     .columns = {PLAIN("action", "t.action"), SEALED("by", "u.name_sealed", "users.name", "u.id"),
                 TIME("at", "t.at"), PLAIN("outcome", "t.outcome")}},
};
const int client_record_count = (int)(sizeof client_records / sizeof client_records[0]);

/* ---- running built statements ---- */

static int run_sql(struct store *s, const char *sql, const struct store_value *p, int n,
                   store_row_fn fn, void *ctx, int64_t *changes)
{
    int64_t t0 = clock_mono_us();
    int64_t changed = 0;
    /* id -1: not kept in the statement cache */
    int rc = s->be->query(s->db, -1, sql, p, n, fn, ctx, &changed);
    metrics_store_call(clock_mono_us() - t0, rc < 0 && rc != -EEXIST);
    if (rc == 0)
        s->rows_written += changed;
    if (changes)
        *changes = changed;
    return rc;
}

static int column_count(const struct client_record_kind *k)
{
    int n = 0;
    while (n < CLIENT_RECORD_COLUMNS && k->columns[n].name)
        n++;
    return n;
}

/* ---- reading a kind's rows ---- */

struct reading {
    struct store *s;
    struct arena *a;
    const struct client_record_kind *k;
    int ncols;
    const char *email; /* match_column: the client's, the rows kept are those sealed to it */
    struct store_record_field *fields;
    size_t count, cap;
    int64_t *ids; /* match_column: each kept row's id */
    size_t id_cap;
    int bad;
};

static int read_row(void *ctx, const struct store_value *c, int n)
{
    struct reading *r = ctx;
    const struct client_record_kind *k = r->k;
    if (k->match_column) {
        assert(n - r->ncols >= 2 && c[n - 2].type == SV_INT);
        int bad = 0;
        char *to = store_col_unseal(r->s, r->a, k->match_label, c[n - 2].i, &c[n - 1], &bad);
        if (bad) {
            r->bad = 1;
            return 0;
        }
        if (!to || !r->email || strcmp(to, r->email) != 0)
            return 0;
        r->ids = arena_grow(r->a, r->ids, sizeof *r->ids, &r->id_cap, r->count + 1);
        r->ids[r->count] = c[n - 2].i;
    }
    size_t need = (r->count + 1) * (size_t)r->ncols;
    r->fields = arena_grow(r->a, r->fields, sizeof *r->fields, &r->cap, need);
    struct store_record_field *f = &r->fields[r->count * (size_t)r->ncols];
    int sealed_at = r->ncols; /* each sealed column's row id follows the columns, in order */
    for (int i = 0; i < r->ncols; i++) {
        const struct client_record_column *col = &k->columns[i];
        f[i].name = col->name;
        f[i].type = STORE_FIELD_NULL;
        if (col->value == CR_SEALED) {
            int64_t row = col_int(&c[sealed_at++]);
            f[i].text = store_col_unseal(r->s, r->a, col->sealed, row, &c[i], &r->bad);
            if (f[i].text)
                f[i].type = STORE_FIELD_TEXT;
        } else if (c[i].type == SV_INT) {
            f[i].type = col->value == CR_TIME ? STORE_FIELD_TIME : STORE_FIELD_INT;
            f[i].i = c[i].i;
        } else if (c[i].type == SV_TEXT) {
            f[i].type = STORE_FIELD_TEXT;
            f[i].text = col_text(r->a, &c[i]);
        }
    }
    r->count++;
    return 0;
}

/* The client's rows of one kind; with match_column, their ids in r->ids. */
static int read_kind(struct store *s, struct arena *a, const struct client_record_kind *k,
                     int64_t client_id, const char *email, struct reading *r)
{
    *r = (struct reading){.s = s, .a = a, .k = k, .ncols = column_count(k), .email = email};
    char sql[2048];
    size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    const char *comma = "";
    for (int i = 0; i < r->ncols; i++, comma = ", ")
        len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", comma, k->columns[i].sql);
    for (int i = 0; i < r->ncols; i++, comma = ", ")
        if (k->columns[i].value == CR_SEALED)
            len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", comma,
                                    k->columns[i].sealed_for);
    if (k->match_column)
        len +=
            (size_t)snprintf(sql + len, sizeof sql - len, "%st.id, t.%s", comma, k->match_column);
    if (len == 7) /* no columns: what is counted is the rows */
        len += (size_t)snprintf(sql + len, sizeof sql - len, "1");
    char from[200];
    snprintf(from, sizeof from, "%s t", k->table);
    len += (size_t)snprintf(sql + len, sizeof sql - len, " FROM %s WHERE %s ORDER BY ",
                            k->from ? k->from : from, k->rows ? k->rows : "$1 = $1");
    /* oldest first: by each date shown, in the order shown */
    for (int i = 0; i < r->ncols; i++)
        if (k->columns[i].value == CR_TIME)
            len += (size_t)snprintf(sql + len, sizeof sql - len, "%s, ", k->columns[i].sql);
    len += (size_t)snprintf(sql + len, sizeof sql - len, "1");
    assert(len < sizeof sql);
    struct store_value p[] = {P_INT(client_id)};
    int rc = run_sql(s, sql, p, 1, read_row, r, NULL);
    if (rc == 0 && r->bad)
        rc = -EIO;
    return rc;
}

/* ---- the client ---- */

static int read_rights_client(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 6);
    struct store_rights_client *out = item;
    out->id = col_int(&c[0]);
    out->therapist_id = col_int(&c[1]);
    out->name = store_col_unseal(r->s, r->a, "clients.name", out->id, &c[2], &r->bad);
    out->email = store_col_unseal(r->s, r->a, "clients.email", out->id, &c[3], &r->bad);
    out->time_zone = col_text(r->a, &c[4]);
    out->archived_at = col_int(&c[5]);
    return 0;
}

int store_rights_client_get(struct store *s, struct arena *a, int64_t id,
                            struct store_rights_client *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_RIGHTS_CLIENT, p, 1, sizeof *out, read_rights_client, out);
}

/* ---- export ---- */

int store_client_records(struct store *s, struct arena *a, int64_t client_id, int practitioner,
                         struct store_record_set **out, size_t *count)
{
    struct store_rights_client c;
    int rc = store_rights_client_get(s, a, client_id, &c);
    if (rc < 0)
        return rc;
    struct store_record_set *sets = arena_alloc(a, sizeof *sets * (size_t)client_record_count);
    size_t n = 0;
    for (int i = 0; i < client_record_count; i++) {
        const struct client_record_kind *k = &client_records[i];
        if (!k->title || (k->practitioner_only && !practitioner))
            continue;
        struct reading r;
        rc = read_kind(s, a, k, client_id, c.email, &r);
        if (rc < 0)
            return rc;
        sets[n++] = (struct store_record_set){.kind = k->kind,
                                              .title = k->title,
                                              .held = k->held,
                                              .field_count = r.ncols,
                                              .fields = r.fields,
                                              .count = r.count};
    }
    *out = sets;
    *count = n;
    return 0;
}

/* ---- erasure and the purge ---- */

/* Deletes the client's rows of kind k; with `before`, only those dated before it. */
static int delete_rows(struct store *s, struct arena *a, const struct client_record_kind *k,
                       int64_t client_id, const char *email, const int64_t *before,
                       int64_t *deleted)
{
    int64_t changes = 0;
    if (k->match_column) {
        assert(!before); /* matched rows are erased at once */
        struct reading r;
        int rc = read_kind(s, a, k, client_id, email, &r);
        char sql[200];
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = $1", k->table);
        for (size_t i = 0; rc == 0 && i < r.count; i++) {
            struct store_value p[] = {P_INT(r.ids[i])};
            rc = run_sql(s, sql, p, 1, NULL, NULL, &changes);
            *deleted += changes;
        }
        return rc;
    }
    char sql[1024];
    int len = snprintf(sql, sizeof sql, "DELETE FROM %s AS t WHERE (%s)", k->table, k->rows);
    if (before)
        len += snprintf(sql + len, sizeof sql - (size_t)len, " AND COALESCE(%s, 0) < $2", k->time);
    assert(len < (int)sizeof sql);
    struct store_value p[] = {P_INT(client_id), P_INT(before ? *before : 0)};
    int rc = run_sql(s, sql, p, before ? 2 : 1, NULL, NULL, &changes);
    *deleted += changes;
    return rc;
}

struct remaining {
    int64_t rows, newest;
};

static int read_remaining(void *ctx, const struct store_value *c, int n)
{
    assert(n == 2);
    struct remaining *r = ctx;
    r->rows = col_int(&c[0]);
    r->newest = col_int(&c[1]);
    return 1;
}

/* The client's rows of kind k still there (with `from`, only those dated from it on), and
 * the newest date among them. */
static int count_remaining(struct store *s, const struct client_record_kind *k, int64_t client_id,
                           const int64_t *from, struct remaining *out)
{
    char sql[1024];
    const char *time = k->time ? k->time : "0";
    int len =
        snprintf(sql, sizeof sql, "SELECT count(*), max(COALESCE(%s, 0)) FROM %s t WHERE (%s)",
                 time, k->table, k->rows);
    if (from)
        len += snprintf(sql + len, sizeof sql - (size_t)len, " AND COALESCE(%s, 0) >= $2", time);
    assert(len < (int)sizeof sql);
    *out = (struct remaining){0};
    struct store_value p[] = {P_INT(client_id), P_INT(from ? *from : 0)};
    return run_sql(s, sql, p, from ? 2 : 1, read_remaining, out, NULL);
}

/* Trims kind k to the rows still within retention and sets the client's hold on it (none
 * when nothing is left). */
static int hold_kind(struct store *s, const struct client_record_kind *k, int64_t client_id,
                     const struct store_retention *r, int64_t *deleted,
                     struct store_record_hold *hold)
{
    int rc = delete_rows(s, NULL, k, client_id, NULL, &r->cutoff, deleted);
    struct remaining left;
    if (rc == 0)
        rc = count_remaining(s, k, client_id, NULL, &left);
    if (rc < 0)
        return rc;
    *hold = (struct store_record_hold){.kind = k->kind, .rows = left.rows};
    struct store_value p[] = {P_INT(client_id), P_TEXT(k->kind), P_INT(0)};
    if (left.rows == 0)
        return store_run(s, Q_HOLD_CLEAR, p, 2, NULL, NULL, NULL);
    hold->held_until = r->held_until(left.newest, r->years);
    p[2] = P_INT(hold->held_until);
    return store_run(s, Q_HOLD_SET, p, 3, NULL, NULL, NULL);
}

int store_client_erase(struct store *s, struct arena *a, int64_t client_id,
                       const struct store_retention *r, int64_t now, int64_t *erased,
                       struct store_record_hold **holds, size_t *hold_count)
{
    *erased = 0;
    *holds = arena_alloc(a, sizeof **holds * (size_t)client_record_count);
    *hold_count = 0;
    struct store_rights_client c;
    int rc = store_rights_client_get(s, a, client_id, &c);
    /* the contact first: the mail to them is found by it */
    struct buf empty_name = {0}, empty_email = {0};
    store_seal_text(s, "clients.name", client_id, "", &empty_name);
    store_seal_text(s, "clients.email", client_id, "", &empty_email);
    struct store_value p[] = {P_INT(client_id), P_INT(now), P_BUF(empty_name), P_BUF(empty_email)};
    if (rc == 0)
        rc = store_run_change(s, Q_CLIENT_ERASE, p, NPARAMS(p));
    buf_free(&empty_name);
    buf_free(&empty_email);
    for (int i = 0; rc == 0 && i < client_record_count; i++) {
        const struct client_record_kind *k = &client_records[i];
        if (k->held == STORE_RECORD_ERASE_AT_ONCE) {
            rc = delete_rows(s, a, k, client_id, c.email, NULL, erased);
        } else if (k->held == STORE_RECORD_KEEP_UNTIL_RETENTION) {
            struct store_record_hold h = {0};
            rc = hold_kind(s, k, client_id, r, erased, &h);
            if (rc == 0 && h.rows > 0)
                (*holds)[(*hold_count)++] = h;
            if (rc == 0 && h.rows > 0 && k->at_erasure)
                rc = run_sql(s, k->at_erasure, p, 2, NULL, NULL, NULL);
        }
    }
    if (rc == 0 && *hold_count == 0) {
        rc = store_run_change(s, Q_CLIENT_PURGE, p, 1);
        (*erased)++;
    }
    return rc;
}

int store_client_erase_preview(struct store *s, struct arena *a, int64_t client_id,
                               const struct store_retention *r, struct store_erase_preview **out,
                               size_t *count)
{
    struct store_rights_client c;
    int rc = store_rights_client_get(s, a, client_id, &c);
    *out = arena_alloc(a, sizeof **out * (size_t)client_record_count);
    *count = 0;
    for (int i = 0; rc == 0 && i < client_record_count; i++) {
        const struct client_record_kind *k = &client_records[i];
        if (!k->title || k->held == STORE_RECORD_CONTACT || k->held == STORE_RECORD_APPEND_ONLY)
            continue;
        struct store_erase_preview *p = &(*out)[(*count)++];
        *p = (struct store_erase_preview){.kind = k->kind, .title = k->title, .held = k->held};
        struct remaining all, kept;
        if (k->match_column) {
            struct reading found;
            rc = read_kind(s, a, k, client_id, c.email, &found);
            p->rows = (int64_t)found.count;
            continue;
        }
        rc = count_remaining(s, k, client_id, NULL, &all);
        p->rows = all.rows;
        if (rc == 0 && k->held == STORE_RECORD_KEEP_UNTIL_RETENTION) {
            rc = count_remaining(s, k, client_id, &r->cutoff, &kept);
            p->kept = kept.rows;
            p->held_until = kept.rows ? r->held_until(kept.newest, r->years) : 0;
        }
    }
    return rc;
}

static int read_hold(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 2);
    struct store_record_hold *h = item;
    h->kind = col_text(r->a, &c[0]);
    h->held_until = col_int(&c[1]);
    return 0;
}

int store_record_holds(struct store *s, struct arena *a, int64_t client_id,
                       struct store_record_hold **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_hold};
    struct store_value p[] = {P_INT(client_id)};
    int rc = store_run_rows(s, Q_HOLDS_OF, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

struct ids {
    struct arena *a;
    int64_t *items;
    size_t count, cap;
};

static int collect_id(void *ctx, const struct store_value *c, int n)
{
    assert(n == 1);
    struct ids *ids = ctx;
    ids->items = arena_grow(ids->a, ids->items, sizeof *ids->items, &ids->cap, ids->count + 1);
    ids->items[ids->count++] = col_int(&c[0]);
    return 0;
}

int store_records_purge(struct store *s, const struct store_retention *r, int64_t *rows,
                        int64_t *clients)
{
    *rows = 0;
    *clients = 0;
    struct arena a = {0};
    struct ids erased = {.a = &a};
    int rc = store_run(s, Q_CLIENTS_ERASED, NULL, 0, collect_id, &erased, NULL);
    for (size_t c = 0; rc == 0 && c < erased.count; c++) {
        int held = 0;
        for (int i = 0; rc == 0 && i < client_record_count; i++) {
            const struct client_record_kind *k = &client_records[i];
            if (k->held != STORE_RECORD_KEEP_UNTIL_RETENTION)
                continue;
            struct store_record_hold h = {0};
            rc = hold_kind(s, k, erased.items[c], r, rows, &h);
            held += h.rows > 0;
        }
        if (rc == 0 && !held) {
            struct store_value p[] = {P_INT(erased.items[c])};
            rc = store_run_change(s, Q_CLIENT_PURGE, p, 1);
            (*clients)++;
        }
    }
    arena_free(&a);
    return rc;
}

/* The purge's lock among nodes ("cnfp"; the reminders' is "cnfr", mail.c). */
#define PURGE_LOCK 1668179568

int store_purge_try_lock(struct store *s)
{
    assert(!s->in_txn);
    return s->be->try_lock(s->db, PURGE_LOCK);
}

void store_purge_unlock(struct store *s)
{
    s->be->unlock(s->db, PURGE_LOCK);
}

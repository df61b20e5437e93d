#include "store/store.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "store/backend.h"

struct store {
    const struct store_backend *be;
    void *db;
    const struct seal *seal;
};

/* ---- the statements: portable SQL, $N parameters ---- */

enum query {
    Q_PING,
    Q_AUDIT,
    Q_USER_COUNT,
    Q_USER_INSERT,
    Q_USER_BY_INDEX,
    Q_USER_BY_ID,
    Q_LOGIN_INSERT,
    Q_LOGIN_GET,
    Q_LOGIN_TOUCH,
    Q_LOGIN_DELETE,
    Q_LOGIN_DELETE_EXPIRED,
    Q_CLIENT_INSERT,
    Q_CLIENT_GET,
    Q_CLIENT_UPDATE,
    Q_CLIENT_ARCHIVE,
    Q_CLIENT_LIST,
    Q_GROUP_INSERT,
    Q_GROUP_GET,
    Q_GROUP_UPDATE,
    Q_GROUP_ARCHIVE,
    Q_GROUP_LIST,
    Q_MEMBER_ADD,
    Q_MEMBER_REMOVE,
    Q_MEMBERS,
    Q_FACILITATOR_ADD,
    Q_FACILITATOR_REMOVE,
    Q_FACILITATORS,
    Q_SERIES_INSERT,
    Q_SERIES_GET,
    Q_SERIES_UPDATE,
    Q_SERIES_LIST,
    Q_OCC_INSERT,
    Q_OCC_GET,
    Q_OCC_UPDATE,
    Q_OCC_LIST,
    Q_OCC_OVERLAP,
    Q_INVITE_INSERT,
    Q_INVITE_LIST,
    Q_MAIL_INSERT,
    Q_MAIL_CLAIM,
    Q_MAIL_SENT,
    Q_MAIL_RETRY,
    Q_MAIL_FAIL,
    Q_MAIL_RECOVER,
    Q_MAIL_COUNT,
    Q_REMINDERS_DUE,
    Q_REMINDER_MARK,
    Q_POLL_INSERT,
    Q_POLL_GET,
    Q_POLL_LIST,
    Q_POLL_CLOSE,
    Q_POLL_SLOT_INSERT,
    Q_POLL_SLOT_LIST,
    Q_POLL_INVITE_INSERT,
    Q_POLL_INVITE_LIST,
    Q_POLL_INVITE_BY_HASH,
    Q_POLL_ANSWER_SET,
    Q_POLL_ANSWER_LIST,
    Q_INVITE_BY_HASH,
    Q_SERIES_BY_HOST_HASH,
    Q_AGREEMENT_ACCEPT,
    Q_AGREEMENT_ACCEPTED,
    Q_ATTENDANCE_ADD,
    Q_ATTENDANCE_LIST,
    Q_OCC_END,
    Q_COUNT
};

/* The SQLite backend caches prepared statements by query id. */
_Static_assert(Q_COUNT <= STORE_STMT_CACHE, "the statement cache must hold every query");

#define USER_COLS "id, email_sealed, name_sealed, role, password_hash, created_at"
#define CLIENT_COLS                                                                        \
    "id, therapist_id, name_sealed, email_sealed, phone_sealed, emergency_sealed, time_zone," \
    " created_at"
#define GROUP_COLS                                                                         \
    "id, therapist_id, name_sealed, description_sealed, agreement_sealed, agreement_version," \
    " capacity, created_at"
#define SERIES_COLS                                                                        \
    "id, therapist_id, client_id, group_id, title_sealed, time_zone, duration_minutes, rrule," \
    " settings, ics_uid, sequence, host_token_hash, host_token_sealed, created_at, cancelled_at"
#define OCC_COLS                                                                           \
    "o.id, o.series_id, o.therapist_id, o.original_start, o.starts_at, o.ends_at,"         \
    " o.cancelled_at, o.meeting_id, o.password_sealed, o.ended_at"
#define MAIL_COLS                                                                          \
    "id, message_id, kind, recipient_sealed, message_sealed, state, attempts,"              \
    " next_attempt_at, created_at, sent_at"
#define POLL_COLS                                                                          \
    "id, therapist_id, group_id, title_sealed, time_zone, duration_minutes, created_at,"    \
    " closed_at, session_id"
#define INVITE_COLS                                                                        \
    "id, series_id, client_id, token_hash, token_sealed, created_at, revoked_at"
#define POLL_INVITE_COLS "id, poll_id, client_id, token_hash, token_sealed, created_at"

static const char *const query_sql[Q_COUNT] = {
    [Q_PING] = "SELECT count(*) FROM users",
    [Q_AUDIT] = "INSERT INTO audit_log (at, actor_user_id, action, subject_id)"
                " VALUES ($1, $2, $3, $4)",
    [Q_USER_COUNT] = "SELECT count(*) FROM users",
    [Q_USER_INSERT] = "INSERT INTO users (email_index, email_sealed, name_sealed, role,"
                      " password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
                      " RETURNING id",
    [Q_USER_BY_INDEX] = "SELECT " USER_COLS " FROM users WHERE email_index = $1",
    [Q_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = $1",
    [Q_LOGIN_INSERT] = "INSERT INTO login_sessions (token_hash, user_id, created_at,"
                       " last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    [Q_LOGIN_GET] = "SELECT user_id, created_at, last_seen_at, expires_at"
                    " FROM login_sessions WHERE token_hash = $1",
    [Q_LOGIN_TOUCH] = "UPDATE login_sessions SET last_seen_at = $2 WHERE token_hash = $1",
    [Q_LOGIN_DELETE] = "DELETE FROM login_sessions WHERE token_hash = $1",
    [Q_LOGIN_DELETE_EXPIRED] = "DELETE FROM login_sessions"
                               " WHERE expires_at <= $1 OR last_seen_at + $2 <= $1",
    [Q_CLIENT_INSERT] = "INSERT INTO clients (therapist_id, name_sealed, email_sealed,"
                        " phone_sealed, emergency_sealed, time_zone, created_at)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [Q_CLIENT_GET] = "SELECT " CLIENT_COLS " FROM clients WHERE id = $1 AND archived_at IS NULL",
    [Q_CLIENT_UPDATE] = "UPDATE clients SET name_sealed = $2, email_sealed = $3,"
                        " phone_sealed = $4, emergency_sealed = $5, time_zone = $6"
                        " WHERE id = $1 AND archived_at IS NULL",
    [Q_CLIENT_ARCHIVE] = "UPDATE clients SET archived_at = $2 WHERE id = $1"
                         " AND archived_at IS NULL",
    [Q_CLIENT_LIST] = "SELECT " CLIENT_COLS " FROM clients WHERE archived_at IS NULL"
                      " AND ($1 = 0 OR therapist_id = $1) ORDER BY id",
    [Q_GROUP_INSERT] = "INSERT INTO therapy_groups (therapist_id, name_sealed,"
                       " description_sealed, agreement_sealed, agreement_version, capacity,"
                       " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [Q_GROUP_GET] = "SELECT " GROUP_COLS " FROM therapy_groups WHERE id = $1"
                    " AND archived_at IS NULL",
    [Q_GROUP_UPDATE] = "UPDATE therapy_groups SET name_sealed = $2, description_sealed = $3,"
                       " agreement_sealed = $4, agreement_version = $5, capacity = $6"
                       " WHERE id = $1 AND archived_at IS NULL",
    [Q_GROUP_ARCHIVE] = "UPDATE therapy_groups SET archived_at = $2 WHERE id = $1"
                        " AND archived_at IS NULL",
    [Q_GROUP_LIST] = "SELECT " GROUP_COLS " FROM therapy_groups g WHERE archived_at IS NULL"
                     " AND ($1 = 0 OR therapist_id = $1 OR EXISTS (SELECT 1 FROM"
                     " group_facilitators f WHERE f.group_id = g.id AND f.user_id = $1))"
                     " ORDER BY id",
    [Q_MEMBER_ADD] = "INSERT INTO group_members (group_id, client_id, added_at)"
                     " VALUES ($1, $2, $3)",
    [Q_MEMBER_REMOVE] = "DELETE FROM group_members WHERE group_id = $1 AND client_id = $2",
    [Q_MEMBERS] = "SELECT m.client_id FROM group_members m JOIN clients c ON c.id = m.client_id"
                  " WHERE m.group_id = $1 AND c.archived_at IS NULL ORDER BY m.client_id",
    [Q_FACILITATOR_ADD] = "INSERT INTO group_facilitators (group_id, user_id) VALUES ($1, $2)",
    [Q_FACILITATOR_REMOVE] = "DELETE FROM group_facilitators WHERE group_id = $1"
                             " AND user_id = $2",
    [Q_FACILITATORS] = "SELECT user_id FROM group_facilitators WHERE group_id = $1"
                       " ORDER BY user_id",
    [Q_SERIES_INSERT] = "INSERT INTO series (therapist_id, client_id, group_id, title_sealed,"
                        " time_zone, duration_minutes, rrule, settings, ics_uid, sequence,"
                        " host_token_hash, host_token_sealed, created_at)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                        " RETURNING id",
    [Q_SERIES_GET] = "SELECT " SERIES_COLS " FROM series WHERE id = $1",
    [Q_SERIES_UPDATE] = "UPDATE series SET sequence = $2, rrule = $3, cancelled_at = $4"
                        " WHERE id = $1",
    [Q_SERIES_LIST] = "SELECT " SERIES_COLS " FROM series WHERE ($1 = 0 OR therapist_id = $1"
                      " OR group_id IN (SELECT group_id FROM group_facilitators"
                      " WHERE user_id = $1)) ORDER BY id",
    [Q_OCC_INSERT] = "INSERT INTO occurrences (series_id, therapist_id, original_start,"
                     " starts_at, ends_at, meeting_id, password_sealed)"
                     " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [Q_OCC_GET] = "SELECT " OCC_COLS " FROM occurrences o WHERE o.id = $1",
    [Q_OCC_UPDATE] = "UPDATE occurrences SET starts_at = $2, ends_at = $3, cancelled_at = $4"
                     " WHERE id = $1",
    [Q_OCC_LIST] = "SELECT " OCC_COLS " FROM occurrences o WHERE o.series_id = $1"
                   " ORDER BY o.original_start",
    [Q_OCC_OVERLAP] = "SELECT " OCC_COLS " FROM occurrences o WHERE o.therapist_id = $1"
                      " AND o.cancelled_at IS NULL AND o.starts_at < $3 AND o.ends_at > $2"
                      " ORDER BY o.starts_at",
    [Q_INVITE_INSERT] = "INSERT INTO invites (series_id, client_id, token_hash, token_sealed,"
                        " created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    [Q_INVITE_LIST] = "SELECT " INVITE_COLS " FROM invites WHERE series_id = $1"
                      " ORDER BY client_id",
    [Q_MAIL_INSERT] = "INSERT INTO outbox (message_id, kind, recipient_sealed, message_sealed,"
                      " state, attempts, next_attempt_at, created_at)"
                      " VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) RETURNING id",
    [Q_MAIL_CLAIM] = "UPDATE outbox SET state = 'sending', attempts = attempts + 1"
                     " WHERE id IN (SELECT id FROM outbox WHERE state = 'pending'"
                     " AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2)"
                     " RETURNING " MAIL_COLS,
    [Q_MAIL_SENT] = "UPDATE outbox SET state = 'sent', sent_at = $2, last_error = NULL"
                    " WHERE id = $1",
    [Q_MAIL_RETRY] = "UPDATE outbox SET state = 'pending', next_attempt_at = $2,"
                     " last_error = $3 WHERE id = $1",
    [Q_MAIL_FAIL] = "UPDATE outbox SET state = 'failed', last_error = $2 WHERE id = $1",
    [Q_MAIL_RECOVER] = "UPDATE outbox SET state = 'pending' WHERE state = 'sending'",
    [Q_MAIL_COUNT] = "SELECT count(*) FROM outbox WHERE state = $1",
    [Q_REMINDERS_DUE] = "SELECT " OCC_COLS " FROM occurrences o JOIN series s"
                        " ON s.id = o.series_id WHERE o.cancelled_at IS NULL"
                        " AND s.cancelled_at IS NULL AND o.starts_at > $1"
                        " AND o.starts_at <= $1 + $2 * 60000 AND NOT EXISTS (SELECT 1 FROM"
                        " reminders_sent r WHERE r.occurrence_id = o.id"
                        " AND r.minutes_before = $2) ORDER BY o.starts_at",
    [Q_REMINDER_MARK] = "INSERT INTO reminders_sent (occurrence_id, minutes_before, created_at)"
                        " VALUES ($1, $2, $3)",
    [Q_POLL_INSERT] = "INSERT INTO polls (therapist_id, group_id, title_sealed, time_zone,"
                      " duration_minutes, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
                      " RETURNING id",
    [Q_POLL_GET] = "SELECT " POLL_COLS " FROM polls WHERE id = $1",
    [Q_POLL_LIST] = "SELECT " POLL_COLS " FROM polls WHERE ($1 = 0 OR therapist_id = $1)"
                    " ORDER BY id",
    [Q_POLL_CLOSE] = "UPDATE polls SET closed_at = $2, session_id = $3 WHERE id = $1"
                     " AND closed_at IS NULL",
    [Q_POLL_SLOT_INSERT] = "INSERT INTO poll_slots (poll_id, starts_at) VALUES ($1, $2)"
                           " RETURNING id",
    [Q_POLL_SLOT_LIST] = "SELECT id, poll_id, starts_at FROM poll_slots WHERE poll_id = $1"
                         " ORDER BY starts_at, id",
    [Q_POLL_INVITE_INSERT] = "INSERT INTO poll_invites (poll_id, client_id, token_hash,"
                             " token_sealed, created_at) VALUES ($1, $2, $3, $4, $5)"
                             " RETURNING id",
    [Q_POLL_INVITE_LIST] = "SELECT " POLL_INVITE_COLS " FROM poll_invites WHERE poll_id = $1"
                           " ORDER BY client_id",
    [Q_POLL_INVITE_BY_HASH] = "SELECT " POLL_INVITE_COLS " FROM poll_invites"
                              " WHERE token_hash = $1",
    /* one answer per member and slot: answering again changes it */
    [Q_POLL_ANSWER_SET] = "INSERT INTO poll_answers (invite_id, slot_id, answer, answered_at)"
                          " VALUES ($1, $2, $3, $4) ON CONFLICT (invite_id, slot_id)"
                          " DO UPDATE SET answer = excluded.answer,"
                          " answered_at = excluded.answered_at",
    [Q_POLL_ANSWER_LIST] = "SELECT a.invite_id, a.slot_id, a.answer, a.answered_at"
                           " FROM poll_answers a JOIN poll_invites i ON i.id = a.invite_id"
                           " WHERE i.poll_id = $1 ORDER BY a.invite_id, a.slot_id",
    [Q_INVITE_BY_HASH] = "SELECT " INVITE_COLS " FROM invites WHERE token_hash = $1",
    [Q_SERIES_BY_HOST_HASH] = "SELECT " SERIES_COLS " FROM series WHERE host_token_hash = $1",
    [Q_AGREEMENT_ACCEPT] = "INSERT INTO agreement_acceptances (client_id, group_id, version,"
                           " accepted_at) VALUES ($1, $2, $3, $4)",
    [Q_AGREEMENT_ACCEPTED] = "SELECT count(*) FROM agreement_acceptances"
                             " WHERE client_id = $1 AND group_id = $2 AND version = $3",
    [Q_ATTENDANCE_ADD] = "INSERT INTO attendance (occurrence_id, client_id, user_id, event, at)"
                         " VALUES ($1, $2, $3, $4, $5)",
    [Q_ATTENDANCE_LIST] = "SELECT a.occurrence_id, a.client_id, a.user_id, a.event, a.at"
                          " FROM attendance a JOIN occurrences o ON o.id = a.occurrence_id"
                          " WHERE o.series_id = $1 ORDER BY a.at, a.id",
    [Q_OCC_END] = "UPDATE occurrences SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
};

/* ---- parameters and columns ---- */

#define P_INT(v) ((struct store_value){.type = SV_INT, .i = (v)})
#define P_ID(v) ((v) ? P_INT(v) : P_NULL) /* 0 means "none" for ids */
#define P_NULL ((struct store_value){.type = SV_NULL})
#define P_TEXT(v) ((struct store_value){.type = (v) ? SV_TEXT : SV_NULL, .p = (v)})
#define P_BLOB(ptr, n) ((struct store_value){.type = SV_BLOB, .p = (ptr), .len = (n)})
#define P_BUF(b) ((b).data ? P_BLOB((b).data, (b).len) : P_NULL)
#define NPARAMS(arr) ((int)(sizeof(arr) / sizeof(arr[0])))

static int run(struct store *s, enum query q, const struct store_value *params, int n,
               store_row_fn fn, void *ctx, int64_t *changes)
{
    assert((unsigned)q < Q_COUNT && query_sql[q]);
    assert(n == 0 || params);
    int64_t t0 = clock_mono_us();
    int rc = s->be->query(s->db, (int)q, query_sql[q], params, n, fn, ctx, changes);
    metrics_store_call(clock_mono_us() - t0, rc < 0 && rc != -EEXIST);
    return rc;
}

/* For writes that must touch a row: -ENOENT when none matched. */
static int run_change(struct store *s, enum query q, const struct store_value *params, int n)
{
    int64_t changes = 0;
    int rc = run(s, q, params, n, NULL, NULL, &changes);
    return rc < 0 ? rc : changes == 0 ? -ENOENT : 0;
}

static int64_t col_int(const struct store_value *c)
{
    return c->type == SV_INT ? c->i : 0;
}

static char *col_text(struct arena *a, const struct store_value *c)
{
    if (c->type == SV_NULL)
        return NULL;
    return arena_strndup(a, c->p ? c->p : "", c->len);
}

/* Reads one row's first integer (counts, RETURNING id). */
static int row_first_int(void *ctx, const struct store_value *cols, int n)
{
    assert(n == 1);
    *(int64_t *)ctx = col_int(&cols[0]);
    return 1;
}

static void seal_text(const struct store *s, const char *column, const char *plain,
                      struct buf *out)
{
    buf_reset(out);
    if (plain)
        seal_box(s->seal, column, plain, strlen(plain), out);
}

/* Unseals a column into the arena; NULL for SQL NULL. Sets *bad when the box does not
 * open: data sealed with another secret.key. */
static char *col_unseal(const struct store *s, struct arena *a, const char *column,
                        const struct store_value *c, int *bad)
{
    assert(bad);
    if (c->type == SV_NULL)
        return NULL;
    struct buf plain = {0};
    char *out = NULL;
    if (seal_unbox(s->seal, column, c->p, c->len, &plain) == 0)
        out = arena_strndup(a, plain.data ? plain.data : "", plain.len);
    else
        *bad = 1;
    buf_free(&plain);
    return out;
}

/* A row reader that maps into a growing array of items in the arena. */
struct rows {
    struct store *s;
    struct arena *a;
    void *items;
    size_t size, count, cap;
    int bad; /* a sealed column did not open */
    int (*read)(struct rows *r, void *item, const struct store_value *cols, int n);
};

static int rows_collect(void *ctx, const struct store_value *cols, int n)
{
    struct rows *r = ctx;
    assert(r->a && r->size > 0 && r->read);
    r->items = arena_grow(r->a, r->items, r->size, &r->cap, r->count + 1);
    void *item = (char *)r->items + r->count * r->size;
    r->read(r, item, cols, n);
    r->count++;
    return 0;
}

static int run_rows(struct store *s, enum query q, const struct store_value *params, int n,
                    struct rows *r)
{
    r->s = s;
    int rc = run(s, q, params, n, rows_collect, r, NULL);
    if (rc == 0 && r->bad)
        rc = -EIO;
    return rc;
}

/* Runs a query expected to give one row into *out. */
static int run_one(struct store *s, struct arena *a, enum query q,
                   const struct store_value *params, int n, size_t size,
                   int (*read)(struct rows *, void *, const struct store_value *, int), void *out)
{
    struct rows r = {.a = a, .size = size, .read = read};
    int rc = run_rows(s, q, params, n, &r);
    if (rc < 0)
        return rc;
    if (r.count == 0)
        return -ENOENT;
    assert(r.count == 1); /* every look-up is by a primary or unique key */
    memcpy(out, r.items, size);
    return 0;
}

/* ---- lifecycle ---- */

int store_open(const char *url, const struct seal *seal, struct store **out)
{
    assert(url && seal && out);
    const struct store_backend *be = NULL;
    const char *location = NULL;
    if (strncmp(url, "sqlite:", 7) == 0) {
        be = &store_sqlite_backend;
        location = url + 7;
    }
    if (!be)
        return -EINVAL;
    void *db = NULL;
    int rc = be->open(location, &db);
    if (rc < 0)
        return rc;
    struct store *s = xcalloc(1, sizeof *s);
    s->be = be;
    s->db = db;
    s->seal = seal;
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    s->be->close(s->db);
    free(s);
}

int store_migrate(struct store *s, int *applied, int *version)
{
    return s->be->migrate(s->db, applied, version);
}

int store_backup(struct store *s, const char *path)
{
    return s->be->backup(s->db, path);
}

int store_ping(struct store *s)
{
    return run(s, Q_PING, NULL, 0, NULL, NULL, NULL);
}

int store_begin(struct store *s)
{
    return s->be->begin(s->db);
}

int store_commit(struct store *s)
{
    return s->be->commit(s->db);
}

void store_rollback(struct store *s)
{
    s->be->rollback(s->db);
}

int store_audit(struct store *s, int64_t actor_user_id, const char *action, int64_t subject_id,
                int64_t now)
{
    struct store_value p[] = {P_INT(now), P_ID(actor_user_id), P_TEXT(action), P_ID(subject_id)};
    return run(s, Q_AUDIT, p, NPARAMS(p), NULL, NULL, NULL);
}

/* ---- users ---- */

static const char *const role_names[] = {[STORE_ROLE_ADMIN] = "admin",
                                         [STORE_ROLE_THERAPIST] = "therapist"};

const char *store_role_name(enum store_role role)
{
    assert(role == STORE_ROLE_ADMIN || role == STORE_ROLE_THERAPIST);
    return role_names[role];
}

int store_role_parse(const char *name, enum store_role *out)
{
    for (int i = 0; i < 2; i++) {
        if (strcmp(name, role_names[i]) == 0) {
            *out = (enum store_role)i;
            return 0;
        }
    }
    return -EINVAL;
}

static void normalise_email(const char *email, struct buf *out)
{
    buf_reset(out);
    while (isspace((unsigned char)*email))
        email++;
    size_t n = strlen(email);
    while (n > 0 && isspace((unsigned char)email[n - 1]))
        n--;
    buf_puts(out, "");
    for (size_t i = 0; i < n; i++) {
        char c = (char)tolower((unsigned char)email[i]);
        buf_append(out, &c, 1);
    }
}

int store_user_count(struct store *s, int64_t *count)
{
    *count = 0;
    return run(s, Q_USER_COUNT, NULL, 0, row_first_int, count, NULL);
}

int store_user_insert(struct store *s, const struct store_user *u, int64_t *id)
{
    struct buf email = {0}, email_box = {0}, name_box = {0};
    uint8_t index[SEAL_INDEX_BYTES];
    normalise_email(u->email, &email);
    seal_index(s->seal, "users.email", email.data, email.len, index);
    seal_text(s, "users.email", email.data, &email_box);
    seal_text(s, "users.name", u->name, &name_box);
    struct store_value p[] = {P_BLOB(index, sizeof index), P_BUF(email_box), P_BUF(name_box),
                              P_TEXT(store_role_name(u->role)), P_TEXT(u->password_hash),
                              P_INT(u->created_at)};
    int rc = run(s, Q_USER_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
    buf_free(&email);
    buf_free(&email_box);
    buf_free(&name_box);
    return rc;
}

static int read_user(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 6);
    struct store_user *u = item;
    u->id = col_int(&c[0]);
    u->email = col_unseal(r->s, r->a, "users.email", &c[1], &r->bad);
    u->name = col_unseal(r->s, r->a, "users.name", &c[2], &r->bad);
    char *role = col_text(r->a, &c[3]);
    if (!role || store_role_parse(role, &u->role) < 0)
        r->bad = 1;
    u->password_hash = col_text(r->a, &c[4]);
    u->created_at = col_int(&c[5]);
    return 0;
}

int store_user_by_email(struct store *s, struct arena *a, const char *email,
                        struct store_user *out)
{
    struct buf norm = {0};
    uint8_t index[SEAL_INDEX_BYTES];
    normalise_email(email, &norm);
    seal_index(s->seal, "users.email", norm.data, norm.len, index);
    buf_free(&norm);
    struct store_value p[] = {P_BLOB(index, sizeof index)};
    return run_one(s, a, Q_USER_BY_INDEX, p, 1, sizeof *out, read_user, out);
}

int store_user_by_id(struct store *s, struct arena *a, int64_t id, struct store_user *out)
{
    struct store_value p[] = {P_INT(id)};
    return run_one(s, a, Q_USER_BY_ID, p, 1, sizeof *out, read_user, out);
}

/* ---- sign-ins ---- */

int store_login_insert(struct store *s, const struct store_login *l)
{
    struct store_value p[] = {P_BLOB(l->token_hash, 32), P_INT(l->user_id), P_INT(l->created_at),
                              P_INT(l->last_seen_at), P_INT(l->expires_at)};
    return run(s, Q_LOGIN_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
}

static int read_login(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 4);
    struct store_login *l = item;
    l->user_id = col_int(&c[0]);
    l->created_at = col_int(&c[1]);
    l->last_seen_at = col_int(&c[2]);
    l->expires_at = col_int(&c[3]);
    return 0;
}

int store_login_get(struct store *s, const uint8_t token_hash[32], struct store_login *out)
{
    struct arena a = {0};
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    int rc = run_one(s, &a, Q_LOGIN_GET, p, 1, sizeof *out, read_login, out);
    if (rc == 0)
        memcpy(out->token_hash, token_hash, 32);
    arena_free(&a);
    return rc;
}

int store_login_touch(struct store *s, const uint8_t token_hash[32], int64_t now)
{
    struct store_value p[] = {P_BLOB(token_hash, 32), P_INT(now)};
    return run(s, Q_LOGIN_TOUCH, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_login_delete(struct store *s, const uint8_t token_hash[32])
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return run(s, Q_LOGIN_DELETE, p, 1, NULL, NULL, NULL);
}

int store_login_delete_expired(struct store *s, int64_t now, int64_t idle_ms)
{
    struct store_value p[] = {P_INT(now), P_INT(idle_ms)};
    return run(s, Q_LOGIN_DELETE_EXPIRED, p, NPARAMS(p), NULL, NULL, NULL);
}

/* ---- clients ---- */

int store_client_insert(struct store *s, const struct store_client *c, int64_t *id)
{
    struct buf name = {0}, email = {0}, phone = {0}, emergency = {0};
    seal_text(s, "clients.name", c->name, &name);
    seal_text(s, "clients.email", c->email, &email);
    seal_text(s, "clients.phone", c->phone, &phone);
    seal_text(s, "clients.emergency", c->emergency, &emergency);
    struct store_value p[] = {P_INT(c->therapist_id), P_BUF(name),       P_BUF(email),
                              P_BUF(phone),           P_BUF(emergency),  P_TEXT(c->time_zone),
                              P_INT(c->created_at)};
    int rc = run(s, Q_CLIENT_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
    buf_free(&name);
    buf_free(&email);
    buf_free(&phone);
    buf_free(&emergency);
    return rc;
}

static int read_client(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_client *cl = item;
    cl->id = col_int(&c[0]);
    cl->therapist_id = col_int(&c[1]);
    cl->name = col_unseal(r->s, r->a, "clients.name", &c[2], &r->bad);
    cl->email = col_unseal(r->s, r->a, "clients.email", &c[3], &r->bad);
    cl->phone = col_unseal(r->s, r->a, "clients.phone", &c[4], &r->bad);
    cl->emergency = col_unseal(r->s, r->a, "clients.emergency", &c[5], &r->bad);
    cl->time_zone = col_text(r->a, &c[6]);
    cl->created_at = col_int(&c[7]);
    return 0;
}

int store_client_get(struct store *s, struct arena *a, int64_t id, struct store_client *out)
{
    struct store_value p[] = {P_INT(id)};
    return run_one(s, a, Q_CLIENT_GET, p, 1, sizeof *out, read_client, out);
}

int store_client_update(struct store *s, const struct store_client *c)
{
    struct buf name = {0}, email = {0}, phone = {0}, emergency = {0};
    seal_text(s, "clients.name", c->name, &name);
    seal_text(s, "clients.email", c->email, &email);
    seal_text(s, "clients.phone", c->phone, &phone);
    seal_text(s, "clients.emergency", c->emergency, &emergency);
    struct store_value p[] = {P_INT(c->id),     P_BUF(name),      P_BUF(email),
                              P_BUF(phone),     P_BUF(emergency), P_TEXT(c->time_zone)};
    int rc = run_change(s, Q_CLIENT_UPDATE, p, NPARAMS(p));
    buf_free(&name);
    buf_free(&email);
    buf_free(&phone);
    buf_free(&emergency);
    return rc;
}

int store_client_archive(struct store *s, int64_t id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now)};
    return run_change(s, Q_CLIENT_ARCHIVE, p, NPARAMS(p));
}

int store_client_list(struct store *s, struct arena *a, int64_t therapist_id,
                      struct store_client **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_client};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = run_rows(s, Q_CLIENT_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* ---- groups ---- */

static void seal_group(struct store *s, const struct store_group *g, struct buf box[3])
{
    seal_text(s, "groups.name", g->name, &box[0]);
    seal_text(s, "groups.description", g->description ? g->description : "", &box[1]);
    seal_text(s, "groups.agreement", g->agreement, &box[2]);
}

int store_group_insert(struct store *s, const struct store_group *g, int64_t *id)
{
    struct buf box[3] = {{0}};
    seal_group(s, g, box);
    struct store_value p[] = {P_INT(g->therapist_id),      P_BUF(box[0]),       P_BUF(box[1]),
                              P_BUF(box[2]),               P_INT(g->agreement_version),
                              P_INT(g->capacity),          P_INT(g->created_at)};
    int rc = run(s, Q_GROUP_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
    for (int i = 0; i < 3; i++)
        buf_free(&box[i]);
    return rc;
}

static int read_group(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_group *g = item;
    g->id = col_int(&c[0]);
    g->therapist_id = col_int(&c[1]);
    g->name = col_unseal(r->s, r->a, "groups.name", &c[2], &r->bad);
    g->description = col_unseal(r->s, r->a, "groups.description", &c[3], &r->bad);
    g->agreement = col_unseal(r->s, r->a, "groups.agreement", &c[4], &r->bad);
    g->agreement_version = (int)col_int(&c[5]);
    g->capacity = (int)col_int(&c[6]);
    g->created_at = col_int(&c[7]);
    return 0;
}

int store_group_get(struct store *s, struct arena *a, int64_t id, struct store_group *out)
{
    struct store_value p[] = {P_INT(id)};
    return run_one(s, a, Q_GROUP_GET, p, 1, sizeof *out, read_group, out);
}

int store_group_update(struct store *s, const struct store_group *g)
{
    struct buf box[3] = {{0}};
    seal_group(s, g, box);
    struct store_value p[] = {P_INT(g->id),    P_BUF(box[0]), P_BUF(box[1]),
                              P_BUF(box[2]),   P_INT(g->agreement_version),
                              P_INT(g->capacity)};
    int rc = run_change(s, Q_GROUP_UPDATE, p, NPARAMS(p));
    for (int i = 0; i < 3; i++)
        buf_free(&box[i]);
    return rc;
}

int store_group_archive(struct store *s, int64_t id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now)};
    return run_change(s, Q_GROUP_ARCHIVE, p, NPARAMS(p));
}

int store_group_list(struct store *s, struct arena *a, int64_t therapist_id,
                     struct store_group **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_group};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = run_rows(s, Q_GROUP_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

static int read_id(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 1);
    *(int64_t *)item = col_int(&c[0]);
    return 0;
}

static int run_ids(struct store *s, struct arena *a, enum query q, int64_t key, int64_t **ids,
                   size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **ids, .read = read_id};
    struct store_value p[] = {P_INT(key)};
    int rc = run_rows(s, q, p, 1, &r);
    *ids = r.items;
    *count = r.count;
    return rc;
}

int store_group_member_add(struct store *s, int64_t group_id, int64_t client_id, int64_t now)
{
    struct store_value p[] = {P_INT(group_id), P_INT(client_id), P_INT(now)};
    return run(s, Q_MEMBER_ADD, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_group_member_remove(struct store *s, int64_t group_id, int64_t client_id)
{
    struct store_value p[] = {P_INT(group_id), P_INT(client_id)};
    return run_change(s, Q_MEMBER_REMOVE, p, NPARAMS(p));
}

int store_group_members(struct store *s, struct arena *a, int64_t group_id, int64_t **client_ids,
                        size_t *count)
{
    return run_ids(s, a, Q_MEMBERS, group_id, client_ids, count);
}

int store_group_facilitator_add(struct store *s, int64_t group_id, int64_t user_id)
{
    struct store_value p[] = {P_INT(group_id), P_INT(user_id)};
    return run(s, Q_FACILITATOR_ADD, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_group_facilitator_remove(struct store *s, int64_t group_id, int64_t user_id)
{
    struct store_value p[] = {P_INT(group_id), P_INT(user_id)};
    return run_change(s, Q_FACILITATOR_REMOVE, p, NPARAMS(p));
}

int store_group_facilitators(struct store *s, struct arena *a, int64_t group_id,
                             int64_t **user_ids, size_t *count)
{
    return run_ids(s, a, Q_FACILITATORS, group_id, user_ids, count);
}

/* ---- series, occurrences, invites ---- */

int store_series_insert(struct store *s, const struct store_series *se, int64_t *id)
{
    struct buf title = {0}, host = {0};
    seal_text(s, "series.title", se->title, &title);
    seal_text(s, "series.host_token", se->host_token, &host);
    struct store_value p[] = {
        P_INT(se->therapist_id),  P_ID(se->client_id),         P_ID(se->group_id),
        P_BUF(title),             P_TEXT(se->time_zone),       P_INT(se->duration_minutes),
        P_TEXT(se->rrule),        P_TEXT(se->settings),        P_TEXT(se->ics_uid),
        P_INT(se->sequence),      P_BLOB(se->host_token_hash, 32), P_BUF(host),
        P_INT(se->created_at)};
    int rc = run(s, Q_SERIES_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
    buf_free(&title);
    buf_free(&host);
    return rc;
}

static int read_series(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 15);
    struct store_series *se = item;
    se->id = col_int(&c[0]);
    se->therapist_id = col_int(&c[1]);
    se->client_id = col_int(&c[2]);
    se->group_id = col_int(&c[3]);
    se->title = col_unseal(r->s, r->a, "series.title", &c[4], &r->bad);
    se->time_zone = col_text(r->a, &c[5]);
    se->duration_minutes = (int)col_int(&c[6]);
    se->rrule = col_text(r->a, &c[7]);
    se->settings = col_text(r->a, &c[8]);
    se->ics_uid = col_text(r->a, &c[9]);
    se->sequence = (int)col_int(&c[10]);
    if (c[11].type == SV_BLOB && c[11].len == 32)
        memcpy(se->host_token_hash, c[11].p, 32);
    se->host_token = col_unseal(r->s, r->a, "series.host_token", &c[12], &r->bad);
    se->created_at = col_int(&c[13]);
    se->cancelled_at = col_int(&c[14]);
    return 0;
}

int store_series_get(struct store *s, struct arena *a, int64_t id, struct store_series *out)
{
    struct store_value p[] = {P_INT(id)};
    return run_one(s, a, Q_SERIES_GET, p, 1, sizeof *out, read_series, out);
}

int store_series_update(struct store *s, const struct store_series *se)
{
    struct store_value p[] = {P_INT(se->id), P_INT(se->sequence), P_TEXT(se->rrule),
                              P_ID(se->cancelled_at)};
    return run_change(s, Q_SERIES_UPDATE, p, NPARAMS(p));
}

int store_series_list(struct store *s, struct arena *a, int64_t therapist_id,
                      struct store_series **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_series};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = run_rows(s, Q_SERIES_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_occurrence_insert(struct store *s, const struct store_occurrence *o, int64_t *id)
{
    struct buf password = {0};
    seal_text(s, "occurrences.password", o->password, &password);
    struct store_value p[] = {P_INT(o->series_id), P_INT(o->therapist_id),
                              P_INT(o->original_start), P_INT(o->starts_at),
                              P_INT(o->ends_at),   P_TEXT(o->meeting_id), P_BUF(password)};
    int rc = run(s, Q_OCC_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
    buf_free(&password);
    return rc;
}

static int read_occurrence(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 10);
    struct store_occurrence *o = item;
    o->id = col_int(&c[0]);
    o->series_id = col_int(&c[1]);
    o->therapist_id = col_int(&c[2]);
    o->original_start = col_int(&c[3]);
    o->starts_at = col_int(&c[4]);
    o->ends_at = col_int(&c[5]);
    o->cancelled_at = col_int(&c[6]);
    o->meeting_id = col_text(r->a, &c[7]);
    o->password = col_unseal(r->s, r->a, "occurrences.password", &c[8], &r->bad);
    o->ended_at = col_int(&c[9]);
    return 0;
}

int store_occurrence_get(struct store *s, struct arena *a, int64_t id,
                         struct store_occurrence *out)
{
    struct store_value p[] = {P_INT(id)};
    return run_one(s, a, Q_OCC_GET, p, 1, sizeof *out, read_occurrence, out);
}

int store_occurrence_update(struct store *s, const struct store_occurrence *o)
{
    struct store_value p[] = {P_INT(o->id), P_INT(o->starts_at), P_INT(o->ends_at),
                              P_ID(o->cancelled_at)};
    return run_change(s, Q_OCC_UPDATE, p, NPARAMS(p));
}

static int occurrence_rows(struct store *s, struct arena *a, enum query q,
                           const struct store_value *p, int n, struct store_occurrence **out,
                           size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_occurrence};
    int rc = run_rows(s, q, p, n, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_occurrence_list(struct store *s, struct arena *a, int64_t series_id,
                          struct store_occurrence **out, size_t *count)
{
    struct store_value p[] = {P_INT(series_id)};
    return occurrence_rows(s, a, Q_OCC_LIST, p, 1, out, count);
}

int store_occurrence_overlapping(struct store *s, struct arena *a, int64_t therapist_id,
                                 int64_t start, int64_t end, struct store_occurrence **out,
                                 size_t *count)
{
    struct store_value p[] = {P_INT(therapist_id), P_INT(start), P_INT(end)};
    return occurrence_rows(s, a, Q_OCC_OVERLAP, p, NPARAMS(p), out, count);
}

int store_invite_insert(struct store *s, const struct store_invite *inv, int64_t *id)
{
    struct buf token = {0};
    seal_text(s, "invites.token", inv->token, &token);
    struct store_value p[] = {P_INT(inv->series_id), P_INT(inv->client_id),
                              P_BLOB(inv->token_hash, 32), P_BUF(token), P_INT(inv->created_at)};
    int rc = run(s, Q_INVITE_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
    buf_free(&token);
    return rc;
}

static int read_invite(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 7);
    struct store_invite *inv = item;
    inv->id = col_int(&c[0]);
    inv->series_id = col_int(&c[1]);
    inv->client_id = col_int(&c[2]);
    if (c[3].type == SV_BLOB && c[3].len == 32)
        memcpy(inv->token_hash, c[3].p, 32);
    inv->token = col_unseal(r->s, r->a, "invites.token", &c[4], &r->bad);
    inv->created_at = col_int(&c[5]);
    inv->revoked_at = col_int(&c[6]);
    return 0;
}

int store_invite_list(struct store *s, struct arena *a, int64_t series_id,
                      struct store_invite **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_invite};
    struct store_value p[] = {P_INT(series_id)};
    int rc = run_rows(s, Q_INVITE_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* ---- outbox ---- */

static const char *const mail_states[] = {"pending", "sending", "sent", "failed"};

int store_mail_insert(struct store *s, const struct store_mail *m, int64_t *id)
{
    struct buf recipient = {0}, message = {0};
    seal_text(s, "outbox.recipient", m->recipient, &recipient);
    buf_reset(&message);
    seal_box(s->seal, "outbox.message", m->message, m->message_len, &message);
    struct store_value p[] = {P_TEXT(m->message_id), P_TEXT(m->kind), P_BUF(recipient),
                              P_BUF(message), P_INT(m->created_at)};
    int rc = run(s, Q_MAIL_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
    buf_free(&recipient);
    buf_free(&message);
    return rc;
}

static int read_mail(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 10);
    struct store_mail *m = item;
    m->id = col_int(&c[0]);
    m->message_id = col_text(r->a, &c[1]);
    m->kind = col_text(r->a, &c[2]);
    m->recipient = col_unseal(r->s, r->a, "outbox.recipient", &c[3], &r->bad);
    m->message = col_unseal(r->s, r->a, "outbox.message", &c[4], &r->bad);
    m->message_len = m->message ? strlen(m->message) : 0;
    const char *state = c[5].type == SV_TEXT ? c[5].p : "";
    for (int i = 0; i < 4; i++)
        if (strcmp(state, mail_states[i]) == 0)
            m->state = (enum store_mail_state)i;
    m->attempts = (int)col_int(&c[6]);
    m->next_attempt_at = col_int(&c[7]);
    m->created_at = col_int(&c[8]);
    m->sent_at = col_int(&c[9]);
    return 0;
}

int store_mail_claim(struct store *s, struct arena *a, int64_t now, int max,
                     struct store_mail **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_mail};
    struct store_value p[] = {P_INT(now), P_INT(max)};
    int rc = run_rows(s, Q_MAIL_CLAIM, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_mail_sent(struct store *s, int64_t id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now)};
    return run_change(s, Q_MAIL_SENT, p, NPARAMS(p));
}

int store_mail_retry(struct store *s, int64_t id, int64_t next_attempt_at, const char *error)
{
    struct store_value p[] = {P_INT(id), P_INT(next_attempt_at), P_TEXT(error)};
    return run_change(s, Q_MAIL_RETRY, p, NPARAMS(p));
}

int store_mail_fail(struct store *s, int64_t id, const char *error)
{
    struct store_value p[] = {P_INT(id), P_TEXT(error)};
    return run_change(s, Q_MAIL_FAIL, p, NPARAMS(p));
}

int store_mail_recover(struct store *s, int64_t *recovered)
{
    return run(s, Q_MAIL_RECOVER, NULL, 0, NULL, NULL, recovered);
}

int store_mail_count(struct store *s, enum store_mail_state state, int64_t *count)
{
    assert((unsigned)state <= MAIL_FAILED);
    struct store_value p[] = {P_TEXT(mail_states[state])};
    *count = 0;
    return run(s, Q_MAIL_COUNT, p, 1, row_first_int, count, NULL);
}

/* ---- reminders ---- */

int store_reminders_due(struct store *s, struct arena *a, int64_t now, int minutes_before,
                        struct store_occurrence **out, size_t *count)
{
    struct store_value p[] = {P_INT(now), P_INT(minutes_before)};
    return occurrence_rows(s, a, Q_REMINDERS_DUE, p, NPARAMS(p), out, count);
}

int store_reminder_mark(struct store *s, int64_t occurrence_id, int minutes_before, int64_t now)
{
    struct store_value p[] = {P_INT(occurrence_id), P_INT(minutes_before), P_INT(now)};
    return run(s, Q_REMINDER_MARK, p, NPARAMS(p), NULL, NULL, NULL);
}

/* ---- polls ---- */

static const char *const answer_names[] = {
    [STORE_ANSWER_YES] = "yes", [STORE_ANSWER_MAYBE] = "maybe", [STORE_ANSWER_NO] = "no"};

const char *store_answer_name(enum store_answer answer)
{
    assert((unsigned)answer <= STORE_ANSWER_NO);
    return answer_names[answer];
}

int store_answer_parse(const char *name, enum store_answer *out)
{
    for (int i = 0; i < 3; i++) {
        if (strcmp(name, answer_names[i]) == 0) {
            *out = (enum store_answer)i;
            return 0;
        }
    }
    return -EINVAL;
}

int store_poll_insert(struct store *s, const struct store_poll *p, int64_t *id)
{
    struct buf title = {0};
    seal_text(s, "polls.title", p->title, &title);
    struct store_value v[] = {
        P_INT(p->therapist_id), P_INT(p->group_id),         P_BUF(title),
        P_TEXT(p->time_zone),   P_INT(p->duration_minutes), P_INT(p->created_at)};
    int rc = run(s, Q_POLL_INSERT, v, NPARAMS(v), row_first_int, id, NULL);
    buf_free(&title);
    return rc;
}

static int read_poll(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 9);
    struct store_poll *p = item;
    p->id = col_int(&c[0]);
    p->therapist_id = col_int(&c[1]);
    p->group_id = col_int(&c[2]);
    p->title = col_unseal(r->s, r->a, "polls.title", &c[3], &r->bad);
    p->time_zone = col_text(r->a, &c[4]);
    p->duration_minutes = (int)col_int(&c[5]);
    p->created_at = col_int(&c[6]);
    p->closed_at = col_int(&c[7]);
    p->session_id = col_int(&c[8]);
    return 0;
}

int store_poll_get(struct store *s, struct arena *a, int64_t id, struct store_poll *out)
{
    struct store_value p[] = {P_INT(id)};
    return run_one(s, a, Q_POLL_GET, p, 1, sizeof *out, read_poll, out);
}

int store_poll_list(struct store *s, struct arena *a, int64_t therapist_id, struct store_poll **out,
                    size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_poll};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = run_rows(s, Q_POLL_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_poll_close(struct store *s, int64_t id, int64_t session_id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now), P_ID(session_id)};
    return run_change(s, Q_POLL_CLOSE, p, NPARAMS(p));
}

int store_poll_slot_insert(struct store *s, int64_t poll_id, int64_t starts_at, int64_t *id)
{
    struct store_value p[] = {P_INT(poll_id), P_INT(starts_at)};
    return run(s, Q_POLL_SLOT_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
}

static int read_poll_slot(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 3);
    struct store_poll_slot *slot = item;
    slot->id = col_int(&c[0]);
    slot->poll_id = col_int(&c[1]);
    slot->starts_at = col_int(&c[2]);
    return 0;
}

int store_poll_slot_list(struct store *s, struct arena *a, int64_t poll_id,
                         struct store_poll_slot **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_poll_slot};
    struct store_value p[] = {P_INT(poll_id)};
    int rc = run_rows(s, Q_POLL_SLOT_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_poll_invite_insert(struct store *s, const struct store_poll_invite *inv, int64_t *id)
{
    struct buf token = {0};
    seal_text(s, "poll_invites.token", inv->token, &token);
    struct store_value p[] = {P_INT(inv->poll_id), P_INT(inv->client_id),
                              P_BLOB(inv->token_hash, 32), P_BUF(token), P_INT(inv->created_at)};
    int rc = run(s, Q_POLL_INVITE_INSERT, p, NPARAMS(p), row_first_int, id, NULL);
    buf_free(&token);
    return rc;
}

static int read_poll_invite(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 6);
    struct store_poll_invite *inv = item;
    inv->id = col_int(&c[0]);
    inv->poll_id = col_int(&c[1]);
    inv->client_id = col_int(&c[2]);
    if (c[3].type == SV_BLOB && c[3].len == 32)
        memcpy(inv->token_hash, c[3].p, 32);
    inv->token = col_unseal(r->s, r->a, "poll_invites.token", &c[4], &r->bad);
    inv->created_at = col_int(&c[5]);
    return 0;
}

int store_poll_invite_list(struct store *s, struct arena *a, int64_t poll_id,
                           struct store_poll_invite **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_poll_invite};
    struct store_value p[] = {P_INT(poll_id)};
    int rc = run_rows(s, Q_POLL_INVITE_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_poll_invite_by_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                                    struct store_poll_invite *out)
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return run_one(s, a, Q_POLL_INVITE_BY_HASH, p, 1, sizeof *out, read_poll_invite, out);
}

int store_poll_answer_set(struct store *s, const struct store_poll_answer *ans)
{
    struct store_value p[] = {P_INT(ans->invite_id), P_INT(ans->slot_id),
                              P_TEXT(answer_names[ans->answer]), P_INT(ans->answered_at)};
    return run(s, Q_POLL_ANSWER_SET, p, NPARAMS(p), NULL, NULL, NULL);
}

static int read_poll_answer(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 4);
    struct store_poll_answer *ans = item;
    ans->invite_id = col_int(&c[0]);
    ans->slot_id = col_int(&c[1]);
    const char *name = c[2].type == SV_TEXT ? c[2].p : "";
    if (store_answer_parse(name, &ans->answer) < 0)
        r->bad = 1; /* the CHECK constraint keeps this from happening */
    ans->answered_at = col_int(&c[3]);
    return 0;
}

int store_poll_answer_list(struct store *s, struct arena *a, int64_t poll_id,
                           struct store_poll_answer **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_poll_answer};
    struct store_value p[] = {P_INT(poll_id)};
    int rc = run_rows(s, Q_POLL_ANSWER_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* ---- meetings ---- */

int store_invite_by_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                               struct store_invite *out)
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return run_one(s, a, Q_INVITE_BY_HASH, p, 1, sizeof *out, read_invite, out);
}

int store_series_by_host_token_hash(struct store *s, struct arena *a,
                                    const uint8_t token_hash[32], struct store_series *out)
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return run_one(s, a, Q_SERIES_BY_HOST_HASH, p, 1, sizeof *out, read_series, out);
}

int store_agreement_accept(struct store *s, int64_t client_id, int64_t group_id, int version,
                           int64_t now)
{
    struct store_value p[] = {P_INT(client_id), P_INT(group_id), P_INT(version), P_INT(now)};
    return run(s, Q_AGREEMENT_ACCEPT, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_agreement_accepted(struct store *s, int64_t client_id, int64_t group_id, int version,
                             int *accepted)
{
    int64_t n = 0;
    struct store_value p[] = {P_INT(client_id), P_INT(group_id), P_INT(version)};
    int rc = run(s, Q_AGREEMENT_ACCEPTED, p, NPARAMS(p), row_first_int, &n, NULL);
    *accepted = n > 0;
    return rc;
}

int store_attendance_add(struct store *s, int64_t occurrence_id, int64_t client_id,
                         int64_t user_id, const char *event, int64_t at)
{
    struct store_value p[] = {P_INT(occurrence_id), P_ID(client_id), P_ID(user_id),
                              P_TEXT(event), P_INT(at)};
    return run(s, Q_ATTENDANCE_ADD, p, NPARAMS(p), NULL, NULL, NULL);
}

static int read_attendance(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 5);
    struct store_attendance *at = item;
    at->occurrence_id = col_int(&c[0]);
    at->client_id = col_int(&c[1]);
    at->user_id = col_int(&c[2]);
    at->event = col_text(r->a, &c[3]);
    at->at = col_int(&c[4]);
    return 0;
}

int store_attendance_list(struct store *s, struct arena *a, int64_t series_id,
                          struct store_attendance **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_attendance};
    struct store_value p[] = {P_INT(series_id)};
    int rc = run_rows(s, Q_ATTENDANCE_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* Ending a meeting that has ended already changes nothing and is not an error. */
int store_occurrence_end(struct store *s, int64_t occurrence_id, int64_t now)
{
    struct store_value p[] = {P_INT(occurrence_id), P_INT(now)};
    return run(s, Q_OCC_END, p, NPARAMS(p), NULL, NULL, NULL);
}

/* Shared by the files of store/ only: the query table, the runner, the row readers'
 * plumbing and the sealing helpers. Callers outside store/ use store/store.h; the
 * store_* names declared here are not part of that interface. */
#ifndef CONFIDE_STORE_INTERNAL_H
#define CONFIDE_STORE_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "store/backend.h"
#include "store/store.h"

/* ---- writes refused for want of space, space.c ---- */

#define STORE_SPACE_REPORT_MS (60 * 60 * 1000) /* a reminder while the disk stays full */

struct store_space {
    int full;            /* the last write was refused for want of space */
    int64_t since_ms;    /* when this burst of refusals began */
    int64_t reported_ms; /* when it was last logged */
    int64_t refused;     /* refusals since the connection opened */
};

enum store_space_event {
    STORE_SPACE_QUIET,      /* nothing to log */
    STORE_SPACE_FULL,       /* the first refusal of a burst */
    STORE_SPACE_STILL_FULL, /* an hour of refusals since the last line */
    STORE_SPACE_BACK,       /* a write went through after a burst */
};

/* A write (a statement, BEGIN or COMMIT) was refused with -ENOSPC. */
enum store_space_event store_space_refused(struct store_space *sp, int64_t now_ms);
/* A write went through (an autocommit statement that changed rows, or a COMMIT after
 * writes). */
enum store_space_event store_space_wrote(struct store_space *sp, int64_t now_ms);

struct store {
    const struct store_backend *be;
    void *db;
    const struct seal *seal;
    struct store_space space;
    int in_txn;               /* between a successful begin and its commit or rollback */
    int64_t rows_written;     /* rows changed through this connection since it opened */
    int64_t written_at_begin; /* rows_written when the open transaction began */
    int64_t burst_refused;    /* space.refused when the current burst began */
};

/* ---- the statements: portable SQL, $N parameters, in queries.c ---- */

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
    Q_MAIL_EXPIRE,
    Q_MAIL_SENT,
    Q_MAIL_RETRY,
    Q_MAIL_FAIL,
    Q_MAIL_RECOVER,
    Q_MAIL_HOLD,
    Q_MAIL_RELEASE,
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
    Q_AUDIT_LAST,
    Q_AUDIT_ALL,
    Q_AUDIT_HASHED,
    Q_AUDIT_SET_HASH,
    Q_AUDIT_LIST,
    Q_INVITES_REVOKE,
    Q_INVITE_CURRENT,
    Q_TURNED_AWAY_CLEAR,
    Q_TURNED_AWAY_ADD,
    Q_TURNED_AWAY_LIST,
    /* the id the next row of a table with sealed columns gets, so its values can be
     * sealed for it before the INSERT */
    Q_USER_NEXT_ID,
    Q_CLIENT_NEXT_ID,
    Q_GROUP_NEXT_ID,
    Q_SERIES_NEXT_ID,
    Q_OCC_NEXT_ID,
    Q_INVITE_NEXT_ID,
    Q_MAIL_NEXT_ID,
    Q_POLL_NEXT_ID,
    Q_POLL_INVITE_NEXT_ID,
    Q_TOTP_GET,
    Q_TOTP_SET,
    Q_TOTP_CONFIRM,
    Q_TOTP_USE,
    Q_TOTP_DELETE,
    Q_RECOVERY_CLEAR,
    Q_RECOVERY_INSERT,
    Q_RECOVERY_USE,
    Q_RECOVERY_LEFT,
    Q_MFA_PENDING_INSERT,
    Q_MFA_PENDING_GET,
    Q_MFA_PENDING_DELETE,
    Q_SEAL_UPGRADE_PENDING,
    Q_SEAL_UPGRADE_DONE,
    Q_EMERGENCY_NEXT_ID,
    Q_EMERGENCY_INSERT,
    Q_EMERGENCY_ACTIVE,
    Q_EMERGENCY_FOR_THERAPIST,
    Q_EMERGENCY_SEEN,
    Q_USER_LIST,
    Q_USER_SET_ROLE,
    Q_USER_SET_DISABLED,
    Q_USER_SET_PASSWORD,
    Q_ADMINS_ACTIVE,
    Q_LOGIN_DELETE_USER,
    Q_MFA_PENDING_DELETE_USER,
    Q_INVITATION_INSERT,
    Q_INVITATION_GET,
    Q_INVITATION_USE,
    Q_INVITATION_DELETE_USER,
    /* a live meeting's state, to bring it back after a restart (meeting_state.c) */
    Q_MEETING_LOCK_CLEAR,
    Q_MEETING_LOCK_ADD,
    Q_MEETING_LOCKED,
    Q_ADMITTED_NEXT_ID,
    Q_ADMITTED_CLEAR,
    Q_ADMITTED_ADD,
    Q_ADMITTED_LIST,
    Q_ADMITTED_BY_KEY,
    Q_ADMITTED_DELETE_ALL,
    Q_ADMITTED_SWEEP,
    Q_MEETING_LOCKS_SWEEP,
    /* which node carries a live meeting (leases.c) */
    Q_LEASE_CLAIM,
    Q_LEASE_HOLDER,
    Q_LEASE_TAKE_OVER,
    Q_LEASE_RENEW,
    Q_LEASE_RELEASE,
    Q_LEASE_RELEASE_NODE,
    Q_LEASE_SWEEP,
    /* private notes (notes.c) */
    Q_NOTE_NEXT_ID,
    Q_NOTE_INSERT,
    Q_NOTE_GET,
    Q_NOTE_FOR,
    Q_NOTE_LIST_OCC,
    Q_NOTE_LIST_CLIENT,
    Q_NOTE_UPDATE,
    Q_NOTE_SIGN,
    Q_ADDENDUM_NEXT_ID,
    Q_ADDENDUM_INSERT,
    Q_ADDENDUM_LIST,
    Q_OCC_ADMITTED_CLIENTS,
    /* secure messaging (messaging.c) */
    Q_MSG_NEXT_ID,
    Q_MSG_INSERT,
    Q_MSG_THREAD,
    Q_MSG_ANNOUNCEMENTS,
    Q_MSG_ANNOUNCEMENTS_FOR,
    Q_MSG_READ_BY_PRACTITIONER,
    Q_MSG_READ_BY_CLIENT,
    Q_MSG_ANNOUNCEMENTS_READ,
    Q_MSG_UNREAD,
    Q_INBOX_LINK_INSERT,
    Q_INBOX_LINK_GET,
    Q_INBOX_LINK_USE,
    Q_INBOX_LINKS_SWEEP,
    Q_INBOX_LINKS_END,
    Q_INBOX_SIGNIN_INSERT,
    Q_INBOX_SIGNIN_GET,
    Q_INBOX_SIGNIN_DELETE,
    Q_INBOX_SIGNINS_END,
    Q_INBOX_SIGNIN_COUNT,
    Q_AVAILABILITY_GET,
    Q_AVAILABILITY_SET,
    Q_AVAILABILITY_DELETE,
    /* check-ins and risk alerts (checkins.c) */
    Q_CHECKIN_CHOICE_SET_CLIENT,
    Q_CHECKIN_CHOICE_SET_GROUP,
    Q_CHECKIN_CHOICE_CLIENT,
    Q_CHECKIN_CHOICE_GROUP,
    Q_CHECKIN_NEXT_ID,
    Q_CHECKIN_INSERT,
    Q_CHECKIN_ANSWERED,
    Q_CHECKIN_LIST,
    Q_CARE_ALERT_INSERT,
    Q_CARE_ALERT_OPEN,
    Q_CARE_ALERT_SEEN,
    Q_CARE_ALERT_SEEN_BY_OTHERS,
    /* attendance over time, and group intake (intake.c) */
    Q_MEMBERSHIPS_OF_CLIENT,
    Q_MEMBERSHIPS_OF_GROUP,
    Q_INTEREST_NEXT_ID,
    Q_INTEREST_CLOSE,
    Q_INTEREST_INSERT,
    Q_INTEREST_OPEN,
    Q_INTEREST_BY_HASH,
    Q_WAITLIST_NEXT_ID,
    Q_WAITLIST_INSERT,
    Q_WAITLIST_LIST,
    Q_WAITLIST_GET,
    Q_WAITLIST_DELETE,
    /* client rights: erasure, holds, the purge (client_records.c) */
    Q_RIGHTS_CLIENT,
    Q_CLIENT_ERASE,
    Q_CLIENT_PURGE,
    Q_CLIENTS_ERASED,
    Q_HOLD_SET,
    Q_HOLD_CLEAR,
    Q_HOLDS_OF,
    /* check-ins away from the meeting (checkins.c) */
    Q_CLIENT_NEXT_OCCURRENCE,
    /* billing: services, fee terms, charges and payments (billing.c) */
    Q_SERVICE_COUNT,
    Q_SERVICE_INSERT,
    Q_SERVICE_GET,
    Q_SERVICE_LIST,
    Q_SERVICE_UPDATE,
    Q_SERIES_SERVICE_GET,
    Q_SERIES_SERVICE_SET,
    Q_CLIENT_FEE_SET,
    Q_CLIENT_FEE_REMOVE,
    Q_CLIENT_FEES,
    Q_CLIENT_BILLING_GET,
    Q_CLIENT_BILLING_PUT,
    Q_CHARGE_INSERT,
    Q_CHARGE_GET,
    Q_CHARGE_EXISTS,
    Q_CHARGES_OF_CLIENT,
    Q_CHARGES_BETWEEN,
    Q_CHARGE_WAIVE,
    Q_PAYMENT_NEXT_ID,
    Q_PAYMENT_INSERT,
    Q_PAYMENTS_OF_CLIENT,
    Q_PAYMENTS_BETWEEN,
    Q_OCC_CANCELLED_BY_SET,
    Q_OCC_CANCELLED_BY_GET,
    Q_OCC_TO_CHARGE,
    /* billing: where clients were (places.c), licences and compacts as read (licences.c) */
    Q_LOCATION_NEXT_ID,
    Q_LOCATION_ID,
    Q_LOCATION_INSERT,
    Q_LOCATION_UPDATE,
    Q_LOCATION_GET,
    Q_LOCATION_LAST,
    Q_LICENCES_OF_USER,
    Q_COMPACTS_ACTIVE,
    /* billing: licences and compacts written, reminders and the sessions to flag
     * (licences.c) */
    Q_LICENCE_INSERT,
    Q_LICENCE_GET,
    Q_LICENCE_UPDATE,
    Q_LICENCE_REMOVE,
    Q_LICENCE_MARK_SENT,
    Q_LICENCES_EXPIRING,
    Q_COMPACT_INSERT,
    Q_COMPACT_GET,
    Q_COMPACT_UPDATE,
    Q_COMPACT_REMOVE,
    Q_LICENCE_SESSIONS_AHEAD,
    Q_LICENCE_SESSIONS_PAST,
    Q_COUNT
};

extern const char *const store_query_sql[Q_COUNT];

/* Every sealed column: the label its values are sealed under, its table and column, and
 * the column holding the row id they are bound to. The one-time upgrade of values sealed
 * before they were bound to their row walks it, and so do key rotation (keys.c) and the
 * scan before a key is retired: a sealed column missing here would keep an old key alive. */
struct store_sealed_column {
    const char *label, *table, *column, *id_column;
};
extern const struct store_sealed_column store_sealed_columns[];
extern const int store_sealed_column_count;

/* ---- parameters and columns ---- */

#define P_INT(v) ((struct store_value){.type = SV_INT, .i = (v)})
#define P_ID(v) ((v) ? P_INT(v) : P_NULL) /* 0 means "none" for ids */
#define P_NULL ((struct store_value){.type = SV_NULL})
#define P_TEXT(v) ((struct store_value){.type = (v) ? SV_TEXT : SV_NULL, .p = (v)})
#define P_BLOB(ptr, n) ((struct store_value){.type = SV_BLOB, .p = (ptr), .len = (n)})
#define P_BUF(b) ((b).data ? P_BLOB((b).data, (b).len) : P_NULL)
#define NPARAMS(arr) ((int)(sizeof(arr) / sizeof(arr[0])))

static inline int64_t col_int(const struct store_value *c)
{
    return c->type == SV_INT ? c->i : 0;
}

static inline char *col_text(struct arena *a, const struct store_value *c)
{
    if (c->type == SV_NULL)
        return NULL;
    return arena_strndup(a, c->p ? c->p : "", c->len);
}

struct rows;
/* Reads one row into item, a struct of the list's type. */
typedef int (*store_read_fn)(struct rows *r, void *item, const struct store_value *cols, int n);

/* A row reader that maps into a growing array of items in the arena. */
struct rows {
    struct store *s;
    struct arena *a;
    void *items;
    size_t size, count, cap;
    int bad; /* a sealed column did not open */
    store_read_fn read;
};

/* The store is closing: it no longer listens (events.c). */
void store_events_closing(const struct store *s);

/* ---- the runner, store.c ---- */

/* Runs query q, timing it; fn gets each row. */
int store_run(struct store *s, enum query q, const struct store_value *params, int n,
              store_row_fn fn, void *ctx, int64_t *changes);
/* For writes that must touch a row: -ENOENT when none matched. */
int store_run_change(struct store *s, enum query q, const struct store_value *params, int n);
/* Collects every row into r->items; -EIO when a sealed column did not open. */
int store_run_rows(struct store *s, enum query q, const struct store_value *params, int n,
                   struct rows *r);
/* Runs a look-up by a unique key into *out; -ENOENT when there is no such row. */
int store_run_one(struct store *s, struct arena *a, enum query q, const struct store_value *params,
                  int n, size_t size, store_read_fn read, void *out);
/* A row function reading one row's first integer (counts, RETURNING id) into *(int64_t *)ctx. */
int store_first_int(void *ctx, const struct store_value *cols, int n);

/* ---- sealing, store.c ---- */

/* The id the next row inserted into a table will have (q is one of Q_*_NEXT_ID). Inserts
 * with sealed columns take it first, seal for it, and insert with it; they run inside a
 * write transaction, so no other connection takes it in between (and if one did, the
 * INSERT would fail on the primary key rather than bind a value to the wrong row). */
int store_next_id(struct store *s, enum query q, int64_t *id);
/* Seals plain for `column` of row `row` into out (core/seal.h: bound to both); NULL leaves
 * out empty, and P_BUF binds a buffer that was never filled as SQL NULL. */
void store_seal_text(const struct store *s, const char *column, int64_t row, const char *plain,
                     struct buf *out);
/* Unseals a column of row `row` into the arena; NULL for SQL NULL. Sets *bad when the box
 * does not open: data sealed with another key file, or for another column or row. */
char *store_col_unseal(const struct store *s, struct arena *a, const char *column, int64_t row,
                       const struct store_value *c, int *bad);

/* ---- the audit chain, audit.c ---- */

/* Hashes the entries written before the chain existed (only while none has a hash). */
int store_audit_chain_existing(struct store *s);

/* ---- row readers more than one file uses, practice.c ---- */

int store_read_series(struct rows *r, void *item, const struct store_value *c, int n);
int store_read_occurrence(struct rows *r, void *item, const struct store_value *c, int n);
int store_read_invite(struct rows *r, void *item, const struct store_value *c, int n);
int store_occurrence_rows(struct store *s, struct arena *a, enum query q,
                          const struct store_value *p, int n, struct store_occurrence **out,
                          size_t *count);

#endif

/* store: everything confide keeps. Callers see plain values; this layer seals the
 * sensitive columns (core/seal.h), holds every SQL statement (one table in queries.c),
 * times every call (core/metrics.h), and hands statements to a backend (sqlite.c now,
 * pg.c later) through the narrow struct store_backend.
 *
 * Strings and lists that a call returns live in the arena the caller passes: they are
 * freed with it, never one by one.
 *
 * Every function returns 0 or a negative errno-style code:
 *   -ENOENT not found, -EEXIST a unique value is taken, -ENOSPC the disk is full (the write
 *   was refused and nothing of it is kept once the caller rolls back; reads go on), -EIO
 *   the database failed. */
#ifndef CONFIDE_STORE_STORE_H
#define CONFIDE_STORE_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/seal.h"

struct store;

/* ---- lifecycle ---- */

/* url: "sqlite:/path/to/file.db" (PostgreSQL URLs come with pg.c). The seal is borrowed. */
int store_open(const char *url, const struct seal *seal, struct store **out);
void store_close(struct store *s);
/* Applies every pending migration in one transaction; *applied says how many. */
int store_migrate(struct store *s, int *applied, int *version);
int store_backup(struct store *s, const char *path);
int store_ping(struct store *s);

/* One transaction per request: begin takes the write lock at once. After a failed
 * statement or commit the caller rolls back (a failed commit included); until then the
 * transaction refuses every statement, even if SQLite has already rolled it back. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* ---- keys: rotation while the server runs (keys.c) ---- */

struct store_reseal_counts {
    int64_t values;   /* sealed values looked at */
    int64_t resealed; /* sealed again with the newest key */
    int64_t batches;  /* write transactions, one per batch */
    int64_t bad;      /* values no key of the key file opens, left as they are */
};
#define STORE_RESEAL_BATCH 200
/* Seals again with the seal's newest key every sealed value another key sealed, each sealed
 * column walked in batches of `batch` rows, each batch its own write transaction, so a
 * running server's requests are served between them. Adds to *out. Returns 0, -EBADMSG
 * when some values opened with no key (out->bad), -EIO. */
int store_reseal(struct store *s, int batch, struct store_reseal_counts *out);

struct store_key_use {
    uint32_t key_id; /* 0: a value that is no sealed box */
    int64_t values;
};
#define STORE_KEY_USES_MAX 16
/* How many sealed values each key seals, ascending by key id. -E2BIG past cap ids. */
int store_seal_usage(struct store *s, struct store_key_use *uses, int cap, int *n);
/* Removes every key but the newest from the key file, once no sealed value needs one: the
 * scan and the file's change happen inside one write transaction, so nothing is sealed with
 * an older key in between. -EBUSY (with *still_sealed) while values sealed with older keys
 * remain; audited as key.retired. *retired: how many keys left the file. */
int store_keys_retire(struct store *s, int64_t now, int64_t *still_sealed, int *retired);

/* Counters of this connection since it opened, for callers that compare them around a
 * piece of work: writes refused with -ENOSPC (a burst of them is logged once: when it
 * starts, hourly, and when writes go through again), and rows changed. */
int64_t store_space_refusals(const struct store *s);
int64_t store_rows_written(const struct store *s);

/* ---- the audit log: append-only, a hash chain ----
 * Each entry's hash is a keyed BLAKE2b (the index key, which rotation keeps) over the previous
 * entry's hash and its own fields, so an edited, deleted or reordered entry breaks the chain
 * (store_audit_verify); cutting entries off the end shows against a head logged earlier
 * (store_audit_head). Append inside the caller's transaction. */

#define STORE_AUDIT_HASH_BYTES 32

struct store_audit_entry {
    int64_t id, at;
    int64_t actor_user_id; /* 0: nobody signed in */
    const char *action;    /* "client.read", "signin.failed"… never content */
    int64_t subject_id;    /* the record it concerns, 0: none */
    const char *source;    /* the client's address, or NULL */
    const char *outcome;   /* "ok", "refused"…; NULL is "ok" */
    uint8_t hash[STORE_AUDIT_HASH_BYTES];
};

/* Appends: who (0 for nobody signed in), what, and an id it concerns. */
int store_audit(struct store *s, int64_t actor_user_id, const char *action, int64_t subject_id,
                int64_t now);
/* Appends an entry with its source and outcome; e->id and e->hash are filled in. */
int store_audit_append(struct store *s, struct store_audit_entry *e);
/* Walks the whole chain. 0 with *count entries and the newest hash in head (all zero for an
 * empty log); -EBADMSG with *bad_id the first entry that does not follow from the one before
 * it (edited, inserted, or after a deleted one); -EIO. */
int store_audit_verify(struct store *s, int64_t *count, int64_t *bad_id,
                       uint8_t head[STORE_AUDIT_HASH_BYTES]);
/* The newest entry's id and hash (0 and zeros when empty). */
int store_audit_head(struct store *s, int64_t *id, uint8_t head[STORE_AUDIT_HASH_BYTES]);

struct store_audit_filter {
    int64_t actor_user_id, subject_id; /* 0: any */
    const char *action;                /* NULL: any */
    int64_t since, until;              /* ms; 0: open */
    int64_t before_id;                 /* paging: entries older than this id; 0: newest */
    int limit;                         /* 1..200 */
};
/* Newest first. */
int store_audit_list(struct store *s, struct arena *a, const struct store_audit_filter *f,
                     struct store_audit_entry **out, size_t *count);

/* ---- practitioners and their sign-ins ---- */

enum store_role { STORE_ROLE_ADMIN, STORE_ROLE_THERAPIST };

struct store_user {
    int64_t id;
    char *name;
    char *email; /* normalised: trimmed, lower case */
    enum store_role role;
    char *password_hash; /* "" while invited: no password set yet */
    int64_t created_at;  /* ms since the epoch, like every time in the store */
    int64_t disabled_at; /* 0 while the account may sign in */
};

const char *store_role_name(enum store_role role);
int store_role_parse(const char *name, enum store_role *out);

int store_user_count(struct store *s, int64_t *count);
int store_user_insert(struct store *s, const struct store_user *u, int64_t *id);
int store_user_by_email(struct store *s, struct arena *a, const char *email,
                        struct store_user *out);
int store_user_by_id(struct store *s, struct arena *a, int64_t id, struct store_user *out);
/* Every account, ordered by id. */
int store_user_list(struct store *s, struct arena *a, struct store_user **out, size_t *count);
int store_user_set_role(struct store *s, int64_t id, enum store_role role);
/* disabled_at 0 enables the account again. */
int store_user_set_disabled(struct store *s, int64_t id, int64_t disabled_at);
int store_user_set_password(struct store *s, int64_t id, const char *password_hash);
/* Administrators who can sign in: not disabled, with a password set. */
int store_admins_active(struct store *s, int64_t *count);

/* An invitation to set the password of an invited account: one-time, until expires_at.
 * Only a keyed hash of the token is kept. */
struct store_invitation {
    int64_t user_id, created_at, expires_at;
    int64_t used_at; /* 0 until accepted */
};

/* Replaces the account's unused invitations by this one. */
int store_invitation_insert(struct store *s, const char *token, int64_t user_id, int64_t created_by,
                            int64_t now, int64_t expires_at);
/* The invitation whose token this is (used and expired ones too: the caller says which). */
int store_invitation_get(struct store *s, const char *token, struct store_invitation *out);
/* Marks it used: 0 once, -ENOENT when unknown, used, or expired at now. */
int store_invitation_use(struct store *s, const char *token, int64_t now);

struct store_login {
    uint8_t token_hash[32];
    int64_t user_id;
    int64_t created_at;
    int64_t last_seen_at;
    int64_t expires_at;
};

int store_login_insert(struct store *s, const struct store_login *l);
int store_login_get(struct store *s, const uint8_t token_hash[32], struct store_login *out);
int store_login_touch(struct store *s, const uint8_t token_hash[32], int64_t now);
int store_login_delete(struct store *s, const uint8_t token_hash[32]);
int store_login_delete_expired(struct store *s, int64_t now, int64_t idle_ms);
/* Ends every sign-in of the user but keep_hash's (NULL: every one), and the sign-ins
 * waiting for their second step. */
int store_login_delete_user(struct store *s, int64_t user_id, const uint8_t keep_hash[32]);

/* ---- two-step sign-in (TOTP) ---- */

struct store_totp {
    int64_t user_id;
    char *secret; /* base32; sealed at rest, bound to the row */
    int64_t created_at;
    int64_t confirmed_at; /* 0 until a first code was typed */
    int64_t last_step;    /* the newest step a code was accepted for */
};

#define STORE_RECOVERY_CODE_MAX 32

int store_totp_get(struct store *s, struct arena *a, int64_t user_id, struct store_totp *out);
/* A new, unconfirmed secret for user_id, replacing any it had. */
int store_totp_set(struct store *s, int64_t user_id, const char *secret, int64_t now);
/* Confirms an unconfirmed secret with the step of its first code; -ENOENT when there is
 * none to confirm or the step is not newer. */
int store_totp_confirm(struct store *s, int64_t user_id, int64_t step, int64_t now);
/* Records a confirmed secret's code for step as used; -ENOENT when step is not newer than
 * the last one used (a second request with the same code, at the same moment). */
int store_totp_use(struct store *s, int64_t user_id, int64_t step);
/* Removes user_id's secret and recovery codes (confide admin reset-mfa); -ENOENT when it
 * had no secret. */
int store_totp_delete(struct store *s, int64_t user_id);
/* Replaces user_id's recovery codes by these; only their keyed hashes are kept. */
int store_recovery_replace(struct store *s, int64_t user_id, const char *const *codes, int n,
                           int64_t now);
/* Uses a recovery code (compared after dropping spaces and '-', case-insensitive):
 * 0 once, -ENOENT when it is not one of user_id's or was used. */
int store_recovery_use(struct store *s, int64_t user_id, const char *code, int64_t now);
int store_recovery_left(struct store *s, int64_t user_id, int64_t *count);

/* A sign-in waiting for its second step; only the token's hash is kept. */
enum store_mfa_purpose { STORE_MFA_VERIFY, STORE_MFA_ENROL };
int store_mfa_pending_insert(struct store *s, const uint8_t token_hash[32], int64_t user_id,
                             enum store_mfa_purpose purpose, int64_t expires_at);
/* -ENOENT when unknown or expired at now. */
int store_mfa_pending_get(struct store *s, const uint8_t token_hash[32], int64_t now,
                          int64_t *user_id, enum store_mfa_purpose *purpose);
/* Deletes this one and every expired one. */
int store_mfa_pending_delete(struct store *s, const uint8_t token_hash[32], int64_t now);

/* ---- clients ---- */

struct store_client {
    int64_t id, therapist_id;
    char *name, *email;
    char *phone;     /* NULL when not given */
    char *emergency; /* JSON object text {"name","phone","relationship"}, or NULL */
    char *time_zone; /* IANA name */
    int64_t created_at;
};

int store_client_insert(struct store *s, const struct store_client *c, int64_t *id);
/* Archived clients are not found. */
int store_client_get(struct store *s, struct arena *a, int64_t id, struct store_client *out);
int store_client_update(struct store *s, const struct store_client *c);
int store_client_archive(struct store *s, int64_t id, int64_t now);
/* therapist_id 0: every therapist's clients. Ordered by id. */
int store_client_list(struct store *s, struct arena *a, int64_t therapist_id,
                      struct store_client **out, size_t *count);

/* ---- groups ---- */

struct store_group {
    int64_t id, therapist_id;
    char *name, *description, *agreement;
    int agreement_version; /* rises whenever the agreement's text changes */
    int capacity;
    int64_t created_at;
};

int store_group_insert(struct store *s, const struct store_group *g, int64_t *id);
int store_group_get(struct store *s, struct arena *a, int64_t id, struct store_group *out);
int store_group_update(struct store *s, const struct store_group *g);
int store_group_archive(struct store *s, int64_t id, int64_t now);
/* therapist_id 0: all groups; otherwise the groups they own or co-facilitate. */
int store_group_list(struct store *s, struct arena *a, int64_t therapist_id,
                     struct store_group **out, size_t *count);
int store_group_member_add(struct store *s, int64_t group_id, int64_t client_id, int64_t now);
int store_group_member_remove(struct store *s, int64_t group_id, int64_t client_id);
int store_group_members(struct store *s, struct arena *a, int64_t group_id, int64_t **client_ids,
                        size_t *count);
int store_group_facilitator_add(struct store *s, int64_t group_id, int64_t user_id);
int store_group_facilitator_remove(struct store *s, int64_t group_id, int64_t user_id);
int store_group_facilitators(struct store *s, struct arena *a, int64_t group_id, int64_t **user_ids,
                             size_t *count);

/* ---- sessions: a series (one-off or recurring) and its occurrences ---- */

struct store_series {
    int64_t id, therapist_id;
    int64_t client_id, group_id; /* exactly one is non-zero */
    char *title;
    char *time_zone;
    int duration_minutes;
    char *rrule;    /* "" for a one-off session */
    char *settings; /* JSON object text */
    char *ics_uid;
    int sequence;
    uint8_t host_token_hash[32];
    char *host_token;
    int64_t created_at, cancelled_at;
};

struct store_occurrence {
    int64_t id, series_id, therapist_id;
    int64_t original_start; /* the slot the rule made: iCalendar's RECURRENCE-ID */
    int64_t starts_at, ends_at, cancelled_at;
    int64_t ended_at; /* the therapist ended the meeting for everyone */
    char *meeting_id; /* 10 digits */
    char *password;
};

struct store_invite {
    int64_t id, series_id, client_id;
    uint8_t token_hash[32];
    char *token;
    int64_t created_at, revoked_at;
};

int store_series_insert(struct store *s, const struct store_series *se, int64_t *id);
int store_series_get(struct store *s, struct arena *a, int64_t id, struct store_series *out);
/* Writes sequence, rrule and cancelled_at. */
int store_series_update(struct store *s, const struct store_series *se);
/* therapist_id 0: all; otherwise theirs and those of groups they co-facilitate. */
int store_series_list(struct store *s, struct arena *a, int64_t therapist_id,
                      struct store_series **out, size_t *count);
/* -EEXIST when the meeting id is taken (the caller draws another). */
int store_occurrence_insert(struct store *s, const struct store_occurrence *o, int64_t *id);
int store_occurrence_get(struct store *s, struct arena *a, int64_t id,
                         struct store_occurrence *out);
/* Writes starts_at, ends_at, cancelled_at. */
int store_occurrence_update(struct store *s, const struct store_occurrence *o);
int store_occurrence_list(struct store *s, struct arena *a, int64_t series_id,
                          struct store_occurrence **out, size_t *count);
/* The therapist's occurrences, not cancelled, that overlap [start, end). */
int store_occurrence_overlapping(struct store *s, struct arena *a, int64_t therapist_id,
                                 int64_t start, int64_t end, struct store_occurrence **out,
                                 size_t *count);
int store_invite_insert(struct store *s, const struct store_invite *inv, int64_t *id);
int store_invite_list(struct store *s, struct arena *a, int64_t series_id,
                      struct store_invite **out, size_t *count);
/* Revokes the client's links to sessions that still have a meeting to come (ending after
 * now): those of group_id's sessions (a member removed), or all of them (group_id 0: the
 * client archived). *revoked (may be NULL) gets how many. */
int store_invites_revoke(struct store *s, int64_t client_id, int64_t group_id, int64_t now,
                         int64_t *revoked);
/* 1 in *current when the invite still lets its client in: not revoked, the client not
 * archived, and for a group's session the client still a member. The one check for
 * joining, previews, reminders and re-invitations. */
int store_invite_current(struct store *s, int64_t invite_id, int *current);

/* ---- the mail outbox ---- */

enum store_mail_state { MAIL_PENDING, MAIL_SENDING, MAIL_SENT, MAIL_FAILED };

struct store_mail {
    int64_t id;
    char *message_id; /* the Message-ID, without <> */
    char *kind;       /* "invite", "update", "cancel", "reminder", "poll" — for counting */
    char *recipient;  /* an email address */
    char *message;    /* the whole RFC 5322 message */
    size_t message_len;
    enum store_mail_state state;
    int attempts;
    int64_t next_attempt_at, created_at, sent_at;
    int64_t expires_at; /* on insert: when it is no use any more (0: never) */
};

/* Written in the same transaction as the change that causes the mail. */
int store_mail_insert(struct store *s, const struct store_mail *m, int64_t *id);
/* Marks up to `max` pending mails due by `now` as sending, claimed by `node` until
 * `until` (ms), and returns them, oldest first. Nodes sharing a database never claim one
 * row twice. */
int store_mail_claim(struct store *s, struct arena *a, int64_t now, int max, const char *node,
                     int64_t until, struct store_mail **out, size_t *count);
/* Extends to `until` the claims `node` still holds at `now` (a claim past its expiry is
 * no longer the node's); *held says whether mail `id` is among them. */
int store_mail_hold(struct store *s, const char *node, int64_t id, int64_t now, int64_t until,
                    int *held);
/* Claims lapsed by `now` (their node died mid-send) go back to pending, for any node;
 * *released says how many. */
int store_mail_release(struct store *s, int64_t now, int64_t *released);
/* Fails, unsent, every pending mail whose expires_at has come (a reminder whose session
 * has begun); *expired says how many. */
int store_mail_expire(struct store *s, int64_t now, int64_t *expired);
int store_mail_sent(struct store *s, int64_t id, int64_t now);
/* Back to pending for another attempt at next_attempt_at, or failed for good: only while
 * `node` still holds the claim, -ENOENT otherwise (it lapsed and another node may be
 * sending it now: that node's outcome stands). Sent, above, is written whoever holds it. */
int store_mail_retry(struct store *s, int64_t id, const char *node, int64_t next_attempt_at,
                     const char *error);
int store_mail_fail(struct store *s, int64_t id, const char *node, const char *error);
/* After a crash, at the node's start: the mails `node` left "sending" go back to pending
 * (sent again with the same Message-ID, so a copy the server had accepted is recognisably
 * the same mail). Other nodes' claims are left alone: they may be sending them now. */
int store_mail_recover(struct store *s, const char *node, int64_t *recovered);
int store_mail_count(struct store *s, enum store_mail_state state, int64_t *count);

/* ---- reminders ---- */

/* Occurrences (not cancelled, not begun) whose start is within `minutes_before` of now
 * and that have had no reminder for that offset yet. */
int store_reminders_due(struct store *s, struct arena *a, int64_t now, int minutes_before,
                        struct store_occurrence **out, size_t *count);
int store_reminder_mark(struct store *s, int64_t occurrence_id, int minutes_before, int64_t now);
/* The reminder pass runs on one node at a time: 1 when this connection may run it now
 * (then store_reminders_unlock after its transaction), 0 when another node is at it
 * (skip this round), -EIO. Outside a transaction. */
int store_reminders_try_lock(struct store *s);
void store_reminders_unlock(struct store *s);

/* ---- polls: "find a time" for a group session ---- */

struct store_poll {
    int64_t id, therapist_id, group_id;
    char *title;
    char *time_zone;
    int duration_minutes;
    int64_t created_at;
    int64_t closed_at, session_id; /* 0 while the poll is open */
};

struct store_poll_slot {
    int64_t id, poll_id, starts_at;
};

struct store_poll_invite {
    int64_t id, poll_id, client_id;
    uint8_t token_hash[32];
    char *token;
    int64_t created_at;
};

enum store_answer { STORE_ANSWER_YES, STORE_ANSWER_MAYBE, STORE_ANSWER_NO };

struct store_poll_answer {
    int64_t invite_id, slot_id;
    enum store_answer answer;
    int64_t answered_at;
};

/* "yes", "maybe", "no". */
const char *store_answer_name(enum store_answer answer);
int store_answer_parse(const char *name, enum store_answer *out);

int store_poll_insert(struct store *s, const struct store_poll *p, int64_t *id);
int store_poll_get(struct store *s, struct arena *a, int64_t id, struct store_poll *out);
/* therapist_id 0: all. Ordered by id. */
int store_poll_list(struct store *s, struct arena *a, int64_t therapist_id, struct store_poll **out,
                    size_t *count);
/* Closes an open poll with the session made from it; -ENOENT when it is closed already. */
int store_poll_close(struct store *s, int64_t id, int64_t session_id, int64_t now);
/* -EEXIST when the poll has a slot at that instant already. */
int store_poll_slot_insert(struct store *s, int64_t poll_id, int64_t starts_at, int64_t *id);
/* Ordered by start. */
int store_poll_slot_list(struct store *s, struct arena *a, int64_t poll_id,
                         struct store_poll_slot **out, size_t *count);
int store_poll_invite_insert(struct store *s, const struct store_poll_invite *inv, int64_t *id);
/* Ordered by client. */
int store_poll_invite_list(struct store *s, struct arena *a, int64_t poll_id,
                           struct store_poll_invite **out, size_t *count);
int store_poll_invite_by_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                                    struct store_poll_invite *out);
/* Sets one answer, or changes it. */
int store_poll_answer_set(struct store *s, const struct store_poll_answer *ans);
/* Every answer to the poll, ordered by invite, then slot. */
int store_poll_answer_list(struct store *s, struct arena *a, int64_t poll_id,
                           struct store_poll_answer **out, size_t *count);

/* ---- meetings: links, agreement acceptances, attendance ---- */

/* The invite whose token hashes to token_hash (revoked ones too: the caller checks). */
int store_invite_by_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                               struct store_invite *out);
int store_series_by_host_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                                    struct store_series *out);
/* A client accepted a group's agreement, in the wording of `version`. */
int store_agreement_accept(struct store *s, int64_t client_id, int64_t group_id, int version,
                           int64_t now);
int store_agreement_accepted(struct store *s, int64_t client_id, int64_t group_id, int version,
                             int *accepted);

struct store_attendance {
    int64_t occurrence_id;
    int64_t client_id, user_id; /* one is non-zero */
    char *event;                /* joined admitted denied dropped returned left removed */
    int64_t at;
};

/* The meeting of this occurrence was ended for everyone. */
int store_occurrence_end(struct store *s, int64_t occurrence_id, int64_t now);
int store_attendance_add(struct store *s, int64_t occurrence_id, int64_t client_id, int64_t user_id,
                         const char *event, int64_t at);
/* Every record of the series' occurrences, in time order. */
int store_attendance_list(struct store *s, struct arena *a, int64_t series_id,
                          struct store_attendance **out, size_t *count);

/* Someone removed from or denied entry to a meeting: it holds for that meeting until a
 * host lets them knock again. */
struct store_turned_away {
    int64_t client_id, user_id; /* one is non-zero */
    char *what;                 /* "removed" or "denied" */
    int64_t at;
};

/* Records (replacing any earlier) that the person was turned away; what NULL clears it. */
int store_turned_away_set(struct store *s, int64_t occurrence_id, int64_t client_id,
                          int64_t user_id, const char *what, int64_t at);
/* Who is turned away from this occurrence's meeting, oldest first. */
int store_turned_away_list(struct store *s, struct arena *a, int64_t occurrence_id,
                           struct store_turned_away **out, size_t *count);

/* ---- a live meeting's state (store/meeting_state.c) ----
 * What brings a meeting back after a restart: its lock, and who had been admitted. The
 * rejoin key is kept only as its hash; the name is sealed for its row. */

struct store_admitted {
    int64_t client_id, user_id; /* one is non-zero */
    int participant;            /* the meeting's id for them */
    const char *role;           /* "host", "cohost" or "client" */
    const char *name;
    uint8_t key_hash[32]; /* BLAKE2b of the rejoin key */
    int64_t admitted_at;
};

/* Records (replacing any earlier row of the person) that they were admitted. */
int store_admitted_set(struct store *s, int64_t occurrence_id, const struct store_admitted *a);
/* The person is gone from the meeting for good (removed, their access ended). */
int store_admitted_clear(struct store *s, int64_t occurrence_id, int64_t client_id,
                         int64_t user_id);
/* Who was admitted to the occurrence's meeting, by participant id. */
int store_admitted_list(struct store *s, struct arena *a, int64_t occurrence_id,
                        struct store_admitted **out, size_t *count);
/* The occurrence whose meeting knows this key hash; -ENOENT when none does. */
int store_admitted_by_key_hash(struct store *s, const uint8_t key_hash[32], int64_t *occurrence_id);
int store_meeting_lock_set(struct store *s, int64_t occurrence_id, int locked, int64_t at);
int store_meeting_locked(struct store *s, int64_t occurrence_id, int *locked);
/* The meeting is over: its lock and admissions go (attendance keeps who came). */
/* Deletes the state of every meeting that is over: ended, cancelled, or ending at
 * ended_before or earlier (a meeting killed with its server and never rejoined leaves its
 * rows). */
int store_meeting_state_sweep(struct store *s, int64_t ended_before);
int store_meeting_state_delete(struct store *s, int64_t occurrence_id);

/* ---- events between nodes (store/events.c) ----
 * A short line of text that every node sharing the database hears: PostgreSQL's
 * LISTEN/NOTIFY; on SQLite (one process) a queue within the process. Events carry ids and
 * counts, never a name, an email or a token. Delivery is at most once: a node that was
 * disconnected from the database meanwhile misses what was sent then. */
#define STORE_EVENT_MAX 200 /* bytes of one event's text, its NUL excluded */
/* One event heard; payload is valid only during the call. */
typedef void (*store_event_fn)(void *ctx, const char *payload);
/* This store hears events from now on (one per process on SQLite: the service's). */
int store_events_listen(struct store *s);
/* Sends an event now: after the commit of what it tells, never inside a transaction (a
 * node must not act on what was then rolled back). */
int store_event_publish(struct store *s, const char *payload);
/* Calls fn for each event heard since the last call; never waits. */
int store_events_poll(struct store *s, store_event_fn fn, void *ctx);

/* What the events say, encoded and read in one place (events.c). */
enum store_event_kind {
    STORE_EVENT_REVOKED,        /* a client's (client_id) or an account's (user_id) access ended */
    STORE_EVENT_WAITING,        /* how many wait for an occurrence's meeting, for its staff */
    STORE_EVENT_WAITING_ASKED,  /* a dashboard opened: nodes tell their meetings' waiting anew */
    STORE_EVENT_THROTTLE,       /* a node's throttle counted a failure or forgot a key */
};
#define STORE_EVENT_STAFF_MAX 8 /* the therapist and the co-facilitators (sfu/limits.h: 4) */
struct store_event {
    enum store_event_kind kind;
    int64_t client_id, user_id;          /* REVOKED: one is non-zero */
    int64_t occurrence_id, series_id;    /* WAITING */
    int count;                           /* WAITING: people in the waiting room now */
    int64_t staff[STORE_EVENT_STAFF_MAX]; /* WAITING: who may hear of it */
    int staff_count;
    /* THROTTLE: from which node, which of its throttles, and the key's keyed hash (names:
     * letters, digits, '.', '-', '_') */
    char node[64];
    char throttle[24];
    int failed;
    uint8_t digest[16];
};
int store_event_send(struct store *s, const struct store_event *e);
/* The event's text (what store_event_send sends); returns its length. */
int store_event_format(const struct store_event *e, char text[STORE_EVENT_MAX + 1]);
/* Reads an event's text: 0, or -EINVAL for text that is not one (logged by the caller). */
int store_event_parse(const char *payload, struct store_event *out);

/* ---- meeting leases (store/leases.c) ----
 * With several nodes on one database, each live meeting is carried by one node at a time:
 * the node that opens it claims a lease row and renews it; a lease not renewed by its
 * expiry is free for another node. Times are the nodes' clocks (kept in step by NTP). */

struct store_lease_holder {
    char node_id[64];
    char node_url[256];
    int64_t expires_at;
};

/* This connection stands for node_id while it lives (PostgreSQL: a session advisory lock
 * the server drops with the connection, so a node that dies is known dead at once). 0, or
 * -EBUSY when another running process holds node_id already. Nothing to do on SQLite. */
int store_node_hold(struct store *s, const char *node_id);
/* Claims the occurrence's meeting for node_id until expires_at: 0 when it is this node's
 * now, -EBUSY when another node holds a lease still running at `now` (*holder says which
 * and where), or a store error. A lease still running whose node is dead (its lock is
 * free) is taken over at once. */
int store_lease_claim(struct store *s, int64_t occurrence_id, const char *node_id,
                      const char *node_url, int64_t now, int64_t expires_at,
                      struct store_lease_holder *holder);
/* Extends every lease node_id holds to expires_at; *held (in the arena) lists the
 * occurrences it still holds: a meeting missing there was taken by another node. */
int store_lease_renew(struct store *s, struct arena *a, const char *node_id, int64_t expires_at,
                      int64_t **held, size_t *count);
/* Gives up one meeting (occurrence_id) or, with 0, every meeting the node holds. */
int store_lease_release(struct store *s, int64_t occurrence_id, const char *node_id);
/* Deletes leases that expired at or before `before` (their node is long gone). */
int store_lease_sweep(struct store *s, int64_t before);

/* ---- emergency access ----
 * An administrator opening another practitioner's client, for a reason, for a while. */

struct store_emergency {
    int64_t id, client_id, admin_user_id, therapist_user_id;
    char *reason;      /* in the administrator's words */
    char *client_name; /* filled by the list only */
    int64_t opened_at, expires_at;
    int64_t seen_at; /* 0: the practitioner has not seen it yet */
};

int store_emergency_open(struct store *s, const struct store_emergency *e, int64_t *id);
/* 0 when admin_user_id holds an unexpired grant for the client at `now`; -ENOENT if not. */
int store_emergency_active(struct store *s, int64_t client_id, int64_t admin_user_id, int64_t now);
/* The grants for the practitioner's clients since `since`, newest first (at most 100). */
int store_emergency_for_therapist(struct store *s, struct arena *a, int64_t therapist_id,
                                  int64_t since, struct store_emergency **out, size_t *count);
/* The practitioner has seen every grant so far. */
int store_emergency_seen(struct store *s, int64_t therapist_id, int64_t now);

/* ---- private notes ----
 * A practitioner's notes about one occurrence of a session: a client's (client_id) or the
 * group's (client_id 0). The body is the template's sections as a JSON object, sealed;
 * its rules are practice/notes.h's. */

struct store_note {
    int64_t id, occurrence_id, series_id;
    int64_t client_id; /* 0: the group note */
    int64_t author_id;
    char *template_name; /* "soap", "dap", "free" */
    char *body;          /* {"section": "text", ...} */
    int64_t version, created_at, updated_at;
    int64_t signed_by, signed_at; /* 0: a draft */
    int64_t starts_at;            /* the occurrence's (read only) */
};

struct store_note_addendum {
    int64_t id, note_id, author_id;
    char *body;
    int64_t created_at;
};

/* -EEXIST when the occurrence has that client's (or the group's) note already. */
int store_note_insert(struct store *s, const struct store_note *n, int64_t *id);
int store_note_get(struct store *s, struct arena *a, int64_t id, struct store_note *out);
/* The id of the client's note (client_id 0: the group's) at the occurrence; -ENOENT if none. */
int store_note_for(struct store *s, int64_t occurrence_id, int64_t client_id, int64_t *id);
/* The occurrence's notes, the group note first. */
int store_note_list_occurrence(struct store *s, struct arena *a, int64_t occurrence_id,
                               struct store_note **out, size_t *count);
/* The client's notes, newest occurrence first. */
int store_note_list_client(struct store *s, struct arena *a, int64_t client_id,
                           struct store_note **out, size_t *count);
/* A draft's new body, from `version`: -ENOENT when it is signed or at another version. */
int store_note_update(struct store *s, int64_t id, int64_t version, const char *body, int64_t now);
/* Signs the draft at `version` (-ENOENT when it is signed or at another version). */
int store_note_sign(struct store *s, int64_t id, int64_t version, int64_t user_id, int64_t now);
/* An addendum to a signed note (-ENOENT when it is not signed). */
int store_note_addendum_insert(struct store *s, const struct store_note_addendum *ad, int64_t *id);
int store_note_addenda(struct store *s, struct arena *a, int64_t note_id,
                       struct store_note_addendum **out, size_t *count);
/* The clients admitted to the occurrence's meeting (attendance), by id. */
int store_occurrence_admitted_clients(struct store *s, struct arena *a, int64_t occurrence_id,
                                      int64_t **client_ids, size_t *count);
/* ---- secure messaging (messaging.c) ----
 * A thread per client (practitioner and client write in it) and an announcement thread
 * per group (the practitioner writes, members read). Message text is sealed for its row.
 * The client reaches it through a one-time link that signs a device in; only the
 * tokens' hashes are kept. */

struct store_message {
    int64_t id;
    int64_t client_id, group_id; /* exactly one is non-zero */
    int64_t author_user_id;      /* 0: the client wrote it */
    char *body;
    int64_t created_at;
    int64_t read_at; /* when the other side first read it (for a client reading group
                      * announcements: when they did); 0: not yet */
    int64_t reads;   /* a group's announcement, as its practitioner sees it: members who
                      * have read it */
};

struct store_unread {
    int64_t client_id, count;
};

int store_message_insert(struct store *s, const struct store_message *m, int64_t *id);
/* A client's thread, oldest first. */
int store_message_thread(struct store *s, struct arena *a, int64_t client_id,
                         struct store_message **out, size_t *count);
/* A group's announcements, oldest first, with how many members read each. */
int store_message_announcements(struct store *s, struct arena *a, int64_t group_id,
                                struct store_message **out, size_t *count);
/* The announcements of the groups client_id is a member of now (archived groups left
 * out), oldest first; read_at is when this client read each. */
int store_message_announcements_for(struct store *s, struct arena *a, int64_t client_id,
                                    struct store_message **out, size_t *count);
/* Marks the other side's messages of client_id's thread read at now (by_client: the
 * practitioner's, read by the client; else the client's, read by the practitioner), and
 * with by_client also the announcements of the client's groups. Only first reads count. */
int store_message_mark_read(struct store *s, int64_t client_id, int by_client, int64_t now);
/* How many of each client's messages the practitioner has not read yet (clients with
 * none left out). */
int store_message_unread(struct store *s, struct arena *a, int64_t therapist_id,
                         struct store_unread **out, size_t *count);

/* A one-time messaging link: its hash, whose it is, until when. Sweeps expired links. */
int store_inbox_link_insert(struct store *s, const uint8_t hash[32], int64_t client_id,
                            int64_t now, int64_t expires_at);
/* The link with this hash (an archived client's is not found): -ENOENT. used_at 0: unused. */
int store_inbox_link_get(struct store *s, const uint8_t hash[32], int64_t *client_id,
                         int64_t *expires_at, int64_t *used_at);
/* Marks it used: 0 once, -ENOENT when it was used already. */
int store_inbox_link_use(struct store *s, const uint8_t hash[32], int64_t now);
int store_inbox_signin_insert(struct store *s, const uint8_t hash[32], int64_t client_id,
                              int64_t now, int64_t expires_at);
/* The client a device sign-in belongs to; -ENOENT when unknown, expired or the client is
 * archived. */
int store_inbox_signin_get(struct store *s, const uint8_t hash[32], int64_t now,
                           int64_t *client_id);
int store_inbox_signin_delete(struct store *s, const uint8_t hash[32]);
/* Ends every device sign-in of the client and every link not yet used; *ended (may be
 * NULL) says how many sign-ins. */
int store_inbox_end(struct store *s, int64_t client_id, int64_t *ended);
int store_inbox_signin_count(struct store *s, int64_t client_id, int64_t now, int64_t *count);

/* A practitioner's availability note; *note NULL when none. */
int store_availability_get(struct store *s, struct arena *a, int64_t user_id, char **note);
/* NULL or "" removes it. */
int store_availability_set(struct store *s, int64_t user_id, const char *note, int64_t now);
/* ---- check-ins and risk alerts (checkins.c) ----
 * The measures a practitioner asks before sessions (for a client: their one-to-one
 * sessions; for a group: its group sessions), as a comma list of measure names ("phq9,mood",
 * "" for none); the answers (sealed, with the mood word) once per occurrence and measure;
 * and the alerts a PHQ-9 item 9 answer above 0 raises for the client's practitioner. */

/* One of client_id or group_id (the other 0). */
int store_checkin_choice_set(struct store *s, int64_t client_id, int64_t group_id,
                             const char *measures, int64_t now);
/* *measures in the arena; -ENOENT when none was ever chosen. */
int store_checkin_choice_get(struct store *s, struct arena *a, int64_t client_id, int64_t group_id,
                             char **measures);

struct store_checkin {
    int64_t id, client_id, occurrence_id; /* occurrence_id 0: none */
    const char *measure;                  /* "phq9", "gad7", "mood" */
    int total;
    const char *band; /* NULL for mood */
    int risk;
    const char *answers; /* "0,1,3,..." (sealed at rest) */
    const char *word;    /* the mood word, or NULL (sealed at rest) */
    int64_t answered_at;
};
/* -EEXIST when the client answered this measure for the occurrence already. */
int store_checkin_add(struct store *s, const struct store_checkin *c, int64_t *id);
/* The measures answered for the occurrence, as a comma list in the arena ("" for none). */
int store_checkin_answered(struct store *s, struct arena *a, int64_t occurrence_id,
                           int64_t client_id, char **measures);
/* The client's answers, oldest first (at most 1000). */
int store_checkin_list(struct store *s, struct arena *a, int64_t client_id,
                       struct store_checkin **out, size_t *count);

struct store_care_alert {
    int64_t id, client_id, checkin_id, occurrence_id;
    int64_t raised_at;
    char *client_name;
    char *measure;
    int64_t seen_at, seen_by; /* store_care_alert_seen_by_others only */
    char *seen_by_name;
};
int store_care_alert_add(struct store *s, int64_t client_id, int64_t therapist_id,
                         int64_t checkin_id, int64_t occurrence_id, int64_t at, int64_t *id);
/* The alerts not yet seen that the practitioner may see, newest first (at most 100): their
 * own, and those raised in a session of a group they co-facilitate. */
int store_care_alert_open(struct store *s, struct arena *a, int64_t therapist_id,
                          struct store_care_alert **out, size_t *count);
/* Seen for everyone who sees it, by seen_by; -ENOENT when therapist_id may not see the alert
 * (as store_care_alert_open), or it was seen already. */
int store_care_alert_seen(struct store *s, int64_t id, int64_t therapist_id, int64_t seen_by,
                          int64_t now);
/* ---- check-ins away from the meeting (checkins.c) ---- */

struct store_next_occurrence {
    int64_t occurrence_id, series_id, therapist_id;
    int64_t group_id; /* 0: a one-to-one session */
    int64_t starts_at, ends_at;
};
/* The client's first occurrence (by start) that is not cancelled, not ended for everyone,
 * not over by `from` and starts before `until`: a meeting in progress counts. Their
 * one-to-one sessions and those of groups they are still a member of, with their link to
 * the session not revoked. -ENOENT when there is none. */
int store_client_next_occurrence(struct store *s, int64_t client_id, int64_t from, int64_t until,
                                 struct store_next_occurrence *out);
/* The alerts the practitioner may see that someone else marked seen at `since` or later,
 * newest first (at most 20), with who saw them. */
int store_care_alert_seen_by_others(struct store *s, struct arena *a, int64_t therapist_id,
                                    int64_t since, struct store_care_alert **out, size_t *count);
/* ---- attendance over time, and group intake (store/intake.c) ---- */

struct store_membership {
    int64_t group_id, client_id;
    int64_t added_at; /* since when the client is in the group */
};
/* The client's groups (not archived), by group. */
int store_memberships_of_client(struct store *s, struct arena *a, int64_t client_id,
                                struct store_membership **out, size_t *count);
/* The group's members (not archived), by client. */
int store_memberships_of_group(struct store *s, struct arena *a, int64_t group_id,
                               struct store_membership **out, size_t *count);

/* A group's public interest link: the token is its credential; the screening questions
 * are JSON text (an array of strings), sealed like the token. */
struct store_interest_link {
    int64_t id, group_id, created_by;
    uint8_t token_hash[32];
    char *token;
    char *questions;
    int64_t created_at, closed_at; /* closed_at 0 while open */
};
/* Closes the group's open link, if any; *closed (may be NULL) says how many. */
int store_interest_close(struct store *s, int64_t group_id, int64_t now, int64_t *closed);
int store_interest_insert(struct store *s, const struct store_interest_link *l, int64_t *id);
/* The group's open link; -ENOENT when it has none. */
int store_interest_open(struct store *s, struct arena *a, int64_t group_id,
                        struct store_interest_link *out);
/* The link whose token hashes to token_hash (closed ones too: the caller checks). */
int store_interest_by_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                                 struct store_interest_link *out);

/* Someone who asked to join a group through its interest link. Every text is sealed:
 * contact is JSON text {"email","phone"}, times {"parts":[..],"note"}, answers
 * [{"question","answer"}]. */
struct store_waitlist_entry {
    int64_t id, group_id, link_id;
    char *name, *contact, *times, *answers;
    int64_t created_at;
};
int store_waitlist_insert(struct store *s, const struct store_waitlist_entry *w, int64_t *id);
/* Oldest first. */
int store_waitlist_list(struct store *s, struct arena *a, int64_t group_id,
                        struct store_waitlist_entry **out, size_t *count);
int store_waitlist_get(struct store *s, struct arena *a, int64_t id,
                       struct store_waitlist_entry *out);
int store_waitlist_delete(struct store *s, int64_t id);
/* ---- client rights: export, erasure, the retention purge (client_records.c) ----
 * Everything held about a client is named in one registry (store/client_records.h);
 * these walk it. */

enum store_record_class {
    STORE_RECORD_CONTACT,              /* the client row: contact gone at erasure, the row
                                        * itself once nothing is held */
    STORE_RECORD_KEEP_UNTIL_RETENTION, /* clinical records: kept, sealed, for the retention
                                        * period from their date, then purged */
    STORE_RECORD_ERASE_AT_ONCE,        /* contact, sign-ins, links and tokens, pending mail */
    STORE_RECORD_APPEND_ONLY,          /* the audit log: exported, never changed */
};

enum store_record_type { STORE_FIELD_NULL, STORE_FIELD_INT, STORE_FIELD_TEXT, STORE_FIELD_TIME };

struct store_record_field {
    const char *name;
    enum store_record_type type;
    int64_t i;        /* INT, TIME (ms) */
    const char *text; /* TEXT (sealed values opened) */
};

struct store_record_set {
    const char *kind, *title; /* as the registry names them */
    enum store_record_class held;
    int field_count;                   /* each row's */
    struct store_record_field *fields; /* count rows of field_count fields */
    size_t count;
};

/* The rule of practice/retention.h, handed down: the first record date still held at
 * `now`, and the end of the hold of a record of a given date. */
struct store_retention {
    int years;
    int64_t cutoff;
    int64_t (*held_until)(int64_t record_ms, int years);
};

/* A client as the rights see them: archived ones too; -ENOENT once erased. */
struct store_rights_client {
    int64_t id, therapist_id, archived_at;
    char *name, *email, *time_zone;
};
int store_rights_client_get(struct store *s, struct arena *a, int64_t id,
                            struct store_rights_client *out);
/* Every record about the client, kind by kind in the registry's order (kinds with no rows
 * too; the rows that say nothing about the client left out). practitioner: the copy is the
 * client's practitioner's; else (an administrator's) the practitioner's own kinds (private
 * notes) are left out. */
int store_client_records(struct store *s, struct arena *a, int64_t client_id, int practitioner,
                         struct store_record_set **out, size_t *count);

struct store_record_hold {
    const char *kind;
    int64_t rows, held_until;
};
/* Erases the client (run inside the caller's transaction): what is erased at once goes,
 * clinical records older than the retention period go, the younger ones are held (one
 * record_holds row a kind, *holds in the arena); the contact is gone and the client out of
 * every list; with nothing held the client row goes too. *erased counts the rows deleted.
 * -ENOENT when there is no such client or it was erased already. */
int store_client_erase(struct store *s, struct arena *a, int64_t client_id,
                       const struct store_retention *r, int64_t now, int64_t *erased,
                       struct store_record_hold **holds, size_t *hold_count);
/* What erasing the client now would do, kind by kind (those a copy shows, but the contact
 * and the audit log): the rows there are, and for the kinds held how many would be kept and
 * until when. Nothing is written. */
struct store_erase_preview {
    const char *kind, *title;
    enum store_record_class held;
    int64_t rows, kept, held_until; /* kept and held_until: KEEP_UNTIL_RETENTION only */
};
int store_client_erase_preview(struct store *s, struct arena *a, int64_t client_id,
                               const struct store_retention *r, struct store_erase_preview **out,
                               size_t *count);
/* The holds on an erased client's records. */
int store_record_holds(struct store *s, struct arena *a, int64_t client_id,
                       struct store_record_hold **out, size_t *count);
/* The daily purge (inside the caller's transaction): every held record whose hold has
 * ended goes, and an erased client with nothing left held goes. */
int store_records_purge(struct store *s, const struct store_retention *r, int64_t *rows,
                        int64_t *clients);
/* The purge's lock among nodes, like store_reminders_try_lock. */
int store_purge_try_lock(struct store *s);
void store_purge_unlock(struct store *s);

/* ---- billing (billing.c; docs/BILLING.md): the practice's services, a client's fee terms
 * and insurance details, the charges sessions bring and the payments recorded. Money is
 * integer cents (practice/money.h); a payment's day is a civil day number. ---- */

struct store_service {
    int64_t id;
    char *cpt;         /* five digits */
    char *description;
    int64_t fee_cents; /* the default fee */
    int duration_minutes;
    int64_t created_at, archived_at; /* archived_at 0: in use */
};

/* How many services there are, archived ones included. */
int store_service_count(struct store *s, int64_t *count);
int store_service_insert(struct store *s, const struct store_service *sv, int64_t *id);
int store_service_get(struct store *s, struct arena *a, int64_t id, struct store_service *out);
/* Every service, archived ones included, by code. */
int store_service_list(struct store *s, struct arena *a, struct store_service **out,
                       size_t *count);
/* Writes cpt, description, fee_cents, duration_minutes and archived_at. */
int store_service_update(struct store *s, const struct store_service *sv);
/* The service a series bills: *service_id 0 when chosen by rule. */
int store_series_service_get(struct store *s, int64_t series_id, int64_t *service_id);
int store_series_service_set(struct store *s, int64_t series_id, int64_t service_id);

struct store_client_fee {
    int64_t client_id;
    int64_t service_id; /* or 0 (FEE_ALL_SERVICES): every service */
    int64_t fee_cents;
    int64_t updated_at;
};
int store_client_fee_set(struct store *s, const struct store_client_fee *f);
/* -ENOENT when the client had no such fee. */
int store_client_fee_remove(struct store *s, int64_t client_id, int64_t service_id);
int store_client_fees(struct store *s, struct arena *a, int64_t client_id,
                      struct store_client_fee **out, size_t *count);

/* A client's sliding scale and insurance details (JSON texts, sealed). */
struct store_client_billing {
    int64_t client_id;
    char *scale_kind;    /* "none", "percent", "fixed" */
    int64_t scale_value; /* percent 0..100, or fixed cents */
    char *insurance;     /* JSON {payer, member_id, group_id, subscriber, relationship}, or NULL */
    char *diagnoses;     /* JSON array of ICD-10-CM codes, or NULL */
    int64_t updated_at;
};
/* -ENOENT when none was ever written. */
int store_client_billing_get(struct store *s, struct arena *a, int64_t client_id,
                             struct store_client_billing *out);
int store_client_billing_put(struct store *s, const struct store_client_billing *b);

struct store_charge {
    int64_t id, client_id, occurrence_id, therapist_id;
    int64_t service_id; /* 0: none */
    char *kind;         /* "session", "no_show", "late_cancel" */
    int64_t service_at; /* ms: the occurrence's start */
    char *cpt, *description, *modifier, *place_of_service;
    int units;
    int64_t amount_cents;
    int64_t created_at;
    int64_t waived_at, waived_by; /* 0 when not waived */
    char *waived_reason;          /* NULL when not waived */
};
/* -EEXIST (nothing written) when the client has a charge for that occurrence already. */
int store_charge_insert(struct store *s, const struct store_charge *c, int64_t *id);
int store_charge_get(struct store *s, struct arena *a, int64_t id, struct store_charge *out);
/* 1 when the client has a charge for the occurrence, 0 when not, < 0 on failure. */
int store_charge_exists(struct store *s, int64_t occurrence_id, int64_t client_id);
/* A client's charges, by date of service then id. */
int store_charges_of_client(struct store *s, struct arena *a, int64_t client_id,
                            struct store_charge **out, size_t *count);
/* Charges with service_at in [from, to) (ms) of the clients of therapist_id (0: all). */
int store_charges_between(struct store *s, struct arena *a, int64_t from, int64_t to,
                          int64_t therapist_id, struct store_charge **out, size_t *count);
/* -ENOENT when there is no such charge or it was waived already. */
int store_charge_waive(struct store *s, int64_t id, int64_t user_id, const char *reason,
                       int64_t now);

struct store_payment {
    int64_t id, client_id;
    char *method;    /* ledger_method_name */
    char *reference; /* NULL: none */
    int64_t amount_cents;
    int64_t received_on; /* civil day number */
    int64_t recorded_by, created_at;
};
int store_payment_insert(struct store *s, const struct store_payment *p, int64_t *id);
/* A client's payments, by day received then id. */
int store_payments_of_client(struct store *s, struct arena *a, int64_t client_id,
                             struct store_payment **out, size_t *count);
/* Payments received on days [from_day, to_day] of the clients of therapist_id (0: all). */
int store_payments_between(struct store *s, struct arena *a, int64_t from_day, int64_t to_day,
                           int64_t therapist_id, struct store_payment **out, size_t *count);

/* Who cancelled an occurrence: "practice" or "client" (NULL is taken as "practice"). */
int store_occurrence_cancelled_by_set(struct store *s, int64_t occurrence_id, const char *by);
/* *client 1 when the client cancelled it. */
int store_occurrence_cancelled_by_client(struct store *s, int64_t occurrence_id, int *client);
/* Occurrences starting in [since, now] whose charges may still be due: over (ended, or
 * cancelled by the client) with fewer charges than the clients expected at them. */
int store_occurrences_to_charge(struct store *s, struct arena *a, int64_t now, int64_t since,
                                struct store_occurrence **out, size_t *count);
/* ---- billing: where a client said they were (places.c), licences and compacts as read
 * (licences.c) ----
 * These serve the join page, the waiting room's licence warning, the charges' place of
 * service and the flags. */

struct store_session_location {
    int64_t id, occurrence_id, client_id;
    const char *place;        /* "home", "not_home", "unknown" (practice/codes.h) */
    const char *jurisdiction; /* a jurisdictions.h key, or "" when they did not say */
    const char *emergency;    /* an address for emergencies, or NULL */
    int64_t answered_at;
};
/* Records what the client said for the occurrence, replacing an earlier answer for it
 * (id, when 0, is set to the row's). Run inside a transaction. */
int store_session_location_put(struct store *s, struct store_session_location *l);
/* 0, or -ENOENT when the client said nothing for that occurrence. */
int store_session_location_get(struct store *s, struct arena *a, int64_t occurrence_id,
                               int64_t client_id, struct store_session_location *out);
/* The client's latest answer for any occurrence (to prefill the question): -ENOENT none. */
int store_session_location_last(struct store *s, struct arena *a, int64_t client_id,
                                struct store_session_location *out);

struct store_licence {
    int64_t id, user_id;
    const char *jurisdiction; /* key */
    const char *kind;         /* "Psychologist", "LCSW"… */
    const char *number;
    int32_t expires_on; /* day number: the last day it is valid */
    unsigned reminders_sent; /* LICENCE_SENT_* or-ed */
    int64_t created_at;
};
/* A practitioner's licences not removed, by jurisdiction then expiry. */
int store_licence_list_user(struct store *s, struct arena *a, int64_t user_id,
                            struct store_licence **out, size_t *count);

struct store_compact {
    int64_t id;
    const char *name;
    const char *members; /* keys, comma-separated */
    int32_t valid_from;  /* day number, included */
    int32_t valid_until; /* day number, included; LICENCE_OPEN_END (INT32_MAX) when open */
    int64_t created_at;
};
/* The compacts the practice relies on (not removed), by name. */
int store_compact_list(struct store *s, struct arena *a, struct store_compact **out,
                       size_t *count);

/* ---- billing: licences and compacts written, the reminders due and the sessions to flag
 * (licences.c) ---- */

/* Adds a licence (reminders_sent starts at 0); l->id is set. */
int store_licence_insert(struct store *s, struct store_licence *l);
/* A licence not removed: 0, or -ENOENT. */
int store_licence_get(struct store *s, struct arena *a, int64_t id, struct store_licence *out);
/* Writes kind, number and expires_on; a changed expiry date clears reminders_sent (a
 * renewal starts afresh). -ENOENT when there is no such licence (or it was removed). */
int store_licence_update(struct store *s, const struct store_licence *l);
int store_licence_remove(struct store *s, int64_t id, int64_t now);
/* Records the reminders sent (LICENCE_SENT_* or-ed, the new whole set) for the expiry date
 * they were about: -ENOENT when the licence has another date by now, or went. */
int store_licence_mark_sent(struct store *s, int64_t id, int32_t expires_on, unsigned sent);
/* Licences not removed, of accounts not disabled, expiring from day first to day last
 * (both included), soonest first, at most limit. */
int store_licences_expiring(struct store *s, struct arena *a, int32_t first, int32_t last,
                            int limit, struct store_licence **out, size_t *count);

/* Adds a compact (members: keys, comma-separated; valid_until LICENCE_OPEN_END for open);
 * k->id is set. */
int store_compact_insert(struct store *s, struct store_compact *k, int64_t now);
int store_compact_get(struct store *s, struct arena *a, int64_t id, struct store_compact *out);
int store_compact_update(struct store *s, const struct store_compact *k);
int store_compact_remove(struct store *s, int64_t id, int64_t now);

/* One client of one occurrence of a practitioner's, for the licence flags. */
struct store_licence_session {
    int64_t occurrence_id, series_id, starts_at, client_id;
    const char *time_zone; /* the series' */
};
/* The practitioner's occurrences starting in [from, to), not cancelled, by start, each
 * with a client, at most limit rows. past 0: sessions ahead, not ended — the one-to-one's
 * client or each member of the group; past 1: each client let in, or who said where they
 * were. */
int store_licence_sessions(struct store *s, struct arena *a, int64_t therapist_id, int64_t from,
                           int64_t to, int past, int limit, struct store_licence_session **out,
                           size_t *count);

#endif

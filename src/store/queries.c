/* The query table: every statement the store runs, in the portable SQL both backends
 * accept ($N parameters, RETURNING). Indexed by enum query (store/internal.h). */
#include "store/internal.h"

#include "store/dialect.h"

/* The SQLite backend caches prepared statements by query id. */
_Static_assert(Q_COUNT <= STORE_STMT_CACHE, "the statement cache must hold every query");

#define USER_COLS "id, email_sealed, name_sealed, role, password_hash, created_at, disabled_at"
#define CLIENT_COLS                                                                                \
    "id, therapist_id, name_sealed, email_sealed, phone_sealed, emergency_sealed, time_zone,"      \
    " created_at"
#define GROUP_COLS                                                                                 \
    "id, therapist_id, name_sealed, description_sealed, agreement_sealed, agreement_version,"      \
    " capacity, created_at"
#define SERIES_COLS                                                                                \
    "id, therapist_id, client_id, group_id, title_sealed, time_zone, duration_minutes, rrule,"     \
    " settings, ics_uid, sequence, host_token_hash, host_token_sealed, created_at, cancelled_at"
#define OCC_COLS                                                                                   \
    "o.id, o.series_id, o.therapist_id, o.original_start, o.starts_at, o.ends_at,"                 \
    " o.cancelled_at, o.meeting_id, o.password_sealed, o.ended_at"
#define MAIL_COLS                                                                                  \
    "id, message_id, kind, recipient_sealed, message_sealed, state, attempts,"                     \
    " next_attempt_at, created_at, sent_at"
#define POLL_COLS                                                                                  \
    "id, therapist_id, group_id, title_sealed, time_zone, duration_minutes, created_at,"           \
    " closed_at, session_id"
#define INVITE_COLS "id, series_id, client_id, token_hash, token_sealed, created_at, revoked_at"
#define MSG_COLS                                                                                   \
    "m.id, m.client_id, m.group_id, m.author_user_id, m.body_sealed, m.created_at, m.read_at"
#define POLL_INVITE_COLS "id, poll_id, client_id, token_hash, token_sealed, created_at"
#define INTEREST_COLS                                                                              \
    "id, group_id, token_hash, token_sealed, questions_sealed, created_by, created_at, closed_at"
#define WAITLIST_COLS                                                                              \
    "id, group_id, link_id, name_sealed, contact_sealed, times_sealed, answers_sealed,"            \
    " created_at"

/* PostgreSQL only (store/dialect.h): rows another connection's claim holds are passed over */
#define SKIP_LOCKED PG_ONLY("FOR UPDATE SKIP LOCKED")

#define LOCATION_COLS                                                                              \
    "id, occurrence_id, client_id, place, jurisdiction, emergency_sealed, answered_at"
#define LICENCE_COLS                                                                               \
    "id, user_id, jurisdiction, kind, number, expires_on, reminders_sent, created_at"
#define COMPACT_COLS "id, name, members, valid_from, valid_until, created_at"
#define NOTE_COLS                                                                                  \
    "n.id, n.occurrence_id, n.series_id, n.client_id, n.author_id, n.template, n.body_sealed,"     \
    " n.version, n.created_at, n.updated_at, n.signed_by, n.signed_at, o.starts_at"

#define SERVICE_COLS "id, cpt, description, fee_cents, duration_minutes, created_at, archived_at"
#define CHARGE_COLS                                                                                \
    "t.id, t.client_id, t.occurrence_id, t.therapist_id, t.service_id, t.kind, t.service_at,"      \
    " t.cpt, t.description, t.modifier, t.place_of_service, t.units, t.amount_cents,"              \
    " t.created_at, t.waived_at, t.waived_by, t.waived_reason_sealed"
#define PAYMENT_COLS                                                                               \
    "t.id, t.client_id, t.method, t.reference_sealed, t.amount_cents, t.received_on,"             \
    " t.recorded_by, t.created_at"

#define AUDIT_COLS "id, at, actor_user_id, action, subject_id, source, outcome, record_hash"

/* occurrences whose meeting is over: ended, cancelled (or their series), or ending at $1 or
 * before */
#define OVER_OCCURRENCES                                                                           \
    "SELECT o.id FROM occurrences o JOIN series s ON s.id = o.series_id"                           \
    " WHERE o.ended_at IS NOT NULL OR o.cancelled_at IS NOT NULL OR s.cancelled_at IS NOT NULL"    \
    " OR o.ends_at <= $1"

/* A risk alert raised in a session of a group the user co-facilitates (checkins.c). */
#define CARE_ALERT_COFACILITATED(alert, user)                                                      \
    "EXISTS (SELECT 1 FROM occurrences o JOIN series s ON s.id = o.series_id"                     \
    " JOIN group_facilitators f ON f.group_id = s.group_id WHERE o.id = " alert                    \
    ".occurrence_id AND f.user_id = " user ")"

const char *const store_query_sql[Q_COUNT] = {
    [Q_PING] = "SELECT count(*) FROM users",
    [Q_AUDIT] = "INSERT INTO audit_log (id, at, actor_user_id, action, subject_id, source,"
                " outcome, record_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    [Q_USER_COUNT] = "SELECT count(*) FROM users",
    [Q_USER_INSERT] = "INSERT INTO users (id, email_index, email_sealed, name_sealed, role,"
                      " password_hash, created_at) VALUES ($7, $1, $2, $3, $4, $5, $6)"
                      " RETURNING id",
    [Q_USER_BY_INDEX] = "SELECT " USER_COLS " FROM users WHERE email_index = $1",
    [Q_USER_BY_ID] = "SELECT " USER_COLS " FROM users WHERE id = $1",
    [Q_LOGIN_INSERT] = "INSERT INTO login_sessions (token_hash, user_id, created_at,"
                       " last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    /* a disabled account's sign-ins are refused here, whatever asks (the API, /ws) */
    [Q_LOGIN_GET] = "SELECT l.user_id, l.created_at, l.last_seen_at, l.expires_at"
                    " FROM login_sessions l JOIN users u ON u.id = l.user_id"
                    " WHERE l.token_hash = $1 AND u.disabled_at IS NULL",
    [Q_LOGIN_TOUCH] = "UPDATE login_sessions SET last_seen_at = $2 WHERE token_hash = $1",
    [Q_LOGIN_DELETE] = "DELETE FROM login_sessions WHERE token_hash = $1",
    [Q_LOGIN_DELETE_EXPIRED] = "DELETE FROM login_sessions"
                               " WHERE expires_at <= $1 OR last_seen_at + $2 <= $1",
    [Q_CLIENT_INSERT] = "INSERT INTO clients (id, therapist_id, name_sealed, email_sealed,"
                        " phone_sealed, emergency_sealed, time_zone, created_at)"
                        " VALUES ($8, $1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [Q_CLIENT_GET] = "SELECT " CLIENT_COLS " FROM clients WHERE id = $1 AND archived_at IS NULL",
    [Q_CLIENT_UPDATE] = "UPDATE clients SET name_sealed = $2, email_sealed = $3,"
                        " phone_sealed = $4, emergency_sealed = $5, time_zone = $6"
                        " WHERE id = $1 AND archived_at IS NULL",
    [Q_CLIENT_ARCHIVE] = "UPDATE clients SET archived_at = $2 WHERE id = $1"
                         " AND archived_at IS NULL",
    [Q_CLIENT_LIST] = "SELECT " CLIENT_COLS " FROM clients WHERE archived_at IS NULL"
                      " AND ($1 = 0 OR therapist_id = $1) ORDER BY id",
    [Q_GROUP_INSERT] = "INSERT INTO therapy_groups (id, therapist_id, name_sealed,"
                       " description_sealed, agreement_sealed, agreement_version, capacity,"
                       " created_at) VALUES ($8, $1, $2, $3, $4, $5, $6, $7) RETURNING id",
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
    [Q_SERIES_INSERT] = "INSERT INTO series (id, therapist_id, client_id, group_id, title_sealed,"
                        " time_zone, duration_minutes, rrule, settings, ics_uid, sequence,"
                        " host_token_hash, host_token_sealed, created_at)"
                        " VALUES ($14, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                        " RETURNING id",
    [Q_SERIES_GET] = "SELECT " SERIES_COLS " FROM series WHERE id = $1",
    [Q_SERIES_UPDATE] = "UPDATE series SET sequence = $2, rrule = $3, cancelled_at = $4"
                        " WHERE id = $1",
    [Q_SERIES_LIST] = "SELECT " SERIES_COLS " FROM series WHERE ($1 = 0 OR therapist_id = $1"
                      " OR group_id IN (SELECT group_id FROM group_facilitators"
                      " WHERE user_id = $1)) ORDER BY id",
    [Q_OCC_INSERT] = "INSERT INTO occurrences (id, series_id, therapist_id, original_start,"
                     " starts_at, ends_at, meeting_id, password_sealed)"
                     " VALUES ($8, $1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [Q_OCC_GET] = "SELECT " OCC_COLS " FROM occurrences o WHERE o.id = $1",
    [Q_OCC_UPDATE] = "UPDATE occurrences SET starts_at = $2, ends_at = $3, cancelled_at = $4"
                     " WHERE id = $1",
    [Q_OCC_LIST] = "SELECT " OCC_COLS " FROM occurrences o WHERE o.series_id = $1"
                   " ORDER BY o.original_start",
    [Q_OCC_OVERLAP] = "SELECT " OCC_COLS " FROM occurrences o WHERE o.therapist_id = $1"
                      " AND o.cancelled_at IS NULL AND o.starts_at < $3 AND o.ends_at > $2"
                      " ORDER BY o.starts_at",
    [Q_INVITE_INSERT] = "INSERT INTO invites (id, series_id, client_id, token_hash, token_sealed,"
                        " created_at) VALUES ($6, $1, $2, $3, $4, $5) RETURNING id",
    [Q_INVITE_LIST] = "SELECT " INVITE_COLS " FROM invites WHERE series_id = $1"
                      " ORDER BY client_id",
    [Q_MAIL_INSERT] = "INSERT INTO outbox (id, message_id, kind, recipient_sealed, message_sealed,"
                      " state, attempts, next_attempt_at, created_at, expires_at)"
                      " VALUES ($6, $1, $2, $3, $4, 'pending', 0, $5, $5, $7) RETURNING id",
    /* $3 the node claiming, $4 until when. On PostgreSQL nodes claim at once (it is an
     * autocommit statement, outside the writer lock): SKIP LOCKED passes over the rows
     * another node's claim has locked, so no row is taken twice and no node waits. */
    [Q_MAIL_CLAIM] = "UPDATE outbox SET state = 'sending', attempts = attempts + 1,"
                     " claimed_by = $3, claim_expires_at = $4"
                     " WHERE id IN (SELECT id FROM outbox WHERE state = 'pending'"
                     " AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2 " SKIP_LOCKED
                     ") RETURNING " MAIL_COLS,
    /* before a claim: what is pending past its moment fails unsent */
    [Q_MAIL_EXPIRE] = "UPDATE outbox SET state = 'failed',"
                      " last_error = 'expired: the moment it was for has passed'"
                      " WHERE state = 'pending' AND expires_at <= $1",
    [Q_MAIL_SENT] = "UPDATE outbox SET state = 'sent', sent_at = $2, last_error = NULL"
                    " WHERE id = $1",
    /* only the claim's holder ($4, $3) turns a mail back or fails it */
    [Q_MAIL_RETRY] = "UPDATE outbox SET state = 'pending', next_attempt_at = $2,"
                     " last_error = $3, claimed_by = NULL, claim_expires_at = NULL"
                     " WHERE id = $1 AND state = 'sending' AND claimed_by = $4",
    [Q_MAIL_FAIL] = "UPDATE outbox SET state = 'failed', last_error = $2, claimed_by = NULL,"
                    " claim_expires_at = NULL WHERE id = $1 AND state = 'sending'"
                    " AND claimed_by = $3",
    /* the node's own claims, at its start: it restarted, so it is sending none of them */
    [Q_MAIL_RECOVER] = "UPDATE outbox SET state = 'pending', claimed_by = NULL,"
                       " claim_expires_at = NULL WHERE state = 'sending' AND claimed_by = $1",
    /* before each mail: the node ($1) extends the claims it still holds at $2 to $3; one
     * that has lapsed is no longer its own (another node may take it at any moment) */
    [Q_MAIL_HOLD] = "UPDATE outbox SET claim_expires_at = $3 WHERE state = 'sending'"
                    " AND claimed_by = $1 AND claim_expires_at > $2 RETURNING id",
    /* claims lapsed by $1 (their node died): back to pending for any node. A row left
     * 'sending' before claims had an expiry (migration 016) counts as lapsed. */
    [Q_MAIL_RELEASE] = "UPDATE outbox SET state = 'pending', claimed_by = NULL,"
                       " claim_expires_at = NULL WHERE state = 'sending'"
                       " AND COALESCE(claim_expires_at, 0) <= $1",
    [Q_MAIL_COUNT] = "SELECT count(*) FROM outbox WHERE state = $1",
    [Q_REMINDERS_DUE] = "SELECT " OCC_COLS " FROM occurrences o JOIN series s"
                        " ON s.id = o.series_id WHERE o.cancelled_at IS NULL"
                        " AND s.cancelled_at IS NULL AND o.starts_at > $1"
                        " AND o.starts_at <= $1 + $2 * 60000 AND NOT EXISTS (SELECT 1 FROM"
                        " reminders_sent r WHERE r.occurrence_id = o.id"
                        " AND r.minutes_before = $2) ORDER BY o.starts_at",
    [Q_REMINDER_MARK] = "INSERT INTO reminders_sent (occurrence_id, minutes_before, created_at)"
                        " VALUES ($1, $2, $3)",
    [Q_POLL_INSERT] = "INSERT INTO polls (id, therapist_id, group_id, title_sealed, time_zone,"
                      " duration_minutes, created_at) VALUES ($7, $1, $2, $3, $4, $5, $6)"
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
    [Q_POLL_INVITE_INSERT] = "INSERT INTO poll_invites (id, poll_id, client_id, token_hash,"
                             " token_sealed, created_at) VALUES ($6, $1, $2, $3, $4, $5)"
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
    [Q_AUDIT_LAST] = "SELECT id, record_hash FROM audit_log ORDER BY id DESC LIMIT 1",
    [Q_AUDIT_ALL] = "SELECT " AUDIT_COLS " FROM audit_log ORDER BY id",
    [Q_AUDIT_HASHED] = "SELECT count(*) FROM audit_log WHERE record_hash IS NOT NULL",
    [Q_AUDIT_SET_HASH] = "UPDATE audit_log SET record_hash = $2 WHERE id = $1"
                         " AND record_hash IS NULL",
    /* newest first; each filter applies when given (NULL: any). Each parameter meets its
     * column before IS NULL: PostgreSQL takes a parameter's type from where it first
     * appears, and IS NULL gives it none. */
    [Q_AUDIT_LIST] = "SELECT " AUDIT_COLS " FROM audit_log"
                     " WHERE (actor_user_id = $1 OR $1 IS NULL) AND (action = $2 OR $2 IS NULL)"
                     " AND (subject_id = $3 OR $3 IS NULL) AND (at >= $4 OR $4 IS NULL)"
                     " AND (at < $5 OR $5 IS NULL) AND (id < $6 OR $6 IS NULL)"
                     " ORDER BY id DESC LIMIT $7",
    /* the client's links to sessions (of one group, or all: $2 = 0) that still have a
     * meeting to come */
    [Q_INVITES_REVOKE] = "UPDATE invites SET revoked_at = $3 WHERE client_id = $1"
                         " AND revoked_at IS NULL AND series_id IN (SELECT s.id FROM series s"
                         " WHERE ($2 = 0 OR s.group_id = $2) AND EXISTS (SELECT 1"
                         " FROM occurrences o WHERE o.series_id = s.id AND o.ends_at > $3))",
    /* the one rule of who a link is still for: not revoked, the client not archived, and
     * for a group's session still a member of the group */
    [Q_INVITE_CURRENT] = "SELECT count(*) FROM invites i JOIN series s ON s.id = i.series_id"
                         " JOIN clients c ON c.id = i.client_id WHERE i.id = $1"
                         " AND i.revoked_at IS NULL AND c.archived_at IS NULL"
                         " AND (s.group_id IS NULL OR EXISTS (SELECT 1 FROM group_members m"
                         " WHERE m.group_id = s.group_id AND m.client_id = i.client_id))",
    [Q_TURNED_AWAY_CLEAR] = "DELETE FROM turned_away WHERE occurrence_id = $1"
                            " AND COALESCE(client_id, 0) = $2 AND COALESCE(user_id, 0) = $3",
    [Q_TURNED_AWAY_ADD] = "INSERT INTO turned_away (occurrence_id, client_id, user_id, what, at)"
                          " VALUES ($1, $2, $3, $4, $5)",
    [Q_TURNED_AWAY_LIST] = "SELECT client_id, user_id, what, at FROM turned_away"
                           " WHERE occurrence_id = $1 ORDER BY at, id",
    [Q_USER_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM users",
    [Q_CLIENT_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM clients",
    [Q_GROUP_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM therapy_groups",
    [Q_SERIES_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM series",
    [Q_OCC_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM occurrences",
    [Q_INVITE_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM invites",
    [Q_MAIL_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM outbox",
    [Q_POLL_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM polls",
    [Q_POLL_INVITE_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM poll_invites",
    [Q_TOTP_GET] = "SELECT user_id, secret_sealed, created_at, confirmed_at, last_step"
                   " FROM mfa_totp WHERE user_id = $1",
    [Q_TOTP_SET] = "INSERT INTO mfa_totp (user_id, secret_sealed, created_at, confirmed_at,"
                   " last_step) VALUES ($1, $2, $3, NULL, 0) ON CONFLICT (user_id) DO UPDATE"
                   " SET secret_sealed = excluded.secret_sealed, created_at = excluded.created_at,"
                   " confirmed_at = NULL, last_step = 0",
    [Q_TOTP_CONFIRM] = "UPDATE mfa_totp SET confirmed_at = $3, last_step = $2"
                       " WHERE user_id = $1 AND confirmed_at IS NULL AND last_step < $2",
    [Q_TOTP_USE] = "UPDATE mfa_totp SET last_step = $2"
                   " WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2",
    [Q_TOTP_DELETE] = "DELETE FROM mfa_totp WHERE user_id = $1",
    [Q_RECOVERY_CLEAR] = "DELETE FROM mfa_recovery_codes WHERE user_id = $1",
    [Q_RECOVERY_INSERT] = "INSERT INTO mfa_recovery_codes (code_hash, user_id, created_at)"
                          " VALUES ($1, $2, $3)",
    [Q_RECOVERY_USE] = "UPDATE mfa_recovery_codes SET used_at = $3"
                       " WHERE code_hash = $1 AND user_id = $2 AND used_at IS NULL",
    [Q_RECOVERY_LEFT] = "SELECT count(*) FROM mfa_recovery_codes"
                        " WHERE user_id = $1 AND used_at IS NULL",
    [Q_MFA_PENDING_INSERT] = "INSERT INTO mfa_pending (token_hash, user_id, purpose, expires_at)"
                             " VALUES ($1, $2, $3, $4)",
    [Q_MFA_PENDING_GET] = "SELECT user_id, purpose, expires_at FROM mfa_pending"
                          " WHERE token_hash = $1 AND expires_at > $2",
    [Q_MFA_PENDING_DELETE] = "DELETE FROM mfa_pending WHERE token_hash = $1 OR expires_at <= $2",
    [Q_SEAL_UPGRADE_PENDING] = "SELECT count(*) FROM seal_upgrade",
    [Q_SEAL_UPGRADE_DONE] = "DELETE FROM seal_upgrade",
    [Q_EMERGENCY_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM emergency_access",
    [Q_EMERGENCY_INSERT] = "INSERT INTO emergency_access (id, client_id, admin_user_id,"
                           " therapist_user_id, reason_sealed, opened_at, expires_at)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [Q_EMERGENCY_ACTIVE] = "SELECT count(*) FROM emergency_access WHERE client_id = $1"
                           " AND admin_user_id = $2 AND opened_at <= $3 AND expires_at > $3",
    /* newest first, the client's name with it (sealed: opened in store/emergency.c) */
    [Q_EMERGENCY_FOR_THERAPIST] =
        "SELECT e.id, e.client_id, e.admin_user_id, e.therapist_user_id, e.reason_sealed,"
        " e.opened_at, e.expires_at, e.seen_at, c.name_sealed FROM emergency_access e"
        " JOIN clients c ON c.id = e.client_id WHERE e.therapist_user_id = $1"
        " AND e.opened_at >= $2 ORDER BY e.id DESC LIMIT 100",
    [Q_EMERGENCY_SEEN] = "UPDATE emergency_access SET seen_at = $2 WHERE therapist_user_id = $1"
                         " AND seen_at IS NULL",
    [Q_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY id",
    [Q_USER_SET_ROLE] = "UPDATE users SET role = $2 WHERE id = $1",
    [Q_USER_SET_DISABLED] = "UPDATE users SET disabled_at = $2 WHERE id = $1",
    [Q_USER_SET_PASSWORD] = "UPDATE users SET password_hash = $2 WHERE id = $1",
    /* administrators who can sign in: not disabled, a password set (not only invited) */
    [Q_ADMINS_ACTIVE] = "SELECT count(*) FROM users WHERE role = 'admin'"
                        " AND disabled_at IS NULL AND password_hash <> ''",
    /* every sign-in of the user but the one named ($2 NULL: all) */
    [Q_LOGIN_DELETE_USER] = "DELETE FROM login_sessions WHERE user_id = $1"
                            " AND (token_hash <> $2 OR $2 IS NULL)",
    [Q_MFA_PENDING_DELETE_USER] = "DELETE FROM mfa_pending WHERE user_id = $1",
    [Q_INVITATION_INSERT] = "INSERT INTO user_invitations (token_hash, user_id, created_by,"
                            " created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    [Q_INVITATION_GET] = "SELECT user_id, created_at, expires_at, used_at FROM user_invitations"
                         " WHERE token_hash = $1",
    [Q_INVITATION_USE] = "UPDATE user_invitations SET used_at = $2 WHERE token_hash = $1"
                         " AND used_at IS NULL AND expires_at > $2",
    [Q_INVITATION_DELETE_USER] = "DELETE FROM user_invitations WHERE user_id = $1"
                                 " AND used_at IS NULL",
    [Q_MEETING_LOCK_CLEAR] = "DELETE FROM meeting_locks WHERE occurrence_id = $1",
    [Q_MEETING_LOCK_ADD] = "INSERT INTO meeting_locks (occurrence_id, at) VALUES ($1, $2)",
    [Q_MEETING_LOCKED] = "SELECT count(*) FROM meeting_locks WHERE occurrence_id = $1",
    [Q_ADMITTED_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM meeting_admitted",
    [Q_ADMITTED_CLEAR] = "DELETE FROM meeting_admitted WHERE occurrence_id = $1"
                         " AND (client_id = $2 OR user_id = $3)",
    [Q_ADMITTED_ADD] = "INSERT INTO meeting_admitted (id, occurrence_id, participant, client_id,"
                       " user_id, role, name_sealed, key_hash, admitted_at)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    [Q_ADMITTED_LIST] = "SELECT id, participant, client_id, user_id, role, name_sealed, key_hash,"
                        " admitted_at FROM meeting_admitted WHERE occurrence_id = $1"
                        " ORDER BY participant",
    [Q_ADMITTED_BY_KEY] = "SELECT occurrence_id FROM meeting_admitted WHERE key_hash = $1",
    [Q_ADMITTED_DELETE_ALL] = "DELETE FROM meeting_admitted WHERE occurrence_id = $1",
    /* the state of meetings that are over: ended, cancelled, or past their end ($1) */
    [Q_ADMITTED_SWEEP] =
        "DELETE FROM meeting_admitted WHERE occurrence_id IN (" OVER_OCCURRENCES ")",
    [Q_MEETING_LOCKS_SWEEP] =
        "DELETE FROM meeting_locks WHERE occurrence_id IN (" OVER_OCCURRENCES ")",
    /* one statement, so two nodes opening the same meeting cannot both win: the row is
     * taken when free, expired ($5 is now), or already this node's */
    [Q_LEASE_CLAIM] = "INSERT INTO meeting_leases (occurrence_id, node_id, node_url, expires_at)"
                      " VALUES ($1, $2, $3, $4) ON CONFLICT (occurrence_id) DO UPDATE SET"
                      " node_id = excluded.node_id, node_url = excluded.node_url,"
                      " expires_at = excluded.expires_at WHERE meeting_leases.node_id = $2"
                      " OR meeting_leases.expires_at <= $5 RETURNING occurrence_id",
    [Q_LEASE_HOLDER] = "SELECT node_id, node_url, expires_at FROM meeting_leases"
                       " WHERE occurrence_id = $1",
    /* from a node found dead, only if it still holds it ($5) */
    [Q_LEASE_TAKE_OVER] = "UPDATE meeting_leases SET node_id = $2, node_url = $3, expires_at = $4"
                          " WHERE occurrence_id = $1 AND node_id = $5 RETURNING occurrence_id",
    [Q_LEASE_RENEW] = "UPDATE meeting_leases SET expires_at = $2 WHERE node_id = $1"
                      " RETURNING occurrence_id",
    [Q_LEASE_RELEASE] = "DELETE FROM meeting_leases WHERE occurrence_id = $1 AND node_id = $2",
    [Q_LEASE_RELEASE_NODE] = "DELETE FROM meeting_leases WHERE node_id = $1",
    [Q_LEASE_SWEEP] = "DELETE FROM meeting_leases WHERE expires_at <= $1",
    /* private notes: the occurrence's start comes with each (lists are shown by date) */
    [Q_NOTE_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM notes",
    [Q_NOTE_INSERT] = "INSERT INTO notes (id, occurrence_id, series_id, client_id, author_id,"
                      " template, body_sealed, version, created_at, updated_at)"
                      " VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
    [Q_NOTE_GET] = "SELECT " NOTE_COLS " FROM notes n JOIN occurrences o"
                   " ON o.id = n.occurrence_id WHERE n.id = $1",
    /* the note of a client ($2; 0: the group note) at an occurrence */
    [Q_NOTE_FOR] = "SELECT n.id FROM notes n WHERE n.occurrence_id = $1"
                   " AND COALESCE(n.client_id, 0) = $2",
    [Q_NOTE_LIST_OCC] = "SELECT " NOTE_COLS " FROM notes n JOIN occurrences o"
                        " ON o.id = n.occurrence_id WHERE n.occurrence_id = $1"
                        " ORDER BY COALESCE(n.client_id, 0), n.id",
    [Q_NOTE_LIST_CLIENT] = "SELECT " NOTE_COLS " FROM notes n JOIN occurrences o"
                           " ON o.id = n.occurrence_id WHERE n.client_id = $1"
                           " ORDER BY o.starts_at DESC, n.id DESC",
    /* a draft, at the version its writer saw; a signed note never changes */
    [Q_NOTE_UPDATE] = "UPDATE notes SET body_sealed = $3, version = version + 1, updated_at = $4"
                      " WHERE id = $1 AND version = $2 AND signed_at IS NULL",
    [Q_NOTE_SIGN] = "UPDATE notes SET signed_by = $3, signed_at = $4, version = version + 1,"
                    " updated_at = $4 WHERE id = $1 AND version = $2 AND signed_at IS NULL",
    [Q_ADDENDUM_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM note_addenda",
    /* only to a signed note */
    [Q_ADDENDUM_INSERT] = "INSERT INTO note_addenda (id, note_id, author_id, body_sealed,"
                          " created_at) SELECT $1, $2, $3, $4, $5 FROM notes"
                          " WHERE id = $2 AND signed_at IS NOT NULL RETURNING id",
    [Q_ADDENDUM_LIST] = "SELECT id, note_id, author_id, body_sealed, created_at"
                        " FROM note_addenda WHERE note_id = $1 ORDER BY id",
    /* the clients let into the occurrence's meeting */
    [Q_OCC_ADMITTED_CLIENTS] = "SELECT DISTINCT client_id FROM attendance WHERE occurrence_id = $1"
                               " AND client_id IS NOT NULL AND event = 'admitted'"
                               " ORDER BY client_id",
    /* secure messaging (messaging.c) */
    [Q_MSG_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM messages",
    [Q_MSG_INSERT] = "INSERT INTO messages (id, client_id, group_id, author_user_id, body_sealed,"
                     " created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    [Q_MSG_THREAD] = "SELECT " MSG_COLS ", 0 FROM messages m WHERE m.client_id = $1"
                     " ORDER BY m.id",
    [Q_MSG_ANNOUNCEMENTS] = "SELECT " MSG_COLS ", (SELECT count(*) FROM announcement_reads r"
                            " WHERE r.message_id = m.id) FROM messages m WHERE m.group_id = $1"
                            " ORDER BY m.id",
    /* the announcements of the groups a client is a member of now; read_at is theirs */
    [Q_MSG_ANNOUNCEMENTS_FOR] = "SELECT m.id, m.client_id, m.group_id, m.author_user_id,"
                                " m.body_sealed, m.created_at, r.read_at, 0 FROM messages m"
                                " JOIN group_members gm ON gm.group_id = m.group_id"
                                " JOIN therapy_groups g ON g.id = m.group_id"
                                " LEFT JOIN announcement_reads r ON r.message_id = m.id"
                                " AND r.client_id = gm.client_id"
                                " WHERE gm.client_id = $1 AND g.archived_at IS NULL ORDER BY m.id",
    [Q_MSG_READ_BY_PRACTITIONER] = "UPDATE messages SET read_at = $2 WHERE client_id = $1"
                                   " AND author_user_id IS NULL AND read_at IS NULL",
    [Q_MSG_READ_BY_CLIENT] = "UPDATE messages SET read_at = $2 WHERE client_id = $1"
                             " AND author_user_id IS NOT NULL AND read_at IS NULL",
    [Q_MSG_ANNOUNCEMENTS_READ] = "INSERT INTO announcement_reads (message_id, client_id, read_at)"
                                 " SELECT m.id, gm.client_id, $2 FROM messages m"
                                 " JOIN group_members gm ON gm.group_id = m.group_id"
                                 " WHERE gm.client_id = $1 AND NOT EXISTS (SELECT 1"
                                 " FROM announcement_reads r WHERE r.message_id = m.id"
                                 " AND r.client_id = $1)",
    [Q_MSG_UNREAD] = "SELECT m.client_id, count(*) FROM messages m JOIN clients c"
                     " ON c.id = m.client_id WHERE c.therapist_id = $1 AND c.archived_at IS NULL"
                     " AND m.author_user_id IS NULL AND m.read_at IS NULL GROUP BY m.client_id"
                     " ORDER BY m.client_id",
    [Q_INBOX_LINK_INSERT] = "INSERT INTO inbox_links (token_hash, client_id, created_at,"
                            " expires_at) VALUES ($1, $2, $3, $4)",
    /* a link of an archived client is not found */
    [Q_INBOX_LINK_GET] = "SELECT l.client_id, l.expires_at, l.used_at FROM inbox_links l"
                         " JOIN clients c ON c.id = l.client_id"
                         " WHERE l.token_hash = $1 AND c.archived_at IS NULL",
    [Q_INBOX_LINK_USE] = "UPDATE inbox_links SET used_at = $2 WHERE token_hash = $1"
                         " AND used_at IS NULL",
    [Q_INBOX_LINKS_SWEEP] = "DELETE FROM inbox_links WHERE expires_at <= $1",
    [Q_INBOX_LINKS_END] = "DELETE FROM inbox_links WHERE client_id = $1",
    [Q_INBOX_SIGNIN_INSERT] = "INSERT INTO inbox_signins (token_hash, client_id, created_at,"
                              " expires_at) VALUES ($1, $2, $3, $4)",
    /* an archived client's sign-ins end at once: they are not found */
    [Q_INBOX_SIGNIN_GET] = "SELECT s.client_id FROM inbox_signins s JOIN clients c"
                           " ON c.id = s.client_id WHERE s.token_hash = $1 AND s.expires_at > $2"
                           " AND c.archived_at IS NULL",
    [Q_INBOX_SIGNIN_DELETE] = "DELETE FROM inbox_signins WHERE token_hash = $1",
    [Q_INBOX_SIGNINS_END] = "DELETE FROM inbox_signins WHERE client_id = $1",
    [Q_INBOX_SIGNIN_COUNT] = "SELECT count(*) FROM inbox_signins WHERE client_id = $1"
                             " AND expires_at > $2",
    [Q_AVAILABILITY_GET] = "SELECT user_id, note_sealed FROM availability_notes"
                           " WHERE user_id = $1",
    [Q_AVAILABILITY_SET] = "INSERT INTO availability_notes (user_id, note_sealed, updated_at)"
                           " VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE"
                           " SET note_sealed = excluded.note_sealed,"
                           " updated_at = excluded.updated_at",
    [Q_AVAILABILITY_DELETE] = "DELETE FROM availability_notes WHERE user_id = $1",
    /* check-ins and risk alerts (checkins.c) */
    [Q_CHECKIN_CHOICE_SET_CLIENT] =
        "INSERT INTO checkin_choices (client_id, measures, updated_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (client_id) DO UPDATE SET measures = excluded.measures,"
        " updated_at = excluded.updated_at",
    [Q_CHECKIN_CHOICE_SET_GROUP] =
        "INSERT INTO checkin_choices (group_id, measures, updated_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (group_id) DO UPDATE SET measures = excluded.measures,"
        " updated_at = excluded.updated_at",
    [Q_CHECKIN_CHOICE_CLIENT] = "SELECT measures FROM checkin_choices WHERE client_id = $1",
    [Q_CHECKIN_CHOICE_GROUP] = "SELECT measures FROM checkin_choices WHERE group_id = $1",
    [Q_CHECKIN_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM checkins",
    [Q_CHECKIN_INSERT] = "INSERT INTO checkins (id, client_id, occurrence_id, measure, total, band,"
                         " risk, answers_sealed, word_sealed, answered_at)"
                         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    [Q_CHECKIN_ANSWERED] = "SELECT measure FROM checkins WHERE occurrence_id = $1"
                           " AND client_id = $2",
    /* oldest first: the order of a chart */
    [Q_CHECKIN_LIST] = "SELECT id, client_id, occurrence_id, measure, total, band, risk,"
                       " answers_sealed, word_sealed, answered_at FROM checkins"
                       " WHERE client_id = $1 ORDER BY answered_at, id LIMIT 1000",
    [Q_CARE_ALERT_INSERT] = "INSERT INTO care_alerts (client_id, therapist_id, checkin_id,"
                            " occurrence_id, raised_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    /* not yet seen, newest first, with the client's name (sealed) and the measure: the
     * practitioner's own, and those raised in a group session they co-facilitate */
    [Q_CARE_ALERT_OPEN] =
        "SELECT a.id, a.client_id, a.checkin_id, a.occurrence_id, a.raised_at, c.name_sealed,"
        " k.measure FROM care_alerts a JOIN clients c ON c.id = a.client_id"
        " JOIN checkins k ON k.id = a.checkin_id WHERE a.seen_at IS NULL"
        " AND (a.therapist_id = $1 OR " CARE_ALERT_COFACILITATED("a", "$1") ")"
        " ORDER BY a.id DESC LIMIT 100",
    /* by the practitioner or a co-facilitator: seen once, for all of them */
    [Q_CARE_ALERT_SEEN] = "UPDATE care_alerts SET seen_at = $3, seen_by = $4 WHERE id = $1"
                          " AND seen_at IS NULL AND (therapist_id = $2 OR "
                          CARE_ALERT_COFACILITATED("care_alerts", "$2") ")",
    /* seen since $2 by someone else who sees them, newest first, with who (name sealed) */
    [Q_CARE_ALERT_SEEN_BY_OTHERS] =
        "SELECT a.id, a.client_id, a.checkin_id, a.occurrence_id, a.raised_at, c.name_sealed,"
        " k.measure, a.seen_at, a.seen_by, u.name_sealed FROM care_alerts a"
        " JOIN clients c ON c.id = a.client_id JOIN checkins k ON k.id = a.checkin_id"
        " JOIN users u ON u.id = a.seen_by WHERE a.seen_at >= $2 AND a.seen_by <> $1"
        " AND (a.therapist_id = $1 OR " CARE_ALERT_COFACILITATED("a", "$1") ")"
        " ORDER BY a.seen_at DESC, a.id DESC LIMIT 20",
    /* attendance over time: since when each client is in each group */
    [Q_MEMBERSHIPS_OF_CLIENT] = "SELECT m.group_id, m.client_id, m.added_at FROM group_members m"
                                " JOIN therapy_groups g ON g.id = m.group_id"
                                " WHERE m.client_id = $1 AND g.archived_at IS NULL"
                                " ORDER BY m.group_id",
    [Q_MEMBERSHIPS_OF_GROUP] = "SELECT m.group_id, m.client_id, m.added_at FROM group_members m"
                               " JOIN clients c ON c.id = m.client_id WHERE m.group_id = $1"
                               " AND c.archived_at IS NULL ORDER BY m.client_id",
    /* group intake: interest links and the waitlist */
    [Q_INTEREST_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM interest_links",
    [Q_INTEREST_CLOSE] = "UPDATE interest_links SET closed_at = $2 WHERE group_id = $1"
                         " AND closed_at IS NULL",
    [Q_INTEREST_INSERT] = "INSERT INTO interest_links (id, group_id, token_hash, token_sealed,"
                          " questions_sealed, created_by, created_at)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    [Q_INTEREST_OPEN] = "SELECT " INTEREST_COLS " FROM interest_links WHERE group_id = $1"
                        " AND closed_at IS NULL ORDER BY id DESC LIMIT 1",
    [Q_INTEREST_BY_HASH] = "SELECT " INTEREST_COLS " FROM interest_links WHERE token_hash = $1",
    [Q_WAITLIST_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM waitlist_entries",
    [Q_WAITLIST_INSERT] = "INSERT INTO waitlist_entries (id, group_id, link_id, name_sealed,"
                          " contact_sealed, times_sealed, answers_sealed, created_at)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    [Q_WAITLIST_LIST] = "SELECT " WAITLIST_COLS " FROM waitlist_entries WHERE group_id = $1"
                        " ORDER BY id",
    [Q_WAITLIST_GET] = "SELECT " WAITLIST_COLS " FROM waitlist_entries WHERE id = $1",
    [Q_WAITLIST_DELETE] = "DELETE FROM waitlist_entries WHERE id = $1",
    /* client rights (client_records.c): archived clients too, erased ones not */
    [Q_RIGHTS_CLIENT] = "SELECT id, therapist_id, name_sealed, email_sealed, time_zone,"
                        " archived_at FROM clients WHERE id = $1 AND erased_at IS NULL",
    /* the contact gone (name and email sealed empty: the columns are NOT NULL), out of
     * every list as an archived client is */
    [Q_CLIENT_ERASE] = "UPDATE clients SET name_sealed = $3, email_sealed = $4,"
                       " phone_sealed = NULL, emergency_sealed = NULL,"
                       " archived_at = COALESCE(archived_at, $2), erased_at = $2"
                       " WHERE id = $1 AND erased_at IS NULL",
    [Q_CLIENT_PURGE] = "DELETE FROM clients WHERE id = $1 AND erased_at IS NOT NULL",
    [Q_CLIENTS_ERASED] = "SELECT id FROM clients WHERE erased_at IS NOT NULL ORDER BY id",
    [Q_HOLD_SET] = "INSERT INTO record_holds (client_id, record_kind, held_until)"
                   " VALUES ($1, $2, $3) ON CONFLICT (client_id, record_kind)"
                   " DO UPDATE SET held_until = excluded.held_until",
    [Q_HOLD_CLEAR] = "DELETE FROM record_holds WHERE client_id = $1 AND record_kind = $2",
    [Q_HOLDS_OF] = "SELECT record_kind, held_until FROM record_holds WHERE client_id = $1"
                   " ORDER BY held_until, record_kind",
    /* where a client said they were (places.c): one row a client an occurrence */
    [Q_LOCATION_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM session_locations",
    [Q_LOCATION_ID] = "SELECT id FROM session_locations WHERE occurrence_id = $1"
                      " AND client_id = $2",
    [Q_LOCATION_INSERT] = "INSERT INTO session_locations (id, occurrence_id, client_id, place,"
                          " jurisdiction, emergency_sealed, answered_at)"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7)",
    [Q_LOCATION_UPDATE] = "UPDATE session_locations SET place = $2, jurisdiction = $3,"
                          " emergency_sealed = $4, answered_at = $5 WHERE id = $1",
    [Q_LOCATION_GET] = "SELECT " LOCATION_COLS " FROM session_locations"
                       " WHERE occurrence_id = $1 AND client_id = $2",
    [Q_LOCATION_LAST] = "SELECT " LOCATION_COLS " FROM session_locations WHERE client_id = $1"
                        " ORDER BY answered_at DESC, id DESC LIMIT 1",
    [Q_LICENCES_OF_USER] = "SELECT " LICENCE_COLS " FROM licences WHERE user_id = $1"
                           " AND removed_at IS NULL ORDER BY jurisdiction, expires_on, id",
    [Q_COMPACTS_ACTIVE] = "SELECT " COMPACT_COLS " FROM compacts WHERE removed_at IS NULL"
                          " ORDER BY name, id",
    /* licences and compacts written (licences.c): a new expiry date clears the reminders */
    [Q_LICENCE_INSERT] = "INSERT INTO licences (user_id, jurisdiction, kind, number, expires_on,"
                         " reminders_sent, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)"
                         " RETURNING id",
    [Q_LICENCE_GET] = "SELECT " LICENCE_COLS " FROM licences WHERE id = $1 AND removed_at IS NULL",
    [Q_LICENCE_UPDATE] = "UPDATE licences SET kind = $2, number = $3,"
                         " reminders_sent = CASE WHEN expires_on = $4 THEN reminders_sent ELSE 0 END,"
                         " expires_on = $4 WHERE id = $1 AND removed_at IS NULL",
    [Q_LICENCE_REMOVE] = "UPDATE licences SET removed_at = $2 WHERE id = $1 AND removed_at IS NULL",
    /* only while the expiry date is the one the reminder was for */
    [Q_LICENCE_MARK_SENT] = "UPDATE licences SET reminders_sent = $3 WHERE id = $1"
                            " AND expires_on = $2 AND removed_at IS NULL",
    [Q_LICENCES_EXPIRING] = "SELECT l.id, l.user_id, l.jurisdiction, l.kind, l.number,"
                            " l.expires_on, l.reminders_sent, l.created_at FROM licences l"
                            " JOIN users u ON u.id = l.user_id WHERE l.removed_at IS NULL"
                            " AND u.disabled_at IS NULL AND l.expires_on BETWEEN $1 AND $2"
                            " ORDER BY l.expires_on, l.id LIMIT $3",
    [Q_COMPACT_INSERT] = "INSERT INTO compacts (name, members, valid_from, valid_until, created_at)"
                         " VALUES ($1, $2, $3, $4, $5) RETURNING id",
    [Q_COMPACT_GET] = "SELECT " COMPACT_COLS " FROM compacts WHERE id = $1 AND removed_at IS NULL",
    [Q_COMPACT_UPDATE] = "UPDATE compacts SET name = $2, members = $3, valid_from = $4,"
                         " valid_until = $5 WHERE id = $1 AND removed_at IS NULL",
    [Q_COMPACT_REMOVE] = "UPDATE compacts SET removed_at = $2 WHERE id = $1 AND removed_at IS NULL",
    /* a practitioner's sessions from $2 to $3, not cancelled, each with a client of it: the
     * one-to-one's client or each member of the group now */
    [Q_LICENCE_SESSIONS_AHEAD] =
        "SELECT o.id, o.series_id, o.starts_at, s.time_zone, s.client_id FROM occurrences o"
        " JOIN series s ON s.id = o.series_id WHERE o.therapist_id = $1 AND o.starts_at >= $2"
        " AND o.starts_at < $3 AND o.cancelled_at IS NULL AND o.ended_at IS NULL"
        " AND s.cancelled_at IS NULL AND s.client_id IS NOT NULL"
        " UNION ALL SELECT o.id, o.series_id, o.starts_at, s.time_zone, m.client_id"
        " FROM occurrences o JOIN series s ON s.id = o.series_id"
        " JOIN group_members m ON m.group_id = s.group_id WHERE o.therapist_id = $1"
        " AND o.starts_at >= $2 AND o.starts_at < $3 AND o.cancelled_at IS NULL"
        " AND o.ended_at IS NULL AND s.cancelled_at IS NULL ORDER BY 3, 1, 5 LIMIT $4",
    /* the same before: each client let in, or who said where they were */
    [Q_LICENCE_SESSIONS_PAST] =
        "SELECT o.id, o.series_id, o.starts_at, s.time_zone, a.client_id FROM occurrences o"
        " JOIN series s ON s.id = o.series_id JOIN attendance a ON a.occurrence_id = o.id"
        " WHERE o.therapist_id = $1 AND o.starts_at >= $2 AND o.starts_at < $3"
        " AND o.cancelled_at IS NULL AND a.client_id IS NOT NULL AND a.event = 'admitted'"
        " UNION SELECT o.id, o.series_id, o.starts_at, s.time_zone, l.client_id"
        " FROM occurrences o JOIN series s ON s.id = o.series_id"
        " JOIN session_locations l ON l.occurrence_id = o.id WHERE o.therapist_id = $1"
        " AND o.starts_at >= $2 AND o.starts_at < $3 AND o.cancelled_at IS NULL"
        " ORDER BY 3, 1, 5 LIMIT $4",
    /* the client's first meeting not cancelled, not ended for everyone and not over by $2
     * that starts before $3: one-to-one or of a group they are still in, with their link
     * to it not revoked (the rule of Q_INVITE_CURRENT) */
    [Q_CLIENT_NEXT_OCCURRENCE] =
        "SELECT o.id, o.series_id, o.therapist_id, COALESCE(s.group_id, 0), o.starts_at,"
        " o.ends_at FROM invites i JOIN series s ON s.id = i.series_id"
        " JOIN occurrences o ON o.series_id = s.id JOIN clients c ON c.id = i.client_id"
        " WHERE i.client_id = $1 AND i.revoked_at IS NULL AND c.archived_at IS NULL"
        " AND s.cancelled_at IS NULL AND o.cancelled_at IS NULL AND o.ended_at IS NULL"
        " AND o.ends_at > $2 AND o.starts_at < $3"
        " AND (s.group_id IS NULL OR EXISTS (SELECT 1 FROM group_members m"
        " WHERE m.group_id = s.group_id AND m.client_id = i.client_id))"
        " ORDER BY o.starts_at, o.id LIMIT 1",
    /* billing (billing.c) */
    [Q_SERVICE_COUNT] = "SELECT count(*) FROM services",
    [Q_SERVICE_INSERT] = "INSERT INTO services (cpt, description, fee_cents, duration_minutes,"
                         " created_at, archived_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    [Q_SERVICE_GET] = "SELECT " SERVICE_COLS " FROM services WHERE id = $1",
    [Q_SERVICE_LIST] = "SELECT " SERVICE_COLS " FROM services ORDER BY cpt, id",
    [Q_SERVICE_UPDATE] = "UPDATE services SET cpt = $2, description = $3, fee_cents = $4,"
                         " duration_minutes = $5, archived_at = $6 WHERE id = $1",
    [Q_SERIES_SERVICE_GET] = "SELECT coalesce(service_id, 0) FROM series WHERE id = $1",
    [Q_SERIES_SERVICE_SET] = "UPDATE series SET service_id = $2 WHERE id = $1",
    [Q_CLIENT_FEE_SET] = "INSERT INTO client_fees (client_id, service_id, fee_cents, updated_at)"
                         " VALUES ($1, $2, $3, $4) ON CONFLICT (client_id, service_id) DO UPDATE"
                         " SET fee_cents = excluded.fee_cents, updated_at = excluded.updated_at",
    [Q_CLIENT_FEE_REMOVE] = "DELETE FROM client_fees WHERE client_id = $1 AND service_id = $2",
    [Q_CLIENT_FEES] = "SELECT client_id, service_id, fee_cents, updated_at FROM client_fees"
                      " WHERE client_id = $1 ORDER BY service_id",
    [Q_CLIENT_BILLING_GET] = "SELECT client_id, scale_kind, scale_value, insurance_sealed,"
                             " diagnoses_sealed, updated_at FROM client_billing"
                             " WHERE client_id = $1",
    [Q_CLIENT_BILLING_PUT] =
        "INSERT INTO client_billing (client_id, scale_kind, scale_value, insurance_sealed,"
        " diagnoses_sealed, updated_at) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (client_id) DO UPDATE SET scale_kind = excluded.scale_kind,"
        " scale_value = excluded.scale_value, insurance_sealed = excluded.insurance_sealed,"
        " diagnoses_sealed = excluded.diagnoses_sealed, updated_at = excluded.updated_at",
    /* at most one charge per (occurrence, client): a second insert adds nothing */
    [Q_CHARGE_INSERT] =
        "INSERT INTO charges (client_id, occurrence_id, therapist_id, service_id, kind,"
        " service_at, cpt, description, modifier, place_of_service, units, amount_cents,"
        " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT (occurrence_id, client_id) DO NOTHING RETURNING id",
    [Q_CHARGE_GET] = "SELECT " CHARGE_COLS " FROM charges t WHERE t.id = $1",
    [Q_CHARGE_EXISTS] = "SELECT count(*) FROM charges WHERE occurrence_id = $1 AND client_id = $2",
    [Q_CHARGES_OF_CLIENT] = "SELECT " CHARGE_COLS " FROM charges t WHERE t.client_id = $1"
                            " ORDER BY t.service_at, t.id",
    [Q_CHARGES_BETWEEN] = "SELECT " CHARGE_COLS " FROM charges t JOIN clients c"
                          " ON c.id = t.client_id WHERE t.service_at >= $1 AND t.service_at < $2"
                          " AND ($3 = 0 OR c.therapist_id = $3) ORDER BY t.service_at, t.id",
    [Q_CHARGE_WAIVE] = "UPDATE charges SET waived_at = $2, waived_by = $3,"
                       " waived_reason_sealed = $4 WHERE id = $1 AND waived_at IS NULL",
    [Q_PAYMENT_NEXT_ID] = "SELECT coalesce(max(id), 0) + 1 FROM payments",
    [Q_PAYMENT_INSERT] = "INSERT INTO payments (id, client_id, method, reference_sealed,"
                         " amount_cents, received_on, recorded_by, created_at)"
                         " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    [Q_PAYMENTS_OF_CLIENT] = "SELECT " PAYMENT_COLS " FROM payments t WHERE t.client_id = $1"
                             " ORDER BY t.received_on, t.id",
    [Q_PAYMENTS_BETWEEN] = "SELECT " PAYMENT_COLS " FROM payments t JOIN clients c"
                           " ON c.id = t.client_id WHERE t.received_on >= $1"
                           " AND t.received_on <= $2 AND ($3 = 0 OR c.therapist_id = $3)"
                           " ORDER BY t.received_on, t.id",
    [Q_OCC_CANCELLED_BY_SET] = "UPDATE occurrences SET cancelled_by = $2 WHERE id = $1",
    [Q_OCC_CANCELLED_BY_GET] = "SELECT coalesce(cancelled_by, 'practice') FROM occurrences"
                               " WHERE id = $1",
    /* occurrences since $2 whose charges may be due: over (ended, or cancelled by the
     * client) and not every expected client charged yet; held before a cancelled series
     * ended */
    [Q_OCC_TO_CHARGE] =
        "SELECT " OCC_COLS " FROM occurrences o JOIN series s ON s.id = o.series_id"
        " WHERE o.starts_at >= $2 AND o.starts_at <= $1"
        " AND (s.cancelled_at IS NULL OR o.starts_at < s.cancelled_at)"
        " AND ((o.cancelled_at IS NULL AND (o.ended_at IS NOT NULL OR o.ends_at <= $1))"
        " OR (o.cancelled_at IS NOT NULL AND o.cancelled_by = 'client'))"
        " AND (SELECT count(*) FROM charges c WHERE c.occurrence_id = o.id) <"
        " (CASE WHEN s.client_id IS NOT NULL THEN 1 ELSE (SELECT count(*) FROM group_members m"
        " JOIN clients mc ON mc.id = m.client_id WHERE m.group_id = s.group_id"
        " AND mc.archived_at IS NULL AND m.added_at <= o.starts_at) END)"
        " ORDER BY o.starts_at, o.id",
};

const struct store_sealed_column store_sealed_columns[] = {
    {"users.email", "users", "email_sealed", "id"},
    {"users.name", "users", "name_sealed", "id"},
    {"clients.name", "clients", "name_sealed", "id"},
    {"clients.email", "clients", "email_sealed", "id"},
    {"clients.phone", "clients", "phone_sealed", "id"},
    {"clients.emergency", "clients", "emergency_sealed", "id"},
    {"groups.name", "therapy_groups", "name_sealed", "id"},
    {"groups.description", "therapy_groups", "description_sealed", "id"},
    {"groups.agreement", "therapy_groups", "agreement_sealed", "id"},
    {"series.title", "series", "title_sealed", "id"},
    {"series.host_token", "series", "host_token_sealed", "id"},
    {"occurrences.password", "occurrences", "password_sealed", "id"},
    {"invites.token", "invites", "token_sealed", "id"},
    {"outbox.recipient", "outbox", "recipient_sealed", "id"},
    {"outbox.message", "outbox", "message_sealed", "id"},
    {"polls.title", "polls", "title_sealed", "id"},
    {"poll_invites.token", "poll_invites", "token_sealed", "id"},
    {"mfa_totp.secret", "mfa_totp", "secret_sealed", "user_id"},
    {"emergency_access.reason", "emergency_access", "reason_sealed", "id"},
    {"meeting_admitted.name", "meeting_admitted", "name_sealed", "id"},
    {"notes.body", "notes", "body_sealed", "id"},
    {"note_addenda.body", "note_addenda", "body_sealed", "id"},
    /* secure messaging */
    {"messages.body", "messages", "body_sealed", "id"},
    {"availability_notes.note", "availability_notes", "note_sealed", "user_id"},
    {"checkins.answers", "checkins", "answers_sealed", "id"},
    {"checkins.word", "checkins", "word_sealed", "id"},
    /* group intake */
    {"interest_links.token", "interest_links", "token_sealed", "id"},
    {"interest_links.questions", "interest_links", "questions_sealed", "id"},
    {"waitlist_entries.name", "waitlist_entries", "name_sealed", "id"},
    {"waitlist_entries.contact", "waitlist_entries", "contact_sealed", "id"},
    {"waitlist_entries.times", "waitlist_entries", "times_sealed", "id"},
    {"waitlist_entries.answers", "waitlist_entries", "answers_sealed", "id"},
    /* billing */
    {"client_billing.insurance", "client_billing", "insurance_sealed", "client_id"},
    {"client_billing.diagnoses", "client_billing", "diagnoses_sealed", "client_id"},
    {"charges.waived_reason", "charges", "waived_reason_sealed", "id"},
    {"payments.reference", "payments", "reference_sealed", "id"},
    {"session_locations.emergency", "session_locations", "emergency_sealed", "id"},
};
const int store_sealed_column_count =
    (int)(sizeof store_sealed_columns / sizeof store_sealed_columns[0]);

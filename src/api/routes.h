/* routes: the one table of every API endpoint (routes.c). */
#ifndef CONFIDE_API_ROUTES_H
#define CONFIDE_API_ROUTES_H
#include "api/call.h"
#include "auth/throttle.h"

/* ACCESS_SIGNED_IN_QUIET: signed in, but the request is not activity (it does not
 * postpone automatic sign-out), for a page asking how long its sign-in has left. */
enum route_access { ACCESS_PUBLIC, ACCESS_SIGNED_IN, ACCESS_SIGNED_IN_QUIET, ACCESS_ADMIN };
enum route_body { BODY_NONE, BODY_JSON };

struct route {
    const char *method;
    const char *pattern; /* "{id}" matches one path segment of digits */
    api_handler handler;
    enum route_access access;
    enum route_body body;
};

extern const struct route api_routes[];
extern const int api_route_count;
/* Handlers slow on purpose (argon2id), run on the offload thread (api/offload.h). */
extern const api_handler api_slow_handlers[];
extern const int api_slow_handler_count;

/* handlers, one file per resource */
void setup_status(struct api_call *call); /* setup.c */
void setup_create(struct api_call *call);
void login_create(struct api_call *call); /* login.c */
void login_delete(struct api_call *call);
void me_get(struct api_call *call);
void signin_get(struct api_call *call);
void audit_list(struct api_call *call);
void login_mfa(struct api_call *call); /* mfa.c */
void mfa_get(struct api_call *call);
void mfa_totp_enrol(struct api_call *call);
void mfa_totp_confirm(struct api_call *call);
void mfa_remove(struct api_call *call);
void mfa_recovery_renew(struct api_call *call);
void me_password(struct api_call *call); /* accounts.c */
void me_sign_out_everywhere(struct api_call *call);
void users_list(struct api_call *call);
void users_invite(struct api_call *call);
void users_update(struct api_call *call);
void users_disable(struct api_call *call);
void users_enable(struct api_call *call);
void users_reset_mfa(struct api_call *call);
void invitation_lookup(struct api_call *call);
void invitation_accept(struct api_call *call);
void ops_healthz(struct api_call *call); /* ops.c */
void ops_metrics(struct api_call *call);

void clients_list(struct api_call *call); /* clients.c */
void clients_create(struct api_call *call);
void clients_get(struct api_call *call);
void clients_update(struct api_call *call);
void clients_delete(struct api_call *call);
void groups_list(struct api_call *call); /* groups.c */
void groups_create(struct api_call *call);
void groups_get(struct api_call *call);
void groups_update(struct api_call *call);
void groups_delete(struct api_call *call);
void group_members_add(struct api_call *call);
void group_members_remove(struct api_call *call);
void group_facilitators_add(struct api_call *call);
void group_facilitators_remove(struct api_call *call);

void sessions_list(struct api_call *call); /* sessions.c */
void sessions_create(struct api_call *call);
void sessions_get(struct api_call *call);
void sessions_cancel(struct api_call *call);
void invite_resend(struct api_call *call);
void occurrence_reschedule(struct api_call *call);
void occurrence_cancel(struct api_call *call);
void sessions_attendance(struct api_call *call); /* attendance.c */

void polls_list(struct api_call *call); /* polls.c */
void polls_create(struct api_call *call);
void polls_get(struct api_call *call);
void polls_session(struct api_call *call);
void poll_link_lookup(struct api_call *call);
void poll_link_answer(struct api_call *call);

void occurrence_notes_list(struct api_call *call); /* notes.c */
void occurrence_notes_create(struct api_call *call);
void notes_get(struct api_call *call);
void notes_update(struct api_call *call);
void notes_sign(struct api_call *call);
void notes_addendum_add(struct api_call *call);
void client_notes_list(struct api_call *call);
void client_messages_list(struct api_call *call); /* messaging.c */
void client_messages_send(struct api_call *call);
void client_inbox_end(struct api_call *call);
void group_announcements_list(struct api_call *call);
void group_announcements_send(struct api_call *call);
void messages_unread(struct api_call *call);
void availability_get(struct api_call *call);
void availability_set(struct api_call *call);
void inbox_redeem(struct api_call *call);
void inbox_get(struct api_call *call);
void inbox_reply(struct api_call *call);
void inbox_sign_out(struct api_call *call);
void inbox_new_link(struct api_call *call);
void inbox_checkin(struct api_call *call);

void emergency_roster(struct api_call *call); /* emergency.c */
void emergency_open(struct api_call *call);
void emergency_mine(struct api_call *call);
/* 1 when the signed-in administrator holds an unexpired emergency grant for another
 * practitioner's client, 0 when not, -1 when answered (503). */
int emergency_grant_active(struct api_call *call, const struct store_client *c);
/* 403 emergency_access_required. */
void emergency_required(struct api_call *call);

/* Loaders that answer 404/503 themselves and return -1 when the record is not the
 * caller's to see (write: to change). */
int api_load_client(struct api_call *call, int64_t id, struct store_client *out);
int api_load_group(struct api_call *call, int64_t id, int write, struct store_group *out);
json_t *api_client_json(const struct store_client *c);

/* attendance over time (attendance.c) and group intake (intake.c) */
void client_attendance(struct api_call *call);
void group_roster(struct api_call *call);
void attendance_nudges(struct api_call *call);
void interest_link_get(struct api_call *call);
void interest_link_create(struct api_call *call);
void interest_link_close(struct api_call *call);
void interest_lookup(struct api_call *call);
void interest_submit(struct api_call *call);
void waitlist_list(struct api_call *call);
void waitlist_accept(struct api_call *call);
void waitlist_decline(struct api_call *call);
/* A client of the signed-in practitioner made from `fields` by the rules of POST
 * /api/v1/clients (name, email, phone, time_zone), audited: 0, or -1 when answered. Its
 * strings point into fields, which must outlive it. */
int api_client_create_from(struct api_call *call, json_t *fields, struct store_client *out);
/* A phone number by the rule client records follow. */
int api_phone_valid(const char *phone);
/* Adds a client to a group the caller may change, by the rules of POST .../members
 * (capacity, already a member): 0, or -1 when answered. */
int api_group_add_member(struct api_call *call, const struct store_group *g, int64_t client_id);

/* Starts a sign-in for user_id and sets its cookie on the response. */
int login_start(struct api_call *call, int64_t user_id);
/* After the right password: 0 when nothing more is needed; 1 when the answer (a second
 * step, with its cookie) is made; -1 when the store failed (nothing answered). Inside the
 * caller's transaction. */
int mfa_after_password(struct api_call *call, const struct store_user *user);
/* Wrong secrets typed (passwords, codes) count against the account (prefix:user_id) and
 * the client's address like wrong sign-ins (mfa.c): the keys, whether to wait (1: 429
 * answered), and a failure counted. */
void api_throttle_keys(struct api_call *call, const char *prefix, int64_t user_id, char acct[72],
                       char addr[THROTTLE_KEY_MAX]);
int api_throttled(struct api_call *call, const char *acct, const char *addr);
void api_throttle_failure(struct api_call *call, const char *acct, const char *addr);
/* Does the require_mfa setting ask two-step sign-in of this role? */
int mfa_required_for(const struct config *cfg, enum store_role role);
/* {idle_timeout_seconds, idle_remaining_seconds, expires_in_seconds} of call->login. */
json_t *signin_json(struct api_call *call, int64_t last_activity);

/* checkins.c: check-ins and risk alerts */
void client_checkins_get(struct api_call *call);
void client_checkins_set(struct api_call *call);
void group_checkins_get(struct api_call *call);
void group_checkins_set(struct api_call *call);
void client_measures_list(struct api_call *call);
void alerts_list(struct api_call *call);
void alert_seen(struct api_call *call);
/* client rights (rights.c) */
void rights_export(struct api_call *call);
void rights_erase_preview(struct api_call *call);
void rights_erase(struct api_call *call);
/* licences.c: practitioners' licences, the practice's compacts, the licence flags */
void jurisdictions_list(struct api_call *call);
void account_licences_list(struct api_call *call);
void account_licences_create(struct api_call *call);
void account_licences_update(struct api_call *call);
void account_licences_delete(struct api_call *call);
void compacts_list(struct api_call *call);
void compacts_create(struct api_call *call);
void compacts_update(struct api_call *call);
void compacts_delete(struct api_call *call);
void licence_flags(struct api_call *call);

/* billing (billing.c): services, diagnosis codes, a client's fee terms, insurance,
 * charges and payments, the accountant's CSV */
void services_list(struct api_call *call);
void services_create(struct api_call *call);
void services_update(struct api_call *call);
void icd10_list(struct api_call *call);
void client_billing_get(struct api_call *call);
void client_billing_put(struct api_call *call);
void client_charges_list(struct api_call *call);
void charge_waive(struct api_call *call);
void client_payment_add(struct api_call *call);
void billing_export(struct api_call *call);
void client_superbill(struct api_call *call); /* billing_docs.c */
void client_statement(struct api_call *call);
void session_service_get(struct api_call *call);
void session_service_set(struct api_call *call);

#endif

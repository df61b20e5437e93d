/* charging: the charges occurrences bring (docs/BILLING.md), from the store's records to
 * practice/fees.h's rules and back: who was expected at an occurrence and how they came,
 * each one's fee from their terms, the coding from where they said they were, one charge
 * per (occurrence, client) inserted (the schema's UNIQUE makes a second a no-op). Also the
 * billing settings' check and the services a new practice starts with.
 *
 * What is decided:
 *  - who: a one-to-one session's client; a group's members who were in the group when the
 *    occurrence began (occurrence_began);
 *  - the service: the series' own (series.service_id), or by rule (cpt_by_rule: a group's
 *    90853, a one-to-one session by its length), looked up among the practice's services by
 *    code (the first not archived; with none, the code's seed description and a fee of 0);
 *  - the amount: fees_charge_for with the client's fee (fee_for with their terms) and the
 *    practice's policy (late_cancel_hours, late_cancel_fee, no_show_fee);
 *  - the coding: place of service and modifier from telehealth_coding of where the client
 *    said they were (unknown when they said nothing), units 1. */
#ifndef CONFIDE_PRACTICE_CHARGING_H
#define CONFIDE_PRACTICE_CHARGING_H
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "practice/attendance.h"
#include "practice/fees.h"
#include "practice/ledger.h"
#include "store/store.h"

/* how far back the tick looks for occurrences whose charges are still due */
#define CHARGING_LOOKBACK_DAYS 14
#define CHARGING_PRACTICE_ADDRESS_MAX 300

/* Checks the billing settings (billing_currency, late_cancel_fee, no_show_fee,
 * practice_npi, practice_tax_id, practice_address, pay_online_url) and sets the derived
 * amounts (late_cancel_cents, no_show_cents). 0, or -1 with a sentence for a person in err. */
int charging_config_finish(struct config *c, struct buf *err);
/* The practice's cancellation and no-show policy from the checked settings. */
struct fee_policy charging_policy(const struct config *c);
/* Whether text is a tax id as the settings take it: NN-NNNNNNN. */
int charging_tax_id_valid(const char *text);

/* Seeds the services from cpt_seed_services (fee 0, the seed's minutes) when there are none
 * at all, in a transaction of its own. *seeded: how many were added. */
int charging_seed_services(struct store *s, int64_t now, int *seeded);

/* ---- who is expected at an occurrence, and how they came (api/attendance.c too) ---- */

/* When an occurrence began, for who was in its group: its start, or when it was ended for
 * everyone if that was before its start. */
int64_t occurrence_began(const struct store_occurrence *o);
/* Whether a group member was expected at an occurrence of their group: in it when it began. */
int occurrence_expects_member(const struct store_occurrence *o, const struct store_membership *m);
/* A client's status at an occurrence from its series' records (store_attendance_list);
 * scratch holds nrec records. */
enum attendance_status occurrence_status_of(const struct store_occurrence *o, int64_t client_id,
                                            const struct store_attendance *records, size_t nrec,
                                            struct attendance_record *scratch);
/* Whether an occurrence is over for charging: its end has passed, or it was ended. */
int occurrence_over(const struct store_occurrence *o, int64_t now);

/* A client's fee terms (practice/fees.h) from what the store holds: their fees, and their
 * billing row (NULL: none). Arrays in the arena. -EINVAL when a stored value is out of range. */
int charging_terms(struct arena *a, const struct store_client_fee *fees, size_t nfees,
                   const struct store_client_billing *billing, struct fee_terms *out);

/* Decides and inserts the charges one occurrence brings (inside the caller's transaction);
 * *made counts the charges inserted. Occurrences not over nor cancelled bring nothing yet. */
int charging_occurrence(struct store *s, struct arena *a, const struct config *cfg,
                        const struct store_occurrence *o, int64_t now, int *made);
/* The same for an occurrence by id, in a transaction of its own (after the practitioner
 * ended a meeting or cancelled an occurrence). */
int charging_occurrence_id(struct store *s, const struct config *cfg, int64_t occurrence_id,
                           int64_t now);
/* The mail thread's tick: every occurrence of the last CHARGING_LOOKBACK_DAYS whose charges
 * may be due, each in a transaction of its own. Returns the charges made, or -errno. */
int charging_tick(const struct config *cfg, struct store *s, struct arena *a, int64_t now);

/* ---- a client's account: charges, payments, allocations and balance ---- */

#define CHARGING_DAY_MS ((int64_t)24 * 60 * 60 * 1000)

/* The civil day of an instant as a client counts it (in their time zone; UTC for a zone the
 * system does not know): the date of service on their account and their documents. */
int32_t charging_client_day(int64_t at_ms, const char *time_zone);

/* A client's charges and payments as stored, each with its ledger twin (same index):
 * ledger[i].paid_cents is what was paid on charges[i], payment_ledger[j].allocated_cents
 * what payments[j] paid; state[i] each charge's state. Arrays in the arena. */
struct charging_account {
    struct store_charge *charges;
    size_t n_charges;
    struct ledger_charge *ledger;
    enum ledger_state *state;
    struct store_payment *payments;
    size_t n_payments;
    struct ledger_payment *payment_ledger;
    struct ledger_allocation *allocs;
    size_t n_allocs;
    struct ledger_balance balance;
};
/* The client's account (practice/ledger.h: payments pay the oldest charges first).
 * 0, -EIO when a stored row is out of the ledger's range, or the store's error. */
int charging_account(struct store *s, struct arena *a, int64_t client_id,
                     struct charging_account *out);
/* The index of a charge in an account; -1 when it is not there. */
long charging_account_find(const struct charging_account *acct, int64_t charge_id);

#endif

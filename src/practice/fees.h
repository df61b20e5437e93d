/* fees: what a client is charged for a service, and what charge one occurrence brings.
 * Sans I/O: the practice's services, a client's fee terms, the occurrence and the practice's
 * policy in; amounts out. Money is integer cents in the practice's one currency.
 *
 * The fee for (client, service):
 *  - the base: the client's override for that service if there is one, else the client's
 *    override for every service (service_id FEE_ALL_SERVICES) if there is one, else the
 *    service's default fee;
 *  - then the client's sliding scale, if any, applied to the base:
 *      percent: the client pays that percentage (0-100, whole percent) of the base,
 *               rounded to the cent half up (50 % of 12,345 cents is 6,173);
 *      fixed:   the client pays that amount, or the base if the base is lower (a scale
 *               never raises a fee).
 *  A fee, an override and a fixed amount are 0..FEE_MAX_CENTS; anything else, a percentage
 *  outside 0-100 or two overrides for the same service is -EINVAL.
 *
 * The charge for one client at one occurrence (fees_charge_for), in this order:
 *  1. a charge for (occurrence, client) already exists: "already charged", never a second
 *     (a rejoin or a recompute changes nothing; a waived charge stays waived);
 *  2. cancelled by the practice: nothing;
 *  3. cancelled by the client: the late-cancellation fee when they cancelled less than the
 *     window before the start (exactly the window before is in time: nothing), or at or
 *     after the start; nothing when the window or the fee is 0. Attendance is not looked at;
 *  4. not cancelled and not yet ended: nothing yet (decided when it has ended);
 *  5. ended: the session fee when the client attended, was late or left early (even when
 *     that fee is 0: the service was given and is listed); the no-show fee for a no-show,
 *     nothing when that fee is 0. */
#ifndef CONFIDE_PRACTICE_FEES_H
#define CONFIDE_PRACTICE_FEES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "practice/attendance.h"

#define FEE_MAX_CENTS ((int64_t)1000000000) /* 10,000,000.00: far above any session */
#define FEE_DURATION_MAX_MIN (24 * 60)
#define FEE_ALL_SERVICES 0
#define FEE_WINDOW_MAX_HOURS (14 * 24)

struct fee_service {
    int64_t id; /* > 0 */
    int64_t fee_cents;
    int duration_min; /* 1..FEE_DURATION_MAX_MIN */
};

struct fee_override {
    int64_t service_id; /* or FEE_ALL_SERVICES */
    int64_t fee_cents;
};

enum fee_scale_kind { FEE_SCALE_NONE, FEE_SCALE_PERCENT, FEE_SCALE_FIXED };

struct fee_scale {
    enum fee_scale_kind kind;
    int percent;         /* FEE_SCALE_PERCENT: 0..100 of the base */
    int64_t fixed_cents; /* FEE_SCALE_FIXED: what the client pays */
};

struct fee_terms {
    const struct fee_override *overrides;
    size_t n_overrides;
    struct fee_scale scale;
};

enum fee_base { FEE_BASE_DEFAULT, FEE_BASE_SERVICE_OVERRIDE, FEE_BASE_ALL_OVERRIDE };

struct fee_quote {
    enum fee_base base_from;
    int64_t base_cents; /* before the sliding scale */
    int64_t fee_cents;  /* what the client is charged */
};

/* 0 when a service's fee and duration are in range, else -EINVAL. */
int fee_service_check(const struct fee_service *service);
/* 0 when a client's terms are valid (see above), else -EINVAL. terms may be NULL: none. */
int fee_terms_check(const struct fee_terms *terms);
/* percent of cents, rounded to the cent half up; both in range. */
int64_t fee_percent_of(int64_t cents, int percent);
/* The client's fee for the service. 0, or -EINVAL (out untouched) on invalid input. */
int fee_for(const struct fee_service *service, const struct fee_terms *terms,
            struct fee_quote *out);

enum fee_cancelled_by { FEE_NOT_CANCELLED, FEE_CANCELLED_BY_CLIENT, FEE_CANCELLED_BY_PRACTICE };

struct fee_occurrence {
    int64_t starts_at; /* ms */
    enum fee_cancelled_by cancelled_by;
    int64_t cancelled_at; /* ms; when cancelled_by is not FEE_NOT_CANCELLED */
    bool ended;           /* its time is over, or the practitioner ended it */
};

struct fee_policy {
    int late_cancel_window_hours; /* 0..FEE_WINDOW_MAX_HOURS; 0: no cancellation is late */
    int64_t late_cancel_cents;    /* 0: no fee */
    int64_t no_show_cents;        /* 0: no fee */
};

enum fee_charge {
    FEE_CHARGE_SESSION,     /* the session fee */
    FEE_CHARGE_NO_SHOW,     /* the policy's no-show fee */
    FEE_CHARGE_LATE_CANCEL, /* the policy's late-cancellation fee */
    FEE_CHARGE_ALREADY,     /* one exists: nothing more */
    FEE_CHARGE_NONE,        /* nothing; the reason says why */
};

enum fee_none {
    FEE_NONE_CHARGED, /* (a charge is due or already made) */
    FEE_NONE_PRACTICE_CANCELLED,
    FEE_NONE_CANCELLED_IN_TIME,
    FEE_NONE_NO_POLICY_FEE,
    FEE_NONE_NOT_ENDED,
};

struct fee_decision {
    enum fee_charge charge;
    enum fee_none none;   /* when charge is FEE_CHARGE_NONE */
    int64_t amount_cents; /* to charge: 0 unless SESSION, NO_SHOW or LATE_CANCEL */
};

/* "session", "no_show", "late_cancel", "already", "none" */
const char *fee_charge_name(enum fee_charge c);
/* 0 when the policy is in range, else -EINVAL. */
int fee_policy_check(const struct fee_policy *policy);
/* The charge for one client at one occurrence (rules above). session_cents: the client's
 * fee for the service (fee_for). 0, or -EINVAL (out untouched) on invalid input. */
int fees_charge_for(const struct fee_occurrence *occ, enum attendance_status status,
                    const struct fee_policy *policy, int64_t session_cents, bool already_charged,
                    struct fee_decision *out);

#endif

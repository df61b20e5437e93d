/* fees: a client's fee for a service and the charge an occurrence brings (rules in fees.h). */
#include "practice/fees.h"

#include <assert.h>
#include <errno.h>

#define HOUR_MS ((int64_t)60 * 60 * 1000)

static bool cents_ok(int64_t c)
{
    return c >= 0 && c <= FEE_MAX_CENTS;
}

int fee_service_check(const struct fee_service *service)
{
    if (!service || service->id <= 0 || !cents_ok(service->fee_cents) ||
        service->duration_min < 1 || service->duration_min > FEE_DURATION_MAX_MIN)
        return -EINVAL;
    return 0;
}

int fee_terms_check(const struct fee_terms *terms)
{
    if (!terms)
        return 0;
    if (terms->n_overrides && !terms->overrides)
        return -EINVAL;
    for (size_t i = 0; i < terms->n_overrides; i++) {
        const struct fee_override *o = &terms->overrides[i];
        if (o->service_id < 0 || !cents_ok(o->fee_cents))
            return -EINVAL;
        for (size_t j = 0; j < i; j++)
            if (terms->overrides[j].service_id == o->service_id)
                return -EINVAL; /* which one would apply? */
    }
    switch (terms->scale.kind) {
    case FEE_SCALE_NONE:
        return 0;
    case FEE_SCALE_PERCENT:
        return terms->scale.percent >= 0 && terms->scale.percent <= 100 ? 0 : -EINVAL;
    case FEE_SCALE_FIXED:
        return cents_ok(terms->scale.fixed_cents) ? 0 : -EINVAL;
    }
    return -EINVAL;
}

int64_t fee_percent_of(int64_t cents, int percent)
{
    assert(cents_ok(cents) && percent >= 0 && percent <= 100);
    /* both non-negative, so adding half the divisor before dividing rounds half up */
    return (cents * percent + 50) / 100;
}

int fee_for(const struct fee_service *service, const struct fee_terms *terms, struct fee_quote *out)
{
    if (fee_service_check(service) < 0 || fee_terms_check(terms) < 0)
        return -EINVAL;
    struct fee_quote q = {FEE_BASE_DEFAULT, service->fee_cents, 0};
    for (size_t i = 0; terms && i < terms->n_overrides; i++) {
        const struct fee_override *o = &terms->overrides[i];
        if (o->service_id == service->id) {
            q.base_from = FEE_BASE_SERVICE_OVERRIDE;
            q.base_cents = o->fee_cents;
        } else if (o->service_id == FEE_ALL_SERVICES && q.base_from == FEE_BASE_DEFAULT) {
            q.base_from = FEE_BASE_ALL_OVERRIDE;
            q.base_cents = o->fee_cents;
        }
    }
    q.fee_cents = q.base_cents;
    if (terms && terms->scale.kind == FEE_SCALE_PERCENT)
        q.fee_cents = fee_percent_of(q.base_cents, terms->scale.percent);
    else if (terms && terms->scale.kind == FEE_SCALE_FIXED &&
             terms->scale.fixed_cents < q.base_cents)
        q.fee_cents = terms->scale.fixed_cents;
    assert(q.fee_cents >= 0 && q.fee_cents <= q.base_cents);
    *out = q;
    return 0;
}

static const char *const charge_names[] = {
    [FEE_CHARGE_SESSION] = "session",
    [FEE_CHARGE_NO_SHOW] = "no_show",
    [FEE_CHARGE_LATE_CANCEL] = "late_cancel",
    [FEE_CHARGE_ALREADY] = "already",
    [FEE_CHARGE_NONE] = "none",
};

const char *fee_charge_name(enum fee_charge c)
{
    assert((unsigned)c <= FEE_CHARGE_NONE);
    return charge_names[c];
}

int fee_policy_check(const struct fee_policy *policy)
{
    if (!policy || policy->late_cancel_window_hours < 0 ||
        policy->late_cancel_window_hours > FEE_WINDOW_MAX_HOURS ||
        !cents_ok(policy->late_cancel_cents) || !cents_ok(policy->no_show_cents))
        return -EINVAL;
    return 0;
}

static struct fee_decision none(enum fee_none why)
{
    return (struct fee_decision){FEE_CHARGE_NONE, why, 0};
}

static struct fee_decision charge(enum fee_charge c, int64_t cents)
{
    return (struct fee_decision){c, FEE_NONE_CHARGED, cents};
}

int fees_charge_for(const struct fee_occurrence *occ, enum attendance_status status,
                    const struct fee_policy *policy, int64_t session_cents, bool already_charged,
                    struct fee_decision *out)
{
    if (!occ || fee_policy_check(policy) < 0 || !cents_ok(session_cents) ||
        (unsigned)status > ATTENDANCE_NO_SHOW ||
        (unsigned)occ->cancelled_by > FEE_CANCELLED_BY_PRACTICE)
        return -EINVAL;
    struct fee_decision d;
    if (already_charged) {
        d = (struct fee_decision){FEE_CHARGE_ALREADY, FEE_NONE_CHARGED, 0};
    } else if (occ->cancelled_by == FEE_CANCELLED_BY_PRACTICE) {
        d = none(FEE_NONE_PRACTICE_CANCELLED);
    } else if (occ->cancelled_by == FEE_CANCELLED_BY_CLIENT) {
        int64_t window = policy->late_cancel_window_hours * HOUR_MS;
        /* late: less than the window before the start; exactly the window before is in time */
        bool late = window > 0 && occ->cancelled_at > occ->starts_at - window;
        if (!late)
            d = none(FEE_NONE_CANCELLED_IN_TIME);
        else if (policy->late_cancel_cents == 0)
            d = none(FEE_NONE_NO_POLICY_FEE);
        else
            d = charge(FEE_CHARGE_LATE_CANCEL, policy->late_cancel_cents);
    } else if (!occ->ended) {
        d = none(FEE_NONE_NOT_ENDED);
    } else if (status != ATTENDANCE_NO_SHOW) {
        d = charge(FEE_CHARGE_SESSION, session_cents);
    } else if (policy->no_show_cents == 0) {
        d = none(FEE_NONE_NO_POLICY_FEE);
    } else {
        d = charge(FEE_CHARGE_NO_SHOW, policy->no_show_cents);
    }
    assert(d.charge == FEE_CHARGE_NONE ? d.none != FEE_NONE_CHARGED && d.amount_cents == 0
                                       : d.none == FEE_NONE_CHARGED);
    *out = d;
    return 0;
}

/* ledger: charges, payments and what pays what (rules in ledger.h). */
#include "practice/ledger.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/limits.h"
#include "practice/fees.h"

static const char *const method_names[] = {
    [LEDGER_CASH] = "cash",
    [LEDGER_CHEQUE] = "cheque",
    [LEDGER_CARD_TERMINAL] = "card_terminal",
    [LEDGER_BANK_TRANSFER] = "bank_transfer",
    [LEDGER_INSURANCE] = "insurance",
};

static const char *const state_names[] = {
    [LEDGER_OPEN] = "open",
    [LEDGER_PART_PAID] = "part_paid",
    [LEDGER_PAID] = "paid",
    [LEDGER_WAIVED] = "waived",
};

static bool cents_ok(int64_t c)
{
    return c >= 0 && c <= FEE_MAX_CENTS;
}

const char *ledger_method_name(enum ledger_method m)
{
    assert((unsigned)m < LEDGER_METHODS);
    return method_names[m];
}

int ledger_method_parse(const char *name)
{
    for (int m = 0; name && m < LEDGER_METHODS; m++)
        if (strcmp(name, method_names[m]) == 0)
            return m;
    return -1;
}

const char *ledger_state_name(enum ledger_state s)
{
    assert((unsigned)s <= LEDGER_WAIVED);
    return state_names[s];
}

int ledger_charge_check(const struct ledger_charge *c)
{
    if (!c || c->id <= 0 || !cents_ok(c->amount_cents) || c->paid_cents < 0 ||
        c->paid_cents > c->amount_cents)
        return -EINVAL;
    if (c->waived_cents != 0 && (c->waived_cents != c->amount_cents || c->paid_cents != 0))
        return -EINVAL; /* a waiver is the whole charge, on one with nothing paid */
    return 0;
}

int ledger_payment_check(const struct ledger_payment *p)
{
    if (!p || p->id <= 0 || (unsigned)p->method >= LEDGER_METHODS || p->amount_cents <= 0 ||
        p->amount_cents > FEE_MAX_CENTS || p->allocated_cents < 0 ||
        p->allocated_cents > p->amount_cents)
        return -EINVAL;
    if (p->reference && p->reference[0] && !text_length_ok(p->reference, 1, LEDGER_REFERENCE_MAX))
        return -EINVAL;
    return 0;
}

int64_t ledger_owed(const struct ledger_charge *c)
{
    int64_t owed = c->amount_cents - c->paid_cents - c->waived_cents;
    assert(owed >= 0 && owed <= c->amount_cents);
    return owed;
}

enum ledger_state ledger_state(const struct ledger_charge *c)
{
    assert(ledger_charge_check(c) == 0);
    if (c->waived_cents > 0)
        return LEDGER_WAIVED;
    if (ledger_owed(c) == 0)
        return LEDGER_PAID;
    return c->paid_cents > 0 ? LEDGER_PART_PAID : LEDGER_OPEN;
}

int ledger_waive(struct ledger_charge *c, const char *reason)
{
    if (ledger_charge_check(c) < 0 || ledger_state(c) != LEDGER_OPEN ||
        !text_length_ok(reason, 1, LEDGER_REASON_MAX))
        return -EINVAL;
    c->waived_cents = c->amount_cents;
    c->waive_reason = reason;
    assert(ledger_owed(c) == 0 && ledger_state(c) == LEDGER_WAIVED);
    return 0;
}

/* a before b: earlier, then the lower id */
static bool before(int64_t a_at, int64_t a_id, int64_t b_at, int64_t b_id)
{
    return a_at < b_at || (a_at == b_at && a_id < b_id);
}

static struct ledger_charge *oldest_owing(struct ledger_charge *charges, size_t n)
{
    struct ledger_charge *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (ledger_owed(&charges[i]) > 0 &&
            (!best || before(charges[i].service_date, charges[i].id, best->service_date, best->id)))
            best = &charges[i];
    return best;
}

static struct ledger_payment *oldest_unspent(struct ledger_payment *payments, size_t n)
{
    struct ledger_payment *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (payments[i].allocated_cents < payments[i].amount_cents &&
            (!best || before(payments[i].received_at, payments[i].id, best->received_at, best->id)))
            best = &payments[i];
    return best;
}

int ledger_allocate(struct ledger_charge *charges, size_t n_charges,
                    struct ledger_payment *payments, size_t n_payments,
                    struct ledger_allocation *allocs, size_t cap, size_t *n_allocs)
{
    if ((n_charges && !charges) || (n_payments && !payments) || !n_allocs ||
        cap < n_charges + n_payments || (cap && !allocs))
        return -EINVAL;
    for (size_t i = 0; i < n_charges; i++)
        if (ledger_charge_check(&charges[i]) < 0)
            return -EINVAL;
    for (size_t i = 0; i < n_payments; i++)
        if (ledger_payment_check(&payments[i]) < 0)
            return -EINVAL;
    size_t n = 0;
    struct ledger_payment *p;
    struct ledger_charge *c;
    while ((p = oldest_unspent(payments, n_payments)) && (c = oldest_owing(charges, n_charges))) {
        int64_t left = p->amount_cents - p->allocated_cents, owed = ledger_owed(c);
        int64_t amount = left < owed ? left : owed;
        assert(amount > 0 && amount <= owed && amount <= left);
        /* each allocation uses up p or pays off c, so there are at most cap of them */
        assert(n < cap);
        allocs[n++] = (struct ledger_allocation){p->id, c->id, amount};
        p->allocated_cents += amount;
        c->paid_cents += amount;
        assert(p->allocated_cents <= p->amount_cents && c->paid_cents <= c->amount_cents);
    }
    *n_allocs = n;
    return 0;
}

int ledger_balance(const struct ledger_charge *charges, size_t n_charges,
                   const struct ledger_payment *payments, size_t n_payments,
                   struct ledger_balance *out)
{
    if ((n_charges && !charges) || (n_payments && !payments) || !out)
        return -EINVAL;
    struct ledger_balance b = {0};
    int64_t paid_on_charges = 0, allocated = 0;
    for (size_t i = 0; i < n_charges; i++) {
        if (ledger_charge_check(&charges[i]) < 0)
            return -EINVAL;
        b.charged += charges[i].amount_cents;
        b.waived += charges[i].waived_cents;
        b.owed += ledger_owed(&charges[i]);
        paid_on_charges += charges[i].paid_cents;
    }
    for (size_t i = 0; i < n_payments; i++) {
        if (ledger_payment_check(&payments[i]) < 0)
            return -EINVAL;
        b.paid += payments[i].amount_cents;
        allocated += payments[i].allocated_cents;
    }
    if (paid_on_charges != allocated)
        return -EINVAL;
    b.credit = b.paid - allocated;
    b.balance = b.charged - b.paid - b.waived;
    assert(b.balance == b.owed - b.credit);
    *out = b;
    return 0;
}

int ledger_superbill(struct superbill_line *lines, size_t n, struct superbill_totals *out)
{
    if ((n && !lines) || !out)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        const struct superbill_line *l = &lines[i];
        if (l->units < 1 || l->units > LEDGER_UNITS_MAX || !cents_ok(l->fee_cents) ||
            l->paid_cents < 0 || l->paid_cents > l->units * l->fee_cents)
            return -EINVAL;
    }
    struct superbill_totals t = {0};
    for (size_t i = 0; i < n; i++) {
        struct superbill_line *l = &lines[i];
        l->amount_cents = l->units * l->fee_cents;
        l->balance_cents = l->amount_cents - l->paid_cents;
        t.charged += l->amount_cents;
        t.paid += l->paid_cents;
        t.balance += l->balance_cents;
    }
    assert(t.balance == t.charged - t.paid);
    *out = t;
    return 0;
}

/* ledger: a client's charges and payments, what each payment pays, the balance, and a
 * superbill's totals. Sans I/O: arrays in, the same arrays updated and allocations out.
 * Money is integer cents in the practice's one currency (0..FEE_MAX_CENTS per amount).
 *
 * A charge is in one of four states, from what has been paid and waived on it:
 *  - open: nothing paid, something owed;
 *  - part paid: some paid, some still owed;
 *  - paid: nothing owed (a charge of 0 is paid from the start);
 *  - waived: the practitioner waived it, with a reason; it keeps its amount (it was
 *    charged, and waived) and owes 0. Only an open charge can be waived: not one with
 *    anything paid on it, not one waived already. A waiver is never undone here.
 *
 * Payments (cash, cheque, card terminal, bank transfer, insurance payment; a reference
 * of at most LEDGER_REFERENCE_MAX characters of UTF-8, optional; an amount > 0) pay the open
 * charges oldest first: by date of service, then by id; the oldest payment is spent first (by the
 * date received, then id). A payment pays part of a charge when it runs out; what a payment
 * has left when no charge is open stays as the client's credit, and the next charge takes
 * it when allocation runs again. No allocation exceeds what its charge owes, and a
 * payment's allocations never add up to more than the payment.
 *
 * The balance is charged - paid - waived (paid: every payment received, so a credit makes
 * it negative); it is also what the open charges owe less the credit, one of which is 0
 * once allocation has run.
 *
 * A superbill line is units x fee per unit (units 1..LEDGER_UNITS_MAX, fee >= 0) with what
 * was paid on it (0..its amount); its balance is the difference. The totals are the sums. */
#ifndef CONFIDE_PRACTICE_LEDGER_H
#define CONFIDE_PRACTICE_LEDGER_H
#include <stddef.h>
#include <stdint.h>

#define LEDGER_REFERENCE_MAX 100
#define LEDGER_REASON_MAX 500
#define LEDGER_UNITS_MAX 99

enum ledger_method {
    LEDGER_CASH,
    LEDGER_CHEQUE,
    LEDGER_CARD_TERMINAL,
    LEDGER_BANK_TRANSFER,
    LEDGER_INSURANCE,
    LEDGER_METHODS,
};

enum ledger_state { LEDGER_OPEN, LEDGER_PART_PAID, LEDGER_PAID, LEDGER_WAIVED };

struct ledger_charge {
    int64_t id;           /* > 0 */
    int64_t service_date; /* ms; orders the charges */
    int64_t amount_cents; /* as charged */
    int64_t paid_cents;   /* allocated to it so far */
    int64_t waived_cents; /* 0, or amount_cents once waived */
    const char *waive_reason;
};

struct ledger_payment {
    int64_t id;          /* > 0 */
    int64_t received_at; /* ms */
    enum ledger_method method;
    const char *reference;   /* NULL or "" for none */
    int64_t amount_cents;    /* > 0 */
    int64_t allocated_cents; /* to charges so far; the rest is credit */
};

struct ledger_allocation {
    int64_t payment_id;
    int64_t charge_id;
    int64_t amount_cents; /* > 0 */
};

struct ledger_balance {
    int64_t charged; /* every charge's amount, waived ones included */
    int64_t paid;    /* every payment received */
    int64_t waived;
    int64_t balance; /* charged - paid - waived */
    int64_t owed;    /* what the charges still owe */
    int64_t credit;  /* what the payments have not yet paid to a charge */
};

/* "cash", "cheque", "card_terminal", "bank_transfer", "insurance" */
const char *ledger_method_name(enum ledger_method m);
/* The method a name stands for; -1 for a name that is none. */
int ledger_method_parse(const char *name);
/* 0 when a charge / payment is consistent (see above), else -EINVAL. */
int ledger_charge_check(const struct ledger_charge *c);
int ledger_payment_check(const struct ledger_payment *p);
/* A valid charge's state, and what it still owes. */
enum ledger_state ledger_state(const struct ledger_charge *c);
const char *ledger_state_name(enum ledger_state s); /* "open", "part_paid", "paid", "waived" */
int64_t ledger_owed(const struct ledger_charge *c);
/* Waives an open charge, with a reason (UTF-8, 1..LEDGER_REASON_MAX characters, kept by
 * pointer).
 * 0, or -EINVAL (the charge untouched) when it is not open or the reason is empty/long. */
int ledger_waive(struct ledger_charge *c, const char *reason);

/* Spends the payments' unallocated amounts on the charges' owed amounts (rules above),
 * updating charges[].paid_cents and payments[].allocated_cents and writing the allocations
 * made to allocs[0..*n_allocs). allocs must hold n_charges + n_payments entries (the most
 * one call can make: each allocation uses up a payment or pays off a charge). 0, or
 * -EINVAL with nothing changed when an input is invalid or allocs is too small. */
int ledger_allocate(struct ledger_charge *charges, size_t n_charges,
                    struct ledger_payment *payments, size_t n_payments,
                    struct ledger_allocation *allocs, size_t cap, size_t *n_allocs);

/* A client's balance. -EINVAL when an input is invalid, or what the charges say was paid
 * on them is not what the payments say they allocated. */
int ledger_balance(const struct ledger_charge *charges, size_t n_charges,
                   const struct ledger_payment *payments, size_t n_payments,
                   struct ledger_balance *out);

struct superbill_line {
    int64_t service_date; /* ms */
    const char *cpt;
    const char *modifier;         /* "" or e.g. "95" */
    const char *place_of_service; /* e.g. "02", "10" */
    int units;
    int64_t fee_cents; /* per unit */
    int64_t paid_cents;
    int64_t amount_cents;  /* out: units x fee */
    int64_t balance_cents; /* out: amount - paid */
};

struct superbill_totals {
    int64_t charged;
    int64_t paid;
    int64_t balance;
};

/* Each line's amount and balance, and the totals. 0, or -EINVAL (nothing written) when a
 * line has units outside 1..LEDGER_UNITS_MAX, a fee outside 0..FEE_MAX_CENTS, or paid
 * outside 0..its amount. */
int ledger_superbill(struct superbill_line *lines, size_t n, struct superbill_totals *out);

#endif

/* The ledger: a charge's states and its waiver (only while nothing is paid), payments paying
 * the oldest charges first (by date of service, then id), a payment split over charges and a
 * charge over payments, an overpayment kept as credit that the next charge takes, the
 * balance, refused inputs; a superbill's per-line amounts and totals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "practice/fees.h"
#include "practice/ledger.h"

#define DAY ((int64_t)24 * 60 * 60 * 1000)
#define D0 ((int64_t)1800000000000)

#define CHARGE(id_, day, cents) ((struct ledger_charge){(id_), D0 + (day)*DAY, (cents), 0, 0, NULL})
#define PAYMENT(id_, day, cents, method)                                                           \
    ((struct ledger_payment){(id_), D0 + (day)*DAY, (method), "ref", (cents), 0})

static void names(void **state)
{
    (void)state;
    assert_string_equal(ledger_method_name(LEDGER_CASH), "cash");
    assert_string_equal(ledger_method_name(LEDGER_CHEQUE), "cheque");
    assert_string_equal(ledger_method_name(LEDGER_CARD_TERMINAL), "card_terminal");
    assert_string_equal(ledger_method_name(LEDGER_BANK_TRANSFER), "bank_transfer");
    assert_string_equal(ledger_method_name(LEDGER_INSURANCE), "insurance");
    assert_int_equal(ledger_method_parse("bank_transfer"), LEDGER_BANK_TRANSFER);
    assert_int_equal(ledger_method_parse("insurance"), LEDGER_INSURANCE);
    assert_int_equal(ledger_method_parse("card"), -1);
    assert_int_equal(ledger_method_parse(""), -1);
    assert_int_equal(ledger_method_parse(NULL), -1);
    assert_string_equal(ledger_state_name(LEDGER_PART_PAID), "part_paid");
    assert_string_equal(ledger_state_name(LEDGER_WAIVED), "waived");
}

static void states_and_waiver(void **state)
{
    (void)state;
    struct ledger_charge c = CHARGE(1, 0, 7500);
    assert_int_equal(ledger_state(&c), LEDGER_OPEN);
    assert_int_equal(ledger_owed(&c), 7500);
    /* a reason is required */
    assert_int_equal(ledger_waive(&c, ""), -EINVAL);
    assert_int_equal(ledger_waive(&c, NULL), -EINVAL);
    char long_reason[LEDGER_REASON_MAX + 2];
    memset(long_reason, 'x', sizeof long_reason - 1);
    long_reason[sizeof long_reason - 1] = '\0';
    assert_int_equal(ledger_waive(&c, long_reason), -EINVAL);
    /* the limit is in characters: 500 of "é" (1,000 bytes) is not too long; not UTF-8 is */
    char accents[2 * LEDGER_REASON_MAX + 1];
    for (size_t i = 0; i < LEDGER_REASON_MAX; i++)
        memcpy(accents + 2 * i, "\xc3\xa9", 2);
    accents[2 * LEDGER_REASON_MAX] = '\0';
    struct ledger_charge c2 = CHARGE(9, 0, 100);
    assert_int_equal(ledger_waive(&c2, "\xff"), -EINVAL);
    assert_int_equal(ledger_waive(&c2, accents), 0);
    assert_int_equal(ledger_state(&c2), LEDGER_WAIVED);
    assert_int_equal(c.waived_cents, 0);
    assert_int_equal(ledger_state(&c), LEDGER_OPEN);
    /* waived: keeps its amount, owes nothing, with its reason */
    assert_int_equal(ledger_waive(&c, "car broke down"), 0);
    assert_int_equal(ledger_state(&c), LEDGER_WAIVED);
    assert_int_equal(c.amount_cents, 7500);
    assert_int_equal(c.waived_cents, 7500);
    assert_int_equal(ledger_owed(&c), 0);
    assert_string_equal(c.waive_reason, "car broke down");
    /* not twice */
    assert_int_equal(ledger_waive(&c, "again"), -EINVAL);
    assert_string_equal(c.waive_reason, "car broke down");

    /* part paid, or paid: no waiver */
    struct ledger_charge part = CHARGE(2, 0, 7500);
    part.paid_cents = 1;
    assert_int_equal(ledger_state(&part), LEDGER_PART_PAID);
    assert_int_equal(ledger_waive(&part, "reason"), -EINVAL);
    assert_int_equal(part.waived_cents, 0);
    struct ledger_charge paid = CHARGE(3, 0, 7500);
    paid.paid_cents = 7500;
    assert_int_equal(ledger_state(&paid), LEDGER_PAID);
    assert_int_equal(ledger_waive(&paid, "reason"), -EINVAL);
    /* a charge of 0 is paid from the start, and there is nothing to waive */
    struct ledger_charge zero = CHARGE(4, 0, 0);
    assert_int_equal(ledger_state(&zero), LEDGER_PAID);
    assert_int_equal(ledger_waive(&zero, "reason"), -EINVAL);

    /* inconsistent charges are refused */
    struct ledger_charge bad = CHARGE(5, 0, 100);
    bad.waived_cents = 50; /* a waiver is the whole charge */
    assert_int_equal(ledger_charge_check(&bad), -EINVAL);
    bad = CHARGE(5, 0, 100);
    bad.paid_cents = 101;
    assert_int_equal(ledger_charge_check(&bad), -EINVAL);
    bad = CHARGE(5, 0, -100);
    assert_int_equal(ledger_charge_check(&bad), -EINVAL);
    bad = CHARGE(0, 0, 100);
    assert_int_equal(ledger_charge_check(&bad), -EINVAL);
}

static void oldest_charge_first(void **state)
{
    (void)state;
    /* out of order in the array; the same day twice (id breaks the tie) */
    struct ledger_charge charges[] = {CHARGE(30, 5, 15000), CHARGE(12, 2, 15000),
                                      CHARGE(11, 2, 15000), CHARGE(40, 1, 15000)};
    struct ledger_payment pay[] = {PAYMENT(1, 6, 40000, LEDGER_CARD_TERMINAL)};
    struct ledger_allocation allocs[6];
    size_t n = 99;
    assert_int_equal(ledger_allocate(charges, 4, pay, 1, allocs, 5, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(allocs[0].charge_id, 40);
    assert_int_equal(allocs[0].amount_cents, 15000);
    assert_int_equal(allocs[1].charge_id, 11);
    assert_int_equal(allocs[1].amount_cents, 15000);
    assert_int_equal(allocs[2].charge_id, 12);
    assert_int_equal(allocs[2].amount_cents, 10000); /* partial */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(allocs[i].payment_id, 1);
    assert_int_equal(ledger_state(&charges[3]), LEDGER_PAID);
    assert_int_equal(ledger_state(&charges[2]), LEDGER_PAID);
    assert_int_equal(ledger_state(&charges[1]), LEDGER_PART_PAID);
    assert_int_equal(ledger_owed(&charges[1]), 5000);
    assert_int_equal(ledger_state(&charges[0]), LEDGER_OPEN);
    assert_int_equal(pay[0].allocated_cents, 40000);

    struct ledger_balance b;
    assert_int_equal(ledger_balance(charges, 4, pay, 1, &b), 0);
    assert_int_equal(b.charged, 60000);
    assert_int_equal(b.paid, 40000);
    assert_int_equal(b.waived, 0);
    assert_int_equal(b.balance, 20000);
    assert_int_equal(b.owed, 20000);
    assert_int_equal(b.credit, 0);

    /* a second payment finishes the part-paid one, then the next */
    struct ledger_payment pays[] = {pay[0], PAYMENT(2, 7, 8000, LEDGER_CASH)};
    assert_int_equal(ledger_allocate(charges, 4, pays, 2, allocs, 5, &n), -EINVAL); /* cap */
    assert_int_equal(ledger_allocate(charges, 4, pays, 2, allocs, 6, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(allocs[0].payment_id, 2);
    assert_int_equal(allocs[0].charge_id, 12);
    assert_int_equal(allocs[0].amount_cents, 5000);
    assert_int_equal(allocs[1].charge_id, 30);
    assert_int_equal(allocs[1].amount_cents, 3000);
    assert_int_equal(ledger_owed(&charges[0]), 12000);
    /* run again with nothing new: nothing more */
    assert_int_equal(ledger_allocate(charges, 4, pays, 2, allocs, 6, &n), 0);
    assert_int_equal(n, 0);
}

static void waived_and_paid_charges_are_skipped(void **state)
{
    (void)state;
    struct ledger_charge charges[] = {CHARGE(1, 0, 7500), CHARGE(2, 1, 15000), CHARGE(3, 2, 0)};
    assert_int_equal(ledger_waive(&charges[0], "first no-show, forgiven"), 0);
    struct ledger_payment pay[] = {PAYMENT(1, 3, 15000, LEDGER_CHEQUE)};
    struct ledger_allocation allocs[4];
    size_t n;
    assert_int_equal(ledger_allocate(charges, 3, pay, 1, allocs, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(allocs[0].charge_id, 2);
    assert_int_equal(allocs[0].amount_cents, 15000);
    assert_int_equal(charges[0].paid_cents, 0);
    assert_int_equal(ledger_state(&charges[0]), LEDGER_WAIVED);
    struct ledger_balance b;
    assert_int_equal(ledger_balance(charges, 3, pay, 1, &b), 0);
    assert_int_equal(b.charged, 22500);
    assert_int_equal(b.waived, 7500);
    assert_int_equal(b.paid, 15000);
    assert_int_equal(b.balance, 0);
}

static void overpayment_is_credit_the_next_charge_takes(void **state)
{
    (void)state;
    struct ledger_charge charges[3] = {CHARGE(1, 0, 15000)};
    struct ledger_payment pay[2] = {PAYMENT(1, 0, 20000, LEDGER_BANK_TRANSFER)};
    struct ledger_allocation allocs[5];
    size_t n;
    assert_int_equal(ledger_allocate(charges, 1, pay, 1, allocs, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(allocs[0].amount_cents, 15000);
    struct ledger_balance b;
    assert_int_equal(ledger_balance(charges, 1, pay, 1, &b), 0);
    assert_int_equal(b.balance, -5000);
    assert_int_equal(b.credit, 5000);
    assert_int_equal(b.owed, 0);

    /* the next session: the credit pays part of it */
    charges[1] = CHARGE(2, 7, 15000);
    assert_int_equal(ledger_allocate(charges, 2, pay, 1, allocs, 3, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(allocs[0].payment_id, 1);
    assert_int_equal(allocs[0].charge_id, 2);
    assert_int_equal(allocs[0].amount_cents, 5000);
    assert_int_equal(ledger_owed(&charges[1]), 10000);
    assert_int_equal(ledger_balance(charges, 2, pay, 1, &b), 0);
    assert_int_equal(b.balance, 10000);
    assert_int_equal(b.credit, 0);
    assert_int_equal(b.owed, 10000);

    /* a payment before any charge is all credit */
    struct ledger_payment early[] = {PAYMENT(9, 0, 3000, LEDGER_CASH)};
    assert_int_equal(ledger_allocate(NULL, 0, early, 1, allocs, 1, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(early[0].allocated_cents, 0);
    assert_int_equal(ledger_balance(NULL, 0, early, 1, &b), 0);
    assert_int_equal(b.credit, 3000);
    assert_int_equal(b.balance, -3000);
}

static void oldest_payment_spent_first(void **state)
{
    (void)state;
    /* an insurance payment and the client's copay on one charge, then a second charge */
    struct ledger_charge charges[] = {CHARGE(1, 0, 15000), CHARGE(2, 7, 15000)};
    struct ledger_payment pays[] = {PAYMENT(6, 9, 2500, LEDGER_CASH),
                                    PAYMENT(5, 9, 10000, LEDGER_INSURANCE),
                                    PAYMENT(4, 10, 10000, LEDGER_CASH)};
    struct ledger_allocation allocs[5];
    size_t n;
    assert_int_equal(ledger_allocate(charges, 2, pays, 3, allocs, 5, &n), 0);
    /* same day: payment 5 before 6 (id), then 4 (a day later) */
    assert_int_equal(n, 4);
    assert_int_equal(allocs[0].payment_id, 5);
    assert_int_equal(allocs[0].charge_id, 1);
    assert_int_equal(allocs[0].amount_cents, 10000);
    assert_int_equal(allocs[1].payment_id, 6);
    assert_int_equal(allocs[1].charge_id, 1);
    assert_int_equal(allocs[1].amount_cents, 2500);
    assert_int_equal(allocs[2].payment_id, 4);
    assert_int_equal(allocs[2].charge_id, 1);
    assert_int_equal(allocs[2].amount_cents, 2500);
    assert_int_equal(allocs[3].payment_id, 4);
    assert_int_equal(allocs[3].charge_id, 2);
    assert_int_equal(allocs[3].amount_cents, 7500);
    /* the invariants, from the outside */
    int64_t per_payment[3] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < 3; p++)
            if (allocs[i].payment_id == pays[p].id)
                per_payment[p] += allocs[i].amount_cents;
    for (size_t p = 0; p < 3; p++) {
        assert_true(per_payment[p] <= pays[p].amount_cents);
        assert_int_equal(per_payment[p], pays[p].allocated_cents);
    }
    assert_int_equal(charges[0].paid_cents, 15000);
    assert_int_equal(charges[1].paid_cents, 7500);
}

static void refused_ledger_inputs(void **state)
{
    (void)state;
    struct ledger_charge charges[] = {CHARGE(1, 0, 15000)};
    struct ledger_payment pay[] = {PAYMENT(1, 0, 0, LEDGER_CASH)};
    struct ledger_allocation allocs[2];
    size_t n = 7;
    /* amount 0, negative, too large */
    assert_int_equal(ledger_allocate(charges, 1, pay, 1, allocs, 2, &n), -EINVAL);
    pay[0].amount_cents = -100;
    assert_int_equal(ledger_payment_check(&pay[0]), -EINVAL);
    pay[0].amount_cents = FEE_MAX_CENTS + 1;
    assert_int_equal(ledger_payment_check(&pay[0]), -EINVAL);
    pay[0].amount_cents = 1;
    assert_int_equal(ledger_payment_check(&pay[0]), 0);
    pay[0].method = LEDGER_METHODS;
    assert_int_equal(ledger_payment_check(&pay[0]), -EINVAL);
    pay[0].method = LEDGER_CASH;
    char ref[LEDGER_REFERENCE_MAX + 2];
    memset(ref, '7', sizeof ref - 1);
    ref[sizeof ref - 1] = '\0';
    pay[0].reference = ref;
    assert_int_equal(ledger_payment_check(&pay[0]), -EINVAL);
    ref[LEDGER_REFERENCE_MAX] = '\0';
    assert_int_equal(ledger_payment_check(&pay[0]), 0);
    pay[0].reference = NULL;
    assert_int_equal(ledger_payment_check(&pay[0]), 0);
    pay[0].reference = "";
    assert_int_equal(ledger_payment_check(&pay[0]), 0);
    pay[0].reference = "\xc3";
    assert_int_equal(ledger_payment_check(&pay[0]), -EINVAL);
    pay[0].allocated_cents = 2;
    assert_int_equal(ledger_payment_check(&pay[0]), -EINVAL);
    pay[0].allocated_cents = 0;
    /* too small a buffer: nothing changed */
    assert_int_equal(ledger_allocate(charges, 1, pay, 1, allocs, 1, &n), -EINVAL);
    assert_int_equal(charges[0].paid_cents, 0);
    assert_int_equal(pay[0].allocated_cents, 0);
    assert_int_equal(n, 7);
    /* a bad charge after a good one: nothing changed */
    struct ledger_charge two[] = {CHARGE(1, 0, 100), CHARGE(2, 1, -1)};
    assert_int_equal(ledger_allocate(two, 2, pay, 1, allocs, 3, &n), -EINVAL);
    assert_int_equal(two[0].paid_cents, 0);
    assert_int_equal(pay[0].allocated_cents, 0);
    /* charges and payments that disagree on what was paid */
    struct ledger_balance b = {.balance = 42};
    charges[0].paid_cents = 1;
    assert_int_equal(ledger_balance(charges, 1, pay, 1, &b), -EINVAL);
    assert_int_equal(b.balance, 42);
}

static void superbill_totals(void **state)
{
    (void)state;
    struct superbill_line lines[] = {
        {D0, "90791", "95", "10", 1, 20000, 20000, 0, 0},
        {D0 + 7 * DAY, "90834", "95", "02", 1, 15000, 5000, 0, 0},
        {D0 + 14 * DAY, "90837", "", "10", 2, 9000, 0, 0, 0},
    };
    struct superbill_totals t;
    assert_int_equal(ledger_superbill(lines, 3, &t), 0);
    assert_int_equal(lines[0].amount_cents, 20000);
    assert_int_equal(lines[0].balance_cents, 0);
    assert_int_equal(lines[1].amount_cents, 15000);
    assert_int_equal(lines[1].balance_cents, 10000);
    assert_int_equal(lines[2].amount_cents, 18000);
    assert_int_equal(lines[2].balance_cents, 18000);
    assert_int_equal(t.charged, 53000);
    assert_int_equal(t.paid, 25000);
    assert_int_equal(t.balance, 28000);
    /* none: all 0 */
    assert_int_equal(ledger_superbill(NULL, 0, &t), 0);
    assert_int_equal(t.charged, 0);
    assert_int_equal(t.balance, 0);
    /* a fee of 0 is a line */
    struct superbill_line free_[] = {{D0, "90834", "95", "10", 1, 0, 0, 0, 0}};
    assert_int_equal(ledger_superbill(free_, 1, &t), 0);
    assert_int_equal(t.charged, 0);
}

static void superbill_refuses_bad_lines(void **state)
{
    (void)state;
    struct superbill_totals t = {1, 2, 3};
    struct superbill_line lines[] = {
        {D0, "90834", "95", "10", 1, 15000, 0, -1, -1},
        {D0, "90834", "95", "10", 0, 15000, 0, -1, -1},
    };
    assert_int_equal(ledger_superbill(lines, 2, &t), -EINVAL); /* units 0 */
    assert_int_equal(lines[0].amount_cents, -1);               /* nothing written */
    assert_int_equal(t.charged, 1);
    lines[1].units = -1;
    assert_int_equal(ledger_superbill(lines, 2, &t), -EINVAL);
    lines[1].units = LEDGER_UNITS_MAX + 1;
    assert_int_equal(ledger_superbill(lines, 2, &t), -EINVAL);
    lines[1].units = 1;
    lines[1].fee_cents = -1;
    assert_int_equal(ledger_superbill(lines, 2, &t), -EINVAL);
    lines[1].fee_cents = 15000;
    lines[1].paid_cents = 15001; /* more than the line */
    assert_int_equal(ledger_superbill(lines, 2, &t), -EINVAL);
    lines[1].paid_cents = -1;
    assert_int_equal(ledger_superbill(lines, 2, &t), -EINVAL);
    lines[1].paid_cents = 15000;
    assert_int_equal(ledger_superbill(lines, 2, &t), 0);
    assert_int_equal(t.charged, 30000);
    assert_int_equal(t.paid, 15000);
    assert_int_equal(t.balance, 15000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names),
        cmocka_unit_test(states_and_waiver),
        cmocka_unit_test(oldest_charge_first),
        cmocka_unit_test(waived_and_paid_charges_are_skipped),
        cmocka_unit_test(overpayment_is_credit_the_next_charge_takes),
        cmocka_unit_test(oldest_payment_spent_first),
        cmocka_unit_test(refused_ledger_inputs),
        cmocka_unit_test(superbill_totals),
        cmocka_unit_test(superbill_refuses_bad_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

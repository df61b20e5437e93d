/* Fees and charges: the default fee, an override for one service and for all, the sliding
 * scale as a percentage (half-up rounding) and as a fixed amount, refused inputs; the charge
 * an occurrence brings: attended, late, left early, no-show, cancelled by the practice, by
 * the client at the window's edge and a millisecond either side, policy fees of 0, already
 * charged (rejoin, waived). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "practice/fees.h"
#include "practice/money.h"

#define HOUR ((int64_t)60 * 60 * 1000)
#define START ((int64_t)1800000000000)

static const struct fee_service s90834 = {.id = 3, .fee_cents = 15000, .duration_min = 45};
static const struct fee_service s90837 = {.id = 4, .fee_cents = 18000, .duration_min = 60};

static int64_t fee_of(const struct fee_service *s, const struct fee_terms *t)
{
    struct fee_quote q;
    assert_int_equal(fee_for(s, t, &q), 0);
    return q.fee_cents;
}

static void default_and_overrides(void **state)
{
    (void)state;
    struct fee_quote q;
    assert_int_equal(fee_for(&s90834, NULL, &q), 0);
    assert_int_equal(q.base_from, FEE_BASE_DEFAULT);
    assert_int_equal(q.base_cents, 15000);
    assert_int_equal(q.fee_cents, 15000);

    /* an override for 90834 only */
    struct fee_override one[] = {{3, 12000}};
    struct fee_terms t = {one, 1, {FEE_SCALE_NONE, 0, 0}};
    assert_int_equal(fee_for(&s90834, &t, &q), 0);
    assert_int_equal(q.base_from, FEE_BASE_SERVICE_OVERRIDE);
    assert_int_equal(q.fee_cents, 12000);
    assert_int_equal(fee_of(&s90837, &t), 18000);

    /* one for every service, and one for 90837: the service's own wins, in either order */
    struct fee_override both[] = {{4, 17000}, {FEE_ALL_SERVICES, 10000}};
    t = (struct fee_terms){both, 2, {FEE_SCALE_NONE, 0, 0}};
    assert_int_equal(fee_for(&s90834, &t, &q), 0);
    assert_int_equal(q.base_from, FEE_BASE_ALL_OVERRIDE);
    assert_int_equal(q.fee_cents, 10000);
    assert_int_equal(fee_for(&s90837, &t, &q), 0);
    assert_int_equal(q.base_from, FEE_BASE_SERVICE_OVERRIDE);
    assert_int_equal(q.fee_cents, 17000);
    struct fee_override swapped[] = {{FEE_ALL_SERVICES, 10000}, {4, 17000}};
    t.overrides = swapped;
    assert_int_equal(fee_of(&s90837, &t), 17000);

    /* an override of 0 is a free service, not "no override" */
    struct fee_override free_[] = {{3, 0}};
    t = (struct fee_terms){free_, 1, {FEE_SCALE_NONE, 0, 0}};
    assert_int_equal(fee_of(&s90834, &t), 0);
}

static void sliding_scale_percent_rounds_half_up(void **state)
{
    (void)state;
    struct fee_terms t = {NULL, 0, {FEE_SCALE_PERCENT, 60, 0}};
    assert_int_equal(fee_of(&s90834, &t), 9000);
    struct fee_service odd = {.id = 9, .fee_cents = 12345, .duration_min = 50};
    t.scale.percent = 50; /* 6172.5 */
    assert_int_equal(fee_of(&odd, &t), 6173);
    t.scale.percent = 33; /* 4073.85 */
    assert_int_equal(fee_of(&odd, &t), 4074);
    t.scale.percent = 1; /* 123.45 */
    assert_int_equal(fee_of(&odd, &t), 123);
    assert_int_equal(fee_percent_of(150, 1), 2); /* 1.5 */
    assert_int_equal(fee_percent_of(149, 1), 1); /* 1.49 */
    assert_int_equal(fee_percent_of(1, 50), 1);  /* 0.5 */
    assert_int_equal(fee_percent_of(1, 49), 0);  /* 0.49 */
    t.scale.percent = 0;
    assert_int_equal(fee_of(&odd, &t), 0);
    t.scale.percent = 100;
    assert_int_equal(fee_of(&odd, &t), 12345);
    assert_int_equal(fee_percent_of(FEE_MAX_CENTS, 100), FEE_MAX_CENTS);

    /* the scale applies to the override */
    struct fee_override o[] = {{FEE_ALL_SERVICES, 10001}};
    struct fee_terms both = {o, 1, {FEE_SCALE_PERCENT, 50, 0}};
    struct fee_quote q;
    assert_int_equal(fee_for(&s90837, &both, &q), 0);
    assert_int_equal(q.base_cents, 10001);
    assert_int_equal(q.fee_cents, 5001);
}

static void sliding_scale_fixed_never_raises(void **state)
{
    (void)state;
    struct fee_terms t = {NULL, 0, {FEE_SCALE_FIXED, 0, 6000}};
    assert_int_equal(fee_of(&s90834, &t), 6000);
    assert_int_equal(fee_of(&s90837, &t), 6000);
    struct fee_service cheap = {.id = 7, .fee_cents = 4000, .duration_min = 30};
    assert_int_equal(fee_of(&cheap, &t), 4000);
    struct fee_override o[] = {{3, 5999}};
    t.overrides = o;
    t.n_overrides = 1;
    assert_int_equal(fee_of(&s90834, &t), 5999);
    assert_int_equal(fee_of(&s90837, &t), 6000);
}

static void refused_inputs(void **state)
{
    (void)state;
    struct fee_quote q = {FEE_BASE_DEFAULT, 77, 77};
    struct fee_service bad = {.id = 1, .fee_cents = -1, .duration_min = 45};
    assert_int_equal(fee_for(&bad, NULL, &q), -EINVAL);
    bad.fee_cents = FEE_MAX_CENTS + 1;
    assert_int_equal(fee_service_check(&bad), -EINVAL);
    bad.fee_cents = FEE_MAX_CENTS;
    assert_int_equal(fee_service_check(&bad), 0);
    bad.duration_min = 0;
    assert_int_equal(fee_service_check(&bad), -EINVAL);
    bad.duration_min = FEE_DURATION_MAX_MIN + 1;
    assert_int_equal(fee_service_check(&bad), -EINVAL);
    bad = (struct fee_service){.id = 0, .fee_cents = 100, .duration_min = 45};
    assert_int_equal(fee_service_check(&bad), -EINVAL);

    struct fee_terms t = {NULL, 0, {FEE_SCALE_PERCENT, 101, 0}};
    assert_int_equal(fee_for(&s90834, &t, &q), -EINVAL);
    t.scale.percent = -1;
    assert_int_equal(fee_for(&s90834, &t, &q), -EINVAL);
    t.scale = (struct fee_scale){FEE_SCALE_FIXED, 0, -1};
    assert_int_equal(fee_for(&s90834, &t, &q), -EINVAL);
    struct fee_override neg[] = {{3, -500}};
    t = (struct fee_terms){neg, 1, {FEE_SCALE_NONE, 0, 0}};
    assert_int_equal(fee_for(&s90834, &t, &q), -EINVAL);
    struct fee_override twice[] = {{3, 100}, {3, 200}};
    t = (struct fee_terms){twice, 2, {FEE_SCALE_NONE, 0, 0}};
    assert_int_equal(fee_for(&s90834, &t, &q), -EINVAL);
    struct fee_override all_twice[] = {{0, 100}, {0, 100}};
    t.overrides = all_twice;
    assert_int_equal(fee_terms_check(&t), -EINVAL);
    /* out untouched on refusal */
    assert_int_equal(q.fee_cents, 77);
    assert_int_equal(q.base_cents, 77);
}

/* the charges ---------------------------------------------------------------------------- */

static const struct fee_policy policy = {
    .late_cancel_window_hours = 24, .late_cancel_cents = 5000, .no_show_cents = 7500};

static struct fee_decision decide(struct fee_occurrence occ, enum attendance_status st,
                                  const struct fee_policy *p, int64_t fee, bool already)
{
    struct fee_decision d = {FEE_CHARGE_NONE, FEE_NONE_CHARGED, -1};
    assert_int_equal(fees_charge_for(&occ, st, p, fee, already, &d), 0);
    return d;
}

#define HELD ((struct fee_occurrence){START, FEE_NOT_CANCELLED, 0, true})
#define CLIENT_CANCELLED(at) ((struct fee_occurrence){START, FEE_CANCELLED_BY_CLIENT, (at), false})

static void session_fee_when_they_came(void **state)
{
    (void)state;
    enum attendance_status came[] = {ATTENDANCE_ATTENDED, ATTENDANCE_LATE, ATTENDANCE_LEFT_EARLY};
    for (size_t i = 0; i < 3; i++) {
        struct fee_decision d = decide(HELD, came[i], &policy, 9000, false);
        assert_int_equal(d.charge, FEE_CHARGE_SESSION);
        assert_int_equal(d.amount_cents, 9000);
        assert_string_equal(fee_charge_name(d.charge), "session");
    }
    /* a session at 0 (sliding scale 0 %) is still a charge: the service was given */
    struct fee_decision d = decide(HELD, ATTENDANCE_ATTENDED, &policy, 0, false);
    assert_int_equal(d.charge, FEE_CHARGE_SESSION);
    assert_int_equal(d.amount_cents, 0);
    /* not ended yet: nothing yet, whatever the status so far */
    struct fee_occurrence live = {START, FEE_NOT_CANCELLED, 0, false};
    d = decide(live, ATTENDANCE_ATTENDED, &policy, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    assert_int_equal(d.none, FEE_NONE_NOT_ENDED);
    assert_int_equal(d.amount_cents, 0);
    d = decide(live, ATTENDANCE_NO_SHOW, &policy, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    assert_int_equal(d.none, FEE_NONE_NOT_ENDED);
}

static void no_show_fee(void **state)
{
    (void)state;
    struct fee_decision d = decide(HELD, ATTENDANCE_NO_SHOW, &policy, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NO_SHOW);
    assert_int_equal(d.amount_cents, 7500);
    struct fee_policy free_ = policy;
    free_.no_show_cents = 0;
    d = decide(HELD, ATTENDANCE_NO_SHOW, &free_, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    assert_int_equal(d.none, FEE_NONE_NO_POLICY_FEE);
    assert_int_equal(d.amount_cents, 0);
}

static void late_cancel_at_the_window_edge(void **state)
{
    (void)state;
    int64_t edge = START - 24 * HOUR;
    /* exactly 24 hours before: in time */
    struct fee_decision d =
        decide(CLIENT_CANCELLED(edge), ATTENDANCE_NO_SHOW, &policy, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    assert_int_equal(d.none, FEE_NONE_CANCELLED_IN_TIME);
    /* a millisecond sooner: in time */
    d = decide(CLIENT_CANCELLED(edge - 1), ATTENDANCE_NO_SHOW, &policy, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    assert_int_equal(d.none, FEE_NONE_CANCELLED_IN_TIME);
    /* a millisecond later: late */
    d = decide(CLIENT_CANCELLED(edge + 1), ATTENDANCE_NO_SHOW, &policy, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_LATE_CANCEL);
    assert_int_equal(d.amount_cents, 5000);
    assert_string_equal(fee_charge_name(d.charge), "late_cancel");
    /* after the start, and after it ended: still a late cancellation, never the session fee */
    struct fee_occurrence after = {START, FEE_CANCELLED_BY_CLIENT, START + HOUR, true};
    d = decide(after, ATTENDANCE_ATTENDED, &policy, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_LATE_CANCEL);
    assert_int_equal(d.amount_cents, 5000);
    /* fee 0: nothing */
    struct fee_policy free_ = policy;
    free_.late_cancel_cents = 0;
    d = decide(CLIENT_CANCELLED(edge + 1), ATTENDANCE_NO_SHOW, &free_, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    assert_int_equal(d.none, FEE_NONE_NO_POLICY_FEE);
    /* window 0: no cancellation is late, even one after the start */
    struct fee_policy no_window = policy;
    no_window.late_cancel_window_hours = 0;
    d = decide(CLIENT_CANCELLED(START + 1), ATTENDANCE_NO_SHOW, &no_window, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    assert_int_equal(d.none, FEE_NONE_CANCELLED_IN_TIME);
    /* a one-hour window, its edge */
    struct fee_policy hour = policy;
    hour.late_cancel_window_hours = 1;
    d = decide(CLIENT_CANCELLED(START - HOUR), ATTENDANCE_NO_SHOW, &hour, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    d = decide(CLIENT_CANCELLED(START - HOUR + 1), ATTENDANCE_NO_SHOW, &hour, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_LATE_CANCEL);
}

static void practice_cancelled_is_never_charged(void **state)
{
    (void)state;
    struct fee_occurrence occ = {START, FEE_CANCELLED_BY_PRACTICE, START - 1, true};
    struct fee_decision d = decide(occ, ATTENDANCE_NO_SHOW, &policy, 9000, false);
    assert_int_equal(d.charge, FEE_CHARGE_NONE);
    assert_int_equal(d.none, FEE_NONE_PRACTICE_CANCELLED);
    assert_int_equal(d.amount_cents, 0);
    occ.cancelled_at = START - 48 * HOUR;
    d = decide(occ, ATTENDANCE_ATTENDED, &policy, 9000, false);
    assert_int_equal(d.none, FEE_NONE_PRACTICE_CANCELLED);
}

static void never_charged_twice(void **state)
{
    (void)state;
    /* the meeting rejoined and the charge recomputed: already charged, nothing more */
    struct fee_decision d = decide(HELD, ATTENDANCE_ATTENDED, &policy, 9000, true);
    assert_int_equal(d.charge, FEE_CHARGE_ALREADY);
    assert_int_equal(d.amount_cents, 0);
    assert_string_equal(fee_charge_name(d.charge), "already");
    /* a no-show charged then waived, who turns up later: the waived charge stands alone */
    d = decide(HELD, ATTENDANCE_LATE, &policy, 9000, true);
    assert_int_equal(d.charge, FEE_CHARGE_ALREADY);
    d = decide(CLIENT_CANCELLED(START - HOUR), ATTENDANCE_NO_SHOW, &policy, 9000, true);
    assert_int_equal(d.charge, FEE_CHARGE_ALREADY);
    assert_int_equal(d.amount_cents, 0);
}

static void refused_charge_inputs(void **state)
{
    (void)state;
    struct fee_decision d = {FEE_CHARGE_SESSION, FEE_NONE_CHARGED, 42};
    struct fee_occurrence occ = HELD;
    struct fee_policy p = policy;
    p.no_show_cents = -1;
    assert_int_equal(fees_charge_for(&occ, ATTENDANCE_NO_SHOW, &p, 9000, false, &d), -EINVAL);
    p = policy;
    p.late_cancel_cents = -1;
    assert_int_equal(fee_policy_check(&p), -EINVAL);
    p = policy;
    p.late_cancel_window_hours = -1;
    assert_int_equal(fee_policy_check(&p), -EINVAL);
    p.late_cancel_window_hours = FEE_WINDOW_MAX_HOURS + 1;
    assert_int_equal(fee_policy_check(&p), -EINVAL);
    p.late_cancel_window_hours = FEE_WINDOW_MAX_HOURS;
    assert_int_equal(fee_policy_check(&p), 0);
    assert_int_equal(fees_charge_for(&occ, ATTENDANCE_ATTENDED, &policy, -1, false, &d), -EINVAL);
    assert_int_equal(d.amount_cents, 42);
    assert_int_equal(d.charge, FEE_CHARGE_SESSION);
}

static void money_parsed_and_formatted(void **state)
{
    (void)state;
    int64_t c = -1;
    assert_int_equal(money_parse("75", &c), 0);
    assert_int_equal(c, 7500);
    assert_int_equal(money_parse(" 75.5 ", &c), 0);
    assert_int_equal(c, 7550);
    assert_int_equal(money_parse("0.05", &c), 0);
    assert_int_equal(c, 5);
    assert_int_equal(money_parse("10000000.00", &c), 0);
    assert_int_equal(c, FEE_MAX_CENTS);
    c = 42;
    const char *refused[] = {"", " ", "1,000", "-5", "+5", "1.234", "1.", ".5", "5 0", "10000000.01",
                             "99999999999999999999", "5$", NULL};
    for (const char **r = refused; *r; r++)
        assert_int_equal(money_parse(*r, &c), -EINVAL);
    assert_int_equal(c, 42);
    assert_int_equal(money_parse(NULL, &c), -EINVAL);

    char out[MONEY_TEXT_MAX];
    money_format(123450, "USD", out);
    assert_string_equal(out, "$1,234.50");
    money_format(-500, "USD", out);
    assert_string_equal(out, "-$5.00");
    money_format(0, "GBP", out);
    assert_string_equal(out, "\u00a30.00");
    money_format(100000000, "EUR", out);
    assert_string_equal(out, "\u20ac1,000,000.00");
    money_format(99999, "CHF", out);
    assert_string_equal(out, "999.99 CHF");
    money_format(INT64_MIN, "CHF", out);
    assert_string_equal(out, "-92,233,720,368,547,758.08 CHF");
    money_plain(-123456, out);
    assert_string_equal(out, "-1234.56");
    money_plain(7, out);
    assert_string_equal(out, "0.07");
    assert_true(money_currency_valid("USD"));
    assert_false(money_currency_valid("usd"));
    assert_false(money_currency_valid("US"));
    assert_false(money_currency_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_and_overrides),
        cmocka_unit_test(sliding_scale_percent_rounds_half_up),
        cmocka_unit_test(sliding_scale_fixed_never_raises),
        cmocka_unit_test(refused_inputs),
        cmocka_unit_test(session_fee_when_they_came),
        cmocka_unit_test(no_show_fee),
        cmocka_unit_test(late_cancel_at_the_window_edge),
        cmocka_unit_test(practice_cancelled_is_never_charged),
        cmocka_unit_test(never_charged_twice),
        cmocka_unit_test(refused_charge_inputs),
        cmocka_unit_test(money_parsed_and_formatted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Billing's rules beside the fees and the ledger: the service a session is billed under by
 * rule (at the edges of each length), the NPI's check digit, the tax id's shape, the billing
 * settings' checks and amounts, and who is expected at an occurrence and how they came. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "practice/charging.h"
#include "practice/codes.h"

static void service_by_rule_at_the_edges(void **state)
{
    (void)state;
    assert_string_equal(cpt_by_rule(1, 30), "90853"); /* a group, whatever its length */
    assert_string_equal(cpt_by_rule(1, 90), "90853");
    assert_string_equal(cpt_by_rule(0, 1), "90832");
    assert_string_equal(cpt_by_rule(0, 30), "90832");
    assert_string_equal(cpt_by_rule(0, 37), "90832");
    assert_string_equal(cpt_by_rule(0, 38), "90834");
    assert_string_equal(cpt_by_rule(0, 45), "90834");
    assert_string_equal(cpt_by_rule(0, 52), "90834");
    assert_string_equal(cpt_by_rule(0, 53), "90837");
    assert_string_equal(cpt_by_rule(0, 60), "90837");
    assert_string_equal(cpt_by_rule(0, 240), "90837");
    /* every code the rule names is a seed service */
    assert_non_null(cpt_seed_lookup(cpt_by_rule(1, 60)));
    assert_non_null(cpt_seed_lookup(cpt_by_rule(0, 30)));
    assert_non_null(cpt_seed_lookup(cpt_by_rule(0, 45)));
    assert_non_null(cpt_seed_lookup(cpt_by_rule(0, 60)));
}

static void npi_check_digit(void **state)
{
    (void)state;
    assert_true(npi_valid("1234567893")); /* the standard's own example */
    assert_true(npi_valid("1245319599"));
    assert_false(npi_valid("1234567890")); /* wrong check digit */
    assert_false(npi_valid("1234567894"));
    assert_false(npi_valid("2234567893")); /* one digit changed */
    assert_false(npi_valid("123456789"));  /* nine digits */
    assert_false(npi_valid("12345678931"));
    assert_false(npi_valid("12345678a3"));
    assert_false(npi_valid(" 1234567893"));
    assert_false(npi_valid(""));
    assert_false(npi_valid(NULL));
    /* every check digit but one is wrong for the same first nine */
    int valid = 0;
    char npi[11] = "123456789X";
    for (char d = '0'; d <= '9'; d++) {
        npi[9] = d;
        valid += npi_valid(npi);
    }
    assert_int_equal(valid, 1);
}

static void tax_id_shape(void **state)
{
    (void)state;
    assert_true(charging_tax_id_valid("12-3456789"));
    assert_false(charging_tax_id_valid("123456789"));
    assert_false(charging_tax_id_valid("123-456789"));
    assert_false(charging_tax_id_valid("12-345678"));
    assert_false(charging_tax_id_valid("12-34567890"));
    assert_false(charging_tax_id_valid("1a-3456789"));
    assert_false(charging_tax_id_valid(""));
}

/* The settings' check with one key set: 0 or -1 (with a sentence naming the key). */
static int finish_with(const char *key, const char *value, struct config *out)
{
    config_defaults(out);
    struct buf err = {0};
    if (key)
        assert_int_equal(config_set_flag(out, key, value, NULL), 0);
    int rc = charging_config_finish(out, &err);
    if (rc < 0) {
        assert_non_null(key);
        assert_non_null(err.data);
        assert_non_null(strstr(err.data, key ? key : ""));
    }
    buf_free(&err);
    return rc;
}

static void billing_settings(void **state)
{
    (void)state;
    struct config c;
    assert_int_equal(finish_with(NULL, NULL, &c), 0); /* the defaults */
    assert_string_equal(c.billing_currency, "USD");
    assert_int_equal(c.late_cancel_hours, 24);
    assert_int_equal(c.late_cancel_cents, 0);
    assert_int_equal(c.no_show_cents, 0);
    struct fee_policy p = charging_policy(&c);
    assert_int_equal(fee_policy_check(&p), 0);
    assert_int_equal(finish_with("no_show_fee", "75.5", &c), 0);
    assert_int_equal(c.no_show_cents, 7550);
    assert_int_equal(finish_with("late_cancel_fee", "1234", &c), 0);
    assert_int_equal(c.late_cancel_cents, 123400);
    assert_int_equal(finish_with("late_cancel_fee", "-5", &c), -1);
    assert_int_equal(finish_with("no_show_fee", "1,000.00", &c), -1);
    assert_int_equal(finish_with("no_show_fee", "$75", &c), -1);
    assert_int_equal(finish_with("billing_currency", "EUR", &c), 0);
    assert_int_equal(finish_with("billing_currency", "eur", &c), -1);
    assert_int_equal(finish_with("billing_currency", "EURO", &c), -1);
    assert_int_equal(finish_with("practice_npi", "1234567893", &c), 0);
    assert_int_equal(finish_with("practice_npi", "1234567890", &c), -1);
    assert_int_equal(finish_with("practice_tax_id", "12-3456789", &c), 0);
    assert_int_equal(finish_with("practice_tax_id", "123456789", &c), -1);
    assert_int_equal(finish_with("pay_online_url", "https://pay.example.org/confide", &c), 0);
    assert_int_equal(finish_with("pay_online_url", "http://pay.example.org", &c), -1);
    assert_int_equal(finish_with("pay_online_url", "https://pay example.org", &c), -1);
    assert_int_equal(finish_with("pay_online_url", "https://", &c), -1);
    char address[400];
    memset(address, 'a', 300);
    address[300] = '\0';
    assert_int_equal(finish_with("practice_address", address, &c), 0);
    address[300] = 'a';
    address[301] = '\0';
    assert_int_equal(finish_with("practice_address", address, &c), -1);
    /* characters, not bytes: 300 two-byte letters are in */
    char wide[700] = "";
    for (int i = 0; i < 300; i++)
        strcat(wide, "\xc3\xa9");
    assert_int_equal(finish_with("practice_address", wide, &c), 0);
    /* the window's range is the table's */
    config_defaults(&c);
    assert_int_equal(config_set_flag(&c, "late_cancel_hours", "336", NULL), 0);
    assert_int_equal(config_set_flag(&c, "late_cancel_hours", "337", NULL), -1);
}

static void who_is_expected_and_how_they_came(void **state)
{
    (void)state;
    struct store_occurrence o = {.id = 7, .starts_at = 10000000, .ends_at = 13600000};
    struct store_membership before = {.group_id = 1, .client_id = 2, .added_at = 10000000};
    struct store_membership after = {.group_id = 1, .client_id = 3, .added_at = 10000001};
    assert_true(occurrence_expects_member(&o, &before)); /* in it when it began */
    assert_false(occurrence_expects_member(&o, &after));
    o.ended_at = 9000000; /* held (and ended) before its time: counted from then */
    assert_int_equal(occurrence_began(&o), 9000000);
    assert_false(occurrence_expects_member(&o, &before));
    o.ended_at = 0;
    assert_false(occurrence_over(&o, 13599999));
    assert_true(occurrence_over(&o, 13600000));
    o.ended_at = 12000000;
    assert_true(occurrence_over(&o, 12000000));
    o.ended_at = 0;
    struct store_attendance rec[] = {
        {.occurrence_id = 7, .client_id = 2, .event = "joined", .at = 10000000},
        {.occurrence_id = 7, .client_id = 2, .event = "admitted", .at = 10001000},
        {.occurrence_id = 8, .client_id = 3, .event = "joined", .at = 10000000},
        {.occurrence_id = 8, .client_id = 3, .event = "admitted", .at = 10000000},
    };
    struct attendance_record scratch[4];
    assert_int_equal(occurrence_status_of(&o, 2, rec, 4, scratch), ATTENDANCE_ATTENDED);
    /* another occurrence's records are not this one's */
    assert_int_equal(occurrence_status_of(&o, 3, rec, 4, scratch), ATTENDANCE_NO_SHOW);
}

static void fee_terms_from_what_is_stored(void **state)
{
    (void)state;
    struct arena a = {0};
    struct store_client_fee fees[] = {{1, 0, 12000, 0}, {1, 5, 9000, 0}};
    struct store_client_billing b = {.client_id = 1, .scale_kind = "percent", .scale_value = 50};
    struct fee_terms t;
    assert_int_equal(charging_terms(&a, fees, 2, &b, &t), 0);
    struct fee_service five = {.id = 5, .fee_cents = 20000, .duration_min = 45};
    struct fee_service six = {.id = 6, .fee_cents = 20000, .duration_min = 45};
    struct fee_quote q;
    assert_int_equal(fee_for(&five, &t, &q), 0);
    assert_int_equal(q.fee_cents, 4500); /* the client's own for the service, halved */
    assert_int_equal(fee_for(&six, &t, &q), 0);
    assert_int_equal(q.fee_cents, 6000); /* their own for all services, halved */
    b.scale_kind = "fixed";
    b.scale_value = 5000;
    assert_int_equal(charging_terms(&a, fees, 2, &b, &t), 0);
    assert_int_equal(fee_for(&five, &t, &q), 0);
    assert_int_equal(q.fee_cents, 5000);
    assert_int_equal(charging_terms(&a, NULL, 0, NULL, &t), 0);
    assert_int_equal(fee_for(&six, &t, &q), 0);
    assert_int_equal(q.fee_cents, 20000);
    b.scale_kind = "percent";
    b.scale_value = 101;
    assert_int_equal(charging_terms(&a, fees, 2, &b, &t), -EINVAL);
    struct store_client_fee twice[] = {{1, 0, 1, 0}, {1, 0, 2, 0}};
    assert_int_equal(charging_terms(&a, twice, 2, NULL, &t), -EINVAL);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(service_by_rule_at_the_edges),
        cmocka_unit_test(npi_check_digit),
        cmocka_unit_test(tax_id_shape),
        cmocka_unit_test(billing_settings),
        cmocka_unit_test(who_is_expected_and_how_they_came),
        cmocka_unit_test(fee_terms_from_what_is_stored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

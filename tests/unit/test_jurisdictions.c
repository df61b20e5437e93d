/* Jurisdictions: the 50 states and DC as "US-XX", the ISO 3166-1 countries, the lookup in
 * any case, the stored form, and what is not a jurisdiction. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "practice/jurisdictions.h"

static void the_tables(void **state)
{
    (void)state;
    size_t n;
    const struct jurisdiction *us = jurisdictions_us_states(&n);
    assert_int_equal(n, 51);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(us[i].key), 5);
        assert_memory_equal(us[i].key, "US-", 3);
        assert_true(jurisdiction_is_us_state(us[i].key));
        if (i > 0)
            assert_true(strcmp(us[i - 1].key, us[i].key) < 0);
    }
    const struct jurisdiction *c = jurisdictions_countries(&n);
    assert_int_equal(n, 249);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(c[i].key), 2);
        assert_true(c[i].key[0] >= 'A' && c[i].key[0] <= 'Z');
        assert_true(c[i].key[1] >= 'A' && c[i].key[1] <= 'Z');
        assert_false(jurisdiction_is_us_state(c[i].key));
        if (i > 0) /* in order, so no key twice */
            assert_true(strcmp(c[i - 1].key, c[i].key) < 0);
    }
}

static void lookup_by_key(void **state)
{
    (void)state;
    const struct jurisdiction *j = jurisdiction_find("US-CA");
    assert_non_null(j);
    assert_string_equal(j->name, "California");
    assert_string_equal(jurisdiction_find("us-ny")->name, "New York");
    assert_string_equal(jurisdiction_find("US-DC")->name, "District of Columbia");
    assert_string_equal(jurisdiction_find("US-WY")->name, "Wyoming");
    assert_string_equal(jurisdiction_find("gb")->name, "United Kingdom");
    assert_string_equal(jurisdiction_find("DE")->name, "Germany");
    assert_string_equal(jurisdiction_find("CA")->name, "Canada"); /* the country */
    assert_string_equal(jurisdiction_find("KR")->name, "South Korea");
    assert_string_equal(jurisdiction_find("CI")->name, "Côte d'Ivoire");
    assert_string_equal(jurisdiction_find("PR")->name, "Puerto Rico");
    assert_string_equal(jurisdiction_find("US")->name, "United States");
    assert_string_equal(jurisdiction_find("ZW")->name, "Zimbabwe");
    assert_string_equal(jurisdiction_find("AD")->name, "Andorra");

    assert_null(jurisdiction_find("UK"));    /* not the ISO code */
    assert_null(jurisdiction_find("US-PR")); /* a territory is listed as its country */
    assert_null(jurisdiction_find("US-XX"));
    assert_null(jurisdiction_find("XX"));
    assert_null(jurisdiction_find("G"));
    assert_null(jurisdiction_find("GBR"));
    assert_null(jurisdiction_find(""));
    assert_null(jurisdiction_find(NULL));
}

static void stored_form(void **state)
{
    (void)state;
    char out[JURISDICTION_KEY_MAX] = "kept";
    assert_int_equal(jurisdiction_normalise("us-tx", out), 0);
    assert_string_equal(out, "US-TX");
    assert_int_equal(jurisdiction_normalise("fr", out), 0);
    assert_string_equal(out, "FR");
    strcpy(out, "kept");
    assert_int_equal(jurisdiction_normalise("EU", out), -EINVAL);
    assert_string_equal(out, "kept");
    assert_int_equal(jurisdiction_normalise("US-", out), -EINVAL);
    assert_string_equal(out, "kept");

    assert_true(jurisdiction_is_us_state("US-DC"));
    assert_false(jurisdiction_is_us_state("US"));
    assert_false(jurisdiction_is_us_state("US-PR"));
    assert_false(jurisdiction_is_us_state("us-ca")); /* stored form only */
    assert_false(jurisdiction_is_us_state("US-ca"));
    assert_false(jurisdiction_is_us_state(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_tables),
        cmocka_unit_test(lookup_by_key),
        cmocka_unit_test(stored_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Diagnosis and service codes: the ICD-10-CM shape (valid and refused, normalised case and
 * dot), the built-in list by code and by words, the CPT shape and the seed services, and
 * the place of service and modifier from where the client said they were. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "practice/codes.h"

static void expect_code(const char *text, const char *want)
{
    char out[ICD10_CODE_MAX];
    assert_int_equal(icd10_normalise(text, out), 0);
    assert_string_equal(out, want);
}

static void expect_refused(const char *text)
{
    char out[ICD10_CODE_MAX] = "kept";
    assert_int_equal(icd10_normalise(text, out), -EINVAL);
    assert_string_equal(out, "kept"); /* untouched */
}

static void icd10_valid_shapes(void **state)
{
    (void)state;
    expect_code("F32", "F32");     /* a category alone */
    expect_code("F32.9", "F32.9"); /* one after the dot */
    expect_code("F43.10", "F43.10");
    expect_code("f4310", "F43.10"); /* case and the dot */
    expect_code("f43.10", "F43.10");
    expect_code("F329", "F32.9");
    expect_code("f32.a", "F32.A");       /* a letter after the dot */
    expect_code("T74.11XA", "T74.11XA"); /* four after the dot, the longest */
    expect_code("t7411xa", "T74.11XA");
    expect_code("Z63.0", "Z63.0");
    expect_code("C4A.0", "C4A.0");     /* the third character a letter */
    expect_code("  F41.1\t", "F41.1"); /* blanks around are dropped */
}

static void icd10_refused_shapes(void **state)
{
    (void)state;
    expect_refused(NULL);
    expect_refused("");
    expect_refused("   ");
    expect_refused("F3");        /* too short */
    expect_refused("F32.");      /* a dot with nothing after */
    expect_refused("F32.12345"); /* five after the dot */
    expect_refused("F3212345");  /* the same without the dot */
    expect_refused("3F2.1");     /* starts with a digit */
    expect_refused("FF2.1");     /* second is a letter */
    expect_refused("F3.21");     /* the dot in the wrong place */
    expect_refused(".F321");
    expect_refused("F32..1"); /* two dots */
    expect_refused("F32.1.0");
    expect_refused("F32 .1"); /* inner blank */
    expect_refused("F32-1");  /* other punctuation */
    expect_refused("F32.é");  /* not ASCII */
}

static void icd10_built_in_list(void **state)
{
    (void)state;
    size_t n;
    const struct icd10_entry *list = icd10_common(&n);
    assert_int_equal(n, 42);
    for (size_t i = 0; i < n; i++) {
        char out[ICD10_CODE_MAX];
        /* each code is in its stored form, in code order, with a title */
        assert_int_equal(icd10_normalise(list[i].code, out), 0);
        assert_string_equal(out, list[i].code);
        assert_true(strlen(list[i].title) > 0);
        if (i > 0)
            assert_true(strcmp(list[i - 1].code, list[i].code) < 0);
    }
    const struct icd10_entry *e = icd10_lookup("f4310");
    assert_non_null(e);
    assert_string_equal(e->code, "F43.10");
    assert_string_equal(e->title, "Post-traumatic stress disorder, unspecified");
    e = icd10_lookup("F41.1");
    assert_non_null(e);
    assert_string_equal(e->title, "Generalized anxiety disorder");
    e = icd10_lookup("z630");
    assert_non_null(e);
    assert_string_equal(e->title, "Problems in relationship with spouse or partner");
    assert_non_null(icd10_lookup("F32.0"));
    assert_non_null(icd10_lookup("F90.0"));
    assert_null(icd10_lookup("F43.1"));   /* a category, not on the list */
    assert_null(icd10_lookup("J45.909")); /* well shaped, not a mental-health code */
    assert_null(icd10_lookup("F4"));      /* not a code at all */
}

static void icd10_search_by_words(void **state)
{
    (void)state;
    const struct icd10_entry *found[64];
    /* case-insensitive, every word must match */
    size_t n = icd10_search("ADJUSTMENT", found, 64);
    assert_int_equal(n, 6);
    assert_string_equal(found[0]->code, "F43.20");
    assert_string_equal(found[5]->code, "F43.25");
    n = icd10_search("recurrent  remission", found, 64);
    assert_int_equal(n, 3);
    assert_string_equal(found[0]->code, "F33.40");
    assert_string_equal(found[1]->code, "F33.41");
    assert_string_equal(found[2]->code, "F33.42");
    /* a code's beginning finds its family */
    n = icd10_search("f43.1", found, 64);
    assert_int_equal(n, 3);
    assert_string_equal(found[0]->code, "F43.10");
    /* part of a word */
    n = icd10_search("generaliz", found, 64);
    assert_int_equal(n, 1);
    assert_string_equal(found[0]->code, "F41.1");
    /* nothing */
    assert_int_equal(icd10_search("migraine", found, 64), 0);
    /* more than fit: the count is all, the array holds the first */
    size_t all;
    icd10_common(&all);
    found[2] = NULL;
    assert_int_equal(icd10_search("", found, 2), all);
    assert_string_equal(found[0]->code, "F10.20");
    assert_null(found[2]);
    assert_int_equal(icd10_search(NULL, NULL, 0), all);
}

static void cpt_shape_and_seed(void **state)
{
    (void)state;
    assert_true(cpt_valid("90834"));
    assert_true(cpt_valid("00100"));
    assert_false(cpt_valid("9083"));
    assert_false(cpt_valid("908345"));
    assert_false(cpt_valid("0001T"));
    assert_false(cpt_valid(" 90834"));
    assert_false(cpt_valid(""));
    assert_false(cpt_valid(NULL));

    size_t n;
    const struct cpt_service *s = cpt_seed_services(&n);
    assert_int_equal(n, 7);
    static const struct {
        const char *code;
        int minutes;
    } want[] = {{"90791", 60}, {"90832", 30}, {"90834", 45}, {"90837", 60},
                {"90846", 50}, {"90847", 50}, {"90853", 60}};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(s[i].code, want[i].code);
        assert_int_equal(s[i].minutes, want[i].minutes);
        assert_true(cpt_valid(s[i].code));
    }
    const struct cpt_service *f = cpt_seed_lookup("90846");
    assert_non_null(f);
    assert_non_null(strstr(f->description, "without the patient"));
    f = cpt_seed_lookup("90847");
    assert_non_null(strstr(f->description, "with the patient"));
    assert_non_null(strstr(cpt_seed_lookup("90791")->description, "diagnostic evaluation"));
    assert_non_null(strstr(cpt_seed_lookup("90853")->description, "Group"));
    assert_null(cpt_seed_lookup("90838"));
    assert_null(cpt_seed_lookup("9083"));
}

static void place_of_service_from_where_the_client_was(void **state)
{
    (void)state;
    struct telehealth_coding c = telehealth_coding(CLIENT_AT_HOME);
    assert_string_equal(c.place_of_service, "10");
    assert_string_equal(c.modifier, "95");
    c = telehealth_coding(CLIENT_NOT_AT_HOME);
    assert_string_equal(c.place_of_service, "02");
    assert_string_equal(c.modifier, "95");
    /* did not say: the code that claims no home */
    c = telehealth_coding(CLIENT_LOCATION_UNKNOWN);
    assert_string_equal(c.place_of_service, "02");
    assert_string_equal(c.modifier, "95");

    assert_string_equal(client_location_name(CLIENT_AT_HOME), "home");
    assert_string_equal(client_location_name(CLIENT_NOT_AT_HOME), "not_home");
    assert_string_equal(client_location_name(CLIENT_LOCATION_UNKNOWN), "unknown");
    assert_int_equal(client_location_parse("home"), CLIENT_AT_HOME);
    assert_int_equal(client_location_parse("not_home"), CLIENT_NOT_AT_HOME);
    assert_int_equal(client_location_parse("unknown"), CLIENT_LOCATION_UNKNOWN);
    assert_int_equal(client_location_parse("Home"), -1);
    assert_int_equal(client_location_parse(""), -1);
    assert_int_equal(client_location_parse(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(icd10_valid_shapes),
        cmocka_unit_test(icd10_refused_shapes),
        cmocka_unit_test(icd10_built_in_list),
        cmocka_unit_test(icd10_search_by_words),
        cmocka_unit_test(cpt_shape_and_seed),
        cmocka_unit_test(place_of_service_from_where_the_client_was),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The check-in questionnaires' scoring: every band's edges for PHQ-9 and GAD-7, the item-9
 * risk whatever the total, mood, and answers that do not fit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "practice/measures.h"

/* Answers to kind adding up to total, spread over the items from the first (item 9 of
 * PHQ-9, the last, stays 0 unless the total needs every item). */
static void answers_for(enum measure_kind kind, int total, int *answers)
{
    size_t n = measure_items(kind);
    int max = measure_item_max(kind);
    memset(answers, 0, n * sizeof *answers);
    for (size_t i = 0; i < n && total > 0; i++) {
        answers[i] = total < max ? total : max;
        total -= answers[i];
    }
    assert_int_equal(total, 0);
}

static void expect_band(enum measure_kind kind, int total, const char *band)
{
    int answers[MEASURES_MAX_ITEMS];
    answers_for(kind, total, answers);
    struct measure_result r;
    assert_int_equal(measure_score(kind, answers, measure_items(kind), &r), 0);
    assert_int_equal(r.total, total);
    assert_string_equal(r.band, band);
}

static void phq9_bands_at_every_edge(void **state)
{
    (void)state;
    static const struct {
        int total;
        const char *band;
    } edges[] = {{0, "minimal"},
                 {4, "minimal"},
                 {5, "mild"},
                 {9, "mild"},
                 {10, "moderate"},
                 {14, "moderate"},
                 {15, "moderately severe"},
                 {19, "moderately severe"},
                 {20, "severe"},
                 {27, "severe"}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        expect_band(MEASURE_PHQ9, edges[i].total, edges[i].band);
}

static void gad7_bands_at_every_edge(void **state)
{
    (void)state;
    static const struct {
        int total;
        const char *band;
    } edges[] = {{0, "minimal"},   {4, "minimal"},   {5, "mild"},    {9, "mild"},
                 {10, "moderate"}, {14, "moderate"}, {15, "severe"}, {21, "severe"}};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        expect_band(MEASURE_GAD7, edges[i].total, edges[i].band);
}

static void phq9_item_9_is_a_risk_whatever_the_total(void **state)
{
    (void)state;
    struct measure_result r;
    int lone[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1}; /* minimal, yet a risk */
    assert_int_equal(measure_score(MEASURE_PHQ9, lone, 9, &r), 0);
    assert_int_equal(r.total, 1);
    assert_string_equal(r.band, "minimal");
    assert_true(r.risk);
    int heavy[9] = {3, 3, 3, 3, 3, 3, 3, 3, 0}; /* severe, no answer to item 9 */
    assert_int_equal(measure_score(MEASURE_PHQ9, heavy, 9, &r), 0);
    assert_int_equal(r.total, 24);
    assert_string_equal(r.band, "severe");
    assert_false(r.risk);
    for (int a = 1; a <= 3; a++) {
        lone[8] = a;
        assert_int_equal(measure_score(MEASURE_PHQ9, lone, 9, &r), 0);
        assert_true(r.risk);
    }
    /* GAD-7 has no such item: its last answer is no risk */
    int gad[7] = {0, 0, 0, 0, 0, 0, 3};
    assert_int_equal(measure_score(MEASURE_GAD7, gad, 7, &r), 0);
    assert_false(r.risk);
}

static void mood_is_one_answer_from_0_to_10_without_bands(void **state)
{
    (void)state;
    struct measure_result r;
    for (int m = 0; m <= 10; m++) {
        assert_int_equal(measure_score(MEASURE_MOOD, &m, 1, &r), 0);
        assert_int_equal(r.total, m);
        assert_null(r.band);
        assert_false(r.risk);
    }
}

static void answers_that_do_not_fit_are_refused(void **state)
{
    (void)state;
    struct measure_result r = {.total = -7};
    int phq[9] = {0};
    assert_int_equal(measure_score(MEASURE_PHQ9, phq, 8, &r), -EINVAL); /* too few */
    assert_int_equal(measure_score(MEASURE_GAD7, phq, 9, &r), -EINVAL); /* too many */
    assert_int_equal(measure_score(MEASURE_PHQ9, NULL, 9, &r), -EINVAL);
    phq[3] = 4;
    assert_int_equal(measure_score(MEASURE_PHQ9, phq, 9, &r), -EINVAL);
    phq[3] = -1;
    assert_int_equal(measure_score(MEASURE_PHQ9, phq, 9, &r), -EINVAL);
    int mood = 11;
    assert_int_equal(measure_score(MEASURE_MOOD, &mood, 1, &r), -EINVAL);
    assert_int_equal(r.total, -7); /* untouched */
}

static void names_go_both_ways(void **state)
{
    (void)state;
    for (int k = 0; k < MEASURE_KINDS; k++)
        assert_int_equal(measure_from_name(measure_name((enum measure_kind)k)), k);
    assert_int_equal(measure_from_name("phq-9"), -1);
    assert_int_equal(measure_from_name(NULL), -1);
    assert_non_null(strstr(MEASURES_NOTICE, "No permission required"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phq9_bands_at_every_edge),
        cmocka_unit_test(gad7_bands_at_every_edge),
        cmocka_unit_test(phq9_item_9_is_a_risk_whatever_the_total),
        cmocka_unit_test(mood_is_one_answer_from_0_to_10_without_bands),
        cmocka_unit_test(answers_that_do_not_fit_are_refused),
        cmocka_unit_test(names_go_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Private notes' rules: the templates and their sections, the length and character limits,
 * and draft → signed: a signed note refuses an edit and takes an addendum. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "practice/notes.h"

static void templates_have_their_sections(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *keys[NOTE_MAX_SECTIONS + 1];
        const char *labels[NOTE_MAX_SECTIONS + 1];
    } want[] = {
        {"soap",
         {"subjective", "objective", "assessment", "plan", NULL},
         {"Subjective", "Objective", "Assessment", "Plan", NULL}},
        {"dap", {"data", "assessment", "plan", NULL}, {"Data", "Assessment", "Plan", NULL}},
        {"free", {"body", NULL}, {"Note", NULL}},
    };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        int t = note_template_from_name(want[w].name);
        assert_true(t >= 0);
        assert_string_equal(note_template_name((enum note_template)t), want[w].name);
        size_t n;
        const struct note_section *s = note_template_sections((enum note_template)t, &n);
        size_t k = 0;
        for (; want[w].keys[k]; k++) {
            assert_true(k < n);
            assert_string_equal(s[k].key, want[w].keys[k]);
            assert_string_equal(s[k].label, want[w].labels[k]);
            assert_int_equal(note_section_index((enum note_template)t, want[w].keys[k]), (int)k);
        }
        assert_int_equal(n, k);
    }
    /* a section of another template is not one of this one's */
    assert_int_equal(note_section_index(NOTE_DAP, "subjective"), -1);
    assert_int_equal(note_section_index(NOTE_SOAP, "data"), -1);
    assert_int_equal(note_section_index(NOTE_FREE, "plan"), -1);
    assert_int_equal(note_section_index(NOTE_SOAP, NULL), -1);
    assert_int_equal(note_template_from_name("SOAP"), -1);
    assert_int_equal(note_template_from_name("birp"), -1);
    assert_int_equal(note_template_from_name(""), -1);
    assert_int_equal(note_template_from_name(NULL), -1);
}

static void text_limits_count_characters(void **state)
{
    (void)state;
    char *text = malloc(3 * NOTE_SECTION_MAX + 2);
    assert_non_null(text);
    /* exactly the limit in characters, though three times as many bytes */
    for (size_t i = 0; i < NOTE_SECTION_MAX; i++)
        memcpy(text + 3 * i, "\xe2\x82\xac", 3); /* € */
    size_t len = 3 * NOTE_SECTION_MAX;
    text[len] = '\0';
    assert_int_equal(note_text_check(text, len, NOTE_SECTION_MAX), 0);
    memcpy(text + len, "x", 2);
    assert_int_equal(note_text_check(text, len + 1, NOTE_SECTION_MAX), -E2BIG);
    text[len] = '\0';
    assert_int_equal(note_text_check(text, len, NOTE_ADDENDUM_MAX), -E2BIG);
    free(text);

    const char ok[] = "Slept better.\n\tMood: \"brighter\"\r\n";
    assert_int_equal(note_text_check(ok, strlen(ok), NOTE_SECTION_MAX), 0);
    assert_int_equal(note_text_check("", 0, NOTE_SECTION_MAX), 0);
    const char bell[] = "ring\a";
    assert_int_equal(note_text_check(bell, strlen(bell), NOTE_SECTION_MAX), -EINVAL);
    const char del[] = "x\x7f";
    assert_int_equal(note_text_check(del, strlen(del), NOTE_SECTION_MAX), -EINVAL);
    const char bad_utf8[] = "caf\xc3";
    assert_int_equal(note_text_check(bad_utf8, strlen(bad_utf8), NOTE_SECTION_MAX), -EINVAL);
    /* a NUL inside: the length says more than the string holds */
    assert_int_equal(note_text_check("ab\0cd", 5, NOTE_SECTION_MAX), -EINVAL);
    assert_int_equal(note_text_check(NULL, 0, NOTE_SECTION_MAX), -EINVAL);
}

static void a_draft_changes_only_at_the_version_seen(void **state)
{
    (void)state;
    struct note_state s = {.version = 1};
    assert_int_equal(note_may_edit(&s, 1), NOTE_OK);
    note_after_edit(&s);
    assert_int_equal(s.version, 2);
    /* a second window still at version 1 */
    assert_int_equal(note_may_edit(&s, 1), NOTE_CONFLICT);
    assert_int_equal(note_may_edit(&s, 3), NOTE_CONFLICT);
    assert_int_equal(note_may_edit(&s, 2), NOTE_OK);
    /* no addendum to a draft: it is simply edited */
    assert_int_equal(note_may_add_addendum(&s), NOTE_DRAFT);
}

static void an_empty_note_is_not_signed(void **state)
{
    (void)state;
    struct note_state s = {.version = 4, .nonempty = 0};
    assert_int_equal(note_may_sign(&s, 4), NOTE_EMPTY);
    s.nonempty = 1;
    assert_int_equal(note_may_sign(&s, 3), NOTE_CONFLICT);
    assert_int_equal(note_may_sign(&s, 4), NOTE_OK);
}

static void a_signed_note_refuses_an_edit_and_accepts_an_addendum(void **state)
{
    (void)state;
    struct note_state s = {.version = 3, .nonempty = 1};
    assert_int_equal(note_may_sign(&s, 3), NOTE_OK);
    note_after_sign(&s, 1800000000000LL);
    assert_int_equal(s.version, 4);
    assert_true(s.signed_at == 1800000000000LL);
    /* at the version it now has, or any other: locked */
    assert_int_equal(note_may_edit(&s, 4), NOTE_LOCKED);
    assert_int_equal(note_may_edit(&s, 3), NOTE_LOCKED);
    assert_int_equal(note_may_sign(&s, 4), NOTE_LOCKED);
    assert_int_equal(note_may_add_addendum(&s), NOTE_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(templates_have_their_sections),
        cmocka_unit_test(text_limits_count_characters),
        cmocka_unit_test(a_draft_changes_only_at_the_version_seen),
        cmocka_unit_test(an_empty_note_is_not_signed),
        cmocka_unit_test(a_signed_note_refuses_an_edit_and_accepts_an_addendum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

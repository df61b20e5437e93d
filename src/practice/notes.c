/* notes: templates, limits and the draft → signed rules of private notes (notes.h). */
#include "practice/notes.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "core/utf8.h"

static const struct note_section soap[] = {{"subjective", "Subjective"},
                                           {"objective", "Objective"},
                                           {"assessment", "Assessment"},
                                           {"plan", "Plan"}};
static const struct note_section dap[] = {
    {"data", "Data"}, {"assessment", "Assessment"}, {"plan", "Plan"}};
static const struct note_section free_text[] = {{"body", "Note"}};

static const struct {
    const char *name;
    const struct note_section *sections;
    size_t n;
} templates[NOTE_TEMPLATES] = {
    [NOTE_SOAP] = {"soap", soap, sizeof soap / sizeof soap[0]},
    [NOTE_DAP] = {"dap", dap, sizeof dap / sizeof dap[0]},
    [NOTE_FREE] = {"free", free_text, sizeof free_text / sizeof free_text[0]},
};

const char *note_template_name(enum note_template t)
{
    assert(t >= 0 && t < NOTE_TEMPLATES);
    return templates[t].name;
}

int note_template_from_name(const char *name)
{
    for (int t = 0; name && t < NOTE_TEMPLATES; t++)
        if (strcmp(templates[t].name, name) == 0)
            return t;
    return -1;
}

const struct note_section *note_template_sections(enum note_template t, size_t *n)
{
    assert(t >= 0 && t < NOTE_TEMPLATES);
    assert(templates[t].n <= NOTE_MAX_SECTIONS);
    *n = templates[t].n;
    return templates[t].sections;
}

int note_section_index(enum note_template t, const char *key)
{
    size_t n;
    const struct note_section *s = note_template_sections(t, &n);
    for (size_t i = 0; key && i < n; i++)
        if (strcmp(s[i].key, key) == 0)
            return (int)i;
    return -1;
}

int note_text_check(const char *text, size_t len, size_t max)
{
    /* a NUL inside would cut the text short wherever it is read as a C string */
    if (!text || strlen(text) != len || !utf8_valid(text))
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
            return -EINVAL;
    }
    return utf8_length(text, len) <= max ? 0 : -E2BIG;
}

enum note_verdict note_may_edit(const struct note_state *s, int64_t seen_version)
{
    assert(s->version >= 1);
    if (s->signed_at)
        return NOTE_LOCKED;
    return seen_version == s->version ? NOTE_OK : NOTE_CONFLICT;
}

enum note_verdict note_may_sign(const struct note_state *s, int64_t seen_version)
{
    enum note_verdict v = note_may_edit(s, seen_version);
    if (v != NOTE_OK)
        return v;
    return s->nonempty ? NOTE_OK : NOTE_EMPTY;
}

enum note_verdict note_may_add_addendum(const struct note_state *s)
{
    return s->signed_at ? NOTE_OK : NOTE_DRAFT;
}

void note_after_edit(struct note_state *s)
{
    assert(!s->signed_at);
    s->version++;
}

void note_after_sign(struct note_state *s, int64_t now)
{
    assert(!s->signed_at && now != 0);
    s->version++;
    s->signed_at = now;
}

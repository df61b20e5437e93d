/* codes: diagnosis and service codes, and the telehealth place of service (codes.h). */
#include "practice/codes.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Common mental-health codes with their ICD-10-CM titles, in code order (the picker shows
 * them so; icd10_lookup relies on nothing but equality). */
static const struct icd10_entry common[] = {
    {"F10.20", "Alcohol dependence, uncomplicated"},
    {"F31.0", "Bipolar disorder, current episode hypomanic"},
    {"F31.81", "Bipolar II disorder"},
    {"F31.9", "Bipolar disorder, unspecified"},
    {"F32.0", "Major depressive disorder, single episode, mild"},
    {"F32.1", "Major depressive disorder, single episode, moderate"},
    {"F32.2", "Major depressive disorder, single episode, severe without psychotic features"},
    {"F32.3", "Major depressive disorder, single episode, severe with psychotic features"},
    {"F32.4", "Major depressive disorder, single episode, in partial remission"},
    {"F32.5", "Major depressive disorder, single episode, in full remission"},
    {"F32.9", "Major depressive disorder, single episode, unspecified"},
    {"F32.A", "Depression, unspecified"},
    {"F33.0", "Major depressive disorder, recurrent, mild"},
    {"F33.1", "Major depressive disorder, recurrent, moderate"},
    {"F33.2", "Major depressive disorder, recurrent severe without psychotic features"},
    {"F33.3", "Major depressive disorder, recurrent, severe with psychotic symptoms"},
    {"F33.40", "Major depressive disorder, recurrent, in remission, unspecified"},
    {"F33.41", "Major depressive disorder, recurrent, in partial remission"},
    {"F33.42", "Major depressive disorder, recurrent, in full remission"},
    {"F33.9", "Major depressive disorder, recurrent, unspecified"},
    {"F34.1", "Dysthymic disorder"},
    {"F40.10", "Social phobia, unspecified"},
    {"F41.0", "Panic disorder [episodic paroxysmal anxiety]"},
    {"F41.1", "Generalized anxiety disorder"},
    {"F41.9", "Anxiety disorder, unspecified"},
    {"F42.2", "Mixed obsessional thoughts and acts"},
    {"F43.0", "Acute stress reaction"},
    {"F43.10", "Post-traumatic stress disorder, unspecified"},
    {"F43.11", "Post-traumatic stress disorder, acute"},
    {"F43.12", "Post-traumatic stress disorder, chronic"},
    {"F43.20", "Adjustment disorder, unspecified"},
    {"F43.21", "Adjustment disorder with depressed mood"},
    {"F43.22", "Adjustment disorder with anxiety"},
    {"F43.23", "Adjustment disorder with mixed anxiety and depressed mood"},
    {"F43.24", "Adjustment disorder with disturbance of conduct"},
    {"F43.25", "Adjustment disorder with mixed disturbance of emotions and conduct"},
    {"F50.00", "Anorexia nervosa, unspecified"},
    {"F50.9", "Eating disorder, unspecified"},
    {"F60.3", "Borderline personality disorder"},
    {"F90.0", "Attention-deficit hyperactivity disorder, predominantly inattentive type"},
    {"F90.2", "Attention-deficit hyperactivity disorder, combined type"},
    {"Z63.0", "Problems in relationship with spouse or partner"},
};

/* Durations are the time with the client the code stands for (90832/90834/90837 are
 * reported by time; intake, family and group by the usual length of the session). */
static const struct cpt_service seed[] = {
    {"90791", "Psychiatric diagnostic evaluation (intake)", 60},
    {"90832", "Psychotherapy, 30 minutes with patient", 30},
    {"90834", "Psychotherapy, 45 minutes with patient", 45},
    {"90837", "Psychotherapy, 60 minutes with patient", 60},
    {"90846", "Family psychotherapy without the patient present, 50 minutes", 50},
    {"90847", "Family psychotherapy with the patient present, 50 minutes", 50},
    {"90853", "Group psychotherapy", 60},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int icd10_normalise(const char *text, char out[ICD10_CODE_MAX])
{
    if (!text)
        return -EINVAL;
    size_t b = 0, e = strlen(text);
    while (b < e && is_blank(text[b]))
        b++;
    while (e > b && is_blank(text[e - 1]))
        e--;
    /* the code without its dot: the category's three, then up to four more */
    char core[7];
    size_t n = 0;
    bool dotted = false;
    for (size_t i = b; i < e; i++) {
        char c = text[i];
        if (c == '.') {
            if (dotted || i - b != 3) /* one dot, right after the category */
                return -EINVAL;
            dotted = true;
            continue;
        }
        if (!is_digit(c) && !is_letter(c))
            return -EINVAL;
        if (n == sizeof core)
            return -EINVAL;
        core[n++] = upper(c);
    }
    if (n < 3 || (dotted && n == 3))
        return -EINVAL;
    if (!is_letter(core[0]) || !is_digit(core[1]))
        return -EINVAL;
    memcpy(out, core, 3);
    size_t o = 3;
    if (n > 3) {
        out[o++] = '.';
        memcpy(out + o, core + 3, n - 3);
        o += n - 3;
    }
    assert(o < ICD10_CODE_MAX);
    out[o] = '\0';
    return 0;
}

const struct icd10_entry *icd10_common(size_t *n)
{
    *n = COUNT(common);
    return common;
}

const struct icd10_entry *icd10_lookup(const char *code)
{
    char norm[ICD10_CODE_MAX];
    if (icd10_normalise(code, norm) != 0)
        return NULL;
    for (size_t i = 0; i < COUNT(common); i++)
        if (strcmp(common[i].code, norm) == 0)
            return &common[i];
    return NULL;
}

/* Whether hay contains needle[0..n) ignoring ASCII case. */
static bool contains(const char *hay, const char *needle, size_t n)
{
    for (; *hay; hay++) {
        size_t k = 0;
        while (k < n && hay[k] && upper(hay[k]) == upper(needle[k]))
            k++;
        if (k == n)
            return true;
    }
    return n == 0;
}

static bool matches(const struct icd10_entry *entry, const char *query)
{
    const char *p = query;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            return true;
        size_t n = strcspn(p, " ");
        if (!contains(entry->code, p, n) && !contains(entry->title, p, n))
            return false;
        p += n;
    }
}

size_t icd10_search(const char *query, const struct icd10_entry **out, size_t max)
{
    size_t found = 0;
    for (size_t i = 0; i < COUNT(common); i++) {
        if (!matches(&common[i], query ? query : ""))
            continue;
        if (found < max)
            out[found] = &common[i];
        found++;
    }
    return found;
}

int cpt_valid(const char *text)
{
    if (!text)
        return 0;
    for (size_t i = 0; i < CPT_CODE_LEN; i++)
        if (!is_digit(text[i]))
            return 0;
    return text[CPT_CODE_LEN] == '\0';
}

const struct cpt_service *cpt_seed_services(size_t *n)
{
    *n = COUNT(seed);
    return seed;
}

const struct cpt_service *cpt_seed_lookup(const char *code)
{
    if (!cpt_valid(code))
        return NULL;
    for (size_t i = 0; i < COUNT(seed); i++)
        if (strcmp(seed[i].code, code) == 0)
            return &seed[i];
    return NULL;
}

struct telehealth_coding telehealth_coding(enum client_location where)
{
    assert((unsigned)where <= CLIENT_LOCATION_UNKNOWN);
    struct telehealth_coding c = {.place_of_service = "02", .modifier = "95"};
    if (where == CLIENT_AT_HOME)
        c.place_of_service = "10";
    return c;
}

static const char *const location_names[] = {
    [CLIENT_AT_HOME] = "home",
    [CLIENT_NOT_AT_HOME] = "not_home",
    [CLIENT_LOCATION_UNKNOWN] = "unknown",
};

const char *client_location_name(enum client_location where)
{
    assert((unsigned)where <= CLIENT_LOCATION_UNKNOWN);
    return location_names[where];
}

int client_location_parse(const char *name)
{
    for (size_t i = 0; name && i < COUNT(location_names); i++)
        if (strcmp(name, location_names[i]) == 0)
            return (int)i;
    return -1;
}

const char *cpt_by_rule(int group, int minutes)
{
    if (group)
        return "90853";
    if (minutes <= 37)
        return "90832";
    return minutes <= 52 ? "90834" : "90837";
}

int npi_valid(const char *text)
{
    if (!text)
        return 0;
    for (size_t i = 0; i < 10; i++)
        if (!is_digit(text[i]))
            return 0;
    if (text[10] != '\0')
        return 0;
    /* Luhn over "80840" and the first nine digits, doubling every other digit from the
     * right of that run (the check digit's place is the rightmost) */
    char digits[15];
    memcpy(digits, "80840", 5);
    memcpy(digits + 5, text, 9);
    int sum = 0;
    for (int i = 13, k = 0; i >= 0; i--, k++) {
        int d = digits[i] - '0';
        if (k % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    int check = (10 - sum % 10) % 10;
    return text[9] - '0' == check;
}

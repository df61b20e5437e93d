/* measures: see measures.h. */
#include "practice/measures.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

struct band {
    int from; /* the band holds totals from here up to the next band's from - 1 */
    const char *name;
};

static const struct band phq9_bands[] = {
    {0, "minimal"}, {5, "mild"}, {10, "moderate"}, {15, "moderately severe"}, {20, "severe"}};
static const struct band gad7_bands[] = {
    {0, "minimal"}, {5, "mild"}, {10, "moderate"}, {15, "severe"}};

static const struct {
    const char *name;
    size_t items;
    int item_max;
    const struct band *bands;
    size_t nbands;
} defs[MEASURE_KINDS] = {
    [MEASURE_PHQ9] = {"phq9", 9, 3, phq9_bands, sizeof phq9_bands / sizeof phq9_bands[0]},
    [MEASURE_GAD7] = {"gad7", 7, 3, gad7_bands, sizeof gad7_bands / sizeof gad7_bands[0]},
    [MEASURE_MOOD] = {"mood", 1, 10, NULL, 0},
};

/* PHQ-9's item 9, counted from 0 */
#define PHQ9_RISK_ITEM 8

const char *measure_name(enum measure_kind kind)
{
    assert(kind >= 0 && kind < MEASURE_KINDS);
    return defs[kind].name;
}

int measure_from_name(const char *name)
{
    for (int k = 0; name && k < MEASURE_KINDS; k++)
        if (strcmp(defs[k].name, name) == 0)
            return k;
    return -1;
}

size_t measure_items(enum measure_kind kind)
{
    assert(kind >= 0 && kind < MEASURE_KINDS);
    return defs[kind].items;
}

int measure_item_max(enum measure_kind kind)
{
    assert(kind >= 0 && kind < MEASURE_KINDS);
    return defs[kind].item_max;
}

int measure_score(enum measure_kind kind, const int *answers, size_t n, struct measure_result *out)
{
    assert(kind >= 0 && kind < MEASURE_KINDS);
    assert(defs[kind].items <= MEASURES_MAX_ITEMS);
    if (!answers || n != defs[kind].items)
        return -EINVAL;
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        if (answers[i] < 0 || answers[i] > defs[kind].item_max)
            return -EINVAL;
        total += answers[i];
    }
    const char *band = NULL;
    for (size_t b = 0; b < defs[kind].nbands; b++)
        if (total >= defs[kind].bands[b].from)
            band = defs[kind].bands[b].name;
    assert(defs[kind].nbands == 0 || band); /* every band table starts at 0 */
    *out = (struct measure_result){
        .total = total,
        .band = band,
        .risk = kind == MEASURE_PHQ9 && answers[PHQ9_RISK_ITEM] > 0,
    };
    return 0;
}

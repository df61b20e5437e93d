/* measures: the check-in questionnaires a client answers before a session, scored. Sans
 * I/O: answers in, a total, its severity band and the risk flag out.
 *
 *  - PHQ-9 (depression): nine items, each 0-3 ("not at all" .. "nearly every day"); total
 *    0-27 in bands minimal 0-4, mild 5-9, moderate 10-14, moderately severe 15-19, severe
 *    20-27. Any answer above 0 to item 9 (thoughts of being better off dead or of hurting
 *    oneself) is a risk the practitioner must see at once, whatever the total.
 *  - GAD-7 (anxiety): seven items, each 0-3; total 0-21 in bands minimal 0-4, mild 5-9,
 *    moderate 10-14, severe 15-21.
 *  - Mood: one answer 0-10 (and a word the page keeps); no bands.
 *
 * Both questionnaires carry "No permission required to reproduce, translate, display or
 * distribute" (MEASURES_NOTICE), shown wherever they are asked. */
#ifndef CONFIDE_PRACTICE_MEASURES_H
#define CONFIDE_PRACTICE_MEASURES_H
#include <stdbool.h>
#include <stddef.h>

#define MEASURES_NOTICE "No permission required to reproduce, translate, display or distribute."
#define MEASURES_MAX_ITEMS 9

enum measure_kind { MEASURE_PHQ9, MEASURE_GAD7, MEASURE_MOOD, MEASURE_KINDS };

struct measure_result {
    int total;
    const char
        *band; /* "minimal", "mild", "moderate", "moderately severe", "severe"; NULL for mood */
    bool risk; /* PHQ-9 item 9 above 0 */
};

/* "phq9", "gad7", "mood" */
const char *measure_name(enum measure_kind kind);
/* The kind a name stands for; -1 when it is none. */
int measure_from_name(const char *name);
/* How many answers the measure takes, and the largest answer to each. */
size_t measure_items(enum measure_kind kind);
int measure_item_max(enum measure_kind kind);

/* Scores answers[0..n). 0, or -EINVAL (out left untouched) when n is not the measure's item
 * count or an answer is outside 0..measure_item_max. */
int measure_score(enum measure_kind kind, const int *answers, size_t n, struct measure_result *out);

#endif

/* licence_check: practice/licences.h's rule over what storage holds — whether a
 * practitioner is licensed where a client said they were, on the day of a session. One
 * function for the waiting room's warning, the charges and the dashboard's flags. */
#ifndef CONFIDE_PRACTICE_LICENCE_CHECK_H
#define CONFIDE_PRACTICE_LICENCE_CHECK_H
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "practice/licences.h"
#include "store/store.h"

struct licence_check {
    int32_t day;              /* the session's date in its own time zone */
    enum licence_cover cover; /* LICENCE_NOT_COVERED also when no jurisdiction was given */
    bool flagged;             /* licence_occurrence_flagged */
    const char *covered_by;   /* "Psychologist PSY12345" or the compact's name; NULL */
};

/* Checks practitioner user_id for a session starting at starts_at (ms) in time_zone, the
 * client having said they were in jurisdiction (a key; NULL or "" for not said). 0, or a
 * store error, or -EINVAL for a bad time zone. */
int licence_check(struct store *s, struct arena *a, int64_t user_id, const char *jurisdiction,
                  int64_t starts_at, const char *time_zone, struct licence_check *out);

#endif

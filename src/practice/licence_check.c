/* licence_check: licences.h's rule over stored licences and compacts (licence_check.h). */
#include "practice/licence_check.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "practice/schedule.h"

/* "US-CA,US-NV" into keys in the arena */
static const char *const *split_members(struct arena *a, const char *members, size_t *n)
{
    size_t cap = 1;
    for (const char *p = members; *p; p++)
        cap += *p == ',';
    const char **keys = arena_alloc(a, cap * sizeof *keys);
    *n = 0;
    const char *p = members;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len > 0) {
            assert(*n < cap);
            keys[(*n)++] = arena_strndup(a, p, len);
        }
        p += len + (p[len] == ',');
    }
    return keys;
}

int licence_check(struct store *s, struct arena *a, int64_t user_id, const char *jurisdiction,
                  int64_t starts_at, const char *time_zone, struct licence_check *out)
{
    *out = (struct licence_check){.cover = LICENCE_NOT_COVERED, .flagged = true};
    if (sched_civil_day(time_zone, starts_at, &out->day) < 0)
        return -EINVAL;
    struct store_licence *held;
    struct store_compact *relied;
    size_t nl, nc;
    int rc = store_licence_list_user(s, a, user_id, &held, &nl);
    if (rc == 0)
        rc = store_compact_list(s, a, &relied, &nc);
    if (rc < 0)
        return rc;
    struct licence *licences = arena_alloc(a, (nl ? nl : 1) * sizeof *licences);
    for (size_t i = 0; i < nl; i++)
        licences[i] = (struct licence){held[i].jurisdiction, held[i].kind, held[i].number,
                                       held[i].expires_on};
    struct licence_compact *compacts = arena_alloc(a, (nc ? nc : 1) * sizeof *compacts);
    for (size_t i = 0; i < nc; i++) {
        compacts[i] = (struct licence_compact){.name = relied[i].name,
                                               .valid_from = relied[i].valid_from,
                                               .valid_until = relied[i].valid_until};
        compacts[i].members = split_members(a, relied[i].members, &compacts[i].n_members);
    }
    out->flagged = licence_occurrence_flagged(licences, nl, compacts, nc, jurisdiction, out->day);
    if (!jurisdiction || !jurisdiction[0])
        return 0;
    size_t which = 0;
    out->cover = licensed_in(licences, nl, compacts, nc, jurisdiction, out->day, &which);
    if (out->cover == LICENCE_DIRECT) {
        size_t len = strlen(licences[which].type) + strlen(licences[which].number) + 2;
        char *by = arena_alloc(a, len);
        snprintf(by, len, "%s %s", licences[which].type, licences[which].number);
        out->covered_by = by;
    }
    else if (out->cover == LICENCE_THROUGH_COMPACT)
        out->covered_by = compacts[which].name;
    assert(out->flagged == (out->cover == LICENCE_NOT_COVERED));
    return 0;
}

#include "practice/checkins.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

int checkins_parse(const char *list, unsigned *set)
{
    unsigned out = 0;
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char name[8];
        if (n == 0 || n >= sizeof name)
            return -EINVAL;
        memcpy(name, p, n);
        name[n] = '\0';
        int kind = measure_from_name(name);
        if (kind < 0 || (out & (1u << kind)))
            return -EINVAL;
        out |= 1u << kind;
        p = end ? end + 1 : NULL;
        if (p && !*p)
            return -EINVAL; /* a trailing comma */
    }
    *set = out;
    return 0;
}

char *checkins_format(unsigned set, char *out, size_t cap)
{
    assert(cap >= 16 && (set & ~CHECKINS_ALL) == 0);
    out[0] = '\0';
    for (int k = 0; k < MEASURE_KINDS; k++) {
        if (!(set & (1u << k)))
            continue;
        if (out[0])
            strcat(out, ",");
        strcat(out, measure_name((enum measure_kind)k));
    }
    return out;
}

unsigned checkins_due(int group_session, unsigned client_choice, unsigned group_choice,
                      unsigned answered)
{
    unsigned chosen = group_session ? group_choice : client_choice;
    return chosen & ~answered & CHECKINS_ALL;
}

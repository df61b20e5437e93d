/* Fuzzes the RFC 3339 parser every session time passes through, and checks that what it
 * accepts formats back to an instant that parses to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "practice/schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[128];
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int64_t t;
    if (sched_parse_rfc3339(text, &t) < 0)
        return 0;
    char again[32];
    int64_t t2;
    sched_format_rfc3339_utc(t, again);
    if (sched_parse_rfc3339(again, &t2) < 0 || t2 != t - ((t % 1000) + 1000) % 1000)
        abort();
    struct sched_local local;
    char human[64];
    if (sched_local_from_utc("Europe/Berlin", t, &local) == 0)
        sched_format_human("Europe/Berlin", t, human);
    return 0;
}

/* core_time: see core_time.h. */
#include "core_time.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

bool core_sample(int cpu, struct core_sample *s)
{
    memset(s, 0, sizeof *s);
    if (cpu < 0)
        return false;
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return false;
    char line[512], want[16];
    snprintf(want, sizeof want, "cpu%d ", cpu);
    bool ok = false;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, want, strlen(want)) != 0)
            continue;
        unsigned long long v[8] = {0};
        if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
            for (int i = 0; i < 8; i++)
                s->total += v[i];
            s->idle = v[3] + v[4], s->steal = v[7];
            ok = true;
        }
        break;
    }
    fclose(f);
    return ok;
}

double core_frac(unsigned long long part, const struct core_sample *a, const struct core_sample *b)
{
    return b->total > a->total ? (double)part / (double)(b->total - a->total) : 0;
}

double core_worked(const struct core_sample *a, const struct core_sample *b)
{
    unsigned long long busy = (b->total - b->idle) - (a->total - a->idle);
    unsigned long long steal = b->steal - a->steal;
    return core_frac(busy > steal ? busy - steal : 0, a, b);
}

int core_pinned(int pid)
{
    cpu_set_t set;
    if (sched_getaffinity(pid, sizeof set, &set) < 0 || CPU_COUNT(&set) != 1)
        return -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            return c;
    return -1;
}

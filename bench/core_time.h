/* core_time: one core's time from /proc/stat, for measures that charge a server with its
 * whole core rather than its process. When the receive path of a datagram runs in a softirq
 * on the receiver's core (Receive Packet Steering, or a network card's interrupt), the ticks
 * it takes while that core was idle count as the core's softirq time and as no process's:
 * only the core's busy time sees them. */
#ifndef CONFIDE_BENCH_CORE_TIME_H
#define CONFIDE_BENCH_CORE_TIME_H
#include <stdbool.h>

/* clock ticks since boot: everything, idle (with iowait), steal (the hypervisor's) */
struct core_sample {
    unsigned long long total, idle, steal;
};

/* Reads cpu's line of /proc/stat; false (and zeros) for cpu < 0 or when it cannot. */
bool core_sample(int cpu, struct core_sample *s);

/* part ticks as a fraction of the ticks between a and b */
double core_frac(unsigned long long part, const struct core_sample *a, const struct core_sample *b);

/* The fraction of the time between a and b the core worked for someone: not idle, not
 * stolen by the hypervisor. */
double core_worked(const struct core_sample *a, const struct core_sample *b);

/* The one CPU pid is pinned to (0: the calling thread), or -1. */
int core_pinned(int pid);

#endif

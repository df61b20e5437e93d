/* kernel_floor: the kernel's own cost of the datagrams a forwarded video packet makes, with
 * no SFU in between. 1,150-byte UDP datagrams go from one socket on one core to one socket
 * drained with recvmmsg on the other, paced, for some seconds; CPU per datagram on each
 * side is the thread's utime + stime (RUSAGE_THREAD), as the benchmark counts a server's.
 *
 * Two ways of sending, the two confide's worker uses:
 *  - sendmmsg: one datagram an entry, batches of 32 entries;
 *  - GSO: one UDP_SEGMENT send an entry carrying `segments` datagrams (one iovec each, as
 *    sfu/gso_batch lays them out), batches of 32 entries.
 * The receiver either leaves UDP_GRO off, so a GSO send is cut into datagrams when it
 * reaches the receiving socket (what the load generator's subscribers do, and a
 * browser's socket), or sets it, so the whole send is queued as one and recvmmsg hands it
 * over with its segment size (what a NIC with UDP segmentation offload would spare the
 * sender). Over lo and veth that cutting, and the receiving socket's queueing and wake-up,
 * run in the softirq the send raises, on the sender's core: they count as the sender's —
 * unless the receiving socket is in another network namespace across a veth pair whose
 * receive side steers packets to the receiver's core (Receive Packet Steering), as a
 * network card would take them off the sender's hands. Then the receive path runs in a
 * softirq on the receiver's core, partly while no thread is running there: the core's own
 * busy time (core_time.h) is measured beside each thread's. */
#ifndef CONFIDE_BENCH_KERNEL_FLOOR_H
#define CONFIDE_BENCH_KERNEL_FLOOR_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KERNEL_FLOOR_DATAGRAM 1150
#define KERNEL_FLOOR_BATCH 32
#define KERNEL_FLOOR_SEGMENTS_MAX 64

struct kernel_floor_spec {
    const char *ip;       /* the sender binds here (port 0), and the receiver unless rx_ip */
    const char *rx_ip;    /* or NULL */
    const char *rx_netns; /* the receiving socket's network namespace (/run/netns/NAME), or NULL */
    const char *path;     /* what the datagrams go through, for the JSON line ("lo" if NULL) */
    int tx_cpu, rx_cpu;
    int pps; /* datagrams a second */
    int seconds;
    int segments; /* 1: plain sendmmsg; 2..KERNEL_FLOOR_SEGMENTS_MAX: GSO sends of that many */
    bool rx_gro;  /* the receiving socket sets UDP_GRO */
};

struct kernel_floor_result {
    uint64_t sent, received;                 /* datagrams */
    uint64_t sends;                          /* sendmmsg entries: datagrams, or GSO sends */
    double send_us_per_pkt, recv_us_per_pkt; /* the threads' own time */
    double send_core_us_per_pkt, recv_core_us_per_pkt; /* their cores' worked time */
    bool gso_refused; /* the kernel refused UDP_SEGMENT: nothing was measured */
};

/* Measures; returns 0, or -1 (errno set) when a socket cannot be made or bound. */
int kernel_floor_measure(const struct kernel_floor_spec *spec, struct kernel_floor_result *out);

/* One JSON line: {"kernel_floor":true,"mode":"sendmmsg"|"gso",...}. */
void kernel_floor_print_json(FILE *f, const struct kernel_floor_spec *spec,
                             const struct kernel_floor_result *r);

#endif

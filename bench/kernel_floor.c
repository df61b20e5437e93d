/* kernel_floor: see kernel_floor.h. */
#include "kernel_floor.h"

#include "core_time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

/* a GRO receive holds up to 64 KB: the largest GSO send */
#define RX_BUF_GRO 65536

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static double thread_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct receiver {
    int fd, cpu;
    bool gro;
    volatile bool done;
    uint64_t got; /* datagrams: a GRO receive counts the segments it holds */
    double cpu_s;
};

static void *receive(void *arg)
{
    struct receiver *r = arg;
    pin(r->cpu);
    static struct mmsghdr msgs[KERNEL_FLOOR_BATCH];
    static struct iovec iov[KERNEL_FLOOR_BATCH];
    static uint8_t bufs[KERNEL_FLOOR_BATCH][RX_BUF_GRO];
    static union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl[KERNEL_FLOOR_BATCH];
    size_t cap = r->gro ? RX_BUF_GRO : KERNEL_FLOOR_DATAGRAM + 100;
    double c0 = thread_cpu_s();
    while (!r->done) {
        for (int i = 0; i < KERNEL_FLOOR_BATCH; i++) {
            iov[i] = (struct iovec){bufs[i], cap};
            msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
            if (r->gro) {
                msgs[i].msg_hdr.msg_control = ctl[i].buf;
                msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
            }
        }
        struct pollfd pf = {.fd = r->fd, .events = POLLIN};
        if (poll(&pf, 1, 50) <= 0)
            continue;
        int n = recvmmsg(r->fd, msgs, KERNEL_FLOOR_BATCH, MSG_DONTWAIT, NULL);
        for (int i = 0; i < n; i++) {
            /* a receive that held several segments says their size in a UDP_GRO cmsg */
            int seg = 0;
            for (struct cmsghdr *c = r->gro ? CMSG_FIRSTHDR(&msgs[i].msg_hdr) : NULL; c;
                 c = CMSG_NXTHDR(&msgs[i].msg_hdr, c))
                if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO)
                    memcpy(&seg, CMSG_DATA(c), sizeof seg);
            unsigned len = msgs[i].msg_len;
            r->got += seg > 0 ? (len + (unsigned)seg - 1) / (unsigned)seg : 1;
        }
    }
    r->cpu_s = thread_cpu_s() - c0;
    return NULL;
}

/* A UDP socket made in the network namespace at path (NULL: the thread's own); the thread
 * comes back to its own namespace either way. */
static int socket_in(const char *path)
{
    if (!path)
        return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int there = open(path, O_RDONLY | O_CLOEXEC);
    int fd = -1;
    if (home >= 0 && there >= 0 && setns(there, CLONE_NEWNET) == 0) {
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int e = errno;
        if (setns(home, CLONE_NEWNET) < 0) { /* a thread left in the wrong namespace */
            if (fd >= 0)
                close(fd);
            fd = -1;
        }
        errno = e;
    }
    int e = errno;
    if (home >= 0)
        close(home);
    if (there >= 0)
        close(there);
    errno = e;
    return fd;
}

int kernel_floor_measure(const struct kernel_floor_spec *spec, struct kernel_floor_result *out)
{
    memset(out, 0, sizeof *out);
    int k = spec->segments < 1 ? 1 : spec->segments;
    if (k > KERNEL_FLOOR_SEGMENTS_MAX)
        k = KERNEL_FLOOR_SEGMENTS_MAX;
    int rx = socket_in(spec->rx_netns);
    int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (rx < 0 || tx < 0) {
        int e = errno;
        if (rx >= 0)
            close(rx);
        if (tx >= 0)
            close(tx);
        errno = e;
        return -1;
    }
    int sz = 8 << 20, on = 1;
    setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    if (spec->rx_gro && setsockopt(rx, SOL_UDP, UDP_GRO, &on, sizeof on) < 0) {
        close(rx), close(tx);
        return -1;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET}, from = {.sin_family = AF_INET};
    inet_pton(AF_INET, spec->rx_ip ? spec->rx_ip : spec->ip, &sin.sin_addr);
    inet_pton(AF_INET, spec->ip, &from.sin_addr);
    if (bind(rx, (struct sockaddr *)&sin, sizeof sin) < 0 ||
        bind(tx, (struct sockaddr *)&from, sizeof from) < 0) {
        int e = errno;
        close(rx), close(tx);
        errno = e;
        return -1;
    }
    socklen_t sl = sizeof sin;
    getsockname(rx, (struct sockaddr *)&sin, &sl);

    /* every entry: k iovecs of one datagram each (one buffer: content does not matter),
     * and for k > 1 the UDP_SEGMENT control message with the datagram size */
    static uint8_t buf[KERNEL_FLOOR_DATAGRAM];
    memset(buf, 0x5a, sizeof buf);
    static struct iovec iov[KERNEL_FLOOR_SEGMENTS_MAX];
    for (int i = 0; i < k; i++)
        iov[i] = (struct iovec){buf, sizeof buf};
    static union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(uint16_t))];
    } ctl[KERNEL_FLOOR_BATCH];
    static struct mmsghdr msgs[KERNEL_FLOOR_BATCH];
    for (int i = 0; i < KERNEL_FLOOR_BATCH; i++) {
        msgs[i].msg_hdr = (struct msghdr){
            .msg_name = &sin, .msg_namelen = sizeof sin, .msg_iov = iov, .msg_iovlen = (size_t)k};
        if (k > 1) {
            msgs[i].msg_hdr.msg_control = ctl[i].buf;
            msgs[i].msg_hdr.msg_controllen = sizeof ctl[i].buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t seg = KERNEL_FLOOR_DATAGRAM;
            memcpy(CMSG_DATA(c), &seg, sizeof seg);
        }
    }

    struct receiver r = {.fd = rx, .cpu = spec->rx_cpu, .gro = spec->rx_gro};
    pthread_t th;
    if (pthread_create(&th, NULL, receive, &r) != 0) {
        close(rx), close(tx);
        return -1;
    }
    cpu_set_t before;
    pthread_getaffinity_np(pthread_self(), sizeof before, &before);
    pin(spec->tx_cpu);
    double c0 = thread_cpu_s();
    struct core_sample txa, txb, rxa, rxb;
    bool cores = core_sample(spec->tx_cpu, &txa) && core_sample(spec->rx_cpu, &rxa);
    int64_t t0 = mono_us(), end = t0 + (int64_t)spec->seconds * 1000000;
    /* paced: pps datagrams a second, whole entries, every millisecond */
    for (int64_t now = t0; now < end; now = mono_us()) {
        uint64_t due = (uint64_t)((double)(now - t0) * spec->pps / 1e6) / (uint64_t)k;
        while (out->sends < due) {
            uint64_t want = due - out->sends;
            unsigned n = (unsigned)(want < KERNEL_FLOOR_BATCH ? want : KERNEL_FLOOR_BATCH);
            int got = sendmmsg(tx, msgs, n, 0);
            if (got < 0 && k > 1 && (errno == EIO || errno == EINVAL)) {
                out->gso_refused = true;
                end = 0;
                break;
            }
            if (got <= 0)
                break;
            out->sends += (uint64_t)got;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    double tx_cpu_s = thread_cpu_s() - c0;
    double wall_s = (double)(mono_us() - t0) / 1e6;
    cores = cores && core_sample(spec->tx_cpu, &txb) && core_sample(spec->rx_cpu, &rxb);
    pthread_setaffinity_np(pthread_self(), sizeof before, &before);
    struct timespec ts = {0, 200000000}; /* what is still queued reaches the receiver */
    nanosleep(&ts, NULL);
    r.done = true;
    pthread_join(th, NULL);
    close(rx), close(tx);
    out->sent = out->sends * (uint64_t)k;
    out->received = r.got;
    out->send_us_per_pkt = out->sent ? tx_cpu_s * 1e6 / (double)out->sent : 0;
    out->recv_us_per_pkt = r.got ? r.cpu_s * 1e6 / (double)r.got : 0;
    if (cores) {
        out->send_core_us_per_pkt =
            out->sent ? core_worked(&txa, &txb) * wall_s * 1e6 / (double)out->sent : 0;
        out->recv_core_us_per_pkt =
            r.got ? core_worked(&rxa, &rxb) * wall_s * 1e6 / (double)r.got : 0;
    }
    return 0;
}

void kernel_floor_print_json(FILE *f, const struct kernel_floor_spec *spec,
                             const struct kernel_floor_result *r)
{
    int k = spec->segments < 1 ? 1 : spec->segments;
    fprintf(f,
            "{\"kernel_floor\":true,\"mode\":\"%s\",\"segments\":%d,\"receiver_gro\":%s,"
            "\"datagram_bytes\":%d,\"pps\":%d,\"seconds\":%d,\"sent\":%" PRIu64
            ",\"sends\":%" PRIu64 ",\"received\":%" PRIu64
            ",\"send_us_per_pkt\":%.3f,\"recv_us_per_pkt\":%.3f,"
            "\"send_core_us_per_pkt\":%.3f,\"recv_core_us_per_pkt\":%.3f,\"receiver_netns\":%s,"
            "\"path\":\"%s\"%s}\n",
            k > 1 ? "gso" : "sendmmsg", k, spec->rx_gro ? "true" : "false", KERNEL_FLOOR_DATAGRAM,
            spec->pps, spec->seconds, r->sent, r->sends, r->received, r->send_us_per_pkt,
            r->recv_us_per_pkt, r->send_core_us_per_pkt, r->recv_core_us_per_pkt,
            spec->rx_netns ? "true" : "false", spec->path ? spec->path : "lo",
            r->gso_refused ? ",\"gso_refused\":true" : "");
    fflush(f);
}

#include "sfu/worker_tcp.h"

#include <assert.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "sfu/ice.h"
#include "sfu/stun.h"
#include "sfu/tcp_frame.h"
#include "sfu/worker.h"

#define READS_PER_EVENT 16 /* then the other sockets get a turn; epoll says again */
#define LISTENER_SLOT 0xffffffffu
#define SLOT_MAX 65534u           /* the id keeps the slot + 1 in 16 bits */
#define SNDBUF_BYTES (128 * 1024) /* the kernel doubles it: 10 Mbit/s at a 200 ms round trip */
#define LISTEN_PAUSE_MS 100       /* after accept failed for want of descriptors */

struct tconn {
    int fd; /* -1: free */
    uint16_t gen;
    bool checked;  /* a packet on it passed an ICE check */
    bool dirty;    /* listed in t->dirty */
    bool want_out; /* EPOLLOUT asked for: the socket took less than was queued */
    bool broken;   /* a write failed: closed at the next tick, not in the middle of a packet */
    int64_t opened_ms, last_rx_ms;
    struct sockaddr_storage addr; /* the remote address, tagged with the id */
    struct tcp_frame_reader *rd;
    struct tcp_frame_queue q;
};

struct worker_tcp {
    int lfd, epfd;
    struct worker_tcp_config cfg;
    struct tconn *conns;
    uint32_t *dirty; /* slots with bytes queued since the last flush */
    uint32_t dirty_count;
    int64_t next_deadline;
    int64_t listen_again_ms; /* 0, or when to listen again after accept failed */
};

static void count(struct worker_tcp *t, enum worker_counter c)
{
    atomic_fetch_add_explicit(&t->cfg.counters[c], 1, memory_order_relaxed);
}

static uint32_t conn_id(const struct worker_tcp *t, uint32_t slot)
{
    return (uint32_t)t->conns[slot].gen << 16 | (slot + 1);
}

static int64_t deadline_of(const struct worker_tcp *t, const struct tconn *c)
{
    if (c->broken)
        return INT64_MIN;
    return c->checked ? c->last_rx_ms + t->cfg.idle_ms : c->opened_ms + t->cfg.first_check_ms;
}

static void conn_close(struct worker_tcp *t, uint32_t slot)
{
    struct tconn *c = &t->conns[slot];
    assert(c->fd >= 0);
    close(c->fd); /* leaves the epoll set with it */
    c->fd = -1;
    free(c->rd);
    free(c->q.buf);
    c->rd = NULL;
    c->q = (struct tcp_frame_queue){0};
    /* a dirty entry stays listed; flush skips closed slots */
    count(t, WORKER_ICE_TCP_CLOSED);
}

static void conn_epoll(struct worker_tcp *t, uint32_t slot, bool out)
{
    struct tconn *c = &t->conns[slot];
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0u),
                             .data.u64 = WORKER_TCP_EPOLL_TAG | slot};
    if (epoll_ctl(t->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->want_out = out;
}

static void listener_epoll(struct worker_tcp *t, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.u64 = WORKER_TCP_EPOLL_TAG | LISTENER_SLOT};
    (void)epoll_ctl(t->epfd, EPOLL_CTL_MOD, t->lfd, &ev);
}

static void listener_pause(struct worker_tcp *t, int64_t now)
{
    listener_epoll(t, 0);
    t->listen_again_ms = now + LISTEN_PAUSE_MS;
    if (t->listen_again_ms < t->next_deadline)
        t->next_deadline = t->listen_again_ms;
}

/* A free slot, else the one of the oldest connection that has passed no check yet (closed
 * for it: otherwise anyone could fill every slot with silent connections for first_check_ms
 * at a time, and a browser that checks within milliseconds of connecting would be refused);
 * max_conns when every connection is checked. */
static uint32_t free_slot(struct worker_tcp *t)
{
    uint32_t oldest = t->cfg.max_conns;
    for (uint32_t slot = 0; slot < t->cfg.max_conns; slot++) {
        const struct tconn *c = &t->conns[slot];
        if (c->fd < 0)
            return slot;
        if (!c->checked &&
            (oldest == t->cfg.max_conns || c->opened_ms < t->conns[oldest].opened_ms))
            oldest = slot;
    }
    if (oldest < t->cfg.max_conns) {
        count(t, WORKER_ICE_TCP_UNCHECKED);
        conn_close(t, oldest);
    }
    return oldest;
}

static void accept_all(struct worker_tcp *t, int64_t now)
{
    for (;;) {
        struct sockaddr_storage from = {0};
        socklen_t fl = sizeof from;
        int fd = accept4(t->lfd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd < 0) {
            /* EMFILE and the like leave the connection in the backlog and the listener
             * readable: epoll would wake us at once, again and again. Listen again in a
             * while (worker_tcp_tick). */
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                listener_pause(t, now);
            return;
        }
        uint32_t slot = from.ss_family == AF_INET || from.ss_family == AF_INET6 ? free_slot(t)
                                                                                : t->cfg.max_conns;
        if (slot == t->cfg.max_conns) {
            close(fd);
            count(t, WORKER_ICE_TCP_REFUSED);
            continue;
        }
        int one = 1; /* each frame is a packet someone waits for */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        /* a bounded kernel buffer: left to autotuning it grows to megabytes, seconds of
         * media queued behind a slow link before our queue ever drops one late packet */
        int sndbuf = SNDBUF_BYTES;
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WORKER_TCP_EPOLL_TAG | slot};
        if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            count(t, WORKER_ICE_TCP_REFUSED);
            continue;
        }
        struct tconn *c = &t->conns[slot];
        c->fd = fd;
        c->gen++;
        c->checked = c->want_out = c->broken = false;
        c->opened_ms = c->last_rx_ms = now;
        c->addr = from;
        ice_addr_set_conn(&c->addr, conn_id(t, slot));
        c->rd = xmalloc(sizeof *c->rd);
        tcp_frame_reader_init(c->rd);
        tcp_frame_queue_init(&c->q, xmalloc(t->cfg.write_queue), t->cfg.write_queue);
        count(t, WORKER_ICE_TCP_ACCEPTED);
        if (deadline_of(t, c) < t->next_deadline)
            t->next_deadline = deadline_of(t, c);
    }
}

/* Reads and hands out whole packets; false when the connection was closed. */
static bool conn_read(struct worker_tcp *t, uint32_t slot, int64_t now)
{
    struct tconn *c = &t->conns[slot];
    for (int i = 0; i < READS_PER_EVENT; i++) {
        size_t cap;
        uint8_t *space = tcp_frame_space(c->rd, &cap);
        assert(cap > 0);
        ssize_t n = read(c->fd, space, cap);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return true;
        if (n <= 0) {
            conn_close(t, slot);
            return false;
        }
        tcp_frame_wrote(c->rd, (size_t)n);
        c->last_rx_ms = now;
        uint8_t *pkt;
        size_t len;
        int rc;
        while ((rc = tcp_frame_next(c->rd, &pkt, &len)) == 1) {
            /* ICE-TCP: the first thing on a connection is the browser's check */
            if (!c->checked && !stun_is_stun(pkt, len)) {
                conn_close(t, slot);
                return false;
            }
            count(t, WORKER_ICE_TCP_RX_PACKETS);
            bool verified = t->cfg.on_packet(t->cfg.arg, now, &c->addr, pkt, len);
            c->checked |= verified;
        }
        if (rc < 0) {
            conn_close(t, slot);
            return false;
        }
        if ((size_t)n < cap)
            return true; /* the socket is drained */
    }
    return true;
}

/* Writes what is queued; false when the connection broke. It is not closed here: the
 * flush runs while the worker may still hold a packet that lies in its read buffer. */
static bool conn_write(struct worker_tcp *t, uint32_t slot)
{
    struct tconn *c = &t->conns[slot];
    for (;;) {
        size_t len;
        const uint8_t *p = tcp_frame_pending(&c->q, &len);
        if (len == 0)
            break;
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out)
                conn_epoll(t, slot, true);
            return true;
        }
        if (n < 0) {
            c->broken = true;
            t->next_deadline = INT64_MIN;
            return false;
        }
        tcp_frame_consumed(&c->q, (size_t)n);
    }
    if (c->want_out)
        conn_epoll(t, slot, false);
    return true;
}

void worker_tcp_event(struct worker_tcp *t, uint64_t data, uint32_t events, int64_t now_ms)
{
    uint32_t slot = (uint32_t)(data & 0xffffffffu);
    if (slot == LISTENER_SLOT) {
        accept_all(t, now_ms);
        return;
    }
    if (slot >= t->cfg.max_conns || t->conns[slot].fd < 0)
        return; /* closed earlier in the same batch of events */
    if (t->conns[slot].broken || ((events & EPOLLOUT) && !conn_write(t, slot))) {
        conn_close(t, slot);
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
        conn_read(t, slot, now_ms);
}

int worker_tcp_send(struct worker_tcp *t, const struct sockaddr_storage *to, const uint8_t *pkt,
                    size_t len)
{
    uint32_t id = ice_addr_conn(to);
    uint32_t slot = (id & 0xffffu) - 1;
    if ((id & 0xffffu) == 0 || slot >= t->cfg.max_conns || t->conns[slot].fd < 0 ||
        t->conns[slot].broken || conn_id(t, slot) != id)
        return -ENOTCONN;
    struct tconn *c = &t->conns[slot];
    if (tcp_frame_push(&c->q, pkt, len) < 0) {
        count(t, WORKER_ICE_TCP_DROP_FULL);
        return -ENOBUFS;
    }
    count(t, WORKER_ICE_TCP_TX_PACKETS);
    if (!c->dirty) {
        c->dirty = true;
        t->dirty[t->dirty_count++] = slot;
    }
    return 0;
}

void worker_tcp_flush(struct worker_tcp *t)
{
    for (uint32_t i = 0; i < t->dirty_count; i++) {
        uint32_t slot = t->dirty[i];
        t->conns[slot].dirty = false;
        /* a connection waiting for EPOLLOUT is written when that comes */
        if (t->conns[slot].fd >= 0 && !t->conns[slot].want_out && !t->conns[slot].broken)
            conn_write(t, slot);
    }
    t->dirty_count = 0;
}

int64_t worker_tcp_tick(struct worker_tcp *t, int64_t now_ms)
{
    if (now_ms < t->next_deadline)
        return t->next_deadline;
    int64_t next = INT64_MAX;
    if (t->listen_again_ms) {
        if (now_ms >= t->listen_again_ms) {
            t->listen_again_ms = 0;
            listener_epoll(t, EPOLLIN);
        } else {
            next = t->listen_again_ms;
        }
    }
    for (uint32_t slot = 0; slot < t->cfg.max_conns; slot++) {
        struct tconn *c = &t->conns[slot];
        if (c->fd < 0)
            continue;
        int64_t d = deadline_of(t, c);
        if (d <= now_ms) {
            if (!c->checked)
                count(t, WORKER_ICE_TCP_UNCHECKED);
            conn_close(t, slot);
            continue;
        }
        if (d < next)
            next = d;
    }
    t->next_deadline = next;
    return next;
}

int worker_tcp_start(const struct worker_tcp_config *cfg, struct worker_tcp **out)
{
    *out = NULL;
    assert(cfg->max_conns >= 1 && cfg->max_conns <= SLOT_MAX);
    struct worker_tcp *t = xcalloc(1, sizeof *t);
    t->cfg = *cfg;
    if (!t->cfg.first_check_ms)
        t->cfg.first_check_ms = 5000;
    if (!t->cfg.idle_ms)
        t->cfg.idle_ms = 30000;
    if (!t->cfg.write_queue)
        t->cfg.write_queue = 65536;
    t->epfd = cfg->epfd;
    t->next_deadline = INT64_MAX;
    t->conns = xcalloc(cfg->max_conns, sizeof *t->conns);
    for (uint32_t i = 0; i < cfg->max_conns; i++)
        t->conns[i].fd = -1;
    t->dirty = xcalloc(cfg->max_conns, sizeof *t->dirty);
    t->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = 0;
    if (t->lfd < 0)
        goto fail_errno;
    int one = 1; /* a restart binds again while old connections linger in TIME_WAIT */
    (void)setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(t->lfd, (const struct sockaddr *)cfg->bind, sizeof *cfg->bind) < 0 ||
        listen(t->lfd, 64) < 0)
        goto fail_errno;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WORKER_TCP_EPOLL_TAG | LISTENER_SLOT};
    if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->lfd, &ev) < 0)
        goto fail_errno;
    *out = t;
    return 0;
fail_errno:
    rc = -errno;
    worker_tcp_free(t);
    return rc;
}

void worker_tcp_free(struct worker_tcp *t)
{
    if (!t)
        return;
    for (uint32_t slot = 0; slot < t->cfg.max_conns; slot++)
        if (t->conns[slot].fd >= 0)
            conn_close(t, slot);
    if (t->lfd >= 0)
        close(t->lfd);
    free(t->conns);
    free(t->dirty);
    free(t);
}

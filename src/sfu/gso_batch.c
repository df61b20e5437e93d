#include "sfu/gso_batch.h"

#include <assert.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* One UDP_SEGMENT control message: a uint16_t segment size. */
union gso_cmsg {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(uint16_t))];
};

struct gso_group {
    size_t first; /* queue index of its first datagram: the address comes from there */
    size_t count, bytes;
    size_t segment;   /* the size every datagram but the last has */
    size_t iov_start; /* where its iovecs go in iov[] */
    bool open;
};

/* Destination -> its latest group, an open-addressing table cleared by generation: a
 * plan costs a hash per datagram, not a scan of every open group. */
#define SLOTS_MIN 64

struct gso_batch {
    size_t cap;
    struct mmsghdr *msgs;     /* cap entries */
    struct iovec *iov;        /* cap: the datagrams grouped, group after group */
    union gso_cmsg *cmsg;     /* cap */
    struct gso_group *groups; /* cap */
    size_t *group_of;         /* cap: the group of each queued datagram */
    size_t *slot_group;       /* slot_count */
    uint32_t *slot_gen;       /* slot_count; a slot is used when it holds gen */
    size_t slot_count;        /* a power of two, at least twice cap */
    uint32_t gen;
    size_t count; /* entries planned */
};

struct gso_batch *gso_batch_new(size_t cap)
{
    assert(cap > 0);
    struct gso_batch *b = xcalloc(1, sizeof *b);
    b->cap = cap;
    b->msgs = xcalloc(cap, sizeof *b->msgs);
    b->iov = xcalloc(cap, sizeof *b->iov);
    b->cmsg = xcalloc(cap, sizeof *b->cmsg);
    b->groups = xcalloc(cap, sizeof *b->groups);
    b->group_of = xcalloc(cap, sizeof *b->group_of);
    b->slot_count = SLOTS_MIN;
    while (b->slot_count < 2 * cap)
        b->slot_count *= 2;
    b->slot_group = xcalloc(b->slot_count, sizeof *b->slot_group);
    b->slot_gen = xcalloc(b->slot_count, sizeof *b->slot_gen);
    return b;
}

void gso_batch_free(struct gso_batch *b)
{
    if (!b)
        return;
    free(b->msgs);
    free(b->iov);
    free(b->cmsg);
    free(b->groups);
    free(b->group_of);
    free(b->slot_group);
    free(b->slot_gen);
    free(b);
}

static uint32_t addr_hash(const struct msghdr *h)
{
    const uint8_t *p = h->msg_name;
    uint32_t x = 2166136261u; /* FNV-1a */
    for (socklen_t i = 0; i < h->msg_namelen; i++)
        x = (x ^ p[i]) * 16777619u;
    return x;
}

static bool same_addr(const struct msghdr *a, const struct msghdr *b)
{
    return a->msg_namelen == b->msg_namelen &&
           memcmp(a->msg_name, b->msg_name, a->msg_namelen) == 0;
}

/* The slot for h's destination: the one holding its latest group, or a free one. */
static size_t slot_of(struct gso_batch *b, const struct mmsghdr *queue, const struct msghdr *h)
{
    size_t mask = b->slot_count - 1;
    for (size_t s = addr_hash(h) & mask;; s = (s + 1) & mask) {
        if (b->slot_gen[s] != b->gen)
            return s;
        const struct gso_group *g = &b->groups[b->slot_group[s]];
        if (same_addr(&queue[g->first].msg_hdr, h))
            return s;
    }
}

static bool joins(const struct gso_group *g, size_t len)
{
    /* never an empty one: with n - 1 full segments before it the kernel would see no
     * n-th segment at all */
    return g->open && len > 0 && len <= g->segment && g->count < GSO_SEGMENTS_MAX &&
           g->bytes + len <= GSO_BYTES_MAX;
}

/* Assigns every datagram a group; returns the number of groups. */
static size_t group(struct gso_batch *b, const struct mmsghdr *queue, size_t n, bool gso)
{
    size_t groups = 0;
    if (++b->gen == 0) { /* wrapped: forget every slot for real */
        memset(b->slot_gen, 0, b->slot_count * sizeof *b->slot_gen);
        b->gen = 1;
    }
    for (size_t i = 0; i < n; i++) {
        const struct msghdr *h = &queue[i].msg_hdr;
        assert(h->msg_iovlen == 1);
        size_t len = h->msg_iov[0].iov_len;
        size_t s = 0;
        struct gso_group *g = NULL;
        if (gso) {
            s = slot_of(b, queue, h);
            if (b->slot_gen[s] == b->gen)
                g = &b->groups[b->slot_group[s]];
        }
        if (g && joins(g, len)) {
            g->count++;
            g->bytes += len;
            /* a shorter one must be the last; a full group takes no more either */
            if (len < g->segment || g->count == GSO_SEGMENTS_MAX)
                g->open = false;
            b->group_of[i] = (size_t)(g - b->groups);
            continue;
        }
        /* a longer datagram, or a closed or full group, or none yet: a new group */
        assert(groups < b->cap);
        b->groups[groups] =
            (struct gso_group){.first = i, .count = 1, .bytes = len, .segment = len, .open = gso};
        b->group_of[i] = groups;
        if (gso) {
            b->slot_gen[s] = b->gen;
            b->slot_group[s] = groups;
        }
        groups++;
    }
    return groups;
}

size_t gso_batch_plan(struct gso_batch *b, const struct mmsghdr *queue, size_t n, bool gso)
{
    assert(n <= b->cap);
    size_t groups = group(b, queue, n, gso);
    size_t at = 0;
    for (size_t g = 0; g < groups; g++) {
        b->groups[g].iov_start = at;
        at += b->groups[g].count;
        b->groups[g].count = 0; /* counts again as the iovecs are laid out */
    }
    assert(at == n);
    for (size_t i = 0; i < n; i++) {
        struct gso_group *g = &b->groups[b->group_of[i]];
        b->iov[g->iov_start + g->count++] = queue[i].msg_hdr.msg_iov[0];
    }
    for (size_t g = 0; g < groups; g++) {
        const struct gso_group *gr = &b->groups[g];
        const struct msghdr *first = &queue[gr->first].msg_hdr;
        struct msghdr *h = &b->msgs[g].msg_hdr;
        *h = (struct msghdr){.msg_name = first->msg_name,
                             .msg_namelen = first->msg_namelen,
                             .msg_iov = &b->iov[gr->iov_start],
                             .msg_iovlen = gr->count};
        b->msgs[g].msg_len = 0;
        if (gr->count > 1) {
            assert(gr->segment <= UINT16_MAX);
            h->msg_control = b->cmsg[g].buf;
            h->msg_controllen = sizeof b->cmsg[g].buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(h);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t seg = (uint16_t)gr->segment;
            memcpy(CMSG_DATA(c), &seg, sizeof seg);
        }
    }
    b->count = groups;
    return groups;
}

struct mmsghdr *gso_batch_entries(struct gso_batch *b)
{
    return b->msgs;
}

size_t gso_batch_count(const struct gso_batch *b)
{
    return b->count;
}

size_t gso_batch_datagrams(const struct gso_batch *b, size_t i)
{
    assert(i < b->count);
    return b->msgs[i].msg_hdr.msg_iovlen;
}

bool gso_batch_is_gso(const struct gso_batch *b, size_t i)
{
    return gso_batch_datagrams(b, i) > 1;
}

uint16_t gso_batch_segment(const struct gso_batch *b, size_t i)
{
    assert(i < b->count);
    const struct msghdr *h = &b->msgs[i].msg_hdr;
    if (!h->msg_control)
        return 0;
    uint16_t seg;
    memcpy(&seg, CMSG_DATA(CMSG_FIRSTHDR(h)), sizeof seg);
    return seg;
}

size_t gso_batch_unroll(struct gso_batch *b, size_t from)
{
    assert(from <= b->count);
    if (from == b->count)
        return b->count;
    /* entry j's datagrams go to [from + its first iovec's place - from's), always at or
     * after j: working from the last entry back overwrites only entries already read */
    const struct iovec *base = b->msgs[from].msg_hdr.msg_iov;
    size_t total = (size_t)(b->msgs[b->count - 1].msg_hdr.msg_iov - base) +
                   b->msgs[b->count - 1].msg_hdr.msg_iovlen;
    for (size_t j = b->count; j-- > from;) {
        struct msghdr h = b->msgs[j].msg_hdr;
        size_t at = from + (size_t)(h.msg_iov - base);
        assert(at >= j);
        for (size_t k = h.msg_iovlen; k-- > 0;)
            b->msgs[at + k] = (struct mmsghdr){.msg_hdr = {.msg_name = h.msg_name,
                                                           .msg_namelen = h.msg_namelen,
                                                           .msg_iov = &h.msg_iov[k],
                                                           .msg_iovlen = 1}};
    }
    b->count = from + total;
    assert(b->count <= b->cap);
    return b->count;
}

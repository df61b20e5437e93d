/* gso_batch: queued datagrams become sendmmsg entries where each destination's datagrams
 * leave in queue order, equal sizes to one destination share an entry (the last may be
 * shorter), the kernel's limits hold, and a refused GSO entry unrolls into plain ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>

#include "sfu/gso_batch.h"

#define CAP 128

static struct mmsghdr queue[CAP];
static struct iovec qiov[CAP];
static struct sockaddr_in qaddr[CAP];
static uint8_t bufs[CAP][1600];
static size_t qn;

/* Queues a datagram of len bytes to 127.0.0.1:port. */
static void push(uint16_t port, size_t len)
{
    assert_true(qn < CAP && len <= sizeof bufs[0]);
    qaddr[qn] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons(port)};
    qaddr[qn].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    qiov[qn] = (struct iovec){.iov_base = bufs[qn], .iov_len = len};
    queue[qn].msg_hdr = (struct msghdr){.msg_name = &qaddr[qn],
                                        .msg_namelen = sizeof qaddr[qn],
                                        .msg_iov = &qiov[qn],
                                        .msg_iovlen = 1};
    qn++;
}

static uint16_t port_of(const struct msghdr *h)
{
    return ntohs(((const struct sockaddr_in *)h->msg_name)->sin_port);
}

/* What must hold of any plan: every datagram sent once, each destination's in queue
 * order, every entry one destination with equal segments but a shorter last, within
 * the kernel's limits. */
static void check_plan(struct gso_batch *b)
{
    bool seen[CAP] = {0};
    size_t last_of_port[65536 / 64]; /* ports used stay below 1024 */
    for (size_t p = 0; p < sizeof last_of_port / sizeof *last_of_port; p++)
        last_of_port[p] = SIZE_MAX;
    size_t total = 0;
    struct mmsghdr *e = gso_batch_entries(b);
    for (size_t i = 0; i < gso_batch_count(b); i++) {
        const struct msghdr *h = &e[i].msg_hdr;
        uint16_t port = port_of(h);
        assert_true(port < 1024);
        size_t n = h->msg_iovlen, bytes = 0;
        assert_int_equal(n, gso_batch_datagrams(b, i));
        assert_true(n >= 1 && n <= GSO_SEGMENTS_MAX);
        uint16_t seg = gso_batch_segment(b, i);
        if (n == 1)
            assert_null(h->msg_control);
        else
            assert_int_equal(seg, h->msg_iov[0].iov_len);
        for (size_t k = 0; k < n; k++) {
            size_t q = (size_t)((uint8_t(*)[1600])h->msg_iov[k].iov_base - bufs);
            assert_true(q < qn);
            assert_false(seen[q]);
            seen[q] = true;
            assert_int_equal(port_of(&queue[q].msg_hdr), port); /* one destination */
            assert_int_equal(h->msg_iov[k].iov_len, qiov[q].iov_len);
            /* later in the queue than the destination's previous one */
            assert_true(last_of_port[port] == SIZE_MAX || q > last_of_port[port]);
            last_of_port[port] = q;
            if (n > 1 && k + 1 < n)
                assert_int_equal(h->msg_iov[k].iov_len, seg);
            if (n > 1)
                assert_true(h->msg_iov[k].iov_len <= seg);
            bytes += h->msg_iov[k].iov_len;
        }
        assert_true(bytes <= GSO_BYTES_MAX || n == 1);
        total += n;
    }
    assert_int_equal(total, qn);
}

static struct gso_batch *fresh(void)
{
    qn = 0;
    return gso_batch_new(CAP);
}

static void interleaved_destinations_keep_their_order(void **state)
{
    (void)state;
    struct gso_batch *b = fresh();
    for (int round = 0; round < 10; round++)
        for (uint16_t p = 1; p <= 3; p++)
            push(p, 1200);
    assert_int_equal(gso_batch_plan(b, queue, qn, true), 3);
    check_plan(b);
    struct mmsghdr *e = gso_batch_entries(b);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(port_of(&e[i].msg_hdr), i + 1); /* in the order they opened */
        assert_int_equal(gso_batch_datagrams(b, i), 10);
        assert_true(gso_batch_is_gso(b, i));
        assert_int_equal(gso_batch_segment(b, i), 1200);
        const struct cmsghdr *c = CMSG_FIRSTHDR(&e[i].msg_hdr);
        assert_int_equal(c->cmsg_level, SOL_UDP);
        assert_int_equal(c->cmsg_type, UDP_SEGMENT);
        /* destination i+1's datagrams are queue entries i, i+3, i+6, ... */
        for (size_t k = 0; k < 10; k++)
            assert_ptr_equal(e[i].msg_hdr.msg_iov[k].iov_base, bufs[i + 3 * k]);
    }
    gso_batch_free(b);
}

static void a_shorter_datagram_ends_a_group_a_longer_starts_one(void **state)
{
    (void)state;
    struct gso_batch *b = fresh();
    push(1, 1200); /* group 1200: 1200 1200 800 */
    push(1, 1200);
    push(2, 500); /* another destination between them changes nothing */
    push(1, 800);
    push(1, 1200); /* after the shorter one: a new group */
    push(1, 1300); /* longer: ends that one, starts the next */
    push(1, 1300);
    assert_int_equal(gso_batch_plan(b, queue, qn, true), 4);
    check_plan(b);
    assert_int_equal(gso_batch_datagrams(b, 0), 3);
    assert_int_equal(gso_batch_segment(b, 0), 1200);
    assert_int_equal(gso_batch_datagrams(b, 1), 1); /* port 2 */
    assert_int_equal(port_of(&gso_batch_entries(b)[1].msg_hdr), 2);
    assert_int_equal(gso_batch_datagrams(b, 2), 1);
    assert_false(gso_batch_is_gso(b, 2));
    assert_int_equal(gso_batch_datagrams(b, 3), 2);
    assert_int_equal(gso_batch_segment(b, 3), 1300);

    /* an empty datagram never joins: after one full segment the kernel would not see it */
    qn = 0;
    push(1, 1200);
    push(1, 0);
    assert_int_equal(gso_batch_plan(b, queue, qn, true), 2);
    check_plan(b);
    gso_batch_free(b);
}

static void groups_stay_within_the_kernels_limits(void **state)
{
    (void)state;
    struct gso_batch *b = fresh();
    for (int i = 0; i < 100; i++) /* 64 x 1000 = 64,000 bytes fits: the count limits */
        push(7, 1000);
    assert_int_equal(gso_batch_plan(b, queue, qn, true), 2);
    check_plan(b);
    assert_int_equal(gso_batch_datagrams(b, 0), GSO_SEGMENTS_MAX);
    assert_int_equal(gso_batch_datagrams(b, 1), 100 - GSO_SEGMENTS_MAX);
    gso_batch_free(b);

    b = fresh();
    for (int i = 0; i < 100; i++) /* 1,500 bytes: the byte cap limits (43 x 1500 = 64,500) */
        push(7, 1500);
    assert_int_equal(gso_batch_plan(b, queue, qn, true), 3);
    check_plan(b);
    assert_int_equal(gso_batch_datagrams(b, 0), GSO_BYTES_MAX / 1500);
    assert_int_equal(gso_batch_datagrams(b, 1), GSO_BYTES_MAX / 1500);
    assert_int_equal(gso_batch_datagrams(b, 2), 100 - 2 * (GSO_BYTES_MAX / 1500));
    gso_batch_free(b);
}

static void single_datagrams_go_as_they_are(void **state)
{
    (void)state;
    struct gso_batch *b = fresh();
    for (uint16_t p = 1; p <= 20; p++)
        push(p, 100 + p);
    assert_int_equal(gso_batch_plan(b, queue, qn, true), 20);
    check_plan(b);
    struct mmsghdr *e = gso_batch_entries(b);
    for (size_t i = 0; i < 20; i++) {
        assert_ptr_equal(e[i].msg_hdr.msg_name, &qaddr[i]);
        assert_int_equal(e[i].msg_hdr.msg_iovlen, 1);
        assert_ptr_equal(e[i].msg_hdr.msg_iov[0].iov_base, bufs[i]);
        assert_null(e[i].msg_hdr.msg_control);
        assert_int_equal(e[i].msg_hdr.msg_controllen, 0);
    }
    /* with GSO off, a run to one destination goes one by one, in queue order */
    qn = 0;
    for (int i = 0; i < 30; i++)
        push(1, 1200);
    assert_int_equal(gso_batch_plan(b, queue, qn, false), 30);
    check_plan(b);
    for (size_t i = 0; i < 30; i++) {
        assert_ptr_equal(e[i].msg_hdr.msg_iov[0].iov_base, bufs[i]);
        assert_null(e[i].msg_hdr.msg_control);
    }
    assert_int_equal(gso_batch_plan(b, queue, 0, true), 0);
    gso_batch_free(b);
}

static void a_refused_entry_unrolls_into_plain_sends(void **state)
{
    (void)state;
    struct gso_batch *b = fresh();
    for (int round = 0; round < 5; round++) {
        push(1, 1200);
        push(2, 900);
        push(3, 100 + round); /* sizes differ: five singles */
    }
    size_t n = gso_batch_plan(b, queue, qn, true);
    assert_int_equal(n, 7); /* 1: five, 2: five, then port 3's five singles */
    check_plan(b);
    /* entry 0 went; the kernel refused entry 1 (port 2's group) */
    struct msghdr first = gso_batch_entries(b)[0].msg_hdr;
    n = gso_batch_unroll(b, 1);
    assert_int_equal(n, 1 + 5 + 5);
    check_plan(b);
    struct mmsghdr *e = gso_batch_entries(b);
    assert_memory_equal(&e[0].msg_hdr, &first, sizeof first); /* the sent one stays */
    for (size_t i = 1; i < n; i++) {
        assert_int_equal(e[i].msg_hdr.msg_iovlen, 1);
        assert_null(e[i].msg_hdr.msg_control);
        assert_int_equal(e[i].msg_hdr.msg_controllen, 0);
    }
    for (size_t i = 1; i <= 5; i++)
        assert_int_equal(port_of(&e[i].msg_hdr), 2);
    /* from the start, or from the end: nothing lost, nothing twice */
    gso_batch_plan(b, queue, qn, true);
    assert_int_equal(gso_batch_unroll(b, 0), qn);
    check_plan(b);
    n = gso_batch_plan(b, queue, qn, true);
    assert_int_equal(gso_batch_unroll(b, n), n);
    gso_batch_free(b);
}

/* Many shuffled mixes: whatever the queue, the plan's rules hold. */
static void any_queue_plans_by_the_rules(void **state)
{
    (void)state;
    struct gso_batch *b = gso_batch_new(CAP);
    uint32_t x = 12345;
    for (int trial = 0; trial < 2000; trial++) {
        qn = 0;
        size_t n = 1 + (x % CAP);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            uint16_t port = (uint16_t)(1 + (x >> 16) % 4);
            x = x * 1103515245u + 12345u;
            static const size_t sizes[] = {1200, 1200, 1200, 1500, 800, 60};
            push(port, sizes[(x >> 16) % 6]);
        }
        size_t entries = gso_batch_plan(b, queue, qn, trial % 7 != 0);
        check_plan(b);
        if (entries > 0) {
            x = x * 1103515245u + 12345u;
            gso_batch_unroll(b, (x >> 16) % entries);
            check_plan(b);
        }
    }
    gso_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interleaved_destinations_keep_their_order),
        cmocka_unit_test(a_shorter_datagram_ends_a_group_a_longer_starts_one),
        cmocka_unit_test(groups_stay_within_the_kernels_limits),
        cmocka_unit_test(single_datagrams_go_as_they_are),
        cmocka_unit_test(a_refused_entry_unrolls_into_plain_sends),
        cmocka_unit_test(any_queue_plans_by_the_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

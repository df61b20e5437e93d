/* gro_split: the UDP_GRO control message gives the segment size (and nothing else does);
 * a coalesced buffer comes apart into its datagrams in order, every one of the segment
 * size but a shorter last; and on loopback a UDP_SEGMENT send to a UDP_GRO socket arrives
 * as one buffer that splits back into what was sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sfu/gro_split.h"

union control {
    struct cmsghdr align;
    uint8_t bytes[2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(16)];
};

/* A msghdr whose control buffer holds one message (level, type, an int), after a
 * message of another kind when `other_first`. */
static struct msghdr with_control(union control *c, int level, int type, int value,
                                  bool other_first)
{
    memset(c, 0, sizeof *c);
    struct msghdr h = {.msg_control = c->bytes, .msg_controllen = sizeof c->bytes};
    struct cmsghdr *m = CMSG_FIRSTHDR(&h);
    size_t used = 0;
    if (other_first) {
        m->cmsg_level = SOL_IP;
        m->cmsg_type = IP_TTL;
        m->cmsg_len = CMSG_LEN(sizeof(int));
        int ttl = 64;
        memcpy(CMSG_DATA(m), &ttl, sizeof ttl);
        used += CMSG_SPACE(sizeof(int));
        m = CMSG_NXTHDR(&h, m);
    }
    m->cmsg_level = level;
    m->cmsg_type = type;
    m->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(m), &value, sizeof value);
    used += CMSG_SPACE(sizeof(int));
    h.msg_controllen = used;
    return h;
}

static void segment_from_the_control_message(void **state)
{
    (void)state;
    union control c;
    struct msghdr h = with_control(&c, SOL_UDP, UDP_GRO, 1100, false);
    assert_int_equal(gro_segment_of(&h), 1100);
    h = with_control(&c, SOL_UDP, UDP_GRO, 1100, true); /* after another message */
    assert_int_equal(gro_segment_of(&h), 1100);
    h = with_control(&c, SOL_UDP, UDP_GRO, 65535, false);
    assert_int_equal(gro_segment_of(&h), 65535);

    /* none, or not ours, or out of range: one datagram */
    struct msghdr none = {0};
    assert_int_equal(gro_segment_of(&none), 0);
    h = with_control(&c, SOL_IP, UDP_GRO, 1100, false);
    assert_int_equal(gro_segment_of(&h), 0);
    h = with_control(&c, SOL_UDP, UDP_SEGMENT, 1100, false);
    assert_int_equal(gro_segment_of(&h), 0);
    h = with_control(&c, SOL_UDP, UDP_GRO, 0, false);
    assert_int_equal(gro_segment_of(&h), 0);
    h = with_control(&c, SOL_UDP, UDP_GRO, -5, false);
    assert_int_equal(gro_segment_of(&h), 0);
    h = with_control(&c, SOL_UDP, UDP_GRO, 65536, false);
    assert_int_equal(gro_segment_of(&h), 0);

    /* a header that claims less than an int */
    h = with_control(&c, SOL_UDP, UDP_GRO, 1100, false);
    CMSG_FIRSTHDR(&h)->cmsg_len = CMSG_LEN(2);
    assert_int_equal(gro_segment_of(&h), 0);
    /* a control length too short for even the header */
    h = with_control(&c, SOL_UDP, UDP_GRO, 1100, false);
    h.msg_controllen = sizeof(struct cmsghdr) - 1;
    assert_int_equal(gro_segment_of(&h), 0);
}

/* Splits len bytes at segment; checks the pieces tile the buffer in order and returns
 * their lengths in lens. */
static size_t split(uint8_t *buf, size_t len, size_t segment, size_t *lens, size_t cap)
{
    struct gro_split s;
    gro_split_init(&s, buf, len, segment);
    uint8_t *d, *at = buf;
    size_t dl, n = 0;
    while (gro_split_next(&s, &d, &dl)) {
        assert_true(n < cap);
        assert_ptr_equal(d, at);
        at += dl;
        lens[n++] = dl;
    }
    assert_ptr_equal(at, buf + len);
    assert_false(gro_split_next(&s, &d, &dl)); /* stays done */
    assert_int_equal(n, gro_split_count(len, segment));
    return n;
}

static void splits_into_segments(void **state)
{
    (void)state;
    static uint8_t buf[65536];
    size_t lens[80];

    assert_int_equal(split(buf, 3300, 1100, lens, 80), 3); /* exact multiple */
    for (int i = 0; i < 3; i++)
        assert_int_equal(lens[i], 1100);

    assert_int_equal(split(buf, 3000, 1100, lens, 80), 3); /* shorter last */
    assert_int_equal(lens[0], 1100);
    assert_int_equal(lens[1], 1100);
    assert_int_equal(lens[2], 800);

    assert_int_equal(split(buf, 1101, 1100, lens, 80), 2); /* a last of one byte */
    assert_int_equal(lens[1], 1);

    assert_int_equal(split(buf, 900, 0, lens, 80), 1); /* no GRO: one datagram */
    assert_int_equal(lens[0], 900);
    assert_int_equal(split(buf, 900, 1100, lens, 80), 1); /* one shorter than a segment */
    assert_int_equal(lens[0], 900);
    assert_int_equal(split(buf, 1100, 1100, lens, 80), 1);
    assert_int_equal(lens[0], 1100);
    assert_int_equal(split(buf, 0, 0, lens, 80), 1); /* an empty datagram stays one */
    assert_int_equal(lens[0], 0);
    assert_int_equal(split(buf, 0, 1100, lens, 80), 1);
    assert_int_equal(lens[0], 0);

    /* 64 segments filling a GRO buffer, and segments of one byte */
    assert_int_equal(split(buf, 64 * 1000 + 10, 1000, lens, 80), 65);
    assert_int_equal(lens[64], 10);
    assert_int_equal(split(buf, 70, 1, lens, 80), 70);
}

/* A sender cuts 6 datagrams (5 of 1,000 bytes, one of 300) out of one UDP_SEGMENT send;
 * the receiver with UDP_GRO gets them in one buffer and its control message, and the split
 * gives back each datagram's bytes in order. */
static void loopback_gso_to_gro(void **state)
{
    (void)state;
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(rx >= 0 && tx >= 0);
    int one = 1;
    if (setsockopt(rx, SOL_UDP, UDP_GRO, &one, sizeof one) < 0) {
        close(rx);
        close(tx);
        skip(); /* a kernel before 5.0 */
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    assert_int_equal(bind(rx, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(rx, (struct sockaddr *)&a, &al), 0);

    static uint8_t out[5300], in[65536];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)(i / 1000 * 37 + i); /* each datagram's bytes differ */
    union control sc = {0};
    struct iovec siov = {.iov_base = out, .iov_len = sizeof out};
    struct msghdr sh = {.msg_name = &a,
                        .msg_namelen = sizeof a,
                        .msg_iov = &siov,
                        .msg_iovlen = 1,
                        .msg_control = sc.bytes,
                        .msg_controllen = CMSG_SPACE(sizeof(uint16_t))};
    struct cmsghdr *m = CMSG_FIRSTHDR(&sh);
    m->cmsg_level = SOL_UDP;
    m->cmsg_type = UDP_SEGMENT;
    m->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t seg = 1000;
    memcpy(CMSG_DATA(m), &seg, sizeof seg);
    if (sendmsg(tx, &sh, 0) < 0) {
        close(rx);
        close(tx);
        skip(); /* no UDP_SEGMENT (Linux < 4.18) */
    }

    union control rc;
    struct iovec riov = {.iov_base = in, .iov_len = sizeof in};
    struct msghdr rh = {.msg_iov = &riov,
                        .msg_iovlen = 1,
                        .msg_control = rc.bytes,
                        .msg_controllen = GRO_CONTROL_SPACE};
    ssize_t n = recvmsg(rx, &rh, 0);
    assert_int_equal(n, sizeof out);
    assert_false(rh.msg_flags & MSG_TRUNC);
    size_t segment = gro_segment_of(&rh);
    assert_int_equal(segment, 1000);

    size_t lens[8];
    assert_int_equal(split(in, (size_t)n, segment, lens, 8), 6);
    assert_int_equal(lens[5], 300);
    assert_memory_equal(in, out, sizeof out);
    close(rx);
    close(tx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(segment_from_the_control_message),
        cmocka_unit_test(splits_into_segments),
        cmocka_unit_test(loopback_gso_to_gro),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

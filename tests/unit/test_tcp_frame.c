/* tcp_frame: RFC 4571 frames come out whole however the stream is cut, oversize ones end
 * the stream, and the write queue frames packets whole or refuses them whole. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sfu/tcp_frame.h"

static struct tcp_frame_reader reader;

/* Three packets (1, 1500 and 300 bytes) framed back to back. */
static size_t three_frames(uint8_t *out)
{
    static const size_t lens[] = {1, TCP_FRAME_PACKET_MAX, 300};
    size_t n = 0;
    for (size_t i = 0; i < 3; i++) {
        out[n++] = (uint8_t)(lens[i] >> 8);
        out[n++] = (uint8_t)lens[i];
        memset(out + n, (int)(0xA0 + i), lens[i]);
        n += lens[i];
    }
    return n;
}

static void packets_come_out_whole_in_any_cut(void **state)
{
    (void)state;
    uint8_t stream[2000];
    size_t total = three_frames(stream);
    /* every chunk size from one byte to the whole stream at once */
    for (size_t chunk = 1; chunk <= total; chunk += chunk < 8 ? 1 : 97) {
        tcp_frame_reader_init(&reader);
        size_t got = 0, fed = 0;
        size_t lens[3] = {0};
        while (fed < total) {
            size_t n = total - fed < chunk ? total - fed : chunk;
            size_t taken = tcp_frame_feed(&reader, stream + fed, n);
            assert_true(taken > 0);
            fed += taken;
            uint8_t *pkt;
            size_t len;
            int rc;
            while ((rc = tcp_frame_next(&reader, &pkt, &len)) == 1) {
                assert_true(got < 3);
                assert_int_equal(pkt[0], 0xA0 + got);
                assert_int_equal(pkt[len - 1], 0xA0 + got);
                lens[got++] = len;
            }
            assert_int_equal(rc, 0);
        }
        assert_int_equal(got, 3);
        assert_int_equal(lens[0], 1);
        assert_int_equal(lens[1], TCP_FRAME_PACKET_MAX);
        assert_int_equal(lens[2], 300);
    }
}

static void empty_frames_are_skipped(void **state)
{
    (void)state;
    tcp_frame_reader_init(&reader);
    const uint8_t s[] = {0, 0, 0, 0, 0, 2, 7, 8};
    assert_int_equal(tcp_frame_feed(&reader, s, sizeof s), sizeof s);
    uint8_t *pkt;
    size_t len;
    assert_int_equal(tcp_frame_next(&reader, &pkt, &len), 1);
    assert_int_equal(len, 2);
    assert_int_equal(pkt[0], 7);
    assert_int_equal(tcp_frame_next(&reader, &pkt, &len), 0);
}

static void an_oversize_frame_ends_the_stream(void **state)
{
    (void)state;
    tcp_frame_reader_init(&reader);
    const uint8_t s[] = {0, 1, 9, (TCP_FRAME_PACKET_MAX + 1) >> 8,
                         (TCP_FRAME_PACKET_MAX + 1) & 0xff};
    tcp_frame_feed(&reader, s, sizeof s);
    uint8_t *pkt;
    size_t len;
    assert_int_equal(tcp_frame_next(&reader, &pkt, &len), 1); /* what came before is fine */
    assert_int_equal(pkt[0], 9);
    assert_int_equal(tcp_frame_next(&reader, &pkt, &len), -EMSGSIZE);
    assert_int_equal(tcp_frame_next(&reader, &pkt, &len), -EMSGSIZE);
}

static void the_reader_always_has_room_for_a_frame(void **state)
{
    (void)state;
    tcp_frame_reader_init(&reader);
    /* largest frames, each fed in two reads cut at a point that moves along, so the unread
     * rest sits anywhere in the buffer: every byte is always taken */
    uint8_t frame[TCP_FRAME_HEADER + TCP_FRAME_PACKET_MAX];
    frame[0] = TCP_FRAME_PACKET_MAX >> 8;
    frame[1] = TCP_FRAME_PACKET_MAX & 0xff;
    memset(frame + 2, 0x55, TCP_FRAME_PACKET_MAX);
    for (size_t round = 0; round < 20; round++) {
        size_t cut = 1 + round * 97 % (sizeof frame - 1);
        uint8_t *pkt;
        size_t len;
        assert_int_equal(tcp_frame_feed(&reader, frame, cut), cut);
        assert_int_equal(tcp_frame_next(&reader, &pkt, &len), 0);
        assert_int_equal(tcp_frame_feed(&reader, frame + cut, sizeof frame - cut),
                         sizeof frame - cut);
        assert_int_equal(tcp_frame_next(&reader, &pkt, &len), 1);
        assert_int_equal(len, TCP_FRAME_PACKET_MAX);
        assert_int_equal(pkt[len - 1], 0x55);
        /* and the start of the next one waits in the buffer */
        assert_int_equal(tcp_frame_feed(&reader, frame, 1), 1);
        assert_int_equal(tcp_frame_feed(&reader, frame + 1, sizeof frame - 1), sizeof frame - 1);
        assert_int_equal(tcp_frame_next(&reader, &pkt, &len), 1);
        assert_int_equal(tcp_frame_next(&reader, &pkt, &len), 0);
    }
}

static void the_queue_frames_whole_or_refuses_whole(void **state)
{
    (void)state;
    uint8_t mem[100];
    struct tcp_frame_queue q;
    tcp_frame_queue_init(&q, mem, sizeof mem);
    uint8_t pkt[60];
    memset(pkt, 0x11, sizeof pkt);
    assert_int_equal(tcp_frame_push(&q, pkt, 0), -EMSGSIZE);
    assert_int_equal(tcp_frame_push(&q, pkt, 40), 0);
    assert_int_equal(tcp_frame_push(&q, pkt, 60), -ENOBUFS); /* 42 + 62 > 100 */
    size_t len;
    const uint8_t *p = tcp_frame_pending(&q, &len);
    assert_int_equal(len, 42);
    assert_int_equal(p[0], 0);
    assert_int_equal(p[1], 40);
    assert_int_equal(p[2], 0x11);
    tcp_frame_consumed(&q, 30);                       /* a partial write */
    assert_int_equal(tcp_frame_push(&q, pkt, 60), 0); /* 12 + 62 fit, moved to the front */
    p = tcp_frame_pending(&q, &len);
    assert_int_equal(len, 74);
    assert_int_equal(p[12], 0);
    assert_int_equal(p[13], 60);
    /* what was queued reads back as the packets that went in */
    struct tcp_frame_reader *r = &reader;
    tcp_frame_reader_init(r);
    uint8_t head[30] = {0, 40};
    memset(head + 2, 0x11, 28);
    tcp_frame_feed(r, head, 30);
    tcp_frame_feed(r, p, len);
    uint8_t *out;
    size_t out_len;
    assert_int_equal(tcp_frame_next(r, &out, &out_len), 1);
    assert_int_equal(out_len, 40);
    assert_int_equal(tcp_frame_next(r, &out, &out_len), 1);
    assert_int_equal(out_len, 60);
    assert_int_equal(tcp_frame_next(r, &out, &out_len), 0);
    tcp_frame_consumed(&q, len);
    tcp_frame_pending(&q, &len);
    assert_int_equal(len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(packets_come_out_whole_in_any_cut),
        cmocka_unit_test(empty_frames_are_skipped),
        cmocka_unit_test(an_oversize_frame_ends_the_stream),
        cmocka_unit_test(the_reader_always_has_room_for_a_frame),
        cmocka_unit_test(the_queue_frames_whole_or_refuses_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Fuzzes the RFC 4571 reader with whatever arrives on an ICE-TCP connection, cut into reads
 * of sizes the input itself chooses: every packet that comes out must lie inside the
 * reader's buffer, be at most TCP_FRAME_PACKET_MAX long, and be the bytes that followed its
 * length prefix; the same stream fed in one piece must give the same packets. Each packet
 * is also queued for writing and read back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/tcp_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tcp_frame_reader cut, whole, echo;
static uint8_t qmem[4 * (TCP_FRAME_HEADER + TCP_FRAME_PACKET_MAX)];

/* Feeds the stream; returns a running hash of the packets, stopping at an error. */
static uint64_t run(struct tcp_frame_reader *r, const uint8_t *s, size_t n, const uint8_t *cuts,
                    size_t ncuts, int *err)
{
    tcp_frame_reader_init(r);
    uint64_t h = 1469598103934665603ULL;
    size_t off = 0, ci = 0;
    *err = 0;
    while (off < n) {
        size_t want = ncuts ? (size_t)cuts[ci++ % ncuts] * 13 + 1 : n - off;
        if (want > n - off)
            want = n - off;
        size_t took = tcp_frame_feed(r, s + off, want);
        if (took == 0)
            abort(); /* tcp_frame_space promises room while the stream is usable */
        off += took;
        uint8_t *pkt;
        size_t len;
        int rc;
        while ((rc = tcp_frame_next(r, &pkt, &len)) == 1) {
            if (len == 0 || len > TCP_FRAME_PACKET_MAX || pkt < r->buf ||
                pkt + len > r->buf + sizeof r->buf)
                abort();
            if (((size_t)pkt[-2] << 8 | pkt[-1]) != len)
                abort();
            for (size_t i = 0; i < len; i++)
                h = (h ^ pkt[i]) * 1099511628211ULL;
            h = (h ^ len) * 1099511628211ULL;
            /* the writer's frame of it reads back as the same packet */
            struct tcp_frame_queue q;
            tcp_frame_queue_init(&q, qmem, sizeof qmem);
            if (tcp_frame_push(&q, pkt, len) != 0)
                abort();
            size_t qlen;
            const uint8_t *qp = tcp_frame_pending(&q, &qlen);
            tcp_frame_reader_init(&echo);
            tcp_frame_feed(&echo, qp, qlen);
            uint8_t *back;
            size_t back_len;
            if (tcp_frame_next(&echo, &back, &back_len) != 1 || back_len != len ||
                memcmp(back, pkt, len) != 0)
                abort();
        }
        if (rc < 0) {
            *err = rc;
            return h;
        }
    }
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte says how many of the next bytes are read sizes */
    if (size < 1)
        return 0;
    size_t ncuts = data[0] % 16;
    if (ncuts > size - 1)
        ncuts = size - 1;
    const uint8_t *cuts = data + 1, *s = data + 1 + ncuts;
    size_t n = size - 1 - ncuts;
    int e1, e2;
    uint64_t h1 = run(&cut, s, n, cuts, ncuts, &e1);
    uint64_t h2 = run(&whole, s, n, NULL, 0, &e2);
    if (e1 != e2 || h1 != h2)
        abort();
    return 0;
}

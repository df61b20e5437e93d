/* tcp_frame: RFC 4571 framing of packets on a TCP stream, sans-I/O. Each packet travels as
 * a 16-bit big-endian length and then that many bytes. ICE-TCP (RFC 6544) carries STUN,
 * DTLS and SRTP this way, one frame per datagram it would otherwise have sent.
 *
 * Reading. A reader holds one connection's unread bytes in a fixed buffer: the caller reads
 * from the socket straight into tcp_frame_space() and says how much came (tcp_frame_wrote),
 * or copies bytes in (tcp_frame_feed), then takes whole packets with tcp_frame_next until it
 * says more bytes are needed. A frame longer than TCP_FRAME_PACKET_MAX is an error that ends
 * the stream: no peer of ours sends one (a UDP datagram that long is dropped too), and
 * skipping megabytes of a hostile stream is not worth its bookkeeping. A zero-length frame
 * is skipped. The packet comes out in place, writable (SRTP is decrypted where it lies), and
 * stays valid until the next call that adds bytes.
 *
 * Writing. A queue holds one connection's bytes waiting for the socket, bounded: a packet is
 * framed in whole or refused whole (-ENOBUFS), never cut, so the stream stays parseable
 * however much is dropped. Real-time media would rather lose a packet than wait behind a
 * full buffer. */
#ifndef CONFIDE_SFU_TCP_FRAME_H
#define CONFIDE_SFU_TCP_FRAME_H
#include <stddef.h>
#include <stdint.h>

/* The longest packet taken from a stream: a UDP datagram's limit (WORKER_DATAGRAM_MAX). */
#define TCP_FRAME_PACKET_MAX 1500
#define TCP_FRAME_HEADER 2
/* The longest packet that can be framed (the 16-bit length). */
#define TCP_FRAME_WRITE_MAX 65535

struct tcp_frame_reader {
    size_t start, end; /* unread bytes are buf[start..end) */
    uint8_t buf[2 * (TCP_FRAME_HEADER + TCP_FRAME_PACKET_MAX)];
};

void tcp_frame_reader_init(struct tcp_frame_reader *r);
/* Where the next bytes may go, and how many fit (never 0 while the stream is usable: room
 * for at least one whole frame is made by moving what is unread to the front). */
uint8_t *tcp_frame_space(struct tcp_frame_reader *r, size_t *cap);
/* n bytes were written at tcp_frame_space(); n ≤ its cap. */
void tcp_frame_wrote(struct tcp_frame_reader *r, size_t n);
/* Copies up to len bytes in; returns how many fitted. Take packets and feed the rest. */
size_t tcp_frame_feed(struct tcp_frame_reader *r, const uint8_t *data, size_t len);
/* The next whole packet: 1 and *pkt, *len; 0 when more bytes are needed; -EMSGSIZE when the
 * next frame is longer than TCP_FRAME_PACKET_MAX (the stream is then unusable). */
int tcp_frame_next(struct tcp_frame_reader *r, uint8_t **pkt, size_t *len);

struct tcp_frame_queue {
    uint8_t *buf; /* the caller's, cap bytes */
    size_t cap;
    size_t start, end; /* bytes to write are buf[start..end) */
};

void tcp_frame_queue_init(struct tcp_frame_queue *q, uint8_t *buf, size_t cap);
/* Frames pkt at the end: 0, -EMSGSIZE (len 0 or over TCP_FRAME_WRITE_MAX), -ENOBUFS (no
 * room for the whole frame: nothing was queued). */
int tcp_frame_push(struct tcp_frame_queue *q, const uint8_t *pkt, size_t len);
/* The bytes waiting, in one piece: *len of them at the returned pointer. */
const uint8_t *tcp_frame_pending(const struct tcp_frame_queue *q, size_t *len);
/* n of the pending bytes were written. */
void tcp_frame_consumed(struct tcp_frame_queue *q, size_t n);

#endif

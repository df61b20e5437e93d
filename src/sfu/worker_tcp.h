/* worker_tcp: ICE over TCP (RFC 6544) for one media worker: a listener on the worker's
 * address and port number, for browsers whose network lets no UDP through. The SDP offers a
 * passive TCP host candidate there; the browser connects (it is the active side) and then
 * sends what it would have sent in datagrams, each framed by a 16-bit length (RFC 4571,
 * tcp_frame.h). This module does the sockets; every packet it takes goes to the worker's
 * datagram path, so ICE, DTLS and SRTP neither know nor care.
 *
 * Addresses. A packet's source is the connection's remote address tagged with a connection
 * id (ice_addr_conn: slot and generation), so a pair over TCP is a candidate pair of its
 * own, and a packet for a closed connection never reaches a newer one in the same slot.
 * What the worker sends to such an address comes to worker_tcp_send.
 *
 * Limits. At most max_conns connections at once. A connection must carry, within
 * first_check_ms, a STUN message that passes some peer's ICE check (the packet callback says
 * whether its source is now a verified address); before that, anything that is not STUN
 * closes it. When every slot is taken, a new connection takes the place of the oldest one
 * that has passed no check yet, so silent connections cannot lock browsers out; only when
 * all are checked is it closed at accept (counted). A checked connection that receives nothing for
 * idle_ms is closed (the browser's consent checks come every few seconds on a pair in use).
 * A frame longer than a datagram may be, end of stream, or a read or write error closes it.
 * Each connection has a bounded write queue: a packet that does not fit is dropped whole
 * and counted (real-time media would rather lose a packet than queue behind a stall). The
 * socket's kernel send buffer is bounded too (SO_SNDBUF 128 KiB), or it would hold seconds
 * of media before the queue ever filled.
 *
 * Everything here runs on the worker's thread; buffers are allocated at accept, never per
 * packet. */
#ifndef CONFIDE_SFU_WORKER_TCP_H
#define CONFIDE_SFU_WORKER_TCP_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* epoll data of the listener and the connections: this bit set, the slot below it */
#define WORKER_TCP_EPOLL_TAG (1ull << 63)

/* Hands a packet to the worker; returns whether `from` is now a verified address. */
typedef bool (*worker_tcp_packet_fn)(void *arg, int64_t now_ms, const struct sockaddr_storage *from,
                                     uint8_t *data, size_t len);

struct worker_tcp_config {
    const struct sockaddr_in *bind; /* the worker's UDP address and port */
    int epfd;                       /* the worker's epoll */
    uint32_t max_conns;             /* 1..65534 */
    int64_t first_check_ms;         /* 0: 5000 */
    int64_t idle_ms;                /* 0: 30000 */
    size_t write_queue;             /* bytes per connection; 0: 65536 */
    worker_tcp_packet_fn on_packet;
    void *arg;
    _Atomic uint64_t *counters; /* the worker's (enum worker_counter) */
};

struct worker_tcp;

/* Listens. 0 or -errno (socket, bind, listen, epoll_ctl). */
int worker_tcp_start(const struct worker_tcp_config *cfg, struct worker_tcp **out);
/* Closes every connection and the listener. NULL is fine. */
void worker_tcp_free(struct worker_tcp *t);

/* An epoll event whose data has WORKER_TCP_EPOLL_TAG. */
void worker_tcp_event(struct worker_tcp *t, uint64_t data, uint32_t events, int64_t now_ms);
/* Frames pkt onto the connection `to` names (ice_addr_conn(to) != 0). 0, -ENOTCONN (closed
 * since), -ENOBUFS (its queue is full; counted). Written at the next worker_tcp_flush. */
int worker_tcp_send(struct worker_tcp *t, const struct sockaddr_storage *to, const uint8_t *pkt,
                    size_t len);
/* Writes what the connections have queued, as far as the sockets take it. */
void worker_tcp_flush(struct worker_tcp *t);
/* Closes connections past their deadlines; returns the next deadline (INT64_MAX: none). */
int64_t worker_tcp_tick(struct worker_tcp *t, int64_t now_ms);

#endif

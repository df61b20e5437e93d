/* worker: one media worker thread. It owns one UDP socket, an epoll loop that reads and
 * writes in batches (recvmmsg/sendmmsg, WORKER_BATCH datagrams, buffers from a pool
 * allocated once at start), its peers (peer.h) and its rooms. Nothing on the packet path
 * takes a lock or allocates.
 *
 * Routing. A STUN datagram goes to the peer whose local ufrag its USERNAME names
 * (ice_ufrag_of); everything else to the peer whose nominated address sent it, a table
 * updated on every PEER_EV_NOMINATED. Datagrams from an address nobody nominated are
 * dropped and counted.
 *
 * Forwarding (this first slice): a room is the set of peers given the same room id. Each
 * RTP packet decrypted from one peer is copied, given an SSRC of its own for each
 * subscriber (a hash of the subscriber, the publisher and the source SSRC, so streams from
 * several publishers never share an SSRC and so never reuse SRTP indexes), protected and
 * sent to every other peer of the room that can send. RTCP from publishers is counted and
 * dropped for now; sequence and timestamp rewriting, PLI, NACK and TWCC come later.
 *
 * Commands. Other threads talk to the worker only through worker_add_peer /
 * worker_remove_peer / worker_stop, which queue a command (a mutex-guarded list touched
 * once per wake-up, never per packet) and wake the loop through an eventfd. The peer is
 * built on the caller's thread, so bad credentials are reported at once, and handed over
 * whole; after that only the worker touches it.
 *
 * Counters are atomics, readable from any thread (worker_counter), for /metrics. */
#ifndef CONFIDE_SFU_WORKER_H
#define CONFIDE_SFU_WORKER_H
#include <stdint.h>

#include "sfu/dtls.h"
#include "sfu/ice.h"

#define WORKER_BATCH 32          /* datagrams per recvmmsg / sendmmsg */
#define WORKER_DATAGRAM_MAX 1500 /* bytes of one received datagram; longer ones are dropped */

struct worker_config {
    const char *bind_ip;                  /* IPv4 literal; NULL: 127.0.0.1 */
    uint16_t port;                        /* 0: any, see worker_port */
    const struct dtls_identity *identity; /* must outlive the worker */
    struct ice_config ice;
};

enum worker_counter {
    WORKER_RX_DATAGRAMS,
    WORKER_TX_DATAGRAMS,
    WORKER_RTP_FORWARDED,       /* copies sent to subscribers */
    WORKER_DROP_UNKNOWN_SOURCE, /* not STUN and from no nominated address */
    WORKER_DROP_UNKNOWN_UFRAG,  /* STUN for a ufrag no peer has, or no USERNAME */
    WORKER_DROP_TRUNCATED,      /* longer than WORKER_DATAGRAM_MAX */
    WORKER_DROP_PEER,           /* a peer refused it (its own stats say why) */
    WORKER_DROP_RTP_MALFORMED,  /* decrypted, but not RTP */
    WORKER_DROP_RTCP,           /* RTCP from publishers: not forwarded yet */
    WORKER_DROP_PROTECT,        /* protecting for a subscriber failed */
    WORKER_DROP_TX_FULL,        /* no send buffer was free */
    WORKER_DROP_TX_ERROR,       /* sendmmsg refused it */
    WORKER_PEERS_ADDED,
    WORKER_PEERS_REJECTED, /* duplicate id or ufrag */
    WORKER_PEERS_CLOSED,   /* freed because ICE went away or DTLS failed or closed */
    WORKER_COUNTER_COUNT
};

struct worker;

/* Binds the socket and starts the thread. 0, -EINVAL (bind_ip, identity), or -errno from
 * socket/bind/epoll/eventfd/pthread_create. */
int worker_start(const struct worker_config *cfg, struct worker **out);
/* Asks the thread to stop, joins it, frees every peer and the worker. NULL is fine. */
void worker_stop(struct worker *w);
/* The bound port (host order). */
uint16_t worker_port(const struct worker *w);

struct worker_peer_params {
    uint64_t peer_id; /* the caller's, unique in this worker */
    uint64_t room_id;
    const char *local_ufrag, *local_pwd, *remote_ufrag; /* remote_ufrag may be NULL */
    const char *remote_fingerprint;
};

/* Builds the peer here and queues it for the worker. 0, or what peer_new says. A
 * duplicate id or ufrag is refused later by the worker (WORKER_PEERS_REJECTED). */
int worker_add_peer(struct worker *w, const struct worker_peer_params *params);
/* Queues the removal; an unknown id is ignored. */
void worker_remove_peer(struct worker *w, uint64_t peer_id);

uint64_t worker_counter(const struct worker *w, enum worker_counter c);
/* snake_case, for /metrics labels. */
const char *worker_counter_name(enum worker_counter c);

#endif

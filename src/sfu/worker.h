/* worker: one media worker thread. It owns one UDP socket, an epoll loop that reads and
 * writes in batches (recvmmsg/sendmmsg, WORKER_BATCH datagrams, buffers from a pool
 * allocated once at start), its peers (peer.h) and its rooms. Nothing on the packet path
 * takes a lock or allocates. With tcp_conns it also serves ICE-TCP on the same port
 * (worker_tcp.h): each connection's packets take the datagram path under an address
 * tagged with the connection (ice_addr_conn), and what is sent to such an address is
 * framed onto that connection instead of sendmmsg.
 *
 * Routing. A STUN datagram goes to the peer whose local ufrag its USERNAME names
 * (ice_ufrag_of); everything else to the peer that sent it from an address that passed one
 * of its ICE checks, a table updated on every PEER_EV_VERIFIED (a few addresses per peer,
 * in fixed slots, so nothing is allocated). Datagrams from any other address are dropped
 * and counted.
 *
 * ICE restart (worker_restart_ice): new credentials for a peer in place. Its DTLS session,
 * SRTP keys and router state stay; checks under the new ufrag reach it, and a nomination
 * from a new address makes that the destination.
 *
 * Forwarding is the router's (router.h): a peer is a publish or a subscribe transport of
 * one participant of one room, and the worker hands the router every RTP and RTCP packet
 * its peers decrypt; what the router sends comes back through a sink that protects it with
 * the receiving peer's SRTP context and queues it for sendmmsg, in place.
 *
 * Commands. Other threads talk to the worker only through worker_add_peer /
 * worker_remove_peer / worker_set_tracks / worker_set_media / worker_set_view / worker_stop, which queue a
 * command (a mutex-guarded list touched once per wake-up, never per packet) and wake the loop
 * through an eventfd. The peer is built on the caller's thread, so bad credentials are reported at
 * once, and handed over whole; after that only the worker touches it.
 *
 * Events (the active speaker, a transport up or gone, a participant's connection quality
 * every ROUTER_QUALITY_INTERVAL_MS, video paused to a subscriber or back, the simulcast
 * layers a publisher has to send) go the other way through a second
 * queue that the service thread drains (worker_poll_events) on its own tick.
 *
 * Counters are atomics, readable from any thread (worker_counter), for /metrics. */
#ifndef CONFIDE_SFU_WORKER_H
#define CONFIDE_SFU_WORKER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/dtls.h"
#include "sfu/ice.h"
#include "sfu/router.h"

#define WORKER_BATCH 32          /* datagrams per recvmmsg / sendmmsg */
#define WORKER_DATAGRAM_MAX 1500 /* bytes of one received datagram; longer ones are dropped */

struct worker_config {
    const char *bind_ip;                  /* IPv4 literal; NULL: 127.0.0.1 */
    uint16_t port;                        /* 0: any, see worker_port */
    const struct dtls_identity *identity; /* must outlive the worker */
    struct ice_config ice;
    uint32_t tcp_conns; /* ICE-TCP (worker_tcp.h) on the same port: connections at once; 0: off */
};

enum worker_counter {
    WORKER_RX_DATAGRAMS,
    WORKER_TX_DATAGRAMS,
    WORKER_RTP_FORWARDED,       /* copies sent to subscribers */
    WORKER_DROP_UNKNOWN_SOURCE, /* not STUN and from no nominated address */
    WORKER_DROP_UNKNOWN_UFRAG,  /* STUN for a ufrag no peer has, or no USERNAME */
    WORKER_DROP_TRUNCATED,      /* longer than WORKER_DATAGRAM_MAX (or than a GRO buffer) */
    WORKER_DROP_PEER,           /* a peer refused it (its own stats say why) */
    WORKER_DROP_RTP_MALFORMED,  /* decrypted, but not RTP */
    WORKER_DROP_SUBSCRIBER_RTP, /* media sent on a subscribe transport */
    WORKER_DROP_PROTECT,        /* protecting for a subscriber failed */
    WORKER_DROP_TX_FULL,        /* no send buffer was free */
    WORKER_DROP_TX_ERROR,       /* sendmmsg refused it, or its ICE-TCP connection had closed */
    WORKER_PEERS_ADDED,
    WORKER_PEERS_REJECTED, /* duplicate id or ufrag */
    WORKER_PEERS_CLOSED,   /* freed because ICE went away or DTLS failed or closed */
    WORKER_DTLS_HANDSHAKES, /* DTLS handshakes completed (one per transport) */
    WORKER_DTLS_CONFIRMED,  /* DTLS connections freed on the remote's first SRTP */
    WORKER_ICE_RESTARTS,    /* ICE restarts in place (worker_restart_ice) */
    WORKER_ICE_TCP_ACCEPTED,  /* ICE-TCP connections taken (worker_tcp.h) */
    WORKER_ICE_TCP_REFUSED,   /* closed at accept: tcp_conns checked connections open */
    WORKER_ICE_TCP_CLOSED,    /* closed, for whatever reason; open = accepted - closed */
    WORKER_ICE_TCP_UNCHECKED, /* closed: no ICE check passed on it in time, or made room */
    WORKER_ICE_TCP_RX_PACKETS, /* packets (frames) taken from connections */
    WORKER_ICE_TCP_TX_PACKETS, /* packets queued onto connections */
    WORKER_ICE_TCP_DROP_FULL, /* packets dropped: the connection's write queue was full */
    WORKER_TX_GSO_DATAGRAMS,  /* datagrams sent in GSO sends (several in one entry) */
    WORKER_TX_GSO_SENDS,      /* sendmmsg entries that carried several datagrams (GSO) */
    WORKER_TX_GSO_FALLBACKS,  /* sockets that went back to plain sends: GSO refused */
    WORKER_RX_GRO_DATAGRAMS,  /* datagrams that came coalesced, several in one receive (GRO) */
    WORKER_RX_GRO_RECEIVES,   /* receives that held several datagrams (GRO) */
    WORKER_COUNTER_COUNT
};

struct worker;

/* Binds the socket (and with tcp_conns the TCP listener on the same address and port;
 * with port 0 both get the same number) and starts the thread. 0, -EINVAL (bind_ip, identity), or -errno from
 * socket/bind/epoll/eventfd/pthread_create. */
int worker_start(const struct worker_config *cfg, struct worker **out);
/* Asks the thread to stop, joins it, frees every peer and the worker. NULL is fine. */
void worker_stop(struct worker *w);
/* The bound port (host order). */
uint16_t worker_port(const struct worker *w);

enum worker_role { WORKER_PUBLISH, WORKER_SUBSCRIBE };

struct worker_peer_params {
    uint64_t peer_id; /* the caller's, unique in this worker */
    uint64_t room_id;
    uint32_t participant;
    enum worker_role role;
    const struct router_publish_params *publish; /* WORKER_PUBLISH: what it negotiated */
    const char *local_ufrag, *local_pwd, *remote_ufrag; /* remote_ufrag may be NULL */
    const char *remote_fingerprint;
};

/* Builds the peer here and queues it for the worker. 0, or what peer_new says. A
 * duplicate id or ufrag is refused later by the worker (WORKER_PEERS_REJECTED). */
int worker_add_peer(struct worker *w, const struct worker_peer_params *params);
/* Queues an ICE restart of a peer in place: its new local ufrag and pwd, and the remote
 * ufrag when known (NULL when the restart is our offer). local_ufrag NULL sets only the
 * remote ufrag (the answer to that offer came). 0, or -EINVAL (credentials); an unknown id
 * is ignored, and a local ufrag another peer has is refused (WORKER_PEERS_REJECTED). */
int worker_restart_ice(struct worker *w, uint64_t peer_id, const char *local_ufrag,
                       const char *local_pwd, const char *remote_ufrag);
/* Queues the removal; an unknown id is ignored. */
void worker_remove_peer(struct worker *w, uint64_t peer_id);
/* Queues a subscribe transport's new track list (router_set_tracks); copied. */
void worker_set_tracks(struct worker *w, uint64_t peer_id, const struct router_track *tracks,
                       size_t count);
/* Queues what a participant may send into the room (router_set_media). */
void worker_set_media(struct worker *w, uint64_t room_id, uint32_t participant, bool audio,
                      bool video);

/* Queues the size at which subscriber's page shows publisher's video (router_set_view). */
void worker_set_view(struct worker *w, uint64_t room_id, uint32_t subscriber, uint32_t publisher,
                     uint16_t width, uint16_t height);

/* What the worker tells the service thread, collected with worker_poll_events. */
enum worker_event_type {
    WORKER_EV_SPEAKER,   /* room, participant (0: nobody) */
    WORKER_EV_CONNECTED, /* peer_id: DTLS done, media flows */
    WORKER_EV_CLOSED,    /* peer_id: gone (ICE consent lost, DTLS failed or closed) */
    WORKER_EV_QUALITY,   /* room, participant: their link over the last window (quality) */
    WORKER_EV_VIDEO_PAUSED, /* room, participant (the subscriber), publisher, paused */
    WORKER_EV_LAYERS,       /* room, participant (a publisher): layers, the ones to send */
};

/* The worse of up and down for loss and jitter (router_quality): what the person lives
 * with, whichever way it goes wrong. */
struct worker_quality {
    uint16_t loss_permille;
    uint32_t jitter_ms;
    int32_t rtt_ms; /* -1: not measured yet */
    uint32_t estimate_kbps; /* what may be sent to them (router_quality); 0: none yet */
    bool video_paused;      /* audio first paused some video to them (router_quality) */
};

struct worker_event {
    enum worker_event_type type;
    uint64_t peer_id, room_id;
    uint32_t participant;
    struct worker_quality quality; /* WORKER_EV_QUALITY */
    uint32_t publisher;            /* WORKER_EV_VIDEO_PAUSED */
    bool paused;                   /* WORKER_EV_VIDEO_PAUSED */
    unsigned layers;               /* WORKER_EV_LAYERS: bit i, layer i (lowest first) */
};

/* router_quality folded into one reading. */
struct worker_quality worker_quality_of(const struct router_quality *q);

/* Takes up to cap queued events; returns how many. Any thread. */
size_t worker_poll_events(struct worker *w, struct worker_event *out, size_t cap);
/* The router's counters as of the worker's last timer run. Any thread. */
void worker_router_stats(struct worker *w, struct router_stats *out);

uint64_t worker_counter(const struct worker *w, enum worker_counter c);
/* snake_case, for /metrics labels. */
const char *worker_counter_name(enum worker_counter c);

#endif

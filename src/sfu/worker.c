#include "sfu/worker.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "sfu/gro_split.h"
#include "sfu/gso_batch.h"
#include "sfu/peer.h"
#include "sfu/router.h"
#include "sfu/rtp.h"
#include "sfu/rtpsec.h"
#include "sfu/stun.h"
#include "sfu/timer_heap.h"
#include "sfu/worker_tcp.h"

#define BUCKETS 256 /* power of two */
#define TX_SLOTS (4 * WORKER_BATCH)
#define TX_SIZE (WORKER_DATAGRAM_MAX + RTPSEC_RTCP_OVERHEAD_MAX + 44)
/* A receive buffer takes what UDP GRO may coalesce: up to 64 KiB of one sender's datagrams.
 * WORKER_BATCH of them is 2 MiB of address space, but only the bytes the kernel has
 * written are resident: a buffer grows into its pages as bursts need them. */
#define RX_SIZE 65536
#define RX_ROUNDS 16 /* recvmmsg batches per wake-up before timers get a turn */
#define EVENTS_MAX 4096 /* queued for the service thread; beyond that the oldest win */

/* One remote address a peer takes datagrams from: one that passed its ICE check, in the
 * slot the agent gave it (ICE_EV_VERIFIED), so the table mirrors the agent's. */
struct waddr {
    struct wpeer *owner;
    bool used;
    struct sockaddr_storage addr;
    struct waddr *next; /* in the bucket */
};

/* A peer as the worker files it. */
struct wpeer {
    uint64_t id, room;
    uint32_t participant;
    struct router_port *port;
    struct peer *peer;
    const char *ufrag; /* the peer's own copy */
    size_t ufrag_len;
    struct wpeer *ufrag_next;
    struct waddr addrs[ICE_VERIFIED_MAX];
    struct timer_node timer; /* at the peer's next deadline (or earlier), in the worker's heap */
    struct wpeer *prev, *next;
};

enum cmd_type { CMD_ADD, CMD_REMOVE, CMD_TRACKS, CMD_MEDIA, CMD_RESTART, CMD_VIEW, CMD_STOP };

struct cmd {
    enum cmd_type type;
    struct cmd *next;
    uint64_t peer_id, room_id;
    uint32_t participant;
    struct peer *peer;
    enum worker_role role;
    struct router_publish_params publish;
    struct router_track *tracks; /* cnames point into cnames */
    char (*cnames)[64];
    size_t track_count;
    bool audio, video;
    uint32_t publisher; /* CMD_VIEW: whose tile, and its size */
    uint16_t width, height;
    char *local_ufrag, *local_pwd, *remote_ufrag; /* CMD_RESTART; local_ufrag NULL: remote only */
};

struct worker {
    int sock, epfd, evfd;
    uint16_t port;
    pthread_t thread;
    const struct dtls_identity *identity;
    struct ice_config ice;
    struct worker_tcp *tcp; /* NULL: no ICE-TCP */

    pthread_mutex_t lock; /* guards head/tail, the events and the stats snapshot */
    struct cmd *head, *tail;
    struct worker_event *events;
    size_t event_count;
    struct router_stats stats_snapshot;

    _Atomic uint64_t counters[WORKER_COUNTER_COUNT];

    /* Everything below belongs to the worker thread. */
    bool stopping;
    struct router *router;
    struct router_sink sink;
    int64_t router_deadline;
    struct timer_heap timers; /* every peer; no peer's timer is due before its node's */
    struct wpeer *peers;
    struct wpeer *by_ufrag[BUCKETS];
    struct waddr *by_addr[BUCKETS];

    uint8_t *pool; /* all packet buffers, allocated once */
    struct mmsghdr rx_msgs[WORKER_BATCH];
    struct iovec rx_iov[WORKER_BATCH];
    struct sockaddr_storage rx_addr[WORKER_BATCH];
    union { /* aligned for the cmsghdr */
        struct cmsghdr align;
        uint8_t bytes[GRO_CONTROL_SPACE];
    } rx_control[WORKER_BATCH];
    struct mmsghdr tx_msgs[TX_SLOTS];
    struct iovec tx_iov[TX_SLOTS];
    struct sockaddr_storage tx_addr[TX_SLOTS];
    size_t tx_count;
    struct gso_batch *gso; /* the queue planned into sendmmsg entries, GSO where it can */
    bool gso_on;           /* false once the kernel refused it (WORKER_TX_GSO_FALLBACKS) */
    uint8_t reply[ICE_RESPONSE_MAX];
    struct dtls_datagram dtls_dg[DTLS_OUT_DATAGRAMS];
    struct dtls_out dtls_out;
    struct peer_out pout;
};

static const char *const counter_names[WORKER_COUNTER_COUNT] = {
    [WORKER_RX_DATAGRAMS] = "rx_datagrams",
    [WORKER_TX_DATAGRAMS] = "tx_datagrams",
    [WORKER_RTP_FORWARDED] = "rtp_forwarded",
    [WORKER_DROP_UNKNOWN_SOURCE] = "drop_unknown_source",
    [WORKER_DROP_UNKNOWN_UFRAG] = "drop_unknown_ufrag",
    [WORKER_DROP_TRUNCATED] = "drop_truncated",
    [WORKER_DROP_PEER] = "drop_peer",
    [WORKER_DROP_RTP_MALFORMED] = "drop_rtp_malformed",
    [WORKER_DROP_SUBSCRIBER_RTP] = "drop_subscriber_rtp",
    [WORKER_DROP_PROTECT] = "drop_protect",
    [WORKER_DROP_TX_FULL] = "drop_tx_full",
    [WORKER_DROP_TX_ERROR] = "drop_tx_error",
    [WORKER_PEERS_ADDED] = "peers_added",
    [WORKER_PEERS_REJECTED] = "peers_rejected",
    [WORKER_PEERS_CLOSED] = "peers_closed",
    [WORKER_DTLS_HANDSHAKES] = "dtls_handshakes",
    [WORKER_DTLS_CONFIRMED] = "dtls_confirmed",
    [WORKER_ICE_RESTARTS] = "ice_restarts",
    [WORKER_ICE_TCP_ACCEPTED] = "ice_tcp_accepted",
    [WORKER_ICE_TCP_REFUSED] = "ice_tcp_refused",
    [WORKER_ICE_TCP_CLOSED] = "ice_tcp_closed",
    [WORKER_ICE_TCP_UNCHECKED] = "ice_tcp_unchecked",
    [WORKER_ICE_TCP_RX_PACKETS] = "ice_tcp_rx_packets",
    [WORKER_ICE_TCP_TX_PACKETS] = "ice_tcp_tx_packets",
    [WORKER_ICE_TCP_DROP_FULL] = "ice_tcp_drop_full",
    [WORKER_TX_GSO_DATAGRAMS] = "tx_gso_datagrams",
    [WORKER_TX_GSO_SENDS] = "tx_gso_sends",
    [WORKER_TX_GSO_FALLBACKS] = "tx_gso_fallbacks",
    [WORKER_RX_GRO_DATAGRAMS] = "rx_gro_datagrams",
    [WORKER_RX_GRO_RECEIVES] = "rx_gro_receives",
};

const char *worker_counter_name(enum worker_counter c)
{
    return (unsigned)c < WORKER_COUNTER_COUNT ? counter_names[c] : "unknown";
}

uint64_t worker_counter(const struct worker *w, enum worker_counter c)
{
    if ((unsigned)c >= WORKER_COUNTER_COUNT)
        return 0;
    return atomic_load_explicit(&w->counters[c], memory_order_relaxed);
}

static void count(struct worker *w, enum worker_counter c, uint64_t n)
{
    atomic_fetch_add_explicit(&w->counters[c], n, memory_order_relaxed);
}

uint16_t worker_port(const struct worker *w)
{
    return w->port;
}

/* ---- events for the service thread ---- */

static void event_push(struct worker *w, enum worker_event_type type, uint64_t peer_id,
                       uint64_t room, uint32_t participant)
{
    pthread_mutex_lock(&w->lock);
    if (w->event_count < EVENTS_MAX)
        w->events[w->event_count++] = (struct worker_event){
            .type = type, .peer_id = peer_id, .room_id = room, .participant = participant};
    pthread_mutex_unlock(&w->lock);
}

size_t worker_poll_events(struct worker *w, struct worker_event *out, size_t cap)
{
    pthread_mutex_lock(&w->lock);
    size_t n = w->event_count < cap ? w->event_count : cap;
    memcpy(out, w->events, n * sizeof *out);
    memmove(w->events, w->events + n, (w->event_count - n) * sizeof *out);
    w->event_count -= n;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void worker_router_stats(struct worker *w, struct router_stats *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->stats_snapshot;
    pthread_mutex_unlock(&w->lock);
}

/* ---- tables ---- */

static uint64_t mix64(uint64_t x) /* splitmix64's finaliser */
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static size_t hash_bytes(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return (size_t)(mix64(h) & (BUCKETS - 1));
}

static size_t hash_addr(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)a;
        uint64_t x = ((uint64_t)v4->sin_addr.s_addr << 16) | v4->sin_port;
        return (size_t)(mix64(x) & (BUCKETS - 1));
    }
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)a;
    return hash_bytes(&v6->sin6_addr, sizeof v6->sin6_addr) ^ (v6->sin6_port & (BUCKETS - 1));
}

static struct wpeer *find_ufrag(struct worker *w, const char *ufrag, size_t len)
{
    for (struct wpeer *p = w->by_ufrag[hash_bytes(ufrag, len)]; p; p = p->ufrag_next)
        if (p->ufrag_len == len && memcmp(p->ufrag, ufrag, len) == 0)
            return p;
    return NULL;
}

static struct waddr *find_waddr(struct worker *w, const struct sockaddr_storage *a)
{
    for (struct waddr *x = w->by_addr[hash_addr(a)]; x; x = x->next)
        if (peer_addr_equal(&x->addr, a))
            return x;
    return NULL;
}

static struct wpeer *find_addr(struct worker *w, const struct sockaddr_storage *a)
{
    struct waddr *x = find_waddr(w, a);
    return x ? x->owner : NULL;
}

static struct wpeer *find_id(struct worker *w, uint64_t id)
{
    for (struct wpeer *p = w->peers; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

static void addr_unlink(struct worker *w, struct waddr *x)
{
    if (!x->used)
        return;
    for (struct waddr **pp = &w->by_addr[hash_addr(&x->addr)]; *pp; pp = &(*pp)->next) {
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    }
    x->used = false;
    x->next = NULL;
}

/* The peer's agent verified an address into `slot` (in place of what it held). An address
 * belongs to one peer: whoever held it before loses it. */
static void addr_set(struct worker *w, struct wpeer *wp, unsigned slot,
                     const struct sockaddr_storage *a)
{
    assert(slot < ICE_VERIFIED_MAX);
    struct waddr *x = &wp->addrs[slot];
    addr_unlink(w, x);
    struct waddr *other = find_waddr(w, a);
    if (other)
        addr_unlink(w, other);
    x->owner = wp;
    x->addr = *a;
    x->used = true;
    size_t h = hash_addr(a);
    x->next = w->by_addr[h];
    w->by_addr[h] = x;
}

static void ufrag_link(struct worker *w, struct wpeer *wp)
{
    wp->ufrag = peer_local_ufrag(wp->peer);
    wp->ufrag_len = strlen(wp->ufrag);
    size_t h = hash_bytes(wp->ufrag, wp->ufrag_len);
    wp->ufrag_next = w->by_ufrag[h];
    w->by_ufrag[h] = wp;
}

static void ufrag_unlink(struct worker *w, struct wpeer *wp)
{
    for (struct wpeer **pp = &w->by_ufrag[hash_bytes(wp->ufrag, wp->ufrag_len)]; *pp;
         pp = &(*pp)->ufrag_next) {
        if (*pp == wp) {
            *pp = wp->ufrag_next;
            break;
        }
    }
    wp->ufrag_next = NULL;
}

static void wpeer_remove(struct worker *w, struct wpeer *wp)
{
    for (size_t i = 0; i < ICE_VERIFIED_MAX; i++)
        addr_unlink(w, &wp->addrs[i]);
    ufrag_unlink(w, wp);
    timer_heap_remove(&w->timers, &wp->timer);
    if (wp->prev)
        wp->prev->next = wp->next;
    else
        w->peers = wp->next;
    if (wp->next)
        wp->next->prev = wp->prev;
    router_remove(w->router, wp->port);
    peer_free(wp->peer);
    free(wp);
}

static void wpeer_add(struct worker *w, struct cmd *c)
{
    const char *ufrag = peer_local_ufrag(c->peer);
    size_t len = strlen(ufrag);
    if (find_id(w, c->peer_id) || find_ufrag(w, ufrag, len)) {
        count(w, WORKER_PEERS_REJECTED, 1);
        peer_free(c->peer);
        return;
    }
    struct wpeer *wp = xcalloc(1, sizeof *wp);
    wp->id = c->peer_id;
    wp->room = c->room_id;
    wp->participant = c->participant;
    wp->peer = c->peer;
    if (c->role == WORKER_PUBLISH) {
        c->publish.room = c->room_id;
        c->publish.participant = c->participant;
        wp->port = router_add_publisher(w->router, &c->publish, wp);
    } else {
        wp->port = router_add_subscriber(w->router, c->room_id, c->participant, wp);
    }
    ufrag_link(w, wp);
    wp->next = w->peers;
    if (w->peers)
        w->peers->prev = wp;
    w->peers = wp;
    count(w, WORKER_PEERS_ADDED, 1);
    timer_node_init(&wp->timer);
    timer_heap_set(&w->timers, &wp->timer, peer_next_deadline(wp->peer));
}

/* ---- sending ---- */

static socklen_t addr_len(const struct sockaddr_storage *a)
{
    return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/* Counts what entries [from, to) carried once sendmmsg took them. */
static void tx_sent(struct worker *w, size_t from, size_t to)
{
    uint64_t all = 0, gso = 0, sends = 0;
    for (size_t i = from; i < to; i++) {
        size_t d = gso_batch_datagrams(w->gso, i);
        all += d;
        if (d > 1) {
            gso += d;
            sends++;
        }
    }
    count(w, WORKER_TX_DATAGRAMS, all);
    if (sends) {
        count(w, WORKER_TX_GSO_DATAGRAMS, gso);
        count(w, WORKER_TX_GSO_SENDS, sends);
    }
}

static void tx_flush(struct worker *w)
{
    size_t n = gso_batch_plan(w->gso, w->tx_msgs, w->tx_count, w->gso_on);
    struct mmsghdr *entries = gso_batch_entries(w->gso);
    size_t i = 0;
    while (i < n) {
        int sent = sendmmsg(w->sock, entries + i, (unsigned)(n - i), 0);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            if ((errno == EIO || errno == EINVAL) && gso_batch_is_gso(w->gso, i)) {
                /* the device cannot segment (EIO) or the kernel refuses this segment size
                 * (EINVAL): send plainly from now on, these datagrams too */
                w->gso_on = false;
                count(w, WORKER_TX_GSO_FALLBACKS, 1);
                n = gso_batch_unroll(w->gso, i);
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                for (; i < n; i++)
                    count(w, WORKER_DROP_TX_ERROR, gso_batch_datagrams(w->gso, i));
                break;
            }
            /* this one was refused; try the rest */
            count(w, WORKER_DROP_TX_ERROR, gso_batch_datagrams(w->gso, i));
            i++;
            continue;
        }
        tx_sent(w, i, i + (size_t)sent);
        i += (size_t)sent;
    }
    w->tx_count = 0;
    if (w->tcp)
        worker_tcp_flush(w->tcp);
}

/* A free send buffer of TX_SIZE bytes, flushing the queue when it is full. */
static uint8_t *tx_take(struct worker *w)
{
    if (w->tx_count == TX_SLOTS)
        tx_flush(w);
    if (w->tx_count == TX_SLOTS)
        return NULL;
    return w->tx_iov[w->tx_count].iov_base;
}

static void tx_push(struct worker *w, size_t len, const struct sockaddr_storage *to)
{
    if (ice_addr_conn(to)) { /* ICE-TCP: framed onto its connection; the slot stays free */
        if (!w->tcp ||
            worker_tcp_send(w->tcp, to, w->tx_iov[w->tx_count].iov_base, len) == -ENOTCONN)
            count(w, WORKER_DROP_TX_ERROR, 1); /* the connection has closed since */
        return;
    }
    size_t i = w->tx_count++;
    w->tx_iov[i].iov_len = len;
    socklen_t n = addr_len(to);
    memcpy(&w->tx_addr[i], to, n); /* 16 or 28 bytes, not the whole 128 of the storage */
    w->tx_msgs[i].msg_hdr.msg_namelen = n;
}

static void tx_copy(struct worker *w, const uint8_t *data, size_t len,
                    const struct sockaddr_storage *to)
{
    uint8_t *buf = tx_take(w);
    if (!buf || len > TX_SIZE) {
        count(w, WORKER_DROP_TX_FULL, 1);
        return;
    }
    memcpy(buf, data, len);
    tx_push(w, len, to);
}

/* ---- the router's sink ---- */

static uint8_t *sink_buffer(void *arg, size_t *cap)
{
    struct worker *w = arg;
    uint8_t *buf = tx_take(w);
    *cap = TX_SIZE - RTPSEC_RTCP_OVERHEAD_MAX;
    return buf;
}

static void sink_send(void *arg, void *port_user, uint8_t *buf, size_t len, bool rtcp)
{
    struct worker *w = arg;
    struct wpeer *to = port_user;
    if (!peer_can_send(to->peer))
        return;
    size_t out_len = 0;
    int rc = rtcp ? peer_protect_rtcp(to->peer, buf, len, TX_SIZE, &out_len)
                  : peer_protect_rtp(to->peer, buf, len, TX_SIZE, &out_len);
    if (rc < 0) {
        count(w, WORKER_DROP_PROTECT, 1);
        return;
    }
    tx_push(w, out_len, peer_destination(to->peer));
    if (!rtcp)
        count(w, WORKER_RTP_FORWARDED, 1);
}

static void sink_speaker(void *arg, uint64_t room, uint32_t participant)
{
    event_push(arg, WORKER_EV_SPEAKER, 0, room, participant);
}

struct worker_quality worker_quality_of(const struct router_quality *q)
{
    uint16_t up = q->up ? q->loss_up_permille : 0, down = q->down ? q->loss_down_permille : 0;
    uint32_t jup = q->up ? q->jitter_up_ms : 0, jdown = q->down ? q->jitter_down_ms : 0;
    return (struct worker_quality){
        .loss_permille = up > down ? up : down,
        .jitter_ms = jup > jdown ? jup : jdown,
        .rtt_ms = q->rtt_ms,
        .estimate_kbps = q->estimate_kbps,
        .video_paused = q->video_paused,
    };
}

static void sink_quality(void *arg, uint64_t room, uint32_t participant,
                         const struct router_quality *q)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->lock);
    if (w->event_count < EVENTS_MAX)
        w->events[w->event_count++] = (struct worker_event){.type = WORKER_EV_QUALITY,
                                                            .room_id = room,
                                                            .participant = participant,
                                                            .quality = worker_quality_of(q)};
    pthread_mutex_unlock(&w->lock);
}

static void sink_video_paused(void *arg, uint64_t room, uint32_t subscriber, uint32_t publisher,
                              bool paused)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->lock);
    if (w->event_count < EVENTS_MAX)
        w->events[w->event_count++] = (struct worker_event){.type = WORKER_EV_VIDEO_PAUSED,
                                                            .room_id = room,
                                                            .participant = subscriber,
                                                            .publisher = publisher,
                                                            .paused = paused};
    pthread_mutex_unlock(&w->lock);
}

static void sink_layers(void *arg, uint64_t room, uint32_t publisher, unsigned active)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->lock);
    if (w->event_count < EVENTS_MAX)
        w->events[w->event_count++] = (struct worker_event){
            .type = WORKER_EV_LAYERS, .room_id = room, .participant = publisher, .layers = active};
    pthread_mutex_unlock(&w->lock);
}

/* Sends what a peer call produced and acts on its events. Returns false when the peer was
 * closed and freed. */
static bool take_output(struct worker *w, struct wpeer *wp, const struct sockaddr_storage *from,
                        uint8_t *data)
{
    struct peer_out *o = &w->pout;
    if (o->reply_len > 0 && from)
        tx_copy(w, o->reply, o->reply_len, from);
    /* the nominated address was verified by the same check, so routing follows the
     * verified addresses alone */
    if (o->events & PEER_EV_VERIFIED)
        addr_set(w, wp, o->verified_slot, &o->verified_addr);
    if (o->events & PEER_EV_CONNECTED) {
        count(w, WORKER_DTLS_HANDSHAKES, 1);
        router_port_ready(w->router, wp->port, clock_mono_ms(), &w->sink);
        event_push(w, WORKER_EV_CONNECTED, wp->id, wp->room, wp->participant);
    }
    if (o->events & PEER_EV_CONFIRMED)
        count(w, WORKER_DTLS_CONFIRMED, 1);
    const struct sockaddr_storage *remote = peer_destination(wp->peer);
    for (size_t i = 0; i < o->dtls->count && remote; i++)
        tx_copy(w, o->dtls->datagrams[i].data, o->dtls->datagrams[i].len, remote);
    dtls_out_wipe(o->dtls);
    if (o->media == PEER_MEDIA_RTP) {
        if (router_port_publishes(wp->port))
            router_on_rtp(w->router, wp->port, data, o->media_len, clock_mono_ms(), &w->sink);
        else
            count(w, WORKER_DROP_SUBSCRIBER_RTP, 1);
    } else if (o->media == PEER_MEDIA_RTCP) {
        router_on_rtcp(w->router, wp->port, data, o->media_len, clock_mono_ms(), &w->sink);
    }
    if (o->events & PEER_EV_CLOSED) {
        count(w, WORKER_PEERS_CLOSED, 1);
        event_push(w, WORKER_EV_CLOSED, wp->id, wp->room, wp->participant);
        wpeer_remove(w, wp);
        return false;
    }
    return true;
}

static void handle_datagram(struct worker *w, int64_t now, const struct sockaddr_storage *from,
                            uint8_t *data, size_t len)
{
    struct wpeer *wp = NULL;
    if (stun_is_stun(data, len)) {
        const char *ufrag;
        size_t ufrag_len;
        if (ice_ufrag_of(data, len, &ufrag, &ufrag_len) == 0)
            wp = find_ufrag(w, ufrag, ufrag_len);
        else
            wp = find_addr(w, from); /* indications carry no USERNAME */
        if (!wp) {
            count(w, WORKER_DROP_UNKNOWN_UFRAG, 1);
            return;
        }
    } else {
        wp = find_addr(w, from);
        if (!wp) {
            count(w, WORKER_DROP_UNKNOWN_SOURCE, 1);
            return;
        }
    }
    if (peer_handle_datagram(wp->peer, now, from, data, len, &w->pout) < 0)
        count(w, WORKER_DROP_PEER, 1);
    /* STUN and DTLS may set a peer's timers earlier; SRTP never does, so the media path
     * skips the look */
    bool timers = len == 0 || data[0] < 128 || data[0] > 191;
    if (take_output(w, wp, from, data) && timers)
        timer_heap_set(&w->timers, &wp->timer, peer_next_deadline(wp->peer));
}

/* An ICE-TCP connection's packet, on the datagram path (worker_tcp.h). */
static bool tcp_packet(void *arg, int64_t now, const struct sockaddr_storage *from, uint8_t *data,
                       size_t len)
{
    struct worker *w = arg;
    handle_datagram(w, now, from, data, len);
    return find_addr(w, from) != NULL;
}

/* One received buffer: a datagram, or with UDP GRO several of one sender's, which go
 * to the datagram path one by one in the order they were sent. */
static void receive_buffer(struct worker *w, int64_t now, size_t i)
{
    struct msghdr *h = &w->rx_msgs[i].msg_hdr;
    size_t len = w->rx_msgs[i].msg_len, segment = gro_segment_of(h);
    size_t datagrams = gro_split_count(len, segment);
    count(w, WORKER_RX_DATAGRAMS, datagrams);
    if (datagrams > 1) {
        count(w, WORKER_RX_GRO_DATAGRAMS, datagrams);
        count(w, WORKER_RX_GRO_RECEIVES, 1);
    }
    if (h->msg_flags & MSG_TRUNC) { /* longer than RX_SIZE: the rest is lost, drop it all */
        count(w, WORKER_DROP_TRUNCATED, datagrams);
        return;
    }
    const struct sockaddr_storage *from = &w->rx_addr[i];
    if (from->ss_family != AF_INET && from->ss_family != AF_INET6)
        return;
    struct gro_split split;
    gro_split_init(&split, w->rx_iov[i].iov_base, len, segment);
    uint8_t *data;
    size_t dlen;
    while (gro_split_next(&split, &data, &dlen)) {
        if (dlen > WORKER_DATAGRAM_MAX)
            count(w, WORKER_DROP_TRUNCATED, 1);
        else
            handle_datagram(w, now, from, data, dlen);
    }
}

static void receive(struct worker *w)
{
    for (int round = 0; round < RX_ROUNDS; round++) {
        for (size_t i = 0; i < WORKER_BATCH; i++) {
            w->rx_msgs[i].msg_hdr.msg_namelen = sizeof w->rx_addr[i];
            w->rx_msgs[i].msg_hdr.msg_controllen = sizeof w->rx_control[i];
            w->rx_msgs[i].msg_hdr.msg_flags = 0;
            w->rx_iov[i].iov_len = RX_SIZE;
        }
        int n = recvmmsg(w->sock, w->rx_msgs, WORKER_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        int64_t now = clock_mono_ms();
        for (int i = 0; i < n; i++)
            receive_buffer(w, now, (size_t)i);
        tx_flush(w);
        if (n < WORKER_BATCH)
            break;
    }
}

/* Runs due timers; returns the next deadline. */
static int64_t run_timers(struct worker *w, int64_t now)
{
    struct timer_node *n;
    while ((n = timer_heap_peek(&w->timers)) && n->deadline <= now) {
        struct wpeer *wp = (struct wpeer *)((char *)n - offsetof(struct wpeer, timer));
        if (peer_next_deadline(wp->peer) <= now) {
            peer_tick(wp->peer, now, &w->pout);
            if (!take_output(w, wp, NULL, NULL))
                continue; /* closed: out of the heap */
        }
        /* OpenSSL's timer may lag ours by its rounding and leave the deadline due: at
         * most one tick a peer per call, the next on a later millisecond */
        int64_t d = peer_next_deadline(wp->peer);
        timer_heap_set(&w->timers, &wp->timer, d > now ? d : now + 1);
    }
    int64_t next = timer_heap_next(&w->timers);
    if (now >= w->router_deadline) {
        w->router_deadline = router_tick(w->router, now, &w->sink);
        pthread_mutex_lock(&w->lock);
        w->stats_snapshot = *router_stats(w->router);
        pthread_mutex_unlock(&w->lock);
    }
    if (w->router_deadline < next)
        next = w->router_deadline;
    tx_flush(w);
    return next;
}

/* ---- commands ---- */

static void cmd_free(struct cmd *c)
{
    free(c->local_ufrag);
    if (c->local_pwd)
        explicit_bzero(c->local_pwd, strlen(c->local_pwd));
    free(c->local_pwd);
    free(c->remote_ufrag);
    free(c->tracks);
    free(c->cnames);
    free(c);
}

static void cmd_push(struct worker *w, struct cmd *c)
{
    pthread_mutex_lock(&w->lock);
    if (w->tail)
        w->tail->next = c;
    else
        w->head = c;
    w->tail = c;
    pthread_mutex_unlock(&w->lock);
    uint64_t one = 1;
    ssize_t rc = write(w->evfd, &one, sizeof one);
    (void)rc; /* only fails when the counter is near 2^64: the loop is awake anyway */
}

static struct cmd *cmd_take_all(struct worker *w)
{
    pthread_mutex_lock(&w->lock);
    struct cmd *c = w->head;
    w->head = w->tail = NULL;
    pthread_mutex_unlock(&w->lock);
    return c;
}

/* ICE restart in place: the peer keeps its DTLS session, SRTP contexts, router port and
 * verified addresses; only its credentials change, so it is filed under its new ufrag. A
 * ufrag another peer has is refused, as for a new peer. */
static void restart_ice(struct worker *w, const struct cmd *c)
{
    struct wpeer *wp = find_id(w, c->peer_id);
    if (!wp)
        return;
    if (!c->local_ufrag) {
        if (peer_set_remote_ufrag(wp->peer, c->remote_ufrag) < 0)
            count(w, WORKER_PEERS_REJECTED, 1);
        return;
    }
    struct wpeer *other = find_ufrag(w, c->local_ufrag, strlen(c->local_ufrag));
    if (other && other != wp) {
        count(w, WORKER_PEERS_REJECTED, 1);
        return;
    }
    ufrag_unlink(w, wp); /* hashed under the old ufrag, which the restart overwrites */
    int rc = peer_ice_restart(wp->peer, clock_mono_ms(), c->local_ufrag, c->local_pwd,
                              c->remote_ufrag);
    ufrag_link(w, wp);
    if (rc < 0) {
        count(w, WORKER_PEERS_REJECTED, 1);
        return;
    }
    count(w, WORKER_ICE_RESTARTS, 1);
    timer_heap_set(&w->timers, &wp->timer, peer_next_deadline(wp->peer));
}

static void run_commands(struct worker *w)
{
    uint64_t v;
    ssize_t rc = read(w->evfd, &v, sizeof v);
    (void)rc;
    struct cmd *c = cmd_take_all(w);
    while (c) {
        struct cmd *next = c->next;
        switch (c->type) {
        case CMD_ADD:
            wpeer_add(w, c);
            break;
        case CMD_REMOVE: {
            struct wpeer *wp = find_id(w, c->peer_id);
            if (wp)
                wpeer_remove(w, wp);
            break;
        }
        case CMD_TRACKS: {
            struct wpeer *wp = find_id(w, c->peer_id);
            if (wp && router_set_tracks(w->router, wp->port, c->tracks, c->track_count) == 0 &&
                peer_can_send(wp->peer))
                router_port_ready(w->router, wp->port, clock_mono_ms(), &w->sink);
            break;
        }
        case CMD_RESTART:
            restart_ice(w, c);
            break;
        case CMD_MEDIA:
            router_set_media(w->router, c->room_id, c->participant, c->audio, c->video);
            break;
        case CMD_VIEW:
            router_set_view(w->router, c->room_id, c->participant, c->publisher, c->width,
                            c->height);
            break;
        case CMD_STOP:
            w->stopping = true;
            break;
        }
        cmd_free(c);
        c = next;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    while (!w->stopping) {
        int64_t now = clock_mono_ms();
        int64_t next = run_timers(w, now);
        if (w->tcp) {
            int64_t t = worker_tcp_tick(w->tcp, now);
            next = t < next ? t : next;
        }
        int timeout = -1;
        if (next != INT64_MAX) {
            int64_t wait = next - now;
            /* OpenSSL's timer may lag ours by its rounding: never spin on a due deadline */
            if (wait < 5)
                wait = 5;
            timeout = wait > 60000 ? 60000 : (int)wait;
        }
        struct epoll_event evs[16];
        int n = epoll_wait(w->epfd, evs, 16, timeout);
        if (n < 0 && errno != EINTR) {
            log_error("sfu", "epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            if ((evs[i].data.u64 & WORKER_TCP_EPOLL_TAG) && w->tcp) {
                worker_tcp_event(w->tcp, evs[i].data.u64, evs[i].events, clock_mono_ms());
                tx_flush(w);
            } else if (evs[i].data.u64 == (uint64_t)w->evfd)
                run_commands(w);
            else if (evs[i].data.u64 == (uint64_t)w->sock)
                receive(w);
        }
    }
    return NULL;
}

/* ---- life cycle ---- */

int worker_add_peer(struct worker *w, const struct worker_peer_params *params)
{
    struct peer_params pp = {
        .identity = w->identity,
        .local_ufrag = params->local_ufrag,
        .local_pwd = params->local_pwd,
        .remote_ufrag = params->remote_ufrag,
        .remote_fingerprint = params->remote_fingerprint,
        .ice = w->ice,
    };
    struct peer *p;
    int rc = peer_new(&pp, clock_mono_ms(), &p);
    if (rc < 0)
        return rc;
    struct cmd *c = xcalloc(1, sizeof *c);
    c->type = CMD_ADD;
    c->peer_id = params->peer_id;
    c->room_id = params->room_id;
    c->participant = params->participant;
    c->role = params->role;
    if (params->role == WORKER_PUBLISH && params->publish)
        c->publish = *params->publish;
    c->peer = p;
    cmd_push(w, c);
    return 0;
}

void worker_set_tracks(struct worker *w, uint64_t peer_id, const struct router_track *tracks,
                       size_t count)
{
    struct cmd *c = xcalloc(1, sizeof *c);
    c->type = CMD_TRACKS;
    c->peer_id = peer_id;
    c->track_count = count;
    c->tracks = xcalloc(count ? count : 1, sizeof *c->tracks);
    c->cnames = xcalloc(count ? count : 1, sizeof *c->cnames);
    for (size_t i = 0; i < count; i++) {
        c->tracks[i] = tracks[i];
        snprintf(c->cnames[i], sizeof c->cnames[i], "%s", tracks[i].cname ? tracks[i].cname : "");
        c->tracks[i].cname = c->cnames[i];
    }
    cmd_push(w, c);
}

void worker_set_media(struct worker *w, uint64_t room_id, uint32_t participant, bool audio,
                      bool video)
{
    struct cmd *c = xcalloc(1, sizeof *c);
    c->type = CMD_MEDIA;
    c->room_id = room_id;
    c->participant = participant;
    c->audio = audio;
    c->video = video;
    cmd_push(w, c);
}

void worker_set_view(struct worker *w, uint64_t room_id, uint32_t subscriber, uint32_t publisher,
                     uint16_t width, uint16_t height)
{
    struct cmd *c = xcalloc(1, sizeof *c);
    c->type = CMD_VIEW;
    c->room_id = room_id;
    c->participant = subscriber;
    c->publisher = publisher;
    c->width = width;
    c->height = height;
    cmd_push(w, c);
}

int worker_restart_ice(struct worker *w, uint64_t peer_id, const char *local_ufrag,
                       const char *local_pwd, const char *remote_ufrag)
{
    if (!local_ufrag && !remote_ufrag)
        return -EINVAL;
    if (local_ufrag && ice_credentials_check(local_ufrag, local_pwd, remote_ufrag) < 0)
        return -EINVAL;
    struct cmd *c = xcalloc(1, sizeof *c);
    c->type = CMD_RESTART;
    c->peer_id = peer_id;
    c->local_ufrag = local_ufrag ? xstrdup(local_ufrag) : NULL;
    c->local_pwd = local_pwd && local_ufrag ? xstrdup(local_pwd) : NULL;
    c->remote_ufrag = remote_ufrag ? xstrdup(remote_ufrag) : NULL;
    cmd_push(w, c);
    return 0;
}

void worker_remove_peer(struct worker *w, uint64_t peer_id)
{
    struct cmd *c = xcalloc(1, sizeof *c);
    c->type = CMD_REMOVE;
    c->peer_id = peer_id;
    cmd_push(w, c);
}

static void worker_free(struct worker *w)
{
    while (w->peers)
        wpeer_remove(w, w->peers);
    struct cmd *c = cmd_take_all(w);
    while (c) {
        struct cmd *next = c->next;
        peer_free(c->peer);
        cmd_free(c);
        c = next;
    }
    router_free(w->router);
    worker_tcp_free(w->tcp);
    free(w->events);
    if (w->sock >= 0)
        close(w->sock);
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->evfd >= 0)
        close(w->evfd);
    pthread_mutex_destroy(&w->lock);
    free(w->pool);
    gso_batch_free(w->gso);
    timer_heap_free(&w->timers);
    free(w);
}

static void setup_buffers(struct worker *w)
{
    size_t rx_bytes = (size_t)WORKER_BATCH * RX_SIZE;
    size_t tx_bytes = (size_t)TX_SLOTS * TX_SIZE;
    size_t dtls_bytes = (size_t)DTLS_OUT_DATAGRAMS * DTLS_MTU;
    w->pool = xmalloc(rx_bytes + tx_bytes + dtls_bytes);
    uint8_t *p = w->pool;
    for (size_t i = 0; i < WORKER_BATCH; i++) {
        w->rx_iov[i] = (struct iovec){.iov_base = p, .iov_len = RX_SIZE};
        w->rx_msgs[i].msg_hdr = (struct msghdr){.msg_name = &w->rx_addr[i],
                                                .msg_namelen = sizeof w->rx_addr[i],
                                                .msg_iov = &w->rx_iov[i],
                                                .msg_iovlen = 1,
                                                .msg_control = w->rx_control[i].bytes,
                                                .msg_controllen = sizeof w->rx_control[i]};
        p += RX_SIZE;
    }
    for (size_t i = 0; i < TX_SLOTS; i++) {
        w->tx_iov[i] = (struct iovec){.iov_base = p, .iov_len = 0};
        w->tx_msgs[i].msg_hdr =
            (struct msghdr){.msg_name = &w->tx_addr[i], .msg_iov = &w->tx_iov[i], .msg_iovlen = 1};
        p += TX_SIZE;
    }
    for (size_t i = 0; i < DTLS_OUT_DATAGRAMS; i++) {
        w->dtls_dg[i] = (struct dtls_datagram){.data = p, .cap = DTLS_MTU};
        p += DTLS_MTU;
    }
    w->gso = gso_batch_new(TX_SLOTS);
    w->dtls_out = (struct dtls_out){.datagrams = w->dtls_dg, .datagrams_max = DTLS_OUT_DATAGRAMS};
    w->pout =
        (struct peer_out){.reply = w->reply, .reply_cap = sizeof w->reply, .dtls = &w->dtls_out};
}

/* The UDP socket, bound; sin gets the port it has. 0 or -errno. */
static int bind_udp(struct worker *w, struct sockaddr_in *sin)
{
    w->sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (w->sock < 0)
        return -errno;
    int rcvbuf = 4 << 20; /* bursts of video; the kernel caps it at net.core.rmem_max */
    (void)setsockopt(w->sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    /* UDP_SEGMENT known (Linux >= 4.18): 0 sets no default, sends ask for it one by one */
    int no_default = 0;
    w->gso_on = setsockopt(w->sock, SOL_UDP, UDP_SEGMENT, &no_default, sizeof no_default) == 0;
    if (!w->gso_on)
        count(w, WORKER_TX_GSO_FALLBACKS, 1);
    /* GRO: a publisher's back-to-back packets (a video frame's) may come in one receive.
     * Refused (Linux < 5.0): one datagram a receive, as before */
    int gro = 1;
    (void)setsockopt(w->sock, SOL_UDP, UDP_GRO, &gro, sizeof gro);
    socklen_t sl = sizeof *sin;
    if (bind(w->sock, (struct sockaddr *)sin, sizeof *sin) < 0 ||
        getsockname(w->sock, (struct sockaddr *)sin, &sl) < 0)
        return -errno;
    return 0;
}

int worker_start(const struct worker_config *cfg, struct worker **out)
{
    *out = NULL;
    if (!cfg->identity)
        return -EINVAL;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(cfg->port)};
    if (inet_pton(AF_INET, cfg->bind_ip ? cfg->bind_ip : "127.0.0.1", &sin.sin_addr) != 1)
        return -EINVAL;

    struct worker *w = xcalloc(1, sizeof *w);
    w->sock = w->epfd = w->evfd = -1;
    w->identity = cfg->identity;
    w->ice = cfg->ice;
    pthread_mutex_init(&w->lock, NULL);
    uint32_t seed;
    rand_bytes(&seed, sizeof seed);
    w->router = router_new(seed);
    w->sink = (struct router_sink){.buffer = sink_buffer,
                                   .send = sink_send,
                                   .speaker = sink_speaker,
                                   .quality = sink_quality,
                                   .video_paused = sink_video_paused,
                                   .layers = sink_layers,
                                   .arg = w};
    w->events = xcalloc(EVENTS_MAX, sizeof *w->events);
    for (size_t i = 0; i < WORKER_COUNTER_COUNT; i++)
        atomic_init(&w->counters[i], 0);
    setup_buffers(w);

    int rc;
    w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->evfd < 0)
        goto fail_errno;
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epfd < 0)
        goto fail_errno;
    /* ICE-TCP listens on the same number as UDP; with port 0 the one the kernel picked for
     * UDP may be taken for TCP, and UDP then tries another */
    for (int tries = 0;; tries++) {
        rc = bind_udp(w, &sin);
        if (rc == 0 && cfg->tcp_conns) {
            struct worker_tcp_config tc = {.bind = &sin,
                                           .epfd = w->epfd,
                                           .max_conns = cfg->tcp_conns,
                                           .on_packet = tcp_packet,
                                           .arg = w,
                                           .counters = w->counters};
            rc = worker_tcp_start(&tc, &w->tcp);
        }
        if (rc != -EADDRINUSE || cfg->port != 0 || tries == 8)
            break;
        close(w->sock);
        w->sock = -1;
        sin.sin_port = 0;
    }
    if (rc < 0)
        goto fail;
    w->port = ntohs(sin.sin_port);
    /* u64, not fd: the upper half must be zero, it tells ICE-TCP's events apart */
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)w->sock};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->sock, &ev) < 0)
        goto fail_errno;
    ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = (uint64_t)w->evfd};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0)
        goto fail_errno;
    rc = pthread_create(&w->thread, NULL, worker_main, w);
    if (rc != 0) {
        rc = -rc;
        goto fail;
    }
    *out = w;
    return 0;
fail_errno:
    rc = -errno;
fail:
    worker_free(w);
    return rc;
}

void worker_stop(struct worker *w)
{
    if (!w)
        return;
    struct cmd *c = xcalloc(1, sizeof *c);
    c->type = CMD_STOP;
    cmd_push(w, c);
    pthread_join(w->thread, NULL);
    worker_free(w);
}

/* worker: a real media worker on 127.0.0.1, and two clients played by the test over
 * loopback UDP with confide's own modules in client roles: a STUN check that nominates,
 * a DTLS client handshake, SRTP keyed from it, RTP from A arriving at B decrypted with the
 * payload intact and the SSRC rewritten; datagrams from unknown addresses and garbage
 * counted, never crashing; stopping joins and frees everything (LSan checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/rand.h"
#include "sfu/dtls.h"
#include "sfu/router.h"
#include "sfu/rtp.h"
#include "sfu/rtpsec.h"
#include "sfu/stun.h"
#include "sfu/tcp_frame.h"
#include "sfu/worker.h"

#define PWD_A "serverpasswordforA0123456"
#define PWD_B "serverpasswordforB0123456"

static struct dtls_identity *server_id, *id_a, *id_b;

struct client {
    int fd;
    struct sockaddr_in self;
    const char *srv_ufrag, *srv_pwd, *cli_ufrag;
    struct dtls_peer *dtls;
    uint8_t bufs[DTLS_OUT_DATAGRAMS][DTLS_MTU];
    struct dtls_datagram dg[DTLS_OUT_DATAGRAMS];
    struct dtls_out out;
    struct rtpsec_context *tx, *rx;
};

static struct sockaddr_in worker_addr;

static int udp_socket(struct sockaddr_in *self)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    if (self) {
        socklen_t sl = sizeof *self;
        assert_int_equal(getsockname(fd, (struct sockaddr *)self, &sl), 0);
    }
    return fd;
}

/* ICE-TCP clients: their sockets, each with its RFC 4571 reader; send_raw and recv_within
 * frame and unframe for them. */
static struct {
    bool used;
    int fd;
    struct tcp_frame_reader rd;
} tcp_clients[3];

static struct tcp_frame_reader *tcp_reader(int fd)
{
    for (size_t i = 0; i < 3; i++)
        if (tcp_clients[i].used && tcp_clients[i].fd == fd)
            return &tcp_clients[i].rd;
    return NULL;
}

static int tcp_rcvbuf; /* when set, the next TCP client's receive buffer: a slow reader */

static int tcp_socket(struct sockaddr_in *self)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    if (tcp_rcvbuf) /* before connect, so the window is small from the start */
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tcp_rcvbuf, sizeof tcp_rcvbuf), 0);
    assert_int_equal(connect(fd, (const struct sockaddr *)&worker_addr, sizeof worker_addr), 0);
    if (self) {
        socklen_t sl = sizeof *self;
        assert_int_equal(getsockname(fd, (struct sockaddr *)self, &sl), 0);
    }
    for (size_t i = 0; i < 3; i++) {
        if (!tcp_clients[i].used) {
            tcp_clients[i].used = true;
            tcp_clients[i].fd = fd;
            tcp_frame_reader_init(&tcp_clients[i].rd);
            return fd;
        }
    }
    fail_msg("too many TCP clients");
    return -1;
}

static void tcp_close(int fd)
{
    for (size_t i = 0; i < 3; i++)
        if (tcp_clients[i].used && tcp_clients[i].fd == fd)
            tcp_clients[i].used = false;
    close(fd);
}

static void send_raw(int fd, const void *data, size_t len)
{
    if (tcp_reader(fd)) {
        uint8_t frame[TCP_FRAME_HEADER + 2048];
        assert_true(len <= 2048);
        frame[0] = (uint8_t)(len >> 8);
        frame[1] = (uint8_t)len;
        memcpy(frame + 2, data, len);
        assert_int_equal(send(fd, frame, len + 2, MSG_NOSIGNAL), (ssize_t)(len + 2));
        return;
    }
    ssize_t n = sendto(fd, data, len, 0, (const struct sockaddr *)&worker_addr, sizeof worker_addr);
    assert_int_equal(n, (ssize_t)len);
}

/* One datagram (or, over TCP, one packet) within ms, or -1; -2 when a TCP connection was
 * closed by the worker. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t cap, int ms)
{
    struct tcp_frame_reader *rd = tcp_reader(fd);
    if (rd) {
        int64_t end = clock_mono_ms() + ms;
        for (;;) {
            uint8_t *pkt;
            size_t len;
            if (tcp_frame_next(rd, &pkt, &len) == 1) {
                assert_true(len <= cap);
                memcpy(buf, pkt, len);
                return (ssize_t)len;
            }
            struct pollfd p = {.fd = fd, .events = POLLIN};
            int left = (int)(end - clock_mono_ms());
            if (poll(&p, 1, left > 0 ? left : 0) <= 0)
                return -1;
            size_t room;
            uint8_t *space = tcp_frame_space(rd, &room);
            ssize_t n = recv(fd, space, room, 0);
            if (n <= 0)
                return -2;
            tcp_frame_wrote(rd, (size_t)n);
        }
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return -1;
    return recv(fd, buf, cap, 0);
}

/* Waits for a counter to reach at_least: checked every millisecond, for up to 5 s. */
static void wait_counter(struct worker *w, enum worker_counter c, uint64_t at_least)
{
    int64_t end = clock_mono_ms() + 5000;
    while (worker_counter(w, c) < at_least && clock_mono_ms() < end) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (worker_counter(w, c) < at_least)
        fail_msg("%s is %llu, expected at least %llu", worker_counter_name(c),
                 (unsigned long long)worker_counter(w, c), (unsigned long long)at_least);
}

/* Returns once the worker has run every command queued before: commands run in order, so
 * when a peer added under an id that is taken (existing_id) has been refused, the ones
 * before it have been taken too. */
static void commands_taken(struct worker *w, uint64_t existing_id, const struct dtls_identity *of)
{
    uint64_t rejected = worker_counter(w, WORKER_PEERS_REJECTED);
    struct worker_peer_params pp = {.peer_id = existing_id,
                                    .local_ufrag = "fence",
                                    .local_pwd = PWD_A,
                                    .remote_fingerprint = dtls_identity_fingerprint(of)};
    assert_int_equal(worker_add_peer(w, &pp), 0);
    wait_counter(w, WORKER_PEERS_REJECTED, rejected + 1);
}

/* Returns once the worker has handled every datagram sent to it before, and has sent
 * whatever it answered: a stranger's empty datagram is counted when handled, and a second
 * one, sent only then, comes in a later batch, after the first batch's sends. */
static void datagrams_settled(struct worker *w)
{
    int fd = udp_socket(NULL);
    for (int i = 0; i < 2; i++) {
        uint64_t unknown = worker_counter(w, WORKER_DROP_UNKNOWN_SOURCE);
        send_raw(fd, "", 0);
        wait_counter(w, WORKER_DROP_UNKNOWN_SOURCE, unknown + 1);
    }
    close(fd);
}

static void client_init(struct client *c, const char *srv_ufrag, const char *srv_pwd,
                        const char *cli_ufrag)
{
    memset(c, 0, sizeof *c);
    c->fd = udp_socket(&c->self);
    c->srv_ufrag = srv_ufrag;
    c->srv_pwd = srv_pwd;
    c->cli_ufrag = cli_ufrag;
    for (size_t i = 0; i < DTLS_OUT_DATAGRAMS; i++)
        c->dg[i] = (struct dtls_datagram){.data = c->bufs[i], .cap = sizeof c->bufs[i]};
    c->out = (struct dtls_out){.datagrams = c->dg, .datagrams_max = DTLS_OUT_DATAGRAMS};
}

/* A client that connects over TCP to the worker's passive candidate. */
static void client_init_tcp(struct client *c, const char *srv_ufrag, const char *srv_pwd,
                            const char *cli_ufrag)
{
    client_init(c, srv_ufrag, srv_pwd, cli_ufrag);
    close(c->fd);
    c->fd = tcp_socket(&c->self);
}

static void client_free(struct client *c)
{
    if (tcp_reader(c->fd))
        tcp_close(c->fd);
    else
        close(c->fd);
    dtls_peer_free(c->dtls);
    rtpsec_context_free(c->tx);
    rtpsec_context_free(c->rx);
}

/* A check as a controlling browser sends it, nominating or not (its first one does not);
 * the worker picks the peer up asynchronously, so the check is repeated until answered, as
 * a browser would. */
static void client_check_as(struct client *c, bool nominate)
{
    char user[128];
    snprintf(user, sizeof user, "%s:%s", c->srv_ufrag, c->cli_ufrag);
    uint8_t tid[STUN_TID_SIZE];
    rand_bytes(tid, sizeof tid);
    uint8_t req[256];
    struct stun_builder b;
    stun_build_init(&b, req, sizeof req, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, user, strlen(user));
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 0x6e7f1eff);
    if (nominate)
        stun_add(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
    stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLING, 0x0123456789abcdefULL);
    stun_add_integrity(&b, c->srv_pwd, strlen(c->srv_pwd));
    stun_add_fingerprint(&b);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);

    uint8_t resp[1500];
    for (int attempt = 0; attempt < 30; attempt++) {
        send_raw(c->fd, req, len);
        ssize_t n = recv_within(c->fd, resp, sizeof resp, 100);
        if (n <= 0)
            continue;
        struct stun_msg m;
        assert_int_equal(stun_parse(resp, (size_t)n, &m), 0);
        assert_int_equal(m.cls, STUN_SUCCESS);
        assert_memory_equal(m.tid, tid, STUN_TID_SIZE);
        assert_int_equal(stun_check_integrity(&m, c->srv_pwd, strlen(c->srv_pwd)), 0);
        assert_int_equal(stun_check_fingerprint(&m), 0);
        assert_true(m.present & STUN_HAS_XOR_MAPPED_ADDRESS);
        const struct sockaddr_in *mapped = (const struct sockaddr_in *)&m.xor_mapped;
        assert_int_equal(mapped->sin_family, AF_INET);
        assert_int_equal(mapped->sin_port, c->self.sin_port);
        assert_int_equal(mapped->sin_addr.s_addr, c->self.sin_addr.s_addr);
        return;
    }
    fail_msg("no STUN response");
}

static void client_check(struct client *c)
{
    client_check_as(c, true);
}

static void client_send_out(struct client *c)
{
    for (size_t i = 0; i < c->out.count; i++)
        send_raw(c->fd, c->out.datagrams[i].data, c->out.datagrams[i].len);
}

/* The DTLS client handshake against the worker, then SRTP from its keys. With lose_flight,
 * the worker's first flight is thrown away, and its retransmission timer must resend it. */
static void client_handshake_lossy(struct client *c, const struct dtls_identity *mine,
                                   bool lose_flight)
{
    assert_int_equal(
        dtls_peer_new(mine, DTLS_ROLE_CLIENT, dtls_identity_fingerprint(server_id), &c->dtls), 0);
    assert_int_equal(dtls_peer_start(c->dtls, clock_mono_ms(), &c->out), 0);
    int64_t started = clock_mono_ms();
    client_send_out(c);
    dtls_out_wipe(&c->out);
    if (lose_flight) {
        uint8_t lost[2048];
        assert_true(recv_within(c->fd, lost, sizeof lost, 1000) > 0);
        while (recv_within(c->fd, lost, sizeof lost, 100) > 0)
            ;
        /* the resent flight comes after the worker's first timeout, not ours */
        ssize_t n = recv_within(c->fd, lost, sizeof lost, 3000);
        assert_true(n > 0);
        assert_true(clock_mono_ms() - started >= DTLS_RTO_INITIAL_MS - 50);
        (void)dtls_peer_handle(c->dtls, clock_mono_ms(), lost, (size_t)n, &c->out);
        client_send_out(c);
        dtls_out_wipe(&c->out);
    }
    int64_t end = clock_mono_ms() + 5000;
    while (clock_mono_ms() < end) {
        uint8_t buf[2048];
        ssize_t n = recv_within(c->fd, buf, sizeof buf, 50);
        if (n > 0)
            (void)dtls_peer_handle(c->dtls, clock_mono_ms(), buf, (size_t)n, &c->out);
        else
            dtls_peer_tick(c->dtls, clock_mono_ms(), &c->out);
        client_send_out(c);
        assert_false(c->out.events & (DTLS_EV_FAILED | DTLS_EV_CLOSED));
        if (c->out.events & DTLS_EV_CONNECTED) {
            assert_int_equal(rtpsec_context_new(&c->out.local, RTPSEC_OUTBOUND, 16, &c->tx), 0);
            assert_int_equal(rtpsec_context_new(&c->out.remote, RTPSEC_INBOUND, 16, &c->rx), 0);
            dtls_out_wipe(&c->out);
            return;
        }
        dtls_out_wipe(&c->out);
    }
    fail_msg("DTLS handshake did not finish");
}

static void client_handshake(struct client *c, const struct dtls_identity *mine)
{
    client_handshake_lossy(c, mine, false);
}

static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, const char *payload)
{
    buf[0] = 0x80;
    buf[1] = 111; /* Opus, no marker */
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    uint32_t ts = 48000u + seq * 960u;
    buf[4] = (uint8_t)(ts >> 24);
    buf[5] = (uint8_t)(ts >> 16);
    buf[6] = (uint8_t)(ts >> 8);
    buf[7] = (uint8_t)ts;
    buf[8] = (uint8_t)(ssrc >> 24);
    buf[9] = (uint8_t)(ssrc >> 16);
    buf[10] = (uint8_t)(ssrc >> 8);
    buf[11] = (uint8_t)ssrc;
    size_t n = strlen(payload);
    memcpy(buf + 12, payload, n);
    return 12 + n;
}

static void send_rtp(struct client *c, uint16_t seq, uint32_t ssrc, const char *payload)
{
    uint8_t buf[256];
    size_t len = make_rtp(buf, seq, ssrc, payload), out_len;
    assert_int_equal(rtpsec_rtp_protect(c->tx, buf, len, sizeof buf, &out_len), 0);
    send_raw(c->fd, buf, out_len);
}

/* Receives one SRTP packet and checks it against what was sent; returns its SSRC. */
static uint32_t expect_rtp(struct client *c, uint16_t seq, const char *payload)
{
    uint8_t buf[2048];
    ssize_t n;
    do /* the worker's sender reports may come in between */
        n = recv_within(c->fd, buf, sizeof buf, 2000);
    while (n > 1 && buf[1] >= 200 && buf[1] <= 206);
    assert_true(n > 0);
    size_t plain;
    assert_int_equal(rtpsec_rtp_unprotect(c->rx, buf, (size_t)n, &plain), 0);
    struct rtp_packet p;
    assert_int_equal(rtp_parse(&p, buf, plain), 0);
    assert_int_equal(p.seq, seq);
    assert_int_equal(p.payload_type, 111);
    assert_int_equal(p.payload_len, strlen(payload));
    assert_memory_equal(p.payload, payload, p.payload_len);
    return p.ssrc;
}

static struct worker *start_worker_tcp(uint32_t tcp_conns)
{
    struct worker_config cfg = {.identity = server_id, .tcp_conns = tcp_conns};
    struct worker *w;
    assert_int_equal(worker_start(&cfg, &w), 0);
    assert_true(worker_port(w) != 0);
    worker_addr = (struct sockaddr_in){.sin_family = AF_INET,
                                       .sin_port = htons(worker_port(w)),
                                       .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    return w;
}

static struct worker *start_worker(void)
{
    return start_worker_tcp(0);
}

/* Peers with an odd id publish Opus at pt 111 as participant `id`; even ids subscribe as
 * participant `id`. */
static const struct router_publish_params opus_publisher = {
    .pts = {{.pt = 111, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS}},
    .pt_count = 1,
};

static void add_peer(struct worker *w, uint64_t id, uint64_t room, const char *ufrag,
                     const char *pwd, const char *remote_ufrag, const struct dtls_identity *id_of)
{
    struct worker_peer_params pp = {.peer_id = id,
                                    .room_id = room,
                                    .participant = (uint32_t)id,
                                    .role = id % 2 ? WORKER_PUBLISH : WORKER_SUBSCRIBE,
                                    .publish = &opus_publisher,
                                    .local_ufrag = ufrag,
                                    .local_pwd = pwd,
                                    .remote_ufrag = remote_ufrag,
                                    .remote_fingerprint = dtls_identity_fingerprint(id_of)};
    assert_int_equal(worker_add_peer(w, &pp), 0);
}

/* Subscribes peer `sub` to participant `publisher`'s audio under our SSRC `ssrc`. */
static void subscribe_audio(struct worker *w, uint64_t sub, uint32_t publisher, uint32_t ssrc)
{
    struct router_track t = {.publisher = publisher,
                             .kind = ROUTER_AUDIO,
                             .codec = ROUTER_OPUS,
                             .ssrc = ssrc,
                             .pt = 111,
                             .cname = "cname"};
    worker_set_tracks(w, sub, &t, 1);
    commands_taken(w, sub, id_b); /* the tracks are in place before the media comes */
}

/* Two UDP clients through their checks and handshakes, b subscribed to a's audio
 * (0xB0B0B0B0 on b's side): where most media tests start. */
static void b_hears_a(struct worker *w, struct client *a, struct client *b)
{
    add_peer(w, 1, 7, "srvA", PWD_A, "cliA", id_a);
    add_peer(w, 2, 7, "srvB", PWD_B, "cliB", id_b);
    client_init(a, "srvA", PWD_A, "cliA");
    client_init(b, "srvB", PWD_B, "cliB");
    client_check(a);
    client_check(b);
    client_handshake(a, id_a);
    client_handshake(b, id_b);
    subscribe_audio(w, 2, 1, 0xB0B0B0B0);
}

static void media_flows_between_two_clients(void **state)
{
    (void)state;
    struct worker *w = start_worker();
    struct client a, b;
    b_hears_a(w, &a, &b);

    const uint32_t ssrc = 0x11223344;
    for (uint16_t i = 0; i < 5; i++) {
        char payload[32];
        snprintf(payload, sizeof payload, "opus frame %u", i);
        send_rtp(&a, (uint16_t)(1000 + i), ssrc, payload);
        assert_int_equal(expect_rtp(&b, (uint16_t)(1000 + i), payload), 0xB0B0B0B0);
    }
    /* a subscribe transport carries no media from its client */
    send_rtp(&b, 7, 0x55667788, "from B");
    wait_counter(w, WORKER_DROP_SUBSCRIBER_RTP, 1);
    datagrams_settled(w);
    uint8_t buf[2048];
    ssize_t n;
    while ((n = recv_within(a.fd, buf, sizeof buf, 0)) > 1) /* receiver reports may come */
        assert_int_equal(buf[1], 201);
    assert_int_equal(worker_counter(w, WORKER_RTP_FORWARDED), 5);

    /* B leaves: A's packets go nowhere */
    worker_remove_peer(w, 2);
    commands_taken(w, 1, id_a);
    send_rtp(&a, 1005, ssrc, "to nobody");
    datagrams_settled(w);
    while ((n = recv_within(b.fd, buf, sizeof buf, 0)) > 1) /* only reports sent before */
        assert_true(buf[1] >= 200 && buf[1] <= 206);
    assert_int_equal(worker_counter(w, WORKER_RTP_FORWARDED), 5);
    /* and B's old address is unknown now */
    uint64_t unknown = worker_counter(w, WORKER_DROP_UNKNOWN_SOURCE);
    send_rtp(&b, 8, 0x55667788, "gone");
    wait_counter(w, WORKER_DROP_UNKNOWN_SOURCE, unknown + 1);

    client_free(&a);
    client_free(&b);
    worker_stop(w);
}

/* A burst from the publisher goes to the subscriber in few GSO sends (equal sizes, one
 * destination), and comes out at a plain UDP socket as the datagrams it was, in order. */
static void a_burst_arrives_whole_and_in_order_through_gso(void **state)
{
    (void)state;
    struct worker *w = start_worker();
    struct client a, b;
    b_hears_a(w, &a, &b);

    enum { BURST = 32 };
    uint16_t seq = 2000;
    /* one sendmmsg: the worker mostly takes the burst in one batch, and forwards it in one
     * flush; bursts until one went as GSO, every packet checked each time */
    for (int tries = 0; tries < 20 && worker_counter(w, WORKER_TX_GSO_SENDS) == 0; tries++) {
        uint8_t bufs[BURST][256];
        struct iovec iov[BURST];
        struct mmsghdr msgs[BURST];
        for (int i = 0; i < BURST; i++) {
            char payload[32];
            snprintf(payload, sizeof payload, "burst frame %05u", (unsigned)(seq + i));
            size_t len = make_rtp(bufs[i], (uint16_t)(seq + i), 0x11223344, payload), out_len;
            assert_int_equal(rtpsec_rtp_protect(a.tx, bufs[i], len, sizeof bufs[i], &out_len), 0);
            iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = out_len};
            msgs[i].msg_hdr = (struct msghdr){.msg_name = &worker_addr,
                                              .msg_namelen = sizeof worker_addr,
                                              .msg_iov = &iov[i],
                                              .msg_iovlen = 1};
        }
        assert_int_equal(sendmmsg(a.fd, msgs, BURST, 0), BURST);
        for (int i = 0; i < BURST; i++) {
            char payload[32];
            snprintf(payload, sizeof payload, "burst frame %05u", (unsigned)(seq + i));
            assert_int_equal(expect_rtp(&b, (uint16_t)(seq + i), payload), 0xB0B0B0B0);
        }
        seq += BURST;
    }
    if (worker_counter(w, WORKER_TX_GSO_FALLBACKS) == 0) { /* the kernel has UDP_SEGMENT */
        assert_true(worker_counter(w, WORKER_TX_GSO_SENDS) > 0);
        assert_true(worker_counter(w, WORKER_TX_GSO_DATAGRAMS) >=
                    2 * worker_counter(w, WORKER_TX_GSO_SENDS));
    }
    assert_int_equal(worker_counter(w, WORKER_DROP_TX_ERROR), 0);
    client_free(&a);
    client_free(&b);
    worker_stop(w);
}

/* A publisher's burst sent as one UDP GSO send reaches the worker's UDP_GRO socket as one
 * receive (on loopback the kernel keeps it whole); the worker cuts it into its datagrams
 * and forwards each, in order, the shorter last one too. */
static void a_gro_receive_is_forwarded_datagram_by_datagram(void **state)
{
    (void)state;
    struct worker *w = start_worker();
    struct client a, b;
    b_hears_a(w, &a, &b);

    enum { BURST = 8 };
    static uint8_t burst[BURST * 256];
    size_t used = 0, segment = 0;
    for (int i = 0; i < BURST; i++) {
        char payload[32];
        if (i < BURST - 1)
            snprintf(payload, sizeof payload, "gro frame %05u", (unsigned)(3000 + i));
        else
            snprintf(payload, sizeof payload, "gro end"); /* shorter: the last may be */
        size_t len = make_rtp(burst + used, (uint16_t)(3000 + i), 0x11223344, payload), out;
        assert_int_equal(rtpsec_rtp_protect(a.tx, burst + used, len, sizeof burst - used, &out), 0);
        if (i == 0)
            segment = out;
        assert_true(i == BURST - 1 ? out < segment : out == segment);
        used += out;
    }
    union {
        struct cmsghdr align;
        uint8_t bytes[CMSG_SPACE(sizeof(uint16_t))];
    } control = {0};
    struct iovec iov = {.iov_base = burst, .iov_len = used};
    struct msghdr h = {.msg_name = &worker_addr,
                       .msg_namelen = sizeof worker_addr,
                       .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = control.bytes,
                       .msg_controllen = sizeof control.bytes};
    struct cmsghdr *m = CMSG_FIRSTHDR(&h);
    m->cmsg_level = SOL_UDP;
    m->cmsg_type = UDP_SEGMENT;
    m->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t seg16 = (uint16_t)segment;
    memcpy(CMSG_DATA(m), &seg16, sizeof seg16);
    if (sendmsg(a.fd, &h, 0) < 0) { /* no UDP_SEGMENT here: nothing to coalesce */
        client_free(&a);
        client_free(&b);
        worker_stop(w);
        skip();
    }
    for (int i = 0; i < BURST; i++) {
        char payload[32];
        if (i < BURST - 1)
            snprintf(payload, sizeof payload, "gro frame %05u", (unsigned)(3000 + i));
        else
            snprintf(payload, sizeof payload, "gro end");
        assert_int_equal(expect_rtp(&b, (uint16_t)(3000 + i), payload), 0xB0B0B0B0);
    }
    assert_int_equal(worker_counter(w, WORKER_RX_GRO_RECEIVES), 1);
    assert_int_equal(worker_counter(w, WORKER_RX_GRO_DATAGRAMS), BURST);
    assert_int_equal(worker_counter(w, WORKER_RTP_FORWARDED), BURST);
    assert_int_equal(worker_counter(w, WORKER_DROP_TRUNCATED), 0);
    client_free(&a);
    client_free(&b);
    worker_stop(w);
}

/* The browser starts DTLS as soon as a check succeeds, before it nominates: the worker
 * takes that ClientHello at once and answers it there; the same ClientHello from an
 * address that passed no check is dropped. */
static void dtls_from_a_checked_address_before_nomination(void **state)
{
    (void)state;
    struct worker *w = start_worker();
    add_peer(w, 1, 7, "srvA", PWD_A, "cliA", id_a);
    struct client a, stranger;
    client_init(&a, "srvA", PWD_A, "cliA");
    client_init(&stranger, "srvA", PWD_A, "cliA");

    /* no check yet from the stranger: its ClientHello is dropped unanswered */
    assert_int_equal(dtls_peer_new(id_a, DTLS_ROLE_CLIENT, dtls_identity_fingerprint(server_id),
                                   &stranger.dtls),
                     0);
    assert_int_equal(dtls_peer_start(stranger.dtls, clock_mono_ms(), &stranger.out), 0);
    client_check_as(&a, false); /* the peer is in place once this is answered */
    uint64_t unknown = worker_counter(w, WORKER_DROP_UNKNOWN_SOURCE);
    client_send_out(&stranger);
    dtls_out_wipe(&stranger.out);
    wait_counter(w, WORKER_DROP_UNKNOWN_SOURCE, unknown + 1);
    datagrams_settled(w);
    uint8_t buf[2048];
    assert_true(recv_within(stranger.fd, buf, sizeof buf, 0) < 0);

    /* A checked without nominating: its handshake completes without a retransmission */
    client_handshake(&a, id_a);
    wait_counter(w, WORKER_DTLS_HANDSHAKES, 1);
    assert_int_equal(dtls_peer_stats(a.dtls)->retransmits, 0);

    client_free(&a);
    client_free(&stranger);
    worker_stop(w);
}

/* ICE restart in place: A's network changes, the peer gets new credentials, checks under
 * them from A's new address nominate it, and media continues with the same SRTP keys: no
 * new handshake, the same router port. */
static void ice_restart_keeps_the_transport(void **state)
{
    (void)state;
    struct worker *w = start_worker();
    struct client a, b;
    b_hears_a(w, &a, &b);
    send_rtp(&a, 100, 0x11223344, "before");
    expect_rtp(&b, 100, "before");
    wait_counter(w, WORKER_DTLS_HANDSHAKES, 2);
    /* A's SRTP freed its transport's DTLS connection; B has sent none */
    wait_counter(w, WORKER_DTLS_CONFIRMED, 1);

    /* bad credentials are refused at once */
    assert_int_equal(worker_restart_ice(w, 1, "srvA2", "short", "cliA2"), -EINVAL);
    assert_int_equal(worker_restart_ice(w, 1, NULL, NULL, NULL), -EINVAL);
    /* A moves: a new socket, new credentials on both sides */
    assert_int_equal(worker_restart_ice(w, 1, "srvA2", "serverpasswordforA2nd0123", "cliA2"), 0);
    commands_taken(w, 1, id_a);
    assert_int_equal(worker_counter(w, WORKER_ICE_RESTARTS), 1);
    int old_fd = a.fd;
    a.fd = udp_socket(&a.self);
    /* the old credentials no longer get an answer */
    uint64_t peer_drops = worker_counter(w, WORKER_DROP_PEER);
    struct client stale;
    client_init(&stale, "srvA2", PWD_A, "cliA2"); /* the new ufrag, the old password */
    uint8_t req[256];
    struct stun_builder sb;
    uint8_t tid[STUN_TID_SIZE] = {7, 7, 7};
    stun_build_init(&sb, req, sizeof req, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&sb, STUN_ATTR_USERNAME, "srvA2:cliA2", 11);
    stun_add_u64(&sb, STUN_ATTR_ICE_CONTROLLING, 1);
    stun_add_integrity(&sb, PWD_A, strlen(PWD_A));
    stun_add_fingerprint(&sb);
    size_t slen;
    assert_int_equal(stun_build_finish(&sb, &slen), 0);
    send_raw(stale.fd, req, slen);
    wait_counter(w, WORKER_DROP_PEER, peer_drops + 1);

    a.srv_ufrag = "srvA2";
    a.srv_pwd = "serverpasswordforA2nd0123";
    a.cli_ufrag = "cliA2";
    client_check(&a);
    /* the same SRTP keys, from the new address; the forwarded packet continues */
    send_rtp(&a, 101, 0x11223344, "after the move");
    expect_rtp(&b, 101, "after the move");
    assert_int_equal(worker_counter(w, WORKER_DTLS_HANDSHAKES), 2);
    assert_int_equal(worker_counter(w, WORKER_DTLS_CONFIRMED), 1);
    assert_int_equal(worker_counter(w, WORKER_PEERS_ADDED), 2);

    close(old_fd);
    client_free(&stale);
    client_free(&a);
    client_free(&b);
    worker_stop(w);
}

static void strangers_and_garbage_are_counted(void **state)
{
    (void)state;
    struct worker *w = start_worker();
    struct client a, b;
    b_hears_a(w, &a, &b);

    /* a stranger: media-looking, empty, STUN for nobody, and random bytes */
    int fd = udp_socket(NULL);
    uint8_t buf[2048];
    size_t len = make_rtp(buf, 1, 42, "hello");
    send_raw(fd, buf, len);
    send_raw(fd, buf, 0);
    wait_counter(w, WORKER_DROP_UNKNOWN_SOURCE, 2);

    uint8_t req[256];
    struct stun_builder sb;
    uint8_t tid[STUN_TID_SIZE] = {1, 2, 3};
    stun_build_init(&sb, req, sizeof req, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&sb, STUN_ATTR_USERNAME, "nobody:cliX", 11);
    stun_add_integrity(&sb, PWD_A, strlen(PWD_A));
    stun_add_fingerprint(&sb);
    size_t slen;
    assert_int_equal(stun_build_finish(&sb, &slen), 0);
    send_raw(fd, req, slen);
    wait_counter(w, WORKER_DROP_UNKNOWN_UFRAG, 1);
    datagrams_settled(w);
    assert_true(recv_within(fd, buf, sizeof buf, 0) < 0);

    uint64_t rx = worker_counter(w, WORKER_RX_DATAGRAMS);
    srand(12345);
    for (int i = 0; i < 300; i++) {
        size_t n = (size_t)(rand() % 400);
        for (size_t j = 0; j < n; j++)
            buf[j] = (uint8_t)rand();
        if (n > 0 && i % 4 == 0)
            buf[0] = (uint8_t)(rand() % 4); /* STUN-looking */
        send_raw(fd, buf, n);
        if (i % 25 == 24) /* paced: a burst could overflow the socket's receive buffer */
            wait_counter(w, WORKER_RX_DATAGRAMS, rx + (uint64_t)i + 1);
    }
    assert_int_equal(worker_counter(w, WORKER_RTP_FORWARDED), 0);

    /* from A's own address: bad SRTP, a first byte of no protocol, a broken DTLS record,
     * a STUN check with the wrong password, and one too long to be a datagram we take */
    uint64_t peer_drops = worker_counter(w, WORKER_DROP_PEER);
    len = make_rtp(buf, 1, 42, "not encrypted at all");
    send_raw(a.fd, buf, len);
    memset(buf, 0x50, 40);
    send_raw(a.fd, buf, 40);
    const uint8_t dtls_junk[] = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 200, 1, 2};
    send_raw(a.fd, dtls_junk, sizeof dtls_junk);
    stun_build_init(&sb, req, sizeof req, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&sb, STUN_ATTR_USERNAME, "srvA:cliA", 9);
    stun_add_integrity(&sb, PWD_B, strlen(PWD_B)); /* A's is PWD_A */
    stun_add_fingerprint(&sb);
    assert_int_equal(stun_build_finish(&sb, &slen), 0);
    send_raw(a.fd, req, slen);
    wait_counter(w, WORKER_DROP_PEER, peer_drops + 4);
    memset(buf, 0x80, sizeof buf);
    send_raw(a.fd, buf, WORKER_DATAGRAM_MAX + 100);
    wait_counter(w, WORKER_DROP_TRUNCATED, 1);

    /* and after all that, media still flows */
    send_rtp(&a, 500, 0xabcdef01, "still here");
    expect_rtp(&b, 500, "still here");

    close(fd);
    client_free(&a);
    client_free(&b);
    worker_stop(w);
}

/* The worker's timers: a lost DTLS flight is resent, and a peer whose consent runs out is
 * freed and forgotten. */
static void timers_retransmit_and_expire(void **state)
{
    (void)state;
    struct worker_config cfg = {.identity = server_id,
                                .ice = {.consent_timeout_ms = 1500, .gone_after_ms = 100}};
    struct worker *w;
    assert_int_equal(worker_start(&cfg, &w), 0);
    worker_addr.sin_port = htons(worker_port(w));
    add_peer(w, 1, 7, "srvA", PWD_A, "cliA", id_a);
    struct client a;
    client_init(&a, "srvA", PWD_A, "cliA");
    client_check(&a);
    client_handshake_lossy(&a, id_a, true);
    assert_int_equal(worker_counter(w, WORKER_PEERS_CLOSED), 0);

    /* no more checks: consent expires, then the peer is gone */
    wait_counter(w, WORKER_PEERS_CLOSED, 1);
    uint64_t unknown = worker_counter(w, WORKER_DROP_UNKNOWN_SOURCE);
    send_rtp(&a, 1, 0x1234, "after the end");
    wait_counter(w, WORKER_DROP_UNKNOWN_SOURCE, unknown + 1);
    client_free(&a);
    worker_stop(w);
}

static void bad_params_and_duplicates(void **state)
{
    (void)state;
    struct worker_config bad = {.identity = server_id, .bind_ip = "not an address"};
    struct worker *w;
    assert_int_equal(worker_start(&bad, &w), -EINVAL);
    w = start_worker();
    struct worker_peer_params pp = {.peer_id = 1,
                                    .local_ufrag = "ab", /* too short */
                                    .local_pwd = PWD_A,
                                    .remote_fingerprint = dtls_identity_fingerprint(id_a)};
    assert_int_equal(worker_add_peer(w, &pp), -EINVAL);
    pp.local_ufrag = "srvA";
    pp.remote_fingerprint = "sha-256 00";
    assert_int_equal(worker_add_peer(w, &pp), -EINVAL);
    add_peer(w, 1, 1, "srvA", PWD_A, NULL, id_a);
    add_peer(w, 2, 1, "srvA", PWD_B, NULL, id_b); /* same ufrag */
    add_peer(w, 1, 1, "srvC", PWD_B, NULL, id_b); /* same id */
    add_peer(w, 3, 1, "srvD", PWD_B, NULL, id_b); /* left for worker_stop to free */
    wait_counter(w, WORKER_PEERS_REJECTED, 2);
    wait_counter(w, WORKER_PEERS_ADDED, 2);
    worker_stop(w);
    worker_stop(NULL);
}

static int setup(void **state)
{
    (void)state;
    if (rand_init() != 0)
        return -1;
    int64_t now = clock_wall_ms();
    if (dtls_identity_new(now, &server_id) || dtls_identity_new(now, &id_a) ||
        dtls_identity_new(now, &id_b))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dtls_identity_free(server_id);
    dtls_identity_free(id_a);
    dtls_identity_free(id_b);
    return 0;
}

/* A quality window folds into one reading: the worse direction, a missing one ignored. */
static void quality_folds_the_worse_direction(void **state)
{
    (void)state;
    struct router_quality q = {.up = true,
                               .down = true,
                               .loss_up_permille = 30,
                               .loss_down_permille = 120,
                               .jitter_up_ms = 45,
                               .jitter_down_ms = 10,
                               .rtt_ms = 80};
    struct worker_quality w = worker_quality_of(&q);
    assert_int_equal(w.loss_permille, 120);
    assert_int_equal(w.jitter_ms, 45);
    assert_int_equal(w.rtt_ms, 80);
    q.down = false; /* no receiver report this window: its stale numbers do not count */
    w = worker_quality_of(&q);
    assert_int_equal(w.loss_permille, 30);
    q = (struct router_quality){.down = true, .loss_down_permille = 5, .rtt_ms = -1};
    w = worker_quality_of(&q);
    assert_int_equal(w.loss_permille, 5);
    assert_int_equal(w.jitter_ms, 0);
    assert_int_equal(w.rtt_ms, -1);
}

/* ICE-TCP: both clients reach the worker over TCP on its UDP port number; the checks are
 * answered on the connection (the mapped address is the connection's), DTLS and SRTP flow
 * framed both ways, and the TCP pair is not the UDP one. A connection whose first packet is
 * not STUN is closed, and one past the limit is refused at accept. */
static void media_flows_over_ice_tcp(void **state)
{
    (void)state;
    struct worker *w = start_worker_tcp(2);
    add_peer(w, 1, 7, "srvA", PWD_A, "cliA", id_a);
    add_peer(w, 2, 7, "srvB", PWD_B, "cliB", id_b);

    struct client a, b;
    client_init_tcp(&a, "srvA", PWD_A, "cliA");
    client_init_tcp(&b, "srvB", PWD_B, "cliB");
    client_check(&a);
    client_check(&b);
    client_handshake(&a, id_a);
    client_handshake(&b, id_b);
    subscribe_audio(w, 2, 1, 0xB0B0B0B0);
    for (uint16_t i = 0; i < 5; i++) {
        char payload[32];
        snprintf(payload, sizeof payload, "opus over tcp %u", i);
        send_rtp(&a, (uint16_t)(2000 + i), 0x11223344, payload);
        assert_int_equal(expect_rtp(&b, (uint16_t)(2000 + i), payload), 0xB0B0B0B0);
    }
    assert_int_equal(worker_counter(w, WORKER_RTP_FORWARDED), 5);
    assert_int_equal(worker_counter(w, WORKER_ICE_TCP_ACCEPTED), 2);
    assert_int_equal(worker_counter(w, WORKER_TX_DATAGRAMS), 0); /* nothing went by UDP */

    /* the same source address and port over UDP is another pair: not verified */
    int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in same = a.self;
    if (bind(udp, (struct sockaddr *)&same, sizeof same) == 0) {
        uint8_t rtp[64];
        size_t len = make_rtp(rtp, 1, 0x11223344, "udp");
        uint64_t unknown = worker_counter(w, WORKER_DROP_UNKNOWN_SOURCE);
        assert_int_equal(
            sendto(udp, rtp, len, 0, (struct sockaddr *)&worker_addr, sizeof worker_addr),
            (ssize_t)len);
        wait_counter(w, WORKER_DROP_UNKNOWN_SOURCE, unknown + 1);
    }
    close(udp);

    /* a third connection is one too many */
    int extra = tcp_socket(NULL);
    uint8_t buf[64];
    assert_int_equal(recv_within(extra, buf, sizeof buf, 2000), -2);
    wait_counter(w, WORKER_ICE_TCP_REFUSED, 1);
    tcp_close(extra);

    /* B goes; a connection that starts with anything but STUN is closed */
    client_free(&b);
    wait_counter(w, WORKER_ICE_TCP_CLOSED, 1); /* B's; the refused one was never open */
    int junk = tcp_socket(NULL);
    send_raw(junk, "\x80\x60junk", 6);
    assert_int_equal(recv_within(junk, buf, sizeof buf, 2000), -2);
    wait_counter(w, WORKER_ICE_TCP_CLOSED, 2);
    tcp_close(junk);

    /* with every slot taken, a newcomer takes the place of a silent connection, not of A;
     * and a connection that stays silent is closed after 5 s */
    int silent = tcp_socket(NULL);
    wait_counter(w, WORKER_ICE_TCP_ACCEPTED, 4);
    int newer = tcp_socket(NULL);
    assert_int_equal(recv_within(silent, buf, sizeof buf, 2000), -2);
    wait_counter(w, WORKER_ICE_TCP_UNCHECKED, 1);
    int64_t opened = clock_mono_ms();
    assert_int_equal(recv_within(newer, buf, sizeof buf, 8000), -2);
    assert_true(clock_mono_ms() - opened >= 4500);
    wait_counter(w, WORKER_ICE_TCP_UNCHECKED, 2);
    tcp_close(silent);
    tcp_close(newer);
    /* B, the junk, the silent one and the newer one; A's is still open */
    wait_counter(w, WORKER_ICE_TCP_CLOSED, 4);

    client_free(&a);
    worker_stop(w);
}

/* A subscriber over TCP that stops reading: its queue fills and packets are dropped whole
 * and counted, the worker goes on; what did get queued reads back as whole SRTP packets in
 * order once it reads again. */
static void a_slow_tcp_reader_loses_packets_whole(void **state)
{
    (void)state;
    struct worker *w = start_worker_tcp(2);
    add_peer(w, 1, 7, "srvA", PWD_A, "cliA", id_a);
    add_peer(w, 2, 7, "srvB", PWD_B, "cliB", id_b);
    struct client a, b;
    client_init(&a, "srvA", PWD_A, "cliA");
    tcp_rcvbuf = 4096;
    client_init_tcp(&b, "srvB", PWD_B, "cliB");
    tcp_rcvbuf = 0;
    client_check(&a);
    client_check(&b);
    client_handshake(&a, id_a);
    client_handshake(&b, id_b);
    subscribe_audio(w, 2, 1, 0xB0B0B0B0);

    /* 1,000 packets of 1,000 bytes while B reads nothing: far more than its queue (64 KiB)
     * and the sockets' buffers hold */
    enum { SENT = 1000 };
    char payload[1001];
    memset(payload, 'p', 1000);
    payload[1000] = '\0';
    for (uint16_t i = 0; i < SENT; i++) {
        uint8_t buf[1100];
        size_t len = make_rtp(buf, (uint16_t)(3000 + i), 0x11223344, payload), out_len;
        assert_int_equal(rtpsec_rtp_protect(a.tx, buf, len, sizeof buf, &out_len), 0);
        send_raw(a.fd, buf, out_len);
        if (i % 50 == 49) /* the worker's UDP receive buffer is not what is measured */
            wait_counter(w, WORKER_RTP_FORWARDED, (uint64_t)i + 1 - 40);
    }
    wait_counter(w, WORKER_ICE_TCP_DROP_FULL, 1);
    /* B reads again: every packet whole, in order, some missing */
    uint8_t buf[2048];
    ssize_t n;
    int got = 0, last = -1;
    while ((n = recv_within(b.fd, buf, sizeof buf, 500)) > 0) {
        if (n > 1 && buf[1] >= 200 && buf[1] <= 206)
            continue; /* sender reports */
        size_t plain;
        assert_int_equal(rtpsec_rtp_unprotect(b.rx, buf, (size_t)n, &plain), 0);
        struct rtp_packet p;
        assert_int_equal(rtp_parse(&p, buf, plain), 0);
        assert_int_equal(p.payload_len, 1000);
        assert_true((int)p.seq > last);
        last = p.seq;
        got++;
    }
    assert_true(got > 0);
    assert_true(got < SENT);
    printf("# slow reader: %d of %d packets arrived, %llu dropped for a full queue\n", got, SENT,
           (unsigned long long)worker_counter(w, WORKER_ICE_TCP_DROP_FULL));
    client_free(&a);
    client_free(&b);
    worker_stop(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(media_flows_between_two_clients),
        cmocka_unit_test(a_burst_arrives_whole_and_in_order_through_gso),
        cmocka_unit_test(a_gro_receive_is_forwarded_datagram_by_datagram),
        cmocka_unit_test(media_flows_over_ice_tcp),
        cmocka_unit_test(a_slow_tcp_reader_loses_packets_whole),
        cmocka_unit_test(strangers_and_garbage_are_counted),
        cmocka_unit_test(timers_retransmit_and_expire),
        cmocka_unit_test(bad_params_and_duplicates),
        cmocka_unit_test(quality_folds_the_worse_direction),
        cmocka_unit_test(dtls_from_a_checked_address_before_nomination),
        cmocka_unit_test(ice_restart_keeps_the_transport),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

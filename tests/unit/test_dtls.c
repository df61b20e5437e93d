/* dtls: a server and a client peer in memory, datagrams carried by a little loop: the
 * handshake, the keys each side hands out and SRTP across them, fingerprint mismatches on
 * either side, garbage before, during and after the handshake, a lost flight recovered by
 * the retransmission timer (which needs real time to pass: see dtls.h), the handshake
 * timeout, close_notify, and the SDP fingerprint syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "sfu/dtls.h"
#include "sfu/peer.h"
#include "sfu/rtpsec.h"
#include "sfu/stun.h"

#define T0 1760000000000LL /* wall clock for certificates; the peers' clock starts at 1000 */
#define QUEUE_MAX 64

static struct dtls_identity *server_id, *client_id;

/* One side of the wire: its peer, its output buffers, and what it reported so far. */
struct side {
    struct dtls_peer *peer;
    uint8_t bufs[DTLS_OUT_DATAGRAMS][DTLS_MTU];
    struct dtls_datagram dg[DTLS_OUT_DATAGRAMS];
    struct dtls_out out;
    unsigned events;
    enum dtls_failure failure;
    enum rtpsec_profile profile;
    struct rtpsec_master local, remote;
};

/* Datagrams in flight toward one side. */
struct queue {
    uint8_t data[QUEUE_MAX][DTLS_MTU];
    size_t len[QUEUE_MAX];
    size_t n;
};

struct wire {
    struct side s, c;
    struct queue to_s, to_c;
    int64_t now;
};

static void side_init(struct side *x)
{
    for (size_t i = 0; i < DTLS_OUT_DATAGRAMS; i++)
        x->dg[i] = (struct dtls_datagram){.data = x->bufs[i], .cap = sizeof x->bufs[i]};
    x->out = (struct dtls_out){.datagrams = x->dg, .datagrams_max = DTLS_OUT_DATAGRAMS};
}

/* Takes what the last call produced: datagrams onto q (toward the other side), events. */
static void collect(struct side *x, struct queue *q)
{
    for (size_t i = 0; i < x->out.count; i++) {
        assert_true(x->out.datagrams[i].len > 0 && x->out.datagrams[i].len <= DTLS_MTU);
        if (q) {
            assert_true(q->n < QUEUE_MAX);
            memcpy(q->data[q->n], x->out.datagrams[i].data, x->out.datagrams[i].len);
            q->len[q->n++] = x->out.datagrams[i].len;
        }
    }
    x->events |= x->out.events;
    if (x->out.events & DTLS_EV_FAILED)
        x->failure = x->out.failure;
    if (x->out.events & DTLS_EV_CONNECTED) {
        x->profile = x->out.profile;
        x->local = x->out.local;
        x->remote = x->out.remote;
    }
    dtls_out_wipe(&x->out);
}

static struct wire *wire_new(const char *server_expects, const char *client_expects)
{
    struct wire *w = calloc(1, sizeof *w);
    assert_non_null(w);
    side_init(&w->s);
    side_init(&w->c);
    w->now = 1000;
    assert_int_equal(
        dtls_peer_new(server_id, DTLS_ROLE_SERVER,
                      server_expects ? server_expects : dtls_identity_fingerprint(client_id),
                      &w->s.peer),
        0);
    assert_int_equal(
        dtls_peer_new(client_id, DTLS_ROLE_CLIENT,
                      client_expects ? client_expects : dtls_identity_fingerprint(server_id),
                      &w->c.peer),
        0);
    return w;
}

static void wire_free(struct wire *w)
{
    dtls_peer_free(w->s.peer);
    dtls_peer_free(w->c.peer);
    free(w);
}

/* Hands every queued datagram to its side until both queues are empty. */
static void pump(struct wire *w)
{
    for (int round = 0; round < 50 && (w->to_s.n || w->to_c.n); round++) {
        struct queue in = w->to_s;
        w->to_s.n = 0;
        for (size_t i = 0; i < in.n; i++) {
            (void)dtls_peer_handle(w->s.peer, w->now, in.data[i], in.len[i], &w->s.out);
            collect(&w->s, &w->to_c);
        }
        in = w->to_c;
        w->to_c.n = 0;
        for (size_t i = 0; i < in.n; i++) {
            (void)dtls_peer_handle(w->c.peer, w->now, in.data[i], in.len[i], &w->c.out);
            collect(&w->c, &w->to_s);
        }
    }
    assert_int_equal(w->to_s.n + w->to_c.n, 0);
}

static void start(struct wire *w)
{
    assert_int_equal(dtls_peer_start(w->c.peer, w->now, &w->c.out), 0);
    assert_int_equal(w->c.out.count, 1); /* the ClientHello */
    collect(&w->c, &w->to_s);
}

static struct wire *connected_wire(void)
{
    struct wire *w = wire_new(NULL, NULL);
    start(w);
    pump(w);
    assert_int_equal(w->s.events, DTLS_EV_CONNECTED);
    assert_int_equal(w->c.events, DTLS_EV_CONNECTED);
    return w;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* ---- tests ---- */

static void handshake_completes(void **state)
{
    (void)state;
    struct wire *w = wire_new(NULL, NULL);
    assert_int_equal(dtls_peer_state(w->s.peer), DTLS_STATE_NEW);
    assert_int_equal(dtls_peer_next_deadline(w->s.peer), INT64_MAX);
    /* a server has nothing to start */
    assert_int_equal(dtls_peer_start(w->s.peer, w->now, &w->s.out), 0);
    assert_int_equal(w->s.out.count, 0);
    start(w);
    assert_int_equal(dtls_peer_start(w->c.peer, w->now, &w->c.out), -EALREADY);
    assert_int_equal(dtls_peer_state(w->c.peer), DTLS_STATE_HANDSHAKING);
    assert_true(dtls_peer_next_deadline(w->c.peer) <= w->now + DTLS_RTO_INITIAL_MS);
    assert_true(dtls_peer_next_deadline(w->c.peer) > w->now + DTLS_RTO_INITIAL_MS - 50);
    pump(w);

    assert_int_equal(w->s.events, DTLS_EV_CONNECTED);
    assert_int_equal(w->c.events, DTLS_EV_CONNECTED);
    assert_int_equal(dtls_peer_state(w->s.peer), DTLS_STATE_CONNECTED);
    assert_int_equal(dtls_peer_state(w->c.peer), DTLS_STATE_CONNECTED);
    /* both offer GCM first */
    assert_int_equal(w->s.profile, RTPSEC_PROFILE_AEAD_AES_128_GCM);
    assert_int_equal(w->c.profile, w->s.profile);
    assert_int_equal(w->s.local.profile, w->s.profile);
    assert_memory_equal(&w->c.local, &w->s.remote, sizeof w->c.local);
    assert_memory_equal(&w->c.remote, &w->s.local, sizeof w->c.remote);
    assert_memory_not_equal(w->s.local.key, w->s.remote.key, RTPSEC_KEY_BYTES);
    /* keys wiped from the out struct once collected */
    static const uint8_t zero[RTPSEC_KEY_BYTES];
    assert_memory_equal(w->s.out.local.key, zero, sizeof zero);

    const struct dtls_stats *st = dtls_peer_stats(w->s.peer);
    assert_true(st->datagrams_in >= 2 && st->datagrams_out >= 2);
    assert_int_equal(st->not_dtls + st->malformed + st->out_overflow + st->retransmits, 0);
    wire_free(w);
}

static void srtp_across(const struct rtpsec_master *tx_key, const struct rtpsec_master *rx_key)
{
    struct rtpsec_context *tx, *rx;
    assert_int_equal(rtpsec_context_new(tx_key, RTPSEC_OUTBOUND, 8, &tx), 0);
    assert_int_equal(rtpsec_context_new(rx_key, RTPSEC_INBOUND, 8, &rx), 0);
    uint8_t pkt[12 + 160 + RTPSEC_RTP_OVERHEAD_MAX], orig[12 + 160];
    for (size_t i = 0; i < sizeof orig; i++)
        orig[i] = (uint8_t)(i * 31 + 7);
    orig[0] = 0x80; /* V=2 */
    orig[1] = 111;  /* Opus */
    memcpy(pkt, orig, sizeof orig);
    size_t n;
    assert_int_equal(rtpsec_rtp_protect(tx, pkt, sizeof orig, sizeof pkt, &n), 0);
    assert_true(n > sizeof orig);
    assert_int_equal(rtpsec_rtp_unprotect(rx, pkt, n, &n), 0);
    assert_int_equal(n, sizeof orig);
    assert_memory_equal(pkt, orig, sizeof orig);
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
}

static void keys_make_working_srtp(void **state)
{
    (void)state;
    struct wire *w = connected_wire();
    srtp_across(&w->c.local, &w->s.remote); /* client → server */
    srtp_across(&w->s.local, &w->c.remote); /* server → client */
    /* and not with the wrong half */
    struct rtpsec_context *tx, *rx;
    assert_int_equal(rtpsec_context_new(&w->c.local, RTPSEC_OUTBOUND, 8, &tx), 0);
    assert_int_equal(rtpsec_context_new(&w->s.local, RTPSEC_INBOUND, 8, &rx), 0);
    uint8_t pkt[64] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9};
    size_t n;
    assert_int_equal(rtpsec_rtp_protect(tx, pkt, 40, sizeof pkt, &n), 0);
    assert_int_equal(rtpsec_rtp_unprotect(rx, pkt, n, &n), -EBADMSG);
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
    wire_free(w);
}

static const char wrong_fp[] = "sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                               "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

static void wrong_fingerprint_at_server(void **state)
{
    (void)state;
    struct wire *w = wire_new(wrong_fp, NULL);
    start(w);
    pump(w);
    assert_int_equal(w->s.events, DTLS_EV_FAILED);
    assert_int_equal(w->s.failure, DTLS_FAIL_FINGERPRINT);
    assert_int_equal(dtls_peer_state(w->s.peer), DTLS_STATE_FAILED);
    /* the server's alert reached the client, which never connected either */
    assert_int_equal(w->c.events, DTLS_EV_FAILED);
    assert_int_equal(w->c.failure, DTLS_FAIL_HANDSHAKE);
    assert_int_equal(dtls_peer_next_deadline(w->s.peer), INT64_MAX);
    uint8_t rec[13] = {22, 0xfe, 0xfd};
    assert_int_equal(dtls_peer_handle(w->s.peer, w->now, rec, sizeof rec, &w->s.out), -ENOTCONN);
    assert_int_equal(dtls_peer_stats(w->s.peer)->after_end, 1);
    wire_free(w);
}

static void wrong_fingerprint_at_client(void **state)
{
    (void)state;
    /* right length and hash, one bit off */
    char fp[DTLS_FINGERPRINT_MAX];
    snprintf(fp, sizeof fp, "%s", dtls_identity_fingerprint(server_id));
    fp[strlen(fp) - 1] = fp[strlen(fp) - 1] == '0' ? '1' : '0';
    struct wire *w = wire_new(NULL, fp);
    start(w);
    pump(w);
    assert_int_equal(w->c.events, DTLS_EV_FAILED);
    assert_int_equal(w->c.failure, DTLS_FAIL_FINGERPRINT);
    assert_false(w->s.events & DTLS_EV_CONNECTED);
    assert_int_equal(w->s.events, DTLS_EV_FAILED);
    wire_free(w);
}

/* Garbage of every kind before, during and after the handshake: dropped and counted. */
static void garbage_is_dropped(void **state)
{
    (void)state;
    struct wire *w = wire_new(NULL, NULL);
    struct dtls_peer *s = w->s.peer;
    struct dtls_out *o = &w->s.out;
    uint8_t g[300];
    memset(g, 0xa5, sizeof g);

    g[0] = 0; /* STUN */
    assert_int_equal(dtls_peer_handle(s, w->now, g, 20, o), -EINVAL);
    g[0] = 0x80; /* RTP */
    assert_int_equal(dtls_peer_handle(s, w->now, g, 20, o), -EINVAL);
    assert_int_equal(dtls_peer_handle(s, w->now, g, 0, o), -EINVAL);
    g[0] = 22; /* a handshake record cut short */
    assert_int_equal(dtls_peer_handle(s, w->now, g, 12, o), -EBADMSG);
    memcpy(g, (uint8_t[]){22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00}, 13);
    assert_int_equal(dtls_peer_handle(s, w->now, g, 100, o), -EBADMSG); /* length > datagram */
    g[2] = 0xfc;                                                        /* DTLS 1.3's version */
    g[11] = 0;
    g[12] = 87;
    assert_int_equal(dtls_peer_handle(s, w->now, g, 100, o), -EBADMSG);
    g[2] = 0xfd;
    assert_int_equal(dtls_peer_handle(s, w->now, g, 101, o), -EBADMSG); /* trailing byte */
    g[0] = 40; /* DTLS 1.3 unified header */
    assert_int_equal(dtls_peer_handle(s, w->now, g, 100, o), -EBADMSG);
    const struct dtls_stats *st = dtls_peer_stats(s);
    assert_int_equal(st->not_dtls, 3);
    assert_int_equal(st->malformed, 5);
    assert_int_equal(st->datagrams_in, 0);
    assert_int_equal(dtls_peer_state(s), DTLS_STATE_NEW); /* nothing started a handshake */

    /* Well-framed records of epoch 1 (what an attacker without keys can send) are
     * dropped by OpenSSL without harm, during the handshake and after it. */
    uint8_t e1[13 + 40] = {23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 40};
    start(w);
    assert_int_equal(dtls_peer_handle(s, w->now, e1, sizeof e1, o), -EBADMSG); /* no hello */
    assert_int_equal(st->early, 1);
    struct queue in = w->to_s;
    w->to_s.n = 0;
    assert_int_equal(dtls_peer_handle(s, w->now, in.data[0], in.len[0], o), 0);
    collect(&w->s, &w->to_c);
    assert_int_equal(dtls_peer_handle(s, w->now, e1, sizeof e1, o), 0);
    collect(&w->s, &w->to_c);
    pump(w);
    assert_int_equal(w->s.events, DTLS_EV_CONNECTED);
    assert_int_equal(w->c.events, DTLS_EV_CONNECTED);
    for (int i = 0; i < 3; i++) {
        e1[0] = (uint8_t)(21 + i); /* alert, handshake, application data */
        e1[10] = (uint8_t)(20 + i);
        assert_int_equal(dtls_peer_handle(s, w->now, e1, sizeof e1, o), 0);
        assert_int_equal(o->events, 0);
        assert_int_equal(dtls_peer_handle(w->c.peer, w->now, e1, sizeof e1, &w->c.out), 0);
        assert_int_equal(w->c.out.events, 0);
    }
    assert_int_equal(dtls_peer_state(s), DTLS_STATE_CONNECTED);
    assert_int_equal(dtls_peer_state(w->c.peer), DTLS_STATE_CONNECTED);
    assert_int_equal(st->app_data, 0); /* none of it authenticated */
    wire_free(w);
}

/* Epoch-0 handshake records are not authenticated. Before a handshake began, a server
 * lets only a ClientHello start one, so a stray record cannot end it early. Once it runs, a
 * forged record may make OpenSSL give up (an on-path attacker can always do that; the
 * count is printed), but must never do more. */
static void random_handshake_records(void **state)
{
    (void)state;
    uint32_t seed = 12345;
    int failed = 0, connected = 0;
    for (int round = 0; round < 40; round++) {
        uint8_t rec[13 + 64] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64};
        for (size_t i = 5; i < sizeof rec; i++) {
            seed = seed * 1103515245u + 12345u;
            if (i != 11 && i != 12)
                rec[i] = (uint8_t)(seed >> 16);
        }
        if (rec[13] == 1)
            rec[13] = 2;
        struct wire *w = wire_new(NULL, NULL);
        /* before the ClientHello: dropped */
        assert_int_equal(dtls_peer_handle(w->s.peer, w->now, rec, sizeof rec, &w->s.out), -EBADMSG);
        assert_int_equal(w->s.out.count + w->s.out.events, 0);
        start(w);
        pump(w);
        assert_int_equal(w->s.events, DTLS_EV_CONNECTED);
        assert_int_equal(dtls_peer_stats(w->s.peer)->early + dtls_peer_stats(w->s.peer)->malformed,
                         1);
        wire_free(w);

        /* right after it: may end the handshake */
        w = wire_new(NULL, NULL);
        start(w);
        struct queue in = w->to_s;
        w->to_s.n = 0;
        assert_int_equal(dtls_peer_handle(w->s.peer, w->now, in.data[0], in.len[0], &w->s.out), 0);
        collect(&w->s, &w->to_c);
        (void)dtls_peer_handle(w->s.peer, w->now, rec, sizeof rec, &w->s.out);
        collect(&w->s, &w->to_c);
        pump(w);
        if (w->s.events & DTLS_EV_FAILED)
            failed++;
        if (w->s.events & DTLS_EV_CONNECTED)
            connected++;
        wire_free(w);
    }
    /* random fragment headers do not add up: dropped before OpenSSL sees them */
    assert_int_equal(connected, 40);
    assert_int_equal(failed, 0);

    /* a well-formed forged message where the client's second flight belongs does end it */
    struct wire *w = wire_new(NULL, NULL);
    start(w);
    struct queue in = w->to_s;
    w->to_s.n = 0;
    assert_int_equal(dtls_peer_handle(w->s.peer, w->now, in.data[0], in.len[0], &w->s.out), 0);
    collect(&w->s, NULL);
    /* message_seq 1, a 4-byte HelloRequest-typed message in one fragment */
    uint8_t forged[13 + 12 + 4] = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 5, 0, 16,
                                   0,  0,    0,    4, 0, 1, 0, 0, 0, 0, 0, 4};
    assert_int_equal(dtls_peer_handle(w->s.peer, w->now, forged, sizeof forged, &w->s.out), 0);
    printf("a well-formed forged message: server %s\n",
           w->s.out.events & DTLS_EV_FAILED ? "failed" : "survived");
    wire_free(w);
}

static void lost_flights_are_retransmitted(void **state)
{
    (void)state;
    struct wire *w = wire_new(NULL, NULL);
    /* the ClientHello is lost */
    assert_int_equal(dtls_peer_start(w->c.peer, w->now, &w->c.out), 0);
    collect(&w->c, NULL);
    int64_t due = dtls_peer_next_deadline(w->c.peer);
    assert_true(due > w->now && due <= w->now + DTLS_RTO_INITIAL_MS);
    /* early: nothing. (Ticking at due - 100 without 300 ms of real time passing would tell
     * the peer its clock jumped: the deadline moves out by as much, see dtls.h.) */
    dtls_peer_tick(w->c.peer, w->now, &w->c.out);
    assert_int_equal(w->c.out.count, 0);
    assert_true(dtls_peer_next_deadline(w->c.peer) >= due - 5 &&
                dtls_peer_next_deadline(w->c.peer) <= due);

    /* OpenSSL's timer runs on its own clock: real time has to pass too */
    sleep_ms(DTLS_RTO_INITIAL_MS + 30);
    w->now += DTLS_RTO_INITIAL_MS + 30;
    assert_true(w->now >= dtls_peer_next_deadline(w->c.peer));
    dtls_peer_tick(w->c.peer, w->now, &w->c.out);
    assert_int_equal(w->c.out.count, 1);
    collect(&w->c, &w->to_s);
    assert_int_equal(dtls_peer_stats(w->c.peer)->retransmits, 1);
    /* the next timeout doubles */
    int64_t next = dtls_peer_next_deadline(w->c.peer);
    assert_true(next > w->now + 2 * DTLS_RTO_INITIAL_MS - 50 &&
                next <= w->now + 2 * DTLS_RTO_INITIAL_MS);

    /* the server's first flight is lost too */
    struct queue in = w->to_s;
    w->to_s.n = 0;
    assert_int_equal(dtls_peer_handle(w->s.peer, w->now, in.data[0], in.len[0], &w->s.out), 0);
    assert_true(w->s.out.count >= 1);
    collect(&w->s, NULL);
    int64_t s_due = dtls_peer_next_deadline(w->s.peer);
    assert_true(s_due > w->now && s_due <= w->now + DTLS_RTO_INITIAL_MS);

    sleep_ms(DTLS_RTO_INITIAL_MS + 30);
    w->now += DTLS_RTO_INITIAL_MS + 30;
    dtls_peer_tick(w->s.peer, w->now, &w->s.out);
    assert_true(w->s.out.count >= 1);
    collect(&w->s, &w->to_c);
    dtls_peer_tick(w->c.peer, w->now, &w->c.out); /* not due yet: 800 ms */
    assert_int_equal(w->c.out.count, 0);
    pump(w);
    assert_int_equal(w->s.events, DTLS_EV_CONNECTED);
    assert_int_equal(w->c.events, DTLS_EV_CONNECTED);
    assert_memory_equal(&w->c.local, &w->s.remote, sizeof w->c.local);
    assert_int_equal(dtls_peer_stats(w->s.peer)->retransmits, 1);
    wire_free(w);
}

/* The server's last flight (ChangeCipherSpec, Finished) is lost: the client's timer resends
 * its own, and the already connected server answers by resending its last flight. */
static void lost_last_flight(void **state)
{
    (void)state;
    struct wire *w = wire_new(NULL, NULL);
    start(w);
    /* ClientHello → server flight → client's second flight → server connects */
    struct queue in;
    for (int leg = 0; leg < 3; leg++) {
        struct side *to = leg == 1 ? &w->c : &w->s;
        struct queue *src = leg == 1 ? &w->to_c : &w->to_s;
        struct queue *dst = leg == 1 ? &w->to_s : &w->to_c;
        in = *src;
        src->n = 0;
        for (size_t i = 0; i < in.n; i++) {
            (void)dtls_peer_handle(to->peer, w->now, in.data[i], in.len[i], &to->out);
            collect(to, dst);
        }
    }
    assert_int_equal(w->s.events, DTLS_EV_CONNECTED);
    assert_int_equal(w->c.events, 0);
    w->to_c.n = 0; /* lost */

    sleep_ms(DTLS_RTO_INITIAL_MS + 30);
    w->now += DTLS_RTO_INITIAL_MS + 30;
    dtls_peer_tick(w->c.peer, w->now, &w->c.out);
    assert_true(w->c.out.count >= 1);
    collect(&w->c, &w->to_s);
    pump(w);
    assert_int_equal(w->c.events, DTLS_EV_CONNECTED);
    assert_int_equal(w->s.events, DTLS_EV_CONNECTED); /* once */
    assert_memory_equal(&w->c.local, &w->s.remote, sizeof w->c.local);
    wire_free(w);
}

static void handshake_times_out(void **state)
{
    (void)state;
    struct wire *w = wire_new(NULL, NULL);
    start(w);
    /* the server heard the ClientHello; then nothing more arrives */
    assert_int_equal(
        dtls_peer_handle(w->s.peer, w->now, w->to_s.data[0], w->to_s.len[0], &w->s.out), 0);
    collect(&w->s, NULL);
    int64_t end = w->now + DTLS_HANDSHAKE_TIMEOUT_MS;
    dtls_peer_tick(w->c.peer, end - 1, &w->c.out);
    assert_int_equal(w->c.out.events, 0);
    collect(&w->c, NULL);
    dtls_peer_tick(w->c.peer, end, &w->c.out);
    assert_int_equal(w->c.out.events, DTLS_EV_FAILED);
    assert_int_equal(w->c.out.failure, DTLS_FAIL_TIMEOUT);
    dtls_peer_tick(w->s.peer, end, &w->s.out);
    assert_int_equal(w->s.out.failure, DTLS_FAIL_TIMEOUT);
    assert_int_equal(dtls_peer_next_deadline(w->c.peer), INT64_MAX);
    assert_int_equal(dtls_peer_next_deadline(w->s.peer), INT64_MAX);
    assert_string_equal(dtls_failure_name(DTLS_FAIL_TIMEOUT), "timeout");
    wire_free(w);
}

static void close_notify(void **state)
{
    (void)state;
    /* identities made and freed here: peers outlive them */
    struct dtls_identity *si = server_id, *ci = client_id;
    assert_int_equal(dtls_identity_new(T0, &server_id), 0);
    assert_int_equal(dtls_identity_new(T0, &client_id), 0);
    struct wire *w = wire_new(NULL, NULL);
    dtls_identity_free(server_id);
    dtls_identity_free(client_id);
    server_id = si;
    client_id = ci;
    start(w);
    pump(w);
    assert_int_equal(w->c.events, DTLS_EV_CONNECTED);

    dtls_peer_close(w->c.peer, &w->c.out);
    assert_int_equal(w->c.out.count, 1);
    assert_int_equal(w->c.out.events, 0);
    assert_int_equal(dtls_peer_state(w->c.peer), DTLS_STATE_CLOSED);
    collect(&w->c, &w->to_s);
    pump(w); /* the server's close_notify in reply reaches a closed client */
    assert_int_equal(w->s.events, DTLS_EV_CONNECTED | DTLS_EV_CLOSED);
    assert_int_equal(dtls_peer_state(w->s.peer), DTLS_STATE_CLOSED);
    assert_int_equal(dtls_peer_stats(w->c.peer)->after_end, 1);
    assert_int_equal(dtls_peer_next_deadline(w->s.peer), INT64_MAX);
    dtls_peer_close(w->s.peer, &w->s.out); /* closing twice is harmless */
    assert_int_equal(w->s.out.count, 0);
    assert_int_equal(dtls_peer_start(w->c.peer, w->now, &w->c.out), -ENOTCONN);
    wire_free(w);
}

/* Once SRTP from the peer proved it has the keys, the connection is dropped: later DTLS is
 * counted and dropped, no timer runs, and closing sends nothing. */
static void confirmed_peer_drops_its_connection(void **state)
{
    (void)state;
    struct wire *w = wire_new(NULL, NULL);
    assert_false(dtls_peer_confirm(w->s.peer)); /* before the handshake: nothing to confirm */
    assert_true(dtls_peer_has_connection(w->s.peer));
    start(w);
    pump(w);
    assert_int_equal(w->s.events, DTLS_EV_CONNECTED);
    assert_true(dtls_peer_has_connection(w->s.peer));

    assert_true(dtls_peer_confirm(w->s.peer));
    assert_false(dtls_peer_confirm(w->s.peer)); /* every packet confirms: harmless */
    assert_false(dtls_peer_has_connection(w->s.peer));
    assert_int_equal(dtls_peer_state(w->s.peer), DTLS_STATE_CONNECTED);
    assert_int_equal(dtls_peer_next_deadline(w->s.peer), INT64_MAX);

    dtls_peer_close(w->c.peer, &w->c.out);
    assert_int_equal(w->c.out.count, 1); /* the client's close_notify */
    collect(&w->c, &w->to_s);
    pump(w);
    assert_int_equal(w->s.events, DTLS_EV_CONNECTED);
    assert_int_equal(dtls_peer_state(w->s.peer), DTLS_STATE_CONNECTED);
    assert_int_equal(dtls_peer_stats(w->s.peer)->after_confirm, 1);

    dtls_peer_tick(w->s.peer, w->now + 60000, &w->s.out);
    assert_int_equal(w->s.out.count, 0);
    assert_int_equal(w->s.out.events, 0);
    dtls_peer_close(w->s.peer, &w->s.out);
    assert_int_equal(w->s.out.count, 0);
    assert_int_equal(dtls_peer_state(w->s.peer), DTLS_STATE_CLOSED);
    wire_free(w);
}

/* A caller with too few buffers loses datagrams (counted), and the timer makes up for it. */
static void output_overflow(void **state)
{
    (void)state;
    struct wire *w = wire_new(NULL, NULL);
    w->c.out.datagrams_max = 0;
    assert_int_equal(dtls_peer_start(w->c.peer, w->now, &w->c.out), 0);
    assert_int_equal(w->c.out.count, 0);
    assert_int_equal(dtls_peer_stats(w->c.peer)->out_overflow, 1);
    w->c.out.datagrams_max = DTLS_OUT_DATAGRAMS;
    sleep_ms(DTLS_RTO_INITIAL_MS + 30);
    w->now += DTLS_RTO_INITIAL_MS + 30;
    dtls_peer_tick(w->c.peer, w->now, &w->c.out);
    collect(&w->c, &w->to_s);
    pump(w);
    assert_int_equal(w->c.events, DTLS_EV_CONNECTED);
    wire_free(w);
}

static void fingerprints(void **state)
{
    (void)state;
    const char *mine = dtls_identity_fingerprint(server_id);
    assert_int_equal(strlen(mine), 8 + 32 * 3 - 1);
    assert_memory_equal(mine, "sha-256 ", 8);
    assert_string_not_equal(mine, dtls_identity_fingerprint(client_id));

    struct dtls_fingerprint fp;
    assert_int_equal(dtls_fingerprint_parse(mine, &fp), 0);
    assert_int_equal(fp.len, 32);
    char lower[DTLS_FINGERPRINT_MAX];
    snprintf(lower, sizeof lower, "SHA-256  %s", mine + 8);
    for (char *p = lower + 9; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    struct dtls_fingerprint fp2;
    assert_int_equal(dtls_fingerprint_parse(lower, &fp2), 0);
    assert_memory_equal(&fp, &fp2, sizeof fp);

    char buf[300];
    snprintf(buf, sizeof buf, "%s:00", mine); /* too long for sha-256 */
    assert_int_equal(dtls_fingerprint_parse(buf, &fp), -EINVAL);
    snprintf(buf, sizeof buf, "%.*s", (int)strlen(mine) - 3, mine); /* too short */
    assert_int_equal(dtls_fingerprint_parse(buf, &fp), -EINVAL);
    snprintf(buf, sizeof buf, "%s ", mine);
    assert_int_equal(dtls_fingerprint_parse(buf, &fp), -EINVAL);
    snprintf(buf, sizeof buf, "sha-1 %s",
             "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01");
    assert_int_equal(dtls_fingerprint_parse(buf, &fp), -EOPNOTSUPP);
    const char *bad[] = {"",           "sha-256",        "sha-256 ",       " sha-256 AB",
                         "sha-256 A",  "sha-256 AB::CD", "sha-256 AB:CD:", "sha-256 ABCD",
                         "sha-256 GG", "sha-256\tAB"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(dtls_fingerprint_parse(bad[i], &fp), -EINVAL);
    /* sha-512 pins work too */
    buf[0] = '\0';
    strcat(buf, "sha-512 ");
    for (int i = 0; i < 64; i++)
        strcat(buf, i ? ":0F" : "0F");
    assert_int_equal(dtls_fingerprint_parse(buf, &fp), 0);
    assert_int_equal(fp.len, 64);

    struct dtls_peer *p;
    assert_int_equal(dtls_peer_new(server_id, DTLS_ROLE_SERVER, "md5 AB", &p), -EOPNOTSUPP);
    assert_int_equal(dtls_peer_new(server_id, DTLS_ROLE_SERVER, "nonsense", &p), -EINVAL);
    assert_int_equal(dtls_peer_new(server_id, 3, mine, &p), -EINVAL);
}

static struct sockaddr_storage loopback(uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ss;
}

/* A browser's first check: authenticated, controlling, not yet nominating. */
static size_t first_check(uint8_t *out, size_t cap)
{
    uint8_t tid[STUN_TID_SIZE] = {9, 8, 7, 6, 5, 4, 3, 2, 1};
    struct stun_builder b;
    stun_build_init(&b, out, cap, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, "srvU:cliU", 9);
    stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLING, 42);
    stun_add_integrity(&b, "serverpasswordserverpw", 22);
    stun_add_fingerprint(&b);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);
    return len;
}

/* The peer (ICE + DTLS) takes the browser's ClientHello from an address whose check passed
 * at once, before any nomination, and answers there; the same bytes from an address that
 * passed no check are dropped. */
static void client_hello_from_a_checked_address(void **state)
{
    (void)state;
    struct peer_params pp = {.identity = server_id,
                             .local_ufrag = "srvU",
                             .local_pwd = "serverpasswordserverpw",
                             .remote_ufrag = "cliU",
                             .remote_fingerprint = dtls_identity_fingerprint(client_id)};
    struct peer *p;
    assert_int_equal(peer_new(&pp, 1000, &p), 0);
    struct side srv, cli;
    memset(&srv, 0, sizeof srv);
    memset(&cli, 0, sizeof cli);
    side_init(&srv);
    side_init(&cli);
    uint8_t reply[ICE_RESPONSE_MAX];
    struct peer_out out = {.reply = reply, .reply_cap = sizeof reply, .dtls = &srv.out};
    assert_int_equal(dtls_peer_new(client_id, DTLS_ROLE_CLIENT,
                                   dtls_identity_fingerprint(server_id), &cli.peer),
                     0);
    assert_int_equal(dtls_peer_start(cli.peer, 1000, &cli.out), 0);
    assert_true(cli.out.count >= 1);
    uint8_t hello[DTLS_MTU];
    size_t hello_len = cli.out.datagrams[0].len;
    memcpy(hello, cli.out.datagrams[0].data, hello_len);
    struct sockaddr_storage checked = loopback(50000), stranger = loopback(50001);

    /* before any check: dropped, nothing sent */
    uint8_t buf[DTLS_MTU];
    memcpy(buf, hello, hello_len);
    assert_int_equal(peer_handle_datagram(p, 1001, &checked, buf, hello_len, &out), -EPERM);
    assert_int_equal(out.dtls->count, 0);
    assert_null(peer_destination(p));

    uint8_t req[256];
    size_t n = first_check(req, sizeof req);
    assert_int_equal(peer_handle_datagram(p, 1002, &checked, req, n, &out), 0);
    assert_true(out.reply_len > 0);
    assert_int_equal(out.events, PEER_EV_VERIFIED);
    assert_null(peer_remote(p)); /* not nominated yet */

    /* from an address with no check: still dropped, and counted */
    memcpy(buf, hello, hello_len);
    assert_int_equal(peer_handle_datagram(p, 1003, &stranger, buf, hello_len, &out), -EPERM);
    assert_int_equal(out.dtls->count, 0);
    assert_int_equal(peer_stats(p)->unverified, 2);
    /* from the checked one: processed at once, the server's flight goes back there */
    memcpy(buf, hello, hello_len);
    assert_int_equal(peer_handle_datagram(p, 1004, &checked, buf, hello_len, &out), 0);
    assert_true(out.dtls->count >= 1);
    assert_int_equal(peer_dtls_stats(p)->retransmits, 0);
    assert_non_null(peer_destination(p));
    assert_true(peer_addr_equal(peer_destination(p), &checked));
    /* SRTP from the stranger is refused before any key is looked at */
    memset(buf, 0x80, 64);
    assert_int_equal(peer_handle_datagram(p, 1005, &stranger, buf, 64, &out), -EPERM);
    assert_int_equal(peer_stats(p)->unverified, 3);
    dtls_out_wipe(&srv.out);
    dtls_out_wipe(&cli.out);
    dtls_peer_free(cli.peer);
    peer_free(p);
}

static int group_setup(void **state)
{
    (void)state;
    if (dtls_identity_new(T0, &server_id) != 0 || dtls_identity_new(T0, &client_id) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    dtls_identity_free(server_id);
    dtls_identity_free(client_id);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fingerprints),
        cmocka_unit_test(handshake_completes),
        cmocka_unit_test(keys_make_working_srtp),
        cmocka_unit_test(wrong_fingerprint_at_server),
        cmocka_unit_test(wrong_fingerprint_at_client),
        cmocka_unit_test(garbage_is_dropped),
        cmocka_unit_test(random_handshake_records),
        cmocka_unit_test(lost_flights_are_retransmitted),
        cmocka_unit_test(lost_last_flight),
        cmocka_unit_test(handshake_times_out),
        cmocka_unit_test(close_notify),
        cmocka_unit_test(confirmed_peer_drops_its_connection),
        cmocka_unit_test(output_overflow),
        cmocka_unit_test(client_hello_from_a_checked_address),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

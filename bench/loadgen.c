/* loadgen: a WebRTC media load generator for confide and Janus, built from confide's own
 * modules in client roles (stun, dtls as the client, srtp, rtp, sdp). R rooms of P
 * participants; each publishes synthetic Opus (50 pps) and VP8 (30 fps at --video-kbps, a
 * keyframe every --keyframe-ms and on PLI/FIR) and subscribes to everyone else. Every packet
 * ends with a trailer (magic, publisher, kind and layer, sequence, send time on
 * CLOCK_MONOTONIC), so the subscriber side measures loss and one-way added latency on the
 * same machine.
 *
 * Signalling: confide's /ws (a small blocking RFC 6455 client, text frames, client masking)
 * or Janus's VideoRoom over the HTTP transport (libcurl, long polls during setup only).
 * ICE: the generator is the controlling agent (USE-CANDIDATE), answers the server's checks
 * (Janus is a full agent), DTLS client, SRTP from the DTLS keys.
 *
 * The load is stepped: every step adds --rooms-step rooms, waits --warmup-ms, measures for
 * --window-ms (the server's CPU from /proc/PID/stat, its RSS and context switches from
 * /proc/PID/task/{...}/status, what the subscribers got), and stops at loss > --max-loss,
 * p99 > --max-p99-ms, the server's core saturated, the generator's own core saturated, or
 * --max-steps. One JSON line per step goes to --json. With --knee-max-rooms, the steps go on
 * past that (the knee): a third more rooms a step until loss or the server's full core, p99
 * not a stop, bounded by --knee-seconds; --knee-light: meanwhile the subscribers decrypt only
 * the trailer, without checking the tag (light_rx.h), so the generator's core lasts longer.
 * Every window also reads the whole use of the server's and the generator's cores
 * (/proc/stat): on a shared machine, what else ran there.
 *
 * --kernel-floor PPS: no server; the kernel's own cost of the same datagrams (kernel_floor.h).
 *
 * --simulcast: publishers offer three RID layers (q, h, f) and send those the answer takes,
 * each on its own SSRC with MID, RID and a transport-wide number on every packet.
 * --bottleneck-kbps MIN:MAX: each subscriber sits behind a simulated downlink of its own
 * capacity (bottleneck.h) and sends transport-cc feedback (sfu/twccfb) on what comes
 * through it; --subscribers-json writes, per subscriber, what it got against its capacity,
 * by layer (the trailer names the layer a packet was sent on). */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "bottleneck.h"
#include "core_time.h"
#include "kernel_floor.h"
#include "light_rx.h"
#include "core/arena.h"
#include "core/rand.h"
#include "sfu/dtls.h"
#include "sfu/rtcp.h"
#include "sfu/rtp.h"
#include "sfu/sdp.h"
#include "sfu/rtpsec.h"
#include "sfu/stun.h"
#include "sfu/twccfb.h"

#define TRAILER_MAGIC 0xBE7C4A11u
#define TRAILER_BYTES 20
#define MAX_P 16
#define BATCH 32
#define PKT_CAP 1500
#define HIST_BINS 200000 /* 10 µs bins up to 2 s */

/* Simulcast (RFC 8853, RIDs RFC 8851): three video layers, lowest first, each its own SSRC,
 * at a quarter, half and all of --video-kbps, as a browser sends them. */
#define LAYERS 3
static const char *const layer_rid[LAYERS] = {"q", "h", "f"};
static const int layer_div[LAYERS] = {4, 2, 1};
static const uint16_t layer_width[LAYERS] = {320, 640, 1280};
static const uint16_t layer_height[LAYERS] = {180, 360, 720};
/* the extension ids our publish offers use (the answer may keep them; we read it back) */
#define EXT_TWCC 3
#define EXT_MID 4
#define EXT_RID 10
#define EXT_REPAIRED_RID 11
/* trailer's second word: kind << 31 | (layer + 1) << 16 for a RID layer | publisher */
#define WHO_LAYER(w) ((int)(((w) >> 16) & 3) - 1)
#define TAG_NUMBERED (1u << 30) /* a bottleneck tag: the packet has a transport-wide number */
#define TAG_OTHER (1u << 29)    /* … it is no media of ours (a padding probe) */

enum server_kind { SRV_CONFIDE, SRV_JANUS };

static struct {
    enum server_kind server;
    const char *host; /* signalling: host and port */
    int port;
    const char *rooms_file; /* confide: setup.mjs output */
    const char *local_ip;
    int participants, rooms_step, max_steps, max_rooms;
    int warmup_ms, window_ms, drain_ms;
    int video_kbps, keyframe_ms;
    double max_loss, max_p99_ms;
    int server_pid;
    const char *json_path, *label;
    bool verbose;
    bool simulcast; /* publishers offer LAYERS RID layers */
    /* subscribers behind simulated downlinks (bottleneck.h) from cap_min to cap_max kbit/s,
     * sending transport-cc feedback on what gets through; 0: no bottleneck, no feedback */
    int cap_min_kbps, cap_max_kbps, queue_ms;
    unsigned seed;
    const char *subs_json_path; /* per subscriber, after the last step */
    /* the knee: after the side-by-side steps, more rooms (a third more a step) until the
     * server loses over max_loss or its core is over 95 %, up to knee_max_rooms rooms and
     * knee_seconds; knee_light: the subscribers decrypt only the trailer meanwhile */
    int knee_max_rooms, knee_seconds;
    bool knee_light;
    bool core_stop; /* a server core busy (not idle, not stolen) over 95 % also stops */
} opt = {
    .server = SRV_CONFIDE,
    .host = "127.0.0.1",
    .port = 8080,
    .local_ip = "127.0.0.1",
    .participants = 4,
    .rooms_step = 1,
    .max_steps = 10,
    .max_rooms = 1000,
    .warmup_ms = 2000,
    .window_ms = 5000,
    .drain_ms = 400,
    .video_kbps = 1200,
    .keyframe_ms = 3000,
    .max_loss = 1.0,
    .max_p99_ms = 50,
    .label = "server",
    .queue_ms = 200,
    .seed = 1,
};

static volatile sig_atomic_t stop_flag;
/* subscribers read the trailer with light_rx: without checking the tag (the knee's cheaper
 * generator, --knee-light) */
static bool light_active;
static uint64_t light_rx_count, light_full_count;
static int ep = -1;
static struct dtls_identity *identity;
static int64_t now_us_cached;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return now_us_cached = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "loadgen: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void logv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logv(const char *fmt, ...)
{
    if (!opt.verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* ---- participants and transports ---- */

struct participant;

struct transport {
    int fd;
    struct sockaddr_in local, remote;
    bool have_remote, is_sub;
    char lufrag[16], lpwd[40];
    char rufrag[260], rpwd[260], rfp[260];
    bool ice_ok;
    bool controlled; /* the server made the offer and is a full agent (Janus): it controls */
    int64_t next_check_us;
    struct dtls_peer *dtls;
    bool dtls_up;
    int64_t next_dtls_tick_us;
    struct rtpsec_context *tx, *rx;
    struct participant *owner;
    /* subscribe side with a bottleneck: the simulated downlink, and transport-cc feedback
     * (twccfb.h) on the transport-wide numbers (twcc_id from the server's offer) of what
     * came through it */
    struct bottleneck *link;
    struct twccfb fb;
    uint8_t twcc_id;
    uint32_t rtcp_ssrc, fb_media_ssrc;
    struct light_rx light; /* subscribe side: the trailer alone (light_active) */
    bool light_ok;
};

/* One video stream a publisher sends: the only one, or one simulcast layer. */
struct vstream {
    int layer; /* its RID's index in layer_rid, or -1: sent without a RID */
    uint32_t ssrc, cnt;
    uint16_t seq, picid;
    int kbps;
    bool want_key;
    int64_t last_key_us;
};

/* What one subscriber got in the measuring window (with a bottleneck). */
struct sub_stat {
    uint64_t wire_bytes;      /* media that reached its socket */
    uint64_t through_bytes;   /* … and came through the simulated downlink */
    uint64_t through_pkts, dropped_pkts;
    uint64_t other_bytes; /* through, not media: the server's padding probes */
    uint64_t video_bytes[LAYERS + 1]; /* through, by layer; [LAYERS]: not a RID layer */
    uint64_t video_pkts[LAYERS + 1];
    uint32_t estimate_kbps; /* the server's last estimate for them, when it tells one */
    uint64_t feedback_sent;
};

struct pair_stat {
    int64_t first_rx_us; /* 0: nothing from this publisher of this kind yet */
};

struct participant {
    int gidx, room, local; /* global index, room, index in the room */
    struct transport pub, sub;
    /* confide /ws */
    int ws_fd;
    uint8_t *in;
    size_t in_len, in_cap;
    struct {
        char *data;
        size_t len;
    } msg;
    bool admitted, pub_answered;
    int sub_version;
    /* janus */
    uint64_t j_pub, j_sub, j_feed;
    /* media */
    bool sending;
    uint32_t ssrc_a;
    uint16_t seq_a;
    uint32_t cnt_a;
    int64_t start_us, next_a_us, next_v_us;
    uint32_t frame;
    struct vstream vs[LAYERS];
    size_t vcount;
    /* header extensions on what we publish (0: not sent): the transport-wide number and
     * the MID on every packet, the RID on every video packet of a layer (a browser stops
     * sending MID and RID once the receiver has reported on the SSRC; we never stop) */
    uint8_t twcc_id_a, twcc_id_v, mid_id_a, mid_id_v, rid_id;
    uint16_t twcc_seq;
    uint64_t sent_win[2];
    struct pair_stat pairs[MAX_P][2];
    uint32_t capacity_kbps; /* its simulated downlink; 0: none */
    struct sub_stat st;
};

static struct participant **parts;
static size_t part_count, part_cap;
static int room_count;

/* ---- measurement ---- */

static struct {
    bool active; /* a window is open or draining */
    int64_t start_us, end_us;
    uint64_t rx, rx_all, tx_pkts;
    uint32_t *hist;
    uint64_t hist_n;
    uint64_t bad_srtp, bad_trailer;
} win;

static uint64_t total_rx, total_tx, total_srtp_err, total_dtls_fail;

/* ---- UDP ---- */

static void ep_add(int fd, void *ptr)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ptr};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
        die("epoll_ctl: %s", strerror(errno));
}

static void transport_open(struct transport *t, struct participant *owner, bool is_sub)
{
    memset(t, 0, sizeof *t);
    t->owner = owner;
    t->is_sub = is_sub;
    t->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0)
        die("socket: %s", strerror(errno));
    int sz = 4 << 20;
    setsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    setsockopt(t->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, opt.local_ip, &sin.sin_addr);
    if (bind(t->fd, (struct sockaddr *)&sin, sizeof sin) < 0)
        die("bind %s: %s", opt.local_ip, strerror(errno));
    socklen_t sl = sizeof t->local;
    getsockname(t->fd, (struct sockaddr *)&t->local, &sl);
    rand_token(t->lufrag, sizeof t->lufrag, 6);
    rand_token(t->lpwd, sizeof t->lpwd, 18);
    /* ice-chars: letters, digits, + and /; rand_token is base64url */
    for (char *c = t->lufrag; *c; c++)
        if (*c == '-' || *c == '_')
            *c = 'x';
    for (char *c = t->lpwd; *c; c++)
        if (*c == '-' || *c == '_')
            *c = 'y';
    ep_add(t->fd, t);
}

/* Forget the DTLS/ICE state (a subscribe reset), keep the socket. */
static void transport_reset(struct transport *t)
{
    dtls_peer_free(t->dtls);
    rtpsec_context_free(t->tx);
    rtpsec_context_free(t->rx);
    t->dtls = NULL;
    t->tx = t->rx = NULL;
    light_rx_free(&t->light);
    t->light_ok = false;
    t->dtls_up = t->ice_ok = t->have_remote = false;
    /* the server numbers a new transport afresh */
    memset(&t->fb, 0, sizeof t->fb);
    t->fb_media_ssrc = 0;
}

static void udp_send(struct transport *t, const void *data, size_t len)
{
    if (!t->have_remote)
        return;
    (void)sendto(t->fd, data, len, 0, (struct sockaddr *)&t->remote, sizeof t->remote);
}

static struct dtls_datagram dgs[DTLS_OUT_DATAGRAMS];
static uint8_t dg_bufs[DTLS_OUT_DATAGRAMS][DTLS_MTU];
static struct dtls_out dout;

static void dtls_flush(struct transport *t)
{
    for (size_t i = 0; i < dout.count; i++)
        udp_send(t, dout.datagrams[i].data, dout.datagrams[i].len);
    if (dout.events & DTLS_EV_CONNECTED) {
        if (rtpsec_context_new(&dout.local, RTPSEC_OUTBOUND, 64, &t->tx) < 0 ||
            rtpsec_context_new(&dout.remote, RTPSEC_INBOUND, 256, &t->rx) < 0)
            die("rtpsec_context_new");
        if (t->is_sub) {
            light_rx_free(&t->light);
            t->light_ok = light_rx_init(&t->light, &dout.remote) == 0;
        }
        t->dtls_up = true;
        logv("p%d %s: DTLS up\n", t->owner->gidx, t->is_sub ? "sub" : "pub");
        if (!t->is_sub) {
            struct participant *p = t->owner;
            p->sending = true;
            p->start_us = now_us();
            p->next_a_us = p->start_us + (int64_t)(rand() % 20000);
            p->next_v_us = p->start_us + (int64_t)(rand() % 33333);
            for (size_t i = 0; i < p->vcount; i++)
                p->vs[i].want_key = true;
        }
    }
    if (dout.events & (DTLS_EV_FAILED | DTLS_EV_CLOSED)) {
        total_dtls_fail++;
        fprintf(stderr, "loadgen: p%d %s: DTLS %s\n", t->owner->gidx, t->is_sub ? "sub" : "pub",
                dtls_failure_name(dout.failure));
    }
    dtls_out_wipe(&dout);
}

static void ice_check(struct transport *t)
{
    char user[600];
    snprintf(user, sizeof user, "%s:%s", t->rufrag, t->lufrag);
    uint8_t tid[STUN_TID_SIZE];
    rand_bytes(tid, sizeof tid);
    uint8_t req[800];
    struct stun_builder b;
    stun_build_init(&b, req, sizeof req, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, user, strlen(user));
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 0x6e7f1eff);
    if (t->controlled) {
        stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLED, 0x0123456789abcdefULL ^ (uint64_t)t->fd);
    } else {
        stun_add(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
        stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLING, 0x0123456789abcdefULL ^ (uint64_t)t->fd);
    }
    stun_add_integrity(&b, t->rpwd, strlen(t->rpwd));
    stun_add_fingerprint(&b);
    size_t len;
    if (stun_build_finish(&b, &len) == 0)
        udp_send(t, req, len);
    t->next_check_us = now_us_cached + (t->ice_ok ? 2000000 : 100000);
}

static void on_stun(struct transport *t, uint8_t *data, size_t len, const struct sockaddr_in *from)
{
    struct stun_msg m;
    if (stun_parse(data, len, &m) < 0) {
        if (opt.verbose) {
            fprintf(stderr, "p%d: unparsable STUN (%zu):", t->owner->gidx, len);
            for (size_t i = 0; i < len; i++)
                fprintf(stderr, "%02x", data[i]);
            fprintf(stderr, "\n");
        }
        return;
    }
    if (m.cls == STUN_REQUEST) { /* a full agent's check (Janus): answer it */
        if (stun_check_integrity(&m, t->lpwd, strlen(t->lpwd)) != 0)
            return;
        uint8_t resp[256];
        struct stun_builder b;
        stun_build_init(&b, resp, sizeof resp, STUN_BINDING, STUN_SUCCESS, m.tid);
        stun_add_xor_mapped_address(&b, (const struct sockaddr *)from);
        stun_add_integrity(&b, t->lpwd, strlen(t->lpwd));
        stun_add_fingerprint(&b);
        size_t n;
        if (stun_build_finish(&b, &n) == 0)
            (void)sendto(t->fd, resp, n, 0, (const struct sockaddr *)from, sizeof *from);
        return;
    }
    if (stun_check_integrity(&m, t->rpwd, strlen(t->rpwd)) != 0)
        return;
    if (m.cls == STUN_ERROR && m.error_code == 487 && !t->controlled) {
        t->controlled = true; /* role conflict: the server is the controlling agent */
        logv("p%d %s: 487, switching to the controlled role\n", t->owner->gidx, t->is_sub ? "sub" : "pub");
        ice_check(t);
        return;
    }
    if (m.cls != STUN_SUCCESS)
        return;
    if (!t->ice_ok) {
        t->ice_ok = true;
        t->next_check_us = now_us_cached + 2000000;
        logv("p%d %s: ICE up\n", t->owner->gidx, t->is_sub ? "sub" : "pub");
    }
    if (!t->dtls) {
        if (dtls_peer_new(identity, DTLS_ROLE_CLIENT, t->rfp, &t->dtls) < 0)
            die("dtls_peer_new (fingerprint %s)", t->rfp);
        dtls_peer_start(t->dtls, now_us_cached / 1000, &dout);
        dtls_flush(t);
    }
}

static void put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24), b[1] = (uint8_t)(v >> 16), b[2] = (uint8_t)(v >> 8), b[3] = (uint8_t)v;
}
static uint32_t get32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The trailer of an SRTP packet without decrypting the rest or checking its tag
 * (light_rx.h). Near a sequence number wrap, for a stream rtpsec has not yet authenticated,
 * and for anything that does not read as our trailer, false: the full path then keeps
 * rtpsec's rollover counter right (the light path reads it, never moves it). */
static bool light_trailer(struct transport *t, uint8_t *data, size_t len, struct rtp_packet *pk,
                          uint8_t tr[TRAILER_BYTES])
{
    if (!t->light_ok)
        return false;
    size_t tag = light_rx_tag_len(t->light.profile);
    if (len < tag || rtp_parse(pk, data, len - tag) < 0 || pk->padding)
        return false;
    uint32_t roc;
    if (pk->seq < 1024 || pk->seq > 65535 - 1024 || rtpsec_context_roc(t->rx, pk->ssrc, &roc) < 0)
        return false;
    if (light_rx_tail(&t->light, data, len, pk->header_len, roc, tr, TRAILER_BYTES) < 0 ||
        get32(tr) != TRAILER_MAGIC)
        return false;
    light_rx_count++;
    return true;
}

static void on_media(struct transport *t, uint8_t *data, size_t len)
{
    bool rtcp = len >= 2 && data[1] >= 192 && data[1] <= 223;
    if (!t->rx)
        return;
    size_t plain;
    if (rtcp) {
        if (t->is_sub || rtpsec_rtcp_unprotect(t->rx, data, len, &plain) < 0)
            return;
        /* PLI (206/1) or FIR (206/4) for our video: a keyframe next, on the stream whose
         * SSRC it names (PLI: the media source; FIR: its first entry), else on all */
        struct participant *p = t->owner;
        for (size_t off = 0; off + 4 <= plain;) {
            uint8_t fmt = data[off] & 31, pt = data[off + 1];
            size_t l = ((size_t)data[off + 2] << 8 | data[off + 3]) * 4 + 4;
            if (pt == 206 && (fmt == 1 || fmt == 4)) {
                size_t at = off + (fmt == 1 ? 8 : 12);
                uint32_t ssrc = at + 4 <= plain && at + 4 <= off + l ? get32(data + at) : 0;
                bool named = false;
                for (size_t i = 0; i < p->vcount; i++)
                    named |= p->vs[i].ssrc == ssrc;
                for (size_t i = 0; i < p->vcount; i++)
                    if (!named || p->vs[i].ssrc == ssrc)
                        p->vs[i].want_key = true;
            }
            off += l;
        }
        return;
    }
    if (!t->is_sub)
        return;
    struct rtp_packet pk;
    uint8_t light_tr[TRAILER_BYTES];
    const uint8_t *tr;
    bool media;
    if (light_active && light_trailer(t, data, len, &pk, light_tr)) {
        tr = light_tr;
        media = true;
    } else {
        if (light_active)
            light_full_count++;
        if (rtpsec_rtp_unprotect(t->rx, data, len, &plain) < 0) {
            total_srtp_err++;
            if (win.active)
                win.bad_srtp++;
            return;
        }
        if (rtp_parse(&pk, data, plain) < 0)
            return;
        tr = pk.payload + pk.payload_len - TRAILER_BYTES;
        media = pk.payload_len >= TRAILER_BYTES && get32(tr) == TRAILER_MAGIC;
    }
    struct participant *sub = t->owner;
    int64_t now = now_us_cached;
    if (t->link) {
        /* every packet takes its time on the simulated downlink, the server's bandwidth
         * probes (padding, no trailer) too; what comes out is counted and fed back. The
         * tag is the trailer's word, bit 30 (otherwise 0) saying "numbered", or TAG_OTHER. */
        uint16_t tseq = 0;
        bool numbered = t->twcc_id && rtp_ext_twcc_seq(&pk, t->twcc_id, &tseq) == 0;
        if (numbered && media && !t->fb_media_ssrc)
            t->fb_media_ssrc = pk.ssrc;
        if (win.active)
            sub->st.wire_bytes += len;
        uint32_t tag = (media ? get32(tr + 4) : TAG_OTHER) | (numbered ? TAG_NUMBERED : 0);
        if (!bottleneck_push(t->link, now, (uint32_t)len, tseq, tag) && win.active)
            sub->st.dropped_pkts++;
    }
    if (!media) {
        if (win.active && pk.payload_len > 0)
            win.bad_trailer++;
        return;
    }
    uint32_t who = get32(tr + 4);
    int kind = (int)(who >> 31), pub_local = (int)(who & 0xffff);
    uint64_t sent_ns = (uint64_t)get32(tr + 12) << 32 | get32(tr + 16);
    if (pub_local >= MAX_P)
        return;
    total_rx++;
    struct pair_stat *ps = &sub->pairs[pub_local][kind];
    if (!ps->first_rx_us)
        ps->first_rx_us = now;
    if (!win.active)
        return;
    int64_t sent_us = (int64_t)(sent_ns / 1000);
    win.rx_all++;
    if (sent_us < win.start_us || sent_us > win.end_us || ps->first_rx_us >= win.start_us)
        return;
    /* simulcast: a subscriber gets one layer of the several sent, so loss is counted on
     * audio, which every subscriber gets all of */
    if (!opt.simulcast || kind == 0)
        win.rx++;
    int64_t lat = now_ns() - (int64_t)sent_ns;
    int64_t bin = lat / 10000;
    if (bin < 0)
        bin = 0;
    if (bin >= HIST_BINS)
        bin = HIST_BINS - 1;
    win.hist[bin]++;
    win.hist_n++;
}

static void on_readable(struct transport *t)
{
    static struct mmsghdr msgs[BATCH];
    static struct iovec iov[BATCH];
    static uint8_t bufs[BATCH][PKT_CAP];
    static struct sockaddr_in from[BATCH];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < BATCH; i++) {
            iov[i] = (struct iovec){bufs[i], PKT_CAP};
            msgs[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i],
                                              .msg_iov = &iov[i], .msg_iovlen = 1};
        }
        int n = recvmmsg(t->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        now_us();
        for (int i = 0; i < n; i++) {
            uint8_t *d = bufs[i];
            size_t len = msgs[i].msg_len;
            if (len < 1)
                continue;
            if (d[0] <= 3)
                on_stun(t, d, len, &from[i]);
            else if (d[0] >= 20 && d[0] <= 63) {
                if (t->dtls) {
                    dtls_peer_handle(t->dtls, now_us_cached / 1000, d, len, &dout);
                    dtls_flush(t);
                }
            } else if (d[0] >= 128 && d[0] <= 191)
                on_media(t, d, len);
        }
        if (n < BATCH)
            return;
    }
}

/* ---- sending media ---- */

/* One RTP packet of `payload_len` bytes (the head, filler, the trailer), on the audio
 * stream (vs NULL) or a video stream, with the header extensions the answer agreed to in
 * the one-byte form (RFC 8285 §4.2): the transport-wide number, and a layer's RID. */
static void send_rtp(struct participant *p, struct vstream *vs, bool marker, uint32_t ts,
                     const uint8_t *payload_head, size_t head_len, size_t payload_len)
{
    uint8_t buf[PKT_CAP];
    int kind = vs ? 1 : 0;
    uint16_t seq = vs ? vs->seq++ : p->seq_a++;
    uint32_t ssrc = vs ? vs->ssrc : p->ssrc_a;
    uint8_t twcc_id = vs ? p->twcc_id_v : p->twcc_id_a;
    uint8_t mid_id = vs ? p->mid_id_v : p->mid_id_a;
    const char *rid = vs && vs->layer >= 0 && p->rid_id ? layer_rid[vs->layer] : NULL;
    size_t h = 12;
    if (twcc_id || mid_id || rid) {
        size_t e = h + 4;
        if (twcc_id) {
            buf[e++] = (uint8_t)(twcc_id << 4 | 1);
            buf[e++] = (uint8_t)(p->twcc_seq >> 8), buf[e++] = (uint8_t)p->twcc_seq;
            p->twcc_seq++;
        }
        if (mid_id) { /* our mids are "0" (audio) and "1" (video) */
            buf[e++] = (uint8_t)(mid_id << 4 | 0);
            buf[e++] = vs ? '1' : '0';
        }
        if (rid) {
            size_t n = strlen(rid);
            buf[e++] = (uint8_t)(p->rid_id << 4 | (n - 1));
            memcpy(buf + e, rid, n);
            e += n;
        }
        while ((e - h) % 4)
            buf[e++] = 0; /* padding */
        buf[h] = 0xBE, buf[h + 1] = 0xDE;
        buf[h + 2] = (uint8_t)((e - h - 4) / 4 >> 8), buf[h + 3] = (uint8_t)((e - h - 4) / 4);
        h = e;
    }
    buf[0] = (uint8_t)(0x80 | (h > 12 ? 0x10 : 0));
    buf[1] = (uint8_t)((marker ? 0x80 : 0) | (kind ? 96 : 111));
    buf[2] = (uint8_t)(seq >> 8), buf[3] = (uint8_t)seq;
    put32(buf + 4, ts);
    put32(buf + 8, ssrc);
    size_t len = h + payload_len;
    assert(len + RTPSEC_RTP_OVERHEAD_MAX <= sizeof buf);
    memcpy(buf + h, payload_head, head_len);
    memset(buf + h + head_len, 0x5a, payload_len - head_len - TRAILER_BYTES);
    uint8_t *tr = buf + len - TRAILER_BYTES;
    put32(tr, TRAILER_MAGIC);
    uint32_t layer_bits = rid ? (uint32_t)(vs->layer + 1) << 16 : 0;
    put32(tr + 4, (uint32_t)kind << 31 | layer_bits | (uint32_t)p->local);
    put32(tr + 8, vs ? vs->cnt++ : p->cnt_a++);
    uint64_t t = (uint64_t)now_ns();
    put32(tr + 12, (uint32_t)(t >> 32));
    put32(tr + 16, (uint32_t)t);
    size_t out;
    if (rtpsec_rtp_protect(p->pub.tx, buf, len, sizeof buf, &out) < 0)
        return;
    udp_send(&p->pub, buf, out);
    total_tx++;
    if (win.active && (int64_t)(t / 1000) >= win.start_us && (int64_t)(t / 1000) <= win.end_us)
        p->sent_win[kind]++;
}

/* One frame of one video stream: its packets (a keyframe four times a delta frame's size),
 * each with an RFC 7741 descriptor and 15-bit picture id, the first with the VP8 payload
 * header (RFC 6386 §9.1) and, on a keyframe, the start code and the stream's size. */
static void send_frame(struct participant *p, struct vstream *vs, int64_t now, uint32_t ts)
{
    int64_t every = (int64_t)opt.keyframe_ms * 1000;
    bool periodic = now - vs->last_key_us >= every;
    /* at most a keyframe every 300 ms on PLIs */
    bool key = periodic || (vs->want_key && now - vs->last_key_us >= 300000);
    if (key) {
        vs->want_key = false;
        vs->last_key_us = now;
    }
    size_t frame_bytes = (size_t)vs->kbps * 1000 / 8 / 30;
    if (key)
        frame_bytes *= 4;
    size_t npk = (frame_bytes + 1099) / 1100;
    size_t per = frame_bytes / npk;
    if (per < 60)
        per = 60;
    uint16_t w = vs->layer >= 0 ? layer_width[vs->layer] : 640;
    uint16_t hgt = vs->layer >= 0 ? layer_height[vs->layer] : 480;
    vs->picid = (uint16_t)((vs->picid + 1) & 0x7fff);
    for (size_t i = 0; i < npk; i++) {
        uint8_t head[16];
        size_t h = 0;
        /* RFC 7741 descriptor: X, S on the first packet, PID 0; I with a 15-bit picture id */
        head[h++] = (uint8_t)(0x80 | (i == 0 ? 0x10 : 0));
        head[h++] = 0x80;
        head[h++] = (uint8_t)(0x80 | (vs->picid >> 8));
        head[h++] = (uint8_t)vs->picid;
        if (i == 0) { /* VP8 payload header (RFC 6386 §9.1) */
            uint32_t first_part = 200;
            uint32_t tag = (key ? 0 : 1) | (0 << 1) | (1 << 4) | (first_part << 5);
            head[h++] = (uint8_t)tag, head[h++] = (uint8_t)(tag >> 8), head[h++] = (uint8_t)(tag >> 16);
            if (key) {
                head[h++] = 0x9d, head[h++] = 0x01, head[h++] = 0x2a;
                head[h++] = (uint8_t)w, head[h++] = (uint8_t)(w >> 8);
                head[h++] = (uint8_t)hgt, head[h++] = (uint8_t)(hgt >> 8);
            }
        }
        send_rtp(p, vs, i + 1 == npk, ts, head, h, per);
    }
}

static void send_due(struct participant *p)
{
    int64_t now = now_us_cached;
    while (p->next_a_us <= now) {
        uint8_t toc = 0x78; /* Opus: SILK+CELT hybrid, 20 ms */
        uint32_t ts = (uint32_t)((p->next_a_us - p->start_us) * 48 / 1000);
        send_rtp(p, NULL, false, ts, &toc, 1, 80 + (size_t)(rand() % 40));
        p->next_a_us += 20000;
    }
    while (p->next_v_us <= now) {
        /* simulcast layers are one picture at several sizes: same capture time */
        uint32_t ts = (uint32_t)((p->next_v_us - p->start_us) * 90 / 1000);
        for (size_t i = 0; i < p->vcount; i++)
            send_frame(p, &p->vs[i], now, ts);
        p->frame++;
        p->next_v_us += 33333;
    }
}

/* ---- SDP ---- */

static void sdp_common(struct buf *b, struct transport *t, const char *mid)
{
    buf_printf(b,
               "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
               "a=candidate:1 1 udp 2130706431 %s %u typ host\r\na=end-of-candidates\r\n"
               "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s\r\na=setup:active\r\n"
               "a=mid:%s\r\na=rtcp-mux\r\n",
               opt.local_ip, ntohs(t->local.sin_port), t->lufrag, t->lpwd,
               dtls_identity_fingerprint(identity), mid);
}

/* Audio and VP8 video. With --simulcast, as a browser offers simulcast (RFC 8853): the
 * video section declares three RIDs to send (RFC 8851), lowest first, with the
 * rtp-stream-id and repaired-rtp-stream-id extensions and no SSRCs (each layer's SSRC is
 * learnt from its packets' MID and RID, RFC 8843 §9.2); both sections offer sdes:mid and
 * transport-wide-cc. */
static void publish_offer(struct participant *p, struct buf *b)
{
    bool sim = opt.simulcast;
    buf_printf(b,
               "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
               "a=msid-semantic: WMS bench%d\r\n",
               (unsigned)rand(), p->gidx);
    buf_printf(b, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
    sdp_common(b, &p->pub, "0");
    if (sim)
        buf_printf(b, "a=extmap:%d %s\r\na=extmap:%d %s\r\n", EXT_TWCC, SDP_URI_TWCC, EXT_MID,
                   SDP_URI_MID);
    buf_printf(b,
               "a=sendonly\r\na=msid:bench%d a%d\r\na=rtpmap:111 opus/48000/2\r\n"
               "a=fmtp:111 minptime=10;useinbandfec=1\r\n",
               p->gidx, p->gidx);
    if (sim)
        buf_printf(b, "a=rtcp-fb:111 transport-cc\r\n");
    buf_printf(b, "a=ssrc:%u cname:bench%d\r\na=ssrc:%u msid:bench%d a%d\r\n", p->ssrc_a,
               p->gidx, p->ssrc_a, p->gidx, p->gidx);
    buf_printf(b, "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n");
    sdp_common(b, &p->pub, "1");
    if (sim)
        buf_printf(b, "a=extmap:%d %s\r\na=extmap:%d %s\r\na=extmap:%d %s\r\na=extmap:%d %s\r\n",
                   EXT_TWCC, SDP_URI_TWCC, EXT_MID, SDP_URI_MID, EXT_RID, SDP_URI_RID,
                   EXT_REPAIRED_RID, SDP_URI_REPAIRED_RID);
    buf_printf(b,
               "a=sendonly\r\na=msid:bench%d v%d\r\na=rtpmap:96 VP8/90000\r\n"
               "a=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 ccm fir\r\n",
               p->gidx, p->gidx);
    if (sim) {
        buf_printf(b, "a=rtcp-fb:96 transport-cc\r\n");
        for (int i = 0; i < LAYERS; i++)
            buf_printf(b, "a=rid:%s send\r\n", layer_rid[i]);
        buf_printf(b, "a=simulcast:send %s;%s;%s\r\n", layer_rid[0], layer_rid[1], layer_rid[2]);
    } else {
        buf_printf(b, "a=ssrc:%u cname:bench%d\r\na=ssrc:%u msid:bench%d v%d\r\n",
                   p->vs[0].ssrc, p->gidx, p->vs[0].ssrc, p->gidx, p->gidx);
    }
}

/* What the answer to our publish offer agreed to send: the extension ids it kept, and
 * with a=simulcast:recv the layers it takes (those it lists and does not pause, each with
 * its RID on every packet); without, one stream at --video-kbps and no RIDs (RFC 8853:
 * an answer without a=simulcast means no simulcast). */
static void publish_streams(struct participant *p, const char *answer)
{
    struct arena a = {0};
    struct sdp_session *s;
    struct sdp_error err = {0};
    if (sdp_parse(&a, answer, strlen(answer), &s, &err) < 0) {
        arena_free(&a);
        return; /* remote_from_sdp says why */
    }
    struct vstream one = p->vs[0];
    one.layer = -1;
    one.kbps = opt.video_kbps;
    p->vcount = 1;
    p->vs[0] = one;
    p->rid_id = 0;
    for (size_t i = 0; opt.simulcast && i < s->media_count; i++) {
        const struct sdp_media *m = &s->media[i];
        if (m->port == 0)
            continue;
        uint8_t twcc = sdp_media_extmap_id(m, SDP_URI_TWCC);
        uint8_t mid = sdp_media_extmap_id(m, SDP_URI_MID);
        if (m->kind == SDP_AUDIO) {
            p->twcc_id_a = twcc;
            p->mid_id_a = mid;
            continue;
        }
        if (m->kind != SDP_VIDEO)
            continue;
        p->twcc_id_v = twcc;
        p->mid_id_v = mid;
        uint8_t rid_id = sdp_media_extmap_id(m, SDP_URI_RID);
        size_t n = 0;
        for (int l = 0; l < LAYERS && rid_id; l++) {
            for (size_t k = 0; k < m->simulcast_recv_count; k++) {
                const struct sdp_simulcast_rid *r = &m->simulcast_recv[k];
                if (strcmp(r->rid, layer_rid[l]) != 0 || r->paused)
                    continue;
                struct vstream *vs = &p->vs[n++];
                *vs = (struct vstream){.layer = l, .kbps = opt.video_kbps / layer_div[l]};
                rand_bytes(&vs->ssrc, sizeof vs->ssrc);
                rand_bytes(&vs->seq, sizeof vs->seq);
                rand_bytes(&vs->picid, sizeof vs->picid);
                break;
            }
        }
        if (n) {
            p->vcount = n;
            p->rid_id = rid_id;
        }
        logv("p%d: the answer takes %zu video layer(s)%s\n", p->gidx, n ? n : 1,
             n ? "" : " (no a=simulcast:recv)");
    }
    arena_free(&a);
}

/* The first IPv4 UDP host candidate of component 1 in the SDP text. */
static bool find_candidate(const char *sdp, struct sockaddr_in *out)
{
    for (const char *c = strstr(sdp, "a=candidate:"); c; c = strstr(c + 1, "a=candidate:")) {
        char found[64], transport[16], ip[64], typ[16], type[16];
        unsigned comp, port;
        unsigned long prio;
        if (sscanf(c + 12, "%63s %u %15s %lu %63s %u %15s %15s", found, &comp, transport, &prio, ip,
                   &port, typ, type) != 8)
            continue;
        if (comp != 1 || strcasecmp(transport, "udp") != 0 || strcmp(type, "host") != 0)
            continue;
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
            continue;
        *out = sin;
        return true;
    }
    return false;
}

/* Takes the remote side's credentials, fingerprint and candidate; starts checking. */
static int remote_from_sdp(struct transport *t, const char *text)
{
    struct arena a = {0};
    struct sdp_session *s;
    struct sdp_error err = {0};
    int rc = -1;
    if (sdp_parse(&a, text, strlen(text), &s, &err) < 0) {
        fprintf(stderr, "loadgen: remote SDP: %s %s\n", err.code, err.message);
        goto out;
    }
    for (size_t i = 0; i < s->media_count; i++) {
        const struct sdp_media *m = &s->media[i];
        if (!m->ice_ufrag || !m->ice_pwd || !m->fingerprint)
            continue;
        snprintf(t->rufrag, sizeof t->rufrag, "%s", m->ice_ufrag);
        snprintf(t->rpwd, sizeof t->rpwd, "%s", m->ice_pwd);
        snprintf(t->rfp, sizeof t->rfp, "%s %s", m->fingerprint_alg, m->fingerprint);
        rc = 0;
        break;
    }
    if (rc == 0 && !find_candidate(text, &t->remote)) {
        fprintf(stderr, "loadgen: no usable candidate in the remote SDP\n");
        rc = -1;
    }
    if (rc == 0) {
        char ip[32];
        inet_ntop(AF_INET, &t->remote.sin_addr, ip, sizeof ip);
        logv("p%d %s: remote %s:%u ufrag %s\n", t->owner->gidx, t->is_sub ? "sub" : "pub", ip,
             ntohs(t->remote.sin_port), t->rufrag);
        t->have_remote = true;
        now_us();
        ice_check(t);
    }
out:
    arena_free(&a);
    return rc;
}

/* Our answer to a subscribe offer (confide's or Janus's): recvonly where it sends. */
static int subscribe_answer(struct participant *p, const char *offer, struct buf *b)
{
    struct arena a = {0};
    struct sdp_session *s;
    struct sdp_error err = {0};
    if (sdp_parse(&a, offer, strlen(offer), &s, &err) < 0) {
        fprintf(stderr, "loadgen: subscribe offer: %s %s\n", err.code, err.message);
        arena_free(&a);
        return -1;
    }
    buf_printf(b, "v=0\r\no=- %u 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE",
               (unsigned)rand());
    for (size_t i = 0; i < s->media_count; i++)
        if (s->media[i].port != 0 && s->media[i].mid)
            buf_printf(b, " %s", s->media[i].mid);
    buf_printf(b, "\r\na=msid-semantic: WMS\r\n");
    for (size_t i = 0; i < s->media_count; i++) {
        const struct sdp_media *m = &s->media[i];
        const char *mid = m->mid ? m->mid : "";
        if (m->port == 0 || !m->rtp) {
            buf_printf(b, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\n", m->kind_name, m->proto,
                       m->format_count ? m->formats[0] : "0", mid);
            continue;
        }
        const struct sdp_codec *c = NULL;
        for (size_t k = 0; k < m->codec_count && !c; k++)
            if (m->codecs[k].name && (strcasecmp(m->codecs[k].name, "opus") == 0 ||
                                      strcasecmp(m->codecs[k].name, "VP8") == 0))
                c = &m->codecs[k];
        if (!c)
            c = &m->codecs[0];
        buf_printf(b, "m=%s 9 %s %u\r\n", m->kind_name, m->proto, c->pt);
        sdp_common(b, &p->sub, mid);
        /* behind a simulated downlink: transport-wide numbers in, transport-cc feedback out */
        uint8_t twcc = p->sub.link ? sdp_media_extmap_id(m, SDP_URI_TWCC) : 0;
        if (twcc) {
            p->sub.twcc_id = twcc;
            buf_printf(b, "a=extmap:%u %s\r\n", twcc, SDP_URI_TWCC);
            if (m->rtcp_rsize)
                buf_printf(b, "a=rtcp-rsize\r\n");
        }
        buf_printf(b, "a=%s\r\n", m->direction == SDP_SENDONLY || m->direction == SDP_SENDRECV
                                      ? "recvonly"
                                      : "inactive");
        if (c->name) {
            if (c->channels)
                buf_printf(b, "a=rtpmap:%u %s/%u/%u\r\n", c->pt, c->name, c->clock_rate, c->channels);
            else
                buf_printf(b, "a=rtpmap:%u %s/%u\r\n", c->pt, c->name, c->clock_rate);
        }
        if (c->fmtp)
            buf_printf(b, "a=fmtp:%u %s\r\n", c->pt, c->fmtp);
        if (twcc)
            buf_printf(b, "a=rtcp-fb:%u transport-cc\r\n", c->pt);
    }
    arena_free(&a);
    return 0;
}

/* ---- confide: a small WebSocket client ---- */

static void ws_send_text(struct participant *p, const char *text)
{
    size_t n = strlen(text);
    uint8_t *f = malloc(n + 14);
    size_t h = 0;
    f[h++] = 0x81;
    if (n < 126) {
        f[h++] = (uint8_t)(0x80 | n);
    } else if (n < 65536) {
        f[h++] = 0x80 | 126, f[h++] = (uint8_t)(n >> 8), f[h++] = (uint8_t)n;
    } else {
        f[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            f[h++] = (uint8_t)((uint64_t)n >> (8 * i));
    }
    uint8_t mask[4];
    rand_bytes(mask, 4);
    memcpy(f + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < n; i++)
        f[h + i] = (uint8_t)text[i] ^ mask[i & 3];
    size_t total = h + n, off = 0;
    while (off < total) {
        ssize_t w = send(p->ws_fd, f + off, total - off, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pf = {.fd = p->ws_fd, .events = POLLOUT};
            poll(&pf, 1, 100);
            continue;
        }
        if (w <= 0)
            die("ws send: %s", strerror(errno));
        off += (size_t)w;
    }
    free(f);
}

static void ws_send_json(struct participant *p, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    ws_send_text(p, s);
    free(s);
    json_decref(j);
}

static void ws_send_frame(struct participant *p, uint8_t opcode, const uint8_t *data, size_t n)
{
    uint8_t f[256];
    if (n > 125)
        n = 125;
    f[0] = (uint8_t)(0x80 | opcode);
    f[1] = (uint8_t)(0x80 | n);
    uint8_t mask[4];
    rand_bytes(mask, 4);
    memcpy(f + 2, mask, 4);
    for (size_t i = 0; i < n; i++)
        f[6 + i] = data[i] ^ mask[i & 3];
    (void)send(p->ws_fd, f, 6 + n, MSG_NOSIGNAL);
}

static void ws_connect(struct participant *p)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    inet_pton(AF_INET, opt.host, &sin.sin_addr);
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
        die("connect %s:%d: %s", opt.host, opt.port, strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint8_t key[16];
    rand_bytes(key, sizeof key);
    char key64[32];
    EVP_EncodeBlock((unsigned char *)key64, key, sizeof key);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Protocol: confide.v1\r\nOrigin: http://%s:%d\r\n\r\n",
                     opt.host, opt.port, key64, opt.host, opt.port);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        die("ws handshake send");
    char resp[4096];
    size_t got = 0;
    while (got < sizeof resp - 1) {
        ssize_t r = recv(fd, resp + got, 1, 0); /* byte by byte: frames may follow at once */
        if (r <= 0)
            die("ws handshake: connection closed");
        got++;
        resp[got] = 0;
        if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    if (strncmp(resp, "HTTP/1.1 101", 12) != 0)
        die("ws handshake refused: %.80s", resp);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    p->ws_fd = fd;
    ep_add(fd, (char *)p + 1); /* tagged: the low bit tells a WebSocket from a transport */
}

static void on_ws_message(struct participant *p, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, 0, &jerr);
    if (!j)
        return;
    const char *type = json_string_value(json_object_get(j, "type"));
    if (!type)
        type = "";
    logv("p%d <- %s\n", p->gidx, type);
    if (strcmp(type, "admitted") == 0) {
        p->admitted = true;
    } else if (strcmp(type, "quality") == 0) {
        /* a client is told only its own level, with the server's estimate once it has one */
        json_t *est = json_object_get(j, "estimate_kbps");
        if (json_is_integer(est))
            p->st.estimate_kbps = (uint32_t)json_integer_value(est);
    } else if (strcmp(type, "publish_answer") == 0) {
        p->pub_answered = true;
        const char *sdp = json_string_value(json_object_get(j, "sdp"));
        if (remote_from_sdp(&p->pub, sdp) < 0)
            die("p%d: unusable publish answer", p->gidx);
        publish_streams(p, sdp);
    } else if (strcmp(type, "subscribe_offer") == 0) {
        const char *sdp = json_string_value(json_object_get(j, "sdp"));
        int version = (int)json_integer_value(json_object_get(j, "version"));
        bool reset = json_is_true(json_object_get(j, "reset"));
        if (reset && p->sub.dtls) {
            transport_reset(&p->sub);
            rand_token(p->sub.lufrag, sizeof p->sub.lufrag, 6);
            for (char *c = p->sub.lufrag; *c; c++)
                if (*c == '-' || *c == '_')
                    *c = 'x';
        }
        struct buf b = {0};
        if (sdp && subscribe_answer(p, sdp, &b) == 0) {
            ws_send_json(p, json_pack("{s:s,s:s,s:i}", "type", "subscribe_answer", "sdp", b.data,
                                      "version", version));
            if (!p->sub.have_remote && remote_from_sdp(&p->sub, sdp) < 0)
                die("p%d: unusable subscribe offer", p->gidx);
        }
        buf_free(&b);
        p->sub_version = version;
    } else if (strcmp(type, "error") == 0 || strcmp(type, "join_refused") == 0) {
        char *s = json_dumps(j, JSON_COMPACT);
        fprintf(stderr, "loadgen: p%d: %s\n", p->gidx, s);
        free(s);
    }
    json_decref(j);
}

static void on_ws_readable(struct participant *p)
{
    for (;;) {
        if (p->in_cap - p->in_len < 65536) {
            p->in_cap = p->in_cap ? p->in_cap * 2 : 131072;
            p->in = realloc(p->in, p->in_cap);
        }
        ssize_t r = recv(p->ws_fd, p->in + p->in_len, p->in_cap - p->in_len, 0);
        if (r == 0) {
            fprintf(stderr, "loadgen: p%d: the server closed the WebSocket\n", p->gidx);
            epoll_ctl(ep, EPOLL_CTL_DEL, p->ws_fd, NULL);
            return;
        }
        if (r < 0)
            break;
        p->in_len += (size_t)r;
    }
    size_t off = 0;
    for (;;) {
        uint8_t *f = p->in + off;
        size_t avail = p->in_len - off;
        if (avail < 2)
            break;
        bool fin = f[0] & 0x80;
        uint8_t op = f[0] & 15;
        size_t h = 2;
        uint64_t n = f[1] & 127;
        if (n == 126) {
            if (avail < 4)
                break;
            n = (uint64_t)f[2] << 8 | f[3];
            h = 4;
        } else if (n == 127) {
            if (avail < 10)
                break;
            n = 0;
            for (int i = 0; i < 8; i++)
                n = n << 8 | f[2 + i];
            h = 10;
        }
        if (f[1] & 0x80)
            h += 4; /* servers do not mask; skip it if one does */
        if (avail < h + n)
            break;
        uint8_t *payload = f + h;
        if (op == 9) {
            ws_send_frame(p, 10, payload, (size_t)n);
        } else if (op == 1 || op == 0) {
            p->msg.data = realloc(p->msg.data, p->msg.len + n + 1);
            memcpy(p->msg.data + p->msg.len, payload, n);
            p->msg.len += n;
            if (fin) {
                p->msg.data[p->msg.len] = 0;
                on_ws_message(p, p->msg.data, p->msg.len);
                p->msg.len = 0;
            }
        } else if (op == 8) {
            fprintf(stderr, "loadgen: p%d: close frame\n", p->gidx);
        }
        off += h + n;
    }
    memmove(p->in, p->in + off, p->in_len - off);
    p->in_len -= off;
}

/* ---- the simulated downlink and transport-cc feedback ---- */

/* What has come through the subscriber's downlink by now is recorded for feedback and
 * counted; a report is sent when twccfb says one is due (every TWCCFB_INTERVAL_MS). */
static void downlink_due(struct participant *p)
{
    struct transport *t = &p->sub;
    int64_t now = now_us_cached;
    struct bottleneck_pkt k;
    while (bottleneck_pop(t->link, now, &k)) {
        if (k.tag & TAG_NUMBERED)
            twccfb_record(&t->fb, k.seq, k.arrival_us);
        if (!win.active || k.arrival_us < win.start_us || k.arrival_us > win.end_us)
            continue;
        p->st.through_bytes += k.bytes;
        p->st.through_pkts++;
        if (k.tag & TAG_OTHER)
            p->st.other_bytes += k.bytes;
        else if (k.tag >> 31) {
            int l = WHO_LAYER(k.tag);
            int at = l >= 0 && l < LAYERS ? l : LAYERS;
            p->st.video_bytes[at] += k.bytes;
            p->st.video_pkts[at]++;
        }
    }
    if (!t->dtls_up || !t->tx)
        return;
    uint8_t buf[PKT_CAP];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf - RTPSEC_RTCP_OVERHEAD_MAX);
    if (twccfb_write(&t->fb, now / 1000, &w, t->rtcp_ssrc, t->fb_media_ssrc) != 1)
        return;
    size_t out;
    if (rtpsec_rtcp_protect(t->tx, buf, w.len, sizeof buf, &out) < 0)
        return;
    udp_send(t, buf, out);
    if (win.active)
        p->st.feedback_sent++;
}

/* Subscriber g's downlink: spread over [cap_min, cap_max] on a log scale by a
 * low-discrepancy sequence from the seed, so any first n subscribers cover the range. */
static uint32_t capacity_for(int g)
{
    double u = fmod(opt.seed * 0.7548776662466927 + g * 0.6180339887498949, 1.0);
    double lo = opt.cap_min_kbps, hi = opt.cap_max_kbps > lo ? opt.cap_max_kbps : lo;
    return (uint32_t)lround(lo * pow(hi / lo, u));
}

/* ---- the loop ---- */

static void timers(void)
{
    int64_t now = now_us_cached;
    for (size_t i = 0; i < part_count; i++) {
        struct participant *p = parts[i];
        struct transport *ts[2] = {&p->pub, &p->sub};
        for (int k = 0; k < 2; k++) {
            struct transport *t = ts[k];
            if (t->have_remote && now >= t->next_check_us)
                ice_check(t);
            if (t->dtls && !t->dtls_up && now >= t->next_dtls_tick_us) {
                dtls_peer_tick(t->dtls, now / 1000, &dout);
                dtls_flush(t);
                t->next_dtls_tick_us = now + 50000;
            }
        }
        if (p->sending)
            send_due(p);
        if (p->sub.link)
            downlink_due(p);
    }
}

static void pump(int ms)
{
    int64_t end = now_us() + (int64_t)ms * 1000;
    struct epoll_event evs[64];
    do {
        int n = epoll_wait(ep, evs, 64, 1);
        now_us();
        for (int i = 0; i < n; i++) {
            void *ptr = evs[i].data.ptr;
            if ((uintptr_t)ptr & 1)
                on_ws_readable((struct participant *)((char *)ptr - 1));
            else
                on_readable(ptr);
        }
        timers();
    } while (now_us_cached < end && !stop_flag);
}

typedef bool (*cond_fn)(void *);
static bool pump_until(cond_fn f, void *arg, int timeout_ms)
{
    int64_t end = now_us() + (int64_t)timeout_ms * 1000;
    while (!f(arg)) {
        if (now_us_cached > end || stop_flag)
            return false;
        pump(5);
    }
    return true;
}

static bool is_admitted(void *a) { return ((struct participant *)a)->admitted; }
static bool is_pub_answered(void *a) { return ((struct participant *)a)->pub_answered; }

/* Everyone from `first` on sends, and receives both kinds from everyone else in the room. */
static bool all_flowing(void *arg)
{
    size_t first = *(size_t *)arg;
    for (size_t i = first; i < part_count; i++) {
        struct participant *p = parts[i];
        if (!p->sending)
            return false;
        for (int k = 0; k < opt.participants; k++)
            if (k != p->local && (!p->pairs[k][0].first_rx_us || !p->pairs[k][1].first_rx_us))
                return false;
    }
    return true;
}

static bool pubs_sending(void *arg)
{
    for (size_t i = *(size_t *)arg; i < part_count; i++)
        if (!parts[i]->sending)
            return false;
    return true;
}

static struct participant *new_participant(int room, int local)
{
    struct participant *p = calloc(1, sizeof *p);
    p->gidx = (int)part_count;
    p->room = room;
    p->local = local;
    p->ws_fd = -1;
    rand_bytes(&p->ssrc_a, 4);
    rand_bytes(&p->seq_a, 2);
    p->vcount = 1;
    p->vs[0] = (struct vstream){.layer = -1, .kbps = opt.video_kbps};
    rand_bytes(&p->vs[0].ssrc, 4);
    rand_bytes(&p->vs[0].seq, 2);
    transport_open(&p->pub, p, false);
    transport_open(&p->sub, p, true);
    if (opt.cap_min_kbps > 0) {
        p->capacity_kbps = capacity_for(p->gidx);
        p->sub.link = calloc(1, sizeof *p->sub.link);
        p->sub.link->capacity_bps = (uint64_t)p->capacity_kbps * 1000;
        p->sub.link->max_queue_us = (int64_t)opt.queue_ms * 1000;
        rand_bytes(&p->sub.rtcp_ssrc, sizeof p->sub.rtcp_ssrc);
    }
    if (part_count == part_cap) {
        part_cap = part_cap ? part_cap * 2 : 64;
        parts = realloc(parts, part_cap * sizeof *parts);
    }
    parts[part_count++] = p;
    return p;
}

/* ---- confide rooms ---- */

static json_t *confide_rooms;

static void confide_add_room(int room)
{
    json_t *r = json_array_get(json_object_get(confide_rooms, "rooms"), (size_t)room);
    if (!r)
        die("the rooms file has no room %d (make more with setup.mjs)", room);
    const char *password = json_string_value(json_object_get(r, "password"));
    json_t *links = json_object_get(r, "links");
    if ((int)json_array_size(links) < opt.participants)
        die("room %d has %zu links, need %d", room, json_array_size(links), opt.participants);
    size_t first = part_count;
    for (int i = 0; i < opt.participants; i++) {
        struct participant *p = new_participant(room, i);
        ws_connect(p);
        ws_send_json(p, json_pack("{s:s,s:s,s:s,s:b,s:s}", "type", "join", "token",
                                  json_string_value(json_array_get(links, (size_t)i)), "password",
                                  password, "agree", 1, "name", "Bench"));
        if (!pump_until(is_admitted, p, 5000))
            die("p%d was not admitted", p->gidx);
        struct buf b = {0};
        publish_offer(p, &b);
        ws_send_json(p, json_pack("{s:s,s:s}", "type", "publish", "sdp", b.data));
        buf_free(&b);
        if (!pump_until(is_pub_answered, p, 5000))
            die("p%d: no publish_answer", p->gidx);
    }
    if (!pump_until(all_flowing, &first, 20000))
        fprintf(stderr, "loadgen: room %d: not all media flowing after 20 s\n", room);
}

/* ---- Janus VideoRoom over HTTP ---- */

static CURL *curl;
static uint64_t j_session;
static char j_base[256];

struct membuf {
    char *d;
    size_t n;
};
static size_t curl_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct membuf *m = ud;
    m->d = realloc(m->d, m->n + size * nmemb + 1);
    memcpy(m->d + m->n, ptr, size * nmemb);
    m->n += size * nmemb;
    m->d[m->n] = 0;
    return size * nmemb;
}

static json_t *http(const char *path, json_t *body)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", j_base, path);
    struct membuf m = {0};
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, curl_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &m);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 40L);
    char *s = NULL;
    struct curl_slist *h = NULL;
    if (body) {
        s = json_dumps(body, JSON_COMPACT);
        h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, s);
        json_decref(body);
    }
    CURLcode rc = curl_easy_perform(curl);
    free(s);
    curl_slist_free_all(h);
    if (rc != CURLE_OK)
        die("janus %s: %s", url, curl_easy_strerror(rc));
    json_error_t jerr;
    json_t *j = json_loadb(m.d ? m.d : "", m.n, 0, &jerr);
    free(m.d);
    if (!j)
        die("janus %s: not JSON", url);
    return j;
}

static unsigned j_tx;
static const char *tx_id(char *buf)
{
    snprintf(buf, 24, "t%u", ++j_tx);
    return buf;
}

/* Long-polls the session until an event for transaction tx comes; other events are dropped. */
static json_t *janus_event(const char *tx)
{
    char path[128];
    snprintf(path, sizeof path, "/janus/%" PRIu64 "?maxev=10", j_session);
    for (int tries = 0; tries < 20; tries++) {
        json_t *arr = http(path, NULL);
        if (!json_is_array(arr)) {
            json_t *a = json_array();
            json_array_append_new(a, arr);
            arr = a;
        }
        json_t *found = NULL;
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
            const char *t = json_string_value(json_object_get(e, "transaction"));
            const char *kind = json_string_value(json_object_get(e, "janus"));
            if (!found && t && strcmp(t, tx) == 0 && kind && strcmp(kind, "ack") != 0)
                found = json_incref(e);
        }
        json_decref(arr);
        if (found)
            return found;
        pump(2);
    }
    die("janus: no event for %s", tx);
}

static json_t *janus_post(const char *path, json_t *body)
{
    json_t *r = http(path, body);
    const char *kind = json_string_value(json_object_get(r, "janus"));
    if (kind && strcmp(kind, "error") == 0) {
        char *s = json_dumps(r, JSON_COMPACT);
        die("janus error: %s", s);
    }
    return r;
}

static uint64_t janus_attach(void)
{
    char t[24], path[64];
    snprintf(path, sizeof path, "/janus/%" PRIu64, j_session);
    json_t *r = janus_post(path, json_pack("{s:s,s:s,s:s}", "janus", "attach", "plugin",
                                           "janus.plugin.videoroom", "transaction", tx_id(t)));
    uint64_t id = (uint64_t)json_integer_value(json_object_get(json_object_get(r, "data"), "id"));
    json_decref(r);
    return id;
}

/* A message to a handle; returns the plugin's synchronous answer or the async event. */
static json_t *janus_msg_try(uint64_t handle, json_t *body, json_t *jsep, int *error_code);
static json_t *janus_msg(uint64_t handle, json_t *body, json_t *jsep)
{
    return janus_msg_try(handle, body, jsep, NULL);
}

/* With error_code: a plugin error is returned (NULL, *error_code set) rather than fatal. */
static json_t *janus_msg_try(uint64_t handle, json_t *body, json_t *jsep, int *error_code)
{
    char t[24], path[96];
    snprintf(path, sizeof path, "/janus/%" PRIu64 "/%" PRIu64, j_session, handle);
    json_t *req = json_pack("{s:s,s:o,s:s}", "janus", "message", "body", body, "transaction", tx_id(t));
    if (jsep)
        json_object_set_new(req, "jsep", jsep);
    json_t *r = janus_post(path, req);
    const char *kind = json_string_value(json_object_get(r, "janus"));
    if (kind && strcmp(kind, "ack") == 0) {
        json_decref(r);
        r = janus_event(t);
    }
    json_t *data = json_object_get(json_object_get(r, "plugindata"), "data");
    if (json_object_get(data, "error")) {
        if (error_code) {
            *error_code = (int)json_integer_value(json_object_get(data, "error_code"));
            json_decref(r);
            return NULL;
        }
        char *s = json_dumps(r, JSON_COMPACT);
        die("janus videoroom error: %s", s);
    }
    return r;
}

static void janus_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl = curl_easy_init();
    snprintf(j_base, sizeof j_base, "http://%s:%d", opt.host, opt.port);
    char t[24];
    json_t *r = janus_post("/janus", json_pack("{s:s,s:s}", "janus", "create", "transaction", tx_id(t)));
    j_session = (uint64_t)json_integer_value(json_object_get(json_object_get(r, "data"), "id"));
    json_decref(r);
}

static void janus_keepalive(void)
{
    static int64_t last;
    if (opt.server != SRV_JANUS || now_us() - last < 15000000)
        return;
    last = now_us_cached;
    char t[24], path[64];
    snprintf(path, sizeof path, "/janus/%" PRIu64, j_session);
    json_decref(janus_post(path, json_pack("{s:s,s:s}", "janus", "keepalive", "transaction", tx_id(t))));
}

/* Janus's VideoRoom does not pick a subscriber's simulcast layer from a bandwidth estimate
 * (it relays the highest unless told otherwise), so each subscriber tells it once the
 * layer a correct estimate would settle on: the highest whose bitrate, with audio, for
 * every publisher it watches fits its downlink with a tenth to spare. */
static void janus_pick_layers(struct participant *p, const char *offer)
{
    int watched = opt.participants - 1, layer = 0;
    for (int l = LAYERS - 1; l > 0; l--) {
        if ((double)watched * (opt.video_kbps / layer_div[l] + 40) * 1.1 <= p->capacity_kbps) {
            layer = l;
            break;
        }
    }
    struct arena a = {0};
    struct sdp_session *s;
    struct sdp_error err = {0};
    if (sdp_parse(&a, offer, strlen(offer), &s, &err) < 0)
        die("janus: subscribe offer: %s", err.message);
    json_t *streams = json_array();
    for (size_t i = 0; i < s->media_count; i++)
        if (s->media[i].kind == SDP_VIDEO && s->media[i].mid && s->media[i].port)
            json_array_append_new(streams, json_pack("{s:s,s:i}", "mid", s->media[i].mid,
                                                     "substream", layer));
    arena_free(&a);
    json_decref(janus_msg(p->j_sub, json_pack("{s:s,s:o}", "request", "configure", "streams", streams),
                          NULL));
    logv("p%d: janus: substream %d for a %u kbit/s downlink\n", p->gidx, layer, p->capacity_kbps);
}

/* Janus takes the RIDs of a=simulcast as highest first unless told they are lowest
 * first, as ours are */
static json_t *janus_offer_jsep(const char *sdp)
{
    json_t *jsep = json_pack("{s:s,s:s,s:b}", "type", "offer", "sdp", sdp, "trickle", 0);
    if (opt.simulcast)
        json_object_set_new(jsep, "rid_order", json_string("lmh"));
    return jsep;
}

static void janus_add_room(int room)
{
    uint64_t room_id = 9000 + (uint64_t)room;
    size_t first = part_count;
    uint64_t admin = janus_attach();
    json_decref(janus_msg(admin,
                          json_pack("{s:s,s:I,s:i,s:i,s:i,s:s,s:s,s:b}", "request", "create", "room",
                                    (json_int_t)room_id, "publishers", opt.participants + 1,
                                    "bitrate", 0, "fir_freq", 0, "audiocodec", "opus", "videocodec",
                                    "vp8", "permanent", 0),
                          NULL));
    for (int i = 0; i < opt.participants; i++) {
        struct participant *p = new_participant(room, i);
        p->j_feed = room_id * 100 + (uint64_t)i + 1;
        p->j_pub = janus_attach();
        struct buf b = {0};
        publish_offer(p, &b);
        json_t *r = janus_msg(p->j_pub,
                              json_pack("{s:s,s:s,s:I,s:I}", "request", "joinandconfigure", "ptype",
                                        "publisher", "room", (json_int_t)room_id, "id",
                                        (json_int_t)p->j_feed),
                              janus_offer_jsep(b.data));
        buf_free(&b);
        const char *sdp = json_string_value(json_object_get(json_object_get(r, "jsep"), "sdp"));
        if (!sdp)
            die("janus: no answer to p%d's offer", p->gidx);
        if (remote_from_sdp(&p->pub, sdp) < 0)
            die("janus: unusable answer");
        publish_streams(p, sdp);
        json_decref(r);
        pump(5);
    }
    /* a feed can be subscribed to once its PeerConnection is up */
    if (!pump_until(pubs_sending, &first, 10000))
        die("janus: room %d's publishers did not connect", room);
    for (size_t i = first; i < part_count; i++) {
        struct participant *p = parts[i];
        p->j_sub = janus_attach();
        json_t *streams = json_array();
        for (size_t k = first; k < part_count; k++)
            if (k != i)
                json_array_append_new(streams, json_pack("{s:I}", "feed", (json_int_t)parts[k]->j_feed));
        json_t *r = NULL;
        for (int attempt = 0; !r; attempt++) {
            /* 428 "No such feed" until Janus has set the publisher's media up */
            int code = 0;
            r = janus_msg_try(p->j_sub,
                              json_pack("{s:s,s:s,s:I,s:O}", "request", "join", "ptype", "subscriber",
                                        "room", (json_int_t)room_id, "streams", streams),
                              NULL, &code);
            if (!r && (code != 428 || attempt == 50))
                die("janus: subscribing p%d failed (%d)", p->gidx, code);
            if (!r)
                pump(100);
        }
        json_decref(streams);
        const char *sdp = json_string_value(json_object_get(json_object_get(r, "jsep"), "sdp"));
        if (!sdp)
            die("janus: no subscribe offer for p%d", p->gidx);
        struct buf b = {0};
        if (subscribe_answer(p, sdp, &b) < 0)
            die("janus: bad subscribe offer");
        if (remote_from_sdp(&p->sub, sdp) < 0)
            die("janus: unusable subscribe offer");
        json_t *offer = r;
        r = janus_msg(p->j_sub, json_pack("{s:s}", "request", "start"),
                      json_pack("{s:s,s:s,s:b}", "type", "answer", "sdp", b.data, "trickle", 0));
        json_decref(r);
        buf_free(&b);
        if (opt.simulcast && p->capacity_kbps)
            janus_pick_layers(p, sdp);
        json_decref(offer); /* sdp points into it */
        pump(5);
    }
    if (!pump_until(all_flowing, &first, 20000))
        fprintf(stderr, "loadgen: room %d: not all media flowing after 20 s\n", room);
}

/* ---- /proc ---- */

struct proc_sample {
    double cpu_s; /* utime + stime */
    long rss_kb;
    long ctx_vol, ctx_invol;
};

static bool proc_sample(int pid, struct proc_sample *s)
{
    memset(s, 0, sizeof *s);
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *c = strrchr(buf, ')');
    if (!c)
        return false;
    unsigned long ut = 0, st = 0;
    /* after ")": state(3) ... utime is field 14, stime 15 */
    if (sscanf(c + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return false;
    s->cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    f = fopen(path, "r");
    if (f) {
        while (fgets(buf, sizeof buf, f))
            sscanf(buf, "VmRSS: %ld", &s->rss_kb);
        fclose(f);
    }
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char p2[300];
            snprintf(p2, sizeof p2, "/proc/%d/task/%s/status", pid, e->d_name);
            f = fopen(p2, "r");
            if (!f)
                continue;
            long v;
            while (fgets(buf, sizeof buf, f)) {
                if (sscanf(buf, "voluntary_ctxt_switches: %ld", &v) == 1)
                    s->ctx_vol += v;
                else if (sscanf(buf, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
                    s->ctx_invol += v;
            }
            fclose(f);
        }
        closedir(d);
    }
    return true;
}

/* The kernel thread that takes over softirq work on cpu when there is too much of it to do at
 * the end of a system call (ksoftirqd/N): then a sender's deliveries are no longer charged
 * to the sender. Its pid, or 0. */
static int ksoftirqd_pid(int cpu)
{
    char want[32], path[300], comm[64];
    snprintf(want, sizeof want, "ksoftirqd/%d\n", cpu);
    DIR *d = opendir("/proc");
    if (!d || cpu < 0) {
        if (d)
            closedir(d);
        return 0;
    }
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(comm, sizeof comm, f) && strcmp(comm, want) == 0)
            found = atoi(e->d_name);
        fclose(f);
    }
    closedir(d);
    return found;
}

/* UDP datagrams this network namespace dropped because a socket's receive buffer was full
 * (/proc/net/snmp RcvbufErrors): the server's or the subscribers'. */
static long long udp_rcvbuf_errors(void)
{
    FILE *f = fopen("/proc/net/snmp", "r");
    if (!f)
        return -1;
    char head[512], vals[512];
    long long v = -1;
    while (fgets(head, sizeof head, f)) {
        if (strncmp(head, "Udp: ", 5) != 0 || !fgets(vals, sizeof vals, f))
            continue;
        /* the header names the columns: find RcvbufErrors's */
        int col = 0, want = -1;
        for (char *t = strtok(head + 5, " \n"); t; t = strtok(NULL, " \n"), col++)
            if (strcmp(t, "RcvbufErrors") == 0)
                want = col;
        col = 0;
        for (char *t = strtok(vals + 5, " \n"); t && want >= 0; t = strtok(NULL, " \n"), col++)
            if (col == want)
                v = atoll(t);
        break;
    }
    fclose(f);
    return v;
}

/* CPU seconds (user + system) of RUSAGE_SELF or RUSAGE_THREAD. */
static double cpu_s(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static double hist_pct(double q)
{
    if (!win.hist_n)
        return 0;
    uint64_t want = (uint64_t)ceil(q * (double)win.hist_n), acc = 0;
    for (int i = 0; i < HIST_BINS; i++) {
        acc += win.hist[i];
        if (acc >= want)
            return (i + 0.5) * 0.01; /* ms */
    }
    return HIST_BINS * 0.01;
}


/* One line per subscriber about the last window: its downlink, what reached it and came
 * through, the server's estimate, and the video it got by simulcast layer. */
static void write_subscribers(const char *path, double secs)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: %s", path, strerror(errno));
    for (size_t i = 0; i < part_count; i++) {
        const struct participant *p = parts[i];
        const struct sub_stat *st = &p->st;
        uint64_t offered = st->through_pkts + st->dropped_pkts;
        fprintf(f,
                "{\"server\":\"%s\",\"participant\":%d,\"room\":%d,\"capacity_kbps\":%u,"
                "\"estimate_kbps\":%u,\"wire_kbps\":%.1f,\"received_kbps\":%.1f,"
                "\"downlink_drop_pct\":%.3f,\"feedback_reports\":%" PRIu64 ",\"probe_kbps\":%.1f,"
                "\"video_kbps_by_layer\":{",
                opt.label, p->gidx, p->room, p->capacity_kbps, st->estimate_kbps,
                (double)st->wire_bytes * 8 / secs / 1000, (double)st->through_bytes * 8 / secs / 1000,
                offered ? 100.0 * (double)st->dropped_pkts / (double)offered : 0, st->feedback_sent,
                (double)st->other_bytes * 8 / secs / 1000);
        for (int l = 0; l <= LAYERS; l++)
            fprintf(f, "%s\"%s\":%.1f", l ? "," : "", l < LAYERS ? layer_rid[l] : "none",
                    (double)st->video_bytes[l] * 8 / secs / 1000);
        fprintf(f, "},\"video_pkts_by_layer\":{");
        for (int l = 0; l <= LAYERS; l++)
            fprintf(f, "%s\"%s\":%" PRIu64, l ? "," : "", l < LAYERS ? layer_rid[l] : "none",
                    st->video_pkts[l]);
        fprintf(f, "}}\n");
    }
    fclose(f);
}

/* --kernel-floor: the kernel's cost of the same datagrams with no SFU (kernel_floor.h),
 * sent from CPU 0 to a receiver on CPU 1, one JSON line per way of sending: sendmmsg, then
 * GSO sends of `segments` to a receiver without UDP_GRO (as the subscribers are), and with
 * --floor-gro the same GSO sends to a receiver with UDP_GRO. */
static int run_kernel_floor(int pps, int segments, bool gro, const char *rx_ip, const char *rx_netns,
                            const char *path)
{
    int seconds = opt.window_ms / 1000 > 0 ? opt.window_ms / 1000 : 1;
    struct kernel_floor_spec specs[3] = {
        {.segments = 1},
        {.segments = segments},
        {.segments = segments, .rx_gro = true},
    };
    int n = gro ? 3 : segments > 1 ? 2 : 1;
    for (int i = 0; i < n; i++) {
        struct kernel_floor_spec *s = &specs[i];
        s->ip = opt.local_ip, s->tx_cpu = 0, s->rx_cpu = 1, s->pps = pps, s->seconds = seconds;
        s->rx_ip = rx_ip, s->rx_netns = rx_netns, s->path = path;
        struct kernel_floor_result r;
        if (kernel_floor_measure(s, &r) < 0)
            die("kernel floor: %s", strerror(errno));
        kernel_floor_print_json(stdout, s, &r);
    }
    return 0;
}

static void on_signal(int sig) { stop_flag = 1; }

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen --server confide|janus --host IP --port N --local-ip IP --pid PID\n"
            "  [--rooms-file F (confide)] [--participants P] [--rooms-step R] [--max-steps N]\n"
            "  [--warmup-ms MS] [--window-ms MS] [--video-kbps K] [--keyframe-ms MS]\n"
            "  [--max-loss PCT] [--max-p99-ms MS] [--json FILE] [--label NAME] [-v]\n"
            "  [--simulcast] [--bottleneck-kbps MIN:MAX] [--queue-ms MS] [--seed N]\n"
            "  [--subscribers-json FILE] [--knee-max-rooms N] [--knee-seconds S] [--knee-light]\n"
            "  [--core-stop]\n"
            "   or: loadgen --kernel-floor PPS [--window-ms MS] [--local-ip IP]\n"
            "  [--floor-segments K] [--floor-gro] [--floor-rx-ip IP --floor-rx-netns PATH]\n"
            "  [--floor-path LABEL]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"server", 1, 0, 's'},      {"host", 1, 0, 'h'},        {"port", 1, 0, 'p'},
        {"local-ip", 1, 0, 'l'},    {"pid", 1, 0, 'P'},         {"rooms-file", 1, 0, 'f'},
        {"participants", 1, 0, 'n'}, {"rooms-step", 1, 0, 'r'}, {"max-steps", 1, 0, 'm'},
        {"warmup-ms", 1, 0, 'w'},   {"window-ms", 1, 0, 'W'},   {"video-kbps", 1, 0, 'k'},
        {"keyframe-ms", 1, 0, 'K'}, {"max-loss", 1, 0, 'L'},    {"max-p99-ms", 1, 0, 'Q'},
        {"json", 1, 0, 'j'},        {"label", 1, 0, 'N'},       {"max-rooms", 1, 0, 'M'},
        {"verbose", 0, 0, 'v'},     {"kernel-floor", 1, 0, 'F'}, {"simulcast", 0, 0, 'S'},
        {"bottleneck-kbps", 1, 0, 'B'}, {"queue-ms", 1, 0, 'q'}, {"seed", 1, 0, 'e'},
        {"subscribers-json", 1, 0, 'J'}, {"floor-segments", 1, 0, 'g'},
        {"floor-gro", 0, 0, 'G'},   {"floor-rx-ip", 1, 0, 'i'}, {"floor-rx-netns", 1, 0, 'Y'},
        {"floor-path", 1, 0, 'Z'},
        {"knee-max-rooms", 1, 0, 'R'}, {"knee-seconds", 1, 0, 'T'},
        {"knee-light", 0, 0, 'X'},  {"core-stop", 0, 0, 'C'},   {0, 0, 0, 0}};
    int floor_pps = 0, floor_segments = 4;
    bool floor_gro = false;
    const char *floor_rx_ip = NULL, *floor_rx_netns = NULL, *floor_path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
        switch (c) {
        case 's': opt.server = strcmp(optarg, "janus") == 0 ? SRV_JANUS : SRV_CONFIDE; break;
        case 'h': opt.host = optarg; break;
        case 'p': opt.port = atoi(optarg); break;
        case 'l': opt.local_ip = optarg; break;
        case 'P': opt.server_pid = atoi(optarg); break;
        case 'f': opt.rooms_file = optarg; break;
        case 'n': opt.participants = atoi(optarg); break;
        case 'r': opt.rooms_step = atoi(optarg); break;
        case 'm': opt.max_steps = atoi(optarg); break;
        case 'M': opt.max_rooms = atoi(optarg); break;
        case 'w': opt.warmup_ms = atoi(optarg); break;
        case 'W': opt.window_ms = atoi(optarg); break;
        case 'k': opt.video_kbps = atoi(optarg); break;
        case 'K': opt.keyframe_ms = atoi(optarg); break;
        case 'L': opt.max_loss = atof(optarg); break;
        case 'Q': opt.max_p99_ms = atof(optarg); break;
        case 'j': opt.json_path = optarg; break;
        case 'N': opt.label = optarg; break;
        case 'v': opt.verbose = true; break;
        case 'F': floor_pps = atoi(optarg); break;
        case 'g': floor_segments = atoi(optarg); break;
        case 'G': floor_gro = true; break;
        case 'i': floor_rx_ip = optarg; break;
        case 'Y': floor_rx_netns = optarg; break;
        case 'Z': floor_path = optarg; break;
        case 'R': opt.knee_max_rooms = atoi(optarg); break;
        case 'T': opt.knee_seconds = atoi(optarg); break;
        case 'X': opt.knee_light = true; break;
        case 'C': opt.core_stop = true; break;
        case 'S': opt.simulcast = true; break;
        case 'B':
            if (sscanf(optarg, "%d:%d", &opt.cap_min_kbps, &opt.cap_max_kbps) != 2 ||
                opt.cap_min_kbps <= 0 || opt.cap_max_kbps < opt.cap_min_kbps)
                usage();
            break;
        case 'q': opt.queue_ms = atoi(optarg); break;
        case 'e': opt.seed = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'J': opt.subs_json_path = optarg; break;
        default: usage();
        }
    }
    if (floor_pps)
        return run_kernel_floor(floor_pps, floor_segments, floor_gro, floor_rx_ip, floor_rx_netns, floor_path);
    if (opt.participants < 2 || opt.participants > MAX_P || !opt.server_pid)
        usage();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (rand_init() < 0)
        die("rand_init");
    srand((unsigned)getpid());
    if (dtls_identity_new((int64_t)time(NULL) * 1000, &identity) < 0)
        die("dtls_identity_new");
    for (size_t i = 0; i < DTLS_OUT_DATAGRAMS; i++)
        dgs[i] = (struct dtls_datagram){.data = dg_bufs[i], .cap = DTLS_MTU};
    dout = (struct dtls_out){.datagrams = dgs, .datagrams_max = DTLS_OUT_DATAGRAMS};
    ep = epoll_create1(EPOLL_CLOEXEC);
    win.hist = calloc(HIST_BINS, sizeof *win.hist);
    if (opt.server == SRV_CONFIDE) {
        json_error_t jerr;
        if (!opt.rooms_file || !(confide_rooms = json_load_file(opt.rooms_file, 0, &jerr)))
            die("--rooms-file: %s", opt.rooms_file ? jerr.text : "missing");
    } else {
        janus_init();
    }
    FILE *js = opt.json_path ? fopen(opt.json_path, "w") : NULL;
    printf("%-8s %4s %5s %9s %9s %7s %8s %8s %8s %9s %8s %9s %7s\n", "server", "step", "parts",
           "fwd_pps", "cpu_us/p", "cpu%", "loss%", "p50_ms", "p99_ms", "rss_MB", "rss/p_kB",
           "ctxsw/s", "gen%");
    fflush(stdout);
    int step;
    bool retried = false;
    /* the side-by-side steps, then (--knee-max-rooms) the knee: the server alone, a third
     * more rooms a step, until it loses packets or its core is full */
    bool knee = false;
    int64_t knee_deadline = 0, last_step_us = 0;
    for (step = 1; !stop_flag; step++) {
        int64_t t_setup = now_us();
        if (!knee && step > opt.max_steps)
            break;
        if (knee && !retried) {
            /* bounded in rooms and in time: stop when the next step would not fit */
            const char *bound = room_count >= opt.knee_max_rooms          ? "knee room limit"
                                : t_setup + last_step_us > knee_deadline ? "knee time limit"
                                                                          : NULL;
            if (bound) {
                printf("# %s: knee: stopped before step %d: %s (%d rooms)\n", opt.label, step, bound,
                       room_count);
                if (js)
                    fprintf(js, "{\"server\":\"%s\",\"knee_end\":\"%s\",\"rooms\":%d}\n", opt.label,
                            bound, room_count);
                break;
            }
        }
        int add = knee ? (room_count / 3 > opt.rooms_step ? room_count / 3 : opt.rooms_step)
                       : opt.rooms_step;
        int limit = knee ? opt.knee_max_rooms : opt.max_rooms;
        for (int k = 0; k < add && room_count < limit && !retried; k++) {
            if (opt.server == SRV_CONFIDE)
                confide_add_room(room_count);
            else
                janus_add_room(room_count);
            room_count++;
        }
        logv("step %d: setup took %.1f s\n", step, (now_us() - t_setup) / 1e6);
        pump(opt.warmup_ms);
        janus_keepalive();
        /* the window */
        for (size_t i = 0; i < part_count; i++) {
            struct participant *p = parts[i];
            p->sent_win[0] = p->sent_win[1] = 0;
            uint32_t est = p->st.estimate_kbps; /* the last told, whenever */
            p->st = (struct sub_stat){.estimate_kbps = est};
        }
        memset(win.hist, 0, HIST_BINS * sizeof *win.hist);
        win.hist_n = win.rx = win.rx_all = win.bad_srtp = win.bad_trailer = 0;
        struct proc_sample a, b;
        if (!proc_sample(opt.server_pid, &a))
            die("server pid %d is gone", opt.server_pid);
        double gen_a = cpu_s(RUSAGE_SELF);
        int srv_cpu = core_pinned(opt.server_pid), gen_cpu = core_pinned(0);
        struct core_sample sa, sb, ga, gb;
        bool cores = core_sample(srv_cpu, &sa) && core_sample(gen_cpu, &ga);
        static int ksoft = -1; /* looked up once, before the first window */
        if (ksoft < 0)
            ksoft = ksoftirqd_pid(srv_cpu);
        struct proc_sample ka, kb;
        bool have_ksoft = ksoft && proc_sample(ksoft, &ka);
        long long rcvbuf_a = udp_rcvbuf_errors();
        int64_t wall_a = now_us();
        win.start_us = wall_a;
        win.end_us = wall_a + (int64_t)opt.window_ms * 1000;
        win.active = true;
        pump(opt.window_ms);
        proc_sample(opt.server_pid, &b);
        double gen_b = cpu_s(RUSAGE_SELF);
        cores = cores && core_sample(srv_cpu, &sb) && core_sample(gen_cpu, &gb);
        have_ksoft = have_ksoft && proc_sample(ksoft, &kb);
        long long rcvbuf_b = udp_rcvbuf_errors();
        int64_t wall_b = now_us();
        uint64_t rx_all = win.rx_all; /* every subscriber packet during the window */
        pump(opt.drain_ms);
        win.active = false;
        /* expected: what each publisher sent in the window times its subscribers that had
         * already started receiving it when the window opened */
        uint64_t expected = 0;
        for (size_t i = 0; i < part_count; i++) {
            struct participant *pub = parts[i];
            for (size_t k = 0; k < part_count; k++) {
                struct participant *sub = parts[k];
                if (sub->room != pub->room || sub == pub)
                    continue;
                for (int kind = 0; kind < (opt.simulcast ? 1 : 2); kind++) {
                    int64_t f = sub->pairs[pub->local][kind].first_rx_us;
                    if (f && f < win.start_us)
                        expected += pub->sent_win[kind];
                }
            }
        }
        double secs = (double)(wall_b - wall_a) / 1e6;
        double fwd_pps = (double)rx_all / secs;
        double cpu = b.cpu_s - a.cpu_s;
        double cpu_frac = cpu / secs;
        double us_per = rx_all ? cpu * 1e6 / (double)rx_all : 0;
        double loss = expected ? 100.0 * (1.0 - (double)win.rx / (double)expected) : 100;
        if (loss < 0)
            loss = 0;
        double p50 = hist_pct(0.50), p99 = hist_pct(0.99);
        double gen_frac = (gen_b - gen_a) / secs;
        double ctx = (double)((b.ctx_vol + b.ctx_invol) - (a.ctx_vol + a.ctx_invol)) / secs;
        const char *why = NULL;
        if (loss > opt.max_loss)
            why = "loss";
        else if (!knee && p99 > opt.max_p99_ms)
            why = "p99 latency";
        else if (cpu_frac > 0.95 || (opt.core_stop && cores && core_worked(&sa, &sb) > 0.95))
            why = "server core saturated";
        else if (gen_frac > 0.95)
            why = "load generator core saturated";
        else if (!knee && room_count >= opt.max_rooms)
            why = "max rooms";
        /* the machine may be shared: a step over the loss or latency limit is measured once
         * more at the same load before it counts */
        bool retry = why && !retried && (strcmp(why, "loss") == 0 || strcmp(why, "p99 latency") == 0);
        /* the side-by-side steps are over; the knee goes on unless this step is the knee */
        bool to_knee = why && !retry && !knee && opt.knee_max_rooms > room_count &&
                       strcmp(why, "loss") != 0 && strcmp(why, "server core saturated") != 0;
        const char *stopped_by = why && !retry && !to_knee ? why : NULL;
        printf("%-8s %4d %5zu %9.0f %9.2f %7.1f %8.3f %8.2f %8.2f %9.1f %8.0f %9.0f %7.1f%s\n",
               opt.label, step, part_count, fwd_pps, us_per, 100 * cpu_frac, loss, p50, p99,
               b.rss_kb / 1024.0, part_count ? (double)b.rss_kb / (double)part_count : 0, ctx,
               100 * gen_frac, knee ? (light_active ? "  knee, light receive" : "  knee") : "");
        fflush(stdout);
        if (js) {
            fprintf(js,
                    "{\"server\":\"%s\",\"step\":%d,\"rooms\":%d,\"participants_per_room\":%d,"
                    "\"participants\":%zu,\"window_s\":%.3f,\"forwarded_pps\":%.1f,"
                    "\"cpu_us_per_pkt\":%.3f,\"cpu_fraction\":%.4f,\"fwd_pkts_per_cpu_s\":%.1f,"
                    "\"loss_pct\":%.4f,\"expected\":%" PRIu64 ",\"received\":%" PRIu64 ","
                    "\"latency_p50_ms\":%.3f,\"latency_p99_ms\":%.3f,\"rss_kb\":%ld,"
                    "\"rss_kb_per_participant\":%.1f,\"ctx_switches_per_s\":%.1f,"
                    "\"ctx_voluntary\":%ld,\"ctx_involuntary\":%ld,\"generator_cpu_fraction\":%.4f,"
                    "\"srtp_errors\":%" PRIu64 ",\"video_kbps\":%d,\"simulcast\":%s,"
                    "\"video_streams_per_publisher\":%zu,\"phase\":\"%s\",\"light_receive\":%s,"
                    "\"light_receive_share\":%.4f,\"stopped_by\":%s%s%s,\"server_cpu\":%d,"
                    "\"server_core_busy\":%.4f,\"server_core_steal\":%.4f,\"generator_cpu\":%d,"
                    "\"generator_core_busy\":%.4f,\"generator_core_steal\":%.4f,"
                    "\"server_core_ksoftirqd\":%.4f,\"udp_rcvbuf_errors\":%lld}\n",
                    opt.label, step, room_count, opt.participants, part_count, secs, fwd_pps, us_per,
                    cpu_frac, cpu > 0 ? (double)rx_all / cpu : 0, loss, expected, win.rx, p50, p99,
                    b.rss_kb, part_count ? (double)b.rss_kb / (double)part_count : 0, ctx,
                    b.ctx_vol - a.ctx_vol, b.ctx_invol - a.ctx_invol, gen_frac, win.bad_srtp,
                    opt.video_kbps, opt.simulcast ? "true" : "false",
                    part_count ? parts[0]->vcount : 0, knee ? "knee" : "side",
                    light_active ? "true" : "false",
                    light_rx_count + light_full_count
                        ? (double)light_rx_count / (double)(light_rx_count + light_full_count)
                        : 0,
                    stopped_by ? "\"" : "", stopped_by ? stopped_by : "null", stopped_by ? "\"" : "",
                    srv_cpu, cores ? core_frac(sb.total - sb.idle - (sa.total - sa.idle), &sa, &sb) : -1,
                    cores ? core_frac(sb.steal - sa.steal, &sa, &sb) : -1, gen_cpu,
                    cores ? core_frac(gb.total - gb.idle - (ga.total - ga.idle), &ga, &gb) : -1,
                    cores ? core_frac(gb.steal - ga.steal, &ga, &gb) : -1,
                    have_ksoft ? (kb.cpu_s - ka.cpu_s) / secs : -1,
                    rcvbuf_a >= 0 && rcvbuf_b >= 0 ? rcvbuf_b - rcvbuf_a : -1);
            fflush(js);
        }
        if (opt.subs_json_path)
            write_subscribers(opt.subs_json_path, secs);
        last_step_us = now_us() - t_setup;
        if (retry) {
            printf("# %s: step %d: %s over the limit, measuring the same load again\n", opt.label,
                   step, why);
            retried = true;
            step--;
            continue;
        }
        retried = false;
        if (to_knee) {
            printf("# %s: side-by-side steps end after step %d (%s); the knee: %s alone, a third more "
                   "rooms a step, until loss over %.1f %% or its core over 95 %%%s\n",
                   opt.label, step, why, opt.label, opt.max_loss,
                   opt.knee_light ? "; subscribers now read the trailer alone (light receive: "
                                    "SRTP tags not verified)"
                                  : "");
            knee = true;
            knee_deadline = now_us() + (int64_t)opt.knee_seconds * 1000000;
            light_active = opt.knee_light;
            continue;
        }
        if (why) {
            printf("# %s: stopped after step %d: %s%s\n", opt.label, step, why, knee ? " (knee)" : "");
            break;
        }
    }
    if (js)
        fclose(js);
    fprintf(stderr, "loadgen: %s: sent %" PRIu64 ", received %" PRIu64 ", srtp errors %" PRIu64
                    ", dtls failures %" PRIu64 "\n",
            opt.label, total_tx, total_rx, total_srtp_err, total_dtls_fail);
    return 0;
}

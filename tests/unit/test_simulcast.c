/* Simulcast: the layer choice (sfu/simulcast), the VP8 picture id rewrite across switches
 * (sfu/vp8_rewrite), and the router with a publisher sending three RID layers: what one
 * subscriber receives as its tile grows and shrinks, switches only at keyframes with
 * continuous sequence numbers, timestamps and picture ids, and which layers the publisher
 * is told to keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sfu/router.h"
#include "sfu/rtcp.h"
#include "sfu/rtp.h"
#include "sfu/sdp.h"
#include "sfu/simulcast.h"
#include "sfu/vp8_rewrite.h"

/* ---- the choice ---- */

#define S 1000000 /* µs */

static void three_layers(struct simulcast_track *t)
{
    t->layer_count = 3;
    t->layers[0] = (struct simulcast_layer){150000, 320, 180, false};
    t->layers[1] = (struct simulcast_layer){500000, 640, 360, false};
    t->layers[2] = (struct simulcast_layer){1200000, 1280, 720, false};
}

static void estimate_drop_lowers_then_pauses_and_recovers(void **state)
{
    (void)state;
    struct simulcast_track t = {0};
    three_layers(&t);
    int64_t now = 0;
    assert_int_equal(simulcast_decide(&t, 1, 3000000, true, 1, now), 0);
    assert_int_equal(t.layer, 2); /* the first pick goes straight to what fits */

    /* the estimate falls: down at once, as far as needed */
    simulcast_decide(&t, 1, 600000, true, 1, now += S / 4);
    assert_int_equal(t.layer, 1);
    simulcast_decide(&t, 1, 200000, true, 1, now += S / 4);
    assert_int_equal(t.layer, 0);
    /* below even the lowest layer (with audio's share taken first): paused after a hold */
    assert_int_equal(simulcast_decide(&t, 1, 120000, true, 1, now += S / 4), 0);
    assert_int_equal(t.layer, 0);
    for (int i = 0; i < 7; i++)
        assert_int_equal(simulcast_decide(&t, 1, 120000, true, 1, now += S / 4), 0);
    assert_int_equal(simulcast_decide(&t, 1, 120000, true, 1, now += S / 4), 1);
    assert_int_equal(t.layer, SIMULCAST_PAUSED);
    assert_true(t.paused);

    /* recovery: back after the estimate has held above the lowest layer with margin */
    simulcast_decide(&t, 1, 400000, true, 1, now += S / 4);
    assert_int_equal(t.layer, SIMULCAST_PAUSED);
    size_t changed = 0;
    for (int i = 0; i < 11; i++)
        changed += simulcast_decide(&t, 1, 400000, true, 1, now += S / 4);
    assert_int_equal(changed, 0);
    assert_int_equal(simulcast_decide(&t, 1, 400000, true, 1, now += S / 4), 1);
    assert_int_equal(t.layer, 0);
    /* then up one layer at a time, each after its hold */
    simulcast_decide(&t, 1, 2000000, true, 1, now += S / 4);
    assert_int_equal(t.layer, 0);
    for (int i = 0; i < 8; i++)
        simulcast_decide(&t, 1, 2000000, true, 1, now += S / 4);
    assert_int_equal(t.layer, 1);
}

static void a_dip_does_not_pause(void **state)
{
    (void)state;
    struct simulcast_track t = {0};
    three_layers(&t);
    int64_t now = 0;
    simulcast_decide(&t, 1, 200000, true, 1, now);
    for (int i = 0; i < 40; i++) {
        /* a second short, then a quarter second clear: never long enough */
        uint32_t e = i % 5 == 4 ? 300000 : 100000;
        simulcast_decide(&t, 1, e, true, 1, now += S / 4);
        assert_int_equal(t.layer, 0);
    }
}

static void without_feedback_nothing_pauses(void **state)
{
    (void)state;
    struct simulcast_track t = {0};
    three_layers(&t);
    for (int64_t now = 0; now < 10 * S; now += S / 4) {
        assert_int_equal(simulcast_decide(&t, 1, 60000, false, 1, now), 0);
        assert_int_equal(t.layer, 0);
    }
}

static void tile_caps_the_layer(void **state)
{
    (void)state;
    struct simulcast_track t = {0};
    three_layers(&t);
    t.tile_width = 300;
    t.tile_height = 170;
    assert_int_equal(simulcast_tile_cap(&t), 0);
    t.tile_width = 600;
    t.tile_height = 338;
    assert_int_equal(simulcast_tile_cap(&t), 1); /* 640 × 360 is enough */
    t.tile_width = 800; /* more than 640 / 0.85 */
    assert_int_equal(simulcast_tile_cap(&t), 2);
    /* sizes of lower layers unknown: halves of the top one */
    t.layers[0].width = t.layers[0].height = t.layers[1].width = t.layers[1].height = 0;
    t.tile_width = 160;
    t.tile_height = 90;
    assert_int_equal(simulcast_tile_cap(&t), 0);
    t.tile_width = t.tile_height = 0; /* not told: no cap */
    assert_int_equal(simulcast_tile_cap(&t), 2);

    /* with a plentiful estimate the tile decides, and a smaller tile brings it down */
    struct simulcast_track u = {0};
    three_layers(&u);
    u.tile_width = 600;
    u.tile_height = 338;
    simulcast_decide(&u, 1, 5000000, true, 1, 0);
    assert_int_equal(u.layer, 1);
    u.tile_width = 200;
    u.tile_height = 112;
    simulcast_decide(&u, 1, 5000000, true, 1, S / 4);
    assert_int_equal(u.layer, 0);
}

static void the_speaker_is_paused_last_and_served_first(void **state)
{
    (void)state;
    struct simulcast_track t[2];
    memset(t, 0, sizeof t);
    three_layers(&t[0]);
    three_layers(&t[1]);
    t[1].speaker = true;
    int64_t now = 0;
    /* room for one top layer and a low one: the speaker's is the top */
    simulcast_decide(t, 2, 80000 + 1200000 + 150000, true, 2, now);
    assert_int_equal(t[1].layer, 2);
    assert_int_equal(t[0].layer, 0);
    /* room for one lowest layer only: the other one pauses */
    for (int i = 0; i < 10; i++)
        simulcast_decide(t, 2, 80000 + 150000, true, 2, now += S / 4);
    assert_int_equal(t[0].layer, SIMULCAST_PAUSED);
    assert_int_equal(t[1].layer, 0);
    /* nothing left: the speaker's too, one hold later */
    for (int i = 0; i < 10; i++)
        simulcast_decide(t, 2, 80000, true, 2, now += S / 4);
    assert_int_equal(t[1].layer, SIMULCAST_PAUSED);
    /* recovery brings the speaker back first */
    size_t back = 0;
    for (int i = 0; i < 14 && !back; i++)
        back = simulcast_decide(t, 2, 80000 + 300000, true, 2, now += S / 4);
    assert_int_equal(back, 1);
    assert_int_equal(t[1].layer, 0);
    assert_int_equal(t[0].layer, SIMULCAST_PAUSED);
}

/* The link comes back wide: both paused videos return together, one hold after the estimate
 * recovered (not one hold each), and each straight at the layer that fits. */
static void paused_videos_come_back_together(void **state)
{
    (void)state;
    struct simulcast_track t[2];
    memset(t, 0, sizeof t);
    three_layers(&t[0]);
    three_layers(&t[1]);
    t[1].speaker = true;
    int64_t now = 0;
    simulcast_decide(t, 2, 80000 + 300000, true, 2, now);
    for (int i = 0; i < 20; i++)
        simulcast_decide(t, 2, 80000, true, 2, now += S / 4);
    assert_int_equal(t[0].layer, SIMULCAST_PAUSED);
    assert_int_equal(t[1].layer, SIMULCAST_PAUSED);
    size_t back = 0;
    int64_t from = now;
    while (!back && now - from < 10 * S)
        back = simulcast_decide(t, 2, 3000000, true, 2, now += S / 4);
    assert_int_equal(back, 2); /* in the same decision */
    assert_true(now - from <= SIMULCAST_RESUME_HOLD_US + S / 4);
    assert_int_equal(t[1].layer, 2); /* the speaker's at the top, the other where it fits */
    assert_true(t[0].layer >= 1);
}

static void a_missing_layer_is_not_picked(void **state)
{
    (void)state;
    struct simulcast_track t = {0};
    three_layers(&t);
    t.layers[2].missing = true;
    simulcast_decide(&t, 1, 5000000, true, 1, 0);
    assert_int_equal(t.layer, 1);
    t.layers[1].missing = true;
    simulcast_decide(&t, 1, 5000000, true, 1, S / 4);
    assert_int_equal(t.layer, 0);
    t.layers[0].missing = true; /* the lowest stays pickable: nothing else */
    simulcast_decide(&t, 1, 5000000, true, 1, S / 2);
    assert_int_equal(t.layer, 0);
}

/* ---- VP8 picture ids ---- */

/* A VP8 descriptor with picture id (7 or 15 bits) and TL0PICIDX, then the payload header. */
static size_t vp8_desc(uint8_t *b, bool key, bool start, uint16_t pid, bool m15, uint8_t tl0,
                       uint16_t width, uint16_t height)
{
    size_t o = 0;
    b[o++] = (uint8_t)(0x80 | (start ? 0x10 : 0)); /* X, S, PID 0 */
    b[o++] = 0xC0;                                  /* I, L */
    if (m15) {
        b[o++] = (uint8_t)(0x80 | (pid >> 8));
        b[o++] = (uint8_t)pid;
    } else {
        b[o++] = (uint8_t)(pid & 0x7f);
    }
    b[o++] = tl0;
    uint8_t h[10] = {key ? 0x00 : 0x01, 0, 0, 0x9d, 0x01, 0x2a, (uint8_t)width,
                     (uint8_t)(width >> 8), (uint8_t)height, (uint8_t)(height >> 8)};
    memcpy(b + o, h, sizeof h);
    return o + sizeof h;
}

static void pid_of(const uint8_t *b, size_t len, uint16_t *pid, uint8_t *tl0)
{
    struct rtp_vp8 v;
    assert_int_equal(rtp_vp8_parse(b, len, &v), 0);
    *pid = v.picture_id;
    *tl0 = v.tl0picidx;
}

static void vp8_ids_continue_across_a_switch(void **state)
{
    (void)state;
    struct vp8_rewriter rw = {0};
    uint8_t b[32];
    uint16_t pid;
    uint8_t tl0;
    /* the first source goes out as it is */
    for (uint16_t i = 0; i < 3; i++) {
        size_t n = vp8_desc(b, i == 0, true, (uint16_t)(32766 + i), true, 9, 320, 180);
        assert_int_equal(vp8_rewriter_apply(&rw, b, n), 0);
        pid_of(b, n, &pid, &tl0);
        assert_int_equal(pid, (32766 + i) & 0x7fff); /* wraps in 15 bits */
        assert_int_equal(tl0, 9);
    }
    /* a second packet of the last picture keeps its id */
    size_t n = vp8_desc(b, false, false, 0, true, 9, 0, 0);
    vp8_rewriter_apply(&rw, b, n);
    pid_of(b, n, &pid, &tl0);
    assert_int_equal(pid, 0);
    /* another layer, numbered on its own: its keyframe follows the last picture sent */
    vp8_rewriter_switch(&rw);
    n = vp8_desc(b, true, true, 5000, true, 200, 640, 360);
    vp8_rewriter_apply(&rw, b, n);
    pid_of(b, n, &pid, &tl0);
    assert_int_equal(pid, 1);
    assert_int_equal(tl0, 10);
    n = vp8_desc(b, false, true, 5001, true, 201, 0, 0);
    vp8_rewriter_apply(&rw, b, n);
    pid_of(b, n, &pid, &tl0);
    assert_int_equal(pid, 2);
    assert_int_equal(tl0, 11);
    /* a late packet of an earlier picture maps back, without moving the newest */
    n = vp8_desc(b, false, false, 5000, true, 200, 0, 0);
    vp8_rewriter_apply(&rw, b, n);
    pid_of(b, n, &pid, &tl0);
    assert_int_equal(pid, 1);
    vp8_rewriter_switch(&rw);
    n = vp8_desc(b, true, true, 77, true, 0, 320, 180);
    vp8_rewriter_apply(&rw, b, n);
    pid_of(b, n, &pid, &tl0);
    assert_int_equal(pid, 3);
    assert_int_equal(tl0, 12);
}

static void vp8_seven_bit_ids(void **state)
{
    (void)state;
    struct vp8_rewriter rw = {0};
    uint8_t b[32];
    uint16_t pid;
    uint8_t tl0;
    uint16_t ids[] = {126, 127, 0, 1};
    for (size_t i = 0; i < 4; i++) {
        size_t n = vp8_desc(b, i == 0, true, ids[i], false, 255, 320, 180);
        vp8_rewriter_apply(&rw, b, n);
        pid_of(b, n, &pid, &tl0);
        assert_int_equal(pid, ids[i]);
    }
    vp8_rewriter_switch(&rw);
    size_t n = vp8_desc(b, true, true, 50, false, 3, 320, 180);
    vp8_rewriter_apply(&rw, b, n);
    pid_of(b, n, &pid, &tl0);
    assert_int_equal(pid, 2); /* follows 1 in seven bits */
    assert_int_equal(tl0, 0); /* follows 255 */
    /* no picture id, no TL0PICIDX: nothing to do; broken: refused, left alone */
    uint8_t plain[4] = {0x10, 0x00, 0x00, 0x00};
    assert_int_equal(vp8_rewriter_apply(&rw, plain, sizeof plain), 0);
    uint8_t cut[2] = {0x80, 0x80};
    assert_int_equal(vp8_rewriter_apply(&rw, cut, sizeof cut), -EBADMSG);
    assert_int_equal(cut[1], 0x80);
}

/* ---- the router with three layers ---- */

#define ROOM 7
#define PUB 1
#define SUB 2
#define RID_ID 5
#define PT_VP8 96
#define PT_OPUS 111
#define VSSRC 0x5000u /* our video track */
#define ASSRC 0x6000u
static const uint32_t layer_ssrc[3] = {0xA0000001u, 0xA0000002u, 0xA0000003u};
static const char *const rids[3] = {"q", "h", "f"};

static struct {
    uint8_t buf[1500];
    void *port_user[64];
    uint8_t data[2048][64];
    size_t len[2048];
    bool rtcp[2048];
    void *user[2048];
    size_t count;
    unsigned layers_told[16];
    size_t layers_count;
    size_t pauses;
} out;

static uint8_t *buffer_cb(void *arg, size_t *cap)
{
    (void)arg;
    *cap = sizeof out.buf;
    return out.buf;
}

static void send_cb(void *arg, void *user, uint8_t *buf, size_t len, bool rtcp)
{
    (void)arg;
    assert_true(out.count < 2048);
    size_t keep = len < 64 ? len : 64;
    memcpy(out.data[out.count], buf, keep);
    out.len[out.count] = len;
    out.rtcp[out.count] = rtcp;
    out.user[out.count++] = user;
}

static void layers_cb(void *arg, uint64_t room, uint32_t publisher, unsigned active)
{
    (void)arg;
    assert_int_equal(room, ROOM);
    assert_int_equal(publisher, PUB);
    assert_true(out.layers_count < 16);
    out.layers_told[out.layers_count++] = active;
}

static void paused_cb(void *arg, uint64_t room, uint32_t subscriber, uint32_t publisher,
                      bool paused)
{
    (void)arg;
    (void)room;
    (void)subscriber;
    (void)publisher;
    (void)paused;
    out.pauses++;
}

static const struct router_sink rsink = {
    .buffer = buffer_cb, .send = send_cb, .layers = layers_cb, .video_paused = paused_cb};

static char U_PUB, U_SUB;

/* One frame of a layer in one packet: the RID element on every packet (as a browser's first
 * ones carry it), a VP8 descriptor with the layer's own picture ids, the layer's number in
 * the last byte. */
static size_t layer_pkt(uint8_t *b, int layer, uint16_t seq, uint32_t ts, uint16_t pid, bool key)
{
    size_t o = 0;
    b[o++] = 0x90; /* V=2, X */
    b[o++] = (uint8_t)(0x80 | PT_VP8);
    b[o++] = (uint8_t)(seq >> 8);
    b[o++] = (uint8_t)seq;
    for (int i = 3; i >= 0; i--)
        b[o++] = (uint8_t)(ts >> (8 * i));
    for (int i = 3; i >= 0; i--)
        b[o++] = (uint8_t)(layer_ssrc[layer] >> (8 * i));
    b[o++] = 0xBE;
    b[o++] = 0xDE;
    b[o++] = 0;
    b[o++] = 1;
    b[o++] = (uint8_t)(RID_ID << 4 | 0);
    b[o++] = (uint8_t)rids[layer][0];
    b[o++] = 0;
    b[o++] = 0;
    uint16_t w = (uint16_t)(320 << layer), h = (uint16_t)(180 << layer);
    o += vp8_desc(b + o, key, true, pid, true, (uint8_t)pid, w, h);
    b[o++] = (uint8_t)layer;
    return o;
}

/* What the subscriber got on its video track, in order. */
struct got {
    uint16_t seq;
    uint32_t ts;
    uint16_t pid;
    uint8_t tl0;
    int layer;
    bool key;
};

static size_t video_got(struct got *g, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < out.count && n < cap; i++) {
        if (out.user[i] != &U_SUB || out.rtcp[i])
            continue;
        struct rtp_packet p;
        if (rtp_parse(&p, out.data[i], out.len[i] < 64 ? out.len[i] : 64) < 0 || p.ssrc != VSSRC)
            continue;
        struct rtp_vp8 v;
        assert_int_equal(rtp_vp8_parse(p.payload, p.payload_len, &v), 0);
        g[n++] = (struct got){p.seq, p.timestamp, v.picture_id, v.tl0picidx,
                              p.payload[p.payload_len - 1], v.keyframe};
    }
    return n;
}

/* PLIs sent to the publisher for a layer */
static size_t plis_for(int layer, size_t from)
{
    size_t n = 0;
    for (size_t i = from; i < out.count; i++) {
        if (out.user[i] != &U_PUB || !out.rtcp[i])
            continue;
        struct rtcp_iter it;
        struct rtcp_packet p;
        rtcp_iter_init(&it, out.data[i], out.len[i] < 64 ? out.len[i] : 64);
        struct rtcp_fb fb;
        while (rtcp_iter_next(&it, &p) == 1)
            if (rtcp_kind(&p) == RTCP_KIND_PLI && rtcp_parse_pli(&p, &fb) == 0 &&
                fb.media_ssrc == layer_ssrc[layer])
                n++;
    }
    return n;
}

static void router_switches_layers_at_keyframes(void **state)
{
    (void)state;
    memset(&out, 0, sizeof out);
    struct router *r = router_new(42);
    struct router_publish_params pp = {.room = ROOM, .participant = PUB, .pt_count = 2,
                                       .rid_count = 3, .rid_id = RID_ID};
    pp.pts[0] = (struct router_pt){.pt = PT_OPUS, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS};
    pp.pts[1] = (struct router_pt){.pt = PT_VP8, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8};
    for (int l = 0; l < 3; l++)
        strcpy(pp.rids[l], rids[l]);
    struct router_port *pub = router_add_publisher(r, &pp, &U_PUB);
    struct router_port *sub = router_add_subscriber(r, ROOM, SUB, &U_SUB);
    struct router_track tracks[2] = {
        {.publisher = PUB, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS, .ssrc = ASSRC,
         .pt = SDP_PT_OPUS, .cname = "c"},
        {.publisher = PUB, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8, .ssrc = VSSRC,
         .pt = SDP_PT_VP8, .cname = "c"},
    };
    assert_int_equal(router_set_tracks(r, sub, tracks, 2), 0);
    router_set_view(r, ROOM, SUB, PUB, 160, 90); /* a small tile */
    int64_t now = 1000;
    router_port_ready(r, pub, now, &rsink);

    /* the publisher sends all three layers, 20 frames a second each; a layer answers a PLI
     * with a keyframe in its next frame */
    uint16_t seq[3] = {100, 5000, 9000}, pid[3] = {10, 2000, 30000};
    uint32_t ts[3] = {1000, 50000, 900000};
    size_t pli_seen[3] = {0, 0, 0};
    bool subscribed = false;
    uint8_t b[200];
    for (int step = 0; step < 400; step++) {
        now += 50;
        for (int l = 0; l < 3; l++) {
            size_t plis = plis_for(l, 0);
            bool key = step == 0 || plis > pli_seen[l];
            pli_seen[l] = plis;
            size_t n = layer_pkt(b, l, seq[l]++, ts[l], pid[l]++, key);
            ts[l] += 4500;
            router_on_rtp(r, pub, b, n, now, &rsink);
        }
        router_tick(r, now, &rsink);
        if (step == 2) {
            router_port_ready(r, sub, now, &rsink);
            subscribed = true;
        }
        if (step == 120)
            router_set_view(r, ROOM, SUB, PUB, 1280, 720); /* the tile grows */
        if (step == 300)
            router_set_view(r, ROOM, SUB, PUB, 160, 90); /* and shrinks */
    }
    assert_true(subscribed);

    static struct got g[2048];
    size_t n = video_got(g, 2048);
    assert_true(n > 300);
    assert_int_equal(g[0].layer, 0); /* the small tile: the low layer from the start */
    assert_true(g[0].key);
    int highest = 0;
    size_t switches = 0;
    for (size_t i = 1; i < n; i++) {
        /* one stream: every number follows the last, time never goes back */
        assert_int_equal((uint16_t)(g[i - 1].seq + 1), g[i].seq);
        assert_true((int32_t)(g[i].ts - g[i - 1].ts) > 0);
        assert_int_equal((g[i - 1].pid + 1) & 0x7fff, g[i].pid);
        assert_int_equal((uint8_t)(g[i - 1].tl0 + 1), g[i].tl0);
        if (g[i].layer != g[i - 1].layer) {
            assert_true(g[i].key); /* a switch only at the new layer's keyframe */
            switches++;
        }
        if (g[i].layer > highest)
            highest = g[i].layer;
    }
    assert_int_equal(highest, 2);        /* the large tile reached the top layer … */
    assert_int_equal(g[n - 1].layer, 0); /* … and the small one came back down */
    assert_true(switches >= 2);
    assert_true(plis_for(2, 0) >= 1);
    const struct router_stats *st = router_stats(r);
    assert_int_equal(st->layer_switches, switches);
    assert_true(st->layer_switch_waits >= switches);
    assert_int_equal(st->drop_unknown_layer, 0);
    assert_int_equal(out.pauses, 0);

    /* the layers told: on a small tile only the lowest, then up to the top, then down */
    assert_true(out.layers_count >= 2);
    assert_int_equal(out.layers_told[0], 1u);
    bool had_top = false;
    for (size_t i = 0; i < out.layers_count; i++) {
        assert_true(out.layers_told[i] & 1u); /* the lowest always */
        had_top |= (out.layers_told[i] & 4u) != 0;
    }
    assert_true(had_top);
    assert_int_equal(out.layers_told[out.layers_count - 1], 1u);

    router_remove(r, sub);
    router_remove(r, pub);
    router_free(r);
}

static void unknown_rid_is_dropped(void **state)
{
    (void)state;
    memset(&out, 0, sizeof out);
    struct router *r = router_new(7);
    struct router_publish_params pp = {.room = ROOM, .participant = PUB, .pt_count = 1,
                                       .rid_count = 2, .rid_id = RID_ID};
    pp.pts[0] = (struct router_pt){.pt = PT_VP8, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8};
    strcpy(pp.rids[0], "a");
    strcpy(pp.rids[1], "b");
    struct router_port *pub = router_add_publisher(r, &pp, &U_PUB);
    uint8_t b[200];
    size_t n = layer_pkt(b, 0, 1, 1, 1, true); /* RID "q": not this publisher's */
    router_on_rtp(r, pub, b, n, 10, &rsink);
    assert_int_equal(router_stats(r)->drop_unknown_layer, 1);
    router_remove(r, pub);
    router_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimate_drop_lowers_then_pauses_and_recovers),
        cmocka_unit_test(a_dip_does_not_pause),
        cmocka_unit_test(without_feedback_nothing_pauses),
        cmocka_unit_test(tile_caps_the_layer),
        cmocka_unit_test(the_speaker_is_paused_last_and_served_first),
        cmocka_unit_test(paused_videos_come_back_together),
        cmocka_unit_test(a_missing_layer_is_not_picked),
        cmocka_unit_test(vp8_ids_continue_across_a_switch),
        cmocka_unit_test(vp8_seven_bit_ids),
        cmocka_unit_test(router_switches_layers_at_keyframes),
        cmocka_unit_test(unknown_rid_is_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* sfu/router: driven directly with hand-built RTP and RTCP and explicit times; a test sink
 * records every packet sent (bytes, port, RTCP or not) and every speaker event. Forwarding
 * to the right tracks only, PT / SSRC / extension rewriting, keyframe gating and PLIs,
 * source changes, RTX, NACKs from the cache, the host's mute, SR / RR, the active speaker,
 * garbage, and ports removed in either order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/router.h"
#include "sfu/rtcp.h"
#include "sfu/rtp.h"
#include "sfu/rtp_cache.h"
#include "sfu/sdp.h"

/* ---- the sink ---- */

#define REC_MAX 1024
#define REC_BYTES 1500

struct sent {
    void *user;
    bool rtcp;
    size_t len;
    uint8_t data[REC_BYTES];
};

static struct {
    uint8_t buf[REC_BYTES];
    size_t cap;
    bool full; /* buffer() returns NULL */
    struct sent sent[REC_MAX];
    size_t count, overflow;
    struct {
        uint64_t room;
        uint32_t participant;
    } speaker[64];
    size_t speakers;
} rec;

static uint8_t *sink_buffer(void *arg, size_t *cap)
{
    (void)arg;
    if (rec.full)
        return NULL;
    *cap = rec.cap;
    memset(rec.buf, 0xEE, sizeof rec.buf);
    return rec.buf;
}

static void sink_send(void *arg, void *user, uint8_t *buf, size_t len, bool rtcp)
{
    (void)arg;
    assert_ptr_equal(buf, rec.buf);
    assert_true(len > 0 && len <= rec.cap);
    if (rec.count == REC_MAX) {
        rec.overflow++;
        return;
    }
    struct sent *s = &rec.sent[rec.count++];
    s->user = user;
    s->rtcp = rtcp;
    s->len = len;
    memcpy(s->data, buf, len);
}

static void sink_speaker(void *arg, uint64_t room, uint32_t participant)
{
    (void)arg;
    assert_true(rec.speakers < 64);
    rec.speaker[rec.speakers].room = room;
    rec.speaker[rec.speakers].participant = participant;
    rec.speakers++;
}

static const struct router_sink sink = {
    .buffer = sink_buffer, .send = sink_send, .speaker = sink_speaker, .arg = NULL};

/* the quality windows, for the tests that look at them */
static struct {
    uint32_t participant;
    struct router_quality q;
} quality_seen[16];
static size_t quality_count;

static void sink_quality(void *arg, uint64_t room, uint32_t participant,
                         const struct router_quality *q)
{
    (void)arg;
    (void)room;
    assert_true(quality_count < 16);
    quality_seen[quality_count].participant = participant;
    quality_seen[quality_count].q = *q;
    quality_count++;
}

static const struct router_sink qsink = {.buffer = sink_buffer,
                                         .send = sink_send,
                                         .speaker = sink_speaker,
                                         .quality = sink_quality,
                                         .arg = NULL};

static const struct router_quality *quality_of(uint32_t participant)
{
    for (size_t i = 0; i < quality_count; i++)
        if (quality_seen[i].participant == participant)
            return &quality_seen[i].q;
    return NULL;
}

static void rec_clear(void)
{
    rec.count = rec.overflow = rec.speakers = 0;
    rec.full = false;
    rec.cap = 1400;
}

/* how many packets of this kind went to this port */
static size_t sent_to(void *user, bool rtcp)
{
    size_t n = 0;
    for (size_t i = 0; i < rec.count; i++)
        if (rec.sent[i].user == user && rec.sent[i].rtcp == rtcp)
            n++;
    return n;
}

/* the i-th of them */
static struct sent *nth_to(void *user, bool rtcp, size_t i)
{
    for (size_t k = 0; k < rec.count; k++)
        if (rec.sent[k].user == user && rec.sent[k].rtcp == rtcp && i-- == 0)
            return &rec.sent[k];
    fail_msg("no packet %zu to that port", i);
    return NULL;
}

/* parses a sent RTP packet (in place: the record keeps the bytes) */
static struct rtp_packet rtp_of(struct sent *s)
{
    assert_false(s->rtcp);
    struct rtp_packet p;
    assert_int_equal(rtp_parse(&p, s->data, s->len), 0);
    return p;
}

/* PLIs sent to this port for this media SSRC */
static size_t plis_to(void *user, uint32_t media_ssrc)
{
    size_t n = 0;
    for (size_t i = 0; i < rec.count; i++) {
        struct sent *s = &rec.sent[i];
        if (s->user != user || !s->rtcp)
            continue;
        struct rtcp_iter it;
        struct rtcp_packet p;
        rtcp_iter_init(&it, s->data, s->len);
        while (rtcp_iter_next(&it, &p) == 1) {
            struct rtcp_fb fb;
            if (rtcp_kind(&p) == RTCP_KIND_PLI && rtcp_parse_pli(&p, &fb) == 0 &&
                fb.media_ssrc == media_ssrc)
                n++;
        }
    }
    return n;
}

/* ---- packets ---- */

struct ext_el {
    uint8_t id, len;
    uint8_t v[4];
};

/* RTP with one-byte header extensions (RFC 8285 §4.2) and optional padding */
static size_t rtp_build(uint8_t *buf, uint8_t pt, bool marker, uint16_t seq, uint32_t ts,
                        uint32_t ssrc, const struct ext_el *ext, size_t n_ext,
                        const uint8_t *payload, size_t plen, uint8_t padding)
{
    size_t o = 0;
    buf[o++] = (uint8_t)(0x80 | (padding ? 0x20 : 0) | (n_ext ? 0x10 : 0));
    buf[o++] = (uint8_t)((marker ? 0x80 : 0) | pt);
    buf[o++] = (uint8_t)(seq >> 8);
    buf[o++] = (uint8_t)seq;
    for (int i = 3; i >= 0; i--)
        buf[o++] = (uint8_t)(ts >> (8 * i));
    for (int i = 3; i >= 0; i--)
        buf[o++] = (uint8_t)(ssrc >> (8 * i));
    if (n_ext) {
        size_t bytes = 0;
        for (size_t i = 0; i < n_ext; i++)
            bytes += 1u + ext[i].len;
        size_t words = (bytes + 3) / 4;
        buf[o++] = 0xBE;
        buf[o++] = 0xDE;
        buf[o++] = (uint8_t)(words >> 8);
        buf[o++] = (uint8_t)words;
        size_t start = o;
        for (size_t i = 0; i < n_ext; i++) {
            buf[o++] = (uint8_t)(ext[i].id << 4 | (ext[i].len - 1));
            memcpy(buf + o, ext[i].v, ext[i].len);
            o += ext[i].len;
        }
        while (o < start + 4 * words)
            buf[o++] = 0;
    }
    if (plen)
        memcpy(buf + o, payload, plen);
    o += plen;
    if (padding) {
        memset(buf + o, 0, padding);
        o += padding;
        buf[o - 1] = padding;
    }
    return o;
}

#define ROOM 1
#define ROOM2 2
#define PUB 10
#define PUB2 11
#define S1 20
#define S2 30
#define S3 40

#define PT_OPUS 111
#define PT_VP8 96
#define PT_RTX 97
#define AUDIO_SSRC 0x1111AAAAu
#define VIDEO_SSRC 0x2222BBBBu
#define RTX_SSRC 0x3333CCCCu
#define AUDIO_PAYLOAD 20
#define VIDEO_PAYLOAD 40

/* Opus with audio level (voice flag, -dBov) at level_id, abs-send-time at 2, twcc at 3 */
static size_t audio_pkt_id(uint8_t *buf, uint8_t level_id, uint16_t seq, uint32_t ts,
                           uint32_t ssrc, bool voice, uint8_t level)
{
    struct ext_el ext[3] = {
        {level_id, 1, {(uint8_t)((voice ? 0x80 : 0) | level)}},
        {2, 3, {0x12, 0x34, 0x56}},
        {3, 2, {(uint8_t)(seq >> 8), (uint8_t)seq}},
    };
    uint8_t payload[AUDIO_PAYLOAD];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(seq + i);
    return rtp_build(buf, PT_OPUS, false, seq, ts, ssrc, ext, 3, payload, sizeof payload, 0);
}

static size_t audio_pkt(uint8_t *buf, uint16_t seq, uint32_t ts, uint32_t ssrc, uint8_t level)
{
    return audio_pkt_id(buf, 1, seq, ts, ssrc, true, level);
}

enum vp8_kind { KEY, DELTA, CONT };

/* The VP8 payload: descriptor (S=1 PID=0 for a frame start) and the payload header, whose
 * P bit is 0 for a keyframe; abs-send-time at 2, twcc at 3, mid at 4. */
static size_t vp8_payload(uint8_t *payload, enum vp8_kind kind, uint16_t seq)
{
    payload[0] = kind == CONT ? 0x00 : 0x10;
    payload[1] = kind == KEY ? 0x00 : 0x01;
    for (size_t i = 2; i < VIDEO_PAYLOAD; i++)
        payload[i] = (uint8_t)(seq * 7 + i);
    return VIDEO_PAYLOAD;
}

static size_t video_pkt(uint8_t *buf, uint16_t seq, uint32_t ts, uint32_t ssrc,
                        enum vp8_kind kind)
{
    struct ext_el ext[3] = {
        {2, 3, {0x01, 0x02, 0x03}},
        {3, 2, {(uint8_t)(seq >> 8), (uint8_t)seq}},
        {4, 1, {'v'}},
    };
    uint8_t payload[VIDEO_PAYLOAD];
    size_t plen = vp8_payload(payload, kind, seq);
    return rtp_build(buf, PT_VP8, kind != CONT, seq, ts, ssrc, ext, 3, payload, plen, 0);
}

/* RTX (RFC 4588): the original sequence number, then the original payload */
static size_t rtx_pkt(uint8_t *buf, uint16_t seq, uint32_t ts, uint16_t osn, enum vp8_kind kind)
{
    uint8_t payload[2 + VIDEO_PAYLOAD];
    payload[0] = (uint8_t)(osn >> 8);
    payload[1] = (uint8_t)osn;
    size_t plen = vp8_payload(payload + 2, kind, osn);
    return rtp_build(buf, PT_RTX, false, seq, ts, RTX_SSRC, NULL, 0, payload, 2 + plen, 0);
}

/* ---- the fixture: a publisher, two subscribers in its room, one in another room, and the
 * publisher's own subscribe port (which names itself) ---- */

static char U_PUB, U_PUB2, U_S1, U_S2, U_S3, U_SELF, U_X;

struct fx {
    struct router *r;
    struct router_port *pub, *s1, *s2, *s3, *self;
};

static struct router_publish_params pub_params(uint64_t room, uint32_t participant,
                                                     uint8_t level_id)
{
    struct router_publish_params p = {.room = room, .participant = participant,
                                      .audio_level_id = level_id, .pt_count = 3};
    p.pts[0] = (struct router_pt){.pt = PT_OPUS, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS};
    p.pts[1] = (struct router_pt){.pt = PT_VP8, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8};
    p.pts[2] = (struct router_pt){
        .pt = PT_RTX, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8, .rtx = true, .apt = PT_VP8};
    return p;
}

static struct router_port *subscriber(struct router *r, uint64_t room, uint32_t participant,
                                      void *user, uint32_t publisher, uint32_t audio_ssrc,
                                      uint32_t video_ssrc, uint8_t video_pt, bool level)
{
    struct router_port *p = router_add_subscriber(r, room, participant, user);
    assert_non_null(p);
    assert_false(router_port_publishes(p));
    struct router_track t[2] = {
        {.publisher = publisher, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS, .ssrc = audio_ssrc,
         .pt = SDP_PT_OPUS, .audio_level = level, .cname = "audio-cname"},
        {.publisher = publisher, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8, .ssrc = video_ssrc,
         .pt = video_pt, .cname = "video-cname"},
    };
    assert_int_equal(router_set_tracks(r, p, t, 2), 0);
    return p;
}

#define T0 10000

static int setup(void **state)
{
    rec_clear();
    struct fx *f = calloc(1, sizeof *f);
    f->r = router_new(7);
    struct router_publish_params pp = pub_params(ROOM, PUB, 1);
    f->pub = router_add_publisher(f->r, &pp, &U_PUB);
    assert_non_null(f->pub);
    assert_true(router_port_publishes(f->pub));
    f->s1 = subscriber(f->r, ROOM, S1, &U_S1, PUB, 0xA1, 0xB1, SDP_PT_VP8, true);
    f->s2 = subscriber(f->r, ROOM, S2, &U_S2, PUB, 0xA2, 0xB2, 120, false);
    f->s3 = subscriber(f->r, ROOM2, S3, &U_S3, PUB, 0xA3, 0xB3, SDP_PT_VP8, true);
    f->self = subscriber(f->r, ROOM, PUB, &U_SELF, PUB, 0xA0, 0xB0, SDP_PT_VP8, true);
    router_port_ready(f->r, f->pub, T0, &sink);
    router_port_ready(f->r, f->s1, T0, &sink);
    router_port_ready(f->r, f->s2, T0, &sink);
    router_port_ready(f->r, f->s3, T0, &sink);
    router_port_ready(f->r, f->self, T0, &sink);
    /* nothing to ask a keyframe of yet */
    assert_int_equal(rec.count, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    router_free(f->r);
    free(f);
    return 0;
}

static void send_rtp(struct fx *f, struct router_port *from, uint8_t *buf, size_t len,
                     int64_t now)
{
    router_on_rtp(f->r, from, buf, len, now, &sink);
}

static void send_audio(struct fx *f, uint16_t seq, uint32_t ts, int64_t now)
{
    uint8_t buf[256];
    send_rtp(f, f->pub, buf, audio_pkt(buf, seq, ts, AUDIO_SSRC, 30), now);
}

static void send_video(struct fx *f, uint16_t seq, uint32_t ts, uint32_t ssrc,
                       enum vp8_kind kind, int64_t now)
{
    uint8_t buf[256];
    send_rtp(f, f->pub, buf, video_pkt(buf, seq, ts, ssrc, kind), now);
}

/* RTCP from a subscriber */
static void sub_nack(struct fx *f, struct router_port *from, uint32_t media_ssrc,
                     const uint16_t *lost, size_t n, int64_t now)
{
    uint8_t buf[256];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_nack(&w, 0x5EED, media_ssrc, lost, n), 0);
    router_on_rtcp(f->r, from, buf, w.len, now, &sink);
}

static void sub_pli(struct fx *f, struct router_port *from, uint32_t media_ssrc, bool fir,
                    int64_t now)
{
    uint8_t buf[64];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    if (fir)
        assert_int_equal(rtcp_write_fir(&w, 0x5EED, media_ssrc, 1), 0);
    else
        assert_int_equal(rtcp_write_pli(&w, 0x5EED, media_ssrc), 0);
    router_on_rtcp(f->r, from, buf, w.len, now, &sink);
}

/* ---- forwarding ---- */

static void forwards_to_the_right_tracks(void **state)
{
    struct fx *f = *state;
    uint8_t in[256];
    size_t len = audio_pkt(in, 1000, 48000, AUDIO_SSRC, 30);
    uint8_t orig[256];
    memcpy(orig, in, len);
    send_rtp(f, f->pub, in, len, T0);

    /* the two subscribers of the room, not the other room, not the publisher itself */
    assert_int_equal(rec.count, 2);
    assert_int_equal(sent_to(&U_S1, false), 1);
    assert_int_equal(sent_to(&U_S2, false), 1);
    uint32_t ssrcs[2] = {0xA1, 0xA2};
    void *users[2] = {&U_S1, &U_S2};
    for (int i = 0; i < 2; i++) {
        struct rtp_packet p = rtp_of(nth_to(users[i], false, 0));
        assert_int_equal(p.ssrc, ssrcs[i]);
        assert_int_equal(p.payload_type, SDP_PT_OPUS);
        /* the first source keeps its numbers */
        assert_int_equal(p.seq, 1000);
        assert_int_equal(p.timestamp, 48000);
        assert_int_equal(p.payload_len, AUDIO_PAYLOAD);
        assert_memory_equal(p.payload, orig + len - AUDIO_PAYLOAD, AUDIO_PAYLOAD);
        assert_int_equal(p.len, len); /* extensions are erased in place, not moved */
    }

    /* video: keyframe first (the publisher's own port is never among the targets) */
    rec_clear();
    send_video(f, 500, 90000, VIDEO_SSRC, KEY, T0 + 1);
    assert_int_equal(rec.count, 2);
    struct rtp_packet v1 = rtp_of(nth_to(&U_S1, false, 0));
    assert_int_equal(v1.ssrc, 0xB1);
    assert_int_equal(v1.payload_type, SDP_PT_VP8);
    assert_int_equal(v1.seq, 500);
    assert_int_equal(v1.timestamp, 90000);
    assert_true(v1.marker);
    struct rtp_packet v2 = rtp_of(nth_to(&U_S2, false, 0));
    assert_int_equal(v2.ssrc, 0xB2);
    assert_int_equal(v2.payload_type, 120); /* the track's pt, marker kept */
    assert_true(v2.marker);
    assert_int_equal(v2.seq, 500);

    /* the next packets go on with the same numbering */
    rec_clear();
    send_video(f, 501, 90000, VIDEO_SSRC, CONT, T0 + 2);
    send_audio(f, 1001, 48960, T0 + 20);
    assert_int_equal(rec.count, 4);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 0)).seq, 501);
    assert_int_equal(rtp_of(nth_to(&U_S2, false, 1)).seq, 1001);
    assert_int_equal(rtp_of(nth_to(&U_S2, false, 1)).timestamp, 48960);

    const struct router_stats *st = router_stats(f->r);
    assert_int_equal(st->rtp_in, 4);
    assert_int_equal(st->forwarded, 8);
    assert_int_equal(st->keyframes, 1);

    /* an unknown payload type is counted, not forwarded */
    rec_clear();
    uint8_t buf[256];
    size_t n = rtp_build(buf, 100, false, 1, 1, AUDIO_SSRC, NULL, 0, (const uint8_t *)"x", 1, 0);
    send_rtp(f, f->pub, buf, n, T0 + 30);
    assert_int_equal(rec.count, 0);
    assert_int_equal(st->drop_unknown_pt, 1);

    /* a subscriber's RTP goes nowhere */
    n = audio_pkt(buf, 1, 1, AUDIO_SSRC, 30);
    send_rtp(f, f->s1, buf, n, T0 + 31);
    assert_int_equal(rec.count, 0);
}

static void not_ready_and_other_codecs_get_nothing(void **state)
{
    struct fx *f = *state;
    /* a subscriber whose transport is not up yet, and one that accepted H.264 only */
    struct router_port *late =
        subscriber(f->r, ROOM, 50, &U_X, PUB, 0xA5, 0xB5, SDP_PT_VP8, true);
    struct router_port *h264 = router_add_subscriber(f->r, ROOM, 60, &U_S3);
    struct router_track t = {.publisher = PUB, .kind = ROUTER_VIDEO, .codec = ROUTER_H264,
                             .ssrc = 0xC6, .pt = SDP_PT_H264};
    assert_int_equal(router_set_tracks(f->r, h264, &t, 1), 0);
    router_port_ready(f->r, h264, T0, &sink);
    /* and one for a participant who does not publish */
    struct router_port *other = subscriber(f->r, ROOM, 70, &U_S3, 99, 0xA7, 0xB7, 96, true);
    router_port_ready(f->r, other, T0, &sink);

    send_audio(f, 1, 960, T0);
    send_video(f, 1, 3000, VIDEO_SSRC, KEY, T0);
    assert_int_equal(sent_to(&U_X, false), 0);
    assert_int_equal(sent_to(&U_S3, false), 0);
    assert_int_equal(sent_to(&U_S1, false), 2);

    /* once ready it gets audio at once and video from the next keyframe; it asks for one */
    rec_clear();
    router_port_ready(f->r, late, T0 + 600, &sink);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 1);
    send_audio(f, 2, 1920, T0 + 601);
    send_video(f, 2, 6000, VIDEO_SSRC, DELTA, T0 + 602);
    assert_int_equal(sent_to(&U_X, false), 1);
    assert_int_equal(rtp_of(nth_to(&U_X, false, 0)).ssrc, 0xA5);
    send_video(f, 3, 9000, VIDEO_SSRC, KEY, T0 + 603);
    assert_int_equal(sent_to(&U_X, false), 2);
    assert_int_equal(rtp_of(nth_to(&U_X, false, 1)).ssrc, 0xB5);
    assert_int_equal(sent_to(&U_S3, false), 0);
}

/* ---- header extensions ---- */

static void audio_level_renumbered_others_erased(void **state)
{
    (void)state;
    rec_clear();
    struct router *r = router_new(1);
    /* the publisher put audio level at 5 and mid at 1 */
    struct router_publish_params pp = pub_params(ROOM, PUB, 5);
    struct router_port *pub = router_add_publisher(r, &pp, &U_PUB);
    struct router_port *a = subscriber(r, ROOM, S1, &U_S1, PUB, 0xA1, 0xB1, 96, true);
    struct router_port *b = subscriber(r, ROOM, S2, &U_S2, PUB, 0xA2, 0xB2, 96, false);
    router_port_ready(r, a, T0, &sink);
    router_port_ready(r, b, T0, &sink);

    uint8_t buf[256];
    struct ext_el ext[4] = {
        {1, 1, {'a'}}, {5, 1, {0x80 | 33}}, {2, 3, {1, 2, 3}}, {3, 2, {0, 9}}};
    uint8_t payload[10] = {0};
    size_t n = rtp_build(buf, PT_OPUS, false, 7, 960, AUDIO_SSRC, ext, 4, payload, 10, 0);
    router_on_rtp(r, pub, buf, n, T0, &sink);
    assert_int_equal(rec.count, 2);

    struct rtp_packet p = rtp_of(nth_to(&U_S1, false, 0));
    bool voice;
    uint8_t level;
    assert_int_equal(rtp_ext_audio_level(&p, SDP_ID_AUDIO_LEVEL, &voice, &level), 0);
    assert_true(voice);
    assert_int_equal(level, 33);
    struct rtp_ext e;
    size_t pos = 0, elements = 0;
    while (rtp_ext_next(&p, &pos, &e) == 1)
        elements++;
    assert_int_equal(elements, 1); /* mid, abs-send-time and twcc are gone */
    assert_int_equal(rtp_ext_find(&p, 5, &e), -ENOENT);
    assert_int_equal(rtp_ext_find(&p, 2, &e), -ENOENT);
    assert_int_equal(rtp_ext_find(&p, 3, &e), -ENOENT);

    p = rtp_of(nth_to(&U_S2, false, 0));
    pos = 0;
    assert_int_equal(rtp_ext_next(&p, &pos, &e), 0); /* nothing left */
    assert_int_equal(p.payload_len, 10);

    router_free(r);
}

/* A publisher's transport-cc element goes on to each subscriber renumbered in its own
 * sequence, and the subscriber's feedback on those numbers gives the SFU an estimate of
 * what it may send them. */
static void subscribers_get_transport_numbers_and_an_estimate(void **state)
{
    (void)state;
    rec_clear();
    quality_count = 0;
    struct router *r = router_new(1);
    struct router_publish_params pp = pub_params(ROOM, PUB, 1);
    pp.twcc_id = 3;
    struct router_port *pub = router_add_publisher(r, &pp, &U_PUB);
    struct router_port *a = subscriber(r, ROOM, S1, &U_S1, PUB, 0xA1, 0xB1, 96, true);
    struct router_port *b = subscriber(r, ROOM, S2, &U_S2, PUB, 0xA2, 0xB2, 96, false);
    router_port_ready(r, pub, T0, &qsink);
    router_port_ready(r, a, T0, &qsink);
    router_port_ready(r, b, T0, &qsink);
    enum { N = 20 };
    for (uint16_t i = 0; i < N; i++) {
        uint8_t buf[256];
        /* the publisher's own numbers start elsewhere: 500 + i */
        router_on_rtp(r, pub, buf, audio_pkt(buf, (uint16_t)(500 + i), 960u * i, AUDIO_SSRC, 30),
                      T0 + 20 * i, &qsink);
    }
    int64_t arrival_us[N];
    for (int k = 0; k < 2; k++) {
        for (uint16_t i = 0; i < N; i++) {
            struct rtp_packet p = rtp_of(nth_to(k ? &U_S2 : &U_S1, false, i));
            uint16_t seq;
            assert_int_equal(rtp_ext_twcc_seq(&p, SDP_ID_TWCC, &seq), 0);
            assert_int_equal(seq, i); /* each subscriber's own numbering, from 0 */
            arrival_us[i] = (T0 + 20 * i + 15) * 1000LL;
        }
    }
    /* s1 acknowledges them all; s2 says nothing */
    uint8_t fb[256];
    struct rtcp_writer w;
    rtcp_writer_init(&w, fb, sizeof fb);
    assert_int_equal(rtcp_write_twcc(&w, 0x5EED, 0xA1, 0, 0, arrival_us, N), 0);
    router_on_rtcp(r, a, fb, w.len, T0 + 20 * N + 30, &qsink);
    assert_int_equal(router_stats(r)->twcc_received, 1);
    router_tick(r, T0 + ROUTER_QUALITY_INTERVAL_MS + 1000, &qsink);
    const struct router_quality *q1 = quality_of(S1), *q2 = quality_of(S2);
    assert_non_null(q1);
    assert_true(q1->estimate_kbps >= 50 && q1->estimate_kbps <= 2500);
    assert_true(q2 == NULL || q2->estimate_kbps == 0); /* no feedback: no estimate */
    router_free(r);
}

static void extensions_of_the_fixture(void **state)
{
    struct fx *f = *state;
    send_audio(f, 1, 960, T0);
    send_video(f, 1, 3000, VIDEO_SSRC, KEY, T0);
    struct rtp_ext e;
    bool voice;
    uint8_t level;
    /* audio level at 1 stays 1 for s1; everything else is erased */
    struct rtp_packet p = rtp_of(nth_to(&U_S1, false, 0));
    assert_int_equal(rtp_ext_audio_level(&p, SDP_ID_AUDIO_LEVEL, &voice, &level), 0);
    assert_int_equal(level, 30);
    assert_int_equal(rtp_ext_find(&p, 2, &e), -ENOENT);
    assert_int_equal(rtp_ext_find(&p, 3, &e), -ENOENT);
    p = rtp_of(nth_to(&U_S2, false, 0));
    assert_int_equal(rtp_ext_find(&p, SDP_ID_AUDIO_LEVEL, &e), -ENOENT);
    /* video: abs-send-time, twcc and mid all erased */
    for (int i = 0; i < 2; i++) {
        p = rtp_of(nth_to(i ? &U_S2 : &U_S1, false, 1));
        size_t pos = 0;
        assert_int_equal(rtp_ext_next(&p, &pos, &e), 0);
        struct rtp_vp8 v;
        assert_int_equal(rtp_vp8_parse(p.payload, p.payload_len, &v), 0);
        assert_true(v.keyframe);
    }
}

/* ---- keyframes ---- */

static void video_waits_for_a_keyframe(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    send_video(f, 100, 1000, VIDEO_SSRC, DELTA, T0);
    /* held back for both tracks; one PLI to the publisher about its video source */
    assert_int_equal(sent_to(&U_S1, false), 0);
    assert_int_equal(sent_to(&U_S2, false), 0);
    assert_int_equal(st->waiting_keyframe, 2);
    assert_int_equal(sent_to(&U_PUB, true), 1);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 1);
    assert_int_equal(st->pli_sent, 1);

    /* at most one per ROUTER_PLI_INTERVAL_MS */
    send_video(f, 101, 1000, VIDEO_SSRC, CONT, T0 + 100);
    router_tick(f->r, T0 + 200, &sink);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 1);
    /* the tick asks again while the tracks wait */
    router_tick(f->r, T0 + ROUTER_PLI_INTERVAL_MS, &sink);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 2);
    router_tick(f->r, T0 + ROUTER_PLI_INTERVAL_MS + 100, &sink);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 2);
    router_tick(f->r, T0 + 2 * ROUTER_PLI_INTERVAL_MS, &sink);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 3);

    /* a packet in the middle of a frame, or a frame start that is not a key: still held */
    send_video(f, 102, 4000, VIDEO_SSRC, CONT, T0 + 1010);
    send_video(f, 103, 7000, VIDEO_SSRC, DELTA, T0 + 1020);
    assert_int_equal(sent_to(&U_S1, false), 0);

    /* the keyframe starts both tracks, with the publisher's numbering */
    send_video(f, 104, 10000, VIDEO_SSRC, KEY, T0 + 1030);
    send_video(f, 105, 10000, VIDEO_SSRC, CONT, T0 + 1031);
    send_video(f, 106, 13000, VIDEO_SSRC, DELTA, T0 + 1060);
    assert_int_equal(sent_to(&U_S1, false), 3);
    assert_int_equal(sent_to(&U_S2, false), 3);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 0)).seq, 104);
    assert_int_equal(rtp_of(nth_to(&U_S2, false, 2)).seq, 106);
    assert_int_equal(st->keyframes, 1);

    /* nothing waits any more: no further requests, even for one that was pending */
    size_t plis = plis_to(&U_PUB, VIDEO_SSRC);
    router_tick(f->r, T0 + 3000, &sink);
    router_tick(f->r, T0 + 4000, &sink);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), plis);
}

static void keyframe_answers_a_pending_request(void **state)
{
    struct fx *f = *state;
    send_video(f, 1, 1000, VIDEO_SSRC, DELTA, T0); /* PLI */
    send_video(f, 2, 1000, VIDEO_SSRC, DELTA, T0 + 100); /* too soon: pending */
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 1);
    send_video(f, 3, 4000, VIDEO_SSRC, KEY, T0 + 200);
    assert_int_equal(sent_to(&U_S1, false), 1);
    /* the keyframe came: asking again would only cost the publisher another one */
    router_tick(f->r, T0 + 600, &sink);
    router_tick(f->r, T0 + 1200, &sink);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 1);
}

static void subscriber_pli_and_fir(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    send_video(f, 1, 1000, VIDEO_SSRC, KEY, T0);
    assert_int_equal(sent_to(&U_PUB, true), 0);

    sub_pli(f, f->s1, 0xB1, false, T0 + 1000);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 1);
    assert_int_equal(st->pli_received, 1);
    /* rate-limited: a second one at once waits for the tick */
    sub_pli(f, f->s2, 0xB2, false, T0 + 1100);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 1);
    router_tick(f->r, T0 + 1500, &sink);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 2);

    /* FIR names the SSRC in its entry */
    sub_pli(f, f->s2, 0xB2, true, T0 + 2000);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 3);
    assert_int_equal(st->pli_received, 3);

    /* an audio track, or an SSRC the subscriber does not have: no PLI */
    sub_pli(f, f->s1, 0xA1, false, T0 + 3000);
    sub_pli(f, f->s1, 0xB2, false, T0 + 3000);
    sub_pli(f, f->s1, 0xDEAD, true, T0 + 3000);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 3);
    /* and the publisher's own RTCP feedback is not taken as a subscriber's */
    sub_pli(f, f->pub, VIDEO_SSRC, false, T0 + 4000);
    assert_int_equal(plis_to(&U_PUB, VIDEO_SSRC), 3);
}

/* ---- source change ---- */

static void source_change_continues_the_stream(void **state)
{
    struct fx *f = *state;
    for (uint16_t i = 0; i < 5; i++)
        send_audio(f, (uint16_t)(1000 + i), 960u * i, T0 + 20 * i);
    send_video(f, 200, 3000, VIDEO_SSRC, KEY, T0);
    send_video(f, 201, 6000, VIDEO_SSRC, DELTA, T0 + 33);
    assert_int_equal(sent_to(&U_S1, false), 7);
    struct rtp_packet last = rtp_of(nth_to(&U_S1, false, 4));
    assert_int_equal(last.seq, 1004);
    uint32_t last_ts = last.timestamp;

    /* the encoder restarts: new SSRCs, new numbering */
    rec_clear();
    uint8_t buf[256];
    size_t n = audio_pkt(buf, 40000, 123456, 0x7777, 30);
    send_rtp(f, f->pub, buf, n, T0 + 80 + 100);
    struct rtp_packet p = rtp_of(nth_to(&U_S1, false, 0));
    assert_int_equal(p.ssrc, 0xA1);
    assert_int_equal(p.seq, 1005);
    /* the timestamp moves on by the wall-clock time since the last packet (100 ms) */
    assert_int_equal(p.timestamp, last_ts + 4800);
    n = audio_pkt(buf, 40001, 123456 + 960, 0x7777, 30);
    send_rtp(f, f->pub, buf, n, T0 + 200);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 1)).seq, 1006);

    /* video from the new source waits for its keyframe, and asks for it */
    rec_clear();
    send_video(f, 9000, 50000, 0x8888, DELTA, T0 + 200);
    send_video(f, 9001, 50000, 0x8888, CONT, T0 + 201);
    assert_int_equal(sent_to(&U_S1, false), 0);
    assert_int_equal(sent_to(&U_S2, false), 0);
    assert_int_equal(plis_to(&U_PUB, 0x8888), 1);
    send_video(f, 9002, 53000, 0x8888, KEY, T0 + 250);
    p = rtp_of(nth_to(&U_S1, false, 0));
    assert_int_equal(p.ssrc, 0xB1);
    assert_int_equal(p.seq, 202);
    p = rtp_of(nth_to(&U_S2, false, 0));
    assert_int_equal(p.ssrc, 0xB2);
    assert_int_equal(p.seq, 202);
}

static void rejoin_continues_the_stream(void **state)
{
    struct fx *f = *state;
    send_audio(f, 1000, 0, T0);
    send_audio(f, 1001, 960, T0 + 20);
    send_video(f, 300, 0, VIDEO_SSRC, KEY, T0);
    /* the publisher leaves and comes back with a new transport, and (as a restarted client
     * may) the same SSRCs but new numbering */
    router_remove(f->r, f->pub);
    struct router_publish_params pp = pub_params(ROOM, PUB, 1);
    f->pub = router_add_publisher(f->r, &pp, &U_PUB);
    router_port_ready(f->r, f->pub, T0 + 1000, &sink);
    rec_clear();
    send_audio(f, 7, 5000, T0 + 1000);
    send_audio(f, 8, 5960, T0 + 1020);
    assert_int_equal(sent_to(&U_S1, false), 2);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 0)).seq, 1002);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 1)).seq, 1003);
    assert_int_equal(rtp_of(nth_to(&U_S2, false, 1)).ssrc, 0xA2);
    /* video waits for a keyframe and goes on at the next number */
    send_video(f, 4, 0, VIDEO_SSRC, DELTA, T0 + 1000);
    assert_int_equal(sent_to(&U_S1, false), 2);
    send_video(f, 5, 0, VIDEO_SSRC, KEY, T0 + 1040);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 2)).seq, 301);
}

/* ---- RTX ---- */

static void rtx_is_unwrapped(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    uint8_t buf[256];
    /* before any video, RTX has nothing to repair */
    send_rtp(f, f->pub, buf, rtx_pkt(buf, 1, 0, 10, KEY), T0);
    assert_int_equal(rec.count, 0);

    send_video(f, 10, 3000, VIDEO_SSRC, KEY, T0);
    send_video(f, 12, 6000, VIDEO_SSRC, DELTA, T0 + 30); /* 11 lost */
    assert_int_equal(sent_to(&U_S1, false), 2);

    uint8_t orig[256];
    size_t olen = video_pkt(orig, 11, 3000, VIDEO_SSRC, CONT);
    struct rtp_packet want;
    assert_int_equal(rtp_parse(&want, orig, olen), 0);

    send_rtp(f, f->pub, buf, rtx_pkt(buf, 2, 3000, 11, CONT), T0 + 40);
    assert_int_equal(st->rtx_in, 1);
    assert_int_equal(sent_to(&U_S1, false), 3);
    struct rtp_packet p = rtp_of(nth_to(&U_S1, false, 2));
    assert_int_equal(p.ssrc, 0xB1);
    assert_int_equal(p.payload_type, SDP_PT_VP8);
    assert_int_equal(p.seq, 11);
    assert_int_equal(p.timestamp, 3000);
    assert_int_equal(p.payload_len, want.payload_len);
    assert_memory_equal(p.payload, want.payload, want.payload_len);
    p = rtp_of(nth_to(&U_S2, false, 2));
    assert_int_equal(p.payload_type, 120);
    assert_int_equal(p.seq, 11);

    /* a padding-only RTX packet (a bandwidth probe) goes nowhere */
    rec_clear();
    size_t n = rtp_build(buf, PT_RTX, false, 3, 3000, RTX_SSRC, NULL, 0, NULL, 0, 200);
    send_rtp(f, f->pub, buf, n, T0 + 50);
    /* and neither does one with less than an OSN */
    n = rtp_build(buf, PT_RTX, false, 4, 3000, RTX_SSRC, NULL, 0, (const uint8_t *)"x", 1, 0);
    send_rtp(f, f->pub, buf, n, T0 + 51);
    assert_int_equal(rec.count, 0);
    assert_int_equal(st->rtx_in, 1);

    /* a probe that repeats a packet that did arrive (12) is not sent again */
    send_rtp(f, f->pub, buf, rtx_pkt(buf, 5, 6000, 12, DELTA), T0 + 60);
    assert_int_equal(rec.count, 0);
    assert_int_equal(st->rtx_in, 2);
    assert_int_equal(st->rtx_duplicate, 1);
}

/* ---- NACK ---- */

/* With RTX negotiated, a retransmission goes on the track's RTX SSRC with its own sequence
 * numbers and the original number first in the payload (RFC 4588). */
static void nack_answered_as_rtx(void **state)
{
    struct fx *f = *state;
    struct router_track t[2] = {
        {.publisher = PUB, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS, .ssrc = 0xA1,
         .pt = SDP_PT_OPUS, .audio_level = true, .cname = "c"},
        {.publisher = PUB, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8, .ssrc = 0xB1,
         .pt = SDP_PT_VP8, .cname = "c", .rtx_ssrc = 0xC1, .rtx_pt = SDP_PT_VP8_RTX},
    };
    assert_int_equal(router_set_tracks(f->r, f->s1, t, 2), 0);
    send_video(f, 100, 0, VIDEO_SSRC, KEY, T0);
    for (uint16_t i = 1; i < 5; i++)
        send_video(f, (uint16_t)(100 + i), 3000u * i, VIDEO_SSRC, DELTA, T0 + 33 * i);
    struct sent orig = *nth_to(&U_S1, false, 3);
    struct rtp_packet o = rtp_of(&orig);
    for (int round = 0; round < 2; round++) {
        rec_clear();
        uint16_t lost = 103;
        sub_nack(f, f->s1, 0xB1, &lost, 1, T0 + 200 + round);
        assert_int_equal(rec.count, 1);
        struct sent *re = nth_to(&U_S1, false, 0);
        struct rtp_packet p = rtp_of(re);
        assert_int_equal(p.ssrc, 0xC1);
        assert_int_equal(p.payload_type, SDP_PT_VP8_RTX);
        assert_int_equal(p.seq, round); /* its own numbering, from 0 */
        assert_int_equal(p.payload_len, o.payload_len + 2);
        assert_int_equal(p.payload[0] << 8 | p.payload[1], 103);
        assert_memory_equal(p.payload + 2, o.payload, o.payload_len);
        assert_int_equal(p.timestamp, o.timestamp);
    }
}

/* Probing: once a subscriber's video is under way, the estimator's first probe cluster goes
 * out as padding-only packets on the track's RTX SSRC (its own numbering, the track's last
 * timestamp), each with the subscriber's next transport-wide number, paced over ticks rather
 * than in one burst, and counted; a subscriber with no video under way gets none. */
static void probes_go_as_padding_on_rtx(void **state)
{
    struct fx *f = *state;
    struct router_track t = {.publisher = PUB, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8,
                             .ssrc = 0xB1, .pt = SDP_PT_VP8, .cname = "c", .rtx_ssrc = 0xC1,
                             .rtx_pt = SDP_PT_VP8_RTX};
    assert_int_equal(router_set_tracks(f->r, f->s1, &t, 1), 0);
    rec_clear();
    router_tick(f->r, T0, &sink);
    for (size_t i = 0; i < rec.count; i++) /* nothing under way yet: no padding */
        assert_true(rec.sent[i].rtcp || rtp_of(&rec.sent[i]).ssrc != 0xC1);
    send_video(f, 100, 0, VIDEO_SSRC, KEY, T0);
    struct rtp_packet media = rtp_of(nth_to(&U_S1, false, 0));
    rec_clear();
    size_t padding = 0, ticks_with_padding = 0;
    uint16_t expect_twcc = 0; /* the fixture's media carries none: padding's are the first */
    for (int64_t now = T0 + 1; now < T0 + 200; now++) {
        size_t before = rec.count;
        router_tick(f->r, now, &sink);
        size_t here = 0;
        for (size_t i = before; i < rec.count; i++) {
            if (rec.sent[i].rtcp)
                continue;
            struct rtp_packet p = rtp_of(&rec.sent[i]);
            assert_int_equal(p.ssrc, 0xC1);
            assert_int_equal(p.payload_type, SDP_PT_VP8_RTX);
            assert_int_equal(p.seq, padding); /* the RTX stream's own numbers, from 0 */
            assert_int_equal(p.timestamp, media.timestamp);
            assert_true(p.padding && p.payload_len == 0 && p.padding_len > 0);
            uint16_t twcc;
            assert_int_equal(rtp_ext_twcc_seq(&p, SDP_ID_TWCC, &twcc), 0);
            assert_int_equal(twcc, expect_twcc++);
            padding++;
            here++;
        }
        ticks_with_padding += here > 0;
    }
    const struct router_stats *st = router_stats(f->r);
    assert_int_equal(st->probes, 1);
    assert_int_equal(st->padding_sent, padding);
    assert_true(padding >= 10); /* a first cluster at 3 × 1 Mbit/s for 40 ms: ~15 KB */
    assert_true(ticks_with_padding >= 4); /* paced, not one burst */
    /* s2 has no video under way: it got nothing */
    assert_int_equal(sent_to(&U_S2, false), 0);
}

/* NACKs the router sends the publisher for the sequence numbers it did not get */
static size_t nacked_to(void *user, uint32_t media_ssrc, uint16_t *first)
{
    size_t n = 0;
    for (size_t i = 0; i < rec.count; i++) {
        struct sent *s = &rec.sent[i];
        if (s->user != user || !s->rtcp)
            continue;
        struct rtcp_iter it;
        struct rtcp_packet p;
        rtcp_iter_init(&it, s->data, s->len);
        while (rtcp_iter_next(&it, &p) == 1) {
            struct rtcp_fb fb;
            uint16_t lost[16];
            if (rtcp_kind(&p) != RTCP_KIND_NACK || rtcp_parse_nack(&p, &fb) != 0 ||
                fb.media_ssrc != media_ssrc)
                continue;
            size_t k = rtcp_nack_lost(&fb, lost, 16);
            if (k && n == 0 && first)
                *first = lost[0];
            n += k;
        }
    }
    return n;
}

/* Video lost on the way in is asked for again, and what comes counts as repaired; audio is
 * not (no NACK generator: Opus conceals, and the browser offers no RTX for it). */
static void losses_on_the_way_in_are_asked_for(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    send_video(f, 100, 0, VIDEO_SSRC, KEY, T0);
    send_video(f, 101, 3000, VIDEO_SSRC, DELTA, T0 + 33);
    send_video(f, 103, 9000, VIDEO_SSRC, DELTA, T0 + 99); /* 102 lost */
    uint16_t first = 0;
    assert_int_equal(nacked_to(&U_PUB, VIDEO_SSRC, &first), 1);
    assert_int_equal(first, 102);
    assert_int_equal(st->nack_sent, 1);
    send_video(f, 102, 6000, VIDEO_SSRC, DELTA, T0 + 120); /* it came after all */
    assert_int_equal(st->nack_repaired, 1);

    rec_clear();
    send_audio(f, 200, 0, T0 + 200);
    send_audio(f, 201, 960, T0 + 220);
    send_audio(f, 205, 4800, T0 + 300); /* 202–204 lost */
    assert_int_equal(nacked_to(&U_PUB, AUDIO_SSRC, NULL), 0);
    assert_int_equal(st->nack_sent, 1);
    assert_int_equal(sent_to(&U_S1, false), 3); /* audio still forwarded */
}

static void nack_answered_from_the_cache(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    send_video(f, 100, 0, VIDEO_SSRC, KEY, T0);
    for (uint16_t i = 1; i < 10; i++)
        send_video(f, (uint16_t)(100 + i), 3000u * i, VIDEO_SSRC, DELTA, T0 + 33 * i);
    assert_int_equal(sent_to(&U_S1, false), 10);
    struct sent first1 = *nth_to(&U_S1, false, 5);
    struct sent first2 = *nth_to(&U_S2, false, 5);
    assert_int_equal(rtp_of(&first1).seq, 105);

    rec_clear();
    uint16_t lost = 105;
    sub_nack(f, f->s1, 0xB1, &lost, 1, T0 + 400);
    assert_int_equal(rec.count, 1);
    struct sent *re = nth_to(&U_S1, false, 0);
    assert_int_equal(re->len, first1.len);
    assert_memory_equal(re->data, first1.data, first1.len);
    assert_int_equal(st->nack_received, 1);
    assert_int_equal(st->nack_recovered, 1);

    /* each subscriber gets its own rewriting back */
    rec_clear();
    uint16_t two[2] = {105, 107};
    sub_nack(f, f->s2, 0xB2, two, 2, T0 + 410);
    assert_int_equal(sent_to(&U_S2, false), 2);
    re = nth_to(&U_S2, false, 0);
    assert_int_equal(re->len, first2.len);
    assert_memory_equal(re->data, first2.data, first2.len);
    assert_int_equal(rtp_of(nth_to(&U_S2, false, 1)).seq, 107);
    assert_int_equal(st->nack_recovered, 3);

    /* never sent (before the first, after the last), or for audio: missed */
    rec_clear();
    uint16_t never[3] = {99, 110, 5000};
    sub_nack(f, f->s1, 0xB1, never, 3, T0 + 420);
    assert_int_equal(st->nack_missed, 3);
    send_audio(f, 1, 960, T0 + 420);
    lost = 1;
    sub_nack(f, f->s1, 0xA1, &lost, 1, T0 + 430);
    assert_int_equal(st->nack_missed, 4);
    sub_nack(f, f->s1, 0xDEAD, &lost, 1, T0 + 430);
    assert_int_equal(st->nack_missed, 5);
    assert_int_equal(sent_to(&U_S1, false), 1); /* the audio packet only */

    /* too old: out of the cache (rtp_cache.h) */
    for (uint16_t i = 10; i < 10 + RTP_CACHE_SLOTS; i++)
        send_video(f, (uint16_t)(100 + i), 3000u * i, VIDEO_SSRC, DELTA, T0 + 500 + i);
    int64_t last_at = T0 + 500 + 9 + RTP_CACHE_SLOTS;
    rec_clear();
    lost = 105;
    sub_nack(f, f->s1, 0xB1, &lost, 1, last_at + 1);
    assert_int_equal(rec.count, 0);
    assert_int_equal(st->nack_missed, 6);
    /* but a recent one is there, until it is older than the window */
    lost = (uint16_t)(100 + 9 + RTP_CACHE_SLOTS);
    sub_nack(f, f->s1, 0xB1, &lost, 1, last_at + 1);
    assert_int_equal(rec.count, 1);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 0)).seq, lost);
    rec_clear();
    sub_nack(f, f->s1, 0xB1, &lost, 1, last_at + RTP_CACHE_FLOOR_MS + 1);
    assert_int_equal(rec.count, 0);
    assert_int_equal(st->nack_missed, 7);

    /* after a source change the old numbers are gone */
    send_video(f, 7, 0, 0x9999, KEY, T0 + 3000);
    rec_clear();
    sub_nack(f, f->s1, 0xB1, &lost, 1, T0 + 3001);
    assert_int_equal(rec.count, 0);
    assert_int_equal(st->nack_missed, 8);

    /* no buffer for the answer: counted */
    rec.full = true;
    uint16_t now_seq = (uint16_t)(lost + 1);
    sub_nack(f, f->s1, 0xB1, &now_seq, 1, T0 + 3002);
    assert_int_equal(rec.count, 0);
    assert_true(st->drop_no_buffer >= 1);
}

/* ---- mute ---- */

static void mute_holds_audio_and_resumes_without_a_gap(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    send_audio(f, 1000, 0, T0);
    send_video(f, 1, 0, VIDEO_SSRC, KEY, T0);
    router_set_media(f->r, ROOM, PUB, false, true);
    rec_clear();
    for (uint16_t i = 1; i <= 10; i++)
        send_audio(f, (uint16_t)(1000 + i), 960u * i, T0 + 20 * i);
    send_video(f, 2, 3000, VIDEO_SSRC, DELTA, T0 + 33);
    assert_int_equal(sent_to(&U_S1, false), 1); /* the video */
    assert_int_equal(st->drop_muted, 10);

    /* unmuted: audio goes on at the next outgoing number despite the publisher's gap */
    router_set_media(f->r, ROOM, PUB, true, true);
    send_audio(f, 1011, 960u * 11, T0 + 220);
    send_audio(f, 1012, 960u * 12, T0 + 240);
    assert_int_equal(sent_to(&U_S1, false), 3);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 1)).seq, 1001);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 2)).seq, 1002);
    assert_int_equal(rtp_of(nth_to(&U_S2, false, 2)).seq, 1002);

    /* stopping video: on resume it goes on at the next number from a keyframe */
    router_set_media(f->r, ROOM, PUB, true, false);
    rec_clear();
    send_video(f, 3, 6000, VIDEO_SSRC, KEY, T0 + 300);
    send_audio(f, 1013, 960u * 13, T0 + 300);
    assert_int_equal(sent_to(&U_S1, false), 1);
    router_set_media(f->r, ROOM, PUB, true, true);
    send_video(f, 4, 9000, VIDEO_SSRC, DELTA, T0 + 333);
    assert_int_equal(sent_to(&U_S1, false), 1);
    send_video(f, 5, 12000, VIDEO_SSRC, KEY, T0 + 366);
    assert_int_equal(sent_to(&U_S1, false), 2);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 1)).seq, 3);

    /* the state holds for a publisher who joins later */
    router_set_media(f->r, ROOM, PUB2, false, false);
    struct router_publish_params pp = pub_params(ROOM, PUB2, 1);
    struct router_port *p2 = router_add_publisher(f->r, &pp, &U_PUB2);
    struct router_port *s = subscriber(f->r, ROOM, 80, &U_X, PUB2, 0xA8, 0xB8, 96, true);
    router_port_ready(f->r, s, T0, &sink);
    rec_clear();
    uint8_t buf[256];
    send_rtp(f, p2, buf, audio_pkt(buf, 1, 0, 0x4444, 30), T0 + 400);
    send_rtp(f, p2, buf, video_pkt(buf, 1, 0, 0x5555, KEY), T0 + 400);
    assert_int_equal(sent_to(&U_X, false), 0);
    router_set_media(f->r, ROOM, PUB2, true, true);
    send_rtp(f, p2, buf, audio_pkt(buf, 2, 960, 0x4444, 30), T0 + 420);
    assert_int_equal(sent_to(&U_X, false), 1);
}

/* ---- reports ---- */

/* Sender reports for more tracks than one packet holds go out in several compounds, each
 * track's SR exactly once. */
static void many_sender_reports_split(void **state)
{
    struct fx *f = *state;
    send_audio(f, 1, 0, T0);
    send_video(f, 1, 0, VIDEO_SSRC, KEY, T0);
    rec_clear();
    rec.cap = 40; /* one 28-byte SR (no report blocks) fits, not two */
    router_tick(f->r, T0 + ROUTER_REPORT_INTERVAL_MS + 1, &sink);
    size_t srs = 0, packets = 0;
    for (size_t i = 0; i < rec.count; i++) {
        if (rec.sent[i].user != &U_S1 || !rec.sent[i].rtcp)
            continue;
        packets++;
        struct rtcp_iter it;
        struct rtcp_packet p;
        rtcp_iter_init(&it, rec.sent[i].data, rec.sent[i].len);
        while (rtcp_iter_next(&it, &p) == 1)
            srs += rtcp_kind(&p) == RTCP_KIND_SR;
    }
    assert_int_equal(srs, 2); /* audio and video of the one publisher */
    assert_int_equal(packets, 2);
}

static void reports_once_a_second(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    /* 10 audio packets with seq 1005 skipped: 1000..1010 */
    for (uint16_t i = 0; i <= 10; i++)
        if (i != 5)
            send_audio(f, (uint16_t)(1000 + i), 960u * i, T0 + 20 * i);
    send_video(f, 1, 0, VIDEO_SSRC, KEY, T0);
    send_video(f, 2, 3000, VIDEO_SSRC, DELTA, T0 + 33);
    send_video(f, 3, 6000, VIDEO_SSRC, DELTA, T0 + 66);
    /* an SR from the publisher about its video, for LSR / DLSR */
    uint8_t sr_buf[128];
    struct rtcp_writer w;
    rtcp_writer_init(&w, sr_buf, sizeof sr_buf);
    struct rtcp_sr psr = {.ssrc = VIDEO_SSRC, .ntp = 0x0001234567890000ull};
    assert_int_equal(rtcp_write_sr(&w, &psr), 0);
    router_on_rtcp(f->r, f->pub, sr_buf, w.len, T0 + 500, &sink);

    rec_clear();
    int64_t now = T0 + ROUTER_REPORT_INTERVAL_MS;
    int64_t next = router_tick(f->r, now, &sink);
    assert_true(next > now);

    /* s1: one compound, an SR for each track, then SDES */
    assert_int_equal(sent_to(&U_S1, true), 1);
    struct sent *c = nth_to(&U_S1, true, 0);
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, c->data, c->len);
    int srs = 0;
    bool sdes = false;
    while (rtcp_iter_next(&it, &p) == 1) {
        if (rtcp_kind(&p) == RTCP_KIND_SDES) {
            sdes = true;
            continue;
        }
        struct rtcp_sr sr;
        assert_int_equal(rtcp_parse_sr(&p, &sr), 0);
        if (sr.ssrc == 0xA1) {
            assert_int_equal(sr.packet_count, 10);
            assert_int_equal(sr.octet_count, 10 * AUDIO_PAYLOAD);
            /* 1 s after ts 0 at 48 kHz, the last sent at 200 ms with ts 9600 */
            assert_int_equal(sr.rtp_timestamp, 9600 + 48000 * 800 / 1000);
        } else {
            assert_int_equal(sr.ssrc, 0xB1);
            assert_int_equal(sr.packet_count, 3);
            assert_int_equal(sr.octet_count, 3 * VIDEO_PAYLOAD);
        }
        assert_int_equal(sr.ntp >> 32, (uint64_t)(now / 1000) + 2208988800ull);
        srs++;
    }
    assert_int_equal(srs, 2);
    assert_true(sdes);
    assert_int_equal(sent_to(&U_S2, true), 1);
    /* the other room's subscriber got nothing: no SR */
    assert_int_equal(sent_to(&U_S3, true), 0);

    /* the publisher: an RR with a block for each source */
    assert_int_equal(sent_to(&U_PUB, true), 1);
    c = nth_to(&U_PUB, true, 0);
    rtcp_iter_init(&it, c->data, c->len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    struct rtcp_rr rr;
    assert_int_equal(rtcp_parse_rr(&p, &rr), 0);
    assert_int_equal(rr.report_count, 2);
    for (int i = 0; i < 2; i++) {
        struct rtcp_report_block *b = &rr.reports[i];
        if (b->ssrc == AUDIO_SSRC) {
            assert_int_equal(b->cumulative_lost, 1);
            assert_int_equal(b->fraction_lost, 256 / 11);
            assert_int_equal(b->highest_seq, 1010);
            assert_int_equal(b->lsr, 0);
        } else {
            assert_int_equal(b->ssrc, VIDEO_SSRC);
            assert_int_equal(b->cumulative_lost, 0);
            assert_int_equal(b->fraction_lost, 0);
            assert_int_equal(b->highest_seq, 3);
            assert_int_equal(b->lsr, 0x23456789u);
            assert_int_equal(b->dlsr, 65536 / 2);
        }
    }
    assert_int_equal(st->sr_sent, 4);
    assert_int_equal(st->rr_sent, 1);

    /* not again before the interval; the next interval's loss is fresh */
    rec_clear();
    router_tick(f->r, now + 500, &sink);
    assert_int_equal(sent_to(&U_S1, true) + sent_to(&U_PUB, true), 0);
    send_audio(f, 1011, 960u * 11, now + 600);
    router_tick(f->r, now + ROUTER_REPORT_INTERVAL_MS, &sink);
    c = nth_to(&U_PUB, true, 0);
    rtcp_iter_init(&it, c->data, c->len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    assert_int_equal(rtcp_parse_rr(&p, &rr), 0);
    for (int i = 0; i < rr.report_count; i++) {
        assert_int_equal(rr.reports[i].fraction_lost, 0);
        if (rr.reports[i].ssrc == AUDIO_SSRC)
            assert_int_equal(rr.reports[i].cumulative_lost, 1);
    }
    c = nth_to(&U_S1, true, 0);
    rtcp_iter_init(&it, c->data, c->len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    struct rtcp_sr sr;
    assert_int_equal(rtcp_parse_sr(&p, &sr), 0);
    assert_int_equal(sr.packet_count, sr.ssrc == 0xA1 ? 11 : 3);
}

/* ---- connection quality ---- */

/* audio from the fixture's publisher, 20 ms apart on time, skipping every tenth from the
 * fourth (lost on the way in) */
static void send_audio_losing(struct fx *f, uint16_t first, uint16_t count, int64_t at)
{
    for (uint16_t i = 0; i < count; i++) {
        uint16_t seq = (uint16_t)(first + i);
        if (seq % 10 == 3)
            continue;
        uint8_t buf[256];
        router_on_rtp(f->r, f->pub, buf, audio_pkt(buf, seq, 960u * seq, AUDIO_SSRC, 30),
                      at + 20 * i, &qsink);
    }
}

static void sub_rr(struct fx *f, struct router_port *from, const struct rtcp_report_block *b,
                   int64_t now)
{
    uint8_t buf[128];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    struct rtcp_rr rr = {.ssrc = 0x5EED, .report_count = 1, .reports = {*b}};
    assert_int_equal(rtcp_write_rr(&w, &rr), 0);
    router_on_rtcp(f->r, from, buf, w.len, now, &qsink);
}

/* The middle of the NTP time in the SR the router sent this port for this track. */
static uint32_t sr_mid_to(void *user, uint32_t ssrc)
{
    for (size_t i = 0; i < rec.count; i++) {
        if (rec.sent[i].user != user || !rec.sent[i].rtcp)
            continue;
        struct rtcp_iter it;
        struct rtcp_packet p;
        rtcp_iter_init(&it, rec.sent[i].data, rec.sent[i].len);
        struct rtcp_sr sr;
        while (rtcp_iter_next(&it, &p) == 1)
            if (rtcp_kind(&p) == RTCP_KIND_SR && rtcp_parse_sr(&p, &sr) == 0 && sr.ssrc == ssrc)
                return (uint32_t)(sr.ntp >> 16);
    }
    fail_msg("no SR for %x", ssrc);
    return 0;
}

static void quality_per_participant(void **state)
{
    struct fx *f = *state;
    quality_count = 0;
    send_audio_losing(f, 0, 100, T0);
    int64_t t1 = T0 + 2000;
    rec_clear();
    router_tick(f->r, t1, &qsink);
    /* the publisher lost 10 of 100 on the way in, evenly timed: no jitter; the subscribers
     * have not reported yet, so they are not summed up */
    const struct router_quality *q = quality_of(PUB);
    assert_non_null(q);
    assert_true(q->up);
    assert_false(q->down);
    assert_int_equal(q->loss_up_permille, 100);
    assert_int_equal(q->jitter_up_ms, 0);
    assert_int_equal(q->rtt_ms, -1);
    assert_null(quality_of(S1));
    assert_null(quality_of(S2));
    assert_null(quality_of(S3)); /* another room's, and with nothing measured */
    uint32_t lsr = sr_mid_to(&U_S1, 0xA1);

    /* first reports: where the subscribers stand; s1's names our SR, 50 ms held */
    struct rtcp_report_block b1 = {.ssrc = 0xA1,
                                   .highest_seq = 1000,
                                   .cumulative_lost = 10,
                                   .lsr = lsr,
                                   .dlsr = 65536 * 50 / 1000};
    sub_rr(f, f->s1, &b1, t1 + 100);
    struct rtcp_report_block b2 = {.ssrc = 0xA2, .highest_seq = 5000, .cumulative_lost = 10};
    sub_rr(f, f->s2, &b2, t1 + 150);

    /* 50 more, 5 lost on the way in: s1 gets all 45 sent, s2 misses 9 of them */
    send_audio_losing(f, 100, 50, t1 + 200);
    b1.highest_seq += 50;
    b1.cumulative_lost += 5;
    b1.jitter = 48 * 40; /* 40 ms at 48 kHz */
    b1.lsr = 0;
    sub_rr(f, f->s1, &b1, t1 + 1300);
    b2.highest_seq += 50;
    b2.cumulative_lost += 5 + 9;
    sub_rr(f, f->s2, &b2, t1 + 1300);

    quality_count = 0;
    router_tick(f->r, t1 + 2000, &qsink);
    q = quality_of(PUB);
    assert_non_null(q);
    assert_int_equal(q->loss_up_permille, 100);
    /* s1: the publisher's losses are not its own */
    q = quality_of(S1);
    assert_non_null(q);
    assert_false(q->up);
    assert_true(q->down);
    assert_int_equal(q->loss_down_permille, 0);
    assert_int_equal(q->jitter_down_ms, 40);
    assert_true(q->rtt_ms >= 49 && q->rtt_ms <= 50);
    q = quality_of(S2);
    assert_non_null(q);
    assert_int_equal(q->loss_down_permille, 9 * 1000 / 45);
    assert_int_equal(q->rtt_ms, -1);
    assert_int_equal(router_stats(f->r)->quality_reports, 4);

    /* a quiet window: nothing sent, nothing reported, nothing summed up; the round trip
     * stays known for when there is */
    quality_count = 0;
    router_tick(f->r, t1 + 4000, &qsink);
    assert_int_equal(quality_count, 0);
}

/* A publisher whose packets come unevenly: RFC 3550 jitter, in its RRs and its window. */
static void quality_jitter_in(void **state)
{
    struct fx *f = *state;
    quality_count = 0;
    /* every other packet 60 ms late: transit differences of 60 ms (2880 at 48 kHz) */
    for (uint16_t i = 0; i < 200; i++) {
        uint8_t buf[256];
        int64_t at = T0 + 20 * i + (i % 2 ? 60 : 0);
        router_on_rtp(f->r, f->pub, buf, audio_pkt(buf, i, 960u * i, AUDIO_SSRC, 30), at, &qsink);
    }
    rec_clear();
    router_tick(f->r, T0 + 4100, &qsink);
    const struct router_quality *q = quality_of(PUB);
    assert_non_null(q);
    assert_int_equal(q->loss_up_permille, 0);
    /* the estimate converges on the mean difference, 60 ms */
    assert_true(q->jitter_up_ms >= 55 && q->jitter_up_ms <= 60);
    struct sent *c = nth_to(&U_PUB, true, 0);
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, c->data, c->len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    struct rtcp_rr rr;
    assert_int_equal(rtcp_parse_rr(&p, &rr), 0);
    assert_true(rr.reports[0].jitter >= 48 * 55 && rr.reports[0].jitter <= 48 * 60);
}

/* ---- active speaker ---- */

static void speak(struct fx *f, struct router_port *pub, uint32_t ssrc, uint16_t *seq,
                  int64_t from, int64_t to, bool voice, uint8_t level)
{
    uint8_t buf[256];
    for (int64_t t = from; t < to; t += 20) {
        size_t n = audio_pkt_id(buf, 1, *seq, (uint32_t)(*seq) * 960u, ssrc, voice, level);
        (*seq)++;
        send_rtp(f, pub, buf, n, t);
    }
}

static void active_speaker(void **state)
{
    struct fx *f = *state;
    struct router_publish_params pp = pub_params(ROOM, PUB2, 1);
    struct router_port *p2 = router_add_publisher(f->r, &pp, &U_PUB2);
    uint16_t seq1 = 1, seq2 = 1;
    int64_t t = T0;
    router_tick(f->r, t, &sink);
    /* quiet (and voiceless) for a while: nobody */
    for (int w = 0; w < 4; w++) {
        speak(f, f->pub, AUDIO_SSRC, &seq1, t, t + ROUTER_SPEAKER_WINDOW_MS, true, 127);
        speak(f, p2, 0x4444, &seq2, t, t + ROUTER_SPEAKER_WINDOW_MS, false, 10);
        t += ROUTER_SPEAKER_WINDOW_MS;
        router_tick(f->r, t, &sink);
    }
    assert_int_equal(rec.speakers, 0);

    /* one window loud is not enough; two are */
    speak(f, f->pub, AUDIO_SSRC, &seq1, t, t + ROUTER_SPEAKER_WINDOW_MS, true, 20);
    speak(f, p2, 0x4444, &seq2, t, t + ROUTER_SPEAKER_WINDOW_MS, true, 90);
    t += ROUTER_SPEAKER_WINDOW_MS;
    router_tick(f->r, t, &sink);
    assert_int_equal(rec.speakers, 0);
    for (int w = 0; w < 4; w++) {
        speak(f, f->pub, AUDIO_SSRC, &seq1, t, t + ROUTER_SPEAKER_WINDOW_MS, true, 20);
        speak(f, p2, 0x4444, &seq2, t, t + ROUTER_SPEAKER_WINDOW_MS, true, 90);
        t += ROUTER_SPEAKER_WINDOW_MS;
        router_tick(f->r, t, &sink);
    }
    assert_int_equal(rec.speakers, 1);
    assert_int_equal(rec.speaker[0].room, ROOM);
    assert_int_equal(rec.speaker[0].participant, PUB);
    assert_int_equal(router_stats(f->r)->speaker_changes, 1);

    /* ticks more often than the window change nothing */
    router_tick(f->r, t + 1, &sink);
    router_tick(f->r, t + 2, &sink);
    assert_int_equal(rec.speakers, 1);

    /* the host mutes the second publisher, who now shouts: still not the speaker; the first
     * one goes quiet and stays the speaker */
    router_set_media(f->r, ROOM, PUB2, false, true);
    for (int w = 0; w < 4; w++) {
        speak(f, f->pub, AUDIO_SSRC, &seq1, t, t + ROUTER_SPEAKER_WINDOW_MS, true, 127);
        speak(f, p2, 0x4444, &seq2, t, t + ROUTER_SPEAKER_WINDOW_MS, true, 0);
        t += ROUTER_SPEAKER_WINDOW_MS;
        router_tick(f->r, t, &sink);
    }
    assert_int_equal(rec.speakers, 1);

    /* unmuted and loud for two windows: the speaker changes */
    router_set_media(f->r, ROOM, PUB2, true, true);
    for (int w = 0; w < 2; w++) {
        speak(f, p2, 0x4444, &seq2, t, t + ROUTER_SPEAKER_WINDOW_MS, true, 0);
        t += ROUTER_SPEAKER_WINDOW_MS;
        router_tick(f->r, t, &sink);
    }
    assert_int_equal(rec.speakers, 2);
    assert_int_equal(rec.speaker[1].participant, PUB2);

    /* the speaker leaves: the room hears "nobody" at the next window */
    router_remove(f->r, p2);
    t += ROUTER_SPEAKER_WINDOW_MS;
    router_tick(f->r, t, &sink);
    assert_int_equal(rec.speakers, 3);
    assert_int_equal(rec.speaker[2].participant, 0);
}

/* ---- robustness ---- */

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void malformed_input_is_counted(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    uint8_t buf[256];
    size_t n = audio_pkt(buf, 1, 1, AUDIO_SSRC, 30);
    /* truncated everywhere */
    for (size_t len = 0; len < 12; len++) {
        uint8_t copy[256];
        memcpy(copy, buf, n);
        send_rtp(f, f->pub, copy, len, T0);
    }
    assert_int_equal(st->drop_malformed, 12);
    /* the extension block claims more than there is */
    uint8_t copy[256];
    memcpy(copy, buf, n);
    copy[15] = 40;
    send_rtp(f, f->pub, copy, n, T0);
    assert_int_equal(st->drop_malformed, 13);
    /* version 1 */
    memcpy(copy, buf, n);
    copy[0] = (uint8_t)((copy[0] & 0x3f) | 0x40);
    send_rtp(f, f->pub, copy, n, T0);
    assert_int_equal(st->drop_malformed, 14);
    assert_int_equal(rec.count, 0);

    /* RTCP: truncated, wrong version, a length past the end */
    uint8_t rb[64];
    struct rtcp_writer w;
    rtcp_writer_init(&w, rb, sizeof rb);
    assert_int_equal(rtcp_write_pli(&w, 1, 0xB1), 0);
    router_on_rtcp(f->r, f->s1, rb, 3, T0, &sink);
    router_on_rtcp(f->r, f->s1, rb, w.len - 1, T0, &sink);
    rb[0] = 0x41;
    router_on_rtcp(f->r, f->s1, rb, w.len, T0, &sink);
    assert_int_equal(st->drop_malformed, 17);
    assert_int_equal(rec.count, 0);

    /* the feedback parsers refuse a NACK without an FCI and a FIR without an entry */
    uint8_t nack[12] = {0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0xB1};
    router_on_rtcp(f->r, f->s1, nack, sizeof nack, T0, &sink);
    uint8_t fir[12] = {0x84, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0xB1};
    router_on_rtcp(f->r, f->s1, fir, sizeof fir, T0, &sink);
    assert_int_equal(rec.count, 0);
    assert_int_equal(st->nack_received, 0);
}

static void fuzz_loop(void **state)
{
    struct fx *f = *state;
    struct router_port *ports[5] = {f->pub, f->s1, f->s2, f->s3, f->self};
    rng = 0xC0FFEE;
    uint8_t buf[300];
    int64_t t = T0;
    send_video(f, 1, 0, VIDEO_SSRC, KEY, t);
    for (int i = 0; i < 6000; i++) {
        size_t len = rnd() % sizeof buf;
        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)rnd();
        uint32_t how = rnd() % 8;
        if (how < 4 && len >= 12) {
            /* a plausible RTP header with random flags, so the deeper paths are reached */
            static const uint8_t pts[] = {PT_OPUS, PT_VP8, PT_RTX, 0};
            buf[0] = (uint8_t)(0x80 | (buf[0] & 0x3f));
            buf[1] = (uint8_t)((buf[1] & 0x80) | pts[rnd() % 4]);
            if (rnd() % 2) {
                uint32_t ssrc = buf[1] & 0x7f ? (rnd() % 2 ? VIDEO_SSRC : AUDIO_SSRC) : 0;
                for (int b = 0; b < 4; b++)
                    buf[8 + b] = (uint8_t)(ssrc >> (24 - 8 * b));
            }
            if (len >= 16 && rnd() % 2) {
                buf[0] |= 0x10;
                buf[12] = 0xBE;
                buf[13] = 0xDE;
                buf[14] = 0;
                buf[15] = (uint8_t)(rnd() % 4);
            }
        } else if (how < 6 && len >= 4) {
            /* a plausible RTCP header */
            static const uint8_t types[] = {200, 201, 202, 203, 205, 206};
            buf[0] = (uint8_t)(0x80 | (buf[0] & 0x3f));
            buf[1] = types[rnd() % 6];
            buf[2] = 0;
            buf[3] = (uint8_t)(rnd() % 2 ? (len / 4) - 1 : buf[3] % 16);
        }
        struct router_port *from = ports[rnd() % 5];
        t += rnd() % 20;
        rec.full = rnd() % 16 == 0;
        rec.cap = rnd() % 8 == 0 ? rnd() % 64 : 1400;
        if (how < 4 || how == 7)
            router_on_rtp(f->r, from, buf, len, t, &sink);
        else
            router_on_rtcp(f->r, from, buf, len, t, &sink);
        if (rnd() % 64 == 0)
            router_tick(f->r, t, &sink);
        if (rnd() % 512 == 0)
            router_set_media(f->r, ROOM, PUB, rnd() % 2, rnd() % 2);
        if (rec.count > REC_MAX / 2)
            rec.count = 0;
    }
    const struct router_stats *st = router_stats(f->r);
    assert_true(st->drop_malformed > 100);
    assert_true(st->rtp_in > 100);
    assert_true(st->rtcp_in > 100);
    /* still works */
    rec_clear();
    router_set_media(f->r, ROOM, PUB, true, true);
    send_audio(f, 60000, 1, t + 5000);
    assert_int_equal(sent_to(&U_S1, false) + sent_to(&U_S2, false), 2);
}

static void set_tracks_limits(void **state)
{
    struct fx *f = *state;
    struct router_track t[ROUTER_MAX_TRACKS + 1];
    for (size_t i = 0; i <= ROUTER_MAX_TRACKS; i++)
        t[i] = (struct router_track){.publisher = PUB, .kind = ROUTER_VIDEO,
                                     .codec = ROUTER_VP8, .ssrc = (uint32_t)(0x100 + i),
                                     .pt = 96, .cname = "a-cname-longer-than-sixty-four-bytes-"
                                                        "so-that-it-gets-cut-short-somewhere"};
    assert_int_equal(router_set_tracks(f->r, f->s1, t, ROUTER_MAX_TRACKS + 1), -EINVAL);
    assert_int_equal(router_set_tracks(f->r, f->pub, t, 1), -EINVAL);
    /* the refused call left the tracks as they were */
    send_audio(f, 1, 0, T0);
    assert_int_equal(sent_to(&U_S1, false), 1);
    assert_int_equal(router_set_tracks(f->r, f->s2, t, ROUTER_MAX_TRACKS), 0);
    send_video(f, 1, 0, VIDEO_SSRC, KEY, T0);
    assert_int_equal(sent_to(&U_S2, false), 1 + ROUTER_MAX_TRACKS); /* and the audio before */

    /* a track kept by SSRC keeps its rewriter and its start; a new one waits */
    send_video(f, 2, 3000, VIDEO_SSRC, DELTA, T0 + 33);
    struct router_track keep[2] = {
        {.publisher = PUB, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8, .ssrc = 0xB1, .pt = 96},
        {.publisher = PUB, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8, .ssrc = 0xBB, .pt = 96},
    };
    assert_int_equal(router_set_tracks(f->r, f->s1, keep, 2), 0);
    rec_clear();
    send_video(f, 3, 6000, VIDEO_SSRC, DELTA, T0 + 66);
    assert_int_equal(sent_to(&U_S1, false), 1);
    struct rtp_packet p = rtp_of(nth_to(&U_S1, false, 0));
    assert_int_equal(p.ssrc, 0xB1);
    assert_int_equal(p.seq, 3);
    /* audio was dropped from the list */
    send_audio(f, 2, 960, T0 + 70);
    assert_int_equal(sent_to(&U_S1, false), 1);
    /* no tracks at all */
    assert_int_equal(router_set_tracks(f->r, f->s1, NULL, 0), 0);
    send_video(f, 4, 9000, VIDEO_SSRC, KEY, T0 + 99);
    assert_int_equal(sent_to(&U_S1, false), 1);
}

static void no_buffer_is_counted(void **state)
{
    struct fx *f = *state;
    const struct router_stats *st = router_stats(f->r);
    rec.full = true;
    send_audio(f, 1, 0, T0);
    assert_int_equal(st->drop_no_buffer, 2);
    /* a buffer too small for the packet */
    rec.full = false;
    rec.cap = 20;
    send_audio(f, 2, 960, T0 + 20);
    assert_int_equal(st->drop_no_buffer, 4);
    assert_int_equal(rec.count, 0);
    rec.cap = 1400;
    send_audio(f, 3, 1920, T0 + 40);
    assert_int_equal(rec.count, 2);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 0)).seq, 3);
}

static void remove_in_either_order(void **state)
{
    (void)state;
    rec_clear();
    for (int order = 0; order < 2; order++) {
        struct router *r = router_new(0);
        struct router_publish_params pp = pub_params(ROOM, PUB, 1);
        struct router_port *pub = router_add_publisher(r, &pp, &U_PUB);
        struct router_port *sub = subscriber(r, ROOM, S1, &U_S1, PUB, 0xA1, 0xB1, 96, true);
        router_set_media(r, ROOM, PUB, false, true);
        router_set_media(r, 77, 1, false, false); /* a room nobody is in */
        router_port_ready(r, pub, T0, &sink);
        router_port_ready(r, sub, T0, &sink);
        uint8_t buf[256];
        router_on_rtp(r, pub, buf, video_pkt(buf, 1, 0, VIDEO_SSRC, KEY), T0, &sink);
        if (order == 0) {
            router_remove(r, pub);
            /* the subscriber's PLI and NACK find no publisher */
            uint8_t rb[64];
            struct rtcp_writer w;
            rtcp_writer_init(&w, rb, sizeof rb);
            assert_int_equal(rtcp_write_pli(&w, 1, 0xB1), 0);
            uint16_t lost = 1;
            assert_int_equal(rtcp_write_nack(&w, 1, 0xB1, &lost, 1), 0);
            rec_clear();
            router_on_rtcp(r, sub, rb, w.len, T0 + 10, &sink);
            assert_int_equal(rec.count, 0);
            assert_int_equal(router_stats(r)->nack_missed, 1);
            router_tick(r, T0 + 2000, &sink);
            router_remove(r, sub);
        } else {
            router_remove(r, sub);
            rec_clear();
            router_on_rtp(r, pub, buf, video_pkt(buf, 2, 0, VIDEO_SSRC, DELTA), T0 + 10, &sink);
            assert_int_equal(rec.count, 0);
            router_tick(r, T0 + 2000, &sink);
            router_remove(r, pub);
        }
        router_tick(r, T0 + 4000, &sink);
        router_remove(r, NULL);
        /* an empty room comes back fresh */
        struct router_port *again = router_add_subscriber(r, ROOM, S1, &U_S1);
        router_remove(r, again);
        router_free(r);
    }
    router_free(NULL);
}

/* ---- redundant audio and silence ---- */

/* RED (RFC 2198) around Opus as Chromium sends it: one earlier frame, then this one */
static size_t red_pkt(uint8_t *buf, uint8_t red_pt, uint8_t opus_pt, uint16_t seq, bool voice,
                      uint8_t level)
{
    struct ext_el ext[1] = {{1, 1, {(uint8_t)((voice ? 0x80 : 0) | level)}}};
    uint8_t payload[4 + 1 + 3 + 5] = {(uint8_t)(0x80 | opus_pt), 960 >> 6, (960 & 0x3f) << 2, 3,
                                      opus_pt, 'o', 'l', 'd', 'n', 'e', 'w', '!', (uint8_t)seq};
    return rtp_build(buf, red_pt, false, seq, 960u * seq, AUDIO_SSRC, ext, 1, payload,
                     sizeof payload, 0);
}

static void red_kept_or_unwrapped(void **state)
{
    (void)state;
    rec_clear();
    struct router *r = router_new(1);
    /* the publisher's numbers differ from the subscribe offers': Opus 109 in RED 100 */
    struct router_publish_params pp = {.room = ROOM, .participant = PUB, .audio_level_id = 1,
                                       .pt_count = 2};
    pp.pts[0] = (struct router_pt){.pt = 109, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS};
    pp.pts[1] =
        (struct router_pt){.pt = 100, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS, .red = true};
    struct router_port *pub = router_add_publisher(r, &pp, &U_PUB);
    struct router_track ta = {.publisher = PUB, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS,
                              .ssrc = 0xA1, .pt = SDP_PT_OPUS, .red_pt = SDP_PT_RED,
                              .audio_level = true, .cname = "c"};
    struct router_track tb = ta;
    tb.ssrc = 0xA2;
    tb.red_pt = 0; /* this one's answer left RED out */
    struct router_port *a = router_add_subscriber(r, ROOM, S1, &U_S1);
    struct router_port *b = router_add_subscriber(r, ROOM, S2, &U_S2);
    assert_int_equal(router_set_tracks(r, a, &ta, 1), 0);
    assert_int_equal(router_set_tracks(r, b, &tb, 1), 0);
    router_port_ready(r, a, T0, &sink);
    router_port_ready(r, b, T0, &sink);
    router_tick(r, T0, &sink);

    /* loud RED for two speaker windows: forwarded both ways, and its level still counts */
    int64_t t = T0;
    uint16_t seq = 1;
    for (; t < T0 + 2 * ROUTER_SPEAKER_WINDOW_MS; t += 20, seq++) {
        uint8_t buf[128];
        router_on_rtp(r, pub, buf, red_pkt(buf, 100, 109, seq, true, 20), t, &sink);
        router_tick(r, t, &sink);
    }
    router_tick(r, t, &sink);
    assert_int_equal(rec.speakers, 1);
    assert_int_equal(rec.speaker[0].participant, PUB);
    size_t sent = (size_t)(seq - 1);
    assert_int_equal(sent_to(&U_S1, false), sent);
    assert_int_equal(sent_to(&U_S2, false), sent);

    struct rtp_packet p = rtp_of(nth_to(&U_S1, false, 3));
    assert_int_equal(p.payload_type, SDP_PT_RED);
    assert_int_equal(p.payload_len, 13);
    assert_int_equal(p.payload[0], 0x80 | SDP_PT_OPUS); /* the blocks renumbered too */
    assert_int_equal(p.payload[4], SDP_PT_OPUS);
    assert_memory_equal(p.payload + 5, "oldnew!", 7);
    bool voice;
    uint8_t level;
    assert_int_equal(rtp_ext_audio_level(&p, SDP_ID_AUDIO_LEVEL, &voice, &level), 0);
    assert_int_equal(level, 20);

    p = rtp_of(nth_to(&U_S2, false, 3));
    assert_int_equal(p.payload_type, SDP_PT_OPUS);
    assert_int_equal(p.payload_len, 5); /* the primary alone */
    assert_memory_equal(p.payload, "new!", 4);
    assert_int_equal(p.payload[4], 4);
    assert_int_equal(p.ssrc, 0xA2);
    assert_int_equal(rtp_ext_audio_level(&p, SDP_ID_AUDIO_LEVEL, &voice, &level), 0);
    assert_true(voice);
    /* one continuous stream either way */
    struct rtp_packet prev = rtp_of(nth_to(&U_S2, false, 2));
    assert_int_equal((uint16_t)(prev.seq + 1), p.seq);
    assert_int_equal(prev.timestamp + 960, p.timestamp);

    assert_int_equal(router_stats(r)->red_forwarded, sent);
    assert_int_equal(router_stats(r)->red_unwrapped, sent);

    /* plain Opus from the same publisher goes as Opus to both */
    rec_clear();
    uint8_t buf[128];
    uint8_t opus[6] = {1, 2, 3, 4, 5, 6};
    size_t n = rtp_build(buf, 109, false, seq, 960u * seq, AUDIO_SSRC, NULL, 0, opus, 6, 0);
    router_on_rtp(r, pub, buf, n, t, &sink);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 0)).payload_type, SDP_PT_OPUS);
    assert_int_equal(rtp_of(nth_to(&U_S2, false, 0)).payload_type, SDP_PT_OPUS);
    assert_int_equal(rtp_of(nth_to(&U_S1, false, 0)).payload_len, 6);

    /* a RED payload whose block runs past its end reaches nobody */
    rec_clear();
    uint64_t malformed = router_stats(r)->drop_malformed;
    uint8_t bad[5] = {0x80 | 109, 0, 0, 200, 109};
    n = rtp_build(buf, 100, false, (uint16_t)(seq + 1), 960u * (seq + 1), AUDIO_SSRC, NULL, 0,
                  bad, sizeof bad, 0);
    router_on_rtp(r, pub, buf, n, t + 20, &sink);
    assert_int_equal(sent_to(&U_S1, false) + sent_to(&U_S2, false), 0);
    assert_int_equal(router_stats(r)->drop_malformed, malformed + 2);
    router_remove(r, a);
    router_remove(r, b);
    router_remove(r, pub);
    router_free(r);
}

/* Opus DTX: in silence a packet every 400 ms instead of every 20, the sequence unbroken and
 * the timestamps following the clock. Nothing of that is loss or jitter. */
static void dtx_silence_is_no_loss_nor_jitter(void **state)
{
    struct fx *f = *state;
    quality_count = 0;
    uint16_t seq = 0;
    int64_t ms = 0;
    for (int phase = 0; phase < 4; phase++) {
        bool silent = phase % 2;
        int64_t step = silent ? 400 : 20, until = ms + (silent ? 1600 : 400);
        for (; ms < until; ms += step, seq++) {
            uint8_t buf[256];
            router_on_rtp(f->r, f->pub, buf,
                          audio_pkt_id(buf, 1, seq, (uint32_t)(ms * 48), AUDIO_SSRC, !silent,
                                       silent ? 127 : 30),
                          T0 + ms, &qsink);
        }
    }
    rec_clear();
    router_tick(f->r, T0 + ms + 100, &qsink);
    const struct router_quality *q = quality_of(PUB);
    assert_non_null(q);
    assert_true(q->up);
    assert_int_equal(q->loss_up_permille, 0);
    assert_int_equal(q->jitter_up_ms, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(forwards_to_the_right_tracks, setup, teardown),
        cmocka_unit_test_setup_teardown(not_ready_and_other_codecs_get_nothing, setup, teardown),
        cmocka_unit_test(audio_level_renumbered_others_erased),
        cmocka_unit_test(subscribers_get_transport_numbers_and_an_estimate),
        cmocka_unit_test_setup_teardown(extensions_of_the_fixture, setup, teardown),
        cmocka_unit_test_setup_teardown(video_waits_for_a_keyframe, setup, teardown),
        cmocka_unit_test_setup_teardown(keyframe_answers_a_pending_request, setup, teardown),
        cmocka_unit_test_setup_teardown(subscriber_pli_and_fir, setup, teardown),
        cmocka_unit_test_setup_teardown(source_change_continues_the_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(rejoin_continues_the_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(rtx_is_unwrapped, setup, teardown),
        cmocka_unit_test_setup_teardown(nack_answered_from_the_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(losses_on_the_way_in_are_asked_for, setup, teardown),
        cmocka_unit_test_setup_teardown(nack_answered_as_rtx, setup, teardown),
        cmocka_unit_test_setup_teardown(probes_go_as_padding_on_rtx, setup, teardown),
        cmocka_unit_test_setup_teardown(many_sender_reports_split, setup, teardown),
        cmocka_unit_test_setup_teardown(mute_holds_audio_and_resumes_without_a_gap, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(reports_once_a_second, setup, teardown),
        cmocka_unit_test_setup_teardown(active_speaker, setup, teardown),
        cmocka_unit_test_setup_teardown(quality_per_participant, setup, teardown),
        cmocka_unit_test_setup_teardown(quality_jitter_in, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_input_is_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(fuzz_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(set_tracks_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(no_buffer_is_counted, setup, teardown),
        cmocka_unit_test(remove_in_either_order),
        cmocka_unit_test(red_kept_or_unwrapped),
        cmocka_unit_test_setup_teardown(dtx_silence_is_no_loss_nor_jitter, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* A meeting driven without a server, for test_meeting and fuzz_meeting: a deterministic
 * randomness source, what the SDP says of a pretend worker, a browser's publish offer and an
 * answer written for any subscribe offer the meeting sends. Header-only: each test includes
 * it once. */
#ifndef CONFIDE_TESTS_MEETING_FIXTURE_H
#define CONFIDE_TESTS_MEETING_FIXTURE_H
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "live/meeting.h"
#include "sfu/sdp.h"

#define FIXTURE_FP                                                                                 \
    "8F:14:2C:9A:E3:67:0B:D1:5A:42:9E:C0:7B:31:F8:D6:A4:12:6E:93:0C:BF:58:E7:21:4D:96:3A:C5:"      \
    "08:7F:E2"

static unsigned char fixture_rand_next;

static void fixture_rand(void *out, size_t len)
{
    unsigned char *p = out;
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(++fixture_rand_next * 37u + 11u);
}

static const struct media_local fixture_local = {
    .public_ip = "127.0.0.1",
    .fingerprint_alg = "sha-256",
    .fingerprint = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
                   "01:23:45:67:89:AB:CD:EF",
    .port = 40000,
};

/* A browser publishing a microphone (Opus) and a camera (VP8 with RTX). */
static const char fixture_publish_offer[] =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Xq3h\r\na=ice-pwd:8sFz0n1r3mJx9bT5kLwQp2Yd\r\n"
    "a=fingerprint:sha-256 " FIXTURE_FP "\r\na=setup:actpass\r\na=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=sendonly\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=ssrc:11 cname:x\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Xq3h\r\na=ice-pwd:8sFz0n1r3mJx9bT5kLwQp2Yd\r\n"
    "a=fingerprint:sha-256 " FIXTURE_FP "\r\na=setup:actpass\r\na=mid:1\r\n"
    "a=sendonly\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 21 22\r\na=ssrc:21 cname:x\r\na=ssrc:22 cname:x\r\n";

/* A screen share: one video section on a transport of its own. */
static const char fixture_screen_offer[] =
    "v=0\r\no=- 3 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Sc7r\r\na=ice-pwd:9tGa1o2s4nKy0cU6mMxRq3Ze\r\n"
    "a=fingerprint:sha-256 " FIXTURE_FP "\r\na=setup:actpass\r\na=mid:0\r\n"
    "a=sendonly\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=ssrc-group:FID 31 32\r\na=ssrc:31 cname:y\r\na=ssrc:32 cname:y\r\n";

/* The answer a browser gives to a subscribe offer: every section received, on one bundle. */
static char *fixture_subscribe_answer(const char *offer_text)
{
    struct arena a = {0};
    struct sdp_session *offer;
    struct sdp_error err = {0};
    if (sdp_parse(&a, offer_text, strlen(offer_text), &offer, &err) < 0) {
        arena_free(&a);
        return NULL;
    }
    struct buf out = {0};
    buf_printf(&out, "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE");
    for (size_t i = 0; i < offer->media_count; i++)
        buf_printf(&out, " %s", offer->media[i].mid);
    buf_printf(&out, "\r\n");
    for (size_t i = 0; i < offer->media_count; i++) {
        const struct sdp_media *m = &offer->media[i];
        const struct sdp_codec *c = &m->codecs[0];
        buf_printf(&out, "m=%s 9 UDP/TLS/RTP/SAVPF %u", m->kind_name, c->pt);
        for (size_t k = 1; k < m->codec_count; k++)
            if (m->codecs[k].apt == c->pt)
                buf_printf(&out, " %u", m->codecs[k].pt);
        buf_printf(&out,
                   "\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:Zk9a\r\n"
                   "a=ice-pwd:Bq0pT4hV8nW2xL6cF1sJ5mYr\r\n"
                   "a=fingerprint:sha-256 " FIXTURE_FP "\r\na=setup:active\r\na=mid:%s\r\n"
                   "a=%s\r\na=rtcp-mux\r\na=rtpmap:%u %s/%u%s\r\n",
                   m->mid, m->direction == SDP_INACTIVE ? "inactive" : "recvonly", c->pt, c->name,
                   c->clock_rate, m->kind == SDP_AUDIO ? "/2" : "");
        for (size_t k = 1; k < m->codec_count; k++)
            if (m->codecs[k].apt == c->pt)
                buf_printf(&out, "a=rtpmap:%u rtx/90000\r\na=fmtp:%u apt=%u\r\n", m->codecs[k].pt,
                           m->codecs[k].pt, c->pt);
    }
    arena_free(&a);
    return out.data; /* the buf's bytes, freed with free() */
}

#endif

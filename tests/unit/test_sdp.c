/* sfu/sdp: two realistic offers (Chromium with simulcast; GStreamer webrtcbin with
 * max-bundle), the answers to them parsed back with the same parser, every way an offer
 * can be unusable, malformed and truncated input, and the subscribe-side offer with a
 * browser's answer to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/sdp.h"

#define FP_A                                                                                       \
    "6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:"      \
    "5E:D6:BC"
#define FP_B                                                                                       \
    "8F:14:2C:9A:E3:67:0B:D1:5A:42:9E:C0:7B:31:F8:D6:A4:12:6E:93:0C:BF:58:E7:21:4D:96:3A:C5:"      \
    "08:7F:E2"
#define FP_OURS                                                                                    \
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"      \
    "AB:CD:EF"

#define CHROME_FB(pt)                                                                              \
    "a=rtcp-fb:" pt " goog-remb\r\n"                                                               \
    "a=rtcp-fb:" pt " transport-cc\r\n"                                                            \
    "a=rtcp-fb:" pt " ccm fir\r\n"                                                                 \
    "a=rtcp-fb:" pt " nack\r\n"                                                                    \
    "a=rtcp-fb:" pt " nack pli\r\n"

/* Chromium 156 publishing a microphone and a camera in three simulcast layers
 * (addTransceiver with sendEncodings rid q/h/f), bundlePolicy max-bundle. */
static const char chromium_offer[] =
    "v=0\r\n"
    "o=- 7432159034715620318 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS 3b4c6a2e-6f4e-4c8e-9c4b-2f0b8f3e1a77\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Xq3h\r\n"
    "a=ice-pwd:8sFz0n1r3mJx9bT5kLwQp2Yd\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 " FP_A "\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendonly\r\n"
    "a=msid:3b4c6a2e-6f4e-4c8e-9c4b-2f0b8f3e1a77 9f1d2c3b-a4e5-4f60-8b7a-1c2d3e4f5a6b\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:2240358917 cname:mT7q0dDc4ycLVv2W\r\n"
    "a=ssrc:2240358917 msid:3b4c6a2e-6f4e-4c8e-9c4b-2f0b8f3e1a77 "
    "9f1d2c3b-a4e5-4f60-8b7a-1c2d3e4f5a6b\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 103 104 107 108 109 114 115 116 117 118 39 40 45 46 98 "
    "99 100 101 119 120 123 124 125\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Xq3h\r\n"
    "a=ice-pwd:8sFz0n1r3mJx9bT5kLwQp2Yd\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 " FP_A "\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=extmap:9 "
    "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension\r\n"
    "a=sendonly\r\n"
    "a=msid:3b4c6a2e-6f4e-4c8e-9c4b-2f0b8f3e1a77 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n" CHROME_FB(
        "96") "a=rtpmap:97 rtx/90000\r\n"
              "a=fmtp:97 apt=96\r\n"
              "a=rtpmap:103 H264/90000\r\n" CHROME_FB(
                  "103") "a=fmtp:103 "
                         "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id="
                         "42001f\r\n"
                         "a=rtpmap:104 rtx/90000\r\n"
                         "a=fmtp:104 apt=103\r\n"
                         "a=rtpmap:107 H264/90000\r\n" CHROME_FB(
                             "107") "a=fmtp:107 "
                                    "level-asymmetry-allowed=1;packetization-mode=0;profile-level-"
                                    "id=42001f\r\n"
                                    "a=rtpmap:108 rtx/90000\r\n"
                                    "a=fmtp:108 apt=107\r\n"
                                    "a=rtpmap:109 H264/90000\r\n" CHROME_FB(
                                        "109") "a=fmtp:109 "
                                               "level-asymmetry-allowed=1;packetization-mode=1;"
                                               "profile-level-id=42e01f\r\n"
                                               "a=rtpmap:114 rtx/90000\r\n"
                                               "a=fmtp:114 apt=109\r\n"
                                               "a=rtpmap:115 H264/90000\r\n" CHROME_FB(
                                                   "115") "a=fmtp:115 "
                                                          "level-asymmetry-allowed=1;packetization-"
                                                          "mode=0;profile-level-id=42e01f\r\n"
                                                          "a=rtpmap:116 rtx/90000\r\n"
                                                          "a=fmtp:116 apt=115\r\n"
                                                          "a=rtpmap:117 H264/90000\r\n" CHROME_FB(
                                                              "117") "a=fmtp:117 "
                                                                     "level-asymmetry-allowed=1;"
                                                                     "packetization-mode=1;profile-"
                                                                     "level-id=4d001f\r\n"
                                                                     "a=rtpmap:118 rtx/90000\r\n"
                                                                     "a=fmtp:118 apt=117\r\n"
                                                                     "a=rtpmap:39 "
                                                                     "H264/90000\r\n" CHROME_FB(
                                                                         "39") "a=fmtp:39 "
                                                                               "level-asymmetry-"
                                                                               "allowed=1;"
                                                                               "packetization-mode="
                                                                               "0;profile-level-id="
                                                                               "4d001f\r\n"
                                                                               "a=rtpmap:40 "
                                                                               "rtx/90000\r\n"
                                                                               "a=fmtp:40 "
                                                                               "apt=39\r\n"
                                                                               "a=rtpmap:45 "
                                                                               "AV1/"
                                                                               "90000\r"
                                                                               "\n" CHROME_FB(
                                                                                   "45") "a=fmtp:"
                                                                                         "45 "
                                                                                         "level-"
                                                                                         "idx=5;"
                                                                                         "profile="
                                                                                         "0;tier="
                                                                                         "0\r\n"
                                                                                         "a=rtpmap:"
                                                                                         "46 "
                                                                                         "rtx/"
                                                                                         "90000\r\n"
                                                                                         "a=fmtp:"
                                                                                         "46 "
                                                                                         "apt="
                                                                                         "45\r\n"
                                                                                         "a=rtpmap:"
                                                                                         "98 "
                                                                                         "VP9/"
                                                                                         "90000\r"
                                                                                         "\n" CHROME_FB(
                                                                                             "98") "a=fmtp:98 profile-id=0\r\n"
                                                                                                   "a=rtpmap:99 rtx/90000\r\n"
                                                                                                   "a=fmtp:99 apt=98\r\n"
                                                                                                   "a=rtpmap:100 VP9/90000\r\n" CHROME_FB(
                                                                                                       "100") "a=fmtp:100 profile-id=2\r\n"
                                                                                                              "a=rtpmap:101 rtx/90000\r\n"
                                                                                                              "a=fmtp:101 apt=100\r\n"
                                                                                                              "a=rtpmap:119 H264/90000\r\n" CHROME_FB(
                                                                                                                  "119") "a=fmtp:119 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n"
                                                                                                                         "a=rtpmap:120 rtx/90000\r\n"
                                                                                                                         "a=fmtp:120 apt=119\r\n"
                                                                                                                         "a=rtpmap:123 red/90000\r\n"
                                                                                                                         "a=rtpmap:124 rtx/90000\r\n"
                                                                                                                         "a=fmtp:124 apt=123\r\n"
                                                                                                                         "a=rtpmap:125 ulpfec/90000\r\n"
                                                                                                                         "a=rid:q send\r\n"
                                                                                                                         "a=rid:h send\r\n"
                                                                                                                         "a=rid:f send\r\n"
                                                                                                                         "a=simulcast:send q;h;f\r\n";

/* GStreamer's webrtcbin (bundle-policy max-bundle): sendrecv, mids video0/audio1, the
 * second section bundle-only with port 0, "OPUS" in capitals, LF line ends (as a client
 * that builds the text by hand might send). */
static const char gstreamer_offer[] =
    "v=0\n"
    "o=- 1815849024440193843 0 IN IP4 0.0.0.0\n"
    "s=-\n"
    "t=0 0\n"
    "a=ice-options:trickle\n"
    "a=group:BUNDLE video0 audio1\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\n"
    "c=IN IP4 0.0.0.0\n"
    "a=setup:actpass\n"
    "a=ice-ufrag:kLxU2h9R3NqGfZ0oBv5sWyTjC8eHdM1P\n"
    "a=ice-pwd:Qf7mN2xR9pLs4VhW1cJz8KtY6bGdA3Eu\n"
    "a=rtcp-mux\n"
    "a=rtcp-rsize\n"
    "a=sendrecv\n"
    "a=rtpmap:96 VP8/90000\n"
    "a=rtcp-fb:96 nack\n"
    "a=rtcp-fb:96 nack pli\n"
    "a=rtcp-fb:96 ccm fir\n"
    "a=rtcp-fb:96 transport-cc\n"
    "a=extmap:1 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\n"
    "a=ssrc:3484078950 msid:user3948207135/video0 webrtctransceiver0\n"
    "a=ssrc:3484078950 cname:user3948207135@host-5b8b6a1f\n"
    "a=mid:video0\n"
    "a=fingerprint:sha-256 " FP_B "\n"
    "m=audio 0 UDP/TLS/RTP/SAVPF 97\n"
    "c=IN IP4 0.0.0.0\n"
    "a=setup:actpass\n"
    "a=ice-ufrag:kLxU2h9R3NqGfZ0oBv5sWyTjC8eHdM1P\n"
    "a=ice-pwd:Qf7mN2xR9pLs4VhW1cJz8KtY6bGdA3Eu\n"
    "a=bundle-only\n"
    "a=sendrecv\n"
    "a=rtpmap:97 OPUS/48000/2\n"
    "a=rtcp-fb:97 nack\n"
    "a=rtcp-fb:97 nack pli\n"
    "a=rtcp-fb:97 transport-cc\n"
    "a=fmtp:97 sprop-maxcapturerate=48000;sprop-stereo=0\n"
    "a=extmap:1 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\n"
    "a=ssrc:1103417239 msid:user3948207135/audio1 webrtctransceiver1\n"
    "a=ssrc:1103417239 cname:user3948207135@host-5b8b6a1f\n"
    "a=mid:audio1\n"
    "a=rtcp-mux\n"
    "a=rtcp-rsize\n"
    "a=fingerprint:sha-256 " FP_B "\n";

static const struct sdp_local ours = {
    .ice_ufrag = "cfd1",
    .ice_pwd = "o2W8bq1vXk5NzR7tYc3HmJ0s",
    .fingerprint_alg = "sha-256",
    .fingerprint = FP_OURS,
    .host = "127.0.0.1",
    .port = 40000,
    .session_id = 4242424242,
    .session_version = 1,
};

struct fixture {
    struct arena arena;
    struct buf out;
};

static int setup(void **state)
{
    *state = calloc(1, sizeof(struct fixture));
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_free(&f->arena);
    buf_free(&f->out);
    free(f);
    return 0;
}

static struct sdp_session *parse_ok(struct fixture *f, const char *text)
{
    struct sdp_session *s = NULL;
    struct sdp_error err = {0};
    int rc = sdp_parse(&f->arena, text, strlen(text), &s, &err);
    if (rc != 0)
        fail_msg("parse failed: %s: %s", err.code, err.message);
    return s;
}

/* text with every `from` replaced by `to`, in the arena */
static char *replace(struct fixture *f, const char *text, const char *from, const char *to)
{
    struct buf b = {0};
    size_t n = strlen(from);
    const char *p = text, *hit;
    while ((hit = strstr(p, from))) {
        buf_append(&b, p, (size_t)(hit - p));
        buf_puts(&b, to);
        p = hit + n;
    }
    buf_puts(&b, p);
    char *copy = arena_strdup(&f->arena, b.data);
    buf_free(&b);
    return copy;
}

static bool fmtp_is(const char *fmtp, const char *key, const char *want)
{
    const char *v;
    size_t n;
    return fmtp && sdp_fmtp_param(fmtp, key, &v, &n) && n == strlen(want) &&
           memcmp(v, want, n) == 0;
}

static void test_parse_chromium(void **state)
{
    struct fixture *f = *state;
    struct sdp_session *s = parse_ok(f, chromium_offer);
    assert_true(s->session_id == 7432159034715620318ULL);
    assert_int_equal(s->session_version, 2);
    assert_false(s->ice_lite);
    assert_true(s->extmap_allow_mixed);
    assert_int_equal(s->bundle_count, 2);
    assert_string_equal(s->bundle[0], "0");
    assert_string_equal(s->bundle[1], "1");
    assert_int_equal(s->media_count, 2);

    struct sdp_media *a = &s->media[0];
    assert_int_equal(a->kind, SDP_AUDIO);
    assert_int_equal(a->port, 9);
    assert_string_equal(a->proto, "UDP/TLS/RTP/SAVPF");
    assert_true(a->rtp);
    assert_string_equal(a->mid, "0");
    assert_int_equal(a->direction, SDP_SENDONLY);
    assert_string_equal(a->ice_ufrag, "Xq3h");
    assert_string_equal(a->ice_pwd, "8sFz0n1r3mJx9bT5kLwQp2Yd");
    assert_string_equal(a->fingerprint_alg, "sha-256");
    assert_string_equal(a->fingerprint, FP_A);
    assert_int_equal(a->setup, SDP_SETUP_ACTPASS);
    assert_true(a->rtcp_mux);
    assert_true(a->rtcp_rsize);
    assert_true(a->extmap_allow_mixed);
    assert_string_equal(a->msid_stream, "3b4c6a2e-6f4e-4c8e-9c4b-2f0b8f3e1a77");
    assert_string_equal(a->msid_track, "9f1d2c3b-a4e5-4f60-8b7a-1c2d3e4f5a6b");
    assert_int_equal(a->codec_count, 8);
    const struct sdp_codec *opus = sdp_media_codec(a, 111);
    assert_non_null(opus);
    assert_ptr_equal(opus, &a->codecs[0]);
    assert_string_equal(opus->name, "opus");
    assert_int_equal(opus->clock_rate, 48000);
    assert_int_equal(opus->channels, 2);
    assert_int_equal(opus->feedback, SDP_FB_TWCC);
    assert_true(fmtp_is(opus->fmtp, "useinbandfec", "1"));
    assert_true(fmtp_is(opus->fmtp, "minptime", "10"));
    assert_int_equal(sdp_media_codec(a, 0)->clock_rate, 8000);
    assert_null(sdp_media_codec(a, 96));
    assert_int_equal(sdp_media_extmap_id(a, SDP_URI_AUDIO_LEVEL), 1);
    assert_int_equal(sdp_media_extmap_id(a, SDP_URI_MID), 4);
    assert_int_equal(sdp_media_extmap_id(a, SDP_URI_RID), 0);
    assert_int_equal(a->ssrc_count, 1);
    assert_int_equal(a->ssrcs[0].ssrc, 2240358917u);
    assert_string_equal(a->ssrcs[0].cname, "mT7q0dDc4ycLVv2W");
    assert_non_null(strstr(a->ssrcs[0].msid, "9f1d2c3b"));
    assert_int_equal(a->candidate_count, 0);

    struct sdp_media *v = &s->media[1];
    assert_int_equal(v->kind, SDP_VIDEO);
    assert_string_equal(v->mid, "1");
    assert_int_equal(v->codec_count, 25);
    const struct sdp_codec *vp8 = sdp_media_codec(v, 96);
    assert_string_equal(vp8->name, "VP8");
    assert_int_equal(vp8->feedback,
                     SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC | SDP_FB_REMB);
    assert_int_equal(sdp_media_codec(v, 97)->apt, 96);
    assert_int_equal(sdp_media_codec(v, 114)->apt, 109);
    assert_int_equal(sdp_media_codec(v, 96)->apt, -1);
    assert_int_equal(sdp_media_codec(v, 125)->feedback, 0);
    assert_true(fmtp_is(sdp_media_codec(v, 109)->fmtp, "profile-level-id", "42e01f"));
    assert_true(fmtp_is(sdp_media_codec(v, 107)->fmtp, "packetization-mode", "0"));
    assert_int_equal(v->extmap_count, 12);
    assert_int_equal(sdp_media_extmap_id(v, SDP_URI_RID), 10);
    assert_int_equal(sdp_media_extmap_id(v, SDP_URI_REPAIRED_RID), 11);
    assert_int_equal(sdp_media_extmap_id(v, SDP_URI_TWCC), 3);
    assert_int_equal(v->rid_count, 3);
    assert_string_equal(v->rids[0].id, "q");
    assert_true(v->rids[2].send);
    assert_null(v->rids[2].params);
    assert_int_equal(v->simulcast_send_count, 3);
    assert_int_equal(v->simulcast_recv_count, 0);
    assert_string_equal(v->simulcast_send[1].rid, "h");
    assert_int_equal(v->simulcast_send[2].stream, 2);
    assert_false(v->simulcast_send[0].paused);
    assert_int_equal(v->ssrc_count, 0); /* with RIDs Chromium names no SSRCs */
}

static void test_parse_gstreamer(void **state)
{
    struct fixture *f = *state;
    struct sdp_session *s = parse_ok(f, gstreamer_offer);
    assert_int_equal(s->session_version, 0);
    assert_int_equal(s->bundle_count, 2);
    assert_string_equal(s->bundle[0], "video0");
    assert_int_equal(s->media_count, 2);
    struct sdp_media *v = &s->media[0], *a = &s->media[1];
    assert_int_equal(v->direction, SDP_SENDRECV);
    assert_string_equal(v->ice_ufrag, "kLxU2h9R3NqGfZ0oBv5sWyTjC8eHdM1P");
    assert_string_equal(v->fingerprint, FP_B);
    assert_int_equal(v->codecs[0].feedback, SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC);
    assert_string_equal(v->ssrcs[0].cname, "user3948207135@host-5b8b6a1f");
    assert_string_equal(v->ssrcs[0].msid, "user3948207135/video0 webrtctransceiver0");
    assert_int_equal(a->port, 0);
    assert_true(a->bundle_only);
    assert_string_equal(a->codecs[0].name, "OPUS");
    assert_int_equal(a->codecs[0].channels, 2);
    assert_true(fmtp_is(a->codecs[0].fmtp, "sprop-stereo", "0"));
    assert_int_equal(sdp_media_extmap_id(a, SDP_URI_TWCC), 1);
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++) {
        if ((p == text || p[-1] == '\n') && p[n] == '\r' && p[n + 1] == '\n')
            return true;
    }
    return false;
}

static void test_answer_chromium(void **state)
{
    struct fixture *f = *state;
    struct sdp_session *offer = parse_ok(f, chromium_offer);
    struct sdp_negotiated *neg;
    struct sdp_error err = {0};
    assert_int_equal(sdp_answer(&f->arena, offer, &ours, 0, &f->out, &neg, &err), 0);
    const char *text = f->out.data;

    /* the lines that matter, as the browser will read them */
    assert_true(has_line(text, "a=ice-lite"));
    assert_true(has_line(text, "a=group:BUNDLE 0 1"));
    assert_null(strstr(text, "extmap-allow-mixed")); /* one-byte headers only, please */
    /* RED first, so the browser sends redundant Opus (and its primary carries Opus) */
    assert_true(has_line(text, "m=audio 40000 UDP/TLS/RTP/SAVPF 63 111"));
    assert_true(has_line(text, "a=rtpmap:63 red/48000/2"));
    assert_true(has_line(text, "a=fmtp:63 111/111"));
    assert_true(has_line(text, "m=video 40000 UDP/TLS/RTP/SAVPF 96 97 109 114"));
    assert_true(has_line(text, "a=setup:passive"));
    assert_true(has_line(text, "a=ice-ufrag:cfd1"));
    assert_true(has_line(text, "a=fingerprint:sha-256 " FP_OURS));
    assert_true(has_line(text, "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"));
    /* in-band FEC, and DTX: next to nothing is sent while someone is silent */
    assert_true(has_line(text, "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1"));
    assert_true(has_line(text, "a=fmtp:109 level-asymmetry-allowed=1;packetization-mode=1;"
                               "profile-level-id=42e01f"));
    assert_true(has_line(text, "a=fmtp:97 apt=96"));
    assert_true(has_line(text, "a=extmap:10 " SDP_URI_RID));
    assert_true(has_line(text, "a=simulcast:recv q;h;f"));
    assert_null(strstr(text, "goog-remb"));
    assert_null(strstr(text, "toffset"));
    assert_null(strstr(text, "VP9"));

    /* what forwarding reads */
    assert_string_equal(neg->remote_ufrag, "Xq3h");
    assert_string_equal(neg->remote_pwd, "8sFz0n1r3mJx9bT5kLwQp2Yd");
    assert_string_equal(neg->remote_fingerprint_alg, "sha-256");
    assert_string_equal(neg->remote_fingerprint, FP_A);
    assert_int_equal(neg->media_count, 2);
    struct sdp_negotiated_media *na = &neg->media[0], *nv = &neg->media[1];
    assert_true(na->accepted);
    assert_int_equal(na->direction, SDP_RECVONLY);
    assert_int_equal(na->codec_count, 1);
    assert_int_equal(na->codecs[0].codec, SDP_CODEC_OPUS);
    assert_int_equal(na->codecs[0].pt, 111);
    assert_int_equal(na->codecs[0].rtx_pt, -1);
    assert_int_equal(na->codecs[0].red_pt, 63);
    assert_int_equal(na->codecs[0].feedback, SDP_FB_TWCC);
    assert_int_equal(na->ext_id[SDP_EXT_AUDIO_LEVEL], 1);
    assert_int_equal(na->ext_id[SDP_EXT_ABS_SEND_TIME], 2);
    assert_int_equal(na->ext_id[SDP_EXT_TWCC], 3);
    assert_int_equal(na->ext_id[SDP_EXT_MID], 4);
    assert_int_equal(na->ext_id[SDP_EXT_RID], 0);
    assert_int_equal(nv->codec_count, 2);
    assert_int_equal(nv->codecs[0].codec, SDP_CODEC_VP8);
    assert_int_equal(nv->codecs[0].pt, 96);
    assert_int_equal(nv->codecs[0].rtx_pt, 97);
    assert_int_equal(nv->codecs[0].red_pt, -1);
    assert_int_equal(nv->codecs[0].feedback, SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC);
    assert_int_equal(nv->codecs[1].codec, SDP_CODEC_H264);
    assert_int_equal(nv->codecs[1].pt, 109);
    assert_int_equal(nv->codecs[1].rtx_pt, 114);
    assert_int_equal(nv->ext_id[SDP_EXT_RID], 10);
    assert_int_equal(nv->ext_id[SDP_EXT_REPAIRED_RID], 11);
    assert_int_equal(nv->ext_id[SDP_EXT_AUDIO_LEVEL], 0);
    assert_ptr_equal(nv->remote, &offer->media[1]);

    /* and our own parser reads the answer back as the browser would */
    struct sdp_session *ans = parse_ok(f, text);
    assert_true(ans->ice_lite);
    assert_int_equal(ans->session_id, 4242424242);
    assert_int_equal(ans->bundle_count, 2);
    assert_int_equal(ans->media_count, 2);
    for (size_t i = 0; i < 2; i++) {
        struct sdp_media *m = &ans->media[i];
        assert_int_equal(m->port, 40000);
        assert_int_equal(m->direction, SDP_RECVONLY);
        assert_int_equal(m->setup, SDP_SETUP_PASSIVE);
        assert_string_equal(m->ice_pwd, ours.ice_pwd);
        assert_string_equal(m->fingerprint, FP_OURS);
        assert_true(m->rtcp_mux);
        assert_true(m->rtcp_rsize);
        assert_int_equal(m->candidate_count, i == 0 ? 1 : 0); /* on the BUNDLE transport */
    }
    struct sdp_media *av = &ans->media[1];
    assert_string_equal(av->mid, "1");
    assert_int_equal(av->codec_count, 4);
    assert_int_equal(sdp_media_codec(av, 114)->apt, 109);
    assert_int_equal(sdp_media_codec(av, 96)->feedback,
                     SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC);
    assert_int_equal(av->rid_count, 3);
    assert_false(av->rids[0].send);
    assert_int_equal(av->simulcast_recv_count, 3);
    assert_int_equal(sdp_media_extmap_id(av, SDP_URI_MID), 4);
    assert_int_equal(sdp_media_extmap_id(av, SDP_URI_ABS_SEND_TIME), 2);
    assert_int_equal(ans->media[0].extmap_count, 4);
    assert_int_equal(ans->media[0].codec_count, 2);
    assert_string_equal(ans->media[0].codecs[0].name, "red");
    assert_true(fmtp_is(sdp_media_codec(&ans->media[0], 111)->fmtp, "usedtx", "1"));

    /* a room that prefers H.264 puts it first */
    buf_reset(&f->out);
    assert_int_equal(sdp_answer(&f->arena, offer, &ours, SDP_PREFER_H264, &f->out, &neg, &err), 0);
    assert_true(has_line(f->out.data, "m=video 40000 UDP/TLS/RTP/SAVPF 109 114 96 97"));
    assert_int_equal(neg->media[1].codecs[0].codec, SDP_CODEC_H264);
}

/* RED is taken only around the Opus we take: without it, or around anything else, the
 * answer is Opus alone. */
static void test_answer_red(void **state)
{
    struct fixture *f = *state;
    struct sdp_negotiated *neg;
    struct sdp_error err = {0};
    const char *no_red =
        replace(f, chromium_offer, "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n", "");
    assert_int_equal(sdp_answer(&f->arena, parse_ok(f, no_red), &ours, 0, &f->out, &neg, &err), 0);
    assert_true(has_line(f->out.data, "m=audio 40000 UDP/TLS/RTP/SAVPF 111"));
    assert_null(strstr(f->out.data, "red/48000"));
    assert_true(has_line(f->out.data, "a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1"));
    assert_int_equal(neg->media[0].codecs[0].red_pt, -1);

    static const char *const refused[] = {"a=fmtp:63 111/0", "a=fmtp:63 0/0", "a=fmtp:63 111/",
                                          "a=fmtp:63 111//111", "a=fmtp:63 x"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        buf_reset(&f->out);
        const char *text = replace(f, chromium_offer, "a=fmtp:63 111/111", refused[i]);
        assert_int_equal(sdp_answer(&f->arena, parse_ok(f, text), &ours, 0, &f->out, &neg, &err),
                         0);
        assert_int_equal(neg->media[0].codecs[0].red_pt, -1);
        assert_true(has_line(f->out.data, "m=audio 40000 UDP/TLS/RTP/SAVPF 111"));
    }
    /* three blocks of the same Opus are fine; so is RED under another number */
    buf_reset(&f->out);
    const char *three = replace(f, chromium_offer, "a=fmtp:63 111/111", "a=fmtp:63 111/111/111");
    assert_int_equal(sdp_answer(&f->arena, parse_ok(f, three), &ours, 0, &f->out, &neg, &err), 0);
    assert_int_equal(neg->media[0].codecs[0].red_pt, 63);
    buf_reset(&f->out);
    const char *other =
        replace(f,
                replace(f, replace(f, chromium_offer, "a=rtpmap:63 red", "a=rtpmap:121 red"),
                        "a=fmtp:63 ", "a=fmtp:121 "),
                "SAVPF 111 63 ", "SAVPF 111 121 ");
    assert_int_equal(sdp_answer(&f->arena, parse_ok(f, other), &ours, 0, &f->out, &neg, &err), 0);
    assert_int_equal(neg->media[0].codecs[0].red_pt, 121);
    assert_true(has_line(f->out.data, "m=audio 40000 UDP/TLS/RTP/SAVPF 121 111"));
    assert_true(has_line(f->out.data, "a=fmtp:121 111/111"));
}

static void test_answer_gstreamer(void **state)
{
    struct fixture *f = *state;
    struct sdp_session *offer = parse_ok(f, gstreamer_offer);
    struct sdp_negotiated *neg;
    struct sdp_error err = {0};
    assert_int_equal(sdp_answer(&f->arena, offer, &ours, 0, &f->out, &neg, &err), 0);
    assert_true(has_line(f->out.data, "a=group:BUNDLE video0 audio1"));
    assert_true(has_line(f->out.data, "m=audio 40000 UDP/TLS/RTP/SAVPF 97"));
    assert_true(has_line(f->out.data, "a=rtpmap:97 opus/48000/2"));
    assert_null(strstr(f->out.data, "extmap-allow-mixed"));
    assert_string_equal(neg->remote_ufrag, "kLxU2h9R3NqGfZ0oBv5sWyTjC8eHdM1P");
    assert_true(neg->media[0].accepted);
    assert_true(neg->media[1].accepted); /* bundle-only: port 0 but wanted */
    assert_int_equal(neg->media[0].codecs[0].pt, 96);
    assert_int_equal(neg->media[0].codecs[0].rtx_pt, -1);
    assert_int_equal(neg->media[0].ext_id[SDP_EXT_TWCC], 1);
    assert_int_equal(neg->media[1].codecs[0].pt, 97);
    assert_int_equal(neg->media[1].codecs[0].feedback, SDP_FB_TWCC);
    struct sdp_session *ans = parse_ok(f, f->out.data);
    assert_int_equal(ans->media_count, 2);
    assert_int_equal(ans->media[0].direction, SDP_RECVONLY);
    assert_string_equal(ans->media[1].mid, "audio1");
    assert_int_equal(ans->media[1].port, 40000);
    assert_int_equal(sdp_media_extmap_id(&ans->media[1], SDP_URI_TWCC), 1);
}

static void expect_answer_error(struct fixture *f, const char *text, const char *code)
{
    struct sdp_session *offer = parse_ok(f, text);
    struct sdp_negotiated *neg = (void *)1;
    struct sdp_error err = {0};
    buf_reset(&f->out);
    assert_int_equal(sdp_answer(&f->arena, offer, &ours, 0, &f->out, &neg, &err), -EINVAL);
    assert_string_equal(err.code, code);
    assert_true(strlen(err.message) > 10);
    assert_null(neg);
    assert_int_equal(f->out.len, 0); /* nothing half-written */
}

static void test_answer_errors(void **state)
{
    struct fixture *f = *state;
    const char *o = chromium_offer;
    expect_answer_error(f, replace(f, o, "a=group:BUNDLE 0 1\r\n", ""), "sdp_not_bundled");
    expect_answer_error(f, replace(f, o, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0"),
                        "sdp_not_bundled");
    expect_answer_error(f, replace(f, o, "a=ice-pwd:8sFz0n1r3mJx9bT5kLwQp2Yd\r\n", ""),
                        "sdp_no_ice_credentials");
    expect_answer_error(f, replace(f, o, "a=fingerprint:sha-256 " FP_A "\r\n", ""),
                        "sdp_no_fingerprint");
    expect_answer_error(f, replace(f, o, "sha-256", "sha-1"), "sdp_unsupported_fingerprint");
    expect_answer_error(f, replace(f, o, "a=setup:actpass", "a=setup:passive"),
                        "sdp_setup_conflict");
    expect_answer_error(f, replace(f, o, "a=rtcp-mux\r\n", ""), "sdp_no_rtcp_mux");
    expect_answer_error(f, replace(f, o, "UDP/TLS/RTP/SAVPF", "RTP/AVP"),
                        "sdp_unsupported_transport");
    expect_answer_error(f, replace(f, o, "a=mid:1\r\n", ""), "sdp_malformed");
    /* video with neither VP8 nor constrained baseline H.264 */
    char *no_video = replace(f, o, "VP8/", "VP7/");
    no_video = replace(f, no_video, "42e01f", "42001f");
    expect_answer_error(f, no_video, "sdp_no_common_codec");
    expect_answer_error(f, replace(f, o, "opus/48000/2", "opus/48000/1"), "sdp_no_common_codec");
    /* with no common codec a section the client only receives on is rejected, not fatal */
    char *recv_only =
        replace(f, no_video, "a=sendonly\r\na=msid:3b4c6a2e-6f4e-4c8e-9c4b-2f0b8f3e1a77 5e6f",
                "a=recvonly\r\na=msid:3b4c6a2e-6f4e-4c8e-9c4b-2f0b8f3e1a77 5e6f");
    struct sdp_session *offer = parse_ok(f, recv_only);
    struct sdp_negotiated *neg;
    struct sdp_error err = {0};
    buf_reset(&f->out);
    assert_int_equal(sdp_answer(&f->arena, offer, &ours, 0, &f->out, &neg, &err), 0);
    assert_false(neg->media[1].accepted);
    assert_true(has_line(f->out.data, "m=video 0 UDP/TLS/RTP/SAVPF 96"));
    assert_true(has_line(f->out.data, "a=group:BUNDLE 0"));
    /* nothing to receive at all */
    expect_answer_error(
        f, replace(f, replace(f, o, "m=audio 9", "m=audio 0"), "m=video 9", "m=video 0"),
        "sdp_no_media");
    /* our own parameters must be whole */
    struct sdp_local broken = ours;
    broken.fingerprint = NULL;
    offer = parse_ok(f, o);
    assert_int_equal(sdp_answer(&f->arena, offer, &broken, 0, &f->out, &neg, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_invalid_argument");
}

static void test_answer_rejects_data_channel(void **state)
{
    struct fixture *f = *state;
    char *with_data = replace(f, chromium_offer, "a=group:BUNDLE 0 1", "a=group:BUNDLE 0 1 2");
    size_t n = strlen(with_data);
    static const char data[] = "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                               "c=IN IP4 0.0.0.0\r\n"
                               "a=ice-ufrag:Xq3h\r\n"
                               "a=ice-pwd:8sFz0n1r3mJx9bT5kLwQp2Yd\r\n"
                               "a=fingerprint:sha-256 " FP_A "\r\n"
                               "a=setup:actpass\r\n"
                               "a=mid:2\r\n"
                               "a=sctp-port:5000\r\n"
                               "a=max-message-size:262144\r\n";
    char *text = arena_alloc(&f->arena, n + sizeof data);
    memcpy(text, with_data, n);
    memcpy(text + n, data, sizeof data);
    struct sdp_session *offer = parse_ok(f, text);
    assert_int_equal(offer->media_count, 3);
    assert_int_equal(offer->media[2].kind, SDP_APPLICATION);
    assert_false(offer->media[2].rtp);
    assert_int_equal(offer->media[2].codec_count, 0);
    assert_string_equal(offer->media[2].formats[0], "webrtc-datachannel");
    struct sdp_negotiated *neg;
    struct sdp_error err = {0};
    assert_int_equal(sdp_answer(&f->arena, offer, &ours, 0, &f->out, &neg, &err), 0);
    assert_false(neg->media[2].accepted);
    assert_true(has_line(f->out.data, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel"));
    assert_true(has_line(f->out.data, "a=group:BUNDLE 0 1"));
    struct sdp_session *ans = parse_ok(f, f->out.data);
    assert_int_equal(ans->media_count, 3);
    assert_int_equal(ans->media[2].port, 0);
    assert_string_equal(ans->media[2].mid, "2");
}

static void expect_parse_error(struct fixture *f, const char *text, size_t len, int rc,
                               const char *code, const char *in_message)
{
    struct sdp_session *s = (void *)1;
    struct sdp_error err = {0};
    assert_int_equal(sdp_parse(&f->arena, text, len, &s, &err), rc);
    assert_null(s);
    assert_string_equal(err.code, code);
    if (in_message && !strstr(err.message, in_message))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, in_message);
}

#define BAD(text, what) expect_parse_error(f, text, sizeof text - 1, -EINVAL, "sdp_malformed", what)

static void test_parse_errors(void **state)
{
    struct fixture *f = *state;
    BAD("", "empty");
    BAD("\r\n\r\n", "empty");
    BAD("s=-\r\nv=0\r\n", "line 1");
    BAD("v=1\r\n", "v=0");
    BAD("v=0\r\nhello\r\n", "line 2");
    BAD("v=0\r\nA=b\r\n", "line 2");
    BAD("v=0\r\ns=a\x01"
        "b\r\n",
        "control");
    BAD("v=0\r\ns=a\rb\r\n", "control");
    BAD("v=0\r\no=- abc 1 IN IP4 0.0.0.0\r\n", "o=");
    BAD("v=0\r\no=- 99999999999999999999 1 IN IP4 0.0.0.0\r\n", "o=");
    BAD("v=0\r\nm=audio 9\r\n", "m=");
    BAD("v=0\r\nm=audio 9 RTP/AVP\r\n", "format");
    BAD("v=0\r\nm=audio 65536 RTP/AVP 0\r\n", "port");
    BAD("v=0\r\nm=audio 9 RTP/AVP 128\r\n", "payload type");
    BAD("v=0\r\nm=audio 9 RTP/AVP 0 0\r\n", "twice");
    BAD("v=0\r\nm=audio 9 RTP/AVP 111\r\na=rtpmap:111 opus\r\n", "rtpmap");
    BAD("v=0\r\nm=audio 9 RTP/AVP 111\r\na=rtpmap:111 opus/0\r\n", "rtpmap");
    BAD("v=0\r\nm=audio 9 RTP/AVP 111\r\na=rtpmap:111 opus/48000/x\r\n", "rtpmap");
    BAD("v=0\r\nm=audio 9 RTP/AVP 111\r\na=extmap:0 urn:x\r\n", "extmap");
    BAD("v=0\r\nm=audio 9 RTP/AVP 111\r\na=extmap:256 urn:x\r\n", "extmap");
    BAD("v=0\r\nm=audio 9 RTP/AVP 111\r\na=extmap:1/sideways urn:x\r\n", "direction");
    BAD("v=0\r\nm=audio 9 RTP/AVP 111\r\na=extmap:1 urn:x\r\na=extmap:1 urn:y\r\n", "same id");
    BAD("v=0\r\na=ice-ufrag:abc\r\n", "ice-ufrag");
    BAD("v=0\r\na=ice-ufrag:ab$d\r\n", "ice-ufrag");
    BAD("v=0\r\na=ice-pwd:short\r\n", "ice-pwd");
    BAD("v=0\r\na=fingerprint:sha-256 AB:CD:E\r\n", "fingerprint");
    BAD("v=0\r\na=fingerprint:sha-256\r\n", "fingerprint");
    BAD("v=0\r\na=setup:sideways\r\n", "setup");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=rid:q\r\n", "rid");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=rid:q! send\r\n", "rid");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=rid:q send\r\na=rid:q send\r\n", "same id");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=simulcast:send q;;f\r\n", "simulcast");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=simulcast:sideways q\r\n", "simulcast");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=simulcast:send q send h\r\n", "simulcast");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=ssrc:4294967296 cname:x\r\n", "ssrc");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=ssrc-group:FID 1 x\r\n", "ssrc-group");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=mid:\r\n", "mid");
    BAD("v=0\r\nm=video 9 RTP/AVP 96\r\na=mid:0123456789abcdef0123456789abcdef0\r\n", "mid");
    BAD("v=0\r\na=group:BUNDLE 0 \x7f\r\n", "control");
    BAD("v=0\r\nm=audio 9 RTP/AVP 0\r\na=mid:a\r\nm=audio 9 RTP/AVP 0\r\na=mid:a\r\n", "a=mid:a");
    /* line numbers count blank lines too */
    BAD("v=0\r\n\r\nm=audio x RTP/AVP 0\r\n", "line 3");

    /* too large, and too many sections */
    size_t big = SDP_MAX_BYTES + 1;
    char *huge = arena_alloc(&f->arena, big);
    memset(huge, 'x', big);
    expect_parse_error(f, huge, big, -ENOSPC, "sdp_too_large", "65536");
    struct buf b = {0};
    buf_puts(&b, "v=0\r\n");
    for (int i = 0; i <= SDP_MAX_MEDIA; i++)
        buf_puts(&b, "m=audio 9 RTP/AVP 0\r\n");
    expect_parse_error(f, b.data, b.len, -ENOSPC, "sdp_too_large", "media sections");
    buf_reset(&b);
    buf_puts(&b, "v=0\r\nm=audio 9 RTP/AVP 0\r\n");
    for (int i = 0; i <= 64; i++)
        buf_printf(&b, "a=ssrc:%d cname:x\r\n", i + 1);
    expect_parse_error(f, b.data, b.len, -ENOSPC, "sdp_too_large", "SSRCs");
    buf_free(&b);
    /* a NUL inside the text */
    expect_parse_error(f, "v=0\r\ns=a\0b\r\n", 12, -EINVAL, "sdp_malformed", "control");

    /* tolerated: unknown lines and attributes, a missing trailing newline, attributes for
     * payload types not on the m= line, session-level defaults */
    struct sdp_session *s = parse_ok(f, "v=0\r\nz=whatever\r\na=sendonly\r\na=ice-ufrag:abcd\r\n"
                                        "m=audio 9 RTP/AVP 0\r\na=rtpmap:5 x/1\r\na=fmtp:7 y\r\n"
                                        "a=rtcp-fb:* nack\r\na=unknown-thing:1\r\na=mid:a");
    assert_int_equal(s->media[0].direction, SDP_SENDONLY);
    assert_string_equal(s->media[0].ice_ufrag, "abcd");
    assert_string_equal(s->media[0].mid, "a");
    assert_int_equal(s->media[0].codecs[0].feedback, SDP_FB_NACK);
    assert_null(s->media[0].codecs[0].name);
    assert_null(s->bundle);
}

static void test_truncation(void **state)
{
    /* every prefix of both offers either parses or fails cleanly, and whatever parses and
     * is answered gives an answer that parses */
    const char *offers[] = {chromium_offer, gstreamer_offer};
    size_t answered = 0;
    for (size_t k = 0; k < 2; k++) {
        size_t len = strlen(offers[k]);
        for (size_t n = 0; n <= len; n++) {
            struct arena a = {0};
            struct sdp_session *s;
            struct sdp_error err = {0};
            char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */
            memcpy(copy, offers[k], n);
            int rc = sdp_parse(&a, copy, n, &s, &err);
            if (rc == 0) {
                struct buf out = {0};
                struct sdp_negotiated *neg;
                if (sdp_answer(&a, s, &ours, 0, &out, &neg, &err) == 0) {
                    struct sdp_session *back;
                    assert_int_equal(sdp_parse(&a, out.data, out.len, &back, &err), 0);
                    answered++;
                }
                buf_free(&out);
            } else {
                assert_non_null(err.code);
            }
            free(copy);
            arena_free(&a);
        }
    }
    assert_true(answered > 100);
}

/* Chromium's answer to the subscribe offer in test_subscribe_offer. */
static const char chromium_answer[] =
    "v=0\r\n"
    "o=- 4215432315484715320 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Zk9a\r\n"
    "a=ice-pwd:Bq0pT4hV8nW2xL6cF1sJ5mYr\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 " FP_A "\r\n"
    "a=setup:active\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Zk9a\r\n"
    "a=ice-pwd:Bq0pT4hV8nW2xL6cF1sJ5mYr\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 " FP_A "\r\n"
    "a=setup:active\r\n"
    "a=mid:1\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102 103\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Zk9a\r\n"
    "a=ice-pwd:Bq0pT4hV8nW2xL6cF1sJ5mYr\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 " FP_A "\r\n"
    "a=setup:active\r\n"
    "a=mid:2\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=inactive\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 transport-cc\r\n"
    "a=rtcp-fb:102 ccm fir\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n";

static const struct sdp_track tracks[] = {
    {"0", SDP_AUDIO, SDP_CODEC_OPUS, 0x1111, 0, "ana", "ana-mic", "confide", true},
    {"1", SDP_VIDEO, SDP_CODEC_VP8, 0x2222, 0x3333, "ana", "ana-cam", "confide", true},
    {"2", SDP_VIDEO, SDP_CODEC_H264, 0x4444, 0x5555, "bo", "bo-cam", "confide", false},
};

static void test_subscribe_offer(void **state)
{
    struct fixture *f = *state;
    struct sdp_error err = {0};
    assert_int_equal(sdp_offer(&ours, tracks, 3, &f->out, &err), 0);
    const char *text = f->out.data;
    assert_true(has_line(text, "a=group:BUNDLE 0 1 2"));
    assert_true(has_line(text, "a=setup:actpass"));
    assert_true(has_line(text, "a=ssrc-group:FID 8738 13107"));
    assert_true(has_line(text, "a=ssrc:8738 msid:ana ana-cam"));
    assert_true(has_line(text, "m=video 40000 UDP/TLS/RTP/SAVPF 102 103"));
    assert_true(has_line(text, "m=audio 40000 UDP/TLS/RTP/SAVPF 111 63"));
    assert_true(has_line(text, "a=fmtp:63 111/111"));

    struct sdp_session *s = parse_ok(f, text);
    assert_true(s->ice_lite);
    assert_int_equal(s->media_count, 3);
    struct sdp_media *a = &s->media[0], *v = &s->media[1], *gone = &s->media[2];
    assert_int_equal(a->kind, SDP_AUDIO);
    assert_int_equal(a->direction, SDP_SENDONLY);
    assert_int_equal(a->setup, SDP_SETUP_ACTPASS);
    assert_string_equal(a->msid_stream, "ana");
    assert_string_equal(a->msid_track, "ana-mic");
    assert_int_equal(a->codec_count, 2);
    assert_int_equal(a->codecs[0].pt, SDP_PT_OPUS);
    assert_true(fmtp_is(a->codecs[0].fmtp, "useinbandfec", "1"));
    assert_true(fmtp_is(a->codecs[0].fmtp, "usedtx", "1"));
    assert_string_equal(sdp_media_codec(a, SDP_PT_RED)->name, "red");
    assert_int_equal(sdp_media_codec(a, SDP_PT_RED)->clock_rate, 48000);
    assert_int_equal(sdp_media_extmap_id(a, SDP_URI_AUDIO_LEVEL), SDP_ID_AUDIO_LEVEL);
    assert_int_equal(sdp_media_extmap_id(a, SDP_URI_TWCC), SDP_ID_TWCC);
    assert_int_equal(a->ssrc_count, 1);
    assert_int_equal(a->ssrcs[0].ssrc, 0x1111);
    assert_string_equal(a->ssrcs[0].cname, "confide");
    assert_int_equal(a->candidate_count, 1);
    assert_int_equal(v->direction, SDP_SENDONLY);
    assert_int_equal(v->codec_count, 2);
    assert_int_equal(sdp_media_codec(v, SDP_PT_VP8_RTX)->apt, SDP_PT_VP8);
    assert_int_equal(v->ssrc_group_count, 1);
    assert_string_equal(v->ssrc_groups[0].semantics, "FID");
    assert_int_equal(v->ssrc_groups[0].ssrcs[1], 0x3333);
    assert_int_equal(v->ssrc_count, 2);
    assert_int_equal(v->candidate_count, 0);
    assert_int_equal(sdp_media_codec(v, SDP_PT_VP8)->feedback,
                     SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC);
    assert_int_equal(gone->direction, SDP_INACTIVE);
    assert_int_equal(gone->port, 40000); /* still on the transport */
    assert_int_equal(gone->ssrc_count, 0);
    assert_null(gone->msid_stream);
    assert_true(fmtp_is(sdp_media_codec(gone, SDP_PT_H264)->fmtp, "profile-level-id", "42e01f"));

    /* the browser's answer */
    struct sdp_session *ans = parse_ok(f, chromium_answer);
    struct sdp_negotiated *neg;
    assert_int_equal(sdp_accept_answer(&f->arena, ans, tracks, 3, &neg, &err), 0);
    assert_string_equal(neg->remote_ufrag, "Zk9a");
    assert_string_equal(neg->remote_fingerprint, FP_A);
    assert_int_equal(neg->media_count, 3);
    assert_true(neg->media[0].accepted);
    assert_int_equal(neg->media[0].direction, SDP_SENDONLY);
    assert_int_equal(neg->media[0].codecs[0].pt, SDP_PT_OPUS);
    assert_int_equal(neg->media[0].codecs[0].feedback, SDP_FB_TWCC);
    assert_int_equal(neg->media[0].codecs[0].red_pt, -1); /* this answer left RED out */
    assert_int_equal(neg->media[0].ext_id[SDP_EXT_AUDIO_LEVEL], SDP_ID_AUDIO_LEVEL);
    assert_int_equal(neg->media[0].ext_id[SDP_EXT_TWCC], SDP_ID_TWCC);
    assert_int_equal(neg->media[1].codecs[0].rtx_pt, SDP_PT_VP8_RTX);
    assert_int_equal(neg->media[1].codecs[0].feedback,
                     SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC);
    assert_int_equal(neg->media[1].ext_id[SDP_EXT_AUDIO_LEVEL], 0);
    assert_int_equal(neg->media[2].direction, SDP_INACTIVE);
    assert_int_equal(neg->media[2].codecs[0].codec, SDP_CODEC_H264);

    /* an answer that takes RED too: the router then forwards RED as it comes */
    struct sdp_session *red =
        parse_ok(f, replace(f,
                            replace(f, chromium_answer, "m=audio 9 UDP/TLS/RTP/SAVPF 111",
                                    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63"),
                            "a=fmtp:111 minptime=10;useinbandfec=1\r\n",
                            "a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:63 "
                            "red/48000/2\r\na=fmtp:63 111/111\r\n"));
    assert_int_equal(sdp_accept_answer(&f->arena, red, tracks, 3, &neg, &err), 0);
    assert_int_equal(neg->media[0].codecs[0].pt, SDP_PT_OPUS);
    assert_int_equal(neg->media[0].codecs[0].red_pt, SDP_PT_RED);
    assert_int_equal(neg->media[1].codecs[0].red_pt, -1);

    /* answers that do not fit */
    struct sdp_session *bad =
        parse_ok(f, replace(f, chromium_answer, "a=setup:active", "a=setup:passive"));
    assert_int_equal(sdp_accept_answer(&f->arena, bad, tracks, 3, &neg, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_setup_conflict");
    assert_int_equal(sdp_accept_answer(&f->arena, ans, tracks, 2, &neg, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_answer_mismatch");
    bad = parse_ok(f, replace(f, chromium_answer, "a=mid:1", "a=mid:9"));
    assert_int_equal(sdp_accept_answer(&f->arena, bad, tracks, 3, &neg, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_answer_mismatch");
    bad = parse_ok(f, replace(f, chromium_answer, "a=rtpmap:96 VP8", "a=rtpmap:96 VP9"));
    assert_int_equal(sdp_accept_answer(&f->arena, bad, tracks, 3, &neg, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_no_common_codec");
    bad = parse_ok(f, replace(f, chromium_answer, "a=ice-ufrag:Zk9a\r\n", ""));
    assert_int_equal(sdp_accept_answer(&f->arena, bad, tracks, 3, &neg, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_no_ice_credentials");
    /* a rejected section is fine */
    bad = parse_ok(f, replace(f, chromium_answer, "m=video 9 UDP/TLS/RTP/SAVPF 102",
                              "m=video 0 UDP/TLS/RTP/SAVPF 102"));
    assert_int_equal(sdp_accept_answer(&f->arena, bad, tracks, 3, &neg, &err), 0);
    assert_false(neg->media[2].accepted);

    /* offers we refuse to write */
    struct sdp_track t[2] = {tracks[0], tracks[1]};
    buf_reset(&f->out);
    assert_int_equal(sdp_offer(&ours, t, 0, &f->out, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_no_media");
    t[1].mid = "0";
    assert_int_equal(sdp_offer(&ours, t, 2, &f->out, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_invalid_argument");
    t[1] = tracks[1];
    t[1].codec = SDP_CODEC_OPUS;
    assert_int_equal(sdp_offer(&ours, t, 2, &f->out, &err), -EINVAL);
    t[1] = tracks[1];
    t[1].track_id = "has space";
    assert_int_equal(sdp_offer(&ours, t, 2, &f->out, &err), -EINVAL);
    assert_int_equal(f->out.len, 0);
}

static void test_ipv6_candidate(void **state)
{
    struct fixture *f = *state;
    struct sdp_local v6 = ours;
    v6.host = "2001:db8::7";
    struct sdp_error err;
    assert_int_equal(sdp_offer(&v6, tracks, 1, &f->out, &err), 0);
    assert_true(has_line(f->out.data, "c=IN IP6 2001:db8::7"));
    assert_true(has_line(f->out.data, "a=candidate:1 1 udp 2130706431 2001:db8::7 40000 typ host"));
}

/* ICE-TCP: each address once more as a passive TCP candidate, below every UDP one. */
static void test_tcp_candidates(void **state)
{
    struct fixture *f = *state;
    static const char *const more[] = {"192.0.2.10"};
    struct sdp_local two = ours;
    two.more_hosts = more;
    two.more_host_count = 1;
    two.tcp = true;
    struct sdp_error err;
    assert_int_equal(sdp_offer(&two, tracks, 1, &f->out, &err), 0);
    assert_true(has_line(f->out.data, "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"));
    assert_true(has_line(f->out.data, "a=candidate:2 1 udp 2130706175 192.0.2.10 40000 typ host"));
    assert_true(has_line(f->out.data,
                         "a=candidate:3 1 tcp 2124414975 127.0.0.1 40000 typ host tcptype passive"));
    assert_true(has_line(f->out.data,
                         "a=candidate:4 1 tcp 2124414719 192.0.2.10 40000 typ host tcptype passive"));
    struct sdp_session *back = parse_ok(f, f->out.data);
    assert_int_equal(back->media[0].candidate_count, 4);
    /* and off, none */
    two.tcp = false;
    buf_reset(&f->out);
    assert_int_equal(sdp_offer(&two, tracks, 1, &f->out, &err), 0);
    assert_null(strstr(f->out.data, " tcp "));
}

/* A server on a clinic's network and the internet announces both; the first is preferred. */
static void test_more_hosts(void **state)
{
    struct fixture *f = *state;
    static const char *const more[] = {"192.0.2.10", "2001:db8::7"};
    struct sdp_local two = ours;
    two.more_hosts = more;
    two.more_host_count = 2;
    struct sdp_error err;
    assert_int_equal(sdp_offer(&two, tracks, 1, &f->out, &err), 0);
    assert_true(has_line(f->out.data, "c=IN IP4 127.0.0.1"));
    assert_true(has_line(f->out.data, "a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"));
    assert_true(has_line(f->out.data, "a=candidate:2 1 udp 2130706175 192.0.2.10 40000 typ host"));
    assert_true(has_line(f->out.data, "a=candidate:3 1 udp 2130705919 2001:db8::7 40000 typ host"));
    /* and a parser reads them back as three candidates */
    struct sdp_session *back = parse_ok(f, f->out.data);
    assert_int_equal(back->media[0].candidate_count, 3);
    /* an address that is not a token is refused, and nothing is written */
    static const char *const bad[] = {"a b"};
    two.more_hosts = bad;
    two.more_host_count = 1;
    buf_reset(&f->out);
    assert_int_equal(sdp_offer(&two, tracks, 1, &f->out, &err), -EINVAL);
    assert_string_equal(err.code, "sdp_invalid_argument");
}

static void test_helpers(void **state)
{
    const char *v;
    size_t n;
    assert_true(sdp_fmtp_param("a=1; b=22 ;c=", "b", &v, &n));
    assert_int_equal(n, 2);
    assert_memory_equal(v, "22", 2);
    assert_true(sdp_fmtp_param("a=1; b=22 ;c=", "c", &v, &n));
    assert_int_equal(n, 0);
    assert_true(sdp_fmtp_param("Apt=96", "apt", &v, &n));
    assert_false(sdp_fmtp_param("a=1;bb=2", "b", &v, &n));
    assert_false(sdp_fmtp_param("111/111", "apt", &v, &n));
    assert_false(sdp_fmtp_param("", "a", &v, &n));

    uint8_t fp[64];
    assert_int_equal(sdp_fingerprint_decode(FP_A, fp, sizeof fp, &n), 0);
    assert_int_equal(n, 32);
    assert_int_equal(fp[0], 0x6B);
    assert_int_equal(fp[31], 0xBC);
    assert_int_equal(sdp_fingerprint_decode("ab:cd", fp, sizeof fp, &n), 0);
    assert_int_equal(fp[1], 0xCD);
    assert_int_equal(sdp_fingerprint_decode(FP_A, fp, 31, &n), -ENOSPC);
    assert_int_equal(sdp_fingerprint_decode("ab:c", fp, sizeof fp, &n), -EINVAL);
    assert_int_equal(sdp_fingerprint_decode("ab:", fp, sizeof fp, &n), -EINVAL);
    assert_int_equal(sdp_fingerprint_decode("", fp, sizeof fp, &n), -EINVAL);
    assert_string_equal(sdp_ext_uri(SDP_EXT_TWCC), SDP_URI_TWCC);
    assert_null(sdp_ext_uri(SDP_EXT_COUNT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_chromium, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_gstreamer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_chromium, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_red, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_gstreamer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_rejects_data_channel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscribe_offer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_hosts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_candidate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_candidates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_helpers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* sdp_negotiate: confide's side of an offer/answer exchange. The publish transport's
 * answer (ICE-lite, DTLS passive, the codecs and extensions the router forwards), the
 * subscribe transport's offer (one sendonly section per track), and the check of the
 * browser's answer to it. Parsing is sfu/sdp.c's. */
#include "sfu/sdp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sfu/sdp_internal.h"

/* ---- negotiation ---- */

static bool codec_named(const struct sdp_codec *c, const char *name, uint32_t rate)
{
    return c->name && strcasecmp(c->name, name) == 0 && c->clock_rate == rate;
}

/* Constrained Baseline as RFC 6184 profile-level-id spells it: profile_idc 42 with
 * constraint_set1, 4D with constraint_set0, or 58 with both (what libwebrtc also reads
 * as constrained baseline). */
static bool h264_constrained_baseline(const char *plid, size_t n)
{
    if (n != 6)
        return false;
    for (size_t i = 0; i < 6; i++) {
        if (!sdp_is_hex(plid[i]))
            return false;
    }
    unsigned idc = (unsigned)(sdp_hex_value(plid[0]) << 4 | sdp_hex_value(plid[1]));
    unsigned iop = (unsigned)(sdp_hex_value(plid[2]) << 4 | sdp_hex_value(plid[3]));
    return (idc == 0x42 && (iop & 0x40)) || (idc == 0x4d && (iop & 0x80)) ||
           (idc == 0x58 && (iop & 0xc0) == 0xc0);
}

static enum sdp_codec_id codec_id(const struct sdp_codec *c)
{
    if (codec_named(c, "opus", 48000) && c->channels == 2)
        return SDP_CODEC_OPUS;
    if (codec_named(c, "VP8", 90000))
        return SDP_CODEC_VP8;
    if (codec_named(c, "H264", 90000) && c->fmtp) {
        const char *v;
        size_t n;
        if (!sdp_fmtp_param(c->fmtp, "packetization-mode", &v, &n) || n != 1 || v[0] != '1')
            return SDP_CODEC_NONE;
        if (!sdp_fmtp_param(c->fmtp, "profile-level-id", &v, &n) ||
            !h264_constrained_baseline(v, n))
            return SDP_CODEC_NONE;
        return SDP_CODEC_H264;
    }
    return SDP_CODEC_NONE;
}

static const char *codec_name(enum sdp_codec_id id)
{
    return id == SDP_CODEC_OPUS ? "opus" : id == SDP_CODEC_VP8 ? "VP8" : "H264";
}

/* The rtx payload type repairing pt, or -1. */
static int rtx_for(const struct sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < m->codec_count; i++) {
        if (m->codecs[i].apt == pt && codec_named(&m->codecs[i], "rtx", 90000))
            return m->codecs[i].pt;
    }
    return -1;
}

/* An RED fmtp ("111/111": the payload type of each block, '/' between) naming pt alone. */
static bool red_blocks_are(const char *fmtp, uint8_t pt)
{
    for (const char *f = fmtp;; f++) {
        unsigned v = 0, digits = 0;
        for (; *f >= '0' && *f <= '9' && digits < 4; f++, digits++)
            v = v * 10 + (unsigned)(*f - '0');
        if (digits == 0 || v != pt)
            return false;
        if (*f == '\0')
            return true;
        if (*f != '/')
            return false;
    }
}

/* The RED (RFC 2198) payload type around opus_pt, or -1. Every block must be that Opus, or
 * a receiver could not decode what it carries. */
static int red_for(const struct sdp_media *m, uint8_t opus_pt)
{
    for (size_t i = 0; i < m->codec_count; i++) {
        const struct sdp_codec *c = &m->codecs[i];
        if (codec_named(c, "red", 48000) && c->channels == 2 && c->fmtp &&
            red_blocks_are(c->fmtp, opus_pt))
            return c->pt;
    }
    return -1;
}

static const char *kind_word(enum sdp_kind k)
{
    return k == SDP_AUDIO ? "audio" : "video";
}

static bool in_bundle(const struct sdp_session *s, const char *mid)
{
    for (size_t i = 0; i < s->bundle_count; i++) {
        if (strcmp(s->bundle[i], mid) == 0)
            return true;
    }
    return false;
}

static bool ext_accepted(enum sdp_kind kind, enum sdp_ext e)
{
    if (e == SDP_EXT_AUDIO_LEVEL)
        return kind == SDP_AUDIO;
    if (e == SDP_EXT_RID || e == SDP_EXT_REPAIRED_RID)
        return kind == SDP_VIDEO;
    return true;
}

/* The codecs we take from a section, in our order of preference: audio Opus; video VP8
 * then H.264 (or the reverse). The first of each kind in the offer wins. */
static void choose_codecs(const struct sdp_media *m, unsigned flags,
                          struct sdp_negotiated_media *nm)
{
    enum sdp_codec_id order[2] = {SDP_CODEC_VP8, SDP_CODEC_H264};
    if (flags & SDP_PREFER_H264) {
        order[0] = SDP_CODEC_H264;
        order[1] = SDP_CODEC_VP8;
    }
    if (m->kind == SDP_AUDIO) {
        order[0] = SDP_CODEC_OPUS;
        order[1] = SDP_CODEC_NONE;
    }
    unsigned wanted =
        m->kind == SDP_AUDIO ? SDP_FB_TWCC : SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC;
    nm->codec_count = 0;
    for (int k = 0; k < 2 && order[k] != SDP_CODEC_NONE; k++) {
        for (size_t i = 0; i < m->codec_count; i++) {
            const struct sdp_codec *c = &m->codecs[i];
            if (codec_id(c) != order[k])
                continue;
            struct sdp_choice *ch = &nm->codecs[nm->codec_count++];
            ch->codec = order[k];
            ch->pt = c->pt;
            ch->rtx_pt = m->kind == SDP_VIDEO ? rtx_for(m, c->pt) : -1;
            ch->red_pt = m->kind == SDP_AUDIO ? red_for(m, c->pt) : -1;
            ch->feedback = c->feedback & wanted;
            break;
        }
    }
}

static const char *ip_family(const char *host)
{
    return strchr(host, ':') ? "IP6" : "IP4";
}

static bool local_ok(const struct sdp_local *l)
{
    if (!l || l->more_host_count > 8 || (l->more_host_count && !l->more_hosts))
        return false;
    for (size_t i = 0; i < l->more_host_count; i++)
        if (!l->more_hosts[i] || !sdp_is_token(l->more_hosts[i], MAX_TOKEN))
            return false;
    return l->ice_ufrag && l->ice_pwd && l->fingerprint_alg && l->fingerprint && l->host &&
           sdp_is_ice(l->ice_ufrag, 4, 256) && sdp_is_ice(l->ice_pwd, 22, 256) &&
           sdp_is_token(l->fingerprint_alg, MAX_ID) && sdp_valid_fingerprint(l->fingerprint) &&
           sdp_is_token(l->host, MAX_TOKEN);
}

static void write_session(struct buf *out, const struct sdp_local *l)
{
    buf_printf(out,
               "v=0\r\no=- %" PRIu64 " %" PRIu64 " IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
               "a=ice-lite\r\n",
               l->session_id, l->session_version);
}

static void write_transport(struct buf *out, const struct sdp_local *l, const char *setup)
{
    buf_printf(out,
               "c=IN %s %s\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s %s\r\n"
               "a=setup:%s\r\n",
               ip_family(l->host), l->host, l->ice_ufrag, l->ice_pwd, l->fingerprint_alg,
               l->fingerprint, setup);
}

static void write_candidate(struct buf *out, const struct sdp_local *l)
{
    /* host candidates, component 1 (RFC 8445 §5.1.2.1): type preference 126, the local
     * preference falling in the order the addresses were given */
    for (size_t i = 0; i <= l->more_host_count; i++)
        buf_printf(out, "a=candidate:%zu 1 udp %lu %s %u typ host\r\n", i + 1,
                   2130706431ul - ((unsigned long)i << 8), i ? l->more_hosts[i - 1] : l->host,
                   l->port);
    /* ICE-TCP (RFC 6544's prioritisation): the browser connects, so ours are passive
     * (direction preference 4 of a host's 6/4/2), below every UDP candidate: TCP is the way
     * out when UDP does not get through, never the first choice */
    for (size_t i = 0; l->tcp && i <= l->more_host_count; i++)
        buf_printf(out, "a=candidate:%zu 1 tcp %lu %s %u typ host tcptype passive\r\n",
                   l->more_host_count + i + 2, (126ul << 24) + ((4ul << 13) + 8191 - i) * 256 + 255,
                   i ? l->more_hosts[i - 1] : l->host, l->port);
    buf_puts(out, "a=end-of-candidates\r\n");
}

static void write_feedback(struct buf *out, uint8_t pt, unsigned fb)
{
    if (fb & SDP_FB_TWCC)
        buf_printf(out, "a=rtcp-fb:%u transport-cc\r\n", pt);
    if (fb & SDP_FB_FIR)
        buf_printf(out, "a=rtcp-fb:%u ccm fir\r\n", pt);
    if (fb & SDP_FB_NACK)
        buf_printf(out, "a=rtcp-fb:%u nack\r\n", pt);
    if (fb & SDP_FB_PLI)
        buf_printf(out, "a=rtcp-fb:%u nack pli\r\n", pt);
}

/* rtpmap, rtcp-fb and fmtp for one codec and its rtx; h264_plid is the profile-level-id
 * to state (the offer's, or ours). */
static void write_codec(struct buf *out, const struct sdp_choice *c, const char *h264_plid)
{
    switch (c->codec) {
    case SDP_CODEC_OPUS:
        buf_printf(out, "a=rtpmap:%u opus/48000/2\r\n", c->pt);
        write_feedback(out, c->pt, c->feedback);
        /* in-band FEC and DTX (nearly nothing sent in silence) ask the sender for both */
        buf_printf(out, "a=fmtp:%u minptime=10;useinbandfec=1;usedtx=1\r\n", c->pt);
        if (c->red_pt >= 0)
            buf_printf(out, "a=rtpmap:%d red/48000/2\r\na=fmtp:%d %u/%u\r\n", c->red_pt, c->red_pt,
                       c->pt, c->pt);
        break;
    case SDP_CODEC_VP8:
        buf_printf(out, "a=rtpmap:%u VP8/90000\r\n", c->pt);
        write_feedback(out, c->pt, c->feedback);
        break;
    case SDP_CODEC_H264:
        buf_printf(out, "a=rtpmap:%u H264/90000\r\n", c->pt);
        write_feedback(out, c->pt, c->feedback);
        buf_printf(out,
                   "a=fmtp:%u level-asymmetry-allowed=1;packetization-mode=1;"
                   "profile-level-id=%s\r\n",
                   c->pt, h264_plid);
        break;
    case SDP_CODEC_NONE:
        return;
    }
    if (c->rtx_pt >= 0)
        buf_printf(out, "a=rtpmap:%d rtx/90000\r\na=fmtp:%d apt=%u\r\n", c->rtx_pt, c->rtx_pt,
                   c->pt);
}

static void write_simulcast_answer(struct buf *out, const struct sdp_media *m)
{
    /* receive every RID the client declared for sending and lists in a=simulcast */
    size_t written = 0;
    int last_stream = -1;
    struct buf list = {0};
    for (size_t i = 0; i < m->simulcast_send_count; i++) {
        const struct sdp_simulcast_rid *s = &m->simulcast_send[i];
        bool declared = false;
        for (size_t k = 0; k < m->rid_count; k++)
            declared |= m->rids[k].send && strcmp(m->rids[k].id, s->rid) == 0;
        if (!declared)
            continue;
        buf_printf(out, "a=rid:%s recv\r\n", s->rid);
        if (written)
            buf_puts(&list, (int)s->stream == last_stream ? "," : ";");
        buf_printf(&list, "%s%s", s->paused ? "~" : "", s->rid);
        last_stream = (int)s->stream;
        written++;
    }
    if (written)
        buf_printf(out, "a=simulcast:recv %s\r\n", list.data);
    buf_free(&list);
}

/* The profile-level-id to answer for H.264: the offer's (checked to be 6 hex digits). */
static void offered_plid(const struct sdp_media *m, const struct sdp_choice *c, char plid[7])
{
    strcpy(plid, "42e01f");
    const struct sdp_codec *oc = sdp_media_codec(m, c->pt);
    const char *v;
    size_t n;
    if (oc && oc->fmtp && sdp_fmtp_param(oc->fmtp, "profile-level-id", &v, &n) && n == 6) {
        memcpy(plid, v, 6);
        plid[6] = '\0';
    }
}

int sdp_answer(struct arena *a, const struct sdp_session *offer, const struct sdp_local *local,
               unsigned flags, struct buf *out, struct sdp_negotiated **negp, struct sdp_error *err)
{
    *negp = NULL;
    if (!local_ok(local))
        return sdp_fail(err, -EINVAL, "sdp_invalid_argument",
                        "The server's own transport "
                        "parameters are incomplete.");
    struct sdp_negotiated *neg = arena_alloc(a, sizeof *neg);
    neg->media_count = offer->media_count;
    neg->media = arena_alloc(a, (offer->media_count ? offer->media_count : 1) * sizeof *neg->media);

    const struct sdp_media *transport = NULL; /* the first accepted section */
    for (size_t i = 0; i < offer->media_count; i++) {
        const struct sdp_media *m = &offer->media[i];
        struct sdp_negotiated_media *nm = &neg->media[i];
        nm->remote = m;
        nm->mid = m->mid;
        nm->kind = m->kind;
        nm->direction = SDP_INACTIVE;
        bool rejected = m->port == 0 && !m->bundle_only;
        if ((m->kind != SDP_AUDIO && m->kind != SDP_VIDEO) || !m->rtp || rejected)
            continue;
        const char *kind = kind_word(m->kind);
        if (!m->mid)
            return sdp_fail(err, -EINVAL, "sdp_malformed",
                            "The %s section (number %zu) has no a=mid.", kind, i + 1);
        if (strcmp(m->proto, "UDP/TLS/RTP/SAVPF") != 0 && strcmp(m->proto, "UDP/TLS/RTP/SAVP"))
            return sdp_fail(err, -EINVAL, "sdp_unsupported_transport",
                            "The %s section (mid %s) uses %s; this server needs "
                            "UDP/TLS/RTP/SAVPF (DTLS-SRTP over UDP).",
                            kind, m->mid, m->proto);
        if (!in_bundle(offer, m->mid))
            return sdp_fail(err, -EINVAL, "sdp_not_bundled",
                            "The %s section (mid %s) is not in an a=group:BUNDLE; this server "
                            "carries all media on one transport (bundle policy max-bundle).",
                            kind, m->mid);
        if (!m->rtcp_mux)
            return sdp_fail(err, -EINVAL, "sdp_no_rtcp_mux",
                            "The %s section (mid %s) has no a=rtcp-mux; this server needs RTP "
                            "and RTCP on one port.",
                            kind, m->mid);
        choose_codecs(m, flags, nm);
        bool sends = m->direction == SDP_SENDRECV || m->direction == SDP_SENDONLY;
        if (nm->codec_count == 0) {
            if (sends)
                return sdp_fail(
                    err, -EINVAL, "sdp_no_common_codec",
                    "The %s section (mid %s) offers no codec this server takes: %s.", kind, m->mid,
                    m->kind == SDP_AUDIO
                        ? "Opus (opus/48000/2)"
                        : "VP8, or H.264 constrained baseline with packetization-mode=1");
            continue;
        }
        nm->accepted = true;
        nm->direction = sends ? SDP_RECVONLY : SDP_INACTIVE;
        for (size_t e = 0; e < SDP_EXT_COUNT; e++) {
            if (ext_accepted(m->kind, (enum sdp_ext)e))
                nm->ext_id[e] = sdp_media_extmap_id(m, sdp_ext_uri((enum sdp_ext)e));
        }
        if (!transport)
            transport = m;
    }
    if (!transport)
        return sdp_fail(err, -EINVAL, "sdp_no_media",
                        "The offer has no audio or video section this server can receive.");
    if (!transport->ice_ufrag || !transport->ice_pwd)
        return sdp_fail(err, -EINVAL, "sdp_no_ice_credentials",
                        "The offer has no a=ice-ufrag and a=ice-pwd.");
    if (!transport->fingerprint)
        return sdp_fail(err, -EINVAL, "sdp_no_fingerprint",
                        "The offer has no a=fingerprint for DTLS.");
    if (strcmp(transport->fingerprint_alg, "sha-256") &&
        strcmp(transport->fingerprint_alg, "sha-384") &&
        strcmp(transport->fingerprint_alg, "sha-512"))
        return sdp_fail(err, -EINVAL, "sdp_unsupported_fingerprint",
                        "The offer's fingerprint uses %s; this server checks sha-256, sha-384 or "
                        "sha-512.",
                        transport->fingerprint_alg);
    if (transport->setup == SDP_SETUP_PASSIVE || transport->setup == SDP_SETUP_HOLDCONN)
        return sdp_fail(err, -EINVAL, "sdp_setup_conflict",
                        "The offer has a=setup:%s; this server is always the DTLS server, so the "
                        "offer must say actpass or active.",
                        transport->setup == SDP_SETUP_PASSIVE ? "passive" : "holdconn");
    neg->remote_ufrag = transport->ice_ufrag;
    neg->remote_pwd = transport->ice_pwd;
    neg->remote_fingerprint_alg = transport->fingerprint_alg;
    neg->remote_fingerprint = transport->fingerprint;

    write_session(out, local);
    buf_puts(out, "a=group:BUNDLE");
    for (size_t b = 0; b < offer->bundle_count; b++) {
        for (size_t i = 0; i < offer->media_count; i++) {
            if (neg->media[i].accepted && strcmp(offer->media[i].mid, offer->bundle[b]) == 0) {
                buf_printf(out, " %s", offer->bundle[b]);
                break;
            }
        }
    }
    buf_puts(out, "\r\n");
    /* no a=extmap-allow-mixed: publishers keep to the one-byte form, so their extensions
     * can be renumbered in place for subscribers, who have not agreed to two-byte headers */
    buf_puts(out, "a=msid-semantic: WMS\r\n");

    bool first = true;
    for (size_t i = 0; i < offer->media_count; i++) {
        const struct sdp_media *m = &offer->media[i];
        const struct sdp_negotiated_media *nm = &neg->media[i];
        if (!nm->accepted) {
            /* rejected: port 0, the offer's first format, the mid to say which */
            buf_printf(out, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\n", m->kind_name, m->proto,
                       m->formats[0]);
            if (m->mid)
                buf_printf(out, "a=mid:%s\r\n", m->mid);
            continue;
        }
        buf_printf(out, "m=%s %u %s", m->kind_name, local->port, m->proto);
        for (size_t k = 0; k < nm->codec_count; k++) {
            if (nm->codecs[k].red_pt >= 0) /* first: the browser sends the first it can */
                buf_printf(out, " %d", nm->codecs[k].red_pt);
            buf_printf(out, " %u", nm->codecs[k].pt);
            if (nm->codecs[k].rtx_pt >= 0)
                buf_printf(out, " %d", nm->codecs[k].rtx_pt);
        }
        buf_puts(out, "\r\n");
        write_transport(out, local, "passive");
        buf_printf(out, "a=mid:%s\r\n", m->mid);
        for (size_t e = 0; e < SDP_EXT_COUNT; e++) {
            if (nm->ext_id[e])
                buf_printf(out, "a=extmap:%u %s\r\n", nm->ext_id[e], sdp_ext_uri((enum sdp_ext)e));
        }
        buf_printf(out, "a=%s\r\na=rtcp-mux\r\n",
                   nm->direction == SDP_RECVONLY ? "recvonly" : "inactive");
        if (m->rtcp_rsize)
            buf_puts(out, "a=rtcp-rsize\r\n");
        for (size_t k = 0; k < nm->codec_count; k++) {
            char plid[7];
            offered_plid(m, &nm->codecs[k], plid);
            write_codec(out, &nm->codecs[k], plid);
        }
        /* simulcast layers are told apart by their RID in each packet: no extension, no
         * simulcast (the client then sends one layer) */
        if (m->kind == SDP_VIDEO && m->simulcast_send_count && nm->ext_id[SDP_EXT_RID])
            write_simulcast_answer(out, m);
        if (first)
            write_candidate(out, local);
        first = false;
    }
    *negp = neg;
    return 0;
}

static bool track_ok(const struct sdp_track *t)
{
    bool codec_fits = t->kind == SDP_AUDIO ? t->codec == SDP_CODEC_OPUS
                      : t->kind == SDP_VIDEO
                          ? t->codec == SDP_CODEC_VP8 || t->codec == SDP_CODEC_H264
                          : false;
    return codec_fits && t->mid && sdp_is_token(t->mid, MAX_ID) &&
           (!t->active || (t->stream_id && sdp_is_token(t->stream_id, MAX_TOKEN) && t->track_id &&
                           sdp_is_token(t->track_id, MAX_TOKEN) && t->cname &&
                           sdp_is_token(t->cname, MAX_TOKEN)));
}

/* The codec we send a track with, at our fixed numbers. */
static struct sdp_choice our_choice(const struct sdp_track *t)
{
    struct sdp_choice c = {.codec = t->codec, .rtx_pt = -1, .red_pt = -1};
    switch (t->codec) {
    case SDP_CODEC_OPUS:
        c.pt = SDP_PT_OPUS;
        c.red_pt = SDP_PT_RED;
        c.feedback = SDP_FB_TWCC;
        break;
    case SDP_CODEC_VP8:
        c.pt = SDP_PT_VP8;
        c.rtx_pt = SDP_PT_VP8_RTX;
        break;
    case SDP_CODEC_H264:
        c.pt = SDP_PT_H264;
        c.rtx_pt = SDP_PT_H264_RTX;
        break;
    case SDP_CODEC_NONE:
        break;
    }
    if (t->kind == SDP_VIDEO)
        c.feedback = SDP_FB_NACK | SDP_FB_PLI | SDP_FB_FIR | SDP_FB_TWCC;
    return c;
}

int sdp_offer(const struct sdp_local *local, const struct sdp_track *tracks, size_t count,
              struct buf *out, struct sdp_error *err)
{
    if (!local_ok(local))
        return sdp_fail(err, -EINVAL, "sdp_invalid_argument",
                        "The server's own transport parameters are incomplete.");
    if (count == 0)
        return sdp_fail(err, -EINVAL, "sdp_no_media", "There is no track to offer.");
    if (count > SDP_MAX_MEDIA)
        return sdp_fail(err, -ENOSPC, "sdp_too_large", "More than %d tracks on one transport.",
                        SDP_MAX_MEDIA);
    for (size_t i = 0; i < count; i++) {
        if (!track_ok(&tracks[i]))
            return sdp_fail(err, -EINVAL, "sdp_invalid_argument",
                            "Track %zu is incomplete or its codec does not fit its kind.", i + 1);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(tracks[k].mid, tracks[i].mid) == 0)
                return sdp_fail(err, -EINVAL, "sdp_invalid_argument", "Two tracks use mid %s.",
                                tracks[i].mid);
        }
    }
    write_session(out, local);
    buf_puts(out, "a=group:BUNDLE");
    for (size_t i = 0; i < count; i++)
        buf_printf(out, " %s", tracks[i].mid);
    buf_puts(out, "\r\na=msid-semantic: WMS *\r\n");
    for (size_t i = 0; i < count; i++) {
        const struct sdp_track *t = &tracks[i];
        struct sdp_choice c = our_choice(t);
        bool rtx = t->kind == SDP_VIDEO;
        buf_printf(out, "m=%s %u UDP/TLS/RTP/SAVPF %u", kind_word(t->kind), local->port, c.pt);
        if (rtx)
            buf_printf(out, " %d", c.rtx_pt);
        if (c.red_pt >= 0)
            buf_printf(out, " %d", c.red_pt);
        buf_puts(out, "\r\n");
        write_transport(out, local, "actpass");
        buf_printf(out, "a=mid:%s\r\n", t->mid);
        if (t->kind == SDP_AUDIO)
            buf_printf(out, "a=extmap:%d %s\r\n", SDP_ID_AUDIO_LEVEL, SDP_URI_AUDIO_LEVEL);
        buf_printf(out, "a=extmap:%d %s\r\n", SDP_ID_TWCC, SDP_URI_TWCC);
        buf_puts(out, t->active ? "a=sendonly\r\n" : "a=inactive\r\n");
        if (t->active)
            buf_printf(out, "a=msid:%s %s\r\n", t->stream_id, t->track_id);
        buf_puts(out, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
        write_codec(out, &c, "42e01f");
        if (t->active) {
            bool with_rtx = rtx && t->rtx_ssrc;
            if (with_rtx)
                buf_printf(out, "a=ssrc-group:FID %" PRIu32 " %" PRIu32 "\r\n", t->ssrc,
                           t->rtx_ssrc);
            for (int k = 0; k < (with_rtx ? 2 : 1); k++) {
                uint32_t ssrc = k ? t->rtx_ssrc : t->ssrc;
                buf_printf(out, "a=ssrc:%" PRIu32 " cname:%s\r\na=ssrc:%" PRIu32 " msid:%s %s\r\n",
                           ssrc, t->cname, ssrc, t->stream_id, t->track_id);
            }
        }
        if (i == 0)
            write_candidate(out, local);
    }
    return 0;
}

int sdp_accept_answer(struct arena *a, const struct sdp_session *answer,
                      const struct sdp_track *tracks, size_t count, struct sdp_negotiated **negp,
                      struct sdp_error *err)
{
    *negp = NULL;
    if (answer->media_count != count)
        return sdp_fail(err, -EINVAL, "sdp_answer_mismatch",
                        "The answer has %zu media sections; the offer had %zu.",
                        answer->media_count, count);
    struct sdp_negotiated *neg = arena_alloc(a, sizeof *neg);
    neg->media_count = count;
    neg->media = arena_alloc(a, (count ? count : 1) * sizeof *neg->media);
    const struct sdp_media *transport = NULL;
    for (size_t i = 0; i < count; i++) {
        const struct sdp_media *m = &answer->media[i];
        const struct sdp_track *t = &tracks[i];
        struct sdp_negotiated_media *nm = &neg->media[i];
        nm->remote = m;
        nm->mid = t->mid;
        nm->kind = t->kind;
        nm->direction = SDP_INACTIVE;
        if (!m->mid || strcmp(m->mid, t->mid) != 0 || m->kind != t->kind || !m->rtp)
            return sdp_fail(err, -EINVAL, "sdp_answer_mismatch",
                            "Section %zu of the answer is not the %s section with mid %s that was "
                            "offered.",
                            i + 1, kind_word(t->kind), t->mid);
        if (m->port == 0 && !m->bundle_only)
            continue;
        if (!in_bundle(answer, m->mid))
            return sdp_fail(err, -EINVAL, "sdp_not_bundled",
                            "The answer's section with mid %s is not in its a=group:BUNDLE.",
                            m->mid);
        if (!m->rtcp_mux)
            return sdp_fail(err, -EINVAL, "sdp_no_rtcp_mux",
                            "The answer's section with mid %s has no a=rtcp-mux.", m->mid);
        struct sdp_choice ours = our_choice(t);
        const struct sdp_codec *c = sdp_media_codec(m, ours.pt);
        if (!c || !codec_named(c, codec_name(t->codec), t->kind == SDP_AUDIO ? 48000 : 90000))
            return sdp_fail(err, -EINVAL, "sdp_no_common_codec",
                            "The answer's section with mid %s does not take the offered codec.",
                            m->mid);
        struct sdp_choice *ch = &nm->codecs[0];
        *ch = ours;
        ch->feedback &= c->feedback;
        if (ours.rtx_pt >= 0 && rtx_for(m, ours.pt) != ours.rtx_pt)
            ch->rtx_pt = -1;
        const struct sdp_codec *red =
            ours.red_pt >= 0 ? sdp_media_codec(m, (uint8_t)ours.red_pt) : NULL;
        if (!red || !codec_named(red, "red", 48000))
            ch->red_pt = -1; /* not taken: the router sends the primary Opus alone */
        nm->codec_count = 1;
        nm->accepted = true;
        bool receives = m->direction == SDP_RECVONLY || m->direction == SDP_SENDRECV;
        nm->direction = t->active && receives ? SDP_SENDONLY : SDP_INACTIVE;
        /* only the extensions offered, at the ids offered */
        uint8_t twcc = sdp_media_extmap_id(m, SDP_URI_TWCC);
        nm->ext_id[SDP_EXT_TWCC] = twcc == SDP_ID_TWCC ? twcc : 0;
        if (t->kind == SDP_AUDIO) {
            uint8_t level = sdp_media_extmap_id(m, SDP_URI_AUDIO_LEVEL);
            nm->ext_id[SDP_EXT_AUDIO_LEVEL] = level == SDP_ID_AUDIO_LEVEL ? level : 0;
        }
        if (!transport)
            transport = m;
    }
    if (!transport && count)
        transport = &answer->media[0];
    if (!transport || !transport->ice_ufrag || !transport->ice_pwd)
        return sdp_fail(err, -EINVAL, "sdp_no_ice_credentials",
                        "The answer has no a=ice-ufrag and a=ice-pwd.");
    if (!transport->fingerprint)
        return sdp_fail(err, -EINVAL, "sdp_no_fingerprint",
                        "The answer has no a=fingerprint for DTLS.");
    if (strcmp(transport->fingerprint_alg, "sha-256") &&
        strcmp(transport->fingerprint_alg, "sha-384") &&
        strcmp(transport->fingerprint_alg, "sha-512"))
        return sdp_fail(err, -EINVAL, "sdp_unsupported_fingerprint",
                        "The answer's fingerprint uses %s; this server checks sha-256, sha-384 "
                        "or sha-512.",
                        transport->fingerprint_alg);
    if (transport->setup != SDP_SETUP_ACTIVE && transport->setup != SDP_SETUP_NONE)
        return sdp_fail(err, -EINVAL, "sdp_setup_conflict",
                        "The answer must say a=setup:active: this server is the DTLS server.");
    neg->remote_ufrag = transport->ice_ufrag;
    neg->remote_pwd = transport->ice_pwd;
    neg->remote_fingerprint_alg = transport->fingerprint_alg;
    neg->remote_fingerprint = transport->fingerprint;
    *negp = neg;
    return 0;
}

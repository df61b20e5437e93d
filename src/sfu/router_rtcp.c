/* router_rtcp: the RTCP the router sends (keyframe requests, NACKs, sender and receiver
 * reports, transport-wide feedback), the RTCP it reads from subscribers, and the quality
 * windows built from both. Part of the router (router.h), sharing its state through
 * router_internal.h. */
#include <assert.h>
#include <string.h>

#include "sfu/router_internal.h"
#include "sfu/rtpsec.h"

#define NACK_ANSWER_MAX 64 /* lost packets answered from one NACK */

/* A send buffer with a writer over it, or NULL when the send queue is full (counted). */
static uint8_t *rtcp_begin(struct router *r, const struct router_sink *sink, struct rtcp_writer *w)
{
    size_t cap;
    uint8_t *buf = sink->buffer(sink->arg, &cap);
    if (!buf) {
        r->stats.drop_no_buffer++;
        return NULL;
    }
    rtcp_writer_init(w, buf, cap);
    return buf;
}

void router_send_pli(struct router *r, struct router_port *pub, int layer, int64_t now,
                     const struct router_sink *sink)
{
    assert(layer >= 0 && layer < ROUTER_LAYERS);
    struct source *s = &pub->src[SRC_VIDEO(layer)];
    if (!s->ssrc || !pub->ready) {
        s->pli_pending = true;
        return;
    }
    if (now - s->pli_at_ms < ROUTER_PLI_INTERVAL_MS && s->pli_at_ms) {
        s->pli_pending = true;
        return;
    }
    struct rtcp_writer w;
    uint8_t *buf = rtcp_begin(r, sink, &w);
    if (!buf) {
        s->pli_pending = true;
        return;
    }
    if (rtcp_write_pli(&w, pub->rtcp_ssrc, s->ssrc) < 0)
        return;
    s->pli_at_ms = now;
    s->pli_pending = false;
    r->stats.pli_sent++;
    sink->send(sink->arg, pub->user, buf, w.len, true);
}

/* Asks the publisher again for the video packets that did not arrive (RFC 4585 NACK). */
void router_send_nacks(struct router *r, struct router_port *pub, int layer, int64_t now,
                       const struct router_sink *sink)
{
    assert(layer >= 0 && layer < ROUTER_LAYERS);
    struct source *s = &pub->src[SRC_VIDEO(layer)];
    if (!s->ssrc || !pub->ready || !s->nack || s->nack->count == 0)
        return;
    uint16_t lost[64];
    size_t n = nackgen_due(s->nack, now, lost, 64);
    if (n == 0)
        return;
    struct rtcp_writer w;
    uint8_t *buf = rtcp_begin(r, sink, &w);
    if (!buf)
        return;
    if (rtcp_write_nack(&w, pub->rtcp_ssrc, s->ssrc, lost, n) < 0)
        return;
    r->stats.nack_sent += n;
    sink->send(sink->arg, pub->user, buf, w.len, true);
}

static void answer_nack(struct router *r, struct router_port *sub, const struct rtcp_fb *fb,
                        int64_t now, const struct router_sink *sink)
{
    struct track *t = router_track_by_ssrc(sub, fb->media_ssrc);
    uint16_t lost[NACK_ANSWER_MAX];
    size_t n = rtcp_nack_lost(fb, lost, NACK_ANSWER_MAX);
    r->stats.nack_received += n;
    struct router_port *pub = t ? router_publisher_of(sub->room, t->t.publisher) : NULL;
    /* the source the track follows now: the layer it was switched to */
    struct source *s = NULL;
    for (int k = 0; pub && k < SRC_COUNT && !s; k++)
        if (src_kind(k) == t->t.kind && pub->src[k].ssrc && pub->src[k].ssrc == t->rw.in_ssrc)
            s = &pub->src[k];
    if (!s || !s->cache) {
        r->stats.nack_missed += n;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint16_t in_seq;
        uint8_t *cached = NULL;
        size_t cached_len = 0;
        if (rtp_rewriter_unmap_seq(&t->rw, lost[i], &in_seq) == 0)
            cached = rtp_cache_get(s->cache, in_seq, now, &cached_len);
        struct rtp_packet pk;
        if (!cached || rtp_parse(&pk, cached, cached_len) < 0 || pk.ssrc != t->rw.in_ssrc) {
            r->stats.nack_missed++;
            continue;
        }
        /* a link too full to carry the media drops what it is resent too: within budget only
         * (the estimate counts once their feedback has acknowledged something) */
        uint32_t estimate = sub->bwe && bwe_acked_bps(sub->bwe) ? bwe_estimate_bps(sub->bwe) : 0;
        if (!rtx_budget_take(&sub->rtx_budget, estimate, cached_len + RTPSEC_RTP_OVERHEAD_MAX,
                             now * 1000)) {
            r->stats.nack_over_budget++;
            continue;
        }
        size_t cap;
        uint8_t *buf = sink->buffer(sink->arg, &cap);
        if (!buf) {
            r->stats.drop_no_buffer++;
            return;
        }
        uint32_t ts;
        size_t len = router_build_for(r, pub, sub, t, &pk, buf, cap, now, &ts);
        if (len && t->t.rtx_ssrc) {
            /* its own SSRC and numbering, so the SRTP index is never used twice */
            struct rtp_packet out;
            if (rtp_parse(&out, buf, len) < 0 ||
                rtp_rtx_wrap(&out, cap, t->t.rtx_pt, t->t.rtx_ssrc, t->rtx_seq++) < 0)
                len = 0;
            else
                len = out.len;
        }
        if (!len) {
            r->stats.nack_missed++;
            continue;
        }
        r->stats.nack_recovered++;
        sink->send(sink->arg, sub->user, buf, len, false);
    }
}

/* A subscriber's receiver report about one of our tracks, for the quality window: how many
 * of the packets we sent since their last report they got (a gap the publisher's own link
 * left is in neither count), their jitter beyond what came in, and the round trip. */
static void note_report(struct router_port *sub, struct track *t, const struct rtcp_report_block *b,
                        int64_t now)
{
    if (t->rr_seen) {
        uint32_t expected = b->highest_seq - t->rr_highest;
        int64_t got = (int64_t)expected - ((int64_t)b->cumulative_lost - t->rr_lost);
        int64_t sent = (int64_t)(t->packets - t->rr_packets);
        /* a report from before the last (reordered), or a restarted receiver: skip it */
        if (expected < 0x8000u && got >= 0) {
            sub->q_sent += sent;
            sub->q_got += got;
        }
    }
    t->rr_seen = true;
    t->rr_highest = b->highest_seq;
    t->rr_lost = b->cumulative_lost;
    t->rr_packets = t->packets;

    sub->q_reported = true;
    if (t->t.kind == ROUTER_AUDIO) { /* as on the way in: video's bursts are no jitter */
        uint32_t jitter = (uint32_t)((uint64_t)b->jitter * 1000 / clock_rate(ROUTER_AUDIO));
        struct router_port *pub = router_publisher_of(sub->room, t->t.publisher);
        uint32_t inherited = pub ? router_jitter_ms(&pub->src[SRC_AUDIO], ROUTER_AUDIO) : 0;
        jitter = jitter > inherited ? jitter - inherited : 0;
        if (jitter > sub->q_jitter_ms)
            sub->q_jitter_ms = jitter;
    }

    if (b->lsr) {
        /* RFC 3550 §6.4.1: now - LSR - DLSR, in 1/65536 s, on our own clock */
        uint32_t mid = (uint32_t)(ntp_of(now) >> 16);
        uint32_t rtt = mid - b->lsr - b->dlsr;
        if (rtt < 0x80000000u) {
            sub->rtt_ms = (int32_t)(((uint64_t)rtt * 1000) >> 16);
            if (sub->bwe)
                bwe_on_rtt(sub->bwe, (int64_t)sub->rtt_ms * 1000);
        }
    }
}

static void note_reports(struct router_port *sub, const struct rtcp_report_block *blocks,
                         size_t count, int64_t now)
{
    for (size_t i = 0; i < count; i++) {
        struct track *t = router_track_by_ssrc(sub, blocks[i].ssrc);
        if (t)
            note_report(sub, t, &blocks[i], now);
    }
}

void router_on_rtcp(struct router *r, struct router_port *from, const uint8_t *data, size_t len,
                    int64_t now, const struct router_sink *sink)
{
    r->stats.rtcp_in++;
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, data, len);
    int rc;
    while ((rc = rtcp_iter_next(&it, &p)) == 1) {
        enum rtcp_kind kind = rtcp_kind(&p);
        struct rtcp_fb fb;
        if (from->publisher) {
            struct rtcp_sr sr;
            if (kind == RTCP_KIND_SR && rtcp_parse_sr(&p, &sr) == 0) {
                for (int k = 0; k < SRC_COUNT; k++) {
                    if (from->src[k].ssrc == sr.ssrc) {
                        from->src[k].sr_mid = (uint32_t)(sr.ntp >> 16);
                        from->src[k].sr_at_ms = now;
                    }
                }
            }
            continue;
        }
        struct rtcp_rr rr;
        struct rtcp_sr sr;
        if (kind == RTCP_KIND_RR && rtcp_parse_rr(&p, &rr) == 0) {
            note_reports(from, rr.reports, rr.report_count, now);
        } else if (kind == RTCP_KIND_SR && rtcp_parse_sr(&p, &sr) == 0) {
            note_reports(from, sr.reports, sr.report_count, now);
        } else if ((kind == RTCP_KIND_PLI && rtcp_parse_pli(&p, &fb) == 0) ||
                   (kind == RTCP_KIND_FIR && rtcp_parse_fir(&p, &fb) == 0)) {
            uint32_t ssrc = fb.media_ssrc;
            if (kind == RTCP_KIND_FIR && rtcp_fir_count(&fb) > 0) {
                uint8_t seq_nr;
                rtcp_fir_entry(&fb, 0, &ssrc, &seq_nr);
            }
            struct track *t = router_track_by_ssrc(from, ssrc);
            r->stats.pli_received++;
            /* of the layer they receive, or the one they wait for */
            if (t && t->t.kind == ROUTER_VIDEO && t->target != SIMULCAST_PAUSED)
                router_request_keyframe(r, from->room, t->t.publisher,
                                        t->started ? t->layer : t->target, now, sink);
        } else if (kind == RTCP_KIND_NACK && rtcp_parse_nack(&p, &fb) == 0) {
            answer_nack(r, from, &fb, now, sink);
        } else if (kind == RTCP_KIND_TWCC && from->bwe &&
                   twcc_parse(&p, &r->twcc_scratch) == 0) {
            r->stats.twcc_received++;
            bwe_on_feedback(from->bwe, &r->twcc_scratch, now * 1000);
        }
    }
    if (rc < 0)
        r->stats.drop_malformed++;
}

void router_send_reports(struct router *r, struct router_port *p, int64_t now,
                         const struct router_sink *sink)
{
    struct rtcp_writer w;
    uint8_t *buf = rtcp_begin(r, sink, &w);
    if (!buf)
        return;
    if (p->publisher) {
        struct rtcp_rr rr = {.ssrc = p->rtcp_ssrc};
        for (int k = 0; k < SRC_COUNT; k++) {
            struct source *s = &p->src[k];
            if (!s->ssrc || !s->received)
                continue;
            uint64_t expected = (uint64_t)(s->seq.max - s->first_ext + 1);
            uint64_t exp_int = expected - s->expected_prior;
            uint64_t rec_int = s->received - s->received_prior;
            s->expected_prior = expected;
            s->received_prior = s->received;
            int64_t lost_int = (int64_t)exp_int - (int64_t)rec_int;
            int64_t cumulative = (int64_t)expected - (int64_t)s->received;
            struct rtcp_report_block *b = &rr.reports[rr.report_count++];
            b->ssrc = s->ssrc;
            b->fraction_lost =
                exp_int && lost_int > 0 ? (uint8_t)((lost_int << 8) / (int64_t)exp_int) : 0;
            b->cumulative_lost = cumulative > 0x7fffff ? 0x7fffff
                                 : cumulative < -0x800000 ? -0x800000
                                                          : (int32_t)cumulative;
            b->highest_seq = (uint32_t)s->seq.max;
            b->jitter = s->jitter_q4 >> 4;
            b->lsr = s->sr_mid;
            b->dlsr = s->sr_at_ms ? (uint32_t)(((now - s->sr_at_ms) * 65536) / 1000) : 0;
        }
        if (rr.report_count == 0 || rtcp_write_rr(&w, &rr) < 0)
            return;
        r->stats.rr_sent++;
    } else {
        uint64_t ntp = ntp_of(now);
        const char *cname = NULL;
        uint32_t first = 0;
        for (size_t i = 0; i < p->track_count; i++) {
            struct track *t = &p->tracks[i];
            if (!t->packets)
                continue;
            uint32_t rate = clock_rate(t->t.kind);
            struct rtcp_sr sr = {
                .ssrc = t->t.ssrc,
                .ntp = ntp,
                .rtp_timestamp = t->last_ts + (uint32_t)((now - t->last_at_ms) * rate / 1000),
                .packet_count = (uint32_t)t->packets,
                .octet_count = (uint32_t)t->octets,
            };
            if (rtcp_write_sr(&w, &sr) < 0) {
                /* full (dozens of tracks): send this compound, go on in a new one */
                if (w.len == 0)
                    break;
                if (cname)
                    (void)rtcp_write_sdes_cname(&w, first, cname);
                sink->send(sink->arg, p->user, buf, w.len, true);
                cname = NULL;
                if (!(buf = rtcp_begin(r, sink, &w)) || rtcp_write_sr(&w, &sr) < 0)
                    return;
            }
            r->stats.sr_sent++;
            if (!cname && t->cname[0]) {
                cname = t->cname;
                first = t->t.ssrc;
            }
        }
        if (w.len == 0)
            return;
        if (cname)
            (void)rtcp_write_sdes_cname(&w, first, cname);
    }
    sink->send(sink->arg, p->user, buf, w.len, true);
}

/* Transport-wide feedback: what arrived when, for the publisher's bandwidth estimate. */
void router_send_twcc(struct router *r, struct router_port *pub, int64_t now,
                      const struct router_sink *sink)
{
    if (!pub->twcc_id || twccfb_deadline(pub->twcc) > now)
        return;
    uint32_t media = pub->src[SRC_VIDEO(0)].ssrc ? pub->src[SRC_VIDEO(0)].ssrc
                                                 : pub->src[SRC_AUDIO].ssrc;
    struct rtcp_writer w;
    uint8_t *buf = rtcp_begin(r, sink, &w);
    if (!buf)
        return;
    if (twccfb_write(pub->twcc, now, &w, pub->rtcp_ssrc, media) != 1)
        return;
    r->stats.twcc_sent++;
    sink->send(sink->arg, pub->user, buf, w.len, true);
}

/* What a publish port saw come in since the last window. */
static void quality_up(struct router_port *pub, struct router_quality *q)
{
    uint64_t expected_sum = 0;
    int64_t lost_sum = 0;
    for (int k = 0; k < SRC_COUNT; k++) {
        struct source *s = &pub->src[k];
        if (!s->ssrc || !s->received)
            continue;
        uint64_t expected = (uint64_t)(s->seq.max - s->first_ext + 1);
        uint64_t exp_int = expected - s->q_expected_prior;
        uint64_t rec_int = s->received - s->q_received_prior;
        s->q_expected_prior = expected;
        s->q_received_prior = s->received;
        if (exp_int == 0)
            continue; /* stopped: its jitter is old news */
        expected_sum += exp_int;
        lost_sum += (int64_t)exp_int - (int64_t)rec_int;
        /* audio's only: a video frame goes out as a burst of packets with one timestamp,
         * paced over tens of ms, which the RFC 3550 formula takes for jitter */
        if (k == SRC_AUDIO)
            q->jitter_up_ms = router_jitter_ms(s, ROUTER_AUDIO);
    }
    if (expected_sum == 0)
        return;
    q->up = true;
    q->loss_up_permille = lost_sum > 0 ? (uint16_t)((uint64_t)lost_sum * 1000 / expected_sum) : 0;
}

/* What a subscribe port's receiver reports said since the last window. */
static void quality_down(struct router_port *sub, struct router_quality *q)
{
    if (sub->rtt_ms >= 0)
        q->rtt_ms = sub->rtt_ms;
    /* only once their feedback has acknowledged something: before, it is our guess */
    if (sub->bwe && bwe_acked_bps(sub->bwe) > 0)
        q->estimate_kbps = bwe_estimate_bps(sub->bwe) / 1000;
    for (size_t i = 0; i < sub->track_count; i++)
        if (sub->tracks[i].t.kind == ROUTER_VIDEO && sub->tracks[i].target == SIMULCAST_PAUSED)
            q->video_paused = true;
    if (!sub->q_reported)
        return;
    q->down = true;
    int64_t lost = sub->q_sent - sub->q_got;
    q->loss_down_permille = sub->q_sent > 0 && lost > 0 ? (uint16_t)(lost * 1000 / sub->q_sent) : 0;
    q->jitter_down_ms = sub->q_jitter_ms;
    sub->q_reported = false;
    sub->q_sent = sub->q_got = 0;
    sub->q_jitter_ms = 0;
}

/* One summary per participant (their publish and subscribe ports together). */
void router_quality_window(struct router *r, struct room *rm, const struct router_sink *sink)
{
    for (struct router_port *p = rm->ports; p; p = p->next) {
        bool seen = false;
        for (struct router_port *o = rm->ports; o != p && !seen; o = o->next)
            seen = o->participant == p->participant;
        if (seen)
            continue;
        struct router_quality q = {.rtt_ms = -1};
        for (struct router_port *o = p; o; o = o->next) {
            if (o->participant != p->participant)
                continue;
            if (o->publisher)
                quality_up(o, &q);
            else
                quality_down(o, &q);
        }
        assert(q.loss_up_permille <= 1000 && q.loss_down_permille <= 1000);
        if (!q.up && !q.down && !q.estimate_kbps)
            continue;
        r->stats.quality_reports++;
        if (sink->quality)
            sink->quality(sink->arg, rm->id, p->participant, &q);
    }
}

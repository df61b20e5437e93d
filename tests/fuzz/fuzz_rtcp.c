/* Fuzzes RTCP: the compound walk and every parser, then writes what was read back out and
 * reads it again. Views must stay inside their packet; a NACK must name the same set of
 * sequence numbers after the writer packs it; a TWCC report must give the same arrivals
 * after the writer encodes it its own way; SR and RR must come back field for field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static uint8_t out[300000];
static uint16_t lost[65536 * 2], lost2[65536 * 2];
static int64_t arrivals[65536];
static uint8_t seen[65536];

static struct rtcp_packet only(const uint8_t *buf, size_t len)
{
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, buf, len);
    check(rtcp_iter_next(&it, &p) == 1);
    return p;
}

static void nack(const struct rtcp_packet *p)
{
    struct rtcp_fb fb;
    if (rtcp_parse_nack(p, &fb) != 0)
        return;
    size_t n = rtcp_nack_lost(&fb, lost, sizeof lost / sizeof *lost);
    check(n >= fb.fci_len / 4 && n <= 17 * (fb.fci_len / 4));
    struct rtcp_writer w;
    rtcp_writer_init(&w, out, sizeof out);
    check(rtcp_write_nack(&w, fb.sender_ssrc, fb.media_ssrc, lost, n) == 0);
    struct rtcp_packet q = only(out, w.len);
    struct rtcp_fb fb2;
    check(rtcp_parse_nack(&q, &fb2) == 0);
    check(fb2.fci_len <= fb.fci_len);
    size_t m = rtcp_nack_lost(&fb2, lost2, sizeof lost2 / sizeof *lost2);
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < n; i++)
        seen[lost[i]] = 1;
    for (size_t i = 0; i < m; i++) {
        check(seen[lost2[i]]);
        seen[lost2[i]] = 2;
    }
    for (size_t i = 0; i < n; i++)
        check(seen[lost[i]] == 2);
}

static void twcc(const struct rtcp_packet *p)
{
    struct rtcp_twcc tw;
    if (rtcp_parse_twcc(p, &tw) != 0)
        return;
    check(tw.chunks >= p->body && tw.deltas + tw.delta_bytes <= p->body + p->body_len);
    struct rtcp_twcc_iter it;
    struct rtcp_twcc_packet pkt;
    rtcp_twcc_iter_init(&it, &tw);
    size_t n = 0;
    bool positive = tw.reference_time >= 0;
    while (rtcp_twcc_next(&it, &pkt) == 1) {
        check(pkt.seq == (uint16_t)(tw.base_seq + n));
        if (pkt.status != RTCP_TWCC_NOT_RECEIVED && pkt.arrival_us < 0)
            positive = false;
        arrivals[n++] = pkt.status == RTCP_TWCC_NOT_RECEIVED ? -1 : pkt.arrival_us;
    }
    check(n == tw.status_count);
    check(it.delta_off == tw.delta_bytes);
    if (!positive)
        return;
    struct rtcp_writer w;
    rtcp_writer_init(&w, out, sizeof out);
    check(rtcp_write_twcc(&w, tw.sender_ssrc, tw.media_ssrc, tw.base_seq, tw.fb_count, arrivals,
                          n) == 0);
    struct rtcp_packet q = only(out, w.len);
    struct rtcp_twcc tw2;
    check(rtcp_parse_twcc(&q, &tw2) == 0);
    check(tw2.status_count == n && tw2.base_seq == tw.base_seq);
    rtcp_twcc_iter_init(&it, &tw2);
    for (size_t i = 0; i < n; i++) {
        check(rtcp_twcc_next(&it, &pkt) == 1);
        check(pkt.arrival_us == arrivals[i]);
    }
    check(rtcp_twcc_next(&it, &pkt) == 0);
}

static void same_blocks(const struct rtcp_report_block *a, const struct rtcp_report_block *b,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        check(a[i].ssrc == b[i].ssrc && a[i].fraction_lost == b[i].fraction_lost &&
              a[i].cumulative_lost == b[i].cumulative_lost &&
              a[i].highest_seq == b[i].highest_seq && a[i].jitter == b[i].jitter &&
              a[i].lsr == b[i].lsr && a[i].dlsr == b[i].dlsr);
    }
}

static void reports(const struct rtcp_packet *p)
{
    struct rtcp_sr sr, sr2;
    struct rtcp_rr rr, rr2;
    struct rtcp_writer w;
    rtcp_writer_init(&w, out, sizeof out);
    if (rtcp_parse_sr(p, &sr) == 0) {
        check(rtcp_write_sr(&w, &sr) == 0);
        struct rtcp_packet q = only(out, w.len);
        check(rtcp_parse_sr(&q, &sr2) == 0);
        check(sr2.ssrc == sr.ssrc && sr2.ntp == sr.ntp && sr2.rtp_timestamp == sr.rtp_timestamp &&
              sr2.packet_count == sr.packet_count && sr2.octet_count == sr.octet_count &&
              sr2.report_count == sr.report_count);
        same_blocks(sr.reports, sr2.reports, sr.report_count);
    }
    if (rtcp_parse_rr(p, &rr) == 0) {
        check(rtcp_write_rr(&w, &rr) == 0);
        struct rtcp_packet q = only(out, w.len);
        check(rtcp_parse_rr(&q, &rr2) == 0);
        check(rr2.ssrc == rr.ssrc && rr2.report_count == rr.report_count);
        same_blocks(rr.reports, rr2.reports, rr.report_count);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1); /* exactly the input: overreads are caught */
    memcpy(buf, data, size);
    rtcp_is_rtcp(buf, size);
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, buf, size);
    int rc;
    while ((rc = rtcp_iter_next(&it, &p)) == 1) {
        check(p.data >= buf && p.data + p.len <= buf + size);
        check(p.body == p.data + 4 && p.body + p.body_len <= p.data + p.len);
        struct rtcp_fb fb;
        struct rtcp_bye bye;
        struct rtcp_remb remb;
        switch (rtcp_kind(&p)) {
        case RTCP_KIND_SR:
        case RTCP_KIND_RR:
            reports(&p);
            break;
        case RTCP_KIND_BYE:
            if (rtcp_parse_bye(&p, &bye) == 0 && bye.reason)
                check(bye.reason + bye.reason_len <= p.body + p.body_len);
            break;
        case RTCP_KIND_NACK:
            nack(&p);
            break;
        case RTCP_KIND_TWCC:
            twcc(&p);
            break;
        case RTCP_KIND_PLI:
            check(rtcp_parse_pli(&p, &fb) == 0 || p.body_len < 8);
            break;
        case RTCP_KIND_FIR:
            if (rtcp_parse_fir(&p, &fb) == 0) {
                for (size_t i = 0; i < rtcp_fir_count(&fb); i++) {
                    uint32_t ssrc;
                    uint8_t seq;
                    rtcp_fir_entry(&fb, i, &ssrc, &seq);
                }
            }
            break;
        case RTCP_KIND_REMB:
            if (rtcp_parse_remb(&p, &remb) == 0) {
                for (size_t i = 0; i < remb.ssrc_count; i++)
                    rtcp_remb_ssrc(&remb, i);
            }
            break;
        default:
            rtcp_parse_fb(&p, &fb);
            break;
        }
    }
    check(rtcp_iter_next(&it, &p) == rc);
    free(buf);
    return 0;
}

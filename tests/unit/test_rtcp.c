/* sfu/rtcp: hand-built compound packets, every feedback message the SFU reads, the writers
 * round-tripped through the parsers, a TWCC example worked out by hand from the draft's
 * chunk definitions, and truncation everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/rtcp.h"
#include "sfu/twcc_parse.h"
#include "sfu/twccfb.h"

/* SR from 0x11223344 with one report block about 0xAABBCCDD (cumulative lost -2) */
static const uint8_t sr_packet[] = {
    0x81, 0xC8, 0x00, 0x0C, 0x11, 0x22, 0x33, 0x44, 0xE1, 0x2F, 0x3A, 0x4B, 0x5C,
    0x6D, 0x7E, 0x8F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00,
    0x27, 0x10, 0xAA, 0xBB, 0xCC, 0xDD, 0x40, 0xFF, 0xFF, 0xFE, 0x00, 0x01, 0x00,
    0x05, 0x00, 0x00, 0x00, 0x20, 0x2F, 0x3A, 0x4B, 0x5C, 0x00, 0x01, 0x00, 0x00};

/* SDES: one chunk, CNAME "abc" */
static const uint8_t sdes_packet[] = {0x81, 0xCA, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
                                      0x01, 0x03, 'a',  'b',  'c',  0x00, 0x00, 0x00};

/* BYE for two sources, reason "gone" */
static const uint8_t bye_packet[] = {0x82, 0xCB, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                                     0x00, 0x02, 0x04, 'g',  'o',  'n',  'e',  0x00, 0x00, 0x00};

/* generic NACK: PID 100, BLP 0b101 → 100, 101, 103 */
static const uint8_t nack_packet[] = {0x81, 0xCD, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
                                      0x00, 0x00, 0x00, 0x02, 0x00, 0x64, 0x00, 0x05};

/* PLI */
static const uint8_t pli_packet[] = {0x81, 0xCE, 0x00, 0x02, 0x00, 0x00,
                                     0x00, 0x01, 0x00, 0x00, 0x00, 0x02};

/* FIR for 0x0A0B0C0D, command sequence number 9 */
static const uint8_t fir_packet[] = {0x84, 0xCE, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                                     0x00, 0x00, 0x0A, 0x0B, 0x0C, 0x0D, 0x09, 0x00, 0x00, 0x00};

/* REMB: 250000 × 2^2 = 1 Mbit/s for one SSRC */
static const uint8_t remb_packet[] = {0x8F, 0xCE, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01,
                                      0x00, 0x00, 0x00, 0x00, 'R',  'E',  'M',  'B',
                                      0x01, 0x0B, 0xD0, 0x90, 0x12, 0x34, 0x56, 0x78};

/* Transport-wide feedback worked out from the draft: base 100, 22 packets, reference time
 * 16 × 64 ms, feedback count 7. Chunks: a run of 5 "small delta"; the draft's own one-bit
 * vector example 1|0|0 1 1 1 1 1 0 0 0 1 1 1 0 0 (14 packets); a two-bit vector "large,
 * lost, small" (3 of its 7 used). Deltas (250 µs): 4 4 4 4 4 | 8 0 1 2 3 4 5 255 | -4 16. */
static const uint8_t twcc_packet[] = {
    0x8F, 0xCD, 0x00, 0x0A,                         /* FMT 15, PT 205, 11 words */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* SSRCs */
    0x00, 0x64, 0x00, 0x16, 0x00, 0x00, 0x10, 0x07, /* base, count, reference, fb count */
    0x20, 0x05, 0x9F, 0x1C, 0xE1, 0x00,             /* chunks */
    0x04, 0x04, 0x04, 0x04, 0x04, 0x08, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0xFF, /* small */
    0xFF, 0xFC,                                                                   /* large: -4 */
    0x10,                                                                         /* small */
    0x00, 0x00};                                                                  /* padding */

static void test_demux(void **state)
{
    assert_true(rtcp_is_rtcp(sr_packet, sizeof sr_packet));
    assert_true(rtcp_is_rtcp(remb_packet, sizeof remb_packet));
    static const uint8_t rtp96[] = {0x80, 0x60}, rtp96m[] = {0x80, 0xE0}, rtp111m[] = {0x80, 0xEF};
    assert_false(rtcp_is_rtcp(rtp96, 2));
    assert_false(rtcp_is_rtcp(rtp96m, 2));
    assert_false(rtcp_is_rtcp(rtp111m, 2));
    assert_false(rtcp_is_rtcp(sr_packet, 1));
}

static void test_sr(void **state)
{
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, sr_packet, sizeof sr_packet);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    assert_int_equal(rtcp_kind(&p), RTCP_KIND_SR);
    assert_int_equal(p.len, sizeof sr_packet);
    struct rtcp_sr sr;
    assert_int_equal(rtcp_parse_sr(&p, &sr), 0);
    assert_int_equal(sr.ssrc, 0x11223344);
    assert_true(sr.ntp == 0xE12F3A4B5C6D7E8FULL);
    assert_int_equal(sr.rtp_timestamp, 0x10000);
    assert_int_equal(sr.packet_count, 100);
    assert_int_equal(sr.octet_count, 10000);
    assert_int_equal(sr.report_count, 1);
    assert_int_equal(sr.reports[0].ssrc, 0xAABBCCDD);
    assert_int_equal(sr.reports[0].fraction_lost, 64);
    assert_int_equal(sr.reports[0].cumulative_lost, -2);
    assert_int_equal(sr.reports[0].highest_seq, 0x10005);
    assert_int_equal(sr.reports[0].jitter, 32);
    assert_int_equal(sr.reports[0].lsr, 0x2F3A4B5C);
    assert_int_equal(sr.reports[0].dlsr, 65536);
    assert_int_equal(rtcp_iter_next(&it, &p), 0);
    struct rtcp_rr rr;
    assert_int_equal(rtcp_parse_rr(&p, &rr), -EPROTO);
}

static void test_compound(void **state)
{
    uint8_t buf[256];
    size_t n = 0;
    memcpy(buf + n, sr_packet, sizeof sr_packet), n += sizeof sr_packet;
    memcpy(buf + n, sdes_packet, sizeof sdes_packet), n += sizeof sdes_packet;
    memcpy(buf + n, nack_packet, sizeof nack_packet), n += sizeof nack_packet;
    memcpy(buf + n, remb_packet, sizeof remb_packet), n += sizeof remb_packet;
    memcpy(buf + n, bye_packet, sizeof bye_packet), n += sizeof bye_packet;
    static const enum rtcp_kind want[] = {RTCP_KIND_SR, RTCP_KIND_SDES, RTCP_KIND_NACK,
                                          RTCP_KIND_REMB, RTCP_KIND_BYE};
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, buf, n);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(rtcp_iter_next(&it, &p), 1);
        assert_int_equal(rtcp_kind(&p), want[i]);
    }
    assert_int_equal(rtcp_iter_next(&it, &p), 0);

    struct rtcp_bye bye;
    assert_int_equal(rtcp_parse_bye(&p, &bye), 0);
    assert_int_equal(bye.ssrc_count, 2);
    assert_int_equal(bye.ssrcs[1], 2);
    assert_int_equal(bye.reason_len, 4);
    assert_memory_equal(bye.reason, "gone", 4);

    /* every cut of the compound: the packets before the cut come out whole, then an error */
    for (size_t cut = 0; cut < n; cut++) {
        rtcp_iter_init(&it, buf, cut);
        size_t covered = 0;
        int rc;
        while ((rc = rtcp_iter_next(&it, &p)) == 1) {
            assert_true(p.data + p.len <= buf + cut);
            covered += p.len;
        }
        bool boundary = cut == 0 || cut == 52 || cut == 68 || cut == 84 || cut == 108;
        assert_int_equal(rc, boundary ? 0 : -EBADMSG);
        assert_int_equal(rtcp_iter_next(&it, &p), rc); /* and it stays that way */
        assert_true(covered <= cut);
    }
}

static void test_padding_and_version(void **state)
{
    /* an RR with no blocks and 4 bytes of padding */
    uint8_t rr[] = {0xA0, 0xC9, 0x00, 0x02, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x04};
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, rr, sizeof rr);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    assert_int_equal(p.body_len, 4);
    struct rtcp_rr r;
    assert_int_equal(rtcp_parse_rr(&p, &r), 0);
    assert_int_equal(r.ssrc, 7);
    assert_int_equal(r.report_count, 0);
    rr[11] = 0; /* a zero count */
    rtcp_iter_init(&it, rr, sizeof rr);
    assert_int_equal(rtcp_iter_next(&it, &p), -EBADMSG);
    rr[11] = 9; /* more than the body */
    rtcp_iter_init(&it, rr, sizeof rr);
    assert_int_equal(rtcp_iter_next(&it, &p), -EBADMSG);
    rr[0] = 0x40; /* version 1 */
    rtcp_iter_init(&it, rr, sizeof rr);
    assert_int_equal(rtcp_iter_next(&it, &p), -EBADMSG);
}

static struct rtcp_packet one(const uint8_t *data, size_t len)
{
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, data, len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    return p;
}

/* A copy of a packet with its length field cut by `words`: a well-framed packet whose body
 * is too short for what it says. */
static struct rtcp_packet shortened(uint8_t *buf, const uint8_t *data, size_t len, size_t words)
{
    memcpy(buf, data, len);
    uint16_t l = (uint16_t)(buf[2] << 8 | buf[3]);
    l = (uint16_t)(l - words);
    buf[2] = (uint8_t)(l >> 8);
    buf[3] = (uint8_t)l;
    return one(buf, (l + 1u) * 4);
}

static void test_short_bodies(void **state)
{
    uint8_t buf[128];
    struct rtcp_packet p;
    struct rtcp_sr sr;
    struct rtcp_fb fb;
    struct rtcp_remb remb;
    struct rtcp_bye bye;
    struct rtcp_twcc tw;
    for (size_t w = 1; w <= 12; w++) {
        p = shortened(buf, sr_packet, sizeof sr_packet, w);
        assert_int_equal(rtcp_parse_sr(&p, &sr), -EBADMSG);
    }
    for (size_t w = 1; w <= 2; w++) {
        p = shortened(buf, nack_packet, sizeof nack_packet, w);
        assert_int_equal(rtcp_parse_nack(&p, &fb), -EBADMSG);
    }
    for (size_t w = 1; w <= 4; w++) {
        p = shortened(buf, fir_packet, sizeof fir_packet, w);
        assert_int_equal(rtcp_parse_fir(&p, &fb), -EBADMSG);
    }
    p = shortened(buf, remb_packet, sizeof remb_packet, 1); /* the SSRC list cut */
    assert_int_equal(rtcp_parse_remb(&p, &remb), -EBADMSG);
    p = shortened(buf, remb_packet, sizeof remb_packet, 3); /* "REMB" gone: not a REMB */
    assert_int_equal(rtcp_kind(&p), RTCP_KIND_OTHER);
    assert_int_equal(rtcp_parse_remb(&p, &remb), -EPROTO);
    p = shortened(buf, bye_packet, sizeof bye_packet, 1); /* reason longer than the body */
    assert_int_equal(rtcp_parse_bye(&p, &bye), -EBADMSG);
    p = shortened(buf, bye_packet, sizeof bye_packet, 2); /* no reason at all: fine */
    assert_int_equal(rtcp_parse_bye(&p, &bye), 0);
    assert_null(bye.reason);
    p = shortened(buf, bye_packet, sizeof bye_packet, 3); /* the second SSRC cut */
    assert_int_equal(rtcp_parse_bye(&p, &bye), -EBADMSG);
    for (size_t w = 1; w <= 8; w++) {
        p = shortened(buf, twcc_packet, sizeof twcc_packet, w);
        assert_int_equal(rtcp_parse_twcc(&p, &tw), -EBADMSG);
    }
    /* the wrong parser for the type */
    p = one(pli_packet, sizeof pli_packet);
    assert_int_equal(rtcp_parse_nack(&p, &fb), -EPROTO);
    assert_int_equal(rtcp_parse_sr(&p, &sr), -EPROTO);
    assert_int_equal(rtcp_parse_pli(&p, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 1);
    assert_int_equal(fb.media_ssrc, 2);
}

static void test_nack(void **state)
{
    struct rtcp_packet p = one(nack_packet, sizeof nack_packet);
    struct rtcp_fb fb;
    assert_int_equal(rtcp_parse_nack(&p, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 1);
    assert_int_equal(fb.media_ssrc, 2);
    uint16_t lost[32];
    assert_int_equal(rtcp_nack_lost(&fb, lost, 32), 3);
    assert_int_equal(lost[0], 100);
    assert_int_equal(lost[1], 101);
    assert_int_equal(lost[2], 103);
    assert_int_equal(rtcp_nack_lost(&fb, lost, 2), 2); /* capped */
}

static void test_nack_round_trip(void **state)
{
    /* across the wrap, runs longer than a BLP covers, a gap, a repeat */
    uint16_t in[] = {65530, 65531, 65535, 0,  1,  5,  6,  7,  8,  9,   10,  11, 12,
                     13,    14,    15,    16, 17, 18, 19, 20, 21, 500, 500, 501};
    size_t n = sizeof in / sizeof *in;
    uint8_t buf[256];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_nack(&w, 0xAAAA, 0xBBBB, in, n), 0);
    /* pairs: 65530 with 65531 … 10 (within 16 after it), 11 with 12 … 21, 500 with 501 */
    assert_int_equal(w.len, 12 + 3 * 4);
    struct rtcp_packet p = one(buf, w.len);
    struct rtcp_fb fb;
    assert_int_equal(rtcp_parse_nack(&p, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 0xAAAA);
    assert_int_equal(fb.media_ssrc, 0xBBBB);
    uint16_t out[64];
    size_t m = rtcp_nack_lost(&fb, out, 64);
    assert_int_equal(m, n - 1); /* the repeated 500 once */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && in[i] == in[i - 1])
            continue;
        assert_int_equal(out[k++], in[i]);
    }
    /* unsorted input: more pairs, the same set */
    uint16_t shuffled[] = {9, 3, 8, 4};
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_nack(&w, 1, 2, shuffled, 4), 0);
    p = one(buf, w.len);
    assert_int_equal(rtcp_parse_nack(&p, &fb), 0);
    m = rtcp_nack_lost(&fb, out, 64);
    int seen[16] = {0};
    for (size_t i = 0; i < m; i++)
        seen[out[i]]++;
    assert_true(seen[3] && seen[4] && seen[8] && seen[9]);
    assert_int_equal(m, 4);
    assert_int_equal(rtcp_write_nack(&w, 1, 2, shuffled, 0), -EINVAL);
}

static void test_pli_fir_remb(void **state)
{
    struct rtcp_packet p = one(fir_packet, sizeof fir_packet);
    assert_int_equal(rtcp_kind(&p), RTCP_KIND_FIR);
    struct rtcp_fb fb;
    assert_int_equal(rtcp_parse_fir(&p, &fb), 0);
    assert_int_equal(rtcp_fir_count(&fb), 1);
    uint32_t ssrc;
    uint8_t seq;
    rtcp_fir_entry(&fb, 0, &ssrc, &seq);
    assert_int_equal(ssrc, 0x0A0B0C0D);
    assert_int_equal(seq, 9);

    p = one(remb_packet, sizeof remb_packet);
    struct rtcp_remb remb;
    assert_int_equal(rtcp_parse_remb(&p, &remb), 0);
    assert_int_equal(remb.sender_ssrc, 1);
    assert_true(remb.bitrate == 1000000);
    assert_int_equal(remb.ssrc_count, 1);
    assert_int_equal(rtcp_remb_ssrc(&remb, 0), 0x12345678);
    /* exponent 63: saturates instead of wrapping */
    uint8_t big[sizeof remb_packet];
    memcpy(big, remb_packet, sizeof big);
    big[17] = 0xFF;
    p = one(big, sizeof big);
    assert_int_equal(rtcp_parse_remb(&p, &remb), 0);
    assert_true(remb.bitrate == UINT64_MAX);

    /* writers → parsers */
    uint8_t buf[64];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_pli(&w, 5, 6), 0);
    assert_int_equal(rtcp_write_fir(&w, 5, 6, 42), 0);
    assert_int_equal(w.len, 32);
    static const uint8_t pli_header[] = {0x81, 0xCE, 0x00, 0x02};
    assert_memory_equal(buf, pli_header, 4);
    struct rtcp_iter it;
    rtcp_iter_init(&it, buf, w.len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    assert_int_equal(rtcp_parse_pli(&p, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 5);
    assert_int_equal(fb.media_ssrc, 6);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    assert_int_equal(rtcp_parse_fir(&p, &fb), 0);
    rtcp_fir_entry(&fb, 0, &ssrc, &seq);
    assert_int_equal(ssrc, 6);
    assert_int_equal(seq, 42);
    assert_int_equal(rtcp_iter_next(&it, &p), 0);
    /* full: the length stays */
    rtcp_writer_init(&w, buf, 31);
    assert_int_equal(rtcp_write_pli(&w, 5, 6), 0);
    assert_int_equal(rtcp_write_fir(&w, 5, 6, 1), -ENOSPC);
    assert_int_equal(w.len, 12);
}

static void assert_same_block(const struct rtcp_report_block *a, const struct rtcp_report_block *b)
{
    assert_int_equal(a->ssrc, b->ssrc);
    assert_int_equal(a->fraction_lost, b->fraction_lost);
    assert_int_equal(a->cumulative_lost, b->cumulative_lost);
    assert_int_equal(a->highest_seq, b->highest_seq);
    assert_int_equal(a->jitter, b->jitter);
    assert_int_equal(a->lsr, b->lsr);
    assert_int_equal(a->dlsr, b->dlsr);
}

static void test_sr_rr_sdes_writers(void **state)
{
    struct rtcp_sr sr = {.ssrc = 0x01020304,
                         .ntp = 0x1122334455667788ULL,
                         .rtp_timestamp = 90000,
                         .packet_count = 7,
                         .octet_count = 7000,
                         .report_count = 2};
    sr.reports[0] = (struct rtcp_report_block){0xA, 12, -5, 70000, 33, 0x12345678, 655};
    sr.reports[1] = (struct rtcp_report_block){0xB, 0, 8388607, 1, 0, 0, 0};
    struct rtcp_rr rr = {.ssrc = 9, .report_count = 1};
    rr.reports[0] = (struct rtcp_report_block){0xC, 255, -8388608, 0xFFFFFFFF, 1, 2, 3};
    uint8_t buf[256];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_sr(&w, &sr), 0);
    assert_int_equal(rtcp_write_rr(&w, &rr), 0);
    assert_int_equal(rtcp_write_sdes_cname(&w, 0x01020304, "confide"), 0);
    assert_int_equal(w.len, 76 + 32 + 20);

    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, buf, w.len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    struct rtcp_sr sr2;
    assert_int_equal(rtcp_parse_sr(&p, &sr2), 0);
    for (int i = 0; i < 2; i++)
        assert_same_block(&sr2.reports[i], &sr.reports[i]);
    assert_true(sr2.ntp == sr.ntp);
    assert_int_equal(sr2.octet_count, 7000);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    struct rtcp_rr rr2;
    assert_int_equal(rtcp_parse_rr(&p, &rr2), 0);
    assert_int_equal(rr2.ssrc, 9);
    assert_int_equal(rr2.reports[0].cumulative_lost, -8388608);
    assert_int_equal(rr2.reports[0].highest_seq, 0xFFFFFFFF);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    assert_int_equal(rtcp_kind(&p), RTCP_KIND_SDES);
    assert_int_equal(p.body[4], 1);
    assert_int_equal(p.body[5], 7);
    assert_memory_equal(p.body + 6, "confide", 7);
    assert_int_equal(p.body[13], 0);
    assert_int_equal(rtcp_iter_next(&it, &p), 0);

    sr.report_count = 32;
    assert_int_equal(rtcp_write_sr(&w, &sr), -EINVAL);
    assert_int_equal(rtcp_write_sdes_cname(&w, 1, ""), -EINVAL);
}

static void test_twcc_known_example(void **state)
{
    struct rtcp_packet p = one(twcc_packet, sizeof twcc_packet);
    assert_int_equal(rtcp_kind(&p), RTCP_KIND_TWCC);
    struct rtcp_twcc tw;
    assert_int_equal(rtcp_parse_twcc(&p, &tw), 0);
    assert_int_equal(tw.sender_ssrc, 1);
    assert_int_equal(tw.media_ssrc, 2);
    assert_int_equal(tw.base_seq, 100);
    assert_int_equal(tw.status_count, 22);
    assert_int_equal(tw.reference_time, 16);
    assert_int_equal(tw.fb_count, 7);
    assert_int_equal(tw.chunk_bytes, 6);
    assert_int_equal(tw.delta_bytes, 16);

    /* arrival in µs, or -1 for lost: 16 × 64 ms = 1 024 000 to start */
    static const int64_t want[22] = {
        1025000, 1026000, 1027000, 1028000, 1029000,              /* run */
        -1,      1031000, 1031000, 1031250, 1031750, 1032500, -1, /* vector … */
        -1,      -1,      1033500, 1034750, 1098500, -1,      -1, /* … vector */
        1097500, -1,      1101500};                               /* two-bit vector */
    struct rtcp_twcc_iter it;
    struct rtcp_twcc_packet pkt;
    rtcp_twcc_iter_init(&it, &tw);
    for (int i = 0; i < 22; i++) {
        assert_int_equal(rtcp_twcc_next(&it, &pkt), 1);
        assert_int_equal(pkt.seq, 100 + i);
        assert_int_equal(pkt.arrival_us, want[i]);
        assert_int_equal(pkt.status == RTCP_TWCC_NOT_RECEIVED, want[i] < 0);
    }
    assert_int_equal(rtcp_twcc_next(&it, &pkt), 0);
    /* the 20th is the one with a negative (two-byte) delta */
    rtcp_twcc_iter_init(&it, &tw);
    for (int i = 0; i < 20; i++)
        rtcp_twcc_next(&it, &pkt);
    assert_int_equal(pkt.status, RTCP_TWCC_LARGE_DELTA);
    assert_int_equal(pkt.delta_us, -1000);

    /* a status count beyond what the chunks hold, or a reserved symbol */
    uint8_t buf[sizeof twcc_packet];
    memcpy(buf, twcc_packet, sizeof buf);
    buf[14] = buf[15] = 0xFF; /* chunks would have to come from the deltas and padding */
    p = one(buf, sizeof buf);
    assert_int_equal(rtcp_parse_twcc(&p, &tw), -EBADMSG);
    memcpy(buf, twcc_packet, sizeof buf);
    buf[20] = 0x60; /* run of symbol 3 */
    p = one(buf, sizeof buf);
    assert_int_equal(rtcp_parse_twcc(&p, &tw), -EBADMSG);
    memcpy(buf, twcc_packet, sizeof buf);
    buf[14] = buf[15] = 0; /* no statuses */
    p = one(buf, sizeof buf);
    assert_int_equal(rtcp_parse_twcc(&p, &tw), -EBADMSG);
}

static void check_twcc_round_trip(const int64_t *arrival, size_t n, uint16_t base)
{
    size_t cap = 64 + 2 * n + 2 * n;
    uint8_t *buf = malloc(cap);
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, cap);
    assert_int_equal(rtcp_write_twcc(&w, 11, 22, base, 3, arrival, n), 0);
    assert_int_equal(w.len % 4, 0);
    struct rtcp_packet p = one(buf, w.len);
    struct rtcp_twcc tw;
    assert_int_equal(rtcp_parse_twcc(&p, &tw), 0);
    assert_int_equal(tw.status_count, n);
    assert_int_equal(tw.base_seq, base);
    struct rtcp_twcc_iter it;
    struct rtcp_twcc_packet pkt;
    rtcp_twcc_iter_init(&it, &tw);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rtcp_twcc_next(&it, &pkt), 1);
        assert_int_equal(pkt.seq, (uint16_t)(base + i));
        if (arrival[i] < 0) {
            assert_int_equal(pkt.status, RTCP_TWCC_NOT_RECEIVED);
        } else {
            assert_int_not_equal(pkt.status, RTCP_TWCC_NOT_RECEIVED);
            /* within half a tick: rounding does not accumulate */
            assert_true(llabs(pkt.arrival_us - arrival[i]) <= 125);
        }
    }
    assert_int_equal(rtcp_twcc_next(&it, &pkt), 0);
    /* any smaller buffer is refused without a change */
    for (size_t c = 0; c < w.len; c += 1 + w.len / 50) {
        struct rtcp_writer small;
        rtcp_writer_init(&small, buf, c);
        assert_int_equal(rtcp_write_twcc(&small, 11, 22, base, 3, arrival, n), -ENOSPC);
        assert_int_equal(small.len, 0);
    }
    free(buf);
}

static void test_twcc_round_trip(void **state)
{
    /* a bit of everything: runs, lone losses, reordering (negative deltas), jitter of odd
     * microseconds, a long silence, the sequence wrapping */
    int64_t a[300];
    int64_t t = 5000123;
    for (size_t i = 0; i < 300; i++) {
        t += (int64_t)(i % 7) * 331 + 17;
        a[i] = t;
    }
    for (size_t i = 40; i < 60; i++) /* a burst of loss */
        a[i] = -1;
    a[70] = -1;
    a[72] = -1;
    a[100] = a[99] - 3000; /* arrived before the one sent before it */
    for (size_t i = 150; i < 300; i++)
        a[i] += 2000000; /* 2 s later */
    check_twcc_round_trip(a, 300, 65500);

    int64_t single[1] = {64000 * 3 + 10};
    check_twcc_round_trip(single, 1, 0);
    int64_t lost[3] = {-1, -1, -1};
    check_twcc_round_trip(lost, 3, 7);

    /* a run longer than one chunk holds (8191) */
    size_t big = 10000;
    int64_t *many = malloc(big * sizeof *many);
    for (size_t i = 0; i < big; i++)
        many[i] = 1000000 + (int64_t)i * 1000;
    check_twcc_round_trip(many, big, 1);
    free(many);

    /* deltas beyond ±8.19 s cannot be said */
    int64_t far[2] = {0, 9000000};
    uint8_t buf[64];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_twcc(&w, 1, 2, 0, 0, far, 2), -EINVAL);
    assert_int_equal(rtcp_write_twcc(&w, 1, 2, 0, 0, far, 0), -EINVAL);
    assert_int_equal(w.len, 0);
}

/* twcc_parse lays the draft's example out as (seq, received, arrival) */
static void test_twcc_parse_known_example(void **state)
{
    static struct twcc_report r;
    struct rtcp_packet p = one(twcc_packet, sizeof twcc_packet);
    assert_int_equal(twcc_parse(&p, &r), 0);
    assert_int_equal(r.sender_ssrc, 1);
    assert_int_equal(r.media_ssrc, 2);
    assert_int_equal(r.base_seq, 100);
    assert_int_equal(r.fb_count, 7);
    assert_false(r.truncated);
    assert_int_equal(r.count, 22);
    static const int64_t want[22] = {1025000, 1026000, 1027000, 1028000, 1029000, -1,
                                     1031000, 1031000, 1031250, 1031750, 1032500, -1,
                                     -1,      -1,      1033500, 1034750, 1098500, -1,
                                     -1,      1097500, -1,      1101500};
    for (size_t i = 0; i < 22; i++) {
        assert_int_equal(r.packets[i].seq, 100 + i);
        assert_int_equal(r.packets[i].received, want[i] >= 0);
        if (want[i] >= 0)
            assert_int_equal(r.packets[i].arrival_us, want[i]);
    }
    /* not TWCC, or not well-formed: refused whole */
    p = one(pli_packet, sizeof pli_packet);
    assert_int_equal(twcc_parse(&p, &r), -EPROTO);
    uint8_t buf[sizeof twcc_packet];
    memcpy(buf, twcc_packet, sizeof buf);
    buf[14] = buf[15] = 0xFF;
    p = one(buf, sizeof buf);
    assert_int_equal(twcc_parse(&p, &r), -EBADMSG);
}

/* What confide's own feedback writer (twccfb) records comes back exactly through
 * twcc_parse: every number, lost or received, and every arrival on a 250 µs grid, across
 * the sequence wrap, with a reordered arrival and a loss burst. */
static void test_twcc_parse_twccfb_round_trip(void **state)
{
    static struct twccfb t;
    static struct twcc_report r;
    memset(&t, 0, sizeof t);
    int64_t arrival[200];
    int64_t at = 7000000 + 250 * 3;
    for (size_t i = 0; i < 200; i++) {
        at += 250 * (int64_t)(1 + i % 9);
        arrival[i] = (i >= 30 && i < 45) || i == 77 ? -1 : at;
    }
    arrival[120] = arrival[119] - 2000; /* overtook the one before it */
    arrival[150] += 70000;              /* a large delta */
    uint16_t base = 65450;
    for (size_t i = 0; i < 200; i++)
        if (arrival[i] >= 0)
            twccfb_record(&t, (uint16_t)(base + i), arrival[i]);
    uint8_t buf[2048];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(twccfb_write(&t, 1000, &w, 5, 6), 1);
    struct rtcp_packet p = one(buf, w.len);
    assert_int_equal(twcc_parse(&p, &r), 0);
    assert_int_equal(r.base_seq, base);
    assert_int_equal(r.count, 200);
    assert_int_equal(r.fb_count, 0);
    for (size_t i = 0; i < 200; i++) {
        assert_int_equal(r.packets[i].seq, (uint16_t)(base + i));
        assert_int_equal(r.packets[i].received, arrival[i] >= 0);
        if (arrival[i] >= 0)
            assert_int_equal(r.packets[i].arrival_us, arrival[i]);
    }
    /* the next report goes on from there, counted */
    twccfb_record(&t, (uint16_t)(base + 200), at + 1000);
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(twccfb_write(&t, 1100, &w, 5, 6), 1);
    p = one(buf, w.len);
    assert_int_equal(twcc_parse(&p, &r), 0);
    assert_int_equal(r.base_seq, (uint16_t)(base + 200));
    assert_int_equal(r.fb_count, 1);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.packets[0].arrival_us, at + 1000);
}

/* A report naming more packets than TWCC_REPORT_MAX keeps the first ones and says so. */
static void test_twcc_parse_truncates(void **state)
{
    static struct twcc_report r;
    size_t n = TWCC_REPORT_MAX + 500;
    static int64_t arrival[TWCC_REPORT_MAX + 500];
    for (size_t i = 0; i < n; i++)
        arrival[i] = 1000000 + (int64_t)i * 500;
    static uint8_t buf[8192];
    struct rtcp_writer w;
    rtcp_writer_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_write_twcc(&w, 1, 2, 9, 0, arrival, n), 0);
    struct rtcp_packet p = one(buf, w.len);
    assert_int_equal(twcc_parse(&p, &r), 0);
    assert_true(r.truncated);
    assert_int_equal(r.count, TWCC_REPORT_MAX);
    assert_int_equal(r.packets[TWCC_REPORT_MAX - 1].seq, (uint16_t)(9 + TWCC_REPORT_MAX - 1));
    assert_int_equal(r.packets[TWCC_REPORT_MAX - 1].arrival_us, arrival[TWCC_REPORT_MAX - 1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demux),
        cmocka_unit_test(test_sr),
        cmocka_unit_test(test_compound),
        cmocka_unit_test(test_padding_and_version),
        cmocka_unit_test(test_short_bodies),
        cmocka_unit_test(test_nack),
        cmocka_unit_test(test_nack_round_trip),
        cmocka_unit_test(test_pli_fir_remb),
        cmocka_unit_test(test_sr_rr_sdes_writers),
        cmocka_unit_test(test_twcc_known_example),
        cmocka_unit_test(test_twcc_round_trip),
        cmocka_unit_test(test_twcc_parse_known_example),
        cmocka_unit_test(test_twcc_parse_twccfb_round_trip),
        cmocka_unit_test(test_twcc_parse_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

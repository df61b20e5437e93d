/* sfu/rtp: hand-built packets for every header feature and extension form, every truncation,
 * the in-place rewrites, sequence unwrapping across the wrap, the rewriter across source
 * switches, and the VP8 / H.264 payload facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sfu/rtp.h"

/* V=2, PT 96, seq 0x1234, ts 0x5678, SSRC 0x11223344, payload "hello" */
static const uint8_t plain[] = {0x80, 0x60, 0x12, 0x34, 0x00, 0x00, 0x56, 0x78, 0x11,
                                0x22, 0x33, 0x44, 'h',  'e',  'l',  'l',  'o'};

/* marker, PT 111, two CSRCs */
static const uint8_t with_csrc[] = {0x82, 0xEF, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF,
                                    0x01, 0x02, 0x03, 0x04, 0xAA, 0xAA, 0xAA, 0xAA,
                                    0xBB, 0xBB, 0xBB, 0xBB, 0x01, 0x02};

/* one-byte extensions (0xBEDE): mid "a" (id 1), abs-send-time 0x123456 (id 2), transport-cc
 * 42 (id 3), audio level voice + 85 (id 4), one byte of padding; payload "xyz" */
static const uint8_t one_byte[] = {
    0x90, 0x6F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x64, 0xDE, 0xAD, 0xBE, 0xEF, /* header */
    0xBE, 0xDE, 0x00, 0x03,                                                 /* 3 words */
    0x10, 'a',  0x22, 0x12, 0x34, 0x56, 0x31, 0x00, 0x2A, 0x40, 0xD5, 0x00, /* elements */
    'x',  'y',  'z'};

/* two-byte extensions (0x1000): id 5 with 2 bytes (twcc 7), id 20 with 1 byte, id 9 with
 * none, padding */
static const uint8_t two_byte[] = {0x90, 0x60, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                   0x02, 0x10, 0x00, 0x00, 0x03, 0x05, 0x02, 0x00, 0x07, 0x14, 0x01,
                                   0xAB, 0x09, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03};

/* padding: payload "abc", then 3 bytes of padding ending in the count */
static const uint8_t padded[] = {0xA0, 0x60, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00,
                                 0x00, 0x00, 0x03, 'a',  'b',  'c',  0x00, 0x00, 0x03};

/* a padding-only probe: no payload, 4 bytes of padding */
static const uint8_t probe[] = {0xA0, 0x60, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,
                                0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04};

static int parse_copy(struct rtp_packet *p, uint8_t *buf, const uint8_t *src, size_t len)
{
    memcpy(buf, src, len);
    return rtp_parse(p, buf, len);
}

static void test_plain(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, plain, sizeof plain), 0);
    assert_false(p.padding);
    assert_false(p.extension);
    assert_false(p.marker);
    assert_int_equal(p.csrc_count, 0);
    assert_int_equal(p.payload_type, 96);
    assert_int_equal(p.seq, 0x1234);
    assert_int_equal(p.timestamp, 0x5678);
    assert_int_equal(p.ssrc, 0x11223344);
    assert_int_equal(p.header_len, 12);
    assert_int_equal(p.payload_len, 5);
    assert_memory_equal(p.payload, "hello", 5);
    assert_null(p.ext);
    struct rtp_ext e;
    assert_int_equal(rtp_ext_find(&p, 1, &e), -ENOENT);
}

static void test_csrc_and_marker(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, with_csrc, sizeof with_csrc), 0);
    assert_true(p.marker);
    assert_int_equal(p.payload_type, 111);
    assert_int_equal(p.seq, 0xFFFF);
    assert_int_equal(p.timestamp, 0xDEADBEEF);
    assert_int_equal(p.csrc_count, 2);
    assert_int_equal(p.header_len, 20);
    assert_int_equal(p.payload_len, 2);
    assert_int_equal(p.payload[0], 0x01);
}

static void test_one_byte_extensions(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, one_byte, sizeof one_byte), 0);
    assert_true(p.extension);
    assert_int_equal(p.ext_profile, 0xBEDE);
    assert_int_equal(p.ext_len, 12);
    assert_int_equal(p.header_len, 28);
    assert_int_equal(p.payload_len, 3);
    assert_memory_equal(p.payload, "xyz", 3);

    const char *mid;
    size_t mid_len;
    assert_int_equal(rtp_ext_string(&p, 1, &mid, &mid_len), 0);
    assert_int_equal(mid_len, 1);
    assert_memory_equal(mid, "a", 1);
    uint32_t abs;
    assert_int_equal(rtp_ext_abs_send_time(&p, 2, &abs), 0);
    assert_int_equal(abs, 0x123456);
    uint16_t twcc;
    assert_int_equal(rtp_ext_twcc_seq(&p, 3, &twcc), 0);
    assert_int_equal(twcc, 42);
    bool voice;
    uint8_t level;
    assert_int_equal(rtp_ext_audio_level(&p, 4, &voice, &level), 0);
    assert_true(voice);
    assert_int_equal(level, 85);
    assert_int_equal(rtp_ext_twcc_seq(&p, 5, &twcc), -ENOENT);
    /* the wrong length for the type */
    assert_int_equal(rtp_ext_abs_send_time(&p, 3, &abs), -EBADMSG);

    /* walk: four elements in order, the padding skipped */
    size_t pos = 0;
    struct rtp_ext e;
    uint8_t ids[8], n = 0;
    int rc;
    while ((rc = rtp_ext_next(&p, &pos, &e)) > 0)
        ids[n++] = e.id;
    assert_int_equal(rc, 0);
    assert_int_equal(n, 4);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[3], 4);
}

static void test_two_byte_extensions(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, two_byte, sizeof two_byte), 0);
    assert_int_equal(p.ext_profile, 0x1000);
    assert_int_equal(p.payload_len, 3);
    uint16_t twcc;
    assert_int_equal(rtp_ext_twcc_seq(&p, 5, &twcc), 0);
    assert_int_equal(twcc, 7);
    struct rtp_ext e;
    assert_int_equal(rtp_ext_find(&p, 20, &e), 0); /* ids above 14 only exist here */
    assert_int_equal(e.len, 1);
    assert_int_equal(e.data[0], 0xAB);
    assert_int_equal(rtp_ext_find(&p, 9, &e), 0); /* zero-length elements are allowed */
    assert_int_equal(e.len, 0);
    const char *s;
    size_t n;
    assert_int_equal(rtp_ext_string(&p, 9, &s, &n), -EBADMSG);

    /* app bits in the profile's low nibble are still the two-byte form */
    buf[13] = 0x0F;
    assert_int_equal(rtp_parse(&p, buf, sizeof two_byte), 0);
    assert_int_equal(rtp_ext_twcc_seq(&p, 5, &twcc), 0);
    /* an unknown profile parses, but has no elements to read */
    buf[12] = 0x12;
    assert_int_equal(rtp_parse(&p, buf, sizeof two_byte), 0);
    assert_int_equal(rtp_ext_find(&p, 5, &e), -ENOENT);
}

static void test_padding(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, padded, sizeof padded), 0);
    assert_true(p.padding);
    assert_int_equal(p.padding_len, 3);
    assert_int_equal(p.payload_len, 3);
    assert_memory_equal(p.payload, "abc", 3);

    assert_int_equal(parse_copy(&p, buf, probe, sizeof probe), 0);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.padding_len, 4);

    /* a count of 0, or more than there is after the header */
    buf[15] = 0;
    assert_int_equal(rtp_parse(&p, buf, sizeof probe), -EBADMSG);
    buf[15] = 5;
    assert_int_equal(rtp_parse(&p, buf, sizeof probe), -EBADMSG);
    /* padding flagged on a bare header: nothing to hold the count */
    assert_int_equal(rtp_parse(&p, buf, 12), -EBADMSG);
}

static void test_malformed(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    /* every cut inside a header, CSRC list or extension block is rejected */
    const struct {
        const uint8_t *data;
        size_t len, header;
    } packets[] = {{plain, sizeof plain, 12},
                   {with_csrc, sizeof with_csrc, 20},
                   {one_byte, sizeof one_byte, 28},
                   {two_byte, sizeof two_byte, 28}};
    for (size_t i = 0; i < sizeof packets / sizeof *packets; i++) {
        for (size_t n = 0; n < packets[i].header; n++) {
            memcpy(buf, packets[i].data, n);
            assert_int_equal(rtp_parse(&p, buf, n), -EBADMSG);
        }
        /* a cut payload is just a shorter payload */
        for (size_t n = packets[i].header; n <= packets[i].len; n++) {
            memcpy(buf, packets[i].data, n);
            assert_int_equal(rtp_parse(&p, buf, n), 0);
            assert_int_equal(p.payload_len, n - packets[i].header);
        }
    }
    /* every cut of a padded packet either fails or stays inside it */
    for (size_t n = 0; n < sizeof padded; n++) {
        memcpy(buf, padded, n);
        if (rtp_parse(&p, buf, n) == 0)
            assert_true(p.header_len + p.payload_len + p.padding_len == n);
    }
    /* version 1 and version 3 */
    memcpy(buf, plain, sizeof plain);
    buf[0] = 0x40;
    assert_int_equal(rtp_parse(&p, buf, sizeof plain), -EBADMSG);
    buf[0] = 0xC0;
    assert_int_equal(rtp_parse(&p, buf, sizeof plain), -EBADMSG);
    /* 15 CSRCs claimed, 0 present */
    buf[0] = 0x8F;
    assert_int_equal(rtp_parse(&p, buf, sizeof plain), -EBADMSG);
    /* an extension block longer than the packet */
    memcpy(buf, one_byte, sizeof one_byte);
    buf[15] = 0x05;
    assert_int_equal(rtp_parse(&p, buf, sizeof one_byte), -EBADMSG);

    /* an element running past its block: the packet parses, the element does not */
    memcpy(buf, one_byte, sizeof one_byte);
    buf[25] = 0x4F; /* id 4 claims 16 bytes */
    assert_int_equal(rtp_parse(&p, buf, sizeof one_byte), 0);
    struct rtp_ext e;
    assert_int_equal(rtp_ext_find(&p, 1, &e), 0); /* before it: fine */
    assert_int_equal(rtp_ext_find(&p, 4, &e), -EBADMSG);
    assert_int_equal(rtp_ext_find(&p, 7, &e), -EBADMSG);
    /* two-byte form: a header cut by the end of the block */
    memcpy(buf, two_byte, sizeof two_byte);
    buf[27] = 0x09; /* the last padding byte becomes an id with no length byte */
    assert_int_equal(rtp_parse(&p, buf, sizeof two_byte), 0);
    assert_int_equal(rtp_ext_find(&p, 9, &e), 0);
    assert_int_equal(rtp_ext_find(&p, 33, &e), -EBADMSG);
}

static void test_id_15_stops(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    memcpy(buf, one_byte, sizeof one_byte);
    buf[18] = 0xF2; /* id 15 where abs-send-time was */
    assert_int_equal(rtp_parse(&p, buf, sizeof one_byte), 0);
    struct rtp_ext e;
    assert_int_equal(rtp_ext_find(&p, 1, &e), 0);
    assert_int_equal(rtp_ext_find(&p, 3, &e), -ENOENT); /* after the 15: not read */
}

static void test_rewrites(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, one_byte, sizeof one_byte), 0);
    rtp_set_ssrc(&p, 0xCAFEBABE);
    rtp_set_seq(&p, 0xFFFE);
    rtp_set_timestamp(&p, 0x01020304);
    rtp_set_payload_type(&p, 100);
    rtp_set_marker(&p, true);
    assert_int_equal(rtp_ext_set_abs_send_time(&p, 2, 0xABCDEF), 0);
    assert_int_equal(rtp_ext_set_twcc_seq(&p, 3, 0x0102), 0);
    assert_int_equal(rtp_ext_rewrite(&p, 1, "b", 1), 0);
    assert_int_equal(rtp_ext_rewrite(&p, 1, "bb", 2), -EINVAL); /* lengths must match */
    assert_int_equal(rtp_ext_set_twcc_seq(&p, 9, 1), -ENOENT);

    static const uint8_t want[] = {0x90, 0xE4, 0xFF, 0xFE, 0x01, 0x02, 0x03, 0x04, 0xCA, 0xFE, 0xBA,
                                   0xBE, 0xBE, 0xDE, 0x00, 0x03, 0x10, 'b',  0x22, 0xAB, 0xCD, 0xEF,
                                   0x31, 0x01, 0x02, 0x40, 0xD5, 0x00, 'x',  'y',  'z'};
    assert_memory_equal(buf, want, sizeof want);
    /* the view moved with the bytes, and a fresh parse agrees */
    struct rtp_packet q;
    assert_int_equal(rtp_parse(&q, buf, sizeof one_byte), 0);
    assert_int_equal(q.ssrc, p.ssrc);
    assert_int_equal(q.seq, p.seq);
    assert_int_equal(q.timestamp, p.timestamp);
    assert_int_equal(q.payload_type, 100);
    assert_true(q.marker);
    rtp_set_payload_type(&p, 96);
    rtp_set_marker(&p, false);
    assert_int_equal(buf[1], 0x60);

    /* rebase onto a copy: the view reads the copy */
    uint8_t copy[64];
    memcpy(copy, buf, sizeof one_byte);
    rtp_rebase(&p, copy);
    rtp_set_seq(&p, 7);
    assert_int_equal(copy[3], 7);
    assert_int_equal(buf[3], 0xFE);
    assert_ptr_equal(p.payload, copy + 28);
    uint32_t abs;
    assert_int_equal(rtp_ext_abs_send_time(&p, 2, &abs), 0);
    assert_int_equal(abs, 0xABCDEF);
}

static void test_remap_and_erase(void **state)
{
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, one_byte, sizeof one_byte), 0);
    /* swap 2 and 3, drop the mid (1), keep 4 as 4 */
    uint8_t map[256] = {0};
    map[2] = 3;
    map[3] = 2;
    map[4] = 4;
    assert_int_equal(rtp_ext_remap(&p, map), 0);
    struct rtp_ext e;
    assert_int_equal(rtp_ext_find(&p, 1, &e), -ENOENT);
    uint32_t abs;
    uint16_t twcc;
    assert_int_equal(rtp_ext_abs_send_time(&p, 3, &abs), 0);
    assert_int_equal(abs, 0x123456);
    assert_int_equal(rtp_ext_twcc_seq(&p, 2, &twcc), 0);
    assert_int_equal(twcc, 42);
    assert_int_equal(buf[16], 0); /* the mid became padding */
    assert_int_equal(buf[17], 0);

    /* an id that does not fit the one-byte form changes nothing */
    uint8_t before[64];
    memcpy(before, buf, sizeof one_byte);
    map[4] = 15;
    assert_int_equal(rtp_ext_remap(&p, map), -EINVAL);
    assert_memory_equal(buf, before, sizeof one_byte);

    assert_int_equal(rtp_ext_erase(&p, 4), 0);
    assert_int_equal(rtp_ext_erase(&p, 4), -ENOENT);
    bool voice;
    uint8_t level;
    assert_int_equal(rtp_ext_audio_level(&p, 4, &voice, &level), -ENOENT);
    assert_int_equal(rtp_ext_twcc_seq(&p, 2, &twcc), 0);

    /* two-byte form: ids up to 255, zero-length elements erase to two zero bytes */
    assert_int_equal(parse_copy(&p, buf, two_byte, sizeof two_byte), 0);
    memset(map, 0, sizeof map);
    map[5] = 200;
    map[20] = 5;
    assert_int_equal(rtp_ext_remap(&p, map), 0);
    assert_int_equal(rtp_ext_twcc_seq(&p, 200, &twcc), 0);
    assert_int_equal(twcc, 7);
    assert_int_equal(rtp_ext_find(&p, 5, &e), 0);
    assert_int_equal(e.data[0], 0xAB);
    assert_int_equal(rtp_ext_find(&p, 9, &e), -ENOENT);
    assert_int_equal(buf[23], 0);
    assert_int_equal(buf[24], 0);
}

static void test_rtx(void **state)
{
    /* the padded packet as a subscriber's retransmission and back */
    uint8_t buf[sizeof padded + 2];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, padded, sizeof padded), 0);
    assert_int_equal(rtp_rtx_wrap(&p, sizeof padded + 1, 97, 0xABCD, 500), -ENOSPC);
    assert_int_equal(rtp_rtx_wrap(&p, sizeof buf, 97, 0xABCD, 500), 0);
    static const uint8_t rtx[] = {0xA0, 0x61, 0x01, 0xF4, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                                  0xAB, 0xCD, 0x00, 0x03, 'a',  'b',  'c',  0x00, 0x00, 0x03};
    assert_int_equal(p.len, sizeof rtx);
    assert_memory_equal(buf, rtx, sizeof rtx);
    struct rtp_packet q;
    assert_int_equal(rtp_parse(&q, buf, sizeof rtx), 0);
    assert_int_equal(q.payload_len, 5);
    assert_int_equal(q.seq, 500);

    assert_int_equal(rtp_rtx_unwrap(&q, 96, 3), 0);
    assert_int_equal(q.len, sizeof padded);
    assert_memory_equal(buf, padded, sizeof padded);
    assert_int_equal(rtp_parse(&q, buf, q.len), 0);
    assert_int_equal(q.seq, 3);
    assert_memory_equal(q.payload, "abc", 3);
    /* an RTX packet too short to hold the original number */
    assert_int_equal(parse_copy(&p, buf, probe, sizeof probe), 0);
    assert_int_equal(rtp_rtx_unwrap(&p, 96, 3), -EBADMSG);
}

/* RED (RFC 2198): PT 63, one-byte extension (audio level id 1), then two redundant blocks
 * (PT 111, offsets 960 and 1920, 3 and 2 bytes), the primary (PT 111, 4 bytes) */
static const uint8_t red[] = {0x90, 0x3F, 0x00, 0x10, 0x00, 0x00, 0x10, 0x00, 0x11,
                              0x22, 0x33, 0x44,                               /* header */
                              0xBE, 0xDE, 0x00, 0x01, 0x10, 0xD5, 0x00, 0x00, /* level */
                              0xEF, 0x1E, 0x00, 0x03, /* F, 111, offset 1920, length 3 */
                              0xEF, 0x0F, 0x00, 0x02, /* F, 111, offset 960, length 2 */
                              0x6F,                   /* primary: 111 */
                              'o',  'l',  'd',  'm',  'e',  'n',  'e',  'w',  '!'};

static void test_red_primary(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, red, sizeof red), 0);
    struct rtp_red_block b;
    size_t n = 9;
    assert_int_equal(rtp_red_primary(p.payload, p.payload_len, &b, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(b.pt, 111);
    assert_int_equal(b.len, 4);
    assert_memory_equal(p.payload + b.offset, "new!", 4);

    /* unwrapped: the primary alone at the payload's start, header and extension untouched */
    assert_int_equal(rtp_red_unwrap(&p), 0);
    assert_int_equal(p.payload_type, 111);
    assert_int_equal(p.payload_len, 4);
    assert_int_equal(p.len, p.header_len + 4);
    assert_memory_equal(p.payload, "new!", 4);
    struct rtp_packet again;
    assert_int_equal(rtp_parse(&again, buf, p.len), 0);
    assert_int_equal(again.payload_type, 111);
    assert_int_equal(again.seq, 0x10);
    assert_int_equal(again.payload_len, 4);
    bool voice;
    uint8_t level;
    assert_int_equal(rtp_ext_audio_level(&again, 1, &voice, &level), 0);
    assert_true(voice);
    assert_int_equal(level, 0x55);
}

static void test_red_primary_only(void **state)
{
    (void)state;
    /* a RED packet with no redundancy yet (the first of a stream): one header byte */
    const uint8_t only[] = {0x80, 0x3F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x01, 0x6F, 'a',  'b'};
    uint8_t buf[32];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, only, sizeof only), 0);
    struct rtp_red_block b;
    size_t n = 9;
    assert_int_equal(rtp_red_primary(p.payload, p.payload_len, &b, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(b.offset, 1);
    assert_int_equal(b.len, 2);
    assert_int_equal(rtp_red_forward(&p, 0, 109), 0);
    assert_int_equal(p.payload_type, 109);
    assert_int_equal(p.len, 14);
    assert_memory_equal(p.payload, "ab", 2);

    /* padding after a RED payload goes with the unwrapping */
    const uint8_t padded_red[] = {0xA0, 0x3F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x01, 0x6F, 'a',  'b',  0x00, 0x00, 0x03};
    assert_int_equal(parse_copy(&p, buf, padded_red, sizeof padded_red), 0);
    assert_int_equal(p.payload_len, 3);
    assert_int_equal(rtp_red_unwrap(&p), 0);
    assert_false(p.padding);
    assert_int_equal(p.len, 14);
    assert_int_equal(buf[0] & 0x20, 0);
    assert_int_equal(rtp_parse(&p, buf, 14), 0);
    assert_int_equal(p.payload_len, 2);

    /* an empty primary is well formed but has nothing to play */
    const uint8_t empty[] = {0x80, 0x3F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x01, 0xEF, 0x00, 0x00, 0x01, 0x6F, 'z'};
    assert_int_equal(parse_copy(&p, buf, empty, sizeof empty), 0);
    assert_int_equal(rtp_red_primary(p.payload, p.payload_len, &b, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(b.len, 0);
    assert_int_equal(rtp_red_unwrap(&p), -ENODATA);
    assert_memory_equal(buf, empty, sizeof empty); /* unchanged */
}

static void test_red_forward_keeps_red(void **state)
{
    (void)state;
    /* a subscriber that took RED: the same blocks, the packet and block types renumbered */
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, red, sizeof red), 0);
    assert_int_equal(rtp_red_forward(&p, 100, 109), 0);
    assert_int_equal(p.len, sizeof red);
    assert_int_equal(buf[1] & 0x7f, 100);
    assert_int_equal(p.payload[0], 0x80 | 109);
    assert_int_equal(p.payload[4], 0x80 | 109);
    assert_int_equal(p.payload[8], 109);
    /* offsets and lengths are untouched */
    assert_memory_equal(p.payload + 1, red + 21, 3);
    assert_memory_equal(p.payload + 5, red + 25, 3);
    assert_memory_equal(p.payload + 9, "oldmenew!", 9);
    struct rtp_red_block b;
    assert_int_equal(rtp_red_primary(p.payload, p.payload_len, &b, NULL), 0);
    assert_int_equal(b.pt, 109);
    assert_memory_equal(p.payload + b.offset, "new!", 4);
}

static void test_red_malformed(void **state)
{
    (void)state;
    struct rtp_red_block b;
    /* nothing at all */
    assert_int_equal(rtp_red_primary((const uint8_t *)"", 0, &b, NULL), -EBADMSG);
    /* only redundant headers: the primary's byte never comes */
    const uint8_t no_primary[] = {0xEF, 0x00, 0x00, 0x00};
    assert_int_equal(rtp_red_primary(no_primary, sizeof no_primary, &b, NULL), -EBADMSG);
    /* a redundant header cut short */
    const uint8_t short_header[] = {0xEF, 0x00, 0x00};
    assert_int_equal(rtp_red_primary(short_header, sizeof short_header, &b, NULL), -EBADMSG);
    const uint8_t second_short[] = {0xEF, 0x00, 0x00, 0x00, 0xEF, 0x00};
    assert_int_equal(rtp_red_primary(second_short, sizeof second_short, &b, NULL), -EBADMSG);
    /* a block longer than what follows the headers (10-bit length 0x3FF) */
    const uint8_t too_long[] = {0xEF, 0x00, 0x03, 0xFF, 0x6F, 'a', 'b'};
    assert_int_equal(rtp_red_primary(too_long, sizeof too_long, &b, NULL), -EBADMSG);
    /* two blocks, each fitting alone, together longer than the payload */
    const uint8_t together[] = {0xEF, 0x00, 0x00, 0x02, 0xEF, 0x00,
                                0x00, 0x02, 0x6F, 'a',  'b',  'c'};
    assert_int_equal(rtp_red_primary(together, sizeof together, &b, NULL), -EBADMSG);
    /* exactly fitting: an empty primary */
    const uint8_t exact[] = {0xEF, 0x00, 0x00, 0x02, 0x6F, 'a', 'b'};
    assert_int_equal(rtp_red_primary(exact, sizeof exact, &b, NULL), 0);
    assert_int_equal(b.len, 0);

    /* a malformed RED packet is left as it was by either rewrite */
    const uint8_t bad[] = {0x80, 0x3F, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x01, 0xEF, 0x00, 0x00, 0x09, 0x6F, 'a'};
    uint8_t buf[32];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, bad, sizeof bad), 0);
    assert_int_equal(rtp_red_forward(&p, 0, 111), -EBADMSG);
    assert_int_equal(rtp_red_forward(&p, 63, 111), -EBADMSG);
    assert_memory_equal(buf, bad, sizeof bad);
}

static void test_seq_unwrap(void **state)
{
    struct rtp_seq s = {0};
    assert_int_equal(rtp_seq_unwrap(&s, 65534), 65534);
    assert_int_equal(rtp_seq_unwrap(&s, 65535), 65535);
    assert_int_equal(rtp_seq_unwrap(&s, 0), 65536);
    assert_int_equal(rtp_seq_unwrap(&s, 2), 65538);
    assert_int_equal(rtp_seq_unwrap(&s, 1), 65537);     /* late */
    assert_int_equal(rtp_seq_unwrap(&s, 65533), 65533); /* later still, before the wrap */
    assert_int_equal(s.max, 65538);
    assert_int_equal(rtp_seq_unwrap(&s, 30000), 65536 + 30000); /* a loss burst */
    assert_int_equal(rtp_seq_peek(&s, 29999), 65536 + 29999);
    assert_int_equal(s.max, 65536 + 30000);
    /* many wraps */
    struct rtp_seq w = {0};
    uint16_t seq = 100;
    int64_t last = 0;
    for (int i = 0; i < 300000; i++, seq += 7)
        last = rtp_seq_unwrap(&w, seq);
    assert_int_equal(last, 100 + (int64_t)7 * 299999);
    /* older than the first, across a wrap: negative */
    struct rtp_seq n = {0};
    assert_int_equal(rtp_seq_unwrap(&n, 1), 1);
    assert_int_equal(rtp_seq_unwrap(&n, 65535), -1);
    assert_int_equal(n.max, 1);
}

static void test_rewriter_switch(void **state)
{
    struct rtp_rewriter rw = {.out_ssrc = 0x5EED, .clock_rate = 90000};
    uint16_t seq;
    uint32_t ts;
    int64_t now = 1000000;
    /* source A: the first keeps its numbers */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(rtp_rewriter_map(&rw, 0xA, (uint16_t)(65530 + i), 3000 * (uint32_t)i,
                                          now + 33333 * i, &seq, &ts),
                         0);
        assert_int_equal(seq, (uint16_t)(65530 + i));
        assert_int_equal(ts, 3000 * (uint32_t)i);
    }
    /* the last out: seq 3 (65539), ts 27000 at now + 299997 µs */

    /* switch to B (another layer) 100 ms later: next number, timestamp on by 100 ms */
    int64_t t_switch = now + 299997 + 100000;
    assert_int_equal(rtp_rewriter_map(&rw, 0xB, 40000, 777777, t_switch, &seq, &ts), 0);
    assert_int_equal(seq, 4);
    assert_int_equal(ts, 27000 + 9000);
    /* B goes on with its own spacing */
    assert_int_equal(rtp_rewriter_map(&rw, 0xB, 40002, 777777 + 3000, t_switch + 2, &seq, &ts), 0);
    assert_int_equal(seq, 6);
    assert_int_equal(ts, 36000 + 3000);
    /* reordered inside B */
    assert_int_equal(rtp_rewriter_map(&rw, 0xB, 40001, 777777, t_switch + 3, &seq, &ts), 0);
    assert_int_equal(seq, 5);
    assert_int_equal(ts, 36000);
    /* a B packet from before the switch point would reuse an outgoing number */
    assert_int_equal(rtp_rewriter_map(&rw, 0xB, 39999, 777777 - 3000, t_switch + 4, &seq, &ts),
                     -ESTALE);

    /* NACK of outgoing 5 → incoming 40001; outgoing 2 was A's: gone */
    uint16_t in;
    assert_int_equal(rtp_rewriter_unmap_seq(&rw, 5, &in), 0);
    assert_int_equal(in, 40001);
    assert_int_equal(rtp_rewriter_unmap_seq(&rw, 2, &in), -ENOENT);
    assert_int_equal(rtp_rewriter_unmap_seq(&rw, 7, &in), -ENOENT); /* not yet sent */

    /* back to A (the person rejoined with a new SSRC, or the layer came back): no backwards
     * step, even with no time passing */
    assert_int_equal(rtp_rewriter_map(&rw, 0xA, 12, 5, t_switch + 2, &seq, &ts), 0);
    assert_int_equal(seq, 7);
    assert_int_equal(ts, 39001);

    /* same SSRC, restarted numbering */
    rtp_rewriter_restart(&rw);
    assert_int_equal(rtp_rewriter_map(&rw, 0xA, 60000, 1, t_switch + 1000002, &seq, &ts), 0);
    assert_int_equal(seq, 8);
    assert_int_equal(ts, 39001 + 90000);
    assert_int_equal(rtp_rewriter_map(&rw, 0xA, 60001, 2, t_switch + 1000003, &seq, &ts), 0);
    assert_int_equal(seq, 9);
}

static void test_rewriter_wraps_and_applies(void **state)
{
    struct rtp_rewriter rw = {.out_ssrc = 0x0BADF00D, .clock_rate = 48000};
    uint16_t seq;
    uint32_t ts;
    assert_int_equal(rtp_rewriter_map(&rw, 1, 100, 0xFFFFF800, 0, &seq, &ts), 0);
    /* a switch far into B's numbers: the outgoing side wraps around 65535 and 2^32 */
    assert_int_equal(rtp_rewriter_map(&rw, 2, 65535, 10, 20000, &seq, &ts), 0);
    assert_int_equal(seq, 101);
    assert_int_equal(ts, 0xFFFFFBC0); /* 20 ms at 48 kHz later */
    assert_int_equal(rtp_rewriter_map(&rw, 2, 0, 970, 40000, &seq, &ts), 0);
    assert_int_equal(seq, 102);
    assert_int_equal(ts, 0xFFFFFF80);
    assert_int_equal(rtp_rewriter_map(&rw, 2, 2, 2890, 80000, &seq, &ts), 0);
    assert_int_equal(seq, 104);
    assert_int_equal(ts, 1792); /* wrapped */

    /* apply: the whole header rewritten in place */
    uint8_t buf[64];
    struct rtp_packet p;
    assert_int_equal(parse_copy(&p, buf, plain, sizeof plain), 0);
    rw = (struct rtp_rewriter){.out_ssrc = 0x0BADF00D, .clock_rate = 90000};
    assert_int_equal(rtp_rewriter_apply(&rw, &p, 0), 0);
    assert_int_equal(p.ssrc, 0x0BADF00D);
    assert_int_equal(buf[8], 0x0B);
    assert_int_equal(buf[11], 0x0D);
    assert_int_equal(p.seq, 0x1234);
    assert_memory_equal(p.payload, "hello", 5);
}

/* X I L T K, S=1 PID 0; 15-bit picture id 0x123, TL0PICIDX 5, TID 1 Y KEYIDX 10; then a
 * key frame's VP8 header: 640x480 */
static const uint8_t vp8_key[] = {0x90, 0xF0, 0x81, 0x23, 0x05, 0x6A, 0x10, 0x02,
                                  0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01};
/* X I, 7-bit picture id 5, an inter frame */
static const uint8_t vp8_delta[] = {0x90, 0x80, 0x05, 0x11, 0x22, 0x33};
/* no X: a continuation (S=0) of partition 1 */
static const uint8_t vp8_cont[] = {0x01, 0xAA, 0xBB};

static void test_vp8(void **state)
{
    struct rtp_vp8 v;
    assert_int_equal(rtp_vp8_parse(vp8_key, sizeof vp8_key, &v), 0);
    assert_true(v.start);
    assert_int_equal(v.partition, 0);
    assert_true(v.has_picture_id);
    assert_true(v.picture_id_15bit);
    assert_int_equal(v.picture_id, 0x123);
    assert_true(v.has_tl0picidx);
    assert_int_equal(v.tl0picidx, 5);
    assert_true(v.has_tid);
    assert_int_equal(v.tid, 1);
    assert_true(v.layer_sync);
    assert_true(v.has_keyidx);
    assert_int_equal(v.keyidx, 10);
    assert_int_equal(v.descriptor_len, 6);
    assert_true(v.frame_start);
    assert_true(v.keyframe);
    assert_int_equal(v.width, 640);
    assert_int_equal(v.height, 480);

    assert_int_equal(rtp_vp8_parse(vp8_delta, sizeof vp8_delta, &v), 0);
    assert_true(v.frame_start);
    assert_false(v.keyframe);
    assert_false(v.picture_id_15bit);
    assert_int_equal(v.picture_id, 5);
    assert_int_equal(v.descriptor_len, 3);
    assert_false(v.has_tl0picidx);

    assert_int_equal(rtp_vp8_parse(vp8_cont, sizeof vp8_cont, &v), 0);
    assert_false(v.start);
    assert_false(v.frame_start);
    assert_false(v.keyframe);
    assert_int_equal(v.partition, 1);
    assert_int_equal(v.descriptor_len, 1);

    /* truncated descriptors fail; a key frame cut before its size keeps keyframe, no size */
    for (size_t n = 0; n < 6; n++)
        assert_int_equal(rtp_vp8_parse(vp8_key, n, &v), -EBADMSG);
    assert_int_equal(rtp_vp8_parse(vp8_key, 6, &v), 0);
    assert_false(v.keyframe);
    for (size_t n = 7; n < sizeof vp8_key; n++) {
        assert_int_equal(rtp_vp8_parse(vp8_key, n, &v), 0);
        assert_true(v.keyframe);
        assert_int_equal(v.width, 0);
    }
    for (size_t n = 0; n < 3; n++)
        assert_int_equal(rtp_vp8_parse(vp8_delta, n, &v), -EBADMSG);

    /* rewriting the picture id and TL0PICIDX keeps the form */
    uint8_t buf[sizeof vp8_key];
    memcpy(buf, vp8_key, sizeof buf);
    assert_int_equal(rtp_vp8_set_picture_id(buf, sizeof buf, 0x7ABC), 0);
    assert_int_equal(rtp_vp8_set_tl0picidx(buf, sizeof buf, 200), 0);
    assert_int_equal(rtp_vp8_parse(buf, sizeof buf, &v), 0);
    assert_int_equal(v.picture_id, 0x7ABC);
    assert_int_equal(v.tl0picidx, 200);
    assert_int_equal(v.width, 640);
    uint8_t small[sizeof vp8_delta];
    memcpy(small, vp8_delta, sizeof small);
    assert_int_equal(rtp_vp8_set_picture_id(small, sizeof small, 0x1FF), 0);
    assert_int_equal(rtp_vp8_parse(small, sizeof small, &v), 0);
    assert_int_equal(v.picture_id, 0x7F);
    assert_int_equal(rtp_vp8_set_tl0picidx(small, sizeof small, 1), -ENOENT);
    uint8_t cont[sizeof vp8_cont];
    memcpy(cont, vp8_cont, sizeof cont);
    assert_int_equal(rtp_vp8_set_picture_id(cont, sizeof cont, 1), -ENOENT);
}

static void test_h264_keyframes(void **state)
{
    static const uint8_t idr[] = {0x65, 0x88, 0x84};
    static const uint8_t slice[] = {0x41, 0x9A};
    static const uint8_t stap_sps[] = {0x78, 0x00, 0x02, 0x09, 0xF0, 0x00, 0x03, 0x67, 0x42, 0xE0};
    static const uint8_t stap_cut[] = {0x78, 0x00, 0x02, 0x09, 0xF0, 0x00, 0x09, 0x67};
    static const uint8_t fu_start[] = {0x7C, 0x85, 0xB8};
    static const uint8_t fu_middle[] = {0x7C, 0x05, 0xB8};
    assert_true(rtp_h264_is_keyframe(idr, sizeof idr));
    assert_false(rtp_h264_is_keyframe(slice, sizeof slice));
    assert_true(rtp_h264_is_keyframe(stap_sps, sizeof stap_sps));
    assert_false(rtp_h264_is_keyframe(stap_cut, sizeof stap_cut));
    assert_true(rtp_h264_is_keyframe(fu_start, sizeof fu_start));
    assert_false(rtp_h264_is_keyframe(fu_middle, sizeof fu_middle));
    assert_false(rtp_h264_is_keyframe(fu_start, 1));
    assert_false(rtp_h264_is_keyframe(idr, 0));
    for (size_t n = 0; n < sizeof stap_sps; n++) /* the SPS is cut in every prefix */
        assert_false(rtp_h264_is_keyframe(stap_sps, n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_csrc_and_marker),
        cmocka_unit_test(test_one_byte_extensions),
        cmocka_unit_test(test_two_byte_extensions),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_id_15_stops),
        cmocka_unit_test(test_rewrites),
        cmocka_unit_test(test_remap_and_erase),
        cmocka_unit_test(test_rtx),
        cmocka_unit_test(test_red_primary),
        cmocka_unit_test(test_red_primary_only),
        cmocka_unit_test(test_red_forward_keeps_red),
        cmocka_unit_test(test_red_malformed),
        cmocka_unit_test(test_seq_unwrap),
        cmocka_unit_test(test_rewriter_switch),
        cmocka_unit_test(test_rewriter_wraps_and_applies),
        cmocka_unit_test(test_vp8),
        cmocka_unit_test(test_h264_keyframes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* stun: the RFC 5769 test vectors both ways (parse and verify, build the same bytes), the
 * wire encodings, and every malformed message we could think of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "sfu/stun.h"

/* RFC 5769 (Copyright (c) 2010 IETF Trust and the persons identified as the document
 * authors; Simplified BSD License). Its SOFTWARE and USERNAME values are padded with
 * spaces, not zeros, which is why the builder has a padding byte. */
static const char rfc5769_request[] = "00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
                                      "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
                                      "00 24 00 04 6e 00 01 ff"
                                      "80 29 00 08 93 2f f9 b1 51 26 3b 36"
                                      "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
                                      "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49"
                                      "c1 b5 71 a2"
                                      "80 28 00 04 e5 7a 3b cf";

static const char rfc5769_ipv4[] = "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
                                   "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
                                   "00 20 00 08 00 01 a1 47 e1 12 a6 43"
                                   "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53"
                                   "f0 6b e7 d7"
                                   "80 28 00 04 c0 7d 4c 96";

static const char rfc5769_ipv6[] = "01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
                                   "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
                                   "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5"
                                   "be d2 b9 d9"
                                   "00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75"
                                   "bf e3 ed 41"
                                   "80 28 00 04 c8 fb 0b 4c";

static const char password[] = "VOkJxbRl1RmTxUk/WvJxBt";
static const uint8_t tid[STUN_TID_SIZE] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                           0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int half = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else
            continue;
        if (half < 0) {
            half = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    return n;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static int parse(const uint8_t *b, size_t n, struct stun_msg *m)
{
    return stun_parse(b, n, m);
}

static void crc32_check_value(void **state)
{
    /* the catalogue's check value for CRC-32/ISO-HDLC */
    assert_int_equal(stun_crc32("123456789", 9), 0xCBF43926u);
    assert_int_equal(stun_crc32("", 0), 0);
}

static void demux(void **state)
{
    uint8_t b[1];
    for (int v = 0; v < 256; v++) {
        b[0] = (uint8_t)v;
        assert_int_equal(stun_is_stun(b, 1), v <= 3);
    }
    assert_false(stun_is_stun(b, 0));
}

static void vector_request(void **state)
{
    uint8_t raw[200];
    size_t n = unhex(rfc5769_request, raw, sizeof raw);
    assert_int_equal(n, 108);
    struct stun_msg m;
    assert_int_equal(parse(raw, n, &m), 0);
    assert_int_equal(m.method, STUN_BINDING);
    assert_int_equal(m.cls, STUN_REQUEST);
    assert_memory_equal(m.tid, tid, STUN_TID_SIZE);
    assert_true(m.present & STUN_HAS_USERNAME);
    assert_int_equal(m.username_len, 9);
    assert_memory_equal(m.username, "evtj:h6vY", 9);
    assert_true(m.present & STUN_HAS_PRIORITY);
    assert_int_equal(m.priority, 0x6e0001ff);
    assert_true(m.present & STUN_HAS_ICE_CONTROLLED);
    assert_true(m.ice_controlled == 0x932ff9b151263b36ull);
    assert_false(m.present & STUN_HAS_ICE_CONTROLLING);
    assert_false(m.present & STUN_HAS_USE_CANDIDATE);
    assert_int_equal(m.unknown_count, 0);
    assert_int_equal(stun_check_integrity(&m, password, strlen(password)), 0);
    assert_int_equal(stun_check_integrity(&m, "VOkJxbRl1RmTxUk/WvJxBT", 22), -EACCES);
    assert_int_equal(stun_check_integrity(&m, password, 21), -EACCES);
    assert_int_equal(stun_check_fingerprint(&m), 0);

    /* and built again from the same inputs, byte for byte */
    uint8_t out[200];
    struct stun_builder b;
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_REQUEST, tid);
    b.pad = ' ';
    stun_add(&b, STUN_ATTR_SOFTWARE, "STUN test client", 16);
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff);
    stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLED, 0x932ff9b151263b36ull);
    stun_add(&b, STUN_ATTR_USERNAME, "evtj:h6vY", 9);
    stun_add_integrity(&b, password, strlen(password));
    stun_add_fingerprint(&b);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);
    assert_int_equal(len, n);
    assert_memory_equal(out, raw, n);
}

static size_t build_response(uint8_t *out, size_t cap, const struct sockaddr *addr)
{
    struct stun_builder b;
    stun_build_init(&b, out, cap, STUN_BINDING, STUN_SUCCESS, tid);
    b.pad = ' ';
    stun_add(&b, STUN_ATTR_SOFTWARE, "test vector", 11);
    stun_add_xor_mapped_address(&b, addr);
    stun_add_integrity(&b, password, strlen(password));
    stun_add_fingerprint(&b);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);
    return len;
}

static void vector_ipv4_response(void **state)
{
    uint8_t raw[200];
    size_t n = unhex(rfc5769_ipv4, raw, sizeof raw);
    assert_int_equal(n, 80);
    struct stun_msg m;
    assert_int_equal(parse(raw, n, &m), 0);
    assert_int_equal(m.method, STUN_BINDING);
    assert_int_equal(m.cls, STUN_SUCCESS);
    assert_true(m.present & STUN_HAS_XOR_MAPPED_ADDRESS);
    const struct sockaddr_in *in = (const struct sockaddr_in *)&m.xor_mapped;
    assert_int_equal(in->sin_family, AF_INET);
    assert_int_equal(ntohs(in->sin_port), 32853);
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    assert_string_equal(text, "192.0.2.1");
    assert_int_equal(stun_check_integrity(&m, password, strlen(password)), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(32853)};
    inet_pton(AF_INET, "192.0.2.1", &addr.sin_addr);
    uint8_t out[200];
    size_t len = build_response(out, sizeof out, (const struct sockaddr *)&addr);
    assert_int_equal(len, n);
    assert_memory_equal(out, raw, n);

    /* the same peer seen through a dual-stack socket is the same IPv4 address */
    struct sockaddr_in6 mapped = {.sin6_family = AF_INET6, .sin6_port = htons(32853)};
    inet_pton(AF_INET6, "::ffff:192.0.2.1", &mapped.sin6_addr);
    len = build_response(out, sizeof out, (const struct sockaddr *)&mapped);
    assert_int_equal(len, n);
    assert_memory_equal(out, raw, n);
}

static void vector_ipv6_response(void **state)
{
    uint8_t raw[200];
    size_t n = unhex(rfc5769_ipv6, raw, sizeof raw);
    assert_int_equal(n, 92);
    struct stun_msg m;
    assert_int_equal(parse(raw, n, &m), 0);
    assert_int_equal(m.cls, STUN_SUCCESS);
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&m.xor_mapped;
    assert_int_equal(in6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(in6->sin6_port), 32853);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    assert_string_equal(text, "2001:db8:1234:5678:11:2233:4455:6677");
    assert_int_equal(stun_check_integrity(&m, password, strlen(password)), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);

    struct sockaddr_in6 addr = {.sin6_family = AF_INET6, .sin6_port = htons(32853)};
    inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677", &addr.sin6_addr);
    uint8_t out[200];
    size_t len = build_response(out, sizeof out, (const struct sockaddr *)&addr);
    assert_int_equal(len, n);
    assert_memory_equal(out, raw, n);
}

static void types_round_trip(void **state)
{
    static const uint16_t methods[] = {0x001, 0x003, 0x0FFF, 0x0A5A};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        for (int c = 0; c < 4; c++) {
            uint8_t out[64];
            struct stun_builder b;
            stun_build_init(&b, out, sizeof out, methods[i], (enum stun_class)c, tid);
            size_t len;
            assert_int_equal(stun_build_finish(&b, &len), 0);
            assert_int_equal(len, STUN_HEADER_SIZE);
            struct stun_msg m;
            assert_int_equal(parse(out, len, &m), 0);
            assert_int_equal(m.method, methods[i]);
            assert_int_equal(m.cls, c);
        }
    }
    /* the well-known type values */
    uint8_t out[64];
    struct stun_builder b;
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_ERROR, tid);
    assert_int_equal(out[0] << 8 | out[1], 0x0111);
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_INDICATION, tid);
    assert_int_equal(out[0] << 8 | out[1], 0x0011);
    stun_build_init(&b, out, sizeof out, 0x1000, STUN_REQUEST, tid);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
}

static void error_code_round_trip(void **state)
{
    uint8_t out[128];
    struct stun_builder b;
    uint16_t unknown[] = {0x0031, 0x7fff, 0x0002};
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_ERROR, tid);
    stun_add_error_code(&b, 420, "Unknown Attribute");
    stun_add_unknown_attributes(&b, unknown, 3);
    stun_add_integrity(&b, "key", 3);
    stun_add_fingerprint(&b);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);
    assert_int_equal(len % 4, 0);
    struct stun_msg m;
    assert_int_equal(parse(out, len, &m), 0);
    assert_true(m.present & STUN_HAS_ERROR_CODE);
    assert_int_equal(m.error_code, 420);
    assert_int_equal(m.error_reason_len, 17);
    assert_memory_equal(m.error_reason, "Unknown Attribute", 17);
    assert_int_equal(stun_check_integrity(&m, "key", 3), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
    /* out of range codes are refused */
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_ERROR, tid);
    stun_add_error_code(&b, 299, "x");
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_ERROR, tid);
    stun_add_error_code(&b, 700, NULL);
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_ERROR, tid);
    stun_add_error_code(&b, 699, NULL);
    assert_int_equal(stun_build_finish(&b, &len), 0);
    assert_int_equal(parse(out, len, &m), 0);
    assert_int_equal(m.error_code, 699);
    assert_int_equal(m.error_reason_len, 0);
}

static void builder_refuses(void **state)
{
    uint8_t out[64];
    struct stun_builder b;
    size_t len;
    /* no room for the header, or for an attribute */
    stun_build_init(&b, out, 19, STUN_BINDING, STUN_REQUEST, tid);
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 1);
    assert_int_equal(stun_build_finish(&b, &len), -ENOBUFS);
    assert_int_equal(len, 0);
    stun_build_init(&b, out, 27, STUN_BINDING, STUN_REQUEST, tid);
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 1);
    assert_int_equal(stun_build_finish(&b, &len), -ENOBUFS);
    stun_build_init(&b, out, 28, STUN_BINDING, STUN_REQUEST, tid);
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 1);
    assert_int_equal(stun_build_finish(&b, &len), 0);
    assert_int_equal(len, 28);
    /* sticky: a later add that would fit does not clear the error */
    stun_build_init(&b, out, 24, STUN_BINDING, STUN_REQUEST, tid);
    stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLING, 1);
    stun_add(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
    assert_int_equal(stun_build_finish(&b, &len), -ENOBUFS);
    /* nothing but FINGERPRINT after MESSAGE-INTEGRITY, nothing after FINGERPRINT */
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_REQUEST, tid);
    stun_add_integrity(&b, "k", 1);
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 1);
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_REQUEST, tid);
    stun_add_fingerprint(&b);
    stun_add_integrity(&b, "k", 1);
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
    /* the computed attributes only through their own functions; NULL with a length */
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_FINGERPRINT, "abcd", 4);
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, NULL, 3);
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
    /* an address that is not IP */
    struct sockaddr_storage ss = {.ss_family = AF_UNIX};
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_SUCCESS, tid);
    stun_add_xor_mapped_address(&b, (const struct sockaddr *)&ss);
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
    /* the 16-bit length field cannot overflow */
    static uint8_t big[70000];
    static uint8_t value[40000];
    stun_build_init(&b, big, sizeof big, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, 0x8001, value, 40000);
    stun_add(&b, 0x8001, value, 30000);
    assert_int_equal(stun_build_finish(&b, &len), -ENOBUFS);
    stun_build_init(&b, big, sizeof big, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, 0x8001, value, 65536);
    assert_int_equal(stun_build_finish(&b, &len), -EINVAL);
}

/* A small valid request to break in different ways. */
static size_t sample(uint8_t *out, size_t cap)
{
    struct stun_builder b;
    stun_build_init(&b, out, cap, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9);
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 7);
    stun_add_integrity(&b, password, strlen(password));
    stun_add_fingerprint(&b);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);
    return len;
}

static void malformed_header(void **state)
{
    uint8_t raw[128], copy[132];
    struct stun_msg m;
    size_t n = sample(raw, sizeof raw);
    assert_int_equal(parse(raw, n, &m), 0);
    /* truncated anywhere, header included */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(parse(raw, i, &m), -EBADMSG);
    /* a top bit set */
    memcpy(copy, raw, n);
    copy[0] |= 0x80;
    assert_int_equal(parse(copy, n, &m), -EBADMSG);
    memcpy(copy, raw, n);
    copy[0] |= 0x40;
    assert_int_equal(parse(copy, n, &m), -EBADMSG);
    /* the wrong magic cookie (an RFC 3489 message, say) */
    memcpy(copy, raw, n);
    copy[4] ^= 1;
    assert_int_equal(parse(copy, n, &m), -EBADMSG);
    /* length not a multiple of 4, with the datagram agreeing */
    memcpy(copy, raw, n);
    copy[n] = 0;
    put16(copy + 2, (uint16_t)(n + 1 - STUN_HEADER_SIZE));
    assert_int_equal(parse(copy, n + 1, &m), -EBADMSG);
    /* length says less, or more, than the datagram holds */
    memcpy(copy, raw, n);
    put16(copy + 2, (uint16_t)(n - 4 - STUN_HEADER_SIZE));
    assert_int_equal(parse(copy, n, &m), -EBADMSG);
    put16(copy + 2, (uint16_t)(n + 4 - STUN_HEADER_SIZE));
    assert_int_equal(parse(copy, n, &m), -EBADMSG);
    /* trailing bytes after a whole message */
    memcpy(copy, raw, n);
    memset(copy + n, 0, 4);
    assert_int_equal(parse(copy, n + 4, &m), -EBADMSG);
    /* a header alone is a valid message */
    memcpy(copy, raw, STUN_HEADER_SIZE);
    put16(copy + 2, 0);
    assert_int_equal(parse(copy, STUN_HEADER_SIZE, &m), 0);
    assert_int_equal(m.present, 0);
}

static void malformed_attributes(void **state)
{
    uint8_t raw[128];
    struct stun_msg m;
    /* header + one TLV whose length runs past the end */
    uint8_t b[STUN_HEADER_SIZE + 8];
    size_t n = sample(raw, sizeof raw);
    memcpy(b, raw, STUN_HEADER_SIZE);
    put16(b + 2, 8);
    put16(b + 20, STUN_ATTR_PRIORITY);
    put16(b + 22, 5);
    memset(b + 24, 0, 4);
    assert_int_equal(parse(b, sizeof b, &m), -EBADMSG);
    /* the value fits but its padding does not */
    put16(b + 20, 0x8001);
    put16(b + 22, 5);
    assert_int_equal(parse(b, sizeof b, &m), -EBADMSG);
    put16(b + 22, 4);
    assert_int_equal(parse(b, sizeof b, &m), 0);
    put16(b + 22, 0xFFFF);
    assert_int_equal(parse(b, sizeof b, &m), -EBADMSG);

    /* known attributes with the wrong size */
    static const struct {
        uint16_t type, len;
    } wrong[] = {
        {STUN_ATTR_PRIORITY, 0},
        {STUN_ATTR_PRIORITY, 8},
        {STUN_ATTR_USE_CANDIDATE, 4},
        {STUN_ATTR_ICE_CONTROLLING, 4},
        {STUN_ATTR_ICE_CONTROLLED, 0},
        {STUN_ATTR_MESSAGE_INTEGRITY, 16},
        {STUN_ATTR_FINGERPRINT, 8},
        {STUN_ATTR_XOR_MAPPED_ADDRESS, 4},
        {STUN_ATTR_XOR_MAPPED_ADDRESS, 20}, /* family 1 with an IPv6 length */
        {STUN_ATTR_ERROR_CODE, 0},
    };
    for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
        uint8_t c[STUN_HEADER_SIZE + 4 + 20] = {0};
        memcpy(c, raw, STUN_HEADER_SIZE);
        put16(c + 2, (uint16_t)(4 + wrong[i].len));
        put16(c + 20, wrong[i].type);
        put16(c + 22, wrong[i].len);
        c[25] = 0x01; /* an address family of IPv4 */
        assert_int_equal(parse(c, STUN_HEADER_SIZE + 4 + wrong[i].len, &m), -EBADMSG);
    }
    /* an address family that does not exist */
    uint8_t c[STUN_HEADER_SIZE + 12] = {0};
    memcpy(c, raw, STUN_HEADER_SIZE);
    put16(c + 2, 12);
    put16(c + 20, STUN_ATTR_XOR_MAPPED_ADDRESS);
    put16(c + 22, 8);
    c[25] = 0x03;
    assert_int_equal(parse(c, sizeof c, &m), -EBADMSG);
    c[25] = 0x01;
    assert_int_equal(parse(c, sizeof c, &m), 0);
    /* ERROR-CODE class 7 and number 100 are not codes */
    put16(c + 20, STUN_ATTR_ERROR_CODE);
    put16(c + 22, 4);
    c[26] = 7;
    c[27] = 0;
    assert_int_equal(parse(c, STUN_HEADER_SIZE + 8 + 4, &m), -EBADMSG);
    c[26] = 4;
    c[27] = 100;
    assert_int_equal(parse(c, sizeof c, &m), -EBADMSG);
    c[27] = 87;
    assert_int_equal(parse(c, sizeof c, &m), 0);
    assert_int_equal(m.error_code, 487);
    /* a USERNAME of 513 bytes */
    static uint8_t big[STUN_HEADER_SIZE + 4 + 516];
    memcpy(big, raw, STUN_HEADER_SIZE);
    put16(big + 2, 4 + 516);
    put16(big + 20, STUN_ATTR_USERNAME);
    put16(big + 22, 513);
    assert_int_equal(parse(big, sizeof big, &m), -EBADMSG);
    put16(big + 22, 512);
    assert_int_equal(parse(big, sizeof big, &m), 0);
    assert_int_equal(m.username_len, 512);
    (void)n;
}

static void integrity_coverage(void **state)
{
    uint8_t raw[128], copy[140];
    struct stun_msg m;
    size_t n = sample(raw, sizeof raw);
    assert_int_equal(parse(raw, n, &m), 0);
    assert_int_equal(stun_check_integrity(&m, password, strlen(password)), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
    /* every covered byte matters: header (cookie excepted, which parse refuses), USERNAME,
     * PRIORITY, the MAC itself */
    size_t fp = m.fingerprint_at;
    for (size_t i = 0; i < fp; i++) {
        if (i >= 2 && i < 8)
            continue; /* the length and cookie: changing them makes the message malformed */
        memcpy(copy, raw, n);
        copy[i] ^= 0x01;
        if (parse(copy, n, &m) < 0)
            continue; /* e.g. a TLV length turned invalid */
        assert_int_not_equal(stun_check_integrity(&m, password, strlen(password)), 0);
        assert_int_not_equal(stun_check_fingerprint(&m), 0);
    }
    /* the FINGERPRINT value itself */
    memcpy(copy, raw, n);
    copy[n - 1] ^= 0x80;
    assert_int_equal(parse(copy, n, &m), 0);
    assert_int_equal(stun_check_integrity(&m, password, strlen(password)), 0);
    assert_int_equal(stun_check_fingerprint(&m), -EBADMSG);

    /* an attribute after MESSAGE-INTEGRITY is not covered: it is ignored, and integrity
     * (computed with the length adjusted to end at MESSAGE-INTEGRITY) still verifies */
    struct stun_builder b;
    stun_build_init(&b, copy, sizeof copy, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9);
    stun_add_integrity(&b, password, strlen(password));
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);
    /* append USE-CANDIDATE and a PRIORITY by hand, as an attacker would */
    put16(copy + len, STUN_ATTR_USE_CANDIDATE);
    put16(copy + len + 2, 0);
    put16(copy + len + 4, STUN_ATTR_PRIORITY);
    put16(copy + len + 6, 4);
    memset(copy + len + 8, 9, 4);
    put16(copy + len + 12, 0x0031); /* unknown, comprehension-required */
    put16(copy + len + 14, 0);
    len += 16;
    put16(copy + 2, (uint16_t)(len - STUN_HEADER_SIZE));
    assert_int_equal(parse(copy, len, &m), 0);
    assert_false(m.present & STUN_HAS_USE_CANDIDATE);
    assert_false(m.present & STUN_HAS_PRIORITY);
    assert_int_equal(m.unknown_count, 0);
    assert_int_equal(stun_check_integrity(&m, password, strlen(password)), 0);
    assert_int_equal(stun_check_fingerprint(&m), -ENOENT);

    /* no MESSAGE-INTEGRITY at all */
    stun_build_init(&b, copy, sizeof copy, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, "abcd:efgh", 9);
    assert_int_equal(stun_build_finish(&b, &len), 0);
    assert_int_equal(parse(copy, len, &m), 0);
    assert_int_equal(stun_check_integrity(&m, password, strlen(password)), -ENOENT);
}

static void fingerprint_must_be_last(void **state)
{
    uint8_t raw[128], copy[140];
    struct stun_msg m;
    size_t n = sample(raw, sizeof raw);
    memcpy(copy, raw, n);
    put16(copy + n, 0x8001);
    put16(copy + n + 2, 0);
    put16(copy + 2, (uint16_t)(n + 4 - STUN_HEADER_SIZE));
    assert_int_equal(parse(copy, n + 4, &m), -EBADMSG);
    /* a second FINGERPRINT is also "after FINGERPRINT" */
    memcpy(copy + n, raw + n - 8, 8);
    put16(copy + 2, (uint16_t)(n + 8 - STUN_HEADER_SIZE));
    assert_int_equal(parse(copy, n + 8, &m), -EBADMSG);
}

static void attributes_first_wins_and_unknowns(void **state)
{
    uint8_t out[256];
    struct stun_builder b;
    stun_build_init(&b, out, sizeof out, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, "first:one", 9);
    stun_add(&b, STUN_ATTR_USERNAME, "second:two", 10);
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 1);
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 2);
    stun_add(&b, 0x8055, "optional", 8); /* comprehension-optional: skipped */
    for (uint16_t t = 0x0040; t < 0x0040 + STUN_UNKNOWN_MAX + 2; t++)
        stun_add(&b, t, "x", 1);
    stun_add(&b, STUN_ATTR_MAPPED_ADDRESS, "\0\1\0\1\1\2\3\4", 8); /* known, unused */
    stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLING, 42);
    stun_add(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
    stun_add_fingerprint(&b);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);
    struct stun_msg m;
    assert_int_equal(parse(out, len, &m), 0);
    assert_int_equal(m.username_len, 9);
    assert_memory_equal(m.username, "first:one", 9);
    assert_int_equal(m.priority, 1);
    assert_int_equal(m.unknown_count, STUN_UNKNOWN_MAX + 2);
    for (size_t i = 0; i < STUN_UNKNOWN_MAX; i++)
        assert_int_equal(m.unknown[i], 0x0040 + i);
    assert_true(m.present & STUN_HAS_ICE_CONTROLLING);
    assert_true(m.ice_controlling == 42);
    assert_true(m.present & STUN_HAS_USE_CANDIDATE);
    assert_int_equal(stun_check_fingerprint(&m), 0);
    assert_int_equal(stun_check_integrity(&m, "x", 1), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_check_value),
        cmocka_unit_test(demux),
        cmocka_unit_test(vector_request),
        cmocka_unit_test(vector_ipv4_response),
        cmocka_unit_test(vector_ipv6_response),
        cmocka_unit_test(types_round_trip),
        cmocka_unit_test(error_code_round_trip),
        cmocka_unit_test(builder_refuses),
        cmocka_unit_test(malformed_header),
        cmocka_unit_test(malformed_attributes),
        cmocka_unit_test(integrity_coverage),
        cmocka_unit_test(fingerprint_must_be_last),
        cmocka_unit_test(attributes_first_wins_and_unknowns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* srtp: the RFC 3711 and RFC 7714 vectors to the byte; a cross-check against Debian's
 * libsrtp2 in both directions for both profiles, across a sequence number wrap with
 * reordering; the rollover counter, the replay windows and tampering; no allocation on the
 * packet path. The cost per packet beside libsrtp2's is the benchmark's (bench/srtp_bench.c,
 * scripts/bench), not a test's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "sfu/rtpsec.h"

#define CM RTPSEC_PROFILE_AES128_CM_HMAC_SHA1_80
#define GCM RTPSEC_PROFILE_AEAD_AES_128_GCM
#define PKT_MAX 1500

static const enum rtpsec_profile profiles[] = {CM, GCM};

/* ---- helpers ---- */

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hex with optional spaces to bytes; returns the count. */
static size_t unhex(uint8_t *out, const char *hex)
{
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        assert_true(nibble(p[0]) >= 0 && nibble(p[1]) >= 0);
        out[n++] = (uint8_t)(nibble(p[0]) << 4 | nibble(p[1]));
        p += 2;
    }
    return n;
}

static void assert_hex(const uint8_t *got, const char *hex)
{
    uint8_t want[2048];
    size_t n = unhex(want, hex);
    assert_memory_equal(got, want, n);
}

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void master_fill(struct rtpsec_master *m, enum rtpsec_profile profile, uint32_t seed)
{
    memset(m, 0, sizeof *m);
    m->profile = profile;
    for (size_t i = 0; i < sizeof m->key; i++)
        m->key[i] = (uint8_t)rng_next(&seed);
    for (size_t i = 0; i < rtpsec_salt_len(profile); i++)
        m->salt[i] = (uint8_t)rng_next(&seed);
}

static struct rtpsec_context *ctx_new(const struct rtpsec_master *m, enum rtpsec_direction dir)
{
    struct rtpsec_context *c;
    assert_int_equal(rtpsec_context_new(m, dir, 16, &c), 0);
    return c;
}

/* An RTP packet; variant bits: 1 two CSRCs, 2 a one-byte header extension, 4 marker. */
static size_t make_rtp(uint8_t *p, uint32_t ssrc, uint16_t seq, unsigned variant, size_t payload,
                       uint32_t *rng)
{
    size_t n = 12;
    p[0] = 0x80 | (variant & 1 ? 2 : 0) | (variant & 2 ? 0x10 : 0);
    p[1] = (uint8_t)(96 | (variant & 4 ? 0x80 : 0));
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    uint32_t ts = seq * 3000u;
    for (int i = 0; i < 4; i++) {
        p[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        p[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    if (variant & 1)
        for (int i = 0; i < 8; i++)
            p[n++] = (uint8_t)(0xc0 + i);
    if (variant & 2) {
        static const uint8_t ext[] = {0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa,
                                      0x21, 0xbb, 0xcc, 0x00, 0x00, 0x00};
        memcpy(p + n, ext, sizeof ext);
        n += sizeof ext;
    }
    for (size_t i = 0; i < payload; i++)
        p[n++] = (uint8_t)rng_next(rng);
    return n;
}

/* An RTCP receiver report of the given number of report blocks. */
static size_t make_rtcp(uint8_t *p, uint32_t ssrc, unsigned blocks, uint32_t *rng)
{
    size_t n = 8 + 24 * (size_t)blocks;
    p[0] = (uint8_t)(0x80 | blocks);
    p[1] = 201;
    p[2] = (uint8_t)((n / 4 - 1) >> 8);
    p[3] = (uint8_t)(n / 4 - 1);
    for (int i = 0; i < 4; i++)
        p[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    for (size_t i = 8; i < n; i++)
        p[i] = (uint8_t)rng_next(rng);
    return n;
}

/* A delivery order: adjacent swaps, some packets held back a little, and a jumble across
 * the index where the sequence numbers wrap. */
static void make_order(unsigned *order, unsigned n, unsigned wrap_at, uint32_t seed)
{
    for (unsigned i = 0; i < n; i++)
        order[i] = i;
    for (unsigned i = 3; i + 1 < n; i += 7) {
        unsigned t = order[i];
        order[i] = order[i + 1];
        order[i + 1] = t;
    }
    for (unsigned i = 20; i + 30 < n; i += 53 + rng_next(&seed) % 10) {
        unsigned held = order[i];
        memmove(order + i, order + i + 1, 30 * sizeof *order);
        order[i + 30] = held;
    }
    for (unsigned d = 2; d <= 3 && wrap_at >= 4 && wrap_at + 4 < n; d++) {
        unsigned t = order[wrap_at - d];
        order[wrap_at - d] = order[wrap_at + 6 - d];
        order[wrap_at + 6 - d] = t;
    }
}

/* ---- libsrtp2 ---- */

static srtp_t lib_new(const struct rtpsec_master *m, int outbound)
{
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (m->profile == GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    } else {
        srtp_crypto_policy_set_rtp_default(&policy.rtp);
        srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    }
    uint8_t key[RTPSEC_KEY_BYTES + RTPSEC_SALT_BYTES_MAX];
    memcpy(key, m->key, RTPSEC_KEY_BYTES);
    memcpy(key + RTPSEC_KEY_BYTES, m->salt, rtpsec_salt_len(m->profile));
    policy.key = key;
    policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    policy.window_size = RTPSEC_RTP_REPLAY_WINDOW;
    srtp_t s = NULL;
    assert_int_equal(srtp_create(&s, &policy), srtp_err_status_ok);
    return s;
}

/* ---- allocation counting: OpenSSL's allocator is ours for the whole run ---- */

static long openssl_allocs;
static int counting_allocs;

static void *count_malloc(size_t n, const char *file, int line)
{
    openssl_allocs++;
    return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    openssl_allocs++;
    return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
    free(p);
}

/* ---- RFC vectors ---- */

/* RFC 3711 Appendix B.2. The KDF's IV is the packet IV with the label where the SSRC's last
 * byte goes, so with label 0 rtpsec_derive yields the keystream for SSRC 0 and index 0: the
 * whole 0xff02-block segment; the packet path must agree on its start. */
static void rfc3711_b2_keystream(void **state)
{
    struct rtpsec_master m = {.profile = CM};
    unhex(m.key, "2B7E151628AED2A6ABF7158809CF4F3C");
    unhex(m.salt, "F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
    size_t len = 0xff02 * 16;
    uint8_t *ks = malloc(len);
    assert_int_equal(rtpsec_derive(&m, RTPSEC_LABEL_RTP_CIPHER, ks, len), 0);
    assert_hex(ks + 0x0000 * 16, "E03EAD0935C95E80E166B16DD92B4EB4");
    assert_hex(ks + 0x0001 * 16, "D23513162B02D0F72A43A2FE4A5F97AB");
    assert_hex(ks + 0x0002 * 16, "41E95B3BB0A2E8DD477901E4FCA894C0");
    assert_hex(ks + 0xfeff * 16, "EC8CDF7398607CB0F2D21675EA9EA1E4");
    assert_hex(ks + 0xff00 * 16, "362B7C3C6773516318A077D7FC5073AE");
    assert_hex(ks + 0xff01 * 16, "6A2CC3787889374FBEB4C81B17BA6C44");

    struct rtpsec_session_keys sk;
    memset(&sk, 0, sizeof sk);
    memcpy(sk.cipher, m.key, sizeof sk.cipher);
    memcpy(sk.salt, m.salt, sizeof sk.salt);
    struct rtpsec_context *c;
    assert_int_equal(rtpsec_context_new_session(CM, RTPSEC_OUTBOUND, &sk, &sk, 1, &c), 0);
    uint8_t pkt[12 + 48 + 16] = {0x80};
    size_t out;
    assert_int_equal(rtpsec_rtp_protect(c, pkt, 60, sizeof pkt, &out), 0);
    assert_int_equal(out, 70);
    assert_memory_equal(pkt + 12, ks, 48);
    rtpsec_context_free(c);
    free(ks);
}

/* RFC 3711 Appendix B.3: the session encryption key, salt and (94 bytes of) auth key. */
static void rfc3711_b3_key_derivation(void **state)
{
    struct rtpsec_master m = {.profile = CM};
    unhex(m.key, "E1F97A0D3E018BE0D64FA32C06DE4139");
    unhex(m.salt, "0EC675AD498AFEEBB6960B3AABE6");
    uint8_t out[94];
    assert_int_equal(rtpsec_derive(&m, RTPSEC_LABEL_RTP_CIPHER, out, 16), 0);
    assert_hex(out, "C61E7A93744F39EE10734AFE3FF7A087");
    assert_int_equal(rtpsec_derive(&m, RTPSEC_LABEL_RTP_SALT, out, 14), 0);
    assert_hex(out, "30CBBC08863D8C85D49DB34A9AE1");
    assert_int_equal(rtpsec_derive(&m, RTPSEC_LABEL_RTP_AUTH, out, 94), 0);
    assert_hex(out, "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE"
                    "E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25"
                    "6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2");
    assert_int_equal(rtpsec_derive(&m, (enum rtpsec_label)6, out, 16), -EINVAL);
}

static void rfc7714_keys(struct rtpsec_session_keys *sk)
{
    memset(sk, 0, sizeof *sk);
    unhex(sk->cipher, "000102030405060708090a0b0c0d0e0f");
    unhex(sk->salt, "517569642070726f2071756f"); /* "Quid pro quo" */
}

#define RFC7714_RTP                                                                                \
    "8040f17b8041f8d35501a0b2"                                                                     \
    "47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573"
#define RFC7714_SRTP                                                                               \
    "8040f17b8041f8d35501a0b2"                                                                     \
    "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"                 \
    "899d7f27beb16a9152cf765ee4390cce"
#define RFC7714_RTCP                                                                               \
    "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61"                             \
    "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"
#define RFC7714_SRTCP                                                                              \
    "81c8000d4d617273"                                                                             \
    "63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275b"     \
    "c84aa45896cf4d2fc5abf87245d9eade"                                                             \
    "800005d4"
#define RFC7714_SRTCP_TAG_ONLY RFC7714_RTCP "841dd9683dd78ec92ae58790125f62b3000005d4"

/* RFC 7714 §16.1.1 and §16.1.2: AEAD_AES_128_GCM RTP, SEQ 0xf17b, ROC 0. */
static void rfc7714_rtp(void **state)
{
    struct rtpsec_session_keys sk;
    rfc7714_keys(&sk);
    struct rtpsec_context *out, *in;
    assert_int_equal(rtpsec_context_new_session(GCM, RTPSEC_OUTBOUND, &sk, &sk, 4, &out), 0);
    assert_int_equal(rtpsec_context_new_session(GCM, RTPSEC_INBOUND, &sk, &sk, 4, &in), 0);
    uint8_t pkt[128], want[128];
    size_t len = unhex(pkt, RFC7714_RTP), n;
    size_t want_len = unhex(want, RFC7714_SRTP);
    assert_int_equal(rtpsec_rtp_protect(out, pkt, len, sizeof pkt, &n), 0);
    assert_int_equal(n, want_len);
    assert_memory_equal(pkt, want, n);
    assert_int_equal(rtpsec_rtp_unprotect(in, pkt, n, &n), 0);
    assert_int_equal(n, len);
    assert_hex(pkt, RFC7714_RTP);
    rtpsec_context_free(out);
    rtpsec_context_free(in);
}

/* RFC 7714 §17.1 (encrypted) and §17.3 (authenticated only, E = 0): SRTCP index 0x5d4. The
 * outbound side numbers its packets from 0, so 0x5d4 packets go first. */
static void rfc7714_rtcp(void **state)
{
    struct rtpsec_session_keys sk;
    rfc7714_keys(&sk);
    struct rtpsec_context *out, *in;
    assert_int_equal(rtpsec_context_new_session(GCM, RTPSEC_OUTBOUND, &sk, &sk, 4, &out), 0);
    assert_int_equal(rtpsec_context_new_session(GCM, RTPSEC_INBOUND, &sk, &sk, 4, &in), 0);
    uint8_t pkt[128], want[128];
    size_t len = unhex(pkt, RFC7714_RTCP), n;
    for (int i = 0; i < 0x5d4; i++) {
        unhex(pkt, RFC7714_RTCP);
        assert_int_equal(rtpsec_rtcp_protect(out, pkt, len, sizeof pkt, &n), 0);
    }
    unhex(pkt, RFC7714_RTCP);
    assert_int_equal(rtpsec_rtcp_protect(out, pkt, len, sizeof pkt, &n), 0);
    size_t want_len = unhex(want, RFC7714_SRTCP);
    assert_int_equal(n, want_len);
    assert_memory_equal(pkt, want, n);
    assert_int_equal(rtpsec_rtcp_unprotect(in, pkt, n, &n), 0);
    assert_int_equal(n, len);
    assert_hex(pkt, RFC7714_RTCP);

    /* a fresh inbound context, since the index is now spent on this one */
    rtpsec_context_free(in);
    assert_int_equal(rtpsec_context_new_session(GCM, RTPSEC_INBOUND, &sk, &sk, 4, &in), 0);
    n = unhex(pkt, RFC7714_SRTCP_TAG_ONLY);
    assert_int_equal(rtpsec_rtcp_unprotect(in, pkt, n, &n), 0);
    assert_int_equal(n, len);
    assert_hex(pkt, RFC7714_RTCP);
    n = unhex(pkt, RFC7714_SRTCP_TAG_ONLY);
    pkt[9] ^= 1; /* the clear text is authenticated too */
    rtpsec_context_free(in);
    assert_int_equal(rtpsec_context_new_session(GCM, RTPSEC_INBOUND, &sk, &sk, 4, &in), 0);
    assert_int_equal(rtpsec_rtcp_unprotect(in, pkt, n, &n), -EBADMSG);
    rtpsec_context_free(out);
    rtpsec_context_free(in);
}

/* RFC 5764 §4.2: client key, server key, client salt, server salt. */
static void keys_from_dtls(void **state)
{
    uint8_t material[RTPSEC_DTLS_MATERIAL_MAX];
    for (size_t i = 0; i < sizeof material; i++)
        material[i] = (uint8_t)i;
    struct rtpsec_master local, remote;
    assert_int_equal(rtpsec_dtls_material_len(CM), 60);
    assert_int_equal(rtpsec_dtls_material_len(GCM), 56);
    assert_int_equal(rtpsec_dtls_material_len((enum rtpsec_profile)2), 0);

    assert_int_equal(rtpsec_keys_from_dtls(material, 60, 0, CM, &local, &remote), 0);
    assert_int_equal(local.profile, CM);
    assert_int_equal(local.key[0], 0);   /* client key */
    assert_int_equal(remote.key[0], 16); /* server key */
    assert_int_equal(local.salt[0], 32); /* client salt */
    assert_int_equal(local.salt[13], 45);
    assert_int_equal(remote.salt[0], 46); /* server salt */
    assert_int_equal(remote.salt[13], 59);

    assert_int_equal(rtpsec_keys_from_dtls(material, 56, 1, GCM, &local, &remote), 0);
    assert_int_equal(local.profile, GCM);
    assert_int_equal(local.key[0], 16);  /* the server protects with the server key */
    assert_int_equal(remote.key[0], 0);  /* and unprotects with the client's */
    assert_int_equal(local.salt[0], 44); /* server salt after the 12-byte client salt */
    assert_int_equal(local.salt[11], 55);
    assert_int_equal(local.salt[12], 0);
    assert_int_equal(remote.salt[0], 32);

    assert_int_equal(rtpsec_keys_from_dtls(material, 60, 1, GCM, &local, &remote), -EINVAL);
    assert_int_equal(rtpsec_keys_from_dtls(material, 56, 0, CM, &local, &remote), -EINVAL);
    assert_int_equal(
        rtpsec_keys_from_dtls(material, 60, 0, (enum rtpsec_profile)8, &local, &remote), -EINVAL);

    /* what one side protects, the other side unprotects */
    struct rtpsec_master client_local, client_remote, server_local, server_remote;
    rtpsec_keys_from_dtls(material, 60, 0, CM, &client_local, &client_remote);
    rtpsec_keys_from_dtls(material, 60, 1, CM, &server_local, &server_remote);
    struct rtpsec_context *tx = ctx_new(&client_local, RTPSEC_OUTBOUND);
    struct rtpsec_context *rx = ctx_new(&server_remote, RTPSEC_INBOUND);
    uint32_t rng = 7;
    uint8_t pkt[PKT_MAX];
    size_t n = make_rtp(pkt, 1, 1, 0, 100, &rng);
    assert_int_equal(rtpsec_rtp_protect(tx, pkt, n, sizeof pkt, &n), 0);
    assert_int_equal(rtpsec_rtp_unprotect(rx, pkt, n, &n), 0);
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
}

/* ---- against libsrtp2 ---- */

#define XN 700    /* RTP packets per SSRC direction */
#define XWRAP 250 /* packet index at which the sequence number wraps */
#define XRTCP 300

struct packet {
    uint8_t plain[PKT_MAX], wire[PKT_MAX];
    size_t plain_len, wire_len;
};

/* confide protects (in one order) → libsrtp2 unprotects (in another), then libsrtp2
 * protects (in order) → confide unprotects (reordered). Two SSRCs, sequence numbers
 * crossing 65535, every header shape. */
static void cross_rtp(enum rtpsec_profile profile)
{
    uint32_t rng = 0x2545f491u + profile;
    struct rtpsec_master m1, m2;
    master_fill(&m1, profile, 11 + profile);
    master_fill(&m2, profile, 23 + profile);
    struct rtpsec_context *tx = ctx_new(&m1, RTPSEC_OUTBOUND), *rx = ctx_new(&m2, RTPSEC_INBOUND);
    srtp_t lib_rx = lib_new(&m1, 0), lib_tx = lib_new(&m2, 1);
    struct packet *p = calloc(2 * XN, sizeof *p);
    unsigned *send_order = calloc(2 * XN, sizeof *send_order);
    unsigned *recv_order = calloc(2 * XN, sizeof *recv_order);
    const uint32_t ssrcs[2] = {0x11111111u, 0xcafe0001u};
    for (unsigned i = 0; i < 2 * XN; i++) {
        uint16_t seq = (uint16_t)(65536 - XWRAP + i / 2 + (i & 1) * 7);
        size_t payload = rng_next(&rng) % 1200;
        if (i % 97 == 0)
            payload = 0;
        p[i].plain_len = make_rtp(p[i].plain, ssrcs[i & 1], seq, i % 8, payload, &rng);
    }
    make_order(send_order, 2 * XN, 2 * XWRAP, 5);
    make_order(recv_order, 2 * XN, 2 * XWRAP - 14, 9);

    /* confide → libsrtp2 */
    for (unsigned k = 0; k < 2 * XN; k++) {
        struct packet *q = &p[send_order[k]];
        memcpy(q->wire, q->plain, q->plain_len);
        assert_int_equal(
            rtpsec_rtp_protect(tx, q->wire, q->plain_len, sizeof q->wire, &q->wire_len), 0);
        assert_int_equal(q->wire_len, q->plain_len + (profile == GCM ? 16 : 10));
        /* the header, extension included, stays in the clear */
        size_t hdr = 12 + (q->plain[0] & 0x0f) * 4u + (q->plain[0] & 0x10 ? 12 : 0);
        assert_memory_equal(q->wire, q->plain, hdr);
    }
    for (unsigned k = 0; k < 2 * XN; k++) {
        struct packet *q = &p[recv_order[k]];
        uint8_t buf[PKT_MAX];
        memcpy(buf, q->wire, q->wire_len);
        int len = (int)q->wire_len;
        assert_int_equal(srtp_unprotect(lib_rx, buf, &len), srtp_err_status_ok);
        assert_int_equal(len, q->plain_len);
        assert_memory_equal(buf, q->plain, q->plain_len);
    }
    uint32_t roc = 99;
    assert_int_equal(srtp_get_stream_roc(lib_rx, ssrcs[0], &roc), srtp_err_status_ok);
    assert_int_equal(roc, 1);
    assert_int_equal(rtpsec_context_roc(tx, ssrcs[0], &roc), 0);
    assert_int_equal(roc, 1);
    {
        uint8_t buf[PKT_MAX]; /* libsrtp2 too refuses the same packet twice */
        memcpy(buf, p[3].wire, p[3].wire_len);
        int len = (int)p[3].wire_len;
        assert_int_not_equal(srtp_unprotect(lib_rx, buf, &len), srtp_err_status_ok);
    }

    /* libsrtp2 → confide */
    for (unsigned i = 0; i < 2 * XN; i++) {
        memcpy(p[i].wire, p[i].plain, p[i].plain_len);
        int len = (int)p[i].plain_len;
        assert_int_equal(srtp_protect(lib_tx, p[i].wire, &len), srtp_err_status_ok);
        p[i].wire_len = (size_t)len;
    }
    for (unsigned k = 0; k < 2 * XN; k++) {
        struct packet *q = &p[recv_order[k]];
        uint8_t buf[PKT_MAX];
        size_t len;
        memcpy(buf, q->wire, q->wire_len);
        assert_int_equal(rtpsec_rtp_unprotect(rx, buf, q->wire_len, &len), 0);
        assert_int_equal(len, q->plain_len);
        assert_memory_equal(buf, q->plain, q->plain_len);
    }
    for (int s = 0; s < 2; s++) {
        assert_int_equal(rtpsec_context_roc(rx, ssrcs[s], &roc), 0);
        assert_int_equal(roc, 1);
    }
    for (unsigned i = 0; i < 2 * XN; i += 101) { /* every one again: all replays */
        uint8_t buf[PKT_MAX];
        size_t len;
        memcpy(buf, p[i].wire, p[i].wire_len);
        int rc = rtpsec_rtp_unprotect(rx, buf, p[i].wire_len, &len);
        assert_true(rc == -EALREADY || rc == -ESTALE);
    }

    srtp_dealloc(lib_rx);
    srtp_dealloc(lib_tx);
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
    free(p);
    free(send_order);
    free(recv_order);
}

static void cross_rtcp(enum rtpsec_profile profile)
{
    uint32_t rng = 0x9e3779b9u + profile;
    struct rtpsec_master m1, m2;
    master_fill(&m1, profile, 31 + profile);
    master_fill(&m2, profile, 47 + profile);
    struct rtpsec_context *tx = ctx_new(&m1, RTPSEC_OUTBOUND), *rx = ctx_new(&m2, RTPSEC_INBOUND);
    srtp_t lib_rx = lib_new(&m1, 0), lib_tx = lib_new(&m2, 1);
    struct packet *p = calloc(XRTCP, sizeof *p);
    unsigned order[XRTCP];
    const uint32_t ssrcs[2] = {0x0badf00du, 1};
    for (unsigned i = 0; i < XRTCP; i++)
        p[i].plain_len = make_rtcp(p[i].plain, ssrcs[i % 2], i % 5, &rng);
    make_order(order, XRTCP, 0, 3);

    for (unsigned i = 0; i < XRTCP; i++) { /* sent in order: the index counts up */
        memcpy(p[i].wire, p[i].plain, p[i].plain_len);
        assert_int_equal(
            rtpsec_rtcp_protect(tx, p[i].wire, p[i].plain_len, sizeof p[i].wire, &p[i].wire_len),
            0);
        assert_int_equal(p[i].wire_len, p[i].plain_len + (profile == GCM ? 20 : 14));
    }
    for (unsigned k = 0; k < XRTCP; k++) {
        struct packet *q = &p[order[k]];
        uint8_t buf[PKT_MAX];
        memcpy(buf, q->wire, q->wire_len);
        int len = (int)q->wire_len;
        assert_int_equal(srtp_unprotect_rtcp(lib_rx, buf, &len), srtp_err_status_ok);
        assert_int_equal(len, q->plain_len);
        assert_memory_equal(buf, q->plain, q->plain_len);
    }

    for (unsigned i = 0; i < XRTCP; i++) {
        memcpy(p[i].wire, p[i].plain, p[i].plain_len);
        int len = (int)p[i].plain_len;
        assert_int_equal(srtp_protect_rtcp(lib_tx, p[i].wire, &len), srtp_err_status_ok);
        p[i].wire_len = (size_t)len;
    }
    for (unsigned k = 0; k < XRTCP; k++) {
        struct packet *q = &p[order[k]];
        uint8_t buf[PKT_MAX];
        size_t len;
        memcpy(buf, q->wire, q->wire_len);
        assert_int_equal(rtpsec_rtcp_unprotect(rx, buf, q->wire_len, &len), 0);
        assert_int_equal(len, q->plain_len);
        assert_memory_equal(buf, q->plain, q->plain_len);
    }
    {
        uint8_t buf[PKT_MAX];
        size_t len;
        struct packet *q = &p[XRTCP - 1];
        memcpy(buf, q->wire, q->wire_len);
        assert_int_equal(rtpsec_rtcp_unprotect(rx, buf, q->wire_len, &len), -EALREADY);
    }

    srtp_dealloc(lib_rx);
    srtp_dealloc(lib_tx);
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
    free(p);
}

static void libsrtp2_rtp(void **state)
{
    for (size_t i = 0; i < sizeof profiles / sizeof *profiles; i++)
        cross_rtp(profiles[i]);
}

static void libsrtp2_rtcp(void **state)
{
    for (size_t i = 0; i < sizeof profiles / sizeof *profiles; i++)
        cross_rtcp(profiles[i]);
}

/* Packets longer than one keystream chunk (AES-CM makes its keystream 2 KiB at a time), up to
 * the largest a datagram holds, both ways against libsrtp2, and a flipped last payload byte
 * refused. The sizes sit on and around the chunk's edges. */
static void long_packets(void **state)
{
    static const size_t payloads[] = {2047, 2048, 2049, 4096, 4097, 65535 - 12};
    enum { BIG = 65536 + 64 };
    uint8_t *plain = malloc(BIG), *wire = malloc(BIG), *tampered = malloc(BIG);
    assert_non_null(plain);
    assert_non_null(wire);
    assert_non_null(tampered);
    for (size_t k = 0; k < sizeof profiles / sizeof *profiles; k++) {
        struct rtpsec_master m;
        master_fill(&m, profiles[k], 61 + profiles[k]);
        struct rtpsec_context *tx = ctx_new(&m, RTPSEC_OUTBOUND), *rx = ctx_new(&m, RTPSEC_INBOUND);
        srtp_t lib_rx = lib_new(&m, 0), lib_tx = lib_new(&m, 1);
        uint32_t rng = 5;
        for (size_t i = 0; i < sizeof payloads / sizeof *payloads; i++) {
            size_t n = make_rtp(plain, 0xabcd0000u, (uint16_t)(100 + i), 0, payloads[i], &rng);
            size_t out;
            int len;
            memcpy(wire, plain, n);
            assert_int_equal(rtpsec_rtp_protect(tx, wire, n, BIG, &out), 0);
            assert_memory_not_equal(wire + 12, plain + 12, n - 12);
            len = (int)out;
            assert_int_equal(srtp_unprotect(lib_rx, wire, &len), srtp_err_status_ok);
            assert_int_equal(len, n);
            assert_memory_equal(wire, plain, n);

            memcpy(wire, plain, n);
            len = (int)n;
            assert_int_equal(srtp_protect(lib_tx, wire, &len), srtp_err_status_ok);
            memcpy(tampered, wire, (size_t)len); /* a failed unprotect may leave its buffer changed */
            tampered[n - 1] ^= 0x04;
            assert_int_equal(rtpsec_rtp_unprotect(rx, tampered, (size_t)len, &out), -EBADMSG);
            assert_int_equal(rtpsec_rtp_unprotect(rx, wire, (size_t)len, &out), 0);
            assert_int_equal(out, n);
            assert_memory_equal(wire, plain, n);
        }
        srtp_dealloc(lib_rx);
        srtp_dealloc(lib_tx);
        rtpsec_context_free(tx);
        rtpsec_context_free(rx);
    }
    free(plain);
    free(wire);
    free(tampered);
}

/* ---- windows, rollover, tampering ---- */

struct pair {
    struct rtpsec_context *tx, *rx;
    uint32_t rng;
};

static void pair_new(struct pair *pr, enum rtpsec_profile profile)
{
    struct rtpsec_master m;
    master_fill(&m, profile, 99 + profile);
    pr->tx = ctx_new(&m, RTPSEC_OUTBOUND);
    pr->rx = ctx_new(&m, RTPSEC_INBOUND);
    pr->rng = 1234;
}

static void pair_free(struct pair *pr)
{
    rtpsec_context_free(pr->tx);
    rtpsec_context_free(pr->rx);
}

static size_t seal(struct pair *pr, uint8_t *wire, uint32_t ssrc, uint16_t seq)
{
    size_t n = make_rtp(wire, ssrc, seq, seq % 4, 64 + seq % 50, &pr->rng);
    assert_int_equal(rtpsec_rtp_protect(pr->tx, wire, n, PKT_MAX, &n), 0);
    return n;
}

static int open_copy(struct pair *pr, const uint8_t *wire, size_t n)
{
    uint8_t buf[PKT_MAX];
    memcpy(buf, wire, n);
    return rtpsec_rtp_unprotect(pr->rx, buf, n, &n);
}

static void replay_tamper_window(void **state)
{
    for (size_t k = 0; k < sizeof profiles / sizeof *profiles; k++) {
        struct pair pr;
        pair_new(&pr, profiles[k]);
        static uint8_t wire[1200][PKT_MAX];
        size_t len[1200];
        for (unsigned i = 0; i < 1200; i++)
            len[i] = seal(&pr, wire[i], 42, (uint16_t)(1000 + i));
        /* 0 and 176 are held back; the rest arrive in order up to 1199 */
        for (unsigned i = 1; i < 1200; i++)
            if (i != 176)
                assert_int_equal(open_copy(&pr, wire[i], len[i]), 0);
        assert_int_equal(open_copy(&pr, wire[1100], len[1100]), -EALREADY);
        assert_int_equal(open_copy(&pr, wire[1199], len[1199]), -EALREADY);
        /* 1199 - 176 = 1023: the oldest index the window still holds */
        assert_int_equal(open_copy(&pr, wire[176], len[176]), 0);
        assert_int_equal(open_copy(&pr, wire[176], len[176]), -EALREADY);
        assert_int_equal(open_copy(&pr, wire[0], len[0]), -ESTALE);

        /* one flipped bit anywhere (header, extension, payload, tag) fails and changes nothing */
        uint8_t fresh[PKT_MAX];
        size_t n = seal(&pr, fresh, 42, 2200);
        size_t spots[] = {1, 3, 9, 13, n / 2, n - 1};
        for (size_t s = 0; s < sizeof spots / sizeof *spots; s++) {
            uint8_t bad[PKT_MAX];
            memcpy(bad, fresh, n);
            bad[spots[s]] ^= 0x01;
            int rc = open_copy(&pr, bad, n);
            /* a flipped sequence number may also land in the window: either way, refused */
            assert_true(rc == -EBADMSG || rc == -EALREADY || rc == -ESTALE);
        }
        uint8_t bad[PKT_MAX];
        memcpy(bad, fresh, n);
        bad[n / 2] ^= 0x80;
        assert_int_equal(open_copy(&pr, bad, n), -EBADMSG);
        assert_int_equal(open_copy(&pr, fresh, n), 0);

        /* the same index protected twice would reuse the nonce */
        uint8_t again[PKT_MAX];
        size_t m = make_rtp(again, 42, 2200, 0, 10, &pr.rng);
        assert_int_equal(rtpsec_rtp_protect(pr.tx, again, m, sizeof again, &m), -EALREADY);
        pair_free(&pr);
    }
}

static void rollover_with_reordering(void **state)
{
    static const uint16_t seqs[] = {65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4, 5};
    static const unsigned order[] = {0, 1, 8, 2, 6, 5, 7, 3, 4, 9, 10, 11};
    for (size_t k = 0; k < sizeof profiles / sizeof *profiles; k++) {
        struct pair pr;
        pair_new(&pr, profiles[k]);
        uint8_t wire[12][PKT_MAX];
        size_t len[12];
        for (unsigned i = 0; i < 12; i++) /* the sender jumbles them too */
            len[order[i]] = seal(&pr, wire[order[i]], 7, seqs[order[i]]);
        uint32_t roc;
        assert_int_equal(rtpsec_context_roc(pr.tx, 7, &roc), 0);
        assert_int_equal(roc, 1);
        assert_int_equal(rtpsec_context_roc(pr.rx, 7, &roc), -ENOENT);
        for (unsigned i = 0; i < 12; i++) {
            uint8_t buf[PKT_MAX];
            size_t n;
            unsigned j = order[i];
            memcpy(buf, wire[j], len[j]);
            assert_int_equal(rtpsec_rtp_unprotect(pr.rx, buf, len[j], &n), 0);
            assert_int_equal(buf[2] << 8 | buf[3], seqs[j]);
        }
        assert_int_equal(rtpsec_context_roc(pr.rx, 7, &roc), 0);
        assert_int_equal(roc, 1);
        /* replays on both sides of the wrap are recognised as such, not misread */
        assert_int_equal(open_copy(&pr, wire[4], len[4]), -EALREADY);
        assert_int_equal(open_copy(&pr, wire[7], len[7]), -EALREADY);
        /* and the stream goes on past one more wrap */
        for (unsigned s = 6; s < 65536 + 400; s += 300) {
            uint8_t w[PKT_MAX];
            size_t n = seal(&pr, w, 7, (uint16_t)s);
            assert_int_equal(open_copy(&pr, w, n), 0);
        }
        assert_int_equal(rtpsec_context_roc(pr.rx, 7, &roc), 0);
        assert_int_equal(roc, 2);
        pair_free(&pr);
    }
}

static void rtcp_replay_and_window(void **state)
{
    for (size_t k = 0; k < sizeof profiles / sizeof *profiles; k++) {
        struct pair pr;
        pair_new(&pr, profiles[k]);
        static uint8_t wire[200][PKT_MAX];
        size_t len[200];
        for (unsigned i = 0; i < 200; i++) {
            len[i] = make_rtcp(wire[i], 5, 1, &pr.rng);
            assert_int_equal(rtpsec_rtcp_protect(pr.tx, wire[i], len[i], PKT_MAX, &len[i]), 0);
        }
        uint8_t buf[PKT_MAX];
        size_t n;
        for (unsigned i = 1; i < 200; i++) {
            memcpy(buf, wire[i], len[i]);
            if (i == 71)
                buf[20] ^= 4;
            assert_int_equal(rtpsec_rtcp_unprotect(pr.rx, buf, len[i], &n), i == 71 ? -EBADMSG : 0);
        }
        memcpy(buf, wire[71], len[71]); /* 199 - 71 = 128: just out of the window */
        assert_int_equal(rtpsec_rtcp_unprotect(pr.rx, buf, len[71], &n), -ESTALE);
        memcpy(buf, wire[0], len[0]);
        assert_int_equal(rtpsec_rtcp_unprotect(pr.rx, buf, len[0], &n), -ESTALE);
        memcpy(buf, wire[150], len[150]);
        assert_int_equal(rtpsec_rtcp_unprotect(pr.rx, buf, len[150], &n), -EALREADY);
        pair_free(&pr);
    }
}

static void malformed_and_limits(void **state)
{
    for (size_t k = 0; k < sizeof profiles / sizeof *profiles; k++) {
        struct pair pr;
        pair_new(&pr, profiles[k]);
        uint8_t buf[PKT_MAX] = {0};
        size_t n;
        buf[0] = 0x80;
        assert_int_equal(rtpsec_rtp_unprotect(pr.rx, buf, 12, &n), -EINVAL);
        assert_int_equal(rtpsec_rtp_protect(pr.tx, buf, 11, sizeof buf, &n), -EINVAL);
        assert_int_equal(rtpsec_rtp_protect(pr.tx, buf, 12, 12 + 9, &n), -ENOSPC);
        assert_int_equal(rtpsec_rtp_protect(pr.rx, buf, 12, sizeof buf, &n), -EINVAL);
        assert_int_equal(rtpsec_rtp_unprotect(pr.tx, buf, 40, &n), -EINVAL);
        assert_int_equal(rtpsec_rtcp_protect(pr.rx, buf, 8, sizeof buf, &n), -EINVAL);
        assert_int_equal(rtpsec_rtcp_unprotect(pr.tx, buf, 40, &n), -EINVAL);
        buf[0] = 0x40; /* version 1 */
        assert_int_equal(rtpsec_rtp_unprotect(pr.rx, buf, 40, &n), -EINVAL);
        assert_int_equal(rtpsec_rtcp_unprotect(pr.rx, buf, 40, &n), -EINVAL);
        assert_int_equal(rtpsec_rtcp_protect(pr.tx, buf, 8, sizeof buf, &n), -EINVAL);
        buf[0] = 0x8f; /* 15 CSRCs do not fit */
        assert_int_equal(rtpsec_rtp_unprotect(pr.rx, buf, 40, &n), -EINVAL);
        buf[0] = 0x90; /* an extension longer than the packet */
        buf[14] = 0x00;
        buf[15] = 0x09;
        assert_int_equal(rtpsec_rtp_unprotect(pr.rx, buf, 50, &n), -EINVAL);
        assert_int_equal(rtpsec_rtp_protect(pr.tx, buf, 50, sizeof buf, &n), -EINVAL);
        buf[0] = 0x80;
        assert_int_equal(rtpsec_rtcp_unprotect(pr.rx, buf, 8 + 4 + (k ? 16 : 10) - 1, &n), -EINVAL);
        assert_int_equal(rtpsec_rtp_unprotect(pr.rx, buf, 65535 + 17, &n), -EINVAL);
        pair_free(&pr);
    }

    /* a full table refuses new SSRCs; a failed packet takes no slot; forget frees one */
    struct rtpsec_master m;
    master_fill(&m, GCM, 5);
    struct rtpsec_context *tx, *rx;
    assert_int_equal(rtpsec_context_new(&m, RTPSEC_INBOUND, 0, &rx), -EINVAL);
    assert_null(rx);
    assert_int_equal(rtpsec_context_new(&m, (enum rtpsec_direction)3, 1, &rx), -EINVAL);
    assert_int_equal(rtpsec_context_new(&m, RTPSEC_OUTBOUND, 2, &tx), 0);
    assert_null(rx);
    assert_int_equal(rtpsec_context_new(&m, RTPSEC_INBOUND, 1, &rx), 0);
    uint32_t rng = 3;
    uint8_t a[PKT_MAX], b[PKT_MAX], c[PKT_MAX];
    size_t na = make_rtp(a, 1, 10, 0, 20, &rng), nb = make_rtp(b, 2, 10, 0, 20, &rng);
    size_t nc = make_rtp(c, 3, 10, 0, 20, &rng);
    assert_int_equal(rtpsec_rtp_protect(tx, a, na, sizeof a, &na), 0);
    assert_int_equal(rtpsec_rtp_protect(tx, b, nb, sizeof b, &nb), 0);
    assert_int_equal(rtpsec_rtp_protect(tx, c, nc, sizeof c, &nc), -ENOSPC);
    assert_int_equal(rtpsec_context_forget(tx, 1), 0);
    assert_int_equal(rtpsec_context_forget(tx, 1), -ENOENT);
    assert_int_equal(rtpsec_rtp_protect(tx, c, nc, sizeof c, &nc), 0);
    uint8_t forged[PKT_MAX];
    memcpy(forged, c, nc);
    forged[nc - 1] ^= 1;
    size_t n;
    assert_int_equal(rtpsec_rtp_unprotect(rx, forged, nc, &n), -EBADMSG);
    assert_int_equal(rtpsec_rtp_unprotect(rx, b, nb, &n), 0);
    assert_int_equal(rtpsec_rtp_unprotect(rx, c, nc, &n), -ENOSPC);
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
    rtpsec_context_free(NULL);
}

/* After set-up, protecting and unprotecting allocate nothing: OpenSSL's allocator counts. */
static void no_allocation_per_packet(void **state)
{
    if (!counting_allocs)
        skip();
    for (size_t k = 0; k < sizeof profiles / sizeof *profiles; k++) {
        struct pair pr;
        pair_new(&pr, profiles[k]);
        uint8_t buf[PKT_MAX];
        size_t n;
        long before = openssl_allocs;
        for (unsigned i = 0; i < 200; i++) {
            n = seal(&pr, buf, 9, (uint16_t)i);
            assert_int_equal(rtpsec_rtp_unprotect(pr.rx, buf, n, &n), 0);
            n = make_rtcp(buf, 9, 2, &pr.rng);
            assert_int_equal(rtpsec_rtcp_protect(pr.tx, buf, n, sizeof buf, &n), 0);
            uint8_t bad[PKT_MAX];
            size_t m;
            memcpy(bad, buf, n);
            bad[n / 2] ^= 1; /* the failure path too */
            assert_int_equal(rtpsec_rtcp_unprotect(pr.rx, bad, n, &m), -EBADMSG);
            assert_int_equal(rtpsec_rtcp_unprotect(pr.rx, buf, n, &n), 0);
        }
        assert_int_equal(openssl_allocs, before);
        pair_free(&pr);
    }
}

int main(void)
{
    /* before anything has touched OpenSSL's allocator */
    counting_allocs = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
    if (srtp_init() != srtp_err_status_ok)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc3711_b2_keystream),
        cmocka_unit_test(rfc3711_b3_key_derivation),
        cmocka_unit_test(rfc7714_rtp),
        cmocka_unit_test(rfc7714_rtcp),
        cmocka_unit_test(keys_from_dtls),
        cmocka_unit_test(libsrtp2_rtp),
        cmocka_unit_test(libsrtp2_rtcp),
        cmocka_unit_test(long_packets),
        cmocka_unit_test(replay_tamper_window),
        cmocka_unit_test(rollover_with_reordering),
        cmocka_unit_test(rtcp_replay_and_window),
        cmocka_unit_test(malformed_and_limits),
        cmocka_unit_test(no_allocation_per_packet),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    srtp_shutdown();
    return failed;
}

/* light_rx: the load generator's tail-only decryption (bench/light_rx.c) gives back the same
 * bytes as the plaintext rtpsec protected, for both profiles, with header extensions, tails
 * that straddle AES blocks, and a rollover counter past 0; and garbage with the wrong one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../../bench/light_rx.h"
#include "sfu/rtpsec.h"

#define TAIL 20

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* An RTP packet of `payload` bytes: a one-byte-form extension block of 4 bytes when ext. */
static size_t make_packet(uint8_t *b, uint16_t seq, uint32_t ssrc, bool ext, size_t payload,
                          uint32_t *seed)
{
    size_t h = 12;
    b[0] = ext ? 0x90 : 0x80, b[1] = 96;
    b[2] = (uint8_t)(seq >> 8), b[3] = (uint8_t)seq;
    memset(b + 4, 0x11, 4);
    b[8] = (uint8_t)(ssrc >> 24), b[9] = (uint8_t)(ssrc >> 16), b[10] = (uint8_t)(ssrc >> 8),
    b[11] = (uint8_t)ssrc;
    if (ext) {
        b[12] = 0xBE, b[13] = 0xDE, b[14] = 0, b[15] = 1;
        b[16] = 0x31, b[17] = 0x12, b[18] = 0x34, b[19] = 0;
        h = 20;
    }
    for (size_t i = 0; i < payload; i++)
        b[h + i] = (uint8_t)rng_next(seed);
    return h;
}

static void check_profile(enum rtpsec_profile profile)
{
    uint32_t seed = 0x1234567u + (uint32_t)profile;
    struct rtpsec_master m = {.profile = profile};
    for (size_t i = 0; i < sizeof m.key; i++)
        m.key[i] = (uint8_t)rng_next(&seed);
    for (size_t i = 0; i < rtpsec_salt_len(profile); i++)
        m.salt[i] = (uint8_t)rng_next(&seed);
    struct rtpsec_context *tx;
    assert_int_equal(rtpsec_context_new(&m, RTPSEC_OUTBOUND, 4, &tx), 0);
    struct light_rx l;
    assert_int_equal(light_rx_init(&l, &m), 0);
    const uint32_t ssrc = 0xCAFEF00Du;
    /* across the wrap: 65530 … 65535 with ROC 0, then 0 … with ROC 1 */
    uint16_t seq = 65530;
    for (int n = 0; n < 40; n++, seq++) {
        size_t payload = TAIL + (size_t)(n * 37 % 1130); /* tails at every offset in a block */
        uint8_t pkt[1500], plain[1500];
        size_t h = make_packet(pkt, seq, ssrc, n % 2, payload, &seed);
        memcpy(plain, pkt, h + payload);
        size_t out;
        assert_int_equal(rtpsec_rtp_protect(tx, pkt, h + payload, sizeof pkt, &out), 0);
        assert_int_equal(out, h + payload + light_rx_tag_len(profile));
        uint32_t roc;
        assert_int_equal(rtpsec_context_roc(tx, ssrc, &roc), 0);
        assert_int_equal(roc, n < 6 ? 0 : 1);
        uint8_t tail[TAIL];
        assert_int_equal(light_rx_tail(&l, pkt, out, h, roc, tail, TAIL), 0);
        assert_memory_equal(tail, plain + h + payload - TAIL, TAIL);
        /* the wrong rollover counter: another keystream */
        assert_int_equal(light_rx_tail(&l, pkt, out, h, roc + 1, tail, TAIL), 0);
        assert_memory_not_equal(tail, plain + h + payload - TAIL, TAIL);
    }
    /* a payload shorter than the tail */
    uint8_t small[64] = {0x80, 96};
    assert_int_equal(light_rx_tail(&l, small, 12 + 10 + light_rx_tag_len(profile), 12, 0,
                                   small, TAIL),
                     -EINVAL);
    light_rx_free(&l);
    rtpsec_context_free(tx);
}

static void test_gcm(void **state)
{
    (void)state;
    check_profile(RTPSEC_PROFILE_AEAD_AES_128_GCM);
}

static void test_cm(void **state)
{
    (void)state;
    check_profile(RTPSEC_PROFILE_AES128_CM_HMAC_SHA1_80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gcm),
        cmocka_unit_test(test_cm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

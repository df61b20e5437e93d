/* confide_srtp_bench: what protecting and unprotecting one RTP packet costs in confide's
 * SRTP (sfu/rtpsec.h) beside Debian's libsrtp2, measured in the same run on the same
 * machine: a 1200-byte packet (a video packet's usual size) protected on one context and
 * unprotected on another, for both profiles. The two implementations take turns, round by
 * round, and each keeps its best round, so a noisy neighbour on the CPU costs both alike.
 * That libsrtp2 and confide agree on every byte is test_srtp's job, not this one's.
 *
 *   confide_srtp_bench [--packets N] [--rounds R]
 *
 * Output, one line per profile, and the ratio libsrtp2/confide (above 1: confide is faster):
 *   AEAD_AES_128_GCM  confide 1234 ns  libsrtp2 2345 ns  ratio libsrtp2/confide = 1.90
 * then confide's two profiles side by side, protect and unprotect timed apart, for a video
 * packet and an audio packet (ratio above 1: GCM is cheaper):
 *   confide 1200-byte RTP  AES_CM_128_HMAC_SHA1_80 protect 1.100 µs unprotect 1.100 µs
 *     AEAD_AES_128_GCM protect 0.600 µs unprotect 0.600 µs  ratio cm/gcm = 1.83 (GCM cheaper) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#include "sfu/rtpsec.h"

#define PACKET_BYTES 1200
#define AUDIO_BYTES 160 /* an Opus packet of 20 ms at about 50 kbit/s, with its RTP header */
#define PKT_MAX 1500
#define BATCH 256 /* packets protected, then unprotected, between two clock readings */

static void die(const char *what)
{
    fprintf(stderr, "confide_srtp_bench: %s\n", what);
    exit(1);
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

/* A plain RTP packet: version 2, payload type 96, SSRC 0x12345678, random payload. */
static void make_template(uint8_t *p, size_t len)
{
    uint32_t rng = 77;
    memset(p, 0, 12);
    p[0] = 0x80;
    p[1] = 96;
    p[8] = 0x12;
    p[9] = 0x34;
    p[10] = 0x56;
    p[11] = 0x78;
    for (size_t i = 12; i < len; i++)
        p[i] = (uint8_t)rng_next(&rng);
}

static void set_seq(uint8_t *buf, uint32_t i)
{
    buf[2] = (uint8_t)(i >> 8);
    buf[3] = (uint8_t)i;
    uint32_t ts = i * 3000u;
    buf[4] = (uint8_t)(ts >> 24);
    buf[5] = (uint8_t)(ts >> 16);
    buf[6] = (uint8_t)(ts >> 8);
    buf[7] = (uint8_t)ts;
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* ns per packet, protect + unprotect, one round on fresh contexts. */
static double round_confide(enum rtpsec_profile profile, long packets, const uint8_t *tmpl)
{
    struct rtpsec_master m;
    master_fill(&m, profile, 1);
    struct rtpsec_context *tx, *rx;
    if (rtpsec_context_new(&m, RTPSEC_OUTBOUND, 16, &tx) < 0 ||
        rtpsec_context_new(&m, RTPSEC_INBOUND, 16, &rx) < 0)
        die("rtpsec_context_new failed");
    uint8_t buf[PKT_MAX];
    double t0 = now_ns();
    for (long i = 0; i < packets; i++) {
        size_t n;
        memcpy(buf, tmpl, PACKET_BYTES);
        set_seq(buf, (uint32_t)i);
        if (rtpsec_rtp_protect(tx, buf, PACKET_BYTES, sizeof buf, &n) < 0 ||
            rtpsec_rtp_unprotect(rx, buf, n, &n) < 0 || n != PACKET_BYTES)
            die("confide: protect or unprotect failed");
    }
    double t = (now_ns() - t0) / (double)packets;
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
    return t;
}

/* One round of confide alone on fresh contexts, protect and unprotect timed apart: a batch
 * is protected, then the same batch unprotected. ns per packet for each. */
static void round_split(enum rtpsec_profile profile, long packets, const uint8_t *tmpl, size_t len,
                        double *protect_ns, double *unprotect_ns)
{
    static uint8_t ring[BATCH][PKT_MAX];
    size_t wire[BATCH];
    struct rtpsec_master m;
    master_fill(&m, profile, 1);
    struct rtpsec_context *tx, *rx;
    if (rtpsec_context_new(&m, RTPSEC_OUTBOUND, 16, &tx) < 0 ||
        rtpsec_context_new(&m, RTPSEC_INBOUND, 16, &rx) < 0)
        die("rtpsec_context_new failed");
    double sealing = 0, opening = 0;
    for (long done = 0; done < packets; done += BATCH) {
        double t0 = now_ns();
        for (int j = 0; j < BATCH; j++) {
            memcpy(ring[j], tmpl, len);
            set_seq(ring[j], (uint32_t)(done + j));
            if (rtpsec_rtp_protect(tx, ring[j], len, PKT_MAX, &wire[j]) < 0)
                die("confide: protect failed");
        }
        double t1 = now_ns();
        for (int j = 0; j < BATCH; j++) {
            size_t n;
            if (rtpsec_rtp_unprotect(rx, ring[j], wire[j], &n) < 0 || n != len)
                die("confide: unprotect failed");
        }
        sealing += t1 - t0;
        opening += now_ns() - t1;
    }
    long n = (packets + BATCH - 1) / BATCH * BATCH;
    *protect_ns = sealing / (double)n;
    *unprotect_ns = opening / (double)n;
    rtpsec_context_free(tx);
    rtpsec_context_free(rx);
}

/* AES-CM beside AES-GCM in confide for one packet size, the two taking turns round by round,
 * each time its best round. */
static void compare_profiles(long packets, long rounds, size_t len)
{
    uint8_t tmpl[PKT_MAX];
    make_template(tmpl, len);
    enum rtpsec_profile p[2] = {RTPSEC_PROFILE_AES128_CM_HMAC_SHA1_80,
                                RTPSEC_PROFILE_AEAD_AES_128_GCM};
    double prot[2] = {1e18, 1e18}, unprot[2] = {1e18, 1e18};
    for (int k = 0; k < 2; k++) { /* warm up */
        double a, b;
        round_split(p[k], packets / 10, tmpl, len, &a, &b);
    }
    for (long r = 0; r < rounds; r++)
        for (int k = 0; k < 2; k++) {
            double a, b;
            round_split(p[k], packets, tmpl, len, &a, &b);
            if (a < prot[k])
                prot[k] = a;
            if (b < unprot[k])
                unprot[k] = b;
        }
    double ratio = (prot[0] + unprot[0]) / (prot[1] + unprot[1]);
    printf("confide %4zu-byte RTP  AES_CM_128_HMAC_SHA1_80 protect %.3f \u00b5s unprotect %.3f "
           "\u00b5s  AEAD_AES_128_GCM protect %.3f \u00b5s unprotect %.3f \u00b5s  "
           "ratio cm/gcm = %.2f (%s cheaper)\n",
           len, prot[0] / 1e3, unprot[0] / 1e3, prot[1] / 1e3, unprot[1] / 1e3, ratio,
           ratio > 1 ? "GCM" : "AES-CM");
}

static srtp_t lib_new(const struct rtpsec_master *m, int outbound)
{
    srtp_policy_t policy;
    memset(&policy, 0, sizeof policy);
    if (m->profile == RTPSEC_PROFILE_AEAD_AES_128_GCM) {
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
    if (srtp_create(&s, &policy) != srtp_err_status_ok)
        die("srtp_create failed");
    return s;
}

static double round_libsrtp(enum rtpsec_profile profile, long packets, const uint8_t *tmpl)
{
    struct rtpsec_master m;
    master_fill(&m, profile, 1);
    srtp_t tx = lib_new(&m, 1), rx = lib_new(&m, 0);
    uint8_t buf[PKT_MAX];
    double t0 = now_ns();
    for (long i = 0; i < packets; i++) {
        memcpy(buf, tmpl, PACKET_BYTES);
        set_seq(buf, (uint32_t)i);
        int len = PACKET_BYTES;
        if (srtp_protect(tx, buf, &len) != srtp_err_status_ok ||
            srtp_unprotect(rx, buf, &len) != srtp_err_status_ok || len != PACKET_BYTES)
            die("libsrtp2: protect or unprotect failed");
    }
    double t = (now_ns() - t0) / (double)packets;
    srtp_dealloc(tx);
    srtp_dealloc(rx);
    return t;
}

static long arg_long(int argc, char **argv, int *i, long min)
{
    if (*i + 1 >= argc)
        die("an option is missing its value");
    char *end;
    long v = strtol(argv[++*i], &end, 10);
    if (*end || v < min)
        die("an option's value is not a number in range");
    return v;
}

int main(int argc, char **argv)
{
    long packets = 100000, rounds = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--packets") == 0)
            packets = arg_long(argc, argv, &i, 1000);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = arg_long(argc, argv, &i, 1);
        else {
            fprintf(stderr, "usage: confide_srtp_bench [--packets N] [--rounds R]\n");
            return 2;
        }
    }
    if (srtp_init() != srtp_err_status_ok)
        die("srtp_init failed");
    uint8_t tmpl[PACKET_BYTES];
    make_template(tmpl, PACKET_BYTES);
    static const struct {
        enum rtpsec_profile profile;
        const char *name;
    } profiles[] = {
        {RTPSEC_PROFILE_AES128_CM_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80"},
        {RTPSEC_PROFILE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM"},
    };
    printf("# srtp: %d-byte RTP, protect + unprotect, %ld packets a round, best of %ld rounds\n",
           PACKET_BYTES, packets, rounds);
    for (size_t k = 0; k < sizeof profiles / sizeof profiles[0]; k++) {
        /* warm up both: page in the code, let the CPU reach its clock */
        round_confide(profiles[k].profile, packets / 10, tmpl);
        round_libsrtp(profiles[k].profile, packets / 10, tmpl);
        double ours = 1e18, theirs = 1e18;
        for (long r = 0; r < rounds; r++) {
            double a = round_confide(profiles[k].profile, packets, tmpl);
            double b = round_libsrtp(profiles[k].profile, packets, tmpl);
            if (a < ours)
                ours = a;
            if (b < theirs)
                theirs = b;
        }
        printf("%-24s confide %.0f ns  libsrtp2 %.0f ns  ratio libsrtp2/confide = %.2f\n",
               profiles[k].name, ours, theirs, theirs / ours);
    }
    printf("# srtp: confide alone, AES-CM beside GCM, protect and unprotect timed apart, best of "
           "%ld rounds\n",
           rounds);
    compare_profiles(packets, rounds, PACKET_BYTES);
    compare_profiles(packets, rounds, AUDIO_BYTES);
    srtp_shutdown();
    return 0;
}

/* OpenSSL 3.0's EVP digests and MACs copy their state through a fresh allocation on every
 * re-initialisation (EVP_MD_CTX_copy_ex → dupctx), two mallocs per HMAC. The SHA1_* calls
 * keep the state in a plain SHA_CTX that we copy by assignment, so HMAC-SHA1 runs from
 * precomputed inner and outer pads with no allocation and no extra compression of the
 * pads. They are deprecated in 3.0, hence the macro; the ciphers stay on EVP. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "sfu/rtpsec.h"

#include <endian.h>
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "core/xalloc.h"

#define CM_TAG 10
#define GCM_TAG 16
#define AUTH_KEY 20
#define CM_SALT 14
#define GCM_SALT 12
#define RTP_HEADER 12
#define RTCP_HEADER 8
#define SRTCP_TRAILER 4
#define PACKET_MAX 65535            /* a UDP datagram cannot be longer */
#define RTP_INDEX_END (1ULL << 48)  /* ROC || SEQ */
#define RTCP_INDEX_END (1ULL << 31) /* the SRTCP index shares its word with the E bit */

/* The state kept for one SSRC. A window bit stands for index i while top - W < i <= top,
 * at bit i % W: moving top forward clears the bits it passes, so nothing is ever shifted. */
struct rtpsec_stream {
    uint64_t rtp_top; /* highest index: ROC << 16 | SEQ */
    uint64_t rtp_seen[RTPSEC_RTP_REPLAY_WINDOW / 64];
    uint64_t rtcp_top; /* inbound: highest SRTCP index seen; outbound: the last one sent */
    uint64_t rtcp_seen[RTPSEC_RTCP_REPLAY_WINDOW / 64];
    uint8_t has_rtp, has_rtcp;
};

/* The session keys of RTP or of RTCP, turned into ready OpenSSL state. */
struct rtpsec_keys {
    EVP_CIPHER_CTX *cipher; /* AES-128-ECB (AES-CM's keystream) or AES-128-GCM, keyed */
    uint8_t salt[CM_SALT];  /* session salt; GCM uses the first 12 bytes */
    SHA_CTX inner, outer;   /* AES-CM only: SHA-1 after the key ⊕ ipad / opad block */
};

struct rtpsec_context {
    enum rtpsec_profile profile;
    enum rtpsec_direction direction;
    size_t tag_len;
    struct rtpsec_keys rtp, rtcp;
    unsigned n_streams, max_streams;
    uint32_t *ssrcs; /* slot -> SSRC */
    struct rtpsec_stream *streams;
    /* SSRC -> slot + 1 (0: free), open addressing with linear probing; at least twice as
     * many entries as slots, so a probe always ends at a free entry */
    uint16_t *index;
    unsigned index_bits;
};

static uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

size_t rtpsec_salt_len(enum rtpsec_profile profile)
{
    switch (profile) {
    case RTPSEC_PROFILE_AES128_CM_HMAC_SHA1_80:
        return CM_SALT;
    case RTPSEC_PROFILE_AEAD_AES_128_GCM:
        return GCM_SALT;
    }
    return 0;
}

size_t rtpsec_dtls_material_len(enum rtpsec_profile profile)
{
    size_t salt = rtpsec_salt_len(profile);
    return salt ? 2 * (RTPSEC_KEY_BYTES + salt) : 0;
}

int rtpsec_keys_from_dtls(const uint8_t *material, size_t len, int is_server,
                          enum rtpsec_profile profile, struct rtpsec_master *local,
                          struct rtpsec_master *remote)
{
    size_t salt = rtpsec_salt_len(profile);
    if (!salt || len != rtpsec_dtls_material_len(profile))
        return -EINVAL;
    const uint8_t *client_key = material, *server_key = material + RTPSEC_KEY_BYTES;
    const uint8_t *client_salt = material + 2 * RTPSEC_KEY_BYTES;
    const uint8_t *server_salt = client_salt + salt;
    struct rtpsec_master *client = is_server ? remote : local;
    struct rtpsec_master *server = is_server ? local : remote;
    memset(client, 0, sizeof *client);
    memset(server, 0, sizeof *server);
    client->profile = server->profile = profile;
    memcpy(client->key, client_key, RTPSEC_KEY_BYTES);
    memcpy(server->key, server_key, RTPSEC_KEY_BYTES);
    memcpy(client->salt, client_salt, salt);
    memcpy(server->salt, server_salt, salt);
    return 0;
}

/* RFC 3711 §4.1.1: IV = (salt · 2^16) ⊕ (SSRC · 2^64) ⊕ (index · 2^16). The KDF's IV of
 * §4.3.3 is the same with the label in the SSRC's last byte and index 0, which is why
 * Appendix B.2's keystream can be checked through rtpsec_derive. */
static void cm_iv(uint8_t iv[16], const uint8_t salt[CM_SALT], uint32_t ssrc, uint64_t index)
{
    memcpy(iv, salt, CM_SALT);
    iv[14] = iv[15] = 0;
    for (int i = 0; i < 4; i++)
        iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; i++)
        iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

/* RFC 7714 §8.1 and §9.1: IV = salt ⊕ (0x0000 || SSRC || 48-bit index). For RTP the index is
 * ROC || SEQ, for RTCP 0x0000 || 0 || SRTCP index: the same 48 bits either way. */
static void gcm_iv(uint8_t iv[12], const uint8_t salt[GCM_SALT], uint32_t ssrc, uint64_t index)
{
    memcpy(iv, salt, GCM_SALT);
    for (int i = 0; i < 4; i++)
        iv[2 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; i++)
        iv[6 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

/* AES-CM over p in place from the IV's counter block: the keystream is AES-ECB over the
 * counter blocks IV, IV + 1, … built here, XORed in. With OpenSSL 3.0 a CTR context would
 * need EVP_CipherInit_ex per packet to take the new IV, and that asks the provider for the
 * IV length through a named-parameter lookup (eight OSSL_PARAM_locate string compares)
 * every time; the ECB context keeps its key schedule and is never re-initialised. */
#define KEYSTREAM_CHUNK 2048 /* bytes of keystream made at a time: a 1200-byte packet in one */
static int ctr_apply(EVP_CIPHER_CTX *ecb, const uint8_t iv[16], uint8_t *p, size_t n, int wipe)
{
    _Alignas(16) uint8_t ks[KEYSTREAM_CHUNK];
    /* the counter block as two big-endian halves: IV + i mod 2^128 */
    uint64_t hi, lo;
    memcpy(&hi, iv, 8);
    memcpy(&lo, iv + 8, 8);
    hi = be64toh(hi);
    lo = be64toh(lo);
    while (n) {
        size_t take = n < sizeof ks ? n : sizeof ks;
        size_t blocks = (take + 15) / 16;
        for (size_t b = 0; b < blocks; b++) {
            uint64_t half[2] = {htobe64(hi), htobe64(lo)};
            memcpy(ks + 16 * b, half, 16);
            if (++lo == 0)
                hi++;
        }
        if (EVP_Cipher(ecb, ks, ks, (unsigned)(blocks * 16)) <= 0) {
            OPENSSL_cleanse(ks, sizeof ks);
            return -EIO;
        }
        size_t i = 0;
        for (; i + 8 <= take; i += 8) {
            uint64_t a, k;
            memcpy(&a, p + i, 8);
            memcpy(&k, ks + i, 8);
            a ^= k;
            memcpy(p + i, &a, 8);
        }
        for (; i < take; i++)
            p[i] ^= ks[i];
        p += take;
        n -= take;
    }
    /* A packet's keystream tells no more than its plaintext, which the caller holds anyway,
     * so only the KDF's (session keys) is wiped: not a 2 KiB write on every packet. */
    if (wipe)
        OPENSSL_cleanse(ks, sizeof ks);
    return 0;
}

/* AES-GCM over p in place with associated data a1 || a2; enc 1 writes tag, enc 0 checks it. */
static int gcm_apply(EVP_CIPHER_CTX *c, int enc, const uint8_t iv[12], const uint8_t *a1, size_t n1,
                     const uint8_t *a2, size_t n2, uint8_t *p, size_t n, uint8_t tag[GCM_TAG])
{
    int outl;
    if (EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, enc) != 1 ||
        EVP_CipherUpdate(c, NULL, &outl, a1, (int)n1) != 1 ||
        (n2 && EVP_CipherUpdate(c, NULL, &outl, a2, (int)n2) != 1) ||
        (n && EVP_CipherUpdate(c, p, &outl, p, (int)n) != 1))
        return -EIO;
    if (enc) {
        if (EVP_CipherFinal_ex(c, p + n, &outl) != 1 ||
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag) != 1)
            return -EIO;
        return 0;
    }
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag) != 1)
        return -EIO;
    return EVP_CipherFinal_ex(c, p + n, &outl) == 1 ? 0 : -EBADMSG;
}

static void hmac_setup(struct rtpsec_keys *k, const uint8_t key[AUTH_KEY])
{
    uint8_t pad[SHA_CBLOCK];
    memset(pad, 0x36, sizeof pad);
    for (int i = 0; i < AUTH_KEY; i++)
        pad[i] ^= key[i];
    SHA1_Init(&k->inner);
    SHA1_Update(&k->inner, pad, sizeof pad);
    memset(pad, 0x5c, sizeof pad);
    for (int i = 0; i < AUTH_KEY; i++)
        pad[i] ^= key[i];
    SHA1_Init(&k->outer);
    SHA1_Update(&k->outer, pad, sizeof pad);
    OPENSSL_cleanse(pad, sizeof pad);
}

/* HMAC-SHA1(a || b), the first CM_TAG bytes. */
static void hmac_tag(const struct rtpsec_keys *k, const uint8_t *a, size_t na, const uint8_t *b,
                     size_t nb, uint8_t out[CM_TAG])
{
    uint8_t digest[SHA_DIGEST_LENGTH];
    SHA_CTX c = k->inner;
    SHA1_Update(&c, a, na);
    SHA1_Update(&c, b, nb);
    SHA1_Final(digest, &c);
    c = k->outer;
    SHA1_Update(&c, digest, sizeof digest);
    SHA1_Final(digest, &c);
    memcpy(out, digest, CM_TAG);
    OPENSSL_cleanse(&c, sizeof c); /* a copy of the keyed state */
}

int rtpsec_derive(const struct rtpsec_master *master, enum rtpsec_label label, uint8_t *out,
                  size_t len)
{
    size_t salt_len = rtpsec_salt_len(master->profile);
    if (!salt_len || (unsigned)label > RTPSEC_LABEL_RTCP_SALT || len > INT_MAX)
        return -EINVAL;
    /* GCM keeps this KDF (RFC 7714 §12); its 12-byte master salt fills the first 12 of the
     * 14 bytes, zero after, as libsrtp2 (and so the browsers) do: test_srtp pins it. */
    uint8_t salt[CM_SALT] = {0}, iv[16];
    memcpy(salt, master->salt, salt_len);
    cm_iv(iv, salt, (uint32_t)label, 0);
    memset(out, 0, len);
    int rc = -EIO;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || EVP_CipherInit_ex(c, EVP_aes_128_ecb(), NULL, master->key, NULL, 1) != 1 ||
        EVP_CIPHER_CTX_set_padding(c, 0) != 1)
        goto out;
    rc = ctr_apply(c, iv, out, len, 1);
out:
    EVP_CIPHER_CTX_free(c);
    return rc;
}

/* Sets up the OpenSSL state for one set of session keys. */
static int keys_setup(struct rtpsec_keys *k, const struct rtpsec_session_keys *sk, int gcm)
{
    memcpy(k->salt, sk->salt, sizeof k->salt);
    if (!gcm)
        hmac_setup(k, sk->auth);
    k->cipher = EVP_CIPHER_CTX_new();
    if (!k->cipher || EVP_CipherInit_ex(k->cipher, gcm ? EVP_aes_128_gcm() : EVP_aes_128_ecb(),
                                        NULL, sk->cipher, NULL, 1) != 1 ||
        (!gcm && EVP_CIPHER_CTX_set_padding(k->cipher, 0) != 1))
        return -EIO;
    return 0;
}

int rtpsec_context_new_session(enum rtpsec_profile profile, enum rtpsec_direction direction,
                               const struct rtpsec_session_keys *rtp,
                               const struct rtpsec_session_keys *rtcp, unsigned max_streams,
                               struct rtpsec_context **out)
{
    *out = NULL;
    if (!rtpsec_salt_len(profile) ||
        (direction != RTPSEC_OUTBOUND && direction != RTPSEC_INBOUND) || max_streams < 1 ||
        max_streams > 4096)
        return -EINVAL;
    struct rtpsec_context *ctx = xcalloc(1, sizeof *ctx);
    ctx->profile = profile;
    ctx->direction = direction;
    int gcm = profile == RTPSEC_PROFILE_AEAD_AES_128_GCM;
    ctx->tag_len = gcm ? GCM_TAG : CM_TAG;
    ctx->max_streams = max_streams;
    ctx->ssrcs = xcalloc(max_streams, sizeof *ctx->ssrcs);
    ctx->streams = xcalloc(max_streams, sizeof *ctx->streams);
    ctx->index_bits = 1;
    while ((1u << ctx->index_bits) < 2 * max_streams)
        ctx->index_bits++;
    ctx->index = xcalloc(1u << ctx->index_bits, sizeof *ctx->index);
    int rc = keys_setup(&ctx->rtp, rtp, gcm);
    if (rc == 0)
        rc = keys_setup(&ctx->rtcp, rtcp, gcm);
    if (rc < 0) {
        rtpsec_context_free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

/* Derives the session keys of RTP (labels 0–2) or RTCP (3–5). */
static int session_derive(const struct rtpsec_master *m, enum rtpsec_label cipher,
                          struct rtpsec_session_keys *sk)
{
    memset(sk, 0, sizeof *sk);
    int rc = rtpsec_derive(m, cipher, sk->cipher, sizeof sk->cipher);
    if (rc == 0)
        rc = rtpsec_derive(m, cipher + 2, sk->salt, rtpsec_salt_len(m->profile));
    if (rc == 0 && m->profile == RTPSEC_PROFILE_AES128_CM_HMAC_SHA1_80)
        rc = rtpsec_derive(m, cipher + 1, sk->auth, sizeof sk->auth);
    return rc;
}

int rtpsec_context_new(const struct rtpsec_master *master, enum rtpsec_direction direction,
                       unsigned max_streams, struct rtpsec_context **out)
{
    struct rtpsec_session_keys rtp, rtcp;
    *out = NULL;
    int rc = session_derive(master, RTPSEC_LABEL_RTP_CIPHER, &rtp);
    if (rc == 0)
        rc = session_derive(master, RTPSEC_LABEL_RTCP_CIPHER, &rtcp);
    if (rc == 0)
        rc = rtpsec_context_new_session(master->profile, direction, &rtp, &rtcp, max_streams, out);
    OPENSSL_cleanse(&rtp, sizeof rtp);
    OPENSSL_cleanse(&rtcp, sizeof rtcp);
    return rc;
}

void rtpsec_context_free(struct rtpsec_context *ctx)
{
    if (!ctx)
        return;
    EVP_CIPHER_CTX_free(ctx->rtp.cipher);
    EVP_CIPHER_CTX_free(ctx->rtcp.cipher);
    free(ctx->ssrcs);
    free(ctx->streams);
    free(ctx->index);
    OPENSSL_cleanse(ctx, sizeof *ctx);
    free(ctx);
}

/* Where ssrc's probe starts: the top bits of a multiplicative hash (SSRCs are random, but
 * a peer may choose them close together). */
static unsigned index_home(const struct rtpsec_context *ctx, uint32_t ssrc)
{
    return (uint32_t)(ssrc * 2654435761u) >> (32 - ctx->index_bits);
}

static int stream_find(const struct rtpsec_context *ctx, uint32_t ssrc)
{
    unsigned mask = (1u << ctx->index_bits) - 1;
    for (unsigned h = index_home(ctx, ssrc);; h = (h + 1) & mask) {
        unsigned v = ctx->index[h];
        if (!v)
            return -1;
        if (ctx->ssrcs[v - 1] == ssrc)
            return (int)(v - 1);
    }
}

static void index_add(struct rtpsec_context *ctx, unsigned slot)
{
    unsigned mask = (1u << ctx->index_bits) - 1;
    unsigned h = index_home(ctx, ctx->ssrcs[slot]);
    while (ctx->index[h])
        h = (h + 1) & mask;
    ctx->index[h] = (uint16_t)(slot + 1);
}

/* The slot for ssrc, or -ENOSPC. Called before any work so that a full table fails early,
 * but the slot is only taken (stream_take) once the packet has passed. */
static int stream_slot(const struct rtpsec_context *ctx, uint32_t ssrc, int *slot)
{
    *slot = stream_find(ctx, ssrc);
    return *slot < 0 && ctx->n_streams == ctx->max_streams ? -ENOSPC : 0;
}

static struct rtpsec_stream *stream_take(struct rtpsec_context *ctx, uint32_t ssrc, int slot)
{
    if (slot < 0) {
        assert(ctx->n_streams < ctx->max_streams);
        slot = (int)ctx->n_streams++;
        ctx->ssrcs[slot] = ssrc;
        memset(&ctx->streams[slot], 0, sizeof ctx->streams[slot]);
        index_add(ctx, (unsigned)slot);
    }
    return &ctx->streams[slot];
}

int rtpsec_context_roc(const struct rtpsec_context *ctx, uint32_t ssrc, uint32_t *roc)
{
    int slot = stream_find(ctx, ssrc);
    if (slot < 0 || !ctx->streams[slot].has_rtp)
        return -ENOENT;
    *roc = (uint32_t)(ctx->streams[slot].rtp_top >> 16);
    return 0;
}

int rtpsec_context_forget(struct rtpsec_context *ctx, uint32_t ssrc)
{
    int slot = stream_find(ctx, ssrc);
    if (slot < 0)
        return -ENOENT;
    unsigned last = --ctx->n_streams;
    ctx->ssrcs[slot] = ctx->ssrcs[last];
    ctx->streams[slot] = ctx->streams[last];
    /* rare (a stream ends): the index is built again rather than deleted from */
    memset(ctx->index, 0, (sizeof *ctx->index) << ctx->index_bits);
    for (unsigned i = 0; i < ctx->n_streams; i++)
        index_add(ctx, i);
    assert(stream_find(ctx, ssrc) < 0);
    return 0;
}

static int window_check(const uint64_t *seen, uint64_t size, uint64_t top, uint64_t i)
{
    if (i > top)
        return 0;
    if (top - i >= size)
        return -ESTALE;
    uint64_t bit = i % size;
    return seen[bit / 64] >> (bit % 64) & 1 ? -EALREADY : 0;
}

static void window_add(uint64_t *seen, uint64_t size, uint64_t *top, uint64_t i)
{
    if (i > *top) {
        if (i - *top >= size) {
            memset(seen, 0, size / 8);
        } else {
            /* the slots of top+1..i held indexes that now fall out of the window */
            for (uint64_t j = *top + 1; j <= i; j++)
                seen[j % size / 64] &= ~(1ULL << (j % 64));
        }
        *top = i;
    }
    uint64_t bit = i % size;
    seen[bit / 64] |= 1ULL << (bit % 64);
}

/* RFC 3711 §3.3.1 and Appendix A: of the indexes ending in seq with the rollover counter one
 * below, equal to or one above the highest index's, the one nearest that index. Negative
 * means before the stream began. */
static int64_t rtp_guess(const struct rtpsec_stream *st, int known, uint16_t seq)
{
    if (!known)
        return seq;
    int64_t top = (int64_t)st->rtp_top;
    int64_t guess = (top & ~(int64_t)0xffff) | seq;
    if (guess - top > 32768)
        guess -= 65536;
    else if (guess - top < -32768)
        guess += 65536;
    return guess;
}

/* Replay and index checks for an RTP packet; *index gets its 48-bit index. */
static int rtp_index(const struct rtpsec_context *ctx, int slot, const uint8_t *buf,
                     uint64_t *index)
{
    const struct rtpsec_stream *st = slot >= 0 ? &ctx->streams[slot] : NULL;
    int known = st && st->has_rtp;
    int64_t guess = rtp_guess(st, known, (uint16_t)(buf[2] << 8 | buf[3]));
    if (guess < 0)
        return -ESTALE;
    if ((uint64_t)guess >= RTP_INDEX_END)
        return -EOVERFLOW;
    *index = (uint64_t)guess;
    return known ? window_check(st->rtp_seen, RTPSEC_RTP_REPLAY_WINDOW, st->rtp_top, *index) : 0;
}

static void rtp_commit(struct rtpsec_context *ctx, uint32_t ssrc, int slot, uint64_t index)
{
    struct rtpsec_stream *st = stream_take(ctx, ssrc, slot);
    if (!st->has_rtp) {
        st->has_rtp = 1;
        st->rtp_top = index;
    }
    window_add(st->rtp_seen, RTPSEC_RTP_REPLAY_WINDOW, &st->rtp_top, index);
}

/* Length of the RTP header with its CSRCs and extension, or -EINVAL if it does not fit. */
static int rtp_header_len(const uint8_t *p, size_t len)
{
    if (len < RTP_HEADER || p[0] >> 6 != 2)
        return -EINVAL;
    size_t n = RTP_HEADER + 4 * (size_t)(p[0] & 0x0f);
    if (p[0] & 0x10) {
        if (n + 4 > len)
            return -EINVAL;
        n += 4 + 4 * (size_t)(p[n + 2] << 8 | p[n + 3]);
    }
    return n <= len ? (int)n : -EINVAL;
}

/* The packet's stream slot and its 48-bit index (ROC and sequence number). */
static int rtp_locate(struct rtpsec_context *ctx, const uint8_t *buf, uint32_t ssrc, int *slot,
                      uint64_t *index)
{
    int rc = stream_slot(ctx, ssrc, slot);
    return rc < 0 ? rc : rtp_index(ctx, *slot, buf, index);
}

int rtpsec_rtp_protect(struct rtpsec_context *ctx, uint8_t *buf, size_t len, size_t cap,
                       size_t *out_len)
{
    if (ctx->direction != RTPSEC_OUTBOUND || len > PACKET_MAX)
        return -EINVAL;
    int hdr = rtp_header_len(buf, len);
    if (hdr < 0)
        return hdr;
    if (cap < len + ctx->tag_len)
        return -ENOSPC;
    uint32_t ssrc = load32(buf + 8);
    uint64_t index;
    int slot;
    int rc = rtp_locate(ctx, buf, ssrc, &slot, &index);
    if (rc < 0)
        return rc;
    if (ctx->profile == RTPSEC_PROFILE_AEAD_AES_128_GCM) {
        uint8_t iv[12];
        gcm_iv(iv, ctx->rtp.salt, ssrc, index);
        rc = gcm_apply(ctx->rtp.cipher, 1, iv, buf, (size_t)hdr, NULL, 0, buf + hdr,
                       len - (size_t)hdr, buf + len);
    } else {
        uint8_t iv[16], roc[4];
        cm_iv(iv, ctx->rtp.salt, ssrc, index);
        rc = ctr_apply(ctx->rtp.cipher, iv, buf + hdr, len - (size_t)hdr, 0);
        store32(roc, (uint32_t)(index >> 16));
        hmac_tag(&ctx->rtp, buf, len, roc, sizeof roc, buf + len);
    }
    if (rc < 0)
        return rc;
    rtp_commit(ctx, ssrc, slot, index);
    *out_len = len + ctx->tag_len;
    return 0;
}

int rtpsec_rtp_unprotect(struct rtpsec_context *ctx, uint8_t *buf, size_t len, size_t *out_len)
{
    if (ctx->direction != RTPSEC_INBOUND || len > PACKET_MAX + ctx->tag_len ||
        len < RTP_HEADER + ctx->tag_len)
        return -EINVAL;
    size_t body = len - ctx->tag_len; /* header and payload, without the tag */
    int hdr = rtp_header_len(buf, body);
    if (hdr < 0)
        return hdr;
    uint32_t ssrc = load32(buf + 8);
    uint64_t index;
    int slot;
    int rc = rtp_locate(ctx, buf, ssrc, &slot, &index);
    if (rc < 0)
        return rc;
    if (ctx->profile == RTPSEC_PROFILE_AEAD_AES_128_GCM) {
        uint8_t iv[12];
        gcm_iv(iv, ctx->rtp.salt, ssrc, index);
        rc = gcm_apply(ctx->rtp.cipher, 0, iv, buf, (size_t)hdr, NULL, 0, buf + hdr,
                       body - (size_t)hdr, buf + body);
    } else {
        uint8_t iv[16], roc[4], tag[CM_TAG];
        store32(roc, (uint32_t)(index >> 16));
        hmac_tag(&ctx->rtp, buf, body, roc, sizeof roc, tag);
        if (CRYPTO_memcmp(tag, buf + body, CM_TAG) != 0)
            return -EBADMSG;
        cm_iv(iv, ctx->rtp.salt, ssrc, index);
        rc = ctr_apply(ctx->rtp.cipher, iv, buf + hdr, body - (size_t)hdr, 0);
    }
    if (rc < 0)
        return rc;
    rtp_commit(ctx, ssrc, slot, index);
    *out_len = body;
    return 0;
}

int rtpsec_rtcp_protect(struct rtpsec_context *ctx, uint8_t *buf, size_t len, size_t cap,
                        size_t *out_len)
{
    if (ctx->direction != RTPSEC_OUTBOUND || len > PACKET_MAX || len < RTCP_HEADER ||
        buf[0] >> 6 != 2)
        return -EINVAL;
    if (cap < len + SRTCP_TRAILER + ctx->tag_len)
        return -ENOSPC;
    uint32_t ssrc = load32(buf + 4);
    int slot;
    int rc = stream_slot(ctx, ssrc, &slot);
    if (rc < 0)
        return rc;
    const struct rtpsec_stream *st = slot >= 0 ? &ctx->streams[slot] : NULL;
    uint64_t index = st && st->has_rtcp ? st->rtcp_top + 1 : 0;
    if (index >= RTCP_INDEX_END)
        return -EOVERFLOW;
    uint8_t trailer[SRTCP_TRAILER];
    store32(trailer, 0x80000000u | (uint32_t)index); /* E: always encrypted */
    if (ctx->profile == RTPSEC_PROFILE_AEAD_AES_128_GCM) {
        /* RFC 7714 §9: header || ciphertext || tag || E-bit and index */
        uint8_t iv[12];
        gcm_iv(iv, ctx->rtcp.salt, ssrc, index);
        rc = gcm_apply(ctx->rtcp.cipher, 1, iv, buf, RTCP_HEADER, trailer, sizeof trailer,
                       buf + RTCP_HEADER, len - RTCP_HEADER, buf + len);
        memcpy(buf + len + GCM_TAG, trailer, sizeof trailer);
    } else {
        /* RFC 3711 §3.4: header || ciphertext || E-bit and index || tag */
        uint8_t iv[16];
        cm_iv(iv, ctx->rtcp.salt, ssrc, index);
        rc = ctr_apply(ctx->rtcp.cipher, iv, buf + RTCP_HEADER, len - RTCP_HEADER, 0);
        memcpy(buf + len, trailer, sizeof trailer);
        hmac_tag(&ctx->rtcp, buf, len + SRTCP_TRAILER, NULL, 0, buf + len + SRTCP_TRAILER);
    }
    if (rc < 0)
        return rc;
    struct rtpsec_stream *taken = stream_take(ctx, ssrc, slot);
    taken->has_rtcp = 1;
    taken->rtcp_top = index;
    *out_len = len + SRTCP_TRAILER + ctx->tag_len;
    return 0;
}

int rtpsec_rtcp_unprotect(struct rtpsec_context *ctx, uint8_t *buf, size_t len, size_t *out_len)
{
    size_t overhead = SRTCP_TRAILER + ctx->tag_len;
    if (ctx->direction != RTPSEC_INBOUND || len > PACKET_MAX + overhead ||
        len < RTCP_HEADER + overhead || buf[0] >> 6 != 2)
        return -EINVAL;
    size_t body = len - overhead; /* the RTCP packet as it was before protection */
    int gcm = ctx->profile == RTPSEC_PROFILE_AEAD_AES_128_GCM;
    uint8_t *trailer = gcm ? buf + len - SRTCP_TRAILER : buf + body;
    uint8_t *tag = gcm ? buf + body : buf + body + SRTCP_TRAILER;
    int encrypted = trailer[0] >> 7;
    uint64_t index = load32(trailer) & 0x7fffffffu;
    uint32_t ssrc = load32(buf + 4);
    int slot;
    int rc = stream_slot(ctx, ssrc, &slot);
    if (rc < 0)
        return rc;
    const struct rtpsec_stream *st = slot >= 0 ? &ctx->streams[slot] : NULL;
    if (st && st->has_rtcp &&
        (rc = window_check(st->rtcp_seen, RTPSEC_RTCP_REPLAY_WINDOW, st->rtcp_top, index)) < 0)
        return rc;
    if (gcm) {
        uint8_t iv[12];
        gcm_iv(iv, ctx->rtcp.salt, ssrc, index);
        /* encrypted: the header and the trailer are associated data; not: all of it is */
        size_t aad = encrypted ? RTCP_HEADER : body;
        rc = gcm_apply(ctx->rtcp.cipher, 0, iv, buf, aad, trailer, SRTCP_TRAILER, buf + aad,
                       body - aad, tag);
    } else {
        uint8_t iv[16], mac[CM_TAG];
        hmac_tag(&ctx->rtcp, buf, body + SRTCP_TRAILER, NULL, 0, mac);
        if (CRYPTO_memcmp(mac, tag, CM_TAG) != 0)
            return -EBADMSG;
        cm_iv(iv, ctx->rtcp.salt, ssrc, index);
        if (encrypted)
            rc = ctr_apply(ctx->rtcp.cipher, iv, buf + RTCP_HEADER, body - RTCP_HEADER, 0);
    }
    if (rc < 0)
        return rc;
    struct rtpsec_stream *taken = stream_take(ctx, ssrc, slot);
    if (!taken->has_rtcp) {
        taken->has_rtcp = 1;
        taken->rtcp_top = index;
    }
    window_add(taken->rtcp_seen, RTPSEC_RTCP_REPLAY_WINDOW, &taken->rtcp_top, index);
    *out_len = body;
    return 0;
}

/* light_rx: see light_rx.h. */
#include "light_rx.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#define BLOCK 16

size_t light_rx_tag_len(enum rtpsec_profile profile)
{
    return profile == RTPSEC_PROFILE_AEAD_AES_128_GCM ? 16 : 10;
}

int light_rx_init(struct light_rx *l, const struct rtpsec_master *remote)
{
    memset(l, 0, sizeof *l);
    size_t salt_len = rtpsec_salt_len(remote->profile);
    if (!salt_len)
        return -EINVAL;
    uint8_t key[RTPSEC_KEY_BYTES];
    int rc = rtpsec_derive(remote, RTPSEC_LABEL_RTP_CIPHER, key, sizeof key);
    if (rc == 0)
        rc = rtpsec_derive(remote, RTPSEC_LABEL_RTP_SALT, l->salt, salt_len);
    EVP_CIPHER_CTX *c = rc == 0 ? EVP_CIPHER_CTX_new() : NULL;
    if (rc == 0 && (!c || EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
                    EVP_CIPHER_CTX_set_padding(c, 0) != 1))
        rc = -EIO;
    memset(key, 0, sizeof key);
    if (rc < 0) {
        EVP_CIPHER_CTX_free(c);
        return rc;
    }
    l->profile = remote->profile;
    l->ecb = c;
    return 0;
}

void light_rx_free(struct light_rx *l)
{
    EVP_CIPHER_CTX_free(l->ecb);
    memset(l, 0, sizeof *l);
}

static uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The counter block of payload block j.
 * GCM (RFC 7714 §8.1, NIST SP 800-38D): IV = salt ⊕ (0x0000 || SSRC || ROC || SEQ), J0 =
 * IV || 1, and the plaintext's block j is encrypted with inc32 applied j + 1 times: IV || j + 2.
 * AES-CM (RFC 3711 §4.1.1): IV = (salt · 2^16) ⊕ (SSRC · 2^64) ⊕ (index · 2^16), and block j
 * is encrypted with IV + j (j < 2^16, so only the low 16 bits, zero in IV, change). */
static void counter_block(const struct light_rx *l, uint32_t ssrc, uint64_t index, size_t j,
                          uint8_t out[BLOCK])
{
    memset(out, 0, BLOCK);
    if (l->profile == RTPSEC_PROFILE_AEAD_AES_128_GCM) {
        for (int i = 0; i < 4; i++)
            out[2 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
        for (int i = 0; i < 6; i++)
            out[6 + i] = (uint8_t)(index >> (40 - 8 * i));
        for (int i = 0; i < 12; i++)
            out[i] ^= l->salt[i];
        uint32_t ctr = (uint32_t)j + 2;
        out[12] = (uint8_t)(ctr >> 24), out[13] = (uint8_t)(ctr >> 16);
        out[14] = (uint8_t)(ctr >> 8), out[15] = (uint8_t)ctr;
    } else {
        memcpy(out, l->salt, 14);
        for (int i = 0; i < 4; i++)
            out[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
        for (int i = 0; i < 6; i++)
            out[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
        out[14] = (uint8_t)(j >> 8), out[15] = (uint8_t)j;
    }
}

int light_rx_tail(const struct light_rx *l, const uint8_t *pkt, size_t len, size_t hdr_len,
                  uint32_t roc, uint8_t *out, size_t n)
{
    size_t tag = light_rx_tag_len(l->profile);
    if (len < hdr_len + tag || len - hdr_len - tag < n || n == 0 || len < 12)
        return -EINVAL;
    size_t payload = len - hdr_len - tag;
    size_t first = payload - n; /* the tail's offset in the payload */
    size_t j0 = first / BLOCK, j1 = (payload - 1) / BLOCK;
    if (j1 - j0 + 1 > 8 || j1 >= 0xffff)
        return -EINVAL; /* more than a short tail, or past what AES-CM counts here */
    uint32_t ssrc = load32(pkt + 8);
    uint64_t index = (uint64_t)roc << 16 | (uint64_t)(pkt[2] << 8 | pkt[3]);
    uint8_t ctr[8 * BLOCK], ks[8 * BLOCK];
    size_t blocks = j1 - j0 + 1;
    for (size_t b = 0; b < blocks; b++)
        counter_block(l, ssrc, index, j0 + b, ctr + b * BLOCK);
    int outl;
    if (EVP_EncryptUpdate(l->ecb, ks, &outl, ctr, (int)(blocks * BLOCK)) != 1)
        return -EIO;
    const uint8_t *c = pkt + hdr_len + first;
    const uint8_t *k = ks + (first - j0 * BLOCK);
    for (size_t i = 0; i < n; i++)
        out[i] = c[i] ^ k[i];
    return 0;
}

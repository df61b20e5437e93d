/* light_rx: the last bytes of an SRTP packet's payload, decrypted alone, for a load generator
 * whose own core would otherwise saturate before the server it measures.
 *
 * Both SRTP profiles encrypt with AES in counter mode (AES-GCM is CTR underneath, RFC 7714
 * §8; AES-CM is RFC 3711 §4.1.1), so the keystream for any byte of the payload is AES-ECB of
 * its counter block, computable from the session key, salt, SSRC and packet index alone.
 * light_rx_tail decrypts only the blocks that hold the tail (the load generator's trailer:
 * a magic number, who sent it, when) and NEVER CHECKS THE AUTHENTICATION TAG: a forged or
 * damaged packet reads as garbage here instead of being refused. That is acceptable for
 * counting and timing the server's own packets, and for nothing else.
 *
 * The packet index needs the stream's rollover counter, which the caller keeps (rtpsec
 * knows it for packets it has authenticated: rtpsec_context_roc). No allocation after
 * light_rx_init. */
#ifndef CONFIDE_BENCH_LIGHT_RX_H
#define CONFIDE_BENCH_LIGHT_RX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/rtpsec.h"

struct light_rx {
    enum rtpsec_profile profile;
    void *ecb; /* EVP_CIPHER_CTX, AES-128-ECB with the RTP session key */
    uint8_t salt[RTPSEC_SALT_BYTES_MAX];
};

/* Derives the RTP session key and salt from the master the peer protects with (the inbound
 * side's). Returns 0, -EINVAL for an unknown profile, or -EIO if OpenSSL fails. */
int light_rx_init(struct light_rx *l, const struct rtpsec_master *remote);
void light_rx_free(struct light_rx *l);

/* pkt[0..len) is an SRTP packet (RTP header in the clear, encrypted payload, tag); hdr_len is
 * the length of its RTP header with CSRCs and extensions. Writes the last n bytes of the
 * plaintext payload to out. Returns 0, -EINVAL if the payload is shorter than n (or the tail
 * spans more than 8 AES blocks), or -EIO if OpenSSL fails. */
int light_rx_tail(const struct light_rx *l, const uint8_t *pkt, size_t len, size_t hdr_len,
                  uint32_t roc, uint8_t *out, size_t n);

/* Bytes an SRTP packet of this profile carries after its payload (the tag). */
size_t light_rx_tag_len(enum rtpsec_profile profile);

#endif

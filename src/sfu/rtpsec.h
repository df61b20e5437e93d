/* rtpsec: SRTP and SRTCP (RFC 3711, RFC 7714) on OpenSSL, for the media workers.
 * Two profiles: AEAD_AES_128_GCM (preferred) and AES_CM_128_HMAC_SHA1_80. Session keys come
 * from the DTLS master keys through the RFC 3711 §4.3 KDF (key derivation rate 0, no MKI).
 * A context serves one direction of one transport (all its SSRCs): an outbound context
 * only protects, an inbound one only unprotects. Everything OpenSSL needs is set up in
 * rtpsec_context_new; after that protecting and unprotecting allocate nothing and work in
 * place. Each SSRC gets a slot in a fixed table holding its rollover counter (RFC 3711
 * §3.3.1), its highest index and a replay window for RTP and for RTCP; a slot is taken only
 * when a packet of that SSRC has been protected or authenticated, so forged packets cannot
 * fill the table. RTP header extensions are authenticated, never encrypted (no RFC 6904).
 * Not thread-safe: a context belongs to the worker that owns the transport.
 *
 * Every name here starts with rtpsec_ / RTPSEC_: libsrtp2 owns srtp_* and SRTP_*, and
 * OpenSSL has SRTP_* macros too, so this header can sit beside either (the tests link
 * libsrtp2 to cross-check). */
#ifndef CONFIDE_SFU_RTPSEC_H
#define CONFIDE_SFU_RTPSEC_H
#include <stddef.h>
#include <stdint.h>

/* Values are the DTLS-SRTP protection profile ids (RFC 5764 §4.1.2, RFC 7714 §14.2), so
 * SSL_get_selected_srtp_profile()->id converts with a cast. */
enum rtpsec_profile {
    RTPSEC_PROFILE_AES128_CM_HMAC_SHA1_80 = 0x0001,
    RTPSEC_PROFILE_AEAD_AES_128_GCM = 0x0007,
};

enum rtpsec_direction {
    RTPSEC_OUTBOUND = 1, /* protects what this side sends */
    RTPSEC_INBOUND = 2,  /* unprotects what the peer sent */
};

#define RTPSEC_KEY_BYTES 16
#define RTPSEC_SALT_BYTES_MAX 14      /* 14 for AES-CM, 12 for GCM */
#define RTPSEC_DTLS_MATERIAL_MAX 60   /* 2 × (key + salt) */
#define RTPSEC_RTP_OVERHEAD_MAX 16    /* bytes protecting adds to an RTP packet */
#define RTPSEC_RTCP_OVERHEAD_MAX 20   /* … and to an RTCP packet: tag and E-bit/index */
#define RTPSEC_RTP_REPLAY_WINDOW 1024 /* packets; video retransmitted without RTX arrives late */
#define RTPSEC_RTCP_REPLAY_WINDOW 128

/* A master key and salt, as DTLS hands them over. */
struct rtpsec_master {
    enum rtpsec_profile profile;
    uint8_t key[RTPSEC_KEY_BYTES];
    uint8_t salt[RTPSEC_SALT_BYTES_MAX]; /* only the first rtpsec_salt_len() bytes count */
};

/* The labels of RFC 3711 §4.3.2. */
enum rtpsec_label {
    RTPSEC_LABEL_RTP_CIPHER = 0,
    RTPSEC_LABEL_RTP_AUTH = 1,
    RTPSEC_LABEL_RTP_SALT = 2,
    RTPSEC_LABEL_RTCP_CIPHER = 3,
    RTPSEC_LABEL_RTCP_AUTH = 4,
    RTPSEC_LABEL_RTCP_SALT = 5,
};

/* Master salt length for the profile (14 or 12), or 0 for an unknown profile. */
size_t rtpsec_salt_len(enum rtpsec_profile profile);
/* How many bytes to export from DTLS for the profile (60 or 56), or 0 if unknown. */
size_t rtpsec_dtls_material_len(enum rtpsec_profile profile);

/* Splits the keying material exported with SSL_export_keying_material(ssl, material, len,
 * "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0) into the master key this side protects with
 * (local: outbound context) and the one it unprotects with (remote: inbound context).
 * RFC 5764 §4.2 lays it out as client key, server key, client salt, server salt.
 * Returns 0, or -EINVAL when the profile is unknown or len is not its material length. */
int rtpsec_keys_from_dtls(const uint8_t *material, size_t len, int is_server,
                          enum rtpsec_profile profile, struct rtpsec_master *local,
                          struct rtpsec_master *remote);

/* The RFC 3711 §4.3 key derivation (AES-CM PRF, rate 0): len bytes of the session key,
 * salt or authentication key that label names. Returns 0, -EINVAL, or -EIO if OpenSSL
 * fails. */
int rtpsec_derive(const struct rtpsec_master *master, enum rtpsec_label label, uint8_t *out,
                  size_t len);

/* The session keys of RTP or of RTCP. GCM uses no auth key and 12 bytes of salt. */
struct rtpsec_session_keys {
    uint8_t cipher[RTPSEC_KEY_BYTES];
    uint8_t salt[RTPSEC_SALT_BYTES_MAX];
    uint8_t auth[20];
};

struct rtpsec_context;

/* Derives the session keys and sets up OpenSSL's contexts once. max_streams (1..4096) bounds
 * the SSRC table. Returns 0, -EINVAL, or -EIO if OpenSSL fails. */
int rtpsec_context_new(const struct rtpsec_master *master, enum rtpsec_direction direction,
                       unsigned max_streams, struct rtpsec_context **out);
/* The same from session keys: for test vectors stated that way (RFC 7714 §16–17). */
int rtpsec_context_new_session(enum rtpsec_profile profile, enum rtpsec_direction direction,
                               const struct rtpsec_session_keys *rtp,
                               const struct rtpsec_session_keys *rtcp, unsigned max_streams,
                               struct rtpsec_context **out);
/* Wipes the keys. NULL is fine. */
void rtpsec_context_free(struct rtpsec_context *ctx);

/* Each function below works in place on buf and returns 0 with the new length in *out_len,
 * or a negative code, counted by the caller:
 *   -EINVAL    malformed: too short, not version 2, header longer than the packet, too
 *              long, or the wrong direction for this context;
 *   -ENOSPC    protect: cap leaves no room for the tag; either: a new SSRC and a full table;
 *   -EBADMSG   unprotect: the tag does not match (wrong key, tampered, not SRTP);
 *   -EALREADY  this index was seen (unprotect: a replay) or used (protect: reusing it would
 *              reuse a GCM nonce, so a retransmission without RTX must resend the bytes
 *              protected the first time);
 *   -ESTALE    the index is behind the replay window: it cannot be told from a replay;
 *   -EOVERFLOW protect: the SSRC's index space is spent (2^48 RTP / 2^31 RTCP): rekey.
 *   -EIO       OpenSSL failed, which it should not.
 * On failure buf may hold garbage; drop the packet. Nothing is allocated. */

/* Protects an RTP packet of len bytes; cap is the room in buf, at least
 * len + RTPSEC_RTP_OVERHEAD_MAX to be safe for either profile. */
int rtpsec_rtp_protect(struct rtpsec_context *ctx, uint8_t *buf, size_t len, size_t cap,
                       size_t *out_len);
/* Authenticates and decrypts an SRTP packet; the RTP packet is the first *out_len bytes. */
int rtpsec_rtp_unprotect(struct rtpsec_context *ctx, uint8_t *buf, size_t len, size_t *out_len);
/* Protects a (compound) RTCP packet, always encrypted (E bit set), with the SSRC's next
 * SRTCP index. Needs len + RTPSEC_RTCP_OVERHEAD_MAX of room. */
int rtpsec_rtcp_protect(struct rtpsec_context *ctx, uint8_t *buf, size_t len, size_t cap,
                        size_t *out_len);
/* Authenticates and, when its E bit is set, decrypts an SRTCP packet. */
int rtpsec_rtcp_unprotect(struct rtpsec_context *ctx, uint8_t *buf, size_t len, size_t *out_len);

/* The rollover counter of ssrc's RTP stream (the top 32 bits of its highest index). Returns 0
 * or -ENOENT when no RTP packet of ssrc was protected or authenticated. */
int rtpsec_context_roc(const struct rtpsec_context *ctx, uint32_t ssrc, uint32_t *roc);
/* Frees ssrc's slot when its stream ends. Returns 0 or -ENOENT. On an outbound context the
 * SSRC must not be sent again: starting it over would reuse keystream. */
int rtpsec_context_forget(struct rtpsec_context *ctx, uint32_t ssrc);

#endif

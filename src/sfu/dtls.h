/* dtls: the DTLS 1.2 half of DTLS-SRTP (RFC 5763, RFC 5764) on OpenSSL 3, sans-I/O.
 * Datagrams and the time come in; datagrams to send, events and the next deadline come out.
 * OpenSSL sees only memory BIOs; nothing here touches a socket.
 *
 * Identity. One per server start: an ECDSA P-256 key and a self-signed certificate
 * (CN "confide", random 64-bit serial, valid from a day before `now` for
 * DTLS_CERT_LIFETIME_DAYS), its SDP fingerprint, and one SSL_CTX: DTLS 1.2 only, ECDHE
 * suites only, use_srtp offering AEAD_AES_128_GCM then AES128_CM_HMAC_SHA1_80, no session
 * cache, tickets or renegotiation, and a certificate always required of the peer. Peers use
 * self-signed certificates, so no chain is verified: the peer's certificate is accepted when
 * its hash equals the fingerprint from the remote SDP (compared in constant time), which is
 * what RFC 5763 §5 asks. Browsers pin the fingerprint and ignore the dates (Chrome makes
 * 30-day certificates itself); a server that runs longer than the lifetime should make a new
 * identity for new peers.
 *
 * Peer. One per transport, server (we answer with a=setup:passive) or client. Each datagram
 * fed to dtls_peer_handle must begin with 20..63 (RFC 7983) and be a run of whole DTLS
 * records; anything else is counted and dropped before OpenSSL sees it. So are plaintext
 * handshake records whose fragment headers do not add up, and, until a server's handshake
 * has begun, anything but a ClientHello: OpenSSL answers an unexpected or malformed
 * handshake message with a fatal alert, and epoch 0 is not authenticated, so one forged
 * datagram could otherwise end a handshake (a well-formed forged message still can: an
 * on-path attacker can always stop a handshake). Records go out packed into datagrams of at
 * most DTLS_MTU bytes, copied into the caller's buffers. Events:
 *   DTLS_EV_CONNECTED  the handshake finished, the peer's certificate matched and an SRTP
 *                      profile was agreed: out->profile and the master keys this side
 *                      protects with (out->local) and unprotects with (out->remote), which
 *                      the caller turns into srtp contexts and then wipes (dtls_out_wipe);
 *   DTLS_EV_FAILED     final, with out->failure saying why;
 *   DTLS_EV_CLOSED     final, the peer sent close_notify (ours went back in out).
 * Application data (there are no data channels) is read, dropped and counted.
 *
 * Timers. OpenSSL runs DTLS retransmission timers on its own clock (gettimeofday) and
 * retransmits only when that clock says a timer expired; OpenSSL 3.0 offers no way to hand
 * it ours. So dtls_peer_next_deadline is OpenSSL's remaining time added to the now_ms of the
 * last call, and dtls_peer_tick asks OpenSSL to retransmit, which it does only if the time
 * has really passed. Driven by a real monotonic clock the two agree (to OpenSSL's 15 ms
 * rounding); driven by a test clock, retransmissions need real time to pass too. The first
 * timeout is DTLS_RTO_INITIAL_MS, doubling to DTLS_RTO_MAX_MS; OpenSSL gives up after 12
 * expiries. Independently, and on the caller's clock only, a handshake not finished
 * DTLS_HANDSHAKE_TIMEOUT_MS after it began (a client's start, a server's ClientHello) fails with
 * DTLS_FAIL_TIMEOUT.
 *
 * Key material is wiped (OPENSSL_cleanse) after use. Not thread-safe: a peer belongs to the
 * worker that owns its transport; an identity may be shared by all workers once made. */
#ifndef CONFIDE_SFU_DTLS_H
#define CONFIDE_SFU_DTLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/rtpsec.h"

#define DTLS_MTU 1200        /* bytes per datagram we send: fits any path WebRTC runs on */
#define DTLS_OUT_DATAGRAMS 8 /* enough for any flight, even with an RSA-4096 peer certificate */
#define DTLS_CERT_LIFETIME_DAYS 30
#define DTLS_RTO_INITIAL_MS 400
#define DTLS_RTO_MAX_MS 6400
#define DTLS_HANDSHAKE_TIMEOUT_MS 30000
/* "sha-512 " and 64 hex pairs with colons, and the NUL */
#define DTLS_FINGERPRINT_MAX 200

/* An SDP a=fingerprint value (RFC 8122): hash name and digest. */
struct dtls_fingerprint {
    int hash_nid; /* OpenSSL's NID_sha256, NID_sha384 or NID_sha512 */
    size_t len;   /* 32, 48 or 64 */
    uint8_t digest[64];
};

/* Parses "sha-256 AB:CD:…" (hash name and hex case-insensitive, one or more spaces between,
 * nothing after). 0, -EINVAL when malformed, -EOPNOTSUPP for another hash function (sha-1
 * and md5 are refused as too weak to pin a certificate with). */
int dtls_fingerprint_parse(const char *text, struct dtls_fingerprint *out);

struct dtls_identity;

/* now_wall_ms: Unix time in ms, for the certificate's dates. 0 or -EIO if OpenSSL fails. */
int dtls_identity_new(int64_t now_wall_ms, struct dtls_identity **out);
/* Peers made from the identity keep working after it is freed. NULL is fine. */
void dtls_identity_free(struct dtls_identity *id);
/* "sha-256 AB:CD:…" with upper-case hex, for the SDP's a=fingerprint. */
const char *dtls_identity_fingerprint(const struct dtls_identity *id);

enum dtls_role {
    DTLS_ROLE_SERVER = 1, /* a=setup:passive: waits for the ClientHello */
    DTLS_ROLE_CLIENT = 2, /* a=setup:active: sends it from dtls_peer_start */
};

enum dtls_state {
    DTLS_STATE_NEW, /* server: no ClientHello yet; client: not started */
    DTLS_STATE_HANDSHAKING,
    DTLS_STATE_CONNECTED, /* keys handed out; only close_notify or alerts matter now (until
                           * dtls_peer_confirm, when nothing does) */
    DTLS_STATE_FAILED,    /* final */
    DTLS_STATE_CLOSED,    /* final: close_notify sent or received */
};

enum {
    DTLS_EV_CONNECTED = 1u << 0,
    DTLS_EV_FAILED = 1u << 1,
    DTLS_EV_CLOSED = 1u << 2,
};

enum dtls_failure {
    DTLS_FAIL_NONE = 0,
    DTLS_FAIL_HANDSHAKE,   /* during the handshake: a fatal alert sent or received */
    DTLS_FAIL_FINGERPRINT, /* the peer's certificate is not the one its SDP named */
    DTLS_FAIL_NO_SRTP,     /* the handshake finished without a common SRTP profile */
    DTLS_FAIL_TIMEOUT,     /* DTLS_HANDSHAKE_TIMEOUT_MS passed, or OpenSSL gave up */
    DTLS_FAIL_ALERT,       /* after it: a fatal alert sent or received */
    DTLS_FAIL_INTERNAL,    /* OpenSSL failed where it should not (key export) */
};

/* The caller's buffer for one datagram: data and cap set once, len filled per call. */
struct dtls_datagram {
    uint8_t *data;
    size_t cap; /* DTLS_MTU is always enough */
    size_t len;
};

/* What one call produced. The caller sets datagrams and datagrams_max once (buffers from
 * its pool) and may reuse the struct for every call and every peer: each call resets the
 * rest, wiping the keys a previous call left. Datagrams that do not fit are dropped and
 * counted; the retransmission timer resends them. */
struct dtls_out {
    struct dtls_datagram *datagrams;
    size_t datagrams_max;
    size_t count; /* datagrams[0..count) are to be sent to the peer's address, in order */
    unsigned events;
    enum dtls_failure failure;
    enum rtpsec_profile profile;        /* with DTLS_EV_CONNECTED */
    struct rtpsec_master local, remote; /* with DTLS_EV_CONNECTED; wipe once used */
};

/* Wipes the keys and clears the results (datagram count included), keeping the caller's
 * buffers. CONNECTED comes with the last handshake flight still to be sent: send the
 * datagrams before calling this, or wipe only out->local and out->remote. */
void dtls_out_wipe(struct dtls_out *out);

/* Why datagrams were dropped, and what else went by; for /metrics. */
struct dtls_stats {
    uint64_t datagrams_in;  /* handed to OpenSSL */
    uint64_t datagrams_out; /* written into dtls_out */
    uint64_t not_dtls;      /* first byte not 20..63: the caller's demux erred */
    uint64_t malformed;     /* not a run of whole DTLS records */
    uint64_t early;         /* a server's first datagram that does not start a ClientHello */
    uint64_t after_end;     /* arrived after FAILED or CLOSED */
    uint64_t after_confirm; /* arrived after dtls_peer_confirm: no DTLS is read any more */
    uint64_t app_data;      /* application data bytes, read and dropped */
    uint64_t retransmits;   /* timer expiries that resent a flight */
    uint64_t out_overflow;  /* datagrams that did not fit the caller's dtls_out */
};

struct dtls_peer;

/* remote_fingerprint: the remote SDP's a=fingerprint value. 0, -EINVAL (bad role or
 * fingerprint), -EOPNOTSUPP (hash function), -EIO (OpenSSL failed). */
int dtls_peer_new(const struct dtls_identity *id, enum dtls_role role,
                  const char *remote_fingerprint, struct dtls_peer **out);
/* Wipes and frees. NULL is fine. Sends nothing: call dtls_peer_close first to say goodbye. */
void dtls_peer_free(struct dtls_peer *p);

/* Client: sends the ClientHello (a client fed a datagram first starts then). Server:
 * nothing to do, 0. -EALREADY when a client started before, -ENOTCONN after the end. */
int dtls_peer_start(struct dtls_peer *p, int64_t now_ms, struct dtls_out *out);

/* One datagram from the peer. Returns 0 when OpenSSL took it (events tell what came of
 * it), or why it was dropped: -EINVAL (first byte not 20..63), -EBADMSG (not whole DTLS
 * records, or a server's first datagram without a ClientHello), -ENOTCONN (the peer is
 * FAILED or CLOSED). Drops are counted, and none of them is the caller's problem. A server's
 * ClientHello starts its handshake. */
int dtls_peer_handle(struct dtls_peer *p, int64_t now_ms, const uint8_t *data, size_t len,
                     struct dtls_out *out);

/* When dtls_peer_tick must run next (same clock as now_ms); INT64_MAX when nothing waits. */
int64_t dtls_peer_next_deadline(const struct dtls_peer *p);
/* Retransmits what is due (see Timers above) and fails a handshake that took too long. */
void dtls_peer_tick(struct dtls_peer *p, int64_t now_ms, struct dtls_out *out);

/* The peer's first SRTP or SRTCP packet that authenticated: it has the keys, so it got our
 * last flight and will not ask for it again. The connection is dropped (tens of kB a
 * transport); the peer stays CONNECTED, later DTLS datagrams are counted and dropped, and
 * dtls_peer_close sends no close_notify (the signalling channel ends the call). Cheap to
 * call for every packet; nothing before CONNECTED. True when this call dropped it. */
bool dtls_peer_confirm(struct dtls_peer *p);
/* Whether the peer still holds its connection (false once confirmed). */
bool dtls_peer_has_connection(const struct dtls_peer *p);

/* Sends close_notify (when connected) and moves to CLOSED. No event: the caller knows. */
void dtls_peer_close(struct dtls_peer *p, struct dtls_out *out);

enum dtls_state dtls_peer_state(const struct dtls_peer *p);
enum dtls_role dtls_peer_role(const struct dtls_peer *p);
const struct dtls_stats *dtls_peer_stats(const struct dtls_peer *p);
const char *dtls_failure_name(enum dtls_failure f);

#endif

/* peer: one transport of one participant, sans-I/O: the ICE-lite agent (ice.h), the DTLS
 * peer in the server role (dtls.h, a=setup:passive) pinned to the remote SDP's fingerprint,
 * and, once DTLS connects, the outbound and inbound SRTP contexts (rtpsec.h).
 *
 * peer_handle_datagram demultiplexes one datagram by its first byte (RFC 7983): 0..3 STUN
 * to the agent, 20..63 DTLS, 128..191 SRTP or SRTCP (rtcp_is_rtcp). What to send back comes
 * out in struct peer_out: a STUN response for the sender, DTLS datagrams for the nominated
 * address, and for SRTP the plain RTP or RTCP packet, decrypted in place in the caller's
 * buffer, for the forwarding layer. DTLS and SRTP are taken from any address that passed an
 * authenticated ICE check (ice_verified), not only the nominated one: the browser sends its
 * ClientHello as soon as a check succeeds, before it nominates. Anything from an address
 * that passed no check is dropped (the worker routes by 5-tuple anyway; this is the second
 * lock on the door). DTLS and media go out to the nominated address, or before any
 * nomination to the verified address the last DTLS datagram came from (peer_destination).
 *
 * ICE restart (peer_ice_restart): new ICE credentials on the same transport; the DTLS
 * session, the SRTP contexts and everything above stay as they are.
 *
 * Timers: peer_next_deadline is the earlier of ICE consent and DTLS retransmission;
 * peer_tick runs both. The clock is the monotonic one in ms (DTLS needs the real clock, see
 * dtls.h). Every drop is counted in struct peer_stats (and the agent's and DTLS peer's own
 * stats). Not thread-safe: a peer belongs to one worker, though it may be made on another
 * thread and handed over. */
#ifndef CONFIDE_SFU_PEER_H
#define CONFIDE_SFU_PEER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sfu/limits.h"
#include "sfu/dtls.h"
#include "sfu/ice.h"

#define PEER_SRTP_STREAMS MEDIA_SRTP_STREAMS /* SSRCs per direction of one transport */

struct peer_params {
    const struct dtls_identity *identity;
    const char *local_ufrag, *local_pwd; /* ours, from the SDP we sent */
    const char *remote_ufrag;            /* NULL until the remote SDP is known */
    const char *remote_fingerprint;      /* the remote SDP's a=fingerprint value */
    struct ice_config ice;
};

enum {
    PEER_EV_NOMINATED = 1u << 0,    /* a (new) address was nominated: out->addr */
    PEER_EV_CONNECTED = 1u << 1,    /* DTLS done, SRTP keyed: media may flow */
    PEER_EV_DISCONNECTED = 1u << 2, /* ICE consent expired: send nothing */
    PEER_EV_CLOSED = 1u << 3,       /* final (ICE gone, DTLS failed or closed): free it */
    PEER_EV_VERIFIED = 1u << 4,     /* an address passed its first check: verified_* */
    PEER_EV_CONFIRMED = 1u << 5,    /* the remote's first SRTP: its DTLS connection freed */
};

enum peer_media {
    PEER_MEDIA_NONE = 0,
    PEER_MEDIA_RTP,  /* data[0..media_len) is a plain RTP packet */
    PEER_MEDIA_RTCP, /* data[0..media_len) is a plain (compound) RTCP packet */
};

/* What one call produced. The caller sets reply/reply_cap and dtls (its datagram buffers)
 * once; each call resets the rest. */
struct peer_out {
    uint8_t *reply; /* a STUN response for the sender: reply[0..reply_len) */
    size_t reply_cap;
    size_t reply_len;
    struct dtls_out *dtls; /* dtls->count datagrams for peer_remote(); the keys are wiped */
    unsigned events;       /* PEER_EV_* */
    struct sockaddr_storage addr;
    unsigned verified_slot; /* PEER_EV_VERIFIED: < ICE_VERIFIED_MAX, see ice.h */
    struct sockaddr_storage verified_addr;
    enum peer_media media;
    size_t media_len;
};

/* Why datagrams were dropped at this layer; ICE's and DTLS's own reasons are in theirs. */
struct peer_stats {
    uint64_t unknown_first_byte; /* none of RFC 7983's ranges */
    uint64_t unverified;         /* DTLS or SRTP from an address that passed no ICE check */
    uint64_t before_keys;        /* SRTP before DTLS connected */
    uint64_t srtp_failed;        /* unprotect failed: tag, replay, malformed */
    uint64_t rtp_in, rtcp_in;    /* unprotected and handed out */
};

struct peer;

/* 0, -EINVAL (credentials or fingerprint malformed), -EOPNOTSUPP (fingerprint hash), -EIO. */
/* Whether peer_new would take these credentials and fingerprint: 0, -EINVAL, -EOPNOTSUPP.
 * Pure, so a planner can answer an SDP error before it asks a worker for the peer. */
int peer_params_check(const char *local_ufrag, const char *local_pwd, const char *remote_ufrag,
                      const char *remote_fingerprint);
int peer_new(const struct peer_params *params, int64_t now_ms, struct peer **out);
/* Wipes and frees. NULL is fine. */
void peer_free(struct peer *p);

/* One datagram from `from`, decrypted in place when it is SRTP. 0 when it was taken, or
 * why it was dropped (counted): -EPROTO (first byte), -EPERM (an address with no check),
 * -ENOTCONN (no keys yet, or closed), or what ice_handle_packet, dtls_peer_handle or the
 * SRTP unprotect said. */
int peer_handle_datagram(struct peer *p, int64_t now_ms, const struct sockaddr_storage *from,
                         uint8_t *data, size_t len, struct peer_out *out);

/* Protects an outgoing RTP / RTCP packet in place (cap ≥ len + RTPSEC_RTP_OVERHEAD_MAX /
 * RTPSEC_RTCP_OVERHEAD_MAX). -ENOTCONN unless peer_can_send(); otherwise rtpsec.h's codes. */
int peer_protect_rtp(struct peer *p, uint8_t *buf, size_t len, size_t cap, size_t *out_len);
int peer_protect_rtcp(struct peer *p, uint8_t *buf, size_t len, size_t cap, size_t *out_len);

int64_t peer_next_deadline(const struct peer *p);
/* Runs due timers: DTLS retransmissions come out in out->dtls, events in out->events. */
void peer_tick(struct peer *p, int64_t now_ms, struct peer_out *out);

/* Keyed, with fresh consent, and nominated or (before that) reached by DTLS: media may be
 * sent to peer_destination(). */
bool peer_can_send(const struct peer *p);
bool peer_is_closed(const struct peer *p);
/* The nominated address, or NULL. */
const struct sockaddr_storage *peer_remote(const struct peer *p);
/* Where DTLS and media go: the nominated address, else the verified one DTLS last came
 * from; NULL before either. */
const struct sockaddr_storage *peer_destination(const struct peer *p);
/* ICE restart in place (ice_restart): new local credentials and, when known, the remote
 * ufrag; remote_ufrag NULL when the restart is our offer (set it with peer_set_remote_ufrag
 * once the answer comes). 0, -EINVAL, -ENOTCONN (closed). */
int peer_ice_restart(struct peer *p, int64_t now_ms, const char *local_ufrag,
                     const char *local_pwd, const char *remote_ufrag);
int peer_set_remote_ufrag(struct peer *p, const char *remote_ufrag);
const char *peer_local_ufrag(const struct peer *p);
const struct peer_stats *peer_stats(const struct peer *p);
const struct ice_stats *peer_ice_stats(const struct peer *p);
const struct dtls_stats *peer_dtls_stats(const struct peer *p);

/* Same family, address and port (AF_INET or AF_INET6), and the same TCP connection or none
 * (ice_addr_conn). */
bool peer_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif

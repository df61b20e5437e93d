/* ice: an ICE-lite agent (RFC 8445 §2.5, §7.3, §7.3.2, §8.2) for one transport of one
 * peer, sans-I/O. Datagrams and the time come in; responses to send back to the sender,
 * events and the next deadline come out. It never sends a request of its own: a lite
 * agent only answers the browser's checks and is always the controlled side.
 *
 * Checks. A Binding request is accepted when it carries FINGERPRINT, USERNAME
 * "<local ufrag>:<remote ufrag>" and MESSAGE-INTEGRITY keyed with the local password. It
 * gets a success response (XOR-MAPPED-ADDRESS = the sender, MESSAGE-INTEGRITY,
 * FINGERPRINT). Until the remote ufrag is known (the server made the offer and the answer
 * has not come back yet), any remote part is accepted, as §7.3 asks.
 *
 * Refusals. A request that fails authentication (no USERNAME or MESSAGE-INTEGRITY, a
 * USERNAME that is not ours, integrity that does not verify) is dropped silently and
 * counted, not answered with the 400/401 of RFC 5389 §10.1.2. Such an error may not carry
 * MESSAGE-INTEGRITY, and §10.1.3 has the client discard any response without it "as if it
 * was never received": a compliant browser ignores the 401 and retransmits, exactly as
 * after silence (and one that did act on it would be acting on something anyone can
 * forge). The 401 would only tell scanners that someone listens here and reflect packets
 * at spoofed sources. Authenticated requests with unknown comprehension-required
 * attributes get 420, and ones claiming the controlled role get 487 (the browser must
 * control a lite agent, RFC 8445 §6.1.1); those carry integrity, so the browser can trust
 * them and act.
 *
 * Nomination. An accepted request with USE-CANDIDATE and ICE-CONTROLLING nominates the
 * sender's address (§7.3.2): ICE_EV_NOMINATED. A later nomination from another address
 * (the client's network changed) nominates that one: ICE_EV_NOMINATED again, and the
 * caller switches. The 5-tuple is (the caller's socket, the sender): one agent is fed
 * from one local socket, so it compares senders only. A request whose transaction id was
 * recently accepted from another address is a replay (a retransmission comes from where
 * the original did) and is dropped, so an eavesdropper cannot move the path with a
 * captured check while that check is in the window of recent transactions.
 *
 * Verified addresses. Every address that got a success response to an authenticated check
 * is remembered (up to ICE_VERIFIED_MAX, the least recently checked one giving way, never
 * the nominated one): ICE_EV_VERIFIED the first time, with the slot it took. The browser
 * starts DTLS as soon as one of its checks succeeds, which is before it nominates (and
 * maybe on another pair than the one it will nominate), so DTLS and SRTP are taken from
 * any verified address (ice_verified), never from one that has not passed a check.
 *
 * Consent (RFC 7675). A lite agent sends no checks, so the browser's checks, which it
 * sends every few seconds while it wants our packets, are the consent. Every accepted
 * request from the nominated address refreshes it (before a nomination, any accepted
 * request does). When none arrives for consent_timeout_ms: ICE_EV_DISCONNECTED, and the
 * caller stops sending. Like the browser, which treats expired consent as final for the
 * pair, only a new nomination (after an ICE restart, say) brings it back. After a further
 * gone_after_ms: ICE_EV_GONE, final; the caller frees the agent.
 *
 * ICE restart (§9): new local credentials (both must change) and the new remote ufrag.
 * The old credentials stop working at once; the nominated address stays in use until a
 * nomination under the new ones, and the consent clock starts over. The addresses verified
 * so far stay verified: they passed a check of this same browser, and the DTLS session
 * (hence SRTP) goes on across the restart.
 *
 * Every dropped packet is counted in struct ice_stats, by reason. */
#ifndef CONFIDE_SFU_ICE_H
#define CONFIDE_SFU_ICE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* RFC 8839 §5.4: ice-ufrag is 4..256 ice-chars, ice-pwd 22..256. */
#define ICE_UFRAG_MIN 4
#define ICE_UFRAG_MAX 256
#define ICE_PWD_MIN 22
#define ICE_PWD_MAX 256
/* Always enough for anything ice_handle_packet writes (the 420 is the largest). */
#define ICE_RESPONSE_MAX 128
/* Remote addresses remembered as having passed a check: a browser has a few candidates
 * per transport (host, srflx, relay; IPv4 and IPv6), and checks them all. */
#define ICE_VERIFIED_MAX 4

struct ice_config {
    int64_t consent_timeout_ms; /* 0: 30000, RFC 7675's consent expiry */
    int64_t gone_after_ms;      /* after disconnected; 0: 30000 */
};

enum ice_state {
    ICE_WAITING,      /* no nomination yet */
    ICE_CONNECTED,    /* nominated, consent fresh: send to ice_selected() */
    ICE_DISCONNECTED, /* consent expired: send nothing; a new nomination revives it */
    ICE_GONE,         /* final */
};

enum {
    ICE_EV_NOMINATED = 1u << 0,    /* a (new) address was nominated: events.addr */
    ICE_EV_DISCONNECTED = 1u << 1, /* consent expired */
    ICE_EV_GONE = 1u << 2,         /* the grace passed too: free the agent */
    ICE_EV_VERIFIED = 1u << 3,     /* an address passed its first check: verified_addr */
};

struct ice_events {
    unsigned flags; /* ICE_EV_*; each call sets it afresh */
    struct sockaddr_storage addr;
    /* ICE_EV_VERIFIED: the address now in slot verified_slot (< ICE_VERIFIED_MAX), in
     * place of whatever that slot held before */
    unsigned verified_slot;
    struct sockaddr_storage verified_addr;
};

/* Why packets were dropped, and what was done with the rest; for /metrics. */
struct ice_stats {
    uint64_t not_stun;           /* first byte not 0..3 (RFC 7983): the caller's demux erred */
    uint64_t malformed;          /* not a well-formed STUN message */
    uint64_t unsupported;        /* a method other than Binding */
    uint64_t unexpected;         /* responses: a lite agent sends no requests */
    uint64_t bad_fingerprint;    /* requests without FINGERPRINT or with a wrong one */
    uint64_t unauthenticated;    /* no USERNAME or MESSAGE-INTEGRITY, or integrity wrong */
    uint64_t wrong_username;     /* USERNAME not "<local ufrag>:<remote ufrag>" */
    uint64_t replayed;           /* a recent transaction id from another address */
    uint64_t after_gone;         /* anything after ICE_EV_GONE */
    uint64_t no_room;            /* the output buffer was too small to answer */
    uint64_t indications;        /* Binding indications (keepalives): accepted, unanswered */
    uint64_t unknown_attributes; /* answered 420 */
    uint64_t role_conflicts;     /* answered 487 */
    uint64_t answered;           /* success responses */
    uint64_t nominations;        /* ICE_EV_NOMINATED */
    uint64_t verified;           /* ICE_EV_VERIFIED */
    uint64_t restarts;           /* ice_restart */
};

struct ice_agent;

/* remote_ufrag may be NULL when not known yet (see ice_set_remote_ufrag). 0, or -EINVAL
 * when a credential is not ice-chars of the allowed length. */
/* 0 when these credentials would make an agent (ice_agent_new), else -EINVAL; pure. */
int ice_credentials_check(const char *local_ufrag, const char *local_pwd,
                          const char *remote_ufrag);
int ice_agent_new(const struct ice_config *cfg, const char *local_ufrag, const char *local_pwd,
                  const char *remote_ufrag, int64_t now_ms, struct ice_agent **out);
void ice_agent_free(struct ice_agent *a);

/* One datagram from `from` (AF_INET or AF_INET6). When *out_len > 0 on return, send
 * out[0..*out_len) back to `from` from the socket it arrived on. Returns 0 when the packet
 * was accepted (answered, or an indication), or why it was dropped: -EINVAL (not STUN, or
 * `from` not an IP address), -EBADMSG (malformed, bad fingerprint), -EOPNOTSUPP (not a
 * Binding request or indication), -EACCES (authentication), -EALREADY (replayed),
 * -ENOBUFS (out_cap too small), -ENOTCONN (the agent is gone). Drops are counted in the
 * stats; none of them is the caller's problem. Expired timers fire first, so events may
 * carry ICE_EV_DISCONNECTED or ICE_EV_GONE too. */
int ice_handle_packet(struct ice_agent *a, int64_t now_ms, const struct sockaddr_storage *from,
                      const uint8_t *data, size_t len, uint8_t *out, size_t out_cap,
                      size_t *out_len, struct ice_events *ev);

/* When ice_tick must run next (ms, same clock as now_ms); INT64_MAX once gone. */
int64_t ice_next_deadline(const struct ice_agent *a);
void ice_tick(struct ice_agent *a, int64_t now_ms, struct ice_events *ev);

/* ICE restart. remote_ufrag may be NULL when the restart is our offer. 0, -EINVAL (bad or
 * unchanged local credentials), -ENOTCONN (gone). */
int ice_restart(struct ice_agent *a, int64_t now_ms, const char *local_ufrag, const char *local_pwd,
                const char *remote_ufrag);
/* The remote ufrag from the SDP answer, once it arrives. 0 or -EINVAL. */
int ice_set_remote_ufrag(struct ice_agent *a, const char *remote_ufrag);

enum ice_state ice_state(const struct ice_agent *a);
/* The nominated address, or NULL before any nomination. */
const struct sockaddr_storage *ice_selected(const struct ice_agent *a);
/* Whether `from` passed an authenticated check (and is still remembered). The nominated
 * address always has. */
bool ice_verified(const struct ice_agent *a, const struct sockaddr_storage *from);
const struct ice_stats *ice_stats(const struct ice_agent *a);
const char *ice_local_ufrag(const struct ice_agent *a);

/* ICE-TCP (RFC 6544). A candidate pair over a TCP connection is told apart from a UDP
 * one from the same IP and port by a connection id that the worker writes into the
 * sockaddr_storage, past the largest address it holds (so sendmsg and the XOR-MAPPED-ADDRESS
 * never see it); 0 for UDP, and the storage is zeroed wherever a UDP address is made. Every
 * comparison of addresses (the agent's, peer_addr_equal, the worker's table) includes it. */
#define ICE_ADDR_CONN_OFFSET sizeof(struct sockaddr_in6)
_Static_assert(ICE_ADDR_CONN_OFFSET + sizeof(uint32_t) <= sizeof(struct sockaddr_storage),
               "the connection id fits in the storage");
static inline uint32_t ice_addr_conn(const struct sockaddr_storage *a)
{
    uint32_t conn;
    memcpy(&conn, (const uint8_t *)a + ICE_ADDR_CONN_OFFSET, sizeof conn);
    return conn;
}
static inline void ice_addr_set_conn(struct sockaddr_storage *a, uint32_t conn)
{
    memcpy((uint8_t *)a + ICE_ADDR_CONN_OFFSET, &conn, sizeof conn);
}

/* For the worker's routing: the local ufrag a STUN request is addressed to (the part of
 * USERNAME before the colon), pointing into data. 0, or -EBADMSG / -ENOENT when the
 * datagram is not STUN or has no such USERNAME. Nothing is verified: the agent does that. */
int ice_ufrag_of(const uint8_t *data, size_t len, const char **ufrag, size_t *ufrag_len);

#endif

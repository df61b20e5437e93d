#include "sfu/peer.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sfu/rtcp.h"
#include "sfu/rtpsec.h"
#include "sfu/stun.h"

struct peer {
    struct ice_agent *ice;
    struct dtls_peer *dtls;
    struct rtpsec_context *srtp_out, *srtp_in;
    bool closed;
    bool has_dtls_from;
    struct sockaddr_storage dtls_from; /* verified; where DTLS last came from */
    struct peer_stats stats;
};

int peer_new(const struct peer_params *params, int64_t now_ms, struct peer **out)
{
    *out = NULL;
    struct peer *p = xcalloc(1, sizeof *p);
    int rc = ice_agent_new(&params->ice, params->local_ufrag, params->local_pwd,
                           params->remote_ufrag, now_ms, &p->ice);
    if (rc < 0)
        goto fail;
    rc = dtls_peer_new(params->identity, DTLS_ROLE_SERVER, params->remote_fingerprint, &p->dtls);
    if (rc < 0)
        goto fail;
    *out = p;
    return 0;
fail:
    peer_free(p);
    return rc;
}

int peer_params_check(const char *local_ufrag, const char *local_pwd, const char *remote_ufrag,
                      const char *remote_fingerprint)
{
    struct dtls_fingerprint fp;
    if (ice_credentials_check(local_ufrag, local_pwd, remote_ufrag) < 0)
        return -EINVAL;
    return dtls_fingerprint_parse(remote_fingerprint, &fp);
}

void peer_free(struct peer *p)
{
    if (!p)
        return;
    ice_agent_free(p->ice);
    dtls_peer_free(p->dtls);
    rtpsec_context_free(p->srtp_out);
    rtpsec_context_free(p->srtp_in);
    free(p);
}

bool peer_addr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family || ice_addr_conn(a) != ice_addr_conn(b))
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return false;
}

static void out_reset(struct peer_out *out)
{
    out->reply_len = 0;
    out->events = 0;
    out->media = PEER_MEDIA_NONE;
    out->media_len = 0;
    if (out->dtls)
        dtls_out_wipe(out->dtls);
}

static void take_ice_events(struct peer *p, const struct ice_events *ev, struct peer_out *out)
{
    if (ev->flags & ICE_EV_NOMINATED) {
        out->events |= PEER_EV_NOMINATED;
        out->addr = ev->addr;
    }
    if (ev->flags & ICE_EV_VERIFIED) {
        out->events |= PEER_EV_VERIFIED;
        out->verified_slot = ev->verified_slot;
        out->verified_addr = ev->verified_addr;
    }
    if (ev->flags & ICE_EV_DISCONNECTED)
        out->events |= PEER_EV_DISCONNECTED;
    if (ev->flags & ICE_EV_GONE) {
        p->closed = true;
        out->events |= PEER_EV_CLOSED;
    }
}

/* Keys the SRTP contexts from a DTLS_EV_CONNECTED and wipes the master keys at once; the
 * datagrams of the final flight stay in out->dtls for the caller to send. */
static void take_dtls_events(struct peer *p, struct peer_out *out)
{
    struct dtls_out *d = out->dtls;
    if (d->events & DTLS_EV_CONNECTED) {
        int rc = rtpsec_context_new(&d->local, RTPSEC_OUTBOUND, PEER_SRTP_STREAMS, &p->srtp_out);
        if (rc == 0)
            rc = rtpsec_context_new(&d->remote, RTPSEC_INBOUND, PEER_SRTP_STREAMS, &p->srtp_in);
        if (rc == 0) {
            out->events |= PEER_EV_CONNECTED;
        } else {
            p->closed = true;
            out->events |= PEER_EV_CLOSED;
        }
    }
    explicit_bzero(&d->local, sizeof d->local);
    explicit_bzero(&d->remote, sizeof d->remote);
    if (d->events & (DTLS_EV_FAILED | DTLS_EV_CLOSED)) {
        p->closed = true;
        out->events |= PEER_EV_CLOSED;
    }
}

/* Whether `from` passed an authenticated check: the browser starts DTLS on the first pair
 * whose check succeeded, before it nominates one, so nominated-only would drop its first
 * ClientHello and cost a retransmission. */
static bool from_verified(struct peer *p, const struct sockaddr_storage *from)
{
    if (ice_verified(p->ice, from))
        return true;
    p->stats.unverified++;
    return false;
}

int peer_handle_datagram(struct peer *p, int64_t now_ms, const struct sockaddr_storage *from,
                         uint8_t *data, size_t len, struct peer_out *out)
{
    out_reset(out);
    if (p->closed)
        return -ENOTCONN;
    if (stun_is_stun(data, len)) {
        struct ice_events ev = {0};
        int rc = ice_handle_packet(p->ice, now_ms, from, data, len, out->reply, out->reply_cap,
                                   &out->reply_len, &ev);
        take_ice_events(p, &ev, out);
        return rc;
    }
    if (len == 0) {
        p->stats.unknown_first_byte++;
        return -EPROTO;
    }
    if (data[0] >= 20 && data[0] <= 63) {
        if (!from_verified(p, from))
            return -EPERM;
        p->dtls_from = *from;
        p->has_dtls_from = true;
        int rc = dtls_peer_handle(p->dtls, now_ms, data, len, out->dtls);
        take_dtls_events(p, out);
        return rc;
    }
    if (data[0] >= 128 && data[0] <= 191) {
        if (!from_verified(p, from))
            return -EPERM;
        if (!p->srtp_in) {
            p->stats.before_keys++;
            return -ENOTCONN;
        }
        bool rtcp = rtcp_is_rtcp(data, len);
        size_t plain = 0;
        int rc = rtcp ? rtpsec_rtcp_unprotect(p->srtp_in, data, len, &plain)
                      : rtpsec_rtp_unprotect(p->srtp_in, data, len, &plain);
        if (rc < 0) {
            p->stats.srtp_failed++;
            return rc;
        }
        if (dtls_peer_confirm(p->dtls))
            out->events |= PEER_EV_CONFIRMED;
        if (rtcp)
            p->stats.rtcp_in++;
        else
            p->stats.rtp_in++;
        out->media = rtcp ? PEER_MEDIA_RTCP : PEER_MEDIA_RTP;
        out->media_len = plain;
        return 0;
    }
    p->stats.unknown_first_byte++;
    return -EPROTO;
}

/* Before a nomination, media goes where DTLS came from: that address passed a check and
 * carried the handshake, the browser takes media on any pair of the transport, and the
 * first keyframe (asked for when the transport connects) is not thrown away waiting for
 * the nomination. Consent still counts there (ICE_WAITING expires like ICE_CONNECTED). */
bool peer_can_send(const struct peer *p)
{
    if (p->closed || !p->srtp_out)
        return false;
    enum ice_state s = ice_state(p->ice);
    return s == ICE_CONNECTED || (s == ICE_WAITING && p->has_dtls_from);
}

int peer_protect_rtp(struct peer *p, uint8_t *buf, size_t len, size_t cap, size_t *out_len)
{
    if (!peer_can_send(p))
        return -ENOTCONN;
    return rtpsec_rtp_protect(p->srtp_out, buf, len, cap, out_len);
}

int peer_protect_rtcp(struct peer *p, uint8_t *buf, size_t len, size_t cap, size_t *out_len)
{
    if (!peer_can_send(p))
        return -ENOTCONN;
    return rtpsec_rtcp_protect(p->srtp_out, buf, len, cap, out_len);
}

int64_t peer_next_deadline(const struct peer *p)
{
    if (p->closed)
        return INT64_MAX;
    int64_t a = ice_next_deadline(p->ice), b = dtls_peer_next_deadline(p->dtls);
    return a < b ? a : b;
}

void peer_tick(struct peer *p, int64_t now_ms, struct peer_out *out)
{
    out_reset(out);
    if (p->closed)
        return;
    struct ice_events ev = {0};
    ice_tick(p->ice, now_ms, &ev);
    take_ice_events(p, &ev, out);
    if (p->closed)
        return;
    dtls_peer_tick(p->dtls, now_ms, out->dtls);
    take_dtls_events(p, out);
}

bool peer_is_closed(const struct peer *p)
{
    return p->closed;
}

const struct sockaddr_storage *peer_remote(const struct peer *p)
{
    return ice_selected(p->ice);
}

const struct sockaddr_storage *peer_destination(const struct peer *p)
{
    const struct sockaddr_storage *sel = ice_selected(p->ice);
    if (sel)
        return sel;
    return p->has_dtls_from ? &p->dtls_from : NULL;
}

int peer_ice_restart(struct peer *p, int64_t now_ms, const char *local_ufrag,
                     const char *local_pwd, const char *remote_ufrag)
{
    if (p->closed)
        return -ENOTCONN;
    return ice_restart(p->ice, now_ms, local_ufrag, local_pwd, remote_ufrag);
}

int peer_set_remote_ufrag(struct peer *p, const char *remote_ufrag)
{
    if (p->closed)
        return -ENOTCONN;
    return ice_set_remote_ufrag(p->ice, remote_ufrag);
}

const char *peer_local_ufrag(const struct peer *p)
{
    return ice_local_ufrag(p->ice);
}

const struct peer_stats *peer_stats(const struct peer *p)
{
    return &p->stats;
}

const struct ice_stats *peer_ice_stats(const struct peer *p)
{
    return ice_stats(p->ice);
}

const struct dtls_stats *peer_dtls_stats(const struct peer *p)
{
    return dtls_peer_stats(p->dtls);
}

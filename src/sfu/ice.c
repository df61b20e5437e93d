#include "sfu/ice.h"

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "sfu/stun.h"

#define DEFAULT_CONSENT_MS 30000
#define DEFAULT_GONE_MS 30000
/* Accepted transaction ids remembered against replays from another address. Browsers
 * check the selected pair every few seconds, so this covers roughly the last minute. */
#define RECENT 16

/* An address reduced to what identifies the sender, so comparisons ignore padding. */
struct endpoint {
    sa_family_t family;
    uint16_t port; /* network order, as in the sockaddr */
    uint32_t scope_id;
    uint32_t conn; /* ice_addr_conn: 0 for UDP */
    uint8_t ip[16];
};

struct recent_tid {
    uint8_t tid[STUN_TID_SIZE];
    struct endpoint from;
    bool used;
};

struct verified {
    struct endpoint ep;
    int64_t at; /* the last check that passed from it */
    bool used;
};

struct ice_agent {
    int64_t consent_ms, gone_ms;
    char local_ufrag[ICE_UFRAG_MAX + 1];
    char local_pwd[ICE_PWD_MAX + 1];
    char remote_ufrag[ICE_UFRAG_MAX + 1]; /* "" while unknown */
    size_t local_ufrag_len, local_pwd_len, remote_ufrag_len;
    enum ice_state state;
    bool nominated;
    struct sockaddr_storage selected;
    struct endpoint selected_ep;
    int64_t consent_at; /* when consent was last refreshed (or the clock restarted) */
    struct verified verified[ICE_VERIFIED_MAX];
    struct recent_tid recent[RECENT];
    size_t recent_next;
    struct ice_stats stats;
};

/* ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4) */
static bool ice_chars(const char *s, size_t min, size_t max, size_t *len)
{
    if (!s)
        return false;
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/';
        if (!ok || n >= max)
            return false;
    }
    if (n < min)
        return false;
    *len = n;
    return true;
}

static int set_remote(struct ice_agent *a, const char *remote_ufrag)
{
    size_t n = 0;
    if (remote_ufrag && !ice_chars(remote_ufrag, ICE_UFRAG_MIN, ICE_UFRAG_MAX, &n))
        return -EINVAL;
    memcpy(a->remote_ufrag, remote_ufrag ? remote_ufrag : "", n + 1);
    a->remote_ufrag_len = n;
    return 0;
}

int ice_credentials_check(const char *local_ufrag, const char *local_pwd,
                          const char *remote_ufrag)
{
    size_t n;
    if (!ice_chars(local_ufrag, ICE_UFRAG_MIN, ICE_UFRAG_MAX, &n) ||
        !ice_chars(local_pwd, ICE_PWD_MIN, ICE_PWD_MAX, &n) ||
        (remote_ufrag && !ice_chars(remote_ufrag, ICE_UFRAG_MIN, ICE_UFRAG_MAX, &n)))
        return -EINVAL;
    return 0;
}

/* All or nothing: on -EINVAL the agent is unchanged. */
static int set_credentials(struct ice_agent *a, const char *local_ufrag, const char *local_pwd,
                           const char *remote_ufrag)
{
    size_t ulen, plen, rlen = 0;
    if (!ice_chars(local_ufrag, ICE_UFRAG_MIN, ICE_UFRAG_MAX, &ulen) ||
        !ice_chars(local_pwd, ICE_PWD_MIN, ICE_PWD_MAX, &plen) ||
        (remote_ufrag && !ice_chars(remote_ufrag, ICE_UFRAG_MIN, ICE_UFRAG_MAX, &rlen)))
        return -EINVAL;
    memcpy(a->local_ufrag, local_ufrag, ulen + 1);
    a->local_ufrag_len = ulen;
    memset(a->local_pwd, 0, sizeof a->local_pwd); /* no tail of a longer old password */
    memcpy(a->local_pwd, local_pwd, plen + 1);
    a->local_pwd_len = plen;
    return set_remote(a, remote_ufrag);
}

int ice_agent_new(const struct ice_config *cfg, const char *local_ufrag, const char *local_pwd,
                  const char *remote_ufrag, int64_t now_ms, struct ice_agent **out)
{
    *out = NULL;
    struct ice_agent *a = xcalloc(1, sizeof *a);
    if (set_credentials(a, local_ufrag, local_pwd, remote_ufrag) < 0) {
        free(a);
        return -EINVAL;
    }
    a->consent_ms =
        cfg && cfg->consent_timeout_ms > 0 ? cfg->consent_timeout_ms : DEFAULT_CONSENT_MS;
    a->gone_ms = cfg && cfg->gone_after_ms > 0 ? cfg->gone_after_ms : DEFAULT_GONE_MS;
    a->state = ICE_WAITING;
    a->consent_at = now_ms;
    *out = a;
    return 0;
}

void ice_agent_free(struct ice_agent *a)
{
    if (!a)
        return;
    /* the password is a secret for the life of the session; explicit_bzero, because a
     * memset right before free may be optimised away */
    explicit_bzero(a->local_pwd, sizeof a->local_pwd);
    free(a);
}

static int endpoint_of(const struct sockaddr_storage *ss, struct endpoint *ep)
{
    memset(ep, 0, sizeof *ep);
    if (!ss)
        return -EINVAL;
    ep->conn = ice_addr_conn(ss);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        ep->family = AF_INET;
        ep->port = in->sin_port;
        memcpy(ep->ip, &in->sin_addr, 4);
        return 0;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        ep->family = AF_INET6;
        ep->port = in6->sin6_port;
        ep->scope_id = in6->sin6_scope_id;
        memcpy(ep->ip, &in6->sin6_addr, 16);
        return 0;
    }
    return -EINVAL;
}

static bool endpoint_equal(const struct endpoint *x, const struct endpoint *y)
{
    return x->family == y->family && x->port == y->port && x->scope_id == y->scope_id &&
           x->conn == y->conn && memcmp(x->ip, y->ip, sizeof x->ip) == 0;
}

int64_t ice_next_deadline(const struct ice_agent *a)
{
    switch (a->state) {
    case ICE_WAITING:
    case ICE_CONNECTED:
        return a->consent_at + a->consent_ms;
    case ICE_DISCONNECTED:
        return a->consent_at + a->consent_ms + a->gone_ms;
    case ICE_GONE:
        break;
    }
    return INT64_MAX;
}

/* The timers, without touching ev->flags' earlier bits. */
static void run_timers(struct ice_agent *a, int64_t now_ms, struct ice_events *ev)
{
    if ((a->state == ICE_WAITING || a->state == ICE_CONNECTED) &&
        now_ms >= a->consent_at + a->consent_ms) {
        a->state = ICE_DISCONNECTED;
        ev->flags |= ICE_EV_DISCONNECTED;
    }
    if (a->state == ICE_DISCONNECTED && now_ms >= a->consent_at + a->consent_ms + a->gone_ms) {
        a->state = ICE_GONE;
        ev->flags |= ICE_EV_GONE;
    }
}

void ice_tick(struct ice_agent *a, int64_t now_ms, struct ice_events *ev)
{
    ev->flags = 0;
    run_timers(a, now_ms, ev);
}

/* USERNAME is "<our ufrag>:<theirs>"; theirs is checked once the SDP told us. The ufrags
 * are public (they travel in the clear in every check), so plain comparisons do. */
static bool username_ok(const struct ice_agent *a, const struct stun_msg *m)
{
    const char *u = m->username;
    size_t n = m->username_len;
    const char *colon = memchr(u, ':', n);
    if (!colon)
        return false;
    size_t local_len = (size_t)(colon - u), remote_len = n - local_len - 1;
    if (local_len != a->local_ufrag_len || memcmp(u, a->local_ufrag, local_len) != 0)
        return false;
    if (a->remote_ufrag_len == 0)
        return remote_len > 0;
    return remote_len == a->remote_ufrag_len && memcmp(colon + 1, a->remote_ufrag, remote_len) == 0;
}

/* A transaction id seen from another address is a replay: a genuine retransmission comes
 * from where the original came from. */
static bool replayed(const struct ice_agent *a, const struct stun_msg *m,
                     const struct endpoint *from)
{
    for (size_t i = 0; i < RECENT; i++) {
        const struct recent_tid *r = &a->recent[i];
        if (r->used && memcmp(r->tid, m->tid, STUN_TID_SIZE) == 0)
            return !endpoint_equal(&r->from, from);
    }
    return false;
}

static void remember(struct ice_agent *a, const struct stun_msg *m, const struct endpoint *from)
{
    for (size_t i = 0; i < RECENT; i++)
        if (a->recent[i].used && memcmp(a->recent[i].tid, m->tid, STUN_TID_SIZE) == 0)
            return; /* a retransmission: already there */
    struct recent_tid *r = &a->recent[a->recent_next];
    memcpy(r->tid, m->tid, STUN_TID_SIZE);
    r->from = *from;
    r->used = true;
    a->recent_next = (a->recent_next + 1) % RECENT;
}

static int verified_find(const struct ice_agent *a, const struct endpoint *ep)
{
    for (int i = 0; i < ICE_VERIFIED_MAX; i++)
        if (a->verified[i].used && endpoint_equal(&a->verified[i].ep, ep))
            return i;
    return -1;
}

/* A free slot, else the least recently checked one that is not the nominated address. */
static int verified_victim(const struct ice_agent *a)
{
    int victim = -1;
    for (int i = 0; i < ICE_VERIFIED_MAX; i++) {
        const struct verified *v = &a->verified[i];
        if (!v->used)
            return i;
        if (a->nominated && endpoint_equal(&v->ep, &a->selected_ep))
            continue;
        if (victim < 0 || v->at < a->verified[victim].at)
            victim = i;
    }
    assert(victim >= 0); /* ICE_VERIFIED_MAX > 1, and only one address is nominated */
    return victim;
}

/* `from` passed a check: remember it (ICE_EV_VERIFIED when it is new). */
static void verify(struct ice_agent *a, int64_t now_ms, const struct sockaddr_storage *from,
                   const struct endpoint *ep, struct ice_events *ev)
{
    int i = verified_find(a, ep);
    if (i < 0) {
        i = verified_victim(a);
        a->verified[i].ep = *ep;
        a->verified[i].used = true;
        a->stats.verified++;
        ev->flags |= ICE_EV_VERIFIED;
        ev->verified_slot = (unsigned)i;
        ev->verified_addr = *from;
    }
    a->verified[i].at = now_ms;
}

/* An authenticated error response: integrity with our password, so the browser can trust
 * it and act on it. */
static int answer_error(struct ice_agent *a, const struct stun_msg *m, int code, const char *reason,
                        uint8_t *out, size_t out_cap, size_t *out_len)
{
    struct stun_builder b;
    stun_build_init(&b, out, out_cap, STUN_BINDING, STUN_ERROR, m->tid);
    stun_add_error_code(&b, code, reason);
    if (code == 420) {
        size_t n = m->unknown_count < STUN_UNKNOWN_MAX ? m->unknown_count : STUN_UNKNOWN_MAX;
        stun_add_unknown_attributes(&b, m->unknown, n);
    }
    stun_add_integrity(&b, a->local_pwd, a->local_pwd_len);
    stun_add_fingerprint(&b);
    return stun_build_finish(&b, out_len);
}

static int answer_success(struct ice_agent *a, const struct stun_msg *m,
                          const struct sockaddr_storage *from, uint8_t *out, size_t out_cap,
                          size_t *out_len)
{
    struct stun_builder b;
    stun_build_init(&b, out, out_cap, STUN_BINDING, STUN_SUCCESS, m->tid);
    stun_add_xor_mapped_address(&b, (const struct sockaddr *)from);
    stun_add_integrity(&b, a->local_pwd, a->local_pwd_len);
    stun_add_fingerprint(&b);
    return stun_build_finish(&b, out_len);
}

int ice_handle_packet(struct ice_agent *a, int64_t now_ms, const struct sockaddr_storage *from,
                      const uint8_t *data, size_t len, uint8_t *out, size_t out_cap,
                      size_t *out_len, struct ice_events *ev)
{
    *out_len = 0;
    ev->flags = 0;
    run_timers(a, now_ms, ev);
    if (a->state == ICE_GONE) {
        a->stats.after_gone++;
        return -ENOTCONN;
    }
    struct endpoint ep;
    if (endpoint_of(from, &ep) < 0)
        return -EINVAL;
    if (!stun_is_stun(data, len)) {
        a->stats.not_stun++;
        return -EINVAL;
    }
    struct stun_msg m;
    if (stun_parse(data, len, &m) < 0) {
        a->stats.malformed++;
        return -EBADMSG;
    }
    if (m.method != STUN_BINDING) {
        a->stats.unsupported++;
        return -EOPNOTSUPP;
    }
    if (m.cls == STUN_INDICATION) {
        /* keepalives (RFC 8445 §11): unauthenticated by design, so they prove nothing
         * and do not refresh consent */
        a->stats.indications++;
        return 0;
    }
    if (m.cls != STUN_REQUEST) {
        a->stats.unexpected++;
        return -EOPNOTSUPP;
    }
    /* cheapest checks first: CRC, then the username, then the HMAC */
    if (stun_check_fingerprint(&m) < 0) {
        a->stats.bad_fingerprint++;
        return -EBADMSG;
    }
    if (!(m.present & STUN_HAS_USERNAME) || !(m.present & STUN_HAS_INTEGRITY)) {
        a->stats.unauthenticated++;
        return -EACCES;
    }
    if (!username_ok(a, &m)) {
        a->stats.wrong_username++;
        return -EACCES;
    }
    if (stun_check_integrity(&m, a->local_pwd, a->local_pwd_len) < 0) {
        a->stats.unauthenticated++;
        return -EACCES;
    }
    /* authenticated from here on */
    if (replayed(a, &m, &ep)) {
        a->stats.replayed++;
        return -EALREADY;
    }
    int rc;
    if (m.unknown_count > 0) {
        /* RFC 5389 §7.3.1; the request is not a check we accepted, so no state changes */
        rc = answer_error(a, &m, 420, "Unknown Attribute", out, out_cap, out_len);
        if (rc < 0) {
            a->stats.no_room++;
            return rc;
        }
        a->stats.unknown_attributes++;
        return 0;
    }
    bool controlling = m.present & STUN_HAS_ICE_CONTROLLING;
    if (!controlling && (m.present & STUN_HAS_ICE_CONTROLLED)) {
        /* both sides think they are controlled; a lite agent cannot switch, so the
         * browser must (RFC 8445 §7.3.1.1 seen from the side that keeps its role) */
        rc = answer_error(a, &m, 487, "Role Conflict", out, out_cap, out_len);
        if (rc < 0) {
            a->stats.no_room++;
            return rc;
        }
        a->stats.role_conflicts++;
        return 0;
    }
    rc = answer_success(a, &m, from, out, out_cap, out_len);
    if (rc < 0) {
        /* unanswered, so nothing changes: the browser will retransmit */
        a->stats.no_room++;
        return rc;
    }
    a->stats.answered++;
    remember(a, &m, &ep);
    verify(a, now_ms, from, &ep, ev);

    if (controlling && (m.present & STUN_HAS_USE_CANDIDATE)) {
        bool is_new =
            !a->nominated || !endpoint_equal(&ep, &a->selected_ep) || a->state != ICE_CONNECTED;
        a->consent_at = now_ms;
        if (is_new) {
            a->nominated = true;
            a->selected = *from;
            a->selected_ep = ep;
            a->state = ICE_CONNECTED;
            a->stats.nominations++;
            ev->flags |= ICE_EV_NOMINATED;
            ev->addr = *from;
        }
    } else if (a->state == ICE_WAITING ||
               (a->state == ICE_CONNECTED && endpoint_equal(&ep, &a->selected_ep))) {
        a->consent_at = now_ms;
    }
    return 0;
}

int ice_restart(struct ice_agent *a, int64_t now_ms, const char *local_ufrag, const char *local_pwd,
                const char *remote_ufrag)
{
    if (a->state == ICE_GONE)
        return -ENOTCONN;
    /* §9: both must change, or old checks would still pass */
    if (!local_ufrag || !local_pwd || strcmp(local_ufrag, a->local_ufrag) == 0 ||
        strcmp(local_pwd, a->local_pwd) == 0)
        return -EINVAL;
    /* set_credentials checks all three before it writes any */
    if (set_credentials(a, local_ufrag, local_pwd, remote_ufrag) < 0)
        return -EINVAL;
    /* a restart usually follows trouble: give the new checks a whole window */
    a->consent_at = now_ms;
    a->stats.restarts++;
    return 0;
}

int ice_set_remote_ufrag(struct ice_agent *a, const char *remote_ufrag)
{
    if (!remote_ufrag)
        return -EINVAL;
    return set_remote(a, remote_ufrag);
}

enum ice_state ice_state(const struct ice_agent *a)
{
    return a->state;
}

const struct sockaddr_storage *ice_selected(const struct ice_agent *a)
{
    return a->nominated ? &a->selected : NULL;
}

bool ice_verified(const struct ice_agent *a, const struct sockaddr_storage *from)
{
    struct endpoint ep;
    if (a->state == ICE_GONE || endpoint_of(from, &ep) < 0)
        return false;
    return verified_find(a, &ep) >= 0;
}

const struct ice_stats *ice_stats(const struct ice_agent *a)
{
    return &a->stats;
}

const char *ice_local_ufrag(const struct ice_agent *a)
{
    return a->local_ufrag;
}

int ice_ufrag_of(const uint8_t *data, size_t len, const char **ufrag, size_t *ufrag_len)
{
    struct stun_msg m;
    *ufrag = NULL;
    *ufrag_len = 0;
    if (!stun_is_stun(data, len) || stun_parse(data, len, &m) < 0)
        return -EBADMSG;
    if (!(m.present & STUN_HAS_USERNAME))
        return -ENOENT;
    const char *colon = memchr(m.username, ':', m.username_len);
    if (!colon || colon == m.username)
        return -ENOENT;
    *ufrag = m.username;
    *ufrag_len = (size_t)(colon - m.username);
    return 0;
}

/* ice: the ICE-lite agent driven as a browser would drive it, with a controlled clock:
 * checks answered, refusals, nomination and re-nomination, consent expiry, restarts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "sfu/ice.h"
#include "sfu/stun.h"

#define LUFRAG "srvU"
#define LPWD "serverpasswordserverpw"
#define RUFRAG "brwsR"
#define RPWD "browserpasswordbrowser" /* the browser's: never used by a lite agent */

enum {
    USE_CANDIDATE = 1 << 0,
    CONTROLLED = 1 << 1, /* ICE-CONTROLLED instead of ICE-CONTROLLING */
    NO_ROLE = 1 << 2,
    NO_INTEGRITY = 1 << 3,
    NO_FINGERPRINT = 1 << 4,
    UNKNOWN_ATTR = 1 << 5,
    INDICATION = 1 << 6,
    NO_USERNAME = 1 << 7,
};

static uint8_t tid_counter;

/* A Binding request as Chrome sends it: USERNAME, PRIORITY, a role, maybe USE-CANDIDATE,
 * MESSAGE-INTEGRITY with the server's password, FINGERPRINT. */
static size_t request(uint8_t *out, const char *username, const char *pwd, unsigned flags,
                      uint8_t tid_byte)
{
    uint8_t tid[STUN_TID_SIZE];
    memset(tid, 0x5a, sizeof tid);
    tid[0] = tid_byte;
    tid[1] = ++tid_counter;
    struct stun_builder b;
    stun_build_init(&b, out, 256, STUN_BINDING, flags & INDICATION ? STUN_INDICATION : STUN_REQUEST,
                    tid);
    if (!(flags & NO_USERNAME))
        stun_add(&b, STUN_ATTR_USERNAME, username, strlen(username));
    stun_add_u32(&b, STUN_ATTR_PRIORITY, 0x6e7f1eff);
    if (flags & CONTROLLED)
        stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLED, 0x1122334455667788ull);
    else if (!(flags & NO_ROLE))
        stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLING, 0x1122334455667788ull);
    if (flags & USE_CANDIDATE)
        stun_add(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
    if (flags & UNKNOWN_ATTR)
        stun_add(&b, 0x0031, "abc", 3);
    if (!(flags & NO_INTEGRITY))
        stun_add_integrity(&b, pwd, strlen(pwd));
    if (!(flags & NO_FINGERPRINT))
        stun_add_fingerprint(&b);
    size_t len;
    assert_int_equal(stun_build_finish(&b, &len), 0);
    return len;
}

static size_t check(uint8_t *out, unsigned flags)
{
    return request(out, LUFRAG ":" RUFRAG, LPWD, flags, 0);
}

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
    return ss;
}

static struct sockaddr_storage v6(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
    return ss;
}

static bool same_addr(const struct sockaddr_storage *x, const struct sockaddr_storage *y)
{
    if (x->ss_family != y->ss_family)
        return false;
    if (x->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)x, *b = (const void *)y;
        return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    const struct sockaddr_in6 *a = (const void *)x, *b = (const void *)y;
    return a->sin6_port == b->sin6_port && memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
}

struct fixture {
    struct ice_agent *a;
    uint8_t out[ICE_RESPONSE_MAX];
    size_t out_len;
    struct ice_events ev;
};

static struct ice_agent *agent(int64_t now)
{
    struct ice_agent *a;
    assert_int_equal(ice_agent_new(NULL, LUFRAG, LPWD, RUFRAG, now, &a), 0);
    return a;
}

static int feed(struct fixture *f, int64_t now, const struct sockaddr_storage *from,
                const uint8_t *pkt, size_t len)
{
    return ice_handle_packet(f->a, now, from, pkt, len, f->out, sizeof f->out, &f->out_len, &f->ev);
}

/* The answer must be a response to `req` that the browser accepts: integrity with the
 * server's password, fingerprint, same transaction. Returns it parsed. */
static void verify_answer(const struct fixture *f, const uint8_t *req, enum stun_class cls,
                          struct stun_msg *m)
{
    assert_true(f->out_len > 0);
    assert_int_equal(stun_parse(f->out, f->out_len, m), 0);
    assert_int_equal(m->method, STUN_BINDING);
    assert_int_equal(m->cls, cls);
    assert_memory_equal(m->tid, req + 8, STUN_TID_SIZE);
    assert_int_equal(stun_check_integrity(m, LPWD, strlen(LPWD)), 0);
    assert_int_equal(stun_check_fingerprint(m), 0);
}

static void check_answered(void **state)
{
    struct fixture f = {.a = agent(1000)};
    uint8_t pkt[256];
    size_t n = check(pkt, 0);
    struct sockaddr_storage from = v4("203.0.113.7", 50123);
    assert_int_equal(feed(&f, 1100, &from, pkt, n), 0);
    struct stun_msg m;
    verify_answer(&f, pkt, STUN_SUCCESS, &m);
    assert_true(m.present & STUN_HAS_XOR_MAPPED_ADDRESS);
    assert_true(same_addr(&m.xor_mapped, &from));
    assert_int_equal(stun_check_integrity(&m, RPWD, strlen(RPWD)), -EACCES);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    assert_int_equal(ice_state(f.a), ICE_WAITING);
    assert_null(ice_selected(f.a));
    assert_int_equal(ice_stats(f.a)->answered, 1);

    /* over IPv6 too */
    struct sockaddr_storage from6 = v6("2001:db8::42", 40000);
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 1200, &from6, pkt, n), 0);
    verify_answer(&f, pkt, STUN_SUCCESS, &m);
    assert_true(same_addr(&m.xor_mapped, &from6));
    ice_agent_free(f.a);
}

static void refusals_are_dropped_and_counted(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("198.51.100.1", 1234);
    size_t n;

    /* the wrong password: silence, not a 401 */
    n = request(pkt, LUFRAG ":" RUFRAG, RPWD, USE_CANDIDATE, 0);
    assert_int_equal(feed(&f, 10, &from, pkt, n), -EACCES);
    assert_int_equal(f.out_len, 0);
    assert_int_equal(ice_stats(f.a)->unauthenticated, 1);
    /* no integrity, no username */
    n = check(pkt, NO_INTEGRITY | USE_CANDIDATE);
    assert_int_equal(feed(&f, 10, &from, pkt, n), -EACCES);
    n = check(pkt, NO_USERNAME);
    assert_int_equal(feed(&f, 10, &from, pkt, n), -EACCES);
    assert_int_equal(ice_stats(f.a)->unauthenticated, 3);
    /* usernames that are not ours:theirs */
    static const char *const wrong[] = {
        "XXXX:" RUFRAG,
        RUFRAG ":" LUFRAG,
        LUFRAG ":"
               "other",
        LUFRAG RUFRAG,
        LUFRAG ":",
        ":" RUFRAG,
        LUFRAG "x:" RUFRAG,
        LUFRAG ":" RUFRAG "x",
    };
    for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
        n = request(pkt, wrong[i], LPWD, USE_CANDIDATE, 0);
        assert_int_equal(feed(&f, 10, &from, pkt, n), -EACCES);
        assert_int_equal(f.out_len, 0);
    }
    assert_int_equal(ice_stats(f.a)->wrong_username, sizeof wrong / sizeof *wrong);
    /* FINGERPRINT missing or wrong (RFC 8445 §7.3 requires it) */
    n = check(pkt, NO_FINGERPRINT | USE_CANDIDATE);
    assert_int_equal(feed(&f, 10, &from, pkt, n), -EBADMSG);
    n = check(pkt, USE_CANDIDATE);
    pkt[n - 1] ^= 1;
    assert_int_equal(feed(&f, 10, &from, pkt, n), -EBADMSG);
    assert_int_equal(ice_stats(f.a)->bad_fingerprint, 2);
    /* not STUN at all: DTLS, RTP; and STUN that does not parse */
    uint8_t dtls[] = {22, 254, 253, 0, 0};
    assert_int_equal(feed(&f, 10, &from, dtls, sizeof dtls), -EINVAL);
    uint8_t rtp[] = {0x80, 0x60, 0, 1};
    assert_int_equal(feed(&f, 10, &from, rtp, sizeof rtp), -EINVAL);
    assert_int_equal(ice_stats(f.a)->not_stun, 2);
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 10, &from, pkt, n - 1), -EBADMSG);
    assert_int_equal(feed(&f, 10, &from, pkt, 19), -EBADMSG);
    assert_int_equal(ice_stats(f.a)->malformed, 2);
    /* a response (we send no requests), another method */
    struct stun_builder b;
    uint8_t tid[STUN_TID_SIZE] = {1};
    stun_build_init(&b, pkt, sizeof pkt, STUN_BINDING, STUN_SUCCESS, tid);
    stun_add_fingerprint(&b);
    assert_int_equal(stun_build_finish(&b, &n), 0);
    assert_int_equal(feed(&f, 10, &from, pkt, n), -EOPNOTSUPP);
    assert_int_equal(ice_stats(f.a)->unexpected, 1);
    stun_build_init(&b, pkt, sizeof pkt, 0x003 /* Allocate */, STUN_REQUEST, tid);
    stun_add_fingerprint(&b);
    assert_int_equal(stun_build_finish(&b, &n), 0);
    assert_int_equal(feed(&f, 10, &from, pkt, n), -EOPNOTSUPP);
    assert_int_equal(ice_stats(f.a)->unsupported, 1);
    /* a keepalive indication is fine, unanswered, and proves nothing */
    n = check(pkt, INDICATION | NO_INTEGRITY | NO_USERNAME);
    assert_int_equal(feed(&f, 10, &from, pkt, n), 0);
    assert_int_equal(f.out_len, 0);
    assert_int_equal(ice_stats(f.a)->indications, 1);
    /* a sender that is not an IP address is the caller's mistake */
    struct sockaddr_storage unix_addr = {.ss_family = AF_UNIX};
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 10, &unix_addr, pkt, n), -EINVAL);

    /* none of it nominated anything, answered anything or refreshed consent */
    assert_int_equal(ice_state(f.a), ICE_WAITING);
    assert_null(ice_selected(f.a));
    assert_int_equal(ice_stats(f.a)->answered, 0);
    assert_int_equal(ice_next_deadline(f.a), 30000);
    ice_agent_free(f.a);
}

static void use_candidate_nominates(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("192.0.2.10", 61000);
    /* a check first, then the nomination, as regular nomination goes */
    size_t n = check(pkt, 0);
    assert_int_equal(feed(&f, 100, &from, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 200, &from, pkt, n), 0);
    struct stun_msg m;
    verify_answer(&f, pkt, STUN_SUCCESS, &m);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_NOMINATED);
    assert_true(same_addr(&f.ev.addr, &from));
    assert_int_equal(ice_state(f.a), ICE_CONNECTED);
    assert_non_null(ice_selected(f.a));
    assert_true(same_addr(ice_selected(f.a), &from));
    /* the same nomination again (browsers repeat it on consent checks): no new event */
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 300, &from, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    assert_int_equal(ice_stats(f.a)->nominations, 1);
    ice_agent_free(f.a);
}

static void nomination_needs_the_controlling_role(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("192.0.2.10", 61000);
    /* no role at all: answered, not nominated */
    size_t n = check(pkt, NO_ROLE | USE_CANDIDATE);
    assert_int_equal(feed(&f, 100, &from, pkt, n), 0);
    struct stun_msg m;
    verify_answer(&f, pkt, STUN_SUCCESS, &m);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    /* claiming the controlled role: 487, authenticated, so the browser switches */
    n = check(pkt, CONTROLLED | USE_CANDIDATE);
    assert_int_equal(feed(&f, 100, &from, pkt, n), 0);
    verify_answer(&f, pkt, STUN_ERROR, &m);
    assert_int_equal(m.error_code, 487);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    assert_int_equal(ice_stats(f.a)->role_conflicts, 1);
    assert_null(ice_selected(f.a));
    ice_agent_free(f.a);
}

static void unknown_attribute_gets_420(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("192.0.2.10", 61000);
    size_t n = check(pkt, UNKNOWN_ATTR | USE_CANDIDATE);
    assert_int_equal(feed(&f, 100, &from, pkt, n), 0);
    struct stun_msg m;
    verify_answer(&f, pkt, STUN_ERROR, &m);
    assert_int_equal(m.error_code, 420);
    /* UNKNOWN-ATTRIBUTES lists the type */
    const uint8_t *p = f.out + STUN_HEADER_SIZE;
    bool listed = false;
    while (p < f.out + f.out_len) {
        uint16_t type = (uint16_t)(p[0] << 8 | p[1]), len = (uint16_t)(p[2] << 8 | p[3]);
        if (type == STUN_ATTR_UNKNOWN_ATTRIBUTES) {
            assert_int_equal(len, 2);
            listed = p[4] == 0x00 && p[5] == 0x31;
        }
        p += 4 + ((len + 3u) & ~3u);
    }
    assert_true(listed);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0); /* refused: no nomination */
    assert_null(ice_selected(f.a));
    /* a 420 with the largest unknown list fits ICE_RESPONSE_MAX */
    uint8_t tid[STUN_TID_SIZE] = {9};
    struct stun_builder b;
    stun_build_init(&b, pkt, sizeof pkt, STUN_BINDING, STUN_REQUEST, tid);
    stun_add(&b, STUN_ATTR_USERNAME, LUFRAG ":" RUFRAG, strlen(LUFRAG ":" RUFRAG));
    for (uint16_t t = 0x0050; t < 0x0050 + STUN_UNKNOWN_MAX + 5; t++)
        stun_add(&b, t, NULL, 0);
    stun_add_u64(&b, STUN_ATTR_ICE_CONTROLLING, 1);
    stun_add_integrity(&b, LPWD, strlen(LPWD));
    stun_add_fingerprint(&b);
    assert_int_equal(stun_build_finish(&b, &n), 0);
    assert_int_equal(feed(&f, 100, &from, pkt, n), 0);
    verify_answer(&f, pkt, STUN_ERROR, &m);
    assert_true(f.out_len <= ICE_RESPONSE_MAX);
    ice_agent_free(f.a);
}

static void new_address_renominates(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage wifi = v4("192.0.2.10", 61000);
    struct sockaddr_storage lte = v6("2001:db8:77::5", 52000);
    size_t n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 100, &wifi, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_NOMINATED);
    /* the new network's checks are answered but move nothing */
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 5000, &lte, pkt, n), 0);
    struct stun_msg m;
    verify_answer(&f, pkt, STUN_SUCCESS, &m);
    assert_true(same_addr(&m.xor_mapped, &lte));
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    assert_true(same_addr(ice_selected(f.a), &wifi));
    /* until the browser nominates the new pair */
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 5100, &lte, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_NOMINATED);
    assert_true(same_addr(&f.ev.addr, &lte));
    assert_true(same_addr(ice_selected(f.a), &lte));
    /* a port change alone is a new 5-tuple too (NAT rebinding) */
    struct sockaddr_storage rebound = v6("2001:db8:77::5", 52001);
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 5200, &rebound, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_NOMINATED);
    assert_true(same_addr(ice_selected(f.a), &rebound));
    assert_int_equal(ice_stats(f.a)->nominations, 3);
    ice_agent_free(f.a);
}

/* ICE-TCP: the same IP and port over a TCP connection is another pair; a check on it
 * verifies only it, and its nomination moves the path to it; the mapped address is the
 * plain IP and port, without the connection id. */
static void a_tcp_connection_is_a_pair_of_its_own(void **state)
{
    (void)state;
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage udp = v4("192.0.2.10", 61000);
    struct sockaddr_storage tcp = udp, other_tcp = udp;
    ice_addr_set_conn(&tcp, 0x00010001);
    ice_addr_set_conn(&other_tcp, 0x00020001); /* the same slot, a later connection */
    assert_int_equal(ice_addr_conn(&udp), 0);
    assert_int_equal(ice_addr_conn(&tcp), 0x00010001);
    size_t n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 100, &udp, pkt, n), 0);
    assert_true(ice_verified(f.a, &udp));
    assert_false(ice_verified(f.a, &tcp));
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 200, &tcp, pkt, n), 0);
    assert_int_equal(f.ev.flags, ICE_EV_VERIFIED);
    struct stun_msg m;
    verify_answer(&f, pkt, STUN_SUCCESS, &m);
    assert_true(same_addr(&m.xor_mapped, &udp));
    assert_true(ice_verified(f.a, &tcp));
    assert_false(ice_verified(f.a, &other_tcp));
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 300, &tcp, pkt, n), 0);
    assert_int_equal(f.ev.flags, ICE_EV_NOMINATED);
    assert_int_equal(ice_addr_conn(ice_selected(f.a)), 0x00010001);
    ice_agent_free(f.a);
}

static void replayed_nomination_is_dropped(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage client = v4("192.0.2.10", 61000);
    struct sockaddr_storage attacker = v4("198.51.100.66", 4444);
    size_t n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 100, &client, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_NOMINATED);
    /* a retransmission from the same place is answered again */
    assert_int_equal(feed(&f, 150, &client, pkt, n), 0);
    assert_true(f.out_len > 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    /* the same bytes from elsewhere do not move the path */
    assert_int_equal(feed(&f, 200, &attacker, pkt, n), -EALREADY);
    assert_int_equal(f.out_len, 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    assert_true(same_addr(ice_selected(f.a), &client));
    assert_int_equal(ice_stats(f.a)->replayed, 1);
    ice_agent_free(f.a);
}

static void consent_expires_then_gone(void **state)
{
    struct ice_config cfg = {.consent_timeout_ms = 10000, .gone_after_ms = 5000};
    struct fixture f;
    memset(&f, 0, sizeof f);
    assert_int_equal(ice_agent_new(&cfg, LUFRAG, LPWD, RUFRAG, 0, &f.a), 0);
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("192.0.2.10", 61000);
    struct sockaddr_storage other = v4("192.0.2.11", 61000);
    assert_int_equal(ice_next_deadline(f.a), 10000);
    size_t n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 1000, &from, pkt, n), 0);
    assert_int_equal(ice_next_deadline(f.a), 11000);
    /* each check from the nominated address refreshes consent */
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 6000, &from, pkt, n), 0);
    assert_int_equal(ice_next_deadline(f.a), 16000);
    /* a valid check from another address does not; neither does a keepalive */
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 9000, &other, pkt, n), 0);
    n = check(pkt, INDICATION | NO_INTEGRITY | NO_USERNAME);
    assert_int_equal(feed(&f, 9000, &from, pkt, n), 0);
    assert_int_equal(ice_next_deadline(f.a), 16000);
    /* nor does a refused one */
    n = request(pkt, LUFRAG ":" RUFRAG, RPWD, 0, 0);
    assert_int_equal(feed(&f, 9000, &from, pkt, n), -EACCES);
    assert_int_equal(ice_next_deadline(f.a), 16000);

    ice_tick(f.a, 15999, &f.ev);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    assert_int_equal(ice_state(f.a), ICE_CONNECTED);
    ice_tick(f.a, 16000, &f.ev);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_DISCONNECTED);
    assert_int_equal(ice_state(f.a), ICE_DISCONNECTED);
    assert_int_equal(ice_next_deadline(f.a), 21000);
    ice_tick(f.a, 18000, &f.ev);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    /* a plain check from the old address is answered but consent stays lost */
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 19000, &from, pkt, n), 0);
    assert_true(f.out_len > 0);
    assert_int_equal(ice_state(f.a), ICE_DISCONNECTED);
    assert_int_equal(ice_next_deadline(f.a), 21000);
    ice_tick(f.a, 21000, &f.ev);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_GONE);
    assert_int_equal(ice_state(f.a), ICE_GONE);
    assert_true(ice_next_deadline(f.a) == INT64_MAX);
    /* final: nothing is answered, nothing revives it */
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 22000, &from, pkt, n), -ENOTCONN);
    assert_int_equal(f.out_len, 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    assert_int_equal(ice_stats(f.a)->after_gone, 1);
    assert_int_equal(ice_restart(f.a, 22000, "newU", "newpasswordnewpassword", NULL), -ENOTCONN);
    ice_tick(f.a, 99000, &f.ev);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    ice_agent_free(f.a);
}

static void default_timeouts_and_late_tick(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("192.0.2.10", 61000);
    /* never connected: the same clock runs from creation */
    assert_int_equal(ice_next_deadline(f.a), 30000);
    ice_tick(f.a, 30000, &f.ev);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_DISCONNECTED);
    assert_int_equal(ice_next_deadline(f.a), 60000);
    ice_agent_free(f.a);

    /* a packet after a missed deadline runs the timers first */
    f.a = agent(0);
    size_t n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 1000, &from, pkt, n), 0);
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 31000, &from, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_DISCONNECTED);
    assert_int_equal(ice_state(f.a), ICE_DISCONNECTED);
    /* both at once when the caller slept through both */
    ice_agent_free(f.a);
    f.a = agent(0);
    ice_tick(f.a, 100000, &f.ev);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_DISCONNECTED | ICE_EV_GONE);
    ice_agent_free(f.a);
}

static void nomination_revives_after_disconnect(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("192.0.2.10", 61000);
    size_t n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 0, &from, pkt, n), 0);
    ice_tick(f.a, 30000, &f.ev);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_DISCONNECTED);
    /* the browser nominates again (same address): the caller may send again */
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 40000, &from, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_NOMINATED);
    assert_true(same_addr(&f.ev.addr, &from));
    assert_int_equal(ice_state(f.a), ICE_CONNECTED);
    assert_int_equal(ice_next_deadline(f.a), 70000);
    ice_agent_free(f.a);
}

static void restart_changes_credentials(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("192.0.2.10", 61000);
    struct sockaddr_storage moved = v4("192.0.2.99", 62000);
    size_t n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 1000, &from, pkt, n), 0);
    assert_string_equal(ice_local_ufrag(f.a), LUFRAG);

    /* both local credentials must change; bad ones change nothing */
    assert_int_equal(ice_restart(f.a, 2000, LUFRAG, "anotherpasswordanother", "brw2"), -EINVAL);
    assert_int_equal(ice_restart(f.a, 2000, "newU", LPWD, "brw2"), -EINVAL);
    assert_int_equal(ice_restart(f.a, 2000, "newU", "short", "brw2"), -EINVAL);
    assert_int_equal(ice_restart(f.a, 2000, "newU", "anotherpasswordanother", "b:d"), -EINVAL);
    assert_string_equal(ice_local_ufrag(f.a), LUFRAG);
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 2000, &from, pkt, n), 0);

    assert_int_equal(ice_restart(f.a, 5000, "newU", "anotherpasswordanother", "brw2"), 0);
    assert_string_equal(ice_local_ufrag(f.a), "newU");
    /* the old credentials stop working at once */
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 5100, &moved, pkt, n), -EACCES);
    assert_int_equal(f.out_len, 0);
    /* the old password under the new username, the new password with the old remote */
    n = request(pkt, "newU:brw2", LPWD, USE_CANDIDATE, 0);
    assert_int_equal(feed(&f, 5100, &moved, pkt, n), -EACCES);
    n = request(pkt, "newU:" RUFRAG, "anotherpasswordanother", USE_CANDIDATE, 0);
    assert_int_equal(feed(&f, 5100, &moved, pkt, n), -EACCES);
    /* media stays on the old path until the new nomination; consent restarted */
    assert_true(same_addr(ice_selected(f.a), &from));
    assert_int_equal(ice_next_deadline(f.a), 35000);
    n = request(pkt, "newU:brw2", "anotherpasswordanother", USE_CANDIDATE, 0);
    assert_int_equal(feed(&f, 5200, &moved, pkt, n), 0);
    struct stun_msg m;
    assert_int_equal(stun_parse(f.out, f.out_len, &m), 0);
    assert_int_equal(stun_check_integrity(&m, "anotherpasswordanother", 22), 0);
    assert_int_equal(stun_check_integrity(&m, LPWD, strlen(LPWD)), -EACCES);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_NOMINATED);
    assert_true(same_addr(ice_selected(f.a), &moved));
    ice_agent_free(f.a);
}

static void remote_ufrag_learned_later(void **state)
{
    struct fixture f;
    memset(&f, 0, sizeof f);
    /* we made the offer: the browser's checks can beat its answer to us (RFC 8445 §7.3) */
    assert_int_equal(ice_agent_new(NULL, LUFRAG, LPWD, NULL, 0, &f.a), 0);
    uint8_t pkt[256];
    struct sockaddr_storage from = v4("192.0.2.10", 61000);
    size_t n = request(pkt, LUFRAG ":whatever", LPWD, 0, 0);
    assert_int_equal(feed(&f, 10, &from, pkt, n), 0);
    assert_true(f.out_len > 0);
    n = request(pkt, LUFRAG ":", LPWD, 0, 0);
    assert_int_equal(feed(&f, 10, &from, pkt, n), -EACCES);
    assert_int_equal(ice_set_remote_ufrag(f.a, "no"), -EINVAL);
    assert_int_equal(ice_set_remote_ufrag(f.a, NULL), -EINVAL);
    assert_int_equal(ice_set_remote_ufrag(f.a, RUFRAG), 0);
    n = request(pkt, LUFRAG ":whatever", LPWD, 0, 0);
    assert_int_equal(feed(&f, 20, &from, pkt, n), -EACCES);
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 20, &from, pkt, n), 0);
    ice_agent_free(f.a);
}

static void output_too_small(void **state)
{
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage from = v6("2001:db8::1", 1000);
    size_t n = check(pkt, USE_CANDIDATE);
    uint8_t small[40];
    assert_int_equal(
        ice_handle_packet(f.a, 10, &from, pkt, n, small, sizeof small, &f.out_len, &f.ev),
        -ENOBUFS);
    assert_int_equal(f.out_len, 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, 0);
    assert_null(ice_selected(f.a));
    assert_int_equal(ice_stats(f.a)->no_room, 1);
    /* the retransmission with room goes through (not mistaken for a replay) */
    assert_int_equal(feed(&f, 20, &from, pkt, n), 0);
    assert_int_equal(f.ev.flags & ~ICE_EV_VERIFIED, ICE_EV_NOMINATED);
    ice_agent_free(f.a);
}

static void credentials_validated(void **state)
{
    struct ice_agent *a = (struct ice_agent *)1;
    assert_int_equal(ice_agent_new(NULL, "abc", LPWD, RUFRAG, 0, &a), -EINVAL);
    assert_null(a);
    assert_int_equal(ice_agent_new(NULL, LUFRAG, "twentyonecharspasswor", RUFRAG, 0, &a), -EINVAL);
    assert_int_equal(ice_agent_new(NULL, "ab:cd", LPWD, RUFRAG, 0, &a), -EINVAL);
    assert_int_equal(ice_agent_new(NULL, LUFRAG, LPWD, "ab cd", 0, &a), -EINVAL);
    assert_int_equal(ice_agent_new(NULL, NULL, LPWD, RUFRAG, 0, &a), -EINVAL);
    char longest[ICE_UFRAG_MAX + 2];
    memset(longest, 'u', sizeof longest);
    longest[ICE_UFRAG_MAX + 1] = '\0';
    assert_int_equal(ice_agent_new(NULL, longest, LPWD, RUFRAG, 0, &a), -EINVAL);
    longest[ICE_UFRAG_MAX] = '\0';
    assert_int_equal(ice_agent_new(NULL, longest, LPWD, RUFRAG, 0, &a), 0);
    assert_string_equal(ice_local_ufrag(a), longest);
    ice_agent_free(a);
    assert_int_equal(ice_agent_new(NULL, "a+/9", "abcdefghijklmnopqrstu+/", NULL, 0, &a), 0);
    ice_agent_free(a);
    ice_agent_free(NULL);
}

/* DTLS is taken from any address that passed a check, so the agent remembers them: an
 * answered check verifies its sender (ICE_EV_VERIFIED once), a refused one does not, and
 * the nominated address is never the one that gives way when the slots are full. */
static void checked_addresses_are_verified(void **state)
{
    (void)state;
    struct fixture f = {.a = agent(0)};
    uint8_t pkt[256];
    struct sockaddr_storage first = v4("192.0.2.10", 61000), stranger = v4("192.0.2.66", 61000);
    assert_false(ice_verified(f.a, &first));

    /* a plain check (no nomination yet, as a browser's first one) verifies its sender */
    size_t n = check(pkt, 0);
    assert_int_equal(feed(&f, 100, &first, pkt, n), 0);
    assert_int_equal(f.ev.flags, ICE_EV_VERIFIED);
    assert_int_equal(f.ev.verified_slot, 0);
    assert_true(same_addr(&f.ev.verified_addr, &first));
    assert_null(ice_selected(f.a));
    assert_true(ice_verified(f.a, &first));
    assert_false(ice_verified(f.a, &stranger));
    /* once: a second check from there says nothing new */
    n = check(pkt, 0);
    assert_int_equal(feed(&f, 150, &first, pkt, n), 0);
    assert_int_equal(f.ev.flags, 0);

    /* refusals verify nothing: wrong password, no integrity, a role conflict */
    n = request(pkt, LUFRAG ":" RUFRAG, "wrongpasswordwrongpass", 0, 0);
    assert_int_equal(feed(&f, 200, &stranger, pkt, n), -EACCES);
    n = check(pkt, NO_INTEGRITY);
    assert_int_equal(feed(&f, 200, &stranger, pkt, n), -EACCES);
    n = check(pkt, CONTROLLED);
    assert_int_equal(feed(&f, 200, &stranger, pkt, n), 0); /* answered 487 */
    assert_int_equal(f.ev.flags, 0);
    assert_false(ice_verified(f.a, &stranger));

    /* the first one is nominated; more candidates fill the slots, then the least recently
     * checked that is not nominated gives way */
    n = check(pkt, USE_CANDIDATE);
    assert_int_equal(feed(&f, 300, &first, pkt, n), 0);
    assert_int_equal(f.ev.flags, ICE_EV_NOMINATED);
    struct sockaddr_storage more[ICE_VERIFIED_MAX];
    for (int i = 0; i < ICE_VERIFIED_MAX; i++) {
        more[i] = v4("198.51.100.1", (uint16_t)(5000 + i));
        n = check(pkt, 0);
        assert_int_equal(feed(&f, 400 + i, &more[i], pkt, n), 0);
        assert_int_equal(f.ev.flags, ICE_EV_VERIFIED);
        assert_true(f.ev.verified_slot < ICE_VERIFIED_MAX);
    }
    assert_true(ice_verified(f.a, &first)); /* nominated: kept */
    assert_false(ice_verified(f.a, &more[0])); /* the oldest other one went */
    for (int i = 1; i < ICE_VERIFIED_MAX; i++)
        assert_true(ice_verified(f.a, &more[i]));
    assert_int_equal(ice_stats(f.a)->verified, 1 + ICE_VERIFIED_MAX);

    /* verified addresses outlive a restart (same browser, same DTLS session) */
    assert_int_equal(ice_restart(f.a, 1000, "newU", "anotherpasswordanother", NULL), 0);
    assert_true(ice_verified(f.a, &first));
    assert_int_equal(ice_stats(f.a)->restarts, 1);
    ice_agent_free(f.a);
}

static void ufrag_for_routing(void **state)
{
    uint8_t pkt[256];
    size_t n = check(pkt, 0);
    const char *u;
    size_t ulen;
    assert_int_equal(ice_ufrag_of(pkt, n, &u, &ulen), 0);
    assert_int_equal(ulen, strlen(LUFRAG));
    assert_memory_equal(u, LUFRAG, ulen);
    n = check(pkt, NO_USERNAME);
    assert_int_equal(ice_ufrag_of(pkt, n, &u, &ulen), -ENOENT);
    n = request(pkt, "nocolon", LPWD, 0, 0);
    assert_int_equal(ice_ufrag_of(pkt, n, &u, &ulen), -ENOENT);
    n = request(pkt, ":x", LPWD, 0, 0);
    assert_int_equal(ice_ufrag_of(pkt, n, &u, &ulen), -ENOENT);
    uint8_t rtp[12] = {0x80};
    assert_int_equal(ice_ufrag_of(rtp, sizeof rtp, &u, &ulen), -EBADMSG);
    assert_null(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_answered),
        cmocka_unit_test(refusals_are_dropped_and_counted),
        cmocka_unit_test(use_candidate_nominates),
        cmocka_unit_test(nomination_needs_the_controlling_role),
        cmocka_unit_test(unknown_attribute_gets_420),
        cmocka_unit_test(new_address_renominates),
        cmocka_unit_test(a_tcp_connection_is_a_pair_of_its_own),
        cmocka_unit_test(replayed_nomination_is_dropped),
        cmocka_unit_test(consent_expires_then_gone),
        cmocka_unit_test(default_timeouts_and_late_tick),
        cmocka_unit_test(nomination_revives_after_disconnect),
        cmocka_unit_test(restart_changes_credentials),
        cmocka_unit_test(remote_ufrag_learned_later),
        cmocka_unit_test(output_too_small),
        cmocka_unit_test(credentials_validated),
        cmocka_unit_test(ufrag_for_routing),
        cmocka_unit_test(checked_addresses_are_verified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

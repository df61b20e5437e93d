/* Fuzzes STUN parsing and the ICE-lite agent with whatever arrives on the media port.
 * The input is parsed and checked as it is, then fed to an agent; a second time with
 * MESSAGE-INTEGRITY and FINGERPRINT recomputed for the agent's password, so that the
 * mutations reach the paths behind authentication (nomination, 420, 487, consent) rather
 * than stopping at the HMAC. Whatever the agent answers must be a well-formed response it
 * signed itself. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/ice.h"
#include "sfu/stun.h"

#define LUFRAG "fzLU"
#define LPWD "fuzzpasswordfuzzpasswd"
#define RUFRAG "fzRU"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_answer(const uint8_t *out, size_t len, const struct stun_msg *req)
{
    if (len == 0)
        return;
    struct stun_msg m;
    if (len > ICE_RESPONSE_MAX || stun_parse(out, len, &m) < 0 || m.method != STUN_BINDING ||
        (m.cls != STUN_SUCCESS && m.cls != STUN_ERROR) ||
        memcmp(m.tid, req->tid, STUN_TID_SIZE) != 0 ||
        stun_check_integrity(&m, LPWD, strlen(LPWD)) != 0 || stun_check_fingerprint(&m) != 0)
        abort();
    if (m.cls == STUN_SUCCESS && !(m.present & STUN_HAS_XOR_MAPPED_ADDRESS))
        abort();
}

/* Rebuilds msg with its attributes before MESSAGE-INTEGRITY (or all of them, if it has
 * none), then integrity with the agent's password and a fingerprint. */
static size_t resign(const struct stun_msg *msg, uint8_t *out, size_t cap)
{
    struct stun_builder b;
    stun_build_init(&b, out, cap, msg->method, msg->cls, msg->tid);
    size_t end = msg->present & STUN_HAS_INTEGRITY     ? msg->integrity_at
                 : msg->present & STUN_HAS_FINGERPRINT ? msg->fingerprint_at
                                                       : msg->len;
    for (size_t at = STUN_HEADER_SIZE; at < end;) {
        const uint8_t *p = msg->raw + at;
        uint16_t type = (uint16_t)(p[0] << 8 | p[1]);
        size_t len = (size_t)(p[2] << 8 | p[3]);
        if (type != STUN_ATTR_FINGERPRINT && type != STUN_ATTR_MESSAGE_INTEGRITY)
            stun_add(&b, type, p + 4, len);
        at += 4 + ((len + 3) & ~(size_t)3);
    }
    stun_add_integrity(&b, LPWD, strlen(LPWD));
    stun_add_fingerprint(&b);
    size_t len;
    if (stun_build_finish(&b, &len) < 0)
        return 0;
    /* what we built must read back and verify */
    struct stun_msg m;
    if (stun_parse(out, len, &m) < 0 || stun_check_integrity(&m, LPWD, strlen(LPWD)) != 0 ||
        stun_check_fingerprint(&m) != 0)
        abort();
    return len;
}

static void feed(struct ice_agent *a, int64_t now, const struct sockaddr_storage *from,
                 const uint8_t *data, size_t size)
{
    uint8_t out[ICE_RESPONSE_MAX];
    size_t out_len = 99;
    struct ice_events ev;
    int rc = ice_handle_packet(a, now, from, data, size, out, sizeof out, &out_len, &ev);
    if (rc < 0 && out_len != 0)
        abort();
    if (out_len) {
        struct stun_msg req;
        if (stun_parse(data, size, &req) < 0)
            abort(); /* answered something that does not parse */
        check_answer(out, out_len, &req);
    }
    if ((ev.flags & ICE_EV_NOMINATED) && !ice_selected(a))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stun_msg m;
    int parsed = stun_parse(data, size, &m);
    if (parsed == 0) {
        if (m.len != size || m.username_len > STUN_USERNAME_MAX)
            abort();
        stun_check_integrity(&m, LPWD, strlen(LPWD));
        stun_check_fingerprint(&m);
    }
    const char *u;
    size_t ulen;
    if (ice_ufrag_of(data, size, &u, &ulen) == 0 && (u < (const char *)data || ulen > size))
        abort();

    struct ice_agent *a;
    /* the last byte picks the remote ufrag's state and the sender's family */
    uint8_t knob = size ? data[size - 1] : 0;
    if (ice_agent_new(NULL, LUFRAG, LPWD, knob & 1 ? NULL : RUFRAG, 0, &a) < 0)
        abort();
    struct sockaddr_storage from = {0};
    if (knob & 2) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&from;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(5000);
        in6->sin6_addr.s6_addr[0] = 0x20;
        in6->sin6_addr.s6_addr[15] = knob;
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&from;
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)(5000 + (knob & 4)));
        in->sin_addr.s_addr = htonl(0xC0000201);
    }
    feed(a, 10, &from, data, size);
    if (parsed == 0) {
        static uint8_t signed_copy[70000];
        size_t n = resign(&m, signed_copy, sizeof signed_copy);
        if (n) {
            feed(a, 20, &from, signed_copy, n);
            feed(a, 25, &from, signed_copy, n); /* a retransmission */
            /* after a restart the old credentials must be refused */
            if (ice_restart(a, 30, "fzL2", "fuzzpasswordfuzzpassw2", RUFRAG) != 0)
                abort();
            uint8_t out[ICE_RESPONSE_MAX];
            size_t out_len;
            struct ice_events ev;
            if (ice_handle_packet(a, 40, &from, signed_copy, n, out, sizeof out, &out_len, &ev) ==
                    0 &&
                m.cls == STUN_REQUEST)
                abort();
        }
    }
    struct ice_events ev;
    int64_t before = ice_next_deadline(a);
    ice_tick(a, before, &ev);
    if (before != INT64_MAX && ev.flags == 0)
        abort(); /* a deadline that fires nothing */
    ice_tick(a, ice_next_deadline(a), &ev);
    if (ice_state(a) != ICE_GONE || ice_next_deadline(a) != INT64_MAX)
        abort();
    ice_agent_free(a);
    return 0;
}

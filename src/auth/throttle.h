/* throttle: exponential backoff after repeated failures, per key (an account, an address).
 * Sans-I/O: the caller passes the time. The first `free_failures` failures cost nothing;
 * each one after doubles the wait, from base_ms up to max_ms. A key is forgotten after
 * max_ms without failures, or on success. The table has a fixed size; when full, the key
 * with the oldest failure makes room. Safe to use from several threads.
 *
 * Several nodes share a throttle by telling each other its changes (live/service.c sends
 * them as events): once shared, the table holds keys only as a keyed hash (the secret is
 * the same on every node), every local failure and success is kept for
 * throttle_take_changes, and throttle_apply records another node's. */
#ifndef CONFIDE_AUTH_THROTTLE_H
#define CONFIDE_AUTH_THROTTLE_H
#include <stddef.h>
#include <stdint.h>

struct throttle;

struct throttle *throttle_new(size_t capacity, int free_failures, int64_t base_ms, int64_t max_ms);
void throttle_free(struct throttle *t);
/* How long the key must still wait before its next attempt, in ms; 0 when it may try now. */
int64_t throttle_wait_ms(struct throttle *t, const char *key, int64_t now);
void throttle_failure(struct throttle *t, const char *key, int64_t now);
void throttle_success(struct throttle *t, const char *key);

/* Sharing between nodes. name tells this throttle from the node's others (at most 23
 * characters); secret keys the hash that stands for each key, in memory and on the wire. */
#define THROTTLE_DIGEST_BYTES 16
#define THROTTLE_NAME_MAX 24
void throttle_share(struct throttle *t, const char *name, const uint8_t secret[32]);
const char *throttle_name(const struct throttle *t); /* "" until shared */
struct throttle_change {
    uint8_t digest[THROTTLE_DIGEST_BYTES];
    int failed; /* 1: a failure; 0: a success, which forgets the key */
};
/* The changes made here since the last call, oldest first, at most max (the rest wait). */
size_t throttle_take_changes(struct throttle *t, struct throttle_change *out, size_t max);
/* Another node's change, as if made here at `now` (and not taken again as this one's). */
void throttle_apply(struct throttle *t, const struct throttle_change *c, int64_t now);

#define THROTTLE_KEY_MAX 80
/* The key of a client address for a throttle: "scope:" and the address, an IPv6 one by
 * its /64 (core/cidr.h cidr_client_key), so one host cannot take fresh attempts by
 * changing addresses within it. peer NULL is "?". */
void throttle_address_key(const char *scope, const char *peer, char out[THROTTLE_KEY_MAX]);

#endif

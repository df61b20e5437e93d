/* throttle: exponential backoff after repeated failures, per key (an account, an address).
 * Sans-I/O: the caller passes the time. The first `free_failures` failures cost nothing;
 * each one after doubles the wait, from base_ms up to max_ms. A key is forgotten after
 * max_ms without failures, or on success. The table has a fixed size; when full, the key
 * with the oldest failure makes room. Safe to use from several threads. */
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

#define THROTTLE_KEY_MAX 80
/* The key of a client address for a throttle: "scope:" and the address, an IPv6 one by
 * its /64 (core/cidr.h cidr_client_key), so one host cannot take fresh attempts by
 * changing addresses within it. peer NULL is "?". */
void throttle_address_key(const char *scope, const char *peer, char out[THROTTLE_KEY_MAX]);

#endif

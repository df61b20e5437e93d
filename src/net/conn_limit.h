/* conn_limit: how many TCP connections the server holds, in all and per client address,
 * and whether one more may come in. Sans I/O: addresses (16 bytes, IPv4 mapped, as
 * core/cidr.h writes them) in, a verdict out; net/server.c asks it when a connection is
 * accepted and tells it when one is gone.
 *
 * An IPv6 address counts by its /64: one host is handed a whole /64 and could otherwise
 * take a fresh count with every address in it. IPv4 counts by the whole address.
 *
 * A connection admitted as exempt (its peer is a trusted proxy, which carries many
 * clients on its connections) counts toward the total only. */
#ifndef CONFIDE_NET_CONN_LIMIT_H
#define CONFIDE_NET_CONN_LIMIT_H
#include <stddef.h>
#include <stdint.h>

struct conn_limit;

enum conn_verdict {
    CONN_ADMIT = 0,
    CONN_REFUSE_ADDRESS, /* this address already holds per_address connections */
    CONN_REFUSE_TOTAL,   /* the server already holds total connections */
};

/* per_address and total at least 1. */
struct conn_limit *conn_limit_new(long per_address, long total);
void conn_limit_free(struct conn_limit *l);
/* Admits a connection and counts it, or says why not (and counts nothing). */
enum conn_verdict conn_limit_admit(struct conn_limit *l, const uint8_t addr[16], int exempt);
/* A connection admitted with the same address and exempt flag is gone. */
void conn_limit_release(struct conn_limit *l, const uint8_t addr[16], int exempt);
long conn_limit_total(const struct conn_limit *l);
/* How many connections the address (its /64 for IPv6) holds, exempt ones left out. */
long conn_limit_count(const struct conn_limit *l, const uint8_t addr[16]);
const char *conn_verdict_name(enum conn_verdict v);

#endif

/* cidr: address ranges (10.0.0.0/8, fd00::/8, 192.0.2.7) and whether an address is in
 * one. Sans I/O: text in, yes or no out. IPv4 is held as IPv4-mapped IPv6
 * (::ffff:a.b.c.d, its prefix + 96), so one comparison serves both families and a peer
 * libwebsockets reports as ::ffff:127.0.0.1 matches 127.0.0.0/8. Used for /metrics
 * (metrics_allow); meant for trusted proxies too. */
#ifndef CONFIDE_CORE_CIDR_H
#define CONFIDE_CORE_CIDR_H
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct cidr {
    uint8_t addr[16]; /* the bits past prefix are zero */
    int prefix;       /* 0..128, over the 16 bytes */
};

#define CIDR_LIST_MAX 16

struct cidr_list {
    struct cidr items[CIDR_LIST_MAX];
    int count;
};

/* An IPv4 or IPv6 literal (no brackets, no zone) as 16 bytes. Returns 0 or -1. */
int cidr_address(const char *text, uint8_t out[16]);
/* "ADDR" or "ADDR/PREFIX" (len bytes of text). Returns 0, or -1 with the problem in err:
 * not an address, a prefix out of range, or bits set past the prefix (10.0.0.1/8). */
int cidr_parse(const char *text, size_t len, struct cidr *out, struct buf *err);
/* A comma-separated list ("10.0.0.0/8, fd00::/8"); an empty one is valid. */
int cidr_list_parse(const char *text, struct cidr_list *out, struct buf *err);
int cidr_contains(const struct cidr *c, const uint8_t addr[16]);
/* Is the address text in the list? An address that does not parse is in none. */
int cidr_list_contains(const struct cidr_list *l, const char *addr);
/* The part of an address that stands for one client: an IPv4 address whole, an IPv6
 * address by its /64 (one host is handed a whole /64 and could take a fresh address from
 * it for every attempt). The bits past it are zeroed. */
void cidr_client_bucket(const uint8_t addr[16], uint8_t out[16]);
/* The same as text, for keys of per-client tables (throttles): "192.0.2.7",
 * "2001:db8:1:2::/64"; an address that does not parse is kept as it is (cut to fit). */
void cidr_client_key(const char *addr, char out[64]);
/* 127.0.0.0/8 (mapped too) or ::1. */
int cidr_is_loopback(const char *addr);

#endif

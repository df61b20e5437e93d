/* client_addr: which address a request came from when a reverse proxy may stand in
 * between. Sans I/O: the TCP peer, the two forwarding headers and the trusted_proxies
 * list in, one address out.
 *
 * The rule: a forwarding header is believed only when the TCP peer is a trusted proxy.
 * Its addresses are then read from the right (the hop nearest confide) to the left;
 * trusted proxies are skipped, and the first address that is not one is the client.
 * When every address is a trusted proxy, the leftmost is the client.
 *
 * - X-Forwarded-For is read when present, and Forwarded (RFC 7239, its for= values)
 *   only without it: nginx, HAProxy, Caddy and Traefik all write X-Forwarded-For, and
 *   most pass a client's own Forwarded header through untouched, so preferring
 *   Forwarded would let any client name its address.
 * - An entry may carry a port (192.0.2.1:4711, [2001:db8::1]:4711); a Forwarded value
 *   may be quoted ("[2001:db8::1]:4711"), as RFC 7239 wants for IPv6.
 * - An entry that is not an address (for=unknown, an obfuscated _hidden, garbage) ends
 *   the walk: the hop that wrote it would not or could not say who is behind it, so
 *   nothing left of it can be checked, and the answer is the TCP peer. Entries are split
 *   at every comma and parsed one by one, only as the walk reaches them: whatever a
 *   client writes on the left (an open quote, garbage) cannot change what its proxies
 *   wrote on the right.
 * - The answer is written in one canonical spelling (IPv4 dotted, IPv6 as inet_ntop
 *   writes it), so a client cannot get fresh throttle buckets by respelling itself. */
#ifndef CONFIDE_CORE_CLIENT_ADDR_H
#define CONFIDE_CORE_CLIENT_ADDR_H
#include <stddef.h>

#include "core/cidr.h"

#define CLIENT_ADDR_MAX 64 /* enough for any address confide writes, with its NUL */

/* Writes the client's address into out (out_size at least CLIENT_ADDR_MAX; peer is
 * copied as it is when no header is believed). forwarded and x_forwarded_for may be NULL.
 * Returns 1 when the address came from a header, 0 when it is the peer. */
int client_address(const char *peer, const char *forwarded, const char *x_forwarded_for,
                   const struct cidr_list *trusted, char *out, size_t out_size);

#endif

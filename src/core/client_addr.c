#include "core/client_addr.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_HOPS 64 /* the rightmost hops kept; a walk that needs more gives the peer */

struct span {
    const char *p;
    size_t len;
};

static int trusted_bytes(const struct cidr_list *l, const uint8_t a[16])
{
    for (int i = 0; i < l->count; i++)
        if (cidr_contains(&l->items[i], a))
            return 1;
    return 0;
}

static struct span trim(const char *p, size_t len)
{
    while (len > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    return (struct span){p, len};
}

/* One hop as 16 bytes: "192.0.2.1", "192.0.2.1:80", "2001:db8::1", "[2001:db8::1]",
 * "[2001:db8::1]:80". Anything else (unknown, _hidden, a zone, garbage) is -1. */
static int hop_address(struct span s, uint8_t out[16])
{
    char text[64];
    const char *p = s.p;
    size_t len = s.len;
    if (len == 0 || len >= sizeof text)
        return -1;
    if (p[0] == '[') {
        const char *close = memchr(p, ']', len);
        if (!close)
            return -1;
        size_t rest = len - (size_t)(close + 1 - p);
        const char *port = close + 1;
        if (rest > 0) { /* ":digits" and nothing else */
            if (port[0] != ':' || rest == 1)
                return -1;
            for (size_t i = 1; i < rest; i++)
                if (!isdigit((unsigned char)port[i]))
                    return -1;
        }
        len = (size_t)(close - p - 1);
        memcpy(text, p + 1, len);
        text[len] = '\0';
        return strchr(text, ':') && inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
    }
    memcpy(text, p, len);
    text[len] = '\0';
    if (cidr_address(text, out) == 0)
        return 0;
    char *colon = strchr(text, ':');
    if (!colon || strchr(colon + 1, ':') || colon[1] == '\0')
        return -1;
    for (const char *d = colon + 1; *d; d++)
        if (!isdigit((unsigned char)*d))
            return -1;
    *colon = '\0';
    uint8_t v4[4];
    if (inet_pton(AF_INET, text, v4) != 1)
        return -1;
    return cidr_address(text, out);
}

/* A header's hops: the text between commas, trimmed. Returns how many there are; hop i
 * is kept in hops[i % MAX_HOPS], so the rightmost MAX_HOPS are there (what a client put
 * on the left cannot push out what its proxies added on the right). Forwarded is split
 * the same way, quotes or not: no address holds a comma, and a quote a client left open
 * on the left must not swallow the elements its proxies appended. */
static int split_hops(const char *h, struct span hops[MAX_HOPS])
{
    int n = 0;
    for (const char *p = h;;) {
        size_t len = strcspn(p, ",");
        hops[n++ % MAX_HOPS] = trim(p, len);
        if (p[len] == '\0')
            return n;
        p += len + 1;
    }
}

/* One Forwarded element: pairs separated by semicolons, each value a token or a quoted
 * string. Its for= value, unquoted, into value (an empty span when it has none). Returns
 * 0, or -1 when the element does not parse. */
static int forwarded_for(struct span el, char value[64], struct span *out)
{
    const char *p = el.p, *end = el.p + el.len;
    *out = (struct span){value, 0};
    for (;;) { /* one pair */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *name = p;
        while (p < end && *p != '=' && *p != ';')
            p++;
        struct span key = trim(name, (size_t)(p - name));
        if (p == end || *p == ';') {
            if (key.len > 0)
                return -1; /* a name without a value */
        } else {
            p++; /* '=' */
            int is_for = key.len == 3 && strncasecmp(key.p, "for", 3) == 0;
            char v[64];
            size_t vlen = 0;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p < end && *p == '"') {
                for (p++;; p++) {
                    if (p == end)
                        return -1; /* not closed */
                    if (*p == '"')
                        break;
                    if (*p == '\\' && p + 1 < end)
                        p++;
                    if (vlen == sizeof v - 1)
                        return -1;
                    v[vlen++] = *p;
                }
                p++;
            } else {
                while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
                    if (vlen == sizeof v - 1)
                        return -1;
                    v[vlen++] = *p++;
                }
            }
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p < end && *p != ';')
                return -1;
            if (is_for) {
                memcpy(value, v, vlen);
                out->len = vlen;
            }
        }
        if (p == end)
            return 0;
        p++; /* ';' */
    }
}

static void write_address(const uint8_t a[16], char *out, size_t out_size)
{
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (memcmp(a, mapped, 12) == 0)
        inet_ntop(AF_INET, a + 12, out, (socklen_t)out_size);
    else
        inet_ntop(AF_INET6, a, out, (socklen_t)out_size);
}

int client_address(const char *peer, const char *forwarded, const char *x_forwarded_for,
                   const struct cidr_list *trusted, char *out, size_t out_size)
{
    assert(out && out_size >= CLIENT_ADDR_MAX);
    snprintf(out, out_size, "%s", peer ? peer : "");
    uint8_t a[16];
    if (!peer || !trusted || cidr_address(peer, a) < 0 || !trusted_bytes(trusted, a))
        return 0;
    struct span hops[MAX_HOPS];
    int n = 0, is_forwarded = 0;
    if (x_forwarded_for && trim(x_forwarded_for, strlen(x_forwarded_for)).len > 0) {
        n = split_hops(x_forwarded_for, hops);
    } else if (forwarded && trim(forwarded, strlen(forwarded)).len > 0) {
        n = split_hops(forwarded, hops);
        is_forwarded = 1;
    }
    for (int i = n - 1; i >= 0; i--) {
        uint8_t hop[16];
        if (i < n - MAX_HOPS)
            return 0; /* MAX_HOPS trusted proxies in a row: not a chain anyone runs */
        struct span h = hops[i % MAX_HOPS];
        char value[64];
        if (is_forwarded && forwarded_for(h, value, &h) < 0)
            return 0; /* an element that does not parse */
        if (hop_address(h, hop) < 0)
            return 0; /* unknown, obfuscated or malformed: who is behind it cannot be known */
        if (!trusted_bytes(trusted, hop) || i == 0) {
            write_address(hop, out, out_size);
            return 1;
        }
    }
    return 0;
}

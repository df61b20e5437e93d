#include "core/cidr.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cidr_address(const char *text, uint8_t out[16])
{
    assert(text && out);
    uint8_t v4[4];
    if (inet_pton(AF_INET, text, v4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, v4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

int cidr_parse(const char *text, size_t len, struct cidr *out, struct buf *err)
{
    char s[64];
    if (len == 0 || len >= sizeof s) {
        buf_printf(err, "\"%.*s\" is not an address or address/prefix", (int)(len < 64 ? len : 64),
                   text);
        return -1;
    }
    memcpy(s, text, len);
    s[len] = '\0';
    char *slash = strchr(s, '/');
    if (slash)
        *slash = '\0';
    int v4 = strchr(s, ':') == NULL;
    if (cidr_address(s, out->addr) < 0) {
        buf_printf(err, "\"%s\" is not an IPv4 or IPv6 address", s);
        return -1;
    }
    int max = v4 ? 32 : 128;
    long prefix = max;
    if (slash) {
        char *end = NULL;
        const char *p = slash + 1;
        prefix = (*p >= '0' && *p <= '9') ? strtol(p, &end, 10) : -1;
        if (prefix < 0 || prefix > max || *end != '\0') {
            buf_printf(err, "\"%s/%s\": the prefix must be 0 to %d", s, p, max);
            return -1;
        }
    }
    out->prefix = (int)prefix + (v4 ? 96 : 0);
    for (int bit = out->prefix; bit < 128; bit++) {
        if (out->addr[bit / 8] & (0x80 >> (bit % 8))) {
            buf_printf(err, "\"%s/%ld\" has bits set past its prefix", s, prefix);
            return -1;
        }
    }
    return 0;
}

int cidr_list_parse(const char *text, struct cidr_list *out, struct buf *err)
{
    out->count = 0;
    for (const char *p = text;;) {
        p += strspn(p, ", ");
        size_t len = strcspn(p, ", ");
        if (len == 0)
            return 0;
        if (out->count == CIDR_LIST_MAX) {
            buf_printf(err, "at most %d ranges", CIDR_LIST_MAX);
            return -1;
        }
        if (cidr_parse(p, len, &out->items[out->count], err) < 0)
            return -1;
        out->count++;
        p += len;
    }
}

int cidr_contains(const struct cidr *c, const uint8_t addr[16])
{
    assert(c->prefix >= 0 && c->prefix <= 128);
    int whole = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->addr, addr, (size_t)whole) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (addr[whole] & mask) == c->addr[whole];
}

int cidr_list_contains(const struct cidr_list *l, const char *addr)
{
    uint8_t a[16];
    if (!addr || cidr_address(addr, a) < 0)
        return 0;
    for (int i = 0; i < l->count; i++)
        if (cidr_contains(&l->items[i], a))
            return 1;
    return 0;
}

int cidr_is_loopback(const char *addr)
{
    static const struct cidr_list loopback = {
        .items = {{.addr = {[10] = 0xff, [11] = 0xff, [12] = 127}, .prefix = 104},
                  {.addr = {[15] = 1}, .prefix = 128}},
        .count = 2,
    };
    return cidr_list_contains(&loopback, addr);
}

static int is_mapped_v4(const uint8_t a[16])
{
    static const uint8_t prefix[12] = {[10] = 0xff, [11] = 0xff};
    return memcmp(a, prefix, sizeof prefix) == 0;
}

void cidr_client_bucket(const uint8_t addr[16], uint8_t out[16])
{
    memcpy(out, addr, 16);
    if (!is_mapped_v4(addr))
        memset(out + 8, 0, 8);
}

void cidr_client_key(const char *addr, char out[64])
{
    uint8_t a[16], b[16];
    if (!addr || cidr_address(addr, a) < 0) {
        snprintf(out, 64, "%s", addr ? addr : "?");
        return;
    }
    cidr_client_bucket(a, b);
    char text[INET6_ADDRSTRLEN];
    if (is_mapped_v4(b))
        inet_ntop(AF_INET, b + 12, text, sizeof text);
    else
        inet_ntop(AF_INET6, b, text, sizeof text);
    snprintf(out, 64, is_mapped_v4(b) ? "%s" : "%s/64", text);
}

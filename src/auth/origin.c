#include "auth/origin.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/* Splits "scheme://host:port" into its parts; the port defaults from the scheme. */
static int parse_origin(const char *url, char scheme[8], char host[256], int *port)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep - url >= 8)
        return -1;
    memcpy(scheme, url, (size_t)(sep - url));
    scheme[sep - url] = '\0';
    const char *h = sep + 3;
    const char *end = h + strcspn(h, "/?#");
    const char *colon = NULL;
    if (*h == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (!close)
            return -1;
        colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
    }
    const char *host_end = colon ? colon : end;
    if (host_end == h || host_end - h >= 256)
        return -1;
    memcpy(host, h, (size_t)(host_end - h));
    host[host_end - h] = '\0';
    if (colon) {
        if (sscanf(colon + 1, "%d", port) != 1 || *port < 1 || *port > 65535)
            return -1;
    } else {
        *port = strcasecmp(scheme, "https") == 0 ? 443 : 80;
    }
    return 0;
}

static int is_loopback_name(const char *host)
{
    return strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
           strcmp(host, "[::1]") == 0;
}

int origin_matches(const char *origin, const char *public_url)
{
    char s1[8], s2[8], h1[256], h2[256];
    int p1, p2;
    if (!origin || parse_origin(origin, s1, h1, &p1) < 0 ||
        parse_origin(public_url, s2, h2, &p2) < 0)
        return 0;
    if (strcasecmp(s1, s2) != 0 || p1 != p2)
        return 0;
    if (strcasecmp(h1, h2) == 0)
        return 1;
    /* a server on loopback is reached as localhost or 127.0.0.1 alike */
    return is_loopback_name(h1) && is_loopback_name(h2);
}

int origin_allowed(const char *method, const char *origin, const char *sec_fetch_site,
                   const char *public_url)
{
    if (is_safe_method(method))
        return 1;
    if (sec_fetch_site && strcmp(sec_fetch_site, "same-origin") != 0 &&
        strcmp(sec_fetch_site, "none") != 0)
        return 0;
    if (origin)
        return origin_matches(origin, public_url);
    return 1;
}

/* Fuzzes the client address behind trusted proxies (core/client_addr): X-Forwarded-For
 * and Forwarded are read from the network. Checks that the answer is the peer or an
 * address that parses, and that nothing a client puts on the left of a header changes the
 * answer once a hop that is not a trusted proxy has been reached on the right. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/client_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cidr_list trusted;
    static int ready;
    if (!ready) {
        struct buf err = {0};
        if (cidr_list_parse("127.0.0.0/8, 10.0.0.0/8, fd00::/8", &trusted, &err) < 0)
            abort();
        buf_free(&err);
        ready = 1;
    }
    /* first byte: which header; then "LEFT\nHEADER" */
    if (size < 1 || size > 4096)
        return 0;
    int use_forwarded = data[0] & 1;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *header = strchr(text, '\n');
    const char *left = "";
    if (header) {
        *header++ = '\0';
        left = text;
    } else {
        header = text;
    }
    char out[CLIENT_ADDR_MAX];
    int rc = client_address("127.0.0.1", use_forwarded ? header : NULL,
                            use_forwarded ? NULL : header, &trusted, out, sizeof out);
    uint8_t a[16];
    if (rc == 1 ? cidr_address(out, a) < 0 : strcmp(out, "127.0.0.1") != 0)
        abort();
    if (rc == 1 && !cidr_list_contains(&trusted, out)) {
        /* the walk stopped on the right: a client's text on the left cannot move it */
        size_t n = strlen(left) + strlen(header) + 2;
        char *joined = malloc(n);
        strcpy(joined, left);
        strcat(joined, ",");
        strcat(joined, header);
        char again[CLIENT_ADDR_MAX];
        int rc2 = client_address("127.0.0.1", use_forwarded ? joined : NULL,
                                 use_forwarded ? NULL : joined, &trusted, again, sizeof again);
        if (rc2 != 1 || strcmp(again, out) != 0)
            abort();
        free(joined);
    }
    free(text);
    return 0;
}

#include "sfu/gro_split.h"

#include <assert.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>

size_t gro_segment_of(const struct msghdr *h)
{
    /* CMSG_NXTHDR checks every header against msg_controllen, so a short or odd
     * control buffer ends the walk instead of reading past it */
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR((struct msghdr *)h, c)) {
        if (c->cmsg_level != SOL_UDP || c->cmsg_type != UDP_GRO)
            continue;
        if (c->cmsg_len < CMSG_LEN(sizeof(int)))
            return 0;
        int v;
        memcpy(&v, CMSG_DATA(c), sizeof v); /* the data may not be aligned for an int */
        return v > 0 && v <= 65535 ? (size_t)v : 0;
    }
    return 0;
}

void gro_split_init(struct gro_split *s, uint8_t *buf, size_t len, size_t segment)
{
    *s = (struct gro_split){
        .next = buf, .left = len, .segment = segment == 0 || segment > len ? len : segment};
}

bool gro_split_next(struct gro_split *s, uint8_t **data, size_t *len)
{
    if (s->done)
        return false;
    size_t n = s->left < s->segment ? s->left : s->segment;
    *data = s->next;
    *len = n;
    s->next += n;
    s->left -= n;
    /* an empty buffer is one empty datagram; otherwise stop once it is used up */
    s->done = s->left == 0 || n == 0;
    assert(n > 0 || s->left == 0);
    return true;
}

size_t gro_split_count(size_t len, size_t segment)
{
    if (segment == 0 || segment >= len)
        return 1;
    return (len + segment - 1) / segment;
}

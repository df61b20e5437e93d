/* Fuzzes the UDP GRO receive split with whatever a control buffer and a received length
 * may hold: the first three bytes give the received length, the rest become the
 * control messages as recvmsg would have left them. Whatever the segment size read, the
 * datagrams must tile the buffer in order, each of the segment size but a shorter last,
 * none empty unless the buffer was, and as many as gro_split_count says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sfu/gro_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    /* odd third byte: the first two are the length (the whole range); even: it is
     * (small lengths, often) */
    size_t len = data[2] % 2 ? ((size_t)data[0] << 8 | data[1]) : data[2];
    data += 3;
    size -= 3;
    /* the control buffer, aligned as the kernel's is, exactly as long as the input */
    union {
        struct cmsghdr align;
        uint8_t bytes[512];
    } control;
    size_t clen = size < sizeof control.bytes ? size : sizeof control.bytes;
    memcpy(control.bytes, data, clen);
    struct msghdr h = {.msg_control = clen ? control.bytes : NULL, .msg_controllen = clen};
    size_t segment = gro_segment_of(&h);
    if (segment > 65535)
        abort();

    struct gro_split s;
    gro_split_init(&s, buf, len, segment);
    uint8_t *d, *at = buf;
    size_t dl, n = 0, first = 0;
    while (gro_split_next(&s, &d, &dl)) {
        if (d != at || dl > len || (dl == 0 && len != 0))
            abort();
        if (n == 0)
            first = dl;
        else if (dl > first)
            abort(); /* the later ones are never longer */
        if (segment && dl != segment && d + dl != buf + len)
            abort(); /* only the last may differ from the segment size */
        at += dl;
        n++;
    }
    if (at != buf + len || n != gro_split_count(len, segment))
        abort();
    return 0;
}

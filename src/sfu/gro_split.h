/* UDP generic receive offload (GRO) for the worker's receive path, without the socket.
 *
 * With UDP_GRO set on a socket (Linux >= 5.0), one recvmsg may return several datagrams of
 * one sender at once: back-to-back datagrams of the same size (a video frame's packets),
 * concatenated, all of the segment size but the last, which may be shorter. A control
 * message (SOL_UDP, UDP_GRO, an int) gives the segment size; without it the buffer is one
 * datagram. gro_segment_of reads that control message; gro_split walks the buffer as the
 * datagrams it holds, in the order they were sent, pointing into it (nothing is copied). */
#ifndef CONFIDE_SFU_GRO_SPLIT_H
#define CONFIDE_SFU_GRO_SPLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for the control message recvmsg may write: pass this much as msg_controllen. */
#define GRO_CONTROL_SPACE CMSG_SPACE(sizeof(int))

/* The segment size h's control messages announce, or 0 when they announce none (or one
 * out of range: not above 0 and below 65,536). Walks only msg_controllen bytes. */
size_t gro_segment_of(const struct msghdr *h);

struct gro_split {
    uint8_t *next; /* the next datagram */
    size_t left;   /* bytes from next to the end of the buffer */
    size_t segment;
    bool done;
};

/* Walks buf[0..len) as datagrams of `segment` bytes (the last may be shorter); segment 0
 * or at least len: the buffer is one datagram (even an empty one). */
void gro_split_init(struct gro_split *s, uint8_t *buf, size_t len, size_t segment);
/* The next datagram, in order; false when none is left. A datagram is never empty unless
 * the whole buffer was one empty datagram. */
bool gro_split_next(struct gro_split *s, uint8_t **data, size_t *len);
/* How many datagrams gro_split makes of len bytes at this segment size. */
size_t gro_split_count(size_t len, size_t segment);

#endif

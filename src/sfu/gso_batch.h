/* UDP generic segmentation offload (GSO) for the worker's send queue, without the socket.
 *
 * The kernel's cost per datagram dominates sending; with UDP_SEGMENT (Linux >= 4.18) one
 * sendmmsg entry carries several datagrams to one destination, all of one size (the
 * segment size) but the last, which may be shorter. gso_batch_plan takes the queued
 * datagrams (one mmsghdr each: address, one iovec) and fills entries ready for sendmmsg:
 * datagrams to the same destination of the same size become one entry, one iovec per
 * datagram (the kernel cuts the concatenation at every segment size, so nothing is copied)
 * and a UDP_SEGMENT control message.
 *
 * Order. A destination's datagrams leave in the order they were queued; datagrams to
 * different destinations may be reordered among themselves. The router sends one packet
 * to every subscriber, then the next one to every subscriber, so runs consecutive in the
 * queue would be rare: a destination keeps one open group, and a datagram joins its
 * destination's open group wherever it lies in the queue. A group ends (later datagrams
 * to that destination open a new one) when
 *  - a datagram shorter than the segment size joins it (only the last may be shorter),
 *  - a datagram longer than the segment size comes (it opens the next group),
 *  - it holds GSO_SEGMENTS_MAX datagrams, or the next one would take it past
 *    GSO_BYTES_MAX.
 * Entries come out in the order their groups opened, and sendmmsg sends entries in order,
 * so a destination's later group always leaves after its earlier one.
 *
 * No allocation after gso_batch_new: every array is sized for `cap` datagrams there. */
#ifndef CONFIDE_SFU_GSO_BATCH_H
#define CONFIDE_SFU_GSO_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The kernel's UDP_MAX_SEGMENTS was 64 until 6.x raised it; 64 works on every kernel. */
#define GSO_SEGMENTS_MAX 64
/* One GSO send is one UDP datagram to the stack before it is cut: its payload must fit
 * in the 16-bit IP length with the headers (65,507 bytes over IPv4). */
#define GSO_BYTES_MAX 65000

struct gso_batch;

/* Room for `cap` queued datagrams per plan. */
struct gso_batch *gso_batch_new(size_t cap);
void gso_batch_free(struct gso_batch *b);

/* Plans the sends for queue[0..n) (each msg_iovlen 1, n <= cap). gso false: one entry per
 * datagram, in queue order, no control message. Returns the number of entries; they stay
 * valid (and point into queue's addresses and buffers) until the next plan. */
size_t gso_batch_plan(struct gso_batch *b, const struct mmsghdr *queue, size_t n, bool gso);

/* The entries for sendmmsg. */
struct mmsghdr *gso_batch_entries(struct gso_batch *b);
size_t gso_batch_count(const struct gso_batch *b);

/* Datagrams entry i carries (msg_iovlen), and whether it is a GSO send (more than one). */
size_t gso_batch_datagrams(const struct gso_batch *b, size_t i);
bool gso_batch_is_gso(const struct gso_batch *b, size_t i);

/* The kernel refused a GSO entry: entries from `from` on are rewritten as one entry per
 * datagram (same order, no control message). Returns the new number of entries. */
size_t gso_batch_unroll(struct gso_batch *b, size_t from);

/* The segment size of a GSO entry, read back from its control message (tests). */
uint16_t gso_batch_segment(const struct gso_batch *b, size_t i);

#endif

/* probe: what the router sends a subscriber to find out whether their link has room for more
 * (bwe.h asks for a cluster: bytes at a bitrate). The media going to them counts towards the
 * cluster; padding-only RTP packets on their RTX stream fill the rest, paced at the cluster's
 * rate (sent all at once, the packets would leave in one burst and say nothing about the
 * rate the path carries). RFC 4588 RTX streams may carry padding-only packets, which the
 * browser drops after noting their transport-wide number for its feedback. Sans-I/O. */
#ifndef CONFIDE_SFU_PROBE_H
#define CONFIDE_SFU_PROBE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_PADDING_MAX 255 /* RTP's padding length is one byte */
#define PROBE_TICK_US 5000    /* how often a cluster under way is topped up */

struct probe_pacer {
    bool active;
    uint32_t rate_bps;
    int64_t left;     /* bytes still to send, media included */
    int64_t last_us;  /* when the budget was last counted */
    double budget;    /* bytes the pace allows now */
};

void probe_pacer_start(struct probe_pacer *p, uint32_t rate_bps, uint32_t bytes, int64_t now_us);
/* Bytes of padding to send now (0: none due, or the cluster is done). */
size_t probe_pacer_due(struct probe_pacer *p, int64_t now_us);
/* Bytes that went to the subscriber (media or padding) while the cluster is under way. */
void probe_pacer_sent(struct probe_pacer *p, size_t bytes);
/* When to be called again (INT64_MAX: nothing under way). */
int64_t probe_pacer_deadline(const struct probe_pacer *p);

/* A padding-only RTP packet of `padding` (1..PROBE_PADDING_MAX) bytes with the transport-wide
 * sequence number extension (one-byte header, id twcc_id). Returns its length, 0 when cap is
 * too small. */
size_t probe_padding_write(uint8_t *buf, size_t cap, uint8_t pt, uint32_t ssrc, uint16_t seq,
                           uint32_t ts, uint8_t twcc_id, uint16_t twcc_seq, size_t padding);

#endif

/* twcc_parse: a subscriber's transport-wide congestion control feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1, RTCP PT 205 FMT 15) as the
 * list the send-side bandwidth estimator reads: one (transport sequence number, received?,
 * arrival time) per packet the report covers, in sequence order. rtcp.c checks the packet
 * and walks its chunks and deltas; this only lays the result out flat.
 *
 * Network input: a report that does not parse is refused whole; one that names more
 * packets than TWCC_REPORT_MAX keeps the first TWCC_REPORT_MAX (the rest say nothing, which
 * the estimator treats like feedback that never came). No allocation. */
#ifndef CONFIDE_SFU_TWCC_PARSE_H
#define CONFIDE_SFU_TWCC_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/rtcp.h"

/* A browser reports every 50–100 ms; 1024 packets is over 40 Mbit/s of 1200-byte packets
 * at 100 ms, far above what the SFU sends one subscriber. */
#define TWCC_REPORT_MAX 1024

struct twcc_arrival {
    uint16_t seq; /* transport-wide, as the SFU wrote it in the header extension */
    bool received;
    int64_t arrival_us; /* on the receiver's clock (only differences mean anything) */
};

struct twcc_report {
    uint32_t sender_ssrc, media_ssrc;
    uint16_t base_seq;
    uint8_t fb_count; /* goes up by one per report: a gap is a lost report */
    bool truncated;   /* the report named more than TWCC_REPORT_MAX packets */
    size_t count;
    struct twcc_arrival packets[TWCC_REPORT_MAX];
};

/* 0 with *out filled; -EPROTO not a TWCC packet; -EBADMSG malformed. */
int twcc_parse(const struct rtcp_packet *p, struct twcc_report *out);

#endif

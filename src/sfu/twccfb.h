/* twccfb: transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01) for one publish transport, sans-I/O. The receiver records the transport-wide
 * sequence number and arrival time of every packet; every TWCCFB_INTERVAL_MS it writes one
 * feedback packet covering everything since the last one, lost packets included, which is
 * what the sender's bandwidth estimator needs to raise or lower its bitrate. No allocation. */
#ifndef CONFIDE_SFU_TWCCFB_H
#define CONFIDE_SFU_TWCCFB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/rtcp.h"
#include "sfu/rtp.h"

#define TWCCFB_WINDOW 1024 /* packets one feedback may cover (a power of two) */
#define TWCCFB_INTERVAL_MS 100

/* An arrival not yet reported, in 8 bytes (the window is most of the struct, one per
 * publisher). The slot index is the number's low bits; the slot keeps the bits above them
 * (slots are emptied as they are reported, so what is left differs from the window by a
 * jump of at most 32,768 numbers: 16 bits tell them apart). The arrival time keeps its low
 * 32 bits, read back against the newest arrival: exact within 35 minutes of it. */
struct twccfb_slot {
    uint32_t arrival_us; /* low 32 bits */
    uint16_t epoch;      /* the extended number's bits above the slot index */
    bool used;
};

/* Zero-initialise. */
struct twccfb {
    struct rtp_seq seq;
    bool pending;         /* packets arrived since the last feedback */
    int64_t next;         /* the first extended sequence number not yet reported */
    int64_t newest_arrival_us; /* the arrival times' upper bits */
    struct twccfb_slot slot[TWCCFB_WINDOW];
    uint8_t fb_count;
    int64_t sent_ms;
};

void twccfb_record(struct twccfb *t, uint16_t seq, int64_t arrival_us);
/* Appends a feedback packet to w when one is due at now_ms. 1 written, 0 nothing due,
 * -ENOSPC no room (nothing consumed), -EINVAL what was pending cannot be one report (two
 * arrivals over 8 s apart): dropped, and the next packets are reported afresh. */
int twccfb_write(struct twccfb *t, int64_t now_ms, struct rtcp_writer *w, uint32_t sender_ssrc,
                 uint32_t media_ssrc);
/* When twccfb_write will next have something (INT64_MAX: nothing pending). */
int64_t twccfb_deadline(const struct twccfb *t);

#endif

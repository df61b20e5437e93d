/* rtx_budget: how much a subscriber's retransmissions may take of what their link carries.
 * A token bucket refilled at RTX_BUDGET_SHARE of their bandwidth estimate (bwe.h), RTX_BUDGET_MS
 * deep and never shallower than two full packets, so a lone loss is always repaired. Without
 * it, a congested subscriber's NACKs for what the queue dropped make the SFU resend into the
 * same full queue, which drops more, which is NACKed again: on a 300 kbit/s link the SFU was
 * seen sending 15 Mbit/s of retransmissions. Sans-I/O, no allocation. */
#ifndef CONFIDE_SFU_RTX_BUDGET_H
#define CONFIDE_SFU_RTX_BUDGET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTX_BUDGET_SHARE 0.25
#define RTX_BUDGET_MS 250
#define RTX_BUDGET_MIN_BYTES 2600 /* two full packets */

/* Zero-initialise: starts full at the first take. */
struct rtx_budget {
    double bytes;   /* tokens */
    int64_t at_us;  /* last refill */
    bool started;
};

/* May `size` bytes of retransmission go now, with the link estimated at estimate_bps?
 * Takes them if so. estimate_bps 0: nothing known about the link, no limit. */
bool rtx_budget_take(struct rtx_budget *b, uint32_t estimate_bps, size_t size, int64_t now_us);

#endif

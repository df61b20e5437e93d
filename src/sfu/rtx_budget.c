#include "sfu/rtx_budget.h"

#include <assert.h>

static double depth(uint32_t estimate_bps)
{
    double d = (double)estimate_bps / 8.0 * RTX_BUDGET_SHARE * RTX_BUDGET_MS / 1000.0;
    return d < RTX_BUDGET_MIN_BYTES ? RTX_BUDGET_MIN_BYTES : d;
}

bool rtx_budget_take(struct rtx_budget *b, uint32_t estimate_bps, size_t size, int64_t now_us)
{
    if (estimate_bps == 0)
        return true;
    double full = depth(estimate_bps);
    if (!b->started) {
        b->started = true;
        b->bytes = full;
    } else if (now_us > b->at_us) {
        b->bytes += (double)(now_us - b->at_us) / 1e6 * estimate_bps / 8.0 * RTX_BUDGET_SHARE;
    }
    b->at_us = now_us;
    if (b->bytes > full)
        b->bytes = full; /* the estimate fell: the bucket shrinks with it */
    if (b->bytes < (double)size)
        return false;
    b->bytes -= (double)size;
    assert(b->bytes >= 0 && b->bytes <= full);
    return true;
}

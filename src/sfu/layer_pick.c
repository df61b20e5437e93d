#include "sfu/layer_pick.h"

#include <assert.h>

size_t layer_pick(struct layer_pick *lp, const uint32_t *bitrates, size_t count,
                  uint32_t estimate_bps, int64_t now_us)
{
    assert(count >= 1);
    if (lp->current >= count)
        lp->current = count - 1; /* the layers changed under us */
    double estimate = estimate_bps;
    if (lp->current > 0 && estimate < LAYER_PICK_DOWN * bitrates[lp->current]) {
        /* down at once, as far as needed: the highest layer the estimate still carries */
        size_t to = lp->current - 1;
        while (to > 0 && estimate < LAYER_PICK_DOWN * bitrates[to])
            to--;
        lp->current = to;
        lp->up_pending = false;
        return lp->current;
    }
    if (lp->current + 1 < count && estimate > LAYER_PICK_UP * bitrates[lp->current + 1]) {
        if (!lp->up_pending) {
            lp->up_pending = true;
            lp->up_since_us = now_us;
        } else if (now_us - lp->up_since_us >= LAYER_PICK_HOLD_US) {
            lp->current++; /* one step; the next must earn its own two seconds */
            lp->up_pending = false;
        }
    } else {
        lp->up_pending = false;
    }
    return lp->current;
}

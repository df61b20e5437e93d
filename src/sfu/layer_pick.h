/* layer_pick: which simulcast layer a subscriber gets, from the bandwidth estimate (bwe.h),
 * with hysteresis so the picture does not flap: down at once when the estimate falls below
 * LAYER_PICK_DOWN × the current layer's bitrate (a congested link must be relieved now),
 * up one layer only after the estimate has stayed above LAYER_PICK_UP × the next layer's
 * bitrate for LAYER_PICK_HOLD_US (a switch up costs a keyframe, and an estimate that just
 * touched a level may fall back). Sans-I/O, no allocation. */
#ifndef CONFIDE_SFU_LAYER_PICK_H
#define CONFIDE_SFU_LAYER_PICK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAYER_PICK_UP 1.2
#define LAYER_PICK_DOWN 0.95
#define LAYER_PICK_HOLD_US 2000000

/* Zero-initialise: starts on layer 0, the lowest. */
struct layer_pick {
    size_t current;
    bool up_pending;     /* the estimate clears the next layer … */
    int64_t up_since_us; /* … since then */
};

/* bitrates: the layers' bitrates, lowest first (count ≥ 1). Returns the layer to send. */
size_t layer_pick(struct layer_pick *lp, const uint32_t *bitrates, size_t count,
                  uint32_t estimate_bps, int64_t now_us);

#endif

/* simulcast: which layer of each publisher's video one subscriber gets, or none (paused),
 * sans-I/O. Called now and then (the router: every SIMULCAST_INTERVAL_MS) with what is known
 * of the subscriber's downlink and of each video they watch; it keeps per-track state and
 * says the layer each track should carry.
 *
 * - Budget: the subscriber's bandwidth estimate (bwe.h) less SIMULCAST_AUDIO_BPS for every
 *   audio track they receive. Audio comes first: it is never switched or paused, so video
 *   lives on what audio leaves.
 * - Tile: a layer larger than the page shows the tile (its width and height in device
 *   pixels, from the page's "view" message) is never picked: the smallest layer at least
 *   SIMULCAST_TILE_SLACK of the tile's size each way is the cap. Unknown sizes (layer not
 *   yet seen, tile not yet told) do not cap.
 * - Share: tracks are served in order of priority (the active speaker first, then as
 *   given); each gets up to what is left of the budget after the lowest layer of every
 *   track after it, and picks within that with layer_pick's hysteresis (down at once, up
 *   after a hold).
 * - Audio first: when the budget cannot carry even the lowest layer of every watched video
 *   (below LAYER_PICK_DOWN × their sum) for SIMULCAST_PAUSE_HOLD_US running (a dip, such as
 *   a keyframe's burst, is no reason), videos are paused one by one, each after its own
 *   hold, lowest priority first, the active speaker's last. Paused videos resume by
 *   priority, as many as fit: each once the budget has stayed above LAYER_PICK_UP × the
 *   lowest layers of the videos flowing, of those before it and its own, for
 *   SIMULCAST_RESUME_HOLD_US (the holds run side by side), at the layer that fits.
 * - Before the subscriber's feedback has measured anything (estimate_measured false) the
 *   estimate is bwe's starting value, a guess: it caps the first layer but never pauses.
 *
 * Only layers that are not missing are picked (the lowest always may be).
 *
 * A layer's bitrate is what the router measured of it (the last measure, for one switched
 * off); a layer never measured counts at SIMULCAST_NOMINAL_BPS for its place. No
 * allocation. */
#ifndef CONFIDE_SFU_SIMULCAST_H
#define CONFIDE_SFU_SIMULCAST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/layer_pick.h"

#define SIMULCAST_LAYERS 3
#define SIMULCAST_PAUSED (-1)
#define SIMULCAST_INTERVAL_MS 250
#define SIMULCAST_AUDIO_BPS 40000 /* Opus at speech rates, with RTP/SRTP/UDP overhead */
#define SIMULCAST_PAUSE_HOLD_US 2000000
#define SIMULCAST_RESUME_HOLD_US 3000000
#define SIMULCAST_TILE_SLACK 0.85 /* a layer this close to the tile's size is big enough */

/* For a layer of unknown bitrate, by its place counted from the lowest */
#define SIMULCAST_NOMINAL_BPS {150000, 500000, 1200000}

struct simulcast_layer {
    uint32_t bitrate_bps; /* measured; 0: unknown */
    uint16_t width, height; /* of its last keyframe; 0: unknown */
    bool missing; /* not coming though asked for (the publisher's browser dropped it, or
                   * never sent it): not picked, except the lowest */
};

/* One video track of the subscriber. The caller fills the inputs before each decision
 * and keeps the rest between decisions (zero-initialise once). */
struct simulcast_track {
    /* inputs */
    struct simulcast_layer layers[SIMULCAST_LAYERS]; /* lowest first */
    size_t layer_count;                              /* ≥ 1 */
    uint16_t tile_width, tile_height;                /* 0: not told */
    bool speaker;                                    /* the room's active speaker */
    /* state */
    bool decided;          /* a layer was picked before */
    struct layer_pick pick;
    bool paused;
    bool pause_pending;
    int64_t pause_since_us;
    bool resume_pending;
    int64_t resume_since_us;
    /* output */
    int layer; /* the layer to send, or SIMULCAST_PAUSED */
};

/* Decides every track's layer. audio_tracks: how many audio tracks the subscriber takes.
 * Returns how many tracks changed between paused and flowing. */
size_t simulcast_decide(struct simulcast_track *tracks, size_t count, uint32_t estimate_bps,
                        bool estimate_measured, size_t audio_tracks, int64_t now_us);

/* The largest layer worth sending for a tile (the cap above), from the layers' sizes. */
size_t simulcast_tile_cap(const struct simulcast_track *t);

#endif

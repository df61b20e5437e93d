#include "sfu/simulcast.h"

#include <assert.h>

static uint32_t layer_bps(const struct simulcast_track *t, size_t i)
{
    static const uint32_t nominal[SIMULCAST_LAYERS] = SIMULCAST_NOMINAL_BPS;
    return t->layers[i].bitrate_bps ? t->layers[i].bitrate_bps : nominal[i];
}

/* The layers' bitrates, rising (a layer measured below the one under it counts just
 * above it: layer_pick needs them in order). */
static void bitrates_of(const struct simulcast_track *t, uint32_t *out)
{
    for (size_t i = 0; i < t->layer_count; i++) {
        out[i] = layer_bps(t, i);
        if (i && out[i] <= out[i - 1])
            out[i] = out[i - 1] + 1;
    }
}

size_t simulcast_tile_cap(const struct simulcast_track *t)
{
    assert(t->layer_count >= 1 && t->layer_count <= SIMULCAST_LAYERS);
    size_t top = t->layer_count - 1;
    if (!t->tile_width && !t->tile_height)
        return top;
    /* the largest layer whose size is known stands for the others, each half the next */
    size_t known = SIMULCAST_LAYERS;
    for (size_t i = 0; i < t->layer_count; i++)
        if (t->layers[i].width && t->layers[i].height)
            known = i;
    if (known == SIMULCAST_LAYERS)
        return top;
    for (size_t i = 0; i < top; i++) {
        uint32_t w = t->layers[i].width, h = t->layers[i].height;
        if (!w || !h) {
            w = t->layers[known].width;
            h = t->layers[known].height;
            w = i < known ? w >> (known - i) : w << (i - known);
            h = i < known ? h >> (known - i) : h << (i - known);
        }
        if (w >= SIMULCAST_TILE_SLACK * t->tile_width && h >= SIMULCAST_TILE_SLACK * t->tile_height)
            return i;
    }
    return top;
}

size_t simulcast_decide(struct simulcast_track *tracks, size_t count, uint32_t estimate_bps,
                        bool estimate_measured, size_t audio_tracks, int64_t now_us)
{
    int64_t budget = (int64_t)estimate_bps - (int64_t)audio_tracks * SIMULCAST_AUDIO_BPS;
    if (budget < 0)
        budget = 0;
    /* priority: the active speaker first, then in the order given */
    size_t order[64];
    assert(count <= sizeof order / sizeof order[0]);
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (tracks[i].speaker)
            order[n++] = i;
    for (size_t i = 0; i < count; i++)
        if (!tracks[i].speaker)
            order[n++] = i;
    assert(n == count);

    size_t changed = 0;
    int64_t low_sum = 0; /* the lowest layers of the videos flowing */
    for (size_t i = 0; i < count; i++)
        if (!tracks[i].paused)
            low_sum += layer_bps(&tracks[i], 0);
    if (estimate_measured) {
        /* pause, lowest priority first, while even the lowest layers do not fit: one at
         * a time, each once the shortage has held for a while */
        bool short_of = budget < LAYER_PICK_DOWN * (double)low_sum;
        struct simulcast_track *next = NULL;
        for (size_t k = count; k-- > 0 && !next;)
            if (!tracks[order[k]].paused)
                next = &tracks[order[k]];
        for (size_t i = 0; i < count; i++)
            if (&tracks[i] != next)
                tracks[i].pause_pending = false;
        if (next && !short_of) {
            next->pause_pending = false;
        } else if (next && !next->pause_pending) {
            next->pause_pending = true;
            next->pause_since_us = now_us;
        } else if (next && now_us - next->pause_since_us >= SIMULCAST_PAUSE_HOLD_US) {
            next->paused = true;
            next->pause_pending = false;
            next->decided = false;
            next->resume_pending = false;
            low_sum -= layer_bps(next, 0);
            changed++;
        }
        /* resume the paused ones, by priority, as far as there is room for their lowest
         * layers, each once that has held; their holds run side by side, so two videos
         * that fit come back together, not one hold after the other */
        int64_t planned = low_sum;
        bool room = true;
        for (size_t k = 0; k < count; k++) {
            struct simulcast_track *t = &tracks[order[k]];
            if (!t->paused)
                continue;
            int64_t need = planned + layer_bps(t, 0);
            if (!room || budget <= LAYER_PICK_UP * (double)need) {
                room = false; /* nor for any after it: priority order holds */
                t->resume_pending = false;
                continue;
            }
            planned = need;
            if (!t->resume_pending) {
                t->resume_pending = true;
                t->resume_since_us = now_us;
            } else if (now_us - t->resume_since_us >= SIMULCAST_RESUME_HOLD_US) {
                t->paused = false;
                t->resume_pending = false;
                low_sum += layer_bps(t, 0);
                changed++;
            }
        }
    }

    int64_t left = budget;
    for (size_t k = 0; k < count; k++) {
        struct simulcast_track *t = &tracks[order[k]];
        if (t->paused) {
            t->layer = SIMULCAST_PAUSED;
            continue;
        }
        low_sum -= layer_bps(t, 0);
        int64_t share = left - low_sum;
        if (share < 0)
            share = 0;
        uint32_t bitrates[SIMULCAST_LAYERS];
        bitrates_of(t, bitrates);
        size_t cap = simulcast_tile_cap(t);
        /* the layers to pick from, up to the cap: those coming, and the lowest */
        size_t idx[SIMULCAST_LAYERS], m = 0;
        uint32_t rates[SIMULCAST_LAYERS];
        for (size_t i = 0; i <= cap; i++) {
            if (i == 0 || !t->layers[i].missing) {
                idx[m] = i;
                rates[m++] = bitrates[i];
            }
        }
        size_t pos;
        if (!t->decided) {
            /* the first pick: as high as the share and the tile allow, no hold */
            pos = 0;
            while (pos + 1 < m && rates[pos + 1] <= share)
                pos++;
            t->pick = (struct layer_pick){.current = pos};
            t->decided = true;
        } else {
            /* where the last pick stands among the layers to pick from now */
            size_t at = 0;
            for (size_t j = 0; j < m; j++)
                if ((int)idx[j] <= t->layer)
                    at = j;
            if (at != t->pick.current)
                t->pick = (struct layer_pick){.current = at};
            pos = layer_pick(&t->pick, rates, m, share > UINT32_MAX ? UINT32_MAX : (uint32_t)share,
                             now_us);
        }
        t->layer = (int)idx[pos];
        left -= rates[pos];
    }
    return changed;
}

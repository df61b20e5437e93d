/* quality: how good one person's connection is, in three words, from what the media worker
 * measured of their link (loss, jitter, round trip; sfu/router.h). Sans I/O: readings and
 * the time go in, a level comes out. The thresholds are the table in docs/PROTOCOL.md.
 *
 * A level gets worse at the first worse reading (people should hear at once why the picture
 * froze) but better only after QUALITY_IMPROVE_MS of better readings, and then only as far
 * as the worst of them, so a link that comes and goes does not make the label flicker. */
#ifndef CONFIDE_LIVE_QUALITY_H
#define CONFIDE_LIVE_QUALITY_H
#include <stdbool.h>
#include <stdint.h>

/* good: everything below the first column; poor: anything above the second */
#define QUALITY_GOOD_LOSS_PERMILLE 20 /* < 2 % */
#define QUALITY_POOR_LOSS_PERMILLE 80 /* > 8 % */
#define QUALITY_GOOD_JITTER_MS 30
#define QUALITY_POOR_JITTER_MS 80
#define QUALITY_GOOD_RTT_MS 200
#define QUALITY_POOR_RTT_MS 500
#define QUALITY_IMPROVE_MS 6000

/* Ordered: a greater value is worse. */
enum quality_level { QUALITY_UNKNOWN = 0, QUALITY_GOOD, QUALITY_FAIR, QUALITY_POOR };

struct quality_reading {
    uint32_t loss_permille; /* the worse of up and down */
    uint32_t jitter_ms;     /* the worse of up and down */
    int32_t rtt_ms;         /* < 0: not measured (counts as good) */
    uint32_t estimate_kbps; /* what the SFU may send them; 0: not estimated yet. Told
                             * beside the level, not weighed in it (quality.c) */
    bool video_paused;      /* their link cannot carry some video: poor, whatever else */
};

/* The level of one reading, without history. */
enum quality_level quality_classify(const struct quality_reading *r);

/* One person's shown level. Zero-initialised: unknown. */
struct quality_state {
    enum quality_level level;
    bool improving;                /* every reading since improving_since was better */
    enum quality_level improve_to; /* the worst of those readings */
    int64_t improving_since;
};

/* Takes a reading at time now (ms); true when the shown level changed. */
bool quality_update(struct quality_state *s, const struct quality_reading *r, int64_t now);

/* "good", "fair", "poor" ("unknown" before any reading). */
const char *quality_name(enum quality_level level);

#endif

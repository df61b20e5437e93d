#include "live/quality.h"

#include <assert.h>

/* The estimate itself is not weighed: with nobody's camera on there is nothing to probe
 * with, and it stays near what audio takes however wide the link. What it leads to is: a
 * link that cannot carry the video (audio first paused some) is poor, though the SFU's care
 * keeps its loss and jitter low. */
enum quality_level quality_classify(const struct quality_reading *r)
{
    if (r->video_paused || r->loss_permille > QUALITY_POOR_LOSS_PERMILLE ||
        r->jitter_ms > QUALITY_POOR_JITTER_MS || r->rtt_ms > QUALITY_POOR_RTT_MS)
        return QUALITY_POOR;
    if (r->loss_permille < QUALITY_GOOD_LOSS_PERMILLE && r->jitter_ms < QUALITY_GOOD_JITTER_MS &&
        r->rtt_ms < QUALITY_GOOD_RTT_MS)
        return QUALITY_GOOD;
    return QUALITY_FAIR;
}

bool quality_update(struct quality_state *s, const struct quality_reading *r, int64_t now)
{
    enum quality_level reading = quality_classify(r);
    assert(reading != QUALITY_UNKNOWN);
    if (s->level == QUALITY_UNKNOWN || reading > s->level) {
        s->level = reading;
        s->improving = false;
        return true;
    }
    if (reading == s->level) {
        s->improving = false; /* the better spell is broken: start again next time */
        return false;
    }
    if (!s->improving) {
        s->improving = true;
        s->improving_since = now;
        s->improve_to = reading;
        return false;
    }
    if (reading > s->improve_to)
        s->improve_to = reading;
    if (now - s->improving_since < QUALITY_IMPROVE_MS)
        return false;
    assert(s->improve_to < s->level);
    s->level = s->improve_to;
    s->improving = false;
    return true;
}

const char *quality_name(enum quality_level level)
{
    switch (level) {
    case QUALITY_GOOD:
        return "good";
    case QUALITY_FAIR:
        return "fair";
    case QUALITY_POOR:
        return "poor";
    case QUALITY_UNKNOWN:
        break;
    }
    return "unknown";
}

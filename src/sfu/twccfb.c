#include "sfu/twccfb.h"

#include <assert.h>
#include <errno.h>

static uint16_t epoch_of(int64_t ext)
{
    _Static_assert((TWCCFB_WINDOW & (TWCCFB_WINDOW - 1)) == 0, "a power of two");
    _Static_assert(sizeof(struct twccfb_slot) == 8, "the window stays packed");
    return (uint16_t)((uint64_t)ext / TWCCFB_WINDOW);
}

void twccfb_record(struct twccfb *t, uint16_t seq, int64_t arrival_us)
{
    bool first = !t->seq.started;
    int64_t ext = rtp_seq_unwrap(&t->seq, seq);
    if (first || ext >= t->next + TWCCFB_WINDOW || t->seq.max - t->next >= TWCCFB_WINDOW) {
        /* the first packet, or more than one feedback can say: report from here on */
        int64_t from = t->next;
        t->next = ext < t->seq.max - (TWCCFB_WINDOW - 1) ? t->seq.max - (TWCCFB_WINDOW - 1) : ext;
        /* what is skipped will not be reported: its slots are free */
        for (int64_t k = from; !first && k < t->next && k < from + TWCCFB_WINDOW; k++)
            t->slot[(size_t)k & (TWCCFB_WINDOW - 1)].used = false;
    }
    if (ext < t->next)
        return; /* already reported (as lost): too late to change that */
    struct twccfb_slot *s = &t->slot[(size_t)ext & (TWCCFB_WINDOW - 1)];
    s->epoch = epoch_of(ext);
    s->arrival_us = (uint32_t)arrival_us;
    s->used = true;
    t->newest_arrival_us = arrival_us;
    t->pending = true;
}

/* When ext arrived, -1: not (yet). */
static int64_t arrival_of(const struct twccfb *t, int64_t ext)
{
    const struct twccfb_slot *s = &t->slot[(size_t)ext & (TWCCFB_WINDOW - 1)];
    if (!s->used || s->epoch != epoch_of(ext))
        return -1;
    return t->newest_arrival_us - (int32_t)((uint32_t)t->newest_arrival_us - s->arrival_us);
}

int twccfb_write(struct twccfb *t, int64_t now_ms, struct rtcp_writer *w, uint32_t sender_ssrc,
                 uint32_t media_ssrc)
{
    if (!t->pending || now_ms - t->sent_ms < TWCCFB_INTERVAL_MS)
        return 0;
    int64_t arrivals[TWCCFB_WINDOW];
    size_t count = (size_t)(t->seq.max - t->next + 1);
    if (count > TWCCFB_WINDOW)
        count = TWCCFB_WINDOW;
    assert(count >= 1); /* pending: one arrival at least, at or after next */
    if (count == 0)
        return 0; /* (never; it tells gcc every arrival passed on below is written) */
    for (size_t i = 0; i < count; i++)
        arrivals[i] = arrival_of(t, t->next + (int64_t)i);
    int rc = rtcp_write_twcc(w, sender_ssrc, media_ssrc, (uint16_t)t->next, t->fb_count,
                             arrivals, count);
    if (rc < 0 && rc != -EINVAL)
        return rc; /* no room: nothing consumed, the same report next time */
    /* reported (or dropped): the slots are free */
    for (size_t i = 0; i < count; i++)
        t->slot[(size_t)(t->next + (int64_t)i) & (TWCCFB_WINDOW - 1)].used = false;
    if (rc == -EINVAL) {
        /* what is pending cannot be said in one report (two arrivals more than 8 s apart: a
         * stall, a clock jump): it is dropped, or no report would ever go out again */
        t->next = t->seq.max + 1;
        t->pending = false;
        t->sent_ms = now_ms;
        return rc;
    }
    assert(rc >= 0);
    t->fb_count++;
    t->next += (int64_t)count;
    t->pending = false;
    t->sent_ms = now_ms;
    return 1;
}

int64_t twccfb_deadline(const struct twccfb *t)
{
    return t->pending ? t->sent_ms + TWCCFB_INTERVAL_MS : INT64_MAX;
}

#include "sfu/twccfb.h"

#include <errno.h>

void twccfb_record(struct twccfb *t, uint16_t seq, int64_t arrival_us)
{
    bool first = !t->seq.started;
    int64_t ext = rtp_seq_unwrap(&t->seq, seq);
    if (first || ext >= t->next + TWCCFB_WINDOW || t->seq.max - t->next >= TWCCFB_WINDOW) {
        /* the first packet, or more than one feedback can say: report from here on */
        t->next = ext < t->seq.max - (TWCCFB_WINDOW - 1) ? t->seq.max - (TWCCFB_WINDOW - 1) : ext;
    }
    if (ext < t->next)
        return; /* already reported (as lost): too late to change that */
    size_t slot = (size_t)ext & (TWCCFB_WINDOW - 1);
    t->seq_of[slot] = ext;
    t->arrival_us[slot] = arrival_us;
    t->pending = true;
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
    for (size_t i = 0; i < count; i++) {
        int64_t ext = t->next + (int64_t)i;
        size_t slot = (size_t)ext & (TWCCFB_WINDOW - 1);
        arrivals[i] = t->seq_of[slot] == ext ? t->arrival_us[slot] : -1;
    }
    int rc = rtcp_write_twcc(w, sender_ssrc, media_ssrc, (uint16_t)t->next, t->fb_count,
                             arrivals, count);
    if (rc == -EINVAL) {
        /* what is pending cannot be said in one report (two arrivals more than 8 s apart: a
         * stall, a clock jump): it is dropped, or no report would ever go out again */
        t->next = t->seq.max + 1;
        t->pending = false;
        t->sent_ms = now_ms;
        return rc;
    }
    if (rc < 0)
        return rc;
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

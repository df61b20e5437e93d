#include "sfu/twcc_parse.h"

#include <assert.h>
#include <errno.h>

int twcc_parse(const struct rtcp_packet *p, struct twcc_report *out)
{
    if (rtcp_kind(p) != RTCP_KIND_TWCC)
        return -EPROTO;
    struct rtcp_twcc fb;
    int rc = rtcp_parse_twcc(p, &fb);
    if (rc < 0)
        return rc;
    out->sender_ssrc = fb.sender_ssrc;
    out->media_ssrc = fb.media_ssrc;
    out->base_seq = fb.base_seq;
    out->fb_count = fb.fb_count;
    out->truncated = fb.status_count > TWCC_REPORT_MAX;
    out->count = 0;
    struct rtcp_twcc_iter it;
    struct rtcp_twcc_packet pk;
    rtcp_twcc_iter_init(&it, &fb);
    while (out->count < TWCC_REPORT_MAX && rtcp_twcc_next(&it, &pk) == 1) {
        struct twcc_arrival *a = &out->packets[out->count++];
        a->seq = pk.seq;
        a->received = pk.status != RTCP_TWCC_NOT_RECEIVED;
        /* rtcp.c writes -1 for a lost packet; a received one may be negative too (the
         * reference time is signed), so `received` is what tells them apart */
        a->arrival_us = a->received ? pk.arrival_us : 0;
    }
    assert(out->count == (out->truncated ? TWCC_REPORT_MAX : fb.status_count));
    return 0;
}

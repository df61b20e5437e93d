/* Fuzzes transport-wide feedback as a subscriber would send it: every TWCC packet of the
 * compound through twcc_parse (the list must be what rtcp.c's iterator says, capped), then
 * into an estimator that has sent packets around the report's base, so reports about known
 * packets, unknown ones, duplicates and wild arrival times all reach it. The estimate must
 * stay within its limits, whatever arrives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/bwe.h"
#include "sfu/rtcp.h"
#include "sfu/twcc_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static struct bwe bwe;
static struct twcc_report report;

static void one(const struct rtcp_packet *p, int64_t *now)
{
    if (twcc_parse(p, &report) != 0)
        return;
    struct rtcp_twcc tw;
    check(rtcp_parse_twcc(p, &tw) == 0);
    check(report.count == (tw.status_count > TWCC_REPORT_MAX ? TWCC_REPORT_MAX : tw.status_count));
    check(report.truncated == (tw.status_count > TWCC_REPORT_MAX));
    struct rtcp_twcc_iter it;
    struct rtcp_twcc_packet pk;
    rtcp_twcc_iter_init(&it, &tw);
    for (size_t i = 0; i < report.count; i++) {
        check(rtcp_twcc_next(&it, &pk) == 1);
        check(report.packets[i].seq == (uint16_t)(report.base_seq + i));
        check(report.packets[i].received == (pk.status != RTCP_TWCC_NOT_RECEIVED));
        if (report.packets[i].received)
            check(report.packets[i].arrival_us == pk.arrival_us);
    }
    /* the estimator sent the first half of what the report covers, and a few before */
    for (size_t i = 0; i < report.count / 2 + 4; i++) {
        *now += 700;
        bwe_on_sent(&bwe, (uint16_t)(report.base_seq - 4 + i), 100 + (i * 37) % 1200, *now);
    }
    *now += 30000;
    bwe_on_feedback(&bwe, &report, *now);
    bwe_on_feedback(&bwe, &report, *now); /* and again: a repeat */
    uint32_t e = bwe_estimate_bps(&bwe);
    check(e >= BWE_DEFAULT_MIN_BPS && e <= BWE_DEFAULT_MAX_BPS);
    struct bwe_probe probe;
    if (bwe_probe_wanted(&bwe, *now, &probe))
        check(probe.bitrate_bps <= BWE_DEFAULT_MAX_BPS && probe.bytes > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1); /* exactly the input: overreads are caught */
    memcpy(buf, data, size);
    bwe_init(&bwe, NULL);
    int64_t now = 1000000;
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, buf, size);
    while (rtcp_iter_next(&it, &p) == 1)
        one(&p, &now);
    free(buf);
    return 0;
}

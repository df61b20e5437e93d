/* sfu/bwe and sfu/layer_pick: the estimator replayed against a modelled path. A small
 * simulator paces 1200-byte packets at the estimate (or at a probe's rate while one is
 * asked for) into a bottleneck (capacity, a drop-tail queue in bytes, propagation delay,
 * random or bursty loss from a fixed seed); the subscriber's side is confide's own feedback
 * writer (twccfb, on a clock of its own), whose reports come back one propagation delay
 * later through the real parser (twcc_parse). Every scenario starts its transport-wide
 * numbers near 65535, so each one crosses the wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/bwe.h"
#include "sfu/layer_pick.h"
#include "sfu/rtx_budget.h"
#include "sfu/rtcp.h"
#include "sfu/twcc_parse.h"
#include "sfu/twccfb.h"

#define MS 1000
#define S 1000000
#define PACKET 1200
#define FLIGHT 8192
#define FB_QUEUE 16

struct in_flight {
    uint16_t seq;
    int64_t at;
};

struct fb_in_flight {
    uint8_t buf[8192];
    size_t len;
    int64_t at;
};

struct sim {
    struct bwe bwe;
    struct twccfb rx;
    int64_t now;
    int64_t rx_offset; /* the subscriber's clock is not ours */
    /* the path */
    double capacity_bps;
    int64_t prop_us;
    int64_t queue_limit;
    int64_t link_free_us; /* when the bottleneck has sent everything queued */
    double loss;          /* random, after the bottleneck */
    double burst_enter, burst_leave, burst_loss; /* Gilbert–Elliott bursts, per ms (0: none) */
    bool in_burst;
    uint64_t rng;
    struct in_flight flight[FLIGHT];
    size_t flight_head, flight_len;
    struct fb_in_flight fb[FB_QUEUE];
    size_t fb_head, fb_len;
    bool duplicate_feedback; /* every report delivered twice */
    bool swap_feedback;      /* every other pair of reports delivered in reverse */
    /* the sender */
    uint16_t next_seq;
    double budget_bits;
    bool probing;
    struct bwe_probe probe;
    int64_t probe_left;
    double media_bps; /* what there is to send outside probes (0: as much as estimated) */
    /* what happened */
    uint64_t sent, lost, dropped, probes;
    int64_t queue_delay_us; /* at the last send */
};

static struct sim sim;
static struct twcc_report report;

static uint64_t next_random(struct sim *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

static double uniform(struct sim *s)
{
    return (double)(next_random(s) >> 11) / (double)(1ull << 53);
}

static void sim_start(struct sim *s, double capacity_bps, const struct bwe_config *cfg)
{
    memset(s, 0, sizeof *s);
    bwe_init(&s->bwe, cfg);
    s->capacity_bps = capacity_bps;
    s->prop_us = 25 * MS;
    s->queue_limit = 64 * 1024;
    s->rx_offset = 36000ll * S + 123456789; /* (twccfb takes a negative time as lost) */
    s->rng = 0x9e3779b97f4a7c15ull;
    s->next_seq = 65000;
}

static bool lost_on_the_way(struct sim *s)
{
    if (s->in_burst && uniform(s) < s->burst_loss)
        return true;
    return uniform(s) < s->loss;
}

/* Bursts come and go with time (a radio fading), not with packets, so a lower rate does
 * not make them last longer. */
static void burst_tick(struct sim *s)
{
    if (s->burst_enter <= 0)
        return;
    if (s->in_burst && uniform(s) < s->burst_leave)
        s->in_burst = false;
    else if (!s->in_burst && uniform(s) < s->burst_enter)
        s->in_burst = true;
}

static void send_packet(struct sim *s, size_t size)
{
    uint16_t seq = s->next_seq++;
    bwe_on_sent(&s->bwe, seq, size, s->now);
    s->sent++;
    int64_t backlog = s->link_free_us > s->now ? s->link_free_us - s->now : 0;
    s->queue_delay_us = backlog;
    if ((double)backlog * s->capacity_bps / 8e6 + (double)size > (double)s->queue_limit) {
        s->dropped++; /* the queue is full: drop-tail */
        return;
    }
    int64_t start = s->link_free_us > s->now ? s->link_free_us : s->now;
    s->link_free_us = start + (int64_t)((double)size * 8e6 / s->capacity_bps);
    if (lost_on_the_way(s)) {
        s->lost++;
        return;
    }
    assert_true(s->flight_len < FLIGHT);
    struct in_flight *f = &s->flight[(s->flight_head + s->flight_len++) % FLIGHT];
    f->seq = seq;
    f->at = s->link_free_us + s->prop_us;
}

/* The sender's pacer: the estimate, or the probe's rate until its bytes have gone. */
static void sender_tick(struct sim *s)
{
    if (!s->probing && bwe_probe_wanted(&s->bwe, s->now, &s->probe)) {
        s->probing = true;
        s->probe_left = s->probe.bytes;
        s->probes++;
    }
    double rate = s->probing ? s->probe.bitrate_bps : bwe_estimate_bps(&s->bwe);
    if (!s->probing && s->media_bps > 0 && rate > s->media_bps)
        rate = s->media_bps;
    s->budget_bits += rate * MS / 1e6;
    if (s->budget_bits > 2 * PACKET * 8)
        s->budget_bits = 2 * PACKET * 8; /* paced: no bursts after an idle spell */
    while (s->budget_bits >= PACKET * 8) {
        send_packet(s, PACKET);
        s->budget_bits -= PACKET * 8;
        if (s->probing && (s->probe_left -= PACKET) <= 0)
            s->probing = false;
    }
}

static void deliver_feedback(struct sim *s, const struct fb_in_flight *f)
{
    struct rtcp_iter it;
    struct rtcp_packet p;
    rtcp_iter_init(&it, f->buf, f->len);
    assert_int_equal(rtcp_iter_next(&it, &p), 1);
    assert_int_equal(twcc_parse(&p, &report), 0);
    bwe_on_feedback(&s->bwe, &report, s->now);
    if (s->duplicate_feedback)
        bwe_on_feedback(&s->bwe, &report, s->now);
}

static void receiver_tick(struct sim *s)
{
    while (s->flight_len && s->flight[s->flight_head].at <= s->now) {
        struct in_flight *f = &s->flight[s->flight_head];
        twccfb_record(&s->rx, f->seq, f->at + s->rx_offset);
        s->flight_head = (s->flight_head + 1) % FLIGHT;
        s->flight_len--;
    }
    struct rtcp_writer w;
    assert_true(s->fb_len < FB_QUEUE);
    struct fb_in_flight *f = &s->fb[(s->fb_head + s->fb_len) % FB_QUEUE];
    rtcp_writer_init(&w, f->buf, sizeof f->buf);
    /* twccfb paces itself on the SFU's monotonic clock; only the arrival times it
     * reports are on the subscriber's own */
    if (twccfb_write(&s->rx, s->now / MS, &w, 1, 2) == 1) {
        f->len = w.len;
        f->at = s->now + s->prop_us;
        s->fb_len++;
    }
    /* the way back is not congested; with swap_feedback each report waits for the next
     * and the two come the wrong way round */
    while (s->fb_len && s->fb[s->fb_head].at <= s->now) {
        size_t first = s->fb_head, second = (first + 1) % FB_QUEUE;
        if (s->swap_feedback) {
            if (s->fb_len < 2 || s->fb[second].at > s->now)
                break;
            deliver_feedback(s, &s->fb[second]);
            deliver_feedback(s, &s->fb[first]);
            s->fb_head = (first + 2) % FB_QUEUE;
            s->fb_len -= 2;
            continue;
        }
        deliver_feedback(s, &s->fb[first]);
        s->fb_head = second;
        s->fb_len--;
    }
}

static void sim_step(struct sim *s)
{
    s->now += MS;
    burst_tick(s);
    sender_tick(s);
    receiver_tick(s);
}

static double estimate(const struct sim *s)
{
    return bwe_estimate_bps(&s->bwe);
}

/* Runs until `until`, printing the estimate every second (ctest shows it on failure). */
static void run_until(struct sim *s, int64_t until)
{
    while (s->now < until) {
        sim_step(s);
        if (s->now % S == 0)
            printf("t=%2llds estimate %7.0f (delay %7.0f loss %7.0f) acked %7u queue %4lld ms "
                   "signal %d probes %llu\n",
                   (long long)(s->now / S), estimate(s), s->bwe.delay_bps, s->bwe.loss_bps,
                   bwe_acked_bps(&s->bwe), (long long)(s->queue_delay_us / MS),
                   (int)bwe_signal(&s->bwe), (unsigned long long)s->probes);
    }
}

/* The mean of the estimate, sampled every 100 ms from `from` to `until`. */
static double mean_estimate(struct sim *s, int64_t from, int64_t until)
{
    run_until(s, from);
    double sum = 0;
    int samples = 0;
    while (s->now < until) {
        run_until(s, s->now + 100 * MS);
        sum += estimate(s);
        samples++;
    }
    return sum / samples;
}

/* ---- scenarios ---- */

/* (a) 2 Mbit/s, steady: within 10 s the estimate is 70–100 % of the capacity, and from
 * then on it spends little time above it (overuse brings it back each time). */
static void steady_capacity(void **state)
{
    (void)state;
    struct sim *s = &sim;
    sim_start(s, 2e6, NULL);
    int64_t converged = -1;
    while (s->now < 10 * S && converged < 0) {
        run_until(s, s->now + 100 * MS);
        if (estimate(s) >= 1.4e6 && estimate(s) <= 2e6)
            converged = s->now;
    }
    assert_true(converged > 0);
    printf("converged at %.1f s\n", (double)converged / S);
    run_until(s, 10 * S);
    int64_t above = 0, samples = 0, streak = 0, longest = 0;
    double sum = 0, low = 1e12, high = 0;
    while (s->now < 40 * S) {
        run_until(s, s->now + 100 * MS);
        samples++;
        sum += estimate(s);
        streak = estimate(s) > 2e6 ? streak + 100 * MS : 0;
        above += streak > 0;
        longest = streak > longest ? streak : longest;
        low = estimate(s) < low ? estimate(s) : low;
        high = estimate(s) > high ? estimate(s) : high;
    }
    double mean = sum / (double)samples;
    printf("10-40 s: mean %.0f, lowest %.0f, highest %.0f, above capacity %lld of %lld "
           "samples, at most %lld ms running\n",
           mean, low, high, (long long)above, (long long)samples, (long long)(longest / MS));
    assert_true(mean >= 1.4e6 && mean <= 2e6); /* 70–100 % */
    assert_true(low >= 1.4e6);
    /* GCC finds the capacity by going a little past it: never more than 10 % over, and
     * never for more than 2 s running (then the queue's growth shows as overuse) */
    assert_true(high <= 2.2e6);
    assert_true(longest <= 2 * S);
    assert_true(above * 3 <= samples);
}

/* (b) 2 Mbit/s → 300 kbit/s: under 360 kbit/s within 2 s; the queue it built drains. */
static void capacity_drop(void **state)
{
    (void)state;
    struct sim *s = &sim;
    sim_start(s, 2e6, NULL);
    run_until(s, 15 * S);
    assert_true(estimate(s) >= 1.4e6);
    s->capacity_bps = 300e3;
    int64_t below = -1;
    while (s->now < 17 * S) {
        run_until(s, s->now + 100 * MS);
        if (below < 0 && estimate(s) < 360e3)
            below = s->now - 15 * S;
    }
    printf("below 360 kbit/s %.1f s after the drop\n", (double)below / S);
    assert_true(below >= 0 && below <= 2 * S);
    int64_t worst = 0, worst_late = 0;
    double sum = 0;
    int samples = 0;
    while (s->now < 40 * S) {
        run_until(s, s->now + 100 * MS);
        worst = s->queue_delay_us > worst ? s->queue_delay_us : worst;
        if (s->now >= 25 * S) {
            worst_late = s->queue_delay_us > worst_late ? s->queue_delay_us : worst_late;
            sum += estimate(s);
            samples++;
        }
    }
    printf("queue at most %lld ms, after 10 s at most %lld ms; estimate 25-40 s mean %.0f\n",
           (long long)(worst / MS), (long long)(worst_late / MS), sum / samples);
    /* the queue filled in the drop (64 KiB is 1.75 s at 300 kbit/s) drains, and stays low:
     * what remains is the sawtooth and the periodic probe (7.2 kB at twice the rate adds
     * about 100 ms at 300 kbit/s) */
    assert_true(worst_late <= 250 * MS);
    assert_true(sum / samples >= 0.7 * 300e3 && sum / samples <= 300e3);
}

/* (c) 300 kbit/s → 2 Mbit/s: back above 1.2 Mbit/s within 15 s (probing finds the room). */
static void capacity_recovery(void **state)
{
    (void)state;
    struct sim *s = &sim;
    sim_start(s, 300e3, NULL);
    run_until(s, 20 * S);
    assert_true(estimate(s) <= 360e3);
    s->capacity_bps = 2e6;
    int64_t above = -1;
    while (s->now < 35 * S && above < 0) {
        run_until(s, s->now + 100 * MS);
        if (estimate(s) > 1.2e6)
            above = s->now - 20 * S;
    }
    printf("above 1.2 Mbit/s %.1f s after the capacity came back\n", (double)above / S);
    assert_true(above >= 0 && above <= 15 * S);
}

/* (d) about 10 % loss at ample capacity, in bursts: 1 % at random, and every 0.8 s on
 * average a fade of 150 ms on average that loses 60 % (Gilbert–Elliott, per millisecond),
 * eight seeds. A loss window (500 ms) with a fade in it cuts the loss-based bound by half
 * its loss; windows without let it grow, and a probe on a calm window lifts it back to what
 * the path carries. The floor: a cut never goes below half of the best rate a clean window
 * delivered (while clean windows keep coming, bwe.c loss_floor), here about 2.3 Mbit/s, so
 * the loss side alone stays above ~1.1 Mbit/s; the delay side may dip lower for a moment
 * (fewer packets arrive in a fade, so fewer are acknowledged). Asserted: the loss did lower
 * the mean, the mean stays above 1.5 Mbit/s, and the estimate never falls under
 * 500 kbit/s, ten times the minimum. */
static void bursty_loss_run(uint64_t seed)
{
    struct sim *s = &sim;
    sim_start(s, 10e6, NULL);
    s->rng ^= seed * 0x2545f4914f6cdd1dull;
    s->loss = 0.01;
    s->burst_enter = 1.0 / 800;
    s->burst_leave = 1.0 / 150;
    s->burst_loss = 0.6;
    double low = 1e12, sum = 0;
    int samples = 0, under = 0;
    while (s->now < 60 * S) {
        run_until(s, s->now + 100 * MS);
        if (s->now >= 5 * S) {
            low = estimate(s) < low ? estimate(s) : low;
            sum += estimate(s);
            under += estimate(s) < 500e3;
            samples++;
        }
    }
    double loss = (double)s->lost / (double)s->sent, mean = sum / samples;
    printf("seed %llu: loss %.3f, estimate lowest %.0f, mean %.0f, under 500 kbit/s %d of %d "
           "samples\n",
           (unsigned long long)seed, loss, low, mean, under, samples);
    assert_true(loss >= 0.07 && loss <= 0.13);
    assert_true(mean < 0.9 * BWE_DEFAULT_MAX_BPS); /* the loss did bring it down … */
    assert_true(mean >= 1.5e6);                    /* … but not for long … */
    assert_true(under == 0);
    assert_true(low >= 500e3); /* … and never far: ten times the minimum */
}

static void bursty_loss(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 8; seed++)
        bursty_loss_run(seed);
}

/* (e) the path stalls for 200 ms once (a delay spike of 200 ms; what was sent meanwhile
 * arrives in a burst after it): the estimate dips, then is back to 80 % of where it was
 * within 6 s, whenever the stall falls between the 5 s probes (four moments tried). */
static void delay_spike_at(int64_t at)
{
    struct sim *s = &sim;
    sim_start(s, 2e6, NULL);
    run_until(s, at);
    double before = estimate(s);
    s->link_free_us = (s->link_free_us > s->now ? s->link_free_us : s->now) + 200 * MS;
    double low = before;
    int64_t back = -1;
    while (s->now < at + 15 * S) {
        run_until(s, s->now + 100 * MS);
        if (estimate(s) < low)
            low = estimate(s);
        if (back < 0 && low < 0.8 * before && estimate(s) >= 0.8 * before)
            back = s->now - at; /* it dipped under 80 %, and is back over */
    }
    printf("stall at %.1f s: before %.0f, lowest %.0f, back to 80 %% after %.1f s\n",
           (double)at / S, before, low, (double)back / S);
    assert_true(low < 0.8 * before);
    assert_true(back >= 0 && back <= 6 * S);
}

static void delay_spike(void **state)
{
    (void)state;
    for (int k = 0; k < 4; k++)
        delay_spike_at(20 * S + k * 1300 * MS);
}

/* (f) duplicated and reordered reports, the wrap, reports about packets never sent and a
 * receiver clock that jumps: nothing breaks, and duplicates change nothing at all. */
static void garbage_feedback(void **state)
{
    (void)state;
    struct sim *s = &sim;
    sim_start(s, 2e6, NULL);
    double clean_mean = mean_estimate(s, 5 * S, 10 * S);
    double clean = estimate(s);
    sim_start(s, 2e6, NULL);
    s->duplicate_feedback = true;
    run_until(s, 10 * S);
    assert_true(estimate(s) == clean);
    /* reordered reports: the later one's packets make the delay groups, the earlier one's
     * only count as received; the estimate follows the path just as well */
    sim_start(s, 2e6, NULL);
    s->swap_feedback = true;
    double swapped_mean = mean_estimate(s, 5 * S, 10 * S);
    printf("5-10 s mean: clean %.0f, reports swapped in pairs %.0f\n", clean_mean, swapped_mean);
    assert_true(swapped_mean >= 0.85 * clean_mean && swapped_mean <= 1.15 * clean_mean);

    /* reports about numbers never sent, all received or all lost, at absurd times */
    struct bwe_config cfg = {0};
    double before = estimate(s);
    report.count = 500;
    for (size_t i = 0; i < report.count; i++) {
        report.packets[i].seq = (uint16_t)(s->next_seq + 1000 + i);
        report.packets[i].received = i % 2;
        report.packets[i].arrival_us = INT64_MAX / 2 - (int64_t)i;
    }
    bwe_on_feedback(&s->bwe, &report, s->now);
    assert_true(estimate(s) == before);
    assert_true(s->bwe.unknown_packets >= 500);
    /* the receiver's clock jumps by an hour (between two reports: one report cannot say a
     * delta over 8 s): the trend restarts, the estimate stays sane */
    s->rx_offset += 3600ll * S;
    run_until(s, 15 * S);
    assert_true(estimate(s) >= 0.5 * clean);
    printf("after the receiver's clock went an hour forward: %.0f\n", estimate(s));
    /* and two hours back: the acknowledged rate is measured afresh, not frozen */
    s->rx_offset -= 7200ll * S;
    run_until(s, 20 * S);
    printf("after it went two hours back: %.0f, acked %u\n", estimate(s), bwe_acked_bps(&s->bwe));
    assert_true(estimate(s) >= 0.5 * clean);
    assert_true(bwe_acked_bps(&s->bwe) >= 0.5 * clean && bwe_acked_bps(&s->bwe) <= 2.1e6);
    /* no transport at all yet: feedback is about nothing */
    struct bwe fresh;
    bwe_init(&fresh, &cfg);
    bwe_on_feedback(&fresh, &report, 0);
    assert_int_equal(bwe_estimate_bps(&fresh), BWE_DEFAULT_START_BPS);
}

/* The configured limits hold whatever happens. */
static void limits(void **state)
{
    (void)state;
    struct sim *s = &sim;
    struct bwe_config cfg = {.min_bps = 100000, .max_bps = 800000, .start_bps = 5000000};
    sim_start(s, 10e6, &cfg);
    assert_int_equal(bwe_estimate_bps(&s->bwe), 800000);
    run_until(s, 10 * S);
    assert_int_equal(bwe_estimate_bps(&s->bwe), 800000);
    s->capacity_bps = 20e3; /* far under the minimum */
    run_until(s, 20 * S);
    assert_int_equal(bwe_estimate_bps(&s->bwe), 100000);
}

/* ---- layer choice ---- */

static void layers_hysteresis(void **state)
{
    (void)state;
    const uint32_t layers[] = {150000, 500000, 1200000};
    struct layer_pick lp = {0};
    assert_int_equal(layer_pick(&lp, layers, 3, 500000, 0), 0);
    /* above 1.2 × 500k: up after two seconds, not before */
    assert_int_equal(layer_pick(&lp, layers, 3, 700000, 1 * S), 0);
    assert_int_equal(layer_pick(&lp, layers, 3, 700000, 2 * S), 0);
    assert_int_equal(layer_pick(&lp, layers, 3, 700000, 3 * S), 1);
    /* a dip below 1.2 × the next restarts the two seconds */
    assert_int_equal(layer_pick(&lp, layers, 3, 1500000, 4 * S), 1);
    assert_int_equal(layer_pick(&lp, layers, 3, 1400000, 5 * S), 1);
    assert_int_equal(layer_pick(&lp, layers, 3, 1500000, 6 * S), 1);
    assert_int_equal(layer_pick(&lp, layers, 3, 1500000, 7 * S), 1);
    assert_int_equal(layer_pick(&lp, layers, 3, 1500000, 8 * S), 2);
    /* down at once below 0.95 × the current, as far as needed */
    assert_int_equal(layer_pick(&lp, layers, 3, 1140000, 8 * S + 1), 2);
    assert_int_equal(layer_pick(&lp, layers, 3, 1139999, 8 * S + 2), 1);
    assert_int_equal(layer_pick(&lp, layers, 3, 2500000, 8 * S + 3), 1);
    assert_int_equal(layer_pick(&lp, layers, 3, 100000, 8 * S + 4), 0);
    /* fewer layers than before: never past the last */
    lp.current = 5;
    assert_int_equal(layer_pick(&lp, layers, 2, 100000, 9 * S), 0);
}

/* The estimate of a drop scenario driving the picker: it goes down within 2 s of the drop
 * and does not flap afterwards. */
static void layers_follow_estimate(void **state)
{
    (void)state;
    const uint32_t layers[] = {150000, 500000, 1200000};
    struct sim *s = &sim;
    struct layer_pick lp = {0};
    sim_start(s, 2e6, NULL);
    size_t layer = 0;
    while (s->now < 15 * S) {
        run_until(s, s->now + 100 * MS);
        layer = layer_pick(&lp, layers, 3, bwe_estimate_bps(&s->bwe), s->now);
    }
    assert_int_equal(layer, 2);
    s->capacity_bps = 300e3;
    int switches = 0;
    size_t last = layer;
    while (s->now < 40 * S) {
        run_until(s, s->now + 100 * MS);
        layer = layer_pick(&lp, layers, 3, bwe_estimate_bps(&s->bwe), s->now);
        if (s->now == 17 * S)
            assert_int_equal(layer, 0);
        switches += layer != last;
        last = layer;
    }
    printf("switches after the drop: %d\n", switches);
    assert_int_equal(layer, 0);
    assert_true(switches <= 2);
}

/* The probe API: the first probe looks at three times the start rate (capped at the
 * maximum), its packets are whatever goes out until its bytes have gone, no second probe
 * while one is out, and one whose feedback never comes is given up after a second. */
static void probe_api(void **state)
{
    (void)state;
    static struct bwe b;
    bwe_init(&b, NULL);
    struct bwe_probe pr;
    assert_true(bwe_probe_wanted(&b, 0, &pr));
    assert_int_equal(pr.bitrate_bps, BWE_DEFAULT_MAX_BPS); /* 3 × 1 Mbit/s, capped */
    assert_true(pr.bytes >= 6 * 1200);
    assert_false(bwe_probe_wanted(&b, 10 * MS, &pr)); /* one at a time */
    int64_t t = 0;
    uint16_t seq = 100;
    for (uint32_t sent = 0; sent < pr.bytes; sent += PACKET) {
        t += 4 * MS; /* 1200 bytes per 4 ms: 2.4 Mbit/s */
        bwe_on_sent(&b, seq++, PACKET, t);
    }
    assert_int_equal(b.probe.packets_sent, (pr.bytes + PACKET - 1) / PACKET);
    bwe_on_sent(&b, seq++, PACKET, t + MS); /* after the probe: media again */
    assert_int_equal(b.sent[(seq - 1) & (BWE_HISTORY - 1)].probe_id, 0);
    /* it all arrives, 4 ms apart: it came through at its rate */
    report.count = 0;
    for (uint16_t q = 100; q < seq; q++) {
        struct twcc_arrival *a = &report.packets[report.count++];
        a->seq = q;
        a->received = true;
        a->arrival_us = 5 * S + (q - 100) * 4 * MS;
    }
    bwe_on_feedback(&b, &report, t + 50 * MS);
    assert_false(b.probe.active);
    printf("probe came through at %u; estimate %u\n", b.probe.last_result_bps,
           bwe_estimate_bps(&b));
    assert_true(b.probe.last_result_bps >= 2.2e6 && b.probe.last_result_bps <= 2.5e6);
    assert_true(bwe_estimate_bps(&b) >= 2.0e6);
    /* a probe whose feedback never comes: given up after a second, then the next one is
     * due only when the 5 s period has passed (the path was not proven calm meanwhile) */
    bwe_init(&b, NULL);
    assert_true(bwe_probe_wanted(&b, 0, &pr));
    assert_false(bwe_probe_wanted(&b, 999 * MS, &pr));
    assert_false(bwe_probe_wanted(&b, 1001 * MS, &pr));
    assert_false(b.probe.active);
    assert_true(bwe_probe_wanted(&b, 5 * S, &pr));
    assert_int_equal(pr.bitrate_bps, 2 * BWE_DEFAULT_START_BPS);
    /* cluster ids go round without ever being 0 (0 marks packets of no probe) */
    b.probe.id = UINT16_MAX;
    b.probe.active = false;
    b.probe.again = true;
    assert_true(bwe_probe_wanted(&b, 10 * S, &pr));
    assert_int_equal(b.probe.id, 1);
    /* no headroom: no probe */
    struct bwe_config cfg = {.max_bps = 1000000};
    bwe_init(&b, &cfg);
    assert_false(bwe_probe_wanted(&b, 0, &pr));
}

/* A subscriber sent a low layer (300 kbit/s) over a 3 Mbit/s path: the estimate may not grow
 * by itself past 1.5 × what is sent, but the probes find the room, and what they found
 * stays, so the layer above can be chosen. */
static void probes_find_room_above_what_is_sent(void **state)
{
    (void)state;
    struct sim *s = &sim;
    sim_start(s, 3e6, NULL);
    s->media_bps = 300e3;
    double low = 1e12;
    while (s->now < 20 * S) {
        run_until(s, s->now + 100 * MS);
        if (s->now >= 8 * S && estimate(s) < low)
            low = estimate(s);
    }
    printf("sending 300 kbit/s over 3 Mbit/s: estimate %u, lowest after 8 s %.0f, probes %llu\n",
           bwe_estimate_bps(&s->bwe), low, (unsigned long long)s->probes);
    assert_true(low >= 1.5e6); /* far above 1.5 × 300 kbit/s + 10 kbit/s */
    assert_true(bwe_estimate_bps(&s->bwe) <= 3e6);
}

/* Real feedback: Chromium's transport-cc reports as the SFU got them in e2e_adapt
 * (tests/unit/data/bwe_chromium_cap300.trace: what was sent, the reports, the round trips
 * and the probes, in order), replayed into a fresh estimator. The link: clean, then capped
 * at 300 kbit/s both ways from about 13 s to about 38 s, then clean. Asserted: clean, the
 * probes lift the estimate above 1.5 Mbit/s; within 8 s of the cap it is under 400 kbit/s
 * and stays between 100 and 400 kbit/s until the lift (the SFU then sent audio and probes
 * only, so it is the link the estimate measures); within 7 s of the lift it is back above
 * 1.5 Mbit/s. Probes are offered where the SFU started them (what went out then was the
 * probe); an estimator tuned otherwise may decline some, which the counts show. */
static void chromium_trace(void **state)
{
    (void)state;
    const char *dir = getenv("CONFIDE_TEST_DATA");
    char path[512];
    snprintf(path, sizeof path, "%s/bwe_chromium_cap300.trace", dir ? dir : "tests/unit/data");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static struct bwe b;
    bwe_init(&b, NULL);
    static char line[65536];
    const int64_t cap_from = 13 * S, cap_to = 38 * S;
    int64_t t = 0, next_print = 0;
    uint32_t clean_best = 0, capped_low = UINT32_MAX, capped_high = 0, lifted_best = 0;
    int64_t under_at = -1;
    size_t probes = 0, offered = 0, feedbacks = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line, *end;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        char kind = *p++;
        if (kind == 'R') {
            bwe_on_rtt(&b, strtoll(p, NULL, 10));
            continue;
        }
        t = strtoll(p, &end, 10);
        p = end;
        if (kind == 'S') {
            unsigned long seq = strtoul(p, &end, 10);
            unsigned long size = strtoul(end, NULL, 10);
            bwe_on_sent(&b, (uint16_t)seq, size, t);
        } else if (kind == 'P') {
            struct bwe_probe pr;
            probes += bwe_probe_wanted(&b, t, &pr);
            offered++;
        } else if (kind == 'F') {
            report.count = 0;
            while (*p == ' ') {
                assert_true(report.count < TWCC_REPORT_MAX);
                struct twcc_arrival *a = &report.packets[report.count++];
                a->seq = (uint16_t)strtoul(p + 1, &end, 10);
                assert_int_equal(*end, ':');
                a->received = end[1] != 'x';
                a->arrival_us = a->received ? strtoll(end + 1, &end, 10) : 0;
                if (!a->received)
                    end += 2;
                p = end;
            }
            bwe_on_feedback(&b, &report, t);
            feedbacks++;
        } else {
            fail_msg("unknown line %s", line);
        }
        uint32_t e = bwe_estimate_bps(&b);
        if (t >= next_print) {
            printf("t=%5.1fs estimate %7u acked %7u\n", t / 1e6, e, bwe_acked_bps(&b));
            next_print = t + 2 * S;
        }
        if (t > 5 * S && t < cap_from && e > clean_best)
            clean_best = e;
        if (t > cap_from && t < cap_from + 8 * S && e < 400000 && under_at < 0)
            under_at = t;
        if (t >= cap_from + 8 * S && t < cap_to) {
            capped_low = e < capped_low ? e : capped_low;
            capped_high = e > capped_high ? e : capped_high;
        }
        if (t >= cap_to && t < cap_to + 7 * S && e > lifted_best)
            lifted_best = e;
    }
    fclose(f);
    printf("%zu reports, %zu of %zu probes taken; clean best %u; under 400 kbit/s %.1f s into the cap; capped "
           "%u–%u; lifted best %u\n",
           feedbacks, probes, offered, clean_best, (under_at - cap_from) / 1e6, capped_low, capped_high,
           lifted_best);
    assert_true(feedbacks > 500 && offered >= 8);
    assert_true(clean_best >= 1500000);
    assert_true(under_at > 0);
    assert_true(capped_low >= 100000 && capped_high <= 400000);
    assert_true(lifted_best >= 1500000);
}

/* Retransmissions within a quarter of the estimate: a congested link gets a trickle, a lone
 * loss is always repaired, and an unknown link is not limited. */
static void rtx_within_budget(void **state)
{
    (void)state;
    struct rtx_budget b = {0};
    /* 300 kbit/s: 9.4 KB/s of repairs, 2,600 bytes deep (the minimum: 250 ms is only 2,344) */
    assert_true(rtx_budget_take(&b, 300000, 1300, 0));
    assert_true(rtx_budget_take(&b, 300000, 1300, 0));
    assert_false(rtx_budget_take(&b, 300000, 1300, 0)); /* a storm of NACKs: refused */
    assert_false(rtx_budget_take(&b, 300000, 1300, 100 * MS)); /* 937 bytes back */
    assert_true(rtx_budget_take(&b, 300000, 1300, 150 * MS));  /* 1,406 */
    /* one second of NACKs for 100 packets a second: about 7 answered, not 100 */
    int answered = 0;
    for (int i = 0; i < 100; i++)
        answered += rtx_budget_take(&b, 300000, 1300, 150 * MS + i * 10 * MS);
    assert_true(answered >= 6 && answered <= 8);
    /* 2 Mbit/s: 62.5 KB/s, 15.6 KB deep */
    struct rtx_budget wide = {0};
    answered = 0;
    for (int i = 0; i < 20; i++)
        answered += rtx_budget_take(&wide, 2000000, 1300, 0);
    assert_int_equal(answered, 12);
    /* the estimate falls: the bucket holds no more than the new depth */
    assert_true(rtx_budget_take(&wide, 2000000, 1300, 1 * S));
    assert_true(rtx_budget_take(&wide, 50000, 1300, 1 * S)); /* 2,600 deep: two packets */
    assert_true(rtx_budget_take(&wide, 50000, 1300, 1 * S));
    assert_false(rtx_budget_take(&wide, 50000, 1300, 1 * S));
    /* no estimate yet: no limit */
    struct rtx_budget unknown = {0};
    for (int i = 0; i < 100; i++)
        assert_true(rtx_budget_take(&unknown, 0, 1300, 0));
}

/* The history holds BWE_HISTORY packets: a report about one older than that, or about a
 * number never sent, is ignored, not mistaken for the packet now in its slot. */
static void history_bounds(void **state)
{
    (void)state;
    static struct bwe b;
    bwe_init(&b, NULL);
    for (uint32_t i = 0; i < BWE_HISTORY + 10; i++)
        bwe_on_sent(&b, (uint16_t)(65000 + i), PACKET, (int64_t)i * MS);
    report.count = 3;
    report.packets[0] = (struct twcc_arrival){.seq = 65000, .received = true, .arrival_us = 1};
    report.packets[1] = (struct twcc_arrival){.seq = 65009, .received = false};
    /* sent before the first one, across the wrap: -1 extended, never sent */
    report.packets[2] = (struct twcc_arrival){.seq = 64999, .received = true, .arrival_us = 2};
    bwe_on_feedback(&b, &report, 3 * S);
    assert_int_equal(b.unknown_packets, 3);
    assert_int_equal(b.window_lost + b.window_received, 0);
    /* the newest is known, across the wrap */
    report.count = 1;
    report.packets[0] =
        (struct twcc_arrival){.seq = (uint16_t)(65000 + BWE_HISTORY + 9), .received = false};
    bwe_on_feedback(&b, &report, 3 * S);
    assert_int_equal(b.window_lost, 1);
    assert_int_equal(bwe_estimate_bps(&b), BWE_DEFAULT_START_BPS);
}

/* The history keeps the low 32 bits of each send time (71.6 minutes of µs) and reads them
 * back against the newest: a call whose clock crosses 2^32 µs, with probes before and after
 * the crossing, estimates exactly as the same call 3,294 s earlier, far from it. */
static void send_clock_wraps(void **state)
{
    (void)state;
    static uint32_t earlier[200];
    struct sim *s = &sim;
    const int64_t shift = 4294 * (int64_t)S; /* 2^32 µs is 0.967 s later */
    assert_true(shift < (1ll << 32) && shift + 2 * S > (1ll << 32));
    for (int run = 0; run < 2; run++) {
        sim_start(s, 2e6, NULL);
        s->now = run ? shift : 1000 * S;
        for (int i = 0; i < 200; i++) {
            run_until(s, s->now + 100 * MS);
            if (run == 0)
                earlier[i] = bwe_estimate_bps(&s->bwe);
            else
                assert_int_equal(bwe_estimate_bps(&s->bwe), earlier[i]);
        }
        assert_true(s->probes >= 2); /* the start's and later ones, across the crossing */
        assert_int_equal(s->bwe.unknown_packets, 0);
    }
    assert_true(earlier[199] >= 1.4e6); /* and it found the link */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steady_capacity),
        cmocka_unit_test(capacity_drop),
        cmocka_unit_test(capacity_recovery),
        cmocka_unit_test(bursty_loss),
        cmocka_unit_test(delay_spike),
        cmocka_unit_test(garbage_feedback),
        cmocka_unit_test(limits),
        cmocka_unit_test(probe_api),
        cmocka_unit_test(rtx_within_budget),
        cmocka_unit_test(chromium_trace),
        cmocka_unit_test(send_clock_wraps),
        cmocka_unit_test(probes_find_room_above_what_is_sent),
        cmocka_unit_test(history_bounds),
        cmocka_unit_test(layers_hysteresis),
        cmocka_unit_test(layers_follow_estimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

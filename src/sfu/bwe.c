#include "sfu/bwe.h"

#include <assert.h>
#include <string.h>

/* Trendline detector (draft-ietf-rmcat-gcc-02 §5.3–5.4, with a least-squares trend in
 * place of the draft's Kalman filter, as deployed GCC does). */
#define SMOOTHING 0.9           /* of the accumulated delay variation */
#define TREND_GAIN 4.0          /* the trend (ms per ms) scaled to compare with ms */
#define TREND_MAX_DELTAS 60     /* the gain grows with evidence up to this many deltas */
#define THRESHOLD_START_MS 12.5 /* §5.4: γ(0) */
#define THRESHOLD_MIN_MS 6.0    /* §5.4: γ kept within [6, 600] ms */
#define THRESHOLD_MAX_MS 600.0
#define THRESHOLD_UP 0.01         /* §5.4 K_u: γ rises slowly towards a larger trend … */
#define THRESHOLD_DOWN 0.04       /* … and falls back faster, so it stays sensitive */
#define THRESHOLD_OUTLIER_MS 15.0 /* §5.4: a trend this far past γ does not move γ */
#define OVERUSE_TIME_US 10000     /* §5.4: overuse only after 10 ms above γ */
#define CLOCK_JUMP_US 3000000     /* a gap this large between groups restarts the trend */

/* AIMD rate control (§5.5). */
#define DECREASE_FACTOR 0.85 /* β: the new rate after overuse, of the acknowledged rate */
#define INCREASE_PER_SECOND 1.08
#define SENT_HEADROOM 1.5      /* §5.5: A_r never above 1.5 × the rate sent */
#define PACKET_BITS (1200 * 8) /* additive increase: about one packet per response time */
#define LINK_SMOOTHING 0.05    /* of the acknowledged rate at decreases */
#define QUEUE_HOLD_US 100000   /* a standing queue above this holds increases … */
#define QUEUE_DRAIN_US 250000  /* … and above this makes decreases deeper */
#define DECREASE_FACTOR_DRAIN 0.7

/* Loss-based control (§6). */
#define LOSS_HIGH 0.10
#define LOSS_LOW 0.02
#define LOSS_GROWTH 1.05
#define LOSS_MIN_PACKETS 20 /* a window needs this many packets to say anything */
#define LOSS_FLOOR_SHARE 0.5
#define LOSS_FLOOR_US 10000000

/* Probing. */
#define PROBE_DURATION_US 40000
#define PROBE_MIN_BYTES (6 * 1200) /* enough packets for an arrival rate */
#define PROBE_MIN_RECEIVED 4
#define PROBE_TIMEOUT_US 1000000
#define PROBE_MARGIN 0.95       /* of the rate the probe came through at */
#define PROBE_CONTINUE 0.7      /* a probe that came through at this share of its rate … */
#define PROBE_FOUND 1.2         /* … and found this much more than we had: go on */
#define RATE_MIN_SPAN_US 150000 /* a rate over less than this is not measured yet */

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static double absolute(double v)
{
    return v < 0 ? -v : v;
}

/* Newton's method: the project links no libm, and this runs once per feedback at most. */
static double square_root(double v)
{
    if (v <= 0)
        return 0;
    double x = v > 1 ? v : 1;
    for (int i = 0; i < 40; i++) {
        double next = 0.5 * (x + v / x);
        if (absolute(next - x) < 1e-9 * x)
            return next;
        x = next;
    }
    return x;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void base_reset(struct bwe_base *q);
static void rate_add(struct bwe_rate *r, int64_t at_us, uint32_t size);

void bwe_init(struct bwe *b, const struct bwe_config *cfg)
{
    memset(b, 0, sizeof *b);
    b->cfg.min_bps = cfg && cfg->min_bps ? cfg->min_bps : BWE_DEFAULT_MIN_BPS;
    b->cfg.max_bps = cfg && cfg->max_bps ? cfg->max_bps : BWE_DEFAULT_MAX_BPS;
    b->cfg.start_bps = cfg && cfg->start_bps ? cfg->start_bps : BWE_DEFAULT_START_BPS;
    if (b->cfg.max_bps < b->cfg.min_bps)
        b->cfg.max_bps = b->cfg.min_bps;
    b->cfg.start_bps = (uint32_t)clamp(b->cfg.start_bps, b->cfg.min_bps, b->cfg.max_bps);
    for (size_t i = 0; i < BWE_HISTORY; i++)
        b->sent[i].reported = BWE_SLOT_EMPTY; /* (number -1 is one sent before 0, across a wrap) */
    b->trend.threshold_ms = THRESHOLD_START_MS;
    b->trend.overuse_since_us = -1;
    b->trend.last_threshold_us = INT64_MIN;
    b->state = BWE_HOLD;
    b->delay_bps = b->cfg.start_bps;
    b->loss_bps = b->cfg.max_bps;
    b->estimate_bps = b->cfg.start_bps;
    b->last_update_us = INT64_MIN;
    b->link_avg_kbps = -1;
    b->link_var = 0.4;
    b->window_start_us = INT64_MIN;
    b->clean_at_us = INT64_MIN;
    b->rtt_us = 100000;
    b->probe.last_us = INT64_MIN;
    base_reset(&b->base);
}

/* ---- the send-side history ---- */

/* The bits of an extended number above its slot index. Numbers within 32,768 of the newest
 * (all rtp_seq_peek gives) that share a slot differ in these by at most 32: 16 bits tell
 * them apart. */
static uint16_t epoch_of(int64_t ext)
{
    _Static_assert((BWE_HISTORY & (BWE_HISTORY - 1)) == 0, "a power of two");
    _Static_assert(sizeof(struct bwe_sent) == 12, "the history stays packed");
    return (uint16_t)((uint64_t)ext / BWE_HISTORY);
}

/* The full send time of a slot: its low 32 bits against the newest send time. */
static int64_t sent_at(const struct bwe *b, const struct bwe_sent *s)
{
    return b->newest_send_us - (int32_t)((uint32_t)b->newest_send_us - s->send_us);
}

void bwe_on_sent(struct bwe *b, uint16_t seq, size_t size, int64_t now_us)
{
    int64_t ext = rtp_seq_unwrap(&b->seq, seq);
    struct bwe_sent *s = &b->sent[(size_t)ext & (BWE_HISTORY - 1)];
    s->epoch = epoch_of(ext);
    s->send_us = (uint32_t)now_us;
    b->newest_send_us = now_us;
    s->size = size > UINT16_MAX ? UINT16_MAX : (uint16_t)size;
    s->reported = 0;
    s->probe_id = 0;
    rate_add(&b->sent_rate, now_us, s->size);
    struct bwe_probe_state *p = &b->probe;
    if (p->active && p->bytes_sent < p->bytes_wanted) {
        /* everything sent while a probe is under way is the probe, media and padding alike */
        s->probe_id = p->id;
        p->bytes_sent += s->size;
        p->packets_sent++;
    }
}

/* The slot of a reported number, or NULL when it was never sent or has been overwritten. */
static struct bwe_sent *sent_of(struct bwe *b, uint16_t seq)
{
    if (!b->seq.started)
        return NULL;
    int64_t ext = rtp_seq_peek(&b->seq, seq);
    struct bwe_sent *s = &b->sent[(size_t)ext & (BWE_HISTORY - 1)];
    return s->reported != BWE_SLOT_EMPTY && s->epoch == epoch_of(ext) ? s : NULL;
}

/* ---- rates: bytes over the last 500 ms, by arrival (acknowledged) or send time ---- */

static size_t bucket_slot(int64_t index)
{
    return (size_t)(((index % BWE_RATE_BUCKETS) + BWE_RATE_BUCKETS) % BWE_RATE_BUCKETS);
}

static void rate_add(struct bwe_rate *r, int64_t at_us, uint32_t size)
{
    int64_t index = floor_div(at_us, BWE_RATE_BUCKET_US);
    int64_t jump = CLOCK_JUMP_US / BWE_RATE_BUCKET_US;
    if (r->started && (index < r->newest - jump || index > r->newest + jump))
        r->started = false; /* the receiver's clock jumped (or a long silence): afresh */
    if (!r->started) {
        memset(r->bucket_bytes, 0, sizeof r->bucket_bytes);
        r->started = true;
        r->newest = r->first = index;
        r->last_us = at_us;
    }
    if (index > r->newest) {
        int64_t from =
            index - r->newest > BWE_RATE_BUCKETS ? index - BWE_RATE_BUCKETS + 1 : r->newest + 1;
        for (int64_t k = from; k <= index; k++)
            r->bucket_bytes[bucket_slot(k)] = 0;
        r->newest = index;
    }
    if (index <= r->newest - BWE_RATE_BUCKETS)
        return; /* older than the window */
    if (index < r->first)
        r->first = index;
    if (at_us > r->last_us)
        r->last_us = at_us;
    r->bucket_bytes[bucket_slot(index)] += size;
}

static void rate_compute(struct bwe_rate *r)
{
    if (!r->started)
        return;
    int64_t oldest = r->newest - BWE_RATE_BUCKETS + 1;
    if (oldest < r->first)
        oldest = r->first;
    /* from the start of the oldest bucket to the last arrival: the newest bucket is
     * partly filled, and counting it whole would understate the rate */
    int64_t span_us = r->last_us - oldest * BWE_RATE_BUCKET_US;
    if (span_us < RATE_MIN_SPAN_US)
        return; /* too little to measure: keep what we had */
    int64_t bytes = 0;
    for (int64_t k = oldest; k <= r->newest; k++)
        bytes += r->bucket_bytes[bucket_slot(k)];
    r->bps = (uint32_t)clamp((double)bytes * 8e6 / (double)span_us, 0, UINT32_MAX);
}

/* ---- delay-based detection (§5) ---- */

/* Least-squares slope of the window: how fast the queueing delay grows (ms per ms). */
static double trend_slope(const struct bwe_trend *t)
{
    double sx = 0, sy = 0;
    for (size_t i = 0; i < t->count; i++) {
        sx += t->x_ms[i];
        sy += t->y_ms[i];
    }
    double mx = sx / (double)t->count, my = sy / (double)t->count;
    double num = 0, den = 0;
    for (size_t i = 0; i < t->count; i++) {
        num += (t->x_ms[i] - mx) * (t->y_ms[i] - my);
        den += (t->x_ms[i] - mx) * (t->x_ms[i] - mx);
    }
    return den > 0 ? num / den : 0;
}

/* §5.4: γ follows |m| so that a path whose delay always wobbles (or a competing TCP flow)
 * does not read as overuse forever, slowly upwards and faster downwards. */
static void adapt_threshold(struct bwe_trend *t, double m, int64_t arrival_us)
{
    if (t->last_threshold_us == INT64_MIN)
        t->last_threshold_us = arrival_us;
    double abs_m = absolute(m);
    if (abs_m > t->threshold_ms + THRESHOLD_OUTLIER_MS) {
        t->last_threshold_us = arrival_us;
        return;
    }
    double k = abs_m < t->threshold_ms ? THRESHOLD_DOWN : THRESHOLD_UP;
    double dt_ms = clamp((double)(arrival_us - t->last_threshold_us) / 1000.0, 0, 100);
    t->threshold_ms += k * (abs_m - t->threshold_ms) * dt_ms;
    t->threshold_ms = clamp(t->threshold_ms, THRESHOLD_MIN_MS, THRESHOLD_MAX_MS);
    t->last_threshold_us = arrival_us;
}

/* §5.4 overuse detector on the modified trend m. */
static void detect(struct bwe_trend *t, double m, int64_t arrival_us)
{
    if (m > t->threshold_ms) {
        if (t->overuse_since_us < 0)
            t->overuse_since_us = arrival_us;
        t->overuse_groups++;
        /* sustained (10 ms, two groups) and not already easing off */
        if (arrival_us - t->overuse_since_us >= OVERUSE_TIME_US && t->overuse_groups > 1 &&
            m >= t->previous_trend)
            t->signal = BWE_OVERUSE;
    } else {
        t->overuse_since_us = -1;
        t->overuse_groups = 0;
        t->signal = m < -t->threshold_ms ? BWE_UNDERUSE : BWE_NORMAL;
    }
    t->previous_trend = m;
    adapt_threshold(t, m, arrival_us);
}

static void trend_reset(struct bwe_trend *t)
{
    double threshold = t->threshold_ms;
    memset(t, 0, sizeof *t);
    t->threshold_ms = threshold;
    t->overuse_since_us = -1;
    t->last_threshold_us = INT64_MIN;
    t->signal = BWE_NORMAL;
}

/* One inter-group delay variation d (§5.3): positive when the second group took longer to
 * cross than the first, i.e. a queue grew between them. */
static void trend_add(struct bwe_trend *t, double d_ms, int64_t arrival_us)
{
    t->deltas++;
    t->accumulated_ms += d_ms;
    t->smoothed_ms = SMOOTHING * t->smoothed_ms + (1 - SMOOTHING) * t->accumulated_ms;
    if (t->count == 0 && t->next == 0)
        t->first_arrival_us = arrival_us;
    t->x_ms[t->next] = (double)(arrival_us - t->first_arrival_us) / 1000.0;
    t->y_ms[t->next] = t->smoothed_ms;
    t->next = (t->next + 1) % BWE_TREND_WINDOW;
    if (t->count < BWE_TREND_WINDOW)
        t->count++;
    if (t->count < BWE_TREND_WINDOW)
        return; /* too few points for a trend: keep the last signal */
    double n = (double)(t->deltas < TREND_MAX_DELTAS ? t->deltas : TREND_MAX_DELTAS);
    detect(t, trend_slope(t) * n * TREND_GAIN, arrival_us);
}

static void compare_groups(struct bwe *b, const struct bwe_group *prev, const struct bwe_group *cur)
{
    int64_t send_delta = cur->send_us - prev->send_us;
    int64_t arrival_delta = cur->arrival_us - prev->arrival_us;
    if (arrival_delta > CLOCK_JUMP_US || arrival_delta - send_delta > CLOCK_JUMP_US ||
        arrival_delta - send_delta < -CLOCK_JUMP_US) {
        trend_reset(&b->trend); /* a pause, or the receiver's clock jumped */
        return;
    }
    if (arrival_delta < 0)
        return; /* reordered across groups: no delay information */
    trend_add(&b->trend, (double)(arrival_delta - send_delta) / 1000.0, cur->arrival_us);
}

/* §5.2: packets sent within BWE_GROUP_US of a group's first form one group, and so do
 * packets that arrive within BWE_GROUP_US of it having caught up on it (a burst released
 * by the network at once, e.g. after a Wi-Fi stall, is one event, not a trend). */
static bool in_group(const struct bwe_group *g, int64_t send_us, int64_t arrival_us)
{
    if (send_us - g->first_send_us <= BWE_GROUP_US)
        return true;
    int64_t arrival_delta = arrival_us - g->arrival_us;
    int64_t send_delta = send_us - g->send_us;
    return arrival_delta >= 0 && arrival_delta <= BWE_GROUP_US && arrival_delta < send_delta;
}

/* ---- the standing queue: one-way delay above the least seen lately ---- */

static void base_reset(struct bwe_base *q)
{
    for (size_t i = 0; i < BWE_BASE_SLOTS; i++)
        q->min_owd_us[i] = INT64_MAX;
    q->started = false;
}

/* One-way delay mixes both clocks, so only its excess over the minimum means anything:
 * that excess is the queue the path holds for us. The minimum is kept per second over
 * BWE_BASE_SLOTS seconds, so that a path whose delay grew for good is learnt again. */
static void base_add(struct bwe_base *q, int64_t owd_us, int64_t now_us)
{
    if (q->started &&
        (owd_us - q->last_owd_us > CLOCK_JUMP_US || owd_us - q->last_owd_us < -CLOCK_JUMP_US))
        base_reset(q); /* the receiver's clock jumped */
    if (!q->started) {
        q->started = true;
        q->slot_start_us = now_us;
        q->slot = 0;
    }
    while (now_us - q->slot_start_us >= 1000000) {
        q->slot = (q->slot + 1) % BWE_BASE_SLOTS;
        q->min_owd_us[q->slot] = INT64_MAX;
        q->slot_start_us += 1000000;
        if (now_us - q->slot_start_us >= (int64_t)BWE_BASE_SLOTS * 1000000)
            q->slot_start_us = now_us; /* a long silence: skip ahead */
    }
    if (owd_us < q->min_owd_us[q->slot])
        q->min_owd_us[q->slot] = owd_us;
    q->last_owd_us = owd_us;
}

static int64_t base_queue_us(const struct bwe_base *q)
{
    if (!q->started)
        return 0;
    int64_t least = INT64_MAX;
    for (size_t i = 0; i < BWE_BASE_SLOTS; i++)
        if (q->min_owd_us[i] < least)
            least = q->min_owd_us[i];
    return q->last_owd_us - least;
}

static void delay_add(struct bwe *b, int64_t send_us, int64_t arrival_us)
{
    struct bwe_group *g = &b->group;
    if (g->open) {
        if (send_us < g->first_send_us)
            return; /* sent before the group being built: reported late, no use now */
        if (in_group(g, send_us, arrival_us)) {
            if (send_us > g->send_us)
                g->send_us = send_us;
            if (arrival_us > g->arrival_us)
                g->arrival_us = arrival_us;
            return;
        }
        if (b->previous_group.open)
            compare_groups(b, &b->previous_group, g);
        b->previous_group = *g;
    }
    g->open = true;
    g->first_send_us = g->send_us = send_us;
    g->arrival_us = arrival_us;
}

/* ---- rate control (§5.5) ---- */

static double link_std_kbps(const struct bwe *b)
{
    return square_root(b->link_var * b->link_avg_kbps);
}

/* The acknowledged rate at a decrease is our best idea of the link's capacity; its mean
 * and spread say whether we are near it (increase additively) or not (multiplicatively). */
static void link_update(struct bwe *b, double acked_bps)
{
    double x = acked_bps / 1000.0;
    if (b->link_avg_kbps >= 0 && x < b->link_avg_kbps - 3 * link_std_kbps(b))
        b->link_avg_kbps = -1; /* well below what it was: the link changed */
    if (b->link_avg_kbps < 0)
        b->link_avg_kbps = x;
    else
        b->link_avg_kbps = (1 - LINK_SMOOTHING) * b->link_avg_kbps + LINK_SMOOTHING * x;
    double norm = b->link_avg_kbps > 1 ? b->link_avg_kbps : 1;
    double e = b->link_avg_kbps - x;
    b->link_var = (1 - LINK_SMOOTHING) * b->link_var + LINK_SMOOTHING * e * e / norm;
    b->link_var = clamp(b->link_var, 0.4, 2.5);
}

static void next_state(struct bwe *b, enum bwe_signal signal)
{
    /* §5.5's table: overuse → decrease; underuse → hold (let the queue drain); normal →
     * increase, except straight after a decrease, which holds once first */
    switch (signal) {
    case BWE_OVERUSE:
        b->state = BWE_DECREASE;
        break;
    case BWE_UNDERUSE:
        b->state = BWE_HOLD;
        break;
    case BWE_NORMAL:
        b->state = b->state == BWE_DECREASE ? BWE_HOLD : BWE_INCREASE;
        break;
    }
}

static void increase(struct bwe *b, double acked, double sent, double dt_s)
{
    if (b->link_avg_kbps >= 0 && acked / 1000.0 > b->link_avg_kbps + 3 * link_std_kbps(b))
        b->link_avg_kbps = -1; /* past where it went wrong before: the link grew */
    double before = b->delay_bps;
    if (b->link_avg_kbps >= 0) {
        double response_s = (b->rtt_us + 100000.0) / 1e6;
        b->delay_bps += PACKET_BITS * dt_s / response_s;
    } else {
        /* 8 %/s compounded per feedback: (1 + 0.08 dt) per step is within 0.3 % of
         * 1.08^dt for the 100 ms steps feedback comes in */
        b->delay_bps *= 1 + (INCREASE_PER_SECOND - 1) * dt_s;
    }
    /* §5.5: no increase far above what we actually send (the draft says receive; with loss
     * that would drag the estimate down with it, which is the loss-based side's job), or
     * an estimate that nothing tests would grow without bound while media sends less. It
     * only stops increases: a rate a probe proved stays, so that a subscriber sent a low
     * layer can be moved up to the layer the probe found room for. */
    double limit = SENT_HEADROOM * sent + 10000;
    if (sent > 0 && b->delay_bps > limit)
        b->delay_bps = before > limit ? before : limit;
}

static void rate_update(struct bwe *b, int64_t now_us)
{
    double dt_s = b->last_update_us == INT64_MIN
                      ? 0
                      : clamp((double)(now_us - b->last_update_us) / 1e6, 0, 1);
    b->last_update_us = now_us;
    next_state(b, b->trend.signal);
    double acked = b->acked.bps;
    int64_t queue_us = base_queue_us(&b->base);
    if (b->state == BWE_DECREASE) {
        /* the trend only sees a queue grow; one already standing (the capacity fell under
         * us) drains at 1 − β of the link's rate, so drain it faster when it is large */
        double beta = queue_us > QUEUE_DRAIN_US ? DECREASE_FACTOR_DRAIN : DECREASE_FACTOR;
        double target = beta * (acked > 0 ? acked : b->delay_bps);
        if (target < b->delay_bps)
            b->delay_bps = target;
        if (acked > 0 && now_us - b->last_decrease_us > (int64_t)b->rtt_us)
            link_update(b, acked);
        b->last_decrease_us = now_us;
    } else if (b->state == BWE_INCREASE && queue_us <= QUEUE_HOLD_US) {
        /* (not while a standing queue is still draining) */
        increase(b, acked, b->sent_rate.bps, dt_s);
    }
    b->delay_bps = clamp(b->delay_bps, b->cfg.min_bps, b->cfg.max_bps);
}

/* ---- loss-based control (§6) ---- */

/* How low a loss cut may go: half of the best the path delivered in a clean window, while
 * clean windows keep coming. A path that carried R without loss a few seconds ago and shows no
 * queue has not lost half its capacity; loss beyond that is the radio, not congestion, and cutting
 * further only starves the call (a real capacity drop builds a queue, which the delay-based side
 * answers on its own). Past LOSS_FLOOR_US without a clean window the floor lapses, so a policer
 * that drops without queueing is still found. */
static double loss_floor(const struct bwe *b, int64_t now_us)
{
    if (b->clean_at_us == INT64_MIN || now_us - b->clean_at_us > LOSS_FLOOR_US)
        return 0;
    return LOSS_FLOOR_SHARE * b->clean_acked_bps;
}

/* §6, once per window of at least BWE_LOSS_WINDOW_US and LOSS_MIN_PACKETS packets. */
static void loss_update(struct bwe *b, int64_t now_us)
{
    if (b->window_start_us == INT64_MIN)
        b->window_start_us = now_us;
    uint32_t total = b->window_lost + b->window_received;
    if (now_us - b->window_start_us < BWE_LOSS_WINDOW_US || total < LOSS_MIN_PACKETS)
        return;
    double p = (double)b->window_lost / total;
    b->last_loss = p;
    if (p > LOSS_HIGH) {
        double cut = b->estimate_bps * (1 - 0.5 * p), floor = loss_floor(b, now_us);
        if (cut < floor)
            cut = floor < b->loss_bps ? floor : b->loss_bps; /* never up by a cut */
        b->loss_bps = cut;
    } else if (p < LOSS_LOW) {
        /* no loss to speak of: stay out of the delay-based side's way */
        double from = b->loss_bps > b->estimate_bps ? b->loss_bps : b->estimate_bps;
        b->loss_bps = LOSS_GROWTH * from;
        /* the best clean rate while clean windows keep coming: a cut that went too far
         * must not lower the floor for the next one */
        bool fresh = b->clean_at_us != INT64_MIN && now_us - b->clean_at_us <= LOSS_FLOOR_US;
        if (!fresh || b->acked.bps > b->clean_acked_bps)
            b->clean_acked_bps = b->acked.bps;
        b->clean_at_us = now_us;
    }
    /* between the two: hold; losses this low are noise, not the link's limit */
    b->loss_bps = clamp(b->loss_bps, b->cfg.min_bps, b->cfg.max_bps);
    b->window_lost = b->window_received = 0;
    b->window_start_us = now_us;
}

/* ---- probing ---- */

static void probe_received(struct bwe_probe_state *p, const struct bwe_sent *s, int64_t send_us,
                           int64_t arrival_us)
{
    /* reports come in sequence order, which is send order */
    if (p->packets_received == 0) {
        p->first_send_us = send_us;
        p->first_arrival_us = p->last_arrival_us = arrival_us;
        p->first_arrival_size = s->size;
    }
    p->last_send_us = send_us;
    p->last_send_size = s->size;
    if (arrival_us < p->first_arrival_us) {
        p->first_arrival_us = arrival_us;
        p->first_arrival_size = s->size;
    }
    if (arrival_us > p->last_arrival_us)
        p->last_arrival_us = arrival_us;
    p->bytes_received += s->size;
    p->packets_received++;
}

/* The cluster is all reported (or given up on): the rate it crossed the path at is the
 * lesser of how fast it was sent and how fast it arrived (a bottleneck spaces it out). */
static void probe_judge(struct bwe *b, int64_t now_us)
{
    struct bwe_probe_state *p = &b->probe;
    if (!p->active || p->bytes_sent < p->bytes_wanted)
        return;
    if (p->packets_reported < p->packets_sent && now_us - p->started_us < PROBE_TIMEOUT_US)
        return;
    p->active = false;
    p->again = false;
    if (p->packets_received < PROBE_MIN_RECEIVED || p->last_send_us <= p->first_send_us ||
        p->last_arrival_us <= p->first_arrival_us)
        return;
    double send_bps = (double)(p->bytes_received - p->last_send_size) * 8e6 /
                      (double)(p->last_send_us - p->first_send_us);
    double recv_bps = (double)(p->bytes_received - p->first_arrival_size) * 8e6 /
                      (double)(p->last_arrival_us - p->first_arrival_us);
    double through = send_bps < recv_bps ? send_bps : recv_bps;
    p->last_result_bps = (uint32_t)clamp(through, 0, UINT32_MAX);
    double result = clamp(PROBE_MARGIN * through, b->cfg.min_bps, b->cfg.max_bps);
    /* a probe that came through at nearly its rate and found clearly more room than we
     * had may find more still: probe again at once; otherwise wait for the next period */
    p->again = through >= PROBE_CONTINUE * p->bitrate && result >= PROBE_FOUND * b->delay_bps;
    /* probes go only on a path without loss: the loss bound must not hold this back */
    if (b->loss_bps < result)
        b->loss_bps = result;
    if (result > b->delay_bps) {
        b->delay_bps = result;
        if (b->link_avg_kbps >= 0 && result / 1000 > b->link_avg_kbps + 3 * link_std_kbps(b))
            b->link_avg_kbps = -1; /* the link is not where we thought: it grew */
    }
}

static void update_estimate(struct bwe *b)
{
    assert(b->cfg.min_bps <= b->cfg.max_bps);
    double e = b->delay_bps < b->loss_bps ? b->delay_bps : b->loss_bps;
    b->estimate_bps = clamp(e, b->cfg.min_bps, b->cfg.max_bps);
}

bool bwe_probe_wanted(struct bwe *b, int64_t now_us, struct bwe_probe *out)
{
    struct bwe_probe_state *p = &b->probe;
    if (p->active) {
        if (now_us - p->started_us < PROBE_TIMEOUT_US)
            return false;
        p->active = false; /* its feedback never came */
        p->again = false;
    }
    double e = b->estimate_bps, max = b->cfg.max_bps;
    if (e >= 0.95 * max)
        return false; /* no headroom to look for */
    double rate;
    if (p->last_us == INT64_MIN)
        rate = 3 * e; /* at the start: the start rate is a guess */
    else if (p->again)
        rate = 2 * e; /* the last probe got through: look higher straight away */
    else if (now_us - p->last_us >= BWE_PROBE_INTERVAL_US && b->trend.signal == BWE_NORMAL &&
             b->state != BWE_DECREASE && b->last_loss < LOSS_LOW)
        rate = 2 * e; /* the path is calm: check now and then whether it grew */
    else
        return false;
    rate = clamp(rate, 0, max);
    uint32_t bytes = (uint32_t)(rate * PROBE_DURATION_US / 8e6);
    if (bytes < PROBE_MIN_BYTES)
        bytes = PROBE_MIN_BYTES;
    if (++p->id == 0)
        p->id = 1; /* 0 marks packets of no probe */
    p->active = true;
    p->again = false;
    p->bitrate = (uint32_t)rate;
    p->bytes_wanted = bytes;
    p->bytes_sent = p->packets_sent = p->packets_reported = p->packets_received = 0;
    p->bytes_received = 0;
    p->started_us = p->last_us = now_us;
    out->bitrate_bps = p->bitrate;
    out->bytes = bytes;
    return true;
}

/* ---- feedback ---- */

/* Returns whether the report told us something new about the packet. */
static bool on_report(struct bwe *b, const struct twcc_arrival *a)
{
    struct bwe_sent *s = sent_of(b, a->seq);
    if (!s) {
        b->unknown_packets++;
        return false;
    }
    if (s->reported == 2 || (s->reported == 1 && !a->received))
        return false; /* reported before: the first report said it all */
    bool probe = s->probe_id && s->probe_id == b->probe.id && b->probe.active;
    if (s->reported == 0 && probe)
        b->probe.packets_reported++;
    if (!a->received) {
        b->window_lost++;
        s->reported = 1;
        return true;
    }
    if (s->reported == 1 && b->window_lost > 0)
        b->window_lost--; /* reported lost before, arrived after all */
    s->reported = 2;
    b->window_received++;
    rate_add(&b->acked, a->arrival_us, s->size);
    int64_t send_us = sent_at(b, s);
    if (probe)
        probe_received(&b->probe, s, send_us, a->arrival_us);
    base_add(&b->base, a->arrival_us - send_us, b->feedback_now_us);
    delay_add(b, send_us, a->arrival_us);
    return true;
}

void bwe_on_feedback(struct bwe *b, const struct twcc_report *fb, int64_t now_us)
{
    assert(fb->count <= TWCC_REPORT_MAX);
    b->feedback_seen++;
    b->feedback_now_us = now_us;
    size_t news = 0;
    for (size_t i = 0; i < fb->count; i++)
        news += on_report(b, &fb->packets[i]);
    if (news == 0)
        return; /* a repeat, or about packets we do not know: nothing to act on */
    rate_compute(&b->acked);
    rate_compute(&b->sent_rate);
    rate_update(b, now_us);
    probe_judge(b, now_us);
    update_estimate(b);
    loss_update(b, now_us);
    update_estimate(b);
}

void bwe_on_rtt(struct bwe *b, int64_t rtt_us)
{
    b->rtt_us = clamp((double)rtt_us, 1000, 10000000);
}

uint32_t bwe_estimate_bps(const struct bwe *b)
{
    return (uint32_t)b->estimate_bps;
}

enum bwe_signal bwe_signal(const struct bwe *b)
{
    return b->trend.signal;
}

uint32_t bwe_acked_bps(const struct bwe *b)
{
    return b->acked.bps;
}

int64_t bwe_queue_us(const struct bwe *b)
{
    return base_queue_us(&b->base);
}

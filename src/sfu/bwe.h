/* bwe: send-side bandwidth estimation for one subscribe transport, sans-I/O, in the spirit
 * of Google congestion control (draft-ietf-rmcat-gcc-02). The SFU numbers every packet it
 * sends a subscriber with a transport-wide sequence number (bwe_on_sent); the subscriber's
 * browser reports when each arrived (transport-cc feedback, twcc_parse.h, bwe_on_feedback).
 * From that:
 *
 * - delay-based (§5): packets sent within BWE_GROUP_US of each other form a group; the
 *   change in one-way delay between groups is smoothed and its trend fitted by least
 *   squares over the last BWE_TREND_WINDOW groups; the trend, against a threshold that
 *   adapts to it, says overuse (a queue is growing), underuse (one is draining) or normal.
 * - rate control (§5.5): AIMD on that signal. Overuse: 0.85 × the rate the subscriber
 *   acknowledged receiving; normal: up by 8 %/s while the link's capacity is unknown,
 *   additively (about a packet per round trip) near the rate where it last went wrong,
 *   no increase past 1.5 × what we send (a probe's finding stays); underuse: hold, while
 *   the queue drains. Beyond the draft: the queue standing above the least one-way delay
 *   of the last 30 s holds increases (over 100 ms) and deepens decreases to 0.7 (over
 *   250 ms), because the trend sees a queue grow, not one already there after the
 *   capacity fell.
 * - loss-based (§6): over windows of at least BWE_LOSS_WINDOW_US, more than 10 % lost cuts
 *   the estimate by half the loss fraction; under 2 % lets it grow 5 % a window. Beyond
 *   the draft: a cut goes no lower than half the best rate a loss-free window delivered in
 *   the last 10 s, so a lossy radio does not starve the call (a capacity drop builds a
 *   queue, which the delay side answers).
 * - probing: now and then (at the start, every 5 s on a calm path, and again at once while
 *   probes keep finding room) the caller sends a short burst at twice the estimate (media
 *   plus RTX or padding); the rate at which it arrives is what the path can carry, which
 *   lifts the estimate at once instead of 8 % a second.
 *
 * The estimate is min(delay-based, loss-based) within [min_bps, max_bps]. Time is passed
 * in (µs, the SFU's clock for sending; feedback arrival times are on the subscriber's clock
 * and only their differences are used). No allocation: everything is in the struct. */
#ifndef CONFIDE_SFU_BWE_H
#define CONFIDE_SFU_BWE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sfu/rtp.h"
#include "sfu/twcc_parse.h"

#define BWE_HISTORY 2048         /* sent packets awaiting feedback (a power of two) */
#define BWE_GROUP_US 5000        /* §5.2: a burst the sender sent at once */
#define BWE_TREND_WINDOW 20      /* groups the delay trend is fitted over */
#define BWE_RATE_BUCKETS 10      /* acknowledged and sent rates: 10 buckets … */
#define BWE_RATE_BUCKET_US 50000 /* … of 50 ms, a 500 ms window */
#define BWE_LOSS_WINDOW_US 500000
#define BWE_PROBE_INTERVAL_US 5000000
#define BWE_BASE_SLOTS 30 /* seconds the empty-queue delay is remembered */

#define BWE_DEFAULT_MIN_BPS 50000
#define BWE_DEFAULT_MAX_BPS 2500000
#define BWE_DEFAULT_START_BPS 1000000

enum bwe_signal { BWE_NORMAL, BWE_OVERUSE, BWE_UNDERUSE };
enum bwe_rate_state { BWE_HOLD, BWE_INCREASE, BWE_DECREASE };

struct bwe_config {
    uint32_t min_bps, max_bps, start_bps; /* 0: the defaults above */
};

/* One sent packet, by extended transport-wide sequence number, in 12 bytes: the history
 * is most of the struct and there is one per subscriber. The slot index is the number's
 * low bits, so the slot keeps only the bits above them (reports are about numbers within
 * 32,768 of the newest, 16 histories at most). The send time keeps its low 32 bits, read
 * back against the newest send time: exact for packets sent within the last 35 minutes. */
struct bwe_sent {
    uint32_t send_us;  /* low 32 bits */
    uint16_t epoch;    /* the extended number's bits above the slot index */
    uint16_t size;     /* the UDP payload, capped at 65,535 */
    uint16_t probe_id; /* the probe cluster it was part of (0: none) */
    uint8_t reported;  /* BWE_SLOT_EMPTY, or 0 not yet, 1 lost, 2 received */
};
#define BWE_SLOT_EMPTY 3

/* A group of packets sent in one burst (§5.2): its last send and last arrival. */
struct bwe_group {
    int64_t first_send_us, send_us, arrival_us;
    bool open;
};

/* The trendline over (arrival time, smoothed accumulated delay variation). */
struct bwe_trend {
    double accumulated_ms, smoothed_ms;
    double x_ms[BWE_TREND_WINDOW], y_ms[BWE_TREND_WINDOW];
    size_t count, next; /* samples held, where the next goes */
    int64_t first_arrival_us;
    uint64_t deltas; /* group deltas seen, for the trend's gain */
    double threshold_ms;
    int64_t last_threshold_us;
    double previous_trend;
    int64_t overuse_since_us; /* -1: not above the threshold */
    uint32_t overuse_groups;
    enum bwe_signal signal;
};

/* Bytes by time over the last BWE_RATE_BUCKETS buckets: received bytes by arrival time
 * (the acknowledged bitrate), sent bytes by send time (what we actually send). */
struct bwe_rate {
    int64_t bucket_bytes[BWE_RATE_BUCKETS];
    int64_t newest;  /* index (time / BWE_RATE_BUCKET_US) of the newest bucket */
    int64_t first;   /* of the first bucket ever filled */
    int64_t last_us; /* the latest time counted */
    bool started;
    uint32_t bps; /* 0: not measured yet */
};

/* The least one-way delay (receiver's arrival minus our send time) per second, over the
 * last BWE_BASE_SLOTS seconds: the path's delay with an empty queue. */
struct bwe_base {
    int64_t min_owd_us[BWE_BASE_SLOTS];
    size_t slot;
    int64_t slot_start_us;
    int64_t last_owd_us;
    bool started;
};

/* The probe cluster in flight, and what came back of it. */
struct bwe_probe_state {
    bool active;      /* asked for, not yet judged */
    uint16_t id;      /* of the cluster in flight (never 0) */
    uint32_t bitrate; /* asked for */
    uint32_t bytes_wanted, bytes_sent;
    uint32_t packets_sent, packets_reported;
    int64_t started_us;
    int64_t first_send_us, last_send_us, first_arrival_us, last_arrival_us;
    uint32_t first_arrival_size, last_send_size;
    uint64_t bytes_received;
    uint32_t packets_received;
    uint32_t last_result_bps; /* what the last judged cluster came through at */
    bool again;               /* the last cluster came back near its rate: go higher now */
    int64_t last_us;          /* when the last cluster was asked for */
};

struct bwe {
    struct bwe_config cfg;
    struct rtp_seq seq;
    int64_t newest_send_us; /* of the last packet sent: the sent times' upper bits */
    struct bwe_sent sent[BWE_HISTORY];

    struct bwe_group group, previous_group;
    struct bwe_trend trend;
    struct bwe_rate acked, sent_rate;
    struct bwe_base base;
    int64_t feedback_now_us; /* the report being read arrived at */

    /* rate control (§5.5) */
    enum bwe_rate_state state;
    double delay_bps; /* A_r: the delay-based estimate */
    int64_t last_update_us;
    int64_t last_decrease_us;
    double link_avg_kbps, link_var; /* acknowledged rate at past decreases (-1: unknown) */

    /* loss-based (§6) */
    double loss_bps; /* A_s */
    uint32_t window_lost, window_received;
    int64_t window_start_us;
    double last_loss;       /* fraction, over the last complete window */
    double clean_acked_bps; /* the best acknowledged rate of loss-free windows … */
    int64_t clean_at_us;    /* … the last of which ended then (INT64_MIN: none yet) */

    double estimate_bps;
    double rtt_us;
    struct bwe_probe_state probe;
    uint64_t feedback_seen, unknown_packets;
};

/* A probe: send `bytes` in all at `bitrate_bps`; media sent meanwhile counts, RTX or
 * padding fills the rest. */
struct bwe_probe {
    uint32_t bitrate_bps;
    uint32_t bytes;
};

/* cfg may be NULL (defaults). The struct is about 26 KB (mostly the history): keep it with the
 * transport, not on the stack. */
void bwe_init(struct bwe *b, const struct bwe_config *cfg);
/* A packet left with transport-wide sequence number seq: size is the whole UDP payload. */
void bwe_on_sent(struct bwe *b, uint16_t seq, size_t size, int64_t now_us);
/* A transport-cc report from the subscriber. */
void bwe_on_feedback(struct bwe *b, const struct twcc_report *fb, int64_t now_us);
/* The round-trip time, when the caller knows it (RTCP RR's LSR/DLSR); 100 ms until then. */
void bwe_on_rtt(struct bwe *b, int64_t rtt_us);
uint32_t bwe_estimate_bps(const struct bwe *b);
/* true with *out filled when a probe is due now; it counts as asked for (the next packets
 * bwe_on_sent sees belong to it until out->bytes have gone). */
bool bwe_probe_wanted(struct bwe *b, int64_t now_us, struct bwe_probe *out);
/* For tests and metrics. */
enum bwe_signal bwe_signal(const struct bwe *b);
uint32_t bwe_acked_bps(const struct bwe *b);
/* The queue the path holds for us, as the one-way delay shows it. */
int64_t bwe_queue_us(const struct bwe *b);

#endif

/* router_layers: the router's simulcast choices (router.h): the layers' measured bitrates,
 * each subscriber's layer per video track or its pause (simulcast.h decides), and which
 * layers each publisher still has to send. Runs on the router's timer and when a subscribe
 * transport comes up, never per packet. Part of the router, sharing its state through
 * router_internal.h. */
#include <assert.h>
#include <stdlib.h>

#include "sfu/router_internal.h"

void router_views_free(struct room *rm)
{
    free(rm->views);
    rm->views = NULL;
    rm->view_count = rm->view_cap = 0;
}

static const struct view *view_find(const struct room *rm, uint32_t subscriber, uint32_t publisher)
{
    for (size_t i = 0; i < rm->view_count; i++)
        if (rm->views[i].subscriber == subscriber && rm->views[i].publisher == publisher)
            return &rm->views[i];
    return NULL;
}

/* Layers a publisher has sent so far: up to the highest seen (one that never came, a
 * browser sending fewer than offered, is never waited for). */
static size_t layers_seen(const struct router_port *pub)
{
    size_t n = 1;
    for (size_t l = 0; l < pub->layer_count; l++)
        if (pub->src[SRC_VIDEO(l)].ssrc)
            n = l + 1;
    return n;
}

static void fill_input(const struct room *rm, const struct router_port *sub,
                       const struct router_port *pub, int64_t now, struct simulcast_track *sc)
{
    sc->layer_count = layers_seen(pub);
    for (size_t l = 0; l < sc->layer_count; l++) {
        const struct source *s = &pub->src[SRC_VIDEO(l)];
        /* switched on and nothing comes: the publisher's browser dropped it (its own
         * bandwidth or CPU), so a track on it would freeze and one waiting for it would
         * wait in vain. Soon once it came and stopped (frames come many times a second);
         * after a while when it never came since switched on (the encoder starts). One we
         * switched off is not missing: it comes back when asked. */
        bool on = pub->layers_told >> l & 1;
        bool came = s->last_at_ms > pub->layer_on_at_ms[l];
        bool missing = !s->ssrc ||
                       (on && (came ? now - s->last_at_ms > ROUTER_LAYER_STALL_MS
                                    : now - pub->layer_on_at_ms[l] > ROUTER_LAYER_MISSING_MS));
        sc->layers[l] = (struct simulcast_layer){
            .bitrate_bps = s->bitrate_bps,
            .width = s->width,
            .height = s->height,
            .missing = missing,
        };
    }
    const struct view *v = view_find(rm, sub->participant, pub->participant);
    sc->tile_width = v ? v->width : 0;
    sc->tile_height = v ? v->height : 0;
    sc->speaker = rm->speaker == pub->participant;
}

/* What the choice may spend on this subscriber: their estimate once their feedback has
 * acknowledged something, bwe's starting value before. The estimate can be taken at its
 * word because the router probes (send_probe in router.c): without probes it could not rise
 * above 1.5 × what is sent, and a paused video or a low layer would keep it low for good. */
static uint32_t usable_estimate(const struct router_port *sub)
{
    const struct bwe *b = sub->bwe;
    if (!b)
        return BWE_DEFAULT_START_BPS;
    return bwe_acked_bps(b) > 0 ? bwe_estimate_bps(b) : b->cfg.start_bps;
}

void router_layers_decide(struct router *r, struct router_port *sub, int64_t now,
                          const struct router_sink *sink)
{
    assert(!sub->publisher);
    struct room *rm = sub->room;
    struct simulcast_track sc[ROUTER_MAX_TRACKS];
    struct track *video[ROUTER_MAX_TRACKS];
    size_t n = 0, audio = 0;
    for (size_t i = 0; i < sub->track_count; i++) {
        struct track *t = &sub->tracks[i];
        if (t->t.publisher == sub->participant)
            continue;
        struct router_port *pub = router_publisher_of(rm, t->t.publisher);
        if (!pub)
            continue;
        if (t->t.kind == ROUTER_AUDIO) {
            audio++;
            continue;
        }
        sc[n] = t->sc;
        fill_input(rm, sub, pub, now, &sc[n]);
        video[n++] = t;
    }
    if (n == 0)
        return;
    uint32_t estimate = usable_estimate(sub);
    bool measured = sub->bwe && bwe_acked_bps(sub->bwe) > 0;
    simulcast_decide(sc, n, estimate, measured, audio, now * 1000);
    for (size_t i = 0; i < n; i++) {
        struct track *t = video[i];
        t->sc = sc[i];
        int old = t->target, want = sc[i].layer;
        if (want == old)
            continue;
        t->target = want;
        if (want == SIMULCAST_PAUSED || old == SIMULCAST_PAUSED) {
            bool paused = want == SIMULCAST_PAUSED;
            if (paused)
                r->stats.video_pauses++;
            else
                r->stats.video_resumes++;
            /* back at a keyframe, numbered on from where it stopped */
            t->resync = true;
            if (sink->video_paused)
                sink->video_paused(sink->arg, rm->id, sub->participant, t->t.publisher, paused);
        }
        if (want != SIMULCAST_PAUSED && (!t->started || want != t->layer)) {
            if (t->started)
                r->stats.layer_switch_waits++;
            router_request_keyframe(r, rm, t->t.publisher, want, now, sink);
        }
    }
}

/* Each layer's bitrate over the last window, smoothed (a keyframe is a burst). A window
 * with nothing keeps the last value: a layer switched off costs what it did when on. */
static void measure(struct room *rm, int64_t now)
{
    int64_t elapsed = now - rm->rate_at_ms;
    rm->rate_at_ms = now;
    if (elapsed <= 0)
        return;
    for (struct router_port *p = rm->ports; p; p = p->next) {
        for (size_t l = 0; p->publisher && l < p->layer_count; l++) {
            struct source *s = &p->src[SRC_VIDEO(l)];
            uint64_t bps = s->rate_bytes * 8 * 1000 / (uint64_t)elapsed;
            s->rate_bytes = 0;
            if (bps > UINT32_MAX)
                bps = UINT32_MAX;
            /* a layer that stopped (switched off) keeps what it cost while it came */
            if (bps)
                s->bitrate_bps = s->bitrate_bps ? (uint32_t)((3ull * s->bitrate_bps + bps) / 4)
                                                : (uint32_t)bps;
        }
    }
}

/* The layers anyone receives or waits for, per simulcast publisher; told on a change. */
static void activity(struct router *r, struct room *rm, int64_t now,
                     const struct router_sink *sink)
{
    for (struct router_port *pub = rm->ports; pub; pub = pub->next) {
        if (!pub->publisher || pub->layer_count < 2)
            continue;
        unsigned active = 1; /* the lowest always: a new subscriber starts at once */
        /* and every layer not seen yet: one switched off before it ever came would never
         * be known to exist (a browser may send fewer layers than it offered) */
        for (size_t l = 0; l < pub->layer_count; l++)
            if (!pub->src[SRC_VIDEO(l)].ssrc)
                active |= 1u << l;
        for (struct router_port *sub = rm->ports; sub; sub = sub->next) {
            for (size_t i = 0; !sub->publisher && i < sub->track_count; i++) {
                const struct track *t = &sub->tracks[i];
                if (t->t.publisher != pub->participant || t->t.kind != ROUTER_VIDEO ||
                    t->target == SIMULCAST_PAUSED || sub->participant == pub->participant)
                    continue;
                active |= 1u << t->target;
                if (t->started)
                    active |= 1u << t->layer;
            }
        }
        active &= (1u << pub->layer_count) - 1;
        if (active == pub->layers_told)
            continue;
        for (size_t l = 0; l < pub->layer_count; l++)
            if ((active & ~pub->layers_told) >> l & 1)
                pub->layer_on_at_ms[l] = now;
        pub->layers_told = active;
        r->stats.layer_changes++;
        if (sink->layers)
            sink->layers(sink->arg, rm->id, pub->participant, active);
    }
}

void router_layers_tick(struct router *r, struct room *rm, int64_t now,
                        const struct router_sink *sink)
{
    if (now - rm->rate_at_ms >= ROUTER_RATE_WINDOW_MS)
        measure(rm, now);
    if (now - rm->layers_at_ms < SIMULCAST_INTERVAL_MS)
        return;
    rm->layers_at_ms = now;
    for (struct router_port *p = rm->ports; p; p = p->next)
        if (!p->publisher)
            router_layers_decide(r, p, now, sink);
    activity(r, rm, now, sink);
}

#include "live/media.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "sfu/dtls.h"
#include "sfu/worker.h"

struct pin {
    uint64_t room;
    size_t worker;
};

struct live_media {
    struct dtls_identity *identity;
    struct worker **workers;
    size_t worker_count;
    size_t *rooms_per_worker;
    struct media_local *locals; /* per worker: its port, the shared addresses */
    const char *more_ips[CONFIG_MEDIA_ADDRESSES];
    char fingerprint_alg[16];
    struct pin *pins;
    size_t pin_count, pin_cap;
    struct media_counters n;
};

/* ---- rooms and workers ---- */

static struct pin *pin_find(struct live_media *m, uint64_t room)
{
    for (size_t i = 0; i < m->pin_count; i++)
        if (m->pins[i].room == room)
            return &m->pins[i];
    return NULL;
}

const struct media_local *live_media_pin(struct live_media *m, uint64_t room)
{
    struct pin *p = pin_find(m, room);
    if (!p) {
        size_t best = 0; /* the least busy worker takes the room */
        for (size_t i = 1; i < m->worker_count; i++)
            if (m->rooms_per_worker[i] < m->rooms_per_worker[best])
                best = i;
        m->rooms_per_worker[best]++;
        if (m->pin_count == m->pin_cap) {
            m->pin_cap = m->pin_cap ? 2 * m->pin_cap : 8;
            m->pins = xrealloc(m->pins, m->pin_cap * sizeof *m->pins);
        }
        p = &m->pins[m->pin_count++];
        *p = (struct pin){room, best};
    }
    return &m->locals[p->worker];
}

void live_media_unpin(struct live_media *m, uint64_t room)
{
    struct pin *p = pin_find(m, room);
    if (!p)
        return;
    assert(m->rooms_per_worker[p->worker] > 0);
    m->rooms_per_worker[p->worker]--;
    *p = m->pins[--m->pin_count];
}

void live_media_ports(const struct live_media *m, uint16_t *first, uint16_t *last)
{
    assert(m->worker_count > 0);
    *first = *last = m->locals[0].port;
    for (size_t i = 1; i < m->worker_count; i++) {
        if (m->locals[i].port < *first)
            *first = m->locals[i].port;
        if (m->locals[i].port > *last)
            *last = m->locals[i].port;
    }
}

struct media_counters *live_media_counters(struct live_media *m)
{
    return &m->n;
}

void live_media_apply(struct live_media *m, uint64_t room, const struct live_media_cmd *cmds,
                      size_t count)
{
    struct pin *p = pin_find(m, room);
    assert(p || count == 0);
    if (!p)
        return;
    struct worker *w = m->workers[p->worker];
    for (size_t i = 0; i < count; i++) {
        const struct live_media_cmd *c = &cmds[i];
        switch (c->op) {
        case LIVE_MEDIA_ADD_PEER: {
            struct worker_peer_params wp = {
                .peer_id = c->peer_id,
                .room_id = room,
                .participant = (uint32_t)c->participant,
                .role = c->publish ? WORKER_PUBLISH : WORKER_SUBSCRIBE,
                .publish = c->publish ? &c->publish_params : NULL,
                .local_ufrag = c->local_ufrag,
                .local_pwd = c->local_pwd,
                .remote_ufrag = c->remote_ufrag,
                .remote_fingerprint = c->remote_fingerprint,
            };
            /* the plan checked the credentials (peer_params_check): only OpenSSL can fail
             * here, and then the page's ICE fails and it starts a new transport */
            if (worker_add_peer(w, &wp) < 0)
                log_error("media", "room=%" PRIu64 ": a transport could not be made", room);
            break;
        }
        case LIVE_MEDIA_REMOVE_PEER:
            worker_remove_peer(w, c->peer_id);
            break;
        case LIVE_MEDIA_SET_TRACKS:
            worker_set_tracks(w, c->peer_id, c->tracks, c->track_count);
            break;
        case LIVE_MEDIA_ALLOW:
            worker_set_media(w, room, (uint32_t)c->participant, c->audio, c->video);
            break;
        case LIVE_MEDIA_VIEW:
            worker_set_view(w, room, (uint32_t)c->participant, (uint32_t)c->publisher, c->width,
                            c->height);
            break;
        case LIVE_MEDIA_RESTART_ICE: {
            /* checked by the plan (peer_params_check) */
            int rc =
                worker_restart_ice(w, c->peer_id, c->local_ufrag, c->local_pwd, c->remote_ufrag);
            if (rc < 0)
                log_error("media", "room=%" PRIu64 ": an ICE restart could not be made", room);
            break;
        }
        }
    }
}

size_t live_media_poll(struct live_media *m, struct worker_event *out, size_t cap)
{
    size_t n = 0;
    for (size_t w = 0; w < m->worker_count && n < cap; w++)
        n += worker_poll_events(m->workers[w], out + n, cap - n);
    return n;
}

/* ---- metrics ---- */

void live_media_metrics(struct live_media *m, struct buf *out)
{
    if (!m)
        return;
    for (int c = 0; c < WORKER_COUNTER_COUNT; c++) {
        uint64_t sum = 0;
        for (size_t w = 0; w < m->worker_count; w++)
            sum += worker_counter(m->workers[w], (enum worker_counter)c);
        buf_printf(out, "confide_media_%s_total %" PRIu64 "\n",
                   worker_counter_name((enum worker_counter)c), sum);
    }
    /* summed field by field: the struct is counters only */
    _Static_assert(sizeof(struct router_stats) % sizeof(uint64_t) == 0,
                   "router_stats holds uint64_t counters only");
    struct router_stats total = {0}, one;
    for (size_t w = 0; w < m->worker_count; w++) {
        worker_router_stats(m->workers[w], &one);
        uint64_t *t = (uint64_t *)&total;
        const uint64_t *o = (const uint64_t *)&one;
        for (size_t i = 0; i < sizeof total / sizeof(uint64_t); i++)
            t[i] += o[i];
    }
#define STAT(name) buf_printf(out, "confide_media_" #name "_total %" PRIu64 "\n", total.name)
    STAT(rtp_in);
    STAT(rtcp_in);
    STAT(forwarded);
    STAT(drop_unknown_pt);
    STAT(drop_muted);
    STAT(drop_malformed);
    STAT(drop_stale);
    STAT(drop_no_buffer);
    STAT(waiting_keyframe);
    STAT(keyframes);
    STAT(pli_sent);
    STAT(pli_received);
    STAT(nack_received);
    STAT(nack_recovered);
    STAT(nack_missed);
    STAT(nack_over_budget);
    STAT(nack_sent);
    STAT(nack_repaired);
    STAT(rtx_in);
    STAT(rtx_duplicate);
    STAT(sr_sent);
    STAT(rr_sent);
    STAT(twcc_sent);
    STAT(twcc_received);
    STAT(probes);
    STAT(padding_sent);
    STAT(speaker_changes);
    STAT(quality_reports);
    STAT(red_forwarded);
    STAT(red_unwrapped);
    STAT(drop_unknown_layer);
    STAT(layer_switches);
    STAT(layer_switch_waits);
    STAT(video_pauses);
    STAT(video_resumes);
    STAT(layer_changes);
#undef STAT
#define COUNT(name) buf_printf(out, "confide_media_" #name "_total %" PRIu64 "\n", m->n.name)
    COUNT(publish_answered);
    COUNT(publish_refused);
    COUNT(subscribe_offers);
    COUNT(subscribe_answers);
    COUNT(subscribe_refused);
    COUNT(subscribe_resets);
    COUNT(transports_lost);
#undef COUNT
    uint64_t tcp_open = 0;
    for (size_t w = 0; w < m->worker_count; w++)
        tcp_open += worker_counter(m->workers[w], WORKER_ICE_TCP_ACCEPTED) -
                    worker_counter(m->workers[w], WORKER_ICE_TCP_CLOSED);
    buf_printf(out, "confide_media_ice_tcp_open %" PRIu64 "\n", tcp_open);
    size_t rooms = m->pin_count;
    buf_printf(out, "confide_media_rooms %zu\nconfide_media_workers %zu\n", rooms, m->worker_count);
}

/* ---- life cycle ---- */

struct live_media *live_media_start(const struct config *cfg, struct buf *err)
{
    assert(cfg->media_address_count >= 1); /* config_finish checked them */
    struct live_media *m = xcalloc(1, sizeof *m);
    if (dtls_identity_new(clock_wall_ms(), &m->identity) < 0) {
        buf_printf(err, "media: the DTLS certificate could not be made");
        free(m);
        return NULL;
    }
    const char *fp = dtls_identity_fingerprint(m->identity);
    size_t alg_len = strcspn(fp, " ");
    snprintf(m->fingerprint_alg, sizeof m->fingerprint_alg, "%.*s", (int)alg_len, fp);
    for (int i = 1; i < cfg->media_address_count; i++)
        m->more_ips[i - 1] = cfg->media_addresses[i];
    long n = cfg->media_workers;
    if (n <= 0) {
        n = sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1)
            n = 1;
    }
    m->workers = xcalloc((size_t)n, sizeof *m->workers);
    m->rooms_per_worker = xcalloc((size_t)n, sizeof *m->rooms_per_worker);
    m->locals = xcalloc((size_t)n, sizeof *m->locals);
    for (long i = 0; i < n; i++) {
        struct worker_config wc = {
            .bind_ip = cfg->media_bind,
            .port = cfg->media_port ? (uint16_t)(cfg->media_port + i) : 0,
            .identity = m->identity,
            .tcp_conns = (uint32_t)cfg->media_tcp_connections,
        };
        int rc = worker_start(&wc, &m->workers[i]);
        if (rc < 0) {
            long port = cfg->media_port ? cfg->media_port + i : 0;
            if (rc == -EADDRINUSE)
                buf_printf(err, "media: UDP or TCP port %ld on %s is in use (media_port)", port,
                           cfg->media_bind);
            else if (rc == -EADDRNOTAVAIL)
                buf_printf(err, "media: %s is not an address of this machine (media_bind)",
                           cfg->media_bind);
            else if (rc == -EACCES)
                buf_printf(err, "media: UDP port %ld may not be bound by this user", port);
            else
                buf_printf(err, "media: worker %ld cannot start on %s:%ld: %s", i, cfg->media_bind,
                           port, strerror(-rc));
            m->worker_count = (size_t)i;
            live_media_stop(m);
            return NULL;
        }
        m->worker_count = (size_t)i + 1;
        m->locals[i] = (struct media_local){
            .public_ip = cfg->media_addresses[0],
            .more_ips = m->more_ips,
            .more_ip_count = (size_t)cfg->media_address_count - 1,
            .fingerprint_alg = m->fingerprint_alg,
            .fingerprint = fp + alg_len + 1,
            .port = worker_port(m->workers[i]),
            .tcp = cfg->media_tcp_connections > 0,
        };
    }
    if (cfg->media_address_count > 1)
        log_info("media", "%zu media worker(s) on %s, announcing %s and %d more address(es)",
                 m->worker_count, cfg->media_bind, cfg->media_addresses[0],
                 cfg->media_address_count - 1);
    else
        log_info("media", "%zu media worker(s) on %s, announcing %s", m->worker_count,
                 cfg->media_bind, cfg->media_addresses[0]);
    return m;
}

void live_media_stop(struct live_media *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->worker_count; i++)
        worker_stop(m->workers[i]);
    free(m->pins);
    free(m->workers);
    free(m->rooms_per_worker);
    free(m->locals);
    dtls_identity_free(m->identity);
    free(m);
}

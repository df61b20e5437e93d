/* The node among others sharing one database (docs/ARCHITECTURE.md, "Several nodes"):
 * this node's meeting leases, the events it hears from the others (ended access, people
 * waiting, throttle changes), dashboards watching who waits, and the node's gauges. Part of
 * the service (live/service_internal.h). */
#include "live/service_internal.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/throttle.h"
#include "core/arena.h"
#include "core/log.h"
#include "live/handlers.h"
#include "live/room.h"

/* A dashboard asks to hear how many wait for its practitioner's meetings, on any node. */
void live_service_on_watch(struct live_service *svc, struct live_conn *c, const json_t *msg,
                           int64_t now)
{
    (void)msg;
    struct arena a = {0};
    struct store_user user;
    if (svc_signed_in_user(svc, &a, c, now, &user) < 0) {
        svc_send_error(svc, c->id, "sign_in_required", "Sign in to see who is waiting.");
    } else {
        c->watching_user = user.id;
        svc_send_json(svc, c->id, json_pack("{s:s}", "type", "watching"));
        /* every node, this one included, tells its meetings' counts anew */
        struct store_event ask = {.kind = STORE_EVENT_WAITING_ASKED};
        if (store_event_send(svc->store, &ask) < 0)
            log_warn("live", "the other nodes could not be asked who is waiting");
    }
    arena_free(&a);
}

static void tell_watchers(struct live_service *svc, const struct store_event *e)
{
    json_t *msg =
        json_pack("{s:s,s:I,s:I,s:i}", "type", "waiting", "session_id", (json_int_t)e->series_id,
                  "occurrence_id", (json_int_t)e->occurrence_id, "count", e->count);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    for (size_t i = 0; text && i < svc->conn_count; i++) {
        const struct live_conn *c = &svc->conns[i];
        for (int k = 0; c->watching_user && k < e->staff_count; k++)
            if (e->staff[k] == c->watching_user) {
                svc->io.send(svc->io.arg, c->id, text, strlen(text));
                break;
            }
    }
    free(text);
}

struct heard {
    struct live_service *svc;
    int64_t now;
};

_Static_assert(sizeof((struct store_event *)0)->digest == THROTTLE_DIGEST_BYTES,
               "a throttle's change fits an event");
_Static_assert(sizeof((struct store_event *)0)->throttle == THROTTLE_NAME_MAX,
               "a throttle's name fits an event");

void live_service_share_throttles(struct live_service *svc, const uint8_t secret[32],
                                  struct throttle *const *others, size_t count)
{
    assert(count + 1 <= LIVE_SHARED_THROTTLES);
    throttle_share(svc->guesses, "join", secret);
    svc->shared[0] = svc->guesses;
    for (size_t i = 0; i < count; i++) {
        assert(throttle_name(others[i])[0]);
        svc->shared[1 + i] = others[i];
    }
    svc->shared_count = 1 + count;
}

/* What this node's throttles counted since the last tick goes to the other nodes. */
void svc_send_throttle_changes(struct live_service *svc)
{
    for (size_t i = 0; i < svc->shared_count; i++) {
        struct throttle_change changes[64];
        size_t n = throttle_take_changes(svc->shared[i], changes, 64);
        for (size_t k = 0; k < n; k++) {
            struct store_event e = {.kind = STORE_EVENT_THROTTLE, .failed = changes[k].failed};
            snprintf(e.node, sizeof e.node, "%s", svc->cfg->node_id);
            snprintf(e.throttle, sizeof e.throttle, "%s", throttle_name(svc->shared[i]));
            memcpy(e.digest, changes[k].digest, sizeof e.digest);
            if (store_event_send(svc->store, &e) < 0) {
                log_warn("live", "throttle changes could not be sent to the other nodes");
                return; /* the rest count here only: the database is not answering */
            }
        }
    }
}

/* Another node's failure or success counts here as well (this node's own come back from
 * the database too: counted once, when made). */
static void apply_throttle_change(struct live_service *svc, const struct store_event *e,
                                  int64_t now)
{
    if (strcmp(e->node, svc->cfg->node_id) == 0)
        return;
    for (size_t i = 0; i < svc->shared_count; i++)
        if (strcmp(throttle_name(svc->shared[i]), e->throttle) == 0) {
            struct throttle_change c = {.failed = e->failed};
            memcpy(c.digest, e->digest, sizeof c.digest);
            throttle_apply(svc->shared[i], &c, now);
            return;
        }
}

/* An event from a node (this one included): access ended, people waiting, or a dashboard
 * that wants the counts again. */
static void on_event(void *ctx, const char *payload)
{
    struct heard *h = ctx;
    struct store_event e;
    if (store_event_parse(payload, &e) < 0) {
        log_warn("live", "an event that is not one was ignored");
        return;
    }
    if (e.kind == STORE_EVENT_THROTTLE)
        apply_throttle_change(h->svc, &e, h->now);
    else if (e.kind == STORE_EVENT_REVOKED)
        live_service_revoke(h->svc, e.client_id, e.user_id, h->now);
    else if (e.kind == STORE_EVENT_WAITING)
        tell_watchers(h->svc, &e);
    else
        for (size_t i = 0; i < h->svc->room_count; i++)
            svc_tell_waiting(h->svc, h->svc->rooms[i], 1);
}

/* A dashboard hears only while its sign-in lasts: signed out, idle too long or expired,
 * its socket is closed (the page then goes to the sign-in, as it does by itself). */
#define WATCHERS_CHECK_MS 60000
void svc_check_watchers(struct live_service *svc, int64_t now)
{
    if (now - svc->watchers_checked_at < WATCHERS_CHECK_MS)
        return;
    svc->watchers_checked_at = now;
    for (size_t i = 0; i < svc->conn_count; i++) {
        struct live_conn *c = &svc->conns[i];
        if (!c->watching_user)
            continue;
        struct arena a = {0};
        struct store_user user;
        if (svc_signed_in_user(svc, &a, c, now, &user) < 0 || user.id != c->watching_user) {
            c->watching_user = 0;
            svc->io.close(svc->io.arg, c->id);
        }
        arena_free(&a);
    }
}

void live_service_metrics(const struct live_service *svc, struct buf *out)
{
    size_t waiting = 0, watching = 0;
    for (size_t i = 0; i < svc->room_count; i++)
        waiting += live_room_waiting(meeting_room(svc->rooms[i]->meeting));
    for (size_t i = 0; i < svc->conn_count; i++)
        watching += svc->conns[i].watching_user != 0;
    /* node_id is letters, digits, '.', '-', '_' (config.c): safe in a label */
    buf_printf(out, "confide_node_info{node=\"%s\"} 1\n", svc->cfg->node_id);
    buf_printf(out, "confide_meetings_carried %zu\n", svc->room_count);
    buf_printf(out, "confide_meeting_connections %zu\n", svc->conn_count);
    buf_printf(out, "confide_waiting_room_people %zu\n", waiting);
    buf_printf(out, "confide_dashboards_watching %zu\n", watching);
}

static int holds(const int64_t *held, size_t n, int64_t occurrence_id)
{
    for (size_t i = 0; i < n; i++)
        if (held[i] == occurrence_id)
            return 1;
    return 0;
}

/* Renews this node's leases. A meeting whose lease another node took (this one stalled
 * past its expiry, or lost the database for that long) is let go: its people are
 * disconnected, and their pages, reconnecting, are sent to the node that has it now. */
void svc_renew_leases(struct live_service *svc, int64_t now)
{
    if (now - svc->leases_renewed_at < LEASE_RENEW_MS)
        return;
    svc->leases_renewed_at = now;
    struct arena a = {0};
    int64_t *held;
    size_t n;
    if (store_lease_renew(svc->store, &a, svc->cfg->node_id, now + LEASE_TTL_MS, &held, &n) < 0) {
        log_warn("live", "the meetings' leases could not be renewed");
        arena_free(&a);
        return; /* keep the meetings: the next renewal may still be in time */
    }
    for (size_t i = 0; i < svc->room_count;) {
        struct room_entry *re = svc->rooms[i];
        if (holds(held, n, re->occurrence_id)) {
            i++;
            continue;
        }
        log_warn("live", "occurrence=%lld: another node carries the meeting now; let go",
                 (long long)re->occurrence_id);
        for (size_t k = 0; k < svc->conn_count; k++)
            if (svc->conns[k].room == re)
                svc->io.close(svc->io.arg, svc->conns[k].id);
        svc_drop_room(svc, i);
    }
    arena_free(&a);
}

void svc_poll_events(struct live_service *svc, int64_t now)
{
    struct heard heard = {svc, now};
    store_events_poll(svc->store, on_event, &heard);
}

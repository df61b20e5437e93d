/* Check rooms: a connection test through the media server, for anyone with the device
 * check page (docs/PROTOCOL.md, "Testing the connection"). Part of the service
 * (live/service_internal.h). */
#include "live/service_internal.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/throttle.h"
#include "core/log.h"
#include "live/handlers.h"
#include "core/rand.h"
#include "live/protocol.h"

struct check_room *svc_find_check(struct live_service *svc, uint64_t conn)
{
    for (size_t i = 0; i < svc->check_count; i++)
        if (svc->checks[i].conn == conn)
            return &svc->checks[i];
    return NULL;
}

/* What a check room's plan decided: its messages to the one connection and its media
 * commands. A check room has no room, so nothing else can be in fx: nothing is stored. */
static void check_carry_out(struct live_service *svc, const struct check_room *cr,
                            struct live_effects *fx)
{
    assert(fx->record_count == 0 && fx->turned_away_count == 0 && fx->admission_count == 0 &&
           fx->close_count == 0 && !fx->lock_changed && !fx->ended_at);
    for (size_t i = 0; i < fx->send_count; i++) {
        assert(fx->sends[i].conn == cr->conn);
        svc->io.send(svc->io.arg, fx->sends[i].conn, fx->sends[i].text, strlen(fx->sends[i].text));
    }
    live_media_apply(svc->media, cr->room_id, fx->media, fx->media_count);
    live_effects_clear(fx);
}

/* Ends check room i: its transports go, its worker counts one room fewer. tell: the
 * connection stays and hears that the test is over (its time ran out). */
void svc_check_end(struct live_service *svc, size_t i, bool tell)
{
    struct check_room *cr = &svc->checks[i];
    struct live_effects fx = {0};
    media_plan_free(cr->plan, &fx);
    check_carry_out(svc, cr, &fx);
    live_media_unpin(svc->media, cr->room_id);
    if (tell)
        svc_send_json(svc, cr->conn,
                      json_pack("{s:s,s:s}", "type", "check_over", "message",
                                "The connection test has ended."));
    log_debug("live", "check room closed (%zu left)", svc->check_count - 1);
    svc->checks[i] = svc->checks[--svc->check_count];
}

static void refuse_check(struct live_service *svc, uint64_t conn, const char *reason,
                         const char *message, int retry_after)
{
    json_t *msg =
        json_pack("{s:s,s:s,s:s}", "type", "check_refused", "reason", reason, "message", message);
    if (retry_after > 0)
        json_object_set_new(msg, "retry_after", json_integer(retry_after));
    svc_send_json(svc, conn, msg);
}

/* Why this connection may not open a check room now (a reason for check_refused), or NULL. */
static const char *check_refusal(struct live_service *svc, const struct live_conn *c,
                                 const char *addr_key, int64_t now, const char **message,
                                 int *retry_after)
{
    *retry_after = 0;
    if (!svc->media) {
        *message = "This server carries no audio or video.";
        return "no_media";
    }
    if (c->checked) {
        *message = "One connection test per connection: reload the page to test again.";
        return "once";
    }
    int64_t wait = throttle_wait_ms(svc->check_rate, addr_key, now);
    if (wait > 0) {
        *message = "You have tested many times in a short while. Please wait and try again.";
        *retry_after = (int)((wait + 999) / 1000);
        return "throttled";
    }
    if (svc->check_count == CHECK_ROOMS_MAX) {
        *message = "Too many connection tests are running. Please try again in a minute.";
        *retry_after = CHECK_SECONDS;
        return "busy";
    }
    return NULL;
}

/* {"type":"check"}: a check room for this connection, or check_refused. The answer says
 * where the media goes (the address, the ports the SDP names anyway, and UDP, with TCP too
 * when ICE-TCP is on), so the page can tell someone what their IT team would have to allow;
 * TURN credentials come first when the practice has a TURN server, lasting the test only. */
void live_service_on_check(struct live_service *svc, struct live_conn *c, const json_t *msg,
                           int64_t now)
{
    (void)msg;
    char addr_key[THROTTLE_KEY_MAX];
    throttle_address_key("check-addr", c->peer, addr_key);
    const char *message;
    int retry_after;
    const char *reason = check_refusal(svc, c, addr_key, now, &message, &retry_after);
    if (reason) {
        refuse_check(svc, c->id, reason, message, retry_after);
        return;
    }
    throttle_failure(svc->check_rate, addr_key, now); /* every test counts against the address */
    c->checked = true;
    struct check_room *cr = &svc->checks[svc->check_count++];
    cr->conn = c->id;
    cr->room_id = CHECK_ROOM_ID_BASE + ++svc->check_seq;
    cr->ends_at = now + CHECK_SECONDS * 1000;
    const struct media_local *local = live_media_pin(svc->media, cr->room_id);
    cr->plan = media_plan_new(cr->room_id, local, live_media_counters(svc->media), rand_bytes);
    media_plan_loopback(cr->plan);
    svc_send_ice_servers(svc, c->id, CHECK_SECONDS + 60);
    uint16_t first, last;
    live_media_ports(svc->media, &first, &last);
    json_t *protocols = local->tcp ? json_pack("[s,s]", "udp", "tcp") : json_pack("[s]", "udp");
    svc_send_json(svc, c->id,
                  json_pack("{s:s,s:i,s:{s:s,s:[i,i],s:o},s:b}", "type", "check_started", "seconds",
                            CHECK_SECONDS, "media", "host", local->public_ip, "ports", first, last,
                            "protocols", protocols, "turn", svc->cfg->turn_uri_count > 0));
    struct media_person me = {.id = CHECK_PARTICIPANT, .conn = c->id};
    struct live_effects fx = {0};
    media_plan_sync(cr->plan, &me, 1, &fx);
    check_carry_out(svc, cr, &fx);
    log_debug("live", "check room opened (%zu running)", svc->check_count);
}

/* A media message from a connection in its check room (the table lets only these through:
 * LIVE_MAY_MEDIA): the same handling as in a meeting, by the check room's plan. */
void svc_check_message(struct live_service *svc, struct check_room *cr, const char *type,
                       const json_t *msg, struct live_effects *fx)
{
    if (strcmp(type, "publish") == 0) {
        media_plan_publish(cr->plan, CHECK_PARTICIPANT, true, true, msg, fx);
    } else if (strcmp(type, "subscribe_answer") == 0) {
        media_plan_subscribe_answer(cr->plan, CHECK_PARTICIPANT, msg, fx);
    } else {
        assert(strcmp(type, "subscribe_restart") == 0);
        media_plan_subscribe_restart(cr->plan, CHECK_PARTICIPANT, fx);
    }
    check_carry_out(svc, cr, fx);
}

/* A worker's report about a check room: transports lost go to its plan; what the router
 * measured of the connection goes to the page as check_stats. False: not a check room's. */
bool svc_check_worker_event(struct live_service *svc, const struct worker_event *ev)
{
    for (size_t i = 0; i < svc->check_count; i++) {
        struct check_room *cr = &svc->checks[i];
        struct live_effects fx = {0};
        if (ev->type == WORKER_EV_CLOSED && media_plan_peer_closed(cr->plan, ev->peer_id, &fx)) {
            check_carry_out(svc, cr, &fx);
            return true;
        }
        if (ev->room_id != cr->room_id || ev->type == WORKER_EV_CLOSED)
            continue;
        if (ev->type == WORKER_EV_QUALITY) {
            /* the publish port's reading is what arrived from the page; the viewer's, what
             * the page got of what was sent to it, and the round trip */
            bool in = ev->participant == CHECK_PARTICIPANT;
            json_t *stats = json_pack("{s:s,s:s,s:f,s:i}", "type", "check_stats", "direction",
                                      in ? "to_server" : "from_server", "loss_percent",
                                      ev->quality.loss_permille / 10.0, "jitter_ms",
                                      (int)ev->quality.jitter_ms);
            if (ev->quality.rtt_ms >= 0)
                json_object_set_new(stats, "rtt_ms", json_integer(ev->quality.rtt_ms));
            svc_send_json(svc, cr->conn, stats);
        }
        return true; /* the active speaker of a room of one: nothing to say */
    }
    return false;
}

void svc_check_tick(struct live_service *svc, int64_t now)
{
    for (size_t i = 0; i < svc->check_count;) {
        if (now >= svc->checks[i].ends_at)
            svc_check_end(svc, i, true);
        else
            i++;
    }
}

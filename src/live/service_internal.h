/* What live/service.c shares with the parts of the service in files of their own:
 * live/nodes.c (the node among others: meeting leases, events between nodes, shared
 * throttles, dashboards watching, the node's gauges) and live/check.c (check rooms). The
 * service's state and the few calls they need. Private to live/. */
#ifndef CONFIDE_LIVE_SERVICE_INTERNAL_H
#define CONFIDE_LIVE_SERVICE_INTERNAL_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "live/effects.h"
#include "live/media.h"
#include "live/media_plan.h"
#include "live/meeting.h"
#include "live/service.h"
#include "sfu/worker.h"
#include "store/store.h"

#define RATE_PER_SECOND 10
#define RATE_BURST 30
#define ROOM_KEEP_AFTER_END_MS (60 * 60 * 1000)
/* A meeting's lease (store_lease_claim): renewed this often, and free for another node
 * this long after its holder stopped renewing. Several renewals fit in one lease, so a
 * slow statement or a busy tick does not lose a meeting that is alive. */
#define LEASE_TTL_MS 10000
#define LEASE_RENEW_MS 2000

struct room_entry {
    int64_t occurrence_id, series_id, ends_at;
    int64_t group_id; /* a group session's group (its check-ins apply), else 0 */
    struct meeting *meeting;
    /* who hears on their dashboards how many wait: the therapist and co-facilitators */
    int64_t staff[STORE_EVENT_STAFF_MAX];
    int staff_count;
    int waiting_told; /* the count last sent; -1 before the first */
};

struct live_conn {
    uint64_t id;
    char peer[64];
    char *cookie;
    struct room_entry *room; /* the meeting this connection joined */
    double tokens;           /* the rate limit's bucket */
    int64_t refilled_at;
    int64_t watching_user; /* a dashboard: told who waits for this practitioner */
    bool checked;          /* has had its one connection test (check room) */
};

/* ---- check rooms: a connection test through the media server ----
 *
 * `check` opens a check room for the connection: one person, no meeting around it (no
 * waiting room, no attendance, nothing in the store, no session or link), whose media plan
 * loops their own audio and video back through the router (media_plan_loopback), so the
 * page measures the real path: ICE, DTLS, SRTP, the worker, and back. Anyone may ask
 * (clients have no account), so it is bounded: one per connection, CHECK_ROOMS_MAX at once
 * on this node, CHECK_FREE_PER_ADDRESS per address before waits, and CHECK_SECONDS long. */
#define CHECK_ROOMS_MAX 8
#define CHECK_SECONDS 60
#define CHECK_FREE_PER_ADDRESS 10 /* tests an address may start freely (10 min window) */
#define CHECK_PARTICIPANT 1
/* Media room ids of check rooms: above any occurrence id (a database row id will not reach
 * 2^39), and below the 2^40 a media plan's peer ids leave for rooms. */
#define CHECK_ROOM_ID_BASE (UINT64_C(1) << 39)

struct check_room {
    uint64_t conn, room_id;
    struct media_plan *plan;
    int64_t ends_at;
};

struct live_service {
    const struct config *cfg;
    struct store *store;
    int https;
    struct live_io io;
    struct live_media *media;
    struct throttle *guesses;
    struct live_conn *conns;
    size_t conn_count, conn_cap;
    struct room_entry **rooms;
    size_t room_count, room_cap;
    int64_t state_swept_at; /* the last sweep of state kept for meetings now over */
    int64_t leases_renewed_at;
    int64_t watchers_checked_at;
    struct throttle *shared[LIVE_SHARED_THROTTLES]; /* told to and by the other nodes */
    size_t shared_count;
    struct check_room checks[CHECK_ROOMS_MAX];
    size_t check_count;
    uint64_t check_seq;
    struct throttle *check_rate; /* check rooms opened, per address */
};

/* ---- calls the parts share ---- */

/* service.c: answering a connection, carrying out what a meeting decided, sign-ins */
void svc_send_json(struct live_service *svc, uint64_t conn, json_t *msg);
void svc_send_error(struct live_service *svc, uint64_t conn, const char *code, const char *message);
void svc_refuse(struct live_service *svc, uint64_t conn, const char *code, const char *message,
                json_t *extra);
struct live_conn *svc_find_conn(struct live_service *svc, uint64_t id);
void svc_tell_waiting(struct live_service *svc, struct room_entry *re, int force);
void svc_send_ice_servers(struct live_service *svc, uint64_t conn, long ttl);
void svc_carry_out(struct live_service *svc, struct room_entry *re, struct live_effects *fx);
void svc_apply(struct live_service *svc, struct room_entry *re, struct live_effects *fx);
int svc_signed_in_user(struct live_service *svc, struct arena *a, const struct live_conn *c,
                       int64_t now, struct store_user *user);
void svc_drop_room(struct live_service *svc, size_t i);
/* check.c */
struct check_room *svc_find_check(struct live_service *svc, uint64_t conn);
void svc_check_end(struct live_service *svc, size_t i, bool tell);
void svc_check_message(struct live_service *svc, struct check_room *cr, const char *type,
                       const json_t *msg, struct live_effects *fx);
bool svc_check_worker_event(struct live_service *svc, const struct worker_event *ev);
void svc_check_tick(struct live_service *svc, int64_t now);
/* service_checkins.c: a client who joined is asked the check-ins due; what the room scored
 * is kept (after the messages went out) */
void svc_ask_checkins(struct live_service *svc, struct room_entry *re, uint64_t conn,
                      int64_t client_id, int64_t group_id);
void svc_store_checkins(struct live_service *svc, const struct room_entry *re,
                        const struct live_effects *fx);
/* service_location.c: a client who joined is asked where they are, prefilled with their
 * last answer; one already given for this occurrence is shown to the hosts again */
void svc_ask_location(struct live_service *svc, struct room_entry *re, uint64_t conn,
                      int64_t client_id, int64_t now);
/* nodes.c: each called from live_service_tick */
void svc_send_throttle_changes(struct live_service *svc);
void svc_check_watchers(struct live_service *svc, int64_t now);
void svc_renew_leases(struct live_service *svc, int64_t now);
void svc_poll_events(struct live_service *svc, int64_t now);

#endif

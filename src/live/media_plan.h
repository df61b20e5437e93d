/* media_plan: one meeting's audio and video as a plan, sans I/O. It follows who is admitted
 * and connected (media_plan_sync, from the room), answers a participant's publish offer,
 * writes the subscribe offers (one transport per participant, renegotiated as people
 * publish, leave and come back), checks their answers, and reacts to transports the worker
 * lost. What it decides comes out as effects (live/effects.h): /ws messages and commands for
 * the meeting's media worker. It never calls a worker, a socket or the clock; randomness
 * (ICE credentials, SSRCs) comes from the function it is given.
 *
 * It keeps no copy of who is muted: the room owns that, and the meeting passes what the room
 * allows with every publish (the router forgets it while a person has no publish transport).
 *
 * Only people admitted and connected get transports: someone in the waiting room, removed,
 * or gone has none, so they receive no media and none of theirs is forwarded. */
#ifndef CONFIDE_LIVE_MEDIA_PLAN_H
#define CONFIDE_LIVE_MEDIA_PLAN_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "live/effects.h"

/* What the SDP says of this server: from the media workers' configuration. */
struct media_local {
    const char *public_ip;       /* the c= line and the preferred candidate */
    const char *const *more_ips; /* further host candidates */
    size_t more_ip_count;
    const char *fingerprint_alg; /* "sha-256" */
    const char *fingerprint;     /* "AB:CD:…" */
    uint16_t port;               /* the meeting's worker's UDP port */
    bool tcp;                    /* and its ICE-TCP listener on the same number */
};

/* Signalling counters, summed over meetings for /metrics. */
struct media_counters {
    uint64_t publish_answered, publish_refused;
    uint64_t subscribe_offers, subscribe_answers, subscribe_refused, subscribe_resets;
    uint64_t transports_lost;
};

typedef void media_rand_fn(void *out, size_t len);

/* Someone admitted and connected, as the room says. */
struct media_person {
    int id;
    uint64_t conn;
    bool audio_only; /* they receive nobody's video */
    bool may_share;  /* their screen: hosts always, clients when the host lets them */
};

struct media_plan;

/* room_id: unique on the worker (the occurrence id); peer ids are made from it. local and
 * counters must outlive the plan. */
struct media_plan *media_plan_new(uint64_t room_id, const struct media_local *local,
                                  struct media_counters *counters, media_rand_fn *rand);
/* Makes p a check room's (before anyone is in it): its one person receives their own audio
 * and video back through the router, the one exception to "nobody receives their own".
 * Their subscribe transport is known to the router as MEDIA_LOOPBACK_VIEWER(id), since the
 * router never forwards a participant's packets to that participant's own ports. */
void media_plan_loopback(struct media_plan *p);
bool media_plan_is_loopback(const struct media_plan *p);
#define MEDIA_LOOPBACK_VIEWER(id) ((id) + 1000)
/* A shared screen has a publish transport of its own, known to the router as this
 * participant: to the router it is one more publisher, of one video stream. */
#define MEDIA_SCREEN_SOURCE(id) ((uint32_t)(id) + (UINT32_C(1) << 30))
/* Frees the plan; the transports it had go (REMOVE_PEER effects). */
void media_plan_free(struct media_plan *p, struct live_effects *fx);

/* Who is admitted and connected now. */
void media_plan_sync(struct media_plan *p, const struct media_person *people, size_t count,
                     struct live_effects *fx);
/* {"type":"publish","sdp":…} from participant, who may send what audio/video say. With
 * "ice_restart":true the offer restarts ICE on the publish transport in place (publish_lost
 * when there is none, or the offer is another connection's). */
/* With "source":"screen" the offer is a screen share on a transport of its own (one video
 * section): refused with screen_not_allowed unless the person may share, and with
 * screen_busy while someone else shares. Everyone else gets a video section for it, listed
 * with "source":"screen" in their subscribe_offer. */
void media_plan_publish(struct media_plan *p, int participant, bool audio, bool video,
                        const json_t *msg, struct live_effects *fx);
/* {"type":"screen_stop"}: the person's screen share ends for everyone. */
void media_plan_screen_stop(struct media_plan *p, int participant, struct live_effects *fx);
/* Who shares their screen now (0: nobody). */
int media_plan_screen_sharer(const struct media_plan *p);
/* {"type":"subscribe_answer","sdp":…,"version":n} */
void media_plan_subscribe_answer(struct media_plan *p, int participant, const json_t *msg,
                                 struct live_effects *fx);
/* {"type":"subscribe_restart"}: a fresh subscribe transport at once. */
void media_plan_subscribe_restart(struct media_plan *p, int participant, struct live_effects *fx);
/* {"type":"subscribe_restart","ice_restart":true}: an offer on the same transport with new
 * ICE credentials (a fresh transport when there is none yet). */
void media_plan_subscribe_ice_restart(struct media_plan *p, int participant,
                                      struct live_effects *fx);
/* The worker lost this transport (ICE consent, DTLS). False when it is not this plan's. */
bool media_plan_peer_closed(struct media_plan *p, uint64_t peer_id, struct live_effects *fx);
/* The worker named the active speaker: everyone in the meeting is told. */
void media_plan_speaker(struct media_plan *p, int participant, struct live_effects *fx);

/* {"type":"view","participant":N,"width":W,"height":H}: the page shows N's video at W × H
 * device pixels; the router sends no larger a layer than that needs. */
void media_plan_view(struct media_plan *p, int participant, const json_t *msg,
                     struct live_effects *fx);
/* The router paused (or resumed) publisher's video to subscriber, who is told
 * {"type":"video_paused","participant":publisher,"paused":…,"reason":"bandwidth"}. */
void media_plan_video_paused(struct media_plan *p, int subscriber, int publisher, bool paused,
                             struct live_effects *fx);
/* The publisher's simulcast layers anyone receives (bit i: the i-th RID of its offer),
 * told as {"type":"layers","active":["q",…]}. */
void media_plan_layers(struct media_plan *p, int publisher, unsigned active,
                       struct live_effects *fx);

/* For tests and invariants: the participant's transports (0: none). */
uint64_t media_plan_publish_peer(const struct media_plan *p, int participant);
uint64_t media_plan_subscribe_peer(const struct media_plan *p, int participant);
size_t media_plan_people(const struct media_plan *p);

#endif

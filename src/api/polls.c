/* Polls ("find a time"): a therapist proposes 2 to 20 times for a group, each member
 * answers through a personal link /p/<token> (available, if need be, not available), the
 * therapist sees the times ranked and makes the group session from one, which closes the
 * poll. The link's page is public: the token is its credential, sent in the JSON body
 * (never in a URL, which ends up in logs and histories), guessing is throttled per address
 * as sign-in is, and a member sees only their own answers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "api/sessions.h"
#include "auth/links.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/limits.h"
#include "core/rand.h"
#include "practice/mailer.h"
#include "practice/schedule.h"

#define POLL_MIN_SLOTS 2
#define POLL_MAX_SLOTS 20

/* Everything a poll is shown from. Only members still in the group (and not archived)
 * count: someone who left is no longer asked, their link stops working and their answers
 * drop out of the tally. */
struct poll_view {
    struct store_poll poll;
    struct store_poll_slot *slots; /* by start */
    size_t nslots;
    struct store_poll_invite *invites;
    size_t ninvites;
    struct store_poll_answer *answers;
    size_t nanswers;
};

static int has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static int load_view(struct api_call *call, int64_t poll_id, struct poll_view *v)
{
    struct store *st = call->ctx->store;
    int64_t *members;
    size_t nmembers;
    memset(v, 0, sizeof *v);
    int rc = store_poll_get(st, &call->arena, poll_id, &v->poll);
    if (rc == 0)
        rc = store_poll_slot_list(st, &call->arena, poll_id, &v->slots, &v->nslots);
    if (rc == 0)
        rc = store_poll_invite_list(st, &call->arena, poll_id, &v->invites, &v->ninvites);
    if (rc == 0)
        rc = store_poll_answer_list(st, &call->arena, poll_id, &v->answers, &v->nanswers);
    if (rc == 0)
        rc = store_group_members(st, &call->arena, v->poll.group_id, &members, &nmembers);
    if (rc < 0)
        return rc;
    int64_t *active = arena_alloc(&call->arena, (v->ninvites + 1) * sizeof *active);
    size_t n = 0, k = 0;
    for (size_t i = 0; i < v->ninvites; i++)
        if (has_id(members, nmembers, v->invites[i].client_id)) {
            active[n] = v->invites[i].id;
            v->invites[n++] = v->invites[i];
        }
    v->ninvites = n;
    for (size_t i = 0; i < v->nanswers; i++)
        if (has_id(active, n, v->answers[i].invite_id))
            v->answers[k++] = v->answers[i];
    v->nanswers = k;
    return 0;
}

static const struct store_poll_slot *find_slot(const struct poll_view *v, int64_t slot_id)
{
    for (size_t i = 0; i < v->nslots; i++)
        if (v->slots[i].id == slot_id)
            return &v->slots[i];
    return NULL;
}

struct tally {
    const struct store_poll_slot *slot;
    int yes, maybe, no, unanswered, score;
};

/* Best first: the most "available" (an "if need be" counts half), then the fewest "not
 * available", then the earliest. */
static int tally_order(const void *pa, const void *pb)
{
    const struct tally *a = pa, *b = pb;
    if (a->score != b->score)
        return b->score - a->score;
    if (a->no != b->no)
        return a->no - b->no;
    if (a->slot->starts_at != b->slot->starts_at)
        return a->slot->starts_at < b->slot->starts_at ? -1 : 1;
    return a->slot->id < b->slot->id ? -1 : a->slot->id > b->slot->id;
}

static json_t *slots_ranked_json(struct api_call *call, const struct poll_view *v)
{
    struct tally *t = arena_alloc(&call->arena, (v->nslots + 1) * sizeof *t);
    for (size_t i = 0; i < v->nslots; i++) {
        t[i] = (struct tally){.slot = &v->slots[i], .unanswered = (int)v->ninvites};
        for (size_t k = 0; k < v->nanswers; k++) {
            if (v->answers[k].slot_id != v->slots[i].id)
                continue;
            t[i].unanswered--;
            if (v->answers[k].answer == STORE_ANSWER_YES)
                t[i].yes++;
            else if (v->answers[k].answer == STORE_ANSWER_MAYBE)
                t[i].maybe++;
            else
                t[i].no++;
        }
        t[i].score = 2 * t[i].yes + t[i].maybe;
    }
    if (v->nslots > 1)
        qsort(t, v->nslots, sizeof *t, tally_order);
    json_t *list = json_array();
    for (size_t i = 0; i < v->nslots; i++) {
        char start[32], end[32];
        sched_format_rfc3339_utc(t[i].slot->starts_at, start);
        sched_format_rfc3339_utc(t[i].slot->starts_at + (int64_t)v->poll.duration_minutes * 60000,
                                 end);
        json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i}", "id",
                                              (json_int_t)t[i].slot->id, "starts_at", start,
                                              "ends_at", end, "yes", t[i].yes, "maybe", t[i].maybe,
                                              "no", t[i].no, "unanswered", t[i].unanswered, "score",
                                              t[i].score, "rank", (int)i + 1));
    }
    return list;
}

/* The poll as its therapist sees it: how many answered what, never who. */
static json_t *poll_json(struct api_call *call, const struct poll_view *v)
{
    json_t *responses = json_array(), *invites = json_array();
    for (size_t i = 0; i < v->ninvites; i++) {
        int answered = 0;
        for (size_t k = 0; k < v->nanswers && !answered; k++)
            answered = v->answers[k].invite_id == v->invites[i].id;
        json_array_append_new(responses,
                              json_pack("{s:I,s:b}", "client_id",
                                        (json_int_t)v->invites[i].client_id, "answered", answered));
        json_array_append_new(invites, json_pack("{s:I,s:s}", "client_id",
                                                 (json_int_t)v->invites[i].client_id, "url",
                                                 link_url(&call->arena, call->ctx->cfg->public_url,
                                                          "/p/", v->invites[i].token)));
    }
    char created[32];
    clock_format_rfc3339(v->poll.created_at, created);
    const struct store_poll *p = &v->poll;
    return json_pack(
        "{s:I,s:I,s:I,s:s,s:s,s:i,s:s,s:o,s:s,s:o,s:o,s:o}", "id", (json_int_t)p->id,
        "therapist_id", (json_int_t)p->therapist_id, "group_id", (json_int_t)p->group_id, "title",
        p->title, "time_zone", p->time_zone, "duration_minutes", p->duration_minutes, "status",
        p->closed_at ? "closed" : "open", "session_id",
        p->session_id ? json_integer(p->session_id) : json_null(), "created_at", created, "slots",
        slots_ranked_json(call, v), "responses", responses, "invites", invites);
}

static void answer_poll(struct api_call *call, int status, int64_t poll_id)
{
    struct poll_view v;
    int rc = load_view(call, poll_id, &v);
    if (rc < 0) {
        api_store_error(call, rc, "poll");
        return;
    }
    api_json(call, status, json_pack("{s:o}", "poll", poll_json(call, &v)));
}

/* 2 to 20 distinct instants, each in the future and one the time zone can show. */
static int read_slots(struct api_call *call, const char *tz, int64_t **out, size_t *count)
{
    json_t *list = json_object_get(call->body, "slots");
    char message[200];
    if (!list) {
        api_field_missing(call, "slots");
        return -1;
    }
    if (!json_is_array(list)) {
        api_field_error(call, "invalid_field", "slots", "Propose a few dates and times.");
        return -1;
    }
    size_t n = json_array_size(list);
    if (n < POLL_MIN_SLOTS || n > POLL_MAX_SLOTS) {
        snprintf(message, sizeof message, "Propose %d to %d times; \"slots\" has %zu.",
                 POLL_MIN_SLOTS, POLL_MAX_SLOTS, n);
        api_error(call, 400, "slot_count", message);
        return -1;
    }
    int64_t *starts = arena_alloc(&call->arena, n * sizeof *starts);
    for (size_t i = 0; i < n; i++) {
        const char *text = json_string_value(json_array_get(list, i));
        struct sched_local local;
        if (!text || sched_parse_rfc3339(text, &starts[i]) < 0 ||
            sched_local_from_utc(tz, starts[i], &local) < 0) {
            snprintf(message, sizeof message,
                     "Time %zu of \"slots\" must be a date and time with its offset, such as "
                     "\"2026-03-20T18:00:00+01:00\".",
                     i + 1);
            api_error(call, 400, "invalid_slot", message);
            return -1;
        }
        if (starts[i] <= call->req->now) {
            snprintf(message, sizeof message, "Time %zu of \"slots\" is in the past.", i + 1);
            api_error(call, 400, "slot_in_past", message);
            return -1;
        }
        for (size_t k = 0; k < i; k++) {
            if (starts[k] == starts[i]) {
                snprintf(message, sizeof message,
                         "Times %zu and %zu of \"slots\" are the same moment.", k + 1, i + 1);
                api_error(call, 400, "duplicate_slot", message);
                return -1;
            }
        }
    }
    *out = starts;
    *count = n;
    return 0;
}

void polls_create(struct api_call *call)
{
    struct store_poll p = {.therapist_id = call->user.id, .created_at = call->req->now};
    const char *title, *tz;
    int64_t minutes, group_id, *starts, *members;
    size_t nstarts, nmembers;
    /* the fields of the form together; the times, which need the zone, after them */
    api_field_string(call, "title", 1, LIMIT_TITLE, &title, NULL);
    api_field_time_zone(call, "time_zone", &tz);
    api_field_int(call, "duration_minutes", 5, 480, 50, &minutes);
    if (api_field_int(call, "group_id", 1, INT64_MAX, 0, &group_id) == 0 && !group_id)
        api_field_missing(call, "group_id");
    if (api_fields_failed(call) || read_slots(call, tz, &starts, &nstarts) < 0)
        return;
    struct store_group g;
    if (api_load_group(call, group_id, 1, &g) < 0)
        return;
    struct store *st = call->ctx->store;
    if (store_group_members(st, &call->arena, g.id, &members, &nmembers) < 0) {
        api_store_error(call, -EIO, "group");
        return;
    }
    if (nmembers == 0) {
        api_error(call, 409, "group_empty",
                  "The group has no members yet, so there is nobody to ask. Add members first.");
        return;
    }
    p.group_id = g.id;
    p.title = (char *)title;
    p.time_zone = (char *)tz;
    p.duration_minutes = (int)minutes;
    int rc = store_poll_insert(st, &p, &p.id);
    for (size_t i = 0; rc == 0 && i < nstarts; i++) {
        int64_t id;
        rc = store_poll_slot_insert(st, p.id, starts[i], &id);
    }
    for (size_t i = 0; rc == 0 && i < nmembers; i++) {
        char token[LINK_TOKEN_CHARS + 1];
        struct store_poll_invite inv = {
            .poll_id = p.id, .client_id = members[i], .token = token, .created_at = p.created_at};
        link_token_new(token, inv.token_hash);
        int64_t id;
        rc = store_poll_invite_insert(st, &inv, &id);
    }
    if (rc == 0)
        rc = api_audit(call, "poll.create", p.id);
    if (rc == 0)
        rc = mailer_queue_poll(st, &call->arena, call->ctx->cfg, p.id, call->req->now);
    if (rc < 0) {
        api_store_error(call, rc == -ENOENT ? -EIO : rc, "poll");
        return;
    }
    if (rc > 0)
        call->ctx->mail_queued = 1; /* the mail thread wakes once this commits */
    answer_poll(call, 201, p.id);
}

/* The poll {id}, when it is the caller's. */
static int load_own_poll(struct api_call *call, int64_t id, struct poll_view *v)
{
    int rc = load_view(call, id, v);
    if (rc == 0 && !api_may_act_for(call, v->poll.therapist_id))
        rc = -ENOENT;
    return rc < 0 ? api_store_error(call, rc, "poll") : 0;
}

void polls_list(struct api_call *call)
{
    struct store_poll *polls;
    size_t n;
    int64_t who = call->user.id;
    if (store_poll_list(call->ctx->store, &call->arena, who, &polls, &n) < 0 ||
        api_audit(call, "poll.list", 0) < 0) {
        api_store_error(call, -EIO, "poll");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        struct poll_view v;
        if (load_view(call, polls[i].id, &v) < 0) {
            json_decref(list);
            api_store_error(call, -EIO, "poll");
            return;
        }
        json_array_append_new(list, poll_json(call, &v));
    }
    api_json(call, 200, json_pack("{s:o}", "polls", list));
}

void polls_get(struct api_call *call)
{
    struct poll_view v;
    if (load_own_poll(call, call->params[0], &v) < 0)
        return;
    if (api_audit(call, "poll.read", v.poll.id) < 0) {
        api_store_error(call, -EIO, "poll");
        return;
    }
    api_json(call, 200, json_pack("{s:o}", "poll", poll_json(call, &v)));
}

static void answer_closed(struct api_call *call)
{
    api_error(call, 409, "poll_closed",
              "A time has been chosen already, so this poll is closed. The invitation comes "
              "by email.");
}

void polls_session(struct api_call *call)
{
    struct poll_view v;
    int64_t slot_id;
    int allow_overlap;
    const char *settings;
    if (load_own_poll(call, call->params[0], &v) < 0)
        return;
    if (v.poll.closed_at) {
        answer_closed(call);
        return;
    }
    if (api_field_int(call, "slot_id", 1, INT64_MAX, 0, &slot_id) < 0 ||
        sessions_read_settings(call, &settings) < 0 ||
        api_field_bool(call, "allow_overlap", 0, &allow_overlap) < 0)
        return;
    if (!slot_id) {
        api_field_missing(call, "slot_id");
        return;
    }
    const struct store_poll_slot *slot = find_slot(&v, slot_id);
    if (!slot) {
        api_error(call, 400, "unknown_slot", "\"slot_id\" is not one of this poll's times.");
        return;
    }
    if (slot->starts_at <= call->req->now) {
        api_error(call, 400, "slot_in_past", "That time has passed; choose another one.");
        return;
    }
    struct series_spec spec = {
        .therapist_id = v.poll.therapist_id,
        .group_id = v.poll.group_id,
        .title = v.poll.title,
        .time_zone = v.poll.time_zone,
        .settings = settings,
        .duration_minutes = v.poll.duration_minutes,
        .rule = {.freq = SCHED_ONCE, .interval = 1, .count = 1},
    };
    int64_t series_id;
    if (sessions_create_for(call, &spec, slot->starts_at, allow_overlap, &series_id) < 0)
        return;
    struct store *st = call->ctx->store;
    int rc = store_poll_close(st, v.poll.id, series_id, call->req->now);
    if (rc == 0)
        rc = api_audit(call, "poll.close", v.poll.id);
    if (rc < 0) {
        api_store_error(call, -EIO, "poll");
        return;
    }
    v.poll.closed_at = call->req->now;
    v.poll.session_id = series_id;
    json_t *session;
    if (sessions_json(call, series_id, &session) < 0)
        return;
    api_json(call, 201, json_pack("{s:o,s:o}", "session", session, "poll", poll_json(call, &v)));
}

/* ---- the member's side, through the link ---- */

/* The poll and invite behind the body's token. An unknown token, or a member's who has
 * left the group, is a 404 that counts as a guess against the address. Returns -1 when
 * answered. */
static int load_by_token(struct api_call *call, struct poll_view *v,
                         const struct store_poll_invite **invite)
{
    struct api_ctx *ctx = call->ctx;
    char key[THROTTLE_KEY_MAX];
    uint8_t hash[32];
    if (api_link_token(call, "poll", hash, key) < 0)
        return -1;
    struct store_poll_invite found = {0};
    int rc = store_poll_invite_by_token_hash(ctx->store, &call->arena, hash, &found);
    if (rc == 0)
        rc = load_view(call, found.poll_id, v);
    *invite = NULL;
    for (size_t i = 0; rc == 0 && i < v->ninvites; i++)
        if (v->invites[i].id == found.id)
            *invite = &v->invites[i];
    if (rc == 0 && !*invite)
        rc = -ENOENT;
    if (rc == -ENOENT) {
        throttle_failure(ctx->address_throttle, key, call->req->now);
        api_error(call, 404, "not_found",
                  "This link does not work (any more). If you still need it, please ask the "
                  "person who sent it for a new one.");
        return -1;
    }
    return rc < 0 ? api_store_error(call, rc, "poll") : 0;
}

/* This member's answers, by slot start. */
static json_t *own_answers_json(const struct poll_view *v, int64_t invite_id)
{
    json_t *list = json_array();
    for (size_t i = 0; i < v->nslots; i++)
        for (size_t k = 0; k < v->nanswers; k++)
            if (v->answers[k].invite_id == invite_id && v->answers[k].slot_id == v->slots[i].id)
                json_array_append_new(list,
                                      json_pack("{s:I,s:s}", "slot_id", (json_int_t)v->slots[i].id,
                                                "answer", store_answer_name(v->answers[k].answer)));
    return list;
}

void poll_link_lookup(struct api_call *call)
{
    struct poll_view v;
    const struct store_poll_invite *inv;
    if (load_by_token(call, &v, &inv) < 0)
        return;
    struct store_client c;
    int rc = store_client_get(call->ctx->store, &call->arena, inv->client_id, &c);
    if (rc < 0) {
        api_store_error(call, rc, "poll");
        return;
    }
    json_t *slots = json_array();
    for (size_t i = 0; i < v.nslots; i++) {
        char start[32], end[32];
        sched_format_rfc3339_utc(v.slots[i].starts_at, start);
        sched_format_rfc3339_utc(v.slots[i].starts_at + (int64_t)v.poll.duration_minutes * 60000,
                                 end);
        json_array_append_new(slots, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)v.slots[i].id,
                                               "starts_at", start, "ends_at", end));
    }
    json_t *poll = json_pack("{s:s,s:s,s:i,s:s,s:s,s:o}", "title", v.poll.title, "time_zone",
                             v.poll.time_zone, "duration_minutes", v.poll.duration_minutes,
                             "practice_name", call->ctx->cfg->practice_name, "status",
                             v.poll.closed_at ? "closed" : "open", "slots", slots);
    api_json(call, 200,
             json_pack("{s:o,s:{s:s},s:o}", "poll", poll, "client", "time_zone", c.time_zone,
                       "answers", own_answers_json(&v, inv->id)));
}

void poll_link_answer(struct api_call *call)
{
    struct poll_view v;
    const struct store_poll_invite *inv;
    if (load_by_token(call, &v, &inv) < 0)
        return;
    if (v.poll.closed_at) {
        answer_closed(call);
        return;
    }
    json_t *list = json_object_get(call->body, "answers");
    if (!list) {
        api_field_missing(call, "answers");
        return;
    }
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    if (n == 0 || n > v.nslots) {
        api_field_error(
            call, "invalid_field", "answers",
            "\"answers\" must be a list of {\"slot_id\", \"answer\"}, at most one for each "
            "time.");
        return;
    }
    struct store_poll_answer *answers = arena_alloc(&call->arena, n * sizeof *answers);
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(list, i);
        json_t *slot = json_object_get(item, "slot_id");
        const char *answer = json_string_value(json_object_get(item, "answer"));
        if (!json_is_object(item) || !json_is_integer(slot)) {
            api_field_error(call, "invalid_field", "answers",
                            "Each answer must be an object with a \"slot_id\" and an \"answer\".");
            return;
        }
        answers[i] = (struct store_poll_answer){.invite_id = inv->id,
                                                .slot_id = json_integer_value(slot),
                                                .answered_at = call->req->now};
        if (!find_slot(&v, answers[i].slot_id)) {
            api_error(call, 400, "unknown_slot", "An answer names a time this poll does not have.");
            return;
        }
        if (!answer || store_answer_parse(answer, &answers[i].answer) < 0) {
            api_error(call, 400, "invalid_answer",
                      "\"answer\" must be \"yes\", \"maybe\" or \"no\".");
            return;
        }
        for (size_t k = 0; k < i; k++) {
            if (answers[k].slot_id == answers[i].slot_id) {
                api_field_error(call, "invalid_field", "answers",
                                "Each time can be answered only once.");
                return;
            }
        }
    }
    struct store *st = call->ctx->store;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = store_poll_answer_set(st, &answers[i]);
    if (rc == 0)
        rc = api_audit(call, "poll.answer", v.poll.id);
    if (rc == 0)
        rc = store_poll_answer_list(st, &call->arena, v.poll.id, &v.answers, &v.nanswers);
    if (rc < 0) {
        api_store_error(call, -EIO, "poll");
        return;
    }
    api_json(call, 200, json_pack("{s:o}", "answers", own_answers_json(&v, inv->id)));
}

/* Check-ins and risk alerts: the measures a practitioner asks a client (their one-to-one
 * sessions) or a group (its group sessions) before each session, a client's answers over
 * time, and the alerts a PHQ-9 item 9 answer above 0 raised. Every read and change of
 * them is audited. The answers are asked and kept by the meetings (live/room.c,
 * live/service_checkins.c); the choice of which, and the reading, are here. */
#include <errno.h>
#include <string.h>

#include "api/routes.h"
#include "core/clock.h"
#include "practice/checkins.h"

/* {"measures": ["phq9", "mood"]}: each a measure's name, once; [] for none. */
static int body_measures(struct api_call *call, unsigned *set)
{
    const json_t *list = json_object_get(call->body, "measures");
    *set = 0;
    if (!list) {
        api_field_error(call, "missing_field", "measures", "Choose the measures to ask (or none).");
        return -1;
    }
    size_t i;
    const json_t *v;
    int fits = json_is_array(list) && json_array_size(list) <= MEASURE_KINDS;
    json_array_foreach(list, i, v)
    {
        int kind = json_is_string(v) ? measure_from_name(json_string_value(v)) : -1;
        if (!fits || kind < 0 || (*set & (1u << kind))) {
            fits = 0;
            break;
        }
        *set |= 1u << kind;
    }
    if (!fits) {
        *set = 0;
        api_field_error(call, "invalid_field", "measures",
                        "Measures are a list of \"phq9\", \"gad7\" and \"mood\", each once.");
        return -1;
    }
    return 0;
}

static json_t *measures_json(unsigned set)
{
    json_t *out = json_array();
    for (int k = 0; k < MEASURE_KINDS; k++)
        if (set & (1u << k))
            json_array_append_new(out, json_string(measure_name((enum measure_kind)k)));
    return out;
}

/* The choice kept for a client or a group as a set: none when never chosen. */
static int chosen(struct api_call *call, int64_t client_id, int64_t group_id, unsigned *set)
{
    char *list = NULL;
    *set = 0;
    int rc = store_checkin_choice_get(call->ctx->store, &call->arena, client_id, group_id, &list);
    if (rc == -ENOENT)
        return 0;
    if (rc < 0 || checkins_parse(list, set) < 0)
        return -EIO;
    return 0;
}

static void answer_choice(struct api_call *call, unsigned set)
{
    api_json(call, 200,
             json_pack("{s:o,s:s}", "measures", measures_json(set), "notice", MEASURES_NOTICE));
}

/* The client, when it is the signed-in practitioner's (404 otherwise, as elsewhere). */
static int own_client(struct api_call *call, struct store_client *c)
{
    int rc = store_client_get(call->ctx->store, &call->arena, call->params[0], c);
    if (rc == 0 && !api_may_act_for(call, c->therapist_id))
        rc = -ENOENT;
    return rc < 0 ? api_store_error(call, rc, "client") : 0;
}

void client_checkins_get(struct api_call *call)
{
    struct store_client c;
    unsigned set;
    if (own_client(call, &c) < 0)
        return;
    if (chosen(call, c.id, 0, &set) < 0 || api_audit(call, "checkin.read_choice", c.id) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    answer_choice(call, set);
}

void client_checkins_set(struct api_call *call)
{
    struct store_client c;
    unsigned set;
    body_measures(call, &set);
    if (api_fields_failed(call) || own_client(call, &c) < 0)
        return;
    char list[32];
    int rc = store_checkin_choice_set(call->ctx->store, c.id, 0,
                                      checkins_format(set, list, sizeof list), call->req->now);
    if (rc == 0)
        rc = api_audit(call, "checkin.choose", c.id);
    if (rc < 0) {
        api_store_error(call, rc == -ENOSPC ? rc : -EIO, "client");
        return;
    }
    answer_choice(call, set);
}

void group_checkins_get(struct api_call *call)
{
    struct store_group g;
    unsigned set;
    if (api_load_group(call, call->params[0], 0, &g) < 0)
        return;
    if (chosen(call, 0, g.id, &set) < 0 || api_audit(call, "checkin.read_group_choice", g.id) < 0) {
        api_store_error(call, -EIO, "group");
        return;
    }
    answer_choice(call, set);
}

void group_checkins_set(struct api_call *call)
{
    struct store_group g;
    unsigned set;
    body_measures(call, &set);
    if (api_fields_failed(call) || api_load_group(call, call->params[0], 1, &g) < 0)
        return;
    char list[32];
    int rc = store_checkin_choice_set(call->ctx->store, 0, g.id,
                                      checkins_format(set, list, sizeof list), call->req->now);
    if (rc == 0)
        rc = api_audit(call, "checkin.choose_group", g.id);
    if (rc < 0) {
        api_store_error(call, rc == -ENOSPC ? rc : -EIO, "group");
        return;
    }
    answer_choice(call, set);
}

static json_t *answers_json(const char *answers)
{
    json_t *out = json_array();
    for (const char *p = answers; p && *p;) {
        json_array_append_new(out, json_integer(strtol(p, NULL, 10)));
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return out;
}

void client_measures_list(struct api_call *call)
{
    struct store_client c;
    if (own_client(call, &c) < 0)
        return;
    struct store_checkin *rows;
    size_t n;
    unsigned set;
    if (store_checkin_list(call->ctx->store, &call->arena, c.id, &rows, &n) < 0 ||
        chosen(call, c.id, 0, &set) < 0 || api_audit(call, "checkin.read", c.id) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char at[32];
        clock_format_rfc3339(rows[i].answered_at, at);
        json_array_append_new(
            list,
            json_pack("{s:I,s:s,s:i,s:s?,s:b,s:o,s:s?,s:s,s:o}", "id", (json_int_t)rows[i].id,
                      "measure", rows[i].measure, "total", rows[i].total, "band", rows[i].band,
                      "risk", rows[i].risk, "answers", answers_json(rows[i].answers), "word",
                      rows[i].word, "answered_at", at, "occurrence_id",
                      rows[i].occurrence_id ? json_integer(rows[i].occurrence_id) : json_null()));
    }
    api_json(call, 200,
             json_pack("{s:o,s:o,s:s}", "measures", list, "chosen", measures_json(set), "notice",
                       MEASURES_NOTICE));
}

/* How long an alert someone else marked seen is still shown, with who saw it: the others
 * who see it (the therapist, a group's co-facilitators) know it was taken care of. */
#define ALERT_SEEN_SHOWN_MS (12 * 3600 * 1000LL)

static json_t *alert_json(const struct store_care_alert *al)
{
    char at[32];
    clock_format_rfc3339(al->raised_at, at);
    json_t *out =
        json_pack("{s:I,s:I,s:s,s:s,s:s,s:o}", "id", (json_int_t)al->id, "client_id",
                  (json_int_t)al->client_id, "client_name", al->client_name, "measure",
                  al->measure, "raised_at", at, "occurrence_id",
                  al->occurrence_id ? json_integer(al->occurrence_id) : json_null());
    if (al->seen_at) {
        clock_format_rfc3339(al->seen_at, at);
        json_object_set_new(out, "seen_at", json_string(at));
        json_object_set_new(out, "seen_by_name", json_string(al->seen_by_name));
    }
    return out;
}

void alerts_list(struct api_call *call)
{
    struct store_care_alert *rows, *seen;
    size_t n, n_seen;
    if (store_care_alert_open(call->ctx->store, &call->arena, call->user.id, &rows, &n) < 0 ||
        store_care_alert_seen_by_others(call->ctx->store, &call->arena, call->user.id,
                                        call->req->now - ALERT_SEEN_SHOWN_MS, &seen,
                                        &n_seen) < 0 ||
        api_audit(call, "care_alert.read", 0) < 0) {
        api_store_error(call, -EIO, "alert");
        return;
    }
    json_t *list = json_array(), *seen_list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, alert_json(&rows[i]));
    for (size_t i = 0; i < n_seen; i++)
        json_array_append_new(seen_list, alert_json(&seen[i]));
    api_json(call, 200, json_pack("{s:o,s:o}", "alerts", list, "seen", seen_list));
}

void alert_seen(struct api_call *call)
{
    int rc = store_care_alert_seen(call->ctx->store, call->params[0], call->user.id, call->user.id,
                                   call->req->now);
    if (rc == 0)
        rc = api_audit(call, "care_alert.seen", call->params[0]);
    if (rc < 0) {
        api_store_error(call, rc, "alert");
        return;
    }
    api_no_content(call);
}

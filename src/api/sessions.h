/* sessions: creating a session, shared with the resources that end in one (polls.c). */
#ifndef CONFIDE_API_SESSIONS_H
#define CONFIDE_API_SESSIONS_H
#include "api/call.h"
#include "practice/schedule.h"

/* What a series is made from, by create and by "this and following". */
struct series_spec {
    int64_t therapist_id, client_id, group_id;
    const char *title, *time_zone, *settings;
    int duration_minutes;
    struct sched_rule rule;
    int64_t *starts;
    int count;
};

/* The optional settings fields of POST /api/v1/sessions (waiting_room, require_password,
 * host_video, participant_video, chat) as JSON object text in the call's arena. Answers
 * 400 itself and returns -1 on a bad field. */
int sessions_read_settings(struct api_call *call, const char **out);

/* Creates the session spec describes (therapist, client or group, title, time zone,
 * settings, duration, and spec->rule but for its tz and first time) from starts_at: the
 * client or group must be the caller's to change and the group within its capacity; the
 * rule is expanded; overlaps are refused unless allowed; the series, its occurrences and
 * links are written and the invitations queued. Answers every error itself and returns
 * -1 then; 0 with *series_id otherwise. */
int sessions_create_for(struct api_call *call, struct series_spec *spec, int64_t starts_at,
                        int allow_overlap, int64_t *series_id);

/* The session as the API shows it (GET /api/v1/sessions/{id}). Answers a store failure
 * itself and returns -1. */
int sessions_json(struct api_call *call, int64_t series_id, json_t **out);

#endif

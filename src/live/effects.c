#include "live/effects.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define GROW(arr, count, cap, first)                                                               \
    do {                                                                                           \
        if ((count) == (cap)) {                                                                    \
            (cap) = (cap) ? (cap)*2 : (first);                                                     \
            (arr) = xrealloc((arr), (cap) * sizeof *(arr));                                        \
        }                                                                                          \
    } while (0)

void live_effects_clear(struct live_effects *fx)
{
    for (size_t i = 0; i < fx->send_count; i++)
        free(fx->sends[i].text);
    for (size_t i = 0; i < fx->media_count; i++) {
        struct live_media_cmd *c = &fx->media[i];
        free(c->local_ufrag);
        free(c->local_pwd);
        free(c->remote_ufrag);
        free(c->remote_fingerprint);
        free(c->tracks);
    }
    for (size_t i = 0; i < fx->admission_count; i++)
        free(fx->admissions[i].name);
    for (size_t i = 0; i < fx->checkin_count; i++)
        free(fx->checkins[i].word);
    free(fx->checkins);
    free(fx->sends);
    free(fx->records);
    free(fx->admissions);
    free(fx->turned_away);
    free(fx->media);
    free(fx->closes);
    memset(fx, 0, sizeof *fx);
}

void live_fx_send(struct live_effects *fx, uint64_t conn, json_t *msg)
{
    if (conn) {
        GROW(fx->sends, fx->send_count, fx->send_cap, 16);
        char *text = json_dumps(msg, JSON_COMPACT);
        fx->sends[fx->send_count++] = (struct live_send){conn, text ? text : xstrdup("{}")};
    }
    json_decref(msg);
}

void live_fx_error(struct live_effects *fx, uint64_t conn, const char *code, const char *message)
{
    live_fx_send(fx, conn,
                 json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", message));
}

void live_fx_close(struct live_effects *fx, uint64_t conn)
{
    if (!conn)
        return;
    GROW(fx->closes, fx->close_count, fx->close_cap, 4);
    fx->closes[fx->close_count++] = conn;
}

void live_fx_record(struct live_effects *fx, int64_t client_id, int64_t user_id, const char *event,
                    int64_t at)
{
    assert(event && (client_id > 0) != (user_id > 0)); /* a client or a practitioner */
    GROW(fx->records, fx->record_count, fx->record_cap, 8);
    fx->records[fx->record_count++] = (struct live_attendance){client_id, user_id, event, at};
}

void live_fx_turn_away(struct live_effects *fx, int64_t client_id, int64_t user_id,
                       const char *what, int64_t at)
{
    assert((client_id > 0) != (user_id > 0));
    GROW(fx->turned_away, fx->turned_away_count, fx->turned_away_cap, 2);
    fx->turned_away[fx->turned_away_count++] =
        (struct live_turn_away){client_id, user_id, what, at};
}

void live_fx_admission(struct live_effects *fx, int64_t client_id, int64_t user_id, int participant,
                       const char *role, const char *name, const uint8_t *key_hash,
                       int64_t admitted_at)
{
    assert((client_id > 0) != (user_id > 0) && participant > 0 && role && name && key_hash);
    GROW(fx->admissions, fx->admission_count, fx->admission_cap, 4);
    struct live_admission *a = &fx->admissions[fx->admission_count++];
    memset(a, 0, sizeof *a);
    *a = (struct live_admission){client_id,     user_id, participant, role,
                                 xstrdup(name), {0},     admitted_at, false};
    memcpy(a->key_hash, key_hash, sizeof a->key_hash);
}

void live_fx_admission_gone(struct live_effects *fx, int64_t client_id, int64_t user_id)
{
    assert((client_id > 0) != (user_id > 0));
    GROW(fx->admissions, fx->admission_count, fx->admission_cap, 4);
    fx->admissions[fx->admission_count++] =
        (struct live_admission){.client_id = client_id, .user_id = user_id, .gone = true};
}

struct live_media_cmd *live_fx_media(struct live_effects *fx, enum live_media_op op)
{
    GROW(fx->media, fx->media_count, fx->media_cap, 8);
    struct live_media_cmd *c = &fx->media[fx->media_count++];
    memset(c, 0, sizeof *c);
    c->op = op;
    return c;
}

struct live_checkin *live_fx_checkin(struct live_effects *fx)
{
    GROW(fx->checkins, fx->checkin_count, fx->checkin_cap, 2);
    struct live_checkin *c = &fx->checkins[fx->checkin_count++];
    memset(c, 0, sizeof *c);
    return c;
}

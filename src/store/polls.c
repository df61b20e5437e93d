/* Polls: "find a time" for a group session: slots, personal links, answers. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "store/internal.h"

static const char *const answer_names[] = {
    [STORE_ANSWER_YES] = "yes", [STORE_ANSWER_MAYBE] = "maybe", [STORE_ANSWER_NO] = "no"};

const char *store_answer_name(enum store_answer answer)
{
    assert((unsigned)answer <= STORE_ANSWER_NO);
    return answer_names[answer];
}

int store_answer_parse(const char *name, enum store_answer *out)
{
    for (int i = 0; i < 3; i++) {
        if (strcmp(name, answer_names[i]) == 0) {
            *out = (enum store_answer)i;
            return 0;
        }
    }
    return -EINVAL;
}

int store_poll_insert(struct store *s, const struct store_poll *p, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_POLL_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf title = {0};
    store_seal_text(s, "polls.title", row, p->title, &title);
    struct store_value v[] = {
        P_INT(p->therapist_id),     P_INT(p->group_id),   P_BUF(title), P_TEXT(p->time_zone),
        P_INT(p->duration_minutes), P_INT(p->created_at), P_INT(row)};
    rc = store_run(s, Q_POLL_INSERT, v, NPARAMS(v), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&title);
    return rc;
}

static int read_poll(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 9);
    struct store_poll *p = item;
    p->id = col_int(&c[0]);
    p->therapist_id = col_int(&c[1]);
    p->group_id = col_int(&c[2]);
    p->title = store_col_unseal(r->s, r->a, "polls.title", p->id, &c[3], &r->bad);
    p->time_zone = col_text(r->a, &c[4]);
    p->duration_minutes = (int)col_int(&c[5]);
    p->created_at = col_int(&c[6]);
    p->closed_at = col_int(&c[7]);
    p->session_id = col_int(&c[8]);
    return 0;
}

int store_poll_get(struct store *s, struct arena *a, int64_t id, struct store_poll *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_POLL_GET, p, 1, sizeof *out, read_poll, out);
}

int store_poll_list(struct store *s, struct arena *a, int64_t therapist_id, struct store_poll **out,
                    size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_poll};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = store_run_rows(s, Q_POLL_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_poll_close(struct store *s, int64_t id, int64_t session_id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now), P_ID(session_id)};
    return store_run_change(s, Q_POLL_CLOSE, p, NPARAMS(p));
}

int store_poll_slot_insert(struct store *s, int64_t poll_id, int64_t starts_at, int64_t *id)
{
    struct store_value p[] = {P_INT(poll_id), P_INT(starts_at)};
    return store_run(s, Q_POLL_SLOT_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
}

static int read_poll_slot(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 3);
    struct store_poll_slot *slot = item;
    slot->id = col_int(&c[0]);
    slot->poll_id = col_int(&c[1]);
    slot->starts_at = col_int(&c[2]);
    return 0;
}

int store_poll_slot_list(struct store *s, struct arena *a, int64_t poll_id,
                         struct store_poll_slot **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_poll_slot};
    struct store_value p[] = {P_INT(poll_id)};
    int rc = store_run_rows(s, Q_POLL_SLOT_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_poll_invite_insert(struct store *s, const struct store_poll_invite *inv, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_POLL_INVITE_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf token = {0};
    store_seal_text(s, "poll_invites.token", row, inv->token, &token);
    struct store_value p[] = {P_INT(inv->poll_id),         P_INT(inv->client_id),
                              P_BLOB(inv->token_hash, 32), P_BUF(token),
                              P_INT(inv->created_at),      P_INT(row)};
    rc = store_run(s, Q_POLL_INVITE_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&token);
    return rc;
}

static int read_poll_invite(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 6);
    struct store_poll_invite *inv = item;
    inv->id = col_int(&c[0]);
    inv->poll_id = col_int(&c[1]);
    inv->client_id = col_int(&c[2]);
    if (c[3].type == SV_BLOB && c[3].len == 32)
        memcpy(inv->token_hash, c[3].p, 32);
    inv->token = store_col_unseal(r->s, r->a, "poll_invites.token", inv->id, &c[4], &r->bad);
    inv->created_at = col_int(&c[5]);
    return 0;
}

int store_poll_invite_list(struct store *s, struct arena *a, int64_t poll_id,
                           struct store_poll_invite **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_poll_invite};
    struct store_value p[] = {P_INT(poll_id)};
    int rc = store_run_rows(s, Q_POLL_INVITE_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_poll_invite_by_token_hash(struct store *s, struct arena *a, const uint8_t token_hash[32],
                                    struct store_poll_invite *out)
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return store_run_one(s, a, Q_POLL_INVITE_BY_HASH, p, 1, sizeof *out, read_poll_invite, out);
}

int store_poll_answer_set(struct store *s, const struct store_poll_answer *ans)
{
    struct store_value p[] = {P_INT(ans->invite_id), P_INT(ans->slot_id),
                              P_TEXT(answer_names[ans->answer]), P_INT(ans->answered_at)};
    return store_run(s, Q_POLL_ANSWER_SET, p, NPARAMS(p), NULL, NULL, NULL);
}

static int read_poll_answer(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 4);
    struct store_poll_answer *ans = item;
    ans->invite_id = col_int(&c[0]);
    ans->slot_id = col_int(&c[1]);
    const char *name = c[2].type == SV_TEXT ? c[2].p : "";
    if (store_answer_parse(name, &ans->answer) < 0)
        r->bad = 1; /* the CHECK constraint keeps this from happening */
    ans->answered_at = col_int(&c[3]);
    return 0;
}

int store_poll_answer_list(struct store *s, struct arena *a, int64_t poll_id,
                           struct store_poll_answer **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_poll_answer};
    struct store_value p[] = {P_INT(poll_id)};
    int rc = store_run_rows(s, Q_POLL_ANSWER_LIST, p, 1, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

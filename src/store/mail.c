/* The mail outbox and the reminders already sent. */
#include <assert.h>
#include <string.h>

#include "store/internal.h"

/* ---- outbox ---- */

static const char *const mail_states[] = {"pending", "sending", "sent", "failed"};

int store_mail_insert(struct store *s, const struct store_mail *m, int64_t *id)
{
    int64_t row = 0;
    int rc = store_next_id(s, Q_MAIL_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf recipient = {0}, message = {0};
    store_seal_text(s, "outbox.recipient", row, m->recipient, &recipient);
    seal_box(s->seal, "outbox.message", row, m->message, m->message_len, &message);
    struct store_value p[] = {P_TEXT(m->message_id), P_TEXT(m->kind),      P_BUF(recipient),
                              P_BUF(message),        P_INT(m->created_at), P_INT(row),
                              P_ID(m->expires_at)};
    rc = store_run(s, Q_MAIL_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&recipient);
    buf_free(&message);
    return rc;
}

int store_mail_expire(struct store *s, int64_t now, int64_t *expired)
{
    struct store_value p[] = {P_INT(now)};
    *expired = 0;
    return store_run(s, Q_MAIL_EXPIRE, p, 1, NULL, NULL, expired);
}

static int read_mail(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 10);
    struct store_mail *m = item;
    m->id = col_int(&c[0]);
    m->message_id = col_text(r->a, &c[1]);
    m->kind = col_text(r->a, &c[2]);
    m->recipient = store_col_unseal(r->s, r->a, "outbox.recipient", m->id, &c[3], &r->bad);
    m->message = store_col_unseal(r->s, r->a, "outbox.message", m->id, &c[4], &r->bad);
    m->message_len = m->message ? strlen(m->message) : 0;
    const char *state = c[5].type == SV_TEXT ? c[5].p : "";
    for (int i = 0; i < 4; i++)
        if (strcmp(state, mail_states[i]) == 0)
            m->state = (enum store_mail_state)i;
    m->attempts = (int)col_int(&c[6]);
    m->next_attempt_at = col_int(&c[7]);
    m->created_at = col_int(&c[8]);
    m->sent_at = col_int(&c[9]);
    return 0;
}

int store_mail_claim(struct store *s, struct arena *a, int64_t now, int max, const char *node,
                     int64_t until, struct store_mail **out, size_t *count)
{
    assert(node && node[0] && until > now);
    struct rows r = {.a = a, .size = sizeof **out, .read = read_mail};
    struct store_value p[] = {P_INT(now), P_INT(max), P_TEXT(node), P_INT(until)};
    int rc = store_run_rows(s, Q_MAIL_CLAIM, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

struct held {
    int64_t id;
    int found;
};

static int note_held(void *ctx, const struct store_value *cols, int n)
{
    struct held *h = ctx;
    if (n >= 1 && col_int(&cols[0]) == h->id)
        h->found = 1;
    return 0; /* read on: RETURNING runs to its end either way */
}

int store_mail_hold(struct store *s, const char *node, int64_t id, int64_t now, int64_t until,
                    int *held)
{
    assert(node && node[0] && until > now);
    struct held h = {.id = id};
    struct store_value p[] = {P_TEXT(node), P_INT(now), P_INT(until)};
    int rc = store_run(s, Q_MAIL_HOLD, p, NPARAMS(p), note_held, &h, NULL);
    *held = rc == 0 && h.found;
    return rc;
}

int store_mail_release(struct store *s, int64_t now, int64_t *released)
{
    struct store_value p[] = {P_INT(now)};
    *released = 0;
    return store_run(s, Q_MAIL_RELEASE, p, 1, NULL, NULL, released);
}

int store_mail_sent(struct store *s, int64_t id, int64_t now)
{
    struct store_value p[] = {P_INT(id), P_INT(now)};
    return store_run_change(s, Q_MAIL_SENT, p, NPARAMS(p));
}

int store_mail_retry(struct store *s, int64_t id, const char *node, int64_t next_attempt_at,
                     const char *error)
{
    assert(node && node[0]);
    struct store_value p[] = {P_INT(id), P_INT(next_attempt_at), P_TEXT(error), P_TEXT(node)};
    return store_run_change(s, Q_MAIL_RETRY, p, NPARAMS(p));
}

int store_mail_fail(struct store *s, int64_t id, const char *node, const char *error)
{
    assert(node && node[0]);
    struct store_value p[] = {P_INT(id), P_TEXT(error), P_TEXT(node)};
    return store_run_change(s, Q_MAIL_FAIL, p, NPARAMS(p));
}

int store_mail_recover(struct store *s, const char *node, int64_t *recovered)
{
    assert(node && node[0]);
    struct store_value p[] = {P_TEXT(node)};
    *recovered = 0;
    return store_run(s, Q_MAIL_RECOVER, p, 1, NULL, NULL, recovered);
}

int store_mail_count(struct store *s, enum store_mail_state state, int64_t *count)
{
    assert((unsigned)state <= MAIL_FAILED);
    struct store_value p[] = {P_TEXT(mail_states[state])};
    *count = 0;
    return store_run(s, Q_MAIL_COUNT, p, 1, store_first_int, count, NULL);
}

/* ---- reminders ---- */

int store_reminders_due(struct store *s, struct arena *a, int64_t now, int minutes_before,
                        struct store_occurrence **out, size_t *count)
{
    struct store_value p[] = {P_INT(now), P_INT(minutes_before)};
    return store_occurrence_rows(s, a, Q_REMINDERS_DUE, p, NPARAMS(p), out, count);
}

int store_reminder_mark(struct store *s, int64_t occurrence_id, int minutes_before, int64_t now)
{
    struct store_value p[] = {P_INT(occurrence_id), P_INT(minutes_before), P_INT(now)};
    return store_run(s, Q_REMINDER_MARK, p, NPARAMS(p), NULL, NULL, NULL);
}

/* The reminder pass's lock among nodes ("cnfr"; the writer lock is "cnfd", store/pg.c). */
#define REMINDERS_LOCK 1668179570

int store_reminders_try_lock(struct store *s)
{
    assert(!s->in_txn);
    return s->be->try_lock(s->db, REMINDERS_LOCK);
}

void store_reminders_unlock(struct store *s)
{
    s->be->unlock(s->db, REMINDERS_LOCK);
}

/* Secure messaging: the messages of a client's thread and a group's announcements (their
 * text sealed for their row), first reads, the one-time links and device sign-ins of the
 * client's side (hashes only), and practitioners' availability notes. */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "store/internal.h"

int store_message_insert(struct store *s, const struct store_message *m, int64_t *id)
{
    assert((m->client_id > 0) != (m->group_id > 0));
    assert(m->body && (m->client_id || m->author_user_id));
    int64_t row = 0;
    int rc = store_next_id(s, Q_MSG_NEXT_ID, &row);
    if (rc < 0)
        return rc;
    struct buf body = {0};
    store_seal_text(s, "messages.body", row, m->body, &body);
    struct store_value p[] = {P_INT(row),   P_ID(m->client_id),   P_ID(m->group_id),
                              P_ID(m->author_user_id), P_BUF(body), P_INT(m->created_at)};
    rc = store_run(s, Q_MSG_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&body);
    return rc;
}

static int read_message(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 8);
    struct store_message *m = item;
    m->id = col_int(&c[0]);
    m->client_id = col_int(&c[1]);
    m->group_id = col_int(&c[2]);
    m->author_user_id = col_int(&c[3]);
    m->body = store_col_unseal(r->s, r->a, "messages.body", m->id, &c[4], &r->bad);
    m->created_at = col_int(&c[5]);
    m->read_at = col_int(&c[6]);
    m->reads = col_int(&c[7]);
    return 0;
}

static int message_rows(struct store *s, struct arena *a, enum query q, int64_t id,
                        struct store_message **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_message};
    struct store_value p[] = {P_INT(id)};
    int rc = store_run_rows(s, q, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_message_thread(struct store *s, struct arena *a, int64_t client_id,
                         struct store_message **out, size_t *count)
{
    return message_rows(s, a, Q_MSG_THREAD, client_id, out, count);
}

int store_message_announcements(struct store *s, struct arena *a, int64_t group_id,
                                struct store_message **out, size_t *count)
{
    return message_rows(s, a, Q_MSG_ANNOUNCEMENTS, group_id, out, count);
}

int store_message_announcements_for(struct store *s, struct arena *a, int64_t client_id,
                                    struct store_message **out, size_t *count)
{
    return message_rows(s, a, Q_MSG_ANNOUNCEMENTS_FOR, client_id, out, count);
}

int store_message_mark_read(struct store *s, int64_t client_id, int by_client, int64_t now)
{
    struct store_value p[] = {P_INT(client_id), P_INT(now)};
    int rc = store_run(s, by_client ? Q_MSG_READ_BY_CLIENT : Q_MSG_READ_BY_PRACTITIONER, p,
                       NPARAMS(p), NULL, NULL, NULL);
    if (rc == 0 && by_client)
        rc = store_run(s, Q_MSG_ANNOUNCEMENTS_READ, p, NPARAMS(p), NULL, NULL, NULL);
    return rc;
}

static int read_unread(struct rows *r, void *item, const struct store_value *c, int n)
{
    (void)r;
    assert(n == 2);
    struct store_unread *u = item;
    u->client_id = col_int(&c[0]);
    u->count = col_int(&c[1]);
    return 0;
}

int store_message_unread(struct store *s, struct arena *a, int64_t therapist_id,
                         struct store_unread **out, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **out, .read = read_unread};
    struct store_value p[] = {P_INT(therapist_id)};
    int rc = store_run_rows(s, Q_MSG_UNREAD, p, NPARAMS(p), &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

/* ---- the client's side: one-time links and device sign-ins ---- */

int store_inbox_link_insert(struct store *s, const uint8_t hash[32], int64_t client_id,
                            int64_t now, int64_t expires_at)
{
    assert(expires_at > now);
    struct store_value sweep[] = {P_INT(now)};
    int rc = store_run(s, Q_INBOX_LINKS_SWEEP, sweep, NPARAMS(sweep), NULL, NULL, NULL);
    struct store_value p[] = {P_BLOB(hash, 32), P_INT(client_id), P_INT(now), P_INT(expires_at)};
    return rc < 0 ? rc : store_run(s, Q_INBOX_LINK_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
}

struct link_row {
    int found;
    int64_t client_id, expires_at, used_at;
};

static int read_link(void *ctx, const struct store_value *c, int n)
{
    assert(n == 3);
    struct link_row *l = ctx;
    l->found = 1;
    l->client_id = col_int(&c[0]);
    l->expires_at = col_int(&c[1]);
    l->used_at = col_int(&c[2]);
    return 1;
}

int store_inbox_link_get(struct store *s, const uint8_t hash[32], int64_t *client_id,
                         int64_t *expires_at, int64_t *used_at)
{
    struct link_row l = {0};
    struct store_value p[] = {P_BLOB(hash, 32)};
    int rc = store_run(s, Q_INBOX_LINK_GET, p, NPARAMS(p), read_link, &l, NULL);
    if (rc < 0)
        return rc;
    if (!l.found)
        return -ENOENT;
    *client_id = l.client_id;
    *expires_at = l.expires_at;
    *used_at = l.used_at;
    return 0;
}

int store_inbox_link_use(struct store *s, const uint8_t hash[32], int64_t now)
{
    struct store_value p[] = {P_BLOB(hash, 32), P_INT(now)};
    return store_run_change(s, Q_INBOX_LINK_USE, p, NPARAMS(p));
}

int store_inbox_signin_insert(struct store *s, const uint8_t hash[32], int64_t client_id,
                              int64_t now, int64_t expires_at)
{
    assert(expires_at > now);
    struct store_value p[] = {P_BLOB(hash, 32), P_INT(client_id), P_INT(now), P_INT(expires_at)};
    return store_run(s, Q_INBOX_SIGNIN_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_inbox_signin_get(struct store *s, const uint8_t hash[32], int64_t now,
                           int64_t *client_id)
{
    *client_id = 0;
    struct store_value p[] = {P_BLOB(hash, 32), P_INT(now)};
    int rc = store_run(s, Q_INBOX_SIGNIN_GET, p, NPARAMS(p), store_first_int, client_id, NULL);
    return rc < 0 ? rc : *client_id ? 0 : -ENOENT;
}

int store_inbox_signin_delete(struct store *s, const uint8_t hash[32])
{
    struct store_value p[] = {P_BLOB(hash, 32)};
    return store_run(s, Q_INBOX_SIGNIN_DELETE, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_inbox_end(struct store *s, int64_t client_id, int64_t *ended)
{
    int64_t changes = 0;
    struct store_value p[] = {P_INT(client_id)};
    int rc = store_run(s, Q_INBOX_SIGNINS_END, p, NPARAMS(p), NULL, NULL, &changes);
    if (rc == 0)
        rc = store_run(s, Q_INBOX_LINKS_END, p, NPARAMS(p), NULL, NULL, NULL);
    if (ended)
        *ended = changes;
    return rc;
}

int store_inbox_signin_count(struct store *s, int64_t client_id, int64_t now, int64_t *count)
{
    *count = 0;
    struct store_value p[] = {P_INT(client_id), P_INT(now)};
    return store_run(s, Q_INBOX_SIGNIN_COUNT, p, NPARAMS(p), store_first_int, count, NULL);
}

/* ---- availability notes ---- */

struct note_row {
    struct store *s;
    struct arena *a;
    char *note;
    int bad;
};

static int read_note(void *ctx, const struct store_value *c, int n)
{
    assert(n == 2);
    struct note_row *r = ctx;
    r->note = store_col_unseal(r->s, r->a, "availability_notes.note", col_int(&c[0]), &c[1],
                               &r->bad);
    return 1;
}

int store_availability_get(struct store *s, struct arena *a, int64_t user_id, char **note)
{
    struct note_row r = {.s = s, .a = a};
    struct store_value p[] = {P_INT(user_id)};
    int rc = store_run(s, Q_AVAILABILITY_GET, p, NPARAMS(p), read_note, &r, NULL);
    *note = r.note;
    return rc < 0 ? rc : r.bad ? -EIO : 0;
}

int store_availability_set(struct store *s, int64_t user_id, const char *note, int64_t now)
{
    if (!note || !note[0]) {
        struct store_value p[] = {P_INT(user_id)};
        return store_run(s, Q_AVAILABILITY_DELETE, p, NPARAMS(p), NULL, NULL, NULL);
    }
    struct buf box = {0};
    store_seal_text(s, "availability_notes.note", user_id, note, &box);
    struct store_value p[] = {P_INT(user_id), P_BUF(box), P_INT(now)};
    int rc = store_run(s, Q_AVAILABILITY_SET, p, NPARAMS(p), NULL, NULL, NULL);
    buf_free(&box);
    return rc;
}

/* Practitioners, their sign-ins, and the audit log. Emails are found through their keyed
 * hash (seal_index); names and emails are sealed. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/email.h"
#include "store/internal.h"

/* ---- audit ---- */

/* ---- users ---- */

static const char *const role_names[] = {
    [STORE_ROLE_ADMIN] = "admin", [STORE_ROLE_THERAPIST] = "therapist"};

const char *store_role_name(enum store_role role)
{
    assert(role == STORE_ROLE_ADMIN || role == STORE_ROLE_THERAPIST);
    return role_names[role];
}

int store_role_parse(const char *name, enum store_role *out)
{
    for (int i = 0; i < 2; i++) {
        if (strcmp(name, role_names[i]) == 0) {
            *out = (enum store_role)i;
            return 0;
        }
    }
    return -EINVAL;
}

int store_user_count(struct store *s, int64_t *count)
{
    *count = 0;
    return store_run(s, Q_USER_COUNT, NULL, 0, store_first_int, count, NULL);
}

int store_user_insert(struct store *s, const struct store_user *u, int64_t *id)
{
    struct buf email = {0}, email_box = {0}, name_box = {0};
    uint8_t index[SEAL_INDEX_BYTES];
    email_normalise(u->email, &email);
    seal_index(s->seal, "users.email", email.data, email.len, index);
    int64_t row = 0;
    int rc = store_next_id(s, Q_USER_NEXT_ID, &row);
    if (rc < 0) {
        buf_free(&email);
        return rc;
    }
    store_seal_text(s, "users.email", row, email.data, &email_box);
    store_seal_text(s, "users.name", row, u->name, &name_box);
    struct store_value p[] = {P_BLOB(index, sizeof index),
                              P_BUF(email_box),
                              P_BUF(name_box),
                              P_TEXT(store_role_name(u->role)),
                              P_TEXT(u->password_hash),
                              P_INT(u->created_at),
                              P_INT(row)};
    rc = store_run(s, Q_USER_INSERT, p, NPARAMS(p), store_first_int, id, NULL);
    assert(rc < 0 || *id == row);
    buf_free(&email);
    buf_free(&email_box);
    buf_free(&name_box);
    return rc;
}

static int read_user(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 7);
    struct store_user *u = item;
    u->id = col_int(&c[0]);
    u->email = store_col_unseal(r->s, r->a, "users.email", u->id, &c[1], &r->bad);
    u->name = store_col_unseal(r->s, r->a, "users.name", u->id, &c[2], &r->bad);
    char *role = col_text(r->a, &c[3]);
    if (!role || store_role_parse(role, &u->role) < 0)
        r->bad = 1;
    u->password_hash = col_text(r->a, &c[4]);
    u->created_at = col_int(&c[5]);
    u->disabled_at = col_int(&c[6]);
    return 0;
}

int store_user_by_email(struct store *s, struct arena *a, const char *email, struct store_user *out)
{
    struct buf norm = {0};
    uint8_t index[SEAL_INDEX_BYTES];
    email_normalise(email, &norm);
    seal_index(s->seal, "users.email", norm.data, norm.len, index);
    buf_free(&norm);
    struct store_value p[] = {P_BLOB(index, sizeof index)};
    return store_run_one(s, a, Q_USER_BY_INDEX, p, 1, sizeof *out, read_user, out);
}

int store_user_by_id(struct store *s, struct arena *a, int64_t id, struct store_user *out)
{
    struct store_value p[] = {P_INT(id)};
    return store_run_one(s, a, Q_USER_BY_ID, p, 1, sizeof *out, read_user, out);
}

int store_user_list(struct store *s, struct arena *a, struct store_user **out, size_t *count)
{
    struct rows r = {.s = s, .a = a, .size = sizeof **out, .read = read_user};
    int rc = store_run_rows(s, Q_USER_LIST, NULL, 0, &r);
    *out = r.items;
    *count = r.count;
    return rc;
}

int store_user_set_role(struct store *s, int64_t id, enum store_role role)
{
    struct store_value p[] = {P_INT(id), P_TEXT(store_role_name(role))};
    return store_run_change(s, Q_USER_SET_ROLE, p, NPARAMS(p));
}

int store_user_set_disabled(struct store *s, int64_t id, int64_t disabled_at)
{
    struct store_value p[] = {P_INT(id), disabled_at ? P_INT(disabled_at) : P_NULL};
    return store_run_change(s, Q_USER_SET_DISABLED, p, NPARAMS(p));
}

int store_user_set_password(struct store *s, int64_t id, const char *password_hash)
{
    assert(password_hash);
    struct store_value p[] = {P_INT(id), P_TEXT(password_hash)};
    return store_run_change(s, Q_USER_SET_PASSWORD, p, NPARAMS(p));
}

int store_admins_active(struct store *s, int64_t *count)
{
    *count = 0;
    return store_run(s, Q_ADMINS_ACTIVE, NULL, 0, store_first_int, count, NULL);
}

/* ---- invitations ---- */

/* keyed BLAKE2b (seal_index's key): the tokens are random (128 bits), so no salt or slow
 * hash is needed, and without secret.key a copy of the database cannot test a guess */
static void invitation_hash(const struct store *s, const char *token, uint8_t out[SEAL_INDEX_BYTES])
{
    seal_index(s->seal, "user_invitations.token", token, strlen(token), out);
}

int store_invitation_insert(struct store *s, const char *token, int64_t user_id, int64_t created_by,
                            int64_t now, int64_t expires_at)
{
    uint8_t h[SEAL_INDEX_BYTES];
    invitation_hash(s, token, h);
    struct store_value del[] = {P_INT(user_id)};
    struct store_value p[] = {P_BLOB(h, sizeof h), P_INT(user_id), P_ID(created_by), P_INT(now),
                              P_INT(expires_at)};
    int rc = store_run(s, Q_INVITATION_DELETE_USER, del, 1, NULL, NULL, NULL);
    return rc < 0 ? rc : store_run(s, Q_INVITATION_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
}

static int read_invitation(struct rows *r, void *item, const struct store_value *c, int n)
{
    (void)r;
    assert(n == 4);
    struct store_invitation *inv = item;
    inv->user_id = col_int(&c[0]);
    inv->created_at = col_int(&c[1]);
    inv->expires_at = col_int(&c[2]);
    inv->used_at = col_int(&c[3]);
    return 0;
}

int store_invitation_get(struct store *s, const char *token, struct store_invitation *out)
{
    struct arena a = {0};
    uint8_t h[SEAL_INDEX_BYTES];
    invitation_hash(s, token, h);
    struct store_value p[] = {P_BLOB(h, sizeof h)};
    int rc = store_run_one(s, &a, Q_INVITATION_GET, p, 1, sizeof *out, read_invitation, out);
    arena_free(&a);
    return rc;
}

int store_invitation_use(struct store *s, const char *token, int64_t now)
{
    uint8_t h[SEAL_INDEX_BYTES];
    invitation_hash(s, token, h);
    struct store_value p[] = {P_BLOB(h, sizeof h), P_INT(now)};
    return store_run_change(s, Q_INVITATION_USE, p, NPARAMS(p));
}

/* ---- sign-ins ---- */

int store_login_insert(struct store *s, const struct store_login *l)
{
    struct store_value p[] = {P_BLOB(l->token_hash, 32), P_INT(l->user_id), P_INT(l->created_at),
                              P_INT(l->last_seen_at), P_INT(l->expires_at)};
    return store_run(s, Q_LOGIN_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
}

static int read_login(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 4);
    struct store_login *l = item;
    l->user_id = col_int(&c[0]);
    l->created_at = col_int(&c[1]);
    l->last_seen_at = col_int(&c[2]);
    l->expires_at = col_int(&c[3]);
    return 0;
}

int store_login_get(struct store *s, const uint8_t token_hash[32], struct store_login *out)
{
    struct arena a = {0};
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    int rc = store_run_one(s, &a, Q_LOGIN_GET, p, 1, sizeof *out, read_login, out);
    if (rc == 0)
        memcpy(out->token_hash, token_hash, 32);
    arena_free(&a);
    return rc;
}

int store_login_touch(struct store *s, const uint8_t token_hash[32], int64_t now)
{
    struct store_value p[] = {P_BLOB(token_hash, 32), P_INT(now)};
    return store_run(s, Q_LOGIN_TOUCH, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_login_delete(struct store *s, const uint8_t token_hash[32])
{
    struct store_value p[] = {P_BLOB(token_hash, 32)};
    return store_run(s, Q_LOGIN_DELETE, p, 1, NULL, NULL, NULL);
}

int store_login_delete_expired(struct store *s, int64_t now, int64_t idle_ms)
{
    struct store_value p[] = {P_INT(now), P_INT(idle_ms)};
    return store_run(s, Q_LOGIN_DELETE_EXPIRED, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_login_delete_user(struct store *s, int64_t user_id, const uint8_t keep_hash[32])
{
    struct store_value p[] = {P_INT(user_id), keep_hash ? P_BLOB(keep_hash, 32) : P_NULL};
    struct store_value q[] = {P_INT(user_id)};
    int rc = store_run(s, Q_LOGIN_DELETE_USER, p, NPARAMS(p), NULL, NULL, NULL);
    return rc < 0 ? rc : store_run(s, Q_MFA_PENDING_DELETE_USER, q, 1, NULL, NULL, NULL);
}

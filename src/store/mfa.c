/* Two-step sign-in: TOTP secrets (sealed, bound to their row), recovery codes (keyed
 * hashes only) and sign-ins waiting for their second step (token hashes only). */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "store/internal.h"

static int read_totp(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 5);
    struct store_totp *t = item;
    t->user_id = col_int(&c[0]);
    t->secret = store_col_unseal(r->s, r->a, "mfa_totp.secret", t->user_id, &c[1], &r->bad);
    if (!t->secret)
        r->bad = 1;
    t->created_at = col_int(&c[2]);
    t->confirmed_at = col_int(&c[3]);
    t->last_step = col_int(&c[4]);
    return 0;
}

int store_totp_get(struct store *s, struct arena *a, int64_t user_id, struct store_totp *out)
{
    struct store_value p[] = {P_INT(user_id)};
    return store_run_one(s, a, Q_TOTP_GET, p, 1, sizeof *out, read_totp, out);
}

int store_totp_set(struct store *s, int64_t user_id, const char *secret, int64_t now)
{
    struct buf box = {0};
    store_seal_text(s, "mfa_totp.secret", user_id, secret, &box);
    struct store_value p[] = {P_INT(user_id), P_BUF(box), P_INT(now)};
    int rc = store_run(s, Q_TOTP_SET, p, NPARAMS(p), NULL, NULL, NULL);
    buf_free(&box);
    return rc;
}

int store_totp_confirm(struct store *s, int64_t user_id, int64_t step, int64_t now)
{
    struct store_value p[] = {P_INT(user_id), P_INT(step), P_INT(now)};
    return store_run_change(s, Q_TOTP_CONFIRM, p, NPARAMS(p));
}

int store_totp_use(struct store *s, int64_t user_id, int64_t step)
{
    struct store_value p[] = {P_INT(user_id), P_INT(step)};
    return store_run_change(s, Q_TOTP_USE, p, NPARAMS(p));
}

int store_totp_delete(struct store *s, int64_t user_id)
{
    struct store_value p[] = {P_INT(user_id)};
    int rc = store_run(s, Q_RECOVERY_CLEAR, p, 1, NULL, NULL, NULL);
    return rc < 0 ? rc : store_run_change(s, Q_TOTP_DELETE, p, 1);
}

/* keyed BLAKE2b (seal_index's key) of the user's id and the code without spaces, dashes or
 * case: the codes are random (60 bits), so no salt or slow hash is needed, and without
 * secret.key a copy of the database cannot even test a guess */
static int recovery_hash(const struct store *s, int64_t user_id, const char *code,
                         uint8_t out[SEAL_INDEX_BYTES])
{
    char norm[8 + STORE_RECOVERY_CODE_MAX];
    size_t n = 0;
    for (int i = 0; i < 8; i++)
        norm[n++] = (char)((uint64_t)user_id >> (56 - 8 * i));
    for (const char *p = code; *p; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        if (n >= sizeof norm)
            return -1;
        norm[n++] = (char)toupper((unsigned char)*p);
    }
    seal_index(s->seal, "mfa_recovery.code", norm, n, out);
    sodium_memzero(norm, sizeof norm);
    return 0;
}

int store_recovery_replace(struct store *s, int64_t user_id, const char *const *codes, int n,
                           int64_t now)
{
    struct store_value p[] = {P_INT(user_id)};
    int rc = store_run(s, Q_RECOVERY_CLEAR, p, 1, NULL, NULL, NULL);
    for (int i = 0; rc == 0 && i < n; i++) {
        uint8_t h[SEAL_INDEX_BYTES];
        if (recovery_hash(s, user_id, codes[i], h) < 0)
            return -EINVAL;
        struct store_value q[] = {P_BLOB(h, sizeof h), P_INT(user_id), P_INT(now)};
        rc = store_run(s, Q_RECOVERY_INSERT, q, NPARAMS(q), NULL, NULL, NULL);
    }
    return rc;
}

int store_recovery_use(struct store *s, int64_t user_id, const char *code, int64_t now)
{
    uint8_t h[SEAL_INDEX_BYTES];
    if (recovery_hash(s, user_id, code, h) < 0)
        return -ENOENT;
    struct store_value p[] = {P_BLOB(h, sizeof h), P_INT(user_id), P_INT(now)};
    return store_run_change(s, Q_RECOVERY_USE, p, NPARAMS(p));
}

int store_recovery_left(struct store *s, int64_t user_id, int64_t *count)
{
    *count = 0;
    struct store_value p[] = {P_INT(user_id)};
    return store_run(s, Q_RECOVERY_LEFT, p, 1, store_first_int, count, NULL);
}

int store_mfa_pending_insert(struct store *s, const uint8_t token_hash[32], int64_t user_id,
                             enum store_mfa_purpose purpose, int64_t expires_at)
{
    struct store_value p[] = {P_BLOB(token_hash, 32), P_INT(user_id),
                              P_TEXT(purpose == STORE_MFA_ENROL ? "enrol" : "verify"),
                              P_INT(expires_at)};
    return store_run(s, Q_MFA_PENDING_INSERT, p, NPARAMS(p), NULL, NULL, NULL);
}

struct pending {
    int64_t user_id;
    enum store_mfa_purpose purpose;
};

static int read_pending(struct rows *r, void *item, const struct store_value *c, int n)
{
    assert(n == 3);
    struct pending *p = item;
    p->user_id = col_int(&c[0]);
    char *purpose = col_text(r->a, &c[1]);
    p->purpose = purpose && strcmp(purpose, "enrol") == 0 ? STORE_MFA_ENROL : STORE_MFA_VERIFY;
    return 0;
}

int store_mfa_pending_get(struct store *s, const uint8_t token_hash[32], int64_t now,
                          int64_t *user_id, enum store_mfa_purpose *purpose)
{
    struct arena a = {0};
    struct pending out = {0};
    struct store_value p[] = {P_BLOB(token_hash, 32), P_INT(now)};
    int rc = store_run_one(s, &a, Q_MFA_PENDING_GET, p, NPARAMS(p), sizeof out, read_pending, &out);
    arena_free(&a);
    if (rc == 0) {
        *user_id = out.user_id;
        *purpose = out.purpose;
    }
    return rc;
}

int store_mfa_pending_delete(struct store *s, const uint8_t token_hash[32], int64_t now)
{
    struct store_value p[] = {P_BLOB(token_hash, 32), P_INT(now)};
    return store_run(s, Q_MFA_PENDING_DELETE, p, NPARAMS(p), NULL, NULL, NULL);
}

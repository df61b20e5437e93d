#include "store/store.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "store/backend.h"

struct store {
    const struct store_backend *be;
    void *db;
    const struct seal *seal;
};

/* Times a backend call into the store latency metric. */
#define TIMED(s, call)                                                                     \
    ({                                                                                     \
        int64_t t0_ = clock_mono_us();                                                     \
        int rc_ = (call);                                                                  \
        metrics_store_call(clock_mono_us() - t0_, rc_ < 0 && rc_ != -ENOENT && rc_ != -EEXIST); \
        rc_;                                                                               \
    })

int store_open(const char *url, const struct seal *seal, struct store **out)
{
    const struct store_backend *be = NULL;
    const char *location = NULL;
    if (strncmp(url, "sqlite:", 7) == 0) {
        be = &store_sqlite_backend;
        location = url + 7;
    }
    if (!be)
        return -EINVAL;
    void *db = NULL;
    int rc = be->open(location, &db);
    if (rc < 0)
        return rc;
    struct store *s = xcalloc(1, sizeof *s);
    s->be = be;
    s->db = db;
    s->seal = seal;
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    s->be->close(s->db);
    free(s);
}

int store_migrate(struct store *s, int *applied, int *version)
{
    return TIMED(s, s->be->migrate(s->db, applied, version));
}

int store_backup(struct store *s, const char *path)
{
    return s->be->backup(s->db, path);
}

int store_ping(struct store *s)
{
    return TIMED(s, s->be->ping(s->db));
}

int store_begin(struct store *s)
{
    return TIMED(s, s->be->begin(s->db));
}

int store_commit(struct store *s)
{
    return TIMED(s, s->be->commit(s->db));
}

void store_rollback(struct store *s)
{
    s->be->rollback(s->db);
}

static const char *const role_names[] = {[STORE_ROLE_ADMIN] = "admin",
                                         [STORE_ROLE_THERAPIST] = "therapist"};

const char *store_role_name(enum store_role role)
{
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

static void normalise_email(const char *email, struct buf *out)
{
    buf_reset(out);
    while (isspace((unsigned char)*email))
        email++;
    size_t n = strlen(email);
    while (n > 0 && isspace((unsigned char)email[n - 1]))
        n--;
    for (size_t i = 0; i < n; i++) {
        char c = (char)tolower((unsigned char)email[i]);
        buf_append(out, &c, 1);
    }
    if (!out->data)
        buf_puts(out, "");
}

static void row_clear(struct store_user_row *r)
{
    buf_free(&r->email_sealed);
    buf_free(&r->name_sealed);
    free(r->password_hash);
    memset(r, 0, sizeof *r);
}

int store_user_count(struct store *s, int64_t *count)
{
    return TIMED(s, s->be->user_count(s->db, count));
}

int store_user_insert(struct store *s, const struct store_user *u, int64_t *id)
{
    struct store_user_row row = {0};
    struct buf email = {0};
    normalise_email(u->email, &email);
    seal_index(s->seal, "users.email", email.data, email.len, row.email_index);
    seal_box(s->seal, "users.email", email.data, email.len, &row.email_sealed);
    seal_box(s->seal, "users.name", u->name, strlen(u->name), &row.name_sealed);
    snprintf(row.role, sizeof row.role, "%s", store_role_name(u->role));
    row.password_hash = u->password_hash;
    row.created_at = u->created_at;
    int rc = TIMED(s, s->be->user_insert(s->db, &row, id));
    row.password_hash = NULL; /* borrowed */
    row_clear(&row);
    buf_free(&email);
    return rc;
}

static int user_from_row(struct store *s, struct store_user_row *row, struct store_user *out)
{
    struct buf email = {0}, name = {0};
    memset(out, 0, sizeof *out);
    if (seal_unbox(s->seal, "users.email", row->email_sealed.data, row->email_sealed.len,
                   &email) < 0 ||
        seal_unbox(s->seal, "users.name", row->name_sealed.data, row->name_sealed.len, &name) <
            0 ||
        store_role_parse(row->role, &out->role) < 0) {
        buf_free(&email);
        buf_free(&name);
        return -EIO; /* a different secret.key than the one this data was sealed with */
    }
    out->id = row->id;
    out->email = email.data ? email.data : xstrdup("");
    out->name = name.data ? name.data : xstrdup("");
    out->password_hash = row->password_hash;
    row->password_hash = NULL;
    out->created_at = row->created_at;
    return 0;
}

static int user_get(struct store *s, const uint8_t *index, int64_t id, struct store_user *out)
{
    struct store_user_row row = {0};
    int rc = TIMED(s, s->be->user_get(s->db, index, id, &row));
    if (rc == 0)
        rc = user_from_row(s, &row, out);
    row_clear(&row);
    return rc;
}

int store_user_by_email(struct store *s, const char *email, struct store_user *out)
{
    struct buf norm = {0};
    uint8_t index[SEAL_INDEX_BYTES];
    normalise_email(email, &norm);
    seal_index(s->seal, "users.email", norm.data, norm.len, index);
    buf_free(&norm);
    return user_get(s, index, 0, out);
}

int store_user_by_id(struct store *s, int64_t id, struct store_user *out)
{
    return user_get(s, NULL, id, out);
}

void store_user_clear(struct store_user *u)
{
    free(u->name);
    free(u->email);
    free(u->password_hash);
    memset(u, 0, sizeof *u);
}

int store_login_insert(struct store *s, const struct store_login *l)
{
    return TIMED(s, s->be->login_insert(s->db, l));
}

int store_login_get(struct store *s, const uint8_t token_hash[32], struct store_login *out)
{
    return TIMED(s, s->be->login_get(s->db, token_hash, out));
}

int store_login_touch(struct store *s, const uint8_t token_hash[32], int64_t now)
{
    return TIMED(s, s->be->login_touch(s->db, token_hash, now));
}

int store_login_delete(struct store *s, const uint8_t token_hash[32])
{
    return TIMED(s, s->be->login_delete(s->db, token_hash));
}

int store_login_delete_expired(struct store *s, int64_t now, int64_t idle_ms)
{
    return TIMED(s, s->be->login_delete_expired(s->db, now, idle_ms));
}

int store_audit(struct store *s, int64_t actor_user_id, const char *action, int64_t subject_id,
                int64_t now)
{
    return TIMED(s, s->be->audit(s->db, actor_user_id, action, subject_id, now));
}

/* Meeting leases: which node carries a live meeting when several share the database. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <sodium.h>
#include <string.h>

#include "core/log.h"
#include "store/internal.h"

static int read_holder(void *ctx, const struct store_value *c, int n)
{
    assert(n == 3);
    struct store_lease_holder *h = ctx;
    snprintf(h->node_id, sizeof h->node_id, "%.*s", (int)c[0].len, c[0].p ? (const char *)c[0].p : "");
    snprintf(h->node_url, sizeof h->node_url, "%.*s", (int)c[1].len,
             c[1].p ? (const char *)c[1].p : "");
    h->expires_at = c[2].i;
    return 1;
}

/* The number a node's lock is known by: 64 bits of a hash of its id. */
static int64_t node_key(const char *node_id)
{
    uint8_t h[8];
    crypto_generichash(h, sizeof h, (const uint8_t *)node_id, strlen(node_id),
                       (const uint8_t *)"confide node lock", 17);
    int64_t key;
    memcpy(&key, h, sizeof key);
    return key;
}

int store_node_hold(struct store *s, const char *node_id)
{
    return s->be->hold_node ? s->be->hold_node(s->db, node_key(node_id)) : 0;
}

/* 1 when the holder's node is gone (its lock free), 0 when alive or unknown (SQLite). */
static int holder_dead(struct store *s, const struct store_lease_holder *h)
{
    if (!s->be->hold_node)
        return 0;
    int64_t key = node_key(h->node_id);
    int got = s->be->try_lock(s->db, key);
    if (got == 1)
        s->be->unlock(s->db, key);
    return got == 1;
}

int store_lease_claim(struct store *s, int64_t occurrence_id, const char *node_id,
                      const char *node_url, int64_t now, int64_t expires_at,
                      struct store_lease_holder *holder)
{
    assert(occurrence_id > 0 && node_id[0] && expires_at > now);
    memset(holder, 0, sizeof *holder);
    int64_t claimed = 0;
    struct store_value p[] = {P_INT(occurrence_id), P_TEXT(node_id), P_TEXT(node_url),
                              P_INT(expires_at), P_INT(now)};
    int rc = store_run(s, Q_LEASE_CLAIM, p, NPARAMS(p), store_first_int, &claimed, NULL);
    if (rc < 0)
        return rc;
    if (claimed == occurrence_id)
        return 0;
    struct store_value key[] = {P_INT(occurrence_id)};
    rc = store_run(s, Q_LEASE_HOLDER, key, 1, read_holder, holder, NULL);
    if (rc < 0)
        return rc;
    /* released between the two statements: free again, but let the caller try anew */
    if (!holder->node_id[0])
        return -EAGAIN;
    if (holder_dead(s, holder)) {
        struct store_value q[] = {P_INT(occurrence_id), P_TEXT(node_id), P_TEXT(node_url),
                                  P_INT(expires_at), P_TEXT(holder->node_id)};
        claimed = 0;
        rc = store_run(s, Q_LEASE_TAKE_OVER, q, NPARAMS(q), store_first_int, &claimed, NULL);
        if (rc < 0)
            return rc;
        if (claimed == occurrence_id) {
            log_info("store", "occurrence=%lld: taken over from node %s, which is gone",
                     (long long)occurrence_id, holder->node_id);
            return 0;
        }
        return -EAGAIN; /* another node took it over first */
    }
    return -EBUSY;
}

static int read_held(struct rows *r, void *item, const struct store_value *c, int n)
{
    (void)r;
    assert(n == 1);
    *(int64_t *)item = c[0].i;
    return 0;
}

int store_lease_renew(struct store *s, struct arena *a, const char *node_id, int64_t expires_at,
                      int64_t **held, size_t *count)
{
    struct rows r = {.a = a, .size = sizeof **held, .read = read_held};
    struct store_value p[] = {P_TEXT(node_id), P_INT(expires_at)};
    int rc = store_run_rows(s, Q_LEASE_RENEW, p, NPARAMS(p), &r);
    *held = r.items;
    *count = r.count;
    return rc;
}

int store_lease_release(struct store *s, int64_t occurrence_id, const char *node_id)
{
    if (occurrence_id == 0) {
        struct store_value p[] = {P_TEXT(node_id)};
        return store_run(s, Q_LEASE_RELEASE_NODE, p, 1, NULL, NULL, NULL);
    }
    struct store_value p[] = {P_INT(occurrence_id), P_TEXT(node_id)};
    return store_run(s, Q_LEASE_RELEASE, p, NPARAMS(p), NULL, NULL, NULL);
}

int store_lease_sweep(struct store *s, int64_t before)
{
    struct store_value p[] = {P_INT(before)};
    return store_run(s, Q_LEASE_SWEEP, p, 1, NULL, NULL, NULL);
}

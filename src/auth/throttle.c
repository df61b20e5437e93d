#include "auth/throttle.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/cidr.h"
#include "core/xalloc.h"

/* Changes kept for the other nodes until taken; past this the oldest are dropped (they
 * then count on this node only). */
#define PENDING_MAX 512

struct entry {
    uint8_t digest[THROTTLE_DIGEST_BYTES]; /* the key's keyed hash */
    int used;
    int failures;
    int64_t last_failure;
    int64_t blocked_until;
};

struct throttle {
    pthread_mutex_t lock; /* sign-ins are checked on the service thread and the auth worker */
    struct entry *entries;
    size_t capacity;
    int free_failures;
    int64_t base_ms, max_ms;
    uint8_t secret[32]; /* zero until shared: the hash is then only a fixed-size key */
    char name[THROTTLE_NAME_MAX];
    struct throttle_change *pending; /* a ring, once shared */
    size_t pending_head, pending_count;
};

struct throttle *throttle_new(size_t capacity, int free_failures, int64_t base_ms, int64_t max_ms)
{
    assert(capacity > 0 && base_ms > 0 && base_ms <= max_ms);
    struct throttle *t = xcalloc(1, sizeof *t);
    t->entries = xcalloc(capacity, sizeof *t->entries);
    t->capacity = capacity;
    t->free_failures = free_failures;
    t->base_ms = base_ms;
    t->max_ms = max_ms;
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

void throttle_free(struct throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t->pending);
    free(t->entries);
    free(t);
}

static int stale(const struct throttle *t, const struct entry *e, int64_t now)
{
    return e->used && now - e->last_failure >= t->max_ms && now >= e->blocked_until;
}

static void digest_of(const struct throttle *t, const char *key,
                      uint8_t out[THROTTLE_DIGEST_BYTES])
{
    crypto_generichash(out, THROTTLE_DIGEST_BYTES, (const uint8_t *)key,
                       strnlen(key, THROTTLE_KEY_MAX - 1), t->secret, sizeof t->secret);
}

static struct entry *find_any(const struct throttle *t, const uint8_t *digest)
{
    for (size_t i = 0; i < t->capacity; i++) {
        struct entry *e = &t->entries[i];
        if (e->used && memcmp(e->digest, digest, THROTTLE_DIGEST_BYTES) == 0)
            return e;
    }
    return NULL;
}

int64_t throttle_wait_ms(struct throttle *t, const char *key, int64_t now)
{
    uint8_t digest[THROTTLE_DIGEST_BYTES];
    digest_of(t, key, digest);
    pthread_mutex_lock(&t->lock);
    const struct entry *e = find_any(t, digest);
    if (e && stale(t, e, now))
        e = NULL;
    int64_t wait = e && e->blocked_until > now ? e->blocked_until - now : 0;
    pthread_mutex_unlock(&t->lock);
    return wait;
}

static void note_change(struct throttle *t, const uint8_t *digest, int failed)
{
    if (!t->pending)
        return;
    if (t->pending_count == PENDING_MAX) {
        t->pending_head = (t->pending_head + 1) % PENDING_MAX;
        t->pending_count--;
    }
    struct throttle_change *c = &t->pending[(t->pending_head + t->pending_count++) % PENDING_MAX];
    memcpy(c->digest, digest, THROTTLE_DIGEST_BYTES);
    c->failed = failed;
}

static void failure_locked(struct throttle *t, const uint8_t *digest, int64_t now)
{
    struct entry *e = find_any(t, digest);
    if (e && stale(t, e, now))
        e->failures = 0;
    if (!e) {
        struct entry *victim = &t->entries[0];
        for (size_t i = 0; i < t->capacity; i++) {
            struct entry *c = &t->entries[i];
            if (!c->used || stale(t, c, now)) {
                victim = c;
                break;
            }
            if (c->last_failure < victim->last_failure)
                victim = c;
        }
        e = victim;
        memset(e, 0, sizeof *e);
        memcpy(e->digest, digest, THROTTLE_DIGEST_BYTES);
        e->used = 1;
    }
    e->failures++;
    e->last_failure = now;
    int over = e->failures - t->free_failures;
    if (over > 0) {
        int64_t wait = t->base_ms;
        for (int i = 1; i < over && wait < t->max_ms; i++)
            wait *= 2;
        if (wait > t->max_ms)
            wait = t->max_ms;
        assert(wait >= t->base_ms && wait <= t->max_ms);
        e->blocked_until = now + wait;
    }
}

static void success_locked(struct throttle *t, const uint8_t *digest)
{
    struct entry *e = find_any(t, digest);
    if (e)
        memset(e, 0, sizeof *e);
}

void throttle_failure(struct throttle *t, const char *key, int64_t now)
{
    uint8_t digest[THROTTLE_DIGEST_BYTES];
    digest_of(t, key, digest);
    pthread_mutex_lock(&t->lock);
    failure_locked(t, digest, now);
    note_change(t, digest, 1);
    pthread_mutex_unlock(&t->lock);
}

void throttle_success(struct throttle *t, const char *key)
{
    uint8_t digest[THROTTLE_DIGEST_BYTES];
    digest_of(t, key, digest);
    pthread_mutex_lock(&t->lock);
    success_locked(t, digest);
    note_change(t, digest, 0);
    pthread_mutex_unlock(&t->lock);
}

/* ---- sharing between nodes ---- */

void throttle_share(struct throttle *t, const char *name, const uint8_t secret[32])
{
    assert(name[0] && strlen(name) < THROTTLE_NAME_MAX);
    pthread_mutex_lock(&t->lock);
    /* keys hashed before would not be found under the new secret: start afresh */
    memset(t->entries, 0, t->capacity * sizeof *t->entries);
    memcpy(t->secret, secret, sizeof t->secret);
    snprintf(t->name, sizeof t->name, "%s", name);
    if (!t->pending)
        t->pending = xcalloc(PENDING_MAX, sizeof *t->pending);
    t->pending_head = t->pending_count = 0;
    pthread_mutex_unlock(&t->lock);
}

const char *throttle_name(const struct throttle *t)
{
    return t->name;
}

size_t throttle_take_changes(struct throttle *t, struct throttle_change *out, size_t max)
{
    pthread_mutex_lock(&t->lock);
    size_t n = 0;
    while (n < max && t->pending_count > 0) {
        out[n++] = t->pending[t->pending_head];
        t->pending_head = (t->pending_head + 1) % PENDING_MAX;
        t->pending_count--;
    }
    pthread_mutex_unlock(&t->lock);
    return n;
}

void throttle_apply(struct throttle *t, const struct throttle_change *c, int64_t now)
{
    pthread_mutex_lock(&t->lock);
    if (c->failed)
        failure_locked(t, c->digest, now);
    else
        success_locked(t, c->digest);
    pthread_mutex_unlock(&t->lock);
}

void throttle_address_key(const char *scope, const char *peer, char out[THROTTLE_KEY_MAX])
{
    char client[64];
    cidr_client_key(peer, client);
    snprintf(out, THROTTLE_KEY_MAX, "%s:%s", scope, client);
}

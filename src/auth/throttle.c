#include "auth/throttle.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/cidr.h"
#include "core/xalloc.h"

#define KEY_MAX 80

struct entry {
    char key[KEY_MAX];
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
    free(t->entries);
    free(t);
}

static int stale(const struct throttle *t, const struct entry *e, int64_t now)
{
    return e->key[0] && now - e->last_failure >= t->max_ms && now >= e->blocked_until;
}

static struct entry *find(const struct throttle *t, const char *key, int64_t now)
{
    for (size_t i = 0; i < t->capacity; i++) {
        struct entry *e = &t->entries[i];
        if (e->key[0] && strncmp(e->key, key, KEY_MAX - 1) == 0)
            return stale(t, e, now) ? NULL : e;
    }
    return NULL;
}

int64_t throttle_wait_ms(struct throttle *t, const char *key, int64_t now)
{
    pthread_mutex_lock(&t->lock);
    const struct entry *e = find(t, key, now);
    int64_t wait = e && e->blocked_until > now ? e->blocked_until - now : 0;
    pthread_mutex_unlock(&t->lock);
    return wait;
}

static void failure_locked(struct throttle *t, const char *key, int64_t now)
{
    struct entry *e = NULL;
    for (size_t i = 0; i < t->capacity && !e; i++)
        if (t->entries[i].key[0] && strncmp(t->entries[i].key, key, KEY_MAX - 1) == 0)
            e = &t->entries[i];
    if (e && stale(t, e, now))
        e->failures = 0;
    if (!e) {
        struct entry *victim = &t->entries[0];
        for (size_t i = 0; i < t->capacity; i++) {
            struct entry *c = &t->entries[i];
            if (!c->key[0] || stale(t, c, now)) {
                victim = c;
                break;
            }
            if (c->last_failure < victim->last_failure)
                victim = c;
        }
        e = victim;
        memset(e, 0, sizeof *e);
        strncpy(e->key, key, KEY_MAX - 1);
    }
    assert(e->key[0]);
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

void throttle_failure(struct throttle *t, const char *key, int64_t now)
{
    pthread_mutex_lock(&t->lock);
    failure_locked(t, key, now);
    pthread_mutex_unlock(&t->lock);
}

void throttle_success(struct throttle *t, const char *key)
{
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->capacity; i++)
        if (t->entries[i].key[0] && strncmp(t->entries[i].key, key, KEY_MAX - 1) == 0)
            memset(&t->entries[i], 0, sizeof t->entries[i]);
    pthread_mutex_unlock(&t->lock);
}

void throttle_address_key(const char *scope, const char *peer, char out[THROTTLE_KEY_MAX])
{
    char client[64];
    cidr_client_key(peer, client);
    snprintf(out, THROTTLE_KEY_MAX, "%s:%s", scope, client);
}

/* Events between nodes: what one node tells the others (a client's access ended, people
 * waiting for a meeting). On PostgreSQL they are NOTIFY on one channel, heard by every
 * connection that LISTENs; SQLite has one process per database, so its events go through
 * a queue within the process, to the one store that listens (the service thread's). */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/internal.h"

/* Bounded: a listener that stopped polling loses the oldest, never the process's memory. */
#define LOCAL_EVENTS 256

static struct {
    pthread_mutex_t lock;
    const struct store *listener;
    char text[LOCAL_EVENTS][STORE_EVENT_MAX + 1];
    size_t head, count;
    int64_t dropped;
} local = {.lock = PTHREAD_MUTEX_INITIALIZER};

int store_events_listen(struct store *s)
{
    if (s->be->listen)
        return s->be->listen(s->db);
    pthread_mutex_lock(&local.lock);
    local.listener = s;
    local.head = local.count = 0;
    pthread_mutex_unlock(&local.lock);
    return 0;
}

static int payload_ok(const char *payload)
{
    size_t n = strlen(payload);
    if (n == 0 || n > STORE_EVENT_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)payload[i] < 0x20 || (unsigned char)payload[i] > 0x7e)
            return 0; /* one printable ASCII line: ids and counts */
    return 1;
}

int store_event_publish(struct store *s, const char *payload)
{
    assert(!s->in_txn);
    if (!payload_ok(payload)) {
        assert(!"events are one short printable line");
        return -EINVAL;
    }
    if (s->be->notify)
        return s->be->notify(s->db, payload);
    pthread_mutex_lock(&local.lock);
    if (local.listener) {
        if (local.count == LOCAL_EVENTS) {
            local.head = (local.head + 1) % LOCAL_EVENTS;
            local.count--;
            local.dropped++;
        }
        size_t at = (local.head + local.count++) % LOCAL_EVENTS;
        snprintf(local.text[at], sizeof local.text[at], "%s", payload);
    }
    pthread_mutex_unlock(&local.lock);
    return 0;
}

int store_events_poll(struct store *s, store_event_fn fn, void *ctx)
{
    if (s->be->poll_events)
        return s->be->poll_events(s->db, fn, ctx);
    char text[STORE_EVENT_MAX + 1];
    for (;;) {
        pthread_mutex_lock(&local.lock);
        int64_t dropped = local.dropped;
        local.dropped = 0;
        int have = local.listener == s && local.count > 0;
        if (have) {
            memcpy(text, local.text[local.head], sizeof text);
            local.head = (local.head + 1) % LOCAL_EVENTS;
            local.count--;
        }
        pthread_mutex_unlock(&local.lock);
        if (dropped)
            log_warn("store", "%lld event(s) dropped: nobody took them in time",
                     (long long)dropped);
        if (!have)
            return 0;
        fn(ctx, text);
    }
}

void store_events_closing(const struct store *s)
{
    pthread_mutex_lock(&local.lock);
    if (local.listener == s)
        local.listener = NULL;
    pthread_mutex_unlock(&local.lock);
}

/* ---- the events' text: "revoked <client> <user>", "waiting <occurrence> <series> <count>
 * <staff,...>", "waiting?" ---- */

/* A node's or a throttle's name: what config allows for node_id, and it fits. */
static int name_ok(const char *name, size_t size)
{
    size_t n = strnlen(name, size);
    if (n == 0 || n == size)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* The next word (up to a space or the end) into out, a name by name_ok. */
static int read_name(const char **p, char *out, size_t size)
{
    size_t n = strcspn(*p, " ");
    if (n >= size)
        return -EINVAL;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n;
    return name_ok(out, size) ? 0 : -EINVAL;
}

int store_event_format(const struct store_event *e, char text[STORE_EVENT_MAX + 1])
{
    const size_t size = STORE_EVENT_MAX + 1;
    int n = 0;
    switch (e->kind) {
    case STORE_EVENT_REVOKED:
        assert((e->client_id > 0) != (e->user_id > 0));
        n = snprintf(text, size, "revoked %" PRId64 " %" PRId64, e->client_id, e->user_id);
        break;
    case STORE_EVENT_WAITING:
        assert(e->occurrence_id > 0 && e->count >= 0);
        assert(e->staff_count > 0 && e->staff_count <= STORE_EVENT_STAFF_MAX);
        n = snprintf(text, size, "waiting %" PRId64 " %" PRId64 " %d ", e->occurrence_id,
                     e->series_id, e->count);
        for (int i = 0; i < e->staff_count && n > 0 && (size_t)n < size; i++)
            n += snprintf(text + n, size - (size_t)n, "%s%" PRId64, i ? "," : "", e->staff[i]);
        break;
    case STORE_EVENT_WAITING_ASKED:
        n = snprintf(text, size, "waiting?");
        break;
    case STORE_EVENT_THROTTLE: {
        assert(name_ok(e->node, sizeof e->node) && name_ok(e->throttle, sizeof e->throttle));
        char hex[2 * sizeof e->digest + 1];
        sodium_bin2hex(hex, sizeof hex, e->digest, sizeof e->digest);
        n = snprintf(text, size, "throttle %s %s %c %s", e->node, e->throttle,
                     e->failed ? 'f' : 's', hex);
        break;
    }
    }
    assert(n > 0 && (size_t)n < size); /* 8 ids of 19 digits fit */
    return n;
}

int store_event_send(struct store *s, const struct store_event *e)
{
    char text[STORE_EVENT_MAX + 1];
    store_event_format(e, text);
    return store_event_publish(s, text);
}

/* A decimal id or count: digits only, no sign, no overflow. */
static int read_number(const char **p, int64_t *out)
{
    const char *start = *p;
    int64_t v = 0;
    while (**p >= '0' && **p <= '9') {
        if (v > (INT64_MAX - (**p - '0')) / 10)
            return -EINVAL;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    if (*p == start || *p - start > 19)
        return -EINVAL;
    *out = v;
    return 0;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return -EINVAL;
    (*p)++;
    return 0;
}

int store_event_parse(const char *payload, struct store_event *out)
{
    memset(out, 0, sizeof *out);
    const char *p = payload;
    if (strcmp(p, "waiting?") == 0) {
        out->kind = STORE_EVENT_WAITING_ASKED;
        return 0;
    }
    if (strncmp(p, "revoked ", 8) == 0) {
        p += 8;
        out->kind = STORE_EVENT_REVOKED;
        if (read_number(&p, &out->client_id) < 0 || expect(&p, ' ') < 0 ||
            read_number(&p, &out->user_id) < 0 || *p ||
            (out->client_id > 0) == (out->user_id > 0))
            return -EINVAL;
        return 0;
    }
    if (strncmp(p, "throttle ", 9) == 0) {
        p += 9;
        out->kind = STORE_EVENT_THROTTLE;
        if (read_name(&p, out->node, sizeof out->node) < 0 || expect(&p, ' ') < 0 ||
            read_name(&p, out->throttle, sizeof out->throttle) < 0 || expect(&p, ' ') < 0 ||
            (*p != 'f' && *p != 's'))
            return -EINVAL;
        out->failed = *p++ == 'f';
        size_t hex_len = 0;
        if (expect(&p, ' ') < 0 || strlen(p) != 2 * sizeof out->digest ||
            sodium_hex2bin(out->digest, sizeof out->digest, p, strlen(p), NULL, &hex_len, NULL) !=
                0 ||
            hex_len != sizeof out->digest)
            return -EINVAL;
        return 0;
    }
    if (strncmp(p, "waiting ", 8) != 0)
        return -EINVAL;
    p += 8;
    out->kind = STORE_EVENT_WAITING;
    int64_t count;
    if (read_number(&p, &out->occurrence_id) < 0 || expect(&p, ' ') < 0 ||
        read_number(&p, &out->series_id) < 0 || expect(&p, ' ') < 0 ||
        read_number(&p, &count) < 0 || count > 1000 || expect(&p, ' ') < 0 ||
        out->occurrence_id == 0)
        return -EINVAL;
    out->count = (int)count;
    for (;;) {
        if (out->staff_count == STORE_EVENT_STAFF_MAX ||
            read_number(&p, &out->staff[out->staff_count++]) < 0)
            return -EINVAL;
        if (*p == '\0')
            return 0;
        if (expect(&p, ',') < 0)
            return -EINVAL;
    }
}

#include "net/conn_limit.h"

#include <assert.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/cidr.h"
#include "core/rand.h"
#include "core/xalloc.h"

/* Addresses that hold connections, in an open-addressing table (linear probing, removal
 * by backward shift, so no tombstones pile up under churn). The hash is keyed with a
 * random key, so clients cannot choose addresses that collide. */
struct slot {
    uint8_t key[16];
    long count; /* 0: the slot is empty */
};

struct conn_limit {
    long per_address, total_max;
    long total;
    struct slot *slots;
    size_t cap, used; /* cap a power of two, used at most half of it */
    uint8_t hash_key[crypto_shorthash_KEYBYTES];
};

/* one client, one count: the same rule the throttles key by (an IPv6 host by its /64) */
static void key_of(const uint8_t addr[16], uint8_t key[16])
{
    cidr_client_bucket(addr, key);
}

static size_t home_of(const struct conn_limit *l, const uint8_t key[16])
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, 16, l->hash_key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return (size_t)v & (l->cap - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *find(const struct conn_limit *l, const uint8_t key[16])
{
    size_t i = home_of(l, key);
    while (l->slots[i].count > 0 && memcmp(l->slots[i].key, key, 16) != 0)
        i = (i + 1) & (l->cap - 1);
    return &l->slots[i];
}

static void grow(struct conn_limit *l)
{
    struct slot *old = l->slots;
    size_t old_cap = l->cap;
    l->cap *= 2;
    l->slots = xcalloc(l->cap, sizeof *l->slots);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].count > 0)
            *find(l, old[i].key) = old[i];
    free(old);
}

struct conn_limit *conn_limit_new(long per_address, long total)
{
    assert(per_address >= 1 && total >= 1);
    struct conn_limit *l = xcalloc(1, sizeof *l);
    l->per_address = per_address;
    l->total_max = total;
    l->cap = 64;
    l->slots = xcalloc(l->cap, sizeof *l->slots);
    rand_bytes(l->hash_key, sizeof l->hash_key);
    return l;
}

void conn_limit_free(struct conn_limit *l)
{
    if (!l)
        return;
    free(l->slots);
    free(l);
}

enum conn_verdict conn_limit_admit(struct conn_limit *l, const uint8_t addr[16], int exempt)
{
    if (l->total >= l->total_max)
        return CONN_REFUSE_TOTAL;
    if (!exempt) {
        uint8_t key[16];
        key_of(addr, key);
        struct slot *s = find(l, key);
        if (s->count >= l->per_address)
            return CONN_REFUSE_ADDRESS;
        if (s->count == 0) {
            memcpy(s->key, key, 16);
            l->used++;
        }
        s->count++;
        if (l->used * 2 > l->cap)
            grow(l);
    }
    l->total++;
    return CONN_ADMIT;
}

/* Empties slot i and moves later members of its run back, so every key stays reachable
 * from its home without a gap. */
static void remove_at(struct conn_limit *l, size_t i)
{
    size_t mask = l->cap - 1;
    size_t j = i;
    for (;;) {
        l->slots[i].count = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (l->slots[j].count == 0)
                return;
            size_t home = home_of(l, l->slots[j].key);
            /* j's entry may move to i unless its home lies cyclically in (i, j] */
            int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays)
                break;
        }
        l->slots[i] = l->slots[j];
        i = j;
    }
}

void conn_limit_release(struct conn_limit *l, const uint8_t addr[16], int exempt)
{
    assert(l->total > 0);
    l->total--;
    if (exempt)
        return;
    uint8_t key[16];
    key_of(addr, key);
    struct slot *s = find(l, key);
    assert(s->count > 0); /* released as it was admitted */
    if (--s->count == 0) {
        l->used--;
        remove_at(l, (size_t)(s - l->slots));
    }
}

long conn_limit_total(const struct conn_limit *l)
{
    return l->total;
}

long conn_limit_count(const struct conn_limit *l, const uint8_t addr[16])
{
    uint8_t key[16];
    key_of(addr, key);
    return find(l, key)->count;
}

const char *conn_verdict_name(enum conn_verdict v)
{
    switch (v) {
    case CONN_ADMIT:
        return "admitted";
    case CONN_REFUSE_ADDRESS:
        return "too many from this address";
    case CONN_REFUSE_TOTAL:
        return "too many connections";
    }
    return "?";
}

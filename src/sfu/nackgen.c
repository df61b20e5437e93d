#include "sfu/nackgen.h"

#include <assert.h>
#include <string.h>

static void forget(struct nackgen *g, size_t i)
{
    assert(i < g->count && g->count <= NACKGEN_SLOTS);
    g->miss[i] = g->miss[--g->count];
}

bool nackgen_received(struct nackgen *g, int64_t seq, int64_t now)
{
    if (!g->started || seq - g->max > NACKGEN_MAX_GAP || g->max - seq > 0x8000) {
        /* the first packet, or a jump no loss explains: start over from here */
        g->started = true;
        g->max = seq;
        g->count = 0;
        return false;
    }
    if (seq <= g->max) {
        for (size_t i = 0; i < g->count; i++) {
            if (g->miss[i].seq == seq) {
                forget(g, i);
                g->recovered++;
                return true;
            }
        }
        return false; /* a duplicate, or one already given up */
    }
    for (int64_t s = g->max + 1; s < seq; s++) {
        if (g->count == NACKGEN_SLOTS) {
            /* full: the oldest is the least likely to still help */
            size_t oldest = 0;
            for (size_t i = 1; i < g->count; i++)
                if (g->miss[i].seq < g->miss[oldest].seq)
                    oldest = i;
            forget(g, oldest);
            g->given_up++;
        }
        g->miss[g->count++] = (struct nackgen_miss){.seq = s, .since_ms = now, .asked_ms = 0};
    }
    assert(g->count <= NACKGEN_SLOTS);
    g->max = seq;
    return false;
}

size_t nackgen_due(struct nackgen *g, int64_t now, uint16_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < g->count;) {
        struct nackgen_miss *m = &g->miss[i];
        if (m->tries >= NACKGEN_TRIES || now - m->since_ms > NACKGEN_GIVE_UP_MS) {
            forget(g, i);
            g->given_up++;
            continue;
        }
        if (n < cap && (m->tries == 0 || now - m->asked_ms >= NACKGEN_RETRY_MS)) {
            out[n++] = (uint16_t)m->seq;
            m->asked_ms = now;
            m->tries++;
        }
        i++;
    }
    assert(n <= cap);
    return n;
}

int64_t nackgen_deadline(const struct nackgen *g)
{
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < g->count; i++) {
        const struct nackgen_miss *m = &g->miss[i];
        int64_t due = m->tries == 0 ? m->since_ms : m->asked_ms + NACKGEN_RETRY_MS;
        if (due < next)
            next = due;
    }
    return next;
}

/* nackgen: which packets of one incoming stream to ask for again (RFC 4585 generic NACK),
 * sans-I/O. The receiver reports every sequence number it gets (extended, rtp_seq_unwrap);
 * gaps become missing packets, each asked for at once and then again every retry interval
 * until it arrives, NACKGEN_TRIES requests have gone, or it is older than NACKGEN_GIVE_UP_MS
 * (by then a keyframe request serves better). A jump larger than NACKGEN_MAX_GAP is taken as
 * a restart of the stream, not as loss. No allocation. */
#ifndef CONFIDE_SFU_NACKGEN_H
#define CONFIDE_SFU_NACKGEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NACKGEN_SLOTS 128
#define NACKGEN_MAX_GAP 100
#define NACKGEN_TRIES 8
#define NACKGEN_RETRY_MS 40
#define NACKGEN_GIVE_UP_MS 1000

struct nackgen_miss {
    int64_t seq; /* extended */
    int64_t since_ms, asked_ms;
    uint8_t tries;
};

/* Zero-initialise. */
struct nackgen {
    bool started;
    int64_t max;
    struct nackgen_miss miss[NACKGEN_SLOTS];
    size_t count;
    uint64_t recovered, given_up; /* missing packets that came / were abandoned */
};

/* A packet arrived. Returns true when it was one we were missing. */
bool nackgen_received(struct nackgen *g, int64_t seq, int64_t now_ms);
/* The sequence numbers (low 16 bits) to ask for now, at most cap; each is marked asked. */
size_t nackgen_due(struct nackgen *g, int64_t now_ms, uint16_t *out, size_t cap);
/* When nackgen_due will next have something (INT64_MAX: nothing missing). */
int64_t nackgen_deadline(const struct nackgen *g);

#endif

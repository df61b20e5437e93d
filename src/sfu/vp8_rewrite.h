/* vp8_rewrite: keeps a subscriber's VP8 picture ids and TL0PICIDX continuous when the
 * router switches the track to another simulcast layer (or another source after a rejoin).
 * Each layer numbers its pictures on its own; a decoder that sees the picture id jump takes
 * frames for lost and asks for a keyframe. Like rtp_rewriter for sequence numbers: out = in
 * + offset, and at a switch the offset is chosen so the new source's first picture follows
 * the last one sent. The descriptor is rewritten in place, in its own 7- or 15-bit form.
 * Sans-I/O, no allocation. Zero-initialise. */
#ifndef CONFIDE_SFU_VP8_REWRITE_H
#define CONFIDE_SFU_VP8_REWRITE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vp8_rewriter {
    bool started;     /* a packet has gone out */
    bool switch_next; /* the next packet starts a new source */
    uint16_t pid_offset;
    uint8_t tl0_offset;
    bool have_pid, have_tl0; /* out_pid / out_tl0 hold something */
    uint16_t out_pid;        /* the newest picture id sent (15-bit space) */
    uint8_t out_tl0;         /* the newest TL0PICIDX sent */
};

/* The next packet handed over comes from a new source (it should start a keyframe). */
void vp8_rewriter_switch(struct vp8_rewriter *v);
/* Rewrites one VP8 payload (descriptor first) in place. 0, or -EBADMSG for a descriptor
 * that does not parse (the payload is then left alone). A payload without picture id or
 * TL0PICIDX is fine: only what it has is rewritten. */
int vp8_rewriter_apply(struct vp8_rewriter *v, uint8_t *payload, size_t len);

#endif

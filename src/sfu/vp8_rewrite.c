#include "sfu/vp8_rewrite.h"

#include <assert.h>
#include <errno.h>

#include "sfu/rtp.h"

#define PID_MOD 0x8000u /* picture ids are followed in 15 bits; a 7-bit one is its low bits */

void vp8_rewriter_switch(struct vp8_rewriter *v)
{
    v->switch_next = true;
}

/* a is after b in a circle of mod numbers (by less than half of it) */
static bool newer(uint32_t a, uint32_t b, uint32_t mod)
{
    uint32_t d = (a - b) & (mod - 1);
    return d != 0 && d < mod / 2;
}

int vp8_rewriter_apply(struct vp8_rewriter *v, uint8_t *payload, size_t len)
{
    struct rtp_vp8 d;
    if (rtp_vp8_parse(payload, len, &d) < 0)
        return -EBADMSG;
    bool fresh = !v->started || v->switch_next;
    v->started = true;
    v->switch_next = false;
    if (d.has_picture_id) {
        uint16_t in = d.picture_id;
        if (fresh)
            v->pid_offset = v->have_pid ? (uint16_t)((v->out_pid + 1u - in) & (PID_MOD - 1)) : 0;
        uint16_t out = (uint16_t)((in + v->pid_offset) & (PID_MOD - 1));
        if (!v->have_pid || newer(out, v->out_pid, PID_MOD) ||
            (!d.picture_id_15bit && newer(out & 0x7f, v->out_pid & 0x7f, 0x80)))
            v->out_pid = out;
        v->have_pid = true;
        int rc = rtp_vp8_set_picture_id(payload, len, out);
        assert(rc == 0);
        (void)rc;
    }
    if (d.has_tl0picidx) {
        uint8_t in = d.tl0picidx;
        if (fresh)
            v->tl0_offset = v->have_tl0 ? (uint8_t)(v->out_tl0 + 1u - in) : 0;
        uint8_t out = (uint8_t)(in + v->tl0_offset);
        if (!v->have_tl0 || newer(out, v->out_tl0, 0x100))
            v->out_tl0 = out;
        v->have_tl0 = true;
        int rc = rtp_vp8_set_tl0picidx(payload, len, out);
        assert(rc == 0);
        (void)rc;
    }
    return 0;
}

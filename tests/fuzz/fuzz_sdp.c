/* Fuzzes the SDP parser and both negotiations with what a /ws client can send. Whatever
 * parses is answered; an answer we write must parse with our own parser and keep one
 * section per offered one. The parsed sections also become tracks for a subscribe offer
 * (which must parse back) and for checking the input as an answer to it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static const struct sdp_local local = {
    .ice_ufrag = "fuzz",
    .ice_pwd = "0123456789abcdefghijklmn",
    .fingerprint_alg = "sha-256",
    .fingerprint = "AB:CD:EF:01",
    .host = "127.0.0.1",
    .port = 9,
    .session_id = 1,
    .session_version = 1,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a = {0};
    struct sdp_session *s, *back;
    struct sdp_error err = {0};
    char *text = malloc(size ? size : 1); /* exactly the input: overreads are caught */
    memcpy(text, data, size);
    if (sdp_parse(&a, text, size, &s, &err) != 0) {
        check(err.code && err.message[0]);
        goto out;
    }
    struct buf answer = {0};
    struct sdp_negotiated *neg;
    if (sdp_answer(&a, s, &local, size & 1 ? SDP_PREFER_H264 : 0, &answer, &neg, &err) == 0) {
        check(sdp_parse(&a, answer.data, answer.len, &back, &err) == 0);
        check(back->media_count == s->media_count && back->ice_lite);
        for (size_t i = 0; i < s->media_count; i++)
            check(neg->media[i].accepted == (back->media[i].port != 0));
    } else {
        check(err.code && err.message[0] && answer.len == 0);
    }
    buf_free(&answer);

    /* the input's sections as forwarded tracks */
    size_t n = s->media_count;
    struct sdp_track *tracks = arena_alloc(&a, (n ? n : 1) * sizeof *tracks);
    for (size_t i = 0; i < n; i++) {
        const struct sdp_media *m = &s->media[i];
        struct sdp_track *t = &tracks[i];
        t->mid = m->mid ? m->mid : "x";
        t->kind = m->kind == SDP_AUDIO ? SDP_AUDIO : SDP_VIDEO;
        t->codec = t->kind == SDP_AUDIO ? SDP_CODEC_OPUS : i & 1 ? SDP_CODEC_H264 : SDP_CODEC_VP8;
        t->ssrc = (uint32_t)i + 1;
        t->rtx_ssrc = i & 2 ? 0 : (uint32_t)i + 1000;
        t->stream_id = m->msid_stream ? m->msid_stream : "s";
        t->track_id = m->msid_track ? m->msid_track : "t";
        t->cname = "c";
        t->active = m->direction != SDP_INACTIVE;
    }
    struct buf offer = {0};
    if (sdp_offer(&local, tracks, n, &offer, &err) == 0) {
        check(sdp_parse(&a, offer.data, offer.len, &back, &err) == 0);
        check(back->media_count == n && back->bundle_count == n);
    } else {
        check(offer.len == 0);
    }
    buf_free(&offer);
    if (sdp_accept_answer(&a, s, tracks, n, &neg, &err) == 0)
        check(neg->media_count == n && neg->remote_ufrag && neg->remote_fingerprint);
out:
    free(text);
    arena_free(&a);
    return 0;
}

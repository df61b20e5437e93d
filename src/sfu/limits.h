/* limits: how many people one meeting holds, derived from what one subscribe transport can
 * carry. Every other person's audio (one SSRC) and video (two: media and RTX) reach a
 * subscriber on one transport, whose SRTP context has MEDIA_SRTP_STREAMS slots and never
 * reuses an SSRC, and whose offer has one section per (person, kind), and one for a shared
 * screen. The group capacity
 * (api/groups.c), the room (live/room.c) and the media planner (live/media_plan.c) all
 * use these numbers, so they cannot disagree. */
#ifndef CONFIDE_SFU_LIMITS_H
#define CONFIDE_SFU_LIMITS_H
#include "sfu/sdp.h"

/* SSRCs per direction of one transport (the SRTP contexts' slots, sfu/peer.h). */
#define MEDIA_SRTP_STREAMS 64
/* SSRCs one subscribe transport may carry; two slots are kept spare. */
#define MEDIA_SUB_MAX_SSRCS (MEDIA_SRTP_STREAMS - 2)
/* SDP sections on one subscribe transport before it is replaced by a fresh one. */
#define MEDIA_SUB_MAX_TRACKS 56
/* SSRCs and sections one other person takes: audio, video and video's RTX. */
#define MEDIA_SSRCS_PER_PERSON 3
#define MEDIA_SECTIONS_PER_PERSON 2
/* A shared screen (one per meeting) on top of everyone: its video and RTX, one section. */
#define MEDIA_SCREEN_SSRCS 2
#define MEDIA_SCREEN_SECTIONS 1

#define MEDIA_MIN(a, b) ((a) < (b) ? (a) : (b))
/* Everyone a meeting holds: one person plus all the others one transport can show. */
#define MEETING_MAX_PEOPLE                                                                         \
    (1 + MEDIA_MIN((MEDIA_SUB_MAX_SSRCS - MEDIA_SCREEN_SSRCS) / MEDIA_SSRCS_PER_PERSON,            \
                   (MEDIA_SUB_MAX_TRACKS - MEDIA_SCREEN_SECTIONS) / MEDIA_SECTIONS_PER_PERSON))
/* A group's therapist and up to this many co-facilitators come on top of its clients. */
#define MEETING_MAX_STAFF 5
#define GROUP_MAX_CAPACITY (MEETING_MAX_PEOPLE - MEETING_MAX_STAFF)

_Static_assert(MEDIA_SUB_MAX_TRACKS <= SDP_MAX_MEDIA, "an offer holds every section");
_Static_assert(GROUP_MAX_CAPACITY >= 2, "a group holds at least two clients");
#endif

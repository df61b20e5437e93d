/* team_mail: mail to practitioners. An administrator's invitation, with the one-time link
 * "<public_url>/invite#<token>" to set a password; the notice that a client of theirs was
 * opened by emergency access. The token is
 * after '#', so it never reaches a server log, even a proxy's. Queued in the outbox inside
 * the caller's transaction, like the mail a session causes (practice/mailer.h). */
#ifndef CONFIDE_PRACTICE_TEAM_MAIL_H
#define CONFIDE_PRACTICE_TEAM_MAIL_H
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "store/store.h"

/* The invitation link for token, as the mail and the admin's answer give it. */
void team_invitation_url(const struct config *cfg, const char *token, char *out, size_t size);
/* Queues the invitation to `invited`; expires_at is when the link stops working. Returns
 * 1 when queued, 0 when the message could not be composed, or -errno from the store. */
int team_mail_invitation(struct store *s, const struct config *cfg,
                         const struct store_user *invited, const char *url, int64_t expires_at,
                         int64_t now);

/* Tells a practitioner that an administrator opened one of their clients for emergency
 * access at opened_at: when, and to sign in to see which and why (neither is in the mail:
 * mail leaves the server). Returns 1 queued, 0 not, or -errno. */
int team_mail_emergency_notice(struct store *s, struct arena *a, const struct config *cfg,
                               int64_t therapist_id, int64_t opened_at, int64_t now);

#endif

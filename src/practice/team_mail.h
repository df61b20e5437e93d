/* team_mail: the mail an administrator's invitation causes: to the invited practitioner,
 * with the one-time link "<public_url>/invite#<token>" to set their password. The token is
 * after '#', so it never reaches a server log, even a proxy's. Queued in the outbox inside
 * the caller's transaction, like the mail a session causes (practice/mailer.h). */
#ifndef CONFIDE_PRACTICE_TEAM_MAIL_H
#define CONFIDE_PRACTICE_TEAM_MAIL_H
#include <stdint.h>

#include "core/config.h"
#include "store/store.h"

/* The invitation link for token, as the mail and the admin's answer give it. */
void team_invitation_url(const struct config *cfg, const char *token, char *out, size_t size);
/* Queues the invitation to `invited`; expires_at is when the link stops working. Returns
 * 1 when queued, 0 when the message could not be composed, or -errno from the store. */
int team_mail_invitation(struct store *s, const struct config *cfg,
                         const struct store_user *invited, const char *url, int64_t expires_at,
                         int64_t now);

#endif

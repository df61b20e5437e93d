/* notify: telling a client that a secure message waits, without saying anything else.
 *
 * The mail and the text message say only "You have a new secure message from
 * <practice_name>" and carry a one-time link to the messages page: never the message,
 * the practitioner, a group's name or any word about care, since mail and phones are
 * read by others. The link signs one device in; it works once, for NOTIFY_LINK_MS.
 *
 * The composing and the lifetimes are sans I/O (tested alone); notify_client writes the
 * link, the mail and the text message in the caller's transaction. */
#ifndef CONFIDE_PRACTICE_NOTIFY_H
#define CONFIDE_PRACTICE_NOTIFY_H
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "store/store.h"

#define NOTIFY_LINK_MS (15LL * 60 * 1000)              /* a messaging link: 15 minutes */
#define NOTIFY_SIGNIN_MS (30LL * 24 * 60 * 60 * 1000) /* the device it signs in: 30 days */
#define NOTIFY_PAGE "/messages"                        /* the client's messages page */

enum notify_link_state { NOTIFY_LINK_OK, NOTIFY_LINK_USED, NOTIFY_LINK_EXPIRED };

/* Whether a link made to expire at expires_at, used at used_at (0: never), may sign a
 * device in at now: once, before it expires. */
enum notify_link_state notify_link_state(int64_t expires_at, int64_t used_at, int64_t now);

enum notify_reason {
    NOTIFY_NEW_MESSAGE, /* a practitioner wrote (to the client, or to their group) */
    NOTIFY_NEW_LINK,    /* the client asked for a new link on the messages page */
};

/* The subject of the mail: the same words for every client. */
void notify_subject(const char *practice_name, enum notify_reason why, struct buf *out);
/* The mail's text and the text message's: what happened, the link, how long it works. */
void notify_text(const char *practice_name, const char *url, enum notify_reason why,
                 struct buf *out);
/* The webhook's JSON body {"to": phone, "text": notify_text}. 0, or -1 when the phone or
 * the text is not valid UTF-8. */
int notify_sms_body(const char *phone, const char *practice_name, const char *url,
                    struct buf *out);

/* For a client: a fresh one-time link by mail and, when sms_webhook_url is set and the
 * client has a phone number, another by text message; both in the caller's transaction.
 * Returns how many were queued (0 when the mail could not be composed), or -errno. */
int notify_client(struct store *s, struct arena *a, const struct config *cfg,
                  const struct store_client *client, enum notify_reason why, int64_t now);

#endif

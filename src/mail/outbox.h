/* outbox: the mail thread. It drains the store's outbox table over SMTP (mail/smtp.h).
 *
 * Threads share nothing mutable: the service thread writes mail rows into the outbox in the
 * same transaction as the change that causes them, then calls mail_worker_wake; this thread,
 * with its own store connection, claims due rows and sends them.
 *
 * Delivery is at least once: no crash loses a mail.
 *   - each claim is its own autocommit write that marks rows 'sending' BEFORE any SMTP
 *     traffic, so a kill -9 while sending loses no mail;
 *   - each due batch goes over one SMTP connection, and a mail is marked sent right after
 *     the server's 250, before QUIT or the next mail: a crash repeats a mail only if it
 *     lands between that 250 and the commit;
 *   - rows a crash left 'sending' go back to pending and are sent again with the same
 *     Message-ID, so a copy the SMTP server had already accepted in the crash window is
 *     delivered twice; mail clients treat two messages with one Message-ID as one.
 *
 * Several nodes (confide serve processes, each its own node_id) may share one database;
 * each runs this thread, and each mail is still sent once but for that window:
 *   - a claim names its node and lapses MAIL_CLAIM_LEASE_SECONDS later; on PostgreSQL two
 *     nodes never claim one row (store: FOR UPDATE SKIP LOCKED);
 *   - before each mail the node extends the claims it still holds, and sends the mail only
 *     when its claim was still its own: no SMTP exchange begins on a claim that could
 *     lapse before the exchange is over;
 *   - before each claim, any node puts claims that have lapsed (their node died) back to
 *     pending; at start a node puts back only its own (store_mail_recover), never another
 *     live node's.
 * A node that stalls (stopped, or its database writes failing) longer than the lease while
 * holding a mail the server accepted may see another node send it again: the same window,
 * the same Message-ID.
 *
 * A failed send is retried after mail_retry_seconds x 2^(attempts-1), at most an hour apart,
 * until the mail is MAIL_GIVE_UP_HOURS old (a weekend's outage of the practice's mail server
 * loses nothing, as with any MTA); it fails for good then, or at once when the server
 * refuses it (5xx, see smtp.h).
 * With an empty smtp_url nothing is claimed: mail waits in the outbox (tick still runs).
 * Rows of kind "sms" (a secure message's notification by text, mail/sms.h) ride the same
 * queue, claims and retries, and go to sms_webhook_url instead of the SMTP server; they
 * too wait while smtp_url is empty.
 *
 * The database may be busy (the service thread writes through its own connection; SQLite
 * waits 5 s and then gives -EIO) or the disk full (-ENOSPC: no claim is written, so nothing
 * is sent): a failed store call is tried again at the next wake-up.
 * An outcome (sent, retry, failed) that could not be written is kept in memory and written
 * first at the next wake-up; the row stays 'sending' meanwhile, so it is never claimed twice.
 *
 * Log lines (module "mail") carry outbox ids, kinds, attempts, counts and curl's error text;
 * never recipients, names or message text. */
#ifndef CONFIDE_MAIL_OUTBOX_H
#define CONFIDE_MAIL_OUTBOX_H
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/seal.h"
#include "store/store.h"

#define MAIL_GIVE_UP_HOURS 72
#define MAIL_MAX_BACKOFF_SECONDS 3600
#define MAIL_CLAIM_BATCH 16
#define MAIL_SMTP_TIMEOUT_SECONDS 60
/* How long a claim holds, extended before each mail: one whole SMTP exchange (curl's
 * CURLOPT_TIMEOUT, connecting included, is MAIL_SMTP_TIMEOUT_SECONDS) and the write of its
 * outcome (PostgreSQL's statement_timeout is 10 s), with room to spare. It is also how
 * long a dead node's mail waits before another node sends it. */
#define MAIL_CLAIM_LEASE_SECONDS (MAIL_SMTP_TIMEOUT_SECONDS + 30)
_Static_assert(MAIL_CLAIM_LEASE_SECONDS > MAIL_SMTP_TIMEOUT_SECONDS + 10,
               "a claim outlives one SMTP exchange and the write of its outcome");

struct mail_worker;

/* Called by the worker at every wake-up before sending, with its own store handle and an
 * arena freed after; it is how the practice module queues reminder mails (it inserts outbox
 * rows, which are then sent in the same wake-up). Runs on the mail thread. May be NULL. */
typedef void (*mail_tick_fn)(void *ctx, struct store *store, struct arena *a, int64_t now_ms);

struct mail_worker_options {
    /* smtp_url (empty: send nothing, mail waits), smtp_from, smtp_user, smtp_password,
     * smtp_starttls, mail_retry_seconds, mail_poll_seconds, node_id (the claims' owner;
     * empty: "local"). Copied at start. */
    const struct config *cfg;
    /* "sqlite:/path/confide.db": the worker opens its own connection and does not migrate
     * (the service thread has migrated already). Only read by mail_worker_start. */
    const char *store_url;
    const struct seal *seal; /* borrowed until mail_worker_stop; thread-safe for reads */
    mail_tick_fn tick;
    void *tick_ctx;
};

/* Opens the worker's store connection and starts the thread (which first recovers rows a
 * crash of this node left 'sending', then sends what is due at once). Also calls smtp_global_init.
 * Returns 0, or a negative errno-style code (the store's, or -EAGAIN/-ENOMEM from pthread). */
int mail_worker_start(const struct mail_worker_options *o, struct mail_worker **out);
/* After a commit that queued mail: send now, don't wait for the poll. Any thread; cheap. */
void mail_worker_wake(struct mail_worker *w);
/* Finishes the mail it is sending (never aborts mid-DATA; at most MAIL_SMTP_TIMEOUT_SECONDS),
 * puts the rest of its claimed batch back to pending, joins the thread, closes its store and
 * frees. NULL is a no-op. */
void mail_worker_stop(struct mail_worker *w);
/* Totals since start, for metrics: mails sent, sends that will be retried, mails failed for
 * good. Any thread; each counter is read atomically. Any pointer may be NULL. */
void mail_worker_stats(struct mail_worker *w, uint64_t *sent, uint64_t *retried, uint64_t *failed);

#endif

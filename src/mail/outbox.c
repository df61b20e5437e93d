/* outbox: the mail thread. See outbox.h for the delivery guarantees. */
#include "mail/outbox.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "mail/sms.h"
#include "mail/smtp.h"

/* An outcome that was decided (the SMTP exchange happened) but not yet written. */
enum outcome_kind { OUT_SENT, OUT_RETRY, OUT_FAIL };

struct outcome {
    int64_t id;
    enum outcome_kind kind;
    int64_t at; /* sent_at or next_attempt_at */
    char err[SMTP_ERR_MAX];
};

struct mail_worker {
    struct config cfg; /* a copy: the caller's may change or go */
    struct store *store;
    mail_tick_fn tick;
    void *tick_ctx;

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool woken;       /* under mu */
    atomic_bool stop; /* set under mu (so a waiter cannot miss it), read anywhere */

    atomic_uint_fast64_t sent, retried, failed;

    /* the mail thread's own */
    bool recovered;
    struct outcome *unwritten;
    size_t n_unwritten, cap_unwritten;
};

static bool stopping(struct mail_worker *w)
{
    return atomic_load(&w->stop);
}

/* mail_retry_seconds x 2^(attempts-1), at most an hour. */
static int64_t backoff_ms(const struct config *cfg, int attempts)
{
    int64_t secs = cfg->mail_retry_seconds > 0 ? cfg->mail_retry_seconds : 1;
    for (int i = 1; i < attempts && secs < MAIL_MAX_BACKOFF_SECONDS; i++)
        secs *= 2;
    if (secs > MAIL_MAX_BACKOFF_SECONDS)
        secs = MAIL_MAX_BACKOFF_SECONDS;
    return secs * 1000;
}

static int write_outcome(struct mail_worker *w, const struct outcome *o)
{
    switch (o->kind) {
    case OUT_SENT:
        return store_mail_sent(w->store, o->id, o->at);
    case OUT_RETRY:
        return store_mail_retry(w->store, o->id, w->cfg.node_id, o->at, o->err);
    case OUT_FAIL:
        return store_mail_fail(w->store, o->id, w->cfg.node_id, o->err);
    }
    return -EINVAL;
}

/* Writes the outcome, or keeps it for the next wake-up when the database is busy. */
static void record(struct mail_worker *w, const struct outcome *o)
{
    int rc = write_outcome(w, o);
    if (rc == 0)
        return;
    if (rc == -ENOENT) { /* the claim lapsed (this node stalled): the mail is another's now */
        log_warn("mail", "id=%lld: the claim lapsed before its outcome was written; left to "
                         "the node that has it now",
                 (long long)o->id);
        return;
    }
    log_warn("mail", "id=%lld: could not record the outcome; trying again at the next wake-up",
             (long long)o->id);
    if (w->n_unwritten == w->cap_unwritten) {
        w->cap_unwritten = w->cap_unwritten ? w->cap_unwritten * 2 : 16;
        w->unwritten = xrealloc(w->unwritten, w->cap_unwritten * sizeof *w->unwritten);
    }
    w->unwritten[w->n_unwritten++] = *o;
}

/* Retries outcomes that could not be written; keeps those that still fail, in order. */
static void flush_unwritten(struct mail_worker *w)
{
    size_t kept = 0;
    for (size_t i = 0; i < w->n_unwritten; i++) {
        int rc = write_outcome(w, &w->unwritten[i]);
        if (rc == 0 || rc == -ENOENT) /* written, or the mail is another node's now */
            continue;
        w->unwritten[kept++] = w->unwritten[i];
    }
    if (kept < w->n_unwritten)
        log_info("mail", "recorded %zu delayed outcome(s), %zu still waiting",
                 w->n_unwritten - kept, kept);
    w->n_unwritten = kept;
}

/* Mails this node's crash (or an interrupted claim) left 'sending' go back to pending.
 * Only safe while this thread has nothing in flight and every outcome is written, as then
 * none of its rows is 'sending' for a good reason. Other nodes' claims are theirs. */
static void recover(struct mail_worker *w)
{
    if (w->n_unwritten > 0)
        return;
    int64_t n = 0;
    if (store_mail_recover(w->store, w->cfg.node_id, &n) < 0) {
        log_warn("mail", "could not recover interrupted mail; trying again at the next wake-up");
        return;
    }
    w->recovered = true;
    if (n > 0)
        log_info("mail", "%lld interrupted mail(s) back to pending", (long long)n);
}

/* An outbox row of kind "sms": its message is the webhook's JSON body. With no
 * sms_webhook_url (any more) it cannot go anywhere: it fails for good. */
static enum smtp_result send_sms(struct mail_worker *w, const struct store_mail *m,
                                 char err[SMTP_ERR_MAX])
{
    if (w->cfg.sms_webhook_url[0] == '\0') {
        snprintf(err, SMTP_ERR_MAX, "no sms_webhook_url is set");
        return SMTP_REJECTED;
    }
    return sms_post(w->cfg.sms_webhook_url, m->message, m->message_len, MAIL_SMTP_TIMEOUT_SECONDS,
                    err);
}

/* Sends one mail (or text message) and records the outcome while the connection is still
 * open: the server's 250 is written to the store before QUIT or the next mail. */
static void send_one(struct mail_worker *w, struct smtp_session *smtp, const struct store_mail *m)
{
    struct outcome o = {.id = m->id};
    const char *kind = m->kind ? m->kind : "?";
    enum smtp_result r =
        strcmp(kind, "sms") == 0
            ? send_sms(w, m, o.err)
            : smtp_session_send(smtp, m->recipient, m->message, m->message_len, o.err);
    o.at = clock_wall_ms();
    if (r == SMTP_SENT) {
        o.kind = OUT_SENT;
        atomic_fetch_add(&w->sent, 1);
        log_info("mail", "id=%lld kind=%s sent (attempt %d)", (long long)m->id, kind, m->attempts);
    } else if (r == SMTP_RETRY &&
               o.at - m->created_at < (int64_t)MAIL_GIVE_UP_HOURS * 60 * 60 * 1000) {
        o.kind = OUT_RETRY;
        int64_t delay = backoff_ms(&w->cfg, m->attempts);
        o.at += delay;
        atomic_fetch_add(&w->retried, 1);
        log_warn("mail", "id=%lld kind=%s attempt %d failed, retry in %llds: %s", (long long)m->id,
                 kind, m->attempts, (long long)(delay / 1000), o.err);
    } else {
        o.kind = OUT_FAIL;
        if (r == SMTP_RETRY) {
            char why[SMTP_ERR_MAX];
            snprintf(why, sizeof why, "gave up after %d attempts in %d hours: %.120s", m->attempts,
                     MAIL_GIVE_UP_HOURS, o.err);
            memcpy(o.err, why, sizeof o.err);
        }
        atomic_fetch_add(&w->failed, 1);
        log_error("mail", "id=%lld kind=%s failed for good (attempt %d): %s", (long long)m->id,
                  kind, m->attempts, o.err);
    }
    record(w, &o);
}

static int64_t lease_ms(void)
{
    return (int64_t)MAIL_CLAIM_LEASE_SECONDS * 1000;
}

/* Whether this node may send mail m now: its claim, extended for one more exchange, is
 * still its own. Returns 0 or the store's error (then the batch stops). */
static int hold_claim(struct mail_worker *w, const struct store_mail *m, int *held)
{
    int64_t now = clock_wall_ms();
    int rc = store_mail_hold(w->store, w->cfg.node_id, m->id, now, now + lease_ms(), held);
    if (rc < 0)
        log_warn("mail", "could not extend the claims; the batch waits for the next wake-up");
    else if (!*held)
        log_warn("mail", "id=%lld: its claim lapsed before it was sent; another node may have it",
                 (long long)m->id);
    return rc;
}

/* Claims a dead node left lapse: any node puts them back to pending before it claims. */
static void release_lapsed(struct mail_worker *w, int64_t now)
{
    int64_t released = 0;
    if (store_mail_release(w->store, now, &released) == 0 && released > 0)
        log_info("mail", "%lld mail(s) whose claim lapsed back to pending", (long long)released);
}

/* One wake-up: write delayed outcomes, recover, tick, then claim and send one batch.
 * Returns true when the batch was full, so more mail may be due right away. */
static bool work_once(struct mail_worker *w)
{
    int64_t now = clock_wall_ms();
    flush_unwritten(w);
    if (!w->recovered)
        recover(w);
    if (w->tick) {
        struct arena a = {0};
        w->tick(w->tick_ctx, w->store, &a, now);
        arena_free(&a);
    }
    if (!w->recovered || w->cfg.smtp_url[0] == '\0' || stopping(w))
        return false;

    int64_t expired = 0;
    if (store_mail_expire(w->store, now, &expired) == 0 && expired > 0)
        log_info("mail", "%lld mail(s) expired unsent: the moment they were for has passed",
                 (long long)expired);
    release_lapsed(w, now);
    struct arena a = {0};
    struct store_mail *mails = NULL;
    size_t count = 0;
    int rc = store_mail_claim(w->store, &a, now, MAIL_CLAIM_BATCH, w->cfg.node_id, now + lease_ms(),
                              &mails, &count);
    if (rc < 0) {
        /* Busy, or a row whose sealed columns do not open (the wrong secret.key). Rows that
         * came back unopened can never be sent: fail them, so they cannot block the queue.
         * Whether the others were marked is unknown: recover them before the next claim. */
        if (rc != -ENOSPC) /* a full disk: the store logs it once, not every wake-up */
            log_warn("mail", "claiming due mail failed (%d); trying again at the next wake-up", rc);
        for (size_t i = 0; i < count && mails; i++) {
            if (mails[i].recipient && mails[i].message)
                continue;
            log_error("mail", "id=%lld: sealed columns do not open; failing it",
                      (long long)mails[i].id);
            if (store_mail_fail(w->store, mails[i].id, w->cfg.node_id,
                                "sealed columns do not open") == 0)
                atomic_fetch_add(&w->failed, 1);
        }
        w->recovered = false;
        arena_free(&a);
        return false;
    }

    if (count == 0) {
        arena_free(&a);
        return false;
    }
    struct smtp_settings settings = {
        .url = w->cfg.smtp_url,
        .from = w->cfg.smtp_from,
        .user = w->cfg.smtp_user,
        .password = w->cfg.smtp_password,
        .starttls = w->cfg.smtp_starttls,
        .timeout_seconds = MAIL_SMTP_TIMEOUT_SECONDS,
    };
    /* one connection for the batch */
    struct smtp_session *smtp = NULL;
    size_t done = 0;
    if (smtp_session_open(&settings, &smtp) < 0) {
        /* none attempted (done stays 0): all go back to pending below */
        log_error("mail", "libcurl could not be set up; %zu mail(s) wait", count);
    } else {
        for (; done < count && !stopping(w); done++) {
            int held = 0;
            if (hold_claim(w, &mails[done], &held) < 0)
                break;
            if (held)
                send_one(w, smtp, &mails[done]);
        }
        smtp_session_close(smtp);
    }
    if (done < count) {
        /* The rest stay 'sending' until the recovery at the next wake-up, on the way out or
         * at the next start puts them back; they were never handed to the server. */
        log_info("mail", "%zu claimed mail(s) not attempted", count - done);
        w->recovered = false;
    }
    arena_free(&a);
    return count == MAIL_CLAIM_BATCH && done == count;
}

/* Sleeps until mail_worker_wake, mail_worker_stop or poll_ms pass. */
static void wait_for_work(struct mail_worker *w, int64_t poll_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(poll_ms / 1000);
    deadline.tv_nsec += (long)(poll_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->woken && !stopping(w)) {
        if (pthread_cond_timedwait(&w->cond, &w->mu, &deadline) == ETIMEDOUT)
            break;
    }
    w->woken = false;
    pthread_mutex_unlock(&w->mu);
}

static void *run(void *arg)
{
    struct mail_worker *w = arg;
    int64_t poll_ms = (w->cfg.mail_poll_seconds > 0 ? w->cfg.mail_poll_seconds : 1) * 1000;
    log_info("mail", "mail thread started (%s, poll %lds)",
             w->cfg.smtp_url[0] ? "sending" : "no smtp_url: mail waits in the outbox",
             (long)(poll_ms / 1000));
    while (!stopping(w)) {
        if (work_once(w))
            continue;
        wait_for_work(w, poll_ms);
    }
    /* On the way out: write what is still unwritten, then put claimed-but-unattempted rows
     * back to pending. A row whose outcome could not be written stays 'sending' and is
     * sent again after the next start (same Message-ID). */
    flush_unwritten(w);
    if (w->n_unwritten > 0)
        log_error("mail", "%zu sent or failed mail(s) not recorded; they will be sent again",
                  w->n_unwritten);
    else if (!w->recovered)
        recover(w);
    log_info("mail", "mail thread stopped");
    return NULL;
}

int mail_worker_start(const struct mail_worker_options *o, struct mail_worker **out)
{
    *out = NULL;
    if (smtp_global_init() < 0) {
        log_error("mail", "libcurl failed to initialise");
        return -EIO;
    }
    struct mail_worker *w = xcalloc(1, sizeof *w);
    w->cfg = *o->cfg;
    if (w->cfg.node_id[0] == '\0') /* config_finish names every served node; not tests */
        snprintf(w->cfg.node_id, sizeof w->cfg.node_id, "local");
    w->tick = o->tick;
    w->tick_ctx = o->tick_ctx;
    int rc = store_open(o->store_url, o->seal, &w->store);
    if (rc < 0) {
        log_error("mail", "cannot open the store for the mail thread (%d)", rc);
        free(w);
        return rc;
    }
    atomic_init(&w->stop, false);
    atomic_init(&w->sent, 0);
    atomic_init(&w->retried, 0);
    atomic_init(&w->failed, 0);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);

    /* Process signals (SIGTERM, SIGINT ...) belong to the service thread; a SIGPIPE from a
     * TLS write on this thread must not kill the process. The thread inherits this mask. */
    sigset_t block, old;
    sigemptyset(&block);
    int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&block, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    rc = pthread_create(&w->thread, NULL, run, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        log_error("mail", "cannot start the mail thread: %s", strerror(rc));
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->mu);
        store_close(w->store);
        free(w);
        return -rc;
    }
    *out = w;
    return 0;
}

void mail_worker_wake(struct mail_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->woken = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

void mail_worker_stop(struct mail_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stop, true);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->mu);
    store_close(w->store);
    free(w->unwritten);
    free(w);
}

void mail_worker_stats(struct mail_worker *w, uint64_t *sent, uint64_t *retried, uint64_t *failed)
{
    if (sent)
        *sent = w ? atomic_load(&w->sent) : 0;
    if (retried)
        *retried = w ? atomic_load(&w->retried) : 0;
    if (failed)
        *failed = w ? atomic_load(&w->failed) : 0;
}

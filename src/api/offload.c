#include "api/offload.h"

#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "store/store.h"

struct job {
    struct job *next;
    uint64_t id;
    struct api_request req;
    char *strings[8]; /* the request's copied strings, freed with the job */
    struct api_response resp;
};

struct api_offload {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t more;
    struct job *todo, *todo_tail;
    struct job *done, *done_tail;
    int held; /* jobs in todo, in hand and in done: at most API_OFFLOAD_MAX_JOBS */
    int stopping;
    struct api_ctx ctx; /* the worker's: its own store, the main context's throttles */
    struct store *store;
    void (*wake)(void *arg);
    void *wake_arg;
};

static void job_free(struct job *j)
{
    for (size_t i = 0; i < sizeof j->strings / sizeof j->strings[0]; i++)
        free(j->strings[i]);
    api_response_free(&j->resp);
    free(j);
}

static void push(struct job **head, struct job **tail, struct job *j)
{
    j->next = NULL;
    if (*tail)
        (*tail)->next = j;
    else
        *head = j;
    *tail = j;
}

static struct job *pop(struct job **head, struct job **tail)
{
    struct job *j = *head;
    if (j) {
        *head = j->next;
        if (!*head)
            *tail = NULL;
    }
    return j;
}

static void *run(void *arg)
{
    struct api_offload *o = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the service thread's */
    pthread_mutex_lock(&o->lock);
    for (;;) {
        while (!o->todo && !o->stopping)
            pthread_cond_wait(&o->more, &o->lock);
        if (o->stopping)
            break;
        struct job *j = pop(&o->todo, &o->todo_tail);
        pthread_mutex_unlock(&o->lock);
        api_handle(&o->ctx, &j->req, &j->resp);
        pthread_mutex_lock(&o->lock);
        push(&o->done, &o->done_tail, j);
        pthread_mutex_unlock(&o->lock);
        o->wake(o->wake_arg);
        pthread_mutex_lock(&o->lock);
    }
    pthread_mutex_unlock(&o->lock);
    return NULL;
}

int api_offload_start(const struct api_ctx *main, const char *store_url, const struct seal *seal,
                      void (*wake)(void *arg), void *wake_arg, struct api_offload **out)
{
    struct api_offload *o = xcalloc(1, sizeof *o);
    if (store_open(store_url, seal, &o->store) < 0) {
        free(o);
        return -1;
    }
    o->ctx = *main; /* the same settings, throttles and setup token */
    o->ctx.store = o->store;
    o->ctx.mail_queued = 0;
    o->wake = wake;
    o->wake_arg = wake_arg;
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->more, NULL);
    if (pthread_create(&o->thread, NULL, run, o) != 0) {
        store_close(o->store);
        free(o);
        return -1;
    }
    *out = o;
    return 0;
}

void api_offload_stop(struct api_offload *o)
{
    if (!o)
        return;
    pthread_mutex_lock(&o->lock);
    o->stopping = 1;
    pthread_cond_signal(&o->more);
    pthread_mutex_unlock(&o->lock);
    pthread_join(o->thread, NULL);
    struct job *j;
    while ((j = pop(&o->todo, &o->todo_tail)))
        job_free(j);
    while ((j = pop(&o->done, &o->done_tail)))
        job_free(j);
    store_close(o->store);
    pthread_cond_destroy(&o->more);
    pthread_mutex_destroy(&o->lock);
    free(o);
}

static const char *keep(struct job *j, int slot, const char *s, size_t len)
{
    if (!s)
        return NULL;
    j->strings[slot] = xmalloc(len + 1);
    memcpy(j->strings[slot], s, len);
    j->strings[slot][len] = '\0';
    return j->strings[slot];
}

int api_offload_submit(struct api_offload *o, uint64_t id, const struct api_request *req,
                       struct api_response *busy)
{
    pthread_mutex_lock(&o->lock);
    assert(o->held >= 0 && o->held <= API_OFFLOAD_MAX_JOBS);
    int full = o->held == API_OFFLOAD_MAX_JOBS;
    if (!full)
        o->held++; /* the slot is taken now, so two submits cannot both get the last one */
    pthread_mutex_unlock(&o->lock);
    if (full) {
        api_answer_busy(req, busy, API_OFFLOAD_RETRY_AFTER);
        return -1;
    }
    struct job *j = xcalloc(1, sizeof *j);
    j->id = id;
    j->req = *req;
    j->req.method = keep(j, 0, req->method, strlen(req->method));
    j->req.path = keep(j, 1, req->path, strlen(req->path));
    j->req.content_type =
        keep(j, 2, req->content_type, req->content_type ? strlen(req->content_type) : 0);
    j->req.cookie = keep(j, 3, req->cookie, req->cookie ? strlen(req->cookie) : 0);
    j->req.origin = keep(j, 4, req->origin, req->origin ? strlen(req->origin) : 0);
    j->req.sec_fetch_site =
        keep(j, 5, req->sec_fetch_site, req->sec_fetch_site ? strlen(req->sec_fetch_site) : 0);
    j->req.peer = keep(j, 6, req->peer, req->peer ? strlen(req->peer) : 0);
    j->req.body = keep(j, 7, req->body, req->body ? req->body_len : 0);
    j->req.accept = NULL; /* not kept: no slow route reads it */
    pthread_mutex_lock(&o->lock);
    push(&o->todo, &o->todo_tail, j);
    pthread_cond_signal(&o->more);
    pthread_mutex_unlock(&o->lock);
    return 0;
}

/* Unlinks the job with this id from a list; NULL when it is not there. */
static struct job *unlink_job(struct job **head, struct job **tail, uint64_t id)
{
    struct job *prev = NULL;
    for (struct job *j = *head; j; prev = j, j = j->next) {
        if (j->id != id)
            continue;
        if (prev)
            prev->next = j->next;
        else
            *head = j->next;
        if (*tail == j)
            *tail = prev;
        j->next = NULL;
        return j;
    }
    return NULL;
}

int api_offload_cancel(struct api_offload *o, uint64_t id)
{
    pthread_mutex_lock(&o->lock);
    struct job *j = unlink_job(&o->todo, &o->todo_tail, id);
    if (!j)
        j = unlink_job(&o->done, &o->done_tail, id);
    if (j) {
        o->held--;
        assert(o->held >= 0);
    }
    pthread_mutex_unlock(&o->lock);
    if (!j)
        return 0;
    job_free(j);
    return 1;
}

int api_offload_take(struct api_offload *o, uint64_t *id, struct api_response *resp)
{
    pthread_mutex_lock(&o->lock);
    struct job *j = pop(&o->done, &o->done_tail);
    if (j) {
        o->held--;
        assert(o->held >= 0);
    }
    pthread_mutex_unlock(&o->lock);
    if (!j)
        return 0;
    *id = j->id;
    *resp = j->resp;
    memset(&j->resp, 0, sizeof j->resp); /* moved to the caller */
    job_free(j);
    return 1;
}

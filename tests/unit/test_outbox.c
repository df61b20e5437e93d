/* outbox: the mail thread against a real SQLite store and a tiny SMTP server running in the
 * test (a thread on 127.0.0.1 that accepts one connection at a time and records what it is
 * given). Each test gets a fresh data directory and its own sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/rand.h"
#include "core/seal.h"
#include "mail/outbox.h"
#include "../support/full_disk.h"
#include "../support/test_db.h"
#include "mail/smtp.h"
#include "store/store.h"

/* ---- the SMTP sink ---- */

#define SINK_MAX 64

struct sink_msg {
    char rcpt[256];
    char *data; /* with dot-stuffing undone; ends with the CRLF before the final "." */
    size_t len;
    int sent_rows_when_client_moved_on; /* see sink.db_path; -1: not looked */
};

struct sink {
    int fd;
    uint16_t port;
    bool running;
    atomic_bool quit;
    pthread_t thread;
    pthread_mutex_t mu;
    struct sink_msg msgs[SINK_MAX];
    size_t count;
    int connections;
    /* when set: once the client moves on after a message was accepted (its next command, or
     * closing), count the outbox's 'sent' rows, to show the outcome is recorded by then */
    int count_rows;
    struct test_db db; /* the sink thread's own copy: its raw connection is its own */
};

static int count_sent_rows(struct test_db *db)
{
    struct test_db_value v;
    if (test_db_raw(db, "SELECT count(*) FROM outbox WHERE state = 'sent'", NULL, 0, &v) < 0)
        return -1;
    return (int)v.i;
}

/* The client has moved on from the message it last had accepted, if any. */
static void moved_on(struct sink *s, struct sink_msg **last)
{
    if (!*last)
        return;
    int n = s->count_rows ? count_sent_rows(&s->db) : -1;
    pthread_mutex_lock(&s->mu);
    (*last)->sent_rows_when_client_moved_on = n;
    pthread_mutex_unlock(&s->mu);
    *last = NULL;
}

struct reader {
    int fd;
    char buf[4096];
    size_t len, pos;
};

/* One line without its CRLF into out; returns its length, or -1 at EOF or error. */
static int read_line(struct reader *r, char *out, size_t max)
{
    size_t n = 0;
    for (;;) {
        if (r->pos == r->len) {
            ssize_t got = recv(r->fd, r->buf, sizeof r->buf, 0);
            if (got <= 0)
                return -1;
            r->len = (size_t)got;
            r->pos = 0;
        }
        char c = r->buf[r->pos++];
        if (c == '\n') {
            if (n > 0 && out[n - 1] == '\r')
                n--;
            out[n] = '\0';
            return (int)n;
        }
        if (n + 1 < max)
            out[n++] = c;
    }
}

static void say(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

static void serve(struct sink *s, int fd)
{
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct reader r = {.fd = fd};
    char line[2048], rcpt[256] = "";
    struct sink_msg *last = NULL;
    say(fd, "220 sink.test ESMTP\r\n");
    for (;;) {
        if (read_line(&r, line, sizeof line) < 0) {
            moved_on(s, &last);
            return;
        }
        moved_on(s, &last);
        if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0) {
            say(fd, "250 sink.test\r\n");
        } else if (strncasecmp(line, "MAIL", 4) == 0) {
            rcpt[0] = '\0';
            say(fd, "250 ok\r\n");
        } else if (strncasecmp(line, "RCPT", 4) == 0) {
            const char *lt = strchr(line, '<'), *gt = lt ? strchr(lt, '>') : NULL;
            if (!lt || !gt || (size_t)(gt - lt - 1) >= sizeof rcpt) {
                say(fd, "501 syntax\r\n");
            } else if (strncasecmp(lt + 1, "reject@", 7) == 0) {
                say(fd, "550 5.1.1 no such user\r\n");
            } else {
                snprintf(rcpt, sizeof rcpt, "%.*s", (int)(gt - lt - 1), lt + 1);
                say(fd, "250 ok\r\n");
            }
        } else if (strncasecmp(line, "DATA", 4) == 0) {
            if (!rcpt[0]) {
                say(fd, "503 no recipient\r\n");
                continue;
            }
            say(fd, "354 go ahead\r\n");
            char *data = NULL;
            size_t len = 0;
            int n;
            while ((n = read_line(&r, line, sizeof line)) >= 0) {
                if (strcmp(line, ".") == 0)
                    break;
                const char *p = line[0] == '.' ? line + 1 : line; /* undo dot-stuffing */
                size_t pl = strlen(p);
                data = realloc(data, len + pl + 3);
                memcpy(data + len, p, pl);
                memcpy(data + len + pl, "\r\n", 3);
                len += pl + 2;
            }
            if (n < 0) {
                free(data);
                return;
            }
            pthread_mutex_lock(&s->mu);
            if (s->count < SINK_MAX) {
                struct sink_msg *m = &s->msgs[s->count++];
                snprintf(m->rcpt, sizeof m->rcpt, "%s", rcpt);
                m->data = data ? data : calloc(1, 1);
                m->len = len;
                m->sent_rows_when_client_moved_on = -1;
                data = NULL;
                last = m;
            }
            pthread_mutex_unlock(&s->mu);
            free(data);
            say(fd, "250 queued\r\n");
        } else if (strncasecmp(line, "RSET", 4) == 0 || strncasecmp(line, "NOOP", 4) == 0) {
            rcpt[0] = '\0';
            say(fd, "250 ok\r\n");
        } else if (strncasecmp(line, "QUIT", 4) == 0) {
            say(fd, "221 bye\r\n");
            return;
        } else {
            say(fd, "502 not implemented\r\n");
        }
    }
}

static void *sink_run(void *arg)
{
    struct sink *s = arg;
    while (!atomic_load(&s->quit)) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        pthread_mutex_lock(&s->mu);
        s->connections++;
        pthread_mutex_unlock(&s->mu);
        serve(s, c);
        close(c);
    }
    return NULL;
}

/* Listens on s->port (0 the first time: any free port) and starts serving. */
static void sink_up(struct sink *s)
{
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 8), 0);
    socklen_t alen = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &alen);
    s->port = ntohs(a.sin_port);
    atomic_store(&s->quit, false);
    assert_int_equal(pthread_create(&s->thread, NULL, sink_run, s), 0);
    s->running = true;
}

/* Stops listening (connections are then refused); keeps the messages and the port. */
static void sink_down(struct sink *s)
{
    if (!s->running)
        return;
    atomic_store(&s->quit, true);
    pthread_join(s->thread, NULL);
    close(s->fd);
    s->running = false;
}

static size_t sink_count(struct sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->count;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* How many messages went to rcpt; *msg gets the last one (the sink must be quiet). */
static int sink_find(struct sink *s, const char *rcpt, const struct sink_msg **msg)
{
    int n = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->count; i++) {
        if (strcmp(s->msgs[i].rcpt, rcpt) == 0) {
            n++;
            if (msg)
                *msg = &s->msgs[i];
        }
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* ---- fixture ---- */

struct fixture {
    char dir[64];
    struct test_db db; /* SQLite in dir, or PostgreSQL (unit_outbox_pg) */
    const char *url;
    struct seal *seal;
    struct store *store; /* the "service thread" connection */
    struct config cfg;
    struct sink sink;
    struct mail_worker *worker;
    int next_mail;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/confide-outbox-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    if (test_db_create(&f->db, f->dir, "confide.db") < 0)
        return -1;
    f->url = f->db.url;
    uint8_t key[32] = {7, 7, 7};
    f->seal = seal_new_from_key(key);
    if (store_open(f->url, f->seal, &f->store) < 0)
        return -1;
    int applied, version;
    if (store_migrate(f->store, &applied, &version) < 0)
        return -1;
    pthread_mutex_init(&f->sink.mu, NULL);
    f->sink.db = f->db;
    f->sink.count_rows = 1;
    sink_up(&f->sink);
    config_defaults(&f->cfg);
    snprintf(f->cfg.smtp_url, sizeof f->cfg.smtp_url, "smtp://127.0.0.1:%u", f->sink.port);
    snprintf(f->cfg.smtp_from, sizeof f->cfg.smtp_from, "practice@confide.test");
    snprintf(f->cfg.smtp_starttls, sizeof f->cfg.smtp_starttls, "auto");
    f->cfg.mail_retry_seconds = 1;
    f->cfg.mail_poll_seconds = 1;
    snprintf(f->cfg.node_id, sizeof f->cfg.node_id, "node-a");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    full_disk_end(); /* whatever a failed test left */
    mail_worker_stop(f->worker);
    sink_down(&f->sink);
    for (size_t i = 0; i < f->sink.count; i++)
        free(f->sink.msgs[i].data);
    pthread_mutex_destroy(&f->sink.mu);
    test_db_disconnect(&f->sink.db);
    store_close(f->store);
    test_db_drop(&f->db);
    seal_free(f->seal);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void start_worker(struct fixture *f, mail_tick_fn tick, void *ctx)
{
    struct mail_worker_options o = {
        .cfg = &f->cfg, .store_url = f->url, .seal = f->seal, .tick = tick, .tick_ctx = ctx};
    assert_int_equal(mail_worker_start(&o, &f->worker), 0);
}

static void stop_worker(struct fixture *f)
{
    mail_worker_stop(f->worker);
    f->worker = NULL;
}

/* A complete CRLF message; *text gets it (heap). */
static int64_t queue_on(struct store *s, int n, const char *to, const char *body, int64_t now,
                        char **text)
{
    char mid[64], *msg = NULL;
    snprintf(mid, sizeof mid, "%d.test@confide.test", n);
    int len = asprintf(&msg,
                       "Message-ID: <%s>\r\nFrom: practice@confide.test\r\nTo: %s\r\n"
                       "Subject: Session %d\r\nMIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
                       mid, to, n, body);
    assert_true(len > 0);
    struct store_mail m = {.message_id = mid,
                           .kind = "invite",
                           .recipient = (char *)to,
                           .message = msg,
                           .message_len = (size_t)len,
                           .created_at = now};
    int64_t id = 0;
    assert_int_equal(store_mail_insert(s, &m, &id), 0);
    if (text)
        *text = msg;
    else
        free(msg);
    return id;
}

static int64_t queue(struct fixture *f, const char *to, const char *body, char **text)
{
    return queue_on(f->store, ++f->next_mail, to, body, clock_wall_ms(), text);
}

struct row {
    char state[16];
    int attempts;
    char last_error[256];
};

/* Reads a row straight from the file, as a third connection. */
static void get_row(struct fixture *f, int64_t id, struct row *out)
{
    memset(out, 0, sizeof *out);
    const char *columns[] = {"state", "attempts", "last_error"};
    struct test_db_value v[3];
    for (int i = 0; i < 3; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT %s FROM outbox WHERE id = %lld", columns[i],
                 (long long)id);
        assert_int_equal(test_db_raw(&f->db, sql, NULL, 0, &v[i]), 0);
        assert_int_equal(v[i].rows, 1);
    }
    snprintf(out->state, sizeof out->state, "%.*s", (int)v[0].len, v[0].b);
    out->attempts = (int)v[1].i;
    snprintf(out->last_error, sizeof out->last_error, "%.*s", (int)v[2].len,
             v[2].null ? "" : v[2].b);
}

static int64_t count_state(struct fixture *f, enum store_mail_state st)
{
    int64_t n = -1;
    assert_int_equal(store_mail_count(f->store, st, &n), 0);
    return n;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls cond every 10 ms for up to ms; returns whether it became true. */
#define WAIT_UNTIL(cond, ms)                                                                       \
    ({                                                                                             \
        int64_t until_ = clock_mono_ms() + (ms);                                                   \
        bool ok_;                                                                                  \
        while (!(ok_ = (cond)) && clock_mono_ms() < until_)                                        \
            sleep_ms(10);                                                                          \
        ok_;                                                                                       \
    })

struct ticker {
    atomic_int calls;
    int insert_on_call; /* insert a mail when calls reaches this (0: never) */
    atomic_llong inserted_id;
};

/* Runs on the mail thread: no cmocka asserts here (they longjmp); failures show as -1. */
static void tick(void *ctx, struct store *store, struct arena *a, int64_t now)
{
    struct ticker *t = ctx;
    int n = atomic_fetch_add(&t->calls, 1) + 1;
    char *msg = arena_strdup(a, "Message-ID: <tick@confide.test>\r\nSubject: Reminder\r\n"
                                "\r\nSee you soon.\r\n"); /* freed by the worker */
    if (n != t->insert_on_call)
        return;
    struct store_mail m = {.message_id = "tick@confide.test",
                           .kind = "reminder",
                           .recipient = "reminder@client.test",
                           .message = msg,
                           .message_len = strlen(msg),
                           .created_at = now};
    int64_t id = -1;
    if (store_mail_insert(store, &m, &id) < 0)
        id = -1;
    atomic_store(&t->inserted_id, id);
}

/* ---- (a) ---- */

static void queued_mail_is_delivered_once_and_intact(void **state)
{
    struct fixture *f = *state;
    char *m1, *m2, *m3;
    int64_t id1 = queue(f, "ann@client.test", "Hello Ann.\r\n", &m1);
    /* lines that start with "." (and a line that is only ".") must survive dot-stuffing */
    int64_t id2 = queue(f, "bob@client.test",
                        "Line one\r\n.hidden dot line\r\n..two dots\r\n.\r\nlast\r\n", &m2);
    int64_t id3 = queue(f, "cy@client.test", "Grüße, ünïcode body.\r\n", &m3);
    start_worker(f, NULL, NULL);
    assert_true(WAIT_UNTIL(count_state(f, MAIL_SENT) == 3, 5000));
    uint64_t sent, retried, failed;
    mail_worker_stats(f->worker, &sent, &retried, &failed);
    stop_worker(f);
    assert_int_equal(sent, 3);
    assert_int_equal(retried, 0);
    assert_int_equal(failed, 0);

    assert_int_equal(sink_count(&f->sink), 3);
    assert_int_equal(f->sink.connections, 1); /* one connection for the batch */
    /* each mail was marked sent before the client sent its next command (MAIL or QUIT): a
     * crash after the server's 250 can repeat a mail only within one commit */
    for (int i = 0; i < 3; i++)
        assert_int_equal(f->sink.msgs[i].sent_rows_when_client_moved_on, i + 1);
    const char *to[] = {"ann@client.test", "bob@client.test", "cy@client.test"};
    const char *text[] = {m1, m2, m3};
    int64_t ids[] = {id1, id2, id3};
    for (int i = 0; i < 3; i++) {
        const struct sink_msg *got = NULL;
        assert_int_equal(sink_find(&f->sink, to[i], &got), 1);
        assert_int_equal(got->len, strlen(text[i]));
        assert_memory_equal(got->data, text[i], got->len);
        struct row r;
        get_row(f, ids[i], &r);
        assert_string_equal(r.state, "sent");
        assert_int_equal(r.attempts, 1);
    }
    free(m1);
    free(m2);
    free(m3);
}

/* ---- (b) ---- */

static void sink_down_means_retry_then_delivery(void **state)
{
    struct fixture *f = *state;
    sink_down(&f->sink); /* nothing listens on the port now */
    int64_t a = queue(f, "ann@client.test", "One.\r\n", NULL);
    int64_t b = queue(f, "bob@client.test", "Two.\r\n", NULL);
    start_worker(f, NULL, NULL);
    struct row ra, rb;
    assert_true(
        WAIT_UNTIL((get_row(f, a, &ra), get_row(f, b, &rb),
                    ra.attempts >= 2 && rb.attempts >= 2 && strcmp(ra.state, "pending") == 0 &&
                        strcmp(rb.state, "pending") == 0),
                   6000));
    assert_non_null(strstr(ra.last_error, "curl 7"));
    assert_null(strstr(ra.last_error, "ann@"));
    assert_int_equal(count_state(f, MAIL_PENDING), 2);
    uint64_t sent, retried, failed;
    mail_worker_stats(f->worker, &sent, &retried, &failed);
    assert_int_equal(sent, 0);
    assert_true(retried >= 4);
    assert_int_equal(failed, 0);
    assert_int_equal(sink_count(&f->sink), 0);

    sink_up(&f->sink); /* same port */
    assert_true(WAIT_UNTIL(count_state(f, MAIL_SENT) == 2, 8000));
    sleep_ms(300);
    stop_worker(f);
    assert_int_equal(sink_find(&f->sink, "ann@client.test", NULL), 1);
    assert_int_equal(sink_find(&f->sink, "bob@client.test", NULL), 1);
    assert_int_equal(sink_count(&f->sink), 2);
    get_row(f, a, &ra);
    assert_string_equal(ra.state, "sent");
    assert_string_equal(ra.last_error, "");
}

/* A mail still failing MAIL_GIVE_UP_HOURS after it was queued fails for good at its next
 * attempt, however few attempts that took; a younger one keeps its retries. */
static void an_outage_longer_than_three_days_fails_the_mail(void **state)
{
    struct fixture *f = *state;
    sink_down(&f->sink);
    int64_t now = clock_wall_ms();
    int64_t old = queue_on(f->store, ++f->next_mail, "ann@client.test", "Old.\r\n",
                           now - (int64_t)MAIL_GIVE_UP_HOURS * 60 * 60 * 1000 - 1000, NULL);
    int64_t young = queue(f, "bob@client.test", "Young.\r\n", NULL);
    start_worker(f, NULL, NULL);
    struct row ro, ry;
    assert_true(WAIT_UNTIL((get_row(f, old, &ro), get_row(f, young, &ry),
                            strcmp(ro.state, "failed") == 0 && ry.attempts >= 1),
                           5000));
    stop_worker(f);
    assert_int_equal(ro.attempts, 1);
    assert_non_null(strstr(ro.last_error, "gave up after 1 attempts in 72 hours"));
    get_row(f, young, &ry);
    assert_string_equal(ry.state, "pending");
}

/* A reminder still pending when its session has begun fails unsent ("expired"); one whose
 * moment is still ahead goes. */
static void a_mail_past_its_moment_is_not_sent(void **state)
{
    struct fixture *f = *state;
    int64_t now = clock_wall_ms();
    const char *msg = "Message-ID: <late.test@confide.test>\r\nSubject: Reminder\r\n\r\nSoon.\r\n";
    struct store_mail late = {.message_id = "late.test@confide.test",
                              .kind = "reminder",
                              .recipient = "ann@client.test",
                              .message = (char *)msg,
                              .message_len = strlen(msg),
                              .created_at = now - 60000,
                              .expires_at = now - 1000};
    int64_t late_id = 0;
    assert_int_equal(store_mail_insert(f->store, &late, &late_id), 0);
    struct store_mail timely = late;
    timely.message_id = "timely.test@confide.test";
    timely.recipient = "bob@client.test";
    timely.expires_at = now + 3600000;
    int64_t timely_id = 0;
    assert_int_equal(store_mail_insert(f->store, &timely, &timely_id), 0);
    start_worker(f, NULL, NULL);
    assert_true(
        WAIT_UNTIL(count_state(f, MAIL_SENT) == 1 && count_state(f, MAIL_FAILED) == 1, 5000));
    stop_worker(f);
    struct row r;
    get_row(f, late_id, &r);
    assert_string_equal(r.state, "failed");
    assert_int_equal(r.attempts, 0);
    assert_non_null(strstr(r.last_error, "expired"));
    assert_int_equal(sink_find(&f->sink, "ann@client.test", NULL), 0);
    assert_int_equal(sink_find(&f->sink, "bob@client.test", NULL), 1);
}

/* ---- (c) ---- */

static void mail_left_sending_by_a_crash_is_recovered(void **state)
{
    struct fixture *f = *state;
    char *text;
    int64_t id = queue(f, "ann@client.test", "After the crash.\r\n", &text);
    /* a worker claimed it and died before marking it */
    struct arena a = {0};
    struct store_mail *claimed;
    size_t n;
    int64_t now = clock_wall_ms();
    assert_int_equal(
        store_mail_claim(f->store, &a, now, 16, f->cfg.node_id, now + 3600000, &claimed, &n), 0);
    assert_int_equal(n, 1);
    arena_free(&a);
    struct row r;
    get_row(f, id, &r);
    assert_string_equal(r.state, "sending");

    start_worker(f, NULL, NULL);
    assert_true(WAIT_UNTIL(count_state(f, MAIL_SENT) == 1, 5000));
    stop_worker(f);
    const struct sink_msg *got = NULL;
    assert_int_equal(sink_find(&f->sink, "ann@client.test", &got), 1);
    assert_int_equal(got->len, strlen(text));
    assert_memory_equal(got->data, text, got->len);
    get_row(f, id, &r);
    assert_string_equal(r.state, "sent");
    assert_int_equal(r.attempts, 2);
    free(text);
}

/* Claims the oldest due mail for `node` for lease_ms; returns its id. */
static int64_t claim_one_as(struct fixture *f, const char *node, int64_t lease_ms)
{
    struct arena a = {0};
    struct store_mail *claimed;
    size_t n;
    int64_t now = clock_wall_ms();
    assert_int_equal(store_mail_claim(f->store, &a, now, 1, node, now + lease_ms, &claimed, &n), 0);
    assert_int_equal(n, 1);
    int64_t id = claimed[0].id;
    arena_free(&a);
    return id;
}

/* Several nodes on one database. This worker's node (node-a) crashed with a claim: at
 * its start it takes back that one only. node-b is alive and sending: its claim is left
 * alone. node-c died: once its claim lapses, this node sends its mail. */
static void a_node_takes_back_its_own_and_lapsed_claims_only(void **state)
{
    struct fixture *f = *state;
    queue(f, "ann@client.test", "Mine.\r\n", NULL);
    queue(f, "bob@client.test", "Being sent elsewhere.\r\n", NULL);
    queue(f, "cy@client.test", "Orphaned.\r\n", NULL);
    int64_t mine = claim_one_as(f, "node-a", 3600000);
    int64_t live = claim_one_as(f, "node-b", 3600000);
    int64_t dead = claim_one_as(f, "node-c", 1);
    sleep_ms(5);

    start_worker(f, NULL, NULL);
    assert_true(WAIT_UNTIL(count_state(f, MAIL_SENT) == 2, 5000));
    sleep_ms(1500); /* a wake-up later node-b's mail is still its own */
    stop_worker(f);
    struct row r;
    get_row(f, mine, &r);
    assert_string_equal(r.state, "sent");
    get_row(f, dead, &r);
    assert_string_equal(r.state, "sent");
    get_row(f, live, &r);
    assert_string_equal(r.state, "sending");
    assert_int_equal(sink_find(&f->sink, "ann@client.test", NULL), 1);
    assert_int_equal(sink_find(&f->sink, "cy@client.test", NULL), 1);
    assert_int_equal(sink_find(&f->sink, "bob@client.test", NULL), 0);
    /* stopping put back nothing of node-b's either */
    assert_int_equal(count_state(f, MAIL_SENDING), 1);
}

/* ---- (d) ---- */

static void rejected_recipient_fails_others_are_sent(void **state)
{
    struct fixture *f = *state;
    int64_t ok1 = queue(f, "ann@client.test", "One.\r\n", NULL);
    int64_t bad = queue(f, "reject@client.test", "Two.\r\n", NULL);
    int64_t ok2 = queue(f, "bob@client.test", "Three.\r\n", NULL);
    start_worker(f, NULL, NULL);
    assert_true(
        WAIT_UNTIL(count_state(f, MAIL_SENT) == 2 && count_state(f, MAIL_FAILED) == 1, 5000));
    uint64_t sent, retried, failed;
    mail_worker_stats(f->worker, &sent, &retried, &failed);
    stop_worker(f);
    assert_int_equal(sent, 2);
    assert_int_equal(retried, 0);
    assert_int_equal(failed, 1);
    struct row r;
    get_row(f, bad, &r);
    assert_string_equal(r.state, "failed");
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(r.last_error, "550"));
    assert_null(strstr(r.last_error, "reject@"));
    get_row(f, ok1, &r);
    assert_string_equal(r.state, "sent");
    get_row(f, ok2, &r);
    assert_string_equal(r.state, "sent");
    assert_int_equal(sink_count(&f->sink), 2);
    assert_int_equal(sink_find(&f->sink, "reject@client.test", NULL), 0);
}

/* ---- (e) ---- */

static void empty_smtp_url_claims_nothing(void **state)
{
    struct fixture *f = *state;
    f->cfg.smtp_url[0] = '\0';
    int64_t id = queue(f, "ann@client.test", "Waits.\r\n", NULL);
    struct ticker t = {0};
    start_worker(f, tick, &t);
    mail_worker_wake(f->worker);
    assert_true(WAIT_UNTIL(atomic_load(&t.calls) >= 2, 3000)); /* a poll later */
    stop_worker(f);
    struct row r;
    get_row(f, id, &r);
    assert_string_equal(r.state, "pending");
    assert_int_equal(r.attempts, 0);
    assert_int_equal(count_state(f, MAIL_SENDING), 0);
    assert_int_equal(sink_count(&f->sink), 0);
}

/* ---- (f) ---- */

static void wake_sends_without_waiting_for_the_poll(void **state)
{
    struct fixture *f = *state;
    f->cfg.mail_poll_seconds = 30;
    struct ticker t = {0};
    start_worker(f, tick, &t);
    assert_true(WAIT_UNTIL(atomic_load(&t.calls) == 1, 2000));
    sleep_ms(200); /* it has looked, found nothing and is waiting out its 30 s */
    assert_int_equal(sink_count(&f->sink), 0);
    queue(f, "ann@client.test", "Right away.\r\n", NULL);
    int64_t t0 = clock_mono_ms();
    mail_worker_wake(f->worker);
    assert_true(WAIT_UNTIL(sink_count(&f->sink) == 1, 2000));
    assert_true(clock_mono_ms() - t0 < 2000);
    assert_int_equal(atomic_load(&t.calls), 2);
    stop_worker(f);
}

/* ---- (g) ---- */

static void mail_queued_by_tick_goes_out_in_the_same_wakeup(void **state)
{
    struct fixture *f = *state;
    f->cfg.mail_poll_seconds = 30;
    struct ticker t = {.insert_on_call = 1};
    start_worker(f, tick, &t);
    assert_true(WAIT_UNTIL(sink_count(&f->sink) == 1, 2000));
    assert_int_equal(atomic_load(&t.calls), 1);
    stop_worker(f);
    assert_int_equal(sink_find(&f->sink, "reminder@client.test", NULL), 1);
    struct row r;
    assert_true(atomic_load(&t.inserted_id) > 0);
    get_row(f, atomic_load(&t.inserted_id), &r);
    assert_string_equal(r.state, "sent");
}

/* ---- a busy database ---- */

static void busy_database_is_waited_out(void **state)
{
    struct fixture *f = *state;
    /* the service thread holds the write lock (longer than SQLite's 5 s busy timeout) */
    assert_int_equal(store_begin(f->store), 0);
    int64_t id = queue(f, "ann@client.test", "Patience.\r\n", NULL);
    start_worker(f, NULL, NULL);
    sleep_ms(5600); /* the worker's first store call has given up with -EIO by now */
    assert_int_equal(sink_count(&f->sink), 0);
    assert_int_equal(store_commit(f->store), 0);
    assert_true(WAIT_UNTIL(count_state(f, MAIL_SENT) == 1, 4000));
    stop_worker(f);
    assert_int_equal(sink_find(&f->sink, "ann@client.test", NULL), 1);
    struct row r;
    get_row(f, id, &r);
    assert_string_equal(r.state, "sent");
}

/* ---- smtp_send on its own ---- */

static void smtp_send_refuses_bad_addresses_and_reports_without_them(void **state)
{
    struct fixture *f = *state;
    char url[64], err[SMTP_ERR_MAX];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%u", f->sink.port);
    struct smtp_settings s = {.url = url, .from = "practice@confide.test", .starttls = "auto"};
    const char msg[] = "Subject: x\r\n\r\nbody\r\n";
    assert_int_equal(smtp_send(&s, "a@b.test\r\nRCPT TO:<evil@x.test>", msg, sizeof msg - 1, err),
                     SMTP_REJECTED);
    assert_int_equal(smtp_send(&s, "no-at-sign", msg, sizeof msg - 1, err), SMTP_REJECTED);
    assert_int_equal(smtp_send(&s, "a b@c.test", msg, sizeof msg - 1, err), SMTP_REJECTED);
    assert_int_equal(sink_count(&f->sink), 0);
    s.from = "bad\nfrom@x.test";
    assert_int_equal(smtp_send(&s, "ann@client.test", msg, sizeof msg - 1, err), SMTP_RETRY);
    s.from = "practice@confide.test";
    assert_int_equal(smtp_send(&s, "ann@client.test", msg, sizeof msg - 1, err), SMTP_SENT);
    assert_string_equal(err, "");
    assert_int_equal(smtp_send(&s, "reject@client.test", msg, sizeof msg - 1, err), SMTP_REJECTED);
    assert_non_null(strstr(err, "550"));
    assert_null(strstr(err, "reject@"));
    s.starttls = "require"; /* the sink offers no STARTTLS */
    assert_int_equal(smtp_send(&s, "ann@client.test", msg, sizeof msg - 1, err), SMTP_RETRY);
    s.starttls = "off";
    sink_down(&f->sink);
    assert_int_equal(smtp_send(&s, "ann@client.test", msg, sizeof msg - 1, err), SMTP_RETRY);
    assert_non_null(strstr(err, "curl 7"));
    assert_int_equal(sink_find(&f->sink, "ann@client.test", NULL), 1);
}

/* ---- a full disk ---- */

/* The claim cannot be written, so nothing is sent; the thread goes on, and the mail goes
 * once when space returns. */
static void full_disk_holds_mail_until_space_returns(void **state)
{
    if (test_db_is_pg()) { /* the full disk is a SQLite VFS (tests/support/full_disk.h) */
        printf("skipped on PostgreSQL: full_disk_holds_mail_until_space_returns fills "
               "SQLite's disk\n");
        skip();
    }
    struct fixture *f = *state;
    int64_t id = queue(f, "ann@client.test", "Held.\r\n", NULL);
    full_disk_begin();
    start_worker(f, NULL, NULL);
    sleep_ms(2500); /* a few wake-ups at mail_poll_seconds = 1 */
    struct row r;
    get_row(f, id, &r);
    assert_string_equal(r.state, "pending");
    assert_int_equal(r.attempts, 0);
    assert_int_equal(sink_count(&f->sink), 0);

    full_disk_end();
    assert_true(WAIT_UNTIL(count_state(f, MAIL_SENT) == 1, 5000));
    sleep_ms(1500);
    stop_worker(f);
    assert_int_equal(sink_count(&f->sink), 1);
    get_row(f, id, &r);
    assert_string_equal(r.state, "sent");
    assert_int_equal(r.attempts, 1);
}

int main(void)
{
    if (rand_init() < 0 || smtp_global_init() < 0 || full_disk_install() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(full_disk_holds_mail_until_space_returns, setup, teardown),
        cmocka_unit_test_setup_teardown(queued_mail_is_delivered_once_and_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(sink_down_means_retry_then_delivery, setup, teardown),
        cmocka_unit_test_setup_teardown(an_outage_longer_than_three_days_fails_the_mail, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_mail_past_its_moment_is_not_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(mail_left_sending_by_a_crash_is_recovered, setup, teardown),
        cmocka_unit_test_setup_teardown(a_node_takes_back_its_own_and_lapsed_claims_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rejected_recipient_fails_others_are_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_smtp_url_claims_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(wake_sends_without_waiting_for_the_poll, setup, teardown),
        cmocka_unit_test_setup_teardown(mail_queued_by_tick_goes_out_in_the_same_wakeup, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(busy_database_is_waited_out, setup, teardown),
        cmocka_unit_test_setup_teardown(smtp_send_refuses_bad_addresses_and_reports_without_them,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* api: every endpoint through api_handle with a real store, no sockets. The clock is the
 * request's `now`, so idle and absolute expiry are tested to the millisecond. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <semaphore.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <unistd.h>

#include "api/api.h"
#include "api/offload.h"
#include "api/routes.h"
#include "auth/account.h"
#include "auth/totp.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/rand.h"
#include "core/seal.h"
#include "practice/licence_check.h"
#include "practice/schedule.h"
#include "store/store.h"
#include "../support/full_disk.h"
#include "../support/test_db.h"

#define PW "a long and quiet passphrase"

struct env {
    char dir[64];
    struct test_db db; /* SQLite in dir, or PostgreSQL (unit_api_pg) */
    struct config cfg;
    struct seal *seal;
    struct store *store;
    struct api_ctx api;
    int64_t now;
    char cookie[128];
    struct api_response resp;
    json_t *json;
};

/* what the next request carries besides method, path and body */
struct extra {
    const char *content_type; /* default application/json when there is a body */
    const char *origin;
    const char *sec_fetch_site;
    const char *cookie; /* default: the env's cookie */
    const char *peer;
    int too_large;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    strcpy(e->dir, "/tmp/confide-api-XXXXXX");
    if (!mkdtemp(e->dir))
        return -1;
    config_defaults(&e->cfg);
    const char *web = getenv("CONFIDE_WEB_DIR");
    if (web)
        snprintf(e->cfg.web_dir, sizeof e->cfg.web_dir, "%s", web);
    /* the other tests sign the administrator in with her password alone */
    snprintf(e->cfg.require_mfa, sizeof e->cfg.require_mfa, "off");
    struct buf err = {0};
    if (config_finish(&e->cfg, &err) < 0)
        return -1;
    uint8_t key[32] = {4};
    e->seal = seal_new_from_key(key);
    if (test_db_create(&e->db, e->dir, "confide.db") < 0)
        return -1;
    int applied, version;
    if (store_open(e->db.url, e->seal, &e->store) < 0 ||
        store_migrate(e->store, &applied, &version) < 0)
        return -1;
    api_ctx_init(&e->api, &e->cfg, e->store, 0);
    e->now = 1800000000000LL;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    full_disk_end(); /* whatever a failed test left */
    json_decref(e->json);
    api_response_free(&e->resp);
    api_ctx_free(&e->api);
    store_close(e->store);
    test_db_drop(&e->db);
    seal_free(e->seal);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    if (system(cmd) != 0)
        return -1;
    free(e);
    return 0;
}

static const char *header(struct env *e, const char *name)
{
    for (int i = 0; i < e->resp.header_count; i++)
        if (strcmp(e->resp.headers[i].name, name) == 0)
            return e->resp.headers[i].value;
    return NULL;
}

/* Sends one request; returns the status. A Set-Cookie that sets a value is remembered. */
static int send_x(struct env *e, const char *method, const char *path, const char *body,
                  struct extra x)
{
    /* "/a?b=1&c=2": the path, and the query's pairs as net/http.c hands them over, each
     * ended by a NUL and the list by an empty one ("b=1\0c=2\0\0") */
    char bare[512] = {0};
    snprintf(bare, sizeof bare - 1, "%s", path);
    char *query = strchr(bare, '?');
    if (query) {
        *query++ = 0;
        for (char *c = query; *c; c++)
            if (*c == '&')
                *c = 0;
    }
    struct api_request req = {
        .id = 1,
        .now = e->now,
        .method = method,
        .path = bare,
        .query = query,
        .content_type = x.content_type ? x.content_type : (body ? "application/json" : NULL),
        .cookie = x.cookie ? x.cookie : (e->cookie[0] ? e->cookie : NULL),
        .origin = x.origin,
        .sec_fetch_site = x.sec_fetch_site,
        .peer = x.peer ? x.peer : "127.0.0.1",
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .body_too_large = x.too_large,
    };
    json_decref(e->json);
    api_response_free(&e->resp);
    memset(&e->resp, 0, sizeof e->resp);
    api_handle(&e->api, &req, &e->resp);
    e->json = e->resp.body.data ? json_loads(e->resp.body.data, 0, NULL) : NULL;
    const char *set = header(e, "set-cookie:");
    if (set) {
        size_t n = strcspn(set, ";");
        if (set[n - 1] != '=') {
            snprintf(e->cookie, sizeof e->cookie, "%.*s", (int)n, set);
        }
    }
    return e->resp.status;
}

static int send(struct env *e, const char *method, const char *path, const char *body)
{
    return send_x(e, method, path, body, (struct extra){0});
}

static const char *error_code(struct env *e)
{
    return json_string_value(json_object_get(json_object_get(e->json, "error"), "code"));
}

static const char *error_message(struct env *e)
{
    return json_string_value(json_object_get(json_object_get(e->json, "error"), "message"));
}

static void do_setup(struct env *e)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"setup_token\":\"%s\",\"name\":\"Dr Ada Byron\",\"email\":\"ada@example.org\","
             "\"password\":\"" PW "\"}",
             e->api.setup_token);
    assert_int_equal(send(e, "POST", "/api/v1/setup", body), 201);
}

static void setup_creates_the_first_admin_once(void **state)
{
    struct env *e = *state;
    assert_int_equal(strlen(e->api.setup_token), 32);
    assert_int_equal(send(e, "GET", "/api/v1/setup", NULL), 200);
    assert_true(json_is_true(json_object_get(e->json, "setup_required")));

    const char *bad = "{\"setup_token\":\"wrong\",\"name\":\"X\",\"email\":\"x@example.org\","
                      "\"password\":\"" PW "\"}";
    assert_int_equal(send(e, "POST", "/api/v1/setup", bad), 403);
    assert_string_equal(error_code(e), "invalid_setup_token");

    char weak[300];
    snprintf(weak, sizeof weak,
             "{\"setup_token\":\"%s\",\"name\":\"X\",\"email\":\"x@example.org\","
             "\"password\":\"short\"}",
             e->api.setup_token);
    assert_int_equal(send(e, "POST", "/api/v1/setup", weak), 400);
    assert_string_equal(error_code(e), "weak_password");
    assert_non_null(strstr(error_message(e), "12 characters"));

    char bad_email[300];
    snprintf(bad_email, sizeof bad_email,
             "{\"setup_token\":\"%s\",\"name\":\"X\",\"email\":\"not-an-email\","
             "\"password\":\"" PW "\"}",
             e->api.setup_token);
    assert_int_equal(send(e, "POST", "/api/v1/setup", bad_email), 400);
    assert_string_equal(error_code(e), "invalid_email");

    e->cookie[0] = '\0';
    do_setup(e);
    json_t *user = json_object_get(e->json, "user");
    assert_string_equal(json_string_value(json_object_get(user, "role")), "admin");
    assert_string_equal(json_string_value(json_object_get(user, "email")), "ada@example.org");
    assert_non_null(strstr(e->cookie, "confide_session="));
    assert_non_null(strstr(header(e, "set-cookie:"), "HttpOnly; SameSite=Strict"));

    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    assert_int_equal(send(e, "GET", "/api/v1/setup", NULL), 200);
    assert_true(json_is_false(json_object_get(e->json, "setup_required")));
    char again[300];
    snprintf(again, sizeof again,
             "{\"setup_token\":\"%s\",\"name\":\"Eve\",\"email\":\"eve@example.org\","
             "\"password\":\"" PW "\"}",
             e->api.setup_token);
    assert_int_equal(send(e, "POST", "/api/v1/setup", again), 409);
    assert_string_equal(error_code(e), "already_set_up");
}

/* A refused setup costs no argon2id: "already set up" and the link's token are checked
 * before the password is hashed (the count of hashes says so, not a clock), and one
 * address guessing tokens is slowed down as sign-ins are. */
static void setup_refuses_before_hashing_and_throttles_guessing(void **state)
{
    struct env *e = *state;
    uint64_t hashes = metrics_password_hashes();
    const char *bad = "{\"setup_token\":\"wrong\",\"name\":\"X\",\"email\":\"x@example.org\","
                      "\"password\":\"" PW "\"}";
    struct extra guesser = {.peer = "10.3.3.3"};
    /* 20 wrong tokens from one address cost nothing; the 21st makes it wait */
    for (int i = 0; i < 21; i++) {
        assert_int_equal(send_x(e, "POST", "/api/v1/setup", bad, guesser), 403);
        assert_string_equal(error_code(e), "invalid_setup_token");
    }
    assert_int_equal(metrics_password_hashes(), hashes);
    char good[300];
    snprintf(good, sizeof good,
             "{\"setup_token\":\"%s\",\"name\":\"Dr Ada Byron\",\"email\":\"ada@example.org\","
             "\"password\":\"" PW "\"}",
             e->api.setup_token);
    assert_int_equal(send_x(e, "POST", "/api/v1/setup", good, guesser), 429);
    assert_string_equal(error_code(e), "too_many_attempts");
    assert_string_equal(header(e, "retry-after:"), "1");
    assert_int_equal(send_x(e, "POST", "/api/v1/setup", bad, (struct extra){.peer = "10.3.3.4"}),
                     403);
    assert_int_equal(metrics_password_hashes(), hashes);

    e->now += 1000;
    assert_int_equal(send_x(e, "POST", "/api/v1/setup", good, guesser), 201);
    assert_int_equal(metrics_password_hashes(), hashes + 1);
    /* once set up, a setup is refused before hashing too, whatever its token */
    assert_int_equal(send(e, "POST", "/api/v1/setup", good), 409);
    assert_string_equal(error_code(e), "already_set_up");
    assert_int_equal(send(e, "POST", "/api/v1/setup", bad), 409);
    assert_int_equal(metrics_password_hashes(), hashes + 1);
}

/* The offload thread holds at most API_OFFLOAD_MAX_JOBS requests; one more is answered 503
 * at once, and a request whose connection closed is dropped before it is hashed. The
 * first answer's wake holds the thread, so what is queued stays queued until released. */
static sem_t offload_release;
static atomic_int offload_wakes;

static void hold_first_wake(void *arg)
{
    (void)arg;
    if (atomic_fetch_add(&offload_wakes, 1) == 0)
        sem_wait(&offload_release);
}

static void offload_is_bounded_and_drops_what_nobody_will_read(void **state)
{
    struct env *e = *state;
    do_setup(e);
    const char *url = e->db.url;
    sem_init(&offload_release, 0, 0);
    atomic_store(&offload_wakes, 0);
    struct api_offload *o = NULL;
    assert_int_equal(api_offload_start(&e->api, url, e->seal, hold_first_wake, NULL, &o), 0);
    uint64_t hashes = metrics_password_hashes();
    const char *body = "{\"email\":\"ada@example.org\",\"password\":\"not the password\"}";
    struct api_request req = {
        .now = e->now,
        .method = "POST",
        .path = "/api/v1/login",
        .content_type = "application/json",
        .peer = "127.0.0.1",
        .body = body,
        .body_len = strlen(body),
    };
    struct api_response resp = {0};
    for (uint64_t id = 1; id <= API_OFFLOAD_MAX_JOBS; id++)
        assert_int_equal(api_offload_submit(o, id, &req, &resp), 0);
    assert_int_equal(api_offload_submit(o, 99, &req, &resp), -1);
    assert_int_equal(resp.status, 503);
    assert_string_equal(resp.content_type, "application/json");
    assert_string_equal(resp.route, "/api/v1/login");
    assert_int_equal(resp.header_count, 1);
    assert_string_equal(resp.headers[0].name, "retry-after:");
    assert_string_equal(resp.headers[0].value, "1");
    json_t *j = json_loads(resp.body.data, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                        "server_busy");
    json_decref(j);
    api_response_free(&resp);
    memset(&resp, 0, sizeof resp);

    /* their connections closed: the queued ones go without being answered */
    for (uint64_t id = 2; id <= API_OFFLOAD_MAX_JOBS; id++)
        assert_int_equal(api_offload_cancel(o, id), 1);
    assert_int_equal(api_offload_cancel(o, 2), 0);                /* gone already */
    assert_int_equal(api_offload_submit(o, 100, &req, &resp), 0); /* room again */
    assert_int_equal(api_offload_cancel(o, 100), 1);

    sem_post(&offload_release);
    uint64_t id = 0;
    while (!api_offload_take(o, &id, &resp))
        usleep(1000);
    assert_int_equal(id, 1);
    assert_int_equal(resp.status, 401);
    api_response_free(&resp);
    api_offload_stop(o);
    assert_int_equal(metrics_password_hashes(), hashes + 1); /* the first one only */
    assert_int_equal(atomic_load(&offload_wakes), 1);
    sem_destroy(&offload_release);
}

static void login_me_logout(void **state)
{
    struct env *e = *state;
    do_setup(e);
    e->cookie[0] = '\0';
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 401);
    assert_string_equal(error_code(e), "not_signed_in");

    assert_int_equal(send(e, "POST", "/api/v1/login",
                          "{\"email\":\"ada@example.org\",\"password\":\"wrong password!\"}"),
                     401);
    assert_string_equal(error_code(e), "invalid_credentials");
    char wrong_pw_message[200];
    snprintf(wrong_pw_message, sizeof wrong_pw_message, "%s", error_message(e));
    assert_int_equal(send(e, "POST", "/api/v1/login",
                          "{\"email\":\"nobody@example.org\",\"password\":\"" PW "\"}"),
                     401);
    /* an unknown email and a wrong password look the same */
    assert_string_equal(error_code(e), "invalid_credentials");
    assert_string_equal(error_message(e), wrong_pw_message);

    assert_int_equal(
        send(e, "POST", "/api/v1/login", "{\"email\":\"ADA@example.org\",\"password\":\"" PW "\"}"),
        200);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(e->json, "session"),
                                                        "idle_timeout_seconds")),
                     900);
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(e->json, "user"), "name")),
        "Dr Ada Byron");

    char old_cookie[128];
    strcpy(old_cookie, e->cookie);
    assert_int_equal(send(e, "POST", "/api/v1/logout", NULL), 204);
    assert_non_null(strstr(header(e, "set-cookie:"), "Max-Age=0"));
    /* the old token is dead on the server, not only forgotten by the browser */
    assert_int_equal(send_x(e, "GET", "/api/v1/me", NULL, (struct extra){.cookie = old_cookie}),
                     401);
    assert_int_equal(send_x(e, "POST", "/api/v1/logout", NULL,
                            (struct extra){.cookie = "confide_session=forged"}),
                     204);
}

static void idle_and_absolute_expiry(void **state)
{
    struct env *e = *state;
    do_setup(e);
    e->now += 899 * 1000; /* just inside the 15 minutes */
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    e->now += 900 * 1000; /* 15 minutes without a request */
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 401);
    assert_string_equal(error_code(e), "session_expired");
    assert_non_null(strstr(error_message(e), "15 minutes"));
    assert_non_null(strstr(header(e, "set-cookie:"), "Max-Age=0"));

    /* activity every 10 minutes keeps a sign-in alive for 12 hours, not longer */
    assert_int_equal(
        send(e, "POST", "/api/v1/login", "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"),
        200);
    int64_t start = e->now;
    while (e->now - start < 43200LL * 1000 - 600 * 1000) {
        e->now += 600 * 1000;
        assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    }
    e->now = start + 43200LL * 1000;
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 401);
    assert_string_equal(error_code(e), "session_expired");
    assert_non_null(strstr(error_message(e), "ended"));
}

static void asking_how_long_is_left_is_not_activity(void **state)
{
    struct env *e = *state;
    do_setup(e);
    json_t *session = json_object_get(e->json, "session");
    assert_int_equal(json_integer_value(json_object_get(session, "idle_remaining_seconds")), 900);
    e->now += 600 * 1000;
    assert_int_equal(send(e, "GET", "/api/v1/session", NULL), 200);
    session = json_object_get(e->json, "session");
    assert_int_equal(json_integer_value(json_object_get(session, "idle_remaining_seconds")), 300);
    assert_int_equal(json_integer_value(json_object_get(session, "expires_in_seconds")),
                     43200 - 600);
    /* the question did not postpone the sign-out */
    e->now += 300 * 1000;
    assert_int_equal(send(e, "GET", "/api/v1/session", NULL), 401);
    assert_string_equal(error_code(e), "session_expired");

    assert_int_equal(
        send(e, "POST", "/api/v1/login", "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"),
        200);
    e->now += 100 * 1000;
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200); /* activity */
    e->now += 100 * 1000;
    assert_int_equal(send(e, "GET", "/api/v1/session", NULL), 200);
    session = json_object_get(e->json, "session");
    assert_int_equal(json_integer_value(json_object_get(session, "idle_remaining_seconds")), 800);
}

static void login_throttles_with_backoff(void **state)
{
    struct env *e = *state;
    do_setup(e);
    e->cookie[0] = '\0';
    const char *wrong = "{\"email\":\"ada@example.org\",\"password\":\"not the password\"}";
    for (int i = 0; i < 5; i++)
        assert_int_equal(send(e, "POST", "/api/v1/login", wrong), 401);
    assert_int_equal(send(e, "POST", "/api/v1/login", wrong), 401); /* 6th: now blocked 1 s */
    assert_int_equal(
        send(e, "POST", "/api/v1/login", "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"),
        429);
    assert_string_equal(error_code(e), "too_many_attempts");
    assert_string_equal(header(e, "retry-after:"), "1");
    e->now += 1000;
    assert_int_equal(send(e, "POST", "/api/v1/login", wrong), 401);
    assert_int_equal(send(e, "POST", "/api/v1/login", wrong), 429);
    assert_string_equal(header(e, "retry-after:"), "2");
    e->now += 2000;
    assert_int_equal(
        send(e, "POST", "/api/v1/login", "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"),
        200);

    /* one address trying many accounts is slowed down too */
    e->cookie[0] = '\0';
    char body[200];
    int status = 0;
    for (int i = 0; i < 21; i++) {
        snprintf(body, sizeof body, "{\"email\":\"u%d@example.org\",\"password\":\"xxxxxxxxxxxx\"}",
                 i);
        status = send_x(e, "POST", "/api/v1/login", body, (struct extra){.peer = "10.9.8.7"});
    }
    assert_int_equal(status, 401);
    assert_int_equal(send_x(e, "POST", "/api/v1/login", body, (struct extra){.peer = "10.9.8.7"}),
                     429);
    assert_int_equal(send_x(e, "POST", "/api/v1/login", body, (struct extra){.peer = "10.9.8.6"}),
                     401);
}

/* The address throttle counts an IPv6 host by its /64: a wrong password from each of many
 * addresses in one /64 (to accounts that do not exist, so only the address counts) soon
 * waits, while a host in the next /64 tries at once. */
static void address_throttle_counts_an_ipv6_64_once(void **state)
{
    struct env *e = *state;
    do_setup(e);
    e->cookie[0] = '\0';
    char body[200], peer[64];
    int refused_at = 0;
    for (int i = 1; i <= 40 && !refused_at; i++) {
        snprintf(body, sizeof body,
                 "{\"email\":\"nobody%d@example.org\",\"password\":\"not the password\"}", i);
        snprintf(peer, sizeof peer, "2001:db8:7:7::%x", i);
        int got = send_x(e, "POST", "/api/v1/login", body, (struct extra){.peer = peer});
        if (got == 429)
            refused_at = i;
        else
            assert_int_equal(got, 401);
    }
    assert_true(refused_at > 1 && refused_at <= 40);
    assert_int_equal(send_x(e, "POST", "/api/v1/login",
                            "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}",
                            (struct extra){.peer = "2001:db8:7:7:abcd::1"}),
                     429);
    assert_int_equal(send_x(e, "POST", "/api/v1/login",
                            "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}",
                            (struct extra){.peer = "2001:db8:7:8::1"}),
                     200);
}

/* The per-account throttle counts an address in the form the store compares it in: spaces,
 * tabs and capitals do not buy fresh attempts. Each try comes from its own address, so only
 * the account's count can stop the last one. */
static void login_throttle_key_is_the_normalised_email(void **state)
{
    struct env *e = *state;
    do_setup(e);
    e->cookie[0] = '\0';
    const char *spellings[] = {
        "ada@example.org",    " Ada@Example.org\\t", "ADA@EXAMPLE.ORG ",
        "\\tada@example.ORG", "  aDa@example.org  ", " ada@example.org",
    };
    char body[200], peer[32];
    for (int i = 0; i < 6; i++) {
        snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"not the password\"}",
                 spellings[i]);
        snprintf(peer, sizeof peer, "10.1.2.%d", i + 1);
        assert_int_equal(send_x(e, "POST", "/api/v1/login", body, (struct extra){.peer = peer}),
                         401);
    }
    /* six failures: the account now waits, whichever way the address is written */
    assert_int_equal(send_x(e, "POST", "/api/v1/login",
                            "{\"email\":\" Ada@Example.org\\t\",\"password\":\"" PW "\"}",
                            (struct extra){.peer = "10.1.2.99"}),
                     429);
    assert_string_equal(error_code(e), "too_many_attempts");
    assert_int_equal(send_x(e, "POST", "/api/v1/login",
                            "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}",
                            (struct extra){.peer = "10.1.2.98"}),
                     429);
    e->now += 1000;
    assert_int_equal(send_x(e, "POST", "/api/v1/login",
                            "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}",
                            (struct extra){.peer = "10.1.2.97"}),
                     200);
}

static void bad_input_gets_clear_errors(void **state)
{
    struct env *e = *state;
    struct {
        const char *body;
        int status;
        const char *code;
    } cases[] = {
        {"", 400, "malformed_json"},
        {"{", 400, "malformed_json"},
        {"[]", 400, "malformed_json"},
        {"\"text\"", 400, "malformed_json"},
        {"{\"email\":\"a@b.c\",\"email\":\"d@e.f\",\"password\":\"x\"}", 400, "malformed_json"},
        {"{}", 400, "missing_field"},
        {"{\"email\":42,\"password\":\"" PW "\"}", 400, "invalid_field"},
        {"{\"email\":\"a@b.c\",\"password\":null}", 400, "invalid_field"},
        {"{\"email\":\"a@b.c\",\"password\":[\"x\"]}", 400, "invalid_field"},
        {"{\"email\":\"a@b.c\",\"password\":\"\"}", 400, "invalid_field"},
        {"{\"email\":\"a@b.c\",\"password\":\"a\\u0000b\"}", 400, "malformed_json"},
        {"{\"email\":\"a@b.c\",\"password\":\"\xff\xfe\"}", 400, "malformed_json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(send(e, "POST", "/api/v1/login", cases[i].body), cases[i].status);
        assert_string_equal(error_code(e), cases[i].code);
        assert_non_null(error_message(e));
        assert_string_equal(e->resp.content_type, "application/json");
    }
    assert_int_equal(
        send_x(e, "POST", "/api/v1/login", "{}", (struct extra){.content_type = "text/plain"}),
        415);
    assert_string_equal(error_code(e), "unsupported_media_type");
    assert_int_equal(send_x(e, "POST", "/api/v1/login", "{}",
                            (struct extra){.content_type = "application/jsonx"}),
                     415);
    assert_int_equal(send_x(e, "POST", "/api/v1/login", "{}",
                            (struct extra){.content_type = "application/json; charset=utf-8"}),
                     400);
    assert_int_equal(send_x(e, "POST", "/api/v1/login", NULL, (struct extra){.too_large = 1}), 413);
    assert_string_equal(error_code(e), "body_too_large");
    assert_int_equal(send(e, "GET", "/api/v1/nothing-here", NULL), 404);
    assert_string_equal(error_code(e), "not_found");
    assert_int_equal(send(e, "DELETE", "/api/v1/me", NULL), 405);
    assert_string_equal(error_code(e), "method_not_allowed");
    assert_string_equal(header(e, "allow:"), "GET");
    assert_int_equal(send(e, "GET", "/api/v1/login", NULL), 405);
    assert_string_equal(header(e, "allow:"), "POST");
    assert_string_equal(e->resp.cache_control, "no-store");
    /* nothing written by any of that */
    int64_t users = -1;
    assert_int_equal(store_user_count(e->store, &users), 0);
    assert_int_equal(users, 0);
}

/* The field and code of errors[i] of the last answer, as "field:code". */
static const char *field_error_at(struct env *e, size_t i, char *out, size_t size)
{
    json_t *item = json_array_get(json_object_get(e->json, "errors"), i);
    snprintf(out, size, "%s:%s", json_string_value(json_object_get(item, "field")),
             json_string_value(json_object_get(item, "code")));
    return out;
}

static void field_errors_come_together_and_nothing_is_written(void **state)
{
    struct env *e = *state;
    do_setup(e);
    /* a name not printable, then a bad address (both checks of one field are one error),
     * an unknown zone, a phone number without digits */
    assert_int_equal(send(e, "POST", "/api/v1/clients",
                          "{\"name\":\"a\\nb\",\"email\":\"no\",\"time_zone\":\"Moon/Base\","
                          "\"phone\":\"---\"}"),
                     400);
    static const char *const expected[] = {"name:invalid_field", "email:invalid_email",
                                           "time_zone:unknown_time_zone", "phone:invalid_field"};
    json_t *errors = json_object_get(e->json, "errors");
    assert_int_equal(json_array_size(errors), 4);
    char got[64];
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(field_error_at(e, i, got, sizeof got), expected[i]);
    /* "error" is the first of them, as before there was a list */
    assert_true(json_equal(json_object_get(e->json, "error"), json_array_get(errors, 0)));
    assert_int_equal(send(e, "GET", "/api/v1/clients", NULL), 200);
    assert_int_equal(json_array_size(json_object_get(e->json, "clients")), 0);

    /* a session: every field of the form at once, in the order they are checked */
    assert_int_equal(send(e, "POST", "/api/v1/sessions",
                          "{\"title\":\"\",\"time_zone\":7,\"starts_at\":\"soon\","
                          "\"ends_at\":\"later\",\"duration_minutes\":1,\"chat\":1,"
                          "\"client_id\":1,\"group_id\":2}"),
                     400);
    static const char *const session[] = {
        "title:invalid_field",      "time_zone:invalid_field",        "starts_at:invalid_field",
        "ends_at:invalid_field",    "duration_minutes:invalid_field", "chat:invalid_field",
        "client_id:client_or_group"};
    assert_int_equal(json_array_size(json_object_get(e->json, "errors")), 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(field_error_at(e, i, got, sizeof got), session[i]);
    /* the rest right, the one problem left is the only one listed */
    assert_int_equal(send(e, "POST", "/api/v1/sessions",
                          "{\"title\":\"Weekly\",\"time_zone\":\"Europe/Berlin\","
                          "\"starts_at\":\"2030-03-20T18:00:00+01:00\",\"client_id\":1,"
                          "\"group_id\":2}"),
                     400);
    assert_int_equal(json_array_size(json_object_get(e->json, "errors")), 1);
    assert_string_equal(field_error_at(e, 0, got, sizeof got), "client_id:client_or_group");
}

static void cross_origin_writes_are_refused(void **state)
{
    struct env *e = *state;
    do_setup(e);
    char login[] = "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}";
    assert_int_equal(
        send_x(e, "POST", "/api/v1/login", login, (struct extra){.origin = "http://evil.example"}),
        403);
    assert_string_equal(error_code(e), "cross_origin");
    assert_int_equal(
        send_x(e, "POST", "/api/v1/logout", NULL, (struct extra){.sec_fetch_site = "cross-site"}),
        403);
    /* the refused logout did not end the sign-in */
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    assert_int_equal(
        send_x(e, "POST", "/api/v1/login", login,
               (struct extra){.origin = "http://127.0.0.1:8080", .sec_fetch_site = "same-origin"}),
        200);
    /* reads are not state-changing: a cross-site GET is answered (the cookie is Strict) */
    assert_int_equal(
        send_x(e, "GET", "/api/v1/setup", NULL, (struct extra){.origin = "http://evil.example"}),
        200);
}

static void ops_endpoints(void **state)
{
    struct env *e = *state;
    assert_int_equal(send(e, "GET", "/healthz", NULL), 200);
    assert_string_equal(json_string_value(json_object_get(e->json, "status")), "ok");
    assert_int_equal(send(e, "GET", "/metrics", NULL), 200);
    assert_non_null(strstr(e->resp.body.data, "confide_store_latency_seconds_count"));
    assert_non_null(strstr(e->resp.content_type, "text/plain"));
}

/* The audit log: what was done, by whom, from where, newest first; administrators only. */
static void the_audit_log_shows_who_did_what(void **state)
{
    struct env *e = *state;
    do_setup(e);
    assert_int_equal(send(e, "POST", "/api/v1/clients",
                          "{\"name\":\"Kim\",\"email\":\"kim@mail.example\","
                          "\"time_zone\":\"UTC\"}"),
                     201);
    int64_t client = json_integer_value(json_object_get(json_object_get(e->json, "client"), "id"));
    char path[96];
    snprintf(path, sizeof path, "/api/v1/clients/%lld", (long long)client);
    assert_int_equal(send_x(e, "GET", path, NULL, (struct extra){.peer = "198.51.100.4"}), 200);
    /* a list is a read too */
    assert_int_equal(send(e, "GET", "/api/v1/clients", NULL), 200);
    assert_int_equal(send(e, "GET", "/api/v1/audit?action=client.list", NULL), 200);
    assert_int_equal(json_array_size(json_object_get(e->json, "entries")), 1);
    assert_int_equal(send(e, "GET", "/api/v1/audit?action=client.read", NULL), 200);
    json_t *entries = json_object_get(e->json, "entries");
    assert_int_equal(json_array_size(entries), 1);
    json_t *read = json_array_get(entries, 0);
    assert_int_equal(json_integer_value(json_object_get(read, "subject_id")), client);
    assert_string_equal(json_string_value(json_object_get(read, "source")), "198.51.100.4");
    assert_string_equal(json_string_value(json_object_get(read, "outcome")), "ok");
    assert_true(json_integer_value(json_object_get(read, "actor_user_id")) > 0);
    assert_true(json_is_null(json_object_get(e->json, "next_before")));
    /* paged, newest first: reading the log is itself in it */
    assert_int_equal(send(e, "GET", "/api/v1/audit?limit=1", NULL), 200);
    entries = json_object_get(e->json, "entries");
    assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 0), "action")),
                        "audit.read");
    json_int_t next = json_integer_value(json_object_get(e->json, "next_before"));
    assert_true(next > 1);
    snprintf(path, sizeof path, "/api/v1/audit?limit=1&before=%lld", (long long)next);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    entries = json_object_get(e->json, "entries");
    assert_true(json_integer_value(json_object_get(json_array_get(entries, 0), "id")) < next);
    /* a wrong password is an entry too: the account tried, from where, refused */
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    json_int_t ada = json_integer_value(json_object_get(json_object_get(e->json, "user"), "id"));
    char cookie[sizeof e->cookie];
    snprintf(cookie, sizeof cookie, "%s", e->cookie);
    e->cookie[0] = '\0';
    assert_int_equal(send_x(e, "POST", "/api/v1/login",
                            "{\"email\":\"ADA@example.org\",\"password\":\"not her password\"}",
                            (struct extra){.peer = "203.0.113.9"}),
                     401);
    assert_int_equal(send(e, "POST", "/api/v1/login",
                          "{\"email\":\"nobody@example.org\",\"password\":\"a password\"}"),
                     401);
    snprintf(e->cookie, sizeof e->cookie, "%s", cookie);
    assert_int_equal(send(e, "GET", "/api/v1/audit?action=login.failed", NULL), 200);
    entries = json_object_get(e->json, "entries");
    assert_int_equal(json_array_size(entries), 2);
    json_t *unknown = json_array_get(entries, 0), *wrong = json_array_get(entries, 1);
    assert_true(json_is_null(json_object_get(unknown, "subject_id")));
    assert_int_equal(json_integer_value(json_object_get(wrong, "subject_id")), ada);
    assert_true(json_is_null(json_object_get(wrong, "actor_user_id")));
    assert_string_equal(json_string_value(json_object_get(wrong, "outcome")), "refused");
    assert_string_equal(json_string_value(json_object_get(wrong, "source")), "203.0.113.9");
    /* the reads of lists that name clients: groups, sessions, polls */
    const char *lists[][2] = {{"/api/v1/groups", "action=group.list"},
                              {"/api/v1/sessions", "action=session.list"},
                              {"/api/v1/polls", "action=poll.list"}};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        assert_int_equal(send(e, "GET", lists[i][0], NULL), 200);
        snprintf(path, sizeof path, "/api/v1/audit?%s", lists[i][1]);
        assert_int_equal(send(e, "GET", path, NULL), 200);
        assert_int_equal(json_array_size(json_object_get(e->json, "entries")), 1);
    }
    /* and the chain the API wrote holds */
    int64_t count, bad;
    uint8_t head[STORE_AUDIT_HASH_BYTES];
    assert_int_equal(store_audit_verify(e->store, &count, &bad, head), 0);
    assert_true(count >= 5);
}

/* Sends the request from peer and checks the answer is exactly that of a path confide
 * does not have. */
static void answers_as_unknown(struct env *e, const char *method, const char *peer)
{
    assert_int_equal(send_x(e, method, "/no-such-thing", NULL, (struct extra){.peer = peer}), 404);
    char *unknown = strdup(e->resp.body.data);
    const char *type = e->resp.content_type;
    int headers = e->resp.header_count;
    assert_int_equal(send_x(e, method, "/metrics", NULL, (struct extra){.peer = peer}), 404);
    assert_string_equal(e->resp.body.data, unknown);
    assert_string_equal(e->resp.content_type, type);
    assert_int_equal(e->resp.header_count, headers);
    assert_null(strstr(e->resp.body.data, "confide_"));
    free(unknown);
}

static void metrics_only_for_loopback_and_metrics_allow(void **state)
{
    struct env *e = *state;
    const char *loopback[] = {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"};
    for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
        assert_int_equal(send_x(e, "GET", "/metrics", NULL, (struct extra){.peer = loopback[i]}),
                         200);
        assert_non_null(strstr(e->resp.body.data, "confide_"));
    }
    const char *others[] = {"10.1.2.3", "203.0.113.9", "::ffff:10.1.2.3", "fd00::5", "", "junk"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        answers_as_unknown(e, "GET", others[i]);
        answers_as_unknown(e, "HEAD", others[i]);
    }
    /* not a 405 either, which would tell the path exists */
    int unknown_post =
        send_x(e, "POST", "/no-such-thing", "{}", (struct extra){.peer = "10.1.2.3"});
    assert_int_equal(send_x(e, "POST", "/metrics", "{}", (struct extra){.peer = "10.1.2.3"}),
                     unknown_post);
    /* /healthz stays open */
    assert_int_equal(send_x(e, "GET", "/healthz", NULL, (struct extra){.peer = "10.1.2.3"}), 200);

    struct buf err = {0};
    snprintf(e->cfg.metrics_allow, sizeof e->cfg.metrics_allow, "10.0.0.0/8, fd00::/8");
    assert_int_equal(config_finish(&e->cfg, &err), 0);
    const char *allowed[] = {"10.1.2.3", "::ffff:10.1.2.3", "fd00::5", "127.0.0.1", "::1"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        assert_int_equal(send_x(e, "GET", "/metrics", NULL, (struct extra){.peer = allowed[i]}),
                         200);
        assert_non_null(strstr(e->resp.body.data, "confide_"));
    }
    answers_as_unknown(e, "GET", "11.1.2.3");
    answers_as_unknown(e, "GET", "fe80::1");
    buf_free(&err);
}

static void static_files_stay_inside_web_dir(void **state)
{
    struct env *e = *state;
    assert_int_equal(send(e, "GET", "/", NULL), 200);
    assert_non_null(strstr(e->resp.content_type, "text/html"));
    assert_non_null(strstr(e->resp.body.data, "Sign in"));
    assert_int_equal(send(e, "GET", "/setup", NULL), 200);
    assert_int_equal(send(e, "GET", "/css/app.css", NULL), 200);
    assert_non_null(strstr(e->resp.content_type, "text/css"));
    const char *refused[] = {
        "/../CMakeLists.txt", "/..",          "/js/../../README.md", "/.git/config",
        "/index.html%00",     "//etc/passwd", "/nothing.html",       "/README"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(send(e, "GET", refused[i], NULL), 404);
        assert_null(strstr(e->resp.body.data, "project(confide"));
    }
    assert_int_equal(send(e, "POST", "/", "{}"), 405);
    assert_string_equal(error_code(e), "method_not_allowed");
}

/* ---- every route refuses what it must, and a refusal writes nothing ---- */

/* A digest of every row of every table (the audit log and the sign-ins included), read
 * through a second connection, so any insert, update or delete changes it. */
struct pg_digest {
    crypto_generichash_state *h;
    int rows;
    char (*tables)[64];
    int ntables;
};

static void pg_digest_row(void *ctx, const char *text, int len)
{
    struct pg_digest *d = ctx;
    d->rows++;
    crypto_generichash_update(d->h, (const uint8_t *)&len, sizeof len);
    crypto_generichash_update(d->h, (const uint8_t *)text, (size_t)len);
}

static void pg_digest_table(void *ctx, const char *text, int len)
{
    struct pg_digest *d = ctx;
    assert_true(d->ntables < 64 && len < 64);
    memcpy(d->tables[d->ntables++], text, (size_t)len + 1);
}

/* The same on PostgreSQL: every row as its text form, in the order of that text. */
static void db_digest_pg(struct env *e, uint8_t out[32], char *counts, size_t counts_size)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    char tables[64][64];
    struct pg_digest d = {.h = &h, .tables = tables};
    assert_int_equal(test_db_pg_each(&e->db,
                                     "SELECT table_name FROM information_schema.tables"
                                     " WHERE table_schema = 'public' ORDER BY table_name",
                                     pg_digest_table, &d),
                     0);
    size_t used = 0;
    counts[0] = '\0';
    for (int i = 0; i < d.ntables; i++) {
        const char *table = tables[i];
        char sql[200];
        /* the refusals that are events themselves: as below */
        snprintf(sql, sizeof sql, "SELECT t::text FROM \"%s\" t%s ORDER BY 1", table,
                 strcmp(table, "audit_log") == 0 ? " WHERE outcome <> 'refused'" : "");
        crypto_generichash_update(&h, (const uint8_t *)table, strlen(table) + 1);
        d.rows = 0;
        assert_int_equal(test_db_pg_each(&e->db, sql, pg_digest_row, &d), 0);
        if (used < counts_size)
            used += (size_t)snprintf(counts + used, counts_size - used, "%s=%d ", table, d.rows);
    }
    crypto_generichash_final(&h, out, 32);
}

static void db_digest(struct env *e, uint8_t out[32], char *counts, size_t counts_size)
{
    if (test_db_is_pg()) {
        db_digest_pg(e, out, counts, counts_size);
        return;
    }
    const char *path = e->db.path;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    sqlite3_stmt *tables = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "ORDER BY name",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    size_t used = 0;
    counts[0] = '\0';
    while (sqlite3_step(tables) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(tables, 0);
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", table);
        /* a refusal that is itself an event (a wrong password or code) is written to the
         * audit log and nothing else: those entries are left out here and counted by
         * the_audit_log_shows_who_did_what */
        if (strcmp(table, "audit_log") == 0)
            snprintf(sql, sizeof sql,
                     "SELECT * FROM audit_log WHERE outcome <> 'refused' ORDER BY rowid");
        sqlite3_stmt *rows = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &rows, NULL) != SQLITE_OK) { /* WITHOUT ROWID */
            snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", table);
            assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
        }
        crypto_generichash_update(&h, (const uint8_t *)table, strlen(table) + 1);
        int n = 0;
        while (sqlite3_step(rows) == SQLITE_ROW) {
            n++;
            for (int c = 0; c < sqlite3_column_count(rows); c++) {
                int type = sqlite3_column_type(rows, c);
                const void *v = sqlite3_column_blob(rows, c);
                int len = sqlite3_column_bytes(rows, c);
                crypto_generichash_update(&h, (const uint8_t *)&type, sizeof type);
                crypto_generichash_update(&h, (const uint8_t *)&len, sizeof len);
                if (v && len > 0)
                    crypto_generichash_update(&h, v, (size_t)len);
            }
        }
        sqlite3_finalize(rows);
        if (used < counts_size)
            used += (size_t)snprintf(counts + used, counts_size - used, "%s=%d ", table, n);
    }
    sqlite3_finalize(tables);
    sqlite3_close(db);
    crypto_generichash_final(&h, out, 32);
}

/* The records the cases point at: Ada (admin) owns them all; Bob is another therapist; Cy
 * co-facilitates Ada's group, so may read it and its sessions but change nothing. */
struct fixture {
    char ada_cookie[128], bob_cookie[128], cy_cookie[128];
    int64_t bob, cy, client, spare_client, group, session, occurrence, group_session,
        group_occurrence, poll, slot;
    int64_t note, signed_note; /* Ada's draft note on {o}; her signed group note on {o2} */
    char token[96];
    int64_t entry;       /* a request on the group's waitlist */
    char interest[96];   /* the token of the group's interest link */
    char invitation[96]; /* the token of an invitation Ada sent */
};

enum who { ADA, BOB, CY, NOBODY };

struct body_case {
    enum who who;
    const char *body; /* placeholders: see expand() */
    int status;
    const char *code;
    const char *path; /* NULL: the route's own */
};

#define MAX_BODY_CASES 20
struct route_cases {
    const char *method, *pattern;
    const char *path;  /* the route's pattern with placeholders for real records */
    const char *valid; /* a body the route would accept (JSON routes) */
    struct body_case cases[MAX_BODY_CASES];
};

/* {c} client, {c2} a client in no group, {g} group, {s} session (with {c}), {o} its first
 * occurrence, {s2} and {o2} the same of a session of {g}, {p} poll, {slot} a slot of it,
 * {bob} and {cy} user ids, {n} a draft note on {o}, {ns} a signed group note on {o2},
 * {w} a waitlist entry of {g}, {tok} a member's poll link token, {inv} an invitation's, {itok}
 * {g}'s interest link token. */
static void expand(const struct fixture *f, const char *in, char *out, size_t size)
{
    /* the ids first, in the order of ids[] below; then the tokens */
    static const char *const names[] = {"{c2}", "{c}",  "{g}",   "{s2}",  "{o2}", "{s}",
                                        "{o}",  "{p}",  "{slot}", "{bob}", "{cy}", "{n}",
                                        "{ns}", "{w}",  "{tok}", "{inv}", "{itok}"};
    struct {
        const char *name;
        char value[100];
    } vars[sizeof names / sizeof names[0]];
    int64_t ids[] = {f->spare_client,
                     f->client,
                     f->group,
                     f->group_session,
                     f->group_occurrence,
                     f->session,
                     f->occurrence,
                     f->poll,
                     f->slot,
                     f->bob,
                     f->cy,
                     f->note,
                     f->signed_note,
                     f->entry};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        vars[i].name = names[i];
        if (i < sizeof ids / sizeof ids[0])
            snprintf(vars[i].value, sizeof vars[i].value, "%lld", (long long)ids[i]);
        else
            snprintf(vars[i].value, sizeof vars[i].value, "%s",
                     strcmp(names[i], "{inv}") == 0    ? f->invitation
                     : strcmp(names[i], "{itok}") == 0 ? f->interest
                                                       : f->token);
    }
    size_t o = 0;
    while (*in && o + 1 < size) {
        size_t k;
        for (k = 0; k < sizeof vars / sizeof vars[0]; k++) {
            size_t n = strlen(vars[k].name);
            if (strncmp(in, vars[k].name, n) == 0) {
                o += (size_t)snprintf(out + o, size - o, "%s", vars[k].value);
                in += n;
                break;
            }
        }
        if (k == sizeof vars / sizeof vars[0])
            out[o++] = *in++;
    }
    out[o < size ? o : size - 1] = '\0';
}

#define TZ "\"time_zone\":\"Europe/Berlin\""
#define SLOTS "\"slots\":[\"2027-03-01T18:00:00+01:00\",\"2027-03-02T18:00:00+01:00\"]"
#define NO_ROUTE_CASES                                                                             \
    {                                                                                              \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* A case's path is optional: most leave it out. The sign-in and setup cases are sent by a
 * signed-in therapist on purpose: those two routes run outside the request's transaction
 * (they hash a password first), and a refused request there must not touch her sign-in
 * either (it once wrote last_seen_at, or deleted an idle sign-in, and kept the write). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct route_cases route_cases[] = {
    {"GET", "/healthz", "/healthz", NULL, NO_ROUTE_CASES},
    {"GET", "/metrics", "/metrics", NULL, NO_ROUTE_CASES},
    {"GET", "/api/v1/setup", "/api/v1/setup", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/setup",
     "/api/v1/setup",
     "{\"setup_token\":\"0123456789abcdef\",\"name\":\"Eve\",\"email\":\"eve@example.org\","
     "\"password\":\"" PW "\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA,
       "{\"setup_token\":7,\"name\":\"Eve\",\"email\":\"eve@example.org\",\"password\":\"" PW "\"}",
       400, "invalid_field"},
      {ADA,
       "{\"setup_token\":\"x\",\"name\":[],\"email\":\"eve@example.org\",\"password\":\"" PW "\"}",
       400, "invalid_field"},
      {ADA, "{\"setup_token\":\"x\",\"name\":\"Eve\",\"password\":\"" PW "\"}", 400,
       "missing_field"},
      {ADA, "{\"setup_token\":\"x\",\"name\":\"Eve\",\"email\":\"eve@example.org\"}", 400,
       "missing_field"},
      {ADA,
       "{\"setup_token\":\"x\",\"name\":\"Eve\",\"email\":\"eve@example.org\",\"password\":true}",
       400, "invalid_field"},
      {ADA,
       "{\"setup_token\":\"x\",\"name\":\"Eve\",\"email\":\"eve@example.org\","
       "\"password\":\"short\"}",
       400, "weak_password"},
      {ADA, NULL, 409, "already_set_up"}}},
    {"POST",
     "/api/v1/login",
     "/api/v1/login",
     "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"email\":42,\"password\":\"" PW "\"}", 400, "invalid_field"},
      {ADA, "{\"email\":\"ada@example.org\"}", 400, "missing_field"},
      {ADA, "{\"email\":\"ada@example.org\",\"password\":null}", 400, "invalid_field"},
      {ADA, "{\"email\":\"nobody@example.org\",\"password\":\"" PW "\"}", 401,
       "invalid_credentials"}}},
    {"POST",
     "/api/v1/login/mfa",
     "/api/v1/login/mfa",
     "{\"code\":\"123456\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"code\":7}", 400, "invalid_field"},
      {ADA, NULL, 401, "mfa_not_pending"},
      {NOBODY, NULL, 401, "mfa_not_pending"}}},
    {"POST", "/api/v1/logout", "/api/v1/logout", NULL, NO_ROUTE_CASES},
    {"GET", "/api/v1/me", "/api/v1/me", NULL, NO_ROUTE_CASES},
    {"GET", "/api/v1/me/mfa", "/api/v1/me/mfa", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/me/mfa/totp",
     "/api/v1/me/mfa/totp",
     NULL,
     {{NOBODY, NULL, 401, "not_signed_in"}}},
    {"POST",
     "/api/v1/me/mfa/totp/confirm",
     "/api/v1/me/mfa/totp/confirm",
     "{\"code\":\"123456\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"code\":null}", 400, "invalid_field"},
      {ADA, NULL, 409, "mfa_not_started"},
      {NOBODY, NULL, 401, "not_signed_in"}}},
    {"POST",
     "/api/v1/me/mfa/remove",
     "/api/v1/me/mfa/remove",
     "{\"password\":\"" PW "\",\"code\":\"123456\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"password\":1,\"code\":\"123456\"}", 400, "invalid_field"},
      {ADA, "{\"password\":\"" PW "\"}", 400, "missing_field"},
      {ADA, NULL, 409, "mfa_not_enrolled"}}},
    {"POST",
     "/api/v1/me/mfa/recovery-codes",
     "/api/v1/me/mfa/recovery-codes",
     "{\"code\":\"123456\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"code\":[]}", 400, "invalid_field"},
      {ADA, NULL, 409, "mfa_not_enrolled"}}},
    {"POST",
     "/api/v1/me/password",
     "/api/v1/me/password",
     "{\"current_password\":\"" PW "\",\"new_password\":\"an even longer quiet passphrase\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"current_password\":\"" PW "\"}", 400, "missing_field"},
      {ADA, "{\"current_password\":7,\"new_password\":\"an even longer quiet passphrase\"}", 400,
       "invalid_field"},
      {ADA,
       "{\"current_password\":\"not the password at all\","
       "\"new_password\":\"an even longer quiet passphrase\"}",
       400, "wrong_password"},
      {ADA, "{\"current_password\":\"" PW "\",\"new_password\":\"short\"}", 400, "weak_password"}}},
    {"POST", "/api/v1/me/sign-out-everywhere", "/api/v1/me/sign-out-everywhere", NULL,
     NO_ROUTE_CASES},
    {"GET", "/api/v1/session", "/api/v1/session", NULL, NO_ROUTE_CASES},
    {"GET", "/api/v1/users", "/api/v1/users", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/users",
     "/api/v1/users",
     "{\"name\":\"Dr Eve Stone\",\"email\":\"eve@example.org\",\"role\":\"therapist\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"name\":\"Eve\",\"email\":\"eve@example.org\"}", 400, "missing_field"},
      {ADA, "{\"name\":\"Eve\",\"email\":\"eve@example.org\",\"role\":\"owner\"}", 400,
       "invalid_field"},
      {ADA, "{\"name\":\"Eve\",\"email\":\"eve@example.org\",\"role\":1}", 400, "invalid_field"},
      {ADA, "{\"name\":\"\\u0007\",\"email\":\"eve@example.org\",\"role\":\"admin\"}", 400,
       "invalid_field"},
      {ADA, "{\"name\":\"Eve\",\"email\":\"eve\",\"role\":\"admin\"}", 400, "invalid_email"},
      {ADA, "{\"name\":\"Bob\",\"email\":\"BOB@example.org\",\"role\":\"admin\"}", 409,
       "email_taken"}}},
    {"PATCH",
     "/api/v1/users/{id}",
     "/api/v1/users/{bob}",
     "{\"role\":\"admin\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"role\":5}", 400, "invalid_field"},
      {ADA, "{\"role\":\"boss\"}", 400, "invalid_field"},
      /* Ada is the only administrator */
      {ADA, "{\"role\":\"therapist\"}", 409, "last_admin", "/api/v1/users/1"},
      {ADA, NULL, 404, "not_found", "/api/v1/users/999999"}}},
    {"POST",
     "/api/v1/users/{id}/disable",
     "/api/v1/users/{bob}/disable",
     NULL,
     {{ADA, NULL, 409, "last_admin", "/api/v1/users/1/disable"},
      {ADA, NULL, 404, "not_found", "/api/v1/users/999999/disable"}}},
    {"POST",
     "/api/v1/users/{id}/enable",
     "/api/v1/users/{bob}/enable",
     NULL,
     {{ADA, NULL, 409, "not_disabled"},
      {ADA, NULL, 404, "not_found", "/api/v1/users/999999/enable"}}},
    {"DELETE",
     "/api/v1/users/{id}/mfa",
     "/api/v1/users/{bob}/mfa",
     NULL,
     {{ADA, NULL, 409, "mfa_not_enrolled"},
      {ADA, NULL, 404, "not_found", "/api/v1/users/999999/mfa"}}},
    {"GET",
     "/api/v1/audit",
     "/api/v1/audit",
     NULL,
     {{ADA, NULL, 400, "invalid_field", "/api/v1/audit?limit=0"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/audit?limit=201"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/audit?actor=x"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/audit?since=yesterday"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/audit?action=DROP%20TABLE"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/audit?action=drop table"}}},
    {"GET", "/api/v1/me/emergency-access", "/api/v1/me/emergency-access", NULL, NO_ROUTE_CASES},
    {"GET", "/api/v1/practice/clients", "/api/v1/practice/clients", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/clients/{id}/emergency-access",
     "/api/v1/clients/{c}/emergency-access",
     "{\"reason\":\"Sam is at risk and Dr Lee cannot be reached.\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"reason\":\"urgent\"}", 400, "invalid_field"},
      {ADA, "{\"reason\":42}", 400, "invalid_field"},
      {ADA, NULL, 409, "own_client"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/emergency-access"}}},
    {"GET", "/api/v1/clients", "/api/v1/clients", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/clients",
     "/api/v1/clients",
     "{\"name\":\"Kim\",\"email\":\"kim@mail.example\"," TZ "}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"name\":5,\"email\":\"kim@mail.example\"," TZ "}", 400, "invalid_field"},
      {ADA, "{\"name\":\"\",\"email\":\"kim@mail.example\"," TZ "}", 400, "invalid_field"},
      {ADA, "{\"name\":\"Kim\"," TZ "}", 400, "missing_field"},
      {ADA, "{\"name\":\"Kim\",\"email\":\"not-an-email\"," TZ "}", 400, "invalid_email"},
      {ADA, "{\"name\":\"Kim\",\"email\":\"kim@mail.example\"}", 400, "missing_field"},
      {ADA, "{\"name\":\"Kim\",\"email\":\"kim@mail.example\",\"time_zone\":\"Mars/Base\"}", 400,
       "unknown_time_zone"},
      {ADA, "{\"name\":\"Kim\",\"email\":\"kim@mail.example\"," TZ ",\"phone\":12}", 400,
       "invalid_field"},
      {ADA, "{\"name\":\"Kim\",\"email\":\"kim@mail.example\"," TZ ",\"emergency_contact\":\"x\"}",
       400, "invalid_field"},
      {ADA,
       "{\"name\":\"Kim\",\"email\":\"kim@mail.example\"," TZ
       ",\"emergency_contact\":{\"phone\":5}}",
       400, "invalid_field"}}},
    {"GET",
     "/api/v1/clients/{id}",
     "/api/v1/clients/{c}",
     NULL,
     {{BOB, NULL, 404, "not_found"}, {ADA, NULL, 404, "not_found", "/api/v1/clients/999999"}}},
    {"PATCH",
     "/api/v1/clients/{id}",
     "/api/v1/clients/{c}",
     "{\"name\":\"Sam R.\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"name\":5}", 400, "invalid_field"},
      {ADA, "{\"email\":\"nope\"}", 400, "invalid_email"},
      {ADA, "{\"time_zone\":3}", 400, "invalid_field"},
      {ADA, "{\"time_zone\":\"Nowhere/Here\"}", 400, "unknown_time_zone"},
      {ADA, "{\"phone\":\"call me\"}", 400, "invalid_field"},
      {ADA, "{\"emergency_contact\":[]}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999"}}},
    {"DELETE",
     "/api/v1/clients/{id}",
     "/api/v1/clients/{c}",
     NULL,
     {{BOB, NULL, 404, "not_found"}, {ADA, NULL, 404, "not_found", "/api/v1/clients/999999"}}},
    {"GET", "/api/v1/groups", "/api/v1/groups", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/groups",
     "/api/v1/groups",
     "{\"name\":\"Tuesday\",\"agreement\":\"Stays here.\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"name\":[],\"agreement\":\"A\"}", 400, "invalid_field"},
      {ADA, "{\"name\":\"G\"}", 400, "missing_field"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"\"}", 400, "invalid_field"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"capacity\":1}", 400, "invalid_field"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"capacity\":\"10\"}", 400, "invalid_field"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"description\":7}", 400, "invalid_field"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"members\":\"x\"}", 400, "invalid_field"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"members\":[0]}", 400, "invalid_field"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"facilitators\":[\"x\"]}", 400, "invalid_field"},
      /* these fail after the group is inserted: the whole request is undone */
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"members\":[999999]}", 404, "not_found"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"facilitators\":[999999]}", 404, "not_found"},
      {ADA, "{\"name\":\"G\",\"agreement\":\"A\",\"capacity\":2,\"members\":[{c},{c2},{c}]}", 409,
       "already_member"},
      {BOB, "{\"name\":\"G\",\"agreement\":\"A\",\"members\":[{c}]}", 404, "not_found"}}},
    {"GET",
     "/api/v1/groups/{id}",
     "/api/v1/groups/{g}",
     NULL,
     {{BOB, NULL, 404, "not_found"}, {ADA, NULL, 404, "not_found", "/api/v1/groups/999999"}}},
    {"PATCH",
     "/api/v1/groups/{id}",
     "/api/v1/groups/{g}",
     "{\"name\":\"Thursday evening\"}",
     {{ADA, "{\"name\":5}", 400, "invalid_field"},
      {ADA, "{\"agreement\":\"\"}", 400, "invalid_field"},
      {ADA, "{\"capacity\":100}", 400, "invalid_field"},
      {ADA, "{\"capacity\":true}", 400, "invalid_field"},
      {ADA, "{\"description\":[]}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999"}}},
    {"DELETE",
     "/api/v1/groups/{id}",
     "/api/v1/groups/{g}",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999"}}},
    {"POST",
     "/api/v1/groups/{id}/members",
     "/api/v1/groups/{g}/members",
     "{\"client_id\":{c2}}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"client_id\":\"7\"}", 400, "invalid_field"},
      {ADA, "{\"client_id\":0}", 400, "invalid_field"},
      {ADA, "{\"client_id\":{c}}", 409, "already_member"},
      {ADA, "{\"client_id\":999999}", 404, "not_found"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"}}},
    {"DELETE",
     "/api/v1/groups/{id}/members/{id}",
     "/api/v1/groups/{g}/members/{c}",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/{g}/members/{c2}"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999/members/{c}"}}},
    {"POST",
     "/api/v1/groups/{id}/facilitators",
     "/api/v1/groups/{g}/facilitators",
     "{\"user_id\":{bob}}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"user_id\":\"2\"}", 400, "invalid_field"},
      {ADA, "{\"user_id\":1}", 409, "already_facilitator"},
      {ADA, "{\"user_id\":999999}", 404, "not_found"},
      {ADA, "{\"user_id\":{cy}}", 409, "already_facilitator"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"}}},
    {"DELETE",
     "/api/v1/groups/{id}/facilitators/{id}",
     "/api/v1/groups/{g}/facilitators/{bob}",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found"}, /* Bob is no co-facilitator of it */
      {CY, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found", "/api/v1/groups/{g}/facilitators/{cy}"}}},
    {"GET", "/api/v1/sessions", "/api/v1/sessions", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/sessions",
     "/api/v1/sessions",
     "{\"title\":\"Intake\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ ",\"client_id\":{c}}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"title\":1,\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ ",\"client_id\":{c}}",
       400, "invalid_field"},
      {ADA, "{\"title\":\"T\",\"starts_at\":\"tomorrow\"," TZ ",\"client_id\":{c}}", 400,
       "invalid_field"},
      {ADA, "{\"title\":\"T\"," TZ ",\"client_id\":{c}}", 400, "missing_field"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\",\"time_zone\":\"Nowhere/X\","
       "\"client_id\":{c}}",
       400, "unknown_time_zone"},
      {ADA, "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ "}", 400,
       "client_or_group"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ
       ",\"client_id\":{c},\"group_id\":{g}}",
       400, "client_or_group"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ ",\"client_id\":\"{c}\"}",
       400, "invalid_field"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ
       ",\"client_id\":{c},\"duration_minutes\":2}",
       400, "invalid_field"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ
       ",\"client_id\":{c},\"ends_at\":\"2027-04-01T09:00:00+02:00\"}",
       400, "ends_before_start"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ
       ",\"client_id\":{c},\"recurrence\":{\"freq\":\"weekly\"}}",
       400, "recurrence_without_end"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ
       ",\"client_id\":{c},\"recurrence\":{\"freq\":\"weekly\",\"until\":"
       "\"2040-01-01T00:00:00Z\"}}",
       400, "too_many_occurrences"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ
       ",\"client_id\":{c},\"chat\":\"yes\"}",
       400, "invalid_field"},
      {ADA,
       "{\"title\":\"T\",\"starts_at\":\"2027-02-01T10:00:00+01:00\"," TZ ",\"client_id\":{c}}",
       409, "overlap"},
      {BOB, NULL, 404, "not_found"},
      {BOB, "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ ",\"group_id\":{g}}",
       404, "not_found"},
      {CY, "{\"title\":\"T\",\"starts_at\":\"2027-04-01T10:00:00+02:00\"," TZ ",\"group_id\":{g}}",
       404, "not_found"}}},
    {"GET",
     "/api/v1/sessions/{id}",
     "/api/v1/sessions/{s}",
     NULL,
     {{BOB, NULL, 404, "not_found"}, {ADA, NULL, 404, "not_found", "/api/v1/sessions/999999"}}},
    {"GET",
     "/api/v1/sessions/{id}/invites",
     "/api/v1/sessions/{s}/invites",
     NULL,
     {{BOB, NULL, 404, "not_found"}}},
    {"GET",
     "/api/v1/sessions/{id}/attendance",
     "/api/v1/sessions/{s}/attendance",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/999999/attendance"}}},
    {"POST",
     "/api/v1/sessions/{id}/cancel",
     "/api/v1/sessions/{s}/cancel",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found", "/api/v1/sessions/{s2}/cancel"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/999999/cancel"}}},
    {"POST",
     "/api/v1/sessions/{id}/invites/{id}/resend",
     "/api/v1/sessions/{s}/invites/{c}/resend",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/{s}/invites/{c2}/resend"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/999999/invites/{c}/resend"}}},
    {"PATCH",
     "/api/v1/sessions/{id}/occurrences/{id}",
     "/api/v1/sessions/{s}/occurrences/{o}",
     "{\"starts_at\":\"2027-02-01T12:00:00+01:00\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"starts_at\":5}", 400, "invalid_field"},
      {ADA, "{\"starts_at\":\"noon\"}", 400, "invalid_field"},
      {ADA, "{\"starts_at\":\"2027-02-01T12:00:00+01:00\",\"scope\":\"all\"}", 400,
       "invalid_field"},
      {ADA, "{\"starts_at\":\"2027-02-01T12:00:00+01:00\",\"duration_minutes\":1000}", 400,
       "invalid_field"},
      {ADA, "{\"starts_at\":\"2027-02-01T12:00:00+01:00\",\"allow_overlap\":1}", 400,
       "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found", "/api/v1/sessions/{s2}/occurrences/{o2}"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/{s}/occurrences/999999"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/{s}/occurrences/{o2}"}}},
    {"POST",
     "/api/v1/sessions/{id}/occurrences/{id}/cancel",
     "/api/v1/sessions/{s}/occurrences/{o}/cancel",
     "{\"scope\":\"this\"}",
     {{ADA, "{\"scope\":5}", 400, "invalid_field"},
      {ADA, "{\"scope\":\"everything\"}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found", "/api/v1/sessions/{s2}/occurrences/{o2}/cancel"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/999999/occurrences/{o}/cancel"}}},
    {"GET", "/api/v1/polls", "/api/v1/polls", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/polls",
     "/api/v1/polls",
     "{\"group_id\":{g},\"title\":\"Spring\"," TZ "," SLOTS "}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"group_id\":{g},\"title\":3," TZ "," SLOTS "}", 400, "invalid_field"},
      {ADA, "{\"group_id\":\"{g}\",\"title\":\"P\"," TZ "," SLOTS "}", 400, "invalid_field"},
      {ADA, "{\"title\":\"P\"," TZ "," SLOTS "}", 400, "missing_field"},
      {ADA, "{\"group_id\":{g},\"title\":\"P\"," TZ "}", 400, "missing_field"},
      {ADA, "{\"group_id\":{g},\"title\":\"P\"," TZ ",\"slots\":\"x\"}", 400, "invalid_field"},
      {ADA, "{\"group_id\":{g},\"title\":\"P\",\"time_zone\":\"X/Y\"," SLOTS "}", 400,
       "unknown_time_zone"},
      {ADA, "{\"group_id\":{g},\"title\":\"P\"," TZ ",\"slots\":[\"2027-03-01T18:00:00+01:00\"]}",
       400, "slot_count"},
      {ADA,
       "{\"group_id\":{g},\"title\":\"P\"," TZ ",\"slots\":[\"2027-03-01T18:00:00+01:00\",42]}",
       400, "invalid_slot"},
      {ADA,
       "{\"group_id\":{g},\"title\":\"P\"," TZ
       ",\"slots\":[\"2027-03-01T18:00:00+01:00\",\"2027-03-01T17:00:00Z\"]}",
       400, "duplicate_slot"},
      {ADA,
       "{\"group_id\":{g},\"title\":\"P\"," TZ
       ",\"slots\":[\"2020-03-01T18:00:00+01:00\",\"2027-03-01T17:00:00Z\"]}",
       400, "slot_in_past"},
      {ADA, "{\"group_id\":{g},\"title\":\"P\"," TZ "," SLOTS ",\"duration_minutes\":\"50\"}", 400,
       "invalid_field"},
      {ADA, "{\"group_id\":999999,\"title\":\"P\"," TZ "," SLOTS "}", 404, "not_found"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"}}},
    {"GET",
     "/api/v1/polls/{id}",
     "/api/v1/polls/{p}",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"}, /* polls are the owner's, not the co-facilitators' */
      {ADA, NULL, 404, "not_found", "/api/v1/polls/999999"}}},
    {"POST",
     "/api/v1/polls/{id}/session",
     "/api/v1/polls/{p}/session",
     "{\"slot_id\":{slot}}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"slot_id\":\"{slot}\"}", 400, "invalid_field"},
      {ADA, "{\"slot_id\":999999}", 400, "unknown_slot"},
      {ADA, "{\"slot_id\":{slot},\"chat\":1}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/polls/999999/session"}}},
    {"POST",
     "/api/v1/poll-links/lookup",
     "/api/v1/poll-links/lookup",
     "{\"token\":\"{tok}\"}",
     {{NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"token\":5}", 400, "invalid_field"},
      {NOBODY, "{\"token\":\"no-such-link\"}", 404, "not_found"}}},
    {"POST",
     "/api/v1/poll-links/answer",
     "/api/v1/poll-links/answer",
     "{\"token\":\"{tok}\",\"answers\":[{\"slot_id\":{slot},\"answer\":\"yes\"}]}",
     {{NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"token\":[],\"answers\":[]}", 400, "invalid_field"},
      {NOBODY, "{\"token\":\"{tok}\"}", 400, "missing_field"},
      {NOBODY, "{\"token\":\"{tok}\",\"answers\":\"yes\"}", 400, "invalid_field"},
      {NOBODY, "{\"token\":\"{tok}\",\"answers\":[1]}", 400, "invalid_field"},
      {NOBODY, "{\"token\":\"{tok}\",\"answers\":[{\"slot_id\":{slot},\"answer\":\"perhaps\"}]}",
       400, "invalid_answer"},
      {NOBODY, "{\"token\":\"{tok}\",\"answers\":[{\"slot_id\":999999,\"answer\":\"yes\"}]}", 400,
       "unknown_slot"},
      {NOBODY,
       "{\"token\":\"{tok}\",\"answers\":[{\"slot_id\":{slot},\"answer\":\"yes\"},"
       "{\"slot_id\":{slot},\"answer\":\"no\"}]}",
       400, "invalid_field"},
      /* a valid answer first, a refused one after it: nothing is saved */
      {NOBODY,
       "{\"token\":\"{tok}\",\"answers\":[{\"slot_id\":{slot},\"answer\":\"yes\"},"
       "{\"slot_id\":{slot},\"answer\":\"perhaps\"}]}",
       400, "invalid_answer"},
      {NOBODY, "{\"token\":\"no-such-link\",\"answers\":[{\"slot_id\":{slot},\"answer\":\"yes\"}]}",
       404, "not_found"}}},
    {"POST",
     "/api/v1/invitations/lookup",
     "/api/v1/invitations/lookup",
     "{\"token\":\"{inv}\"}",
     {{NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"token\":5}", 400, "invalid_field"},
      {NOBODY, "{\"token\":\"no-such-invitation\"}", 404, "not_found"}}},
    {"POST",
     "/api/v1/invitations/accept",
     "/api/v1/invitations/accept",
     "{\"token\":\"{inv}\",\"password\":\"" PW "\"}",
     {{NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"token\":\"{inv}\"}", 400, "missing_field"},
      {NOBODY, "{\"token\":\"{inv}\",\"password\":false}", 400, "invalid_field"},
      {NOBODY, "{\"token\":\"{inv}\",\"password\":\"short\"}", 400, "weak_password"},
      {NOBODY, "{\"token\":\"no-such-invitation\",\"password\":\"" PW "\"}", 404, "not_found"}}},
    {"GET",
     "/api/v1/sessions/{id}/occurrences/{id}/notes",
     "/api/v1/sessions/{s}/occurrences/{o}/notes",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/{s}/occurrences/{o2}/notes"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/999999/occurrences/{o}/notes"}}},
    {"POST",
     "/api/v1/sessions/{id}/occurrences/{id}/notes",
     "/api/v1/sessions/{s}/occurrences/{o}/notes",
     "{\"template\":\"soap\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"template\":7}", 400, "invalid_field"},
      {ADA, "{\"template\":\"birp\"}", 400, "invalid_field"},
      {ADA, "{\"template\":\"dap\",\"client_id\":\"{c}\"}", 400, "invalid_field"},
      {ADA, NULL, 409, "note_exists"},
      {ADA, "{\"template\":\"dap\",\"client_id\":{c2}}", 409, "not_attended"},
      {ADA, "{\"template\":\"dap\",\"client_id\":{c}}", 409, "not_attended",
       "/api/v1/sessions/{s2}/occurrences/{o2}/notes"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/{s}/occurrences/999999/notes"}}},
    {"GET",
     "/api/v1/notes/{id}",
     "/api/v1/notes/{n}",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {BOB, NULL, 404, "not_found", "/api/v1/notes/{ns}"},
      {ADA, NULL, 404, "not_found", "/api/v1/notes/999999"}}},
    {"PATCH",
     "/api/v1/notes/{id}",
     "/api/v1/notes/{n}",
     "{\"version\":1,\"sections\":{\"plan\":\"Walk daily.\"}}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"version\":1}", 400, "missing_field"},
      {ADA, "{\"version\":\"1\",\"sections\":{\"plan\":\"x\"}}", 400, "invalid_field"},
      {ADA, "{\"version\":1,\"sections\":{}}", 400, "invalid_field"},
      {ADA, "{\"version\":1,\"sections\":[\"x\"]}", 400, "invalid_field"},
      {ADA, "{\"version\":1,\"sections\":{\"data\":\"x\"}}", 400, "unknown_section"},
      {ADA, "{\"version\":1,\"sections\":{\"plan\":5}}", 400, "invalid_field"},
      {ADA, "{\"version\":1,\"sections\":{\"plan\":\"a\\u0007b\"}}", 400, "invalid_field"},
      {ADA, "{\"version\":9,\"sections\":{\"plan\":\"x\"}}", 409, "version_conflict"},
      {ADA, "{\"version\":3,\"sections\":{\"plan\":\"x\"}}", 409, "note_signed",
       "/api/v1/notes/{ns}"},
      {CY, "{\"version\":3,\"sections\":{\"plan\":\"x\"}}", 403, "not_author",
       "/api/v1/notes/{ns}"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/notes/999999"}}},
    {"POST",
     "/api/v1/notes/{id}/sign",
     "/api/v1/notes/{n}/sign",
     "{\"version\":1}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"version\":true}", 400, "invalid_field"},
      {ADA, NULL, 409, "note_empty"},
      {ADA, "{\"version\":2}", 409, "version_conflict"},
      {ADA, "{\"version\":3}", 409, "note_signed", "/api/v1/notes/{ns}/sign"},
      {CY, "{\"version\":3}", 403, "not_author", "/api/v1/notes/{ns}/sign"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/notes/999999/sign"}}},
    {"POST",
     "/api/v1/notes/{id}/addenda",
     "/api/v1/notes/{n}/addenda",
     "{\"text\":\"A later thought.\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"text\":3}", 400, "invalid_field"},
      {ADA, "{\"text\":\"  \\n \"}", 400, "invalid_field"},
      {ADA, NULL, 409, "note_not_signed"},
      {BOB, NULL, 404, "not_found"},
      {BOB, NULL, 404, "not_found", "/api/v1/notes/{ns}/addenda"},
      {ADA, NULL, 404, "not_found", "/api/v1/notes/999999/addenda"}}},
    {"GET",
     "/api/v1/clients/{id}/notes",
     "/api/v1/clients/{c}/notes",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/notes"}}},
    /* secure messaging */
    {"GET",
     "/api/v1/clients/{id}/messages",
     "/api/v1/clients/{c}/messages",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/messages"}}},
    {"POST",
     "/api/v1/clients/{id}/messages",
     "/api/v1/clients/{c}/messages",
     "{\"body\":\"See you on Tuesday.\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"body\":7}", 400, "invalid_field"},
      {ADA, "{\"body\":\"\"}", 400, "invalid_field"},
      {ADA, "{\"body\":\" \\n \"}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/messages"}}},
    {"DELETE",
     "/api/v1/clients/{id}/inbox-sign-ins",
     "/api/v1/clients/{c}/inbox-sign-ins",
     NULL,
     {{BOB, NULL, 404, "not_found"}, {CY, NULL, 404, "not_found"}}},
    {"GET",
     "/api/v1/groups/{id}/announcements",
     "/api/v1/groups/{g}/announcements",
     NULL,
     {{BOB, NULL, 404, "not_found"}}},
    {"POST",
     "/api/v1/groups/{id}/announcements",
     "/api/v1/groups/{g}/announcements",
     "{\"body\":\"No group next week.\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"body\":[]}", 400, "invalid_field"},
      {CY, NULL, 404, "not_found"},
      {BOB, NULL, 404, "not_found"}}},
    {"GET", "/api/v1/messages/unread", "/api/v1/messages/unread", NULL, NO_ROUTE_CASES},
    {"GET", "/api/v1/me/availability", "/api/v1/me/availability", NULL, NO_ROUTE_CASES},
    {"PUT",
     "/api/v1/me/availability",
     "/api/v1/me/availability",
     "{\"note\":\"I reply within two working days.\"}",
     {{ADA, "{\"note\":5}", 400, "invalid_field"}}},
    {"POST",
     "/api/v1/inbox/redeem",
     "/api/v1/inbox/redeem",
     "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAA\"}",
     {{NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"token\":1}", 400, "invalid_field"},
      {NOBODY, NULL, 410, "link_not_valid"}}},
    {"GET", "/api/v1/inbox", "/api/v1/inbox", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/inbox/messages",
     "/api/v1/inbox/messages",
     "{\"body\":\"Thank you.\"}",
     {{NOBODY, NULL, 401, "not_signed_in"}, {ADA, NULL, 401, "not_signed_in"}}},
    {"POST",
     "/api/v1/inbox/sign-out",
     "/api/v1/inbox/sign-out",
     NULL,
     {{NOBODY, NULL, 401, "not_signed_in"}, {ADA, NULL, 401, "not_signed_in"}}},
    {"POST",
     "/api/v1/inbox/new-link",
     "/api/v1/inbox/new-link",
     "{\"email\":\"someone@example.org\"}",
     {{NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"email\":\"not an address\"}", 400, "invalid_email"}}},
    {"POST",
     "/api/v1/inbox/checkins",
     "/api/v1/inbox/checkins",
     "{\"measure\":\"mood\",\"answers\":[6],\"word\":\"calm\"}",
     {{NOBODY, NULL, 401, "not_signed_in"},
      {ADA, NULL, 401, "not_signed_in"},
      {NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"measure\":\"bdi\",\"answers\":[6]}", 400, "invalid_field"},
      {NOBODY, "{\"measure\":\"phq9\",\"answers\":[1,2]}", 400, "invalid_field"},
      {NOBODY, "{\"measure\":\"mood\",\"answers\":[11]}", 400, "invalid_field"},
      {NOBODY, "{\"measure\":\"gad7\",\"answers\":[0,0,0,0,0,0,0],\"word\":\"x\"}", 400,
       "invalid_field"}}},
    /* check-ins and risk alerts */
    {"GET",
     "/api/v1/clients/{id}/checkins",
     "/api/v1/clients/{c}/checkins",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/checkins"}}},
    {"PUT",
     "/api/v1/clients/{id}/checkins",
     "/api/v1/clients/{c}/checkins",
     "{\"measures\":[\"phq9\",\"mood\"]}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"measures\":\"phq9\"}", 400, "invalid_field"},
      {ADA, "{\"measures\":[\"phq\"]}", 400, "invalid_field"},
      {ADA, "{\"measures\":[\"phq9\",\"phq9\"]}", 400, "invalid_field"},
      {ADA, "{\"measures\":[9]}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/checkins"}}},
    {"GET",
     "/api/v1/groups/{id}/checkins",
     "/api/v1/groups/{g}/checkins",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999/checkins"}}},
    {"PUT",
     "/api/v1/groups/{id}/checkins",
     "/api/v1/groups/{g}/checkins",
     "{\"measures\":[\"gad7\"]}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"measures\":{}}", 400, "invalid_field"},
      {ADA, "{\"measures\":[\"gad7\",\"mood\",\"phq9\",\"gad7\"]}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999/checkins"}}},
    {"GET",
     "/api/v1/clients/{id}/measures",
     "/api/v1/clients/{c}/measures",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/measures"}}},
    {"GET", "/api/v1/alerts", "/api/v1/alerts", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/alerts/{id}/seen",
     "/api/v1/alerts/999999/seen",
     NULL,
     {{ADA, NULL, 404, "not_found"}, {BOB, NULL, 404, "not_found"}}},
    /* attendance over time, and group intake */
    {"GET",
     "/api/v1/clients/{id}/attendance",
     "/api/v1/clients/{c}/attendance",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/attendance"}}},
    {"GET",
     "/api/v1/groups/{id}/roster",
     "/api/v1/groups/{g}/roster",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999/roster"}}},
    {"GET", "/api/v1/attendance/nudges", "/api/v1/attendance/nudges", NULL, NO_ROUTE_CASES},
    {"GET",
     "/api/v1/groups/{id}/interest-link",
     "/api/v1/groups/{g}/interest-link",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999/interest-link"}}},
    {"POST",
     "/api/v1/groups/{id}/interest-link",
     "/api/v1/groups/{g}/interest-link",
     "{\"questions\":[\"What brings you here?\",\"What would you like from the group?\"]}",
     {{ADA, "{\"questions\":\"Why?\"}", 400, "invalid_field"},
      {ADA, "{\"questions\":[\"\"]}", 400, "invalid_field"},
      {ADA, "{\"questions\":[1]}", 400, "invalid_field"},
      {ADA, "{\"questions\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999/interest-link"}}},
    {"DELETE",
     "/api/v1/groups/{id}/interest-link",
     "/api/v1/groups/{g}/interest-link",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999/interest-link"}}},
    {"GET",
     "/api/v1/groups/{id}/waitlist",
     "/api/v1/groups/{g}/waitlist",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/999999/waitlist"}}},
    {"POST",
     "/api/v1/groups/{id}/waitlist/{id}/accept",
     "/api/v1/groups/{g}/waitlist/{w}/accept",
     "{" TZ "}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"time_zone\":\"Mars/Base\"}", 400, "unknown_time_zone"},
      {ADA, "{\"email\":\"no-at-sign\"," TZ "}", 400, "invalid_email"},
      {ADA, "{\"name\":\"\"," TZ "}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/{g}/waitlist/999999/accept"}}},
    {"DELETE",
     "/api/v1/groups/{id}/waitlist/{id}",
     "/api/v1/groups/{g}/waitlist/{w}",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/groups/{g}/waitlist/999999"}}},
    {"POST",
     "/api/v1/interest/lookup",
     "/api/v1/interest/lookup",
     "{\"token\":\"{itok}\"}",
     {{NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"token\":5}", 400, "invalid_field"},
      {NOBODY, "{\"token\":\"no-such-link\"}", 404, "not_found"}}},
    {"POST",
     "/api/v1/interest/submit",
     "/api/v1/interest/submit",
     "{\"token\":\"{itok}\",\"name\":\"Sam Reed\",\"email\":\"sam@example.org\","
     "\"phone\":\"+44 20 7946 0000\",\"times\":{\"parts\":[\"weekends\"],\"note\":\"not Fridays\"},"
     "\"answers\":[\"Sleep\"]}",
     {{NOBODY, "{}", 400, "missing_field"},
      {NOBODY, "{\"token\":\"{itok}\",\"email\":\"sam@example.org\",\"answers\":[\"x\"]}", 400,
       "missing_field"},
      {NOBODY, "{\"token\":\"{itok}\",\"name\":\"Sam\",\"answers\":[\"x\"]}", 400, "missing_field"},
      {NOBODY, "{\"token\":\"{itok}\",\"name\":\"Sam\",\"email\":\"nope\",\"answers\":[\"x\"]}",
       400, "invalid_email"},
      {NOBODY, "{\"token\":\"{itok}\",\"name\":\"Sam\",\"phone\":\"call me\",\"answers\":[\"x\"]}",
       400, "invalid_field"},
      {NOBODY, "{\"token\":\"{itok}\",\"name\":\"Sam\",\"email\":\"sam@example.org\"}", 400,
       "invalid_field"},
      {NOBODY,
       "{\"token\":\"{itok}\",\"name\":\"Sam\",\"email\":\"sam@example.org\",\"answers\":[\"x\","
       "\"y\"]}",
       400, "invalid_field"},
      {NOBODY,
       "{\"token\":\"{itok}\",\"name\":\"Sam\",\"email\":\"sam@example.org\",\"answers\":[\"x\"],"
       "\"times\":{\"parts\":[\"midnight\"]}}",
       400, "invalid_field"},
      {NOBODY, "{\"token\":\"no-such-link\",\"name\":\"Sam\",\"email\":\"sam@example.org\"}", 404,
       "not_found"}}},
    /* client rights: another practitioner's client is not there (an administrator is told
     * of emergency access: here Ada owns {c}) */
    {"GET",
     "/api/v1/clients/{id}/export",
     "/api/v1/clients/{c}/export",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/export"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/export?format=pdf"}}},
    {"GET",
     "/api/v1/clients/{id}/erase",
     "/api/v1/clients/{c}/erase",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/erase"}}},
    {"POST",
     "/api/v1/clients/{id}/erase",
     "/api/v1/clients/{c}/erase",
     "{\"confirm\":true}",
     {{ADA, "{}", 400, "confirmation_required"},
      {ADA, "{\"confirm\":false}", 400, "confirmation_required"},
      {ADA, "{\"confirm\":\"yes\"}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/erase"}}},
    /* billing (api/billing.c); the fixture's first service is /api/v1/services/1 */
    {"GET", "/api/v1/services", "/api/v1/services", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/services",
     "/api/v1/services",
     "{\"cpt\":\"90834\",\"description\":\"Psychotherapy, 45 minutes\",\"fee_cents\":15000,"
     "\"duration_minutes\":45}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"cpt\":\"9083\",\"description\":\"x\",\"fee_cents\":1,\"duration_minutes\":45}",
       400, "invalid_field"},
      {ADA, "{\"cpt\":\"9083a\",\"description\":\"x\",\"fee_cents\":1,\"duration_minutes\":45}",
       400, "invalid_field"},
      {ADA, "{\"cpt\":\"90834\",\"description\":\"\",\"fee_cents\":1,\"duration_minutes\":45}",
       400, "invalid_field"},
      {ADA, "{\"cpt\":\"90834\",\"description\":\"x\",\"fee_cents\":-1,\"duration_minutes\":45}",
       400, "invalid_field"},
      {ADA, "{\"cpt\":\"90834\",\"description\":\"x\",\"fee_cents\":1,\"duration_minutes\":0}",
       400, "invalid_field"},
      {ADA, "{\"cpt\":\"90834\",\"description\":\"x\",\"fee_cents\":1}", 400,
       "missing_field"}}},
    {"PATCH",
     "/api/v1/services/{id}",
     "/api/v1/services/1",
     "{\"fee_cents\":16000,\"archived\":false}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"fee_cents\":\"150\"}", 400, "invalid_field"},
      {ADA, "{\"cpt\":\"123456\"}", 400, "invalid_field"},
      {ADA, "{\"duration_minutes\":1441}", 400, "invalid_field"},
      {ADA, "{\"archived\":\"yes\"}", 400, "invalid_field"},
      {ADA, NULL, 404, "not_found", "/api/v1/services/999999"}}},
    {"GET", "/api/v1/codes/icd10", "/api/v1/codes/icd10?q=depress", NULL, NO_ROUTE_CASES},
    {"GET",
     "/api/v1/clients/{id}/billing",
     "/api/v1/clients/{c}/billing",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/billing"}}},
    {"PUT",
     "/api/v1/clients/{id}/billing",
     "/api/v1/clients/{c}/billing",
     "{\"scale\":{\"kind\":\"percent\",\"value\":60},\"fees\":[{\"service_id\":0,"
     "\"fee_cents\":12000}],\"insurance\":{\"payer\":\"Aetna\",\"member_id\":\"W123\"},"
     "\"diagnoses\":[\"f4310\"]}",
     {{ADA, "{\"scale\":{\"kind\":\"percent\",\"value\":101}}", 400, "invalid_field"},
      {ADA, "{\"scale\":{\"kind\":\"half\",\"value\":1}}", 400, "invalid_field"},
      {ADA, "{\"scale\":{\"kind\":\"fixed\",\"value\":-5}}", 400, "invalid_field"},
      {ADA, "{\"fees\":[{\"service_id\":999999,\"fee_cents\":1}]}", 400, "invalid_field"},
      {ADA, "{\"fees\":[{\"service_id\":0,\"fee_cents\":-1}]}", 400, "invalid_field"},
      {ADA, "{\"fees\":[{\"service_id\":0,\"fee_cents\":1},{\"service_id\":0,\"fee_cents\":2}]}",
       400, "invalid_field"},
      {ADA, "{\"insurance\":{\"payer\":5}}", 400, "invalid_field"},
      {ADA, "{\"diagnoses\":[\"F4\"]}", 400, "invalid_field"},
      {ADA, "{\"diagnoses\":[\"F43.10.1\"]}", 400, "invalid_field"},
      {ADA,
       "{\"diagnoses\":[\"F32.0\",\"F32.1\",\"F32.2\",\"F32.3\",\"F32.4\",\"F32.5\",\"F32.9\","
       "\"F33.0\",\"F33.1\",\"F33.2\",\"F33.3\",\"F33.9\",\"F41.1\"]}",
       400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/billing"}}},
    {"GET",
     "/api/v1/clients/{id}/charges",
     "/api/v1/clients/{c}/charges",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/charges"}}},
    {"POST",
     "/api/v1/charges/{id}/waive",
     "/api/v1/charges/999999/waive",
     "{\"reason\":\"Hardship.\"}",
     {{ADA, NULL, 404, "not_found"}}},
    {"POST",
     "/api/v1/clients/{id}/payments",
     "/api/v1/clients/{c}/payments",
     "{\"method\":\"cash\",\"amount_cents\":5000,\"received_on\":\"2026-12-01\","
     "\"reference\":\"R-1\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"method\":\"card\",\"amount_cents\":5000,\"received_on\":\"2026-12-01\"}", 400,
       "invalid_field"},
      {ADA, "{\"method\":\"cash\",\"amount_cents\":0,\"received_on\":\"2026-12-01\"}", 400,
       "invalid_field"},
      {ADA, "{\"method\":\"cash\",\"amount_cents\":5000,\"received_on\":\"2026-13-01\"}", 400,
       "invalid_field"},
      {ADA, "{\"method\":\"cash\",\"amount_cents\":5000,\"received_on\":\"2099-01-01\"}", 400,
       "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/payments"}}},
    {"GET",
     "/api/v1/billing/export.csv",
     "/api/v1/billing/export.csv?from=2026-01-01&to=2026-12-31",
     NULL,
     {{ADA, NULL, 400, "invalid_field", "/api/v1/billing/export.csv?from=2026-01-01"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/billing/export.csv?from=2026-12-31&to=2026-01-01"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/billing/export.csv?from=2026-1-1&to=2026-12-31"}}},
    {"GET",
     "/api/v1/clients/{id}/superbill",
     "/api/v1/clients/{c}/superbill?from=2026-01-01&to=2026-12-31",
     NULL,
     {{ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/superbill?from=2026-01-01"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/superbill?from=2026-12-31&to=2026-01-01"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/superbill?from=2024-12-31&to=2026-01-01"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/superbill?from=2026-02-30&to=2026-03-01"},
      {ADA, NULL, 400, "invalid_field",
       "/api/v1/clients/{c}/superbill?from=2026-01-01&to=2026-01-31&format=doc"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/superbill?from=2026-01-01&to=2026-01-31"}}},
    {"GET",
     "/api/v1/clients/{id}/statement",
     "/api/v1/clients/{c}/statement?month=2026-11",
     NULL,
     {{ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/statement"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/statement?month=2026-13"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/statement?month=2026-1"},
      {ADA, NULL, 400, "invalid_field", "/api/v1/clients/{c}/statement?month=2026-11-01"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/clients/999999/statement?month=2026-11"}}},
    {"GET",
     "/api/v1/sessions/{id}/service",
     "/api/v1/sessions/{s}/service",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/999999/service"}}},
    {"PUT",
     "/api/v1/sessions/{id}/service",
     "/api/v1/sessions/{s}/service",
     "{\"service_id\":1}",
     {{ADA, "{\"service_id\":999999}", 400, "invalid_field"},
      {ADA, "{\"service_id\":-1}", 400, "invalid_field"},
      {ADA, "{\"service_id\":\"1\"}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {CY, NULL, 404, "not_found", "/api/v1/sessions/{s2}/service"},
      {ADA, NULL, 404, "not_found", "/api/v1/sessions/999999/service"}}},
    /* licences and compacts: Ada's licence and the practice's compact are number 1 (the
     * fixture adds them) */
    {"GET", "/api/v1/jurisdictions", "/api/v1/jurisdictions", NULL, NO_ROUTE_CASES},
    {"GET", "/api/v1/account/licences", "/api/v1/account/licences", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/account/licences",
     "/api/v1/account/licences",
     "{\"jurisdiction\":\"us-ca\",\"kind\":\"Psychologist\",\"number\":\"PSY1\","
     "\"expires_on\":\"2027-01-31\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"jurisdiction\":\"XX\",\"kind\":\"P\",\"number\":\"1\",\"expires_on\":\"2027-01-31\"}",
       400, "invalid_field"},
      {ADA, "{\"jurisdiction\":\"US\",\"kind\":\"\",\"number\":\"1\",\"expires_on\":\"2027-01-31\"}",
       400, "invalid_field"},
      {ADA, "{\"jurisdiction\":\"GB\",\"kind\":\"P\",\"number\":7,\"expires_on\":\"2027-01-31\"}",
       400, "invalid_field"},
      {ADA, "{\"jurisdiction\":\"GB\",\"kind\":\"P\",\"number\":\"1\",\"expires_on\":\"2027-02-30\"}",
       400, "invalid_field"},
      {ADA, "{\"jurisdiction\":\"GB\",\"kind\":\"P\",\"number\":\"1\"}", 400,
       "missing_field"}}},
    {"PATCH",
     "/api/v1/account/licences/{id}",
     "/api/v1/account/licences/1",
     "{\"expires_on\":\"2028-01-31\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"expires_on\":\"31/01/2028\"}", 400, "invalid_field"},
      {ADA, "{\"kind\":\"\"}", 400, "invalid_field"},
      {BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/account/licences/999999"}}},
    {"DELETE",
     "/api/v1/account/licences/{id}",
     "/api/v1/account/licences/1",
     NULL,
     {{BOB, NULL, 404, "not_found"},
      {ADA, NULL, 404, "not_found", "/api/v1/account/licences/999999"}}},
    {"GET", "/api/v1/compacts", "/api/v1/compacts", NULL, NO_ROUTE_CASES},
    {"POST",
     "/api/v1/compacts",
     "/api/v1/compacts",
     "{\"name\":\"PSYPACT\",\"members\":[\"US-AZ\",\"us-co\"],\"valid_from\":\"2026-01-01\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"name\":\"P\",\"members\":[\"US-AZ\"],\"valid_from\":\"2026-01-01\"}", 400,
       "invalid_field"},
      {ADA, "{\"name\":\"P\",\"members\":[\"US-AZ\",\"ZZ\"],\"valid_from\":\"2026-01-01\"}",
       400, "invalid_field"},
      {ADA, "{\"name\":\"P\",\"members\":[\"US-AZ\",\"us-az\"],\"valid_from\":\"2026-01-01\"}",
       400, "invalid_field"},
      {ADA, "{\"name\":\"P\",\"members\":\"US-AZ,US-CO\",\"valid_from\":\"2026-01-01\"}", 400,
       "invalid_field"},
      {ADA, "{\"name\":\"P\",\"members\":[\"US-AZ\",\"US-CO\"],\"valid_from\":\"2026-13-01\"}",
       400, "invalid_field"},
      {ADA,
       "{\"name\":\"P\",\"members\":[\"US-AZ\",\"US-CO\"],\"valid_from\":\"2026-01-02\","
       "\"valid_until\":\"2026-01-01\"}",
       400, "invalid_dates"}}},
    {"PATCH",
     "/api/v1/compacts/{id}",
     "/api/v1/compacts/1",
     "{\"valid_until\":\"2030-12-31\"}",
     {{ADA, "{}", 400, "missing_field"},
      {ADA, "{\"name\":\"\"}", 400, "invalid_field"},
      {ADA, "{\"members\":[]}", 400, "invalid_field"},
      {ADA, "{\"valid_until\":\"2000-01-01\"}", 400, "invalid_dates"},
      {ADA, NULL, 404, "not_found", "/api/v1/compacts/999999"}}},
    {"DELETE",
     "/api/v1/compacts/{id}",
     "/api/v1/compacts/1",
     NULL,
     {{ADA, NULL, 404, "not_found", "/api/v1/compacts/999999"}}},
    {"GET", "/api/v1/licences/flags", "/api/v1/licences/flags", NULL, NO_ROUTE_CASES},
    /* public, nothing to refuse */
};
#pragma GCC diagnostic pop

static int64_t json_id(json_t *j, const char *object)
{
    return json_integer_value(json_object_get(json_object_get(j, object), "id"));
}

static void make_fixture(struct env *e, struct fixture *f)
{
    do_setup(e);
    snprintf(f->ada_cookie, sizeof f->ada_cookie, "%s", e->cookie);
    const char *reason = NULL;
    assert_int_equal(account_create(e->store, "Dr Bob Lee", "bob@example.org", PW, strlen(PW),
                                    STORE_ROLE_THERAPIST, 1, e->now, &f->bob, &reason),
                     0);
    assert_int_equal(account_create(e->store, "Dr Cy Okafor", "cy@example.org", PW, strlen(PW),
                                    STORE_ROLE_THERAPIST, 1, e->now, &f->cy, &reason),
                     0);
    e->cookie[0] = '\0';
    assert_int_equal(
        send(e, "POST", "/api/v1/login", "{\"email\":\"bob@example.org\",\"password\":\"" PW "\"}"),
        200);
    snprintf(f->bob_cookie, sizeof f->bob_cookie, "%s", e->cookie);
    e->cookie[0] = '\0';
    assert_int_equal(
        send(e, "POST", "/api/v1/login", "{\"email\":\"cy@example.org\",\"password\":\"" PW "\"}"),
        200);
    snprintf(f->cy_cookie, sizeof f->cy_cookie, "%s", e->cookie);
    snprintf(e->cookie, sizeof e->cookie, "%s", f->ada_cookie);

    assert_int_equal(send(e, "POST", "/api/v1/clients",
                          "{\"name\":\"Sam Rivera\",\"email\":\"sam@mail.example\"," TZ "}"),
                     201);
    f->client = json_id(e->json, "client");
    assert_int_equal(send(e, "POST", "/api/v1/clients",
                          "{\"name\":\"Noor Haddad\",\"email\":\"noor@mail.example\"," TZ "}"),
                     201);
    f->spare_client = json_id(e->json, "client");
    char body[400];
    snprintf(body, sizeof body,
             "{\"name\":\"Thursday group\",\"agreement\":\"What is said here stays here.\","
             "\"members\":[%lld]}",
             (long long)f->client);
    assert_int_equal(send(e, "POST", "/api/v1/groups", body), 201);
    f->group = json_id(e->json, "group");
    snprintf(body, sizeof body, "/api/v1/groups/%lld/facilitators", (long long)f->group);
    char user[64];
    snprintf(user, sizeof user, "{\"user_id\":%lld}", (long long)f->cy);
    assert_int_equal(send(e, "POST", body, user), 201);
    snprintf(body, sizeof body,
             "{\"title\":\"Group\",\"starts_at\":\"2027-05-03T10:00:00+02:00\"," TZ
             ",\"group_id\":%lld}",
             (long long)f->group);
    assert_int_equal(send(e, "POST", "/api/v1/sessions", body), 201);
    f->group_session = json_id(e->json, "session");
    f->group_occurrence = json_integer_value(json_object_get(
        json_array_get(json_object_get(json_object_get(e->json, "session"), "occurrences"), 0),
        "id"));
    snprintf(body, sizeof body,
             "{\"title\":\"Weekly\",\"starts_at\":\"2027-02-01T10:00:00+01:00\"," TZ
             ",\"client_id\":%lld,\"recurrence\":{\"freq\":\"weekly\",\"count\":3}}",
             (long long)f->client);
    assert_int_equal(send(e, "POST", "/api/v1/sessions", body), 201);
    f->session = json_id(e->json, "session");
    f->occurrence = json_integer_value(json_object_get(
        json_array_get(json_object_get(json_object_get(e->json, "session"), "occurrences"), 0),
        "id"));
    snprintf(body, sizeof body, "{\"group_id\":%lld,\"title\":\"Spring\"," TZ "," SLOTS "}",
             (long long)f->group);
    assert_int_equal(send(e, "POST", "/api/v1/polls", body), 201);
    json_t *poll = json_object_get(e->json, "poll");
    f->poll = json_integer_value(json_object_get(poll, "id"));
    f->slot = json_integer_value(
        json_object_get(json_array_get(json_object_get(poll, "slots"), 0), "id"));
    const char *url = json_string_value(
        json_object_get(json_array_get(json_object_get(poll, "invites"), 0), "url"));
    assert_non_null(url);
    assert_non_null(strstr(url, "/p/"));
    snprintf(f->token, sizeof f->token, "%s", strstr(url, "/p/") + 3);
    assert_true(f->cy > 0 && f->group_session > 0 && f->group_occurrence > 0);
    assert_int_equal(send(e, "POST", "/api/v1/users",
                          "{\"name\":\"Dr Dee Marsh\",\"email\":\"dee@example.org\","
                          "\"role\":\"therapist\"}"),
                     201);
    url = json_string_value(json_object_get(json_object_get(e->json, "invitation"), "url"));
    assert_non_null(url);
    assert_non_null(strstr(url, "/invite#"));
    snprintf(f->invitation, sizeof f->invitation, "%s", strstr(url, "/invite#") + 8);
    /* notes: a draft on {o}; on {o2} the group's, written and signed */
    snprintf(body, sizeof body, "/api/v1/sessions/%lld/occurrences/%lld/notes",
             (long long)f->session, (long long)f->occurrence);
    assert_int_equal(send(e, "POST", body, "{\"template\":\"soap\"}"), 201);
    f->note = json_id(e->json, "note");
    snprintf(body, sizeof body, "/api/v1/sessions/%lld/occurrences/%lld/notes",
             (long long)f->group_session, (long long)f->group_occurrence);
    assert_int_equal(send(e, "POST", body, "{\"template\":\"soap\"}"), 201);
    f->signed_note = json_id(e->json, "note");
    snprintf(body, sizeof body, "/api/v1/notes/%lld", (long long)f->signed_note);
    assert_int_equal(send(e, "PATCH", body, "{\"version\":1,\"sections\":{\"plan\":\"Meet.\"}}"),
                     200);
    snprintf(body, sizeof body, "/api/v1/notes/%lld/sign", (long long)f->signed_note);
    assert_int_equal(send(e, "POST", body, "{\"version\":2}"), 200);
    assert_true(f->note > 0 && f->signed_note > 0);
    /* the group's interest link, and one request on its waitlist */
    snprintf(body, sizeof body, "/api/v1/groups/%lld/interest-link", (long long)f->group);
    assert_int_equal(send(e, "POST", body, "{\"questions\":[\"What brings you here?\"]}"), 201);
    url = json_string_value(json_object_get(json_object_get(e->json, "link"), "url"));
    assert_non_null(url);
    assert_non_null(strstr(url, "/i/"));
    snprintf(f->interest, sizeof f->interest, "%s", strstr(url, "/i/") + 3);
    char form[256];
    snprintf(form, sizeof form,
             "{\"token\":\"%s\",\"name\":\"Robin Vale\",\"email\":\"robin@example.org\","
             "\"answers\":[\"Sleep\"]}",
             f->interest);
    assert_int_equal(send(e, "POST", "/api/v1/interest/submit", form), 201);
    snprintf(body, sizeof body, "/api/v1/groups/%lld/waitlist", (long long)f->group);
    assert_int_equal(send(e, "GET", body, NULL), 200);
    f->entry = json_integer_value(
        json_object_get(json_array_get(json_object_get(e->json, "entries"), 0), "id"));
    assert_true(f->entry > 0);
    /* Cy reads what he co-facilitates: the refusals below are about changing it */
    snprintf(e->cookie, sizeof e->cookie, "%s", f->cy_cookie);
    snprintf(body, sizeof body, "/api/v1/groups/%lld", (long long)f->group);
    assert_int_equal(send(e, "GET", body, NULL), 200);
    snprintf(body, sizeof body, "/api/v1/sessions/%lld", (long long)f->group_session);
    assert_int_equal(send(e, "GET", body, NULL), 200);
    snprintf(e->cookie, sizeof e->cookie, "%s", f->ada_cookie);
    assert_true(f->bob > 0 && f->client > 0 && f->spare_client > 0 && f->group > 0 &&
                f->session > 0 && f->occurrence > 0 && f->poll > 0 && f->slot > 0);
    /* billing: the practice's first service, /api/v1/services/1 */
    assert_int_equal(send(e, "POST", "/api/v1/services",
                          "{\"cpt\":\"90837\",\"description\":\"Psychotherapy, 60 minutes\","
                          "\"fee_cents\":18000,\"duration_minutes\":60}"),
                     201);
    assert_int_equal(json_id(e->json, "service"), 1);
    /* Ada's licence and the practice's compact, each number 1 (the route cases' paths) */
    assert_int_equal(send(e, "POST", "/api/v1/account/licences",
                          "{\"jurisdiction\":\"US-CA\",\"kind\":\"Psychologist\","
                          "\"number\":\"PSY12345\",\"expires_on\":\"2027-01-31\"}"),
                     201);
    assert_int_equal(json_id(e->json, "licence"), 1);
    assert_int_equal(send(e, "POST", "/api/v1/compacts",
                          "{\"name\":\"PSYPACT\",\"members\":[\"US-AZ\",\"US-CO\"],"
                          "\"valid_from\":\"2026-01-01\"}"),
                     201);
    assert_int_equal(json_id(e->json, "compact"), 1);
}

/* An error body: {"error": {...}} alone, or with field errors {"error": the first,
 * "errors": [every one, each with code, field and message]}. */
static int error_body_ok(json_t *j)
{
    if (!json_is_object(j))
        return 0;
    json_t *errors = json_object_get(j, "errors"), *error = json_object_get(j, "error");
    if (!errors)
        return json_object_size(j) == 1;
    if (json_object_size(j) != 2 || !json_is_array(errors) || json_array_size(errors) == 0)
        return 0;
    size_t i;
    json_t *item;
    json_array_foreach(errors, i, item)
    {
        if (!json_is_string(json_object_get(item, "code")) ||
            !json_is_string(json_object_get(item, "field")) ||
            !json_is_string(json_object_get(item, "message")))
            return 0;
    }
    json_t *first = json_array_get(errors, 0);
    return json_equal(json_object_get(first, "code"), json_object_get(error, "code")) &&
           json_equal(json_object_get(first, "field"), json_object_get(error, "field")) &&
           json_equal(json_object_get(first, "message"), json_object_get(error, "message"));
}

/* One request that must be refused: the status and code it must get, the error body's
 * shape, and the database as it was. Returns 1 (a case counted). */
static int refused(struct env *e, const struct fixture *f, const char *method, const char *path,
                   const char *body, enum who who, struct extra x, int status, const char *code,
                   const char *what)
{
    char expanded_path[256], expanded_body[1024];
    expand(f, path, expanded_path, sizeof expanded_path);
    if (body)
        expand(f, body, expanded_body, sizeof expanded_body);
    snprintf(e->cookie, sizeof e->cookie, "%s",
             who == ADA   ? f->ada_cookie
             : who == BOB ? f->bob_cookie
             : who == CY  ? f->cy_cookie
                          : "");
    uint8_t before[32], after[32];
    char counts_before[1024], counts_after[1024];
    db_digest(e, before, counts_before, sizeof counts_before);
    /* a second later, so a sign-in touched by a refused request would show; and back, so
     * the sign-ins, which refused requests do not keep alive, never go idle here */
    e->now += 1000;
    int got = send_x(e, method, expanded_path, body ? expanded_body : NULL, x);
    e->now -= 1000;
    db_digest(e, after, counts_after, sizeof counts_after);
    const char *got_code = error_code(e);
    if (got != status || !got_code || strcmp(got_code, code) != 0 || !error_message(e) ||
        !error_body_ok(e->json))
        fail_msg("%s %s (%s, body %s): expected %d %s, got %d %s", method, expanded_path, what,
                 body ? expanded_body : "none", status, code, got,
                 e->resp.body.data ? e->resp.body.data : "");
    assert_string_equal(e->resp.content_type, "application/json");
    if (memcmp(before, after, sizeof before) != 0)
        fail_msg("%s %s (%s, body %s) answered %d but wrote to the database:\n"
                 " before %s\n after  %s",
                 method, expanded_path, what, body ? expanded_body : "none", got, counts_before,
                 counts_after);
    return 1;
}

static int state_changing(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static void every_route_refuses_bad_requests_and_writes_nothing(void **state)
{
    struct env *e = *state;
    struct fixture f = {0};
    make_fixture(e, &f);
    const size_t nspecs = sizeof route_cases / sizeof route_cases[0];
    /* the table here and the server's are the same list: a new route needs its cases */
    assert_int_equal(nspecs, (size_t)api_route_count);
    int cases = 0;
    for (int r = 0; r < api_route_count; r++) {
        const struct route *route = &api_routes[r];
        const struct route_cases *rc = NULL;
        for (size_t k = 0; k < nspecs && !rc; k++)
            if (strcmp(route_cases[k].method, route->method) == 0 &&
                strcmp(route_cases[k].pattern, route->pattern) == 0)
                rc = &route_cases[k];
        if (!rc)
            fail_msg("%s %s has no cases in this test", route->method, route->pattern);
        const char *valid = route->body == BODY_JSON ? rc->valid : NULL;
        if (route->body == BODY_JSON && !valid)
            fail_msg("%s %s takes JSON but its cases give no valid body", route->method,
                     route->pattern);
        enum who owner = ADA; /* a signed-in browser: only what is wrong gets refused */

        /* nobody signed in, or a cookie the server does not know */
        if (route->access != ACCESS_PUBLIC) {
            cases += refused(e, &f, route->method, rc->path, valid, NOBODY, (struct extra){0}, 401,
                             "not_signed_in", "no cookie");
            cases += refused(e, &f, route->method, rc->path, valid, NOBODY,
                             (struct extra){.cookie = "confide_session=forged"}, 401,
                             "not_signed_in", "unknown cookie");
            /* idle too long: the sign-in is over (its row goes at the next sweep) */
            e->now += 901 * 1000;
            cases += refused(e, &f, route->method, rc->path, valid, ADA, (struct extra){0}, 401,
                             "session_expired", "idle sign-in");
            e->now -= 901 * 1000;
        }
        /* a therapist on an administrator's route */
        if (route->access == ACCESS_ADMIN)
            cases += refused(e, &f, route->method, rc->path, valid, BOB, (struct extra){0}, 403,
                             "forbidden", "not an administrator");
        /* from another site, with everything else right */
        if (state_changing(route->method)) {
            cases += refused(e, &f, route->method, rc->path, valid, owner,
                             (struct extra){.origin = "http://evil.example"}, 403, "cross_origin",
                             "Origin of another site");
            cases += refused(e, &f, route->method, rc->path, valid, owner,
                             (struct extra){.sec_fetch_site = "cross-site"}, 403, "cross_origin",
                             "Sec-Fetch-Site: cross-site");
            cases += refused(e, &f, route->method, rc->path, valid, owner,
                             (struct extra){.origin = "null"}, 403, "cross_origin", "Origin: null");
        }
        if (route->body == BODY_JSON) {
            static const char *const malformed[] = {"",
                                                    "{",
                                                    "[]",
                                                    "\"text\"",
                                                    "42",
                                                    "{\"a\":1,\"a\":2}",
                                                    "{\"a\":\"\\u0000\"}",
                                                    "{\"a\":\"\xff\"}",
                                                    "{\"a\":1} {}"};
            for (size_t m = 0; m < sizeof malformed / sizeof malformed[0]; m++)
                cases += refused(e, &f, route->method, rc->path, malformed[m], owner,
                                 (struct extra){0}, 400, "malformed_json", "malformed JSON");
            cases += refused(e, &f, route->method, rc->path, valid, owner,
                             (struct extra){.content_type = "text/plain"}, 415,
                             "unsupported_media_type", "not JSON");
            cases += refused(e, &f, route->method, rc->path, valid, owner,
                             (struct extra){.too_large = 1}, 413, "body_too_large", "too large");
        }
        /* the route's own: missing and mistyped fields, records not the caller's */
        for (int c = 0; c < MAX_BODY_CASES && rc->cases[c].status; c++) {
            const struct body_case *bc = &rc->cases[c];
            const char *body = bc->body ? bc->body : valid;
            cases += refused(e, &f, route->method, bc->path ? bc->path : rc->path, body, bc->who,
                             (struct extra){0}, bc->status, bc->code, "route case");
        }
        /* reads are not state-changing: another site's GET is answered as any other */
        if (!state_changing(route->method)) {
            char path[256];
            expand(&f, rc->path, path, sizeof path);
            snprintf(e->cookie, sizeof e->cookie, "%s", owner == ADA ? f.ada_cookie : "");
            assert_int_equal(send_x(e, route->method, path, NULL,
                                    (struct extra){.origin = "http://evil.example",
                                                   .sec_fetch_site = "cross-site"}),
                             200);
            cases++;
        }
    }
    /* and the digest does see a write */
    uint8_t before[32], after[32];
    char counts[1024];
    db_digest(e, before, counts, sizeof counts);
    snprintf(e->cookie, sizeof e->cookie, "%s", f.ada_cookie);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/clients/%lld", (long long)f.client);
    assert_int_equal(send(e, "PATCH", path, "{\"phone\":\"+49 30 1234567\"}"), 200);
    db_digest(e, after, counts, sizeof counts);
    assert_memory_not_equal(before, after, sizeof before);
    print_message("%d routes, %d cases\n", api_route_count, cases);
}

/* Every field of every route's valid body, replaced by each JSON type or left out: the
 * answer is a 2xx or a 4xx with the error body, never a 5xx, and a 4xx writes nothing. */
static void every_field_of_every_body_survives_every_type(void **state)
{
    struct env *e = *state;
    struct fixture f = {0};
    make_fixture(e, &f);
    static const char *const values[] = {"null",
                                         "true",
                                         "false",
                                         "0",
                                         "-1",
                                         "1.5",
                                         "9223372036854775807",
                                         "-9223372036854775808",
                                         "1e300",
                                         "\"\"",
                                         "\"x\"",
                                         "\"2027-03-01T18:00:00+01:00\"",
                                         "[]",
                                         "{}",
                                         "[1]",
                                         "[null]",
                                         "{\"a\":1}",
                                         NULL /* left out */};
    int cases = 0, refused_count = 0;
    const size_t nspecs = sizeof route_cases / sizeof route_cases[0];
    for (size_t k = 0; k < nspecs; k++) {
        const struct route_cases *rc = &route_cases[k];
        if (!rc->valid)
            continue;
        char path[256], valid[1024];
        expand(&f, rc->path, path, sizeof path);
        expand(&f, rc->valid, valid, sizeof valid);
        json_t *base = json_loads(valid, 0, NULL);
        assert_non_null(base);
        const char *key;
        json_t *unused;
        json_object_foreach(base, key, unused)
        {
            for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
                json_t *body = json_deep_copy(base);
                if (values[v])
                    json_object_set_new(body, key, json_loads(values[v], JSON_DECODE_ANY, NULL));
                else
                    json_object_del(body, key);
                char *text = json_dumps(body, JSON_COMPACT);
                json_decref(body);
                int public_route = strncmp(rc->path, "/api/v1/setup", 13) == 0 ||
                                   strncmp(rc->path, "/api/v1/login", 13) == 0 ||
                                   strncmp(rc->path, "/api/v1/invitations", 19) == 0 ||
                                   strncmp(rc->path, "/api/v1/poll-links", 18) == 0 ||
                                   strncmp(rc->path, "/api/v1/inbox", 13) == 0 ||
                                   strncmp(rc->path, "/api/v1/interest/", 17) == 0;
                snprintf(e->cookie, sizeof e->cookie, "%s", public_route ? "" : f.ada_cookie);
                uint8_t before[32], after[32];
                char counts_before[1024], counts_after[1024];
                db_digest(e, before, counts_before, sizeof counts_before);
                e->now += 1000;
                int got = send(e, rc->method, path, text);
                e->now -= 1000;
                db_digest(e, after, counts_after, sizeof counts_after);
                cases++;
                if (got >= 500 || got < 200 || (!public_route && got == 401))
                    fail_msg("%s %s %s: %d %s", rc->method, path, text, got,
                             e->resp.body.data ? e->resp.body.data : "");
                if (got >= 400) {
                    refused_count++;
                    if (!error_code(e) || !error_message(e))
                        fail_msg("%s %s %s: %d without an error body: %s", rc->method, path, text,
                                 got, e->resp.body.data ? e->resp.body.data : "");
                    if (memcmp(before, after, sizeof before) != 0)
                        fail_msg("%s %s %s answered %d but wrote:\n before %s\n after  %s",
                                 rc->method, path, text, got, counts_before, counts_after);
                }
                free(text);
            }
        }
        json_decref(base);
    }
    print_message("%d bodies, %d refused\n", cases, refused_count);
}

/* The code an authenticator app shows for this secret, `steps` steps from now. */
static void app_code(const char *secret, int64_t now_ms, int steps, char out[8])
{
    uint8_t key[64];
    int n = base32_decode(secret, key, sizeof key);
    assert_true(n == TOTP_SECRET_BYTES);
    snprintf(out, 8, "%06u",
             hotp(key, (size_t)n, (uint64_t)(totp_step(now_ms / 1000) + steps), TOTP_DIGITS));
}

static int has_audit(struct env *e, const char *action)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/audit?action=%s", action);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    return (int)json_array_size(json_object_get(e->json, "entries"));
}

/* Rows of the outbox of one kind (mail is queued in the request's transaction). */
static int outbox_count(struct env *e, const char *kind)
{
    char sql[128];
    assert_true(strspn(kind, "abcdefghijklmnopqrstuvwxyz_") == strlen(kind)); /* quoted as is */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE kind = '%s'", kind);
    struct test_db_value v;
    assert_int_equal(test_db_raw(&e->db, sql, NULL, 0, &v), 0);
    return (int)v.i;
}

/* A client's copy: their words escaped in the readable page; erasure takes them out of
 * every list and lookup, once, audited. */
static void a_clients_copy_is_escaped_and_erasure_is_once(void **state)
{
    struct env *e = *state;
    do_setup(e);
    const char *body = "{\"name\":\"Sam <img src=x onerror=alert(1)> & \\\"Co\\\"\","
                       "\"email\":\"sam@mail.example\",\"time_zone\":\"Europe/Berlin\"}";
    assert_int_equal(send(e, "POST", "/api/v1/clients", body), 201);
    int64_t id = json_integer_value(json_object_get(json_object_get(e->json, "client"), "id"));
    char path[96];
    snprintf(path, sizeof path, "/api/v1/clients/%lld/export?format=html", (long long)id);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    assert_string_equal(e->resp.content_type, "text/html; charset=utf-8");
    const char *html = e->resp.body.data;
    assert_non_null(strstr(html, "Sam &lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;"));
    assert_null(strstr(html, "<img"));
    assert_non_null(strstr(html, "<h2>Contact details</h2>"));
    snprintf(path, sizeof path, "/api/v1/clients/%lld/export", (long long)id);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    json_t *records = json_object_get(e->json, "records");
    assert_true(json_array_size(records) > 5);
    json_t *contact = json_array_get(json_object_get(json_array_get(records, 0), "rows"), 0);
    assert_string_equal(json_string_value(json_object_get(contact, "email")), "sam@mail.example");
    assert_int_equal(has_audit(e, "client.export"), 2);

    snprintf(path, sizeof path, "/api/v1/clients/%lld/erase", (long long)id);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    assert_int_equal(json_integer_value(json_object_get(e->json, "retention_years")), 7);
    assert_int_equal(send(e, "POST", path, "{\"confirm\":true}"), 200);
    /* nothing clinical was held: the client row went at once */
    json_t *held = json_object_get(json_object_get(e->json, "erased"), "held");
    assert_int_equal(json_array_size(held), 0);
    assert_int_equal(has_audit(e, "client.erase"), 1);
    assert_int_equal(send(e, "POST", path, "{\"confirm\":true}"), 404);
    assert_int_equal(send(e, "GET", "/api/v1/clients", NULL), 200);
    assert_int_equal(json_array_size(json_object_get(e->json, "clients")), 0);
    snprintf(path, sizeof path, "/api/v1/clients/%lld/export", (long long)id);
    assert_int_equal(send(e, "GET", path, NULL), 404);
    assert_int_equal(has_audit(e, "client.erase"), 1);
}

/* An administrator sees another practitioner's client only by giving a reason: for an
 * hour, read-only, in the audit log, and the practitioner is told by mail and sees who
 * and why on their dashboard. Without it the administrator sees nothing of theirs. */
static void emergency_access_needs_a_reason_and_tells_the_practitioner(void **state)
{
    struct env *e = *state;
    struct fixture f = {0};
    make_fixture(e, &f);
    snprintf(e->cookie, sizeof e->cookie, "%s", f.bob_cookie);
    assert_int_equal(
        send(e, "POST", "/api/v1/clients",
             "{\"name\":\"Lee Park\",\"email\":\"lee@mail.example\"," TZ
             ",\"emergency_contact\":{\"name\":\"Jo Park\",\"phone\":\"+1 555 0100\"}}"),
        201);
    int64_t lee = json_id(e->json, "client");
    char path[128], open_path[128];
    snprintf(path, sizeof path, "/api/v1/clients/%lld", (long long)lee);
    snprintf(open_path, sizeof open_path, "/api/v1/clients/%lld/emergency-access", (long long)lee);
    const char *reason =
        "{\"reason\":\"Lee wrote that they are in danger; Dr Lee is on a plane.\"}";

    /* a therapist cannot ask; the administrator sees nothing of Bob's unasked */
    assert_int_equal(send(e, "POST", open_path, reason), 403);
    snprintf(e->cookie, sizeof e->cookie, "%s", f.ada_cookie);
    assert_int_equal(send(e, "GET", path, NULL), 403);
    assert_string_equal(error_code(e), "emergency_access_required");
    assert_int_equal(send(e, "GET", "/api/v1/clients", NULL), 200);
    json_t *mine = json_object_get(e->json, "clients");
    for (size_t i = 0; i < json_array_size(mine); i++)
        assert_int_not_equal(json_integer_value(json_object_get(json_array_get(mine, i), "id")),
                             lee);
    assert_int_equal(send(e, "GET", "/api/v1/sessions", NULL), 200);
    /* the roster: enough to find Lee, nothing to reach them by */
    assert_int_equal(send(e, "GET", "/api/v1/practice/clients", NULL), 200);
    json_t *roster = json_object_get(e->json, "clients");
    assert_int_equal(json_array_size(roster), 1);
    json_t *entry = json_array_get(roster, 0);
    assert_int_equal(json_integer_value(json_object_get(entry, "id")), lee);
    assert_string_equal(json_string_value(json_object_get(entry, "therapist_name")), "Dr Bob Lee");
    assert_null(json_object_get(entry, "email"));
    assert_null(json_object_get(entry, "emergency_contact"));

    /* with a reason: the record, for an hour */
    assert_int_equal(outbox_count(e, "emergency_notice"), 0);
    assert_int_equal(send(e, "POST", open_path, reason), 201);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(e->json, "client"), "emergency_contact"), "name")),
        "Jo Park");
    assert_int_equal(outbox_count(e, "emergency_notice"), 1);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    assert_int_equal(has_audit(e, "client.emergency_access"), 1);
    assert_int_equal(has_audit(e, "client.emergency_read"), 1);
    /* read-only: changing or archiving stays Bob's */
    assert_int_equal(send(e, "PATCH", path, "{\"name\":\"L. Park\"}"), 404);
    assert_int_equal(send(e, "DELETE", path, NULL), 404);
    e->cfg.idle_timeout = 2 * 60 * 60; /* the sign-in outlives the grant */
    e->now += 61 * 60 * 1000;
    assert_int_equal(send(e, "GET", path, NULL), 403);
    e->now -= 61 * 60 * 1000;

    /* Bob sees who opened Lee, and why, once as new */
    snprintf(e->cookie, sizeof e->cookie, "%s", f.bob_cookie);
    assert_int_equal(send(e, "GET", "/api/v1/me/emergency-access", NULL), 200);
    json_t *list = json_object_get(e->json, "emergency_access");
    assert_int_equal(json_array_size(list), 1);
    json_t *g = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(g, "client_name")), "Lee Park");
    assert_string_equal(json_string_value(json_object_get(g, "admin_name")), "Dr Ada Byron");
    assert_non_null(strstr(json_string_value(json_object_get(g, "reason")), "on a plane"));
    assert_true(json_is_true(json_object_get(g, "new")));
    assert_int_equal(send(e, "GET", "/api/v1/me/emergency-access", NULL), 200);
    g = json_array_get(json_object_get(e->json, "emergency_access"), 0);
    assert_true(json_is_false(json_object_get(g, "new")));
    /* Ada's own clients were never hers to ask for, and Cy has no grants of his own */
    snprintf(e->cookie, sizeof e->cookie, "%s", f.cy_cookie);
    assert_int_equal(send(e, "GET", "/api/v1/me/emergency-access", NULL), 200);
    assert_int_equal(json_array_size(json_object_get(e->json, "emergency_access")), 0);
}

#define ADA_LOGIN "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"

static void mfa_enrolment_sign_in_and_recovery_codes(void **state)
{
    struct env *e = *state;
    do_setup(e);
    snprintf(e->cfg.require_mfa, sizeof e->cfg.require_mfa, "admins");
    assert_int_equal(send(e, "POST", "/api/v1/logout", NULL), 204);
    e->cookie[0] = '\0';

    /* an administrator must enrol: the password alone gives a pending cookie, no sign-in */
    assert_int_equal(send(e, "POST", "/api/v1/login", ADA_LOGIN), 200);
    assert_true(json_is_true(json_object_get(e->json, "mfa_enrolment_required")));
    assert_null(json_object_get(e->json, "user"));
    assert_non_null(strstr(e->cookie, "confide_mfa="));
    assert_non_null(strstr(header(e, "set-cookie:"), "Max-Age=300"));
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 401);
    assert_int_equal(send(e, "GET", "/api/v1/clients", NULL), 401);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", "{\"code\":\"123456\"}"), 409);
    assert_string_equal(error_code(e), "mfa_enrolment_required");

    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/totp", NULL), 200);
    char secret[64], uri[256];
    snprintf(secret, sizeof secret, "%s", json_string_value(json_object_get(e->json, "secret")));
    assert_int_equal(strlen(secret), TOTP_SECRET_CHARS);
    snprintf(uri, sizeof uri, "otpauth://totp/confide:Dr%%20Ada%%20Byron?secret=%s&issuer=confide",
             secret);
    assert_memory_equal(json_string_value(json_object_get(e->json, "otpauth_uri")), uri,
                        strlen(uri));
    assert_memory_equal(json_string_value(json_object_get(e->json, "qr_svg")), "<svg", 4);
    /* the secret is sealed at rest */
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/totp/confirm", "{\"code\":\"000000\"}"), 400);
    assert_string_equal(error_code(e), "invalid_code");
    char code[8];
    app_code(secret, e->now, 0, code);
    char body[128];
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/totp/confirm", body), 200);
    json_t *codes = json_object_get(e->json, "recovery_codes");
    assert_int_equal(json_array_size(codes), 10);
    char recovery[32];
    snprintf(recovery, sizeof recovery, "%s", json_string_value(json_array_get(codes, 0)));
    assert_int_equal(strlen(recovery), 14); /* XXXX-XXXX-XXXX */
    assert_non_null(json_object_get(e->json, "user"));
    assert_non_null(strstr(e->cookie, "confide_session="));
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    assert_int_equal(send(e, "GET", "/api/v1/me/mfa", NULL), 200);
    assert_true(json_is_true(json_object_get(e->json, "totp")));
    assert_true(json_is_true(json_object_get(e->json, "required")));
    assert_int_equal(json_integer_value(json_object_get(e->json, "recovery_codes_left")), 10);
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/totp", NULL), 409);
    assert_string_equal(error_code(e), "mfa_already_enrolled");
    assert_int_equal(has_audit(e, "mfa.enrolled"), 1);

    /* no secret or code is in the database in the clear */
    struct test_db_value v;
    assert_int_equal(test_db_raw(&e->db, "SELECT secret_sealed FROM mfa_totp", NULL, 0, &v), 0);
    assert_int_equal(v.rows, 1);
    assert_true(v.len <= sizeof v.b);
    assert_null(memmem(v.b, v.len, secret, strlen(secret)));

    /* sign out and in: now a code is asked for; the code used to enrol is not taken again */
    assert_int_equal(send(e, "POST", "/api/v1/logout", NULL), 204);
    e->cookie[0] = '\0';
    assert_int_equal(send(e, "POST", "/api/v1/login", ADA_LOGIN), 200);
    assert_true(json_is_true(json_object_get(e->json, "mfa_required")));
    assert_non_null(strstr(e->cookie, "confide_mfa="));
    char pending[128];
    snprintf(pending, sizeof pending, "%s", e->cookie);
    /* a pending cookie for a code does not allow enrolling another app */
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/totp", NULL), 401);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 401);
    assert_string_equal(error_code(e), "invalid_code");
    e->now += 30 * 1000;
    app_code(secret, e->now, 0, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 200);
    assert_non_null(strstr(e->cookie, "confide_session="));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(e->json, "user"), "email")),
        "ada@example.org");
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    /* the pending cookie is spent */
    assert_int_equal(
        send_x(e, "POST", "/api/v1/login/mfa", body, (struct extra){.cookie = pending}), 401);
    assert_string_equal(error_code(e), "mfa_not_pending");

    /* one step either side of now is accepted */
    assert_int_equal(send(e, "POST", "/api/v1/logout", NULL), 204);
    e->cookie[0] = '\0';
    e->now += 60 * 1000;
    assert_int_equal(send(e, "POST", "/api/v1/login", ADA_LOGIN), 200);
    app_code(secret, e->now, 2, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 401);
    app_code(secret, e->now, 1, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 200);

    /* a recovery code works once, typed in lower case too */
    assert_int_equal(send(e, "POST", "/api/v1/logout", NULL), 204);
    e->cookie[0] = '\0';
    assert_int_equal(send(e, "POST", "/api/v1/login", ADA_LOGIN), 200);
    char lower[32];
    for (size_t i = 0; i <= strlen(recovery); i++)
        lower[i] = (char)tolower((unsigned char)recovery[i]);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", lower);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 200);
    assert_int_equal(json_integer_value(json_object_get(e->json, "recovery_codes_left")), 9);
    assert_int_equal(has_audit(e, "mfa.used_recovery_code"), 1);
    assert_int_equal(has_audit(e, "login.mfa_failed"), 2);
    assert_int_equal(send(e, "POST", "/api/v1/logout", NULL), 204);
    e->cookie[0] = '\0';
    assert_int_equal(send(e, "POST", "/api/v1/login", ADA_LOGIN), 200);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", recovery);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 401);

    /* wrong codes are throttled like wrong passwords: per account, from any address */
    int tries = 1;
    while (tries < 10 && send_x(e, "POST", "/api/v1/login/mfa", "{\"code\":\"000000\"}",
                                (struct extra){.peer = tries % 2 ? "10.0.0.1" : "10.0.0.2"}) == 401)
        tries++;
    assert_int_equal(e->resp.status, 429);
    /* with the recovery code just refused: 5 free, the 6th sets a wait, the 7th must wait */
    assert_int_equal(tries, 6);
    assert_string_equal(error_code(e), "too_many_attempts");
    assert_non_null(header(e, "retry-after:"));
    /* even with the right code */
    app_code(secret, e->now, 0, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 429);
    e->now += 60 * 1000; /* past the wait, and two steps on */
    app_code(secret, e->now, 0, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 200);

    /* a pending cookie lasts 5 minutes */
    assert_int_equal(send(e, "POST", "/api/v1/logout", NULL), 204);
    e->cookie[0] = '\0';
    assert_int_equal(send(e, "POST", "/api/v1/login", ADA_LOGIN), 200);
    e->now += 301 * 1000;
    app_code(secret, e->now, 0, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/login/mfa", body), 401);
    assert_string_equal(error_code(e), "mfa_not_pending");

    /* with require_mfa off, an enrolled account still gives its code */
    snprintf(e->cfg.require_mfa, sizeof e->cfg.require_mfa, "off");
    e->cookie[0] = '\0';
    assert_int_equal(send(e, "POST", "/api/v1/login", ADA_LOGIN), 200);
    assert_true(json_is_true(json_object_get(e->json, "mfa_required")));
}

/* ---- the account lifecycle ---- */

static int64_t user_id_of(struct env *e)
{
    return json_integer_value(json_object_get(json_object_get(e->json, "user"), "id"));
}

static const char *user_status(struct env *e)
{
    return json_string_value(json_object_get(json_object_get(e->json, "user"), "status"));
}

/* Signs in with email and password; returns the status, the cookie in e->cookie. */
static int sign_in(struct env *e, const char *email, const char *password)
{
    char body[256];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    e->cookie[0] = '\0';
    return send(e, "POST", "/api/v1/login", body);
}

/* Ada invites; returns the token of the link. */
static void invite(struct env *e, const char *name, const char *email, const char *role,
                   int64_t *id, char token[96])
{
    char body[300];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"email\":\"%s\",\"role\":\"%s\"}", name, email,
             role);
    assert_int_equal(send(e, "POST", "/api/v1/users", body), 201);
    assert_string_equal(user_status(e), "invited");
    *id = user_id_of(e);
    const char *url =
        json_string_value(json_object_get(json_object_get(e->json, "invitation"), "url"));
    assert_non_null(url);
    assert_non_null(strstr(url, "/invite#"));
    snprintf(token, 96, "%s", strstr(url, "/invite#") + 8);
    assert_int_equal(strlen(token), 22);
}

static int accept(struct env *e, const char *token, const char *password)
{
    char body[256];
    snprintf(body, sizeof body, "{\"token\":\"%s\",\"password\":\"%s\"}", token, password);
    return send_x(e, "POST", "/api/v1/invitations/accept", body, (struct extra){.cookie = ""});
}

static void invitation_works_once_and_expires(void **state)
{
    struct env *e = *state;
    do_setup(e);
    char ada[128];
    snprintf(ada, sizeof ada, "%s", e->cookie);
    int64_t tom = 0, sue = 0;
    char token[96], late[96];
    invite(e, "Dr Tom Reyes", "tom@example.org", "therapist", &tom, token);
    assert_true(tom > 1);
    assert_false(json_is_true(json_object_get(json_object_get(e->json, "user"), "mfa")));
    int64_t pending = 0;
    assert_int_equal(store_mail_count(e->store, MAIL_PENDING, &pending), 0);
    assert_int_equal(pending, 1);
    assert_int_equal(has_audit(e, "account.invite"), 1);
    /* only a keyed hash of the token is kept */
    struct test_db_value v;
    assert_int_equal(test_db_raw(&e->db, "SELECT token_hash FROM user_invitations", NULL, 0, &v),
                     0);
    assert_int_equal(v.rows, 1);
    uint8_t plain[32];
    crypto_generichash(plain, 32, (const uint8_t *)token, strlen(token), NULL, 0);
    assert_int_equal(v.len, 32);
    assert_memory_not_equal(v.b, plain, 32);

    /* an invited account cannot sign in before it has a password */
    assert_int_equal(sign_in(e, "tom@example.org", ""), 400);
    assert_int_equal(sign_in(e, "tom@example.org", PW), 401);

    char body[128];
    snprintf(body, sizeof body, "{\"token\":\"%s\"}", token);
    assert_int_equal(send(e, "POST", "/api/v1/invitations/lookup", body), 200);
    assert_string_equal(json_string_value(json_object_get(e->json, "email")), "tom@example.org");
    assert_string_equal(json_string_value(json_object_get(e->json, "name")), "Dr Tom Reyes");
    assert_int_equal(accept(e, token, "short"), 400);
    assert_string_equal(error_code(e), "weak_password");
    assert_int_equal(accept(e, token, "tom's own long passphrase"), 200);
    /* once */
    assert_int_equal(accept(e, token, "another long passphrase"), 410);
    assert_string_equal(error_code(e), "invitation_used");
    assert_int_equal(send(e, "POST", "/api/v1/invitations/lookup", body), 410);
    assert_int_equal(sign_in(e, "tom@example.org", "another long passphrase"), 401);
    assert_int_equal(sign_in(e, "tom@example.org", "tom's own long passphrase"), 200);
    /* Tom is active now: a second invitation to his address is refused */
    snprintf(e->cookie, sizeof e->cookie, "%s", ada);
    assert_int_equal(send(e, "POST", "/api/v1/users",
                          "{\"name\":\"Tom\",\"email\":\"tom@example.org\",\"role\":\"admin\"}"),
                     409);
    assert_string_equal(error_code(e), "email_taken");
    assert_int_equal(has_audit(e, "invitation.accept"), 1);

    /* seven days, then the link stops working; inviting again sends a fresh one */
    invite(e, "Sue Park", "sue@example.org", "therapist", &sue, late);
    e->now += 7LL * 24 * 3600 * 1000;
    assert_int_equal(accept(e, late, PW), 410);
    assert_string_equal(error_code(e), "invitation_expired");
    e->now -= 7LL * 24 * 3600 * 1000;
    int64_t again = 0;
    char fresh[96];
    invite(e, "Sue Park", "sue@example.org", "therapist", &again, fresh);
    assert_int_equal(again, sue);
    assert_int_equal(accept(e, late, PW), 404); /* the old link is replaced */
    assert_int_equal(accept(e, fresh, PW), 200);
}

static void disabled_accounts_and_the_last_admin(void **state)
{
    struct env *e = *state;
    do_setup(e);
    char ada[128], tom_cookie[128], tom_path[64];
    snprintf(ada, sizeof ada, "%s", e->cookie);
    int64_t tom = 0;
    char token[96];
    invite(e, "Dr Tom Reyes", "tom@example.org", "therapist", &tom, token);
    assert_int_equal(accept(e, token, PW), 200);
    assert_int_equal(sign_in(e, "tom@example.org", PW), 200);
    snprintf(tom_cookie, sizeof tom_cookie, "%s", e->cookie);

    /* a therapist is no administrator */
    assert_int_equal(send(e, "GET", "/api/v1/users", NULL), 403);
    assert_string_equal(error_code(e), "forbidden");
    assert_int_equal(send(e, "POST", "/api/v1/users/1/disable", NULL), 403);
    assert_int_equal(send(e, "PATCH", "/api/v1/users/1", "{\"role\":\"therapist\"}"), 403);

    /* disabling ends Tom's sign-in at once, and he cannot sign in again */
    snprintf(e->cookie, sizeof e->cookie, "%s", ada);
    snprintf(tom_path, sizeof tom_path, "/api/v1/users/%lld/disable", (long long)tom);
    assert_int_equal(send(e, "POST", tom_path, NULL), 200);
    assert_string_equal(user_status(e), "disabled");
    assert_int_equal(send(e, "POST", tom_path, NULL), 409);
    assert_string_equal(error_code(e), "already_disabled");
    snprintf(e->cookie, sizeof e->cookie, "%s", tom_cookie);
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 401);
    assert_int_equal(sign_in(e, "tom@example.org", PW), 403);
    assert_string_equal(error_code(e), "account_disabled");
    assert_int_equal(sign_in(e, "tom@example.org", "not his password"), 401);
    assert_string_equal(error_code(e), "invalid_credentials");
    /* even a sign-in row the disabling missed is refused at look-up */
    uint8_t hash[32] = {9};
    struct store_login stray = {.user_id = tom,
                                .created_at = e->now,
                                .last_seen_at = e->now,
                                .expires_at = e->now + 3600000};
    memcpy(stray.token_hash, hash, 32);
    assert_int_equal(store_login_insert(e->store, &stray), 0);
    struct store_login got;
    assert_int_equal(store_login_get(e->store, hash, &got), -ENOENT);

    snprintf(e->cookie, sizeof e->cookie, "%s", ada);
    snprintf(tom_path, sizeof tom_path, "/api/v1/users/%lld/enable", (long long)tom);
    assert_int_equal(send(e, "POST", tom_path, NULL), 200);
    assert_string_equal(user_status(e), "active");
    assert_int_equal(has_audit(e, "account.disable"), 1);
    assert_int_equal(has_audit(e, "account.enable"), 1);
    assert_int_equal(sign_in(e, "tom@example.org", PW), 200);
    snprintf(tom_cookie, sizeof tom_cookie, "%s", e->cookie);

    /* the last administrator can be neither disabled nor demoted */
    snprintf(e->cookie, sizeof e->cookie, "%s", ada);
    assert_int_equal(send(e, "POST", "/api/v1/users/1/disable", NULL), 409);
    assert_string_equal(error_code(e), "last_admin");
    assert_int_equal(send(e, "PATCH", "/api/v1/users/1", "{\"role\":\"therapist\"}"), 409);
    assert_string_equal(error_code(e), "last_admin");
    /* an invited administrator who never set a password does not count */
    int64_t ivy = 0;
    invite(e, "Ivy", "ivy@example.org", "admin", &ivy, token);
    assert_int_equal(send(e, "PATCH", "/api/v1/users/1", "{\"role\":\"therapist\"}"), 409);
    /* with Tom an administrator, Ada may step down; then Tom is the last */
    snprintf(tom_path, sizeof tom_path, "/api/v1/users/%lld", (long long)tom);
    assert_int_equal(send(e, "PATCH", tom_path, "{\"role\":\"admin\"}"), 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(e->json, "user"), "role")), "admin");
    assert_int_equal(send(e, "PATCH", "/api/v1/users/1", "{\"role\":\"therapist\"}"), 200);
    assert_int_equal(send(e, "GET", "/api/v1/users", NULL), 403);
    snprintf(e->cookie, sizeof e->cookie, "%s", tom_cookie);
    assert_int_equal(send(e, "GET", "/api/v1/users", NULL), 200);
    assert_int_equal(json_array_size(json_object_get(e->json, "users")), 3);
    snprintf(tom_path, sizeof tom_path, "/api/v1/users/%lld/disable", (long long)tom);
    assert_int_equal(send(e, "POST", tom_path, NULL), 409);
    assert_string_equal(error_code(e), "last_admin");
    int64_t admins = 0;
    assert_int_equal(store_admins_active(e->store, &admins), 0);
    assert_int_equal(admins, 1);
    assert_int_equal(has_audit(e, "account.role"), 2);
}

static void password_change_ends_the_other_sign_ins(void **state)
{
    struct env *e = *state;
    do_setup(e);
    char first[128], second[128];
    snprintf(first, sizeof first, "%s", e->cookie);
    assert_int_equal(sign_in(e, "ada@example.org", PW), 200);
    snprintf(second, sizeof second, "%s", e->cookie);

    snprintf(e->cookie, sizeof e->cookie, "%s", first);
    assert_int_equal(send(e, "POST", "/api/v1/me/password",
                          "{\"current_password\":\"not my password\","
                          "\"new_password\":\"a brand new passphrase\"}"),
                     400);
    assert_string_equal(error_code(e), "wrong_password");
    assert_int_equal(send(e, "POST", "/api/v1/me/password",
                          "{\"current_password\":\"" PW
                          "\",\"new_password\":\"a brand new passphrase\"}"),
                     204);
    /* this sign-in goes on; the other one has ended */
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    snprintf(e->cookie, sizeof e->cookie, "%s", second);
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 401);
    assert_int_equal(sign_in(e, "ada@example.org", PW), 401);
    assert_int_equal(sign_in(e, "ada@example.org", "a brand new passphrase"), 200);
    snprintf(second, sizeof second, "%s", e->cookie);
    snprintf(e->cookie, sizeof e->cookie, "%s", first);
    assert_int_equal(has_audit(e, "password.change"), 1);

    /* sign out everywhere: this one too */
    assert_int_equal(send(e, "POST", "/api/v1/me/sign-out-everywhere", NULL), 204);
    assert_non_null(strstr(header(e, "set-cookie:"), "Max-Age=0"));
    assert_int_equal(send_x(e, "GET", "/api/v1/me", NULL, (struct extra){.cookie = first}), 401);
    assert_int_equal(send_x(e, "GET", "/api/v1/me", NULL, (struct extra){.cookie = second}), 401);
    assert_int_equal(sign_in(e, "ada@example.org", "a brand new passphrase"), 200);
    assert_int_equal(has_audit(e, "login.end_all"), 1);
}

static void mfa_self_service_and_reset(void **state)
{
    struct env *e = *state;
    do_setup(e);
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/totp", NULL), 200);
    char secret[64], code[8], body[256];
    snprintf(secret, sizeof secret, "%s", json_string_value(json_object_get(e->json, "secret")));
    app_code(secret, e->now, 0, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/totp/confirm", body), 200);
    char old_recovery[32];
    snprintf(old_recovery, sizeof old_recovery, "%s",
             json_string_value(json_array_get(json_object_get(e->json, "recovery_codes"), 0)));

    /* a fresh set of recovery codes needs a code from the app (not the one used already) */
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/recovery-codes", body), 400);
    assert_string_equal(error_code(e), "invalid_code");
    e->now += 30000;
    app_code(secret, e->now, 0, code);
    snprintf(body, sizeof body, "{\"code\":\"%s\"}", code);
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/recovery-codes", body), 200);
    json_t *codes = json_object_get(e->json, "recovery_codes");
    assert_int_equal(json_array_size(codes), 10);
    char recovery[32];
    snprintf(recovery, sizeof recovery, "%s", json_string_value(json_array_get(codes, 0)));
    assert_string_not_equal(recovery, old_recovery);
    assert_int_equal(has_audit(e, "mfa.recovery_codes_renewed"), 1);

    /* removing it asks for the password and a code, and not where it is required */
    snprintf(body, sizeof body, "{\"password\":\"wrong password\",\"code\":\"%s\"}", recovery);
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/remove", body), 400);
    assert_string_equal(error_code(e), "wrong_password");
    snprintf(body, sizeof body, "{\"password\":\"" PW "\",\"code\":\"%s\"}", old_recovery);
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/remove", body), 400);
    assert_string_equal(error_code(e), "invalid_code");
    snprintf(e->cfg.require_mfa, sizeof e->cfg.require_mfa, "admins");
    snprintf(body, sizeof body, "{\"password\":\"" PW "\",\"code\":\"%s\"}", recovery);
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/remove", body), 409);
    assert_string_equal(error_code(e), "mfa_required");
    snprintf(e->cfg.require_mfa, sizeof e->cfg.require_mfa, "off");
    assert_int_equal(send(e, "POST", "/api/v1/me/mfa/remove", body), 204);
    assert_int_equal(send(e, "GET", "/api/v1/me/mfa", NULL), 200);
    assert_false(json_is_true(json_object_get(e->json, "totp")));
    assert_int_equal(has_audit(e, "mfa.removed"), 1);

    /* an administrator resets another account's two-step sign-in */
    int64_t bob = 0;
    const char *reason = NULL;
    assert_int_equal(account_create(e->store, "Dr Bob Lee", "bob@example.org", PW, strlen(PW),
                                    STORE_ROLE_THERAPIST, 1, e->now, &bob, &reason),
                     0);
    assert_int_equal(store_totp_set(e->store, bob, secret, e->now), 0);
    assert_int_equal(store_totp_confirm(e->store, bob, 1, e->now), 0);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/users/%lld/mfa", (long long)bob);
    assert_int_equal(send(e, "GET", "/api/v1/users", NULL), 200);
    assert_true(
        json_is_true(json_object_get(json_array_get(json_object_get(e->json, "users"), 1), "mfa")));
    assert_int_equal(send(e, "DELETE", path, NULL), 204);
    assert_int_equal(send(e, "DELETE", path, NULL), 409);
    assert_string_equal(error_code(e), "mfa_not_enrolled");
    assert_int_equal(has_audit(e, "mfa.reset"), 1);
}

/* A full disk: writes answer 503 storage_full with Retry-After, whichever store call met
 * it; reads whose only write is the sign-in's activity are answered; space returns. */
static void a_full_disk_answers_storage_full_and_reads_go_on(void **state)
{
    if (test_db_is_pg()) { /* the full disk is a SQLite VFS (tests/support/full_disk.h) */
        printf("skipped on PostgreSQL: a_full_disk_answers_storage_full_and_reads_go_on "
               "fills SQLite's disk\n");
        skip();
    }
    struct env *e = *state;
    do_setup(e);
    char body[256];
    full_disk_begin();
    int status = 201, created = 0;
    for (int i = 0; i < 200 && status == 201; i++) {
        snprintf(body, sizeof body,
                 "{\"name\":\"Client %d\",\"email\":\"c%d@example.org\",\"time_zone\":\"UTC\"}", i,
                 i);
        e->now += 1000;
        status = send(e, "POST", "/api/v1/clients", body);
        created += status == 201;
    }
    assert_int_equal(status, 503);
    assert_string_equal(error_code(e), "storage_full");
    assert_string_equal(header(e, "retry-after:"), "30");
    /* the activity is not saved; what was read is what is stored */
    e->now += 1000;
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(e->json, "user"), "email")),
        "ada@example.org");
    /* a read of client records must leave its audit entry, so it waits for space too */
    assert_int_equal(send(e, "GET", "/api/v1/clients", NULL), 503);
    assert_string_equal(error_code(e), "storage_full");
    /* a sign-in (its own transaction, after the hashing) gets no cookie for a session that
     * was not saved */
    assert_int_equal(send_x(e, "POST", "/api/v1/login",
                            "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}",
                            (struct extra){.cookie = ""}),
                     503);
    assert_string_equal(error_code(e), "storage_full");
    assert_null(header(e, "set-cookie:"));

    full_disk_end();
    e->now += 1000;
    assert_int_equal(send(e, "POST", "/api/v1/clients",
                          "{\"name\":\"Client back\",\"email\":\"back@example.org\","
                          "\"time_zone\":\"UTC\"}"),
                     201);
    assert_int_equal(send(e, "GET", "/api/v1/clients", NULL), 200);
    assert_int_equal(json_array_size(json_object_get(e->json, "clients")), created + 1);
}

/* The interest page is public: each form sent counts against its address (20 cost nothing;
 * the 21st goes through and starts the waiting, doubling with each one after), so one place
 * cannot fill a waitlist; guessing links is throttled as poll links are. Another address is
 * not held up. */
static void interest_forms_are_throttled_per_address(void **state)
{
    struct env *e = *state;
    struct fixture f = {0};
    make_fixture(e, &f);
    e->cookie[0] = '\0';
    char body[256];
    snprintf(body, sizeof body,
             "{\"token\":\"%s\",\"name\":\"Sam Reed\",\"phone\":\"07700 900123\","
             "\"answers\":[\"\"]}",
             f.interest);
    int sent = 0;
    for (int i = 0; i < 30; i++) {
        int got =
            send_x(e, "POST", "/api/v1/interest/submit", body, (struct extra){.peer = "10.9.9.1"});
        if (got == 429)
            break;
        assert_int_equal(got, 201);
        sent++;
    }
    assert_int_equal(sent, 21);
    assert_string_equal(error_code(e), "too_many_attempts");
    assert_int_equal(
        send_x(e, "POST", "/api/v1/interest/submit", body, (struct extra){.peer = "10.9.9.2"}),
        201);
    snprintf(e->cookie, sizeof e->cookie, "%s", f.ada_cookie);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/groups/%lld/waitlist", (long long)f.group);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    assert_int_equal(json_array_size(json_object_get(e->json, "entries")), 1 + 21 + 1);
    /* guessing links: 21 unknown ones, then even a real one waits */
    e->cookie[0] = '\0';
    for (int i = 0; i < 21; i++)
        assert_int_equal(send_x(e, "POST", "/api/v1/interest/lookup", "{\"token\":\"guess\"}",
                                (struct extra){.peer = "10.9.9.3"}),
                         404);
    snprintf(body, sizeof body, "{\"token\":\"%s\"}", f.interest);
    assert_int_equal(
        send_x(e, "POST", "/api/v1/interest/lookup", body, (struct extra){.peer = "10.9.9.3"}),
        429);
    assert_int_equal(
        send_x(e, "POST", "/api/v1/interest/lookup", body, (struct extra){.peer = "10.9.9.4"}),
        200);
}

/* A one-to-one client's attendance over time from the meetings' records: late at the first
 * weekly occurrence, then two no-shows in a row, which is a nudge; occurrences to come do
 * not count. */
static void client_attendance_over_time_and_the_nudge(void **state)
{
    struct env *e = *state;
    struct fixture f = {0};
    make_fixture(e, &f);
    struct arena a = {0};
    struct store_occurrence *occ;
    size_t n;
    assert_int_equal(store_occurrence_list(e->store, &a, f.session, &occ, &n), 0);
    assert_int_equal(n, 3);
    const int64_t min = 60 * 1000;
    assert_int_equal(store_attendance_add(e->store, occ[0].id, f.client, 0, "joined",
                                          occ[0].starts_at + 11 * min),
                     0);
    assert_int_equal(store_attendance_add(e->store, occ[0].id, f.client, 0, "admitted",
                                          occ[0].starts_at + 11 * min),
                     0);
    assert_int_equal(store_attendance_add(e->store, occ[0].id, f.client, 0, "left", occ[0].ends_at),
                     0);
    char path[96];
    snprintf(path, sizeof path, "/api/v1/clients/%lld/attendance", (long long)f.client);

    /* after the first: one occurrence held, late */
    e->now = occ[0].ends_at + min;
    assert_int_equal(sign_in(e, "ada@example.org", PW), 200);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    json_t *list = json_object_get(e->json, "occurrences");
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "status")),
                        "late");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "occurrence_id")),
                     occ[0].id);
    assert_true(json_is_null(json_object_get(json_array_get(list, 0), "group_id")));
    json_t *summary = json_object_get(e->json, "summary");
    assert_int_equal(json_integer_value(json_object_get(summary, "held")), 1);
    assert_true(json_real_value(json_object_get(summary, "rate")) == 1.0);

    /* after the third: late, no-show, no-show, and the nudge */
    e->now = occ[2].ends_at + min;
    assert_int_equal(sign_in(e, "ada@example.org", PW), 200);
    assert_int_equal(send(e, "GET", path, NULL), 200);
    list = json_object_get(e->json, "occurrences");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "status")),
                        "no_show");
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "status")),
                        "no_show");
    summary = json_object_get(e->json, "summary");
    assert_int_equal(json_integer_value(json_object_get(summary, "missed_in_a_row")), 2);
    assert_int_equal(json_integer_value(json_object_get(summary, "no_show")), 2);
    assert_true(json_real_value(json_object_get(summary, "rate")) * 3 > 0.99 &&
                json_real_value(json_object_get(summary, "rate")) * 3 < 1.01);
    assert_int_equal(send(e, "GET", "/api/v1/attendance/nudges", NULL), 200);
    json_t *nudges = json_object_get(e->json, "nudges");
    assert_int_equal(json_array_size(nudges), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(nudges, 0), "client_id")),
                     f.client);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(nudges, 0), "latest_occurrence_id")),
        occ[2].id);
    assert_int_equal(has_audit(e, "attendance.client_read"), 2);
    arena_free(&a);
}

/* The dashboard's licence flags: a session ahead after the licence where the client last
 * said they were runs out, and a past one where the client who came said nothing; a
 * session where they were covered is not flagged; another practitioner sees none of them;
 * the read is audited. Then the licence renewed through the API covers the one ahead. */
static void licence_flags_for_the_dashboard(void **state)
{
    struct env *e = *state;
    struct fixture f = {0};
    make_fixture(e, &f);
    struct arena a = {0};
    struct store_occurrence *occ;
    size_t n;
    assert_int_equal(store_occurrence_list(e->store, &a, f.session, &occ, &n), 0);
    assert_int_equal(n, 3);
    struct store_series se;
    assert_int_equal(store_series_get(e->store, &a, f.session, &se), 0);
    int32_t day2;
    assert_int_equal(sched_civil_day(se.time_zone, occ[2].starts_at, &day2), 0);
    /* Ada's Californian licence (number 1) ends the day before the third session */
    char date[CIVIL_DATE_LEN], body[96];
    civil_date_format(day2 - 1, date);
    snprintf(body, sizeof body, "{\"expires_on\":\"%s\"}", date);
    assert_int_equal(send(e, "PATCH", "/api/v1/account/licences/1", body), 200);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(e->json, "licence"), "id")), 1);
    /* the first: in California, let in; the second: let in, said nothing */
    assert_int_equal(store_attendance_add(e->store, occ[0].id, f.client, 0, "admitted",
                                          occ[0].starts_at),
                     0);
    assert_int_equal(store_attendance_add(e->store, occ[1].id, f.client, 0, "admitted",
                                          occ[1].starts_at),
                     0);
    assert_int_equal(store_begin(e->store), 0);
    struct store_session_location l = {.occurrence_id = occ[0].id, .client_id = f.client,
                                       .place = "home", .jurisdiction = "US-CA",
                                       .answered_at = occ[0].starts_at};
    assert_int_equal(store_session_location_put(e->store, &l), 0);
    assert_int_equal(store_commit(e->store), 0);

    e->now = occ[1].ends_at + 60000;
    assert_int_equal(sign_in(e, "ada@example.org", PW), 200);
    assert_int_equal(send(e, "GET", "/api/v1/licences/flags", NULL), 200);
    json_t *flags = json_object_get(e->json, "flags");
    json_t *ahead = NULL, *past = NULL;
    int of_session = 0; /* the group's sessions (Ada's client is a member) may be flagged too */
    for (size_t i = 0; i < json_array_size(flags); i++) {
        json_t *x = json_array_get(flags, i);
        if (json_integer_value(json_object_get(x, "series_id")) != f.session)
            continue;
        of_session++;
        if (strcmp(json_string_value(json_object_get(x, "when")), "ahead") == 0)
            ahead = x;
        else
            past = x;
    }
    assert_int_equal(of_session, 2);
    assert_non_null(ahead);
    assert_non_null(past);
    assert_int_equal(json_integer_value(json_object_get(ahead, "occurrence_id")), occ[2].id);
    assert_int_equal(json_integer_value(json_object_get(ahead, "series_id")), f.session);
    assert_int_equal(json_integer_value(json_object_get(ahead, "client_id")), f.client);
    assert_non_null(json_string_value(json_object_get(ahead, "client_name")));
    assert_string_equal(json_string_value(json_object_get(ahead, "jurisdiction")), "US-CA");
    char expected[120];
    snprintf(expected, sizeof expected, "Your licence in California expired on %s", date);
    assert_string_equal(json_string_value(json_object_get(ahead, "reason")), expected);
    assert_int_equal(json_integer_value(json_object_get(past, "occurrence_id")), occ[1].id);
    assert_true(json_is_null(json_object_get(past, "jurisdiction")));
    assert_string_equal(json_string_value(json_object_get(past, "reason")),
                        "The client did not say where they were");
    assert_true(has_audit(e, "licence.flags") >= 1);

    /* Bob's are his own: none */
    snprintf(e->cookie, sizeof e->cookie, "%s", f.bob_cookie);
    assert_int_equal(sign_in(e, "bob@example.org", PW), 200);
    assert_int_equal(send(e, "GET", "/api/v1/licences/flags", NULL), 200);
    assert_int_equal(json_array_size(json_object_get(e->json, "flags")), 0);

    /* renewed: the session ahead is covered again */
    assert_int_equal(sign_in(e, "ada@example.org", PW), 200);
    assert_int_equal(send(e, "PATCH", "/api/v1/account/licences/1", "{\"expires_on\":\"2099-12-31\"}"),
                     200);
    assert_int_equal(send(e, "GET", "/api/v1/licences/flags", NULL), 200);
    flags = json_object_get(e->json, "flags");
    of_session = 0;
    for (size_t i = 0; i < json_array_size(flags); i++) {
        json_t *x = json_array_get(flags, i);
        if (json_integer_value(json_object_get(x, "series_id")) != f.session)
            continue;
        of_session++;
        assert_int_equal(json_integer_value(json_object_get(x, "occurrence_id")), occ[1].id);
    }
    assert_int_equal(of_session, 1);
    arena_free(&a);
}

int main(void)
{
    rand_init();
    if (full_disk_install() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_full_disk_answers_storage_full_and_reads_go_on, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(setup_creates_the_first_admin_once, setup, teardown),
        cmocka_unit_test_setup_teardown(setup_refuses_before_hashing_and_throttles_guessing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(offload_is_bounded_and_drops_what_nobody_will_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(login_me_logout, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_and_absolute_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(asking_how_long_is_left_is_not_activity, setup, teardown),
        cmocka_unit_test_setup_teardown(login_throttles_with_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(login_throttle_key_is_the_normalised_email, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(address_throttle_counts_an_ipv6_64_once, setup, teardown),
        cmocka_unit_test_setup_teardown(mfa_enrolment_sign_in_and_recovery_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_input_gets_clear_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(field_errors_come_together_and_nothing_is_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(cross_origin_writes_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(ops_endpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(the_audit_log_shows_who_did_what, setup, teardown),
        cmocka_unit_test_setup_teardown(a_clients_copy_is_escaped_and_erasure_is_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(emergency_access_needs_a_reason_and_tells_the_practitioner,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(metrics_only_for_loopback_and_metrics_allow, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(static_files_stay_inside_web_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(every_route_refuses_bad_requests_and_writes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(every_field_of_every_body_survives_every_type, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(invitation_works_once_and_expires, setup, teardown),
        cmocka_unit_test_setup_teardown(disabled_accounts_and_the_last_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(password_change_ends_the_other_sign_ins, setup, teardown),
        cmocka_unit_test_setup_teardown(mfa_self_service_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(interest_forms_are_throttled_per_address, setup, teardown),
        cmocka_unit_test_setup_teardown(client_attendance_over_time_and_the_nudge, setup, teardown),
        cmocka_unit_test_setup_teardown(licence_flags_for_the_dashboard, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

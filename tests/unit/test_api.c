/* api: every endpoint through api_handle with a real store, no sockets. The clock is the
 * request's `now`, so idle and absolute expiry are tested to the millisecond. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/config.h"
#include "core/rand.h"
#include "core/seal.h"
#include "store/store.h"

#define PW "a long and quiet passphrase"

struct env {
    char dir[64];
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
    const char *cookie;       /* default: the env's cookie */
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
    struct buf err = {0};
    if (config_finish(&e->cfg, &err) < 0)
        return -1;
    uint8_t key[32] = {4};
    e->seal = seal_new_from_key(key);
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/confide.db", e->dir);
    int applied, version;
    if (store_open(url, e->seal, &e->store) < 0 ||
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
    json_decref(e->json);
    api_response_free(&e->resp);
    api_ctx_free(&e->api);
    store_close(e->store);
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
    struct api_request req = {
        .id = 1,
        .now = e->now,
        .method = method,
        .path = path,
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

    assert_int_equal(send(e, "POST", "/api/v1/login",
                          "{\"email\":\"ADA@example.org\",\"password\":\"" PW "\"}"),
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
    assert_int_equal(send(e, "POST", "/api/v1/login",
                          "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"),
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

    assert_int_equal(send(e, "POST", "/api/v1/login",
                          "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"),
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
    assert_int_equal(send(e, "POST", "/api/v1/login",
                          "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"),
                     429);
    assert_string_equal(error_code(e), "too_many_attempts");
    assert_string_equal(header(e, "retry-after:"), "1");
    e->now += 1000;
    assert_int_equal(send(e, "POST", "/api/v1/login", wrong), 401);
    assert_int_equal(send(e, "POST", "/api/v1/login", wrong), 429);
    assert_string_equal(header(e, "retry-after:"), "2");
    e->now += 2000;
    assert_int_equal(send(e, "POST", "/api/v1/login",
                          "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}"),
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
    assert_int_equal(send_x(e, "POST", "/api/v1/login", "{}",
                            (struct extra){.content_type = "text/plain"}),
                     415);
    assert_string_equal(error_code(e), "unsupported_media_type");
    assert_int_equal(send_x(e, "POST", "/api/v1/login", "{}",
                            (struct extra){.content_type = "application/jsonx"}),
                     415);
    assert_int_equal(send_x(e, "POST", "/api/v1/login", "{}",
                            (struct extra){.content_type = "application/json; charset=utf-8"}),
                     400);
    assert_int_equal(send_x(e, "POST", "/api/v1/login", NULL, (struct extra){.too_large = 1}),
                     413);
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

static void cross_origin_writes_are_refused(void **state)
{
    struct env *e = *state;
    do_setup(e);
    char login[] = "{\"email\":\"ada@example.org\",\"password\":\"" PW "\"}";
    assert_int_equal(send_x(e, "POST", "/api/v1/login", login,
                            (struct extra){.origin = "http://evil.example"}),
                     403);
    assert_string_equal(error_code(e), "cross_origin");
    assert_int_equal(send_x(e, "POST", "/api/v1/logout", NULL,
                            (struct extra){.sec_fetch_site = "cross-site"}),
                     403);
    /* the refused logout did not end the sign-in */
    assert_int_equal(send(e, "GET", "/api/v1/me", NULL), 200);
    assert_int_equal(send_x(e, "POST", "/api/v1/login", login,
                            (struct extra){.origin = "http://127.0.0.1:8080",
                                           .sec_fetch_site = "same-origin"}),
                     200);
    /* reads are not state-changing: a cross-site GET is answered (the cookie is Strict) */
    assert_int_equal(send_x(e, "GET", "/api/v1/setup", NULL,
                            (struct extra){.origin = "http://evil.example"}),
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

static void static_files_stay_inside_web_dir(void **state)
{
    struct env *e = *state;
    assert_int_equal(send(e, "GET", "/", NULL), 200);
    assert_non_null(strstr(e->resp.content_type, "text/html"));
    assert_non_null(strstr(e->resp.body.data, "Sign in"));
    assert_int_equal(send(e, "GET", "/setup", NULL), 200);
    assert_int_equal(send(e, "GET", "/css/app.css", NULL), 200);
    assert_non_null(strstr(e->resp.content_type, "text/css"));
    const char *refused[] = {"/../CMakeLists.txt", "/..", "/js/../../README.md",
                             "/.git/config", "/index.html%00", "//etc/passwd", "/nothing.html",
                             "/README"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(send(e, "GET", refused[i], NULL), 404);
        assert_null(strstr(e->resp.body.data, "project(confide"));
    }
    assert_int_equal(send(e, "POST", "/", "{}"), 405);
    assert_string_equal(error_code(e), "method_not_allowed");
}

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(setup_creates_the_first_admin_once, setup, teardown),
        cmocka_unit_test_setup_teardown(login_me_logout, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_and_absolute_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(asking_how_long_is_left_is_not_activity, setup, teardown),
        cmocka_unit_test_setup_teardown(login_throttles_with_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_input_gets_clear_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(cross_origin_writes_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(ops_endpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(static_files_stay_inside_web_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

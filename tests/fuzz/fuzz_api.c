/* Fuzzes everything confide parses from an HTTP request: routing and {id} segments,
 * the Cookie header, Origin, the content type and the JSON bodies of every endpoint
 * (clients, groups, sessions with their times and recurrences), against a real store.
 * Input: method byte, then path, cookie, origin, content type, each ending in '\n',
 * then the body. A method byte with its high bit set sends the request signed in as a
 * therapist who has a client (id 1) and a group (id 1), so the signed-in handlers are
 * reached too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/config.h"
#include "core/rand.h"
#include "core/seal.h"
#include "store/store.h"

static struct config cfg;
static struct store *store;
static struct api_ctx api;
static char signed_in_cookie[128];

/* A therapist, signed in, with one client and one group: made through the API itself. */
static void make_therapist(void)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"setup_token\":\"%s\",\"name\":\"Fuzz\",\"email\":\"fuzz@example.org\","
             "\"password\":\"a long fuzzing passphrase\"}",
             api.setup_token);
    struct api_request req = {.now = 1800000000000LL, .method = "POST", .path = "/api/v1/setup",
                              .content_type = "application/json", .peer = "127.0.0.1",
                              .body = body, .body_len = strlen(body)};
    struct api_response resp = {0};
    api_handle(&api, &req, &resp);
    for (int i = 0; i < resp.header_count; i++)
        if (strcmp(resp.headers[i].name, "set-cookie:") == 0)
            snprintf(signed_in_cookie, sizeof signed_in_cookie, "%.*s",
                     (int)strcspn(resp.headers[i].value, ";"), resp.headers[i].value);
    api_response_free(&resp);
    const char *setup[][2] = {
        {"/api/v1/clients", "{\"name\":\"C\",\"email\":\"c@example.org\",\"time_zone\":\"UTC\"}"},
        {"/api/v1/groups", "{\"name\":\"G\",\"agreement\":\"a\",\"members\":[1]}"},
    };
    for (size_t i = 0; i < 2; i++) {
        struct api_request r = {.now = 1800000000000LL, .method = "POST", .path = setup[i][0],
                                .content_type = "application/json", .cookie = signed_in_cookie,
                                .peer = "127.0.0.1", .body = setup[i][1],
                                .body_len = strlen(setup[i][1])};
        struct api_response out = {0};
        api_handle(&api, &r, &out);
        if (out.status != 201)
            abort();
        api_response_free(&out);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/confide-fuzz-api-XXXXXX";

/* The scratch database goes when the fuzzer ends, so runs leave nothing in /tmp. */
static void remove_scratch(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_api: %s was not removed\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    rand_init();
    if (!mkdtemp(dir))
        abort();
    atexit(remove_scratch);
    config_defaults(&cfg);
    const char *web = getenv("CONFIDE_WEB_DIR");
    snprintf(cfg.web_dir, sizeof cfg.web_dir, "%s", web ? web : CONFIDE_WEB_DIR);
    struct buf err = {0};
    config_finish(&cfg, &err);
    uint8_t key[32] = {5};
    static struct seal *seal;
    seal = seal_new_from_key(key);
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/fuzz.db", dir);
    int applied, version;
    if (store_open(url, seal, &store) < 0 || store_migrate(store, &applied, &version) < 0)
        abort();
    api_ctx_init(&api, &cfg, store, 0);
    make_therapist();
    if (!signed_in_cookie[0])
        abort();
    return 0;
}

/* Takes bytes up to the next '\n' as a NUL-terminated string (NULL when empty). */
static char *take_line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    const uint8_t *stop = nl ? nl : end;
    size_t n = (size_t)(stop - *p);
    char *s = NULL;
    if (n > 0) {
        s = malloc(n + 1);
        memcpy(s, *p, n);
        s[n] = '\0';
    }
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1, *end = data + size;
    char *path = take_line(&p, end);
    char *cookie = take_line(&p, end);
    char *origin = take_line(&p, end);
    char *content_type = take_line(&p, end);
    struct api_request req = {
        .id = 1,
        .now = 1800000000000LL,
        .method = methods[(data[0] & 0x7f) % 6],
        .path = path ? path : "/",
        .cookie = (data[0] & 0x80) && !cookie ? signed_in_cookie : cookie,
        .origin = origin,
        .content_type = content_type,
        .peer = "127.0.0.1",
        .body = (const char *)p,
        .body_len = (size_t)(end - p),
    };
    struct api_response resp = {0};
    api_handle(&api, &req, &resp);
    if (resp.status < 200 || resp.status > 599)
        abort();
    api_response_free(&resp);
    free(path);
    free(cookie);
    free(origin);
    free(content_type);
    return 0;
}

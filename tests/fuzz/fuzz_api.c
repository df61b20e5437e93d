/* Fuzzes everything confide parses from an HTTP request: routing and {id} segments,
 * the Cookie header, Origin, the content type and the JSON body, against a real store.
 * Input: method byte, then path, cookie, origin, content type, each ending in '\n',
 * then the body. */
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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    rand_init();
    char dir[] = "/tmp/confide-fuzz-XXXXXX";
    if (!mkdtemp(dir))
        abort();
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
        .method = methods[data[0] % 6],
        .path = path ? path : "/",
        .cookie = cookie,
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

/* Fuzzes the meetings' service as the server runs it: a real store (SQLite in a scratch
 * directory) with a practice made through the API once — a therapist, two clients, a group
 * session open now — and then scripts of WebSocket connections opening (with or without the
 * therapist's sign-in), sending messages (joins with the real links and password or wrong
 * ones, rejoins with keys they were given, host commands, chat, raw bytes) and closing, with
 * ticks between. Whatever happens: every message sent is a JSON object with a type, nothing
 * is sent to a connection after it closed, and nobody waiting ever receives the meeting. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "api/api.h"
#include "core/config.h"
#include "core/rand.h"
#include "core/seal.h"
#include "live/service.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CONNS 6
#define PW "a long and quiet passphrase"

static struct config cfg;
static struct store *store;
static struct api_ctx api;
static char cookie[160];
static char links[2][128], host_link[128], password[64];
static int64_t now_ms;
static sqlite3 *raw; /* to put the meeting back as it was before each run */

/* what the service did, per connection */
static struct {
    int open, closed_by_us, closed_by_service;
    char key[64];
    int waiting;
} conns[CONNS + 1];

static int request(const char *method, const char *path, const char *body, json_t **out)
{
    struct api_request req = {.id = 1,
                              .now = now_ms,
                              .method = method,
                              .path = path,
                              .content_type = body ? "application/json" : NULL,
                              .cookie = cookie[0] ? cookie : NULL,
                              .peer = "127.0.0.1",
                              .body = body,
                              .body_len = body ? strlen(body) : 0};
    struct api_response resp = {0};
    api_handle(&api, &req, &resp);
    for (int i = 0; i < resp.header_count; i++)
        if (strcmp(resp.headers[i].name, "set-cookie:") == 0 && !cookie[0])
            snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(resp.headers[i].value, ";"),
                     resp.headers[i].value);
    *out = resp.body.data ? json_loads(resp.body.data, 0, NULL) : NULL;
    int status = resp.status;
    api_response_free(&resp);
    return status;
}

static const char *token_of(const char *url)
{
    const char *j = strstr(url, "/j/");
    return j ? j + 3 : "";
}

static char dir[] = "/tmp/confide-fuzz-service-XXXXXX";

static void remove_scratch(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_service: %s was not removed\n", dir);
}

/* A practice made once, through the API, as a therapist would. */
static void practice(void)
{
    if (!mkdtemp(dir))
        abort();
    atexit(remove_scratch);
    config_defaults(&cfg);
    struct buf err = {0};
    if (config_finish(&cfg, &err) < 0)
        abort();
    uint8_t key[32] = {7};
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/confide.db", dir);
    int applied, version;
    if (store_open(url, seal_new_from_key(key), &store) < 0 ||
        store_migrate(store, &applied, &version) < 0)
        abort();
    api_ctx_init(&api, &cfg, store, 0);
    snprintf(url, sizeof url, "%s/confide.db", dir);
    if (sqlite3_open(url, &raw) != SQLITE_OK)
        abort();
    now_ms = 1800000000000LL;
    char body[512];
    json_t *j;
    snprintf(body, sizeof body,
             "{\"setup_token\":\"%s\",\"name\":\"Dr Ada Byron\",\"email\":\"ada@example.org\","
             "\"password\":\"" PW "\"}",
             api.setup_token);
    if (request("POST", "/api/v1/setup", body, &j) != 201)
        abort();
    json_decref(j);
    int64_t clients[2];
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof body,
                 "{\"name\":\"Client %d\",\"email\":\"c%d@mail.example\",\"time_zone\":\"UTC\"}", i,
                 i);
        if (request("POST", "/api/v1/clients", body, &j) != 201)
            abort();
        clients[i] = json_integer_value(json_object_get(json_object_get(j, "client"), "id"));
        json_decref(j);
    }
    snprintf(body, sizeof body,
             "{\"name\":\"Group\",\"agreement\":\"Kind words.\",\"members\":[%lld,%lld]}",
             (long long)clients[0], (long long)clients[1]);
    if (request("POST", "/api/v1/groups", body, &j) != 201)
        abort();
    int64_t group = json_integer_value(json_object_get(json_object_get(j, "group"), "id"));
    json_decref(j);
    snprintf(body, sizeof body,
             "{\"title\":\"Group\",\"group_id\":%lld,\"starts_at\":\"2027-01-15T08:05:00Z\","
             "\"time_zone\":\"UTC\",\"duration_minutes\":480}",
             (long long)group);
    if (request("POST", "/api/v1/sessions", body, &j) != 201)
        abort();
    json_t *s = json_object_get(j, "session");
    snprintf(host_link, sizeof host_link, "%s",
             token_of(json_string_value(json_object_get(s, "host_url"))));
    for (int i = 0; i < 2; i++)
        snprintf(links[i], sizeof links[i], "%s",
                 token_of(json_string_value(
                     json_object_get(json_array_get(json_object_get(s, "invites"), i), "url"))));
    snprintf(password, sizeof password, "%s",
             json_string_value(json_object_get(json_array_get(json_object_get(s, "occurrences"), 0),
                                               "password")));
    json_decref(j);
    /* the clock stays at 2027-01-15T08:00:00Z, five minutes before the session: its links
     * are open (join_early_minutes) for every run */
}

static void on_send(void *arg, uint64_t conn, const char *text, size_t len)
{
    if (conn == 0 || conn > CONNS || !conns[conn].open)
        abort(); /* sent to a connection that is not open */
    json_t *m = json_loadb(text, len, 0, NULL);
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!json_is_object(m) || !type)
        abort();
    if (getenv("FUZZ_SERVICE_TRACE")) /* to see what a seed reaches */
        fprintf(stderr, "-> %llu %.*s\n", (unsigned long long)conn, (int)(len > 100 ? 100 : len),
                text);
    if (strcmp(type, "joined") == 0)
        snprintf(conns[conn].key, sizeof conns[conn].key, "%s",
                 json_string_value(json_object_get(m, "rejoin_key")));
    if (strcmp(type, "waiting") == 0)
        conns[conn].waiting = 1;
    if (strcmp(type, "admitted") == 0)
        conns[conn].waiting = 0;
    if (conns[conn].waiting &&
        (strcmp(type, "room") == 0 || strcmp(type, "chat") == 0 ||
         strcmp(type, "waiting_list") == 0 || strcmp(type, "subscribe_offer") == 0 ||
         strcmp(type, "locations") == 0))
        abort(); /* the waiting room saw the meeting */
    json_decref(m);
}

static void on_close(void *arg, uint64_t conn)
{
    if (conn == 0 || conn > CONNS)
        abort();
    conns[conn].closed_by_service = 1;
}

static void say(struct live_service *svc, uint64_t conn, uint8_t op, uint8_t arg)
{
    char text[512];
    int target = 1 + arg % 5;
    switch (op % 14) {
    case 0:
        snprintf(text, sizeof text,
                 "{\"type\":\"join\",\"token\":\"%s\",\"password\":\"%s\",\"agree\":true,"
                 "\"name\":\"N%d\"}",
                 links[arg & 1], arg & 2 ? password : "wrong", arg % 7);
        break;
    case 1:
        snprintf(text, sizeof text, "{\"type\":\"join\",\"token\":\"%s\"}", host_link);
        break;
    case 2:
        snprintf(text, sizeof text, "{\"type\":\"preview\",\"token\":\"%s\"}", links[arg & 1]);
        break;
    case 3:
        snprintf(text, sizeof text, "{\"type\":\"rejoin\",\"key\":\"%s\"}",
                 conns[1 + arg % CONNS].key);
        break;
    case 4:
        snprintf(text, sizeof text, "{\"type\":\"admit\",\"participant\":%d}", target);
        break;
    case 5:
        snprintf(text, sizeof text, "{\"type\":\"admit_all\"}");
        break;
    case 6:
        snprintf(text, sizeof text, "{\"type\":\"chat\",\"to\":\"everyone\",\"text\":\"hi\"}");
        break;
    case 7:
        snprintf(text, sizeof text, "{\"type\":\"remove\",\"participant\":%d}", target);
        break;
    case 8:
        snprintf(text, sizeof text, "{\"type\":\"deny\",\"participant\":%d}", target);
        break;
    case 9:
        snprintf(text, sizeof text, "{\"type\":\"%s\"}", arg & 1 ? "leave" : "end");
        break;
    case 10:
        snprintf(text, sizeof text, "{\"type\":\"let_knock\",\"participant\":%d}", target);
        break;
    case 11: /* a connection test: without media workers, check_refused */
        snprintf(text, sizeof text, "{\"type\":\"check\"}");
        break;
    case 12: /* where a client is (a host's is refused; a bad place too) */
        snprintf(text, sizeof text,
                 "{\"type\":\"location\",\"jurisdiction\":\"%s\",\"place\":\"%s\","
                 "\"emergency\":\"%s\"}",
                 arg & 1 ? "US-CA" : "us-nv", arg & 2 ? "home" : arg & 4 ? "not_home" : "x",
                 arg & 8 ? "1 Main St" : "");
        break;
    default:
        snprintf(text, sizeof text, "{\"type\":\"join\",\"session_id\":%d}", arg % 3);
        break;
    }
    live_service_message(svc, conn, text, strlen(text), now_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        rand_init();
        practice();
        ready = 1;
    }
    memset(conns, 0, sizeof conns);
    /* a run may end the meeting or turn people away, which the store keeps: undo it, so
     * every run starts from the same open session */
    if (sqlite3_exec(raw, "DELETE FROM turned_away; UPDATE occurrences SET ended_at = NULL", NULL,
                     NULL, NULL) != SQLITE_OK)
        abort();
    /* each run has its own service: meetings live in memory, the store carries on */
    struct live_service *svc =
        live_service_new(&cfg, store, 0, (struct live_io){on_send, on_close, NULL}, NULL);
    int64_t start = now_ms;
    for (size_t i = 0; i + 3 <= size && i < 3 * 150; i += 3) {
        uint64_t conn = 1 + data[i] % CONNS;
        uint8_t op = data[i + 1], arg = data[i + 2];
        now_ms += arg * 10;
        switch (data[i] / CONNS % 5) {
        case 0:
            if (!conns[conn].open) {
                conns[conn].open = 1;
                conns[conn].closed_by_service = 0;
                conns[conn].waiting = 0;
                live_service_open(svc, conn, arg & 1 ? cookie : NULL, "203.0.113.5", now_ms);
            }
            break;
        case 1:
            if (conns[conn].open) {
                live_service_close(svc, conn, now_ms);
                conns[conn].open = 0;
            }
            break;
        case 2:
            live_service_tick(svc, now_ms);
            break;
        case 3:
            if (conns[conn].open)
                live_service_message(svc, conn, (const char *)data + i, 3, now_ms);
            break;
        default:
            if (conns[conn].open && !conns[conn].closed_by_service)
                say(svc, conn, op, arg);
            break;
        }
    }
    for (uint64_t c = 1; c <= CONNS; c++)
        if (conns[c].open)
            live_service_close(svc, c, now_ms);
    live_service_free(svc);
    now_ms = start; /* the session stays open for every run */
    return 0;
}

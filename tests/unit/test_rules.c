/* Rules written once: the email rule (core/email) and the text limits (core/limits), and
 * that everything which checks an address or a length agrees with them: the composer, the
 * invitation writer, the API, and the web pages' maxlength. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/config.h"
#include "core/email.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "sfu/limits.h"
#include "core/rand.h"
#include "core/seal.h"
#include "mail/compose.h"
#include "mail/ics.h"
#include "store/store.h"
#include "../support/test_db.h"

/* ---- the email rule ---- */

static const struct {
    const char *address;
    enum email_problem want;
} EMAILS[] = {
    {"ada@example.org", EMAIL_OK},
    {"a.b+c@sub.example.co.uk", EMAIL_OK},
    {"ADA@Example.ORG", EMAIL_OK},
    {"o'brien@example.ie", EMAIL_OK},
    {"x_y-z!$&'*+/=^`{|}~@mail-1.example", EMAIL_OK},
    {"no-reply@127.0.0.1", EMAIL_OK}, /* the default smtp_from of a local server */
    {NULL, EMAIL_EMPTY},
    {"", EMAIL_EMPTY},
    {"zoë@example.org", EMAIL_NOT_ASCII},
    {"ada@exämple.org", EMAIL_NOT_ASCII},
    {"ada@xn--exmple-cua.org", EMAIL_OK}, /* the same domain, as DNS spells it */
    {"\xff@example.org", EMAIL_NOT_ASCII},
    {"ada", EMAIL_NO_AT},
    {"ada@@example.org", EMAIL_NO_AT},
    {"ada@example.org, eve@example.org", EMAIL_NO_AT},
    {"@example.org", EMAIL_LOCAL_PART},
    {".ada@example.org", EMAIL_LOCAL_PART},
    {"ada.@example.org", EMAIL_LOCAL_PART},
    {"ada..l@example.org", EMAIL_LOCAL_PART},
    {"ada @example.org", EMAIL_LOCAL_PART},
    {"a b@example.org", EMAIL_LOCAL_PART},
    {"\"ada\"@example.org", EMAIL_LOCAL_PART},
    {"ada\r\nBcc: x@example.org", EMAIL_LOCAL_PART},
    {"ada\n@example.org", EMAIL_LOCAL_PART},
    {"ada%x@example.org", EMAIL_LOCAL_PART}, /* would need escaping in mailto: */
    {"ada#x@example.org", EMAIL_LOCAL_PART},
    {"ada?x@example.org", EMAIL_LOCAL_PART},
    {"<ada@example.org>", EMAIL_LOCAL_PART},
    {"Ada <ada@example.org>", EMAIL_LOCAL_PART},
    {"ada@", EMAIL_DOMAIN},
    {"ada@example", EMAIL_DOMAIN},
    {"ada@example.", EMAIL_DOMAIN},
    {"ada@.example.org", EMAIL_DOMAIN},
    {"ada@example..org", EMAIL_DOMAIN},
    {"ada@-example.org", EMAIL_DOMAIN},
    {"ada@example-.org", EMAIL_DOMAIN},
    {"ada@exa_mple.org", EMAIL_DOMAIN},
    {"ada@[192.0.2.1]", EMAIL_DOMAIN},
    {"ada@example.org?subject=x", EMAIL_DOMAIN},
    {"ada@example.org>", EMAIL_DOMAIN},
    {"ada@example.org ", EMAIL_DOMAIN},
};

/* an address of n characters: a local part of `local`, the rest a dotted domain */
static char *address_of(size_t local, size_t n, size_t label)
{
    char *s = malloc(n + 1);
    memset(s, 'a', local);
    s[local] = '@';
    for (size_t i = local + 1; i < n; i++)
        s[i] = (i - local) % (label + 1) == 0 ? '.' : 'b';
    s[n - 1] = 'c';
    s[n] = '\0';
    return s;
}

static void email_check_table(void **state)
{
    for (size_t i = 0; i < sizeof EMAILS / sizeof EMAILS[0]; i++) {
        enum email_problem got = email_check(EMAILS[i].address);
        if (got != EMAILS[i].want)
            fail_msg("email_check(\"%s\") = %d, want %d",
                     EMAILS[i].address ? EMAILS[i].address : "(null)", got, EMAILS[i].want);
        const char *m = email_problem_message(got);
        assert_true(got == EMAIL_OK ? *m == '\0' : strstr(m, "valid email address") != NULL);
    }
    assert_non_null(strstr(email_problem_message(EMAIL_NOT_ASCII), "ASCII"));

    char *s = address_of(64, LIMIT_EMAIL, 60);
    assert_int_equal(email_check(s), EMAIL_OK);
    free(s);
    s = address_of(64, LIMIT_EMAIL + 1, 60);
    assert_int_equal(email_check(s), EMAIL_TOO_LONG);
    free(s);
    s = address_of(65, 80, 10);
    assert_int_equal(email_check(s), EMAIL_TOO_LONG);
    free(s);
    s = address_of(10, 80, 63);
    assert_int_equal(email_check(s), EMAIL_OK);
    free(s);
    s = address_of(10, 80, 64);
    assert_int_equal(email_check(s), EMAIL_DOMAIN);
    free(s);
}

static void email_normalise_lowers_and_trims(void **state)
{
    struct buf b = {0};
    email_normalise("  Ada.Byron@Example.ORG\t\n", &b);
    assert_string_equal(b.data, "ada.byron@example.org");
    assert_int_equal(b.len, strlen("ada.byron@example.org"));
    email_normalise("", &b);
    assert_string_equal(b.data, "");
    assert_int_equal(b.len, 0);
    email_normalise("ZOË@x.example", &b); /* only ASCII letters change */
    assert_string_equal(b.data, "zoË@x.example");
    buf_free(&b);
}

/* The composer and the invitation writer take exactly the addresses the rule takes: what
 * the API accepted can always be sent. */
static void mail_agrees_with_the_rule(void **state)
{
    static const char ics[] = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    const struct mail_attachment cal = {
        .content_type = "text/calendar; charset=utf-8; method=REQUEST",
        .data = ics,
        .len = sizeof ics - 1,
    };
    for (size_t i = 0; i < sizeof EMAILS / sizeof EMAILS[0]; i++) {
        const char *a = EMAILS[i].address;
        int ok = EMAILS[i].want == EMAIL_OK;
        struct mail_message m = {
            .from_email = "no-reply@care.example",
            .to_name = "Ada",
            .to_email = a,
            .subject = "Your appointment",
            .message_id = "k3j4abc@care.example",
            .date_utc = 1800000000000LL,
            .text = "Hello\n",
            .calendar = &cal,
        };
        struct buf b = {0};
        if ((mail_compose(&m, &b) == 0) != ok)
            fail_msg("mail_compose and email_check disagree on \"%s\"", a ? a : "(null)");
        m.to_email = "ada@example.org";
        m.from_email = a;
        if ((mail_compose(&m, &b) == 0) != ok)
            fail_msg("mail_compose (from) and email_check disagree on \"%s\"", a ? a : "(null)");

        struct ics_event ev = {
            .uid = "7f3a9c41e2@confide",
            .dtstamp_utc = 1800000000000LL,
            .tz = "Europe/Berlin",
            .start_utc = 1800000000000LL,
            .end_utc = 1800003000000LL,
            .organizer_email = "no-reply@care.example",
            .attendee_email = a,
        };
        if ((ics_build(&ev, ICS_REQUEST, &b) == 0) != ok)
            fail_msg("ics_build and email_check disagree on \"%s\"", a ? a : "(null)");
        ev.attendee_email = "ada@example.org";
        ev.organizer_email = a;
        if ((ics_build(&ev, ICS_REQUEST, &b) == 0) != ok)
            fail_msg("ics_build (organizer) and email_check disagree on \"%s\"", a ? a : "(null)");
        buf_free(&b);
    }
}

/* ---- text lengths ---- */

/* n copies of a character of `bytes` bytes */
static char *text_of(size_t n, const char *ch)
{
    size_t w = strlen(ch);
    char *s = malloc(n * w + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * w, ch, w);
    s[n * w] = '\0';
    return s;
}

static void text_length_counts_characters(void **state)
{
    assert_true(text_length_ok("Zoë", 3, 3));
    assert_false(text_length_ok("Zoë", 4, 10));
    assert_true(text_length_ok("", 0, 0));
    assert_false(text_length_ok("", 1, 10));
    assert_false(text_length_ok(NULL, 0, 10));
    assert_false(text_length_ok("bad \xff", 0, 10)); /* not UTF-8 */
    assert_false(text_length_ok("\xc0\xaf", 0, 10)); /* overlong */
    const char *chars[] = {"a", "ë", "€", "😀"};
    for (size_t i = 0; i < 4; i++) {
        char *s = text_of(LIMIT_CHAT, chars[i]);
        assert_true(text_length_ok(s, 1, LIMIT_CHAT));
        free(s);
        s = text_of(LIMIT_CHAT + 1, chars[i]);
        assert_false(text_length_ok(s, 1, LIMIT_CHAT));
        free(s);
    }
}

/* Every maxlength in the pages in web/, and the constant it must equal. */
static const struct {
    const char *file, *id;
    long limit;
} FIELDS[] = {
    {"dashboard.html", "schedule-title-input", LIMIT_TITLE},
    {"dashboard.html", "enrol-code", LIMIT_MFA_CODE},
    {"index.html", "enrol-code", LIMIT_MFA_CODE},
    {"index.html", "mfa-code", LIMIT_MFA_CODE},
    {"dashboard.html", "poll-title-input", LIMIT_TITLE},
    {"dashboard.html", "group-name", LIMIT_NAME},
    {"dashboard.html", "group-agreement", LIMIT_AGREEMENT},
    {"dashboard.html", "client-name", LIMIT_NAME},
    {"dashboard.html", "client-email", LIMIT_EMAIL},
    {"dashboard.html", "client-phone", LIMIT_PHONE},
    {"dashboard.html", "mfa-renew-code", LIMIT_MFA_CODE},
    {"dashboard.html", "mfa-off-code", LIMIT_MFA_CODE},
    {"dashboard.html", "team-name", LIMIT_NAME},
    {"dashboard.html", "team-email", LIMIT_EMAIL},
    {"index.html", "email", LIMIT_EMAIL},
    {"join.html", "join-name", LIMIT_DISPLAY_NAME},
    {"join.html", "waiting-message-text", LIMIT_WAITING_MESSAGE},
    {"join.html", "chat-text", LIMIT_CHAT},
    {"setup.html", "name", LIMIT_NAME},
    {"setup.html", "email", LIMIT_EMAIL},
    {"admin.html", "roster-filter", LIMIT_NAME},
    {"admin.html", "emergency-reason", LIMIT_REASON},
    {"messages.html", "reply-text", LIMIT_MESSAGE},
    {"messages.html", "new-link-email", LIMIT_EMAIL},
    {"interest.html", "name", LIMIT_NAME},
    {"interest.html", "email", LIMIT_EMAIL},
    {"interest.html", "phone", LIMIT_PHONE},
    {"interest.html", "times-note", LIMIT_INTAKE_TIMES},
};
#define NFIELDS (sizeof FIELDS / sizeof FIELDS[0])

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return b.data;
}

/* the value of attr="…" inside the tag [tag, end), or "" */
static void attribute(const char *tag, const char *end, const char *attr, char *out, size_t size)
{
    char pat[64];
    snprintf(pat, sizeof pat, " %s=\"", attr);
    out[0] = '\0';
    for (const char *p = tag; p < end; p++) {
        if (isspace((unsigned char)*p) && strncmp(p + 1, pat + 1, strlen(pat) - 1) == 0) {
            const char *v = p + strlen(pat);
            size_t n = strcspn(v, "\"");
            snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), v);
            return;
        }
    }
}

/* Display names: what others see of a name someone typed. */
static void display_names_hide_nothing(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Ana", "Ana"},
        {"  Ana   Lopez \t", "Ana Lopez"},
        {"Ana\nLopez", "Ana Lopez"},
        {"\xe2\x80\xae"
         "ecnerolF",
         "ecnerolF"}, /* U+202E right-to-left override */
        {"Ana\xe2\x81\xa6"
         "x\xe2\x81\xa9",
         "Anax"},                   /* U+2066 isolate, U+2069 pop */
        {"A\xe2\x80\x8bna", "Ana"}, /* zero-width space */
        {"\xef\xbb\xbf"
         "Bo",
         "Bo"},                                                 /* BOM */
        {"Bo\x7f\xc2\x85", "Bo"},                               /* DEL, C1 NEL */
        {"Zo\xc3\xab \xe6\x9d\x8e", "Zo\xc3\xab \xe6\x9d\x8e"}, /* letters stay */
        {"\xe2\x80\x8f\xe2\x80\x8e", ""},                       /* nothing visible */
        {"Ana\xc2\xa0\xc2\xa0Lopez", "Ana Lopez"},              /* no-break spaces */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        assert_int_equal(utf8_clean_name(cases[i].in, out, sizeof out), strlen(cases[i].out));
        assert_string_equal(out, cases[i].out);
    }
    /* a short buffer ends between characters, never inside one */
    char small[4];
    assert_int_equal(utf8_clean_name("\xc3\xab\xc3\xab", small, sizeof small), 2);
    assert_string_equal(small, "\xc3\xab");
    assert_true(utf8_same_name(" dr  LEE", "Dr Lee"));
    assert_true(utf8_same_name("Dr\xe2\x80\x8b Lee", "dr lee"));
    assert_false(utf8_same_name("Dr Lee", "Dr Leo"));
}

static void web_maxlength_matches_the_limits(void **state)
{
    const char *dir = getenv("CONFIDE_WEB_DIR");
    if (!dir)
        dir = CONFIDE_WEB_DIR;
    int seen[NFIELDS] = {0};
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 5, ".html") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *html = read_all(path);
        assert_non_null(html);
        files++;
        for (const char *p = html; (p = strchr(p, '<')); p++) {
            if (strncmp(p, "<input", 6) != 0 && strncmp(p, "<textarea", 9) != 0)
                continue;
            const char *end = strchr(p, '>');
            assert_non_null(end);
            char id[128], max[32];
            attribute(p, end, "maxlength", max, sizeof max);
            if (!max[0])
                continue;
            attribute(p, end, "id", id, sizeof id);
            size_t i = 0;
            while (i < NFIELDS &&
                   (strcmp(FIELDS[i].file, de->d_name) != 0 || strcmp(FIELDS[i].id, id) != 0))
                i++;
            if (i == NFIELDS)
                fail_msg("%s: #%s has maxlength %s but no limit in core/limits.h is named for it "
                         "(add it to FIELDS here)",
                         de->d_name, id, max);
            if (strtol(max, NULL, 10) != FIELDS[i].limit)
                fail_msg("%s: #%s has maxlength %s, core/limits.h says %ld", de->d_name, id, max,
                         FIELDS[i].limit);
            seen[i] = 1;
        }
        free(html);
    }
    closedir(d);
    assert_true(files > 0);
    for (size_t i = 0; i < NFIELDS; i++)
        if (!seen[i])
            fail_msg("%s: #%s has no maxlength (want %ld)", FIELDS[i].file, FIELDS[i].id,
                     FIELDS[i].limit);
}

/* The group form's capacity field allows what a meeting can hold (sfu/limits.h). */
static void web_group_capacity_matches_the_meeting(void **state)
{
    const char *dir = getenv("CONFIDE_WEB_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/dashboard.html", dir ? dir : CONFIDE_WEB_DIR);
    char *html = read_all(path);
    assert_non_null(html);
    const char *tag = strstr(html, "id=\"group-capacity\"");
    assert_non_null(tag);
    while (tag > html && *tag != '<')
        tag--;
    const char *end = strchr(tag, '>');
    char max[32];
    attribute(tag, end, "max", max, sizeof max);
    assert_int_equal(strtol(max, NULL, 10), GROUP_MAX_CAPACITY);
    char hint[64];
    snprintf(hint, sizeof hint, "2 to %d.", GROUP_MAX_CAPACITY);
    assert_non_null(strstr(html, hint));
    free(html);
}

/* ---- the API applies both ---- */

#define PW "a long and quiet passphrase"

struct env {
    struct test_db db; /* SQLite in dir, or PostgreSQL (unit_rules_pg) */
    char dir[64];
    struct config cfg;
    struct seal *seal;
    struct store *store;
    struct api_ctx api;
    char cookie[128];
    struct api_response resp;
    json_t *json;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);
    strcpy(e->dir, "/tmp/confide-rules-XXXXXX");
    if (!mkdtemp(e->dir))
        return -1;
    config_defaults(&e->cfg);
    struct buf err = {0};
    if (config_finish(&e->cfg, &err) < 0)
        return -1;
    uint8_t key[32] = {5};
    e->seal = seal_new_from_key(key);
    if (test_db_create(&e->db, e->dir, "confide.db") < 0)
        return -1;
    int applied, version;
    if (store_open(e->db.url, e->seal, &e->store) < 0 ||
        store_migrate(e->store, &applied, &version) < 0)
        return -1;
    api_ctx_init(&e->api, &e->cfg, e->store, 0);
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
    test_db_drop(&e->db);
    seal_free(e->seal);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    if (system(cmd) != 0)
        return -1;
    free(e);
    return 0;
}

static int send(struct env *e, const char *method, const char *path, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct api_request req = {
        .id = 1,
        .now = 1800000000000LL,
        .method = method,
        .path = path,
        .content_type = text ? "application/json" : NULL,
        .cookie = e->cookie[0] ? e->cookie : NULL,
        .peer = "127.0.0.1",
        .body = text,
        .body_len = text ? strlen(text) : 0,
    };
    json_decref(e->json);
    api_response_free(&e->resp);
    memset(&e->resp, 0, sizeof e->resp);
    api_handle(&e->api, &req, &e->resp);
    free(text);
    e->json = e->resp.body.data ? json_loads(e->resp.body.data, 0, NULL) : NULL;
    for (int i = 0; i < e->resp.header_count; i++) {
        const char *v = e->resp.headers[i].value;
        size_t n = strcspn(v, ";");
        if (strcmp(e->resp.headers[i].name, "set-cookie:") == 0 && v[n - 1] != '=')
            snprintf(e->cookie, sizeof e->cookie, "%.*s", (int)n, v);
    }
    return e->resp.status;
}

static const char *error_field(struct env *e, const char *key)
{
    return json_string_value(json_object_get(json_object_get(e->json, "error"), key));
}

static void api_refuses_what_cannot_be_sent(void **state)
{
    struct env *e = *state;
    const char *token = e->api.setup_token;
    assert_int_equal(send(e, "POST", "/api/v1/setup",
                          json_pack("{s:s,s:s,s:s,s:s}", "setup_token", token, "name", "Zoë",
                                    "email", "zoë@example.org", "password", PW)),
                     400);
    assert_string_equal(error_field(e, "code"), "invalid_email");
    assert_string_equal(error_field(e, "field"), "email");
    assert_non_null(strstr(error_field(e, "message"), "ASCII"));

    /* a name of LIMIT_NAME characters of two bytes each is within the limit */
    char *name = text_of(LIMIT_NAME, "ë");
    assert_int_equal(send(e, "POST", "/api/v1/setup",
                          json_pack("{s:s,s:s,s:s,s:s}", "setup_token", token, "name", name,
                                    "email", "zoe@example.org", "password", PW)),
                     201);
    free(name);

    for (size_t i = 0; i < sizeof EMAILS / sizeof EMAILS[0]; i++) {
        json_t *body = EMAILS[i].address ? json_pack("{s:s,s:s,s:s}", "name", "Client", "email",
                                                     EMAILS[i].address, "time_zone", "UTC")
                                         : NULL;
        if (!body) /* not UTF-8: not JSON either */
            continue;
        int status = send(e, "POST", "/api/v1/clients", body);
        if (EMAILS[i].want == EMAIL_OK) {
            if (status != 201)
                fail_msg("POST /clients with \"%s\": %d", EMAILS[i].address, status);
        } else {
            if (status != 400 || strcmp(error_field(e, "code"), "invalid_email") != 0)
                fail_msg("POST /clients with \"%s\": %d %s", EMAILS[i].address, status,
                         error_field(e, "code"));
            assert_string_equal(error_field(e, "message"), email_problem_message(EMAILS[i].want));
        }
    }

    const char *chars[] = {"a", "ë", "😀"};
    for (size_t i = 0; i < 3; i++) {
        char *s = text_of(LIMIT_NAME, chars[i]);
        assert_int_equal(send(e, "POST", "/api/v1/clients",
                              json_pack("{s:s,s:s,s:s}", "name", s, "email", "c@example.org",
                                        "time_zone", "UTC")),
                         201);
        free(s);
        s = text_of(LIMIT_NAME + 1, chars[i]);
        assert_int_equal(send(e, "POST", "/api/v1/clients",
                              json_pack("{s:s,s:s,s:s}", "name", s, "email", "c@example.org",
                                        "time_zone", "UTC")),
                         400);
        assert_string_equal(error_field(e, "field"), "name");
        free(s);
    }
}

int main(void)
{
    rand_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(email_check_table),
        cmocka_unit_test(email_normalise_lowers_and_trims),
        cmocka_unit_test(mail_agrees_with_the_rule),
        cmocka_unit_test(text_length_counts_characters),
        cmocka_unit_test(display_names_hide_nothing),
        cmocka_unit_test(web_maxlength_matches_the_limits),
        cmocka_unit_test(web_group_capacity_matches_the_meeting),
        cmocka_unit_test_setup_teardown(api_refuses_what_cannot_be_sent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

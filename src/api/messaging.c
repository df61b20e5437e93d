/* Secure messaging: a practitioner's thread with each client and announcements to a
 * group's members (practitioner side, signed in), and the client's side under
 * /api/v1/inbox, reached through a one-time link that signs one device in with a cookie
 * of its own (practice/notify.h has the lifetimes). Every read and change is audited;
 * no message text reaches a log line. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "auth/links.h"
#include "auth/login.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/email.h"
#include "core/limits.h"
#include "practice/checkin_record.h"
#include "practice/notify.h"

/* The client's device sign-in: its own cookie, never the practitioner's. */
static const char *inbox_cookie_name(int https)
{
    return https ? "__Host-confide_inbox" : "confide_inbox";
}

static void inbox_cookie(struct api_call *call, const char *token, int64_t max_age_s)
{
    struct buf cookie = {0};
    buf_printf(&cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
               inbox_cookie_name(call->ctx->https), token ? token : "",
               token ? (long long)max_age_s : 0LL, call->ctx->https ? "; Secure" : "");
    api_add_header(call->resp, "set-cookie:", "%s", cookie.data);
    sodium_memzero(cookie.data, cookie.len);
    buf_free(&cookie);
}

static void time_json(json_t *o, const char *key, int64_t ms)
{
    char text[32];
    if (!ms) {
        json_object_set_new(o, key, json_null());
        return;
    }
    clock_format_rfc3339(ms, text);
    json_object_set_new(o, key, json_string(text));
}

/* One message as the practitioner sees it. */
static json_t *message_json(const struct store_message *m)
{
    json_t *o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)m->id, "from",
                          m->author_user_id ? "practitioner" : "client", "body", m->body);
    if (m->author_user_id)
        json_object_set_new(o, "author_user_id", json_integer(m->author_user_id));
    time_json(o, "created_at", m->created_at);
    time_json(o, "read_at", m->read_at);
    return o;
}

/* The message's text: 1 to LIMIT_MESSAGE characters, not only spaces. */
static int read_body(struct api_call *call, const char **body)
{
    if (api_field_string(call, "body", 1, LIMIT_MESSAGE, body, NULL) == 0 &&
        strspn(*body, " \t\r\n") == strlen(*body))
        api_field_error(call, "invalid_field", "body", "Write your message (up to " LIMIT_TEXT(
                                                           LIMIT_MESSAGE) " characters).");
    return api_fields_failed(call) ? -1 : 0;
}

/* ---- the practitioner's side ---- */

void client_messages_list(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    struct store *s = call->ctx->store;
    struct store_message *msgs;
    size_t n;
    int64_t devices = 0;
    /* read before they are marked: the client's messages this answer is the first to show
     * come with read_at null, so the page can say which are new */
    int rc = store_message_thread(s, &call->arena, c.id, &msgs, &n);
    if (rc == 0)
        rc = store_message_mark_read(s, c.id, 0, call->req->now);
    if (rc == 0)
        rc = store_inbox_signin_count(s, c.id, call->req->now, &devices);
    if (rc == 0)
        rc = api_audit(call, "message.list", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, message_json(&msgs[i]));
    api_json(call, 200,
             json_pack("{s:o,s:I,s:b}", "messages", list, "signed_in_devices", (json_int_t)devices,
                       "sms", call->ctx->cfg->sms_webhook_url[0] && c.phone && c.phone[0]));
}

void client_messages_send(struct api_call *call)
{
    struct store_client c;
    const char *body;
    if (api_load_client(call, call->params[0], &c) < 0 || read_body(call, &body) < 0)
        return;
    struct store *s = call->ctx->store;
    struct store_message m = {.client_id = c.id,
                              .author_user_id = call->user.id,
                              .body = (char *)body,
                              .created_at = call->req->now};
    int rc = store_message_insert(s, &m, &m.id);
    int queued = rc < 0 ? rc
                        : notify_client(s, &call->arena, call->ctx->cfg, &c, NOTIFY_NEW_MESSAGE,
                                        call->req->now);
    rc = queued < 0 ? queued : api_audit(call, "message.send", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    call->ctx->mail_queued = 1; /* the mail thread wakes once this commits */
    api_json(call, 201, json_pack("{s:o}", "message", message_json(&m)));
}

/* Ends every device sign-in of the client and every link not yet used. */
void client_inbox_end(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    int64_t ended = 0;
    int rc = store_inbox_end(call->ctx->store, c.id, &ended);
    if (rc == 0)
        rc = api_audit(call, "inbox.signins_ended", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    api_json(call, 200, json_pack("{s:I}", "ended", (json_int_t)ended));
}

void group_announcements_list(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 0, &g) < 0)
        return;
    struct store_message *msgs;
    size_t n, nmembers;
    int64_t *members;
    int rc = store_message_announcements(call->ctx->store, &call->arena, g.id, &msgs, &n);
    if (rc == 0)
        rc = store_group_members(call->ctx->store, &call->arena, g.id, &members, &nmembers);
    if (rc == 0)
        rc = api_audit(call, "announcement.list", g.id);
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = message_json(&msgs[i]);
        json_object_del(o, "read_at");
        json_object_set_new(o, "reads", json_integer(msgs[i].reads));
        json_array_append_new(list, o);
    }
    api_json(call, 200, json_pack("{s:o,s:I}", "announcements", list, "members",
                                  (json_int_t)nmembers));
}

void group_announcements_send(struct api_call *call)
{
    struct store_group g;
    const char *body;
    if (api_load_group(call, call->params[0], 1, &g) < 0 || read_body(call, &body) < 0)
        return;
    struct store *s = call->ctx->store;
    struct store_message m = {.group_id = g.id,
                              .author_user_id = call->user.id,
                              .body = (char *)body,
                              .created_at = call->req->now};
    int64_t *members;
    size_t n = 0;
    int rc = store_message_insert(s, &m, &m.id);
    if (rc == 0)
        rc = store_group_members(s, &call->arena, g.id, &members, &n);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        struct store_client c;
        rc = store_client_get(s, &call->arena, members[i], &c);
        if (rc == 0)
            rc = notify_client(s, &call->arena, call->ctx->cfg, &c, NOTIFY_NEW_MESSAGE,
                               call->req->now);
    }
    if (rc >= 0)
        rc = api_audit(call, "announcement.send", g.id);
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    call->ctx->mail_queued = 1;
    json_t *o = message_json(&m);
    json_object_del(o, "read_at");
    json_object_set_new(o, "reads", json_integer(0));
    api_json(call, 201, json_pack("{s:o}", "announcement", o));
}

/* How many messages of each of the practitioner's clients wait to be read. */
void messages_unread(struct api_call *call)
{
    struct store_unread *u;
    size_t n;
    if (store_message_unread(call->ctx->store, &call->arena, call->user.id, &u, &n) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    json_t *list = json_array();
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(list, json_pack("{s:I,s:I}", "client_id", (json_int_t)u[i].client_id,
                                              "count", (json_int_t)u[i].count));
        total += u[i].count;
    }
    api_json(call, 200, json_pack("{s:o,s:I}", "clients", list, "total", (json_int_t)total));
}

void availability_get(struct api_call *call)
{
    char *note;
    if (store_availability_get(call->ctx->store, &call->arena, call->user.id, &note) < 0) {
        api_store_error(call, -EIO, "note");
        return;
    }
    api_json(call, 200, json_pack("{s:s?}", "note", note));
}

void availability_set(struct api_call *call)
{
    const char *note;
    if (api_field_optional_string(call, "note", 0, LIMIT_AVAILABILITY, &note) < 0 ||
        api_fields_failed(call))
        return;
    int rc = store_availability_set(call->ctx->store, call->user.id, note, call->req->now);
    if (rc == 0)
        rc = api_audit(call, "availability.update", call->user.id);
    if (rc < 0) {
        api_store_error(call, rc, "note");
        return;
    }
    api_json(call, 200, json_pack("{s:s?}", "note", note && note[0] ? note : NULL));
}

/* ---- the client's side ---- */

/* The client this device is signed in as: 0, 1 when it is signed in as nobody (nothing
 * answered), -1 when answered (503). */
static int inbox_find(struct api_call *call, struct store_client *c, uint8_t hash[32])
{
    const char *token = NULL;
    const char *cookie = call->req->cookie;
    int len = cookie ? cookie_find(cookie, inbox_cookie_name(call->ctx->https), &token) : -1;
    int64_t client_id = 0;
    int rc = -ENOENT;
    if (len > 0) {
        login_token_hash(token, (size_t)len, hash);
        rc = store_inbox_signin_get(call->ctx->store, hash, call->req->now, &client_id);
        if (rc == 0)
            rc = store_client_get(call->ctx->store, &call->arena, client_id, c);
    }
    if (rc == -ENOENT)
        return 1;
    return rc < 0 ? api_store_error(call, rc, "client") : 0;
}

/* The client this device is signed in as: 0, or -1 when answered (401, 503). */
static int inbox_client(struct api_call *call, struct store_client *c, uint8_t hash[32])
{
    int rc = inbox_find(call, c, hash);
    if (rc == 1)
        api_error(call, 401, "not_signed_in",
                  "This device is not signed in to your messages. Open the link from your latest "
                  "email, or ask for a new one.");
    return rc == 0 ? 0 : -1;
}

void inbox_redeem(struct api_call *call)
{
    /* a wrong link counts as a guess against the address, as for every public link */
    char key[THROTTLE_KEY_MAX];
    uint8_t hash[32];
    if (api_link_token(call, "inbox-link", hash, key) < 0)
        return;
    struct store *s = call->ctx->store;
    int64_t client_id = 0, expires_at = 0, used_at = 0;
    int rc = store_inbox_link_get(s, hash, &client_id, &expires_at, &used_at);
    if (rc < 0 && rc != -ENOENT) {
        api_store_error(call, rc, "link");
        return;
    }
    /* unknown, used and expired read the same: the link says nothing about anyone */
    if (rc == -ENOENT || notify_link_state(expires_at, used_at, call->req->now) != NOTIFY_LINK_OK) {
        throttle_failure(call->ctx->address_throttle, key, call->req->now);
        api_error(call, 410, "link_not_valid",
                  "This link has been used already or has run out. Ask for a new one below.");
        return;
    }
    char device[LOGIN_TOKEN_CHARS + 1];
    uint8_t device_hash[32];
    login_token_new(device);
    login_token_hash(device, LOGIN_TOKEN_CHARS, device_hash);
    rc = store_inbox_link_use(s, hash, call->req->now);
    if (rc == 0)
        rc = store_inbox_signin_insert(s, device_hash, client_id, call->req->now,
                                       call->req->now + NOTIFY_SIGNIN_MS);
    if (rc == 0)
        rc = api_audit_as(call, 0, "inbox.sign_in", client_id, NULL);
    if (rc < 0) {
        sodium_memzero(device, sizeof device);
        api_store_error(call, rc == -ENOENT ? -EIO : rc, "link");
        return;
    }
    inbox_cookie(call, device, NOTIFY_SIGNIN_MS / 1000);
    sodium_memzero(device, sizeof device);
    api_json(call, 200, json_pack("{s:b}", "signed_in", 1));
}

/* ---- the client's check-ins from here (practice/checkin_record.h) ---- */

static json_t *measure_list(unsigned set)
{
    json_t *list = json_array();
    for (int k = 0; k < MEASURE_KINDS; k++)
        if (set & (1u << k))
            json_array_append_new(list, json_string(measure_name((enum measure_kind)k)));
    return list;
}

/* What is due for the client's next session: null when nothing (or no session close). */
static int checkins_json(struct api_call *call, int64_t client_id, json_t **out)
{
    struct store_next_occurrence occ;
    unsigned due = 0;
    *out = json_null();
    int rc = checkins_next(call->ctx->store, &call->arena, client_id, call->req->now, &occ, &due);
    if (rc == -ENOENT || (rc == 0 && !due))
        return 0;
    if (rc < 0)
        return rc;
    json_decref(*out);
    *out = json_pack("{s:o,s:s,s:b}", "measures", measure_list(due), "notice", MEASURES_NOTICE,
                     "group", occ.group_id != 0);
    time_json(*out, "starts_at", occ.starts_at);
    return 0;
}

/* Signed in: the thread, the group announcements, the availability note and the crisis
 * resources. Signed in as nobody: only what the page shows to ask for a new link. */
void inbox_get(struct api_call *call)
{
    struct store_client c;
    uint8_t hash[32];
    int found = inbox_find(call, &c, hash);
    if (found < 0)
        return;
    if (found == 1) {
        api_json(call, 200,
                 json_pack("{s:b,s:s,s:s}", "signed_in", 0, "practice_name",
                           call->ctx->cfg->practice_name, "crisis_resources",
                           call->ctx->cfg->crisis_resources));
        return;
    }
    struct store *s = call->ctx->store;
    struct store_message *msgs = NULL, *ann = NULL;
    size_t n = 0, nann = 0;
    char *note = NULL;
    struct store_user therapist;
    int rc = store_message_thread(s, &call->arena, c.id, &msgs, &n);
    if (rc == 0)
        rc = store_message_announcements_for(s, &call->arena, c.id, &ann, &nann);
    if (rc == 0)
        rc = store_availability_get(s, &call->arena, c.therapist_id, &note);
    if (rc == 0)
        rc = store_user_by_id(s, &call->arena, c.therapist_id, &therapist);
    if (rc == 0) /* what this answer shows is read now; first reads only */
        rc = store_message_mark_read(s, c.id, 1, call->req->now);
    json_t *checkins = NULL;
    if (rc == 0)
        rc = checkins_json(call, c.id, &checkins);
    if (rc == 0)
        rc = api_audit_as(call, 0, "inbox.read", c.id, NULL);
    if (rc < 0) {
        json_decref(checkins);
        api_store_error(call, rc, "client");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)msgs[i].id, "from",
                              msgs[i].author_user_id ? "practitioner" : "client", "body",
                              msgs[i].body);
        time_json(o, "created_at", msgs[i].created_at);
        json_array_append_new(list, o);
    }
    json_t *announcements = json_array();
    for (size_t i = 0; i < nann; i++) {
        struct store_group g;
        const char *group = store_group_get(s, &call->arena, ann[i].group_id, &g) == 0
                                ? g.name
                                : "";
        json_t *o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)ann[i].id, "group", group, "body",
                              ann[i].body);
        time_json(o, "created_at", ann[i].created_at);
        json_array_append_new(announcements, o);
    }
    api_json(call, 200,
             json_pack("{s:b,s:s,s:{s:s},s:s,s:s?,s:s,s:o,s:o,s:o}", "signed_in", 1,
                       "practice_name", call->ctx->cfg->practice_name, "client", "name", c.name,
                       "practitioner", therapist.name, "availability", note, "crisis_resources",
                       call->ctx->cfg->crisis_resources, "messages", list, "announcements",
                       announcements, "checkins", checkins));
}

/* {"measure":"phq9","answers":[0,1,...],"word":"calm"}: the answers to one measure, checked
 * and scored; -1 when a field was wrong (recorded, not yet answered). */
static int read_checkin(struct api_call *call, enum measure_kind *kind, int *answers, size_t *n,
                        struct measure_result *result, const char **word)
{
    const char *name = NULL;
    *n = 0;
    *word = NULL;
    int k = -1;
    if (api_field_string(call, "measure", 1, 8, &name, NULL) == 0 &&
        (k = measure_from_name(name)) < 0)
        api_field_error(call, "invalid_field", "measure",
                        "The measure is one of \"phq9\", \"gad7\" and \"mood\".");
    const json_t *list = json_object_get(call->body, "answers");
    if (!list) {
        api_field_missing(call, "answers");
    } else if (k >= 0) {
        size_t count = json_array_size(list);
        int fits = json_is_array(list) && count == measure_items((enum measure_kind)k);
        for (size_t i = 0; fits && i < count; i++) {
            const json_t *v = json_array_get(list, i);
            fits = json_is_integer(v) && json_integer_value(v) >= 0 &&
                   json_integer_value(v) <= measure_item_max((enum measure_kind)k);
            if (fits)
                answers[i] = (int)json_integer_value(v);
        }
        if (!fits || measure_score((enum measure_kind)k, answers, count, result) < 0)
            api_field_error(call, "invalid_field", "answers", "Please answer every question.");
        else
            *n = count;
    }
    if (api_field_optional_string(call, "word", 0, LIMIT_MOOD_WORD, word) == 0 && *word && k >= 0 &&
        k != MEASURE_MOOD)
        api_field_error(call, "invalid_field", "word", "Only the mood check-in takes a word.");
    if (api_fields_failed(call))
        return -1;
    *kind = (enum measure_kind)k;
    if (*word && !**word)
        *word = NULL;
    return 0;
}

/* The client answers one measure due for their next session (checkins_next): kept as the
 * waiting room keeps it, so the meeting does not ask it again. */
void inbox_checkin(struct api_call *call)
{
    struct store_client c;
    uint8_t hash[32];
    enum measure_kind kind;
    int answers[MEASURES_MAX_ITEMS];
    size_t n;
    struct measure_result result;
    const char *word;
    if (read_checkin(call, &kind, answers, &n, &result, &word) < 0 ||
        inbox_client(call, &c, hash) < 0)
        return;
    struct store *s = call->ctx->store;
    struct store_next_occurrence occ;
    unsigned due = 0;
    int rc = checkins_next(s, &call->arena, c.id, call->req->now, &occ, &due);
    if (rc == -ENOENT || (rc == 0 && !(due & (1u << kind)))) {
        api_error(call, 409, "not_asked",
                  "That check-in is not asked of you now, or you have answered it already.");
        return;
    }
    struct checkin_record row = {.client_id = c.id,
                                 .occurrence_id = occ.occurrence_id,
                                 .therapist_id = occ.therapist_id,
                                 .measure = kind,
                                 .answers = answers,
                                 .answer_count = n,
                                 .word = word,
                                 .result = result,
                                 .at = call->req->now,
                                 .source =
                                     call->req->peer && *call->req->peer ? call->req->peer : NULL};
    int64_t id = 0, alert = 0;
    if (rc == 0)
        rc = checkin_record(s, &row, &id, &alert);
    if (rc == -EEXIST) { /* answered in the waiting room a moment ago */
        api_error(call, 409, "not_asked", "You have answered that check-in already.");
        return;
    }
    if (rc < 0) {
        api_store_error(call, rc, "check-in");
        return;
    }
    api_json(call, 201,
             json_pack("{s:s,s:o}", "measure", measure_name(kind), "remaining",
                       measure_list(due & ~(1u << kind))));
}

void inbox_reply(struct api_call *call)
{
    struct store_client c;
    uint8_t hash[32];
    const char *body;
    /* what is wrong with the message first: the page keeps it while the person signs in */
    if (read_body(call, &body) < 0 || inbox_client(call, &c, hash) < 0)
        return;
    struct store_message m = {.client_id = c.id, .body = (char *)body,
                              .created_at = call->req->now};
    int rc = store_message_insert(call->ctx->store, &m, &m.id);
    if (rc == 0)
        rc = api_audit_as(call, 0, "inbox.reply", c.id, NULL);
    if (rc < 0) {
        api_store_error(call, rc, "message");
        return;
    }
    json_t *o = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)m.id, "from", "client", "body", body);
    time_json(o, "created_at", m.created_at);
    api_json(call, 201, json_pack("{s:o}", "message", o));
}

void inbox_sign_out(struct api_call *call)
{
    struct store_client c;
    uint8_t hash[32];
    if (inbox_client(call, &c, hash) < 0)
        return;
    int rc = store_inbox_signin_delete(call->ctx->store, hash);
    if (rc == 0)
        rc = api_audit_as(call, 0, "inbox.sign_out", c.id, NULL);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    inbox_cookie(call, NULL, 0);
    api_no_content(call);
}

/* A new link by mail to a client with this address, if there is one: the answer is the
 * same either way, so the page tells nobody whether an address is known. */
void inbox_new_link(struct api_call *call)
{
    const char *email;
    if (api_field_email(call, "email", &email) < 0 || api_fields_failed(call))
        return;
    char addr[THROTTLE_KEY_MAX];
    if (api_address_may_try(call, "inbox", addr) < 0)
        return;
    /* every request counts: a page asking again and again is slowed like wrong passwords */
    throttle_failure(call->ctx->address_throttle, addr, call->req->now);
    struct store *s = call->ctx->store;
    struct store_client *clients;
    size_t n;
    struct buf want = {0}, have = {0};
    email_normalise(email, &want);
    int rc = store_client_list(s, &call->arena, 0, &clients, &n);
    int sent = 0;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        email_normalise(clients[i].email, &have);
        if (strcmp(have.data, want.data) != 0)
            continue;
        rc = notify_client(s, &call->arena, call->ctx->cfg, &clients[i], NOTIFY_NEW_LINK,
                           call->req->now);
        if (rc >= 0)
            rc = api_audit_as(call, 0, "inbox.link_sent", clients[i].id, NULL);
        sent = 1;
    }
    buf_free(&want);
    buf_free(&have);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    if (sent)
        call->ctx->mail_queued = 1;
    api_json(call, 202,
             json_pack("{s:s}", "message",
                       "If this address belongs to someone with secure messages here, a new link "
                       "is on its way to it. It works once, for 15 minutes."));
}

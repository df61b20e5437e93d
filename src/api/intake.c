/* Group intake: a practitioner opens a public interest link for a group (/i/<token>) with
 * up to INTAKE_MAX_QUESTIONS screening questions of their own; a person fills the short
 * form it opens (name, email and/or phone, preferred times, the answers) and lands on the
 * group's waitlist; the practitioner reads the entries and takes a person in (a client
 * made by the rules of every client, added to the group) or declines them (the entry goes).
 *
 * The link's page is public: its token is the credential, sent in the JSON body (never in
 * a URL a log keeps), guessing is throttled per address as the poll links are, and so is
 * sending the form. Everything the person wrote is sealed at rest; every read and change
 * of it is audited. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "auth/links.h"
#include "auth/throttle.h"
#include "core/clock.h"
#include "core/limits.h"

#define INTAKE_MAX_QUESTIONS 5

/* The day parts the form offers as boxes to tick. */
static const char *const day_parts[] = {"weekday mornings", "weekday afternoons",
                                        "weekday evenings", "weekends"};

static json_t *link_json(struct api_call *call, const struct store_interest_link *l)
{
    char created[32];
    clock_format_rfc3339(l->created_at, created);
    json_t *questions = json_loads(l->questions, 0, NULL);
    return json_pack("{s:I,s:s,s:o,s:s}", "id", (json_int_t)l->id, "url",
                     link_url(&call->arena, call->ctx->cfg->public_url, "/i/", l->token),
                     "questions", questions ? questions : json_array(), "created_at", created);
}

void interest_link_get(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 0, &g) < 0)
        return;
    struct store_interest_link l;
    int rc = store_interest_open(call->ctx->store, &call->arena, g.id, &l);
    if (rc < 0 && rc != -ENOENT) {
        api_store_error(call, rc, "group");
        return;
    }
    if (api_audit(call, "interest_link.read", g.id) < 0) {
        api_store_error(call, -EIO, "group");
        return;
    }
    api_json(call, 200, json_pack("{s:o}", "link", rc == 0 ? link_json(call, &l) : json_null()));
}

/* {"questions": [up to 5 questions]}: a new link; the group's open one, if any, closes. */
void interest_link_create(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 1, &g) < 0)
        return;
    json_t *questions = json_object_get(call->body, "questions");
    int ok = !questions || json_is_null(questions) ||
             (json_is_array(questions) && json_array_size(questions) <= INTAKE_MAX_QUESTIONS);
    size_t i;
    json_t *q;
    if (ok && json_is_array(questions))
        json_array_foreach(questions, i, q) ok =
            ok && json_is_string(q) &&
            text_length_ok(json_string_value(q), 1, LIMIT_INTAKE_QUESTION);
    if (!ok) {
        api_field_error(call, "invalid_field", "questions",
                        "Write up to 5 questions, each of 1 to 300 characters.");
        api_fields_failed(call);
        return;
    }
    char *text = json_is_array(questions) ? json_dumps(questions, JSON_COMPACT) : strdup("[]");
    char token[LINK_TOKEN_CHARS + 1];
    struct store_interest_link l = {.group_id = g.id,
                                    .created_by = call->user.id,
                                    .token = token,
                                    .questions = arena_strdup(&call->arena, text),
                                    .created_at = call->req->now};
    free(text);
    link_token_new(token, l.token_hash);
    struct store *st = call->ctx->store;
    int rc = store_interest_close(st, g.id, call->req->now, NULL);
    if (rc == 0)
        rc = store_interest_insert(st, &l, &l.id);
    if (rc == 0)
        rc = api_audit(call, "interest_link.create", g.id);
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    api_json(call, 201, json_pack("{s:o}", "link", link_json(call, &l)));
}

void interest_link_close(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 1, &g) < 0)
        return;
    int64_t closed = 0;
    int rc = store_interest_close(call->ctx->store, g.id, call->req->now, &closed);
    if (rc == 0 && closed == 0)
        rc = -ENOENT;
    if (rc == 0)
        rc = api_audit(call, "interest_link.close", g.id);
    if (rc == -ENOENT) {
        api_error(call, 404, "not_found", "This group has no open interest link.");
        return;
    }
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    api_no_content(call);
}

/* ---- the public form ---- */

/* The open link behind the body's token, and its group. An unknown token is a 404 that
 * counts as a guess against the address; a closed link (or its group gone) says so. */
static int load_by_token(struct api_call *call, struct store_interest_link *l,
                         struct store_group *g)
{
    struct api_ctx *ctx = call->ctx;
    char key[THROTTLE_KEY_MAX];
    uint8_t hash[32];
    if (api_link_token(call, "interest", hash, key) < 0)
        return -1;
    int rc = store_interest_by_token_hash(ctx->store, &call->arena, hash, l);
    if (rc == -ENOENT) {
        throttle_failure(ctx->address_throttle, key, call->req->now);
        api_error(call, 404, "not_found",
                  "This link does not work. Please check that it was copied whole, or ask the "
                  "practice for it again.");
        return -1;
    }
    if (rc == 0)
        rc = store_group_get(ctx->store, &call->arena, l->group_id, g);
    if (rc == -ENOENT || (rc == 0 && l->closed_at)) {
        api_error(call, 410, "link_closed",
                  "This group is not taking new requests through this link any more. If you "
                  "would still like to join, please contact the practice.");
        return -1;
    }
    return rc < 0 ? api_store_error(call, rc, "group") : 0;
}

void interest_lookup(struct api_call *call)
{
    struct store_interest_link l;
    struct store_group g;
    if (load_by_token(call, &l, &g) < 0)
        return;
    json_t *questions = json_loads(l.questions, 0, NULL);
    json_t *parts = json_array();
    for (size_t i = 0; i < sizeof day_parts / sizeof day_parts[0]; i++)
        json_array_append_new(parts, json_string(day_parts[i]));
    api_json(call, 200,
             json_pack("{s:{s:s,s:s},s:s,s:o,s:o}", "group", "name", g.name, "description",
                       g.description ? g.description : "", "practice_name",
                       call->ctx->cfg->practice_name, "questions",
                       questions ? questions : json_array(), "day_parts", parts));
}

/* {"parts": [day parts], "note": "their own words"}, both optional, as JSON text. */
static char *read_times(struct api_call *call)
{
    json_t *v = json_object_get(call->body, "times");
    json_t *clean = json_pack("{s:[],s:s}", "parts", "note", "");
    int ok = !v || json_is_null(v) || json_is_object(v);
    json_t *parts = ok && v ? json_object_get(v, "parts") : NULL;
    json_t *note = ok && v ? json_object_get(v, "note") : NULL;
    if (parts && !json_is_null(parts)) {
        ok = ok && json_is_array(parts) && json_array_size(parts) <= 4;
        size_t i;
        json_t *p;
        json_array_foreach(parts, i, p)
        {
            int known = 0;
            for (size_t k = 0; json_is_string(p) && k < 4; k++)
                known |= strcmp(json_string_value(p), day_parts[k]) == 0;
            ok = ok && known;
        }
        if (ok)
            json_object_set(clean, "parts", parts);
    }
    if (note && !json_is_null(note)) {
        ok = ok && json_is_string(note) &&
             text_length_ok(json_string_value(note), 0, LIMIT_INTAKE_TIMES);
        if (ok)
            json_object_set(clean, "note", note);
    }
    if (!ok) {
        json_decref(clean);
        api_field_error(call, "invalid_field", "times",
                        "Tick the times that suit you, and say more in up to 500 characters.");
        return NULL;
    }
    char *text = json_dumps(clean, JSON_COMPACT);
    char *out = arena_strdup(&call->arena, text);
    free(text);
    json_decref(clean);
    return out;
}

/* One answer for each of the link's questions, paired with the question as it was asked. */
static char *read_answers(struct api_call *call, const char *questions_text)
{
    json_t *questions = json_loads(questions_text, 0, NULL);
    json_t *v = json_object_get(call->body, "answers");
    size_t nq = json_array_size(questions);
    int ok = (nq == 0 && (!v || json_is_null(v))) || (json_is_array(v) && json_array_size(v) == nq);
    json_t *pairs = json_array();
    for (size_t i = 0; ok && i < nq; i++) {
        json_t *a = json_array_get(v, i);
        ok = json_is_string(a) && text_length_ok(json_string_value(a), 0, LIMIT_INTAKE_ANSWER);
        if (ok)
            json_array_append_new(pairs, json_pack("{s:O,s:O}", "question",
                                                   json_array_get(questions, i), "answer", a));
    }
    json_decref(questions);
    if (!ok) {
        json_decref(pairs);
        api_field_error(call, "invalid_field", "answers",
                        "Answer each question in up to 2000 characters (or leave it empty).");
        return NULL;
    }
    char *text = json_dumps(pairs, JSON_COMPACT);
    char *out = arena_strdup(&call->arena, text);
    free(text);
    json_decref(pairs);
    return out;
}

void interest_submit(struct api_call *call)
{
    struct store_interest_link l;
    struct store_group g;
    if (load_by_token(call, &l, &g) < 0)
        return;
    /* every form sent counts against the address, so one place cannot fill the waitlist */
    struct api_ctx *ctx = call->ctx;
    char key[THROTTLE_KEY_MAX];
    if (api_address_may_try(call, "interest-form", key) < 0)
        return;
    const char *name = NULL, *email = NULL, *phone = NULL;
    api_field_name(call, "name", &name);
    json_t *e = json_object_get(call->body, "email");
    if (e && !json_is_null(e) && !(json_is_string(e) && json_string_length(e) == 0))
        api_field_email(call, "email", &email);
    if (api_field_optional_string(call, "phone", 0, LIMIT_PHONE, &phone) == 0 && phone && *phone &&
        !api_phone_valid(phone))
        api_field_error(call, "invalid_field", "phone",
                        "Enter a phone number of at least 3 digits, written with digits, "
                        "spaces and + - ( ) . only.");
    if (phone && !*phone)
        phone = NULL;
    if (!email && !phone) /* an email that was wrong keeps its own sentence */
        api_field_error(call, "missing_field", "email",
                        "Give an email address or a phone number, so the practice can reach you.");
    char *times = read_times(call);
    char *answers = read_answers(call, l.questions);
    if (api_fields_failed(call))
        return;
    json_t *contact = json_pack("{s:s?,s:s?}", "email", email, "phone", phone);
    char *contact_text = json_dumps(contact, JSON_COMPACT);
    json_decref(contact);
    struct store_waitlist_entry w = {.group_id = g.id,
                                     .link_id = l.id,
                                     .name = (char *)name,
                                     .contact = arena_strdup(&call->arena, contact_text),
                                     .times = times,
                                     .answers = answers,
                                     .created_at = call->req->now};
    free(contact_text);
    int rc = store_waitlist_insert(ctx->store, &w, &w.id);
    if (rc == 0)
        rc = api_audit(call, "waitlist.submit", w.id);
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    throttle_failure(ctx->address_throttle, key, call->req->now);
    api_json(call, 201, json_pack("{s:b}", "received", 1));
}

/* ---- the practitioner's waitlist ---- */

static json_t *entry_json(const struct store_waitlist_entry *w)
{
    char created[32];
    clock_format_rfc3339(w->created_at, created);
    json_t *contact = json_loads(w->contact, 0, NULL);
    json_t *times = json_loads(w->times, 0, NULL);
    json_t *answers = json_loads(w->answers, 0, NULL);
    json_t *j = json_pack("{s:I,s:s,s:o,s:o,s:s}", "id", (json_int_t)w->id, "name", w->name,
                          "times", times ? times : json_object(), "answers",
                          answers ? answers : json_array(), "created_at", created);
    json_t *email = json_object_get(contact, "email");
    json_t *phone = json_object_get(contact, "phone");
    json_object_set(j, "email", email ? email : json_null());
    json_object_set(j, "phone", phone ? phone : json_null());
    json_decref(contact);
    return j;
}

void waitlist_list(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 0, &g) < 0)
        return;
    struct store_waitlist_entry *entries;
    size_t n;
    if (store_waitlist_list(call->ctx->store, &call->arena, g.id, &entries, &n) < 0 ||
        api_audit(call, "waitlist.read", g.id) < 0) {
        api_store_error(call, -EIO, "group");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, entry_json(&entries[i]));
    api_json(call, 200, json_pack("{s:o}", "entries", list));
}

/* The group (the caller may change it) and one entry of its waitlist; -1 when answered. */
static int load_entry(struct api_call *call, struct store_group *g, struct store_waitlist_entry *w)
{
    if (api_load_group(call, call->params[0], 1, g) < 0)
        return -1;
    int rc = store_waitlist_get(call->ctx->store, &call->arena, call->params[1], w);
    if (rc == 0 && w->group_id != g->id)
        rc = -ENOENT;
    if (rc == -ENOENT) {
        api_error(call, 404, "not_found",
                  "This request is not on the group's waitlist (any more).");
        return -1;
    }
    return rc < 0 ? api_store_error(call, rc, "group") : 0;
}

/* {"time_zone", and "name", "email", "phone" to correct what the person wrote}: the
 * client made by the rules of POST /api/v1/clients, in the group, the entry gone. */
void waitlist_accept(struct api_call *call)
{
    struct store_group g;
    struct store_waitlist_entry w;
    if (load_entry(call, &g, &w) < 0)
        return;
    json_t *contact = json_loads(w.contact, 0, NULL);
    json_t *fields = json_pack("{s:s}", "name", w.name);
    json_t *email = json_object_get(contact, "email"), *phone = json_object_get(contact, "phone");
    if (email)
        json_object_set(fields, "email", email);
    if (phone)
        json_object_set(fields, "phone", phone);
    json_decref(contact);
    static const char *const correctable[] = {"name", "email", "phone", "time_zone"};
    for (size_t i = 0; i < sizeof correctable / sizeof correctable[0]; i++) {
        json_t *v = json_object_get(call->body, correctable[i]);
        if (v)
            json_object_set(fields, correctable[i], v);
    }
    struct store_client c; /* its strings live in fields */
    int rc = api_client_create_from(call, fields, &c);
    if (rc == 0 && api_group_add_member(call, &g, c.id) == 0) {
        rc = store_waitlist_delete(call->ctx->store, w.id);
        if (rc == 0)
            rc = api_audit(call, "group.member_add", g.id);
        if (rc == 0)
            rc = api_audit(call, "waitlist.accept", w.id);
        if (rc < 0)
            api_store_error(call, rc, "group");
        else
            api_json(call, 201,
                     json_pack("{s:o,s:I}", "client", api_client_json(&c), "group_id",
                               (json_int_t)g.id));
    }
    json_decref(fields);
}

void waitlist_decline(struct api_call *call)
{
    struct store_group g;
    struct store_waitlist_entry w;
    if (load_entry(call, &g, &w) < 0)
        return;
    int rc = store_waitlist_delete(call->ctx->store, w.id);
    if (rc == 0)
        rc = api_audit(call, "waitlist.decline", w.id);
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    api_no_content(call);
}

/* Private notes: a practitioner's notes about one occurrence of a session — one for each
 * client who was there (a one-to-one session's client; a group's members who were let into
 * the meeting) and one for the group itself — in a template's sections, drafts saved as
 * they are typed, then signed for good, with addenda after that (practice/notes.h).
 *
 * Who reads them: the note's author, the practitioner whose session it is and, for a
 * group, its co-facilitators. Nobody else — an administrator neither (emergency access is
 * about a client's contact details, not their notes). Only the author changes and signs a
 * draft; anyone who reads a signed note may add an addendum. Every read and change is
 * audited (note.list with the occurrence's or client's id, note.read, note.write,
 * note.sign, note.addendum with the note's); no word of a note is logged. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "core/clock.h"
#include "core/limits.h"
#include "practice/notes.h"

/* ---- who may read ---- */

static bool is_group_facilitator(struct api_call *call, int64_t group_id)
{
    int64_t *ids;
    size_t n;
    if (!group_id ||
        store_group_facilitators(call->ctx->store, &call->arena, group_id, &ids, &n) < 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ids[i] == call->user.id)
            return true;
    return false;
}

/* The session's practitioner or a co-facilitator of its group. */
static bool may_note_on(struct api_call *call, const struct store_series *se)
{
    return api_may_act_for(call, se->therapist_id) || is_group_facilitator(call, se->group_id);
}

/* The series {id} and its occurrence {id}, when the caller writes notes on it. */
static int load_occurrence(struct api_call *call, struct store_series *se,
                           struct store_occurrence *o)
{
    int rc = store_series_get(call->ctx->store, &call->arena, call->params[0], se);
    if (rc == 0 && !may_note_on(call, se))
        rc = -ENOENT;
    if (rc < 0)
        return api_store_error(call, rc, "session");
    rc = store_occurrence_get(call->ctx->store, &call->arena, call->params[1], o);
    if (rc == 0 && o->series_id != se->id)
        rc = -ENOENT;
    return rc < 0 ? api_store_error(call, rc, "occurrence") : 0;
}

/* The note {id} with its session, when the caller may read it. */
static int load_note(struct api_call *call, struct store_note *n, struct store_series *se)
{
    int rc = store_note_get(call->ctx->store, &call->arena, call->params[0], n);
    if (rc == 0)
        rc = store_series_get(call->ctx->store, &call->arena, n->series_id, se);
    if (rc == 0 && n->author_id != call->user.id && !may_note_on(call, se))
        rc = -ENOENT;
    return rc < 0 ? api_store_error(call, rc, "note") : 0;
}

/* ---- as the API shows them ---- */

static json_t *person_json(struct api_call *call, int64_t user_id)
{
    struct store_user u;
    if (!user_id)
        return json_null();
    if (store_user_by_id(call->ctx->store, &call->arena, user_id, &u) < 0)
        return json_pack("{s:I,s:n}", "id", (json_int_t)user_id, "name");
    return json_pack("{s:I,s:s}", "id", (json_int_t)u.id, "name", u.name);
}

static json_t *time_json(int64_t ms)
{
    if (!ms)
        return json_null();
    char at[32];
    clock_format_rfc3339(ms, at);
    return json_string(at);
}

static json_t *templates_json(void)
{
    json_t *list = json_array();
    for (int t = 0; t < NOTE_TEMPLATES; t++) {
        size_t n;
        const struct note_section *s = note_template_sections((enum note_template)t, &n);
        json_t *sections = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(sections,
                                  json_pack("{s:s,s:s}", "key", s[i].key, "label", s[i].label));
        json_array_append_new(list, json_pack("{s:s,s:o,s:i,s:i}", "name",
                                              note_template_name((enum note_template)t), "sections",
                                              sections, "section_max", NOTE_SECTION_MAX,
                                              "addendum_max", NOTE_ADDENDUM_MAX));
    }
    return list;
}

/* The body as stored: a JSON object of the template's sections (a body that does not
 * parse reads as empty sections, never as an error that hides the rest). */
static json_t *body_object(const struct store_note *n)
{
    json_t *o = json_loads(n->body ? n->body : "{}", 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    return o;
}

static int note_json(struct api_call *call, const struct store_note *n, json_t **out)
{
    int t = note_template_from_name(n->template_name);
    if (t < 0)
        return api_store_error(call, -EIO, "note");
    json_t *body = body_object(n);
    size_t count;
    const struct note_section *s = note_template_sections((enum note_template)t, &count);
    json_t *sections = json_array();
    for (size_t i = 0; i < count; i++) {
        const char *text = json_string_value(json_object_get(body, s[i].key));
        json_array_append_new(sections, json_pack("{s:s,s:s,s:s}", "key", s[i].key, "label",
                                                  s[i].label, "text", text ? text : ""));
    }
    json_decref(body);
    struct store_note_addendum *adds;
    size_t nadds;
    if (store_note_addenda(call->ctx->store, &call->arena, n->id, &adds, &nadds) < 0) {
        json_decref(sections);
        return api_store_error(call, -EIO, "note");
    }
    json_t *addenda = json_array();
    for (size_t i = 0; i < nadds; i++)
        json_array_append_new(addenda, json_pack("{s:I,s:o,s:s,s:o}", "id", (json_int_t)adds[i].id,
                                                 "author", person_json(call, adds[i].author_id),
                                                 "text", adds[i].body ? adds[i].body : "",
                                                 "created_at", time_json(adds[i].created_at)));
    *out = json_pack("{s:I,s:I,s:I,s:o,s:s,s:s,s:o,s:I,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:b}", "id",
                     (json_int_t)n->id, "session_id", (json_int_t)n->series_id, "occurrence_id",
                     (json_int_t)n->occurrence_id, "client_id",
                     n->client_id ? json_integer(n->client_id) : json_null(), "kind",
                     n->client_id ? "client" : "group", "template", n->template_name, "sections",
                     sections, "version", (json_int_t)n->version, "author",
                     person_json(call, n->author_id), "occurrence_starts_at",
                     time_json(n->starts_at), "created_at", time_json(n->created_at), "updated_at",
                     time_json(n->updated_at), "signed", n->signed_at != 0, "signed_by",
                     person_json(call, n->signed_by), "signed_at", time_json(n->signed_at),
                     "addenda", addenda, "mine", n->author_id == call->user.id);
    /* the session's title, for lists of a client's notes (sealed like the note) */
    struct store_series se;
    if (store_series_get(call->ctx->store, &call->arena, n->series_id, &se) == 0 && se.title)
        json_object_set_new(*out, "session_title", json_string(se.title));
    return 0;
}

static void answer_note(struct api_call *call, int status, int64_t id)
{
    struct store_note n;
    json_t *j;
    int rc = store_note_get(call->ctx->store, &call->arena, id, &n);
    if (rc < 0) {
        api_store_error(call, rc == -ENOENT ? -EIO : rc, "note");
        return;
    }
    if (note_json(call, &n, &j) == 0)
        api_json(call, status, json_pack("{s:o}", "note", j));
}

/* A list of notes, each read audited. */
static int notes_array(struct api_call *call, const struct store_note *notes, size_t n,
                       json_t **out)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j;
        if (note_json(call, &notes[i], &j) < 0) {
            json_decref(list);
            return -1;
        }
        json_array_append_new(list, j);
        if (api_audit(call, "note.read", notes[i].id) < 0) {
            json_decref(list);
            return api_store_error(call, -EIO, "note");
        }
    }
    *out = list;
    return 0;
}

/* ---- an occurrence's notes ---- */

/* The clients a note may be written about: a one-to-one session's client; for a group, the
 * members let into this occurrence's meeting. */
static int attended(struct api_call *call, const struct store_series *se, int64_t occurrence_id,
                    int64_t **ids, size_t *n)
{
    if (!se->group_id) {
        *ids = arena_alloc(&call->arena, sizeof **ids);
        (*ids)[0] = se->client_id;
        *n = 1;
        return 0;
    }
    return store_occurrence_admitted_clients(call->ctx->store, &call->arena, occurrence_id, ids, n);
}

void occurrence_notes_list(struct api_call *call)
{
    struct store_series se;
    struct store_occurrence o;
    if (load_occurrence(call, &se, &o) < 0)
        return;
    struct store_note *notes;
    size_t n, nids;
    int64_t *ids;
    json_t *list;
    /* who was there is a read of its own, even with no note yet */
    if (store_note_list_occurrence(call->ctx->store, &call->arena, o.id, &notes, &n) < 0 ||
        attended(call, &se, o.id, &ids, &nids) < 0 || api_audit(call, "note.list", o.id) < 0) {
        api_store_error(call, -EIO, "note");
        return;
    }
    if (notes_array(call, notes, n, &list) < 0)
        return;
    json_t *people = json_array();
    for (size_t i = 0; i < nids; i++) {
        struct store_client c;
        /* an archived client's name is gone from the practice's lists; their note stays */
        if (store_client_get(call->ctx->store, &call->arena, ids[i], &c) == 0)
            json_array_append_new(
                people, json_pack("{s:I,s:s}", "client_id", (json_int_t)c.id, "name", c.name));
        else
            json_array_append_new(people,
                                  json_pack("{s:I,s:n}", "client_id", (json_int_t)ids[i], "name"));
    }
    api_json(call, 200,
             json_pack("{s:{s:I,s:I,s:o,s:o,s:o,s:o,s:o},s:o,s:o,s:o}", "occurrence", "id",
                       (json_int_t)o.id, "session_id", (json_int_t)se.id, "starts_at",
                       time_json(o.starts_at), "ends_at", time_json(o.ends_at), "group_id",
                       se.group_id ? json_integer(se.group_id) : json_null(), "client_id",
                       se.client_id ? json_integer(se.client_id) : json_null(), "cancelled",
                       json_boolean(o.cancelled_at || se.cancelled_at), "attended", people, "notes",
                       list, "templates", templates_json()));
}

void occurrence_notes_create(struct api_call *call)
{
    const char *template_name;
    int64_t client_id;
    api_field_string(call, "template", 1, 10, &template_name, NULL);
    api_field_int(call, "client_id", 1, INT64_MAX, 0, &client_id);
    int t = template_name ? note_template_from_name(template_name) : 0;
    if (t < 0)
        api_field_error(call, "invalid_field", "template", "Choose a template: soap, dap or free.");
    if (api_fields_failed(call))
        return;
    struct store_series se;
    struct store_occurrence o;
    if (load_occurrence(call, &se, &o) < 0)
        return;
    /* a one-to-one session has its client's note and no other */
    if (!se.group_id && !client_id)
        client_id = se.client_id;
    int64_t *ids;
    size_t nids;
    if (attended(call, &se, o.id, &ids, &nids) < 0) {
        api_store_error(call, -EIO, "note");
        return;
    }
    bool there = client_id == 0;
    for (size_t i = 0; i < nids && !there; i++)
        there = ids[i] == client_id;
    if (!there) {
        api_error(call, 409, "not_attended",
                  "A note is written for a client who was at this session; this client was "
                  "not let into its meeting.");
        return;
    }
    int64_t existing;
    int rc = store_note_for(call->ctx->store, o.id, client_id, &existing);
    if (rc == 0) {
        api_error_with(call, 409, "note_exists",
                       client_id ? "This client already has a note for this session: open it."
                                 : "This session already has a group note: open it.",
                       json_pack("{s:I}", "note_id", (json_int_t)existing));
        return;
    }
    if (rc != -ENOENT) {
        api_store_error(call, rc, "note");
        return;
    }
    /* the template's sections, each empty */
    size_t count;
    const struct note_section *s = note_template_sections((enum note_template)t, &count);
    json_t *body = json_object();
    for (size_t i = 0; i < count; i++)
        json_object_set_new(body, s[i].key, json_string(""));
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct store_note n = {.occurrence_id = o.id,
                           .series_id = se.id,
                           .client_id = client_id,
                           .author_id = call->user.id,
                           .template_name = (char *)note_template_name((enum note_template)t),
                           .body = text,
                           .created_at = call->req->now};
    int64_t id = 0;
    rc = text ? store_note_insert(call->ctx->store, &n, &id) : -ENOMEM;
    free(text);
    if (rc == 0)
        rc = api_audit(call, "note.write", id);
    if (rc < 0) {
        api_store_error(call, rc == -EEXIST ? -EIO : rc, "note");
        return;
    }
    answer_note(call, 201, id);
}

/* ---- one note ---- */

void notes_get(struct api_call *call)
{
    struct store_note n;
    struct store_series se;
    if (load_note(call, &n, &se) < 0)
        return;
    if (api_audit(call, "note.read", n.id) < 0) {
        api_store_error(call, -EIO, "note");
        return;
    }
    json_t *j;
    if (note_json(call, &n, &j) == 0)
        api_json(call, 200, json_pack("{s:o}", "note", j));
}

static bool has_words(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
            return true;
    return false;
}

static struct note_state state_of(const struct store_note *n)
{
    struct note_state st = {.version = n->version, .signed_at = n->signed_at};
    json_t *body = body_object(n);
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        if (has_words(json_string_value(v)))
            st.nonempty = 1;
    }
    json_decref(body);
    return st;
}

/* Answers a refusal of practice/notes.h's rules; 0 when there is none. */
static int refused(struct api_call *call, enum note_verdict v, const struct store_note *n)
{
    switch (v) {
    case NOTE_OK:
        return 0;
    case NOTE_LOCKED:
        api_error(call, 409, "note_signed",
                  "This note is signed, so it can no longer be changed. Add an addendum "
                  "instead.");
        break;
    case NOTE_CONFLICT:
        api_error_with(call, 409, "version_conflict",
                       "This note was changed in another window since you opened it. Reload "
                       "it to see the latest words before saving again.",
                       json_pack("{s:I}", "version", (json_int_t)n->version));
        break;
    case NOTE_EMPTY:
        api_error(call, 409, "note_empty", "Write something in the note before signing it.");
        break;
    case NOTE_DRAFT:
        api_error(call, 409, "note_not_signed",
                  "Addenda are for signed notes; this draft can still be changed itself.");
        break;
    }
    return -1;
}

static int author_only(struct api_call *call, const struct store_note *n)
{
    if (n->author_id == call->user.id)
        return 0;
    api_error(call, 403, "not_author", "Only the person who wrote this note changes or signs it.");
    return -1;
}

void notes_update(struct api_call *call)
{
    int64_t version;
    api_field_int(call, "version", 1, INT64_MAX, 0, &version);
    json_t *sections = json_object_get(call->body, "sections");
    if (!json_object_get(call->body, "version"))
        api_field_missing(call, "version");
    if (!sections)
        api_field_missing(call, "sections");
    else if (!json_is_object(sections) || json_object_size(sections) == 0)
        api_field_error(call, "invalid_field", "sections",
                        "Give the sections that changed, each as its text.");
    if (api_fields_failed(call))
        return;
    struct store_note n;
    struct store_series se;
    if (load_note(call, &n, &se) < 0)
        return;
    int t = note_template_from_name(n.template_name);
    if (t < 0) {
        api_store_error(call, -EIO, "note");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(sections, key, v)
    {
        if (note_section_index((enum note_template)t, key) < 0) {
            api_field_error(call, "unknown_section", "sections",
                            "That section is not one of this note's template.");
            break;
        }
        int rc = json_is_string(v) ? note_text_check(json_string_value(v), json_string_length(v),
                                                     NOTE_SECTION_MAX)
                                   : -EINVAL;
        if (rc == -E2BIG) {
            api_field_error(
                call, "too_long", "sections",
                "Keep each section to " LIMIT_TEXT(NOTE_SECTION_MAX) " characters or fewer.");
            break;
        }
        if (rc < 0) {
            api_field_error(call, "invalid_field", "sections",
                            "Each section is text, without control characters.");
            break;
        }
    }
    if (api_fields_failed(call) || author_only(call, &n) < 0)
        return;
    struct note_state st = state_of(&n);
    if (refused(call, note_may_edit(&st, version), &n))
        return;
    /* the stored sections, in the template's order, with the changed ones replaced */
    json_t *body = body_object(&n);
    size_t count;
    const struct note_section *s = note_template_sections((enum note_template)t, &count);
    json_t *next = json_object();
    for (size_t i = 0; i < count; i++) {
        json_t *now = json_object_get(sections, s[i].key);
        if (!now)
            now = json_object_get(body, s[i].key);
        json_object_set_new(next, s[i].key,
                            json_string(json_string_value(now) ? json_string_value(now) : ""));
    }
    json_decref(body);
    char *text = json_dumps(next, JSON_COMPACT);
    json_decref(next);
    int rc =
        text ? store_note_update(call->ctx->store, n.id, version, text, call->req->now) : -ENOMEM;
    free(text);
    if (rc == -ENOENT) { /* changed between the read and the write */
        refused(call, NOTE_CONFLICT, &n);
        return;
    }
    if (rc == 0)
        rc = api_audit(call, "note.write", n.id);
    if (rc < 0) {
        api_store_error(call, rc, "note");
        return;
    }
    answer_note(call, 200, n.id);
}

void notes_sign(struct api_call *call)
{
    int64_t version;
    if (!json_object_get(call->body, "version"))
        api_field_missing(call, "version");
    else
        api_field_int(call, "version", 1, INT64_MAX, 0, &version);
    if (api_fields_failed(call))
        return;
    struct store_note n;
    struct store_series se;
    if (load_note(call, &n, &se) < 0 || author_only(call, &n) < 0)
        return;
    struct note_state st = state_of(&n);
    if (refused(call, note_may_sign(&st, version), &n))
        return;
    int rc = store_note_sign(call->ctx->store, n.id, version, call->user.id, call->req->now);
    if (rc == -ENOENT) {
        refused(call, NOTE_CONFLICT, &n);
        return;
    }
    if (rc == 0)
        rc = api_audit(call, "note.sign", n.id);
    if (rc < 0) {
        api_store_error(call, rc, "note");
        return;
    }
    answer_note(call, 200, n.id);
}

void notes_addendum_add(struct api_call *call)
{
    const char *text;
    size_t len;
    if (api_field_string(call, "text", 1, NOTE_ADDENDUM_MAX, &text, &len) == 0 &&
        (note_text_check(text, len, NOTE_ADDENDUM_MAX) < 0 || !has_words(text)))
        api_field_error(call, "invalid_field", "text",
                        "Write the addendum: text of up to " LIMIT_TEXT(
                            NOTE_ADDENDUM_MAX) " characters, without control characters.");
    if (api_fields_failed(call))
        return;
    struct store_note n;
    struct store_series se;
    if (load_note(call, &n, &se) < 0)
        return;
    struct note_state st = state_of(&n);
    if (refused(call, note_may_add_addendum(&st), &n))
        return;
    struct store_note_addendum ad = {.note_id = n.id,
                                     .author_id = call->user.id,
                                     .body = (char *)text,
                                     .created_at = call->req->now};
    int64_t id;
    int rc = store_note_addendum_insert(call->ctx->store, &ad, &id);
    if (rc == 0)
        rc = api_audit(call, "note.addendum", n.id);
    if (rc < 0) {
        api_store_error(call, rc == -ENOENT ? -EIO : rc, "note");
        return;
    }
    answer_note(call, 201, n.id);
}

/* ---- a client's notes ---- */

/* Every note about the client the caller may read, newest session first: for their details
 * page and their record's export. A client who is not the caller's and has no note the
 * caller may read is not theirs to know of. */
void client_notes_list(struct api_call *call)
{
    struct store_client c;
    struct store_note *notes;
    size_t n;
    int rc = store_client_get(call->ctx->store, &call->arena, call->params[0], &c);
    if (rc == 0)
        rc = store_note_list_client(call->ctx->store, &call->arena, c.id, &notes, &n);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        struct store_series se;
        if (store_series_get(call->ctx->store, &call->arena, notes[i].series_id, &se) < 0) {
            api_store_error(call, -EIO, "client");
            return;
        }
        if (notes[i].author_id == call->user.id || may_note_on(call, &se))
            notes[kept++] = notes[i];
    }
    if (!kept && !api_may_act_for(call, c.therapist_id)) {
        api_store_error(call, -ENOENT, "client");
        return;
    }
    json_t *list;
    if (api_audit(call, "note.list", c.id) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    if (notes_array(call, notes, kept, &list) < 0)
        return;
    api_json(call, 200, json_pack("{s:I,s:o}", "client_id", (json_int_t)c.id, "notes", list));
}

/* Groups: name, description, the group agreement members accept before joining, a
 * capacity (10 by default, at most GROUP_MAX_CAPACITY), members (clients) and up to
 * MEETING_MAX_STAFF - 1 co-facilitators (other therapists, with the same rights in the
 * meeting): sfu/limits.h derives both from what one meeting can carry. The owner and admins change
 * a group; co-facilitators see it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/clock.h"
#include "core/limits.h"
#include "sfu/limits.h"

static int is_facilitator(struct api_call *call, int64_t group_id)
{
    int64_t *ids;
    size_t n;
    if (store_group_facilitators(call->ctx->store, &call->arena, group_id, &ids, &n) < 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ids[i] == call->user.id)
            return 1;
    return 0;
}

/* write: the caller wants to change the group (owner or admin); otherwise a
 * co-facilitator may look too. */
int api_load_group(struct api_call *call, int64_t id, int write, struct store_group *out)
{
    int rc = store_group_get(call->ctx->store, &call->arena, id, out);
    if (rc == 0 && !api_may_act_for(call, out->therapist_id) &&
        (write || !is_facilitator(call, id)))
        rc = -ENOENT;
    return rc < 0 ? api_store_error(call, rc, "group") : 0;
}

static json_t *ids_json(const int64_t *ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(ids[i]));
    return a;
}

static int group_json(struct api_call *call, const struct store_group *g, json_t **out)
{
    int64_t *members, *facilitators;
    size_t nm, nf;
    if (store_group_members(call->ctx->store, &call->arena, g->id, &members, &nm) < 0 ||
        store_group_facilitators(call->ctx->store, &call->arena, g->id, &facilitators, &nf) < 0)
        return api_store_error(call, -EIO, "group");
    char created[32];
    clock_format_rfc3339(g->created_at, created);
    *out = json_pack("{s:I,s:I,s:s,s:s,s:s,s:i,s:i,s:o,s:o,s:s}", "id", (json_int_t)g->id,
                     "therapist_id", (json_int_t)g->therapist_id, "name", g->name, "description",
                     g->description ? g->description : "", "agreement", g->agreement,
                     "agreement_version", g->agreement_version, "capacity", g->capacity, "members",
                     ids_json(members, nm), "facilitators", ids_json(facilitators, nf),
                     "created_at", created);
    /* the pages name co-facilitators; colleagues' names are no secret inside the practice */
    json_t *named = json_array();
    for (size_t i = 0; i < nf; i++) {
        struct store_user u;
        if (store_user_by_id(call->ctx->store, &call->arena, facilitators[i], &u) == 0)
            json_array_append_new(named, json_pack("{s:I,s:s}", "id", (json_int_t)u.id, "name",
                                                   u.name));
    }
    json_object_set_new(*out, "co_facilitators", named);
    return 0;
}

static void answer_group(struct api_call *call, int status, const struct store_group *g)
{
    json_t *j;
    if (group_json(call, g, &j) == 0)
        api_json(call, status, json_pack("{s:o}", "group", j));
}

/* Reads and checks the group fields of the body into g; `partial` keeps what is absent.
 * Problems are recorded, not answered: the caller asks api_fields_failed. */
static int read_group_fields(struct api_call *call, struct store_group *g, int partial)
{
    const char *name = NULL, *description = NULL, *agreement = NULL;
    int64_t capacity;
#define WANT(key) (!partial || json_object_get(call->body, key))
    /* every field is checked before any is used: the person sees all problems at once
     * (recorded, answered by the caller's api_fields_failed); g changes only when all
     * are right */
    int bad = 0;
    if (WANT("name"))
        bad |= api_field_string(call, "name", 1, LIMIT_NAME, &name, NULL) < 0;
    bad |= api_field_optional_string(call, "description", 0, LIMIT_DESCRIPTION, &description) < 0;
    if (WANT("agreement"))
        bad |= api_field_string(call, "agreement", 1, LIMIT_AGREEMENT, &agreement, NULL) < 0;
    bad |= api_field_int(call, "capacity", 2, GROUP_MAX_CAPACITY, partial ? g->capacity : 10,
                         &capacity) < 0;
#undef WANT
    if (bad)
        return -1;
    if (name)
        g->name = (char *)name;
    if (json_object_get(call->body, "description"))
        g->description = (char *)(description ? description : "");
    if (agreement && (!g->agreement || strcmp(agreement, g->agreement) != 0)) {
        g->agreement = (char *)agreement;
        g->agreement_version++; /* members accept the new wording when they next join */
    }
    g->capacity = (int)capacity;
    return 0;
}

void groups_list(struct api_call *call)
{
    struct store_group *groups;
    size_t n;
    int64_t who = call->user.id;
    /* the members' names are in it: a read of each group, written once */
    if (store_group_list(call->ctx->store, &call->arena, who, &groups, &n) < 0 ||
        api_audit(call, "group.list", 0) < 0) {
        api_store_error(call, -EIO, "group");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j;
        if (group_json(call, &groups[i], &j) < 0) {
            json_decref(list);
            return;
        }
        json_array_append_new(list, j);
    }
    api_json(call, 200, json_pack("{s:o}", "groups", list));
}

static int add_member(struct api_call *call, const struct store_group *g, int64_t client_id)
{
    struct store_client c;
    if (api_load_client(call, client_id, &c) < 0)
        return -1;
    if (c.therapist_id != g->therapist_id) {
        api_error(call, 404, "not_found", "There is no such client.");
        return -1;
    }
    int64_t *members;
    size_t n;
    if (store_group_members(call->ctx->store, &call->arena, g->id, &members, &n) < 0)
        return api_store_error(call, -EIO, "group");
    for (size_t i = 0; i < n; i++) {
        if (members[i] == client_id) {
            api_error(call, 409, "already_member", "This client is in the group already.");
            return -1;
        }
    }
    if ((int)n >= g->capacity) {
        char message[160];
        snprintf(message, sizeof message,
                 "The group is full: it holds at most %d members. Raise its capacity first.",
                 g->capacity);
        api_error(call, 409, "group_full", message);
        return -1;
    }
    if (store_group_member_add(call->ctx->store, g->id, client_id, call->req->now) < 0)
        return api_store_error(call, -EIO, "group");
    return 0;
}

int api_group_add_member(struct api_call *call, const struct store_group *g, int64_t client_id)
{
    return add_member(call, g, client_id);
}

static int add_facilitator(struct api_call *call, const struct store_group *g, int64_t user_id)
{
    struct store_user u;
    int rc = store_user_by_id(call->ctx->store, &call->arena, user_id, &u);
    if (rc < 0)
        return api_store_error(call, rc, "therapist");
    if (user_id == g->therapist_id) {
        api_error(call, 409, "already_facilitator", "The group's own therapist leads it already.");
        return -1;
    }
    int64_t *ids;
    size_t n;
    rc = store_group_facilitators(call->ctx->store, &call->arena, g->id, &ids, &n);
    if (rc < 0)
        return api_store_error(call, rc, "group");
    for (size_t i = 0; i < n; i++)
        if (ids[i] == user_id) {
            api_error(call, 409, "already_facilitator", "This therapist co-facilitates already.");
            return -1;
        }
    if (n + 1 >= MEETING_MAX_STAFF) {
        char message[160];
        snprintf(message, sizeof message,
                 "A group has at most %d co-facilitators besides its own therapist.",
                 MEETING_MAX_STAFF - 1);
        api_error(call, 409, "group_staff_full", message);
        return -1;
    }
    rc = store_group_facilitator_add(call->ctx->store, g->id, user_id);
    if (rc == -EEXIST) {
        api_error(call, 409, "already_facilitator", "This therapist co-facilitates already.");
        return -1;
    }
    return rc < 0 ? api_store_error(call, rc, "group") : 0;
}

/* Reads an optional array of ids from the body. */
static int read_ids(struct api_call *call, const char *key, json_t **out)
{
    json_t *v = json_object_get(call->body, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    size_t i;
    json_t *item;
    int ok = json_is_array(v) && json_array_size(v) <= 64;
    json_array_foreach(v, i, item) ok = ok && json_is_integer(item) && json_integer_value(item) > 0;
    if (!ok) {
        api_field_error(call, "invalid_field", key, "Choose up to 64 people from the list.");
        return -1;
    }
    *out = v;
    return 0;
}

void groups_create(struct api_call *call)
{
    struct store_group g = {.therapist_id = call->user.id, .created_at = call->req->now};
    json_t *members, *facilitators;
    read_group_fields(call, &g, 0);
    read_ids(call, "members", &members);
    read_ids(call, "facilitators", &facilitators);
    if (api_fields_failed(call))
        return;
    int rc = store_group_insert(call->ctx->store, &g, &g.id);
    if (rc == 0)
        rc = api_audit(call, "group.create", g.id);
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    size_t i;
    json_t *id;
    json_array_foreach(members, i, id) if (add_member(call, &g, json_integer_value(id)) < 0) return;
    json_array_foreach(facilitators, i,
                       id) if (add_facilitator(call, &g, json_integer_value(id)) < 0) return;
    answer_group(call, 201, &g);
}

void groups_get(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 0, &g) < 0)
        return;
    if (api_audit(call, "group.read", g.id) < 0) {
        api_store_error(call, -EIO, "group");
        return;
    }
    answer_group(call, 200, &g);
}

void groups_update(struct api_call *call)
{
    static const char *const changeable[] = {"name", "description", "agreement", "capacity"};
    struct store_group g;
    if (api_load_group(call, call->params[0], 1, &g) < 0)
        return;
    size_t named = 0;
    for (size_t i = 0; i < sizeof changeable / sizeof changeable[0]; i++)
        named += json_object_get(call->body, changeable[i]) != NULL;
    if (named == 0) {
        api_nothing_to_change(call);
        return;
    }
    read_group_fields(call, &g, 1);
    if (api_fields_failed(call))
        return;
    int64_t *members;
    size_t n;
    if (store_group_members(call->ctx->store, &call->arena, g.id, &members, &n) < 0) {
        api_store_error(call, -EIO, "group");
        return;
    }
    if ((int)n > g.capacity) {
        char message[160];
        snprintf(message, sizeof message,
                 "The group has %zu members; its capacity cannot be lower than that.", n);
        api_error(call, 409, "group_over_capacity", message);
        return;
    }
    int rc = store_group_update(call->ctx->store, &g);
    if (rc == 0)
        rc = api_audit(call, "group.update", g.id);
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    answer_group(call, 200, &g);
}

void groups_delete(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 1, &g) < 0)
        return;
    int rc = store_group_archive(call->ctx->store, g.id, call->req->now);
    if (rc == 0)
        rc = api_audit(call, "group.archive", g.id);
    if (rc < 0) {
        api_store_error(call, rc, "group");
        return;
    }
    api_no_content(call);
}

void group_members_add(struct api_call *call)
{
    struct store_group g;
    int64_t client_id;
    if (api_load_group(call, call->params[0], 1, &g) < 0 ||
        api_field_int(call, "client_id", 1, INT64_MAX, 0, &client_id) < 0)
        return;
    if (client_id == 0) {
        api_field_missing(call, "client_id");
        return;
    }
    if (add_member(call, &g, client_id) == 0)
        answer_group(call, 201, &g);
}

void group_members_remove(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 1, &g) < 0)
        return;
    int rc = store_group_member_remove(call->ctx->store, g.id, call->params[1]);
    /* their links to the group's sessions to come stop working (one transaction) */
    if (rc == 0)
        rc = store_invites_revoke(call->ctx->store, call->params[1], g.id, call->req->now, NULL);
    if (rc < 0) {
        api_store_error(call, rc, "member");
        return;
    }
    api_access_revoked(call, call->params[1], 0);
    api_no_content(call);
}

void group_facilitators_add(struct api_call *call)
{
    struct store_group g;
    int64_t user_id;
    if (api_load_group(call, call->params[0], 1, &g) < 0 ||
        api_field_int(call, "user_id", 1, INT64_MAX, 0, &user_id) < 0)
        return;
    if (user_id == 0) {
        api_field_missing(call, "user_id");
        return;
    }
    if (add_facilitator(call, &g, user_id) == 0)
        answer_group(call, 201, &g);
}

void group_facilitators_remove(struct api_call *call)
{
    struct store_group g;
    if (api_load_group(call, call->params[0], 1, &g) < 0)
        return;
    int rc = store_group_facilitator_remove(call->ctx->store, g.id, call->params[1]);
    if (rc < 0) {
        api_store_error(call, rc, "co-facilitator");
        return;
    }
    api_no_content(call);
}

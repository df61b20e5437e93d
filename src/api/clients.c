/* Clients: the people a practitioner sees. Each sees only their own; an administrator
 * opens another's client only through emergency access (api/emergency.c). Deleting
 * archives: the record stays for attendance and audit, out of every list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "auth/account.h"
#include "core/clock.h"
#include "core/limits.h"

static int phone_valid(const char *p)
{
    size_t digits = 0, n = strlen(p);
    if (n < 3 || n > LIMIT_PHONE) /* ASCII only, so bytes are characters */
        return 0;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (!strchr(" +-().", *p))
            return 0;
    }
    return digits >= 3;
}

int api_phone_valid(const char *phone)
{
    return phone_valid(phone);
}

json_t *api_client_json(const struct store_client *c)
{
    char created[32];
    clock_format_rfc3339(c->created_at, created);
    json_t *emergency = c->emergency ? json_loads(c->emergency, 0, NULL) : NULL;
    return json_pack("{s:I,s:I,s:s,s:s,s:s?,s:s,s:o,s:s}", "id", (json_int_t)c->id, "therapist_id",
                     (json_int_t)c->therapist_id, "name", c->name, "email", c->email, "phone",
                     c->phone, "time_zone", c->time_zone, "emergency_contact",
                     emergency ? emergency : json_null(), "created_at", created);
}

/* {"name", "phone", "relationship"}, each optional; stored as JSON text in the arena. */
static int read_emergency(struct api_call *call, const char **out)
{
    json_t *v = json_object_get(call->body, "emergency_contact");
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    static const struct {
        const char *key, *words;
        size_t max;
    } fields[] = {{"name", "name", LIMIT_NAME},
                  {"phone", "phone number", LIMIT_PHONE},
                  {"relationship", "relationship", LIMIT_RELATIONSHIP}};
    if (!json_is_object(v)) {
        api_field_error(call, "invalid_field", "emergency_contact",
                        "Enter the emergency contact's name, phone number and relationship.");
        return -1;
    }
    json_t *clean = json_object();
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *f = json_object_get(v, fields[i].key);
        if (!f || json_is_null(f))
            continue;
        if (!json_is_string(f) || !text_length_ok(json_string_value(f), 1, fields[i].max) ||
            (strcmp(fields[i].key, "phone") == 0 && !phone_valid(json_string_value(f)))) {
            char message[160];
            snprintf(message, sizeof message,
                     "Check the emergency contact's %s (up to %zu characters).", fields[i].words,
                     fields[i].max);
            json_decref(clean);
            api_field_error(call, "invalid_field", "emergency_contact", message);
            return -1;
        }
        json_object_set(clean, fields[i].key, f);
    }
    char *text = json_dumps(clean, JSON_COMPACT | JSON_SORT_KEYS);
    *out = arena_strdup(&call->arena, text);
    free(text);
    json_decref(clean);
    return 0;
}

/* Reads and checks the client fields of the body into c; `partial` keeps what is absent.
 * Every field is checked before any is used, so the person sees all problems at once. */
static int read_client_fields(struct api_call *call, struct store_client *c, int partial)
{
    const char *name = NULL, *email = NULL, *phone = NULL, *tz = NULL, *emergency = NULL;
    int has = 0;
#define PRESENT(key) (json_object_get(call->body, key) != NULL)
    if (!partial || PRESENT("name"))
        api_field_name(call, "name", &name);
    if (!partial || PRESENT("email"))
        api_field_email(call, "email", &email);
    if (!partial || PRESENT("time_zone"))
        api_field_time_zone(call, "time_zone", &tz);
    if (api_field_optional_string(call, "phone", 1, LIMIT_PHONE, &phone) == 0 && phone &&
        !phone_valid(phone))
        api_field_error(call, "invalid_field", "phone",
                        "Enter a phone number of at least 3 digits, written with digits, "
                        "spaces and + - ( ) . only.");
    read_emergency(call, &emergency);
    if (api_fields_failed(call))
        return -1;
    if (name)
        c->name = (char *)name, has = 1;
    if (email)
        c->email = (char *)email, has = 1;
    if (tz)
        c->time_zone = (char *)tz, has = 1;
    if (PRESENT("phone"))
        c->phone = (char *)phone, has = 1;
    if (PRESENT("emergency_contact"))
        c->emergency = (char *)emergency, has = 1;
#undef PRESENT
    if (partial && !has) {
        api_nothing_to_change(call);
        return -1;
    }
    return 0;
}

/* Loads a client the signed-in person may see; answers 404 otherwise (whether it exists
 * for another therapist is not theirs to know). */
int api_load_client(struct api_call *call, int64_t id, struct store_client *out)
{
    int rc = store_client_get(call->ctx->store, &call->arena, id, out);
    if (rc == 0 && !api_may_act_for(call, out->therapist_id))
        rc = -ENOENT;
    return rc < 0 ? api_store_error(call, rc, "client") : 0;
}

void clients_list(struct api_call *call)
{
    struct store_client *clients;
    size_t n;
    /* a list of clients is a read of every record in it: one entry says who looked */
    if (store_client_list(call->ctx->store, &call->arena, call->user.id, &clients, &n) < 0 ||
        api_audit(call, "client.list", 0) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, api_client_json(&clients[i]));
    api_json(call, 200, json_pack("{s:o}", "clients", list));
}

int api_client_create_from(struct api_call *call, json_t *fields, struct store_client *out)
{
    *out = (struct store_client){.therapist_id = call->user.id, .created_at = call->req->now};
    json_t *body = call->body;
    call->body = fields; /* the fields' one set of rules reads the body */
    int rc = read_client_fields(call, out, 0);
    call->body = body;
    if (rc < 0)
        return -1;
    rc = store_client_insert(call->ctx->store, out, &out->id);
    if (rc == 0)
        rc = api_audit(call, "client.create", out->id);
    return rc < 0 ? api_store_error(call, rc, "client") : 0;
}

void clients_create(struct api_call *call)
{
    struct store_client c;
    if (api_client_create_from(call, call->body, &c) == 0)
        api_json(call, 201, json_pack("{s:o}", "client", api_client_json(&c)));
}

void clients_get(struct api_call *call)
{
    struct store_client c;
    int rc = store_client_get(call->ctx->store, &call->arena, call->params[0], &c);
    const char *action = "client.read";
    if (rc == 0 && !api_may_act_for(call, c.therapist_id)) {
        int granted = emergency_grant_active(call, &c);
        if (granted < 0)
            return;
        if (!granted && call->user.role == STORE_ROLE_ADMIN) {
            emergency_required(call);
            return;
        }
        if (!granted)
            rc = -ENOENT; /* whether it is another therapist's is not theirs to know */
        action = "client.emergency_read";
    }
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    if (api_audit(call, action, c.id) < 0) {
        api_store_error(call, -EIO, "client");
        return;
    }
    api_json(call, 200, json_pack("{s:o}", "client", api_client_json(&c)));
}

void clients_update(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0 || read_client_fields(call, &c, 1) < 0)
        return;
    int rc = store_client_update(call->ctx->store, &c);
    if (rc == 0)
        rc = api_audit(call, "client.update", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    api_json(call, 200, json_pack("{s:o}", "client", api_client_json(&c)));
}

void clients_delete(struct api_call *call)
{
    struct store_client c;
    if (api_load_client(call, call->params[0], &c) < 0)
        return;
    int rc = store_client_archive(call->ctx->store, c.id, call->req->now);
    if (rc == 0) /* and every link to a session to come stops working */
        rc = store_invites_revoke(call->ctx->store, c.id, 0, call->req->now, NULL);
    if (rc == 0) /* and every device signed in to their messages is signed out */
        rc = store_inbox_end(call->ctx->store, c.id, NULL);
    if (rc == 0)
        rc = api_audit(call, "client.archive", c.id);
    if (rc < 0) {
        api_store_error(call, rc, "client");
        return;
    }
    api_access_revoked(call, c.id, 0);
    api_no_content(call);
}

/* call: what an endpoint handler gets, and the helpers it answers with.
 * A handler fills call->resp; returning without a status answers 500. */
#ifndef CONFIDE_API_CALL_H
#define CONFIDE_API_CALL_H
#include <jansson.h>

#include "api/api.h"
#include "core/arena.h"
#include "store/store.h"

#define API_MAX_PARAMS 4
/* The most field errors one answer holds. A handler checks a fixed list of fields, so the
 * count is bounded by the code, not by the request; the bound is asserted. */
#define API_MAX_FIELD_ERRORS 16

/* One problem with one body field, recorded by the api_field_* helpers (in the arena). */
struct api_field_problem {
    const char *code, *field, *message;
};

struct api_call {
    struct api_ctx *ctx;
    struct arena arena;              /* this request's memory, freed when it is answered */
    const struct api_request *req;
    struct api_response *resp;
    json_t *body;                    /* the request's JSON object, when the route takes one */
    int signed_in;
    struct store_user user;          /* when signed_in */
    struct store_login login;        /* when signed_in: as it was before this request */
    int64_t params[API_MAX_PARAMS];  /* the {id} segments of the path, in order */
    /* The field errors found so far, in the order the fields were checked; at most one a
     * field. api_fields_failed answers them all as one 400. */
    struct api_field_problem field_errors[API_MAX_FIELD_ERRORS];
    int field_error_count;
};

typedef void (*api_handler)(struct api_call *call);

void api_error(struct api_call *call, int status, const char *code, const char *message);
/* Answers with `json` (which this steals) as the body. */
void api_json(struct api_call *call, int status, json_t *json);
void api_no_content(struct api_call *call);
void api_add_header(struct api_response *resp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The api_field_* helpers read one body field each. A missing or wrong field is recorded
 * (api_field_error), not answered, and the helper returns -1 with *out cleared (NULL, or
 * the default), so a handler checks every field and then asks api_fields_failed once:
 * the person sees every problem of the form at once. A value whose helper failed is not
 * to be used. The sentences, written for the person filling the form, are all in api.c.
 *
 * Reads a string field of the body. min and max count characters (text_length_ok), not
 * bytes; for text people type, pass the limit core/limits.h names for it. */
int api_field_string(struct api_call *call, const char *key, size_t min, size_t max,
                     const char **out, size_t *len);

/* Records a problem with one body field (code, the field, a sentence for a person; all
 * copied). A field keeps its first problem only. Nothing is answered yet: see
 * api_fields_failed. */
void api_field_error(struct api_call *call, const char *code, const char *field,
                     const char *message);
/* When a field error was recorded: answers them all as one 400 and returns 1; the handler
 * then returns without writing anything. 0 when every field checked so far was right.
 * The body: {"error": the first {code, message, field}, "errors": [each {code, field,
 * message}, in the order checked]}. A handler that returns without answering after a
 * field error gets this answer too (api_handle); one that answers success is a bug. */
int api_fields_failed(struct api_call *call);
/* A person's name (a practitioner's or a client's): 1 to LIMIT_NAME printable characters. */
int api_field_name(struct api_call *call, const char *key, const char **out);
/* Appends to the audit log for this request: the signed-in practitioner (or nobody), the
 * action, the record it concerns (0: none) and the address the request came from. */
int api_audit(struct api_call *call, const char *action, int64_t subject_id);
/* The same with who acted and how it ended given: a sign-in before anyone is signed in,
 * or a refusal ("refused"; NULL is "ok"). */
int api_audit_as(struct api_call *call, int64_t actor_user_id, const char *action,
                 int64_t subject_id, const char *outcome);
/* An entry written on its own, outside the request's transaction (the slow routes that
 * run outside it: a failed sign-in leaves nothing else to commit). */
int api_audit_alone(struct api_call *call, int64_t actor_user_id, const char *action,
                    int64_t subject_id, const char *outcome);
/* A client's links were revoked (client_id), or a practitioner's account disabled
 * (user_id; the other 0) in this request: once it commits, the meetings of every node
 * let them go (a STORE_EVENT_REVOKED event). */
void api_access_revoked(struct api_call *call, int64_t client_id, int64_t user_id);
/* The value of name=… in the request's query string into out (at most size - 1 bytes):
 * 1 when present, 0 when absent, -1 (400 invalid_field answered) when too long. */
int api_query_param(struct api_call *call, const char *name, char *out, size_t size);
/* The query's from=YYYY-MM-DD&to=YYYY-MM-DD, both days included, to on or after from and at
 * most max_span days after it (span_words says so to the person: "at most a year later").
 * 0, or -1 with the fields' 400 answered. */
int api_query_days(struct api_call *call, int32_t max_span, const char *span_words, int32_t *from,
                   int32_t *to);
/* 400 missing_field for a change (PATCH) that names none of the fields it could change. */
void api_nothing_to_change(struct api_call *call);
/* Records missing_field for this body field, with the one sentence every route uses. */
void api_field_missing(struct api_call *call, const char *field);
/* Like api_field_string, but absent or null gives *out = NULL and 0. */
int api_field_optional_string(struct api_call *call, const char *key, size_t min, size_t max,
                              const char **out);
/* An integer field in [min, max]; absent or null gives def. */
int api_field_int(struct api_call *call, const char *key, int64_t min, int64_t max, int64_t def,
                  int64_t *out);
/* A boolean field; absent or null gives def. */
int api_field_bool(struct api_call *call, const char *key, int def, int *out);
/* An IANA time zone name the system knows. */
int api_field_time_zone(struct api_call *call, const char *key, const char **out);
/* An email address by core/email's rule; one that breaks it is 400 "invalid_email" with a
 * sentence saying what is wrong (missing or not a string: as api_field_string). */
int api_field_email(struct api_call *call, const char *key, const char **out);
/* Answers with the error body plus `extra` (stolen) merged into "error". */
void api_error_with(struct api_call *call, int status, const char *code, const char *message,
                    json_t *extra);
/* The signed-in person may act on a record owned by therapist_id: it is theirs. Being an
 * administrator adds nothing here (emergency access is api/emergency.c). */
int api_may_act_for(const struct api_call *call, int64_t therapist_id);
/* Answers 429 with Retry-After for a caller that must wait wait_ms before trying again. */
void api_too_many(struct api_call *call, int64_t wait_ms);
/* A public request counted against its address under `what` (e.g. "poll"): the address's
 * key into key (THROTTLE_KEY_MAX bytes, for throttle_failure), 0 when it may try now;
 * answers 429 and returns -1 while it must wait. */
int api_address_may_try(struct api_call *call, const char *what, char *key);
/* The body's "token" (a public link's, at most LINK_TOKEN_FIELD_MAX characters) as its
 * hash, once the address may guess again (api_address_may_try). -1 when answered: the
 * field's error, or 429. A wrong token is the caller's to count (throttle_failure with
 * key). */
int api_link_token(struct api_call *call, const char *what, uint8_t hash[32], char *key);
/* Answers 404 (with `what`) for -ENOENT, 503 storage_full (Retry-After) for -ENOSPC, 503
 * store_unavailable for any other store failure. Returns -1. */
int api_store_error(struct api_call *call, int rc, const char *what);
/* Answers 503 storage_full with Retry-After, whatever was answered before (headers
 * included: no cookie for a sign-in that was not saved). */
void api_storage_full(struct api_call *call);

/* A JSON object for a user as the API shows it. */
json_t *api_user_json(const struct store_user *u);

#endif

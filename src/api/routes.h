/* routes: the one table of every API endpoint (routes.c). */
#ifndef CONFIDE_API_ROUTES_H
#define CONFIDE_API_ROUTES_H
#include "api/call.h"

/* ACCESS_SIGNED_IN_QUIET: signed in, but the request is not activity (it does not
 * postpone automatic sign-out), for a page asking how long its sign-in has left. */
enum route_access { ACCESS_PUBLIC, ACCESS_SIGNED_IN, ACCESS_SIGNED_IN_QUIET, ACCESS_ADMIN };
enum route_body { BODY_NONE, BODY_JSON };

struct route {
    const char *method;
    const char *pattern; /* "{id}" matches one path segment of digits */
    api_handler handler;
    enum route_access access;
    enum route_body body;
};

extern const struct route api_routes[];
extern const int api_route_count;

/* handlers, one file per resource */
void setup_status(struct api_call *call);   /* setup.c */
void setup_create(struct api_call *call);
void login_create(struct api_call *call);   /* login.c */
void login_delete(struct api_call *call);
void me_get(struct api_call *call);
void session_get(struct api_call *call);
void ops_healthz(struct api_call *call);    /* ops.c */
void ops_metrics(struct api_call *call);

/* Starts a sign-in for user_id and sets its cookie on the response. */
int login_start(struct api_call *call, int64_t user_id);
/* {idle_timeout_seconds, idle_remaining_seconds, expires_in_seconds} of call->login. */
json_t *login_session_json(struct api_call *call, int64_t last_activity);

#endif

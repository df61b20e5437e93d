#include "api/routes.h"

const struct route api_routes[] = {
    {"GET", "/healthz", ops_healthz, ACCESS_PUBLIC, BODY_NONE},
    {"GET", "/metrics", ops_metrics, ACCESS_PUBLIC, BODY_NONE},
    {"GET", "/api/v1/setup", setup_status, ACCESS_PUBLIC, BODY_NONE},
    {"POST", "/api/v1/setup", setup_create, ACCESS_PUBLIC, BODY_JSON},
    {"POST", "/api/v1/login", login_create, ACCESS_PUBLIC, BODY_JSON},
    {"POST", "/api/v1/logout", login_delete, ACCESS_PUBLIC, BODY_NONE},
    {"GET", "/api/v1/me", me_get, ACCESS_SIGNED_IN, BODY_NONE},
    {"GET", "/api/v1/session", session_get, ACCESS_SIGNED_IN_QUIET, BODY_NONE},
};
const int api_route_count = sizeof api_routes / sizeof api_routes[0];

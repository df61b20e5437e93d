/* The service's handlers in the /ws message table (live/messages.c): what comes before a
 * meeting (the greeting, a link's preview, joining, a
 * connection test). Private to live/. */
#ifndef CONFIDE_LIVE_HANDLERS_H
#define CONFIDE_LIVE_HANDLERS_H
#include "live/messages.h"

live_service_handler live_service_on_hello, live_service_on_ping, live_service_on_preview,
    live_service_on_join, live_service_on_rejoin, live_service_on_watch, live_service_on_check;
/* service_location.c: a client's answer to "Where are you right now?", waiting or in */
live_service_handler live_service_on_location;

#endif

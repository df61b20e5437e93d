/* Fuzzes the client's answer to "Where are you right now?" as the socket brings it
 * (live/location.h), and the room's handing of it to the hosts: whatever comes, the answer
 * is refused with words or kept in its stored form (a known key or "", at most 300
 * characters without control characters), and no client ever receives anyone's answer. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "live/location.h"
#include "live/protocol.h"
#include "live/room.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *msg = live_protocol_parse((const char *)data, size);
    if (!msg)
        return 0;
    struct live_location where;
    const char *message = NULL;
    if (live_location_parse(msg, &where, &message) < 0) {
        if (!message)
            abort(); /* a refusal always says why */
        json_decref(msg);
        return 0;
    }
    if (where.jurisdiction[0] && !jurisdiction_find(where.jurisdiction))
        abort();
    if (!utf8_valid(where.emergency) ||
        utf8_length(where.emergency, strlen(where.emergency)) > LOCATION_EMERGENCY_MAX)
        abort();
    for (const unsigned char *p = (const unsigned char *)where.emergency; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            abort();
    if (!client_location_name(where.place))
        abort();
    /* a host, two clients waiting: the answer reaches the host only */
    static const struct live_identity host = {LIVE_HOST, 1, 0, "Host"};
    static const struct live_identity ana = {LIVE_CLIENT, 0, 10, "Ana"};
    static const struct live_identity bo = {LIVE_CLIENT, 0, 11, "Bo"};
    struct live_room_settings s = {
        .occurrence_id = 1, .ends_at = 1 << 30, .waiting_room = 1, .chat = 1, .title = "t"};
    struct live_room *r = live_room_new(&s);
    struct live_effects fx = {0};
    live_room_join(r, 1000, 1, &host, "k1", &fx);
    live_room_join(r, 1000, 2, &ana, "k2", &fx);
    live_room_join(r, 1000, 3, &bo, "k3", &fx);
    live_effects_clear(&fx);
    live_room_set_location(r, 2, &where, size & 1, &fx);
    for (size_t i = 0; i < fx.send_count; i++) {
        json_t *out = json_loads(fx.sends[i].text, 0, NULL);
        if (!out || fx.sends[i].conn != 1)
            abort(); /* JSON, and to the host only */
        json_decref(out);
    }
    live_effects_clear(&fx);
    live_room_free(r);
    json_decref(msg);
    return 0;
}

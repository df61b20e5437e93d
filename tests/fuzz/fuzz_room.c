/* Fuzzes the meeting state machine with what arrives on sockets: the input is a series of
 * messages ('\n' between them), each from one of four connections (the first byte picks
 * it: the host, a co-host, two clients), with joins, rejoins by key, drops and ticks mixed
 * in; the first byte's top bit starts from a room restored after a restart (the host and
 * Ana admitted, locked or not). A client who joins is asked every check-in when the first
 * byte's bits 5-6 are not both 0. The room must answer everything without crashing and keep
 * its invariants. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "live/location.h"
#include "live/room.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct live_identity people[] = {
        {LIVE_HOST, 1, 0, "Host"},
        {LIVE_COHOST, 2, 0, "Cohost"},
        {LIVE_CLIENT, 0, 10, "Ana"},
        {LIVE_CLIENT, 0, 11, "Bo"},
    };
    struct live_room_settings s = {.host_video = 1,
                                   .participant_video = 1,
                                   .occurrence_id = 1,
                                   .ends_at = 1 << 30,
                                   .waiting_room = 1,
                                   .chat = 1,
                                   .title = "t"};
    static const char *const keys[] = {"k0", "k1", "k2", "k3"};
    struct live_room *r = live_room_new(&s);
    if (size && (data[0] & 0x80)) {
        struct live_room_admitted kept[] = {{people[0], 1, {0}, 500}, {people[2], 3, {0}, 600}};
        live_key_hash(keys[0], kept[0].key_hash);
        live_key_hash(keys[2], kept[1].key_hash);
        live_room_restore(r, data[0] & 0x40, kept, 2);
    }
    struct live_effects fx = {0};
    int64_t now = 1000;
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *stop = nl ? nl : end;
        if (stop > p) {
            int who = p[0] & 3;
            uint64_t conn = (uint64_t)who + 1 + ((p[0] >> 4) & 1) * 10; /* sometimes a new window */
            switch ((p[0] >> 2) & 3) {
            case 0:
                if (p[0] & 0x80)
                    live_room_rejoin(r, now, conn, keys[who], &fx);
                else if (live_room_join(r, now, conn, &people[who], keys[who], &fx) > 0) {
                    /* as the service asks: all three due, or none and the mood answered
                     * before (on the messages page) */
                    live_room_checkins_asked(r, conn, p[0] & 0x60 ? 7 : 0, p[0] & 0x60 ? 0 : 4,
                                             &fx);
                    /* and says where they are, as the service tells the room */
                    struct live_location where = {"US-NV", CLIENT_NOT_AT_HOME, "SECRET-ADDR"};
                    live_room_set_location(r, conn, &where, p[0] & 0x20, &fx);
                }
                break;
            case 1:
                live_room_disconnect(r, now, conn, &fx);
                break;
            case 2:
                now += 1000 * (p[0] >> 5);
                live_room_tick(r, now, &fx);
                break;
            default: {
                json_t *msg = json_loadb((const char *)p + 1, (size_t)(stop - p - 1), 0, NULL);
                if (json_is_object(msg) && json_is_string(json_object_get(msg, "type")))
                    live_room_message(r, now, conn, msg, &fx);
                json_decref(msg);
            }
            }
        }
        for (size_t i = 0; i < fx.send_count; i++) {
            json_t *out = json_loads(fx.sends[i].text, 0, NULL);
            if (!out)
                abort(); /* every message out is JSON */
            uint64_t to = fx.sends[i].conn % 10;
            if (to >= 3 &&
                strcmp(json_string_value(json_object_get(out, "type")), "risk_alert") == 0)
                abort(); /* a risk alert reaches hosts only, never a client */
            if (to >= 3 &&
                (strcmp(json_string_value(json_object_get(out, "type")), "locations") == 0 ||
                 strcmp(json_string_value(json_object_get(out, "type")), "waiting_list") == 0))
                abort(); /* where clients are (and who waits) reaches hosts only */
            json_decref(out);
        }
        for (size_t i = 0; i < fx.admission_count; i++) {
            const struct live_admission *a = &fx.admissions[i];
            if (!a->gone && (a->participant <= 0 || !a->admitted_at))
                abort(); /* what is kept names a participant admitted at some time */
        }
        live_effects_clear(&fx);
        p = nl ? nl + 1 : end;
    }
    live_room_free(r);
    return 0;
}

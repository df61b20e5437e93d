/* Fuzzes the /ws framing and the message table: any bytes in; either no message (the caller
 * answers malformed_message) or a typed object whose check gives, for every sender, either
 * a handler or exactly one error with a code and a sentence. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "live/effects.h"
#include "live/messages.h"
#include "live/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *msg = live_protocol_parse((const char *)data, size);
    if (!msg)
        return 0;
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (!type)
        abort();
    for (unsigned who = LIVE_SENDER_OUTSIDE; who <= LIVE_SENDER_LAST; who <<= 1) {
        struct live_effects fx = {0};
        const struct live_message *m = live_message_check(type, (enum live_sender)who, 1, &fx);
        if (m ? fx.send_count != 0 : fx.send_count != 1)
            abort();
        for (size_t i = 0; i < fx.send_count; i++) {
            json_t *e = json_loads(fx.sends[i].text, 0, NULL);
            if (!json_is_string(json_object_get(e, "code")) ||
                !json_is_string(json_object_get(e, "message")))
                abort();
            json_decref(e);
        }
        live_effects_clear(&fx);
    }
    json_decref(msg);
    return 0;
}

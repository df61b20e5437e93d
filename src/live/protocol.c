#include "live/protocol.h"

#include <stdlib.h>

json_t *live_protocol_parse(const char *msg, size_t len)
{
    json_t *m = json_loadb(msg, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(m) || !json_is_string(json_object_get(m, "type"))) {
        json_decref(m);
        return NULL;
    }
    return m;
}

void live_protocol_too_large(struct buf *out)
{
    json_t *msg = json_pack("{s:s,s:s,s:s}", "type", "error", "code", "message_too_large",
                            "message", "Messages may be at most 65536 bytes.");
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    buf_reset(out);
    buf_puts(out, text ? text : "{}");
    free(text);
}

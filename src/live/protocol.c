#include "live/protocol.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void reply(struct buf *out, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    buf_reset(out);
    buf_puts(out, text ? text : "{}");
    free(text);
}

static void error(struct buf *out, const char *code, const char *message)
{
    reply(out, json_pack("{s:s,s:s,s:s}", "type", "error", "code", code, "message", message));
}

void live_protocol_too_large(struct buf *out)
{
    error(out, "message_too_large", "Messages may be at most 65536 bytes.");
}

void live_protocol_handle(const char *msg, size_t len, struct buf *out)
{
    buf_reset(out);
    json_error_t jerr;
    json_t *m = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!m || !json_is_object(m)) {
        json_decref(m);
        error(out, "malformed_message", "Messages must be JSON objects.");
        return;
    }
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!type)
        error(out, "malformed_message", "Messages need a string field \"type\".");
    else if (strcmp(type, "hello") == 0)
        reply(out, json_pack("{s:s,s:s,s:i}", "type", "welcome", "protocol", "confide.v1",
                             "version", 1));
    else if (strcmp(type, "ping") == 0)
        reply(out, json_pack("{s:s}", "type", "pong"));
    else
        error(out, "unknown_type", "This message type is not known.");
    json_decref(m);
}

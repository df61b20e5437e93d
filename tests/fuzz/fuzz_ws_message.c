/* Fuzzes the /ws message handler: any bytes in, one well-formed JSON reply out. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "live/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf out = {0};
    live_protocol_handle((const char *)data, size, &out);
    json_t *reply = json_loadb(out.data, out.len, 0, NULL);
    if (!reply || !json_is_string(json_object_get(reply, "type")))
        abort(); /* every message must get a JSON reply with a type */
    json_decref(reply);
    buf_free(&out);
    return 0;
}

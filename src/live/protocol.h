/* protocol: the framing of the /ws protocol "confide.v1" (docs/PROTOCOL.md): what counts as
 * a message (a JSON object with a string "type", no duplicate keys, at most
 * LIVE_MAX_MESSAGE_BYTES) and the error for one too large. Which types exist and who may
 * send them is the table in live/messages.c. */
#ifndef CONFIDE_LIVE_PROTOCOL_H
#define CONFIDE_LIVE_PROTOCOL_H
#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"

#define LIVE_MAX_MESSAGE_BYTES 65536 /* a subscribe answer for a big group is tens of KiB */

/* The message as a JSON object whose "type" is a string (the caller's reference), or NULL
 * when it is not one: the caller answers "malformed_message". */
json_t *live_protocol_parse(const char *msg, size_t len);
/* The error a connection gets for a message over LIVE_MAX_MESSAGE_BYTES. */
void live_protocol_too_large(struct buf *out);

#endif

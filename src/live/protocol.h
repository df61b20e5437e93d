/* protocol: the /ws message protocol "confide.v1" (docs/PROTOCOL.md). Sans-I/O: one
 * complete text message in, zero or more messages out. The meeting itself ([live])
 * grows here; for now a connection can greet and ping, and every bad message gets an
 * error message back while the connection goes on. */
#ifndef CONFIDE_LIVE_PROTOCOL_H
#define CONFIDE_LIVE_PROTOCOL_H
#include <stddef.h>

#include "core/buf.h"

#define LIVE_MAX_MESSAGE_BYTES 65536 /* a subscribe answer for a big group is tens of KiB */

/* Appends the reply, a JSON text, to out; leaves out empty when there is none. */
void live_protocol_handle(const char *msg, size_t len, struct buf *out);
/* The error a connection gets for a message over LIVE_MAX_MESSAGE_BYTES. */
void live_protocol_too_large(struct buf *out);

#endif

/* WebSockets on /ws with subprotocol "confide.v1": whole messages go to live/protocol.c,
 * replies are queued and written one per WRITEABLE callback. */
#include <stdlib.h>
#include <string.h>

#include "auth/origin.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "live/protocol.h"
#include "net/internal.h"

#define WS_QUEUE_MAX 64

struct ws_conn {
    struct buf incoming;
    int discarding; /* the current message went past the cap */
    struct buf queue[WS_QUEUE_MAX];
    int head, count;
};

size_t net_ws_conn_size(void)
{
    return sizeof(struct ws_conn);
}

static void enqueue(struct lws *wsi, struct ws_conn *c, struct buf *msg)
{
    if (msg->len == 0)
        return;
    if (c->count == WS_QUEUE_MAX) {
        buf_free(msg); /* a peer that never reads loses replies, not the server's memory */
        return;
    }
    c->queue[(c->head + c->count) % WS_QUEUE_MAX] = *msg;
    memset(msg, 0, sizeof *msg);
    c->count++;
    lws_callback_on_writable(wsi);
}

static int allowed(struct lws *wsi, const char *public_url)
{
    char path[64] = "";
    char origin[256] = "";
    if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) < 0 || strcmp(path, "/ws") != 0)
        return 0;
    /* browsers always send Origin; a page on another site must not reach the socket */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) > 0) {
        if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0 ||
            !origin_matches(origin, public_url))
            return 0;
    }
    return 1;
}

static void receive(struct lws *wsi, struct ws_conn *c, const void *in, size_t len)
{
    if (!c->discarding) {
        if (c->incoming.len + len > LIVE_MAX_MESSAGE_BYTES) {
            c->discarding = 1;
            buf_free(&c->incoming);
        } else {
            buf_append(&c->incoming, in, len);
        }
    }
    if (!lws_is_final_fragment(wsi))
        return;
    struct buf reply = {0};
    if (c->discarding)
        live_protocol_too_large(&reply);
    else
        live_protocol_handle(c->incoming.data ? c->incoming.data : "", c->incoming.len, &reply);
    c->discarding = 0;
    buf_reset(&c->incoming);
    enqueue(wsi, c, &reply);
}

static int write_next(struct lws *wsi, struct ws_conn *c)
{
    if (c->count == 0)
        return 0;
    struct buf *msg = &c->queue[c->head];
    unsigned char *frame = xmalloc(LWS_PRE + msg->len);
    memcpy(frame + LWS_PRE, msg->data, msg->len);
    int n = lws_write(wsi, frame + LWS_PRE, msg->len, LWS_WRITE_TEXT);
    free(frame);
    buf_free(msg);
    c->head = (c->head + 1) % WS_QUEUE_MAX;
    c->count--;
    if (n < 0)
        return -1;
    if (c->count > 0)
        lws_callback_on_writable(wsi);
    return 0;
}

static void conn_free(struct ws_conn *c)
{
    buf_free(&c->incoming);
    while (c->count > 0) {
        buf_free(&c->queue[c->head]);
        c->head = (c->head + 1) % WS_QUEUE_MAX;
        c->count--;
    }
}

int net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct ws_conn *c = user;
    struct net_server *srv = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return allowed(wsi, srv->cfg->public_url) ? 0 : -1;
    case LWS_CALLBACK_ESTABLISHED:
        memset(c, 0, sizeof *c);
        metrics_websocket_opened();
        return 0;
    case LWS_CALLBACK_RECEIVE:
        receive(wsi, c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return write_next(wsi, c);
    case LWS_CALLBACK_CLOSED:
        metrics_websocket_closed();
        conn_free(c);
        return 0;
    default:
        return 0;
    }
}

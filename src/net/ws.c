/* WebSockets on /ws with subprotocol "confide.v1". Each connection gets a number; whole
 * messages go to live/service.c, which answers through net_ws_send / net_ws_close.
 * Replies are queued and written one per WRITEABLE callback, as libwebsockets requires.
 * The queue holds at most ws_send_queue_bytes: a client that stops reading is closed
 * when its replies pass that, and the handler hears the close like any other, rather
 * than the server's memory growing or the client silently missing messages. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "auth/origin.h"
#include "core/client_addr.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/xalloc.h"
#include "net/internal.h"

struct ws_conn {
    uint64_t id;
    struct lws *wsi;
    struct buf incoming;
    int discarding;  /* the current message went past the cap */
    int close_after; /* close once the queue is written */
    int overflowed;  /* closed for leaving too much unread; nothing more is queued */
    /* replies not yet written: a ring of cap slots (a power of two), count from head */
    struct buf *queue;
    size_t head, count, cap;
    size_t queued_bytes;
};

size_t net_ws_conn_size(void)
{
    return sizeof(struct ws_conn);
}

static struct ws_conn *find(struct net_server *srv, uint64_t id)
{
    for (size_t i = 0; i < srv->ws_count; i++)
        if (srv->ws[i]->id == id)
            return srv->ws[i];
    return NULL;
}

static void drop_queue(struct ws_conn *c)
{
    for (size_t i = 0; i < c->count; i++)
        buf_free(&c->queue[(c->head + i) & (c->cap - 1)]);
    free(c->queue);
    c->queue = NULL;
    c->head = c->count = c->cap = 0;
    c->queued_bytes = 0;
}

static void grow_queue(struct ws_conn *c)
{
    size_t cap = c->cap ? c->cap * 2 : 16;
    struct buf *q = xcalloc(cap, sizeof *q);
    for (size_t i = 0; i < c->count; i++)
        q[i] = c->queue[(c->head + i) & (c->cap - 1)];
    free(c->queue);
    c->queue = q;
    c->head = 0;
    c->cap = cap;
}

/* The client leaves more than the bound unread: its socket will not take more, so no
 * WRITEABLE may ever come to close it politely; it is closed on the loop's next turn. */
static void overflow(struct net_server *srv, struct ws_conn *c)
{
    metrics_websocket_overflow();
    log_warn("ws", "conn=%llu: over %ld bytes of replies unread, closed", (unsigned long long)c->id,
             srv->cfg->ws_send_queue_bytes);
    drop_queue(c);
    c->overflowed = 1;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
}

void net_ws_send(void *arg, uint64_t conn, const char *text, size_t len)
{
    struct net_server *srv = arg;
    struct ws_conn *c = find(srv, conn);
    if (!c || len == 0 || c->close_after || c->overflowed)
        return;
    if (c->queued_bytes + len > (size_t)srv->cfg->ws_send_queue_bytes) {
        overflow(srv, c);
        return;
    }
    if (c->count == c->cap)
        grow_queue(c);
    struct buf *slot = &c->queue[(c->head + c->count) & (c->cap - 1)];
    memset(slot, 0, sizeof *slot);
    buf_append(slot, text, len);
    c->count++;
    c->queued_bytes += len;
    lws_callback_on_writable(c->wsi);
}

void net_ws_close(void *arg, uint64_t conn)
{
    struct ws_conn *c = find(arg, conn);
    if (!c || c->overflowed)
        return;
    c->close_after = 1;
    lws_callback_on_writable(c->wsi);
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

static void opened(struct net_server *srv, struct lws *wsi, struct ws_conn *c)
{
    memset(c, 0, sizeof *c);
    c->id = ++srv->next_ws_id;
    c->wsi = wsi;
    if (srv->ws_count == srv->ws_cap) {
        srv->ws_cap = srv->ws_cap ? srv->ws_cap * 2 : 16;
        srv->ws = xrealloc(srv->ws, srv->ws_cap * sizeof *srv->ws);
    }
    srv->ws[srv->ws_count++] = c;
    char cookie[2048] = "", peer[CLIENT_ADDR_MAX] = "";
    int has_cookie = lws_hdr_copy(wsi, cookie, sizeof cookie, WSI_TOKEN_HTTP_COOKIE) > 0;
    net_client_address(wsi, srv->cfg, peer, sizeof peer);
    metrics_websocket_opened();
    if (srv->ws_handler.open)
        srv->ws_handler.open(srv->ws_handler.arg, c->id, has_cookie ? cookie : NULL, peer,
                             clock_wall_ms());
}

static void closed(struct net_server *srv, struct ws_conn *c)
{
    metrics_websocket_closed();
    if (srv->ws_handler.close)
        srv->ws_handler.close(srv->ws_handler.arg, c->id, clock_wall_ms());
    for (size_t i = 0; i < srv->ws_count; i++)
        if (srv->ws[i] == c) {
            srv->ws[i] = srv->ws[--srv->ws_count];
            break;
        }
    buf_free(&c->incoming);
    drop_queue(c);
}

static void receive(struct net_server *srv, struct lws *wsi, struct ws_conn *c, const void *in,
                    size_t len)
{
    if (!c->discarding) {
        if (c->incoming.len + len > srv->ws_handler.max_message_bytes) {
            c->discarding = 1;
            buf_free(&c->incoming);
        } else {
            buf_append(&c->incoming, in, len);
        }
    }
    if (!lws_is_final_fragment(wsi))
        return;
    if (!srv->ws_handler.message)
        ; /* nobody takes messages yet */
    else if (c->discarding)
        srv->ws_handler.too_large(srv->ws_handler.arg, c->id);
    else
        srv->ws_handler.message(srv->ws_handler.arg, c->id,
                                c->incoming.data ? c->incoming.data : "", c->incoming.len,
                                clock_wall_ms());
    c->discarding = 0;
    buf_reset(&c->incoming);
}

static int write_next(struct lws *wsi, struct ws_conn *c)
{
    if (c->overflowed)
        return -1;
    if (c->count == 0) {
        if (c->close_after) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        return 0;
    }
    struct buf *msg = &c->queue[c->head];
    unsigned char *frame = xmalloc(LWS_PRE + msg->len);
    memcpy(frame + LWS_PRE, msg->data, msg->len);
    int n = lws_write(wsi, frame + LWS_PRE, msg->len, LWS_WRITE_TEXT);
    free(frame);
    assert(c->queued_bytes >= msg->len);
    c->queued_bytes -= msg->len;
    buf_free(msg);
    c->head = (c->head + 1) & (c->cap - 1);
    c->count--;
    if (n < 0)
        return -1;
    if (c->count > 0 || c->close_after)
        lws_callback_on_writable(wsi);
    return 0;
}

int net_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct ws_conn *c = user;
    struct net_server *srv = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return !srv->stop_requested && allowed(wsi, srv->cfg->public_url) ? 0 : -1;
    case LWS_CALLBACK_ESTABLISHED:
        opened(srv, wsi, c);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        receive(srv, wsi, c, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return write_next(wsi, c);
    case LWS_CALLBACK_CLOSED:
        closed(srv, c);
        return 0;
    default:
        return 0;
    }
}

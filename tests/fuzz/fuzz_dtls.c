/* Fuzzes a server-role DTLS peer. Raw bytes alone would rarely get past the ClientHello, so
 * a real client peer runs beside it and the input is a run of one-byte ops that mix the
 * client's genuine datagrams with forged and corrupted ones:
 *   0  deliver the client's next datagram to the server
 *   1  deliver the server's next datagram to the client
 *   2  L(1) bytes(L): an arbitrary datagram to the server
 *   3  at(1) xor(1): the client's next datagram with one byte flipped, to the server
 *   4  ms(1): advance the clock by ms × 16 and tick both peers
 *   5  the client closes (close_notify when connected)
 *   6  L(1) bytes(L): arbitrary bytes as the body of one well-framed record, type and epoch
 *      from the first two of them, to the server (to get past the framing check)
 * Whatever happens, the server must only ever report the events dtls.h promises, its
 * datagrams must fit DTLS_MTU, and it must not crash or leak. Identities are made once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/dtls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QUEUE_MAX 16

struct queue {
    uint8_t data[QUEUE_MAX][DTLS_MTU];
    size_t len[QUEUE_MAX];
    size_t head, n;
};

struct end {
    struct dtls_peer *peer;
    uint8_t bufs[DTLS_OUT_DATAGRAMS][DTLS_MTU];
    struct dtls_datagram dg[DTLS_OUT_DATAGRAMS];
    struct dtls_out out;
};

static struct dtls_identity *server_id, *client_id;

static void take(struct end *e, struct queue *q, int check)
{
    const struct dtls_out *o = &e->out;
    if (o->count > o->datagrams_max)
        abort();
    for (size_t i = 0; i < o->count; i++) {
        if (o->datagrams[i].len == 0 || o->datagrams[i].len > DTLS_MTU)
            abort();
        if (q->n < QUEUE_MAX) {
            size_t at = (q->head + q->n++) % QUEUE_MAX;
            memcpy(q->data[at], o->datagrams[i].data, o->datagrams[i].len);
            q->len[at] = o->datagrams[i].len;
        }
    }
    if (check) {
        unsigned ev = o->events;
        if (ev & ~(unsigned)(DTLS_EV_CONNECTED | DTLS_EV_FAILED | DTLS_EV_CLOSED))
            abort();
        if ((ev & DTLS_EV_FAILED) && o->failure == DTLS_FAIL_NONE)
            abort();
        if ((ev & DTLS_EV_CONNECTED) && rtpsec_dtls_material_len(o->profile) == 0)
            abort();
    }
    dtls_out_wipe(&e->out);
}

static int pop(struct queue *q, const uint8_t **d, size_t *len)
{
    if (q->n == 0)
        return 0;
    *d = q->data[q->head];
    *len = q->len[q->head];
    q->head = (q->head + 1) % QUEUE_MAX;
    q->n--;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!server_id && (dtls_identity_new(1760000000000LL, &server_id) != 0 ||
                       dtls_identity_new(1760000000000LL, &client_id) != 0))
        abort();

    static struct end s, c;
    static struct queue to_s, to_c;
    to_s.head = to_s.n = to_c.head = to_c.n = 0;
    struct end *ends[] = {&s, &c};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < DTLS_OUT_DATAGRAMS; i++)
            ends[k]->dg[i] = (struct dtls_datagram){.data = ends[k]->bufs[i], .cap = DTLS_MTU};
        ends[k]->out =
            (struct dtls_out){.datagrams = ends[k]->dg, .datagrams_max = DTLS_OUT_DATAGRAMS};
    }
    if (dtls_peer_new(server_id, DTLS_ROLE_SERVER, dtls_identity_fingerprint(client_id), &s.peer) !=
            0 ||
        dtls_peer_new(client_id, DTLS_ROLE_CLIENT, dtls_identity_fingerprint(server_id), &c.peer) !=
            0)
        abort();
    int64_t now = 1000;
    dtls_peer_start(c.peer, now, &c.out);
    take(&c, &to_s, 0);

    uint8_t rec[13 + 256];
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++] % 7;
        const uint8_t *d;
        size_t len;
        switch (op) {
        case 0:
            if (pop(&to_s, &d, &len)) {
                dtls_peer_handle(s.peer, now, d, len, &s.out);
                take(&s, &to_c, 1);
            }
            break;
        case 1:
            if (pop(&to_c, &d, &len)) {
                dtls_peer_handle(c.peer, now, d, len, &c.out);
                take(&c, &to_s, 0);
            }
            break;
        case 2:
        case 6: {
            if (i >= size)
                break;
            len = data[i++];
            if (len > size - i)
                len = size - i;
            if (op == 2) {
                dtls_peer_handle(s.peer, now, data + i, len, &s.out);
            } else {
                memset(rec, 0, 13);
                rec[0] = (uint8_t)(20 + (len ? data[i] % 5 : 2));
                rec[1] = 0xfe;
                rec[2] = 0xfd;
                rec[4] = len > 1 ? data[i + 1] & 1 : 0;
                rec[11] = 0;
                rec[12] = (uint8_t)len;
                memcpy(rec + 13, data + i, len);
                dtls_peer_handle(s.peer, now, rec, 13 + len, &s.out);
            }
            take(&s, &to_c, 1);
            i += len;
            break;
        }
        case 3: {
            if (i + 2 > size) {
                i = size;
                break;
            }
            uint8_t at = data[i], x = data[i + 1];
            i += 2;
            if (pop(&to_s, &d, &len)) {
                uint8_t copy[DTLS_MTU];
                memcpy(copy, d, len);
                copy[at % len] ^= x;
                dtls_peer_handle(s.peer, now, copy, len, &s.out);
                take(&s, &to_c, 1);
            }
            break;
        }
        case 4:
            if (i >= size)
                break;
            now += (int64_t)data[i++] * 16;
            dtls_peer_tick(s.peer, now, &s.out);
            take(&s, &to_c, 1);
            dtls_peer_tick(c.peer, now, &c.out);
            take(&c, &to_s, 0);
            if (dtls_peer_next_deadline(s.peer) < now - 1000 &&
                dtls_peer_state(s.peer) == DTLS_STATE_HANDSHAKING)
                abort(); /* a deadline that ticking does not move */
            break;
        case 5:
            dtls_peer_close(c.peer, &c.out);
            take(&c, &to_s, 0);
            break;
        }
    }
    dtls_peer_free(s.peer);
    dtls_peer_free(c.peer);
    s.peer = c.peer = NULL;
    return 0;
}

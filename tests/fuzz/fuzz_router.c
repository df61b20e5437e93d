/* Fuzzes the router with what arrives from the network: the input is a script of datagrams,
 * each [kind][from][dt][len: 2 bytes][bytes], kind even = RTP, odd = RTCP, `from` choosing one
 * of three ports (a publisher and two subscribers of one room), dt advancing the clock so
 * timers run. Whatever comes in, every packet the router sends must be a well-formed RTP or
 * RTCP packet that fits the buffer it was given, addressed to a port of the room. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfu/router.h"
#include "sfu/rtcp.h"
#include "sfu/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

#define CAP 1600
static uint8_t out[CAP];
static int users[3];

static uint8_t *buffer(void *arg, size_t *cap)
{
    (void)arg;
    *cap = CAP;
    return out;
}

static void sent(void *arg, void *user, uint8_t *buf, size_t len, bool rtcp)
{
    (void)arg;
    check(buf == out && len <= CAP);
    check(user == &users[0] || user == &users[1] || user == &users[2]);
    if (rtcp) {
        struct rtcp_iter it;
        struct rtcp_packet p;
        rtcp_iter_init(&it, buf, len);
        int rc, n = 0;
        while ((rc = rtcp_iter_next(&it, &p)) == 1)
            n++;
        check(rc == 0 && n > 0);
    } else {
        struct rtp_packet p;
        check(rtp_parse(&p, buf, len) == 0);
        check(user != &users[0]); /* nobody gets their own media back */
    }
}

static void speaker(void *arg, uint64_t room, uint32_t participant)
{
    (void)arg;
    check(room == 9 && (participant == 1 || participant == 0));
}

static void layers(void *arg, uint64_t room, uint32_t publisher, unsigned active)
{
    (void)arg;
    check(room == 9 && publisher == 1 && (active & 1) && active < 8);
}

static void paused(void *arg, uint64_t room, uint32_t subscriber, uint32_t publisher, bool p)
{
    (void)arg;
    (void)p;
    check(room == 9 && publisher == 1 && (subscriber == 2 || subscriber == 3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct router *r = router_new(1);
    struct router_publish_params pp = {
        .room = 9,
        .participant = 1,
        .pts = {{.pt = 111, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS},
                {.pt = 96, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8},
                {.pt = 97, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8, .rtx = true, .apt = 96}},
        .pt_count = 3,
        .audio_level_id = 1,
    };
    /* the last byte's low bit: a simulcast publisher (RIDs q, h, f at extension 4, their
     * repairs at 5) */
    if (size && (data[size - 1] & 1)) {
        pp.rid_count = 3;
        pp.rid_id = 4;
        pp.repaired_rid_id = 5;
        strcpy(pp.rids[0], "q");
        strcpy(pp.rids[1], "h");
        strcpy(pp.rids[2], "f");
    }
    struct router_port *ports[3];
    ports[0] = router_add_publisher(r, &pp, &users[0]);
    ports[1] = router_add_subscriber(r, 9, 2, &users[1]);
    ports[2] = router_add_subscriber(r, 9, 3, &users[2]);
    struct router_track tracks[2] = {
        {.publisher = 1, .kind = ROUTER_AUDIO, .codec = ROUTER_OPUS, .ssrc = 11, .pt = 111,
         .audio_level = true, .cname = "c"},
        {.publisher = 1, .kind = ROUTER_VIDEO, .codec = ROUTER_VP8, .ssrc = 12, .pt = 96,
         .cname = "c"},
    };
    check(router_set_tracks(r, ports[1], tracks, 2) == 0);
    check(router_set_tracks(r, ports[2], tracks, 1) == 0);
    struct router_sink sink = {.buffer = buffer, .send = sent, .speaker = speaker,
                               .layers = layers, .video_paused = paused};
    int64_t now = 1000;
    for (int i = 0; i < 3; i++)
        router_port_ready(r, ports[i], now, &sink);
    static uint8_t pkt[65536];
    size_t pos = 0;
    while (pos + 5 <= size) {
        uint8_t kind = data[pos], from = data[pos + 1] % 3, dt = data[pos + 2];
        size_t len = (size_t)data[pos + 3] << 8 | data[pos + 4];
        pos += 5;
        if (len > size - pos)
            len = size - pos;
        memcpy(pkt, data + pos, len);
        pos += len;
        now += dt;
        if (kind & 1)
            router_on_rtcp(r, ports[from], pkt, len, now, &sink);
        else
            router_on_rtp(r, ports[from], pkt, len, now, &sink);
        if (kind & 2)
            router_tick(r, now, &sink);
        if (kind == 0xfe)
            router_set_media(r, 9, 1, dt & 1, dt & 2);
        if (kind == 0xfc)
            router_set_view(r, 9, 2 + (dt & 1), 1, (uint16_t)(dt * 8), (uint16_t)(dt * 4));
    }
    router_remove(r, ports[1]);
    router_tick(r, now + 2000, &sink);
    router_free(r);
    return 0;
}

// ICE over TCP to the SFU itself: a client whose network lets no UDP out, and no TURN server
// configured, still meets its therapist. confide's SDP offers a passive TCP host candidate
// on each media port (RFC 6544); the browser connects to it and sends STUN, DTLS and SRTP
// framed on the connection (RFC 4571).
//
// Inside a network namespace this test makes itself (lib/impair.mjs), the client's Chromium
// runs as another uid whose UDP packets iptables drops, all of them; the therapist's is not
// blocked. Both must decode the other's video and receive their audio, the client's selected
// candidate pairs (publish and subscribe) must be TCP at both ends, confide's /metrics must
// count the connections, and the time from admission to the client's first decoded frames
// is printed. The same when a TURN server is configured but down. Then with ICE-TCP turned
// off (--media-tcp-connections 0): the client gets no media at all, which is what the TCP
// candidates are for.
//
// What Chromium needs. Nothing beyond the usual flags: it gathers TCP host candidates by
// default and acts as the active side towards a passive remote candidate. Its host
// candidate in the namespace is 127.0.0.2 on a veth (impair.mjs: it gathers none on lo);
// confide's candidate is 127.0.0.1. Chromium 156 on Debian 12 connects from 127.0.0.2 to
// 127.0.0.1 over TCP as it does over UDP; no --enable-features flag is needed.
//
//   cd tests/e2e && node --test ice-tcp.test.mjs     (root: it makes a namespace)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { blockUdp, inNetns, launchImpairedChromium } from './lib/impair.mjs';
import {
  MEDIA_ARGS, addClient, api, assertRising, joinAsHost, knock, localUrl, makeSession, metrics,
  person, received, waitForMedia,
} from './lib/meeting.mjs';

await inNetns(import.meta.url, { timeoutMs: 4 * 60 * 1000 });

const THERAPIST = 'Dr Ada Byron';
const CLIENT = 'Sam Rivera';

let browser;
let blocked;
let udpDropped;

before(async () => {
  udpDropped = blockUdp();
  browser = await launchChromium(MEDIA_ARGS);
  blocked = await launchImpairedChromium(MEDIA_ARGS);
});

after(async () => {
  await blocked?.close().catch(() => {});
  await browser?.close().catch(() => {});
});

// Each open RTCPeerConnection's selected candidate pair: both candidates' protocol and type.
function selectedPairs(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const pc of window.testPcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      const byId = new Map();
      stats.forEach((s) => byId.set(s.id, s));
      stats.forEach((s) => {
        if (s.type !== 'transport' || !s.selectedCandidatePairId) return;
        const pair = byId.get(s.selectedCandidatePairId);
        const local = byId.get(pair?.localCandidateId);
        const remote = byId.get(pair?.remoteCandidateId);
        out.push({ state: pair?.state, nominated: pair?.nominated,
          local: `${local?.protocol} ${local?.candidateType} ${local?.tcpType ?? ''}`.trim(),
          remote: `${remote?.protocol} ${remote?.candidateType} ${remote?.address}:${remote?.port}`,
          bytesReceived: pair?.bytesReceived });
      });
    }
    return out;
  });
}

// A one-to-one session, the therapist unblocked, the client blocked; the client admitted.
async function meet(server) {
  const call = await api(server);
  const sam = await addClient(call, CLIENT, 1);
  const session = await makeSession(call, [sam], 'Weekly session');
  const ada = await person(browser, THERAPIST);
  const client = await person(blocked, CLIENT);
  await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
  await knock(client, localUrl(server, session.invites[0].url), session.occurrences[0].password);
  await ada.page.getByRole('button', { name: `Admit ${CLIENT}` }).click();
  return { ada, client, admittedAt: Date.now() };
}

test('no UDP and no TURN server: the client reaches the SFU over ICE-TCP, both see and hear each other', async () => {
  await withServer({ args: ['--media-workers', '1'] }, async (server) => {
    const { ada, client, admittedAt } = await meet(server);
    await waitForMedia(client, [THERAPIST], { timeoutMs: 45000, frames: 1 });
    const firstFrameMs = Date.now() - admittedAt;
    await waitForMedia(client, [THERAPIST], { timeoutMs: 45000 });
    await waitForMedia(ada, [CLIENT], { timeoutMs: 45000 });
    await assertRising(client, [THERAPIST], 2000);
    await assertRising(ada, [CLIENT], 2000);

    // both of the client's transports (publish, subscribe) run over TCP, to our candidate
    const pairs = await selectedPairs(client.page);
    assert.equal(pairs.length, 2, JSON.stringify(pairs));
    for (const pair of pairs) {
      assert.equal(pair.state, 'succeeded', JSON.stringify(pairs));
      assert.equal(pair.nominated, true, JSON.stringify(pairs));
      // its own TCP address: "host", or "prflx" as our check response maps it (its TCP host
      // candidate names port 9, as RFC 6544 has active ones do; the connection's port is another)
      assert.match(pair.local, /^tcp (host|prflx)/, JSON.stringify(pairs));
      assert.match(pair.remote, /^tcp host 127\.0\.0\.1:\d+$/, JSON.stringify(pairs));
    }
    assert.ok(udpDropped() > 0, 'the client did try UDP, and it was dropped');
    // and the therapist, whose UDP works, stays on UDP
    const hers = await selectedPairs(ada.page);
    for (const pair of hers) assert.match(pair.local, /^udp /, JSON.stringify(hers));

    const m = await metrics(server);
    assert.ok(m.confide_media_ice_tcp_accepted_total >= 2, JSON.stringify(m));
    assert.ok(m.confide_media_ice_tcp_open >= 2, JSON.stringify(m));
    assert.equal(m.confide_media_ice_tcp_refused_total, 0);
    console.log(`ice-tcp: ${JSON.stringify({ firstFrameMs, pairs, udpDropped: udpDropped(),
      accepted: m.confide_media_ice_tcp_accepted_total, open: m.confide_media_ice_tcp_open,
      unchecked: m.confide_media_ice_tcp_unchecked_total, dropFull: m.confide_media_ice_tcp_drop_full_total })}`);
    await ada.context.close();
    await client.context.close();
  });
});

test('a TURN server configured but down: the client still gets through over ICE-TCP', async () => {
  // nothing listens on this port in the namespace: the relay candidates never come
  const env = { CONFIDE_TURN_URIS: 'turn:127.0.0.1:3999?transport=udp, turn:127.0.0.1:3999?transport=tcp',
    CONFIDE_TURN_SECRET: 'a-secret-for-a-turn-server-that-is-down' };
  await withServer({ args: ['--media-workers', '1'], env }, async (server) => {
    const { ada, client } = await meet(server);
    await waitForMedia(client, [THERAPIST], { timeoutMs: 45000 });
    await waitForMedia(ada, [CLIENT], { timeoutMs: 45000 });
    const pairs = await selectedPairs(client.page);
    assert.equal(pairs.length, 2, JSON.stringify(pairs));
    for (const pair of pairs) {
      assert.match(pair.local, /^tcp (host|prflx)/, JSON.stringify(pairs));
      assert.match(pair.remote, /^tcp host /, JSON.stringify(pairs));
    }
    await ada.context.close();
    await client.context.close();
  });
});

test('ICE-TCP turned off (--media-tcp-connections 0): the UDP-blocked client gets no media', async () => {
  await withServer({ args: ['--media-workers', '1', '--media-tcp-connections', '0'] }, async (server) => {
    const { ada, client } = await meet(server);
    await new Promise((r) => setTimeout(r, 10000));
    const seen = await received(client.page);
    assert.ok(!(seen[`Video of ${THERAPIST}`]?.framesDecoded > 0), JSON.stringify(seen));
    const m = await metrics(server);
    assert.equal(m.confide_media_ice_tcp_accepted_total, 0);
    await ada.context.close();
    await client.context.close();
  });
});

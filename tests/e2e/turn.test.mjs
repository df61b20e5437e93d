// TURN through the practice's coturn: a client whose network lets no UDP out reaches
// confide's media through coturn over TCP, with the short-lived credentials confide hands
// its page at admission (the TURN REST scheme, coturn's use-auth-secret).
//
// Inside a network namespace this test makes itself (lib/impair.mjs), the client's Chromium
// runs as another uid whose UDP packets iptables drops, all of them: its host candidates
// cannot reach confide's media port, nor coturn's UDP port. The therapist's Chromium is not
// blocked. Debian's coturn runs on 127.0.0.1 (lib/turn.mjs); confide is given its URIs (UDP
// and TCP) and the shared secret. The client's selected candidate pair must be a relay over
// TCP, both sides must decode the other's video and receive their audio, and coturn's log
// must show the allocation under a user name "<expiry>:<random id>". Then, with confide
// holding a wrong secret, coturn refuses the client (401) and no media reaches it.
//
//   cd tests/e2e && node --test turn.test.mjs     (root: it makes a namespace; apt-get install coturn)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { blockUdp, inNetns, launchImpairedChromium } from './lib/impair.mjs';
import {
  MEDIA_ARGS, addClient, api, assertRising, joinAsHost, knock, localUrl, makeSession, person,
  received, waitForMedia,
} from './lib/meeting.mjs';
import { startTurn } from './lib/turn.mjs';

await inNetns(import.meta.url, { timeoutMs: 4 * 60 * 1000 });

const THERAPIST = 'Dr Ada Byron';
const CLIENT = 'Sam Rivera';
// "<expiry in Unix seconds>:<16 base64url characters>": nothing of the person in it
const USERNAME = /^\d{10}:[A-Za-z0-9_-]{16}$/;

let turn;
let browser;
let blocked;
let udpDropped;

before(async () => {
  udpDropped = blockUdp();
  turn = await startTurn();
  browser = await launchChromium(MEDIA_ARGS);
  blocked = await launchImpairedChromium(MEDIA_ARGS);
});

after(async () => {
  await blocked?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await turn?.stop();
});

// Each open RTCPeerConnection's selected candidate pair, as its local candidate has it.
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
        out.push({ state: pair?.state, nominated: pair?.nominated, type: local?.candidateType,
          relayProtocol: local?.relayProtocol, url: local?.url, remote: `${remote?.address}:${remote?.port}` });
      });
    }
    return out;
  });
}

// Every local candidate each open RTCPeerConnection gathered, by type.
function localCandidateTypes(page) {
  return page.evaluate(async () => {
    const types = [];
    for (const pc of window.testPcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => { if (s.type === 'local-candidate') types.push(s.candidateType); });
    }
    return types;
  });
}

// The `ice_servers` message the page received, read off its WebSocket.
async function watchIceServers(p) {
  p.iceServers = [];
  p.page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    if (typeof payload === 'string' && payload.startsWith('{"type":"ice_servers"')) {
      p.iceServers.push(JSON.parse(payload).ice_servers);
    }
  }));
}

// A one-to-one session, the therapist unblocked, the client blocked; the client admitted.
async function meet(server) {
  const call = await api(server);
  const sam = await addClient(call, CLIENT, 1);
  const session = await makeSession(call, [sam], 'Weekly session');
  const ada = await person(browser, THERAPIST);
  const client = await person(blocked, CLIENT);
  await watchIceServers(ada);
  await watchIceServers(client);
  await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
  await knock(client, localUrl(server, session.invites[0].url), session.occurrences[0].password);
  assert.deepEqual(client.iceServers, [], 'no TURN credentials in the waiting room');
  await ada.page.getByRole('button', { name: `Admit ${CLIENT}` }).click();
  return { ada, client };
}

// ICE-TCP off: with it, the client would reach the SFU's own TCP candidate rather than the
// relay (ice-tcp.test.mjs is that case)
function confideWith(secret) {
  return { args: ['--media-workers', '1', '--media-tcp-connections', '0'],
    env: { CONFIDE_TURN_URIS: turn.uris.join(', '), CONFIDE_TURN_SECRET: secret } };
}

test('no UDP for the client: it relays through coturn over TCP, and both see and hear each other', async () => {
  await withServer(confideWith(turn.secret), async (server) => {
    const { ada, client } = await meet(server);
    await waitForMedia(client, [THERAPIST], { timeoutMs: 45000 });
    await waitForMedia(ada, [CLIENT], { timeoutMs: 45000 });
    await assertRising(client, [THERAPIST], 2000);
    await assertRising(ada, [CLIENT], 2000);

    // the credentials came once, before `admitted`, in the shape RTCPeerConnection takes
    assert.equal(client.iceServers.length, 1, JSON.stringify(client.iceServers));
    const [entry] = client.iceServers[0];
    assert.deepEqual(entry.urls, turn.uris);
    assert.match(entry.username, USERNAME);
    const expiry = Number(entry.username.split(':')[0]);
    const now = Date.now() / 1000;
    assert.ok(expiry > now + 14000 && expiry < now + 14500, `expiry ${expiry}: turn_ttl 14400 s`);
    assert.ok(entry.credential.length === 28, 'base64 of an HMAC-SHA1');
    assert.notEqual(ada.iceServers[0][0].username, entry.username, 'one id per admission');

    // both of the client's transports (publish, subscribe) go through the relay, over TCP
    const pairs = await selectedPairs(client.page);
    assert.equal(pairs.length, 2, JSON.stringify(pairs));
    for (const pair of pairs) {
      assert.equal(pair.state, 'succeeded', JSON.stringify(pairs));
      assert.equal(pair.type, 'relay', JSON.stringify(pairs));
      assert.equal(pair.relayProtocol, 'tcp', JSON.stringify(pairs));
    }
    assert.ok(udpDropped() > 0, 'the client did try UDP, and it was dropped');

    // coturn allocated for that user name
    const log = turn.log();
    const allocated = log.split('\n').filter((l) => l.includes(`user <${entry.username}>`) &&
      /ALLOCATE processed, success/.test(l));
    assert.ok(allocated.length > 0, `no allocation for ${entry.username} in coturn's log:\n${log.slice(-4000)}`);
    assert.ok(!log.includes(turn.secret), 'the secret is not in coturn\'s log');
    assert.ok(!server.stdout.includes(entry.credential) && !server.stderr.includes(entry.credential) &&
      !server.stdout.includes(turn.secret) && !server.stderr.includes(turn.secret),
      'confide logs neither the secret nor the credentials');
    console.log(`turn: ${JSON.stringify({ pairs, udpDropped: udpDropped(), allocations: allocated.length })}`);
    await ada.context.close();
    await client.context.close();
  });
});

test('a wrong secret on confide\'s side: coturn refuses the client (401), no media reaches it', async () => {
  await withServer(confideWith('not-the-secret-coturn-holds-0123'), async (server) => {
    const { ada, client } = await meet(server);
    await new Promise((r) => setTimeout(r, 10000));
    const [entry] = client.iceServers.at(-1) ?? [{}];
    assert.match(entry.username ?? '', USERNAME);
    const seen = await received(client.page);
    assert.ok(!(seen[`Video of ${THERAPIST}`]?.framesDecoded > 0), JSON.stringify(seen));
    assert.ok(!(await localCandidateTypes(client.page)).includes('relay'), 'no relay candidate');
    const log = turn.log();
    const refused = log.split('\n').filter((l) => l.includes(`user <${entry.username}>`) && /error 401/.test(l));
    assert.ok(refused.length > 0, `coturn did not refuse ${entry.username}:\n${log.slice(-4000)}`);
    await ada.context.close();
    await client.context.close();
  });
});

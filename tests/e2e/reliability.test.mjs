// Connection-level faults against the real binary: clients that trickle their headers or
// bodies (slowloris) are closed at their deadline while others are served at once; the
// connection limits per address and in all (trusted proxies exempt from the first); an
// idle keep-alive connection is closed; a WebSocket that never reads is closed when its
// unread replies pass the bound, the meeting hears it leave, and everyone else goes on.
// Clients are told apart by loopback source addresses (Linux routes 127.0.0.0/8 to lo).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { request, setupAdmin, startServer } from './lib/server.mjs';
import { connect } from './lib/ws.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A raw TCP connection from `from`; .ended resolves to the ms from `t0` when it ended,
// .data is everything it received.
function openRaw(port, from, t0 = Date.now()) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: from });
    s.data = '';
    s.on('data', (d) => { s.data += d; });
    s.on('error', () => {}); // a refused connection may end in a reset
    s.ended = new Promise((r) => s.on('close', () => r(Date.now() - t0)));
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

// One GET on a fresh connection from `from`; the status line's code, or null when the
// connection ended without an answer.
async function getFrom(port, from, path = '/healthz') {
  const s = await openRaw(port, from);
  s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  await Promise.race([s.ended, sleep(5000)]);
  s.destroy();
  const m = s.data.match(/^HTTP\/1\.1 (\d{3})/);
  return m ? Number(m[1]) : null;
}

async function metric(server, name) {
  const res = await request(server, 'GET', '/metrics');
  const m = res.text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

describe('slow clients', () => {
  const HEADER_S = 3;
  const BODY_S = 5;
  let server;
  before(async () => {
    server = await startServer({
      args: ['--header-timeout', String(HEADER_S), '--body-timeout', String(BODY_S),
        '--keepalive-timeout', '2'],
    });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr.slice(-2000));
    server.cleanup();
  });

  test('200 connections trickling headers or bodies are closed at their deadline; others are served at once', async () => {
    const t0 = Date.now();
    const slow = [];
    // 100 trickle headers, 100 trickle a declared body; from two addresses (the per-address
    // limit is 200), the normal client from a third
    for (let i = 0; i < 100; i++) {
      const s = await openRaw(server.port, '127.0.0.2', t0);
      s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      s.kind = 'headers';
      slow.push(s);
    }
    for (let i = 0; i < 100; i++) {
      const s = await openRaw(server.port, '127.0.0.3', t0);
      s.write('POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        `Origin: ${server.url}\r\nContent-Length: 4000\r\n\r\n{`);
      s.kind = 'body';
      s.bodyStart = Date.now() - t0;
      slow.push(s);
    }
    // a byte every 300 ms each: progress that must not move the deadline
    const trickle = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write(s.kind === 'headers' ? 'X' : ' ');
    }, 300);
    try {
      // meanwhile the normal client's requests (fresh connections and one kept alive)
      // are answered at once
      const latencies = [];
      while (Date.now() - t0 < (HEADER_S - 0.5) * 1000) {
        const start = Date.now();
        const res = await request(server, 'GET', '/healthz');
        assert.equal(res.status, 200);
        const page = await getFrom(server.port, '127.0.0.1', '/');
        assert.equal(page, 200);
        latencies.push(Date.now() - start);
      }
      assert.ok(latencies.length >= 5, `only ${latencies.length} rounds`);
      assert.ok(Math.max(...latencies) < 1000, `a normal request took ${Math.max(...latencies)} ms`);
      // every slow connection is still held here (none is closed early)...
      assert.ok(slow.every((s) => !s.destroyed && s.readyState === 'open'));
      const closedAt = await Promise.all(slow.map((s) => s.ended));
      // ...and each is closed at its deadline, trickling or not, without an answer
      for (let i = 0; i < slow.length; i++) {
        const s = slow[i];
        const deadline = s.kind === 'headers' ? HEADER_S * 1000 : s.bodyStart + BODY_S * 1000;
        assert.ok(closedAt[i] >= deadline - 500 && closedAt[i] <= deadline + 2500,
          `${s.kind} connection ${i} closed at ${closedAt[i]} ms, deadline ${deadline} ms`);
        assert.equal(s.data, '', 'a slow request got an answer');
      }
    } finally {
      clearInterval(trickle);
      for (const s of slow) s.destroy();
    }
    assert.ok(await metric(server, 'confide_requests_timed_out_total') >= 100);
    assert.equal(await getFrom(server.port, '127.0.0.2'), 200, 'the slow address is served again');
  });

  // libwebsockets 4.1 took a request that came before the last one's transaction was
  // ended for the rest of that one's body and spun on it: the whole server stopped
  test('POSTs one after another on one kept-alive connection are all answered', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = () => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/v1/clients',
        method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': 2 } },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.setTimeout(2000, () => reject(new Error('no answer in 2 s')));
      req.on('error', reject);
      req.end('{}');
    });
    for (let i = 0; i < 300; i++) assert.equal(await post(), 401, `POST ${i}`);
    agent.destroy();
  });

  test('an idle kept-alive connection is closed after keepalive_timeout', async () => {
    const t0 = Date.now();
    const s = await openRaw(server.port, '127.0.0.1', t0);
    s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    while (!s.data.includes('\r\n\r\n')) await sleep(20);
    assert.match(s.data, /^HTTP\/1\.1 200/);
    const answeredAt = Date.now() - t0;
    const closedAt = await s.ended;
    assert.ok(closedAt - answeredAt >= 1500 && closedAt - answeredAt <= 4500,
      `closed ${closedAt - answeredAt} ms after the answer`);
  });
});

describe('connection limits', () => {
  let server;
  before(async () => {
    server = await startServer({
      args: ['--max-connections-per-address', '3', '--max-connections', '6',
        '--trusted-proxies', '127.0.0.4'],
    });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr.slice(-2000));
    server.cleanup();
  });

  test('one address past max_connections_per_address is closed at once; others are served', async () => {
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await openRaw(server.port, '127.0.0.1'));
    const t0 = Date.now();
    const extra = await openRaw(server.port, '127.0.0.1', t0);
    extra.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.ok(await extra.ended < 1000, 'the fourth connection was not closed at once');
    assert.equal(extra.data, '');
    assert.equal(await getFrom(server.port, '127.0.0.2'), 200, 'another address is served');
    // one of the three goes: the address has room again
    held.pop().destroy();
    await sleep(200);
    assert.equal(await getFrom(server.port, '127.0.0.1'), 200);
    for (const s of held) s.destroy();
    await sleep(200);
  });

  test('a trusted proxy is held to the total only, and the total is max_connections', async () => {
    const held = [];
    // five from the proxy: more than the per-address three
    for (let i = 0; i < 5; i++) held.push(await openRaw(server.port, '127.0.0.4'));
    held.push(await openRaw(server.port, '127.0.0.5'));
    // six open: the seventh, from a fresh address, is turned away
    const extra = await openRaw(server.port, '127.0.0.6');
    assert.ok(await Promise.race([extra.ended, sleep(1000).then(() => null)]) !== null,
      'the connection past max_connections was not closed');
    assert.ok(held.every((s) => s.readyState === 'open'), 'a held connection was closed');
    held[0].write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    while (!held[0].data.includes('\r\n\r\n')) await sleep(20);
    assert.match(held[0].data, /^HTTP\/1\.1 200/);
    for (const s of held) s.destroy();
    await sleep(200);
    assert.equal(await getFrom(server.port, '127.0.0.6'), 200);
    assert.ok(await metric(server, 'confide_connections_refused_total') >= 2);
  });
});

describe('a WebSocket that never reads', () => {
  const QUEUE = 65536;
  let server, cookie;
  before(async () => {
    server = await startServer({ args: ['--ws-send-queue-bytes', String(QUEUE)] });
    cookie = await setupAdmin(server);
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr.slice(-2000));
    assert.ok(!/Reader|Sleeper|still here/.test(server.stderr), 'names or chat in the log');
    server.cleanup();
  });

  test('is closed when its unread replies pass ws_send_queue_bytes; the meeting goes on', async () => {
    const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
    const clients = [];
    for (const name of ['Sleeper', 'Reader']) {
      const res = await call('POST', '/api/v1/clients', { name, email: `${name.toLowerCase()}@mail.example`, time_zone: 'UTC' });
      assert.equal(res.status, 201, res.text);
      clients.push(res.json.client);
    }
    const group = (await call('POST', '/api/v1/groups', { name: 'Group', agreement: 'Kept here.',
      members: clients.map((c) => c.id) })).json.group;
    const created = await call('POST', '/api/v1/sessions', { title: 'Evening', time_zone: 'UTC',
      starts_at: new Date(Date.now() + 5 * 60000).toISOString(), group_id: group.id,
      waiting_room: false });
    assert.equal(created.status, 201, created.text);
    const s = created.json.session;
    const link = (c) => s.invites.find((i) => i.client_id === c.id).url.split('/j/')[1];
    const password = s.occurrences[0].password;

    const host = await connect(server, { cookie });
    host.json({ type: 'join', token: s.host_url.split('/j/')[1] });
    await host.next('admitted');
    const join = async (c) => {
      const ws = await connect(server);
      ws.json({ type: 'join', token: link(c), password, agree: true });
      const joined = await ws.next('joined');
      await ws.next('admitted');
      return { ws, id: joined.participant };
    };
    const sleeper = await join(clients[0]);
    const reader = await join(clients[1]);
    await host.until('room', (m) => m.participants.some((p) => p.id === reader.id && p.connected));

    // the sleeper stops reading; its own messages keep coming in, each answered (pong, or
    // slow_down past the rate), until the kernel's buffers and then the queue are full
    sleeper.ws._socket.pause();
    const gone = host.until('room', (m) => m.participants.some((p) => p.id === sleeper.id && !p.connected), 30000);
    let stop = false;
    gone.then(() => { stop = true; }, () => { stop = true; });
    let sent = 0;
    while (!stop && sent < 2000000) {
      for (let i = 0; i < 2000; i++) sleeper.ws.send('{"type":"ping"}');
      sent += 2000;
      await sleep(5);
    }
    await gone; // the meeting heard the close like any other
    assert.ok(await metric(server, 'confide_websocket_send_overflows_total') >= 1);

    // the others are unaffected: the reader chats, the host hears it, the reader gets pongs
    reader.ws.drain();
    host.drain();
    reader.ws.json({ type: 'chat', to: 'everyone', text: 'still here' });
    assert.equal((await host.next('chat')).text, 'still here');
    reader.ws.json({ type: 'ping' });
    await reader.ws.next('pong');

    // the sleeper, reading again, finds the connection closed
    sleeper.ws._socket.resume();
    await Promise.race([sleeper.ws.closed, sleep(10000).then(() => assert.fail('the sleeper was not closed'))]);
    host.close();
    reader.ws.close();
  });
});

// Two confide nodes on one PostgreSQL database behind Debian's nginx, the way
// docs/DEPLOY.md sets them up: nginx sends /node/a/ and /node/b/ to one node each and
// everything else to whichever is up. A group meeting (a therapist and three clients in
// Chromium, fake camera and microphone) is carried by node b; every page reaches node a
// first and is sent there (`moved`). Then the node carrying it is killed with SIGKILL: within
// 15 s every page is back in the meeting on the other node, video decoding, and nobody
// went through the waiting room again.
//
// Needs the throw-away cluster (CONFIDE_TEST_PG_DIR, tests/CMakeLists.txt: e2e_nodes_pg).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium } from './lib/browser.mjs';
import {
  MEDIA_ARGS, addClient, api, joinAsHost, knock, makeSession, person, waitForMedia,
} from './lib/meeting.mjs';
import { PROXIED, UPGRADE_MAP, startNginx } from './lib/nginx.mjs';
import { freePort, startServer } from './lib/server.mjs';
import { connect } from './lib/ws.mjs';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const PG_DIR = process.env.CONFIDE_TEST_PG_DIR;
const THERAPIST = 'Dr Ada Byron';
const NAMES = ['Sam Rivera', 'Alex Moreno', 'Jo Okafor'];
const FAILOVER_MS = 15000;

// docs/DEPLOY.md's several-nodes configuration, on loopback without TLS, with node b as the
// upstream's backup: the practice's address then always reaches node a while it is up, so
// which pages are sent where is known
function httpBlock(port, nodes) {
  return `  ${UPGRADE_MAP}
  upstream confide {
${nodes.map((n, i) => `    server 127.0.0.1:${n.port} max_fails=1 fail_timeout=5s${i ? ' backup' : ''};`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
${nodes.map((n) => `    location /node/${n.id}/ {
      proxy_pass http://127.0.0.1:${n.port}/;
      ${PROXIED}
    }`).join('\n')}
    location / {
      proxy_pass http://confide;
      proxy_next_upstream error timeout;
      ${PROXIED}
    }
  }`;
}

function psql(db, sql) {
  const out = spawnSync(`${PG_BIN}/psql`, ['-h', PG_DIR, '-U', 'postgres', '-d', db, '-At', '-c', sql],
    { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim();
}

const ctx = {};

before(async () => {
  assert.ok(PG_DIR, 'CONFIDE_TEST_PG_DIR: run through ctest (e2e_nodes_pg)');
  ctx.dir = mkdtempSync(path.join(os.tmpdir(), 'confide-nodes-'));
  ctx.db = `e2e_nodes_${process.pid}`;
  const made = spawnSync(`${PG_BIN}/createdb`, ['-h', PG_DIR, '-U', 'postgres', ctx.db], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  ctx.proxyPort = await freePort();
  const publicUrl = `http://127.0.0.1:${ctx.proxyPort}`;
  ctx.publicUrl = publicUrl;
  ctx.nodes = [];
  for (const id of ['a', 'b']) {
    // one after the other: the first makes the key file both use
    const server = await startServer({
      databaseUrl: `postgresql:///${ctx.db}?host=${PG_DIR}&user=postgres`,
      args: ['--node-id', id, '--node-url', `${publicUrl}/node/${id}`, '--public-url', publicUrl,
        '--key-file', path.join(ctx.dir, 'secret.key'), '--trusted-proxies', '127.0.0.1',
        '--media-workers', '1'],
    });
    ctx.nodes.push({ id, port: server.port, server });
  }
  // a second process under a running node's id is refused: it would take that node's
  // meetings and mail
  await assert.rejects(startServer({
    databaseUrl: `postgresql:///${ctx.db}?host=${PG_DIR}&user=postgres`,
    args: ['--node-id', 'a', '--public-url', publicUrl, '--key-file', path.join(ctx.dir, 'secret.key')],
  }), /node_id "a" is in use by another running confide/);
  ctx.nginx = await startNginx(ctx.dir, ctx.proxyPort, httpBlock(ctx.proxyPort, ctx.nodes));
  ctx.browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await ctx.browser?.close();
  await ctx.nginx?.stop();
  for (const n of ctx.nodes ?? []) {
    await n.server.stop();
    n.server.cleanup();
  }
  if (PG_DIR && ctx.db) spawnSync(`${PG_BIN}/dropdb`, ['-h', PG_DIR, '-U', 'postgres', '--force', ctx.db]);
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

// a node's own gauges (GET /metrics from loopback)
async function gauges(node) {
  const text = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  const out = {};
  for (const m of text.matchAll(/^(confide_(?:node_info\{node="([^"]+)"\}|meetings_carried|waiting_room_people|outbox_sending) )(\d+)$/gm)) {
    if (m[2]) out.node = m[2];
    else out[m[1].trim()] = Number(m[3]);
  }
  return out;
}

const viaProxy = (url) => ctx.publicUrl + new URL(url).pathname;
// the practice's first account, made once on node a
async function therapist() {
  ctx.call ??= await api(ctx.nodes[0].server);
  return ctx.call;
}

describe('several nodes', () => {
  test('what one node does, the others hear: who waits, and whose access ended', async () => {
    const [a, b] = ctx.nodes;
    const call = await therapist();
    const clients = [await addClient(call, 'Kim Lee', 11), await addClient(call, 'Ray Diaz', 12)];
    const session = await makeSession(call, clients, 'Monday group');
    const password = session.occurrences[0].password;
    const token = (c) => new URL(session.invites.find((v) => v.client_id === c.id).url).pathname.split('/')[2];
    const opts = { origin: ctx.publicUrl };
    // the therapist's dashboard is served by node b; she hosts on node a
    const dashboard = await connect(b.server, { ...opts, cookie: call.cookie });
    dashboard.json({ type: 'watch' });
    await dashboard.next('watching');
    const stranger = await connect(b.server, opts);
    stranger.json({ type: 'watch' });
    assert.equal((await stranger.next('error')).code, 'sign_in_required');
    const host = await connect(a.server, { ...opts, cookie: call.cookie });
    host.json({ type: 'join', session_id: session.id });
    await host.next('admitted');
    const kim = await connect(a.server, opts);
    kim.json({ type: 'join', token: token(clients[0]), password, agree: true });
    await kim.next('waiting');
    const told = await dashboard.until('waiting', (m) => m.count === 1);
    assert.equal(told.session_id, session.id);
    assert.equal(told.occurrence_id, session.occurrences[0].id);
    // a dashboard opened later is told too (after, possibly, counts older still on the way)
    const later = await connect(a.server, { ...opts, cookie: call.cookie });
    later.json({ type: 'watch' });
    await later.until('waiting', (m) => m.session_id === session.id && m.count === 1);
    host.json({ type: 'admit_all' });
    await kim.next('admitted');
    await dashboard.until('waiting', (m) => m.count === 0);

    // wrong passwords on node a count on node b: the sixth makes both wait
    const login = (node, password) => fetch(`http://127.0.0.1:${node.port}/api/v1/login`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: ctx.publicUrl },
      body: JSON.stringify({ email: 'nobody@practice.example', password }),
    });
    for (let i = 0; i < 6; i++) assert.equal((await login(a, `wrong ${i}`)).status, 401);
    // b heard of them within a few ticks (250 ms each); its first answer is already "wait"
    // (the block is a second from the sixth failure, as b counts it)
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await login(b, 'wrong on b')).status, 429, "node b counts node a's failures");

    // removed from the group through node b's API: node a's meeting lets her go at once
    const callB = (method, p2, body) => fetch(`http://127.0.0.1:${b.port}${p2}`, {
      method, headers: { cookie: call.cookie, 'content-type': 'application/json', origin: ctx.publicUrl },
      body: body ? JSON.stringify(body) : undefined,
    });
    const removed = await callB('DELETE', `/api/v1/groups/${session.group_id}/members/${clients[0].id}`);
    assert.equal(removed.status, 204, await removed.text());
    assert.match((await kim.next('removed')).message, /no longer open to you/);
    await kim.closed;
    host.json({ type: 'end' });
    for (const ws of [dashboard, stranger, host, later]) ws.close();
    // out of the way of the next test's session at the same hour
    assert.equal((await call('POST', `/api/v1/sessions/${session.id}/cancel`)).status, 200);
  });

  test('one node carries a meeting; when it dies the other takes it over, nobody waits again', async () => {
    const call = await therapist();
    const clients = [];
    for (const [i, n] of NAMES.entries()) clients.push(await addClient(call, n, i + 1));
    const session = await makeSession(call, clients, 'Thursday group');
    const password = session.occurrences[0].password;
    const token = (c) => new URL(session.invites.find((v) => v.client_id === c.id).url).pathname.split('/')[2];

    // node b opens the meeting: a client reaches it directly and knocks, then goes
    const [a, b] = ctx.nodes;
    const opener = await connect(b.server, { origin: ctx.publicUrl });
    opener.json({ type: 'join', token: token(clients[0]), password, agree: true });
    await opener.next('waiting');
    opener.close();
    const lease = `SELECT node_id FROM meeting_leases WHERE occurrence_id = ${session.occurrences[0].id}`;
    assert.equal(psql(ctx.db, lease), 'b');
    const owner = b;
    const other = a;

    // a page that reaches the other node is sent to the one carrying the meeting
    const probe = await connect(other.server, { origin: ctx.publicUrl });
    probe.json({ type: 'join', token: token(clients[0]), password, agree: true });
    const moved = await probe.next('moved');
    assert.equal(moved.url, `${ctx.publicUrl}/node/${owner.id}`);
    probe.close();

    // every page comes in through the practice's address, which nginx gives to node a
    // (node b is its backup): each is sent on to node b
    const people = [];
    const ada = await person(ctx.browser, THERAPIST);
    people.push(ada);
    await joinAsHost(ada, viaProxy(session.host_url), call.cookie);
    const members = [];
    for (const [i, c] of clients.entries()) {
      const p = await person(ctx.browser, NAMES[i]);
      people.push(p);
      members.push(p);
      await knock(p, viaProxy(session.invites.find((v) => v.client_id === c.id).url), password, { group: true });
    }
    await ada.page.getByRole('button', { name: 'Admit all' }).click();
    const everyone = [ada, ...members];
    for (const p of everyone) {
      const urls = await p.page.evaluate(() => window.testSockets.map((ws) => ws.url));
      assert.ok(urls.some((u) => u.endsWith('/node/b/ws')), `${p.name} was sent to node b: ${urls}`);
    }
    const all = [THERAPIST, ...NAMES];
    for (const p of everyone) await waitForMedia(p, all.filter((n) => n !== p.name));
    for (const p of everyone) {
      // from here on, any waiting room shown to anyone is a failure
      await p.page.evaluate(() => {
        window.testWaited = false;
        new MutationObserver(() => {
          const w = document.getElementById('waiting-view');
          if (w && !w.hidden) window.testWaited = true;
        }).observe(document.body, { subtree: true, attributes: true, childList: true });
      });
    }

    // the gauges say which node carries it
    assert.deepEqual(await gauges(owner), { node: owner.id, confide_meetings_carried: 1,
      confide_waiting_room_people: 0, confide_outbox_sending: 0 });
    assert.equal((await gauges(other)).confide_meetings_carried, 0);

    const killedAt = Date.now();
    const { signal } = await owner.server.kill9();
    assert.equal(signal, 'SIGKILL');
    // every page: back in, seeing and hearing the other three again (frames decoded anew)
    await Promise.all(everyone.map(async (p) => {
      await p.page.getByText('Reconnecting…').waitFor({ state: 'hidden', timeout: FAILOVER_MS });
      const left = Math.max(FAILOVER_MS - (Date.now() - killedAt), 1000);
      await waitForMedia(p, all.filter((n) => n !== p.name), { timeoutMs: left, frames: 5 });
    }));
    const took = Date.now() - killedAt;
    console.log(`# failover: every page back with video ${took} ms after the kill`);
    assert.ok(took <= FAILOVER_MS, `back after ${took} ms`);

    assert.equal(psql(ctx.db, lease), other.id);
    assert.equal((await gauges(other)).confide_meetings_carried, 1);
    for (const p of everyone) {
      assert.equal(await p.page.evaluate(() => window.testWaited), false, `${p.name} was in the waiting room again`);
      assert.equal(await p.page.getByRole('button', { name: 'Join session' }).isVisible(), false);
    }
    // nobody waiting at the therapist's either
    assert.equal(await ada.page.locator('#waiting-list li').count(), 0);
    for (const p of everyone) assert.deepEqual(p.errors, [], `${p.name}: page errors`);
    for (const p of people) await p.context.close();
    const exit = await other.server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, other.server.stderr.slice(-3000));
    assert.ok(!/Sam|Alex|Jo Okafor|Ada/.test(other.server.stderr + other.server.stdout), 'names in the log');
  });
});

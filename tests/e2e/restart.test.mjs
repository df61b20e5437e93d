// A meeting survives its server: a therapist and clients in a group meeting over the real
// WebSocket protocol, the server killed with SIGKILL and started again on the same data
// directory and port. Those who had been admitted rejoin with their key straight in (same
// id, same role, no waiting room), the therapist comes back as the one host, someone who
// was only waiting goes back to the waiting room, the lock holds, and ending the meeting
// leaves nothing to rejoin. Then the meeting page in a real browser: it keeps trying while
// the server is down and comes back in by itself.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { launchChromium } from './lib/browser.mjs';
import { knock, person } from './lib/meeting.mjs';
import { request, setupAdmin, startServer } from './lib/server.mjs';
import { connect } from './lib/ws.mjs';

const ADMIN = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const token = (url) => url.split('/j/')[1];

async function groupSession(server, cookie, n) {
  const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
  const clients = [];
  for (let i = 0; i < n; i++) {
    clients.push((await call('POST', '/api/v1/clients', { name: `Member ${i + 1}`, email: `m${i + 1}@mail.example`, time_zone: 'UTC' })).json.client);
  }
  const group = (await call('POST', '/api/v1/groups', { name: 'Group', agreement: 'What is said here stays here.', members: clients.map((c) => c.id) })).json.group;
  const res = await call('POST', '/api/v1/sessions', {
    title: 'Tonight', starts_at: new Date(Date.now() + 5 * 60000).toISOString(), time_zone: 'UTC',
    group_id: group.id, allow_overlap: true,
  });
  assert.equal(res.status, 201, res.text);
  const s = res.json.session;
  const links = clients.map((c) => token(s.invites.find((i) => i.client_id === c.id).url));
  return { links, host: token(s.host_url), password: s.occurrences[0].password };
}

async function joinClient(server, link, password, name) {
  const ws = await connect(server);
  ws.json({ type: 'join', token: link, password, name, agree: true });
  const joined = await ws.next('joined');
  return { ws, id: joined.participant, key: joined.rejoin_key };
}

async function joinHost(server, link, cookie) {
  const ws = await connect(server, { cookie });
  ws.json({ type: 'join', token: link });
  const joined = await ws.next('joined');
  assert.equal(joined.role, 'host');
  await ws.next('admitted');
  return { ws, id: joined.participant, key: joined.rejoin_key };
}

// What a page does when its connection comes back: rejoin with the key it kept.
async function rejoin(server, key) {
  const ws = await connect(server);
  ws.json({ type: 'rejoin', key });
  return ws;
}

async function restart(server) {
  const { signal } = await server.kill9();
  assert.equal(signal, 'SIGKILL');
  return startServer({ dataDir: server.dataDir, port: server.port });
}

describe('a meeting survives its server', () => {
  test('kill -9: the admitted come straight back, the waiting wait again, the lock holds', async () => {
    let server = await startServer();
    const dataDir = server.dataDir;
    try {
      const cookie = await setupAdmin(server, ADMIN);
      const g = await groupSession(server, cookie, 4);
      const host = await joinHost(server, g.host, cookie);
      const a = await joinClient(server, g.links[0], g.password, 'Ana');
      const b = await joinClient(server, g.links[1], g.password, 'Bo');
      host.ws.json({ type: 'admit_all' });
      await a.ws.next('admitted');
      await b.ws.next('admitted');
      const c = await joinClient(server, g.links[2], g.password, 'Cy');
      await c.ws.next('waiting');
      await host.ws.until('waiting_list', (m) => m.people.some((p) => p.id === c.id));

      server = await restart(server);
      // Ana and Bo: straight in, with the ids they had, no waiting room
      const a2 = await rejoin(server, a.key);
      const aJoined = await a2.next('joined');
      assert.equal(aJoined.participant, a.id);
      assert.equal(aJoined.role, 'client');
      assert.equal((await a2.next('admitted')).you.name, 'Ana');
      const b2 = await rejoin(server, b.key);
      assert.equal((await b2.next('joined')).participant, b.id);
      await b2.next('admitted');
      assert.ok(await a2.none('waiting', 200) && await b2.none('waiting', 0), 'no waiting room after a restart');
      // the therapist signs in again by her link: the same participant, the one host
      const host2 = await joinHost(server, g.host, cookie);
      assert.equal(host2.id, host.id);
      const room = await host2.ws.until('room', (m) => m.participants.length === 3);
      assert.deepEqual(room.participants.map((p) => p.name).sort(), ['Ana', 'Bo', 'Dr Ada Byron']);
      assert.equal(room.participants.filter((p) => p.role === 'host').length, 1);
      // Cy was only waiting: her key is unknown, her link brings her back to the waiting room
      const c2 = await rejoin(server, c.key);
      assert.equal((await c2.next('join_refused')).code, 'unknown_key');
      c2.json({ type: 'join', token: g.links[2], password: g.password, name: 'Cy', agree: true });
      await c2.next('joined');
      await c2.next('waiting');
      await host2.ws.until('waiting_list', (m) => m.people.some((p) => p.name === 'Cy'));

      host2.ws.json({ type: 'lock' });
      await a2.until('room', (m) => m.locked === true);
      server = await restart(server);
      // locked still: nobody new, and the admitted come back by key, the host by hers
      const d = await connect(server);
      d.json({ type: 'join', token: g.links[3], password: g.password, agree: true });
      assert.equal((await d.next('join_refused')).code, 'locked');
      const host3 = await rejoin(server, host2.key);
      const hostJoined = await host3.next('joined');
      assert.equal(hostJoined.role, 'host');
      assert.equal(hostJoined.participant, host.id);
      await host3.next('admitted');
      const a3 = await rejoin(server, a.key);
      assert.equal((await a3.next('joined')).participant, a.id);
      await a3.next('admitted');
      const locked = await host3.until('room', (m) => m.participants.some((p) => p.id === a.id && p.connected));
      assert.equal(locked.locked, true);
      // a key that was never given out opens nothing
      const stranger = await rejoin(server, 'A'.repeat(24));
      assert.equal((await stranger.next('join_refused')).code, 'unknown_key');

      // ended for everyone: after a restart nobody rejoins it
      host3.json({ type: 'end' });
      await a3.next('ended');
      server = await restart(server);
      const late = await rejoin(server, b.key);
      assert.equal((await late.next('join_refused')).code, 'unknown_key');
      for (const ws of [late, stranger, d]) ws.close();
      const { code } = await server.stop();
      assert.equal(code, 0, server.stderr.slice(-2000));
      assert.ok(!/Ana|Bo\b|Cy|Member \d/.test(server.stderr + server.stdout), 'names in the log');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('the meeting page reconnects by itself and is back in, not waiting', async () => {
    let server = await startServer();
    const dataDir = server.dataDir;
    const browser = await launchChromium();
    try {
      const cookie = await setupAdmin(server, ADMIN);
      const g = await groupSession(server, cookie, 1);
      const host = await joinHost(server, g.host, cookie);
      const ana = await person(browser, 'Ana');
      await knock(ana, `${server.url}/j/${g.links[0]}`, g.password, { group: true });
      host.ws.json({ type: 'admit_all' });
      const page = ana.page;
      await page.getByRole('heading', { name: /^People/ }).waitFor();

      const { signal } = await server.kill9();
      assert.equal(signal, 'SIGKILL');
      await page.getByText('Reconnecting…').waitFor();
      // down for a while: the page goes on trying (1 s, 2 s, 4 s … at most 15 s apart)
      await new Promise((r) => setTimeout(r, 4000));
      server = await startServer({ dataDir, port: server.port });
      await page.getByText('Reconnecting…').waitFor({ state: 'hidden', timeout: 30000 });
      await page.getByRole('heading', { name: /^People/ }).waitFor();
      assert.equal(await page.getByText('Your therapist will let you in shortly.').isVisible(), false);
      assert.equal(await page.getByRole('button', { name: 'Join session' }).isVisible(), false);
      assert.ok(await page.evaluate(() => window.testSockets.length) >= 3, 'it tried more than once');
      const host2 = await rejoin(server, host.key);
      await host2.next('admitted');
      // the name the practice knows (the page typed none), kept across the restart
      await host2.until('room', (m) => m.participants.some((p) => p.name === 'Member 1' && p.connected));
      assert.deepEqual(ana.errors, []);
      await ana.context.close();
      const { code } = await server.stop();
      assert.equal(code, 0, server.stderr.slice(-2000));
    } finally {
      await browser.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// The meeting over real WebSockets against the real binary: join by personal link and
// password, the waiting room, admit one and all, deny, lock, remove, rejoin after a
// dropped socket, chat privacy, the support signal reaching only hosts, attendance.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, cookieOf, request, setupAdmin, startServer } from './lib/server.mjs';
import { connect } from './lib/ws.mjs';

const ADMIN = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };

// the therapist's sign-in: her host link hosts only for a connection that carries it
let therapistCookie = null;

function api(server, cookie) {
  therapistCookie = cookie;
  return (method, p, body) => request(server, method, p, { body, headers: { cookie } });
}

const token = (url) => url.split('/j/')[1];

// A group of `n` clients with a session that starts in 5 minutes (inside the early window).
async function groupSession(server, call, n, extra = {}) {
  const clients = [];
  for (let i = 0; i < n; i++) {
    clients.push((await call('POST', '/api/v1/clients', { name: `Member ${i + 1}`, email: `m${i + 1}-${Date.now()}@mail.example`, time_zone: 'UTC' })).json.client);
  }
  const group = (await call('POST', '/api/v1/groups', { name: 'Group', agreement: 'What is said here stays here.', members: clients.map((c) => c.id) })).json.group;
  const res = await call('POST', '/api/v1/sessions', {
    title: 'Tonight', starts_at: new Date(Date.now() + 5 * 60000).toISOString(), time_zone: 'UTC',
    group_id: group.id, allow_overlap: true, ...extra,
  });
  assert.equal(res.status, 201, res.text);
  const s = res.json.session;
  const links = clients.map((c) => token(s.invites.find((i) => i.client_id === c.id).url));
  return { session: s, clients, group, links, host: token(s.host_url), password: s.occurrences[0].password };
}

async function joinClient(server, link, password, name) {
  const ws = await connect(server);
  ws.json({ type: 'join', token: link, password, name, agree: true });
  const joined = await ws.next('joined');
  return { ws, id: joined.participant, key: joined.rejoin_key };
}

async function joinHost(server, link) {
  const ws = await connect(server, { cookie: therapistCookie });
  ws.json({ type: 'join', token: link });
  const joined = await ws.next('joined');
  assert.equal(joined.role, 'host');
  await ws.next('admitted');
  return ws;
}

describe('the meeting', () => {
  let server, call, cookie;
  before(async () => {
    server = await startServer();
    cookie = await setupAdmin(server, ADMIN);
    call = api(server, cookie);
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr.slice(-2000));
    assert.ok(!/Member \d|private words|hello everyone/.test(server.stderr), 'names or chat in the log');
    server.cleanup();
  });

  test('preview, wrong password, the agreement, and the waiting room', async () => {
    const g = await groupSession(server, call, 2);
    const ws = await connect(server);
    ws.json({ type: 'preview', token: g.links[0] });
    const p = await ws.next('preview');
    assert.equal(p.role, 'client');
    assert.equal(p.status, 'open');
    assert.equal(p.requires_password, true);
    // before the password the link shows the practice and the time, not who or which group
    assert.equal(p.name, '');
    assert.equal(p.agreement, undefined);
    assert.ok(p.practice_name && p.starts_at && p.ends_at);
    assert.ok(!JSON.stringify(p).includes('Member 1') && !JSON.stringify(p).includes('stays here'));
    ws.json({ type: 'join', token: g.links[0], password: 'wrong', agree: true });
    const bad = await ws.next('join_refused');
    assert.equal(bad.code, 'invalid');
    assert.equal(bad.agreement, undefined, 'a wrong password learns nothing of the group');
    ws.json({ type: 'join', token: 'A'.repeat(22), password: g.password, agree: true });
    const badLink = await ws.next('join_refused');
    assert.equal(badLink.message, bad.message, 'never says whether the link or the password was wrong');
    ws.json({ type: 'join', token: g.links[0], password: g.password });
    const needsAgreement = await ws.next('join_refused');
    assert.equal(needsAgreement.code, 'agreement_required');
    assert.equal(needsAgreement.agreement, 'What is said here stays here.', 'the agreement comes after the password');
    ws.json({ type: 'chat', to: 'everyone', text: 'x' });
    assert.equal((await ws.next('error')).code, 'not_joined');

    // a name is counted in characters: 100 of them (200 bytes) is fine, 101 is refused in words
    ws.json({ type: 'join', token: g.links[0], password: g.password, agree: true, name: 'ë'.repeat(101) });
    const tooLong = await ws.next('join_refused');
    assert.equal(tooLong.code, 'invalid_name');
    assert.match(tooLong.message, /100 characters/);
    // nobody joins under the therapist's name (after the password: it reveals nothing before)
    ws.json({ type: 'join', token: g.links[0], password: g.password, agree: true, name: ' dr  ada\u200b byron ' });
    const impostor = await ws.next('join_refused');
    assert.equal(impostor.code, 'invalid_name');
    const host = await joinHost(server, g.host);
    // what others see of a name has no bidi overrides or invisible characters in it
    ws.json({ type: 'join', token: g.links[0], password: g.password, agree: true, name: '\u202eAna\u2066' });
    await ws.next('joined');
    assert.equal((await ws.next('waiting')).message, 'Your therapist will let you in shortly.');
    const arrival = await host.next('arrival');
    assert.equal(arrival.name, 'Ana');
    const list = await host.until('waiting_list', (m) => m.people.length > 0);
    assert.deepEqual(list.people.map((x) => x.name), ['Ana']);
    ws.json({ type: 'admit_all' });
    assert.equal((await ws.next('error')).code, 'waiting', 'nothing but leaving while waiting');
    host.close();
    ws.close();
  });

  test('admit one, admit all, deny, chat privacy, support only to hosts', async () => {
    const g = await groupSession(server, call, 4);
    const host = await joinHost(server, g.host);
    const [a, b, c, d] = [
      await joinClient(server, g.links[0], g.password, 'Ana'),
      await joinClient(server, g.links[1], g.password, 'Bo'),
      await joinClient(server, g.links[2], g.password, 'Cy'),
      await joinClient(server, g.links[3], g.password, 'Di'),
    ];
    for (const x of [a, b, c, d]) await x.ws.next('waiting');
    assert.ok(await a.ws.none('waiting_list'), 'a waiting client never sees who else waits');
    host.json({ type: 'admit', participant: a.id });
    await a.ws.next('admitted');
    host.json({ type: 'deny', participant: d.id });
    assert.match((await d.ws.next('denied')).message, /could not let you in/);
    await d.ws.closed;
    host.json({ type: 'admit_all' });
    await b.ws.next('admitted');
    await c.ws.next('admitted');
    const room = await host.until('room', (m) => m.participants.length === 4);
    assert.deepEqual(room.participants.map((x) => x.name).sort(), ['Ana', 'Bo', 'Cy', 'Dr Ada Byron']);

    host.json({ type: 'chat', to: 'everyone', text: 'hello everyone' });
    for (const x of [a, b, c]) assert.equal((await x.ws.next('chat')).text, 'hello everyone');
    await host.next('chat');
    a.ws.json({ type: 'chat', to: 'hosts', text: 'private words' });
    const priv = await host.next('chat');
    assert.deepEqual([priv.text, priv.to, priv.from.name], ['private words', 'hosts', 'Ana']);
    assert.equal((await a.ws.next('chat')).text, 'private words');
    assert.ok(await b.ws.none('chat') && await c.ws.none('chat'), 'a private message reaches only the therapist');

    b.ws.json({ type: 'support' });
    const alert = await host.next('support_request');
    assert.equal(alert.name, 'Bo');
    assert.match((await b.ws.next('support_sent')).message, /privately/);
    assert.ok(await a.ws.none('support_request') && await c.ws.none('support_request'), 'the support signal reaches only hosts');
    for (const x of [host, a.ws, b.ws, c.ws]) x.close();
  });

  test('a member removed from the group mid-meeting leaves at once and cannot rejoin by key', async () => {
    const g = await groupSession(server, call, 2);
    const host = await joinHost(server, g.host);
    const a = await joinClient(server, g.links[0], g.password, 'Ana');
    const b = await joinClient(server, g.links[1], g.password, 'Bo');
    host.json({ type: 'admit_all' });
    await a.ws.next('admitted');
    await b.ws.next('admitted');
    const removed = await call('DELETE', `/api/v1/groups/${g.group.id}/members/${g.clients[0].id}`);
    assert.equal(removed.status, 204, removed.text);
    assert.match((await a.ws.next('removed')).message, /no longer open to you/);
    await a.ws.closed;
    await host.until('room', (m) => !m.participants.some((x) => x.id === a.id));
    const back = await connect(server);
    back.json({ type: 'rejoin', key: a.key });
    assert.equal((await back.next('join_refused')).code, 'removed', 'the rejoin key died with the link');
    const link = await connect(server);
    link.json({ type: 'join', token: g.links[0], password: g.password, agree: true });
    assert.ok(['invalid', 'revoked'].includes((await link.next('join_refused')).code), 'the link is revoked');
    // Bo, still a member, stays; and so does the meeting
    b.ws.json({ type: 'chat', to: 'everyone', text: 'still here' });
    assert.equal((await host.next('chat')).text, 'still here');
    host.json({ type: 'end' });
    for (const x of [host, b.ws, back, link]) x.close();
  });

  test('lock, remove, and rejoin after a dropped socket without the waiting room', async () => {
    const g = await groupSession(server, call, 3);
    const host = await joinHost(server, g.host);
    const a = await joinClient(server, g.links[0], g.password, 'Ana');
    const b = await joinClient(server, g.links[1], g.password, 'Bo');
    host.json({ type: 'admit_all' });
    await a.ws.next('admitted');
    await b.ws.next('admitted');
    host.json({ type: 'lock' });
    assert.equal((await a.ws.next('room')).locked !== undefined, true);
    const late = await connect(server);
    late.json({ type: 'join', token: g.links[2], password: g.password, agree: true });
    assert.equal((await late.next('join_refused')).code, 'locked');

    // Ana's connection drops; the host sees it; she comes back with her key, straight in
    a.ws.terminate();
    const dropped = await host.until('room', (m) => m.participants.some((x) => x.id === a.id && !x.connected));
    assert.ok(dropped, 'the host sees the drop');
    const back = await connect(server);
    back.json({ type: 'rejoin', key: a.key });
    assert.equal((await back.next('joined')).participant, a.id);
    await back.next('admitted');
    await host.until('room', (m) => m.participants.some((x) => x.id === a.id && x.connected));
    assert.ok(await back.none('waiting', 200), 'no waiting room on the way back, lock or not');

    host.json({ type: 'remove', participant: b.id });
    assert.match((await b.ws.next('removed')).message, /removed/);
    await b.ws.closed;
    const again = await connect(server);
    again.json({ type: 'join', token: g.links[1], password: g.password, agree: true });
    assert.equal((await again.next('join_refused')).code, 'removed', 'the link stops working for this meeting');

    back.json({ type: 'lock' });
    assert.equal((await back.next('error')).code, 'not_allowed', 'a client cannot send host commands');
    host.json({ type: 'end' });
    assert.match((await back.next('ended')).message, /ended/);
    await host.next('ended');
    // ended stays ended, also once the meeting has been closed (nobody connected)
    await new Promise((r) => setTimeout(r, 600));
    const after = await connect(server);
    after.json({ type: 'join', token: g.links[0], password: g.password, agree: true });
    assert.match((await after.next('join_refused')).code, /^(ended|over)$/);
    after.close();
    const hostAfter = await connect(server, { cookie });
    hostAfter.json({ type: 'join', token: g.host });
    assert.match((await hostAfter.next('join_refused')).code, /^(ended|over)$/);
    hostAfter.close();
    const attendance = await call('GET', `/api/v1/sessions/${g.session.id}/attendance`);
    assert.equal(attendance.status, 200);
    const events = attendance.json.occurrences[0].events;
    const of = (clientId) => events.filter((e) => e.client_id === clientId).map((e) => e.event);
    assert.deepEqual(of(g.clients[0].id), ['joined', 'admitted', 'dropped', 'returned', 'left']);
    assert.deepEqual(of(g.clients[1].id), ['joined', 'admitted', 'removed']);
    assert.ok(events.some((e) => e.user_id && e.event === 'admitted'), 'the therapist is recorded too');
    for (const x of [host, late, again]) x.close();
  });

  test('a host link hosts only for the signed-in therapist; anyone else is sent to sign in', async () => {
    const g = await groupSession(server, call, 1);
    for (const type of ['preview', 'join']) {
      const anon = await connect(server);
      anon.json({ type, token: g.host });
      const refused = await anon.next('join_refused');
      assert.equal(refused.code, 'sign_in_required');
      assert.equal(refused.session_id, g.session.id);
      assert.equal(refused.title, undefined, 'nothing of the session before signing in');
      anon.close();
    }
    // the same link with her sign-in: she hosts, by her account
    const host = await connect(server, { cookie });
    host.json({ type: 'preview', token: g.host });
    const preview = await host.next('preview');
    assert.deepEqual([preview.role, preview.name], ['host', ADMIN.name]);
    host.json({ type: 'join', token: g.host });
    assert.equal((await host.next('joined')).role, 'host');
    await host.next('admitted');
    host.close();
  });

  test('a co-facilitator joins by session as a host; outsiders cannot', async () => {
    const made = spawnSync(BIN, ['admin', 'create-user', '--name', 'Dr Bea Lind', '--email', 'bea@practice.example', '--role', 'therapist', '--data-dir', server.dataDir], { input: 'bea has a long password\n', encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const made2 = spawnSync(BIN, ['admin', 'create-user', '--name', 'Dr Cy Other', '--email', 'cy@practice.example', '--role', 'therapist', '--data-dir', server.dataDir], { input: 'cy has a long password\n', encoding: 'utf8' });
    assert.equal(made2.status, 0);
    const g = await groupSession(server, call, 1);
    const bea = (await request(server, 'POST', '/api/v1/login', { body: { email: 'bea@practice.example', password: 'bea has a long password' } }));
    const beaCookie = cookieOf(bea);
    assert.equal((await call('POST', `/api/v1/groups/${g.group.id}/facilitators`, { user_id: bea.json.user.id })).status, 201);
    // she sees the session (to join it), without the therapist's own host link, and cannot change it
    const seen = await request(server, 'GET', `/api/v1/sessions/${g.session.id}`, { headers: { cookie: beaCookie } });
    assert.equal(seen.status, 200);
    assert.equal(seen.json.session.host_url, null);
    assert.equal(seen.json.session.meeting_url, `${server.url}/m/${g.session.id}`);
    // who is invited, yes; the clients' personal links, no
    assert.deepEqual(seen.json.session.invites, [{ client_id: g.clients[0].id }]);
    const listed = await request(server, 'GET', '/api/v1/sessions', { headers: { cookie: beaCookie } });
    assert.deepEqual(listed.json.sessions.map((x) => x.id), [g.session.id]);
    const cancel = await request(server, 'POST', `/api/v1/sessions/${g.session.id}/cancel`, { headers: { cookie: beaCookie, origin: server.url } });
    assert.equal(cancel.status, 404);
    const co = await connect(server, { cookie: beaCookie });
    co.json({ type: 'preview', session_id: g.session.id });
    const preview = await co.next('preview');
    assert.deepEqual([preview.role, preview.name, preview.status], ['cohost', 'Dr Bea Lind', 'open']);
    co.json({ type: 'join', session_id: g.session.id });
    assert.equal((await co.next('joined')).role, 'cohost');
    await co.next('admitted');
    const a = await joinClient(server, g.links[0], g.password, 'Ana');
    await a.ws.next('waiting');
    assert.equal((await co.next('arrival')).name, 'Ana');
    co.json({ type: 'admit_all' });
    await a.ws.next('admitted');
    const cyLogin = await request(server, 'POST', '/api/v1/login', { body: { email: 'cy@practice.example', password: 'cy has a long password' } });
    const outsider = await connect(server, { cookie: cookieOf(cyLogin) });
    outsider.json({ type: 'join', session_id: g.session.id });
    assert.equal((await outsider.next('join_refused')).code, 'invalid');
    for (const x of [co, a.ws, outsider]) x.close();
  });

  test('bad input on the socket: errors, and the meeting goes on', async () => {
    const g = await groupSession(server, call, 1);
    const host = await joinHost(server, g.host);
    for (const bad of ['not json', '[]', '{"type":5}', '{"type":"teleport"}']) {
      host.send(bad);
      assert.match((await host.next('error')).code, /^(malformed_message|unknown_type)$/);
    }
    host.json({ type: 'admit', participant: 'x' });
    assert.equal((await host.next('error')).code, 'no_such_participant');
    host.send('x'.repeat(70000));
    assert.equal((await host.next('error')).code, 'message_too_large');
    for (let i = 0; i < 60; i++) host.json({ type: 'ping' });
    assert.equal((await host.next('error')).code, 'slow_down', 'flooding is limited');
    await new Promise((r) => setTimeout(r, 1200));
    host.json({ type: 'ping' });
    assert.deepEqual(await host.next('pong'), { type: 'pong' });
    host.close();
  });

  test('too early, and after the end', async () => {
    const c = (await call('POST', '/api/v1/clients', { name: 'Early', email: 'early@mail.example', time_zone: 'UTC' })).json.client;
    const later = (await call('POST', '/api/v1/sessions', { title: 'Later', starts_at: new Date(Date.now() + 3 * 3600000).toISOString(), time_zone: 'UTC', client_id: c.id, allow_overlap: true })).json.session;
    const ws = await connect(server);
    ws.json({ type: 'join', token: token(later.invites[0].url), password: later.occurrences[0].password });
    const refused = await ws.next('join_refused');
    assert.equal(refused.code, 'too_early');
    assert.equal(refused.opens_at, Date.parse(later.occurrences[0].starts_at) - 15 * 60000);
    await call('POST', `/api/v1/sessions/${later.id}/cancel`);
    ws.json({ type: 'join', token: token(later.invites[0].url), password: later.occurrences[0].password });
    assert.equal((await ws.next('join_refused')).code, 'cancelled');
    ws.close();
  });
});

describe('turned away, across restarts', () => {
  test('removed and denied stay so after a restart, until the host lets them knock again', async () => {
    const first = await startServer();
    const servers = [first];
    try {
      const call = api(first, await setupAdmin(first, ADMIN));
      const g = await groupSession(first, call, 3);
      const host = await joinHost(first, g.host);
      const a = await joinClient(first, g.links[0], g.password, 'Ana');
      const b = await joinClient(first, g.links[1], g.password, 'Bo');
      await a.ws.next('waiting');
      await b.ws.next('waiting');
      host.json({ type: 'admit', participant: a.id });
      await a.ws.next('admitted');
      host.json({ type: 'remove', participant: a.id });
      await a.ws.next('removed');
      host.json({ type: 'deny', participant: b.id });
      await b.ws.next('denied');
      const list = await host.until('turned_away', (m) => m.people.length === 2);
      assert.deepEqual(list.people.map((p) => [p.id, p.name, p.what, p.client_id]),
        [[a.id, 'Ana', 'removed', g.clients[0].id], [b.id, 'Bo', 'denied', g.clients[1].id]]);
      assert.ok(list.people.every((p) => p.at > 0));
      // someone denied cannot knock again, from a new window either
      const again = await connect(first);
      again.json({ type: 'join', token: g.links[1], password: g.password, agree: true });
      const refused = await again.next('join_refused');
      assert.equal(refused.code, 'denied');
      assert.equal(refused.message, 'Your therapist has not let you in to this session.');
      again.json({ type: 'rejoin', key: b.key });
      assert.equal((await again.next('join_refused')).code, 'denied');
      for (const x of [host, again]) x.close();
      assert.equal((await first.stop()).code, 0);

      const second = await startServer({ dataDir: first.dataDir, port: first.port });
      servers.push(second);
      const ws = await connect(second);
      ws.json({ type: 'join', token: g.links[0], password: g.password, agree: true });
      assert.equal((await ws.next('join_refused')).code, 'removed', 'removed stays removed after a restart');
      ws.json({ type: 'join', token: g.links[1], password: g.password, agree: true });
      assert.equal((await ws.next('join_refused')).code, 'denied', 'denied stays denied after a restart');
      // the host, arriving, sees them (by the names the practice knows) and lets them knock
      const host2 = await joinHost(second, g.host);
      const seen = await host2.next('turned_away');
      assert.deepEqual(seen.people.map((p) => [p.name, p.what, p.client_id]),
        [['Member 1', 'removed', g.clients[0].id], ['Member 2', 'denied', g.clients[1].id]]);
      ws.json({ type: 'let_knock', client_id: g.clients[0].id });
      assert.equal((await ws.next('error')).code, 'not_joined', 'only a host lets anyone knock');
      host2.json({ type: 'let_knock', client_id: g.clients[2].id });
      assert.equal((await host2.next('error')).code, 'not_turned_away');
      host2.json({ type: 'let_knock', client_id: g.clients[0].id });
      await host2.until('turned_away', (m) => m.people.length === 1);
      ws.json({ type: 'join', token: g.links[0], password: g.password, agree: true, name: 'Ana' });
      await ws.next('joined');
      await ws.next('waiting');
      host2.json({ type: 'let_knock', participant: seen.people[1].id });
      await host2.until('turned_away', (m) => m.people.length === 0);
      for (const x of [host2, ws]) x.close();
      assert.equal((await second.stop()).code, 0);

      // letting them knock is kept too
      const third = await startServer({ dataDir: first.dataDir, port: first.port });
      servers.push(third);
      const back = await connect(third);
      back.json({ type: 'join', token: g.links[1], password: g.password, agree: true });
      await back.next('joined');
      await back.next('waiting');
      back.close();
    } finally {
      for (const s of servers) await s.stop();
      first.cleanup();
    }
  });
});

// Clients, groups and sessions against the real binary and a real SMTP sink: the mail a
// client receives (their own link, the password, a calendar invite that libical reads),
// DST-correct times, reschedule and cancel updates, bad input, SMTP outages, kill -9
// while sending, and reminders that survive a restart.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cookieOf, dbQuery, request, setupAdmin, startServer, BIN } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';
import { parseMail, readCalendar } from './lib/mail.mjs';
import { connect } from './lib/ws.mjs';

const PRACTICE = 'Harbour Counselling';
const ADMIN = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };

function mailEnv(sink, extra = {}) {
  return {
    CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    CONFIDE_SMTP_STARTTLS: 'off',
    CONFIDE_MAIL_RETRY_SECONDS: '1',
    CONFIDE_MAIL_POLL_SECONDS: '1',
    CONFIDE_PRACTICE_NAME: PRACTICE,
    ...extra,
  };
}

// A signed-in API client for one server.
function client(server, cookie) {
  const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
  return { call, get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}),
           patch: (p, b) => call('PATCH', p, b), del: (p) => call('DELETE', p) };
}

async function addClient(api, n, extra = {}) {
  const res = await api.post('/api/v1/clients', {
    name: `Client ${n}`, email: `client${n}@mail.example`, time_zone: 'Europe/Berlin', ...extra,
  });
  assert.equal(res.status, 201, res.text);
  return res.json.client;
}

// Waits until no mail has arrived for `quietMs` (mail from earlier steps has all come).
async function settle(sink, quietMs = 1500) {
  let seen = -1;
  while (seen !== sink.messages.length) {
    seen = sink.messages.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

const mailsTo = (sink, email) => sink.messages.filter((m) => m.to.includes(email)).map((m) => parseMail(m.data));

describe('clients, groups and sessions', () => {
  let server, sink, api, admin;
  before(async () => {
    sink = await startSmtpSink();
    server = await startServer({ env: mailEnv(sink) });
    admin = client(server, await setupAdmin(server, ADMIN));
    api = admin;
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0);
    // no client name, email, link token or password in the log
    assert.ok(!/client\d+@mail\.example|Client \d/.test(server.stderr), 'the log names a client');
    server.cleanup();
    await sink.stop();
  });

  test('clients: create, read, update, archive; fields are checked', async () => {
    const c = await addClient(api, 1, { phone: '+49 30 1234567', emergency_contact: { name: 'Sam', phone: '+49 30 7654321', relationship: 'partner' } });
    assert.equal(c.time_zone, 'Europe/Berlin');
    assert.deepEqual(c.emergency_contact, { name: 'Sam', phone: '+49 30 7654321', relationship: 'partner' });
    const got = await api.get(`/api/v1/clients/${c.id}`);
    assert.equal(got.json.client.email, 'client1@mail.example');
    const changed = await api.patch(`/api/v1/clients/${c.id}`, { time_zone: 'America/New_York', phone: null });
    assert.equal(changed.status, 200);
    assert.equal(changed.json.client.time_zone, 'America/New_York');
    assert.equal(changed.json.client.phone, null);
    for (const [body, code] of [
      [{ name: 'X', email: 'x@mail.example', time_zone: 'Mars/Olympus' }, 'unknown_time_zone'],
      [{ name: 'X', email: 'not-an-email', time_zone: 'UTC' }, 'invalid_email'],
      // an address confide cannot send to is refused with a sentence, not taken and then dropped
      [{ name: 'Zoë', email: 'zoë@mail.example', time_zone: 'UTC' }, 'invalid_email'],
      [{ name: '', email: 'x@mail.example', time_zone: 'UTC' }, 'invalid_field'],
      [{ email: 'x@mail.example', time_zone: 'UTC' }, 'missing_field'],
      [{ name: 'X', email: 'x@mail.example', time_zone: 'UTC', phone: 'call me' }, 'invalid_field'],
      [{ name: 'X', email: 'x@mail.example', time_zone: 'UTC', emergency_contact: 'Sam' }, 'invalid_field'],
    ]) {
      const res = await api.post('/api/v1/clients', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.error.code, code, JSON.stringify(body));
      if (code === 'invalid_email') assert.equal(res.json.error.field, 'email');
    }
    const zoe = await api.post('/api/v1/clients', { name: 'Zoë', email: 'zoë@mail.example', time_zone: 'UTC' });
    assert.match(zoe.json.error.message, /plain ASCII/);
    const extra = await addClient(api, 99);
    assert.equal((await api.del(`/api/v1/clients/${extra.id}`)).status, 204);
    assert.equal((await api.get(`/api/v1/clients/${extra.id}`)).status, 404);
    const list = await api.get('/api/v1/clients');
    assert.ok(list.json.clients.every((x) => x.id !== extra.id));
  });

  test('each practitioner sees only their own clients; an admin opens another\'s only with a reason', async () => {
    const made = spawnSync(BIN, ['admin', 'create-user', '--name', 'Dr Bea Lind', '--email', 'bea@practice.example',
      '--role', 'therapist', '--data-dir', server.dataDir], { input: 'bea has a long password\n', encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const login = await request(server, 'POST', '/api/v1/login', { body: { email: 'bea@practice.example', password: 'bea has a long password' } });
    const bea = client(server, cookieOf(login));
    const mine = await addClient(bea, 50);
    const adaClients = (await api.get('/api/v1/clients')).json.clients;
    assert.ok(adaClients.every((x) => x.id !== mine.id), 'the admin\'s list holds her own clients only');
    const beaClients = (await bea.get('/api/v1/clients')).json.clients;
    assert.deepEqual(beaClients.map((x) => x.id), [mine.id]);
    const adaOwn = adaClients[0];
    assert.equal((await bea.get(`/api/v1/clients/${adaOwn.id}`)).status, 404);
    const res = await bea.post('/api/v1/sessions', { title: 'Check-in', starts_at: '2027-05-03T10:00:00+02:00', time_zone: 'Europe/Berlin', client_id: adaOwn.id });
    assert.equal(res.status, 404, 'a client of another therapist');

    // emergency access: the roster finds Bea's client, the record needs a reason, Bea is told
    const closed = await api.get(`/api/v1/clients/${mine.id}`);
    assert.equal(closed.status, 403);
    assert.equal(closed.json.error.code, 'emergency_access_required');
    const roster = (await api.get('/api/v1/practice/clients')).json.clients;
    assert.deepEqual(roster.map((x) => [x.id, x.therapist_name]), [[mine.id, 'Dr Bea Lind']]);
    const before = sink.messages.length;
    const opened = await api.post(`/api/v1/clients/${mine.id}/emergency-access`, { reason: 'Client 50 called in crisis and Bea is away.' });
    assert.equal(opened.status, 201, opened.text);
    assert.equal(opened.json.client.email, mine.email);
    assert.equal((await api.get(`/api/v1/clients/${mine.id}`)).status, 200);
    await settle(sink);
    const notices = sink.messages.slice(before).filter((m) => m.to.includes('bea@practice.example')).map((m) => parseMail(m.data));
    assert.equal(notices.length, 1);
    assert.match(notices[0].subject, /Emergency access/);
    assert.ok(!notices[0].text.includes(mine.name) && !notices[0].text.includes('crisis'), 'the mail names neither the client nor the reason');
    const told = (await bea.get('/api/v1/me/emergency-access')).json.emergency_access;
    assert.deepEqual(told.map((x) => [x.client_id, x.admin_name, x.new]), [[mine.id, ADMIN.name, true]]);
  });

  test('groups: capacity, members, co-facilitators, agreement versions', async () => {
    const members = [await addClient(api, 11), await addClient(api, 12), await addClient(api, 14)];
    const res = await api.post('/api/v1/groups', { name: 'Tuesday group', agreement: 'What is said here stays here.', capacity: 3, members: members.map((m) => m.id) });
    assert.equal(res.status, 201, res.text);
    const g = res.json.group;
    assert.deepEqual(g.members, members.map((m) => m.id));
    assert.equal(g.agreement_version, 1);
    const third = await addClient(api, 13);
    const full = await api.post(`/api/v1/groups/${g.id}/members`, { client_id: third.id });
    assert.equal(full.status, 409);
    assert.equal(full.json.error.code, 'group_full');
    assert.equal((await api.patch(`/api/v1/groups/${g.id}`, { capacity: 2 })).json.error.code, 'group_over_capacity');
    assert.equal((await api.patch(`/api/v1/groups/${g.id}`, { capacity: 17 })).status, 400);
    const grown = await api.patch(`/api/v1/groups/${g.id}`, { capacity: 4, agreement: 'What is said here stays here. Cameras on.' });
    assert.equal(grown.json.group.agreement_version, 2);
    assert.equal((await api.post(`/api/v1/groups/${g.id}/members`, { client_id: third.id })).status, 201);
    assert.equal((await api.post(`/api/v1/groups/${g.id}/members`, { client_id: third.id })).json.error.code, 'already_member');
    assert.equal((await api.del(`/api/v1/groups/${g.id}/members/${third.id}`)).status, 204);
    assert.deepEqual((await api.get(`/api/v1/groups/${g.id}`)).json.group.members, members.map((m) => m.id));
    // a meeting holds 21 people: 16 clients at most, and the therapist with 4 co-facilitators
    assert.equal((await api.patch(`/api/v1/groups/${g.id}`, { capacity: 16 })).status, 200);
    const staff = [];
    for (const n of [1, 2, 3, 4, 5]) {
      const made = spawnSync(BIN, ['admin', 'create-user', '--name', `Dr Staff ${n}`, '--email', `staff${n}@practice.example`,
        '--role', 'therapist', '--data-dir', server.dataDir], { input: 'staff has a long password\n', encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      staff.push(Number(/account (\d+) created/.exec(made.stdout)[1]));
    }
    const ids = staff;
    for (const id of ids.slice(0, 4)) assert.equal((await api.post(`/api/v1/groups/${g.id}/facilitators`, { user_id: id })).status, 201);
    const fifth = await api.post(`/api/v1/groups/${g.id}/facilitators`, { user_id: ids[4] });
    assert.equal(fifth.status, 409);
    assert.equal(fifth.json.error.code, 'group_staff_full');
    assert.equal((await api.post(`/api/v1/groups/${g.id}/facilitators`, { user_id: ids[0] })).json.error.code, 'already_facilitator');
  });

  test('a weekly Berlin session keeps 18:00 local across the spring change; the client gets their link, password and an invite libical reads', async () => {
    const c = await addClient(api, 20);
    const before = sink.messages.length;
    const res = await api.post('/api/v1/sessions', {
      title: 'Weekly session', starts_at: '2027-03-19T18:00:00+01:00', time_zone: 'Europe/Berlin',
      client_id: c.id, recurrence: { freq: 'weekly', interval: 1, count: 3 },
    });
    assert.equal(res.status, 201, res.text);
    const s = res.json.session;
    assert.deepEqual(s.occurrences.map((o) => o.starts_at), ['2027-03-19T17:00:00Z', '2027-03-26T17:00:00Z', '2027-04-02T16:00:00Z']);
    assert.ok(s.occurrences.every((o) => /^[1-9]\d{9}$/.test(o.meeting_id) && /^[a-z2-9]{8}$/.test(o.password)));
    assert.equal(new Set(s.occurrences.map((o) => o.meeting_id)).size, 3, 'each occurrence has its own meeting id');
    assert.equal(s.meeting_id, s.occurrences[0].meeting_id);
    assert.match(s.host_url, new RegExp(`^${server.url}/j/[A-Za-z0-9_-]{22}$`));
    assert.equal(s.invites.length, 1);
    assert.match(s.invites[0].url, new RegExp(`^${server.url}/j/[A-Za-z0-9_-]{22}$`));
    assert.notEqual(s.invites[0].url, s.host_url);
    assert.deepEqual((await api.get(`/api/v1/sessions/${s.id}/invites`)).json.session.invites, s.invites);

    await sink.waitFor((msgs) => msgs.length >= before + 1, 10000);
    const [mail] = mailsTo(sink, c.email);
    assert.equal(mail.subject, `Your appointment with ${PRACTICE}`);
    assert.ok(mail.text.includes(s.invites[0].url), 'their own link');
    assert.ok(mail.text.includes(s.occurrences[0].password), 'the password');
    assert.ok(mail.text.includes('quiet, private place'), 'what to prepare');
    assert.ok(mail.text.includes(`${server.url}/check`), 'the device test page');
    assert.ok(!mail.text.includes(s.host_url), 'never the host link');
    const cal = readCalendar(mail.calendar);
    assert.equal(cal.method, 'REQUEST');
    assert.deepEqual(cal.timezones, ['Europe/Berlin']);
    const [ev] = cal.events;
    assert.equal(ev.tzid, 'Europe/Berlin');
    assert.equal(ev.dtstart, '20270319T180000');
    assert.equal(ev.dtend, '20270319T185000');
    assert.equal(ev.rrule, 'FREQ=WEEKLY;COUNT=3');
    assert.equal(ev.sequence, 0);
    assert.match(ev.uid, /@127\.0\.0\.1$/);
    assert.equal(ev.attendee, `mailto:${c.email}`);
  });

  test('New York across both US changes, every other week in autumn', async () => {
    const c = await addClient(api, 21, { time_zone: 'America/New_York' });
    const spring = await api.post('/api/v1/sessions', {
      title: 'Spring', starts_at: '2027-03-08T18:00:00-05:00', time_zone: 'America/New_York', client_id: c.id,
      recurrence: { freq: 'weekly', count: 2 },
    });
    assert.deepEqual(spring.json.session.occurrences.map((o) => o.starts_at), ['2027-03-08T23:00:00Z', '2027-03-15T22:00:00Z']);
    const autumn = await api.post('/api/v1/sessions', {
      title: 'Autumn', starts_at: '2027-10-25T18:00:00-04:00', time_zone: 'America/New_York', client_id: c.id,
      recurrence: { freq: 'weekly', interval: 2, until: '2027-11-08T23:59:00-05:00' },
    });
    assert.equal(autumn.status, 201, autumn.text);
    assert.deepEqual(autumn.json.session.occurrences.map((o) => o.starts_at), ['2027-10-25T22:00:00Z', '2027-11-08T23:00:00Z']);
    assert.equal(autumn.json.session.recurrence.interval, 2);
    const berlinAutumn = await api.post('/api/v1/sessions', {
      title: 'Berlin autumn', starts_at: '2027-10-29T18:00:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id,
      recurrence: { freq: 'weekly', count: 2 },
    });
    assert.deepEqual(berlinAutumn.json.session.occurrences.map((o) => o.starts_at), ['2027-10-29T16:00:00Z', '2027-11-05T17:00:00Z']);
  });

  test('a group session: one mail per member, each with their own link, and the agreement', async () => {
    const members = [await addClient(api, 31), await addClient(api, 32), await addClient(api, 33)];
    const g = (await api.post('/api/v1/groups', { name: 'Thursday group', agreement: 'Be alone in the room; cameras on.', members: members.map((m) => m.id) })).json.group;
    const res = await api.post('/api/v1/sessions', { title: 'Group', starts_at: '2027-06-03T19:00:00+02:00', time_zone: 'Europe/Berlin', group_id: g.id, duration_minutes: 90 });
    assert.equal(res.status, 201, res.text);
    const s = res.json.session;
    assert.equal(s.invites.length, 3);
    await sink.waitFor(() => members.every((m) => mailsTo(sink, m.email).length === 1), 10000);
    const links = new Set();
    for (const m of members) {
      const [mail] = mailsTo(sink, m.email);
      const mine = s.invites.find((i) => i.client_id === m.id).url;
      assert.ok(mail.text.includes(mine));
      for (const other of s.invites.filter((i) => i.client_id !== m.id)) assert.ok(!mail.text.includes(other.url), 'never another member\'s link');
      assert.ok(mail.text.includes('Be alone in the room; cameras on.'));
      for (const other of members.filter((o) => o !== m)) assert.ok(!mail.text.includes(other.name), 'never another member\'s name');
      links.add(mine);
      assert.equal(readCalendar(mail.calendar).events[0].dtend, '20270603T203000');
    }
    assert.equal(links.size, 3);
  });

  test('the invitation again, to one member only: the same link and password; not to others, nor for a session that does not exist', async () => {
    const members = [await addClient(api, 34), await addClient(api, 35)];
    const outsider = await addClient(api, 36);
    const made = await api.post('/api/v1/groups', { name: 'Monday group', agreement: 'We keep to time.', members: members.map((m) => m.id) });
    assert.equal(made.status, 201, made.text);
    const g = made.json.group;
    const res = await api.post('/api/v1/sessions', { title: 'Monday', starts_at: '2027-06-07T19:00:00+02:00', time_zone: 'Europe/Berlin', group_id: g.id });
    assert.equal(res.status, 201, res.text);
    const s = res.json.session;
    await sink.waitFor(() => members.every((m) => mailsTo(sink, m.email).length === 1), 10000);

    const again = await api.post(`/api/v1/sessions/${s.id}/invites/${members[0].id}/resend`);
    assert.equal(again.status, 202, again.text);
    assert.deepEqual(again.json, { queued: true });
    await sink.waitFor(() => mailsTo(sink, members[0].email).length === 2, 10000);
    const [first, second] = mailsTo(sink, members[0].email);
    assert.equal(second.subject, first.subject);
    const mine = s.invites.find((i) => i.client_id === members[0].id).url;
    assert.ok(second.text.includes(mine), 'the same link');
    assert.ok(second.text.includes(s.occurrences[0].password), 'the password');
    assert.equal(readCalendar(second.calendar).events[0].uid, readCalendar(first.calendar).events[0].uid);

    // someone not invited, a session that does not exist: nothing sent
    const notInvited = await api.post(`/api/v1/sessions/${s.id}/invites/${outsider.id}/resend`);
    assert.equal(notInvited.status, 404, notInvited.text);
    assert.equal(notInvited.json.error.code, 'not_found');
    assert.equal((await api.post(`/api/v1/sessions/999999/invites/${members[0].id}/resend`)).status, 404);
    const audit = await api.get(`/api/v1/audit?action=session.invite_resend&subject=${s.id}`);
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.json.entries.length, 1, 'one resend written to the audit log');
    await settle(sink);
    assert.equal(mailsTo(sink, members[1].email).length, 1, 'the other member got nothing more');
    assert.equal(mailsTo(sink, outsider.email).length, 0);
  });

  test('reschedule one, cancel one, cancel all: updates with rising SEQUENCE, then METHOD:CANCEL', async () => {
    const c = await addClient(api, 40);
    const s = (await api.post('/api/v1/sessions', { title: 'Series', starts_at: '2027-09-06T09:00:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id, recurrence: { freq: 'weekly', count: 4 } })).json.session;
    const [o1, o2, o3] = s.occurrences;
    const moved = await api.patch(`/api/v1/sessions/${s.id}/occurrences/${o2.id}`, { starts_at: '2027-09-14T11:00:00+02:00' });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.json.session.occurrences[1].starts_at, '2027-09-14T09:00:00Z');
    const cancelled = await api.post(`/api/v1/sessions/${s.id}/occurrences/${o3.id}/cancel`, { scope: 'this' });
    assert.equal(cancelled.json.session.occurrences[2].status, 'cancelled');
    assert.equal((await api.post(`/api/v1/sessions/${s.id}/occurrences/${o3.id}/cancel`, {})).json.error.code, 'cancelled');
    const all = await api.post(`/api/v1/sessions/${s.id}/cancel`);
    assert.equal(all.json.session.status, 'cancelled');
    await sink.waitFor(() => mailsTo(sink, c.email).length === 4, 10000);
    const cals = mailsTo(sink, c.email).map((m) => readCalendar(m.calendar));
    assert.deepEqual(cals.map((x) => x.method), ['REQUEST', 'REQUEST', 'REQUEST', 'CANCEL']);
    assert.deepEqual(cals.map((x) => x.events[0].sequence), [0, 1, 2, 3]);
    assert.equal(new Set(cals.map((x) => x.events[0].uid)).size, 1, 'one calendar entry throughout');
    const update = cals[1];
    const override = update.events.find((e) => e.recurrence_id);
    assert.equal(override.recurrence_id, '20270913T090000');
    assert.equal(override.dtstart, '20270914T110000');
    assert.deepEqual(cals[2].events[0].exdates, ['20270920T090000']);
    assert.equal(cals[3].events[0].status, 'CANCELLED');
    const mails = mailsTo(sink, c.email);
    assert.match(mails[1].subject, /^Updated: your appointment/);
    assert.match(mails[3].subject, /^Cancelled: your appointment/);
    void o1;
  });

  test('this and following: the old series ends, a new one carries on at the new time', async () => {
    const c = await addClient(api, 41);
    const s = (await api.post('/api/v1/sessions', { title: 'Moving', starts_at: '2027-09-07T09:00:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id, recurrence: { freq: 'weekly', count: 4 } })).json.session;
    const res = await api.patch(`/api/v1/sessions/${s.id}/occurrences/${s.occurrences[2].id}`, { starts_at: '2027-09-22T15:00:00+02:00', scope: 'following' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.previous.occurrences.map((o) => o.status), ['scheduled', 'scheduled', 'cancelled', 'cancelled']);
    assert.deepEqual(res.json.session.occurrences.map((o) => o.starts_at), ['2027-09-22T13:00:00Z', '2027-09-29T13:00:00Z']);
    assert.notEqual(res.json.session.invites[0].url, s.invites[0].url);
  });

  test('overlaps are refused with the conflicting sessions, unless allowed', async () => {
    const c = await addClient(api, 42);
    const first = await api.post('/api/v1/sessions', { title: 'A', starts_at: '2027-08-02T10:00:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id });
    const clash = await api.post('/api/v1/sessions', { title: 'B', starts_at: '2027-08-02T10:30:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id });
    assert.equal(clash.status, 409);
    assert.equal(clash.json.error.code, 'overlap');
    assert.deepEqual(clash.json.error.conflicts.map((x) => x.session_id), [first.json.session.id]);
    const touching = await api.post('/api/v1/sessions', { title: 'C', starts_at: '2027-08-02T10:50:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id });
    assert.equal(touching.status, 201, 'back to back is fine');
    const allowed = await api.post('/api/v1/sessions', { title: 'B', starts_at: '2027-08-02T10:30:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id, allow_overlap: true });
    assert.equal(allowed.status, 201);
  });

  test('bad session input: a clear 4xx and nothing written, nothing mailed', async () => {
    const c = await addClient(api, 43);
    const members = [];
    for (let i = 0; i < 3; i++) members.push(await addClient(api, 60 + i));
    const g = (await api.post('/api/v1/groups', { name: 'Small', agreement: 'ok', capacity: 3, members: members.map((m) => m.id) })).json.group;
    const base = { title: 'X', starts_at: '2027-07-01T10:00:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id };
    const sessionsBefore = (await api.get('/api/v1/sessions')).json.sessions.length;
    await settle(sink);
    const mailBefore = sink.messages.length;
    const cases = [
      [{ ...base, time_zone: 'Europe/Atlantis' }, 400, 'unknown_time_zone', 'time_zone'],
      [{ ...base, ends_at: '2027-07-01T09:00:00+02:00' }, 400, 'ends_before_start', 'ends_at'],
      [{ ...base, starts_at: '2027-07-01 10:00' }, 400, 'invalid_field', 'starts_at'],
      [{ ...base, group_id: g.id }, 400, 'client_or_group', 'client_id'],
      [{ title: 'X', starts_at: base.starts_at, time_zone: 'UTC' }, 400, 'client_or_group'],
      [{ ...base, recurrence: { freq: 'weekly' } }, 400, 'recurrence_without_end', 'recurrence'],
      [{ ...base, recurrence: { freq: 'weekly', count: 201 } }, 400, 'invalid_field'],
      [{ ...base, recurrence: { freq: 'weekly', until: '2035-01-01T00:00:00Z' } }, 400, 'too_many_occurrences'],
      [{ ...base, recurrence: { freq: 'daily', count: 3 } }, 400, 'invalid_field'],
      [{ ...base, recurrence: { freq: 'weekly', interval: 3, count: 3 } }, 400, 'invalid_field'],
      [{ ...base, recurrence: { freq: 'weekly', until: '2027-06-01T00:00:00Z' } }, 400, 'ends_before_start'],
      [{ ...base, duration_minutes: 0 }, 400, 'invalid_field'],
      [{ ...base, waiting_room: 'yes' }, 400, 'invalid_field', 'waiting_room'],
      [{ ...base, client_id: 999999 }, 404, 'not_found'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await api.post('/api/v1/sessions', body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.json.error.code, code, JSON.stringify(body));
      // the page can mark the field the error is about
      if (field) assert.equal(res.json.error.field, field, JSON.stringify(body));
    }
    // a group over its capacity (capacity lowered is refused, so add members to a full group by force of an old rule)
    assert.equal((await api.post(`/api/v1/groups/${g.id}/members`, { client_id: c.id })).json.error.code, 'group_full');
    assert.equal((await api.get('/api/v1/sessions')).json.sessions.length, sessionsBefore);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sink.messages.length, mailBefore);
  });
});

describe('mail delivery survives outages and crashes', () => {
  test('by default STARTTLS is required: a server without it gets no mail in the clear', async () => {
    const sink = await startSmtpSink(); // offers no STARTTLS
    const env = mailEnv(sink);
    delete env.CONFIDE_SMTP_STARTTLS; // the default
    const first = await startServer({ env });
    const api = client(first, await setupAdmin(first, ADMIN));
    const c = await addClient(api, 60);
    assert.equal((await api.post('/api/v1/sessions', { title: 'S', starts_at: '2027-06-09T10:00:00+02:00', time_zone: 'Europe/Berlin', client_id: c.id })).status, 201);
    const deadline = Date.now() + 15000;
    while (!/kind=invite attempt 2 failed/.test(first.stderr) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(first.stderr, /id=\d+ kind=invite attempt 1 failed, retry in \d+s: curl 64/);
    assert.ok(sink.commands.includes('EHLO'), 'confide did talk to the server');
    for (const verb of ['MAIL', 'RCPT', 'DATA']) assert.ok(!sink.commands.includes(verb), `no ${verb} in the clear`);
    assert.equal(sink.messages.length, 0);
    await first.stop();
    // the outbox keeps the mail waiting, with the reason
    const row = dbQuery(first, 'SELECT state, CASE WHEN attempts > 0 THEN 1 ELSE 0 END, last_error FROM outbox');
    assert.match(row, /^pending\|1\|curl 64: /);
    // plain SMTP only when asked for by name: then it goes out
    const second = await startServer({ dataDir: first.dataDir, env: mailEnv(sink) });
    try {
      await sink.waitFor((msgs) => msgs.length >= 1, 20000);
      assert.equal(sink.messages[0].to[0], c.email);
    } finally {
      await second.stop();
      first.cleanup();
      await sink.stop();
    }
  });

  test('SMTP down for a while: every mail arrives once it is back', async () => {
    const sink = await startSmtpSink();
    await sink.down();
    const server = await startServer({ env: mailEnv(sink) });
    try {
      const api = client(server, await setupAdmin(server, ADMIN));
      const members = [];
      for (let i = 0; i < 4; i++) members.push(await addClient(api, 70 + i));
      const g = (await api.post('/api/v1/groups', { name: 'G', agreement: 'ok', members: members.map((m) => m.id) })).json.group;
      assert.equal((await api.post('/api/v1/sessions', { title: 'S', starts_at: '2027-06-10T10:00:00+02:00', time_zone: 'Europe/Berlin', group_id: g.id })).status, 201);
      await new Promise((r) => setTimeout(r, 3000)); // a few failed attempts
      assert.equal(sink.messages.length, 0);
      await sink.up();
      await sink.waitFor((msgs) => msgs.length >= 4, 20000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(sink.messages.length, 4, 'each exactly once');
      assert.deepEqual(sink.messages.map((m) => m.to[0]).sort(), members.map((m) => m.email).sort());
    } finally {
      await server.stop();
      server.cleanup();
      await sink.stop();
    }
  });

  test('kill -9 while sending: no mail lost, none sent twice', async () => {
    const sink = await startSmtpSink({ delayMs: 150 });
    const first = await startServer({ env: mailEnv(sink) });
    const api = client(first, await setupAdmin(first, ADMIN));
    const members = [];
    for (let i = 0; i < 12; i++) members.push(await addClient(api, 80 + i));
    const g = (await api.post('/api/v1/groups', { name: 'Big', agreement: 'ok', capacity: 16, members: members.map((m) => m.id) })).json.group;
    assert.equal((await api.post('/api/v1/sessions', { title: 'S', starts_at: '2027-06-11T10:00:00+02:00', time_zone: 'Europe/Berlin', group_id: g.id })).status, 201);
    await sink.waitFor((msgs) => msgs.length >= 3, 20000);
    await first.kill9();
    const delivered = sink.messages.length;
    assert.ok(delivered < 12, `the crash came mid-way (${delivered} of 12 sent)`);
    const second = await startServer({ dataDir: first.dataDir, env: mailEnv(sink) });
    try {
      await sink.waitFor((msgs) => msgs.length >= 12, 30000);
      await new Promise((r) => setTimeout(r, 1500));
      const ids = sink.messages.map((m) => parseMail(m.data).messageId);
      assert.equal(sink.messages.length, 12, 'none sent twice');
      assert.equal(new Set(ids).size, 12);
      assert.deepEqual(sink.messages.map((m) => m.to[0]).sort(), members.map((m) => m.email).sort(), 'none lost');
    } finally {
      await second.stop();
      first.cleanup();
      await sink.stop();
    }
  });

  test('reminders come before a session, survive a restart, and skip cancelled sessions', async () => {
    const sink = await startSmtpSink();
    const env = mailEnv(sink, { CONFIDE_REMINDERS: '1' });
    const first = await startServer({ env });
    const api = client(first, await setupAdmin(first, ADMIN));
    const kept = await addClient(api, 90);
    const dropped = await addClient(api, 91);
    const soon = new Date(Date.now() + 75_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const s1 = (await api.post('/api/v1/sessions', { title: 'Soon', starts_at: soon, time_zone: 'Europe/Berlin', client_id: kept.id, duration_minutes: 30 })).json.session;
    const s2 = (await api.post('/api/v1/sessions', { title: 'Soon too', starts_at: soon, time_zone: 'Europe/Berlin', client_id: dropped.id, duration_minutes: 30, allow_overlap: true })).json.session;
    assert.equal((await api.post(`/api/v1/sessions/${s2.id}/cancel`)).status, 200);
    await first.stop();
    const second = await startServer({ dataDir: first.dataDir, port: first.port, env });
    try {
      await sink.waitFor(() => mailsTo(sink, kept.email).some((m) => m.subject.startsWith('Reminder')), 40000);
      const reminder = mailsTo(sink, kept.email).find((m) => m.subject.startsWith('Reminder'));
      assert.equal(reminder.subject, `Reminder: your appointment with ${PRACTICE}`);
      assert.ok(reminder.text.includes(s1.occurrences[0].password));
      assert.ok(reminder.text.includes(s1.invites[0].url));
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(mailsTo(sink, kept.email).filter((m) => m.subject.startsWith('Reminder')).length, 1, 'one reminder');
      assert.equal(mailsTo(sink, dropped.email).filter((m) => m.subject.startsWith('Reminder')).length, 0, 'none for a cancelled session');
    } finally {
      await second.stop();
      first.cleanup();
      await sink.stop();
    }
  });
});

describe('a member removed from a group, a client archived', () => {
  test('their links stop working, and no reminder, update or re-invitation reaches them', async () => {
    const sink = await startSmtpSink();
    const server = await startServer({ env: mailEnv(sink, { CONFIDE_REMINDERS: '1' }) });
    try {
      const api = client(server, await setupAdmin(server, ADMIN));
      const [kept, removed, archived] = [await addClient(api, 70), await addClient(api, 71), await addClient(api, 72)];
      const g = (await api.post('/api/v1/groups', { name: 'Evening group', agreement: 'It stays here.', members: [kept.id, removed.id, archived.id] })).json.group;
      const soon = new Date(Date.now() + 75_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const res = await api.post('/api/v1/sessions', { title: 'Soon', starts_at: soon, time_zone: 'Europe/Berlin', group_id: g.id, duration_minutes: 30, recurrence: { freq: 'weekly', count: 3 } });
      assert.equal(res.status, 201, res.text);
      const s = res.json.session;
      const link = (c) => s.invites.find((i) => i.client_id === c.id).url.split('/j/')[1];
      await sink.waitFor(() => [kept, removed, archived].every((c) => mailsTo(sink, c.email).length === 1), 10000);

      assert.equal((await api.del(`/api/v1/groups/${g.id}/members/${removed.id}`)).status, 204);
      assert.equal((await api.del(`/api/v1/clients/${archived.id}`)).status, 204);
      const shown = (await api.get(`/api/v1/sessions/${s.id}`)).json.session;
      assert.deepEqual(shown.invites.map((i) => i.client_id), [kept.id], 'only the links still in use');

      // the links are refused like links that never were: nothing about the session
      const ws = await connect(server);
      for (const c of [removed, archived]) {
        ws.json({ type: 'preview', token: link(c) });
        const p = await ws.next('join_refused');
        assert.equal(p.code, 'invalid');
        assert.ok(!JSON.stringify(p).includes('Soon'));
        ws.json({ type: 'join', token: link(c), password: s.occurrences[0].password, agree: true });
        assert.equal((await ws.next('join_refused')).code, 'invalid');
      }
      ws.json({ type: 'preview', token: link(kept) });
      assert.equal((await ws.next('preview')).status, 'open');
      ws.close();

      // this and following: the new series invites only who is still in the group
      const later = new Date(Date.parse(s.occurrences[1].starts_at) + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const moved = await api.patch(`/api/v1/sessions/${s.id}/occurrences/${s.occurrences[1].id}`, { starts_at: later, scope: 'following' });
      assert.equal(moved.status, 200, moved.text);
      assert.deepEqual(moved.json.session.invites.map((i) => i.client_id), [kept.id]);

      await sink.waitFor(() => mailsTo(sink, kept.email).some((m) => m.subject.startsWith('Reminder')), 40000);
      await settle(sink);
      const reminder = mailsTo(sink, kept.email).find((m) => m.subject.startsWith('Reminder'));
      assert.ok(reminder.text.includes(s.occurrences[0].password));
      for (const c of [removed, archived]) {
        const got = mailsTo(sink, c.email);
        assert.equal(got.length, 1, `only the first invitation for ${c.name}: ${got.map((m) => m.subject)}`);
        assert.ok(!got.some((m) => m.text.includes(s.occurrences[0].password) && m.subject.startsWith('Reminder')));
      }
    } finally {
      await server.stop();
      server.cleanup();
      await sink.stop();
    }
  });
});

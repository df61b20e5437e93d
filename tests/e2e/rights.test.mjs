// A client's rights: a copy of everything held about them (JSON and a readable page), with
// nothing about anyone else in it; erasure from the dashboard — contact, links and mail gone
// from the database at once, clinical records held and marked with their hold's end, their
// link dead, the other client untouched; and the retention purge (confide admin purge
// --as-of) letting the held records and the client row go once the period has ended.
// Screenshots go to build/screenshots/care/rights-*.png.
//   cd tests/e2e && node --test rights.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { BIN, cookieOf, dbQuery, request, setupAdmin } from './lib/server.mjs';
import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { connect } from './lib/ws.mjs';

const SHOTS = path.resolve('../../build/screenshots/care');
const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const BEA = { name: 'Dr Bea Lind', email: 'bea@practice.example', password: 'bea has a long password' };
const ROBIN = { name: 'Robin Quill', email: 'robin.quill@mail.example', time_zone: 'Europe/Berlin',
  phone: '+49 30 5550101', emergency_contact: { name: 'Kit Quill', phone: '+49 30 5550102', relationship: 'partner' } };
const SASHA = { name: 'Sasha Vale', email: 'sasha.vale@mail.example', time_zone: 'Europe/Berlin',
  phone: '+49 30 5550199' };
const DAY = 86400000;

const token = (url) => url.split('/j/')[1];

// The retention rule (practice/retention.c): the first midnight UTC after the same date
// `years` later (29 February as the 28th).
function heldUntil(ms, years) {
  const d = new Date(ms);
  let y = d.getUTCFullYear() + years;
  let day = d.getUTCDate();
  const m = d.getUTCMonth();
  if (m === 1 && day === 29 && new Date(Date.UTC(y, 1, 29)).getUTCMonth() !== 1) day = 28;
  return Date.UTC(y, m, day) + DAY;
}

let browser;
before(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => { await browser?.close(); });

test('a copy of a client\'s records, erasure with a retention hold, and the purge', async () => {
  await withServer({ env: { CONFIDE_PRACTICE_NAME: 'Harbour Counselling' } }, async (server) => {
    const cookie = await setupAdmin(server, ADA);
    const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
    const robin = (await call('POST', '/api/v1/clients', ROBIN)).json.client;
    const sasha = (await call('POST', '/api/v1/clients', SASHA)).json.client;
    const group = await call('POST', '/api/v1/groups', { name: 'Thursday circle',
      agreement: 'What is said here stays here.', members: [robin.id, sasha.id] });
    assert.equal(group.status, 201, group.text);
    const soon = (min) => new Date(Date.now() + min * 60000).toISOString();
    const made = async (body) => {
      const res = await call('POST', '/api/v1/sessions', { time_zone: 'UTC', allow_overlap: true, ...body });
      assert.equal(res.status, 201, res.text);
      return res.json.session;
    };
    const tonight = await made({ title: 'Circle tonight', starts_at: soon(5), group_id: group.json.group.id });
    const later = await made({ title: 'Circle later', starts_at: soon(10), group_id: group.json.group.id });
    const own = await made({ title: 'Robin one-to-one', starts_at: soon(3 * 24 * 60), client_id: robin.id });
    const linkOf = (s, c) => token(s.invites.find((i) => i.client_id === c.id).url);

    // the group is asked the mood check-in before each meeting
    assert.equal((await call('PUT', `/api/v1/groups/${group.json.group.id}/checkins`,
      { measures: ['mood'] })).status, 200);

    // both come to tonight's meeting: joined, answer the check-in while waiting, let in, left
    // at its end
    const host = await connect(server, { cookie });
    host.json({ type: 'join', token: token(tonight.host_url) });
    await host.next('joined');
    await host.next('admitted');
    const members = [];
    for (const [c, name] of [[robin, 'Robin'], [sasha, 'Sasha']]) {
      const ws = await connect(server);
      ws.json({ type: 'join', token: linkOf(tonight, c), password: tonight.occurrences[0].password, name, agree: true });
      await ws.next('joined');
      assert.deepEqual((await ws.next('checkin')).measures, ['mood']);
      ws.json({ type: 'checkin_answer', measure: 'mood', answers: [c === robin ? 7 : 3],
        word: c === robin ? 'hopeful' : 'weary' });
      await ws.next('checkin_saved');
      members.push(ws);
    }
    host.json({ type: 'admit_all' });
    for (const ws of members) await ws.next('admitted');
    host.json({ type: 'end' });
    for (const ws of members) await ws.next('ended');
    for (const ws of [host, ...members]) ws.close();

    // the group's roster shows each member's latest check-in score
    const roster = await call('GET', `/api/v1/groups/${group.json.group.id}/roster`);
    assert.equal(roster.status, 200, roster.text);
    assert.deepEqual(roster.json.members.map((m) => [m.name, m.last_scores.map((x) => [x.measure, x.total, x.band])]),
      [[ROBIN.name, [['mood', 7, null]]], [SASHA.name, [['mood', 3, null]]]]);

    // a note about each of them from tonight's meeting (Robin's signed, with an addendum), and
    // a secure message to each
    const occ = tonight.occurrences[0].id;
    for (const [c, words] of [[robin, 'Robin spoke about the lighthouse'], [sasha, 'Sasha spoke about the orchard']]) {
      const note = await call('POST', `/api/v1/sessions/${tonight.id}/occurrences/${occ}/notes`,
        { template: 'free', client_id: c.id });
      assert.equal(note.status, 201, note.text);
      const written = await call('PATCH', `/api/v1/notes/${note.json.note.id}`,
        { version: note.json.note.version, sections: { body: words } });
      assert.equal(written.status, 200, written.text);
      if (c === robin) {
        const signed = await call('POST', `/api/v1/notes/${note.json.note.id}/sign`, { version: written.json.note.version });
        assert.equal(signed.status, 200, signed.text);
        assert.equal((await call('POST', `/api/v1/notes/${note.json.note.id}/addenda`,
          { text: 'Robin called the next day: all well.' })).status, 201);
      }
      const sent = await call('POST', `/api/v1/clients/${c.id}/messages`,
        { body: c === robin ? 'See you Thursday, Robin.' : 'See you Thursday, Sasha.' });
      assert.equal(sent.status, 201, sent.text);
    }

    // a "find a time" poll for the group: Robin says yes to the first time, Sasha no to both
    const poll = await call('POST', '/api/v1/polls', { group_id: group.json.group.id,
      title: 'Spring evenings', time_zone: 'Europe/Berlin',
      slots: ['2031-03-03T18:00:00+01:00', '2031-03-04T18:00:00+01:00'] });
    assert.equal(poll.status, 201, poll.text);
    const pollLink = (c) => poll.json.poll.invites.find((i) => i.client_id === c.id).url.split('/p/')[1];
    const [first, second] = poll.json.poll.slots.map((x) => x.id);
    for (const [c, answers] of [[robin, [{ slot_id: first, answer: 'yes' }]],
      [sasha, [{ slot_id: first, answer: 'no' }, { slot_id: second, answer: 'no' }]]]) {
      const res = await request(server, 'POST', '/api/v1/poll-links/answer', { body: { token: pollLink(c), answers } });
      assert.ok(res.status < 300, res.text);
    }

    // an administrator opens Robin's record for a reason (emergency access); only then a copy
    const made2 = spawnSync(BIN, ['admin', 'create-user', '--name', BEA.name, '--email', BEA.email,
      '--role', 'admin', '--data-dir', server.dataDir], { input: `${BEA.password}\n`, encoding: 'utf8' });
    assert.equal(made2.status, 0, made2.stderr);
    const bea = cookieOf(await request(server, 'POST', '/api/v1/login', { body: { email: BEA.email, password: BEA.password } }));
    const asBea = (method, p, body) => request(server, method, p, { body, headers: { cookie: bea } });
    const refused = await asBea('GET', `/api/v1/clients/${robin.id}/export`);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'emergency_access_required');
    assert.equal((await asBea('POST', `/api/v1/clients/${robin.id}/emergency-access`,
      { reason: 'Robin asked for a copy; Dr Byron is away.' })).status, 201);
    const beaCopy = await asBea('GET', `/api/v1/clients/${robin.id}/export`);
    assert.equal(beaCopy.status, 200);
    assert.equal(beaCopy.json.records.find((r) => r.kind === 'contact').rows[0].name, ROBIN.name);
    // private notes are the practitioner's: an administrator's copy has none of them
    assert.equal(beaCopy.json.records.some((r) => r.kind === 'notes' || r.kind === 'note_addenda'), false);
    assert.equal(beaCopy.text.includes('lighthouse'), false);
    // erasure stays the practitioner's own
    assert.equal((await asBea('POST', `/api/v1/clients/${robin.id}/erase`, { confirm: true })).status, 404);

    // ---- the copy: every kind of record about Robin, with its values ----
    const exported = await call('GET', `/api/v1/clients/${robin.id}/export`);
    assert.equal(exported.status, 200, exported.text);
    const kind = (k) => exported.json.records.find((r) => r.kind === k);
    const contact = kind('contact').rows[0];
    assert.deepEqual([contact.name, contact.email, contact.phone, contact.time_zone],
      [ROBIN.name, ROBIN.email, ROBIN.phone, ROBIN.time_zone]);
    assert.deepEqual(contact.emergency_contact, ROBIN.emergency_contact);
    assert.deepEqual(kind('group_memberships').rows.map((r) => r.group), ['Thursday circle']);
    const events = kind('attendance').rows;
    // (their leaving is recorded as the meeting closes, which may come after this)
    assert.deepEqual(events.map((e) => `${e.session}: ${e.event}`).filter((e) => !e.endsWith('left')).sort(),
      ['Circle tonight: admitted', 'Circle tonight: joined']);
    assert.equal(events[0].meeting, tonight.occurrences[0].starts_at);
    assert.deepEqual(kind('session_links').rows.map((r) => r.session).sort(),
      ['Circle later', 'Circle tonight', 'Robin one-to-one']);
    assert.equal(kind('session_links').rows.some((r) => 'token' in r || 'url' in r), false, 'no link in a copy');
    assert.deepEqual(kind('sessions').rows.map((r) => r.title), ['Robin one-to-one']);
    assert.equal(kind('meetings').rows.length, 1);
    assert.ok(kind('mail').rows.length >= 3, 'the invitations to them, waiting in the outbox');
    assert.ok(kind('mail').rows.every((r) => r.kind && r.state));
    assert.ok(kind('audit').rows.some((r) => r.action === 'client.create' && r.by === ADA.name));
    assert.ok(kind('audit').rows.some((r) => r.action === 'client.emergency_export' && r.by === BEA.name));
    assert.deepEqual(kind('poll_links').rows.map((r) => r.poll), ['Spring evenings']);
    assert.deepEqual(kind('poll_answers').rows.map((r) => [r.poll, r.time_offered, r.answer]),
      [['Spring evenings', '2031-03-03T17:00:00Z', 'yes']]);
    assert.deepEqual(kind('emergency_access').rows.map((r) => [r.opened_by, r.reason]),
      [[BEA.name, 'Robin asked for a copy; Dr Byron is away.']]);
    assert.deepEqual(kind('checkins').rows.map((r) => [r.measure, r.total, r.word]), [['mood', 7, 'hopeful']]);
    assert.deepEqual(kind('checkins_chosen').rows, []); // chosen for the group, not for Robin
    assert.equal(kind('notes').rows.length, 1);
    assert.deepEqual(kind('notes').rows[0].sections, { body: 'Robin spoke about the lighthouse' });
    assert.ok(kind('notes').rows[0].signed_at);
    assert.deepEqual(kind('note_addenda').rows.map((r) => [r.by, r.text]),
      [[ADA.name, 'Robin called the next day: all well.']]);
    assert.deepEqual(kind('messages').rows.map((r) => [r.from_practitioner, r.text]),
      [[ADA.name, 'See you Thursday, Robin.']]);
    assert.equal(exported.json.retention_years, 7);
    // nothing about Sasha, who shares the group and the meeting
    for (const word of [SASHA.name, SASHA.email, 'Sasha', SASHA.phone, 'weary', 'orchard']) {
      assert.equal(exported.text.includes(word), false, `"${word}" is in Robin's copy`);
    }
    const readable = await call('GET', `/api/v1/clients/${robin.id}/export?format=html`);
    assert.equal(readable.status, 200);
    assert.match(readable.headers.get('content-type'), /^text\/html/);
    assert.match(readable.headers.get('content-security-policy'), /default-src 'self'/);
    for (const words of ['Records held about Robin Quill', 'Harbour Counselling', 'Attendance',
      'Group memberships', 'Thursday circle', 'Kit Quill', 'Circle tonight', 'Check-in answers',
      'hopeful', 'Session notes', 'lighthouse', 'Secure messages', 'See you Thursday, Robin.']) {
      assert.ok(readable.text.includes(words), `the readable copy says "${words}"`);
    }
    for (const word of ['Sasha', SASHA.email, 'weary', 'orchard']) assert.equal(readable.text.includes(word), false);
    // a browser's Accept gets the page too; a program's gets JSON
    const asked = await request(server, 'GET', `/api/v1/clients/${robin.id}/export`,
      { headers: { cookie, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.match(asked.headers.get('content-type'), /^text\/html/);
    assert.ok(asked.text.includes('<h2>Attendance</h2>'));
    assert.equal((await request(server, 'GET', `/api/v1/clients/${robin.id}/export`,
      { headers: { cookie, accept: 'application/json, text/html' } })).json.client_id, robin.id);
    // another practitioner's client is not there for anyone else; an unknown format is refused
    assert.equal((await request(server, 'GET', `/api/v1/clients/${robin.id}/export`)).status, 401);
    assert.equal((await call('GET', `/api/v1/clients/${robin.id}/export?format=pdf`)).status, 400);

    // ---- erasure, from the dashboard, while both are in the next meeting ----
    const host2 = await connect(server, { cookie });
    host2.json({ type: 'join', token: token(later.host_url) });
    await host2.next('joined');
    await host2.next('admitted');
    const inLater = [];
    for (const [c, name] of [[robin, 'Robin'], [sasha, 'Sasha']]) {
      const ws = await connect(server);
      ws.json({ type: 'join', token: linkOf(later, c), password: later.occurrences[0].password, name, agree: true });
      await ws.next('joined');
      inLater.push(ws);
    }
    host2.json({ type: 'admit_all' });
    for (const ws of inLater) await ws.next('admitted');
    const one = (sql) => dbQuery(server, sql);
    const attended = one(`SELECT count(*) FROM attendance WHERE client_id = ${robin.id}`);
    const mailBefore = Number(one('SELECT count(*) FROM outbox'));
    const { page, context, problems } = await newWatchedPage(browser, server, cookie,
      { locale: 'en-GB', timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/api/v1/clients/${robin.id}/export?format=html`);
    await page.getByRole('heading', { name: 'Records held about Robin Quill' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'rights-1-readable-copy.png'), fullPage: true });
    await page.goto(`${server.url}/dashboard`);
    const clients = page.getByRole('region', { name: 'Clients', exact: true });
    await clients.locator('button.dash-disclosure', { hasText: ROBIN.name }).click();
    const part = clients.locator('.rights');
    const download = part.getByRole('link', { name: 'Download their records (JSON)' });
    assert.equal(await download.getAttribute('href'), `/api/v1/clients/${robin.id}/export?format=json`);
    await part.getByRole('link', { name: 'Open a readable copy' }).waitFor();
    await part.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'rights-2-client-details.png') });
    await part.getByRole('button', { name: 'Erase this client…' }).click();
    const meeting = Date.parse(later.occurrences[0].starts_at); // the newest they attended
    const until = new Date(heldUntil(meeting, 7)).toLocaleDateString('en-GB',
      { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/Berlin' });
    await part.getByText(new RegExp(`^Attendance: ${attended} records, kept until ${until}$`)).waitFor();
    await part.getByText('cannot be undone').waitFor();
    const confirm = part.getByRole('button', { name: `Erase ${ROBIN.name}` });
    assert.equal(await confirm.isDisabled(), true, 'not before the name is typed');
    await part.getByLabel(`To erase, type their name: ${ROBIN.name}`).fill('Robin');
    assert.equal(await confirm.isDisabled(), true);
    await part.getByLabel(`To erase, type their name: ${ROBIN.name}`).fill(ROBIN.name);
    await part.screenshot({ path: path.join(SHOTS, 'rights-3-erase.png') });
    await confirm.click();
    await page.getByText(`${ROBIN.name} was erased. Clinical records are kept, sealed, until`).waitFor();
    await clients.locator('button.dash-disclosure', { hasText: SASHA.name }).waitFor();
    assert.equal(await clients.locator('button.dash-disclosure', { hasText: ROBIN.name }).count(), 0);
    await clients.screenshot({ path: path.join(SHOTS, 'rights-4-erased.png') });
    // the meeting let Robin go at once; Sasha is still in it
    assert.ok(await inLater[0].next('removed', 10000));
    await inLater[0].closed;
    inLater[1].json({ type: 'chat', to: 'everyone', text: 'still here' });
    assert.equal((await host2.next('chat')).text, 'still here');
    host2.json({ type: 'end' });
    for (const ws of [host2, ...inLater]) ws.close();
    // at 360 px wide too
    await page.setViewportSize({ width: 360, height: 740 });
    await clients.locator('button.dash-disclosure', { hasText: SASHA.name }).click();
    await clients.locator('.rights').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'rights-5-phone.png') });
    assert.deepEqual(problems, []);
    await context.close();

    // the database: contact, memberships, links and mail gone; the held records marked
    assert.equal(one(`SELECT count(*) FROM clients WHERE id = ${robin.id} AND erased_at IS NOT NULL`
      + ' AND phone_sealed IS NULL AND emergency_sealed IS NULL'), '1');
    for (const table of ['group_members', 'invites', 'poll_invites', 'meeting_admitted', 'inbox_links', 'inbox_signins']) {
      assert.equal(one(`SELECT count(*) FROM ${table} WHERE client_id = ${robin.id}`), '0', table);
    }
    // kept (and what the meeting recorded as it let them go)
    assert.ok(Number(one(`SELECT count(*) FROM attendance WHERE client_id = ${robin.id}`)) >= Number(attended));
    assert.ok(Number(attended) >= 4);
    for (const table of ['checkins', 'notes', 'messages']) {
      assert.equal(one(`SELECT count(*) FROM ${table} WHERE client_id = ${robin.id}`), '1', table);
    }
    assert.equal(one(`SELECT count(*) FROM inbox_links WHERE client_id = ${sasha.id}`), '1');
    const holds = Object.fromEntries(one(`SELECT record_kind, held_until FROM record_holds WHERE client_id = ${robin.id}`)
      .split('\n').map((line) => line.split('|')));
    assert.equal(Number(holds.attendance), heldUntil(meeting, 7));
    assert.equal(Number(holds.sessions), heldUntil(Date.parse(own.occurrences[0].starts_at), 7));
    assert.equal(one(`SELECT count(*) FROM series WHERE id = ${own.id} AND cancelled_at IS NOT NULL`), '1');
    // the mail to Robin is gone, Sasha's is not
    const left = await call('GET', `/api/v1/clients/${sasha.id}/export`);
    assert.ok(left.json.records.find((r) => r.kind === 'mail').rows.length >= 3);
    assert.equal(Number(one('SELECT count(*) FROM outbox')), mailBefore - kind('mail').rows.length);
    if (!server.databaseUrl) { // the words were sealed, and now they are gone
      for (const file of ['confide.db', 'confide.db-wal']) {
        const p = path.join(server.dataDir, file);
        if (existsSync(p)) assert.equal(readFileSync(p).includes(ROBIN.email), false, file);
      }
    }
    // Robin is gone from the API; their link no longer works; Sasha's still does
    assert.equal((await call('GET', `/api/v1/clients/${robin.id}`)).status, 404);
    assert.equal((await call('GET', `/api/v1/clients/${robin.id}/export`)).status, 404);
    assert.equal((await call('POST', `/api/v1/clients/${robin.id}/erase`, { confirm: true })).status, 404);
    const gone = await connect(server);
    gone.json({ type: 'preview', token: linkOf(later, robin) });
    assert.ok(['invalid', 'revoked'].includes((await gone.next('join_refused')).code));
    const still = await connect(server);
    still.json({ type: 'preview', token: linkOf(later, sasha) });
    assert.equal((await still.next('preview')).role, 'client');
    gone.close();
    still.close();
    const sashaNow = (await call('GET', `/api/v1/clients/${sasha.id}`)).json.client;
    assert.deepEqual([sashaNow.name, sashaNow.email, sashaNow.phone], [SASHA.name, SASHA.email, SASHA.phone]);
    assert.deepEqual((await call('GET', `/api/v1/groups/${group.json.group.id}`)).json.group.members, [sasha.id]);
    const audit = await call('GET', `/api/v1/audit?action=client.erase`);
    assert.equal(audit.json.entries?.[0]?.subject_id, robin.id);

    // ---- the purge: nothing before the hold ends, everything of Robin after ----
    const purge = (asOf) => spawnSync(BIN, ['admin', 'purge', '--as-of', asOf, '--data-dir', server.dataDir],
      { encoding: 'utf8' });
    let run = purge(new Date(Date.now() + 365 * DAY).toISOString());
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, / 0 held record\(s\) and 0 erased client\(s\)/);
    assert.equal(one(`SELECT count(*) FROM clients WHERE id = ${robin.id}`), '1');
    run = purge(new Date(heldUntil(Date.parse(own.occurrences[0].starts_at), 7) + DAY).toISOString());
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /and 1 erased client\(s\) let go/);
    assert.equal(one(`SELECT count(*) FROM clients WHERE id = ${robin.id}`), '0');
    assert.equal(one(`SELECT count(*) FROM attendance WHERE client_id = ${robin.id}`), '0');
    for (const table of ['checkins', 'notes', 'messages']) {
      assert.equal(one(`SELECT count(*) FROM ${table} WHERE client_id = ${robin.id}`), '0', table);
      assert.equal(one(`SELECT count(*) FROM ${table} WHERE client_id = ${sasha.id}`), '1', table);
    }
    assert.equal(one(`SELECT count(*) FROM note_addenda`), '0');
    assert.equal(one(`SELECT count(*) FROM record_holds`), '0');
    assert.equal(one(`SELECT count(*) FROM series WHERE id = ${own.id}`), '0');
    // Sasha's records (the group's meeting, hers in it) are all there, and the audit chain holds
    assert.equal(one(`SELECT count(*) FROM attendance WHERE client_id = ${sasha.id}`),
      String(left.json.records.find((r) => r.kind === 'attendance').rows.length));
    const verified = spawnSync(BIN, ['admin', 'verify-audit', '--data-dir', server.dataDir], { encoding: 'utf8' });
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  });
});

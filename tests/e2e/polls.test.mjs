// "Find a time" polls against the real binary, a real SMTP sink and Debian's Chromium: a
// therapist asks a group of three about three times, each member gets their own link (and
// nobody else's), one answers through the page, two through the API, the times come back
// ranked, the session is made from the best one and the poll closes. Then bad input, other
// sites, another therapist, and guessing links.
//
//   cd tests/e2e && node --test polls.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { cookieOf, request, setupAdmin, startServer, BIN } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';
import { parseMail } from './lib/mail.mjs';

const PRACTICE = 'Harbour Counselling';
const ADMIN = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Three evenings in Berlin, far enough ahead to stay in the future.
const SLOTS = ['2031-03-03T18:00:00+01:00', '2031-03-04T18:00:00+01:00', '2031-03-05T18:00:00+01:00'];
const UTC = ['2031-03-03T17:00:00Z', '2031-03-04T17:00:00Z', '2031-03-05T17:00:00Z'];
const TOKEN_URL = /\/p\/([A-Za-z0-9_-]{22})\b/;

function client(server, cookie, extraHeaders = {}) {
  const call = (method, p, body) => request(server, method, p, { body, headers: { cookie, ...extraHeaders } });
  return { call, get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}) };
}

// The public link endpoints, as the poll page calls them: no cookie.
const lookup = (server, token) => request(server, 'POST', '/api/v1/poll-links/lookup', { body: { token } });
const answer = (server, token, answers) =>
  request(server, 'POST', '/api/v1/poll-links/answer', { body: { token, answers } });

async function settle(sink, quietMs = 1500) {
  let seen = -1;
  while (seen !== sink.messages.length) {
    seen = sink.messages.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

const mailsTo = (sink, email) => sink.messages.filter((m) => m.to.includes(email)).map((m) => parseMail(m.data));

describe('find a time', () => {
  let server, sink, browser, api, adaCookie;
  const members = [];
  let group;

  before(async () => {
    sink = await startSmtpSink();
    server = await startServer({ env: {
      CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CONFIDE_SMTP_STARTTLS: 'off',
      CONFIDE_MAIL_RETRY_SECONDS: '1', CONFIDE_MAIL_POLL_SECONDS: '1', CONFIDE_PRACTICE_NAME: PRACTICE,
    } });
    adaCookie = await setupAdmin(server, ADMIN);
    api = client(server, adaCookie);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const zones = ['America/New_York', 'Europe/Berlin', 'Europe/London'];
    for (let i = 0; i < 3; i++) {
      const res = await api.post('/api/v1/clients', { name: `Member ${i + 1}`, email: `member${i + 1}@mail.example`, time_zone: zones[i] });
      assert.equal(res.status, 201, res.text);
      members.push(res.json.client);
    }
    const res = await api.post('/api/v1/groups', { name: 'Wednesday group', agreement: 'What is said here stays here.', members: members.map((m) => m.id) });
    assert.equal(res.status, 201, res.text);
    group = res.json.group;
  });

  after(async () => {
    await browser?.close();
    const { code, signal } = await server.stop();
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.stderr.slice(-3000));
    assert.ok(!/member\d@mail\.example|Member \d/.test(server.stderr), 'the log names a member');
    assert.ok(!TOKEN_URL.test(server.stderr), 'the log holds a poll link');
    server.cleanup();
    await sink.stop();
  });

  test('a poll: own links by mail, answers by page and API, ranked slots, the session from the best', async () => {
    const created = await api.post('/api/v1/polls', { group_id: group.id, title: 'Spring group evenings', time_zone: 'Europe/Berlin', slots: SLOTS });
    assert.equal(created.status, 201, created.text);
    const poll = created.json.poll;
    assert.equal(poll.status, 'open');
    assert.equal(poll.session_id, null);
    assert.equal(poll.duration_minutes, 50);
    assert.equal(poll.group_id, group.id);
    assert.deepEqual(poll.slots.map((s) => s.starts_at), UTC, 'nothing answered: earliest first');
    assert.ok(poll.slots.every((s) => s.unanswered === 3 && s.score === 0));
    assert.deepEqual(poll.responses, members.map((m) => ({ client_id: m.id, answered: false })));
    assert.equal(poll.invites.length, 3);
    for (const inv of poll.invites) assert.match(inv.url, new RegExp(`^${server.url}/p/[A-Za-z0-9_-]{22}$`));
    assert.equal(new Set(poll.invites.map((i) => i.url)).size, 3);
    const [A, B, C] = poll.slots.map((s) => s.id);

    // one mail each, with their own link and the times in their own zone
    await sink.waitFor(() => members.every((m) => mailsTo(sink, m.email).length >= 1), 10000);
    await settle(sink);
    const localA = ['Monday 3 March 2031, 12:00–12:50 (America/New_York)',
      'Monday 3 March 2031, 18:00–18:50 (Europe/Berlin)', 'Monday 3 March 2031, 17:00–17:50 (Europe/London)'];
    const tokens = [];
    members.forEach((m, i) => {
      const mails = mailsTo(sink, m.email);
      assert.equal(mails.length, 1, `${m.name} got ${mails.length} mails`);
      const [mail] = mails;
      assert.equal(mail.subject, `Please choose a time with ${PRACTICE}`);
      assert.equal(mail.calendar, null, 'no calendar attachment');
      assert.equal(mail.parts.length, 1);
      assert.ok(mail.text.startsWith(`Hello ${m.name},`));
      assert.ok(mail.text.includes(ADMIN.name), 'who asks');
      assert.ok(mail.text.includes(localA[i]), `the first time in ${m.time_zone}:\n${mail.text}`);
      assert.ok(mail.text.includes('keep it to yourself'));
      const mine = poll.invites.find((inv) => inv.client_id === m.id).url;
      assert.ok(mail.text.includes(mine), 'their own link');
      for (const other of poll.invites.filter((inv) => inv.client_id !== m.id)) assert.ok(!mail.text.includes(other.url), 'never another member\'s link');
      for (const other of members.filter((o) => o !== m)) assert.ok(!mail.text.includes(other.name), 'never another member\'s name');
      assert.ok(!mail.text.includes('Spring group evenings'), 'the title stays out of mail');
      tokens.push(mail.text.match(TOKEN_URL)[1]);
    });

    // member 1 answers through the page, in their own time zone
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10000);
      const problems = [];
      page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
      page.on('pageerror', (err) => problems.push(err.message));
      const requests = [];
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(`${server.url}/p/${tokens[0]}`);
      await page.getByRole('heading', { name: 'Spring group evenings' }).waitFor();
      await page.getByText(PRACTICE).waitFor();
      await page.getByText('Times are in America/New York time.').waitFor();
      const groups = page.getByRole('group');
      assert.equal(await groups.count(), 3);
      const slotGroup = (day) => page.getByRole('group', { name: new RegExp(`${day} March 2031, 12:00`) });
      await slotGroup(3).getByLabel('Available', { exact: true }).check();
      await slotGroup(4).getByLabel('If need be', { exact: true }).check();
      await slotGroup(5).getByLabel('Not available', { exact: true }).check();
      await page.getByRole('button', { name: 'Send my answers' }).click();
      const status = page.getByRole('status');
      await page.getByText('Thank you — your answers are saved.').waitFor();
      assert.equal((await status.textContent()).trim(), 'Thank you — your answers are saved.');
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'fits a phone');
      await page.reload();
      await page.getByRole('heading', { name: 'Spring group evenings' }).waitFor();
      assert.equal(await slotGroup(3).getByLabel('Available', { exact: true }).isChecked(), true);
      assert.equal(await slotGroup(4).getByLabel('If need be', { exact: true }).isChecked(), true);
      assert.equal(await slotGroup(5).getByLabel('Not available', { exact: true }).isChecked(), true);
      assert.equal(await slotGroup(3).getByLabel('Not available', { exact: true }).isChecked(), false);
      assert.deepEqual(problems, []);
      assert.ok(requests.every((u) => !new URL(u).pathname.startsWith('/api/') || !u.includes(tokens[0])), 'the token never goes in an API URL');

      // member 2 through the API, then changes their mind about C
      const first = await answer(server, tokens[1], [{ slot_id: A, answer: 'no' }, { slot_id: B, answer: 'yes' }, { slot_id: C, answer: 'no' }]);
      assert.equal(first.status, 200, first.text);
      let mid = (await api.get(`/api/v1/polls/${poll.id}`)).json.poll;
      assert.deepEqual(mid.responses.map((r) => r.answered), [true, true, false]);
      assert.ok(mid.slots.every((s) => s.unanswered === 1));
      const changed = await answer(server, tokens[1], [{ slot_id: C, answer: 'yes' }]);
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(changed.json.answers, [{ slot_id: A, answer: 'no' }, { slot_id: B, answer: 'yes' }, { slot_id: C, answer: 'yes' }]);

      // a member sees only their own answers, and nothing about the others
      const seen = await lookup(server, tokens[1]);
      assert.equal(seen.status, 200);
      assert.deepEqual(seen.json.answers, changed.json.answers);
      assert.deepEqual(seen.json.client, { time_zone: 'Europe/Berlin' });
      assert.equal(seen.json.poll.practice_name, PRACTICE);
      assert.deepEqual(seen.json.poll.slots.map((s) => s.starts_at), UTC);
      for (const word of ['Member 1', 'Member 3', 'member1@', 'client_id', 'yes":', 'responses', tokens[0], tokens[2]]) {
        assert.ok(!seen.text.includes(word), `the lookup shows ${word}`);
      }

      // member 3 through the API
      assert.equal((await answer(server, tokens[2], [{ slot_id: A, answer: 'yes' }, { slot_id: B, answer: 'maybe' }, { slot_id: C, answer: 'yes' }])).status, 200);

      // all score 4: B has no "not available"; A and C have one each, A is earlier
      const ranked = (await api.get(`/api/v1/polls/${poll.id}`)).json.poll;
      assert.deepEqual(ranked.slots.map((s) => [s.id, s.starts_at, s.yes, s.maybe, s.no, s.unanswered, s.score, s.rank]), [
        [B, UTC[1], 1, 2, 0, 0, 4, 1],
        [A, UTC[0], 2, 0, 1, 0, 4, 2],
        [C, UTC[2], 2, 0, 1, 0, 4, 3],
      ]);
      assert.deepEqual(ranked.responses.map((r) => r.answered), [true, true, true]);
      const listed = (await api.get('/api/v1/polls')).json.polls;
      assert.deepEqual(listed.find((p) => p.id === poll.id), ranked);

      // the session at the best time; the poll closes
      const mailBefore = sink.messages.length;
      const made = await api.post(`/api/v1/polls/${poll.id}/session`, { slot_id: B, waiting_room: false });
      assert.equal(made.status, 201, made.text);
      const { session } = made.json;
      assert.equal(session.group_id, group.id);
      assert.equal(session.title, 'Spring group evenings');
      assert.equal(session.time_zone, 'Europe/Berlin');
      assert.equal(session.recurrence, null);
      assert.equal(session.settings.waiting_room, false);
      assert.equal(session.settings.chat, true);
      assert.deepEqual(session.occurrences.map((o) => [o.starts_at, o.ends_at]), [[UTC[1], '2031-03-04T17:50:00Z']]);
      assert.equal(session.invites.length, 3);
      assert.equal(made.json.poll.status, 'closed');
      assert.equal(made.json.poll.session_id, session.id);
      assert.equal((await api.get(`/api/v1/polls/${poll.id}`)).json.poll.status, 'closed');

      await sink.waitFor(() => members.every((m) => mailsTo(sink, m.email).length === 2), 10000);
      for (const m of members) {
        const invitation = mailsTo(sink, m.email)[1];
        assert.equal(invitation.subject, `Your appointment with ${PRACTICE}`);
        assert.ok(invitation.text.includes(session.invites.find((i) => i.client_id === m.id).url));
        assert.ok(invitation.calendar, 'an invitation with a calendar');
      }
      assert.equal(sink.messages.length, mailBefore + 3);

      // closed: no more answers, no second session; the page says so
      const late = await answer(server, tokens[2], [{ slot_id: A, answer: 'no' }]);
      assert.equal(late.status, 409);
      assert.equal(late.json.error.code, 'poll_closed');
      assert.equal((await lookup(server, tokens[2])).json.poll.status, 'closed');
      const again = await api.post(`/api/v1/polls/${poll.id}/session`, { slot_id: A });
      assert.equal(again.status, 409);
      assert.equal(again.json.error.code, 'poll_closed');
      assert.equal((await api.get('/api/v1/sessions')).json.sessions.length, 1);
      await page.reload();
      await page.getByText('A time has been chosen, so this poll is closed.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Send my answers' }).isDisabled(), true);
    } finally {
      await context.close();
    }
  });

  test('bad input: a clear 4xx, nothing written, nothing mailed', async () => {
    const open = await api.post('/api/v1/polls', { group_id: group.id, title: 'Summer', time_zone: 'Europe/Berlin', duration_minutes: 90, slots: ['2031-06-02T18:00:00+02:00', '2031-06-03T18:00:00+02:00'] });
    assert.equal(open.status, 201, open.text);
    const closedPoll = (await api.get('/api/v1/polls')).json.polls.find((p) => p.status === 'closed');
    const lonely = (await api.post('/api/v1/groups', { name: 'Nobody yet', agreement: 'ok' })).json.group;
    await settle(sink);
    const mailBefore = sink.messages.length;
    const pollsBefore = (await api.get('/api/v1/polls')).json.polls.length;

    const base = { group_id: group.id, title: 'X', time_zone: 'Europe/Berlin', slots: SLOTS };
    const cases = [
      [{ ...base, slots: [SLOTS[0]] }, 400, 'slot_count'],
      [{ ...base, slots: [] }, 400, 'slot_count'],
      [{ ...base, slots: Array.from({ length: 21 }, (_, i) => `2031-07-${String(i + 1).padStart(2, '0')}T10:00:00Z`) }, 400, 'slot_count'],
      [{ ...base, slots: [SLOTS[0], SLOTS[1], SLOTS[0]] }, 400, 'duplicate_slot'],
      [{ ...base, slots: [SLOTS[0], UTC[0]] }, 400, 'duplicate_slot'],
      [{ ...base, slots: [SLOTS[0], '2020-01-06T10:00:00+01:00'] }, 400, 'slot_in_past'],
      [{ ...base, slots: [SLOTS[0], '2031-03-04 18:00'] }, 400, 'invalid_slot'],
      [{ ...base, slots: [SLOTS[0], '2031-02-30T18:00:00+01:00'] }, 400, 'invalid_slot'],
      [{ ...base, slots: [SLOTS[0], 1930000000000] }, 400, 'invalid_slot'],
      [{ ...base, slots: SLOTS[0] }, 400, 'invalid_field'],
      [{ group_id: group.id, title: 'X', time_zone: 'Europe/Berlin' }, 400, 'missing_field'],
      [{ ...base, time_zone: 'Europe/Atlantis' }, 400, 'unknown_time_zone'],
      [{ ...base, duration_minutes: 0 }, 400, 'invalid_field'],
      [{ ...base, title: '' }, 400, 'invalid_field'],
      [{ ...base, group_id: undefined }, 400, 'missing_field'],
      [{ ...base, group_id: 999999 }, 404, 'not_found'],
      [{ ...base, group_id: lonely.id }, 409, 'group_empty'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api.post('/api/v1/polls', body);
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(res.json.error.code, code, JSON.stringify(body));
    }

    // another therapist can neither use Ada's group nor see or close her polls
    const made = spawnSync(BIN, ['admin', 'create-user', '--name', 'Dr Bea Lind', '--email', 'bea@practice.example',
      '--role', 'therapist', '--data-dir', server.dataDir], { input: 'bea has a long password\n', encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const login = await request(server, 'POST', '/api/v1/login', { body: { email: 'bea@practice.example', password: 'bea has a long password' } });
    const bea = client(server, cookieOf(login));
    const theirs = await bea.post('/api/v1/polls', base);
    assert.equal(theirs.status, 404, theirs.text);
    assert.equal(theirs.json.error.code, 'not_found');
    assert.equal((await bea.get(`/api/v1/polls/${open.json.poll.id}`)).status, 404);
    assert.equal((await bea.post(`/api/v1/polls/${open.json.poll.id}/session`, { slot_id: open.json.poll.slots[0].id })).status, 404);
    assert.deepEqual((await bea.get('/api/v1/polls')).json.polls, []);

    // requests from another site are refused before anything happens
    const evil = { origin: 'https://evil.example' };
    const crossCreate = await client(server, adaCookie, evil).post('/api/v1/polls', base);
    assert.equal(crossCreate.status, 403);
    assert.equal(crossCreate.json.error.code, 'cross_origin');
    const token = open.json.poll.invites[0].url.match(TOKEN_URL)[1];
    const crossAnswer = await request(server, 'POST', '/api/v1/poll-links/answer', {
      body: { token, answers: [{ slot_id: open.json.poll.slots[0].id, answer: 'yes' }] }, headers: evil });
    assert.equal(crossAnswer.status, 403);
    assert.equal(crossAnswer.json.error.code, 'cross_origin');
    const crossSite = await request(server, 'POST', '/api/v1/poll-links/lookup', { body: { token }, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(crossSite.status, 403);

    // the link endpoints
    const [s1, s2] = open.json.poll.slots.map((s) => s.id);
    const unknown = await lookup(server, 'AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'not_found');
    assert.match(unknown.json.error.message, /ask the person who sent it/);
    assert.equal((await answer(server, 'AAAAAAAAAAAAAAAAAAAAAA', [{ slot_id: s1, answer: 'yes' }])).status, 404);
    const otherPollSlot = closedPoll.slots[0].id;
    const linkCases = [
      [[{ slot_id: s1, answer: 'yes' }, { slot_id: otherPollSlot, answer: 'yes' }], 'unknown_slot'],
      [[{ slot_id: 999999, answer: 'no' }], 'unknown_slot'],
      [[{ slot_id: s1, answer: 'yes' }, { slot_id: s2, answer: 'perhaps' }], 'invalid_answer'],
      [[{ slot_id: s1, answer: 'YES' }], 'invalid_answer'],
      [[{ slot_id: s1 }], 'invalid_answer'],
      [[{ slot_id: s1, answer: 'yes' }, { slot_id: s1, answer: 'no' }], 'invalid_field'],
      [[{ slot_id: String(s1), answer: 'yes' }], 'invalid_field'],
      [[], 'invalid_field'],
      ['yes', 'invalid_field'],
    ];
    for (const [answers, code] of linkCases) {
      const res = await answer(server, token, answers);
      assert.equal(res.status, 400, `${JSON.stringify(answers)}: ${res.text}`);
      assert.equal(res.json.error.code, code, JSON.stringify(answers));
    }
    const missing = await request(server, 'POST', '/api/v1/poll-links/lookup', { body: {} });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.code, 'missing_field');
    assert.equal(missing.json.error.field, 'token');
    assert.equal(missing.json.error.message, 'Open the link from your email.');
    assert.deepEqual(missing.json.errors, [missing.json.error]);

    // nothing of all that was written or mailed
    assert.deepEqual((await lookup(server, token)).json.answers, []);
    const after = (await api.get('/api/v1/polls')).json.polls;
    assert.equal(after.length, pollsBefore);
    assert.ok(after.find((p) => p.id === open.json.poll.id).slots.every((s) => s.unanswered === 3));
    assert.equal((await api.get('/api/v1/sessions')).json.sessions.length, 1);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sink.messages.length, mailBefore);

    // a session at an unknown slot, or with bad settings: refused, the poll stays open
    const badSlot = await api.post(`/api/v1/polls/${open.json.poll.id}/session`, { slot_id: otherPollSlot });
    assert.equal(badSlot.status, 400);
    assert.equal(badSlot.json.error.code, 'unknown_slot');
    const badSetting = await api.post(`/api/v1/polls/${open.json.poll.id}/session`, { slot_id: s1, chat: 'no' });
    assert.equal(badSetting.status, 400);
    assert.equal(badSetting.json.error.code, 'invalid_field');
    assert.equal((await api.get(`/api/v1/polls/${open.json.poll.id}`)).json.poll.status, 'open');
  });

  test('guessing links from one address slows down', async () => {
    const { polls } = (await api.get('/api/v1/polls')).json;
    const token = polls.find((p) => p.status === 'open').invites[0].url.match(TOKEN_URL)[1];
    let res;
    for (let i = 0; i < 30; i++) {
      res = await lookup(server, `guess${String(i).padStart(17, '0')}`);
      if (res.status === 429) break;
      assert.equal(res.status, 404);
    }
    assert.equal(res.status, 429, 'no slowdown after 30 guesses');
    assert.equal(res.json.error.code, 'too_many_attempts');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    // while it lasts, a real link from that address waits too
    assert.equal((await lookup(server, token)).status, 429);
    // signing in is throttled separately
    const login = await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } });
    assert.equal(login.status, 200);
  });
});

// Group intake and attendance against the real binary and Debian's Chromium. The
// practitioner opens a group's interest link with two questions of her own on the
// dashboard; a person fills its form on a phone (360 × 740); the request is on the group's
// waitlist, where "Add as client and to the group" makes them a client and a member; their
// answers are nowhere in the database file in clear; a link turned off, or one that never
// was, says so in words. Then attendance: two group meetings held (over real WebSockets),
// one member came to both and one to neither: the statuses over the API, the roster's
// rates, and the dashboard's note that a client missed two sessions in a row.
//
//   cd tests/e2e && node --test intake.test.mjs
// Screenshots go to build/screenshots/care/ (INTAKE_SCREENSHOTS=DIR elsewhere).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { request, setupAdmin } from './lib/server.mjs';
import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { connect } from './lib/ws.mjs';

const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const SHOTS = process.env.INTAKE_SCREENSHOTS ?? path.resolve('../../build/screenshots/care');
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, timezoneId: 'Europe/London' };
const LAPTOP = { viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/London' };
// what the person writes: found again on the waitlist, never in the database file
const QUESTIONS = ['What brings you to the group?', 'Is there anything we should know to make it work for you?'];
const ANSWERS = ['Quiet evenings with the lighthouse keeper sorrow', 'I use a wheelchair, so step-free rooms please'];
const PERSON = { name: 'Robin Vale', email: 'robin.vale@mail.example', phone: '+44 20 7946 0321' };

let browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const shoot = (locator, name) => locator.screenshot({ path: path.join(SHOTS, name) });

function apiAs(server, cookie) {
  return (method, p, body) => request(server, method, p, { body, headers: { cookie } });
}

async function openDashboard(server, cookie, options) {
  const watched = await newWatchedPage(browser, server, cookie, options, /status of 4(04|09|10) /);
  await watched.page.goto(`${server.url}/dashboard`);
  await watched.page.getByText(`Signed in as ${ADA.name}`).waitFor();
  return watched;
}

async function openGroup(page, name) {
  const groups = page.getByRole('region', { name: 'Groups' });
  await groups.getByRole('button', { name }).click();
  return groups;
}

// One meeting of a group session held now: the therapist in, `present` let in from the
// waiting room, then ended for everyone.
async function holdMeeting(server, cookie, session, present) {
  const hostToken = session.host_url.split('/j/')[1];
  const host = await connect(server, { cookie });
  host.json({ type: 'join', token: hostToken });
  assert.equal((await host.next('joined')).role, 'host');
  await host.next('admitted');
  const clients = [];
  for (const c of present) {
    const link = session.invites.find((i) => i.client_id === c.id).url.split('/j/')[1];
    const ws = await connect(server);
    ws.json({ type: 'join', token: link, password: session.occurrences[0].password, agree: true, name: c.name });
    const joined = await ws.next('joined');
    await ws.next('waiting');
    host.json({ type: 'admit', participant: joined.participant });
    await ws.next('admitted');
    clients.push(ws);
  }
  host.json({ type: 'end' });
  await host.next('ended');
  for (const ws of clients) {
    await ws.next('ended');
    ws.close();
  }
  host.close();
}

test('an interest link, a request on the waitlist taken in, attendance and its nudge', async () => {
  await withServer({ env: { CONFIDE_PRACTICE_NAME: 'Harbour Counselling' } }, async (server) => {
    const cookie = await setupAdmin(server, ADA);
    const call = apiAs(server, cookie);
    const made = [];
    for (const [name, email] of [['Mara Quinn', 'mara@mail.example'], ['Jonas Field', 'jonas@mail.example']]) {
      const res = await call('POST', '/api/v1/clients', { name, email, time_zone: 'Europe/London' });
      assert.equal(res.status, 201, res.text);
      made.push(res.json.client);
    }
    const [mara, jonas] = made;
    const groupRes = await call('POST', '/api/v1/groups', {
      name: 'Tuesday grief circle', description: 'A small group for people living with a loss.',
      agreement: 'What is said here stays here.', members: made.map((c) => c.id),
    });
    assert.equal(groupRes.status, 201, groupRes.text);
    const group = groupRes.json.group;

    // ---- attendance: two meetings held; Mara came to both, Jonas to neither ----
    for (let i = 0; i < 2; i++) {
      const res = await call('POST', '/api/v1/sessions', {
        title: `Circle ${i + 1}`, starts_at: new Date(Date.now() + (5 + i) * 60000).toISOString(),
        time_zone: 'Europe/London', group_id: group.id, allow_overlap: true,
      });
      assert.equal(res.status, 201, res.text);
      await holdMeeting(server, cookie, res.json.session, [mara]);
    }
    const maraAtt = await call('GET', `/api/v1/clients/${mara.id}/attendance`);
    assert.equal(maraAtt.status, 200, maraAtt.text);
    assert.deepEqual(maraAtt.json.occurrences.map((o) => o.status), ['attended', 'attended']);
    assert.deepEqual(maraAtt.json.occurrences.map((o) => o.title), ['Circle 1', 'Circle 2']);
    assert.equal(maraAtt.json.summary.rate, 1);
    const jonasAtt = await call('GET', `/api/v1/clients/${jonas.id}/attendance`);
    assert.deepEqual(jonasAtt.json.occurrences.map((o) => o.status), ['no_show', 'no_show']);
    assert.equal(jonasAtt.json.summary.rate, 0);
    assert.equal(jonasAtt.json.summary.missed_in_a_row, 2);
    const nudges = await call('GET', '/api/v1/attendance/nudges');
    assert.deepEqual(nudges.json.nudges.map((n) => n.client_id), [jonas.id]);
    const roster = await call('GET', `/api/v1/groups/${group.id}/roster`);
    assert.equal(roster.status, 200, roster.text);
    const rateOf = (id) => roster.json.members.find((m) => m.client_id === id).attendance;
    assert.equal(rateOf(mara.id).held, 2);
    assert.equal(rateOf(mara.id).rate, 1);
    assert.equal(rateOf(jonas.id).no_show, 2);

    // ---- the practitioner opens an interest link with two questions, on the dashboard ----
    const desk = await openDashboard(server, cookie, LAPTOP);
    let linkUrl;
    try {
      const { page } = desk;
      // the nudge, and what the client's details say
      const nudge = page.getByText('Jonas Field has missed two sessions in a row.');
      await nudge.waitFor();
      await shoot(page.locator('.dash-nudges'), 'attendance-nudge.png');
      const clients = page.getByRole('region', { name: 'Clients' });
      await clients.getByRole('button', { name: 'Jonas Field' }).click();
      const detail = page.locator(`#client-detail-${jonas.id}`);
      await detail.getByText('Attendance 0%: came to 0 of 2, 2 missed.').waitFor();
      assert.equal(await detail.locator('.att-mark.no_show').count(), 2);
      assert.equal(await detail.locator('.att-mark.no_show').first().getAttribute('aria-label'),
        `${new Date(jonasAtt.json.occurrences[0].starts_at).toLocaleDateString('en-US', { day: 'numeric', month: 'short' })}, Circle 1: Did not come`);
      await shoot(detail.locator('.care-attendance'), 'attendance-client.png');

      const groups = await openGroup(page, 'Tuesday grief circle');
      const box = page.locator(`#group-detail-${group.id}`);
      const table = box.locator('.care-roster-table');
      await table.waitFor();
      assert.match(await table.innerText(), /Mara Quinn\s+100% \(2 of 2\)/);
      assert.match(await table.innerText(), /Jonas Field\s+0% \(0 of 2\)/);
      await shoot(box.locator('.care-roster'), 'attendance-roster.png');

      await box.getByText('Nobody is waiting for a place.').waitFor();
      await box.getByLabel('Question 1 (optional)').fill(QUESTIONS[0]);
      await box.getByLabel('Question 2 (optional)').fill(QUESTIONS[1]);
      await box.getByRole('button', { name: 'Open an interest link' }).click();
      await box.getByText('The interest link is open. Copy it to share it.').waitFor();
      linkUrl = await box.locator('.care-intake-url').innerText();
      assert.match(linkUrl, /\/i\/[A-Za-z0-9_-]{22}$/);
      await box.getByText(QUESTIONS[1]).waitFor();
      await shoot(box.locator('.care-intake'), 'intake-link.png');
      await page.getByRole('button', { name: 'Dismiss: Jonas Field has missed two sessions in a row.' }).click();
      assert.equal(await nudge.count(), 0);
      await groups.getByRole('button', { name: 'Tuesday grief circle' }).click(); // closed again
      assert.deepEqual(desk.problems, []);
    } finally {
      await desk.context.close();
    }
    const path_ = new URL(linkUrl).pathname;

    // ---- a person fills the form on a phone ----
    const phone = await newWatchedPage(browser, server, null, PHONE, /status of 4(04|10) /);
    try {
      const { page } = phone;
      await page.goto(server.url + path_);
      await page.getByRole('heading', { name: 'Ask to join “Tuesday grief circle”' }).waitFor();
      await page.getByText('A small group for people living with a loss.').waitFor();
      await page.getByLabel('Your name').fill(PERSON.name);
      await page.getByLabel('Email').fill(PERSON.email);
      await page.getByLabel('Phone').fill(PERSON.phone);
      await page.getByLabel('Weekday evenings').check();
      await page.getByLabel('Anything else about times (optional)').fill('Not on Fridays');
      await page.getByLabel(QUESTIONS[0]).fill(ANSWERS[0]);
      await page.getByLabel(QUESTIONS[1]).fill(ANSWERS[1]);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `the form is ${width} px wide`);
      await page.screenshot({ path: path.join(SHOTS, 'intake-form.png'), fullPage: true });
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByText('Thank you. Your request is with the practice').waitFor();
      await page.screenshot({ path: path.join(SHOTS, 'intake-sent.png') });
      assert.deepEqual(phone.problems, []);
    } finally {
      await phone.context.close();
    }

    // ---- on the waitlist; taken in ----
    const desk2 = await openDashboard(server, cookie, LAPTOP);
    try {
      const { page } = desk2;
      await openGroup(page, 'Tuesday grief circle');
      const box = page.locator(`#group-detail-${group.id}`);
      await box.getByText('One person asked for a place.').waitFor();
      await box.getByText(`${PERSON.name} · asked`).click();
      await box.getByText(ANSWERS[0]).waitFor();
      await box.getByText(ANSWERS[1]).waitFor();
      await box.getByText('weekday evenings; Not on Fridays').waitFor();
      await box.getByText(PERSON.phone).waitFor();
      await shoot(box.locator('.care-intake'), 'intake-waitlist.png');
      await box.getByRole('button', { name: 'Add as client and to the group' }).click();
      await page.getByText(`${PERSON.name} is now a client and a member of the group.`).waitFor();
      await page.getByText('Nobody is waiting for a place.').waitFor();
      const groups = page.getByRole('region', { name: 'Groups' });
      await groups.getByText(`Members: Jonas Field, Mara Quinn, ${PERSON.name}`).waitFor();
      // the Clients list has them too, without a reload
      await page.locator('#clients-list').getByText(PERSON.name).first().waitFor();
      await shoot(page.locator(`#group-detail-${group.id}`), 'intake-added.png');
      assert.deepEqual(desk2.problems, []);
    } finally {
      await desk2.context.close();
    }
    const clientsNow = (await call('GET', '/api/v1/clients')).json.clients;
    const newClient = clientsNow.find((c) => c.name === PERSON.name);
    assert.ok(newClient, 'the person is a client');
    assert.equal(newClient.email, PERSON.email);
    assert.equal(newClient.phone, PERSON.phone);
    const groupNow = (await call('GET', `/api/v1/groups/${group.id}`)).json.group;
    assert.ok(groupNow.members.includes(newClient.id), 'and a member of the group');
    assert.equal((await call('GET', `/api/v1/groups/${group.id}/waitlist`)).json.entries.length, 0);
    // a new member's rate counts from when they joined: nothing held since
    const rosterNow = (await call('GET', `/api/v1/groups/${group.id}/roster`)).json.members;
    const fresh = rosterNow.find((m) => m.client_id === newClient.id);
    assert.equal(fresh.attendance.held, 0);
    assert.equal(fresh.last_scores, null);

    // a second request, with a phone number only, declined on the dashboard: gone, and audited
    const token = path_.split('/i/')[1];
    const sent = await request(server, 'POST', '/api/v1/interest/submit', { body: {
      token, name: 'Sam Reed', phone: '07700 900123', answers: ['x', ''] } });
    assert.equal(sent.status, 201, sent.text);
    const entries = (await call('GET', `/api/v1/groups/${group.id}/waitlist`)).json.entries;
    assert.equal(entries.length, 1);
    assert.equal(entries[0].email, null);
    const desk3 = await openDashboard(server, cookie, LAPTOP);
    try {
      const { page } = desk3;
      await openGroup(page, 'Tuesday grief circle');
      const box = page.locator(`#group-detail-${group.id}`);
      await box.getByText('Sam Reed · asked').click();
      await box.getByLabel('Their email address (needed to invite them to sessions)').waitFor();
      await box.getByText('(no answer)').waitFor();
      await box.getByRole('button', { name: 'Decline' }).click();
      await box.getByText("Sam Reed's request is declined and gone from the waitlist.").waitFor();
      await box.getByText('Nobody is waiting for a place.').waitFor();
      assert.deepEqual(desk3.problems, []);
    } finally {
      await desk3.context.close();
    }
    assert.equal((await call('GET', `/api/v1/groups/${group.id}/waitlist`)).json.entries.length, 0);
    const audit = (await call('GET', '/api/v1/audit?action=waitlist.decline')).json.entries;
    assert.equal(audit.length, 1);
    assert.equal((await call('GET', '/api/v1/audit?action=waitlist.read')).json.entries.length >= 3, true);

    // ---- the link turned off, and a link that never was: words on the page ----
    assert.equal((await call('DELETE', `/api/v1/groups/${group.id}/interest-link`)).status, 204);
    const late = await newWatchedPage(browser, server, null, PHONE, /status of 4(04|10) /);
    try {
      const { page } = late;
      await page.goto(server.url + path_);
      await page.getByText('This group is not taking new requests through this link any more.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Send' }).isVisible(), false);
      await page.screenshot({ path: path.join(SHOTS, 'intake-closed.png') });
      await page.goto(`${server.url}/i/${'A'.repeat(22)}`);
      await page.getByText('This link does not work.').waitFor();
      assert.deepEqual(late.problems, []);
    } finally {
      await late.context.close();
    }

    // ---- nothing the person wrote is in the database file in clear ----
    assert.ok(existsSync(path.join(server.dataDir, 'confide.db')), 'the test reads the SQLite file');
    const files = ['confide.db', 'confide.db-wal'].map((f) => path.join(server.dataDir, f)).filter(existsSync);
    // what is kept plain is found: the search does see the file's words
    assert.ok(files.some((p) => readFileSync(p).includes(Buffer.from('Europe/London'))), 'a plain time zone is found');
    for (const p of files) {
      const file = path.basename(p);
      const bytes = readFileSync(p);
      for (const phrase of [ANSWERS[0], 'lighthouse keeper', 'step-free', PERSON.email, PERSON.name, 'Not on Fridays', QUESTIONS[0]]) {
        assert.equal(bytes.includes(Buffer.from(phrase)), false, `${file} holds "${phrase}" in clear`);
      }
    }
    assert.ok(!/lighthouse|Robin Vale|robin\.vale/.test(server.stderr), 'words of the form in the log');
  });
});

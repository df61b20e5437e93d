// The therapist's dashboard in a real browser (Debian's Chromium through playwright-core)
// against the real confide binary: adding a client, scheduling a weekly series across a
// daylight-saving change, copying a client's link, overlaps, bad input, a phone screen.
// Each test starts its own server; mail just waits in the outbox (no SMTP server).
//
//   cd tests/e2e && node --test dashboard.test.mjs
//
// CONFIDE_BIN picks the binary (default ../../build/debug/confide); CHROMIUM the browser;
// CONFIDE_SCREENSHOTS=DIR keeps screenshots of the dashboard there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium } from './lib/browser.mjs';

import { request, setupAdmin, startServer } from './lib/server.mjs';

const SCREENSHOTS = process.env.CONFIDE_SCREENSHOTS;

const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example',
  password: 'a long and quiet passphrase' };
const SAM = { name: 'Sam Rivera', email: 'sam@mail.example', time_zone: 'Europe/Berlin' };

// The page shows times in Berlin, in British English ("Fri, 19 Mar 2027, 18:00–18:50").
const BERLIN = { timezoneId: 'Europe/Berlin', locale: 'en-GB' };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true,
  hasTouch: true };

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

// A server with an administrator signed in: runs fn(server, cookie), then stops it; a
// clean stop (exit code 0, no signal, so no crash and no sanitizer report) is part of
// every test.
async function withServer(fn) {
  const server = await startServer({});
  let failed = false;
  try {
    await fn(server, await setupAdmin(server, ADA));
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    const exit = await server.stop();
    server.cleanup();
    if (!failed) {
      assert.deepEqual(exit, { code: 0, signal: null },
        `confide did not stop cleanly:\n${server.stderr.slice(-3000)}`);
    }
  }
}

// A fresh browser context carrying the sign-in cookie, on the dashboard; no script error
// may happen while fn runs.
async function withDashboard(server, cookie, options, fn) {
  const context = await browser.newContext(options);
  try {
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    await context.addCookies([{ name, value, url: server.url }]);
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const problems = [];
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      // the browser logs every 4xx answer; the ones the tests provoke are expected
      if (msg.type() === 'error' && !/status of 40[09] /.test(msg.text())) {
        problems.push(`console: ${msg.text()}`);
      }
    });
    await page.goto(`${server.url}/dashboard`);
    await page.getByText(`Signed in as ${ADA.name}`).waitFor();
    await fn(page, context);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

// API calls from the test itself, as the signed-in administrator.
function apiAs(server, cookie) {
  return (method, p, body) => request(server, method, p, { body, headers: { cookie } });
}

// GET from inside the page, with its cookie, as the client's own scripts would.
function fetchFromPage(page, p) {
  return page.evaluate(async (url) => {
    const res = await fetch(url, { credentials: 'same-origin' });
    return { status: res.status, json: await res.json().catch(() => null) };
  }, p);
}

// What the page says next to a control about its problem: the text of the last element
// its aria-describedby names (after a hint, when it has one; '' when it names none), and
// whether that sits right after the control.
function describedBy(control) {
  return control.evaluate((e) => {
    const ids = (e.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    const last = ids.length ? document.getElementById(ids[ids.length - 1]) : null;
    return { text: last?.textContent ?? '', next: !!last && last === e.nextElementSibling };
  });
}

const meetingId = (id) => `${id.slice(0, 3)} ${id.slice(3, 6)} ${id.slice(6)}`;
const pageWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);

async function screenshot(page, name) {
  if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

// Fills the schedule form: a client session unless `group` is given.
async function fillSchedule(page, { client, group, title, date, time, repeats, count, zone }) {
  const form = page.getByRole('form', { name: 'Schedule a session' });
  if (group) {
    await form.getByLabel('A group').check();
    await form.getByLabel('Group', { exact: true }).selectOption({ label: group });
  } else if (client) {
    await form.getByLabel('Client', { exact: true }).selectOption({ label: client });
  }
  await form.getByLabel('Title').fill(title ?? '');
  await form.getByLabel('Date').fill(date);
  await form.getByLabel('Start time').fill(time);
  if (repeats) await form.getByLabel('Repeats').selectOption({ label: repeats });
  if (count) await form.getByLabel('Number of sessions').fill(String(count));
  if (zone) await form.getByLabel('Time zone').selectOption(zone);
  return form;
}

describe('dashboard', () => {
  test('add a client, schedule a weekly series across the clock change, copy the link', async () => {
    await withServer(async (server, cookie) => {
      await withDashboard(server, cookie, BERLIN, async (page, context) => {
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
        await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
        await page.getByText('No sessions scheduled yet.').waitFor();
        await page.getByText('No clients yet.').waitFor();

        // a client, through the form
        const add = page.getByRole('form', { name: 'Add a client' });
        await add.getByLabel('Name', { exact: true }).fill(SAM.name);
        await add.getByLabel('Email', { exact: true }).fill(SAM.email);
        // the browser's own zone comes preselected
        assert.equal(await add.getByLabel('Time zone').inputValue(), 'Europe/Berlin');
        await add.getByLabel('Phone').fill('+49 30 1234567');
        await add.getByRole('button', { name: 'Add client' }).click();
        await add.getByRole('status').filter({ hasText: `Added ${SAM.name}.` }).waitFor();
        const clients = page.getByRole('region', { name: 'Clients' });
        await clients.getByRole('listitem').filter({ hasText: SAM.name }).waitFor();
        await clients.getByText(SAM.email).waitFor();
        await clients.getByText('Europe/Berlin · +49 30 1234567').waitFor();
        assert.equal(await add.getByLabel('Name', { exact: true }).inputValue(), '');
        const listed = await fetchFromPage(page, '/api/v1/clients');
        assert.deepEqual(listed.json.clients.map((c) => [c.name, c.email, c.time_zone, c.phone]),
          [[SAM.name, SAM.email, SAM.time_zone, '+49 30 1234567']]);
        const samId = listed.json.clients[0].id;

        // three weekly sessions at 18:00 Berlin time, the third after the clocks go forward
        const form = await fillSchedule(page, { title: 'Weekly session', date: '2027-03-19',
          time: '18:00', repeats: 'Every week', count: 3 });
        // the client just added is the one chosen; zone and duration have their defaults
        assert.equal(await form.getByLabel('Client', { exact: true }).inputValue(), String(samId));
        assert.equal(await form.getByLabel('Time zone').inputValue(), 'Europe/Berlin');
        assert.equal(await form.getByLabel('Duration (minutes)').inputValue(), '50');
        await form.getByText('First session: Fri, 19 Mar 2027, 18:00–18:50. Then every week, 3 sessions in all.').waitFor();
        await form.getByRole('button', { name: 'Schedule session', exact: true }).click();
        await form.getByRole('status').filter({ hasText: 'Scheduled. Invitations are on their way.' }).waitFor();

        const { json } = await fetchFromPage(page, '/api/v1/sessions');
        assert.equal(json.sessions.length, 1);
        const session = json.sessions[0];
        assert.equal(session.title, 'Weekly session');
        assert.equal(session.client_id, samId);
        assert.equal(session.time_zone, 'Europe/Berlin');
        assert.equal(session.duration_minutes, 50);
        assert.deepEqual(session.recurrence, { freq: 'weekly', interval: 1, count: 3 });
        assert.deepEqual(session.occurrences.map((o) => o.starts_at),
          ['2027-03-19T17:00:00Z', '2027-03-26T17:00:00Z', '2027-04-02T16:00:00Z']);

        // the page lists them soonest first, each at 18:00 here, with its meeting details
        const sessions = page.getByRole('region', { name: 'Your sessions' });
        const items = sessions.getByRole('listitem');
        await items.first().waitFor();
        assert.equal(await items.count(), 3);
        assert.equal(await page.getByText('No sessions scheduled yet.').isVisible(), false);
        const expected = ['Fri, 19 Mar 2027, 18:00–18:50', 'Fri, 26 Mar 2027, 18:00–18:50',
          'Fri, 2 Apr 2027, 18:00–18:50'];
        for (const [i, occurrence] of session.occurrences.entries()) {
          const item = items.nth(i);
          await item.getByRole('heading', { name: expected[i] }).waitFor();
          const text = await item.textContent();
          assert.match(text, /Weekly session/);
          assert.match(text, new RegExp(`With ${SAM.name} · every week, ${i + 1} of 3`));
          assert.ok(text.includes(meetingId(occurrence.meeting_id)), `no meeting ID in ${text}`);
          assert.ok(text.includes(occurrence.password), `no password in ${text}`);
          assert.equal(await item.getByRole('link', { name: 'Open host link' }).getAttribute('href'),
            session.host_url);
          await item.getByRole('button', { name: 'Copy client link' }).waitFor();
        }
        await sessions.getByText('Times are in your time zone, Europe/Berlin.').waitFor();

        // copying puts the client's own /j/ link on the clipboard, and says so
        assert.equal(session.invites.length, 1);
        assert.equal(session.invites[0].client_id, samId);
        assert.match(session.invites[0].url, /^http:\/\/127\.0\.0\.1:\d+\/j\/\S+$/);
        await items.nth(1).getByRole('button', { name: 'Copy client link' }).click();
        await page.getByRole('status').filter({ hasText: `Copied the client link for ${SAM.name}.` }).waitFor();
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), session.invites[0].url);
        assert.notEqual(session.invites[0].url, session.host_url);

        // the form is ready for the next one
        assert.equal(await form.getByLabel('Title').inputValue(), '');
        assert.equal(await form.getByLabel('Date').inputValue(), '');

        // and a reload shows the same list
        await page.reload();
        await page.getByText(`Signed in as ${ADA.name}`).waitFor();
        assert.equal(await page.getByRole('region', { name: 'Your sessions' }).getByRole('listitem').count(), 3);
        await screenshot(page, 'dashboard-desktop.png');
      });
    });
  });

  test('an overlapping session: the page says so, and "Schedule anyway" books it', async () => {
    await withServer(async (server, cookie) => {
      const call = apiAs(server, cookie);
      const sam = (await call('POST', '/api/v1/clients', SAM)).json.client;
      const first = await call('POST', '/api/v1/sessions', { title: 'First session',
        client_id: sam.id, starts_at: '2027-03-19T18:00:00+01:00', time_zone: 'Europe/Berlin' });
      assert.equal(first.status, 201, first.text);

      await withDashboard(server, cookie, BERLIN, async (page) => {
        await page.getByRole('region', { name: 'Your sessions' }).getByRole('listitem').first().waitFor();
        const form = await fillSchedule(page, { client: SAM.name, title: 'Extra session',
          date: '2027-03-19', time: '18:30' });
        const submit = form.getByRole('button', { name: 'Schedule session', exact: true });
        await submit.click();
        const alert = form.getByRole('alert').filter({ hasText: 'overlaps' });
        await alert.waitFor();
        assert.equal(await alert.textContent(), 'This overlaps another of your sessions: '
          + 'Fri, 19 Mar 2027, 18:00–18:50 (First session). Choose another time, or schedule it anyway.');
        assert.equal((await fetchFromPage(page, '/api/v1/sessions')).json.sessions.length, 1);

        // changing the form withdraws the offer (it would send what is no longer there)
        const anyway = form.getByRole('button', { name: 'Schedule anyway' });
        assert.equal(await anyway.isVisible(), true);
        await form.getByLabel('Start time').fill('18:20');
        assert.equal(await anyway.isVisible(), false);
        await submit.click();
        await alert.waitFor();

        await anyway.click();
        await form.getByRole('status').filter({ hasText: 'Scheduled. Invitations are on their way.' }).waitFor();
        assert.equal(await anyway.isVisible(), false);
        const { json } = await fetchFromPage(page, '/api/v1/sessions');
        assert.deepEqual(json.sessions.map((s) => [s.title, s.occurrences[0].starts_at]).sort(),
          [['Extra session', '2027-03-19T17:20:00Z'], ['First session', '2027-03-19T17:00:00Z']]);
        const items = page.getByRole('region', { name: 'Your sessions' }).getByRole('listitem');
        await items.nth(1).getByText('Extra session').waitFor();
        await items.nth(1).getByRole('heading', { name: 'Fri, 19 Mar 2027, 18:20–19:10' }).waitFor();
      });
    });
  });

  test('bad input: the API\'s message next to its field, and nothing is scheduled', async () => {
    await withServer(async (server, cookie) => {
      const call = apiAs(server, cookie);
      const sam = (await call('POST', '/api/v1/clients', SAM)).json.client;
      // what the API says about an empty title
      const direct = await call('POST', '/api/v1/sessions', { title: '', client_id: sam.id,
        starts_at: '2027-03-19T18:00:00+01:00', time_zone: 'Europe/Berlin' });
      assert.equal(direct.status, 400);

      await withDashboard(server, cookie, BERLIN, async (page) => {
        const form = await fillSchedule(page, { client: SAM.name, title: '', date: '2027-03-19',
          time: '18:00' });
        await form.getByRole('button', { name: 'Schedule session', exact: true }).click();
        // the field it is about is marked, says why, and has the focus
        const title = form.getByLabel('Title');
        await form.getByText(direct.json.error.message, { exact: true }).waitFor();
        assert.deepEqual(await describedBy(title), { text: direct.json.error.message, next: true });
        assert.equal(await title.getAttribute('aria-invalid'), 'true');
        assert.equal(await title.evaluate((e) => e === document.activeElement), true);
        assert.equal((await fetchFromPage(page, '/api/v1/sessions')).json.sessions.length, 0);
        await page.getByText('No sessions scheduled yet.').waitFor();

        // without a date the page asks for one before sending anything
        await form.getByLabel('Title').fill('Weekly session');
        await form.getByLabel('Date').fill('');
        await form.getByRole('button', { name: 'Schedule session', exact: true }).click();
        await form.getByRole('alert').filter({ hasText: 'Please choose a date.' }).waitFor();

        // the client form shows the API's message too
        const add = page.getByRole('form', { name: 'Add a client' });
        await add.getByLabel('Name', { exact: true }).fill('Robin Lee');
        await add.getByLabel('Email', { exact: true }).fill('not an address');
        await add.getByRole('button', { name: 'Add client' }).click();
        await add.getByText('Please give a valid email address.').waitFor();
        const email = add.getByLabel('Email', { exact: true });
        assert.equal(await email.getAttribute('aria-invalid'), 'true');
        assert.match((await describedBy(email)).text, /^Please give a valid email address\./);
        assert.equal((await fetchFromPage(page, '/api/v1/clients')).json.clients.length, 1);
      });
    });
  });

  test('several bad fields: each sentence next to its field at once, then fixed and saved', async () => {
    await withServer(async (server, cookie) => {
      const call = apiAs(server, cookie);
      // what the API says about the same form
      const bad = { name: '', email: 'robin at home', time_zone: 'Europe/Berlin', phone: 'call me' };
      const direct = await call('POST', '/api/v1/clients', bad);
      assert.equal(direct.status, 400, direct.text);
      assert.deepEqual(direct.json.errors.map((e) => e.field), ['name', 'email', 'phone']);

      await withDashboard(server, cookie, BERLIN, async (page) => {
        const add = page.getByRole('form', { name: 'Add a client' });
        const name = add.getByLabel('Name', { exact: true });
        const email = add.getByLabel('Email', { exact: true });
        const phone = add.getByLabel(/^Phone/);
        const zone = add.getByLabel('Time zone', { exact: true });
        await email.fill(bad.email);
        await phone.fill(bad.phone);
        await add.getByRole('button', { name: 'Add client' }).click();
        await add.getByText(direct.json.errors[2].message, { exact: true }).waitFor();
        for (const [control, error] of [[name, direct.json.errors[0]], [email, direct.json.errors[1]],
          [phone, direct.json.errors[2]]]) {
          assert.equal(await control.getAttribute('aria-invalid'), 'true', error.field);
          assert.deepEqual(await describedBy(control), { text: error.message, next: true }, error.field);
        }
        assert.equal(await zone.getAttribute('aria-invalid'), null);
        // the first of them has the focus; the form says how many there are
        assert.equal(await name.evaluate((e) => e === document.activeElement), true);
        assert.equal(await add.getByRole('alert').textContent(), 'Please check the 3 marked entries.');
        assert.equal((await fetchFromPage(page, '/api/v1/clients')).json.clients.length, 0);

        // fixed: the marks and sentences go, and the client is added
        await name.fill('Robin Lee');
        await email.fill('robin@mail.example');
        await phone.fill('+49 30 1234567');
        await add.getByRole('button', { name: 'Add client' }).click();
        await add.getByRole('status').filter({ hasText: 'Added Robin Lee.' }).waitFor();
        for (const control of [name, email, phone]) {
          assert.equal(await control.getAttribute('aria-invalid'), null);
          assert.equal((await describedBy(control)).text, '');
        }
        assert.equal(await add.getByText(direct.json.errors[1].message).count(), 0);
        assert.equal(await add.getByRole('alert').isVisible(), false);
        const clients = (await fetchFromPage(page, '/api/v1/clients')).json.clients;
        assert.deepEqual(clients.map((c) => c.name), ['Robin Lee']);
      });
    });
  });

  test('starts_at carries the zone\'s offset for that wall time', async () => {
    await withServer(async (server, cookie) => {
      await withDashboard(server, cookie, BERLIN, async (page) => {
        const got = await page.evaluate(async () => {
          const { rfc3339Local, zonedInstant } = await import('/js/dashboard-time.js');
          const cases = [
            ['2027-03-19', '18:00', 'Europe/Berlin'],
            ['2027-04-02', '18:00', 'Europe/Berlin'],
            ['2027-03-28', '02:30', 'Europe/Berlin'], // skipped: read with +01:00
            ['2027-10-31', '02:30', 'Europe/Berlin'], // twice: the first, in summer time
            ['2027-03-14', '02:30', 'America/New_York'],
            ['2027-07-01', '09:15', 'America/New_York'],
            ['2027-01-10', '08:00', 'Asia/Kathmandu'],
            ['2027-01-10', '08:00', 'Australia/Sydney'],
            ['2027-07-10', '08:00', 'Australia/Sydney'],
            ['2027-02-29', '08:00', 'UTC'],
          ];
          return cases.map(([d, t, z]) => [rfc3339Local(d, t, z), zonedInstant(d, t, z)?.instant ?? null]);
        });
        const iso = (ms) => (ms === null ? null : new Date(ms).toISOString().replace('.000', ''));
        assert.deepEqual(got.map(([text, ms]) => [text, iso(ms)]), [
          ['2027-03-19T18:00:00+01:00', '2027-03-19T17:00:00Z'],
          ['2027-04-02T18:00:00+02:00', '2027-04-02T16:00:00Z'],
          ['2027-03-28T02:30:00+01:00', '2027-03-28T01:30:00Z'],
          ['2027-10-31T02:30:00+02:00', '2027-10-31T00:30:00Z'],
          ['2027-03-14T02:30:00-05:00', '2027-03-14T07:30:00Z'],
          ['2027-07-01T09:15:00-04:00', '2027-07-01T13:15:00Z'],
          ['2027-01-10T08:00:00+05:45', '2027-01-10T02:15:00Z'],
          ['2027-01-10T08:00:00+11:00', '2027-01-09T21:00:00Z'],
          ['2027-07-10T08:00:00+10:00', '2027-07-09T22:00:00Z'],
          [null, null],
        ]);

        // the form says when the clocks skip the time chosen
        const form = await fillSchedule(page, { title: 'x', date: '2027-03-28', time: '02:30' });
        await form.getByText('The clocks skip 02:30 that day in Europe/Berlin, so it starts at 03:30.').waitFor();
        // and the first session in the browser's own time when the zone is another
        await form.getByLabel('Time zone').selectOption('America/New_York');
        await form.getByText('First session: Sun, 28 Mar 2027, 08:30–09:20 your time.').waitFor();
      });
    });
  });

  test('a client opens to their details: corrected in place, their link copied, the invitation sent again; a group to its agreement', async () => {
    await withServer(async (server, cookie) => {
      const call = apiAs(server, cookie);
      const sam = (await call('POST', '/api/v1/clients', SAM)).json.client;
      const group = await call('POST', '/api/v1/groups', { name: 'Thursday evening group',
        agreement: 'What is said here stays here.\nWe listen without interrupting.', members: [sam.id] });
      assert.equal(group.status, 201, group.text);
      const made = await call('POST', '/api/v1/sessions', { title: 'Weekly with Sam', client_id: sam.id,
        starts_at: '2027-03-19T18:00:00+01:00', time_zone: 'Europe/Berlin',
        recurrence: { freq: 'weekly', interval: 1, count: 3 } });
      assert.equal(made.status, 201, made.text);
      const session = made.json.session;
      // a question to the group about times, answered by its one member
      const asked = await call('POST', '/api/v1/polls', { group_id: group.json.group.id, title: 'Spring evenings',
        time_zone: 'Europe/Berlin', slots: ['2027-04-06T18:00:00+02:00', '2027-04-07T18:00:00+02:00'] });
      assert.equal(asked.status, 201, asked.text);
      const poll = asked.json.poll;
      const answered = await request(server, 'POST', '/api/v1/poll-links/answer', { body: {
        token: poll.invites[0].url.split('/p/')[1],
        answers: [{ slot_id: poll.slots[0].id, answer: 'no' }, { slot_id: poll.slots[1].id, answer: 'yes' }] } });
      assert.equal(answered.status, 200, answered.text);

      await withDashboard(server, cookie, BERLIN, async (page, context) => {
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
        const clients = page.getByRole('region', { name: 'Clients' });
        const toggle = clients.getByRole('button', { name: SAM.name });
        assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
        await toggle.click();
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        const detail = page.locator(`#client-detail-${sam.id}`);
        await detail.getByText('Groups: Thursday evening group').waitFor();
        await detail.getByRole('heading', { name: 'Sessions to come' }).waitFor();
        assert.equal(await detail.getByText('Weekly with Sam').count(), 3);
        await detail.getByText('Fri, 19 Mar 2027, 18:00–18:50').waitFor();

        // their own link, to the clipboard
        await detail.getByRole('button', { name: 'Copy their link' }).first().click();
        await detail.getByText(`Copied ${SAM.name}'s link.`).waitFor();
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), session.invites[0].url);

        // the invitation again: queued, and in the audit log once
        await detail.getByRole('button', { name: 'Email the invitation again' }).first().click();
        await detail.getByText(`The invitation is on its way to ${SAM.email} again.`).waitFor();
        const audit = await call('GET', `/api/v1/audit?action=session.invite_resend&subject=${session.id}`);
        assert.equal(audit.status, 200, audit.text);
        assert.equal(audit.json.entries.length, 1);

        // corrected in place: a bad email is said next to the field, then a good one is saved
        await detail.getByRole('button', { name: 'Edit details' }).click();
        const email = detail.getByLabel('Email');
        await email.fill('not an email');
        await detail.getByRole('button', { name: 'Save' }).click();
        await detail.locator('[aria-invalid="true"]').first().waitFor();
        assert.equal(await email.getAttribute('aria-invalid'), 'true');
        await email.fill('sam.rivera@mail.example');
        await detail.getByLabel('Phone (optional)').fill('+49 30 1234567');
        await detail.getByRole('button', { name: 'Save' }).click();
        await page.getByText('Saved.').waitFor();
        await clients.getByText('sam.rivera@mail.example').first().waitFor();
        const stored = await call('GET', `/api/v1/clients/${sam.id}`);
        assert.equal(stored.json.client.email, 'sam.rivera@mail.example');
        assert.equal(stored.json.client.phone, '+49 30 1234567');

        // a group opens to its agreement, as the members read it
        const groups = page.getByRole('region', { name: 'Groups' });
        await groups.getByRole('button', { name: 'Thursday evening group' }).click();
        const g = page.locator(`#group-detail-${group.json.group.id}`);
        await g.getByText('We listen without interrupting.').waitFor();
        await g.getByText('No co-facilitators').waitFor();
        await g.getByRole('heading', { name: 'Finding a time' }).waitFor();
        await g.getByText('1 of 1 answered').waitFor();
        await g.getByText('Best so far: Wed, 7 Apr 2027, 18:00–18:50 (1 can come, 0 if need be)').waitFor();
      });
    });
  });

  test('a phone-sized screen: nothing runs off the side', async () => {
    await withServer(async (server, cookie) => {
      const call = apiAs(server, cookie);
      const long = await call('POST', '/api/v1/clients', { time_zone: 'America/Argentina/Buenos_Aires',
        name: 'Maximiliana Alexandra Konstantinopoulou-Vanderbilt de la Cruz',
        email: 'maximiliana.alexandra.konstantinopoulou.vanderbilt@a-rather-long-domain.example' });
      const sam = (await call('POST', '/api/v1/clients', SAM)).json.client;
      const group = await call('POST', '/api/v1/groups', { name: 'Thursday evening group',
        agreement: 'What is said here stays here.', members: [sam.id, long.json.client.id] });
      assert.equal(group.status, 201, group.text);
      for (const body of [
        { title: 'A session with a title long enough to need more than one line on a phone',
          client_id: long.json.client.id, starts_at: '2027-03-19T18:00:00+01:00',
          time_zone: 'Europe/Berlin', recurrence: { freq: 'weekly', interval: 2, count: 4 } },
        { title: 'Group', group_id: group.json.group.id, starts_at: '2027-03-18T19:00:00+01:00',
          time_zone: 'Europe/Berlin', duration_minutes: 90 },
      ]) {
        const res = await call('POST', '/api/v1/sessions', body);
        assert.equal(res.status, 201, res.text);
      }

      await withDashboard(server, cookie, { ...BERLIN, ...PHONE }, async (page) => {
        const sessions = page.getByRole('region', { name: 'Your sessions' });
        await sessions.getByRole('heading', { name: 'Thu, 18 Mar 2027, 19:00–20:30' }).waitFor();
        assert.ok(await pageWidth(page) <= 390, `dashboard is ${await pageWidth(page)} px wide`);

        // a group session: one link per member, named by who it is for
        const group = sessions.getByRole('listitem').first();
        await group.getByText('With Thursday evening group').waitFor();
        await group.getByText('Client links (2)').click();
        await group.getByRole('button', { name: `Copy client link for ${SAM.name}` }).waitFor();
        assert.ok(await pageWidth(page) <= 390, `with the links open: ${await pageWidth(page)} px`);

        // the schedule form with every part showing, and a field's problem under it
        const form = await fillSchedule(page, { group: 'Thursday evening group', title: '',
          date: '2027-03-19', time: '18:00', repeats: 'Every 2 weeks', count: 4 });
        await form.getByRole('button', { name: 'Schedule session', exact: true }).click();
        await form.locator('[aria-invalid="true"]').first().waitFor();
        assert.notEqual((await describedBy(form.getByLabel('Title'))).text, '');
        assert.ok(await pageWidth(page) <= 390, `with the form filled: ${await pageWidth(page)} px`);
        for (const name of ['Schedule session', 'Add client', 'Sign out']) {
          const box = await page.getByRole('button', { name, exact: true }).boundingBox();
          assert.ok(box.x >= 0 && box.x + box.width <= 390, `${name} is off screen: ${JSON.stringify(box)}`);
        }
        await screenshot(page, 'dashboard-phone.png');
      });
    });
  });
});

// The dashboard's "Groups" and "Find a time" in a real browser (Debian's Chromium through
// playwright-core) against the real confide binary: a group of three made through the form
// (after a refused one without a name), three times offered to it through the form, the
// members' answers sent through the public poll-link API with their own tokens, the times
// ranked best first after a reload, on a phone too, and the session made from the best one.
// Mail just waits in the outbox (no SMTP server).
//
//   cd tests/e2e && node --test dashboard-groups.test.mjs
//
// CONFIDE_BIN picks the binary (default ../../build/debug/confide); CHROMIUM the browser;
// CONFIDE_SCREENSHOTS=DIR keeps screenshots of the new sections there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { request, setupAdmin } from './lib/server.mjs';

const SCREENSHOTS = process.env.CONFIDE_SCREENSHOTS;

const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example',
  password: 'a long and quiet passphrase' };
const MEMBERS = [
  { name: 'Noor Haddad', email: 'noor@mail.example', time_zone: 'Europe/Berlin' },
  { name: 'Lena Fischer', email: 'lena@mail.example', time_zone: 'Europe/London' },
  { name: 'Tom Okafor', email: 'tom@mail.example', time_zone: 'America/New_York' },
];
const OTHER = { name: 'Zed Outsider', email: 'zed@mail.example', time_zone: 'Europe/Berlin' };

// The page shows times in Berlin, in British English ("Tue, 4 Mar 2031, 18:00–18:50").
const BERLIN = { timezoneId: 'Europe/Berlin', locale: 'en-GB' };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true,
  hasTouch: true };

// Three evenings, far enough ahead to stay in the future, entered as Berlin wall times.
const TIMES = [['2031-03-03', '18:00'], ['2031-03-04', '18:00'], ['2031-03-05', '18:00']];
const SHOWN = ['Mon, 3 Mar 2031, 18:00–18:50', 'Tue, 4 Mar 2031, 18:00–18:50',
  'Wed, 5 Mar 2031, 18:00–18:50'];
const TOKEN_URL = /\/p\/([A-Za-z0-9_-]{22})$/;

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

function apiAs(server, cookie) {
  return (method, p, body) => request(server, method, p, { body, headers: { cookie } });
}

// A browser context with the sign-in cookie, on the dashboard; no script error may happen.
async function openDashboard(server, cookie, options) {
  const context = await browser.newContext(options);
  const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
  await context.addCookies([{ name, value, url: server.url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // the browser logs every 4xx answer; the ones the test provokes are expected
    if (msg.type() === 'error' && !/status of 40[09] /.test(msg.text())) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  await page.goto(`${server.url}/dashboard`);
  await page.getByText(`Signed in as ${ADA.name}`).waitFor();
  return { context, page, problems };
}

const pageWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);

async function shoot(page, locator, name) {
  if (!SCREENSHOTS) return;
  await locator.scrollIntoViewIfNeeded();
  await locator.screenshot({ path: path.join(SCREENSHOTS, name) });
}

test('a group through the form, a poll through the form, answers, the best time booked', async () => {
  await withServer({}, async (server) => {
    const cookie = await setupAdmin(server, ADA);
    const call = apiAs(server, cookie);
    const members = [];
    for (const m of [...MEMBERS, OTHER]) {
      const res = await call('POST', '/api/v1/clients', m);
      assert.equal(res.status, 201, res.text);
      members.push(res.json.client);
    }
    members.pop();
    // what the API says about a group without a name, to find on the page
    const refused = await call('POST', '/api/v1/groups', { name: '', agreement: 'x' });
    assert.equal(refused.status, 400, refused.text);

    const { context, page, problems } = await openDashboard(server, cookie, BERLIN);
    try {
      const groups = page.getByRole('region', { name: 'Groups' });
      await groups.getByText('No groups yet.').waitFor();
      const form = page.getByRole('form', { name: 'New group' });
      const memberSet = form.getByRole('group', { name: 'Members' });
      assert.equal(await memberSet.getByRole('checkbox').count(), 4);
      assert.equal(await form.getByLabel('Capacity').inputValue(), '10');

      // no name: the API's message next to the field, which is marked and focused
      await form.getByLabel('Group agreement').fill('What is said here stays here. Cameras on.');
      for (const m of MEMBERS) await memberSet.getByLabel(m.name).check();
      await form.getByRole('button', { name: 'Create group' }).click();
      const problem = form.getByText(refused.json.error.message, { exact: true });
      await problem.waitFor();
      await page.waitForFunction(() => document.activeElement?.id === 'group-name');
      const nameInput = form.getByLabel('Group name');
      assert.equal(await nameInput.getAttribute('aria-invalid'), 'true');
      assert.equal(await nameInput.evaluate((e) =>
        document.getElementById(e.getAttribute('aria-describedby'))?.textContent),
      refused.json.error.message);
      const alert = form.getByRole('alert');

      await form.getByLabel('Group name').fill('Wednesday group');
      await form.getByRole('button', { name: 'Create group' }).click();
      await form.getByRole('status').filter({ hasText: 'Made Wednesday group.' }).waitFor();
      assert.equal(await alert.isVisible(), false);
      assert.equal(await problem.count(), 0, 'the sentence goes with the next try');
      const listed = groups.getByRole('listitem').filter({ hasText: 'Wednesday group' });
      await listed.getByText('Members: Lena Fischer, Noor Haddad, Tom Okafor').waitFor();
      await listed.getByText('3 of 10 places taken').waitFor();
      assert.equal(await memberSet.getByRole('checkbox', { checked: true }).count(), 0, 'the form is cleared');
      const schedule = page.getByRole('form', { name: 'Schedule a session' });
      await schedule.getByLabel('A group').check();
      await schedule.getByLabel('Group', { exact: true }).selectOption({ label: 'Wednesday group' });

      // three times offered through the form
      const poll = page.getByRole('form', { name: 'Find a time' });
      assert.equal(await poll.getByLabel('Group', { exact: true }).inputValue() !== '', true,
        'the only group is chosen');
      assert.equal(await poll.getByLabel('Time zone').inputValue(), 'Europe/Berlin');
      assert.equal(await poll.getByLabel('Duration (minutes)').inputValue(), '50');
      await poll.getByLabel('Title').fill('Spring evenings');
      assert.equal(await poll.getByRole('group', { name: /^Time \d$/ }).count(), 2);
      await poll.getByRole('button', { name: 'Add another time' }).click();
      for (const [i, [date, time]] of TIMES.entries()) {
        const slot = poll.getByRole('group', { name: `Time ${i + 1}` });
        await slot.getByLabel('Date').fill(date);
        await slot.getByLabel('Start time').fill(time);
      }
      await poll.getByRole('button', { name: 'Ask the group' }).click();
      await poll.getByRole('status').filter({ hasText: 'Asked 3 members.' }).waitFor();
      const polls = page.getByRole('region', { name: 'Find a time' });
      await polls.getByRole('heading', { name: 'Spring evenings' }).waitFor();

      // the members answer through their own links
      const all = await call('GET', '/api/v1/polls');
      assert.equal(all.status, 200, all.text);
      assert.equal(all.json.polls.length, 1);
      const made = (await call('GET', `/api/v1/polls/${all.json.polls[0].id}`)).json.poll;
      assert.deepEqual([...made.slots].map((s) => s.starts_at).sort(),
        ['2031-03-03T17:00:00Z', '2031-03-04T17:00:00Z', '2031-03-05T17:00:00Z'],
        'sent with Berlin\'s offset');
      const slotAt = (iso) => made.slots.find((s) => s.starts_at === iso).id;
      const [A, B, C] = ['2031-03-03T17:00:00Z', '2031-03-04T17:00:00Z', '2031-03-05T17:00:00Z'].map(slotAt);
      const choices = [
        { [A]: 'no', [B]: 'yes', [C]: 'maybe' },
        { [A]: 'maybe', [B]: 'yes', [C]: 'no' },
        { [A]: 'yes', [B]: 'yes', [C]: 'no' },
      ]; // A scores 3, B 6, C 1
      for (const [i, m] of members.entries()) {
        const token = made.invites.find((inv) => inv.client_id === m.id).url.match(TOKEN_URL)[1];
        const answers = Object.entries(choices[i]).map(([id, answer]) => ({ slot_id: Number(id), answer }));
        const res = await request(server, 'POST', '/api/v1/poll-links/answer', { body: { token, answers } });
        assert.equal(res.status, 200, res.text);
      }

      // after a reload: best first, with how many can come
      await page.reload();
      await page.getByText(`Signed in as ${ADA.name}`).waitFor();
      const item = polls.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Spring evenings' }) });
      await item.getByText('Wednesday group · 3 of 3 answered · 50 minutes').waitFor();
      const slots = item.getByRole('list', { name: 'Times for Spring evenings, best first' }).getByRole('listitem');
      assert.equal(await slots.count(), 3);
      const expected = [[SHOWN[1], '3 yes · 0 if need be · 0 no'], [SHOWN[0], '1 yes · 1 if need be · 1 no'],
        [SHOWN[2], '0 yes · 1 if need be · 2 no']];
      for (const [i, [when, counts]] of expected.entries()) {
        await slots.nth(i).getByText(when, { exact: true }).waitFor();
        await slots.nth(i).getByText(counts, { exact: true }).waitFor();
      }
      await slots.first().getByText('Best so far').waitFor();
      await shoot(page, polls, 'dashboard-find-a-time.png');
      await shoot(page, groups, 'dashboard-groups.png');

      // on a phone: nothing runs off the side
      const phone = await openDashboard(server, cookie, { ...BERLIN, ...PHONE });
      try {
        const phonePolls = phone.page.getByRole('region', { name: 'Find a time' });
        await phonePolls.getByText('3 yes · 0 if need be · 0 no').waitFor();
        assert.ok(await pageWidth(phone.page) <= 390, `dashboard is ${await pageWidth(phone.page)} px wide`);
        const box = await phonePolls.getByRole('button', { name: 'Schedule this time' }).first().boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= 390, `off screen: ${JSON.stringify(box)}`);
        await shoot(phone.page, phonePolls, 'dashboard-find-a-time-phone.png');
        await shoot(phone.page, phone.page.getByRole('region', { name: 'Groups' }), 'dashboard-groups-phone.png');
        assert.deepEqual(phone.problems, []);
      } finally {
        await phone.context.close();
      }

      // the best time becomes the group's session
      await slots.first().getByRole('button', { name: 'Schedule this time' }).click();
      await polls.getByRole('status').filter({ hasText: `Scheduled Spring evenings for ${SHOWN[1]}.` }).waitFor();
      await polls.getByText('No open questions.').waitFor();
      const sessions = page.getByRole('region', { name: 'Your sessions' });
      const booked = sessions.getByRole('listitem').filter({ has: page.getByRole('heading', { name: SHOWN[1] }) });
      await booked.getByText('With Wednesday group').waitFor();
      await booked.getByText('Spring evenings').first().waitFor();
      const closed = (await call('GET', `/api/v1/polls/${made.id}`)).json.poll;
      assert.equal(closed.status, 'closed');
      assert.ok(closed.session_id > 0);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

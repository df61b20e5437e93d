// The dashboard tells the therapist who is waiting, live, in a real browser (Debian's
// Chromium) against the real binary: a client knocks through the meeting's WebSocket, the
// open dashboard says so at the top and in the tab's title, with the way into the meeting;
// a dashboard opened later learns it too; the client leaves and it all goes.
//
//   cd tests/e2e && node --test dashboard-waiting.test.mjs
//
// CONFIDE_BIN picks the binary (default ../../build/debug/confide); CHROMIUM the browser.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { ADA, addClient, api, makeSession } from './lib/meeting.mjs';
import { connect } from './lib/ws.mjs';

const TITLE = 'Your sessions · confide';
// CONFIDE_SCREENSHOTS=DIR keeps a screenshot of the notice there
const SCREENSHOTS = process.env.CONFIDE_SCREENSHOTS;

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

// A dashboard signed in as the therapist, fully loaded.
async function dashboard(server, cookie) {
  const watched = await newWatchedPage(browser, server, cookie);
  await watched.page.goto(`${server.url}/dashboard`);
  await watched.page.getByText(`Signed in as ${ADA.name}`).waitFor();
  return watched;
}

const notice = (page) => page.getByRole('status', { name: 'People waiting' });
const titleIs = (page, expected) => page.waitForFunction((t) => document.title === t, expected);

describe('who is waiting, on the dashboard', () => {
  test('an arrival shows at the top and in the title, and goes when the client leaves', async () => {
    await withServer({}, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, 'Sam Rivera', 1);
      const session = await makeSession(call, [sam], 'Thursday check-in');
      const token = session.invites[0].url.split('/j/')[1];
      const password = session.occurrences[0].password;

      const first = await dashboard(server, call.cookie);
      const page = first.page;
      await page.getByText('Thursday check-in').first().waitFor();
      assert.equal(await page.locator('#waiting-list').isHidden(), true);
      assert.equal((await notice(page).innerText()).trim(), '');
      assert.equal(await page.title(), TITLE);

      // the client knocks, as their join page would
      const client = await connect(server);
      client.json({ type: 'join', token, password, name: 'Sam', agree: true });
      await client.next('joined');
      await client.next('waiting');

      const line = notice(page).getByRole('listitem');
      await line.getByText('1 person is waiting for Thursday check-in').waitFor();
      assert.equal(await line.count(), 1);
      const open = line.getByRole('link', { name: 'Open the session' });
      const href = await open.getAttribute('href');
      assert.equal(href, `/m/${session.id}`);
      assert.equal(new URL(session.meeting_url).pathname, href, 'the URL the API gives for the meeting');
      await titleIs(page, `(1) ${TITLE}`);
      // no name of the client reaches the dashboard through the watch
      assert.ok(!(await notice(page).textContent()).includes('Sam'));

      // a dashboard opened while the client already waits learns it at once
      const second = await dashboard(server, call.cookie);
      await notice(second.page).getByText('1 person is waiting for Thursday check-in').waitFor();
      await titleIs(second.page, `(1) ${TITLE}`);
      // … and its link opens the meeting, ready for the therapist to start it
      await notice(second.page).getByRole('link', { name: 'Open the session' }).click();
      await second.page.waitForURL(`${server.url}/m/${session.id}`);
      await second.page.getByRole('button', { name: 'Start session' }).waitFor({ timeout: 30000 });
      assert.deepEqual(second.problems, []);
      await second.context.close();

      // the client gives up waiting: the line and the count go, the title is as it was
      client.json({ type: 'leave' });
      client.close();
      await client.closed;
      await page.locator('#waiting-list').waitFor({ state: 'hidden' });
      await titleIs(page, TITLE);
      assert.equal((await notice(page).innerText()).trim(), '');
      // the rest of the dashboard went on working throughout
      await page.getByText('Thursday check-in').first().waitFor();
      assert.deepEqual(first.problems, []);
      await first.context.close();
    });
  });

  test('a group: how many wait, counted up and down', async () => {
    await withServer({}, async (server) => {
      const call = await api(server);
      const members = [await addClient(call, 'Ana', 1), await addClient(call, 'Ben', 2)];
      const session = await makeSession(call, members, 'Thursday group');
      const password = session.occurrences[0].password;
      const { page, context, problems } = await dashboard(server, call.cookie);
      await page.getByText('Thursday group').first().waitFor();

      const knocking = [];
      for (const [i, member] of members.entries()) {
        const token = session.invites.find((v) => v.client_id === member.id).url.split('/j/')[1];
        const ws = await connect(server);
        ws.json({ type: 'join', token, password, name: `Member ${i + 1}`, agree: true });
        await ws.next('joined');
        await ws.next('waiting');
        knocking.push(ws);
      }
      const line = notice(page).getByRole('listitem');
      await line.getByText('2 people are waiting for Thursday group').waitFor();
      await titleIs(page, `(2) ${TITLE}`);
      if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, 'waiting.png') });

      knocking[0].close();
      await line.getByText('1 person is waiting for Thursday group').waitFor();
      await titleIs(page, `(1) ${TITLE}`);
      assert.equal(await line.count(), 1);
      knocking[1].close();
      await page.locator('#waiting-list').waitFor({ state: 'hidden' });
      await titleIs(page, TITLE);
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
});

// The meeting page (/j/<token>) in a real browser against the real binary: a therapist and
// three group members, each in their own browser context, through joining, the waiting
// room, admitting, chat, "I need support", a dropped connection, and the end.
//
//   cd tests/e2e && node --test meeting.test.mjs
//
// CONFIDE_BIN picks the binary (default ../../build/debug/confide); CHROMIUM the browser;
// MEETING_SCREENSHOTS=/tmp saves screenshots of the main views there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';

import { spawnSync } from 'node:child_process';

import { BIN, cookieOf, request, setupAdmin, startServer } from './lib/server.mjs';
import { control, controlSays } from './lib/meeting.mjs';

const SHOTS = process.env.MEETING_SCREENSHOTS;

const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example',
  password: 'a long and quiet passphrase' };
const PRACTICE = 'Harbour Counselling';
const AGREEMENT = 'What is said here stays here.\nWe listen without interrupting.\nCameras on when we can.';
const MEMBERS = ['Sam Rivera', 'Alex Moreno', 'Jo Okafor'];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true,
  hasTouch: true };

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

// Every page: its WebSockets are kept where the test can close one, notifications are
// counted (headless Chromium has none to show), and CSP violations are noted.
function instrument() {
  const Native = window.WebSocket;
  window.testSockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      window.testSockets.push(this);
    }
  };
  window.testNotifications = [];
  window.Notification = class {
    static permission = 'granted';

    static requestPermission() {
      return Promise.resolve('granted');
    }

    constructor(title, options) {
      window.testNotifications.push({ title, body: options?.body ?? '' });
    }

    close() {}
  };
  window.testViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.testViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
  });
}

// A person in their own browser context; console output and page errors are kept.
async function person(options = {}) {
  const context = await browser.newContext(options);
  await context.addInitScript(instrument);
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const consoleLines = [];
  const errors = [];
  page.on('console', (msg) => consoleLines.push(msg.text()));
  page.on('pageerror', (err) => errors.push(err.message));
  return { context, page, consoleLines, errors };
}

function localUrl(server, url) {
  return server.url + new URL(url).pathname;
}

async function api(server) {
  const cookie = await setupAdmin(server, ADA);
  const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
  call.cookie = cookie; // for a browser that hosts
  return call;
}

async function addClient(call, name, n) {
  const res = await call('POST', '/api/v1/clients', { name, email: `member${n}@mail.example`,
    time_zone: 'UTC' });
  assert.equal(res.status, 201, res.text);
  return res.json.client;
}

const inFiveMinutes = () => new Date(Date.now() + 5 * 60000).toISOString();

async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth);
}

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `meeting-${name}.png`), fullPage: true });
}

describe('the meeting page', () => {
  test('a group session: waiting room, admit all, chat, support, a dropped connection, the end', async () => {
    await withServer({ env: { CONFIDE_PRACTICE_NAME: PRACTICE } }, async (server) => {
      const call = await api(server);
      const members = [];
      for (const [i, name] of MEMBERS.entries()) members.push(await addClient(call, name, i + 1));
      const group = await call('POST', '/api/v1/groups', { name: 'Thursday group',
        agreement: AGREEMENT, members: members.map((m) => m.id) });
      assert.equal(group.status, 201, group.text);
      const created = await call('POST', '/api/v1/sessions', { title: 'Thursday evening group',
        group_id: group.json.group.id, starts_at: inFiveMinutes(), time_zone: 'UTC',
        duration_minutes: 60 });
      assert.equal(created.status, 201, created.text);
      const session = created.json.session;
      const password = session.occurrences[0].password;

      const people = [];
      try {
        // ---- the therapist starts the session ----
        const ada = await person({ viewport: { width: 1280, height: 900 } });
        people.push(ada);
        const host = ada.page;
        // her host link, in a browser not signed in: first the sign-in, then back to the session
        await host.goto(localUrl(server, session.host_url));
        await host.waitForURL(/\/\?next=%2Fm%2F\d+$/);
        await host.getByLabel('Email').fill(ADA.email);
        await host.getByLabel('Password').fill(ADA.password);
        await host.getByRole('button', { name: 'Sign in' }).click();
        await host.waitForURL(new RegExp(`/m/${session.id}$`));
        await host.getByRole('heading', { name: 'Thursday evening group' }).waitFor();
        await host.getByText(PRACTICE).first().waitFor();
        assert.equal(await host.getByLabel('Meeting password').isVisible(), false);
        await host.getByRole('button', { name: 'Start session' }).click();
        const waitingRoom = host.getByRole('region', { name: /^Waiting room/ });
        await waitingRoom.getByText('Nobody is waiting.').waitFor();
        await host.getByRole('heading', { name: 'People (1)' }).waitFor();

        // ---- three clients knock, each in their own browser (the first on a phone) ----
        const clients = [];
        for (const [i, member] of members.entries()) {
          const p = await person(i === 0 ? PHONE : {});
          people.push(p);
          const invite = session.invites.find((v) => v.client_id === member.id);
          clients.push({ ...p, name: member.name, url: localUrl(server, invite.url) });
        }
        const firstJoin = Date.now();
        await Promise.all(clients.map(async (c) => {
          await c.page.goto(c.url);
          await c.page.getByRole('heading', { name: 'Your appointment' }).waitFor();
          await c.page.getByText(PRACTICE).first().waitFor();
          // before the password the page knows the practice and the time, not who or which group
          assert.equal(await c.page.getByLabel('Your name').inputValue(), '');
          assert.equal(await c.page.getByText('We listen without interrupting.').isVisible(), false);
          await c.page.getByLabel('Meeting password').fill(password);
          await c.page.getByRole('button', { name: 'Join session' }).click();
          // the right password brings the group's agreement, to read and accept
          await c.page.getByText('We listen without interrupting.').waitFor();
          await c.page.getByLabel(/agree/).check();
          await c.page.getByRole('button', { name: 'Join session' }).click();
          await c.page.getByText('Your therapist will let you in shortly.').waitFor();
          // the link is a credential: it leaves the address bar once the person has joined
          assert.equal(new URL(c.page.url()).pathname, '/j/');
        }));
        const lastJoin = Date.now();
        const phone = clients[0].page;
        assert.ok(await overflow(phone) <= 390, `the waiting room is ${await overflow(phone)} px wide`);
        await shot(phone, 'client-waiting-phone');
        // nobody waiting sees anyone else
        assert.equal(await phone.getByText(MEMBERS[1]).count(), 0);

        // ---- the therapist sees them, with one alert for the burst ----
        await host.getByRole('heading', { name: 'Waiting room (3)' }).waitFor();
        for (const name of MEMBERS) await waitingRoom.getByRole('button', { name: `Admit ${name}` }).waitFor();
        await waitingRoom.getByText('just arrived').first().waitFor();
        await host.getByText(/arrived in the waiting room/).waitFor();
        assert.match(await host.title(), /^\(3 waiting\)/);
        const sounds = await host.evaluate(() => Number(document.body.dataset.alertSounds ?? 0));
        const notes = await host.evaluate(() => window.testNotifications.length);
        if (lastJoin - firstJoin < 9000) {
          assert.equal(sounds, 1, 'three arrivals within 10 s make one sound');
          assert.equal(notes, 1, 'three arrivals within 10 s make one notification');
          await host.getByText('3 people have arrived in the waiting room.').waitFor();
        } else {
          assert.ok(sounds >= 1 && sounds <= 2, `${sounds} sounds`);
        }
        const notification = await host.evaluate(() => window.testNotifications[0]);
        for (const name of MEMBERS) assert.ok(!notification.body.includes(name), 'a notification names someone');
        await shot(host, 'host-waiting-room');

        // a word to everyone waiting
        const patience = 'Thanks for waiting, we start in two minutes.';
        await waitingRoom.getByLabel('Message everyone waiting').fill(patience);
        await waitingRoom.getByRole('button', { name: 'Send to the waiting room' }).click();
        await Promise.all(clients.map((c) => c.page.getByRole('status')
          .getByText(`Message from your therapist: ${patience}`).waitFor()));

        // ---- admit all: everyone is in ----
        await waitingRoom.getByRole('button', { name: 'Admit all' }).click();
        await host.getByRole('heading', { name: 'People (4)' }).waitFor();
        await waitingRoom.getByText('Nobody is waiting.').waitFor();
        await Promise.all(clients.map(async (c) => {
          await c.page.getByRole('heading', { name: 'People (4)' }).waitFor();
          assert.equal(await c.page.getByText('Your therapist will let you in shortly.').isVisible(), false);
          // clients have no waiting room and no host controls
          assert.equal(await c.page.getByRole('button', { name: 'Admit all' }).isVisible(), false);
          assert.equal(await c.page.getByRole('button', { name: 'End session for all' }).isVisible(), false);
        }));
        const peopleList = host.getByRole('region', { name: /^People/ });
        for (const name of MEMBERS) await peopleList.getByRole('listitem').filter({ hasText: name }).waitFor();
        await peopleList.getByRole('button', { name: `Remove ${MEMBERS[0]}` }).waitFor();

        // ---- chat to everyone ----
        const hello = 'Welcome, everyone. We start with a short check-in.';
        await host.getByLabel('Message', { exact: true }).fill(hello);
        await host.getByRole('button', { name: 'Send', exact: true }).click();
        await Promise.all(clients.map((c) => c.page.getByText(hello).waitFor()));

        // ---- "I need support": the therapist only ----
        await phone.getByRole('button', { name: 'I need support' }).click();
        await phone.getByRole('status').getByText('Your therapist has been told, privately.').waitFor();
        const support = host.getByRole('alert').getByText(`${MEMBERS[0]} needs support`);
        await support.waitFor();
        assert.equal(await host.evaluate(() => document.body.dataset.alertSounds), String(sounds + 1));

        // ---- a private message to the therapist ----
        const secret = 'Could we talk for a minute afterwards?';
        const alex = clients[1].page;
        await alex.getByLabel('Therapist only').check();
        await alex.getByLabel('Message', { exact: true }).fill(secret);
        await alex.getByRole('button', { name: 'Send', exact: true }).click();
        const received = host.getByRole('listitem').filter({ hasText: secret });
        await received.waitFor();
        assert.match(await received.textContent(), /private/);
        assert.match(await received.textContent(), new RegExp(MEMBERS[1]));
        await alex.getByRole('listitem').filter({ hasText: secret }).getByText('private').waitFor();

        // neither reached the others
        await host.waitForTimeout(300);
        for (const c of [clients[0], clients[2]]) assert.equal(await c.page.getByText(secret).count(), 0);
        for (const c of clients.slice(1)) assert.equal(await c.page.getByText('needs support').count(), 0);

        // ---- the therapist's tools: mute, spotlight, a timed check-in round, lock ----
        await peopleList.getByRole('button', { name: `Mute ${MEMBERS[0]}` }).click();
        await phone.getByText('Your therapist muted your microphone.').waitFor();
        await phone.getByRole('button', { name: 'Unmute' }).click();
        await phone.getByRole('button', { name: 'Mute', exact: true }).waitFor();
        await peopleList.getByRole('button', { name: `Mute ${MEMBERS[0]}` }).waitFor();

        await peopleList.getByRole('button', { name: `Spotlight ${MEMBERS[1]}` }).click();
        await phone.getByText(`Spotlight: ${MEMBERS[1]}`).waitFor();
        await alex.getByText('Spotlight: you').waitFor();
        await peopleList.getByRole('button', { name: `Remove spotlight ${MEMBERS[1]}` }).click();
        await phone.getByText(`Spotlight: ${MEMBERS[1]}`).waitFor({ state: 'hidden' });

        await host.getByLabel('Seconds per turn (optional)').fill('90');
        await host.getByRole('button', { name: 'Start check-in round' }).click();
        const speaking = phone.getByText(/^Now speaking: /);
        await speaking.waitFor();
        await phone.getByText(/^1:[0-3]\d left$/).waitFor();
        const first = await speaking.textContent();
        await host.getByRole('button', { name: 'Next', exact: true }).click();
        await phone.waitForFunction((before) => {
          const now = [...document.querySelectorAll('#round-speaker')].map((e) => e.textContent)[0];
          return now && now !== before;
        }, first);
        await host.getByRole('button', { name: 'Stop round' }).click();
        await speaking.waitFor({ state: 'hidden' });
        await host.getByRole('button', { name: 'Start check-in round' }).waitFor();

        await host.getByRole('button', { name: 'Lock meeting' }).click();
        await host.getByRole('button', { name: 'Unlock meeting' }).waitFor();

        // ---- a dropped connection: back without the password or the waiting room ----
        // (the meeting is locked: people who were in still come back)
        const jo = clients[2].page;
        await jo.evaluate(() => window.testSockets.at(-1).close());
        await jo.getByText('Reconnecting…').waitFor();
        await shot(jo, 'client-reconnecting');
        await host.getByText(`${MEMBERS[2]} (dropped)`).waitFor();
        await jo.getByText('Reconnecting…').waitFor({ state: 'hidden' });
        await host.getByText(`${MEMBERS[2]} (dropped)`).waitFor({ state: 'hidden' });
        await jo.getByRole('heading', { name: 'People (4)' }).waitFor();
        assert.equal(await jo.getByText('Your therapist will let you in shortly.').isVisible(), false);
        assert.equal(await jo.getByRole('button', { name: 'Join session' }).isVisible(), false);
        await jo.getByText(hello).waitFor(); // the chat so far is still there
        await waitingRoom.getByText('Nobody is waiting.').waitFor();
        assert.equal(await jo.evaluate(() => window.testSockets.length), 2);
        // a reload of the bare /j/ page comes straight back in: the tab kept the link
        await jo.reload();
        await jo.getByRole('heading', { name: 'People (4)' }).waitFor();
        assert.equal(new URL(jo.url()).pathname, '/j/');
        assert.equal(await jo.getByRole('button', { name: 'Join session' }).isVisible(), false);
        await waitingRoom.getByText('Nobody is waiting.').waitFor();

        // the phone in the meeting: nothing runs off the side
        await control(phone, 'Raise hand'); // behind "More" on the phone
        const hands = host.getByRole('region', { name: 'Raised hands' });
        await hands.getByRole('button', { name: `Lower hand of ${MEMBERS[0]}` }).waitFor();
        await controlSays(phone, 'hand-button', 'Lower hand');
        await peopleList.getByRole('listitem').filter({ hasText: MEMBERS[0] }).getByText('Hand raised').waitFor();
        assert.ok(await overflow(phone) <= 390, `the meeting is ${await overflow(phone)} px wide`);
        await shot(phone, 'client-meeting-phone');
        await shot(host, 'host-meeting');
        await hands.getByRole('button', { name: `Lower hand of ${MEMBERS[0]}` }).click();
        await controlSays(phone, 'hand-button', 'Raise hand');
        await hands.getByText('No hands are raised.').waitFor();

        // ---- removing someone takes a second click; they are told and stay out ----
        await peopleList.getByRole('button', { name: `Remove ${MEMBERS[2]}` }).click();
        await peopleList.getByRole('button', { name: `Confirm: remove ${MEMBERS[2]}` }).click();
        await jo.getByText('You have been removed from this session.').waitFor();
        await host.getByRole('heading', { name: 'People (3)' }).waitFor();
        await phone.getByRole('heading', { name: 'People (3)' }).waitFor();
        // the host sees who was turned away, and can let them knock again
        const turnedAway = host.getByRole('region', { name: 'Turned away' });
        await turnedAway.getByText('(removed)').waitFor();
        await turnedAway.getByRole('button', { name: `Let knock again (${MEMBERS[2]})` }).click();
        await turnedAway.waitFor({ state: 'hidden' });

        // ---- the end, for everyone ----
        await host.getByRole('button', { name: 'End session for all' }).click();
        await host.getByRole('button', { name: 'Yes, end it for everyone' }).click();
        const stillIn = [host, clients[0].page, clients[1].page];
        await Promise.all(stillIn.map((p) => p.getByText('The session has ended.').waitFor()));
        await host.waitForTimeout(1500); // no reconnecting after the end
        await jo.getByText('You have been removed from this session.').waitFor();
        await shot(phone, 'client-ended-phone');
        for (const p of [host, ...clients.map((c) => c.page)]) {
          assert.equal(await p.getByText('Reconnecting…').isVisible(), false);
        }
        // one socket since the reload: removed, the page did not try to reconnect
        assert.equal(await jo.evaluate(() => window.testSockets.length), 1);

        // ---- the pages kept to the CSP and logged nothing personal ----
        for (const p of people) {
          assert.deepEqual(p.errors, []);
          assert.deepEqual(await p.page.evaluate(() => window.testViolations), []);
          for (const line of p.consoleLines) {
            for (const secretText of [...MEMBERS, ADA.name, hello, secret, password]) {
              assert.ok(!line.includes(secretText), `the console shows "${secretText}": ${line}`);
            }
          }
        }
      } finally {
        for (const p of people) await p.context.close();
      }
    });
  });

  test('before the meeting: a wrong password, a retry, leaving, turned away, too early, a bad link', async () => {
    await withServer({}, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, 'Sam Rivera', 1);
      const kim = await addClient(call, 'Kim Lee', 2);
      const now = await call('POST', '/api/v1/sessions', { title: 'Sam weekly', client_id: sam.id,
        starts_at: inFiveMinutes(), time_zone: 'UTC', duration_minutes: 50 });
      assert.equal(now.status, 201, now.text);
      // links open 15 minutes early: this one opens 6 s from now
      const soon = await call('POST', '/api/v1/sessions', { title: 'Kim first session',
        client_id: kim.id, starts_at: new Date(Date.now() + 15 * 60000 + 6000).toISOString(),
        time_zone: 'UTC', duration_minutes: 50, allow_overlap: true });
      assert.equal(soon.status, 201, soon.text);

      const therapist = await person();
      const client = await person(PHONE);
      try {
        // too early: when it opens, in this browser's time, and no form yet
        const early = await client.context.newPage();
        await early.goto(localUrl(server, soon.json.session.invites[0].url));
        const opens = early.getByText(
          /^Your session has not started yet\. It opens (at|on) .+\. You can keep this page open: you can join from here then\.$/);
        await opens.waitFor();
        assert.equal(await early.getByRole('button', { name: 'Join session' }).isVisible(), false);

        const host = therapist.page;
        const at = call.cookie.indexOf('=');
        await therapist.context.addCookies([{ name: call.cookie.slice(0, at),
          value: call.cookie.slice(at + 1), url: server.url }]);
        await host.goto(localUrl(server, now.json.session.host_url));
        await host.getByRole('button', { name: 'Start session' }).click();
        const waitingRoom = host.getByRole('region', { name: /^Waiting room/ });
        await waitingRoom.getByText('Nobody is waiting.').waitFor();

        const { page } = client;
        await page.goto(localUrl(server, now.json.session.invites[0].url));
        await page.getByRole('button', { name: 'Join session' }).waitFor();
        // a one-to-one session has no group agreement
        assert.equal(await page.getByLabel(/agree/).isVisible(), false);
        await page.getByLabel('Meeting password').fill('wrongpass');
        await page.getByRole('button', { name: 'Join session' }).click();
        const alert = page.getByRole('alert');
        await alert.getByText('That password is not right. Check the email with your invitation and try again.',
          { exact: true }).waitFor();
        assert.equal(await page.getByText('Your therapist will let you in shortly.').isVisible(), false);
        assert.equal(await page.getByRole('heading', { name: /^People/ }).isVisible(), false);
        assert.equal(await page.getByRole('heading', { name: 'Chat' }).isVisible(), false);
        assert.ok(await overflow(page) <= 390, `the join page is ${await overflow(page)} px wide`);
        await shot(page, 'client-wrong-password-phone');

        // a retry with the right one goes on to the waiting room
        assert.equal(await page.getByLabel('Meeting password').inputValue(), '');
        await page.getByLabel('Meeting password').fill(now.json.session.occurrences[0].password);
        await page.getByRole('button', { name: 'Join session' }).click();
        await page.getByText('Your therapist will let you in shortly.').waitFor();
        await waitingRoom.getByRole('button', { name: 'Admit Sam Rivera' }).waitFor();

        // leaving the waiting room, then coming back with the button
        await page.getByRole('button', { name: 'Leave' }).click();
        await page.getByText('You have left the waiting room.').waitFor();
        await waitingRoom.getByText('Nobody is waiting.').waitFor();
        await page.getByRole('button', { name: 'Join again' }).click();
        await page.getByText('Your therapist will let you in shortly.').waitFor();

        // turned away: their message, and no reconnecting
        await waitingRoom.getByRole('button', { name: /^Deny / }).click();
        await page.getByText('Your therapist could not let you in').waitFor();
        await page.waitForTimeout(1500);
        assert.equal(await page.getByText('Reconnecting…').isVisible(), false);
        assert.equal(await page.evaluate(() => window.testSockets.length), 1);
        await waitingRoom.getByText('Nobody is waiting.').waitFor();

        // the too-early page looked again by itself when the session opened
        await early.getByRole('button', { name: 'Join session' }).waitFor({ timeout: 15000 });
        assert.equal(await opens.isVisible(), false);

        // a link that does not exist
        await page.goto(`${server.url}/j/${'x'.repeat(22)}`);
        await page.getByRole('alert').getByText(/link is not right/).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Join session' }).isVisible(), false);
        assert.deepEqual(client.errors, []);
        assert.deepEqual(therapist.errors, []);
      } finally {
        await client.context.close();
        await therapist.context.close();
      }
    });
  });
  test('a co-facilitator joins from the dashboard as themselves, straight in', async () => {
    await withServer({ env: { CONFIDE_PRACTICE_NAME: PRACTICE } }, async (server) => {
      const call = await api(server);
      const made = spawnSync(BIN, ['admin', 'create-user', '--name', 'Dr Bea Lind', '--email',
        'bea@practice.example', '--role', 'therapist', '--data-dir', server.dataDir],
      { input: 'bea has a long password\n', encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const member = await addClient(call, 'Sam Rivera', 1);
      const group = (await call('POST', '/api/v1/groups', { name: 'Thursday group',
        agreement: AGREEMENT, members: [member.id] })).json.group;
      const bea = await request(server, 'POST', '/api/v1/login',
        { body: { email: 'bea@practice.example', password: 'bea has a long password' } });
      assert.equal((await call('POST', `/api/v1/groups/${group.id}/facilitators`,
        { user_id: bea.json.user.id })).status, 201);
      const session = (await call('POST', '/api/v1/sessions', { title: 'Thursday evening group',
        group_id: group.id, starts_at: inFiveMinutes(), time_zone: 'UTC' })).json.session;

      const p = await person({ viewport: { width: 1280, height: 900 } });
      try {
        const [name, value] = cookieOf(bea).split('=');
        await p.context.addCookies([{ name, value, url: server.url }]);
        await p.page.goto(`${server.url}/dashboard`);
        const join = p.page.getByRole('link', { name: 'Join as co-facilitator' });
        await join.waitFor();
        assert.equal(await p.page.getByRole('link', { name: 'Open host link' }).count(), 0);
        await join.click();
        await p.page.waitForURL(`${server.url}/m/${session.id}`);
        await p.page.getByRole('heading', { name: 'Thursday evening group' }).waitFor();
        assert.equal(await p.page.getByLabel('Meeting password').isVisible(), false);
        await p.page.getByRole('button', { name: 'Start session' }).click();
        // a host's view, never the waiting room
        await p.page.getByRole('region', { name: /^Waiting room/ }).getByText('Nobody is waiting.').waitFor();
        await p.page.getByText('Dr Bea Lind').first().waitFor();
        assert.deepEqual(p.errors, []);
      } finally {
        await p.context.close();
      }
    });
  });
});

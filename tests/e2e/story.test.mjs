// A practice's first session, as new people live it, in Debian's Chromium with fake cameras
// and microphones, against the real binary and a real SMTP server: the therapist sets
// confide up, adds three clients, makes a group with an agreement and schedules a weekly
// session; each client opens the link from their email, reads and accepts the agreement,
// types the password and waits (one with the camera off); the therapist admits everyone at
// once, they see and hear each other in gallery and then speaker view, she shares her screen
// and every client sees it, they chat, and she ends it for all. The whole story runs
// twice: on a laptop (1280 × 800) and on phones (360 × 740, touch). A screenshot of every
// step goes to build/screenshots/<laptop|phone>/.
//
//   cd tests/e2e && node --test story.test.mjs
//
// STORY_SCREENSHOTS=DIR puts the screenshots elsewhere.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium } from './lib/browser.mjs';
import { parseMail } from './lib/mail.mjs';
import { MEDIA_ARGS, control, person, received, until, waitForMedia } from './lib/meeting.mjs';
import { SCREEN_H, SCREEN_W, fakeScreen, waitForNoScreen, waitForScreen } from './lib/screen.mjs';
import { startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';

const PRACTICE = 'Harbour Counselling';
const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example',
  password: 'a long and quiet passphrase' };
const CLIENTS = [
  { name: 'Sam Rivera', email: 'sam@mail.example' },
  { name: 'Alex Chen', email: 'alex@mail.example' },
  { name: 'Jo Park', email: 'jo@mail.example' },
];
const CAMERA_OFF = CLIENTS[2].name; // joins with the camera off
const GROUP = 'Evening group';
const AGREEMENT = 'What is said in the group stays in the group. We listen without interrupting.';
const TITLE = 'Weekly evening group';
const SHOTS = process.env.STORY_SCREENSHOTS ?? path.resolve('../../build/screenshots');

const SIZES = [
  { name: 'laptop', context: { viewport: { width: 1280, height: 800 } } },
  { name: 'phone', context: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2,
    isMobile: true, hasTouch: true } },
];

// A zone where it is now between 09:00 and 16:59, so that the session can start within the
// hour and the page's week shows it in working hours whatever the time of day the test runs.
function daytimeZone(now = new Date()) {
  const zones = ['UTC', 'Europe/London', 'Europe/Berlin', 'Asia/Dubai', 'Asia/Kolkata',
    'Asia/Singapore', 'Asia/Tokyo', 'Australia/Sydney', 'Pacific/Auckland', 'Pacific/Honolulu',
    'America/Los_Angeles', 'America/Chicago', 'America/New_York', 'America/Sao_Paulo',
    'Atlantic/Azores'];
  for (const zone of zones) {
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit',
      hourCycle: 'h23' }).format(now));
    if (hour >= 9 && hour < 17) return zone;
  }
  throw new Error('no zone found in daytime'); // the list spans every 3 hours
}

// The date and the next half hour in zone (a slot of the calendar): "YYYY-MM-DD", "HH:MM"
// and minutes since midnight.
function nextHalfHour(zone, now = new Date()) {
  const t = new Date(Math.ceil((now.getTime() + 60000) / 1800000) * 1800000);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone,
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    hourCycle: 'h23' }).formatToParts(t).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await browser?.close();
});

for (const size of SIZES) {
  describe(`the story on a ${size.name}`, () => {
    test('setup, clients, a group, a weekly session, the waiting room, admit all, chat, the end', async () => {
      const touch = Boolean(size.context.hasTouch);
      const dir = path.join(SHOTS, size.name);
      rmSync(dir, { recursive: true, force: true }); // only this run's steps
      mkdirSync(dir, { recursive: true });
      let n = 0;
      // what the step is about in view, then the window as the person sees it
      const shot = async (page, name, about) => {
        if (about) await about.first().scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(dir, `${String(++n).padStart(2, '0')}-${name}.png`) });
      };
      // a tap on a phone, a click on a laptop
      const press = (locator) => (touch ? locator.tap() : locator.click());
      const zone = daytimeZone();
      const sink = await startSmtpSink();
      const server = await startServer({ env: {
        CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CONFIDE_SMTP_STARTTLS: 'off',
        CONFIDE_MAIL_RETRY_SECONDS: '1', CONFIDE_MAIL_POLL_SECONDS: '1',
        CONFIDE_PRACTICE_NAME: PRACTICE,
        CONFIDE_JOIN_EARLY_MINUTES: '60', // the session is booked up to half an hour ahead
      } });
      const people = [];
      const open = async (name) => {
        const p = await person(browser, name, { ...size.context, timezoneId: zone, locale: 'en-GB' });
        people.push(p);
        return p;
      };
      let failed = false;
      try {
        // ---- first run: the setup link the server printed ----
        const ada = await open(ADA.name);
        await ada.context.addInitScript(fakeScreen, [SCREEN_W, SCREEN_H]); // lib/screen.mjs
        const host = ada.page;
        await host.goto(server.setupLink);
        await host.getByRole('heading', { name: 'Set up confide' }).waitFor();
        await shot(host, 'setup');
        await host.getByLabel('Name').fill(ADA.name);
        await host.getByLabel('Email').fill(ADA.email);
        await host.getByLabel('Password').fill(ADA.password);
        await press(host.getByRole('button', { name: 'Create account' }));
        await host.getByText(`Signed in as ${ADA.name}`).waitFor();
        await shot(host, 'dashboard-empty');

        // ---- three clients ----
        const clientsForm = host.locator('form', { has: host.getByRole('button', { name: 'Add client' }) });
        for (const c of CLIENTS) {
          await clientsForm.getByLabel('Name').fill(c.name);
          await clientsForm.getByLabel('Email').fill(c.email);
          await clientsForm.getByLabel('Time zone').selectOption(zone);
          await press(clientsForm.getByRole('button', { name: 'Add client' }));
          await host.getByRole('region', { name: 'Clients' }).getByText(c.name).first().waitFor();
        }
        await shot(host, 'clients');

        // ---- a group with an agreement ----
        const groupForm = host.locator('form', { has: host.getByRole('button', { name: 'Create group' }) });
        await groupForm.getByLabel('Group name').fill(GROUP);
        await groupForm.getByLabel('Group agreement').fill(AGREEMENT);
        for (const c of CLIENTS) await groupForm.getByLabel(c.name).check();
        await press(groupForm.getByRole('button', { name: 'Create group' }));
        await host.getByRole('region', { name: 'Groups' }).getByText(GROUP).first().waitFor();
        await shot(host, 'group');

        // ---- a weekly session: the calendar's next free half hour today ----
        const when = nextHalfHour(zone);
        const calendar = host.getByRole('region', { name: 'Calendar' });
        const slot = calendar.locator(`.cal-slot[data-date="${when.date}"][data-minutes="${when.minutes}"]`);
        await slot.scrollIntoViewIfNeeded();
        await shot(host, 'calendar-empty');
        await press(slot);
        const schedule = host.getByRole('form', { name: 'Schedule a session' });
        assert.equal(await schedule.getByLabel('Date').inputValue(), when.date);
        assert.equal(await schedule.getByLabel('Start time').inputValue(), when.time);
        assert.equal(await schedule.getByLabel('Time zone').inputValue(), zone);
        await schedule.getByLabel('A group').check();
        await schedule.getByLabel('Group', { exact: true }).selectOption({ label: GROUP });
        await schedule.getByLabel('Title').fill(TITLE);
        await schedule.getByLabel('Repeats').selectOption({ label: 'Every week' });
        await press(schedule.getByRole('button', { name: 'Schedule session' }));
        await schedule.getByText('Scheduled. Invitations are on their way.').waitFor();
        const block = calendar.getByRole('button', { name: new RegExp(TITLE) }).first();
        await block.waitFor();
        await shot(host, 'calendar-scheduled', block);

        // ---- each client's invitation: their own link and the password ----
        await sink.waitFor((msgs) => CLIENTS.every((c) => msgs.some((m) => m.to.includes(c.email))), 20000);
        const invitation = (c) => {
          const mail = parseMail(sink.messages.find((m) => m.to.includes(c.email)).data);
          assert.equal(mail.subject, `Your appointment with ${PRACTICE}`);
          const link = mail.text.match(/https?:\/\/\S+\/j\/[A-Za-z0-9_-]{22}/)[0];
          const password = mail.text.match(/password[^:\n]*:\s*([a-z2-9]{8})/i)?.[1];
          assert.ok(password, `the password in ${c.name}'s mail`);
          return { url: server.url + new URL(link).pathname, password };
        };

        // ---- the therapist starts the session from its block in the calendar ----
        await press(block);
        const details = host.getByRole('dialog', { name: TITLE });
        await shot(host, 'calendar-session', details);
        await press(details.getByRole('link', { name: 'Start session' }));
        await host.getByRole('heading', { name: TITLE }).waitFor();
        // the first media page may wait for a cold browser and a sanitizer-built server
        await host.getByRole('button', { name: 'Start session' }).waitFor({ timeout: 45000 });
        await press(host.getByRole('button', { name: 'Start session' }));
        const waitingRoom = host.getByRole('region', { name: /^Waiting room/ });
        await waitingRoom.getByText('Nobody is waiting.').waitFor();
        await shot(host, 'host-started');

        // ---- the clients: link, password, agreement, camera choice, the waiting room ----
        const clients = [];
        for (const c of CLIENTS) clients.push({ ...(await open(c.name)), ...c, ...invitation(c) });
        for (const [i, c] of clients.entries()) {
          const page = c.page;
          await page.goto(c.url);
          await page.getByRole('heading', { name: 'Your appointment' }).waitFor();
          if (i === 0) await shot(page, 'client-link');
          await page.getByLabel('Meeting password').fill(c.password);
          await press(page.getByRole('button', { name: 'Join session' }));
          await page.getByText('We listen without interrupting.').waitFor();
          await page.getByLabel(/agree/).check();
          await page.getByLabel('Your name').fill(c.name);
          if (c.name === CAMERA_OFF) {
            const camera = page.getByRole('button', { name: 'Camera' });
            await camera.waitFor();
            await press(camera);
            assert.equal(await camera.getAttribute('aria-pressed'), 'false');
          }
          if (i === 0 || c.name === CAMERA_OFF) await shot(page, `client-join-${i + 1}`);
          await press(page.getByRole('button', { name: 'Join session' }));
          await page.getByText('Your therapist will let you in shortly.').waitFor();
          if (i === 0) await shot(page, 'client-waiting');
        }
        await host.getByRole('heading', { name: 'Waiting room (3)' }).waitFor();
        await shot(host, 'host-waiting-list', waitingRoom);

        // ---- admit all: everyone sees and hears everyone with a camera on ----
        await press(waitingRoom.getByRole('button', { name: 'Admit all' }));
        await host.getByRole('heading', { name: 'People (4)' }).waitFor();
        const cameras = [ADA.name, ...CLIENTS.map((c) => c.name).filter((x) => x !== CAMERA_OFF)];
        await waitForMedia(ada, cameras.filter((x) => x !== ADA.name), { timeoutMs: 60000 });
        for (const c of clients) {
          await waitForMedia(c, cameras.filter((x) => x !== c.name), { timeoutMs: 60000 });
        }
        // the one with the camera off is heard, not seen
        const heard = await received(host);
        const off = heard[`Video of ${CAMERA_OFF}`];
        assert.ok(off && off.audioPackets > 0, `${CAMERA_OFF} is heard: ${JSON.stringify(heard)}`);
        assert.ok(!(off.framesDecoded > 0), `${CAMERA_OFF} is not seen: ${JSON.stringify(off)}`);
        await shot(host, 'meeting-host', host.getByRole('region', { name: 'Video' }));
        await shot(clients[0].page, 'meeting-client', clients[0].page.getByRole('region', { name: 'Video' }));

        // ---- gallery view, then speaker view, on the therapist's page ----
        const stage = host.getByRole('region', { name: /^Video/ });
        // (by id: on a phone they are behind "More", and hidden from getByRole)
        const gallery = host.locator('#gallery-view-button');
        const speaker = host.locator('#speaker-view-button');
        assert.equal(await gallery.getAttribute('aria-pressed'), 'true');
        const areas = () => host.evaluate(() => [...document.querySelectorAll('#video-tiles li')]
          .map((li) => { const r = li.getBoundingClientRect(); return Math.round(r.width * r.height); }));
        await until('three equal tiles in gallery view', areas,
          (a) => a.length === 3 && Math.max(...a) <= 1.02 * Math.min(...a));
        await shot(host, 'gallery-view', stage);
        await control(host, speaker, { tap: touch });
        assert.equal(await speaker.getAttribute('aria-pressed'), 'true');
        assert.equal(await gallery.getAttribute('aria-pressed'), 'false');
        await until('one large tile over the others in speaker view', areas, (a) => {
          const big = [...a].sort((x, y) => y - x);
          return big.length === 3 && big[0] >= 2 * big[1];
        });
        await shot(host, 'speaker-view', stage);

        // ---- the therapist shares her screen: every client sees it, then it is gone ----
        const share = host.locator('#screen-button');
        await share.getByText('Share screen', { exact: true }).waitFor({ state: 'attached' });
        await control(host, share, { tap: touch });
        await Promise.all(clients.map((c) => waitForScreen(c, ADA.name, 45000)));
        await share.getByText('Stop sharing', { exact: true }).waitFor({ state: 'attached' });
        assert.equal(await share.getAttribute('aria-pressed'), 'true');
        await shot(clients[0].page, 'screen-shared', clients[0].page.locator('#screen-stage'));
        await shot(host, 'screen-sharing', host.locator('#screen-stage'));
        await control(host, share, { tap: touch });
        await Promise.all(clients.map((c) => waitForNoScreen(c)));

        // ---- chat ----
        const hello = 'Welcome, everyone. Take a moment to settle in.';
        await host.getByLabel('Message', { exact: true }).fill(hello);
        await press(host.getByRole('button', { name: 'Send', exact: true }));
        await Promise.all(clients.map((c) => c.page.getByText(hello).waitFor()));
        await shot(clients[1].page, 'chat', clients[1].page.getByText(hello));

        // ---- the end, for everyone ----
        await press(host.getByRole('button', { name: 'End session for all' }));
        await press(host.getByRole('button', { name: 'Yes, end it for everyone' }));
        await Promise.all([host, ...clients.map((c) => c.page)]
          .map((p) => p.getByText('The session has ended.').waitFor()));
        await shot(host, 'ended-host');
        await shot(clients[0].page, 'ended-client');

        // ---- no page threw, and on a phone nothing scrolls sideways ----
        for (const p of people) {
          assert.deepEqual(p.errors, [], `${p.name}'s page`);
          const w = await p.page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
          assert.ok(w[0] <= w[1], `${p.name}'s page is ${w[0]} px wide in a ${w[1]} px window`);
        }
      } catch (err) {
        failed = true;
        for (const p of people) {
          await p.page.screenshot({ path: path.join(dir, `failed-${p.name.replace(/\W+/g, '-')}.png`) })
            .catch(() => {});
        }
        err.message += `\n${people.map((p) => `${p.name}: ${p.errors.join('; ')} ${p.notes.slice(-8).join('; ')}`).join('\n')}`;
        throw err;
      } finally {
        for (const p of people) await p.context.close().catch(() => {});
        const exit = await server.stop();
        server.cleanup();
        await sink.stop();
        if (!failed) assert.deepEqual(exit, { code: 0, signal: null }, server.stderr.slice(-3000));
      }
    });
  });
}

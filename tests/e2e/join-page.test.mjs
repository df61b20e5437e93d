// The client's join page and waiting room on a small phone (360 × 740), in Debian's Chromium
// with a fake camera and microphone: a camera preview with "Camera" and "Microphone"
// toggles and a microphone level, a wrong password said plainly, the toggles carried into
// the waiting room and into the meeting — a client who joins with the camera off is heard
// by the therapist and not seen (her page says "Camera off"), until they start their video.
//
//   cd tests/e2e && node --test join-page.test.mjs
//
// JOIN_SCREENSHOTS=/tmp saves screenshots of the join page and the waiting room there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import {
  MEDIA_ARGS, addClient, api, joinAsHost, localUrl, makeSession, person, received, sleep, until,
  waitForMedia,
} from './lib/meeting.mjs';

const THERAPIST = 'Dr Ada Byron';
const CLIENT = 'Sam Rivera';
const SMALL_PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true,
  hasTouch: true };
const WRONG_PASSWORD = 'That password is not right. Check the email with your invitation and try again.';

let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await browser?.close();
});

async function shot(page, name) {
  const dir = process.env.JOIN_SCREENSHOTS;
  if (dir) await page.screenshot({ path: path.join(dir, `join-${name}.png`), fullPage: true });
}



// How wide the page is against its window: no sideways scrolling on a phone.
function widths(page) {
  return page.evaluate(() => ({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth }));
}

// The preview's picture and the microphone meter's reading.
function preview(page) {
  return page.evaluate(() => {
    const video = document.getElementById('devices-video');
    const live = video.srcObject?.getVideoTracks().filter((t) => t.readyState === 'live').length ?? 0;
    return { width: video.hidden ? 0 : video.videoWidth, live,
      level: document.getElementById('mic-level').value };
  });
}

describe('the join page and the waiting room', () => {
  test('on a small phone: preview and level, a wrong password, camera off into the waiting room and the meeting', async () => {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, CLIENT, 1);
      const session = await makeSession(call, [sam], 'Weekly session');
      const ada = await person(browser, THERAPIST);
      const client = await person(browser, CLIENT, SMALL_PHONE);
      const { page } = client;
      try {
        await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
        await page.goto(localUrl(server, session.invites[0].url));
        await page.getByRole('heading', { name: 'Your appointment' }).waitFor();

        // the preview: the fake camera's picture and the fake microphone's tone on the meter
        const camera = page.getByRole('button', { name: 'Camera', exact: true });
        const microphone = page.getByRole('button', { name: 'Microphone', exact: true });
        assert.equal(await camera.getAttribute('aria-pressed'), 'true');
        assert.equal(await microphone.getAttribute('aria-pressed'), 'true');
        await until('the preview shows the camera and the meter moves', () => preview(page),
          (p) => p.width > 0 && p.live === 1 && p.level > 0);
        await page.getByRole('link', { name: /check your camera, microphone and connection/ }).waitFor();

        // the camera off: its light goes off (the track ends), and the page says so in words
        await camera.click();
        assert.equal(await camera.getAttribute('aria-pressed'), 'false');
        await page.getByText('Camera off: the others will not see you.').waitFor();
        await until('the preview lets go of the camera', () => preview(page), (p) => p.live === 0);
        assert.equal(await page.locator('#devices-camera-off').textContent(), 'Camera off');
        let w = await widths(page);
        assert.ok(w.scroll <= w.inner, `the join page scrolls sideways: ${JSON.stringify(w)}`);

        // a wrong password: a plain sentence, the field empty and ready again
        await page.getByLabel('Meeting password').fill('wrongpass');
        await page.getByRole('button', { name: 'Join session' }).click();
        await page.getByRole('alert').getByText(WRONG_PASSWORD, { exact: true }).waitFor();
        assert.equal(await page.getByLabel('Meeting password').inputValue(), '');
        await shot(page, 'wrong-password-phone');
        w = await widths(page);
        assert.ok(w.scroll <= w.inner, `the join page scrolls sideways: ${JSON.stringify(w)}`);

        // the right one: the waiting room, with the same toggles and the microphone's level
        await page.getByLabel('Meeting password').fill(session.occurrences[0].password);
        await page.getByRole('button', { name: 'Join session' }).click();
        await page.getByText('Your therapist will let you in shortly.').waitFor();
        await page.getByText(/Until then nobody can see or hear you\./).waitFor();
        assert.equal(await camera.getAttribute('aria-pressed'), 'false');
        await until('the meter moves in the waiting room', () => preview(page),
          (p) => p.level > 0 && p.live === 0);
        await shot(page, 'waiting-phone');
        w = await widths(page);
        assert.ok(w.scroll <= w.inner, `the waiting room scrolls sideways: ${JSON.stringify(w)}`);

        // let in: the therapist hears the client and sees no video from them, in words
        await ada.page.getByRole('button', { name: `Admit ${CLIENT}` }).click();
        const key = `Video of ${CLIENT}`;
        await until('the therapist hears the client', () => received(ada.page),
          (r) => r[key]?.audioPackets > 20);
        await ada.page.locator('#video-tiles li.video-tile.camera-off', { hasText: CLIENT })
          .locator('.video-off').getByText('Camera off').waitFor();
        await ada.page.getByRole('region', { name: /^People/ }).getByRole('listitem')
          .filter({ hasText: CLIENT }).getByText('Video off').waitFor();
        await sleep(2000);
        assert.equal((await received(ada.page))[key].framesDecoded, 0, 'no video from the client');
        // the client's own controls carry the same state: their video can be started
        await page.getByRole('button', { name: 'Start video' }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Camera', exact: true }).isVisible(), false);
        w = await widths(page);
        assert.ok(w.scroll <= w.inner, `the meeting scrolls sideways: ${JSON.stringify(w)}`);

        // started in the meeting: the therapist sees them
        await page.getByRole('button', { name: 'Start video' }).click();
        await waitForMedia(ada, [CLIENT], { timeoutMs: 30000 });
        assert.deepEqual(ada.errors, []);
        assert.deepEqual(client.errors, []);
      } finally {
        await ada.context.close();
        await client.context.close();
      }
    });
  });

  test('the microphone off on the join page: the client comes in muted', async () => {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, CLIENT, 1);
      const session = await makeSession(call, [sam], 'Weekly session');
      const ada = await person(browser, THERAPIST);
      const client = await person(browser, CLIENT);
      const { page } = client;
      try {
        await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
        await page.goto(localUrl(server, session.invites[0].url));
        const microphone = page.getByRole('button', { name: 'Microphone', exact: true });
        await microphone.click();
        assert.equal(await microphone.getAttribute('aria-pressed'), 'false');
        await page.getByText('Microphone off: the others will not hear you.').waitFor();
        assert.equal(await page.locator('#mic-level').evaluate((m) => m.value), 0);
        await page.getByLabel('Meeting password').fill(session.occurrences[0].password);
        await page.getByRole('button', { name: 'Join session' }).click();
        await page.getByText('Your therapist will let you in shortly.').waitFor();
        await ada.page.getByRole('button', { name: `Admit ${CLIENT}` }).click();
        // muted in the room (the therapist's list says so) and in their own controls; seen
        await page.getByRole('button', { name: 'Unmute' }).waitFor();
        await ada.page.getByRole('region', { name: /^People/ }).getByRole('listitem')
          .filter({ hasText: CLIENT }).getByText('Muted', { exact: true }).waitFor();
        await until('the therapist sees the client', () => received(ada.page),
          (r) => r[`Video of ${CLIENT}`]?.framesDecoded > 10);
        assert.deepEqual(ada.errors, []);
        assert.deepEqual(client.errors, []);
      } finally {
        await ada.context.close();
        await client.context.close();
      }
    });
  });
  test('a session that is over, and a link that does not work: said plainly, no form, no camera', async () => {
    await withServer({}, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, CLIENT, 1);
      const past = await call('POST', '/api/v1/sessions', { title: 'Weekly session', client_id: sam.id,
        starts_at: new Date(Date.now() - 3 * 3600000).toISOString(), time_zone: 'UTC',
        duration_minutes: 50, allow_overlap: true });
      assert.equal(past.status, 201, past.text);
      const client = await person(browser, CLIENT, SMALL_PHONE);
      const { page } = client;
      try {
        await page.goto(localUrl(server, past.json.session.invites[0].url));
        await page.getByText('This session is over, so it cannot be joined any more. If you think this is a mistake, contact your therapist.',
          { exact: true }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Join session' }).isVisible(), false);
        assert.equal(await page.getByRole('button', { name: 'Camera', exact: true }).isVisible(), false);
        assert.equal(await page.evaluate(() => document.getElementById('devices-video').srcObject), null);
        const w = await widths(page);
        assert.ok(w.scroll <= w.inner, `the join page scrolls sideways: ${JSON.stringify(w)}`);

        await page.goto(`${server.url}/j/${'x'.repeat(22)}`);
        await page.getByRole('alert').getByText(
          'This link is not right or no longer works. Please check the email with your invitation, or ask your therapist for a new link.',
          { exact: true }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'Camera', exact: true }).isVisible(), false);
        assert.deepEqual(client.errors, []);
      } finally {
        await client.context.close();
      }
    });
  });
  test('the server out of reach when the link is opened: said calmly, retried, then the form', async () => {
    await withServer({}, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, CLIENT, 1);
      const session = await makeSession(call, [sam], 'Weekly session');
      const client = await person(browser, CLIENT, SMALL_PHONE);
      const { page, context } = client;
      try {
        // every WebSocket to the server fails until it is reachable again
        let refused = 0;
        let reachable = false;
        await context.routeWebSocket(/\/ws/, (ws) => {
          if (reachable) {
            ws.connectToServer();
            return;
          }
          refused++;
          ws.close({ code: 1006, reason: '' });
        });
        await page.goto(localUrl(server, session.invites[0].url));
        const status = page.getByText(/^We cannot reach the server right now\. Trying again in \d+ seconds — you do not need to do anything\.$/);
        await status.waitFor();
        assert.ok(refused >= 1);
        assert.equal(await page.getByLabel('Meeting password').isVisible(), false);
        reachable = true;
        // the next try reaches it: the form, and the sentence gone
        await page.getByLabel('Meeting password').waitFor({ timeout: 40000 });
        assert.equal(await status.count(), 0);
        assert.deepEqual(client.errors, []);
      } finally {
        await context.close();
      }
    });
  });
});

// Screen sharing through confide's SFU, in Debian's Chromium: in a group of three the
// therapist shares a screen, which reaches both clients as a video track of its own (its own
// section of their subscribe offer, beside the therapist's camera) and decodes at the size
// it was shared at, shown large with "<name>'s screen"; a client may not share until the
// therapist ticks "Let clients share their screen" (the refusal's words are on the page),
// then can, and the therapist decodes it; a second sharer is refused; stopping (the button,
// or the browser ending the track) takes the screen away from everyone.
//
// Headless Chromium has no screen to capture, so each page's getDisplayMedia is replaced
// (an init script) by a canvas of SCREEN_W × SCREEN_H drawn 15 times a second and sent with
// canvas.captureStream(): everything after getDisplayMedia is the page's own code.
//
//   cd tests/e2e && node --test screen-share.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { MEDIA_ARGS, addClient, api, joinAsHost, knock, localUrl, makeSession, person,
  received, waitForMedia } from './lib/meeting.mjs';
import { SCREEN_H, SCREEN_W, fakeScreen, screenSeen, waitForNoScreen, waitForScreen } from './lib/screen.mjs';

const THERAPIST = 'Dr Ada Byron';
const SAM = 'Sam Rivera';
const KIM = 'Kim Lowe';

let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await browser?.close();
});

async function sharer(browserToUse, name) {
  const p = await person(browserToUse, name);
  await p.context.addInitScript(fakeScreen, [SCREEN_W, SCREEN_H]);
  return p;
}

async function assertButton(p, name, pressed) {
  const button = p.page.locator('#screen-button');
  await button.getByText(name, { exact: true }).waitFor();
  assert.equal(await button.getAttribute('aria-pressed'), String(pressed));
}

describe('screen sharing', () => {
  test('the host shares, clients only when allowed, one at a time, stopping removes it', async () => {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const call = await api(server);
      const clients = [await addClient(call, SAM, 1), await addClient(call, KIM, 2)];
      const session = await makeSession(call, clients, 'Thursday group');
      const password = session.occurrences[0].password;
      const ada = await sharer(browser, THERAPIST);
      const sam = await sharer(browser, SAM);
      const kim = await sharer(browser, KIM);
      const everyone = [ada, sam, kim];
      try {
        await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
        for (const [i, p] of [sam, kim].entries()) {
          const invite = session.invites.find((v) => v.client_id === clients[i].id);
          await knock(p, localUrl(server, invite.url), password, { group: true });
        }
        await ada.page.getByRole('button', { name: 'Admit all' }).click();
        for (const p of everyone) {
          await waitForMedia(p, everyone.filter((o) => o !== p).map((o) => o.name), { timeoutMs: 45000 });
        }

        // the therapist shares: both clients decode it at its size, as a track of its own
        // beside her camera, which goes on
        await assertButton(ada, 'Share screen', false);
        await ada.page.getByRole('button', { name: 'Share screen' }).click();
        await assertButton(ada, 'Stop sharing', true);
        // once the server has taken it, the sharer sees it large too, as "Your screen"
        let own = await screenSeen(ada.page);
        for (const deadline = Date.now() + 15000; !own.visible && Date.now() < deadline;) {
          await new Promise((r) => setTimeout(r, 200));
          own = await screenSeen(ada.page);
        }
        assert.equal(own.visible, true);
        assert.equal(own.label, 'Your screen');
        for (const p of [sam, kim]) {
          const camBefore = (await received(p.page))[`Video of ${THERAPIST}`];
          const seen = await waitForScreen(p, THERAPIST);
          const camAfter = (await received(p.page))[`Video of ${THERAPIST}`];
          assert.ok(camAfter.framesDecoded > camBefore.framesDecoded, `${p.name}: her camera stopped`);
          assert.equal(seen.aria, `${THERAPIST}'s screen`);
          console.log(`${p.name} decodes the therapist's screen: ${seen.width}×${seen.height}, ` +
            `${seen.framesDecoded} frames, mid ${seen.mid}`);
        }

        // Sam may not share yet: the server refuses, the page says so in words
        await sam.page.getByRole('button', { name: 'Share screen' }).click();
        await sam.page.getByText('The host has not let clients share their screen in this session.').waitFor();
        await assertButton(sam, 'Share screen', false);
        assert.equal((await screenSeen(sam.page)).label, `${THERAPIST}'s screen`, 'hers stays up');

        // the therapist stops: gone for everyone
        await ada.page.getByRole('button', { name: 'Stop sharing' }).click();
        await assertButton(ada, 'Share screen', false);
        for (const p of everyone) await waitForNoScreen(p);

        // she lets clients share; Sam shares, and she and Kim decode it
        await ada.page.getByLabel('Let clients share their screen').check();
        // (her socket carries it at once; Sam's click comes a few round trips later)
        await new Promise((r) => setTimeout(r, 500));
        await sam.page.getByRole('button', { name: 'Share screen' }).click();
        await assertButton(sam, 'Stop sharing', true);
        for (const p of [ada, kim]) {
          const seen = await waitForScreen(p, SAM);
          console.log(`${p.name} decodes Sam's screen: ${seen.width}×${seen.height}, ${seen.framesDecoded} frames`);
        }

        // one screen at a time: the therapist is refused while Sam shares
        await ada.page.getByRole('button', { name: 'Share screen' }).click();
        await ada.page.getByText(/Someone else is sharing their screen/).waitFor();
        await assertButton(ada, 'Share screen', false);
        assert.equal((await screenSeen(ada.page)).label, `${SAM}'s screen`);

        // the browser ends Sam's capture (its own "Stop sharing"): gone for everyone
        await sam.page.evaluate(() => {
          const track = window.testScreens.at(-1);
          track.stop();
          track.dispatchEvent(new Event('ended')); // what the browser fires when it ends it
        });
        await assertButton(sam, 'Share screen', false);
        for (const p of everyone) await waitForNoScreen(p);

        // Sam shares again, then the therapist takes the permission back: it stops, he is told
        await sam.page.getByRole('button', { name: 'Share screen' }).click();
        await waitForScreen(kim, SAM);
        await ada.page.getByLabel('Let clients share their screen').uncheck();
        await sam.page.getByText('The host has stopped letting clients share their screen.').waitFor();
        await assertButton(sam, 'Share screen', false);
        for (const p of everyone) await waitForNoScreen(p);

        for (const p of everyone) assert.deepEqual(p.errors, [], `${p.name}: page errors`);
      } finally {
        for (const p of everyone) await p.context.close();
      }
    });
  });
});

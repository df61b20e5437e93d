// The meeting's own controls in a real browser against the real binary, a therapist and a
// client each with Chromium's fake devices (three cameras, three microphones, three
// speakers): "Settings" lists the devices and switches camera, microphone and speaker while
// the other keeps receiving, and the preview before joining opens them next time; the
// session clock, and its one word to screen readers 5 minutes before the end (in a second
// session, ending soon); the "Help" dialog and the keyboard shortcuts (which stay quiet
// while one types in the chat); and a support alert that stays until the therapist
// dismisses it.
//
//   cd tests/e2e && node --test meeting-controls.test.mjs
//
// MEETING_SCREENSHOTS=/tmp saves screenshots of the two dialogs and the controls there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import {
  MEDIA_ARGS, addClient, api, assertRising, joinAsHost, knock, localUrl, person, received, waitForMedia,
} from './lib/meeting.mjs';

const THERAPIST = 'Dr Ada Byron';
const CLIENT = 'Sam Rivera';
const DURATION_MINUTES = 50;
// a support alert must still be there this long after it came
const SUPPORT_KEPT_MS = 15000;
// three fake cameras: the second is a depth camera (16-bit grey) that WebRTC does not encode,
// the third an ordinary one (MJPEG)
const FAKE_DEVICES = '--use-fake-device-for-media-stream=device-count=3';
const SHOTS = process.env.MEETING_SCREENSHOTS;

let browser;

before(async () => {
  browser = await launchChromium([...MEDIA_ARGS.filter((a) => !a.startsWith('--use-fake-device')),
    FAKE_DEVICES]);
});

after(async () => {
  await browser?.close();
});

// What the page sends: the track on its publishing connection's sender of `kind`.
async function sentTrack(page, kind) {
  return page.evaluate((k) => {
    for (const pc of window.testPcs) {
      if (pc.connectionState === 'closed') continue;
      const sender = pc.getSenders().find((s) => s.track?.kind === k);
      if (sender) return { id: sender.track.id, label: sender.track.label, state: sender.track.readyState };
    }
    return null;
  }, kind);
}

// The mute button as one sees it: its words and its pressed state, if it has one.
function muteState(page) {
  return page.locator('#mute-button').evaluate((b) => `${b.textContent}|${b.getAttribute('aria-pressed')}`);
}

test('settings switch devices mid-session; clock, help, shortcuts, a support alert that stays', async () => {
  await withServer({ args: ['--media-workers', '1'] }, async (server) => {
    const call = await api(server);
    const sam = await addClient(call, CLIENT, 1);
    // a session that starts now and runs DURATION_MINUTES
    const created = await call('POST', '/api/v1/sessions', { title: 'Weekly session', client_id: sam.id,
      starts_at: new Date().toISOString(), time_zone: 'UTC', duration_minutes: DURATION_MINUTES,
      settings: { waiting_room: true } });
    assert.equal(created.status, 201, created.text);
    const session = created.json.session;
    const ada = await person(browser, THERAPIST);
    const client = await person(browser, CLIENT);
    let ending = null;
    try {
      await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
      await knock(client, localUrl(server, session.invites[0].url), session.occurrences[0].password);
      await ada.page.getByRole('button', { name: `Admit ${CLIENT}` }).click();
      await waitForMedia(client, [THERAPIST], { timeoutMs: 45000 });
      await waitForMedia(ada, [CLIENT], { timeoutMs: 45000 });
      const page = client.page;

      // ---- "I need support" first: the rest of the test is the time it must stay ----
      await page.getByRole('button', { name: 'I need support' }).click();
      const supportAlert = ada.page.getByRole('alert').getByText(`${CLIENT} needs support`);
      await supportAlert.waitFor();
      const supportAt = Date.now();

      // ---- the session clock: started just now, DURATION_MINUTES long ----
      for (const p of [ada.page, page]) {
        const clock = await p.locator('#session-clock').textContent();
        const minutes = Number(clock.match(/^Ends in (\d+) min$/)?.[1]);
        assert.ok(minutes >= DURATION_MINUTES - 2 && minutes <= DURATION_MINUTES, `the clock says "${clock}"`);
        assert.equal(await p.locator('#session-clock').isVisible(), true);
      }
      // the other words it can say, from the page's own module
      const words = await page.evaluate(async () => {
        const { sessionTimeText } = await import('/js/meeting-clock.js');
        const start = Date.UTC(2026, 0, 5, 17, 0);
        const end = start + 50 * 60000;
        return [start - 4 * 60000 - 10, start + 27 * 60000 + 5, end - 30000, end + 20000, end + 5 * 60000 + 1]
          .map((now) => sessionTimeText(start, end, now));
      });
      assert.deepEqual(words, ['Starts in 5 min', 'Ends in 23 min', 'Ends in 1 min', 'Ends now', '5 min over']);

      // ---- 5 minutes before the end, said once to screen readers: the therapist's other
      // session, which ends 5 min 20 s from now (the rest of this test is the wait) ----
      const soon = await call('POST', '/api/v1/sessions', { title: 'Ending soon', client_id: sam.id,
        starts_at: new Date(Date.now() - 40000).toISOString(), time_zone: 'UTC', duration_minutes: 6,
        allow_overlap: true, settings: { waiting_room: true } });
      assert.equal(soon.status, 201, soon.text);
      ending = await person(browser, THERAPIST);
      await joinAsHost(ending, localUrl(server, soon.json.session.host_url), call.cookie);
      const endingClock = ending.page.locator('#session-clock');
      const endingSpoken = ending.page.locator('#session-clock-spoken');
      assert.equal(await endingClock.textContent(), 'Ends in 6 min');
      assert.equal(await endingSpoken.textContent(), '', 'said before 5 minutes were left');
      assert.equal(await endingSpoken.getAttribute('aria-live'), 'polite');
      assert.equal(await endingClock.getAttribute('aria-live'), null, 'the clock itself is read out on every change');

      // ---- Settings: the fake devices, listed ----
      await page.getByRole('button', { name: 'Settings' }).click();
      const settings = page.getByRole('dialog', { name: 'Settings' });
      await settings.waitFor();
      const camera = settings.getByLabel('Camera');
      await camera.locator('option', { hasText: 'fake_device_2' }).waitFor({ state: 'attached' });
      assert.deepEqual(await camera.locator('option').allTextContents(), ['fake_device_0', 'fake_device_1', 'fake_device_2']);
      assert.equal(await camera.inputValue(), await page.evaluate(() =>
        window.testPcs.flatMap((pc) => pc.getSenders()).find((s) => s.track?.kind === 'video').track.getSettings().deviceId));
      const microphones = await settings.getByLabel('Microphone').locator('option').allTextContents();
      assert.ok(microphones.includes('Fake Audio Input 1'), microphones.join(', '));
      const speakers = await settings.getByLabel('Speaker').locator('option').allTextContents();
      assert.ok(speakers.includes('Fake Audio Output 1'), speakers.join(', '));

      // ---- switching the camera: a new track on the same sender, frames keep coming ----
      const videoBefore = await sentTrack(page, 'video');
      assert.equal(videoBefore.label, 'fake_device_0');
      const framesBefore = (await received(ada.page))[`Video of ${CLIENT}`].framesDecoded;
      await camera.selectOption({ label: 'fake_device_2' });
      await settings.getByText('Now using fake_device_2.').waitFor();
      const videoAfter = await sentTrack(page, 'video');
      assert.notEqual(videoAfter.id, videoBefore.id);
      assert.equal(videoAfter.label, 'fake_device_2');
      assert.equal(videoAfter.state, 'live');
      // the old camera was let go of
      assert.equal(await page.evaluate((id) => window.testPcs.flatMap((pc) => pc.getSenders())
        .some((s) => s.track?.id === id), videoBefore.id), false);
      const after1 = await assertRising(ada, [CLIENT]);
      assert.ok(after1[`Video of ${CLIENT}`].framesDecoded > framesBefore);
      // the self-view shows the new camera
      assert.equal(await page.evaluate(() => document.getElementById('self-video').srcObject
        .getVideoTracks()[0].label), 'fake_device_2');

      // ---- the microphone, then the speaker ----
      const audioBefore = await sentTrack(page, 'audio');
      await settings.getByLabel('Microphone').selectOption({ label: 'Fake Audio Input 1' });
      await settings.getByText('Now using Fake Audio Input 1.').waitFor();
      const audioAfter = await sentTrack(page, 'audio');
      assert.notEqual(audioAfter.id, audioBefore.id);
      assert.equal(audioAfter.label, 'Fake Audio Input 1');
      await assertRising(ada, [CLIENT]);

      await settings.getByLabel('Speaker').selectOption({ label: 'Fake Audio Output 1' });
      await settings.getByText('Now playing on Fake Audio Output 1.').waitFor();
      const speakerId = await settings.getByLabel('Speaker').inputValue();
      assert.equal(await page.locator('#video-tiles video').first().evaluate((v) => v.sinkId), speakerId);

      // remembered in this browser for next time
      const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('confide.devices')));
      assert.equal(kept.camera, await camera.inputValue());
      assert.equal(kept.microphone, await settings.getByLabel('Microphone').inputValue());
      assert.equal(kept.speaker, speakerId);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'meeting-settings.png') });
      await settings.getByRole('button', { name: 'Done' }).click();
      await settings.waitFor({ state: 'hidden' });

      // the preview before joining, in another tab of the same browser, opens the same ones
      const again = await client.context.newPage();
      await again.goto(localUrl(server, session.invites[0].url));
      const previewed = () => again.waitForFunction(() => {
        const tracks = document.getElementById('devices-video').srcObject?.getTracks() ?? [];
        return tracks.length === 2 && tracks.map((t) => t.label).sort().join(', ');
      }).then((h) => h.jsonValue());
      assert.equal(await previewed(), 'Fake Audio Input 1, fake_device_2');
      // devices remembered that are not there any more: the browser's own
      await again.evaluate(() => localStorage.setItem('confide.devices',
        JSON.stringify({ camera: 'unplugged', microphone: 'unplugged' })));
      await again.reload();
      assert.equal(await previewed(), 'Fake Default Audio Input, fake_device_0');
      await again.close();

      // ---- Help: "?" opens it, Escape closes it ----
      await page.keyboard.press('?');
      const help = page.getByRole('dialog', { name: 'Help' });
      await help.waitFor();
      await help.getByText("Can't hear anyone?").waitFor();
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'meeting-help.png') });
      await page.keyboard.press('Escape');
      await help.waitFor({ state: 'hidden' });
      await page.getByRole('button', { name: 'Help' }).click();
      await help.waitFor();
      await help.getByRole('button', { name: 'Close' }).click();
      await help.waitFor({ state: 'hidden' });

      // ---- M mutes and unmutes: the button changes, and the therapist sees it ----
      const unmuted = await muteState(page);
      await page.keyboard.press('m');
      await page.waitForFunction((before) => {
        const b = document.getElementById('mute-button');
        return `${b.textContent}|${b.getAttribute('aria-pressed')}` !== before;
      }, unmuted);
      const muted = await muteState(page);
      const row = ada.page.getByRole('region', { name: /^People/ }).getByRole('listitem').filter({ hasText: CLIENT });
      await row.getByText('Muted', { exact: true }).waitFor();

      // typing "m" in the chat sends it and mutes nothing: the chat comes back through the
      // server after anything the key would have sent, and the button has not changed
      const chat = page.getByLabel('Message', { exact: true });
      await chat.click();
      await page.keyboard.type('m');
      await page.keyboard.press('Enter');
      await page.getByRole('log').getByText('m', { exact: true }).waitFor();
      await ada.page.getByRole('log').getByText('m', { exact: true }).waitFor();
      assert.equal(await muteState(page), muted);

      // out of the chat box, M unmutes again; H raises the hand
      await page.getByRole('heading', { name: /^People/ }).click();
      await page.keyboard.press('M');
      await page.waitForFunction((before) => {
        const b = document.getElementById('mute-button');
        return `${b.textContent}|${b.getAttribute('aria-pressed')}` === before;
      }, unmuted);
      await row.getByText('Muted', { exact: true }).waitFor({ state: 'hidden' });
      await page.keyboard.press('h');
      await page.getByRole('button', { name: 'Lower hand' }).waitFor();
      await row.getByText('Hand raised').waitFor();
      if (SHOTS) await ada.page.screenshot({ path: path.join(SHOTS, 'meeting-controls.png'), fullPage: true });

      // ---- the support alert: still there SUPPORT_KEPT_MS after it came ----
      const rest = supportAt + SUPPORT_KEPT_MS - Date.now();
      if (rest > 0) await ada.page.waitForTimeout(rest);
      assert.equal(await supportAlert.isVisible(), true, 'the support alert went away by itself');
      await ada.page.getByRole('button', { name: 'Dismiss' }).click();
      await supportAlert.waitFor({ state: 'detached' });
      assert.equal(await ada.page.locator('#support-box').isVisible(), false);

      // the other session's clock crossed 5 minutes left: said once, politely
      await ending.page.waitForFunction(() =>
        document.getElementById('session-clock-spoken').textContent !== '', null, { timeout: 60000 });
      assert.equal(await endingSpoken.textContent(), '5 minutes left in this session.');
      assert.equal(await endingClock.textContent(), 'Ends in 5 min');

      assert.deepEqual(client.errors, []);
      assert.deepEqual(ada.errors, []);
      assert.deepEqual(ending.errors, []);
    } finally {
      await ending?.context.close();
      await client.context.close();
      await ada.context.close();
    }
  });
});

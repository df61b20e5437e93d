// A shared screen in tests. Headless Chromium has no screen to capture: fakeScreen, as a
// context's init script, makes getDisplayMedia give a moving canvas of SCREEN_W × SCREEN_H
// drawn 15 times a second (everything after getDisplayMedia is the page's own code), and the
// others read what their page shows of it and what they decode.
import assert from 'node:assert/strict';

export const SCREEN_W = 1280;
export const SCREEN_H = 720;

// In the page, before its scripts: getDisplayMedia gives a moving canvas; the tracks it gave
// are kept (window.testScreens) so the test can end one as the browser's own "Stop sharing"
// would.
export function fakeScreen([width, height]) {
  window.testScreens = [];
  navigator.mediaDevices.getDisplayMedia = async () => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d');
    let n = 0;
    setInterval(() => {
      n++;
      g.fillStyle = '#f4f1ea';
      g.fillRect(0, 0, width, height);
      g.fillStyle = '#1d3557';
      g.font = '48px sans-serif';
      g.fillText(`Slide ${n}: what we noticed this week`, 60, 120 + (n % 20) * 20);
      g.fillRect((n * 17) % width, height - 80, 120, 40);
    }, 66);
    const stream = canvas.captureStream(15);
    window.testScreens.push(stream.getVideoTracks()[0]);
    return stream;
  };
}

// What the page shows of a shared screen: whether the large view is up, its label, and the
// receiving stats of its track (none for one's own screen, which is not received).
export async function screenSeen(page) {
  return page.evaluate(async () => {
    const stage = document.getElementById('screen-stage');
    const video = document.getElementById('screen-video');
    const track = video.srcObject?.getVideoTracks()[0];
    let stats = null;
    for (const pc of window.testPcs) {
      if (!track || pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.trackIdentifier === track.id) stats = s;
      });
    }
    return {
      visible: !stage.hidden,
      label: document.getElementById('screen-caption').textContent,
      aria: video.getAttribute('aria-label'),
      framesDecoded: stats?.framesDecoded ?? 0,
      width: stats?.frameWidth ?? 0,
      height: stats?.frameHeight ?? 0,
      mid: stats?.mid ?? null,
    };
  });
}

// Waits until p decodes `owner`'s screen at the shared size, frames rising; returns the reading.
export async function waitForScreen(p, owner, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    last = await screenSeen(p.page);
    if (last.visible && last.label === `${owner}'s screen` && last.framesDecoded >= 10 &&
        last.width === SCREEN_W && last.height === SCREEN_H) break;
    if (Date.now() > deadline) {
      assert.fail(`${p.name} does not decode ${owner}'s screen at ${SCREEN_W}×${SCREEN_H}: ` +
        `${JSON.stringify(last)}\nerrors: ${p.errors.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1500));
  const later = await screenSeen(p.page);
  assert.ok(later.framesDecoded > last.framesDecoded,
    `${p.name}: frames of ${owner}'s screen stopped at ${later.framesDecoded}`);
  return later;
}

export async function waitForNoScreen(p, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await screenSeen(p.page);
    if (!seen.visible) return;
    if (Date.now() > deadline) assert.fail(`${p.name} still shows ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

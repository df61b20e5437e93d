// How long a client waits, once admitted, for the therapist's video: from the `admitted`
// message reaching the client's page to the first frame of the therapist's video decoded
// there (getStats: framesDecoded > 0), both on the page's own clock. Over a few runs on
// loopback, with one server: the first run a fresh browser context knocks and the therapist
// clicks Admit; then the client leaves (its browser closes) and comes back in a fresh one,
// let straight in as someone already admitted, and every time the clock runs from
// `admitted` to the first frame. Prints the median and the worst; the goal (docs/PERFORMANCE.md) is 400 ms, the
// assertion is generous because CI runs the sanitizer build on shared cores.
//
//   cd tests/e2e && node --test first-frame.test.mjs
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import {
  MEDIA_ARGS, addClient, api, joinAsHost, knock, localUrl, makeSession, person,
} from './lib/meeting.mjs';

const THERAPIST = 'Dr Ada Byron';
const RUNS = 5;
const BOUND_MS = 1500;
let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await browser?.close();
});

// In the client's page: note when `admitted` arrives, then look at the receiving
// connections' stats every 5 ms until a video frame was decoded.
function stopwatch() {
  window.testFirstFrame = null;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        let msg;
        try { msg = JSON.parse(event.data); } catch { return; }
        if (msg.type !== 'admitted' || window.testAdmittedAt) return;
        window.testAdmittedAt = performance.now();
        const poll = async () => {
          for (const pc of window.testPcs ?? []) {
            const stats = await pc.getStats();
            let decoded = false;
            stats.forEach((s) => {
              if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) decoded = true;
            });
            if (decoded) {
              window.testFirstFrame = performance.now() - window.testAdmittedAt;
              return;
            }
          }
          setTimeout(poll, 5);
        };
        poll();
      });
    }
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

test('admission to the first remote frame, on loopback', async () => {
  await withServer({ args: ['--media-workers', '1'] }, async (server) => {
    const call = await api(server);
    const sam = await addClient(call, 'Sam Rivera', 1);
    const session = await makeSession(call, [sam], 'Weekly session');
    const password = session.occurrences[0].password;
    const ada = await person(browser, THERAPIST);
    const times = [];
    try {
      await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
      for (let run = 0; run < RUNS; run++) {
        const client = await person(browser, 'Sam Rivera');
        try {
          // after instrument(): this WebSocket wraps the one that keeps testSockets
          await client.context.addInitScript(stopwatch);
          if (run === 0) {
            await knock(client, localUrl(server, session.invites[0].url), password);
            await ada.page.getByRole('button', { name: 'Admit Sam Rivera' }).click();
          } else {
            // someone admitted before who comes back (a reload, a dropped connection) is let
            // straight in: `admitted` comes without a click, and the clock starts there too
            await client.page.goto(localUrl(server, session.invites[0].url));
            await client.page.getByLabel('Meeting password').fill(password);
            await client.page.getByRole('button', { name: 'Join session' }).click();
          }
          await client.page.waitForFunction(() => window.testFirstFrame !== null, null,
            { timeout: 20000, polling: 50 });
          times.push(await client.page.evaluate(() => window.testFirstFrame));
          assert.deepEqual(client.errors, []);
        } finally {
          await client.context.close();
        }
        // the therapist's page sees Sam gone before Sam comes back
        await ada.page.locator('#video-tiles li').first().waitFor({ state: 'detached', timeout: 20000 });
      }
    } finally {
      await ada.context.close();
    }
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = Math.round(percentile(sorted, 0.5));
    const max = Math.round(sorted.at(-1));
    console.log(`# admission to first remote frame: p50 ${p50} ms, max ${max} ms (${times.length} runs)` +
      ` [${times.map((t) => Math.round(t)).join(', ')}]`);
    assert.ok(max <= BOUND_MS, `admission to first frame took ${max} ms (bound ${BOUND_MS} ms)`);
  });
});

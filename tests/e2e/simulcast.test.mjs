// Simulcast through confide's SFU, in Debian's Chromium with a fake camera: the publishing
// page sends its camera as three layers (RIDs q, h, f); a viewer whose tile of that person
// is small receives the low layer and, once the tile is made large, the top one, with
// frames decoding throughout; a layer nobody receives is switched off at the publisher.
//
//   cd tests/e2e && node --test simulcast.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { MEDIA_ARGS, admittedOneToOne, metrics, received } from './lib/meeting.mjs';

const THERAPIST = 'Dr Ada Byron';
const CLIENT = 'Sam Rivera';
let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await browser?.close();
});

// The publishing page's video layers: rid → { bytesSent, width, active }.
async function layersSent(page) {
  return page.evaluate(async () => {
    const out = {};
    for (const pc of window.testPcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid) {
          out[s.rid] = { bytesSent: s.bytesSent, width: s.frameWidth ?? 0, active: s.active };
        }
      });
    }
    return out;
  });
}

// Makes the viewer's tile of `name` this many CSS pixels wide (16:9).
async function sizeTile(page, name, width) {
  await page.evaluate(([label, w]) => {
    const tile = document.querySelector(`#video-tiles video[aria-label="${label}"]`).closest('li');
    tile.style.width = `${w}px`;
    tile.style.justifySelf = 'start';
  }, [`Video of ${name}`, width]);
}

// Polls the viewer's reading of `name` until `ok` holds, checking on the way that frames
// keep being decoded (no reading more than 3 s after the last rise without a new frame).
// Returns the reading that passed and how long it took.
async function watchUntil(p, name, ok, timeoutMs, what) {
  const key = `Video of ${name}`;
  const started = Date.now();
  let last = (await received(p.page))[key];
  let risen = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = (await received(p.page))[key];
    if (now.framesDecoded > last.framesDecoded) risen = Date.now();
    assert.ok(Date.now() - risen < 3000,
      `${p.name}: frames of ${name} stopped at ${now.framesDecoded} while waiting for ${what}`);
    last = now;
    if (ok(now)) return { reading: now, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) {
      assert.fail(`${p.name}: no ${what} within ${timeoutMs} ms: ${JSON.stringify(now)}`);
    }
  }
}

describe('simulcast', () => {
  test('three layers go up; a small tile gets the low one, a large tile the top one; an unwatched layer stops', async () => {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const { ada, client } = await admittedOneToOne(server, browser, browser, THERAPIST, CLIENT);

      // the therapist's page publishes three layers, each with its own size
      let sent = {};
      for (let i = 0; i < 30; i++) {
        sent = await layersSent(ada.page);
        if (['q', 'h', 'f'].every((rid) => sent[rid]?.bytesSent > 0)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.deepEqual(Object.keys(sent).sort(), ['f', 'h', 'q'], JSON.stringify(sent));
      for (const rid of ['q', 'h', 'f']) assert.ok(sent[rid].bytesSent > 0, `layer ${rid} sent nothing`);

      // a small tile of the therapist at the client: the low layer (a quarter of 960)
      await sizeTile(client.page, THERAPIST, 120);
      const small = await watchUntil(client, THERAPIST, (r) => r.width > 0 && r.width <= 240,
        15000, 'the low layer');
      console.log(`small tile: ${small.reading.width} px wide after ${small.ms} ms`);

      // nobody receives the top layer now: the therapist's page stops sending it
      const stopped = await (async () => {
        const start = Date.now();
        for (;;) {
          const a = await layersSent(ada.page);
          await new Promise((r) => setTimeout(r, 1500));
          const b = await layersSent(ada.page);
          if (b.f && (b.f.active === false || b.f.bytesSent === a.f.bytesSent)) return Date.now() - start;
          assert.ok(Date.now() - start < 15000, `layer f still sent: ${JSON.stringify(b)}`);
        }
      })();
      console.log(`unwatched layer f stopped within ${stopped} ms`);
      const q = (await layersSent(ada.page)).q;
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok((await layersSent(ada.page)).q.bytesSent > q.bytesSent, 'the low layer goes on');

      // a large tile: the top layer again (switched back on at the publisher), frames going on
      await sizeTile(client.page, THERAPIST, 1000);
      const large = await watchUntil(client, THERAPIST, (r) => r.width >= 900, 15000, 'the top layer');
      console.log(`large tile: ${large.reading.width} px wide after ${large.ms} ms`);
      const f = (await layersSent(ada.page)).f;
      assert.ok(f.active !== false, 'layer f is on again');

      // and the way back down, again without a stall
      await sizeTile(client.page, THERAPIST, 120);
      await watchUntil(client, THERAPIST, (r) => r.width > 0 && r.width <= 240, 15000, 'the low layer again');

      const m = await metrics(server);
      assert.ok(m.confide_media_layer_switches_total >= 3, JSON.stringify(m));
      assert.ok(m.confide_media_layer_changes_total >= 2, 'the publisher was told its layers');
      assert.equal(m.confide_media_video_pauses_total, 0, 'nothing paused on a clear link');
      assert.deepEqual(ada.errors, []);
      assert.deepEqual(client.errors, []);
      await ada.context.close();
      await client.context.close();
    });
  });
});

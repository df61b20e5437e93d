// One client on a weak link, in a group of three: inside a network namespace this test makes
// itself (lib/impair.mjs), Sam's Chromium runs as another uid whose UDP, both ways, goes
// through a rate cap (HTB + tbf on lo, installRateCap) or random loss (installLossRules).
// Ada (the therapist) and Alex are on a clean link. What a person would notice is read from
// each page's getStats(): audio samples played out and how many of them the jitter buffer
// had to make up (concealedSamples), frames decoded and their width.
//
//   cd tests/e2e && node --test adapt.test.mjs     (root: it makes a namespace)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import {
  inNetns, installLossRules, installRateCap, launchImpairedChromium, lossCounters,
} from './lib/impair.mjs';
import {
  MEDIA_ARGS, addClient, api, joinAsHost, knock, localUrl, makeSession, metrics, person,
  received, waitForMedia,
} from './lib/meeting.mjs';

await inNetns(import.meta.url, { timeoutMs: 6 * 60 * 1000 });

const ADA = 'Dr Ada Byron';
const SAM = 'Sam Rivera'; // on the weak link
const ALEX = 'Alex Moreno';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A group of three, everyone admitted and decoding everyone.
async function groupOfThree(server, browser, weakBrowser) {
  const call = await api(server);
  const clients = [await addClient(call, SAM, 1), await addClient(call, ALEX, 2)];
  const session = await makeSession(call, clients, 'Tuesday group');
  const password = session.occurrences[0].password;
  const ada = await person(browser, ADA);
  await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
  const sam = await person(weakBrowser, SAM);
  const alex = await person(browser, ALEX);
  for (const [p, c] of [[sam, clients[0]], [alex, clients[1]]]) {
    const invite = session.invites.find((v) => v.client_id === c.id);
    await knock(p, localUrl(server, invite.url), password, { group: true });
  }
  await ada.page.getByRole('button', { name: 'Admit all' }).click();
  const people = { ada, sam, alex };
  const names = { ada: ADA, sam: SAM, alex: ALEX };
  for (const [k, p] of Object.entries(people)) {
    await waitForMedia(p, Object.entries(names).filter(([o]) => o !== k).map(([, n]) => n),
      { timeoutMs: 45000 });
  }
  return people;
}

// Every page's readings of every tile at once.
async function readAll(people) {
  const out = {};
  for (const [k, p] of Object.entries(people)) out[k] = await received(p.page);
  return out;
}

// Between two readings, for what `who` receives from `from`: the share of audio samples
// concealed, frames decoded and the last frame width.
function window(before, after, who, from) {
  const key = `Video of ${from}`;
  const a = before[who][key];
  const b = after[who][key];
  const samples = b.audioSamples - a.audioSamples;
  const concealed = b.concealedSamples - a.concealedSamples;
  return {
    samples,
    concealed: samples > 0 ? concealed / samples : 1,
    frames: b.framesDecoded - a.framesDecoded,
    width: b.frameWidth,
  };
}

// Keeps the `quality` messages a page gets (its own estimate among them).
async function recordQuality(p) {
  await p.page.evaluate(() => {
    window.testQuality = [];
    for (const s of window.testSockets) {
      s.addEventListener('message', (e) => {
        const m = JSON.parse(e.data);
        if (m.type === 'quality') window.testQuality.push({ at: Date.now(), ...m });
      });
    }
  });
}

function report(label, before, after) {
  const pairs = [['sam', ADA], ['sam', ALEX], ['ada', SAM], ['alex', SAM], ['ada', ALEX], ['alex', ADA]];
  const out = {};
  for (const [who, from] of pairs) {
    const w = window(before, after, who, from);
    out[`${who}<-${from.split(' ')[0]}`] =
      `conceal ${(100 * w.concealed).toFixed(2)}% frames ${w.frames} width ${w.width}`;
  }
  console.log(`adapt ${label}: ${JSON.stringify(out)}`);
  return out;
}

const PAUSED = 'Video paused to keep audio clear';

// Whether p's page says the video from `from` is paused for bandwidth.
async function pausedOnPage(p, from) {
  return p.page.locator('#video-tiles li', { hasText: from }).getByText(PAUSED).isVisible();
}

test('a client capped at 300 kbit/s both ways keeps clear audio; the others see no change', async () => {
  const browser = await launchChromium(MEDIA_ARGS);
  const weak = await launchImpairedChromium(MEDIA_ARGS);
  try {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const people = await groupOfThree(server, browser, weak);
      await recordQuality(people.sam);
      await sleep(6000); // the layers settle to the tiles
      const clean0 = await readAll(people);
      await sleep(5000);
      const clean1 = await readAll(people);
      report('clean', clean0, clean1);
      // the layer each tile gets on a clean link (the largest its size needs)
      const full = {};
      for (const [who, from] of [['sam', ADA], ['sam', ALEX], ['ada', ALEX], ['alex', ADA]]) {
        full[`${who}<-${from}`] = window(clean0, clean1, who, from).width;
      }

      const cap = installRateCap({ kbit: 300 });
      await sleep(10000); // the estimates and the layers settle
      const capped0 = await readAll(people);
      await sleep(15000);
      const capped1 = await readAll(people);
      report('capped', capped0, capped1);
      const counters = cap.counters();
      console.log(`adapt cap counters: ${JSON.stringify(counters)}`);
      assert.ok(counters.down.packets > 1000 && counters.up.packets > 1000,
        `Sam's traffic went through the cap: ${JSON.stringify(counters)}`);
      // Sam hears both without gaps; each video is on the lowest layer or paused, as the
      // page says
      let anyPaused = false;
      for (const from of [ADA, ALEX]) {
        const w = window(capped0, capped1, 'sam', from);
        assert.ok(w.samples > 100000, `Sam plays ${from}'s audio: ${JSON.stringify(w)}`);
        assert.ok(w.concealed < 0.02, `Sam conceals ${(100 * w.concealed).toFixed(2)} % of ${from}`);
        const paused = await pausedOnPage(people.sam, from);
        assert.ok(paused || (w.frames > 0 && w.width <= 240),
          `${from}'s video to Sam is neither paused nor on the lowest layer: ${JSON.stringify(w)}`);
        console.log(`adapt capped: Sam's video of ${from}: ${paused ? 'paused, as the page says' : `${w.width} wide`}`);
        anyPaused ||= paused;
      }
      // a link that cannot carry the video is poor, however clean the SFU keeps it
      const level = await people.sam.page.evaluate(() => window.testQuality.at(-1)?.level);
      if (anyPaused) assert.equal(level, 'poor', 'Sam\'s video is paused but the level is not poor');
      // Ada and Alex see and hear each other as before
      for (const [who, from] of [['ada', ALEX], ['alex', ADA]]) {
        const w = window(capped0, capped1, who, from);
        assert.ok(w.concealed < 0.02 && w.frames > 150 && w.width === full[`${who}<-${from}`],
          `${who}'s view of ${from} changed under Sam's cap: ${JSON.stringify(w)}`);
      }
      const m = await metrics(server);
      assert.ok(m.confide_media_layer_switches_total > 0 || m.confide_media_video_pauses_total > 0,
        JSON.stringify(m));

      // lifted: within 15 s Sam gets both videos back at the size their tiles had
      cap.lift();
      const liftedAt = Date.now();
      let back = null;
      while (Date.now() - liftedAt < 15000) {
        await sleep(1000);
        const a = await readAll(people);
        await sleep(1000);
        const b = await readAll(people);
        const ok = [];
        for (const from of [ADA, ALEX]) {
          const w = window(a, b, 'sam', from);
          ok.push(w.frames > 10 && w.width === full[`sam<-${from}`] && !(await pausedOnPage(people.sam, from)));
        }
        if (ok.every(Boolean)) {
          back = Date.now() - liftedAt;
          break;
        }
      }
      const q = await people.sam.page.evaluate(() => window.testQuality);
      const t0 = q[0]?.at ?? 0;
      console.log(`adapt sam quality: ${JSON.stringify(q.map((x) => [x.at - t0, x.level, x.estimate_kbps]))}`);
      console.log(`adapt lifted: Sam back on the full layers after ${back} ms`);
      assert.ok(back !== null, 'Sam did not get both videos back at full size within 15 s of the cap lifting');
      for (const p of Object.values(people)) await p.context.close();
    });
  } finally {
    await weak.close();
    await browser.close();
  }
});

test('a client losing 10 % of its packets both ways is still heard and seen', async () => {
  const browser = await launchChromium(MEDIA_ARGS);
  const weak = await launchImpairedChromium(MEDIA_ARGS);
  try {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const people = await groupOfThree(server, browser, weak);
      installLossRules({ probability: 0.1 });
      await sleep(8000);
      const lossy0 = await readAll(people);
      await sleep(15000);
      const lossy1 = await readAll(people);
      report('10% loss', lossy0, lossy1);
      const loss = lossCounters();
      console.log(`adapt loss counters: ${JSON.stringify(loss)}`);
      assert.ok(loss.droppedIn > 100 && loss.droppedOut > 100, `drops both ways: ${JSON.stringify(loss)}`);
      // what Sam hears and what the others hear of Sam: under 5 % made up (RED carries each
      // frame twice, the SFU's NACK answers and RTX repair the video), video decoding on
      for (const [who, from] of [['sam', ADA], ['sam', ALEX], ['ada', SAM], ['alex', SAM]]) {
        const w = window(lossy0, lossy1, who, from);
        assert.ok(w.samples > 100000, `${who} plays audio of ${from}: ${JSON.stringify(w)}`);
        assert.ok(w.concealed < 0.05, `${who} conceals ${(100 * w.concealed).toFixed(2)} % of ${from}`);
        assert.ok(w.frames > 50, `${who} decodes ${from}'s video: ${JSON.stringify(w)}`);
      }
      for (const p of Object.values(people)) await p.context.close();
    });
  } finally {
    await weak.close();
    await browser.close();
  }
});

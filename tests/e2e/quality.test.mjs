// Connection quality in words: inside a network namespace this test makes itself, 12 % of one
// client's UDP packets are dropped at random, both ways (lib/impair.mjs). Within seconds the
// therapist's list of people says that client's connection is "fair" or "poor" while the
// therapist's own (clean, though it receives the client's gappy stream) stays "good"; the
// client sees their own level, and no one else's.
//
//   cd tests/e2e && node --test quality.test.mjs     (root: it makes a namespace)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { inNetns, installLossRules, launchImpairedChromium, lossCounters } from './lib/impair.mjs';
import { MEDIA_ARGS, admittedOneToOne, metrics, until } from './lib/meeting.mjs';

await inNetns(import.meta.url, { timeoutMs: 4 * 60 * 1000 });

const THERAPIST = 'Dr Ada Byron';
const CLIENT = 'Sam Rivera';
const WITHIN_MS = 15000;

// What each row of the page's list of people says about the connection ('' for nothing),
// with whether one's own "weak connection" hint shows.
async function connections(page) {
  return page.evaluate(() => {
    const out = {};
    for (const li of document.querySelectorAll('#people-list li.person')) {
      const name = li.querySelector('.person-name')?.textContent ?? '';
      const c = li.querySelector('.connection');
      const hint = li.querySelector('.connection-hint');
      out[name] = {
        text: c && !c.hidden ? c.textContent : '',
        hint: hint && !hint.hidden ? hint.textContent : '',
      };
    }
    return out;
  });
}


const WEAK = /^Connection: (fair|poor)$/;

test('12 % loss on one client: the therapist reads "fair" or "poor" on that client, "good" on their own', async () => {
  installLossRules({ probability: 0.12 });
  const browser = await launchChromium(MEDIA_ARGS);
  const impaired = await launchImpairedChromium(MEDIA_ARGS);
  try {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const { ada, client } = await admittedOneToOne(server, browser, impaired, THERAPIST, CLIENT);

      // the therapist: the client's link in words, and their own clean one
      const adaSees = await until('the therapist sees the client\'s weak connection and their own good one',
        () => connections(ada.page),
        (c) => WEAK.test(c[CLIENT]?.text ?? '') && c[THERAPIST]?.text === 'Connection: good',
        WITHIN_MS);
      assert.equal(adaSees[THERAPIST].hint, '', 'no hint on a good connection');
      assert.equal(adaSees[CLIENT].hint, '', 'the hint is for one\'s own row only');
      // the same words reach assistive technology: they are the row's text, not a colour
      const row = ada.page.locator('#people-list li.person', { hasText: CLIENT });
      assert.match(await row.getByText(WEAK).textContent(), WEAK);
      // and the client's video tile says it too
      const tile = ada.page.locator('#video-tiles li', { hasText: CLIENT });
      assert.match(await tile.locator('.video-quality').textContent(), WEAK);

      // the client: their own level, nobody else's
      const clientSees = await until('the client sees their own weak connection',
        () => connections(client.page),
        (c) => WEAK.test(c[CLIENT]?.text ?? ''),
        WITHIN_MS);
      assert.equal(clientSees[THERAPIST].text, '', 'a client is not told the therapist\'s level');
      const theirTile = client.page.locator('#video-tiles li', { hasText: THERAPIST });
      assert.equal(await theirTile.locator('.video-quality').textContent(), '');
      if (clientSees[CLIENT].text === 'Connection: poor') {
        assert.equal(clientSees[CLIENT].hint,
          'Your connection is weak; video may pause to keep audio clear.');
      }
      // and it holds: no flicker back to "good" while the loss goes on, nor to "fair" for
      // the therapist, whose stream to the client is lost on the client's link, not theirs
      await ada.page.evaluate(() => {
        window.testQuality = [];
        for (const ws of window.testSockets) {
          ws.addEventListener('message', (e) => {
            const m = JSON.parse(e.data);
            if (m.type === 'quality') window.testQuality.push(m);
          });
        }
      });
      await new Promise((r) => setTimeout(r, 6000));
      const later = await connections(ada.page);
      later.messages = await ada.page.evaluate(() => window.testQuality);
      assert.match(later[CLIENT].text, WEAK, JSON.stringify(later));
      assert.equal(later[THERAPIST].text, 'Connection: good', JSON.stringify(later));
      const loss = lossCounters();
      // the levels came within seconds, so only a few dozen packets were dropped by then
      assert.ok(loss.droppedIn > 0 && loss.droppedOut > 0, `drops both ways: ${JSON.stringify(loss)}`);
      const m = await metrics(server);
      assert.ok(m.confide_media_quality_reports_total >= 4, JSON.stringify(m));
      console.log(`quality: ${JSON.stringify({ therapistSees: adaSees, clientSees, drops: loss })}`);
      assert.deepEqual(ada.errors, []);
      assert.deepEqual(client.errors, []);
      await ada.context.close();
      await client.context.close();
    });
  } finally {
    await impaired.close().catch(() => {});
    await browser.close().catch(() => {});
  }
});

// Redundant audio on a lossy link: inside a network namespace this test makes itself, 12 %
// of one client's UDP packets are dropped at random, both ways (lib/impair.mjs). That client
// sends RED (RFC 2198); in a group, the therapist's page takes RED and another client's page
// refuses it (it gets the primary Opus alone, unwrapped by the server). Both hear the same
// lossy stream at the same time; the one with RED conceals much less of it, because each
// packet also carries the frame before.
//
//   cd tests/e2e && node --test audio-loss.test.mjs     (root: it makes a namespace)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { between, refusingRed, voices } from './lib/audio.mjs';
import { launchChromium, withServer } from './lib/browser.mjs';
import { inNetns, installLossRules, launchImpairedChromium, lossCounters } from './lib/impair.mjs';
import {
  MEDIA_ARGS, addClient, api, joinAsHost, knock, localUrl, makeSession, metrics, person,
  waitForMedia,
} from './lib/meeting.mjs';

await inNetns(import.meta.url, { timeoutMs: 4 * 60 * 1000 });

const THERAPIST = 'Dr Ada Byron';
const LOSSY = 'Sam Rivera';
const OTHER = 'Alex Moreno';
const RUN_MS = 15000;

test('12 % loss on one client: the page that takes RED conceals far less of that client than the one that refuses it', async () => {
  installLossRules({ probability: 0.12 });
  const browser = await launchChromium(MEDIA_ARGS);
  const impaired = await launchImpairedChromium(MEDIA_ARGS);
  const people = [];
  try {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, LOSSY, 1);
      const alex = await addClient(call, OTHER, 2);
      const session = await makeSession(call, [sam, alex], 'Thursday group');
      const password = session.occurrences[0].password;
      const ada = await person(browser, THERAPIST);
      people.push(ada);
      await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
      const lossy = await person(impaired, LOSSY);
      const other = await person(refusingRed(browser), OTHER);
      people.push(lossy, other);
      for (const [p, c] of [[lossy, sam], [other, alex]]) {
        const invite = session.invites.find((v) => v.client_id === c.id);
        await knock(p, localUrl(server, invite.url), password, { group: true });
      }
      await ada.page.getByRole('button', { name: 'Admit all' }).click();
      await waitForMedia(ada, [LOSSY, OTHER], { timeoutMs: 45000, frames: 1 });
      await waitForMedia(other, [LOSSY, THERAPIST], { timeoutMs: 45000, frames: 1 });

      const key = `Video of ${LOSSY}`;
      const before = [await voices(ada.page), await voices(other.page)];
      await new Promise((r) => setTimeout(r, RUN_MS));
      const after = [await voices(ada.page), await voices(other.page)];
      const red = between(before[0][key], after[0][key]);
      const plain = between(before[1][key], after[1][key]);
      const loss = lossCounters();
      const m = await metrics(server);
      const ratio = (x) => x.concealed / x.samples;
      const seen = JSON.stringify({ red, plain, loss, redForwarded: m.confide_media_red_forwarded_total,
        redUnwrapped: m.confide_media_red_unwrapped_total });
      console.log(`audio-loss: RED ${(ratio(red) * 100).toFixed(2)} % concealed, Opus alone ` +
        `${(ratio(plain) * 100).toFixed(2)} % concealed: ${seen}`);
      assert.ok(loss.droppedOut > 50, `the client's packets were dropped: ${seen}`);
      assert.ok(m.confide_media_red_forwarded_total > 0 && m.confide_media_red_unwrapped_total > 0, seen);
      assert.ok(red.samples > 48000 * 10 && plain.samples > 48000 * 10, `both played: ${seen}`);
      // the loss shows where there is no redundancy, and RED covers most of it: a frame is
      // gone only when two packets in a row are (about 1.4 % at 12 %). A busy machine adds
      // concealment to both pages alike, so the difference is what is compared: RED saves at
      // least a quarter of the 12 % (runs showed 6.5 to 9 points)
      assert.ok(ratio(plain) > 0.03, `the page without RED conceals what was lost: ${seen}`);
      assert.ok(ratio(plain) - ratio(red) > 0.03, `RED conceals at least 3 points less: ${seen}`);
    });
  } finally {
    for (const p of people) await p.context.close().catch(() => {});
    await browser.close();
    await impaired.close();
  }
});

// A client on a bad network: inside a network namespace this test makes itself, 5 % of the
// client's UDP packets are dropped at random, both ways (iptables `statistic`, see
// lib/impair.mjs). The client's video of the therapist keeps decoding, because confide answers
// the client's NACKs from its retransmission cache; the therapist keeps seeing the client,
// because confide asks the client again for what it lost on the way in. Both show in /metrics.
//
//   cd tests/e2e && node --test impair.test.mjs     (root: it makes a namespace)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { inNetns, installLossRules, launchImpairedChromium, lossCounters } from './lib/impair.mjs';
import {
  MEDIA_ARGS, admittedOneToOne, assertRising, metrics, received,
} from './lib/meeting.mjs';

await inNetns(import.meta.url, { timeoutMs: 4 * 60 * 1000 });

const THERAPIST = 'Dr Ada Byron';
const CLIENT = 'Sam Rivera';
const RUN_MS = 12000;

test('5 % loss on one client: video keeps decoding both ways, with NACK recoveries', async () => {
  installLossRules({ probability: 0.05 });
  const browser = await launchChromium(MEDIA_ARGS);
  const impaired = await launchImpairedChromium(MEDIA_ARGS);
  try {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const { ada, client } = await admittedOneToOne(server, browser, impaired, THERAPIST, CLIENT);

      await new Promise((r) => setTimeout(r, RUN_MS));
      const clientSees = await assertRising(client, [THERAPIST], 3000);
      const adaSees = await assertRising(ada, [CLIENT], 3000);
      const loss = lossCounters();
      const m = await metrics(server);
      const seen = { clientSees, adaSees, loss, media: m };
      assert.ok(loss.droppedIn > 20 && loss.droppedOut > 20, `drops both ways: ${JSON.stringify(loss)}`);
      // towards the client: it NACKs, the SFU answers from its cache
      assert.ok(clientSees[`Video of ${THERAPIST}`].nackCount > 0, JSON.stringify(seen));
      assert.ok(m.confide_media_nack_received_total > 0, JSON.stringify(seen));
      assert.ok(m.confide_media_nack_recovered_total > 0, JSON.stringify(seen));
      // from the client: the SFU asks for what it lost and the client resends it
      assert.ok(m.confide_media_nack_sent_total > 0 && m.confide_media_nack_repaired_total > 0, JSON.stringify(seen));
      assert.ok(m.confide_media_rtx_in_total > 0, JSON.stringify(seen));
      console.log(`impair: ${JSON.stringify({
        drops: loss,
        clientFramesDecoded: clientSees[`Video of ${THERAPIST}`].framesDecoded,
        clientNacks: clientSees[`Video of ${THERAPIST}`].nackCount,
        therapistFramesDecoded: adaSees[`Video of ${CLIENT}`].framesDecoded,
        nackReceived: m.confide_media_nack_received_total,
        nackRecovered: m.confide_media_nack_recovered_total,
        nackMissed: m.confide_media_nack_missed_total,
        nackSent: m.confide_media_nack_sent_total,
        nackRepaired: m.confide_media_nack_repaired_total,
        rtxIn: m.confide_media_rtx_in_total,
      })}`);
      await received(ada.page);
      await ada.context.close();
      await client.context.close();
    });
  } finally {
    await impaired.close().catch(() => {});
    await browser.close().catch(() => {});
  }
});

// Interop with a second, independent WebRTC stack: GStreamer's webrtcbin (tests/tools/
// gst_publish.py) publishes a VP8 test pattern and an Opus tone THROUGH confide's SFU, as
// the client of a one-to-one session joined over /ws from node; Debian's Chromium, joined
// as the therapist, decodes the video and receives the audio.
//
//   cd tests/e2e && node --test interop.test.mjs
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { startGstPublisher } from './lib/gst.mjs';
import {
  MEDIA_ARGS, addClient, api, assertRising, joinAsHost, localUrl, makeSession, metrics, person,
  waitForMedia,
} from './lib/meeting.mjs';
import { connect } from './lib/ws.mjs';

const THERAPIST = 'Dr Ada Byron';
const CLIENT = 'Gus Streamer';
let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await browser?.close();
});

// The codecs of what the page receives, from getStats (inbound-rtp → codec).
function receivedCodecs(page) {
  return page.evaluate(async () => {
    const out = { video: [], audio: [] };
    for (const pc of window.testPcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type !== 'inbound-rtp' || !(s.packetsReceived > 0)) return;
        const mime = stats.get(s.codecId)?.mimeType;
        if (mime && (s.kind === 'video' || s.kind === 'audio')) out[s.kind].push(mime);
      });
    }
    return out;
  });
}

test('webrtcbin publishes through the SFU and Chromium decodes it', { timeout: 120000 }, async () => {
  await withServer({ args: ['--media-workers', '1'] }, async (server) => {
    const call = await api(server);
    const gus = await addClient(call, CLIENT, 1);
    const session = await makeSession(call, [gus], 'Interop session');
    const password = session.occurrences[0].password;
    const token = new URL(session.invites[0].url).pathname.split('/').pop();
    let ada;
    let ws;
    let gst;
    try {
      ada = await person(browser, THERAPIST);
      await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);

      // the client joins over /ws and waits; the therapist's page admits them
      ws = await connect(server);
      ws.json({ type: 'join', token, password, name: CLIENT });
      const joined = await ws.next('joined');
      assert.equal(joined.role, 'client');
      await ws.next('waiting');
      await ada.page.getByRole('button', { name: `Admit ${CLIENT}` }).click();
      const admitted = await ws.next('admitted', 10000);
      assert.equal(admitted.you.name, CLIENT);

      // webrtcbin offers, confide answers, webrtcbin connects to confide's 127.0.0.1 socket
      gst = await startGstPublisher({ seconds: 90, hostAddresses: ['127.0.0.1'] });
      const offer = await gst.offer;
      assert.match(offer, /a=rtpmap:96 VP8\/90000/);
      assert.match(offer, /a=rtpmap:111 OPUS\/48000\/2/);
      ws.json({ type: 'publish', sdp: offer });
      // (other messages, such as the subscribe_offer with the therapist's tracks, are ignored)
      const reply = await ws.until(undefined, (msg) => msg.type === 'publish_answer' || msg.type === 'error', 10000);
      assert.equal(reply.type, 'publish_answer', `confide refused webrtcbin's offer: ${JSON.stringify(reply)}`);
      assert.match(reply.sdp, /a=ice-lite/);
      assert.match(reply.sdp, /a=setup:passive/);
      assert.match(reply.sdp, /a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/i);
      gst.answer(reply.sdp);
      await gst.waitForState('ice', 'connected', 15000);
      await gst.waitForState('connection', 'connected', 15000);

      // the therapist sees and hears the webrtcbin client
      const seen = await waitForMedia(ada, [CLIENT], { timeoutMs: 30000 });
      const rising = await assertRising(ada, [CLIENT]);
      const codecs = await receivedCodecs(ada.page);
      assert.ok(codecs.video.some((c) => /^video\/VP8$/i.test(c)), JSON.stringify(codecs));
      assert.ok(codecs.audio.some((c) => /^audio\/opus$/i.test(c)), JSON.stringify(codecs));
      assert.ok(rising[`Video of ${CLIENT}`].audioEnergy > 0, 'the Opus tone decodes to silence');
      // Gus never answers a subscribe_offer, so all that is forwarded is webrtcbin's media.
      const m = await metrics(server);
      assert.ok(m.confide_media_forwarded_total > 0, JSON.stringify(m));
      assert.equal(m.confide_media_subscribe_answers_total, 1, 'only the therapist subscribes');
      assert.equal(m.confide_media_publish_answered_total, 2, 'the therapist and the client published');
      assert.equal(m.confide_media_publish_refused_total, 0);
      // SRTP, payload types and RTP from both publishers are as confide expects
      assert.equal(m.confide_media_drop_protect_total, 0, 'SRTP from webrtcbin did not unprotect');
      assert.equal(m.confide_media_drop_unknown_pt_total, 0);
      assert.equal(m.confide_media_drop_rtp_malformed_total, 0);
      assert.ok(m.confide_media_keyframes_total >= 1, 'no keyframe went through');
      assert.ok(m.confide_media_rr_sent_total >= 1, 'no receiver report went to the publishers');
      const pick = (o, keys) => Object.fromEntries(keys.map((k) => [k, o[k]]));
      console.log('interop', JSON.stringify({
        first: pick(seen[`Video of ${CLIENT}`], ['width', 'framesDecoded', 'audioPackets']),
        later: pick(rising[`Video of ${CLIENT}`], ['width', 'framesDecoded', 'videoPackets', 'nackCount',
          'audioPackets', 'audioEnergy']),
        codecs,
        metrics: Object.fromEntries(Object.entries(m).filter(([k, v]) => v && k !== 'confide_media_workers')
          .map(([k, v]) => [k.replace('confide_media_', ''), v])),
      }));
      assert.deepEqual(gst.errors, []);
      assert.deepEqual(ada.errors, []);

      const exit = await gst.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, gst.stderr);
      ws.json({ type: 'leave' });
    } catch (err) {
      err.message += `\n--- confide stderr (tail):\n${server.stderr.slice(-3000)}` +
        (gst ? `\n--- gst_publish: states ${JSON.stringify(gst.states)}, errors ${JSON.stringify(gst.errors)}, ` +
          `stderr (tail):\n${gst.stderr.slice(-3000)}` : '');
      throw err;
    } finally {
      await gst?.stop(); // SIGTERM, SIGKILL after 3 s
      ws?.close();
      if (ws) await Promise.race([ws.closed, new Promise((r) => setTimeout(r, 3000))]);
      await ada?.context.close().catch(() => {});
    }
  });
});

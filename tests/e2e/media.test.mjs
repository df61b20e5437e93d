// Audio and video through confide's own SFU, in Debian's Chromium with a fake camera and
// microphone: a one-to-one session and a group of four, each page showing every other
// person's video (frames decoded, a picture with a width) and receiving their audio; the
// waiting room gets no media; someone leaves and comes back and their video resumes; the
// host's mute stops that person's audio at everyone.
//
//   cd tests/e2e && node --test media.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { connect } from './lib/ws.mjs';
import {
  MEDIA_ARGS, addClient, api, assertRising, joinAsHost, knock, localUrl, makeSession, metrics,
  person, received, waitForMedia,
} from './lib/meeting.mjs';

const THERAPIST = 'Dr Ada Byron';
let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await browser?.close();
});

// An offer that is well formed but sends only PCMU, which confide does not take.
function pcmuOffer() {
  const fp = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
  return ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 0', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=sendonly', 'a=rtcp-mux',
    'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', `a=fingerprint:sha-256 ${fp}`,
    'a=setup:actpass', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
}

async function closeAll(people) {
  for (const p of people) await p.context.close().catch(() => {});
}

describe('media through the SFU', () => {
  test('offers that cannot be used get clear errors on the socket; the meeting goes on', async () => {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, 'Sam Rivera', 1);
      const session = await makeSession(call, [sam], 'Weekly session');
      const host = await connect(server, { cookie: call.cookie });
      host.json({ type: 'join', session_id: session.id });
      await host.next('admitted');
      const client = await connect(server);
      client.json({ type: 'join', token: new URL(session.invites[0].url).pathname.split('/')[2],
        password: session.occurrences[0].password });
      await client.next('waiting');
      client.json({ type: 'publish', sdp: pcmuOffer() });
      assert.equal((await client.next('error')).code, 'waiting', 'no media from the waiting room');

      host.json({ type: 'publish' });
      assert.equal((await host.next('error')).code, 'invalid_field');
      host.json({ type: 'publish', sdp: 'this is not SDP' });
      let err = await host.next('error');
      assert.equal(err.code, 'sdp_malformed');
      assert.ok(err.message.length > 10, err.message);
      host.json({ type: 'publish', sdp: pcmuOffer() });
      err = await host.next('error');
      assert.equal(err.code, 'sdp_no_common_codec');
      assert.match(err.message, /codec/);
      host.json({ type: 'subscribe_answer', sdp: 'v=0', version: 7 });
      assert.equal((await host.next('error')).code, 'stale_answer');
      host.json({ type: 'ping' });
      await host.next('pong');
      const m = await metrics(server);
      assert.equal(m.confide_media_publish_refused_total, 2);
      assert.equal(m.confide_media_publish_answered_total, 0);
      host.close();
      client.close();
    });
  });

  test('one-to-one: both see and hear each other; the waiting room gets nothing', async () => {
    await withServer({ args: ['--media-workers', '2'] }, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, 'Sam Rivera', 1);
      const session = await makeSession(call, [sam], 'Weekly session');
      const password = session.occurrences[0].password;
      const people = [];
      try {
        const ada = await person(browser, THERAPIST);
        const client = await person(browser, 'Sam Rivera');
        people.push(ada, client);
        await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
        await knock(client, localUrl(server, session.invites[0].url), password);

        // waiting: no transports, nothing sent or received
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(await client.page.evaluate(() => window.testPcs.length), 0);
        assert.equal((await metrics(server)).confide_media_publish_answered_total, 1,
          'only the therapist publishes while the client waits');

        await ada.page.getByRole('button', { name: 'Admit Sam Rivera' }).click();
        await waitForMedia(ada, ['Sam Rivera']);
        await waitForMedia(client, [THERAPIST]);
        await assertRising(ada, ['Sam Rivera']);
        await assertRising(client, [THERAPIST]);
        // the client's connection drops (a train tunnel): the page comes straight back in and
        // both see and hear each other again
        await client.page.evaluate(() => window.testSockets.at(-1).close());
        await client.page.getByText('Reconnecting…').waitFor();
        await client.page.getByText('Reconnecting…').waitFor({ state: 'hidden' });
        await waitForMedia(client, [THERAPIST]);
        await waitForMedia(ada, ['Sam Rivera']);
        await assertRising(ada, ['Sam Rivera']);
        await assertRising(client, [THERAPIST]);

        // the receiving connection fails (a network change): the page asks for a fresh one,
        // the server drops the old transport and offers a new one, and video goes on
        const before = (await metrics(server)).confide_media_subscribe_resets_total ?? 0;
        await client.page.evaluate(() => window.testSockets.at(-1)
          .send(JSON.stringify({ type: 'subscribe_restart' })));
        await waitForMedia(client, [THERAPIST]);
        await assertRising(client, [THERAPIST]);
        assert.equal((await metrics(server)).confide_media_subscribe_resets_total, before + 1);

        // the self-view can be minimised
        await client.page.getByRole('button', { name: 'Hide self-view' }).click();
        await client.page.getByRole('button', { name: 'Show self-view' }).waitFor();
        assert.equal(await client.page.getByLabel('Your own video').isVisible(), false);

        const m = await metrics(server);
        assert.ok(m.confide_media_forwarded_total > 100, JSON.stringify(m));
        assert.ok(m.confide_media_pli_sent_total >= 1, 'keyframes were asked for');
        assert.ok(m.confide_media_sr_sent_total >= 1, 'sender reports went out');
        assert.ok(m.confide_media_twcc_sent_total >= 10, 'publishers got congestion feedback');
        // and the other way: the browsers' feedback on what the SFU sends them (numbered per
        // subscriber) feeds each one's bandwidth estimate
        assert.ok(m.confide_media_twcc_received_total >= 10, 'subscribers sent congestion feedback');
        for (const p of people) assert.deepEqual(p.errors, []);
      } finally {
        await closeAll(people);
      }
    });
  });

  test('ICE restart in place: the network changes, the same transports go on', async () => {
    await withServer({ args: ['--media-workers', '1'] }, async (server) => {
      const call = await api(server);
      const sam = await addClient(call, 'Sam Rivera', 1);
      const session = await makeSession(call, [sam], 'Weekly session');
      const people = [];
      try {
        const ada = await person(browser, THERAPIST);
        const client = await person(browser, 'Sam Rivera');
        people.push(ada, client);
        await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
        await knock(client, localUrl(server, session.invites[0].url), session.occurrences[0].password);
        await ada.page.getByRole('button', { name: 'Admit Sam Rivera' }).click();
        await waitForMedia(ada, ['Sam Rivera']);
        await waitForMedia(client, [THERAPIST]);

        // count what the client's page sends from here on
        await client.page.evaluate(() => {
          const ws = window.testSockets.at(-1);
          const send = ws.send.bind(ws);
          window.testSent = [];
          ws.send = (text) => {
            window.testSent.push(JSON.parse(text));
            send(text);
          };
        });
        const ufrags = () => client.page.evaluate(() => window.testPcs
          .filter((pc) => pc.connectionState !== 'closed')
          .map((pc) => pc.localDescription.sdp.match(/a=ice-ufrag:(\S+)/)[1]));
        const pcsBefore = await client.page.evaluate(() => window.testPcs.length);
        const ufragsBefore = await ufrags();
        const before = await metrics(server);
        assert.equal(before.confide_media_dtls_handshakes_total, 4, 'two transports each');

        // the network changed (the page hears `online`): both connections restart ICE
        await client.page.evaluate(() => window.dispatchEvent(new Event('online')));
        const deadline = Date.now() + 15000;
        let m = before;
        while ((m.confide_media_ice_restarts_total ?? 0) < 2 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          m = await metrics(server);
        }
        assert.equal(m.confide_media_ice_restarts_total, 2, JSON.stringify(m));
        // both connections renegotiated with new credentials, on the same RTCPeerConnections
        await client.page.waitForFunction(() => window.testPcs
          .filter((pc) => pc.connectionState !== 'closed')
          .every((pc) => pc.signalingState === 'stable' && pc.iceConnectionState === 'connected'));
        const ufragsAfter = await ufrags();
        assert.equal(ufragsAfter.length, 2);
        ufragsAfter.forEach((u, i) => assert.notEqual(u, ufragsBefore[i], 'new ICE credentials'));
        assert.equal(await client.page.evaluate(() => window.testPcs.length), pcsBefore);

        // video goes on both ways
        await assertRising(client, [THERAPIST]);
        await assertRising(ada, ['Sam Rivera']);
        const sent = await client.page.evaluate(() => window.testSent);
        assert.deepEqual(sent.filter((x) => x.type === 'publish').map((x) => x.ice_restart), [true],
          'one publish, a restart; no new publish transport');
        assert.deepEqual(sent.filter((x) => x.type === 'subscribe_restart').map((x) => x.ice_restart),
          [true]);
        m = await metrics(server);
        assert.equal(m.confide_media_dtls_handshakes_total, 4, 'no new DTLS handshake');
        // each transport's SRTP or SRTCP came, so none keeps its DTLS connection
        assert.equal(m.confide_media_dtls_confirmed_total, 4, JSON.stringify(m));
        assert.equal(m.confide_media_peers_added_total, before.confide_media_peers_added_total);
        assert.equal(m.confide_media_subscribe_resets_total ?? 0, before.confide_media_subscribe_resets_total ?? 0);
        assert.equal(m.confide_media_transports_lost_total ?? 0, 0);
        for (const p of people) assert.deepEqual(p.errors, []);
      } finally {
        await closeAll(people);
      }
    });
  });

  test('a group of four: everyone sees everyone; leave and rejoin; the host mutes someone', async () => {
    await withServer({ args: ['--media-workers', '2'] }, async (server) => {
      const call = await api(server);
      const names = ['Sam Rivera', 'Alex Moreno', 'Jo Okafor'];
      const clients = [];
      for (const [i, n] of names.entries()) clients.push(await addClient(call, n, i + 1));
      const session = await makeSession(call, clients, 'Thursday group');
      const password = session.occurrences[0].password;
      const people = [];
      try {
        const ada = await person(browser, THERAPIST);
        people.push(ada);
        await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
        const members = [];
        for (const [i, c] of clients.entries()) {
          const p = await person(browser, names[i]);
          people.push(p);
          members.push(p);
          const invite = session.invites.find((v) => v.client_id === c.id);
          await knock(p, localUrl(server, invite.url), password, { group: true });
        }
        await ada.page.getByRole('button', { name: 'Admit all' }).click();

        const everyone = [ada, ...members];
        const all = [THERAPIST, ...names];
        for (const p of everyone) await waitForMedia(p, all.filter((n) => n !== p.name));
        for (const p of everyone) await assertRising(p, all.filter((n) => n !== p.name), 1500);

        // Jo leaves and comes back: the others see Jo's video again, Jo sees them
        const jo = members[2];
        await jo.page.getByRole('button', { name: 'Leave' }).click();
        await jo.page.getByRole('button', { name: 'Join again' }).click();
        await jo.page.getByRole('heading', { name: /^People/ }).waitFor();
        for (const p of [ada, members[0]]) await waitForMedia(p, ['Jo Okafor']);
        await waitForMedia(jo, [THERAPIST, 'Sam Rivera', 'Alex Moreno']);
        await assertRising(ada, ['Jo Okafor']);

        // the host mutes Sam: Sam's audio stops arriving at everyone, video goes on
        const row = ada.page.getByRole('listitem').filter({ hasText: 'Sam Rivera' });
        await row.getByRole('button', { name: /^Mute/ }).click();
        await new Promise((r) => setTimeout(r, 1500)); // in flight before the mute
        const listeners = [ada, members[1], jo];
        const mutedAt = await Promise.all(listeners.map((p) => received(p.page)));
        await new Promise((r) => setTimeout(r, 2500));
        const later = await Promise.all(listeners.map((p) => received(p.page)));
        listeners.forEach((p, i) => {
          const a = mutedAt[i]['Video of Sam Rivera'];
          const b = later[i]['Video of Sam Rivera'];
          assert.equal(b.audioPackets, a.audioPackets, `${p.name} still hears Sam after the mute`);
          assert.ok(b.framesDecoded > a.framesDecoded, `${p.name} lost Sam's video with the mute`);
        });
        // the host stops Alex's video: everyone sees "Camera off" on Alex's tile, Alex's frames
        // stop arriving (the SFU holds them back) and Alex is still heard
        const alexRow = ada.page.getByRole('listitem').filter({ hasText: 'Alex Moreno' });
        await alexRow.getByRole('button', { name: /^Stop video/ }).click();
        const watchers = [members[0], jo];
        for (const p of watchers) {
          await p.page.locator('#video-tiles li', { hasText: 'Alex Moreno' }).getByText('Camera off').waitFor();
        }
        await new Promise((r) => setTimeout(r, 1000));
        const stoppedAt = await Promise.all(watchers.map((p) => received(p.page)));
        await new Promise((r) => setTimeout(r, 2000));
        const afterStop = await Promise.all(watchers.map((p) => received(p.page)));
        watchers.forEach((p, i) => {
          const a = stoppedAt[i]['Video of Alex Moreno'];
          const b = afterStop[i]['Video of Alex Moreno'];
          assert.equal(b.videoPackets, a.videoPackets, `${p.name} still gets Alex's video`);
          assert.ok(b.audioPackets > a.audioPackets, `${p.name} no longer hears Alex`);
        });
        // and Sam's tile says Sam is muted
        await jo.page.locator('#video-tiles li', { hasText: 'Sam Rivera (muted)' }).waitFor();

        const m = await metrics(server);
        assert.ok(m.confide_media_drop_muted_total > 0, 'the SFU itself held the muted audio back');
        // the fake microphones beep: someone became the active speaker, and pages show it
        assert.ok(m.confide_media_speaker_changes_total >= 1, JSON.stringify(m));
        // (everyone but the speaker sees the speaker's tile outlined: two pages, one of them
        // is not the speaker's)
        await Promise.any([ada, members[1]].map((p) => p.page.locator('#video-tiles li.speaking')
          .first().waitFor()));
        for (const p of people) assert.deepEqual(p.errors, []);
      } finally {
        await closeAll(people);
      }
    });
  });
});

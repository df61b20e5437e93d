// The device check's connection test, through the real SFU: the page (web/check.html) shows
// the camera and the microphone level, plays a test sound, then publishes to a check room
// (`{"type":"check"}`) and receives itself back, and says in words what it found.
//
// Inside a network namespace this test makes itself (lib/impair.mjs): one Chromium as root
// whose media reaches confide over UDP ("You're ready for your session.", with the round
// trip, loss and speed it measured), and one as another uid whose UDP iptables drops, with
// no TURN server configured: it passes over the SFU's ICE-TCP ("direct (TCP)"), and with
// ICE-TCP turned off it is told "Your network blocks video calls", naming the media port. Over
// a plain WebSocket: a second check on one connection, too many at once, and too many from
// one address are refused with check_refused; and a check writes nothing to the database.
//
//   cd tests/e2e && node --test check.test.mjs     (root: it makes a namespace)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { blockUdp, inNetns, launchImpairedChromium } from './lib/impair.mjs';
import { MEDIA_ARGS } from './lib/meeting.mjs';
import { dbQuery, setupAdmin } from './lib/server.mjs';
import { connect } from './lib/ws.mjs';

await inNetns(import.meta.url, { timeoutMs: 4 * 60 * 1000 });

let browser;
let blocked;
let udpDropped;

before(async () => {
  udpDropped = blockUdp();
  browser = await launchChromium(MEDIA_ARGS);
  blocked = await launchImpairedChromium(MEDIA_ARGS);
});

after(async () => {
  await blocked?.close().catch(() => {});
  await browser?.close().catch(() => {});
});

// Every table's row count: what a check must leave as it was.
function rowCounts(server) {
  const tables = dbQuery(server, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .split('\n').filter(Boolean);
  const counts = {};
  for (const t of tables) counts[t] = Number(dbQuery(server, `SELECT count(*) FROM "${t}"`));
  return counts;
}

async function measured(page) {
  const text = async (id) => (await page.locator(`#${id}`).textContent()).trim();
  return { rtt: await text('measure-rtt'), loss: await text('measure-loss'),
    bitrate: await text('measure-bitrate'), route: await text('measure-route') };
}

test('the device check: preview, level, test sound, and a connection test through the SFU', async () => {
  await withServer({ args: ['--media-workers', '1'] }, async (server) => {
    await setupAdmin(server); // a practice with an account and its audit log
    const before = rowCounts(server);
    const { page, context, problems } = await newWatchedPage(browser, server);
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    // what the server says on the page's socket, by type
    await page.addInitScript(() => {
      window.testHeard = [];
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(...args) {
          super(...args);
          this.addEventListener('message', (e) => window.testHeard.push(JSON.parse(e.data)));
        }
      };
    });
    await page.goto(`${server.url}/check`);
    await page.getByText('Browser: ready for video calls.').waitFor();
    await page.getByRole('button', { name: 'Start the check' }).click();
    await page.getByText('Camera: working. You should see yourself above.').waitFor();
    await page.waitForFunction(() => document.querySelector('video[aria-label="Your camera"]').videoWidth > 0);
    await page.getByText('Microphone: working, we can hear you.').waitFor();
    await page.waitForFunction(() => document.getElementById('level').value > 0);

    await page.getByRole('button', { name: 'Play a test sound' }).click();
    await page.getByRole('group', { name: 'Did you hear it?' }).waitFor();
    await page.getByRole('button', { name: 'Yes, I heard it' }).click();
    await page.getByText('Speakers: working.').waitFor();

    await page.getByRole('button', { name: 'Test the connection' }).click();
    // the camera comes back from the server and is decoded
    await page.waitForFunction(() => document.getElementById('loopback').videoWidth > 0, null, { timeout: 20000 });
    const verdict = page.locator('#verdict');
    await verdict.waitFor({ timeout: 40000 });
    const numbers = await measured(page);
    // the server's own view of the test (its 2 s quality windows), both ways
    const heard = await page.evaluate(() => window.testHeard);
    const stats = heard.filter((m) => m.type === 'check_stats');
    console.log(`check_stats: ${JSON.stringify(stats)}`);
    assert.ok(stats.some((m) => m.direction === 'to_server'), JSON.stringify(heard.map((m) => m.type)));
    assert.ok(stats.some((m) => m.direction === 'from_server'));
    console.log(`check: ${JSON.stringify(numbers)}; ${await page.locator('#result-connection').textContent()}`);
    assert.equal(await verdict.textContent(), 'You\u2019re ready for your session.', JSON.stringify(numbers));
    assert.equal(await verdict.getAttribute('role'), 'status', 'read out when it appears');
    const rtt = Number(/^(\d+) ms$/.exec(numbers.rtt)?.[1]);
    const loss = Number(/^([\d.]+) %$/.exec(numbers.loss)?.[1]);
    const kbps = Number(/^(\d+) kbit\/s$/.exec(numbers.bitrate)?.[1]);
    assert.ok(rtt >= 0 && rtt < 100, `round trip on loopback: ${numbers.rtt}`);
    assert.ok(loss >= 0 && loss < 1, `loss on loopback: ${numbers.loss}`);
    // what the fake camera's picture needs, at most what the network carried
    assert.ok(kbps > 100, `bitrate reached: ${numbers.bitrate}`);
    assert.equal(numbers.route, 'direct (UDP)');
    assert.match(await page.locator('#result-connection').textContent(),
      /^Connection: round trip \d+ ms, [\d.]+ % lost, \d+ kbit\/s reached, direct \(UDP\)\.$/);
    assert.deepEqual(requests.filter((u) => new URL(u).host !== new URL(server.url).host), []);
    assert.deepEqual(problems, []);
    await context.close();
    // the check room went with the page's socket; nothing of it was stored
    assert.deepEqual(rowCounts(server), before);
  });
});

test('a network without UDP and no TURN server: the test goes over the SFU\'s ICE-TCP, "direct (TCP)"', async () => {
  await withServer({ args: ['--media-workers', '1'] }, async (server) => {
    const context = await blocked.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${server.url}/check`);
    await page.getByRole('button', { name: 'Test the connection' }).click();
    await page.waitForFunction(() => document.getElementById('loopback').videoWidth > 0, null, { timeout: 20000 });
    const verdict = page.locator('#verdict');
    await verdict.waitFor({ timeout: 40000 });
    const numbers = await measured(page);
    console.log(`check, UDP blocked, ICE-TCP: ${JSON.stringify(numbers)}; ${await verdict.textContent()}`);
    assert.equal(numbers.route, 'direct (TCP)');
    assert.equal(await verdict.textContent(), 'You\u2019re ready for your session.', JSON.stringify(numbers));
    await context.close();
  });
});

test('a network without UDP, no TURN server and ICE-TCP off: "Your network blocks video calls"', async () => {
  await withServer({ args: ['--media-workers', '1', '--media-tcp-connections', '0'] }, async (server) => {
    const droppedBefore = udpDropped();
    const ws = await connect(server);
    ws.json({ type: 'check' });
    const { media } = await ws.next('check_started');
    assert.deepEqual(media.protocols, ['udp']);
    ws.close();
    const context = await blocked.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${server.url}/check`);
    await page.getByRole('button', { name: 'Test the connection' }).click();
    const verdict = page.locator('#verdict');
    await verdict.waitFor({ timeout: 40000 });
    const text = await verdict.textContent();
    console.log(`check, UDP blocked: ${text}`);
    assert.equal(text, `Your network blocks video calls. Try another network (for example your phone\u2019s data), or ask your IT team to allow UDP to ${media.host} port ${media.ports[0]}.`);
    assert.equal(await page.locator('#result-connection').textContent(), 'Connection: no audio or video got through.');
    assert.ok(udpDropped() > droppedBefore, 'the browser did try UDP');
    await context.close();
  });
});

test('check rooms are bounded: once per connection, 8 at once, 10 per address', async () => {
  await withServer({ args: ['--media-workers', '2'] }, async (server) => {
    const first = await connect(server);
    first.json({ type: 'check' });
    const started = await first.next('check_started');
    assert.equal(started.seconds, 60);
    assert.deepEqual(started.media.protocols, ['udp', 'tcp']); // ICE-TCP is on by default
    assert.equal(started.media.host, '127.0.0.1');
    assert.equal(started.media.ports.length, 2);
    assert.equal(started.turn, false);
    first.json({ type: 'check' });
    let refused = await first.next('check_refused');
    assert.equal(refused.reason, 'once');
    assert.ok(refused.message.length > 10);
    // a connection testing itself is not in any meeting, nor may it join one
    first.json({ type: 'join', token: 'x'.repeat(24) });
    assert.equal((await first.next('error')).code, 'checking');
    first.json({ type: 'chat', to: 'everyone', text: 'hello' });
    assert.equal((await first.next('error')).code, 'checking');

    const sockets = [first];
    for (let i = 1; i < 8; i++) {
      const ws = await connect(server);
      ws.json({ type: 'check' });
      await ws.next('check_started');
      sockets.push(ws);
    }
    const ninth = await connect(server);
    ninth.json({ type: 'check' });
    refused = await ninth.next('check_refused');
    assert.equal(refused.reason, 'busy');
    assert.ok(refused.retry_after > 0);
    // closing a socket ends its check room at once
    for (const ws of sockets) {
      ws.close();
      await ws.closed;
    }
    for (let i = 0; i < 2; i++) { // the 9th and 10th from this address
      const ws = await connect(server);
      ws.json({ type: 'check' });
      await ws.next('check_started');
      ws.close();
      await ws.closed;
    }
    const eleventh = await connect(server);
    eleventh.json({ type: 'check' });
    refused = await eleventh.next('check_refused');
    assert.equal(refused.reason, 'throttled');
    assert.ok(refused.retry_after >= 1);
    ninth.close();
    eleventh.close();
  });
});

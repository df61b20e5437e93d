// What the media tests share: a practice with a therapist, clients and sessions made through
// the API, people in their own browser contexts with a fake camera and microphone, and
// reading what each page receives from its RTCPeerConnections' getStats().
import assert from 'node:assert/strict';

import { request, setupAdmin } from './server.mjs';

export const MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required'];

export const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example',
  password: 'a long and quiet passphrase' };

// The therapist's API calls; call.cookie is her sign-in, for her browser and WebSockets.
export async function api(server) {
  const cookie = await setupAdmin(server, ADA);
  const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
  call.cookie = cookie;
  return call;
}

// Gives a browser context the therapist's sign-in cookie (she hosts signed in).
export async function signIn(p, url, cookie) {
  const at = cookie.indexOf('=');
  await p.context.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1),
    url: new URL(url).origin }]);
}

export async function addClient(call, name, n) {
  const res = await call('POST', '/api/v1/clients', { name, email: `client${n}@mail.example`,
    time_zone: 'UTC' });
  assert.equal(res.status, 201, res.text);
  return res.json.client;
}

const inFiveMinutes = () => new Date(Date.now() + 5 * 60000).toISOString();

// A one-to-one session (one client) or a group session (several); returns the session.
export async function makeSession(call, clients, title) {
  const body = { title, starts_at: inFiveMinutes(), time_zone: 'UTC', duration_minutes: 60,
    settings: { waiting_room: true } };
  if (clients.length === 1) {
    body.client_id = clients[0].id;
  } else {
    const group = await call('POST', '/api/v1/groups', { name: `${title} group`,
      agreement: 'We keep what is said here to ourselves.', members: clients.map((c) => c.id) });
    assert.equal(group.status, 201, group.text);
    body.group_id = group.json.group.id;
  }
  const created = await call('POST', '/api/v1/sessions', body);
  assert.equal(created.status, 201, created.text);
  return created.json.session;
}

// Every page keeps its RTCPeerConnections where the test can read their stats, and its
// WebSockets where the test can drop one.
function instrument() {
  const Native = window.RTCPeerConnection;
  window.testPcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.testPcs.push(this);
    }
  };
  const NativeSocket = window.WebSocket;
  window.testSockets = [];
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      window.testSockets.push(this);
    }
  };
}

export async function person(browser, name, options = {}) {
  const context = await browser.newContext(options);
  await context.addInitScript(instrument);
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  // what the page said and what failed to load, for a failure's message
  const notes = [];
  page.on('console', (m) => { if (m.type() !== 'debug') notes.push(`${m.type()}: ${m.text()}`); });
  page.on('requestfailed', (r) => notes.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  return { name, context, page, errors, notes };
}

// Every message the page's sockets receive, kept in window.testReceived where a test can
// read them (what a client's socket must never carry).
function recordSockets() {
  const Base = window.WebSocket;
  window.testReceived = [];
  window.WebSocket = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => window.testReceived.push(String(e.data)));
    }
  };
}

// A person (as person()) whose page records what its sockets receive.
export async function recordingPerson(browser, name, options) {
  const p = await person(browser, name, options);
  await p.context.addInitScript(recordSockets);
  return p;
}

export function localUrl(server, url) {
  return server.url + new URL(url).pathname;
}

// The therapist starts the session from its meeting page, signed in.
export async function joinAsHost(p, url, cookie) {
  await signIn(p, url, cookie);
  await p.page.goto(url);
  // the first page of a test may wait for a cold browser and a sanitizer-built server
  try {
    await p.page.getByRole('button', { name: 'Start session' }).click({ timeout: 45000 });
  } catch (err) {
    const state = await p.page.evaluate(() => ({
      text: document.body.innerText.slice(0, 600),
      sockets: (window.testSockets ?? []).map((w) => w.readyState),
    })).catch((e) => ({ unreadable: e.message }));
    err.message += `\npage: ${JSON.stringify(state)}\nerrors: ${p.errors.join('; ')}\nnotes: ${p.notes.slice(-20).join('; ')}`;
    throw err;
  }
  await p.page.getByRole('heading', { name: /^People/ }).waitFor();
}

export async function knock(p, url, password, { group = false } = {}) {
  await p.page.goto(url);
  await p.page.getByLabel('Meeting password').fill(password);
  await p.page.getByRole('button', { name: 'Join session' }).click();
  if (group) {
    // a group's agreement comes once the password is right: read it, accept, join
    await p.page.getByLabel(/agree/).check();
    await p.page.getByRole('button', { name: 'Join session' }).click();
  }
  await p.page.getByText('Your therapist will let you in shortly.').waitFor();
}

// What a page receives from everyone else, per participant tile: the video element's size and
// the stats of the tracks it plays.
export async function received(page) {
  return page.evaluate(async () => {
    const byTrack = new Map();
    for (const pc of window.testPcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp') byTrack.set(s.trackIdentifier, s);
      });
    }
    const out = {};
    for (const video of document.querySelectorAll('#video-tiles video')) {
      const label = video.getAttribute('aria-label');
      const stream = video.srcObject;
      const v = stream?.getVideoTracks().find((t) => t.readyState === 'live');
      const a = stream?.getAudioTracks().find((t) => t.readyState === 'live');
      const vs = v ? byTrack.get(v.id) : null;
      const as = a ? byTrack.get(a.id) : null;
      out[label] = {
        width: video.videoWidth,
        framesDecoded: vs?.framesDecoded ?? 0,
        videoPackets: vs?.packetsReceived ?? 0,
        nackCount: vs?.nackCount ?? 0,
        frameWidth: vs?.frameWidth ?? 0,
        audioPackets: as?.packetsReceived ?? 0,
        audioEnergy: as?.totalAudioEnergy ?? 0,
        // samples played out, and of those the ones the jitter buffer had to make up
        audioSamples: as?.totalSamplesReceived ?? 0,
        concealedSamples: as?.concealedSamples ?? 0,
      };
    }
    return out;
  });
}

// Waits until the page shows every name in `names` with video decoding and audio arriving;
// returns the last reading.
export async function waitForMedia(p, names, { timeoutMs = 30000, frames = 10 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = {};
  for (;;) {
    last = await received(p.page);
    const ok = names.every((n) => {
      const r = last[`Video of ${n}`];
      return r && r.width > 0 && r.framesDecoded >= frames && r.audioPackets > 0;
    });
    if (ok) return last;
    if (Date.now() > deadline) {
      assert.fail(`${p.name} does not see and hear ${names.join(', ')}: ${JSON.stringify(last)}\n` +
        `page errors: ${p.errors.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

// framesDecoded keeps rising: two readings apart.
export async function assertRising(p, names, waitMs = 2000) {
  const before = await received(p.page);
  await new Promise((r) => setTimeout(r, waitMs));
  const after = await received(p.page);
  for (const n of names) {
    const key = `Video of ${n}`;
    assert.ok(after[key].framesDecoded > before[key].framesDecoded,
      `${p.name}: frames from ${n} stopped at ${after[key].framesDecoded}`);
    assert.ok(after[key].audioPackets > before[key].audioPackets,
      `${p.name}: audio from ${n} stopped at ${after[key].audioPackets}`);
  }
  return after;
}

export async function metrics(server) {
  const res = await request(server, 'GET', '/metrics');
  const out = {};
  for (const line of res.text.split('\n')) {
    const m = line.match(/^(confide_media_\w+) (\d+)$/);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

// A one-to-one session whose therapist (a page in `browser`) has admitted the client (a page
// in `clientBrowser`, e.g. one whose link is impaired), both decoding the other: where the
// tests of weak links start. Returns the two people.
export async function admittedOneToOne(server, browser, clientBrowser, therapistName, clientName) {
  const call = await api(server);
  const client = await addClient(call, clientName, 1);
  const session = await makeSession(call, [client], 'Weekly session');
  const ada = await person(browser, therapistName);
  const other = await person(clientBrowser, clientName);
  await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
  await knock(other, localUrl(server, session.invites[0].url), session.occurrences[0].password);
  await ada.page.getByRole('button', { name: `Admit ${clientName}` }).click();
  await waitForMedia(other, [therapistName], { timeoutMs: 45000 });
  await waitForMedia(ada, [clientName], { timeoutMs: 45000 });
  return { ada, client: other };
}

// Clicks (or taps) one of the meeting's controls, by its name or a locator; on a phone the
// less used ones are behind "More", which this opens first. (The panel closes again once one
// is used.)
export async function control(page, target, { tap = false } = {}) {
  const button = typeof target === 'string'
    ? page.getByRole('button', { name: target, exact: true }) : target;
  const more = page.locator('#more-button');
  if (!(await button.isVisible()) && await more.isVisible()) await (tap ? more.tap() : more.click());
  await (tap ? button.tap() : button.click());
}

// Whether a control's words are `text`, shown or behind "More".
export function controlSays(page, id, text) {
  return page.locator(`#${id}`, { hasText: text }).waitFor({ state: 'attached' });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// read() until ok(value) holds, or fail with `what` and the last value read.
export async function until(what, read, ok, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(last)}`);
    await sleep(250);
  }
}

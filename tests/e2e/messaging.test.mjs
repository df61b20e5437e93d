// Secure messaging against the real binary, a real SMTP sink and a local SMS webhook: a
// practitioner writes, the client gets a mail and a text message that say nothing but the
// practice's name and a one-time link, opens it on a phone, reads and replies in the
// browser; the practitioner sees the reply and when the client read theirs. The link works
// once and for 15 minutes; ending a client's sign-ins, signing out and archiving the client
// each end a device's sign-in; no message text is in the database file or the log.
//
//   cd tests/e2e && node --test messaging.test.mjs
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium, newWatchedPage } from './lib/browser.mjs';
import { parseMail } from './lib/mail.mjs';
import { until } from './lib/meeting.mjs';
import { cookieOf, dbQuery, request, setupAdmin, startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';

const SHOTS = path.resolve('../../build/screenshots/care');
const PRACTICE = 'Harbour Counselling';
const CRISIS = 'In the US call or text 988. In the UK call 116 123.';
const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const SAM = { name: 'Sam Rivera', email: 'sam@mail.example', time_zone: 'Europe/Berlin', phone: '+49 30 1234567' };
const KIM = { name: 'Kim Osei', email: 'kim@mail.example', time_zone: 'Europe/London' }; // no phone
const GROUP = 'Anxiety support circle';
// what a message says: a phrase to look for, and words no notification may carry
const SECRET = 'the blue heron waits by the harbour wall';
const FIRST = `Thank you for today's therapy session. About your anxiety at work: ${SECRET}.`;
const REPLY = 'Thanks, the breathing exercise helped. Pebble lantern quietly.';
const ANNOUNCEMENT = 'No group next Tuesday; we meet again the week after. Marigold compass.';
const AVAILABILITY = 'I reply within two working days.';
const LEAKS = [SECRET, 'therapy', 'anxiety', 'Anxiety', 'Ada', 'Byron', GROUP, 'heron', 'Marigold'];

// A stand-in for the practice's SMS provider: keeps every JSON body POSTed to it. The
// first `busy` requests are answered 503, as a provider having a bad moment would.
function startSmsSink({ busy = 0 } = {}) {
  const bodies = [];
  const refused = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d) => { data += d; });
    req.on('end', () => {
      if (refused.length < busy) {
        refused.push(JSON.parse(data));
        res.writeHead(503);
        res.end();
        return;
      }
      bodies.push({ contentType: req.headers['content-type'], json: JSON.parse(data) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"queued":true}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    bodies, refused, url: `http://127.0.0.1:${server.address().port}/sms`,
    stop: () => new Promise((r) => server.close(r)),
  })));
}

const linkIn = (text) => text.match(/https?:\/\/\S+\/messages#[A-Za-z0-9_-]+/)?.[0];
const tokenOf = (link) => link.split('#')[1];

function assertNoLeak(what, text) {
  for (const word of LEAKS) assert.ok(!text.includes(word), `${what} says "${word}":\n${text}`);
}

describe('secure messaging', () => {
  let server, sink, sms, browser, cookie, api, sam, kim, group;
  const mailsTo = (email) => sink.messages.filter((m) => m.to.includes(email)).map((m) => parseMail(m.data));
  const inbox = (deviceCookie, method = 'GET', p = '/api/v1/inbox', body) =>
    request(server, method, p, { body, headers: deviceCookie ? { cookie: deviceCookie } : {} });
  async function redeem(link) {
    const res = await request(server, 'POST', '/api/v1/inbox/redeem', { body: { token: tokenOf(link) } });
    return { res, device: cookieOf(res) };
  }
  async function newLinkFor(email) {
    const before = mailsTo(email).length;
    const res = await request(server, 'POST', '/api/v1/inbox/new-link', { body: { email } });
    assert.equal(res.status, 202, res.text);
    await sink.waitFor(() => mailsTo(email).length > before, 10000);
    return linkIn(mailsTo(email).at(-1).text);
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sink = await startSmtpSink();
    sms = await startSmsSink({ busy: 1 });
    server = await startServer({ env: {
      CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CONFIDE_SMTP_STARTTLS: 'off',
      CONFIDE_MAIL_RETRY_SECONDS: '1', CONFIDE_MAIL_POLL_SECONDS: '1',
      CONFIDE_PRACTICE_NAME: PRACTICE, CONFIDE_SMS_WEBHOOK_URL: sms.url,
      CONFIDE_CRISIS_RESOURCES: CRISIS,
    } });
    cookie = await setupAdmin(server, ADA);
    api = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
    browser = await launchChromium();
    const made = await api('POST', '/api/v1/clients', SAM);
    assert.equal(made.status, 201, made.text);
    sam = made.json.client;
    kim = (await api('POST', '/api/v1/clients', KIM)).json.client;
    const g = await api('POST', '/api/v1/groups', { name: GROUP, agreement: 'We keep what is said here.', capacity: 8 });
    assert.equal(g.status, 201, g.text);
    group = g.json.group;
    for (const c of [sam, kim]) {
      const added = await api('POST', `/api/v1/groups/${group.id}/members`, { client_id: c.id });
      assert.ok(added.status < 300, added.text);
    }
    assert.equal((await api('PUT', '/api/v1/me/availability', { note: AVAILABILITY })).status, 200);
  });

  after(async () => {
    await browser?.close();
    // the database, its write-ahead log included, holds no message text while it runs …
    const files = ['confide.db', 'confide.db-wal'].map((f) => path.join(server.dataDir, f));
    const phrases = [SECRET, 'Pebble lantern', 'Marigold compass', AVAILABILITY];
    const look = () => {
      for (const file of files.filter(existsSync)) {
        const bytes = readFileSync(file);
        for (const p of phrases) assert.equal(bytes.indexOf(p), -1, `${path.basename(file)} holds "${p}"`);
      }
    };
    if (!server.databaseUrl) look();
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr.slice(-3000));
    if (!server.databaseUrl) look(); // … nor once it has stopped
    // no message text, address, phone number or link token in the log
    const log = server.stdout + server.stderr;
    for (const p of [SECRET, 'Pebble', 'Marigold', SAM.email, SAM.phone, SAM.name, '/messages#']) {
      assert.ok(!log.includes(p), `the log holds "${p}"`);
    }
    server.cleanup();
    await sink.stop();
    await sms.stop();
  });

  test('a message round trip: mail and text say nothing, the client replies on a phone, the practitioner sees the reply and the read receipt', async () => {
    const sent = await api('POST', `/api/v1/clients/${sam.id}/messages`, { body: FIRST });
    assert.equal(sent.status, 201, sent.text);
    assert.equal(sent.json.message.read_at, null);

    // the notification mail: the practice's name and a link, nothing else
    await sink.waitFor(() => mailsTo(SAM.email).length === 1, 10000);
    const mail = mailsTo(SAM.email)[0];
    assert.equal(mail.subject, `You have a new secure message from ${PRACTICE}`);
    assert.match(mail.text, new RegExp(`You have a new secure message from ${PRACTICE}`));
    const link = linkIn(mail.text);
    assert.ok(link, mail.text);
    assertNoLeak('the mail', `${mail.subject}\n${mail.text}\n${JSON.stringify(mail.headers)}`);

    // the text message: JSON {to, text} to the webhook, the same words; the provider's
    // first answer was 503, and the outbox tried again
    await until('the text message', () => sms.bodies.length, (n) => n === 1, 15000);
    assert.equal(sms.refused.length, 1);
    assert.deepEqual(sms.refused[0], sms.bodies[0].json);
    const { contentType, json } = sms.bodies[0];
    assert.match(contentType, /^application\/json/);
    assert.deepEqual(Object.keys(json).sort(), ['text', 'to']);
    assert.equal(json.to, SAM.phone);
    assert.match(json.text, new RegExp(`^You have a new secure message from ${PRACTICE}`));
    const smsLink = linkIn(json.text);
    assert.ok(smsLink && smsLink !== link, 'the text message carries a link of its own');
    assertNoLeak('the text message', json.text);

    // the client opens the mail's link on a phone
    const phone = await newWatchedPage(browser, server, null,
      { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'en-GB' });
    await phone.page.goto(link.replace(/^https?:\/\/[^/]+/, server.url));
    await phone.page.getByText(SECRET, { exact: false }).waitFor();
    assert.ok(!phone.page.url().includes('#'), 'the token left the address');
    await phone.page.getByText(`${ADA.name}: ${AVAILABILITY}`).waitFor();
    await phone.page.getByText(CRISIS).first().waitFor();
    assert.ok(await phone.page.getByText(CRISIS).first().isVisible());
    assert.equal(await phone.page.getByRole('heading', { name: 'Your messages' }).isVisible(), true);
    const cookies = await phone.context.cookies();
    const device = cookies.find((c) => c.name === 'confide_inbox');
    assert.ok(device, JSON.stringify(cookies));
    assert.equal(device.httpOnly, true);
    assert.equal(device.sameSite, 'Strict');
    assert.ok(device.expires * 1000 - Date.now() > 29 * 24 * 3600 * 1000, 'signed in for 30 days');
    assert.ok(!cookies.some((c) => c.name === 'confide_session'), 'not the practitioner\'s cookie');
    assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= 360),
      'nothing runs off the side of a 360 px screen');
    await phone.page.screenshot({ path: path.join(SHOTS, 'messaging-client.png'), fullPage: true });

    // … and replies
    await phone.page.getByLabel('Write a message').fill(REPLY);
    await phone.page.getByRole('button', { name: 'Send message' }).click();
    await phone.page.getByRole('status').filter({ hasText: 'Your message was sent.' }).waitFor();
    await phone.page.locator('.message.mine').filter({ hasText: REPLY }).waitFor();
    await phone.page.screenshot({ path: path.join(SHOTS, 'messaging-client-replied.png'), fullPage: true });

    // the link does not work a second time
    const again = await newWatchedPage(browser, server, null, { viewport: { width: 360, height: 740 } });
    await again.page.goto(link.replace(/^https?:\/\/[^/]+/, server.url));
    await again.page.getByText('This link has been used already or has run out.').waitFor();
    await again.page.getByLabel('Your email address').waitFor();
    assert.equal(await again.page.getByText(SECRET).count(), 0);
    await again.context.close();

    // the practitioner's dashboard: the reply, and when the client read the message
    const dash = await newWatchedPage(browser, server, cookie, { viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    await dash.page.goto(`${server.url}/dashboard`);
    await dash.page.locator('#clients-list [data-unread="1"]').filter({ hasText: '1 new message' }).waitFor();
    await dash.page.locator('#clients-list').getByRole('button', { name: SAM.name }).click();
    const part = dash.page.locator('[data-part="messages"]');
    await part.getByText(REPLY).waitFor();
    await part.getByText(new RegExp(`^${SAM.name} · .* · New$`)).waitFor(); // not read before
    await part.locator('[data-read="yes"]').first().waitFor();
    assert.match(await part.locator('[data-read="yes"]').first().textContent(), /· Read /);
    await part.getByText('Signed in to their messages on 1 device.').waitFor();
    await part.screenshot({ path: path.join(SHOTS, 'messaging-dashboard.png') });
    const thread = await api('GET', `/api/v1/clients/${sam.id}/messages`);
    assert.equal(thread.status, 200);
    const [mine, theirs] = thread.json.messages;
    assert.equal(mine.body, FIRST);
    assert.ok(Date.parse(mine.read_at) >= Date.parse(mine.created_at), 'the read receipt');
    assert.equal(theirs.from, 'client');
    assert.equal(theirs.body, REPLY);
    assert.ok(theirs.read_at, 'the practitioner has read the reply now');

    // a second device signs in with the text message's link; "End their sign-ins" ends both
    const second = await redeem(smsLink);
    assert.equal(second.res.status, 200, second.res.text);
    assert.match(second.res.headers.get('set-cookie'), /HttpOnly; SameSite=Strict; Max-Age=2592000/);
    assert.equal((await inbox(second.device)).json.signed_in, true);
    await dash.page.reload();
    await dash.page.locator('#clients-list').getByRole('button', { name: SAM.name }).click();
    await part.getByText('Signed in to their messages on 2 devices.').waitFor();
    await part.getByRole('button', { name: 'End their sign-ins' }).click();
    await part.getByText(`${SAM.name} is signed out of their messages on every device.`).waitFor();
    assert.equal((await inbox(second.device)).json.signed_in, false);
    assert.equal((await inbox(second.device, 'POST', '/api/v1/inbox/messages', { body: 'hello?' })).status, 401);
    await phone.page.reload();
    await phone.page.getByLabel('Your email address').waitFor();
    assert.equal(await phone.page.getByText(SECRET).count(), 0);
    assert.deepEqual([...phone.problems, ...dash.problems], []);
    await phone.context.close();
    await dash.context.close();
  });

  test('a new link by address, refused after 15 minutes; signing out ends the device', async () => {
    // an unknown address gets the same answer, and no mail
    const before = sink.messages.length;
    const unknown = await request(server, 'POST', '/api/v1/inbox/new-link', { body: { email: 'nobody@mail.example' } });
    const known = await request(server, 'POST', '/api/v1/inbox/new-link', { body: { email: SAM.email } });
    assert.equal(unknown.status, 202);
    assert.equal(known.status, 202);
    assert.deepEqual(unknown.json, known.json);
    await sink.waitFor(() => sink.messages.length > before, 10000);
    assert.equal(sink.messages.slice(before).filter((m) => !m.to.includes(SAM.email)).length, 0);
    const mail = mailsTo(SAM.email).at(-1);
    assert.equal(mail.subject, `Your link to your secure messages from ${PRACTICE}`);
    assertNoLeak('the new link\'s mail', mail.text);

    // 15 minutes pass for this link (its expiry moved back, as the clock would)
    const late = linkIn(mail.text);
    dbQuery(server, `UPDATE inbox_links SET expires_at = expires_at - ${15 * 60 * 1000}`);
    const refused = await redeem(late);
    assert.equal(refused.res.status, 410);
    assert.equal(refused.res.json.error.code, 'link_not_valid');
    assert.equal(refused.device, null);

    // a fresh one works; signing out ends it
    const fresh = await redeem(await newLinkFor(SAM.email));
    assert.equal(fresh.res.status, 200);
    const seen = await inbox(fresh.device);
    assert.equal(seen.json.signed_in, true);
    assert.equal(seen.json.crisis_resources, CRISIS);
    assert.equal(seen.json.availability, AVAILABILITY);
    // one length limit, both ways: 4000 characters
    const long = 'a'.repeat(4001);
    const tooLong = await inbox(fresh.device, 'POST', '/api/v1/inbox/messages', { body: long });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.json.error.field, 'body');
    assert.equal((await api('POST', `/api/v1/clients/${sam.id}/messages`, { body: long })).status, 400);
    assert.equal((await inbox(fresh.device, 'POST', '/api/v1/inbox/messages', { body: long.slice(1) })).status, 201);
    const out = await inbox(fresh.device, 'POST', '/api/v1/inbox/sign-out');
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie'), /^confide_inbox=; .*Max-Age=0/);
    assert.equal((await inbox(fresh.device)).json.signed_in, false);
  });

  test('group announcements: members are told without the group\'s name and read them; archiving a client ends their sign-ins', async () => {
    const sentBefore = mailsTo(SAM.email).length;
    const made = await api('POST', `/api/v1/groups/${group.id}/announcements`, { body: ANNOUNCEMENT });
    assert.equal(made.status, 201, made.text);
    // every member gets the mail; only a member with a phone number gets a text message
    await sink.waitFor(() => mailsTo(SAM.email).length > sentBefore && mailsTo(KIM.email).length === 1, 10000);
    for (const mail of [mailsTo(SAM.email).at(-1), mailsTo(KIM.email)[0]]) {
      assert.equal(mail.subject, `You have a new secure message from ${PRACTICE}`);
      assertNoLeak('the announcement\'s mail', mail.text);
    }
    const mail = mailsTo(SAM.email).at(-1);
    await until('its text message', () => sms.bodies.length, (n) => n === 2, 10000);
    assert.equal(sms.bodies[1].json.to, SAM.phone);
    assertNoLeak('the announcement\'s text message', sms.bodies[1].json.text);

    let list = await api('GET', `/api/v1/groups/${group.id}/announcements`);
    assert.deepEqual(list.json.announcements.map((a) => [a.body, a.reads]), [[ANNOUNCEMENT, 0]]);
    assert.equal(list.json.members, 2);
    const { device } = await redeem(linkIn(mail.text));
    const seen = await inbox(device);
    assert.deepEqual(seen.json.announcements.map((a) => [a.group, a.body]), [[GROUP, ANNOUNCEMENT]]);
    list = await api('GET', `/api/v1/groups/${group.id}/announcements`);
    assert.equal(list.json.announcements[0].reads, 1);
    await new Promise((r) => setTimeout(r, 1500)); // and no text message to the member without a phone
    assert.equal(sms.bodies.length, 2);

    // the practitioner's unread count: the long message the last test sent, until the
    // practitioner opens the thread
    assert.deepEqual((await api('GET', '/api/v1/messages/unread')).json,
      { clients: [{ client_id: sam.id, count: 1 }], total: 1 });
    assert.equal((await api('GET', `/api/v1/clients/${sam.id}/messages`)).status, 200);
    assert.deepEqual((await api('GET', '/api/v1/messages/unread')).json, { clients: [], total: 0 });
    assert.equal((await inbox(device, 'POST', '/api/v1/inbox/messages', { body: 'One more thing.' })).status, 201);
    assert.deepEqual((await api('GET', '/api/v1/messages/unread')).json,
      { clients: [{ client_id: sam.id, count: 1 }], total: 1 });

    // the audit log names each read and change, never their words
    const audit = await api('GET', '/api/v1/audit?limit=200');
    const actions = new Set(audit.json.entries.map((e) => e.action));
    for (const a of ['message.send', 'message.list', 'inbox.sign_in', 'inbox.read', 'inbox.reply',
      'inbox.sign_out', 'inbox.signins_ended', 'announcement.send', 'announcement.list']) {
      assert.ok(actions.has(a), `audited: ${a}`);
    }

    // archiving the client ends the device's sign-in at once
    assert.equal((await api('DELETE', `/api/v1/clients/${sam.id}`)).status, 204);
    assert.equal((await inbox(device)).json.signed_in, false);
    assert.equal((await api('GET', `/api/v1/clients/${sam.id}/messages`)).status, 404);
  });
});

test('over https the device cookie is __Host- and Secure', async () => {
  const sink = await startSmtpSink();
  // a proxy ends TLS: confide itself is reached over plain HTTP here
  const server = await startServer({ env: {
    CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CONFIDE_SMTP_STARTTLS: 'off',
    CONFIDE_MAIL_POLL_SECONDS: '1', CONFIDE_PUBLIC_URL: 'https://care.example.org',
  } });
  try {
    const cookie = await setupAdmin(server, ADA);
    const api = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
    const c = (await api('POST', '/api/v1/clients', KIM)).json.client;
    assert.equal((await api('POST', `/api/v1/clients/${c.id}/messages`, { body: 'Hello.' })).status, 201);
    await sink.waitFor((msgs) => msgs.length === 1, 10000);
    const link = linkIn(parseMail(sink.messages[0].data).text);
    assert.ok(link.startsWith('https://care.example.org/messages#'), link);
    const res = await request(server, 'POST', '/api/v1/inbox/redeem', { body: { token: tokenOf(link) } });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('set-cookie'),
      /^__Host-confide_inbox=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=2592000; Secure$/);
  } finally {
    const { code } = await server.stop();
    server.cleanup();
    await sink.stop();
    assert.equal(code, 0);
  }
});

// Check-ins answered from the secure-messages page, against the real binary and a real SMTP
// sink. The therapist chooses PHQ-9 and a mood check-in for a client whose one-to-one
// session is tomorrow; the client signs in to their messages on a phone with the mailed
// link, sees "Before your session on …", answers PHQ-9 with question 9 above 0 (and is
// told, calmly, where to find help now) and the mood with a word. The therapist's
// dashboard names the client in its risk alerts at once. When the session comes (moved to
// within the hour), its waiting room asks only what was not answered yet — a measure added
// since — and what is answered there is no longer due on the messages page. The mood word
// is in neither the database file nor its write-ahead log.
//
//   cd tests/e2e && node --test inbox-checkins.test.mjs
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, newWatchedPage } from './lib/browser.mjs';
import { parseMail } from './lib/mail.mjs';
import { request, setupAdmin, startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';
import { connect } from './lib/ws.mjs';

const SHOTS = path.resolve('../../build/screenshots/care');
const PRACTICE = 'Harbour Counselling';
const CRISIS = 'In the US call or text 988. In the UK call 116 123.';
const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const SAM = { name: 'Sam Rivera', email: 'sam@mail.example', time_zone: 'Europe/Berlin' };
// typed as the word for the mood: it must never be in the database files as it is
const MOOD_WORD = 'quinceharbour';
const PHQ9 = [1, 1, 2, 0, 1, 0, 1, 0, 1]; // question 9 above 0: a risk
const HOUR = 3600000;

const linkIn = (text) => text.match(/https?:\/\/\S+\/messages#[A-Za-z0-9_-]+/)?.[0];
const token = (url) => url.split('/j/')[1];

let server, sink, browser, cookie;
const api = (method, p, body) => request(server, method, p, { body, headers: { cookie } });

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sink = await startSmtpSink();
  server = await startServer({ env: {
    CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, CONFIDE_SMTP_STARTTLS: 'off',
    CONFIDE_MAIL_RETRY_SECONDS: '1', CONFIDE_MAIL_POLL_SECONDS: '1',
    CONFIDE_PRACTICE_NAME: PRACTICE, CONFIDE_CRISIS_RESOURCES: CRISIS,
  } });
  cookie = await setupAdmin(server, ADA);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (server) {
    const files = ['confide.db', 'confide.db-wal'].map((f) => path.join(server.dataDir, f));
    const look = () => {
      for (const file of files.filter(existsSync)) {
        assert.equal(readFileSync(file).indexOf(MOOD_WORD), -1, `${path.basename(file)} holds the mood word`);
      }
    };
    if (!server.databaseUrl) look();
    const { code } = await server.stop();
    assert.equal(code, 0, server.stderr.slice(-3000));
    if (!server.databaseUrl) look();
    const log = server.stdout + server.stderr;
    for (const p of [MOOD_WORD, SAM.email, SAM.name]) assert.ok(!log.includes(p), `the log holds "${p}"`);
    server.cleanup();
  }
  await sink?.stop();
});

test('check-ins answered from the messages page raise the alert and are not asked again in the waiting room', async () => {
  const made = await api('POST', '/api/v1/clients', SAM);
  assert.equal(made.status, 201, made.text);
  const sam = made.json.client;
  assert.equal((await api('PUT', `/api/v1/clients/${sam.id}/checkins`, { measures: ['phq9', 'mood'] })).status, 200);
  const startsAt = new Date(Date.now() + 24 * HOUR).toISOString();
  const s = await api('POST', '/api/v1/sessions',
    { time_zone: 'UTC', allow_overlap: true, title: 'Sam one-to-one', starts_at: startsAt, client_id: sam.id });
  assert.equal(s.status, 201, s.text);
  const session = s.json.session;
  const occurrence = session.occurrences[0];

  // a link to their messages, by mail
  const asked = await request(server, 'POST', '/api/v1/inbox/new-link', { body: { email: SAM.email } });
  assert.equal(asked.status, 202, asked.text);
  await sink.waitFor(() => sink.messages.some((m) => m.to.includes(SAM.email) && linkIn(parseMail(m.data).text)), 10000);
  const mail = sink.messages.filter((m) => m.to.includes(SAM.email)).map((m) => parseMail(m.data))
    .find((m) => linkIn(m.text));
  const link = linkIn(mail.text).replace(/^https?:\/\/[^/]+/, server.url);

  // the phone: what is asked, and before which session
  const phone = await newWatchedPage(browser, server, null,
    { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'en-GB', timezoneId: 'UTC' });
  await phone.page.goto(link);
  const part = phone.page.locator('#checkins-part');
  await part.waitFor();
  const day = new Intl.DateTimeFormat('en-GB', { weekday: 'long', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })
    .format(new Date(startsAt));
  await part.getByText(`Before your session on ${day}, your therapist asks a few questions.`).waitFor();
  assert.deepEqual(await part.locator('form.checkin-form').evaluateAll((fs) => fs.map((f) => f.dataset.measure)),
    ['phq9', 'mood']);
  await part.getByText('No permission required to reproduce, translate, display or distribute.').waitFor();
  await phone.page.screenshot({ path: path.join(SHOTS, 'messaging-checkins-asked.png') });

  // PHQ-9: a question left out is asked for, then every answer, question 9 above 0
  const phq = part.locator('form.checkin-form[data-measure="phq9"]');
  const items = phq.locator('fieldset.checkin-item');
  assert.equal(await items.count(), 9);
  for (let i = 0; i < 8; i += 1) await items.nth(i).locator(`input[value="${PHQ9[i]}"]`).check();
  await phq.getByRole('button', { name: 'Send answers' }).click();
  await phq.getByText('Please answer every question.').waitFor();
  await items.nth(8).locator(`input[value="${PHQ9[8]}"]`).check();
  await phq.getByRole('button', { name: 'Send answers' }).click();
  const risk = part.locator('.checkin-done.checkin-risk');
  await risk.getByText('Thank you. Your answers were sent to your therapist.').waitFor();
  await risk.getByText('If you are in danger now, call your local emergency number.', { exact: false }).waitFor();
  await risk.getByText(CRISIS).waitFor();

  // the mood, with a word
  const mood = part.locator('form.checkin-form[data-measure="mood"]');
  await mood.locator('input[value="6"]').check();
  await mood.getByLabel('A word for the feeling (optional)').fill(MOOD_WORD);
  await mood.getByRole('button', { name: 'Send answers' }).click();
  await part.locator('.checkin-done:not(.checkin-risk)').getByText('Thank you. Your answers were sent to your therapist.').waitFor();
  assert.equal(await part.locator('form.checkin-form').count(), 0);
  assert.ok(await phone.page.evaluate(() => document.documentElement.scrollWidth <= 360),
    'nothing runs off the side of a 360 px screen');
  await phone.page.screenshot({ path: path.join(SHOTS, 'messaging-checkins.png'), fullPage: true });
  assert.deepEqual(phone.problems, []);

  // the therapist: the alert names the client, on the dashboard's banner too
  const alerts = await api('GET', '/api/v1/alerts');
  assert.equal(alerts.status, 200, alerts.text);
  assert.deepEqual(alerts.json.alerts.map((a) => [a.client_name, a.measure, a.occurrence_id]),
    [[SAM.name, 'phq9', occurrence.id]]);
  const dash = await newWatchedPage(browser, server, cookie, { viewport: { width: 1280, height: 900 } });
  await dash.page.goto(`${server.url}/dashboard`);
  await dash.page.locator('#risk-alerts').getByText(`${SAM.name} answered PHQ-9 question 9`).waitFor();
  await dash.context.close();
  const scores = await api('GET', `/api/v1/clients/${sam.id}/measures`);
  assert.deepEqual(scores.json.measures.map((m) => [m.measure, m.total, m.risk, m.word, m.occurrence_id]),
    [['phq9', 7, true, null, occurrence.id], ['mood', 6, false, MOOD_WORD, occurrence.id]]);

  // answered once: refused a second time, and nothing is due on the page now
  const again = await phone.page.evaluate(async () => (await fetch('/api/v1/inbox/checkins', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ measure: 'mood', answers: [2] }),
  })).status);
  assert.equal(again, 409);
  const inboxNow = () => phone.page.evaluate(async () => (await fetch('/api/v1/inbox')).json());
  assert.equal((await inboxNow()).checkins, null);

  // the therapist adds GAD-7 and moves the session to within the hour: the waiting room asks
  // GAD-7 only — not what was answered on the messages page
  assert.equal((await api('PUT', `/api/v1/clients/${sam.id}/checkins`, { measures: ['phq9', 'gad7', 'mood'] })).status, 200);
  assert.deepEqual((await inboxNow()).checkins.measures, ['gad7']);
  const moved = await api('PATCH', `/api/v1/sessions/${session.id}/occurrences/${occurrence.id}`,
    { starts_at: new Date(Date.now() + 5 * 60000).toISOString(), allow_overlap: true });
  assert.equal(moved.status, 200, moved.text);
  const host = await connect(server, { cookie });
  host.json({ type: 'join', token: token(session.host_url) });
  await host.next('joined');
  const ws = await connect(server);
  const invite = session.invites.find((i) => i.client_id === sam.id);
  ws.json({ type: 'join', token: token(invite.url), password: occurrence.password, name: 'Sam' });
  await ws.next('joined');
  assert.deepEqual((await ws.next('checkin')).measures, ['gad7']);
  ws.json({ type: 'checkin_answer', measure: 'gad7', answers: [1, 1, 0, 1, 0, 0, 1] });
  await ws.next('checkin_saved');
  // … and what the waiting room took is not asked on the messages page any more
  assert.equal((await inboxNow()).checkins, null);
  await phone.page.reload();
  await phone.page.locator('#thread-view').waitFor();
  assert.equal(await phone.page.locator('#checkins-part').isVisible(), false);
  // the client's answers on both ways, for the same occurrence
  const all = await api('GET', `/api/v1/clients/${sam.id}/measures`);
  assert.deepEqual(all.json.measures.map((m) => [m.measure, m.occurrence_id]),
    [['phq9', occurrence.id], ['mood', occurrence.id], ['gad7', occurrence.id]]);
  for (const w of [host, ws]) w.close();
  assert.deepEqual(phone.problems, []);
  await phone.context.close();
});

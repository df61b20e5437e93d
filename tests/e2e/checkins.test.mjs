// Check-ins and the risk alert in real browsers against the real binary. The therapist has
// chosen PHQ-9 and a mood check-in for a group; both members wait for its session. One
// answers PHQ-9 with question 9 above 0 and a mood with a word: the therapist's meeting page
// shows the alert naming her at once, the other member's page shows nothing of it and its
// socket never gets it; the therapist's waiting list says her check-in is done; the dashboard lists the alert until "Seen"; her details chart the
// score with its severity bands (and a table of it); the database file holds the scores but
// not the mood word; and joining again does not ask again. Then a client let in before
// answering finds the questions in the meeting, under Check-in, and answers there: the
// therapist is told at once, and the group's co-facilitator's dashboard lists the alert
// (another practitioner's does not); "Seen" there is seen for the therapist too, whose
// dashboard says who saw it.
//
//   cd tests/e2e && node --test checkins.test.mjs
//
// Screenshots go to build/screenshots/care/checkins-*.png (CHECKINS_SCREENSHOTS=DIR elsewhere).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { BIN, cookieOf, request } from './lib/server.mjs';
import {
  MEDIA_ARGS, addClient, api, joinAsHost, knock, localUrl, makeSession, person, recordingPerson, sleep, until,
} from './lib/meeting.mjs';

const THERAPIST = 'Dr Ada Byron';
const GRACE = 'Grace Lee';
const OMAR = 'Omar Haddad';
// typed as the word for her mood: it must never be in the database file as it is
const MOOD_WORD = 'marmaladequiet';
const SHOTS = process.env.CHECKINS_SCREENSHOTS ?? path.resolve('../../build/screenshots/care');

let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
});

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `checkins-${name}.png`), fullPage: true });

const member = (name, options) => recordingPerson(browser, name, options);

const receivedTypes = (page) => page.evaluate(() => window.testReceived.map((t) => JSON.parse(t).type));

// Answers one questionnaire on the waiting page: answers[i] is the choice for question i.
async function answer(page, measure, answers) {
  const form = page.locator(`form.checkin-form[data-measure="${measure}"]`);
  const items = form.locator('fieldset.checkin-item');
  assert.equal(await items.count(), answers.length);
  for (let i = 0; i < answers.length; i += 1) {
    await items.nth(i).locator(`input[value="${answers[i]}"]`).check();
  }
  return form;
}

test('a risk answer in the waiting room reaches the therapist only, and is charted', async () => {
  await withServer({ args: ['--media-workers', '1'] }, async (server) => {
    const call = await api(server);
    const grace = await addClient(call, GRACE, 1);
    const omar = await addClient(call, OMAR, 2);
    const session = await makeSession(call, [grace, omar], 'Tuesday circle');
    assert.ok(session.group_id);
    // the group's choice applies in its sessions; Omar's own (GAD-7) is for one-to-one ones
    let res = await call('PUT', `/api/v1/groups/${session.group_id}/checkins`, { measures: ['phq9', 'mood'] });
    assert.equal(res.status, 200, res.text);
    res = await call('PUT', `/api/v1/clients/${omar.id}/checkins`, { measures: ['gad7'] });
    assert.equal(res.status, 200, res.text);
    res = await call('PUT', `/api/v1/groups/${session.group_id}/checkins`, { measures: ['phq10'] });
    assert.equal(res.status, 400);

    const linkOf = (c) => localUrl(server, session.invites.find((i) => i.client_id === c.id).url);
    const password = session.occurrences[0].password;
    const ada = await person(browser, THERAPIST);
    const g = await member(GRACE);
    const o = await member(OMAR, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    let again = null;
    try {
      await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
      await knock(g, linkOf(grace), password, { group: true });
      await knock(o, linkOf(omar), password, { group: true });

      // both are asked the group's measures while they wait, with the notice
      for (const p of [g, o]) {
        await p.page.getByRole('heading', { name: 'Before your session' }).waitFor();
        await p.page.getByRole('heading', { name: 'PHQ-9' }).waitFor();
        await p.page.getByRole('heading', { name: 'How are you feeling?' }).waitFor();
        assert.equal(await p.page.getByRole('heading', { name: 'GAD-7' }).count(), 0);
        await p.page.getByText('No permission required to reproduce, translate, display or distribute').first().waitFor();
      }
      await shot(g.page, '1-waiting-questions');

      // an unanswered question is caught on the page
      const phq = g.page.locator('form.checkin-form[data-measure="phq9"]');
      await phq.getByRole('button', { name: 'Send answers' }).click();
      await phq.getByText('Please answer every question.').waitFor();
      // total 8 (mild), question 9 answered "More than half the days"
      await answer(g.page, 'phq9', [1, 1, 2, 0, 1, 0, 1, 0, 2]);
      await phq.getByRole('button', { name: 'Send answers' }).click();
      await g.page.getByText(/Your answers were sent to your therapist\. If you are in danger now/).waitFor();

      // the therapist's meeting page: at once, naming her
      const alert = ada.page.locator('#risk-box');
      await alert.getByText(`Risk: ${GRACE}`).waitFor();
      assert.match(await alert.textContent(), /answered PHQ-9 question 9/);
      assert.equal(await alert.getAttribute('class'), 'alert risk-box');
      await shot(ada.page, '2-host-risk-alert');

      // her mood, with a word
      const mood = await answer(g.page, 'mood', [6]);
      await mood.getByLabel('A word for the feeling (optional)').fill(MOOD_WORD);
      await mood.getByRole('button', { name: 'Send answers' }).click();
      await until('the mood is saved', () => receivedTypes(g.page),
        (types) => types.filter((t) => t === 'checkin_saved').length === 2);
      // the therapist's waiting list: her check-in is done (no scores there), Omar's is not
      const graceRow = ada.page.locator('li.waiting-person', { hasText: GRACE });
      await graceRow.getByText('Check-in done').waitFor();
      assert.doesNotMatch(await graceRow.innerText(), /mild|PHQ|mood/i);
      assert.equal(await ada.page.locator('li.waiting-person', { hasText: OMAR }).getByText('Check-in done').isVisible(), false);

      // nowhere else: Omar's page and socket, and Grace's own socket
      const omarText = await o.page.evaluate(() => document.body.innerText);
      assert.ok(!omarText.includes(GRACE), 'Omar\'s page names Grace');
      assert.ok(!/risk|question 9/i.test(omarText), 'Omar\'s page shows a risk');
      const omarTypes = await receivedTypes(o.page);
      assert.ok(omarTypes.includes('checkin'), `Omar's recorded messages: ${omarTypes.join(', ')}`);
      assert.ok(!omarTypes.includes('risk_alert'), 'Omar\'s socket got the risk alert');
      const omarRaw = await o.page.evaluate(() => window.testReceived.join('\n'));
      assert.ok(!omarRaw.includes(GRACE), 'Omar\'s socket got Grace\'s name');
      assert.ok(!(await receivedTypes(g.page)).includes('risk_alert'), 'Grace\'s socket got the alert');
      // at 360 px: nothing wider than the screen
      assert.ok(await o.page.evaluate(() => document.documentElement.scrollWidth <= 360), 'wider than a phone');
      await shot(o.page, '3-other-member-phone');

      // a reload asks again what is still unanswered
      await o.page.reload();
      await o.page.getByRole('heading', { name: 'PHQ-9' }).waitFor();
      await o.page.getByRole('heading', { name: 'How are you feeling?' }).waitFor();
      assert.ok(!(await receivedTypes(o.page)).includes('risk_alert'));

      // joining again (another window) asks nothing she answered
      again = await member(GRACE);
      await knock(again, linkOf(grace), password, { group: true });
      await until('the waiting room is told', () => receivedTypes(again.page), (t) => t.includes('waiting'));
      await sleep(500);
      assert.ok(!(await receivedTypes(again.page)).includes('checkin'), 'asked again');
      assert.equal(await again.page.locator('#checkin').count(), 0);
      assert.equal(await o.page.locator('form.checkin-form').count(), 2);

      // ---- the dashboard: the alert until seen, and her chart ----
      const dash = await newWatchedPage(browser, server, call.cookie);
      await dash.page.goto(`${server.url}/dashboard`);
      const banner = dash.page.locator('#risk-alerts');
      await banner.getByText(`${GRACE} answered PHQ-9 question 9`).waitFor();
      await dash.page.locator(`button[data-client="${grace.id}"]`).click();
      const chart = dash.page.locator('svg.care-chart[data-measure="phq9"]');
      await chart.waitFor();
      assert.deepEqual(await chart.locator('rect.care-band').evaluateAll((rs) => rs.map((r) => r.dataset.band)),
        ['minimal', 'mild', 'moderate', 'moderately severe', 'severe']);
      const dots = chart.locator('circle.care-dot');
      assert.equal(await dots.count(), 1);
      assert.match(await dots.first().locator('title').textContent(), /: 8 \(mild\)$/);
      assert.equal(await dots.first().getAttribute('class'), 'care-dot risk');
      // the dot sits inside the "mild" band (5-9)
      const inside = await chart.evaluate((svg) => {
        const dot = svg.querySelector('circle').getBBox();
        const band = svg.querySelector('rect[data-band="mild"]').getBBox();
        const cy = dot.y + dot.height / 2;
        return cy > band.y && cy < band.y + band.height;
      });
      assert.ok(inside, 'the score is drawn inside its band');
      assert.match(await chart.getAttribute('aria-label'), /latest 8 \(mild\)/);
      const table = dash.page.locator('details.care-table').first();
      await table.locator('summary').click();
      assert.match(await table.textContent(), /8 \(mild\) — question 9 above 0/);
      const moodTable = dash.page.locator('details.care-table').nth(1);
      assert.match(await moodTable.textContent(), new RegExp(MOOD_WORD)); // the practitioner reads it
      await shot(dash.page, '4-dashboard-alert-and-chart');
      await dash.page.locator('section.care-measures').first().screenshot({ path: path.join(SHOTS, 'checkins-5-client-chart.png') });

      // over time: the line through three scores, each inside its band (the page's own module)
      const drawn = await dash.page.evaluate(async () => {
        const { chart } = await import('/js/care-measures.js');
        const rows = [[16, 'severe', '2026-10-01'], [11, 'moderate', '2026-11-01'], [6, 'mild', '2026-12-01']]
          .map(([total, band, day]) => ({ total, band, risk: false, answered_at: `${day}T10:00:00Z` }));
        const svg = chart('gad7', rows);
        document.body.append(svg);
        const bands = [...svg.querySelectorAll('rect')].map((r) => r.dataset.band);
        const inBand = [...svg.querySelectorAll('circle')].map((c, i) => {
          const b = svg.querySelector(`rect[data-band="${rows[i].band}"]`).getBBox();
          const cy = c.getBBox().y + c.getBBox().height / 2;
          return cy > b.y && cy < b.y + b.height;
        });
        const points = svg.querySelector('polyline').getAttribute('points').split(' ').length;
        svg.remove();
        return { bands, inBand, points };
      });
      assert.deepEqual(drawn, { bands: ['minimal', 'mild', 'moderate', 'severe'], inBand: [true, true, true], points: 3 });

      // her own choice, from the page: saved
      await dash.page.locator('section.care-measures').first().getByLabel('GAD-7 (anxiety)').check();
      await dash.page.getByText('Saved: asked before each session (GAD-7 (anxiety)).').waitFor();
      res = await call('GET', `/api/v1/clients/${grace.id}/checkins`);
      assert.deepEqual(res.json.measures, ['gad7']);

      // the group's details show its choice, and change it
      await dash.page.locator(`button[data-group="${session.group_id}"]`).click();
      const groupPart = dash.page.locator(`#group-detail-${session.group_id} section.care-measures`);
      for (const [label, on] of [['PHQ-9 (depression)', true], ['GAD-7 (anxiety)', false], ['Mood (0–10)', true]]) {
        const box = groupPart.getByLabel(label);
        await until(`${label} loaded`, () => box.isEnabled(), (x) => x);
        assert.equal(await box.isChecked(), on, label);
      }
      await groupPart.getByLabel('Mood (0–10)').uncheck();
      await groupPart.getByText('Saved: asked before each session (PHQ-9 (depression)).').waitFor();
      res = await call('GET', `/api/v1/groups/${session.group_id}/checkins`);
      assert.deepEqual(res.json.measures, ['phq9']);

      // seen: gone from the dashboard and the API
      await banner.getByRole('button', { name: 'Seen' }).click();
      await banner.waitFor({ state: 'hidden' });
      res = await call('GET', '/api/v1/alerts');
      assert.deepEqual(res.json.alerts, []);
      assert.deepEqual(dash.problems, []);
      await dash.context.close();

      // the API's own view of the answers
      res = await call('GET', `/api/v1/clients/${grace.id}/measures`);
      assert.equal(res.status, 200);
      const byMeasure = Object.fromEntries(res.json.measures.map((m) => [m.measure, m]));
      assert.deepEqual(byMeasure.phq9.answers, [1, 1, 2, 0, 1, 0, 1, 0, 2]);
      assert.equal(byMeasure.phq9.risk, true);
      assert.equal(byMeasure.mood.word, MOOD_WORD);
      assert.equal(byMeasure.mood.band, null);

      for (const p of [ada, g, o, again]) assert.deepEqual(p.errors, [], `${p.name}: ${p.errors.join('; ')}`);
    } finally {
      for (const p of [ada, g, o, again]) await p?.context.close();
    }

    // the database file: the scores are there, the mood word is not
    if (!server.databaseUrl) {
      const files = ['confide.db', 'confide.db-wal'].map((f) => path.join(server.dataDir, f)).filter(existsSync);
      const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
      assert.ok(bytes.includes('moderately severe') || bytes.includes('mild'), 'the grep reads the file');
      assert.ok(!bytes.includes(MOOD_WORD), 'the mood word is in the database file');
      assert.ok(!bytes.includes('1,1,2,0,1,0,1,0,2'), 'the answers are in the database file');
    }
  });
});

// Another practitioner of the practice, signed in through the API.
async function practitioner(server, name, email, password) {
  const made = spawnSync(BIN, ['admin', 'create-user', '--name', name, '--email', email, '--role', 'therapist',
    '--data-dir', server.dataDir], { input: `${password}\n`, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const res = await request(server, 'POST', '/api/v1/login', { body: { email, password } });
  assert.equal(res.status, 200, res.text);
  const cookie = cookieOf(res);
  const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
  call.cookie = cookie;
  call.id = (await call('GET', '/api/v1/me')).json.user.id;
  return call;
}

test('let in before answering: the check-in is in the meeting; a co-facilitator is told on the dashboard', async () => {
  await withServer({ args: ['--media-workers', '1'] }, async (server) => {
    const call = await api(server);
    const bea = await practitioner(server, 'Dr Bea Lind', 'bea@practice.example', 'bea has a long password');
    const cy = await practitioner(server, 'Dr Cy Okafor', 'cy@practice.example', 'cy has a long password');
    const grace = await addClient(call, GRACE, 1);
    const omar = await addClient(call, OMAR, 2);
    const session = await makeSession(call, [grace, omar], 'Thursday circle');
    let res = await call('PUT', `/api/v1/groups/${session.group_id}/checkins`, { measures: ['phq9', 'mood'] });
    assert.equal(res.status, 200, res.text);
    res = await call('POST', `/api/v1/groups/${session.group_id}/facilitators`, { user_id: bea.id });
    assert.equal(res.status, 201, res.text);

    const linkOf = (c) => localUrl(server, session.invites.find((i) => i.client_id === c.id).url);
    const ada = await person(browser, THERAPIST);
    const g = await member(GRACE, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    try {
      await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
      await knock(g, linkOf(grace), session.occurrences[0].password, { group: true });
      await g.page.getByRole('heading', { name: 'PHQ-9' }).waitFor();
      // let in before she answered anything
      await ada.page.getByRole('button', { name: `Admit ${GRACE}` }).click();
      await g.page.locator('#meeting-view').waitFor();
      const more = g.page.getByRole('button', { name: 'More', exact: true });
      await more.waitFor();
      assert.equal(await g.page.getByRole('heading', { name: 'PHQ-9' }).isVisible(), false, 'the questions cover the meeting');
      assert.match(await g.page.locator('#checkin-state').textContent(), /check-in is not answered yet/);
      // the video keeps the screen: nothing of the check-in over it until she asks
      assert.equal(await g.page.locator('#checkin-dialog').isVisible(), false);
      assert.equal(await more.getAttribute('class'), 'button quiet more-button has-checkin');
      await shot(g.page, '6-admitted-phone');

      await more.click();
      const open = g.page.getByRole('button', { name: 'Check-in (2 to answer)' });
      await open.click();
      const dialog = g.page.getByRole('dialog', { name: 'Your check-in' });
      await dialog.waitFor();
      assert.ok(await dialog.getByRole('heading', { name: 'Your check-in' }).evaluate((h) => h === document.activeElement));
      await dialog.getByRole('heading', { name: 'PHQ-9' }).waitFor();
      // item 9 "Several days": the therapist is told at once
      await answer(g.page, 'phq9', [0, 1, 1, 1, 0, 0, 0, 0, 1]);
      await dialog.locator('form.checkin-form[data-measure="phq9"]').getByRole('button', { name: 'Send answers' }).click();
      await dialog.getByText(/Your answers were sent to your therapist\. If you are in danger now/).waitFor();
      await until('the answer is saved', () => receivedTypes(g.page), (t) => t.includes('checkin_saved'));
      assert.ok(await g.page.evaluate(() => document.documentElement.scrollWidth <= 360), 'wider than a phone');
      await shot(g.page, '7-answered-in-meeting-phone');
      await ada.page.locator('#risk-box').getByText(`Risk: ${GRACE}`).waitFor();

      // closed by keyboard; one left to answer, and the control says so
      await g.page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      await more.click();
      await g.page.getByRole('button', { name: 'Check-in (1 to answer)' }).waitFor();
      assert.ok(!(await receivedTypes(g.page)).includes('risk_alert'), 'Grace\'s socket got the alert');
      for (const p of [ada, g]) assert.deepEqual(p.errors, [], `${p.name}: ${p.errors.join('; ')}`);
    } finally {
      for (const p of [ada, g]) await p?.context.close();
    }

    // ---- dashboards: the co-facilitator's lists it, another practitioner's does not ----
    res = await cy('GET', '/api/v1/alerts');
    assert.deepEqual(res.json.alerts, []);
    res = await call('GET', '/api/v1/alerts');
    assert.equal(res.json.alerts.length, 1);
    const alertId = res.json.alerts[0].id;
    assert.equal((await cy('POST', `/api/v1/alerts/${alertId}/seen`)).status, 404);
    const other = await newWatchedPage(browser, server, cy.cookie);
    const looked = other.page.waitForResponse((r) => r.url().endsWith('/api/v1/alerts'));
    await other.page.goto(`${server.url}/dashboard`);
    await other.page.getByText('Signed in as Dr Cy Okafor').waitFor();
    assert.equal((await looked).status(), 200);
    const dash = await newWatchedPage(browser, server, bea.cookie);
    await dash.page.goto(`${server.url}/dashboard`);
    const banner = dash.page.locator('#risk-alerts');
    await banner.getByText(`${GRACE} answered PHQ-9 question 9`).waitFor();
    await shot(dash.page, '8-cofacilitator-dashboard');
    assert.equal(await other.page.locator('#risk-alerts').isVisible(), false, 'another practitioner sees the alert');
    assert.ok(!(await other.page.evaluate(() => document.body.innerText)).includes(GRACE));
    await banner.getByRole('button', { name: 'Seen' }).click();
    await banner.waitFor({ state: 'hidden' });
    res = await call('GET', '/api/v1/alerts');
    assert.deepEqual(res.json.alerts, [], 'seen by the co-facilitator is seen for the therapist');
    assert.deepEqual(res.json.seen.map((a) => [a.id, a.seen_by_name]), [[alertId, 'Dr Bea Lind']]);
    assert.deepEqual((await bea('GET', '/api/v1/alerts')).json.seen, []); // she saw it herself
    assert.deepEqual((await cy('GET', '/api/v1/alerts')).json.seen, []);
    // the therapist's dashboard says who saw it
    const own = await newWatchedPage(browser, server, call.cookie);
    await own.page.goto(`${server.url}/dashboard`);
    await own.page.locator('#risk-alerts').getByText(/^Seen by Dr Bea Lind at .+: Grace Lee's answer to PHQ-9 question 9/).waitFor();
    assert.equal(await own.page.locator('#risk-alerts').getByRole('button', { name: 'Seen' }).count(), 0);
    await shot(own.page, '9-therapist-seen-by');
    assert.deepEqual(own.problems, []);
    await own.context.close();
    assert.deepEqual(dash.problems, []);
    assert.deepEqual(other.problems, []);
    await dash.context.close();
    await other.context.close();
  });
});

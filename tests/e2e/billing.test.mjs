// A group session through billing, in real browsers against the real binary. The therapist
// holds a licence in California only; Grace's fee is the group service's, with her insurance
// and two diagnoses recorded; Omar pays half on a sliding scale. Both wait for the session.
// Grace says California, at home, with an address for emergencies; Omar, on a phone, says
// Nevada, not at home. The therapist's waiting list shows where each is and warns about
// Omar only; once they are let in, "Where they are" gives Grace's address to the
// therapist, while Omar's page and socket never hold it. The database keeps both answers,
// the address sealed (not in the file as typed), and a reload asks again, prefilled with
// the last answer. The therapist ends the session: each has one charge, for 90853 with
// modifier 95, Grace's at place of service 10 (home) and Omar's at 02, at their fees; ending
// is not charging twice. Grace's superbill as a PDF (read back with pdftotext) names the
// practice, its NPI and tax id, the therapist and her licence, Grace, her insurance and
// diagnoses, the line and its totals; the page version says the same.
//
//   cd tests/e2e && node --test billing.test.mjs
//
// Screenshots go to build/screenshots/billing/*.png (BILLING_SCREENSHOTS=DIR elsewhere).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import { dbQuery, request } from './lib/server.mjs';
import {
  MEDIA_ARGS, addClient, api, joinAsHost, knock, localUrl, makeSession, person, recordingPerson, signIn, sleep,
  until,
} from './lib/meeting.mjs';

const GRACE = 'Grace Lee';
const OMAR = 'Omar Haddad';
// typed as Grace's address for emergencies: only the therapist may ever read it
const ADDRESS = '12 Quillfeather Lane, Sacramento';
const THERAPIST_VIEW = 'Dr Ada Byron (reading)';
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
const SHOTS = process.env.BILLING_SCREENSHOTS ?? path.resolve('../../build/screenshots/billing');

let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
});

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `location-${name}.png`), fullPage: true });

const member = (name, options) => recordingPerson(browser, name, options);

// Answers the question on the page: where (the option's label), at home or not, an address.
async function answer(page, where, home, address) {
  const box = page.locator('#location-ask');
  await box.getByRole('heading', { name: 'Where are you right now?' }).waitFor();
  const select = box.getByLabel('Where you are');
  await until('the list of places', () => select.locator('option').count(), (n) => n > 250);
  await select.selectOption({ label: where });
  await box.getByRole('group', { name: 'Are you at home?' }).getByLabel(home).check();
  await box.getByLabel(/An address where help could reach you/).fill(address);
  await box.getByRole('button', { name: 'Send my answer' }).click();
  await box.getByText('Thank you. Your therapist can see this for this session.').waitFor();
  await box.getByRole('button', { name: 'Change my answer' }).waitFor();
}

const PRACTICE = {
  CONFIDE_PRACTICE_NAME: 'Harbour Counselling',
  CONFIDE_PRACTICE_ADDRESS: '4 Wharf Street, Sacramento, CA 95814',
  CONFIDE_PRACTICE_NPI: '1234567893',
  CONFIDE_PRACTICE_TAX_ID: '12-3456789',
};

// The PDF's text as pdftotext (poppler-utils) reads it, columns kept on their lines.
function pdfText(bytes) {
  const file = path.join(os.tmpdir(), `confide-superbill-${process.pid}.pdf`);
  writeFileSync(file, bytes);
  const out = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout;
}

test('a group session: the licence warning for one client, then both charged and a superbill', async () => {
  await withServer({ args: ['--media-workers', '1'], env: PRACTICE }, async (server) => {
    const call = await api(server);
    const grace = await addClient(call, GRACE, 1);
    const omar = await addClient(call, OMAR, 2);
    const session = await makeSession(call, [grace, omar], 'Thursday circle');
    // the group service's fee; Grace's insurance and diagnoses; Omar's sliding scale
    const services = await call('GET', '/api/v1/services');
    const group = services.json.services.find((x) => x.cpt === '90853');
    let res = await call('PATCH', `/api/v1/services/${group.id}`, { fee_cents: 8000 });
    assert.equal(res.status, 200, res.text);
    res = await call('PUT', `/api/v1/clients/${grace.id}/billing`, {
      insurance: { payer: 'Blue Heron Health', member_id: 'BH-20417', group_id: 'G-88',
        subscriber: GRACE, relationship: 'self' },
      diagnoses: ['F41.1', 'f4310'] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.diagnoses, ['F41.1', 'F43.10']);
    res = await call('PUT', `/api/v1/clients/${omar.id}/billing`, { scale: { kind: 'percent', value: 50 } });
    assert.equal(res.status, 200, res.text);
    // a licence in California, valid until 2052, for the therapist
    const held = await call('POST', '/api/v1/account/licences', { jurisdiction: 'US-CA',
      kind: 'Psychologist', number: 'PSY12345', expires_on: '2052-02-20' });
    assert.equal(held.status, 201, held.text);

    const listed = await fetch(`${server.url}/api/v1/jurisdictions`);
    assert.equal(listed.status, 200);
    const list = await listed.json();
    assert.deepEqual(list.us_states[0], { key: 'US-AK', name: 'Alaska' });
    assert.ok(list.countries.some((j) => j.key === 'GB' && j.name === 'United Kingdom'));

    const linkOf = (c) => localUrl(server, session.invites.find((i) => i.client_id === c.id).url);
    const password = session.occurrences[0].password;
    const host = await person(browser, 'Dr Ada Byron');
    const g = await member(GRACE);
    const o = await member(OMAR, PHONE);
    try {
      await joinAsHost(host, localUrl(server, session.host_url), call.cookie);
      await knock(g, linkOf(grace), password, { group: true });
      await knock(o, linkOf(omar), password, { group: true });

      // before anyone answers: nothing said yet, and no warning
      const rowOf = (name) => host.page.locator('li.waiting-person', { hasText: name });
      await rowOf(OMAR).getByText('Has not said where they are yet.').waitFor();

      // the question, on a laptop and on a phone, nothing wider than the phone
      await o.page.locator('#location-ask').waitFor();
      await until('the list of places', () => o.page.locator('#location-ask option').count(), (n) => n > 250);
      await until('Omar\'s page fits the phone', () => o.page.evaluate(() => document.documentElement.scrollWidth), (w) => w <= 360, 5000);
      await shot(o.page, '1-question-phone');
      await g.page.locator('#location-ask').waitFor();
      await shot(g.page, '2-question-laptop');

      await answer(g.page, 'California', 'Yes', ADDRESS);
      await answer(o.page, 'Nevada', 'No', '');

      // the waiting list: where each is, and the warning for Omar only
      await rowOf(OMAR).getByText('No licence recorded for Nevada on this date.').waitFor();
      await rowOf(OMAR).getByText('In Nevada, not at home').waitFor();
      await rowOf(GRACE).getByText('In California, at home').waitFor();
      assert.equal(await rowOf(GRACE).locator('.location-warning').count(), 0);
      assert.ok(!(await rowOf(GRACE).innerText()).includes(ADDRESS), 'the waiting list shows the address');
      // the waiting room's panel itself (the controls bar floats over a full-page picture)
      const waitingPanel = host.page.locator('#waiting-panel');
      await waitingPanel.screenshot({ path: path.join(SHOTS, 'location-3-host-warning-laptop.png') });
      await host.page.setViewportSize({ width: 360, height: 740 });
      // laid out again for the narrower window (until then the old width stays)
      await until('the host\'s page fits the phone', () => host.page.evaluate(() => document.documentElement.scrollWidth), (w) => w <= 360, 5000);
      await waitingPanel.screenshot({ path: path.join(SHOTS, 'location-4-host-warning-phone.png') });
      await host.page.setViewportSize({ width: 1280, height: 720 });

      // let in: the therapist sees Grace's address for emergencies
      await host.page.getByRole('button', { name: 'Admit all' }).click();
      const panel = host.page.locator('#location-panel');
      await panel.getByText(`Emergency address: ${ADDRESS}`).waitFor();
      const omarThere = panel.locator('li.location-person', { hasText: OMAR });
      await omarThere.getByText('No emergency address given.').waitFor();
      await omarThere.getByText('No licence recorded for Nevada on this date.').waitFor();
      // the viewport, not the element: the stage's tiles are still settling after the admission
      await panel.evaluate((e) => e.scrollIntoView({ block: 'center' }));
      await host.page.screenshot({ path: path.join(SHOTS, 'location-5-host-where-they-are.png') });

      // never to the other member: not on Omar's page, not on his socket
      await o.page.getByRole('button', { name: 'Leave' }).last().waitFor();
      const omarText = await o.page.evaluate(() => document.body.innerText);
      assert.ok(!omarText.includes('Quillfeather'), 'Omar\'s page shows Grace\'s address');
      const omarRaw = await o.page.evaluate(() => window.testReceived.join('\n'));
      assert.ok(!omarRaw.includes('Quillfeather'), 'Omar\'s socket got Grace\'s address');
      assert.ok(!omarRaw.includes('"locations"'), 'Omar\'s socket got the hosts\' locations');
      const graceRaw = await g.page.evaluate(() => window.testReceived.join('\n'));
      assert.ok(!graceRaw.includes('Nevada'), 'Grace\'s socket got where Omar is');

      // kept for the occurrence: both answers, the address sealed
      const rows = dbQuery(server, 'SELECT client_id, place, jurisdiction, emergency_sealed IS NOT NULL '
        + `FROM session_locations WHERE occurrence_id = ${session.occurrences[0].id} ORDER BY client_id`);
      assert.equal(rows, `${grace.id}|home|US-CA|1\n${omar.id}|not_home|US-NV|0`);
      const audits = dbQuery(server, "SELECT count(*) FROM audit_log WHERE action = 'session_location.answer'");
      assert.equal(audits, '2');

      // a reload asks again, prefilled with the last answer
      await o.page.reload();
      const again = o.page.locator('#location-ask');
      // in the meeting it waits folded, one line at the top
      await again.getByRole('heading', { name: 'Where are you right now?' }).waitFor();
      assert.equal(await again.getByRole('button', { name: 'Send my answer' }).isVisible(), false);
      await again.getByRole('heading', { name: 'Where are you right now?' }).click();
      await until('the prefilled place', () => again.getByLabel('Where you are').inputValue(), (v) => v === 'US-NV');
      assert.equal(await again.getByLabel('No').isChecked(), true);
      // put away without answering: the meeting goes on
      await again.getByRole('button', { name: 'Not now' }).click();
      assert.equal(await o.page.locator('#location-ask').count(), 0);

      // ---- the end, and what it brings ----
      await host.page.getByRole('button', { name: 'End session for all' }).click();
      await host.page.getByRole('button', { name: 'Yes, end it for everyone' }).click();
      await Promise.all([host.page, g.page].map((p) => p.getByText('The session has ended.').waitFor()));
      for (const p of [host, g, o]) assert.deepEqual(p.errors, [], `${p.name}: ${p.errors.join('; ')}`);
    } finally {
      for (const p of [host, g, o]) await p?.context.close();
    }

    // one charge each, coded from where each said they were, at their own fee
    const chargesOf = async (c) => (await call('GET', `/api/v1/clients/${c.id}/charges`)).json;
    const graceAccount = await until('Grace is charged', () => chargesOf(grace), (a) => a.charges.length > 0);
    const omarAccount = await until('Omar is charged', () => chargesOf(omar), (a) => a.charges.length > 0);
    const coded = (a) => a.charges.map((c) => [c.kind, c.cpt, c.modifier, c.place_of_service, c.units,
      c.amount_cents, c.state]);
    assert.deepEqual(coded(graceAccount), [['session', '90853', '95', '10', 1, 8000, 'open']]);
    assert.deepEqual(coded(omarAccount), [['session', '90853', '95', '02', 1, 4000, 'open']]);
    assert.equal(graceAccount.balance.balance, 8000);
    // the charge is for this occurrence, once: the tick that looks again adds nothing
    assert.equal(graceAccount.charges[0].occurrence_id, session.occurrences[0].id);
    await sleep(2500);
    assert.equal((await chargesOf(grace)).charges.length, 1);

    // Grace's superbill for the day, as a PDF
    const day = graceAccount.charges[0].service_date;
    const superbill = `/api/v1/clients/${grace.id}/superbill?from=${day}&to=${day}`;
    const pdf = await fetch(`${server.url}${superbill}`, { headers: { cookie: call.cookie, accept: 'application/pdf' } });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    const pdfBytes = Buffer.from(await pdf.arrayBuffer());
    assert.equal(pdfBytes.subarray(0, 5).toString(), '%PDF-');
    const text = pdfText(pdfBytes);
    const expected = ['Superbill', 'Harbour Counselling', '1234567893', '12-3456789', 'Dr Ada Byron',
      'PSY12345', 'California', GRACE, 'Blue Heron Health', 'BH-20417', 'F41.1', 'F43.10',
      'Generalized anxiety disorder', day, '90853', '$80.00'];
    for (const words of expected) assert.ok(text.includes(words), `the PDF lacks ${words}:\n${text}`);
    const row = text.split('\n').find((l) => l.includes('90853'));
    assert.match(row, /\b95\b/);
    assert.match(row, /\b10\b/);
    assert.ok(!text.includes(OMAR), 'Omar is on Grace\'s superbill');
    // the totals: charged 80, paid 0, balance 80
    assert.match(text, /Balance[^\n]*\$80\.00/);

    // the same as a page: the same words, nothing of Omar's
    const page = await request(server, 'GET', superbill, { headers: { cookie: call.cookie, accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    for (const words of expected) assert.ok(page.text.includes(words), `the page lacks ${words}`);
    assert.ok(!page.text.includes(OMAR));
    assert.ok(!/(src|href)="https?:/.test(page.text), 'the page loads something from another host');
    // a payment by card, then the month's statement: the line, the payment and what is due
    res = await call('POST', `/api/v1/clients/${grace.id}/payments`, { method: 'card_terminal',
      amount_cents: 5000, received_on: day, reference: 'T-7781' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json.charges.map((c) => [c.paid_cents, c.state]), [[5000, 'part_paid']]);
    const statement = await request(server, 'GET', `/api/v1/clients/${grace.id}/statement?month=${day.slice(0, 7)}`,
      { headers: { cookie: call.cookie, accept: 'text/html' } });
    assert.equal(statement.status, 200, statement.text);
    const flat = statement.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    for (const words of ['Statement', GRACE, '$80.00', 'T-7781', 'Balance due $30.00']) {
      assert.ok(flat.includes(words), `the statement lacks ${words}: ${flat}`);
    }
    assert.ok(!flat.includes('F41.1'), 'a statement names a diagnosis');
    const viewer = await person(browser, THERAPIST_VIEW);
    try {
      await signIn(viewer, server.url, call.cookie);
      await viewer.page.goto(`${server.url}${superbill}&format=html`);
      await viewer.page.getByRole('heading', { name: 'Harbour Counselling' }).waitFor();
      // its own style applies (the page's policy lets its one inline style in, nothing else)
      assert.equal(await viewer.page.evaluate(() => getComputedStyle(document.querySelector('main')).maxWidth), '992px');
      assert.equal(page.headers.get('content-security-policy').startsWith("default-src 'none'"), true);
      await viewer.page.screenshot({ path: path.join(SHOTS, 'billing-superbill.png'), fullPage: true });
    } finally {
      await viewer.context.close();
    }
    const files = ['confide.db', 'confide.db-wal'].map((f) => path.join(server.dataDir, f)).filter(existsSync);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    assert.ok(bytes.includes('US-NV'), 'the grep reads the file');
    assert.ok(!bytes.includes('Quillfeather'), 'the address is in the database file as typed');
  });
});

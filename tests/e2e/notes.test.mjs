// Private notes against the real binary, over the API and in a real browser (Debian's
// Chromium through playwright-core): a SOAP note written on the dashboard (its draft saved
// while typing), signed, then refused an edit (409, and the page shows it read-only) and
// given an addendum; another practitioner and the administrator (even with emergency access
// to the client) cannot read it, a co-facilitator can; a group's meeting gives one note per
// member let in and a group note; the database file holds no word of a note.
//
//   cd tests/e2e && node --test notes.test.mjs
//
// CONFIDE_BIN picks the binary (default ../../build/debug/confide); CHROMIUM the browser.
// Screenshots go to build/screenshots/care/notes-*.png (CONFIDE_SCREENSHOTS=DIR elsewhere).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { BIN, cookieOf, request, setupAdmin } from './lib/server.mjs';
import { connect } from './lib/ws.mjs';

const SHOTS = process.env.CONFIDE_SCREENSHOTS ?? path.resolve('../../build/screenshots/care');
const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const DESK = { timezoneId: 'UTC', locale: 'en-GB', viewport: { width: 1280, height: 800 } };
const PHONE = { timezoneId: 'UTC', locale: 'en-GB', viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2, isMobile: true, hasTouch: true };
// words that must never reach the disk as they are
const PHRASE = 'afraid of the lighthouse stairs since March';

let browser;
before(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
});

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `notes-${name}.png`), fullPage: false });
}

function practitioner(server, name, email, password) {
  const made = spawnSync(BIN, ['admin', 'create-user', '--name', name, '--email', email, '--role', 'therapist',
    '--data-dir', server.dataDir], { input: `${password}\n`, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return request(server, 'POST', '/api/v1/login', { body: { email, password } }).then((res) => {
    assert.equal(res.status, 200, res.text);
    const cookie = cookieOf(res);
    const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
    return { cookie, call };
  });
}

const minuteFromNow = (m) => new Date(Math.ceil((Date.now() + m * 60000) / 60000) * 60000).toISOString();

describe('private notes', () => {
  test('written, signed and added to; read by the author and co-facilitators only; sealed on disk', async () => {
    await withServer({}, async (server) => {
      const adaCookie = await setupAdmin(server, ADA);
      const ada = (method, p, body) => request(server, method, p, { body, headers: { cookie: adaCookie } });
      const bea = await practitioner(server, 'Dr Bea Lind', 'bea@practice.example', 'bea has a long password');
      const cy = await practitioner(server, 'Dr Cy Okafor', 'cy@practice.example', 'cy has a long password');
      const dan = await practitioner(server, 'Dr Dan Moss', 'dan@practice.example', 'dan has a long password');

      // ---- one-to-one: Bea's client Sam, a session today ----
      const sam = (await bea.call('POST', '/api/v1/clients', { name: 'Sam Rivera', email: 'sam@mail.example', time_zone: 'UTC' })).json.client;
      const made = await bea.call('POST', '/api/v1/sessions', { title: 'Notes session', starts_at: minuteFromNow(2),
        time_zone: 'UTC', client_id: sam.id, duration_minutes: 50, allow_overlap: true });
      assert.equal(made.status, 201, made.text);
      const session = made.json.session;
      const occ = session.occurrences[0];
      const occPath = `/api/v1/sessions/${session.id}/occurrences/${occ.id}/notes`;

      // ---- in the browser: open the session from the calendar, write a SOAP note ----
      const { page, context, problems } = await newWatchedPage(browser, server, bea.cookie, DESK);
      let noteId;
      try {
        await page.goto(`${server.url}/dashboard`);
        await page.getByText('Signed in as Dr Bea Lind').waitFor();
        const calendar = page.getByRole('region', { name: 'Calendar' });
        await calendar.getByRole('button', { name: /Notes session/ }).click();
        const detail = page.locator('#calendar-detail');
        await detail.getByRole('button', { name: 'Notes' }).click();
        const editor = page.getByRole('dialog', { name: 'Notes: Notes session' });
        await editor.getByRole('heading', { name: 'Note on Sam Rivera' }).waitFor();
        await editor.getByText('No note yet.').waitFor();
        await editor.getByLabel('Template').selectOption('soap');
        await editor.getByRole('button', { name: 'Start note' }).click();
        // the four SOAP sections, labelled; typing saves by itself
        for (const label of ['Subjective', 'Objective', 'Assessment', 'Plan']) {
          await editor.getByLabel(label, { exact: true }).waitFor();
        }
        await editor.getByLabel('Subjective', { exact: true }).focus();
        await page.keyboard.type(`Says she is ${PHRASE}.`);
        await editor.getByRole('status').filter({ hasText: /^Saved$/ }).waitFor();
        await editor.getByLabel('Plan', { exact: true }).fill('Practise the breathing at the bottom step.');
        await editor.getByRole('status').filter({ hasText: /^Saved$/ }).waitFor();
        await shot(page, 'draft-saved');

        // what the page saved is what the server holds
        const listed = await bea.call('GET', occPath);
        assert.equal(listed.status, 200);
        assert.equal(listed.json.notes.length, 1);
        const draft = listed.json.notes[0];
        noteId = draft.id;
        assert.equal(draft.template, 'soap');
        assert.equal(draft.signed, false);
        assert.equal(draft.client_id, sam.id);
        assert.deepEqual(draft.sections.map((s) => s.label), ['Subjective', 'Objective', 'Assessment', 'Plan']);
        assert.equal(draft.sections[0].text, `Says she is ${PHRASE}.`);
        assert.equal(draft.sections[3].text, 'Practise the breathing at the bottom step.');
        // a second window at an older version is refused, not silently overwriting
        const stale = await bea.call('PATCH', `/api/v1/notes/${noteId}`, { version: 1, sections: { objective: 'x' } });
        assert.equal(stale.status, 409);
        assert.equal(stale.json.error.code, 'version_conflict');

        // the server out of reach for a moment: the page says so, keeps what was typed, and
        // saves it once it can
        const patches = (route) => (route.request().method() === 'PATCH' ? route.abort() : route.continue());
        await page.route('**/api/v1/notes/*', patches);
        await editor.getByLabel('Objective', { exact: true }).fill('Sat by the window, calm.');
        await editor.getByRole('status').filter({ hasText: 'Not saved — retrying' }).waitFor();
        await shot(page, 'retrying');
        await page.unroute('**/api/v1/notes/*', patches);
        await editor.getByRole('status').filter({ hasText: /^Saved$/ }).waitFor();
        const afterRetry = (await bea.call('GET', `/api/v1/notes/${noteId}`)).json.note;
        assert.equal(afterRetry.sections[1].text, 'Sat by the window, calm.');

        // the same draft changed in another window: this one does not overwrite it
        const elsewhere = await bea.call('PATCH', `/api/v1/notes/${noteId}`,
          { version: afterRetry.version, sections: { assessment: 'Written in another window.' } });
        assert.equal(elsewhere.status, 200);
        await editor.getByLabel('Assessment', { exact: true }).fill('Typed here.');
        await editor.getByRole('alert').filter({ hasText: /changed in another window/ }).waitFor();
        assert.equal((await bea.call('GET', `/api/v1/notes/${noteId}`)).json.note.sections[2].text, 'Written in another window.');
        await shot(page, 'conflict');
        await editor.getByRole('button', { name: 'Reload this note' }).click();
        await editor.getByRole('button', { name: 'Reload this note' }).waitFor({ state: 'hidden' });
        assert.equal(await editor.getByLabel('Assessment', { exact: true }).inputValue(), 'Written in another window.');
        assert.equal(await editor.getByLabel('Objective', { exact: true }).inputValue(), 'Sat by the window, calm.');

        // sign, with a confirmation, by keyboard
        await editor.getByRole('button', { name: 'Sign note' }).focus();
        await page.keyboard.press('Enter');
        await editor.getByText(/Signing locks this note for good/).waitFor();
        await page.keyboard.press('Enter'); // "Sign and lock" has the focus
        await editor.getByText(/Signed by Dr Bea Lind on/).waitFor();
        assert.equal(await editor.locator('textarea:visible').count(), 0, 'a signed note is read only');
        await editor.getByText(`Says she is ${PHRASE}.`).waitFor();
        await shot(page, 'signed');

        // an edit is refused by the server
        const signedNote = (await bea.call('GET', `/api/v1/notes/${noteId}`)).json.note;
        assert.equal(signedNote.signed, true);
        assert.equal(signedNote.signed_by.name, 'Dr Bea Lind');
        const refused = await bea.call('PATCH', `/api/v1/notes/${noteId}`, { version: signedNote.version, sections: { plan: 'changed' } });
        assert.equal(refused.status, 409);
        assert.equal(refused.json.error.code, 'note_signed');
        assert.match(refused.json.error.message, /signed.*addendum/s);

        // an addendum, from the page
        await editor.getByRole('button', { name: 'Add an addendum' }).click();
        await editor.getByLabel('Addendum').fill('Her sister called: the stairs were at the old school.');
        await editor.getByRole('button', { name: 'Add addendum' }).click();
        await editor.getByText('Her sister called: the stairs were at the old school.').waitFor();
        await editor.getByRole('heading', { name: 'Addenda' }).waitFor();
        await editor.getByText(/^Dr Bea Lind, /).waitFor();
        await shot(page, 'addendum');
        await editor.getByRole('button', { name: 'Close' }).click();
        // the keyboard is back where the notes were opened from: the session in the calendar
        assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ''), /Notes session/);

        // the client's details list the note, signed, and open it
        const clients = page.getByRole('region', { name: 'Clients' });
        await clients.getByRole('button', { name: 'Sam Rivera' }).click();
        const notesPart = clients.locator('.notes-client');
        await notesPart.getByRole('heading', { name: 'Private notes' }).waitFor();
        await notesPart.getByText(/Notes session/).waitFor();
        await notesPart.getByText('SOAP · Signed · 1 addendum').waitFor();
        await notesPart.scrollIntoViewIfNeeded();
        await shot(page, 'client-details');
        await notesPart.getByRole('button', { name: /^Open the note of / }).click();
        await editor.getByText(/Signed by Dr Bea Lind on/).waitFor();
        await editor.getByRole('button', { name: 'Close' }).click();

        // the client's details list it, signed
        const again = (await bea.call('GET', `/api/v1/clients/${sam.id}/notes`)).json.notes;
        assert.equal(again.length, 1);
        assert.equal(again[0].addenda.length, 1);
        assert.equal(again[0].addenda[0].author.name, 'Dr Bea Lind');
        // the requests refused on purpose above (no connection) are the only errors
        assert.deepEqual(problems.filter((p) => !/net::ERR_FAILED/.test(p)), []);
      } finally {
        await context.close();
      }

      // on a phone, reopened: read only, with the addendum
      {
        const { page: phone, context: pc, problems: pp } = await newWatchedPage(browser, server, bea.cookie, PHONE);
        try {
          await phone.goto(`${server.url}/dashboard`);
          await phone.getByText('Signed in as Dr Bea Lind').waitFor();
          await phone.getByRole('region', { name: 'Calendar' }).getByRole('button', { name: /Notes session/ }).click();
          await phone.locator('#calendar-detail').getByRole('button', { name: 'Notes' }).click();
          const editor = phone.getByRole('dialog', { name: 'Notes: Notes session' });
          await editor.getByText(/Signed by Dr Bea Lind/).waitFor();
          assert.equal(await editor.locator('textarea:visible').count(), 0);
          const width = await phone.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(width <= 360, `the page is ${width} px wide at 360`);
          await shot(phone, 'phone-signed');
          assert.deepEqual(pp, []);
        } finally {
          await pc.close();
        }
      }

      // ---- who else may read it ----
      assert.equal((await dan.call('GET', `/api/v1/notes/${noteId}`)).status, 404, 'another practitioner');
      assert.equal((await dan.call('GET', occPath)).status, 404);
      assert.equal((await dan.call('POST', `/api/v1/notes/${noteId}/addenda`, { text: 'mine too' })).status, 404);
      assert.equal((await ada('GET', `/api/v1/notes/${noteId}`)).status, 404, 'the administrator');
      assert.equal((await ada('GET', `/api/v1/clients/${sam.id}/notes`)).status, 404);
      // emergency access opens the client's contact details, not their notes
      const grant = await ada('POST', `/api/v1/clients/${sam.id}/emergency-access`, { reason: 'No answer after a worrying message.' });
      assert.equal(grant.status, 201, grant.text);
      assert.equal((await ada('GET', `/api/v1/clients/${sam.id}`)).status, 200);
      assert.equal((await ada('GET', `/api/v1/clients/${sam.id}/notes`)).status, 404);
      assert.equal((await ada('GET', `/api/v1/notes/${noteId}`)).status, 404);
      assert.equal((await cy.call('GET', `/api/v1/notes/${noteId}`)).status, 404, 'not his group');

      // ---- a group: one note per member let in, and the group's ----
      const members = [];
      for (const name of ['Ana', 'Bo', 'Cai']) {
        members.push((await bea.call('POST', '/api/v1/clients', { name: `${name} Member`, email: `${name.toLowerCase()}@mail.example`, time_zone: 'UTC' })).json.client);
      }
      const group = (await bea.call('POST', '/api/v1/groups', { name: 'Tuesday group', agreement: 'What is said here stays here.',
        members: members.map((m) => m.id) })).json.group;
      assert.equal((await bea.call('POST', `/api/v1/groups/${group.id}/facilitators`, { user_id: (await cy.call('GET', '/api/v1/me')).json.user.id })).status, 201);
      const gs = (await bea.call('POST', '/api/v1/sessions', { title: 'Group tonight', starts_at: minuteFromNow(5), time_zone: 'UTC',
        group_id: group.id, allow_overlap: true })).json.session;
      const gocc = gs.occurrences[0];
      const token = (url) => url.split('/j/')[1];
      const host = await connect(server, { cookie: bea.cookie });
      host.json({ type: 'join', token: token(gs.host_url) });
      await host.next('joined');
      await host.next('admitted');
      // Ana and Bo come and are let in; Cai does not come
      for (const m of members.slice(0, 2)) {
        const ws = await connect(server);
        const link = token(gs.invites.find((i) => i.client_id === m.id).url);
        ws.json({ type: 'join', token: link, password: gocc.password, name: m.name.split(' ')[0], agree: true });
        const joined = await ws.next('joined');
        await ws.next('waiting');
        host.json({ type: 'admit', participant: joined.participant });
        await ws.next('admitted');
        ws.close();
      }
      host.close();
      const gPath = `/api/v1/sessions/${gs.id}/occurrences/${gocc.id}/notes`;
      let list;
      for (let i = 0; i < 50; i++) { // the meeting's records are written as it goes
        list = await bea.call('GET', gPath);
        if (list.json.attended.length === 2) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(list.json.attended.map((a) => a.name).sort(), ['Ana Member', 'Bo Member']);
      assert.equal(list.json.notes.length, 0);
      const groupNote = await bea.call('POST', gPath, { template: 'dap' });
      assert.equal(groupNote.status, 201, groupNote.text);
      assert.equal(groupNote.json.note.kind, 'group');
      assert.deepEqual(groupNote.json.note.sections.map((s) => s.label), ['Data', 'Assessment', 'Plan']);
      for (const m of members.slice(0, 2)) {
        const n = await bea.call('POST', gPath, { template: 'free', client_id: m.id });
        assert.equal(n.status, 201, n.text);
        assert.equal(n.json.note.client_id, m.id);
      }
      const absent = await bea.call('POST', gPath, { template: 'free', client_id: members[2].id });
      assert.equal(absent.status, 409);
      assert.equal(absent.json.error.code, 'not_attended');
      const twice = await bea.call('POST', gPath, { template: 'soap' });
      assert.equal(twice.status, 409);
      assert.equal(twice.json.error.code, 'note_exists');
      const all = (await bea.call('GET', gPath)).json.notes;
      assert.deepEqual(all.map((n) => n.kind), ['group', 'client', 'client']);
      // the co-facilitator reads them (and may add to a signed one); changing is the author's
      const cyList = await cy.call('GET', gPath);
      assert.equal(cyList.status, 200);
      assert.equal(cyList.json.notes.length, 3);
      const gn = groupNote.json.note;
      const cyEdit = await cy.call('PATCH', `/api/v1/notes/${gn.id}`, { version: gn.version, sections: { data: 'x' } });
      assert.equal(cyEdit.status, 403);
      assert.equal((await dan.call('GET', gPath)).status, 404);
      assert.equal((await ada('GET', gPath)).status, 404);

      // the group's notes on the dashboard: the group note and one per member who came
      {
        const { page: gp, context: gc, problems: gpp } = await newWatchedPage(browser, server, cy.cookie, DESK);
        try {
          await gp.goto(`${server.url}/dashboard`);
          await gp.getByText('Signed in as Dr Cy Okafor').waitFor();
          await gp.getByRole('region', { name: 'Calendar' }).getByRole('button', { name: /Group tonight/ }).click();
          await gp.locator('#calendar-detail').getByRole('button', { name: 'Notes' }).click();
          const editor = gp.getByRole('dialog', { name: 'Notes: Group tonight' });
          await editor.getByRole('heading', { name: 'Group note' }).waitFor();
          await editor.getByRole('heading', { name: 'Note on Ana Member' }).waitFor();
          await editor.getByRole('heading', { name: 'Note on Bo Member' }).waitFor();
          assert.equal(await editor.getByRole('heading', { name: /Cai/ }).count(), 0);
          await editor.getByText('Only the person who wrote this draft changes or signs it.').first().waitFor();
          await shot(gp, 'group');
          assert.deepEqual(gpp, []);
        } finally {
          await gc.close();
        }
      }

      // ---- audited; and nothing of a note on disk or in the log ----
      for (const a of ['note.read', 'note.write', 'note.sign', 'note.addendum']) {
        const entries = (await ada('GET', `/api/v1/audit?action=${a}&subject=${noteId}`)).json.entries;
        assert.ok(entries.length > 0, `${a} of the note audited`);
      }
      for (const file of ['confide.db', 'confide.db-wal']) {
        const p = path.join(server.dataDir, file);
        if (!existsSync(p)) continue;
        const bytes = readFileSync(p);
        for (const words of [PHRASE, 'Her sister called', 'breathing at the bottom step']) {
          assert.equal(bytes.indexOf(Buffer.from(words)), -1, `"${words}" is in ${file}`);
        }
      }
      assert.equal(server.stdout.includes('lighthouse') || server.stderr.includes('lighthouse'), false);
    });
  });
});

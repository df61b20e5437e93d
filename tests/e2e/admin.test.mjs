// Practice records in a real browser (Debian's Chromium through playwright-core) against
// the real binary: an administrator browses the audit log (a refused sign-in shows, with
// its address), opens another practitioner's client by giving a reason and sees the
// emergency contact, and that practitioner's dashboard then says who opened it and why.
//
//   cd tests/e2e && node --test admin.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { BIN, cookieOf, request, setupAdmin } from './lib/server.mjs';

const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const BEA = { name: 'Dr Bea Lind', email: 'bea@practice.example', password: 'bea has a long password' };

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

// A page signed in with cookie; no script error may happen while fn runs.
async function asPerson(server, cookie, fn) {
  const { page, context, problems } = await newWatchedPage(browser, server, cookie,
    { locale: 'en-GB', timezoneId: 'UTC' });
  try {
    await fn(page);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

test('an administrator reads the audit log and opens another practitioner\'s client with a reason', async () => {
  await withServer({}, async (server) => {
    const ada = await setupAdmin(server, ADA);
    const made = spawnSync(BIN, ['admin', 'create-user', '--name', BEA.name, '--email', BEA.email,
      '--role', 'therapist', '--data-dir', server.dataDir], { input: `${BEA.password}\n`, encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const bea = cookieOf(await request(server, 'POST', '/api/v1/login', { body: { email: BEA.email, password: BEA.password } }));
    const lee = await request(server, 'POST', '/api/v1/clients', {
      headers: { cookie: bea },
      body: { name: 'Lee Park', email: 'lee@mail.example', time_zone: 'UTC',
        emergency_contact: { name: 'Jo Park', phone: '+1 555 0100', relationship: 'sister' } },
    });
    assert.equal(lee.status, 201, lee.text);
    const wrong = await request(server, 'POST', '/api/v1/login', { body: { email: BEA.email, password: 'not her password' } });
    assert.equal(wrong.status, 401);

    await asPerson(server, ada, async (page) => {
      await page.goto(`${server.url}/dashboard`);
      await page.getByRole('link', { name: 'Practice records' }).click();
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      // the refused sign-in, from loopback, marked refused
      await page.getByLabel('What').selectOption({ label: 'Sign-in refused' });
      await page.getByRole('button', { name: 'Show' }).click();
      const row = page.locator('#audit-rows tr').first();
      await row.getByText('Refused', { exact: true }).waitFor();
      assert.match(await row.innerText(), /127\.0\.0\.1/);
      assert.equal(await page.locator('#audit-rows tr').count(), 1);

      // emergency access: a short reason is refused on the page, a real one opens the record
      await page.getByLabel('Find a client').fill('lee');
      await page.getByRole('button', { name: 'Open Lee Park\'s record with a reason' }).click();
      await page.getByLabel('Why you need to open this record').fill('urgent');
      await page.getByRole('button', { name: 'Open the record for one hour' }).click();
      // said under the field, which is marked and described by it
      const reason = page.getByLabel('Why you need to open this record');
      await page.getByText('Please say why, in at least 10 characters', { exact: false }).waitFor();
      assert.equal(await reason.getAttribute('aria-invalid'), 'true');
      assert.match(await reason.evaluate((e) => e.getAttribute('aria-describedby').split(' ')
        .map((id) => document.getElementById(id)?.textContent).join(' ')), /at least 10 characters/);
      await page.getByLabel('Why you need to open this record').fill('Lee wrote that they are in danger; Dr Lind is away.');
      await page.getByRole('button', { name: 'Open the record for one hour' }).click();
      await page.getByText('Jo Park (sister) · +1 555 0100').waitFor();
      await page.getByText(/Open to you until/).waitFor();
      // and the log shows it
      await page.getByLabel('What').selectOption({ label: 'Emergency access to a client' });
      await page.getByRole('button', { name: 'Show' }).click();
      await page.locator('#audit-rows tr').first().getByText(`#${lee.json.client.id}`).waitFor();
    });

    await asPerson(server, bea, async (page) => {
      await page.goto(`${server.url}/dashboard`);
      await page.getByRole('heading', { name: 'Emergency access to your clients' }).waitFor();
      await page.getByText(`${ADA.name} opened Lee Park's record.`, { exact: false }).waitFor();
      await page.getByText('Lee wrote that they are in danger', { exact: false }).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Practice records' }).isHidden(), true);
      await page.goto(`${server.url}/admin`);
      await page.getByText('Only the practice\'s administrators can see this page.').waitFor();
    });
  });
});

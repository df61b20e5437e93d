// Billing's ledger against the real binary, over the API and in a real browser: the seeded
// services; a client's late cancellations (by the client, inside the practice's window) each
// bring the late-cancellation fee, one cancelled in time brings nothing; on the dashboard a
// charge is waived (with a reason) and a payment recorded, and the balance follows; the
// accountant's CSV lists both, its cells quoted and a formula neutralised.
//
//   cd tests/e2e && node --test billing-ledger.test.mjs
//
// CONFIDE_BIN picks the binary (default ../../build/debug/confide); CHROMIUM the browser.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { request, setupAdmin } from './lib/server.mjs';

const SHOTS = process.env.CONFIDE_SCREENSHOTS ?? path.resolve('../../build/screenshots/care');
const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const PHONE = { timezoneId: 'UTC', locale: 'en-US', viewport: { width: 360, height: 740 },
  deviceScaleFactor: 1, isMobile: true, hasTouch: true };

let browser;
before(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
});

const hoursFromNow = (h) => new Date(Math.ceil((Date.now() + h * 3600000) / 60000) * 60000).toISOString();

describe('billing ledger', () => {
  test('late cancellations charged once; waived and paid on the dashboard; in the CSV', async () => {
    await withServer({ env: { CONFIDE_LATE_CANCEL_FEE: '50.00', CONFIDE_LATE_CANCEL_HOURS: '24' } },
      async (server) => {
        const cookie = await setupAdmin(server, ADA);
        const ada = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
        const services = await ada('GET', '/api/v1/services');
        assert.equal(services.status, 200, services.text);
        assert.deepEqual(services.json.services.map((s) => s.cpt),
          ['90791', '90832', '90834', '90837', '90846', '90847', '90853']);
        const sam = (await ada('POST', '/api/v1/clients',
          { name: '=Sam, "Rivera"', email: 'sam@mail.example', time_zone: 'UTC' })).json.client;
        const made = [];
        for (const [h, title] of [[3, 'First'], [5, 'Second'], [72, 'In time']]) {
          const res = await ada('POST', '/api/v1/sessions', { title, starts_at: hoursFromNow(h),
            time_zone: 'UTC', client_id: sam.id, duration_minutes: 45, allow_overlap: true });
          assert.equal(res.status, 201, res.text);
          made.push(res.json.session);
        }
        const bad = await ada('POST', `/api/v1/sessions/${made[0].id}/occurrences/${made[0].occurrences[0].id}/cancel`, { by: 'someone' });
        assert.equal(bad.status, 400, bad.text);
        for (const s of made) {
          const res = await ada('POST', `/api/v1/sessions/${s.id}/occurrences/${s.occurrences[0].id}/cancel`, { by: 'client' });
          assert.equal(res.status, 200, res.text);
        }
        // a session's own service, or back to the rule
        const intake = services.json.services.find((s) => s.cpt === '90791');
        const servicePath = `/api/v1/sessions/${made[2].id}/service`;
        assert.equal((await ada('PUT', servicePath, { service_id: intake.id })).status, 200);
        assert.equal((await ada('GET', servicePath)).json.service_id, intake.id);
        assert.equal((await ada('PUT', servicePath, { service_id: 0 })).status, 200);
        assert.equal((await ada('GET', servicePath)).json.service_id, 0);
        const weekly = (await ada('POST', '/api/v1/sessions', { title: 'Weekly', starts_at: hoursFromNow(100),
          time_zone: 'UTC', client_id: sam.id, duration_minutes: 50, allow_overlap: true })).json.session;
        let charges = await ada('GET', `/api/v1/clients/${sam.id}/charges`);
        assert.equal(charges.status, 200, charges.text);
        assert.deepEqual(charges.json.charges.map((c) => [c.kind, c.amount_cents, c.state]),
          [['late_cancel', 5000, 'open'], ['late_cancel', 5000, 'open']]);
        assert.equal(charges.json.balance.balance, 10000);

        const { page, context, problems } = await newWatchedPage(browser, server, cookie, PHONE);
        try {
          await page.goto(`${server.url}/dashboard`);
          const clients = page.getByRole('region', { name: 'Clients', exact: true });
          await clients.locator('button.dash-disclosure', { hasText: 'Rivera' }).click();
          const part = clients.locator('.billing');
          await part.getByRole('button', { name: 'Show billing' }).click();
          await part.locator('.billing-balance', { hasText: 'They owe $100.00.' }).waitFor();
          // waive the first, with a reason
          const first = part.locator(`tr[data-charge-id="${charges.json.charges[0].id}"]`);
          await first.getByRole('button', { name: /Waive the charge/ }).click();
          await first.getByLabel('Why is it waived?').fill('Her car broke down on the way.');
          await first.getByRole('button', { name: 'Waive this charge' }).click();
          await part.locator('.billing-balance', { hasText: 'They owe $50.00.' }).waitFor();
          await part.locator(`tr[data-charge-id="${charges.json.charges[0].id}"] .billing-state`,
            { hasText: 'Waived' }).waitFor();
          // record a cheque of 20.00
          await part.getByLabel('How it was paid').selectOption('cheque');
          await part.getByLabel(/^Amount/).fill('20');
          await part.getByLabel('Reference (optional)').fill('=HYPERLINK("x")');
          await part.getByRole('button', { name: 'Record payment' }).click();
          await part.locator('.billing-balance', { hasText: 'They owe $30.00.' }).waitFor();
          await part.locator(`tr[data-charge-id="${charges.json.charges[1].id}"] .billing-state`,
            { hasText: 'Part paid' }).waitFor();
          // the weekly session bills 90837 from now on
          const sixty = services.json.services.find((s) => s.cpt === '90837');
          await part.getByLabel('Weekly').selectOption(String(sixty.id));
          await part.locator('.dash-status', { hasText: 'charges made from now on bill this service' }).waitFor();
          assert.equal((await ada('GET', `/api/v1/sessions/${weekly.id}/service`)).json.service_id, sixty.id);
          // the documents' links carry the client and the dates
          const superbill = await part.getByRole('link', { name: 'Superbill', exact: true }).getAttribute('href');
          assert.match(superbill, new RegExp(`^/api/v1/clients/${sam.id}/superbill\\?from=\\d{4}-01-01&to=\\d{4}-\\d\\d-\\d\\d&format=html$`));
          // the statement as a PDF, as its link fetches it
          const pdfLink = await part.getByRole('link', { name: 'Statement as PDF' }).getAttribute('href');
          const pdf = await fetch(`${server.url}${pdfLink}`, { headers: { cookie } });
          assert.equal(pdf.status, 200);
          assert.equal(pdf.headers.get('content-type'), 'application/pdf');
          assert.equal(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString(), '%PDF-');
          await part.scrollIntoViewIfNeeded();
          await page.screenshot({ path: path.join(SHOTS, 'billing-ledger-client.png'), fullPage: false });
          // the practice's billing: services and the CSV link
          const practice = page.getByRole('region', { name: 'Billing', exact: true });
          await practice.locator('li[data-cpt="90834"]').waitFor();
          assert.match(await practice.getByRole('link', { name: 'Export for accountant (CSV)' }).getAttribute('href'),
            /^\/api\/v1\/billing\/export\.csv\?from=\d{4}-01-01&to=/);
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(width <= 360, `the page is ${width}px wide at 360`);
          assert.deepEqual(problems, []);
        } finally {
          await context.close();
        }
        charges = await ada('GET', `/api/v1/clients/${sam.id}/charges`);
        assert.deepEqual(charges.json.balance, { charged: 10000, paid: 2000, waived: 5000, balance: 3000,
          owed: 3000, credit: 0 });
        assert.equal(charges.json.charges[0].waived_reason, 'Her car broke down on the way.');
        const day = new Date().toISOString().slice(0, 10);
        const end = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
        const csv = await request(server, 'GET', `/api/v1/billing/export.csv?from=${day}&to=${end}`,
          { headers: { cookie } });
        assert.equal(csv.status, 200, csv.text);
        assert.match(csv.headers.get('content-type'), /^text\/csv/);
        assert.match(csv.headers.get('content-disposition'), /^attachment; filename="confide-billing-/);
        const lines = csv.text.split('\r\n');
        assert.equal(lines[0], 'date,type,client,service_or_method,cpt,modifier,place_of_service,amount,reference_or_state');
        assert.equal(lines.length, 5); // the header, two charges, one payment, and the end
        assert.ok(lines.some((l) => l.includes(`,payment,"'=Sam, ""Rivera""",cheque,,,,20.00,"'=HYPERLINK(""x"")"`)), csv.text);
        assert.ok(lines.some((l) => l.includes(`,charge (late_cancel),"'=Sam, ""Rivera""",`)), csv.text);
        assert.ok(lines.some((l) => l.endsWith(',50.00,waived')), csv.text);
      });
  });
});

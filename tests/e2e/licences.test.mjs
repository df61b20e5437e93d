// Licences against the real binary, in a real browser (Debian's Chromium through
// playwright-core): a practitioner adds a licence on the dashboard and sees it listed; an
// administrator adds PSYPACT; a licence expiring in 10 days is shown as a warning and brings
// exactly one reminder mail at the mail thread's first tick after a start — and none at a
// later start (the reminder is marked sent with the mail).
//
//   cd tests/e2e && node --test licences.test.mjs
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium, newWatchedPage } from './lib/browser.mjs';
import { parseMail } from './lib/mail.mjs';
import { cookieOf, request, setupAdmin, startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';

const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const PHONE = { timezoneId: 'UTC', locale: 'en-GB', viewport: { width: 360, height: 740 },
  deviceScaleFactor: 1, isMobile: true, hasTouch: true };

let browser;
let sink;
before(async () => {
  browser = await launchChromium();
  sink = await startSmtpSink();
});
after(async () => {
  await browser?.close();
  await sink?.stop();
});

const dayText = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
const reminders = () => sink.messages.map((m) => parseMail(m.data))
  .filter((m) => /^Your licence in /.test(m.subject));

describe('licences', () => {
  test('added on the page, a compact by the administrator, one reminder for one due', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'confide-licences-'));
    const env = {
      CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      CONFIDE_SMTP_STARTTLS: 'off',
      CONFIDE_MAIL_POLL_SECONDS: '1',
    };
    let server = await startServer({ dataDir, env });
    try {
      const cookie = await setupAdmin(server, ADA);
      const { page, context, problems } = await newWatchedPage(browser, server, cookie, PHONE);
      try {
        await page.goto(`${server.url}/dashboard`);
        await page.getByText('Signed in as Dr Ada Byron').waitFor();
        // her licence, through the form
        const form = page.locator('#licence-form');
        await form.getByLabel('State or country').selectOption('US-CA');
        await form.getByLabel('Type').fill('Psychologist');
        await form.getByLabel('Licence number').fill('PSY12345');
        await form.getByLabel('Expires on').fill('2030-01-31');
        await form.getByRole('button', { name: 'Add licence' }).click();
        const mine = page.locator('#licence-list li');
        await mine.first().waitFor();
        assert.match(await mine.first().innerText(), /Psychologist, California, no\. PSY12345 — valid until 2030-01-31/);
        // the practice's compact
        const compact = page.locator('#compact-form');
        await compact.getByLabel('Name').fill('PSYPACT');
        await compact.getByLabel('Member states and countries').selectOption(['US-AZ', 'US-CO', 'US-NV']);
        await compact.getByLabel('Relied on from').fill('2026-01-01');
        await compact.getByRole('button', { name: 'Add compact' }).click();
        await page.locator('#compact-list li').first().waitFor();
        assert.match(await page.locator('#compact-list li').first().innerText(),
          /PSYPACT: Arizona, Colorado, Nevada — relied on from 2026-01-01/);
        const compacts = await request(server, 'GET', '/api/v1/compacts', { headers: { cookie } });
        assert.deepEqual(compacts.json.compacts.map((k) => k.members.map((m) => m.key)), [['US-AZ', 'US-CO', 'US-NV']]);

        // a licence running out in 10 days: a warning on the home
        const soon = await request(server, 'POST', '/api/v1/account/licences', { headers: { cookie },
          body: { jurisdiction: 'gb', kind: 'Counsellor', number: 'GB-77', expires_on: dayText(10) } });
        assert.equal(soon.status, 201, soon.text);
        assert.equal(soon.json.licence.jurisdiction, 'GB');
        await page.reload();
        const warnings = page.locator('#licence-warnings');
        await warnings.getByRole('heading', { name: 'Licence warnings' }).waitFor();
        assert.match(await warnings.innerText(), /Counsellor licence in United Kingdom \(no\. GB-77\) expires in 10 days/);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }

      // the first tick after a start sends the reminder; the California one is years away
      assert.equal(reminders().length, 0);
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
      server = await startServer({ dataDir, env, port: server.port });
      await sink.waitFor(() => reminders().length >= 1, 8000);
      const [mail] = reminders();
      assert.equal(mail.subject, `Your licence in United Kingdom expires on ${dayText(10)}`);
      assert.match(mail.text.replace(/\s+/g, " "), /Your Counsellor licence in United Kingdom \(number GB-77\) expires on/);
      assert.match(mail.text.replace(/\s+/g, " "), /will be flagged on your dashboard/);
      // marked sent: later ticks, and the first tick of another start, send nothing more
      await new Promise((r) => setTimeout(r, 2500));
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
      server = await startServer({ dataDir, env, port: server.port });
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(reminders().length, 1);
      const login = await request(server, 'POST', '/api/v1/login', { body: { email: ADA.email, password: ADA.password } });
      const listed = await request(server, 'GET', '/api/v1/account/licences', { headers: { cookie: cookieOf(login) } });
      assert.equal(listed.json.licences.find((l) => l.number === 'GB-77').days_left, 10);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// The account lifecycle in a real browser (Debian's Chromium through playwright-core)
// against the real confide binary and a real SMTP sink: an administrator invites a
// therapist from the dashboard, the invitation mail arrives, the therapist chooses a
// password through its link and signs in; the administrator disables them and their open
// dashboard is refused at once. Then the account section: a password change ends the other
// sign-in, and "sign out everywhere" ends this one.
//
//   cd tests/e2e && node --test accounts.test.mjs
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { launchChromium, newWatchedPage } from './lib/browser.mjs';
import { parseMail } from './lib/mail.mjs';
import { request, setupAdmin, startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';

const PRACTICE = 'Harbour Counselling';
const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example',
  password: 'a long and quiet passphrase' };
const TOM = { name: 'Dr Tom Reyes', email: 'tom@practice.example',
  password: 'tom chose this passphrase' };

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

async function withServer(fn) {
  const server = await startServer({
    env: {
      CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      CONFIDE_SMTP_STARTTLS: 'off',
      CONFIDE_MAIL_POLL_SECONDS: '1',
      CONFIDE_PRACTICE_NAME: PRACTICE,
    },
  });
  let failed = false;
  try {
    await fn(server, await setupAdmin(server, ADA));
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    const exit = await server.stop();
    server.cleanup();
    if (!failed) {
      assert.deepEqual(exit, { code: 0, signal: null },
        `confide did not stop cleanly:\n${server.stderr.slice(-3000)}`);
    }
  }
}

const newPage = (server, cookie) => newWatchedPage(browser, server, cookie, { locale: 'en-GB' });

// RFC 6238 as an authenticator app computes it, `steps` steps from now
function totp(secret, steps = 0) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret].map((c) => abc.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + steps));
  const mac = createHmac('sha1', key).update(counter).digest();
  return String((mac.readUInt32BE(mac[19] & 15) & 0x7fffffff) % 1e6).padStart(6, '0');
}

const fetchStatus = (page, p) =>
  page.evaluate(async (url) => (await fetch(url, { credentials: 'same-origin' })).status, p);

async function signIn(page, server, who) {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('accounts', () => {
  test('invite a therapist by mail, who sets a password and signs in; disabling ends their sign-in', async () => {
    await withServer(async (server, cookie) => {
      const admin = await newPage(server, cookie);
      const tom = await newPage(server, null);
      try {
        const { page } = admin;
        await page.goto(`${server.url}/dashboard`);
        await page.getByText(`Signed in as ${ADA.name}`).waitFor();
        const team = page.locator('#team');
        await team.getByRole('heading', { name: 'Team' }).waitFor();
        await team.getByText(`${ADA.name} (you)`).waitFor();

        const form = page.getByRole('form', { name: 'Invite a practitioner' });
        await form.getByLabel('Name').fill(TOM.name);
        await form.getByLabel('Email').fill(TOM.email);
        await form.getByLabel('Role').selectOption('therapist');
        await form.getByRole('button', { name: 'Send invitation' }).click();
        await page.getByText(`The invitation was mailed to ${TOM.email}`).waitFor();
        const shown = await page.getByLabel('Invitation link').inputValue();
        assert.match(shown, /^http:\/\/127\.0\.0\.1:\d+\/invite#[A-Za-z0-9_-]{22}$/);
        await team.getByText('Therapist · invited, no password yet · two-step sign-in off').waitFor();

        // the mail, through the outbox and SMTP, holds the same one-time link
        await sink.waitFor((msgs) => msgs.some((m) => m.to.includes(TOM.email)), 15000);
        const mail = parseMail(sink.messages.find((m) => m.to.includes(TOM.email)).data);
        assert.equal(mail.subject, `Your account at ${PRACTICE}`);
        assert.match(mail.text, /^Hello Dr Tom Reyes,/);
        const link = mail.text.match(/(http\S+\/invite#\S+)/)[1];
        assert.equal(link, shown);
        assert.ok(!server.stderr.includes(link.split('#')[1]), 'the token is in no log line');
        assert.ok(!server.stderr.includes(TOM.email), 'the address is in no log line');

        // Tom chooses his password through the link, then signs in
        await tom.page.goto(link);
        await tom.page.getByText(`Welcome, ${TOM.name}.`).waitFor();
        assert.equal(await tom.page.getByLabel('Email').inputValue(), TOM.email);
        await tom.page.getByLabel('Password', { exact: true }).fill(TOM.password);
        await tom.page.getByLabel('The same password again').fill('not the same');
        await tom.page.getByRole('button', { name: 'Set password' }).click();
        await tom.page.getByText('The two passwords are not the same.').waitFor();
        await tom.page.getByLabel('The same password again').fill(TOM.password);
        await tom.page.getByRole('button', { name: 'Set password' }).click();
        await tom.page.getByText('Your password is set. You can sign in now.').waitFor();
        // the link worked once
        const again = await request(server, 'POST', '/api/v1/invitations/lookup',
          { body: { token: link.split('#')[1] } });
        assert.equal(again.status, 410);
        await tom.page.getByRole('link', { name: 'Go to sign in' }).click();
        await tom.page.getByLabel('Email').fill(TOM.email);
        await tom.page.getByLabel('Password').fill(TOM.password);
        await tom.page.getByRole('button', { name: 'Sign in' }).click();
        await tom.page.getByText(`Signed in as ${TOM.name}`).waitFor();
        assert.equal(await tom.page.locator('#team').isHidden(), true, 'a therapist sees no team');
        assert.equal(await fetchStatus(tom.page, '/api/v1/users'), 403);

        // the administrator disables him: his open dashboard is refused at once
        await page.reload();
        await team.getByText('Therapist · active · two-step sign-in off').waitFor();
        const row = team.locator('li', { hasText: TOM.email });
        await row.getByRole('button', { name: 'Disable' }).click();
        await page.getByText(`${TOM.name} is disabled; their sign-ins have ended.`).waitFor();
        await row.getByText('Therapist · disabled').waitFor();
        assert.equal(await fetchStatus(tom.page, '/api/v1/me'), 401);
        // the page's next request is refused and it leaves for the sign-in page
        const add = tom.page.getByRole('form', { name: 'Add a client' });
        await add.getByLabel('Name', { exact: true }).fill('Sam Rivera');
        await add.getByRole('button', { name: 'Add client' }).click();
        await tom.page.waitForURL(`${server.url}/`);
        await signIn(tom.page, server, TOM);
        await tom.page.getByText('This account is disabled').waitFor();

        // the last administrator cannot disable herself
        await team.locator('li', { hasText: ADA.email }).getByRole('button', { name: 'Disable' }).click();
        await page.getByText("This is the practice's last administrator").waitFor();
        // enabled again, he signs in
        await row.getByRole('button', { name: 'Enable' }).click();
        await page.getByText(`${TOM.name} can sign in again.`).waitFor();
        await signIn(tom.page, server, TOM);
        await tom.page.getByText(`Signed in as ${TOM.name}`).waitFor();
        assert.deepEqual([...admin.problems, ...tom.problems], []);
      } finally {
        await admin.context.close();
        await tom.context.close();
      }
    });
  });

  test('a password change ends the other sign-ins; sign out everywhere ends this one', async () => {
    await withServer(async (server, cookie) => {
      const here = await newPage(server, cookie);
      const elsewhere = await newPage(server, null);
      try {
        await signIn(elsewhere.page, server, ADA);
        await elsewhere.page.getByText(`Signed in as ${ADA.name}`).waitFor();
        const { page } = here;
        await page.goto(`${server.url}/dashboard`);
        await page.getByText(`Signed in as ${ADA.name}`).waitFor();
        const form = page.getByRole('form', { name: 'Change password' });
        await form.getByLabel('Current password').fill('not my password');
        await form.getByLabel('New password').fill('a brand new passphrase');
        await form.getByRole('button', { name: 'Change password' }).click();
        await page.getByText('Your current password is not right.').waitFor();
        await form.getByLabel('Current password').fill(ADA.password);
        await form.getByRole('button', { name: 'Change password' }).click();
        await page.getByText('Your password is changed. Your other sign-ins have ended.').waitFor();
        assert.equal(await fetchStatus(page, '/api/v1/me'), 200);
        assert.equal(await fetchStatus(elsewhere.page, '/api/v1/me'), 401);

        await signIn(elsewhere.page, server, { ...ADA, password: 'a brand new passphrase' });
        await elsewhere.page.getByText(`Signed in as ${ADA.name}`).waitFor();
        await page.getByRole('button', { name: 'End all sign-ins' }).click();
        await page.waitForURL(`${server.url}/`);
        assert.equal(await fetchStatus(elsewhere.page, '/api/v1/me'), 401);
        assert.deepEqual([...here.problems, ...elsewhere.problems], []);
      } finally {
        await here.context.close();
        await elsewhere.context.close();
      }
    });
  });

  test('two-step sign-in: a fresh set of recovery codes, then turned off with the password and one of them', async () => {
    await withServer(async (server, cookie) => {
      const start = await request(server, 'POST', '/api/v1/me/mfa/totp', { headers: { cookie } });
      assert.equal(start.status, 200, start.text);
      const secret = start.json.secret;
      const confirm = await request(server, 'POST', '/api/v1/me/mfa/totp/confirm',
        { headers: { cookie }, body: { code: totp(secret) } });
      assert.equal(confirm.status, 200, confirm.text);
      const here = await newPage(server, cookie);
      try {
        const { page } = here;
        await page.goto(`${server.url}/dashboard`);
        await page.getByText('10 recovery codes left').waitFor();
        const renew = page.getByRole('form', { name: 'New recovery codes' });
        await renew.getByLabel('Code your app shows now').fill('000000');
        await renew.getByRole('button', { name: 'Make new recovery codes' }).click();
        await page.getByText('That code is not right.').waitFor();
        await renew.getByLabel('Code your app shows now').fill(totp(secret, 1));
        await renew.getByRole('button', { name: 'Make new recovery codes' }).click();
        const codes = page.locator('#mfa-renew-list li');
        await codes.first().waitFor();
        assert.equal(await codes.count(), 10);
        const recovery = await codes.first().textContent();
        assert.match(recovery, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
        assert.ok(!confirm.json.recovery_codes.includes(recovery));
        await page.locator('#mfa-renew-saved').click();

        const off = page.getByRole('form', { name: 'Turn off two-step sign-in' });
        await off.getByLabel('Your password').fill('not my password');
        await off.getByLabel('Code from the app, or a recovery code').fill(recovery);
        await off.getByRole('button', { name: 'Turn off' }).click();
        await page.getByText('Your password is not right.').waitFor();
        await off.getByLabel('Your password').fill(ADA.password);
        await off.getByRole('button', { name: 'Turn off' }).click();
        await page.getByText('Off. With it on').waitFor();
        assert.equal(await page.locator('#mfa-manage').isHidden(), true);
        const mfa = await request(server, 'GET', '/api/v1/me/mfa', { headers: { cookie } });
        assert.equal(mfa.json.totp, false);
        assert.deepEqual(here.problems, []);
      } finally {
        await here.context.close();
      }
    });
  });
});

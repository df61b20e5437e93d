// The web client in a real browser (Debian's Chromium through playwright-core) against the
// real confide binary. Each test starts its own server and checks what a person sees.
//
//   cd tests/e2e && node --test browser.test.mjs
//
// CONFIDE_BIN picks the binary (default ../../build/debug/confide); CHROMIUM the browser.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';

import { setupAdmin, startServer } from './lib/server.mjs';


const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example',
  password: 'a long and quiet passphrase' };

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

// A fresh browser context (no cookies, no storage); closed when fn finishes.
async function withPage(options, fn) {
  const context = await browser.newContext(options);
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    await fn(page, context);
  } finally {
    await context.close();
  }
}

// Through the setup link, as the person who installed confide would.
async function setUpThroughPage(page, server, account = ADA) {
  await page.goto(server.setupLink);
  await page.getByLabel('Name', { exact: true }).fill(account.name);
  await page.getByLabel('Email', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${server.url}/dashboard`);
  await page.getByText(`Signed in as ${account.name}`).waitFor();
}

async function signIn(page, server, account = ADA) {
  await page.goto(`${server.url}/`);
  await page.getByLabel('Email', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// GET from inside the page, with its cookie, as the client's own scripts would.
function fetchFromPage(page, path) {
  return page.evaluate(async (p) => {
    const res = await fetch(p, { credentials: 'same-origin' });
    return { status: res.status, json: await res.json().catch(() => null) };
  }, path);
}

describe('browser', () => {
  test('first-run setup through the printed link', async () => {
    await withServer({}, async (server) => {
      assert.match(server.setupLink ?? '', /^http:\/\/127\.0\.0\.1:\d+\/setup#\S+$/);
      await withPage({}, async (page) => {
        // without the token the page explains what to open
        await page.goto(`${server.url}/setup`);
        await page.getByText('needs the setup link that confide printed').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Create account' }).isVisible(), false);

        // the sign-in page says there is no account yet
        await page.goto(`${server.url}/`);
        await page.getByText('This server has no account yet.').waitFor();

        await page.goto(server.setupLink);
        await page.getByRole('heading', { name: 'Set up confide' }).waitFor();
        await page.getByText('At least 12 characters').waitFor();
        // every problem at once, each under its field; the server's password rules as they are
        const problemOf = (label) => page.getByLabel(label, { exact: true }).evaluate((e) => {
          const ids = (e.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
          const last = ids.length ? document.getElementById(ids[ids.length - 1]) : null;
          return e.getAttribute('aria-invalid') === 'true' && last === e.nextElementSibling
            ? last.textContent : null;
        });
        await page.getByLabel('Email', { exact: true }).fill('ada at home');
        await page.getByLabel('Password', { exact: true }).fill('short');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.getByRole('alert').filter({ hasText: 'Please check the 3 marked entries.' }).waitFor();
        assert.equal(await problemOf('Name'), 'Enter a name.');
        assert.match(await problemOf('Email') ?? '', /valid email address/);
        assert.match(await problemOf('Password') ?? '', /at least 12 characters/);
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'name');

        await page.getByLabel('Name', { exact: true }).fill(ADA.name);
        await page.getByLabel('Email', { exact: true }).fill(ADA.email);
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForFunction(() => document.activeElement?.id === 'password');
        assert.equal(await problemOf('Name'), null);
        assert.equal(await problemOf('Email'), null);
        assert.match(await problemOf('Password') ?? '', /at least 12 characters/);

        await page.getByLabel('Password', { exact: true }).fill(ADA.password);
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL(`${server.url}/dashboard`);
        await page.getByText(`Signed in as ${ADA.name}`).waitFor();
        await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
        await page.getByText('No sessions scheduled yet.').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), true);

        // the link is spent: opening it again says so and points to sign-in
        await page.goto(server.setupLink);
        await page.getByText('This server is set up already.').waitFor();
        assert.equal(await page.getByRole('link', { name: 'Go to sign in' }).getAttribute('href'), '/');
        assert.equal(await page.getByRole('button', { name: 'Create account' }).isVisible(), false);
        await page.reload();
        await page.getByText('This server is set up already.').waitFor();
      });
    });
  });

  test('sign out, a wrong password, then signing in', async () => {
    await withServer({}, async (server) => {
      await withPage({}, async (page) => {
        await setUpThroughPage(page, server);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL(`${server.url}/`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.equal((await fetchFromPage(page, '/api/v1/me')).status, 401);
        // signed out, the dashboard sends people back to sign in
        await page.goto(`${server.url}/dashboard`);
        await page.waitForURL(`${server.url}/`);

        await signIn(page, server, { ...ADA, password: 'not the right passphrase' });
        const alert = page.getByRole('alert');
        await alert.waitFor();
        assert.equal(await alert.textContent(), 'The email address or the password is not right.');
        assert.equal(page.url(), `${server.url}/`);
        assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');

        await page.getByLabel('Password', { exact: true }).fill(ADA.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${server.url}/dashboard`);
        await page.getByText(`Signed in as ${ADA.name}`).waitFor();
        await page.getByText('No sessions scheduled yet.').waitFor();

        const me = await fetchFromPage(page, '/api/v1/me');
        assert.equal(me.status, 200);
        assert.equal(me.json.user.name, ADA.name);
        assert.equal(me.json.user.email, ADA.email);
        assert.equal(me.json.user.role, 'admin');

        // signed in, the sign-in page goes straight on to the dashboard
        await page.goto(`${server.url}/`);
        await page.waitForURL(`${server.url}/dashboard`);
      });
    });
  });

  test('idle sign-out: the page leaves for sign-in and says why', async () => {
    await withServer({ env: { CONFIDE_IDLE_TIMEOUT: '3' } }, async (server) => {
      await setupAdmin(server, ADA);
      await withPage({}, async (page) => {
        await signIn(page, server);
        await page.waitForURL(`${server.url}/dashboard`);
        await page.getByText(`Signed in as ${ADA.name}`).waitFor();
        const shownAt = Date.now();

        // activity elsewhere (another tab, say) at 2 s keeps the sign-in alive: the page's
        // check at 4 s (3 s timeout + 1 s) asks how long is left, without renewing it, and stays
        await page.waitForTimeout(2000);
        assert.equal((await fetchFromPage(page, '/api/v1/me')).status, 200);
        await page.waitForTimeout(2800);
        assert.equal(page.url(), `${server.url}/dashboard`);

        // then no activity: the sign-in ends 3 s after the request at 2 s; the page's
        // next check finds it ended and leaves
        await page.waitForURL(`${server.url}/?signed_out=idle`, { timeout: 8000 });
        const waited = Date.now() - shownAt;
        assert.ok(waited >= 5000, `left the dashboard after only ${waited} ms`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        const notice = page.getByRole('status');
        await notice.waitFor();
        assert.match(await notice.textContent(),
          /^You were signed out after .+ without activity\. Please sign in again\.$/);
        assert.equal(await page.getByText('No sessions scheduled yet.').count(), 0);

        const me = await fetchFromPage(page, '/api/v1/me');
        assert.equal(me.status, 401);
        // a reload does not keep showing the message from sessionStorage
        await page.goto(`${server.url}/`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.equal(await page.getByRole('status').count(), 0);
      });
    });
  });

  test('the pages keep to the Content Security Policy and to this server', async () => {
    await withServer({}, async (server) => {
      await withPage({}, async (page) => {
        const problems = [];
        const violations = [];
        const requests = [];
        page.on('console', (msg) => {
          if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
        });
        page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
        page.on('request', (req) => requests.push(req.url()));
        await page.exposeBinding('reportViolation', (_source, text) => violations.push(text));
        await page.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (e) => {
            window.reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
          });
        });

        await page.goto(`${server.url}/`);
        await page.getByText('This server has no account yet.').waitFor();
        await page.goto(server.setupLink);
        await page.getByRole('button', { name: 'Create account' }).waitFor();
        await page.goto(`${server.url}/dashboard`); // signed out: back to sign-in
        await page.waitForURL(`${server.url}/`);
        await setUpThroughPage(page, server);
        await page.goto(`${server.url}/dashboard`);
        await page.getByText('No sessions scheduled yet.').waitFor();
        const notFound = await page.goto(`${server.url}/no/such/page.html`);
        assert.equal(notFound.status(), 404);
        await page.getByRole('heading', { name: 'Page not found' }).waitFor();
        await page.getByRole('link', { name: 'Go to the sign-in page' }).waitFor();

        const csp = problems.filter((p) => /Content Security Policy/i.test(p));
        assert.deepEqual(csp, []);
        assert.deepEqual(violations, []);
        assert.deepEqual(problems.filter((p) => p.startsWith('pageerror')), []);
        assert.ok(requests.length > 10, `only ${requests.length} requests seen`);
        const elsewhere = requests.filter((u) => new URL(u).hostname !== '127.0.0.1');
        assert.deepEqual(elsewhere, []);

        // the listeners do notice a violation: an inline script is refused
        await page.evaluate(() => {
          const s = document.createElement('script');
          s.textContent = 'window.inlineRan = true;';
          document.head.append(s);
        });
        await page.waitForTimeout(200);
        assert.equal(await page.evaluate(() => window.inlineRan), undefined);
        assert.ok(problems.some((p) => /Content Security Policy/i.test(p)) || violations.length > 0,
          'a refused inline script was not reported');
      });
    });
  });

  test('a phone-sized screen: nothing runs off the side', async () => {
    await withServer({}, async (server) => {
      const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3,
        isMobile: true, hasTouch: true };
      await withPage(phone, async (page) => {
        const overflow = () => page.evaluate(() => document.documentElement.scrollWidth);

        await page.goto(`${server.url}/`);
        const button = page.getByRole('button', { name: 'Sign in' });
        await button.waitFor();
        assert.equal(await button.isVisible(), true);
        const box = await button.boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844,
          `the Sign in button is off screen: ${JSON.stringify(box)}`);
        assert.ok(await overflow() <= 390, `sign-in page is ${await overflow()} px wide`);

        await setUpThroughPage(page, server, { ...ADA,
          name: 'Dr Ada Augusta King, Countess of Lovelace, Psychotherapist' });
        await page.getByRole('button', { name: 'Sign out' }).waitFor();
        assert.ok(await overflow() <= 390, `dashboard is ${await overflow()} px wide`);
      });
    });
  });
});


// What an authenticator app shows for a base32 secret (RFC 6238: HMAC-SHA-1, 30 s, 6 digits),
// `steps` steps from now.
function totpCode(secret, steps = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + steps));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[19] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

describe('two-step sign-in', () => {
  test('an administrator sets it up at sign-in, then signs in with a code or a recovery code once',
    async () => {
      await withServer({ env: { CONFIDE_REQUIRE_MFA: 'admins' } }, async (server) => {
        await withPage({}, async (page) => {
          await setUpThroughPage(page, server);
          await page.getByRole('button', { name: 'Sign out' }).click();
          await page.waitForURL(`${server.url}/`);

          // the password alone is not enough: the page shows the enrolment
          await signIn(page, server);
          await page.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
          await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
          assert.equal((await fetchFromPage(page, '/api/v1/me')).status, 401);
          const secret = (await page.locator('#enrol-secret').textContent()).replace(/\s/g, '');
          assert.match(secret, /^[A-Z2-7]{32}$/);
          const code = page.getByLabel('6-digit code from the app');
          assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
          await code.fill('000000');
          await page.getByRole('button', { name: 'Confirm' }).click();
          await page.getByText('That code is not right.').waitFor();
          await code.fill(totpCode(secret));
          await page.getByRole('button', { name: 'Confirm' }).click();
          await page.getByText('They are shown only now').waitFor();
          const recovery = await page.locator('#enrol-code-list li').allTextContents();
          assert.equal(recovery.length, 10);
          await page.getByRole('button', { name: 'I have saved these' }).click();
          await page.waitForURL(`${server.url}/dashboard`);
          await page.getByText('Signed in as Dr Ada Byron').waitFor();
          await page.getByText('10 recovery codes left').waitFor();

          // signing in now asks for a code
          await page.getByRole('button', { name: 'Sign out' }).click();
          await page.waitForURL(`${server.url}/`);
          await signIn(page, server);
          const field = page.getByLabel('Code', { exact: true });
          await field.waitFor();
          assert.equal(await field.getAttribute('inputmode'), 'numeric');
          assert.equal(await field.getAttribute('autocomplete'), 'one-time-code');
          assert.equal((await fetchFromPage(page, '/api/v1/me')).status, 401);
          await field.fill(totpCode(secret, 1)); // the next step's: the one used above is spent
          await page.getByRole('button', { name: 'Continue' }).click();
          await page.waitForURL(`${server.url}/dashboard`);
          await page.getByText('Signed in as Dr Ada Byron').waitFor();

          // a recovery code works once
          for (const expectOk of [true, false]) {
            await page.getByRole('button', { name: 'Sign out' }).click();
            await page.waitForURL(`${server.url}/`);
            await signIn(page, server);
            await page.getByLabel('Code', { exact: true }).fill(recovery[3]);
            await page.getByRole('button', { name: 'Continue' }).click();
            if (expectOk) {
              await page.waitForURL(`${server.url}/dashboard`);
              await page.getByText('9 recovery codes left').waitFor();
            } else {
              await page.getByText('That code is not right.').waitFor();
              assert.equal((await fetchFromPage(page, '/api/v1/me')).status, 401);
            }
          }
        });
      });
    });

  test('where it is not required, it is set up from the dashboard', async () => {
    await withServer({}, async (server) => {
      await withPage({}, async (page) => {
        await setUpThroughPage(page, server);
        await page.getByText('Off. With it on').waitFor();
        await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
        await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
        const secret = (await page.locator('#enrol-secret').textContent()).replace(/\s/g, '');
        await page.getByLabel('6-digit code from the app').fill(totpCode(secret));
        await page.getByRole('button', { name: 'Confirm' }).click();
        await page.getByRole('button', { name: 'I have saved these' }).click();
        await page.getByText('10 recovery codes left').waitFor();
        // with require_mfa off, an account that set it up still gives a code
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL(`${server.url}/`);
        await signIn(page, server);
        await page.getByLabel('Code', { exact: true }).fill(totpCode(secret, 1));
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.waitForURL(`${server.url}/dashboard`);
      });
    });
  });
});

describe('the device check a client is sent to', () => {
  test('with a camera and microphone: a live preview, a moving level, plain words', async () => {
    // Chromium's fake camera (a moving test pattern) and fake microphone (a beeping tone)
    const media = await launchChromium(['--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream']);
    try {
      await withServer({}, async (server) => {
        const page = await (await media.newContext()).newPage();
        page.setDefaultTimeout(10000);
        const requests = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(`${server.url}/check`);
        await page.getByRole('heading', { name: 'Check your camera and microphone' }).waitFor();
        await page.getByText('Browser: ready for video calls.').waitFor();
        await page.getByRole('button', { name: 'Start the check' }).click();
        await page.getByText('Camera: working. You should see yourself above.').waitFor();
        await page.waitForFunction(() => document.querySelector('video[aria-label="Your camera"]').videoWidth > 0);
        await page.getByText('Microphone: working, we can hear you.').waitFor();
        // the meter follows the sound (a <meter> never reads below its min, so wait for > 0)
        await page.waitForFunction(() => document.getElementById('level').value > 0);
        await page.getByRole('button', { name: 'Stop the check' }).click();
        assert.equal(await page.evaluate(() => document.querySelector('video').srcObject), null);
        assert.deepEqual(requests.filter((u) => new URL(u).host !== new URL(server.url).host), []);
      });
    } finally {
      await media.close();
    }
  });

  test('without permission: it says how to allow the camera', async () => {
    await withServer({}, async (server) => {
      await withPage({}, async (page) => {
        // headless Chromium without the fake-UI flag denies the permission prompt
        await page.goto(`${server.url}/check`);
        await page.getByRole('button', { name: 'Start the check' }).click();
        const alert = page.getByRole('alert');
        await alert.waitFor();
        assert.match(await alert.textContent(), /camera|microphone/i);
        await page.getByText('Camera: not working.').waitFor();
      });
    });
  });
});

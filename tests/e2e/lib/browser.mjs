// What the browser tests share: Debian's Chromium launched the way this machine needs
// (no sandbox as root, no background networking on a closed network), and a server run
// for one test whose clean stop (exit code 0, no signal: no crash, no sanitizer report) is
// part of the test.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { startServer } from './server.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export async function withServer(options, fn) {
  const server = await startServer(options);
  let failed = false;
  try {
    await fn(server);
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

// A fresh browser context (with the sign-in cookie, when given) and a page in it whose
// script errors and unexpected console errors are collected in `problems` (a test ends by
// asserting it is empty). The browser logs every 4xx answer as a console error: `expected`
// matches the statuses a test provokes (default: any 4xx).
export async function newWatchedPage(browser, server, cookie, contextOptions = {}, expected = /status of 4\d\d /) {
  const context = await browser.newContext(contextOptions);
  if (cookie) {
    const i = cookie.indexOf('=');
    await context.addCookies([{ name: cookie.slice(0, i), value: cookie.slice(i + 1), url: server.url }]);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !expected.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  return { page, context, problems };
}

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

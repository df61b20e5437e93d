// Debian's coturn (`turnserver`), started by a test on loopback with the TURN REST scheme
// (use-auth-secret) and a random shared secret, and stopped at its end.
//
// coturn refuses to relay to loopback peers unless told (allow-loopback-peers, which it
// takes only without its telnet CLI: no-cli); the tests' confide has its media on 127.0.0.1.
// Every other peer is denied, confide's address allowed, as docs/DEPLOY.md advises.
// No TLS and no DTLS: the test needs TURN over UDP and TCP only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './server.mjs';

export const TURNSERVER = process.env.TURNSERVER ?? '/usr/bin/turnserver';

export async function startTurn({ realm = 'confide.test' } = {}) {
  if (!existsSync(TURNSERVER)) {
    throw new Error(`${TURNSERVER} is missing (apt-get install coturn; scripts/bootstrap --test)`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'confide-turn-'));
  const port = await freePort();
  const secret = randomBytes(24).toString('hex');
  const log = path.join(dir, 'turnserver.log');
  const conf = path.join(dir, 'turnserver.conf');
  writeFileSync(conf, [
    'listening-ip=127.0.0.1', `listening-port=${port}`, 'relay-ip=127.0.0.1',
    'min-port=50000', 'max-port=50999',
    'use-auth-secret', `static-auth-secret=${secret}`, `realm=${realm}`,
    'fingerprint', 'no-cli', 'no-tls', 'no-dtls', 'allow-loopback-peers', 'no-multicast-peers',
    // as docs/DEPLOY.md has it: relay to confide's media address alone
    'denied-peer-ip=0.0.0.0-255.255.255.255', 'allowed-peer-ip=127.0.0.1',
    `userdb=${path.join(dir, 'turndb')}`, `pidfile=${path.join(dir, 'turnserver.pid')}`, `log-file=${log}`, 'simple-log', 'verbose',
    '',
  ].join('\n'));
  const proc = spawn(TURNSERVER, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const readLog = () => { try { return readFileSync(log, 'utf8'); } catch { return ''; } };
  const deadline = Date.now() + 10000;
  // ready once every listener is open (UDP comes after TCP)
  while (!/Total General servers/.test(readLog())) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`turnserver did not start (exit ${proc.exitCode}):\n${output}\n${readLog()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    secret,
    realm,
    uris: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    log: readLog,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      const status = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return status;
    },
  };
}

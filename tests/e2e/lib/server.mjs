// Starts the real confide binary on a free loopback port with a fresh data directory.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const BIN = process.env.CONFIDE_BIN ?? path.resolve('../../build/debug/confide');
export const WEB_DIR = process.env.CONFIDE_WEB_DIR ?? path.resolve('../../web');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// options.env: extra environment (e.g. { CONFIDE_IDLE_TIMEOUT: '3' })
// options.args: extra command-line arguments
// options.dataDir: reuse a data directory (for restarts)
// options.databaseUrl: this PostgreSQL database, shared (several nodes), instead of one
//   made for the data directory
// With CONFIDE_TEST_PG_DIR (the throw-away cluster's socket directory, tests/CMakeLists.txt)
// the store is on PostgreSQL: one database per data directory, made at its first start
// and found again at a restart on the same directory; the cluster goes at the end of the
// run with everything in it. The tests' own `confide admin …` calls (spawnSync with the
// inherited environment) reach the newest server's database through process.env.
function postgresqlFor(dataDir) {
  const socketDir = process.env.CONFIDE_TEST_PG_DIR;
  if (!socketDir) return {};
  const name = `e2e_${path.basename(dataDir).replace(/[^A-Za-z0-9]/g, '_').toLowerCase()}`;
  const made = spawnSync('/usr/lib/postgresql/15/bin/createdb', ['-h', socketDir, '-U', 'postgres', name],
    { encoding: 'utf8' });
  if (made.status !== 0 && !/already exists/.test(made.stderr)) {
    throw new Error(`createdb ${name}: ${made.stderr}`);
  }
  process.env.CONFIDE_DATABASE_URL = `postgresql:///${name}?host=${socketDir}&user=postgres`;
  return { CONFIDE_DATABASE_URL: process.env.CONFIDE_DATABASE_URL };
}

export async function startServer(options = {}) {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'confide-test-'));
  const scheme = options.tls ? 'https' : 'http';
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir,
                '--web-dir', WEB_DIR, ...(options.args ?? [])];
  const databaseUrl = options.databaseUrl ?? postgresqlFor(dataDir).CONFIDE_DATABASE_URL ?? null;
  const proc = spawn(BIN, args, {
    // two-step sign-in is off unless a test turns it on (CONFIDE_REQUIRE_MFA: 'admins'), so
    // the tests that sign the administrator in with a password go on doing so
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', CONFIDE_REQUIRE_MFA: 'off',
           ...(databaseUrl ? { CONFIDE_DATABASE_URL: databaseUrl } : {}),
           ...(options.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));

  const deadline = Date.now() + 15000;
  while (!stdout.includes('listening on')) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      throw new Error(`confide did not start (exit ${proc.exitCode}):\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await new Promise((r) => setTimeout(r, 25)); // the setup line follows in the same flush
  const m = stdout.match(/(https?:\/\/\S+\/setup#\S+)/);
  const server = {
    port,
    dataDir,
    url: `${scheme}://127.0.0.1:${port}`,
    databaseUrl, // null: SQLite in dataDir
    setupLink: m ? m[1] : null,
    setupToken: m ? m[1].split('#')[1] : null,
    proc,
    exited,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    // SIGTERM and wait; resolves to the exit status
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      proc.kill('SIGKILL');
      return exited;
    },
    cleanup() {
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

// fetch with JSON conveniences; returns { status, headers, json, text }
export async function request(server, method, p, { body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (raw !== undefined) {
    init.body = raw;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(server.url + p, init);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

// Creates the first account through the setup endpoint; returns the session cookie.
export async function setupAdmin(server, account = {}) {
  const res = await request(server, 'POST', '/api/v1/setup', {
    body: {
      setup_token: server.setupToken,
      name: account.name ?? 'Dr Ada Byron',
      email: account.email ?? 'ada@practice.example',
      password: account.password ?? 'a long and quiet passphrase',
    },
  });
  if (res.status !== 201) throw new Error(`setup failed: ${res.status} ${res.text}`);
  return cookieOf(res);
}

export function cookieOf(res) {
  const set = res.headers.get('set-cookie');
  return set ? set.split(';')[0] : null;
}

// One statement on a server's database, as its administrator would run it: Debian's sqlite3
// on dataDir/confide.db, or psql on its PostgreSQL database. Rows come back one per line,
// columns joined by '|' (both tools' plain output). Give `sql` as { sqlite, postgresql }
// where the two dialects differ.
export function dbQuery(server, sql) {
  const text = typeof sql === 'string' ? sql : (server.databaseUrl ? sql.postgresql : sql.sqlite);
  const out = server.databaseUrl
    ? spawnSync('/usr/lib/postgresql/15/bin/psql', ['-At', '-v', 'ON_ERROR_STOP=1', '-d', server.databaseUrl, '-c', text], { encoding: 'utf8' })
    : spawnSync('sqlite3', [path.join(server.dataDir, 'confide.db'), text], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${text}: ${out.stderr}`);
  return out.stdout.trim();
}

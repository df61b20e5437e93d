// Faults against the real binary, each a test (docs/RELIABILITY.md, "Faults", has the numbers):
//   - kill -9 in the middle of a burst of concurrent writes: every write that was
//     acknowledged is there after the restart, the audit chain verifies, SQLite's
//     integrity_check is ok;
//   - the data directory on a small tmpfs filled up while the server runs: writes answer
//     503 storage_full with Retry-After, reads go on, nothing crashes, mail waits, and all
//     of it comes back when space does; the database stays whole (needs root for mount);
//   - the SMTP server down for a while: the invitation goes out once it is back, exactly
//     once.
// Each test prints what it measured as a `# measured:` line.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BIN, startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';
import { parseMail } from './lib/mail.mjs';

const ADMIN = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One request on a connection of its own (agent: false), answered within 15 s or failed:
// a kill mid-burst then fails exactly the requests that were in flight, each on its own.
// Resolves to { status, header(name), json, text }; rejects when the connection dies.
function request(server, method, p, { body, cookie } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : JSON.stringify(body);
    const headers = {};
    if (cookie) headers.cookie = cookie;
    if (data !== null) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(data);
    }
    const req = http.request({ host: '127.0.0.1', port: server.port, path: p, method, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('error', reject);
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, header: (name) => res.headers[name] ?? null, json, text });
      });
    });
    req.setTimeout(15000, () => req.destroy(new Error(`${method} ${p}: no answer in 15 s`)));
    req.on('error', reject);
    req.end(data ?? undefined);
  });
}

function client(server, cookie) {
  const call = (method, p, body) => request(server, method, p, { body, cookie });
  return { call, get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}) };
}

// The first account, through setup; returns its cookie.
async function setupAdmin(server) {
  const res = await request(server, 'POST', '/api/v1/setup', { body: { setup_token: server.setupToken, ...ADMIN } });
  assert.equal(res.status, 201, res.text);
  return res.header('set-cookie')[0].split(';')[0];
}

function mailEnv(sink) {
  return {
    CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    CONFIDE_SMTP_STARTTLS: 'off',
    CONFIDE_MAIL_RETRY_SECONDS: '1',
    CONFIDE_MAIL_POLL_SECONDS: '1',
  };
}

function measured(what) {
  console.log(`# measured: ${what}`);
}

// What the database says of itself, read as someone with the file would (Debian's sqlite3).
function integrityCheck(dataDir) {
  return execFileSync('sqlite3', [path.join(dataDir, 'confide.db'), 'PRAGMA integrity_check;'], { encoding: 'utf8' }).trim();
}

function verifyAudit(dataDir) {
  return spawnSync(BIN, ['admin', 'verify-audit', '--data-dir', dataDir], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });
}

const lines = (text, re) => text.split('\n').filter((l) => re.test(l)).length;

describe('kill -9 during a burst of writes', () => {
  test('nothing acknowledged is lost; the audit chain and the database are whole', async () => {
    const first = await startServer();
    const dataDir = first.dataDir;
    let server = first;
    try {
      const cookie = await setupAdmin(server);
      const acked = new Map(); // id -> name, for every 201
      let sent = 0;
      const rounds = [];
      for (let round = 0; round < 3; round++) {
        const api = client(server, cookie);
        const ackedBefore = acked.size;
        let stop = false;
        // 8 writers, each with one request in flight at a time, until the kill
        const writer = async (w) => {
          for (let i = 0; !stop; i++) {
            const name = `Client ${round}-${w}-${i}`;
            sent++;
            try {
              const res = await api.post('/api/v1/clients', { name, email: `c${round}x${w}x${i}@mail.example`, time_zone: 'UTC' });
              if (res.status === 201) acked.set(res.json.client.id, name);
              else assert.fail(`a write answered ${res.status}: ${res.text}`);
            } catch (err) {
              if (err.code === 'ERR_ASSERTION') throw err;
              return; // the connection died with the server: not acknowledged
            }
          }
        };
        const writers = Array.from({ length: 8 }, (_, w) => writer(w));
        const killAt = 100 + Math.floor(Math.random() * 150);
        const deadline = Date.now() + 20000;
        while (acked.size - ackedBefore < killAt) {
          assert.ok(Date.now() < deadline, `only ${acked.size - ackedBefore} writes acknowledged in 20 s`);
          await sleep(2);
        }
        const { signal } = await server.kill9();
        stop = true;
        await Promise.all(writers);
        assert.equal(signal, 'SIGKILL');

        const t0 = Date.now();
        server = await startServer({ dataDir });
        const up = Date.now() - t0;
        const list = await client(server, cookie).get('/api/v1/clients');
        assert.equal(list.status, 200, list.text);
        const stored = new Map(list.json.clients.map((c) => [c.id, c.name]));
        for (const [id, name] of acked) assert.equal(stored.get(id), name, `acknowledged client ${id} is there`);
        rounds.push({ acked: acked.size - ackedBefore, stored: stored.size, restartMs: up });
        assert.ok(stored.size >= acked.size);
      }
      const unacked = rounds.at(-1).stored - acked.size;
      measured(`kill -9 rounds ${JSON.stringify(rounds)}; ${sent} writes sent, ${acked.size} acknowledged and all found, ${unacked} committed without an answer`);
      assert.equal((await server.stop()).code, 0);
      const audit = verifyAudit(dataDir);
      assert.equal(audit.status, 0, audit.stderr);
      assert.match(audit.stdout, /the audit log is intact/);
      assert.equal(integrityCheck(dataDir), 'ok');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// Fills the file system under dir: a filler file written until ENOSPC. Returns its size.
function fill(file) {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  let size = 0;
  try {
    for (let len = chunk.length; len > 0;) {
      try {
        const n = writeSync(fd, chunk, 0, len);
        size += n;
        if (n < len) len = Math.floor(len / 2);
      } catch (err) {
        if (err.code !== 'ENOSPC') throw err;
        len = Math.floor(len / 2); // the last pages, in smaller writes
      }
    }
  } finally {
    closeSync(fd);
  }
  return size;
}

describe('the data directory on a full disk', () => {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  test('writes answer 503 storage_full, reads go on, and everything comes back with space',
    { skip: root ? false : 'needs root to mount a tmpfs (the e2e tests run as root in CI)' }, async (t) => {
      const mnt = mkdtempSync(path.join(os.tmpdir(), 'confide-full-'));
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
      if (mounted.status !== 0) {
        rmSync(mnt, { recursive: true, force: true });
        t.skip(`cannot mount a tmpfs here (${mounted.stderr.trim()})`);
        return;
      }
      const sink = await startSmtpSink();
      await sink.down();
      let server = null;
      try {
        server = await startServer({ dataDir: mnt, env: mailEnv(sink) });
        const cookie = await setupAdmin(server);
        const api = client(server, cookie);
        const before = [];
        for (let i = 0; i < 5; i++) {
          const res = await api.post('/api/v1/clients', { name: `Client ${i}`, email: `c${i}@mail.example`, time_zone: 'UTC' });
          assert.equal(res.status, 201, res.text);
          before.push(res.json.client);
        }
        // an invitation waits in the outbox while the SMTP server is down
        const session = await api.post('/api/v1/sessions', { title: 'S', starts_at: '2027-06-10T10:00:00+02:00', time_zone: 'Europe/Berlin', client_id: before[0].id });
        assert.equal(session.status, 201, session.text);

        const filler = path.join(mnt, 'filler');
        const filled = fill(filler);
        await sink.up(); // the mail thread now has somewhere to send, and cannot claim

        // writes: 503 storage_full with Retry-After, a JSON body, every one of them
        const writes = await Promise.all(Array.from({ length: 20 }, (_, i) =>
          api.post('/api/v1/clients', { name: `Refused ${i}`, email: `r${i}@mail.example`, time_zone: 'UTC' })));
        for (const res of writes) {
          assert.equal(res.status, 503, res.text);
          assert.equal(res.header('content-type'), 'application/json');
          assert.equal(res.json.error.code, 'storage_full');
          assert.match(res.json.error.message, /disk is full/);
          assert.equal(res.header('retry-after'), '30');
        }
        // a sign-in (the offload thread's own connection) is refused the same way, no cookie
        const login = await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } });
        assert.equal(login.status, 503, login.text);
        assert.equal(login.json.error.code, 'storage_full');
        assert.equal(login.header('set-cookie'), null);
        // reads go on
        assert.equal((await request(server, 'GET', '/healthz')).status, 200);
        const me = await api.get('/api/v1/me');
        assert.equal(me.status, 200, me.text);
        assert.equal(me.json.user.email, ADMIN.email);
        const users = await api.get('/api/v1/users');
        assert.equal(users.status, 200, users.text);
        assert.equal(users.json.users.length, 1);
        // a read of client records (lists of clients, groups and sessions name them) must be
        // audited: it waits for space like a write
        for (const p of ['/api/v1/clients', '/api/v1/groups', '/api/v1/sessions']) {
          assert.equal((await api.get(p)).json.error.code, 'storage_full', p);
        }
        await sleep(2500); // the mail thread tries to claim the invitation a few times
        assert.equal(sink.messages.length, 0, 'no mail goes out while its claim cannot be written');
        assert.equal(server.proc.exitCode, null, 'still running');
        const fullLines = lines(server.stderr, /the disk is full/);
        assert.ok(fullLines >= 1 && fullLines <= 3, `one line per connection that met it, not per request (${fullLines})`);

        // a restart on the full disk: it stops cleanly, starts, reads, and still refuses writes
        assert.equal((await server.stop()).code, 0);
        const t1 = Date.now();
        server = await startServer({ dataDir: mnt, env: mailEnv(sink) });
        const restartMs = Date.now() - t1;
        const api2 = client(server, cookie);
        assert.equal((await api2.get('/api/v1/me')).status, 200);
        const still = await api2.post('/api/v1/clients', { name: 'Refused again', email: 'again@mail.example', time_zone: 'UTC' });
        assert.equal(still.status, 503, still.text);
        assert.equal(still.json.error.code, 'storage_full');

        // space returns
        const t0 = Date.now();
        rmSync(filler);
        const back = await api2.post('/api/v1/clients', { name: 'Client back', email: 'back@mail.example', time_zone: 'UTC' });
        assert.equal(back.status, 201, back.text);
        const firstWriteMs = Date.now() - t0;
        await sink.waitFor((msgs) => msgs.length >= 1, 15000);
        const mailMs = Date.now() - t0;
        const relogin = await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } });
        assert.equal(relogin.status, 200, relogin.text);
        const list = await api2.get('/api/v1/clients');
        assert.equal(list.status, 200, list.text);
        assert.deepEqual(list.json.clients.map((c) => c.name).sort(), [...before.map((c) => c.name), 'Client back'].sort(),
          'the refused writes left nothing');
        assert.match(server.stderr, /space is back: writes go through again/);
        await sleep(1500);
        assert.equal(sink.messages.length, 1, 'the invitation went once');
        assert.equal(sink.messages[0].to[0], before[0].email);
        measured(`full disk: tmpfs 6 MiB, filler ${(filled / 1048576).toFixed(2)} MiB, 20/20 concurrent writes answered 503 storage_full, ` +
          `${fullLines} "disk is full" log line(s); restart on the full disk ${restartMs} ms; after the filler went: first write ${firstWriteMs} ms, the waiting invitation ${mailMs} ms`);

        assert.equal((await server.stop()).code, 0);
        server = null;
        assert.equal(integrityCheck(mnt), 'ok');
        const audit = verifyAudit(mnt);
        assert.equal(audit.status, 0, audit.stderr);
      } finally {
        if (server) await server.kill9();
        await sink.stop();
        spawnSync('umount', [mnt]);
        rmSync(mnt, { recursive: true, force: true });
      }
    });
});

describe('the SMTP server down for a while', () => {
  test('the invitation goes out once the server is back, exactly once', async () => {
    const sink = await startSmtpSink();
    await sink.down(); // its port is the one confide is given; connections are refused
    const server = await startServer({ env: mailEnv(sink) });
    try {
      const api = client(server, await setupAdmin(server));
      const c = await api.post('/api/v1/clients', { name: 'Client 1', email: 'client1@mail.example', time_zone: 'Europe/Berlin' });
      assert.equal(c.status, 201, c.text);
      const s = await api.post('/api/v1/sessions', { title: 'S', starts_at: '2027-06-10T10:00:00+02:00', time_zone: 'Europe/Berlin', client_id: c.json.client.id });
      assert.equal(s.status, 201, s.text);
      const downMs = 4000;
      await sleep(downMs);
      const failed = lines(server.stderr, /kind=invite attempt \d+ failed, retry in/);
      assert.ok(failed >= 2, `it kept trying (${failed} attempts)`);
      assert.equal(sink.messages.length, 0);

      await sink.up();
      const t0 = Date.now();
      await sink.waitFor((msgs) => msgs.length >= 1, 20000);
      const afterUpMs = Date.now() - t0;
      await sleep(2500); // polls enough to send it again, if it were going to
      assert.equal(sink.messages.length, 1, 'exactly once');
      const mail = parseMail(sink.messages[0].data);
      assert.equal(sink.messages[0].to[0], 'client1@mail.example');
      assert.ok(mail.messageId);
      const row = execFileSync('sqlite3', [path.join(server.dataDir, 'confide.db'), "SELECT state, attempts FROM outbox WHERE kind = 'invite'"], { encoding: 'utf8' }).trim();
      const [state, attempts] = row.split('|');
      assert.equal(state, 'sent');
      assert.ok(Number(attempts) >= failed + 1, row);
      measured(`SMTP down ${downMs} ms: ${failed} failed attempt(s) logged (retry 1 s doubling), delivered ${afterUpMs} ms after the server came back, on attempt ${attempts}, once`);
    } finally {
      await server.stop();
      server.cleanup();
      await sink.stop();
    }
  });
});

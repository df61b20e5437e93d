// Keys: key_file outside the data directory, a read-only key file (as a systemd credential
// is), and `confide admin rotate-key` while the server runs: clients, sign-in and personal
// links go on working during and after it, the audit chain still verifies, and the older
// key is retired only once nothing needs it.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, cookieOf, dbQuery, request, setupAdmin, startServer } from './lib/server.mjs';
import { connect } from './lib/ws.mjs';

const ADMIN = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
// read at each call: on PostgreSQL the newest server's database is in process.env
// (lib/server.mjs), and the commands must reach it
const env = () => ({ ...process.env, ASAN_OPTIONS: 'detect_leaks=1' });
const run = (args) => spawnSync(BIN, args, { encoding: 'utf8', env: env(), timeout: 120000 });
const mode = (f) => statSync(f).mode & 0o777;
const token = (url) => url.split('/j/')[1];

// `confide admin rotate-key` as a second process, resolving when it exits
function rotate(args) {
  return new Promise((resolve) => {
    const proc = spawn(BIN, ['admin', 'rotate-key', ...args], { env: env() });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

// the first bytes of a sealed column: the format version and key id, as hex
function sealHead(server, table, column, id) {
  return dbQuery(server, {
    sqlite: `SELECT hex(substr(${column}, 1, 5)) FROM ${table} WHERE id = ${id}`,
    postgresql: `SELECT upper(encode(substring(${column} from 1 for 5), 'hex')) FROM ${table} WHERE id = ${id}`,
  });
}

async function groupSession(call, clients) {
  const group = (await call('POST', '/api/v1/groups', { name: 'Thursday group', agreement: 'What is said here stays here.', members: clients.map((c) => c.id) })).json.group;
  const res = await call('POST', '/api/v1/sessions', {
    title: 'Thursday', starts_at: new Date(Date.now() + 5 * 60000).toISOString(), time_zone: 'UTC',
    group_id: group.id, allow_overlap: true,
  });
  assert.equal(res.status, 201, res.text);
  const s = res.json.session;
  return { links: clients.map((c) => token(s.invites.find((i) => i.client_id === c.id).url)), host: token(s.host_url), password: s.occurrences[0].password };
}

// A client's link and the therapist's host link still let them in.
async function linksWork(server, cookie, session) {
  const client = await connect(server);
  client.json({ type: 'join', token: session.links[0], password: session.password, name: 'Member', agree: true });
  await client.next('joined');
  const host = await connect(server, { cookie });
  host.json({ type: 'join', token: session.host });
  assert.equal((await host.next('joined')).role, 'host');
  client.close();
  host.close();
}

describe('keys', () => {
  test('rotate-key while the server runs: clients, sign-in and links keep working, verify-audit passes', async () => {
    const keyDir = mkdtempSync(path.join(os.tmpdir(), 'confide-keydir-'));
    const keyFile = path.join(keyDir, 'confide.key');
    const server = await startServer({ args: ['--key-file', keyFile] });
    try {
      // made on first start, outside the data directory, private
      assert.equal(readFileSync(keyFile).length, 32);
      assert.equal(mode(keyFile), 0o600);
      assert.ok(!existsSync(path.join(server.dataDir, 'secret.key')));
      const cookie = await setupAdmin(server, ADMIN);
      const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
      const clients = [];
      for (let i = 0; i < 230; i++) { // two batches of the clients' columns
        const res = await call('POST', '/api/v1/clients', { name: `Client ${i}`, email: `c${i}@mail.example`, time_zone: 'UTC', phone: `555-01${i}` });
        assert.equal(res.status, 201, res.text);
        clients.push(res.json.client);
      }
      const session = await groupSession(call, clients.slice(0, 3));
      assert.equal(sealHead(server, 'clients', 'name_sealed', clients[0].id), '0200000001');

      // the server keeps answering while the rotation runs beside it
      const rotation = rotate(['--data-dir', server.dataDir, '--key-file', keyFile]);
      let done = false;
      rotation.then(() => { done = true; });
      let during = 0;
      while (!done) {
        const list = await call('GET', '/api/v1/clients');
        assert.equal(list.status, 200, list.text);
        const added = await call('POST', '/api/v1/clients', { name: `During ${during}`, email: `d${during}@mail.example`, time_zone: 'UTC' });
        assert.equal(added.status, 201, added.text);
        clients.push(added.json.client);
        during++;
      }
      const r = await rotation;
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /key 2 added to /);
      assert.match(r.stdout, /sealed again with key 2, in \d+ batch\(es\) of up to 200 rows/);
      assert.match(r.stdout, /everything is sealed with key 2/);
      assert.match(readFileSync(keyFile, 'utf8'), /^confide-keys 1\n/);
      assert.equal(mode(keyFile), 0o600);

      // everything reads, old and new
      const list = await call('GET', '/api/v1/clients');
      assert.equal(list.status, 200);
      assert.equal(list.json.clients.length, clients.length);
      const first = await call('GET', `/api/v1/clients/${clients[0].id}`);
      assert.equal(first.json.client.name, 'Client 0');
      assert.equal(first.json.client.phone, '555-010');
      for (const c of [clients[0], clients[229], clients.at(-1)])
        assert.equal(sealHead(server, 'clients', 'name_sealed', c.id), '0200000002');
      const after = await call('POST', '/api/v1/clients', { name: 'After', email: 'after@mail.example', time_zone: 'UTC' });
      assert.equal(sealHead(server, 'clients', 'name_sealed', after.json.client.id), '0200000002');
      // sign-in finds the account by its email's keyed hash; the sign-in before still holds
      const login = await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } });
      assert.equal(login.status, 200, login.text);
      assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie: cookieOf(login) } })).status, 200);
      assert.equal((await call('GET', '/api/v1/me')).status, 200);
      await linksWork(server, cookie, session);
      const audit = run(['admin', 'verify-audit', '--data-dir', server.dataDir, '--key-file', keyFile]);
      assert.equal(audit.status, 0, audit.stderr);
      assert.match(audit.stdout, /the audit log is intact/);

      // SIGHUP reads the key file again and nothing else
      server.proc.kill('SIGHUP');
      await new Promise((res) => setTimeout(res, 600));
      assert.equal(server.proc.exitCode, null);
      assert.match(server.stderr, /SIGHUP: the key file was read again; key 2 seals/);

      // retired: key 1 leaves the file; the server follows and everything still opens
      const retired = await rotate(['--retire', '--data-dir', server.dataDir, '--key-file', keyFile]);
      assert.equal(retired.status, 0, retired.stderr);
      assert.match(retired.stdout, /1 older key\(s\) removed/);
      const text = readFileSync(keyFile, 'utf8');
      assert.match(text, /\nkey 2 [0-9a-f]{64}\n/);
      assert.doesNotMatch(text, /\nkey 1 /);
      assert.equal((await call('GET', `/api/v1/clients/${clients[1].id}`)).json.client.name, 'Client 1');
      assert.equal((await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } })).status, 200);
      await linksWork(server, cookie, session);
      assert.equal(run(['admin', 'verify-audit', '--data-dir', server.dataDir, '--key-file', keyFile]).status, 0);
      // the log holds no key
      for (const hex of text.match(/[0-9a-f]{64}/g)) assert.ok(!server.stderr.includes(hex));
      assert.ok(!server.stderr.includes('Client 1'));
    } finally {
      await server.stop();
      server.cleanup();
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  test('retiring is refused while anything is sealed with the older key', async () => {
    const server = await startServer();
    try {
      const cookie = await setupAdmin(server, ADMIN);
      await request(server, 'POST', '/api/v1/clients', { body: { name: 'Grace', email: 'g@mail.example', time_zone: 'UTC' }, headers: { cookie } });
      // the key is only added (as for a server that reads it at start), nothing sealed again
      const added = await rotate(['--add-only', '--data-dir', server.dataDir]);
      assert.equal(added.status, 0, added.stderr);
      assert.match(added.stdout, /then run rotate-key --reseal/);
      const refused = await rotate(['--retire', '--data-dir', server.dataDir]);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /value\(s\) are still sealed with an older key; nothing was retired/);
      assert.match(refused.stdout, /key 1 seals \d+ value\(s\)/);
      assert.match(readFileSync(path.join(server.dataDir, 'secret.key'), 'utf8'), /\nkey 1 /);
      const resealed = await rotate(['--reseal', '--data-dir', server.dataDir]);
      assert.equal(resealed.status, 0, resealed.stderr);
      assert.equal((await rotate(['--retire', '--data-dir', server.dataDir])).status, 0);
      const list = await request(server, 'GET', '/api/v1/clients', { headers: { cookie } });
      assert.equal(list.json.clients[0].name, 'Grace');
      assert.equal(run(['admin', 'rotate-key', '--retire', '--reseal', '--data-dir', server.dataDir]).status, 2);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  test('a read-only key file outside the data directory, as a systemd credential: only read; rotated from its source', async () => {
    const credstore = mkdtempSync(path.join(os.tmpdir(), 'confide-credstore-'));
    const source = path.join(credstore, 'confide.key');
    writeFileSync(source, randomBytes(32), { mode: 0o600 });
    // systemd's LoadCredential= copies the source, read-only, before each start
    const credentials = mkdtempSync(path.join(os.tmpdir(), 'confide-credentials-'));
    const credential = path.join(credentials, 'confide.key');
    const load = () => {
      rmSync(credential, { force: true });
      copyFileSync(source, credential);
      chmodSync(credential, 0o400);
    };
    load();
    const before = readFileSync(credential);
    const stamp = statSync(credential).mtimeMs;
    let server = await startServer({ env: { CONFIDE_KEY_FILE: credential } });
    const dataDir = server.dataDir;
    try {
      const cookie = await setupAdmin(server, ADMIN);
      const grace = (await request(server, 'POST', '/api/v1/clients', { body: { name: 'Grace', email: 'g@mail.example', time_zone: 'UTC' }, headers: { cookie } })).json.client;
      assert.ok(readFileSync(credential).equals(before));
      assert.equal(statSync(credential).mtimeMs, stamp);
      assert.equal(mode(credential), 0o400);
      assert.ok(!existsSync(path.join(dataDir, 'secret.key')));

      // rotation on the source: add, restart with the new copy, seal again, retire
      const added = await rotate(['--add-only', '--data-dir', dataDir, '--key-file', source]);
      assert.equal(added.status, 0, added.stderr);
      await server.stop();
      load();
      server = await startServer({ dataDir, env: { CONFIDE_KEY_FILE: credential } });
      assert.equal(server.setupLink, null);
      const resealed = await rotate(['--reseal', '--data-dir', dataDir, '--key-file', source]);
      assert.equal(resealed.status, 0, resealed.stderr);
      assert.equal(sealHead(server, 'clients', 'name_sealed', grace.id), '0200000002');
      const login = await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } });
      assert.equal(login.status, 200, login.text);
      const got = await request(server, 'GET', `/api/v1/clients/${grace.id}`, { headers: { cookie: cookieOf(login) } });
      assert.equal(got.json.client.name, 'Grace');
      assert.equal(run(['admin', 'verify-audit', '--data-dir', dataDir, '--key-file', source]).status, 0);
      await server.stop();

      // a key file others can read is refused wherever it is, and left as it was
      chmodSync(credential, 0o440);
      const refused = run(['migrate', '--data-dir', dataDir, '--key-file', credential]);
      assert.equal(refused.status, 1);
      assert.match(refused.stderr, /the key file \S+confide\.key is mode 0440/);
      assert.ok(refused.stderr.includes(`chmod 600 ${credential}`));
      assert.equal(mode(credential), 0o440);
      // and a key file that is not one is named as such
      writeFileSync(path.join(credentials, 'junk.key'), 'not a key', { mode: 0o600 });
      const junk = run(['migrate', '--data-dir', dataDir, '--key-file', path.join(credentials, 'junk.key')]);
      assert.equal(junk.status, 1);
      assert.match(junk.stderr, /neither 32 raw bytes nor confide's key list/);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(credstore, { recursive: true, force: true });
      rmSync(credentials, { recursive: true, force: true });
    }
  });
});

// `confide migrate-data`: a practice made on SQLite through the real binary, copied into a
// fresh database of the throw-away PostgreSQL cluster (CONFIDE_TEST_PG_DIR), then served
// from PostgreSQL with the same key file: sealed names read back, sign-in works, the audit
// chain verifies, new rows take new ids; a second copy into the now full database is refused.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, cookieOf, request, setupAdmin, startServer } from './lib/server.mjs';

const PG_DIR = process.env.CONFIDE_TEST_PG_DIR;
const ADMIN = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const SLOTS = ['2031-03-02T18:00:00+01:00', '2031-03-03T18:00:00+01:00'];

// The source is SQLite: the harness puts a server on PostgreSQL while CONFIDE_TEST_PG_DIR
// is set, so it goes from this process's environment (the cluster's directory kept above).
delete process.env.CONFIDE_TEST_PG_DIR;
delete process.env.CONFIDE_DATABASE_URL;

function run(args, env = {}) {
  return spawnSync(BIN, args, {
    encoding: 'utf8',
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', ...env },
  });
}

function createdb(name) {
  const made = spawnSync('/usr/lib/postgresql/15/bin/createdb', ['-h', PG_DIR, '-U', 'postgres', name],
    { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return `postgresql:///${name}?host=${PG_DIR}&user=postgres`;
}

function psql(url, sql) {
  const res = spawnSync('/usr/lib/postgresql/15/bin/psql', [url, '-At', '-c', sql], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  return res.stdout.trim();
}

function api(server, cookie) {
  const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}) };
}

// The printed table: { table: [source, target] }.
function counts(stdout) {
  const rows = {};
  for (const line of stdout.split('\n')) {
    const m = line.match(/^([a-z_]+)\s+(\d+)\s+(\d+)\s*$/);
    if (m) rows[m[1]] = [Number(m[2]), Number(m[3])];
  }
  return rows;
}

describe('migrate-data: SQLite to PostgreSQL', { skip: !PG_DIR && 'needs the pg_cluster fixture' }, () => {
  let dataDir, url, client, session, sourceAudit;
  const suffix = `${process.pid}_${Date.now()}`;

  before(async () => {
    const source = await startServer();
    assert.ok(!source.stdout.includes('postgresql'), 'the source is SQLite');
    dataDir = source.dataDir;
    const ada = api(source, await setupAdmin(source, ADMIN));
    const c1 = await ada.post('/api/v1/clients', { name: 'Client Marlow', email: 'marlow@mail.example', time_zone: 'Europe/Berlin', phone: '+49 30 1234567' });
    assert.equal(c1.status, 201, c1.text);
    client = c1.json.client;
    const c2 = await ada.post('/api/v1/clients', { name: 'Client Quill', email: 'quill@mail.example', time_zone: 'Europe/Berlin' });
    const made = await ada.post('/api/v1/sessions', {
      title: 'Weekly session', starts_at: '2031-03-19T18:00:00+01:00', time_zone: 'Europe/Berlin',
      client_id: client.id, recurrence: { freq: 'weekly', interval: 1, count: 3 },
    });
    assert.equal(made.status, 201, made.text);
    session = made.json.session;
    assert.equal(session.invites.length, 1);
    // a group and a poll: poll slots take their ids from the table's identity
    const group = await ada.post('/api/v1/groups', { name: 'Tuesday group', agreement: 'What is said here stays here.', members: [client.id, c2.json.client.id] });
    assert.equal(group.status, 201, group.text);
    const poll = await ada.post('/api/v1/polls', { group_id: group.json.group.id, title: 'Spring evenings', time_zone: 'Europe/Berlin', slots: SLOTS });
    assert.equal(poll.status, 201, poll.text);
    assert.equal((await ada.get(`/api/v1/clients/${client.id}`)).status, 200); // audited as a read
    assert.equal((await request(source, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: 'not the password' } })).status, 401);
    assert.equal((await source.stop()).code, 0);
    const verified = run(['admin', 'verify-audit', '--data-dir', dataDir]);
    assert.equal(verified.status, 0, verified.stderr);
    sourceAudit = verified.stdout.match(/intact: (\d+) entries, head ([0-9a-f]{64})/);
    assert.ok(sourceAudit && Number(sourceAudit[1]) > 5, verified.stdout);
    url = createdb(`migrate_${suffix}`);
  });

  after(() => {
    // the data directory holds the key file; both servers used it
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('bad --to (missing, not PostgreSQL, unreachable) and an older source: refused, nothing written', () => {
    const missing = run(['migrate-data', '--data-dir', dataDir]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /needs --to postgresql:\/\//);
    const sqlite = run(['migrate-data', '--data-dir', dataDir, '--to', `sqlite:${dataDir}/copy.db`]);
    assert.equal(sqlite.status, 2);
    assert.match(sqlite.stderr, /--to must be a PostgreSQL URL/);
    const nowhere = run(['migrate-data', '--data-dir', dataDir, '--to', `postgresql:///no_such_db_${suffix}?host=${PG_DIR}&user=postgres`]);
    assert.equal(nowhere.status, 1);
    assert.match(nowhere.stderr, /cannot connect to the PostgreSQL database --to names; nothing was written/);
    const refused = run(['migrate-data', '--data-dir', dataDir, '--to', 'postgresql://confide:hunter22@127.0.0.1:1/confide']);
    assert.equal(refused.status, 1);
    assert.ok(!refused.stderr.includes('hunter22') && !refused.stdout.includes('hunter22'), 'the password is shown');
    // a source behind this binary's schema: `confide migrate` first
    const behind = mkdtempSync(path.join(os.tmpdir(), 'confide-behind-'));
    try {
      for (const f of ['confide.db', 'secret.key']) copyFileSync(path.join(dataDir, f), path.join(behind, f));
      const version = Number(spawnSync('sqlite3', [path.join(behind, 'confide.db'), 'PRAGMA user_version'], { encoding: 'utf8' }).stdout);
      assert.ok(version > 1);
      assert.equal(spawnSync('sqlite3', [path.join(behind, 'confide.db'), `PRAGMA user_version = ${version - 1}`]).status, 0);
      const old = run(['migrate-data', '--data-dir', behind, '--to', url]);
      assert.equal(old.status, 1);
      assert.match(old.stderr, /schema version \d+ and this confide at \d+: run `confide migrate` first/);
    } finally {
      rmSync(behind, { recursive: true, force: true });
    }
    assert.equal(psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), '0', 'the target was touched');
    for (const r of [missing, sqlite, nowhere, refused]) assert.doesNotMatch(r.stderr, /AddressSanitizer|runtime error/);
  });

  test('copies every table, counts match, and prints what to set next', () => {
    const res = run(['migrate-data', '--data-dir', dataDir, '--to', url]);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    const rows = counts(res.stdout);
    for (const t of ['users', 'clients', 'series', 'occurrences', 'invites', 'audit_log', 'polls', 'poll_slots', 'group_members', 'outbox']) {
      assert.ok(rows[t], `${t} is in the table:\n${res.stdout}`);
    }
    for (const [t, [source, target]] of Object.entries(rows)) assert.equal(target, source, t);
    assert.equal(rows.users[0], 1);
    assert.equal(rows.clients[0], 2);
    assert.equal(rows.occurrences[0], 3);
    assert.equal(rows.invites[0], 1);
    assert.equal(rows.poll_slots[0], 2);
    assert.equal(rows.audit_log[0], Number(sourceAudit[1]));
    assert.ok(!('seal_upgrade' in rows) && !('confide_schema' in rows), 'bookkeeping is not copied');
    assert.match(res.stdout, new RegExp(`audit log on PostgreSQL: intact, ${sourceAudit[1]} entries, head ${sourceAudit[2]} \\(the source's head\\)`));
    assert.match(res.stdout, /Set database_url = postgresql:\/\/\/migrate_/);
    // sealed values went across as they were: the same bytes
    const name = psql(url, `SELECT encode(name_sealed, 'hex') FROM clients WHERE id = ${client.id}`);
    const sq = spawnSync('sqlite3', [`${dataDir}/confide.db`, `SELECT lower(hex(name_sealed)) FROM clients WHERE id = ${client.id}`], { encoding: 'utf8' });
    if (sq.status === 0) assert.equal(name, sq.stdout.trim());
    assert.ok(name.length > 40);
  });

  test('served from PostgreSQL with the same key file: names open, sign-in, new ids, the audit chain', async () => {
    const env = { CONFIDE_DATABASE_URL: url };
    const server = await startServer({ dataDir, env });
    try {
      const login = await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } });
      assert.equal(login.status, 200, login.text);
      const ada = api(server, cookieOf(login));
      const got = await ada.get(`/api/v1/clients/${client.id}`);
      assert.equal(got.status, 200, got.text);
      assert.equal(got.json.client.name, 'Client Marlow');
      assert.equal(got.json.client.email, 'marlow@mail.example');
      assert.equal(got.json.client.phone, '+49 30 1234567');
      const again = await ada.get(`/api/v1/sessions/${session.id}`);
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.session.title, 'Weekly session');
      assert.deepEqual(again.json.session.occurrences.map((o) => o.password), session.occurrences.map((o) => o.password));
      // new rows after the copied ones: ids drawn by the store and by the identity alike
      const fresh = await ada.post('/api/v1/clients', { name: 'Client Rook', email: 'rook@mail.example', time_zone: 'Europe/Berlin' });
      assert.equal(fresh.status, 201, fresh.text);
      assert.ok(fresh.json.client.id > client.id);
      const group = await ada.post('/api/v1/groups', { name: 'Thursday group', agreement: 'Cameras on.', members: [client.id, fresh.json.client.id] });
      assert.equal(group.status, 201, group.text);
      const poll = await ada.post('/api/v1/polls', { group_id: group.json.group.id, title: 'Summer', time_zone: 'Europe/Berlin', slots: ['2031-06-02T18:00:00+02:00', '2031-06-03T18:00:00+02:00'] });
      assert.equal(poll.status, 201, poll.text);
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
    assert.doesNotMatch(server.stderr, /Client Marlow|marlow@mail\.example/, 'the log names a client');
    const verified = run(['admin', 'verify-audit', '--data-dir', dataDir], env);
    assert.equal(verified.status, 0, verified.stderr);
    assert.ok(Number(verified.stdout.match(/intact: (\d+) entries/)[1]) > Number(sourceAudit[1]));
  });

  test('a second copy into the same database is refused and leaves it as it is', () => {
    const before = psql(url, 'SELECT (SELECT count(*) FROM users) || \',\' || (SELECT count(*) FROM clients) || \',\' || (SELECT count(*) FROM audit_log)');
    const again = run(['migrate-data', '--data-dir', dataDir, '--to', url]);
    assert.equal(again.status, 1, again.stdout + again.stderr);
    assert.match(again.stderr, /already holds a practice .*Nothing was written/);
    assert.equal(psql(url, 'SELECT (SELECT count(*) FROM users) || \',\' || (SELECT count(*) FROM clients) || \',\' || (SELECT count(*) FROM audit_log)'), before);
  });
});

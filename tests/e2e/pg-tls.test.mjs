// TLS to PostgreSQL as docs/DEPLOY.md tells a practice to set it up: a cluster of the test's
// own that takes TCP only over TLS (hostssl), a throw-away CA and a server certificate
// for `localhost`. confide on `sslmode=verify-full&sslrootcert=…` starts, serves, and the
// server sees its connections encrypted; the wrong CA, no TLS, and a host name the
// certificate does not carry are each refused at start with libpq's reason on stderr,
// and a password in the URL is never printed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, WEB_DIR, freePort, request, setupAdmin, startServer } from './lib/server.mjs';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const DB = 'confide_tls';
const AS_ROOT = process.getuid() === 0;

// This test brings its own cluster: nothing from the pg_cluster fixture may leak in.
delete process.env.CONFIDE_TEST_PG_DIR;
delete process.env.CONFIDE_DATABASE_URL;

// Every tool bounded, so a hung one fails the test instead of holding it.
function run(cmd, args, { asPostgres = false, timeout = 60000 } = {}) {
  const [file, argv] = asPostgres && AS_ROOT ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(file, argv, { encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  assert.equal(res.status, 0, `${cmd} ${args.join(' ')}: ${res.error ?? ''}${res.stderr}`);
  return res.stdout;
}

const openssl = (...args) => run('openssl', args);

// A self-signed CA: its certificate and key in dir/<name>.pem and dir/<name>.key.
function makeCa(dir, name) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.pem`), '-days', '2',
    '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return path.join(dir, `${name}.pem`);
}

describe('TLS to PostgreSQL (sslmode=verify-full)', () => {
  let dir, port, caPem, otherCaPem, adminUrl;
  const servers = [];

  // psql over the cluster's Unix socket (local … trust): the test's own view of the server
  const psql = (sql) => run(`${PG_BIN}/psql`, ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', DB,
    '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql]).trim();

  const url = (auth, host, query) => `postgresql://${auth}@${host}:${port}/${DB}?${query}`;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'confide-pgtls-'));
    port = await freePort();

    // The CA that signed the server's certificate, and one that did not.
    caPem = makeCa(dir, 'ca');
    otherCaPem = makeCa(dir, 'other-ca');
    // The server's certificate names `localhost` alone (SAN DNS:localhost, no IP), so a
    // URL with host 127.0.0.1 reaches the right server with a valid chain and still must
    // be refused: that is verify-full's host name check and nothing else.
    const key = path.join(dir, 'server.key');
    const csr = path.join(dir, 'server.csr');
    const crt = path.join(dir, 'server.crt');
    const ext = path.join(dir, 'server.ext');
    writeFileSync(ext, 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n'
      + 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', csr, '-subj', '/CN=localhost');
    openssl('x509', '-req', '-in', csr, '-CA', caPem, '-CAkey', path.join(dir, 'ca.key'),
      '-set_serial', '2', '-days', '2', '-extfile', ext, '-out', crt);
    assert.match(openssl('x509', '-in', crt, '-noout', '-ext', 'subjectAltName'), /DNS:localhost\s*$/);

    // PostgreSQL refuses to run as root: as root the cluster runs as `postgres`, in a
    // directory handed to it (as tests/support/pg-cluster does). The key must be the
    // server user's and 0600, or the server will not start.
    if (AS_ROOT) {
      chownSync(dir, uidOf('postgres'), gidOf('postgres'));
      chownSync(key, uidOf('postgres'), gidOf('postgres'));
      chownSync(crt, uidOf('postgres'), gidOf('postgres'));
    }
    chmodSync(dir, 0o700);
    chmodSync(key, 0o600);
    run(`${PG_BIN}/initdb`, ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync',
      '-E', 'UTF8', '--locale=C'], { asPostgres: true });
    // TCP only over TLS (no plain `host` line); the socket, which only this machine's users
    // reach, for the test's own setup and checks.
    writeFileSync(path.join(dir, 'data', 'pg_hba.conf'),
      'local all all trust\nhostssl all all 127.0.0.1/32 trust\n');
    run(`${PG_BIN}/pg_ctl`, ['-D', path.join(dir, 'data'), '-l', path.join(dir, 'server.log'), '-w', '-t', '60',
      '-o', `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories='${dir}'`,
      '-o', `-c ssl=on -c ssl_cert_file='${crt}' -c ssl_key_file='${key}' -c fsync=off`,
      'start'], { asPostgres: true, timeout: 90000 });
    run(`${PG_BIN}/createdb`, ['-h', dir, '-p', String(port), '-U', 'postgres', DB]);
    adminUrl = url('postgres', 'localhost', `sslmode=verify-full&sslrootcert=${caPem}`);
  });

  after(async () => {
    for (const s of servers) {
      await s.stop();
      s.cleanup();
    }
    if (dir) {
      spawnSync(AS_ROOT ? 'runuser' : `${PG_BIN}/pg_ctl`,
        [...(AS_ROOT ? ['-u', 'postgres', '--', `${PG_BIN}/pg_ctl`] : []),
         '-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop'],
        { stdio: 'ignore', timeout: 60000, killSignal: 'SIGKILL' });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // A data directory of the test's own for each start, so `after` removes it whatever
  // happens (startServer's own would be left behind when confide refuses to start).
  function dataDir() {
    const d = path.join(dir, `confide-${servers.length}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(d, { mode: 0o700 });
    return d;
  }

  // confide must not start on databaseUrl: startServer throws with the exit and stderr.
  // The refused URLs pin hostaddr=127.0.0.1 (verify-full still checks the name in host):
  // where `localhost` is ::1 too, libpq would try ::1 first, and confide logs only the first
  // line of libpq's message, the refused ::1, not the reason asked about here.
  async function refused(databaseUrl) {
    let server = null;
    const err = await startServer({ databaseUrl, dataDir: dataDir() }).then(
      (s) => { server = s; servers.push(s); return null; }, (e) => e);
    assert.equal(server, null, `confide started on ${databaseUrl.replace(/:[^:@/]*@/, ':…@')}:\n${server?.stderr}`);
    const exit = err.message.match(/^confide did not start \(exit (\d+|null)\)/);
    assert.ok(exit, err.message);
    assert.ok(exit[1] !== 'null' && Number(exit[1]) !== 0, `not a failed exit: ${err.message}`);
    assert.match(err.message, /cannot connect to postgresql/);
    assert.doesNotMatch(err.message, /AddressSanitizer|runtime error/);
    return err.message;
  }

  test('verify-full with the CA that signed the certificate: starts, serves, connections encrypted', async () => {
    const server = await startServer({ databaseUrl: adminUrl, dataDir: dataDir() });
    servers.push(server);
    const cookie = await setupAdmin(server);
    const made = await request(server, 'POST', '/api/v1/clients', {
      body: { name: 'Client Marlow', email: 'marlow@mail.example', time_zone: 'Europe/Berlin' },
      headers: { cookie },
    });
    assert.equal(made.status, 201, made.text);
    const got = await request(server, 'GET', `/api/v1/clients/${made.json.client.id}`, { headers: { cookie } });
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.client.name, 'Client Marlow');
    assert.deepEqual((await request(server, 'GET', '/healthz')).json, { status: 'ok' });
    // the data is in this cluster, not in a SQLite file next to the key
    assert.equal(psql('SELECT count(*) FROM users'), '1');
    // the server's own word that confide's connections are TLS: every one of them
    assert.ok(Number(psql(`SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
      WHERE application_name = 'confide' AND ssl`)) > 0, 'no TLS connection from confide');
    assert.equal(psql(`SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid)
      WHERE application_name = 'confide' AND NOT ssl`), '0');
    assert.equal((await server.stop()).code, 0, server.stderr);
    assert.doesNotMatch(server.stderr, /AddressSanitizer|runtime error/);
  });

  test('a certificate from another CA: refused, the password in the URL never printed', async () => {
    const bad = url('postgres:secret', 'localhost', `hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=${otherCaPem}`);
    const message = await refused(bad);
    assert.match(message, /certificate verify failed/);
    assert.ok(!message.includes('secret'), 'stderr shows the password');
    // startServer's error holds stderr only: once more directly, for stdout as well
    const res = spawnSync(BIN, ['serve', '--listen', `127.0.0.1:${await freePort()}`, '--data-dir', dataDir(),
      '--web-dir', WEB_DIR], {
      encoding: 'utf8', timeout: 30000, killSignal: 'SIGKILL',
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', CONFIDE_DATABASE_URL: bad },
    });
    assert.ok(res.status !== null && res.status !== 0, `exit ${res.status} ${res.signal}`);
    assert.match(res.stderr, /certificate verify failed/);
    assert.ok(!res.stdout.includes('secret') && !res.stderr.includes('secret'), 'the password is shown');
  });

  test('sslmode=disable: the server takes no TCP without TLS', async () => {
    const message = await refused(url('postgres', 'localhost', 'hostaddr=127.0.0.1&sslmode=disable'));
    assert.match(message, /no pg_hba\.conf entry for host "127\.0\.0\.1".*no encryption/);
  });

  test('verify-full to a host name the certificate does not carry: refused', async () => {
    // the same server and a chain that verifies; only the name (127.0.0.1) is not in it
    const message = await refused(url('postgres', '127.0.0.1', `sslmode=verify-full&sslrootcert=${caPem}`));
    // libpq counts the subject's CN as one more name: "for "localhost" (and 1 other name)"
    assert.match(message, /server certificate for "localhost"( \(and \d+ other names?\))? does not match host name "127\.0\.0\.1"/);
  });
});

function uidOf(user) {
  return Number(run('id', ['-u', user]).trim());
}

function gidOf(user) {
  return Number(run('id', ['-g', user]).trim());
}

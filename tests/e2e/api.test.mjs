// The real binary over real HTTP and WebSocket: every endpoint fed bad input, the
// security headers, durability across kill -9, graceful shutdown, TLS, the CLI.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { BIN, cookieOf, freePort, request, setupAdmin, startServer } from './lib/server.mjs';

const ADMIN = { name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' };
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function assertJsonError(res, status, code) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.json?.error?.code, code, res.text);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(res.json.error.message.length > 5);
}

// Sends raw bytes on a new connection; resolves with the first bytes of the answer.
function firstBytes(port, bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('data', (d) => { resolve(d.toString()); sock.destroy(); });
    sock.on('error', reject);
    sock.write(bytes);
  });
}

// Sends raw bytes over TCP and returns the raw response (for what fetch will not send).
function rawHttp(port, bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(data));
    sock.on('close', () => resolve(data));
    sock.on('error', (e) => (data ? resolve(data) : reject(e)));
    sock.setTimeout(5000, () => sock.destroy());
    sock.write(bytes);
  });
}

describe('endpoints refuse bad input with a clear JSON error', () => {
  let server;
  let cookie;
  before(async () => {
    server = await startServer();
    cookie = await setupAdmin(server, ADMIN);
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0);
    // nothing clinical or secret reaches the log
    for (const secret of [ADMIN.name, ADMIN.email, ADMIN.password, cookie.split('=')[1], server.setupToken]) {
      assert.ok(!server.stderr.includes(secret), `log line holds a secret: ${secret}`);
    }
    server.cleanup();
  });

  const jsonEndpoints = ['/api/v1/setup', '/api/v1/login'];

  test('malformed JSON, wrong types, missing fields', async () => {
    for (const p of jsonEndpoints) {
      for (const raw of ['{', 'null', '[1]', '"x"', '{"a":1,"a":2}', '\u0000']) {
        assertJsonError(await request(server, 'POST', p, { raw, headers: { 'content-type': 'application/json' } }), 400, 'malformed_json');
      }
      assertJsonError(await request(server, 'POST', p, { body: {} }), 400, 'missing_field');
      assertJsonError(await request(server, 'POST', p, { body: { email: 7, password: true, name: [], setup_token: {} } }), 400,
        'invalid_field');
    }
  });

  test('every bad field of a form is answered at once, in words for a person, and nothing is written', async () => {
    const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
    // code and field of every error, in the order the fields are checked; the first is "error"
    const refusedWith = (res, expected) => {
      assert.equal(res.status, 400, res.text);
      assert.deepEqual(res.json.errors.map((e) => [e.field, e.code]), expected, res.text);
      assert.deepEqual(res.json.error, { code: res.json.errors[0].code, field: res.json.errors[0].field,
        message: res.json.errors[0].message });
      for (const e of res.json.errors) {
        assert.ok(e.message.length > 5, e.field);
        assert.doesNotMatch(e.message, /\bfield\b|\bstring\b|integer|boolean|"/, `${e.field}: ${e.message}`);
      }
      return res.json.errors;
    };
    const count = async (p, key) => (await call('GET', p)).json[key].length;

    refusedWith(await call('POST', '/api/v1/clients', {}), [
      ['name', 'missing_field'], ['email', 'missing_field'], ['time_zone', 'missing_field']]);
    const clientErrors = refusedWith(await call('POST', '/api/v1/clients', {
      name: '', email: 'nobody at home', time_zone: 'Mars/Olympus_Mons', phone: 'call me',
      emergency_contact: 5 }), [
      ['name', 'invalid_field'], ['email', 'invalid_email'], ['time_zone', 'unknown_time_zone'],
      ['phone', 'invalid_field'], ['emergency_contact', 'invalid_field']]);
    assert.equal(clientErrors[0].message, 'Enter a name.');
    assert.equal(await count('/api/v1/clients', 'clients'), 0);

    refusedWith(await call('POST', '/api/v1/groups', {
      name: 5, agreement: '', capacity: 1, members: 'everyone' }), [
      ['name', 'invalid_field'], ['agreement', 'invalid_field'], ['capacity', 'invalid_field'],
      ['members', 'invalid_field']]);
    assert.equal(await count('/api/v1/groups', 'groups'), 0);

    refusedWith(await call('POST', '/api/v1/sessions', {
      title: 'x'.repeat(500), time_zone: 'Nowhere/Else', starts_at: 'tomorrow at six',
      duration_minutes: 2, recurrence: { freq: 'daily' }, chat: 'yes', client_id: 'Sam' }), [
      ['title', 'invalid_field'], ['time_zone', 'unknown_time_zone'], ['starts_at', 'invalid_field'],
      ['duration_minutes', 'invalid_field'], ['recurrence', 'invalid_field'], ['chat', 'invalid_field'],
      ['client_id', 'invalid_field']]);
    assert.equal(await count('/api/v1/sessions', 'sessions'), 0);

    refusedWith(await call('POST', '/api/v1/users', { name: '', email: 'x', role: 'boss' }), [
      ['name', 'invalid_field'], ['email', 'invalid_email'], ['role', 'invalid_field']]);
    assert.equal(await count('/api/v1/users', 'users'), 1);

    // the same forms filled in right are saved
    const made = await call('POST', '/api/v1/clients', { name: 'Sam Rivera', email: 'sam@mail.example',
      time_zone: 'Europe/Berlin', phone: '+49 30 1234567' });
    assert.equal(made.status, 201, made.text);
    const sam = made.json.client;
    // a change with bad fields changes nothing, not even its good ones
    refusedWith(await call('PATCH', `/api/v1/clients/${sam.id}`, { name: 'Samuel Rivera', email: '@',
      phone: 'no' }), [['email', 'invalid_email'], ['phone', 'invalid_field']]);
    assert.equal((await call('GET', `/api/v1/clients/${sam.id}`)).json.client.name, 'Sam Rivera');
    const group = await call('POST', '/api/v1/groups', { name: 'Wednesday group',
      agreement: 'What is said here stays here.', capacity: 8, members: [sam.id] });
    assert.equal(group.status, 201, group.text);
    const session = await call('POST', '/api/v1/sessions', { title: 'Weekly session',
      time_zone: 'Europe/Berlin', starts_at: '2030-03-20T18:00:00+01:00', duration_minutes: 50,
      recurrence: { freq: 'weekly', count: 3 }, client_id: sam.id });
    assert.equal(session.status, 201, session.text);
    assert.equal(await count('/api/v1/sessions', 'sessions'), 1);
  });

  test('wrong content type is 415', async () => {
    for (const p of jsonEndpoints) {
      assertJsonError(await request(server, 'POST', p, { raw: 'email=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
      assertJsonError(await request(server, 'POST', p, { raw: '{}', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    }
  });

  test('an oversize body is 413, a body without a length 411, and the server carries on', async () => {
    const big = JSON.stringify({ email: 'a@b.example', password: 'x'.repeat(70000) });
    assertJsonError(await request(server, 'POST', '/api/v1/login', { raw: big, headers: { 'content-type': 'application/json' } }), 413, 'body_too_large');
    const chunked = await rawHttp(server.port,
      'POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `${(70000).toString(16)}\r\n${'y'.repeat(70000)}\r\n0\r\n\r\n`);
    assert.match(chunked, /^HTTP\/1\.1 411/);
    assert.match(chunked, /"length_required"/);
    const declared = await rawHttp(server.port,
      'POST /api/v1/setup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{');
    assert.match(declared, /^HTTP\/1\.1 413/);
    assert.equal((await request(server, 'GET', '/healthz')).status, 200);
  });

  test('unknown route 404, wrong method 405 with Allow', async () => {
    assertJsonError(await request(server, 'GET', '/api/v1/nope'), 404, 'not_found');
    assertJsonError(await request(server, 'GET', '/api/v2/me'), 404, 'not_found');
    const res = await request(server, 'PUT', '/api/v1/me', { body: {} });
    assertJsonError(res, 405, 'method_not_allowed');
    assert.equal(res.headers.get('allow'), 'GET');
    assertJsonError(await request(server, 'DELETE', '/api/v1/login'), 405, 'method_not_allowed');
  });

  test('missing, forged and logged-out cookies are 401', async () => {
    assertJsonError(await request(server, 'GET', '/api/v1/me'), 401, 'not_signed_in');
    for (const forged of ['confide_session=AAAA', 'confide_session=' + 'A'.repeat(43), 'confide_session=;;', 'x=1; confide_session=\u00ff']) {
      const res = await request(server, 'GET', '/api/v1/me', { headers: { cookie: forged } });
      assert.equal(res.status, 401, forged);
      assert.match(res.json.error.code, /^(not_signed_in|session_expired)$/);
    }
    const me = await request(server, 'GET', '/api/v1/me', { headers: { cookie } });
    assert.equal(me.status, 200);
    assert.equal(me.json.user.email, ADMIN.email);
  });

  test('cross-origin state changes are 403 and change nothing', async () => {
    const evil = { origin: 'http://evil.example', cookie };
    assertJsonError(await request(server, 'POST', '/api/v1/logout', { headers: evil }), 403, 'cross_origin');
    assertJsonError(await request(server, 'POST', '/api/v1/login', { body: ADMIN, headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'cross_origin');
    assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie } })).status, 200);
    const sameOrigin = await request(server, 'POST', '/api/v1/login', {
      body: { email: ADMIN.email, password: ADMIN.password },
      headers: { origin: server.url, 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(sameOrigin.status, 200);
  });

  test('every response carries the security headers; API responses are not cached', async () => {
    const probes = [
      ['GET', '/'], ['GET', '/setup'], ['GET', '/no-such-page'], ['GET', '/healthz'], ['GET', '/metrics'],
      ['GET', '/api/v1/me'], ['POST', '/api/v1/login'], ['GET', '/api/v1/zzz'],
    ];
    for (const [method, p] of probes) {
      const res = await request(server, method, p);
      for (const [h, v] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers.get(h), v, `${h} on ${method} ${p}`);
      assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS over plain HTTP');
      if (p.startsWith('/api') || p === '/healthz' || p === '/metrics') assert.equal(res.headers.get('cache-control'), 'no-store', p);
    }
  });

  test('healthz and metrics', async () => {
    const h = await request(server, 'GET', '/healthz');
    assert.deepEqual(h.json, { status: 'ok' });
    const m = await request(server, 'GET', '/metrics');
    assert.match(m.headers.get('content-type'), /^text\/plain/);
    const countIn = (text, name) => Number(text.match(new RegExp(`^${name} (\\d+)`, 'm'))[1]);
    const count = (name) => countIn(m.text, name);
    assert.ok(count('confide_http_requests_total\\{class="4xx"\\}') >= 10);
    assert.ok(count('confide_http_errors_total') >= 10);
    assert.ok(count('confide_store_latency_seconds_count') > 0);
    // a failed sign-in counts once
    const failed = await request(server, 'POST', '/api/v1/login',
      { body: { email: 'nobody@example.org', password: 'not the password' } });
    assert.equal(failed.status, 401);
    const again = await request(server, 'GET', '/metrics');
    assert.equal(countIn(again.text, 'confide_login_failures_total'), count('confide_login_failures_total') + 1);
  });
});

describe('/metrics answers loopback and metrics_allow only', () => {
  // an address of this machine that is not loopback: a request to it comes from it
  const outside = Object.values(os.networkInterfaces()).flat()
    .find((a) => a && !a.internal && a.family === 'IPv4')?.address;
  const get = async (host, port, p) => {
    const res = await fetch(`http://${host}:${port}${p}`);
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  test('from another address it is a page that does not exist, unless metrics_allow names it',
    { skip: !outside && 'this machine has no address besides loopback' }, async () => {
      for (const allow of [[], ['--metrics-allow', `fd00::/8, ${outside}/32`]]) {
        const port = await freePort();
        const server = await startServer({ port, args: ['--listen', `0.0.0.0:${port}`, '--media-bind', '127.0.0.1', ...allow] });
        try {
          const local = await get('127.0.0.1', port, '/metrics');
          assert.equal(local.status, 200);
          assert.match(local.text, /^confide_http_requests_total/m);
          const remote = await get(outside, port, '/metrics');
          if (allow.length) {
            assert.equal(remote.status, 200);
            assert.match(remote.text, /^confide_http_requests_total/m);
          } else {
            const unknown = await get(outside, port, '/no-such-page');
            assert.equal(remote.status, 404);
            assert.deepEqual(remote, unknown);
            assert.ok(!remote.text.includes('confide_'));
            assert.equal((await get(outside, port, '/healthz')).status, 200);
          }
        } finally {
          await server.stop();
          server.cleanup();
        }
      }
    });

  test('a metrics_allow that is not a list of ranges stops the start', () => {
    const res = spawnSync(BIN, ['serve', '--metrics-allow', '10.0.0.0/8, 10.1.0.0/8'], { encoding: 'utf8' });
    assert.equal(res.status, 2);
    assert.match(res.stderr, /metrics_allow: "10\.1\.0\.0\/8" has bits set past its prefix/);
  });
});

describe('first-run setup, sign-in, sign-out over plain HTTP', () => {
  test('the setup link works once; the session cookie is HttpOnly and SameSite=Strict', async () => {
    const server = await startServer();
    try {
      assert.match(server.setupLink, /^http:\/\/127\.0\.0\.1:\d+\/setup#[A-Za-z0-9_-]{32}$/);
      // the audit log's head is in the server's log from the start (empty: id 0)
      assert.match(server.stderr, /audit head id=0 hash=0{64}/);
      assert.deepEqual((await request(server, 'GET', '/api/v1/setup')).json, { setup_required: true });
      const res = await request(server, 'POST', '/api/v1/setup', { body: { ...ADMIN, setup_token: server.setupToken } });
      assert.equal(res.status, 201);
      assert.equal(res.json.user.role, 'admin');
      const setCookie = res.headers.get('set-cookie');
      assert.match(setCookie, /^confide_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
      assertJsonError(await request(server, 'POST', '/api/v1/setup', { body: { ...ADMIN, setup_token: server.setupToken } }), 409, 'already_set_up');

      const bad = await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: 'not the right one' } });
      assertJsonError(bad, 401, 'invalid_credentials');
      const login = await request(server, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } });
      assert.equal(login.status, 200);
      const cookie = cookieOf(login);
      assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie } })).json.user.name, ADMIN.name);
      const out = await request(server, 'POST', '/api/v1/logout', { headers: { cookie } });
      assert.equal(out.status, 204);
      assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
      assertJsonError(await request(server, 'GET', '/api/v1/me', { headers: { cookie } }), 401, 'not_signed_in');
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  test('a sign-in (argon2id) does not hold up other requests: they are answered first', async () => {
    const server = await startServer();
    try {
      await setupAdmin(server, ADMIN);
      // each request on its own connection, the sign-in sent first
      const order = [];
      const body = JSON.stringify({ email: ADMIN.email, password: ADMIN.password });
      const slow = firstBytes(server.port, 'POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n'
        + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
        .then((r) => { order.push('login'); return r; });
      await new Promise((r) => setTimeout(r, 5));
      const quick = [];
      for (let i = 0; i < 3; i++) {
        quick.push(firstBytes(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
          .then((r) => { order.push('healthz'); return r; }));
      }
      const [login, ...health] = await Promise.all([slow, ...quick]);
      assert.match(login, /^HTTP\/1\.1 200/);
      assert.ok(health.every((h) => /^HTTP\/1\.1 200/.test(h)));
      assert.deepEqual(order, ['healthz', 'healthz', 'healthz', 'login']);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  test('a flood of sign-ins beyond the offload bound gets 503 with Retry-After, and /healthz keeps answering', async () => {
    const server = await startServer();
    try {
      await setupAdmin(server, ADMIN);
      const body = JSON.stringify({ email: ADMIN.email, password: ADMIN.password });
      const signIn = 'POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n'
        + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      let lastSignIn = 0;
      const flood = [];
      for (let i = 0; i < 48; i++) {
        flood.push(rawHttp(server.port, signIn).then((r) => { lastSignIn = performance.now(); return r; }));
      }
      await new Promise((r) => setTimeout(r, 50));
      const health = await rawHttp(server.port, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      const healthAt = performance.now();
      const answers = await Promise.all(flood);
      assert.match(health, /^HTTP\/1\.1 200/);
      assert.ok(healthAt < lastSignIn, '/healthz was answered while sign-ins were still queued');
      const status = (r) => Number(/^HTTP\/1\.1 (\d+)/.exec(r)?.[1]);
      const busy = answers.filter((r) => status(r) === 503);
      assert.ok(busy.length > 0, 'some sign-ins were turned away');
      assert.ok(answers.some((r) => status(r) === 200), 'the queued ones were answered');
      assert.deepEqual(answers.filter((r) => ![200, 503].includes(status(r))), []);
      for (const r of busy) {
        assert.match(r, /\r\nretry-after: 1\r\n/i);
        assert.match(r, /\r\ncontent-type: application\/json\r\n/i);
        assert.equal(JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4)).error.code, 'server_busy');
      }
      assert.match(server.stdout + server.stderr, /POST \/api\/v1\/login 503/);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  test('sign-ins whose connection closed are dropped, not hashed', async () => {
    const server = await startServer();
    try {
      await setupAdmin(server, ADMIN);
      const hashes = async () => Number(/^confide_password_hashes_total (\d+)$/m
        .exec((await request(server, 'GET', '/metrics')).text)[1]);
      const before = await hashes();
      const socks = [];
      for (let i = 0; i < 16; i++) {
        // unknown addresses, each its own account: no throttle stops them before the hashing
        const body = JSON.stringify({ email: `nobody${i}@example.org`, password: 'not the right one' });
        const sock = net.connect(server.port, '127.0.0.1');
        sock.on('error', () => {});
        sock.write('POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n'
          + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        socks.push(sock);
      }
      await new Promise((r) => setTimeout(r, 100)); // all sent and queued
      for (const sock of socks) sock.destroy();
      // wait until the count stops moving
      let seen = -1;
      let now = await hashes();
      while (now !== seen) {
        seen = now;
        await new Promise((r) => setTimeout(r, 1000));
        now = await hashes();
      }
      assert.ok(now - before <= 4, `only the sign-ins already in hand were hashed (${now - before} hashes for 16 sign-ins)`);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });

  test('idle logoff after the configured time', async () => {
    const server = await startServer({ env: { CONFIDE_IDLE_TIMEOUT: '2' } });
    try {
      const cookie = await setupAdmin(server, ADMIN);
      assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie } })).status, 200);
      await new Promise((r) => setTimeout(r, 2500));
      const res = await request(server, 'GET', '/api/v1/me', { headers: { cookie } });
      assertJsonError(res, 401, 'session_expired');
      assert.match(res.json.error.message, /signed out after 2 seconds without activity/);
    } finally {
      await server.stop();
      server.cleanup();
    }
  });
});

describe('durability and lifecycle', () => {
  test('kill -9 right after setup loses nothing', async () => {
    const first = await startServer();
    await setupAdmin(first, ADMIN);
    const { signal } = await first.kill9();
    assert.equal(signal, 'SIGKILL');
    const second = await startServer({ dataDir: first.dataDir });
    try {
      assert.equal(second.setupLink, null, 'no setup link once an account exists');
      assert.deepEqual((await request(second, 'GET', '/api/v1/setup')).json, { setup_required: false });
      const login = await request(second, 'POST', '/api/v1/login', { body: { email: ADMIN.email, password: ADMIN.password } });
      assert.equal(login.status, 200);
      assert.equal(login.json.user.name, ADMIN.name);
    } finally {
      await second.stop();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  test('SIGTERM finishes the response in flight, refuses new connections and exits 0', async () => {
    // a 4 MB file read slowly keeps a response in flight while SIGTERM arrives
    const webDir = mkdtempSync(path.join(os.tmpdir(), 'confide-web-'));
    const size = 4 * 1024 * 1024;
    writeFileSync(path.join(webDir, 'big.txt'), 'z'.repeat(size));
    const server = await startServer({ args: ['--web-dir', webDir] });
    try {
      const sock = net.connect(server.port, '127.0.0.1');
      let received = 0;
      const done = new Promise((resolve) => sock.on('close', resolve));
      const firstChunk = new Promise((resolve) => sock.once('data', resolve));
      sock.on('data', (d) => { received += d.length; });
      sock.write('GET /big.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      await firstChunk;
      sock.pause();
      server.proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      await assert.rejects(fetch(server.url + '/healthz'), 'new connections are refused while stopping');
      sock.resume();
      await done;
      const { code } = await server.exited;
      assert.equal(code, 0);
      assert.ok(received > size, `the whole file arrived (${received} bytes)`);
      assert.match(server.stderr, /stopped/);
    } finally {
      server.cleanup();
      rmSync(webDir, { recursive: true, force: true });
    }
  });
});

describe('TLS', () => {
  test('serves HTTPS with a __Host- cookie marked Secure', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'confide-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const server = await startServer({ tls: true, args: ['--tls-cert', cert, '--tls-key', key] });
    const call = (method, p, body, headers = {}) => new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: server.port, path: p, method, rejectUnauthorized: false,
        headers: { ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(JSON.stringify(body)) } : {}), ...headers } }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
      });
      req.on('error', reject);
      if (body) req.write(JSON.stringify(body));
      req.end();
    });
    try {
      assert.match(server.setupLink, /^https:\/\//);
      const res = await call('POST', '/api/v1/setup', { ...ADMIN, setup_token: server.setupToken });
      assert.equal(res.status, 201, res.text);
      const setCookie = res.headers['set-cookie'][0];
      assert.match(setCookie, /^__Host-confide_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
      const me = await call('GET', '/api/v1/me', null, { cookie: setCookie.split(';')[0] });
      assert.equal(me.status, 200);
      // the plain-HTTP cookie name means nothing under TLS
      const plainName = await call('GET', '/api/v1/me', null, { cookie: setCookie.split(';')[0].replace('__Host-', '') });
      assert.equal(plainName.status, 401);
      assert.equal(res.headers['content-security-policy'], SECURITY_HEADERS['content-security-policy']);
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
    } finally {
      await server.stop();
      server.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WebSocket /ws (confide.v1)', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server.stop(); server.cleanup(); });

  const open = (opts = {}, protocol = 'confide.v1', p = '/ws') => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${p}`, protocol ? [protocol] : [], { origin: server.url, ...opts });
    const inbox = [];
    const waiters = [];
    ws.on('message', (m) => { const msg = JSON.parse(m.toString()); const w = waiters.shift(); if (w) w(msg); else inbox.push(msg); });
    ws.next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => waiters.push(r)));
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });

  test('greets, answers ping, and survives bad messages', async () => {
    const ws = await open();
    assert.equal(ws.protocol, 'confide.v1');
    ws.send(JSON.stringify({ type: 'hello' }));
    assert.deepEqual(await ws.next(), { type: 'welcome', protocol: 'confide.v1', version: 1 });
    for (const bad of ['not json', '[]', '{"type":5}', JSON.stringify({ type: 'self-destruct' })]) {
      ws.send(bad);
      const reply = await ws.next();
      assert.equal(reply.type, 'error', bad);
      assert.match(reply.code, /^(malformed_message|unknown_type)$/);
    }
    ws.send('x'.repeat(70000));
    assert.equal((await ws.next()).code, 'message_too_large');
    ws.send(JSON.stringify({ type: 'ping' }));
    assert.deepEqual(await ws.next(), { type: 'pong' });
    const metrics = await request(server, 'GET', '/metrics');
    assert.match(metrics.text, /^confide_websockets_open 1$/m);
    ws.close();
  });

  test('refuses another site, another path and no subprotocol', async () => {
    await assert.rejects(open({ origin: 'http://evil.example' }));
    await assert.rejects(open({}, 'confide.v1', '/elsewhere'));
    await assert.rejects(open({}, null));
    assert.equal((await request(server, 'GET', '/healthz')).status, 200);
  });
});

describe('command line', () => {
  const run = (args, input) => spawnSync(BIN, args, { input, encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' } });

  test('--help documents every setting with its environment variable', () => {
    const res = run(['--help']);
    assert.equal(res.status, 0);
    for (const s of ['--listen', 'CONFIDE_LISTEN', '--data-dir', 'CONFIDE_DATA_DIR', '--config', 'tls_cert', 'idle_timeout']) {
      assert.ok(res.stdout.includes(s), s);
    }
    const bad = run(['serve', '--idle-timeout', 'soon']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /idle_timeout must be a whole number/);
  });

  test('a media port in use or a bad media address is named, and the server does not start', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'confide-media-'));
    // each would serve if it started: the timeout ends such a run, and the assertions fail
    const serve = (...args) => spawnSync(BIN, ['serve', '--listen', '127.0.0.1:1', '--data-dir', dataDir, ...args],
      { encoding: 'utf8', timeout: 20000 });
    const udp = dgram.createSocket('udp4');
    await new Promise((resolve) => udp.bind(0, '127.0.0.1', resolve));
    try {
      const port = String(udp.address().port);
      const busy = serve('--media-port', port, '--media-workers', '1');
      assert.equal(busy.status, 1);
      assert.match(busy.stderr, new RegExp(`UDP or TCP port ${port} on 127\\.0\\.0\\.1 is in use \\(media_port\\)`));
      const elsewhere = serve('--media-bind', '192.0.2.55', '--media-public-ip', '192.0.2.55');
      assert.equal(elsewhere.status, 1);
      assert.match(elsewhere.stderr, /192\.0\.2\.55 is not an address of this machine \(media_bind\)/);
      const named = serve('--media-public-ip', 'media.example');
      assert.equal(named.status, 2);
      assert.match(named.stderr, /"media\.example" is not an IPv4 or IPv6 address/);
    } finally {
      udp.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('admin create-user, migrate and backup', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'confide-cli-'));
    try {
      const weak = run(['admin', 'create-user', '--name', 'Bo', '--email', 'bo@practice.example', '--data-dir', dataDir], 'short\n');
      assert.equal(weak.status, 1);
      assert.match(weak.stderr, /at least 12 characters/);
      const first = run(['admin', 'create-user', '--name', 'Bo Admin', '--email', 'bo@practice.example', '--data-dir', dataDir], 'bo has a long password\n');
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /created \(admin\)/);
      const second = run(['admin', 'create-user', '--name', 'Cy', '--email', 'cy@practice.example', '--role', 'therapist', '--data-dir', dataDir], 'cy has a long password\n');
      assert.match(second.stdout, /created \(therapist\)/);
      const dup = run(['admin', 'create-user', '--name', 'Cy', '--email', 'CY@practice.example', '--data-dir', dataDir], 'cy has a long password\n');
      assert.equal(dup.status, 1);
      assert.match(dup.stderr, /exists already/);
      assert.equal(run(['migrate', '--data-dir', dataDir]).status, 0);
      // the audit log's chain: intact, then one entry edited behind confide's back
      const intact = run(['admin', 'verify-audit', '--data-dir', dataDir]);
      assert.equal(intact.status, 0, intact.stderr);
      assert.match(intact.stdout, /the audit log is intact: 2 entries, head [0-9a-f]{64}/);
      const db = path.join(dataDir, 'confide.db');
      // Debian's sqlite3 (scripts/bootstrap --test), as someone with the file would do it
      execFileSync('sqlite3', [db, 'DROP TRIGGER audit_log_append_only_update;'
        + ' UPDATE audit_log SET actor_user_id = 99 WHERE id = 1;']);
      const broken = run(['admin', 'verify-audit', '--data-dir', dataDir]);
      assert.equal(broken.status, 1);
      assert.match(broken.stderr, /entry 1 does not follow from the one before it/);

      const backup = path.join(dataDir, 'copy.db');
      const b = run(['backup', backup, '--data-dir', dataDir]);
      assert.equal(b.status, 0, b.stderr);
      assert.ok(existsSync(backup));
      assert.equal(run(['backup', backup, '--data-dir', dataDir]).status, 1, 'never overwrites');
      // the copy, with the same key, is a working data directory
      const restored = mkdtempSync(path.join(os.tmpdir(), 'confide-restore-'));
      execFileSync('cp', [backup, path.join(restored, 'confide.db')]);
      execFileSync('cp', [path.join(dataDir, 'secret.key'), path.join(restored, 'secret.key')]);
      const server = await startServer({ dataDir: restored });
      try {
        assert.equal(server.setupLink, null);
        const login = await request(server, 'POST', '/api/v1/login', { body: { email: 'cy@practice.example', password: 'cy has a long password' } });
        assert.equal(login.status, 200);
        assert.equal(login.json.user.role, 'therapist');
      } finally {
        await server.stop();
        rmSync(restored, { recursive: true, force: true });
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('admin reset-mfa: an account that lost its phone signs in with its password again', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'confide-reset-mfa-'));
    // RFC 6238 as an authenticator app computes it
    const totp = (secret, steps = 0) => {
      const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
      const bits = [...secret].map((c) => abc.indexOf(c).toString(2).padStart(5, '0')).join('');
      const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + steps));
      const mac = createHmac('sha1', key).update(counter).digest();
      return String((mac.readUInt32BE(mac[19] & 15) & 0x7fffffff) % 1e6).padStart(6, '0');
    };
    const ada = { email: 'ada@practice.example', password: 'a long and quiet passphrase' };
    try {
      let server = await startServer({ dataDir, env: { CONFIDE_REQUIRE_MFA: 'admins' } });
      try {
        const cookie = await setupAdmin(server);
        const start = await request(server, 'POST', '/api/v1/me/mfa/totp', { headers: { cookie } });
        assert.equal(start.status, 200, start.text);
        const confirm = await request(server, 'POST', '/api/v1/me/mfa/totp/confirm',
          { headers: { cookie }, body: { code: totp(start.json.secret) } });
        assert.equal(confirm.status, 200, confirm.text);
        const login = await request(server, 'POST', '/api/v1/login', { body: ada });
        assert.deepEqual(login.json, { mfa_required: true });
        assert.match(cookieOf(login), /^confide_mfa=/);
      } finally {
        await server.stop();
      }
      const nobody = run(['admin', 'reset-mfa', '--email', 'bo@practice.example', '--data-dir', dataDir]);
      assert.equal(nobody.status, 1);
      assert.match(nobody.stderr, /no account with that email address has two-step sign-in/);
      const reset = run(['admin', 'reset-mfa', '--email', 'ADA@practice.example', '--data-dir', dataDir]);
      assert.equal(reset.status, 0, reset.stderr);
      assert.match(reset.stdout, /two-step sign-in removed for account 1/);
      const intact = run(['admin', 'verify-audit', '--data-dir', dataDir]);
      assert.equal(intact.status, 0, intact.stderr);
      server = await startServer({ dataDir, env: { CONFIDE_REQUIRE_MFA: 'off' } });
      try {
        const login = await request(server, 'POST', '/api/v1/login', { body: ada });
        assert.equal(login.status, 200, login.text);
        assert.equal(login.json.user.email, ada.email);
        const cookie = cookieOf(login);
        const audit = await request(server, 'GET', '/api/v1/audit?action=mfa.reset', { headers: { cookie } });
        assert.equal(audit.json.entries.length, 1);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('admin users, disable and enable: a running server refuses a disabled account at once', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'confide-disable-'));
    const cy = { email: 'cy@practice.example', password: 'cy has a long password' };
    const server = await startServer({ dataDir });
    try {
      const ada = await setupAdmin(server);
      const made = run(['admin', 'create-user', '--name', 'Cy Okafor', '--email', cy.email,
        '--role', 'therapist', '--data-dir', dataDir], `${cy.password}\n`);
      assert.equal(made.status, 0, made.stderr);
      const signIn = await request(server, 'POST', '/api/v1/login', { body: cy });
      assert.equal(signIn.status, 200, signIn.text);
      const cookie = cookieOf(signIn);

      const users = run(['admin', 'users', '--data-dir', dataDir]);
      assert.equal(users.status, 0, users.stderr);
      assert.match(users.stdout, /^1\s+admin\s+active\s+no\s+Dr Ada Byron <ada@practice\.example>$/m);
      assert.match(users.stdout, /^2\s+therapist\s+active\s+no\s+Cy Okafor <cy@practice\.example>$/m);

      const last = run(['admin', 'disable', '--email', 'ada@practice.example', '--data-dir', dataDir]);
      assert.equal(last.status, 1);
      assert.match(last.stderr, /last administrator/);
      const off = run(['admin', 'disable', '--email', 'CY@practice.example', '--data-dir', dataDir]);
      assert.equal(off.status, 0, off.stderr);
      assert.match(off.stdout, /account 2 disabled; its sign-ins have ended/);
      // the running server: the open sign-in is refused, and a new one too
      assert.equal((await request(server, 'GET', '/api/v1/me', { headers: { cookie } })).status, 401);
      const refused = await request(server, 'POST', '/api/v1/login', { body: cy });
      assert.equal(refused.status, 403);
      assert.equal(refused.json.error.code, 'account_disabled');
      assert.match(run(['admin', 'users', '--data-dir', dataDir]).stdout, /^2\s+therapist\s+disabled\s/m);
      const again = run(['admin', 'disable', '--email', cy.email, '--data-dir', dataDir]);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /disabled already/);
      const nobody = run(['admin', 'enable', '--email', 'nobody@practice.example', '--data-dir', dataDir]);
      assert.equal(nobody.status, 1);
      assert.match(nobody.stderr, /no account with that email address/);

      const on = run(['admin', 'enable', '--email', cy.email, '--data-dir', dataDir]);
      assert.equal(on.status, 0, on.stderr);
      assert.equal((await request(server, 'POST', '/api/v1/login', { body: cy })).status, 200);
      const audit = await request(server, 'GET', '/api/v1/audit?action=account.disable', { headers: { cookie: ada } });
      assert.equal(audit.json.entries.length, 1);
      assert.equal(audit.json.entries[0].subject_id, 2);
      assert.equal(run(['admin', 'verify-audit', '--data-dir', dataDir]).status, 0);
      // the server's log names ids, never people
      assert.ok(!server.stderr.includes('Cy Okafor') && !server.stderr.includes(cy.email));
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('the data directory is made private at every start; a secret.key others can read is refused', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'confide-modes-'));
    const mode = (f) => statSync(f).mode & 0o777;
    const key = path.join(dataDir, 'secret.key');
    try {
      chmodSync(dataDir, 0o755);
      let server = await startServer({ dataDir });
      try {
        assert.equal(mode(dataDir), 0o700);
        assert.match(server.stderr, /the data directory \S+ was mode 0755; now 0700/);
        const files = readdirSync(dataDir);
        for (const f of ['secret.key', 'confide.db', 'confide.db-wal', 'confide.db-shm']) assert.ok(files.includes(f), f);
        for (const f of files) assert.equal(mode(path.join(dataDir, f)), 0o600, f);
      } finally {
        await server.stop();
      }
      // modes widened while it was stopped are narrowed again, each with a line in the log
      chmodSync(dataDir, 0o750);
      chmodSync(path.join(dataDir, 'confide.db'), 0o644);
      writeFileSync(path.join(dataDir, 'copy.db'), 'an old copy', { mode: 0o664 });
      chmodSync(path.join(dataDir, 'copy.db'), 0o664);
      server = await startServer({ dataDir });
      try {
        assert.equal(mode(dataDir), 0o700);
        assert.equal(mode(path.join(dataDir, 'confide.db')), 0o600);
        assert.equal(mode(path.join(dataDir, 'copy.db')), 0o600);
        assert.match(server.stderr, /confide\.db was mode 0644; now 0600/);
        assert.match(server.stderr, /copy\.db was mode 0664; now 0600/);
      } finally {
        await server.stop();
      }
      // the key is never widened back silently: confide says what to run and stops
      for (const wide of [0o644, 0o640, 0o602]) {
        chmodSync(key, wide);
        for (const cmd of [['serve', '--listen', '127.0.0.1:1'], ['migrate']]) {
          const res = spawnSync(BIN, [...cmd, '--data-dir', dataDir], { encoding: 'utf8', timeout: 20000 });
          assert.equal(res.status, 1, res.stderr);
          assert.match(res.stderr, new RegExp(`secret\\.key is mode 0${wide.toString(8)}`));
          assert.ok(res.stderr.includes(`chmod 600 ${key}`), res.stderr);
        }
        assert.equal(mode(key), wide, 'left as it was');
      }
      chmodSync(key, 0o600);
      assert.equal(run(['migrate', '--data-dir', dataDir]).status, 0);
      // a backup is the owner's alone too
      const backup = path.join(os.tmpdir(), `confide-modes-copy-${process.pid}.db`);
      try {
        assert.equal(run(['backup', backup, '--data-dir', dataDir]).status, 0);
        assert.equal(mode(backup), 0o600);
      } finally {
        rmSync(backup, { force: true });
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('settings come from an INI file, then the environment, then flags', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'confide-ini-'));
    const ini = path.join(dir, 'confide.ini');
    writeFileSync(ini, `; practice settings\nidle_timeout = 120\nlog_level = warn\n`);
    const server = await startServer({ args: ['--config', ini], env: { CONFIDE_IDLE_TIMEOUT: '240' } });
    try {
      const cookie = await setupAdmin(server, ADMIN);
      const me = await request(server, 'GET', '/api/v1/me', { headers: { cookie } });
      assert.equal(me.json.session.idle_timeout_seconds, 240);
      assert.ok(!server.stderr.includes(' info '), 'log_level from the file applies');
    } finally {
      await server.stop();
      server.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// confide behind a real reverse proxy: Debian's nginx ends TLS with a throwaway
// certificate and forwards to confide on 127.0.0.1, which trusts it (--trusted-proxies)
// and is reached at an https public_url. Two clients are told apart by their loopback
// source addresses (Linux routes all of 127.0.0.0/8 to lo, so a socket can bind 127.0.0.2).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { startNginx } from './lib/nginx.mjs';
import { freePort, startServer } from './lib/server.mjs';

const CLIENT_A = '127.0.0.2';
const CLIENT_B = '127.0.0.3';

// the configuration docs/DEPLOY.md shows, on loopback with a throwaway certificate
function httpBlock(dir, port, upstream) {
  return `  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass http://127.0.0.1:${upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
    location = /ws {
      proxy_pass http://127.0.0.1:${upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 1h;
    }
  }`;
}

// one request; { status, headers, text }. via: 'nginx' (https) or 'direct' (confide's http)
function call(ctx, method, p, { body, headers = {}, from = '127.0.0.1', via = 'nginx' } = {}) {
  const data = body ? JSON.stringify(body) : null;
  const lib = via === 'nginx' ? https : http;
  const port = via === 'nginx' ? ctx.nginxPort : ctx.server.port;
  return new Promise((resolve, reject) => {
    const req = lib.request({
      host: '127.0.0.1', port, path: p, method, localAddress: from, rejectUnauthorized: false, agent: false,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const wrongSignIn = (ctx, from, extra = {}) => call(ctx, 'POST', '/api/v1/login', {
  from, ...extra, body: { email: `nobody-${Math.random().toString(36).slice(2)}@mail.example`, password: 'not it' },
});

function openWs(ctx, from) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://localhost:${ctx.nginxPort}/ws`, ['confide.v1'], {
      origin: ctx.publicUrl, rejectUnauthorized: false, localAddress: from,
    });
    const inbox = [];
    const waiters = [];
    ws.on('message', (m) => { const msg = JSON.parse(m.toString()); const w = waiters.shift(); if (w) w(msg); else inbox.push(msg); });
    ws.next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => waiters.push(r)));
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
  });
}

describe('behind nginx with TLS and trusted_proxies', () => {
  const ctx = {};
  before(async () => {
    ctx.dir = mkdtempSync(path.join(os.tmpdir(), 'confide-proxy-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(ctx.dir, 'key.pem'), '-out', path.join(ctx.dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=localhost'], { stdio: 'ignore' });
    ctx.nginxPort = await freePort();
    ctx.publicUrl = `https://localhost:${ctx.nginxPort}`;
    ctx.server = await startServer({
      args: ['--trusted-proxies', '127.0.0.1/32', '--public-url', ctx.publicUrl, '--smtp-from', 'no-reply@practice.example'],
    });
    ctx.nginx = await startNginx(ctx.dir, ctx.nginxPort, httpBlock(ctx.dir, ctx.nginxPort, ctx.server.port));
  });
  after(async () => {
    let exit = null;
    try {
      await ctx.nginx?.stop();
      if (ctx.server) {
        exit = await ctx.server.stop();
        ctx.server.cleanup();
      }
    } finally {
      rmSync(ctx.dir, { recursive: true, force: true });
    }
    if (exit) assert.deepEqual(exit, { code: 0, signal: null }, `confide did not stop cleanly:\n${ctx.server.stderr.slice(-3000)}`);
  });

  test('the sign-in cookie is __Host- and Secure, and HSTS is sent', async () => {
    assert.match(ctx.server.setupLink, new RegExp(`^${ctx.publicUrl}/setup#`));
    const res = await call(ctx, 'POST', '/api/v1/setup', {
      from: CLIENT_A,
      body: { setup_token: ctx.server.setupToken, name: 'Dr Ada Byron', email: 'ada@practice.example', password: 'a long and quiet passphrase' },
    });
    assert.equal(res.status, 201, res.text);
    const setCookie = res.headers['set-cookie'][0];
    assert.match(setCookie, /^__Host-confide_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
    const cookie = setCookie.split(';')[0];
    ctx.cookie = cookie;
    const me = await call(ctx, 'GET', '/api/v1/me', { from: CLIENT_A, headers: { cookie } });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.headers['strict-transport-security'], 'max-age=31536000');
    // static files too
    assert.equal((await call(ctx, 'GET', '/', { from: CLIENT_A })).headers['strict-transport-security'], 'max-age=31536000');
    // the plain-HTTP name means nothing here
    assert.equal((await call(ctx, 'GET', '/api/v1/me', { from: CLIENT_A, headers: { cookie: cookie.replace('__Host-', '') } })).status, 401);
  });

  test('one client throttled for wrong passwords does not slow another', async () => {
    let throttled = null;
    for (let i = 0; i < 40 && !throttled; i++) {
      const res = await wrongSignIn(ctx, CLIENT_A);
      if (res.status === 429) throttled = res;
      else assert.equal(res.status, 401, res.text);
    }
    assert.ok(throttled, 'client A was never throttled');
    assert.ok(Number(throttled.headers['retry-after']) >= 1);
    // client B, through the same proxy, is only told the password is wrong
    assert.equal((await wrongSignIn(ctx, CLIENT_B)).status, 401);
    // client A naming another address through nginx: nginx writes what it saw
    assert.equal((await wrongSignIn(ctx, CLIENT_A, { headers: { 'x-forwarded-for': CLIENT_B } })).status, 429);
    assert.equal((await wrongSignIn(ctx, CLIENT_A, { headers: { forwarded: `for=${CLIENT_B}` } })).status, 429);
  });

  test('a forwarding header from a peer that is not a trusted proxy is ignored', async () => {
    // client A, straight to confide, claims to be someone else: it is still client A
    for (const headers of [{ 'x-forwarded-for': '198.51.100.7' }, { forwarded: 'for=198.51.100.7' }]) {
      const res = await wrongSignIn(ctx, CLIENT_A, { via: 'direct', headers });
      assert.equal(res.status, 429, res.text);
    }
    // /metrics looks at the client, not at the proxy's loopback address: a client beyond
    // the trusted proxy is not loopback; one beyond an untrusted peer counts as that peer
    const metricsFromProxy = await call(ctx, 'GET', '/metrics', { via: 'direct', headers: { 'x-forwarded-for': '198.51.100.7' } });
    assert.equal(metricsFromProxy.status, 404);
    const metricsSpoofed = await call(ctx, 'GET', '/metrics', { via: 'direct', from: CLIENT_A, headers: { 'x-forwarded-for': '198.51.100.7' } });
    assert.equal(metricsSpoofed.status, 200);
  });

  test('WebSockets pass through nginx, and join guesses are counted per client', async () => {
    const a = await openWs(ctx, CLIENT_A);
    a.send(JSON.stringify({ type: 'hello' }));
    assert.deepEqual(await a.next(), { type: 'welcome', protocol: 'confide.v1', version: 1 });
    let code;
    for (let i = 0; i < 20 && code !== 'throttled'; i++) {
      a.send(JSON.stringify({ type: 'preview', token: `guess-${i}` }));
      const reply = await a.next();
      assert.equal(reply.type, 'join_refused');
      code = reply.code;
    }
    assert.equal(code, 'throttled');
    const b = await openWs(ctx, CLIENT_B);
    b.send(JSON.stringify({ type: 'preview', token: 'another-guess' }));
    const reply = await b.next();
    assert.equal(reply.type, 'join_refused');
    assert.equal(reply.code, 'invalid');
    a.close();
    b.close();
  });
});

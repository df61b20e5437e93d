// The soak (`make soak`, scripts/soak): a release confide on loopback with a throwaway data
// directory holds SOAK_IDLE idle WebSockets while SOAK_JOINS_PER_SECOND people join a
// meeting and leave it again over /ws, and the API serves sign-ins and dashboards. Prints
// p50/p99 latency per kind, confide's memory (VmRSS from /proc) and the errors; exits 1
// when errors pass SOAK_MAX_ERROR_RATE or an idle WebSocket was dropped.
//
// Not a test (it is not in ctest): it takes SOAK_SECONDS (60) plus about 20 s of setup.
// Clients come from several loopback addresses (127.0.0.10 and up for the idle sockets,
// 127.0.0.100 and up for the joins, 127.0.0.50 and up for the API, each with at most 32
// connections open like a browser's pool), so max_connections_per_address stays at its
// default and is exercised, not switched off.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import WebSocket from 'ws';

import { jsonRequest } from './lib/load.mjs';
import { setupAdmin, startServer } from './lib/server.mjs';

const env = (name, def) => Number(process.env[name] ?? def);
const SECONDS = env('SOAK_SECONDS', 60);
const IDLE = env('SOAK_IDLE', 1000);
const JOINS_PER_SECOND = env('SOAK_JOINS_PER_SECOND', 50);
const SIGNINS_PER_SECOND = env('SOAK_SIGNINS_PER_SECOND', 2);
const DASHBOARDS_PER_SECOND = env('SOAK_DASHBOARDS_PER_SECOND', 10);
const MAX_ERROR_RATE = env('SOAK_MAX_ERROR_RATE', 0.001);
const GROUPS = 40; // 10 clients each (a group's default capacity): links for 8 s of churn
const PER_GROUP = 10;
const IDLE_PER_ADDRESS = 50;
const OP_TIMEOUT_MS = 10000;

const ADMIN = { name: 'Dr Soak', email: 'soak@practice.example', password: 'a long and quiet soak passphrase' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The API's callers: ten addresses, each a keep-alive pool of at most 32 connections.
// An idle socket is dropped after 10 s, before confide's keepalive_timeout (20 s) closes
// it: otherwise a request may go out on a socket the server is closing ("socket hang up",
// which a browser would retry), and LIFO keeps the busy sockets the reused ones.
const agents = Array.from({ length: 10 }, (_, i) => new http.Agent({
  keepAlive: true, maxSockets: 32, timeout: 10000, scheduling: 'lifo',
  localAddress: `127.0.0.${50 + i}` }));
let nextAgent = 0;

// One API call; resolves to { status, headers, json }.
function request(server, method, path, { body, headers = {} } = {}) {
  return jsonRequest({ port: server.port, agent: agents[nextAgent++ % agents.length], method, path, body, headers });
}

// latencies and errors per kind
const kinds = new Map();
function kind(name) {
  if (!kinds.has(name)) kinds.set(name, { ms: [], errors: 0, why: new Map() });
  return kinds.get(name);
}
function ok(name, ms) { kind(name).ms.push(ms); }
function fail(name, why) {
  const k = kind(name);
  k.errors++;
  k.why.set(why, (k.why.get(why) ?? 0) + 1);
}
function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS);
  })]).finally(() => clearTimeout(timer));
}

// A WebSocket from `from`, resolved once open; .waitFor(type) resolves with the next message
// of that type.
function openSocket(server, from) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['confide.v1'], {
      origin: server.url, localAddress: from,
    });
    const waiters = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      for (let i = 0; i < waiters.length; i++) {
        if (waiters[i].type === msg.type) {
          waiters.splice(i, 1)[0].resolve(msg);
          return;
        }
      }
      if (msg.type === 'join_refused' || msg.type === 'error') {
        for (const w of waiters.splice(0)) w.reject(new Error(`${msg.type} ${msg.code}`));
      }
    });
    ws.waitFor = (type) => new Promise((res, rej) => waiters.push({ type, resolve: res, reject: rej }));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function makePractice(server) {
  const cookie = await setupAdmin(server, ADMIN);
  const call = async (method, p, body) => {
    const res = await request(server, method, p, { body, headers: { cookie } });
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${res.text}`);
    return res.json;
  };
  const links = [];
  let n = 0;
  for (let g = 0; g < GROUPS; g++) {
    const members = [];
    for (let i = 0; i < PER_GROUP; i++) {
      n++;
      members.push((await call('POST', '/api/v1/clients', { name: `Soak client ${n}`,
        email: `soak${n}@mail.example`, time_zone: 'UTC' })).client);
    }
    const group = (await call('POST', '/api/v1/groups', { name: `Soak group ${g + 1}`,
      agreement: 'Soak.', members: members.map((c) => c.id) })).group;
    const s = (await call('POST', '/api/v1/sessions', { title: `Soak ${g + 1}`, time_zone: 'UTC',
      starts_at: new Date(Date.now() + 5 * 60000).toISOString(), duration_minutes: 240,
      group_id: group.id, allow_overlap: true, waiting_room: false })).session;
    for (const c of members) {
      links.push({ token: s.invites.find((i) => i.client_id === c.id).url.split('/j/')[1],
        password: s.occurrences[0].password });
    }
  }
  return links;
}

// One person: opens /ws, joins with their link, is admitted, leaves, closes.
async function joinAndLeave(server, link, from) {
  let t = performance.now();
  const ws = await withTimeout(openSocket(server, from), 'ws open');
  ok('ws open', performance.now() - t);
  try {
    t = performance.now();
    const admitted = ws.waitFor('admitted');
    ws.send(JSON.stringify({ type: 'join', token: link.token, password: link.password, agree: true }));
    await withTimeout(admitted, 'join');
    ok('join (to admitted)', performance.now() - t);
    ws.send(JSON.stringify({ type: 'leave' }));
  } finally {
    ws.close();
  }
}

async function signIn(server) {
  const t = performance.now();
  const res = await withTimeout(request(server, 'POST', '/api/v1/login',
    { body: { email: ADMIN.email, password: ADMIN.password } }), 'sign-in');
  if (res.status !== 200) throw new Error(`sign-in ${res.status}`);
  ok('sign-in', performance.now() - t);
  return res.headers['set-cookie'][0].split(';')[0];
}

// What the dashboard page asks for when it opens, in parallel.
async function dashboard(server, cookie) {
  const t = performance.now();
  const paths = ['/api/v1/me', '/api/v1/sessions', '/api/v1/clients', '/api/v1/groups', '/api/v1/polls'];
  const results = await withTimeout(Promise.all(paths.map((p) =>
    request(server, 'GET', p, { headers: { cookie } }))), 'dashboard');
  const bad = results.find((r) => r.status !== 200);
  if (bad) throw new Error(`dashboard ${bad.status}`);
  ok('dashboard (5 GETs)', performance.now() - t);
}

// Calls fn every 1000/perSecond ms (open loop: a slow answer does not slow the arrivals)
// until the end; resolves when every call has finished.
async function paced(perSecond, endAt, name, fn) {
  if (perSecond <= 0) return;
  const pending = new Set();
  const interval = 1000 / perSecond;
  let next = performance.now();
  while (performance.now() < endAt) {
    const p = fn().catch((err) => fail(name, err.message.replace(/\d+/g, 'N')));
    pending.add(p);
    p.finally(() => pending.delete(p));
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(pending);
}

// CPU seconds (user + system) a process has used; the kernel counts in ticks of 1/100 s.
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function openFds(pid) {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return NaN; }
}

const loadavg = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `Linux ${os.release()}, node ${process.version}`;
}

async function main() {
  const server = await startServer({ env: { ASAN_OPTIONS: '' } });
  // if this script dies, confide must not outlive it
  process.on('exit', () => { if (server.proc.exitCode === null) server.proc.kill('SIGKILL'); });
  let exitCode = 0;
  try {
    console.log(`soak: ${machine()}`);
    console.log(`soak: ${IDLE} idle WebSockets, ${JOINS_PER_SECOND} joins+leaves/s, ` +
      `${SIGNINS_PER_SECOND} sign-ins/s, ${DASHBOARDS_PER_SECOND} dashboards/s for ${SECONDS} s`);
    const links = await makePractice(server);
    const memory = { start: rssKiB(server.proc.pid).rss };

    // the idle crowd: open, say hello, then nothing
    const idle = [];
    let idleDropped = 0;
    let closing = false;
    for (let i = 0; i < IDLE; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(IDLE, i + 50); j++) {
        const from = `127.0.0.${10 + Math.floor(j / IDLE_PER_ADDRESS)}`;
        const t = performance.now();
        batch.push(openSocket(server, from).then((ws) => {
          ok('idle ws open', performance.now() - t);
          ws.on('close', () => { if (!closing) idleDropped++; });
          ws.send('{"type":"hello"}');
          idle.push(ws);
        }, (err) => fail('idle ws open', err.message)));
      }
      await Promise.all(batch);
    }
    memory.idle = rssKiB(server.proc.pid).rss;
    console.log(`soak: ${idle.length} idle WebSockets open; load for ${SECONDS} s`);

    const free = [...links]; // a link is in one place at a time
    let joinFrom = 0;
    const endAt = performance.now() + SECONDS * 1000;
    let peak = memory.idle;
    let peakFds = openFds(server.proc.pid);
    const loadBefore = loadavg();
    const logFrom = server.stderr.length; // the load's requests are logged after this
    const cpuBefore = { confide: cpuSeconds(server.proc.pid), soak: process.cpuUsage() };
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssKiB(server.proc.pid).rss);
      peakFds = Math.max(peakFds, openFds(server.proc.pid));
    }, 1000);
    const adminCookie = await signIn(server);
    await Promise.all([
      paced(JOINS_PER_SECOND, endAt, 'join (to admitted)', async () => {
        const link = free.shift();
        if (!link) throw new Error('no free link');
        const from = `127.0.0.${100 + (joinFrom++ % 10)}`;
        try {
          await joinAndLeave(server, link, from);
        } finally {
          free.push(link);
        }
      }),
      paced(SIGNINS_PER_SECOND, endAt, 'sign-in', () => signIn(server)),
      paced(DASHBOARDS_PER_SECOND, endAt, 'dashboard (5 GETs)', () => dashboard(server, adminCookie)),
    ]);
    clearInterval(sampler);
    const metricsText = (await request(server, 'GET', '/metrics')).text;
    memory.end = rssKiB(server.proc.pid);
    const cpu = { confide: cpuSeconds(server.proc.pid) - cpuBefore.confide,
      soak: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(cpuBefore.soak)) };
    const stillOpen = idle.filter((ws) => ws.readyState === WebSocket.OPEN).length;

    // the table
    const rows = [['kind', 'count', 'errors', 'p50 ms', 'p99 ms', 'max ms']];
    let ops = 0;
    let errors = 0;
    for (const [name, k] of kinds) {
      const sorted = [...k.ms].sort((a, b) => a - b);
      ops += sorted.length + k.errors;
      errors += k.errors;
      rows.push([name, String(sorted.length + k.errors), String(k.errors),
        pct(sorted, 50).toFixed(1), pct(sorted, 99).toFixed(1), (sorted.at(-1) ?? NaN).toFixed(1)]);
    }
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const r of rows) console.log(r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
    const mib = (kib) => (kib / 1024).toFixed(1);
    console.log(`confide VmRSS: ${mib(memory.start)} MiB before, ${mib(memory.idle)} MiB with ` +
      `${idle.length} idle WebSockets, peak ${mib(peak)} MiB, ${mib(memory.end.rss)} MiB at the ` +
      `end (VmHWM ${mib(memory.end.hwm)} MiB)`);
    console.log(`confide open files: at most ${peakFds}`);
    console.log(`CPU during the load: confide ${cpu.confide.toFixed(1)} s (` +
      `${((cpu.confide / SECONDS) * 100).toFixed(0)} % of one core), this driver ` +
      `${cpu.soak.toFixed(1)} s (${((cpu.soak / SECONDS) * 100).toFixed(0)} %)`);
    console.log(`idle WebSockets still open: ${stillOpen} of ${IDLE} (${idleDropped} dropped)`);
    console.log(`load average (1, 5, 15 min): ${loadBefore} before the load, ${loadavg()} after`);
    for (const [name, k] of kinds) {
      for (const [why, count] of k.why) console.log(`error: ${name}: ${why} ×${count}`);
    }
    // confide's own time per route (from its log: request in to answer handed over), to
    // tell its work from queueing and the machine's other load
    const routes = new Map();
    for (const m of server.stderr.slice(logFrom).matchAll(/http: req=\d+ (\S+) (\S+) \d+ ([\d.]+)ms/g)) {
      const key = `${m[1]} ${m[2]}`;
      if (!routes.has(key)) routes.set(key, []);
      routes.get(key).push(Number(m[3]));
    }
    console.log('confide\'s time per request during the load (its log), ms:');
    for (const [route, ms] of [...routes].sort((a, b) => b[1].length - a[1].length)) {
      ms.sort((a, b) => a - b);
      console.log(`  ${route.padEnd(28)} ${String(ms.length).padStart(6)}  p50 ${pct(ms, 50).toFixed(1)}` +
        `  p99 ${pct(ms, 99).toFixed(1)}  max ${ms.at(-1).toFixed(1)}`);
    }
    // the store's calls on every thread, from /metrics (a histogram since the start)
    const bucket = (le) => Number(metricsText.match(new RegExp(`confide_store_latency_seconds_bucket\\{le="${le}"\\} (\\d+)`))?.[1]);
    const calls = bucket('\\+Inf');
    console.log(`store calls since the start: ${calls}; over 20 ms: ${calls - bucket('0.02')}, ` +
      `over 100 ms: ${calls - bucket('0.1')}, over 500 ms: ${calls - bucket('0.5')}`);
    const rate = ops ? errors / ops : 0;
    console.log(`errors: ${errors} of ${ops} operations (${(rate * 100).toFixed(3)} %, at most ` +
      `${(MAX_ERROR_RATE * 100).toFixed(3)} % allowed)`);
    if (rate > MAX_ERROR_RATE || idleDropped > 0 || stillOpen < IDLE) exitCode = 1;
    closing = true;
    for (const ws of idle) ws.close();
    await sleep(500);
  } finally {
    const { code } = await server.stop();
    if (code !== 0) {
      console.error(`confide exited ${code}:\n${server.stderr.slice(-3000)}`);
      exitCode = 1;
    }
    const refused = server.stderr.match(/refused \d+ connection.*$/gm);
    if (refused) console.log(`confide said: ${refused.slice(0, 5).join('; ')}`);
    server.cleanup();
  }
  process.exit(exitCode);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

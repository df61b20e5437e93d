// The API benchmark's load (`make bench-api`, scripts/bench-api): against one confide on
// loopback, already started by the script, makes a practice through the API and then runs
// a closed loop of virtual users for a fixed time, each one operation after another:
//   - a dashboard load: the GETs web/js/dashboard.js makes when the page opens (me,
//     sessions, clients, groups, polls in parallel, then me/mfa and me/emergency-access),
//     each GET one operation, with the virtual user's own sign-in cookie;
//   - a client's join: /ws with confide.v1, hello and join with the personal link and the
//     meeting password, until `waiting` (or `admitted`): one operation. Then leave and
//     close, outside the timing.
// Joins are drawn so that they are BENCH_API_JOIN_SHARE of the operations.
//
//   node bench/api.mjs run URL SETUP_TOKEN LABEL OUT.json [CONFIDE_PID] [POSTMASTER_PID]
//   node bench/api.mjs report OUT.json SQLITE.json POSTGRESQL.json
//
// Settings from the environment: BENCH_API_SECONDS (20), BENCH_API_WARMUP (3),
// BENCH_API_VUS (32), BENCH_API_JOIN_SHARE (0.2), BENCH_API_CLIENTS (50),
// BENCH_API_PRACTITIONERS (2 therapists besides the administrator). All traffic goes to and
// from 127.0.0.1.
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';

import { jsonRequest } from '../tests/e2e/lib/load.mjs';

// the `ws` package the end-to-end tests install (scripts/bootstrap --test)
const WebSocket = createRequire(new URL('../tests/e2e/package.json', import.meta.url))('ws');

const env = (name, def) => Number(process.env[name] ?? def);
const SECONDS = env('BENCH_API_SECONDS', 20);
const WARMUP = env('BENCH_API_WARMUP', 3);
const VUS = env('BENCH_API_VUS', 32);
const JOIN_SHARE = env('BENCH_API_JOIN_SHARE', 0.2);
const CLIENTS = env('BENCH_API_CLIENTS', 50);
const PRACTITIONERS = env('BENCH_API_PRACTITIONERS', 2);
const OP_TIMEOUT_MS = 10000;
const PASSWORD = 'a long and quiet benchmark passphrase';

// the dashboard's first wave (in parallel), then its second (web/js/dashboard.js start())
const DASHBOARD = [['/api/v1/me', '/api/v1/sessions', '/api/v1/clients', '/api/v1/groups',
  '/api/v1/polls'], ['/api/v1/me/mfa', '/api/v1/me/emergency-access']];
const GETS_PER_LOAD = DASHBOARD.flat().length;
// a loop turn is a join with this probability, else a dashboard load of GETS_PER_LOAD
// operations: joins are JOIN_SHARE of the operations
const P_JOIN = JOIN_SHARE >= 1 ? 1
  : (JOIN_SHARE * GETS_PER_LOAD) / (1 - JOIN_SHARE + JOIN_SHARE * GETS_PER_LOAD);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${OP_TIMEOUT_MS} ms`)), OP_TIMEOUT_MS);
  })]).finally(() => clearTimeout(timer));
}

// ---- the run ----

async function run([url, setupToken, label, out, pidArg, postmasterArg]) {
  const { hostname: host, port } = new URL(url);
  // a browser's keep-alive pool per virtual user is about what this is; idle sockets go
  // before confide's keepalive_timeout (20 s) closes them under a request
  const agent = new http.Agent({ keepAlive: true, maxSockets: VUS * 5, timeout: 10000,
    scheduling: 'lifo', localAddress: '127.0.0.1' });

  const request = (method, path, { body, cookie } = {}) =>
    jsonRequest({ host, port, agent, method, path, body, headers: cookie ? { cookie } : {} });

  const call = async (method, path, body, cookie) => {
    const res = await request(method, path, { body, cookie });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res;
  };
  const cookieOf = (res) => res.headers['set-cookie'][0].split(';')[0];
  const signIn = async (email) =>
    cookieOf(await call('POST', '/api/v1/login', { email, password: PASSWORD }));

  // ---- the practice: an administrator, PRACTITIONERS therapists, CLIENTS clients spread
  // over all of them, a one-to-one session with the waiting room for each client ----
  const setupStart = performance.now();
  const adminCookie = cookieOf(await call('POST', '/api/v1/setup', { setup_token: setupToken,
    name: 'Dr Bench', email: 'bench@practice.example', password: PASSWORD }));
  const emails = ['bench@practice.example'];
  for (let t = 1; t <= PRACTITIONERS; t++) {
    const email = `therapist${t}@practice.example`;
    const made = (await call('POST', '/api/v1/users', { name: `Dr Therapist ${t}`, email,
      role: 'therapist' }, adminCookie)).json;
    await call('POST', '/api/v1/invitations/accept',
      { token: made.invitation.url.split('#')[1], password: PASSWORD });
    emails.push(email);
  }
  const practitionerCookies = [adminCookie];
  for (const email of emails.slice(1)) practitionerCookies.push(await signIn(email));
  const links = [];
  for (let n = 0; n < CLIENTS; n++) {
    const cookie = practitionerCookies[n % practitionerCookies.length];
    const client = (await call('POST', '/api/v1/clients', { name: `Bench client ${n + 1}`,
      email: `client${n + 1}@mail.example`, time_zone: 'UTC' }, cookie)).json.client;
    const s = (await call('POST', '/api/v1/sessions', { title: `Bench ${n + 1}`, time_zone: 'UTC',
      starts_at: new Date(Date.now() + 5 * 60000).toISOString(), duration_minutes: 240,
      client_id: client.id, allow_overlap: true }, cookie)).json.session;
    links.push({ token: s.invites[0].url.split('/j/')[1], password: s.occurrences[0].password });
  }
  // every virtual user is a browser of its own with its own sign-in
  const vuCookies = [];
  for (let v = 0; v < VUS; v++) vuCookies.push(await signIn(emails[v % emails.length]));
  const setupSeconds = (performance.now() - setupStart) / 1000;

  // ---- the operations ----
  const kinds = { dashboard: { ms: [], errors: 0 }, join: { ms: [], errors: 0 } };
  const perPath = new Map();
  const why = new Map();
  let measuring = false;
  let windowStart = 0;
  let windowEnd = 0;
  const ok = (kind, ms, path) => {
    if (!measuring) return;
    kinds[kind].ms.push(ms);
    if (path) {
      if (!perPath.has(path)) perPath.set(path, []);
      perPath.get(path).push(ms);
    }
  };
  const fail = (kind, err) => {
    if (!measuring) return;
    kinds[kind].errors++;
    const key = `${kind}: ${err.message.replace(/\d+/g, 'N').slice(0, 120)}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  };

  async function get(path, cookie) {
    const t = performance.now();
    try {
      const res = await withTimeout(request('GET', path, { cookie }), path);
      if (res.status !== 200) throw new Error(`GET ${path} ${res.status}`);
      ok('dashboard', performance.now() - t, path);
    } catch (err) {
      fail('dashboard', err);
    }
  }

  async function dashboard(cookie) {
    for (const wave of DASHBOARD) await Promise.all(wave.map((p) => get(p, cookie)));
  }

  // A socket with a queue of what came in; next(types) resolves with the next message of
  // one of those types and rejects on a refusal or an error.
  function openSocket() {
    const ws = new WebSocket(`ws://${host}:${port}/ws`, ['confide.v1'],
      { origin: url, localAddress: '127.0.0.1' });
    const waiters = [];
    const closed = new Promise((r) => ws.once('close', r));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      for (let i = 0; i < waiters.length; i++) {
        if (waiters[i].types.includes(msg.type)) {
          waiters.splice(i, 1)[0].resolve(msg);
          return;
        }
      }
      if (msg.type === 'join_refused' || msg.type === 'error') {
        for (const w of waiters.splice(0)) w.reject(new Error(`${msg.type} ${msg.code}`));
      }
    });
    ws.on('error', (err) => { for (const w of waiters.splice(0)) w.reject(err); });
    ws.once('close', () => { for (const w of waiters.splice(0)) w.reject(new Error('closed')); });
    ws.next = (types) => new Promise((resolve, reject) => waiters.push({ types, resolve, reject }));
    ws.opened = new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.closed = closed;
    return ws;
  }

  const free = [...links]; // a link is in one meeting at a time
  async function join() {
    const link = free.shift();
    if (!link) { fail('join', new Error('no free link')); return; }
    const t = performance.now();
    let ws;
    try {
      ws = openSocket();
      await withTimeout(ws.opened, 'ws open');
      const answer = ws.next(['waiting', 'admitted']);
      ws.send('{"type":"hello"}');
      ws.send(JSON.stringify({ type: 'join', token: link.token, password: link.password }));
      await withTimeout(answer, 'join');
      ok('join', performance.now() - t);
      ws.send('{"type":"leave"}');
    } catch (err) {
      fail('join', err);
    } finally {
      // the link goes back once confide has let the socket go
      if (ws) {
        ws.close();
        await Promise.race([ws.closed, sleep(5000)]);
        if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      }
      free.push(link);
    }
  }

  // a fixed seed: the same mix of operations every run
  let seed = 0x5eed;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };

  async function virtualUser(v, endAt) {
    while (performance.now() < endAt) {
      if (random() < P_JOIN) await join();
      else await dashboard(vuCookies[v]);
    }
  }

  const cpuOf = (pid) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in 1/100 s
    } catch { return 0; }
  };
  // PostgreSQL's CPU: the postmaster and its children (the backends confide holds open)
  const pgCpu = (postmaster) => {
    if (!postmaster) return 0;
    let sum = cpuOf(postmaster);
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
        if (f[1] === String(postmaster)) sum += (Number(f[11]) + Number(f[12])) / 100;
      } catch { /* gone */ }
    }
    return sum;
  };

  // the whole machine (/proc/stat, in 1/100 s): the others working on it show up here
  const machineCpu = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    return { busy: user + nice + system + irq + softirq, iowait, steal: steal ?? 0, idle };
  };

  const loopStart = performance.now();
  const endAt = loopStart + (WARMUP + SECONDS) * 1000;
  const warm = setTimeout(() => {
    measuring = true;
    windowStart = performance.now();
    cpu0 = { confide: cpuOf(pidArg), postgres: pgCpu(postmasterArg), gen: process.cpuUsage(),
      machine: machineCpu() };
  }, WARMUP * 1000);
  let cpu0 = null;
  let cpu1 = null;
  const stop = setTimeout(() => {
    measuring = false;
    windowEnd = performance.now();
    cpu1 = { confide: cpuOf(pidArg), postgres: pgCpu(postmasterArg), gen: process.cpuUsage(cpu0.gen),
      machine: machineCpu() };
  }, (WARMUP + SECONDS) * 1000);
  await Promise.all(Array.from({ length: VUS }, (_, v) => virtualUser(v, endAt)));
  clearTimeout(warm);
  clearTimeout(stop);
  agent.destroy();

  const window = (windowEnd - windowStart) / 1000;
  const summary = (ms, errors) => {
    const sorted = [...ms].sort((a, b) => a - b);
    const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);
    return { ops: sorted.length, errors, ops_per_s: sorted.length / window, p50_ms: pct(50),
      p99_ms: pct(99), max_ms: sorted.at(-1) ?? null };
  };
  const result = {
    label,
    at: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Linux ${os.release()}, node ${process.version}`,
    settings: { seconds: SECONDS, warmup: WARMUP, vus: VUS, join_share: JOIN_SHARE, clients: CLIENTS,
      practitioners: PRACTITIONERS + 1, gets_per_dashboard: GETS_PER_LOAD },
    setup_seconds: setupSeconds,
    window_seconds: window,
    kinds: {
      dashboard: summary(kinds.dashboard.ms, kinds.dashboard.errors),
      join: summary(kinds.join.ms, kinds.join.errors),
      all: summary([...kinds.dashboard.ms, ...kinds.join.ms], kinds.dashboard.errors + kinds.join.errors),
    },
    paths: Object.fromEntries([...perPath].map(([p, ms]) => [p, summary(ms, 0)])),
    cpu_seconds: {
      confide: pidArg ? cpu1.confide - cpu0.confide : null,
      postgres: postmasterArg ? cpu1.postgres - cpu0.postgres : null,
      loadgen: (cpu1.gen.user + cpu1.gen.system) / 1e6,
      // every CPU of the machine, busy, waiting on the disk and taken by the hypervisor
      machine_busy: (cpu1.machine.busy - cpu0.machine.busy) / 100,
      machine_iowait: (cpu1.machine.iowait - cpu0.machine.iowait) / 100,
      machine_steal: (cpu1.machine.steal - cpu0.machine.steal) / 100,
    },
    errors: Object.fromEntries(why),
  };
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  const k = result.kinds.all;
  console.log(`# ${label}: setup ${setupSeconds.toFixed(1)} s; ${k.ops} operations in ${window.toFixed(1)} s, ` +
    `${k.errors} errors`);
}

// ---- the report: both runs side by side ----

function report([out, sqlitePath, pgPath]) {
  const a = JSON.parse(readFileSync(sqlitePath, 'utf8'));
  const b = JSON.parse(readFileSync(pgPath, 'utf8'));
  const f1 = (v) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(1));
  const f2 = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(2));
  const ratio = (x, y) => (x && y ? x / y : null);
  const rows = [['kind', 'SQLite ops/s', 'p50 ms', 'p99 ms', 'errors',
    'PG ops/s', 'p50 ms', 'p99 ms', 'errors', 'PG/SQLite ops/s', 'p50', 'p99']];
  for (const kind of ['dashboard', 'join', 'all']) {
    const x = a.kinds[kind];
    const y = b.kinds[kind];
    rows.push([kind === 'dashboard' ? 'dashboard GET' : kind, f1(x.ops_per_s), f1(x.p50_ms), f1(x.p99_ms),
      String(x.errors), f1(y.ops_per_s), f1(y.p50_ms), f1(y.p99_ms), String(y.errors),
      f2(ratio(y.ops_per_s, x.ops_per_s)), f2(ratio(y.p50_ms, x.p50_ms)), f2(ratio(y.p99_ms, x.p99_ms))]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  console.log(line(rows[0]));
  for (const r of rows.slice(1)) console.log(line(r));
  const cpu = (r) => {
    const c = r.cpu_seconds;
    const w = r.window_seconds;
    const pc = (s) => (s === null ? '-' : `${((s / w) * 100).toFixed(0)} %`);
    const others = c.machine_busy - c.confide - (c.postgres ?? 0) - c.loadgen;
    return `confide ${pc(c.confide)}, postgres ${pc(c.postgres)}, load generator ${pc(c.loadgen)}, ` +
      `other processes ${pc(Math.max(0, others))}, iowait ${pc(c.machine_iowait)}, steal ${pc(c.machine_steal)}`;
  };
  console.log(`# CPU over the window (100 % = one core, ${os.cpus().length} cores):`);
  console.log(`#   SQLite run: ${cpu(a)}`);
  console.log(`#   PG run:     ${cpu(b)}`);
  for (const [r, name] of [[a, 'SQLite'], [b, 'PG']]) {
    const c = r.cpu_seconds;
    const others = (c.machine_busy - c.confide - (c.postgres ?? 0) - c.loadgen) / r.window_seconds;
    if (others > 0.2) {
      console.log(`# warning: other processes took ${(others * 100).toFixed(0)} % of a core during the ${name} run: ` +
        'its numbers are those of a shared machine');
    }
  }
  console.log('# per GET, p50/p99 ms (SQLite | PG):');
  for (const p of DASHBOARD.flat()) {
    if (!a.paths[p]) continue;
    const x = a.paths[p];
    const y = b.paths[p] ?? {};
    console.log(`#   ${p.padEnd(28)} ${f1(x.p50_ms)}/${f1(x.p99_ms)} | ${f1(y.p50_ms)}/${f1(y.p99_ms)}`);
  }
  for (const [r, name] of [[a, 'SQLite'], [b, 'PG']]) {
    for (const [w, n] of Object.entries(r.errors)) console.log(`# error (${name}): ${w} ×${n}`);
  }
  const all = ratio(b.kinds.all.ops_per_s, a.kinds.all.ops_per_s);
  console.log(`ratio ops_per_s postgresql/sqlite = ${f2(all)}`);
  writeFileSync(out, JSON.stringify({ sqlite: a, postgresql: b,
    ratio_pg_sqlite: Object.fromEntries(['dashboard', 'join', 'all'].map((k) => [k, {
      ops_per_s: ratio(b.kinds[k].ops_per_s, a.kinds[k].ops_per_s),
      p50_ms: ratio(b.kinds[k].p50_ms, a.kinds[k].p50_ms),
      p99_ms: ratio(b.kinds[k].p99_ms, a.kinds[k].p99_ms) }])) }, null, 2) + '\n');
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'run') {
  await run(rest);
  process.exit(0); // keep-alive sockets and timers must not hold the process
} else if (mode === 'report') {
  report(rest);
} else {
  console.error('usage: node bench/api.mjs run URL SETUP_TOKEN LABEL OUT.json [PID] [POSTMASTER_PID] | report OUT.json SQLITE.json PG.json');
  process.exit(2);
}

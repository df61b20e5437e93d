// Reads OUT_DIR/{confide,janus}.jsonl, kernel.json (from bench/loadgen) and
// confide-metrics.txt (confide's /metrics after its run), prints the side-by-side table, the
// kernel's floors, the ratio line and the knee line, writes results.json and
// cpu_per_packet.svg. With --simulcast: OUT_DIR/confide.jsonl and subscribers.jsonl, what
// each subscriber got against its simulated downlink, by layer; results.json.
// With --summary N: OUT_DIR/results.json and OUT_DIR/run-2 … run-N/results.json (BENCH_RUNS),
// every ratio and their median; OUT_DIR/results.json then holds every run.
// The machine (CPU model, nproc, kernel) comes from $BENCH_MACHINE (scripts/bench writes it).
// usage: node bench/report.mjs OUT_DIR PARTICIPANTS_PER_ROOM [--simulcast | --summary N]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [out, partsArg, mode, modeArg] = process.argv.slice(2);
const P = Number(partsArg ?? 4);
const read = (name, dir = out) => {
  const f = path.join(dir, name);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
};
const machine = {
  cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release(),
  ...(process.env.BENCH_MACHINE && existsSync(process.env.BENCH_MACHINE)
    ? JSON.parse(readFileSync(process.env.BENCH_MACHINE, 'utf8')) : {}),
};

if (mode === '--simulcast') {
  simulcastReport();
  process.exit(0);
}
if (mode === '--summary') {
  summaryReport(Number(modeArg));
  process.exit(0);
}

// BENCH_RUNS=N: every run's ratio and their median; OUT_DIR/results.json keeps them all.
function summaryReport(n) {
  const dirs = Array.from({ length: n }, (_, i) => (i === 0 ? out : path.join(out, `run-${i + 1}`)));
  const all = dirs.map((d) => {
    const f = path.join(d, 'results.json');
    if (!existsSync(f)) return null;
    const r = JSON.parse(readFileSync(f, 'utf8'));
    delete r.all_runs; // the summary written before, if any
    return r;
  });
  const ratios = all.map((r) => r?.comparison?.ratio_fwd_pkts_per_cpu_s ?? null);
  const got = ratios.filter((x) => x !== null).sort((a, b) => a - b);
  const median = got.length ? (got.length % 2 ? got[(got.length - 1) / 2]
    : (got[got.length / 2 - 1] + got[got.length / 2]) / 2) : null;
  console.log('');
  ratios.forEach((x, i) => console.log(`run ${i + 1}: ratio forwarded_pkts_per_cpu_s confide/janus = ` +
    `${x === null ? 'n/a' : x.toFixed(2)} (rooms of ${P}` +
    (all[i]?.comparison ? `, at step ${all[i].comparison.step}` : '') + ')'));
  const skipped = n - got.length;
  if (median !== null)
    console.log(`median ratio forwarded_pkts_per_cpu_s confide/janus = ${median.toFixed(2)} (rooms of ${P}, ` +
      `${got.length} runs${skipped ? `; ${skipped} without a ratio left out` : ''})`);
  else
    console.log(`median ratio forwarded_pkts_per_cpu_s confide/janus = n/a (rooms of ${P}, no run with a ratio)`);
  const first = all[0] ?? { machine, participants_per_room: P };
  writeFileSync(path.join(out, 'results.json'), JSON.stringify({
    ...first, ratios, median_ratio: median, runs_count: n, all_runs: all,
  }, null, 2) + '\n');
}

// Spearman's rank correlation of two equally long lists (ties get their mean rank).
function spearman(a, b) {
  const rank = (v) => {
    const idx = v.map((x, i) => [x, i]).sort((p, q) => p[0] - q[0]);
    const r = new Array(v.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a), rb = rank(b), n = a.length;
  const mean = (n - 1) / 2;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return da && db ? num / Math.sqrt(da * db) : null;
}

// One server's simulcast run: its last step and what each subscriber got.
function simulcastServer(name) {
  const steps = read(`${name}.jsonl`);
  const subs = read(`subscribers-${name}.jsonl`).sort((a, b) => a.capacity_kbps - b.capacity_kbps);
  const step = steps[steps.length - 1];
  if (!step || !subs.length) return null;
  const f = (x, d = 0) => (x === undefined || x === null ? '-' : Number(x).toFixed(d));
  const pad = (v, n) => String(v).padStart(n);
  const layers = ['q', 'h', 'f', 'none'];
  console.log('');
  console.log(`${name}: ${f(step.forwarded_pps)} forwarded pkt/s, ${f(step.cpu_us_per_pkt, 2)} CPU us/pkt, ` +
    `${f(step.fwd_pkts_per_cpu_s)} fwd pkt per CPU-s, core ${f(100 * step.cpu_fraction, 1)} %, audio loss ${f(step.loss_pct, 3)} %, ` +
    `p99 ${f(step.latency_p99_ms, 2)} ms; video streams a publisher sends: ${step.video_streams_per_publisher}`);
  if (step.video_streams_per_publisher < 2)
    console.log(`# ${name} did not take simulcast (no a=simulcast:recv in its answer): one stream each`);
  console.log(['part', 'capacity', 'estimate', 'sent', 'received', 'sent/cap', 'drop%', 'probes',
    ...layers.map((l) => `v_${l}`)].map((h) => pad(h, 10)).join(''));
  for (const s of subs) {
    console.log([pad(s.participant, 10), pad(s.capacity_kbps, 10), pad(s.estimate_kbps || '-', 10),
      pad(f(s.wire_kbps), 10), pad(f(s.received_kbps), 10), pad(f(s.wire_kbps / s.capacity_kbps, 2), 10),
      pad(f(s.downlink_drop_pct, 1), 10), pad(f(s.probe_kbps), 10),
      ...layers.map((l) => pad(f(s.video_kbps_by_layer[l]), 10))].join(''));
  }
  const ratios = subs.map((s) => s.wire_kbps / s.capacity_kbps).sort((a, b) => a - b);
  const q = (p) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))];
  const over = subs.filter((s) => s.wire_kbps > 1.05 * s.capacity_kbps).length;
  const videoTotal = (s) => layers.reduce((a, l) => a + (s.video_kbps_by_layer[l] || 0), 0);
  const byTop = { q: 0, h: 0, f: 0, none: 0, paused: 0 };
  for (const s of subs) {
    const v = s.video_kbps_by_layer;
    const top = videoTotal(s) < 1 ? 'paused' : layers.reduce((a, l) => ((v[l] || 0) > (v[a] || 0) ? l : a), 'q');
    byTop[top]++;
  }
  const rho = spearman(subs.map((s) => s.capacity_kbps), subs.map(videoTotal));
  const summary = {
    subscribers: subs.length,
    sent_over_capacity: { p10: q(0.1), median: q(0.5), p90: q(0.9) },
    subscribers_sent_over_105pct_of_capacity: over,
    subscribers_by_most_received_layer: byTop,
    spearman_capacity_vs_video_received: rho,
  };
  console.log(`${name}: sent/capacity p10 ${f(summary.sent_over_capacity.p10, 2)}, median ${f(summary.sent_over_capacity.median, 2)}, ` +
    `p90 ${f(summary.sent_over_capacity.p90, 2)}; ${over} of ${subs.length} subscribers sent over 105 % of their downlink`);
  console.log(`${name}: subscribers by the layer they received most: q ${byTop.q}, h ${byTop.h}, f ${byTop.f}` +
    (byTop.none ? `, one stream (no RID) ${byTop.none}` : '') + (byTop.paused ? `, no video ${byTop.paused}` : ''));
  console.log(`${name}: rank correlation downlink capacity ~ video received (Spearman) = ${f(rho, 2)}`);
  return { step, subscribers: subs, summary };
}

function simulcastReport() {
  const res = { confide: simulcastServer('confide'), janus: simulcastServer('janus') };
  if (!res.confide && !res.janus) {
    console.log('simulcast: no result (see the load generator\'s messages above)');
    return;
  }
  console.log('(kbit/s over the window; estimate: the server\'s for that subscriber, when it tells one; sent: what ' +
    'reached the subscriber\'s socket; received: what came through its simulated downlink; probes: padding ' +
    'without media; v_*: video received, by layer)');
  let ratio = null;
  const c = res.confide?.step, j = res.janus?.step;
  if (c && j && c.loss_pct <= 1 && j.loss_pct <= 1 && c.fwd_pkts_per_cpu_s > 0 && j.fwd_pkts_per_cpu_s > 0)
    ratio = c.fwd_pkts_per_cpu_s / j.fwd_pkts_per_cpu_s;
  writeFileSync(path.join(out, 'results.json'), JSON.stringify({
    machine, participants_per_room: P, ...res, ratio_fwd_pkts_per_cpu_s: ratio,
  }, null, 2) + '\n');
  if (ratio !== null)
    console.log(`ratio forwarded_pkts_per_cpu_s confide/janus = ${ratio.toFixed(2)} (simulcast, rooms of ${P})`);
  else if (c && j)
    console.log(`ratio forwarded_pkts_per_cpu_s confide/janus = n/a (simulcast, rooms of ${P}: audio loss over 1 %)`);
}

// (a retried step: its last measurement; rows without a step are the loadgen's notes)
const lastPerStep = (rows) => [...new Map(rows.filter((r) => r.step !== undefined).map((r) => [r.step, r])).values()];
// Across a link (scripts/bench --link) a server's receive path runs in softirqs on its core,
// partly while no process is there: its CPU is the core's worked time (busy, less steal),
// which every column below then uses; the process's own time is kept as process_*.
const method = machine.method ?? 'lo';
const byCore = (s) => {
  if (method !== 'link' || !(s.server_core_busy >= 0) || !(s.forwarded_pps > 0)) return s;
  const worked = Math.max(0, s.server_core_busy - s.server_core_steal);
  return { ...s, process_cpu_us_per_pkt: s.cpu_us_per_pkt, process_cpu_fraction: s.cpu_fraction,
    process_fwd_pkts_per_cpu_s: s.fwd_pkts_per_cpu_s, cpu_fraction: worked,
    cpu_us_per_pkt: (worked * 1e6) / s.forwarded_pps, fwd_pkts_per_cpu_s: worked > 0 ? s.forwarded_pps / worked : 0 };
};
const runs = { confide: lastPerStep(read('confide.jsonl')).map(byCore),
  janus: lastPerStep(read('janus.jsonl')).map(byCore) };
if (method === 'link') {
  console.log('# across a link: CPU is each server\'s core worked time (busy less steal; process time as process_* ' +
    'in results.json); other processes on that core count too, so run it on a quiet machine');
}
const kneeEnd = read('confide.jsonl').find((r) => r.knee_end) ?? null;
// The kernel's floors (loadgen --kernel-floor, after confide's run): sendmmsg, and GSO sends
// of k; for one forwarded packet, one send and 1/(P-1) of a receive.
const floors = read('kernel.json');
const onPath = (name) => floors.filter((k) => (k.path ?? 'lo') === name);
const sendmmsgOf = (rows) => rows.find((k) => !k.mode || k.mode === 'sendmmsg') ?? null;
const gsoOf = (rows) => rows.find((k) => k.mode === 'gso' && !k.receiver_gro && !k.gso_refused) ?? null;
const kernel = sendmmsgOf(onPath('lo'));
const kernelGso = gsoOf(onPath('lo'));
const perFwd = (k) => (k ? k.send_us_per_pkt + k.recv_us_per_pkt / (P - 1) : null);
const floorUs = perFwd(kernel), floorGsoUs = perFwd(kernelGso);
// confide's own GSO sends over its run, from /metrics
function confideGso() {
  const f = path.join(out, 'confide-metrics.txt');
  if (!existsSync(f)) return null;
  const m = {};
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const x = line.match(/^confide_media_(tx_datagrams|tx_gso_datagrams|tx_gso_sends|tx_gso_fallbacks)_total (\d+)/);
    if (x) m[x[1]] = Number(x[2]);
  }
  if (m.tx_datagrams === undefined) return null;
  return { ...m, mean_segments_per_gso_send: m.tx_gso_sends ? m.tx_gso_datagrams / m.tx_gso_sends : null,
    gso_share_of_datagrams: m.tx_datagrams ? m.tx_gso_datagrams / m.tx_datagrams : null };
}
const gso = confideGso();
// the floor for confide's mix: its GSO share at the GSO floor, the rest at sendmmsg's
const mixOf = (one, gsoUs) => (gso && one !== null && gsoUs !== null && gso.gso_share_of_datagrams !== null
  ? gso.gso_share_of_datagrams * gsoUs + (1 - gso.gso_share_of_datagrams) * one : null);
const floorMixUs = mixOf(floorUs, floorGsoUs);
// The same floors across a link (scripts/bench: the receiver in a namespace of its own, its
// receive work on its own core), for a card without UDP segmentation offload ('card': the
// sender cuts GSO sends itself) and with it ('card_uso'). From the threads' time, as above;
// the cores' worked time is printed beside it, since part of a receive can run while no
// thread is on the core (it counts only on a quiet machine: other processes count there).
const linkFloors = Object.fromEntries(['card', 'card_uso'].map((name) => {
  const one = sendmmsgOf(onPath(name)), many = gsoOf(onPath(name));
  if (!one) return [name, null];
  const sendmmsgUs = perFwd(one), gsoUs = perFwd(many);
  return [name, { sendmmsg: one, gso: many, floor_us_per_forwarded_pkt: sendmmsgUs,
    floor_gso_us_per_forwarded_pkt: gsoUs, floor_confide_mix_us_per_forwarded_pkt: mixOf(sendmmsgUs, gsoUs) }];
}));

const f = (x, d = 2) => (x === undefined || x === null ? '-' : Number(x).toFixed(d));
const pad = (s, n) => String(s).padStart(n);
console.log('');
console.log(['server', 'step', 'parts', 'fwd_pps', 'us/pkt', 'fwd/cpu_s', 'cpu%', 'loss%', 'p50_ms',
  'p99_ms', 'rss_MB', 'rss/part_kB', 'ctxsw/s', 'core_busy%'].map((h, i) => pad(h, i === 0 ? 8 : 11)).join(''));
// core_busy%: the server's whole core (it, other processes, the hypervisor's steal)
const busy = (s) => (s.server_core_busy >= 0 ? f(100 * s.server_core_busy, 1) : '-');
// what else ran on the server's core: everything busy but the server, steal and ksoftirqd
// (which, when softirq work piles up, delivers packets the server sent: its work, not charged
// to it)
const ksoft = (s) => (s.server_core_ksoftirqd >= 0 ? s.server_core_ksoftirqd : 0);
const others = (s) => Math.max(0, s.server_core_busy - s.cpu_fraction - s.server_core_steal - ksoft(s));
const coreNote = (s) => (s.server_core_busy >= 0
  ? `its core ${f(100 * s.server_core_busy, 1)} % busy: ` +
    (s.server_core_ksoftirqd >= 0 ? `ksoftirqd ${f(100 * s.server_core_ksoftirqd, 1)} %, ` : '') +
    `other processes ${f(100 * others(s), 1)} %, steal ${f(100 * s.server_core_steal, 1)} %` +
    (s.udp_rcvbuf_errors >= 0 ? `; UDP receive-buffer drops ${s.udp_rcvbuf_errors}` : '') : '');
// over a fifth of the core to others: the machine stopped it, not the server's own limit
const busyWarning = (s) => (s.server_core_busy >= 0 && others(s) + s.server_core_steal > 0.2
  ? '\n# (the machine was busy: other processes and steal took ' +
    `${f(100 * (others(s) + s.server_core_steal), 0)} % of the server's core at the last step; ` +
    'the limit may be theirs, not confide\'s)' : '');
for (const [name, steps] of Object.entries(runs)) {
  for (const s of steps) {
    console.log([pad(name, 8), pad(s.step, 11), pad(s.participants, 11), pad(f(s.forwarded_pps, 0), 11),
      pad(f(s.cpu_us_per_pkt), 11), pad(f(s.fwd_pkts_per_cpu_s, 0), 11), pad(f(100 * s.cpu_fraction, 1), 11),
      pad(f(s.loss_pct, 3), 11), pad(f(s.latency_p50_ms), 11), pad(f(s.latency_p99_ms), 11),
      pad(f(s.rss_kb / 1024, 1), 11), pad(f(s.rss_kb_per_participant, 0), 11),
      pad(f(s.ctx_switches_per_s, 0), 11), pad(busy(s), 11)].join('') +
      (s.phase === 'knee' ? `  knee (generator ${f(100 * s.generator_cpu_fraction, 1)} %` +
        (s.light_receive ? ', light receive' : '') + ')' : ''));
  }
}
if (kernel) {
  console.log(`kernel: sendmmsg ${f(kernel.send_us_per_pkt)} us + recvmmsg ${f(kernel.recv_us_per_pkt)} us ` +
    `a datagram; floor for one forwarded packet with ${P - 1} subscribers a publisher: ${f(floorUs)} us`);
}
if (kernelGso) {
  const why = gso?.mean_segments_per_gso_send
    ? `confide's GSO sends averaged ${f(gso.mean_segments_per_gso_send)} datagrams this run, ` +
      `${f(100 * gso.gso_share_of_datagrams, 0)} % of its datagrams went in them: ${f(floorMixUs)} us for that mix`
    : 'fixed: a video frame\'s packets; confide\'s GSO sends were not read this run';
  console.log(`kernel: GSO sends of ${kernelGso.segments} ${f(kernelGso.send_us_per_pkt)} us + recvmmsg ` +
    `${f(kernelGso.recv_us_per_pkt)} us a datagram; floor for one forwarded packet: ${f(floorGsoUs)} us ` +
    `(k = ${kernelGso.segments}: ${why})`);
} else if (floors.some((k) => k.gso_refused)) {
  console.log('kernel: GSO sends refused by this kernel (UDP_SEGMENT): no GSO floor');
}
for (const [name, l] of Object.entries(linkFloors)) {
  if (!l) continue;
  const what = name === 'card' ? 'a card without UDP segmentation offload' : 'a card with it';
  const two = (k, core) => (core ? `${f(k.send_core_us_per_pkt)} + ${f(k.recv_core_us_per_pkt)}`
    : `${f(k.send_us_per_pkt)} + ${f(k.recv_us_per_pkt)}`);
  console.log(`kernel across a link (${what}): sendmmsg ${two(l.sendmmsg)} us` +
    (l.gso ? `, GSO of ${l.gso.segments} ${two(l.gso)} us` : '') + ' a datagram (cores\' worked time: ' +
    two(l.sendmmsg, true) + (l.gso ? `, ${two(l.gso, true)}` : '') + `); floor for one forwarded packet: ` +
    `${f(l.floor_us_per_forwarded_pkt)} us (sendmmsg), ${f(l.floor_gso_us_per_forwarded_pkt)} us (GSO), ` +
    `${f(l.floor_confide_mix_us_per_forwarded_pkt)} us (confide's mix)`);
}

// Equal loss: the steps where both servers kept loss at or under 1 %; the comparison is at
// the highest load both carried (the same step means the same offered load). confide's knee
// steps, which Janus never ran, are not compared.
const ok = (s) => s.loss_pct <= 1.0 && s.forwarded_pps > 0;
const good = { confide: runs.confide.filter((s) => ok(s) && s.phase !== 'knee'), janus: runs.janus.filter(ok) };
let ratio = null, at = null;
const common = good.confide.filter((c) => good.janus.some((j) => j.step === c.step));
if (common.length) {
  const c = common[common.length - 1];
  const j = good.janus.find((x) => x.step === c.step);
  ratio = c.fwd_pkts_per_cpu_s / j.fwd_pkts_per_cpu_s;
  at = { step: c.step, participants: c.participants, confide: c, janus: j };
}

// SVG: CPU µs per forwarded packet against forwarded packets a second, both servers, and the
// kernel's floor as a dashed line.
function svg() {
  const W = 720, H = 420, L = 70, R = 20, T = 40, B = 60;
  const all = [...runs.confide, ...runs.janus].filter((s) => s.forwarded_pps > 0);
  if (!all.length) return null;
  const xmax = Math.max(...all.map((s) => s.forwarded_pps)) * 1.05;
  const ymax = Math.max(...all.map((s) => s.cpu_us_per_pkt), floorUs ?? 0) * 1.15;
  const x = (v) => L + (v / xmax) * (W - L - R);
  const y = (v) => H - B - (v / ymax) * (H - T - B);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">CPU time per forwarded packet (one core, ${P} participants a room)</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">forwarded packets per second</text>`,
    `<text x="18" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">CPU µs per forwarded packet</text>`];
  for (let i = 0; i <= 5; i++) {
    const xv = (xmax / 5) * i, yv = (ymax / 5) * i;
    parts.push(`<line x1="${x(xv)}" y1="${H - B}" x2="${x(xv)}" y2="${H - B + 5}" stroke="black"/>`,
      `<text x="${x(xv)}" y="${H - B + 18}" text-anchor="middle">${Math.round(xv).toLocaleString('en')}</text>`,
      `<line x1="${L - 5}" y1="${y(yv)}" x2="${W - R}" y2="${y(yv)}" stroke="#ddd"/>`,
      `<text x="${L - 8}" y="${y(yv) + 4}" text-anchor="end">${yv.toFixed(1)}</text>`);
  }
  const colors = { confide: '#1b7f3b', janus: '#c0392b' };
  let ly = T + 10;
  for (const [name, steps] of Object.entries(runs)) {
    const pts = steps.filter((s) => s.forwarded_pps > 0);
    if (!pts.length) continue;
    parts.push(`<polyline fill="none" stroke="${colors[name]}" stroke-width="2" points="${pts.map((s) => `${x(s.forwarded_pps).toFixed(1)},${y(s.cpu_us_per_pkt).toFixed(1)}`).join(' ')}"/>`);
    for (const s of pts) parts.push(`<circle cx="${x(s.forwarded_pps).toFixed(1)}" cy="${y(s.cpu_us_per_pkt).toFixed(1)}" r="3.5" fill="${colors[name]}"/>`);
    parts.push(`<rect x="${W - R - 150}" y="${ly - 9}" width="12" height="12" fill="${colors[name]}"/>`,
      `<text x="${W - R - 132}" y="${ly + 1}">${name}</text>`);
    ly += 18;
  }
  if (floorUs) {
    parts.push(`<line x1="${L}" y1="${y(floorUs)}" x2="${W - R}" y2="${y(floorUs)}" stroke="#555" stroke-dasharray="6 4"/>`,
      `<text x="${W - R - 4}" y="${y(floorUs) - 5}" text-anchor="end" fill="#555">kernel UDP floor, sendmmsg ${floorUs.toFixed(2)} µs</text>`);
  }
  if (floorGsoUs) {
    parts.push(`<line x1="${L}" y1="${y(floorGsoUs)}" x2="${W - R}" y2="${y(floorGsoUs)}" stroke="#999" stroke-dasharray="2 4"/>`,
      `<text x="${W - R - 4}" y="${y(floorGsoUs) + 14}" text-anchor="end" fill="#777">GSO sends of ${kernelGso.segments} ${floorGsoUs.toFixed(2)} µs</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

// The knee: how far confide alone got on its one core. Its last step says why it stopped;
// the knee is the highest step it carried at <= 1 % loss.
function kneeOf() {
  const steps = runs.confide;
  const last = steps[steps.length - 1];
  const within = last && (last.stopped_by === 'loss' || last.stopped_by === 'server core saturated');
  if (!last || (!within && !steps.some((s) => s.phase === 'knee'))) return null;
  const carried = steps.filter((s) => s.loss_pct <= 1.0 && s.forwarded_pps > 0);
  const best = carried[carried.length - 1] ?? null;
  const stoppedBy = last.stopped_by ?? kneeEnd?.knee_end ?? 'the load generator\'s time limit';
  const light = steps.some((s) => s.phase === 'knee' && s.light_receive);
  const k = { stopped_by: stoppedBy, at: best, last, light_receive: light, reached: false };
  if (best && (stoppedBy === 'loss' || stoppedBy === 'server core saturated')) {
    k.reached = true;
    k.line = `knee: confide ${best.participants} participants, ${f(best.forwarded_pps, 0)} forwarded pkt/s ` +
      `on one core (stopped by ${stoppedBy} at step ${last.step}: loss ${f(last.loss_pct, 3)} %, ` +
      `core ${f(100 * last.cpu_fraction, 1)} %${coreNote(last) && ` (${coreNote(last)})`}; ` +
      `generator ${f(100 * last.generator_cpu_fraction, 1)} %` +
      (last.phase === 'knee' ? ')' : '; within the side-by-side steps)');
  } else if (stoppedBy === 'load generator core saturated') {
    k.line = `knee: not reached: the generator saturated at ${f(last.forwarded_pps, 0)} forwarded pkt/s ` +
      `(its core ${f(100 * last.generator_cpu_fraction, 1)} %), confide at ${f(100 * last.cpu_fraction, 1)} % of its core` +
      (coreNote(last) && ` (${coreNote(last)})`);
  } else {
    k.line = `knee: not reached within the bound (${stoppedBy}): confide carried ${f(last.forwarded_pps, 0)} ` +
      `forwarded pkt/s (${last.participants} participants) at ${f(100 * last.cpu_fraction, 1)} % of its core` +
      (coreNote(last) && ` (${coreNote(last)})`) + ', ' +
      `loss ${f(last.loss_pct, 3)} %; generator ${f(100 * last.generator_cpu_fraction, 1)} %`;
  }
  if (k.reached || stoppedBy === 'load generator core saturated') k.line += busyWarning(last);
  else if (last.server_core_busy >= 0 && others(last) + last.server_core_steal > 0.2)
    k.line += `\n# (other processes and steal took ${f(100 * (others(last) + last.server_core_steal), 0)} % ` +
      'of the server\'s core at the last step)';
  if (light) {
    const share = steps.filter((s) => s.light_receive).map((s) => s.light_receive_share).pop();
    k.line += `\n# (knee steps: the subscribers read only the trailer of ${f(100 * share, 0)} % of packets, ` +
      'SRTP tags not verified; confide\'s side is unchanged)';
  }
  return k;
}
const knee = kneeOf();

const plot = svg();
if (plot) writeFileSync(path.join(out, 'cpu_per_packet.svg'), plot);
writeFileSync(path.join(out, 'results.json'), JSON.stringify({
  machine,
  participants_per_room: P, runs, kernel, kernel_floor_us_per_forwarded_pkt: floorUs,
  kernel_gso: kernelGso, kernel_floor_gso_us_per_forwarded_pkt: floorGsoUs,
  kernel_floor_confide_mix_us_per_forwarded_pkt: floorMixUs, kernel_across_link: linkFloors, confide_gso: gso,
  knee: knee && { ...knee, line: undefined },
  comparison: at && { ...at, ratio_fwd_pkts_per_cpu_s: ratio },
}, null, 2) + '\n');
if (ratio !== null) {
  console.log(`compared at step ${at.step} (${at.participants} participants): confide ${f(at.confide.cpu_us_per_pkt)} us/pkt, ` +
    `janus ${f(at.janus.cpu_us_per_pkt)} us/pkt; loss ${f(at.confide.loss_pct, 3)} % / ${f(at.janus.loss_pct, 3)} %`);
  if (floorUs) {
    const x = (us, fl) => `${f(us / fl)}x`;
    console.log(`confide is ${x(at.confide.cpu_us_per_pkt, floorUs)} the kernel's floor` +
      (floorGsoUs ? ` (${x(at.confide.cpu_us_per_pkt, floorGsoUs)} the GSO floor` +
        (floorMixUs ? `, ${x(at.confide.cpu_us_per_pkt, floorMixUs)} its mix's` : '') + ')' : '') +
      `, janus ${x(at.janus.cpu_us_per_pkt, floorUs)}`);
  }
  console.log(`ratio forwarded_pkts_per_cpu_s confide/janus = ${ratio.toFixed(2)} (rooms of ${P})`);
} else if (runs.janus.length || !runs.confide.length) {
  console.log(`ratio forwarded_pkts_per_cpu_s confide/janus = n/a (rooms of ${P}: no step both servers carried at <= 1 % loss)`);
} else {
  console.log(`ratio forwarded_pkts_per_cpu_s confide/janus = n/a (rooms of ${P}: janus did not run)`);
}
if (knee) console.log(knee.line);

// Reads OUT_DIR/{confide,janus}.jsonl and kernel.json (from bench/loadgen), prints the
// side-by-side table, writes results.json and cpu_per_packet.svg, and the ratio line.
// With --simulcast: OUT_DIR/confide.jsonl and subscribers.jsonl, what each subscriber got
// against its simulated downlink, by layer; results.json.
// usage: node bench/report.mjs OUT_DIR PARTICIPANTS_PER_ROOM [--simulcast]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [out, partsArg, mode] = process.argv.slice(2);
const P = Number(partsArg ?? 4);
const read = (name) => {
  const f = path.join(out, name);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
};
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release() };

if (mode === '--simulcast') {
  simulcastReport();
  process.exit(0);
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

const lastPerStep = (rows) => [...new Map(rows.map((r) => [r.step, r])).values()];
const runs = { confide: lastPerStep(read('confide.jsonl')), janus: lastPerStep(read('janus.jsonl')) };
const kernel = read('kernel.json')[0] ?? null; // scripts/bench copies it into each run's directory
const floorUs = kernel ? kernel.send_us_per_pkt + kernel.recv_us_per_pkt / (P - 1) : null;

const f = (x, d = 2) => (x === undefined || x === null ? '-' : Number(x).toFixed(d));
const pad = (s, n) => String(s).padStart(n);
console.log('');
console.log(['server', 'step', 'parts', 'fwd_pps', 'us/pkt', 'fwd/cpu_s', 'cpu%', 'loss%', 'p50_ms',
  'p99_ms', 'rss_MB', 'rss/part_kB', 'ctxsw/s'].map((h, i) => pad(h, i === 0 ? 8 : 11)).join(''));
for (const [name, steps] of Object.entries(runs)) {
  for (const s of steps) {
    console.log([pad(name, 8), pad(s.step, 11), pad(s.participants, 11), pad(f(s.forwarded_pps, 0), 11),
      pad(f(s.cpu_us_per_pkt), 11), pad(f(s.fwd_pkts_per_cpu_s, 0), 11), pad(f(100 * s.cpu_fraction, 1), 11),
      pad(f(s.loss_pct, 3), 11), pad(f(s.latency_p50_ms), 11), pad(f(s.latency_p99_ms), 11),
      pad(f(s.rss_kb / 1024, 1), 11), pad(f(s.rss_kb_per_participant, 0), 11),
      pad(f(s.ctx_switches_per_s, 0), 11)].join(''));
  }
}
if (kernel) {
  console.log(`kernel: sendmmsg ${f(kernel.send_us_per_pkt)} us + recvmmsg ${f(kernel.recv_us_per_pkt)} us ` +
    `a datagram; floor for one forwarded packet with ${P - 1} subscribers a publisher: ${f(floorUs)} us`);
}

// Equal loss: the steps where both servers kept loss at or under 1 %; the comparison is at
// the highest load both carried (the same step means the same offered load).
const ok = (s) => s.loss_pct <= 1.0 && s.forwarded_pps > 0;
const good = { confide: runs.confide.filter(ok), janus: runs.janus.filter(ok) };
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
      `<text x="${W - R - 4}" y="${y(floorUs) - 5}" text-anchor="end" fill="#555">kernel UDP floor ${floorUs.toFixed(2)} µs</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

const plot = svg();
if (plot) writeFileSync(path.join(out, 'cpu_per_packet.svg'), plot);
writeFileSync(path.join(out, 'results.json'), JSON.stringify({
  machine,
  participants_per_room: P, runs, kernel, kernel_floor_us_per_forwarded_pkt: floorUs,
  comparison: at && { ...at, ratio_fwd_pkts_per_cpu_s: ratio },
}, null, 2) + '\n');
if (ratio !== null) {
  console.log(`compared at step ${at.step} (${at.participants} participants): confide ${f(at.confide.cpu_us_per_pkt)} us/pkt, ` +
    `janus ${f(at.janus.cpu_us_per_pkt)} us/pkt; loss ${f(at.confide.loss_pct, 3)} % / ${f(at.janus.loss_pct, 3)} %`);
  if (floorUs) console.log(`confide is ${f(at.confide.cpu_us_per_pkt / floorUs)}x the kernel's floor, janus ${f(at.janus.cpu_us_per_pkt / floorUs)}x`);
  console.log(`ratio forwarded_pkts_per_cpu_s confide/janus = ${ratio.toFixed(2)} (rooms of ${P})`);
} else {
  console.log(`ratio forwarded_pkts_per_cpu_s confide/janus = n/a (rooms of ${P}: no step both servers carried at <= 1 % loss)`);
}

// Packet loss for ONE WebRTC client, inside a network namespace the test makes itself.
//
// How it works (Linux, root; no netem needed):
// - inNetns() re-runs the calling test file inside fresh network + PID + mount namespaces
//   (`unshare --net --pid --mount-proc --fork --kill-child`). 127.0.0.1 there is private to
//   the test; iptables rules made there never touch the host's. When the first process in
//   the namespace (node) exits or is killed, the kernel kills every process left in the PID
//   namespace (Chromiums, servers) and the network namespace with its rules goes with them.
//   The outer process dies with `setpriv --pdeathsig KILL`, so a killed test runner also
//   takes the namespace down.
// - Inside, lo is brought up and a veth pair (no `dummy` module on this kernel) gets
//   127.0.0.2/32: Chromium gathers no ICE candidate on the loopback interface (with lo alone
//   its offer has none), but does on a loopback address of another interface. So every packet
//   stays in 127.0.0.0/8, inside the namespace, delivered through lo.
// - The impaired client's Chromium runs as another uid (nobody) through a wrapper script used
//   as playwright's executablePath (`setpriv --reuid`); the pipe transport is inherited.
// - iptables rules (iptables-nft) mark that uid's UDP packets (owner match on OUTPUT: packet
//   mark + conntrack mark), then on INPUT, where every packet in the namespace arrives through
//   lo, drop a random share of the packets it sent (packet mark) and of those sent to it (on a
//   flow with the conntrack mark, without the packet mark). Not on OUTPUT: there the sender's
//   sendto() fails with EPERM and Chromium sends the packet again.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, rmdirSync, existsSync } from 'node:fs';
import { tmpdir, constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS } from './browser.mjs';

export const NETNS_ENV = 'CONFIDE_TEST_NETNS';
export const IMPAIRED_UID = 65534; // nobody
export const IMPAIRED_GID = 65534; // nogroup
// On the veth: Chromium's host candidate (its traffic is still local, through lo).
export const NETNS_ADDR = '127.0.0.2';
const MARK = '0x7';

export function insideNetns() {
  return process.env[NETNS_ENV] === '1';
}

// Call at the top of a test file, before any test() is registered:
//   await inNetns(import.meta.url);
// Inside the namespace it sets the network up (once) and resolves false. Outside it runs the
// same file in a new namespace with the same environment (node --test's child protocol goes
// through the inherited stdout unchanged), and exits this process with that run's status: it
// never resolves there, so no test below it is registered twice.
export async function inNetns(importMetaUrl, { timeoutMs = 10 * 60 * 1000 } = {}) {
  if (insideNetns()) {
    if (process.env.CONFIDE_TEST_NETNS_READY !== '1') setupNetns();
    return false;
  }
  const problem = netnsProblem();
  if (problem) {
    // Not a skip: CI runs as root and must run these tests.
    console.error(`impair: cannot make a network namespace: ${problem}`);
    process.exit(1);
  }
  const file = fileURLToPath(importMetaUrl);
  // The namespace's TMPDIR: a tmpfs mounted inside it (setupNetns), so browser profiles left by
  // a killed run vanish with the mount namespace; only this empty directory may stay behind.
  const tmp = mkdtempSync(join(tmpdir(), 'confide-netns-'));
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--',
    'unshare', '--net', '--pid', '--mount-proc', '--fork', '--kill-child',
    '--', process.execPath, ...process.execArgv, file, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [NETNS_ENV]: '1', TMPDIR: tmp },
  });
  const kill = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  const timer = setTimeout(() => {
    console.error(`impair: namespace run of ${file} exceeded ${timeoutMs} ms, killed`);
    kill();
  }, timeoutMs);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { kill(); process.exit(128 + osConstants.signals[sig]); });
  }
  // The tmpfs is mounted in the namespace's own (private) mount namespace: out here the
  // directory is empty and can go at once, whatever the namespace is still doing.
  process.on('exit', () => { kill(); try { rmdirSync(tmp); } catch { /* gone */ } });
  // node --test does not kill its per-file child when it is itself killed: follow it.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) {
      console.error('impair: test runner gone, killing the namespace');
      kill();
    }
  }, 500);
  const status = await new Promise((resolve) => {
    child.on('error', (err) => { console.error(`impair: ${err.message}`); resolve(1); });
    child.on('exit', (code, signal) => resolve(code ?? 128 + (osConstants.signals[signal] ?? 0)));
  });
  clearTimeout(timer);
  clearInterval(watch);
  process.exit(status);
  return new Promise(() => {}); // not reached
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (existsSync(join(dir, cmd))) return true;
  }
  return ['/usr/sbin', '/sbin'].some((d) => existsSync(join(d, cmd)));
}

function netnsProblem() {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid() !== 0) return 'not root (unshare --net and iptables need root)';
  for (const cmd of ['unshare', 'setpriv', 'ip', 'iptables', 'iptables-save', 'sysctl']) {
    if (!which(cmd)) return `${cmd} is missing (apt-get install util-linux iproute2 iptables procps)`;
  }
  return null;
}

function run(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function setupNetns() {
  // Refuse to touch rules unless this really is a namespace of our own: the host has other
  // interfaces, a fresh namespace only lo (down).
  const links = run('ip', ['-o', 'link', 'show']).trim().split('\n');
  if (links.length !== 1 || !/: lo:/.test(links[0])) {
    throw new Error(`impair: ${NETNS_ENV}=1 but this is not a fresh network namespace:\n${links.join('\n')}`);
  }
  if (process.env.TMPDIR?.includes('confide-netns-')) {
    run('mount', ['-t', 'tmpfs', '-o', 'mode=1777,size=2g', 'confide-netns-tmp', process.env.TMPDIR]);
  }
  run('ip', ['link', 'set', 'lo', 'up']);
  // No IPv6 on the veth pair (the tests use 127.0.0.x): its link-local addresses would finish
  // duplicate-address detection a second or two later, and Chromium, seeing the network
  // change, aborts the page loads under way (net::ERR_NETWORK_CHANGED).
  run('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  run('ip', ['link', 'add', 'ct0', 'type', 'veth', 'peer', 'name', 'ct1']);
  run('ip', ['addr', 'add', `${NETNS_ADDR}/32`, 'dev', 'ct0']);
  run('ip', ['link', 'set', 'ct0', 'up']);
  run('ip', ['link', 'set', 'ct1', 'up']);
  process.env.CONFIDE_TEST_NETNS_READY = '1';
}

function assertInside() {
  if (!insideNetns() || process.env.CONFIDE_TEST_NETNS_READY !== '1') {
    throw new Error('impair: only inside the test namespace (call inNetns(import.meta.url) first)');
  }
}

// Drops `probability` of the UDP packets that `uid` sends, and of those sent to its flows.
// Counting rules for everyone else's UDP come along, to show they are not matched.
export function installLossRules({ uid = IMPAIRED_UID, probability = 0.05 } = {}) {
  assertInside();
  const p = String(probability);
  const rules = [
    // Mark the impaired uid's packets (packet mark: survives lo into INPUT) and its flows.
    ['-t', 'mangle', '-A', 'OUTPUT', '-p', 'udp', '-m', 'owner', '--uid-owner', String(uid),
      '-j', 'MARK', '--set-mark', MARK],
    ['-t', 'mangle', '-A', 'OUTPUT', '-p', 'udp', '-m', 'owner', '--uid-owner', String(uid),
      '-j', 'CONNMARK', '--set-mark', MARK],
    ['-N', 'SENT_BY_UID'],
    ['-N', 'IMPAIR_OUT'],
    ['-N', 'IMPAIR_IN'],
    ['-N', 'OTHER_OUT'],
    // Counting only: every local UDP packet by who sent it.
    ['-A', 'OUTPUT', '-p', 'udp', '-m', 'owner', '--uid-owner', String(uid), '-j', 'SENT_BY_UID'],
    ['-A', 'OUTPUT', '-p', 'udp', '-m', 'owner', '!', '--uid-owner', String(uid), '-j', 'OTHER_OUT'],
    // Drops happen on INPUT, i.e. on the receiving side of lo: a packet dropped on OUTPUT (or
    // POSTROUTING) makes the sender's sendto() fail with EPERM, and Chromium's UDP socket then
    // simply sends it again (so 5 % on OUTPUT is ~0.25 % real loss). On INPUT the sender has
    // already been told the packet went.
    // Out: a packet the impaired uid sent (packet mark, survives lo).
    ['-A', 'INPUT', '-p', 'udp', '-m', 'mark', '--mark', MARK, '-j', 'IMPAIR_OUT'],
    ['-A', 'IMPAIR_OUT', '-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP'],
    // In: a packet on an impaired flow (conntrack mark) that the impaired uid did not send.
    ['-A', 'INPUT', '-p', 'udp', '-m', 'connmark', '--mark', MARK, '-m', 'mark', '!', '--mark', MARK,
      '-j', 'IMPAIR_IN'],
    ['-A', 'IMPAIR_IN', '-m', 'statistic', '--mode', 'random', '--probability', p, '-j', 'DROP'],
  ];
  for (const r of rules) run('iptables', ['-w', ...r]);
}

// Packet counters of the rules above: sentByUid / otherOut are the UDP packets that the
// impaired uid / everyone else sent; matchedOut / droppedOut those of the impaired uid's that
// reached INPUT / were dropped there; matchedIn / droppedIn the same for packets sent to it.
export function lossCounters() {
  assertInside();
  const save = run('iptables-save', ['-c', '-t', 'filter']);
  const count = (re) => {
    const line = save.split('\n').find((l) => re.test(l));
    if (!line) throw new Error(`impair: no rule ${re} in\n${save}`);
    return Number(/^\[(\d+):/.exec(line)[1]);
  };
  return {
    sentByUid: count(/-A OUTPUT .*-j SENT_BY_UID$/),
    matchedOut: count(/-A INPUT .*-j IMPAIR_OUT$/),
    droppedOut: count(/-A IMPAIR_OUT .*-j DROP$/),
    matchedIn: count(/-A INPUT .*-j IMPAIR_IN$/),
    droppedIn: count(/-A IMPAIR_IN .*-j DROP$/),
    otherOut: count(/-A OUTPUT .*-j OTHER_OUT$/),
  };
}

export function rulesListing() {
  return run('iptables', ['-w', '-L', '-v', '-x', '-n']) + run('iptables', ['-w', '-t', 'mangle', '-L', '-v', '-x', '-n']);
}

// A playwright Browser whose processes all run as `uid` (so installLossRules hits it).
export async function launchImpairedChromium(extraArgs = [], { uid = IMPAIRED_UID, gid = IMPAIRED_GID } = {}) {
  assertInside();
  const dir = mkdtempSync(join(tmpdir(), 'confide-impaired-'));
  chmodSync(dir, 0o755);
  const home = join(dir, 'home');
  execFileSync('mkdir', ['-p', join(home, '.config'), join(home, '.cache')]);
  execFileSync('chown', ['-R', `${uid}:${gid}`, home]);
  const wrapper = join(dir, 'chromium-as-other-uid');
  // playwright makes the profile dir (root, 0700) and passes --user-data-dir=...: hand it over.
  writeFileSync(wrapper, `#!/bin/sh
for a in "$@"; do
  case "$a" in --user-data-dir=*) chown -R ${uid}:${gid} "\${a#--user-data-dir=}" ;; esac
done
export HOME='${home}' XDG_CONFIG_HOME='${home}/.config' XDG_CACHE_HOME='${home}/.cache'
exec setpriv --reuid=${uid} --regid=${gid} --clear-groups -- '${CHROMIUM}' "$@"
`);
  chmodSync(wrapper, 0o755);
  let browser;
  try {
    browser = await chromium.launch({ executablePath: wrapper, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 30000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  browser.on('disconnected', () => rmSync(dir, { recursive: true, force: true }));
  return browser;
}

// The uids of a browser's processes (to check the impaired one really runs as `uid`).
export function processUids(pattern = 'chromium') {
  const out = run('ps', ['-eo', 'uid=,args=']);
  return out.split('\n').filter((l) => l.includes(pattern)).map((l) => Number(l.trim().split(/\s+/)[0]));
}


// No UDP at all for `uid` (a network that lets only TCP out): its packets are dropped on
// OUTPUT, where the sender's sendto() fails, so nothing of them reaches anyone. Returns a
// reader of how many were dropped.
export function blockUdp({ uid = IMPAIRED_UID } = {}) {
  assertInside();
  run('iptables', ['-w', '-N', 'UDP_BLOCKED']);
  run('iptables', ['-w', '-A', 'OUTPUT', '-p', 'udp', '-m', 'owner', '--uid-owner', String(uid),
    '-j', 'UDP_BLOCKED']);
  run('iptables', ['-w', '-A', 'UDP_BLOCKED', '-j', 'DROP']);
  return () => {
    const save = run('iptables-save', ['-c', '-t', 'filter']);
    const line = save.split('\n').find((l) => /-A UDP_BLOCKED -j DROP$/.test(l));
    return Number(/^\[(\d+):/.exec(line)[1]);
  };
}

// A rate cap on `uid`'s UDP, both ways (what a weak uplink and downlink do). lo's egress queue
// (every packet in the namespace leaves through lo) gets an HTB root; iptables (mangle OUTPUT)
// files that uid's packets under class 1:1 and those sent to its flows (the flow's conntrack
// mark) under 1:2 (CLASSIFY: HTB takes a packet's priority as its class), each `kbit` with a
// tbf under it holding at most `queueMs` of data, so what exceeds the rate waits, then drops,
// as on a real bottleneck. This kernel has no netem, prio or fw classifier, and u32's mark
// match takes every packet; HTB, tbf and CLASSIFY work. Returns { cap(kbit), lift(),
// counters() }: lift() takes the CLASSIFY rules out, so every packet goes to the unlimited
// default class; cap() puts them back at a new rate.
export function installRateCap({ uid = IMPAIRED_UID, kbit = 300, queueMs = 150 } = {}) {
  assertInside();
  const FLOW = '0x9';
  run('iptables', ['-w', '-t', 'mangle', '-A', 'OUTPUT', '-p', 'udp', '-m', 'owner',
    '--uid-owner', String(uid), '-j', 'CONNMARK', '--set-mark', FLOW]);
  const classify = [
    ['OUTPUT', '-p', 'udp', '-m', 'owner', '--uid-owner', String(uid), '-j', 'CLASSIFY', '--set-class', '1:1'],
    ['OUTPUT', '-p', 'udp', '-m', 'connmark', '--mark', FLOW, '-m', 'owner', '!', '--uid-owner', String(uid),
      '-j', 'CLASSIFY', '--set-class', '1:2'],
  ];
  const rules = (verb) => {
    for (const r of classify) run('iptables', ['-w', '-t', 'mangle', verb, ...r]);
  };
  run('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '10', 'r2q', '1000']);
  run('tc', ['class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit']);
  const leaves = [['1:1', '11:'], ['1:2', '12:']];
  const shape = (verb, kb) => {
    // tbf's queue in bytes: queueMs of the rate, at least two full packets
    const limit = Math.max(3000, Math.round((kb * 1000 / 8) * (queueMs / 1000)));
    for (const [cls, leaf] of leaves) {
      run('tc', ['class', verb, 'dev', 'lo', 'parent', '1:', 'classid', cls, 'htb',
        'rate', `${kb}kbit`, 'ceil', `${kb}kbit`]);
      run('tc', ['qdisc', verb === 'add' ? 'add' : 'replace', 'dev', 'lo', 'parent', cls,
        'handle', leaf, 'tbf', 'rate', `${kb}kbit`, 'burst', '3000', 'limit', String(limit)]);
    }
  };
  shape('add', kbit);
  rules('-A');
  let capped = true;
  return {
    cap(kb) {
      shape('change', kb);
      if (!capped) rules('-A');
      capped = true;
    },
    lift() {
      if (capped) rules('-D');
      capped = false;
    },
    // packets through each capped class so far, and those its queue dropped
    counters() {
      const classes = run('tc', ['-s', 'class', 'show', 'dev', 'lo']);
      const qdiscs = run('tc', ['-s', 'qdisc', 'show', 'dev', 'lo']);
      const read = (cls, leaf) => {
        const c = new RegExp(`class htb ${cls} [^]*?Sent (\\d+) bytes (\\d+) pkt`).exec(classes);
        const q = new RegExp(`qdisc tbf ${leaf} [^]*?dropped (\\d+)`).exec(qdiscs);
        return { bytes: Number(c?.[1] ?? 0), packets: Number(c?.[2] ?? 0), dropped: Number(q?.[1] ?? 0) };
      };
      return { up: read('1:1', '11:'), down: read('1:2', '12:') };
    },
  };
}

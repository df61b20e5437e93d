// Drives tests/tools/gst_publish.py: a WebRTC publisher on GStreamer's webrtcbin, a second
// WebRTC stack independent of both confide and Chromium. It speaks JSON lines: one offer
// out, one answer in, then state lines (see the tool's docstring).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const GST_PUBLISH = process.env.GST_PUBLISH ?? fileURLToPath(new URL('../../tools/gst_publish.py', import.meta.url));
// python3-gi is only in Debian's own interpreter, not in a pyenv/venv one earlier on PATH.
export const GST_PYTHON = process.env.GST_PYTHON ?? '/usr/bin/python3';

// seconds: the tool's own life bound; offerTimeoutMs: how long to wait for the offer.
// hostAddresses: gather host candidates on these addresses only. libnice leaves out
// loopback and cannot reach 127.0.0.1 from another interface's socket, so a peer that
// listens on 127.0.0.1 (confide in the tests) needs ['127.0.0.1'].
export async function startGstPublisher({ seconds = 60, offerTimeoutMs = 15000, hostAddresses = [] } = {}) {
  const args = [GST_PUBLISH, '--seconds', String(seconds)];
  for (const addr of hostAddresses) args.push('--host-address', addr);
  const proc = spawn(GST_PYTHON, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const states = [];
  const errors = [];
  let stderr = '';
  let pending = '';
  let resolveOffer;
  let rejectOffer;
  const offer = new Promise((resolve, reject) => { resolveOffer = resolve; rejectOffer = reject; });
  offer.catch(() => {}); // a caller that never awaits it must not crash the run
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
    rejectOffer(new Error(`gst_publish exited (${code ?? signal}) before its offer:\n${stderr}`));
    resolve({ code, signal });
  }));
  proc.on('error', (err) => rejectOffer(err));
  const timer = setTimeout(() => rejectOffer(new Error(`no offer from gst_publish in ${offerTimeoutMs} ms:\n${stderr}`)),
    offerTimeoutMs);
  offer.finally(() => clearTimeout(timer)).catch(() => {});

  proc.stderr.on('data', (d) => { stderr += d; });
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line) continue;
      let msg;
      try { msg = JSON.parse(line); } catch { errors.push(`unparsable line: ${line}`); continue; }
      if (msg.type === 'offer') resolveOffer(msg.sdp);
      else if (msg.type === 'state') states.push(msg);
      else if (msg.type === 'error') errors.push(msg.message);
    }
  });
  proc.stdin.on('error', () => {}); // EPIPE if the tool died first: its exit says why

  return {
    proc,
    offer,
    states,
    errors,
    exited,
    get stderr() { return stderr; },
    answer(sdp) {
      proc.stdin.write(`${JSON.stringify({ type: 'answer', sdp })}\n`);
    },
    // Resolves once a state line has key === value (e.g. 'connection', 'connected').
    // ICE may go from checking straight to completed (it does against an ICE-lite peer),
    // so ice=completed counts as ice=connected.
    async waitForState(key, value, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      const ok = (s) => s[key] === value || (key === 'ice' && value === 'connected' && s.ice === 'completed');
      while (!states.some(ok)) {
        if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
          throw new Error(`gst_publish never reached ${key}=${value}; states ${JSON.stringify(states)}, ` +
            `errors ${JSON.stringify(errors)}:\n${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    // SIGTERM, and SIGKILL if it has not exited within 3 s; resolves to { code, signal }.
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 3000);
        const exit = await exited;
        clearTimeout(killer);
        return exit;
      }
      return exited;
    },
  };
}

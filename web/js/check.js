// The device check: camera preview, microphone level, a test sound for the speakers, and a
// connection test through the practice's media server (the same path as a session: the
// page publishes its camera and microphone and receives them back through the server, in a
// "check room" of its own, docs/PROTOCOL.md "Testing the connection"), with plain words
// about what works and what to do.
import { $, say } from './ui.js';
import { pcConfig, publishOffer, subscribeAnswer } from './media-transport.js';

// ---- the connection test's thresholds (listed in docs/DEPLOY.md, "The device check") ----
// How long the test measures once media comes back: long enough for the browser's
// bandwidth estimate to climb from its start (about 300 kbit/s) and for several RTCP
// reports, short enough that people wait for it.
const MEASURE_MS = 8000;
// How long media may take to come back at all. ICE with the server's one UDP candidate
// connects in well under a second, a TURN relay over TCP in a few; nothing after this long
// means the network lets no media through.
const CONNECT_MS = 12000;
// Slower than this round trip and people talk over each other (ITU-T G.114 puts the
// comfortable limit near 150 ms each way).
const SLOW_RTT_MS = 300;
// More loss than this and video freezes although resends repair some (the media server's own
// "poor" is 8 %); audio (Opus) hides it up to about 10 %.
const SLOW_LOSS = 0.05;
// Less than this reached while the browser says the network held its video encoder back
// (qualityLimitationReason "bandwidth") and the session's video (640×360) cannot stay
// smooth; audio needs about 40 kbit/s. A still picture needs less than this by itself, so a
// low speed alone, with the encoder not held back, is not a slow network.
const SLOW_KBPS = 250;

const start = $('start');
const stop = $('stop');
const preview = $('preview');
const video = $('camera');
const level = $('level');
const advice = $('advice');
const problem = $('problem');
const tone = $('tone');
const heard = $('heard');
const network = $('network');
const loopback = $('loopback');
const measures = $('measures');
const verdict = $('verdict');
const results = {
  browser: $('result-browser'),
  camera: $('result-camera'),
  microphone: $('result-microphone'),
  speakers: $('result-speakers'),
  connection: $('result-connection'),
};

let stream = null;
let audio = null;
let heardSomething = false;
let test = null; // the connection test running: { finish }

function result(which, text) {
  results[which].textContent = text;
}

function checkBrowser() {
  const ok = window.isSecureContext && 'RTCPeerConnection' in window && navigator.mediaDevices?.getUserMedia;
  result('browser', ok ? 'Browser: ready for video calls.'
    : 'Browser: this browser cannot make video calls here. Please use a current Chrome, Firefox, Safari or Edge.');
  return ok;
}

function explain(error) {
  if (error?.name === 'NotAllowedError') {
    return 'The browser was not allowed to use the camera and microphone. Look for the camera symbol in the address bar, choose "Allow", and start the check again.';
  }
  if (error?.name === 'NotFoundError' || error?.name === 'OverconstrainedError') {
    return 'No camera or microphone was found. Plug one in, or use another device, and start the check again.';
  }
  if (error?.name === 'NotReadableError') {
    return 'The camera or microphone is in use by another program. Close it (for example another video call) and start the check again.';
  }
  return 'The camera and microphone could not be started. Restarting the browser often helps.';
}

function audioContext() {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  return AudioContext ? new AudioContext() : null;
}

function listenToMicrophone(track) {
  const context = audioContext();
  if (!context) return;
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const tick = () => {
    if (!audio) return;
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const rms = Math.sqrt(sum / samples.length);
    level.value = Math.min(1, rms * 4);
    if (rms > 0.01 && !heardSomething) {
      heardSomething = true;
      result('microphone', 'Microphone: working, we can hear you.');
    }
    audio.frame = requestAnimationFrame(tick);
  };
  audio = { context, frame: requestAnimationFrame(tick) };
}

function stopCheck() {
  test?.finish({ status: 'stopped' });
  if (audio) {
    cancelAnimationFrame(audio.frame);
    audio.context.close();
    audio = null;
  }
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  video.srcObject = null;
  preview.hidden = true;
  start.disabled = false;
  level.value = 0;
}

async function startCheck() {
  say(problem, '');
  say(advice, '');
  if (!checkBrowser()) return;
  start.disabled = true;
  try {
    // what a session asks for (meeting-media.js), so the test sends what a session would
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true },
      video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } },
    });
  } catch (error) {
    start.disabled = false;
    result('camera', 'Camera: not working.');
    result('microphone', 'Microphone: not working.');
    say(problem, explain(error));
    return;
  }
  preview.hidden = false;
  video.srcObject = stream;
  const [camera] = stream.getVideoTracks();
  const [microphone] = stream.getAudioTracks();
  result('camera', camera ? 'Camera: working. You should see yourself above.' : 'Camera: none found.');
  result('microphone', microphone ? 'Microphone: found. Say something to test it.' : 'Microphone: none found.');
  if (microphone) listenToMicrophone(microphone);
  say(advice, 'Use headphones if other people are nearby, and find a quiet, private place for your appointment.');
}

// ---- speakers ----

// A short, soft two-note chime made here (no sound file): fades in and out, so no click.
function playTone() {
  const context = audioContext();
  if (!context) {
    result('speakers', 'Speakers: this browser cannot play the test sound.');
    return;
  }
  const gain = context.createGain();
  gain.connect(context.destination);
  const t = context.currentTime;
  gain.gain.setValueAtTime(0, t);
  gain.gain.linearRampToValueAtTime(0.3, t + 0.05);
  gain.gain.setValueAtTime(0.3, t + 1.1);
  gain.gain.linearRampToValueAtTime(0, t + 1.2);
  for (const [freq, at] of [[660, 0], [880, 0.6]]) {
    const osc = context.createOscillator();
    osc.frequency.value = freq;
    osc.connect(gain);
    osc.start(t + at);
    osc.stop(t + at + 0.6);
  }
  setTimeout(() => context.close(), 1500);
  heard.hidden = false;
  result('speakers', 'Speakers: a sound was played. Did you hear it?');
}

function answerHeard(yes) {
  heard.hidden = true;
  result('speakers', yes ? 'Speakers: working.'
    : 'Speakers: not heard. Turn the volume up, check the sound goes to the speakers or headphones you will use, and play it again.');
}

// ---- the connection test ----

// How the media went: through a relay (TURN) or straight to the server, over UDP or TCP.
function routeOf(candidate) {
  if (!candidate) return null;
  if (candidate.candidateType === 'relay') return `relay-${candidate.relayProtocol ?? 'udp'}`;
  return candidate.protocol === 'tcp' ? 'tcp' : 'udp';
}

const ROUTE_WORDS = {
  udp: 'direct (UDP)',
  tcp: 'direct (TCP)',
  'relay-udp': 'through a relay (TURN over UDP)',
  'relay-tcp': 'through a relay (TURN over TCP)',
  'relay-tls': 'through a relay (TURN over TLS)',
};

// What came back so far: bytes, packets lost and received on the looped-back streams, the
// selected candidate pair's round trip and route.
async function sample(pub, sub) {
  const out = { at: performance.now(), bytes: 0, lost: 0, received: 0, rtt: null, route: null,
    heldBack: false };
  const stats = await sub.getStats();
  const byId = new Map();
  stats.forEach((r) => byId.set(r.id, r));
  stats.forEach((r) => {
    if (r.type === 'inbound-rtp') {
      out.bytes += r.bytesReceived ?? 0;
      out.lost += Math.max(0, r.packetsLost ?? 0);
      out.received += r.packetsReceived ?? 0;
    }
    if (r.type === 'transport' && r.selectedCandidatePairId) {
      const pair = byId.get(r.selectedCandidatePairId);
      if (typeof pair?.currentRoundTripTime === 'number') out.rtt = pair.currentRoundTripTime * 1000;
      out.route = routeOf(byId.get(pair?.localCandidateId));
    }
  });
  const fromSub = out.rtt !== null;
  (await pub.getStats()).forEach((r) => {
    if (r.type === 'outbound-rtp' && r.kind === 'video') out.heldBack = r.qualityLimitationReason === 'bandwidth';
    if (fromSub) return;
    // the sending side's pair, or the server's RTCP receiver reports, measure it as well
    if (r.type === 'candidate-pair' && r.nominated && typeof r.currentRoundTripTime === 'number') {
      out.rtt = r.currentRoundTripTime * 1000;
    } else if (r.type === 'remote-inbound-rtp' && out.rtt === null && typeof r.roundTripTime === 'number') {
      out.rtt = r.roundTripTime * 1000;
    }
  });
  return out;
}

// The numbers of a finished test from its samples (one a second).
function summarise(samples) {
  const last = samples[samples.length - 1];
  let kbps = 0;
  for (let i = 1; i < samples.length; i++) {
    const seconds = (samples[i].at - samples[i - 1].at) / 1000;
    if (seconds > 0) kbps = Math.max(kbps, ((samples[i].bytes - samples[i - 1].bytes) * 8) / 1000 / seconds);
  }
  const rtts = samples.map((s) => s.rtt).filter((r) => r !== null);
  const packets = last.lost + last.received;
  return {
    rttMs: rtts.length ? Math.round(rtts.reduce((a, b) => a + b, 0) / rtts.length) : null,
    loss: packets ? last.lost / packets : 0,
    kbps: Math.round(kbps),
    route: last.route,
    heldBack: last.heldBack,
  };
}

// Publishes `local` to the server's check room and receives it back; resolves with
// { status: 'ok', numbers } | { status: 'blocked' } | { status: 'refused' | 'error', message },
// with `media` (where the server takes media) when it said.
function runLoopback(local) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/ws`, 'confide.v1');
    let iceServers = [];
    let media = null;
    let pub = null;
    let sub = null;
    let chain = Promise.resolve();
    let timer = 0;
    let measuring = false;
    const samples = [];
    const send = (msg) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    };
    const finish = (outcome) => {
      if (!test) return;
      test = null;
      clearTimeout(timer);
      pub?.close();
      sub?.close();
      loopback.srcObject = null;
      ws.close();
      resolve({ ...outcome, media });
    };
    test = { finish };

    const measure = async () => {
      if (!test) return;
      samples.push(await sample(pub, sub));
      const numbers = summarise(samples);
      show(numbers);
      if (samples[samples.length - 1].at - samples[0].at >= MEASURE_MS) finish({ status: 'ok', numbers });
      else timer = setTimeout(measure, 1000);
    };
    // media is coming back: measure from now on
    const arrived = () => {
      if (measuring || !test) return;
      measuring = true;
      clearTimeout(timer);
      result('connection', 'Connection: media is coming back from the server; measuring…');
      measure();
    };

    const publish = async () => {
      pub = new RTCPeerConnection(pcConfig(iceServers));
      pub.addEventListener('connectionstatechange', () => {
        if (pub?.connectionState === 'failed') finish({ status: 'blocked' });
      });
      send({ type: 'publish', sdp: await publishOffer(pub, local) });
      timer = setTimeout(() => finish({ status: 'blocked' }), CONNECT_MS);
    };

    const answerOffer = async (msg) => {
      if (msg.reset || !sub) {
        sub?.close();
        sub = new RTCPeerConnection(pcConfig(iceServers));
        const stream = new MediaStream();
        loopback.srcObject = stream;
        sub.addEventListener('track', (event) => {
          stream.addTrack(event.track);
          if (event.track.kind === 'video') loopback.hidden = false;
          event.track.addEventListener('unmute', arrived, { once: true });
        });
      }
      await sub.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      send({ type: 'subscribe_answer', sdp: await subscribeAnswer(sub), version: msg.version });
    };

    ws.addEventListener('open', () => send({ type: 'check' }));
    ws.addEventListener('close', () => finish({ status: 'error',
      message: 'The connection to the practice\u2019s server was lost. Check that you are online and try again.' }));
    ws.addEventListener('message', (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch { return; }
      switch (msg.type) {
        case 'ice_servers':
          if (Array.isArray(msg.ice_servers)) iceServers = msg.ice_servers;
          break;
        case 'check_started':
          media = msg.media ?? null;
          publish().catch(() => finish({ status: 'error', message: 'This browser could not start the test.' }));
          break;
        case 'check_refused':
          finish({ status: 'refused', message: msg.message });
          break;
        case 'publish_answer':
          if (pub?.signalingState === 'have-local-offer') {
            pub.setRemoteDescription({ type: 'answer', sdp: msg.sdp })
              .catch(() => finish({ status: 'error', message: 'This browser could not start the test.' }));
          }
          break;
        case 'subscribe_offer':
          chain = chain.then(() => answerOffer(msg))
            .catch(() => finish({ status: 'error', message: 'This browser could not start the test.' }));
          break;
        case 'check_over':
          finish(samples.length > 1 ? { status: 'ok', numbers: summarise(samples) } : { status: 'blocked' });
          break;
        case 'error':
          finish({ status: 'error', message: msg.message });
          break;
        default:
          break; // check_stats (the server's own view), pong: not needed for the verdict
      }
    });
  });
}

function show(numbers) {
  measures.hidden = false;
  $('measure-rtt').textContent = numbers.rttMs === null ? 'not measured' : `${numbers.rttMs} ms`;
  $('measure-loss').textContent = `${(numbers.loss * 100).toFixed(1)} %`;
  $('measure-bitrate').textContent = `${numbers.kbps} kbit/s`;
  $('measure-route').textContent = ROUTE_WORDS[numbers.route] ?? 'unknown';
}

function portsText(ports) {
  if (!Array.isArray(ports) || !ports.length) return '';
  return ports[0] === ports[ports.length - 1] ? `port ${ports[0]}` : `ports ${ports[0]}–${ports[ports.length - 1]}`;
}

// The verdict in words: what the person should do, or that they are ready.
function verdictOf(outcome) {
  if (outcome.status === 'blocked') {
    const protocols = Array.isArray(outcome.media?.protocols) && outcome.media.protocols.length
      ? outcome.media.protocols.map((p) => String(p).toUpperCase()).join(' or ') : 'UDP';
    const where = outcome.media?.host
      ? `${protocols} to ${outcome.media.host} ${portsText(outcome.media.ports)}`.trim()
      : `${protocols} to this practice\u2019s media server`;
    return { kind: 'blocked', text: `Your network blocks video calls. Try another network (for example your phone\u2019s data), or ask your IT team to allow ${where}.` };
  }
  if (outcome.status !== 'ok') return { kind: 'error', text: outcome.message ?? 'The connection test could not run. Please try again.' };
  const n = outcome.numbers;
  const slow = (n.rttMs !== null && n.rttMs > SLOW_RTT_MS) || n.loss > SLOW_LOSS
    || (n.kbps < SLOW_KBPS && n.heldBack);
  return slow
    ? { kind: 'slow', text: 'Your connection is slow: video may pause, audio should be fine.' }
    : { kind: 'ready', text: 'You\u2019re ready for your session.' };
}

async function testConnection() {
  network.disabled = true;
  say(verdict, '');
  if (!stream) await startCheck();
  if (!stream) {
    network.disabled = false;
    return;
  }
  result('connection', 'Connection: testing, this takes about 10 seconds…');
  const outcome = await runLoopback(stream);
  network.disabled = false;
  if (outcome.status === 'stopped') {
    result('connection', 'Connection: not checked yet');
    return;
  }
  const v = verdictOf(outcome);
  const n = outcome.numbers;
  result('connection', n
    ? `Connection: round trip ${n.rttMs === null ? 'not measured' : `${n.rttMs} ms`}, ${(n.loss * 100).toFixed(1)} % lost, ${n.kbps} kbit/s reached, ${ROUTE_WORDS[n.route] ?? 'route unknown'}.`
    : `Connection: ${v.kind === 'blocked' ? 'no audio or video got through.' : 'not tested.'}`);
  verdict.dataset.verdict = v.kind;
  say(verdict, v.text);
}

start.addEventListener('click', startCheck);
stop.addEventListener('click', stopCheck);
tone.addEventListener('click', playTone);
$('heard-yes').addEventListener('click', () => answerHeard(true));
$('heard-no').addEventListener('click', () => answerHeard(false));
network.addEventListener('click', testConnection);
window.addEventListener('pagehide', stopCheck);
checkBrowser();

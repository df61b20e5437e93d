// The device check: camera preview, microphone level, and plain words about what works.
// Runs entirely in the browser; nothing is sent to the server.
import { say } from './ui.js';

const start = document.getElementById('start');
const stop = document.getElementById('stop');
const preview = document.getElementById('preview');
const video = document.getElementById('camera');
const level = document.getElementById('level');
const advice = document.getElementById('advice');
const problem = document.getElementById('problem');
const results = {
  browser: document.getElementById('result-browser'),
  camera: document.getElementById('result-camera'),
  microphone: document.getElementById('result-microphone'),
};

let stream = null;
let audio = null;
let heardSomething = false;

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

function listenToMicrophone(track) {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (!AudioContext) return;
  const context = new AudioContext();
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
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
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

start.addEventListener('click', startCheck);
stop.addEventListener('click', stopCheck);
window.addEventListener('pagehide', stopCheck);
checkBrowser();

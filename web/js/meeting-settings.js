// "Settings" in the meeting: a dialog to switch camera, microphone and speaker while the
// session runs. Another camera or microphone is opened with the meeting's own constraints and
// takes the old one's place on the same sender (meeting-media.js replaceTrack: no new
// negotiation, the others keep receiving); the speaker is every tile's output device
// (setSinkId), where the browser can choose one. The choice is remembered for next time
// (meeting-choice.js).
import { $, say } from './ui.js';
import { el } from './meeting-dom.js';
import { cameraConstraints, choose, chosen, microphoneConstraints } from './meeting-choice.js';

const canChooseSpeaker = typeof HTMLMediaElement !== 'undefined'
  && typeof HTMLMediaElement.prototype.setSinkId === 'function';

// a select per kind of device: enumerateDevices' kind, and the words for an unnamed one
const KINDS = {
  camera: { kind: 'videoinput', track: 'video', unnamed: 'Camera' },
  microphone: { kind: 'audioinput', track: 'audio', unnamed: 'Microphone' },
  speaker: { kind: 'audiooutput', track: null, unnamed: 'Speaker' },
};

export function createSettings({ media }) {
  const button = $('settings-button');
  const dialog = $('settings-dialog');
  const status = $('settings-status');
  const tiles = $('video-tiles');
  const selects = {
    camera: $('settings-camera'),
    microphone: $('settings-microphone'),
    speaker: $('settings-speaker'),
  };
  let switching = Promise.resolve(); // one switch at a time, in the order they were chosen

  $('settings-speaker-field').hidden = !canChooseSpeaker;
  $('settings-speaker-none').hidden = canChooseSpeaker;

  // what is in use now: the track being sent, else the remembered choice
  function current(name) {
    const track = KINDS[name].track ? media.localTrack(KINDS[name].track) : null;
    return track?.getSettings().deviceId || chosen()[name] || '';
  }

  async function fill() {
    let devices = [];
    try {
      devices = await navigator.mediaDevices.enumerateDevices();
    } catch {
      // no list: the selects stay empty and say so
    }
    for (const [name, select] of Object.entries(selects)) {
      const found = devices.filter((d) => d.kind === KINDS[name].kind && d.deviceId);
      const options = found.map((d, i) => {
        const option = el('option', null, d.label || `${KINDS[name].unnamed} ${i + 1}`);
        option.value = d.deviceId;
        return option;
      });
      if (!options.length) options.push(el('option', null, `No ${KINDS[name].unnamed.toLowerCase()} found`));
      select.replaceChildren(...options);
      select.disabled = !found.length;
      const now = current(name);
      if (found.some((d) => d.deviceId === now)) select.value = now;
    }
  }

  function labelOf(select) {
    return select.selectedOptions[0]?.textContent ?? '';
  }

  async function switchInput(name) {
    const select = selects[name];
    const deviceId = select.value;
    const words = labelOf(select);
    const kind = KINDS[name].track;
    if (!media.localTrack(kind)) {
      choose(name, deviceId);
      say(status, name === 'camera'
        ? `${words} is used when your camera is on again.`
        : `${words} is used when your microphone starts.`);
      return;
    }
    if (current(name) === deviceId) {
      choose(name, deviceId);
      return;
    }
    say(status, `Switching to ${words}…`);
    let track = null;
    try {
      const stream = await navigator.mediaDevices.getUserMedia(name === 'camera'
        ? { video: cameraConstraints(deviceId, true) }
        : { audio: microphoneConstraints(deviceId, true) });
      track = stream.getTracks()[0] ?? null;
    } catch {
      track = null;
    }
    if (!track) {
      say(status, `${words} could not be started: another app may be using it. You are still using the one before.`);
      select.value = current(name);
      return;
    }
    // remembered once it works (a camera another app holds is not kept for next time)
    choose(name, deviceId);
    const used = await media.replaceTrack(track);
    say(status, used ? `Now using ${words}.` : `${words} is used when your ${name} is on again.`);
  }

  function applySpeaker(video, deviceId = chosen().speaker) {
    if (!canChooseSpeaker || !deviceId || video.sinkId === deviceId) return Promise.resolve();
    return video.setSinkId(deviceId);
  }

  async function switchSpeaker() {
    const select = selects.speaker;
    choose('speaker', select.value);
    try {
      await Promise.all([...tiles.querySelectorAll('video')].map((v) => applySpeaker(v, select.value)));
      say(status, `Now playing on ${labelOf(select)}.`);
    } catch {
      say(status, `${labelOf(select)} could not be used. The sound plays on your default speaker.`);
    }
  }

  // each new tile plays on the chosen speaker (a speaker gone since: the default one)
  if (canChooseSpeaker) {
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) {
          const videos = node.tagName === 'VIDEO' ? [node] : [...(node.querySelectorAll?.('video') ?? [])];
          for (const v of videos) applySpeaker(v).catch(() => {});
        }
      }
    }).observe(tiles, { childList: true, subtree: true });
  }

  function queue(change) {
    switching = switching.then(change).catch(() => {
      say(status, 'That did not work. Reloading the page may help.');
    });
  }

  selects.camera.addEventListener('change', () => queue(() => switchInput('camera')));
  selects.microphone.addEventListener('change', () => queue(() => switchInput('microphone')));
  selects.speaker.addEventListener('change', () => queue(switchSpeaker));

  // a device plugged in or out while the dialog is open
  navigator.mediaDevices?.addEventListener?.('devicechange', () => {
    if (dialog.open) fill();
  });

  button.addEventListener('click', () => {
    say(status, '');
    fill();
    dialog.showModal();
  });

  return {
    /** The meeting is over for this page: the dialog goes. */
    stop() {
      if (dialog.open) dialog.close();
    },
  };
}

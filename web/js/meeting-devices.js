// One's own camera and microphone before the meeting: a small preview, a microphone level
// meter and the "Camera" / "Microphone" toggles, on the join page and in the waiting room.
// The toggles are only a wish until one is let in: then meeting.js sends it once as the
// `media` message and the room's state (the server's) owns mute and camera from there on.
// The preview lets go of the devices before the meeting opens them itself. It opens the camera
// and microphone last chosen in the meeting's settings (meeting-choice.js), if any.
import { $, say } from './ui.js';
import { meterValue, watchLevel } from './mic-level.js';
import { cameraConstraints, microphoneConstraints, withChoice } from './meeting-choice.js';

export function createDevices() {
  const box = $('devices');
  const video = $('devices-video');
  const cameraOff = $('devices-camera-off');
  const meter = $('mic-level');
  const cameraToggle = $('camera-toggle');
  const micToggle = $('mic-toggle');
  const state = $('devices-state');
  const problem = $('devices-problem');

  const want = { audio: true, video: true };
  let stream = null;
  let opening = null;
  let wanted = false; // open() was called and stop() not since
  let level = null; // the microphone's level meter while open

  function render() {
    cameraToggle.setAttribute('aria-pressed', String(want.video));
    micToggle.setAttribute('aria-pressed', String(want.audio));
    const hasVideo = want.video && (stream?.getVideoTracks().length ?? 0) > 0;
    video.hidden = !hasVideo;
    cameraOff.hidden = hasVideo;
    cameraOff.textContent = want.video ? 'No camera picture yet' : 'Camera off';
    for (const t of stream?.getAudioTracks() ?? []) t.enabled = want.audio;
    const words = [
      want.video ? 'Camera on: the others will see you.' : 'Camera off: the others will not see you.',
      want.audio ? 'Microphone on: the others will hear you.' : 'Microphone off: the others will not hear you.',
    ];
    state.textContent = `${words.join(' ')} You can change this at any time.`;
    if (!want.audio) meter.value = 0;
  }

  // the level of one's voice, so one can see the microphone hears
  function listen() {
    level?.stop();
    level = watchLevel(stream?.getAudioTracks()[0], (rms) => {
      meter.value = want.audio ? meterValue(rms) : 0;
    });
  }

  async function openStream() {
    if (!navigator.mediaDevices?.getUserMedia) {
      say(problem, 'This browser cannot show your camera here. You can still join.');
      return;
    }
    let got = null;
    try {
      got = await withChoice((exact) => navigator.mediaDevices.getUserMedia({
        audio: microphoneConstraints(undefined, exact),
        video: want.video ? cameraConstraints(undefined, exact) : false,
      }));
    } catch (err) {
      try {
        got = await navigator.mediaDevices.getUserMedia({ audio: true });
        if (want.video) say(problem, 'Your camera could not be started. You can still join and be heard.');
      } catch {
        say(problem, err?.name === 'NotAllowedError'
          ? 'Your camera and microphone are blocked for this page. You can still join; to be seen and heard, allow them in the browser\u2019s address bar and reload.'
          : 'Your camera and microphone could not be started. You can still join and see and hear the others.');
      }
    }
    if (!wanted) {
      for (const t of got?.getTracks() ?? []) t.stop();
      return;
    }
    stream = got;
    video.srcObject = stream;
    render();
    listen();
  }

  async function setCamera(on) {
    want.video = on;
    if (!stream) return render();
    if (!on) {
      // the track ends: the camera's light goes off
      for (const t of stream.getVideoTracks()) {
        t.stop();
        stream.removeTrack(t);
      }
    } else if (!stream.getVideoTracks().length) {
      try {
        const camera = await withChoice((exact) => navigator.mediaDevices.getUserMedia({
          video: cameraConstraints(undefined, exact),
        }));
        const track = camera.getVideoTracks()[0];
        if (!wanted || !want.video) track?.stop();
        else if (track) stream.addTrack(track);
        video.srcObject = stream;
        say(problem, '');
      } catch {
        say(problem, 'Your camera could not be started. You can still join and be heard.');
      }
    }
    return render();
  }

  cameraToggle.addEventListener('click', () => {
    level?.resume();
    setCamera(!want.video);
  });
  micToggle.addEventListener('click', () => {
    level?.resume();
    want.audio = !want.audio;
    render();
  });

  render();

  return {
    /** Shows the block inside `parent` (before `before`, if given) and opens the devices. */
    open(parent, before = null) {
      parent.insertBefore(box, before);
      box.hidden = false;
      if (wanted) return;
      wanted = true;
      opening = openStream().finally(() => { opening = null; });
    },
    /** Lets go of the camera and microphone and hides the block; the choices stay. */
    stop() {
      wanted = false;
      box.hidden = true;
      level?.stop();
      level = null;
      for (const t of stream?.getTracks() ?? []) t.stop();
      stream = null;
      video.srcObject = null;
      meter.value = 0;
      render();
      return opening ?? Promise.resolve();
    },
    /** The person's choice: { audio, video }. */
    wanted() {
      return { ...want };
    },
  };
}

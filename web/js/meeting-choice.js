// The camera, microphone and speaker chosen in the meeting's settings, remembered in this
// browser (localStorage) for the next session and for the preview before joining. Only the
// browser's own device ids are kept (they are per site and say nothing about the person).
import { CAMERA } from './meeting-camera.js';

const KEY = 'confide.devices';
const KINDS = new Set(['camera', 'microphone', 'speaker']);

// what the meeting asks of any microphone
export const MICROPHONE = { echoCancellation: true, noiseSuppression: true };

/** The remembered choice: { camera, microphone, speaker } device ids, each may be missing. */
export function chosen() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return saved && typeof saved === 'object' ? saved : {};
  } catch {
    return {}; // no storage (private mode) or something unreadable: the browser's defaults
  }
}

/** Remembers `deviceId` for `kind` ('camera', 'microphone' or 'speaker'). */
export function choose(kind, deviceId) {
  if (!KINDS.has(kind) || typeof deviceId !== 'string') return;
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...chosen(), [kind]: deviceId }));
  } catch {
    // without storage the choice holds for this meeting only
  }
}

// `exact` for a device picked or remembered (browsers may take another one for `ideal`);
// withChoice falls back to `ideal` when the remembered one is gone.
function withDevice(base, deviceId, exact) {
  if (typeof deviceId !== 'string' || !deviceId) return base;
  return { ...base, deviceId: exact ? { exact: deviceId } : { ideal: deviceId } };
}

/** Runs `open(exact)` (a getUserMedia on cameraConstraints / microphoneConstraints) with the
 * remembered devices exactly; when one of them is not there any more (unplugged since), once
 * more with them only preferred, so the browser takes another. */
export async function withChoice(open) {
  try {
    return await open(true);
  } catch (err) {
    if (err?.name !== 'OverconstrainedError' && err?.name !== 'NotFoundError') throw err;
    return open(false);
  }
}

/** The camera at the meeting's size (CAMERA), on `deviceId` or the remembered camera. */
export function cameraConstraints(deviceId = chosen().camera, exact = false) {
  return withDevice(CAMERA, deviceId, exact);
}

/** The microphone, on `deviceId` or the remembered one. */
export function microphoneConstraints(deviceId = chosen().microphone, exact = false) {
  return withDevice(MICROPHONE, deviceId, exact);
}

// The therapist's alerts: a short sound and a browser notification when someone arrives in
// the waiting room or asks for support. Both work while the tab is hidden. Arrivals are
// rate-limited: however many people arrive within 10 s, there is one sound and one
// notification. Notifications never name anyone (they can show on a locked screen).

const ARRIVAL_QUIET_MS = 10000;
const SOUND_URL = '/sounds/arrival.wav';

let sound = null;
let lastArrivalAlert = -Infinity;
let soundsPlayed = 0;

function supported() {
  return typeof window.Notification === 'function';
}

/** Asks for permission to notify; call it from the host's click (a user gesture). */
export function askToNotify() {
  if (!supported() || Notification.permission !== 'default') return;
  try {
    const asked = Notification.requestPermission();
    if (asked && typeof asked.catch === 'function') asked.catch(() => {});
  } catch {
    // older browsers want a callback; without one there is simply no notification
  }
}

/** Loads the sound while the page has the person's click, so it may play later. */
export function prepareSound() {
  if (sound) return;
  sound = new Audio(SOUND_URL);
  sound.preload = 'auto';
}

function playSound() {
  soundsPlayed += 1;
  // the tests (and anyone curious) can see how many alert sounds this page made
  document.body.dataset.alertSounds = String(soundsPlayed);
  prepareSound();
  try {
    sound.currentTime = 0;
    const played = sound.play();
    if (played && typeof played.catch === 'function') played.catch(() => {});
  } catch {
    // no audio here: the notification and the page's own notice still tell
  }
}

function notify(title, body, tag) {
  if (!supported() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // some phones only notify from a service worker; the sound and the page still tell
  }
}

/**
 * Someone arrived in the waiting room. Returns true when this made a sound and notification,
 * false when an alert within the last 10 s already covered it.
 */
export function arrivalAlert(now = Date.now()) {
  if (now - lastArrivalAlert < ARRIVAL_QUIET_MS) return false;
  lastArrivalAlert = now;
  playSound();
  notify('Waiting room', 'Someone is waiting to be let in.', 'confide-arrival');
  return true;
}

/** A client asked for support: always a sound and a notification. */
export function supportAlert() {
  playSound();
  notify('Support requested', 'A client needs support. Open the session to see who.', 'confide-support');
}

// A signed-in page's watch over its sign-in: the page leaves once the server's idle
// timeout has passed since the last request that counted as activity, and when any
// request answers 401. Requests go through guard.call so they count.
import { api, errorCode, errorMessage, onRequest, SIGNED_OUT_KEY } from './api.js';

export function guardSignIn({ onError }) {
  let idleTimeoutMs = 0;
  let timer = 0;
  let leaving = false;

  function leave(url) {
    if (leaving) return;
    leaving = true;
    clearTimeout(timer);
    // nothing of the session stays on screen while the next page loads
    document.body.classList.add('loading');
    location.replace(url);
  }

  function signedOut(result) {
    if (errorCode(result) !== 'session_expired') {
      leave('/');
      return;
    }
    try {
      sessionStorage.setItem(SIGNED_OUT_KEY, errorMessage(result,
        'You were signed out after a time without activity. Please sign in again.'));
    } catch {
      // the sign-in page falls back to a general message
    }
    leave('/?signed_out=idle');
  }

  function schedule(ms) {
    clearTimeout(timer);
    if (!leaving) timer = setTimeout(check, Math.max(0, ms));
  }

  // Asks how long the sign-in has left without counting as activity (so another open
  // tab's checks never keep a sign-in alive); a 401 means it has ended.
  async function check() {
    if (leaving) return;
    const result = await api('GET', '/api/v1/session', undefined, { activity: false });
    if (result.status === 200) {
      onError('');
      const left = Number(result.data?.session?.idle_remaining_seconds);
      schedule(((Number.isFinite(left) ? left : 0) + 1) * 1000);
    } else if (result.status === 401) {
      signedOut(result);
    } else {
      onError(errorMessage(result));
      schedule(30000);
    }
  }

  onRequest(() => {
    if (idleTimeoutMs) schedule(idleTimeoutMs + 1000);
  });
  // timers sleep in background tabs and suspended laptops; look again when the page returns
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check();
  });

  return {
    get leaving() { return leaving; },
    leave,
    signedOut,
    /** Every request of the page: counts as activity; a 401 makes the page leave. */
    async call(method, path, body) {
      const result = await api(method, path, body);
      if (result.status === 401) signedOut(result);
      return result;
    },
    /** Starts the countdown from GET /api/v1/me's answer. */
    started(me) {
      const seconds = Number(me.session?.idle_timeout_seconds);
      if (Number.isFinite(seconds) && seconds > 0) idleTimeoutMs = seconds * 1000;
      if (idleTimeoutMs) schedule(idleTimeoutMs + 1000);
    },
  };
}

// Talks to the confide JSON API. Every call goes through api(), which tells its listeners
// when a request that counts as activity has finished: the server's idle timeout counts
// from the last such request, so the dashboard's automatic sign-out counts from it too.

const listeners = new Set();

const NETWORK_ERROR = {
  error: {
    code: 'network_error',
    message: 'The server could not be reached. Please check the connection and try again.',
  },
};

function touched() {
  const now = Date.now();
  for (const fn of listeners) fn(now);
}

/** Calls fn(time) after every request that counts as activity; returns a function that stops it. */
export function onRequest(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Sends one request. body, if given, is sent as JSON.
 * Resolves to { status, data }: data is the parsed JSON answer (or null when there is
 * none); status 0 means the server could not be reached (data then holds an error).
 * options.activity = false for requests the server does not count as activity
 * (GET /api/v1/session): they do not restart the idle countdown here either.
 */
export async function api(method, path, body, { activity = true } = {}) {
  const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    if (activity) touched();
    return { status: 0, data: NETWORK_ERROR };
  }
  let data = null;
  try {
    const text = await res.text();
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (activity) touched();
  return { status: res.status, data };
}

/** The person-readable message of an error answer, or fallback. */
export function errorMessage(result, fallback = 'Something went wrong. Please try again.') {
  const message = result?.data?.error?.message;
  return typeof message === 'string' && message ? message : fallback;
}

/** The error code of an error answer, or ''. */
export function errorCode(result) {
  const code = result?.data?.error?.code;
  return typeof code === 'string' ? code : '';
}

// The sign-in page shows why someone was signed out; the dashboard leaves the reason here.
export const SIGNED_OUT_KEY = 'confide.signedOutMessage';

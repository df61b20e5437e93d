// The sign-in page.
import { api, errorCode, errorMessage, SIGNED_OUT_KEY } from './api.js';
import { enrol } from './mfa.js';
import { say, setBusy } from './ui.js';

const form = document.getElementById('signin-form');
const email = document.getElementById('email');
const password = document.getElementById('password');
const error = document.getElementById('signin-error');
const signedOut = document.getElementById('signed-out');
const setupNotice = document.getElementById('setup-notice');
const mfaForm = document.getElementById('mfa-form');
const mfaCode = document.getElementById('mfa-code');
const mfaError = document.getElementById('mfa-error');
const enrolSection = document.getElementById('enrol');

const IDLE_MESSAGE =
  'You were signed out after a time without activity. Please sign in again.';

function showSignedOutReason() {
  const params = new URLSearchParams(location.search);
  let stored = null;
  try {
    stored = sessionStorage.getItem(SIGNED_OUT_KEY);
    sessionStorage.removeItem(SIGNED_OUT_KEY);
  } catch {
    // storage may be off; the generic message will do
  }
  if (params.get('signed_out') === 'idle') say(signedOut, stored || IDLE_MESSAGE);
}

// Where to go once signed in: the meeting page someone was sent here from (an old host link
// leads to sign-in), else the dashboard. Only a meeting path of this site: no open redirect.
function destination() {
  const next = new URLSearchParams(location.search).get('next') ?? '';
  return /^\/m\/\d+$/.test(next) ? next : '/dashboard';
}

async function checkState() {
  const [me, setup] = await Promise.all([api('GET', '/api/v1/me'), api('GET', '/api/v1/setup')]);
  if (me.status === 200) {
    location.replace(destination());
    return;
  }
  // an old sign-in that ran out while the page was closed: say so, once
  if (errorCode(me) === 'session_expired' && signedOut.hidden) say(signedOut, errorMessage(me));
  setupNotice.hidden = !(setup.status === 200 && setup.data?.setup_required === true);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  say(error, '');
  const body = { email: email.value.trim(), password: password.value };
  if (!body.email || !body.password) {
    say(error, 'Please enter your email address and your password.');
    (body.email ? password : email).focus();
    return;
  }
  setBusy(form, true);
  const result = await api('POST', '/api/v1/login', body);
  if (result.status === 200 && result.data?.mfa_required) {
    // the password was right; the code from the app comes next
    form.hidden = true;
    password.value = '';
    mfaForm.hidden = false;
    mfaCode.focus();
    return;
  }
  if (result.status === 200 && result.data?.mfa_enrolment_required) {
    form.hidden = true;
    password.value = '';
    enrol(enrolSection, () => location.assign('/dashboard'));
    return;
  }
  if (result.status === 200) {
    location.assign(destination());
    return;
  }
  setBusy(form, false);
  say(error, errorMessage(result));
  if (errorCode(result) === 'invalid_credentials') {
    password.value = '';
    password.focus();
  }
});

mfaForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  say(mfaError, '');
  const code = mfaCode.value.trim();
  if (!code) {
    say(mfaError, 'Please enter the code from your app, or a recovery code.');
    mfaCode.focus();
    return;
  }
  setBusy(mfaForm, true);
  const result = await api('POST', '/api/v1/login/mfa', { code });
  if (result.status === 200) {
    location.assign('/dashboard');
    return;
  }
  setBusy(mfaForm, false);
  say(mfaError, errorMessage(result));
  if (errorCode(result) === 'mfa_not_pending') {
    // five minutes went by: start over with the password
    mfaForm.hidden = true;
    form.hidden = false;
    say(error, errorMessage(result));
    password.focus();
    return;
  }
  mfaCode.select();
});

showSignedOutReason();
checkState();

// "Your account": changing the password (the other sign-ins end), signing out everywhere,
// and, with two-step sign-in on, a fresh set of recovery codes or turning it off.
import { errorMessage } from './api.js';
import { say } from './ui.js';
import { clearFieldErrors, showFieldErrors, whileBusy } from './dashboard-forms.js';

function showCodes(list, codes) {
  list.replaceChildren(...codes.map((c) => {
    const li = document.createElement('li');
    li.textContent = c;
    return li;
  }));
}

/**
 * call: the dashboard's request function (a 401 leaves the page); leave(url): leaves it;
 * onMfaChanged(): reload the two-step sign-in state.
 */
export function createAccount({ call, leave, onMfaChanged }) {
  const passwordForm = document.getElementById('password-form');
  const current = document.getElementById('password-current');
  const fresh = document.getElementById('password-new');
  const passwordError = document.getElementById('password-error');
  const passwordStatus = document.getElementById('password-status');
  const everywhere = document.getElementById('sign-out-everywhere');
  const everywhereError = document.getElementById('everywhere-error');

  passwordForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(passwordForm, passwordError);
    passwordStatus.textContent = '';
    if (!current.value || !fresh.value) {
      say(passwordError, 'Please enter your current password and a new one.');
      (current.value ? fresh : current).focus();
      return;
    }
    const body = { current_password: current.value, new_password: fresh.value };
    const submit = passwordForm.querySelector('button[type="submit"]');
    const result = await whileBusy(passwordForm, submit,
      () => call('POST', '/api/v1/me/password', body));
    if (result.status === 204) {
      current.value = '';
      fresh.value = '';
      passwordStatus.textContent = 'Your password is changed. Your other sign-ins have ended.';
      return;
    }
    if (!showFieldErrors(passwordForm, passwordError, result,
      [['current_password', current], ['new_password', fresh]]).length) current.focus();
  });

  everywhere.addEventListener('click', async () => {
    everywhere.disabled = true;
    say(everywhereError, '');
    const result = await call('POST', '/api/v1/me/sign-out-everywhere');
    if (result.status === 204) {
      leave('/');
      return;
    }
    everywhere.disabled = false;
    if (result.status !== 401) say(everywhereError, errorMessage(result));
  });

  const manage = document.getElementById('mfa-manage');
  const renewForm = document.getElementById('mfa-renew-form');
  const renewCode = document.getElementById('mfa-renew-code');
  const renewError = document.getElementById('mfa-renew-error');
  const renewCodes = document.getElementById('mfa-renew-codes');
  const renewList = document.getElementById('mfa-renew-list');
  const renewSaved = document.getElementById('mfa-renew-saved');
  const off = document.getElementById('mfa-off');
  const offForm = document.getElementById('mfa-off-form');
  const offPassword = document.getElementById('mfa-off-password');
  const offCode = document.getElementById('mfa-off-code');
  const offError = document.getElementById('mfa-off-error');

  renewForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    say(renewError, '');
    const code = renewCode.value.replace(/\s/g, '');
    if (!/^\d{6}$/.test(code)) {
      say(renewError, 'Please enter the 6-digit code your app shows.');
      renewCode.focus();
      return;
    }
    const submit = renewForm.querySelector('button[type="submit"]');
    const result = await whileBusy(renewForm, submit,
      () => call('POST', '/api/v1/me/mfa/recovery-codes', { code }));
    if (result.status !== 200) {
      say(renewError, errorMessage(result));
      renewCode.select();
      return;
    }
    renewCode.value = '';
    renewForm.hidden = true;
    showCodes(renewList, result.data.recovery_codes);
    renewCodes.hidden = false;
    renewSaved.focus();
  });

  renewSaved.addEventListener('click', () => {
    renewList.replaceChildren();
    renewCodes.hidden = true;
    renewForm.hidden = false;
    onMfaChanged();
  });

  offForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(offForm, offError);
    if (!offPassword.value || !offCode.value.trim()) {
      say(offError, 'Please enter your password and a code.');
      (offPassword.value ? offCode : offPassword).focus();
      return;
    }
    const body = { password: offPassword.value, code: offCode.value.trim() };
    const submit = offForm.querySelector('button[type="submit"]');
    const result = await whileBusy(offForm, submit,
      () => call('POST', '/api/v1/me/mfa/remove', body));
    if (result.status === 204) {
      offPassword.value = '';
      offCode.value = '';
      onMfaChanged();
      return;
    }
    if (!showFieldErrors(offForm, offError, result,
      [['password', offPassword], ['code', offCode]]).length) offCode.focus();
  });

  // what GET /api/v1/me/mfa said: the two forms show while it is on, turning off only
  // where the practice does not require it
  function mfaState(m) {
    manage.hidden = !m?.totp;
    off.hidden = !m?.totp || m.required;
  }

  return { mfaState };
}

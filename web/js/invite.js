// An invited practitioner chooses a password. The link's one-time token is in the fragment
// (#...), which browsers never send to the server as part of the address; the page sends it
// in the body instead.
import { api, errorMessage } from './api.js';
import { ready, say, sayWithLink, setBusy } from './ui.js';
import { clearFieldErrors, showFieldErrors } from './dashboard-forms.js';

const form = document.getElementById('invite-form');
const intro = document.getElementById('invite-intro');
const status = document.getElementById('invite-status');
const error = document.getElementById('invite-error');
const email = document.getElementById('invite-email');
const password = document.getElementById('invite-password');
const repeat = document.getElementById('invite-repeat');

const token = decodeURIComponent(location.hash.replace(/^#/, ''));

function done(text) {
  form.hidden = true;
  sayWithLink(status, text, 'Go to sign in', '/');
}

async function start() {
  if (!token) {
    ready();
    say(status, 'This page needs the link from your invitation mail. Open that link (it ends ' +
      'with # and a code) in this browser.');
    return;
  }
  const result = await api('POST', '/api/v1/invitations/lookup', { token });
  ready();
  if (result.status !== 200) {
    say(status, errorMessage(result, 'This invitation could not be read. Please reload the page.'));
    return;
  }
  intro.textContent = `Welcome, ${result.data.name}. Choose the password you will sign in to ` +
    `${result.data.practice_name} with.`;
  email.value = result.data.email;
  form.hidden = false;
  password.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFieldErrors(form, error);
  if (!password.value) {
    say(error, 'Please choose a password.');
    password.focus();
    return;
  }
  if (password.value !== repeat.value) {
    say(error, 'The two passwords are not the same.');
    repeat.focus();
    return;
  }
  setBusy(form, true);
  const result = await api('POST', '/api/v1/invitations/accept', { token, password: password.value });
  setBusy(form, false);
  if (result.status === 200) {
    password.value = '';
    repeat.value = '';
    done('Your password is set. You can sign in now.');
    return;
  }
  if (result.status === 410 || result.status === 404) {
    done(errorMessage(result));
    return;
  }
  if (!showFieldErrors(form, error, result, [['password', password]]).length) password.focus();
});

start();

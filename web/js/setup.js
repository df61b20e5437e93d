// First-run setup: the link confide prints at start carries a one-time token in the
// fragment (#...), which browsers never send to the server as part of the address.
import { api, errorCode, errorMessage } from './api.js';
import { ready, say, sayWithLink, setBusy } from './ui.js';
import { clearFieldErrors, showFieldErrors } from './dashboard-forms.js';

const form = document.getElementById('setup-form');
const intro = document.getElementById('setup-intro');
const status = document.getElementById('setup-status');
const error = document.getElementById('setup-error');
const fields = {
  name: document.getElementById('name'),
  email: document.getElementById('email'),
  password: document.getElementById('password'),
};

const token = decodeURIComponent(location.hash.replace(/^#/, ''));

function showSetUp(text) {
  form.hidden = true;
  intro.hidden = true;
  sayWithLink(status, text, 'Go to sign in', '/');
}

async function start() {
  const setup = await api('GET', '/api/v1/setup');
  ready();
  if (setup.status !== 200) {
    say(status, errorMessage(setup, 'The server could not say whether it is set up. Please reload the page.'));
    return;
  }
  if (!setup.data?.setup_required) {
    showSetUp('This server is set up already.');
    return;
  }
  if (!token) {
    say(status, 'This page needs the setup link that confide printed when it started. ' +
      'Open that link (it ends with # and a code) in this browser.');
    return;
  }
  intro.hidden = false;
  form.hidden = false;
  fields.name.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFieldErrors(form, error);
  const body = {
    setup_token: token,
    name: fields.name.value.trim(),
    email: fields.email.value.trim(),
    password: fields.password.value,
  };
  // an empty field goes to the server too: it answers every problem at once
  setBusy(form, true);
  const result = await api('POST', '/api/v1/setup', body);
  if (result.status === 201) {
    location.replace('/dashboard');
    return;
  }
  setBusy(form, false);
  const code = errorCode(result);
  if (code === 'already_set_up') {
    showSetUp(errorMessage(result, 'This server is set up already.'));
    return;
  }
  showFieldErrors(form, error, result,
    [['name', fields.name], ['email', fields.email], ['password', fields.password]]);
});

start();

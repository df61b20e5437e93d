// "Team", for administrators: the practice's accounts (role, status, two-step sign-in) with
// their actions, and inviting a practitioner. The server keeps the rules (the last
// administrator stays); the page shows its refusals.
import { errorMessage } from './api.js';
import { el, isAdmin, say } from './ui.js';
import {
  clearFieldErrors, clearMarkOnInput, showFieldErrors, whileBusy,
} from './dashboard-forms.js';

const STATUS = { active: 'active', invited: 'invited, no password yet', disabled: 'disabled' };
const ROLE = { admin: 'Administrator', therapist: 'Therapist' };

export function createTeam({ data, call }) {
  const section = document.getElementById('team');
  const jump = document.getElementById('team-jump');
  const error = document.getElementById('team-error');
  const status = document.getElementById('team-status');
  const list = document.getElementById('team-list');
  const form = document.getElementById('team-invite-form');
  const name = document.getElementById('team-name');
  const email = document.getElementById('team-email');
  const role = document.getElementById('team-role');
  const formError = document.getElementById('team-invite-error');
  const linkBox = document.getElementById('team-link');
  const linkText = document.getElementById('team-link-text');
  const linkUrl = document.getElementById('team-link-url');
  const submit = form.querySelector('button[type="submit"]');
  let users = [];

  clearMarkOnInput(form);

  function button(text, onClick) {
    const b = el('button', 'button quiet', text);
    b.type = 'button';
    b.addEventListener('click', () => onClick(b));
    return b;
  }

  // One action on one account; its answer is the account as it is now.
  async function act(b, method, path, body, done) {
    b.disabled = true;
    say(error, '');
    status.textContent = '';
    const result = await call(method, path, body);
    b.disabled = false;
    if (result.status >= 400) {
      if (result.status !== 401) say(error, errorMessage(result));
      return;
    }
    await load();
    status.textContent = done;
  }

  function render() {
    list.replaceChildren(...users.map((u) => {
      const li = el('li');
      li.dataset.userId = String(u.id);
      const you = data.user && u.id === data.user.id ? ' (you)' : '';
      li.append(el('p', 'dash-client-name', `${u.name}${you}`),
        el('p', 'dash-client-detail', u.email),
        el('p', 'dash-client-detail', `${ROLE[u.role] ?? u.role} · ${STATUS[u.status] ?? u.status}` +
          ` · two-step sign-in ${u.mfa ? 'on' : 'off'}`));
      const actions = el('div', 'dash-team-actions');
      const base = `/api/v1/users/${u.id}`;
      const other = isAdmin(u) ? 'therapist' : 'admin';
      actions.append(button(isAdmin(u) ? 'Make therapist' : 'Make administrator',
        (b) => act(b, 'PATCH', base, { role: other }, `${u.name} is now ${ROLE[other].toLowerCase()}.`)));
      if (u.status === 'disabled') {
        actions.append(button('Enable', (b) => act(b, 'POST', `${base}/enable`, undefined,
          `${u.name} can sign in again.`)));
      } else {
        actions.append(button('Disable', (b) => act(b, 'POST', `${base}/disable`, undefined,
          `${u.name} is disabled; their sign-ins have ended.`)));
      }
      if (u.mfa) {
        actions.append(button('Reset two-step sign-in', (b) => act(b, 'DELETE', `${base}/mfa`,
          undefined, `${u.name} signs in with the password alone until they set it up again.`)));
      }
      li.append(actions);
      return li;
    }));
  }

  async function load() {
    const result = await call('GET', '/api/v1/users');
    if (result.status === 200 && Array.isArray(result.data?.users)) {
      users = result.data.users;
      render();
      return;
    }
    if (result.status !== 401) say(error, errorMessage(result, 'The team could not be loaded.'));
  }

  // Only administrators see the section (the server refuses the others anyway).
  function start() {
    const admin = isAdmin(data.user);
    section.hidden = !admin;
    jump.hidden = !admin;
    if (admin) load();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, formError);
    linkBox.hidden = true;
    const body = { name: name.value.trim(), email: email.value.trim(), role: role.value };
    const result = await whileBusy(form, submit, () => call('POST', '/api/v1/users', body));
    if (result.status === 201 && result.data?.invitation) {
      linkText.textContent = `The invitation was mailed to ${body.email}. You can also pass ` +
        'this link on yourself:';
      linkUrl.value = result.data.invitation.url;
      linkBox.hidden = false;
      name.value = '';
      email.value = '';
      role.value = 'therapist';
      await load();
      return;
    }
    showFieldErrors(form, formError, result, [['name', name], ['email', email], ['role', role]]);
  });

  return { start };
}

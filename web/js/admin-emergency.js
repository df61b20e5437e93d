// Emergency access: find another practitioner's client in the roster (names only), say
// why, and see their record for the hour the server grants.
import { errorMessage } from './api.js';
import { say, setBusy } from './ui.js';
import { clearFieldErrors, showFieldErrors } from './dashboard-forms.js';

export function createEmergency({ call }) {
  const filter = document.getElementById('roster-filter');
  const list = document.getElementById('roster');
  const empty = document.getElementById('roster-empty');
  const error = document.getElementById('roster-error');
  const form = document.getElementById('emergency-form');
  const formTitle = document.getElementById('emergency-form-title');
  const reason = document.getElementById('emergency-reason');
  const formError = document.getElementById('emergency-error');
  const record = document.getElementById('emergency-record');
  let roster = [];
  let chosen = null;

  function render() {
    const q = filter.value.trim().toLowerCase();
    const shown = roster.filter((c) => !q || c.name.toLowerCase().includes(q));
    list.replaceChildren(...shown.map((c) => {
      const li = document.createElement('li');
      li.className = 'dash-client';
      const name = document.createElement('span');
      name.textContent = c.name;
      const whose = document.createElement('span');
      whose.className = 'hint';
      whose.textContent = ` · ${c.therapist_name ?? 'another practitioner'}'s client`;
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'button quiet';
      open.textContent = 'Open with a reason…';
      open.setAttribute('aria-label', `Open ${c.name}'s record with a reason`);
      open.addEventListener('click', () => choose(c));
      li.append(name, whose, open);
      return li;
    }));
    empty.hidden = roster.length > 0;
  }

  function choose(c) {
    chosen = c;
    formTitle.textContent = `Open ${c.name}'s record`;
    form.hidden = false;
    record.hidden = true;
    clearFieldErrors(form, formError);
    reason.value = '';
    reason.focus();
  }

  function field(dl, label, value) {
    if (!value) return;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dl.append(dt, dd);
  }

  function showRecord(client, until) {
    document.getElementById('emergency-record-title').textContent = client.name;
    const dl = document.getElementById('emergency-record-fields');
    dl.replaceChildren();
    field(dl, 'Email', client.email);
    field(dl, 'Phone', client.phone);
    field(dl, 'Time zone', client.time_zone);
    const ec = client.emergency_contact;
    if (ec) {
      const who = [ec.name, ec.relationship && `(${ec.relationship})`].filter(Boolean).join(' ');
      field(dl, 'Emergency contact', [who, ec.phone].filter(Boolean).join(' · '));
    }
    const time = new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    say(document.getElementById('emergency-record-until'),
      `Open to you until ${time}; after that, ask again with a reason.`);
    record.hidden = false;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!chosen) return;
    clearFieldErrors(form, formError);
    setBusy(form, true);
    const result = await call('POST', `/api/v1/clients/${chosen.id}/emergency-access`,
      { reason: reason.value.trim() });
    setBusy(form, false);
    if (result.status !== 201) {
      showFieldErrors(form, formError, result, [['reason', reason]]);
      return;
    }
    form.hidden = true;
    showRecord(result.data.client, result.data.emergency_access.expires_at);
  });

  document.getElementById('emergency-cancel').addEventListener('click', () => {
    form.hidden = true;
    chosen = null;
  });
  filter.addEventListener('input', render);

  return {
    async load() {
      const result = await call('GET', '/api/v1/practice/clients');
      if (result.status !== 200) {
        say(error, errorMessage(result));
        return;
      }
      roster = result.data.clients;
      render();
    },
  };
}

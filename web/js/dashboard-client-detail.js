// One client, opened from the client list: how to reach them (and a form to correct it),
// the groups they belong to, their sessions to come with their own link (copy it, or email
// the invitation again), and whether they came to the sessions that have passed.
import { errorMessage } from './api.js';
import { copyText, el, say, zoneName } from './ui.js';
import { fillZoneSelect, formatSpan } from './dashboard-time.js';
import { clearFieldErrors, clearMarkOnInput, showFieldErrors, whileBusy } from './dashboard-forms.js';
import { clientCareParts } from './care-parts.js';
import { statusWords } from './care-attendance.js';

const SHOWN = 5; // sessions to come, and past ones, listed at most

let formCount = 0; // ids for the labels of each detail's form

// Every occurrence of every session this client is invited to, with the session and their
// link, soonest first.
function occurrencesOf(data, client) {
  const out = [];
  for (const session of data.sessions) {
    const invite = (session.invites ?? []).find((i) => i.client_id === client.id);
    if (!invite || session.status === 'cancelled') continue;
    for (const occ of session.occurrences ?? []) {
      if (occ.cancelled_at) continue;
      out.push({ session, occ, invite, starts: Date.parse(occ.starts_at), ends: Date.parse(occ.ends_at) });
    }
  }
  return out.sort((a, b) => a.starts - b.starts);
}

export function clientDetail(client, { data, call, onChanged }) {
  const box = el('div', 'dash-detail');
  const status = el('p', 'dash-status');
  status.setAttribute('role', 'status');

  // ---- how to reach them, and the form to correct it ----
  const contact = el('dl', 'dash-session-meta');
  const fact = (term, value) => {
    if (!value) return;
    const row = el('div');
    row.append(el('dt', '', term), el('dd', '', value));
    contact.append(row);
  };
  fact('Email', client.email);
  fact('Phone', client.phone);
  fact('Time zone', client.time_zone && zoneName(client.time_zone));

  const edit = el('button', 'button quiet', 'Edit details');
  edit.type = 'button';
  const form = el('form', 'form dash-detail-form');
  form.noValidate = true;
  form.hidden = true;
  const id = `client-edit-${++formCount}`;
  const field = (label, control, name) => {
    const wrap = el('div', 'field');
    control.id = `${id}-${name}`;
    control.name = name;
    const l = el('label', '', label);
    l.htmlFor = control.id;
    wrap.append(l, control);
    form.append(wrap);
    return control;
  };
  const input = (type, value) => {
    const i = document.createElement('input');
    i.type = type;
    i.value = value ?? '';
    i.autocomplete = 'off';
    return i;
  };
  const name = field('Name', input('text', client.name), 'name');
  const email = field('Email', input('email', client.email), 'email');
  const phone = field('Phone (optional)', input('tel', client.phone), 'phone');
  const zone = field('Time zone', document.createElement('select'), 'time_zone');
  fillZoneSelect(zone, client.time_zone);
  const formError = el('p', 'alert');
  formError.setAttribute('role', 'alert');
  formError.hidden = true;
  const save = el('button', 'button primary', 'Save');
  save.type = 'submit';
  const cancel = el('button', 'button quiet', 'Cancel');
  cancel.type = 'button';
  const row = el('div', 'button-row');
  row.append(save, cancel);
  form.append(formError, row);
  clearMarkOnInput(form);

  edit.addEventListener('click', () => {
    form.hidden = false;
    edit.hidden = true;
    name.focus();
  });
  cancel.addEventListener('click', () => {
    form.hidden = true;
    edit.hidden = false;
    clearFieldErrors(form, formError);
    edit.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, formError);
    const body = { name: name.value.trim(), email: email.value.trim(), time_zone: zone.value,
      phone: phone.value.trim() || null }; // null clears it
    const result = await whileBusy(form, save, () => call('PATCH', `/api/v1/clients/${client.id}`, body));
    if (result.status === 200 && result.data?.client) {
      Object.assign(client, result.data.client);
      onChanged?.(client, 'Saved.');
      return;
    }
    showFieldErrors(form, formError, result, [
      ['name', name], ['email', email], ['phone', phone], ['time_zone', zone],
    ]);
  });

  // ---- groups ----
  const groups = data.groups.filter((g) => (g.members ?? []).includes(client.id)).map((g) => g.name);
  const groupsLine = el('p', 'dash-client-detail',
    groups.length ? `Groups: ${groups.sort((a, b) => a.localeCompare(b)).join(', ')}` : 'In no group');

  // ---- sessions to come: their link ----
  const now = Date.now();
  const all = occurrencesOf(data, client);
  const coming = all.filter((o) => o.ends > now).slice(0, SHOWN);
  const comingList = el('ul', 'dash-detail-list');
  for (const o of coming) {
    const li = el('li');
    li.append(el('p', 'dash-client-name', formatSpan(o.starts, o.ends)),
      el('p', 'dash-client-detail', o.session.title));
    const actions = el('div', 'button-row');
    if (o.invite.url) {
      const copy = el('button', 'button quiet', 'Copy their link');
      copy.type = 'button';
      copy.addEventListener('click', async () => {
        say(status, await copyText(o.invite.url)
          ? `Copied ${client.name}'s link.` : `Copying did not work. Their link: ${o.invite.url}`);
      });
      actions.append(copy);
    }
    const resend = el('button', 'button quiet', 'Email the invitation again');
    resend.type = 'button';
    resend.addEventListener('click', async () => {
      resend.disabled = true;
      const result = await call('POST', `/api/v1/sessions/${o.session.id}/invites/${client.id}/resend`);
      resend.disabled = false;
      say(status, result.status === 202
        ? `The invitation is on its way to ${client.email} again.`
        : errorMessage(result, 'The invitation could not be sent. Please try again.'));
    });
    actions.append(resend);
    li.append(actions);
    comingList.append(li);
  }
  const comingPart = el('div');
  comingPart.append(el('h4', 'dash-detail-heading', 'Sessions to come'));
  if (coming.length) comingPart.append(comingList);
  else comingPart.append(el('p', 'hint', 'No sessions booked.'));

  // ---- sessions that have passed: did they come? (read when shown: an audited read) ----
  const past = all.filter((o) => o.ends <= now).slice(-SHOWN).reverse();
  const pastPart = el('div');
  if (past.length) {
    pastPart.append(el('h4', 'dash-detail-heading', 'Past sessions'));
    const pastList = el('ul', 'dash-detail-list');
    pastPart.append(pastList);
    (async () => {
      // the server's status at each (attended, late, left early, no-show: care-attendance.js)
      const result = await call('GET', `/api/v1/clients/${client.id}/attendance`);
      for (const o of past) {
        const occ = result.status === 200
          ? result.data?.occurrences?.find((x) => x.occurrence_id === o.occ.id) : null;
        const li = el('li');
        li.append(el('p', 'dash-client-name', formatSpan(o.starts, o.ends)),
          el('p', 'dash-client-detail', `${o.session.title} · ` +
            (occ ? statusWords(occ.status) : 'attendance not available')));
        pastList.append(li);
      }
    })();
  }

  box.append(contact, edit, form, groupsLine, comingPart, pastPart,
    ...clientCareParts(client, { data, call, onChanged }), status);
  return box;
}

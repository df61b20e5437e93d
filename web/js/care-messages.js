// Secure messages in the dashboard: a client's thread (send, see when they read each
// message, end the devices signed in to it) and a group's announcements (read by how many).
// The practitioner's availability note, shown to clients wherever they write, is edited
// here too. Reading a thread is an audited read and marks the client's messages read.
import { errorMessage } from './api.js';
import { el, say } from './ui.js';

const LIMIT_MESSAGE = 4000; // core/limits.h LIMIT_MESSAGE
const LIMIT_AVAILABILITY = 300; // core/limits.h LIMIT_AVAILABILITY

let partCount = 0; // ids for the labels of each part's fields

const when = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric',
  month: 'short', hour: '2-digit', minute: '2-digit' });
const at = (iso) => when.format(new Date(iso));

// A message's words as written: its line breaks kept, long words wrapped.
function messageBody(text) {
  const p = el('p', null, text);
  p.style.whiteSpace = 'pre-wrap';
  p.style.overflowWrap = 'anywhere';
  p.style.margin = '0.25rem 0 0';
  return p;
}

function textareaField(id, label, max) {
  const field = el('div', 'field');
  const lab = el('label', null, label);
  lab.htmlFor = id;
  const area = el('textarea');
  area.id = id;
  area.rows = 3;
  area.maxLength = max;
  field.append(lab, area);
  return { field, area };
}

// A form with one text box and a button; onSend(text) answers a result.
function sendForm(id, label, buttonText, onSend, status) {
  const form = el('form', 'form');
  form.noValidate = true;
  const { field, area } = textareaField(id, label, LIMIT_MESSAGE);
  const button = el('button', 'button primary', buttonText);
  button.type = 'submit';
  form.append(field, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!area.value.trim()) {
      say(status, 'Write the message first.');
      area.focus();
      return;
    }
    button.disabled = true;
    const ok = await onSend(area.value);
    button.disabled = false;
    if (ok) area.value = '';
  });
  return form;
}

function availabilityForm(call, status) {
  const n = ++partCount;
  const form = el('form', 'form');
  form.noValidate = true;
  const field = el('div', 'field');
  const lab = el('label', null, 'Your availability note');
  lab.htmlFor = `availability-${n}`;
  const input = el('input');
  input.id = `availability-${n}`;
  input.maxLength = LIMIT_AVAILABILITY;
  input.placeholder = 'I reply within two working days.';
  field.append(lab, input, el('p', 'hint', 'Clients see it wherever they write to you.'));
  const save = el('button', 'button quiet', 'Update the note');
  save.type = 'submit';
  form.append(field, save);
  call('GET', '/api/v1/me/availability').then((r) => {
    if (r.status === 200 && r.data.note && !input.value) input.value = r.data.note;
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    save.disabled = true;
    const r = await call('PUT', '/api/v1/me/availability', { note: input.value.trim() || null });
    save.disabled = false;
    say(status, r.status === 200 ? 'Your availability note is saved.'
      : errorMessage(r, 'The note could not be saved. Please try again.'));
  });
  return form;
}

export function clientMessages(client, { call }) {
  const n = ++partCount;
  const part = el('section', 'care-messages');
  part.dataset.part = 'messages';
  const heading = el('h4', 'dash-detail-heading', 'Secure messages');
  heading.id = `messages-heading-${n}`;
  part.setAttribute('aria-labelledby', heading.id);
  const list = el('ol', 'dash-detail-list care-thread');
  const empty = el('p', 'hint', 'No messages yet.');
  const devices = el('p', 'hint');
  const status = el('p', 'notice');
  status.setAttribute('role', 'status');
  status.hidden = true;

  function item(m) {
    const li = el('li');
    const mine = m.from === 'practitioner';
    let meta = `${mine ? 'You' : client.name} · ${at(m.created_at)}`;
    if (mine) meta += m.read_at ? ` · Read ${at(m.read_at)}` : ' · Not read yet';
    else if (!m.read_at) meta += ' · New';
    const metaLine = el('p', 'dash-client-detail', meta);
    metaLine.dataset.read = mine && m.read_at ? 'yes' : 'no';
    li.append(metaLine, messageBody(m.body));
    return li;
  }

  async function load() {
    const r = await call('GET', `/api/v1/clients/${client.id}/messages`);
    if (r.status !== 200) {
      say(status, errorMessage(r, 'The messages could not be loaded.'));
      return;
    }
    list.replaceChildren(...r.data.messages.map(item));
    empty.hidden = r.data.messages.length > 0;
    const d = r.data.signed_in_devices;
    devices.textContent = d ? `Signed in to their messages on ${d} device${d === 1 ? '' : 's'}.`
      : 'Not signed in to their messages on any device.';
    end.hidden = !d;
  }

  const form = sendForm(`message-text-${n}`, `Write to ${client.name}`, 'Send message', async (text) => {
    const r = await call('POST', `/api/v1/clients/${client.id}/messages`, { body: text });
    if (r.status !== 201) {
      say(status, errorMessage(r, 'The message could not be sent. Please try again.'));
      return false;
    }
    say(status, `Sent. ${client.name} gets an email saying a secure message is waiting — without its words.`);
    await load();
    return true;
  }, status);

  const end = el('button', 'button quiet', 'End their sign-ins');
  end.type = 'button';
  end.hidden = true;
  end.addEventListener('click', async () => {
    end.disabled = true;
    const r = await call('DELETE', `/api/v1/clients/${client.id}/inbox-sign-ins`);
    end.disabled = false;
    say(status, r.status === 200 ? `${client.name} is signed out of their messages on every device.`
      : errorMessage(r, 'That did not work. Please try again.'));
    await load();
  });

  const row = el('div', 'button-row');
  row.append(end);
  part.append(heading, list, empty, form, devices, row, availabilityForm(call, status), status);
  load();
  return part;
}

export function groupAnnouncements(group, { data, call }) {
  const n = ++partCount;
  const mine = !data.user || group.therapist_id === data.user.id; // co-facilitators read them
  const part = el('section', 'care-announcements');
  part.dataset.part = 'announcements';
  const heading = el('h4', 'dash-detail-heading', 'Announcements to members');
  const list = el('ol', 'dash-detail-list');
  const empty = el('p', 'hint', 'No announcements yet.');
  const status = el('p', 'notice');
  status.setAttribute('role', 'status');
  status.hidden = true;

  async function load() {
    const r = await call('GET', `/api/v1/groups/${group.id}/announcements`);
    if (r.status !== 200) {
      say(status, errorMessage(r, 'The announcements could not be loaded.'));
      return;
    }
    list.replaceChildren(...r.data.announcements.map((a) => {
      const li = el('li');
      li.append(el('p', 'dash-client-detail',
        `${at(a.created_at)} · read by ${a.reads} of ${r.data.members}`), messageBody(a.body));
      return li;
    }));
    empty.hidden = r.data.announcements.length > 0;
  }

  part.append(heading, list, empty);
  if (mine) {
    part.append(sendForm(`announcement-text-${n}`, 'Write to every member', 'Send to members',
      async (text) => {
        const r = await call('POST', `/api/v1/groups/${group.id}/announcements`, { body: text });
        if (r.status !== 201) {
          say(status, errorMessage(r, 'The announcement could not be sent. Please try again.'));
          return false;
        }
        say(status, 'Sent. Each member gets an email saying a secure message is waiting.');
        await load();
        return true;
      }, status));
  }
  part.append(status);
  load();
  return part;
}

// The dashboard's list of clients: "2 new messages" under each client with messages the
// practitioner has not read (not under one whose details are open: opening reads them).
export async function showUnread(list, call) {
  const r = await call('GET', '/api/v1/messages/unread');
  if (r.status !== 200) return;
  for (const old of list.querySelectorAll('[data-unread]')) old.remove();
  for (const { client_id: id, count } of r.data.clients) {
    const toggle = list.querySelector(`[data-client="${id}"]`);
    if (!toggle || toggle.getAttribute('aria-expanded') === 'true') continue;
    const badge = el('p', 'dash-client-detail', `${count} new message${count === 1 ? '' : 's'}`);
    badge.dataset.unread = String(count);
    badge.style.fontWeight = '600';
    toggle.after(badge);
  }
}

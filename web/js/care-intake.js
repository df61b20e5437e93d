// A group's intake, in its details: the public interest link (open one with up to five
// questions of the practitioner's own, copy it, turn it off) and the waitlist its form
// fills — read a request, add the person as a client and to the group, or decline it.
// Reading the waitlist is an audited read, made when the details open.
import { errorMessage } from './api.js';
import { browserZone, copyText, el, say } from './ui.js';

const MAX_QUESTIONS = 5;
const notes = new Map(); // what was last done, by group, said again after the details redraw

function linkPart(group, { call }, status, reload) {
  const box = el('div', 'care-intake-link');
  (async () => {
    const result = await call('GET', `/api/v1/groups/${group.id}/interest-link`);
    if (result.status !== 200) {
      box.append(el('p', 'hint', errorMessage(result, 'The interest link could not be loaded.')));
      return;
    }
    const link = result.data.link;
    if (link) {
      box.append(el('p', '', 'People can ask for a place through this link:'),
        el('p', 'dash-detail-text care-intake-url', link.url));
      if (link.questions.length) {
        const ol = el('ol', 'dash-detail-list');
        for (const q of link.questions) ol.append(el('li', '', q));
        box.append(el('p', 'hint', 'It asks:'), ol);
      }
      const copy = el('button', 'button quiet', 'Copy the link');
      copy.type = 'button';
      copy.addEventListener('click', async () => {
        say(status, await copyText(link.url) ? 'Copied the interest link.' : `Copying did not work. The link: ${link.url}`);
      });
      const off = el('button', 'button quiet', 'Turn the link off');
      off.type = 'button';
      off.addEventListener('click', async () => {
        off.disabled = true;
        const r = await call('DELETE', `/api/v1/groups/${group.id}/interest-link`);
        off.disabled = false;
        if (r.status === 204) {
          notes.set(group.id, 'The interest link is off: it no longer opens the form.');
          reload();
        } else say(status, errorMessage(r, 'The link could not be turned off. Please try again.'));
      });
      const actions = el('div', 'button-row');
      actions.append(copy, off);
      box.append(actions);
      return;
    }
    const form = el('form', 'form dash-detail-form');
    form.noValidate = true;
    form.append(el('p', 'hint', 'No interest link is open. Open one to let people ask for a place; you may ask up to five questions of your own.'));
    const inputs = [];
    for (let i = 0; i < MAX_QUESTIONS; i++) {
      const field = el('div', 'field');
      const label = el('label', '', `Question ${i + 1} (optional)`);
      const input = document.createElement('input');
      input.type = 'text';
      input.maxLength = 300;
      input.id = `interest-q-${group.id}-${i}`;
      label.htmlFor = input.id;
      field.append(label, input);
      form.append(field);
      inputs.push(input);
    }
    const open = el('button', 'button primary', 'Open an interest link');
    open.type = 'submit';
    form.append(open);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const questions = inputs.map((i) => i.value.trim()).filter(Boolean);
      open.disabled = true;
      const r = await call('POST', `/api/v1/groups/${group.id}/interest-link`, { questions });
      open.disabled = false;
      if (r.status === 201) {
        notes.set(group.id, 'The interest link is open. Copy it to share it.');
        reload();
      } else say(status, errorMessage(r, 'The link could not be opened. Please try again.'));
    });
    box.append(form);
  })();
  return box;
}

function entryItem(group, entry, { data, call, onChanged }, status, reload) {
  const li = el('li', 'care-intake-entry');
  const details = el('details');
  const when = new Date(entry.created_at).toLocaleDateString([], { day: 'numeric', month: 'short' });
  details.append(el('summary', '', `${entry.name} · asked ${when}`));
  const facts = el('dl', 'dash-session-meta');
  const fact = (term, value) => {
    if (!value) return;
    const row = el('div');
    row.append(el('dt', '', term), el('dd', '', value));
    facts.append(row);
  };
  fact('Email', entry.email);
  fact('Phone', entry.phone);
  const times = [...(entry.times?.parts ?? []), entry.times?.note].filter(Boolean).join('; ');
  fact('Times that suit', times || 'not said');
  for (const a of entry.answers ?? []) fact(a.question, a.answer || '(no answer)');
  details.append(facts);
  // invitations go by email: a request with a phone number only needs one to be taken in
  let email = null;
  if (!entry.email) {
    const field = el('div', 'field');
    email = document.createElement('input');
    email.type = 'email';
    email.id = `waitlist-email-${entry.id}`;
    email.maxLength = 254;
    const label = el('label', '', 'Their email address (needed to invite them to sessions)');
    label.htmlFor = email.id;
    field.append(label, email);
    details.append(field);
  }
  const add = el('button', 'button primary', 'Add as client and to the group');
  add.type = 'button';
  add.addEventListener('click', async () => {
    add.disabled = true;
    const r = await call('POST', `/api/v1/groups/${group.id}/waitlist/${entry.id}/accept`,
      { time_zone: browserZone(), ...(email ? { email: email.value.trim() } : {}) });
    add.disabled = false;
    if (r.status !== 201) {
      say(status, errorMessage(r, 'This request could not be taken in. Please try again.'));
      return;
    }
    const client = r.data.client;
    if (Array.isArray(data?.clients)) data.clients.push(client);
    if (Array.isArray(group.members)) group.members.push(client.id);
    notes.set(group.id, `${client.name} is now a client and a member of the group.`);
    if (onChanged) onChanged(); else reload();
  });
  const decline = el('button', 'button quiet', 'Decline');
  decline.type = 'button';
  decline.addEventListener('click', async () => {
    decline.disabled = true;
    const r = await call('DELETE', `/api/v1/groups/${group.id}/waitlist/${entry.id}`);
    decline.disabled = false;
    if (r.status !== 204) {
      say(status, errorMessage(r, 'This request could not be declined. Please try again.'));
      return;
    }
    notes.set(group.id, `${entry.name}'s request is declined and gone from the waitlist.`);
    reload();
  });
  const actions = el('div', 'button-row');
  actions.append(add, decline);
  details.append(actions);
  li.append(details);
  return li;
}

export function groupIntake(group, ctx) {
  const box = el('section', 'care-intake');
  const status = el('p', 'dash-status');
  status.setAttribute('role', 'status');
  const body = el('div');
  const draw = () => {
    body.replaceChildren(el('h4', 'dash-detail-heading', 'Interest link'),
      linkPart(group, ctx, status, draw), el('h4', 'dash-detail-heading', 'Waitlist'), waitlist());
    if (notes.has(group.id)) {
      say(status, notes.get(group.id));
      notes.delete(group.id);
    }
  };
  const waitlist = () => {
    const part = el('div');
    const line = el('p', 'hint', 'Loading the waitlist…');
    part.append(line);
    (async () => {
      const result = await ctx.call('GET', `/api/v1/groups/${group.id}/waitlist`);
      if (result.status !== 200) {
        say(line, errorMessage(result, 'The waitlist could not be loaded.'));
        return;
      }
      const entries = result.data.entries ?? [];
      if (!entries.length) {
        say(line, 'Nobody is waiting for a place.');
        return;
      }
      say(line, entries.length === 1 ? 'One person asked for a place.' : `${entries.length} people asked for a place.`);
      const ul = el('ul', 'dash-detail-list');
      for (const e of entries) ul.append(entryItem(group, e, ctx, status, draw));
      part.append(ul);
    })();
    return part;
  };
  draw();
  box.append(body, status);
  return box;
}

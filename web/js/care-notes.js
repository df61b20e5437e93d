// Private notes: the practitioner's notes about a session — one for each client who was
// there and, for a group, one for the group. A note follows a template (SOAP, DAP or free
// text); its draft is saved while it is typed; "Sign note" locks it, after which only an
// addendum can be added. Two parts: the notes editor, opened for one occurrence (from the
// calendar's session details, or from a note in a client's details), and the list of a
// client's notes in their details.
import { errorMessage } from './api.js';
import { el, say } from './ui.js';
import { formatSpan } from './dashboard-time.js';

const SAVE_AFTER_MS = 800; // a pause in typing
const RETRY_AFTER_MS = 3000;

const TEMPLATE_LABELS = { soap: 'SOAP', dap: 'DAP', free: 'Free text' };

function button(text, className = 'button quiet') {
  const b = el('button', className, text);
  b.type = 'button';
  return b;
}

function dateText(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

let uid = 0;
const nextId = (prefix) => `${prefix}-${++uid}`;

// ---- one note: a draft to write, or a signed note to read and add to ----

function noteView(initial, { call, heading, onChanged }) {
  let note = initial;
  const box = el('section', 'notes-note');
  const headingId = nextId('note-heading');
  box.setAttribute('aria-labelledby', headingId);
  box.dataset.noteId = String(note.id);

  // draft state: the sections changed since the last save, one save at a time
  const dirty = new Map();
  let timer = null;
  let saving = null;
  let stopped = false; // a conflict or a signature: nothing more is saved from here

  function render() {
    clearTimeout(timer);
    const h = el('h3', 'notes-note-title', heading);
    h.id = headingId;
    const meta = el('p', 'hint notes-meta');
    const kind = TEMPLATE_LABELS[note.template] ?? note.template;
    meta.textContent = note.signed
      ? `${kind} · Signed by ${note.signed_by?.name ?? 'a colleague'} on ${dateText(note.signed_at)}`
      : `${kind} · Draft by ${note.author?.name ?? 'a colleague'}`;
    box.replaceChildren(h, meta, ...(note.signed ? signedParts() : draftParts()));
  }

  // -- the draft --
  function draftParts() {
    const mine = note.mine;
    const state = el('p', 'notes-save-state');
    state.setAttribute('role', 'status');
    state.setAttribute('aria-live', 'polite');
    const error = el('p', 'alert');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const reload = button('Reload this note');
    reload.hidden = true;
    const form = el('form', 'form notes-form');
    form.noValidate = true;
    form.addEventListener('submit', (e) => e.preventDefault());
    for (const s of note.sections) {
      const f = el('div', 'field');
      const id = nextId(`note-${note.id}-${s.key}`);
      const label = el('label', '', s.label);
      label.htmlFor = id;
      const area = el('textarea', 'notes-section');
      area.id = id;
      area.name = s.key;
      area.rows = note.template === 'free' ? 10 : 4;
      area.maxLength = 10000;
      area.value = s.text;
      area.readOnly = !mine;
      area.addEventListener('input', () => {
        dirty.set(s.key, area.value);
        show('Not saved yet');
        schedule(SAVE_AFTER_MS);
      });
      f.append(label, area);
      form.append(f);
    }

    function show(text) {
      state.textContent = text;
    }

    function schedule(ms) {
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(save, ms);
    }

    async function save() {
      if (stopped || saving || dirty.size === 0) return saving;
      const sections = Object.fromEntries(dirty);
      dirty.clear();
      show('Saving…');
      saving = call('PATCH', `/api/v1/notes/${note.id}`, { version: note.version, sections });
      const result = await saving;
      saving = null;
      if (result.status === 200) {
        note = result.data.note; // the textareas keep what was typed since
        onChanged?.();
        if (dirty.size) schedule(0);
        else show('Saved');
        return result;
      }
      // what did not go: kept, and sent again with what comes next
      for (const [k, v] of Object.entries(sections)) if (!dirty.has(k)) dirty.set(k, v);
      const code = result.data?.error?.code;
      if (code === 'version_conflict') {
        stopped = true;
        show('Not saved');
        say(error, `${errorMessage(result)} What you typed here since is not saved: copy it first if you need it.`);
        reload.hidden = false;
      } else if (code === 'note_signed') {
        stopped = true;
        await refresh(errorMessage(result));
      } else if (result.status === 0 || result.status >= 500 || result.status === 429) {
        show('Not saved — retrying');
        schedule(RETRY_AFTER_MS);
      } else {
        stopped = true;
        show('Not saved');
        say(error, errorMessage(result));
      }
      return result;
    }

    reload.addEventListener('click', () => {
      dirty.clear();
      stopped = false;
      refresh('');
    });

    const parts = [state, error, reload, form];
    if (!mine) {
      parts.push(el('p', 'hint', 'Only the person who wrote this draft changes or signs it.'));
      return parts;
    }
    // signing: the last words saved first, then a confirmation
    const sign = button('Sign note', 'button primary');
    const confirm = el('div', 'notes-confirm');
    confirm.hidden = true;
    const confirmText = el('p', '', 'Signing locks this note for good: it can no longer be changed, only added to with an addendum.');
    const yes = button('Sign and lock', 'button primary');
    const no = button('Keep writing');
    const confirmRow = el('div', 'notes-actions');
    confirmRow.append(yes, no);
    confirm.append(confirmText, confirmRow);
    sign.addEventListener('click', () => {
      confirm.hidden = false;
      sign.hidden = true;
      yes.focus();
    });
    no.addEventListener('click', () => {
      confirm.hidden = true;
      sign.hidden = false;
      sign.focus();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      clearTimeout(timer);
      if (saving) await saving;
      if (dirty.size) await save();
      if (stopped || dirty.size) {
        yes.disabled = false;
        return;
      }
      const result = await call('POST', `/api/v1/notes/${note.id}/sign`, { version: note.version });
      yes.disabled = false;
      if (result.status === 200) {
        stopped = true;
        note = result.data.note;
        onChanged?.();
        render();
        box.querySelector('h3').focus?.();
        return;
      }
      say(error, errorMessage(result));
      if (result.data?.error?.code === 'version_conflict') reload.hidden = false;
    });
    parts.push(sign, confirm);
    return parts;
  }

  // -- signed: read only, and its addenda --
  function signedParts() {
    const body = el('div', 'notes-signed');
    for (const s of note.sections) {
      body.append(el('h4', 'dash-detail-heading', s.label),
        el('p', 'dash-detail-text', s.text || '—'));
    }
    const addenda = el('div', 'notes-addenda');
    if (note.addenda.length) {
      addenda.append(el('h4', 'dash-detail-heading', 'Addenda'));
      const list = el('ul', 'dash-detail-list');
      for (const a of note.addenda) {
        const li = el('li', 'notes-addendum');
        li.append(el('p', 'dash-detail-text', a.text),
          el('p', 'hint', `${a.author?.name ?? 'A colleague'}, ${dateText(a.created_at)}`));
        list.append(li);
      }
      addenda.append(list);
    }
    const add = button('Add an addendum');
    const form = el('form', 'form notes-form');
    form.noValidate = true;
    form.hidden = true;
    const f = el('div', 'field');
    const id = nextId(`note-${note.id}-addendum`);
    const label = el('label', '', 'Addendum');
    label.htmlFor = id;
    const area = el('textarea');
    area.id = id;
    area.rows = 3;
    area.maxLength = 5000;
    const hint = el('p', 'hint', 'An addendum is kept with your name and the time, and cannot be changed afterwards.');
    f.append(label, area, hint);
    const error = el('p', 'alert');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const submit = el('button', 'button primary', 'Add addendum');
    submit.type = 'submit';
    const cancel = button('Cancel');
    const row = el('div', 'notes-actions');
    row.append(submit, cancel);
    form.append(f, error, row);
    add.addEventListener('click', () => {
      form.hidden = false;
      add.hidden = true;
      area.focus();
    });
    cancel.addEventListener('click', () => {
      form.hidden = true;
      add.hidden = false;
      add.focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!area.value.trim()) {
        say(error, 'Write the addendum first.');
        area.focus();
        return;
      }
      submit.disabled = true;
      const result = await call('POST', `/api/v1/notes/${note.id}/addenda`, { text: area.value });
      submit.disabled = false;
      if (result.status === 201) {
        note = result.data.note;
        onChanged?.();
        render();
        return;
      }
      say(error, errorMessage(result));
    });
    return [body, addenda, add, form];
  }

  async function refresh(message) {
    const result = await call('GET', `/api/v1/notes/${note.id}`);
    if (result.status === 200) {
      note = result.data.note;
      render();
      if (message) {
        const p = el('p', 'alert', message);
        p.setAttribute('role', 'alert');
        box.insertBefore(p, box.children[2] ?? null);
      }
    }
  }

  render();
  return box;
}

// ---- a slot with no note yet: choose a template and start ----

function startView({ heading, templates, onStart }) {
  const box = el('section', 'notes-note');
  const h = el('h3', 'notes-note-title', heading);
  h.id = nextId('note-heading');
  box.setAttribute('aria-labelledby', h.id);
  const form = el('form', 'form notes-form');
  form.noValidate = true;
  const f = el('div', 'field');
  const id = nextId('note-template');
  const label = el('label', '', 'Template');
  label.htmlFor = id;
  const select = el('select');
  select.id = id;
  for (const t of templates) {
    const o = el('option', '', `${TEMPLATE_LABELS[t.name] ?? t.name} (${t.sections.map((s) => s.label).join(', ')})`);
    o.value = t.name;
    select.append(o);
  }
  f.append(label, select);
  const error = el('p', 'alert');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const start = el('button', 'button primary', 'Start note');
  start.type = 'submit';
  form.append(f, error, start);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    start.disabled = true;
    const problem = await onStart(select.value);
    start.disabled = false;
    if (problem) say(error, problem);
  });
  box.append(h, el('p', 'hint', 'No note yet.'), form);
  return box;
}

// ---- the editor: every note of one occurrence ----

let editor = null;

function editorDialog() {
  if (editor) return editor;
  const dialog = el('dialog', 'notes-dialog');
  dialog.id = 'notes-editor';
  const title = el('h2', 'notes-title');
  title.id = 'notes-editor-title';
  title.tabIndex = -1;
  dialog.setAttribute('aria-labelledby', title.id);
  const when = el('p', 'hint notes-when');
  const privacy = el('p', 'hint', 'Private notes: only you, and for a group its co-facilitators, can read them.');
  const body = el('div', 'notes-body');
  const status = el('p', 'alert');
  status.setAttribute('role', 'alert');
  status.hidden = true;
  const close = button('Close');
  close.classList.add('notes-close');
  close.addEventListener('click', () => dialog.close());
  dialog.append(title, when, privacy, status, body, close);
  document.body.append(dialog);
  editor = { dialog, title, when, body, status };
  return editor;
}

/** Opens the notes of one occurrence of a session; closing it puts the focus back on
 * returnTo (by default, what had it). */
export async function openNotes({ call, sessionId, occurrenceId, title, onChanged, returnTo }) {
  const ed = editorDialog();
  const back = returnTo ?? document.activeElement;
  ed.dialog.addEventListener('close', () => {
    if (back?.isConnected) back.focus();
  }, { once: true });
  ed.title.textContent = title ? `Notes: ${title}` : 'Session notes';
  ed.when.textContent = '';
  say(ed.status, '');
  ed.body.replaceChildren(el('p', 'hint', 'Loading…'));
  if (!ed.dialog.open) ed.dialog.showModal();
  ed.title.focus();
  const path = `/api/v1/sessions/${sessionId}/occurrences/${occurrenceId}/notes`;
  const result = await call('GET', path);
  if (result.status !== 200) {
    ed.body.replaceChildren();
    say(ed.status, errorMessage(result));
    return;
  }
  const { occurrence, notes, attended, templates } = result.data;
  ed.when.textContent = formatSpan(Date.parse(occurrence.starts_at), Date.parse(occurrence.ends_at));
  const group = occurrence.group_id !== null;
  // the slots: the group's note first, then each client who was there (and any client
  // with a note already, should they no longer be listed)
  const slots = [];
  if (group) slots.push({ clientId: null, heading: 'Group note' });
  for (const a of attended) slots.push({ clientId: a.client_id, heading: a.name ? `${a.name}` : 'A former client' });
  for (const n of notes) {
    if (!slots.some((s) => s.clientId === n.client_id)) slots.push({ clientId: n.client_id, heading: 'A client' });
  }
  const views = slots.map((slot) => {
    const noteOf = notes.find((n) => n.client_id === slot.clientId);
    const heading = slot.clientId === null ? slot.heading : `Note on ${slot.heading}`;
    if (noteOf) return noteView(noteOf, { call, heading, onChanged });
    const holder = el('div');
    holder.append(startView({
      heading,
      templates,
      onStart: async (template) => {
        const made = await call('POST', path, slot.clientId === null ? { template } : { template, client_id: slot.clientId });
        if (made.status !== 201) return errorMessage(made);
        onChanged?.();
        const view = noteView(made.data.note, { call, heading, onChanged });
        holder.replaceChildren(view);
        view.querySelector('textarea')?.focus();
        return null;
      },
    }));
    return holder;
  });
  if (group && attended.length === 0) {
    views.push(el('p', 'hint', 'Nobody was let into this session’s meeting, so there are no notes on members to write.'));
  }
  ed.body.replaceChildren(...views);
}

// ---- a client's notes, in their details ----

/** The part of a client's details listing their notes, newest first. */
export function clientNotes(client, { call }) {
  const part = el('div', 'notes-client');
  part.append(el('h4', 'dash-detail-heading', 'Private notes'));
  const list = el('ul', 'dash-detail-list');
  const empty = el('p', 'hint', 'Loading…');
  part.append(empty, list);
  async function load() {
    const result = await call('GET', `/api/v1/clients/${client.id}/notes`);
    list.replaceChildren();
    if (result.status !== 200) {
      empty.textContent = 'Notes are not available right now.';
      empty.hidden = false;
      return;
    }
    const notes = result.data.notes;
    empty.textContent = 'No notes yet. Open a past session in the calendar to write one.';
    empty.hidden = notes.length > 0;
    for (const n of notes) {
      const li = el('li', 'notes-client-item');
      const when = dateText(n.occurrence_starts_at);
      const state = n.signed ? 'Signed' : 'Draft';
      li.append(el('p', 'dash-client-name', `${when} · ${n.session_title ?? 'Session'}`),
        el('p', 'dash-client-detail', `${TEMPLATE_LABELS[n.template] ?? n.template} · ${state}${n.addenda.length ? ` · ${n.addenda.length} addend${n.addenda.length === 1 ? 'um' : 'a'}` : ''}`));
      const open = button('Open note');
      open.setAttribute('aria-label', `Open the note of ${when}`);
      open.addEventListener('click', () => openNotes({
        call, sessionId: n.session_id, occurrenceId: n.occurrence_id, title: n.session_title, onChanged: load,
      }));
      li.append(open);
      list.append(li);
    }
  }
  load();
  return part;
}

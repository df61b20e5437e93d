// A client's rights, in their details: a copy of everything held about them (to download as
// JSON, or to read and print), and erasure — what goes now, what the practice must keep and
// until when — confirmed by typing their name.
import { errorMessage } from './api.js';
import { el, say } from './ui.js';

let count = 0; // ids for each detail's labels

const dateWords = (iso) => new Date(iso).toLocaleDateString([], {
  day: 'numeric', month: 'long', year: 'numeric',
});

const rowsWord = (n) => (n === 1 ? '1 record' : `${n} records`);

// The explanation of what erasing does now, from GET …/erase.
function explain(preview, name) {
  const box = el('div', 'rights-explain');
  const now = preview.records.filter((r) => r.kept === 'erased_at_once' && r.rows > 0)
    .map((r) => `${r.title.toLowerCase()} (${rowsWord(r.rows)})`);
  const held = preview.records.filter((r) => r.kept === 'kept_until_retention_ends' && r.rows_held > 0);
  const old = preview.records.filter((r) => r.kept === 'kept_until_retention_ends'
    && r.rows > (r.rows_held ?? 0));
  box.append(el('p', '', `Erasing ${name} cannot be undone. Right away, their name, email, `
    + 'phone and emergency contact are deleted, they leave every list and group, and their '
    + 'links to sessions stop working.'));
  if (now.length) box.append(el('p', '', `Deleted now as well: ${now.join(', ')}.`));
  if (old.length) {
    box.append(el('p', '', `Older than the practice keeps records (${preview.retention_years} `
      + `years), deleted now: ${old.map((r) => r.title.toLowerCase()).join(', ')}.`));
  }
  if (held.length) {
    box.append(el('p', '', `The practice must keep clinical records for ${preview.retention_years} `
      + 'years. These stay, sealed and out of every list, and are deleted on their own when '
      + 'that time ends:'));
    const list = el('ul', 'rights-held');
    for (const r of held) {
      list.append(el('li', '', `${r.title}: ${rowsWord(r.rows_held)}, kept until ${dateWords(r.held_until)}`));
    }
    box.append(list);
  } else {
    box.append(el('p', '', 'Nothing about them needs to be kept: every record goes now.'));
  }
  box.append(el('p', 'hint', 'The audit log keeps its entries (who opened or changed the '
    + 'record, and when), without their name.'));
  return box;
}

export function rightsPart(client, { data, call, onChanged }) {
  const part = el('div', 'rights');
  part.append(el('h4', 'dash-detail-heading', 'Their records'));
  const links = el('div', 'button-row');
  const download = el('a', 'button quiet', 'Download their records (JSON)');
  download.href = `/api/v1/clients/${client.id}/export?format=json`; // a browser asks for HTML
  download.download = `records-${client.id}.json`;
  const readable = el('a', 'button quiet', 'Open a readable copy');
  readable.href = `/api/v1/clients/${client.id}/export?format=html`;
  readable.target = '_blank';
  readable.rel = 'noopener';
  const start = el('button', 'button quiet rights-erase', 'Erase this client…');
  start.type = 'button';
  links.append(download, readable, start);
  part.append(links);

  const id = `rights-${client.id}-${++count}`;
  const form = el('form', 'form rights-form');
  form.noValidate = true;
  form.hidden = true;
  const about = el('div');
  const field = el('div', 'field');
  const label = el('label', '', `To erase, type their name: ${client.name}`);
  const typed = document.createElement('input');
  typed.type = 'text';
  typed.id = `${id}-name`;
  typed.autocomplete = 'off';
  typed.spellcheck = false;
  label.htmlFor = typed.id;
  field.append(label, typed);
  const error = el('p', 'alert');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const erase = el('button', 'button danger', `Erase ${client.name}`);
  erase.type = 'submit';
  erase.disabled = true;
  const cancel = el('button', 'button quiet', 'Keep this client');
  cancel.type = 'button';
  const row = el('div', 'button-row');
  row.append(erase, cancel);
  form.append(about, field, error, row);
  part.append(form);

  const matches = () => typed.value.trim() === client.name.trim();
  typed.addEventListener('input', () => { erase.disabled = !matches(); });

  start.addEventListener('click', async () => {
    start.disabled = true;
    const result = await call('GET', `/api/v1/clients/${client.id}/erase`);
    start.disabled = false;
    if (result.status !== 200) {
      say(error, errorMessage(result, 'What erasing would do could not be found out. Please try again.'));
      form.hidden = false;
      return;
    }
    about.replaceChildren(explain(result.data, client.name));
    say(error, '');
    form.hidden = false;
    start.hidden = true;
    typed.focus();
  });
  cancel.addEventListener('click', () => {
    form.hidden = true;
    start.hidden = false;
    typed.value = '';
    erase.disabled = true;
    start.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!matches()) return;
    erase.disabled = true;
    const result = await call('POST', `/api/v1/clients/${client.id}/erase`, { confirm: true });
    if (result.status !== 200) {
      erase.disabled = false;
      say(error, errorMessage(result, 'The client could not be erased. Please try again.'));
      return;
    }
    const held = result.data?.erased?.held ?? [];
    const until = held.map((h) => Date.parse(h.held_until)).filter(Number.isFinite);
    data.clients = data.clients.filter((c) => c.id !== client.id);
    for (const g of data.groups ?? []) {
      if (Array.isArray(g.members)) g.members = g.members.filter((m) => m !== client.id);
    }
    onChanged?.(client, until.length
      ? `${client.name} was erased. Clinical records are kept, sealed, until `
        + `${dateWords(new Date(Math.max(...until)).toISOString())}.`
      : `${client.name} was erased. Nothing about them was kept.`);
  });
  return part;
}

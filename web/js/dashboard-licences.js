// Licences (docs/BILLING.md): "Your licences" in the practitioner's account — add one
// (where, type, number, expiry), enter a renewal's new expiry date, remove one; for
// administrators, the interstate compacts the practice relies on; and on the dashboard's
// home, the calm list of "Licence warnings": sessions where the practitioner is (or will
// be) not licensed where the client said they were, and licences that run out within 60
// days. The reads of the warnings are audited (they name clients).
import { errorMessage } from './api.js';
import { $, el, isAdmin, labelledField, say } from './ui.js';
import { clearFieldErrors, clearMarkOnInput, showFieldErrors, whileBusy } from './dashboard-forms.js';

const SOON_DAYS = 60;
const WHEN = new Intl.DateTimeFormat(undefined,
  { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

let places = null; // {us_states, countries} from the server, once

async function jurisdictions(call) {
  if (places) return places;
  const result = await call('GET', '/api/v1/jurisdictions');
  if (result.status !== 200) return null;
  places = result.data;
  return places;
}

/** A <select> of the US states, then the countries, each group under its heading. */
function fillPlaces(select, { blank = 'Choose…' } = {}) {
  const byName = (list) => [...(list ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const groups = [['US states', byName(places?.us_states)], ['Countries', byName(places?.countries)]];
  const options = [];
  if (blank) {
    const o = el('option', '', blank);
    o.value = '';
    options.push(o);
  }
  for (const [label, list] of groups) {
    const g = document.createElement('optgroup');
    g.label = label;
    for (const j of list) {
      const o = el('option', '', j.name);
      o.value = j.key;
      g.append(o);
    }
    options.push(g);
  }
  select.replaceChildren(...options);
}

const field = labelledField;

function input(name, type = 'text', maxLength) {
  const i = el('input');
  i.name = name;
  i.type = type;
  if (maxLength) i.maxLength = maxLength;
  i.autocomplete = 'off';
  return i;
}

function expiryWords(l) {
  if (l.days_left < 0) return `expired on ${l.expires_on}`;
  if (l.days_left === 0) return `expires today (${l.expires_on})`;
  if (l.days_left <= SOON_DAYS) {
    return `expires in ${l.days_left} day${l.days_left === 1 ? '' : 's'} (${l.expires_on})`;
  }
  return `valid until ${l.expires_on}`;
}

/** A "Remove" button that asks once more, inline. */
function removeButton(what, onRemove) {
  const box = el('div', 'dash-licence-remove');
  const ask = el('button', 'button quiet', 'Remove');
  ask.type = 'button';
  ask.setAttribute('aria-label', `Remove ${what}`);
  const sure = el('p', 'dash-licence-confirm');
  sure.hidden = true;
  const yes = el('button', 'button', 'Yes, remove');
  yes.type = 'button';
  const no = el('button', 'button quiet', 'Keep');
  no.type = 'button';
  sure.append(`Remove ${what}? `, yes, ' ', no);
  ask.addEventListener('click', () => {
    ask.hidden = true;
    sure.hidden = false;
    no.focus();
  });
  no.addEventListener('click', () => {
    sure.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    await onRemove();
    yes.disabled = false;
  });
  box.append(ask, sure);
  return box;
}

function createLicencesPanel({ call, onChanged }) {
  const panel = $('licences-panel');
  const error = el('p', 'alert');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const list = el('ul', 'dash-client-list dash-licence-list');
  list.id = 'licence-list';
  list.setAttribute('aria-labelledby', 'licences-title');
  const empty = el('p', 'hint', 'No licences yet. Sessions are flagged where you hold none.');

  const form = el('form', 'form');
  form.id = 'licence-form';
  form.noValidate = true;
  form.setAttribute('aria-labelledby', 'licence-add-title');
  const where = el('select');
  where.name = 'jurisdiction';
  const kind = input('kind', 'text', 80);
  const number = input('number', 'text', 40);
  const expires = input('expires_on', 'date');
  const formError = el('p', 'alert');
  formError.setAttribute('role', 'alert');
  formError.hidden = true;
  const add = el('button', 'button primary', 'Add licence');
  add.type = 'submit';
  form.append(
    field('licence-jurisdiction', 'State or country', where),
    field('licence-kind', 'Type', kind, 'For example: Psychologist, LCSW, LPC.'),
    field('licence-number', 'Licence number', number),
    field('licence-expires', 'Expires on', expires, 'The last day it is valid.'),
    formError, add);
  clearMarkOnInput(form);
  const addTitle = el('h3', '', 'Add a licence');
  addTitle.id = 'licence-add-title';
  panel.append(error, list, empty, addTitle, form);

  function row(l) {
    const li = el('li', 'dash-licence');
    const name = `${l.kind} licence in ${l.jurisdiction_name}`;
    const text = el('p', '', `${l.kind}, ${l.jurisdiction_name}, no. ${l.number} — ${expiryWords(l)}`);
    if (l.days_left <= SOON_DAYS) text.classList.add('dash-licence-soon');
    const renew = el('form', 'form dash-licence-renew');
    renew.noValidate = true;
    const date = input('expires_on', 'date');
    date.value = l.expires_on;
    const save = el('button', 'button', 'Save new expiry');
    save.type = 'submit';
    const renewError = el('p', 'alert');
    renewError.setAttribute('role', 'alert');
    renewError.hidden = true;
    renew.append(field(`licence-renew-${l.id}`, `New expiry date of your ${name}`, date), renewError, save);
    renew.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(renew, renewError);
      const result = await whileBusy(renew, save,
        () => call('PATCH', `/api/v1/account/licences/${l.id}`, { expires_on: date.value }));
      if (result.status === 200) {
        await load();
        onChanged();
        return;
      }
      showFieldErrors(renew, renewError, result, [['expires_on', date]]);
    });
    const remove = removeButton(`your ${name}`, async () => {
      const result = await call('DELETE', `/api/v1/account/licences/${l.id}`);
      if (result.status === 204) {
        await load();
        onChanged();
        return;
      }
      say(error, errorMessage(result));
    });
    li.append(text, renew, remove);
    return li;
  }

  async function load() {
    const result = await call('GET', '/api/v1/account/licences');
    if (result.status !== 200) {
      say(error, errorMessage(result));
      return;
    }
    say(error, '');
    const licences = result.data.licences ?? [];
    list.replaceChildren(...licences.map(row));
    empty.hidden = licences.length > 0;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, formError);
    const body = { jurisdiction: where.value, kind: kind.value.trim(), number: number.value.trim(),
                   expires_on: expires.value };
    const result = await whileBusy(form, add, () => call('POST', '/api/v1/account/licences', body));
    if (result.status === 201) {
      where.value = '';
      kind.value = '';
      number.value = '';
      expires.value = '';
      await load();
      onChanged();
      return;
    }
    showFieldErrors(form, formError, result, [['jurisdiction', where], ['kind', kind],
      ['number', number], ['expires_on', expires]]);
  });

  return { start: () => { fillPlaces(where); return load(); } };
}

function createCompactsPanel({ call, onChanged }) {
  const panel = $('compacts-panel');
  panel.hidden = false;
  const error = el('p', 'alert');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const list = el('ul', 'dash-client-list dash-licence-list');
  list.id = 'compact-list';
  list.setAttribute('aria-labelledby', 'compacts-title');
  const empty = el('p', 'hint', 'None yet.');
  const form = el('form', 'form');
  form.id = 'compact-form';
  form.noValidate = true;
  form.setAttribute('aria-labelledby', 'compact-add-title');
  const name = input('name', 'text', 80);
  const members = el('select');
  members.name = 'members';
  members.multiple = true;
  members.size = 8;
  const from = input('valid_from', 'date');
  const until = input('valid_until', 'date');
  const formError = el('p', 'alert');
  formError.setAttribute('role', 'alert');
  formError.hidden = true;
  const add = el('button', 'button primary', 'Add compact');
  add.type = 'submit';
  form.append(
    field('compact-name', 'Name', name, 'For example: PSYPACT.'),
    field('compact-members', 'Member states and countries', members,
      'Choose two or more (hold Ctrl, or ⌘ on a Mac, to choose several).'),
    field('compact-from', 'Relied on from', from),
    field('compact-until', 'Until (optional)', until, 'Leave empty while the practice relies on it.'),
    formError, add);
  clearMarkOnInput(form);
  const addTitle = el('h3', '', 'Add a compact');
  addTitle.id = 'compact-add-title';
  panel.append(error, list, empty, addTitle, form);

  function row(k) {
    const li = el('li', 'dash-licence');
    const names = k.members.map((m) => m.name).join(', ');
    const dates = k.valid_until ? `${k.valid_from} to ${k.valid_until}` : `from ${k.valid_from}`;
    li.append(el('p', '', `${k.name}: ${names} — relied on ${dates}`),
      removeButton(`the compact ${k.name}`, async () => {
        const result = await call('DELETE', `/api/v1/compacts/${k.id}`);
        if (result.status === 204) {
          await load();
          onChanged();
          return;
        }
        say(error, errorMessage(result));
      }));
    return li;
  }

  async function load() {
    const result = await call('GET', '/api/v1/compacts');
    if (result.status !== 200) {
      say(error, errorMessage(result));
      return;
    }
    say(error, '');
    const compacts = result.data.compacts ?? [];
    list.replaceChildren(...compacts.map(row));
    empty.hidden = compacts.length > 0;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, formError);
    const body = { name: name.value.trim(), members: [...members.selectedOptions].map((o) => o.value),
                   valid_from: from.value, valid_until: until.value || null };
    const result = await whileBusy(form, add, () => call('POST', '/api/v1/compacts', body));
    if (result.status === 201) {
      form.reset();
      await load();
      onChanged();
      return;
    }
    showFieldErrors(form, formError, result, [['name', name], ['members', members],
      ['valid_from', from], ['valid_until', until]]);
  });

  return { start: () => { fillPlaces(members, { blank: null }); return load(); } };
}

/** The home page's "Licence warnings": flagged sessions and licences running out soon. */
async function showWarnings({ call }) {
  document.getElementById('licence-warnings')?.remove();
  const result = await call('GET', '/api/v1/licences/flags');
  if (result.status !== 200) return;
  const flags = result.data.flags ?? [];
  const soon = (result.data.licences ?? []).filter((l) => l.days_left >= 0);
  if (!flags.length && !soon.length) return;
  const section = el('section', 'notice dash-licence-warnings');
  section.id = 'licence-warnings';
  section.setAttribute('aria-labelledby', 'licence-warnings-title');
  const title = el('h2', '', 'Licence warnings');
  title.id = 'licence-warnings-title';
  const list = el('ul', 'dash-detail-list');
  list.id = 'licence-warnings-list';
  for (const l of soon) {
    list.append(el('li', 'dash-licence-soon',
      `Your ${l.kind} licence in ${l.jurisdiction_name} (no. ${l.number}) ${expiryWords(l)}.`));
  }
  for (const f of flags) {
    const when = WHEN.format(new Date(f.starts_at));
    const li = el('li', 'dash-licence-flag');
    li.dataset.occurrence = String(f.occurrence_id);
    li.append(el('strong', '', `${f.client_name}, ${when}: `), `${f.reason}.`);
    list.append(li);
  }
  section.append(title, list);
  const anchor = document.getElementById('emergency-notice');
  anchor?.after(section);
}

/** Starts the licence parts: call is the dashboard's request function, data.user who is signed in. */
export async function showLicences({ call, data }) {
  if (!$('licences-panel')) return;
  if (!(await jurisdictions(call))) return;
  const refresh = () => showWarnings({ call });
  const mine = createLicencesPanel({ call, onChanged: refresh });
  const parts = [mine.start(), refresh()];
  if (isAdmin(data.user) && $('compacts-panel')) {
    parts.push(createCompactsPanel({ call, onChanged: refresh }).start());
  }
  await Promise.all(parts);
}

// "Billing" for the practice, on the dashboard: the services it bills (each a CPT code, what
// statements call it, its fee and its length), which administrators edit, add and archive,
// and everyone's "Export for accountant (CSV)": the charges and payments of a date range
// (a practitioner's own clients; an administrator's, the practice's). Runs on its own: it
// asks who is signed in, and shows nothing to a page that is not.
import { api, errorMessage } from './api.js';
import { el, isAdmin, labelledField, say } from './ui.js';
import { clearFieldErrors, showFieldErrors, whileBusy } from './dashboard-forms.js';
import { moneyText, parseMoney } from './care-billing.js';

const $ = (id) => document.getElementById(id);

function input(id, type, value = '') {
  const i = document.createElement('input');
  i.id = id;
  i.type = type;
  i.value = value;
  i.autocomplete = 'off';
  return i;
}

const field = (labelText, control) => labelledField(control.id, labelText, control);

// One service's form: an existing one (PATCH) or a new one (POST).
function serviceForm(sv, currency, onSaved) {
  const key = sv ? `service-${sv.id}` : 'service-new';
  const form = el('form', 'form billing-service');
  form.noValidate = true;
  form.dataset.serviceId = sv ? String(sv.id) : '';
  const cpt = input(`${key}-cpt`, 'text', sv?.cpt ?? '');
  cpt.inputMode = 'numeric';
  const description = input(`${key}-description`, 'text', sv?.description ?? '');
  const fee = input(`${key}-fee`, 'text', sv ? (sv.fee_cents / 100).toFixed(2) : '');
  fee.inputMode = 'decimal';
  const minutes = input(`${key}-minutes`, 'number', sv ? String(sv.duration_minutes) : '50');
  minutes.min = '1';
  minutes.max = '1440';
  form.append(field('CPT code', cpt), field('Description', description),
    field(`Fee (${currency})`, fee), field('Minutes', minutes));
  let archived = null;
  if (sv) {
    archived = document.createElement('input');
    archived.type = 'checkbox';
    archived.id = `${key}-archived`;
    archived.checked = sv.archived;
    const label = el('label', 'check');
    label.append(archived, document.createTextNode(' Archived (no longer offered)'));
    form.append(label);
  }
  const error = el('p', 'alert');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const save = el('button', sv ? 'button quiet' : 'button primary', sv ? 'Save' : 'Add service');
  save.type = 'submit';
  form.append(error, save);
  const fields = [['cpt', cpt], ['description', description], ['fee_cents', fee],
    ['duration_minutes', minutes], ['archived', archived]];
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, error);
    const cents = parseMoney(fee.value);
    if (cents === null) {
      showFieldErrors(form, error, { data: { errors: [{ field: 'fee_cents', message: 'Enter the fee, such as 150 or 150.00.' }] } }, fields);
      return;
    }
    const body = {
      cpt: cpt.value.trim(), description: description.value.trim(), fee_cents: cents,
      duration_minutes: Number(minutes.value),
    };
    if (sv) body.archived = archived.checked;
    const result = await whileBusy(form, save, () => (sv
      ? api('PATCH', `/api/v1/services/${sv.id}`, body) : api('POST', '/api/v1/services', body)));
    if (result.status === 200 || result.status === 201) {
      onSaved(sv ? `${body.cpt} saved.` : `${body.cpt} added.`);
      return;
    }
    showFieldErrors(form, error, result, fields);
  });
  return form;
}

async function start() {
  const section = $('billing-practice');
  if (!section) return;
  const me = await api('GET', '/api/v1/me');
  if (me.status !== 200) return;
  const admin = isAdmin(me.data?.user);
  const list = $('billing-services');
  const status = $('billing-services-status');
  const error = $('billing-services-error');

  async function load(done) {
    const result = await api('GET', '/api/v1/services');
    if (result.status !== 200) {
      say(error, errorMessage(result, 'The services could not be loaded.'));
      return;
    }
    const currency = result.data.currency ?? 'USD';
    const services = result.data.services ?? [];
    list.replaceChildren(...services.map((sv) => {
      const li = el('li', sv.archived ? 'billing-service-item archived' : 'billing-service-item');
      li.dataset.cpt = sv.cpt;
      if (admin) {
        li.append(serviceForm(sv, currency, (text) => load(text)));
      } else {
        li.append(el('p', '', `${sv.cpt} ${sv.description}: ${moneyText(sv.fee_cents, currency)}, `
          + `${sv.duration_minutes} minutes${sv.archived ? ' (archived)' : ''}`));
      }
      return li;
    }));
    const add = $('billing-service-add');
    add.replaceChildren();
    if (admin) {
      add.append(el('h4', '', 'Add a service'), serviceForm(null, currency, (text) => load(text)));
    }
    if (done) status.textContent = done;
  }

  // the accountant's CSV: a link the browser downloads
  const from = $('billing-export-from');
  const to = $('billing-export-to');
  const link = $('billing-export-link');
  const now = new Date();
  to.value = now.toISOString().slice(0, 10);
  from.value = `${now.getUTCFullYear()}-01-01`;
  const setLink = () => {
    link.href = `/api/v1/billing/export.csv?from=${from.value}&to=${to.value}`;
  };
  from.addEventListener('change', setLink);
  to.addEventListener('change', setLink);
  setLink();
  $('billing-services-hint').textContent = admin
    ? 'The services the practice bills. A client’s own fees and sliding scale are in their details.'
    : 'The services the practice bills; an administrator changes them.';
  section.hidden = false;
  $('billing-jump').hidden = false;
  await load();
}

start();

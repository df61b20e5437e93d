// A client's billing, in their details: their fee terms (their own fee for one service or for
// every service, a sliding scale), insurance details and diagnosis codes (picked from the
// built-in list or typed), their charges (with "Waive…", which asks why), payments ("Record
// payment") and balance, and the documents for them (superbill, statement). The server keeps
// every rule (docs/BILLING.md); the page shows its answers and refusals.
import { errorMessage } from './api.js';
import { el, labelledField, say } from './ui.js';
import { clearFieldErrors, showFieldErrors, whileBusy } from './dashboard-forms.js';

let count = 0; // ids for each part's labels

const METHODS = [
  ['cash', 'Cash'], ['cheque', 'Cheque'], ['card_terminal', 'Card terminal'],
  ['bank_transfer', 'Bank transfer'], ['insurance', 'Insurance payment'],
];
const STATE = { open: 'Open', part_paid: 'Part paid', paid: 'Paid', waived: 'Waived' };
const KIND = { session: 'Session', no_show: 'No-show', late_cancel: 'Late cancellation' };
const INSURANCE = [
  ['payer', 'Insurance company (payer)'], ['member_id', 'Member id'], ['group_id', 'Group id'],
  ['subscriber', 'Subscriber (policy holder)'], ['relationship', 'Client’s relationship to the subscriber'],
];

/** Cents as an amount in the practice's currency: "$1,234.50". */
export function moneyText(cents, currency) {
  try {
    return new Intl.NumberFormat([], { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

/** "75", "75.5", "75.50" to cents; null for anything else (the server's own rule). */
export function parseMoney(text) {
  const m = /^\s*(\d{1,8})(?:\.(\d{1,2}))?\s*$/.exec(text ?? '');
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

const plain = (cents) => (cents / 100).toFixed(2);
const today = () => new Date().toISOString().slice(0, 10);

const field = labelledField;

function input(type, value = '') {
  const i = document.createElement('input');
  i.type = type;
  i.value = value;
  i.autocomplete = 'off';
  return i;
}

function select(options, value) {
  const s = document.createElement('select');
  for (const [v, text] of options) {
    const o = el('option', '', text);
    o.value = String(v);
    s.append(o);
  }
  s.value = String(value);
  return s;
}

function button(text, className = 'button quiet', type = 'button') {
  const b = el('button', className, text);
  b.type = type;
  return b;
}

export function clientBilling(client, { call, data }) {
  const part = el('div', 'billing');
  part.dataset.part = 'billing';
  const id = `billing-${client.id}-${++count}`;
  part.append(el('h4', 'dash-detail-heading', 'Billing'));
  const open = button('Show billing');
  open.setAttribute('aria-expanded', 'false');
  const body = el('div', 'billing-body');
  body.hidden = true;
  const status = el('p', 'dash-status');
  status.setAttribute('role', 'status');
  part.append(open, body, status);

  let services = [];
  let currency = 'USD';
  let billing = null;
  let account = null;

  open.addEventListener('click', async () => {
    const showing = !body.hidden;
    body.hidden = showing;
    open.textContent = showing ? 'Show billing' : 'Hide billing';
    open.setAttribute('aria-expanded', String(!showing));
    if (!showing && !billing) await load();
  });

  async function load() {
    const [s, b, c] = await Promise.all([
      call('GET', '/api/v1/services'),
      call('GET', `/api/v1/clients/${client.id}/billing`),
      call('GET', `/api/v1/clients/${client.id}/charges`),
    ]);
    if (s.status !== 200 || b.status !== 200 || c.status !== 200) {
      const bad = [s, b, c].find((r) => r.status !== 200);
      if (bad.status !== 401) say(status, errorMessage(bad, 'Billing could not be loaded.'));
      return;
    }
    services = s.data.services ?? [];
    currency = b.data.currency ?? s.data.currency ?? 'USD';
    billing = b.data;
    account = c.data;
    render();
  }

  function render() {
    body.replaceChildren(feeTerms(), sessionServices(), insurance(), ledger(), documents());
  }

  // ---- fee terms ----
  function feeTerms() {
    const form = el('form', 'form billing-terms');
    form.noValidate = true;
    form.append(el('h5', 'billing-heading', 'Fees'));
    const all = billing.fees.find((f) => f.service_id === 0);
    const allFee = input('text', all ? plain(all.fee_cents) : '');
    allFee.inputMode = 'decimal';
    form.append(field(`${id}-all`, `Their fee for every service (${currency})`, allFee,
      'Leave empty to charge each service’s own fee.'));
    const list = el('ul', 'billing-fees');
    const rows = [];
    const serviceChoices = services.filter((sv) => !sv.archived)
      .map((sv) => [sv.id, `${sv.cpt} ${sv.description}`]);
    function addRow(serviceId, cents) {
      const n = rows.length;
      const li = el('li', 'billing-fee');
      const which = select(serviceChoices, serviceId ?? serviceChoices[0]?.[0] ?? '');
      const amount = input('text', cents === undefined ? '' : plain(cents));
      amount.inputMode = 'decimal';
      const remove = button('Remove');
      li.append(field(`${id}-fee-service-${n}`, 'Service', which),
        field(`${id}-fee-amount-${n}`, `Their fee (${currency})`, amount), remove);
      const row = { which, amount, li };
      remove.addEventListener('click', () => {
        rows.splice(rows.indexOf(row), 1);
        li.remove();
      });
      rows.push(row);
      list.append(li);
    }
    for (const f of billing.fees) if (f.service_id !== 0) addRow(f.service_id, f.fee_cents);
    const add = button('Add their fee for one service');
    add.disabled = serviceChoices.length === 0;
    add.addEventListener('click', () => addRow());
    form.append(list, add);

    const kind = select([['none', 'No sliding scale'], ['percent', 'A percentage of the fee'],
      ['fixed', 'A fixed amount']], billing.scale.kind);
    const value = input('text', billing.scale.kind === 'fixed' ? plain(billing.scale.value)
      : billing.scale.kind === 'percent' ? String(billing.scale.value) : '');
    value.inputMode = 'decimal';
    const valueField = field(`${id}-scale-value`, '', value);
    const valueLabel = valueField.querySelector('label');
    const showValue = () => {
      valueField.hidden = kind.value === 'none';
      valueLabel.textContent = kind.value === 'percent' ? 'They pay this percentage of the fee (0–100)'
        : `They pay this amount (${currency}), or the fee when it is lower`;
    };
    kind.addEventListener('change', showValue);
    showValue();
    form.append(field(`${id}-scale`, 'Sliding scale', kind), valueField);
    const error = el('p', 'alert');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const save = button('Save fees', 'button primary', 'submit');
    form.append(error, save);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(form, error);
      const fees = [];
      if (allFee.value.trim()) {
        const c = parseMoney(allFee.value);
        if (c === null) return showFieldErrors(form, error, bad('fees', 'Enter an amount such as 120 or 120.00.'), [['fees', allFee]]);
        fees.push({ service_id: 0, fee_cents: c });
      }
      for (const r of rows) {
        const c = parseMoney(r.amount.value);
        if (c === null) return showFieldErrors(form, error, bad('fees', 'Enter an amount such as 120 or 120.00.'), [['fees', r.amount]]);
        fees.push({ service_id: Number(r.which.value), fee_cents: c });
      }
      let scaleValue = 0;
      if (kind.value === 'fixed') scaleValue = parseMoney(value.value);
      else if (kind.value === 'percent') scaleValue = /^\s*\d{1,3}\s*$/.test(value.value) ? Number(value.value) : null;
      if (scaleValue === null) return showFieldErrors(form, error, bad('scale', 'Enter the sliding scale’s value.'), [['scale', value]]);
      const result = await whileBusy(form, save, () => call('PUT', `/api/v1/clients/${client.id}/billing`,
        { fees, scale: { kind: kind.value, value: scaleValue } }));
      if (result.status === 200) {
        billing = result.data;
        say(status, 'Fees saved.');
        render();
        return;
      }
      if (result.status !== 401) showFieldErrors(form, error, result, [['fees', allFee], ['scale', value]]);
    });
    return form;
  }

  // ---- the service each of their one-to-one sessions bills ----
  function sessionServices() {
    const box = el('div', 'form billing-sessions');
    box.append(el('h5', 'billing-heading', 'What their sessions bill'));
    const sessions = (data?.sessions ?? []).filter((s) => s.client_id === client.id
      && s.status !== 'cancelled');
    if (!sessions.length) {
      box.append(el('p', 'hint', 'No sessions scheduled with them.'));
      return box;
    }
    box.append(el('p', 'hint', 'By length: 90832 up to 37 minutes, 90834 up to 52, 90837 from 53.'));
    const choices = [[0, 'By length'], ...services.filter((sv) => !sv.archived)
      .map((sv) => [sv.id, `${sv.cpt} ${sv.description}`])];
    for (const s of sessions) {
      const which = select(choices, 0);
      which.disabled = true;
      box.append(field(`${id}-session-${s.id}`, s.title || 'Session', which));
      call('GET', `/api/v1/sessions/${s.id}/service`).then((r) => {
        if (r.status !== 200) return;
        which.value = String(r.data.service_id);
        which.disabled = false;
      });
      which.addEventListener('change', async () => {
        which.disabled = true;
        const r = await call('PUT', `/api/v1/sessions/${s.id}/service`, { service_id: Number(which.value) });
        which.disabled = false;
        if (r.status === 200) say(status, 'Saved: charges made from now on bill this service.');
        else if (r.status !== 401) say(status, errorMessage(r));
      });
    }
    return box;
  }

  const bad = (fieldName, message) => ({ data: { errors: [{ field: fieldName, message }] } });

  // ---- insurance and diagnoses ----
  function insurance() {
    const form = el('form', 'form billing-insurance');
    form.noValidate = true;
    form.append(el('h5', 'billing-heading', 'Insurance'));
    const inputs = {};
    for (const [key, text] of INSURANCE) {
      inputs[key] = input('text', billing.insurance?.[key] ?? '');
      form.append(field(`${id}-ins-${key}`, text, inputs[key]));
    }
    let codes = (billing.diagnosis_titles ?? []).map((d) => ({ code: d.code, title: d.title }));
    const chosen = el('ul', 'billing-diagnoses');
    chosen.setAttribute('aria-label', 'Diagnosis codes, in claim order');
    const showCodes = () => {
      chosen.replaceChildren(...codes.map((d, i) => {
        const li = el('li', 'billing-diagnosis');
        li.append(el('span', '', d.title ? `${d.code} — ${d.title}` : d.code));
        const remove = button(`Remove ${d.code}`);
        remove.addEventListener('click', () => { codes.splice(i, 1); showCodes(); });
        li.append(remove);
        return li;
      }));
    };
    showCodes();
    const search = input('search');
    const results = el('ul', 'billing-icd-results');
    const addTyped = button('Add this code');
    addTyped.hidden = true;
    let typed = null;
    const addCode = (code, title) => {
      if (!codes.some((d) => d.code === code) && codes.length < 12) codes.push({ code, title });
      showCodes();
      search.value = '';
      results.replaceChildren();
      addTyped.hidden = true;
    };
    let timer = 0;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = search.value.trim();
        if (!q) { results.replaceChildren(); addTyped.hidden = true; return; }
        const r = await call('GET', `/api/v1/codes/icd10?q=${encodeURIComponent(q)}`);
        if (r.status !== 200) return;
        typed = r.data.typed;
        addTyped.hidden = !typed;
        if (typed) addTyped.textContent = `Add ${typed} as typed`;
        results.replaceChildren(...r.data.codes.slice(0, 8).map((d) => {
          const li = el('li');
          const b = button(`${d.code} — ${d.title}`, 'button quiet billing-icd-pick');
          b.addEventListener('click', () => addCode(d.code, d.title));
          li.append(b);
          return li;
        }));
      }, 200);
    });
    addTyped.addEventListener('click', () => typed && addCode(typed, ''));
    form.append(el('p', 'billing-label', 'Diagnosis codes (ICD-10-CM)'), chosen,
      field(`${id}-icd`, 'Find a code by number or words, or type one', search), results, addTyped);
    const error = el('p', 'alert');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const save = button('Save insurance details', 'button primary', 'submit');
    form.append(error, save);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ins = {};
      for (const [key] of INSURANCE) ins[key] = inputs[key].value.trim();
      const result = await whileBusy(form, save, () => call('PUT', `/api/v1/clients/${client.id}/billing`,
        { insurance: ins, diagnoses: codes.map((d) => d.code) }));
      if (result.status === 200) {
        billing = result.data;
        say(status, 'Insurance details saved.');
        render();
        return;
      }
      if (result.status !== 401) showFieldErrors(form, error, result, [['insurance', inputs.payer], ['diagnoses', search]]);
    });
    return form;
  }

  // ---- charges, payments and the balance ----
  function ledger() {
    const box = el('div', 'billing-ledger');
    box.append(el('h5', 'billing-heading', 'Charges and payments'));
    const b = account.balance;
    const balance = el('p', 'billing-balance');
    balance.dataset.balanceCents = String(b.balance);
    balance.textContent = b.balance > 0 ? `They owe ${moneyText(b.balance, currency)}.`
      : b.balance < 0 ? `They have ${moneyText(-b.balance, currency)} in credit.`
        : 'Nothing is owed.';
    box.append(balance, el('p', 'hint', `Charged ${moneyText(b.charged, currency)}, paid `
      + `${moneyText(b.paid, currency)}, waived ${moneyText(b.waived, currency)}.`));
    if (account.charges.length) {
      const wrap = el('div', 'dash-table-wrap');
      const table = el('table', 'dash-table billing-charges');
      table.append(el('caption', 'visually-hidden', 'Charges'));
      const head = el('tr');
      for (const h of ['Date', 'Service', 'Coding', 'Amount', 'Paid', 'State', '']) head.append(el('th', '', h));
      table.append(el('thead'), el('tbody'));
      table.tHead.append(head);
      for (const c of account.charges) table.tBodies[0].append(chargeRow(c));
      wrap.append(table);
      box.append(wrap);
    } else {
      box.append(el('p', 'hint', 'No charges yet: sessions bring them once they are over.'));
    }
    if (account.payments.length) {
      const wrap = el('div', 'dash-table-wrap');
      const table = el('table', 'dash-table billing-payments');
      table.append(el('caption', 'visually-hidden', 'Payments'));
      const head = el('tr');
      for (const h of ['Received', 'Method', 'Amount', 'Reference']) head.append(el('th', '', h));
      table.append(el('thead'), el('tbody'));
      table.tHead.append(head);
      for (const p of account.payments) {
        const tr = el('tr');
        tr.append(el('td', '', p.received_on),
          el('td', '', METHODS.find(([m]) => m === p.method)?.[1] ?? p.method),
          el('td', '', moneyText(p.amount_cents, currency)), el('td', '', p.reference));
        table.tBodies[0].append(tr);
      }
      wrap.append(table);
      box.append(wrap);
    }
    box.append(paymentForm());
    return box;
  }

  function chargeRow(c) {
    const tr = el('tr');
    tr.dataset.chargeId = String(c.id);
    const state = el('td', 'billing-state', STATE[c.state] ?? c.state);
    if (c.state === 'waived' && c.waived_reason) state.title = c.waived_reason;
    tr.append(el('td', '', c.service_date),
      el('td', '', `${KIND[c.kind] ?? c.kind}: ${c.cpt} ${c.description}`),
      el('td', '', `POS ${c.place_of_service}, ${c.modifier}`),
      el('td', '', moneyText(c.amount_cents, currency)),
      el('td', '', moneyText(c.paid_cents, currency)), state);
    const action = el('td');
    if (c.state === 'open') {
      const waive = button('Waive…');
      waive.setAttribute('aria-label', `Waive the charge of ${c.service_date}`);
      waive.addEventListener('click', () => {
        waive.hidden = true;
        action.append(waiveForm(c, () => { waive.hidden = false; }));
      });
      action.append(waive);
    } else if (c.state === 'waived' && c.waived_reason) {
      action.append(el('span', 'hint', c.waived_reason));
    }
    tr.append(action);
    return tr;
  }

  function waiveForm(c, onCancel) {
    const form = el('form', 'form billing-waive');
    form.noValidate = true;
    const reason = document.createElement('textarea');
    reason.rows = 2;
    const error = el('p', 'alert');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const ok = button('Waive this charge', 'button danger', 'submit');
    const cancel = button('Keep it');
    const row = el('div', 'button-row');
    row.append(ok, cancel);
    form.append(field(`${id}-waive-${c.id}`, 'Why is it waived?', reason), error, row);
    cancel.addEventListener('click', () => { form.remove(); onCancel(); });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const result = await whileBusy(form, ok, () => call('POST', `/api/v1/charges/${c.id}/waive`,
        { reason: reason.value.trim() }));
      if (result.status === 200) {
        account = result.data;
        say(status, 'The charge is waived.');
        render();
        return;
      }
      if (result.status !== 401) showFieldErrors(form, error, result, [['reason', reason]]);
    });
    setTimeout(() => reason.focus());
    return form;
  }

  function paymentForm() {
    const form = el('form', 'form billing-payment');
    form.noValidate = true;
    form.append(el('h5', 'billing-heading', 'Record payment'));
    const method = select(METHODS, 'cash');
    const amount = input('text');
    amount.inputMode = 'decimal';
    const received = input('date', today());
    const reference = input('text');
    form.append(field(`${id}-pay-method`, 'How it was paid', method),
      field(`${id}-pay-amount`, `Amount (${currency})`, amount),
      field(`${id}-pay-date`, 'Received on', received),
      field(`${id}-pay-ref`, 'Reference (optional)', reference, 'A cheque number or a transfer’s reference; never card details.'));
    const error = el('p', 'alert');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const save = button('Record payment', 'button primary', 'submit');
    form.append(error, save);
    const fields = [['method', method], ['amount_cents', amount], ['received_on', received], ['reference', reference]];
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(form, error);
      const cents = parseMoney(amount.value);
      if (!cents) return showFieldErrors(form, error, bad('amount_cents', 'Enter the amount paid, such as 75 or 75.00.'), fields);
      const result = await whileBusy(form, save, () => call('POST', `/api/v1/clients/${client.id}/payments`, {
        method: method.value, amount_cents: cents, received_on: received.value,
        reference: reference.value.trim() || undefined,
      }));
      if (result.status === 201) {
        account = result.data;
        say(status, `Payment of ${moneyText(cents, currency)} recorded.`);
        render();
        return;
      }
      if (result.status !== 401) showFieldErrors(form, error, result, fields);
    });
    return form;
  }

  // ---- documents: the superbill and the monthly statement (their own routes) ----
  function documents() {
    const box = el('div', 'billing-documents');
    box.append(el('h5', 'billing-heading', 'Documents'));
    const from = input('date', `${today().slice(0, 4)}-01-01`);
    const to = input('date', today());
    // each opens as a page to print, or downloads as a PDF
    const docLink = (cls, words) => {
      const a = el('a', `button quiet ${cls}`, words);
      a.target = '_blank';
      a.rel = 'noopener';
      return a;
    };
    const superbill = docLink('billing-superbill', 'Superbill');
    const superbillPdf = docLink('billing-superbill-pdf', 'PDF');
    superbillPdf.setAttribute('aria-label', 'Superbill as PDF');
    const setSuperbill = () => {
      superbill.href = `/api/v1/clients/${client.id}/superbill?from=${from.value}&to=${to.value}&format=html`;
      superbillPdf.href = `/api/v1/clients/${client.id}/superbill?from=${from.value}&to=${to.value}&format=pdf`;
    };
    from.addEventListener('change', setSuperbill);
    to.addEventListener('change', setSuperbill);
    setSuperbill();
    const month = input('month', today().slice(0, 7));
    const statement = docLink('billing-statement', 'Statement');
    const statementPdf = docLink('billing-statement-pdf', 'PDF');
    statementPdf.setAttribute('aria-label', 'Statement as PDF');
    const setStatement = () => {
      statement.href = `/api/v1/clients/${client.id}/statement?month=${month.value}&format=html`;
      statementPdf.href = `/api/v1/clients/${client.id}/statement?month=${month.value}&format=pdf`;
    };
    month.addEventListener('change', setStatement);
    setStatement();
    const superRow = el('div', 'billing-doc-row');
    superRow.append(field(`${id}-sb-from`, 'From', from), field(`${id}-sb-to`, 'To', to), superbill, superbillPdf);
    const statementRow = el('div', 'billing-doc-row');
    statementRow.append(field(`${id}-st-month`, 'Month', month), statement, statementPdf);
    box.append(superRow, statementRow);
    return box;
  }

  return part;
}

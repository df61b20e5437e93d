// "Clients": the therapist's clients, each opening to their details (dashboard-client-detail.js),
// and a form to add one.
import { errorMessage } from './api.js';
import { browserZone, el, say, zoneName } from './ui.js';
import { clientDetail } from './dashboard-client-detail.js';
import { fillZoneSelect } from './dashboard-time.js';
import { clearFieldErrors, clearMarkOnInput, showFieldErrors, whileBusy } from './dashboard-forms.js';
import { showUnread } from './care-messages.js';

export const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });

export function createClients({ data, call, onAdded }) {
  const error = document.getElementById('clients-error');
  const empty = document.getElementById('clients-empty');
  const list = document.getElementById('clients-list');
  const form = document.getElementById('client-form');
  const name = document.getElementById('client-name');
  const email = document.getElementById('client-email');
  const zone = document.getElementById('client-zone');
  const phone = document.getElementById('client-phone');
  const formError = document.getElementById('client-error');
  const status = document.getElementById('client-status');
  const submit = form.querySelector('button[type="submit"]');

  fillZoneSelect(zone, browserZone());
  clearMarkOnInput(form);

  let openId = 0; // the client whose details are open, across renders

  function render() {
    const clients = [...data.clients].sort(byName);
    list.replaceChildren(...clients.map((c) => {
      const li = el('li');
      const toggle = el('button', 'dash-disclosure', c.name);
      toggle.type = 'button';
      toggle.setAttribute('aria-expanded', String(c.id === openId));
      toggle.dataset.client = String(c.id);
      li.append(toggle, el('p', 'dash-client-detail', c.email));
      const more = [c.time_zone && zoneName(c.time_zone), c.phone].filter(Boolean).join(' · ');
      if (more) li.append(el('p', 'dash-client-detail', more));
      const open = () => {
        const detail = clientDetail(c, { data, call, onChanged: (_, text) => {
          render();
          status.textContent = text;
        } });
        detail.id = `client-detail-${c.id}`;
        toggle.setAttribute('aria-controls', detail.id);
        li.append(detail);
      };
      if (c.id === openId) open();
      toggle.addEventListener('click', () => {
        const opening = openId !== c.id;
        openId = opening ? c.id : 0;
        render();
        list.querySelector(`[data-client="${c.id}"]`)?.focus();
      });
      return li;
    }));
    list.hidden = clients.length === 0;
    empty.hidden = clients.length !== 0;
    showUnread(list, call);
  }

  function loaded(result) {
    if (result.status === 200 && Array.isArray(result.data?.clients)) {
      data.clients = result.data.clients;
      say(error, '');
      render();
      return;
    }
    say(error, errorMessage(result, 'Your clients could not be loaded. Please reload the page.'));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, formError);
    status.textContent = '';
    const body = { name: name.value.trim(), email: email.value.trim(), time_zone: zone.value };
    if (phone.value.trim()) body.phone = phone.value.trim();

    const result = await whileBusy(form, submit, () => call('POST', '/api/v1/clients', body));
    if (result.status === 201 && result.data?.client) {
      const client = result.data.client;
      data.clients.push(client);
      render();
      name.value = '';
      email.value = '';
      phone.value = '';
      zone.value = browserZone();
      status.textContent = `Added ${client.name}. You can schedule their sessions now.`;
      onAdded?.(client);
      return;
    }
    showFieldErrors(form, formError, result, [
      ['name', name], ['email', email], ['time_zone', zone], ['phone', phone],
    ]);
  });

  form.addEventListener('input', () => { status.textContent = ''; });

  return { render, loaded };
}

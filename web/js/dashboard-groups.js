// "Groups": the groups the therapist runs or co-facilitates, and a form to make one with
// its agreement, its capacity and its first members.
import { errorCode, errorMessage } from './api.js';
import { el, say } from './ui.js';
import { byName } from './dashboard-clients.js';
import {
  clearFieldErrors, clearMarkOnInput, markInvalid, showFieldErrors, whileBusy,
} from './dashboard-forms.js';

export function createGroups({ data, call, onCreated }) {
  const error = document.getElementById('groups-error');
  const empty = document.getElementById('groups-empty');
  const list = document.getElementById('groups-list');
  const form = document.getElementById('group-form');
  const name = document.getElementById('group-name');
  const agreement = document.getElementById('group-agreement');
  const capacity = document.getElementById('group-capacity');
  const members = document.getElementById('group-members');
  const membersNone = document.getElementById('group-members-none');
  const options = document.getElementById('group-member-options');
  const formError = document.getElementById('group-error');
  const status = document.getElementById('group-status');
  const submit = form.querySelector('button[type="submit"]');

  clearMarkOnInput(form);

  const clientName = (id) => data.clients.find((c) => c.id === id)?.name ?? `Client ${id}`;

  function render() {
    const groups = [...data.groups].sort(byName);
    list.replaceChildren(...groups.map((g) => {
      const li = el('li');
      li.append(el('p', 'dash-client-name', g.name));
      const names = (g.members ?? []).map(clientName).sort((a, b) => a.localeCompare(b));
      li.append(el('p', 'dash-client-detail',
        names.length ? `Members: ${names.join(', ')}` : 'No members yet'));
      const facts = [`${names.length} of ${g.capacity} places taken`];
      if (data.user && g.therapist_id !== data.user.id) facts.push('you co-facilitate');
      const others = (g.facilitators ?? []).filter((id) => id !== data.user?.id);
      if (others.length) facts.push(`co-facilitators: ${others.map((id) => `user ${id}`).join(', ')}`);
      li.append(el('p', 'dash-client-detail', facts.join(' · ')));
      return li;
    }));
    list.hidden = groups.length === 0;
    empty.hidden = groups.length !== 0;
  }

  // one checkbox per client, keeping what was ticked
  function renderMembers() {
    const ticked = new Set([...options.querySelectorAll('input:checked')].map((i) => i.value));
    options.replaceChildren(...[...data.clients].sort(byName).map((c) => {
      const label = el('label', 'dash-with-option');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'members';
      box.value = String(c.id);
      box.checked = ticked.has(box.value);
      label.append(box, document.createTextNode(c.name));
      return label;
    }));
    membersNone.hidden = data.clients.length !== 0;
  }

  function loaded(result) {
    if (result.status === 200 && Array.isArray(result.data?.groups)) {
      data.groups = result.data.groups;
      say(error, '');
    } else {
      say(error, errorMessage(result, 'Your groups could not be loaded. Please reload the page.'));
    }
    render();
    renderMembers();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, formError);
    status.textContent = '';
    const body = {
      name: name.value.trim(),
      agreement: agreement.value.trim(),
      members: [...options.querySelectorAll('input:checked')].map((i) => Number(i.value)),
    };
    if (capacity.validity.badInput) {
      say(formError, 'Please give the capacity as a number from 2 to 16.');
      markInvalid(form, capacity);
      return;
    }
    if (capacity.value !== '') body.capacity = capacity.valueAsNumber;

    const result = await whileBusy(form, submit, () => call('POST', '/api/v1/groups', body));
    if (result.status === 201 && result.data?.group) {
      const group = result.data.group;
      data.groups.push(group);
      render();
      form.reset();
      renderMembers();
      status.textContent = `Made ${group.name}. You can schedule its sessions or find a time now.`;
      onCreated?.(group);
      return;
    }
    const firstBox = options.querySelector('input') ?? members;
    showFieldErrors(form, formError, result, [
      ['name', name], ['agreement', agreement], ['capacity', capacity], ['members', firstBox],
    ]);
    // more members ticked than places: the capacity is what to change (or the ticks)
    if (errorCode(result) === 'group_full') {
      capacity.setAttribute('aria-invalid', 'true');
      capacity.focus();
    }
  });

  form.addEventListener('input', () => { status.textContent = ''; });

  return { render, renderMembers, loaded };
}

// "Groups": the groups the therapist runs or co-facilitates, and a form to make one with
// its agreement, its capacity and its first members.
import { errorCode, errorMessage } from './api.js';
import { el, say } from './ui.js';
import { byName } from './dashboard-clients.js';
import { formatSpan } from './dashboard-time.js';
import { groupCareParts } from './care-parts.js';
import {
  clearFieldErrors, clearMarkOnInput, markInvalid, showFieldErrors, whileBusy,
} from './dashboard-forms.js';

// onChanged: something in a group's details changed what other parts show (a client taken
// in from the waitlist).
export function createGroups({ data, call, onCreated, onChanged }) {
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

  let openId = 0; // the group whose details are open, across renders

  // Its agreement as members read it, who facilitates, and its sessions to come.
  function groupDetail(g) {
    const box = el('div', 'dash-detail');
    box.id = `group-detail-${g.id}`;
    box.append(el('h4', 'dash-detail-heading', 'Group agreement'),
      el('p', 'dash-detail-text', g.agreement || 'No agreement written.'));
    const names = (g.co_facilitators ?? []).filter((p) => p.id !== data.user?.id).map((p) => p.name);
    box.append(el('p', 'dash-client-detail',
      names.length ? `Co-facilitators: ${names.join(', ')}` : 'No co-facilitators'));
    const now = Date.now();
    const coming = data.sessions.filter((se) => se.group_id === g.id && se.status !== 'cancelled')
      .flatMap((se) => (se.occurrences ?? []).filter((o) => !o.cancelled_at && Date.parse(o.ends_at) > now)
        .map((o) => ({ title: se.title, starts: Date.parse(o.starts_at), ends: Date.parse(o.ends_at) })))
      .sort((a, b) => a.starts - b.starts).slice(0, 3);
    // "find a time": what the members said, as the polls panel counts it (never who)
    const asked = (data.polls ?? []).filter((p) => p.group_id === g.id && p.status === 'open');
    if (asked.length) {
      box.append(el('h4', 'dash-detail-heading', 'Finding a time'));
      const ul = el('ul', 'dash-detail-list');
      for (const p of asked) {
        const li = el('li');
        const answered = (p.responses ?? []).filter((r) => r.answered).length;
        li.append(el('p', 'dash-client-name', p.title),
          el('p', 'dash-client-detail', `${answered} of ${(p.responses ?? []).length} answered`));
        const best = (p.slots ?? [])[0];
        if (best && answered) {
          li.append(el('p', 'dash-client-detail', `Best so far: ${formatSpan(Date.parse(best.starts_at),
            Date.parse(best.ends_at))} (${best.yes} can come, ${best.maybe} if need be)`));
        }
        ul.append(li);
      }
      box.append(ul);
    }
    box.append(el('h4', 'dash-detail-heading', 'Sessions to come'));
    if (coming.length) {
      const ul = el('ul', 'dash-detail-list');
      for (const o of coming) {
        const li = el('li');
        li.append(el('p', 'dash-client-name', formatSpan(o.starts, o.ends)), el('p', 'dash-client-detail', o.title));
        ul.append(li);
      }
      box.append(ul);
    } else {
      box.append(el('p', 'hint', 'No sessions booked. Schedule one, or find a time with the members.'));
    }
    box.append(...groupCareParts(g, { data, call, onChanged: () => { render(); onChanged?.(); } }));
    return box;
  }

  function render() {
    const groups = [...data.groups].sort(byName);
    list.replaceChildren(...groups.map((g) => {
      const li = el('li');
      const toggle = el('button', 'dash-disclosure', g.name);
      toggle.type = 'button';
      toggle.dataset.group = String(g.id);
      toggle.setAttribute('aria-expanded', String(g.id === openId));
      toggle.setAttribute('aria-controls', `group-detail-${g.id}`);
      li.append(toggle);
      const names = (g.members ?? []).map(clientName).sort((a, b) => a.localeCompare(b));
      li.append(el('p', 'dash-client-detail',
        names.length ? `Members: ${names.join(', ')}` : 'No members yet'));
      const facts = [`${names.length} of ${g.capacity} places taken`];
      if (data.user && g.therapist_id !== data.user.id) facts.push('you co-facilitate');
      li.append(el('p', 'dash-client-detail', facts.join(' · ')));
      if (g.id === openId) li.append(groupDetail(g));
      toggle.addEventListener('click', () => {
        openId = openId === g.id ? 0 : g.id;
        render();
        list.querySelector(`[data-group="${g.id}"]`)?.focus();
      });
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

// "Find a time": offer a group 2–6 times (local dates and times in a chosen zone, sent
// with that zone's offset for each), then see the open questions with their times best
// first and make the session from one of them.
import { errorCode, errorMessage } from './api.js';
import { browserZone, el, say } from './ui.js';
import { byName } from './dashboard-clients.js';
import {
  clearFieldErrors, clearMarkOnInput, markInvalid, showFieldErrors, whileBusy,
} from './dashboard-forms.js';
import {
  fillZoneSelect, formatSpan, localDateText, rfc3339Local,
} from './dashboard-time.js';

const MIN_SLOTS = 2;
const MAX_SLOTS = 6;

// "1 yes · 2 if need be · 0 no"
function countsText(slot) {
  const parts = [`${slot.yes ?? 0} yes`, `${slot.maybe ?? 0} if need be`, `${slot.no ?? 0} no`];
  if (slot.unanswered) parts.push(`${slot.unanswered} not yet`);
  return parts.join(' · ');
}

export function createPolls({ data, call, onScheduled }) {
  const form = document.getElementById('poll-form');
  const noGroups = document.getElementById('poll-no-groups');
  const group = document.getElementById('poll-group');
  const title = document.getElementById('poll-title-input');
  const zone = document.getElementById('poll-zone');
  const slotList = document.getElementById('poll-slots');
  const addSlot = document.getElementById('poll-add-slot');
  const duration = document.getElementById('poll-duration');
  const formError = document.getElementById('poll-error');
  const formStatus = document.getElementById('poll-status');
  const submit = form.querySelector('button[type="submit"]');
  const heading = document.getElementById('open-polls-title');
  const error = document.getElementById('polls-error');
  const empty = document.getElementById('polls-empty');
  const status = document.getElementById('polls-status');
  const list = document.getElementById('polls-list');

  let polls = [];
  let nextId = 1;
  // the slot a 409 overlap answered: its button sends again with allow_overlap
  let overlapSlot = null;

  fillZoneSelect(zone, browserZone());
  clearMarkOnInput(form);
  heading.tabIndex = -1;

  const mine = (item) => !data.user || item.therapist_id === data.user.id;

  // ---- the form ----

  function slotRows() {
    return [...slotList.children];
  }

  function numberSlots() {
    const rows = slotRows();
    rows.forEach((li, i) => {
      li.querySelector('legend').textContent = `Time ${i + 1}`;
      const remove = li.querySelector('.dash-slot-remove');
      remove.textContent = 'Remove';
      remove.setAttribute('aria-label', `Remove time ${i + 1}`);
      remove.hidden = rows.length <= MIN_SLOTS;
    });
    addSlot.hidden = rows.length >= MAX_SLOTS;
  }

  function field(labelText, type, id) {
    const wrap = el('div', 'field');
    const label = el('label', '', labelText);
    label.htmlFor = id;
    const input = document.createElement('input');
    input.type = type;
    input.id = id;
    if (type === 'date') input.min = localDateText();
    wrap.append(label, input);
    return { wrap, input };
  }

  function addSlotRow() {
    const n = nextId++;
    const li = el('li');
    const set = el('fieldset', 'dash-slot');
    const legend = el('legend');
    const row = el('div', 'dash-row');
    const date = field('Date', 'date', `poll-slot-date-${n}`);
    const time = field('Start time', 'time', `poll-slot-time-${n}`);
    date.input.classList.add('dash-slot-date');
    time.input.classList.add('dash-slot-time');
    row.append(date.wrap, time.wrap);
    const remove = el('button', 'button quiet dash-slot-remove');
    remove.type = 'button';
    remove.addEventListener('click', () => {
      const next = li.nextElementSibling ?? li.previousElementSibling;
      li.remove();
      numberSlots();
      next?.querySelector('input')?.focus();
    });
    set.append(legend, row, remove);
    li.append(set);
    slotList.append(li);
    numberSlots();
    return date.input;
  }

  function resetSlots() {
    slotList.replaceChildren();
    for (let i = 0; i < MIN_SLOTS; i++) addSlotRow();
  }

  addSlot.addEventListener('click', () => {
    addSlotRow().focus();
  });

  /** Fills the group choice from data (the groups this person runs). */
  function refreshChoices({ groupId } = {}) {
    const keep = groupId ?? group.value;
    const groups = data.groups.filter((g) => !data.user || g.therapist_id === data.user.id);
    group.replaceChildren(new Option('Choose a group', ''));
    for (const g of [...groups].sort(byName)) group.append(new Option(g.name, String(g.id)));
    group.value = groups.some((g) => String(g.id) === String(keep)) ? String(keep) : '';
    if (!group.value && groups.length === 1) group.value = String(groups[0].id);
    noGroups.hidden = groups.length !== 0;
    form.hidden = groups.length === 0;
  }

  function problem(text, control) {
    say(formError, text);
    markInvalid(form, control);
    return null;
  }

  function body() {
    if (!group.value) return problem('Please choose a group.', group);
    const slots = [];
    for (const [i, li] of slotRows().entries()) {
      const date = li.querySelector('.dash-slot-date');
      const time = li.querySelector('.dash-slot-time');
      if (!date.value) return problem(`Please choose a date for time ${i + 1}.`, date);
      if (!time.value) return problem(`Please choose a start time for time ${i + 1}.`, time);
      const at = rfc3339Local(date.value, time.value, zone.value);
      if (!at) return problem(`Time ${i + 1} is not a date and time the calendar has.`, date);
      slots.push(at);
    }
    const b = { group_id: Number(group.value), title: title.value.trim(), time_zone: zone.value, slots };
    if (duration.validity.badInput) return problem('Please give the duration in minutes.', duration);
    if (duration.value !== '') b.duration_minutes = duration.valueAsNumber;
    return b;
  }

  // the slot an error names ("Time 2 of …", "Times 1 and 3 of …"): the later one
  function slotOfError(err) {
    const m = /Times? (\d+)(?: and (\d+))?/.exec(String(err?.message ?? ''));
    if (!m) return null;
    const row = slotRows()[Number(m[2] ?? m[1]) - 1];
    return row?.querySelector('.dash-slot-date') ?? null;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form, formError);
    formStatus.textContent = '';
    const b = body();
    if (!b) return;
    const result = await whileBusy(form, submit, () => call('POST', '/api/v1/polls', b));
    if (result.status === 201 && result.data?.poll) {
      const poll = result.data.poll;
      polls = [poll, ...polls.filter((p) => p.id !== poll.id)];
      render();
      title.value = '';
      resetSlots();
      const asked = poll.responses?.length ?? poll.invites?.length ?? 0;
      formStatus.textContent = `Asked ${asked} ${asked === 1 ? 'member' : 'members'}. Each has their own link by mail.`;
      return;
    }
    // a problem with one of the times names it in its message ('Time 2 of "slots" …')
    const code = errorCode(result);
    const slot = slotOfError(result.data?.error);
    if (code === 'group_empty' || slot) {
      say(formError, errorMessage(result).replaceAll(' of "slots"', ''));
      markInvalid(form, code === 'group_empty' ? group : slot);
      return;
    }
    showFieldErrors(form, formError, result, [
      ['group_id', group], ['title', title], ['time_zone', zone], ['duration_minutes', duration],
      ['slots', slotRows()[0]?.querySelector('.dash-slot-date')],
    ]);
  });

  form.addEventListener('input', () => { formStatus.textContent = ''; });

  // ---- the open questions ----

  const groupName = (id) => data.groups.find((g) => g.id === id)?.name ?? 'A group';

  function slotItem(poll, slot, anyAnswer) {
    const li = el('li', 'dash-poll-slot');
    const when = el('p', 'dash-poll-when');
    when.id = `poll-${poll.id}-slot-${slot.id}`;
    when.append(el('span', '', formatSpan(Date.parse(slot.starts_at), Date.parse(slot.ends_at))));
    if (anyAnswer && slot.rank === 1) when.append(' ', el('span', 'dash-badge', 'Best so far'));
    const counts = el('p', 'dash-poll-counts', countsText(slot));
    const button = el('button', 'button quiet dash-poll-pick',
      overlapSlot === slot.id ? 'Schedule anyway' : 'Schedule this time');
    button.type = 'button';
    button.setAttribute('aria-describedby', when.id);
    button.addEventListener('click', () => pick(poll, slot, button));
    li.append(when, counts, button);
    return li;
  }

  function pollItem(poll) {
    const li = el('li', 'dash-poll');
    li.append(el('h4', 'dash-poll-title', poll.title));
    const responses = poll.responses ?? [];
    const answered = responses.filter((r) => r.answered).length;
    li.append(el('p', 'dash-client-detail',
      `${groupName(poll.group_id)} · ${answered} of ${responses.length} answered · ${poll.duration_minutes} minutes`));
    const slots = el('ol', 'dash-poll-slots');
    slots.setAttribute('aria-label', `Times for ${poll.title}, best first`);
    slots.append(...(poll.slots ?? []).map((s) => slotItem(poll, s, answered > 0)));
    li.append(slots);
    return li;
  }

  function render() {
    const open = polls.filter((p) => p.status === 'open' && mine(p));
    list.replaceChildren(...open.map(pollItem));
    list.hidden = open.length === 0;
    empty.hidden = open.length !== 0;
  }

  async function pick(poll, slot, button) {
    say(error, '');
    status.textContent = '';
    const body = { slot_id: slot.id };
    if (overlapSlot === slot.id) body.allow_overlap = true;
    const buttons = [...list.querySelectorAll('button')];
    for (const b of buttons) b.disabled = true;
    const result = await call('POST', `/api/v1/polls/${poll.id}/session`, body);
    for (const b of buttons) b.disabled = false;
    if (result.status === 201) {
      overlapSlot = null;
      const updated = result.data?.poll ?? { ...poll, status: 'closed' };
      polls = polls.map((p) => (p.id === poll.id ? updated : p));
      render();
      status.textContent = `Scheduled ${poll.title} for ${formatSpan(Date.parse(slot.starts_at),
        Date.parse(slot.ends_at))}. Invitations are on their way.`;
      heading.focus();
      await onScheduled?.();
      return;
    }
    if (result.status === 409 && errorCode(result) === 'overlap') {
      overlapSlot = slot.id;
      button.textContent = 'Schedule anyway';
      say(error, `${errorMessage(result)} Choose another time, or press "Schedule anyway".`);
      button.focus();
      return;
    }
    overlapSlot = null;
    say(error, errorMessage(result));
    if (errorCode(result) === 'poll_closed') load();
    else button.focus();
  }

  function loaded(result) {
    if (result.status === 200 && Array.isArray(result.data?.polls)) {
      polls = result.data.polls;
      data.polls = polls; // a group's details show its own
      say(error, '');
    } else {
      say(error, errorMessage(result, 'Your questions to groups could not be loaded. Please reload the page.'));
    }
    render();
  }

  async function load() {
    return loaded(await call('GET', '/api/v1/polls'));
  }

  resetSlots();
  return { refreshChoices, render, loaded, load };
}

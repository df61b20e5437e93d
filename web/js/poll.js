// The "find a time" page a group member opens from their mail: /p/<token>. The token is
// their credential; it goes to the server in the body of a POST, never in an API URL.
import { api, errorCode, errorMessage } from './api.js';
import { ready, say, setBusy, zoneName } from './ui.js';

const CHOICES = [
  ['yes', 'Available'],
  ['maybe', 'If need be'],
  ['no', 'Not available'],
];

const practice = document.getElementById('practice');
const heading = document.getElementById('page-title');
const problem = document.getElementById('poll-problem');
const closed = document.getElementById('poll-closed');
const form = document.getElementById('poll-form');
const intro = document.getElementById('poll-intro');
const slotList = document.getElementById('slots');
const saved = document.getElementById('poll-saved');
const error = document.getElementById('poll-error');

const token = decodeURIComponent(location.pathname.split('/')[2] ?? '');

// Dates in the member's own zone; the browser's zone if that one is unknown here.
function formatters(timeZone) {
  const day = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat(undefined, { ...day, timeZone });
  } catch {
    return new Intl.DateTimeFormat(undefined, day);
  }
}

function describe(format, slot) {
  const start = new Date(slot.starts_at);
  const end = new Date(slot.ends_at);
  return typeof format.formatRange === 'function' ? format.formatRange(start, end)
    : format.format(start);
}

function slotFieldset(format, slot, answer) {
  const fieldset = document.createElement('fieldset');
  fieldset.className = 'slot';
  const legend = document.createElement('legend');
  legend.textContent = describe(format, slot);
  const choices = document.createElement('div');
  choices.className = 'choices';
  for (const [value, text] of CHOICES) {
    const label = document.createElement('label');
    label.className = 'choice';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = `slot-${slot.id}`;
    input.value = value;
    input.checked = answer === value;
    input.dataset.slot = String(slot.id);
    const span = document.createElement('span');
    span.textContent = text;
    label.append(input, span);
    choices.append(label);
  }
  fieldset.append(legend, choices);
  return fieldset;
}

function show(data) {
  const { poll } = data;
  const timeZone = data.client?.time_zone || poll.time_zone;
  if (poll.practice_name) practice.textContent = poll.practice_name;
  heading.textContent = poll.title;
  document.title = `${poll.title} · ${poll.practice_name || 'confide'}`;
  intro.textContent = `Which of these times suit you? Times are in ${zoneName(timeZone)} time.`;
  const answers = new Map((data.answers ?? []).map((a) => [a.slot_id, a.answer]));
  const format = formatters(timeZone);
  slotList.replaceChildren(...poll.slots.map((s) => slotFieldset(format, s, answers.get(s.id))));
  form.hidden = false;
  if (poll.status === 'closed') showClosed();
}

function showClosed() {
  closed.hidden = false;
  setBusy(form, true);
  form.setAttribute('aria-busy', 'false');
}

async function load() {
  if (!token) {
    say(problem, 'This link is incomplete. Please open the whole link from your email.');
    ready();
    return;
  }
  const result = await api('POST', '/api/v1/poll-links/lookup', { token });
  if (result.status === 200) show(result.data);
  else say(problem, errorMessage(result));
  ready();
}

form.addEventListener('change', () => {
  say(saved, '');
  say(error, '');
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  say(saved, '');
  say(error, '');
  const answers = [...form.querySelectorAll('input[type="radio"]:checked')]
    .map((input) => ({ slot_id: Number(input.dataset.slot), answer: input.value }));
  if (answers.length === 0) {
    say(error, 'Please choose an answer for at least one time.');
    return;
  }
  setBusy(form, true);
  const result = await api('POST', '/api/v1/poll-links/answer', { token, answers });
  setBusy(form, false);
  if (result.status === 200) {
    say(saved, 'Thank you — your answers are saved.');
    return;
  }
  if (errorCode(result) === 'poll_closed') showClosed();
  say(error, errorMessage(result));
});

load();

// A group's interest page: /i/<token>. Someone who would like a place leaves their name,
// how to reach them, the times that suit them and answers to the practitioner's few
// questions; it lands on the group's waitlist. The token goes to the server in the body of
// a POST, never in an API URL.
import { api, errorMessage } from './api.js';
import { el, ready, say, setBusy } from './ui.js';
import { clearFieldErrors, showFieldErrors } from './dashboard-forms.js';

const $ = (id) => document.getElementById(id);
const practice = $('practice');
const heading = $('page-title');
const problem = $('interest-problem');
const done = $('interest-done');
const form = $('interest-form');
const description = $('group-description');
const dayParts = $('day-parts');
const questionsBox = $('questions');
const error = $('interest-error');

const token = decodeURIComponent(location.pathname.split('/')[2] ?? '');
let answerInputs = [];

function show(data) {
  if (data.practice_name) practice.textContent = data.practice_name;
  heading.textContent = `Ask to join “${data.group.name}”`;
  document.title = `${data.group.name} · ${data.practice_name || 'confide'}`;
  description.textContent = data.group.description || '';
  description.hidden = !data.group.description;
  dayParts.replaceChildren(...(data.day_parts ?? []).map((part, i) => {
    const label = el('label', 'choice');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.id = `part-${i}`;
    box.value = part;
    label.append(box, el('span', '', part[0].toUpperCase() + part.slice(1)));
    return label;
  }));
  answerInputs = (data.questions ?? []).map((question, i) => {
    const field = el('div', 'field');
    const label = el('label', '', question);
    label.htmlFor = `answer-${i}`;
    const input = document.createElement('textarea');
    input.id = `answer-${i}`;
    input.rows = 3;
    input.maxLength = 2000;
    field.append(label, input);
    questionsBox.append(field);
    return input;
  });
  form.hidden = false;
}

async function load() {
  if (!token) {
    say(problem, 'This link is incomplete. Please open the whole link you were given.');
    ready();
    return;
  }
  const result = await api('POST', '/api/v1/interest/lookup', { token });
  if (result.status === 200) show(result.data);
  else say(problem, errorMessage(result, 'This page could not be opened. Please try again later.'));
  ready();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFieldErrors(form, error);
  const body = {
    token,
    name: $('name').value.trim(),
    email: $('email').value.trim(),
    phone: $('phone').value.trim(),
    times: {
      parts: [...dayParts.querySelectorAll('input:checked')].map((box) => box.value),
      note: $('times-note').value.trim(),
    },
    answers: answerInputs.map((input) => input.value.trim()),
  };
  setBusy(form, true);
  const result = await api('POST', '/api/v1/interest/submit', body);
  setBusy(form, false);
  if (result.status === 201) {
    form.hidden = true;
    say(done, 'Thank you. Your request is with the practice, and they will be in touch.');
    done.focus();
    return;
  }
  if (result.status === 410 || result.status === 404) {
    form.hidden = true;
    say(problem, errorMessage(result));
    return;
  }
  showFieldErrors(form, error, result, [
    ['name', $('name')], ['email', $('email')], ['phone', $('phone')],
    ['times', $('times-note')], ['answers', answerInputs[0] ?? $('name')],
  ]);
});

load();

// The check-in questionnaires, for every page that asks them (the meeting's waiting room,
// the messages page): their words — PHQ-9, GAD-7 (each item answered 0-3 with the
// frequency labels) and the mood check-in (0-10 and an optional word) — and the controls
// that ask one item. The server scores them (practice/measures.h); the items are in its order.
import { el, say } from './ui.js';

export const FREQUENCY = ['Not at all', 'Several days', 'More than half the days', 'Nearly every day'];

export const MEASURES = {
  phq9: {
    title: 'PHQ-9',
    intro: 'Over the last 2 weeks, how often have you been bothered by any of the following problems?',
    items: [
      'Little interest or pleasure in doing things',
      'Feeling down, depressed, or hopeless',
      'Trouble falling or staying asleep, or sleeping too much',
      'Feeling tired or having little energy',
      'Poor appetite or overeating',
      'Feeling bad about yourself — or that you are a failure or have let yourself or your family down',
      'Trouble concentrating on things, such as reading the newspaper or watching television',
      'Moving or speaking so slowly that other people could have noticed; or the opposite — being so fidgety or restless that you have been moving around a lot more than usual',
      'Thoughts that you would be better off dead, or of hurting yourself in some way',
    ],
  },
  gad7: {
    title: 'GAD-7',
    intro: 'Over the last 2 weeks, how often have you been bothered by the following problems?',
    items: [
      'Feeling nervous, anxious, or on edge',
      'Not being able to stop or control worrying',
      'Worrying too much about different things',
      'Trouble relaxing',
      'Being so restless that it is hard to sit still',
      'Becoming easily annoyed or irritable',
      'Feeling afraid, as if something awful might happen',
    ],
  },
};

export const MOOD_WORD_MAX = 40; // core/limits.h LIMIT_MOOD_WORD

function radioItem(prefix, index, text, max, labels, numbered = true) {
  const set = el('fieldset', 'checkin-item');
  set.append(el('legend', null, numbered ? `${index + 1}. ${text}` : text));
  const choices = el('div', 'checkin-choices');
  for (let v = 0; v <= max; v += 1) {
    const id = `${prefix}-${index}-${v}`;
    const input = el('input');
    input.type = 'radio';
    input.name = `${prefix}-${index}`;
    input.value = String(v);
    input.id = id;
    input.required = true;
    const label = el('label', 'checkin-choice');
    label.htmlFor = id;
    label.append(input, ` ${labels ? labels[v] : v}`);
    choices.append(label);
  }
  set.append(choices);
  return set;
}

function answersOf(form, prefix, count) {
  const out = [];
  for (let i = 0; i < count; i += 1) {
    const picked = form.querySelector(`input[name="${prefix}-${i}"]:checked`);
    if (!picked) return null;
    out.push(Number(picked.value));
  }
  return out;
}

let formCount = 0; // ids for the controls of each form

// One measure's form: its items (with the notice for PHQ-9 and GAD-7) and "Send answers".
// A submit with every item answered disables the button and calls
// send({ measure, answers, word? }, { form, button, problem }); with one missing, the form
// says so instead.
export function checkinForm(measure, notice, send) {
  const prefix = `checkin${formCount += 1}`;
  const form = el('form', 'checkin-form');
  form.noValidate = true;
  form.dataset.measure = measure;
  const problem = el('p', 'alert');
  problem.setAttribute('role', 'alert');
  problem.hidden = true;
  let count;
  if (measure === 'mood') {
    count = 1;
    form.append(el('h3', null, 'How are you feeling?'));
    form.append(radioItem(prefix, 0, 'Right now, from 0 (very low) to 10 (very good)', 10, null, false));
    const label = el('label', null, 'A word for the feeling (optional)');
    const word = el('input', 'input');
    word.id = `${prefix}-word`;
    word.name = 'word';
    word.maxLength = MOOD_WORD_MAX;
    word.autocomplete = 'off';
    label.htmlFor = word.id;
    form.append(label, word);
  } else {
    const m = MEASURES[measure];
    count = m.items.length;
    form.append(el('h3', null, m.title), el('p', null, m.intro));
    m.items.forEach((text, i) => form.append(radioItem(prefix, i, text, 3, FREQUENCY)));
    form.append(el('p', 'hint checkin-notice', notice));
  }
  const button = el('button', 'button primary', 'Send answers');
  button.type = 'submit';
  form.append(problem, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const answers = answersOf(form, prefix, count);
    if (!answers) {
      say(problem, 'Please answer every question.');
      return;
    }
    say(problem, '');
    const answer = { measure, answers };
    if (measure === 'mood') {
      const w = form.querySelector('input[name="word"]').value.trim();
      if (w) answer.word = w;
    }
    button.disabled = true;
    send(answer, { form, button, problem });
  });
  return form;
}

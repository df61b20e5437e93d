// Check-ins on the messages page: the measures the therapist asks before the client's next
// session (GET /api/v1/inbox "checkins", docs/API.md), answered here instead of in the
// waiting room; each sent on its own (POST /api/v1/inbox/checkins) and then not asked again
// there. Nothing here logs answers.
import { api, errorMessage } from './api.js';
import { el, say } from './ui.js';
import { FREQUENCY, MEASURES, MOOD_WORD_MAX } from './checkin-questions.js';

const sessionTime = new Intl.DateTimeFormat(undefined, { weekday: 'long', hour: '2-digit',
  minute: '2-digit' });

let formCount = 0;

function radioItem(prefix, index, text, max, labels, numbered = true) {
  const set = el('fieldset', 'checkin-item');
  set.append(el('legend', null, numbered ? `${index + 1}. ${text}` : text));
  const choices = el('div', 'checkin-choices');
  for (let v = 0; v <= max; v += 1) {
    const input = el('input');
    input.type = 'radio';
    input.name = `${prefix}-${index}`;
    input.value = String(v);
    input.id = `${prefix}-${index}-${v}`;
    input.required = true;
    const label = el('label', 'checkin-choice');
    label.htmlFor = input.id;
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

// part: the page's (hidden) section for check-ins; crisisText() the page's crisis
// resources; onSignedOut() when the device turns out to be signed out.
export function createInboxCheckins({ part, crisisText, onSignedOut }) {
  const forms = new Map(); // measure → its form, while unanswered
  const lead = el('p', 'checkin-lead');
  const list = el('div', 'checkin-list');
  part.append(lead, el('p', 'hint',
    'Your answers go to your therapist only. You will not be asked them again in the waiting room.'), list);

  function thanks(risk) {
    const done = el('div', 'checkin-done');
    done.setAttribute('role', 'status');
    done.append(el('p', null, 'Thank you. Your answers were sent to your therapist.'));
    if (risk) {
      done.classList.add('checkin-risk');
      done.append(el('p', null,
        'If you are in danger now, call your local emergency number. You can also use the help below, at any time:'),
      el('p', 'crisis-text', crisisText()));
    }
    return done;
  }

  function measureForm(measure, notice) {
    const prefix = `inbox-checkin${formCount += 1}`;
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
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const answers = answersOf(form, prefix, count);
      if (!answers) {
        say(problem, 'Please answer every question.');
        return;
      }
      say(problem, '');
      const body = { measure, answers };
      if (measure === 'mood') {
        const w = form.querySelector('input[name="word"]').value.trim();
        if (w) body.word = w;
      }
      button.disabled = true;
      const result = await api('POST', '/api/v1/inbox/checkins', body);
      if (result.status === 201 || result.data?.error?.code === 'not_asked') {
        forms.delete(measure);
        if (result.status === 201) form.replaceWith(thanks(measure === 'phq9' && answers[8] > 0));
        else form.replaceWith(el('p', 'checkin-done', result.data.error.message));
        return;
      }
      button.disabled = false;
      say(problem, errorMessage(result, 'Your answers could not be sent. Please try again.'));
      if (result.status === 401) onSignedOut();
    });
    return form;
  }

  return {
    // checkins: GET /api/v1/inbox's {measures, notice, starts_at, group}, or null
    show(checkins) {
      if (!checkins) {
        // nothing due: forms still open were answered elsewhere (the waiting room)
        for (const form of forms.values()) form.remove();
        forms.clear();
        part.hidden = !list.querySelector('.checkin-done');
        return;
      }
      const session = checkins.group ? 'group session' : 'session';
      lead.textContent = `Before your ${session} on ${sessionTime.format(new Date(checkins.starts_at))}, ` +
        'your therapist asks a few questions.';
      for (const measure of checkins.measures) {
        if (forms.has(measure) || !(measure === 'mood' || MEASURES[measure])) continue;
        const form = measureForm(measure, checkins.notice ?? '');
        forms.set(measure, form);
        list.append(form);
      }
      part.hidden = false;
    },
  };
}

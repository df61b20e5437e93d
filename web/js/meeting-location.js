// "Where are you right now?" on the meeting page (docs/PROTOCOL.md, "Where the client is").
// A client who joins is asked (`location_ask`, prefilled with their last answer) in the
// waiting room, or in the meeting when they are let in first: where they are (a US state or a
// country, GET /api/v1/jurisdictions), whether they are at home, and an address where help
// could reach them in an emergency. It is optional: "Not now" puts it away. In the meeting it
// waits folded, one line at the top, so it never covers the session. The answer goes as
// `location`; the server answers `location_saved`.
//
// The hosts' side: each waiting client's place and the licence warning in the waiting list
// (waitingWhere, for meeting-host.js), and "Where they are" (`locations`): every client's
// answer with their address for emergencies. The server sends these to hosts only.
import { $, el, labelledField, say } from './ui.js';

const PLACES = { home: 'at home', not_home: 'not at home', unknown: '' };

let listing = null; // the jurisdictions, asked once

function jurisdictions() {
  listing ??= fetch('/api/v1/jurisdictions', { headers: { accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : []))
    .then((body) => [...(body?.us_states ?? []), ...(body?.countries ?? [])])
    .catch(() => []);
  return listing;
}

let seq = 0;

const field = (labelText, control, hint) => labelledField(`location-${++seq}`, labelText, control, hint);

function radio(name, value, text) {
  const label = el('label', 'radio-label');
  const input = el('input');
  input.type = 'radio';
  input.name = name;
  input.value = value;
  label.append(input, el('span', null, ` ${text}`));
  return label;
}

// ---- the client's question ----

export function createLocation({ send, anchor, messages }) {
  let section = null;
  let fold = null;
  let form = null;
  let select = null;
  let address = null;
  let problem = null;
  let done = null;
  let change = null;
  let sending = false;
  let letIn = false;
  let answered = false;

  function place() {
    if (!section) return;
    // in the meeting, only while unanswered: folded at the top of the messages
    if (letIn) {
      if (answered || section.hidden) {
        section.remove();
      } else if (section.parentNode !== messages) {
        fold.open = false;
        messages.prepend(section);
      }
    } else if (section.parentNode !== anchor.parentNode) {
      fold.open = true;
      anchor.after(section);
    }
  }

  async function fill(selectEl, chosen) {
    const list = await jurisdictions();
    const states = el('optgroup');
    states.label = 'US states';
    const countries = el('optgroup');
    countries.label = 'Countries';
    for (const j of list) {
      if (typeof j?.key !== 'string') continue;
      const option = el('option', null, j.name || j.key);
      option.value = j.key;
      (j.key.startsWith('US-') ? states : countries).append(option);
    }
    selectEl.append(states, countries);
    if (chosen) selectEl.value = chosen;
  }

  function build(last) {
    section = el('section', 'location-ask');
    section.id = 'location-ask';
    section.setAttribute('aria-labelledby', 'location-title');
    fold = el('details', 'location-fold');
    fold.open = true;
    const summary = el('summary', 'location-summary');
    const title = el('h2', 'location-title', 'Where are you right now?');
    title.id = 'location-title';
    summary.append(title);
    // it stands open in the waiting room; only in the meeting does it fold
    summary.addEventListener('click', (event) => {
      if (!letIn) event.preventDefault();
    });
    fold.append(summary, el('p', 'hint',
      'Your therapist asks this at every session. It helps them care for you, and for your '
      + 'insurance. You can skip it.'));
    section.append(fold);

    form = el('form', 'form location-form');
    form.noValidate = true;
    select = el('select');
    select.name = 'jurisdiction';
    select.append(el('option', null, 'Choose where you are'));
    select.options[0].value = '';
    fill(select, last?.jurisdiction ?? '');

    const home = el('fieldset', 'field location-home');
    home.append(el('legend', null, 'Are you at home?'));
    const choices = el('div', 'location-choices');
    choices.append(radio('location-place', 'home', 'Yes'), radio('location-place', 'not_home', 'No'));
    home.append(choices);
    if (last?.place === 'home' || last?.place === 'not_home') {
      choices.querySelector(`input[value="${last.place}"]`).checked = true;
    }

    address = el('input');
    address.type = 'text';
    address.name = 'emergency';
    address.maxLength = 300;
    address.autocomplete = 'street-address';
    address.value = last?.emergency ?? '';

    problem = el('p', 'alert');
    problem.setAttribute('role', 'alert');
    problem.hidden = true;

    const actions = el('div', 'button-row');
    const save = el('button', 'button primary', 'Send my answer');
    save.type = 'submit';
    const skip = el('button', 'button quiet', 'Not now');
    skip.type = 'button';
    skip.addEventListener('click', () => {
      section.hidden = true;
      place();
    });
    actions.append(save, skip);

    form.append(field('Where you are', select),
      home,
      field('An address where help could reach you in an emergency (optional)', address,
        'Only your therapist sees this, for this session.'),
      problem, actions);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = form.querySelector('input[name="location-place"]:checked');
      // one line: a line break typed or pasted becomes a comma
      const emergency = address.value.replace(/\s*[\r\n]+\s*/g, ', ').trim();
      sending = true;
      save.disabled = true;
      say(problem, '');
      send({ type: 'location', jurisdiction: select.value, place: chosen?.value ?? 'unknown', emergency });
    });

    done = el('p', 'location-done');
    done.setAttribute('role', 'status');
    done.hidden = true;
    // said by mistake, or somewhere else now: the form again, as it was sent
    change = el('button', 'button quiet', 'Change my answer');
    change.type = 'button';
    change.hidden = true;
    change.addEventListener('click', () => {
      answered = false;
      change.hidden = true;
      say(done, '');
      form.hidden = false;
      select.focus();
    });
    fold.append(form);
    section.append(done, change);
  }

  return {
    // {"type":"location_ask","last":{jurisdiction,place,emergency}|null}: asked each time
    asked(msg) {
      if (section) section.remove();
      answered = false;
      build(msg.last ?? null);
      place();
    },

    admitted() {
      letIn = true;
      place();
    },

    waiting() {
      letIn = false;
      if (section && !answered) section.hidden = false;
      place();
    },

    awaiting() {
      return sending;
    },

    saved() {
      sending = false;
      answered = true;
      if (!form) return;
      form.querySelector('button[type="submit"]').disabled = false;
      form.hidden = true;
      say(done, 'Thank you. Your therapist can see this for this session.');
      change.hidden = false;
      place();
    },

    refused(msg) {
      sending = false;
      if (!form) return;
      form.querySelector('button[type="submit"]').disabled = false;
      say(problem, msg.message || 'That did not work. Please try again.');
    },
  };
}

// ---- the hosts' side ----

function placeText(where) {
  const name = where.jurisdiction_name || (where.jurisdiction ? where.jurisdiction : '');
  const at = PLACES[where.place] ?? '';
  if (name && at) return `In ${name}, ${at}`;
  if (name) return `In ${name}`;
  if (at) return `Did not say where; ${at}`;
  return 'Did not say where they are';
}

/** Fills a waiting-list row's line about where the person said they are. */
export function waitingWhere(box, person) {
  const where = person.location;
  if (!where) {
    box.replaceChildren(el('span', 'hint', 'Has not said where they are yet.'));
    return;
  }
  const parts = [el('span', 'location-place', placeText(where))];
  if (where.warning) parts.push(el('strong', 'location-warning', where.warning));
  box.replaceChildren(...parts);
}

/** "Where they are": every client's answer, with their address for emergencies. */
export function createLocationsPanel() {
  const panel = $('location-panel');
  const list = $('location-list');
  return {
    locations(msg) {
      const people = Array.isArray(msg.people) ? msg.people : [];
      list.replaceChildren(...people.map((person) => {
        const li = el('li', 'person location-person');
        li.dataset.participant = String(person.id);
        li.append(el('span', 'person-name', person.name || 'A client'),
          el('span', 'location-place', placeText(person)));
        li.append(person.emergency
          ? el('span', 'location-emergency', `Emergency address: ${person.emergency}`)
          : el('span', 'hint', 'No emergency address given.'));
        if (person.warning) li.append(el('strong', 'location-warning', person.warning));
        return li;
      }));
      panel.hidden = people.length === 0;
    },
  };
}

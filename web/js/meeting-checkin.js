// Check-ins on the meeting page. A client in the waiting room is asked the measures their
// therapist chose (`checkin`, docs/PROTOCOL.md): PHQ-9, GAD-7 and a mood check-in, each
// answered once and sent as `checkin_answer`. What is still unanswered when the client is let
// in moves into a dialog of the meeting, opened with "Check-in" in the controls (under More
// on a phone), so that it can be answered during the session without covering it. A host or
// co-host is told at once (`risk_alert`) when a client answers PHQ-9 item 9 above 0; the server sends that to hosts
// only, and this page shows it in the host's messages. Nothing here logs answers.
import { el, say } from './ui.js';
import { supportAlert } from './meeting-alerts.js';
import { checkinForm, MEASURES } from './checkin-questions.js';


// meeting: {button, dialog, body, status, more} — the Check-in control and its dialog
export function createCheckin({ send, anchor, messages, meeting }) {
  const forms = new Map(); // measure → its form, while unanswered
  let section = null;
  let riskBox = null;
  let letIn = false; // the client is in the meeting (not waiting)
  let inside = false; // the questions are in the meeting's dialog

  // the Check-in control shows what is left to answer; More on a phone carries a dot for it
  function showLeft() {
    const left = inside ? forms.size : 0;
    meeting.button.hidden = left === 0;
    meeting.button.textContent = `Check-in (${left} to answer)`;
    meeting.more.classList.toggle('has-checkin', left > 0);
  }

  // the questions where the client is: the waiting page, or the meeting's dialog
  function place() {
    if (!section) return;
    if (letIn && !inside && forms.size > 0) {
      inside = true;
      meeting.body.append(section);
      say(meeting.status, 'Your check-in is not answered yet. You can answer it during the session with the Check-in button in your controls.');
    } else if (!letIn && inside) {
      inside = false;
      if (meeting.dialog.open) meeting.dialog.close();
      anchor.after(section);
    }
    showLeft();
  }

  meeting.button.addEventListener('click', () => {
    if (meeting.dialog.open) return;
    meeting.dialog.showModal();
    meeting.dialog.querySelector('h2').focus();
  });
  meeting.dialog.addEventListener('close', () => {
    // back where the person was: the control, or More when it is folded away behind it (a
    // phone) or nothing is left to answer
    const shown = (b) => !b.hidden && b.offsetParent !== null;
    if (shown(meeting.button)) meeting.button.focus();
    else if (shown(meeting.more)) meeting.more.focus();
  });

  function ensureSection() {
    if (section) return section;
    section = el('section', 'checkin');
    section.id = 'checkin';
    section.setAttribute('aria-labelledby', 'checkin-title');
    const title = el('h2', 'checkin-title', 'Before your session');
    title.id = 'checkin-title';
    section.append(title, el('p', 'hint',
      'Your therapist asks these questions before each session. Your answers go to your therapist only.'));
    anchor.after(section);
    return section;
  }

  function measureForm(measure, notice) {
    return checkinForm(measure, notice, (answer, { form }) => {
      form.dataset.risk = measure === 'phq9' && answer.answers[8] > 0 ? '1' : '';
      send({ type: 'checkin_answer', ...answer });
    });
  }

  return {
    // {"type":"checkin","measures":[...],"notice":...}: the waiting room asks these
    asked(msg) {
      const box = ensureSection();
      for (const measure of msg.measures ?? []) {
        if (forms.has(measure) || !(measure === 'mood' || MEASURES[measure])) continue;
        const form = measureForm(measure, msg.notice ?? '');
        forms.set(measure, form);
        box.append(form);
      }
      place();
    },

    // let in: what is unanswered goes with the client into the meeting, quietly (also when
    // the questions come after the admission, as on a rejoin)
    admitted() {
      letIn = true;
      place();
    },

    // back in the waiting room (after a dropped connection): the questions are there again
    waiting() {
      letIn = false;
      place();
    },

    // an answer was sent and not yet saved or refused
    awaiting() {
      return [...forms.values()].some((f) => f.querySelector('button[type="submit"]').disabled);
    },

    saved(msg) {
      const form = forms.get(msg.measure);
      if (!form) return;
      forms.delete(msg.measure);
      const done = el('p', 'checkin-done', 'Thank you. Your answers were sent to your therapist.');
      done.setAttribute('role', 'status');
      if (form.dataset.risk) {
        done.textContent += ' If you are in danger now, call your local emergency number.';
      }
      form.replaceWith(done);
      showLeft();
    },

    // a refusal of an answer (the server says why): the form can be sent again
    refused(msg) {
      for (const form of forms.values()) {
        form.querySelector('button[type="submit"]').disabled = false;
        say(form.querySelector('.alert'), msg.message || 'That did not work. Please try again.');
      }
    },

    // hosts only: a client answered PHQ-9 item 9 above 0
    riskAlert(msg) {
      if (!riskBox) {
        riskBox = el('div', 'alert risk-box');
        riskBox.id = 'risk-box';
        const list = el('ul', 'support-list');
        list.setAttribute('role', 'alert');
        const dismiss = el('button', 'button quiet', 'Dismiss');
        dismiss.type = 'button';
        dismiss.addEventListener('click', () => {
          list.replaceChildren();
          riskBox.hidden = true;
        });
        riskBox.append(list, dismiss);
        messages.prepend(riskBox);
      }
      const list = riskBox.querySelector('ul');
      const key = `risk-${msg.participant}`;
      if (list.querySelector(`[data-key="${key}"]`)) return; // told again on a return
      const item = el('li', 'risk-item');
      item.dataset.key = key;
      const when = msg.at ? new Date(msg.at).toLocaleTimeString([], { timeStyle: 'short' }) : '';
      item.append(el('strong', null, `Risk: ${msg.name || 'A client'}`),
        ` answered PHQ-9 question 9 (thoughts of being better off dead or of self-harm) above 0` +
        `${when ? ` at ${when}` : ''}. It is on your dashboard too.`);
      list.append(item);
      riskBox.hidden = false;
      supportAlert(); // the same sound and notification as a support request (no name in it)
    },
  };
}

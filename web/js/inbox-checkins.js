// Check-ins on the messages page: the measures the therapist asks before the client's next
// session (GET /api/v1/inbox "checkins", docs/API.md), answered here instead of in the
// waiting room; each sent on its own (POST /api/v1/inbox/checkins) and then not asked again
// there. Nothing here logs answers.
import { api, errorMessage } from './api.js';
import { el, say } from './ui.js';
import { checkinForm, MEASURES } from './checkin-questions.js';

const sessionTime = new Intl.DateTimeFormat(undefined, { weekday: 'long', hour: '2-digit',
  minute: '2-digit' });

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
    return checkinForm(measure, notice, async (answer, { form, button, problem }) => {
      const result = await api('POST', '/api/v1/inbox/checkins', answer);
      if (result.status === 201 || result.data?.error?.code === 'not_asked') {
        forms.delete(measure);
        if (result.status === 201) form.replaceWith(thanks(measure === 'phq9' && answer.answers[8] > 0));
        else form.replaceWith(el('p', 'checkin-done', result.data.error.message));
        return;
      }
      button.disabled = false;
      say(problem, errorMessage(result, 'Your answers could not be sent. Please try again.'));
      if (result.status === 401) onSignedOut();
    });
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

// "Schedule a session": one client or a group, a local date and time in a chosen zone,
// optionally weekly or fortnightly. starts_at carries that zone's offset for that wall
// time, so a series booked in winter for a date in summer still starts at the time given.
import { errorCode, errorMessage } from './api.js';
import { browserZone, say, zoneName } from './ui.js';
import { byName } from './dashboard-clients.js';
import {
  clearFieldErrors, clearMarkOnInput, markInvalid, showFieldErrors, whileBusy,
} from './dashboard-forms.js';
import {
  fillZoneSelect, formatSpan, localDateText, rfc3339Local, zonedInstant,
} from './dashboard-time.js';

const SCHEDULED = 'Scheduled. Invitations are on their way.';

export function createSchedule({ data, call, onScheduled }) {
  const form = document.getElementById('schedule-form');
  const noClients = document.getElementById('schedule-no-clients');
  const withSet = document.getElementById('schedule-with');
  const clientField = document.getElementById('schedule-client-field');
  const client = document.getElementById('schedule-client');
  const groupField = document.getElementById('schedule-group-field');
  const group = document.getElementById('schedule-group');
  const title = document.getElementById('schedule-title-input');
  const date = document.getElementById('schedule-date');
  const time = document.getElementById('schedule-time');
  const duration = document.getElementById('schedule-duration');
  const repeats = document.getElementById('schedule-repeats');
  const countField = document.getElementById('schedule-count-field');
  const count = document.getElementById('schedule-count');
  const zone = document.getElementById('schedule-zone');
  const preview = document.getElementById('schedule-preview');
  const overlap = document.getElementById('schedule-overlap');
  const overlapMessage = document.getElementById('schedule-overlap-message');
  const anyway = document.getElementById('schedule-anyway');
  const error = document.getElementById('schedule-error');
  const status = document.getElementById('schedule-status');
  const submit = form.querySelector('button[type="submit"]');

  // the request a 409 overlap answered, to send again with allow_overlap
  let pending = null;

  fillZoneSelect(zone, browserZone());
  date.min = localDateText();
  clearMarkOnInput(form);

  const withGroup = () => !withSet.hidden && form.elements.with.value === 'group';

  function showChoice() {
    const g = withGroup();
    clientField.hidden = g;
    groupField.hidden = !g;
    countField.hidden = repeats.value === '0';
  }

  function fillSelect(select, items, placeholder, selected) {
    const keep = selected ?? select.value;
    select.replaceChildren(new Option(placeholder, ''));
    for (const item of [...items].sort(byName)) select.append(new Option(item.name, String(item.id)));
    select.value = items.some((i) => String(i.id) === String(keep)) ? String(keep) : '';
    if (!select.value && items.length === 1) select.value = String(items[0].id);
  }

  /** Fills the client and group choices from data; { clientId } selects that client. */
  function refreshChoices({ clientId } = {}) {
    fillSelect(client, data.clients, 'Choose a client', clientId);
    // co-facilitators see a group but only its owner books for it
    const groups = data.groups.filter((g) => !data.user || g.therapist_id === data.user.id);
    fillSelect(group, groups, 'Choose a group', undefined);
    withSet.hidden = groups.length === 0;
    if (clientId !== undefined || groups.length === 0) form.elements.with.value = 'client';
    noClients.hidden = data.clients.length !== 0 || groups.length !== 0;
    showChoice();
  }

  // "First session: Fri 19 Mar 2027, 18:00–18:50" in the browser's time, and what
  // happens when the clocks skip the time chosen
  function showPreview() {
    const at = zonedInstant(date.value, time.value, zone.value);
    if (!at) {
      preview.hidden = true;
      return;
    }
    const minutes = Number.isInteger(duration.valueAsNumber) ? duration.valueAsNumber : 50;
    const parts = [];
    if (at.skipped) {
      const local = new Intl.DateTimeFormat(undefined, { timeZone: zone.value, hour: '2-digit',
        minute: '2-digit' }).format(at.instant);
      parts.push(`The clocks skip ${time.value} that day in ${zoneName(zone.value)}, so it starts at ${local}.`);
    }
    const here = zone.value === browserZone() ? '' : ' your time';
    parts.push(`First session: ${formatSpan(at.instant, at.instant + minutes * 60000)}${here}.`);
    if (repeats.value !== '0' && Number.isInteger(count.valueAsNumber) && count.valueAsNumber > 1) {
      parts.push(`Then ${repeats.value === '2' ? 'every 2 weeks' : 'every week'}, ${count.valueAsNumber} sessions in all.`);
    }
    preview.textContent = parts.join(' ');
    preview.hidden = false;
  }

  function clearOffer() {
    pending = null;
    overlap.hidden = true;
    overlapMessage.textContent = '';
  }

  function problem(text, control) {
    say(error, text);
    markInvalid(form, control);
    return null;
  }

  // The request body, or null after saying what is missing.
  function body() {
    const g = withGroup();
    const select = g ? group : client;
    if (!select.value) {
      if (!g && data.clients.length === 0) {
        return problem('Add a client first, under Clients, then schedule their session.', client);
      }
      return problem(g ? 'Please choose a group.' : 'Please choose a client.', select);
    }
    if (!date.value) return problem('Please choose a date.', date);
    if (!time.value) return problem('Please choose a start time.', time);
    const startsAt = rfc3339Local(date.value, time.value, zone.value);
    if (!startsAt) return problem('That date or time is not one the calendar has.', date);

    const b = { title: title.value.trim(), starts_at: startsAt, time_zone: zone.value };
    b[g ? 'group_id' : 'client_id'] = Number(select.value);
    if (duration.validity.badInput) return problem('Please give the duration in minutes.', duration);
    if (duration.value !== '') b.duration_minutes = duration.valueAsNumber;
    if (repeats.value !== '0') {
      if (count.validity.badInput || count.value === '') {
        return problem('Please give the number of sessions.', count);
      }
      b.recurrence = { freq: 'weekly', interval: Number(repeats.value), count: count.valueAsNumber };
    }
    return b;
  }

  function titleOf(sessionId) {
    return data.sessions.find((s) => s.id === sessionId)?.title;
  }

  function overlapText(result) {
    const conflicts = Array.isArray(result.data?.error?.conflicts) ? result.data.error.conflicts : [];
    if (!conflicts.length) return errorMessage(result);
    const shown = conflicts.slice(0, 3).map((c) => {
      const span = formatSpan(Date.parse(c.starts_at), Date.parse(c.ends_at));
      const t = titleOf(c.session_id);
      return t ? `${span} (${t})` : span;
    });
    const rest = conflicts.length - shown.length;
    const which = conflicts.length === 1 ? 'another of your sessions' : `${conflicts.length} of your sessions`;
    return `This overlaps ${which}: ${shown.join('; ')}${rest > 0 ? `, and ${rest} more` : ''}. `
      + 'Choose another time, or schedule it anyway.';
  }

  async function send(b, focusAfter) {
    clearFieldErrors(form, error);
    status.textContent = '';
    const result = await whileBusy(form, focusAfter, () => call('POST', '/api/v1/sessions', b));
    if (result.status === 201) {
      clearOffer();
      title.value = '';
      date.value = '';
      time.value = '';
      showPreview();
      status.textContent = SCHEDULED;
      if (document.activeElement === anyway || !document.activeElement
        || document.activeElement === document.body) submit.focus();
      await onScheduled?.();
      return;
    }
    if (result.status === 409 && errorCode(result) === 'overlap') {
      pending = b;
      overlapMessage.textContent = overlapText(result);
      overlap.hidden = false;
      return;
    }
    clearOffer();
    // "client_or_group" names client_id: the one the person chose between is shown
    showFieldErrors(form, error, result, [
      ['title', title], ['client_id', withGroup() ? group : client], ['group_id', group],
      ['starts_at', date], ['ends_at', time], ['duration_minutes', duration],
      ['recurrence', count], ['time_zone', zone],
    ]);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearOffer();
    say(error, '');
    status.textContent = '';
    const b = body();
    if (b) send(b, submit);
  });

  anyway.addEventListener('click', () => {
    if (pending) send({ ...pending, allow_overlap: true }, submit);
  });

  // whatever changes after an overlap, "Schedule anyway" would no longer send it
  const changed = (event) => {
    if (event.target === anyway) return;
    if (pending) clearOffer();
    status.textContent = '';
    if (event.target.name === 'with' || event.target === repeats) showChoice();
    showPreview();
  };
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);

  /** Opens the form at a date and time in a zone (an empty slot of the calendar). */
  function prefill({ date: d, time: t, zone: z }) {
    clearOffer();
    clearFieldErrors(form, error);
    status.textContent = '';
    date.value = d;
    time.value = t;
    if (z) zone.value = z;
    showPreview();
    document.getElementById('schedule-title').scrollIntoView({ block: 'start' });
    const who = withGroup() ? group : client;
    (who.value ? title : who).focus({ preventScroll: true });
  }

  showChoice();
  return { refreshChoices, prefill };
}

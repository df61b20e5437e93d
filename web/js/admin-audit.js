// The audit log: filtered by who, what, which record and when; newest first, a page at
// a time ("Older entries" asks for the page before the oldest shown).
import { errorMessage } from './api.js';
import { say, setBusy } from './ui.js';

// What each action means, in words; an action not named here shows as it is.
const ACTIONS = {
  'login.start': 'Signed in',
  'login.end': 'Signed out',
  'login.failed': 'Sign-in refused',
  'login.mfa_failed': 'Wrong sign-in code',
  'mfa.enrolled': 'Set up two-step sign-in',
  'mfa.used_recovery_code': 'Used a recovery code',
  'mfa.reset': 'Two-step sign-in removed',
  'account.create': 'Account created',
  'account.invite': 'Invited a practitioner',
  'account.role': 'Changed a role',
  'account.disable': 'Disabled an account',
  'account.enable': 'Enabled an account',
  'invitation.accept': 'Accepted an invitation',
  'password.change': 'Changed their password',
  'login.end_all': 'Signed out everywhere',
  'mfa.removed': 'Turned off two-step sign-in',
  'mfa.recovery_codes_renewed': 'New recovery codes',
  'client.list': 'Listed clients',
  'client.read': 'Opened a client',
  'client.create': 'Added a client',
  'client.update': 'Changed a client',
  'client.archive': 'Archived a client',
  'client.roster': 'Listed the practice\'s clients',
  'client.emergency_access': 'Emergency access to a client',
  'client.emergency_read': 'Opened a client (emergency access)',
  'group.list': 'Listed groups',
  'group.read': 'Opened a group',
  'group.create': 'Made a group',
  'group.update': 'Changed a group',
  'group.archive': 'Archived a group',
  'session.list': 'Listed sessions',
  'session.read': 'Opened a session',
  'session.create': 'Scheduled a session',
  'session.reschedule': 'Rescheduled a session',
  'session.cancel': 'Cancelled a series',
  'session.cancel_occurrence': 'Cancelled a session',
  'attendance.read': 'Read attendance',
  'poll.list': 'Listed polls',
  'poll.read': 'Opened a poll',
  'poll.create': 'Asked a group for times',
  'poll.close': 'Chose a time',
  'poll.answer': 'A client answered a poll',
  'audit.read': 'Read the audit log',
};

export function createAudit({ call, names }) {
  const form = document.getElementById('audit-filter');
  const actor = document.getElementById('audit-actor');
  const action = document.getElementById('audit-action');
  const table = document.getElementById('audit-table');
  const rows = document.getElementById('audit-rows');
  const empty = document.getElementById('audit-empty');
  const error = document.getElementById('audit-error');
  const more = document.getElementById('audit-more');
  let query = '';
  let nextBefore = null;

  for (const [id, name] of names) actor.add(new Option(name, String(id)));
  for (const [key, label] of Object.entries(ACTIONS)) action.add(new Option(label, key));

  // A date input's day in the browser's zone, as the instant it starts.
  function dayStart(value, plusDays = 0) {
    const [y, m, d] = value.split('-').map(Number);
    return new Date(y, m - 1, d + plusDays).toISOString();
  }

  function buildQuery() {
    const p = new URLSearchParams();
    if (actor.value) p.set('actor', actor.value);
    if (action.value) p.set('action', action.value);
    const subject = form.elements.subject.value.trim();
    if (subject) p.set('subject', subject);
    if (form.elements.since.value) p.set('since', dayStart(form.elements.since.value));
    if (form.elements.until.value) p.set('until', dayStart(form.elements.until.value, 1));
    return p;
  }

  function cell(tr, text) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }

  function append(entries) {
    for (const e of entries) {
      const tr = document.createElement('tr');
      cell(tr, new Date(e.at).toLocaleString());
      cell(tr, e.actor_user_id ? names.get(e.actor_user_id) ?? `Account ${e.actor_user_id}` : '—');
      cell(tr, ACTIONS[e.action] ?? e.action);
      cell(tr, e.subject_id ? `#${e.subject_id}` : '');
      cell(tr, e.source ?? '');
      cell(tr, e.outcome === 'ok' ? 'Done' : e.outcome === 'refused' ? 'Refused' : e.outcome);
      if (e.outcome !== 'ok') tr.className = 'dash-refused';
      rows.append(tr);
    }
  }

  async function fetchPage(first) {
    const p = new URLSearchParams(query);
    if (!first && nextBefore) p.set('before', String(nextBefore));
    const result = await call('GET', `/api/v1/audit?${p}`);
    if (result.status !== 200) {
      say(error, errorMessage(result));
      return;
    }
    say(error, '');
    if (first) rows.replaceChildren();
    append(result.data.entries);
    nextBefore = result.data.next_before;
    table.hidden = rows.children.length === 0;
    empty.hidden = rows.children.length > 0;
    more.hidden = !nextBefore;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    query = buildQuery().toString();
    setBusy(form, true);
    await fetchPage(true);
    setBusy(form, false);
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    await fetchPage(false);
    more.disabled = false;
  });

  return { load: () => fetchPage(true) };
}

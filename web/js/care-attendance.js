// Attendance over time, from the server's statuses (attended, late, left early, no-show):
// a client's row of marks with their rate, a group's roster with each member's rate, and
// the dashboard's note when a client has missed two sessions in a row (dismissable until
// they miss another). Each read is an audited read, made when the part is shown.
import { errorMessage } from './api.js';
import { el, say } from './ui.js';

const WORDS = {
  attended: ['✓', 'Came'],
  late: ['L', 'Came late'],
  left_early: ['E', 'Left early'],
  no_show: ['–', 'Did not come'],
};
const SHOWN = 12; // marks in the row, the latest

export const statusWords = (status) => WORDS[status]?.[1] ?? 'Unknown';

function percent(rate) {
  return rate === null || rate === undefined ? 'no sessions yet' : `${Math.round(rate * 100)}%`;
}

function day(iso) {
  return new Date(iso).toLocaleDateString([], { day: 'numeric', month: 'short' });
}

function summaryText(s) {
  if (!s.held) return 'No sessions have taken place yet.';
  const parts = [`came to ${s.attended + s.late} of ${s.held}`];
  if (s.late) parts.push(`${s.late} late`);
  if (s.left_early) parts.push(`${s.left_early} left early`);
  if (s.no_show) parts.push(`${s.no_show} missed`);
  return `Attendance ${percent(s.rate)}: ${parts.join(', ')}.`;
}

// The client's part: a row of marks, oldest to latest, and the rate.
export function clientAttendance(client, { call }) {
  const box = el('section', 'care-attendance');
  const heading = el('h4', 'dash-detail-heading', 'Attendance');
  const line = el('p', 'hint', 'Loading attendance…');
  box.append(heading, line);
  (async () => {
    const result = await call('GET', `/api/v1/clients/${client.id}/attendance`);
    if (result.status !== 200) {
      say(line, errorMessage(result, 'Attendance could not be loaded.'));
      return;
    }
    const { occurrences, summary } = result.data;
    say(line, summaryText(summary));
    if (!occurrences.length) return;
    const marks = el('ol', 'att-marks');
    marks.setAttribute('aria-label', 'Attendance at the latest sessions, oldest first');
    for (const o of occurrences.slice(-SHOWN)) {
      const [mark, words] = WORDS[o.status] ?? ['?', 'Unknown'];
      const li = el('li', `att-mark ${o.status}`, mark);
      li.title = `${day(o.starts_at)}, ${o.title}: ${words}`;
      li.setAttribute('aria-label', li.title);
      marks.append(li);
    }
    box.append(marks);
    if (summary.missed_in_a_row >= 2) {
      box.append(el('p', 'alert', `${client.name} has missed the last ${summary.missed_in_a_row} sessions in a row.`));
    }
  })();
  return box;
}

// The group's part: each member, their rate since they joined, and their latest scores.
export function groupRoster(group, { call }) {
  const box = el('section', 'care-roster');
  box.append(el('h4', 'dash-detail-heading', 'Roster'));
  const line = el('p', 'hint', 'Loading the roster…');
  box.append(line);
  (async () => {
    const result = await call('GET', `/api/v1/groups/${group.id}/roster`);
    if (result.status !== 200) {
      say(line, errorMessage(result, 'The roster could not be loaded.'));
      return;
    }
    const members = result.data.members ?? [];
    if (!members.length) {
      say(line, 'The group has no members yet.');
      return;
    }
    line.remove();
    const table = el('table', 'dash-table care-roster-table');
    const head = el('tr');
    for (const h of ['Member', 'Attendance', 'Latest check-in']) {
      const th = el('th', '', h);
      th.scope = 'col';
      head.append(th);
    }
    table.append(el('thead'), el('tbody'));
    table.tHead.append(head);
    for (const m of members) {
      const a = m.attendance;
      const row = el('tr');
      const name = el('th', '', m.name);
      name.scope = 'row';
      const rate = a.held ? `${percent(a.rate)} (${a.attended + a.late} of ${a.held})` : 'no sessions yet';
      const scores = m.last_scores
        ? m.last_scores.map((s) => `${s.measure} ${s.total}`).join(', ')
        : '—';
      row.append(name, el('td', '', rate), el('td', '', scores));
      table.tBodies[0].append(row);
    }
    const wrap = el('div', 'dash-table-wrap');
    wrap.append(table);
    box.append(wrap);
  })();
  return box;
}

// The dashboard's note: clients who missed the latest two (or more) sessions in a row.
// Dismissed notes are kept in this browser, by the latest session missed: another miss
// brings the note back.
const DISMISSED_KEY = 'confide.attendanceNudgesDismissed';

function dismissed() {
  try {
    return new Set(JSON.parse(localStorage.getItem(DISMISSED_KEY) ?? '[]'));
  } catch {
    return new Set();
  }
}

export async function showAttendanceNudges({ call }) {
  const result = await call('GET', '/api/v1/attendance/nudges');
  if (result.status !== 200) return;
  const gone = dismissed();
  const nudges = (result.data.nudges ?? []).filter((n) => !gone.has(`${n.client_id}:${n.latest_occurrence_id}`));
  if (!nudges.length) return;
  const section = el('section', 'notice dash-nudges');
  section.setAttribute('aria-label', 'Missed sessions');
  const list = el('ul', 'dash-detail-list');
  for (const n of nudges) {
    const li = el('li');
    const text = n.missed_in_a_row === 2
      ? `${n.name} has missed two sessions in a row.`
      : `${n.name} has missed ${n.missed_in_a_row} sessions in a row.`;
    const dismiss = el('button', 'button quiet', 'Dismiss');
    dismiss.type = 'button';
    dismiss.setAttribute('aria-label', `Dismiss: ${text}`);
    dismiss.addEventListener('click', () => {
      gone.add(`${n.client_id}:${n.latest_occurrence_id}`);
      localStorage.setItem(DISMISSED_KEY, JSON.stringify([...gone]));
      li.remove();
      if (!list.children.length) section.remove();
    });
    li.append(el('p', '', text), dismiss);
    list.append(li);
  }
  section.append(list);
  const anchor = document.getElementById('emergency-notice');
  anchor?.after(section);
}

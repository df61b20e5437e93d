// The practitioner's side of emergency access: who opened which of their clients' records,
// when and why (the last 90 days), shown at the top while any is new to them.
import { say } from './ui.js';

export async function showEmergencyAccess({ call }) {
  const section = document.getElementById('emergency-notice');
  const list = document.getElementById('emergency-notice-list');
  const result = await call('GET', '/api/v1/me/emergency-access');
  if (result.status !== 200) return;
  const grants = result.data.emergency_access ?? [];
  if (!grants.some((g) => g.new)) return;
  list.replaceChildren(...grants.map((g) => {
    const li = document.createElement('li');
    const when = new Date(g.opened_at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
    const who = g.admin_name ?? 'An administrator';
    const line = document.createElement('p');
    line.textContent = `${when}: ${who} opened ${g.client_name}'s record.`;
    if (g.new) line.className = 'dash-emergency-new';
    const why = document.createElement('p');
    why.className = 'hint';
    say(why, `Reason given: “${g.reason}”`);
    li.append(line, why);
    return li;
  }));
  section.hidden = false;
}

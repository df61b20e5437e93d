// Practice records, for administrators: emergency access to another practitioner's
// client, and the audit log. The page leaves when the sign-in ends (the server's idle
// timeout), like the dashboard.
import { api, errorMessage } from './api.js';
import { isAdmin, ready, say } from './ui.js';
import { createAudit } from './admin-audit.js';
import { createEmergency } from './admin-emergency.js';
import { guardSignIn } from './signed-in.js';

const pageError = document.getElementById('admin-error');

const guard = guardSignIn({ onError: (text) => say(pageError, text) });

async function start() {
  const me = await guard.call('GET', '/api/v1/me');
  if (me.status === 401) return;
  ready();
  if (me.status !== 200) {
    say(pageError, errorMessage(me));
    return;
  }
  document.getElementById('signed-in-as').textContent = `Signed in as ${me.data.user.name}`;
  guard.started(me.data);
  if (!isAdmin(me.data.user)) {
    document.getElementById('not-admin').hidden = false;
    return;
  }
  document.getElementById('admin-panels').hidden = false;
  // the practitioners' names, for the log's "who"; ids when the list is not available
  const users = await api('GET', '/api/v1/users');
  const names = new Map();
  if (users.status === 200) for (const u of users.data.users ?? []) names.set(u.id, u.name);
  else names.set(me.data.user.id, me.data.user.name);
  createEmergency({ call: guard.call }).load();
  createAudit({ call: guard.call, names }).load();
}

start();

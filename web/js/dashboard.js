// The dashboard: upcoming sessions, scheduling, finding a time with a group, groups and
// clients, the practitioner's own account and, for administrators, the team. Signs the
// person out automatically once the server's idle timeout has passed since the last
// request that counted as activity.
import { api, errorCode, errorMessage, onRequest, SIGNED_OUT_KEY } from './api.js';
import { ready, say } from './ui.js';
import { createAccount } from './dashboard-account.js';
import { createClients } from './dashboard-clients.js';
import { showEmergencyAccess } from './dashboard-emergency.js';
import { enrol } from './mfa.js';
import { createGroups } from './dashboard-groups.js';
import { createPolls } from './dashboard-polls.js';
import { createSchedule } from './dashboard-schedule.js';
import { createSessions } from './dashboard-sessions.js';
import { createTeam } from './dashboard-team.js';

const signedInAs = document.getElementById('signed-in-as');
const signOut = document.getElementById('sign-out');
const pageError = document.getElementById('dashboard-error');

let idleTimeoutMs = 0;
let timer = 0;
let leaving = false;

function leave(url) {
  if (leaving) return;
  leaving = true;
  clearTimeout(timer);
  // nothing of the session stays on screen while the next page loads
  document.body.classList.add('loading');
  location.replace(url);
}

function signedOutIdle(result) {
  try {
    sessionStorage.setItem(SIGNED_OUT_KEY, errorMessage(result,
      'You were signed out after a time without activity. Please sign in again.'));
  } catch {
    // the sign-in page falls back to a general message
  }
  leave('/?signed_out=idle');
}

function handleSignedOut(result) {
  if (errorCode(result) === 'session_expired') signedOutIdle(result);
  else leave('/');
}

function showUser(me) {
  signedInAs.textContent = `Signed in as ${me.user.name}`;
  const seconds = Number(me.session?.idle_timeout_seconds);
  if (Number.isFinite(seconds) && seconds > 0) idleTimeoutMs = seconds * 1000;
}

function schedule(ms) {
  clearTimeout(timer);
  if (!leaving) timer = setTimeout(check, Math.max(0, ms));
}

// After every request the person's activity made, the countdown starts again.
function afterActivity() {
  if (idleTimeoutMs) schedule(idleTimeoutMs + 1000);
}

// Asks the server how long the sign-in has left, without counting as activity (so
// another open tab's checks never keep a sign-in alive); a 401 means it has ended.
async function check() {
  if (leaving) return;
  const result = await api('GET', '/api/v1/session', undefined, { activity: false });
  if (result.status === 200) {
    say(pageError, '');
    const left = Number(result.data?.session?.idle_remaining_seconds);
    schedule(((Number.isFinite(left) ? left : 0) + 1) * 1000);
  } else if (result.status === 401) {
    handleSignedOut(result);
  } else {
    say(pageError, errorMessage(result));
    schedule(30000);
  }
}

onRequest(afterActivity);
// timers sleep in background tabs and suspended laptops; look again when the page returns
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') check();
});

signOut.addEventListener('click', async () => {
  signOut.disabled = true;
  say(pageError, '');
  const result = await api('POST', '/api/v1/logout');
  if (result.status === 204 || result.status === 401) {
    leave('/');
    return;
  }
  signOut.disabled = false;
  say(pageError, errorMessage(result, 'Signing out did not work. Please try again.'));
});

// What the page knows; the parts below read it and refresh it. user is who is signed in.
const data = { user: null, clients: [], groups: [], sessions: [] };

// Every request of the page's parts: through api() (so it counts as activity), and a 401
// means the sign-in has ended, so the page leaves.
async function call(method, path, body) {
  const result = await api(method, path, body);
  if (result.status === 401) handleSignedOut(result);
  return result;
}

const sessions = createSessions({ data, call });
const scheduleForm = createSchedule({
  data,
  call,
  onScheduled: () => sessions.load(),
});
const polls = createPolls({
  data,
  call,
  onScheduled: () => sessions.load(),
});
const groups = createGroups({
  data,
  call,
  onCreated: (group) => {
    scheduleForm.refreshChoices();
    polls.refreshChoices({ groupId: group.id });
    polls.render();
    sessions.render();
  },
});
const clients = createClients({
  data,
  call,
  onAdded: (client) => {
    scheduleForm.refreshChoices({ clientId: client.id });
    groups.renderMembers();
    groups.render();
    sessions.render();
  },
});

const team = createTeam({ data, call });
const account = createAccount({ call, leave, onMfaChanged: () => showMfa() });

async function start() {
  const [me, sessionsResult, clientsResult, groupsResult, pollsResult] = await Promise.all([
    api('GET', '/api/v1/me'),
    call('GET', '/api/v1/sessions'),
    call('GET', '/api/v1/clients'),
    call('GET', '/api/v1/groups'),
    call('GET', '/api/v1/polls'),
  ]);
  if (me.status === 401) {
    handleSignedOut(me);
    return;
  }
  if (leaving) return;
  if (me.status === 200) data.user = me.data?.user ?? null;
  clients.loaded(clientsResult);
  groups.loaded(groupsResult);
  scheduleForm.refreshChoices();
  polls.refreshChoices();
  polls.loaded(pollsResult);
  sessions.loaded(sessionsResult);
  ready();
  if (me.status !== 200) {
    say(pageError, errorMessage(me));
    return;
  }
  showUser(me.data);
  afterActivity();
  showMfa();
  document.getElementById('admin-link').hidden = data.user?.role !== 'admin';
  showEmergencyAccess({ call });
  team.start();
}

const mfaStatus = document.getElementById('mfa-status');
const mfaStart = document.getElementById('mfa-start');

async function showMfa() {
  const result = await api('GET', '/api/v1/me/mfa');
  if (result.status !== 200) {
    say(mfaStatus, errorMessage(result));
    return;
  }
  const m = result.data;
  account.mfaState(m);
  if (m.totp) {
    const left = m.recovery_codes_left;
    say(mfaStatus, `On: signing in asks for a code from your authenticator app. ` +
        `${left} recovery code${left === 1 ? '' : 's'} left.`);
    mfaStart.hidden = true;
  } else {
    say(mfaStatus, m.required
      ? 'Required for your account: you will be asked to set it up at your next sign-in.'
      : 'Off. With it on, signing in also asks for a code from an app on your phone.');
    mfaStart.hidden = false;
  }
}

mfaStart.addEventListener('click', () => {
  mfaStart.hidden = true;
  enrol(document.getElementById('enrol'), () => showMfa());
});

start();

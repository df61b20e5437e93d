// The dashboard: who is waiting, upcoming sessions, scheduling, finding a time with a group,
// groups and clients, the practitioner's own account and, for administrators, the team.
// Signs the person out automatically once the server's idle timeout has passed since the
// last request that counted as activity.
import { api, errorMessage } from './api.js';
import { isAdmin, ready, say } from './ui.js';
import { createAccount } from './dashboard-account.js';
import { createCalendar } from './dashboard-calendar.js';
import { createClients } from './dashboard-clients.js';
import { showEmergencyAccess } from './dashboard-emergency.js';
import { showAttendanceNudges } from './care-attendance.js';
import { enrol } from './mfa.js';
import { createGroups } from './dashboard-groups.js';
import { createPolls } from './dashboard-polls.js';
import { createSchedule } from './dashboard-schedule.js';
import { createSessions } from './dashboard-sessions.js';
import { createTeam } from './dashboard-team.js';
import { watchWaiting } from './dashboard-waiting.js';
import { watchRiskAlerts } from './care-measures.js';
import { guardSignIn } from './signed-in.js';
import { showLicences } from './dashboard-licences.js';

const signedInAs = document.getElementById('signed-in-as');
const signOut = document.getElementById('sign-out');
const pageError = document.getElementById('dashboard-error');

const guard = guardSignIn({ onError: (text) => say(pageError, text) });

signOut.addEventListener('click', async () => {
  signOut.disabled = true;
  say(pageError, '');
  const result = await api('POST', '/api/v1/logout');
  if (result.status === 204 || result.status === 401) {
    guard.leave('/');
    return;
  }
  signOut.disabled = false;
  say(pageError, errorMessage(result, 'Signing out did not work. Please try again.'));
});

// What the page knows; the parts below read it and refresh it. user is who is signed in.
const data = { user: null, clients: [], groups: [], sessions: [] };

// Every request of the page's parts counts as activity; a 401 means the sign-in has ended,
// so the page leaves (signed-in.js).
const { call } = guard;

const sessions = createSessions({ data, call, onLoaded: () => calendar.render() });
const scheduleForm = createSchedule({
  data,
  call,
  onScheduled: () => sessions.load(),
});
const calendar = createCalendar({
  data,
  call,
  reload: () => sessions.load(),
  schedule: (at) => scheduleForm.prefill(at),
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
  onChanged: () => {
    clients.render();
    scheduleForm.refreshChoices();
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
const account = createAccount({ call, leave: guard.leave, onMfaChanged: () => showMfa() });

async function start() {
  const [me, sessionsResult, clientsResult, groupsResult, pollsResult] = await Promise.all([
    api('GET', '/api/v1/me'),
    call('GET', '/api/v1/sessions'),
    call('GET', '/api/v1/clients'),
    call('GET', '/api/v1/groups'),
    call('GET', '/api/v1/polls'),
  ]);
  if (me.status === 401) {
    guard.signedOut(me);
    return;
  }
  if (guard.leaving) return;
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
  signedInAs.textContent = `Signed in as ${me.data.user.name}`;
  guard.started(me.data);
  showMfa();
  document.getElementById('admin-link').hidden = !isAdmin(data.user);
  showEmergencyAccess({ call });
  showAttendanceNudges({ call });
  team.start();
  // who is waiting for the practitioner's meetings, live; without it the page works as before
  watchWaiting({ data, refreshSessions: () => sessions.load() });
  // check-in answers that need the practitioner at once (PHQ-9 question 9 above 0)
  watchRiskAlerts({ call });
  // licences: the account's list, the compacts (administrators) and the home's warnings
  showLicences({ call, data });
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

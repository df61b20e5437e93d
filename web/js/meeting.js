// The meeting page, /j/<token>: one page for clients and for the therapist's host link.
// Before joining it shows what and when, and the join form; then the waiting room (clients),
// the meeting itself, and what happened at the end. Everything goes over /ws (see
// docs/PROTOCOL.md), except audio and video (meeting-media.js). Nothing here logs names or
// chat to the console.
import { $, browserZone, isHostRole, say, setBusy, zoneName } from './ui.js';
import { MeetingSocket } from './meeting-socket.js';
import { createRoom } from './meeting-room.js';
import { createHost } from './meeting-host.js';
import { createMedia } from './meeting-media.js';
import { createScreen } from './meeting-screen.js';
import { createDevices } from './meeting-devices.js';
import { askToNotify, prepareSound } from './meeting-alerts.js';
import { appointmentText, opensAtText } from './meeting-format.js';
import { createSettings } from './meeting-settings.js';
import { createClock } from './meeting-clock.js';
import { createShortcuts } from './meeting-shortcuts.js';
import { createMore } from './meeting-more.js';
import { createCheckin } from './meeting-checkin.js';
import { createLocation, createLocationsPanel } from './meeting-location.js';


const views = {
  join: $('join-view'),
  waiting: $('waiting-view'),
  meeting: $('meeting-view'),
  final: $('final-view'),
};
const reconnecting = $('reconnecting');
const joinTitle = $('join-title');
const joinWhen = $('join-when');
const joinStatus = $('join-status');
const joinProblem = $('join-problem');
const joinForm = $('join-form');
const joinName = $('join-name');
const joinPassword = $('join-password');
const joinAgree = $('join-agree');
const joinButton = $('join-button');
const joinCheck = $('join-check');
const joinAudioOnly = $('join-audio-only');
const waitingNote = $('waiting-note');
const finalTitle = $('final-title');
const finalText = $('final-text');
const finalAgain = $('final-again');

// /j/<token>: a personal link; /m/<session id>: a signed-in therapist or co-facilitator
// joining from the dashboard (the sign-in cookie says who they are)
const STORE = 'confide.meeting';
const LINK_STORE = 'confide.link';
const bySession = location.pathname.startsWith('/m/');
// A personal link is a credential: once joined, the address bar shows /j/ alone (nothing to
// copy from the screen, the history or a screenshot) and this tab keeps the link for a reload.
function keptLink() {
  try {
    return sessionStorage.getItem(LINK_STORE) ?? '';
  } catch {
    return '';
  }
}
const pathToken = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const token = bySession ? pathToken : pathToken || keptLink();
const ref = bySession ? { session_id: Number(token) } : { token };

// what the page knows about the person and the session
const session = { role: '', me: null, title: '', chat: true };
let preview = null; // the server's preview answer
let state = 'connecting'; // connecting, form, joining, waiting, meeting, final
let rejoining = false; // a rejoin was sent and not answered yet
let lastJoin = null; // the join sent last: repeated on the node the meeting moved to
let joinOnOpen = false;
let everOpen = false;
let nameTouched = false;
let recheckTimer = 0;
let throttleTimer = 0;
let host = null;

// ---- the rejoin key, kept for this tab only and only for this link ----

function savedKey() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE) ?? 'null');
    return saved && saved.token === token && typeof saved.key === 'string' ? saved.key : '';
  } catch {
    return '';
  }
}

function saveKey(key) {
  try {
    if (key) sessionStorage.setItem(STORE, JSON.stringify({ token, key }));
  } catch {
    // private mode without storage: a dropped connection then means joining again
  }
}

function forgetKey() {
  try {
    sessionStorage.removeItem(STORE);
  } catch {
    // nothing kept, nothing to forget
  }
}

// ---- views ----

// the first answer usually comes at once: show nothing until then (or for a second at most),
// so the practice's name and the page's title do not flash in after a placeholder
const loadingTimer = setTimeout(loaded, 1000);

function loaded() {
  clearTimeout(loadingTimer);
  document.body.classList.remove('loading');
}

let shown = 'join';

function show(name) {
  loaded();
  const changed = name !== shown;
  shown = name;
  for (const [key, view] of Object.entries(views)) view.hidden = key !== name;
  document.body.classList.toggle('centered', name === 'join' || name === 'final');
  document.body.classList.toggle('waiting-page', name === 'waiting');
  document.body.classList.toggle('meeting-page', name === 'meeting');
  // a new view: its heading takes the focus, so a screen reader says where one is now
  if (changed) {
    const heading = views[name].querySelector('h1');
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
}

function setPractice(name) {
  for (const id of ['join-practice', 'waiting-practice', 'meeting-practice', 'final-practice']) {
    $(id).textContent = name || 'confide';
  }
}

function setTitle(text) {
  document.title = `${text} · confide`;
}

const socket = new MeetingSocket({ open: opened, message: received, lost });
const room = createRoom({ send: (msg) => socket.send(msg), session });
const names = new Map(); // participant id → name, from the last room message
const screen = createScreen({
  send: (msg) => socket.send(msg),
  nameOf: (id) => names.get(id) || 'Guest',
  complain: (text) => room.complain(text),
});
const media = createMedia({
  send: (msg) => socket.send(msg),
  session,
  nameOf: (id) => names.get(id) || 'Guest',
  screen,
});
let mediaStarted = false;
// the camera and microphone before coming in; their toggles go to the room once, when let in
const devices = createDevices();
const settings = createSettings({ media });
const clock = createClock();
createShortcuts();
createMore({ bar: document.querySelector('.controls'), button: $('more-button'), panel: $('more-controls') });
let devicesSent = false;

// ---- before joining ----

function renderPreview() {
  const p = preview;
  state = 'form';
  show('join');
  const isHost = isHostRole(p.role);
  const heading = isHost ? p.title || 'Your session' : 'Your appointment';
  joinTitle.textContent = heading;
  setTitle(heading);
  const when = p.status !== 'over' && p.starts_at ? appointmentText(p.starts_at, p.ends_at) : '';
  const zone = browserZone('');
  say(joinWhen, when && zone ? `${when} (${zoneName(zone)} time)` : when);

  clearTimeout(recheckTimer);
  if (p.status === 'too_early') {
    say(joinStatus, opensAtText(p.opens_at));
    joinForm.hidden = true;
    recheckAt(p.opens_at);
  } else if (p.status === 'over') {
    say(joinStatus, OVER_TEXT);
    joinForm.hidden = true;
  } else {
    say(joinStatus, '');
    joinForm.hidden = false;
  }
  joinCheck.hidden = isHost || p.status !== 'open';
  if (p.status === 'open') devices.open(joinForm, joinCheck);
  else devices.stop();

  $('name-field').hidden = isHost;
  if (!nameTouched && !joinName.value) joinName.value = p.name ?? '';
  $('password-field').hidden = isHost || !p.requires_password;
  showAgreement(isHost ? '' : p.agreement);
  joinButton.textContent = isHost ? 'Start session' : 'Join session';
}

const OVER_TEXT = 'This session is over, so it cannot be joined any more. If you think this is a mistake, contact your therapist.';

function showAgreement(text) {
  $('agreement-field').hidden = !text;
  $('agreement-text').textContent = text ?? '';
}

// too early: look again when it opens (and keep looking, in case the clocks differ)
function recheckAt(opensAt) {
  const wait = Math.min(Math.max((opensAt ?? 0) - Date.now() + 1000, 5000), 60 * 60 * 1000);
  recheckTimer = setTimeout(() => socket.send({ type: 'preview', ...ref }), wait);
}

function joinProblemText(text, focus) {
  say(joinProblem, text);
  if (focus) focus.focus();
}

joinName.addEventListener('input', () => { nameTouched = true; });

joinForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!preview || state !== 'form') return;
  say(joinProblem, '');
  const msg = { type: 'join', ...ref };
  if (isHostRole(preview.role)) {
    // the therapist's click: ask now whether arrivals may notify, and ready the sound
    askToNotify();
    prepareSound();
  } else {
    const name = joinName.value.trim();
    if (name) msg.name = name;
    if (preview.requires_password) {
      const password = joinPassword.value.trim();
      if (!password) {
        joinProblemText('Please enter the meeting password from your invitation.', joinPassword);
        return;
      }
      msg.password = password;
    }
    if (!$('agreement-field').hidden) {
      if (!joinAgree.checked) {
        joinProblemText('Please read the group agreement and tick the box to agree.', joinAgree);
        return;
      }
      msg.agree = true;
    }
  }
  if (!socket.send(msg)) {
    joinProblemText('Not connected right now. Please try again in a moment.');
    return;
  }
  lastJoin = msg;
  media.preferAudioOnly(joinAudioOnly.checked);
  state = 'joining';
  setBusy(joinForm, true);
});

function refused(msg) {
  const wasRejoining = rejoining;
  rejoining = false;
  const text = msg.message || 'You cannot join this session right now.';
  if (msg.code === 'sign_in_required' && Number.isInteger(msg.session_id)) {
    // a host link: the therapist hosts signed in, from the meeting page of the session
    location.assign(`/?next=${encodeURIComponent(`/m/${msg.session_id}`)}`);
    return undefined;
  }
  if (msg.code === 'ended') return finish('ended', 'This session has ended.');
  // removed or denied for this meeting: no form to try again from (until the host lets them)
  if (msg.code === 'removed' || msg.code === 'denied') return finish(msg.code, text);
  if (wasRejoining || msg.code === 'unknown_key') {
    // the meeting does not know the key (any more): join again with the link
    forgetKey();
    hideReconnecting();
    if (state === 'meeting' || state === 'waiting') stopMeeting();
    state = 'form';
    if (preview) {
      renderPreview();
      if (preview.status === 'open') say(joinProblem, 'Please join again.');
    } else {
      socket.send({ type: 'preview', ...ref });
    }
    return undefined;
  }
  setBusy(joinForm, false);
  if (!preview) {
    // the preview itself was refused
    state = 'form';
    show('join');
    joinForm.hidden = true;
    joinCheck.hidden = true;
    if (msg.code === 'throttled') {
      // too many wrong links from this network: look again when the server allows it
      const seconds = Number(msg.retry_after) || 30;
      say(joinStatus, `Too many attempts from this network. Trying again in ${seconds} seconds…`);
      clearTimeout(recheckTimer);
      recheckTimer = setTimeout(() => socket.send({ type: 'preview', ...ref }), seconds * 1000);
      return undefined;
    }
    say(joinStatus, '');
    joinTitle.textContent = msg.code === 'cancelled' ? 'Session cancelled' : 'This link does not work';
    setTitle(joinTitle.textContent);
    say(joinProblem, msg.code === 'invalid'
      ? 'This link is not right or no longer works. Please check the email with your invitation, or ask your therapist for a new link.'
      : text);
    return undefined;
  }
  state = 'form';
  switch (msg.code) {
    case 'invalid':
      joinPassword.value = '';
      // the link itself was good (it gave the preview): what was not right is the password
      if (preview.requires_password && preview.role === 'client') {
        joinProblemText('That password is not right. Check the email with your invitation and try again.',
          joinPassword);
      } else {
        joinProblemText(text);
      }
      break;
    case 'throttled': {
      const seconds = Number(msg.retry_after) || 30;
      joinProblemText(`That was tried too many times. Please wait ${seconds} seconds, then try again.`);
      joinButton.disabled = true;
      clearTimeout(throttleTimer);
      throttleTimer = setTimeout(() => { joinButton.disabled = false; }, seconds * 1000);
      break;
    }
    case 'too_early':
      preview = { ...preview, status: 'too_early', opens_at: msg.opens_at ?? preview.opens_at };
      renderPreview();
      break;
    case 'over':
    case 'cancelled':
      preview = { ...preview, status: 'over' };
      renderPreview();
      say(joinStatus, msg.code === 'cancelled' ? text : OVER_TEXT);
      break;
    case 'agreement_required':
      if (msg.agreement) showAgreement(msg.agreement);
      joinProblemText(text, joinAgree);
      break;
    default: // locked, full, anything newer: the server's words
      joinProblemText(text);
  }
  return undefined;
}

// ---- joined: waiting, then in ----

function hideLink() {
  if (bySession || location.pathname === '/j/') return;
  try {
    sessionStorage.setItem(LINK_STORE, token);
  } catch {
    return; // without storage a reload needs the link: leave it where it is
  }
  history.replaceState(null, '', '/j/');
}

function joined(msg) {
  // audio only chosen on the form: the server keeps it from here, across rejoins too
  if (!rejoining && joinAudioOnly.checked) socket.send({ type: 'audio_only', on: true });
  rejoining = false;
  socket.settled();
  hideReconnecting();
  saveKey(msg.rejoin_key);
  hideLink();
  session.me = { ...(session.me ?? {}), id: msg.participant };
  if (msg.role) session.role = msg.role;
}

function waiting() {
  state = 'waiting';
  setBusy(joinForm, false);
  show('waiting');
  checkin.waiting();
  whereAsk.waiting();
  // check one's camera and microphone while waiting; the choices carry into the meeting
  devices.open(views.waiting, $('waiting-next'));
  setTitle('Waiting room');
}

function admitted(msg) {
  state = 'meeting';
  setBusy(joinForm, false);
  if (msg.you) {
    session.me = { id: msg.you.id, name: msg.you.name };
    session.role = msg.you.role || session.role;
  }
  session.title = msg.title || preview?.title || 'Session';
  session.chat = msg.chat !== false;
  const isHost = isHostRole(session.role);
  $('meeting-title').textContent = isHost ? session.title : 'Your session';
  setTitle(isHost ? session.title : 'Your session');
  show('meeting');
  room.admitted();
  checkin.admitted();
  whereAsk.admitted();
  clock.start(preview?.starts_at, preview?.ends_at);
  // the camera and microphone chosen before coming in: the room's state from here on (sent
  // once; a rejoin keeps what the room has)
  const want = devices.wanted();
  devices.stop();
  if (!devicesSent && (!want.audio || !want.video)) {
    socket.send({ type: 'media', audio: want.audio, video: want.video });
  }
  devicesSent = true;
  media.preferDevices(want);
  // admitted again after a dropped connection: the server has forgotten the old transports
  screen.reset(); // a new connection: the server has dropped any share of the old one
  if (mediaStarted) media.restart();
  else media.start();
  mediaStarted = true;
  if (isHost) {
    host ??= createHost({ send: (m) => socket.send(m), room, session });
    host.admitted();
  }
}

function stopMeeting() {
  devices.stop();
  media.stop();
  screen.reset();
  mediaStarted = false;
  room.stop();
  host?.stop();
  settings.stop();
  clock.stop();
}

const FINAL = {
  ended: 'Session ended',
  removed: 'You have been removed',
  denied: 'Not let in',
  replaced: 'Open in another window',
  left: 'You have left',
};

function finish(kind, text) {
  state = 'final';
  rejoining = false;
  socket.stop();
  clearTimeout(recheckTimer);
  stopMeeting();
  hideReconnecting();
  if (kind !== 'left' && kind !== 'replaced') forgetKey();
  finalTitle.textContent = FINAL[kind];
  setTitle(FINAL[kind]);
  finalText.textContent = text;
  finalAgain.hidden = kind !== 'left' && kind !== 'replaced';
  finalAgain.textContent = kind === 'replaced' ? 'Use this window instead' : 'Join again';
  show('final');
}

finalAgain.addEventListener('click', () => location.reload());

function leave() {
  const fromWaiting = state === 'waiting';
  socket.send({ type: 'leave' });
  finish('left', fromWaiting ? 'You have left the waiting room. You can join again with the button below or your link.'
    : 'You have left the session. While it runs, you can come back with the button below or your link.');
}

$('waiting-leave').addEventListener('click', leave);
$('meeting-leave').addEventListener('click', leave);

// ---- the connection ----

function hideReconnecting() {
  say(reconnecting, '');
}

function opened() {
  everOpen = true;
  const key = savedKey();
  if (!preview) socket.send({ type: 'preview', ...ref });
  if (joinOnOpen && state === 'joining' && lastJoin) {
    joinOnOpen = false;
    socket.send(lastJoin);
    return;
  }
  joinOnOpen = false;
  if (key && state !== 'form') {
    rejoining = true;
    socket.send({ type: 'rejoin', key });
  } else {
    if (state === 'joining') {
      state = 'form';
      setBusy(joinForm, false);
    }
    if (preview) socket.send({ type: 'preview', ...ref });
  }
}

function lost(delay) {
  rejoining = false;
  if (state === 'final') return;
  const seconds = Math.round(delay / 1000);
  if (!everOpen && state === 'connecting') {
    say(joinStatus, `We cannot reach the server right now. Trying again in ${seconds} seconds — you do not need to do anything.`);
    return;
  }
  say(reconnecting, 'Reconnecting… You do not need to do anything.');
}

const checkin = createCheckin({
  send: (m) => socket.send(m),
  anchor: document.querySelector('#waiting-view .waiting-message'),
  messages: document.querySelector('.meeting-messages'),
  meeting: {
    button: $('checkin-button'),
    dialog: $('checkin-dialog'),
    body: $('checkin-dialog-body'),
    status: $('checkin-state'),
    more: $('more-button'),
  },
});

// "Where are you right now?" for a client; "Where they are" for the hosts
const whereAsk = createLocation({
  send: (m) => socket.send(m),
  anchor: document.querySelector('#waiting-view .waiting-message'),
  messages: document.querySelector('.meeting-messages'),
});
const wherePanel = createLocationsPanel();

function received(msg) {
  switch (msg.type) {
    case 'location_ask':
      whereAsk.asked(msg);
      break;
    case 'location_saved':
      whereAsk.saved(msg);
      break;
    case 'locations':
      wherePanel.locations(msg);
      break;
    case 'checkin':
      checkin.asked(msg);
      break;
    case 'checkin_saved':
      checkin.saved(msg);
      break;
    case 'risk_alert':
      checkin.riskAlert(msg);
      break;
    case 'preview':
      preview = msg;
      socket.settled();
      setPractice(msg.practice_name);
      if (!session.role) session.role = msg.role;
      if (!rejoining && (state === 'connecting' || state === 'form')) {
        hideReconnecting();
        renderPreview();
      }
      break;
    case 'join_refused':
      refused(msg);
      break;
    case 'moved':
      // another node carries this meeting: ask it the same (a rejoin goes again by itself)
      rejoining = false;
      joinOnOpen = state === 'joining';
      socket.moveTo(msg.url);
      break;
    case 'joined':
      joined(msg);
      break;
    case 'waiting':
      waiting(msg);
      break;
    case 'waiting_message':
      say(waitingNote, msg.text ? `Message from your therapist: ${msg.text}` : '');
      break;
    case 'ice_servers':
      media.iceServers(msg);
      screen.iceServers(msg);
      break;
    case 'admitted':
      admitted(msg);
      break;
    case 'room':
      for (const p of msg.participants ?? []) names.set(p.id, p.name);
      room.room(msg);
      host?.room(msg);
      media.room(msg);
      screen.room(msg);
      break;
    case 'publish_answer':
      if (msg.source === 'screen') screen.publishAnswer(msg);
      else media.publishAnswer(msg);
      break;
    case 'screen_stopped':
      screen.stopped(msg);
      break;
    case 'publish_lost':
      media.publishLost();
      break;
    case 'subscribe_offer':
      media.subscribeOffer(msg);
      break;
    case 'active_speaker':
      media.activeSpeaker(msg);
      break;
    case 'video_paused':
      media.videoPaused(msg);
      break;
    case 'layers':
      media.layers(msg);
      break;
    case 'quality':
      room.quality(msg);
      media.quality(msg);
      break;
    case 'chat':
      room.chat(msg);
      break;
    case 'support_sent':
      room.supportSent(msg);
      break;
    case 'muted_by_host':
      room.mutedByHost();
      break;
    case 'video_stopped_by_host':
      room.videoStoppedByHost();
      break;
    case 'waiting_list':
      host?.waitingList(msg);
      break;
    case 'arrival':
      host?.arrival(msg);
      break;
    case 'hands':
      host?.hands(msg);
      break;
    case 'turned_away':
      host?.turnedAway(msg);
      break;
    case 'support_request':
      host?.supportRequest(msg);
      break;
    case 'password_alert':
      host?.passwordAlert(msg);
      break;
    case 'ended':
      finish('ended', msg.message || 'The session has ended. Thank you for coming.');
      break;
    case 'removed':
      finish('removed', msg.message || 'You have been removed from this session.');
      break;
    case 'denied':
      finish('denied', msg.message || 'Your therapist could not let you in to this session.');
      break;
    case 'replaced':
      finish('replaced', msg.message || 'You joined this session from another window, so this one has left.');
      break;
    case 'error':
      problemFromServer(msg);
      break;
    default: // welcome, pong, and anything newer this page does not know
      break;
  }
}

function problemFromServer(msg) {
  if (msg.code === 'waiting' || msg.code === 'already_joined') return;
  if (msg.code?.startsWith('screen_')) screen.refused();
  if (msg.code?.startsWith('sdp_') || msg.code === 'stale_answer') {
    media.problem('Audio or video could not be set up with this browser. Reloading the page may help.');
    return;
  }
  const text = msg.message || 'That did not work. Please try again.';
  if (whereAsk.awaiting() && (msg.code === 'invalid_field' || msg.code === 'unavailable')) {
    whereAsk.refused(msg);
  } else if ((state === 'waiting' || checkin.awaiting()) && (msg.code === 'not_asked' || msg.code === 'invalid_field')) {
    checkin.refused(msg);
  } else if (state === 'meeting') {
    room.complain(text);
  } else if (state === 'joining' || state === 'form') {
    state = 'form';
    setBusy(joinForm, false);
    say(joinProblem, text);
  }
}

// ---- start ----

if (!token || (bySession && !Number.isInteger(ref.session_id))) {
  show('join');
  joinTitle.textContent = 'This link is not complete';
  say(joinStatus, '');
  say(joinProblem, 'Please open the whole link from the email with your invitation.');
} else {
  socket.connect();
}

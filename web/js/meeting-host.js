// The therapist's side of the meeting: the waiting room (admit, deny, a message to everyone
// waiting), raised hands, lock, the check-in round, ending the session, and the alerts for
// arrivals, support requests and password guessing.
import { $, say } from './ui.js';
import { arrange, button, el, label } from './meeting-dom.js';
import { clockText, waitedText } from './meeting-format.js';
import { arrivalAlert, askToNotify, prepareSound, supportAlert } from './meeting-alerts.js';
import { waitingWhere } from './meeting-location.js';


const ARRIVAL_WINDOW_MS = 10000;
const END_CONFIRM_MS = 8000;

export function createHost({ send, room, session }) {
  const waitingPanel = $('waiting-panel');
  const waitingList = $('waiting-list');
  const waitingEmpty = $('waiting-empty');
  const waitingCount = $('waiting-count');
  const admitAll = $('admit-all');
  const messageForm = $('waiting-message-form');
  const messageText = $('waiting-message-text');
  const soundHint = $('sound-hint');
  const arrivalNotice = $('arrival-notice');
  const handsPanel = $('hands-panel');
  const handsList = $('hands-list');
  const handsEmpty = $('hands-empty');
  const hostPanel = $('host-panel');
  const lockButton = $('lock-button');
  const lockState = $('lock-state');
  const roundForm = $('round-form');
  const roundSeconds = $('round-seconds');
  const roundControls = $('round-controls');
  const endButton = $('end-button');
  const endConfirm = $('end-confirm');
  const endYes = $('end-yes');
  const endNo = $('end-no');
  const supportBox = $('support-box');
  const supportList = $('support-alert');
  const supportDismiss = $('support-dismiss');
  const securityAlert = $('security-alert');
  const turnedAwayPanel = $('turned-away-panel');
  const turnedAwayList = $('turned-away-list');

  const waitingRows = new Map(); // id → { li, waited, since }
  let waiting = [];
  let arrivals = []; // times of recent arrivals, for the notice's wording
  let arrivalTimer = 0;
  let endTimer = 0;
  const clock = setInterval(refreshWaited, 10000);

  const act = (msg) => {
    if (!send(msg)) room.complain('Not connected right now. Please try again in a moment.');
  };

  // the first click on the page may ask to notify and lets the alert sound play later
  const firstClick = () => {
    askToNotify();
    prepareSound();
    soundHint.hidden = true;
  };
  document.addEventListener('pointerdown', firstClick, { once: true });
  document.addEventListener('keydown', firstClick, { once: true });

  // ---- waiting room ----

  function refreshWaited() {
    const now = Date.now();
    for (const row of waitingRows.values()) row.waited.textContent = `, ${waitedText(row.since, now)}`;
  }

  function makeWaitingRow(person) {
    const li = el('li', 'person waiting-person');
    const line = el('div', 'person-line');
    const name = el('span', 'person-name');
    const waited = el('span', 'waited');
    // answered every check-in question asked (never the scores: those are on the dashboard)
    const checkin = el('span', 'badge checkin-badge', 'Check-in done');
    checkin.hidden = true;
    line.append(name, waited, checkin);
    const actions = el('div', 'person-actions');
    const admit = button('small primary', () => act({ type: 'admit', participant: person.id }));
    const deny = button('small quiet', () => act({ type: 'deny', participant: person.id }));
    actions.append(admit, deny);
    // where they said they are, and the licence warning before letting them in
    const where = el('div', 'waiting-where');
    li.append(line, where, actions);
    return { li, name, waited, checkin, where, admit, deny, since: person.since, firstSeen: Date.now() };
  }

  // when someone started waiting; the time this page first saw them if the server's is missing
  function sinceOf(row, person) {
    return Number.isFinite(person.since) && person.since > 0 ? person.since : row.firstSeen;
  }

  function renderWaiting() {
    const nodes = [];
    const seen = new Set();
    for (const person of waiting) {
      let row = waitingRows.get(person.id);
      if (!row) {
        row = makeWaitingRow(person);
        waitingRows.set(person.id, row);
      }
      row.since = sinceOf(row, person);
      const name = person.name || 'Guest';
      row.name.textContent = name;
      row.checkin.hidden = person.checkin_done !== true;
      waitingWhere(row.where, person);
      label(row.admit, 'Admit', name);
      label(row.deny, 'Deny', name);
      seen.add(person.id);
      nodes.push(row.li);
    }
    for (const id of [...waitingRows.keys()]) if (!seen.has(id)) waitingRows.delete(id);
    arrange(waitingList, nodes);
    refreshWaited();
    waitingEmpty.hidden = waiting.length > 0;
    admitAll.hidden = waiting.length === 0;
    waitingCount.textContent = waiting.length ? `(${waiting.length})` : '';
    document.title = waiting.length
      ? `(${waiting.length} waiting) ${session.title || 'Session'} · confide`
      : `${session.title || 'Session'} · confide`;
    if (!waiting.length) say(arrivalNotice, '');
  }

  admitAll.addEventListener('click', () => act({ type: 'admit_all' }));

  messageForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = messageText.value.trim();
    if (!text) {
      messageText.focus();
      return;
    }
    if (send({ type: 'waiting_message', text })) {
      messageText.value = '';
      room.tell(waiting.length ? 'Your message was sent to everyone waiting.'
        : 'Nobody is waiting right now, so the message was not shown to anyone.');
    } else {
      room.complain('Not connected right now. Please try again in a moment.');
    }
  });

  // ---- hands ----

  function renderHands(queue) {
    const nodes = queue.map((person) => {
      const li = el('li', 'person');
      const line = el('div', 'person-line');
      const name = person.name || 'Guest';
      line.append(el('span', 'person-name', name));
      const lower = button('small quiet', () => act({ type: 'lower_hand', participant: person.id }));
      label(lower, 'Lower hand', `of ${name}`);
      const actions = el('div', 'person-actions');
      actions.append(lower);
      li.append(line, actions);
      return li;
    });
    handsList.replaceChildren(...nodes);
    handsEmpty.hidden = queue.length > 0;
  }

  // ---- people removed or denied in this meeting: they stay out until let knock again ----

  function renderTurnedAway(people) {
    const nodes = people.map((person) => {
      const li = el('li', 'person');
      const line = el('div', 'person-line');
      const name = person.name || 'Guest';
      line.append(el('span', 'person-name', name),
        el('span', 'hint', person.what === 'denied' ? ' (not let in)' : ' (removed)'));
      const knock = button('small quiet', () => act({ type: 'let_knock', participant: person.id }));
      label(knock, 'Let knock again', `(${name})`);
      const actions = el('div', 'person-actions');
      actions.append(knock);
      li.append(line, actions);
      return li;
    });
    turnedAwayList.replaceChildren(...nodes);
    turnedAwayPanel.hidden = people.length === 0;
  }

  // ---- session controls ----

  function renderLock(locked) {
    lockButton.textContent = locked ? 'Unlock meeting' : 'Lock meeting';
    lockState.textContent = locked
      ? 'Locked: nobody new can join. People who were in can come back.'
      : 'Open: people with a link can join.';
  }

  lockButton.addEventListener('click', () => {
    act({ type: room.current?.locked ? 'unlock' : 'lock' });
  });

  roundForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = roundSeconds.value.trim();
    const seconds = value === '' ? 0 : Number(value);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 600) {
      room.complain('Seconds per turn: a whole number from 0 to 600, or leave it empty.');
      roundSeconds.focus();
      return;
    }
    act({ type: 'round_start', turn_seconds: seconds });
  });
  $('round-next').addEventListener('click', () => act({ type: 'round_next' }));
  $('round-stop').addEventListener('click', () => act({ type: 'round_stop' }));

  function renderRoundControls(round) {
    const running = !!round;
    const focusWasInside = roundControls.contains(document.activeElement);
    roundForm.hidden = running;
    roundControls.hidden = !running;
    if (focusWasInside && !running) roundForm.querySelector('button').focus();
  }

  function closeEndConfirm() {
    clearTimeout(endTimer);
    endConfirm.hidden = true;
    endButton.hidden = false;
  }

  endButton.addEventListener('click', () => {
    endButton.hidden = true;
    endConfirm.hidden = false;
    endYes.focus();
    endTimer = setTimeout(() => {
      const focused = endConfirm.contains(document.activeElement);
      closeEndConfirm();
      if (focused) endButton.focus();
    }, END_CONFIRM_MS);
  });
  endConfirm.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    closeEndConfirm();
    endButton.focus();
  });
  endNo.addEventListener('click', () => {
    closeEndConfirm();
    endButton.focus();
  });
  endYes.addEventListener('click', () => {
    closeEndConfirm();
    act({ type: 'end' });
  });

  // ---- alerts ----

  supportDismiss.addEventListener('click', () => {
    supportList.replaceChildren();
    supportBox.hidden = true;
  });

  return {
    /** admitted as host: show the host's panels. */
    admitted() {
      waitingPanel.hidden = false;
      handsPanel.hidden = false;
      hostPanel.hidden = false;
      soundHint.hidden = !!navigator.userActivation?.hasBeenActive;
      renderWaiting();
    },

    room(msg) {
      renderLock(!!msg.locked);
      renderRoundControls(msg.round);
    },

    waitingList(msg) {
      waiting = Array.isArray(msg.people) ? msg.people : [];
      renderWaiting();
    },

    arrival(msg) {
      const now = Date.now();
      arrivals = arrivals.filter((t) => now - t < ARRIVAL_WINDOW_MS);
      arrivals.push(now);
      arrivalAlert(now);
      say(arrivalNotice, arrivals.length > 1
        ? `${arrivals.length} people have arrived in the waiting room.`
        : `${msg.name || 'Someone'} has arrived in the waiting room.`);
      clearTimeout(arrivalTimer);
      arrivalTimer = setTimeout(() => say(arrivalNotice, ''), 60000);
    },

    hands(msg) {
      renderHands(Array.isArray(msg.queue) ? msg.queue : []);
    },

    turnedAway(msg) {
      renderTurnedAway(Array.isArray(msg.people) ? msg.people : []);
    },

    supportRequest(msg) {
      const item = el('li', 'support-item');
      item.append(el('strong', null, `${msg.name || 'A client'} needs support`));
      if (msg.at) item.append(` (${clockText(msg.at)})`);
      supportList.append(item);
      supportBox.hidden = false;
      supportAlert();
    },

    passwordAlert(msg) {
      say(securityAlert, msg.message
        || 'Someone has entered a wrong meeting password many times. Consider locking the meeting.');
    },

    stop() {
      clearInterval(clock);
      clearTimeout(arrivalTimer);
      clearTimeout(endTimer);
    },
  };
}

// In the meeting, for everyone: the people, the check-in round and spotlight, the chat, and
// one's own controls (microphone, camera, "Audio only", hand, "I need support"). Hosts also get per-person
// buttons (Mute, Stop video, Spotlight, Remove) in the list of people. Each person's row says
// how their connection is ("Connection: good / fair / poor", from the server's `quality`
// messages): one's own for everyone, everyone's for the hosts.
import { $, isHostRole, say } from './ui.js';
import { arrange, button, el, label, setInactive } from './meeting-dom.js';
import { clockText, timeLeftText } from './meeting-format.js';


const ROLE_NAMES = { host: 'Therapist', cohost: 'Co-facilitator' };
const CONFIRM_MS = 5000;
const LEVELS = new Set(['good', 'fair', 'poor']);
const WEAK_HINT = 'Your connection is weak; video may pause to keep audio clear.';

export function createRoom({ send, session }) {
  const peopleList = $('people-list');
  const peopleHeading = $('people-heading');
  const roundBanner = $('round-banner');
  const roundSpeaker = $('round-speaker');
  const roundTimer = $('round-timer');
  const roundNextUp = $('round-next-up');
  const spotlightBanner = $('spotlight-banner');
  const chatLog = $('chat-log');
  const chatEmpty = $('chat-empty');
  const chatForm = $('chat-form');
  const chatText = $('chat-text');
  const chatTo = $('chat-to');
  const chatOff = $('chat-off');
  const notice = $('meeting-notice');
  const problem = $('meeting-problem');
  const muteButton = $('mute-button');
  const videoButton = $('video-button');
  const audioOnlyButton = $('audio-only-button');
  const audioOnlyState = $('audio-only-state');
  const handButton = $('hand-button');
  const supportButton = $('support-button');

  const rows = new Map(); // participant id → { li, ... }
  const levels = new Map(); // participant id → 'good' | 'fair' | 'poor'
  let room = null;
  let timer = 0;
  let noticeTimer = 0;
  let problemTimer = 0;

  const isHost = () => isHostRole(session.role);
  const self = () => room?.participants.find((p) => p.id === session.me?.id) ?? null;
  const nameOf = (id) => {
    const p = room?.participants.find((q) => q.id === id);
    return p ? p.name || 'Guest' : 'someone who has left';
  };

  /** A calm message under the title (role="status"); it fades after a while unless kept. */
  function tell(text, { keep = false } = {}) {
    clearTimeout(noticeTimer);
    say(notice, text);
    if (text && !keep) noticeTimer = setTimeout(() => say(notice, ''), 12000);
  }

  /** Something did not work (role="alert"). */
  function complain(text) {
    clearTimeout(problemTimer);
    say(problem, text);
    if (text) problemTimer = setTimeout(() => say(problem, ''), 12000);
  }

  function sendOrComplain(msg) {
    if (send(msg)) return true;
    complain('Not connected right now. Please try again in a moment.');
    return false;
  }

  // ---- people ----

  function badge(text, kind) {
    return el('span', `badge ${kind}`, text);
  }

  function makeRow(id) {
    const li = el('li', 'person');
    const line = el('div', 'person-line');
    const name = el('span', 'person-name');
    const badges = el('span', 'badges');
    line.append(name, badges);
    // words first; the colour (meeting.css) only repeats them
    const connection = el('p', 'connection');
    connection.hidden = true;
    const hint = el('p', 'connection-hint', WEAK_HINT);
    hint.hidden = true;
    const actions = el('div', 'person-actions');
    const row = { li, name, badges, connection, hint, actions, confirmRemove: 0 };
    row.mute = button('small quiet', () => sendOrComplain({ type: 'mute', participant: id }));
    row.video = button('small quiet', () => sendOrComplain({ type: 'stop_video', participant: id }));
    row.spot = button('small quiet', () => {
      const on = room?.spotlight === id;
      sendOrComplain({ type: 'spotlight', participant: on ? null : id });
    });
    row.remove = button('small danger-quiet', () => {
      if (!row.confirmRemove) {
        row.confirmRemove = setTimeout(() => {
          row.confirmRemove = 0;
          update(row, room?.participants.find((p) => p.id === id));
        }, CONFIRM_MS);
        update(row, room?.participants.find((p) => p.id === id));
        return;
      }
      clearTimeout(row.confirmRemove);
      row.confirmRemove = 0;
      sendOrComplain({ type: 'remove', participant: id });
    });
    actions.append(row.mute, row.video, row.spot, row.remove);
    li.append(line, connection, hint, actions);
    return row;
  }

  function update(row, person) {
    if (!person) return;
    const p = { ...person, name: person.name || 'Guest' };
    const me = p.id === session.me?.id;
    row.name.textContent = p.connected ? p.name : `${p.name} (dropped)`;
    row.li.classList.toggle('dropped', !p.connected);
    const badges = [];
    if (me) badges.push(badge('You', 'you'));
    if (ROLE_NAMES[p.role]) badges.push(badge(ROLE_NAMES[p.role], 'role'));
    if (room.round && room.round.current === p.id) badges.push(badge('Speaking', 'speaking'));
    if (room.spotlight === p.id) badges.push(badge('Spotlight', 'spotlight'));
    if (p.hand) badges.push(badge('Hand raised', 'hand'));
    if (!p.audio) badges.push(badge('Muted', 'muted'));
    if (p.audio_only) badges.push(badge('Audio only', 'muted'));
    else if (!p.video) badges.push(badge('Video off', 'muted'));
    row.badges.replaceChildren(...badges);
    const level = levels.get(p.id);
    row.connection.hidden = !level;
    row.connection.className = level ? `connection ${level}` : 'connection';
    row.connection.textContent = level ? `Connection: ${level}` : '';
    row.hint.hidden = !(me && level === 'poor');

    row.actions.hidden = !isHost();
    if (!isHost()) return;
    row.mute.hidden = me;
    label(row.mute, p.audio ? 'Mute' : 'Muted', p.name);
    setInactive(row.mute, !p.audio);
    row.video.hidden = me;
    label(row.video, p.video ? 'Stop video' : 'Video stopped', p.name);
    setInactive(row.video, !p.video);
    label(row.spot, room.spotlight === p.id ? 'Remove spotlight' : 'Spotlight', p.name);
    row.remove.hidden = me || p.role === 'host';
    label(row.remove, row.confirmRemove ? 'Confirm: remove' : 'Remove', p.name);
  }

  function renderPeople() {
    const nodes = [];
    const seen = new Set();
    for (const p of room.participants) {
      let row = rows.get(p.id);
      if (!row) {
        row = makeRow(p.id);
        rows.set(p.id, row);
      }
      seen.add(p.id);
      update(row, p);
      nodes.push(row.li);
    }
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        clearTimeout(row.confirmRemove);
        rows.delete(id);
      }
    }
    arrange(peopleList, nodes);
    peopleHeading.textContent = `People (${room.participants.length})`;
  }

  // ---- round and spotlight ----

  function renderRound() {
    clearInterval(timer);
    timer = 0;
    const round = room.round;
    roundBanner.hidden = !round;
    if (!round) return;
    const mine = round.current === session.me?.id;
    roundSpeaker.textContent = mine ? 'Now speaking: you. It is your turn.'
      : `Now speaking: ${nameOf(round.current)}`;
    const at = round.order.indexOf(round.current);
    const next = at >= 0 && at + 1 < round.order.length ? round.order[at + 1] : 0;
    roundNextUp.hidden = !next;
    roundNextUp.textContent = next ? `Next: ${next === session.me?.id ? 'you' : nameOf(next)}` : '';
    roundTimer.hidden = !round.turn_ends_at;
    if (round.turn_ends_at) {
      const tick = () => { roundTimer.textContent = timeLeftText(round.turn_ends_at); };
      tick();
      timer = setInterval(tick, 1000);
    }
  }

  function renderSpotlight() {
    const id = room.spotlight;
    spotlightBanner.hidden = !id;
    spotlightBanner.textContent = id
      ? `Spotlight: ${id === session.me?.id ? 'you' : nameOf(id)}` : '';
  }

  // ---- own controls ----

  function renderControls() {
    const me = self();
    const audio = me ? me.audio : true;
    const video = me ? me.video : true;
    const hand = me ? me.hand : false;
    // toggles: pressed while muted / stopped; the label says what a press does next
    muteButton.textContent = audio ? 'Mute' : 'Unmute';
    muteButton.setAttribute('aria-pressed', String(!audio));
    videoButton.textContent = video ? 'Stop video' : 'Start video';
    videoButton.setAttribute('aria-pressed', String(!video));
    // audio only: the state in words, the camera button out of the way while it holds
    const audioOnly = me?.audio_only === true;
    audioOnlyButton.setAttribute('aria-pressed', String(audioOnly));
    videoButton.hidden = audioOnly;
    audioOnlyState.textContent = audioOnly
      ? 'Audio only: on \u2014 you don\u2019t send or receive video.' : '';
    audioOnlyState.hidden = !audioOnly;
    handButton.textContent = hand ? 'Lower hand' : 'Raise hand';
    handButton.hidden = isHostRole(session.role);
    supportButton.hidden = session.role !== 'client';
  }

  muteButton.addEventListener('click', () => {
    const me = self();
    sendOrComplain({ type: 'media', audio: !(me ? me.audio : true) });
  });
  videoButton.addEventListener('click', () => {
    const me = self();
    sendOrComplain({ type: 'media', video: !(me ? me.video : true) });
  });
  audioOnlyButton.addEventListener('click', () => {
    sendOrComplain({ type: 'audio_only', on: self()?.audio_only !== true });
  });
  handButton.addEventListener('click', () => {
    const me = self();
    sendOrComplain({ type: 'hand', raised: !(me?.hand ?? false) });
  });
  supportButton.addEventListener('click', () => {
    if (supportButton.getAttribute('aria-disabled') === 'true') return;
    if (!sendOrComplain({ type: 'support' })) return;
    // one request is enough; a second press within a few seconds is a double tap
    setInactive(supportButton, true);
    setTimeout(() => setInactive(supportButton, false), 5000);
  });

  // ---- chat ----

  function chatTarget() {
    if (!isHost() && !session.chat) return 'hosts';
    const checked = chatForm.querySelector('input[name="chat-to"]:checked');
    return checked ? checked.value : 'everyone';
  }

  chatForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = chatText.value.trim();
    if (!text) {
      chatText.focus();
      return;
    }
    if (sendOrComplain({ type: 'chat', to: chatTarget(), text })) {
      chatText.value = '';
      chatText.focus();
    }
  });
  // Enter sends, Shift+Enter makes a new line
  chatText.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      chatForm.requestSubmit();
    }
  });

  function addChat(msg) {
    const mine = msg.from?.id === session.me?.id;
    const priv = msg.to === 'hosts';
    const li = el('li', `chat-message${priv ? ' private' : ''}${mine ? ' mine' : ''}`);
    const head = el('p', 'chat-head');
    head.append(el('span', 'chat-from', mine ? 'You' : msg.from?.name ?? 'Someone'));
    head.append(el('span', 'chat-to-text', priv ? ' to the therapist' : ' to everyone'));
    if (priv) head.append(' ', badge('private', 'private'));
    if (msg.at) {
      const time = el('time', 'chat-time', clockText(msg.at));
      time.dateTime = new Date(msg.at).toISOString();
      head.append(' ', time);
    }
    li.append(head, el('p', 'chat-text', msg.text ?? ''));
    const atBottom = chatLog.scrollHeight - chatLog.scrollTop - chatLog.clientHeight < 40;
    chatLog.append(li);
    chatEmpty.hidden = true;
    if (atBottom || mine) chatLog.scrollTop = chatLog.scrollHeight;
  }

  // ---- the page's answers ----

  return {
    /** admitted: the person is in; set up what depends on the role and the session. */
    admitted() {
      const host = isHost();
      chatTo.hidden = host || !session.chat;
      chatOff.hidden = host || session.chat;
      renderControls();
    },

    room(msg) {
      room = {
        participants: Array.isArray(msg.participants) ? msg.participants : [],
        locked: !!msg.locked,
        spotlight: msg.spotlight ?? null,
        round: msg.round ?? null,
      };
      renderPeople();
      renderRound();
      renderSpotlight();
      renderControls();
    },

    get current() {
      return room;
    },

    /** quality: someone's connection (one's own, or anyone's for a host) is good, fair or poor. */
    quality(msg) {
      if (!LEVELS.has(msg.level) || !Number.isInteger(msg.participant)) return;
      const before = levels.get(msg.participant);
      levels.set(msg.participant, msg.level);
      const mine = msg.participant === session.me?.id;
      // the hint is also said once in the status line, for screen readers
      if (mine && msg.level === 'poor' && before !== 'poor') tell(WEAK_HINT);
      const row = rows.get(msg.participant);
      const person = room?.participants.find((p) => p.id === msg.participant);
      if (row && person) update(row, person);
    },

    chat: addChat,
    tell,
    complain,

    supportSent(msg) {
      tell(msg.message || 'Your therapist has been told, privately.', { keep: true });
    },

    mutedByHost() {
      tell('Your therapist muted your microphone. You can unmute yourself when you are ready to speak.');
    },

    videoStoppedByHost() {
      tell('Your therapist stopped your video.');
    },

    stop() {
      clearInterval(timer);
      clearTimeout(noticeTimer);
      clearTimeout(problemTimer);
    },
  };
}

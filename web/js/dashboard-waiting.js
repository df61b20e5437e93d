// Who is waiting: while someone sits in the waiting room of a meeting the practitioner
// hosts or co-facilitates, the top of the dashboard says so, with a link into the meeting,
// and the tab's title starts with how many wait ("(1) "), so a busy therapist sees an early
// arrival from another tab too. The counts come over the meeting's WebSocket (`watch`,
// docs/PROTOCOL.md) from whichever node carries the meeting; they hold ids and numbers,
// never names: the session's title comes from the sessions the page loaded.
import { MeetingSocket } from './meeting-socket.js';
import { el } from './ui.js';

// After `watching` every node tells its meetings' counts again; a meeting not heard of by
// then has closed while the connection was down, and its line goes.
const RECOUNT_MS = 5000;

const who = (n) => (n === 1 ? '1 person is' : `${n} people are`);

/** The title without a count in front, as the page had it before anyone waited. */
const plainTitle = (title) => title.replace(/^\(\d+\) /, '');

/**
 * Starts watching. data: the dashboard's shared data (data.sessions gives the titles);
 * refreshSessions(): reloads the sessions, for a meeting the page does not know yet (a
 * session made in another tab since the page loaded). Returns { stop }.
 */
export function watchWaiting({ data, refreshSessions }) {
  const list = document.getElementById('waiting-list');
  const baseTitle = plainTitle(document.title);

  const waiting = new Map(); // occurrence id → { sessionId, count }
  const heard = new Set(); // occurrences told of since the last `watching`
  const asked = new Set(); // sessions the page reloaded its list for once already
  let recountTimer = 0;
  let shownKey = '';

  const sessionOf = (id) => data.sessions.find((s) => s.id === id);

  // An unknown session is looked for once; until then (or if it is still not there, e.g.
  // cancelled meanwhile) the line says "a session".
  function titleOf(sessionId) {
    const session = sessionOf(sessionId);
    if (session) return session.title || 'a session';
    if (!asked.has(sessionId)) {
      asked.add(sessionId);
      Promise.resolve(refreshSessions()).then(render, () => {});
    }
    return 'a session';
  }

  function line(occurrenceId, { sessionId, count }) {
    const li = el('li', 'dash-waiting-item');
    const textId = `waiting-${occurrenceId}`;
    const text = el('p', 'dash-waiting-text', `${who(count)} waiting for ${titleOf(sessionId)}`);
    text.id = textId;
    // the meeting page a practitioner hosts or co-facilitates from, signed in
    const open = el('a', 'button primary', 'Open the session');
    open.href = `/m/${sessionId}`;
    open.setAttribute('aria-describedby', textId);
    li.append(text, open);
    return li;
  }

  // Draws only what changed: a live region re-drawn the same would be announced again.
  function render() {
    const rows = [...waiting].sort((a, b) => a[1].sessionId - b[1].sessionId || a[0] - b[0]);
    const items = rows.map(([occ, w]) => line(occ, w));
    const key = items.map((li) => li.textContent).join('\n');
    const total = rows.reduce((sum, [, w]) => sum + w.count, 0);
    document.title = total ? `(${total}) ${baseTitle}` : baseTitle;
    if (key === shownKey) return;
    shownKey = key;
    list.replaceChildren(...items);
    list.hidden = items.length === 0;
  }

  function told(msg) {
    const occ = msg.occurrence_id;
    const sessionId = msg.session_id;
    const count = msg.count;
    if (!Number.isInteger(occ) || !Number.isInteger(sessionId) || !Number.isInteger(count)) return;
    heard.add(occ);
    if (count > 0) waiting.set(occ, { sessionId, count });
    else waiting.delete(occ);
    render();
  }

  function recount() {
    recountTimer = 0;
    for (const occ of [...waiting.keys()]) if (!heard.has(occ)) waiting.delete(occ);
    render();
  }

  const socket = new MeetingSocket({
    open: () => socket.send({ type: 'watch' }),
    message: (msg) => {
      if (msg.type === 'watching') {
        socket.settled();
        heard.clear();
        clearTimeout(recountTimer);
        recountTimer = setTimeout(recount, RECOUNT_MS);
      } else if (msg.type === 'waiting') {
        told(msg);
      } else if (msg.type === 'error' && msg.code === 'sign_in_required') {
        // the sign-in has ended: the page's own guard takes the person to sign in
        socket.stop();
      }
    },
    // what was shown stays until the connection is back and the counts are told again
    lost: () => {},
  });
  socket.connect();

  return {
    stop() {
      socket.stop();
      clearTimeout(recountTimer);
      waiting.clear();
      render();
    },
  };
}

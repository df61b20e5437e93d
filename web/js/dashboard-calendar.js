// "Calendar": the practitioner's week in their time zone (one day at a time where it is
// narrow), each occurrence a button at its time. An empty half hour opens the scheduling
// form at that date and time; a block opens its details (start, reschedule, cancel this or
// this and following) or, dragged with a mouse, pen or finger, moves that one occurrence.
import { errorCode, errorMessage } from './api.js';
import { $, browserZone, el, say, zoneName } from './ui.js';
import { rfc3339Local, zoneOffset } from './dashboard-time.js';
import { openNotes } from './care-notes.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const SLOT = 30; // minutes one row of the grid stands for
const FIRST_HOUR = 7; // the grid shows at least 07:00–21:00, more when a session lies outside
const LAST_HOUR = 21;
const DRAG_FROM = 6; // pixels a press moves before it is a drag rather than a click

// ---- dates as "YYYY-MM-DD" wall dates, minutes after midnight as wall times ----

const pad = (n, width = 2) => String(n).padStart(width, '0');
const hhmm = (minutes) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

function dateText(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function dateMs(text) {
  const [y, m, d] = text.split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d); // not Date.UTC: no two-digit-year surprise
  return t.getTime();
}

const addDays = (text, n) => dateText(dateMs(text) + n * DAY);
// weeks start on Monday (ISO 8601)
const mondayOf = (text) => addDays(text, -((new Date(dateMs(text)).getUTCDay() + 6) % 7));

/** The wall date and minutes after midnight of an instant in a zone. */
function wallOf(instant, zone) {
  const wall = instant + zoneOffset(zone, instant);
  const d = new Date(wall);
  return { date: dateText(wall), minutes: d.getUTCHours() * 60 + d.getUTCMinutes() };
}

// wall dates are formatted as UTC dates, so the browser's own zone plays no part
const formats = {
  short: { weekday: 'short', day: 'numeric', month: 'short' },
  long: { weekday: 'long', day: 'numeric', month: 'long' },
  weekday: { weekday: 'short' },
  range: { day: 'numeric', month: 'long', year: 'numeric' },
};
const formatters = {};
function dayText(date, kind) {
  formatters[kind] ??= new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', ...formats[kind] });
  return formatters[kind].format(dateMs(date));
}

function weekText(monday) {
  formatters.range ??= new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', ...formats.range });
  const f = formatters.range;
  const [a, b] = [dateMs(monday), dateMs(addDays(monday, 6))];
  return typeof f.formatRange === 'function' ? f.formatRange(a, b) : `${f.format(a)} – ${f.format(b)}`;
}

const minutesText = (n) => (n % 60 === 0 && n >= 120 ? `${n / 60} h` : `${n} min`);

function button(text, className = 'button quiet') {
  const b = el('button', className, text);
  b.type = 'button';
  return b;
}

export function createCalendar({ data, call, reload, schedule }) {
  const section = $('calendar');
  const heading = $('calendar-title');
  const range = $('calendar-range');
  const zoneNote = $('calendar-zone');
  const status = $('calendar-status');
  const error = $('calendar-error');
  const grid = $('calendar-grid');
  const dayNav = $('calendar-day-nav');
  const dayLabel = $('calendar-day');

  const zone = browserZone();
  const today = () => wallOf(Date.now(), zone).date;

  let monday = mondayOf(today());
  let shownDay = dayIndex(today()); // the one day shown where the grid is narrow
  let rovingSlot = { date: today(), minutes: 9 * 60 }; // the empty slot Tab reaches
  let shownToday = today();
  let drag = null;
  let dropped = false; // a drag just ended: the click that follows is not a click
  let renderWaiting = false;
  let scrolledWeek = ''; // the week last scrolled to its first session
  let overlapRetry = null;

  function dayIndex(date) {
    return Math.round((dateMs(date) - dateMs(monday)) / DAY);
  }

  // "Tue 14:00" within the week shown, "Tue 22 Dec 14:00" outside it
  function whenText(date, minutes) {
    const inWeek = dayIndex(date) >= 0 && dayIndex(date) <= 6;
    return `${dayText(date, inWeek ? 'weekday' : 'short')} ${hhmm(minutes)}`;
  }

  // the calendar's own messages: a short confirmation, or a problem
  const overlap = el('div', 'cal-overlap');
  const overlapText = el('p', 'alert');
  overlapText.setAttribute('role', 'alert');
  const overlapAnyway = button('Move anyway');
  overlap.append(overlapText, overlapAnyway);
  overlap.hidden = true;
  error.after(overlap);

  function tell(text) {
    say(error, '');
    clearOverlap();
    status.textContent = text;
  }

  function clearOverlap() {
    overlap.hidden = true;
    overlapRetry = null;
  }

  // ---- what the week holds ----

  const clientName = (id) => data.clients.find((c) => c.id === id)?.name;
  const groupName = (id) => data.groups.find((g) => g.id === id)?.name;
  function withWhom(session) {
    if (session.group_id) return groupName(session.group_id) ?? 'a group';
    return clientName(session.client_id) ?? 'a client no longer in your list';
  }

  // the practitioner's own sessions and those of the groups they co-facilitate, as the
  // list of sessions shows them (an administrator is sent everyone's)
  function mine(session) {
    if (!data.user) return true;
    if (session.therapist_id === data.user.id) return true;
    return (data.groups.find((g) => g.id === session.group_id)?.facilitators ?? []).includes(data.user.id);
  }

  function entries() {
    const from = dateMs(monday);
    const out = [];
    for (const session of data.sessions) {
      if (session.status === 'cancelled' || !mine(session)) continue;
      const live = (session.occurrences ?? []).filter((o) => o.status !== 'cancelled');
      live.forEach((occ) => {
        const start = Date.parse(occ.starts_at);
        const end = Date.parse(occ.ends_at);
        const at = wallOf(start, zone);
        const day = Math.round((dateMs(at.date) - from) / DAY);
        if (day < 0 || day > 6) return;
        out.push({
          session, occ, start, end, day, date: at.date, minutes: at.minutes,
          length: Math.round((end - start) / MINUTE),
          // "this and following" goes by the times the series gave them, as the server does
          later: live.filter((o) => Date.parse(o.original_start) > Date.parse(occ.original_start)).length,
          // only the session's own therapist changes it; a co-facilitator looks
          editable: !data.user || session.therapist_id === data.user.id,
        });
      });
    }
    return out.sort((a, b) => a.start - b.start || a.session.id - b.session.id);
  }

  // side by side when they overlap: each gets a lane among those it overlaps
  function lanes(list) {
    for (let d = 0; d < 7; d++) {
      const day = list.filter((e) => e.day === d);
      let cluster = [];
      let clusterEnd = -1;
      const close = () => {
        const n = Math.max(...cluster.map((e) => e.lane)) + 1;
        for (const e of cluster) e.lanes = n;
      };
      for (const e of day) {
        if (cluster.length && e.minutes >= clusterEnd) {
          close();
          cluster = [];
        }
        const taken = new Set(cluster.filter((c) => c.minutes + c.length > e.minutes).map((c) => c.lane));
        e.lane = 0;
        while (taken.has(e.lane)) e.lane++;
        cluster.push(e);
        clusterEnd = Math.max(clusterEnd, e.minutes + e.length);
      }
      if (cluster.length) close();
    }
  }

  // ---- drawing ----

  let hours = { first: FIRST_HOUR * 60, last: LAST_HOUR * 60 };
  let shown = [];

  const narrow = () => getComputedStyle(dayNav).display !== 'none';

  function render() {
    if (drag) {
      renderWaiting = true; // not under a finger; once the drag ends
      return;
    }
    renderWaiting = false;
    const focusOcc = grid.contains(document.activeElement) ? document.activeElement.dataset.occ : undefined;
    const focusSlot = document.activeElement?.classList?.contains('cal-slot');

    shown = entries();
    lanes(shown);
    let first = FIRST_HOUR * 60;
    let last = LAST_HOUR * 60;
    for (const e of shown) {
      first = Math.min(first, Math.floor(e.minutes / 60) * 60);
      last = Math.max(last, Math.min(24 * 60, Math.ceil((e.minutes + e.length) / 60) * 60));
    }
    hours = { first, last };
    const rows = (last - first) / SLOT;
    const now = today();
    shownToday = now;

    range.textContent = weekText(monday);
    zoneNote.textContent = `Shown in your time zone, ${zoneName(zone)}.`;
    shownDay = Math.min(6, Math.max(0, shownDay));
    const shownDate = addDays(monday, shownDay);
    dayLabel.textContent = dayText(shownDate, 'short');
    // where one day shows at a time, Tab reaches that day's empty slots
    if (rovingSlot.date < monday || rovingSlot.date > addDays(monday, 6) || narrow()) {
      rovingSlot = { date: shownDate, minutes: rovingSlot.minutes };
    }
    rovingSlot.minutes = Math.min(last - SLOT, Math.max(first, rovingSlot.minutes));

    const week = el('div', 'cal-week');
    week.style.setProperty('--cal-rows', String(rows));

    const axis = el('div', 'cal-hours');
    axis.setAttribute('aria-hidden', 'true');
    axis.append(el('div', 'cal-corner'));
    const ticks = el('div', 'cal-hours-body');
    for (let m = first; m < last; m += 60) ticks.append(el('span', 'cal-hour', hhmm(m)));
    axis.append(ticks);
    week.append(axis);

    for (let d = 0; d < 7; d++) {
      const date = addDays(monday, d);
      const column = el('div', 'cal-day');
      column.dataset.date = date;
      if (d === shownDay) column.classList.add('is-shown');
      const head = el('h3', 'cal-day-head');
      head.id = `cal-day-${date}`;
      if (date === now) {
        column.classList.add('is-today');
        head.setAttribute('aria-current', 'date');
        head.append(el('span', 'dash-badge', 'Today'), ' ');
      }
      head.append(el('span', 'cal-day-name', dayText(date, 'short')));
      const body = el('div', 'cal-day-body');
      body.setAttribute('role', 'group');
      body.setAttribute('aria-labelledby', head.id);
      body.dataset.date = date;
      const long = dayText(date, 'long');
      for (let m = first; m < last; m += SLOT) {
        const slot = button('', 'cal-slot');
        slot.dataset.date = date;
        slot.dataset.minutes = String(m);
        slot.setAttribute('aria-label', `Schedule a session on ${long} at ${hhmm(m)}`);
        slot.tabIndex = date === rovingSlot.date && m === rovingSlot.minutes ? 0 : -1;
        if (m % 60 === 0) slot.classList.add('is-hour');
        body.append(slot);
      }
      for (const e of shown.filter((x) => x.day === d)) body.append(block(e, long));
      column.append(head, body);
      week.append(column);
    }
    const keep = grid.scrollTop; // where the person scrolled to, through a redraw
    grid.replaceChildren(week);
    grid.scrollTop = keep;
    // a week first shown starts at its first session, not at an empty morning
    if (shown.length && scrolledWeek !== monday) {
      scrolledWeek = monday;
      const earliest = Math.min(...shown.map((e) => e.minutes));
      const row = grid.querySelector('.cal-slot');
      grid.scrollTop = Math.max(0, (earliest - first) / SLOT - 1) * (row?.offsetHeight ?? 0);
    }

    if (focusOcc) (grid.querySelector(`.cal-block[data-occ="${CSS.escape(focusOcc)}"]`) ?? heading).focus();
    else if (focusSlot) grid.querySelector('.cal-slot[tabindex="0"]')?.focus();
  }

  function block(e, long) {
    const b = button('', 'cal-block');
    b.dataset.occ = String(e.occ.id);
    b.style.setProperty('--cal-top', String((e.minutes - hours.first) / SLOT));
    b.style.setProperty('--cal-len', String(Math.max(e.length, 20) / SLOT));
    b.style.setProperty('--cal-lane', String(e.lane));
    b.style.setProperty('--cal-lanes', String(e.lanes));
    if (e.end <= Date.now()) b.classList.add('is-past');
    if (e.editable && e.end > Date.now()) b.classList.add('is-movable');
    // the whole of what a narrow block cuts short, for a pointer resting on it
    b.title = `${e.session.title}, ${hhmm(e.minutes)}, ${minutesText(e.length)}, with ${withWhom(e.session)}`;
    b.append(
      el('span', 'cal-block-title', e.session.title),
      el('span', 'cal-block-time', `${hhmm(e.minutes)} · ${minutesText(e.length)}`),
      el('span', 'cal-block-with', withWhom(e.session)),
      el('span', 'visually-hidden', `, ${long}`),
    );
    return b;
  }

  function entryOf(node) {
    return shown.find((e) => String(e.occ.id) === node.dataset.occ);
  }

  // ---- moving a week or a day ----

  function showWeek(newMonday, day) {
    monday = newMonday;
    shownDay = day;
    tell('');
    render();
  }

  $('calendar-prev').addEventListener('click', () => showWeek(addDays(monday, -7), shownDay));
  $('calendar-next').addEventListener('click', () => showWeek(addDays(monday, 7), shownDay));
  $('calendar-this').addEventListener('click', () => {
    const t = today();
    showWeek(mondayOf(t), Math.round((dateMs(t) - dateMs(mondayOf(t))) / DAY));
  });
  $('calendar-prev-day').addEventListener('click', () => {
    if (shownDay > 0) showWeek(monday, shownDay - 1);
    else showWeek(addDays(monday, -7), 6);
  });
  $('calendar-next-day').addEventListener('click', () => {
    if (shownDay < 6) showWeek(monday, shownDay + 1);
    else showWeek(addDays(monday, 7), 0);
  });

  // ---- the empty slots: one Tab stop, arrow keys between them ----

  grid.addEventListener('keydown', (event) => {
    const slot = event.target.closest?.('.cal-slot');
    if (!slot) return;
    const step = { ArrowUp: [0, -SLOT], ArrowDown: [0, SLOT], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[event.key];
    if (!step) return;
    event.preventDefault();
    const d = Math.min(6, Math.max(0, dayIndex(slot.dataset.date) + step[0]));
    const minutes = Math.min(hours.last - SLOT, Math.max(hours.first, Number(slot.dataset.minutes) + step[1]));
    rovingSlot = { date: addDays(monday, d), minutes };
    if (narrow() && d !== shownDay) {
      shownDay = d;
      render();
    }
    for (const s of grid.querySelectorAll('.cal-slot[tabindex="0"]')) s.tabIndex = -1;
    const next = grid.querySelector(`.cal-slot[data-date="${rovingSlot.date}"][data-minutes="${minutes}"]`);
    if (next) {
      next.tabIndex = 0;
      next.focus();
    }
  });

  grid.addEventListener('click', (event) => {
    if (dropped) return;
    const slot = event.target.closest('.cal-slot');
    if (slot) {
      rovingSlot = { date: slot.dataset.date, minutes: Number(slot.dataset.minutes) };
      tell('');
      schedule({ date: slot.dataset.date, time: hhmm(rovingSlot.minutes), zone });
      return;
    }
    const b = event.target.closest('.cal-block');
    const e = b && entryOf(b);
    if (e) openDetail(e, b);
  });

  // ---- dragging a block to another half hour ----

  // the day and wall time under a point, the block's top kept where it was grabbed
  function slotAt(x, top, length) {
    const bodies = [...grid.querySelectorAll('.cal-day-body')].filter((b) => b.offsetParent !== null);
    if (!bodies.length) return null;
    let body = bodies.find((b) => {
      const r = b.getBoundingClientRect();
      return x >= r.left && x < r.right;
    });
    if (!body) body = x < bodies[0].getBoundingClientRect().left ? bodies[0] : bodies[bodies.length - 1];
    const r = body.getBoundingClientRect();
    const rows = (hours.last - hours.first) / SLOT;
    const rowPx = r.height / rows;
    const lastRow = Math.max(0, rows - Math.ceil(length / SLOT));
    const row = Math.min(lastRow, Math.max(0, Math.round((top - r.top) / rowPx)));
    return { body, date: body.dataset.date, minutes: hours.first + row * SLOT };
  }

  grid.addEventListener('pointerdown', (event) => {
    const b = event.target.closest('.cal-block.is-movable');
    if (!b || !event.isPrimary || event.button !== 0) return;
    const e = entryOf(b);
    if (!e) return;
    drag = { b, e, pointer: event.pointerId, x: event.clientX, y: event.clientY,
      grab: event.clientY - b.getBoundingClientRect().top, moving: false, to: null, ghost: null };
  });

  grid.addEventListener('pointermove', (event) => {
    if (!drag || event.pointerId !== drag.pointer || drag.cancelled) return;
    if (!drag.moving && event.buttons === 0) {
      drag = null; // let go outside the page before it became a drag
      return;
    }
    if (!drag.moving) {
      if (Math.hypot(event.clientX - drag.x, event.clientY - drag.y) < DRAG_FROM) return;
      drag.moving = true;
      drag.b.setPointerCapture(event.pointerId);
      drag.b.classList.add('is-dragged');
      drag.ghost = el('div', 'cal-ghost');
      drag.ghost.setAttribute('aria-hidden', 'true');
      drag.ghost.style.setProperty('--cal-len', drag.b.style.getPropertyValue('--cal-len'));
    }
    event.preventDefault();
    // near the top or bottom edge the grid scrolls on, to reach the hours out of sight
    const view = grid.getBoundingClientRect();
    const edge = Math.min(40, view.height / 6);
    if (event.clientY < view.top + edge) grid.scrollTop -= 12;
    else if (event.clientY > view.bottom - edge) grid.scrollTop += 12;
    const to = slotAt(event.clientX, event.clientY - drag.grab, drag.e.length);
    if (!to) return;
    drag.to = to;
    drag.ghost.style.setProperty('--cal-top', String((to.minutes - hours.first) / SLOT));
    drag.ghost.textContent = `${dayText(to.date, 'weekday')} ${hhmm(to.minutes)}`;
    if (drag.ghost.parentNode !== to.body) to.body.append(drag.ghost);
  });

  function endDrag(event, drop) {
    if (!drag || event.pointerId !== drag.pointer) return;
    const d = drag;
    drag = null;
    if (!d.moving) return;
    dropped = true;
    setTimeout(() => { dropped = false; }, 0);
    d.ghost.remove();
    d.b.classList.remove('is-dragged');
    const moved = d.to && (d.to.date !== d.e.date || d.to.minutes !== d.e.minutes);
    if (drop && moved && !d.cancelled) {
      move(d.e, d.to.date, d.to.minutes, d.b);
    } else if (renderWaiting) {
      renderWaiting = false;
      render();
    }
  }
  grid.addEventListener('pointerup', (event) => endDrag(event, true));
  grid.addEventListener('pointercancel', (event) => endDrag(event, false));
  // Escape puts a dragged block back; letting go then does nothing
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !drag?.moving || drag.cancelled) return;
    drag.cancelled = true;
    drag.ghost.remove();
    drag.b.classList.remove('is-dragged');
  });

  // ---- changing an occurrence ----

  const occurrencePath = (e) => `/api/v1/sessions/${e.session.id}/occurrences/${e.occ.id}`;

  /** Moves one occurrence to a wall date and time; keeps its length. */
  async function move(e, date, minutes, focusBlock, { anyway = false, inDialog = false } = {}) {
    const time = hhmm(minutes);
    const body = { starts_at: rfc3339Local(date, time, zone), duration_minutes: e.length, scope: 'this' };
    if (anyway) body.allow_overlap = true;
    const result = await call('PATCH', occurrencePath(e), body);
    if (result.status === 200) {
      if (inDialog) dialog.close();
      const keepFocus = focusBlock && (document.activeElement === focusBlock || inDialog || anyway);
      await reload();
      tell(`Moved to ${whenText(date, minutes)}`);
      if (keepFocus) grid.querySelector(`.cal-block[data-occ="${e.occ.id}"]`)?.focus();
      return;
    }
    const retry = () => move(e, date, minutes, focusBlock, { anyway: true, inDialog });
    const text = result.status === 409 && errorCode(result) === 'overlap'
      ? `${whenText(date, minutes)} overlaps another of your sessions. Move it anyway?`
      : null;
    if (inDialog) {
      showDetailProblem(text ?? errorMessage(result), text ? retry : null);
      return;
    }
    render(); // back where it was
    status.textContent = '';
    if (text) {
      say(error, '');
      overlapText.textContent = text;
      overlapRetry = retry;
      overlap.hidden = false;
    } else {
      say(error, errorMessage(result));
    }
  }

  overlapAnyway.addEventListener('click', () => {
    const retry = overlapRetry;
    clearOverlap();
    retry?.();
  });

  // ---- the details of one occurrence ----

  const dialog = el('dialog', 'cal-detail');
  dialog.id = 'calendar-detail';
  const dTitle = el('h3', 'cal-detail-title');
  dTitle.id = 'calendar-detail-title';
  dialog.setAttribute('aria-labelledby', dTitle.id);
  const dWhen = el('p', 'cal-detail-when');
  const dWith = el('p', 'hint');
  const dActions = el('div', 'cal-detail-actions');
  const dStart = el('a', 'button primary', 'Start session');
  const dReschedule = button('Reschedule');
  const dCancelThis = button('Cancel this');
  const dCancelFollowing = button('Cancel this and following');
  const dNotes = button('Notes'); // private notes of a session that has begun (care-notes.js)
  dActions.append(dStart, dNotes, dReschedule, dCancelThis, dCancelFollowing);

  const dMove = el('form', 'form cal-detail-move');
  dMove.noValidate = true;
  dMove.setAttribute('aria-label', 'Reschedule');
  const field = (label, type, id) => {
    const f = el('div', 'field');
    const l = el('label', '', label);
    l.htmlFor = id;
    const input = el('input');
    input.type = type;
    input.id = id;
    f.append(l, input);
    return [f, input];
  };
  const [dateField, dDate] = field('Date', 'date', 'calendar-move-date');
  const [timeField, dTime] = field('Start time', 'time', 'calendar-move-time');
  dTime.step = String(5 * 60);
  const moveRow = el('div', 'dash-row');
  moveRow.append(dateField, timeField);
  const dSave = el('button', 'button primary', 'Move this session');
  dSave.type = 'submit';
  const dBack = button('Back');
  const moveButtons = el('div', 'cal-detail-actions');
  moveButtons.append(dSave, dBack);
  dMove.append(moveRow, moveButtons);

  const dConfirm = el('div', 'cal-detail-confirm');
  const dConfirmText = el('p');
  const dYes = button('', 'button primary');
  const dNo = button('Keep it');
  const confirmButtons = el('div', 'cal-detail-actions');
  confirmButtons.append(dYes, dNo);
  // billing: a one-to-one session the client called off may bring a late-cancellation fee
  const dByClient = document.createElement('input');
  dByClient.type = 'checkbox';
  dByClient.id = 'cal-cancel-by-client';
  const dByClientLabel = el('label', 'check');
  dByClientLabel.append(dByClient, document.createTextNode(
    ' The client cancelled (the practice’s late-cancellation fee may apply)'));
  dConfirm.append(dConfirmText, dByClientLabel, confirmButtons);

  const dError = el('p', 'alert');
  dError.setAttribute('role', 'alert');
  dError.hidden = true;
  const dAnyway = button('Move anyway');
  dAnyway.hidden = true;
  const dClose = button('Close');
  dClose.classList.add('cal-detail-close');
  dialog.append(dTitle, dWhen, dWith, dActions, dMove, dConfirm, dError, dAnyway, dClose);
  section.append(dialog);

  let detail = null; // { e, b, scope }
  let detailRetry = null;

  function showDetailProblem(text, retry) {
    say(dError, text);
    detailRetry = retry;
    dAnyway.hidden = !retry;
  }

  function view(which) {
    dActions.hidden = which !== 'main';
    dMove.hidden = which !== 'move';
    dConfirm.hidden = which !== 'confirm';
    showDetailProblem('', null);
  }

  function openDetail(e, b) {
    detail = { e, b, scope: 'this' };
    const { session, occ } = e;
    dTitle.textContent = session.title;
    dWhen.textContent = `${dayText(e.date, 'long')}, ${hhmm(e.minutes)}–${hhmm((e.minutes + e.length) % (24 * 60))} (${minutesText(e.length)})`;
    const r = session.recurrence;
    const live = (session.occurrences ?? []).filter((o) => o.status !== 'cancelled');
    const n = live.findIndex((o) => o.id === occ.id) + 1;
    const repeat = r && live.length > 1 ? ` · ${r.interval === 2 ? 'every 2 weeks' : 'every week'}, ${n} of ${live.length}` : '';
    dWith.textContent = `With ${withWhom(session)}${repeat}`;
    const href = session.host_url ?? session.meeting_url;
    dStart.hidden = !href;
    if (href) {
      dStart.href = href;
      dStart.textContent = session.host_url ? 'Start session' : 'Join as co-facilitator';
    }
    const endOfToday = new Date().setHours(24, 0, 0, 0);
    dNotes.hidden = e.start >= endOfToday;
    const changeable = e.editable && e.end > Date.now();
    dReschedule.hidden = !changeable;
    dCancelThis.hidden = !changeable;
    dCancelFollowing.hidden = !changeable || !r || e.later === 0;
    view('main');
    tell('');
    dialog.showModal();
  }

  dReschedule.addEventListener('click', () => {
    view('move');
    dDate.value = detail.e.date;
    dTime.value = hhmm(detail.e.minutes);
    dDate.focus();
  });
  dBack.addEventListener('click', () => {
    view('main');
    dReschedule.focus();
  });
  dMove.addEventListener('submit', async (event) => {
    event.preventDefault();
    const m = /^(\d{2}):(\d{2})/.exec(dTime.value);
    if (!dDate.value || !m || !rfc3339Local(dDate.value, dTime.value, zone)) {
      showDetailProblem('Please choose a date and a start time.', null);
      (dDate.value ? dTime : dDate).focus();
      return;
    }
    dMove.setAttribute('aria-busy', 'true');
    dSave.disabled = true;
    try {
      await move(detail.e, dDate.value, Number(m[1]) * 60 + Number(m[2]), detail.b, { inDialog: true });
    } finally {
      dSave.disabled = false;
      dMove.setAttribute('aria-busy', 'false');
    }
  });
  dAnyway.addEventListener('click', () => {
    const retry = detailRetry;
    showDetailProblem('', null);
    retry?.();
  });

  function askCancel(scope) {
    const { e } = detail;
    detail.scope = scope;
    const when = `${dayText(e.date, 'long')} at ${hhmm(e.minutes)}`;
    const after = e.later === 1 ? 'the one after it' : `the ${e.later} after it`;
    dConfirmText.textContent = scope === 'this'
      ? `Cancel the session on ${when}? Those invited are sent an update.`
      : `Cancel the session on ${when} and ${after}? Those invited are sent an update.`;
    dYes.textContent = scope === 'this' ? 'Yes, cancel this session' : 'Yes, cancel these sessions';
    dByClient.checked = false;
    dByClientLabel.hidden = scope !== 'this' || !e.session.client_id;
    view('confirm');
    dNo.focus();
  }
  dCancelThis.addEventListener('click', () => askCancel('this'));
  dCancelFollowing.addEventListener('click', () => askCancel('following'));
  dNo.addEventListener('click', () => {
    view('main');
    (detail.scope === 'this' ? dCancelThis : dCancelFollowing).focus();
  });
  dYes.addEventListener('click', async () => {
    const { e, scope } = detail;
    dYes.disabled = true;
    const body = { scope };
    if (scope === 'this' && dByClient.checked) body.by = 'client';
    const result = await call('POST', `${occurrencePath(e)}/cancel`, body);
    dYes.disabled = false;
    if (result.status !== 200) {
      showDetailProblem(errorMessage(result), null);
      return;
    }
    dialog.close();
    await reload();
    const when = whenText(e.date, e.minutes);
    const after = e.later === 1 ? 'the one after it' : `the ${e.later} after it`;
    tell(scope === 'this' || e.later === 0 ? `Cancelled ${when}` : `Cancelled ${when} and ${after}`);
    heading.focus();
  });

  dClose.addEventListener('click', () => dialog.close());
  dNotes.addEventListener('click', () => {
    const { session, occ } = detail.e;
    dialog.close();
    openNotes({ call, sessionId: session.id, occurrenceId: occ.id, title: session.title, returnTo: detail.b });
  });
  dialog.addEventListener('close', () => {
    const b = detail && grid.querySelector(`.cal-block[data-occ="${detail.e.occ.id}"]`);
    if (b && !section.contains(document.activeElement)) b.focus();
  });

  heading.tabIndex = -1;
  render(); // an empty week until the sessions are in, to schedule from even if they fail

  // days change while the page stays open
  setInterval(() => {
    if (today() !== shownToday) render();
  }, 60000);

  return { render };
}

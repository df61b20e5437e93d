// The session clock under the meeting's title: "Ends in 23 min", "5 min over", from the
// appointment's start and end (the `preview` answer's starts_at and ends_at). It changes
// every 30 s without being read out; a screen reader hears it once, when 5 minutes are left.

const TICK_MS = 30000;
const MINUTE = 60000;
const WARN_MINUTES = 5;

function minutesText(minutes) {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** "Starts in 4 min", "Ends in 23 min", "Ends now", "5 min over"; '' without times. */
export function sessionTimeText(startsAt, endsAt, now = Date.now()) {
  if (!Number.isFinite(startsAt) || !Number.isFinite(endsAt) || endsAt <= startsAt) return '';
  if (now < startsAt) return `Starts in ${minutesText(Math.ceil((startsAt - now) / MINUTE))}`;
  if (now < endsAt) return `Ends in ${minutesText(Math.ceil((endsAt - now) / MINUTE))}`;
  const over = Math.floor((now - endsAt) / MINUTE);
  return over < 1 ? 'Ends now' : `${minutesText(over)} over`;
}

/** True from WARN_MINUTES before the end until the end. */
function nearEnd(endsAt, now) {
  return now < endsAt && endsAt - now <= WARN_MINUTES * MINUTE;
}

export function createClock() {
  const shown = document.getElementById('session-clock');
  const spoken = document.getElementById('session-clock-spoken');
  let timer = 0;
  let times = null;
  let warned = false;

  function tick() {
    const now = Date.now();
    const text = sessionTimeText(times.startsAt, times.endsAt, now);
    shown.textContent = text;
    shown.hidden = !text;
    // said once, in the polite live region: not every change of the visible clock
    if (text && !warned && nearEnd(times.endsAt, now)) {
      warned = true;
      spoken.textContent = `${WARN_MINUTES} minutes left in this session.`;
    }
  }

  return {
    /** In the meeting: show the clock for this appointment (times in ms since the epoch). */
    start(startsAt, endsAt) {
      clearInterval(timer);
      // another appointment: warn when it crosses the mark (not at once when coming in late)
      if (times?.endsAt !== endsAt) warned = nearEnd(endsAt, Date.now());
      times = { startsAt, endsAt };
      tick();
      timer = shown.hidden ? 0 : setInterval(tick, TICK_MS);
    },
    stop() {
      clearInterval(timer);
      timer = 0;
      shown.hidden = true;
      spoken.textContent = '';
    },
  };
}

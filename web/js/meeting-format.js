// Times and durations as people read them, in the browser's own time zone.

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit',
});
const dayOnly = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth()
    && a.getDate() === b.getDate();
}

/** "Thursday 19 March, 17:00 – 17:50" (the browser's zone). */
export function appointmentText(startsAt, endsAt) {
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  if (endsAt > startsAt && typeof dayAndTime.formatRange === 'function') {
    return dayAndTime.formatRange(start, end);
  }
  return dayAndTime.format(start);
}

/** "Your session opens at 17:45. Please come back then." (with the day when not today) */
export function opensAtText(opensAt, now = new Date()) {
  const opens = new Date(opensAt);
  const time = timeOnly.format(opens);
  if (sameDay(opens, now)) return `Your session opens at ${time}. Please come back then.`;
  return `Your session opens on ${dayOnly.format(opens)} at ${time}. Please come back then.`;
}

/** The time of a chat message: "17:04". */
export function clockText(at) {
  return timeOnly.format(new Date(at));
}

/** How long someone has waited: "just arrived", "waiting 1 minute", "waiting 12 minutes". */
export function waitedText(since, now = Date.now()) {
  const minutes = Math.floor(Math.max(0, now - since) / 60000);
  if (minutes < 1) return 'just arrived';
  if (minutes === 1) return 'waiting 1 minute';
  if (minutes < 120) return `waiting ${minutes} minutes`;
  return `waiting ${Math.floor(minutes / 60)} hours`;
}

/** A turn's time left: "1:05 left". */
export function timeLeftText(endsAt, now = Date.now()) {
  const seconds = Math.max(0, Math.ceil((endsAt - now) / 1000));
  const m = Math.floor(seconds / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return `${m}:${s} left`;
}

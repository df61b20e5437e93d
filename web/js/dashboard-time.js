// Dates, times and time zones for the dashboard, with the browser's Intl only.
import { browserZone, zoneName } from './ui.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

// Zones most practices need, offered first; the full list follows.
const COMMON_ZONES = [
  'Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Europe/Berlin', 'Europe/Amsterdam',
  'Europe/Brussels', 'Europe/Paris', 'Europe/Zurich', 'Europe/Vienna', 'Europe/Rome',
  'Europe/Madrid', 'Europe/Stockholm', 'Europe/Warsaw', 'Europe/Athens', 'Europe/Helsinki',
  'Europe/Istanbul', 'America/New_York', 'America/Chicago', 'America/Denver',
  'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'America/Toronto',
  'America/Vancouver', 'America/Mexico_City', 'America/Sao_Paulo', 'Africa/Johannesburg',
  'Africa/Lagos', 'Asia/Dubai', 'Asia/Jerusalem', 'Asia/Kolkata', 'Asia/Singapore',
  'Asia/Hong_Kong', 'Asia/Tokyo', 'Australia/Perth', 'Australia/Sydney',
  'Pacific/Auckland', 'Pacific/Honolulu', 'UTC',
];

function allZones() {
  try {
    if (typeof Intl.supportedValuesOf === 'function') return Intl.supportedValuesOf('timeZone');
  } catch {
    // older browsers: the common list has to do
  }
  return [];
}

/**
 * Fills a <select> with time zones: the common ones (and the browser's own) first, then
 * all the others, and selects `selected` (adding it if the lists lack it).
 */
export function fillZoneSelect(select, selected = browserZone()) {
  const all = allZones();
  const common = [...COMMON_ZONES];
  if (!common.includes(selected)) common.unshift(selected);
  const rest = all.filter((z) => !common.includes(z));

  const group = (label, zones) => {
    const g = document.createElement('optgroup');
    g.label = label;
    for (const zone of zones) g.append(new Option(zoneName(zone), zone));
    return g;
  };
  select.replaceChildren(group('Common time zones', common));
  if (rest.length) select.append(group('All time zones', rest));
  select.value = selected;
}

const partFormatters = new Map();

function partsFormatter(zone) {
  let f = partFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    partFormatters.set(zone, f);
  }
  return f;
}

// Date.UTC, but without its two-digit-year surprise.
function utc(year, month, day, hour = 0, minute = 0, second = 0) {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** The zone's offset from UTC, in milliseconds, at an instant (ms since the epoch). */
export function zoneOffset(zone, instant) {
  const p = {};
  for (const { type, value } of partsFormatter(zone).formatToParts(new Date(instant))) {
    p[type] = value;
  }
  const wall = utc(Number(p.year), Number(p.month), Number(p.day), Number(p.hour) % 24,
    Number(p.minute), Number(p.second));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a local date and time ("2027-03-19", "18:00") means in a zone, by the rule
 * the server uses (RFC 5545, 3.3.5): a time that happens twice is the first of the two,
 * and a time the clocks skip is read with the offset from before the change, so it lands
 * that much later. Offsets change at most once within a day either side, so the only
 * candidates are the offset a day before and the one a day after.
 * Returns { instant, offset, skipped } or null for a date or time that is not one.
 */
export function zonedInstant(date, time, zone) {
  const d = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(date ?? '');
  const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time ?? '');
  if (!d || !t) return null;
  const [year, month, day, hour, minute] = [d[1], d[2], d[3], t[1], t[2]].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const wall = utc(year, month, day, hour, minute);
  if (new Date(wall).getUTCDate() !== day) return null; // 31 April and the like
  const before = zoneOffset(zone, wall - DAY);
  const after = zoneOffset(zone, wall + DAY);
  if (zoneOffset(zone, wall - before) === before) return { instant: wall - before, offset: before, skipped: false };
  if (zoneOffset(zone, wall - after) === after) return { instant: wall - after, offset: after, skipped: false };
  return { instant: wall - before, offset: before, skipped: true };
}

/** "+01:00", "-04:00", "+05:45" for an offset in milliseconds. */
export function offsetText(offset) {
  const minutes = Math.round(Math.abs(offset) / MINUTE);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}

/**
 * RFC 3339 with the zone's offset for that local date and time, e.g.
 * rfc3339Local("2027-03-19", "18:00", "Europe/Berlin") → "2027-03-19T18:00:00+01:00".
 * Returns null for a date or time that is not one.
 */
export function rfc3339Local(date, time, zone) {
  const at = zonedInstant(date, time, zone);
  if (!at) return null;
  return `${date}T${time.slice(0, 5)}:00${offsetText(at.offset)}`;
}

const sameYear = (a, b) => new Date(a).getFullYear() === new Date(b).getFullYear();

const spanFormats = new Map();

function spanFormat(withYear) {
  let f = spanFormats.get(withYear);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, {
      weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
      ...(withYear ? { year: 'numeric' } : {}),
    });
    spanFormats.set(withYear, f);
  }
  return f;
}

/** "Fri 19 Mar, 18:00–18:50" in the browser's zone and language (the year when not this one). */
export function formatSpan(starts, ends, now = Date.now()) {
  const f = spanFormat(!sameYear(starts, now));
  const a = new Date(starts);
  const b = new Date(ends);
  if (typeof f.formatRange === 'function') return f.formatRange(a, b);
  return `${f.format(a)} – ${f.format(b)}`;
}

/** "today" / "tomorrow" when the instant falls on one of those days here, else "". */
export function dayWord(instant, now = Date.now()) {
  const day = (t) => {
    const d = new Date(t);
    return utc(d.getFullYear(), d.getMonth() + 1, d.getDate());
  };
  const diff = Math.round((day(instant) - day(now)) / DAY);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Tomorrow';
  return '';
}

/** Today's date here as "YYYY-MM-DD" (for an <input type="date">'s min). */
export function localDateText(now = Date.now()) {
  const d = new Date(now);
  return `${String(d.getFullYear()).padStart(4, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "482 193 7750" for "4821937750"; other shapes are left as they are. */
export function formatMeetingId(id) {
  const s = String(id ?? '');
  return /^\d{10}$/.test(s) ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}` : s;
}

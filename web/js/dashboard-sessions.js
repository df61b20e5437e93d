// "Your sessions": every occurrence not cancelled and not yet over, soonest first, with
// its meeting ID, password, the host link and each invitee's personal link to copy.
import { errorMessage } from './api.js';
import { browserZone, copyText, el, say, zoneName } from './ui.js';
import { dayWord, formatMeetingId, formatSpan } from './dashboard-time.js';

const PAGE = 20;

export function createSessions({ data, call, onLoaded }) {
  const heading = document.getElementById('page-title');
  const zoneNote = document.getElementById('sessions-zone');
  const error = document.getElementById('sessions-error');
  const empty = document.getElementById('sessions-empty');
  const list = document.getElementById('sessions-list');
  const more = document.getElementById('sessions-more');
  const toast = document.getElementById('copy-status');

  let limit = PAGE;
  let shownKey = '';
  let toastTimer = 0;

  heading.tabIndex = -1;

  function announce(text) {
    clearTimeout(toastTimer);
    toast.textContent = text;
    if (text) toastTimer = setTimeout(() => { toast.textContent = ''; }, 6000);
  }

  const clientName = (id) => data.clients.find((c) => c.id === id)?.name;
  const groupName = (id) => data.groups.find((g) => g.id === id)?.name;

  function upcoming(now) {
    const out = [];
    for (const session of data.sessions) {
      if (session.status === 'cancelled') continue;
      // an administrator is sent every therapist's sessions; "Your sessions" are their own
      // and those of the groups they co-facilitate
      const cofacilitating = (data.groups.find((g) => g.id === session.group_id)?.facilitators ?? [])
        .includes(data.user?.id);
      if (data.user && session.therapist_id !== data.user.id && !cofacilitating) continue;
      const live = (session.occurrences ?? []).filter((o) => o.status !== 'cancelled');
      live.forEach((occ, i) => {
        const start = Date.parse(occ.starts_at);
        const end = Date.parse(occ.ends_at);
        if (!(end > now)) return;
        out.push({ session, occ, start, end, number: i + 1, total: live.length });
      });
    }
    return out.sort((a, b) => a.start - b.start || a.session.id - b.session.id);
  }

  function withWhom(session) {
    if (session.group_id) return groupName(session.group_id) ?? 'a group';
    return clientName(session.client_id) ?? 'a client no longer in your list';
  }

  function repeatText(item) {
    const r = item.session.recurrence;
    if (!r || item.total < 2) return '';
    const every = r.interval === 2 ? 'every 2 weeks' : 'every week';
    return `${every}, ${item.number} of ${item.total}`;
  }

  function copyButton(invite, whenId, who, group) {
    const button = el('button', 'button quiet', 'Copy client link');
    button.type = 'button';
    button.dataset.focus = `copy-${invite.client_id}`;
    if (group) button.append(el('span', 'visually-hidden', ` for ${who}`));
    button.setAttribute('aria-describedby', whenId);
    button.addEventListener('click', async () => {
      const ok = await copyText(invite.url);
      announce(ok ? `Copied the client link for ${who}.`
        : `Copying did not work. The link for ${who} is ${invite.url}`);
    });
    return button;
  }

  function item(entry, now) {
    const { session, occ, start, end } = entry;
    const li = el('li', 'dash-session');
    li.dataset.key = String(occ.id);
    const whenId = `occurrence-${occ.id}`;

    const when = el('h2', 'dash-session-when');
    when.id = whenId;
    when.tabIndex = -1;
    const nowOn = start <= now && now < end;
    if (nowOn) li.classList.add('is-now');
    const word = nowOn ? 'Now' : dayWord(start, now);
    if (word) when.append(el('span', 'dash-badge', word), ' ');
    const time = el('time', '', formatSpan(start, end, now));
    time.dateTime = occ.starts_at;
    when.append(time);

    const title = el('p', 'dash-session-title');
    title.append(el('strong', '', session.title));
    const about = [`with ${withWhom(session)}`, repeatText(entry)].filter(Boolean).join(' · ');
    title.append(el('br'), el('span', 'dash-session-with', about.charAt(0).toUpperCase() + about.slice(1)));

    const meta = el('dl', 'dash-session-meta');
    for (const [term, value] of [['Meeting ID', formatMeetingId(occ.meeting_id)],
      ['Password', occ.password]]) {
      if (!value) continue;
      const row = el('div');
      row.append(el('dt', '', term), el('dd', '', value));
      meta.append(row);
    }

    const actions = el('div', 'dash-session-actions');
    if (session.host_url) {
      // today's is the one to start; later ones are links to keep
      const today = dayWord(Date.parse(occ.starts_at)) === 'Today';
      const host = el('a', today ? 'button primary' : 'button quiet', today ? 'Start session' : 'Open host link');
      host.href = session.host_url;
      host.dataset.focus = 'host';
      host.setAttribute('aria-describedby', whenId);
      actions.append(host);
    } else if (session.meeting_url) {
      // a co-facilitator joins as themselves, signed in, not through the therapist's link
      const join = el('a', 'button quiet', 'Join as co-facilitator');
      join.href = session.meeting_url;
      join.dataset.focus = 'host';
      join.setAttribute('aria-describedby', whenId);
      actions.append(join);
    }
    // a co-facilitator is told who is invited, never given their links
    const invites = (session.invites ?? []).filter((invite) => invite.url);
    if (session.group_id && invites.length) {
      const details = el('details', 'dash-invitees');
      const summary = el('summary', '', `Client links (${invites.length})`);
      summary.dataset.focus = 'links';
      details.append(summary);
      const ul = el('ul');
      for (const invite of invites) {
        // a member whose record is archived is no longer in the clients list
        const who = clientName(invite.client_id) ?? `client no. ${invite.client_id}`;
        const row = el('li', 'dash-invitee');
        row.append(el('span', 'dash-invitee-name', who), copyButton(invite, whenId, who, true));
        ul.append(row);
      }
      details.append(ul);
      actions.append(details);
    } else {
      for (const invite of invites) {
        actions.append(copyButton(invite, whenId, clientName(invite.client_id) ?? 'the client', false));
      }
    }

    li.append(when, title, meta, actions);
    return li;
  }

  // Draws the list; keeps keyboard focus on the same control when it is still there.
  function render() {
    const now = Date.now();
    const all = upcoming(now);
    const shown = all.slice(0, limit);

    const active = document.activeElement;
    const inList = list.contains(active);
    const focusKey = inList ? active.closest('li.dash-session')?.dataset.key : '';
    const focusWhat = inList ? active.dataset.focus ?? '' : '';

    const open = new Set([...list.querySelectorAll('details[open]')]
      .map((d) => d.closest('li.dash-session')?.dataset.key));

    list.replaceChildren(...shown.map((entry) => item(entry, now)));
    for (const d of list.querySelectorAll('details')) {
      if (open.has(d.closest('li.dash-session')?.dataset.key)) d.open = true;
    }
    list.hidden = shown.length === 0;
    empty.hidden = shown.length !== 0;
    more.hidden = all.length <= limit;
    zoneNote.hidden = shown.length === 0;
    zoneNote.textContent = `Times are in your time zone, ${zoneName(browserZone())}.`;
    shownKey = key(now);

    if (inList) {
      const li = list.querySelector(`li.dash-session[data-key="${CSS.escape(focusKey ?? '')}"]`);
      const target = li && (focusWhat
        ? li.querySelector(`[data-focus="${CSS.escape(focusWhat)}"]`) : li.querySelector('.dash-session-when'));
      (target ?? heading).focus();
    }
  }

  // What the list shows now: which occurrences, and which are on now, today or tomorrow.
  function key(now) {
    return upcoming(now).slice(0, limit)
      .map((e) => `${e.occ.id}:${e.start <= now ? 'now' : dayWord(e.start, now)}`).join(',');
  }

  function loaded(result) {
    if (result.status === 200 && Array.isArray(result.data?.sessions)) {
      data.sessions = result.data.sessions;
      say(error, '');
      render();
      onLoaded?.();
      return true;
    }
    say(error, errorMessage(result, 'Your sessions could not be loaded. Please reload the page.'));
    empty.hidden = true;
    return false;
  }

  async function load() {
    return loaded(await call('GET', '/api/v1/sessions'));
  }

  more.addEventListener('click', () => {
    const first = limit;
    limit += PAGE;
    render();
    list.children[first]?.querySelector('.dash-session-when')?.focus();
  });

  // sessions end and days change while the page stays open; no request is needed for that
  setInterval(() => {
    if (!list.hidden && key(Date.now()) !== shownKey) render();
  }, 30000);

  return { render, load, loaded };
}

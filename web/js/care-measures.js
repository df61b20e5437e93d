// Check-ins on the dashboard. For a client: which measures they are asked before their
// one-to-one sessions (saved as soon as a box changes), and their scores over time, one
// chart per measure drawn here as SVG with the severity bands behind the line, each with a
// table of the same scores for screen readers. For a group: which measures its members are
// asked before group sessions. At the top of the page: the risk alerts (PHQ-9 question 9
// answered above 0) not yet marked seen, looked for again every few seconds.
import { api, errorMessage } from './api.js';
import { el, say } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const ALERTS_EVERY_MS = 10000;

export const MEASURE_INFO = {
  phq9: {
    name: 'PHQ-9 (depression)',
    max: 27,
    bands: [[0, 4, 'minimal'], [5, 9, 'mild'], [10, 14, 'moderate'],
      [15, 19, 'moderately severe'], [20, 27, 'severe']],
  },
  gad7: {
    name: 'GAD-7 (anxiety)',
    max: 21,
    bands: [[0, 4, 'minimal'], [5, 9, 'mild'], [10, 14, 'moderate'], [15, 21, 'severe']],
  },
  mood: { name: 'Mood (0–10)', max: 10, bands: [] },
};
const ORDER = ['phq9', 'gad7', 'mood'];

let partCount = 0;

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const dayText = (iso) => new Date(iso).toLocaleDateString([], { dateStyle: 'medium' });
const scoreText = (r) => (r.band ? `${r.total} (${r.band})` : String(r.total));

/** One measure's scores, oldest first, as an SVG chart with its bands behind the line. */
export function chart(measure, rows) {
  const info = MEASURE_INFO[measure];
  const W = 320;
  const H = 160;
  const left = 28;
  const right = 8;
  const top = 8;
  const bottom = 22;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const y = (v) => top + plotH - (v / info.max) * plotH;
  const x = (i) => left + (rows.length === 1 ? plotW / 2 : (i / (rows.length - 1)) * plotW);
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'care-chart', role: 'img', 'data-measure': measure,
  });
  const latest = rows[rows.length - 1];
  root.setAttribute('aria-label', `${info.name}: ${rows.length} score${rows.length === 1 ? '' : 's'}, ` +
    `latest ${scoreText(latest)} on ${dayText(latest.answered_at)}. The table below lists them.`);
  // the bands first, behind everything; a band runs from its lowest score to the next's
  info.bands.forEach(([low, high, name], i) => {
    const yTop = y(i === info.bands.length - 1 ? info.max : high + 1);
    const yLow = y(low);
    const rect = svg('rect', {
      x: left, y: yTop, width: plotW, height: yLow - yTop, class: `care-band care-band-${i}`,
      'data-band': name,
    });
    root.append(rect, svg('text', { x: left + 4, y: yTop + 11, class: 'care-band-label' }, name));
  });
  // the axis: its lowest and highest scores
  root.append(svg('text', { x: left - 4, y: y(0) + 4, class: 'care-axis', 'text-anchor': 'end' }, '0'),
    svg('text', { x: left - 4, y: y(info.max) + 8, class: 'care-axis', 'text-anchor': 'end' }, String(info.max)),
    svg('line', { x1: left, y1: y(0), x2: left + plotW, y2: y(0), class: 'care-axis-line' }));
  if (rows.length > 1) {
    root.append(svg('polyline', {
      points: rows.map((r, i) => `${x(i)},${y(r.total)}`).join(' '), class: 'care-line',
    }));
  }
  rows.forEach((r, i) => {
    const dot = svg('circle', { cx: x(i), cy: y(r.total), r: 4, class: r.risk ? 'care-dot risk' : 'care-dot' });
    dot.append(svg('title', {}, `${dayText(r.answered_at)}: ${scoreText(r)}`));
    root.append(dot);
  });
  root.append(svg('text', { x: left, y: H - 6, class: 'care-axis' }, dayText(rows[0].answered_at)));
  if (rows.length > 1) {
    root.append(svg('text', { x: left + plotW, y: H - 6, class: 'care-axis', 'text-anchor': 'end' },
      dayText(latest.answered_at)));
  }
  return root;
}

function table(measure, rows) {
  const details = el('details', 'care-table');
  details.append(el('summary', null, `${MEASURE_INFO[measure].name}: the scores as a table`));
  const t = el('table');
  const head = el('tr');
  head.append(el('th', null, 'Answered'), el('th', null, 'Score'));
  if (measure === 'mood') head.append(el('th', null, 'Word'));
  t.append(head);
  for (const r of rows) {
    const tr = el('tr');
    tr.append(el('td', null, dayText(r.answered_at)), el('td', null, scoreText(r) + (r.risk ? ' — question 9 above 0' : '')));
    if (measure === 'mood') tr.append(el('td', null, r.word ?? ''));
    t.append(tr);
  }
  details.append(t);
  return details;
}

function choiceForm(kind, path, call, lead) {
  const form = el('form', 'care-choice');
  const n = (partCount += 1);
  const set = el('fieldset');
  set.append(el('legend', null, lead));
  const status = el('p', 'hint');
  status.setAttribute('role', 'status');
  status.hidden = true;
  const boxes = ORDER.map((m) => {
    const id = `care-${kind}-${n}-${m}`;
    const box = el('input');
    box.type = 'checkbox';
    box.id = id;
    box.value = m;
    box.disabled = true;
    const label = el('label', 'care-check');
    label.htmlFor = id;
    label.append(box, ` ${MEASURE_INFO[m].name}`);
    set.append(label);
    return box;
  });
  form.append(set, el('p', 'hint', 'PHQ-9 and GAD-7: no permission required to reproduce, translate, display or distribute.'), status);
  const show = (measures) => {
    for (const b of boxes) {
      b.checked = measures.includes(b.value);
      b.disabled = false;
    }
  };
  for (const b of boxes) {
    b.addEventListener('change', async () => {
      const measures = boxes.filter((x) => x.checked).map((x) => x.value);
      for (const x of boxes) x.disabled = true;
      const result = await call('PUT', path, { measures });
      if (result.status === 200) {
        show(result.data.measures);
        say(status, measures.length
          ? `Saved: asked before each session (${result.data.measures.map((m) => MEASURE_INFO[m].name).join(', ')}).`
          : 'Saved: nothing is asked before sessions.');
      } else {
        for (const x of boxes) x.disabled = false;
        say(status, errorMessage(result, 'The choice could not be saved. Please try again.'));
      }
    });
  }
  return { form, show, status };
}

/** The client part: the measures asked, and the scores over time. */
export function clientMeasures(client, { call }) {
  const part = el('section', 'care-part care-measures');
  part.dataset.part = 'measures';
  part.append(el('h4', 'dash-detail-heading', 'Check-ins'));
  const { form, show, status } = choiceForm('client', `/api/v1/clients/${client.id}/checkins`, call,
    'Ask before each one-to-one session');
  const charts = el('div', 'care-charts');
  part.append(form, charts);
  (async () => {
    const result = await call('GET', `/api/v1/clients/${client.id}/measures`);
    if (result.status !== 200) {
      say(status, errorMessage(result, 'The check-ins could not be loaded.'));
      return;
    }
    show(result.data.chosen ?? []);
    const rows = result.data.measures ?? [];
    if (!rows.length) {
      charts.append(el('p', 'hint', 'No check-ins answered yet.'));
      return;
    }
    for (const m of ORDER) {
      const mine = rows.filter((r) => r.measure === m);
      if (!mine.length) continue;
      const figure = el('figure', 'care-figure');
      figure.append(el('figcaption', null, MEASURE_INFO[m].name), chart(m, mine), table(m, mine));
      charts.append(figure);
    }
  })();
  return part;
}

/** The group part: the measures its members are asked before group sessions. */
export function groupMeasures(group, { call }) {
  const part = el('section', 'care-part care-measures');
  part.dataset.part = 'measures';
  part.append(el('h4', 'dash-detail-heading', 'Check-ins'));
  const { form, show, status } = choiceForm('group', `/api/v1/groups/${group.id}/checkins`, call,
    'Ask each member before each group session');
  part.append(form);
  (async () => {
    const result = await call('GET', `/api/v1/groups/${group.id}/checkins`);
    if (result.status === 200) show(result.data.measures ?? []);
    else say(status, errorMessage(result, 'The check-ins could not be loaded.'));
  })();
  return part;
}

/** The risk alerts at the top of the dashboard, until each is marked seen. */
export function watchRiskAlerts({ call }) {
  const section = document.getElementById('risk-alerts');
  const list = document.getElementById('risk-alerts-list');
  if (!section || !list) return { stop() {} };
  let shownKey = '';
  let timer = 0;
  // seen by someone else who sees them (the therapist, a group's co-facilitator): said quietly
  const seenList = el('ul', 'dash-risk-seen');
  seenList.setAttribute('role', 'status');
  section.append(seenList);

  const timeOf = (at) => new Date(at).toLocaleTimeString([], { timeStyle: 'short' });

  function render(alerts, seen) {
    const key = `${alerts.map((a) => a.id).join(',')}/${seen.map((a) => a.id).join(',')}`;
    if (key === shownKey) return; // a live region drawn again is announced again
    shownKey = key;
    seenList.replaceChildren(...seen.map((a) => el('li', 'dash-risk-seen-item',
      `Seen by ${a.seen_by_name} at ${timeOf(a.seen_at)}: ${a.client_name}'s answer to PHQ-9 question 9 at ${timeOf(a.raised_at)}.`)));
    list.replaceChildren(...alerts.map((a) => {
      const li = el('li', 'dash-risk-item');
      const when = new Date(a.raised_at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
      const text = el('p', null, `${a.client_name} answered PHQ-9 question 9 (thoughts of being better off dead or of self-harm) above 0 — ${when}.`);
      text.id = `risk-alert-${a.id}`;
      const seen = el('button', 'button', 'Seen');
      seen.type = 'button';
      seen.setAttribute('aria-describedby', text.id);
      seen.addEventListener('click', async () => {
        seen.disabled = true;
        const result = await call('POST', `/api/v1/alerts/${a.id}/seen`);
        if (result.status === 204 || result.status === 404) load();
        else seen.disabled = false;
      });
      li.append(text, seen);
      return li;
    }));
    section.hidden = alerts.length === 0 && seen.length === 0;
  }

  async function load() {
    clearTimeout(timer);
    // looking is not activity: an open dashboard still signs out when nobody uses it
    const result = await api('GET', '/api/v1/alerts', undefined, { activity: false });
    if (result.status === 200) render(result.data.alerts ?? [], result.data.seen ?? []);
    if (result.status !== 401) timer = setTimeout(load, ALERTS_EVERY_MS);
  }
  load();
  return { stop() { clearTimeout(timer); } };
}

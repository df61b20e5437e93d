// The video stage's layout on the page: "Gallery view" (equal tiles, as large as the window
// allows) or "Speaker view" (the spotlighted person, else the one speaking, large; the
// others in a strip under them). One's own video has a tile of its own, last, so it never
// covers anyone; hidden, its place goes to the others. The speaker the page names is
// outlined and said in words on their tile. The numbers come from meeting-layout.js; this
// module only measures and applies them, whenever tiles come and go or the stage resizes.
import { $ } from './ui.js';
import { el } from './meeting-dom.js';
import { HOLD_MS, holdSpeaker, layoutTiles } from './meeting-layout.js';

const GAP = 8; // px between tiles
const LAYOUT_STORE = 'confide.layout';
const SELF_ALONE_MAX = 448; // px: alone, one's own picture need not fill the screen
const MIN_STAGE_HEIGHT = 160;
const MODES = { gallery: 'Gallery view', speaker: 'Speaker view' };

export function createStage({ self }) {
  const stage = $('video-stage');
  const area = $('video-area');
  const list = $('video-tiles');
  const selfBox = $('self-view');
  const selfToggle = $('self-view-toggle');
  const buttons = { gallery: $('gallery-view-button'), speaker: $('speaker-view-button') };

  let mode = savedMode();
  let spotlight = null;
  let held = { id: 0, since: -Infinity };
  let heard = 0;
  let holdTimer = 0;
  let lastMain = null; // the large tile: it stays while the speaker is oneself
  let frame = 0;
  let width = 0;

  function savedMode() {
    try {
      return localStorage.getItem(LAYOUT_STORE) === 'speaker' ? 'speaker' : 'gallery';
    } catch {
      return 'gallery';
    }
  }

  const selfShown = () => !selfBox.hidden && !selfBox.classList.contains('minimised');
  const idOf = (li) => Number(li.dataset.participant);

  // the stage's height to use: the window less the bar above and the controls below
  function budget() {
    const bar = document.querySelector('.meeting-bar')?.offsetHeight ?? 0;
    const controls = document.querySelector('.controls')?.offsetHeight ?? 0;
    return Math.max(MIN_STAGE_HEIGHT, window.innerHeight - bar - controls - 3 * GAP);
  }

  // speaker view's large tile: the spotlight, else the speaker, else who it was, else the first
  function pickMain(others) {
    const byId = (id) => others.find((li) => idOf(li) === id);
    return byId(spotlight) ?? byId(held.id) ?? others.find((li) => li === lastMain) ?? others[0];
  }

  function arrange() {
    frame = 0;
    markSpeaker(); // new tiles too
    width = area.clientWidth;
    selfToggle.hidden = selfBox.hidden;
    if (!width) return; // the stage is hidden: laid out when it shows (its width changes)
    const others = [...list.children].filter((li) => !li.hidden);
    const nodes = selfShown() ? [...others, selfBox] : others;
    const speaker = mode === 'speaker' && others.length > 0;
    const main = speaker ? pickMain(others) : null;
    lastMain = main ?? lastMain;
    const { tiles, height } = layoutTiles({
      width,
      height: budget(),
      count: nodes.length,
      mode: speaker ? 'speaker' : 'gallery',
      main: main ? nodes.indexOf(main) : 0,
      gap: GAP,
      maxWidth: others.length ? Infinity : SELF_ALONE_MAX,
    });
    nodes.forEach((node, i) => {
      const t = tiles[i];
      node.style.setProperty('--tile-x', `${t.x}px`);
      node.style.setProperty('--tile-y', `${t.y}px`);
      node.style.setProperty('--tile-w', `${t.width}px`);
      node.classList.toggle('main-tile', node === main);
    });
    area.style.setProperty('--area-h', `${height}px`);
  }

  function soon() {
    if (!frame) frame = requestAnimationFrame(arrange);
  }

  // words on a tile for the speaker (the outline only repeats them)
  function speakingText(node) {
    let p = node.querySelector(':scope > .tile-speaking');
    if (!p) {
      p = el('p', 'visually-hidden tile-speaking');
      node.append(p);
    }
    return p;
  }

  // writes only what changed: the list's observer must not hear its own writes
  function mark(node, on, words) {
    if (node.classList.contains('speaking') !== on) node.classList.toggle('speaking', on);
    const p = speakingText(node);
    const text = on ? words : '';
    if (p.textContent !== text) p.textContent = text;
  }

  function markSpeaker() {
    for (const li of list.children) mark(li, held.id !== 0 && idOf(li) === held.id, 'Speaking');
    mark(selfBox, held.id !== 0 && held.id === self(), 'You are speaking');
  }

  function hear() {
    clearTimeout(holdTimer);
    const next = holdSpeaker(held, heard, performance.now(), HOLD_MS);
    if (next.wait > 0) {
      holdTimer = setTimeout(hear, next.wait);
      return;
    }
    if (next.held === held) return;
    held = next.held;
    markSpeaker();
    soon();
  }

  function setMode(next) {
    mode = next;
    for (const [name, b] of Object.entries(buttons)) b.setAttribute('aria-pressed', String(name === mode));
    stage.setAttribute('aria-label', `Video: ${MODES[mode].toLowerCase()}`);
    stage.dataset.layout = mode;
    try {
      localStorage.setItem(LAYOUT_STORE, mode);
    } catch {
      // without storage the choice lasts for this page
    }
    soon();
  }

  for (const [name, b] of Object.entries(buttons)) b.addEventListener('click', () => setMode(name));
  setMode(mode);

  // tiles come and go (any tile in the list, whoever adds it), one's own is shown or hidden
  new MutationObserver(soon).observe(list, { childList: true, attributes: true,
    attributeFilter: ['hidden'], subtree: true });
  new MutationObserver(soon).observe(selfBox, { attributes: true, attributeFilter: ['hidden', 'class'] });
  // the stage's width (one's own height changes are not a reason); the window's height
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => { if (area.clientWidth !== width) soon(); }).observe(area);
  }
  window.addEventListener('resize', soon);

  return {
    /** The server heard this voice loudest (0: nobody). */
    heard(id) {
      heard = id ?? 0;
      hear();
    },
    /** The room's spotlight (a participant id, or null). */
    spotlight(id) {
      if (id === spotlight) return;
      spotlight = id ?? null;
      if (mode === 'speaker') soon();
    },
  };
}

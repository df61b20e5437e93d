// The meeting's video layout as numbers, with no DOM: from the stage's size, how many tiles
// and the mode, where each 16:9 tile goes; and which voice the page names the speaker. The
// meeting page applies it (meeting-stage.js); tests/e2e/layout-math.test.mjs checks it.

export const RATIO = 16 / 9;
// the gallery is made for this many tiles (4 × 4); a larger meeting still shows everyone
export const GALLERY_TILES = 16;
// below this width a tile is too small to see a face: the stage grows taller instead (the
// page scrolls down, never sideways)
export const MIN_TILE_WIDTH = 144;
// a new speaker takes over from the one named at most this often, so the outline and the
// large tile do not flicker between two voices
export const HOLD_MS = 1500;

const STRIP_SHARE = 0.22; // of the stage's height, for the small tiles in speaker view
const STRIP_MIN = 64;
const STRIP_MAX = 144;

/** The columns and rows of `count` equal 16:9 tiles that make them as large as possible in
 * width × height, `gap` apart; with `minWidth`, never narrower than that (or the width). */
export function bestGrid(width, height, count, gap, minWidth = 0) {
  assertSize(width, height, gap);
  if (count < 1) return { columns: 0, rows: 0, width: 0, height: 0 };
  let best = null;
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    const byWidth = (width - gap * (columns - 1)) / columns;
    const byHeight = ((height - gap * (rows - 1)) / rows) * RATIO;
    const w = Math.min(byWidth, byHeight);
    // a tie goes to fewer columns: fewer empty places in the last row
    if (!best || w > best.w + 0.5) best = { columns, rows, w };
  }
  if (best.w < minWidth) {
    // too small in this height: as many columns of minWidth as the width holds
    const columns = Math.max(1, Math.min(count, Math.floor((width + gap) / (minWidth + gap))));
    best = { columns, rows: Math.ceil(count / columns), w: (width - gap * (columns - 1)) / columns };
  }
  const w = Math.max(1, Math.floor(best.w));
  return { columns: best.columns, rows: best.rows, width: w, height: Math.max(1, Math.floor(w / RATIO)) };
}

/** Places the tiles of a grid row by row from `top`, each row centred in `width`. */
function place(grid, count, width, top, gap) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const row = Math.floor(i / grid.columns);
    const inRow = Math.min(grid.columns, count - row * grid.columns);
    const left = Math.floor((width - inRow * grid.width - (inRow - 1) * gap) / 2);
    const column = i - row * grid.columns;
    out.push({ x: left + column * (grid.width + gap), y: top + row * (grid.height + gap),
      width: grid.width, height: grid.height });
  }
  return out;
}

function usedHeight(grid, gap) {
  return grid.rows ? grid.rows * grid.height + (grid.rows - 1) * gap : 0;
}

/**
 * Where each of `count` tiles goes in a stage `width` wide with about `height` to use:
 * - gallery: equal tiles, as large as fit;
 * - speaker: tile `main` large on top, the others small in a strip under it, in order.
 * Returns { tiles: [{ x, y, width, height }] (one per tile, in the order given), height: the
 * height the tiles take (more than `height` only where tiles would be narrower than
 * MIN_TILE_WIDTH) }. Whole pixels; tiles never overlap.
 */
export function layoutTiles({ width, height, count, mode = 'gallery', main = 0, gap = 8,
  minWidth = MIN_TILE_WIDTH, maxWidth = Infinity }) {
  assertSize(width, height, gap);
  if (count < 1 || width < 1) return { tiles: [], height: 0 };
  if (mode !== 'speaker' || count === 1) {
    const grid = bestGrid(width, height, count, gap, Math.min(minWidth, width));
    if (grid.width > maxWidth) {
      grid.width = Math.floor(maxWidth);
      grid.height = Math.floor(grid.width / RATIO);
    }
    return { tiles: place(grid, count, width, 0, gap), height: usedHeight(grid, gap) };
  }
  assert(main >= 0 && main < count, 'the main tile is one of the tiles');
  const stripHeight = Math.min(STRIP_MAX, Math.max(STRIP_MIN, Math.round(height * STRIP_SHARE)));
  // a small tile is at most a third of the width, so the large one is always larger
  const stripMin = Math.min(STRIP_MIN * RATIO, (width - 2 * gap) / 3);
  const strip = bestGrid(width, stripHeight, count - 1, gap, stripMin);
  if (strip.width > stripMin && strip.columns < 3 && strip.width * 3 > width) {
    strip.width = Math.max(1, Math.floor((width - 2 * gap) / 3));
    strip.height = Math.max(1, Math.floor(strip.width / RATIO));
  }
  const room = height - usedHeight(strip, gap) - gap;
  // the large tile: as large as the height left allows, and at least twice a small one
  const w = Math.min(width, Math.max(Math.floor(room * RATIO), 2 * strip.width));
  const big = { x: Math.floor((width - w) / 2), y: 0, width: w, height: Math.floor(w / RATIO) };
  const small = place(strip, count - 1, width, big.height + gap, gap);
  const tiles = [];
  for (let i = 0, s = 0; i < count; i++) tiles.push(i === main ? big : small[s++]);
  return { tiles, height: big.height + gap + usedHeight(strip, gap) };
}

/**
 * The speaker the page names, from the voice the server last heard loudest: a new voice
 * takes over once the one named has held for HOLD_MS; nobody (0) or the first voice at once.
 * `held` is { id, since } (start with { id: 0, since: -Infinity }). Returns { held, wait }:
 * wait > 0 when `heard` has to wait that many milliseconds (ask again then).
 */
export function holdSpeaker(held, heard, now, holdMs = HOLD_MS) {
  if (heard === held.id) return { held, wait: 0 };
  if (!heard || !held.id || now - held.since >= holdMs) return { held: { id: heard, since: now }, wait: 0 };
  return { held, wait: held.since + holdMs - now };
}

function assert(ok, what) {
  if (!ok) throw new Error(`meeting-layout: ${what}`);
}

function assertSize(width, height, gap) {
  assert(Number.isFinite(width) && Number.isFinite(height) && width >= 0 && height >= 0,
    'a stage has a finite size');
  assert(gap >= 0, 'the gap is not negative');
}

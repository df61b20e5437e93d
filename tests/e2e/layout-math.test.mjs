// The meeting's video layout as numbers (web/js/meeting-layout.js), without a browser:
// gallery tiles equal, 16:9, inside the stage, not overlapping, as large as fit; speaker
// view's one large tile over a strip; the speaker held against flicker.
//
//   cd tests/e2e && node --test layout-math.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { WEB_DIR } from './lib/server.mjs';

// The page's module as the browser gets it (web/ has no package.json saying its .js files are
// ES modules, so Node is handed the text itself).
const source = fs.readFileSync(path.join(WEB_DIR, 'js', 'meeting-layout.js'), 'utf8');
const { HOLD_MS, MIN_TILE_WIDTH, RATIO, bestGrid, holdSpeaker, layoutTiles } =
  await import(`data:text/javascript,${encodeURIComponent(source)}`);

const GAP = 8;
const SCREENS = [
  { name: 'laptop', width: 1200, height: 620 },
  { name: 'wide monitor', width: 1800, height: 700 },
  { name: 'tablet upright', width: 740, height: 800 },
  { name: 'small phone', width: 336, height: 430 },
];

function overlap(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function checkApart(tiles, what) {
  for (let i = 0; i < tiles.length; i++) {
    for (let j = i + 1; j < tiles.length; j++) {
      assert.ok(!overlap(tiles[i], tiles[j]), `${what}: tiles ${i} and ${j} overlap: ` +
        `${JSON.stringify(tiles[i])} ${JSON.stringify(tiles[j])}`);
    }
  }
}

function checkRatio(t, what) {
  assert.ok(Math.abs(t.width / t.height / RATIO - 1) <= 0.02, `${what}: not 16:9: ${JSON.stringify(t)}`);
}

test('gallery: 1 to 21 tiles equal, 16:9, inside the width, apart, in the height while tiles stay large enough', () => {
  for (const s of SCREENS) {
    for (let count = 1; count <= 21; count++) {
      const what = `${s.name}, ${count}`;
      const { tiles, height } = layoutTiles({ width: s.width, height: s.height, count, gap: GAP });
      assert.equal(tiles.length, count, what);
      for (const t of tiles) {
        assert.equal(t.width, tiles[0].width, `${what}: equal widths`);
        assert.equal(t.height, tiles[0].height, `${what}: equal heights`);
        checkRatio(t, what);
        assert.ok(t.x >= 0 && t.x + t.width <= s.width, `${what}: outside the width ${JSON.stringify(t)}`);
        assert.ok(t.y >= 0 && t.y + t.height <= height, `${what}: below the height it says`);
        assert.ok(Number.isInteger(t.x) && Number.isInteger(t.y) && Number.isInteger(t.width), what);
      }
      checkApart(tiles, what);
      if (height > s.height) {
        assert.ok(tiles[0].width >= Math.min(MIN_TILE_WIDTH, s.width) - 1,
          `${what}: taller than the stage only to keep tiles ${MIN_TILE_WIDTH} px wide`);
      }
    }
  }
});

test('gallery: the grid chosen gives the largest tiles any grid would', () => {
  for (const s of SCREENS) {
    for (let count = 1; count <= 16; count++) {
      const chosen = bestGrid(s.width, s.height, count, GAP);
      for (let columns = 1; columns <= count; columns++) {
        const rows = Math.ceil(count / columns);
        const w = Math.min((s.width - GAP * (columns - 1)) / columns,
          ((s.height - GAP * (rows - 1)) / rows) * RATIO);
        assert.ok(chosen.width >= Math.floor(w) - 1,
          `${s.name}, ${count}: ${columns} columns would give ${w} px, chosen ${chosen.width}`);
      }
    }
  }
  // what a person would expect: two side by side on a laptop, four as 2 × 2, nine as 3 × 3
  assert.deepEqual([2, 4, 9].map((n) => bestGrid(1200, 620, n, GAP).columns), [2, 2, 3]);
  // sixteen on a wide screen: 4 × 4 or 5 × 4, and then nobody off the stage
  const sixteen = bestGrid(1800, 700, 16, GAP);
  assert.ok(sixteen.columns * sixteen.rows >= 16 && sixteen.rows <= 4, JSON.stringify(sixteen));
  // a phone upright: one column for three
  assert.equal(bestGrid(336, 560, 3, GAP).columns, 1);
});

test('gallery: alone, one\'s own tile keeps to maxWidth', () => {
  const { tiles } = layoutTiles({ width: 1200, height: 620, count: 1, gap: GAP, maxWidth: 448 });
  assert.equal(tiles[0].width, 448);
  checkRatio(tiles[0], 'alone');
  assert.equal(tiles[0].x, Math.floor((1200 - 448) / 2));
});

test('speaker view: the main tile larger than every other, 16:9, the others equal under it, none overlapping', () => {
  for (const s of SCREENS) {
    for (let count = 2; count <= 21; count++) {
      for (const main of [0, count - 1, Math.floor(count / 2)]) {
        const what = `${s.name}, ${count}, main ${main}`;
        const { tiles, height } = layoutTiles({ width: s.width, height: s.height, count, mode: 'speaker',
          main, gap: GAP });
        assert.equal(tiles.length, count, what);
        const big = tiles[main];
        const small = tiles.filter((_, i) => i !== main);
        checkRatio(big, what);
        for (const t of small) {
          assert.ok(big.width > t.width && big.height > t.height, `${what}: the main tile is not the largest`);
          assert.equal(t.width, small[0].width, `${what}: strip tiles equal`);
          assert.ok(t.y >= big.y + big.height, `${what}: the strip is under the main tile`);
          checkRatio(t, what);
        }
        for (const t of tiles) {
          assert.ok(t.x >= 0 && t.x + t.width <= s.width && t.y + t.height <= height, `${what}: outside`);
        }
        checkApart(tiles, what);
      }
    }
  }
  // three people on a laptop: the speaker wide, the other two small side by side
  const three = layoutTiles({ width: 1200, height: 620, count: 3, mode: 'speaker', main: 1, gap: GAP });
  assert.ok(three.tiles[1].width >= 3 * three.tiles[0].width, JSON.stringify(three));
  assert.equal(three.tiles[0].y, three.tiles[2].y);
  assert.ok(three.tiles[0].x < three.tiles[2].x, 'one\'s own (last) at the end of the strip');
});

test('speaker view with one tile, and nothing: the same as the gallery', () => {
  assert.deepEqual(layoutTiles({ width: 800, height: 500, count: 1, mode: 'speaker', gap: GAP }),
    layoutTiles({ width: 800, height: 500, count: 1, gap: GAP }));
  assert.deepEqual(layoutTiles({ width: 800, height: 500, count: 0, gap: GAP }), { tiles: [], height: 0 });
  assert.deepEqual(layoutTiles({ width: 0, height: 500, count: 3, gap: GAP }), { tiles: [], height: 0 });
  assert.throws(() => layoutTiles({ width: 800, height: 500, count: 3, mode: 'speaker', main: 3, gap: GAP }));
  assert.throws(() => layoutTiles({ width: Infinity, height: 500, count: 3, gap: GAP }));
});

test('the speaker is held: a new voice waits until the last one has had HOLD_MS', () => {
  let s = { id: 0, since: -Infinity };
  // the first voice: at once
  ({ held: s } = holdSpeaker(s, 3, 1000));
  assert.deepEqual(s, { id: 3, since: 1000 });
  // another voice 400 ms later: waits for the rest of the hold
  const early = holdSpeaker(s, 5, 1400);
  assert.equal(early.held, s);
  assert.equal(early.wait, HOLD_MS - 400);
  // asked again when the hold is over: taken
  const later = holdSpeaker(s, 5, 1000 + HOLD_MS);
  assert.deepEqual(later, { held: { id: 5, since: 1000 + HOLD_MS }, wait: 0 });
  // the same voice again: nothing changes
  assert.equal(holdSpeaker(later.held, 5, 9000).held, later.held);
  // the speaker left (0): nobody, at once
  assert.deepEqual(holdSpeaker(later.held, 0, 1000 + HOLD_MS + 10).held, { id: 0, since: 1000 + HOLD_MS + 10 });
});

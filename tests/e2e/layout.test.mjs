// The meeting's video layout in Debian's Chromium with fake cameras and microphones: a
// group of three (the therapist and a client on a laptop-sized window, a client on a small
// phone). In "Gallery view" the tiles are equal, 16:9, apart, one's own among them covering
// nobody; "Speaker view" makes one tile (someone else's) larger than the others; the
// speaker is outlined and said in words; hiding one's own video frees its place; the
// microphone and camera buttons are toggles that keep their words; a phone never scrolls
// sideways and keeps its controls on the screen.
//
//   cd tests/e2e && node --test layout.test.mjs
//
// LAYOUT_SCREENSHOTS=/tmp saves screenshots of each layout there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, withServer } from './lib/browser.mjs';
import {
  MEDIA_ARGS, addClient, api, control, joinAsHost, knock, localUrl, makeSession, person, until,
  waitForMedia,
} from './lib/meeting.mjs';

const THERAPIST = 'Dr Ada Byron';
const NAMES = ['Sam Rivera', 'Jo Okafor'];
const LAPTOP = { viewport: { width: 1280, height: 800 } };
const SMALL_PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true,
  hasTouch: true };

let browser;

before(async () => {
  browser = await launchChromium(MEDIA_ARGS);
});

after(async () => {
  await browser?.close();
});



async function shot(p, name) {
  const dir = process.env.LAYOUT_SCREENSHOTS;
  if (dir) await p.page.screenshot({ path: path.join(dir, `layout-${name}.png`), fullPage: true });
}

// Where the page shows each tile (the others' and one's own), and how wide the page is.
function geometry(page) {
  return page.evaluate(() => {
    const box = (node) => {
      const r = node.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    const others = [...document.querySelectorAll('#video-tiles > li')].map((li) => ({
      name: li.querySelector('video').getAttribute('aria-label'), ...box(li),
      speaking: li.classList.contains('speaking'), said: li.innerText }));
    const own = document.getElementById('self-view');
    const self = own.checkVisibility() ? { name: 'self', ...box(own) } : null;
    return { others, self, scroll: document.scrollingElement.scrollWidth, inner: innerWidth,
      stage: document.getElementById('video-stage').getAttribute('aria-label') };
  });
}

const all = (g) => (g.self ? [...g.others, g.self] : g.others);
const overlap = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 &&
  a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
const ratioOk = (t) => Math.abs(t.width / t.height / (16 / 9) - 1) <= 0.02;

function assertApart(g, what) {
  const tiles = all(g);
  for (let i = 0; i < tiles.length; i++) {
    for (let j = i + 1; j < tiles.length; j++) {
      assert.ok(!overlap(tiles[i], tiles[j]),
        `${what}: ${tiles[i].name} and ${tiles[j].name} overlap: ${JSON.stringify(g)}`);
    }
  }
}

// gallery: every tile the same size and 16:9, own included, nobody covered, inside the window
function assertGallery(g, count, what) {
  const tiles = all(g);
  assert.equal(tiles.length, count, `${what}: ${JSON.stringify(g)}`);
  for (const t of tiles) {
    assert.ok(Math.abs(t.width - tiles[0].width) <= 1 && Math.abs(t.height - tiles[0].height) <= 1,
      `${what}: tiles of different sizes: ${JSON.stringify(g)}`);
    assert.ok(ratioOk(t), `${what}: ${t.name} is not 16:9: ${JSON.stringify(t)}`);
    assert.ok(t.x >= 0 && t.x + t.width <= g.inner, `${what}: ${t.name} outside the window`);
  }
  assertApart(g, what);
  if (g.self) for (const t of g.others) assert.ok(!overlap(g.self, t), `${what}: own video covers ${t.name}`);
  assert.ok(g.scroll <= g.inner, `${what}: the page scrolls sideways: ${g.scroll} > ${g.inner}`);
}

// speaker view: one of the others' tiles larger than each other tile, those equal
function largest(g) {
  const tiles = all(g);
  const area = (t) => t.width * t.height;
  const sorted = [...tiles].sort((a, b) => area(b) - area(a));
  const big = sorted[0];
  const rest = sorted.slice(1);
  if (!rest.length || !rest.every((t) => area(big) > 2 * area(t) &&
      Math.abs(t.width - rest[0].width) <= 1)) return null;
  return big;
}

// a toggle's state, shown or behind "More" on the phone (where getByRole does not see it)
const TOGGLES = { 'Gallery view': '#gallery-view-button', 'Speaker view': '#speaker-view-button' };
const pressed = (p, name) => (TOGGLES[name] ? p.page.locator(TOGGLES[name])
  : p.page.getByRole('button', { name, exact: true })).getAttribute('aria-pressed');

test('gallery and speaker view for three, the speaker outlined, own video beside the others, on a laptop and a small phone', async () => {
  await withServer({ args: ['--media-workers', '2'] }, async (server) => {
    const call = await api(server);
    const clients = [];
    for (const [i, n] of NAMES.entries()) clients.push(await addClient(call, n, i + 1));
    const session = await makeSession(call, clients, 'Thursday group');
    const password = session.occurrences[0].password;
    const people = [];
    try {
      const ada = await person(browser, THERAPIST, LAPTOP);
      const sam = await person(browser, NAMES[0], LAPTOP);
      const jo = await person(browser, NAMES[1], SMALL_PHONE);
      people.push(ada, sam, jo);
      await joinAsHost(ada, localUrl(server, session.host_url), call.cookie);
      for (const [i, p] of [sam, jo].entries()) {
        const invite = session.invites.find((v) => v.client_id === clients[i].id);
        await knock(p, localUrl(server, invite.url), password, { group: true });
      }
      await ada.page.getByRole('button', { name: 'Admit all' }).click();
      const everyone = [THERAPIST, ...NAMES];
      for (const p of people) await waitForMedia(p, everyone.filter((n) => n !== p.name), { timeoutMs: 45000 });

      // gallery, the first layout: three equal 16:9 tiles, one's own the last of them
      for (const p of people) {
        assert.equal(await pressed(p, 'Gallery view'), 'true', p.name);
        assert.equal(await pressed(p, 'Speaker view'), 'false', p.name);
        const g = await until(`${p.name}: three tiles in the gallery`, () => geometry(p.page),
          (r) => r.others.length === 2 && r.self && r.others.every((t) => t.width > 0));
        assertGallery(g, 3, `${p.name}, gallery`);
        assert.equal(g.stage, 'Video: gallery view');
      }
      const laptop = await geometry(ada.page);
      // on a laptop the tiles share the width: wider than a third of it each
      assert.ok(laptop.others[0].width > 1280 / 3 - 40, JSON.stringify(laptop));
      // on the phone they stack, each as wide as the screen allows
      const phone = await geometry(jo.page);
      const columns = new Set(all(phone).map((t) => Math.round(t.x)));
      assert.equal(columns.size, 1, `the phone's tiles stack: ${JSON.stringify(phone)}`);
      assert.ok(phone.others[0].width >= 200, JSON.stringify(phone));
      await shot(ada, 'gallery-laptop');
      await shot(jo, 'gallery-phone');

      // the controls stay on the phone's screen and work: mute and unmute, a toggle each way
      const mute = jo.page.locator('#mute-button');
      const box = await mute.boundingBox();
      assert.ok(box && box.y >= 0 && box.y + box.height <= 740 && box.x + box.width <= 360,
        `the phone's Mute button is off the screen: ${JSON.stringify(box)}`);
      assert.equal(await mute.getAttribute('aria-pressed'), 'false');
      await jo.page.getByRole('button', { name: 'Mute', exact: true }).click();
      await jo.page.getByRole('button', { name: 'Unmute', exact: true }).waitFor();
      assert.equal(await mute.getAttribute('aria-pressed'), 'true');
      await jo.page.getByRole('button', { name: 'Unmute', exact: true }).click();
      await jo.page.getByRole('button', { name: 'Mute', exact: true }).waitFor();
      assert.equal(await mute.getAttribute('aria-pressed'), 'false');
      const camera = sam.page.locator('#video-button');
      assert.equal(await camera.getAttribute('aria-pressed'), 'false');
      await sam.page.getByRole('button', { name: 'Stop video', exact: true }).click();
      await sam.page.getByRole('button', { name: 'Start video', exact: true }).waitFor();
      assert.equal(await camera.getAttribute('aria-pressed'), 'true');
      await ada.page.locator('#video-tiles li', { hasText: NAMES[0] }).getByText('Camera off').waitFor();
      await sam.page.getByRole('button', { name: 'Start video', exact: true }).click();
      await sam.page.getByRole('button', { name: 'Stop video', exact: true }).waitFor();
      assert.equal(await camera.getAttribute('aria-pressed'), 'false');

      // speaker view: the toggle flips, one of the others large, the rest (own last) small
      for (const p of people) {
        await control(p.page, 'Speaker view'); // behind "More" on the phone
        assert.equal(await pressed(p, 'Speaker view'), 'true', p.name);
        assert.equal(await pressed(p, 'Gallery view'), 'false', p.name);
        const g = await until(`${p.name}: one tile large in speaker view`, () => geometry(p.page),
          (r) => largest(r) !== null);
        const big = largest(g);
        assert.notEqual(big.name, 'self', `${p.name} sees their own video large`);
        assert.ok(ratioOk(big), JSON.stringify(big));
        assertApart(g, `${p.name}, speaker view`);
        assert.ok(g.scroll <= g.inner, `${p.name}: the page scrolls sideways in speaker view`);
        assert.equal(g.stage, 'Video: speaker view');
      }
      await shot(ada, 'speaker-laptop');
      await shot(jo, 'speaker-phone');

      // the fake microphones beep: the server names a speaker, whose tile on the others' pages
      // is outlined, says so in words, and is the large one in speaker view
      const outlined = await until('someone is outlined as the speaker', async () => {
        for (const p of people) {
          const g = await geometry(p.page);
          const t = g.others.find((o) => o.speaking);
          if (t) return { page: p.name, tile: t, big: largest(g)?.name };
        }
        return null;
      }, (r) => r !== null && r.big === r.tile.name, 30000);
      assert.match(outlined.tile.said, /Speaking/, JSON.stringify(outlined));

      // one's own video hidden: its place goes to the others; shown again: back, covering nobody
      await ada.page.getByRole('button', { name: 'Gallery view', exact: true }).click();
      await ada.page.getByRole('button', { name: 'Hide self-view' }).click();
      await ada.page.getByRole('button', { name: 'Show self-view' }).waitFor();
      assert.equal(await ada.page.getByLabel('Your own video').isVisible(), false);
      const without = await until('two tiles without one\'s own', () => geometry(ada.page),
        (r) => r.self === null && r.others.length === 2
          && Math.abs(r.others[0].width - r.others[1].width) <= 1);
      assertGallery(without, 2, 'gallery without own video');
      await ada.page.getByRole('button', { name: 'Show self-view' }).click();
      // the tile shows before the next frame lays the three out: wait for the layout, not the tile
      const back = await until('one\'s own tile back, laid out with the others', () => geometry(ada.page),
        (r) => r.self !== null && all(r).every((t) => Math.abs(t.width - r.self.width) <= 1));
      assertGallery(back, 3, 'gallery with own video again');

      // the phone turned sideways: the gallery follows the new size, still nothing sideways
      await control(jo.page, 'Gallery view');
      await jo.page.setViewportSize({ width: 740, height: 360 });
      const wide = await until('the phone on its side', () => geometry(jo.page),
        (r) => r.inner === 740 && r.others.every((t) => t.x + t.width <= 740) &&
          new Set(all(r).map((t) => Math.round(t.y))).size === 1);
      assertGallery(wide, 3, 'phone on its side');

      for (const p of people) assert.deepEqual(p.errors, [], p.name);
    } finally {
      for (const p of people) await p.context.close().catch(() => {});
    }
  });
});

// The look: every colour comes from web/css/tokens.css, the pages follow the system's light or
// dark setting with body text readable in both (WCAG AA, contrast >= 4.5), and a system that
// asks for reduced motion gets no transitions. The first test reads the files; the others load
// the sign-in, dashboard, join and device check pages in Debian's Chromium.
//
//   cd tests/e2e && node --test look.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { addClient, api, localUrl, makeSession } from './lib/meeting.mjs';
import { WEB_DIR } from './lib/server.mjs';

// ---- no colour literal outside the tokens ----

const NAMED = /\b(white|black|red|green|blue|gr[ae]y|silver|yellow|orange|purple|navy|maroon|teal|pink|brown|olive|lime|aqua|fuchsia)\b/i;
const FUNCTION = /\b(rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(/i;
const COLOUR_PROPERTY = /^\s*(color|background(-color)?|border(-[a-z]+)*|outline(-color)?|fill|stroke|box-shadow|text-shadow|accent-color|caret-color|text-decoration(-color)?|column-rule(-color)?)\s*:/i;

// The lines of a stylesheet (comments blanked, line numbers kept) that write a colour.
function cssOffences(file, text) {
  const bare = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  const found = [];
  bare.split('\n').forEach((line, i) => {
    const declaration = /:/.test(line) && !/[{,]\s*$/.test(line);
    if ((declaration && /:[^;{]*#[0-9a-f]{3,8}\b/i.test(line)) || FUNCTION.test(line) ||
        (COLOUR_PROPERTY.test(line) && NAMED.test(line.split(':').slice(1).join(':')))) {
      found.push(`${file}:${i + 1}: ${line.trim()}`);
    }
  });
  return found;
}

// Lines of a page or script that set a colour: a style attribute or element, a quoted hex
// colour, a colour function, or a colour written to an element's style.
function markupOffences(file, text) {
  const found = [];
  text.split('\n').forEach((line, i) => {
    if (/\sstyle\s*=|<style\b|\s(bg)?color\s*=/i.test(line) || /['"`]#[0-9a-f]{3,8}['"`]/i.test(line) ||
        FUNCTION.test(line) || /\.style\.(color|background|border|outline)/i.test(line) ||
        /setProperty\(\s*['"](color|background)/i.test(line)) {
      found.push(`${file}:${i + 1}: ${line.trim()}`);
    }
  });
  return found;
}

test('no stylesheet, page or script but tokens.css writes a colour', () => {
  const list = (dir, ext) => fs.readdirSync(path.join(WEB_DIR, dir))
    .filter((f) => f.endsWith(ext)).map((f) => path.join(dir, f));
  const css = list('css', '.css');
  assert.ok(css.includes(path.join('css', 'tokens.css')), 'web/css/tokens.css is missing');
  const offences = [];
  for (const file of css.filter((f) => f !== path.join('css', 'tokens.css'))) {
    offences.push(...cssOffences(file, fs.readFileSync(path.join(WEB_DIR, file), 'utf8')));
  }
  for (const file of [...list('.', '.html'), ...list('js', '.js')]) {
    offences.push(...markupOffences(file, fs.readFileSync(path.join(WEB_DIR, file), 'utf8')));
  }
  assert.deepEqual(offences, [], `colour literals outside web/css/tokens.css:\n${offences.join('\n')}`);

  // and every page links the tokens first, so each var() they use is defined
  for (const page of list('.', '.html')) {
    const sheets = [...fs.readFileSync(path.join(WEB_DIR, page), 'utf8')
      .matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]);
    assert.equal(sheets[0], '/css/tokens.css', `${page} links ${sheets.join(', ')}`);
  }
});

// The rule itself catches what it should: a check that cannot fail would be no check.
test('the colour rule finds literals where they are written', () => {
  assert.equal(cssOffences('a.css', '.x {\n  color: #fff;\n}\n').length, 1);
  assert.equal(cssOffences('a.css', '.x {\n  box-shadow: 0 1px 2px rgb(0 0 0 / 4%);\n}\n').length, 1);
  assert.equal(cssOffences('a.css', '.x {\n  border: 1px solid white;\n}\n').length, 1);
  assert.equal(cssOffences('a.css', '/* #fff */\n#lock-state {\n  color: var(--text);\n  white-space: nowrap;\n}\n').length, 0);
  assert.equal(markupOffences('a.html', '<p style="color: red">').length, 1);
  assert.equal(markupOffences('a.js', "node.style.background = '#000';").length, 1);
  assert.equal(markupOffences('a.html', '<a href="#add-client-title">').length, 0);
});

// ---- in a browser ----

let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

// "rgb(r, g, b)" or "rgba(r, g, b, a)" as numbers
function rgb(text) {
  const m = text.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/);
  assert.ok(m, `not a colour: ${text}`);
  return { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] };
}

function luminance({ r, g, b }) {
  const [R, G, B] = [r, g, b].map((v) => v / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * R + 0.7152 * G + 0.0722 * B;
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// The computed colours of the page's body and of one element on it (text on its background).
async function colours(page, selector) {
  return page.evaluate((sel) => {
    const of = (node) => {
      const s = getComputedStyle(node);
      return { color: s.color, background: s.backgroundColor };
    };
    return { body: of(document.body), part: sel ? of(document.querySelector(sel)) : null,
      scheme: getComputedStyle(document.documentElement).colorScheme };
  }, selector);
}

test('light and dark: the pages follow the system, body text readable in both', async () => {
  await withServer({}, async (server) => {
    const call = await api(server);
    const client = await addClient(call, 'Grace Hopper', 1);
    const session = await makeSession(call, [client], 'Tuesday session');
    const joinUrl = localUrl(server, session.invites[0].url);

    // each page, where it has finished loading, and a part of it with text on a surface
    const pages = [
      { name: 'sign-in', url: `${server.url}/`, ready: (p) => p.getByRole('button', { name: 'Sign in' }).waitFor(), part: '.card' },
      { name: 'dashboard', url: `${server.url}/dashboard`, cookie: call.cookie,
        ready: (p) => p.getByRole('heading', { name: 'Your sessions' }).waitFor(), part: '.dash-panel' },
      { name: 'join', url: joinUrl, ready: (p) => p.getByRole('heading', { name: 'Your appointment' }).waitFor(), part: '.card' },
      { name: 'device check', url: `${server.url}/check`, ready: (p) => p.getByRole('button', { name: 'Start the check' }).waitFor(), part: '.card' },
    ];
    for (const spec of pages) {
      const seen = {};
      for (const colorScheme of ['light', 'dark']) {
        const { page, context, problems } = await newWatchedPage(browser, server, spec.cookie, { colorScheme });
        try {
          await page.goto(spec.url);
          await spec.ready(page);
          const c = await colours(page, spec.part);
          assert.equal(c.scheme, 'light dark', `${spec.name}: color-scheme`);
          const bg = rgb(c.body.background);
          assert.equal(bg.a, 1, `${spec.name} (${colorScheme}): the page has a background of its own`);
          const ratio = contrast(rgb(c.body.color), bg);
          assert.ok(ratio >= 4.5, `${spec.name} (${colorScheme}): body text contrast ${ratio.toFixed(2)} < 4.5`);
          const partRatio = contrast(rgb(c.part.color), rgb(c.part.background));
          assert.ok(partRatio >= 4.5,
            `${spec.name} (${colorScheme}): ${spec.part} text contrast ${partRatio.toFixed(2)} < 4.5`);
          seen[colorScheme] = { bg, text: rgb(c.body.color) };
          assert.deepEqual(problems, [], `${spec.name} (${colorScheme})`);
        } finally {
          await context.close();
        }
      }
      assert.notDeepEqual(seen.light.bg, seen.dark.bg, `${spec.name}: the same background in light and dark`);
      assert.ok(luminance(seen.dark.bg) < luminance(seen.light.bg), `${spec.name}: dark is not darker`);
      assert.ok(luminance(seen.dark.text) > luminance(seen.dark.bg), `${spec.name}: dark text is not light on dark`);
    }
  });
});

test('reduced motion: a button that fades its colour does not when the system asks', async () => {
  await withServer({}, async (server) => {
    const motion = {};
    for (const reducedMotion of ['no-preference', 'reduce']) {
      const { page, context, problems } = await newWatchedPage(browser, server, undefined, { reducedMotion });
      try {
        await page.goto(`${server.url}/`);
        const button = page.getByRole('button', { name: 'Sign in' });
        await button.waitFor();
        motion[reducedMotion] = await button.evaluate((b) => {
          const s = getComputedStyle(b);
          return { transition: s.transitionDuration, animation: s.animationDuration };
        });
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
    // without a preference the button fades (so the check below has something to stop)
    assert.notEqual(motion['no-preference'].transition, '0s', JSON.stringify(motion));
    assert.deepEqual(motion.reduce, { transition: '0s', animation: '0s' }, JSON.stringify(motion));
  });
});

// The dashboard's week calendar in a real browser (Debian's Chromium through playwright-core)
// against the real confide binary, on a desk (1280×800, mouse) and on a phone (360×740, a
// finger): a weekly series made through the API shows on its day at its time; an empty half
// hour opens the scheduling form at that date and time; dragging a block moves that one
// occurrence (read back through the API); cancelling one occurrence takes away only that
// week's block.
//
//   cd tests/e2e && node --test dashboard-calendar.test.mjs
//
// CONFIDE_BIN picks the binary (default ../../build/debug/confide); CHROMIUM the browser;
// CONFIDE_SCREENSHOTS=DIR keeps screenshots of the calendar there.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchChromium, newWatchedPage, withServer } from './lib/browser.mjs';
import { request, setupAdmin } from './lib/server.mjs';

const SCREENSHOTS = process.env.CONFIDE_SCREENSHOTS;
const ADA = { name: 'Dr Ada Byron', email: 'ada@practice.example',
  password: 'a long and quiet passphrase' };
const ZONE = 'Europe/Berlin';
const DESK = { timezoneId: ZONE, locale: 'en-GB', viewport: { width: 1280, height: 800 } };
const PHONE = { timezoneId: ZONE, locale: 'en-GB', viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

// ---- Berlin wall dates, worked out here with Intl (not with the page's code) ----

const DAY = 24 * 3600 * 1000;
const berlinDate = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric',
  month: '2-digit', day: '2-digit' }).format(ms);
const addDays = (date, n) => new Date(Date.parse(`${date}T12:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const weekday = (date) => new Date(`${date}T12:00:00Z`).getUTCDay(); // 0 Sunday
// Berlin's offset that day ("+01:00"); the clocks change at night, so noon's is the day's
const offset = (date) => new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' })
  .format(new Date(`${date}T12:00:00Z`)).replace(/.*GMT/, '') || '+00:00';
const instant = (date, time) => Date.parse(`${date}T${time}:00${offset(date)}`);
const dayName = (date, weekdayForm) => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC',
  weekday: weekdayForm, day: 'numeric', month: weekdayForm }).format(new Date(`${date}T12:00:00Z`));

// next week's Monday, Tuesday and Thursday here: the whole series lies ahead
const today = berlinDate(Date.now());
const nextMonday = addDays(today, 7 - ((weekday(today) + 6) % 7));
const TUE = addDays(nextMonday, 1);
const WED = addDays(nextMonday, 2);
const THU = addDays(nextMonday, 3);

async function screenshot(page, name) {
  if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, name) });
}

// The calendar's region, its day columns (groups named by their heading) and its blocks.
const calendarOf = (page) => page.getByRole('region', { name: 'Calendar' });
const dayOf = (page, date) => calendarOf(page).getByRole('group', { name: dayName(date, 'short') });
const blocksOf = (page, date) => dayOf(page, date).getByRole('button', { name: /Weekly session/ });
const slotOf = (page, date, time) => calendarOf(page).getByRole('button',
  { name: new RegExp(`^Schedule a session on ${dayName(date, 'long').replace(/,/g, ',?')} at ${time}$`) });

// On a phone one day shows at a time: the day arrows lead to it.
async function showDay(page, date, phone) {
  if (!phone) return;
  const label = calendarOf(page).locator('#calendar-day');
  const want = dayName(date, 'short');
  for (let i = 0; i < 14 && (await label.textContent()) !== want; i++) {
    const shown = await calendarOf(page).locator('.cal-day.is-shown').getAttribute('data-date');
    await calendarOf(page).getByRole('button', { name: shown < date ? 'Next day' : 'Previous day' }).click();
  }
  assert.equal(await label.textContent(), want);
  await dayOf(page, date).waitFor();
}

// Drags a block so that its top lands on a slot's: with the mouse, or with a finger through
// the DevTools protocol's touch events (pointer events of type "touch" in the page).
async function dragTo(page, context, block, slot, phone) {
  // the grid in the window, scrolled so both ends of the drag are in it, well inside
  const grid = page.locator('#calendar-grid');
  await grid.evaluate((g) => g.scrollIntoView({ block: 'start' }));
  const [g, b0, s0] = [await grid.boundingBox(), await block.boundingBox(), await slot.boundingBox()];
  await grid.evaluate((node, by) => { node.scrollTop += by; }, (b0.y + s0.y) / 2 - (g.y + g.height / 2));
  const from = await block.boundingBox();
  const to = await slot.boundingBox();
  const x0 = from.x + from.width / 2;
  const y0 = from.y + 8;
  const x1 = to.x + to.width / 2;
  const y1 = to.y + 8;
  const steps = 12;
  if (!phone) {
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    for (let i = 1; i <= steps; i++) await page.mouse.move(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps);
    await page.mouse.up();
    return;
  }
  const cdp = await context.newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x0, y: y0 }] });
  for (let i = 1; i <= steps; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove',
      touchPoints: [{ x: x0 + ((x1 - x0) * i) / steps, y: y0 + ((y1 - y0) * i) / steps }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

async function tops(a, b) {
  const [ba, bb] = [await a.boundingBox(), await b.boundingBox()];
  return Math.abs(ba.y - bb.y);
}

async function weekOfSessions(name, options) {
  const phone = options === PHONE;
  await withServer({}, async (server) => {
    const cookie = await setupAdmin(server, ADA);
    const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
    const client = await call('POST', '/api/v1/clients', { name: 'Sam Rivera',
      email: 'sam@mail.example', time_zone: ZONE });
    assert.equal(client.status, 201, client.text);
    // three weekly sessions, Tuesdays at 10:00 Berlin time, from next week
    const made = await call('POST', '/api/v1/sessions', { title: 'Weekly session',
      client_id: client.json.client.id, starts_at: `${TUE}T10:00:00${offset(TUE)}`, time_zone: ZONE,
      duration_minutes: 50, recurrence: { freq: 'weekly', interval: 1, count: 3 } });
    assert.equal(made.status, 201, made.text);
    const session = made.json.session;
    const [first, second, third] = session.occurrences;
    // and a one-off on the day the first one is dragged to, at 16:00
    const target = phone ? TUE : THU;
    const intake = await call('POST', '/api/v1/sessions', { title: 'Intake',
      client_id: client.json.client.id, starts_at: `${target}T16:00:00${offset(target)}`, time_zone: ZONE,
      duration_minutes: 50 });
    assert.equal(intake.status, 201, intake.text);

    const { page, context, problems } = await newWatchedPage(browser, server, cookie, options);
    try {
      await page.goto(`${server.url}/dashboard`);
      await page.getByText(`Signed in as ${ADA.name}`).waitFor();
      const calendar = calendarOf(page);
      await calendar.getByRole('heading', { name: 'Calendar' }).waitFor();
      await calendar.getByText(`Shown in your time zone, ${ZONE}.`).waitFor();

      // this week: today's column is marked, and nothing is booked in it
      await calendar.getByRole('heading', { name: `Today ${dayName(today, 'short')}` }).waitFor();
      assert.equal(await calendar.locator('[aria-current="date"]').count(), 1);
      assert.equal(await calendar.getByRole('button', { name: /Weekly session/ }).count(), 0);
      // the page never gets wider than the screen
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= options.viewport.width);

      // next week: the first session on Tuesday, at 10:00, 50 minutes long
      await calendar.getByRole('button', { name: 'Next week' }).click();
      await showDay(page, TUE, phone);
      const block = blocksOf(page, TUE);
      await block.waitFor();
      assert.equal(await block.count(), 1);
      assert.match(await block.textContent(), /Weekly session10:00 · 50 minSam Rivera/);
      assert.ok(await tops(block, slotOf(page, TUE, '10:00')) <= 2, 'the block is not at 10:00');
      const slotHeight = (await slotOf(page, TUE, '10:00').boundingBox()).height;
      const blockHeight = (await block.boundingBox()).height;
      assert.ok(Math.abs(blockHeight - (50 / 30) * slotHeight) <= 3, `a 50-minute block ${blockHeight} px high`);
      for (const other of [nextMonday, WED, THU]) {
        if (!phone) assert.equal(await blocksOf(page, other).count(), 0);
      }
      await page.locator('#calendar').evaluate((c) => c.scrollIntoView());
      await screenshot(page, `calendar-${name}.png`);

      // an empty half hour opens the scheduling form at that date and time
      const emptyDay = phone ? TUE : WED;
      await showDay(page, emptyDay, phone);
      await slotOf(page, emptyDay, '14:30').click();
      const form = page.getByRole('form', { name: 'Schedule a session' });
      assert.equal(await form.getByLabel('Date').inputValue(), emptyDay);
      assert.equal(await form.getByLabel('Start time').inputValue(), '14:30');
      assert.equal(await form.getByLabel('Time zone').inputValue(), ZONE);
      await form.getByText(/^First session: .*14:30–15:20\.$/).waitFor();
      // the one client is chosen already, so the title is next to fill in
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'schedule-title-input');
      assert.ok(await form.getByLabel('Title').isVisible());

      // drag the first session to Thursday 14:00 (on the phone, to 14:00 the same day)
      await calendar.getByRole('button', { name: 'Next week' }).scrollIntoViewIfNeeded();
      await showDay(page, TUE, phone);
      await dragTo(page, context, block, slotOf(page, target, '14:00'), phone);
      await calendar.getByRole('status').filter({ hasText: `Moved to ${dayName(target, 'short').slice(0, 3)} 14:00` }).waitFor();
      let read = await call('GET', `/api/v1/sessions/${session.id}`);
      assert.equal(read.status, 200, read.text);
      const times = read.json.session.occurrences.map((o) => [o.id, Date.parse(o.starts_at), Date.parse(o.ends_at), o.status]);
      assert.deepEqual(times, [
        [first.id, instant(target, '14:00'), instant(target, '14:50'), 'scheduled'],
        [second.id, Date.parse(second.starts_at), Date.parse(second.ends_at), 'scheduled'],
        [third.id, Date.parse(third.starts_at), Date.parse(third.ends_at), 'scheduled'],
      ]);
      await showDay(page, target, phone);
      const moved = blocksOf(page, target);
      await moved.waitFor();
      assert.ok(await tops(moved, slotOf(page, target, '14:00')) <= 2, 'the moved block is not at 14:00');
      if (!phone) assert.equal(await blocksOf(page, TUE).count(), 0);

      // on to 16:00, where the one-off is: the page asks first, then the two sit side by side
      await dragTo(page, context, moved, slotOf(page, target, '16:00'), phone);
      await calendar.getByRole('alert').filter({ hasText: `${dayName(target, 'short').slice(0, 3)} 16:00 overlaps another of your sessions. Move it anyway?` }).waitFor();
      assert.ok(await tops(moved, slotOf(page, target, '14:00')) <= 2, 'the block did not go back to 14:00');
      await calendar.getByRole('button', { name: 'Move anyway' }).click();
      await calendar.getByRole('status').filter({ hasText: `Moved to ${dayName(target, 'short').slice(0, 3)} 16:00` }).waitFor();
      const other = dayOf(page, target).getByRole('button', { name: /Intake/ });
      assert.ok(await tops(moved, other) <= 2, 'the two blocks are not both at 16:00');
      const [a, b] = [await moved.boundingBox(), await other.boundingBox()];
      assert.ok(a.x + a.width <= b.x || b.x + b.width <= a.x, 'the two blocks overlap on the page');
      read = await call('GET', `/api/v1/sessions/${session.id}`);
      assert.equal(Date.parse(read.json.session.occurrences[0].starts_at), instant(target, '16:00'));

      // the week after: open the second session, cancel this one only
      await calendar.getByRole('button', { name: 'Next week' }).click();
      const tue2 = addDays(TUE, 7);
      await showDay(page, tue2, phone);
      await blocksOf(page, tue2).click();
      const dialog = page.getByRole('dialog', { name: 'Weekly session' });
      await dialog.waitFor();
      await dialog.getByText(/With Sam Rivera · every week, 2 of 3/).waitFor();
      await screenshot(page, `calendar-${name}-detail.png`);
      assert.equal(await dialog.getByRole('link', { name: 'Start session' }).getAttribute('href'), session.host_url);
      await dialog.getByRole('button', { name: 'Cancel this and following' }).waitFor();
      await dialog.getByRole('button', { name: 'Cancel this', exact: true }).click();
      await dialog.getByText(/^Cancel the session on .* at 10:00\? Those invited are sent an update\.$/).waitFor();
      await dialog.getByRole('button', { name: 'Yes, cancel this session' }).click();
      await calendar.getByRole('status').filter({ hasText: 'Cancelled Tue 10:00' }).waitFor();
      assert.equal(await dialog.isVisible(), false);
      assert.equal(await blocksOf(page, tue2).count(), 0);
      read = await call('GET', `/api/v1/sessions/${session.id}`);
      assert.deepEqual(read.json.session.occurrences.map((o) => [o.id, o.status]),
        [[first.id, 'scheduled'], [second.id, 'cancelled'], [third.id, 'scheduled']]);

      // the week after that still has its session, and the first one stays where it went
      await calendar.getByRole('button', { name: 'Next week' }).click();
      const tue3 = addDays(TUE, 14);
      await showDay(page, tue3, phone);
      await blocksOf(page, tue3).waitFor();
      assert.equal(await blocksOf(page, tue3).count(), 1);

      // keyboard: the block opens with Enter; "Reschedule" moves it to 11:00
      await blocksOf(page, tue3).focus();
      await page.keyboard.press('Enter');
      await dialog.getByRole('button', { name: 'Reschedule' }).click();
      await dialog.getByLabel('Start time').fill('11:00');
      await dialog.getByRole('button', { name: 'Move this session' }).click();
      await calendar.getByRole('status').filter({ hasText: 'Moved to Tue 11:00' }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.textContent ?? ''),
        'Weekly session11:00 · 50 minSam Rivera, ' + dayName(tue3, 'long'));
      read = await call('GET', `/api/v1/sessions/${session.id}`);
      assert.equal(Date.parse(read.json.session.occurrences[2].starts_at), instant(tue3, '11:00'));

      // keyboard: one Tab stop among the empty half hours, arrow keys between them (to the
      // next day too, which a phone then shows), Enter opens the form there
      await slotOf(page, tue3, '14:30').focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowRight');
      const wed3 = addDays(tue3, 1);
      assert.match(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
        new RegExp(`^Schedule a session on ${dayName(wed3, 'long')} at 15:00$`));
      assert.equal(await calendar.locator('.cal-slot[tabindex="0"]').count(), 1);
      if (phone) assert.equal(await calendar.locator('#calendar-day').textContent(), dayName(wed3, 'short'));
      await page.keyboard.press('Enter');
      assert.equal(await form.getByLabel('Date').inputValue(), wed3);
      assert.equal(await form.getByLabel('Start time').inputValue(), '15:00');

      // back to the first one: cancel it and the ones after it, the whole series now
      await calendar.getByRole('button', { name: 'Previous week' }).click();
      await calendar.getByRole('button', { name: 'Previous week' }).click();
      await showDay(page, target, phone);
      await blocksOf(page, target).click();
      await dialog.getByRole('button', { name: 'Cancel this and following' }).click();
      await dialog.getByText(/^Cancel the session on .* at 16:00 and the one after it\? Those invited are sent an update\.$/).waitFor();
      await dialog.getByRole('button', { name: 'Yes, cancel these sessions' }).click();
      await calendar.getByRole('status').filter({ hasText: `Cancelled ${dayName(target, 'short').slice(0, 3)} 16:00 and the one after it` }).waitFor();
      assert.equal(await blocksOf(page, target).count(), 0);
      await dayOf(page, target).getByRole('button', { name: /Intake/ }).waitFor();
      read = await call('GET', `/api/v1/sessions/${session.id}`);
      assert.equal(read.json.session.status, 'cancelled');
      assert.deepEqual(read.json.session.occurrences.map((o) => o.status), ['cancelled', 'cancelled', 'cancelled']);
      await calendar.getByRole('button', { name: 'Next week' }).click();
      await calendar.getByRole('button', { name: 'Next week' }).click();
      await showDay(page, tue3, phone);
      assert.equal(await blocksOf(page, tue3).count(), 0);

      await calendar.getByRole('button', { name: 'This week' }).click();
      await calendar.getByRole('heading', { name: `Today ${dayName(today, 'short')}` }).waitFor();
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= options.viewport.width);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

describe('dashboard calendar', () => {
  test('on a desk: a week, click an empty slot, drag a block, cancel one', () => weekOfSessions('desk', DESK));
  test('on a phone: a day at a time, with a finger', () => weekOfSessions('phone', PHONE));
});

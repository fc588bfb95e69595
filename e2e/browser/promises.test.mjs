// Browser tests of the Promises part of the console's reports page (issue
// 16, part 3) in real headless Chromium: the headline figures of a known
// set of waits told and callbacks promised, the chart of the kept shares by
// day, and the CSV link. The harness runs no dialer (no -twilio) and keeps
// no business hours (always open).
//
// Seeded through the harness (POST /promises/seed), on day A (3 days ago)
// and day B (yesterday), in Europe/Berlin, at noon UTC:
//   day A: waits 5 min answered after 3 (kept), 5 min answered after 8
//          (not kept), 10 min left after 2 (not kept), a caller on hold;
//          callbacks dialled 30 s after the promise (on time) and 5 minutes
//          after it (late).
//   day B: waits 5 min answered after 1 (kept), 4 min answered after 2
//          (kept); a callback dialled 20 s after the promise (on time).
// Waits kept: 3 of 5 (60%); told/real ratios 5/3, 5/8, 5/1, 4/2: median
// (5/3 + 2) / 2 = 1.83; callbacks on time: 2 of 3 (66.7%).
// Run as console.test.mjs says; helpers in support.mjs.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, pageErrors, T, control, newPage, tid, login, shot,
} from './support.mjs';

useHarness();

const ZONE = 'Europe/Berlin';
const BROWSER = { timezoneId: ZONE, locale: 'en-GB' };

/** YYYY-MM-DD of the day daysAgo days before today in ZONE. */
function dayInZone(daysAgo) {
  return new Date(Date.now() - daysAgo * 86_400_000).toLocaleDateString('en-CA', { timeZone: ZONE });
}

/** Noon UTC of date plus minutes and seconds, which is the same date in ZONE. */
const noon = (date, minutes = 0, seconds = 0) => new Date(Date.parse(`${date}T12:00:00Z`) + (minutes * 60 + seconds) * 1000).toISOString();

/** What Chart.js drew in the chart box testid: its type, labels and datasets. */
function chartIn(page, testid) {
  return page.locator(tid(testid)).evaluate((box) => {
    const canvas = box.querySelector('canvas');
    const chart = canvas && window.Chart && window.Chart.getChart(canvas);
    if (!chart) return null;
    return {
      type: chart.config.type,
      labels: chart.data.labels,
      data: chart.data.datasets.map((d) => ({ label: d.label, values: d.data })),
      width: canvas.width,
      height: canvas.height,
    };
  });
}

describe('the promises report', () => {
  let page;
  const dayA = dayInZone(3);
  const dayB = dayInZone(1);

  before(async () => {
    const wait = (day, minute, minutes, outcome, after) => ({
      channel: 'telegram', minutes, told_at: noon(day, minute), outcome, settled_at: noon(day, minute + after),
    });
    const waits = [
      wait(dayA, 0, 5, 'answered', 3),
      wait(dayA, 1, 5, 'answered', 8),
      { ...wait(dayA, 2, 10, 'left', 2), channel: 'sms' },
      { ...wait(dayA, 3, null, 'answered', 1), channel: 'voice' },
      wait(dayB, 0, 5, 'answered', 1),
      { ...wait(dayB, 1, 4, 'answered', 2), channel: 'sms' },
    ];
    const callbacks = [
      { channel: 'telegram', promised_at: noon(dayA, 10), dialed_at: noon(dayA, 10, 30) },
      { channel: 'sms', promised_at: noon(dayA, 20), dialed_at: noon(dayA, 25) },
      { channel: 'telegram', promised_at: noon(dayB, 10), dialed_at: noon(dayB, 10, 20) },
    ];
    assert.deepEqual(await control('POST', '/promises/seed', { waits, callbacks }), { waits: 6, callbacks: 3 });
    page = await newPage(BROWSER);
    await login(page, cfg.operator);
  }, { timeout: 120_000 });

  test('shows the waits kept, the told/real median and the callbacks on time', T, async () => {
    await page.locator(tid('nav-reports')).click();
    await page.locator(tid('promises')).waitFor();
    await page.locator(tid('promises-waits-value'), { hasText: /^60%$/ }).waitFor();
    assert.match(await page.locator(tid('promises-waits')).textContent(), /3 of 5 judged \(5 told with minutes, 1 left, 0 overdue, 0 still waiting, 1 on hold\)/);
    assert.equal(await page.locator(tid('promises-median-value')).textContent(), '1.83×');
    assert.equal(await page.locator(tid('promises-callbacks-value')).textContent(), '66.7%');
    assert.match(await page.locator(tid('promises-callbacks')).textContent(), /2 of 3 judged \(3 promised/);
    await page.locator(tid('chart-promises')).scrollIntoViewIfNeeded();
    await shot(page, 'promises.png');
  });

  test('draws the kept shares of waits and callbacks by day', T, async () => {
    const chart = await chartIn(page, 'chart-promises');
    assert.ok(chart, 'no Chart.js chart on the promises canvas');
    assert.equal(chart.type, 'line');
    assert.equal(chart.labels.length, 30);
    assert.deepEqual(chart.data.map((d) => d.label), ['Waits kept (%)', 'Callbacks on time (%)']);
    const a = chart.labels.indexOf(dayA);
    const b = chart.labels.indexOf(dayB);
    assert.ok(a >= 0 && b > a, `days ${dayA} and ${dayB} in ${chart.labels}`);
    // Day A: 1 of 3 waits kept, 1 of 2 callbacks; day B: both waits, the one callback.
    assert.equal(chart.data[0].values[a], 33.3);
    assert.equal(chart.data[1].values[a], 50);
    assert.equal(chart.data[0].values[b], 100);
    assert.equal(chart.data[1].values[b], 100);
    assert.equal(chart.data[0].values[0], null, 'a day with nothing judged has a share');
    assert.ok(chart.width > 0 && chart.height > 0, 'the canvas has no size');
    assert.deepEqual(pageErrors, []);
  });

  test('links the CSV of the period on show', T, async () => {
    const href = await page.locator(tid('promises-csv')).getAttribute('href');
    assert.match(href, /^\/api\/v1\/reports\/promises\?.*format=csv/);
    const res = await page.evaluate(async (url) => {
      const r = await fetch(url);
      return { status: r.status, text: await r.text() };
    }, href);
    assert.equal(res.status, 200);
    const lines = res.text.trim().split(/\r?\n/);
    assert.match(lines[0], /^scope,key,wait_estimates,waits_judged,waits_kept,waits_kept_share,/);
    assert.match(lines[1], /^total,,5,5,3,0\.6000,1,0,0,0,1,1\.8333,3,3,2,0\.6667,/);
  });
});

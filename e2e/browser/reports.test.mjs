// Browser tests of the console's reports page (issue 8, Reports) in real
// headless Chromium: the NPS and happiness index of a known set of
// answers, the counts and service figures, the three Chart.js charts, the
// period picker, the CSV download, and operator names shown as text.
//
// The answers and labelled messages are seeded through the harness
// (POST /reports/seed), which writes them straight to the store: 10
// answers (5 promoters, 2 passives, 3 detractors: NPS 20), 3 thanks, 1
// complaint and 1 question (happiness (5+3)/(10+3+1) = 57.1%). Run as
// console.test.mjs says; helpers in support.mjs.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  useHarness, cfg, dialogs, pageErrors, T, XSS_SCRIPT,
  api, apiToken, control, newPage, tid, login, shot, assertNothingRan,
} from './support.mjs';

useHarness();

const ZONE = 'Europe/Berlin';
const BROWSER = { timezoneId: ZONE, locale: 'en-GB' };
const CSV_HEADER = 'scope,key,name,responses,promoters,passives,detractors,thanks,complaints,questions,nps,happiness_index';

/** YYYY-MM-DD of the day daysAgo days before today in ZONE. */
function dayInZone(daysAgo) {
  return new Date(Date.now() - daysAgo * 86_400_000).toLocaleDateString('en-CA', { timeZone: ZONE });
}

/** Noon UTC of date (YYYY-MM-DD), which is the same date in ZONE. */
const noon = (date, minutes = 0) => new Date(`${date}T12:${String(minutes).padStart(2, '0')}:00Z`).toISOString();

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

describe('the reports page', () => {
  let page;
  let xssOperator;
  const dayA = dayInZone(3);
  const dayB = dayInZone(1);
  const csp = [];

  before(async () => {
    const token = await apiToken(cfg.admin);
    const r = await api(token, 'POST', '/operators', {
      email: 'xss-reports@example.com', name: XSS_SCRIPT, password: 'a long enough password', role: 'operator',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    xssOperator = r.body;
    const bob = cfg.operator.id;
    const answers = [
      ...[10, 9, 9, 7, 0].map((score, i) => ({ channel: 'telegram', operator_id: bob, score, at: noon(dayA, i), first_response_seconds: 60 * (i + 1) })),
      ...[10, 9, 8, 3, 6].map((score, i) => ({ channel: 'sms', operator_id: xssOperator.id, score, at: noon(dayB, i), first_response_seconds: 60 * (i + 1) })),
    ];
    const labels = [
      { channel: 'telegram', operator_id: bob, label: 'thanks', at: noon(dayA, 10) },
      { channel: 'telegram', operator_id: bob, label: 'thanks', at: noon(dayA, 11) },
      { channel: 'sms', label: 'thanks', at: noon(dayB, 10) },
      { channel: 'sms', label: 'complaint', at: noon(dayB, 11) },
      { channel: 'sms', operator_id: xssOperator.id, label: 'question', at: noon(dayB, 12) },
    ];
    assert.deepEqual(await control('POST', '/reports/seed', { answers, labels }), { answers: 10, labels: 5 });

    page = await newPage(BROWSER);
    page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) csp.push(m.text()); });
    // An operator, not a supervisor: the page is for both.
    await login(page, cfg.operator);
  }, { timeout: 120_000 });

  test('shows the NPS, happiness index, counts and service figures of the last 30 days', T, async () => {
    const seen = dialogs.length;
    await page.locator(tid('nav-reports')).click();
    await page.locator(tid('reports')).waitFor();
    assert.equal(await page.locator(tid('reports-from')).inputValue(), dayInZone(29));
    assert.equal(await page.locator(tid('reports-to')).inputValue(), dayInZone(0));

    await page.locator(tid('report-nps-value'), { hasText: /^20$/ }).waitFor();
    assert.equal(await page.locator(tid('report-happiness-value')).textContent(), '57.1%');
    assert.match(await page.locator(tid('report-nps')).textContent(), /10 responses: 5 promoters, 2 passives, 3 detractors/);
    assert.equal(await page.locator(tid('report-thanks-value')).textContent(), '3');
    assert.equal(await page.locator(tid('report-complaints-value')).textContent(), '1');
    assert.equal(await page.locator(tid('report-questions-value')).textContent(), '1');
    // Answered 1 to 5 minutes after hand-over, twice over: the median is 3
    // minutes. Resolved 10 minutes after start (the answers' tickets) or 59
    // (the labelled messages'): the median of the 15 is 10 minutes.
    assert.equal(await page.locator(tid('report-first-response-value')).textContent(), '3m 00s');
    assert.equal(await page.locator(tid('report-resolution-value')).textContent(), '10m 00s');
    assert.equal(await page.locator(tid('report-callbacks-value')).textContent(), '0 of 0');

    // Operator names are text, in the table as on the chart.
    const names = await page.locator(`${tid('report-operators-table')} ${tid('report-row-name')}`).allTextContents();
    assert.deepEqual(names, ['No operator', cfg.operator.name, XSS_SCRIPT]);
    assert.deepEqual(await page.locator(`${tid('report-channels-table')} ${tid('report-row-name')}`).allTextContents(), ['sms', 'telegram']);
    await assertNothingRan(page, seen);
    await shot(page, 'reports.png');
  });

  test('draws NPS and happiness by day, by channel and by operator with Chart.js', T, async () => {
    const days = await chartIn(page, 'chart-days');
    assert.ok(days, 'no Chart.js chart on the days canvas');
    assert.equal(days.type, 'line');
    assert.equal(days.labels.length, 30);
    assert.deepEqual(days.data.map((d) => d.label), ['NPS', 'Happiness index (%)']);
    const a = days.labels.indexOf(dayA);
    const b = days.labels.indexOf(dayB);
    assert.ok(a >= 0 && b > a, `days ${dayA} and ${dayB} in ${days.labels}`);
    // Day A: 10 9 9 7 0 and 2 thanks; day B: 10 9 8 3 6, a thanks and a complaint.
    assert.equal(days.data[0].values[a], 40);
    assert.equal(days.data[0].values[b], 0);
    assert.equal(Math.round(days.data[1].values[a] * 100) / 100, 71.43);
    assert.equal(days.data[0].values[0], null, 'a day without answers has an NPS');
    assert.ok(days.width > 0 && days.height > 0, 'the canvas has no size');

    const channels = await chartIn(page, 'chart-channels');
    assert.equal(channels.type, 'bar');
    assert.deepEqual(channels.labels, ['sms', 'telegram']);
    assert.deepEqual(channels.data[0].values, [0, 40]);

    const operators = await chartIn(page, 'chart-operators');
    assert.equal(operators.type, 'bar');
    assert.deepEqual(operators.labels, ['No operator', cfg.operator.name, XSS_SCRIPT]);
    assert.deepEqual(operators.data[0].values, [null, 40, 0]);
    assert.deepEqual(csp, [], 'the Content-Security-Policy refused something');
    assert.deepEqual(pageErrors, []);
  });

  test('the period picker narrows the report to the days asked for', T, async () => {
    await page.locator(tid('reports-from')).fill(dayB);
    await page.locator(tid('reports-to')).fill(dayB);
    await page.locator(tid('reports-apply')).click();
    await page.locator(tid('report-nps-value'), { hasText: /^0$/ }).waitFor();
    assert.match(await page.locator(tid('report-nps')).textContent(), /5 responses: 2 promoters, 1 passives, 2 detractors/);
    // (2 promoters + 1 thanks) / (5 + 1 + 1).
    assert.equal(await page.locator(tid('report-happiness-value')).textContent(), '42.9%');
    const days = await chartIn(page, 'chart-days');
    assert.deepEqual(days.labels, [dayB]);
  });

  test('downloads the CSV of the period on show', T, async () => {
    const href = await page.locator(tid('reports-csv')).getAttribute('href');
    assert.match(href, /^\/api\/v1\/reports\/feedback\?.*format=csv/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(tid('reports-csv')).click()]);
    assert.equal(download.suggestedFilename(), `switchboard-feedback-${dayB}-${dayB}.csv`);
    const lines = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    assert.equal(lines[0], CSV_HEADER);
    assert.equal(lines[1], 'total,,,5,2,1,2,1,1,1,0.00,42.86');
    assert.equal(lines[2], `day,${dayB},,5,2,1,2,1,1,1,0.00,42.86`);
    assert.ok(lines.includes(`operator,${xssOperator.id},${XSS_SCRIPT},5,2,1,2,0,0,1,0.00,40.00`), lines.join('\n'));
    assert.deepEqual(pageErrors, []);
  });
});

// Browser tests of the supervisor's live view (issue 16, part 4) in real
// headless Chromium: it is kept current by the event stream with no
// reload — a customer joining the queue appears, an operator going away
// shows — and a customer's name that looks like markup stays text. Run as
// console.test.mjs says; helpers in support.mjs.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, dialogs, pageErrors, T, XSS_SCRIPT,
  api, apiToken, newPage, tid, login, shot, assertNothingRan, customerWaiting,
} from './support.mjs';

useHarness();

describe('the live desk', () => {
  test('a new waiting customer and an operator going away show without a reload; names stay text', T, async () => {
    const seen = dialogs.length;
    const page = await newPage();
    await login(page, cfg.admin);
    await page.goto(`${cfg.base_url}/#/admin/live`);
    await page.locator(tid('live-waiting-value')).waitFor();
    // Marks the document: a reload would lose it.
    await page.evaluate(() => { window.__noReload = true; });
    const waitingBefore = Number(await page.locator(tid('live-waiting-value')).textContent());

    // The operator comes online through the API, then the customer asks.
    const bobToken = await apiToken(cfg.operator);
    assert.equal((await api(bobToken, 'POST', '/me/presence', { presence: 'online' })).status, 200);
    const bobPresence = page.locator(`${tid('live-operator-row')}[data-operator-id="${cfg.operator.id}"] ${tid('live-operator-presence')}`);
    await bobPresence.filter({ hasText: 'online' }).waitFor();

    const eve = { id: 1601, first_name: XSS_SCRIPT, language_code: 'en' };
    await customerWaiting(eve, 'Where is my parcel?');
    await page.locator(tid('live-waiting-value'), { hasText: String(waitingBefore + 1) }).waitFor();
    const row = page.locator(tid('live-waiting-name'), { hasText: XSS_SCRIPT });
    await row.waitFor();
    assert.equal(await row.textContent(), XSS_SCRIPT);
    // The longest wait ticks by itself between fetches.
    const longest = page.locator(tid('live-longest-wait-value'));
    assert.equal(await longest.getAttribute('data-since') !== null, true, 'the longest wait is a ticking time');

    // The operator goes away.
    assert.equal((await api(bobToken, 'POST', '/me/presence', { presence: 'away' })).status, 200);
    await bobPresence.filter({ hasText: 'away' }).waitFor();

    assert.equal(await page.evaluate(() => window.__noReload), true, 'the page reloaded');
    await assertNothingRan(page, seen);
    assert.deepEqual(pageErrors, []);
    await shot(page, 'live-desk.png');
    await page.context().close();
  });

  test('an operator is not shown the live desk', T, async () => {
    const token = await apiToken(cfg.operator);
    const r = await api(token, 'GET', '/live');
    assert.equal(r.status, 403);
  });
});

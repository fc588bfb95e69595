// Browser tests of paging (issue 15): the queue loads one page, and the next
// as the operator scrolls to its end; live updates still reach the list.
// The closed follow-ups page the same way.
//
// Run from the repository root:  node --test e2e/browser/paging.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, pageErrors, T, api, apiToken, control, customerWaiting, newPage, tid, login, queueItem, texts,
} from './support.mjs';

useHarness();

test('the queue loads its next page on scroll, in queue order, and stays live', T, async () => {
  // More customers waiting than one page (100) holds.
  const { tickets } = await control('POST', '/queue/seed', { count: 130 });
  assert.equal(tickets.length, 130);

  const page = await newPage();
  await login(page, cfg.admin);
  await page.locator(tid('queue-more')).waitFor();
  assert.deepEqual(await texts(page, tid('queue-ticket')), tickets.slice(0, 100), 'the first page, oldest first');
  assert.equal((await page.locator(tid('tab-queue-count')).textContent()).trim(), '100+');

  // Scrolling to the end of the list brings the rest.
  await scrollToEndOf(page, 'queue-item');
  await page.locator(tid('queue-more')).waitFor({ state: 'detached' });
  assert.deepEqual(await texts(page, tid('queue-ticket')), tickets, 'every customer once, in queue order');
  assert.equal((await page.locator(tid('tab-queue-count')).textContent()).trim(), '130');

  // A customer handed over now joins the end of the list live.
  const late = await customerWaiting({ id: 15001, first_name: 'Lena', language_code: 'en' }, 'Is my parcel lost?');
  await queueItem(page, late).waitFor();
  assert.deepEqual(await texts(page, tid('queue-ticket')), [...tickets, late]);
  assert.deepEqual(pageErrors, []);
  await page.context().close();
});

/**
 * Scrolls the last element with data-testid testid into view, in the page
 * itself: lists re-render, so a handle to a row may be stale by the time
 * the test would scroll to it.
 */
async function scrollToEndOf(page, testid) {
  await page.evaluate((sel) => [...document.querySelectorAll(sel)].at(-1)?.scrollIntoView({ block: 'end' }), tid(testid));
}

/** The queue as the API pages it, oldest first: every ticket. */
async function queueTickets(token) {
  const out = [];
  let cursor = '';
  do {
    const r = await api(token, 'GET', `/conversations?status=waiting&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    out.push(...r.body.conversations.map((c) => c.ticket));
    cursor = r.body.next_cursor;
  } while (cursor);
  return out;
}

/** Scrolls the queue to its end until no page is left to load. */
async function scrollQueueToEnd(page) {
  const more = page.locator(tid('queue-more'));
  for (let i = 0; i < 20 && (await more.count()); i++) {
    const before = await page.locator(tid('queue-item')).count();
    await scrollToEndOf(page, 'queue-item');
    await page.waitForFunction(([sel, n]) => !document.querySelector(sel[0]) || document.querySelectorAll(sel[1]).length > n,
      [[tid('queue-more'), tid('queue-item')], before]);
  }
  assert.equal(await more.count(), 0, 'the queue still has pages after 20 scrolls');
}

test('customers handed over while pages remain take their place as the pages come', T, async () => {
  // Another page and a half after those of the first test.
  await control('POST', '/queue/seed', { count: 150, since: new Date(Date.now() - 200_000).toISOString() });
  const page = await newPage();
  await login(page, cfg.admin);
  await page.locator(tid('queue-more')).waitFor();
  const newest = await customerWaiting({ id: 15002, first_name: 'Max', language_code: 'en' }, 'Where is my refund?');
  await scrollQueueToEnd(page);
  await queueItem(page, newest).waitFor();
  const want = await queueTickets(await apiToken(cfg.admin));
  assert.equal(want.length, 130 + 1 + 150 + 1);
  assert.deepEqual(await texts(page, tid('queue-ticket')), want, 'the console shows the queue as the API pages it');
  assert.deepEqual(pageErrors, []);
  await page.context().close();
});

test('closed follow-ups load their next page on scroll, newest first', T, async () => {
  const token = await apiToken(cfg.admin);
  const me = await api(token, 'GET', '/me');
  const { ids } = await control('POST', '/followups/seed', { count: 130, closed_by: me.body.id });
  const page = await newPage();
  await login(page, cfg.admin);
  await page.goto(cfg.base_url + '/#/followups');
  await page.locator(tid('followups-show-closed')).click();
  const rows = page.locator(tid('followup-row'));
  await page.locator(tid('followups-more')).waitFor();
  const shown = () => rows.evaluateAll((ns) => ns.map((n) => Number(n.getAttribute('data-followup-id'))));
  assert.deepEqual(await shown(), ids.slice(0, 100), 'the first page, newest first');
  await scrollToEndOf(page, 'followup-row');
  await page.locator(tid('followups-more')).waitFor({ state: 'detached' });
  assert.deepEqual(await shown(), ids, 'every closed follow-up once, newest first');
  assert.deepEqual(pageErrors, []);
  await page.context().close();
});

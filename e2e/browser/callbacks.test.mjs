// Browser tests of the console's callbacks view (issue 7) in real headless
// Chromium: the groups due now, upcoming, failed and done; rows that
// arrive and move on callback.changed without a reload; "dial now" with
// the server's own refusal (the harness has no Twilio, so dialling is
// off); cancel with a confirmation; notes that persist; booking from a
// conversation; and customer text shown as text.
//
// Callbacks are booked through the operator API (as an integration
// would), through the harness for ones tied to a ticket, and failed
// through the harness as the dialer would after its last attempt. The
// browser runs in New York time, so a UK customer's time is shown beside
// the operator's. Run as console.test.mjs says; helpers in support.mjs.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, dialogs, pageErrors, T, XSS_SCRIPT, XSS_IMG,
  api, apiToken, control, customerWaiting, newPage, tid, login, shot, assertNothingRan,
} from './support.mjs';

useHarness();

const UK = '+447911123456';
const US = '+12125550123';
const BROWSER = { timezoneId: 'America/New_York', locale: 'en-GB' };

let token; // the supervisor's, for the API

/** The waiting conversation with ticket: { id, customer_id }. */
async function waiting(ticket) {
  const r = await api(token, 'GET', '/conversations?status=waiting&limit=500');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const c = r.body.conversations.find((x) => x.ticket === ticket);
  assert.ok(c, `${ticket} is not waiting`);
  return c;
}

/** Books a callback through the API (due_at omitted: as soon as possible). */
async function book(customerId, phone, { dueAt, notes } = {}) {
  const body = { customer_id: customerId, phone };
  if (dueAt) body.due_at = dueAt.toISOString();
  if (notes) body.notes = notes;
  const r = await api(token, 'POST', '/callbacks', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** A minute-rounded time hours from now. */
function inHours(hours) {
  const d = new Date(Date.now() + hours * 3600_000);
  d.setUTCSeconds(0, 0);
  return d;
}

/** "HH:MM" of d in zone, as an en-GB reader sees it. */
const hhmm = (d, timeZone) => d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });

const row = (page, id) => page.locator(`${tid('callback-row')}[data-callback-id="${id}"]`);
const inGroup = (page, group, id) => page.locator(`${tid(`callbacks-${group}-list`)} ${tid('callback-row')}[data-callback-id="${id}"]`);

async function openCallbacks(page) {
  await page.locator(tid('tab-callbacks')).click();
  await page.locator(tid('callbacks')).waitFor();
}

async function callbackStored(id) {
  for (const status of ['scheduled', 'dialing', 'failed', 'completed', 'cancelled']) {
    const r = await api(token, 'GET', `/callbacks?status=${status}&limit=500`);
    const cb = r.body.callbacks.find((x) => x.id === id);
    if (cb) return cb;
  }
  return null;
}

describe('the callbacks view', () => {
  const ann = { id: 2001, first_name: 'Ann', last_name: 'Callback', language_code: 'en' };
  const ben = { id: 2002, first_name: 'Ben', last_name: 'Dialer', language_code: 'en' };
  let page;
  let annConv;
  let benConv;
  let ticket;
  const cbs = {}; // the callbacks booked, by role

  before(async () => {
    token = await apiToken(cfg.admin);
    ticket = await customerWaiting(ann, 'Please call me about my order');
    const r = await control('POST', '/customer/contact', { user: ann, phone: UK });
    assert.equal(r.webhook_status, 200, r.webhook_body);
    annConv = await waiting(ticket);
    benConv = await waiting(await customerWaiting(ben, 'I would rather talk'));

    cbs.ticketed = await control('POST', '/callback/book', { conversation_id: annConv.id, phone: UK, due_at: '' });
    cbs.annLater = await book(annConv.customer_id, UK, { dueAt: inHours(2) });
    cbs.benLater = await book(benConv.customer_id, US, { dueAt: inHours(3) });
    const toFail = await book(benConv.customer_id, US);
    cbs.failed = await control('POST', '/callback/fail', { id: toFail.id, outcome: 'no-answer' });
    assert.equal(cbs.failed.status, 'failed');

    page = await newPage(BROWSER);
    await login(page, cfg.admin);
  }, { timeout: 120_000 });

  test('lists what is due now, upcoming and failed, each with its details', T, async () => {
    await page.locator(tid('tab-callbacks-count'), { hasText: /^1$/ }).waitFor();
    await openCallbacks(page);

    const due = inGroup(page, 'due', cbs.ticketed.id);
    await due.waitFor();
    assert.equal(await due.locator(tid('callback-customer')).textContent(), 'Ann Callback');
    assert.equal(await due.locator(tid('callback-phone')).textContent(), UK);
    assert.equal(await due.locator(tid('callback-ticket')).textContent(), ticket);
    assert.equal(await due.locator(tid('callback-ticket')).getAttribute('href'), `#/c/${annConv.id}`);
    assert.equal(await due.locator(tid('callback-asap')).textContent(), 'ASAP');
    assert.equal(await due.locator(tid('callback-status')).textContent(), 'scheduled');
    assert.equal(await due.locator(tid('callback-attempts')).textContent(), 'attempts 0/3');
    await due.locator(tid('callback-due-for')).waitFor();

    // Upcoming: soonest first; the UK customer's own time beside the
    // operator's New York time, none for the New York number.
    const upcoming = page.locator(`${tid('callbacks-upcoming-list')} ${tid('callback-row')}`);
    assert.deepEqual(await upcoming.evaluateAll((rows) => rows.map((r) => Number(r.dataset.callbackId))),
      [cbs.annLater.id, cbs.benLater.id]);
    const annLater = row(page, cbs.annLater.id);
    const annDue = new Date(cbs.annLater.due_at);
    assert.equal(await annLater.locator(tid('callback-local-time')).first().getAttribute('datetime'), cbs.annLater.due_at);
    assert.ok((await annLater.locator(tid('callback-local-time')).first().textContent()).includes(hhmm(annDue, 'America/New_York')));
    const theirs = annLater.locator(tid('callback-customer-time'));
    assert.match(await theirs.getAttribute('data-time-zone'), /^Europe\//);
    assert.ok((await theirs.textContent()).includes(hhmm(annDue, 'Europe/London')), await theirs.textContent());
    assert.equal(await annLater.locator(tid('callback-asap')).count(), 0);
    assert.equal(await row(page, cbs.benLater.id).locator(tid('callback-customer-time')).count(), 0,
      'a customer in the operator\'s own zone is shown a second time');
    assert.equal(await row(page, cbs.benLater.id).locator(tid('callback-ticket')).count(), 0, 'a booking by an operator has a ticket');

    const failed = inGroup(page, 'failed', cbs.failed.id);
    await failed.waitFor();
    assert.equal(await failed.locator(tid('callback-customer')).textContent(), 'Ben Dialer');
    assert.equal(await failed.locator(tid('callback-status')).textContent(), 'failed');
    assert.equal(await failed.locator(tid('callback-outcome')).textContent(), 'last call: no-answer');
    assert.equal(await failed.locator(tid('callback-dial')).count(), 1, 'a failed callback offers no Dial now');
    await shot(page, 'callbacks.png');

    // The ticket leads to the conversation, and back.
    await due.locator(tid('callback-ticket')).click();
    await page.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
    await openCallbacks(page);
  });

  test('a callback booked while the page is open appears, and one cancelled moves, without a reload', T, async () => {
    await page.evaluate(() => { window.__noReload = 'still here'; });
    const fresh = await book(annConv.customer_id, UK, { notes: 'booked while you watched' });
    const live = inGroup(page, 'due', fresh.id);
    await live.waitFor();
    // The event names the customer only by id; the console looks them up.
    await live.locator(tid('callback-customer'), { hasText: 'Ann Callback' }).waitFor();
    assert.equal(await live.locator(tid('callback-notes')).textContent(), 'booked while you watched');
    await page.locator(tid('tab-callbacks-count'), { hasText: /^2$/ }).waitFor();

    const r = await api(token, 'POST', `/callbacks/${fresh.id}/cancel`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await inGroup(page, 'done', fresh.id).waitFor({ state: 'attached' });
    assert.equal(await inGroup(page, 'due', fresh.id).count(), 0);
    await page.locator(tid('tab-callbacks-count'), { hasText: /^1$/ }).waitFor();
    assert.equal(await page.evaluate(() => window.__noReload), 'still here', 'the page was reloaded');
  });

  test('dial now shows the server\'s own reason when dialling is off', T, async () => {
    const direct = await api(token, 'POST', `/callbacks/${cbs.ticketed.id}/dial`);
    assert.equal(direct.status, 503);
    const due = row(page, cbs.ticketed.id);
    await due.locator(tid('callback-dial')).click();
    const error = due.locator(tid('callback-error'));
    await error.waitFor({ state: 'visible' });
    assert.equal(await error.textContent(), `Dial now: ${direct.body.error}`);
    assert.match(direct.body.error, /dialling is disabled/);
    assert.equal(await due.locator(tid('callback-status')).textContent(), 'scheduled');
    await shot(page, 'callbacks-dial-refused.png');
  });

  test('cancel asks first, then moves the callback to Done', T, async () => {
    const upcoming = inGroup(page, 'upcoming', cbs.benLater.id);
    await upcoming.locator(tid('callback-cancel')).click();
    await page.locator(tid('confirm-dialog')).waitFor();
    await page.locator(tid('confirm-no')).click();
    await page.locator(tid('confirm-dialog')).waitFor({ state: 'detached' });
    assert.equal(await upcoming.count(), 1, 'saying no cancelled it');
    assert.equal((await callbackStored(cbs.benLater.id)).status, 'scheduled');

    await upcoming.locator(tid('callback-cancel')).click();
    await page.locator(tid('confirm-yes')).click();
    const done = inGroup(page, 'done', cbs.benLater.id);
    await done.waitFor({ state: 'attached' });
    assert.equal(await upcoming.count(), 0);
    await page.locator(`${tid('callbacks-done')} summary`).click();
    await done.locator(tid('callback-status'), { hasText: 'cancelled' }).waitFor();
    assert.equal(await done.locator(tid('callback-cancel')).count(), 0, 'a cancelled callback offers Cancel');
    assert.equal((await callbackStored(cbs.benLater.id)).status, 'cancelled');
  });

  test('notes saved on a callback are there after a reload', T, async () => {
    const NOTES = 'Prefers mornings.\nAsk for Jo at reception.';
    const r = row(page, cbs.annLater.id);
    await r.locator(tid('callback-edit-notes')).click();
    await r.locator(tid('callback-notes-input')).fill(NOTES);
    await r.locator(tid('callback-notes-save')).click();
    await r.locator(tid('callback-notes'), { hasText: 'Ask for Jo' }).waitFor();
    assert.equal(await r.locator(tid('callback-notes')).textContent(), NOTES);
    assert.equal((await callbackStored(cbs.annLater.id)).notes, NOTES);

    await page.reload();
    await page.locator(tid('callbacks')).waitFor();
    const again = inGroup(page, 'upcoming', cbs.annLater.id);
    await again.locator(tid('callback-notes'), { hasText: 'Ask for Jo' }).waitFor();
    assert.equal(await again.locator(tid('callback-notes')).textContent(), NOTES);
  });

  test('a callback is booked for the customer of the open conversation', T, async () => {
    await page.evaluate((id) => { location.hash = `#/c/${id}`; }, annConv.id);
    await page.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
    await page.locator(tid('book-callback')).click();
    const dialog = page.locator(tid('book-callback-dialog'));
    await dialog.waitFor();
    assert.equal(await page.locator(tid('book-callback-phone')).inputValue(), UK, 'the customer\'s number is not prefilled');

    // A number the server refuses: its reason is shown, nothing is booked.
    await page.locator(tid('book-callback-phone')).fill('12');
    await page.locator(tid('book-callback-submit')).click();
    await page.locator(tid('book-callback-error'), { hasText: 'phone' }).waitFor();

    await page.locator(tid('book-callback-phone')).fill(UK);
    await page.locator(tid('book-callback-later')).check();
    // Tomorrow 10:30 in the operator's (New York) time.
    const day = new Date(Date.now() + 24 * 3600_000).toLocaleDateString('en-CA', { timeZone: 'America/New_York' });
    await page.locator(tid('book-callback-due')).fill(`${day}T10:30`);
    await page.locator(tid('book-callback-notes')).fill('Booked from the conversation');
    await page.locator(tid('book-callback-submit')).click();
    await dialog.waitFor({ state: 'detached' });

    await openCallbacks(page);
    const booked = page.locator(`${tid('callbacks-upcoming-list')} ${tid('callback-row')}`, { hasText: 'Booked from the conversation' });
    await booked.waitFor();
    const local = booked.locator(tid('callback-local-time')).first();
    assert.ok((await local.textContent()).includes('10:30'), await local.textContent());
    const due = new Date(await local.getAttribute('datetime'));
    assert.equal(hhmm(due, 'America/New_York'), '10:30');
    assert.equal(await booked.locator(tid('callback-customer')).textContent(), 'Ann Callback');
  });

  test('at phone width the view fits the screen', T, async () => {
    const phone = await newPage({ ...BROWSER, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await login(phone, cfg.operator);
    await phone.locator(tid('tab-callbacks')).tap();
    await row(phone, cbs.ticketed.id).locator(tid('callback-dial')).waitFor();
    assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 0, 'the view is wider than the phone');
    assert.ok(await phone.locator(tid('back')).isVisible(), 'no way back to the queue');
    await shot(phone, 'phone-callbacks.png');
    await phone.context().close();
  });
});

test('a customer\'s name and notes on a callback are shown as text, never run', T, async () => {
  const eve = { id: 2003, first_name: XSS_SCRIPT, last_name: XSS_IMG, language_code: 'en' };
  const page = await newPage(BROWSER);
  await login(page, cfg.admin);
  await openCallbacks(page);
  const before = dialogs.length;
  const conv = await waiting(await customerWaiting(eve, 'Call me'));
  const cb = await book(conv.customer_id, UK, { notes: XSS_IMG });

  const r = inGroup(page, 'due', cb.id);
  await r.locator(tid('callback-customer'), { hasText: XSS_IMG }).waitFor();
  assert.equal(await r.locator(tid('callback-customer')).textContent(), `${XSS_SCRIPT} ${XSS_IMG}`);
  assert.equal(await r.locator(tid('callback-notes')).textContent(), XSS_IMG);

  await r.locator(tid('callback-edit-notes')).click();
  await r.locator(tid('callback-notes-input')).fill(XSS_SCRIPT);
  await r.locator(tid('callback-notes-save')).click();
  await r.locator(tid('callback-notes'), { hasText: XSS_SCRIPT }).waitFor();
  assert.equal(await r.locator(tid('callback-notes')).textContent(), XSS_SCRIPT);
  assert.equal((await callbackStored(cb.id)).notes, XSS_SCRIPT);

  // The same after a reload, from the list rather than the event.
  await page.reload();
  const again = inGroup(page, 'due', cb.id);
  await again.locator(tid('callback-notes'), { hasText: XSS_SCRIPT }).waitFor();
  assert.equal(await again.locator(tid('callback-customer')).textContent(), `${XSS_SCRIPT} ${XSS_IMG}`);

  await shot(page, 'callbacks-xss.png');
  await assertNothingRan(page, before);
  await page.context().close();
});

test('no page threw an uncaught error and no dialog opened', T, () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(dialogs, []);
});

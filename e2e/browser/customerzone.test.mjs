// Browser tests of the time zone control on an open conversation, in real
// headless Chromium: it shows the zone of the customer's number until one
// is set; a zone set is kept (after a reload too) and moves the customer's
// times in the callbacks view; a zone that is no IANA name is refused in
// the server's words, shown as text; Clear goes back to the number's zone.
//
// The customer has a UK mobile and a callback booked for later, and the
// browser runs in New York time. Run as console.test.mjs says; helpers in
// support.mjs.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, dialogs, pageErrors, T, XSS_SCRIPT,
  api, apiToken, control, customerWaiting, newPage, tid, login, shot, assertNothingRan,
} from './support.mjs';

useHarness();

const UK = '+447911123456';
const BROWSER = { timezoneId: 'America/New_York', locale: 'en-GB' };

/** "HH:MM" of d in zone, as an en-GB reader sees it. */
const hhmm = (d, timeZone) => d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone });

describe('the time zone of the customer of a conversation', () => {
  const cleo = { id: 2101, first_name: 'Cleo', last_name: 'Zone', language_code: 'en' };
  let token;
  let conv;
  let callback;
  let page;
  let before0;

  const shown = () => page.locator(tid('customer-zone'));
  const customerTime = () => page.locator(`${tid('callback-row')}[data-callback-id="${callback.id}"] ${tid('callback-customer-time')}`);

  /** The customer's zone as the server has it. */
  async function storedZone() {
    const r = await api(token, 'GET', `/customers/${conv.customer_id}/history`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.customer.time_zone;
  }

  async function openConversation() {
    await page.evaluate((id) => { location.hash = `#/c/${id}`; }, conv.id);
    await page.locator(tid('conversation-title'), { hasText: 'Cleo Zone' }).waitFor();
    await shown().waitFor();
  }

  async function openCallbacks() {
    await page.locator(tid('tab-callbacks')).click();
    await page.locator(tid('callbacks')).waitFor();
  }

  before(async () => {
    token = await apiToken(cfg.admin);
    const ticket = await customerWaiting(cleo, 'When will you call me?');
    const r = await control('POST', '/customer/contact', { user: cleo, phone: UK });
    assert.equal(r.webhook_status, 200, r.webhook_body);
    const list = await api(token, 'GET', '/conversations?status=waiting&limit=500');
    conv = list.body.conversations.find((c) => c.ticket === ticket);
    assert.ok(conv, `${ticket} is not waiting`);
    const due = new Date(Date.now() + 2 * 3600_000);
    due.setUTCSeconds(0, 0);
    const booked = await api(token, 'POST', '/callbacks', { customer_id: conv.customer_id, phone: UK, due_at: due.toISOString() });
    assert.equal(booked.status, 201, JSON.stringify(booked.body));
    callback = booked.body;

    page = await newPage(BROWSER);
    before0 = dialogs.length;
    await login(page, cfg.admin);
  }, { timeout: 120_000 });

  test('shows the zone of their number while none is set', T, async () => {
    await openConversation();
    await shown().filter({ hasText: /^from their number: Europe\// }).waitFor();
    assert.equal(await page.locator(tid('customer-zone-clear')).isVisible(), false, 'Clear offered with nothing set');
    assert.equal(await storedZone(), '');
  });

  test('a zone set is kept after a reload and moves the customer\'s times', T, async () => {
    await page.locator(tid('customer-zone-input')).fill('Asia/Tokyo');
    await page.locator(tid('customer-zone-save')).click();
    await shown().filter({ hasText: /^Asia\/Tokyo$/ }).waitFor();
    assert.equal(await page.locator(tid('customer-zone-input')).inputValue(), '');
    assert.ok(await page.locator(tid('customer-zone-clear')).isVisible(), 'no Clear with a zone set');
    assert.equal(await storedZone(), 'Asia/Tokyo');
    await shot(page, 'customer-zone.png');

    await openCallbacks();
    await page.locator(`${tid('callback-row')}[data-callback-id="${callback.id}"] ${tid('callback-customer-time')}[data-time-zone="Asia/Tokyo"]`).waitFor();
    const text = await customerTime().textContent();
    assert.ok(text.includes(hhmm(new Date(callback.due_at), 'Asia/Tokyo')), text);

    await page.reload();
    await page.locator(tid('callbacks')).waitFor();
    assert.equal(await customerTime().getAttribute('data-time-zone'), 'Asia/Tokyo');
    await openConversation();
    assert.equal(await shown().textContent(), 'Asia/Tokyo');
  });

  test('a zone that is no IANA name is refused in the server\'s words, as text', T, async () => {
    const direct = await api(token, 'PATCH', `/customers/${conv.customer_id}`, { time_zone: 'Mars/Olympus_Mons' });
    assert.equal(direct.status, 400);
    assert.equal(typeof direct.body.error, 'string');

    const error = page.locator(tid('customer-zone-error'));
    await page.locator(tid('customer-zone-input')).fill('Mars/Olympus_Mons');
    await page.locator(tid('customer-zone-save')).click();
    await error.filter({ hasText: 'Mars/Olympus_Mons' }).waitFor();
    assert.equal(await error.textContent(), direct.body.error);
    assert.equal(await shown().textContent(), 'Asia/Tokyo');
    assert.equal(await storedZone(), 'Asia/Tokyo');
    await shot(page, 'customer-zone-refused.png');

    await page.locator(tid('customer-zone-input')).fill(XSS_SCRIPT);
    await page.locator(tid('customer-zone-save')).click();
    await error.filter({ hasText: XSS_SCRIPT }).waitFor();
    assert.equal(await storedZone(), 'Asia/Tokyo');
    await assertNothingRan(page, before0);
  });

  test('Clear goes back to the zone of their number', T, async () => {
    await page.locator(tid('customer-zone-clear')).click();
    await shown().filter({ hasText: /^from their number: Europe\// }).waitFor();
    assert.equal(await page.locator(tid('customer-zone-error')).isVisible(), false, 'the earlier refusal is still shown');
    assert.equal(await page.locator(tid('customer-zone-clear')).isVisible(), false);
    assert.equal(await storedZone(), '');

    await openCallbacks();
    await page.locator(`${tid('callback-row')}[data-callback-id="${callback.id}"] ${tid('callback-customer-time')}[data-time-zone^="Europe/"]`).waitFor();
    await page.reload();
    await page.locator(tid('callbacks')).waitFor();
    await openConversation();
    await shown().filter({ hasText: /^from their number: Europe\// }).waitFor();
  });
});

test('no page threw an uncaught error and no dialog opened', T, () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(dialogs, []);
});

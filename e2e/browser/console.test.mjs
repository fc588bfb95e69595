// Browser tests of the operator console (issue 4) in real headless Chromium.
//
// The Go program e2e/harness runs switchboard in-process on SQLite with a
// fake Telegram Bot API; support.mjs builds and starts it, and this file
// plays the customer through the harness's control server (updates go to
// switchboard's real Telegram webhook, with the secret), drives the console
// that switchboard serves at / with playwright-core, and checks what the
// fake Telegram received.
//
// Run from the repository root (Go, Node.js and /usr/bin/chromium needed):
//
//   (cd e2e/browser && npm ci --no-audit --no-fund)
//   node --test e2e/browser/
//
// The helpers are in support.mjs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, dialogs, pageErrors, T, WAIT, XSS_SCRIPT, XSS_IMG,
  say, command, sent, waitSent, customerWaiting, newPage, tid, login, queueItem, shot, texts, assertNothingRan,
} from './support.mjs';

useHarness();

// --- tests ----------------------------------------------------------------

test('login: a wrong password shows an error, the right one shows the queue', T, async () => {
  const page = await newPage();
  await page.goto(cfg.base_url + '/');
  await page.locator(tid('login-email')).fill(cfg.admin.email);
  await page.locator(tid('login-password')).fill('not the password');
  await page.locator(tid('login-submit')).click();
  const error = page.locator(tid('login-error'));
  await error.waitFor({ state: 'visible' });
  assert.equal((await error.textContent()).trim(), 'Wrong email or password.');
  assert.equal(await page.locator(tid('conversation-list')).count(), 0, 'the queue shows after a wrong password');

  await page.locator(tid('login-password')).fill(cfg.admin.password);
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('conversation-list')).waitFor();
  await page.locator(tid('tab-queue')).waitFor();
  assert.equal((await page.locator(tid('operator-name')).textContent()).trim(), cfg.admin.name);
  assert.equal(await page.locator(tid('login-form')).count(), 0, 'the login form is still there');
  await page.context().close();
});

describe('an operator handles a Telegram customer', () => {
  const ann = { id: 1001, first_name: 'Ann', last_name: 'Lee', username: 'annlee', language_code: 'en' };
  const REPLY = 'Hello Ann, checking now.';
  const NOTE = 'Private: Ann asked twice; check the courier before answering.';
  let page;
  let ticket;

  before(async () => {
    page = await newPage();
    await login(page, cfg.admin);
  }, T);
  after(async () => { await page?.context().close(); }, T);

  test('a customer message posted to the webhook appears in the queue without a reload', T, async () => {
    // A mark in the page: it survives only if the page is never reloaded.
    await page.evaluate(() => { window.__noReload = 'still here'; });
    await page.locator(tid('queue-empty')).waitFor(); // nobody is waiting yet
    await command(ann, 'start', 'promo42');
    const [greeting] = await sent(ann.id, 1);
    ticket = /SB-\d+/.exec(greeting.text)?.[0];
    assert.ok(ticket, `greeting: ${greeting.text}`);
    await say(ann, 'My parcel is late');

    const item = queueItem(page, ticket);
    await item.waitFor();
    assert.equal((await item.locator(tid('queue-first-text')).textContent()).trim(), 'My parcel is late');
    assert.equal((await item.locator(tid('queue-customer')).textContent()).trim(), 'Ann Lee');
    assert.equal((await item.locator(tid('queue-channel')).textContent()).trim(), 'telegram');
    assert.equal(await page.evaluate(() => window.__noReload), 'still here', 'the page was reloaded');
    await shot(page, 'queue.png');
  });

  test('claim: the conversation becomes the operator\'s and the customer is told', T, async () => {
    await queueItem(page, ticket).click();
    const conv = page.locator(tid('conversation'));
    await conv.waitFor();
    await page.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
    await page.locator(tid('message-text'), { hasText: 'My parcel is late' }).waitFor();
    await page.locator(tid('claim')).click();
    await page.locator(tid('conversation-status'), { hasText: /^open$/ }).waitFor();
    await page.locator(tid('conversation-operator'), { hasText: 'with you' }).waitFor();
    await page.locator(tid('claim')).waitFor({ state: 'hidden' });
    await page.locator(`${tid('tab-mine-count')}`, { hasText: /^1$/ }).waitFor();
    await waitSent(ann.id, (m) => m.text.includes('has joined'), 'the join notice');
  });

  test('reply: the fake Telegram receives exactly the text', T, async () => {
    const input = page.locator(tid('reply-input'));
    await input.fill(REPLY);
    await input.press('Enter');
    const mine = page.locator(`${tid('message')}[data-direction="out"][data-author="operator"]`, { hasText: REPLY });
    await mine.waitFor();
    // The event stream may show the reply before the POST's answer clears
    // the box: wait for the clearing, then check it.
    await page.waitForFunction((sel) => document.querySelector(sel)?.value === '', tid('reply-input'), { timeout: WAIT }).catch(() => {});
    assert.equal(await input.inputValue(), '', 'the reply box was not cleared');
    const got = await waitSent(ann.id, (m) => m.text === REPLY, 'the reply');
    assert.equal(got.chat_id, ann.id);
    assert.equal((await sent(ann.id)).filter((m) => m.text === REPLY).length, 1, 'the reply was sent more than once');
    await mine.locator(`${tid('delivery-state')}[data-state="sent"]`).waitFor();
  });

  test('a private note is shown as a note and is not sent to the customer', T, async () => {
    await page.locator(tid('note-toggle')).check();
    const input = page.locator(tid('reply-input'));
    await input.fill(NOTE);
    await page.locator(tid('reply-send'), { hasText: 'Add note' }).click();
    const note = page.locator(`${tid('message')}[data-note="true"]`, { hasText: NOTE });
    await note.waitFor();
    assert.equal((await note.locator(tid('note-label')).textContent()).trim(), 'Private note — not sent');
    assert.equal(await note.getAttribute('data-kind'), 'note');
    await page.locator(tid('note-toggle')).uncheck();
    await page.locator(tid('reply-send'), { hasText: 'Send' }).waitFor();
    await shot(page, 'conversation.png');
    // Whether it was sent is settled in the next test: messages to one
    // chat go out in order, so once the resolution notice (written after
    // the note) has arrived, the note would have arrived before it.
  });

  test('resolve: the status changes, the customer is told, the note never went out', T, async () => {
    await page.locator(tid('resolve')).click();
    await page.locator(tid('conversation-status'), { hasText: /^resolved$/ }).waitFor();
    await page.locator(tid('resolve')).waitFor({ state: 'hidden' });
    await page.locator(`${tid('tab-mine-count')}`, { hasText: /^0$/ }).waitFor();
    await waitSent(ann.id, (m) => m.text.includes(`${ticket} is resolved`), 'the resolution notice');
    const all = await sent(ann.id);
    assert.deepEqual(all.filter((m) => m.text.includes('Private') || m.text.includes('courier')), [],
      'the private note reached the customer');
    assert.equal(await page.evaluate(() => window.__noReload), 'still here', 'the page was reloaded');
  });
});

test('what customers send is shown as text: <script> and <img onerror> never run', T, async () => {
  const eve = { id: 1002, first_name: 'Eve', last_name: XSS_IMG, language_code: 'en' };
  const page = await newPage();
  await login(page, cfg.admin);
  const before = dialogs.length;
  const ticket = await customerWaiting(eve, XSS_SCRIPT);
  await say(eve, XSS_IMG);

  const item = queueItem(page, ticket);
  await item.waitFor();
  assert.equal(await item.locator(tid('queue-first-text')).textContent(), XSS_SCRIPT);
  assert.equal(await item.locator(tid('queue-customer')).textContent(), `Eve ${XSS_IMG}`);
  await shot(page, 'queue-xss.png');

  await item.click();
  await page.locator(tid('message-text'), { hasText: XSS_IMG }).waitFor();
  const shown = await texts(page, `${tid('message')}[data-author="customer"] ${tid('message-text')}`);
  assert.ok(shown.includes(XSS_SCRIPT), `customer messages shown: ${JSON.stringify(shown)}`);
  assert.ok(shown.includes(XSS_IMG), `customer messages shown: ${JSON.stringify(shown)}`);
  assert.match(await page.locator(tid('conversation-title')).textContent(), new RegExp(`${ticket} · Eve <img src=x onerror=alert\\(1\\)>`));

  // Nothing the customer sent became an element.
  await shot(page, 'conversation-xss.png');
  await assertNothingRan(page, before);
  await page.context().close();
});

test('operator B cannot resolve operator A\'s conversation; the console shows the error', T, async () => {
  const carl = { id: 1003, first_name: 'Carl', language_code: 'en' };
  const pageA = await newPage();
  await login(pageA, cfg.admin);
  const ticket = await customerWaiting(carl, 'Where is my refund?');
  await queueItem(pageA, ticket).click();
  await pageA.locator(tid('claim')).click();
  await pageA.locator(tid('conversation-operator'), { hasText: 'with you' }).waitFor();
  const id = await pageA.locator(tid('conversation')).getAttribute('data-conversation-id');

  const pageB = await newPage();
  await login(pageB, cfg.operator);
  assert.equal((await pageB.locator(tid('operator-name')).textContent()).trim(), cfg.operator.name);
  assert.equal(await queueItem(pageB, ticket).count(), 0, 'A\'s conversation is in B\'s queue');
  await pageB.evaluate((cid) => { location.hash = `#/c/${cid}`; }, id);
  await pageB.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
  await pageB.locator(tid('conversation-operator'), { hasText: `with ${cfg.admin.name}` }).waitFor();
  assert.equal(await pageB.locator(tid('resolve')).isVisible(), false, 'B is offered Resolve');
  assert.equal(await pageB.locator(tid('claim')).isVisible(), false, 'B is offered Claim');

  // The keyboard shortcut still asks the server, which refuses; the console says so.
  await pageB.locator(tid('messages')).click();
  await pageB.keyboard.press('Alt+KeyR');
  const error = pageB.locator(tid('error'));
  await error.waitFor({ state: 'visible' });
  const text = await error.textContent();
  assert.match(text, new RegExp(`^Resolve ${ticket}: `));
  assert.match(text, /claimed|operator|not allowed|forbidden/i);
  assert.equal((await pageB.locator(tid('conversation-status')).textContent()).trim(), 'open');

  // The server did not resolve it: A still has it open, and the customer was told nothing.
  assert.equal((await pageA.locator(tid('conversation-status')).textContent()).trim(), 'open');
  assert.deepEqual((await sent(carl.id)).filter((m) => m.text.includes('resolved')), []);
  await pageA.context().close();
  await pageB.context().close();
});

test('phone width (390x844): the queue, then one conversation full screen', T, async () => {
  const dana = { id: 1004, first_name: 'Dana', last_name: 'Ruiz', language_code: 'en' };
  const page = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await login(page, cfg.admin);
  const ticket = await customerWaiting(dana, 'Can I change my delivery address?');
  const item = queueItem(page, ticket);
  await item.waitFor();
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(await overflow() <= 0, 'the queue is wider than the phone');
  await shot(page, 'phone-queue.png');

  await item.tap();
  await page.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
  await page.locator(tid('message-text'), { hasText: 'delivery address' }).waitFor();
  assert.equal(await page.locator(tid('conversation-list')).isVisible(), false, 'the list stays beside the conversation on a phone');
  assert.ok(await page.locator(tid('back')).isVisible(), 'no way back to the queue');
  assert.ok(await page.locator(tid('reply-input')).isVisible(), 'no reply box');
  assert.ok(await overflow() <= 0, 'the conversation is wider than the phone');
  await shot(page, 'phone-conversation.png');

  await page.locator(tid('back')).tap();
  await item.waitFor();
  await page.context().close();
});

test('no page threw an uncaught error and no dialog opened', T, () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(dialogs, []);
});

// Browser tests of feedback in the console in real headless Chromium: the
// survey of a resolved ticket in the conversation's header, a customer's
// complaint about it arriving live on the Follow-ups page (with the header
// badge and a desktop notification), its label in the conversation and
// the operator's correction, and the follow-up closed with a decision that
// the customer receives on the fake Telegram.
//
// The supervisor (cfg.admin) works the ticket; the operator (cfg.operator)
// watches the same conversation in a second browser, to see the survey and
// the corrected label arrive without a reload. No feedback_owner is set in
// the harness, so follow-ups go to supervisors. Desktop notifications are
// recorded by a stand-in for the browser's Notification. Run as
// console.test.mjs says; helpers in support.mjs.

import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, dialogs, pageErrors, T, WAIT, XSS_SCRIPT,
  api, apiToken, say, sent, waitSent, customerWaiting, newPage, tid, login, queueItem, shot, assertNothingRan,
} from './support.mjs';

useHarness();

/** Records notifications instead of showing them, with permission granted. */
function recordNotifications() {
  window.__notifications = [];
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor(title, options = {}) {
      this.title = title;
      this.body = options.body;
      this.onclick = null;
      window.__notifications.push(this);
    }
    close() {}
  };
}

describe('feedback on a resolved ticket', () => {
  const fay = { id: 3001, first_name: 'Fay', last_name: 'Feedback', language_code: 'en' };
  const COMPLAINT = `Terrible service ${XSS_SCRIPT}`;
  const DECISION = 'We are sorry. We have refunded the delivery fee and spoken to the courier.';
  let token;
  let page; // the supervisor's
  let watcher; // the operator's, on the same conversation
  let ticket;
  let convId;

  const followUpRow = (p) => p.locator(tid('followup-row')).filter({ has: p.locator(tid('followup-ticket'), { hasText: ticket }) });
  const complaintMessage = (p) => p.locator(`${tid('message')}[data-author="customer"]`, { hasText: 'Terrible service' });

  before(async () => {
    token = await apiToken(cfg.admin);
    page = await newPage();
    await page.addInitScript(recordNotifications);
    await login(page, cfg.admin);
    watcher = await newPage();
    await login(watcher, cfg.operator);
    ticket = await customerWaiting(fay, 'My order arrived broken');
  }, { timeout: 120_000 });
  after(async () => {
    await page?.context().close();
    await watcher?.context().close();
  });

  test('resolving shows when the survey is due, here and live in another console', T, async () => {
    await queueItem(page, ticket).click();
    await page.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
    convId = Number(await page.locator(tid('conversation')).getAttribute('data-conversation-id'));
    await page.locator(tid('claim')).click();
    await page.locator(tid('conversation-status'), { hasText: /^open$/ }).waitFor();
    assert.equal(await page.locator(tid('survey-status')).count(), 0, 'an open ticket shows a survey');

    await watcher.evaluate((id) => { location.hash = `#/c/${id}`; }, convId);
    await watcher.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
    await watcher.evaluate(() => { window.__noReload = 'still here'; });

    await page.locator(tid('resolve')).click();
    await page.locator(tid('conversation-status'), { hasText: /^resolved$/ }).waitFor();
    const status = page.locator(tid('survey-status'));
    await status.waitFor();
    assert.match(await status.textContent(), /^Survey due \S/);
    const r = await api(token, 'GET', `/conversations/${convId}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.survey_due_at, `no survey_due_at: ${JSON.stringify(r.body)}`);
    assert.ok(Date.parse(r.body.survey_due_at) > Date.now() + 3600_000, `the survey is due at ${r.body.survey_due_at}`);
    assert.equal(await status.locator('time').getAttribute('datetime'), r.body.survey_due_at);
    assert.equal(await status.getAttribute('data-state'), 'scheduled');

    // The event carries no survey; the other console asks for it.
    const theirs = watcher.locator(tid('survey-status'));
    await theirs.waitFor();
    assert.equal(await theirs.textContent(), await status.textContent());
    assert.equal(await watcher.evaluate(() => window.__noReload), 'still here', 'the page was reloaded');
    await waitSent(fay.id, (m) => m.text.includes(`${ticket} is resolved`), 'the resolution notice');
    await shot(page, 'feedback-survey-due.png');
  });

  test('a complaint about it arrives live on the Follow-ups page, shown as text', T, async () => {
    await page.locator(tid('nav-followups')).click();
    await page.locator(tid('followups')).waitFor();
    await page.locator(tid('followups-empty'), { hasText: 'No open follow-ups.' }).waitFor();
    assert.equal(await page.locator(tid('nav-followups-count')).count(), 0, 'the badge counts before any complaint');
    assert.equal(await watcher.locator(tid('nav-followups')).isVisible(), false, 'an operator without follow-ups is shown the link');
    await page.evaluate(() => { window.__noReload = 'still here'; });
    const seen = dialogs.length;

    await say(fay, COMPLAINT);
    const row = followUpRow(page);
    await row.waitFor();
    await page.locator(tid('nav-followups-count'), { hasText: /^1$/ }).waitFor();
    assert.equal(await row.locator(tid('followup-summary')).textContent(), COMPLAINT);
    assert.equal(await row.locator(tid('followup-kind')).textContent(), 'complaint');
    assert.equal(await row.locator(tid('followup-ticket')).getAttribute('href'), `#/c/${convId}`);
    assert.equal(await row.locator(tid('followup-owner')).textContent(), 'for supervisors');
    assert.equal(await row.locator(tid('followup-score')).count(), 0, 'a complaint shows a score');
    await row.locator(tid('followup-age')).waitFor();
    assert.equal(await page.locator(tid('followups-open-count')).textContent(), '1');
    await assertNothingRan(page, seen);
    assert.equal(await page.evaluate(() => window.__noReload), 'still here', 'the page was reloaded');

    // The server lists the same follow-up.
    const r = await api(token, 'GET', '/followups?state=open');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const listed = r.body.followups.filter((f) => f.conversation_id === convId);
    assert.equal(listed.length, 1, JSON.stringify(r.body));
    assert.equal(listed[0].kind, 'complaint');
    assert.equal(Number(await row.getAttribute('data-followup-id')), listed[0].id);

    // It went to the supervisors, who are told.
    const title = `Complaint on ${ticket}`;
    await page.waitForFunction((t) => window.__notifications.some((n) => n.title === t), title, { timeout: WAIT });
    const shown = await page.evaluate((t) => window.__notifications.filter((n) => n.title === t).map((n) => n.body), title);
    assert.deepEqual(shown, [COMPLAINT]);
    await shot(page, 'feedback-followups.png');
  });

  test('the notification opens the page; the complaint is tagged and its label corrected for good', T, async () => {
    await page.evaluate(() => { location.hash = '#/queue'; });
    await page.locator(tid('no-conversation')).waitFor();
    await page.evaluate((t) => window.__notifications.find((n) => n.title === t).onclick(), `Complaint on ${ticket}`);
    await followUpRow(page).waitFor();

    await followUpRow(page).locator(tid('followup-ticket')).click();
    await page.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
    const message = complaintMessage(page);
    await message.locator(`${tid('message-label')}[data-label="complaint"]`).waitFor();
    assert.equal(await message.locator(tid('message-text')).textContent(), COMPLAINT);
    assert.equal(await message.locator(tid('message-label')).textContent(), 'complaint');
    assert.equal(await message.locator(tid('message-label')).getAttribute('data-label-source'), 'rules');
    // The other console got the message live, tag and all.
    await complaintMessage(watcher).locator(`${tid('message-label')}[data-label="complaint"]`).waitFor();
    await shot(page, 'feedback-label.png');

    await message.locator(tid('label-select')).selectOption('question');
    await message.locator(`${tid('message-label')}[data-label="question"]`).waitFor();
    assert.equal(await message.locator(tid('message-label')).textContent(), 'question');
    const messageId = Number(await message.getAttribute('data-message-id'));
    const r = await api(token, 'GET', `/conversations/${convId}`);
    const stored = r.body.messages.find((m) => m.id === messageId);
    assert.equal(stored.label, 'question');
    assert.equal(stored.label_source, 'operator');

    // message.labelled brings the correction to the other console.
    await complaintMessage(watcher).locator(`${tid('message-label')}[data-label="question"]`).waitFor();
    assert.equal(await watcher.evaluate(() => window.__noReload), 'still here', 'the page was reloaded');

    await page.reload();
    await page.locator(tid('conversation-title'), { hasText: ticket }).waitFor();
    const again = complaintMessage(page).locator(tid('message-label'));
    await again.waitFor();
    assert.equal(await again.getAttribute('data-label'), 'question');
    assert.equal(await again.getAttribute('data-label-source'), 'operator');
  });

  test('closing the follow-up with a decision sends the customer exactly that', T, async () => {
    const seen = dialogs.length;
    await page.locator(tid('nav-followups')).click();
    const row = followUpRow(page);
    await row.waitFor();
    await row.locator(tid('followup-decision')).fill(DECISION);
    await row.locator(tid('followup-close')).click();
    await row.waitFor({ state: 'detached' });
    await page.locator(tid('followups-empty'), { hasText: 'No open follow-ups.' }).waitFor();
    assert.equal(await page.locator(tid('nav-followups-count')).count(), 0, 'the badge still counts the closed follow-up');

    const got = await waitSent(fay.id, (m) => m.text === DECISION, 'the decision');
    assert.equal(got.chat_id, fay.id);
    assert.equal((await sent(fay.id)).filter((m) => m.text === DECISION).length, 1, 'the decision was sent more than once');

    await page.locator(tid('followups-show-closed')).click();
    const closed = followUpRow(page);
    await closed.locator(tid('followup-decision-text')).waitFor();
    assert.equal(await closed.getAttribute('data-state'), 'closed');
    assert.equal(await closed.locator(tid('followup-decision-text')).textContent(), DECISION);
    assert.equal(await closed.locator(tid('followup-summary')).textContent(), COMPLAINT);
    assert.equal(await closed.locator(tid('followup-decision')).count(), 0, 'a closed follow-up offers to close it');
    await assertNothingRan(page, seen);
    await shot(page, 'feedback-closed.png');
  });
});

test('no page threw an uncaught error and no dialog opened', T, () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(dialogs, []);
});

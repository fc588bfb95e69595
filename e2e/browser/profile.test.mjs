// Browser tests of the customer profile (#/customers/ID), in real headless
// Chromium: a supervisor opens it from a conversation's customer name and
// sees identities, conversations, the survey answer and notes; edits the
// name and the phone (a national number becomes E.164, a bad one is refused
// in the server's words); merges a second customer found by search and sees
// their identity and conversation join; erases with the typed word ERASE
// and sees "[erased]" in the conversation. A customer's markup in their
// name and survey comment shows as text; an operator gets no merge or erase.
//
// The harness runs with default_region GB. Run as console.test.mjs says;
// helpers in support.mjs.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, dialogs, pageErrors, T, XSS_SCRIPT, XSS_IMG,
  api, apiToken, control, customerWaiting, newPage, tid, login, shot, assertNothingRan, texts, queueItem,
} from './support.mjs';

useHarness({ region: 'GB' });

const pia = { id: 3101, first_name: 'Pia', last_name: 'Profile', username: 'pia_p', language_code: 'en' };
const quinn = { id: 3102, first_name: 'Quinn', last_name: 'Second', username: 'quinn_s', language_code: 'en' };
const hostile = { id: 3103, first_name: XSS_SCRIPT, language_code: 'en' };

let token;

/** The waiting conversation with ticket, as the API lists it. */
async function waiting(ticket) {
  const list = await api(token, 'GET', '/conversations?status=waiting&limit=500');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const conv = list.body.conversations.find((c) => c.ticket === ticket);
  assert.ok(conv, `${ticket} is not waiting`);
  return conv;
}

async function answerSurvey(conv, score, comment) {
  await control('POST', '/survey/answer', { conversation_id: conv.id, score, comment });
}

async function profileOf(customerId) {
  const r = await api(token, 'GET', `/customers/${customerId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

describe('the customer profile, as a supervisor', () => {
  let page;
  let before0;
  let piaConv;
  let quinnConv;

  const identity = (channel, externalId) =>
    page.locator(`${tid('profile-identity')}[data-channel="${channel}"]`, { hasText: String(externalId) });
  const convRow = (c) => page.locator(`${tid('profile-conversation')}[data-conversation-id="${c.id}"]`);

  before(async () => {
    token = await apiToken(cfg.admin);
    piaConv = await waiting(await customerWaiting(pia, 'My order is late'));
    await answerSurvey(piaConv, 9, 'Quick and kind');
    const note = await api(token, 'POST', `/conversations/${piaConv.id}/notes`, { text: 'Prefers a call after 5pm' });
    assert.equal(note.status, 201, JSON.stringify(note.body));
    quinnConv = await waiting(await customerWaiting(quinn, 'Writing from my other account'));
    assert.notEqual(quinnConv.customer_id, piaConv.customer_id);

    page = await newPage({ locale: 'en-GB' });
    before0 = dialogs.length;
    await login(page, cfg.admin);
  }, { timeout: 120_000 });

  test('opens from the conversation and shows identities, conversations, the survey answer and notes', T, async () => {
    await page.evaluate((id) => { location.hash = `#/c/${id}`; }, piaConv.id);
    await page.locator(tid('conversation-title'), { hasText: 'Pia Profile' }).waitFor();
    await page.locator(tid('customer-link')).click();
    await page.waitForFunction((id) => location.hash === `#/customers/${id}`, piaConv.customer_id);
    await page.locator(tid('profile-name'), { hasText: 'Pia Profile' }).waitFor();

    await identity('telegram', pia.id).waitFor();
    assert.equal(await identity('telegram', pia.id).locator(tid('identity-username')).textContent(), '@pia_p');
    assert.equal(await page.locator(tid('profile-language')).textContent(), 'en');
    const row = convRow(piaConv);
    assert.match(await row.textContent(), new RegExp(`${piaConv.ticket}.*telegram.*waiting`));
    assert.equal(await row.locator(tid('profile-conversation-link')).getAttribute('href'), `#/c/${piaConv.id}`);
    const answer = page.locator(tid('profile-survey-answer'));
    assert.equal(await answer.locator(tid('profile-survey-score')).textContent(), '9/10');
    assert.equal(await answer.locator(tid('profile-survey-comment')).textContent(), 'Quick and kind');
    assert.equal(await page.locator(tid('profile-note-text')).textContent(), 'Prefers a call after 5pm');
    assert.ok(await page.locator(tid('customer-zone')).isVisible(), 'no time zone shown');
    await shot(page, 'profile.png');

    // The route survives a reload, and back returns to the conversation.
    await page.reload();
    await page.locator(tid('profile-name'), { hasText: 'Pia Profile' }).waitFor();
    await page.goBack();
    await page.locator(tid('conversation-title'), { hasText: 'Pia Profile' }).waitFor();
    await page.goForward();
    await page.locator(tid('profile-name'), { hasText: 'Pia Profile' }).waitFor();
  });

  test('edits the name and the phone; a bad phone is refused in the server\'s words', T, async () => {
    await page.locator(tid('profile-name-edit')).click();
    await page.locator(tid('profile-name-input')).fill('Pia Renamed');
    await page.locator(tid('profile-name-save')).click();
    await page.locator(tid('profile-name-value'), { hasText: 'Pia Renamed' }).waitFor();
    assert.equal(await page.locator(tid('profile-name')).textContent(), 'Pia Renamed');

    const direct = await api(token, 'PATCH', `/customers/${piaConv.customer_id}`, { phone: 'call me maybe' });
    assert.equal(direct.status, 400);
    await page.locator(tid('profile-phone-edit')).click();
    await page.locator(tid('profile-phone-input')).fill('call me maybe');
    await page.locator(tid('profile-phone-save')).click();
    const error = page.locator(tid('profile-phone-error'));
    await error.waitFor();
    assert.equal(await error.textContent(), direct.body.error);

    await page.locator(tid('profile-phone-input')).fill('07911 123456');
    await page.locator(tid('profile-phone-save')).click();
    await page.locator(tid('profile-phone-value'), { hasText: '+447911123456' }).waitFor();
    const stored = await profileOf(piaConv.customer_id);
    assert.equal(stored.name, 'Pia Renamed');
    assert.equal(stored.phone, '+447911123456');
    await page.reload();
    await page.locator(tid('profile-phone-value'), { hasText: '+447911123456' }).waitFor();

    // A time zone saved on the profile stays on show when another field is edited.
    await page.locator(tid('customer-zone-input')).fill('Asia/Tokyo');
    await page.locator(tid('customer-zone-save')).click();
    await page.locator(tid('customer-zone'), { hasText: /^Asia\/Tokyo$/ }).waitFor();
    await page.locator(tid('profile-name-edit')).click();
    await page.locator(tid('profile-name-cancel')).click();
    assert.equal(await page.locator(tid('customer-zone')).textContent(), 'Asia/Tokyo');
  });

  test('merges a second customer picked by search and shows their identity and conversation', T, async () => {
    assert.equal(await identity('telegram', quinn.id).count(), 0);
    await page.locator(tid('profile-merge')).click();
    const dialog = page.locator(tid('merge-dialog'));
    assert.equal(await dialog.locator(tid('merge-confirm')).isDisabled(), true, 'Merge offered before a customer is picked');
    await dialog.locator(tid('merge-search')).fill('Quinn');
    await dialog.locator(`${tid('merge-pick')}[data-customer-id="${quinnConv.customer_id}"]`).click();
    const who = dialog.locator(tid('merge-who'));
    await who.waitFor();
    assert.equal(await who.locator(tid('merge-from-name')).textContent(), 'Quinn Second');
    assert.equal(await who.locator(tid('merge-into-name')).textContent(), 'Pia Renamed');
    await shot(page, 'profile-merge.png');
    await dialog.locator(`${tid('merge-confirm')}:not([disabled])`).click();
    await dialog.waitFor({ state: 'detached' });

    await identity('telegram', quinn.id).waitFor();
    await convRow(quinnConv).waitFor();
    await convRow(piaConv).waitFor();
    // The queue names Quinn's conversation by the customer it now belongs to.
    await queueItem(page, quinnConv.ticket).filter({ hasText: 'Pia Renamed' }).waitFor();
    const stored = await profileOf(piaConv.customer_id);
    assert.deepEqual(stored.identities.map((i) => i.external_id).sort(), [String(pia.id), String(quinn.id)]);

    // Merging the same customer again is a conflict, told in words.
    await page.locator(tid('profile-merge')).click();
    await dialog.locator(tid('merge-from')).fill(String(quinnConv.customer_id));
    await dialog.locator(tid('merge-who')).waitFor();
    await dialog.locator(`${tid('merge-confirm')}:not([disabled])`).click();
    const error = dialog.locator(tid('merge-error'));
    await error.waitFor();
    assert.match(await error.textContent(), /^Cannot merge: .*merged/);
    await dialog.locator(tid('merge-cancel')).click();
    await dialog.waitFor({ state: 'detached' });

    // The shell left behind says where its customer went.
    await page.evaluate((id) => { location.hash = `#/customers/${id}`; }, quinnConv.customer_id);
    await page.locator(tid('profile-merged-into')).waitFor();
    assert.equal(await page.locator(tid('profile-merge')).count(), 0, 'a merged shell offers Merge');
    await page.locator(tid('profile-merged-into')).click();
    await page.locator(tid('profile-name'), { hasText: 'Pia Renamed' }).waitFor();
  });

  test('erases after ERASE is typed, and the conversation\'s texts read [erased]', T, async () => {
    await page.locator(tid('profile-erase')).click();
    const dialog = page.locator(tid('erase-dialog'));
    const confirm = dialog.locator(tid('erase-confirm'));
    assert.equal(await confirm.isDisabled(), true);
    await dialog.locator(tid('erase-input')).fill('erase');
    assert.equal(await confirm.isDisabled(), true, 'enabled by "erase"');
    await dialog.locator(tid('erase-input')).fill('ERASE ');
    assert.equal(await confirm.isDisabled(), true, 'enabled by "ERASE "');
    await dialog.locator(tid('erase-input')).fill('ERASE');
    assert.equal(await confirm.isDisabled(), false);
    await confirm.click();
    await dialog.waitFor({ state: 'detached' });

    await page.locator(tid('profile-erased')).waitFor();
    assert.equal(await page.locator(tid('profile-name')).textContent(), `Erased customer #${piaConv.customer_id}`);
    assert.equal(await page.locator(tid('profile-name-value')).textContent(), 'no name');
    assert.equal(await page.locator(tid('profile-username')).textContent(), 'no username');
    assert.equal(await page.locator(tid('profile-erase')).count(), 0, 'Erase offered twice');
    for (const t of await texts(page, tid('profile-conversation-text'))) assert.equal(t, '[erased]');
    assert.equal(await page.locator(tid('profile-survey-comment')).textContent(), '[erased]');
    assert.equal(await page.locator(tid('profile-survey-score')).textContent(), '9/10', 'the score is kept');
    assert.equal(await page.locator(tid('profile-note-text')).textContent(), '[erased]');
    await shot(page, 'profile-erased.png');
    for (const c of [piaConv, quinnConv]) {
      await queueItem(page, c.ticket).filter({ hasNotText: 'Pia Renamed' }).waitFor();
    }

    await convRow(piaConv).locator(tid('profile-conversation-link')).click();
    await page.locator(`${tid('ticket-group')}[data-conversation-id="${piaConv.id}"] ${tid('message-text')}`).first().waitFor();
    const said = await texts(page, `${tid('ticket-group')}[data-conversation-id="${piaConv.id}"] [data-testid="message"].msg-in ${tid('message-text')}`);
    assert.ok(said.length > 0, 'no customer message shown');
    for (const t of said) assert.equal(t, '[erased]');
    assert.equal((await page.content()).includes('My order is late'), false, 'the erased text is still on the page');
  });

  test('a customer\'s markup in their name and survey comment is shown as text', T, async () => {
    const conv = await waiting(await customerWaiting(hostile, 'hello'));
    await answerSurvey(conv, 3, XSS_IMG);
    const input = page.locator(tid('search-input'));
    await input.fill(conv.ticket);
    await input.press('Enter');
    await page.locator(`${tid('search-profile')}[data-customer-id="${conv.customer_id}"]`).click();
    await page.waitForFunction((id) => location.hash === `#/customers/${id}`, conv.customer_id);
    await page.locator(tid('profile-name'), { hasText: XSS_SCRIPT }).waitFor();
    assert.equal(await page.locator(tid('profile-name')).textContent(), XSS_SCRIPT);
    assert.equal(await page.locator(tid('profile-name-value')).textContent(), XSS_SCRIPT);
    assert.equal(await page.locator(tid('profile-survey-comment')).textContent(), XSS_IMG);
    assert.ok(await page.locator(tid('profile-survey-comment')).isVisible());
    await assertNothingRan(page, before0);
    await shot(page, 'profile-hostile.png');
  });
});

describe('the customer profile, as an operator', () => {
  test('offers editing but neither merge nor erase', T, async () => {
    token = token || await apiToken(cfg.admin);
    const rex = { id: 3104, first_name: 'Rex', last_name: 'Operatorview', language_code: 'en' };
    const conv = await waiting(await customerWaiting(rex, 'Hi there'));
    const page = await newPage();
    await login(page, cfg.operator);
    await page.evaluate((id) => { location.hash = `#/customers/${id}`; }, conv.customer_id);
    await page.locator(tid('profile-name'), { hasText: 'Rex Operatorview' }).waitFor();
    await page.locator(tid('profile-identity')).waitFor();
    assert.ok(await page.locator(tid('profile-name-edit')).isVisible());
    assert.ok(await page.locator(tid('profile-phone-edit')).isVisible());
    assert.equal(await page.locator(tid('profile-merge')).count(), 0);
    assert.equal(await page.locator(tid('profile-erase')).count(), 0);
    const opToken = await apiToken(cfg.operator);
    const refused = await api(opToken, 'POST', `/customers/${conv.customer_id}/erase`, { confirm: 'ERASE' });
    assert.equal(refused.status, 403);
  });

  test('a long-standing customer\'s older conversations load as the list scrolls', T, async () => {
    const sol = { id: 3105, first_name: 'Sol', last_name: 'Longstanding', language_code: 'en' };
    const conv = await waiting(await customerWaiting(sol, 'Me again'));
    const { tickets } = await control('POST', '/customer/tickets', { customer_id: conv.customer_id, count: 24 });
    const page = await newPage();
    await login(page, cfg.operator);
    await page.evaluate((id) => { location.hash = `#/customers/${id}`; }, conv.customer_id);
    const rows = page.locator(tid('profile-conversation'));
    await page.locator(tid('profile-name'), { hasText: 'Sol Longstanding' }).waitFor();
    await rows.first().waitFor();
    assert.equal(await rows.count(), 20, 'the profile shows the latest 20 first');
    assert.equal(await rows.first().getAttribute('data-ticket'), conv.ticket);

    await page.locator(tid('profile-conversations-more')).scrollIntoViewIfNeeded();
    await page.locator(`${tid('profile-conversation')}[data-ticket="${tickets[tickets.length - 1]}"]`).waitFor();
    assert.equal(await rows.count(), 25);
    assert.equal(await page.locator(tid('profile-conversations-more')).count(), 0, 'more offered after the last page');
    const shown = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-ticket')));
    assert.deepEqual(shown, [conv.ticket, ...tickets], 'not newest first, or a conversation twice');
  });
});

test('no page threw an uncaught error and no dialog opened', T, () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(dialogs, []);
});

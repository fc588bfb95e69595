// Browser tests of the search box in the console's header, in real
// headless Chromium: it finds a conversation by its ticket, by the
// customer's phone written three ways, by name and @username, and by a
// Russian word's start; a result opens the conversation; a customer's
// <script> shows in the snippet as text, with the match marked by the
// console's own <mark>.
//
// Run as console.test.mjs says; helpers in support.mjs.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, dialogs, pageErrors, T, XSS_SCRIPT, XSS_IMG,
  control, customerWaiting, newPage, tid, login, shot, assertNothingRan,
} from './support.mjs';

useHarness();

describe('the search box', () => {
  const vera = { id: 3101, first_name: 'Вера', last_name: 'Соколова', username: 'vera_s', language_code: 'ru' };
  const max = { id: 3102, first_name: 'Max', last_name: 'Hostile', language_code: 'en' };
  const UK = '+447911123456';
  let veraTicket;
  let page;
  let before0;

  const results = () => page.locator(tid('search-result'));

  /** Types q into the box and waits for a result with ticket among them. */
  async function find(q, ticket) {
    const input = page.locator(tid('search-input'));
    await input.fill(q);
    await input.press('Enter');
    const row = results().filter({ hasText: ticket });
    await row.first().waitFor();
    return row.first();
  }

  before(async () => {
    veraTicket = await customerWaiting(vera, 'Где моя посылка? Жду уже неделю');
    const r = await control('POST', '/customer/contact', { user: vera, phone: UK });
    assert.equal(r.webhook_status, 200, r.webhook_body);
    await customerWaiting(max, `my parcel never came ${XSS_SCRIPT}${XSS_IMG}`);
    page = await newPage();
    before0 = dialogs.length;
    await login(page, cfg.admin);
  }, { timeout: 120_000 });

  test('finds a conversation by its ticket, written three ways', T, async () => {
    const n = String(Number(veraTicket.slice(3)));
    for (const q of [veraTicket, veraTicket.slice(3), n]) {
      const row = await find(q, veraTicket);
      assert.equal(await row.locator('mark').first().textContent(), veraTicket, `search ${q}`);
    }
  });

  test('finds the customer by phone written three ways', T, async () => {
    for (const q of ['+44 7911 123456', '447911123456', '07911-123-456']) {
      const row = await find(q, veraTicket);
      assert.equal(await row.locator('mark').first().textContent(), UK, `search ${q}`);
    }
  });

  test('finds the customer by name and by @username', T, async () => {
    await find('соколова', veraTicket);
    await find('@vera_s', veraTicket);
  });

  test('finds Russian words by their start and opens the conversation', T, async () => {
    const row = await find('посыл', veraTicket);
    assert.equal(await row.locator('mark').textContent(), 'посылка');
    assert.match(await row.locator(tid('search-snippet')).textContent(), /Где моя посылка\?/);
    await row.click();
    await page.waitForFunction((id) => location.hash === `#/c/${id}`, Number(veraTicket.slice(3)));
    await page.locator(tid('conversation-title'), { hasText: 'Вера' }).waitFor();
    assert.equal(await results().first().isVisible(), false, 'results stay open after opening one');
  });

  test("shows a customer's markup in a snippet as text", T, async () => {
    const input = page.locator(tid('search-input'));
    await input.fill('parcel');
    await input.press('Enter');
    const snippet = results().filter({ hasText: 'Max Hostile' }).locator(tid('search-snippet'));
    await snippet.waitFor();
    const text = await snippet.textContent();
    assert.ok(text.includes(XSS_SCRIPT) && text.includes(XSS_IMG), `snippet ${JSON.stringify(text)} lost the markup as text`);
    assert.deepEqual(await snippet.locator('mark').allTextContents(), ['parcel']);
    assert.equal(await snippet.locator('script, img').count(), 0);
    await shot(page, 'search-hostile.png');
    await assertNothingRan(page, before0);
    assert.deepEqual(pageErrors, []);
  });
});

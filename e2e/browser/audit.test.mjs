// Browser tests of the supervisor's audit trail (issue 17, part 5) in real
// headless Chromium: a login shows with who and from where, an operator
// whose name looks like markup shows it as text, the action filter keeps
// its own, and no password reaches the page. Run as console.test.mjs
// says; helpers in support.mjs.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, dialogs, pageErrors, T, XSS_SCRIPT,
  api, apiToken, newPage, tid, login, shot, assertNothingRan,
} from './support.mjs';

useHarness();

const row = (action) => `${tid('audit-row')}[data-action="${action}"]`;

describe('the audit trail', () => {
  test('lists a login with its address and a <script> operator name as text; filters by action', T, async () => {
    const seen = dialogs.length;
    const page = await newPage();
    await login(page, cfg.admin);
    const token = await apiToken(cfg.admin);
    const password = 'audit-password-4Tz';
    const created = await api(token, 'POST', '/operators', { email: 'markup@example.com', name: XSS_SCRIPT, password });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api('', 'POST', '/auth/login', { email: cfg.admin.email, password: 'not the password' })).status, 401);

    // Linked where the other supervisor pages are.
    await page.goto(`${cfg.base_url}/#/admin/operators`);
    await page.locator(tid('admin-tab-audit')).click();
    await page.locator(tid('admin-audit')).waitFor();
    await page.locator(row('login_failed')).first().waitFor();

    const loginRow = page.locator(row('login')).first();
    assert.ok((await loginRow.locator(tid('audit-who')).textContent()).includes(cfg.admin.email));
    assert.equal(await loginRow.locator(tid('audit-address')).textContent(), '127.0.0.1');
    // The newest operator created is ours (the harness added its own before).
    const details = await page.locator(row('operator_created')).first().locator(tid('audit-details')).textContent();
    assert.ok(details.includes(`name: ${XSS_SCRIPT}`), `details: ${details}`);
    assert.ok(!(await page.locator(tid('audit-table')).textContent()).includes(password), 'a password is on the page');
    // Newest first: the failed login came last.
    assert.equal(await page.locator(tid('audit-row')).first().getAttribute('data-action'), 'login_failed');

    await page.locator(tid('audit-action')).selectOption('operator_created');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="audit-row"]')];
      return rows.length > 0 && rows.length < 5 && rows.every((r) => r.dataset.action === 'operator_created');
    });

    await assertNothingRan(page, seen);
    assert.deepEqual(pageErrors, []);
    await shot(page, 'audit-trail.png');
    await page.context().close();
  });

  test('more than a page loads on scroll, each entry once, newest first', T, async () => {
    const token = await apiToken(cfg.admin);
    for (let i = 0; i < 105; i++) {
      const r = await api(token, 'POST', '/canned', { shortcut: `audit-${i}`, title: `Audit ${i}`, text: 'Text.' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const page = await newPage();
    await login(page, cfg.admin);
    await page.goto(`${cfg.base_url}/#/admin/audit`);
    await page.locator(tid('audit-row')).first().waitFor();
    await page.locator(tid('audit-more')).scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length > 105
      && !document.querySelector('[data-testid="audit-more"]'));
    const ids = await page.locator(tid('audit-row')).evaluateAll((rows) => rows.map((r) => Number(r.dataset.entryId)));
    assert.equal(new Set(ids).size, ids.length, 'an entry shows twice');
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'not newest first');
    const shortcuts = await page.locator(row('canned_created')).locator(tid('audit-details')).allTextContents();
    assert.equal(shortcuts.length, 105);
    assert.ok(shortcuts[0].includes('shortcut: audit-104') && shortcuts[104].includes('shortcut: audit-0'));
    await page.context().close();
  });

  test('an operator may not read it', T, async () => {
    const token = await apiToken(cfg.operator);
    assert.equal((await api(token, 'GET', '/audit')).status, 403);
  });
});

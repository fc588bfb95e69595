// Operators send files from the console: the paper clip opens the file
// picker, the file shows above the reply box, Send delivers it through
// the fake Telegram as sendPhoto with the very bytes chosen, and the sent
// photo appears in the thread. A hostile file name and caption stay text;
// the server's refusal (a type it does not take) is shown to the operator.

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  useHarness, cfg, T, XSS_SCRIPT, customerWaiting, newPage, tid, login, queueItem, waitSent, shot, dialogs,
} from './support.mjs';

useHarness();

// A 2×2 PNG, red and blue.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAwMDAwMDAwMAAAB0ABQH+rqf4AAAAAElFTkSuQmCC',
  'base64');

const dan = { id: 880101, first_name: 'Dan', last_name: 'Files', username: 'dan', language_code: 'en' };

describe('operators attach files', () => {
  let page;
  const seenDialogs = dialogs.length;

  before(async () => {
    const ticket = await customerWaiting(dan, 'Can you send me the plan?');
    page = await newPage();
    await login(page, cfg.operator);
    await queueItem(page, ticket).click();
    await page.locator(tid('conversation')).waitFor();
  });

  test('a PNG chosen with the paper clip reaches Telegram as sendPhoto with its bytes', T, async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.locator(tid('attach-button')).click();
    await (await chooser).setFiles({ name: 'plan.png', mimeType: 'image/png', buffer: PNG });
    await page.locator(tid('attachment-name'), { hasText: 'plan.png' }).waitFor();
    await page.locator(tid('reply-input')).fill('Here is the plan');
    await page.locator(tid('reply-send')).click();
    const photo = await waitSent(dan.id, (m) => m.method === 'sendPhoto', 'the photo');
    assert.equal(photo.text, 'Here is the plan');
    assert.equal(photo.file, 'plan.png');
    assert.deepEqual(Buffer.from(photo.file_base64, 'base64'), PNG, 'Telegram received other bytes than the PNG chosen');
    // The sent photo shows in the thread, loaded from /api/v1/media.
    await page.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((i) => i.complete && i.naturalWidth === 2),
      tid('media-image'), { timeout: 10_000 });
    assert.equal(await page.locator(tid('attachment-pending')).isHidden(), true, 'the sent file is still shown as pending');
    await shot(page, 'attach-photo.png');
  });

  test('a hostile file name and caption stay text in the thread', T, async () => {
    await page.locator(tid('attach-input')).setInputFiles({ name: `${XSS_SCRIPT}.png`, mimeType: 'image/png', buffer: PNG });
    await page.locator(tid('attachment-name'), { hasText: `${XSS_SCRIPT}.png` }).waitFor();
    await page.locator(tid('reply-input')).fill(XSS_SCRIPT);
    await page.locator(tid('reply-send')).click();
    await page.locator(tid('message-text'), { hasText: XSS_SCRIPT }).waitFor();
    await page.locator(tid('media-name'), { hasText: `${XSS_SCRIPT}.png` }).waitFor();
    const sent = await waitSent(dan.id, (m) => m.method === 'sendPhoto' && m.text === XSS_SCRIPT, 'the hostile caption as text');
    // The fake reads the upload with Go's multipart, which keeps only what
    // follows the last "/" of a file name.
    assert.equal(sent.file, 'script>.png');
    const injected = await page.evaluate(() => ({
      scripts: document.querySelectorAll('#app script').length,
      imgs: document.querySelectorAll('#app img:not([data-testid="media-image"])').length,
    }));
    assert.deepEqual(injected, { scripts: 0, imgs: 0 });
    await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    assert.deepEqual(dialogs.slice(seenDialogs), [], 'a dialog opened');
  });

  test('a file dropped on the conversation, or an image pasted, is attached', T, async () => {
    const b64 = PNG.toString('base64');
    const dataTransfer = (name) => page.evaluateHandle(([data, n]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0))], n, { type: 'image/png' }));
      return dt;
    }, [b64, name]);
    await page.dispatchEvent(tid('conversation'), 'drop', { dataTransfer: await dataTransfer('dropped.png') });
    await page.locator(tid('attachment-name'), { hasText: 'dropped.png' }).waitFor();
    await page.locator(tid('attachment-remove')).click();
    assert.equal(await page.locator(tid('attachment-pending')).isHidden(), true);

    const dt = await dataTransfer('image.png');
    await page.evaluate(([sel, d]) => {
      document.querySelector(sel).dispatchEvent(new ClipboardEvent('paste', { clipboardData: d, bubbles: true, cancelable: true }));
    }, [tid('reply-input'), dt]);
    await page.locator(tid('attachment-name'), { hasText: 'pasted-image.png' }).waitFor();
    await page.locator(tid('reply-send')).click();
    const photo = await waitSent(dan.id, (m) => m.method === 'sendPhoto' && m.file === 'pasted-image.png', 'the pasted image');
    assert.deepEqual(Buffer.from(photo.file_base64, 'base64'), PNG);
  });

  test('a file the server refuses shows its reason', T, async () => {
    await page.locator(tid('attach-input')).setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: Buffer.from('<!DOCTYPE html><html><body>hi</body></html>') });
    await page.locator(tid('reply-send')).click();
    await page.locator(tid('attachment-error'), { hasText: 'cannot be sent' }).waitFor();
  });
});

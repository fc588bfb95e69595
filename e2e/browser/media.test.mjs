// Customers' files in the console: a Telegram photo is an image whose
// pixels come from /api/v1/media/… (never from Telegram, whose file URLs
// carry the bot token), a voice note a player that loads a real OGG, an
// MMS picture fetched with the Twilio account's credentials, a document a
// download link; hostile file names and captions stay text; an MMS with
// several pictures shows each of them. The harness runs with a fake Twilio
// (-twilio) for the MMS.

import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  useHarness, cfg, dialogs, pageErrors, T, XSS_SCRIPT, XSS_IMG,
  control, api, apiToken, customerWaiting, newPage, tid, login, queueItem, shot,
} from './support.mjs';

useHarness({ twilio: true });

// Real media files: the test data of go-telegram-bot-api, a module
// switchboard builds with (a JPEG photo and an OGG voice note).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tgbotapi = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', 'github.com/go-telegram-bot-api/telegram-bot-api/v5'],
  { cwd: repoRoot, env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` } }).toString().trim();
const JPEG = readFileSync(path.join(tgbotapi, 'tests', 'image.jpg')).toString('base64');
const OGG = readFileSync(path.join(tgbotapi, 'tests', 'voice.ogg')).toString('base64');
// A 1×1 PNG, a second picture unlike the JPEG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const cat = { id: 880001, first_name: 'Cat', last_name: 'Media', username: 'cat', language_code: 'en' };

async function sendMedia(body) {
  const r = await control('POST', '/customer/media', { user: cat, ...body });
  assert.equal(r.webhook_status, 200, `webhook answered ${r.webhook_status}: ${r.webhook_body}`);
}

describe('customer media in the console', () => {
  let page;
  let ticket;
  const seenDialogs = dialogs.length;

  before(async () => {
    ticket = await customerWaiting(cat, 'Here are my files');
    await sendMedia({ kind: 'photo', data: JPEG, caption: XSS_IMG });
    await sendMedia({ kind: 'voice', data: OGG, seconds: 2 });
    await sendMedia({ kind: 'document', data: Buffer.from('%PDF-1.4 fake').toString('base64'), file_name: `${XSS_SCRIPT}.pdf`, mime_type: 'application/pdf' });
    page = await newPage();
    await login(page, cfg.operator);
    await queueItem(page, ticket).click();
    await page.locator(tid('conversation')).waitFor();
  });

  test('a photo is a thumbnail loaded from /api/v1/media that opens full size', T, async () => {
    const img = page.locator(tid('media-image')).first();
    await img.waitFor();
    await page.waitForFunction((sel) => { const i = document.querySelector(sel); return i && i.complete && i.naturalWidth > 0; },
      tid('media-image'), { timeout: 10_000 });
    const src = await img.getAttribute('src');
    assert.match(src, /^\/api\/v1\/media\/\d+$/);
    const link = await img.locator('xpath=..').getAttribute('href');
    assert.equal(link, src, 'the thumbnail links to the full-size file');
    // No URL in the page leads to Telegram.
    const html = await page.content();
    assert.ok(!html.includes(cfg.telegram_url) && !html.includes('/file/bot'), 'the page names a Telegram file URL');
    await page.locator(tid('message-text'), { hasText: XSS_IMG }).waitFor();
    await shot(page, 'media-photo.png');
  });

  test('a photo sent while the conversation is open appears without a reload', T, async () => {
    await sendMedia({ kind: 'photo', data: JPEG, caption: 'one more' });
    await page.locator(tid('message-text'), { hasText: 'one more' }).waitFor();
    await page.waitForFunction((sel) => { const all = document.querySelectorAll(sel); return all.length === 2 && [...all].every((i) => i.complete && i.naturalWidth > 0); },
      tid('media-image'), { timeout: 10_000 });
  });

  test('a voice note is an audio player that loads the OGG', T, async () => {
    const audio = page.locator(tid('media-audio')).first();
    await audio.waitFor();
    await page.waitForFunction((sel) => { const a = document.querySelector(sel); return a && a.readyState >= 1 && a.duration > 0; },
      tid('media-audio'), { timeout: 10_000 });
    assert.match(await audio.getAttribute('src'), /^\/api\/v1\/media\/\d+$/);
  });

  test('a document is a download link whose hostile name stays text', T, async () => {
    const link = page.locator(tid('media-download'), { hasText: XSS_SCRIPT });
    await link.waitFor();
    assert.equal(await link.getAttribute('download'), `${XSS_SCRIPT}.pdf`);
    const injected = await page.evaluate(() => document.querySelectorAll('#app script, #app img:not([data-testid="media-image"])').length);
    assert.equal(injected, 0);
    // Served as an attachment, never inline.
    const token = await apiToken(cfg.operator);
    const href = await link.getAttribute('href');
    const res = await fetch(cfg.base_url + href, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition'), /^attachment/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const anonymous = await fetch(cfg.base_url + href);
    assert.equal(anonymous.status, 401);
  });

  test('an MMS picture shows', T, async () => {
    const from = '+14155550199';
    let r = await control('POST', '/customer/mms', { from, body: 'hello', content_type: 'text/plain', data: '' });
    r = await control('POST', '/customer/mms', { from, body: '0', content_type: 'image/jpeg', data: JPEG });
    assert.equal(r.webhook_status, 200, r.webhook_body);
    const token = await apiToken(cfg.operator);
    let conv;
    const deadline = Date.now() + 10_000;
    while (!conv && Date.now() < deadline) {
      const list = await api(token, 'GET', '/conversations?status=waiting');
      conv = list.body.conversations.find((c) => c.channel === 'sms');
      if (!conv) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(conv, 'the MMS customer never waited for a person');
    await queueItem(page, conv.ticket).click();
    await page.locator(tid('conversation-title'), { hasText: conv.ticket }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="media-image"]')]
      .some((i) => i.complete && i.naturalWidth > 0 && i.closest('[data-testid="conversation"]')), null, { timeout: 10_000 });
    await shot(page, 'media-mms.png');
  });

  test('an MMS with two pictures shows two images whose pixels load', T, async () => {
    // Runs after 'an MMS picture shows': that customer's conversation is open.
    const inConversation = '[data-testid="conversation"] [data-testid="media-image"]';
    const before = await page.locator(inConversation).count();
    const r = await control('POST', '/customer/mms', {
      from: '+14155550199', body: 'two pictures of the box',
      media: [{ content_type: 'image/jpeg', data: JPEG }, { content_type: 'image/png', data: PNG }],
    });
    assert.equal(r.webhook_status, 200, r.webhook_body);
    const text = page.locator(tid('message'), { has: page.locator(tid('message-text'), { hasText: 'two pictures of the box' }) });
    await text.waitFor();
    await page.waitForFunction(({ sel, want }) => {
      const all = [...document.querySelectorAll(sel)];
      return all.length === want && all.every((i) => { i.scrollIntoView(); return i.complete && i.naturalWidth > 0; });
    }, { sel: inConversation, want: before + 2 }, { timeout: 10_000 });
    assert.equal(await text.locator(tid('media-image')).count(), 1, 'the first picture is on the message with the text');
    const srcs = await page.locator(inConversation).evaluateAll((imgs) => imgs.slice(-2).map((i) => [i.getAttribute('src'), i.naturalWidth]));
    assert.equal(new Set(srcs.map(([src]) => src)).size, 2, `two distinct files: ${JSON.stringify(srcs)}`);
    for (const [src] of srcs) assert.match(src, /^\/api\/v1\/media\/\d+$/);
    // The JPEG and the 1×1 PNG: each image shows its own file.
    assert.deepEqual(srcs.map(([, w]) => w === 1), [false, true], `widths ${JSON.stringify(srcs)}`);
    await shot(page, 'media-mms-two.png');
  });

  test('no page threw an uncaught error and no dialog opened', T, () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(dialogs.slice(seenDialogs), []);
  });
});

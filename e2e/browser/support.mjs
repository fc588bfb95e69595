// Shared by the browser tests of the console: the harness (e2e/harness,
// built and started once per test file), headless Chromium, and the helpers
// that play the customer and drive the page. Each *.test.mjs file calls
// useHarness() (useHarness({ twilio: true }) adds a fake Twilio) at its
// top level, which starts both before its tests and
// stops them after; cfg and browser are then set. useHarness({ region: 'GB' })
// sets YAML default_region, for numbers typed without a country code.
//
// CHROMIUM overrides the browser's path, HARNESS_BIN uses a prebuilt
// harness instead of building one, E2E_VERBOSE=1 shows switchboard's log.
// Screenshots go to e2e/browser/screenshots/ (git-ignored).

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const shots = path.join(here, 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// The flags this workplace's Chromium needs (see the machine notes): no
// sandbox as root, no GPU, and none of the background connections that a
// closed network refuses. Playwright adds a fresh --user-data-dir itself.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
export const WAIT = 10_000; // the longest any one condition is waited for
export const T = { timeout: 60_000 }; // the longest any one test may take

export const XSS_SCRIPT = '<script>alert(1)</script>';
export const XSS_IMG = '<img src=x onerror=alert(1)>';

let harness; // { proc, cfg, buildDir }
/** The browser, once useHarness' before hook has run. */
export let browser;
/** The harness's GET /config answer, once useHarness' before hook has run. */
export let cfg;
/** Every alert/confirm/prompt any page opened. */
export const dialogs = [];
/** Uncaught exceptions in any page. */
export const pageErrors = [];

// --- the harness --------------------------------------------------------

function goEnv() {
  const PATH = [process.env.PATH, '/usr/local/go/bin'].filter(Boolean).join(path.delimiter);
  return { ...process.env, PATH };
}

async function startHarness(options = {}) {
  let bin = process.env.HARNESS_BIN;
  let buildDir = null;
  if (!bin) {
    buildDir = mkdtempSync(path.join(tmpdir(), 'switchboard-e2e-bin-'));
    bin = path.join(buildDir, 'harness');
    execFileSync('go', ['build', '-o', bin, './e2e/harness'], {
      cwd: repoRoot, env: goEnv(), stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000,
    });
  }
  const args = process.env.E2E_VERBOSE ? ['-v'] : [];
  if (options.twilio) args.push('-twilio');
  if (options.region) args.push(`-default-region=${options.region}`);
  // stdin stays an open pipe: the harness stops when it closes, so it cannot
  // outlive this process.
  const proc = spawn(bin, args, { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    const timer = setTimeout(() => reject(new Error('the harness printed nothing within 60s')), 60_000);
    rl.once('line', (l) => { clearTimeout(timer); resolve(l); });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the harness exited with ${code} before it was ready`)); });
  });
  proc.stdout.resume();
  return { proc, cfg: JSON.parse(line), buildDir };
}

async function stopHarness(h) {
  if (!h) return;
  const exited = new Promise((resolve) => {
    if (h.proc.exitCode !== null) resolve();
    else h.proc.once('exit', resolve);
  });
  h.proc.stdin.end();
  h.proc.kill('SIGTERM');
  const timer = setTimeout(() => h.proc.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  if (h.buildDir) rmSync(h.buildDir, { recursive: true, force: true });
}

export async function control(method, p, body) {
  const res = await fetch(cfg.control_url + p, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(40_000),
  });
  const data = await res.json();
  assert.equal(res.status, 200, `${method} ${p}: ${JSON.stringify(data)}`);
  return data;
}

/**
 * Calls switchboard's operator API with a bearer token (none when empty);
 * answers { status, body } with the body parsed as JSON (null when empty).
 */
export async function api(token, method, p, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(cfg.base_url + '/api/v1' + p, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(WAIT),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Logs account in through the API and returns the bearer token. */
export async function apiToken(account) {
  const r = await api('', 'POST', '/auth/login', { email: account.email, password: account.password });
  assert.equal(r.status, 200, `login as ${account.email}: ${JSON.stringify(r.body)}`);
  return r.body.token;
}

/** The customer sends text; the webhook must take it (200). */
export async function say(user, text) {
  const r = await control('POST', '/customer/text', { user, text });
  assert.equal(r.webhook_status, 200, `webhook answered ${r.webhook_status}: ${r.webhook_body}`);
}

/** The customer sends a bot command such as start. */
export async function command(user, cmd, payload = '') {
  const r = await control('POST', '/customer/command', { user, command: cmd, payload });
  assert.equal(r.webhook_status, 200, `webhook answered ${r.webhook_status}: ${r.webhook_body}`);
}

/** What the fake Telegram accepted for chatId, waiting until there are at least min. */
export function sent(chatId, min = 0) {
  return control('GET', `/sent?chat_id=${chatId}&min=${min}&timeout=${WAIT / 1000}s`);
}

/** Waits until some message to chatId satisfies pred, and returns it. */
export async function waitSent(chatId, pred, what) {
  const deadline = Date.now() + WAIT;
  let msgs = await sent(chatId);
  for (;;) {
    const m = msgs.find(pred);
    if (m) return m;
    if (Date.now() > deadline) {
      assert.fail(`the fake Telegram never received ${what} in chat ${chatId}; it has:\n${msgs.map((x) => `  ${JSON.stringify(x.text)}`).join('\n')}`);
    }
    // Blocks in the harness until one more message arrives (or the timeout).
    msgs = await control('GET', `/sent?chat_id=${chatId}&min=${msgs.length + 1}&timeout=2s`);
  }
}

/** A new customer: /start, then text, which hands them over to a person. Returns the ticket. */
export async function customerWaiting(user, text) {
  await command(user, 'start');
  const [greeting] = await sent(user.id, 1);
  const ticket = /SB-\d+/.exec(greeting.text)?.[0];
  assert.ok(ticket, `greeting without a ticket: ${greeting.text}`);
  await say(user, text);
  return ticket;
}

// --- the browser ----------------------------------------------------------

export async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  return page;
}

export const tid = (id) => `[data-testid="${id}"]`;

export async function login(page, account) {
  await page.goto(cfg.base_url + '/');
  await page.locator(tid('login-email')).fill(account.email);
  await page.locator(tid('login-password')).fill(account.password);
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('conversation-list')).waitFor();
  // The live stream must be up before the customer writes, or the test
  // would pass by the initial load rather than by a live update.
  await page.locator(`${tid('connection')}.connection-live`).waitFor();
}

export function queueItem(page, ticket) {
  return page.locator(`${tid('queue-item')}[data-ticket="${ticket}"]`);
}

export async function shot(page, name) {
  const file = path.join(shots, name);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Asserts that nothing a customer or operator typed became an element in
 * page, and that no dialog opened since dialogs held seen entries.
 */
export async function assertNothingRan(page, seen) {
  const injected = await page.evaluate(() => ({
    imgs: document.querySelectorAll('#app img, #app script').length,
    scriptsInBody: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
  }));
  assert.deepEqual(injected, { imgs: 0, scriptsInBody: 0 });
  // A dialog would have fired while the text rendered; give none a chance to
  // hide behind a pending task by round-tripping through the page once more.
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  assert.deepEqual(dialogs.slice(seen), [], 'a dialog opened');
}

/** Text of every element matching selector in page. */
export function texts(page, selector) {
  return page.locator(selector).allTextContents();
}

// --- setup ----------------------------------------------------------------

/** Starts the harness and the browser before the file's tests, and stops them after. */
export function useHarness(options = {}) {
  before(async () => {
    mkdirSync(shots, { recursive: true });
    harness = await startHarness(options);
    cfg = harness.cfg;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  }, { timeout: 420_000 });

  after(async () => {
    await browser?.close().catch(() => {});
    await stopHarness(harness);
  }, { timeout: 60_000 });
}

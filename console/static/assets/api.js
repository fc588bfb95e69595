// api.js — the console's only door to the server (docs/console-api.md).
//
// Where the spec is silent, the console assumes:
//  1. Session: the sb_session cookie (HttpOnly) set by POST /auth/login.
//     Every POST/PATCH/DELETE sends X-CSRF-Token read from the sb_csrf
//     cookie, or, if that cookie cannot be read, the csrf_token from the
//     login answer kept in memory. If the server sets no session cookie at
//     all (a server before cookie sessions), the token from the login answer
//     is kept in memory only (never in storage) and sent as a Bearer header;
//     live updates are then unavailable, since EventSource cannot send
//     headers, and a reload asks to log in again.
//  2. On start, GET /me decides whether the page shows the login form.
//     Any 401 (other than from the login call) returns to the login form.
//  3. A 429 from login is shown with the server's own words (it says how
//     long the lockout lasts); Retry-After is added when the words are empty.
//  4. Lists come wrapped in an object named for their content, as
//     GET /conversations does ({"conversations": [...]}); for /operators,
//     /canned and /customers/{id}/history the console takes the first array
//     it finds ("operators", "canned", "canned_responses", "conversations",
//     "items") or a bare array.
//     Lists page (GET …?limit=&cursor=): the answer's "next_cursor" asks
//     for the next page, "" (or absent, from an older server) after the
//     last. The queue loads page by page as the operator scrolls; the other
//     lists the console holds whole walk every page (allPages).
//  5. Event frames (GET /events) carry the whole event as JSON
//     {"id","type","conversation_id","at","data"} — as api/events.go writes
//     them — and the payload is .data. A frame that is only the payload is
//     also understood. A gap in event ids, or a reconnect, makes the console
//     reload its lists (the broker drops events for slow listeners).
//  6. "unread" missing from a conversation counts as 0; between reloads the
//     console counts customer messages that arrive for conversations not on
//     screen. Read marks (POST …/read) are best effort: failures are ignored.
//  7. POST /me/presence and PATCH /operators/{id} answer the operator JSON;
//     204 is accepted too. Reactivating is PATCH {"active": true}.
//  8. Transfer to a queue offers the queue names seen on conversations;
//     the operator may type another. "" is the default queue.
//  9. Delivery states are shown as the server names them (pending, sent,
//     delivered, failed); delivery_error is shown with failed ones.
// 10. A message with kind "note" (direction "internal") is a private note.
//     Kinds photo, document, voice, video, audio, sticker, contact and
//     location are media, shown as "[kind]" with their file name or id.
// 11. Callbacks in REST answers carry "customer"; callback.changed events
//     do not, so the console keeps the customers it has seen by id and
//     asks GET /callbacks?customer_id=N&limit=1 for one it has not.
// 12. conversation.changed events carry no survey fields (survey_due_at,
//     survey_skipped, survey): the console asks GET /conversations/{id}
//     again for the resolved conversation on screen.
// 13. followup.changed events reach every operator and carry owner_id but
//     no owner: the console keeps the open follow-ups the caller would be
//     listed (a supervisor every one, an operator their own) and names the
//     owner from its operators.
// 14. An operator's file goes as multipart (POST …/attachments, parts
//     "file" and "caption"); the server decides photo or document from the
//     bytes, and its 400/413 words are shown to the operator as they are.

/** An error answer from the API: status and the server's message. */
export class ApiError extends Error {
  constructor(status, message, retryAfter = '') {
    super(message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

const BASE = '/api/v1';
const memory = { bearer: '', csrf: '' };
const listeners = new Set();

/** Calls fn() whenever the session turns out to be gone (a 401). */
export function onUnauthorized(fn) {
  listeners.add(fn);
}

function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return '';
}

/** Whether live updates can authenticate (they need the cookie session). */
export function cookieSession() {
  return memory.bearer === '';
}

async function request(method, path, body, { auth = true } = {}) {
  const headers = { Accept: 'application/json' };
  const form = typeof FormData !== 'undefined' && body instanceof FormData;
  // A FormData body sets its own multipart Content-Type, boundary included.
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie('sb_csrf') || memory.csrf;
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  if (memory.bearer) headers.Authorization = `Bearer ${memory.bearer}`;
  let res;
  try {
    res = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined || form ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError(0, `cannot reach the server (${err.message})`);
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    let message = data && typeof data.error === 'string' ? data.error : `${res.status} ${res.statusText}`.trim();
    const retryAfter = res.headers.get('Retry-After') || '';
    if (res.status === 429 && !message) message = `too many attempts; try again in ${retryAfter} seconds`;
    const err = new ApiError(res.status, message, retryAfter);
    if (res.status === 401 && auth) {
      memory.bearer = '';
      memory.csrf = '';
      for (const fn of listeners) fn(err);
    }
    throw err;
  }
  return data;
}

/** The first array in an answer (see assumption 4). */
export function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== 'object') return [];
  for (const k of [...keys, 'items']) if (Array.isArray(data[k])) return data[k];
  for (const v of Object.values(data)) if (Array.isArray(v)) return v;
  return [];
}

const id = (n) => encodeURIComponent(String(n));

/** A page of a list: its rows and the cursor of the next page ('' after the last). */
function pageOf(data, ...keys) {
  const next = data && typeof data.next_cursor === 'string' ? data.next_cursor : '';
  return { items: listOf(data, ...keys), next };
}

/** GET path?params as a page of the list under keys. */
async function getPage(path, params, ...keys) {
  const p = { ...(params || {}) };
  if (!p.cursor) delete p.cursor;
  const q = new URLSearchParams(p).toString();
  return pageOf(await request('GET', `${path}${q ? `?${q}` : ''}`), ...keys);
}

/**
 * Every row of a paged list: fetch(cursor) is one page ({items, next});
 * pages are asked for one after another until the last.
 */
export async function allPages(fetch) {
  const out = [];
  let cursor = '';
  do {
    const page = await fetch(cursor);
    out.push(...page.items);
    if (page.next === cursor) break; // a server that does not page
    cursor = page.next;
  } while (cursor);
  return out;
}

export async function login(email, password) {
  const data = await request('POST', '/auth/login', { email, password }, { auth: false });
  memory.csrf = (data && data.csrf_token) || '';
  // Assumption 1: no readable CSRF cookie and no csrf_token means a server
  // without cookie sessions; fall back to the bearer token, in memory only.
  memory.bearer = !readCookie('sb_csrf') && !memory.csrf && data && data.token ? data.token : '';
  return data.operator;
}

export async function logout() {
  try {
    await request('POST', '/auth/logout', undefined, { auth: false });
  } finally {
    memory.bearer = '';
    memory.csrf = '';
  }
}

export const me = () => request('GET', '/me');
export const setPresence = (presence) => request('POST', '/me/presence', { presence });
export const changePassword = (current_password, new_password) =>
  request('POST', '/me/password', { current_password, new_password });

/** One page of GET /conversations: { items, next }. */
export const conversationsPage = (params) => getPage('/conversations', params, 'conversations');
export const conversation = (cid) => request('GET', `/conversations/${id(cid)}`);
export const claim = (cid) => request('POST', `/conversations/${id(cid)}/claim`);
export const resolve = (cid) => request('POST', `/conversations/${id(cid)}/resolve`);
export const reply = (cid, text) => request('POST', `/conversations/${id(cid)}/messages`, { text });
/** Sends file (a File or Blob with a name) to the customer, with an optional caption. */
export function attach(cid, file, caption) {
  const form = new FormData();
  form.append('file', file, file.name || 'file');
  if (caption) form.append('caption', caption);
  return request('POST', `/conversations/${id(cid)}/attachments`, form);
}
export const note = (cid, text) => request('POST', `/conversations/${id(cid)}/notes`, { text });
export const markRead = (cid, messageId) =>
  request('POST', `/conversations/${id(cid)}/read`, { message_id: messageId });
export const transfer = (cid, target) => request('POST', `/conversations/${id(cid)}/transfer`, target);

/** A customer's every conversation, oldest first, all pages of it. */
export const history = (customerId) => allPages((cursor) =>
  getPage(`/customers/${id(customerId)}/history`, { limit: '500', cursor }, 'conversations'));
export const updateCustomer = (customerId, patch) => request('PATCH', `/customers/${id(customerId)}`, patch);
/** GET /customers/{id}: the customer's profile (fields, identities, latest conversations, callbacks, survey answers, notes). */
export const customer = (customerId) => request('GET', `/customers/${id(customerId)}`);
/** POST /customers/{id}/merge: customer from becomes customerId's; answers the merged profile (supervisors). */
export const mergeCustomer = (customerId, from) => request('POST', `/customers/${id(customerId)}/merge`, { from });
/** POST /customers/{id}/erase: answers the erased profile (supervisors). */
export const eraseCustomer = (customerId) => request('POST', `/customers/${id(customerId)}/erase`, { confirm: 'ERASE' });

export async function operators() {
  return listOf(await request('GET', '/operators'), 'operators');
}
export const addOperator = (op) => request('POST', '/operators', op);
export const updateOperator = (oid, patch) => request('PATCH', `/operators/${id(oid)}`, patch);
export const resetPassword = (oid, password) => request('POST', `/operators/${id(oid)}/password`, { password });

export async function canned() {
  return listOf(await request('GET', '/canned'), 'canned', 'canned_responses');
}
export const addCanned = (c) => request('POST', '/canned', c);
export const updateCanned = (cid, patch) => request('PATCH', `/canned/${id(cid)}`, patch);
export const deleteCanned = (cid) => request('DELETE', `/canned/${id(cid)}`);

/** The first page of GET /callbacks (params.limit rows at most). */
export async function callbacks(params) {
  return (await callbacksPage(params)).items;
}
/** One page of GET /callbacks: { items, next }. */
export const callbacksPage = (params) => getPage('/callbacks', params, 'callbacks');
export const bookCallback = (booking) => request('POST', '/callbacks', booking);
export const updateCallback = (cbid, patch) => request('PATCH', `/callbacks/${id(cbid)}`, patch);
export const cancelCallback = (cbid) => request('POST', `/callbacks/${id(cbid)}/cancel`);
export const dialCallback = (cbid) => request('POST', `/callbacks/${id(cbid)}/dial`);

/** PATCH /messages/{id}: label is thanks, complaint, question or '' for none. */
export const relabel = (mid, label) => request('PATCH', `/messages/${id(mid)}`, { label });

/** The first page of GET /followups (params.limit rows at most). */
export async function followUps(params) {
  return (await followUpsPage(params)).items;
}
/** One page of GET /followups: { items, next }. */
export const followUpsPage = (params) => getPage('/followups', params, 'followups');
export const closeFollowUp = (fid, decision) => request('POST', `/followups/${id(fid)}/close`, { decision });

export const menu = (lang) => request('GET', `/menu?lang=${encodeURIComponent(lang)}`);

/** One page of GET /audit (supervisors) for params { action, actor_id, limit, cursor }: { items, next }. */
export const auditPage = (params) => getPage('/audit', params, 'entries');

/** GET /live: the supervisor's view of the desk now (docs/console-api.md). */
export const live = () => request('GET', '/live');

/** GET /reports/feedback for params { from, to, tz } (docs/reports.md). */
export const feedbackReport = (params) => request('GET', `/reports/feedback?${new URLSearchParams(params)}`);
/** The same report's CSV download, as a URL for a link (the session cookie authenticates it). */
export const feedbackReportCSV = (params) => `${BASE}/reports/feedback?${new URLSearchParams({ ...params, format: 'csv' })}`;
/** The promises report (docs/reports.md, "The promises report"). */
export const promisesReport = (params) => request('GET', `/reports/promises?${new URLSearchParams(params)}`);
/** The promises report's CSV download, as a URL for a link. */
export const promisesReportCSV = (params) => `${BASE}/reports/promises?${new URLSearchParams({ ...params, format: 'csv' })}`;

/** The event stream's URL (EventSource sends the session cookie). */
export const eventsURL = `${BASE}/events`;

/** One page of GET /search: {results, next_cursor}. */
export const search = (q, cursor = '') =>
  request('GET', `/search?${new URLSearchParams(cursor ? { q, cursor } : { q })}`);

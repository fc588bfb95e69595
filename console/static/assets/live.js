// live.js — the event stream (GET /api/v1/events) turned into store
// changes. EventSource reconnects by itself and sends Last-Event-ID, so the
// server (any process of it) first replays what was missed; a stream this
// file reopens itself asks with ?last_event_id=. The console reloads its
// lists only when the server says "reload" (what was missed is no longer
// kept), on a gap in event ids, or after a reconnect before any event.

import * as api from './api.js';
import { store, emit } from './store.js';

const TYPES = [
  'message.created', 'message.labelled', 'conversation.changed', 'message.delivery', 'operator.changed',
  'callback.changed', 'followup.changed', 'operator.disconnected',
];

let source = null;
let lastId = 0;
let retryTimer = 0;
let handlers = {};

/**
 * Starts listening. handlers: { 'message.created': fn(data, event), ...,
 * resync: fn() } — resync is called when events may have been missed.
 */
export function connect(h) {
  handlers = h;
  open();
}

export function disconnect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  setConnection('off');
}

function setConnection(state) {
  if (store.connection === state) return;
  store.connection = state;
  emit('connection', state);
}

function open() {
  if (source) source.close();
  if (!api.cookieSession()) {
    // Assumption 1 in api.js: without the cookie there is no stream.
    setConnection('off');
    return;
  }
  setConnection('connecting');
  let hadError = false;
  const sep = api.eventsURL.includes('?') ? '&' : '?';
  source = new EventSource(lastId ? `${api.eventsURL}${sep}last_event_id=${lastId}` : api.eventsURL);
  source.onopen = () => {
    setConnection('live');
    // With an id the server replays what was missed; without one it
    // cannot know, so the lists are reloaded.
    if (hadError && !lastId) resync();
    hadError = false;
  };
  source.onerror = () => {
    hadError = true;
    if (source.readyState === EventSource.CLOSED) {
      // The server refused the stream (401, 404, …): find out why, then retry.
      setConnection('off');
      const stream = source;
      api.me().then(
        () => { if (source === stream) retryTimer = setTimeout(open, 3000); },
        // A 401 returns to the login form (api.onUnauthorized); other
        // failures retry later.
        () => { if (source === stream && store.me) retryTimer = setTimeout(open, 10000); },
      );
    } else {
      setConnection('connecting');
      // The stream also ends when the session does (deactivated, logged
      // out elsewhere): ask at once rather than after the retry delay.
      api.me().catch(() => {});
    }
  };
  for (const type of TYPES) {
    source.addEventListener(type, (e) => dispatch(type, e));
  }
  source.addEventListener('reload', () => resync());
}

function dispatch(type, e) {
  let frame;
  try {
    frame = JSON.parse(e.data);
  } catch {
    return;
  }
  const id = Number(frame && frame.id) || Number(e.lastEventId) || 0;
  if (id && lastId && id > lastId + 1) resync();
  if (id) lastId = id;
  // Assumption 5 in api.js: the payload is .data of the whole event.
  const isEnvelope = frame && typeof frame === 'object' && frame.type === type && 'data' in frame;
  const data = isEnvelope ? frame.data : frame;
  const fn = handlers[type];
  if (fn && data) fn(data, isEnvelope ? frame : { type, data });
}

let resyncTimer = 0;
function resync() {
  clearTimeout(resyncTimer);
  resyncTimer = setTimeout(() => { if (handlers.resync) handlers.resync(); }, 200);
}

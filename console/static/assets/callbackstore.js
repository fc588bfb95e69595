// callbackstore.js — the callbacks the console knows (store.callbacks),
// loaded from GET /callbacks, kept current by callback.changed events, and
// sorted into the groups the callbacks view shows.

import * as api from './api.js';
import { store, on, emit } from './store.js';

/** The longest notes on a callback, in characters (dialog.MaxCallbackNotesLength). */
export const MAX_CALLBACK_NOTES = 2000;
/** How many completed and cancelled callbacks are loaded and kept. */
const DONE_KEPT = 30;
/** Customers being fetched, so one is asked for once. */
const fetching = new Set();

/** The error of the last load, '' when it went well. */
export let loadError = '';

// Upcoming callbacks fall due by the clock, not by an event: tell the
// views when the next one does.
let dueTimer = 0;
on('callbacks', () => {
  clearTimeout(dueTimer);
  const now = Date.now();
  const next = nextDueAt(now);
  if (next) dueTimer = setTimeout(() => emit('callbacks'), Math.min(next - now + 50, 3_600_000));
});

/**
 * Loads every scheduled and dialing callback (all pages) and the latest
 * failed and finished ones into the store, replacing what it held when all
 * loads work.
 */
export async function loadCallbacks() {
  // Every page of those still to be made; the latest of the others.
  const every = (status) => api.allPages((cursor) => api.callbacksPage({ status, limit: '500', cursor }));
  const results = await Promise.allSettled([every('scheduled'), every('dialing'),
    api.callbacks({ status: 'failed', limit: '200' }),
    api.callbacks({ status: 'completed', limit: String(DONE_KEPT) }),
    api.callbacks({ status: 'cancelled', limit: String(DONE_KEPT) })]);
  const failed = results.find((r) => r.status === 'rejected');
  if (!failed) store.callbacks.clear();
  for (const r of results) {
    if (r.status === 'fulfilled') for (const cb of r.value) mergeCallback(cb);
  }
  loadError = failed ? `Could not load the callbacks: ${failed.reason.message}` : '';
  pruneDone();
  emit('callbacks');
}

/**
 * Merges callback JSON (a REST answer or an event's data) into the store
 * and returns the merged callback. An older state than the one held (by
 * updated_at) is ignored: a POST's answer may arrive after a later event.
 */
export function mergeCallback(cb) {
  if (cb.customer) store.customers.set(cb.customer.id, cb.customer);
  const prev = store.callbacks.get(cb.id);
  if (prev && Date.parse(cb.updated_at) < Date.parse(prev.updated_at)) return prev;
  const merged = { ...(prev || {}), ...cb };
  store.callbacks.set(cb.id, merged);
  return merged;
}

/** A callback.changed event. */
export function onCallbackChanged(data) {
  if (!data || data.id == null) return;
  const cb = mergeCallback(data);
  pruneDone();
  emit('callbacks');
  if (!store.customers.has(cb.customer_id)) fetchCustomer(cb.customer_id);
}

/** The customer of a callback, or null while unknown. */
export function callbackCustomer(cb) {
  return cb.customer || store.customers.get(cb.customer_id) || null;
}

/**
 * Loads customerId's callbacks still to be made again: after their time
 * zone changed, these carry the new one (finished ones keep theirs).
 */
export async function reloadCustomerCallbacks(customerId) {
  const asks = ['scheduled', 'dialing'].map((status) => api.allPages((cursor) =>
    api.callbacksPage({ customer_id: String(customerId), status, limit: '500', cursor })));
  for (const r of await Promise.allSettled(asks)) {
    if (r.status === 'fulfilled') for (const cb of r.value) mergeCallback(cb);
  }
  emit('callbacks');
}

/**
 * The zone the server reads from customer's number, taken from a callback
 * to that number still to be made; '' when none is known. It means
 * something only while no zone is set for the customer.
 */
export function numberZone(customer) {
  if (!customer || !customer.phone) return '';
  for (const cb of store.callbacks.values()) {
    if (cb.customer_id === customer.id && cb.phone === customer.phone && isActive(cb) && cb.time_zone) return cb.time_zone;
  }
  return '';
}

/** Asks the server for a customer that events named but did not describe. */
async function fetchCustomer(customerId) {
  if (fetching.has(customerId)) return;
  fetching.add(customerId);
  try {
    const [cb] = await api.callbacks({ customer_id: String(customerId), limit: '1' });
    if (cb && cb.customer) {
      store.customers.set(customerId, cb.customer);
      emit('callbacks');
    }
  } catch {
    // The row says "Customer #id" until the next load.
  } finally {
    fetching.delete(customerId);
  }
}

/** Keeps only the latest DONE_KEPT finished callbacks. */
function pruneDone() {
  const done = [...store.callbacks.values()].filter(isDone).sort(newestFirst);
  for (const cb of done.slice(DONE_KEPT)) store.callbacks.delete(cb.id);
}

const isActive = (cb) => cb.status === 'scheduled' || cb.status === 'dialing';
const isDone = (cb) => cb.status === 'completed' || cb.status === 'cancelled';
const time = (iso) => Date.parse(iso || '') || 0;
const newestFirst = (a, b) => time(b.updated_at) - time(a.updated_at) || b.id - a.id;

/**
 * The order in which the dialer takes due callbacks (storage's
 * claimOrder): those an operator asked to dial now, by when they asked;
 * then "as soon as possible" ones by when they were asked for; then booked
 * ones by time. Calls in progress come first.
 */
function dialOrder(a, b) {
  return (b.status === 'dialing') - (a.status === 'dialing')
    || (b.dial_now === true) - (a.dial_now === true)
    || (a.dial_now ? time(a.next_attempt_at) - time(b.next_attempt_at) : 0)
    || (b.asap === true) - (a.asap === true)
    || time(a.asap ? a.requested_at : a.due_at) - time(b.asap ? b.requested_at : b.due_at)
    || a.id - b.id;
}

/** Whether a scheduled callback may be dialled at now (ms). */
export const isDue = (cb, now = Date.now()) => cb.status === 'dialing'
  || (cb.status === 'scheduled' && time(cb.next_attempt_at) <= now);

/**
 * The callbacks in the view's groups at now (ms): due (dialing, and
 * scheduled ones whose next attempt has come, in dialling order),
 * upcoming (scheduled later, soonest first), failed and done (finished,
 * newest first).
 */
export function callbackGroups(now = Date.now()) {
  const g = { due: [], upcoming: [], failed: [], done: [] };
  for (const cb of store.callbacks.values()) {
    if (isDue(cb, now)) g.due.push(cb);
    else if (cb.status === 'scheduled') g.upcoming.push(cb);
    else if (cb.status === 'failed') g.failed.push(cb);
    else if (isDone(cb)) g.done.push(cb);
  }
  g.due.sort(dialOrder);
  g.upcoming.sort((a, b) => time(a.next_attempt_at) - time(b.next_attempt_at) || dialOrder(a, b));
  g.failed.sort(newestFirst);
  g.done.sort(newestFirst);
  return g;
}

/** When the next upcoming callback falls due (ms), or 0 when none will. */
function nextDueAt(now = Date.now()) {
  let next = 0;
  for (const cb of store.callbacks.values()) {
    const t = time(cb.next_attempt_at);
    if (cb.status === 'scheduled' && t > now && (!next || t < next)) next = t;
  }
  return next;
}

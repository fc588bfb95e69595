// callbacks.js — the callbacks view (#/callbacks): due now, upcoming,
// failed and done, each row with its customer, ticket, times, attempts,
// outcome and notes, and the actions dial now, cancel and edit notes. It
// re-renders from the store on every callback.changed, keeping a notes
// editor that is open as it is.

import * as api from './api.js';
import { store, on, emit, operatorName, customerName } from './store.js';
import { el, fill, confirmDialog, toast, cssToken, waitedSince } from './ui.js';
import { callbackGroups, callbackCustomer, mergeCallback, isDue, loadError, MAX_CALLBACK_NOTES } from './callbackstore.js';
import { whenNode } from './callbacktime.js';

const GROUPS = [
  ['due', 'Due now', 'Nothing is due.'],
  ['upcoming', 'Upcoming', 'Nothing booked for later.'],
  ['failed', 'Failed', 'No failed callbacks.'],
];

/** The view on screen: its nodes and one entry per row shown. */
let view = null;
/** Why the last action on a callback failed, by id, until the next try. */
const errors = new Map();
let subscribed = false;

/** Shows the callbacks view in pane. */
export function showCallbacks(pane) {
  const lists = {};
  const counts = {};
  const sections = GROUPS.map(([key, title, empty]) => {
    lists[key] = el('ol', { class: 'cb-list', 'data-testid': `callbacks-${key}-list` });
    counts[key] = el('span', { class: 'count', 'data-testid': `callbacks-${key}-count` });
    return el('section', { class: 'cb-group', 'data-testid': `callbacks-${key}` },
      el('h3', {}, title, ' ', counts[key]),
      el('p', { class: 'muted cb-empty', 'data-testid': `callbacks-${key}-empty` }, empty),
      lists[key]);
  });
  lists.done = el('ol', { class: 'cb-list', 'data-testid': 'callbacks-done-list' });
  counts.done = el('span', { class: 'count', 'data-testid': 'callbacks-done-count' });
  const done = el('details', { class: 'cb-group cb-done', 'data-testid': 'callbacks-done' },
    el('summary', {}, 'Done (completed or cancelled) ', counts.done), lists.done);
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'callbacks-error', hidden: true });
  fill(pane, el('section', { class: 'callbacks', 'data-testid': 'callbacks' },
    el('header', { class: 'admin-head' },
      el('a', { href: '#/queue', class: 'back-link', 'data-testid': 'back' }, '‹ Queue'),
      el('h2', {}, 'Callbacks')),
    el('div', { class: 'admin-body' }, error, sections, done)));
  view = { lists, counts, error, rows: new Map() };
  if (!subscribed) {
    subscribed = true;
    on('callbacks', render);
    on('operators', () => {
      // Names of operators are in rows that did not change otherwise.
      if (view) for (const row of view.rows.values()) row.cb = null;
      render();
    });
  }
  render();
}

/** Forgets the view (another page replaces it). */
export function leaveCallbacks() {
  view = null;
}

function render() {
  if (!view || !view.error.isConnected) { view = null; return; }
  fill(view.error, loadError);
  view.error.hidden = !loadError;
  const groups = callbackGroups();
  const seen = new Set();
  for (const key of [...GROUPS.map(([k]) => k), 'done']) {
    const nodes = groups[key].map((cb) => { seen.add(cb.id); return rowFor(cb).node; });
    const list = view.lists[key];
    // Moving a node would blur a notes editor in it: only reorder on change.
    const current = [...list.children];
    if (current.length !== nodes.length || current.some((n, i) => n !== nodes[i])) list.replaceChildren(...nodes);
    fill(view.counts[key], String(nodes.length));
    const empty = list.parentElement.querySelector('.cb-empty');
    if (empty) empty.hidden = nodes.length > 0;
  }
  for (const id of [...view.rows.keys()]) if (!seen.has(id)) view.rows.delete(id);
}

/** The row of cb, made or brought up to date. */
function rowFor(cb) {
  let row = view.rows.get(cb.id);
  if (!row) {
    const info = el('div', { class: 'cb-info' });
    const notes = el('div', { class: 'cb-notes' });
    const actions = el('div', { class: 'row-actions cb-actions' });
    const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'callback-error', hidden: true });
    const node = el('li', { class: 'cb-row', 'data-testid': 'callback-row', 'data-callback-id': String(cb.id) }, info, notes, error, actions);
    row = { node, info, notes, actions, error, cb: null, editor: null, customer: undefined, errorText: undefined, due: undefined };
    view.rows.set(cb.id, row);
  }
  // A failed action's reason holds until the callback moves on.
  if (row.cb && row.cb.status !== cb.status) errors.delete(cb.id);
  const customer = callbackCustomer(cb);
  const errorText = errors.get(cb.id) || '';
  const due = isDue(cb);
  if (row.cb !== cb || row.customer !== customer || row.errorText !== errorText || row.due !== due) {
    row.cb = cb;
    row.customer = customer;
    row.errorText = errorText;
    row.due = due;
    row.node.setAttribute('data-status', cb.status);
    renderInfo(row, cb, customer, due);
    if (!row.editor) renderNotes(row, cb);
    renderActions(row, cb);
    fill(row.error, errorText);
    row.error.hidden = !errorText;
  }
  return row;
}

/** The name of cb's customer, as the queue names them. */
function nameOf(cb) {
  return customerName({ customer: callbackCustomer(cb), customer_id: cb.customer_id });
}

function renderInfo(row, cb, customer, due) {
  fill(row.info,
    el('div', { class: 'cb-top' },
      el('span', { class: 'cb-name', 'data-testid': 'callback-customer' }, nameOf(cb)),
      el('span', { class: 'mono cb-phone', 'data-testid': 'callback-phone' }, cb.phone),
      cb.conversation_id != null
        ? el('a', { href: `#/c/${Number(cb.conversation_id)}`, class: 'ticket', 'data-testid': 'callback-ticket' }, cb.ticket || `#${cb.conversation_id}`)
        : el('span', { class: 'muted cb-no-ticket' }, 'no ticket'),
      el('span', { class: 'spacer' }),
      cb.asap ? el('span', { class: 'cb-badge cb-asap', 'data-testid': 'callback-asap', title: 'As soon as possible: keeps the customer\'s place' }, 'ASAP') : null,
      cb.dial_now && cb.status === 'scheduled' ? el('span', { class: 'cb-badge cb-dial-now', 'data-testid': 'callback-dial-now' }, 'dial now') : null,
      el('span', { class: `cb-badge cb-state cb-state-${cssToken(cb.status)}`, 'data-testid': 'callback-status' }, cb.status)),
    el('div', { class: 'cb-meta' },
      whenNode(cb),
      due && cb.status === 'scheduled' ? el('span', { class: 'muted' }, 'due for ', waitedSince(cb.next_attempt_at, 'callback-due-for')) : null,
      el('span', { 'data-testid': 'callback-attempts', title: 'dials made / most dials' }, `attempts ${cb.attempts}/${cb.max_attempts}`),
      cb.call_status && cb.status === 'dialing' ? el('span', { 'data-testid': 'callback-call-status' }, `call ${cb.call_status}`) : null,
      cb.outcome ? el('span', { 'data-testid': 'callback-outcome' }, `last call: ${cb.outcome}`) : null,
      cb.operator_id != null ? el('span', { 'data-testid': 'callback-operator' }, `operator: ${operatorName(cb.operator_id)}`) : null,
      customer && customer.phone && customer.phone !== cb.phone ? el('span', { class: 'muted' }, `customer's number ${customer.phone}`) : null),
    cb.last_error ? el('div', { class: 'cb-last-error', 'data-testid': 'callback-last-error' }, `Last error: ${cb.last_error}`) : null);
}

function renderNotes(row, cb) {
  fill(row.notes,
    cb.notes
      ? el('div', { class: 'cb-notes-text', 'data-testid': 'callback-notes' }, cb.notes)
      : el('div', { class: 'cb-notes-text muted', 'data-testid': 'callback-notes' }, 'No notes.'),
    el('button', { type: 'button', class: 'link-button cb-edit-notes', 'data-testid': 'callback-edit-notes', onclick: () => openEditor(row) },
      cb.notes ? 'Edit notes' : 'Add notes'));
}

function renderActions(row, cb) {
  const canDial = cb.status === 'scheduled' || cb.status === 'failed';
  const canCancel = cb.status === 'scheduled' || cb.status === 'dialing' || cb.status === 'failed';
  fill(row.actions,
    canDial ? el('button', {
      type: 'button', class: 'primary', 'data-testid': 'callback-dial',
      title: 'Call as soon as an operator is free, ahead of every other callback', onclick: (e) => dialNow(cb.id, e.currentTarget),
    }, 'Dial now') : null,
    canCancel ? el('button', { type: 'button', class: 'danger', 'data-testid': 'callback-cancel', onclick: (e) => cancel(cb.id, e.currentTarget) }, 'Cancel') : null);
}

// --- notes ----------------------------------------------------------------

function openEditor(row) {
  const cb = row.cb;
  const input = el('textarea', {
    class: 'cb-notes-input', rows: '3', maxlength: String(MAX_CALLBACK_NOTES), 'data-testid': 'callback-notes-input',
    'aria-label': `Notes on the callback to ${nameOf(cb)}`,
  });
  input.value = cb.notes || '';
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'callback-notes-error', hidden: true });
  const save = el('button', { type: 'submit', class: 'primary', 'data-testid': 'callback-notes-save' }, 'Save notes');
  const form = el('form', { class: 'stack cb-notes-form' }, input, error,
    el('div', { class: 'form-actions' },
      el('button', { type: 'button', 'data-testid': 'callback-notes-discard', onclick: () => closeEditor(row) }, 'Discard'),
      save));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      const updated = mergeCallback(await api.updateCallback(row.cb.id, { notes: input.value }));
      closeEditor(row);
      refresh(updated.id);
      toast('Notes saved');
    } catch (err) {
      fill(error, `Save notes: ${err.message}`);
      error.hidden = false;
      save.disabled = false;
    }
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { e.preventDefault(); closeEditor(row); }
  });
  row.editor = form;
  fill(row.notes, form);
  input.focus();
}

function closeEditor(row) {
  row.editor = null;
  if (row.cb) renderNotes(row, row.cb);
}

// --- actions --------------------------------------------------------------

async function dialNow(id, button) {
  button.disabled = true;
  errors.delete(id);
  try {
    const cb = mergeCallback(await api.dialCallback(id));
    toast(`Dialling ${nameOf(cb)} as soon as an operator is free`);
  } catch (err) {
    errors.set(id, `Dial now: ${err.message}`);
  }
  refresh(id);
}

async function cancel(id, button) {
  const cb = store.callbacks.get(id);
  if (!cb) return;
  const yes = await confirmDialog('Cancel callback',
    `Cancel the callback to ${nameOf(cb)} at ${cb.phone}? The customer is told.`, 'Cancel callback');
  if (!yes) return;
  button.disabled = true;
  errors.delete(id);
  try {
    mergeCallback(await api.cancelCallback(id));
    toast(`Callback to ${nameOf(cb)} cancelled`);
  } catch (err) {
    errors.set(id, `Cancel: ${err.message}`);
  }
  refresh(id);
}

/** Re-renders after an action on callback id, whatever came back. */
function refresh(id) {
  const row = view && view.rows.get(id);
  if (row) row.cb = null;
  emit('callbacks');
}

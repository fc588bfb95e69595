// conversation.js — one conversation on screen: the customer's whole
// history across channels and tickets, where they live (time zone), the
// survey of a resolved ticket, the actions (claim, transfer, resolve) and
// the reply box, kept live by the event handlers below.

import * as api from './api.js';
import { store, emit, mergeConversation, customerName, operatorName, isSupervisor } from './store.js';
import { el, fill, formatTime, showError, toast } from './ui.js';
import { messageNode, updateDelivery, updateLabel } from './messages.js';
import { composer } from './composer.js';
import { openTransfer } from './transfer.js';
import { showTabFor } from './queue.js';
import { openBookCallback } from './callbackbook.js';
import { customerZone } from './customerzone.js';

/** The view on screen: which conversation, its groups and message items. */
let view = null;
/** Delivery states that came before their message was on screen. */
const earlyDelivery = new Map();

/** Forgets the conversation on screen (another page replaces it). */
export function leave() {
  view = null;
}

/** Shows the empty pane. */
export function showNothing(pane) {
  view = null;
  fill(pane, el('section', { class: 'conversation empty-pane', 'data-testid': 'no-conversation' },
    el('p', { class: 'muted' }, 'Pick a conversation from the queue.'),
    el('p', { class: 'muted' }, 'Press ? for keyboard shortcuts.')));
}

/** Shows conversation id in pane, loading it and the customer's history. */
export async function showConversation(pane, id) {
  const title = el('h2', { class: 'conversation-title', 'data-testid': 'conversation-title' }, 'Loading…');
  const sub = el('div', { class: 'conv-sub muted' });
  const actions = el('div', { class: 'conv-actions' });
  const zone = el('div', { class: 'conv-zone-slot' });
  const notice = el('p', { class: 'notice', role: 'status', 'data-testid': 'conversation-notice', hidden: true });
  const list = el('div', { class: 'messages', 'data-testid': 'messages', 'aria-live': 'polite' });
  const composerSlot = el('div', { class: 'composer-slot' });
  // While loading, live messages wait in buffer (history would race them).
  const v = {
    id, conv: null, customerId: null, groups: new Map(), items: new Map(), loading: true, buffer: [], title, sub, actions, notice, list,
    survey: null, surveyAsk: 0,
  };
  view = v;

  fill(pane, el('section', { class: 'conversation', 'data-testid': 'conversation', 'data-conversation-id': String(id) },
    el('header', { class: 'conv-head' },
      el('a', { href: '#/queue', class: 'back-link', 'data-testid': 'back', 'aria-label': 'Back to the queue' }, '‹ Queue'),
      el('div', { class: 'conv-title-block' }, title, sub, zone),
      actions),
    notice, list, composerSlot));

  let conv;
  try {
    conv = await api.conversation(id);
  } catch (err) {
    if (view !== v) return;
    fill(title, `Conversation #${id}`);
    setNotice(v, `Could not load this conversation: ${err.message}`, 'error');
    return;
  }
  if (view !== v) return;
  const current = { ...conv };
  delete current.messages;
  v.conv = mergeConversation(current).conv;
  v.customerId = conv.customer_id;
  v.survey = surveyOf(conv);
  renderHead(v);
  fill(zone, customerZone(conv.customer || { id: conv.customer_id }));
  fill(composerSlot, composer(id, (msg) => addMessage(msg), { dropZone: pane.querySelector('[data-testid="conversation"]') }));

  let convs;
  try {
    convs = await api.history(conv.customer_id);
  } catch (err) {
    if (view !== v) return;
    convs = [conv];
    setNotice(v, `Earlier conversations of this customer could not be loaded: ${err.message}`, 'warning');
  }
  if (view !== v) return;
  if (!convs.some((c) => c.id === id)) convs.push(conv);
  // The current conversation's own messages are the freshest.
  convs = convs.map((c) => (c.id === id ? { ...c, ...conv, messages: conv.messages || c.messages } : c));
  v.loading = false;
  for (const c of convs) {
    group(v, c);
    for (const m of c.messages || []) addMessage(m, { scroll: false });
  }
  for (const m of v.buffer.splice(0)) addMessage(m, { scroll: false });
  scrollToEnd(v, true);
  markRead();
  const input = pane.querySelector('[data-testid="reply-input"]');
  if (input && window.matchMedia('(min-width: 721px)').matches) input.focus();
}

function setNotice(v, text, kind) {
  fill(v.notice, text);
  v.notice.className = `notice notice-${kind}`;
  v.notice.hidden = !text;
}

/** The message list of conversation c in the view, made if missing. */
function group(v, c) {
  let g = v.groups.get(c.id);
  if (g) return g;
  const head = el('div', { class: 'group-head', 'data-testid': 'ticket-head' });
  const items = el('ol', { class: 'group-messages' });
  const node = el('section', {
    class: ['ticket-group', c.id === v.id && 'current'], 'data-testid': 'ticket-group',
    'data-conversation-id': String(c.id), 'data-ticket': c.ticket,
  }, head, items);
  g = { conv: c, head, items, node };
  v.groups.set(c.id, g);
  renderGroupHead(g);
  // Groups stay in conversation order (ids grow with time).
  const after = [...v.list.children].find((n) => Number(n.getAttribute('data-conversation-id')) > c.id);
  v.list.insertBefore(node, after || null);
  return g;
}

function renderGroupHead(g) {
  const c = g.conv;
  fill(g.head,
    el('span', { class: 'ticket' }, c.ticket || `#${c.id}`),
    ' · ', el('span', { class: 'channel' }, c.channel || ''),
    ' · ', el('span', { class: `status status-${c.status}` }, c.status || ''),
    c.created_at ? [' · started ', formatTime(c.created_at)] : null,
    g.conv.id === view?.id ? el('span', { class: 'current-tag' }, ' (this conversation)') : null);
}

function renderHead(v) {
  const c = v.conv;
  const me = store.me;
  fill(v.title, `${c.ticket} · `, el('a', {
    href: `#/customers/${c.customer_id}`, class: 'customer-link', 'data-testid': 'customer-link', title: 'Open the customer\'s profile',
  }, customerName(c)));
  fill(v.sub,
    el('span', { class: `status status-${c.status}`, 'data-testid': 'conversation-status' }, c.status),
    ' · ', el('span', { 'data-testid': 'conversation-channel' }, c.channel),
    c.queue ? [' · queue ', c.queue] : null,
    c.operator_id != null ? [' · ', el('span', { 'data-testid': 'conversation-operator' },
      c.operator_id === me?.id ? 'with you' : `with ${operatorName(c.operator_id)}`)] : null,
    c.customer && c.customer.username ? [' · @', c.customer.username] : null,
    c.status === 'resolved' ? surveyNode(v.survey) : null);
  const mine = c.operator_id != null && c.operator_id === me?.id;
  // Claiming works on a conversation nobody has; taking one from a colleague is a transfer.
  const canClaim = (c.status === 'waiting' || c.status === 'bot' || c.status === 'open') && c.operator_id == null;
  const canResolve = c.status !== 'resolved' && (c.operator_id == null || mine || isSupervisor());
  const canTransfer = c.status === 'open' || c.status === 'waiting';
  fill(v.actions,
    el('button', { type: 'button', class: 'primary', 'data-testid': 'claim', hidden: !canClaim, onclick: claimCurrent },
      'Claim'),
    el('button', { type: 'button', 'data-testid': 'transfer', hidden: !canTransfer, onclick: () => openTransfer(v.conv) }, 'Transfer'),
    el('button', { type: 'button', 'data-testid': 'book-callback', title: 'Book a call back to this customer', onclick: () => openBookCallback(v.conv) }, 'Call back'),
    el('button', { type: 'button', 'data-testid': 'resolve', hidden: !canResolve, title: 'Resolve (Alt+R)', onclick: resolveCurrent }, 'Resolve'));
}

// --- survey -----------------------------------------------------------------

/** The survey fields of conversation JSON from a REST answer (events have none). */
function surveyOf(c) {
  return { dueAt: c.survey_due_at || '', skipped: c.survey_skipped || '', survey: c.survey || null };
}

/** What became of a resolved conversation's survey, for its header; null when unknown. */
function surveyNode(s) {
  if (!s) return null;
  const sv = s.survey;
  const at = (iso) => el('time', { datetime: iso, title: iso }, formatTime(iso));
  let text;
  if (sv && sv.score != null) text = `Survey: ${sv.score}/10`;
  else if (sv && sv.state === 'sent') text = ['Survey sent ', at(sv.sent_at)];
  else if (s.dueAt) text = ['Survey due ', at(s.dueAt)];
  else if (s.skipped) text = `No survey: ${s.skipped}`;
  else return null;
  return [' · ', el('span', { class: 'survey-status', 'data-testid': 'survey-status', 'data-state': sv ? sv.state : '' }, text)];
}

/**
 * Asks the server for the survey of the conversation on screen: a
 * conversation.changed event does not carry it. The last one known stays
 * on show meanwhile; an answer to an older ask is dropped.
 */
async function refreshSurvey(v) {
  const ask = ++v.surveyAsk;
  try {
    const c = await api.conversation(v.id);
    if (view !== v || ask !== v.surveyAsk) return;
    v.survey = surveyOf(c);
    renderHead(v);
  } catch {
    // The header keeps the survey it showed until the next change.
  }
}

function scrollToEnd(v, force) {
  const box = v.list;
  const near = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  if (force || near) box.scrollTop = box.scrollHeight;
}

/** Adds message m to the view if it belongs there and is not shown yet. */
function addMessage(m, { scroll = true } = {}) {
  const v = view;
  if (!v || v.items.has(m.id)) return;
  if (v.loading) { v.buffer.push(m); return; }
  const g = v.groups.get(m.conversation_id) || (m.conversation_id === v.id && v.conv ? group(v, v.conv) : null);
  if (!g) return;
  const item = messageNode(m, g.conv);
  v.items.set(m.id, item);
  // Keep id order even when an event and a POST answer race.
  const after = [...g.items.children].find((n) => Number(n.getAttribute('data-message-id')) > m.id);
  g.items.insertBefore(item, after || null);
  const early = earlyDelivery.get(m.id);
  if (early) { updateDelivery(item, early.delivery_state, early.error); earlyDelivery.delete(m.id); }
  if (scroll) scrollToEnd(v, m.direction !== 'in');
}

/** Tells the server the operator has read the conversation on screen. */
export function markRead() {
  const v = view;
  if (!v || !v.conv || document.visibilityState !== 'visible') return;
  const g = v.groups.get(v.id);
  const last = g && g.items.lastElementChild;
  const lastId = last ? Number(last.getAttribute('data-message-id')) : 0;
  if (v.conv.unread) {
    v.conv.unread = 0;
    const stored = store.convs.get(v.id);
    if (stored) stored.unread = 0;
    emit('convs');
  }
  if (!lastId || lastId === v.readUpTo) return;
  v.readUpTo = lastId;
  api.markRead(v.id, lastId).catch(() => {}); // assumption 6 in api.js
}

// --- live updates ---------------------------------------------------------

/** A message.created event. */
export function onMessage(m) {
  if (!view) return;
  addMessage(m);
  if (m.conversation_id === view.id && m.direction === 'in') markRead();
}

/** A message.labelled event: an operator corrected a customer message's label. */
export function onLabelled(m) {
  const item = view && view.items.get(m.id);
  if (item) updateLabel(item, m);
}

/** A message.delivery event. */
export function onDelivery(d) {
  const item = view && view.items.get(d.message_id);
  if (item) updateDelivery(item, d.delivery_state, d.error);
  else {
    earlyDelivery.set(d.message_id, d);
    if (earlyDelivery.size > 200) earlyDelivery.delete(earlyDelivery.keys().next().value);
  }
}

/**
 * A conversation.changed event, after the store has merged it; rest when c
 * is a REST answer, which carries the survey.
 */
export function onConversationChanged(c, { rest = false } = {}) {
  const v = view;
  if (!v) return;
  if (c.id === v.id && v.conv) {
    v.conv = store.convs.get(c.id) || { ...v.conv, ...c };
    if (v.conv.status !== 'resolved') {
      v.survey = null;
      v.surveyAsk++;
    } else if (rest) {
      v.survey = surveyOf(c);
      v.surveyAsk++;
    } else {
      refreshSurvey(v);
    }
    renderHead(v);
  }
  const g = v.groups.get(c.id);
  if (g) {
    g.conv = { ...g.conv, ...c };
    renderGroupHead(g);
  } else if (v.customerId != null && c.customer_id === v.customerId) {
    group(v, c); // a new ticket of the same customer
  }
}

/** Re-renders names (after operators load). */
export function refreshNames() {
  if (view && view.conv) renderHead(view);
}

/** Whether a conversation is on screen. */
export const currentView = () => (view && view.conv ? view.conv : null);

// --- actions --------------------------------------------------------------

export async function claimCurrent() {
  const c = currentView();
  if (!c) return;
  try {
    const updated = await api.claim(c.id);
    mergeConversation(updated);
    emit('convs');
    onConversationChanged(updated);
    showTabFor(updated.id);
    toast(`${updated.ticket} is yours`);
  } catch (err) {
    showError(`Claim ${c.ticket}`, err);
  }
}

export async function resolveCurrent() {
  const c = currentView();
  if (!c) return;
  if (c.status === 'resolved') { toast(`${c.ticket} is already resolved`); return; }
  try {
    const updated = await api.resolve(c.id);
    mergeConversation(updated);
    emit('convs');
    onConversationChanged(updated, { rest: true });
    toast(`${updated.ticket} resolved`);
  } catch (err) {
    showError(`Resolve ${c.ticket}`, err);
  }
}

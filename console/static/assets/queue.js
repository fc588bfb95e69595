// queue.js — the side list: conversations waiting (oldest first) and the
// operator's own ("Mine"), kept live from the store, and the way to the
// callbacks view with how many are due.

import * as api from './api.js';
import { store, on, emit, mergeConversation, waitingList, mineList, sinceOf, customerName } from './store.js';
import { el, fill, waitedSince, formatTime, cssToken } from './ui.js';
import { callbackGroups } from './callbackstore.js';
import { moreEnd } from './more.js';

let tab = 'queue';
let listNode = null;
let tabsNode = null;
let errorNode = null;
let subscribed = false;

/** How many waiting conversations one page of the queue brings. */
const QUEUE_PAGE = 100;

/**
 * The queue's paging: the cursor of its next page ('' when all of it is
 * loaded), the last conversation loaded (waiting ones after it show when
 * their page comes, so the list never skips a place), and a generation
 * that a reload bumps so a page asked for before it is dropped.
 */
const queuePaging = { next: '', last: null, loading: false, generation: 0 };

/** Loads the queue's first page and the operator's open conversations into the store. */
export async function loadLists() {
  const generation = ++queuePaging.generation;
  const [waiting, mine] = await Promise.allSettled([
    api.conversationsPage({ status: 'waiting', limit: String(QUEUE_PAGE) }),
    api.allPages((cursor) => api.conversationsPage({ status: 'open', mine: '1', limit: '500', cursor })),
  ]);
  if (generation !== queuePaging.generation) return;
  const failed = [waiting, mine].find((r) => r.status === 'rejected');
  const keep = store.currentId != null ? store.convs.get(store.currentId) : null;
  if (waiting.status === 'fulfilled' && mine.status === 'fulfilled') store.convs.clear();
  if (keep) store.convs.set(keep.id, keep);
  if (waiting.status === 'fulfilled') {
    for (const c of waiting.value.items) mergeConversation(c);
    queuePaging.next = waiting.value.next;
    queuePaging.last = waiting.value.items.at(-1) || null;
  }
  if (mine.status === 'fulfilled') for (const c of mine.value) mergeConversation(c);
  setError(failed ? `Could not load the queue: ${failed.reason.message}` : '');
  emit('convs');
}

/** Loads the queue's next page, if there is one and none is on its way. */
export async function loadMoreQueue() {
  if (!queuePaging.next || queuePaging.loading) return;
  const generation = queuePaging.generation;
  queuePaging.loading = true;
  emit('convs');
  try {
    const page = await api.conversationsPage({ status: 'waiting', limit: String(QUEUE_PAGE), cursor: queuePaging.next });
    if (generation !== queuePaging.generation) return;
    for (const c of page.items) mergeConversation(c);
    queuePaging.next = page.next;
    queuePaging.last = page.items.at(-1) || queuePaging.last;
    setError('');
  } catch (err) {
    if (generation === queuePaging.generation) setError(`Could not load more of the queue: ${err.message}`);
  } finally {
    queuePaging.loading = false;
    emit('convs');
  }
}

/** Whether waiting conversation c comes after a, in queue order. */
function queuedAfter(c, a) {
  return Date.parse(sinceOf(c)) - Date.parse(sinceOf(a)) > 0 || (sinceOf(c) === sinceOf(a) && c.id > a.id);
}

/**
 * The waiting conversations to show: in queue order, up to the last one
 * loaded while more pages remain (one that started waiting since shows
 * when the list reaches its place).
 */
function shownWaiting() {
  const all = waitingList();
  const last = queuePaging.next ? queuePaging.last : null;
  return last ? all.filter((c) => !queuedAfter(c, last)) : all;
}

function setError(text) {
  if (!errorNode) return;
  fill(errorNode, text);
  errorNode.hidden = !text;
}

/** The side list's element; it re-renders itself on store changes. */
export function sidebar() {
  tabsNode = el('div', { class: 'tabs', role: 'tablist' });
  listNode = el('ol', { class: 'conv-list', 'data-testid': 'conversation-list' });
  errorNode = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'queue-error', hidden: true });
  if (!subscribed) {
    // The nodes are module state, so one subscription serves every login.
    subscribed = true;
    on('convs', render);
    on('current', render);
    on('callbacks', render);
  }
  render();
  return el('nav', { class: 'sidebar', 'aria-label': 'Conversations' }, tabsNode, errorNode, listNode);
}

/** The conversations in the list on show, in order (for j/k). */
export function visibleList() {
  return tab === 'queue' ? shownWaiting() : mineList();
}

/** Switches to the list that holds conversation id, if another. */
export function showTabFor(id) {
  const c = store.convs.get(id);
  if (!c) return;
  const want = c.status === 'waiting' ? 'queue' : c.status === 'open' && store.me && c.operator_id === store.me.id ? 'mine' : tab;
  if (want !== tab) { tab = want; render(); }
}

function render() {
  if (!listNode) return;
  const waiting = shownWaiting();
  const mine = mineList();
  const unreadMine = mine.reduce((n, c) => n + (c.unread || 0), 0);
  const tabButton = (name, label, count, testid, extra) => el('button', {
    type: 'button', role: 'tab', class: ['tab', tab === name && 'active'], 'aria-selected': String(tab === name),
    'data-testid': testid, onclick: () => { tab = name; render(); },
  }, label, ' ', el('span', { class: 'count', 'data-testid': `${testid}-count` }, String(count)), extra);
  fill(tabsNode,
    tabButton('queue', 'Queue', `${waiting.length}${queuePaging.next ? '+' : ''}`, 'tab-queue'),
    tabButton('mine', 'Mine', mine.length, 'tab-mine',
      unreadMine ? el('span', { class: 'badge', title: 'unread messages' }, String(unreadMine)) : null),
    callbacksTab());

  const items = tab === 'queue' ? waiting : mine;
  if (!items.length) {
    fill(listNode, el('li', { class: 'empty muted', 'data-testid': 'queue-empty' },
      tab === 'queue' ? 'Nobody is waiting.' : 'You have no open conversations.'));
  } else {
    fill(listNode, items.map((c) => item(c, tab === 'queue' ? 'queue-item' : 'mine-item')));
  }
  if (tab === 'queue' && queuePaging.next) listNode.append(moreEnd('li', 'queue-more', queuePaging.loading, loadMoreQueue));
  updateTitle(`${waiting.length}${queuePaging.next ? '+' : ''}`, unreadMine + waiting.reduce((n, c) => n + (c.unread || 0), 0));
}

/** The link to the callbacks view, with the number due now. */
function callbacksTab() {
  const here = location.hash === '#/callbacks';
  const due = callbackGroups().due.length;
  return el('a', {
    href: '#/callbacks', class: ['tab', here && 'active'], 'data-testid': 'tab-callbacks',
    'aria-current': here ? 'page' : null, title: 'Callbacks due now',
  }, 'Callbacks ', el('span', { class: 'count', 'data-testid': 'tab-callbacks-count' }, String(due)));
}

function item(c, testid) {
  const selected = c.id === store.currentId;
  return el('li', {},
    el('a', {
      href: `#/c/${Number(c.id)}`, class: ['conv-item', selected && 'selected'], 'data-testid': testid,
      'data-conversation-id': String(c.id), 'data-ticket': c.ticket, 'aria-current': selected ? 'true' : null,
    },
    el('div', { class: 'conv-item-top' },
      el('span', { class: 'ticket', 'data-testid': 'queue-ticket' }, c.ticket),
      el('span', { class: `channel channel-${cssToken(c.channel)}`, 'data-testid': 'queue-channel' }, c.channel || '?'),
      c.queue ? el('span', { class: 'queue-name' }, c.queue) : null,
      c.unread ? el('span', { class: 'badge', 'data-testid': 'unread', title: 'unread messages' }, String(c.unread)) : null),
    el('div', { class: 'conv-item-name', 'data-testid': 'queue-customer' }, customerName(c)),
    el('div', { class: 'conv-item-text', 'data-testid': 'queue-first-text' }, c.first_text || ''),
    el('div', { class: 'conv-item-meta muted' },
      c.status === 'waiting'
        ? ['waiting ', waitedSince(sinceOf(c))]
        : ['last message ', formatTime(c.last_message_at)])));
}

function updateTitle(waiting, unread) {
  const parts = [];
  if (waiting !== '0') parts.push(`${waiting} waiting`);
  if (unread) parts.push(`${unread} unread`);
  document.title = parts.length ? `(${parts.join(', ')}) switchboard` : 'switchboard';
}

// followups.js — follow-ups (#/followups): the complaints and detractor
// scores waiting for a decision, for the feedback owner (a supervisor sees
// every one, an operator those that went to them). The open ones are kept
// in store.followups, loaded from GET /followups and kept current by
// followup.changed events; the header link counts them, and one arriving
// for the operator logged in chimes and shows a notification. Closing one
// with a decision sends the decision to the customer.

import * as api from './api.js';
import { store, on, emit, operatorName, isSupervisor } from './store.js';
import { el, fill, formatTime, showError, toast, cssToken, waitedSince } from './ui.js';
import { playChime, notify } from './notify.js';
import { moreEnd } from './more.js';

const PAGE = '#/followups';
/** The longest decision, in characters (dialog.MaxReplyLength). */
const MAX_DECISION = 16000;
/** How many closed follow-ups a page of them brings (more load on scroll). */
const CLOSED_PAGE = 100;

/** Why the last load of the open ones failed, '' when it worked. */
let loadError = '';
/** Which list the page shows, 'open' or 'closed'; kept across visits. */
let showing = 'open';
/** The page on screen: its nodes, the closed list when loaded, and one entry per row. */
let view = null;
/** The header link, one node moved into every header drawn. */
let nav = null;
let subscribed = false;

// --- the open follow-ups --------------------------------------------------

/** Whether GET /followups lists f for the operator logged in. */
const listed = (f) => isSupervisor() || (!!store.me && f.owner_id === store.me.id);

/** Whether f went to the operator logged in: to them, or to every supervisor. */
const forMe = (f) => !!store.me && (f.owner_id === store.me.id || (f.owner_id == null && isSupervisor()));

/** Loads the open follow-ups the operator is listed into the store. */
export async function loadFollowUps() {
  try {
    const open = await api.allPages((cursor) => api.followUpsPage({ state: 'open', limit: '500', cursor }));
    store.followups.clear();
    for (const f of open) store.followups.set(f.id, f);
    loadError = '';
  } catch (err) {
    loadError = `Could not load the follow-ups: ${err.message}`;
  }
  emit('followups');
}

/** A followup.changed event: opened, joined by more feedback, or closed. */
export function onFollowUpChanged(f) {
  if (!f || f.id == null || !store.me) return;
  const prev = store.followups.get(f.id);
  if (f.state === 'open' && listed(f)) {
    // Events name the owner only by id, and carry no customer.
    const owner = f.owner || (prev && prev.owner_id === f.owner_id ? prev.owner : null);
    const customer = f.customer || (prev && prev.customer) || null;
    store.followups.set(f.id, { ...(prev || {}), ...f, owner, customer });
  } else {
    store.followups.delete(f.id);
  }
  emit('followups');
  if (f.state === 'closed' && view && showing === 'closed' && listed(f)) loadClosed();
  if (!prev && f.state === 'open' && forMe(f)) {
    playChime();
    notify(`${kindTitle(f)} on ${f.ticket}`, f.summary || '', {
      tag: `followup-${f.id}`, onClick: () => { location.hash = PAGE; },
    });
  }
}

/** "Complaint", or "Detractor (3/10)". */
function kindTitle(f) {
  if (f.kind === 'complaint') return 'Complaint';
  return f.score != null ? `Detractor (${f.score}/10)` : 'Detractor';
}

const time = (iso) => Date.parse(iso || '') || 0;

/** The open follow-ups, oldest first (as GET /followups?state=open lists them). */
function openList() {
  return [...store.followups.values()].sort((a, b) => time(a.created_at) - time(b.created_at) || a.id - b.id);
}

/** Who a follow-up went to. */
function ownerName(f) {
  if (f.owner) return f.owner.name;
  return f.owner_id != null ? operatorName(f.owner_id) : 'supervisors';
}

// --- the header link --------------------------------------------------------

/**
 * The header link to the page with how many follow-ups are open, shown to
 * supervisors and to operators who have some (or are on the page).
 */
export function followUpsNav() {
  if (!nav) {
    nav = el('a', { href: PAGE, class: 'link-button nav-followups', 'data-testid': 'nav-followups' });
    on('followups', renderNav);
    on('current', renderNav);
  }
  renderNav();
  return nav;
}

function renderNav() {
  const n = store.followups.size;
  fill(nav, 'Follow-ups',
    n ? el('span', { class: 'badge', 'data-testid': 'nav-followups-count', title: 'open follow-ups' }, String(n)) : null);
  const here = location.hash === PAGE;
  nav.hidden = !store.me || !(isSupervisor() || n > 0 || here);
  if (here) nav.setAttribute('aria-current', 'page');
  else nav.removeAttribute('aria-current');
}

// --- the page ---------------------------------------------------------------

/** Shows the follow-ups page in pane. */
export function showFollowUps(pane) {
  const tabs = el('div', { class: 'tabs', role: 'tablist' });
  const list = el('ol', { class: 'fu-list', 'data-testid': 'followups-list' });
  const empty = el('p', { class: 'muted fu-empty', 'data-testid': 'followups-empty', hidden: true });
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'followups-error', hidden: true });
  const more = el('div', { class: 'fu-more' });
  fill(pane, el('section', { class: 'admin followups', 'data-testid': 'followups' },
    el('header', { class: 'admin-head' },
      el('a', { href: '#/queue', class: 'back-link', 'data-testid': 'back' }, '‹ Queue'),
      el('h2', {}, 'Follow-ups'),
      tabs),
    el('div', { class: 'admin-body' }, error, empty, list, more)));
  view = {
    tabs, list, empty, error, more, rows: new Map(),
    // The closed ones when loaded, the cursor of their next page, and a
    // generation a reload bumps so a page asked for before it is dropped.
    closed: null, closedError: '', closedNext: '', closedLoading: false, closedGeneration: 0,
  };
  if (!subscribed) {
    subscribed = true;
    on('followups', render);
    on('operators', () => {
      // Owners' names are in rows that did not change otherwise.
      if (view) for (const row of view.rows.values()) row.f = null;
      render();
    });
  }
  if (showing === 'closed') loadClosed();
  render();
}

/** Forgets the page (another one replaces it). */
export function leaveFollowUps() {
  view = null;
}

function show(which) {
  if (showing === which) return;
  showing = which;
  if (which === 'closed') loadClosed();
  render();
}

/** Loads the first page of the closed follow-ups, newest first. */
async function loadClosed() {
  const v = view;
  const generation = ++v.closedGeneration;
  try {
    const page = await api.followUpsPage({ state: 'closed', limit: String(CLOSED_PAGE) });
    if (view !== v || generation !== v.closedGeneration) return;
    v.closed = page.items;
    v.closedNext = page.next;
    v.closedError = '';
  } catch (err) {
    if (view !== v || generation !== v.closedGeneration) return;
    v.closedError = `Could not load the closed follow-ups: ${err.message}`;
  }
  render();
}

/** Loads the next page of the closed follow-ups, when the end of the list shows. */
async function loadMoreClosed() {
  const v = view;
  if (!v || !v.closedNext || v.closedLoading) return;
  const generation = v.closedGeneration;
  v.closedLoading = true;
  render();
  try {
    const page = await api.followUpsPage({ state: 'closed', limit: String(CLOSED_PAGE), cursor: v.closedNext });
    if (view !== v || generation !== v.closedGeneration) return;
    const have = new Set(v.closed.map((f) => f.id));
    v.closed = [...v.closed, ...page.items.filter((f) => !have.has(f.id))];
    v.closedNext = page.next;
    v.closedError = '';
  } catch (err) {
    if (view === v) v.closedError = `Could not load more closed follow-ups: ${err.message}`;
  } finally {
    v.closedLoading = false;
    render();
  }
}

function render() {
  const v = view;
  if (!v || !v.list.isConnected) { view = null; return; }
  const tab = (which, label, count) => el('button', {
    type: 'button', role: 'tab', class: ['tab', showing === which && 'active'], 'aria-selected': String(showing === which),
    'data-testid': `followups-show-${which}`, onclick: () => show(which),
  }, label, count == null ? null : [' ', el('span', { class: 'count', 'data-testid': `followups-${which}-count` }, String(count))]);
  fill(v.tabs, tab('open', 'Open', store.followups.size), tab('closed', 'Closed'));

  const errorText = showing === 'open' ? loadError : v.closedError;
  fill(v.error, errorText);
  v.error.hidden = !errorText;
  const items = showing === 'open' ? openList() : v.closed || [];
  const loading = showing === 'closed' && !v.closed && !v.closedError;
  fill(v.empty, loading ? 'Loading…' : showing === 'open' ? 'No open follow-ups.' : 'No closed follow-ups.');
  v.empty.hidden = items.length > 0;

  const seen = new Set();
  const nodes = items.map((f) => {
    const row = rowFor(v, f);
    seen.add(row.key);
    return row.node;
  });
  // Moving a node would blur a decision being typed: only reorder on change.
  const current = [...v.list.children];
  if (current.length !== nodes.length || current.some((n, i) => n !== nodes[i])) v.list.replaceChildren(...nodes);
  for (const key of [...v.rows.keys()]) if (!seen.has(key)) v.rows.delete(key);
  fill(v.more, showing === 'closed' && v.closed && v.closedNext ? moreEnd('div', 'followups-more', v.closedLoading, loadMoreClosed) : null);
}

/** The row of f, made or brought up to date; an open one keeps its decision form. */
function rowFor(v, f) {
  const key = `${f.state}:${f.id}`;
  let row = v.rows.get(key);
  if (!row) {
    const info = el('div', { class: 'fu-info' });
    const node = el('li', {
      class: ['fu-row', `fu-${cssToken(f.state)}`], 'data-testid': 'followup-row',
      'data-followup-id': String(f.id), 'data-state': f.state,
    }, info, f.state === 'open' ? closeForm(f) : null);
    row = { key, node, info, f: null };
    v.rows.set(key, row);
  }
  if (row.f !== f) {
    row.f = f;
    row.node.setAttribute('data-kind', f.kind);
    renderInfo(row.info, f);
  }
  return row;
}

function renderInfo(info, f) {
  fill(info,
    el('div', { class: 'fu-top' },
      el('a', { href: `#/c/${Number(f.conversation_id)}`, class: 'ticket', 'data-testid': 'followup-ticket' }, f.ticket || `#${f.conversation_id}`),
      el('span', { class: 'fu-customer', 'data-testid': 'followup-customer' },
        f.customer && f.customer.name ? f.customer.name : `Customer #${Number(f.customer_id)}`),
      el('span', { class: `fu-kind fu-kind-${cssToken(f.kind)}`, 'data-testid': 'followup-kind' }, f.kind),
      f.score != null ? el('span', { class: 'fu-score', 'data-testid': 'followup-score' }, `score ${f.score}/10`) : null,
      el('span', { class: 'spacer' }),
      el('span', { class: 'muted', 'data-testid': 'followup-owner' }, `for ${ownerName(f)}`),
      f.state === 'open'
        ? el('span', { class: 'muted', title: f.created_at }, 'open for ', waitedSince(f.created_at, 'followup-age'))
        : el('span', { class: 'muted', 'data-testid': 'followup-age' }, `opened ${formatTime(f.created_at)}`)),
    f.summary
      ? el('blockquote', { class: 'fu-summary', 'data-testid': 'followup-summary' }, f.summary)
      : el('p', { class: 'fu-summary muted', 'data-testid': 'followup-summary' }, 'No words: a score only.'),
    f.state === 'closed' ? el('div', { class: 'fu-decision' },
      el('div', { class: 'muted fu-closed-by', 'data-testid': 'followup-closed-by' },
        `Closed ${formatTime(f.closed_at)}${f.closed_by_id != null ? ` by ${operatorName(f.closed_by_id)}` : ''}; the customer was told:`),
      el('div', { class: 'fu-decision-text', 'data-testid': 'followup-decision-text' }, f.decision)) : null);
}

/** The form that closes open follow-up f with a decision the customer is sent. */
function closeForm(f) {
  const inputId = `followup-decision-${Number(f.id)}`;
  const input = el('textarea', {
    id: inputId, class: 'fu-decision-input', rows: '3', maxlength: String(MAX_DECISION), required: true,
    'data-testid': 'followup-decision', placeholder: 'What was decided, in words for the customer',
  });
  const button = el('button', { type: 'submit', class: 'primary', 'data-testid': 'followup-close' }, 'Close with decision');
  const form = el('form', { class: 'stack fu-close' },
    el('label', { for: inputId }, 'Decision — sent to the customer in their conversation'),
    input,
    el('div', { class: 'form-actions' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    button.disabled = true;
    try {
      const closed = await api.closeFollowUp(f.id, input.value);
      store.followups.delete(closed.id);
      if (view) view.closed = null; // loaded afresh when next shown
      emit('followups');
      toast(`Follow-up on ${closed.ticket} closed; the customer was sent the decision`);
    } catch (err) {
      showError(`Close the follow-up on ${f.ticket}`, err);
      button.disabled = false;
      // Closed by someone else meanwhile, or gone: show what is open now.
      if (err.status === 409 || err.status === 404) loadFollowUps();
    }
  });
  return form;
}

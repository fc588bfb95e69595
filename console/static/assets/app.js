// app.js — starts the console: login or the workspace, the hash routes
// (#/queue, #/c/ID, #/customers/ID, #/callbacks, #/followups, #/reports, #/admin/live|operators|canned|menu|audit), and the live event
// handlers that keep the store, the lists and the open conversation current.

import * as api from './api.js';
import { store, on, emit, mergeConversation, customerName, isSupervisor } from './store.js';
import { el, fill, startTicking, showError, toast, cssToken, openDialog } from './ui.js';
import { showLogin } from './login.js';
import { sidebar, loadLists, showTabFor } from './queue.js';
import * as conversation from './conversation.js';
import { showSupervisor, renderOperators } from './supervisor.js';
import { deskChanged } from './desk.js';
import { loadCanned } from './canned.js';
import { showCallbacks, leaveCallbacks } from './callbacks.js';
import { showReports, leaveReports } from './reports.js';
import { showFollowUps, leaveFollowUps, loadFollowUps, onFollowUpChanged, followUpsNav } from './followups.js';
import { loadCallbacks, onCallbackChanged } from './callbackstore.js';
import * as live from './live.js';
import { playChime, notify, permissionButton, askPermission, needsPermission } from './notify.js';
import { installShortcuts, showShortcuts } from './shortcuts.js';
import { searchBox, keepFocus, resetSearch } from './search.js';
import { showProfile, leaveProfile } from './profile.js';

const root = document.getElementById('app');
let pane = null;
let header = null;
let started = false;

api.onUnauthorized(() => {
  if (store.me) toLogin('Your session has ended. Please log in again.');
});

async function boot() {
  try {
    const me = await api.me();
    startWorkspace(me);
  } catch (err) {
    toLogin(err.status === 401 ? '' : `The server did not answer as expected: ${err.message}`);
  }
}

function toLogin(notice) {
  live.disconnect();
  store.me = null;
  store.convs.clear();
  store.callbacks.clear();
  store.customers.clear();
  store.followups.clear();
  store.currentId = null;
  resetSearch();
  for (const d of document.querySelectorAll('dialog')) d.remove();
  showLogin(root, (operator) => {
    if (needsPermission()) askPermission(); // the login click is the user gesture
    startWorkspace(operator);
  }, notice);
}

function startWorkspace(me) {
  store.me = me;
  document.body.classList.remove('logged-out');
  header = el('header', { class: 'topbar' });
  pane = el('main', { class: 'pane', id: 'pane' });
  fill(root, el('div', { class: 'workspace' }, header, el('div', { class: 'columns' }, sidebar(), pane)));
  renderHeader();
  if (!started) {
    started = true;
    window.addEventListener('hashchange', route);
    document.addEventListener('visibilitychange', () => conversation.markRead());
    on('me', renderHeader);
    on('connection', renderHeader);
    on('operators', conversation.refreshNames);
    installShortcuts();
    startTicking();
  }
  route();
  loadLists().catch((err) => showError('Load the queue', err));
  loadCallbacks();
  loadFollowUps();
  loadCanned();
  loadOperators();
  live.connect({
    'message.created': onMessageCreated,
    'message.labelled': conversation.onLabelled,
    'conversation.changed': onConversationChanged,
    'message.delivery': conversation.onDelivery,
    'operator.changed': onOperatorChanged,
    'callback.changed': (cb) => { deskChanged(); onCallbackChanged(cb); },
    'followup.changed': onFollowUpChanged,
    resync,
  });
}

async function loadOperators() {
  try {
    for (const op of await api.operators()) store.operators.set(op.id, op);
    emit('operators');
    emit('convs');
  } catch {
    // Names fall back to "Operator #id"; transfer says why it has no list.
  }
}

// --- header ---------------------------------------------------------------

function renderHeader() {
  if (!header || !store.me) return;
  const me = store.me;
  const presence = el('select', { class: `presence presence-${cssToken(me.presence)}`, 'data-testid': 'presence', 'aria-label': 'Presence' },
    ['online', 'away', 'offline'].map((p) => el('option', { value: p, selected: (me.presence || 'online') === p }, p)));
  presence.addEventListener('change', () => setPresence(presence.value));
  const connection = {
    live: ['Live', 'Receiving updates as they happen'],
    connecting: ['Reconnecting…', 'The live connection dropped; reconnecting'],
    off: ['Not live', 'No live updates: reload the page or log in again'],
  }[store.connection] || ['', ''];
  keepFocus(() => fill(header,
    el('a', { href: '#/queue', class: 'brand' }, 'switchboard'),
    el('span', { class: `connection connection-${store.connection}`, 'data-testid': 'connection', title: connection[1] }, connection[0]),
    searchBox(),
    el('span', { class: 'spacer' }),
    permissionButton(),
    followUpsNav(),
    el('a', { href: '#/reports', class: 'link-button', 'data-testid': 'nav-reports' }, 'Reports'),
    isSupervisor() ? el('a', { href: '#/admin/operators', class: 'link-button', 'data-testid': 'nav-supervisor' }, 'Supervisor') : null,
    el('button', { type: 'button', class: 'link-button', 'data-testid': 'show-shortcuts', title: 'Keyboard shortcuts (?)', onclick: showShortcuts }, '?'),
    el('span', { class: 'me' },
      el('button', { type: 'button', class: 'me-button', title: `${me.email} — change your password`, onclick: passwordDialog },
        el('span', { class: `presence-dot presence-${cssToken(me.presence || 'online')}` }),
        el('span', { class: 'me-name', 'data-testid': 'operator-name' }, me.name || me.email))),
    presence,
    el('button', { type: 'button', class: 'link-button', 'data-testid': 'logout', onclick: logout }, 'Log out')));
}

async function setPresence(value) {
  const before = store.me.presence;
  store.me = { ...store.me, presence: value };
  renderHeader();
  try {
    const updated = await api.setPresence(value);
    if (updated && updated.id) store.me = updated;
    toast(`You are ${value}`);
  } catch (err) {
    store.me = { ...store.me, presence: before };
    showError('Change presence', err);
  }
  renderHeader();
}

function passwordDialog() {
  const current = el('input', { type: 'password', id: 'own-current-password', autocomplete: 'current-password', required: true, 'data-testid': 'own-current-password' });
  const next = el('input', { type: 'password', id: 'own-new-password', autocomplete: 'new-password', minlength: '8', required: true, 'data-testid': 'own-new-password' });
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = el('form', { class: 'stack' },
    el('label', { for: 'own-current-password' }, 'Current password'), current,
    el('label', { for: 'own-new-password' }, 'New password (at least 8 characters)'), next,
    error,
    el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', 'data-testid': 'own-password-submit' }, 'Change password')));
  const d = openDialog('Your password', form, { testid: 'own-password-dialog' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    try {
      await api.changePassword(current.value, next.value);
      d.close();
      toast('Password changed');
    } catch (err) {
      fill(error, err.message);
      error.hidden = false;
    }
  });
}

async function logout() {
  live.disconnect();
  try {
    await api.logout();
  } catch {
    // The session is gone either way.
  }
  toLogin('You have logged out.');
}

// --- routes ---------------------------------------------------------------

function route() {
  if (!store.me || !pane) return;
  const hash = location.hash || '#/queue';
  let m;
  if (hash !== '#/callbacks') leaveCallbacks();
  if (hash !== '#/reports') leaveReports();
  if (hash !== '#/followups') leaveFollowUps();
  if (!/^#\/customers\/\d+$/.test(hash)) leaveProfile();
  if ((m = /^#\/c\/(\d+)$/.exec(hash))) {
    const id = Number(m[1]);
    if (store.currentId !== id || !conversation.currentView()) {
      store.currentId = id;
      conversation.showConversation(pane, id);
    }
    showTabFor(id);
    document.body.classList.add('show-pane');
  } else if ((m = /^#\/customers\/(\d+)$/.exec(hash))) {
    store.currentId = null;
    conversation.leave();
    showProfile(pane, Number(m[1]));
    document.body.classList.add('show-pane');
  } else if ((m = /^#\/admin\/?(\w*)$/.exec(hash))) {
    if (!isSupervisor()) { location.hash = '#/queue'; return; }
    store.currentId = null;
    conversation.leave();
    showSupervisor(pane, m[1] || 'operators');
    document.body.classList.add('show-pane');
  } else if (hash === '#/callbacks') {
    store.currentId = null;
    conversation.leave();
    showCallbacks(pane);
    document.body.classList.add('show-pane');
  } else if (hash === '#/followups') {
    store.currentId = null;
    conversation.leave();
    showFollowUps(pane);
    document.body.classList.add('show-pane');
  } else if (hash === '#/reports') {
    store.currentId = null;
    conversation.leave();
    showReports(pane);
    document.body.classList.add('show-pane');
  } else {
    store.currentId = null;
    conversation.showNothing(pane);
    document.body.classList.remove('show-pane');
  }
  emit('current');
}

// --- live events ----------------------------------------------------------

function isMine(c) {
  return c && c.status === 'open' && store.me && c.operator_id === store.me.id;
}

/** Whether the console keeps c in its store (queue, mine, or on screen). */
function relevant(c) {
  return c.status === 'waiting' || isMine(c) || c.id === store.currentId;
}

function onMessageCreated(m) {
  const c = store.convs.get(m.conversation_id);
  if (c) {
    c.last_message_at = m.created_at || c.last_message_at;
    const onScreen = m.conversation_id === store.currentId && document.visibilityState === 'visible';
    if (m.direction === 'in' && !onScreen) {
      c.unread = (c.unread || 0) + 1;
      if (isMine(c)) {
        notify(`${c.ticket} · ${customerName(c)}`, m.text || `[${m.kind}]`, {
          tag: `msg-${c.id}`, onClick: () => { location.hash = `#/c/${c.id}`; },
        });
      }
    }
    emit('convs');
  }
  conversation.onMessage(m);
}

async function onConversationChanged(data) {
  deskChanged();
  const { prev, conv } = mergeConversation(data);
  conversation.onConversationChanged(conv);
  if (!relevant(conv)) {
    store.convs.delete(conv.id);
    emit('convs');
    return;
  }
  const newlyWaiting = conv.status === 'waiting' && (!prev || prev.status !== 'waiting');
  const newlyMine = isMine(conv) && !isMine(prev);
  if (!conv.customer) {
    // Events carry no customer; fetch it once so the list can name them.
    try {
      const full = await api.conversation(conv.id);
      delete full.messages;
      // The server's count covers every message stored before the fetch; a
      // local count can only have grown by events since, so keep the larger.
      const local = store.convs.get(conv.id)?.unread ?? 0;
      mergeConversation({ ...full, unread: Math.max(local, full.unread ?? 0) });
    } catch {
      // The list shows "Customer #id" until the next reload.
    }
  }
  emit('convs');
  const c = store.convs.get(conv.id) || conv;
  if (newlyWaiting) {
    playChime();
    notify(`Customer waiting: ${customerName(c)}`, `${c.ticket} · ${c.channel}\n${c.first_text || ''}`, {
      tag: `waiting-${c.id}`, onClick: () => { location.hash = `#/c/${c.id}`; },
    });
  } else if (newlyMine && c.id !== store.currentId) {
    playChime();
    notify(`Assigned to you: ${customerName(c)}`, `${c.ticket} · ${c.first_text || ''}`, {
      tag: `mine-${c.id}`, onClick: () => { location.hash = `#/c/${c.id}`; },
    });
  }
}

function onOperatorChanged(op) {
  if (!op || op.id == null) return;
  deskChanged();
  store.operators.set(op.id, { ...(store.operators.get(op.id) || {}), ...op });
  if (store.me && op.id === store.me.id) {
    const roleChanged = op.role !== undefined && op.role !== store.me.role;
    store.me = { ...store.me, ...op };
    emit('me');
    if (roleChanged) loadFollowUps(); // a supervisor is listed every follow-up
  }
  renderOperators();
  emit('operators');
}

async function resync() {
  deskChanged();
  loadCallbacks();
  loadFollowUps();
  try {
    await loadLists();
  } catch (err) {
    showError('Reload the queue', err);
  }
  const current = conversation.currentView();
  if (current && pane) conversation.showConversation(pane, current.id);
}

boot();

// audit.js — the supervisor's audit trail (#/admin/audit, GET /api/v1/audit):
// who did what, to what, when and from which address, newest first, a
// page at a time (a "Load more" end that also loads on scroll, more.js),
// filtered by action and by operator. Emails, names and details are
// whatever people typed: they are text (el() builds text nodes).

import * as api from './api.js';
import { store } from './store.js';
import { el, fill, formatTime } from './ui.js';
import { moreEnd } from './more.js';

/** Rows a page brings. */
const PAGE_SIZE = 100;

/** The actions the server records, as the filter offers them (docs/console-api.md). */
const ACTIONS = ['login', 'login_failed', 'lockout', 'password_reset', 'password_changed', 'operator_created',
  'operator_changed', 'canned_created', 'canned_changed', 'canned_deleted', 'customer_merged', 'customer_erased',
  'callback_dial_now', 'followup_closed'];

/** Where a target links to in the console, when it has a page. */
const TARGET_LINKS = { customer: (id) => `#/customers/${id}` };

let view = null;

/** Shows the audit trail in body (the supervisor page's body). */
export function showAudit(body) {
  const tbody = el('tbody', { 'data-testid': 'audit-rows' });
  const more = el('div', {});
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'audit-error', hidden: true });
  const action = el('select', { 'data-testid': 'audit-action', 'aria-label': 'Action', onchange: () => reload() },
    el('option', { value: '' }, 'Every action'), ACTIONS.map((a) => el('option', { value: a }, a)));
  const actor = el('select', { 'data-testid': 'audit-actor', 'aria-label': 'Who', onchange: () => reload() },
    el('option', { value: '' }, 'Anyone'),
    [...store.operators.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)))
      .map((op) => el('option', { value: String(op.id) }, `${op.name} (${op.email})`)));
  view = { body, tbody, more, error, action, actor, next: '', loading: false, generation: 0 };
  fill(body,
    el('h3', {}, 'Audit trail'),
    el('p', { class: 'muted' }, 'Logins, lockouts, passwords, operators, canned responses, customers merged or erased, callbacks dialled now and follow-ups closed: who did it, when and from which address.'),
    el('div', { class: 'audit-filters' }, action, ' ', actor),
    error,
    el('div', { class: 'table-wrap' },
      el('table', { class: 'data-table', 'data-testid': 'audit-table' },
        el('thead', {}, el('tr', {}, ['When', 'Who', 'Action', 'Target', 'Address', 'Details'].map((h) => el('th', {}, h)))),
        tbody)),
    more);
  reload();
  if (store.operators.size === 0) fillActors(actor);
}

/** Fills the "who" filter when the operators were not loaded yet. */
async function fillActors(select) {
  try {
    const ops = await api.operators();
    for (const op of ops) store.operators.set(op.id, op);
    const chosen = select.value;
    fill(select, el('option', { value: '' }, 'Anyone'),
      ops.sort((a, b) => String(a.name).localeCompare(String(b.name)))
        .map((op) => el('option', { value: String(op.id), selected: String(op.id) === chosen }, `${op.name} (${op.email})`)));
  } catch {
    // The filter stays with "Anyone"; the trail itself still shows.
  }
}

/** Starts the list again from its newest entry, with the filters chosen. */
function reload() {
  const v = view;
  v.generation++;
  v.next = '';
  v.tbody.replaceChildren();
  loadPage(v.generation, true);
}

async function loadPage(generation, first) {
  const v = view;
  if (v.loading && !first) return;
  v.loading = true;
  renderMore(v);
  const params = { limit: String(PAGE_SIZE), cursor: first ? '' : v.next };
  if (v.action.value) params.action = v.action.value;
  if (v.actor.value) params.actor_id = v.actor.value;
  try {
    const page = await api.auditPage(params);
    if (generation !== v.generation || !v.body.isConnected) return;
    for (const e of page.items) v.tbody.appendChild(row(e));
    if (first && page.items.length === 0) {
      v.tbody.appendChild(el('tr', {}, el('td', { colspan: '6', class: 'muted', 'data-testid': 'audit-empty' }, 'Nothing recorded.')));
    }
    v.next = page.next;
    fill(v.error, '');
    v.error.hidden = true;
  } catch (err) {
    if (generation !== v.generation) return;
    fill(v.error, `Could not load the audit trail: ${err.message}`);
    v.error.hidden = false;
  } finally {
    if (generation === v.generation) {
      v.loading = false;
      renderMore(v);
    }
  }
}

function renderMore(v) {
  const gen = v.generation;
  fill(v.more, v.next || v.loading ? moreEnd('div', 'audit-more', v.loading, () => loadPage(gen, false)) : null);
}

/** Who acted: their name now and email then, or the email typed (a failed login), or nobody (the command line). */
function who(e) {
  if (e.actor_name) return [e.actor_name, el('div', { class: 'muted' }, e.actor_email)];
  if (e.actor_email) return e.actor_email;
  return el('span', { class: 'muted' }, e.actor_id ? `operator #${e.actor_id}` : 'command line');
}

function target(e) {
  if (!e.target_type) return '—';
  const label = e.target_id ? `${e.target_type} #${e.target_id}` : e.target_type;
  const link = TARGET_LINKS[e.target_type];
  return link && e.target_id ? el('a', { href: link(e.target_id) }, label) : label;
}

/** Details as "key: value" lines; a change [before, after] as "before → after". */
function details(d) {
  const entries = Object.entries(d || {}).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return '';
  return entries.map(([k, v]) => el('div', { class: 'audit-detail' }, `${k}: ${detailValue(v)}`));
}

function detailValue(v) {
  if (Array.isArray(v) && v.length === 2) return `${shown(v[0])} → ${shown(v[1])}`;
  return shown(v);
}

function shown(v) {
  if (v === '' || v === null || v === undefined) return '—';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function row(e) {
  return el('tr', { 'data-testid': 'audit-row', 'data-action': e.action, 'data-entry-id': String(e.id) },
    el('td', {}, el('time', { datetime: e.at, title: e.at }, formatTime(e.at))),
    el('td', { 'data-testid': 'audit-who' }, who(e)),
    el('td', { 'data-testid': 'audit-what' }, e.action),
    el('td', { 'data-testid': 'audit-target' }, target(e)),
    el('td', { 'data-testid': 'audit-address' }, e.address || '—'),
    el('td', { 'data-testid': 'audit-details' }, details(e.details)));
}

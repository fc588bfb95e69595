// search.js — the search box in the header and its results: conversations
// found by ticket, phone, name, @username or message words
// (GET /api/v1/search), each with a link to its customer's profile. Snippets arrive as plain-text segments; matches are
// wrapped in <mark> elements made here, and nothing is read as HTML.

import * as api from './api.js';
import { el, fill, cssToken } from './ui.js';

const DEBOUNCE_MS = 250;

let box = null;
let input = null;
let panel = null;
let timer = 0;
// seq drops answers to queries typed over since.
let seq = 0;

/**
 * The search box: the same element for the whole session, so re-rendering
 * the header keeps what is typed.
 */
export function searchBox() {
  if (box) return box;
  input = el('input', { type: 'search', class: 'search-input', placeholder: 'Search tickets, phones, names, messages',
    'aria-label': 'Search conversations', 'data-testid': 'search-input', autocomplete: 'off', maxlength: '200' });
  panel = el('div', { class: 'search-results', 'data-testid': 'search-results', role: 'listbox', hidden: true });
  const form = el('form', { class: 'search', role: 'search' }, input, panel);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(input.value, true);
  });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value, false), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });
  document.addEventListener('click', (e) => {
    if (box && !box.contains(e.target)) close();
  });
  window.addEventListener('hashchange', close);
  box = form;
  return box;
}

/** Keeps the focus and caret in the box across a header re-render. */
export function keepFocus(fn) {
  const focused = input && document.activeElement === input;
  const start = focused ? input.selectionStart : 0;
  const end = focused ? input.selectionEnd : 0;
  fn();
  if (focused) {
    input.focus();
    input.setSelectionRange(start, end);
  }
}

/** Forgets the session's box (on logout). */
export function resetSearch() {
  clearTimeout(timer);
  seq++;
  box = input = panel = null;
}

function close() {
  if (panel) panel.hidden = true;
}

async function run(raw, now) {
  clearTimeout(timer);
  const q = raw.trim();
  const mine = ++seq;
  if (q === '' || (!now && q.length < 2)) {
    close();
    return;
  }
  fill(panel, el('p', { class: 'muted search-note' }, 'Searching…'));
  panel.hidden = false;
  try {
    const page = await api.search(q);
    if (mine !== seq) return;
    fill(panel);
    show(q, page, mine);
  } catch (err) {
    if (mine !== seq) return;
    fill(panel, el('p', { class: 'form-error search-note', role: 'alert' }, err.message));
  }
}

// show appends a page of results, and a button for the next page.
function show(q, page, mine) {
  const results = page.results || [];
  if (results.length === 0 && panel.childElementCount === 0) {
    panel.appendChild(el('p', { class: 'muted search-note', 'data-testid': 'search-empty' }, `Nothing found for “${q}”`));
    return;
  }
  for (const r of results) panel.appendChild(resultRow(r));
  if (page.next_cursor) {
    const more = el('button', { type: 'button', class: 'link-button search-more', 'data-testid': 'search-more' }, 'More results');
    more.addEventListener('click', async (e) => {
      e.stopPropagation();
      more.disabled = true;
      try {
        const next = await api.search(q, page.next_cursor);
        if (mine !== seq) return;
        more.remove();
        show(q, next, mine);
      } catch (err) {
        more.disabled = false;
        more.title = err.message;
      }
    });
    panel.appendChild(more);
  }
}

function resultRow(r) {
  const c = r.customer || {};
  const who = c.name || (c.username ? `@${c.username}` : c.phone || `Customer #${c.id}`);
  const open = el('a', { href: `#/c/${r.conversation_id}`, class: 'search-result', role: 'option', 'data-testid': 'search-result',
    'data-conversation-id': String(r.conversation_id) },
  el('span', { class: 'search-head' },
    el('span', { class: 'ticket' }, r.ticket),
    el('span', { class: 'search-who' }, who),
    el('span', { class: `badge status-${cssToken(r.status)}` }, r.status)),
  el('span', { class: 'search-snippet', 'data-testid': 'search-snippet' }, snippet(r.snippet)));
  if (c.id == null) return open;
  // A link cannot hold another: the customer's profile is beside the result.
  return el('div', { class: 'search-row' }, open,
    el('a', { href: `#/customers/${c.id}`, class: 'search-profile', 'data-testid': 'search-profile', 'data-customer-id': String(c.id),
      title: `The profile of ${who}` }, 'Profile'));
}

/** The snippet's segments as text nodes, matches inside <mark>. */
export function snippet(segments) {
  return (segments || []).map((s) => (s.match ? el('mark', null, s.text) : String(s.text)));
}

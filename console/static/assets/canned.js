// canned.js — the canned-response picker of the reply box. Typing "/" at
// the start of a word opens it, filtered by what follows ("/ref" finds the
// shortcut "refund"); arrow keys move, Enter or Tab inserts, Escape closes.

import * as api from './api.js';
import { store, emit } from './store.js';
import { el, fill } from './ui.js';

let loadError = '';

/** Loads the canned responses into the store. */
export async function loadCanned() {
  try {
    store.canned = await api.canned();
    loadError = '';
  } catch (err) {
    store.canned = [];
    loadError = err.message;
  }
  emit('canned');
}

/** The "/word" just before the caret, or null. */
function slashToken(textarea) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  if (textarea.selectionStart !== textarea.selectionEnd) return null;
  const m = /(^|\s)\/([\w-]*)$/.exec(before);
  if (!m) return null;
  return { query: m[2].toLowerCase(), start: before.length - m[2].length - 1 };
}

function matches(query) {
  const q = query.toLowerCase();
  const starts = [];
  const contains = [];
  for (const c of store.canned) {
    const shortcut = String(c.shortcut || '').toLowerCase();
    const title = String(c.title || '').toLowerCase();
    if (shortcut.startsWith(q)) starts.push(c);
    else if (q && (shortcut.includes(q) || title.includes(q))) contains.push(c);
  }
  return [...starts, ...contains].slice(0, 8);
}

/**
 * Attaches the picker to textarea; returns { element, handleKey(e) → bool }.
 * handleKey must see keydown events first: it returns true when it used
 * the key (the caller then does nothing more with it).
 */
export function cannedPicker(textarea) {
  const list = el('ul', { class: 'canned-picker', role: 'listbox', 'data-testid': 'canned-picker', hidden: true, id: 'canned-picker' });
  let options = [];
  let active = 0;
  let token = null;

  const close = () => {
    list.hidden = true;
    options = [];
    token = null;
    textarea.setAttribute('aria-expanded', 'false');
    textarea.removeAttribute('aria-activedescendant');
  };

  const render = () => {
    if (!options.length) {
      const text = loadError ? `Canned responses unavailable: ${loadError}`
        : store.canned.length ? `No canned response matches "/${token.query}".` : 'No canned responses yet.';
      fill(list, el('li', { class: 'canned-empty muted', 'data-testid': 'canned-empty' }, text));
    } else {
      fill(list, options.map((c, i) => el('li', {
        id: `canned-option-${i}`, role: 'option', class: ['canned-option', i === active && 'active'],
        'aria-selected': String(i === active), 'data-testid': 'canned-option', 'data-shortcut': c.shortcut,
        onmousedown: (e) => { e.preventDefault(); insert(c); },
      },
      el('span', { class: 'canned-shortcut' }, `/${c.shortcut}`),
      el('span', { class: 'canned-title' }, c.title || ''),
      el('span', { class: 'canned-text muted' }, c.text || ''))));
      textarea.setAttribute('aria-activedescendant', `canned-option-${active}`);
    }
    list.hidden = false;
    textarea.setAttribute('aria-expanded', 'true');
    const current = list.querySelector('.active');
    if (current) current.scrollIntoView({ block: 'nearest' });
  };

  const update = () => {
    token = slashToken(textarea);
    if (!token) { close(); return; }
    options = matches(token.query);
    active = Math.min(active, Math.max(0, options.length - 1));
    render();
  };

  const insert = (c) => {
    if (!token) return;
    const v = textarea.value;
    const end = textarea.selectionStart;
    const text = String(c.text || '');
    textarea.value = v.slice(0, token.start) + text + v.slice(end);
    const caret = token.start + text.length;
    textarea.setSelectionRange(caret, caret);
    close();
    textarea.focus();
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  };

  textarea.setAttribute('aria-controls', 'canned-picker');
  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.addEventListener('input', () => { active = 0; update(); });
  textarea.addEventListener('click', update);
  textarea.addEventListener('blur', () => setTimeout(close, 100));

  const handleKey = (e) => {
    if (list.hidden) return false;
    switch (e.key) {
      case 'ArrowDown':
        if (options.length) { active = (active + 1) % options.length; render(); }
        return true;
      case 'ArrowUp':
        if (options.length) { active = (active - 1 + options.length) % options.length; render(); }
        return true;
      case 'Enter':
      case 'Tab':
        if (e.shiftKey) return false;
        if (!options.length) {
          // Nothing to insert: the first Enter only closes the picker, so
          // "/typo" is not sent by accident; Tab moves focus as usual.
          close();
          return e.key === 'Enter';
        }
        insert(options[active]);
        return true;
      case 'Escape':
        close();
        return true;
      default:
        return false;
    }
  };

  return { element: list, handleKey, close };
}

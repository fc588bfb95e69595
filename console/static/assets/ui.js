// ui.js — the only way the console builds DOM.
//
// el() never parses HTML: strings become text nodes (textContent), so
// whatever a customer or operator typed is shown literally. Attribute
// values are set with setAttribute, and event handlers only from functions.
// Nothing in the console may use innerHTML, outerHTML, insertAdjacentHTML
// or document.write.

/**
 * el(tag, attrs, ...children) builds an element.
 * attrs: { class, 'data-testid', hidden: bool, value, checked, disabled,
 *          onclick: fn, oninput: fn, ... }  (null/false values are skipped)
 * children: strings/numbers (as text), Nodes, arrays of those, null/false.
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) {
      if (typeof value !== 'function') throw new TypeError(`el: ${key} must be a function`);
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'class') {
      node.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
    } else if (key === 'value' || key === 'checked' || key === 'selected') {
      node[key] = value;
    } else if (value === true) {
      node.setAttribute(key, '');
    } else {
      node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces node's children with children (same rules as el). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A class-name-safe token from a server value. */
export function cssToken(s) {
  return String(s || 'unknown').toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

/** Whether keyboard focus is in a place where keys are text. */
export function isTyping(target = document.activeElement) {
  if (!target || !(target instanceof Element)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

/** "42s", "5m 03s", "2h 07m", "3d 4h" since an RFC 3339 time. */
export function formatWaited(since, now = Date.now()) {
  const t = Date.parse(since);
  if (Number.isNaN(t)) return '';
  return formatSeconds(Math.floor((now - t) / 1000));
}

/** A span of seconds as "42s", "5m 03s", "2h 07m" or "3d 4h". */
export function formatSeconds(seconds) {
  let s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  let m = Math.floor(s / 60); s %= 60;
  if (m < 60) return `${m}m ${String(s).padStart(2, '0')}s`;
  let h = Math.floor(m / 60); m %= 60;
  if (h < 24) return `${h}h ${String(m).padStart(2, '0')}m`;
  const d = Math.floor(h / 24); h %= 24;
  return `${d}d ${h}h`;
}

/** A local time for a message: "14:05", or "3 Mar 14:05" when not today. */
export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === new Date().toDateString()) return time;
  return `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

/** A <time> element whose text ticks (see startTicking). */
export function waitedSince(iso, testid = 'waited') {
  return el('time', { class: 'waited', datetime: iso, 'data-since': iso, 'data-testid': testid },
    formatWaited(iso));
}

let ticker = 0;
/** Updates every [data-since] element once a second. */
export function startTicking() {
  if (ticker) return;
  ticker = setInterval(() => {
    const now = Date.now();
    for (const node of document.querySelectorAll('[data-since]')) {
      node.textContent = formatWaited(node.getAttribute('data-since'), now);
    }
  }, 1000);
}

let toastTimer = 0;
/** Shows a short message at the bottom of the screen; kind "error" stays longer. */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toast');
  if (!box) return;
  fill(box, el('span', { 'data-testid': kind === 'error' ? 'error' : 'toast' }, message));
  box.className = `toast toast-${kind}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, kind === 'error' ? 8000 : 3000);
}

/** Shows an error (an ApiError or anything else) as a toast, with what was being done. */
export function showError(doing, err) {
  const text = err && err.message ? err.message : String(err);
  toast(doing ? `${doing}: ${text}` : text, 'error');
}

/**
 * Opens a modal dialog with content; returns { close }. Escape or the
 * backdrop closes it; focus goes to the first field.
 */
export function openDialog(title, content, { testid = 'dialog', onClose } = {}) {
  const close = () => {
    dialog.close();
    dialog.remove();
    if (onClose) onClose();
  };
  const dialog = el('dialog', { class: 'dialog', 'data-testid': testid, oncancel: (e) => { e.preventDefault(); close(); } },
    el('header', { class: 'dialog-head' },
      el('h2', {}, title),
      el('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: close }, '×')),
    content);
  dialog.addEventListener('click', (e) => { if (e.target === dialog) close(); });
  document.body.appendChild(dialog);
  dialog.showModal();
  const first = dialog.querySelector('input, select, textarea, button:not(.icon-button)');
  if (first) first.focus();
  return { close, dialog };
}

/** Asks a yes/no question in a dialog; resolves to true for yes. */
export function confirmDialog(title, question, yesLabel = 'Yes') {
  return new Promise((resolve) => {
    let answered = false;
    const answer = (yes) => { answered = true; resolve(yes); d.close(); };
    const d = openDialog(title, el('div', { class: 'stack' },
      el('p', {}, question),
      el('div', { class: 'form-actions' },
        el('button', { type: 'button', 'data-testid': 'confirm-no', onclick: () => answer(false) }, 'Cancel'),
        el('button', { type: 'button', class: 'danger', 'data-testid': 'confirm-yes', onclick: () => answer(true) }, yesLabel))),
    { testid: 'confirm-dialog', onClose: () => { if (!answered) resolve(false); } });
  });
}

// shortcuts.js — keyboard shortcuts. Single letters work only when focus is
// not in a text field; Alt combinations work everywhere.

import { store } from './store.js';
import { el, isTyping, openDialog } from './ui.js';
import { visibleList } from './queue.js';
import { resolveCurrent, claimCurrent } from './conversation.js';

const KEYS = [
  ['j  or  Alt+↓', 'next conversation'],
  ['k  or  Alt+↑', 'previous conversation'],
  ['r  or  Alt+R', 'resolve the conversation on screen'],
  ['c', 'claim the conversation on screen'],
  ['Enter', 'send the reply'],
  ['Shift+Enter', 'new line in the reply'],
  ['/', 'in the reply box: canned responses (↑ ↓ to choose, Enter to insert)'],
  ['Esc', 'close a dialog or the canned responses'],
  ['?', 'this list'],
];

let open = null;

/** Shows the list of shortcuts. */
export function showShortcuts() {
  if (open) return;
  open = openDialog('Keyboard shortcuts', el('table', { class: 'shortcuts', 'data-testid': 'shortcuts' },
    el('tbody', {}, KEYS.map(([k, what]) => el('tr', {}, el('td', {}, el('kbd', {}, k)), el('td', {}, what))))),
  { testid: 'shortcuts-dialog', onClose: () => { open = null; } });
}

/** Moves to the next (step 1) or previous (step -1) conversation in the list on show. */
export function step(by) {
  const list = visibleList();
  if (!list.length) return;
  const at = list.findIndex((c) => c.id === store.currentId);
  const next = at < 0 ? (by > 0 ? list[0] : list[list.length - 1]) : list[(at + by + list.length) % list.length];
  location.hash = `#/c/${Number(next.id)}`;
}

/** Installs the shortcuts (once). */
export function installShortcuts() {
  document.addEventListener('keydown', (e) => {
    if (!store.me || e.defaultPrevented || e.isComposing) return;
    if (document.querySelector('dialog[open]') && e.key !== 'Escape') return;
    const typing = isTyping(e.target);
    if (e.altKey && !e.ctrlKey && !e.metaKey) {
      if (e.key === 'ArrowDown') { e.preventDefault(); step(1); return; }
      if (e.key === 'ArrowUp') { e.preventDefault(); step(-1); return; }
      if (e.code === 'KeyR') { e.preventDefault(); resolveCurrent(); return; }
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case 'j': e.preventDefault(); step(1); break;
      case 'k': e.preventDefault(); step(-1); break;
      case 'r': e.preventDefault(); resolveCurrent(); break;
      case 'c': e.preventDefault(); claimCurrent(); break;
      case '?': e.preventDefault(); showShortcuts(); break;
      default:
    }
  });
}

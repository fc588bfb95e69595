// more.js — the end of a paged list (docs/console-api.md, Paging): a
// "Load more" button that also loads by itself when it scrolls into view.

import { el } from './ui.js';

/**
 * The end of a list with more pages: a tag element (li in a list) holding
 * a button; load() is called on a click, or once the node comes within
 * 200px of the visible area. A list re-renders with a new node after each
 * page, and a new node already in view is reported at once, so a page too
 * short to fill the list brings the next.
 */
export function moreEnd(tag, testid, loading, load) {
  const node = el(tag, { class: 'more', 'data-testid': testid },
    el('button', { type: 'button', disabled: loading, onclick: () => load() }, loading ? 'Loading…' : 'Load more'));
  if (!loading && typeof IntersectionObserver === 'function') {
    const watch = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      watch.disconnect();
      load();
    }, { rootMargin: '0px 0px 200px 0px' });
    watch.observe(node);
  }
  return node;
}

// attachment.js — choosing a file to send: the paper-clip button opens the
// file picker, an image pasted into the reply box or a file dropped on the
// conversation is taken too. The chosen file is shown above the box (name
// and size, as text) until it is sent or removed; the server's refusal
// (400: a type it does not take, 413: over 20 MB) is shown beside it.

import { el, fill } from './ui.js';

/** The most an operator may send (docs/console-api.md); the server checks too. */
const MAX_BYTES = 20 * 1024 * 1024;

function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * The attachment controls of a reply box: { button, input, pending } to
 * place, chosen() the file to send (null when none), clear(), fail(err)
 * to show why it was refused, and setEnabled(on) (notes carry no files).
 */
export function attachment(textarea, dropZone) {
  let file = null;
  const input = el('input', { type: 'file', hidden: true, 'data-testid': 'attach-input', 'aria-label': 'Choose a file to send' });
  const button = el('button', {
    type: 'button', class: 'icon-button attach-button', 'data-testid': 'attach-button',
    title: 'Attach a file (or paste an image, or drop a file on the conversation)', 'aria-label': 'Attach a file',
  }, '📎');
  const pending = el('div', { class: 'attachment-pending', 'data-testid': 'attachment-pending', hidden: true });

  const render = (error) => {
    if (!file) {
      fill(pending);
      pending.hidden = true;
      return;
    }
    pending.hidden = false;
    fill(pending,
      el('span', { class: 'attachment-name', 'data-testid': 'attachment-name' }, file.name || 'file'),
      el('span', { class: 'muted' }, ` (${formatSize(file.size)})`),
      el('button', { type: 'button', class: 'icon-button', 'data-testid': 'attachment-remove', 'aria-label': 'Remove the file', onclick: () => choose(null) }, '×'),
      error ? el('span', { class: 'attachment-error', role: 'alert', 'data-testid': 'attachment-error' }, error) : null);
  };
  const choose = (f) => {
    file = f || null;
    if (file && file.size > MAX_BYTES) {
      render(`This file is ${formatSize(file.size)}; at most 20 MB can be sent.`);
      file = null;
      pending.hidden = false;
      return;
    }
    render();
    if (file) textarea.focus();
  };

  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    choose(input.files && input.files[0]);
    input.value = '';
  });
  textarea.addEventListener('paste', (e) => {
    const items = e.clipboardData ? [...e.clipboardData.files] : [];
    const image = items.find((f) => f.type.startsWith('image/'));
    if (!image || button.disabled) return;
    e.preventDefault();
    const ext = image.type.split('/')[1] || 'png';
    choose(image.name && image.name !== 'image.png' ? image : new File([image], `pasted-image.${ext}`, { type: image.type }));
  });
  if (dropZone) {
    const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    dropZone.addEventListener('dragover', (e) => {
      if (!hasFiles(e) || button.disabled) return;
      e.preventDefault();
      dropZone.classList.add('drop-target');
    });
    dropZone.addEventListener('dragleave', (e) => {
      if (e.target === dropZone) dropZone.classList.remove('drop-target');
    });
    dropZone.addEventListener('drop', (e) => {
      dropZone.classList.remove('drop-target');
      if (!hasFiles(e) || button.disabled) return;
      e.preventDefault();
      choose(e.dataTransfer.files[0]);
    });
  }

  return {
    button, input, pending,
    chosen: () => file,
    clear: () => choose(null),
    fail: (err) => render(err && err.message ? err.message : String(err)),
    setEnabled: (on) => { button.disabled = !on; },
  };
}

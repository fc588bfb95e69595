// composer.js — the reply box: Enter sends, Shift+Enter adds a line, "/"
// opens the canned responses, and the note switch turns the box into a
// private note that is never sent to the customer. The paper clip, a
// pasted image or a file dropped on the conversation attaches a file, sent
// with the box's text as its caption (attachment.js).

import * as api from './api.js';
import { el, fill, showError } from './ui.js';
import { cannedPicker } from './canned.js';
import { attachment } from './attachment.js';

const drafts = new Map();
let noteMode = false;

/**
 * The reply box for conversation id. onSent(message) is called with the
 * stored message (a reply, a file or a note) after the server accepts it.
 * Files dropped on dropZone (the conversation) are attached.
 */
export function composer(id, onSent, { dropZone } = {}) {
  const input = el('textarea', {
    id: 'reply-input', class: 'reply-input', rows: '3', 'data-testid': 'reply-input',
    'aria-label': 'Reply', maxlength: '16000', value: drafts.get(id) || '',
  });
  const picker = cannedPicker(input);
  const toggle = el('input', { type: 'checkbox', id: 'note-toggle', 'data-testid': 'note-toggle', checked: noteMode });
  const send = el('button', { type: 'submit', class: 'primary', 'data-testid': 'reply-send' });
  const hint = el('span', { class: 'composer-hint muted' });
  const file = attachment(input, dropZone);
  const form = el('form', { class: 'composer', 'data-testid': 'composer' },
    picker.element,
    file.pending,
    input,
    el('div', { class: 'composer-bar' },
      file.button,
      el('label', { class: 'switch', for: 'note-toggle', title: 'Private notes are seen by operators only' },
        toggle, el('span', {}, 'Private note')),
      hint,
      send),
    file.input);

  const applyMode = () => {
    noteMode = toggle.checked;
    form.classList.toggle('note-mode', noteMode);
    input.placeholder = noteMode
      ? 'Private note — only operators see it, never sent to the customer'
      : 'Reply to the customer… ("/" for canned responses)';
    input.setAttribute('aria-label', noteMode ? 'Private note' : 'Reply');
    fill(send, noteMode ? 'Add note' : 'Send');
    file.setEnabled(!noteMode);
    fill(hint, noteMode ? 'Not sent to the customer' : 'Enter sends · Shift+Enter new line');
  };
  toggle.addEventListener('change', () => { applyMode(); input.focus(); });
  applyMode();

  let sending = false;
  const submit = async () => {
    const text = input.value.trim();
    if (sending) return;
    if (file.chosen() && !toggle.checked) {
      sending = true;
      send.disabled = true;
      try {
        const msg = await api.attach(id, file.chosen(), text);
        file.clear();
        if (input.value.trim() === text) input.value = '';
        drafts.delete(id);
        if (msg && msg.id) onSent(msg);
      } catch (err) {
        file.fail(err);
        showError('File not sent', err);
      } finally {
        sending = false;
        send.disabled = false;
        input.focus();
      }
      return;
    }
    if (!text) return;
    sending = true;
    send.disabled = true;
    const asNote = toggle.checked;
    try {
      const msg = asNote ? await api.note(id, text) : await api.reply(id, text);
      if (input.value.trim() === text) input.value = '';
      drafts.delete(id);
      if (msg && msg.id) onSent(msg);
    } catch (err) {
      showError(asNote ? 'Note not saved' : 'Reply not sent', err);
    } finally {
      sending = false;
      send.disabled = false;
      input.focus();
    }
  };

  input.addEventListener('keydown', (e) => {
    if (picker.handleKey(e)) { e.preventDefault(); return; }
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', () => {
    if (input.value) drafts.set(id, input.value);
    else drafts.delete(id);
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  return form;
}

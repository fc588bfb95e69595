// callbackbook.js — booking a callback for the customer of a conversation
// (POST /callbacks): their number prefilled when known, as soon as
// possible or at a time the operator picks in their own time, and notes.
// The answer goes into the store at once; its callback.changed event follows.

import * as api from './api.js';
import { customerName, emit } from './store.js';
import { el, fill, openDialog, toast } from './ui.js';
import { mergeCallback, MAX_CALLBACK_NOTES } from './callbackstore.js';

/** "YYYY-MM-DDTHH:MM" of d in the browser's time, as datetime-local wants it. */
function localInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Opens the booking dialog for conversation c's customer. */
export function openBookCallback(c) {
  const name = customerName(c);
  const phone = el('input', {
    type: 'tel', id: 'book-callback-phone', required: true, autocomplete: 'off', placeholder: '+44 7911 123456',
    'data-testid': 'book-callback-phone',
  });
  phone.value = (c.customer && c.customer.phone) || '';
  const asap = el('input', { type: 'radio', name: 'book-callback-when', id: 'book-callback-asap', value: 'asap', checked: true, 'data-testid': 'book-callback-asap' });
  const later = el('input', { type: 'radio', name: 'book-callback-when', id: 'book-callback-later', value: 'at', 'data-testid': 'book-callback-later' });
  const soon = new Date(Date.now() + 60 * 60 * 1000);
  const due = el('input', {
    type: 'datetime-local', id: 'book-callback-due', min: localInput(new Date()), 'aria-label': 'Call at (your time)',
    'data-testid': 'book-callback-due', disabled: true,
  });
  due.value = localInput(soon);
  for (const r of [asap, later]) r.addEventListener('change', () => { due.disabled = !later.checked; });
  const notes = el('textarea', { id: 'book-callback-notes', rows: '3', maxlength: String(MAX_CALLBACK_NOTES), 'data-testid': 'book-callback-notes' });
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'book-callback-error', hidden: true });
  const submit = el('button', { type: 'submit', class: 'primary', 'data-testid': 'book-callback-submit' }, 'Book callback');
  const form = el('form', { class: 'stack' },
    el('p', {}, `A call back to ${name}${c.ticket ? ` (${c.ticket})` : ''}. They are told when.`),
    el('label', { for: 'book-callback-phone' }, 'Number to call'), phone,
    el('div', { class: 'radio-row' }, asap, el('label', { for: 'book-callback-asap' }, 'As soon as possible')),
    el('div', { class: 'radio-row' }, later, el('label', { for: 'book-callback-later' }, 'At (your time)'), due),
    el('label', { for: 'book-callback-notes' }, 'Notes for whoever calls (optional)'), notes,
    error,
    el('div', { class: 'form-actions' }, submit));
  const d = openDialog('Book a callback', form, { testid: 'book-callback-dialog' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const booking = { customer_id: c.customer_id, phone: phone.value.trim(), notes: notes.value };
    if (later.checked) {
      const t = new Date(due.value);
      if (!due.value || Number.isNaN(t.getTime())) { showError(error, 'Pick the day and time to call.'); return; }
      booking.due_at = t.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    submit.disabled = true;
    try {
      mergeCallback(await api.bookCallback(booking));
      emit('callbacks');
      d.close();
      toast(`Callback to ${name} booked`);
    } catch (err) {
      showError(error, err.message);
      submit.disabled = false;
    }
  });
}

function showError(node, text) {
  fill(node, text);
  node.hidden = !text;
}

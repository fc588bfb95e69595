// transfer.js — the dialog that hands a conversation to another operator
// or back to a queue (POST /conversations/{id}/transfer).

import * as api from './api.js';
import { store, mergeConversation, emit } from './store.js';
import { el, fill, openDialog, toast } from './ui.js';

/** Opens the transfer dialog for conversation conv. */
export async function openTransfer(conv) {
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'transfer-error', hidden: true });
  const opSelect = el('select', { id: 'transfer-operator', 'data-testid': 'transfer-operator' },
    el('option', { value: '' }, 'Loading operators…'));
  const queueInput = el('input', {
    id: 'transfer-queue', 'data-testid': 'transfer-queue', list: 'transfer-queues', autocomplete: 'off',
    placeholder: 'default queue', maxlength: '64',
  });
  const queues = el('datalist', { id: 'transfer-queues' },
    [...store.queues].filter(Boolean).sort().map((q) => el('option', { value: q })));
  const toOperator = el('input', { type: 'radio', name: 'transfer-kind', value: 'operator', id: 'transfer-kind-operator', checked: true });
  const toQueue = el('input', { type: 'radio', name: 'transfer-kind', value: 'queue', id: 'transfer-kind-queue' });
  const submit = el('button', { type: 'submit', class: 'primary', 'data-testid': 'transfer-submit' }, 'Transfer');

  const sync = () => {
    opSelect.disabled = !toOperator.checked;
    queueInput.disabled = !toQueue.checked;
  };
  toOperator.addEventListener('change', sync);
  toQueue.addEventListener('change', sync);
  opSelect.addEventListener('focus', () => { toOperator.checked = true; sync(); });

  const form = el('form', { class: 'stack', 'data-testid': 'transfer-form' },
    el('div', { class: 'radio-row' }, toOperator, el('label', { for: 'transfer-kind-operator' }, 'To an operator')),
    opSelect,
    el('div', { class: 'radio-row' }, toQueue, el('label', { for: 'transfer-kind-queue' }, 'Back to a queue')),
    queueInput, queues,
    error,
    el('div', { class: 'form-actions' }, submit));
  sync();

  const { close } = openDialog(`Transfer ${conv.ticket}`, form, { testid: 'transfer-dialog' });

  try {
    const ops = await api.operators();
    for (const op of ops) store.operators.set(op.id, op);
    const targets = ops.filter((op) => op.active !== false && (!store.me || op.id !== store.me.id));
    fill(opSelect, targets.length
      ? targets.map((op) => el('option', { value: String(op.id) },
        `${op.name || op.email} — ${op.presence || 'unknown'}${op.capacity ? `, ${op.open_count ?? '?'}/${op.capacity} open` : ''}`))
      : el('option', { value: '' }, 'No other operators'));
  } catch (err) {
    fill(opSelect, el('option', { value: '' }, 'Operators unavailable'));
    fill(error, `Could not load operators: ${err.message}`);
    error.hidden = false;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let target;
    if (toOperator.checked) {
      const id = Number(opSelect.value);
      if (!id) { fill(error, 'Choose an operator.'); error.hidden = false; return; }
      target = { operator_id: id };
    } else {
      target = { queue: queueInput.value.trim() };
    }
    submit.disabled = true;
    try {
      const updated = await api.transfer(conv.id, target);
      if (updated && updated.id) mergeConversation(updated);
      emit('convs');
      emit('current');
      close();
      toast(`${conv.ticket} transferred`);
    } catch (err) {
      fill(error, err.message);
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
}

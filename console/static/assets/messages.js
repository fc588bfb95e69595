// messages.js — one message as a list item. Every value from the server
// becomes text; media are shown by kind and file name or id, never loaded.
// A customer's labelled message (thanks, complaint, question) shows its
// label, which the operator may correct (PATCH /messages/{id}).

import * as api from './api.js';
import { customerName, operatorName } from './store.js';
import { el, fill, formatTime, cssToken, showError } from './ui.js';

const MEDIA = new Set(['photo', 'document', 'voice', 'video', 'audio', 'sticker', 'animation', 'video_note', 'contact', 'location']);

/** Who wrote m, for its label. */
function authorLabel(m, conv) {
  switch (m.author) {
    case 'customer': return customerName(conv);
    case 'operator': return operatorName(m.operator_id) || 'Operator';
    case 'bot': return 'Bot';
    case 'system': return 'System';
    default: return m.author || '';
  }
}

/** The list item for message m of conversation conv. */
export function messageNode(m, conv) {
  const note = m.kind === 'note' || m.direction === 'internal';
  const system = m.author === 'system' || m.kind === 'event';
  const side = note ? 'note' : m.direction === 'in' ? 'in' : 'out';
  const media = MEDIA.has(m.kind);
  const item = el('li', {
    class: ['message', `msg-${side}`, system && 'msg-system', `author-${cssToken(m.author)}`],
    'data-testid': 'message', 'data-note': note ? 'true' : null,
    'data-message-id': String(m.id), 'data-kind': m.kind || '', 'data-author': m.author || '',
    'data-direction': m.direction || '',
  },
  note ? el('div', { class: 'note-label', 'data-testid': 'note-label' }, 'Private note — not sent') : null,
  el('div', { class: 'message-meta' },
    el('span', { class: 'message-author', 'data-testid': 'message-author' }, authorLabel(m, conv)),
    el('time', { class: 'message-time muted', datetime: m.created_at, title: m.created_at }, formatTime(m.created_at)),
    m.kind && m.kind !== 'text' && m.kind !== 'note' && !media ? el('span', { class: 'kind-tag muted' }, m.kind) : null,
    el('span', { class: 'label-slot' })),
  media ? el('div', { class: 'message-media', 'data-testid': 'message-media' },
    `[${m.kind}]`, m.file_name || m.file_id ? ` ${m.file_name || m.file_id}` : '',
    m.file_name && m.file_id ? el('span', { class: 'file-id muted' }, ` (file id ${m.file_id})`) : null) : null,
  m.text || !media ? el('div', { class: 'message-text', 'data-testid': 'message-text' }, m.text || '') : null,
  choicesNode(m),
  deliveryNode(m));
  updateLabel(item, m);
  return item;
}

// --- labels -----------------------------------------------------------------

const LABELS = ['thanks', 'complaint', 'question'];
const NO_LABEL = 'none';

/** Whether m is a customer's message that was labelled (or had its label taken off). */
const labelled = (m) => m.direction === 'in' && m.author === 'customer' && !!(m.label || m.label_source);

/**
 * Shows message m's label in its item (message JSON: a REST answer or a
 * message.labelled event), with the menu that corrects it.
 */
export function updateLabel(item, m) {
  const slot = item.querySelector('.label-slot');
  if (!slot) return;
  if (!labelled(m)) { fill(slot); return; }
  const by = m.label_source === 'operator' ? 'corrected by an operator' : 'labelled by the rules';
  const tag = el('span', {
    class: ['label-tag', `label-${cssToken(m.label || NO_LABEL)}`], 'data-testid': 'message-label',
    'data-label': m.label || '', 'data-label-source': m.label_source || '', title: by,
  }, m.label || 'no label');
  const select = el('select', { class: 'label-select', 'data-testid': 'label-select', 'aria-label': 'Correct the label', title: 'Correct the label' },
    el('option', { value: '', disabled: true, selected: true }, 'correct…'),
    [...LABELS, NO_LABEL].map((l) => el('option', { value: l, disabled: l === (m.label || NO_LABEL) }, l === NO_LABEL ? 'no label' : l)));
  select.addEventListener('change', () => relabel(item, m, select));
  fill(slot, tag, select);
}

async function relabel(item, m, select) {
  const label = select.value === NO_LABEL ? '' : select.value;
  select.disabled = true;
  try {
    updateLabel(item, await api.relabel(m.id, label));
  } catch (err) {
    showError(`Label the message as ${label || 'none'}`, err);
    select.value = '';
    select.disabled = false;
  }
}

/** The buttons the customer was offered (digits for SMS and phone). */
function choicesNode(m) {
  if (!Array.isArray(m.choices) || m.choices.length === 0) return null;
  const phone = m.channel === 'sms' || m.channel === 'voice';
  return el('ul', { class: 'choices', 'data-testid': 'message-choices' },
    m.choices.map((c) => el('li', { class: 'choice' }, phone ? `${c.digit} · ${c.label}` : c.label)));
}

function deliveryNode(m) {
  if (m.direction !== 'out' || !m.delivery_state) return null;
  const node = el('div', { class: 'delivery' });
  setDelivery(node, m.delivery_state, m.delivery_error);
  return node;
}

/** Sets the delivery state shown in message item (pending, sent, delivered, failed). */
export function updateDelivery(item, state, error) {
  let node = item.querySelector('.delivery');
  if (!node) {
    node = el('div', { class: 'delivery' });
    item.appendChild(node);
  }
  setDelivery(node, state, error);
}

function setDelivery(node, state, error) {
  const labels = {
    pending: '◷ sending', queued: '◷ queued at the carrier', sent: '✓ sent', delivered: '✓✓ delivered',
    read: '✓✓ read', undelivered: '⚠ not delivered', failed: '⚠ failed',
  };
  fill(node,
    el('span', { class: `delivery-state state-${cssToken(state)}`, 'data-testid': 'delivery-state', 'data-state': state },
      labels[state] || state),
    (state === 'failed' || state === 'undelivered') && error ? el('span', { class: 'delivery-error', 'data-testid': 'delivery-error' }, ` ${error}`) : null);
}

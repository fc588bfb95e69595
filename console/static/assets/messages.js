// messages.js — one message as a list item. Every value from the server
// becomes text; media are shown by kind and file name or id, never loaded.

import { customerName, operatorName } from './store.js';
import { el, fill, formatTime, cssToken } from './ui.js';

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
    m.kind && m.kind !== 'text' && m.kind !== 'note' && !media ? el('span', { class: 'kind-tag muted' }, m.kind) : null),
  media ? el('div', { class: 'message-media', 'data-testid': 'message-media' },
    `[${m.kind}]`, m.file_name || m.file_id ? ` ${m.file_name || m.file_id}` : '',
    m.file_name && m.file_id ? el('span', { class: 'file-id muted' }, ` (file id ${m.file_id})`) : null) : null,
  m.text || !media ? el('div', { class: 'message-text', 'data-testid': 'message-text' }, m.text || '') : null,
  choicesNode(m),
  deliveryNode(m));
  return item;
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

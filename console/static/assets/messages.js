// messages.js — one message as a list item. Every value from the server
// becomes text. A customer's file is loaded from its media_url (same
// origin, the session cookie): photos and stickers as thumbnails that open
// full size, voice notes and audio in a player, videos in a player,
// documents as a download link; a location links to a map.
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
  media ? mediaNode(m) : null,
  m.text || !media ? el('div', { class: 'message-text', 'data-testid': 'message-text' }, m.text || '') : null,
  choicesNode(m),
  deliveryNode(m));
  updateLabel(item, m);
  return item;
}

// --- media ------------------------------------------------------------------

/** Only the server's own paths and map links become URLs. */
const mediaURL = (u) => (typeof u === 'string' && /^\/api\/v1\/media\/\d+$/.test(u) ? u : null);
const mapURL = (u) => (typeof u === 'string' && u.startsWith('https://www.openstreetmap.org/') ? u : null);

/** Bytes as "1.2 MB". */
function formatSize(n) {
  if (!n) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** What message m carries: its file shown by kind, a map link, or why it cannot be shown. */
function mediaNode(m) {
  const src = mediaURL(m.media_url);
  const name = m.file_name || m.kind;
  const box = el('div', { class: 'message-media', 'data-testid': 'message-media', 'data-media-kind': m.kind });
  const download = src ? el('a', { class: 'media-download', 'data-testid': 'media-download', href: src, download: name, target: '_blank', rel: 'noopener' },
    `Download ${name}`, m.media_size ? ` (${formatSize(m.media_size)})` : '') : null;
  if (m.media_too_large) {
    fill(box, el('span', { class: 'media-too-large', 'data-testid': 'media-too-large' },
      `[${m.kind}] ${name} (${formatSize(m.media_size)}) is larger than the 20 MB Telegram lets bots download; ask the customer to send it another way.`));
    return box;
  }
  if (m.kind === 'location') {
    const href = mapURL(m.map_url);
    fill(box, '[location] ', href ? el('a', { 'data-testid': 'media-map', href, target: '_blank', rel: 'noopener noreferrer' }, 'Open the map') : null);
    return box;
  }
  if (!src) {
    fill(box, `[${m.kind}]`);
    return box;
  }
  switch (m.kind) {
    case 'photo':
    case 'sticker': {
      const img = el('img', { class: 'media-thumb', 'data-testid': 'media-image', src, alt: m.kind === 'sticker' ? (m.text || 'sticker') : 'photo', loading: 'lazy' });
      // A video sticker is no image: leave its emoji and a download.
      img.addEventListener('error', () => img.replaceWith(download || ''), { once: true });
      fill(box, el('a', { href: src, target: '_blank', rel: 'noopener', title: 'Open full size' }, img),
        // An operator's photo keeps the name it was sent under (as text).
        m.kind === 'photo' && m.file_name ? el('span', { class: 'media-name muted', 'data-testid': 'media-name' }, m.file_name) : null);
      break;
    }
    case 'voice':
    case 'audio':
      fill(box, el('audio', { class: 'media-audio', 'data-testid': 'media-audio', src, controls: true, preload: 'metadata' }), download);
      break;
    case 'video':
    case 'video_note':
    case 'animation':
      fill(box, el('video', { class: ['media-video', m.kind === 'video_note' && 'media-round'], 'data-testid': 'media-video', src, controls: true, preload: 'metadata' }), download);
      break;
    default:
      fill(box, `[${m.kind}] `, download);
  }
  return box;
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

// desk.js — the supervisor's live view (#/admin/live, GET /api/v1/live):
// who waits and for how long, operators' presence and load, callbacks due
// and late, today's NPS and happiness. It never polls: app.js calls
// deskChanged() on the events that move these figures (a conversation
// joining or leaving the queue, an operator's presence, a callback), and
// the view fetches GET /live once for a burst of them. The longest wait
// ticks by itself between fetches ([data-since], ui.js). Customers' names
// are text (el() builds text nodes).

import * as api from './api.js';
import { el, fill, formatSeconds, cssToken } from './ui.js';

/** How long a burst of events is gathered before one fetch. */
const DEBOUNCE_MS = 300;

let body = null;
let timer = 0;
/** Counts up so that an answer to an older request is dropped. */
let generation = 0;

/** Shows the live view in body (the supervisor page's body). */
export function showDesk(node) {
  body = node;
  fill(body, el('p', { class: 'muted', 'data-testid': 'live-loading' }, 'Loading the desk…'));
  refresh();
}

/** The desk may have changed: refetch soon if the view is on screen. */
export function deskChanged() {
  if (!body || !body.isConnected) return;
  clearTimeout(timer);
  timer = setTimeout(refresh, DEBOUNCE_MS);
}

async function refresh() {
  if (!body || !body.isConnected) return;
  const mine = ++generation;
  try {
    const v = await api.live();
    if (mine !== generation || !body.isConnected) return;
    render(v);
  } catch (err) {
    if (mine !== generation || !body.isConnected) return;
    fill(body, el('p', { class: 'form-error', role: 'alert', 'data-testid': 'live-error' }, `Could not load the desk: ${err.message}`));
  }
}

/** The moment, by this browser's clock, that a wait of seconds began. */
function sinceOf(seconds) {
  return new Date(Date.now() - Math.max(0, Number(seconds) || 0) * 1000).toISOString();
}

function figure(testid, title, value, detail) {
  return el('div', { class: 'report-figure', 'data-testid': testid },
    el('div', { class: 'report-figure-title' }, title),
    el('div', { class: 'report-figure-value', 'data-testid': `${testid}-value` }, value),
    detail ? el('div', { class: 'report-figure-detail muted', 'data-testid': `${testid}-detail` }, detail) : null);
}

function splitText(counts) {
  const parts = Object.entries(counts || {}).filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k || 'default'}: ${n}`);
  return parts.join(' · ');
}

function score(v) {
  return v == null ? '—' : String(Math.round(v * 10) / 10);
}

function render(v) {
  const longest = v.waiting > 0
    ? el('time', { 'data-since': sinceOf(v.longest_wait_seconds), 'data-testid': 'live-longest-wait-value', class: 'report-figure-value' },
      formatSeconds(v.longest_wait_seconds))
    : el('div', { class: 'report-figure-value', 'data-testid': 'live-longest-wait-value' }, '—');
  const today = v.today || {};
  const ops = v.operators || [];
  const waiting = v.longest_waiting || [];
  fill(body,
    el('div', { class: 'report-figures' },
      figure('live-waiting', 'Waiting', String(v.waiting), splitText(v.waiting_by_channel)),
      el('div', { class: 'report-figure', 'data-testid': 'live-longest-wait' },
        el('div', { class: 'report-figure-title' }, 'Longest wait'), longest),
      figure('live-online', 'Operators online', String((v.operators_by_presence || {}).online || 0),
        `away: ${(v.operators_by_presence || {}).away || 0} · offline: ${(v.operators_by_presence || {}).offline || 0}`),
      figure('live-callbacks-due', 'Callbacks due (next hour)', String(v.callbacks_due_next_hour)),
      figure('live-callbacks-late', 'Callbacks late', String(v.callbacks_late)),
      figure('live-nps', 'NPS today', score(today.nps), `${today.responses || 0} responses`),
      figure('live-happiness', 'Happiness today', today.happiness_index == null ? '—' : `${score(today.happiness_index)}%`)),
    el('p', { class: 'muted', 'data-testid': 'live-by-queue' }, v.waiting ? `By queue: ${splitText(v.waiting_by_queue)}` : 'Nobody is waiting.'),
    el('h3', {}, 'Waiting longest'),
    el('div', { class: 'table-wrap' },
      el('table', { class: 'data-table', 'data-testid': 'live-waiting-table' },
        el('thead', {}, el('tr', {}, ['Ticket', 'Customer', 'Channel', 'Queue', 'Waited'].map((h) => el('th', {}, h)))),
        el('tbody', {}, waiting.length ? waiting.map((w) => el('tr', { 'data-testid': 'live-waiting-row', 'data-conversation-id': String(w.conversation_id) },
          el('td', {}, el('a', { href: `#/c/${w.conversation_id}` }, w.ticket)),
          el('td', { 'data-testid': 'live-waiting-name' }, w.customer_name || `Customer #${w.customer_id}`),
          el('td', {}, w.channel),
          el('td', {}, w.queue || 'default'),
          el('td', {}, el('time', { 'data-since': sinceOf(w.wait_seconds) }, formatSeconds(w.wait_seconds)))))
          : el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'Nobody is waiting.'))))),
    el('h3', {}, 'Operators'),
    el('div', { class: 'table-wrap' },
      el('table', { class: 'data-table', 'data-testid': 'live-operators-table' },
        el('thead', {}, el('tr', {}, ['Name', 'Presence', 'Open / capacity'].map((h) => el('th', {}, h)))),
        el('tbody', {}, ops.map((op) => el('tr', { 'data-testid': 'live-operator-row', 'data-operator-id': String(op.id) },
          el('td', { 'data-testid': 'live-operator-name' }, op.name),
          el('td', { 'data-testid': 'live-operator-presence' }, el('span', { class: `presence-dot presence-${cssToken(op.presence)}` }), ' ', op.presence),
          el('td', {}, `${op.open_count} / ${op.capacity}`)))))));
}

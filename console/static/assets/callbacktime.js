// callbacktime.js — when a callback is, in the operator's own time and,
// where that reads differently, in the customer's (time_zone: the zone set
// for them, else their number's country's).

import { el } from './ui.js';

const FORMAT = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };

/** iso as "Tue 3 Mar, 14:05" in timeZone (the browser's when undefined); '' when either is unusable. */
export function formatIn(iso, timeZone) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  try {
    return new Intl.DateTimeFormat([], { ...FORMAT, timeZone }).format(d);
  } catch {
    return ''; // a zone this browser does not know
  }
}

/** iso in timeZone when that reads differently from the operator's time, else ''. */
export function customerTime(iso, timeZone) {
  if (!timeZone) return '';
  const theirs = formatIn(iso, timeZone);
  return theirs && theirs !== formatIn(iso) ? theirs : '';
}

/** The short name of timeZone at iso ("GMT", "BST", "GMT+1"), else the zone's own name. */
function zoneName(iso, timeZone) {
  try {
    const parts = new Intl.DateTimeFormat([], { timeZone, timeZoneName: 'short' }).formatToParts(new Date(iso));
    const name = parts.find((p) => p.type === 'timeZoneName');
    if (name) return name.value;
  } catch {
    // fall through to the zone's own name
  }
  return timeZone.replace(/_/g, ' ');
}

/** A time of cb: the operator's, then the customer's where it differs. */
function at(iso, timeZone) {
  const theirs = customerTime(iso, timeZone);
  return [
    el('time', { datetime: iso, 'data-testid': 'callback-local-time' }, formatIn(iso)),
    theirs ? el('span', {
      class: 'muted cb-their-time', 'data-testid': 'callback-customer-time', 'data-time-zone': timeZone,
      title: `The customer's time: ${timeZone.replace(/_/g, ' ')}`,
    }, ` (${theirs} ${zoneName(iso, timeZone)} for the customer)`) : null,
  ];
}

/** Whether two RFC 3339 times are more than a second apart. */
const differ = (a, b) => Math.abs(Date.parse(a) - Date.parse(b)) > 1000;

/** The line saying when cb is (or was) to be made, by its state. */
export function whenNode(cb) {
  const tz = cb.time_zone || '';
  let parts;
  switch (cb.status) {
    case 'scheduled': {
      const next = cb.asap ? differ(cb.next_attempt_at, cb.requested_at) : differ(cb.next_attempt_at, cb.due_at);
      parts = cb.asap
        ? ['as soon as possible, asked ', el('time', { datetime: cb.requested_at }, formatIn(cb.requested_at))]
        : ['booked for ', at(cb.due_at, tz)];
      if (next) parts.push('; next try ', at(cb.next_attempt_at, tz));
      break;
    }
    case 'dialing':
      parts = ['calling now'];
      break;
    case 'failed':
      parts = ['failed ', el('time', { datetime: cb.updated_at }, formatIn(cb.updated_at))];
      break;
    case 'completed':
      parts = ['completed ', el('time', { datetime: cb.completed_at }, formatIn(cb.completed_at || cb.updated_at))];
      break;
    case 'cancelled':
      parts = ['cancelled ', el('time', { datetime: cb.cancelled_at }, formatIn(cb.cancelled_at || cb.updated_at))];
      break;
    default:
      parts = [cb.status || ''];
  }
  return el('span', { class: 'cb-when', 'data-testid': 'callback-when' }, parts);
}

// customerzone.js — where the customer of the open conversation lives:
// the time zone an operator set for them (PATCH /customers/{id}), else
// their number's country's. Their callbacks' times, reminders and quiet
// hours follow it. The operator picks or types an IANA zone, or clears it;
// a zone the server refuses is shown in the server's words.

import * as api from './api.js';
import { on, mergeCustomer } from './store.js';
import { el, fill, toast } from './ui.js';
import { numberZone, reloadCustomerCallbacks } from './callbackstore.js';

const LIST_ID = 'time-zone-names';

/** The control on screen, re-rendered when callbacks tell a number's zone. */
let current = null;
on('callbacks', () => {
  if (current && current.node.isConnected) current.render();
  else current = null;
});

/** The <datalist> of every zone this browser knows, made once. */
function zoneList() {
  if (document.getElementById(LIST_ID)) return;
  let zones = [];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    // A browser without the list: typing a zone still works.
  }
  document.body.appendChild(el('datalist', { id: LIST_ID }, zones.map((z) => el('option', { value: z }))));
}

/**
 * The time zone control for customer (customer JSON: id, phone,
 * time_zone); returns its node. onChange(customer) is told of each zone
 * saved.
 */
export function customerZone(customer, { onChange } = {}) {
  zoneList();
  const c = { node: null, render: null, customer: { ...customer }, reloading: false };
  const shown = el('span', { class: 'zone-shown', 'data-testid': 'customer-zone' });
  const input = el('input', {
    type: 'text', id: 'customer-zone-input', list: LIST_ID, autocomplete: 'off', spellcheck: 'false',
    'data-testid': 'customer-zone-input', title: 'An IANA time zone, such as Europe/London',
  });
  const save = el('button', { type: 'submit', 'data-testid': 'customer-zone-save' }, 'Save');
  const clear = el('button', {
    type: 'button', 'data-testid': 'customer-zone-clear', title: 'Go back to the zone of their number\'s country',
    onclick: () => submit(''),
  }, 'Clear');
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'customer-zone-error', hidden: true });
  const form = el('form', { class: 'conv-zone', 'data-testid': 'customer-zone-form' },
    el('label', { for: 'customer-zone-input', class: 'muted' }, 'Time zone:'), shown, input, save, clear, error);

  c.render = () => {
    const set = c.customer.time_zone || '';
    // Right after a change, the callbacks in the store may still carry the old zone.
    const fromNumber = set || c.reloading ? '' : numberZone(c.customer);
    if (set) fill(shown, set);
    else if (!c.customer.phone) fill(shown, 'not set (no number on file)');
    else fill(shown, fromNumber ? `from their number: ${fromNumber}` : 'from their number');
    shown.title = set ? 'Set for this customer' : 'The zone of their phone number\'s country';
    input.placeholder = set || fromNumber || 'e.g. Europe/London';
    clear.hidden = !set;
  };

  function setError(text) {
    fill(error, text);
    error.hidden = !text;
  }

  async function submit(zone) {
    setError('');
    save.disabled = true;
    clear.disabled = true;
    try {
      const cust = await api.updateCustomer(c.customer.id, { time_zone: zone });
      c.customer = { ...c.customer, ...cust };
      mergeCustomer(cust);
      if (onChange) onChange(cust);
      input.value = '';
      c.reloading = true;
      c.render();
      toast(cust.time_zone ? `Time zone set to ${cust.time_zone}` : 'Time zone cleared: their number\'s applies');
      // Callback events bring the new zone too; this makes sure of it.
      reloadCustomerCallbacks(cust.id).finally(() => {
        c.reloading = false;
        c.render();
      });
    } catch (err) {
      setError(err.message);
    } finally {
      save.disabled = false;
      clear.disabled = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const zone = input.value.trim();
    if (!zone) {
      setError('Type or pick a time zone, such as Europe/London.');
      return;
    }
    submit(zone);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      input.value = '';
      setError('');
    }
  });

  c.node = form;
  c.render();
  current = c;
  return form;
}

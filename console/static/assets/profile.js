// profile.js — a customer's profile (#/customers/ID, GET /api/v1/customers/{id}):
// their name and phone (edited in place, PATCH), Telegram username,
// language and time zone, every identity, their conversations across
// channels (each a link to it), callbacks, survey answers and operators'
// notes. Conversations and callbacks load on scroll past the latest 20
// (the cursors the profile hands out). Supervisors merge another customer
// into this one and erase this one (each after a confirmation).
//
// Everything a customer or operator typed is put on the page as text (el
// never parses HTML).

import * as api from './api.js';
import { store, emit, isSupervisor, mergeCustomer, operatorName } from './store.js';
import { el, fill, formatTime, toast, openDialog, cssToken } from './ui.js';
import { moreEnd } from './more.js';
import { customerZone } from './customerzone.js';

/** The profile on screen: which customer, what is loaded, which field is being edited. */
let view = null;

/** Forgets the profile on screen (another page replaces it). */
export function leaveProfile() {
  view = null;
}

/** The customer a profile names: their name, else @username, phone or id. */
export function profileName(p) {
  if (!p) return '';
  if (p.name) return p.name;
  if (p.username) return `@${p.username}`;
  if (p.phone) return p.phone;
  return p.erased_at ? `Erased customer #${p.id}` : `Customer #${p.id}`;
}

/** The customer's own fields of a profile, as conversations carry them. */
function customerFields(p) {
  const { id, name, username, language, phone, time_zone: tz, proactive_opt_out: optOut } = p;
  return { id, name, username, language, phone, time_zone: tz, proactive_opt_out: optOut };
}

/**
 * Puts profile p's customer on every conversation of theirs the store holds
 * (the queue and the lists name them), after an edit, a merge (events move
 * conversations but carry no customer) or an erasure.
 */
function syncStore(p) {
  const cust = customerFields(p);
  mergeCustomer(cust);
  for (const c of p.conversations || []) {
    const held = store.convs.get(c.id);
    if (held) store.convs.set(c.id, { ...held, customer_id: p.id, customer: { ...(held.customer || {}), ...cust } });
  }
  emit('convs');
}

/** Shows customer id's profile in pane. */
export async function showProfile(pane, id) {
  const title = el('h2', { class: 'conversation-title', 'data-testid': 'profile-name' }, 'Loading…');
  const sub = el('div', { class: 'conv-sub muted', 'data-testid': 'profile-sub' });
  const actions = el('div', { class: 'conv-actions' });
  const notice = el('p', { class: 'notice', role: 'status', 'data-testid': 'profile-notice', hidden: true });
  const body = el('div', { class: 'admin-body profile-body' });
  const v = {
    id, p: null, editing: null, title, sub, actions, notice, body,
    convs: [], convNext: '', convLoading: false, convList: null,
    cbs: [], cbNext: '', cbLoading: false, cbList: null,
  };
  view = v;
  fill(pane, el('section', { class: 'profile', 'data-testid': 'profile', 'data-customer-id': String(id) },
    el('header', { class: 'conv-head' },
      el('a', { href: '#/queue', class: 'back-link', 'data-testid': 'back', 'aria-label': 'Back to the queue' }, '‹ Queue'),
      el('div', { class: 'conv-title-block' }, title, sub),
      actions),
    notice, body));
  await reload(v);
}

/** Loads the profile anew (or takes answer, a profile the server just sent) and shows it. */
async function reload(v, answer) {
  let p = answer;
  if (!p) {
    try {
      p = await api.customer(v.id);
    } catch (err) {
      if (view !== v) return;
      fill(v.title, `Customer #${v.id}`);
      setNotice(v, `Could not load this customer: ${err.message}`, 'error');
      return;
    }
  }
  if (view !== v) return;
  v.p = p;
  v.convs = p.conversations || [];
  v.convNext = p.conversations_cursor || '';
  v.cbs = p.callbacks || [];
  v.cbNext = p.callbacks_cursor || '';
  render(v);
}

function setNotice(v, text, kind) {
  fill(v.notice, text);
  v.notice.className = `notice notice-${kind}`;
  v.notice.hidden = !text;
}

function render(v) {
  const p = v.p;
  fill(v.title, profileName(p));
  fill(v.sub,
    `Customer #${p.id}`,
    p.created_at ? [' · known since ', formatTime(p.created_at)] : null,
    p.erased_at ? [' · ', el('span', { class: 'badge profile-erased', 'data-testid': 'profile-erased' }, `erased ${formatTime(p.erased_at)}`)] : null,
    p.merged_into ? [' · merged into ', el('a', { href: `#/customers/${p.merged_into}`, 'data-testid': 'profile-merged-into' }, `customer #${p.merged_into}`)] : null);
  const sup = isSupervisor();
  fill(v.actions,
    sup && !p.erased_at && !p.merged_into
      ? el('button', { type: 'button', 'data-testid': 'profile-merge', title: 'Merge another customer into this one', onclick: () => openMerge(v) }, 'Merge…')
      : null,
    sup && !p.erased_at
      ? el('button', { type: 'button', class: 'danger', 'data-testid': 'profile-erase', title: 'Erase what this customer wrote and who they are', onclick: () => openErase(v) }, 'Erase…')
      : null);
  if (p.merged_into) setNotice(v, `This customer was merged into customer #${p.merged_into}: what was theirs is there now.`, 'warning');
  else setNotice(v, '', 'warning');

  v.convList = el('ul', { class: 'profile-list', 'data-testid': 'profile-conversations' });
  v.cbList = el('ul', { class: 'profile-list', 'data-testid': 'profile-callbacks' });
  fill(v.body,
    section('Details', 'profile-details', details(v)),
    section('Identities', 'profile-identities-section', identities(p)),
    section('Conversations', 'profile-conversations-section', v.convList),
    section('Callbacks', 'profile-callbacks-section', v.cbList),
    section('Survey answers', 'profile-surveys-section', surveyAnswers(p)),
    section('Notes', 'profile-notes-section', notes(p)));
  renderConversations(v);
  renderCallbacks(v);
}

function section(title, testid, ...content) {
  return el('section', { class: 'profile-section', 'data-testid': testid }, el('h3', {}, title), content);
}

// --- details ----------------------------------------------------------------

function details(v) {
  const p = v.p;
  return el('dl', { class: 'profile-fields' },
    el('dt', {}, 'Name'), el('dd', {}, editable(v, 'name', p.name, 'no name')),
    el('dt', {}, 'Phone'), el('dd', {}, editable(v, 'phone', p.phone, 'no number')),
    el('dt', {}, 'Telegram'), el('dd', { 'data-testid': 'profile-username' }, p.username ? `@${p.username}` : el('span', { class: 'muted' }, 'no username')),
    el('dt', {}, 'Language'), el('dd', { 'data-testid': 'profile-language' }, p.language || el('span', { class: 'muted' }, 'unknown')),
    el('dt', {}, 'Time zone'), el('dd', {}, p.erased_at ? el('span', { class: 'muted', 'data-testid': 'customer-zone' }, 'none') : customerZone(p, { onChange: (cust) => { v.p = { ...v.p, ...cust }; } })),
    el('dt', {}, 'Surveys'), el('dd', { 'data-testid': 'profile-surveys-opt' }, p.proactive_opt_out ? 'asked for none' : 'may be sent'));
}

/** A field shown with an Edit button, or its editor while it is being edited. */
function editable(v, field, value, empty) {
  const shown = el('span', { class: 'profile-value', 'data-testid': `profile-${field}-value` }, value || '');
  if (!value) shown.append(el('span', { class: 'muted' }, empty));
  if (v.editing !== field) {
    return el('span', { class: 'profile-field' }, shown,
      v.p.erased_at ? null : el('button', {
        type: 'button', class: 'link-button profile-edit', 'data-testid': `profile-${field}-edit`,
        onclick: () => { v.editing = field; render(v); focusEditor(field); },
      }, 'Edit'));
  }
  const input = el('input', {
    type: field === 'phone' ? 'tel' : 'text', id: `profile-${field}-input`, value: value || '', autocomplete: 'off',
    'data-testid': `profile-${field}-input`, 'aria-label': field === 'phone' ? 'Phone' : 'Name',
    placeholder: field === 'phone' ? 'e.g. +44 7700 900123 or a national number' : 'How they are called',
  });
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': `profile-${field}-error`, hidden: true });
  const save = el('button', { type: 'submit', class: 'primary', 'data-testid': `profile-${field}-save` }, 'Save');
  const form = el('form', { class: 'profile-edit-form', 'data-testid': `profile-${field}-form` },
    input, save,
    el('button', { type: 'button', 'data-testid': `profile-${field}-cancel`, onclick: () => { v.editing = null; render(v); } }, 'Cancel'),
    error);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { v.editing = null; render(v); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    error.hidden = true;
    try {
      const cust = await api.updateCustomer(v.p.id, { [field]: input.value });
      if (view !== v) return;
      v.p = { ...v.p, ...cust };
      syncStore(v.p);
      v.editing = null;
      render(v);
      toast(field === 'phone' ? (cust.phone ? `Phone saved as ${cust.phone}` : 'Phone removed') : 'Name saved');
    } catch (err) {
      fill(error, err.message);
      error.hidden = false;
      save.disabled = false;
    }
  });
  return form;
}

function focusEditor(field) {
  const input = document.getElementById(`profile-${field}-input`);
  if (input) { input.focus(); input.select(); }
}

// --- lists ------------------------------------------------------------------

const CHANNELS = { telegram: 'Telegram', sms: 'SMS', voice: 'Phone calls' };

function identities(p) {
  const list = p.identities || [];
  if (list.length === 0) return el('p', { class: 'muted', 'data-testid': 'profile-identities-empty' }, 'No identities.');
  const telegrams = list.filter((i) => i.channel === 'telegram').length;
  return el('ul', { class: 'profile-list', 'data-testid': 'profile-identities' }, list.map((i) => el('li', {
    class: 'profile-row', 'data-testid': 'profile-identity', 'data-channel': i.channel, 'data-identity-id': String(i.id),
  },
  el('span', { class: `channel channel-${cssToken(i.channel)}` }, CHANNELS[i.channel] || i.channel),
  ' ', el('span', { class: 'mono', 'data-testid': 'identity-external-id' }, i.external_id),
  // The username belongs to the customer, not to one identity: shown on the only Telegram one.
  i.channel === 'telegram' && telegrams === 1 && p.username ? [' ', el('span', { 'data-testid': 'identity-username' }, `@${p.username}`)] : null,
  i.address && i.address !== i.external_id ? el('span', { class: 'muted' }, ` · ${i.address}`) : null,
  i.unreachable ? [' ', el('span', { class: 'badge cb-state-failed' }, 'unreachable')] : null,
  i.opted_out ? [' ', el('span', { class: 'badge cb-state-failed' }, 'opted out')] : null,
  el('span', { class: 'muted' }, ` · since ${formatTime(i.created_at)}`))));
}

function renderConversations(v) {
  if (!v.convList) return;
  if (v.convs.length === 0) {
    fill(v.convList, el('li', { class: 'muted', 'data-testid': 'profile-conversations-empty' }, 'No conversations.'));
    return;
  }
  fill(v.convList, v.convs.map((c) => el('li', { class: 'profile-row', 'data-testid': 'profile-conversation', 'data-conversation-id': String(c.id), 'data-ticket': c.ticket },
    el('a', { href: `#/c/${c.id}`, class: 'ticket', 'data-testid': 'profile-conversation-link' }, c.ticket || `#${c.id}`),
    ' ', el('span', { class: `channel channel-${cssToken(c.channel)}` }, c.channel),
    ' ', el('span', { class: `status status-${cssToken(c.status)}`, 'data-testid': 'profile-conversation-status' }, c.status),
    ' ', el('time', { class: 'muted', datetime: c.last_message_at || c.created_at }, formatTime(c.last_message_at || c.created_at)),
    c.first_text ? el('div', { class: 'profile-text', 'data-testid': 'profile-conversation-text' }, c.first_text) : null)),
  v.convNext ? moreEnd('li', 'profile-conversations-more', v.convLoading, () => moreConversations(v)) : null);
}

async function moreConversations(v) {
  if (v.convLoading || !v.convNext) return;
  v.convLoading = true;
  renderConversations(v);
  try {
    const page = await api.conversationsPage({ customer_id: String(v.id), limit: '50', cursor: v.convNext });
    if (view !== v) return;
    const seen = new Set(v.convs.map((c) => c.id));
    v.convs.push(...page.items.filter((c) => !seen.has(c.id)));
    v.convNext = page.next;
  } catch (err) {
    if (view !== v) return;
    toast(`Load more conversations: ${err.message}`, 'error');
    v.convNext = '';
  }
  v.convLoading = false;
  renderConversations(v);
}

function renderCallbacks(v) {
  if (!v.cbList) return;
  if (v.cbs.length === 0) {
    fill(v.cbList, el('li', { class: 'muted', 'data-testid': 'profile-callbacks-empty' }, 'No callbacks.'));
    return;
  }
  fill(v.cbList, v.cbs.map((cb) => el('li', { class: 'profile-row', 'data-testid': 'profile-callback', 'data-callback-id': String(cb.id), 'data-status': cb.status },
    el('span', { class: `cb-badge cb-state-${cssToken(cb.status)}`, 'data-testid': 'profile-callback-status' }, cb.status),
    ' ', el('span', { 'data-testid': 'profile-callback-due' }, cb.asap ? ['as soon as possible (asked ', formatTime(cb.requested_at), ')'] : ['due ', formatTime(cb.due_at)]),
    cb.phone ? el('span', { class: 'muted' }, ` · ${cb.phone}`) : null,
    cb.ticket && cb.conversation_id ? [' · ', el('a', { href: `#/c/${cb.conversation_id}`, class: 'ticket' }, cb.ticket)] : null,
    cb.outcome ? el('span', { class: 'muted' }, ` · ${cb.outcome}`) : null,
    cb.notes ? el('div', { class: 'profile-text' }, cb.notes) : null)),
  v.cbNext ? moreEnd('li', 'profile-callbacks-more', v.cbLoading, () => moreCallbacks(v)) : null);
}

async function moreCallbacks(v) {
  if (v.cbLoading || !v.cbNext) return;
  v.cbLoading = true;
  renderCallbacks(v);
  try {
    const page = await api.callbacksPage({ customer_id: String(v.id), limit: '50', cursor: v.cbNext });
    if (view !== v) return;
    const seen = new Set(v.cbs.map((c) => c.id));
    v.cbs.push(...page.items.filter((c) => !seen.has(c.id)));
    v.cbNext = page.next;
  } catch (err) {
    if (view !== v) return;
    toast(`Load more callbacks: ${err.message}`, 'error');
    v.cbNext = '';
  }
  v.cbLoading = false;
  renderCallbacks(v);
}

/** NPS's name for a score: promoter (9–10), passive (7–8), detractor (0–6). */
function npsGroup(score) {
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

function surveyAnswers(p) {
  const list = p.survey_answers || [];
  if (list.length === 0) return el('p', { class: 'muted', 'data-testid': 'profile-surveys-empty' }, 'No survey answers.');
  return [el('ul', { class: 'profile-list', 'data-testid': 'profile-survey-answers' }, list.map((a) => el('li', {
    class: 'profile-row', 'data-testid': 'profile-survey-answer', 'data-conversation-id': String(a.conversation_id),
  },
  el('span', { class: `fu-score nps-${npsGroup(a.score)}`, 'data-testid': 'profile-survey-score' }, `${a.score}/10`),
  ' ', el('span', { class: 'muted' }, npsGroup(a.score)),
  ' · ', el('a', { href: `#/c/${a.conversation_id}`, class: 'ticket' }, a.ticket),
  ' ', el('span', { class: `channel channel-${cssToken(a.channel)}` }, a.channel),
  a.scored_at ? el('span', { class: 'muted' }, ` · ${formatTime(a.scored_at)}`) : null,
  a.comment ? el('blockquote', { class: 'fu-summary profile-text', 'data-testid': 'profile-survey-comment' }, a.comment) : null))),
  p.more_survey_answers ? el('p', { class: 'muted' }, 'Only the latest answers are shown.') : null];
}

function notes(p) {
  const list = p.notes || [];
  if (list.length === 0) return el('p', { class: 'muted', 'data-testid': 'profile-notes-empty' }, 'No notes.');
  return [el('ul', { class: 'profile-list', 'data-testid': 'profile-notes' }, list.map((n) => el('li', {
    class: 'profile-row profile-note', 'data-testid': 'profile-note', 'data-message-id': String(n.id),
  },
  el('span', { class: 'message-author' }, n.operator_id != null ? operatorName(n.operator_id) : 'Operator'),
  ' · ', el('a', { href: `#/c/${n.conversation_id}`, class: 'ticket' }, n.ticket),
  el('span', { class: 'muted' }, ` · ${formatTime(n.created_at)}`),
  el('div', { class: 'profile-text', 'data-testid': 'profile-note-text' }, n.text)))),
  p.more_notes ? el('p', { class: 'muted' }, 'Only the latest notes are shown; the others are in the conversations.') : null];
}

// --- merge and erase (supervisors) -------------------------------------------

/** Asks which customer to merge into this one, shows who into whom, and merges on confirmation. */
function openMerge(v) {
  const into = v.p;
  const idInput = el('input', { type: 'text', inputmode: 'numeric', id: 'merge-from', autocomplete: 'off', 'data-testid': 'merge-from', placeholder: 'e.g. 42' });
  const find = el('input', { type: 'search', id: 'merge-search', autocomplete: 'off', 'data-testid': 'merge-search', placeholder: 'Name, phone, @username or ticket' });
  const results = el('ul', { class: 'profile-list merge-results', 'data-testid': 'merge-results' });
  const preview = el('div', { class: 'merge-preview', 'data-testid': 'merge-preview', 'aria-live': 'polite' });
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'merge-error', hidden: true });
  const confirm = el('button', { type: 'submit', class: 'danger', disabled: true, 'data-testid': 'merge-confirm' }, 'Merge');
  const form = el('form', { class: 'stack merge-form' },
    el('p', {}, 'Everything of the other customer — identities, conversations, callbacks, survey answers — becomes ',
      el('strong', {}, profileName(into)), `'s (customer #${into.id}). The other is kept as an empty shell. This cannot be undone.`),
    el('label', { for: 'merge-from' }, 'Customer id to merge in'), idInput,
    el('label', { for: 'merge-search' }, '…or find them'), find, results,
    preview, error,
    el('div', { class: 'form-actions' },
      el('button', { type: 'button', 'data-testid': 'merge-cancel', onclick: () => d.close() }, 'Cancel'),
      confirm));
  const d = openDialog('Merge a customer into this one', form, { testid: 'merge-dialog' });

  let from = null; // the profile of the customer to merge in, once checked
  let ask = 0;
  let timer = 0;

  function setError(text) {
    fill(error, text);
    error.hidden = !text;
  }

  let checked = ''; // the id the preview is of, or being fetched for

  async function check() {
    const raw = idInput.value.trim().replace(/^#/, '');
    if (raw === checked && raw !== '') return;
    checked = raw;
    const mine = ++ask;
    from = null;
    confirm.disabled = true;
    setError('');
    // The preview stays until the new one replaces it, so the dialog does not jump.
    if (raw === '') { fill(preview); return; }
    if (!/^\d+$/.test(raw) || Number(raw) <= 0) { fill(preview); setError('A customer id is a number, such as 42.'); return; }
    if (Number(raw) === into.id) { fill(preview); setError('That is this customer: pick another one.'); return; }
    try {
      const p = await api.customer(Number(raw));
      if (mine !== ask) return;
      from = p;
      fill(preview,
        el('p', { 'data-testid': 'merge-who' },
          el('strong', { 'data-testid': 'merge-from-name' }, profileName(p)), ` (customer #${p.id}: ${(p.identities || []).length} identities, `
            + `${(p.conversations || []).length}${p.more_conversations ? '+' : ''} conversations)`,
          ' will be merged into ',
          el('strong', { 'data-testid': 'merge-into-name' }, profileName(into)), ` (customer #${into.id}).`),
        p.merged_into ? el('p', { class: 'muted' }, `They were already merged into customer #${p.merged_into}.`) : null,
        p.erased_at ? el('p', { class: 'muted' }, 'They were erased.') : null);
      confirm.disabled = false;
    } catch (err) {
      if (mine !== ask) return;
      checked = '';
      fill(preview);
      setError(err.status === 404 ? `There is no customer #${raw}.` : err.message);
    }
  }

  idInput.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });

  let findAsk = 0;
  let findTimer = 0;
  find.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(findTimer); search(); }
  });
  find.addEventListener('input', () => {
    clearTimeout(findTimer);
    findTimer = setTimeout(search, 300);
  });
  async function search() {
    const q = find.value.trim();
    const mine = ++findAsk;
    if (q.length < 2) { fill(results); return; }
    try {
      const page = await api.search(q);
      if (mine !== findAsk) return;
      const seen = new Set([into.id]);
      const rows = [];
      for (const r of page.results || []) {
        const c = r.customer;
        if (!c || seen.has(c.id)) continue;
        seen.add(c.id);
        rows.push(el('li', {}, el('button', {
          type: 'button', class: 'link-button merge-pick', 'data-testid': 'merge-pick', 'data-customer-id': String(c.id),
          onclick: () => { idInput.value = String(c.id); clearTimeout(timer); check(); },
        }, `#${c.id} · `, c.name || (c.username ? `@${c.username}` : c.phone || 'no name'), ` · ${r.ticket}`)));
      }
      fill(results, rows.length ? rows : el('li', { class: 'muted' }, `No other customer found for “${q}”.`));
    } catch (err) {
      if (mine !== findAsk) return;
      fill(results, el('li', { class: 'form-error' }, err.message));
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!from) { clearTimeout(timer); check(); return; } // Enter in the id field
    confirm.disabled = true;
    setError('');
    try {
      const merged = await api.mergeCustomer(into.id, from.id);
      d.close();
      syncStore(merged);
      toast(`Customer #${from.id} merged into #${into.id}`);
      if (view === v) await reload(v, merged);
    } catch (err) {
      setError(err.status === 409 ? `Cannot merge: ${err.message}` : err.message);
      confirm.disabled = false;
    }
  });
}

/** Erases this customer once the supervisor has typed ERASE. */
function openErase(v) {
  const p = v.p;
  const input = el('input', { type: 'text', id: 'erase-word', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'erase-input' });
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'erase-error', hidden: true });
  const confirm = el('button', { type: 'submit', class: 'danger', disabled: true, 'data-testid': 'erase-confirm' }, 'Erase for good');
  const form = el('form', { class: 'stack' },
    el('p', {}, 'Everything ', el('strong', {}, profileName(p)), ` (customer #${p.id}) wrote, and what was written to them, becomes “[erased]”; `
      + 'their name, username, phone and time zone are emptied, and their identities forgotten (a new message starts a new customer). '
      + 'Scores and states stay for the reports. This cannot be undone.'),
    el('label', { for: 'erase-word' }, 'Type ERASE to confirm'), input, error,
    el('div', { class: 'form-actions' },
      el('button', { type: 'button', 'data-testid': 'erase-cancel', onclick: () => d.close() }, 'Cancel'),
      confirm));
  const d = openDialog('Erase this customer', form, { testid: 'erase-dialog' });
  input.addEventListener('input', () => { confirm.disabled = input.value !== 'ERASE'; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (input.value !== 'ERASE') return;
    confirm.disabled = true;
    error.hidden = true;
    try {
      const erased = await api.eraseCustomer(p.id);
      d.close();
      syncStore(erased);
      toast(`Customer #${p.id} erased`);
      if (view === v) await reload(v, erased);
    } catch (err) {
      fill(error, err.message);
      error.hidden = false;
      confirm.disabled = input.value !== 'ERASE';
    }
  });
}

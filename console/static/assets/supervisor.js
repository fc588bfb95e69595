// supervisor.js — the supervisor pages: the live desk (desk.js), operators, canned responses,
// the menu as customers see it and the audit trail (audit.js). The server enforces the role; the console
// only hides these pages from operators.

import * as api from './api.js';
import { store, emit } from './store.js';
import { el, fill, openDialog, confirmDialog, showError, toast, cssToken } from './ui.js';
import { loadCanned } from './canned.js';
import { showDesk } from './desk.js';
import { showAudit } from './audit.js';

const PAGES = [
  ['live', 'Live desk'],
  ['operators', 'Operators'],
  ['canned', 'Canned responses'],
  ['menu', 'Menu preview'],
  ['audit', 'Audit trail'],
];

/** Shows supervisor page name ('live', 'operators', 'canned', 'menu' or 'audit') in pane. */
export function showSupervisor(pane, name) {
  if (!PAGES.some(([p]) => p === name)) name = 'operators';
  const body = el('div', { class: 'admin-body' });
  fill(pane, el('section', { class: 'admin', 'data-testid': `admin-${name}` },
    el('header', { class: 'admin-head' },
      el('a', { href: '#/queue', class: 'back-link', 'data-testid': 'back' }, '‹ Queue'),
      el('h2', {}, 'Supervisor'),
      el('nav', { class: 'tabs', 'aria-label': 'Supervisor pages' },
        PAGES.map(([p, label]) => el('a', {
          href: `#/admin/${p}`, class: ['tab', p === name && 'active'], 'data-testid': `admin-tab-${p}`,
          'aria-current': p === name ? 'page' : null,
        }, label)))),
    body));
  if (name === 'live') showDesk(body);
  else if (name === 'operators') operatorsPage(body);
  else if (name === 'canned') cannedPage(body);
  else if (name === 'audit') showAudit(body);
  else menuPage(body);
}

function errorLine(testid) {
  return el('p', { class: 'form-error', role: 'alert', 'data-testid': testid, hidden: true });
}

function showErrorLine(node, text) {
  fill(node, text);
  node.hidden = !text;
}

// --- operators ------------------------------------------------------------

let operatorsBody = null;

async function operatorsPage(body) {
  const error = errorLine('operators-error');
  const table = el('tbody', {});
  operatorsBody = table;
  fill(body,
    el('h3', {}, 'Operators'),
    error,
    el('div', { class: 'table-wrap' },
      el('table', { class: 'data-table', 'data-testid': 'operators-table' },
        el('thead', {}, el('tr', {}, ['Name', 'Email', 'Role', 'Presence', 'Open / capacity', 'Status', ''].map((h) => el('th', {}, h)))),
        table)),
    addOperatorForm(() => loadOperators(error)));
  await loadOperators(error);
}

async function loadOperators(error) {
  try {
    const ops = await api.operators();
    store.operators.clear();
    for (const op of ops) store.operators.set(op.id, op);
    showErrorLine(error, '');
    emit('operators');
  } catch (err) {
    showErrorLine(error, `Could not load operators: ${err.message}`);
  }
  renderOperators();
}

/** Re-renders the operators table if it is on screen (operator.changed). */
export function renderOperators() {
  if (!operatorsBody || !operatorsBody.isConnected) return;
  const ops = [...store.operators.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  fill(operatorsBody, ops.length ? ops.map(operatorRow)
    : el('tr', {}, el('td', { colspan: '7', class: 'muted' }, 'No operators to show.')));
}

function operatorRow(op) {
  const capacity = el('input', {
    type: 'number', min: '1', max: '50', value: String(op.capacity ?? ''), class: 'capacity-input',
    'aria-label': `Capacity of ${op.name}`, 'data-testid': 'operator-capacity',
  });
  capacity.addEventListener('change', () => patchOperator(op, { capacity: Number(capacity.value) }, 'Capacity saved'));
  const role = el('select', { 'aria-label': `Role of ${op.name}`, 'data-testid': 'operator-role' },
    ['operator', 'supervisor'].map((r) => el('option', { value: r, selected: op.role === r }, r)));
  role.addEventListener('change', () => patchOperator(op, { role: role.value }, 'Role saved'));
  const self = store.me && store.me.id === op.id;
  return el('tr', { 'data-testid': 'operator-row', 'data-operator-id': String(op.id), class: op.active === false ? 'inactive' : null },
    el('td', { 'data-testid': 'operator-row-name' }, op.name || ''),
    el('td', {}, op.email || ''),
    el('td', {}, self ? op.role : role),
    el('td', {}, el('span', { class: `presence-dot presence-${cssToken(op.presence)}` }), ' ', op.presence || '—'),
    el('td', {}, String(op.open_count ?? '—'), ' / ', capacity),
    el('td', { 'data-testid': 'operator-status' }, op.active === false ? 'deactivated' : 'active'),
    el('td', {}, el('div', { class: 'row-actions' },
      el('button', { type: 'button', 'data-testid': 'operator-reset-password', onclick: () => resetPasswordDialog(op) }, 'Reset password'),
      self ? null : op.active === false
        ? el('button', { type: 'button', 'data-testid': 'operator-activate', onclick: () => patchOperator(op, { active: true }, `${op.name} reactivated`) }, 'Reactivate')
        : el('button', {
          type: 'button', class: 'danger', 'data-testid': 'operator-deactivate',
          onclick: async () => {
            if (await confirmDialog('Deactivate operator', `Deactivate ${op.name}? They are logged out at once.`, 'Deactivate')) {
              patchOperator(op, { active: false }, `${op.name} deactivated`);
            }
          },
        }, 'Deactivate'))));
}

async function patchOperator(op, patch, done) {
  try {
    const updated = await api.updateOperator(op.id, patch);
    store.operators.set(op.id, updated && updated.id ? updated : { ...op, ...patch });
    toast(done);
  } catch (err) {
    showError(`Update ${op.name}`, err);
  }
  renderOperators();
}

function resetPasswordDialog(op) {
  const password = el('input', { type: 'password', id: 'reset-password', minlength: '8', autocomplete: 'new-password', required: true, 'data-testid': 'reset-password-input' });
  const error = errorLine('reset-password-error');
  const form = el('form', { class: 'stack' },
    el('p', {}, `A new password for ${op.name} (${op.email}). Their sessions end.`),
    el('label', { for: 'reset-password' }, 'New password (at least 8 characters)'), password,
    error,
    el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', 'data-testid': 'reset-password-submit' }, 'Set password')));
  const d = openDialog('Reset password', form, { testid: 'reset-password-dialog' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (password.value.length < 8) { showErrorLine(error, 'The password needs at least 8 characters.'); return; }
    try {
      await api.resetPassword(op.id, password.value);
      d.close();
      toast(`Password of ${op.name} reset`);
    } catch (err) {
      showErrorLine(error, err.message);
    }
  });
}

function addOperatorForm(reload) {
  const f = (id, label, attrs) => [el('label', { for: id }, label), el('input', { id, name: id, required: true, 'data-testid': id, ...attrs })];
  const [emailL, email] = f('new-operator-email', 'Email', { type: 'email', autocomplete: 'off' });
  const [nameL, name] = f('new-operator-name', 'Name', { maxlength: '64', autocomplete: 'off' });
  const [passL, password] = f('new-operator-password', 'Password (at least 8 characters)', { type: 'password', minlength: '8', autocomplete: 'new-password' });
  const [capL, capacity] = f('new-operator-capacity', 'Capacity (open chats at once)', { type: 'number', min: '1', max: '50', value: '5' });
  const role = el('select', { id: 'new-operator-role', 'data-testid': 'new-operator-role' },
    el('option', { value: 'operator' }, 'operator'), el('option', { value: 'supervisor' }, 'supervisor'));
  const error = errorLine('new-operator-error');
  const form = el('form', { class: 'card form-grid', 'data-testid': 'new-operator-form' },
    el('h3', {}, 'Add an operator'),
    emailL, email, nameL, name, passL, password,
    el('label', { for: 'new-operator-role' }, 'Role'), role,
    capL, capacity,
    error,
    el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', 'data-testid': 'new-operator-submit' }, 'Add operator')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    try {
      await api.addOperator({
        email: email.value.trim(), name: name.value.trim(), password: password.value,
        role: role.value, capacity: Number(capacity.value) || 5,
      });
      toast(`${name.value.trim()} added`);
      form.reset();
      showErrorLine(error, '');
      await reload();
    } catch (err) {
      showErrorLine(error, err.message);
    }
  });
  return form;
}

// --- canned responses -----------------------------------------------------

async function cannedPage(body) {
  const error = errorLine('canned-error');
  const list = el('div', { class: 'canned-list', 'data-testid': 'canned-list' });
  const render = () => {
    fill(list, store.canned.length ? el('table', { class: 'data-table' },
      el('thead', {}, el('tr', {}, ['Shortcut', 'Title', 'Text', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, store.canned.map((c) => el('tr', { 'data-testid': 'canned-row', 'data-canned-id': String(c.id) },
        el('td', { class: 'mono' }, `/${c.shortcut}`),
        el('td', {}, c.title || ''),
        el('td', { class: 'canned-text-cell' }, c.text || ''),
        el('td', {}, el('div', { class: 'row-actions' },
          el('button', { type: 'button', 'data-testid': 'canned-edit', onclick: () => cannedDialog(c, reload) }, 'Edit'),
          el('button', {
            type: 'button', class: 'danger', 'data-testid': 'canned-delete',
            onclick: async () => {
              if (!(await confirmDialog('Delete canned response', `Delete /${c.shortcut}?`, 'Delete'))) return;
              try {
                await api.deleteCanned(c.id);
                toast(`/${c.shortcut} deleted`);
                await reload();
              } catch (err) {
                showError(`Delete /${c.shortcut}`, err);
              }
            },
          }, 'Delete'))))))) : el('p', { class: 'muted' }, 'No canned responses yet.'));
  };
  const reload = async () => {
    try {
      store.canned = await api.canned();
      showErrorLine(error, '');
    } catch (err) {
      showErrorLine(error, `Could not load canned responses: ${err.message}`);
    }
    render();
    loadCanned(); // keep the reply box's picker in step
  };
  fill(body,
    el('div', { class: 'admin-title-row' },
      el('h3', {}, 'Canned responses'),
      el('button', { type: 'button', class: 'primary', 'data-testid': 'canned-add', onclick: () => cannedDialog(null, reload) }, 'Add')),
    el('p', { class: 'muted' }, 'Operators type /shortcut in the reply box to insert the text.'),
    error, list);
  await reload();
}

function cannedDialog(existing, reload) {
  const shortcut = el('input', {
    id: 'canned-shortcut', required: true, maxlength: '32', pattern: '[a-z0-9_\\-]{1,32}', autocomplete: 'off',
    value: existing ? existing.shortcut : '', 'data-testid': 'canned-shortcut',
  });
  const title = el('input', { id: 'canned-title', maxlength: '128', autocomplete: 'off', value: existing ? existing.title : '', 'data-testid': 'canned-title' });
  const text = el('textarea', { id: 'canned-text', required: true, rows: '5', value: existing ? existing.text : '', 'data-testid': 'canned-text' });
  const error = errorLine('canned-form-error');
  const form = el('form', { class: 'stack', 'data-testid': 'canned-form' },
    el('label', { for: 'canned-shortcut' }, 'Shortcut (a-z, 0-9, _ and -)'), shortcut,
    el('label', { for: 'canned-title' }, 'Title'), title,
    el('label', { for: 'canned-text' }, 'Text'), text,
    error,
    el('div', { class: 'form-actions' }, el('button', { type: 'submit', class: 'primary', 'data-testid': 'canned-save' }, 'Save')));
  const d = openDialog(existing ? `Edit /${existing.shortcut}` : 'New canned response', form, { testid: 'canned-dialog' });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    const body = { shortcut: shortcut.value.trim(), title: title.value.trim(), text: text.value };
    try {
      if (existing) await api.updateCanned(existing.id, body);
      else await api.addCanned(body);
      d.close();
      toast(`/${body.shortcut} saved`);
      await reload();
    } catch (err) {
      showErrorLine(error, err.message);
    }
  });
}

// --- menu preview ---------------------------------------------------------

function menuPage(body) {
  const lang = el('select', { id: 'menu-lang', 'data-testid': 'menu-lang' },
    el('option', { value: 'en' }, 'English'), el('option', { value: 'ru' }, 'Русский'));
  const preview = el('div', { class: 'menu-preview', 'data-testid': 'menu-preview' });
  const load = async () => {
    fill(preview, el('p', { class: 'muted' }, 'Loading…'));
    try {
      const m = await api.menu(lang.value);
      fill(preview,
        el('div', { class: 'phone' },
          el('div', { class: 'bubble', 'data-testid': 'menu-greeting' }, m.greeting || ''),
          el('div', { class: 'menu-buttons' },
            (m.buttons || []).map((b) => el('div', { class: 'menu-button', 'data-testid': 'menu-button', title: `callback data: ${b.data}` },
              b.label || '')))));
    } catch (err) {
      fill(preview, el('p', { class: 'form-error', 'data-testid': 'menu-error' }, `Could not load the menu: ${err.message}`));
    }
  };
  lang.addEventListener('change', load);
  fill(body,
    el('h3', {}, 'The menu as customers see it'),
    el('p', { class: 'muted' }, 'From the YAML configuration; change it there and restart.'),
    el('div', { class: 'inline-field' }, el('label', { for: 'menu-lang' }, 'Language'), lang),
    preview);
  load();
}

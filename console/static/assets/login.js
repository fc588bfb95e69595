// login.js — the login form.

import * as api from './api.js';
import { el, fill } from './ui.js';

/** Shows the login form in root; calls onLoggedIn(operator) on success. */
export function showLogin(root, onLoggedIn, notice = '') {
  const email = el('input', {
    id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true,
    'data-testid': 'login-email',
  });
  const password = el('input', {
    id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true,
    'data-testid': 'login-password',
  });
  const error = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'login-error', hidden: !notice }, notice);
  const submit = el('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, 'Log in');

  const form = el('form', { class: 'login-form', 'data-testid': 'login-form', novalidate: true },
    el('h1', {}, 'switchboard'),
    el('p', { class: 'muted' }, 'Operator console'),
    el('label', { for: 'login-email' }, 'Email'), email,
    el('label', { for: 'login-password' }, 'Password'), password,
    error,
    submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!email.value.trim() || !password.value) {
      fill(error, 'Enter your email and password.');
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    fill(submit, 'Logging in…');
    error.hidden = true;
    try {
      const operator = await api.login(email.value.trim(), password.value);
      password.value = '';
      onLoggedIn(operator);
    } catch (err) {
      let text = err.message;
      if (err.status === 401) text = 'Wrong email or password.';
      else if (err.status === 429) {
        // The server says how long the lockout lasts.
        text = err.message.charAt(0).toUpperCase() + err.message.slice(1);
        if (err.retryAfter && !/minute|second/.test(text)) text += ` (try again in ${err.retryAfter} s)`;
      }
      fill(error, text);
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
      fill(submit, 'Log in');
    }
  });

  document.body.classList.add('logged-out');
  fill(root, el('main', { class: 'login-page' }, form));
  email.focus();
}

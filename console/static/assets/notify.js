// notify.js — the sound and the browser notification for new work.
//
// The chime is a tiny WAV generated here (two short tones, 8 kHz, 8-bit)
// and played from a data: URL, which the page's CSP allows (media-src
// 'self' data:). Browsers play sound and ask for notification permission
// only after a user gesture, so permission is asked from a button.

import { el } from './ui.js';

function chimeURL() {
  const rate = 8000;
  const tones = [[880, 0.09], [1318.5, 0.14]];
  const samples = [];
  for (const [freq, secs] of tones) {
    const n = Math.floor(rate * secs);
    for (let i = 0; i < n; i++) {
      const fade = Math.min(1, i / 80, (n - i) / 400);
      samples.push(128 + Math.round(90 * fade * Math.sin((2 * Math.PI * freq * i) / rate)));
    }
  }
  const bytes = new Uint8Array(44 + samples.length);
  const view = new DataView(bytes.buffer);
  const ascii = (at, s) => { for (let i = 0; i < s.length; i++) bytes[at + i] = s.charCodeAt(i); };
  ascii(0, 'RIFF'); view.setUint32(4, 36 + samples.length, true); ascii(8, 'WAVE');
  ascii(12, 'fmt '); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate, true); view.setUint16(32, 1, true); view.setUint16(34, 8, true);
  ascii(36, 'data'); view.setUint32(40, samples.length, true);
  bytes.set(samples, 44);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `data:audio/wav;base64,${btoa(bin)}`;
}

let audio = null;

/** Plays the chime; quietly does nothing where the browser refuses. */
export function playChime() {
  try {
    if (!audio) audio = new Audio(chimeURL());
    audio.currentTime = 0;
    const p = audio.play();
    if (p && p.catch) p.catch(() => {});
  } catch {
    // No audio on this browser: the notification and the list still show it.
  }
}

const supported = () => typeof Notification !== 'undefined';

/** Whether to offer the "enable alerts" button. */
export function needsPermission() {
  return supported() && Notification.permission === 'default';
}

/** Asks for notification permission; call from a click. Resolves to the answer. */
export async function askPermission() {
  // Also unlocks audio: the first play must come from a gesture.
  if (!audio) audio = new Audio(chimeURL());
  if (!supported()) return 'unsupported';
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/**
 * Shows a browser notification (title and body are plain text by the
 * Notification API) when allowed; clicking it focuses the page and calls
 * onClick.
 */
export function notify(title, body, { tag, onClick } = {}) {
  if (!supported() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body: body.slice(0, 180), tag, silent: true });
    n.onclick = () => { window.focus(); if (onClick) onClick(); n.close(); };
  } catch {
    // Some browsers only allow notifications from a service worker.
  }
}

/** The header button that asks for permission; hides itself once answered. */
export function permissionButton() {
  const button = el('button', {
    type: 'button', class: 'link-button', 'data-testid': 'enable-alerts', hidden: !needsPermission(),
    title: 'Play a sound and show a notification when a customer is waiting or feedback needs a decision',
    onclick: async () => { await askPermission(); button.hidden = !needsPermission(); },
  }, 'Enable alerts');
  return button;
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// Short messages that come and go by themselves ("Quorum reached"): one
// polite live region at the bottom of the page, each message translated
// like any other text (a language switch re-translates it), gone after a
// few seconds or when tapped.
import { h } from './dom.js';

const SHOW_FOR = 7000; // ms
let region = null;

// kind: 'ok' (a check mark), 'warn' (an exclamation mark) or 'info';
// keep: at most this many at once, the oldest going first (0: no limit);
// showFor: how long one stays, in ms.
export function toast(key, args, { kind = 'info', keep = 0, showFor = SHOW_FOR } = {}) {
  if (!region || !region.isConnected) {
    region = h('div.toasts', { role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  const el = h('div.toast', { class: `toast-${kind}` },
    h('span.toast-icon', { 'aria-hidden': 'true' }, kind === 'ok' ? '✓' : kind === 'warn' ? '!' : 'i'),
    h('span.toast-text', { i18n: key, args }));
  el.addEventListener('click', () => el.remove());
  region.append(el);
  while (keep && region.childElementCount > keep) region.firstElementChild.remove();
  setTimeout(() => el.remove(), showFor);
  return el;
}

// Removes every toast (a view going away).
export function clearToasts() {
  region?.remove();
  region = null;
}

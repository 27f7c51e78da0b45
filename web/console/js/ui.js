// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's small parts: labelled fields, buttons that say they are
// busy, in-page dialogs, toasts, a polite announcer for screen readers, the
// meeting's state, a copy button and a progress bar. The dialogs and
// toasts are the web client's (/js/dialog.js, /js/toast.js), so style.css
// draws them alike.
//
// Invariant: every action that waits on the server shows it — its button
// disabled with a spinner and a label saying what is happening — and every
// refusal is said in words next to where it was asked.
import { openDialog as pageDialog } from '/js/dialog.js';
import { toast as pageToast } from '/js/toast.js';
import { h, nextId } from './dom.js';
import { tx } from './i18n.js';
import { say } from './reasons.js';

// A labelled field: {label, hint, input} → a <div.c-field>. The label and
// the hint are translation keys; the input gets an id and aria-describedby.
export function field(label, input, { hint, hintArgs, cls, required } = {}) {
  const id = input.id || nextId('f');
  input.id = id;
  if (required) input.setAttribute('aria-required', 'true');
  const parts = [h('label.c-label', { for: id }, h('span', { i18n: label }), required ? h('span.c-req', { 'aria-hidden': 'true' }, ' *') : null)];
  parts.push(input);
  if (hint) {
    const hid = `${id}-hint`;
    parts.push(h('p.c-hint.small.muted', { id: hid, i18n: hint, args: hintArgs }));
    input.setAttribute('aria-describedby', hid);
  }
  return h('div.c-field', { class: cls }, ...parts);
}

export function input(attrs = {}) {
  return h('input.c-input', { type: 'text', ...attrs });
}

export function select(options, value, attrs = {}) {
  const el = h('select.c-input', attrs, options.map(([v, key]) => h('option', { value: v, i18n: key })));
  el.value = value;
  return el;
}

// An error line under a form, hidden until something is said.
export function errorLine() {
  const el = h('p.form-error.c-error', { role: 'alert', hidden: true });
  el.say = (arg) => {
    if (!arg) { el.hidden = true; return; }
    const said = typeof arg === 'object' && typeof arg.key === 'string' && !(arg instanceof Error) ? arg : say(arg);
    tx(el, 'error.said', { message: said });
    el.hidden = false;
  };
  el.sayKey = (key, args) => { tx(el, key, args); el.hidden = false; };
  return el;
}

// Runs fn with btn disabled and saying `busyKey` beside a spinner; the
// label comes back after. Returns what fn returns; a second click while it
// runs does nothing.
export async function busy(btn, busyKey, fn) {
  if (btn.dataset.busy) return undefined;
  const label = btn.querySelector('.c-btn-label') || btn;
  const key = label.dataset.i18n;
  const args = label.dataset.i18nArgs ? JSON.parse(label.dataset.i18nArgs) : undefined;
  btn.dataset.busy = '1';
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  const spin = h('span.spinner', { 'aria-hidden': 'true' });
  btn.prepend(spin);
  if (busyKey) tx(label, busyKey);
  try {
    return await fn();
  } finally {
    spin.remove();
    if (key) tx(label, key, args);
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
    delete btn.dataset.busy;
  }
}

// A button whose label is a key: h('button') with a span inside, so that
// busy() can put a spinner beside the words.
export function button(cls, key, attrs = {}, args) {
  return h(`button.btn${cls ? `.${cls}` : ''}`, { type: 'button', ...attrs }, h('span.c-btn-label', { i18n: key, args }));
}

// ---- dialogs ---------------------------------------------------------------

// openDialog({title, titleArgs, body, action, actionClass, busyKey, onAction, wide, cancelKey, focus})
//   The web client's dialog (/js/dialog.js) with the console's ways: the
//   action button shows a spinner while onAction runs (busy()), and a
//   refusal is said by an errorLine(). onAction(dialog) async: resolves to
//   null (done: the dialog closes) or to a t() argument, the sentence shown
//   inside the dialog, which stays. Without `action` the dialog has one
//   button, Close. Without `focus`, the first field, else the action.
export function openDialog({ title, titleArgs, body = [], action, actionClass = 'primary', busyKey, onAction, wide, cancelKey, focus }) {
  const hasField = body.some((b) => b.matches?.('input, textarea, select')
    || b.querySelector?.('input:not([readonly]), textarea, select'));
  return pageDialog({
    title, titleArgs, body, action, actionClass, onAction,
    focus: focus || (hasField || !action ? undefined : 'action'),
    wide: wide ? 'c-dialog-wide' : null,
    cancelKey: cancelKey || (action ? 'dialog.cancel' : 'con.close'),
    run: (btn, fn) => busy(btn, busyKey, fn),
    error: errorLine(),
    say: (el, said) => el.say(said),
  });
}

// "Are you sure?" with the consequence spelled out; resolves after onYes.
export function confirmDialog({ title, titleArgs, text, textArgs, yes, busyKey, danger = true, onYes }) {
  return openDialog({
    title, titleArgs,
    body: [h('p', { i18n: text, args: textArgs })],
    action: yes, actionClass: danger ? 'danger' : 'primary', busyKey,
    onAction: onYes, focus: 'action',
  });
}

// ---- toasts and the announcer ----------------------------------------------

// A short message that goes by itself ("3 participants added"): the web
// client's toast, the last three at most, so that a burst of changes does
// not cover the page.
export function toast(key, args, { kind = 'ok' } = {}) {
  return pageToast(key, args, { kind, keep: 3, showFor: 6000 });
}

let announcer = null;
// Said to a screen reader only ("Item moved to position 2").
export function announce(key, args) {
  if (!announcer || !announcer.isConnected) {
    announcer = h('div.c-sr', { 'aria-live': 'assertive', role: 'status' });
    document.body.append(announcer);
  }
  tx(announcer, key, args);
}

// ---- pieces ------------------------------------------------------------------

// Draft / Live / Closed, drawn as in the meeting's own strip.
export function stateChip(state) {
  return h('span.state-chip.c-state', { dataset: { state } },
    h('span.state-icon', { 'aria-hidden': 'true' }), h('span', { i18n: `meeting.state.${state}` }));
}

// A bar that fills as fraction goes 0..1; null: it moves without a measure.
export function progressBar() {
  const fill = h('span.c-progress-fill');
  const bar = h('span.c-progress', { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' }, fill);
  bar.set = (fraction) => {
    if (fraction === null || fraction === undefined) {
      bar.classList.add('c-progress-busy');
      bar.removeAttribute('aria-valuenow');
      fill.style.width = '';
      return;
    }
    bar.classList.remove('c-progress-busy');
    const pct = Math.max(0, Math.min(100, Math.round(fraction * 100)));
    bar.setAttribute('aria-valuenow', String(pct));
    fill.style.width = `${pct}%`;
  };
  return bar;
}

// Copies text: the clipboard where the page may use it (https, localhost),
// else the old way through a selected field. Resolves true when copied.
export async function copyText(text, fieldEl) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall through */ }
  const el = fieldEl || h('textarea', { readonly: true, class: 'c-sr' }, text);
  if (!fieldEl) document.body.append(el);
  el.focus();
  el.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  if (!fieldEl) el.remove();
  return ok;
}

// A read-only link with a Copy button that says "Copied" for a moment.
export function linkBox(link, { label = 'roster.linkLabel' } = {}) {
  const box = input({ readonly: true, value: link, class: 'c-link-input', spellcheck: 'false' });
  box.addEventListener('focus', () => box.select());
  const copy = button('c-copy', 'con.copy');
  copy.addEventListener('click', async () => {
    const ok = await copyText(link, box);
    const lbl = copy.querySelector('.c-btn-label');
    tx(lbl, ok ? 'con.copied' : 'con.copyFailed');
    copy.classList.toggle('c-copied', ok);
    setTimeout(() => { tx(lbl, 'con.copy'); copy.classList.remove('c-copied'); }, 2500);
  });
  return h('div.c-link', {}, field(label, box), copy);
}

// Meeting times: the <input type="datetime-local"> value on this device's
// clock from an ISO time, and back to ISO with this device's offset (the
// server reads a time without a zone on its own clock, which may differ).
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const off = -d.getTimezoneOffset();
  const p = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${value.slice(0, 16)}${off >= 0 ? '+' : '-'}${p(off / 60)}:${p(off % 60)}`;
}

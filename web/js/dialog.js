// SPDX-License-Identifier: AGPL-3.0-or-later
// In-page dialogs, never window.prompt or window.confirm (a kiosk browser
// may block them, and they cannot be translated or styled): a modal
// <dialog> with a title, a body, one action and Cancel. The action runs
// with the dialog still open and its button saying so ("Closing…"); a
// refusal is said inside the dialog, which stays; success closes it. Escape
// and Cancel close it; the focus goes back to where it was.
import { h } from './dom.js';
import { tx } from './i18n.js';

// openDialog({title, titleArgs, body, action, actionClass, busy, onAction, focus})
//   title/titleArgs  the heading, from a translation key
//   body             elements under the heading
//   action           the key of the action button's label
//   actionClass      'primary' or 'danger'
//   busy             the key of its label while onAction runs
//   onAction(dialog) async; resolves to null when done, or to
//                    {key, args}: the sentence to show, the dialog staying
//   focus            'action', 'cancel' or an element of body (default: the
//                    first field of body, else Cancel)
// Returns the <dialog> element (already shown).
export function openDialog({ title, titleArgs, body = [], action, actionClass = 'primary', busy, onAction, focus }) {
  const back = document.activeElement;
  const id = `dlg-${Math.random().toString(36).slice(2, 9)}`;
  const heading = h('h2.dialog-title', { id, i18n: title, args: titleArgs });
  const error = h('p.form-error.dialog-error', { role: 'alert', hidden: true });
  const ok = h(`button.btn.${actionClass}.dialog-action`, { type: 'submit', i18n: action });
  const cancel = h('button.btn.dialog-cancel', { type: 'button', i18n: 'dialog.cancel' });
  const form = h('form.dialog-form', {}, heading, ...body, error, h('div.dialog-buttons', {}, cancel, ok));
  const dlg = h('dialog.dialog', { 'aria-labelledby': id }, form);
  let running = false;

  const close = () => {
    if (!dlg.isConnected) return;
    if (dlg.open) dlg.close();
    dlg.remove();
    if (back && back.isConnected) back.focus?.();
  };
  cancel.addEventListener('click', () => { if (!running) close(); });
  dlg.addEventListener('cancel', (e) => { e.preventDefault(); if (!running) close(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (running) return;
    running = true;
    error.hidden = true;
    ok.disabled = cancel.disabled = true;
    if (busy) tx(ok, busy);
    let said = null;
    try {
      said = await onAction(dlg);
    } catch (err) {
      said = { key: 'error.generic', args: { message: err.message || String(err) } };
    }
    running = false;
    ok.disabled = cancel.disabled = false;
    tx(ok, action);
    if (!said) { close(); return; }
    tx(error, said.key, said.args);
    error.hidden = false;
  });

  document.body.append(dlg);
  dlg.showModal();
  const field = body.map((b) => (b.matches?.('input, textarea, select') ? b : b.querySelector?.('input, textarea, select'))).find(Boolean);
  const target = focus === 'action' ? ok : focus === 'cancel' ? cancel : focus instanceof Element ? focus : field || cancel;
  target.focus();
  dlg.closeDialog = close;
  return dlg;
}

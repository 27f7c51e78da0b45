// SPDX-License-Identifier: AGPL-3.0-or-later
// In-page dialogs, never window.prompt or window.confirm (a kiosk browser
// may block them, and they cannot be translated or styled): a modal
// <dialog> with a title, a body, one action and Cancel. The action runs
// with the dialog still open and its button saying so ("Closing…"); a
// refusal is said inside the dialog, which stays; success closes it. Escape
// and Cancel close it; the focus goes back to where it was. The meeting
// console uses the same dialog (web/console/js/ui.js) with its own way of
// showing a button busy and an error.
import { h } from './dom.js';
import { tx } from './i18n.js';

// openDialog({title, titleArgs, body, action, actionClass, busy, onAction, focus,
//             wide, cancelKey, run, error, say})
//   title/titleArgs  the heading, from a translation key
//   body             elements under the heading
//   action           the key of the action button's label; without it the
//                    dialog has one button, Close (cancelKey)
//   actionClass      'primary' or 'danger'
//   busy             the key of its label while onAction runs
//   onAction(dialog) async; resolves to null when done, or to what `say`
//                    shows, the dialog staying
//   focus            'action', 'cancel' or an element of body (default: the
//                    first field of body that can be typed in, else Cancel)
//   wide             a class for a wider dialog
//   cancelKey        the key of the Cancel button's label
//   run(button, fn)  runs fn while the action button shows it is busy
//                    (default: disabled, its label the `busy` key)
//   error            the element that shows a refusal (default: a line above
//                    the buttons); `say(error, said)` puts `said` in it, and
//                    `say(error, null)` hides it (default: `said` is
//                    {key, args}); a thrown error is given to `say` as is
// Returns the <dialog> element (already shown), with closeDialog() and error.
export function openDialog({
  title, titleArgs, body = [], action, actionClass = 'primary', busy, onAction, focus,
  wide, cancelKey, run, error: errorEl, say,
}) {
  const back = document.activeElement;
  const id = `dlg-${Math.random().toString(36).slice(2, 9)}`;
  const heading = h('h2.dialog-title', { id, i18n: title, args: titleArgs });
  const error = errorEl || h('p.form-error.dialog-error', { role: 'alert', hidden: true });
  const show = say || defaultSay;
  const ok = action ? h(`button.btn.${actionClass}.dialog-action`, { type: 'submit' },
    h('span.c-btn-label', { i18n: action })) : null;
  const cancel = h('button.btn.dialog-cancel', { type: 'button', i18n: cancelKey || 'dialog.cancel' });
  const form = h('form.dialog-form', { novalidate: true }, heading, ...body, error,
    h('div.dialog-buttons', {}, cancel, ok));
  const dlg = h('dialog.dialog', { 'aria-labelledby': id, class: wide || null }, form);
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
    if (running || !ok) return;
    running = true;
    show(error, null);
    cancel.disabled = true;
    let said = null;
    try {
      said = await (run || runBusy(busy, action))(ok, () => onAction(dlg));
    } catch (err) {
      said = say ? err : { key: 'error.generic', args: { message: err.message || String(err) } };
    }
    running = false;
    cancel.disabled = false;
    if (!said) { close(); return; }
    show(error, said);
  });

  document.body.append(dlg);
  dlg.showModal();
  const field = body.map((b) => (b.matches?.('input, textarea, select')
    ? b : b.querySelector?.('input:not([readonly]), textarea, select'))).find(Boolean);
  const target = focus === 'action' ? ok : focus === 'cancel' ? cancel
    : focus instanceof Element ? focus : field || cancel;
  (target || cancel).focus();
  dlg.closeDialog = close;
  dlg.error = error;
  return dlg;
}

function defaultSay(error, said) {
  if (!said) { error.hidden = true; return; }
  tx(error, said.key, said.args);
  error.hidden = false;
}

// The action button disabled, its label saying `busy`, while fn runs.
function runBusy(busy, action) {
  return async (ok, fn) => {
    const label = ok.querySelector('.c-btn-label');
    ok.disabled = true;
    if (busy) tx(label, busy);
    try {
      return await fn();
    } finally {
      ok.disabled = false;
      tx(label, action);
    }
  };
}

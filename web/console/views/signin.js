// SPDX-License-Identifier: AGPL-3.0-or-later
// The sign-in page: email and password, and the server's refusals in words
// — a wrong password, a disabled account, and after five failures in a
// minute the time left before the next try, counted down to zero (the
// server's Retry-After). A notice on top says why the page is shown when
// it is not the first visit: the session expired, or the person signed out.
import { h, clear, footer } from '../js/dom.js';
import { langSwitch } from '../js/i18n.js';
import { api } from '../js/api.js';
import { field, input, errorLine, busy, button } from '../js/ui.js';

export function renderSignIn(root, { notice, onSignedIn }) {
  const email = input({ type: 'email', name: 'email', autocomplete: 'username', required: true, spellcheck: 'false', autocapitalize: 'none' });
  const password = input({ type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const show = h('input', { type: 'checkbox', id: 'show-password' });
  show.addEventListener('change', () => { password.type = show.checked ? 'text' : 'password'; });
  const error = errorLine();
  const submit = button('primary.c-wide', 'signin.submit', { type: 'submit' });
  let countdown = null;

  const stopCountdown = () => { clearInterval(countdown); countdown = null; };
  // "Try again in 42 seconds", one second at a time, then "you can try again".
  const waitFor = (secs) => {
    stopCountdown();
    let left = Math.max(1, Number(secs) || 60);
    error.sayKey('signin.tooMany', { s: left });
    countdown = setInterval(() => {
      left -= 1;
      if (!error.isConnected) { stopCountdown(); return; }
      if (left <= 0) { stopCountdown(); error.sayKey('signin.tryNow'); return; }
      error.sayKey('signin.tooMany', { s: left });
    }, 1000);
  };

  const form = h('form.c-signin-form', { novalidate: true },
    field('signin.email', email),
    field('signin.password', password),
    h('label.c-check.small', { for: 'show-password' }, show, h('span', { i18n: 'signin.show' })),
    error,
    submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!email.value.trim() || !password.value) {
      error.sayKey('signin.fill');
      (email.value.trim() ? password : email).focus();
      return;
    }
    busy(submit, 'signin.busy', async () => {
      try {
        const res = await api('POST', '/api/staff/signin', { email: email.value.trim(), password: password.value });
        stopCountdown();
        onSignedIn(res);
      } catch (err) {
        if (err.status === 429) waitFor(err.retryAfter);
        else {
          stopCountdown();
          error.say(err);
        }
        if (err.status === 401) { password.value = ''; password.focus(); }
      }
    });
  });
  email.addEventListener('input', () => { if (countdown) { stopCountdown(); error.say(null); } });

  const note = notice ? h('p.notice.c-signin-notice', { role: 'status', i18n: notice }) : null;
  clear(root).append(h('div.page.c-signin-page', {},
    h('header.page-top', {}, h('span.brand', {}, 'Plenum'), langSwitch()),
    h('main.page-main.c-signin-main', {},
      h('div.card.c-signin', {},
        h('div.home-logo', { 'aria-hidden': 'true' }),
        h('h1', { i18n: 'signin.title' }),
        h('p.muted', { i18n: 'signin.lead' }),
        note,
        form,
        h('p.small.muted.c-signin-help', { i18n: 'signin.help' }))),
    footer()));
  email.focus();
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// The meeting console: where office staff and secretaries prepare meetings
// (docs/protocol.md, "Staff and the console"; docs/user-guide.md, "The
// meeting console"). One page for every path under /console; this script
// routes on location.pathname:
//   /console                    the meetings: upcoming, live, past, search
//   /console/new                a new meeting
//   /console/m/<id>             a meeting's details, staff, open and close
//   /console/m/<id>/agenda      its agenda and documents
//   /console/m/<id>/roster      its participants, CSV import, links
//   /console/m/<id>/print       invitation cards and the door poster
//   /console/staff              staff accounts (administrators)
//
// Without a staff session every path shows the sign-in page, then itself.
// When a session ends under the page (a 401 from any request: expired,
// signed out in another tab, the account disabled), the sign-in page comes
// back with the reason and returns to the same path afterwards.
//
// The console reads and writes over HTTP only (staff open no WebSocket);
// each view loads what it shows when it is opened.
import { initI18n, langSwitch, t } from './js/i18n.js';
import { h, clear, footer } from './js/dom.js';
import { api } from './js/api.js';
import { button, busy } from './js/ui.js';
import { renderSignIn } from './views/signin.js';
import { mountList } from './views/list.js';
import { mountCreate } from './views/details.js';
import { mountMeeting } from './views/meeting.js';
import { mountStaff, accountDialog } from './views/staff.js';

const root = document.getElementById('app');
let me = null;        // {user, expires} of the signed-in staff member
let shell = null;     // {main, nav} while signed in
let view = null;      // the mounted view: {destroy?(), path?, show?(path)}

// Moves to a path of the console without reloading the page.
function go(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  route();
}

// A link that navigates inside the console (a new tab still works).
function link(href, attrs, ...children) {
  const a = h('a', { href, ...attrs }, ...children);
  a.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    go(href);
  });
  return a;
}

function signedOut(noticeKey) {
  // A dialog left open would stand over the sign-in page.
  for (const d of document.querySelectorAll('dialog')) { if (d.open) d.close(); d.remove(); }
  view?.destroy?.();
  view = null;
  shell = null;
  me = null;
  document.title = `${t('signin.pageTitle')} · Plenum`;
  renderSignIn(root, {
    notice: noticeKey,
    onSignedIn(res) {
      me = res;
      if (/^\/console\/signin\/?$/.test(location.pathname)) history.replaceState(null, '', '/console');
      route();
    },
  });
}

function mountShell() {
  const user = me.user;
  const nav = h('nav.c-nav', { 't_aria-label': 'con.navLabel' },
    link('/console', { class: 'c-nav-link', dataset: { nav: 'meetings' } }, h('span', { i18n: 'con.navMeetings' })),
    user.role === 'admin' ? link('/console/staff', { class: 'c-nav-link', dataset: { nav: 'staff' } }, h('span', { i18n: 'con.navStaff' })) : null);
  const out = button('c-signout', 'con.signOut');
  out.addEventListener('click', () => busy(out, 'con.signingOut', async () => {
    try { await api('POST', '/api/staff/signout'); } catch { /* the cookie is cleared anyway, or will expire */ }
    history.replaceState(null, '', '/console');
    signedOut('signin.signedOut');
  }));
  const who = h('button.c-who', { type: 'button', 't_title': 'account.title', onclick: () => accountDialog(me) },
    h('span.c-who-name', {}, user.name),
    h('span.c-who-role.small', { i18n: `staff.role.${user.role}` }));
  const main = h('main.c-main', { id: 'main', tabindex: '-1' });
  const bar = h('header.c-bar', {},
    h('a.c-skip', { href: '#main', i18n: 'con.skip' }),
    link('/console', { class: 'brand c-brand' }, h('span', {}, 'Plenum'), h('span.c-brand-sub', { i18n: 'con.brand' })),
    nav,
    h('div.c-bar-end', {}, who, langSwitch(), out));
  clear(root).append(h('div.c-app', {}, bar, main, footer()));
  shell = { main, nav };
}

function markNav(which) {
  for (const a of shell.nav.querySelectorAll('.c-nav-link')) {
    if (a.dataset.nav === which) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function notFound(main) {
  clear(main).append(h('div.card.c-narrow', {},
    h('h1', { i18n: 'con.notFoundTitle' }),
    h('p', { i18n: 'con.notFoundText' }),
    link('/console', { class: 'btn primary' }, h('span', { i18n: 'con.toMeetings' }))));
}

function route() {
  if (!me) { signedOut(null); return; }
  if (!shell) mountShell();
  const path = location.pathname.replace(/\/+$/, '') || '/console';
  const main = shell.main;
  let m;
  // Within one meeting, switching tabs keeps the page (and what it loaded).
  if ((m = path.match(/^\/console\/m\/([a-z0-9]+)(?:\/(agenda|roster|print))?$/))) {
    markNav('meetings');
    if (view?.meeting === m[1]) { view.show(m[2] || 'details'); return; }
    view?.destroy?.();
    view = mountMeeting(main, m[1], m[2] || 'details', { go, link, user: me.user });
    return;
  }
  view?.destroy?.();
  view = null;
  let title = 'con.notFoundTitle';
  if (path === '/console' || path === '/console/signin') {
    markNav('meetings');
    title = 'list.title';
    view = mountList(main, { go, link, user: me.user });
  } else if (path === '/console/new') {
    markNav('meetings');
    title = 'form.newTitle';
    view = mountCreate(main, { go, link });
  } else if (path === '/console/staff' && me.user.role === 'admin') {
    markNav('staff');
    title = 'staff.title';
    view = mountStaff(main, { user: me.user });
  } else {
    markNav(null);
    notFound(main);
  }
  document.title = `${t(title)} · Plenum`;
  window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => { if (me) route(); });
document.addEventListener('console:expired', () => { if (me) signedOut('signin.expired'); });

async function start() {
  try {
    await initI18n();
  } catch (e) {
    console.error('i18n', e);
  }
  try {
    me = await api('GET', '/api/staff/me');
  } catch (e) {
    if (e.status !== 401) {
      clear(root).append(h('div.card.c-narrow.error-card', { role: 'alert' },
        h('p', { i18n: e.status === 0 ? 'error.network' : 'con.loadFailed' }),
        button('primary', 'con.retry', { onclick: () => start() })));
      return;
    }
  }
  route();
}

start();

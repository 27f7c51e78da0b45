// SPDX-License-Identifier: AGPL-3.0-or-later
// Pieces shared by the meeting views.
import { h, footer } from '../dom.js';
import { td, tx, langSwitch } from '../i18n.js';

// Title, organisation, time and place, as on an invitation.
export function meetingHeader(m, { level = 'h1' } = {}) {
  const facts = h('dl.meeting-facts');
  if (m.starts) facts.append(h('div', {}, h('dt', { i18n: 'meeting.time' }), td(h('dd'), m.starts)));
  if (m.location) facts.append(h('div', {}, h('dt', { i18n: 'meeting.place' }), h('dd', {}, m.location)));
  return h('div.meeting-header', {},
    m.org ? h('p.meeting-org', {}, m.org) : null,
    h(`${level}.meeting-title`, {}, m.title || ''),
    facts.childElementCount ? facts : null);
}

export function agendaList(agenda) {
  if (!agenda.length) return h('p.muted', { i18n: 'meeting.noAgenda' });
  return h('ol.agenda', {}, agenda.map((a) => h('li', {}, a.title)));
}

// The agenda with its documents; documents without an item come last.
export function docsByItem(state) {
  const groups = state.agenda.map((item) => ({ item, docs: state.documents.filter((d) => d.item === item.id) }));
  const known = new Set(state.agenda.map((a) => a.id));
  const other = state.documents.filter((d) => !d.item || !known.has(d.item));
  if (other.length) groups.push({ item: null, docs: other });
  return groups;
}

// Documents in agenda order: the order "next document" walks.
export function orderedDocs(state) {
  return docsByItem(state).flatMap((g) => g.docs);
}

// The lock beside a confidential document's title (null for others).
export function lockBadge(d) {
  if (!d.confidential) return null;
  return h('span.badge.lock-badge', {}, h('span.lock-icon', { 'aria-hidden': 'true' }), ' ',
    h('span', { i18n: 'doc.confidential' }));
}

export function offlineBanner() {
  const b = h('div.banner-offline', { role: 'status', 'aria-live': 'assertive', hidden: true });
  b.append(h('span.spinner', { 'aria-hidden': 'true' }), h('span', { i18n: 'conn.offline' }));
  return b;
}

export function connectingView() {
  return h('div.center-page', {},
    h('div.card.center', {},
      h('span.spinner.big', { 'aria-hidden': 'true' }),
      h('p', { i18n: 'conn.connecting', role: 'status' })));
}

export function notJoinedView() {
  return h('div.page', {},
    h('header.page-top', {}, h('span.brand', {}, 'Plenum'), langSwitch()),
    h('main.page-main', {},
      h('div.card', {},
        h('h1', { i18n: 'conn.notJoinedTitle' }),
        h('p', { i18n: 'conn.notJoinedText' }))),
    footer());
}

export function roleLabel(role) {
  return h('span.role', { i18n: `role.${role}` });
}

export { tx };

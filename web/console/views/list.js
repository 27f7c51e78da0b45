// SPDX-License-Identifier: AGPL-3.0-or-later
// The meetings (/console): upcoming, live and past in tabs, a search by
// title (all its words, accents ignored, by the server) and by a range of
// dates. The choice lives in the address (?when=&q=&from=&to=), so Back
// and a bookmark give the same list. Each meeting says its state, time,
// place and how far it is prepared (items, participants, documents); any
// of them can be cloned as the start of a new one.
import { h, clear } from '../js/dom.js';
import { tw, plural } from '../js/i18n.js';
import { api } from '../js/api.js';
import { field, input, errorLine, stateChip, button } from '../js/ui.js';
import { cloneDialog } from './clone.js';

const TABS = [['upcoming', 'list.upcoming'], ['live', 'list.live'], ['past', 'list.past'], ['all', 'list.all']];

function readQuery() {
  const p = new URLSearchParams(location.search);
  const when = TABS.some(([w]) => w === p.get('when')) ? p.get('when') : 'upcoming';
  return { when, q: p.get('q') || '', from: p.get('from') || '', to: p.get('to') || '' };
}

function queryString({ when, q, from, to }) {
  const p = new URLSearchParams();
  if (when && when !== 'upcoming') p.set('when', when);
  if (q) p.set('q', q);
  if (from) p.set('from', from);
  if (to) p.set('to', to);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function mountList(main, { go, link }) {
  const query = readQuery();
  const q = input({ type: 'search', value: query.q, maxlength: 200, name: 'q', autocomplete: 'off' });
  const from = input({ type: 'date', value: query.from, name: 'from' });
  const to = input({ type: 'date', value: query.to, name: 'to' });
  const error = errorLine();
  const status = h('p.c-status', { role: 'status' });
  const results = h('ul.c-meetings');
  const hasFilter = query.q || query.from || query.to;

  const tabs = h('nav.c-tabs', { 't_aria-label': 'list.tabsLabel' },
    TABS.map(([w, key]) => link(`/console${queryString({ ...query, when: w })}`,
      { class: 'c-tab', 'aria-current': w === query.when ? 'page' : null, dataset: { when: w } }, h('span', { i18n: key }))));

  const search = h('form.c-search', { role: 'search', 't_aria-label': 'list.searchLabel' },
    field('list.q', q, { cls: 'c-grow' }),
    field('list.from', from),
    field('list.to', to),
    h('div.c-search-buttons', {},
      button('primary', 'list.search', { type: 'submit' }),
      hasFilter ? button('', 'list.clear', { onclick: () => go(`/console${queryString({ when: query.when })}`) }) : null));
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    if (from.value && to.value && from.value > to.value) {
      error.sayKey('list.badRange');
      to.focus();
      return;
    }
    go(`/console${queryString({ when: query.when, q: q.value.trim(), from: from.value, to: to.value })}`);
  });

  clear(main).append(h('div.c-page', {},
    h('div.c-head', {},
      h('h1', { i18n: 'list.title', tabindex: '-1' }),
      link('/console/new', { class: 'btn primary c-new' }, h('span', { 'aria-hidden': 'true' }, '+'), h('span', { i18n: 'list.new' }))),
    tabs, search, error, status, results));

  const card = (m) => {
    const title = link(`/console/m/${m.id}`, { class: 'c-meeting-title' }, m.title);
    const facts = h('p.c-meeting-facts', {},
      h('span.c-when-wrap', {}, h('span.c-sr', { i18n: 'con.time' }), tw(h('span.c-when'), m.starts, m.ends)),
      m.location ? h('span.c-where', {}, h('span.c-sr', { i18n: 'con.place' }), m.location) : null);
    const counts = h('p.c-counts.small.muted', {},
      h('span', { i18n: plural('list.items', m.counts?.items ?? 0), args: { n: m.counts?.items ?? 0 } }), ' · ',
      h('span', { i18n: plural('list.participants', m.counts?.participants ?? 0), args: { n: m.counts?.participants ?? 0 } }), ' · ',
      h('span', { i18n: plural('list.documents', m.counts?.documents ?? 0), args: { n: m.counts?.documents ?? 0 } }));
    const clone = button('small-btn', 'list.clone', { 't_aria-label': ['list.cloneLabel', { title: m.title }] });
    clone.addEventListener('click', () => cloneDialog(m, { go }));
    return h('li.c-meeting', { dataset: { meeting: m.id, state: m.state } },
      h('div.c-meeting-main', {},
        m.org ? h('p.meeting-org', {}, m.org) : null,
        h('h2.c-meeting-h', {}, title),
        facts, counts),
      h('div.c-meeting-side', {}, stateChip(m.state), clone));
  };

  const load = async () => {
    clear(status).append(h('span.spinner', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'list.loading' }));
    // The dates before the words: the server reads each argument into a
    // small buffer and stops at the first longer one (a long search).
    const p = new URLSearchParams();
    if (query.when !== 'all') p.set('when', query.when);
    if (query.from) p.set('from', query.from);
    if (query.to) p.set('to', query.to);
    if (query.q) p.set('q', query.q);
    try {
      const res = await api('GET', `/api/console/meetings?${p}`);
      if (!main.isConnected) return;
      const list = res.meetings || [];
      clear(status);
      if (!list.length) {
        status.append(h('span', { i18n: hasFilter ? 'list.noneFound' : `list.none.${query.when}` }));
      } else {
        status.append(h('span', { i18n: plural('list.count', list.length), args: { n: list.length } }));
      }
      clear(results).append(...list.map(card));
    } catch (err) {
      clear(status);
      error.say(err);
    }
  };
  load();
  return {};
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// One meeting in the console (/console/m/<id>[/agenda|/roster|/print]): a
// header with its title, state, time and place, "Open the meeting" or
// "Close the meeting", and "Clone"; then four tabs — details, agenda and
// documents, roster, printed material.
//
// Data flow: the meeting's detail (GET /api/console/meetings/<id>) is read
// once when the page opens and kept in ctx.meeting; a change that answers
// with the whole meeting (edit, open, close) replaces it with set(), one
// that answers with a part (the agenda) patches it, and one that does not
// (roster, documents) reads it again with fetch() (the header follows; the
// tab redraws what changed) or reload() (the tab is drawn anew). Switching tabs keeps ctx and reads the
// meeting again quietly, so a change made on another device shows.
import { h, clear } from '../js/dom.js';
import { tw, plural } from '../js/i18n.js';
import { api } from '../js/api.js';
import { errorLine, stateChip, button, confirmDialog, toast } from '../js/ui.js';
import { say } from '../js/reasons.js';
import { detailsTab } from './details.js';
import { agendaTab } from './agenda.js';
import { rosterTab } from './roster.js';
import { printTab } from './print.js';
import { cloneDialog } from './clone.js';

const TABS = [
  ['details', '', 'mtg.tabDetails'],
  ['agenda', '/agenda', 'mtg.tabAgenda'],
  ['roster', '/roster', 'mtg.tabRoster'],
  ['print', '/print', 'mtg.tabPrint'],
];

export function mountMeeting(main, id, tab, { go, link, user }) {
  const base = `/api/console/meetings/${encodeURIComponent(id)}`;
  const head = h('div.c-meeting-head');
  const tabs = h('nav.c-tabs.c-meeting-tabs', { 't_aria-label': 'mtg.tabsLabel' });
  const body = h('div.c-tab-body', { id: 'tab-body' });
  let current = tab;
  let destroyed = false;
  let tabView = null;
  let touched = false; // the person has done something in the tab on screen

  const ctx = {
    id, user, go, link, meeting: null,
    set(m) { ctx.meeting = m; renderHead(); renderTab(); },
    // Part of the meeting changed (the agenda): the header's counts follow.
    patch(fields) { Object.assign(ctx.meeting, fields); renderHead(); },
    // Reads the meeting again; the header follows, the tab does not.
    async fetch() {
      const res = await api('GET', base);
      if (destroyed) return null;
      ctx.meeting = res.meeting;
      renderHead();
      return res.meeting;
    },
    // Reads the meeting again and draws the tab anew (quiet: only when
    // something changed and the tab has not been touched since it was
    // drawn, so that nothing being typed, previewed or uploaded is lost).
    async reload({ quiet = false } = {}) {
      const before = JSON.stringify(ctx.meeting);
      const m = await ctx.fetch();
      if (!m || (quiet && (touched || tabView?.busy?.() || JSON.stringify(m) === before))) return;
      renderTab();
    },
  };

  clear(main).append(h('div.c-page', {},
    h('p.c-crumbs.small', {}, link('/console', {}, h('span', { i18n: 'con.navMeetings' }))),
    head, tabs, body));
  for (const type of ['input', 'change', 'pointerdown', 'keydown', 'dragstart']) {
    body.addEventListener(type, () => { touched = true; }, { capture: true });
  }
  clear(body).append(h('p.c-status', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'mtg.loading' })));

  function renderHead() {
    const m = ctx.meeting;
    document.title = `${m.title} · Plenum`;
    const actions = h('div.c-head-actions');
    if (m.state === 'draft') {
      const open = button('primary.c-open', 'mtg.open');
      open.addEventListener('click', () => confirmDialog({
        title: 'mtg.openTitle', text: 'mtg.openText', yes: 'mtg.open', busyKey: 'mtg.opening', danger: false,
        async onYes() {
          const res = await api('POST', `${base}/open`);
          ctx.set(res.meeting);
          toast('mtg.opened');
          focusActions();
          return null;
        },
      }));
      actions.append(open);
    } else if (m.state === 'live') {
      const close = button('danger.c-close', 'mtg.close');
      close.addEventListener('click', () => confirmDialog({
        title: 'mtg.closeTitle', text: 'mtg.closeText', yes: 'mtg.close', busyKey: 'mtg.closing',
        async onYes() {
          const res = await api('POST', `${base}/close`);
          ctx.set(res.meeting);
          toast('mtg.closed');
          focusActions();
          return null;
        },
      }));
      actions.append(close);
    }
    const clone = button('', 'mtg.clone');
    clone.addEventListener('click', () => cloneDialog(m, { go }));
    actions.append(clone);

    clear(head).append(
      h('div.c-meeting-head-text', {},
        m.org ? h('p.meeting-org', {}, m.org) : null,
        h('div.c-title-line', {}, h('h1.c-meeting-name', { tabindex: '-1' }, m.title), stateChip(m.state)),
        h('p.c-meeting-facts', {}, h('span.c-when-wrap', {}, h('span.c-sr', { i18n: 'con.time' }), tw(h('span.c-when'), m.starts, m.ends)), m.location ? h('span.c-where', {}, h('span.c-sr', { i18n: 'con.place' }), m.location) : null),
        m.state === 'live' ? h('p.c-live-note.small', { i18n: 'mtg.liveNote' }) : null),
      actions);

    const counts = { agenda: m.agenda?.length ?? m.counts?.items ?? 0, roster: m.counts?.participants ?? 0 };
    clear(tabs).append(...TABS.map(([name, suffix, key]) => {
      const n = counts[name];
      return link(`/console/m/${id}${suffix}`, { class: 'c-tab', 'aria-current': name === current ? 'page' : null, dataset: { tab: name } },
        h('span', { i18n: key }),
        n !== undefined ? h('span.c-tab-count', { 'aria-hidden': 'true' }, String(n)) : null,
        n !== undefined ? h('span.c-sr', { i18n: plural(`mtg.count.${name}`, n), args: { n } }) : null);
    }));
  }

  // The button that replaced the one pressed, once the dialog has gone.
  function focusActions() {
    setTimeout(() => head.querySelector('.c-head-actions .btn')?.focus(), 0);
  }

  function renderTab() {
    touched = false;
    tabView?.destroy?.();
    const make = { details: detailsTab, agenda: agendaTab, roster: rosterTab, print: printTab }[current];
    const el = make(ctx);
    tabView = el.view || null;
    clear(body).append(el);
  }

  (async () => {
    try {
      const res = await api('GET', base);
      if (destroyed) return;
      ctx.meeting = res.meeting;
      renderHead();
      renderTab();
    } catch (err) {
      if (destroyed) return;
      const error = errorLine();
      clear(body);
      clear(head).append(h('h1', { i18n: 'mtg.cannotTitle', tabindex: '-1' }));
      tabs.hidden = true;
      body.append(h('div.card.error-card.c-section', { role: 'alert' }, error,
        h('div', {}, link('/console', { class: 'btn' }, h('span', { i18n: 'con.toMeetings' })))));
      error.say(say(err));
    }
  })();

  return {
    meeting: id,
    show(next) {
      if (next === current) return;
      current = next;
      if (!ctx.meeting) return;
      renderHead();
      renderTab();
      window.scrollTo(0, 0);
      ctx.reload({ quiet: true }).catch(() => {});
    },
    destroy() { destroyed = true; tabView?.destroy?.(); },
  };
}

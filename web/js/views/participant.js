// SPDX-License-Identifier: AGPL-3.0-or-later
// The participant's view (member, guest, secretary): the chair's page, full
// screen, followed by default; free browsing through the documents drawer,
// the arrows or a swipe; one obvious button back to the chair's page.
import { h, clear, footer, pagesLabel } from '../dom.js';
import { tx, langSwitch } from '../i18n.js';
import { Stage } from '../stage.js';
import { meetingHeader, agendaList, docsByItem, lockBadge, offlineBanner, roleLabel } from './common.js';
import { searchPanel, Highlight } from '../search.js';
import { BallotScreen } from './ballotscreen.js';
import { SpeakButton, Ticker } from '../speakers.js';

const SWIPE_MIN = 50; // px; shorter moves are taps or scroll jitter

export function mountParticipant(root, client) {
  const st = () => client.state;
  const getDoc = (id) => st().documents.find((d) => d.id === id);

  // following: show what the chair presents; otherwise `view` is ours.
  let following = true;
  let view = null; // {doc, page} when browsing

  const banner = offlineBanner();
  const titleEl = h('span.bar-meeting');
  const modeEl = h('span.bar-mode');
  const docsBtn = h('button.btn.bar-btn', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'drawer' },
    h('span.icon-menu', { 'aria-hidden': 'true' }), h('span.label', { i18n: 'view.documents' }));
  const bar = h('header.bar', {}, docsBtn, h('div.bar-text', {}, titleEl, modeEl), langSwitch());

  const stageBox = h('div', { id: 'stage' });
  const stage = new Stage(stageBox, { getDoc });
  const highlight = new Highlight(stage);
  const idle = h('div.idle', { hidden: true });
  const prevBtn = h('button.nav.prev', { type: 'button', 't_aria-label': 'view.prev', 't_title': 'view.prev' }, h('span', { 'aria-hidden': 'true' }, '‹'));
  const nextBtn = h('button.nav.next', { type: 'button', 't_aria-label': 'view.next', 't_title': 'view.next' }, h('span', { 'aria-hidden': 'true' }, '›'));
  const pager = h('div.pager', { 'aria-live': 'polite' });
  const backBtn = h('button.btn.back-to-chair', { type: 'button', hidden: true },
    h('span.icon-back', { 'aria-hidden': 'true' }), h('span', { i18n: 'view.backToChair' }));
  // On a confidential document's pages: why the viewer's name is on them.
  const confNote = h('div.confidential-note', { role: 'note', hidden: true },
    h('span.lock-icon', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'doc.confidentialNote' }));
  const main = h('main.viewer', {}, stageBox, idle, prevBtn, nextBtn, pager, backBtn, confNote);

  const drawerBody = h('div.drawer-body');
  // Search: a hit opens its page in browse mode, the words highlighted.
  const search = searchPanel(client, {
    hint: 'search.hintBrowse',
    onHit(hit, q) {
      closeDrawer();
      browse(hit.doc, hit.page);
      highlight.show(hit.doc, hit.page, q);
    },
  });
  const closeBtn = h('button.btn.bar-btn.drawer-close', { type: 'button' }, h('span', { 'aria-hidden': 'true' }, '✕'), h('span', { i18n: 'view.close' }));
  const drawer = h('aside.drawer', { id: 'drawer', hidden: true, 't_aria-label': 'view.documents' },
    h('div.drawer-head', {}, h('h2', { i18n: 'view.documents' }), langSwitch(), closeBtn),
    search.el,
    drawerBody,
    footer());
  const scrim = h('div.scrim', { hidden: true });

  const votes = new BallotScreen(client);
  const speak = new SpeakButton(client);
  const app = h('div.app.participant-app', {}, banner, bar, main, speak.el, scrim, drawer, votes.pill, votes.el);
  clear(root).append(app);
  const ticker = new Ticker(client, app);

  // ---- what is on screen -------------------------------------------------

  const target = () => (following ? st().presented : view);

  function render() {
    const s = st();
    titleEl.textContent = s.meeting.title || '';
    const tgt = target();
    if (following) tx(modeEl, s.presented ? 'view.following' : 'view.notPresenting');
    else tx(modeEl, 'view.browsing');
    modeEl.classList.toggle('browsing', !following);
    modeEl.classList.toggle('waiting', following && !s.presented);
    backBtn.hidden = following;
    app.classList.toggle('is-browsing', !following);

    const d = tgt && getDoc(tgt.doc);
    confNote.hidden = !(tgt && d && d.confidential);
    if (tgt && d) {
      idle.hidden = true;
      stageBox.hidden = false;
      stage.show(tgt.doc, tgt.page);
      highlight.sync();
      tx(pager, 'view.pageOf', { page: tgt.page, pages: d.pages });
      pager.hidden = false;
      prevBtn.hidden = nextBtn.hidden = false;
      prevBtn.disabled = tgt.page <= 1;
      nextBtn.disabled = tgt.page >= d.pages;
    } else {
      stage.clear();
      highlight.clear();
      stageBox.hidden = true;
      pager.hidden = true;
      prevBtn.hidden = nextBtn.hidden = true;
      renderIdle();
    }
    if (!drawer.hidden) renderDrawer();
  }

  function renderIdle() {
    const s = st();
    clear(idle).append(h('div.idle-inner', {},
      meetingHeader(s.meeting),
      s.meeting.state === 'closed' ? h('p.notice', { i18n: 'meeting.closed' }) : h('p.notice', { i18n: 'meeting.waiting' }),
      h('h2', { i18n: 'meeting.agenda' }),
      agendaList(s.agenda),
      footer()));
    idle.hidden = false;
  }

  function browse(doc, page) {
    const d = getDoc(doc);
    if (!d) return;
    page = Math.max(1, Math.min(d.pages, page));
    following = false;
    view = { doc, page };
    render();
  }

  function step(delta) {
    const cur = target();
    if (!cur) return;
    browse(cur.doc, cur.page + delta);
    // Back on the chair's page by our own steps: we are following again.
    const p = st().presented;
    if (p && view.doc === p.doc && view.page === p.page) backToChair();
  }

  function backToChair() {
    following = true;
    view = null;
    render();
  }

  prevBtn.addEventListener('click', () => step(-1));
  nextBtn.addEventListener('click', () => step(1));
  backBtn.addEventListener('click', backToChair);

  // Swipe: horizontal moves on the page turn it; vertical ones are left alone.
  let touch = null;
  stageBox.addEventListener('touchstart', (e) => {
    if (e.touches.length !== 1) { touch = null; return; }
    touch = { x: e.touches[0].clientX, y: e.touches[0].clientY };
  }, { passive: true });
  stageBox.addEventListener('touchend', (e) => {
    if (!touch) return;
    const t = e.changedTouches[0];
    const dx = t.clientX - touch.x;
    const dy = t.clientY - touch.y;
    touch = null;
    // Pinch-zoomed in, a swipe pans the page instead.
    if (window.visualViewport && window.visualViewport.scale > 1.05) return;
    if (Math.abs(dx) >= SWIPE_MIN && Math.abs(dy) < Math.abs(dx) * 0.6) step(dx < 0 ? 1 : -1);
  }, { passive: true });

  const onKey = (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.target.closest?.('input, textarea, select')) return;
    if (!drawer.hidden) { if (e.key === 'Escape') closeDrawer(); return; }
    if (e.key === 'ArrowRight' || e.key === 'PageDown') { step(1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { step(-1); e.preventDefault(); }
    else if (e.key === 'Escape' && !following) backToChair();
  };
  document.addEventListener('keydown', onKey);

  // ---- drawer ------------------------------------------------------------

  function renderDrawer() {
    const s = st();
    const cur = target();
    const pres = s.presented;
    // An event re-renders the list: keep the keyboard focus where it was.
    const focused = drawerBody.contains(document.activeElement) ? document.activeElement.dataset.doc : null;
    clear(drawerBody);
    const you = client.you;
    drawerBody.append(h('div.drawer-meeting', {},
      h('p.drawer-title', {}, s.meeting.title || ''),
      you ? h('p.muted.small', {}, h('span', { i18n: 'view.you', args: { name: you.name } }), ' · ', roleLabel(you.role)) : null));
    if (!s.documents.length && !s.agenda.length) drawerBody.append(h('p.muted', { i18n: 'view.noDocs' }));
    for (const g of docsByItem(s)) {
      const sec = h('section.drawer-item', {},
        g.item ? h('h3', {}, h('span.item-no', {}, `${g.item.position ?? ''}.`), ' ', g.item.title) : h('h3', { i18n: 'view.otherDocs' }));
      if (!g.docs.length) sec.append(h('p.muted.small', { i18n: 'view.itemNoDocs' }));
      const ul = h('ul.doc-list');
      for (const d of g.docs) {
        const isCur = cur && cur.doc === d.id;
        const btn = h('button.doc-btn', { type: 'button', 'aria-current': isCur ? 'true' : null, dataset: { doc: d.id } },
          h('span.doc-icon', { 'aria-hidden': 'true' }),
          h('span.doc-text', {}, h('span.doc-title', {}, d.title, ' ', lockBadge(d)), h('span.doc-pages', { i18n: pagesLabel(d.pages)[0], args: pagesLabel(d.pages)[1] })),
          pres && pres.doc === d.id ? h('span.badge', { i18n: 'view.presentingBadge' }) : null);
        btn.addEventListener('click', () => {
          closeDrawer();
          // The chair's document opens at the chair's page; others at page 1.
          if (pres && pres.doc === d.id) backToChair();
          else if (!(cur && cur.doc === d.id)) browse(d.id, 1);
        });
        ul.append(h('li', {}, btn));
      }
      if (g.docs.length) sec.append(ul);
      drawerBody.append(sec);
    }
    if (focused) drawerBody.querySelector(`.doc-btn[data-doc="${focused}"]`)?.focus();
  }

  let lastFocus = null;
  function openDrawer() {
    lastFocus = document.activeElement;
    renderDrawer();
    drawer.hidden = false;
    scrim.hidden = false;
    docsBtn.setAttribute('aria-expanded', 'true');
    requestAnimationFrame(() => app.classList.add('drawer-open'));
    closeBtn.focus();
  }
  function closeDrawer() {
    app.classList.remove('drawer-open');
    drawer.hidden = true;
    scrim.hidden = true;
    docsBtn.setAttribute('aria-expanded', 'false');
    lastFocus?.focus?.();
  }
  docsBtn.addEventListener('click', () => (drawer.hidden ? openDrawer() : closeDrawer()));
  closeBtn.addEventListener('click', closeDrawer);
  scrim.addEventListener('click', closeDrawer);

  render();

  return {
    update(change) {
      const type = change.kind === 'state' ? 'state' : change.msg.type;
      votes.update(change);
      if (type.startsWith('speaker.') || type === 'state' || type === 'participant.added') speak.render();
      // Hits name documents: a removed one must go, a new title show, and
      // a document just indexed can be found now.
      if (type === 'doc.removed' || type === 'doc.renamed' || type === 'doc.indexed' || type === 'state') search.refresh();
      if (change.kind === 'notice') return; // presence, indexing: nothing to show here
      // A browsed document that disappeared after a full resync: follow again.
      if (!following && view && !getDoc(view.doc)) { following = true; view = null; }
      render();
    },
    status(s) { banner.hidden = s !== 'offline'; app.classList.toggle('is-offline', s === 'offline'); },
    destroy() { ticker.stop(); document.removeEventListener('keydown', onKey); highlight.destroy(); stage.destroy(); },
  };
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// The chair's view: the agenda with every document's pages as thumbnails,
// the presented page large, previous/next (buttons and keys), stop, and
// attendance (attendance.js); the documents tools (doctools.js); under the
// bar the meeting's state, the quorum and open/close (lifecycle.js). The
// secretary gets the same view without the present controls (present:
// false) and with the minutes editor (minutes.js) and the vote's progress
// beside the agenda; the stage then follows the chair, smaller.
//
// A closed meeting refuses every write but the minutes: the controls for
// them are disabled or gone (thumbnails stop presenting, no upload, no
// document menu, no vote, no speakers control, no attendance actions).
import { h, clear, pagesLabel } from '../dom.js';
import { tx, ta, langSwitch } from '../i18n.js';
import { Stage, pageUrl } from '../stage.js';
import { docsByItem, lockBadge, orderedDocs, offlineBanner } from './common.js';
import { confidentialBox, uploadButton } from '../upload.js';
import { DocTools } from './doctools.js';
import { searchPanel, Highlight } from '../search.js';
import { reason } from '../reasons.js';
import { PollPanel } from './pollpanel.js';
import { PollWatch } from './pollwatch.js';
import { SpeakersBox, Ticker } from '../speakers.js';
import { MeetingStrip, isClosed } from '../lifecycle.js';
import { AttendancePanel } from '../attendance.js';
import { MinutesEditor } from '../minutes.js';
import { clearToasts } from '../toast.js';

export function mountChair(root, client, { present: canPresent = true } = {}) {
  const st = () => client.state;
  const getDoc = (id) => st().documents.find((d) => d.id === id);
  const closed = () => isClosed(st());
  const presents = () => canPresent && !closed();

  // The page we last asked for, ahead of the event that confirms it, so that
  // three quick presses of → move three pages, not one.
  let aim = null;
  let inflight = 0;
  const open = new Set(); // documents whose thumbnails are unfolded
  let docsRendered = false;
  // doc id → the last doc.progress notice (pre-rendering after an upload).
  const progress = new Map();

  const banner = offlineBanner();
  const titleEl = h('span.bar-meeting');
  const nowEl = h('span.bar-mode');
  const stopBtn = h('button.btn.danger.bar-btn', { type: 'button' }, h('span.icon-stop', { 'aria-hidden': 'true' }), h('span.label', { i18n: 'chair.stop' }));
  // Votes are the chair's: the secretary's view has no panel.
  const polls = canPresent ? new PollPanel(client) : null;
  const bar = h('header.bar', {}, h('div.bar-text', {}, titleEl, nowEl), polls ? polls.button : null, canPresent ? stopBtn : null, langSwitch());

  const stageBox = h('div', { id: 'stage' });
  const stage = new Stage(stageBox, { getDoc });
  const highlight = new Highlight(stage);
  // A page looked at without presenting it (a search hit, a bookmark for the
  // secretary): shown on the stage under a bar that says so.
  let preview = null; // {doc, page}
  const previewText = h('span.preview-text');
  const previewPresent = h('button.btn.primary.small', { type: 'button', i18n: 'search.presentIt' });
  const previewClose = h('button.btn.small', { type: 'button', i18n: 'search.closePreview' });
  const previewBar = h('div.preview-bar', { role: 'status', hidden: true }, previewText, canPresent ? previewPresent : null, previewClose);
  const nothing = h('p.stage-empty', { i18n: canPresent ? 'chair.nothing' : 'secretary.nothing' });
  const prevBtn = h('button.btn.ctrl', { type: 'button', 'data-action': 'prev' }, h('span', { 'aria-hidden': 'true' }, '←'), h('span.label', { i18n: 'view.prev' }));
  const nextBtn = h('button.btn.ctrl.primary', { type: 'button', 'data-action': 'next' }, h('span.label', { i18n: 'view.next' }), h('span', { 'aria-hidden': 'true' }, '→'));
  const pager = h('span.ctrl-pager', { 'aria-live': 'polite' });
  const errorEl = h('p.form-error', { role: 'alert', hidden: true });
  const controls = h('div.controls', {}, prevBtn, pager, nextBtn);
  const keysHint = canPresent ? h('p.muted.small.keys-hint', { i18n: 'chair.keys' }) : null;
  const stageCol = h('section.chair-stage', {}, previewBar, h('div.stage-frame', {}, stageBox, nothing),
    canPresent ? controls : null, errorEl, keysHint);

  const docsCol = h('nav.chair-docs', { 't_aria-label': 'view.documents' });
  // Search above the agenda: a first tap previews the hit's page (words
  // highlighted), a second tap on the same hit presents it.
  let lastHit = null;
  const search = searchPanel(client, {
    hint: canPresent ? 'search.hintChair' : null,
    onHit(hit, q) {
      const again = lastHit && lastHit.doc === hit.doc && lastHit.page === hit.page &&
        preview && preview.doc === hit.doc && preview.page === hit.page;
      lastHit = hit;
      if (again && presents()) { closePreview(); present(hit.doc, hit.page); }
      else showPreview(hit.doc, hit.page);
      highlight.show(hit.doc, hit.page, q);
    },
  });
  const searchBox = h('div.chair-search', {}, search.el);
  // Outlives re-renders of the list, which the upload itself triggers.
  const uploadStatus = h('p.upload-status', { role: 'status', hidden: true });
  const docsError = h('p.form-error.docs-error', { role: 'alert', hidden: true });
  const tools = new DocTools(client, { rerender: () => renderDocs(), statusEl: uploadStatus, errorEl: docsError });
  const speakersBox = new SpeakersBox(client, { control: presents() });
  const attendance = new AttendancePanel(client, { canEdit: true });
  const peopleCol = h('section.chair-people', {}, speakersBox.el, attendance.el);
  const strip = new MeetingStrip(client, { chair: canPresent, secretary: !canPresent });
  // The secretary's own column: the vote as the projector shows it, and the minutes.
  const watch = canPresent ? null : new PollWatch(client);
  const minutes = canPresent ? null : new MinutesEditor(client);
  const minutesCol = minutes ? h('section.chair-minutes', {}, watch.el, minutes.el) : null;

  const app = h('div.app.chair-app', { class: canPresent ? null : 'secretary-app' }, banner, bar, ...strip.parts,
    h('div.chair-grid', {}, stageCol, docsCol, minutesCol, peopleCol), polls ? polls.el : null);
  clear(root).append(app);
  const ticker = new Ticker(client, app);

  function showPreview(doc, page) {
    preview = { doc, page };
    renderNow();
  }
  function closePreview() {
    preview = null;
    lastHit = null;
    highlight.clear();
    renderNow();
  }
  previewPresent.addEventListener('click', () => { const p = preview; closePreview(); if (p) present(p.doc, p.page); });
  previewClose.addEventListener('click', closePreview);

  async function present(doc, page) {
    errorEl.hidden = true;
    preview = null;
    const prev = aim;
    aim = doc ? { doc, page } : null;
    renderNow();
    inflight++;
    try {
      await client.request('present', doc ? { doc, page } : { doc: null });
      inflight--;
    } catch (err) {
      inflight--;
      aim = prev && st().presented ? { ...st().presented } : null;
      // A server refusal carries its own sentence; a lost link is ours to say.
      if (err.code) tx(errorEl, 'chair.failed', { message: err.message });
      else tx(errorEl, 'conn.offline');
      errorEl.hidden = false;
      renderNow();
    }
  }

  function step(delta) {
    const s = st();
    const cur = aim || s.presented;
    if (!cur) {
      // Nothing on screen yet: → starts with the first document of the agenda.
      const first = orderedDocs(s)[0];
      if (delta > 0 && first) present(first.id, 1);
      return;
    }
    const d = getDoc(cur.doc);
    if (!d) return;
    const page = cur.page + delta;
    if (page < 1 || page > d.pages) return;
    present(cur.doc, page);
  }

  prevBtn.addEventListener('click', () => step(-1));
  nextBtn.addEventListener('click', () => step(1));
  stopBtn.addEventListener('click', () => present(null, 0));

  const onKey = (e) => {
    if (!presents()) return;
    if (e.altKey || e.ctrlKey || e.metaKey || e.target.closest?.('input, textarea, select')) return;
    if (e.key === 'ArrowRight' || e.key === 'PageDown') { step(1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { step(-1); e.preventDefault(); }
  };
  document.addEventListener('keydown', onKey);

  // The part that changes with every page: stage, pager, bar, highlight.
  function renderNow() {
    const s = st();
    titleEl.textContent = s.meeting.title || '';
    if (preview && !getDoc(preview.doc)) preview = null;
    const cur = aim || s.presented;
    const d = cur && getDoc(cur.doc);
    previewBar.hidden = !preview;
    previewPresent.hidden = !presents();
    stageCol.classList.toggle('previewing', !!preview);
    if (preview) {
      const pd = getDoc(preview.doc);
      tx(previewText, 'search.previewing', { title: pd.title, page: preview.page });
      stage.show(preview.doc, preview.page);
      nothing.hidden = true;
      highlight.sync();
    } else if (d) highlight.sync();
    if (d) {
      if (!preview) stage.show(cur.doc, cur.page);
      nothing.hidden = true;
      tx(pager, 'view.pageOf', { page: cur.page, pages: d.pages });
      tx(nowEl, 'chair.presenting', { title: d.title });
      prevBtn.disabled = cur.page <= 1;
      nextBtn.disabled = cur.page >= d.pages;
      stopBtn.disabled = false;
    } else {
      if (!preview) stage.clear();
      nothing.hidden = !!preview;
      pager.textContent = '';
      delete pager.dataset.i18n;
      tx(nowEl, 'view.notPresenting');
      prevBtn.disabled = true;
      nextBtn.disabled = !orderedDocs(s).length;
      stopBtn.disabled = true;
    }
    // Closed: nothing can be presented any more (the server would refuse).
    if (closed()) prevBtn.disabled = nextBtn.disabled = stopBtn.disabled = true;
    controls.hidden = closed();
    if (keysHint) keysHint.hidden = closed();
    if (canPresent) tx(nothing, closed() ? 'chair.nothingClosed' : 'chair.nothing');
    for (const b of docsCol.querySelectorAll('.thumb[aria-current]')) b.removeAttribute('aria-current');
    if (d) {
      const b = docsCol.querySelector(`.thumb[data-doc="${cur.doc}"][data-page="${cur.page}"]`);
      if (b) {
        b.setAttribute('aria-current', 'true');
        const details = b.closest('details');
        if (details && !details.open) details.open = true;
        // Keep the current thumbnail in sight, but only inside the column
        // when it scrolls by itself (laptop); on a phone the page would jump.
        if (docsCol.scrollHeight > docsCol.clientHeight + 1) {
          const r = b.getBoundingClientRect();
          const c = docsCol.getBoundingClientRect();
          if (r.top < c.top) docsCol.scrollTop -= c.top - r.top + 8;
          else if (r.bottom > c.bottom) docsCol.scrollTop += r.bottom - c.bottom + 8;
        }
      }
    }
  }

  function renderDocs() {
    const s = st();
    const cur = aim || s.presented;
    if (cur) open.add(cur.doc);
    // Unfold everything while it stays short; past that, only what is in use.
    if (!docsRendered) {
      const all = orderedDocs(s);
      if (all.reduce((n, d) => n + d.pages, 0) <= 60) for (const d of all) open.add(d.id);
      else if (all[0]) open.add(all[0].id);
    }
    docsRendered = true;
    // Keep the scroll place: the list is drawn again on every change.
    const scroll = docsCol.scrollTop;
    const typing = searchBox.contains(document.activeElement);
    clear(docsCol);
    docsCol.append(searchBox);
    if (typing) search.input.focus();
    const writable = !closed();
    docsCol.append(h('div.docs-head.item-head', {}, h('h2', { i18n: 'meeting.agenda' }),
      s.agenda.length || !writable ? null : uploadButton(s.meeting.id, null, uploadStatus)), ...(writable ? [confidentialBox()] : []), uploadStatus, docsError);
    if (!s.documents.length && !s.agenda.length) docsCol.append(h('p.muted', { i18n: 'view.noDocs' }));
    for (const g of docsByItem(s)) {
      const sec = h('section.chair-item', { dataset: { item: g.item?.id || '' } },
        h('div.item-head', {},
          g.item ? h('h3', {}, h('span.item-no', {}, `${g.item.position ?? ''}.`), ' ', g.item.title) : h('h3', { i18n: 'view.otherDocs' }),
          writable ? uploadButton(s.meeting.id, g.item?.id, uploadStatus) : null));
      tools.dropTarget(sec, g.item?.id || null);
      if (!g.docs.length) sec.append(h('p.muted.small.drop-hint', { i18n: writable ? 'docs.dropHere' : 'view.itemNoDocs' }));
      for (const d of g.docs) sec.append(docEntry(d, g.item?.id || null));
      docsCol.append(sec);
    }
    docsCol.scrollTop = scroll;
    tools.place(docsCol);
  }

  // Pages the renderer could not draw, with its reason: the uploader must
  // know before presenting (docs/protocol.md, `errors` and doc.error).
  function errorList(d) {
    const errors = d.errors || [];
    if (!errors.length) return null;
    return h('ul.doc-errors', { role: 'status' },
      ...errors.map((e) => h('li', { i18n: 'chair.pageError', args: { page: e.page, error: reason(e.error) } })));
  }

  function docEntry(d, item) {
    const entry = h('div.doc-entry', { dataset: { doc: d.id }, class: tools.ui.menu === d.id ? 'menu-open' : null });
    const form = tools.renameForm(d);
    if (form) {
      entry.append(form);
      return entry;
    }
    const grid = h('div.thumbs');
    const bar = h('div.doc-progress', { role: 'progressbar', dataset: { doc: d.id }, 'aria-valuemin': '0' }, h('span'));
    const details = h('details.doc', { open: open.has(d.id) },
      h('summary', {},
        h('span.doc-caret', { 'aria-hidden': 'true' }),
        h('span.doc-text', {}, h('span.doc-title', {}, d.title), ' ', lockBadge(d), h('span.doc-pages.muted', { i18n: pagesLabel(d.pages)[0], args: pagesLabel(d.pages)[1] })),
        tools.menuButton(d)),
      bar, errorList(d), outlineList(d), grid);
    showProgress(bar, progress.get(d.id));
    details.addEventListener('toggle', () => { if (details.open) open.add(d.id); else open.delete(d.id); });
    for (let p = 1; p <= d.pages; p++) {
      // Lazy: a 150-page report only loads the thumbnails scrolled to.
      // A page the renderer could not draw is not asked for again on every
      // redraw: a plain placeholder stands in for its thumbnail.
      const failed = (d.errors || []).some((e) => e.page === p);
      const img = failed
        ? h('span.thumb-failed', { 'aria-hidden': 'true' }, '!')
        : h('img', { src: pageUrl(d.id, p, 320), loading: 'lazy', decoding: 'async', alt: '', width: 160, height: 226, draggable: 'false' });
      if (presents()) {
        const btn = h('button.thumb', { type: 'button', dataset: { doc: d.id, page: String(p) } }, img, h('span.thumb-no', {}, String(p)));
        ta(btn, 'aria-label', 'chair.presentPage', { page: p, title: d.title });
        btn.addEventListener('click', () => present(d.id, p));
        grid.append(btn);
      } else {
        const fig = h('div.thumb.thumb-static', { dataset: { doc: d.id, page: String(p) } }, img, h('span.thumb-no', {}, String(p)));
        ta(img, 'alt', 'view.pageAlt', { title: d.title, page: p });
        grid.append(fig);
      }
    }
    const menu = tools.menu(d, item);
    entry.append(details);
    if (menu) entry.append(menu);
    tools.draggable(entry, d);
    return entry;
  }

  // The document's bookmarks: a click presents (or, for the secretary,
  // previews) the page it points to.
  function outlineList(d) {
    if (!d.outline || !d.outline.length) return null;
    const list = (items, depth) => {
      const ul = h('ul.outline', { class: depth ? 'outline-sub' : null });
      for (const o of items) {
        const li = h('li');
        if (o.page >= 1) {
          const b = h('button.outline-btn', { type: 'button', dataset: { doc: d.id, page: String(o.page) } },
            h('span.outline-title', {}, o.title), h('span.outline-page.muted', {}, String(o.page)));
          ta(b, 'title', 'outline.goTo', { page: o.page });
          b.addEventListener('click', () => (presents() ? present(d.id, o.page) : showPreview(d.id, o.page)));
          li.append(b);
        } else li.append(h('span.outline-title.muted', {}, o.title));
        if (o.children && o.children.length && depth < 3) li.append(list(o.children, depth + 1));
        ul.append(li);
      }
      return ul;
    };
    return h('div.doc-outline', {}, h('p.outline-head.muted.small', { i18n: 'outline.title' }), list(d.outline, 0));
  }

  // A thin bar under the document's title while its pages are pre-rendered.
  function showProgress(bar, n) {
    const done = !n || n.rendered + (n.failed || 0) >= n.total;
    bar.hidden = done;
    if (done) return;
    bar.setAttribute('aria-valuemax', String(n.total));
    bar.setAttribute('aria-valuenow', String(n.rendered));
    ta(bar, 'aria-label', 'chair.rendering', { n: n.rendered, total: n.total });
    bar.firstChild.style.width = `${Math.round((100 * n.rendered) / Math.max(1, n.total))}%`;
  }

  function renderPeople() { attendance.render(); }

  renderDocs();
  renderPeople();
  renderNow();

  return {
    update(change) {
      const type = change.kind === 'state' ? 'state' : change.msg.type;
      polls?.update(change);
      watch?.update(change);
      strip.update(change);
      attendance.update(change);
      minutes?.update(change);
      speakersBox.control = presents();
      if (type.startsWith('speaker.') || type === 'state' || type === 'participant.added' || type.startsWith('meeting.')) speakersBox.render();
      if (type.startsWith('speaker.')) return;
      if (type === 'meeting.opened' || type === 'meeting.closed') {
        // What may be done changed: presenting, uploads, document menus.
        if (type === 'meeting.closed') { tools.closeMenu(false); tools.ui.edit = null; }
        renderDocs();
        renderNow();
        return;
      }
      if (type.startsWith('minutes.') || type.startsWith('attendance.') || type === 'quorum.changed') return;
      if (type === 'presented') {
        // Our own press coming back, or another chair device: the log wins.
        const p = st().presented;
        if (!inflight || (aim && p && aim.doc === p.doc && aim.page === p.page)) aim = null;
        renderNow();
        return;
      }
      if (type === 'presence' || type === 'participant.added') return; // attendance.update drew it
      if (type === 'doc.indexed') {
        // The outline arrives once the text is extracted (after an upload).
        const d = getDoc(change.msg.doc);
        if (d) { d.outline = change.msg.outline; renderDocs(); renderNow(); }
        search.refresh();
        return;
      }
      if (type === 'doc.error') {
        const n = change.msg;
        const d = getDoc(n.doc);
        if (d) {
          d.errors = (d.errors || []).filter((e) => e.page !== n.page);
          d.errors.push({ page: n.page, error: n.error });
          d.errors.sort((a, b) => a.page - b.page);
          renderDocs();
        }
        return;
      }
      if (type === 'doc.progress') {
        const n = change.msg;
        if (n.rendered + (n.failed || 0) >= n.total) progress.delete(n.doc);
        else progress.set(n.doc, n);
        const bar = docsCol.querySelector(`.doc-progress[data-doc="${n.doc}"]`);
        if (bar) showProgress(bar, n);
        return;
      }
      if (type === 'doc.added' || type === 'doc.renamed' || type === 'doc.moved' ||
          type === 'doc.removed' || type === 'state') {
        if (type === 'doc.removed' && tools.ui.edit === change.msg.doc) tools.ui.edit = null;
        if (type === 'doc.removed' && tools.ui.menu === change.msg.doc) tools.closeMenu(false);
        aim = null;
        renderDocs();
        renderPeople();
        renderNow();
        // Hits name documents: a removed one must go, a new title show.
        if (type === 'doc.removed' || type === 'doc.renamed' || type === 'state') search.refresh();
      }
    },
    status(s) { banner.hidden = s !== 'offline'; app.classList.toggle('is-offline', s === 'offline'); minutes?.status(s); },
    destroy() {
      ticker.stop(); document.removeEventListener('keydown', onKey); highlight.destroy(); stage.destroy(); tools.destroy();
      polls?.destroy(); minutes?.destroy(); clearToasts();
    },
  };
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// The agenda editor and each item's documents (docs/protocol.md, "Agenda"
// and "Documents").
//
// Items are edited in place: the title, the presenter and the planned
// minutes are fields that save when they are left (or on Enter; Escape
// puts the saved text back), each item saying "Saving…", "Saved" or the
// refusal beside it. An item moves by dragging its handle, by Alt+↑ and
// Alt+↓ anywhere in its row, or by its arrow buttons; the whole new order
// goes to the server in one request, and the focus stays on what moved.
// On the handle itself the arrow keys alone move the item.
// Removing asks first (the item's documents stay in the meeting, without
// an item).
//
// Documents are uploaded into an item by XMLHttpRequest, with the bytes'
// progress, then "Converting to PDF…" for a Word, Excel or PowerPoint file
// (LibreOffice on the server, before the reply) or "Reading…" for a PDF;
// the page count when it is in. An upload's line is kept across redraws
// (uploads map) so that editing the agenda meanwhile loses nothing.
//
// Redraws: a change to the agenda answers with the whole agenda and the
// list is drawn again; a change to documents reads the meeting again and
// only the documents' lists are drawn again, so a field being typed in
// elsewhere keeps its text.
import { h, clear } from '../js/dom.js';
import { tx, plural } from '../js/i18n.js';
import { api, uploadDocument } from '../js/api.js';
import {
  field, input, errorLine, busy, button, openDialog, confirmDialog, toast, announce, progressBar,
} from '../js/ui.js';
import { say } from '../js/reasons.js';

// What the server opens (docs/protocol.md, uploads); it has the last word.
const ACCEPT = '.pdf,.docx,.doc,.odt,.rtf,.xlsx,.xls,.ods,.pptx,.ppt,.odp,.xps,.oxps,.epub,.cbz,.fb2,image/*';
const OFFICE = /\.(docx?|odt|rtf|xlsx?|ods|pptx?|odp)$/i;

const uploads = new Map(); // item id ('' for none) → the element listing its uploads

export function agendaTab(ctx) {
  const m = ctx.meeting;
  const closed = m.state === 'closed';
  const base = `/api/console/meetings/${encodeURIComponent(m.id)}`;
  let items = m.agenda || [];
  let moving = false;
  let dragging = null;
  const docLists = new Map(); // item id ('' for none) → <ul> of its documents
  const list = h('ol.c-agenda', { 'aria-describedby': 'agenda-hint' });
  const summary = h('p.c-agenda-summary.small.muted', { role: 'status' });
  const listError = errorLine();

  // ---- the list ----

  const setItems = (agenda) => {
    items = agenda;
    ctx.meeting.agenda = agenda;
    ctx.patch({ agenda });
    renderList();
  };

  function renderSummary() {
    const planned = items.reduce((s, it) => s + (it.planned_minutes || 0), 0);
    const span = m.starts && m.ends ? Math.round((new Date(m.ends) - new Date(m.starts)) / 60000) : null;
    clear(summary).append(h('span', { i18n: plural('agenda.count', items.length), args: { n: items.length } }));
    if (planned) {
      const key = !span ? 'agenda.planned' : planned > span ? 'agenda.overTime' : 'agenda.ofTime';
      summary.append(' · ', h('span', { i18n: key, args: { min: planned, span }, class: span && planned > span ? 'c-warn' : null }));
    }
  }

  function renderList() {
    const focusKey = document.activeElement?.closest?.('.c-item') ? document.activeElement.dataset.focusKey : null;
    const focusItem = document.activeElement?.closest?.('.c-item')?.dataset.item;
    docLists.clear();
    clear(list).append(...items.map((it, i) => itemRow(it, i)));
    if (!items.length) list.append(h('li.c-empty.muted', { i18n: 'agenda.empty' }));
    renderSummary();
    if (focusItem && focusKey) list.querySelector(`.c-item[data-item="${focusItem}"] [data-focus-key="${focusKey}"]`)?.focus();
  }

  function itemRow(it, i) {
    const n = i + 1;
    const state = h('span.c-save.small', { role: 'status' });
    const li = h('li.c-item', { dataset: { item: it.id } });

    const saveField = async (body, el) => {
      state.className = 'c-save small c-saving';
      clear(state).append(h('span.spinner', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'con.saving' }));
      try {
        const res = await api('POST', `${base}/agenda/${encodeURIComponent(it.id)}`, body);
        const fresh = res.agenda.find((a) => a.id === it.id);
        Object.assign(it, fresh);
        items = res.agenda.map((a) => (a.id === it.id ? it : items.find((b) => b.id === a.id) || a));
        ctx.meeting.agenda = items;
        ctx.patch({ agenda: items });
        renderSummary();
        el.dataset.saved = el.value;
        state.className = 'c-save small c-saved';
        clear(state).append(h('span', { i18n: 'con.saved' }));
        setTimeout(() => { if (state.classList.contains('c-saved')) clear(state); }, 2500);
      } catch (err) {
        state.className = 'c-save small c-failed';
        clear(state).append(h('span', { i18n: 'error.said', args: { message: say(err) } }));
      }
    };

    // A field that saves when left, Enter saves, Escape undoes.
    const inline = (el, name, toBody) => {
      el.dataset.saved = el.value;
      el.dataset.focusKey = name;
      el.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { e.preventDefault(); el.blur(); }
        if (e.key === 'Escape') { el.value = el.dataset.saved; el.blur(); }
      });
      el.addEventListener('change', () => {
        if (el.value === el.dataset.saved) return;
        const body = toBody(el.value);
        if (!body) { el.value = el.dataset.saved; return; }
        saveField(body, el);
      });
      if (closed) el.disabled = true;
      return el;
    };

    const refuse = (key, args) => {
      state.className = 'c-save small c-failed';
      clear(state).append(h('span', { i18n: key, args }));
      return null;
    };
    const title = inline(input({ value: it.title, maxlength: 300, class: 'c-item-title', 't_aria-label': ['agenda.titleOf', { n }] }), 'title',
      (v) => (v.trim() ? { title: v.trim() } : refuse('why.itemTitle')));
    const presenter = inline(input({ value: it.presenter || '', maxlength: 100, class: 'c-item-presenter', 't_placeholder': 'agenda.presenterNone', 't_aria-label': ['agenda.presenterOf', { n }] }), 'presenter',
      (v) => ({ presenter: v.trim() }));
    const minutes = inline(input({ type: 'number', min: 1, max: 1440, step: 1, inputmode: 'numeric', value: it.planned_minutes ?? '', class: 'c-item-minutes', 't_aria-label': ['agenda.minutesOf', { n }] }), 'minutes',
      (v) => {
        if (v === '') return { planned_minutes: null };
        const x = Number(v);
        if (!Number.isInteger(x) || x < 1 || x > 1440) return refuse('why.minutes', { max: 1440 });
        return { planned_minutes: x };
      });

    const handle = h(closed ? 'button.c-handle.c-invisible' : 'button.c-handle', {
      type: 'button', draggable: closed ? 'false' : 'true', disabled: closed,
      't_aria-label': ['agenda.handle', { n, title: it.title }], 't_title': 'agenda.handleTip',
      dataset: { focusKey: 'handle' },
    }, h('span', { 'aria-hidden': 'true' }, '⠿'));
    const up = h('button.btn.icon-btn.c-move', { type: 'button', disabled: closed || i === 0, 't_aria-label': ['agenda.moveUp', { title: it.title }], dataset: { focusKey: 'up' } }, h('span', { 'aria-hidden': 'true' }, '↑'));
    const down = h('button.btn.icon-btn.c-move', { type: 'button', disabled: closed || i === items.length - 1, 't_aria-label': ['agenda.moveDown', { title: it.title }], dataset: { focusKey: 'down' } }, h('span', { 'aria-hidden': 'true' }, '↓'));
    const remove = button('small-btn.danger.c-remove', 'agenda.remove', { disabled: closed, 't_aria-label': ['agenda.removeLabel', { title: it.title }], dataset: { focusKey: 'remove' } });
    up.addEventListener('click', () => move(it.id, -1, 'up'));
    down.addEventListener('click', () => move(it.id, +1, 'down'));
    remove.addEventListener('click', () => confirmDialog({
      title: 'agenda.removeTitle', titleArgs: { title: it.title },
      text: it.documents?.length ? 'agenda.removeTextDocs' : 'agenda.removeText', textArgs: { n: it.documents?.length || 0 },
      yes: 'agenda.remove', busyKey: 'con.working',
      async onYes() {
        const res = await api('POST', `${base}/agenda/${encodeURIComponent(it.id)}/remove`);
        setItems(res.agenda);
        if (it.documents?.length) await refreshDocs();
        announce('agenda.removed', { title: it.title });
        list.querySelector('.c-handle')?.focus() || addTitle.focus();
        return null;
      },
    }));

    // Alt+↑/↓ anywhere in the row; on the handle, which is there to move
    // the item, the arrows alone.
    li.addEventListener('keydown', (e) => {
      if (closed || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
      if (!e.altKey && !(e.target === handle && !e.ctrlKey && !e.metaKey && !e.shiftKey)) return;
      e.preventDefault();
      const key = document.activeElement?.dataset?.focusKey || 'handle';
      move(it.id, e.key === 'ArrowUp' ? -1 : +1, key);
    });

    // Drag and drop: the handle starts it, any row takes the drop.
    handle.addEventListener('dragstart', (e) => {
      dragging = it.id;
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', it.title);
      try { e.dataTransfer.setDragImage(li, 24, 24); } catch { /* some browsers */ }
      li.classList.add('c-dragging');
    });
    handle.addEventListener('dragend', () => {
      dragging = null;
      li.classList.remove('c-dragging');
      for (const x of list.querySelectorAll('.c-drop-before, .c-drop-after')) x.classList.remove('c-drop-before', 'c-drop-after');
    });
    li.addEventListener('dragover', (e) => {
      if (!dragging || dragging === it.id) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      const r = li.getBoundingClientRect();
      const after = e.clientY > r.top + r.height / 2;
      li.classList.toggle('c-drop-after', after);
      li.classList.toggle('c-drop-before', !after);
    });
    li.addEventListener('dragleave', (e) => {
      if (!li.contains(e.relatedTarget)) li.classList.remove('c-drop-before', 'c-drop-after');
    });
    li.addEventListener('drop', (e) => {
      if (!dragging || dragging === it.id) return;
      e.preventDefault();
      const after = li.classList.contains('c-drop-after');
      li.classList.remove('c-drop-before', 'c-drop-after');
      const ids = items.map((x) => x.id).filter((x) => x !== dragging);
      const at = ids.indexOf(it.id) + (after ? 1 : 0);
      ids.splice(at, 0, dragging);
      const moved = dragging;
      dragging = null;
      reorder(ids, moved, 'handle');
    });

    const docs = h('ul.c-doc-list');
    docLists.set(it.id, docs);
    renderDocs(it.id, it.documents || []);

    li.append(
      h('div.c-item-row', {},
        handle,
        h('span.c-item-no', { 'aria-hidden': 'true' }, String(n)),
        title,
        closed ? null : h('div.c-item-actions', {}, up, down, remove),
        h('div.c-item-meta', {},
          field('agenda.presenter', presenter, { cls: 'c-inline-field' }),
          field('agenda.minutes', minutes, { cls: 'c-inline-field c-minutes-field' }))),
      state,
      h('div.c-item-docs', {}, docs, closed ? null : uploader(it.id, it.title)));
    return li;
  }

  // ---- moving ----

  function move(id, delta, focusKey) {
    const ids = items.map((x) => x.id);
    const i = ids.indexOf(id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= ids.length) return;
    ids.splice(i, 1);
    ids.splice(j, 0, id);
    reorder(ids, id, focusKey);
  }

  async function reorder(ids, moved, focusKey) {
    if (moving) return;
    moving = true;
    list.setAttribute('aria-busy', 'true');
    list.classList.add('c-busy');
    listError.say(null);
    try {
      const res = await api('POST', `${base}/agenda/order`, { items: ids });
      setItems(res.agenda);
      const pos = res.agenda.findIndex((a) => a.id === moved);
      const row = list.querySelector(`.c-item[data-item="${moved}"]`);
      let target = row?.querySelector(`[data-focus-key="${focusKey}"]`);
      if (!target || target.disabled) target = row?.querySelector('.c-handle');
      target?.focus();
      announce('agenda.moved', { title: res.agenda[pos]?.title || '', pos: pos + 1, n: res.agenda.length });
    } catch (err) {
      listError.say(err);
    } finally {
      moving = false;
      list.removeAttribute('aria-busy');
      list.classList.remove('c-busy');
    }
  }

  // ---- documents ----

  function renderDocs(itemId, docs) {
    const ul = docLists.get(itemId);
    if (!ul) return;
    clear(ul).append(...docs.map((d) => docRow(d, itemId)));
    if (!docs.length && itemId) ul.append(h('li.c-doc-none.small.muted', { i18n: 'agenda.noDocs' }));
  }

  async function refreshDocs() {
    const fresh = await ctx.fetch();
    if (!fresh) return;
    const byId = new Map(fresh.agenda.map((a) => [a.id, a]));
    for (const it of items) it.documents = byId.get(it.id)?.documents || [];
    for (const it of items) renderDocs(it.id, it.documents);
    renderUnfiled(fresh.unfiled || []);
  }

  function docRow(d, itemId) {
    const pages = h('span.c-doc-pages.small.muted', { i18n: plural('agenda.pages', d.pages), args: { n: d.pages } });
    const actions = closed ? null : h('span.c-doc-actions', {},
      button('small-btn', 'agenda.docRename', { 't_aria-label': ['agenda.docRenameLabel', { title: d.title }], onclick: () => renameDoc(d) }),
      button('small-btn', 'agenda.docMove', { 't_aria-label': ['agenda.docMoveLabel', { title: d.title }], onclick: () => moveDoc(d, itemId) }),
      button('small-btn.danger', 'agenda.docRemove', { 't_aria-label': ['agenda.docRemoveLabel', { title: d.title }], onclick: () => removeDoc(d) }));
    return h('li.c-doc', { dataset: { doc: d.id } },
      h('span.doc-icon', { 'aria-hidden': 'true' }),
      h('span.c-doc-text', {}, h('span.c-doc-title', {}, d.title), pages,
        d.confidential ? h('span.badge.lock-badge', {}, h('span.lock-icon', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'doc.confidential' })) : null),
      actions);
  }

  function renameDoc(d) {
    const title = input({ value: d.title, maxlength: 300 });
    openDialog({
      title: 'agenda.docRenameTitle', body: [field('agenda.docTitle', title)],
      action: 'con.save', busyKey: 'con.saving',
      async onAction() {
        if (!title.value.trim()) return { key: 'why.docTitle' };
        await api('POST', `/api/console/docs/${encodeURIComponent(d.id)}`, { title: title.value.trim() });
        await refreshDocs();
        return null;
      },
    });
  }

  function moveDoc(d, from) {
    const choices = [['', 'agenda.docNoItem'], ...items.map((it, i) => [it.id, null, `${i + 1}. ${it.title}`])];
    const sel = h('select.c-input', {}, choices.map(([v, key, text]) => h('option', { value: v, i18n: key || undefined }, text || null)));
    sel.value = from || '';
    openDialog({
      title: 'agenda.docMoveTitle', titleArgs: { title: d.title }, body: [field('agenda.docMoveTo', sel)],
      action: 'agenda.docMove', busyKey: 'con.working',
      async onAction() {
        const to = sel.value || null;
        if ((to || '') === (from || '')) return null;
        const target = to ? items.find((x) => x.id === to) : null;
        const body = to ? { item: to, position: (target?.documents?.length || 0) + 1 } : { item: null };
        await api('POST', `/api/console/docs/${encodeURIComponent(d.id)}`, body);
        await refreshDocs();
        announce('agenda.docMoved', { title: d.title });
        return null;
      },
    });
  }

  function removeDoc(d) {
    confirmDialog({
      title: 'agenda.docRemoveTitle', titleArgs: { title: d.title }, text: 'agenda.docRemoveText',
      yes: 'agenda.docRemove', busyKey: 'con.working',
      async onYes() {
        await api('POST', `/api/console/docs/${encodeURIComponent(d.id)}/remove`);
        await refreshDocs();
        toast('agenda.docRemoved', { title: d.title });
        return null;
      },
    });
  }

  // The "Add a document" button of an item ('' for none) and its uploads.
  function uploader(itemId, itemTitle) {
    const key = `${m.id}/${itemId}`;
    let lines = uploads.get(key);
    if (!lines) { lines = h('ul.c-uploads'); uploads.set(key, lines); }
    const file = h('input', { type: 'file', accept: ACCEPT, multiple: true, hidden: true, class: 'c-file' });
    const btn = h('button.btn.small-btn.c-upload-btn', {
      type: 'button',
      't_aria-label': itemId ? ['agenda.uploadTo', { title: itemTitle }] : ['agenda.uploadUnfiled'],
    }, h('span', { 'aria-hidden': 'true' }, '+'), h('span', { i18n: 'agenda.upload' }));
    btn.addEventListener('click', () => file.click());
    file.addEventListener('change', async () => {
      const files = [...(file.files || [])];
      file.value = '';
      for (const f of files) await uploadOne(f, itemId, lines);
    });
    return h('div.c-upload', {}, btn, file, lines);
  }

  async function uploadOne(file, itemId, lines) {
    const bar = progressBar();
    const text = h('span.c-upload-text', { i18n: 'agenda.uploading', args: { name: file.name, pct: 0 } });
    const line = h('li.c-upload-line', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), h('span.c-upload-body', {}, text, bar));
    lines.append(line);
    bar.set(0);
    try {
      const res = await uploadDocument(m.id, file, {
        item: itemId || null,
        onProgress: (f) => { bar.set(f); tx(text, 'agenda.uploading', { name: file.name, pct: Math.round(f * 100) }); },
        onSent: () => { bar.set(null); tx(text, OFFICE.test(file.name) ? 'agenda.converting' : 'agenda.reading', { name: file.name }); },
      });
      line.querySelector('.spinner')?.remove();
      bar.remove();
      line.classList.add('c-upload-done');
      tx(text, plural('agenda.uploaded', res.pages), { name: file.name, n: res.pages });
      setTimeout(() => line.remove(), 8000);
      await refreshDocs().catch(() => {});
    } catch (err) {
      line.querySelector('.spinner')?.remove();
      bar.remove();
      line.classList.add('c-upload-failed');
      line.setAttribute('role', 'alert');
      tx(text, 'agenda.uploadFailed', { name: file.name, message: say(err) });
      line.append(button('small-btn', 'con.dismiss', { onclick: () => line.remove() }));
    }
  }

  // ---- documents without an item ----

  const unfiledList = h('ul.c-doc-list');
  docLists.set('', unfiledList);
  const unfiledSection = h('section.card.c-section.c-unfiled', { 'aria-labelledby': 'unfiled-h' },
    h('h2', { id: 'unfiled-h', i18n: 'agenda.unfiled' }),
    h('p.small.muted', { i18n: 'agenda.unfiledHint' }),
    unfiledList,
    closed ? null : uploader('', ''));
  function renderUnfiled(docs) {
    docLists.set('', unfiledList);
    renderDocs('', docs);
    if (!docs.length) unfiledList.append(h('li.c-doc-none.small.muted', { i18n: 'agenda.noUnfiled' }));
  }

  // ---- adding an item ----

  const addTitle = input({ maxlength: 300, name: 'item_title', autocomplete: 'off' });
  const addPresenter = input({ maxlength: 100, name: 'item_presenter', autocomplete: 'off' });
  const addMinutes = input({ type: 'number', min: 1, max: 1440, step: 1, inputmode: 'numeric', name: 'item_minutes' });
  const addError = errorLine();
  const addBtn = button('primary', 'agenda.add', { type: 'submit' });
  const addForm = h('form.c-add-item', { novalidate: true },
    h('h3', { i18n: 'agenda.addTitle' }),
    h('div.c-row', {},
      field('agenda.newTitle', addTitle, { cls: 'c-grow-2', required: true }),
      field('agenda.presenter', addPresenter, { cls: 'c-grow' }),
      field('agenda.minutes', addMinutes, { cls: 'c-minutes-field' }),
      h('div.c-row-button', {}, addBtn)),
    addError);
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const title = addTitle.value.trim();
    if (!title) { addError.sayKey('why.itemTitle'); addTitle.focus(); return; }
    const body = { title };
    if (addPresenter.value.trim()) body.presenter = addPresenter.value.trim();
    if (addMinutes.value !== '') {
      const x = Number(addMinutes.value);
      if (!Number.isInteger(x) || x < 1 || x > 1440) { addError.sayKey('why.minutes', { max: 1440 }); addMinutes.focus(); return; }
      body.planned_minutes = x;
    }
    addError.say(null);
    busy(addBtn, 'agenda.adding', async () => {
      try {
        const res = await api('POST', `${base}/agenda`, body);
        setItems(res.agenda);
        addTitle.value = '';
        addPresenter.value = '';
        addMinutes.value = '';
        announce('agenda.added', { title, n: res.agenda.length });
        addTitle.focus();
      } catch (err) {
        addError.say(err);
      }
    });
  });

  renderList();
  renderUnfiled(m.unfiled || []);

  const el = h('div.c-agenda-tab', {},
    h('section.card.c-section', { 'aria-labelledby': 'agenda-h' },
      h('div.c-section-head', {}, h('h2', { id: 'agenda-h', i18n: 'agenda.title' }), summary),
      closed ? h('p.notice', { i18n: 'agenda.closed' }) : h('p.c-hint.small.muted', { id: 'agenda-hint', i18n: 'agenda.hint' }),
      listError,
      list,
      closed ? null : addForm),
    unfiledSection);
  el.view = {
    busy: () => moving || [...uploads.values()].some((u) => u.querySelector('.spinner')),
    destroy() {},
  };
  return el;
}

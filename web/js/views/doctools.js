// SPDX-License-Identifier: AGPL-3.0-or-later
// The documents tools of the chair and the secretary: per document a menu
// (rename, move up/down, move to another agenda item, remove with a
// confirmation), documents dragged between agenda items, and files dropped
// from the desktop onto an item to upload them there.
//
// The list is re-rendered from the meeting state on every event, so what is
// open here (the menu, the rename field and its text) is kept by document
// id in `ui` and put back by the next render. Every change is a request;
// the list changes when its event comes back, as on every other device.
// A closed meeting's documents cannot change: no menu, no dragging, no drop.
import { h } from '../dom.js';
import { tx, ta } from '../i18n.js';
import { uploadFile } from '../upload.js';

const DOC_TYPE = 'application/x-plenum-doc';

export class DocTools {
  // client: the MeetingClient; rerender(): draws the list again;
  // statusEl: the upload status line; errorEl: where a refusal is said.
  constructor(client, { rerender, statusEl, errorEl }) {
    this.client = client;
    this.rerender = rerender;
    this.statusEl = statusEl;
    this.errorEl = errorEl;
    this.ui = { menu: null, confirm: false, edit: null, draft: '' };
    this.dragging = null;
    this._onDocClick = (e) => {
      if (this.ui.menu && !e.target.closest?.('.doc-entry.menu-open')) this.closeMenu();
    };
    document.addEventListener('click', this._onDocClick);
  }

  destroy() { document.removeEventListener('click', this._onDocClick); }

  get state() { return this.client.state; }

  get closed() { return this.state.meeting.state === 'closed'; }

  // The documents of an item (null: without one), in their order.
  docsOf(item) {
    const known = new Set(this.state.agenda.map((a) => a.id));
    return this.state.documents.filter((d) => (item ? d.item === item : !d.item || !known.has(d.item)));
  }

  async request(type, payload) {
    this.errorEl.hidden = true;
    try {
      await this.client.request(type, payload);
      return true;
    } catch (err) {
      if (err.code) tx(this.errorEl, 'docs.failed', { message: err.message });
      else tx(this.errorEl, 'conn.offline');
      this.errorEl.hidden = false;
      return false;
    }
  }

  move(d, item, position) {
    this.closeMenu(false);
    return this.request('doc.move', { doc: d.id, item: item || null, position });
  }

  closeMenu(render = true) {
    const was = this.ui.menu;
    this.ui.menu = null;
    this.ui.confirm = false;
    if (render && was) {
      this.rerender();
      document.querySelector(`.doc-menu-btn[data-doc="${was}"]`)?.focus();
    }
  }

  // The ⋯ button that opens a document's menu (goes in its summary).
  menuButton(d) {
    if (this.closed) return null;
    const open = this.ui.menu === d.id;
    const btn = h('button.btn.icon-btn.doc-menu-btn', { type: 'button', 'aria-haspopup': 'true', 'aria-expanded': open ? 'true' : 'false', dataset: { doc: d.id } },
      h('span', { 'aria-hidden': 'true' }, '⋯'));
    ta(btn, 'aria-label', 'docs.menu', { title: d.title });
    ta(btn, 'title', 'docs.menu', { title: d.title });
    btn.addEventListener('click', (e) => {
      e.preventDefault(); // inside <summary>: do not fold the document
      e.stopPropagation();
      this.ui.menu = open ? null : d.id;
      this.ui.confirm = false;
      this.rerender();
      if (!open) document.querySelector(`.doc-menu[data-doc="${d.id}"] button, .doc-menu[data-doc="${d.id}"] select`)?.focus();
      else document.querySelector(`.doc-menu-btn[data-doc="${d.id}"]`)?.focus();
    });
    return btn;
  }

  // The open menu of a document, or null.
  menu(d, item) {
    if (this.ui.menu !== d.id) return null;
    const list = this.docsOf(item);
    const i = list.findIndex((x) => x.id === d.id);
    const el = h('div.doc-menu', { role: 'group', dataset: { doc: d.id } });
    ta(el, 'aria-label', 'docs.menu', { title: d.title });
    el.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); this.closeMenu(); } });
    if (this.ui.confirm) {
      const yes = h('button.btn.danger.small-btn', { type: 'button', 'data-action': 'remove-yes', i18n: 'docs.removeYes' });
      const no = h('button.btn.small-btn', { type: 'button', 'data-action': 'remove-no', i18n: 'docs.cancel' });
      yes.addEventListener('click', async () => {
        this.closeMenu(false);
        this.rerender();
        await this.request('doc.remove', { doc: d.id });
      });
      no.addEventListener('click', () => { this.ui.confirm = false; this.rerender(); this.focusMenu(d.id); });
      el.append(h('p.doc-confirm', { role: 'alert', i18n: 'docs.removeConfirm', args: { title: d.title } }), h('div.doc-menu-row', {}, yes, no));
      return el;
    }
    const item2 = (key, action, fn, disabled = false, cls = '') => {
      const b = h(`button.menu-item${cls}`, { type: 'button', 'data-action': action, disabled }, h('span', { i18n: key }));
      b.addEventListener('click', fn);
      return b;
    };
    el.append(
      item2('docs.rename', 'rename', () => { this.ui.edit = d.id; this.ui.draft = d.title; this.closeMenu(false); this.rerender(); }),
      item2('docs.up', 'up', () => this.move(d, item, i), i <= 0),
      item2('docs.down', 'down', () => this.move(d, item, i + 2), i < 0 || i >= list.length - 1));
    // Move to another agenda item: to the end of its list.
    const select = h('select.doc-move-to', { 'data-action': 'move-to' });
    select.append(h('option', { value: '', i18n: 'docs.moveToPick' }));
    for (const a of this.state.agenda) {
      if (a.id === item) continue;
      select.append(h('option', { value: a.id }, `${a.position}. ${a.title}`));
    }
    if (item) select.append(h('option', { value: '-', i18n: 'view.otherDocs' }));
    select.addEventListener('change', () => {
      const to = select.value === '-' ? null : select.value;
      if (select.value === '') return;
      this.move(d, to, this.docsOf(to).length + 1);
    });
    el.append(h('label.menu-field', {}, h('span', { i18n: 'docs.moveTo' }), select));
    el.append(item2('docs.remove', 'remove', () => { this.ui.confirm = true; this.rerender(); this.focusMenu(d.id); }, false, '.danger'));
    return el;
  }

  // Puts the open menu just under its document's title line (the summary),
  // whether or not the pages are unfolded. Call after the list is drawn.
  place(root) {
    const entry = root.querySelector('.doc-entry.menu-open');
    const menu = entry?.querySelector('.doc-menu');
    const summary = entry?.querySelector('summary');
    if (menu && summary) menu.style.top = `${summary.offsetTop + summary.offsetHeight - 4}px`;
  }

  focusMenu(id) {
    document.querySelector(`.doc-menu[data-doc="${id}"] button`)?.focus();
  }

  // The inline rename field, when this document is being renamed, or null.
  renameForm(d) {
    if (this.ui.edit !== d.id) return null;
    const input = h('input.doc-rename-input', { type: 'text', value: this.ui.draft, maxlength: 300, required: true, autocomplete: 'off' });
    ta(input, 'aria-label', 'docs.renameLabel', { title: d.title });
    input.addEventListener('input', () => { this.ui.draft = input.value; });
    const save = h('button.btn.primary.small-btn', { type: 'submit', i18n: 'docs.save' });
    const cancel = h('button.btn.small-btn', { type: 'button', i18n: 'docs.cancel' });
    const form = h('form.doc-rename', {}, input, h('div.doc-menu-row', {}, save, cancel));
    const stop = () => { this.ui.edit = null; this.rerender(); document.querySelector(`.doc-menu-btn[data-doc="${d.id}"]`)?.focus(); };
    cancel.addEventListener('click', stop);
    input.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.stopPropagation(); stop(); } });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const title = input.value.trim();
      if (!title || title === d.title) { stop(); return; }
      save.disabled = true;
      if (await this.request('doc.rename', { doc: d.id, title })) stop();
      else save.disabled = false;
    });
    // After this render has put it in the page.
    queueMicrotask(() => { if (document.activeElement !== input && input.isConnected) { input.focus(); } });
    return form;
  }

  // Makes a document entry draggable to another place or item.
  draggable(entry, d) {
    if (this.closed) return;
    entry.draggable = true;
    entry.addEventListener('dragstart', (e) => {
      if (e.target.closest?.('input, select, form')) { e.preventDefault(); return; }
      this.dragging = d.id;
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData(DOC_TYPE, d.id);
      e.dataTransfer.setData('text/plain', d.title);
      entry.classList.add('dragging');
    });
    entry.addEventListener('dragend', () => {
      this.dragging = null;
      entry.classList.remove('dragging');
      for (const x of document.querySelectorAll('.drop-before, .drop-into')) x.classList.remove('drop-before', 'drop-into');
    });
  }

  // Makes an agenda item's section a drop target: documents dragged from
  // this list move there; files from the desktop upload there.
  dropTarget(section, item) {
    const kind = (e) => {
      if (this.closed) return null;
      const types = [...(e.dataTransfer?.types || [])];
      if (types.includes(DOC_TYPE) || this.dragging) return 'doc';
      if (types.includes('Files')) return 'file';
      return null;
    };
    // The entry the pointer is above the middle of: the drop goes before it.
    const before = (e) => {
      for (const el of section.querySelectorAll('.doc-entry')) {
        if (el.dataset.doc === this.dragging) continue;
        const r = el.getBoundingClientRect();
        if (e.clientY < r.top + r.height / 2) return el;
      }
      return null;
    };
    const clearMarks = () => {
      section.classList.remove('drop-into');
      for (const x of section.querySelectorAll('.drop-before')) x.classList.remove('drop-before');
    };
    section.addEventListener('dragover', (e) => {
      const k = kind(e);
      if (!k) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = k === 'doc' ? 'move' : 'copy';
      clearMarks();
      section.classList.add('drop-into');
      if (k === 'doc') before(e)?.classList.add('drop-before');
    });
    section.addEventListener('dragleave', (e) => {
      if (!section.contains(e.relatedTarget)) clearMarks();
    });
    section.addEventListener('drop', async (e) => {
      const k = kind(e);
      if (!k) return;
      e.preventDefault();
      clearMarks();
      if (k === 'doc') {
        const id = e.dataTransfer.getData(DOC_TYPE) || this.dragging;
        const d = this.state.documents.find((x) => x.id === id);
        if (!d) return;
        const list = this.docsOf(item).filter((x) => x.id !== id);
        const b = before(e);
        const at = b ? list.findIndex((x) => x.id === b.dataset.doc) : -1;
        const position = at < 0 ? list.length + 1 : at + 1;
        // Dropped where it already is: nothing to do.
        const now = this.docsOf(item).findIndex((x) => x.id === id);
        if (now >= 0 && now + 1 === position) return;
        await this.move(d, item, position);
        return;
      }
      for (const file of [...(e.dataTransfer.files || [])]) {
        if (!(await uploadFile(this.state.meeting.id, file, item, this.statusEl))) break;
      }
    });
  }
}


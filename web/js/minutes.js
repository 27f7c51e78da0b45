// SPDX-License-Identifier: AGPL-3.0-or-later
// The secretary's minutes: one text per agenda item and one for the meeting
// as a whole (item ''), saved by themselves, and the export links
// (docs/protocol.md, Minutes).
//
// Design note. Each text is edited from a version (`base`): the server
// saves an edit only when `base` is still its current version, and
// otherwise keeps the refused text apart and replies `conflict` with the
// current one. So:
//  1. A text is saved 1.5 s after typing stops, when the field is left, and
//     again after a reconnect ("Not saved — offline" until then). One save
//     per item is under way at a time; typing during it saves again after.
//  2. Nothing is ever lost silently. Unsaved text is also kept in the
//     browser's storage until saved, so a reload or a flat battery does not
//     lose it; on the next load it is saved from the version it was edited
//     from. When another device saved first (a `minutes.edited` event with
//     a version above ours while we have unsaved text, or a `conflict`
//     reply), our text is sent anyway, the server keeps it, and both texts
//     are shown side by side: keep mine, take theirs, or merge by hand.
//  3. With nothing unsaved here, another device's version simply replaces
//     the text (fetched with minutes.get: the event carries no text, so
//     that members never read draft minutes).
//  4. A `conflict` reply whose current text is ours (our earlier save went
//     through but its reply was lost with the connection) is a success.
import { h, clear } from './dom.js';
import { tx, formatTime, currentLang } from './i18n.js';
import { reason } from './reasons.js';

const SAVE_AFTER = 1500;    // ms after the last keystroke
const MAX_BYTES = 60000;    // the server's limit (UTF-8)
// Control characters the server refuses; tabs and newlines stay.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const encoder = new TextEncoder();

const clean = (s) => s.replace(CONTROL, '');

export class MinutesEditor {
  constructor(client) {
    this.client = client;
    this.meeting = client.state.meeting.id;
    this.items = new Map(); // item id ('' for the meeting as a whole) → entry
    this.loaded = false;
    this.fetching = null;
    this.refetch = false;
    this.wasOnline = client.status === 'online';
    this.loadEl = h('p.muted.small.minutes-load', { role: 'status', i18n: 'min.loading' });
    this.list = h('div.minutes-items');
    this.el = h('section.minutes', { 't_aria-label': 'min.title' },
      h('div.minutes-head', {}, h('h2', { i18n: 'min.title' })),
      h('p.muted.small.minutes-hint', { i18n: 'min.hint' }),
      this.loadEl, this.list, exportBox(this.meeting));
    this._onUnload = (e) => {
      if (![...this.items.values()].some((x) => this.unsaved(x))) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', this._onUnload);
    this.build();
    this.load();
  }

  destroy() {
    window.removeEventListener('beforeunload', this._onUnload);
    for (const e of this.items.values()) clearTimeout(e.timer);
  }

  // ---- the items ---------------------------------------------------------

  // One entry per agenda item in order, then the meeting as a whole; kept
  // across redraws (an entry holds what is typed).
  build() {
    const agenda = this.client.state.agenda;
    const want = [...agenda.map((a) => a.id), ''];
    const have = [...this.items.keys()];
    if (want.length === have.length && want.every((id, i) => id === have[i])) {
      for (const a of agenda) this.items.get(a.id).title.textContent = a.title;
      return;
    }
    const old = this.items;
    this.items = new Map();
    for (const id of want) this.items.set(id, old.get(id) || this.entry(id));
    clear(this.list).append(...[...this.items.values()].map((e) => e.section));
    for (const a of agenda) this.items.get(a.id).title.textContent = a.title;
  }

  entry(item) {
    const a = this.client.state.agenda.find((x) => x.id === item);
    const id = `minutes-${item || 'general'}`;
    const title = h('span.minutes-item-title', {}, a ? a.title : '');
    const label = h('label.minutes-label', { for: id },
      a ? h('span.item-no', {}, `${a.position ?? ''}.`) : null, a ? ' ' : null,
      a ? title : h('span', {}, h('span', { i18n: 'min.general' }), ' ', h('span.muted.small', { i18n: 'min.generalHint' })));
    const textarea = h('textarea.text.minutes-text', { id, rows: 4, spellcheck: 'true', 't_placeholder': a ? 'min.placeholder' : 'min.placeholderGeneral' });
    const status = h('p.minutes-status.small', { role: 'status', 'aria-live': 'polite' });
    const conflictBox = h('div.minutes-conflict', { hidden: true, role: 'group' });
    const section = h('section.minutes-item', { dataset: { item } }, h('div.minutes-item-head', {}, label, status), textarea, conflictBox);
    const e = {
      item, title, section, textarea, status, conflictBox,
      base: 0, saved: '', updated: null,
      timer: null, inflight: false, again: false, remote: 0,
      phase: 'loading', error: null, conflict: null,
    };
    textarea.disabled = true;
    textarea.addEventListener('input', () => { grow(textarea); this.changed(e); });
    textarea.addEventListener('blur', () => { if (this.unsaved(e)) this.save(e); });
    this.show(e);
    return e;
  }

  unsaved(e) {
    if (e.conflict) return true;
    return this.loaded && clean(e.textarea.value) !== e.saved;
  }

  // The status line: what a glance needs, in words (the colour is extra).
  show(e) {
    // 'empty': saved, with nothing written yet (no colour of success).
    e.status.dataset.phase = e.phase === 'saved' && !e.base && !e.textarea.value ? 'empty' : e.phase;
    switch (e.phase) {
      case 'loading': tx(e.status, 'min.loadingItem'); break;
      case 'dirty': tx(e.status, 'min.unsaved'); break;
      case 'saving': tx(e.status, 'min.saving'); break;
      case 'offline': tx(e.status, 'min.offline'); break;
      case 'conflict': tx(e.status, 'min.conflictStatus'); break;
      case 'error': tx(e.status, e.error.key, e.error.args); break;
      default:
        if (e.updated && (e.base > 0)) tx(e.status, 'min.saved', { time: formatTime(e.updated) });
        else tx(e.status, 'min.empty');
    }
    e.section.classList.toggle('in-conflict', !!e.conflict);
  }

  // ---- loading and other devices' versions ------------------------------

  async load() {
    try {
      const res = await this.fetch();
      this.loaded = true;
      this.loadEl.hidden = true;
      for (const e of this.items.values()) { e.textarea.disabled = false; if (e.phase === 'loading') e.phase = 'saved'; }
      this.apply(res);
      this.restore();
    } catch (err) {
      this.loadEl.hidden = false;
      if (err.code) tx(this.loadEl, 'min.loadFailed', { message: reason(err.message) });
      else tx(this.loadEl, 'min.loadOffline');
    }
  }

  // One minutes.get at a time; callers during it share its answer.
  fetch() {
    if (!this.fetching) {
      this.fetching = this.client.request('minutes.get', {}).finally(() => { this.fetching = null; });
    }
    return this.fetching;
  }

  // The texts again, after another device's save. A save announced while a
  // fetch is under way may be newer than its answer: fetch once more after.
  async refresh() {
    if (this.fetching) { this.refetch = true; return; }
    try { this.apply(await this.fetch()); } catch { /* offline: a reconnect fetches again */ }
    if (this.refetch) { this.refetch = false; this.refresh(); }
  }

  // The server's texts: taken where nothing is unsaved here; where
  // something is, a newer version there leads to a conflict (note 2).
  apply(res) {
    const got = new Map((res.minutes || []).map((m) => [m.item, m]));
    for (const e of this.items.values()) {
      const m = got.get(e.item) || { text: '', version: 0, updated: null, by_name: null };
      if (m.version > e.remote) e.remote = m.version;
      if (e.conflict) {
        if (m.version > e.conflict.theirs.version) { e.conflict.theirs = m; this.renderConflict(e); }
        continue;
      }
      if (e.inflight || m.version < e.base) continue;
      if (this.unsaved(e)) {
        if (m.version > e.base) this.save(e);
        continue;
      }
      e.base = m.version;
      e.saved = m.text;
      e.updated = m.updated;
      if (e.textarea.value !== m.text) { e.textarea.value = m.text; grow(e.textarea); }
      if (e.phase !== 'error') e.phase = 'saved';
      this.show(e);
    }
  }

  // Another device saved `version` of `item` (an event, or hello's map).
  noteRemote(item, version) {
    const e = this.items.get(item);
    if (!e || !this.loaded) return;
    if (version > e.remote) e.remote = version;
    if (version <= e.base || e.inflight) return; // ours, or settled after the reply
    if (!e.conflict && this.unsaved(e)) { this.save(e); return; }
    this.refresh();
  }

  // Text typed here before a reload and never saved: saved now, from the
  // version it was edited from.
  restore() {
    const kept = readDrafts(this.meeting);
    for (const [item, d] of Object.entries(kept)) {
      const e = this.items.get(item);
      if (!e || typeof d?.text !== 'string' || d.text === e.saved) continue;
      e.textarea.value = d.text;
      grow(e.textarea);
      if (Number.isInteger(d.base)) e.base = Math.min(e.base, d.base);
      this.save(e);
    }
    writeDrafts(this.meeting, this.items);
  }

  // ---- saving ------------------------------------------------------------

  changed(e) {
    writeDrafts(this.meeting, this.items);
    if (e.conflict || !this.loaded) return;
    if (!e.inflight) { e.phase = this.unsaved(e) ? 'dirty' : 'saved'; this.show(e); }
    clearTimeout(e.timer);
    e.timer = setTimeout(() => this.save(e), SAVE_AFTER);
  }

  async save(e) {
    clearTimeout(e.timer);
    e.timer = null;
    if (e.conflict || !this.loaded) return;
    if (e.inflight) { e.again = true; return; }
    const text = clean(e.textarea.value);
    if (text === e.saved) {
      if (e.phase !== 'saved') { e.phase = 'saved'; this.show(e); }
      writeDrafts(this.meeting, this.items);
      return;
    }
    const bytes = encoder.encode(text).length;
    if (bytes > MAX_BYTES) {
      e.phase = 'error';
      e.error = { key: 'min.tooLong', args: { bytes: bytes.toLocaleString(currentLang() === 'vi' ? 'vi-VN' : 'en-GB') } };
      this.show(e);
      return;
    }
    if (this.client.status !== 'online') { e.phase = 'offline'; this.show(e); return; }
    e.inflight = true;
    e.again = false;
    e.phase = 'saving';
    this.show(e);
    try {
      const res = await this.client.request('minutes.edit', { item: e.item, text, base: e.base });
      this.savedAs(e, text, res.version, new Date(Date.now() + (this.client.offset || 0)).toISOString());
    } catch (err) {
      const cur = err.error?.current;
      if (!err.code) e.phase = 'offline';
      else if (err.code === 'conflict' && cur && typeof cur.text === 'string') {
        if (cur.text === text) this.savedAs(e, text, cur.version, cur.updated); // note 4
        else this.enterConflict(e, cur, text);
      } else {
        e.phase = 'error';
        e.error = { key: 'min.failed', args: { message: reason(err.message || err.code) } };
      }
    }
    e.inflight = false;
    this.show(e);
    if (e.conflict || e.phase === 'offline' || e.phase === 'error') return;
    if (e.remote > e.base) { this.noteRemote(e.item, e.remote); return; }
    if (e.again || this.unsaved(e)) {
      e.again = false;
      if (document.activeElement === e.textarea) e.timer = setTimeout(() => this.save(e), SAVE_AFTER);
      else this.save(e);
    }
  }

  savedAs(e, text, version, when) {
    e.base = version;
    e.saved = text;
    e.updated = when;
    e.phase = this.unsaved(e) ? 'dirty' : 'saved';
    e.error = null;
    writeDrafts(this.meeting, this.items);
  }

  // After a reconnect: everything not saved yet, and a first load that failed.
  status(s) {
    const back = s === 'online' && !this.wasOnline;
    this.wasOnline = s === 'online';
    if (!back) {
      if (s === 'offline') for (const e of this.items.values()) if (e.phase === 'saving' || e.phase === 'dirty') { e.phase = 'offline'; this.show(e); }
      return;
    }
    if (!this.loaded) { this.load(); return; }
    for (const e of this.items.values()) if (!e.conflict && (this.unsaved(e) || e.phase === 'offline')) this.save(e);
  }

  // ---- conflicts ---------------------------------------------------------

  enterConflict(e, theirs, mine) {
    e.conflict = { theirs, merging: false, draft: mine };
    e.phase = 'conflict';
    this.renderConflict(e);
    writeDrafts(this.meeting, this.items);
  }

  renderConflict(e) {
    const c = e.conflict;
    const box = e.conflictBox;
    e.textarea.hidden = !!c;
    box.hidden = !c;
    if (!c) { clear(box); this.show(e); return; }
    const keepFocus = box.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const th = c.theirs;
    const who = th.by_name ? { key: 'min.theirs', args: { name: th.by_name, time: formatTime(th.updated) } }
      : { key: 'min.theirsAnon', args: { time: formatTime(th.updated) } };
    const mine = h('textarea.text.minutes-text.conflict-mine', { id: `${e.textarea.id}-mine`, rows: 6, dataset: { key: 'mine' } });
    mine.value = c.draft;
    mine.addEventListener('input', () => { c.draft = mine.value; grow(mine); writeDrafts(this.meeting, this.items); });
    const theirsText = h('div.conflict-text', { tabindex: '0', role: 'textbox', 'aria-readonly': 'true', 'aria-multiline': 'true' }, th.text || '');
    if (!th.text) theirsText.append(h('span.muted', { i18n: 'min.theirsEmpty' }));
    const btn = (key, cls, action, fn) => {
      const b = h(`button.btn.small-btn${cls}`, { type: 'button', i18n: key, dataset: { key: action, action } });
      b.addEventListener('click', fn);
      return b;
    };
    const theirsId = `${e.textarea.id}-theirs`;
    clear(box).append(
      h('p.conflict-title', { role: 'alert' }, h('strong', { i18n: 'min.conflictTitle' })),
      h('p.small.conflict-text-hint', { i18n: 'min.conflictText' }),
      h('div.conflict-cols', {},
        h('div.conflict-col.theirs', {}, h('h4', { id: theirsId, i18n: who.key, args: who.args }), theirsText),
        h('div.conflict-col.mine', {}, h('label', { for: mine.id, i18n: c.merging ? 'min.merged' : 'min.mine' }), mine)),
      h('div.conflict-actions', {},
        btn(c.merging ? 'min.saveMerged' : 'min.keepMine', '.primary', 'keep', () => this.resolve(e, 'keep')),
        btn('min.takeTheirs', '', 'take', () => this.resolve(e, 'take')),
        c.merging ? null : btn('min.merge', '', 'merge', () => this.resolve(e, 'merge'))));
    theirsText.setAttribute('aria-labelledby', theirsId);
    grow(mine);
    this.show(e);
    if (keepFocus) box.querySelector(`[data-key="${keepFocus}"]`)?.focus();
    return mine;
  }

  resolve(e, how) {
    const c = e.conflict;
    if (!c) return;
    if (how === 'merge') {
      const sep = c.theirs.text && c.draft ? '\n\n' : '';
      c.draft = `${c.theirs.text}${sep}${c.draft}`;
      c.merging = true;
      const mine = this.renderConflict(e);
      mine.focus();
      mine.setSelectionRange(mine.value.length, mine.value.length);
      return;
    }
    // Both end the conflict from their version.
    e.base = c.theirs.version;
    e.saved = c.theirs.text;
    e.updated = c.theirs.updated;
    e.textarea.value = how === 'keep' ? c.draft : c.theirs.text;
    e.conflict = null;
    e.phase = 'saved';
    this.renderConflict(e);
    grow(e.textarea);
    e.textarea.focus();
    if (how === 'keep') this.save(e);
    else writeDrafts(this.meeting, this.items);
  }

  // ---- the view's hooks --------------------------------------------------

  update(change) {
    const type = change.kind === 'state' ? 'state' : change.msg.type;
    if (type === 'state') {
      this.build();
      const m = this.client.state.minutes || {};
      for (const [item, v] of Object.entries(m)) if (v && Number.isInteger(v.version)) this.noteRemote(item, v.version);
      return;
    }
    if (type === 'minutes.edited') this.noteRemote(change.msg.item, change.msg.version);
  }
}

// Grows a text area with its text (CSSOM: the page's CSP forbids style attributes).
function grow(ta) {
  ta.style.height = 'auto';
  ta.style.height = `${Math.min(ta.scrollHeight + 2, Math.round(window.innerHeight * 0.7))}px`;
}

// ---- unsaved text in the browser's storage ------------------------------

const draftKey = (meeting) => `plenum.minutes.${meeting}`;

function readDrafts(meeting) {
  try { return JSON.parse(localStorage.getItem(draftKey(meeting)) || '{}') || {}; } catch { return {}; }
}

// What is not saved yet: the text and the version it was edited from.
function writeDrafts(meeting, items) {
  const out = {};
  for (const e of items.values()) {
    const text = e.conflict ? e.conflict.draft : clean(e.textarea.value);
    const base = e.conflict ? 0 : e.base; // a conflict's text goes back to the conflict view
    if (e.conflict || text !== e.saved) out[e.item] = { text, base };
  }
  try {
    if (Object.keys(out).length) localStorage.setItem(draftKey(meeting), JSON.stringify(out));
    else localStorage.removeItem(draftKey(meeting));
  } catch { /* private mode or full: the text is still on screen */ }
}

// ---- exports ------------------------------------------------------------

// Plain links to the export routes, with the file's language to choose
// (the screen's language to begin with).
function exportBox(meeting) {
  const base = `/api/meetings/${encodeURIComponent(meeting)}`;
  let lang = currentLang() === 'en' ? 'en' : 'vi';
  const minutesLinks = [['pdf', 'PDF'], ['html', 'HTML'], ['md', 'Markdown']].map(([ext, name]) =>
    h('a.btn.small-btn.export-link', { download: '', dataset: { format: ext }, href: '#' }, name));
  const auditLinks = [['csv', 'CSV'], ['json', 'JSON']].map(([ext, name]) =>
    h('a.btn.small-btn.export-link', { download: '', dataset: { format: `events-${ext}` }, href: `${base}/events.${ext}` }, name));
  const set = () => {
    for (const a of minutesLinks) a.href = `${base}/minutes.${a.dataset.format}?lang=${lang}`;
  };
  const radios = ['vi', 'en'].map((l) => {
    const r = h('input', { type: 'radio', name: 'minutes-lang', value: l, checked: l === lang });
    r.addEventListener('change', () => { if (r.checked) { lang = l; set(); } });
    return h('label.export-lang-choice', {}, r, ' ', h('span', { lang: l }, l === 'vi' ? 'Tiếng Việt' : 'English'));
  });
  set();
  return h('div.minutes-export', {},
    h('h3', { i18n: 'min.exportTitle' }),
    h('fieldset.export-lang', {}, h('legend.small', { i18n: 'min.exportLang' }), ...radios),
    h('div.export-row', {}, h('span.export-label.small', { i18n: 'min.exportMinutes' }), ...minutesLinks),
    h('div.export-row', {}, h('span.export-label.small', { i18n: 'min.exportAudit' }), ...auditLinks));
}


// SPDX-License-Identifier: AGPL-3.0-or-later
// Full-text search of a meeting's documents (GET /api/meetings/<m>/search):
// a search box with its results list, and the highlight of a hit on a page
// (GET /api/docs/<doc>/pages/<n>/find). The server's snippet is HTML with
// only <mark> tags and escaped text: it is parsed here into text nodes and
// <mark> elements, never given to innerHTML.
import { h, clear } from './dom.js';
import { tx } from './i18n.js';
import { api } from './api.js';

const DEBOUNCE_MS = 250;
const QUERY_MAX = 200;

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ENTITIES[m] ?? m);

// The snippet as DOM nodes: text, and <mark> around the matched words.
export function snippetNodes(snippet) {
  const out = [];
  const parts = String(snippet).split(/(<mark>|<\/mark>)/);
  let inMark = false;
  for (const p of parts) {
    if (p === '<mark>') { inMark = true; continue; }
    if (p === '</mark>') { inMark = false; continue; }
    if (!p) continue;
    const text = document.createTextNode(unescape(p));
    out.push(inMark ? h('mark', {}, text) : text);
  }
  return out;
}

// A search box and its results. onHit(hit, query) is called when a result is
// chosen; `hint` (an i18n key) says what choosing does.
export function searchPanel(client, { onHit, hint }) {
  const input = h('input.search-input', {
    type: 'search', maxlength: String(QUERY_MAX), autocomplete: 'off', spellcheck: 'false',
    't_placeholder': 'search.placeholder', 't_aria-label': 'search.label',
  });
  const status = h('p.search-status.muted.small', { 'aria-live': 'polite' });
  const list = h('ol.search-hits');
  const panel = h('div.search', { role: 'search' }, input, status, list);
  let timer = null;
  let seq = 0;
  let last = '';

  async function run(q) {
    const mine = ++seq;
    if (!q.trim()) {
      clear(list);
      status.textContent = '';
      last = '';
      return;
    }
    tx(status, 'search.searching');
    let res;
    try {
      res = await api('GET', `/api/meetings/${encodeURIComponent(client.meetingId)}/search?q=${encodeURIComponent(q)}`);
    } catch (e) {
      if (mine === seq) tx(status, 'search.failed');
      return;
    }
    if (mine !== seq) return; // a newer query is on its way
    last = q;
    clear(list);
    if (!res.hits.length) { tx(status, 'search.none', { q }); return; }
    tx(status, res.hits.length === 1 ? 'search.one' : 'search.many', { n: res.hits.length });
    if (hint) status.append(' ', h('span', { i18n: hint }));
    for (const hit of res.hits) {
      const btn = h('button.search-hit', { type: 'button', dataset: { doc: hit.doc, page: String(hit.page) } },
        h('span.search-hit-head', {},
          h('span.search-hit-title', {}, hit.title),
          h('span.search-hit-page', { i18n: 'search.page', args: { page: hit.page } })),
        h('span.search-hit-snippet', {}, ...snippetNodes(hit.snippet)));
      btn.addEventListener('click', () => onHit(hit, last, btn));
      list.append(h('li', {}, btn));
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(timer); run(input.value); e.preventDefault(); }
    if (e.key === 'Escape' && input.value) { input.value = ''; run(''); e.stopPropagation(); }
  });
  return { el: panel, input, refresh: () => run(input.value) };
}

// Highlights of one page in a Stage: rectangles (fractions of the page)
// over the page image, until clear() or another page.
export class Highlight {
  constructor(stage) {
    this.stage = stage;
    this.layer = h('div.hit-layer', { 'aria-hidden': 'true' });
    this.want = null; // {doc, page, rects}
    this.ro = new ResizeObserver(() => this.place());
    this.ro.observe(stage.box);
  }

  // Asks the server where `q` is on the page, then draws it.
  async show(doc, page, q) {
    const want = { doc, page, rects: [] };
    this.want = want;
    try {
      const res = await api('GET', `/api/docs/${encodeURIComponent(doc)}/pages/${page}/find?q=${encodeURIComponent(q)}`);
      want.rects = res.rects || [];
    } catch { /* no highlight: the page is still shown */ }
    // The image arrives on its own time: place on each frame until it is there.
    for (let i = 0; i < 120 && this.want === want; i++) {
      if (this.place()) return;
      await new Promise((r) => requestAnimationFrame(r));
    }
  }

  place() {
    const w = this.want;
    const cur = this.stage.current;
    const img = this.stage.img;
    if (!w || !cur || !img || cur.doc !== w.doc || cur.page !== w.page || !img.isConnected) {
      this.layer.remove();
      return false;
    }
    const box = this.stage.box.getBoundingClientRect();
    const r = img.getBoundingClientRect();
    Object.assign(this.layer.style, {
      left: `${r.left - box.left + this.stage.box.scrollLeft}px`,
      top: `${r.top - box.top + this.stage.box.scrollTop}px`,
      width: `${r.width}px`,
      height: `${r.height}px`,
    });
    clear(this.layer);
    for (const [x0, y0, x1, y1] of w.rects) {
      this.layer.append(h('div.hit-rect', { style: `left:${x0 * 100}%;top:${y0 * 100}%;width:${(x1 - x0) * 100}%;height:${(y1 - y0) * 100}%` }));
    }
    if (this.layer.parentNode !== this.stage.box) this.stage.box.append(this.layer);
    return true;
  }

  // Drops the highlight unless the stage still shows its page.
  sync() {
    const w = this.want;
    const cur = this.stage.wanted;
    if (w && cur && (cur.doc !== w.doc || cur.page !== w.page)) this.clear();
    else this.place();
  }

  clear() { this.want = null; this.layer.remove(); }
  destroy() { this.ro.disconnect(); this.clear(); }
}


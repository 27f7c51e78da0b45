// SPDX-License-Identifier: AGPL-3.0-or-later
// Shows one document page in a box, sharp at the device's pixel density, and
// changes pages without flicker: the new image is fetched and decoded off
// screen and swapped in only once it can be painted in one frame. When page
// changes come in a burst, only the last one is ever shown.
import { ta, tx } from './i18n.js';

// The widths the server renders (docs/protocol.md). We round up here too, so
// that a slightly different layout asks for the same URL and hits the cache.
const WIDTHS = [320, 480, 640, 800, 1024, 1280, 1600, 2048];

export function roundWidth(px) {
  return WIDTHS.find((w) => w >= px) ?? WIDTHS[WIDTHS.length - 1];
}

export function pageUrl(doc, page, w) {
  return `/api/docs/${encodeURIComponent(doc)}/pages/${page}.png?w=${w}`;
}

// url -> Promise<HTMLImageElement>, most recently used last.
const cache = new Map();
const CACHE_MAX = 24;

export function loadImage(url) {
  let p = cache.get(url);
  if (p) {
    cache.delete(url);
    cache.set(url, p);
    return p;
  }
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  p = img.decode().then(() => img);
  p.catch(() => cache.delete(url)); // let a later try fetch it again
  cache.set(url, p);
  while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value);
  return p;
}

// Page shape per document (width / height), learnt from the first image, so
// that a portrait page on a landscape screen asks for the width it really gets.
const aspects = new Map();

export class Stage {
  // getDoc(id) -> {id, title, pages}
  constructor(box, { getDoc, preload = true }) {
    this.box = box;
    this.getDoc = getDoc;
    this.preload = preload;
    this.current = null;   // {doc, page, w} on screen
    this.wanted = null;    // {doc, page} last asked for
    this.gen = 0;
    this.img = null;
    this.spinnerTimer = null;
    this.box.classList.add('stage');
    this.msg = document.createElement('p');
    this.msg.className = 'stage-msg';
    this.msg.hidden = true;
    this.box.append(this.msg);
    this.lastBoxWidth = 0;
    // Re-request a sharper image when the box grows (rotation, resize).
    this.ro = new ResizeObserver(() => {
      if (!this.wanted) return;
      const w = this.widthFor(this.wanted.doc);
      if (this.current && w > this.current.w) this.show(this.wanted.doc, this.wanted.page, true);
    });
    this.ro.observe(box);
  }

  destroy() {
    this.ro.disconnect();
    clearTimeout(this.retryTimer);
  }

  widthFor(doc) {
    const W = this.box.clientWidth || window.innerWidth;
    const H = this.box.clientHeight || window.innerHeight;
    const a = aspects.get(doc);
    const cssWidth = a ? Math.min(W, H * a) : W;
    return roundWidth(Math.ceil(cssWidth * (window.devicePixelRatio || 1)));
  }

  isShowing(doc, page) {
    return this.wanted && this.wanted.doc === doc && this.wanted.page === page;
  }

  async show(doc, page, force = false, attempt = 0) {
    if (!force && this.isShowing(doc, page)) return;
    clearTimeout(this.retryTimer);
    const gen = ++this.gen;
    this.wanted = { doc, page };
    this.box.dataset.doc = doc;
    this.box.dataset.page = String(page);
    const w = this.widthFor(doc);
    const url = pageUrl(doc, page, w);
    clearTimeout(this.spinnerTimer);
    // Only a slow load shows the spinner; a fast one swaps silently.
    this.spinnerTimer = setTimeout(() => { if (gen === this.gen) this.box.classList.add('loading'); }, 250);
    let img;
    try {
      const loaded = await loadImage(url);
      // A fresh element per swap (the cached one may be on screen elsewhere);
      // decoding it is immediate since the bitmap is already in memory.
      img = loaded.cloneNode();
      await img.decode();
      if (!aspects.has(doc) && loaded.naturalHeight) aspects.set(doc, loaded.naturalWidth / loaded.naturalHeight);
    } catch {
      if (gen !== this.gen) return;
      clearTimeout(this.spinnerTimer);
      this.box.classList.remove('loading');
      this.removeImage();
      this.msg.hidden = false;
      tx(this.msg, 'view.renderFailed');
      this.current = { doc, page, w };
      // On a flaky network the next try usually works: retry a few times,
      // more slowly each time, as long as this page is still the one wanted.
      if (attempt < 5) {
        this.retryTimer = setTimeout(() => {
          if (gen === this.gen) this.show(doc, page, true, attempt + 1);
        }, Math.min(15000, 1500 * 2 ** attempt));
      }
      return;
    }
    if (gen !== this.gen) return; // a newer page was asked for meanwhile
    clearTimeout(this.spinnerTimer);
    this.box.classList.remove('loading');
    this.msg.hidden = true;
    img.className = 'page-img';
    img.draggable = false;
    const d = this.getDoc(doc);
    ta(img, 'alt', 'view.pageAlt', { title: d?.title || '', page });
    if (this.img) this.img.replaceWith(img);
    else this.box.prepend(img);
    this.img = img;
    this.current = { doc, page, w };
    this.box.dispatchEvent(new CustomEvent('pageshown', { detail: { doc, page } }));
    // The width for the neighbours is worked out again: the page shape is
    // known now, and a portrait page on a wide screen needs fewer pixels.
    if (this.preload) this.preloadAround(doc, page, this.widthFor(doc));
  }

  // The pages either side, so that "next" is already decoded when it comes.
  preloadAround(doc, page, w) {
    const d = this.getDoc(doc);
    const n = d?.pages ?? 0;
    for (const p of [page + 1, page - 1]) {
      if (p >= 1 && (!n || p <= n)) loadImage(pageUrl(doc, p, w)).catch(() => {});
    }
  }

  removeImage() {
    this.img?.remove();
    this.img = null;
  }

  clear() {
    this.gen++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.spinnerTimer);
    this.box.classList.remove('loading');
    this.wanted = null;
    this.current = null;
    delete this.box.dataset.doc;
    delete this.box.dataset.page;
    this.removeImage();
    this.msg.hidden = true;
  }
}

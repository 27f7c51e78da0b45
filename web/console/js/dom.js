// SPDX-License-Identifier: AGPL-3.0-or-later
// The element builder of the web client (/js/dom.js), the same h() with the
// same attributes, bound to the console's dictionary (i18n.js says why).
import { tx, ta, t } from './i18n.js';

// h('button.primary', {type: 'button', onclick: fn, i18n: 'list.new'}, child, …)
//   i18n / args   text from a translation key
//   attrs.t_<attr> attribute from a translation key, e.g. t_title: ['agenda.moveUp', {…}]
export function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'i18n') tx(el, v, attrs.args);
    else if (k === 'args') continue;
    else if (k.startsWith('t_')) ta(el, k.slice(2), ...(Array.isArray(v) ? v : [v]));
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// The licence footer: the AGPL asks that every user can get the source.
export function footer() {
  return h('footer.site-footer', {},
    h('span', { i18n: 'footer.text' }), ' · ',
    h('a', { href: '/source.tar.gz', i18n: 'footer.source', download: true }));
}

let uid = 0;
// A fresh id for tying a label, a hint or an error to its field.
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

export { t };

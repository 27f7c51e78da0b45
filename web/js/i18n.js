// SPDX-License-Identifier: AGPL-3.0-or-later
// Vietnamese and English. Every visible string comes from /i18n/<lang>.json.
// Elements remember which key (and arguments) produced their text, so that a
// language switch re-translates the page in place without re-rendering it —
// a re-render would drop the decoded page image and make it flicker.

const LANGS = ['vi', 'en'];
const STORAGE_KEY = 'plenum.lang';

let lang = 'en';
let dict = {};
let fallback = {}; // English, so a missing Vietnamese string never shows a key

export function currentLang() { return lang; }

// First language in the browser's list that we speak; vi only if it comes
// before en. A choice made with the VI/EN switch wins.
export function pickLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch { /* private mode: no storage */ }
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language || 'en'];
  for (const p of prefs) {
    const base = String(p).toLowerCase().split('-')[0];
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

// Pages with words of their own (the meeting console) add a dictionary,
// read over this one, and what else a language switch must redo: both
// before initI18n().
const extraDicts = [];
const translators = [];
export function addDictionary(urlFor) { extraDicts.push(urlFor); }
export function onTranslate(fn) { translators.push(fn); }

async function loadOne(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`i18n ${url}: HTTP ${res.status}`);
  return res.json();
}

async function load(l) {
  const all = await Promise.all([loadOne(`/i18n/${l}.json`), ...extraDicts.map((f) => loadOne(f(l)))]);
  return Object.assign({}, ...all);
}

export async function initI18n() {
  lang = pickLang();
  const [d, en] = await Promise.all([load(lang), lang === 'en' ? null : load('en').catch(() => ({}))]);
  dict = d;
  fallback = en || d;
  document.documentElement.lang = lang;
}

// An argument is text, or {key, args}: a sentence translated in its turn
// (the server's reasons, reasons.js), so a switch re-translates it too.
const arg = (v) => (v && typeof v === 'object' && typeof v.key === 'string' ? t(v.key, v.args) : String(v));

export function t(key, args) {
  let s = dict[key] ?? fallback[key];
  if (s === undefined) {
    console.warn('missing string', key);
    return '';
  }
  if (args) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in args ? arg(args[k]) : m));
  return s;
}

// Text content from a key, remembered for the next language switch.
export function tx(el, key, args) {
  el.dataset.i18n = key;
  if (args) el.dataset.i18nArgs = JSON.stringify(args);
  else delete el.dataset.i18nArgs;
  el.textContent = t(key, args);
  return el;
}

// An attribute (alt, aria-label, placeholder, title) from a key.
export function ta(el, attr, key, args) {
  const map = el.dataset.i18nAttr ? JSON.parse(el.dataset.i18nAttr) : {};
  map[attr] = [key, args || null];
  el.dataset.i18nAttr = JSON.stringify(map);
  el.setAttribute(attr, t(key, args));
  return el;
}

const DATE_LOCALE = { vi: 'vi-VN', en: 'en-GB' };

export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // Date and time apart: Vietnamese otherwise puts the time first ("lúc 08:00 Thứ Bảy…").
  const date = new Intl.DateTimeFormat(DATE_LOCALE[lang], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(d);
  const time = new Intl.DateTimeFormat(DATE_LOCALE[lang], { hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return `${time} · ${date}`;
}

// The time of day, "08:31", on this device's clock (24 hours in both
// languages). '' for a missing or broken time.
export function formatTime(iso) {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(DATE_LOCALE[lang], { hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
}

// A date, formatted in the current language, re-formatted on a switch.
export function td(el, iso) {
  el.dataset.date = iso;
  el.textContent = formatDate(iso);
  return el;
}

export function translateAll(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const [attr, [key, args]] of Object.entries(JSON.parse(el.dataset.i18nAttr))) {
      el.setAttribute(attr, t(key, args || undefined));
    }
  }
  for (const el of root.querySelectorAll('[data-date]')) el.textContent = formatDate(el.dataset.date);
  for (const fn of translators) fn(root);
}

export async function setLang(l) {
  if (!LANGS.includes(l) || l === lang) return;
  dict = await load(l);
  if (l === 'en') fallback = dict;
  lang = l;
  try { localStorage.setItem(STORAGE_KEY, l); } catch { /* ignore */ }
  document.documentElement.lang = l;
  translateAll();
  for (const b of document.querySelectorAll('.lang-switch button')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === l));
  }
  document.dispatchEvent(new CustomEvent('plenum:lang', { detail: l }));
}

// The VI/EN switch: two real buttons, the current one pressed.
export function langSwitch() {
  const group = document.createElement('div');
  group.className = 'lang-switch';
  group.setAttribute('role', 'group');
  ta(group, 'aria-label', 'lang.label');
  for (const l of LANGS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.lang = l;
    b.lang = l;
    b.textContent = l.toUpperCase(); // "VI" / "EN" read the same in both languages
    b.setAttribute('aria-pressed', String(l === lang));
    b.addEventListener('click', () => setLang(l));
    group.append(b);
  }
  return group;
}

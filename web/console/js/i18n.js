// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's words, in Vietnamese and English.
//
// The same mechanism as the web client's /js/i18n.js: every visible string
// comes from a dictionary by its key; elements remember the key (and the
// arguments) that made their text, so the VI/EN switch re-translates the
// page in place; the choice is kept under the same storage key, so the
// console and the meeting pages speak the same language on one device.
//
// The dictionary is the web client's (/i18n/<lang>.json: roles, the
// server's reasons for a refused upload, the footer, the switch's label)
// with the console's own (/console/i18n/<lang>.json) over it. /js/i18n.js
// loads only the first and keeps it to itself, which is why the console
// has this module (and dom.js, ui.js) rather than importing those.
//
// Invariant: a key missing in Vietnamese shows the English sentence, never
// the key; a key missing in both shows '' and a console warning.

const LANGS = ['vi', 'en'];
const STORAGE_KEY = 'plenum.lang';

let lang = 'en';
let dict = {};
let fallback = {};

export function currentLang() { return lang; }

// First language in the browser's list that we speak; a choice made with
// the VI/EN switch wins.
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

async function loadOne(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

// The app's strings, then the console's over them.
async function load(l) {
  const [app, own] = await Promise.all([loadOne(`/i18n/${l}.json`).catch(() => ({})), loadOne(`/console/i18n/${l}.json`)]);
  return { ...app, ...own };
}

export async function initI18n() {
  lang = pickLang();
  const [d, en] = await Promise.all([load(lang), lang === 'en' ? null : load('en').catch(() => ({}))]);
  dict = d;
  fallback = en || d;
  document.documentElement.lang = lang;
}

// An argument is text, or {key, args}: a sentence translated in its turn
// (the server's reasons, reasons.js), so that a switch re-translates it.
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

// The key for a count: `<key>One` for exactly one ("1 item"), else the key
// itself ("{n} items"); Vietnamese says both alike.
export function plural(key, n) {
  return Number(n) === 1 ? `${key}One` : key;
}

// Text content from a key, remembered for the next language switch.
export function tx(el, key, args) {
  el.dataset.i18n = key;
  if (args) el.dataset.i18nArgs = JSON.stringify(args);
  else delete el.dataset.i18nArgs;
  el.textContent = t(key, args);
  return el;
}

// An attribute (aria-label, placeholder, title) from a key.
export function ta(el, attr, key, args) {
  const map = el.dataset.i18nAttr ? JSON.parse(el.dataset.i18nAttr) : {};
  map[attr] = [key, args || null];
  el.dataset.i18nAttr = JSON.stringify(map);
  el.setAttribute(attr, t(key, args));
  return el;
}

const LOCALE = { vi: 'vi-VN', en: 'en-GB' };

const fmt = (opts) => new Intl.DateTimeFormat(LOCALE[lang], opts);

function valid(iso) {
  const d = new Date(iso);
  return iso && !Number.isNaN(d.getTime()) ? d : null;
}

// "Tuesday 1 December 2026, 08:30–10:30" on this device's clock; the end
// only when given, with its date when it falls on another day.
export function formatWhen(starts, ends) {
  const s = valid(starts);
  if (!s) return t('when.none');
  const day = fmt({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(s);
  const time = fmt({ hour: '2-digit', minute: '2-digit', hour12: false });
  const e = valid(ends);
  if (!e) return t('when.at', { day, time: time.format(s) });
  if (e.toDateString() === s.toDateString()) return t('when.span', { day, from: time.format(s), to: time.format(e) });
  const eday = fmt({ day: 'numeric', month: 'long', year: 'numeric' }).format(e);
  return t('when.spanDays', { day, from: time.format(s), eday, to: time.format(e) });
}

// "01/12/2026" — a date alone, short.
export function formatDay(iso) {
  const d = valid(iso);
  return d ? fmt({ day: '2-digit', month: '2-digit', year: 'numeric' }).format(d) : '';
}

// A time span kept translated: the element re-formats itself on a switch.
export function tw(el, starts, ends) {
  el.dataset.times = JSON.stringify([starts || null, ends || null]);
  el.textContent = formatWhen(starts, ends);
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
  for (const el of root.querySelectorAll('[data-times]')) {
    const [s, e] = JSON.parse(el.dataset.times);
    el.textContent = formatWhen(s, e);
  }
  for (const el of root.querySelectorAll('[data-day]')) el.textContent = formatDay(el.dataset.day);
}

export async function setLang(l) {
  if (!LANGS.includes(l) || l === lang) return;
  const d = await load(l);
  dict = d;
  if (l === 'en') fallback = d;
  else if (!Object.keys(fallback).length) fallback = await load('en').catch(() => ({}));
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
    b.textContent = l.toUpperCase();
    b.setAttribute('aria-pressed', String(l === lang));
    b.addEventListener('click', () => setLang(l));
    group.append(b);
  }
  return group;
}

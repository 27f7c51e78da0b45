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
// with the console's own (/console/i18n/<lang>.json) over it: this module
// is /js/i18n.js with that dictionary added, and the console's ways of
// saying a meeting's time.
//
// Invariant: a key missing in Vietnamese shows the English sentence, never
// the key; a key missing in both shows '' and a console warning.

import { addDictionary, onTranslate, t, currentLang } from '/js/i18n.js';

export { currentLang, pickLang, initI18n, t, tx, ta, translateAll, setLang, langSwitch } from '/js/i18n.js';

addDictionary((l) => `/console/i18n/${l}.json`);

// The key for a count: `<key>One` for exactly one ("1 item"), else the key
// itself ("{n} items"); Vietnamese says both alike.
export function plural(key, n) {
  return Number(n) === 1 ? `${key}One` : key;
}

const LOCALE = { vi: 'vi-VN', en: 'en-GB' };

const fmt = (opts) => new Intl.DateTimeFormat(LOCALE[currentLang()], opts);

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

// A switch of language re-formats the times and dates this module wrote.
onTranslate((root) => {
  for (const el of root.querySelectorAll('[data-times]')) {
    const [s, e] = JSON.parse(el.dataset.times);
    el.textContent = formatWhen(s, e);
  }
  for (const el of root.querySelectorAll('[data-day]')) el.textContent = formatDay(el.dataset.day);
});

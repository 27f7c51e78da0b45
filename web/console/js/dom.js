// SPDX-License-Identifier: AGPL-3.0-or-later
// The web client's element builder (/js/dom.js), the same h() bound to the
// same dictionary (i18n.js adds the console's words to it), and ids for
// tying a label, a hint or an error to its field.
export { h, clear, footer, t } from '/js/dom.js';

let uid = 0;
// A fresh id for tying a label, a hint or an error to its field.
export function nextId(prefix = 'f') {
  uid += 1;
  return `${prefix}-${uid}`;
}

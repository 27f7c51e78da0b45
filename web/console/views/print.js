// SPDX-License-Identifier: AGPL-3.0-or-later
// Printed material (docs/protocol.md, "Printed material"): the invitation
// cards — one per person, each with their own QR code, eight to an A4
// sheet — for everyone on the roster or for the people chosen, and the
// door poster with the room's QR code and, when the meeting has one, the
// Wi-Fi's. The server lays each PDF out in a second or two; the page says
// it is preparing it, then how much has come, then saves it as a download.
import { h } from '../js/dom.js';
import { tx, plural } from '../js/i18n.js';
import { downloadPdf } from '../js/api.js';
import { errorLine, busy, button, progressBar } from '../js/ui.js';

const kb = (n) => Math.max(1, Math.round(n / 1024));

// A download button with its progress line and error under it.
function pdfAction(key, busyKey, url, { before } = {}) {
  const btn = button('primary.c-pdf-btn', key);
  const bar = progressBar();
  const text = h('span.small');
  const line = h('p.c-pdf-status', { role: 'status', hidden: true }, text, bar);
  const error = errorLine();
  btn.addEventListener('click', () => {
    const path = url();
    if (!path) { before?.(error); return; }
    error.say(null);
    line.hidden = false;
    line.classList.remove('c-pdf-done');
    bar.hidden = false;
    bar.set(null);
    tx(text, 'print.preparing');
    busy(btn, busyKey, async () => {
      try {
        const res = await downloadPdf(path, (got) => tx(text, 'print.receiving', { kb: kb(got) }));
        bar.hidden = true;
        line.classList.add('c-pdf-done');
        tx(text, 'print.saved', { name: res.name, kb: kb(res.bytes) });
      } catch (err) {
        line.hidden = true;
        error.say(err);
      }
    });
  });
  return h('div.c-pdf-action', {}, btn, line, error);
}

export function printTab(ctx) {
  const m = ctx.meeting;
  const base = `/api/console/meetings/${encodeURIComponent(m.id)}`;
  const people = (m.participants || []).filter((p) => p.role !== 'display');

  // Everyone, or a choice of people.
  const everyone = h('input', { type: 'radio', name: 'cards-for', value: 'all', id: 'cards-all', checked: true });
  const some = h('input', { type: 'radio', name: 'cards-for', value: 'some', id: 'cards-some' });
  const boxes = people.map((p) => h('input', { type: 'checkbox', value: p.id, id: `card-${p.id}` }));
  const picker = h('fieldset.c-pick-people', { hidden: true },
    h('legend.c-sr', { i18n: 'print.pickLegend' }),
    h('ul.c-people-checks', {}, people.map((p, i) => h('li', {},
      h('label.c-check', { for: boxes[i].id }, boxes[i],
        h('span', {}, p.name, p.title ? h('span.small.muted', {}, ` · ${p.title}`) : null))))));
  const sync = () => { picker.hidden = !some.checked; };
  everyone.addEventListener('change', sync);
  some.addEventListener('change', sync);

  const cards = pdfAction('print.cards', 'print.cardsBusy', () => {
    if (!some.checked) return `${base}/invitations.pdf`;
    const ids = boxes.filter((b) => b.checked).map((b) => b.value);
    return ids.length ? `${base}/invitations.pdf?participants=${ids.map(encodeURIComponent).join(',')}` : null;
  }, { before: (error) => error.sayKey('print.pickSomeone') });

  const poster = pdfAction('print.poster', 'print.posterBusy', () => `${base}/poster.pdf`);

  return h('div.c-print', {},
    h('section.card.c-section', { 'aria-labelledby': 'cards-h' },
      h('h2', { id: 'cards-h', i18n: 'print.cardsTitle' }),
      h('p', { i18n: 'print.cardsText' }),
      people.length ? h('fieldset.c-choice', {},
        h('legend', { i18n: 'print.cardsFor' }),
        h('label.c-check', { for: 'cards-all' }, everyone, h('span', { i18n: plural('print.everyone', people.length), args: { n: people.length } })),
        h('label.c-check', { for: 'cards-some' }, some, h('span', { i18n: 'print.some' })),
        picker) : h('p.notice', { i18n: 'print.nobody' }),
      people.length ? cards : null,
      h('p.small.muted', { i18n: 'print.cardsNote' })),
    h('section.card.c-section', { 'aria-labelledby': 'poster-h' },
      h('h2', { id: 'poster-h', i18n: 'print.posterTitle' }),
      h('p', { i18n: m.wifi ? 'print.posterText' : 'print.posterTextNoWifi' }),
      m.wifi ? null : h('p.small.muted', {}, h('span', { i18n: 'print.noWifi' }), ' ',
        ctx.link(`/console/m/${m.id}`, {}, h('span', { i18n: 'print.toDetails' }))),
      poster));
}

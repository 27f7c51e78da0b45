// SPDX-License-Identifier: AGPL-3.0-or-later
// The join page (/j/<token>): a personal link joins at once; the room link
// shows the meeting and the roster, and the person taps their name.
import { h, clear, footer } from '../dom.js';
import { tx, langSwitch } from '../i18n.js';
import { api } from '../api.js';
import { meetingHeader } from './common.js';

const FILTER_FROM = 8; // a filter box only when the list no longer fits a screen

// Removes Vietnamese diacritics so that "nguyen van an" finds "Nguyễn Văn An".
function fold(s) {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

export function renderJoin(root, token, { onJoined }) {
  const main = h('main.page-main');
  const page = h('div.page.join-page', {},
    h('header.page-top', {}, h('span.brand', {}, 'Plenum'), langSwitch()),
    main,
    footer());
  clear(root).append(page);

  const status = (key, args) => {
    clear(main).append(h('div.card.center', {}, h('span.spinner.big', { 'aria-hidden': 'true' }), h('p', { i18n: key, args, role: 'status' })));
  };

  const failure = (err, retry) => {
    clear(main);
    if (err.status === 404) {
      main.append(h('div.card.error-card', { role: 'alert' },
        h('h1', { i18n: 'join.unknownTitle' }),
        h('p', { i18n: 'join.unknownText' })));
      return;
    }
    main.append(h('div.card.error-card', { role: 'alert' },
      err.status === 0 ? h('p', { i18n: 'error.network' }) : h('p', { i18n: 'error.generic', args: { message: err.message } }),
      h('button.btn.primary', { type: 'button', i18n: 'action.retry', onclick: retry })));
  };

  const join = async (body) => {
    const res = await api('POST', '/api/join', { token, ...body });
    onJoined(res);
  };

  const start = async () => {
    status('join.loading');
    let info;
    try {
      info = await api('GET', `/api/join/${encodeURIComponent(token)}`);
    } catch (err) {
      failure(err, start);
      return;
    }
    if (info.kind === 'personal') {
      const p = info.participant;
      const name = typeof p === 'string' ? p : p?.name;
      if (name) status('join.personalAs', { name });
      else status('join.personal');
      try { await join({}); } catch (err) { failure(err, start); }
      return;
    }
    renderRoster(info);
  };

  function renderRoster(info) {
    const m = info.meeting || {};
    const roster = [...(info.roster || [])];
    const errorBox = h('p.form-error', { role: 'alert', hidden: true });
    const showError = (err) => {
      errorBox.hidden = false;
      if (err.status === 403) tx(errorBox, 'join.refused');
      else if (err.status === 400) tx(errorBox, 'join.badName');
      else if (err.status === 404) tx(errorBox, 'join.unknownText');
      else if (err.status === 0) tx(errorBox, 'error.network');
      else tx(errorBox, 'error.generic', { message: err.message });
      errorBox.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    };

    let busy = false;
    const pick = async (btn, body) => {
      if (busy) return;
      busy = true;
      errorBox.hidden = true;
      btn.classList.add('busy');
      btn.setAttribute('aria-busy', 'true');
      try {
        await join(body);
      } catch (err) {
        showError(err);
      } finally {
        busy = false;
        btn.classList.remove('busy');
        btn.removeAttribute('aria-busy');
      }
    };

    const list = h('ul.roster');
    for (const p of roster) {
      const btn = h('button.roster-name', { type: 'button', dataset: { name: fold(`${p.name} ${p.title || ''}`) } },
        h('span.name', {}, p.name),
        p.title ? h('span.title', {}, p.title) : null);
      btn.addEventListener('click', () => pick(btn, { participant: p.id }));
      list.append(h('li', {}, btn));
    }

    const empty = h('p.muted', { hidden: true });
    let filter = null;
    if (roster.length >= FILTER_FROM) {
      filter = h('input.filter', { type: 'search', autocomplete: 'off', autocapitalize: 'words', spellcheck: 'false', t_placeholder: 'join.filter', 't_aria-label': 'join.filter' });
      filter.addEventListener('input', () => {
        const q = fold(filter.value.trim());
        let shown = 0;
        for (const li of list.children) {
          const hit = !q || li.firstChild.dataset.name.includes(q);
          li.hidden = !hit;
          if (hit) shown++;
        }
        empty.hidden = shown > 0;
        if (!shown) tx(empty, 'join.filterEmpty', { q: filter.value.trim() });
      });
    }

    let guestForm = null;
    if (info.guests) {
      const input = h('input.text', { type: 'text', name: 'name', maxlength: 100, autocomplete: 'name', autocapitalize: 'words', required: true, t_placeholder: 'join.guestName', 't_aria-label': 'join.guestName' });
      const submit = h('button.btn.primary', { type: 'submit', i18n: 'join.guestJoin' });
      guestForm = h('form.guest-form', { novalidate: true },
        h('label.guest-label', {}, h('span', { i18n: 'join.notListed' }), input), submit);
      guestForm.addEventListener('submit', (e) => {
        e.preventDefault();
        const name = input.value.trim();
        if (!name || name.length > 100) { showError({ status: 400 }); input.focus(); return; }
        pick(submit, { name });
      });
    }

    clear(main).append(
      h('section.card.meeting-card', {}, meetingHeader(m)),
      h('section.card.roster-card', { 'aria-labelledby': 'choose-title' },
        h('h2', { id: 'choose-title', i18n: 'join.choose' }),
        h('p.muted', { i18n: roster.length ? 'join.chooseHint' : 'join.emptyRoster' }),
        filter,
        errorBox,
        list,
        empty,
        guestForm || h('p.muted.small', { i18n: 'join.askSecretary' })));
    if (filter && matchMedia('(pointer: fine)').matches) filter.focus();
  }

  start();
}

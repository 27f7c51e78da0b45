// SPDX-License-Identifier: AGPL-3.0-or-later
// A meeting's details: the form that creates a meeting (/console/new) and
// edits one (its first tab) — title, organisation, place, start and
// expected end, the quorum rule, whether guests may join, the room's Wi-Fi
// (printed on the door poster) — and, on the tab, the room's link and the
// staff members who prepare the meeting with it.
//
// Times are typed on this device's clock and sent with its offset, so the
// server (which reads a bare time on its own clock) keeps the same moment.
// The form checks what it can before sending (a title, an end after the
// start, a Wi-Fi password of 8 to 63 characters); the server has the last
// word and its refusal is shown under the form. A closed meeting's details
// are shown, not edited.
import { h, clear } from '../js/dom.js';
import { api } from '../js/api.js';
import {
  field, input, select, errorLine, busy, button, toast, linkBox, confirmDialog,
  toLocalInput, fromLocalInput,
} from '../js/ui.js';

const RULES = [['majority', 'form.rule.majority'], ['two_thirds', 'form.rule.two_thirds'], ['all', 'form.rule.all']];

// The form's fields, filled from a meeting (or empty); values() gives the
// JSON the server takes, check() a sentence for what is wrong, or null.
function meetingFields(m, { create }) {
  const f = {
    title: input({ value: m?.title || '', maxlength: 300, required: true, name: 'title' }),
    org: input({ value: m?.org || '', maxlength: 300, name: 'org', autocomplete: 'organization' }),
    location: input({ value: m?.location || '', maxlength: 300, name: 'location' }),
    starts: input({ type: 'datetime-local', value: toLocalInput(m?.starts), name: 'starts' }),
    ends: input({ type: 'datetime-local', value: toLocalInput(m?.ends), name: 'ends' }),
    rule: select(RULES, m?.quorum_rule || 'majority', { name: 'quorum_rule' }),
    guests: h('input', { type: 'checkbox', name: 'guests' }),
    ssid: input({ value: m?.wifi?.ssid || '', maxlength: 32, name: 'wifi_ssid', autocomplete: 'off', spellcheck: 'false' }),
    wifiPw: input({ value: m?.wifi?.password || '', maxlength: 63, name: 'wifi_password', autocomplete: 'off', spellcheck: 'false' }),
    chair: create ? input({ maxlength: 100, name: 'chair', autocomplete: 'off' }) : null,
    secretary: create ? input({ maxlength: 100, name: 'secretary', autocomplete: 'off' }) : null,
  };
  f.guests.checked = !!m?.guests;
  const guestsId = 'f-guests';
  f.guests.id = guestsId;

  const el = h('div.c-form-grid', {},
    h('fieldset.c-fieldset', {},
      h('legend', { i18n: 'form.about' }),
      field('form.title', f.title, { required: true }),
      field('form.org', f.org),
      field('form.location', f.location),
      h('div.c-row', {},
        field('form.starts', f.starts, { cls: 'c-grow' }),
        field('form.ends', f.ends, { cls: 'c-grow', hint: 'form.endsHint' })),
      create ? h('div.c-row', {},
        field('form.chair', f.chair, { cls: 'c-grow' }),
        field('form.secretary', f.secretary, { cls: 'c-grow' })) : null,
      create ? h('p.c-hint.small.muted', { i18n: 'form.chairHint' }) : null),
    h('div.c-form-side', {}, h('fieldset.c-fieldset', {},
      h('legend', { i18n: 'form.rules' }),
      field('form.rule', f.rule, { hint: 'form.ruleHint' }),
      h('div.c-field', {},
        h('label.c-check', { for: guestsId }, f.guests, h('span', { i18n: 'form.guests' })),
        h('p.c-hint.small.muted', { i18n: 'form.guestsHint' }))),
    h('fieldset.c-fieldset', {},
      h('legend', { i18n: 'form.wifi' }),
      h('p.c-hint.small.muted', { i18n: 'form.wifiHint' }),
      field('form.ssid', f.ssid),
      field('form.wifiPassword', f.wifiPw, { hint: 'form.wifiPasswordHint' }))));

  const values = () => {
    const v = {
      title: f.title.value.trim(),
      org: f.org.value.trim(),
      location: f.location.value.trim(),
      starts: fromLocalInput(f.starts.value),
      ends: fromLocalInput(f.ends.value),
      quorum_rule: f.rule.value,
      guests: f.guests.checked,
      wifi: f.ssid.value.trim() ? { ssid: f.ssid.value.trim(), password: f.wifiPw.value || null } : null,
    };
    if (create) {
      if (f.chair.value.trim()) v.chair = f.chair.value.trim();
      if (f.secretary.value.trim()) v.secretary = f.secretary.value.trim();
      for (const k of ['starts', 'ends', 'wifi']) if (v[k] === null) delete v[k];
    }
    return v;
  };

  const check = () => {
    if (!f.title.value.trim()) return [f.title, { key: 'why.title' }];
    if (f.starts.value && f.ends.value && f.ends.value < f.starts.value) return [f.ends, { key: 'why.endsBefore' }];
    if (f.ends.value && !f.starts.value) return [f.starts, { key: 'form.needStart' }];
    const pw = f.wifiPw.value;
    if (pw && !f.ssid.value.trim()) return [f.ssid, { key: 'form.needSsid' }];
    if (pw && (pw.length < 8 || pw.length > 63)) return [f.wifiPw, { key: 'why.wifiPassword' }];
    return null;
  };

  const disable = () => {
    for (const x of Object.values(f)) if (x) x.disabled = true;
  };
  return { el, values, check, disable, fields: f };
}

// /console/new: a new meeting; then its agenda.
export function mountCreate(main, { go, link }) {
  const form = meetingFields(null, { create: true });
  const error = errorLine();
  const submit = button('primary', 'form.create', { type: 'submit' });
  const el = h('form.c-form', { novalidate: true }, form.el, error,
    h('div.c-form-buttons', {}, link('/console', { class: 'btn' }, h('span', { i18n: 'dialog.cancel' })), submit));
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    const bad = form.check();
    if (bad) { error.say(bad[1]); bad[0].focus(); return; }
    error.say(null);
    busy(submit, 'form.creating', async () => {
      try {
        const res = await api('POST', '/api/console/meetings', form.values());
        toast('form.created', { title: res.meeting.title });
        go(`/console/m/${res.meeting.id}/agenda`, { replace: true });
      } catch (err) {
        error.say(err);
      }
    });
  });
  clear(main).append(h('div.c-page', {},
    h('div.c-head', {}, h('div', {},
      h('p.c-crumbs.small', {}, link('/console', {}, h('span', { i18n: 'con.navMeetings' }))),
      h('h1', { i18n: 'form.newTitle', tabindex: '-1' }))),
    h('p.muted', { i18n: 'form.newLead' }),
    el));
  form.fields.title.focus();
  return {};
}

// The details tab of a meeting: ctx is meeting.js's {meeting, id, set, user}.
export function detailsTab(ctx) {
  const m = ctx.meeting;
  const closed = m.state === 'closed';
  const form = meetingFields(m, { create: false });
  const error = errorLine();
  const submit = button('primary', 'form.save', { type: 'submit' });
  const el = h('form.c-form', { novalidate: true }, form.el, error,
    closed ? null : h('div.c-form-buttons', {}, submit));
  if (closed) form.disable();
  el.addEventListener('submit', (e) => {
    e.preventDefault();
    if (closed) return;
    const bad = form.check();
    if (bad) { error.say(bad[1]); bad[0].focus(); return; }
    error.say(null);
    busy(submit, 'form.saving', async () => {
      try {
        const res = await api('POST', `/api/console/meetings/${encodeURIComponent(m.id)}`, form.values());
        ctx.set(res.meeting);
        toast('form.saved');
        // The form is drawn anew from the saved meeting: the focus goes
        // back to its button.
        setTimeout(() => document.querySelector('.c-details .c-form-buttons .btn')?.focus(), 0);
      } catch (err) {
        error.say(err);
      }
    });
  });

  const room = h('section.card.c-section', { 'aria-labelledby': 'room-h' },
    h('h2', { id: 'room-h', i18n: 'details.room' }),
    h('p.small.muted', { i18n: 'details.roomHint' }),
    linkBox(m.join_url, { label: 'details.roomLink' }));

  return h('div.c-details', {},
    closed ? h('p.notice.c-closed-note', { i18n: 'details.closed' }) : null,
    h('section.card.c-section', { 't_aria-label': 'details.title' }, el),
    room,
    staffSection(ctx));
}

// Who prepares the meeting: its creator and those it was given to. Admins
// and the creator may give it to another staff member by email, or take it
// back (docs/protocol.md, "Giving a meeting to another staff member").
function staffSection(ctx) {
  const m = ctx.meeting;
  const may = ctx.user.role === 'admin' || m.created_by?.id === ctx.user.id;
  const list = h('ul.c-staff-list');
  const error = errorLine();
  const base = `/api/console/meetings/${encodeURIComponent(m.id)}/staff`;

  const render = (staff) => {
    clear(list).append(...(staff || []).map((s) => {
      const remove = may && !s.creator ? button('small-btn.danger', 'details.staffRemove', { 't_aria-label': ['details.staffRemoveLabel', { name: s.name }] }) : null;
      remove?.addEventListener('click', () => confirmDialog({
        title: 'details.staffRemoveTitle', titleArgs: { name: s.name },
        text: 'details.staffRemoveText', yes: 'details.staffRemove', busyKey: 'con.working',
        async onYes() {
          const res = await api('POST', `${base}/${encodeURIComponent(s.id)}/remove`);
          m.staff = res.staff;
          render(res.staff);
          toast('details.staffRemoved', { name: s.name });
          return null;
        },
      }));
      return h('li.c-staff', {},
        h('span.c-staff-text', {}, h('span.c-staff-name', {}, s.name), h('span.small.muted', {}, s.email)),
        s.creator ? h('span.c-badge', { i18n: 'details.creator' }) : null,
        remove);
    }));
    if (!staff?.length) list.append(h('li.muted', { i18n: 'details.staffNone' }));
  };
  render(m.staff);

  let give = null;
  if (may && m.state !== 'closed') {
    const email = input({ type: 'email', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' });
    const submit = button('', 'details.give', { type: 'submit' });
    give = h('form.c-inline-form', { novalidate: true }, field('details.giveEmail', email, { cls: 'c-grow', hint: 'details.giveHint' }), submit);
    give.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!email.value.trim()) { email.focus(); return; }
      error.say(null);
      busy(submit, 'con.working', async () => {
        try {
          const res = await api('POST', base, { email: email.value.trim() });
          m.staff = res.staff;
          render(res.staff);
          toast('details.given', { email: email.value.trim() });
          email.value = '';
        } catch (err) {
          error.say(err);
        }
      });
    });
  }
  return h('section.card.c-section', { 'aria-labelledby': 'staff-h' },
    h('h2', { id: 'staff-h', i18n: 'details.staff' }),
    h('p.small.muted', { i18n: 'details.staffHint' }),
    list, give, error);
}

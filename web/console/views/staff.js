// SPDX-License-Identifier: AGPL-3.0-or-later
// Staff accounts (/console/staff, administrators; docs/protocol.md, "Staff
// accounts (admin)"): who may sign in to the console, as an administrator
// (every meeting, and the accounts) or a secretary (their own meetings and
// those given to them). Add an account, change its name, email or role,
// set a new password, disable it (its sessions end at once) or enable it.
// Also, for everyone, the dialog of one's own account and password.
import { h, clear } from '../js/dom.js';
import { formatDay } from '../js/i18n.js';
import { api } from '../js/api.js';
import { field, input, select, errorLine, button, openDialog, confirmDialog, toast } from '../js/ui.js';

const ROLES = [['secretary', 'staff.role.secretary'], ['admin', 'staff.role.admin']];

function passwordInput(autocomplete = 'new-password') {
  return input({ type: 'password', minlength: 10, maxlength: 256, autocomplete });
}

const pwOk = (s) => new TextEncoder().encode(s).length >= 10 && new TextEncoder().encode(s).length <= 256;

export function mountStaff(main, { user }) {
  const tbody = h('tbody');
  const status = h('p.c-status', { role: 'status' });
  const error = errorLine();
  let users = [];

  const render = () => {
    clear(status);
    clear(tbody).append(...users.map((u) => {
      const me = u.id === user.id;
      const toggle = button(u.disabled ? 'small-btn' : 'small-btn.danger', u.disabled ? 'staff.enable' : 'staff.disable',
        { 't_aria-label': [u.disabled ? 'staff.enableLabel' : 'staff.disableLabel', { name: u.name }], disabled: me && !u.disabled });
      toggle.addEventListener('click', () => (u.disabled ? setDisabled(u, false) : confirmDialog({
        title: 'staff.disableTitle', titleArgs: { name: u.name }, text: 'staff.disableText',
        yes: 'staff.disable', busyKey: 'con.working',
        onYes: () => setDisabled(u, true),
      })));
      return h('tr', { dataset: { user: u.id }, class: u.disabled ? 'c-disabled-row' : null },
        h('th.c-person', { scope: 'row' }, h('span.c-person-name', {}, u.name),
          me ? h('span.c-badge', { i18n: 'staff.you' }) : null),
        h('td.c-email', {}, u.email),
        h('td', {}, h('span.c-role-chip', { dataset: { role: u.role }, i18n: `staff.role.${u.role}` })),
        h('td', {}, h('span', { dataset: { day: u.created } }, formatDay(u.created))),
        h('td', {}, h('span', { class: u.disabled ? 'c-badge' : 'c-badge c-badge-ok', i18n: u.disabled ? 'staff.disabled' : 'staff.active' })),
        h('td.c-actions', {}, h('div.c-row-actions', {},
          button('small-btn', 'staff.edit', { 't_aria-label': ['staff.editLabel', { name: u.name }], onclick: () => editDialog(u) }),
          button('small-btn', 'staff.setPassword', { 't_aria-label': ['staff.setPasswordLabel', { name: u.name }], onclick: () => passwordDialog(u) }),
          toggle)));
    }));
  };

  const load = async () => {
    clear(status).append(h('span.spinner', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'staff.loading' }));
    try {
      users = (await api('GET', '/api/staff/users')).users || [];
      render();
    } catch (err) {
      clear(status);
      error.say(err);
    }
  };

  const replace = (u) => {
    users = users.map((x) => (x.id === u.id ? u : x));
    render();
  };

  async function setDisabled(u, disabled) {
    try {
      const res = await api('POST', `/api/staff/users/${encodeURIComponent(u.id)}`, { disabled });
      replace(res.user);
      toast(disabled ? 'staff.disabledDone' : 'staff.enabledDone', { name: u.name });
      return null;
    } catch (err) {
      if (!disabled) error.say(err);
      throw err;
    }
  }

  function accountFields(u) {
    const f = {
      name: input({ value: u?.name || '', maxlength: 100, autocomplete: 'off' }),
      email: input({ type: 'email', value: u?.email || '', maxlength: 254, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' }),
      role: select(ROLES, u?.role || 'secretary'),
    };
    return f;
  }

  function addDialog() {
    const f = accountFields(null);
    const pw = passwordInput();
    openDialog({
      title: 'staff.addTitle',
      body: [field('staff.name', f.name, { required: true }), field('staff.email', f.email, { required: true }),
        field('staff.roleLabel', f.role, { hint: 'staff.roleHint' }),
        field('staff.password', pw, { required: true, hint: 'staff.passwordHint' })],
      action: 'staff.addYes', busyKey: 'con.saving', wide: true,
      async onAction() {
        if (!f.name.value.trim()) { f.name.focus(); return { key: 'why.personName' }; }
        if (!/^[^@\s]+@[^@\s]+$/.test(f.email.value.trim())) { f.email.focus(); return { key: 'why.email' }; }
        if (!pwOk(pw.value)) { pw.focus(); return { key: 'why.newPassword' }; }
        const res = await api('POST', '/api/staff/users', { name: f.name.value.trim(), email: f.email.value.trim(), role: f.role.value, password: pw.value });
        users = [...users, res.user].sort((a, b) => a.name.localeCompare(b.name));
        render();
        toast('staff.added', { name: res.user.name });
        return null;
      },
    });
  }

  function editDialog(u) {
    const f = accountFields(u);
    openDialog({
      title: 'staff.editTitle', titleArgs: { name: u.name },
      body: [field('staff.name', f.name, { required: true }), field('staff.email', f.email, { required: true }),
        field('staff.roleLabel', f.role, { hint: 'staff.roleHint' })],
      action: 'con.save', busyKey: 'con.saving', wide: true,
      async onAction() {
        const body = {};
        if (f.name.value.trim() !== u.name) body.name = f.name.value.trim();
        if (f.email.value.trim() !== u.email) body.email = f.email.value.trim();
        if (f.role.value !== u.role) body.role = f.role.value;
        if (!Object.keys(body).length) return null;
        const res = await api('POST', `/api/staff/users/${encodeURIComponent(u.id)}`, body);
        replace(res.user);
        toast('staff.saved', { name: res.user.name });
        return null;
      },
    });
  }

  function passwordDialog(u) {
    const pw = passwordInput();
    openDialog({
      title: 'staff.setPasswordTitle', titleArgs: { name: u.name },
      body: [h('p.small', { i18n: 'staff.setPasswordText' }), field('staff.newPassword', pw, { hint: 'staff.passwordHint' })],
      action: 'staff.setPassword', busyKey: 'con.saving',
      async onAction() {
        if (!pwOk(pw.value)) { pw.focus(); return { key: 'why.newPassword' }; }
        await api('POST', `/api/staff/users/${encodeURIComponent(u.id)}`, { password: pw.value });
        toast('staff.passwordSet', { name: u.name });
        return null;
      },
    });
  }

  const add = button('primary', 'staff.add', { onclick: addDialog });
  clear(main).append(h('div.c-page', {},
    h('div.c-head', {}, h('h1', { i18n: 'staff.title', tabindex: '-1' }), add),
    h('p.muted', { i18n: 'staff.lead' }),
    error, status,
    h('section.card.c-section', {},
      h('div.c-table-wrap', {},
        h('table.c-table.c-staff-table', {},
          h('caption.c-sr', { i18n: 'staff.title' }),
          h('thead', {}, h('tr', {},
            ...['staff.name', 'staff.email', 'staff.roleLabel', 'staff.created', 'staff.state'].map((k) => h('th', { scope: 'col', i18n: k })),
            h('th', { scope: 'col' }, h('span.c-sr', { i18n: 'roster.actions' })))),
          tbody)))));
  load();
  return {};
}

// One's own account: who, until when the session lasts, and a new password
// (every other session of the account ends).
export function accountDialog(me) {
  const current = passwordInput('current-password');
  const next = passwordInput();
  const again = passwordInput();
  openDialog({
    title: 'account.title',
    body: [
      h('dl.c-facts', {},
        h('div', {}, h('dt', { i18n: 'staff.name' }), h('dd', {}, me.user.name)),
        h('div', {}, h('dt', { i18n: 'staff.email' }), h('dd', {}, me.user.email)),
        h('div', {}, h('dt', { i18n: 'staff.roleLabel' }), h('dd', { i18n: `staff.role.${me.user.role}` }))),
      h('h3', { i18n: 'account.passwordTitle' }),
      field('account.current', current),
      field('staff.newPassword', next, { hint: 'staff.passwordHint' }),
      field('account.again', again),
    ],
    action: 'account.change', busyKey: 'con.saving', wide: true,
    async onAction() {
      if (!current.value) { current.focus(); return { key: 'account.needCurrent' }; }
      if (!pwOk(next.value)) { next.focus(); return { key: 'why.newPassword' }; }
      if (next.value !== again.value) { again.focus(); return { key: 'account.mismatch' }; }
      await api('POST', '/api/staff/password', { current: current.value, new: next.value });
      toast('account.changed');
      return null;
    },
  });
}

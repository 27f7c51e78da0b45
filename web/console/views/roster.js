// SPDX-License-Identifier: AGPL-3.0-or-later
// The roster (danh sách đại biểu): everyone invited, with their title,
// organisation, role and email; add, edit and remove; each person's
// personal link shown, copied or re-issued; and the import of a list from
// a spreadsheet saved as CSV (docs/protocol.md, "Roster").
//
// The import is two steps and the first writes nothing: the file goes to
// the server's preview, which answers with each row it would add and each
// row it refuses (its line in the file and why); the page shows both, and
// only "Add these N people" imports exactly those rows (the preview's id,
// kept by the server for 30 minutes). A preview that has expired, or a
// roster changed meanwhile, is said so and can be made again from the same
// file without picking it again.
//
// Re-issuing a link ends the old one at once (and the sessions opened with
// it); the dialog says so before, and shows the new link with a Copy
// button after. The room display is on the roster too, but only its link
// can be re-issued.
import { h, clear } from '../js/dom.js';
import { plural, tx } from '../js/i18n.js';
import { api, postFile } from '../js/api.js';
import {
  field, input, select, errorLine, busy, button, openDialog, confirmDialog, toast, linkBox, progressBar,
} from '../js/ui.js';
import { say } from '../js/reasons.js';

const ROLES = [['member', 'role.member'], ['chair', 'role.chair'], ['secretary', 'role.secretary'], ['guest', 'role.guest']];

export function rosterTab(ctx) {
  const m = ctx.meeting;
  const closed = m.state === 'closed';
  const base = `/api/console/meetings/${encodeURIComponent(m.id)}`;
  const tableBody = h('tbody');
  const count = h('p.c-roster-count.small.muted', { role: 'status' });
  const importArea = h('div.c-import');
  const error = errorLine();

  // ---- the table ----

  function render() {
    const people = ctx.meeting.participants || [];
    const n = people.filter((p) => p.role !== 'display').length;
    clear(count).append(h('span', { i18n: plural('roster.count', n), args: { n } }));
    clear(tableBody).append(...people.map(row));
  }

  function row(p) {
    const display = p.role === 'display';
    const actions = h('div.c-row-actions');
    if (!closed && !display) {
      actions.append(button('small-btn', 'roster.edit', { 't_aria-label': ['roster.editLabel', { name: p.name }], onclick: () => editDialog(p) }));
    }
    actions.append(button('small-btn', 'roster.link', { 't_aria-label': ['roster.linkOf', { name: p.name }], onclick: () => linkDialog(p) }));
    if (!closed && !display) {
      actions.append(button('small-btn.danger', 'roster.remove', { 't_aria-label': ['roster.removeLabel', { name: p.name }], onclick: () => removeDialog(p) }));
    }
    const att = p.checked_in ? h('span.c-badge.c-badge-ok', { i18n: 'roster.present' })
      : p.absent ? h('span.c-badge', { i18n: 'roster.absent' }) : null;
    return h('tr', { dataset: { participant: p.id, role: p.role } },
      h('th.c-person', { scope: 'row' },
        h('span.c-person-name', {}, display ? h('span', { i18n: 'role.display' }) : p.name), att,
        p.title || p.org ? h('span.c-person-sub.small.muted', {}, [p.title, p.org].filter(Boolean).join(' · ')) : null,
        p.email ? h('span.c-person-email.small', { 'aria-hidden': 'true' }, p.email) : null),
      h('td.c-role', {}, h('span.c-role-chip', { dataset: { role: p.role }, i18n: `role.${p.role}` })),
      h('td.c-email.c-email-col', {}, p.email ? h('span', {}, p.email) : h('span.muted', { 'aria-hidden': 'true' }, '—')),
      h('td.c-actions', {}, actions));
  }

  // ---- add, edit, remove ----

  function personFields(p) {
    const f = {
      name: input({ value: p?.name || '', maxlength: 100, required: true, autocomplete: 'off' }),
      title: input({ value: p?.title || '', maxlength: 300, autocomplete: 'off' }),
      org: input({ value: p?.org || '', maxlength: 300, autocomplete: 'off' }),
      role: select(ROLES, p?.role || 'member'),
      email: input({ type: 'email', value: p?.email || '', maxlength: 254, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none' }),
    };
    const body = [
      field('roster.name', f.name, { required: true }),
      h('div.c-row', {}, field('roster.title', f.title, { cls: 'c-grow' }), field('roster.org', f.org, { cls: 'c-grow' })),
      h('div.c-row', {}, field('roster.role', f.role), field('roster.email', f.email, { cls: 'c-grow' })),
    ];
    const values = () => ({ name: f.name.value.trim(), title: f.title.value.trim(), org: f.org.value.trim(), role: f.role.value, email: f.email.value.trim() });
    const check = () => {
      if (!f.name.value.trim()) { f.name.focus(); return { key: 'why.personName' }; }
      const e = f.email.value.trim();
      if (e && !/^[^@\s]+@[^@\s]+$/.test(e)) { f.email.focus(); return { key: 'why.email' }; }
      return null;
    };
    return { body, values, check };
  }

  function addDialog() {
    const f = personFields(null);
    openDialog({
      title: 'roster.addTitle', body: f.body, action: 'roster.addYes', busyKey: 'con.saving', wide: true,
      async onAction() {
        const bad = f.check();
        if (bad) return bad;
        const v = f.values();
        if (!v.email) delete v.email;
        const res = await api('POST', `${base}/participants`, v);
        await ctx.fetch();
        render();
        toast('roster.added', { name: res.participant.name });
        return null;
      },
    });
  }

  function editDialog(p) {
    const f = personFields(p);
    openDialog({
      title: 'roster.editTitle', titleArgs: { name: p.name }, body: f.body, action: 'con.save', busyKey: 'con.saving', wide: true,
      async onAction() {
        const bad = f.check();
        if (bad) return bad;
        const v = f.values();
        const changed = {};
        for (const k of Object.keys(v)) if ((p[k] || '') !== v[k]) changed[k] = v[k];
        if (!Object.keys(changed).length) return null;
        await api('POST', `${base}/participants/${encodeURIComponent(p.id)}`, changed);
        await ctx.fetch();
        render();
        toast('roster.saved', { name: v.name });
        return null;
      },
    });
  }

  function removeDialog(p) {
    confirmDialog({
      title: 'roster.removeTitle', titleArgs: { name: p.name }, text: 'roster.removeText',
      yes: 'roster.remove', busyKey: 'con.working',
      async onYes() {
        await api('POST', `${base}/participants/${encodeURIComponent(p.id)}/remove`);
        await ctx.fetch();
        render();
        toast('roster.removed', { name: p.name });
        return null;
      },
    });
  }

  // ---- personal links ----

  // Shows the current link (when the server can show it), and re-issues it.
  function linkDialog(p) {
    const who = p.role === 'display' ? { key: 'role.display' } : p.name;
    const area = h('div.c-link-area', {}, h('p.c-status', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'roster.linkLoading' })));
    const reissue = button('danger', 'roster.reissue');
    const explain = h('p.small.muted', { i18n: 'roster.reissueText' });
    const dlg = openDialog({ title: 'roster.linkTitle', titleArgs: { name: who }, body: [area, explain, h('div.c-dialog-extra', {}, reissue)], wide: true });

    const show = (link, fresh) => {
      clear(area).append(
        fresh ? h('p.notice.c-new-link', { role: 'status', i18n: 'roster.reissued' }) : null,
        linkBox(link, { label: fresh ? 'roster.newLink' : 'roster.linkLabel' }),
        h('p.small.muted', { i18n: 'roster.linkHint' }));
      area.querySelector('.c-copy')?.focus();
    };
    const path = `${base}/participants/${encodeURIComponent(p.id)}/link`;
    (async () => {
      try {
        const res = await api('GET', path);
        show(res.link, false);
      } catch (err) {
        if (err.status === 409) clear(area).append(h('p.notice', { i18n: 'roster.cliLink' }));
        else { clear(area); dlg.error.say(err); }
      }
    })();

    let armed = false;
    reissue.addEventListener('click', () => {
      // Asked once more inside the dialog: the old link stops at once.
      if (!armed) {
        armed = true;
        explain.classList.remove('muted');
        explain.classList.add('c-warn-text');
        tx(reissue.querySelector('.c-btn-label'), 'roster.reissueYes');
        return;
      }
      busy(reissue, 'con.working', async () => {
        dlg.error.say(null);
        try {
          const res = await api('POST', path);
          show(res.link, true);
          reissue.remove();
          explain.remove();
        } catch (err) {
          dlg.error.say(err);
        }
      });
    });
    if (closed) { reissue.remove(); explain.remove(); }
  }

  // ---- the CSV import ----

  const fileInput = h('input', { type: 'file', accept: '.csv,text/csv', hidden: true, class: 'c-csv-file' });
  fileInput.addEventListener('change', () => {
    const f = fileInput.files?.[0];
    fileInput.value = '';
    if (f) preview(f);
  });

  async function preview(file) {
    const bar = progressBar();
    bar.set(null);
    clear(importArea).append(h('div.card.c-preview', { role: 'status' },
      h('p', {}, h('span.spinner', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'csv.reading', args: { name: file.name } })), bar));
    importArea.scrollIntoView({ block: 'nearest' });
    try {
      const res = await postFile(`${base}/roster/preview`, file);
      showPreview(res, file);
    } catch (err) {
      const e = errorLine();
      clear(importArea).append(h('div.card.c-preview.error-card', {},
        h('h3', { i18n: 'csv.failedTitle', args: { name: file.name } }), e,
        h('p.small.muted', { i18n: 'csv.format' }),
        h('div.c-form-buttons', {}, button('', 'csv.pickAnother', { onclick: () => fileInput.click() }), button('', 'con.close', { onclick: () => clear(importArea) }))));
      e.say(err);
    }
  }

  function showPreview(res, file) {
    const rows = res.rows || [];
    const refused = res.refused || [];
    const e = errorLine();
    const yes = button('primary.c-import-yes', plural('csv.yes', rows.length), { disabled: !rows.length }, { n: rows.length });
    const cancel = button('', 'csv.cancel');
    cancel.addEventListener('click', () => { clear(importArea); toast('csv.cancelled', null, { kind: 'info' }); });
    yes.addEventListener('click', () => busy(yes, 'csv.importing', async () => {
      e.say(null);
      try {
        const done = await api('POST', `${base}/roster/import`, { preview: res.preview });
        clear(importArea);
        await ctx.fetch();
        render();
        toast(plural('csv.done', done.added), { n: done.added });
      } catch (err) {
        e.say(err);
        if ((err.status === 404 || err.status === 409) && !e.nextElementSibling?.classList.contains('c-again')) {
          e.after(button('c-again', 'csv.again', { onclick: () => preview(file) }));
        }
      }
    }));

    const accepted = h('table.c-table.c-preview-rows', {},
      h('caption', { i18n: plural('csv.acceptedCaption', rows.length), args: { n: rows.length } }),
      h('thead', {}, h('tr', {}, ...['csv.line', 'roster.name', 'roster.title', 'roster.org', 'roster.role', 'roster.email'].map((k) => h('th', { scope: 'col', i18n: k })))),
      h('tbody', {}, rows.map((r) => h('tr', { dataset: { line: r.line } },
        h('td.c-line', {}, String(r.line)), h('td', {}, r.name), h('td', {}, r.title || ''), h('td', {}, r.org || ''),
        h('td', {}, h('span.c-role-chip', { dataset: { role: r.role }, i18n: `role.${r.role}` })), h('td.c-email', {}, r.email || '')))));
    const refusedTable = refused.length ? h('table.c-table.c-refused-rows', {},
      h('caption', { i18n: plural('csv.refusedCaption', refused.length), args: { n: refused.length } }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', i18n: 'csv.line' }), h('th', { scope: 'col', i18n: 'csv.reason' }))),
      h('tbody', {}, refused.map((r) => h('tr', { dataset: { line: r.line } },
        h('td.c-line', {}, String(r.line)), h('td.c-reason', { i18n: 'error.said', args: { message: say(r.reason) } }))))) : null;

    clear(importArea).append(h('section.card.c-preview', { 'aria-labelledby': 'preview-h' },
      h('h3', { id: 'preview-h', i18n: 'csv.previewTitle', args: { name: file.name } }),
      h('p.notice', { i18n: 'csv.nothingYet' }),
      h('p.c-preview-summary', {},
        h('strong', { i18n: plural('csv.willAdd', rows.length), args: { n: rows.length } }), ' ',
        refused.length ? h('span.c-warn', { i18n: plural('csv.willRefuse', refused.length), args: { n: refused.length } }) : null),
      res.ignored?.length ? h('p.small.muted', { i18n: 'csv.ignored', args: { cols: res.ignored.join(', ') } }) : null,
      refusedTable ? h('div.c-table-wrap', {}, refusedTable) : null,
      rows.length ? h('div.c-table-wrap', {}, accepted) : null,
      e,
      h('div.c-form-buttons', {}, cancel, yes)));
    (rows.length ? yes : cancel).focus();
  }

  render();
  const pick = button('c-csv-btn', 'csv.pick');
  pick.addEventListener('click', () => fileInput.click());
  const add = button('primary', 'roster.add');
  add.addEventListener('click', addDialog);

  const el = h('section.card.c-section.c-roster', { 'aria-labelledby': 'roster-h' },
    h('div.c-section-head', {},
      h('div', {}, h('h2', { id: 'roster-h', i18n: 'roster.heading' }), count),
      closed ? null : h('div.c-head-actions', {}, add, pick, fileInput)),
    closed ? h('p.notice', { i18n: 'roster.closed' }) : h('p.small.muted', { i18n: 'csv.hint' }),
    importArea,
    error,
    h('div.c-table-wrap', {},
      h('table.c-table.c-roster-table', {},
        h('caption.c-sr', { i18n: 'roster.heading' }),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', i18n: 'roster.name' }),
          h('th', { scope: 'col', i18n: 'roster.role' }),
          h('th.c-email-col', { scope: 'col', i18n: 'roster.email' }),
          h('th', { scope: 'col' }, h('span.c-sr', { i18n: 'roster.actions' })))),
        tableBody)));
  el.view = { busy: () => importArea.childElementCount > 0, destroy() {} };
  return el;
}

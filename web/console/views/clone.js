// SPDX-License-Identifier: AGPL-3.0-or-later
// "Clone": a past (or any) meeting as the start of a new one — the same
// organisation, place, quorum rule, guests, Wi-Fi, agenda and roster, with
// new personal links; not its documents, votes, minutes or attendance
// (docs/protocol.md, …/clone). The dialog asks the new title and time.
import { h } from '../js/dom.js';
import { api } from '../js/api.js';
import { field, input, openDialog, toast, fromLocalInput } from '../js/ui.js';

export function cloneDialog(meeting, { go }) {
  const title = input({ value: meeting.title, maxlength: 300, required: true });
  const starts = input({ type: 'datetime-local' });
  const ends = input({ type: 'datetime-local' });
  openDialog({
    title: 'clone.title',
    titleArgs: { title: meeting.title },
    body: [
      h('p.small', { i18n: 'clone.text' }),
      field('form.title', title, { required: true }),
      h('div.c-row', {}, field('form.starts', starts, { cls: 'c-grow' }), field('form.ends', ends, { cls: 'c-grow' })),
    ],
    action: 'clone.yes',
    wide: true,
    busyKey: 'clone.busy',
    async onAction(dlg) {
      if (!title.value.trim()) { title.focus(); return { key: 'why.title' }; }
      const body = { title: title.value.trim() };
      if (starts.value) body.starts = fromLocalInput(starts.value);
      if (ends.value) body.ends = fromLocalInput(ends.value);
      const res = await api('POST', `/api/console/meetings/${encodeURIComponent(meeting.id)}/clone`, body);
      dlg.closeDialog();
      toast('clone.done', { title: res.meeting.title });
      go(`/console/m/${res.meeting.id}`);
      return null;
    },
  });
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// Attendance, for the chair and the secretary: the chair and the members
// with their state (present since 08:31, not arrived, absent and why) and
// whether their device is online; "Check in" for someone without a device
// and "Mark absent…", which asks the reason in an in-page dialog; guests,
// the secretary and the room screens listed apart, since they do not count
// towards the quorum (docs/protocol.md, attendance.checkin and .absent).
//
// The list is drawn again from the meeting state on every change; the
// button that had the keyboard focus gets it back. A join over HTTP has no
// event of its own, so when a quorum notice disagrees with the list, or a
// guest is added, the list is asked for again (MeetingClient.refreshAttendance).
import { h, clear } from './dom.js';
import { tx, ta, t, formatTime } from './i18n.js';
import { roleLabel } from './views/common.js';
import { openDialog } from './dialog.js';
import { isClosed, refusal } from './lifecycle.js';

const VOTERS = new Set(['chair', 'member']);
const REASON_MAX = 300;
// Quick reasons under the field: the usual ones, in the reader's language.
const QUICK = ['att.r.trip', 'att.r.sick', 'att.r.leave', 'att.r.busy'];

export class AttendancePanel {
  constructor(client, { canEdit = true } = {}) {
    this.client = client;
    this.canEdit = canEdit;
    this.busy = new Set(); // participants with a request under way
    this.count = h('span.muted.small.att-count');
    this.voters = h('ul.people.att-list');
    this.guests = h('ul.people.att-list');
    this.others = h('ul.people.att-list');
    this.guestHead = h('h3.att-sub', { i18n: 'att.guests' });
    this.otherHead = h('h3.att-sub', { i18n: 'att.others' });
    this.error = h('p.form-error.att-error', { role: 'alert', hidden: true });
    this.el = h('section.attendance', { 't_aria-label': 'att.title' },
      h('h2', {}, h('span', { i18n: 'att.title' }), ' ', this.count),
      this.error,
      h('h3.att-sub', { i18n: 'att.members' }), this.voters,
      this.guestHead, this.guests,
      this.otherHead, this.others);
    this.render();
  }

  update(change) {
    const type = change.kind === 'state' ? 'state' : change.msg.type;
    if (type === 'quorum.changed') {
      // A join over HTTP: the counts moved, our list does not know who.
      const here = this.client.state.participants.filter((p) => VOTERS.has(p.role) && p.checked_in).length;
      if (here !== change.msg.present) this.client.refreshAttendance();
    }
    if (type === 'participant.added') this.client.refreshAttendance();
    if (type === 'state' || type === 'presence' || type === 'participant.added' || type === 'attendance.changed' ||
        type === 'attendance.refreshed' || type === 'quorum.changed' || type.startsWith('meeting.')) this.render();
  }

  render() {
    const s = this.client.state;
    const focusKey = this.el.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const byName = (a, b) => (a.role === 'chair' ? -1 : b.role === 'chair' ? 1 : 0) || a.name.localeCompare(b.name, 'vi');
    const voters = s.participants.filter((p) => VOTERS.has(p.role)).sort(byName);
    const guests = s.participants.filter((p) => p.role === 'guest').sort(byName);
    const others = s.participants.filter((p) => p.role === 'secretary' || p.role === 'display').sort((a, b) =>
      (a.role === b.role ? 0 : a.role === 'secretary' ? -1 : 1) || a.name.localeCompare(b.name, 'vi'));
    const q = s.quorum;
    tx(this.count, 'att.count', { present: q ? q.present : voters.filter((p) => p.checked_in).length, members: q ? q.members : voters.length });

    clear(this.voters);
    if (!voters.length) this.voters.append(h('li.muted.small', { i18n: 'chair.noParticipants' }));
    for (const p of voters) this.voters.append(this.row(p, true));
    clear(this.guests);
    for (const p of guests) this.guests.append(this.row(p, false));
    this.guestHead.hidden = this.guests.hidden = !guests.length;
    clear(this.others);
    for (const p of others) this.others.append(this.row(p, false));
    this.otherHead.hidden = this.others.hidden = !others.length;
    if (focusKey) {
      // The button pressed may be gone ("Check in" once present): the row's other one.
      const [, who] = focusKey.split('-');
      (this.el.querySelector(`[data-key="${focusKey}"]`) ||
        this.el.querySelector(`.att-person[data-participant="${who}"] button`))?.focus();
    }
  }

  // One person: online dot, name, title and role, their state, actions.
  row(p, voter) {
    const dot = h('span.dot', { class: p.online ? 'on' : 'off', role: 'img', 't_aria-label': p.online ? 'chair.online' : 'chair.offline' });
    const state = p.absent !== null && p.absent !== undefined ? 'absent' : p.checked_in ? 'present' : 'away';
    const stateEl = h('span.att-state.small', { dataset: { state } }, h('span.att-icon', { 'aria-hidden': 'true' }));
    if (state === 'absent') stateEl.append(h('span', { i18n: 'att.absent', args: { reason: p.absent || '—' } }));
    else if (state === 'present') stateEl.append(h('span', { i18n: 'att.presentSince', args: { time: formatTime(p.checked_in) } }));
    else stateEl.append(h('span', { i18n: 'att.notArrived' }));
    const showState = voter || p.role === 'guest';
    const li = h('li.person.att-person', { class: p.online ? 'online' : 'offline', dataset: { participant: p.id, state: showState ? state : '' } },
      dot,
      h('span.person-text', {},
        h('span.person-name', {}, p.name),
        h('span.person-sub.muted.small', {}, p.title ? `${p.title} · ` : '', roleLabel(p.role)),
        showState ? stateEl : null));
    if (voter && this.canEdit && !isClosed(this.client.state)) {
      const busy = this.busy.has(p.id);
      const actions = h('span.att-actions');
      if (state !== 'present') {
        const b = h('button.btn.small-btn.att-checkin', { type: 'button', disabled: busy, i18n: 'att.checkin', dataset: { key: `in-${p.id}` } });
        ta(b, 'aria-label', 'att.checkinLabel', { name: p.name });
        b.addEventListener('click', () => this.checkin(p));
        actions.append(b);
      }
      // For someone present it is the rarer action: drawn quieter.
      const a = h('button.btn.small-btn.att-absent', { type: 'button', disabled: busy, class: state === 'present' ? 'quiet' : null, i18n: state === 'absent' ? 'att.changeReason' : 'att.markAbsent', dataset: { key: `out-${p.id}` } });
      ta(a, 'aria-label', state === 'absent' ? 'att.changeReasonLabel' : 'att.absentLabel', { name: p.name });
      a.addEventListener('click', () => this.askAbsent(p));
      actions.append(a);
      li.querySelector('.person-text').append(actions);
    }
    return li;
  }

  async send(p, type, payload) {
    this.busy.add(p.id);
    this.error.hidden = true;
    this.render();
    let said = null;
    try {
      await this.client.request(type, { participant: p.id, ...payload });
    } catch (err) {
      said = refusal(err, 'att.refused');
    }
    this.busy.delete(p.id);
    this.render();
    return said;
  }

  async checkin(p) {
    if (this.busy.has(p.id)) return;
    const said = await this.send(p, 'attendance.checkin', {});
    if (said) {
      tx(this.error, said.key, said.args);
      this.error.hidden = false;
    }
  }

  askAbsent(p) {
    const input = h('input.text.att-reason', { type: 'text', id: 'att-reason', maxlength: String(REASON_MAX), autocomplete: 'off', required: true });
    if (p.absent) input.value = p.absent;
    const quick = h('div.att-quick', { role: 'group', 't_aria-label': 'att.quick' },
      QUICK.map((k) => {
        const b = h('button.btn.small-btn.att-chip', { type: 'button', i18n: k });
        b.addEventListener('click', () => { input.value = t(k); input.focus(); });
        return b;
      }));
    openDialog({
      title: 'att.absentTitle',
      titleArgs: { name: p.name },
      body: [h('label.dialog-label', { for: 'att-reason', i18n: 'att.reason' }), input, quick,
        h('p.muted.small.dialog-hint', { i18n: 'att.reasonHint' })],
      action: 'att.absentYes',
      busy: 'att.saving',
      onAction: async () => {
        const reason = input.value.trim();
        if (!reason || reason.length > REASON_MAX) { input.focus(); return { key: 'att.reasonEmpty' }; }
        return this.send(p, 'attendance.absent', { reason });
      },
    }).classList.add('absent-dialog');
  }
}

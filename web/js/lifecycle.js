// SPDX-License-Identifier: AGPL-3.0-or-later
// The strip under the chair's and the secretary's top bar: the meeting's
// state (Draft, Live, Closed), the quorum line ("Present 14 of 20 —
// quorum"), and for the chair "Open meeting" / "Close meeting"; under it,
// once the meeting is closed, a calm banner saying what still works
// (docs/protocol.md, The meeting's lifecycle and attendance).
//
// The quorum comes from hello's `quorum` and the `quorum.changed` notices;
// a notice with `crossed` also shows a toast (reached, or lost). Closing
// asks first, in an in-page dialog, and a refusal (a vote still open,
// someone holding the floor) is shown there in the server's words.
import { h } from './dom.js';
import { tx, ta, formatTime, currentLang } from './i18n.js';
import { reason } from './reasons.js';
import { openDialog } from './dialog.js';
import { toast } from './toast.js';

const STATES = ['draft', 'live', 'closed'];

export function meetingState(state) {
  const s = state?.meeting?.state;
  return STATES.includes(s) ? s : 'live'; // an older server has no lifecycle
}

export function isClosed(state) {
  return meetingState(state) === 'closed';
}

// A request's refusal as {key, args}: the server's sentence inside ours,
// or ours alone when the link is down.
export function refusal(err, key) {
  if (!err.code) return { key: 'conn.offline' };
  return { key, args: { message: reason(err.message || err.code) } };
}

export class MeetingStrip {
  // chair: whether to show the open and close buttons.
  constructor(client, { chair = false, secretary = false } = {}) {
    this.client = client;
    this.chair = chair;
    this.secretary = secretary;
    this.busy = false;
    this.stateEl = h('span.state-chip', {}, h('span.state-icon', { 'aria-hidden': 'true' }), h('span.state-text'));
    this.quorumEl = h('span.quorum-line', {}, h('span.quorum-icon', { 'aria-hidden': 'true' }), h('span.quorum-text'));
    this.openBtn = h('button.btn.primary.small-btn.meeting-open-btn', { type: 'button', hidden: true, i18n: 'meeting.open' });
    this.closeBtn = h('button.btn.danger.small-btn.meeting-close-btn', { type: 'button', hidden: true, i18n: 'meeting.close' });
    this.error = h('p.form-error.strip-error', { role: 'alert', hidden: true });
    this.el = h('div.meeting-strip', { role: 'group', 't_aria-label': 'meeting.stripLabel' },
      this.stateEl, this.quorumEl, chair ? h('span.strip-actions', {}, this.openBtn, this.closeBtn) : null);
    this.bannerText = h('span.closed-text');
    this.bannerMore = h('span.closed-more');
    // The chair files the minutes too: the PDF, in the screen's language
    // (the secretary has every format beside the minutes).
    const pdf = chair ? h('a.btn.small-btn.closed-pdf', { download: '', i18n: 'meeting.closedDownload' }) : null;
    pdf?.addEventListener('click', () => {
      pdf.href = `/api/meetings/${encodeURIComponent(client.state.meeting.id)}/minutes.pdf?lang=${currentLang() === 'en' ? 'en' : 'vi'}`;
    });
    if (pdf) pdf.href = `/api/meetings/${encodeURIComponent(client.state.meeting.id)}/minutes.pdf`;
    this.banner = h('div.closed-banner', { role: 'status', hidden: true },
      h('span.closed-icon', { 'aria-hidden': 'true' }), h('span.closed-body', {}, this.bannerText, ' ', this.bannerMore), pdf);
    this.openBtn.addEventListener('click', () => this.open());
    this.closeBtn.addEventListener('click', () => this.confirmClose());
    this.render();
  }

  // Elements to put under the bar, in order.
  get parts() { return [this.el, this.error, this.banner]; }

  update(change) {
    const type = change.kind === 'state' ? 'state' : change.msg.type;
    if (type === 'quorum.changed' && change.msg.crossed) {
      const q = change.msg;
      if (q.reached) toast('quorum.toastReached', { present: q.present, members: q.members }, { kind: 'ok' });
      else toast('quorum.toastLost', { present: q.present, members: q.members, needed: q.needed }, { kind: 'warn' });
    }
    if (type === 'state' || type.startsWith('meeting.') || type === 'quorum.changed' ||
        type === 'attendance.changed' || type === 'attendance.refreshed') this.render();
  }

  render() {
    const s = this.client.state;
    const ms = meetingState(s);
    this.stateEl.dataset.state = ms;
    tx(this.stateEl.querySelector('.state-text'), `meeting.state.${ms}`);

    const q = s.quorum;
    this.quorumEl.hidden = !q;
    if (q) {
      this.quorumEl.dataset.reached = String(!!q.reached);
      const args = { present: q.present, members: q.members, needed: q.needed };
      tx(this.quorumEl.querySelector('.quorum-text'), q.reached ? 'quorum.reached' : 'quorum.notReached', args);
      ta(this.quorumEl, 'title', `quorum.rule.${['majority', 'two_thirds', 'all'].includes(q.rule) ? q.rule : 'majority'}`, { needed: q.needed });
    }

    this.openBtn.hidden = ms !== 'draft';
    // Closing a meeting that never opened is for the command line: one button at a time.
    this.closeBtn.hidden = ms !== 'live';
    this.openBtn.disabled = this.closeBtn.disabled = this.busy;

    this.banner.hidden = ms !== 'closed';
    if (ms === 'closed') {
      const at = s.meeting.closed_at;
      if (at) tx(this.bannerText, 'meeting.closedAt', { time: formatTime(at) });
      else tx(this.bannerText, 'meeting.closed');
      tx(this.bannerMore, this.secretary ? 'meeting.closedSecretary' : 'meeting.closedOthers');
      this.error.hidden = true;
    }
  }

  async open() {
    if (this.busy) return;
    this.busy = true;
    this.error.hidden = true;
    tx(this.openBtn, 'meeting.opening');
    this.render();
    try {
      await this.client.request('meeting.open', {});
    } catch (err) {
      const r = refusal(err, 'meeting.openRefused');
      tx(this.error, r.key, r.args);
      this.error.hidden = false;
    }
    this.busy = false;
    tx(this.openBtn, 'meeting.open');
    this.render();
  }

  confirmClose() {
    if (this.busy) return;
    openDialog({
      title: 'meeting.closeTitle',
      body: [h('p', { i18n: 'meeting.closeText' })],
      action: 'meeting.closeYes',
      actionClass: 'danger',
      busy: 'meeting.closing',
      focus: 'cancel',
      onAction: async () => {
        try {
          await this.client.request('meeting.close', {});
          return null;
        } catch (err) {
          return refusal(err, 'meeting.closeRefused');
        }
      },
    }).classList.add('close-dialog');
  }
}

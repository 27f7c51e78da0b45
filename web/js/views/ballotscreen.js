// SPDX-License-Identifier: AGPL-3.0-or-later
// The participant's side of a vote. A member (or the chair on a reader)
// gets a full-screen ballot over the page as soon as a poll opens; others
// (guest, secretary) a progress card. After closing, the result, with a
// button back to the document.
import { h, clear } from '../dom.js';
import { openPoll, lastPoll, progressLine, progressBar, resultChart, ballot } from '../polls.js';

const VOTERS = new Set(['member', 'chair']);

export class BallotScreen {
  constructor(client) {
    this.client = client;
    this.el = h('div.ballot-screen', { hidden: true, role: 'dialog', 'aria-modal': 'true', tabindex: '-1' });
    this.pill = h('button.btn.primary.ballot-pill', { type: 'button', hidden: true });
    this.pill.addEventListener('click', () => { this.hidden.delete(this.current?.poll); this.render(); });
    this.local = new Map();   // poll → {sending, done, error, option}
    this.hidden = new Set();  // polls the person put aside ("back to the document")
    this.current = null;
    this.render();
  }

  update(change) {
    const type = change.kind === 'state' ? 'state' : change.msg.type;
    if (type.startsWith('poll.') || type === 'state') this.render();
  }

  render() {
    const s = this.client.state;
    const role = this.client.you?.role;
    const p = openPoll(s) || lastPoll(s);
    this.current = p;
    // A result only pops up when its poll closed while we watched (or we
    // still had it on screen), not for every old poll at a fresh start.
    if (!p || (p.state === 'closed' && !this.local.has(p.poll))) {
      this.el.hidden = true;
      this.pill.hidden = true;
      return;
    }
    const local = this.local.get(p.poll) || {};
    this.local.set(p.poll, local);
    const voter = VOTERS.has(role);
    const aside = this.hidden.has(p.poll);
    this.el.hidden = aside;
    this.pill.hidden = !aside || p.state !== 'open' || (!!(local.done || p.voted) || !voter);
    clear(this.pill).append(h('span', { i18n: 'poll.voteNow' }));
    document.body.classList.toggle('ballot-open', !aside);
    if (aside) return;

    const back = h('button.btn.ballot-back', { type: 'button', i18n: p.state === 'open' && voter && !(local.done || p.voted) ? 'poll.seeDocument' : 'poll.backToDocument' });
    back.addEventListener('click', () => { this.hidden.add(p.poll); this.render(); });
    const head = h('div.ballot-head', {},
      h('p.ballot-kicker', {}, h('span', { i18n: p.state === 'open' ? 'poll.voteOpenTitle' : 'poll.closedTitle' })),
      h('h1.ballot-question', {}, p.question));
    const inner = h('div.ballot-inner', {}, head);
    if (p.state === 'open') {
      if (p.secret) inner.append(h('p.ballot-secret', { role: 'note' }, h('span.lock-icon', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'poll.secretNote' })));
      if (voter) inner.append(ballot(this.client, p, local, { onChange: () => this.render() }));
      else inner.append(h('p.muted', { i18n: 'poll.notVoter' }));
      inner.append(progressLine(p), progressBar(p));
    } else {
      inner.append(resultChart(p));
    }
    inner.append(back);
    const focused = this.el.contains(document.activeElement);
    clear(this.el).append(inner);
    this.el.classList.toggle('closed', p.state !== 'open');
    // Focus the dialog itself, not an option: a ring round "For" would look
    // like a choice already made.
    if (!focused) this.el.focus({ preventScroll: true });
  }
}

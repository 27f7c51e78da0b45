// SPDX-License-Identifier: AGPL-3.0-or-later
// The secretary's view of a vote, read-only, as the projector shows it: the
// open poll's question and "31 of 40 have voted" with its bar, then the
// result chart once the chair closes it, until the next poll opens or the
// secretary hides it. The minutes record every poll by themselves; this is
// so that the secretary can follow along.
import { h, clear } from '../dom.js';
import { openPoll, lastPoll, progressLine, progressBar, resultChart } from '../polls.js';

export class PollWatch {
  constructor(client) {
    this.client = client;
    this.hidden = new Set(); // closed polls whose result the secretary put away
    this.el = h('section.poll-watch', { hidden: true, 't_aria-label': 'poll.vote' });
    this.render();
  }

  update(change) {
    const type = change.kind === 'state' ? 'state' : change.msg.type;
    if (type.startsWith('poll.') || type === 'state') this.render();
  }

  render() {
    const s = this.client.state;
    const p = openPoll(s) || lastPoll(s);
    if (!p || (p.state !== 'open' && this.hidden.has(p.poll))) { this.el.hidden = true; clear(this.el); return; }
    this.el.hidden = false;
    this.el.dataset.state = p.state;
    const open = p.state === 'open';
    const head = h('div.poll-watch-head', {},
      h('p.poll-status', {}, open ? h('span.live-dot', { 'aria-hidden': 'true' }) : null,
        h('span', { i18n: open ? 'poll.voteOpenTitle' : 'poll.closedTitle' }), ' · ',
        h('span', { i18n: p.secret ? 'poll.secret' : 'poll.named' })));
    if (!open) {
      const hide = h('button.btn.small-btn.poll-watch-hide', { type: 'button', i18n: 'poll.hideResult' });
      hide.addEventListener('click', () => { this.hidden.add(p.poll); this.render(); });
      head.append(hide);
    }
    clear(this.el).append(head, h('p.poll-question', {}, p.question),
      ...(open ? [progressLine(p, 'p.poll-progress.big'), progressBar(p)] : [resultChart(p)]));
  }
}

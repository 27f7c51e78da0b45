// SPDX-License-Identifier: AGPL-3.0-or-later
// The chair's vote panel: a new poll (question, for/against/abstain, named
// or secret, majority rule), then its live progress with who has not voted
// (named polls), the chair's own ballot, and after closing the result.
// In a closed meeting only the last result stays: no new vote.
import { h, clear } from '../dom.js';
import { tx } from '../i18n.js';
import { PRESETS, RULES, openPoll, lastPoll, optionLabel, progressLine, progressBar, resultChart, ballot } from '../polls.js';

const MISSING_EVERY = 1000; // ms between two poll.missing requests at most

export class PollPanel {
  constructor(client) {
    this.client = client;
    this.button = h('button.btn.bar-btn.vote-btn', { type: 'button', 'aria-expanded': 'false' },
      h('span.icon-vote', { 'aria-hidden': 'true' }), h('span.label', { i18n: 'poll.vote' }));
    this.body = h('div.poll-panel-body');
    const closeBtn = h('button.btn.bar-btn', { type: 'button' }, h('span', { 'aria-hidden': 'true' }, '✕'), h('span.label', { i18n: 'view.close' }));
    this.el = h('aside.poll-panel', { hidden: true, role: 'dialog', 't_aria-label': 'poll.vote' },
      h('div.poll-panel-head', {}, h('h2', { i18n: 'poll.vote' }), closeBtn), this.body);
    this.button.addEventListener('click', () => (this.el.hidden ? this.show() : this.hide()));
    closeBtn.addEventListener('click', () => this.hide());
    this.form = { question: '', secret: false, rule: 'cast' };
    this.composing = false; // the form of a new poll, even though an older one is shown
    this.busy = false;
    this.error = null;
    this.missing = null; // {poll, list}
    this.missingTimer = null;
    this.missingAt = 0;
    this.ballots = new Map(); // poll → the chair's own ballot state
    this.render();
  }

  show() {
    this.el.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.render();
    this.el.querySelector('textarea, button.primary')?.focus();
  }

  hide() {
    this.el.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
  }

  destroy() { clearTimeout(this.missingTimer); }

  // Called on every state change, event and notice.
  update(change) {
    const type = change.kind === 'state' ? 'state' : change.msg.type;
    if (type === 'poll.opened' || type === 'state') { this.composing = false; this.missing = null; }
    if (type === 'poll.opened' && this.el.hidden) this.show();
    if (type === 'poll.progress' || type === 'poll.opened' || type === 'state') this.askMissing();
    if (type.startsWith('poll.') || type.startsWith('meeting.') || type === 'state') this.render();
  }

  // Who has not voted, for a named poll: asked again as ballots come in,
  // at most once a second.
  askMissing() {
    const p = openPoll(this.client.state);
    if (!p || p.secret) return;
    const wait = this.missingAt + MISSING_EVERY - Date.now();
    if (wait > 0) {
      if (!this.missingTimer) this.missingTimer = setTimeout(() => { this.missingTimer = null; this.askMissing(); }, wait);
      return;
    }
    this.missingAt = Date.now();
    this.client.request('poll.missing', { poll: p.poll }).then((res) => {
      this.missing = { poll: p.poll, list: res.missing || [] };
      this.render();
    }).catch(() => { /* offline: the next progress asks again */ });
  }

  render() {
    const s = this.client.state;
    const open = openPoll(s);
    const last = lastPoll(s);
    // The bar's button says a vote is going on, with its progress.
    const label = this.button.querySelector('.label');
    if (open) tx(label, 'poll.voteOpen', { cast: open.cast ?? 0, eligible: open.eligible ?? 0 });
    else tx(label, 'poll.vote');
    this.button.classList.toggle('live', !!open);
    if (this.el.hidden && !open) { clear(this.body); return; }
    clear(this.body);
    const ended = s.meeting.state === 'closed';
    if (open) this.renderOpen(open);
    else if (last && (!this.composing || ended)) this.renderClosed(last, ended);
    else if (ended) this.body.append(h('p.notice', { i18n: 'poll.meetingClosed' }));
    else this.renderForm();
  }

  renderForm() {
    const f = this.form;
    const q = h('textarea.text.poll-question-input', { id: 'poll-question', rows: 3, maxlength: 500, required: true });
    q.value = f.question;
    q.addEventListener('input', () => { f.question = q.value; openBtn.disabled = !q.value.trim() || this.busy; });
    const kind = h('fieldset.poll-field', {}, h('legend', { i18n: 'poll.kind' }),
      ...[false, true].map((secret) => {
        const r = h('input', { type: 'radio', name: 'poll-kind', value: secret ? 'secret' : 'named', checked: f.secret === secret });
        r.addEventListener('change', () => { f.secret = secret; });
        return h('label.poll-choice', {}, r, h('span', {}, h('strong', { i18n: secret ? 'poll.secret' : 'poll.named' }),
          h('span.muted.small.poll-hint', { i18n: secret ? 'poll.secretHint' : 'poll.namedHint' })));
      }));
    const rule = h('fieldset.poll-field', {}, h('legend', { i18n: 'poll.ruleLabel' }),
      ...RULES.map((r) => {
        const input = h('input', { type: 'radio', name: 'poll-rule', value: r, checked: f.rule === r });
        input.addEventListener('change', () => { f.rule = r; });
        return h('label.poll-choice', {}, input, h('span', {}, h('strong', { i18n: `poll.rule.${r}` }),
          h('span.muted.small.poll-hint', { i18n: `poll.ruleHint.${r}` })));
      }));
    const openBtn = h('button.btn.primary.poll-open-btn', { type: 'submit', disabled: !f.question.trim() || this.busy, i18n: this.busy ? 'poll.opening' : 'poll.open' });
    const form = h('form.poll-form', {},
      h('label.poll-label', { for: 'poll-question', i18n: 'poll.question' }), q,
      h('div.poll-field', {}, h('p.poll-legend', { i18n: 'poll.options' }),
        h('div.poll-presets', {}, PRESETS.map((o) => optionLabel(o, 'span.poll-chip')))),
      kind, rule,
      this.error ? h('p.form-error', { role: 'alert', i18n: this.error.key, args: this.error.args }) : null,
      openBtn);
    form.addEventListener('submit', (e) => { e.preventDefault(); this.openPoll(); });
    this.body.append(form);
  }

  async openPoll() {
    const f = this.form;
    const question = f.question.trim();
    if (!question || this.busy) return;
    this.busy = true;
    this.error = null;
    this.render();
    try {
      await this.client.request('poll.open', { question, options: PRESETS, secret: f.secret, rule: f.rule });
      f.question = '';
      this.composing = false;
    } catch (err) {
      this.error = err.code ? { key: 'poll.error', args: { message: err.message } } : { key: 'conn.offline' };
    }
    this.busy = false;
    this.render();
  }

  renderOpen(p) {
    const local = this.ballots.get(p.poll) || {};
    this.ballots.set(p.poll, local);
    const closeBtn = h('button.btn.danger.poll-close-btn', { type: 'button', disabled: this.busy, i18n: 'poll.close' });
    closeBtn.addEventListener('click', () => this.closePoll(p));
    let missing = null;
    if (!p.secret) {
      const list = this.missing && this.missing.poll === p.poll ? this.missing.list : null;
      missing = h('div.poll-missing', {}, h('h3', { i18n: 'poll.missing' }),
        list === null ? h('p.muted.small', { i18n: 'poll.loading' })
          : list.length ? h('ul.poll-missing-list', {}, list.map((m) => h('li', {}, m.name)))
            : h('p.muted.small', { i18n: 'poll.allVoted' }));
    }
    this.body.append(h('div.poll-live', {},
      h('p.poll-status', {}, h('span.live-dot', { 'aria-hidden': 'true' }), h('span', { i18n: 'poll.inProgress' }),
        ' · ', h('span', { i18n: p.secret ? 'poll.secret' : 'poll.named' })),
      h('p.poll-question', {}, p.question),
      progressLine(p, 'p.poll-progress.big'), progressBar(p),
      missing,
      h('div.poll-own', {}, h('h3', { i18n: 'poll.yourVote' }),
        ballot(this.client, p, local, { big: false, onChange: () => this.render() })),
      this.error ? h('p.form-error', { role: 'alert', i18n: this.error.key, args: this.error.args }) : null,
      closeBtn));
  }

  async closePoll(p) {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.render();
    try {
      await this.client.request('poll.close', { poll: p.poll });
    } catch (err) {
      this.error = err.code ? { key: 'poll.error', args: { message: err.message } } : { key: 'conn.offline' };
    }
    this.busy = false;
    this.render();
  }

  renderClosed(p, ended = false) {
    const again = h('button.btn.primary.poll-new-btn', { type: 'button', i18n: 'poll.new' });
    again.addEventListener('click', () => { this.composing = true; this.error = null; this.render(); this.body.querySelector('textarea')?.focus(); });
    this.body.append(h('div.poll-closed', {},
      h('p.poll-status', { i18n: 'poll.closedTitle' }),
      h('p.poll-question', {}, p.question),
      resultChart(p), ended ? h('p.muted.small', { i18n: 'poll.meetingClosed' }) : again));
  }
}

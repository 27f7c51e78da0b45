// SPDX-License-Identifier: AGPL-3.0-or-later
// Pieces of the polls UI shared by the chair, the participant and the
// projector: option labels, the progress line, the result chart, and a
// member's ballot (docs/protocol.md, Polls).
import { h } from './dom.js';
import { tx } from './i18n.js';

export const PRESETS = ['for', 'against', 'abstain'];
export const RULES = ['cast', 'present', 'all', 'two_thirds'];

// The open poll, if any.
export function openPoll(state) {
  return (state.polls || []).find((p) => p.state === 'open') || null;
}

// The most recent poll (open or closed).
export function lastPoll(state) {
  const ps = state.polls || [];
  return ps.length ? ps[ps.length - 1] : null;
}

// The default options are sent as "for", "against", "abstain" and shown in
// the reader's language; options of the chair's own are shown as written.
export function optionLabel(o, spec = 'span') {
  const key = typeof o === 'string' && PRESETS.includes(o.toLowerCase()) ? `poll.opt.${o.toLowerCase()}` : null;
  return key ? h(spec, { i18n: key }) : h(spec, {}, String(o));
}

// Set through the CSSOM: the content security policy forbids style attributes.
function width(el, pct) {
  el.style.width = `${pct}%`;
  return el;
}

// "31 of 40 have voted".
export function progressLine(p, spec = 'p.poll-progress') {
  const el = h(spec, { role: 'status', 'aria-live': 'polite' });
  setProgress(el, p);
  return el;
}

export function setProgress(el, p) {
  tx(el, 'poll.progress', { cast: p.cast ?? 0, eligible: p.eligible ?? 0 });
}

export function progressBar(p) {
  const pct = p.eligible ? Math.round((100 * (p.cast || 0)) / p.eligible) : 0;
  return h('div.poll-meter', { 'aria-hidden': 'true' }, width(h('span'), pct));
}

// The result: passed/failed in large text, one horizontal bar per option
// with its count and share of the ballots, and for a named poll the names.
export function resultChart(p) {
  const counts = p.counts || [];
  const total = p.cast || counts.reduce((a, b) => a + b, 0);
  const passed = p.outcome === 'passed';
  const rows = (p.options || []).map((o, i) => {
    const n = counts[i] || 0;
    const pct = total ? Math.round((100 * n) / total) : 0;
    const names = p.names && p.names[i];
    return h('li.poll-row', { dataset: { option: String(i) } },
      h('div.poll-row-head', {}, optionLabel(o, 'span.poll-row-label'),
        h('span.poll-row-count', {}, h('strong', {}, String(n)), ` · ${pct}%`)),
      h('div.poll-bar', { 'aria-hidden': 'true' }, width(h('span', { class: `opt-${i}` }), total ? (100 * n) / total : 0)),
      names && names.length ? h('p.poll-names.small', {}, names.join(', ')) : null);
  });
  return h('div.poll-result', { dataset: { outcome: p.outcome || '' } },
    h('p.poll-outcome', { class: passed ? 'passed' : 'failed', i18n: passed ? 'poll.passed' : 'poll.failed' }),
    h('ul.poll-rows', {}, rows),
    h('p.poll-facts.small', {},
      h('span', { i18n: 'poll.castOf', args: { cast: total, eligible: p.eligible ?? 0, members: p.members ?? 0 } }),
      ' · ', h('span', { i18n: `poll.rule.${p.rule || 'cast'}` }),
      ' · ', h('span', { i18n: p.secret ? 'poll.secret' : 'poll.named' })));
}

// A ballot for one poll: big buttons per option, "Sending…" until the
// server's reply, "Your vote is recorded" only after its ok, an error with
// "Try again" otherwise. `local` keeps the state across re-renders:
// {sending, done, error, option}.
export function ballot(client, p, local, { onChange, big = true } = {}) {
  const box = h('div.ballot', { class: big ? 'ballot-big' : 'ballot-small', dataset: { poll: p.poll } });
  const recorded = local.done || p.voted;
  if (recorded) {
    box.append(h('p.ballot-recorded', { role: 'status' },
      h('span.ballot-check', { 'aria-hidden': 'true' }, '✓'), ' ', h('span', { i18n: 'poll.recorded' })));
    if (local.option !== undefined && local.option !== null && p.options[local.option] !== undefined) {
      box.append(h('p.ballot-choice.muted', {}, h('span', { i18n: 'poll.youChose' }), ' ', optionLabel(p.options[local.option], 'strong')));
    }
    return box;
  }
  const buttons = h('div.ballot-options');
  p.options.forEach((o, i) => {
    const b = h('button.btn.ballot-btn', { type: 'button', class: `opt-${i}`, disabled: !!local.sending, dataset: { option: String(i) } },
      optionLabel(o));
    if (local.sending && local.option === i) b.classList.add('chosen');
    b.addEventListener('click', () => cast(i));
    buttons.append(b);
  });
  box.append(buttons);
  if (local.sending) box.append(h('p.ballot-sending', { role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), ' ', h('span', { i18n: 'poll.sending' })));
  if (local.error) {
    const retry = h('button.btn.primary.ballot-retry', { type: 'button', i18n: 'action.retry' });
    retry.addEventListener('click', () => cast(local.option));
    box.append(h('div.form-error.ballot-error', { role: 'alert' }, h('p', { i18n: local.error.key, args: local.error.args }),
      local.error.retry ? retry : null));
  }
  async function cast(i) {
    if (local.sending) return;
    local.sending = true;
    local.option = i;
    local.error = null;
    onChange?.();
    try {
      await client.request('ballot.cast', { poll: p.poll, option: i });
      local.done = true;
      p.voted = true;
    } catch (err) {
      if (err.code === 'conflict' && /already/i.test(err.message)) {
        // An earlier try reached the server after all (its reply was lost).
        local.done = true;
        p.voted = true;
        local.option = null;
      } else if (!err.code) local.error = { key: 'poll.offline', retry: true };
      else if (err.code === 'forbidden') local.error = { key: 'poll.notEligible', retry: false };
      else local.error = { key: 'poll.refused', args: { message: err.message }, retry: err.code !== 'conflict' };
    }
    local.sending = false;
    onChange?.();
  }
  return box;
}

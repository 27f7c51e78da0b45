// SPDX-License-Identifier: AGPL-3.0-or-later
// Pieces of the speakers queue shared by the chair, the participant and the
// projector: names, a turn's running time on the server's clock, the
// member's request button, and the chair's box (docs/protocol.md, Speakers).
import { h, clear } from './dom.js';
import { tx } from './i18n.js';

export function speakers(state) {
  return state.speakers || { supported: false, queue: [], current: null };
}

export function nameOf(state, id) {
  return state.participants.find((p) => p.id === id)?.name || '…';
}

// Seconds since `since` (ISO-8601), on the server's clock.
export function elapsed(client, since) {
  const t = Date.parse(since);
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.floor((Date.now() + (client.offset || 0) - t) / 1000));
}

// 02:15, or 1:02:15 past an hour.
export function clock(sec) {
  const two = (n) => String(n).padStart(2, '0');
  const hh = Math.floor(sec / 3600);
  const mm = Math.floor((sec % 3600) / 60);
  const ss = sec % 60;
  return hh ? `${hh}:${two(mm)}:${two(ss)}` : `${two(mm)}:${two(ss)}`;
}

// A running time: ticks with every Ticker pass.
export function timer(client, since, spec = 'span.speaker-timer') {
  const el = h(spec, { dataset: { since }, role: 'timer' }, clock(elapsed(client, since)));
  return el;
}

// One interval per view refreshes every running time under `root`.
export class Ticker {
  constructor(client, root) {
    this.id = setInterval(() => {
      for (const el of root.querySelectorAll('[data-since]')) el.textContent = clock(elapsed(client, el.dataset.since));
    }, 1000);
  }

  stop() { clearInterval(this.id); }
}

// A request's error, in words: the server's sentence, or ours when offline.
function errorKey(err) {
  if (!err.code) return { key: 'conn.offline' };
  return { key: 'speakers.refused', args: { message: err.message || err.code } };
}

const ORDINAL = new Intl.PluralRules('en', { type: 'ordinal' });

// The member's (or guest's) button: "Request to speak", then "Withdraw
// (you are 3rd in line)", then "You have the floor · 02:15 · End".
export class SpeakButton {
  constructor(client) {
    this.client = client;
    this.busy = false;
    this.btn = h('button.btn.speak-btn', { type: 'button' });
    this.err = h('p.speak-error', { role: 'alert', hidden: true });
    this.el = h('div.speak-fab', { hidden: true }, this.err, this.btn);
    this.btn.addEventListener('click', () => this.press());
    this.render();
  }

  mode() {
    const s = this.client.state;
    const sp = speakers(s);
    const me = this.client.you?.participant;
    if (sp.current && sp.current.participant === me) return { mode: 'floor', since: sp.current.since };
    const i = sp.queue.findIndex((q) => q.participant === me);
    if (i >= 0) return { mode: 'queued', pos: i + 1 };
    return { mode: 'idle' };
  }

  render() {
    const role = this.client.you?.role;
    const sp = speakers(this.client.state);
    this.el.hidden = !sp.supported || !(role === 'member' || role === 'guest');
    const m = this.mode();
    this.btn.disabled = this.busy;
    this.btn.dataset.mode = m.mode;
    this.el.dataset.mode = m.mode;
    this.btn.classList.toggle('primary', m.mode === 'idle');
    const focused = document.activeElement === this.btn;
    clear(this.btn);
    if (m.mode === 'floor') {
      this.btn.append(h('span.speak-dot', { 'aria-hidden': 'true' }), h('span', { i18n: 'speakers.youHaveFloor' }), ' · ',
        timer(this.client, m.since), ' · ', h('span.speak-end', { i18n: 'speakers.end' }));
    } else if (m.mode === 'queued') {
      const pos = m.pos === 1 ? null : { key: `speakers.ord.${ORDINAL.select(m.pos)}`, args: { n: m.pos } };
      this.btn.append(pos ? h('span', { i18n: 'speakers.withdrawPos', args: { pos } }) : h('span', { i18n: 'speakers.withdrawNext' }));
    } else {
      this.btn.append(h('span.speak-icon', { 'aria-hidden': 'true' }), h('span', { i18n: 'speakers.request' }));
    }
    if (focused) this.btn.focus();
  }

  async press() {
    if (this.busy) return;
    const m = this.mode();
    const type = m.mode === 'floor' ? 'speaker.end' : m.mode === 'queued' ? 'speaker.withdraw' : 'speaker.request';
    this.busy = true;
    this.err.hidden = true;
    this.render();
    try {
      await this.client.request(type, {});
    } catch (err) {
      const e = errorKey(err);
      tx(this.err, e.key, e.args);
      this.err.hidden = false;
      clearTimeout(this.errTimer);
      this.errTimer = setTimeout(() => { this.err.hidden = true; }, 6000);
    }
    this.busy = false;
    this.render();
  }
}

// The chair's box: who has the floor (running time, "End turn"), then the
// queue in order, each with "Give the floor", and "Next speaker". Without
// `control` (the secretary) it only shows.
export class SpeakersBox {
  constructor(client, { control = true } = {}) {
    this.client = client;
    this.control = control;
    this.busy = false;
    this.count = h('span.muted.small');
    this.body = h('div.speakers-body');
    this.err = h('p.form-error.speakers-error', { role: 'alert', hidden: true });
    this.el = h('section.speakers-box', { hidden: true, 't_aria-label': 'speakers.title' },
      h('h2', {}, h('span', { i18n: 'speakers.title' }), ' ', this.count), this.body, this.err);
    this.render();
  }

  render() {
    const s = this.client.state;
    const sp = speakers(s);
    this.el.hidden = !sp.supported;
    if (!sp.supported) return;
    const focusKey = this.el.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    this.count.textContent = sp.queue.length ? `(${sp.queue.length})` : '';
    clear(this.body);
    if (sp.current) {
      const end = this.control ? this.button('button.btn.danger.small.speakers-end', 'speakers.endTurn', 'end', () => this.send('speaker.end', {})) : null;
      this.body.append(h('div.speakers-current', { dataset: { participant: sp.current.participant } },
        h('p.speakers-label.small', { i18n: 'speakers.speaking' }),
        h('p.speakers-now', {}, h('span.speak-dot', { 'aria-hidden': 'true' }), h('span.speakers-name', {}, nameOf(s, sp.current.participant)),
          timer(this.client, sp.current.since, 'span.speaker-timer.speakers-time')),
        end));
    } else this.body.append(h('p.muted.small.speakers-none', { i18n: 'speakers.nobody' }));
    if (sp.queue.length) {
      const ol = h('ol.speakers-queue');
      for (const q of sp.queue) {
        ol.append(h('li.speakers-entry', { dataset: { participant: q.participant } },
          h('span.speakers-name', {}, nameOf(s, q.participant)),
          this.control ? this.button('button.btn.small.speakers-give', 'speakers.give', `give-${q.participant}`,
            () => this.send('speaker.next', { participant: q.participant })) : null));
      }
      this.body.append(ol);
      if (this.control) this.body.append(this.button('button.btn.primary.speakers-next', 'speakers.next', 'next', () => this.send('speaker.next', {})));
    } else this.body.append(h('p.muted.small.speakers-empty', { i18n: 'speakers.empty' }));
    if (focusKey) this.body.querySelector(`[data-key="${focusKey}"]`)?.focus();
  }

  button(spec, key, id, fn) {
    const b = h(spec, { type: 'button', i18n: key, disabled: this.busy, dataset: { key: id } });
    b.addEventListener('click', fn);
    return b;
  }

  async send(type, payload) {
    if (this.busy) return;
    this.busy = true;
    this.err.hidden = true;
    this.render();
    try {
      await this.client.request(type, payload);
    } catch (err) {
      const e = errorKey(err);
      tx(this.err, e.key, e.args);
      this.err.hidden = false;
    }
    this.busy = false;
    this.render();
  }
}

// The projector's line: "Speaking: Nguyễn Văn An · 02:15".
export function screenLine(client, el) {
  const s = client.state;
  const cur = speakers(s).current;
  el.hidden = !cur;
  clear(el);
  if (!cur) return;
  el.append(h('span.speak-dot', { 'aria-hidden': 'true' }), h('span', { i18n: 'speakers.speakingLine' }), ' ',
    h('strong', {}, nameOf(s, cur.participant)), ' · ', timer(client, cur.since));
}

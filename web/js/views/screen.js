// SPDX-License-Identifier: AGPL-3.0-or-later
// The room's projector (/m/<meeting>/screen): the presented page, full
// screen on black; otherwise the meeting's title and the room QR code, big
// enough to scan from the back of the room. No controls, no cursor.
import { h, clear } from '../dom.js';
import { ta, td } from '../i18n.js';
import { Stage } from '../stage.js';
import { screenLine, Ticker } from '../speakers.js';
import { openPoll, lastPoll, progressLine, progressBar, resultChart } from '../polls.js';

const RESULT_FOR = 60000; // ms a result stays up, unless a page is presented first

export function mountScreen(root, client, meetingId) {
  const st = () => client.state;
  const getDoc = (id) => st().documents.find((d) => d.id === id);

  const stageBox = h('div', { id: 'stage' });
  const stage = new Stage(stageBox, { getDoc });
  const idle = h('div.screen-idle');
  const offline = h('div.screen-offline', { hidden: true, role: 'status' }, h('span.spinner', { 'aria-hidden': 'true' }), h('span', { i18n: 'conn.offline' }));
  // A vote: its question and progress, then its result for a while.
  const vote = h('div.screen-vote', { hidden: true });
  let resultPoll = null;   // the closed poll whose result is up
  let resultTimer = null;
  // Who has the floor: a thin line along the bottom edge.
  const speaker = h('div.screen-speaker', { hidden: true, role: 'status' });
  const app = h('div.app.screen-app', {}, stageBox, idle, vote, speaker, offline);
  document.body.classList.add('screen-mode');
  clear(root).append(app);
  const ticker = new Ticker(client, app);

  function renderIdle() {
    const m = st().meeting;
    const qr = h('img.qr', { src: `/api/meetings/${encodeURIComponent(meetingId)}/qr.svg`, width: 600, height: 600 });
    ta(qr, 'alt', 'screen.qrAlt');
    const facts = [];
    if (m.starts) facts.push(td(h('span'), m.starts));
    if (m.location) facts.push(h('span', {}, m.location));
    clear(idle).append(
      h('div.screen-head', {},
        m.org ? h('p.screen-org', {}, m.org) : null,
        h('h1.screen-title', {}, m.title || ''),
        facts.length ? h('p.screen-facts', {}, ...facts.flatMap((f, i) => (i ? [' · ', f] : [f]))) : null),
      h('div.screen-qr', {}, h('div.qr-card', {}, qr)),
      h('div.screen-join', {},
        h('p.screen-scan', { i18n: 'screen.scan' }),
        m.join_url ? h('p.join-url', {}, m.join_url) : null));
  }

  // A projector must not fall asleep in the middle of a meeting.
  let wakeLock = null;
  const keepAwake = async () => {
    if (document.visibilityState !== 'visible' || !navigator.wakeLock) return;
    try { wakeLock = await navigator.wakeLock.request('screen'); } catch { /* not allowed here */ }
  };
  document.addEventListener('visibilitychange', keepAwake);
  keepAwake();

  let idleShown = false;
  function render() {
    const p = st().presented;
    const d = p && getDoc(p.doc);
    if (d) {
      stage.show(p.doc, p.page);
      stageBox.hidden = false;
      idle.hidden = true;
      idleShown = false;
    } else {
      stage.clear();
      stageBox.hidden = true;
      if (!idleShown) renderIdle();
      idleShown = true;
      idle.hidden = false;
    }
  }
  function renderVote() {
    const open = openPoll(st());
    const p = open || (resultPoll && lastPoll(st())?.poll === resultPoll ? lastPoll(st()) : null);
    vote.hidden = !p;
    if (!p) return;
    clear(vote).append(h('div.screen-vote-inner', {},
      h('p.screen-vote-kicker', { i18n: p.state === 'open' ? 'poll.voteOpenTitle' : 'poll.closedTitle' }),
      h('h1.screen-vote-question', {}, p.question),
      p.state === 'open' ? [progressLine(p, 'p.screen-vote-progress'), progressBar(p)] : resultChart(p)));
  }
  function hideResult() {
    clearTimeout(resultTimer);
    resultTimer = null;
    resultPoll = null;
  }

  render();
  renderVote();
  screenLine(client, speaker);

  return {
    update(change) {
      const type = change.kind === 'state' ? 'state' : change.msg.type;
      if (type === 'poll.closed') {
        hideResult();
        resultPoll = change.msg.poll;
        resultTimer = setTimeout(() => { hideResult(); renderVote(); }, RESULT_FOR);
      } else if (type === 'presented' || type === 'poll.opened') hideResult();
      if (type.startsWith('poll.') || type === 'presented' || type === 'state') renderVote();
      if (type.startsWith('speaker.') || type === 'state' || type === 'participant.added') screenLine(client, speaker);
      if (change.kind === 'state') idleShown = false; // the title may have changed
      if (change.kind !== 'notice') render();
    },
    status(s) { offline.hidden = s !== 'offline'; },
    destroy() {
      hideResult();
      ticker.stop();
      stage.destroy();
      document.body.classList.remove('screen-mode');
      document.removeEventListener('visibilitychange', keepAwake);
      wakeLock?.release().catch(() => {});
    },
  };
}


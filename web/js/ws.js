// SPDX-License-Identifier: AGPL-3.0-or-later
// The live connection to a meeting: one WebSocket, `hello` first, the meeting
// state kept up to date from events, and reconnection that survives hotel
// Wi-Fi (backoff, heartbeat, resync with `hello {since}`).

const PROTOCOL = 'plenum.v1';
const PING_EVERY = 20000;   // a half-open TCP connection only shows up when we write
const PING_TIMEOUT = 8000;
const REQUEST_TIMEOUT = 15000;
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 15000;

// status: 'connecting' (never had state yet), 'online', 'offline'
// (had state, lost the link, retrying), 'unauthorised' (no session for this
// meeting: retrying cannot help).
// Events from the meeting console that change what every view is built on;
// a client reloads the meeting's state on them.
const RESYNC_EVENTS = new Set(['agenda.changed', 'meeting.edited', 'participant.changed',
  'participant.removed', 'roster.imported']);

export class MeetingClient {
  constructor(meetingId, { onChange, onStatus }) {
    this.meetingId = meetingId;
    this.onChange = onChange;   // ({kind: 'state'|'event'|'notice', msg})
    this.onStatus = onStatus;   // (status)
    this.state = null;
    this.you = null;
    this.seq = null;            // last event applied; null until the first state
    this.status = 'connecting';
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();   // id -> {resolve, reject, timer}
    this.helloId = null;        // events that arrive before hello's reply wait
    this.early = [];
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.stopped = false;
    this.offset = 0;            // server clock minus ours, ms (hello's `now`)
    this.attendanceBusy = false; // refreshAttendance() under way
    this.attendanceAgain = false;
    this.attendanceSeq = 0;     // seq of the last event that changed a participant

    this._onOnline = () => this.reconnectNow();
    this._onVisible = () => {
      if (document.visibilityState !== 'visible') return;
      // A phone waking up: the socket may be dead without knowing it yet.
      if (this.ws?.readyState === WebSocket.OPEN) this.checkAlive();
      else this.reconnectNow();
    };
    window.addEventListener('online', this._onOnline);
    document.addEventListener('visibilitychange', this._onVisible);
  }

  start() { this.connect(); }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    window.removeEventListener('online', this._onOnline);
    document.removeEventListener('visibilitychange', this._onVisible);
    this.ws?.close();
  }

  setStatus(s) {
    if (this.status === s) return;
    this.status = s;
    this.onStatus?.(s);
  }

  connect() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    let ws;
    try {
      ws = new WebSocket(url, PROTOCOL);
    } catch {
      this.scheduleRetry(false);
      return;
    }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.sendHello();
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.checkAlive(), PING_EVERY);
    };
    ws.onmessage = (e) => this.receive(e.data);
    ws.onclose = () => {
      if (this.ws !== ws) return; // an older socket we already gave up on
      this.ws = null;
      clearInterval(this.pingTimer);
      for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(new Error('disconnected')); }
      this.pending.clear();
      this.helloId = null;
      if (this.stopped) return;
      if (this.state) this.setStatus('offline');
      this.scheduleRetry(opened);
    };
  }

  // The browser hides why an upgrade failed, so when the socket never opened
  // we ask GET /api/session: 401 there (or a session of another meeting)
  // means retrying is pointless and the person has to join first.
  async scheduleRetry(opened) {
    if (!opened) {
      try {
        const res = await fetch('/api/session', { credentials: 'same-origin', cache: 'no-store' });
        const mine = res.ok && (await res.json()).meeting === this.meetingId;
        if (res.status === 401 || (res.ok && !mine)) {
          this.setStatus('unauthorised');
          this.stop();
          return;
        }
      } catch { /* offline: keep trying */ }
    }
    if (this.stopped) return;
    const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** this.attempt);
    this.attempt++;
    // Jitter, so that forty tablets do not all come back in the same millisecond.
    const delay = base * (0.7 + Math.random() * 0.6);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.stopped || this.ws) return;
    this.attempt = 0;
    this.connect();
  }

  async checkAlive() {
    try {
      await this.request('ping', {}, PING_TIMEOUT);
    } catch {
      // No answer: drop this socket; onclose schedules the reconnect.
      const ws = this.ws;
      if (ws) { ws.onclose?.(); ws.close(); }
    }
  }

  send(obj) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  request(type, payload = {}, timeout = REQUEST_TIMEOUT) {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      if (!this.send({ ...payload, id, type })) {
        reject(new Error('offline'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('timeout'));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  sendHello(withSince = true) {
    const id = this.nextId++;
    this.helloId = id;
    this.early = [];
    const msg = { id, type: 'hello' };
    if (withSince && this.seq !== null) msg.since = this.seq;
    this.send(msg);
  }

  receive(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (msg.re !== undefined) {
      if (msg.re === this.helloId) { this.onHello(msg); return; }
      const p = this.pending.get(msg.re);
      if (!p) return;
      this.pending.delete(msg.re);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg);
      else {
        const err = new Error(msg.error?.message || msg.error?.code || 'error');
        err.code = msg.error?.code;
        err.error = msg.error; // the whole refusal: a minutes conflict carries `current` and `kept`
        p.reject(err);
      }
      return;
    }
    if (msg.seq === undefined) { // a notice (presence): not in the log
      this.applyNotice(msg);
      return;
    }
    if (this.helloId !== null) { this.early.push(msg); return; }
    this.applyEvent(msg);
  }

  onHello(msg) {
    this.helloId = null;
    if (!msg.ok) {
      // A `since` the server no longer knows (e.g. its data was reset): start over.
      if (msg.error?.code === 'bad_request' && this.seq !== null) {
        this.seq = null;
        this.sendHello(false);
      }
      return;
    }
    if (msg.you) this.you = msg.you;
    // Timers (a speaker's turn) run on the server's clock: a tablet whose
    // clock is two minutes off must still show 00:05 after five seconds.
    const now = Date.parse(msg.now);
    if (!Number.isNaN(now)) this.offset = now - Date.now();
    if (msg.state) {
      this.state = normalise(msg.state);
      this.seq = msg.seq ?? 0;
      this.onChange?.({ kind: 'state', msg });
    } else if (Array.isArray(msg.events)) {
      for (const ev of msg.events) this.applyEvent(ev);
      if (typeof msg.seq === 'number' && msg.seq > this.seq) this.seq = msg.seq;
    }
    const early = this.early;
    this.early = [];
    for (const ev of early) this.applyEvent(ev);
    this.attempt = 0;
    this.setStatus('online');
  }

  applyEvent(ev) {
    if (!this.state || this.seq === null) return;
    if (ev.seq <= this.seq) return; // already seen (replayed after a resync)
    if (ev.seq > this.seq + 1) {
      // A gap: we missed something. Ask for what we missed on this socket.
      this.sendHello(true);
      return;
    }
    this.seq = ev.seq;
    if (ev.type === 'attendance.changed' || ev.type === 'participant.added') this.attendanceSeq = ev.seq;
    const s = this.state;
    switch (ev.type) {
      case 'presented':
        s.presented = ev.doc ? { doc: ev.doc, page: ev.page, by: ev.by } : null;
        break;
      case 'doc.added':
        if (ev.doc && !s.documents.some((d) => d.id === ev.doc.id)) s.documents.push(ev.doc);
        break;
      case 'doc.renamed': {
        const d = s.documents.find((x) => x.id === ev.doc);
        if (d && typeof ev.title === 'string') d.title = ev.title;
        break;
      }
      case 'doc.moved':
        moveDoc(s, ev.doc, ev.item ?? null, ev.position);
        break;
      case 'doc.removed':
        s.documents = s.documents.filter((d) => d.id !== ev.doc);
        if (s.presented?.doc === ev.doc) s.presented = null;
        break;
      case 'poll.opened':
        s.polls = s.polls.filter((x) => x.poll !== ev.poll);
        s.polls.push({ ...stripEvent(ev), state: 'open', cast: 0, voted: false });
        break;
      case 'poll.closed': {
        const i = s.polls.findIndex((x) => x.poll === ev.poll);
        const closed = { ...(i >= 0 ? s.polls[i] : {}), ...stripEvent(ev), state: 'closed' };
        if (i >= 0) s.polls[i] = closed; else s.polls.push(closed);
        break;
      }
      case 'speaker.requested':
        if (ev.participant && !s.speakers.queue.some((q) => q.participant === ev.participant)) {
          s.speakers.queue.push({ participant: ev.participant, at: ev.at });
        }
        break;
      case 'speaker.withdrawn':
        s.speakers.queue = s.speakers.queue.filter((q) => q.participant !== ev.participant);
        break;
      case 'speaker.floor':
        s.speakers.queue = s.speakers.queue.filter((q) => q.participant !== ev.participant);
        s.speakers.current = { participant: ev.participant, since: ev.since };
        break;
      case 'speaker.ended':
        if (s.speakers.current?.participant === ev.participant) s.speakers.current = null;
        break;
      case 'participant.added':
        if (ev.participant && !s.participants.some((p) => p.id === ev.participant.id)) {
          s.participants.push({ online: false, checked_in: null, absent: null, ...ev.participant });
        }
        break;
      case 'meeting.opened':
        s.meeting.state = 'live';
        s.meeting.opened_at = ev.at;
        break;
      case 'meeting.closed':
        s.meeting.state = 'closed';
        s.meeting.closed_at = ev.at;
        break;
      case 'attendance.changed': {
        const p = s.participants.find((x) => x.id === ev.participant);
        if (p && ev.present) { p.checked_in = ev.checked_in || ev.at || p.checked_in; p.absent = null; }
        else if (p) { p.checked_in = null; p.absent = ev.reason ?? ''; }
        break;
      }
      case 'minutes.edited':
        if (typeof ev.item === 'string') {
          const was = s.minutes[ev.item];
          if (!was || was.version < ev.version) s.minutes[ev.item] = { version: ev.version, updated: ev.at, by: ev.by ?? null };
        }
        break;
      default:
        // The console changed the meeting's shape (agenda, roster, title):
        // take the whole state again rather than patch it.
        if (RESYNC_EVENTS.has(ev.type)) { this.seq = null; this.sendHello(false); return; }
        break; // an event this client does not know yet: its seq still counts
    }
    this.onChange?.({ kind: 'event', msg: ev });
  }

  // A join over HTTP checks a participant in without an event (only the
  // `quorum.changed` notice tells), and a guest's check-in changes no count:
  // chair and secretary, who show attendance, ask for the participants
  // again. A `hello` on the same socket, as a plain request: its state's
  // participants and quorum replace ours and the rest is left alone, so
  // nothing else is drawn again. The events sent before its reply are in
  // that state already. The server writes the events waiting for a socket
  // before its replies, so an attendance event newer than the snapshot may
  // have come first: then the snapshot is dropped and asked for again.
  // Who is online stays ours (the presence notices are as new as it gets).
  // One at a time; a call while one is under way asks once more after it.
  refreshAttendance() {
    if (this.attendanceBusy) { this.attendanceAgain = true; return; }
    if (!this.state || this.status !== 'online') return;
    this.attendanceBusy = true;
    this.attendanceAgain = false;
    this.request('hello', {}).then((res) => {
      const st = res.state;
      if (!st || !this.state) return;
      if (typeof res.seq === 'number' && this.attendanceSeq > res.seq) { this.attendanceAgain = true; return; }
      const online = new Map(this.state.participants.map((p) => [p.id, p.online]));
      this.state.participants = (st.participants || []).map((p) => ({ ...p, online: online.get(p.id) ?? !!p.online }));
      if (st.quorum) this.state.quorum = st.quorum;
      this.onChange?.({ kind: 'notice', msg: { type: 'attendance.refreshed' } });
    }).catch(() => { /* offline: the next hello brings it all */ }).finally(() => {
      this.attendanceBusy = false;
      if (this.attendanceAgain) setTimeout(() => this.refreshAttendance(), 300);
    });
  }

  applyNotice(n) {
    if (!this.state) return;
    if (n.type === 'presence') {
      // One participant, or several at once when many came or left together.
      for (const ch of n.changes || [n]) {
        const p = this.state.participants.find((x) => x.id === ch.participant);
        if (p) p.online = !!ch.online;
      }
    } else if (n.type === 'poll.progress') {
      const p = this.state.polls.find((x) => x.poll === n.poll);
      if (p && p.state === 'open') { p.cast = n.cast; p.eligible = n.eligible; }
    } else if (n.type === 'quorum.changed') {
      const { type, crossed, ...q } = n;
      this.state.quorum = q;
    }
    this.onChange?.({ kind: 'notice', msg: n });
  }
}

// Applies `doc.moved`: the documents array stays ordered by agenda item,
// then position (the order of the hello snapshot), so the document goes in
// front of what is now at `position` in its new item, or after its last one.
function moveDoc(s, id, item, position) {
  const i = s.documents.findIndex((d) => d.id === id);
  if (i < 0) return;
  const [d] = s.documents.splice(i, 1);
  d.item = item;
  const same = [];
  s.documents.forEach((x, k) => { if ((x.item ?? null) === item) same.push(k); });
  let at;
  if (same.length >= position) at = same[Math.max(0, position - 1)];
  else if (same.length) at = same[same.length - 1] + 1;
  else at = s.documents.length;
  s.documents.splice(at, 0, d);
}

// An event's own fields, without the log's bookkeeping.
function stripEvent(ev) {
  const { seq, type, ...rest } = ev;
  return rest;
}

function normalise(st) {
  return {
    meeting: st.meeting || {},
    agenda: [...(st.agenda || [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)),
    documents: st.documents || [],
    presented: st.presented && st.presented.doc ? st.presented : null,
    participants: st.participants || [],
    polls: st.polls || [],
    // Attendance and lifecycle (docs/protocol.md): an older server has none.
    quorum: st.quorum || null,
    // Chair and secretary: the version of each item's minutes ('' the
    // meeting as a whole), never its text; others get no map.
    minutes: { ...(st.minutes || {}) },
    // An older server has no speakers queue: the UI for it stays hidden.
    speakers: {
      supported: !!st.speakers,
      queue: [...(st.speakers?.queue || [])],
      current: st.speakers?.current?.participant ? st.speakers.current : null,
    },
  };
}

# SPDX-License-Identifier: AGPL-3.0-or-later
"""The promise "Plenum never loses a vote", shown under a crash.

Three hundred members, each with their own session and WebSocket, cast their
ballots at about the same time (spread over half a second) while the server
is killed with SIGKILL at a random moment of the casting; it is started
again on the same data directory and port. The clients behave like the web
client (web/js/ws.js): they reconnect by themselves with backoff, resume
with `hello {since: last seq}`, and send their ballot again when they never
got an answer to it. A ballot sent again that the server had committed
before it died is answered `conflict` "you have already voted" — that is the
right answer, not a loss.

Then, for every round:
  - every ballot answered ok, before or after the crash, is counted exactly
    once (a named poll: the names per option in `poll.closed` are exactly
    the voters with the options they chose; a secret poll: the counts are
    those of the ballots answered ok or "already voted", and the database's
    voters and tallies agree);
  - every client ended with a ballot counted, and no ballot refused for any
    other reason was counted;
  - each client's event log is gap-free and without duplicates across the
    crash, a device that says `hello {since}` afterwards gets the same
    events, and the database's log has every seq from 1, once;
  - the meeting goes on: the chair closes the poll and opens the next one.

The moments of the kills, the ballots' options and send times come from one
seed, printed at the start (pytest shows it with a failure). Replay with
PLENUM_FAULT_SEED=<seed>. PLENUM_FAULT_VOTERS (default 300) and
PLENUM_FAULT_ROUNDS (default 3) size the run. No assertion is about time;
the waits are generous for an AddressSanitizer build.
"""

import asyncio
import collections
import concurrent.futures
import json
import os
import random
import sqlite3

import websockets
import websockets.client
import websockets.exceptions

from helpers import SUBPROTOCOL, join, run, ws_url

VOTERS = int(os.environ.get("PLENUM_FAULT_VOTERS", "300"))
ROUNDS = int(os.environ.get("PLENUM_FAULT_ROUNDS", "3"))
SPREAD = 0.5            # seconds over which the ballots of a round are sent
WAVE = 0.025            # in waves this far apart (Round)
SETTLE_TIMEOUT = 180.0  # every client has its answer (ASan, 2 shared cores)
READY_TIMEOUT = 60.0    # every client connected and answered hello
ALREADY = "already voted"
RESUME_MAX = 500        # events a hello with since may carry (docs/protocol.md)


def voter_name(i):
    return f"Đại biểu {i:03d}"


class Lost(Exception):
    """The connection closed before the request was answered."""


class Client:
    """One plenum.v1 client that survives the server going away, as the web
    client does: it connects, says hello, keeps the last `seq` it applied,
    and after any close reconnects with exponential backoff and jitter and
    says `hello {since: last seq}`. Events that arrive before hello's reply
    wait for it (docs/protocol.md: the ring's events follow the reply's seq).

    Every event is kept by seq, so that the test can check that the log a
    client saw has neither gaps nor duplicates."""

    BACKOFF_MIN = 0.1
    BACKOFF_MAX = 2.0

    def __init__(self, base, session, label, seed, since=None):
        self.base = base
        self.session = session
        self.label = label
        self.rng = random.Random(f"{seed}/{label}")
        self.ws = None
        self.ready = asyncio.Event()     # connected and hello answered
        self.first_seq = since           # the seq of the first hello's reply
        self.last_seq = since            # the last event applied
        self.events = {}                 # seq → event, each as received
        self.duplicates = []             # events received a second time
        self.hello_problems = []         # refused hellos, resumes without events
        self.connects = 0
        self.connect_errors = 0
        self.last_error = None
        self.next_id = 1
        self.pending = {}                # id → future of its reply
        self.hello_id = None
        self.early = []
        self.answered_on_link = False    # hello answered on this connection
        self.stopping = False
        self.task = asyncio.ensure_future(self._run())

    def new_id(self):
        i = self.next_id
        self.next_id += 1
        return i

    def backoff(self, attempt):
        base = min(self.BACKOFF_MAX, self.BACKOFF_MIN * 2 ** attempt)
        # Jitter, so that 300 clients do not all come back in the same millisecond.
        return base * self.rng.uniform(0.7, 1.3)

    async def _run(self):
        attempt = 0
        while not self.stopping:
            try:
                ws = await websockets.client.connect(
                    ws_url(self.base, self.session), subprotocols=[SUBPROTOCOL],
                    max_size=None, open_timeout=15, close_timeout=2,
                    ping_interval=None, compression=None)
            except Exception as e:  # refused, reset, timed out, bad handshake
                self.connect_errors += 1
                self.last_error = repr(e)
                await asyncio.sleep(self.backoff(attempt))
                attempt += 1
                continue
            self.ws = ws
            self.connects += 1
            self.answered_on_link = False
            self.hello_id = self.new_id()
            self.early = []
            hello = {"id": self.hello_id, "type": "hello"}
            if self.last_seq is not None:
                hello["since"] = self.last_seq
            try:
                await ws.send(json.dumps(hello))
                async for raw in ws:
                    self._receive(json.loads(raw))
            except websockets.exceptions.ConnectionClosed:
                pass
            finally:
                self.ws = None
                self.ready.clear()
                self.hello_id = None
                self.early = []
                pending, self.pending = self.pending, {}
                for f in pending.values():
                    if not f.done():
                        f.set_exception(Lost())
            if self.stopping:
                break
            if self.answered_on_link:
                attempt = 0
            await asyncio.sleep(self.backoff(attempt))
            attempt += 1

    def _receive(self, msg):
        if "re" in msg:
            if msg["re"] == self.hello_id:
                self._on_hello(msg)
                return
            f = self.pending.pop(msg["re"], None)
            if f is not None and not f.done():
                f.set_result(msg)
            return
        if "seq" not in msg:
            return                      # a notice: not in the log
        if self.hello_id is not None:
            self.early.append(msg)
            return
        self._apply(msg)

    def _on_hello(self, msg):
        since = self.last_seq
        self.hello_id = None
        if not msg.get("ok"):
            self.hello_problems.append(f"hello since={since} refused: {msg}")
            asyncio.ensure_future(self.ws.close())
            return
        if since is None:
            self.first_seq = self.last_seq = msg["seq"]
        elif "events" in msg:
            for ev in msg["events"]:
                self._apply(ev)
            self.last_seq = max(self.last_seq, msg["seq"])
        else:
            # More than the server keeps for a resume: a state, not a log.
            self.hello_problems.append(
                f"hello since={since} answered with a state instead of the events")
            self.last_seq = msg["seq"]
        early, self.early = self.early, []
        for ev in early:
            self._apply(ev)
        self.answered_on_link = True
        self.ready.set()

    def _apply(self, ev):
        seq = ev["seq"]
        if seq in self.events:
            self.duplicates.append(ev)
            return
        self.events[seq] = ev
        if self.last_seq is None or seq > self.last_seq:
            self.last_seq = seq

    async def request(self, type_, timeout=30.0, **fields):
        """Send a request once connected; its reply, or Lost."""
        await asyncio.wait_for(self.ready.wait(), READY_TIMEOUT)
        ws, i = self.ws, self.new_id()
        f = asyncio.get_running_loop().create_future()
        self.pending[i] = f
        try:
            await ws.send(json.dumps({"id": i, "type": type_, **fields}))
        except (websockets.exceptions.ConnectionClosed, AttributeError):
            self.pending.pop(i, None)
            raise Lost()
        return await asyncio.wait_for(f, timeout)

    async def ok(self, type_, **fields):
        for _ in range(20):
            try:
                r = await self.request(type_, **fields)
            except Lost:
                continue
            assert r.get("ok") is True, f"{self.label}: {type_} {fields} refused: {r}"
            return r
        raise AssertionError(f"{self.label}: {type_} lost 20 times in a row")

    def seqs_problem(self, last):
        """Why this client's log from its first hello to `last` is not
        complete and single, or None."""
        if self.first_seq is None:
            return f"{self.label}: never answered hello ({self.last_error})"
        if self.duplicates:
            return f"{self.label}: events received twice: {self.duplicates[:3]}"
        if self.hello_problems:
            return f"{self.label}: {self.hello_problems[:3]}"
        want = set(range(self.first_seq + 1, last + 1))
        have = set(self.events)
        if have != want:
            return (f"{self.label}: events missing {sorted(want - have)[:10]}, "
                    f"unexpected {sorted(have - want)[:10]}")
        return None

    async def stop(self):
        self.stopping = True
        if self.ws is not None:
            await self.ws.close()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), 10)
        except asyncio.TimeoutError:
            self.task.cancel()


class Voter(Client):
    """A member's device: one ballot per poll, sent again after a reconnect
    when it was never answered; a `conflict` that says "send it again"
    (the server could not save it) is sent again too."""

    async def cast(self, rnd, poll, option, delay):
        await asyncio.sleep(delay)
        out = rnd.outcome[self.label] = {"option": option, "sent": 0, "answers": []}
        while True:
            await asyncio.wait_for(self.ready.wait(), SETTLE_TIMEOUT)
            ws, i = self.ws, self.new_id()
            if ws is None:
                await asyncio.sleep(0.05)
                continue
            f = asyncio.get_running_loop().create_future()
            self.pending[i] = f
            try:
                await ws.send(json.dumps({"id": i, "type": "ballot.cast",
                                          "poll": poll, "option": option}))
            except websockets.exceptions.ConnectionClosed:
                self.pending.pop(i, None)
                await asyncio.sleep(0.05)   # the reader notices the close
                continue
            out["sent"] += 1
            rnd.note_sent(self.label, out["sent"])
            try:
                r = await f
            except Lost:
                continue                    # never answered: send it again
            out["answers"].append(r)
            rnd.note_answer(self.label, r)
            if r.get("ok"):
                out["result"] = "ok"
                return
            msg = r.get("error", {}).get("message", "")
            if r.get("error", {}).get("code") == "conflict" and ALREADY in msg:
                out["result"] = "already"
                return
            if "send it again" in msg:
                await asyncio.sleep(0.1)
                continue
            out["result"] = "refused"
            return


class Round:
    """One poll with a kill in the middle of its casting.

    The ballots go out in waves, one every WAVE seconds over SPREAD (taps
    reach the server in clumps through a room's access point), so that the
    server holds a batch of ballots when it dies. The kill falls after a
    wave chosen at random has been sent, a random fraction of the typical
    answer time later: while the server reads, commits or answers that
    wave. A kill there leaves ballots in every state: committed and
    answered, committed and not answered, read and not committed, not read.
    """

    def __init__(self, srv, number, seed, voters, secret, options):
        self.srv = srv
        self.number = number
        self.rng = random.Random(f"{seed}/round{number}")
        self.secret = secret
        self.options = options
        self.n = len(voters)
        waves = int(SPREAD / WAVE)
        self.choice = {v.label: self.rng.randrange(len(options)) for v in voters}
        self.wave = {v.label: self.rng.randrange(waves) for v in voters}
        self.delay = {k: w * WAVE for k, w in self.wave.items()}
        used = sorted(set(self.wave.values()))
        # A wave from the middle fifths, so that ballots were answered before
        # it and others are still to come after it.
        middle = [w for w in used if waves // 5 <= w < waves * 4 // 5] or used
        self.kill_wave = self.rng.choice(middle)
        self.kill_frac = self.rng.random()
        self.kill_wave_left = sum(1 for w in self.wave.values() if w == self.kill_wave)
        self.kill_due = False
        self.kill_delay = None
        self.outcome = {}
        self.sent = self.answered_ok = 0
        self.sent_at = {}
        self.latency = []               # send → answer, before the kill
        self.in_flight = set()
        self.killed = None              # counts at the moment of the kill
        self.proc = None
        self.kill_event = asyncio.Event()
        self.ok_after = self.already = 0
        self.poll = None
        self.counts = None

    def note_sent(self, label, attempt):
        loop = asyncio.get_running_loop()
        self.in_flight.add(label)
        if attempt != 1:
            return
        self.sent += 1
        self.sent_at[label] = loop.time()
        if self.wave[label] != self.kill_wave:
            return
        self.kill_wave_left -= 1
        if self.kill_wave_left == 0:
            typical = sorted(self.latency)[len(self.latency) // 2] if self.latency else 0.005
            self.kill_delay = self.kill_frac * typical
            loop.call_later(self.kill_delay, self.kill_timer)

    def note_answer(self, label, reply):
        self.in_flight.discard(label)
        if reply.get("ok"):
            if self.killed:
                self.ok_after += 1
            else:
                self.answered_ok += 1
                self.latency.append(asyncio.get_running_loop().time() - self.sent_at[label])
        elif ALREADY in reply.get("error", {}).get("message", ""):
            self.already += 1
        self.maybe_kill()

    def kill_timer(self):
        self.kill_due = True
        self.maybe_kill()

    def maybe_kill(self):
        if self.killed or not self.kill_due or self.answered_ok < 1:
            return
        self.proc = self.srv.proc
        self.proc.kill()                # SIGKILL: nothing flushed, no goodbye
        self.killed = {"sent": self.sent, "ok": self.answered_ok,
                       "in_flight": len(self.in_flight), "unsent": self.n - self.sent}
        self.kill_event.set()

    async def restart(self):
        await self.kill_event.wait()
        await asyncio.to_thread(self.proc.wait)
        self.srv.proc = None
        self.srv._log.close()
        await asyncio.to_thread(self.srv.start)

    def summary(self):
        k = self.killed or {}
        delay = f"{self.kill_delay * 1000:.1f}" if self.kill_delay is not None else "?"
        return (f"round {self.number} ({'secret' if self.secret else 'named'}): "
                f"killed {delay} ms after wave {self.kill_wave + 1} of "
                f"{int(SPREAD / WAVE)} went out, with {k.get('sent')} of {self.n} ballots "
                f"sent: {k.get('ok')} answered ok, {k.get('in_flight')} sent and "
                f"unanswered, {k.get('unsent')} not sent yet; after the restart "
                f"{self.ok_after} ok and {self.already} \"already voted\"")


def add_members(srv, m, n):
    """n members by the command line, four at a time (about 40 ms each)."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: srv.participant(m, voter_name(i)), range(1, n + 1)))


def prepare(server):
    m = server.meeting(title="Đại hội cổ đông — biểu quyết", agenda=["Biểu quyết"])
    add_members(server, m, VOTERS)
    return m


def test_no_acknowledged_ballot_is_lost_when_the_server_is_killed(server_factory):
    seed = int(os.environ.get("PLENUM_FAULT_SEED") or random.SystemRandom().randrange(10**9))
    print(f"PLENUM_FAULT_SEED={seed} ({VOTERS} voters, {ROUNDS} rounds)")
    srv = server_factory(prepare)
    m = srv.ctx
    chair_s = join(srv.url, m["chair_url"])
    # Joining checks each member in, so that all are eligible in every poll.
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        sessions = list(pool.map(
            lambda i: join(srv.url, m["participants"][voter_name(i)]["url"]),
            range(1, VOTERS + 1)))
    ids = {voter_name(i + 1): s["participant"] for i, s in enumerate(sessions)}
    rounds = []
    seen = set()        # (seq, event) as the clients received them

    async def wait_until(pred, what, timeout=READY_TIMEOUT):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not pred():
            assert loop.time() < deadline, f"seed {seed}: no {what} within {timeout} s"
            await asyncio.sleep(0.02)

    async def body():
        chair = Client(srv.url, chair_s["session"], "chair", seed)
        voters = []
        for i, s in enumerate(sessions):
            voters.append(Voter(srv.url, s["session"], voter_name(i + 1), seed))
            if i % 50 == 49:
                await asyncio.sleep(0.05)   # open them in batches, as a room fills
        everyone = [chair] + voters
        await wait_until(lambda: all(c.ready.is_set() for c in everyone),
                         "hello answered on every connection")
        await chair.ok("meeting.open")

        for r in range(ROUNDS):
            secret = r % 2 == 1
            options = (["for", "against", "abstain"] if r != 2 else
                       ["Phương án A", "Phương án B", "Phương án C", "Phương án D"])
            rep = await chair.ok("poll.open", question=f"Vòng {r + 1}: thông qua nghị quyết?",
                                 secret=secret, options=options)
            poll = rep["poll"]
            # Each device learns of the poll from the event, as a phone does.
            await wait_until(lambda: all(
                any(e.get("type") == "poll.opened" and e.get("poll") == poll
                    for e in v.events.values()) for v in voters), "poll.opened everywhere")

            rnd = Round(srv, r + 1, seed, voters, secret, options)
            rounds.append(rnd)
            restart = asyncio.ensure_future(rnd.restart())
            casts = [asyncio.ensure_future(
                v.cast(rnd, poll, rnd.choice[v.label], rnd.delay[v.label])) for v in voters]
            try:
                await asyncio.wait_for(asyncio.gather(*casts), SETTLE_TIMEOUT)
                await asyncio.wait_for(restart, READY_TIMEOUT)
            finally:
                for t in casts + [restart]:
                    t.cancel()
            print(f"seed {seed}: {rnd.summary()}")
            assert rnd.killed, f"seed {seed}: round {r + 1}: the server was never killed"
            assert 0 < rnd.killed["ok"] < VOTERS, \
                f"seed {seed}: the kill did not fall amid the casting: {rnd.summary()}"
            srv.check()

            # Every client ended with its ballot counted, and nothing else.
            res = collections.Counter(o.get("result") for o in rnd.outcome.values())
            refused = {k: o["answers"] for k, o in rnd.outcome.items()
                       if o.get("result") not in ("ok", "already")}
            assert not refused, (f"seed {seed}: round {r + 1}: ballots refused for another "
                                 f"reason than 'already voted': {list(refused.items())[:5]}")
            doubled = {k: o["answers"] for k, o in rnd.outcome.items()
                       if sum(1 for a in o["answers"] if a.get("ok")) > 1}
            assert not doubled, f"seed {seed}: ballots answered ok twice: {doubled}"
            assert res["ok"] + res["already"] == VOTERS, res

            closing = await chair.ok("poll.close", poll=poll)
            await wait_until(lambda: closing["seq"] in chair.events, "poll.closed")
            ev = chair.events[closing["seq"]]
            assert ev["type"] == "poll.closed" and ev["poll"] == poll, ev
            want = collections.Counter(o["option"] for o in rnd.outcome.values()
                                       if o.get("result") in ("ok", "already"))
            counts = [want[i] for i in range(len(options))]
            assert ev["counts"] == counts and ev["cast"] == VOTERS, \
                (f"seed {seed}: round {r + 1}: counted {ev['counts']} (cast {ev['cast']}), "
                 f"answered ok or 'already voted' {counts}; {rnd.summary()}")
            if secret:
                assert "names" not in ev, ev
            else:
                for i in range(len(options)):
                    got = collections.Counter(ev["names"][i])
                    exp = collections.Counter(k for k, o in rnd.outcome.items()
                                              if o["option"] == i and
                                              o.get("result") in ("ok", "already"))
                    assert got == exp, (
                        f"seed {seed}: round {r + 1}: option {i}: names counted but never "
                        f"answered {sorted((got - exp).elements())[:5]}, answered but not "
                        f"counted {sorted((exp - got).elements())[:5]}")
            rnd.poll = poll
            rnd.counts = counts

        # The log is whole on every device, across every crash.
        await wait_until(lambda: all(c.last_seq == chair.last_seq for c in everyone),
                         "every client at the chair's last event")
        last = chair.last_seq
        for c in everyone:
            p = c.seqs_problem(last)
            assert p is None, f"seed {seed}: {p}"
        # The same log, replayed by a device that comes later: from the start
        # when the server keeps that many for a resume, else its last
        # RESUME_MAX (the whole log is read from the database at the end).
        since = max(0, last - RESUME_MAX)
        late = Client(srv.url, chair_s["session"], "late", seed, since=since)
        await asyncio.wait_for(late.ready.wait(), READY_TIMEOUT)
        assert not late.hello_problems, f"seed {seed}: {late.hello_problems}"
        assert sorted(late.events) == list(range(since + 1, last + 1)), \
            f"seed {seed}: hello since {since} gave seqs {sorted(late.events)[:5]}… of {last}"
        for c in everyone:
            for s, e in c.events.items():
                assert late.events[s] == e, \
                    f"seed {seed}: {c.label} saw event {s} as {e}, the log has {late.events[s]}"
        seen.update((s, json.dumps(e, sort_keys=True))
                    for c in everyone for s, e in c.events.items())

        # The meeting goes on: another poll, everyone votes, no crash.
        rep = await chair.ok("poll.open", question="Bế mạc đại hội?", secret=False)
        poll = rep["poll"]
        await wait_until(lambda: all(
            any(e.get("type") == "poll.opened" and e.get("poll") == poll
                for e in v.events.values()) for v in voters), "the last poll.opened")
        replies = await asyncio.gather(*(v.request("ballot.cast", poll=poll, option=0)
                                         for v in voters))
        assert all(x.get("ok") for x in replies), [x for x in replies if not x.get("ok")][:3]
        closing = await chair.ok("poll.close", poll=poll)
        await wait_until(lambda: closing["seq"] in chair.events, "the last poll.closed")
        ev = chair.events[closing["seq"]]
        assert ev["counts"] == [VOTERS, 0, 0] and ev["outcome"] == "passed", ev
        for c in everyone + [late]:
            await c.stop()
    run(body(), timeout=540)

    # What the database kept: one row per voter, no more, no fewer.
    srv.stop()
    srv.check()
    db = sqlite3.connect(f"file:{os.path.join(srv.data, 'plenum.db')}?mode=ro", uri=True)
    try:
        # The whole event log, gap-free across the three crashes, and what
        # the clients received is what it holds.
        log = dict(db.execute("SELECT seq, body FROM event WHERE meeting = ? ORDER BY seq",
                              (m["meeting"],)))
        assert sorted(log) == list(range(1, len(log) + 1)), \
            f"seed {seed}: the event log has gaps: {sorted(set(range(1, max(log) + 1)) - set(log))[:10]}"
        for s, e in seen:
            assert json.dumps(json.loads(log[s]), sort_keys=True) == e, \
                f"seed {seed}: event {s} was received as {e}, the log has {log[s]}"
        for rnd in rounds:
            voters = {r[0] for r in db.execute(
                "SELECT participant FROM poll_voter WHERE poll = ?", (rnd.poll,))}
            assert voters == set(ids.values()), \
                f"seed {seed}: round {rnd.number}: poll_voter has {len(voters)} voters"
            if rnd.secret:
                tally = dict(db.execute(
                    "SELECT option, count FROM poll_tally WHERE poll = ?", (rnd.poll,)))
                assert [tally.get(i, 0) for i in range(len(rnd.options))] == rnd.counts, tally
                assert sum(tally.values()) == len(voters) == VOTERS, tally
            else:
                rows = db.execute("SELECT participant, option FROM ballot WHERE poll = ?",
                                  (rnd.poll,)).fetchall()
                want = {ids[k]: o["option"] for k, o in rnd.outcome.items()}
                assert len(rows) == VOTERS and dict(rows) == want, \
                    f"seed {seed}: round {rnd.number}: {len(rows)} ballot rows"
    finally:
        db.close()

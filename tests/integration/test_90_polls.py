# SPDX-License-Identifier: AGPL-3.0-or-later
"""Polls over the wire: poll.open, ballot.cast, poll.close, poll.missing.

Every message against every role; one ballot per voter; ballots after the
close and from people who were not there at opening; secret polls that
leak no names on the wire and keep no link in the database; acknowledged
ballots surviving a SIGKILL; the majority rules end to end."""

import os
import sqlite3

from helpers import close_all, connect, join, run

VOTERS = [("Nguyễn Văn An", "Giám đốc"), ("Trần Thị Bình", "Phó giám đốc"),
          ("Lê Minh Châu", "Trưởng phòng"), ("Phạm Quốc Dũng", "Chuyên viên"),
          ("Hoàng Thu Hà", "Chuyên viên")]


def prepare(server):
    m = server.meeting(title="Họp biểu quyết", agenda=["Biểu quyết"], guests=True)
    for name, title in VOTERS:
        server.participant(m, name, title=title)
    return m


def join_all(srv, names=None):
    """Sessions for the chair, secretary, display, a guest and the members
    named (all by default): joining checks them in."""
    m = srv.ctx
    s = {"chair": join(srv.url, m["chair_url"]),
         "secretary": join(srv.url, m["secretary_url"]),
         "display": join(srv.url, m["display_url"]),
         "guest": join(srv.url, m["join_url"], name="Khách Mời")}
    for name, _ in VOTERS:
        if names is None or name in names:
            s[name] = join(srv.url, m["participants"][name]["url"])
    return s


async def connect_all(srv, sessions):
    clients = {}
    for k, v in sessions.items():
        clients[k], _ = await connect(srv.url, v["session"], label=k)
    return clients


def error_code(reply):
    assert reply.get("ok") is False, f"expected a refusal, got {reply}"
    return reply["error"]["code"]


def test_every_message_by_every_role(server_factory):
    srv = server_factory(prepare)
    sessions = join_all(srv)

    async def body():
        c = await connect_all(srv, sessions)
        roles = ["chair", "secretary", "display", "guest", VOTERS[0][0]]
        # poll.open: the chair only
        for r in roles[1:]:
            rep = await c[r].request("poll.open", question="Q?", secret=False)
            assert error_code(rep) == "forbidden", (r, rep)
        rep = await c["chair"].ok("poll.open", question="Thông qua kế hoạch?", secret=False)
        poll = rep["poll"]
        assert isinstance(rep["seq"], int)
        ev = await c["guest"].wait_for(lambda m: m.get("type") == "poll.opened", "poll.opened")
        assert ev["poll"] == poll and ev["options"] == ["for", "against", "abstain"], ev
        assert ev["eligible"] == 6 and ev["members"] == 6 and ev["quorum"] is True, ev
        assert ev["rule"] == "cast" and ev["secret"] is False, ev
        # ballot.cast: chair and members
        for r in ("secretary", "display", "guest"):
            rep = await c[r].request("ballot.cast", poll=poll, option=0)
            assert error_code(rep) == "forbidden", (r, rep)
        rep = await c["chair"].ok("ballot.cast", poll=poll, option=0)
        assert rep["poll"] == poll
        await c[VOTERS[0][0]].ok("ballot.cast", poll=poll, option=1)
        # poll.missing: the chair only
        for r in roles[1:]:
            rep = await c[r].request("poll.missing", poll=poll)
            assert error_code(rep) == "forbidden", (r, rep)
        rep = await c["chair"].ok("poll.missing", poll=poll)
        assert sorted(x["name"] for x in rep["missing"]) == sorted(n for n, _ in VOTERS[1:])
        # poll.close: the chair only
        for r in roles[1:]:
            rep = await c[r].request("poll.close", poll=poll)
            assert error_code(rep) == "forbidden", (r, rep)
        await c["chair"].ok("poll.close", poll=poll)
        # Unknown and malformed polls
        rep = await c["chair"].request("poll.close", poll="zzzzzzzzzzzz")
        assert error_code(rep) == "not_found"
        rep = await c["chair"].request("ballot.cast", poll="bad", option=0)
        assert error_code(rep) == "not_found"
        rep = await c["chair"].request("poll.open", question="", secret=False)
        assert error_code(rep) == "bad_request"
        await close_all(c.values())
    run(body())


def test_named_poll_double_vote_late_voter_and_close(server_factory):
    srv = server_factory(prepare)
    present = [n for n, _ in VOTERS[:3]]
    sessions = join_all(srv, present)

    async def body():
        c = await connect_all(srv, sessions)
        rep = await c["chair"].ok("poll.open", question="Chọn địa điểm?", secret=False,
                                  options=["Hà Nội", "Huế", "Đà Nẵng"], rule="cast")
        poll = rep["poll"]
        # A member who arrives after the opening is not a voter in it.
        late = join(srv.url, srv.ctx["participants"][VOTERS[4][0]]["url"])
        lc, lh = await connect(srv.url, late["session"], label="late")
        p = [x for x in lh["state"]["polls"] if x["poll"] == poll][0]
        assert p["state"] == "open" and p["voted"] is False and p["eligible"] == 4, p
        assert "counts" not in p, p
        rep = await lc.request("ballot.cast", poll=poll, option=0)
        assert error_code(rep) == "forbidden", rep

        start = len(c["display"].inbox)
        await c[present[0]].ok("ballot.cast", poll=poll, option=0)
        rep = await c[present[0]].request("ballot.cast", poll=poll, option=1)
        assert error_code(rep) == "conflict", rep
        rep = await c[present[1]].request("ballot.cast", poll=poll, option=3)
        assert error_code(rep) == "bad_request", rep
        await c[present[1]].ok("ballot.cast", poll=poll, option=0)
        await c[present[2]].ok("ballot.cast", poll=poll, option=1)
        prog = await c["display"].wait_for(
            lambda m: m.get("type") == "poll.progress" and m.get("cast") == 3,
            "poll.progress with 3 cast", start=start)
        assert set(prog) == {"type", "poll", "cast", "eligible"}, prog
        assert prog["eligible"] == 4 and "seq" not in prog

        rep = await c["chair"].ok("poll.missing", poll=poll)
        assert [x["name"] for x in rep["missing"]] == ["Chair"], rep
        # Another poll cannot open while this one is.
        rep = await c["chair"].request("poll.open", question="Khác?", secret=False)
        assert error_code(rep) == "conflict", rep

        await c["chair"].ok("poll.close", poll=poll)
        ev = await c[present[0]].wait_for(lambda m: m.get("type") == "poll.closed",
                                          "poll.closed")
        assert ev["counts"] == [2, 1, 0] and ev["cast"] == 3 and ev["eligible"] == 4, ev
        assert ev["outcome"] == "passed" and ev["rule"] == "cast", ev  # 2 of 3 for the first
        assert ev["names"] == [sorted(present[:2]), [present[2]], []], ev
        rep = await c["chair"].request("ballot.cast", poll=poll, option=0)
        assert error_code(rep) == "conflict", rep
        rep = await c["chair"].request("poll.close", poll=poll)
        assert error_code(rep) == "conflict", rep

        # hello after the close: the result is in the state.
        hc, hh = await connect(srv.url, sessions[present[0]]["session"], label="again")
        p = [x for x in hh["state"]["polls"] if x["poll"] == poll][0]
        assert p["state"] == "closed" and p["voted"] is True and p["counts"] == [2, 1, 0], p
        await close_all(list(c.values()) + [lc, hc])
    run(body())


def test_secret_poll_leaks_nothing(server_factory):
    srv = server_factory(prepare)
    sessions = join_all(srv)
    ids = {k: v["participant"] for k, v in sessions.items()}
    names = [n for n, _ in VOTERS] + ["Chair"]
    choices = {VOTERS[0][0]: 0, VOTERS[1][0]: 0, VOTERS[2][0]: 1, VOTERS[3][0]: 2,
               VOTERS[4][0]: 0, "chair": 0}

    async def body():
        c = await connect_all(srv, sessions)
        rep = await c["chair"].ok("poll.open", question="Bầu trưởng ban?", secret=True,
                                  rule="two_thirds")
        poll = rep["poll"]
        rep = await c["chair"].request("poll.missing", poll=poll)
        assert error_code(rep) == "forbidden", rep
        start = len(c["display"].inbox)
        for who, opt in choices.items():
            await c[who].ok("ballot.cast", poll=poll, option=opt)
        await c["display"].wait_for(lambda m: m.get("type") == "poll.progress"
                                    and m.get("cast") == 6, "the last progress", start=start)
        await c["chair"].ok("poll.close", poll=poll)
        ev = await c["display"].wait_for(lambda m: m.get("type") == "poll.closed", "poll.closed")
        assert ev["counts"] == [4, 1, 1] and ev["outcome"] == "passed", ev  # 4 of 5 ≥ ⅔
        assert "names" not in ev and ev["secret"] is True, ev
        # Nothing on the wire, to anyone, says who voted what.
        for cl in c.values():
            for m in cl.inbox:
                if m.get("type") in ("poll.progress", "poll.closed"):
                    text = str(m)
                    for who in choices:
                        assert ids[who] not in text, (who, m)
                    for n in names:
                        assert n not in text, (n, m)
        await close_all(c.values())
        return poll
    poll = run(body())
    srv.stop()

    db = sqlite3.connect(os.path.join(srv.data, "plenum.db"))
    try:
        cols = {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
                for t in ("poll_voter", "poll_tally", "ballot")}
        assert cols["poll_voter"] == ["poll", "participant"], cols
        assert cols["poll_tally"] == ["poll", "option", "count"], cols
        for t in ("poll_voter", "poll_tally"):
            sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (t,)).fetchone()[0]
            assert "WITHOUT ROWID" in sql, sql
        voters = {r[0] for r in db.execute(
            "SELECT participant FROM poll_voter WHERE poll = ?", (poll,))}
        assert voters == {ids[w] for w in choices}
        tally = dict(db.execute("SELECT option, count FROM poll_tally WHERE poll = ?", (poll,)))
        assert tally == {0: 4, 1: 1, 2: 1}, tally
        assert db.execute("SELECT COUNT(*) FROM ballot WHERE poll = ?",
                          (poll,)).fetchone()[0] == 0
        # The event log: opened and closed, by the chair; no voter appears.
        rows = db.execute("SELECT type, actor, body FROM event WHERE type LIKE 'poll.%'").fetchall()
        assert [r[0] for r in rows] == ["poll.opened", "poll.closed"], rows
        for _, actor, body in rows:
            assert actor == ids["chair"]
            for w in choices:
                if w != "chair":
                    assert ids[w] not in body
        # No other table holds a voter next to this poll.
        for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            if t in ("poll_voter", "poll_eligible", "poll") or t.startswith("page_text"):
                continue
            text = " ".join(str(r) for r in db.execute(f"SELECT * FROM \"{t}\""))
            if poll in text:
                assert t in ("poll_tally", "event"), t
    finally:
        db.close()


def test_acknowledged_ballots_survive_sigkill(server_factory):
    srv = server_factory(prepare)
    sessions = join_all(srv)
    voters = [n for n, _ in VOTERS]

    async def before():
        c = await connect_all(srv, {k: sessions[k] for k in ["chair"] + voters})
        poll = (await c["chair"].ok("poll.open", question="Thông qua?", secret=True))["poll"]
        # Three ballots sent at once (one group commit), all acknowledged.
        import asyncio
        reps = await asyncio.gather(*(c[v].request("ballot.cast", poll=poll, option=i % 2)
                                      for i, v in enumerate(voters[:3])))
        assert all(r["ok"] for r in reps), reps
        return poll
    poll = run(before())
    # SIGKILL: no orderly shutdown, nothing flushed on the way out.
    p = srv.proc
    p.kill()
    p.wait()
    srv.proc = None
    srv._log.close()
    srv.start()

    async def after():
        c = await connect_all(srv, {k: sessions[k] for k in ["chair"] + voters})
        hello = await c[voters[0]].hello()
        p = [x for x in hello["state"]["polls"] if x["poll"] == poll][0]
        assert p["state"] == "open" and p["cast"] == 3 and p["voted"] is True, p
        rep = await c[voters[1]].request("ballot.cast", poll=poll, option=0)
        assert error_code(rep) == "conflict", rep  # still one ballot each
        await c[voters[3]].ok("ballot.cast", poll=poll, option=0)
        await c["chair"].ok("poll.close", poll=poll)
        ev = await c["chair"].wait_for(lambda m: m.get("type") == "poll.closed", "poll.closed")
        assert ev["counts"] == [3, 1, 0] and ev["cast"] == 4, ev
        await close_all(c.values())
    run(after())


def test_majority_rules_over_the_wire(server_factory):
    srv = server_factory(prepare)
    voters = [n for n, _ in VOTERS]
    sessions = join_all(srv, voters[:4])   # chair + 4 of 5 present: 5 of 6 members

    async def poll_with(c, rule, ballots, options=None):
        kw = {"options": options} if options else {}
        poll = (await c["chair"].ok("poll.open", question=f"Quy tắc {rule}?", secret=False,
                                    rule=rule, **kw))["poll"]
        for who, opt in ballots:
            await c[who].ok("ballot.cast", poll=poll, option=opt)
        n = len(c["chair"].inbox)
        await c["chair"].ok("poll.close", poll=poll)
        return await c["chair"].wait_for(lambda m: m.get("type") == "poll.closed"
                                         and m.get("poll") == poll, "poll.closed", start=n)

    async def body():
        c = await connect_all(srv, sessions)
        v = voters
        # cast: a tie fails; abstentions are not votes cast
        ev = await poll_with(c, "cast", [("chair", 0), (v[0], 0), (v[1], 1), (v[2], 1)])
        assert ev["outcome"] == "failed", ev
        ev = await poll_with(c, "cast", [("chair", 0), (v[0], 2), (v[1], 2), (v[2], 2)])
        assert ev["outcome"] == "passed" and ev["counts"] == [1, 0, 3], ev
        # two thirds of votes cast, exactly
        ev = await poll_with(c, "two_thirds", [("chair", 0), (v[0], 0), (v[1], 1), (v[2], 2)])
        assert ev["outcome"] == "passed", ev
        ev = await poll_with(c, "two_thirds", [("chair", 0), (v[0], 1)])
        assert ev["outcome"] == "failed", ev
        # present: more than half of the 5 present at opening
        ev = await poll_with(c, "present", [("chair", 0), (v[0], 0), (v[1], 0)])
        assert ev["outcome"] == "passed" and ev["eligible"] == 5, ev
        ev = await poll_with(c, "present", [("chair", 0), (v[0], 0), (v[1], 2), (v[2], 2)])
        assert ev["outcome"] == "failed", ev
        # all: more than half of the 6 members, present or not
        ev = await poll_with(c, "all", [("chair", 0), (v[0], 0), (v[1], 0)])
        assert ev["outcome"] == "failed" and ev["members"] == 6, ev
        ev = await poll_with(c, "all", [("chair", 0), (v[0], 0), (v[1], 0), (v[2], 0)])
        assert ev["outcome"] == "passed", ev
        # custom options: the first one must win by the rule
        ev = await poll_with(c, "cast", [("chair", 0), (v[0], 1), (v[1], 0)],
                             options=["Phương án A", "Phương án B"])
        assert ev["outcome"] == "passed" and ev["options"] == ["Phương án A", "Phương án B"], ev
        await close_all(c.values())
    run(body())

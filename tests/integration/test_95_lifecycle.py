# SPDX-License-Identifier: AGPL-3.0-or-later
"""The meeting's lifecycle, attendance and quorum over the wire.

meeting.open / meeting.close by every role and from the command line; a
closed meeting that refuses every write (requests and uploads) with the
same message; the secretary checking people in and marking absences; the
quorum in hello and its notices; all of it surviving a restart."""

from conftest import PDF_4_PAGES, cli, cli_json, data_file
from helpers import close_all, connect, join, run, upload

MEMBERS = [("Nguyễn Văn An", "Giám đốc"), ("Trần Thị Bình", "Phó giám đốc"),
           ("Lê Minh Châu", "Trưởng phòng"), ("Phạm Quốc Dũng", "Chuyên viên")]
CLOSED = "this meeting is closed"


def prepare(server):
    m = server.meeting(title="Họp thường kỳ", agenda=["Khai mạc", "Bế mạc"], guests=True)
    for name, title in MEMBERS:
        server.participant(m, name, title=title)
    server.doc(m, PDF_4_PAGES, item=1)
    return m


def join_some(srv):
    """The chair, the secretary, the display, a guest and the first member:
    the chair and that member are checked in by joining (2 of 5)."""
    m = srv.ctx
    return {"chair": join(srv.url, m["chair_url"]),
            "secretary": join(srv.url, m["secretary_url"]),
            "display": join(srv.url, m["display_url"]),
            "guest": join(srv.url, m["join_url"], name="Khách Mời"),
            "member": join(srv.url, m["participants"][MEMBERS[0][0]]["url"])}


async def connect_all(srv, sessions):
    clients = {}
    for k, v in sessions.items():
        clients[k], _ = await connect(srv.url, v["session"], label=k)
    return clients


def refusal(reply):
    assert reply.get("ok") is False, f"expected a refusal, got {reply}"
    return reply["error"]["code"]


def pid(srv, name):
    return srv.ctx["participants"][name]["participant"]


def person(state, participant):
    for p in state["participants"]:
        if p["id"] == participant:
            return p
    raise AssertionError(f"{participant} not in {state['participants']}")


def test_every_role_and_request(server_factory):
    srv = server_factory(prepare)
    s = join_some(srv)
    other = pid(srv, MEMBERS[1][0])

    async def body():
        c = await connect_all(srv, s)
        try:
            for r in ("secretary", "display", "guest", "member"):
                for t in ("meeting.open", "meeting.close"):
                    assert refusal(await c[r].request(t)) == "forbidden", (r, t)
            for r in ("display", "guest", "member"):
                rep = await c[r].request("attendance.checkin", participant=other)
                assert refusal(rep) == "forbidden", r
                rep = await c[r].request("attendance.absent", participant=other, reason="Ốm")
                assert refusal(rep) == "forbidden", r

            rep = await c["chair"].ok("meeting.open")
            assert isinstance(rep["seq"], int)
            ev = await c["guest"].wait_for(lambda m: m.get("type") == "meeting.opened",
                                           "meeting.opened")
            assert ev["seq"] == rep["seq"] and isinstance(ev["at"], str), ev
            rep = await c["chair"].request("meeting.open")
            assert refusal(rep) == "conflict", rep

            await c["secretary"].ok("attendance.checkin", participant=other)
            await c["chair"].ok("attendance.absent", participant=other, reason="Đi công tác")
            rep = await c["secretary"].request("attendance.checkin", participant="nnnnnnnnnnnn")
            assert refusal(rep) == "not_found", rep
            rep = await c["secretary"].request("attendance.absent", participant=other)
            assert refusal(rep) == "bad_request", rep

            rep = await c["chair"].ok("meeting.close")
            ev = await c["member"].wait_for(lambda m: m.get("type") == "meeting.closed",
                                            "meeting.closed")
            assert ev["seq"] == rep["seq"], ev
            rep = await c["chair"].request("meeting.open")
            assert refusal(rep) == "conflict" and rep["error"]["message"] == CLOSED, rep
            rep = await c["chair"].request("meeting.close")
            assert refusal(rep) == "conflict", rep
            # hello shows the state.
            _, hello = await connect(srv.url, s["display"]["session"], label="late")
            assert hello["state"]["meeting"]["state"] == "closed", hello["state"]["meeting"]
            await _.close()
        finally:
            await close_all(c.values())

    run(body())


def test_closed_meeting_refuses_every_write(server_factory):
    srv = server_factory(prepare)
    s = join_some(srv)
    meeting = srv.ctx["meeting"]

    async def body():
        c = await connect_all(srv, s)
        try:
            _, hello = await connect(srv.url, s["chair"]["session"], label="chair2")
            await _.close()
            assert hello["state"]["meeting"]["state"] == "draft"
            doc = hello["state"]["documents"][0]["id"]
            item = hello["state"]["agenda"][1]["id"]
            await c["chair"].ok("meeting.open")
            poll = (await c["chair"].ok("poll.open", question="Thông qua?", secret=False))["poll"]
            # A meeting with an open vote cannot close (see below): close it.
            await c["chair"].ok("poll.close", poll=poll)
            await c["chair"].ok("meeting.close")

            writes = [
                ("chair", "present", {"doc": doc, "page": 2}),
                ("chair", "present", {"doc": None}),
                ("secretary", "doc.rename", {"doc": doc, "title": "Mới"}),
                ("secretary", "doc.move", {"doc": doc, "item": item, "position": 1}),
                ("chair", "doc.remove", {"doc": doc}),
                ("chair", "poll.open", {"question": "Lần hai?", "secret": True}),
                ("chair", "poll.close", {"poll": poll}),
                ("chair", "ballot.cast", {"poll": poll, "option": 0}),
                ("member", "ballot.cast", {"poll": poll, "option": 1}),
                ("secretary", "attendance.checkin", {"participant": pid(srv, MEMBERS[2][0])}),
                ("secretary", "attendance.absent",
                 {"participant": pid(srv, MEMBERS[2][0]), "reason": "Ốm"}),
            ]
            for who, t, fields in writes:
                rep = await c[who].request(t, **fields)
                assert refusal(rep) == "conflict", (t, rep)
                assert rep["error"]["message"] == CLOSED, (t, rep)
            # Permission is still checked first.
            assert refusal(await c["member"].request("present", doc=None)) == "forbidden"
            # Reading still works.
            await c["chair"].ok("poll.missing", poll=poll)
            await c["member"].ok("ping")

            with open(data_file(PDF_4_PAGES), "rb") as f:
                pdf = f.read()
            r = upload(srv.url, meeting, s["secretary"]["session"], "them.pdf", pdf)
            assert r.status == 409, r
            assert r.json()["error"]["code"] == "conflict", r
            assert r.json()["error"]["message"] == CLOSED, r

            _, hello = await connect(srv.url, s["chair"]["session"], label="chair3")
            await _.close()
            st = hello["state"]
            assert st["meeting"]["state"] == "closed"
            assert st["documents"][0]["title"] != "Mới" and len(st["documents"]) == 1
            assert st["presented"] is None
        finally:
            await close_all(c.values())

    run(body())


def test_command_line_open_and_close(server_factory):
    srv = server_factory(prepare)
    s = join_some(srv)
    m = srv.ctx["meeting"]

    async def body(expect):
        c, hello = await connect(srv.url, s["chair"]["session"], label="chair")
        await c.close()
        assert hello["state"]["meeting"]["state"] == expect, hello["state"]["meeting"]
        return hello["seq"]

    seq = run(body("draft"))
    ev = cli_json("meeting", "open", "--data", srv.data, "--meeting", m)
    assert ev["type"] == "meeting.opened" and ev["seq"] == seq + 1, ev
    assert run(body("live")) == seq + 1
    p = cli("meeting", "open", "--data", srv.data, "--meeting", m, check=False)
    assert p.returncode != 0 and "open already" in p.stderr, p
    p = cli("meeting", "close", "--data", srv.data, "--meeting", m)
    assert "closed" in p.stdout, p
    assert run(body("closed")) == seq + 2
    p = cli("meeting", "open", "--data", srv.data, "--meeting", m, check=False)
    assert p.returncode != 0 and CLOSED in p.stderr, p
    p = cli("meeting", "close", "--data", srv.data, "--meeting", "zzzzzzzzzzzz", check=False)
    assert p.returncode != 0 and "no meeting" in p.stderr, p

    async def resume():
        c, hello = await connect(srv.url, s["member"]["session"], label="member", since=seq)
        await c.close()
        return [e["type"] for e in hello["events"]]

    assert run(resume()) == ["meeting.opened", "meeting.closed"]

    async def refused():
        c, _ = await connect(srv.url, s["chair"]["session"], label="chair")
        try:
            rep = await c.request("present", doc=None)
            assert refusal(rep) == "conflict" and rep["error"]["message"] == CLOSED, rep
        finally:
            await c.close()

    run(refused())


def test_attendance_and_quorum(server_factory):
    srv = server_factory(prepare)
    s = join_some(srv)
    ids = [pid(srv, n) for n, _ in MEMBERS]

    def quorum_notices(client, start):
        return [n for n in client.notices("quorum.changed", start)]

    async def body():
        c = {}
        c["chair"], hello = await connect(srv.url, s["chair"]["session"], label="chair")
        c["secretary"], _ = await connect(srv.url, s["secretary"]["session"], label="secretary")
        try:
            st = hello["state"]
            assert st["quorum"] == {"present": 2, "members": 5, "needed": 3,
                                    "rule": "majority", "reached": False}, st["quorum"]
            assert isinstance(person(st, ids[0])["checked_in"], str)
            assert person(st, ids[1])["checked_in"] is None
            assert person(st, ids[1])["absent"] is None
            assert person(st, s["secretary"]["participant"])["checked_in"] is not None

            sec = c["secretary"]
            start = len(sec.inbox)
            rep = await sec.ok("attendance.checkin", participant=ids[1])
            ev = await sec.wait_for(lambda m: m.get("type") == "attendance.changed",
                                    "attendance.changed", start=start)
            assert ev["seq"] == rep["seq"] and ev["participant"] == ids[1], ev
            assert ev["present"] is True and isinstance(ev["at"], str), ev
            n = await sec.wait_for(lambda m: m.get("type") == "quorum.changed",
                                   "quorum.changed", start=start)
            assert "seq" not in n
            assert (n["present"], n["members"], n["reached"], n["crossed"]) == (3, 5, True, True), n

            # A member who joins is checked in: the counts go out again.
            start = len(sec.inbox)
            join(srv.url, srv.ctx["participants"][MEMBERS[2][0]]["url"])
            n = await sec.wait_for(lambda m: m.get("type") == "quorum.changed",
                                   "quorum.changed", start=start)
            assert (n["present"], n["reached"], n["crossed"]) == (4, True, False), n

            # Checking in someone already present changes no count.
            start = len(sec.inbox)
            await sec.ok("attendance.checkin", participant=ids[2])
            await sec.ok("ping")
            await c["chair"].ok("ping")
            # Ring messages go out before replies: whatever came before the
            # pongs is in the inboxes now.
            cstart = len(c["chair"].inbox)
            assert not quorum_notices(sec, start)
            start = len(sec.inbox)

            await sec.ok("attendance.absent", participant=ids[1], reason="Đi công tác")
            await sec.ok("attendance.absent", participant=ids[2], reason="Ốm")
            # Two changes within a quarter of a second may come as one notice
            # with the counts of the end (the server batches notices); the
            # loss of the quorum is announced either way.
            got = await c["chair"].wait_for(
                lambda m: m.get("type") == "quorum.changed" and m["present"] == 2,
                "quorum.changed", start=cstart)
            got = [n for n in c["chair"].notices("quorum.changed", cstart)]
            assert [(n["present"], n["reached"], n["crossed"]) for n in got] in (
                [(3, True, False), (2, False, True)], [(2, False, True)]), got
            absent = [e for e in sec.events("attendance.changed", start) if not e["present"]]
            assert [(e["participant"], e["reason"]) for e in absent] == \
                [(ids[1], "Đi công tác"), (ids[2], "Ốm")], absent
            await sec.wait_for(lambda m: m.get("type") == "quorum.changed" and m["present"] == 2,
                               "quorum.changed", start=start)
            assert len(quorum_notices(sec, start)) == len(got)

            c2, hello = await connect(srv.url, s["display"]["session"], label="display")
            await c2.close()
            st = hello["state"]
            assert st["quorum"] == {"present": 2, "members": 5, "needed": 3,
                                    "rule": "majority", "reached": False}
            assert person(st, ids[1])["absent"] == "Đi công tác"
            assert person(st, ids[1])["checked_in"] is None
            assert person(st, ids[2])["absent"] == "Ốm"
        finally:
            await close_all(c.values())

    run(body())

    # Everything survives a restart: attendance, absences, the closed state.
    async def close():
        c, _ = await connect(srv.url, s["chair"]["session"], label="chair")
        try:
            await c.ok("attendance.checkin", participant=ids[3])
            await c.ok("meeting.open")
            await c.ok("meeting.close")
        finally:
            await c.close()

    run(close())
    srv.restart()

    async def after():
        c, hello = await connect(srv.url, s["secretary"]["session"], label="secretary")
        try:
            st = hello["state"]
            assert st["meeting"]["state"] == "closed"
            assert st["quorum"] == {"present": 3, "members": 5, "needed": 3,
                                    "rule": "majority", "reached": True}, st["quorum"]
            assert person(st, ids[1])["absent"] == "Đi công tác"
            assert person(st, ids[2])["absent"] == "Ốm"
            assert isinstance(person(st, ids[3])["checked_in"], str)
            assert isinstance(person(st, ids[0])["checked_in"], str)
            rep = await c.request("attendance.checkin", participant=ids[1])
            assert refusal(rep) == "conflict" and rep["error"]["message"] == CLOSED, rep
        finally:
            await c.close()

    run(after())


def test_close_waits_for_the_open_vote_and_the_speaker(server_factory):
    """Closing would strand an open vote (its ballots refused forever) or a
    speaker's running turn: the chair is told to finish them first."""
    srv = server_factory(prepare)
    s = join_some(srv)

    async def go():
        cl = await connect_all(srv, {"chair": s["chair"], "member": s["member"]})
        chair, member = cl["chair"], cl["member"]
        opened = await chair.ok("poll.open", question="Thông qua?", secret=False)
        r = await chair.request("meeting.close")
        assert refusal(r) == "conflict" and "vote is open" in r["error"]["message"], r
        await chair.ok("poll.close", poll=opened["poll"])
        await member.ok("speaker.request")
        await chair.ok("speaker.next")
        r = await chair.request("meeting.close")
        assert refusal(r) == "conflict" and "has the floor" in r["error"]["message"], r
        await chair.ok("speaker.end")
        await chair.ok("meeting.close")
        await close_all(list(cl.values()))

    run(go())
    out = cli("meeting", "open", "--data", srv.data, "--meeting", srv.ctx["meeting"], check=False)
    assert out.returncode != 0 and CLOSED in out.stderr, out


def test_quorum_rules(server_factory):
    """`--quorum two_thirds` and `all` move the line; the rule is in hello
    and frozen into a poll opened under it; bad rules are refused."""
    def prep(server):
        out = {}
        for rule in ("two_thirds", "all"):
            m = server.meeting(title=f"Quorum {rule}", agenda=["Một"],
                               extra=["--quorum", rule])
            for name, title in MEMBERS:
                server.participant(m, name, title=title)
            out[rule] = m
        return out
    srv = server_factory(prep)

    async def body():
        for rule, needed in (("two_thirds", 4), ("all", 5)):
            m = srv.ctx[rule]
            chair = join(srv.url, m["chair_url"])
            members = [join(srv.url, m["participants"][n]["url"]) for n, _ in MEMBERS]
            c, hello = await connect(srv.url, chair["session"], label="chair")
            try:
                q = hello["state"]["quorum"]
                assert (q["present"], q["members"], q["needed"], q["rule"]) == \
                    (5, 5, needed, rule), q
                assert q["reached"] is True
                assert hello["state"]["meeting"]["quorum_rule"] == rule
                sec = join(srv.url, m["secretary_url"])
                s, _ = await connect(srv.url, sec["session"], label="secretary")
                try:
                    # One member away: two thirds still holds (4 of 5), all does not.
                    await s.ok("attendance.absent", participant=members[3]["participant"],
                               reason="Đi công tác")
                    c2, h2 = await connect(srv.url, chair["session"], label="chair2")
                    await close_all([c2])
                    q = h2["state"]["quorum"]
                    assert q["present"] == 4 and q["reached"] is (rule == "two_thirds"), q
                    rep = await c.ok("poll.open", question="Thông qua?",
                                     options=["Tán thành", "Không tán thành"],
                                     secret=False)
                    ev = await c.wait_for(lambda e: e.get("type") == "poll.opened",
                                          "poll.opened")
                    assert ev["poll"] == rep["poll"]
                    assert ev["quorum"] is (rule == "two_thirds"), ev
                    await c.ok("poll.close", poll=rep["poll"])
                finally:
                    await close_all([s])
            finally:
                await close_all([c])
    run(body())
    for bad in ("half", "", "ALL"):
        p = cli("meeting", "create", "--data", srv.data, "--title", "X", "--quorum", bad,
                check=False)
        assert p.returncode == 2 and "--quorum" in p.stderr, (bad, p.stderr)


def test_wifi_in_the_snapshot(server_factory):
    """The room's Wi-Fi given at creation is in hello's meeting (the room
    display draws its QR code); a bad one is refused with a clear line."""
    def prep(server):
        return {"wifi": server.meeting(title="Phòng họp A", extra=[
                    "--wifi-ssid", "Phòng họp A", "--wifi-password", "matkhau123"]),
                "none": server.meeting(title="Không Wi-Fi")}
    srv = server_factory(prep)

    async def body():
        for key, want in (("wifi", {"ssid": "Phòng họp A", "password": "matkhau123"}),
                          ("none", None)):
            d = join(srv.url, srv.ctx[key]["display_url"])
            c, hello = await connect(srv.url, d["session"], label="display")
            try:
                assert hello["state"]["meeting"].get("wifi") == want, hello["state"]["meeting"]
            finally:
                await close_all([c])
    run(body())
    for args, word in ((["--wifi-password", "matkhau123"], "--wifi-ssid"),
                       (["--wifi-ssid", "A", "--wifi-password", "short"], "--wifi-password"),
                       (["--wifi-ssid", "x" * 33], "--wifi-ssid")):
        p = cli("meeting", "create", "--data", srv.data, "--title", "X", *args, check=False)
        assert p.returncode == 2 and word in p.stderr, (args, p.stderr)

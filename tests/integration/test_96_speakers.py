# SPDX-License-Identifier: AGPL-3.0-or-later
"""The speakers queue over the wire (issue 4).

speaker.request / withdraw / next / end by every role; the queue's order;
the conflicts; the floor passing to the first in the queue and the length
of the turn that ended; hello's `speakers` and `now`; the queue and the
current speaker surviving a restart; a closed meeting refusing all of it."""

import re
from datetime import datetime, timezone

from helpers import close_all, connect, join, run

MEMBERS = [("Nguyễn Văn An", "Giám đốc"), ("Trần Thị Bình", "Phó giám đốc"),
           ("Lê Minh Châu", "Trưởng phòng")]
CLOSED = "this meeting is closed"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def prepare(server):
    m = server.meeting(title="Họp thường kỳ", agenda=["Khai mạc"], guests=True)
    for name, title in MEMBERS:
        server.participant(m, name, title=title)
    return m


def sessions(srv):
    m = srv.ctx
    s = {"chair": join(srv.url, m["chair_url"]),
         "secretary": join(srv.url, m["secretary_url"]),
         "display": join(srv.url, m["display_url"]),
         "guest": join(srv.url, m["join_url"], name="Khách Mời")}
    for i, (name, _) in enumerate(MEMBERS):
        s[f"m{i}"] = join(srv.url, m["participants"][name]["url"])
    return s


async def connect_all(srv, s):
    clients, ids = {}, {}
    for k, v in s.items():
        clients[k], hello = await connect(srv.url, v["session"], label=k)
        ids[k] = hello["you"]["participant"]
    return clients, ids


def refusal(reply):
    assert reply.get("ok") is False, f"expected a refusal, got {reply}"
    return reply["error"]["code"]


def parse(t):
    assert ISO_MS.match(t), t
    return datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def test_queue_floor_and_roles(server_factory):
    srv = server_factory(prepare)
    s = sessions(srv)

    async def body():
        c, ids = await connect_all(srv, s)
        try:
            hello = await c["m0"].hello()
            now = parse(hello["now"])
            assert abs((datetime.now(timezone.utc) - now).total_seconds()) < 60, hello["now"]
            assert hello["state"]["speakers"] == {"queue": [], "current": None}

            # Who may ask: not the display, not the secretary.
            for r in ("display", "secretary"):
                assert refusal(await c[r].request("speaker.request")) == "forbidden", r
                assert refusal(await c[r].request("speaker.withdraw")) == "forbidden", r
            for r in ("secretary", "display", "guest", "m0"):
                assert refusal(await c[r].request("speaker.next")) == "forbidden", r
            # Nobody holds the floor yet.
            assert refusal(await c["chair"].request("speaker.end")) == "conflict"
            assert refusal(await c["chair"].request("speaker.next")) == "conflict"
            assert refusal(await c["m0"].request("speaker.withdraw")) == "conflict"

            # The queue, in the order of the requests.
            order = ["m1", "guest", "m0", "chair"]
            for r in order:
                rep = await c[r].ok("speaker.request")
                ev = await c["display"].wait_for(lambda m, q=rep["seq"]: m.get("seq") == q,
                                                 "speaker.requested")
                assert ev["type"] == "speaker.requested" and ev["participant"] == ids[r], ev
                parse(ev["at"])
            rep = await c["m1"].request("speaker.request")
            assert refusal(rep) == "conflict", rep
            st = (await c["display"].hello())["state"]["speakers"]
            assert [q["participant"] for q in st["queue"]] == [ids[r] for r in order], st
            assert st["current"] is None
            ats = [parse(q["at"]) for q in st["queue"]]
            assert ats == sorted(ats)

            # Withdraw the chair's own request; the guest goes too.
            await c["chair"].ok("speaker.withdraw")
            rep = await c["guest"].ok("speaker.withdraw")
            ev = await c["m2"].wait_for(lambda m: m.get("seq") == rep["seq"], "withdrawn")
            assert ev == {**ev, "type": "speaker.withdrawn", "participant": ids["guest"]}
            assert refusal(await c["guest"].request("speaker.withdraw")) == "conflict"

            # The floor passes to the first in the queue.
            rep = await c["chair"].ok("speaker.next")
            ev = await c["m2"].wait_for(lambda m: m.get("seq") == rep["seq"], "floor")
            assert ev["type"] == "speaker.floor" and ev["participant"] == ids["m1"], ev
            assert "ended" not in ev
            since = parse(ev["since"])
            # Holding the floor: cannot queue again, cannot be given it again.
            assert refusal(await c["m1"].request("speaker.request")) == "conflict"
            rep = await c["chair"].request("speaker.next", participant=ids["m1"])
            assert refusal(rep) == "conflict", rep
            # Someone else cannot end the turn.
            assert refusal(await c["m0"].request("speaker.end")) == "forbidden"
            assert refusal(await c["chair"].request("speaker.next",
                                                    participant="zzzzzzzzzzzz")) == "not_found"
            assert refusal(await c["chair"].request("speaker.next",
                                                    participant=ids["display"])) == "bad_request"

            hello = await c["guest"].hello()
            cur = hello["state"]["speakers"]["current"]
            assert cur == {"participant": ids["m1"], "since": ev["since"]}, cur
            assert parse(hello["now"]) >= since

            # next again: m1's turn ends, m0 (next in the queue) speaks.
            rep = await c["chair"].ok("speaker.next")
            ev = await c["m2"].wait_for(lambda m: m.get("seq") == rep["seq"], "floor")
            assert ev["participant"] == ids["m0"], ev
            ended = ev["ended"]
            assert ended["participant"] == ids["m1"], ev
            assert isinstance(ended["seconds"], int) and 0 <= ended["seconds"] < 120, ev
            st = (await c["m2"].hello())["state"]["speakers"]
            assert st["queue"] == [] and st["current"]["participant"] == ids["m0"], st

            # The speaker ends their own turn.
            rep = await c["m0"].ok("speaker.end")
            ev = await c["m2"].wait_for(lambda m: m.get("seq") == rep["seq"], "ended")
            assert ev["type"] == "speaker.ended" and ev["participant"] == ids["m0"], ev
            assert isinstance(ev["seconds"], int) and 0 <= ev["seconds"] < 120, ev
            assert refusal(await c["m0"].request("speaker.end")) == "conflict"

            # The chair gives the floor to someone not in the queue (even
            # the secretary) and ends it.
            await c["chair"].ok("speaker.next", participant=ids["secretary"])
            await c["m2"].ok("speaker.request")
            rep = await c["chair"].ok("speaker.end")
            ev = await c["m2"].wait_for(lambda m: m.get("seq") == rep["seq"], "ended")
            assert ev["participant"] == ids["secretary"], ev
            # Given the floor directly, a queued participant leaves the queue.
            await c["chair"].ok("speaker.next", participant=ids["m2"])
            st = (await c["m2"].hello())["state"]["speakers"]
            assert st["queue"] == [] and st["current"]["participant"] == ids["m2"], st

            # Each turn is in the event log, with seq.
            got = await c["m1"].ok("hello", since=0)
            types = [e["type"] for e in got["events"] if e["type"].startswith("speaker.")]
            assert types.count("speaker.floor") == 4 and types.count("speaker.requested") == 5, types
        finally:
            await close_all(c.values())

    run(body())


def test_restart_keeps_queue_and_closed_refuses(server_factory):
    srv = server_factory(prepare)
    s = sessions(srv)

    async def before():
        c, ids = await connect_all(srv, s)
        try:
            await c["m0"].ok("speaker.request")
            await c["m1"].ok("speaker.request")
            await c["guest"].ok("speaker.request")
            await c["chair"].ok("speaker.next")
            return ids, (await c["m2"].hello())["state"]["speakers"]
        finally:
            await close_all(c.values())

    ids, st0 = run(before())
    assert st0["current"]["participant"] == ids["m0"], st0
    srv.restart()

    async def after():
        c, _ = await connect_all(srv, s)
        try:
            st = (await c["m2"].hello())["state"]["speakers"]
            assert st == st0, (st, st0)
            await c["chair"].ok("meeting.open")
            # A meeting cannot close while someone has the floor.
            rep = await c["chair"].request("meeting.close")
            assert refusal(rep) == "conflict" and "has the floor" in rep["error"]["message"], rep
            await c["m0"].ok("speaker.end")
            st1 = (await c["m2"].hello())["state"]["speakers"]
            assert st1["current"] is None and st1["queue"] == st0["queue"], st1
            await c["chair"].ok("meeting.close")
            for r, t, f in (("m2", "speaker.request", {}), ("m1", "speaker.withdraw", {}),
                            ("chair", "speaker.next", {}),
                            ("chair", "speaker.next", {"participant": ids["m2"]}),
                            ("chair", "speaker.end", {})):
                rep = await c[r].request(t, **f)
                assert refusal(rep) == "conflict" and rep["error"]["message"] == CLOSED, (r, t, rep)
            assert (await c["m2"].hello())["state"]["speakers"] == st1
        finally:
            await close_all(c.values())

    run(after())

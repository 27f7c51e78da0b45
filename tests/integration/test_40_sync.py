# SPDX-License-Identifier: AGPL-3.0-or-later
"""Many clients in step: fan-out order, late joiners, and catching up with
`hello {since}` after a reconnect."""

import asyncio

import pytest

from conftest import PDF_4_PAGES, member_url, module_server, prepare_standard
from helpers import close_all, connect, join, run

MEMBERS = [(f"Đại biểu {i:02d}", "Đại biểu") for i in range(1, 11)]


def prepare(server):
    return {
        "fan": prepare_standard(server, members=MEMBERS, title="Kỳ họp thứ 5"),
        "late": prepare_standard(server, members=MEMBERS[:2], title="Họp tổ"),
        "since": prepare_standard(server, members=MEMBERS[:2], title="Họp ban"),
        "long": prepare_standard(server, members=MEMBERS[:1], title="Họp cả ngày"),
    }


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    yield from module_server(tmp_path_factory, prepare)


def doc(m):
    return m["docs"][PDF_4_PAGES]["doc"]


def presented(c, after):
    return [e for e in c.events("presented") if e["seq"] > after]


async def present_burst(chair, d, pages):
    """Send every present at once, then collect the replies in order."""
    ids = []
    for p in pages:
        i = chair.new_id()
        ids.append(i)
        await chair.send({"id": i, "type": "present", "doc": d, "page": p})
    replies = []
    for i in ids:
        r = await chair.wait_for(lambda m, i=i: m.get("re") == i, f"reply to present id {i}",
                                 timeout=60)
        assert r.get("ok") is True, r
        replies.append(r)
    return replies


def test_fifty_clients_get_twenty_events_in_order(srv):
    m = srv.ctx["fan"]
    sessions = [join(srv.url, member_url(m, name))["session"]
                for name, _ in MEMBERS for _ in range(5)]
    chair = join(srv.url, m["chair_url"])["session"]
    pages = [(i % 4) + 1 for i in range(20)]

    async def go():
        cc, ch = await connect(srv.url, chair, label="chair")
        opened = await asyncio.gather(*(connect(srv.url, s, label=f"c{i}")
                                        for i, s in enumerate(sessions)))
        clients = [c for c, _ in opened]
        s0 = ch["seq"]
        for _, h in opened:
            assert h["seq"] == s0, f"hello seq {h['seq']} != chair's {s0}"
        replies = await present_burst(cc, doc(m), pages)
        seqs = [r["seq"] for r in replies]
        assert seqs == list(range(s0 + 1, s0 + 21)), f"reply seqs {seqs}"
        for c in clients + [cc]:
            await c.wait_count(lambda e: e.get("type") == "presented" and e["seq"] > s0,
                               20, "presented events", timeout=60)
        for c in clients + [cc]:
            got = presented(c, s0)
            assert [e["seq"] for e in got] == seqs, \
                f"{c.label}: seqs {[e['seq'] for e in got]}"
            assert [e["page"] for e in got] == pages, \
                f"{c.label}: pages {[e['page'] for e in got]}"
            assert all(e["doc"] == doc(m) for e in got), c.label
        await close_all(clients + [cc])
    run(go(), timeout=150)


def test_late_joiner_sees_the_last_page_of_a_burst(srv):
    m = srv.ctx["late"]
    chair = join(srv.url, m["chair_url"])
    mem = join(srv.url, member_url(m, MEMBERS[0][0]))["session"]
    pages = [1, 2, 3, 4, 3, 2, 1, 2, 3, 4, 1, 3]

    async def go():
        cc, _ = await connect(srv.url, chair["session"], label="chair")
        replies = await present_burst(cc, doc(m), pages)
        lc, h = await connect(srv.url, mem, label="late")
        assert h["seq"] == replies[-1]["seq"], (h["seq"], replies[-1])
        assert h["state"]["presented"] == {"doc": doc(m), "page": 3,
                                           "by": chair["participant"]}, h["state"]
        await close_all([cc, lc])
    run(go())


def test_reconnect_with_since_gets_exactly_the_missed_events(srv):
    m = srv.ctx["since"]
    chair = join(srv.url, m["chair_url"])["session"]
    ref_s = join(srv.url, member_url(m, MEMBERS[0][0]))["session"]
    me = join(srv.url, member_url(m, MEMBERS[1][0]))["session"]
    d = doc(m)

    async def go():
        cc, _ = await connect(srv.url, chair, label="chair")
        ref, _ = await connect(srv.url, ref_s, label="reference")
        rc, h = await connect(srv.url, me, label="reconnecting")
        await present_burst(cc, d, [1, 2, 3])
        seen = await rc.wait_count(lambda e: e.get("type") == "presented"
                                   and e["seq"] > h["seq"], 3, "the first three events")
        since = seen[-1]["seq"]
        await rc.close()

        # Missed while away: two pages, a stop and one more page.
        r = await present_burst(cc, d, [4, 1])
        stop = await cc.ok("present", doc=None)
        r += [stop] + await present_burst(cc, d, [2])
        last = r[-1]["seq"]
        assert last == since + 4, (since, [x["seq"] for x in r])
        await ref.wait_for(lambda e: e.get("seq") == last, f"event {last} at the reference")
        missed = [e for e in ref.events() if e["seq"] > since]

        rc2, h2 = await connect(srv.url, me, label="back", since=since)
        assert h2["seq"] == last, h2
        assert "events" in h2, f"hello since={since} carried no events: {h2}"
        assert "state" not in h2, "hello since= carries events instead of state"
        assert h2["events"] == missed, \
            f"expected the events after {since}:\n{missed}\ngot:\n{h2['events']}"
        assert [e["page"] for e in h2["events"]] == [4, 1, 0, 2], h2["events"]
        assert h2["events"][2]["doc"] is None, h2["events"]
        # Nothing replayed on top of the reply.
        await rc2.ok("ping")
        assert rc2.events() == [], f"events beside the hello reply: {rc2.events()}"
        # And the next one arrives live, next in line.
        nxt = await cc.ok("present", doc=d, page=4)
        assert nxt["seq"] == last + 1, nxt
        e = await rc2.wait_for(lambda x: x.get("seq") == last + 1, "the next event")
        assert e["type"] == "presented" and e["page"] == 4, e
        assert [x["seq"] for x in rc2.events()] == [last + 1], rc2.events()
        await close_all([cc, ref, rc2])
    run(go())


def test_since_equal_to_seq_gives_no_events(srv):
    m = srv.ctx["since"]
    me = join(srv.url, member_url(m, MEMBERS[0][0]))["session"]

    async def go():
        c, h = await connect(srv.url, me)
        c2, h2 = await connect(srv.url, me, since=h["seq"])
        assert h2["seq"] == h["seq"] and h2.get("events") == [], h2
        await close_all([c, c2])
    run(go())


def test_since_zero_gives_the_whole_log(srv):
    m = srv.ctx["since"]
    me = join(srv.url, member_url(m, MEMBERS[0][0]))["session"]

    async def go():
        c, h = await connect(srv.url, me, since=0)
        await c.close()
        return h
    h = run(go())
    assert h["seq"] > 0, h
    assert [e["seq"] for e in h["events"]] == list(range(1, h["seq"] + 1)), \
        "the event log is not gap-free from 1"


def test_since_beyond_seq_is_bad_request(srv):
    m = srv.ctx["since"]
    me = join(srv.url, member_url(m, MEMBERS[0][0]))["session"]

    async def go():
        c, h = await connect(srv.url, me)
        r = await c.request("hello", since=h["seq"] + 1)
        assert r.get("ok") is False and r["error"]["code"] == "bad_request", r
        assert (await c.request("ping"))["ok"] is True
        await c.close()
    run(go())


def test_since_keeps_500_events_and_falls_back_to_state(srv):
    m = srv.ctx["long"]
    chair = join(srv.url, m["chair_url"])
    me = join(srv.url, member_url(m, MEMBERS[0][0]))["session"]
    d = doc(m)

    async def go():
        cc, h = await connect(srv.url, chair["session"], label="chair")
        # More than 500 events, sent in bursts the chair keeps up with.
        pages = [(i % 4) + 1 for i in range(510)]
        for i in range(0, len(pages), 50):
            r = await present_burst(cc, d, pages[i:i + 50])
        last = r[-1]["seq"]
        assert last == h["seq"] + 510, (h["seq"], last)
        c1, h1 = await connect(srv.url, me, label="500-behind", since=last - 500)
        assert "events" in h1, f"500 events after since are still kept: {list(h1)}"
        assert [e["seq"] for e in h1["events"]] == list(range(last - 499, last + 1))
        c2, h2 = await connect(srv.url, me, label="501-behind", since=last - 501)
        assert "state" in h2 and "events" not in h2, \
            f"501 events after since: expected state, got {list(h2)}"
        assert h2["seq"] == last, h2
        assert h2["state"]["presented"] == {"doc": d, "page": pages[-1],
                                            "by": chair["participant"]}, h2["state"]
        await close_all([cc, c1, c2])
    run(go(), timeout=150)
